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
