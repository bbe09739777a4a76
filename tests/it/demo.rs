//! The demo data loads into an empty database, and loading it twice changes nothing.

use axum::http::StatusCode;

use crate::helpers::TestApp;

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as("select (select count(*) from centres), (select count(*) from users), (select count(*) from patients)")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn demo_data_loads_once_and_a_second_load_changes_nothing() {
    let app = TestApp::new().await;
    let added = coachline::demo::load(&app.db).await.unwrap();
    assert!(added > 0);
    let first = counts(&app).await;
    assert_eq!((first.0, first.1), (2, 7));
    assert_eq!(coachline::demo::load(&app.db).await.unwrap(), 0);
    assert_eq!(counts(&app).await, first);
}

#[tokio::test]
async fn every_demo_login_works_and_lands_on_its_home() {
    let app = TestApp::new().await;
    coachline::demo::load(&app.db).await.unwrap();
    for login in coachline::demo::LOGINS {
        let mut client = app.client();
        let response = client.sign_in(login.email, coachline::demo::DEMO_PASSWORD).await;
        assert_eq!(response.location(), login.role.home(), "{}", login.email);
        assert_eq!(client.get(login.role.home()).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_demo_nurse_sees_her_active_patients_on_today() {
    let app = TestApp::new().await;
    coachline::demo::load(&app.db).await.unwrap();
    let mut client = app.client();
    client
        .sign_in(
            "anne.sygeplejerske@coachline.test",
            coachline::demo::DEMO_PASSWORD,
        )
        .await;
    let today = client.get("/today").await;
    let expected: i64 = sqlx::query_scalar(
        "select count(*) from patients p join users u on u.id = p.nurse_id
          where u.email = 'anne.sygeplejerske@coachline.test' and p.status = 'active'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(expected > 0);
    assert_eq!(
        today
            .texts("section:not(#questionnaires) table.list tbody tr")
            .len() as i64,
        expected
    );
}

#[tokio::test]
async fn the_demo_refuses_a_database_holding_data_it_did_not_create_unless_forced() {
    let app = TestApp::new().await;
    let ouh = app.centre("RH").await;
    app.user("real.admin@hospital.test", coachline::web::Role::Admin, None)
        .await;
    let _ = ouh;
    let refusal = coachline::demo::foreign_data(&app.db).await.unwrap();
    assert!(refusal.is_some_and(|r| r.contains("--force")));
    let url = app.database_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_coachline"))
            .arg("demo")
            .env("DATABASE_URL", &url)
            .env_remove("COACHLINE_MIGRATE_DATABASE_URL")
            .env("COACHLINE_BIND", "127.0.0.1:0")
            .env("COACHLINE_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("the demo did not create"), "{said}");
    let (_, users, patients) = counts(&app).await;
    assert_eq!((users, patients), (1, 0), "nothing was added");
    // An empty database, or one holding only the demo's own data, is fine.
    let empty = TestApp::new().await;
    assert_eq!(coachline::demo::foreign_data(&empty.db).await.unwrap(), None);
    coachline::demo::load(&empty.db).await.unwrap();
    assert_eq!(coachline::demo::foreign_data(&empty.db).await.unwrap(), None);
}
