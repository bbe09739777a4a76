//! Signing in and out, lock-out, sessions.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::{TestApp, PASSWORD};

#[tokio::test]
async fn a_nurse_signs_in_and_lands_on_today() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    app.user("nurse@example.test", Role::Nurse, Some(centre)).await;
    let mut client = app.client();
    let response = client.sign_in("Nurse@Example.test ", PASSWORD).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.location(), "/today");
    let today = client.get("/today").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.texts(".who .name")[0].starts_with("Test nurse"));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_message() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let mut client = app.client();
    let wrong_password = client.sign_in("admin@example.test", "not the password").await;
    let unknown = client.sign_in("nobody@example.test", PASSWORD).await;
    assert_eq!(wrong_password.status, StatusCode::OK);
    assert_eq!(wrong_password.texts(".alert"), unknown.texts(".alert"));
    assert_eq!(
        wrong_password.texts(".alert"),
        vec!["Forkert e-mail eller adgangskode."]
    );
    // What was typed in the e-mail field is kept.
    assert!(unknown.body.contains("value=\"nobody@example.test\""));
    assert!(!client.cookies.contains_key("coachline_session"));
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let mut client = app.client();
    for _ in 0..5 {
        client.sign_in("admin@example.test", "guess").await;
    }
    let locked = client.sign_in("admin@example.test", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.texts(".alert")[0].contains("15"));
    assert!(!client.cookies.contains_key("coachline_session"));
    // Once the failures are older than 15 minutes the account opens again.
    sqlx::query("update login_attempts set at = at - interval '16 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        client.sign_in("admin@example.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn one_address_hammering_the_form_gets_429() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.ip = Some("192.0.2.7".parse().unwrap());
    let mut statuses = Vec::new();
    for i in 0..31 {
        statuses.push(
            client
                .sign_in(&format!("user{i}@example.test"), "guess")
                .await
                .status,
        );
    }
    assert!(statuses[..30].iter().all(|s| *s == StatusCode::OK));
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let mut other = app.client();
    other.ip = Some("192.0.2.8".parse().unwrap());
    assert_eq!(
        other.sign_in("user@example.test", "guess").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn failed_attempts_are_recorded_without_the_password() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client
        .sign_in("someone@example.test", "secret-typed-password")
        .await;
    let dump: String = sqlx::query_scalar("select string_agg(t::text, ' ') from login_attempts t")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(dump.contains("someone@example.test"));
    assert!(!dump.contains("secret-typed-password"));
}

#[tokio::test]
async fn a_deactivated_user_cannot_sign_in_and_loses_their_sessions() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let mut nurse = app
        .signed_in("nurse@example.test", Role::Nurse, Some(centre))
        .await;
    assert_eq!(nurse.get("/today").await.status, StatusCode::OK);
    let id: i64 = sqlx::query_scalar("select id from users where email = 'nurse@example.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let response = admin
        .post(&format!("/admin/users/{id}/active"), &[("active", "false")])
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let after = nurse.get("/today").await;
    assert_eq!(
        (after.status, after.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let mut again = app.client();
    let refused = again.sign_in("nurse@example.test", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(refused.texts(".alert"), vec!["Forkert e-mail eller adgangskode."]);
}

#[tokio::test]
async fn signing_out_makes_the_session_id_unusable() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    let stolen = client.cookies["coachline_session"].clone();
    assert_eq!(client.post("/logout", &[]).await.location(), "/login");
    let mut thief = app.client();
    thief.cookies.insert("coachline_session".into(), stolen);
    let response = thief.get("/admin/users").await;
    assert_eq!(
        (response.status, response.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
}

#[tokio::test]
async fn signing_in_issues_a_new_session_id_every_time() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    let first = client.cookies["coachline_session"].clone();
    client.sign_in("admin@example.test", PASSWORD).await;
    assert_ne!(first, client.cookies["coachline_session"]);
    // The old id was ended at the new sign-in.
    let sessions: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions, 1);
}

#[tokio::test]
async fn a_session_idle_for_too_long_expires() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    sqlx::query("update sessions set last_seen_at = now() - interval '31 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    let response = client.get("/admin/users").await;
    assert_eq!(
        (response.status, response.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let left: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_even_when_used() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    sqlx::query(
        "update sessions set created_at = now() - interval '12 hours 1 minute', last_seen_at = now()",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(client.get("/admin/users").await.location(), "/login");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let mut client = app.client();
    let response = client.sign_in("admin@example.test", PASSWORD).await;
    let cookie = response
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("coachline_session="))
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[tokio::test]
async fn a_user_changes_their_own_password() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    let mismatch = client
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "a new long password"),
                ("repeat", "different"),
            ],
        )
        .await;
    assert_eq!(
        mismatch.texts(".alert"),
        vec!["De to nye adgangskoder er ikke ens."]
    );
    let done = client
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "a new long password"),
                ("repeat", "a new long password"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let mut fresh = app.client();
    assert_eq!(
        fresh.sign_in("admin@example.test", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        fresh
            .sign_in("admin@example.test", "a new long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_health_check_answers_when_the_database_does() {
    let app = TestApp::new().await;
    let response = app.client().get("/healthz").await;
    assert_eq!((response.status, response.body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn a_session_in_use_does_not_end_at_the_idle_limit() {
    let app = TestApp::new().await;
    let mut client = app.signed_in("admin@example.test", Role::Admin, None).await;
    // Signed in 50 seconds ago, used now...
    sqlx::query("update sessions set created_at = now() - interval '50 seconds', last_seen_at = now() - interval '50 seconds'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(client.get("/admin/users").await.status, StatusCode::OK);
    // ...and 29 minutes 40 seconds later it is still open: the idle limit counts from the last use.
    sqlx::query(
        "update sessions set created_at = created_at - interval '29 minutes 40 seconds',
                             last_seen_at = last_seen_at - interval '29 minutes 40 seconds'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(client.get("/admin/users").await.status, StatusCode::OK);
}
