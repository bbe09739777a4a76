//! The counts each open course carries for Today (reached calls, last call, failed attempts in a
//! row, next booked call) are what recomputing them from the calls and bookings gives, after
//! every kind of write: calls logged by the form and directly, bookings made, moved, cancelled,
//! a course ended and a new one started.

use axum::http::StatusCode;
use chrono::{Duration, Utc};

use crate::course_fixtures::{active, booked, called, local, today, world};
use crate::helpers::{form_key, TestApp};

/// Open courses whose kept counts differ from a recomputation, with both.
async fn drifted(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "select format('course %s: kept (%s, %s, %s, %s, %s), recomputed (%s, %s, %s, %s, %s)', co.id,
                       co.reached_calls, co.last_call_at, co.last_call_outcome, co.failed_in_row, co.next_call_at,
                       r.reached, r.last_at, r.last_outcome, r.failed, r.next_at)
           from courses co
           cross join lateral (
               select (select count(*) from calls x where x.course_id = co.id and x.outcome = 'reached') as reached,
                      (select max(x.called_at) from calls x where x.patient_id = co.patient_id) as last_at,
                      (select x.outcome from calls x where x.patient_id = co.patient_id
                        order by x.called_at desc limit 1) as last_outcome,
                      (select count(*) from calls x
                        where x.patient_id = co.patient_id and x.outcome <> 'reached'
                          and x.called_at >= co.start_date::timestamp at time zone 'Europe/Copenhagen'
                          and x.called_at > coalesce((select max(y.called_at) from calls y
                                                      where y.patient_id = co.patient_id and y.outcome = 'reached'),
                                                     '-infinity')) as failed,
                      (select min(a.starts_at) from appointments a
                        where a.patient_id = co.patient_id and a.kind = 'call' and a.status = 'scheduled') as next_at) r
          where co.end_date is null
            and (co.reached_calls <> r.reached or co.last_call_at is distinct from r.last_at
                 or co.last_call_outcome is distinct from r.last_outcome or co.failed_in_row <> r.failed
                 or co.next_call_at is distinct from r.next_at)",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_counts_on_each_open_course_are_what_recomputing_them_gives() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    assert!(drifted(&app).await.is_empty(), "after the courses started");
    let id = w.patient;

    // Calls and bookings written directly, as the fixtures and the import do.
    called(
        &app,
        id,
        w.nurse_id,
        local(today() - Duration::days(9), "10:00"),
        "reached",
    )
    .await;
    called(
        &app,
        id,
        w.nurse_id,
        local(today() - Duration::days(3), "10:00"),
        "no_answer",
    )
    .await;
    called(
        &app,
        id,
        w.nurse_id,
        local(today() - Duration::days(2), "10:00"),
        "voicemail",
    )
    .await;
    let due = booked(&app, id, w.nurse_id, local(today(), "07:00")).await;
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    let kept: (i32, i32, Option<chrono::DateTime<Utc>>) = sqlx::query_as(
        "select reached_calls, failed_in_row, next_call_at from courses where patient_id = $1 and end_date is null",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(kept, (1, 2, Some(local(today(), "07:00"))));

    // A call logged through the form closes the booking and books the next.
    let next = (today() + Duration::days(14)).to_string();
    let logged = w
        .nurse
        .post(
            &format!("/patients/{id}/calls/new"),
            &[
                ("form_key", &form_key()),
                ("appointment_id", &due.to_string()),
                ("outcome", "reached"),
                ("duration", "20"),
                ("note", "Godt opkald."),
                ("next", "booked"),
                ("date", &next),
                ("time", "09:00"),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.body);
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);

    // Moved, then cancelled.
    let booking: i64 =
        sqlx::query_scalar("select id from appointments where patient_id = $1 and status = 'scheduled'")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let moved = w
        .nurse
        .post(
            &format!("/appointments/{booking}/move"),
            &[("date", &next), ("time", "11:30")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    let moved_to: i64 = sqlx::query_scalar("select moved_to from appointments where id = $1")
        .bind(booking)
        .fetch_one(&app.db)
        .await
        .unwrap();
    w.nurse
        .post(
            &format!("/appointments/{moved_to}/cancel"),
            &[("reason", "patient_asked"), ("note", "")],
        )
        .await;
    let next_call: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("select next_call_at from courses where patient_id = $1 and end_date is null")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(next_call, None, "nothing booked after the cancellation");
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);

    // Another patient's course ends; a new course for them starts with their calls counted.
    let other = active(&app, w.ouh, w.nurse_id, "0303483456", "Ole", "Opdigtsen", 20).await;
    called(
        &app,
        other,
        w.nurse_id,
        local(today() - Duration::days(5), "10:00"),
        "reached",
    )
    .await;
    booked(
        &app,
        other,
        w.nurse_id,
        local(today() + Duration::days(2), "10:00"),
    )
    .await;
    let ended = w
        .nurse
        .post(
            &format!("/patients/{other}/end"),
            &[
                ("end_date", &today().to_string()),
                ("reason", "completed"),
                ("reason_text", ""),
            ],
        )
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);

    // A course that starts after an earlier call (made before any course) counts it as the
    // patient's last call.
    let newcomer = crate::course_fixtures::patient(&app, w.ouh, "0404484567", "Nora", "Opdigtsen").await;
    crate::course_fixtures::invited_before(&app, newcomer, today() - Duration::days(7)).await;
    called(
        &app,
        newcomer,
        w.nurse_id,
        local(today() - Duration::days(3), "10:00"),
        "no_answer",
    )
    .await;
    let mut conn = app.db.acquire().await.unwrap();
    coachline::courses::start_course(&mut conn, newcomer, w.nurse_id, today(), w.nurse_id)
        .await
        .unwrap();
    drop(conn);
    let last: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("select last_call_at from courses where patient_id = $1 and end_date is null")
            .bind(newcomer)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(last, Some(local(today() - Duration::days(3), "10:00")));
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    let _ = w.kol_patient;
}
