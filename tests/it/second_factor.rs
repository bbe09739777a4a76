//! The second factor: who must set it up, enrolment with a QR code and recovery codes, and the
//! attacks on the second step (no code, a wrong code, a replayed code, a reused recovery code).

use axum::http::StatusCode;
use coachline::auth::totp::{step_of, Secret};
use coachline::web::Role;

use crate::helpers::{code_after, TestApp, PASSWORD};

/// An admin who has set up the app (through the helper's sign-in) and a fresh client.
async fn enrolled_admin(app: &TestApp) -> crate::helpers::Client<'_> {
    app.signed_in("admin@example.test", Role::Admin, None).await;
    app.client()
}

#[tokio::test]
async fn an_admin_without_a_second_factor_must_set_one_up_and_is_not_signed_in_before() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let mut client = app.client();
    let first = client.sign_in_password("admin@example.test", PASSWORD).await;
    assert_eq!(first.location(), "/login/enrol");
    assert!(!client.cookies.contains_key("coachline_session"));
    // Half signed in: nothing else opens.
    for path in ["/imports", "/admin/users", "/patients", "/account/password"] {
        let response = client.get(path).await;
        assert_eq!(
            (response.status, response.location()),
            (StatusCode::SEE_OTHER, "/login"),
            "{path}"
        );
    }
    let finish_early = client.post("/login/finish", &[]).await;
    assert_eq!(finish_early.location(), "/login/enrol");
    assert!(!client.cookies.contains_key("coachline_session"));
    // The enrolment page: a QR code as inline SVG, the secret as text, no script.
    let page = client.get("/login/enrol").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("figure.qr svg").len(), 1);
    assert!(Secret::from_base32(&page.texts("#secret")[0]).is_some());
    assert!(!page.body.contains("<script>"));
}

#[tokio::test]
async fn enrolment_needs_a_right_first_code_and_shows_ten_recovery_codes_once() {
    let app = TestApp::new().await;
    app.user(
        "coord@example.test",
        Role::Coordinator,
        Some(app.centre("OUH").await),
    )
    .await;
    let mut client = app.client();
    client.sign_in_password("coord@example.test", PASSWORD).await;
    let page = client.get("/login/enrol").await;
    let secret_text = page.texts("#secret")[0].clone();
    let sealed = page.attr("input[name='sealed']", "value");
    let wrong = client
        .post("/login/enrol", &[("sealed", &sealed), ("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(wrong.texts(".alert").len(), 1);
    // The same secret is shown again, and what was typed is kept.
    assert_eq!(wrong.texts("#secret")[0], secret_text);
    assert!(wrong.body.contains("value=\"000000\""));
    let code = code_after(&Secret::from_base32(&secret_text).unwrap(), None).await;
    let shown = client
        .post("/login/enrol", &[("sealed", &sealed), ("code", &code)])
        .await;
    let codes = shown.texts(".recovery-codes li");
    assert_eq!(codes.len(), 10);
    // Stored hashed: no code appears in the table.
    let dump: String = sqlx::query_scalar("select string_agg(t::text, ' ') from recovery_codes t")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(codes.iter().all(|c| !dump.contains(c.as_str())));
    // Shown once: coming back shows none.
    let again = client.get("/login/enrol").await;
    assert!(again.texts(".recovery-codes li").is_empty());
    let done = client.post("/login/finish", &[]).await;
    assert_eq!(done.location(), "/centre");
    assert_eq!(client.get("/centre").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_five_wrong_codes_lock_the_account() {
    let app = TestApp::new().await;
    let mut client = enrolled_admin(&app).await;
    assert_eq!(
        client
            .sign_in_password("admin@example.test", PASSWORD)
            .await
            .location(),
        "/login/code"
    );
    let right = app.totp_code("admin@example.test").await;
    let wrong = if right == "123456" { "654321" } else { "123456" };
    let refused = client.post("/login/code", &[("code", wrong)]).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(
        refused.texts(".alert"),
        vec!["Koden er forkert, udløbet eller allerede brugt. Prøv den næste kode fra appen."]
    );
    assert!(!client.cookies.contains_key("coachline_session"));
    for _ in 0..4 {
        client.post("/login/code", &[("code", wrong)]).await;
    }
    let locked = client.post("/login/code", &[("code", &right)]).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!client.cookies.contains_key("coachline_session"));
}

#[tokio::test]
async fn a_code_is_never_accepted_twice() {
    let app = TestApp::new().await;
    let mut client = enrolled_admin(&app).await;
    client.sign_in_password("admin@example.test", PASSWORD).await;
    let code = app.totp_code("admin@example.test").await;
    let ok = client.post("/login/code", &[("code", &code)]).await;
    assert_eq!(ok.location(), "/imports");
    // Someone who watched the code being typed tries it at once.
    let mut thief = app.client();
    thief.sign_in_password("admin@example.test", PASSWORD).await;
    let replayed = thief.post("/login/code", &[("code", &code)]).await;
    assert_eq!(replayed.status, StatusCode::OK);
    assert_eq!(replayed.texts(".alert").len(), 1);
    assert!(!thief.cookies.contains_key("coachline_session"));
}

#[tokio::test]
async fn a_code_from_outside_the_window_is_refused() {
    let app = TestApp::new().await;
    let mut client = enrolled_admin(&app).await;
    let (user_id, sealed): (i64, Vec<u8>) =
        sqlx::query_as("select user_id, secret_sealed from second_factors")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let secret = Secret::open(
        &coachline::Config::for_tests(&app.database_url).secret,
        user_id,
        &sealed,
    )
    .unwrap();
    let current = step_of(chrono::Utc::now());
    let old = secret.code_at_step(current - 3);
    let window: Vec<String> = (current - 2..=current + 2)
        .map(|s| secret.code_at_step(s))
        .collect();
    if window.contains(&old) {
        return; // one in a hundred thousand: the old code happens to be a current one too
    }
    client.sign_in_password("admin@example.test", PASSWORD).await;
    let refused = client.post("/login/code", &[("code", &old)]).await;
    assert_eq!(refused.texts(".alert").len(), 1);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = TestApp::new().await;
    app.user("research@example.test", Role::Researcher, None).await;
    let mut client = app.client();
    client.sign_in_password("research@example.test", PASSWORD).await;
    let shown = client.enrol().await;
    let codes = shown.texts(".recovery-codes li");
    client.post("/login/finish", &[]).await;
    let mut lost_phone = app.client();
    lost_phone
        .sign_in_password("research@example.test", PASSWORD)
        .await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    let ok = lost_phone.post("/login/code", &[("code", &typed)]).await;
    assert_eq!(ok.location(), "/research");
    let mut again = app.client();
    again.sign_in_password("research@example.test", PASSWORD).await;
    let reused = again.post("/login/code", &[("code", &codes[3])]).await;
    assert_eq!(reused.texts(".alert").len(), 1);
    assert!(!again.cookies.contains_key("coachline_session"));
}

#[tokio::test]
async fn nurses_sign_in_with_a_second_factor_only_where_their_centre_asks_for_it() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    app.user("nurse@example.test", Role::Nurse, Some(ouh)).await;
    let mut nurse = app.client();
    assert_eq!(
        nurse
            .sign_in_password("nurse@example.test", PASSWORD)
            .await
            .location(),
        "/today"
    );
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let saved = admin
        .post(
            &format!("/admin/centres/{ouh}"),
            &[
                ("name", "Centre OUH"),
                ("address", ""),
                ("phone", ""),
                ("nurses_second_factor", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let form = admin.get(&format!("/admin/centres/{ouh}")).await;
    assert!(form
        .body
        .contains("id=\"nurses_second_factor\" name=\"nurses_second_factor\" checked"));
    let mut next_day = app.client();
    assert_eq!(
        next_day
            .sign_in_password("nurse@example.test", PASSWORD)
            .await
            .location(),
        "/login/enrol"
    );
}

#[tokio::test]
async fn the_admin_resets_a_lost_second_factor_and_it_is_logged() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let coord_id = app.user_id("coord@example.test").await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let form = admin.get(&format!("/admin/users/{coord_id}")).await;
    assert_eq!(form.texts("#second-factor button").len(), 1);
    let reset = admin
        .post(&format!("/admin/users/{coord_id}/second-factor"), &[])
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    // The coordinator is signed out and sets up a new app at the next sign-in.
    assert_eq!(coord.get("/centre").await.location(), "/login");
    let mut again = app.client();
    assert_eq!(
        again
            .sign_in_password("coord@example.test", PASSWORD)
            .await
            .location(),
        "/login/enrol"
    );
    let logged: Vec<(i64, serde_json::Value)> =
        sqlx::query_as("select user_id, detail from access_log where action = 'user.second_factor_reset'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let admin_id = app.user_id("admin@example.test").await;
    assert_eq!(logged, vec![(admin_id, serde_json::json!({ "user": coord_id }))]);
    let log_page = admin.get("/admin/access-log").await;
    assert!(log_page.body.contains("Nulstillede en totrinsbekræftelse"));
    // Only admins may reset.
    let mut other = app
        .signed_in("coord2@example.test", Role::Coordinator, Some(ouh))
        .await;
    assert_eq!(
        other
            .post(&format!("/admin/users/{admin_id}/second-factor"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_stored_secret_is_sealed_and_never_in_plain_text() {
    let app = TestApp::new().await;
    app.user("admin@example.test", Role::Admin, None).await;
    let mut client = app.client();
    client.sign_in_password("admin@example.test", PASSWORD).await;
    let page = client.get("/login/enrol").await;
    let secret_text = page.texts("#secret")[0].replace(' ', "");
    let secret = Secret::from_base32(&secret_text).unwrap();
    let sealed = page.attr("input[name='sealed']", "value");
    let code = code_after(&secret, None).await;
    client
        .post("/login/enrol", &[("sealed", &sealed), ("code", &code)])
        .await;
    let dump: String = sqlx::query_scalar("select string_agg(t::text, ' ') from second_factors t")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!dump.to_uppercase().contains(&secret_text));
    assert!(!dump.contains(&hex_of(&secret, &secret_text)));
    // Sealed for this person: copied to another account it does not open.
    let stored: Vec<u8> = sqlx::query_scalar("select secret_sealed from second_factors")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let key = coachline::Config::for_tests(&app.database_url).secret;
    let id = app.user_id("admin@example.test").await;
    assert_eq!(Secret::open(&key, id, &stored), Some(secret.clone()));
    assert_eq!(Secret::open(&key, id + 1, &stored), None);
}

/// The secret's bytes as hex, as a dump of a plain `bytea` column would show them.
fn hex_of(_secret: &Secret, base32: &str) -> String {
    let bytes = totp_bytes(base32);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn totp_bytes(base32: &str) -> Vec<u8> {
    totp_rs::Secret::Encoded(base32.to_owned()).to_bytes().unwrap()
}
