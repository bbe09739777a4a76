//! The command line creates what it says.

use std::io::Write;
use std::process::{Command, Stdio};

use axum::http::StatusCode;

use crate::helpers::TestApp;

fn coachline(database_url: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_coachline"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("COACHLINE_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn centre_add_and_user_add_create_what_they_say() {
    let app = TestApp::new().await;
    let url = app.database_url.clone();
    let (ok, out) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            coachline(
                &url,
                &["centre", "add", "--code", "OUH", "--name", "OUH Odense"],
                "",
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "{out}");
    let (ok, out) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            coachline(
                &url,
                &[
                    "user",
                    "add",
                    "--email",
                    "Nurse@Example.test",
                    "--name",
                    "Nora Nurse",
                    "--role",
                    "nurse",
                    "--centre",
                    "ouh",
                    "--capacity",
                    "45",
                ],
                "a password from stdin\n",
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "{out}");
    let (role, capacity, code): (String, i32, String) = sqlx::query_as(
        "select u.role, u.capacity, c.code from users u join centres c on c.id = u.centre_id where u.email = 'nurse@example.test'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((role.as_str(), capacity, code.as_str()), ("nurse", 45, "OUH"));
    let mut client = app.client();
    assert_eq!(
        client
            .sign_in("nurse@example.test", "a password from stdin")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn user_add_refuses_bad_input_with_a_clear_message() {
    let app = TestApp::new().await;
    let url = app.database_url.clone();
    let (ok, out) = tokio::task::spawn_blocking(move || {
        coachline(
            &url,
            &[
                "user",
                "add",
                "--email",
                "x@example.test",
                "--name",
                "X",
                "--role",
                "nurse",
                "--centre",
                "NOPE",
            ],
            "long enough password",
        )
    })
    .await
    .unwrap();
    assert!(!ok);
    assert!(out.contains("no call centre with code NOPE"), "{out}");
    let url = app.database_url.clone();
    let (ok, out) = tokio::task::spawn_blocking(move || {
        coachline(
            &url,
            &[
                "user",
                "add",
                "--email",
                "x@example.test",
                "--name",
                "X",
                "--role",
                "admin",
            ],
            "short",
        )
    })
    .await
    .unwrap();
    assert!(!ok);
    assert!(out.contains("at least 12 characters"), "{out}");
    // A breached password is refused however long it is.
    let url = app.database_url.clone();
    let (ok, out) = tokio::task::spawn_blocking(move || {
        coachline(
            &url,
            &[
                "user",
                "add",
                "--email",
                "x@example.test",
                "--name",
                "X",
                "--role",
                "admin",
            ],
            "password1234",
        )
    })
    .await
    .unwrap();
    assert!(!ok);
    assert!(out.contains("among the most used and leaked"), "{out}");
}

#[tokio::test]
async fn an_unreachable_database_is_one_clear_sentence() {
    let (ok, out) =
        tokio::task::spawn_blocking(|| coachline("postgres://postgres@127.0.0.1:1/none", &["migrate"], ""))
            .await
            .unwrap();
    assert!(!ok);
    assert!(
        out.contains("PostgreSQL is not reachable at 127.0.0.1:1"),
        "{out}"
    );
    assert!(!out.contains("panicked") && out.lines().count() <= 2, "{out}");
}
