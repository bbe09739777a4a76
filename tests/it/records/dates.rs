//! Dates that cannot be: an outcome before the meeting, a course before the invitation, an end
//! or a death before the last contact.

use axum::http::StatusCode;
use chrono::Duration;
use coachline::web::Role;

use crate::centre::fixtures::{appointment, date, days, nurse, patient, status_and_nurse};
use crate::course_fixtures::{called, local, today, world};
use crate::helpers::TestApp;

/// The outcome form for a course that starts on `start`, the first call a fortnight later.
fn starts(start: &str, call_day: &str) -> Vec<(&'static str, String)> {
    vec![
        ("outcome", "starts".to_owned()),
        ("start_date", start.to_owned()),
        ("call_date", call_day.to_owned()),
        ("call_time", "10:00".to_owned()),
        ("consent_course", "yes".to_owned()),
        ("consent_interview", "no".to_owned()),
        ("consent_research", "yes".to_owned()),
    ]
}

fn fields<'a>(owned: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    owned.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_meeting_outcome_cannot_be_recorded_before_the_meeting_by_form_or_in_the_database() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    let p = patient(&app, ouh, "Mette Møde", "meeting_booked", Some(anna)).await;
    let meeting = appointment(&app, p, anna, "meeting", days(2)).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let path = format!("/patients/{p}/invitation/outcome");
    let form = starts(&date(2).to_string(), &date(16).to_string());
    let early = coord.post(&path, &fields(&form)).await;
    assert_eq!(early.status, StatusCode::OK);
    assert_eq!(
        early.texts("#outcome-error"),
        vec!["Mødet har ikke fundet sted endnu. Resultatet kan registreres fra mødets tidspunkt."]
    );
    assert!(
        early.body.contains(&format!("value=\"{}\"", date(16))),
        "what was typed is kept"
    );
    assert_eq!(status_and_nurse(&app, p).await.0, "meeting_booked");
    // Straight into the database: neither an outcome before the meeting nor one without its time.
    let before = sqlx::query(
        "update appointments set status = 'done', outcome_recorded_at = starts_at - interval '9 days' where id = $1",
    )
    .bind(meeting)
    .execute(&app.db)
    .await;
    assert!(before.is_err(), "an outcome nine days before the meeting");
    let untimed = sqlx::query("update appointments set status = 'done' where id = $1")
        .bind(meeting)
        .execute(&app.db)
        .await;
    assert!(untimed.is_err(), "an outcome without the time it was recorded");
    // Once the meeting has been held, the same form starts the course.
    sqlx::query(
        "update appointments set starts_at = now() - interval '1 hour', ends_at = now() where id = $1",
    )
    .bind(meeting)
    .execute(&app.db)
    .await
    .unwrap();
    let form = starts(&date(0).to_string(), &date(14).to_string());
    let held = coord.post(&path, &fields(&form)).await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
    assert_eq!(status_and_nurse(&app, p).await.0, "active");
    let recorded: bool =
        sqlx::query_scalar("select outcome_recorded_at >= starts_at from appointments where id = $1")
            .bind(meeting)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(recorded);
}

#[tokio::test]
async fn a_course_cannot_start_before_the_patient_was_invited_by_form_or_in_the_database() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    // Imported today, met yesterday evening at the earliest the fixture allows: held already.
    let p = patient(&app, ouh, "Nyligt Inviteret", "meeting_booked", Some(anna)).await;
    appointment(&app, p, anna, "meeting", days(0) - Duration::hours(1)).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let path = format!("/patients/{p}/invitation/outcome");
    let six_months_ago = date(-183).to_string();
    let form = starts(&six_months_ago, &date(14).to_string());
    let response = coord.post(&path, &fields(&form)).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.texts("#start_date-error"),
        vec!["Forløbet kan ikke starte før patienten blev inviteret."]
    );
    assert!(response.body.contains(&format!("value=\"{six_months_ago}\"")));
    assert_eq!(status_and_nurse(&app, p).await.0, "meeting_booked");
    let direct = sqlx::query(
        "insert into courses (patient_id, nurse_id, start_date, planned_end)
         values ($1, $2, current_date - 183, current_date)",
    )
    .bind(p)
    .bind(anna)
    .execute(&app.db)
    .await;
    assert!(direct.is_err(), "a course from before the invitation");
    // A course that started on the day of the invitation cannot be moved back before it either.
    let form = starts(&date(0).to_string(), &date(14).to_string());
    assert_eq!(
        coord.post(&path, &fields(&form)).await.status,
        StatusCode::SEE_OTHER
    );
    let moved_back = sqlx::query("update courses set start_date = start_date - 30 where patient_id = $1")
        .bind(p)
        .execute(&app.db)
        .await;
    assert!(moved_back.is_err());
}

#[tokio::test]
async fn a_course_cannot_end_nor_a_death_be_dated_before_the_last_contact_by_form_or_in_the_database() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    let reached = today() - Duration::days(2);
    called(&app, id, w.nurse_id, local(reached, "10:00"), "reached").await;
    // A failed attempt after the last contact: a patient may have died before it.
    called(
        &app,
        id,
        w.nurse_id,
        local(today() - Duration::days(1), "10:00"),
        "no_answer",
    )
    .await;
    let path = format!("/patients/{id}/end");
    let form = w.nurse.get(&path).await;
    assert!(
        form.texts("#last-contact")[0].contains(&reached.format("%d.%m.%Y").to_string()),
        "the form says when the last contact was"
    );
    let too_early = (today() - Duration::days(5)).to_string();
    let response = w
        .nurse
        .post(&path, &[("end_date", &too_early), ("reason", "died")])
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.texts("#end_date-error"),
        vec!["Datoen ligger før den seneste kontakt med patienten. Vælg den dag eller senere."]
    );
    assert!(response.body.contains(&format!("value=\"{too_early}\"")));
    assert!(response.body.contains("value=\"died\" checked"));
    let direct = sqlx::query(
        "update courses set end_date = $2, end_reason = 'died' where patient_id = $1 and end_date is null",
    )
    .bind(id)
    .bind(today() - Duration::days(5))
    .execute(&app.db)
    .await;
    assert!(
        direct.is_err(),
        "a death before the last call that reached the patient"
    );
    // The day of the last contact is possible, though an attempt came later.
    let response = w
        .nurse
        .post(&path, &[("end_date", &reached.to_string()), ("reason", "died")])
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    // And no call reaches the patient after that.
    let course: i64 = sqlx::query_scalar("select id from courses where patient_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let late = sqlx::query(
        "insert into calls (patient_id, course_id, nurse_id, called_at, outcome) values ($1, $2, $3, now(), 'reached')",
    )
    .bind(id)
    .bind(course)
    .bind(w.nurse_id)
    .execute(&app.db)
    .await;
    assert!(
        late.is_err(),
        "a call that reached a patient after the course ended"
    );
}
