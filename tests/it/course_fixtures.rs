//! Fixtures for the nurse's day: two centres, a signed-in nurse, patients with courses,
//! booked calls and logged calls.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Europe::Copenhagen;
use coachline::web::Role;

use crate::fixtures::NewPatient;
use crate::helpers::{Client, TestApp, PASSWORD};

/// Today's date in Copenhagen.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Copenhagen).date_naive()
}

/// A local Copenhagen date and `HH:MM` as an instant.
pub fn local(date: NaiveDate, time: &str) -> DateTime<Utc> {
    let time = NaiveTime::parse_from_str(time, "%H:%M").unwrap();
    coachline::appointments::local_instant(Copenhagen, date, time).unwrap()
}

/// A patient of `centre` who has met the nurse (status meeting booked).
pub async fn patient(app: &TestApp, centre: i64, cpr: &str, first: &str, last: &str) -> i64 {
    NewPatient::new(centre, cpr, first, last)
        .status("meeting_booked")
        .phone("+4512345678")
        .diagnoses(&["I50.9", "E11.9"])
        .gp("Lægehuset Opdigtet")
        .insert(&app.db)
        .await
}

/// A patient with a course started `weeks_ago` weeks ago with `nurse`.
pub async fn active(
    app: &TestApp,
    centre: i64,
    nurse: i64,
    cpr: &str,
    first: &str,
    last: &str,
    weeks_ago: i64,
) -> i64 {
    let id = patient(app, centre, cpr, first, last).await;
    let start = today() - Duration::weeks(weeks_ago);
    invited_before(app, id, start).await;
    let mut conn = app.db.acquire().await.unwrap();
    coachline::courses::start_course(&mut conn, id, nurse, start, nurse)
        .await
        .unwrap();
    id
}

/// Dates the patient's invitation (their list's import) three weeks before `start`, so a
/// course may start then: no course starts before the invitation.
pub async fn invited_before(app: &TestApp, patient: i64, start: NaiveDate) {
    sqlx::query(
        "update patients set created_at = least(created_at, ($2::date - 21)::timestamp at time zone 'Europe/Copenhagen')
          where id = $1",
    )
    .bind(patient)
    .bind(start)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Books a call directly (as if done earlier) at a local date and time.
pub async fn booked(app: &TestApp, patient: i64, nurse: i64, at: DateTime<Utc>) -> i64 {
    sqlx::query_scalar(
        "insert into appointments (patient_id, course_id, nurse_id, kind, starts_at, ends_at)
         values ($1, (select id from courses where patient_id = $1 and end_date is null), $2, 'call', $3,
                 $3 + interval '30 minutes') returning id",
    )
    .bind(patient)
    .bind(nurse)
    .bind(at)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A call logged directly at `at` with `outcome`.
pub async fn called(app: &TestApp, patient: i64, nurse: i64, at: DateTime<Utc>, outcome: &str) {
    sqlx::query(
        "insert into calls (patient_id, course_id, nurse_id, called_at, outcome, note)
         values ($1, (select id from courses where patient_id = $1 and end_date is null), $2, $3, $4, '')",
    )
    .bind(patient)
    .bind(nurse)
    .bind(at)
    .bind(outcome)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Two centres, a signed-in OUH nurse with one active patient, and a KOL patient with a course.
pub struct World<'a> {
    pub ouh: i64,
    pub kol: i64,
    pub nurse_id: i64,
    pub nurse: Client<'a>,
    pub patient: i64,
    pub kol_patient: i64,
    pub kol_nurse: i64,
}

pub async fn world(app: &TestApp) -> World<'_> {
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let nurse_id = app.user("nina@example.test", Role::Nurse, Some(ouh)).await;
    let kol_nurse = app.user("karin@example.test", Role::Nurse, Some(kol)).await;
    let patient = active(app, ouh, nurse_id, "0101481234", "Inge", "Opdigtsen", 13).await;
    let kol_patient = active(app, kol, kol_nurse, "0202482345", "Karl", "Koldingsen", 2).await;
    let mut nurse = app.client();
    nurse.sign_in("nina@example.test", PASSWORD).await;
    World {
        ouh,
        kol,
        nurse_id,
        nurse,
        patient,
        kol_patient,
        kol_nurse,
    }
}
