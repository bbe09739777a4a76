//! Breached passwords are refused wherever a password is set: the admin's new user and reset,
//! and a person's own change (the command line's `user add` is tested in `cli`).

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::{TestApp, PASSWORD};

const TOO_COMMON: &str =
    "Denne adgangskode er blandt de mest brugte og lækkede. Vælg en anden, fx en sætning kun du kender.";

#[tokio::test]
async fn the_admin_cannot_give_a_new_user_a_common_password() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let centre = ouh.to_string();
    for common in ["password1234", "123456789012"] {
        let refused = admin
            .post(
                "/admin/users",
                &[
                    ("name", "Nina Nurse"),
                    ("email", "nina@example.test"),
                    ("role", "nurse"),
                    ("centre_id", &centre),
                    ("capacity", "40"),
                    ("password", common),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::OK, "{common}");
        assert_eq!(refused.texts("#password-error"), vec![TOO_COMMON], "{common}");
        assert!(refused.body.contains("value=\"nina@example.test\""));
    }
    let users: i64 = sqlx::query_scalar("select count(*) from users where email = 'nina@example.test'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(users, 0);
    let nurse = app.user("nurse@example.test", Role::Nurse, Some(ouh)).await;
    let reset = admin
        .post(
            &format!("/admin/users/{nurse}/password"),
            &[("password", "qwerty123456")],
        )
        .await;
    assert_eq!(reset.texts("#password-error"), vec![TOO_COMMON]);
    let mut client = app.client();
    assert_eq!(
        client
            .sign_in("nurse@example.test", "qwerty123456")
            .await
            .texts(".alert"),
        vec!["Forkert e-mail eller adgangskode."]
    );
}

#[tokio::test]
async fn a_person_cannot_change_to_a_common_password() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut nurse = app.signed_in("nurse@example.test", Role::Nurse, Some(ouh)).await;
    let refused = nurse
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "Password1234"),
                ("repeat", "Password1234"),
            ],
        )
        .await;
    assert_eq!(refused.texts(".alert"), vec![TOO_COMMON]);
    let mut fresh = app.client();
    assert_eq!(
        fresh.sign_in("nurse@example.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}
