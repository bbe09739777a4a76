//! Running an installation: metrics, static files in the binary, backup and restore, `check`,
//! and the messages of the command line when something is in the way.

use std::process::{Command, Output};

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::{app_server_url, TestApp};

const TOKEN: &str = "metrics-token-0123456789";

fn coachline(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_coachline"));
    command
        .args(args)
        .env_remove("COACHLINE_SECRET")
        .env("COACHLINE_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn metrics_need_the_token_and_name_routes_never_paths() {
    let app = TestApp::with_config(|c| c.metrics_token = Some(TOKEN.to_owned())).await;
    let centre = app.centre("OUH").await;
    let mut nurse = app
        .signed_in("nurse@example.test", Role::Nurse, Some(centre))
        .await;
    nurse.get("/patients/987654").await;

    let mut scraper = app.client();
    assert_eq!(scraper.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
    scraper
        .headers
        .push(("authorization", "Bearer wrong-token-0123456789".to_owned()));
    assert_eq!(scraper.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
    scraper.headers = vec![("authorization", format!("Bearer {TOKEN}"))];
    let metrics = scraper.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics
        .header("content-type")
        .starts_with("text/plain; version=0.0.4"));
    assert!(
        metrics.body.contains(r#"route="/patients/{id}""#),
        "{}",
        metrics.body
    );
    assert!(!metrics.body.contains("987654"), "a path reached a label");
    for name in [
        "coachline_http_requests_total",
        "coachline_http_request_duration_seconds_bucket",
        "coachline_db_pool_connections",
    ] {
        assert!(metrics.body.contains(name), "{name} missing");
    }
}

#[tokio::test]
async fn without_a_token_there_are_no_metrics() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client
        .headers
        .push(("authorization", "Bearer anything-at-all-0123".to_owned()));
    assert_eq!(client.get("/metrics").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn static_files_come_from_the_binary_versioned_and_cached_for_a_year() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let login = client.get("/login").await;
    let css = login.attr("link[rel=stylesheet]", "href");
    assert!(css.starts_with("/static/app.css?v="), "{css}");
    let first = client.get(&css).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.header("content-type").starts_with("text/css"));
    assert_eq!(
        first.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let etag = first.header("etag").to_owned();
    assert!(!etag.is_empty());
    // Without the version the browser asks again, and the ETag saves sending the file.
    let plain = client.get("/static/app.css").await;
    assert_eq!(
        plain.header("cache-control"),
        "public, max-age=0, must-revalidate"
    );
    client.headers.push(("if-none-match", etag));
    let again = client.get("/static/app.css").await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(
        client.get("/static/nothing.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_backup_restored_into_an_empty_database_is_served_as_it_was() {
    if Command::new("pg_dump").arg("--version").output().is_err() {
        eprintln!("skipped: pg_dump is not installed (apt-get install postgresql-client)");
        return;
    }
    let original = TestApp::new().await;
    coachline::demo::load(&original.db).await.unwrap();
    let patients = |db: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("select count(*) from patients")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    let before = patients(original.db.clone()).await;
    let dir = crate::helpers::TempDir::new("backup");
    let dump = dir.join("coachline.dump");
    let dump_arg = dump.to_str().unwrap().to_owned();
    let url = original.database_url.clone();
    let backup = tokio::task::spawn_blocking({
        let dump_arg = dump_arg.clone();
        move || coachline(&["backup", &dump_arg], &[("DATABASE_URL", &url)])
    })
    .await
    .unwrap();
    assert!(backup.status.success(), "{}", text(&backup));
    let again = coachline(
        &["backup", &dump_arg],
        &[("DATABASE_URL", &original.database_url)],
    );
    assert!(!again.status.success(), "a backup was overwritten");

    let mut restore_output = None;
    let restored = TestApp::with_database(|url| {
        restore_output = Some(coachline(&["restore", &dump_arg], &[("DATABASE_URL", url)]));
    })
    .await;
    let restore_output = restore_output.unwrap();
    assert!(restore_output.status.success(), "{}", text(&restore_output));
    assert_eq!(patients(restored.db.clone()).await, before);

    // The application serves the restored database: a demo nurse signs in to her day.
    let mut nurse = restored.client();
    nurse
        .sign_in(
            "anne.sygeplejerske@coachline.test",
            coachline::demo::DEMO_PASSWORD,
        )
        .await;
    let today = nurse.get("/today").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.body.contains("Anne"), "{}", today.body);

    // A second restore over a database in use is refused.
    let over = coachline(
        &["restore", &dump_arg],
        &[("DATABASE_URL", &restored.database_url)],
    );
    assert!(!over.status.success());
    assert!(text(&over).contains("empty database"), "{}", text(&over));
}

#[tokio::test]
async fn check_passes_for_the_application_role_and_names_what_is_wrong_otherwise() {
    let app = TestApp::new().await;
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let app_url = format!("{}/{name}", app_server_url());
    let secret = "a-check-secret-0123456789abcdefghij";
    let good = coachline(
        &["check"],
        &[("DATABASE_URL", &app_url), ("COACHLINE_SECRET", secret)],
    );
    let report = text(&good);
    assert!(good.status.success(), "{report}");
    assert!(report.starts_with(&format!("coachline {}", env!("CARGO_PKG_VERSION"))));
    assert!(report.contains("migrations are applied"), "{report}");
    assert!(report.contains("cannot change history"), "{report}");

    // As the superuser that owns the tables, without a secret, reachable from outside.
    let bad = coachline(
        &["check"],
        &[
            ("DATABASE_URL", &app.database_url),
            ("COACHLINE_BIND", "0.0.0.0:8080"),
        ],
    );
    let report = text(&bad);
    assert!(!bad.status.success(), "{report}");
    for problem in ["COACHLINE_SECRET is not set", "superuser", "COACHLINE_HTTPS"] {
        assert!(report.contains(problem), "{problem}: {report}");
    }
}

#[tokio::test]
async fn a_taken_port_is_named_with_its_variable_before_anything_is_printed() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = coachline(
        &["demo"],
        &[
            ("COACHLINE_BIND", &address),
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/unused"),
        ],
    );
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "{}", text(&output));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains(&address) && message.contains("COACHLINE_BIND"),
        "{message}"
    );
}

#[tokio::test]
async fn only_serve_and_demo_warn_about_a_missing_secret() {
    let app = TestApp::new().await;
    let migrate = coachline(&["migrate"], &[("DATABASE_URL", &app.database_url)]);
    assert!(migrate.status.success(), "{}", text(&migrate));
    assert!(!text(&migrate).contains("COACHLINE_SECRET"), "{}", text(&migrate));
}

#[tokio::test]
async fn a_database_that_never_answers_is_given_up_in_one_sentence() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = std::time::Instant::now();
    let output = coachline(
        &["migrate"],
        &[
            ("DATABASE_URL", &format!("postgres://postgres@127.0.0.1:{port}/x")),
            ("COACHLINE_DATABASE_CONNECT_TIMEOUT_SECONDS", "1"),
        ],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("did not answer within 1 s"), "{message}");
    drop(silent);
}

#[tokio::test]
async fn serve_warns_about_a_missing_secret_in_json_lines_without_colour() {
    let output = coachline(
        &["serve"],
        &[
            ("COACHLINE_BIND", "127.0.0.1:0"),
            ("COACHLINE_LOG_FORMAT", "json"),
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/unused"),
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains('\u{1b}'), "colour codes in {stderr}");
    let warning: serde_json::Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(warning["level"], "WARN");
    assert!(warning["fields"]["message"]
        .as_str()
        .unwrap()
        .contains("COACHLINE_SECRET is not set"));
    assert!(
        stderr.contains("PostgreSQL is not reachable at 127.0.0.1:1"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_serving_pool_carries_the_statement_timeout() {
    let app = TestApp::new().await;
    let options = coachline::db::DbOptions {
        statement_timeout: Some(std::time::Duration::from_secs(7)),
        ..Default::default()
    };
    let pool = coachline::db::connect_with(&app.database_url, &options)
        .await
        .unwrap();
    let timeout: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(timeout, "7s");
    pool.close().await;
}

/// The database drops the server's connections (a restart, a failover): once they have been
/// idle a moment, the next page gets a fresh connection instead of an error.
#[tokio::test]
async fn after_the_database_drops_the_servers_connections_the_next_page_answers() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut nurse = app.signed_in("nina@example.test", Role::Nurse, Some(ouh)).await;
    assert_eq!(nurse.get("/today").await.status, StatusCode::OK);
    let dropped: Vec<bool> = sqlx::query_scalar(
        "select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and usename <> current_user",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(!dropped.is_empty(), "the server had connections to drop");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(nurse.get("/today").await.status, StatusCode::OK);
    assert_eq!(nurse.get("/my-patients").await.status, StatusCode::OK);
}
