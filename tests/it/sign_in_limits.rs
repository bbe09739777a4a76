//! Sign-in limits that fit a hospital: failures count, successes do not; per account and per
//! address; behind a trusted proxy the browser's address comes from its header, from nobody else.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::{TestApp, PASSWORD};

#[tokio::test]
async fn forty_colleagues_behind_one_address_all_sign_in() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    for i in 0..40 {
        app.user(&format!("nurse{i}@example.test"), Role::Nurse, Some(ouh))
            .await;
    }
    for i in 0..40 {
        let mut colleague = app.client();
        colleague.ip = Some("192.0.2.10".parse().unwrap());
        let response = colleague
            .sign_in(&format!("nurse{i}@example.test"), PASSWORD)
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "colleague {i}");
    }
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_refused_while_others_there_have_signed_in() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let mut guesser = app.client();
    guesser.ip = Some("192.0.2.11".parse().unwrap());
    for _ in 0..5 {
        assert_eq!(
            guesser.sign_in("admin@example.test", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let statuses: Vec<StatusCode> = {
        let mut statuses = Vec::new();
        for i in 0..31 {
            let response = guesser
                .sign_in(&format!("guess{i}@example.test"), "not the password")
                .await;
            statuses.push(response.status);
        }
        statuses
    };
    assert!(
        statuses[..30].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn repeated_failures_on_one_account_lock_it_from_every_address() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    for i in 0..5 {
        let mut guesser = app.client();
        guesser.ip = Some(format!("198.51.100.{i}").parse().unwrap());
        guesser.sign_in("admin@example.test", "guess").await;
    }
    let mut owner = app.client();
    owner.ip = Some("192.0.2.99".parse().unwrap());
    let locked = owner.sign_in("admin@example.test", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
}

/// Behind the hospital's proxy 10.0.0.1, which names the browser in `X-Forwarded-For`.
async fn behind_proxy() -> TestApp {
    TestApp::with_config(|config| {
        config.trusted_proxy_header = Some("x-forwarded-for".parse().unwrap());
        config.trusted_proxies = vec!["10.0.0.1".parse().unwrap()];
    })
    .await
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_guessing_browser_is_refused_and_its_colleagues_are_not() {
    let app = behind_proxy().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let via_proxy = |browser: &str| {
        let mut client = app.client();
        client.ip = Some("10.0.0.1".parse().unwrap());
        client.headers.push(("x-forwarded-for", browser.to_owned()));
        client
    };
    let mut guesser = via_proxy("172.16.5.5");
    for i in 0..30 {
        guesser.sign_in(&format!("guess{i}@example.test"), "x").await;
    }
    assert_eq!(
        guesser.sign_in("guess@example.test", "x").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut colleague = via_proxy("172.16.5.6");
    assert_eq!(
        colleague.sign_in("admin@example.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let recorded: Vec<String> = sqlx::query_scalar("select distinct ip from login_attempts order by 1")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(recorded, vec!["172.16.5.5", "172.16.5.6"]);
}

#[tokio::test]
async fn a_forwarding_header_from_anyone_but_the_trusted_proxy_is_ignored() {
    let app = behind_proxy().await;
    let mut guesser = app.client();
    guesser.ip = Some("203.0.113.7".parse().unwrap());
    for i in 0..31 {
        // A new made-up address each time would escape the limit if the header were believed.
        guesser.headers = vec![("x-forwarded-for", format!("172.16.0.{i}"))];
        guesser.sign_in(&format!("guess{i}@example.test"), "x").await;
    }
    assert_eq!(
        guesser.sign_in("guess@example.test", "x").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let recorded: Vec<String> = sqlx::query_scalar("select distinct ip from login_attempts")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(recorded, vec!["203.0.113.7"]);
}
