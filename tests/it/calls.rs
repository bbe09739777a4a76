//! Logging a call: the next call in the same transaction, double booking, attempts and the
//! unreachable safety net, amendments, notes that cannot change, and the topics list.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use coachline::web::Role;

use crate::course_fixtures::{active, booked, called, local, today, world};
use crate::helpers::{form_key, TestApp};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn logging_a_call_books_the_next_call_in_the_same_transaction() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    let due = booked(&app, id, w.nurse_id, local(today(), "07:00")).await;
    let form = w.nurse.get(&format!("/patients/{id}/calls/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    // Without a rhythm yet: a fortnight after the booked call, same weekday and time.
    let expected = (today() + Duration::days(14)).to_string();
    assert!(
        form.body.contains(&format!("value=\"{expected}\"")),
        "default date"
    );
    assert!(form.body.contains("value=\"07:00\""), "default time");
    assert!(form
        .body
        .contains(&format!("name=\"appointment_id\" value=\"{due}\"")));

    let response = w
        .nurse
        .post(
            &format!("/patients/{id}/calls/new"),
            &[
                ("form_key", &form_key()),
                ("appointment_id", &due.to_string()),
                ("outcome", "reached"),
                ("duration", "25"),
                ("note", "Godt opkald."),
                ("next", "booked"),
                ("date", &expected),
                ("time", "07:00"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(count(&app, "select count(*) from calls").await, 1);
    let status: String = sqlx::query_scalar("select status from appointments where id = $1")
        .bind(due)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "done");
    let next: chrono::DateTime<Utc> = sqlx::query_scalar(
        "select starts_at from appointments where status = 'scheduled' and patient_id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(next, local(today() + Duration::days(14), "07:00"));
}

#[tokio::test]
async fn a_double_booked_next_call_writes_nothing_and_the_form_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let other = active(&app, w.ouh, w.nurse_id, "0303481234", "Åse", "Andensen", 1).await;
    let date = today() + Duration::days(7);
    booked(&app, other, w.nurse_id, local(date, "10:00")).await;
    let response = w
        .nurse
        .post(
            &format!("/patients/{}/calls/new", w.patient),
            &[
                ("form_key", &form_key()),
                ("outcome", "reached"),
                ("duration", "15"),
                ("topics", "symptoms"),
                ("note", "Noten skal ikke gå tabt."),
                ("next", "booked"),
                ("date", &date.to_string()),
                ("time", "10:15"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.texts("#time-error").len(), 1, "said next to the time");
    assert!(response.body.contains("Noten skal ikke gå tabt."));
    assert!(response.body.contains("value=\"10:15\""));
    assert!(response.body.contains("value=\"symptoms\" checked"));
    assert_eq!(
        count(&app, "select count(*) from calls").await,
        0,
        "the call is not logged alone"
    );
}

#[tokio::test]
async fn a_call_needs_a_next_step_unless_the_course_is_marked_for_ending() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let path = format!("/patients/{}/calls/new", w.patient);
    let missing = w
        .nurse
        .post(
            &path,
            &[
                ("form_key", &form_key()),
                ("outcome", "reached"),
                ("note", "x"),
                ("next", "booked"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::OK);
    assert_eq!(count(&app, "select count(*) from calls").await, 0);
    let ending = w
        .nurse
        .post(
            &path,
            &[
                ("form_key", &form_key()),
                ("outcome", "reached"),
                ("note", "Sidste samtale."),
                ("next", "ending"),
                ("ending_reason", "goals_reached"),
            ],
        )
        .await;
    assert_eq!(ending.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "select count(*) from calls").await, 1);
    assert_eq!(
        count(&app, "select count(*) from courses where ending_planned").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from appointments where status = 'scheduled'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn no_answer_offers_a_retry_and_three_failed_attempts_in_a_row_flag_the_patient_as_possibly_unreachable(
) {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    let form = w.nurse.get(&format!("/patients/{id}/calls/new")).await;
    assert!(
        form.body.contains("value=\"retry_next\""),
        "a retry on the next working day"
    );
    let retry = w
        .nurse
        .post(
            &format!("/patients/{id}/calls/new"),
            &[
                ("form_key", &form_key()),
                ("form_key", &form_key()),
                ("outcome", "no_answer"),
                ("next", "retry_next"),
            ],
        )
        .await;
    assert_eq!(retry.status, StatusCode::SEE_OTHER, "{}", retry.body);
    assert_eq!(
        count(
            &app,
            "select count(*) from appointments where status = 'scheduled'"
        )
        .await,
        1
    );
    // One more failed attempt: two in a row, not yet flagged.
    called(&app, id, w.nurse_id, Utc::now() - Duration::days(3), "voicemail").await;
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert!(record.texts("#unreachable").is_empty());
    // A third, on the same day as the second: the centre's limit of three attempts is reached.
    called(
        &app,
        id,
        w.nurse_id,
        Utc::now() - Duration::days(3) + Duration::hours(1),
        "no_answer",
    )
    .await;
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(record.texts("#unreachable").len(), 1, "three attempts in a row");
    assert!(record.body.contains("value=\"letter\"") && record.body.contains("value=\"gp\""));
    let step = w
        .nurse
        .post(
            &format!("/patients/{id}/unreachable"),
            &[("step", "gp"), ("form_key", &form_key())],
        )
        .await;
    assert!(
        step.location().starts_with("/reachability/"),
        "{}",
        step.location()
    );
    assert_eq!(
        count(&app, "select count(*) from reachability_steps where step = 'gp'").await,
        1
    );
    // A call that reaches the patient ends the run.
    called(&app, id, w.nurse_id, Utc::now() - Duration::minutes(5), "reached").await;
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert!(record.texts("#unreachable").is_empty());
}

#[tokio::test]
async fn notes_cannot_be_changed_or_deleted_even_with_direct_sql_and_an_amendment_keeps_the_original() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    w.nurse
        .post(
            &format!("/patients/{id}/calls/new"),
            &[
                ("form_key", &form_key()),
                ("outcome", "reached"),
                ("note", "Original tekst."),
                ("next", "ending"),
                ("ending_reason", "goals_reached"),
            ],
        )
        .await;
    let call: i64 = count(&app, "select id from calls").await;
    assert!(sqlx::query("update calls set note = 'ændret'")
        .execute(&app.db)
        .await
        .is_err());
    assert!(sqlx::query("delete from calls").execute(&app.db).await.is_err());
    // No route edits a call.
    let edit = w
        .nurse
        .post(&format!("/calls/{call}"), &[("note", "ændret")])
        .await;
    assert!(edit.status == StatusCode::NOT_FOUND || edit.status == StatusCode::METHOD_NOT_ALLOWED);
    let amended = w
        .nurse
        .post(
            &format!("/calls/{call}/amendments"),
            &[("form_key", &form_key()), ("text", "Rettelse: det var tirsdag.")],
        )
        .await;
    assert_eq!(amended.status, StatusCode::SEE_OTHER);
    assert!(sqlx::query("update call_amendments set text = 'x'")
        .execute(&app.db)
        .await
        .is_err());
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(
        record.texts(&format!("#call-{call} p.note")),
        vec!["Original tekst.", "Rettelse: det var tirsdag."]
    );
    assert!(record.texts(&format!("#call-{call} .amendment span"))[0].contains("Test nurse"));
}

#[tokio::test]
async fn the_admin_edits_the_call_topics_and_the_call_form_offers_only_active_ones() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    assert_eq!(w.nurse.get("/admin/topics").await.status, StatusCode::FORBIDDEN);
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    assert_eq!(admin.get("/admin/topics").await.status, StatusCode::OK);
    let bad = admin
        .post(
            "/admin/topics",
            &[("code", "Søvn!"), ("label_da", "Søvn"), ("label_en", "Sleep")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("value=\"Søvn\""));
    admin
        .post(
            "/admin/topics",
            &[
                ("code", "sleep"),
                ("label_da", "Søvn"),
                ("label_en", "Sleep"),
                ("position", "9"),
            ],
        )
        .await;
    admin
        .post(
            "/admin/topics/relatives",
            &[
                ("label_da", "Pårørende"),
                ("label_en", "Relatives"),
                ("position", "7"),
            ],
        )
        .await;
    let form = w.nurse.get(&format!("/patients/{}/calls/new", w.patient)).await;
    assert!(form.body.contains("value=\"sleep\""));
    assert!(!form.body.contains("value=\"relatives\""), "switched off");
}

#[tokio::test]
async fn a_colleague_covering_books_the_next_call_with_the_patients_own_nurse() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut colleague = app.signed_in("bo@example.test", Role::Nurse, Some(w.ouh)).await;
    let date = (today() + Duration::days(10)).to_string();
    let response = colleague
        .post(
            &format!("/patients/{}/calls/new", w.patient),
            &[
                ("form_key", &form_key()),
                ("outcome", "reached"),
                ("note", "Dækker for Nina."),
                ("next", "booked"),
                ("date", &date),
                ("time", "10:00"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let (caller, booked_with): (i64, i64) = sqlx::query_as(
        "select (select nurse_id from calls), (select nurse_id from appointments where status = 'scheduled')",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_ne!(caller, w.nurse_id, "the call says who called");
    assert_eq!(
        booked_with, w.nurse_id,
        "continuity: the next call is with her own nurse"
    );
}

#[tokio::test]
async fn a_coordinator_cannot_log_a_call_that_would_name_her_as_the_nurse() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut coordinator = app
        .signed_in("c@example.test", Role::Coordinator, Some(w.ouh))
        .await;
    let form = coordinator
        .get(&format!("/patients/{}/calls/new", w.patient))
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert!(
        form.body.contains("Kun sygeplejersker logger opkald"),
        "{}",
        form.body
    );
    let date = (today() + Duration::days(7)).to_string();
    let refused = coordinator
        .post(
            &format!("/patients/{}/calls/new", w.patient),
            &[
                ("outcome", "reached"),
                ("note", "Ringede for kollegaen"),
                ("next", "booked"),
                ("date", &date),
                ("time", "09:30"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let calls: i64 = sqlx::query_scalar("select count(*) from calls")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(calls, 0);
    let record = coordinator.get(&format!("/patients/{}", w.patient)).await;
    assert!(record.texts("#log-call").is_empty());
}
