//! Every free-text field has a length limit: too long is refused with a clear message, the
//! form keeps what was typed, and nothing is stored.

use axum::http::StatusCode;
use chrono::Duration;

use crate::course_fixtures::{today, world};
use crate::helpers::TestApp;

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_million_character_note_is_refused_and_kept_in_the_form() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let note = format!("Første linje {}", "x".repeat(1_000_000));
    let date = (today() + Duration::days(7)).to_string();
    let page = w
        .nurse
        .post(
            &format!("/patients/{}/calls/new", w.patient),
            &[
                ("form_key", &crate::helpers::form_key()),
                ("outcome", "reached"),
                ("note", &note),
                ("next", "booked"),
                ("date", &date),
                ("time", "09:30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.texts(".field-error")
            .iter()
            .any(|e| e.contains("10.000 tegn")),
        "{:?}",
        page.texts(".field-error")
    );
    assert!(page.body.contains(&note), "what was typed is kept");
    assert_eq!(count(&app, "calls").await, 0);
    // The browser is told the limit too.
    let form = w.nurse.get(&format!("/patients/{}/calls/new", w.patient)).await;
    assert!(form.body.contains("maxlength=\"10000\""));
}

#[tokio::test]
async fn a_million_character_goal_amendment_or_referral_is_refused_with_a_message() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let long = "x".repeat(1_000_000);
    let id = w.patient;
    let goal = w
        .nurse
        .post(&format!("/patients/{id}/goals"), &[("text", long.as_str())])
        .await;
    assert_eq!(goal.status, StatusCode::SEE_OTHER);
    let shown = w.nurse.get(goal.location().split('#').next().unwrap()).await;
    assert!(shown.body.contains("højst 10.000 tegn"), "{}", goal.location());
    let today = today().to_string();
    w.nurse
        .post(
            &format!("/patients/{id}/referrals"),
            &[("kind", "gp"), ("on_date", &today), ("purpose", &long)],
        )
        .await;
    assert_eq!(count(&app, "goals").await, 0);
    assert_eq!(count(&app, "referrals").await, 0);
}

#[tokio::test]
async fn an_overlong_contact_is_refused_next_to_the_field_with_what_was_typed() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let name = "Å".repeat(501);
    let page = w
        .nurse
        .post(
            &format!("/patients/{}/contacts/new", w.patient),
            &[("name", name.as_str()), ("relation", "Datter")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .texts(".field-error")
        .iter()
        .any(|e| e.contains("højst 500 tegn")));
    assert!(page.body.contains(&name));
    assert_eq!(count(&app, "patient_contacts").await, 0);
    let times = "morgen ".repeat(2_000);
    let page = w
        .nurse
        .post(
            &format!("/patients/{}/contacts", w.patient),
            &[("preferred_call_times", times.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(times.trim()));
    let stored: String = sqlx::query_scalar("select preferred_call_times from patients where id = $1")
        .bind(w.patient)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, "");
}
