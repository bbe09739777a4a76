//! The counts each open course carries for Today (reached calls, last call, failed attempts in a
//! row, next booked call) are what recomputing them from the calls and bookings gives, after
//! every kind of write: calls logged by the form and directly, bookings made, moved, cancelled,
//! a course ended and a new one started. So are the calls kept per centre, nurse and day (the
//! overview's weeks and the centre page's calls this week), and the safety nets kept per patient
//! (every page that shows a net), which also follow the centre's thresholds and zone, a planned
//! ending, a continuation, a new nurse and a new status.

use axum::http::StatusCode;
use chrono::{Duration, Utc};

use crate::course_fixtures::{active, booked, called, local, today, world};
use crate::helpers::{form_key, TestApp};

/// Open courses whose kept counts differ from a recomputation, and days whose kept calls differ
/// from a count of the calls, with both.
async fn drifted(app: &TestApp) -> Vec<String> {
    let mut drift = days_drifted(app).await;
    drift.extend(courses_drifted(app).await);
    drift.extend(nets_drifted(app).await);
    drift
}

/// Patients whose kept nets differ from what the definition gives for them now.
async fn nets_drifted(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "with computed as (select * from safety_net_days_of(array(select id from patients)))
         select format('patient %s, net %s: kept (%s, %s, %s, %s, %s), defined (%s, %s, %s, %s, %s)',
                       coalesce(d.patient_id, k.patient_id), coalesce(d.net, k.net),
                       d.centre_id, d.nurse_id, d.since, d.from_day, d.patient_id is not null,
                       k.centre_id, k.nurse_id, k.since, k.from_day, k.patient_id is not null)
           from safety_net_days d
           full join computed k on k.patient_id = d.patient_id and k.net = d.net
          where (d.centre_id, d.nurse_id, d.since, d.from_day) is distinct from (k.centre_id, k.nurse_id, k.since, k.from_day)",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// Centre, nurse and day whose kept calls differ from counting the calls in the centre's zone.
async fn days_drifted(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "with counted as (
             select p.centre_id, x.nurse_id, (x.called_at at time zone c.timezone)::date as day,
                    count(*)::int as calls, count(*) filter (where x.outcome = 'reached')::int as reached,
                    coalesce(sum(x.duration_minutes) filter (where x.outcome = 'reached'), 0)::bigint as minutes
               from calls x join patients p on p.id = x.patient_id join centres c on c.id = p.centre_id
              group by 1, 2, 3)
         select format('day %s of nurse %s in centre %s: kept (%s, %s, %s), counted (%s, %s, %s)',
                       coalesce(d.day, k.day), coalesce(d.nurse_id, k.nurse_id), coalesce(d.centre_id, k.centre_id),
                       d.calls, d.reached, d.reached_minutes, k.calls, k.reached, k.minutes)
           from (select * from call_days where calls > 0) d
           full join counted k on k.centre_id = d.centre_id and k.nurse_id = d.nurse_id and k.day = d.day
          where d.calls is distinct from k.calls or d.reached is distinct from k.reached
             or d.reached_minutes is distinct from k.minutes",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn courses_drifted(app: &TestApp) -> Vec<String> {
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

#[tokio::test]
async fn the_calls_kept_per_day_follow_a_change_of_the_centres_zone() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Late in the evening in Copenhagen: the next day in a zone further east.
    called(
        &app,
        w.patient,
        w.nurse_id,
        local(today() - Duration::days(4), "23:30"),
        "reached",
    )
    .await;
    called(
        &app,
        w.patient,
        w.nurse_id,
        local(today() - Duration::days(4), "10:00"),
        "no_answer",
    )
    .await;
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    sqlx::query("update centres set timezone = 'Asia/Tokyo' where id = $1")
        .bind(w.ouh)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    let days: Vec<(chrono::NaiveDate, i32)> =
        sqlx::query_as("select day, calls from call_days where centre_id = $1 and calls > 0 order by day")
            .bind(w.ouh)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        days,
        vec![(today() - Duration::days(4), 1), (today() - Duration::days(3), 1)],
        "the evening call moved to the next day in Tokyo"
    );
}

/// The nets are kept per patient as the day from which each applies: they follow every input of
/// the definition that is not a call or a booking, and time passing alone moves a patient into
/// a net on its day without any write.
#[tokio::test]
async fn the_kept_safety_nets_follow_every_input_and_the_days_as_they_pass() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = w.patient;
    let sql = |statement: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query(statement).bind(id).execute(&db).await.unwrap();
        }
    };
    let nets_at = |at: chrono::DateTime<Utc>| {
        let db = app.db.clone();
        async move {
            let nets: Vec<String> =
                sqlx::query_scalar("select net from safety_nets($1) where patient_id = $2 order by net")
                    .bind(at)
                    .bind(id)
                    .fetch_all(&db)
                    .await
                    .unwrap();
            nets
        }
    };
    // A call booked for tomorrow: in no net today; overdue from the day after tomorrow plus the
    // centre's days, with no write in between.
    called(
        &app,
        id,
        w.nurse_id,
        local(today() - Duration::days(3), "10:00"),
        "reached",
    )
    .await;
    booked(&app, id, w.nurse_id, local(today() + Duration::days(1), "09:00")).await;
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    let days: i64 = sqlx::query_scalar("select overdue_after_days::bigint from centres where id = $1")
        .bind(w.ouh)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!nets_at(local(today(), "12:00"))
        .await
        .contains(&"call_overdue".to_owned()));
    assert!(!nets_at(local(today() + Duration::days(1 + days), "23:00"))
        .await
        .contains(&"call_overdue".to_owned()));
    assert!(nets_at(local(today() + Duration::days(2 + days), "00:30"))
        .await
        .contains(&"call_overdue".to_owned()));

    // The centre's thresholds and zone.
    sqlx::query("update centres set overdue_after_days = 7, longest_gap_days = 7, failed_attempts_limit = 2 where id = $1")
        .bind(w.ouh)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    sqlx::query("update centres set timezone = 'America/Nuuk' where id = $1")
        .bind(w.ouh)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);

    // Ending planned, then the course continued past six months, then starting three days later.
    sql("update courses set ending_planned = true, ending_planned_at = now() where patient_id = $1 and end_date is null").await;
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    sql(
        "update courses set ending_planned = false, ending_planned_at = null, extension_reason = 'Flere mål'
          where patient_id = $1 and end_date is null",
    )
    .await;
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    sql("update courses set start_date = start_date + 3
          where patient_id = $1 and end_date is null")
    .await;
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);

    // Another nurse, then no nurse at all, then another status.
    let other = crate::centre::fixtures::nurse(&app, "olga@example.test", "Olga Olsen", w.ouh, 60).await;
    sqlx::query("update patients set nurse_id = $2 where id = $1")
        .bind(id)
        .bind(other)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    let kept_nurse: Vec<Option<i64>> =
        sqlx::query_scalar("select distinct nurse_id from safety_net_days where patient_id = $1")
            .bind(id)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(kept_nurse.iter().all(|n| *n == Some(other)), "{kept_nurse:?}");
    sql("update patients set status = 'ended' where id = $1").await;
    assert!(drifted(&app).await.is_empty(), "{:?}", drifted(&app).await);
    assert!(
        nets_at(local(today(), "12:00")).await.is_empty(),
        "an ended patient is in no net"
    );

    // The application's role reads the kept nets and cannot write them.
    for statement in [
        "delete from safety_net_days",
        "update safety_net_days set from_day = 'infinity'",
        "insert into safety_net_days (patient_id, net, centre_id, from_day) select id, 'call_overdue', centre_id, 'infinity' from patients",
    ] {
        let refused = sqlx::query(statement).execute(&app.app_db).await;
        assert!(refused.is_err(), "the application role wrote kept nets: {statement}");
    }
}
