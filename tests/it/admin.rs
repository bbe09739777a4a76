//! Admins manage call centres and users in the browser.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::{TestApp, PASSWORD};

#[tokio::test]
async fn an_admin_creates_a_centre_and_a_nurse_who_can_then_sign_in() {
    let app = TestApp::new().await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let created = admin
        .post(
            "/admin/centres",
            &[
                ("code", "kol"),
                ("name", "Kolding"),
                ("address", ""),
                ("phone", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let centres = admin.get("/admin/centres").await;
    assert!(centres.texts("td strong").contains(&"KOL".to_owned()));
    let centre_id: i64 = sqlx::query_scalar("select id from centres where code = 'KOL'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let centre = centre_id.to_string();
    let user = admin
        .post(
            "/admin/users",
            &[
                ("name", "Nina Nurse"),
                ("email", "nina@example.test"),
                ("role", "nurse"),
                ("centre_id", centre.as_str()),
                ("capacity", "55"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(user.status, StatusCode::SEE_OTHER, "{}", user.body);
    let listed = admin.get("/admin/users").await;
    assert!(listed.texts("td a").contains(&"Nina Nurse".to_owned()));
    let mut nina = app.client();
    let signed = nina.sign_in("nina@example.test", "a long enough password").await;
    assert_eq!(signed.location(), "/today");
    let today = nina.get("/today").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.texts(".who .role")[0].contains("Kolding"));
}

#[tokio::test]
async fn a_bad_user_form_keeps_what_was_typed_and_says_what_is_wrong() {
    let app = TestApp::new().await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let response = admin
        .post(
            "/admin/users",
            &[
                ("name", "Nina Nurse"),
                ("email", "not-an-email"),
                ("role", "nurse"),
                ("centre_id", ""),
                ("capacity", "lots"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response.body.contains("value=\"Nina Nurse\"") && response.body.contains("value=\"not-an-email\"")
    );
    assert!(response.body.contains("value=\"lots\""));
    let errors = response.texts(".field-error");
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors.contains(&"Vælg callcenter for sygeplejersker og koordinatorer.".to_owned()));
    let count: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_taken_email_or_centre_code_is_a_form_error() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let dup = admin
        .post("/admin/centres", &[("code", "OUH"), ("name", "Again")])
        .await;
    assert_eq!(
        dup.texts(".field-error"),
        vec!["Der findes allerede et callcenter med den kode."]
    );
    let centre = centre.to_string();
    let taken = admin
        .post(
            "/admin/users",
            &[
                ("name", "X"),
                ("email", "ADMIN@example.test"),
                ("role", "coordinator"),
                ("centre_id", centre.as_str()),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(
        taken.texts(".field-error"),
        vec!["Der findes allerede en bruger med den e-mail."]
    );
}

#[tokio::test]
async fn an_admin_edits_a_user_and_the_change_ends_their_sessions() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let mut nurse = app.signed_in("nurse@example.test", Role::Nurse, Some(ouh)).await;
    let id: i64 = sqlx::query_scalar("select id from users where role = 'nurse'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let kol = kol.to_string();
    let response = admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("name", "Renamed Nurse"),
                ("email", "nurse@example.test"),
                ("role", "nurse"),
                ("centre_id", kol.as_str()),
                ("capacity", "70"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let (name, centre, capacity): (String, i64, i32) =
        sqlx::query_as("select name, centre_id, capacity from users where id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), centre.to_string(), capacity),
        ("Renamed Nurse", kol, 70)
    );
    assert_eq!(nurse.get("/today").await.location(), "/login");
}

#[tokio::test]
async fn an_admin_resets_a_password() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let id = app
        .user("coord@example.test", Role::Coordinator, Some(centre))
        .await;
    let short = admin
        .post(&format!("/admin/users/{id}/password"), &[("password", "short")])
        .await;
    assert_eq!(short.status, StatusCode::OK);
    assert!(!short.texts(".field-error").is_empty());
    let done = admin
        .post(
            &format!("/admin/users/{id}/password"),
            &[("password", "brand new password")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let mut coord = app.client();
    assert_eq!(
        coord.sign_in("coord@example.test", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        coord
            .sign_in("coord@example.test", "brand new password")
            .await
            .location(),
        "/centre"
    );
}

#[tokio::test]
async fn the_database_refuses_a_nurse_without_a_centre() {
    let app = TestApp::new().await;
    let result = sqlx::query(
        "insert into users (email, name, role, password_hash) values ('x@y.z', 'X', 'nurse', 'h')",
    )
    .execute(&app.db)
    .await;
    assert!(result.is_err());
}
