//! A double click or a resent form never stores a call or an amendment twice: each form carries
//! a key made when it was shown, and the database keeps a key with one record only.

use axum::http::StatusCode;
use chrono::Duration;

use crate::course_fixtures::{active, today, world};
use crate::helpers::{form_key, TestApp, TestResponse};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

/// The key a shown form carries.
fn key_of(form: &TestResponse) -> String {
    let selector = scraper::Selector::parse("input[name='form_key']").unwrap();
    form.html()
        .select(&selector)
        .next()
        .and_then(|input| input.value().attr("value"))
        .expect("the form carries a key")
        .to_owned()
}

fn call_fields<'a>(key: &'a str, date: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("form_key", key),
        ("outcome", "reached"),
        ("duration", "20"),
        ("note", "Godt opkald."),
        ("next", "booked"),
        ("date", date),
        ("time", "10:00"),
    ]
}

#[tokio::test]
async fn the_same_call_form_sent_twice_stores_one_call_and_answers_as_the_first_send_did() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let path = format!("/patients/{}/calls/new", w.patient);
    let form = w.nurse.get(&path).await;
    let key = key_of(&form);
    assert_ne!(
        key,
        key_of(&w.nurse.get(&path).await),
        "each showing has its own key"
    );
    let date = (today() + Duration::days(14)).to_string();
    let first = w.nurse.post(&path, &call_fields(&key, &date)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = w.nurse.post(&path, &call_fields(&key, &date)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(again.location(), first.location());
    assert_eq!(count(&app, "select count(*) from calls").await, 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from appointments where status = 'scheduled'"
        )
        .await,
        1,
        "the next call is booked once"
    );
    // Straight into the database: a key is kept with one call only.
    let copy = sqlx::query(
        "insert into calls (patient_id, course_id, nurse_id, outcome, form_key)
         select patient_id, course_id, nurse_id, outcome, form_key from calls",
    )
    .execute(&app.db)
    .await;
    assert!(copy.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sends_of_one_call_form_at_the_same_moment_store_one_call() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let path = format!("/patients/{}/calls/new", w.patient);
    let key = key_of(&w.nurse.get(&path).await);
    let mut twin = app.client();
    twin.cookies = w.nurse.cookies.clone();
    let date = (today() + Duration::days(14)).to_string();
    let fields = call_fields(&key, &date);
    let (one, two) = tokio::join!(w.nurse.post(&path, &fields), twin.post(&path, &fields));
    assert_eq!(
        (one.status, two.status),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
    );
    assert_eq!(one.location(), two.location());
    assert_eq!(count(&app, "select count(*) from calls").await, 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from appointments where status = 'scheduled'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_call_form_without_its_key_stores_nothing_and_comes_back_with_what_was_typed_and_a_key() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let path = format!("/patients/{}/calls/new", w.patient);
    let date = (today() + Duration::days(14)).to_string();
    let mut fields = call_fields("", &date);
    fields.remove(0);
    let response = w.nurse.post(&path, &fields).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.texts("#form_key-error").len(), 1);
    assert!(response.body.contains("Godt opkald."));
    assert!(!key_of(&response).is_empty(), "sent again, it is stored");
    assert_eq!(count(&app, "select count(*) from calls").await, 0);
}

#[tokio::test]
async fn an_amendment_sent_twice_is_added_once_and_a_key_is_not_reused_for_another_patient() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let other = active(&app, w.ouh, w.nurse_id, "0303481234", "Åse", "Andensen", 1).await;
    let key = form_key();
    let date = (today() + Duration::days(14)).to_string();
    let logged = w
        .nurse
        .post(
            &format!("/patients/{}/calls/new", w.patient),
            &call_fields(&key, &date),
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER);
    let call: i64 = count(&app, "select id from calls").await;
    let amend_key = form_key();
    let record = w.nurse.get(&format!("/patients/{}", w.patient)).await;
    let selector = scraper::Selector::parse(&format!("#call-{call} form input[name='form_key']")).unwrap();
    assert_eq!(
        record.html().select(&selector).count(),
        1,
        "the amendment form carries a key"
    );
    for _ in 0..2 {
        let amended = w
            .nurse
            .post(
                &format!("/calls/{call}/amendments"),
                &[("form_key", &amend_key), ("text", "Rettelse: det var tirsdag.")],
            )
            .await;
        assert_eq!(amended.status, StatusCode::SEE_OTHER);
        assert!(!amended.location().contains("problem"), "{}", amended.location());
    }
    assert_eq!(count(&app, "select count(*) from call_amendments").await, 1);
    let unkeyed = w
        .nurse
        .post(&format!("/calls/{call}/amendments"), &[("text", "Uden nøgle")])
        .await;
    assert!(unkeyed.location().contains("problem=form_key"));
    assert_eq!(count(&app, "select count(*) from call_amendments").await, 1);
    // The first call's key sent with another patient's call is a forged form.
    let forged = w
        .nurse
        .post(&format!("/patients/{other}/calls/new"), &call_fields(&key, &date))
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert_eq!(count(&app, "select count(*) from calls").await, 1);
}
