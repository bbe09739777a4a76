//! Seeding a centre: nurses, patients, courses, appointments and calls, all invented.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use coachline::web::Role;

use crate::fixtures::NewPatient;
use crate::helpers::TestApp;

static CPR: AtomicUsize = AtomicUsize::new(1000);

/// A nurse of `centre` with a name and a capacity; returns her id.
pub async fn nurse(app: &TestApp, email: &str, name: &str, centre: i64, capacity: i32) -> i64 {
    let id = app.user(email, Role::Nurse, Some(centre)).await;
    sqlx::query("update users set name = $2, capacity = $3 where id = $1")
        .bind(id)
        .bind(name)
        .bind(capacity)
        .execute(&app.db)
        .await
        .unwrap();
    id
}

/// A patient of `centre` with a status and maybe a nurse; returns the id.
pub async fn patient(app: &TestApp, centre: i64, name: &str, status: &str, nurse: Option<i64>) -> i64 {
    let n = CPR.fetch_add(1, Ordering::SeqCst);
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    NewPatient::new(centre, format!("050550{n:04}"), first, last)
        .born("1950-05-05")
        .address(&format!("{last}vej {n}"), "5000", "Odense")
        .municipality("Odense")
        .gp("Lægerne Vestergade")
        .status(status)
        .nurse(nurse)
        .insert(&app.db)
        .await
}

/// Sets a patient's municipality.
pub async fn municipality(app: &TestApp, patient: i64, municipality: &str) {
    sqlx::query("update patients set municipality = $2 where id = $1")
        .bind(patient)
        .bind(municipality)
        .execute(&app.db)
        .await
        .unwrap();
}

/// An open course that started `start`; returns its id.
pub async fn course(app: &TestApp, patient: i64, nurse: i64, start: NaiveDate) -> i64 {
    crate::course_fixtures::invited_before(app, patient, start).await;
    sqlx::query_scalar(
        "insert into courses (patient_id, nurse_id, start_date, planned_end) values ($1, $2, $3, $3 + interval '6 months') returning id",
    )
    .bind(patient)
    .bind(nurse)
    .bind(start)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A scheduled appointment of `kind` at `at`, 30 minutes; returns its id.
pub async fn appointment(app: &TestApp, patient: i64, nurse: i64, kind: &str, at: DateTime<Utc>) -> i64 {
    sqlx::query_scalar(
        "insert into appointments (patient_id, nurse_id, kind, starts_at, ends_at, place)
         values ($1, $2, $3, $4, $4 + interval '30 minutes', case when $3 = 'meeting' then 'Lokale 1' end) returning id",
    )
    .bind(patient)
    .bind(nurse)
    .bind(kind)
    .bind(at)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A logged call at `at` with `outcome`.
pub async fn call(app: &TestApp, patient: i64, nurse: i64, at: DateTime<Utc>, outcome: &str, minutes: i32) {
    sqlx::query(
        "insert into calls (patient_id, course_id, nurse_id, called_at, outcome, duration_minutes)
         values ($1, (select id from courses where patient_id = $1 and end_date is null), $2, $3, $4, $5)",
    )
    .bind(patient)
    .bind(nurse)
    .bind(at)
    .bind(outcome)
    .bind(minutes)
    .execute(&app.db)
    .await
    .unwrap();
}

/// A room of the centre; returns its id.
pub async fn room(app: &TestApp, centre: i64, name: &str) -> i64 {
    sqlx::query_scalar("insert into centre_rooms (centre_id, name, address) values ($1, $2, 'Sdr. Boulevard 29') returning id")
        .bind(centre)
        .bind(name)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// A patient's status and nurse.
pub async fn status_and_nurse(app: &TestApp, patient: i64) -> (String, Option<i64>) {
    sqlx::query_as("select status, nurse_id from patients where id = $1")
        .bind(patient)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Wednesday noon in Copenhagen, this week's or (before it) last week's: an instant that is never
/// in the future and lies days away from the start of a day or a week, for a test that sets the
/// application clock to it and counts "today" or "this week" around it at any hour it runs.
pub fn midweek() -> DateTime<Utc> {
    use chrono::Datelike;
    let tz = chrono_tz::Europe::Copenhagen;
    let now = Utc::now().with_timezone(&tz);
    let monday = now.date_naive() - Duration::days(i64::from(now.weekday().num_days_from_monday()));
    let noon = |day: NaiveDate| {
        coachline::appointments::local_instant(
            tz,
            day,
            chrono::NaiveTime::from_hms_opt(12, 0, 0).expect("noon"),
        )
        .expect("noon exists")
    };
    let this_week = noon(monday + Duration::days(2));
    if this_week <= Utc::now() {
        this_week
    } else {
        noon(monday - Duration::days(5))
    }
}

/// Days from now.
pub fn days(n: i64) -> DateTime<Utc> {
    Utc::now() + Duration::days(n)
}

/// Today in Copenhagen, `n` days on.
pub fn date(n: i64) -> NaiveDate {
    (Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen) + Duration::days(n)).date_naive()
}

/// The first working day (Monday to Friday) at least `n` days from today in Copenhagen: a day the
/// product keeps as it is when it proposes meeting slots, whatever day the suite runs on.
pub fn weekday(n: i64) -> NaiveDate {
    use chrono::Datelike;
    let mut day = date(n);
    while matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        day = day.succ_opt().unwrap();
    }
    day
}

/// A GET through the real router with the client's cookies, keeping the body as bytes (a PDF).
pub async fn get_bytes(
    app: &TestApp,
    client: &crate::helpers::Client<'_>,
    path: &str,
) -> (axum::http::StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let cookie = client
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let request = axum::http::Request::get(path)
        .header(axum::http::header::COOKIE, cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, bytes)
}
