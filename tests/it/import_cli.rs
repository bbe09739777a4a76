//! `coachline import` uses the same code path and prints the documented JSON.

use std::process::Command;

use crate::helpers::TestApp;
use crate::imports::sample;

fn import(url: &str, args: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_coachline"))
        .arg("import")
        .args(args)
        .env("DATABASE_URL", url)
        .env("COACHLINE_LOG", "error")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"));
    (output.status.code().unwrap_or(-1), json)
}

#[tokio::test]
async fn the_command_line_previews_imports_and_reports_as_json() {
    let app = TestApp::new().await;
    app.centre("OUH").await;
    app.centre("KOL").await;
    let dir = crate::helpers::TempDir::new("cli");
    let file = dir.join("liste.csv");
    let mut bytes = sample("invitationsliste-eksempel.csv");
    bytes.extend_from_slice("010190-1234;;;;;;;;;;;;OUH\r\n".as_bytes());
    std::fs::write(&file, &bytes).unwrap();
    let path = file.to_str().unwrap().to_owned();
    let url = app.database_url.clone();

    let (code, dry) = tokio::task::spawn_blocking({
        let (url, path) = (url.clone(), path.clone());
        move || import(&url, &[&path, "--dry-run", "--json"])
    })
    .await
    .unwrap();
    assert_eq!(code, 0);
    assert_eq!(dry["imported"], 25);
    assert_eq!(dry["rejected"], 1);
    assert_eq!(dry["errors"][0]["line"], 27);
    assert_eq!(dry["errors"][0]["reason"], "missing name");
    let patients: i64 = sqlx::query_scalar("select count(*) from patients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(patients, 0, "a dry run writes nothing");

    let (code, done) = tokio::task::spawn_blocking({
        let (url, path) = (url.clone(), path.clone());
        move || import(&url, &[&path, "--json"])
    })
    .await
    .unwrap();
    assert_eq!(code, 0);
    assert_eq!(done["file"], "liste.csv");
    assert_eq!(
        (done["imported"].as_u64(), done["already_known"].as_u64()),
        (Some(25), Some(0))
    );
    for key in [
        "file",
        "imported",
        "already_known",
        "rejected",
        "warnings",
        "errors",
        "warning_list",
    ] {
        assert!(done.get(key).is_some(), "{key}");
    }

    let empty = dir.join("empty.csv");
    std::fs::write(&empty, b"").unwrap();
    let empty = empty.to_str().unwrap().to_owned();
    let (code, refused) =
        tokio::task::spawn_blocking(move || import(&url, &[&empty, "--json", "--centre", "OUH"]))
            .await
            .unwrap();
    assert_ne!(code, 0);
    assert_eq!(refused["error"], "the file is empty");
}

#[tokio::test]
async fn no_cpr_number_name_or_address_reaches_the_log_even_at_debug_level() {
    let app = TestApp::new().await;
    app.centre("OUH").await;
    let dir = crate::helpers::TempDir::new("log");
    let file = dir.join("log.csv");
    let list = "CPR;Navn;Adresse;Telefon;Center\n\
                010190-1234;Hemmelig Hansen;Skjultvej 7;abc;OUH\n\
                010190-1234;Hemmelig Igen;Skjultvej 8;;OUH\n\
                999999-9999;Ugyldig Ulla;Skjultvej 9;;OUH\n\
                020290-2345;Centerløs Carl;Skjultvej 10;;NOPE\n";
    std::fs::write(&file, list).unwrap();
    let url = app.database_url.clone();
    let path = file.to_str().unwrap().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_coachline"))
            .args(["import", &path])
            .env("DATABASE_URL", url)
            .env("COACHLINE_LOG", "debug")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("imported an invitation list"),
        "the log is captured: {log}"
    );
    for secret in [
        "0101901234",
        "010190-1234",
        "9999999999",
        "0202902345",
        "Hemmelig",
        "Hansen",
        "Skjultvej",
        "Ugyldig",
        "Centerløs",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}
