//! The working calendar: bookings only when somebody works, absences covered and undone by
//! themselves, and proposals that keep to the patient's own times. Every date here is taken from
//! next year's calendar (its Easter, its change to winter time), so the tests mean the same on any
//! day they run.

use axum::http::StatusCode;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use coachline::domain::calendar::easter_sunday;
use coachline::web::Role;

use crate::course_fixtures::{booked, local, today, world};
use crate::helpers::TestApp;

/// How a Danish page writes a booked time: `tirsdag 07.04.2026 kl. 08:00`.
fn danish(day: NaiveDate, time: &str) -> String {
    let name = match day.weekday() {
        Weekday::Mon => "mandag",
        Weekday::Tue => "tirsdag",
        Weekday::Wed => "onsdag",
        Weekday::Thu => "torsdag",
        Weekday::Fri => "fredag",
        Weekday::Sat => "lørdag",
        Weekday::Sun => "søndag",
    };
    format!("{name} {} kl. {time}", day.format("%d.%m.%Y"))
}

/// Next year's Easter Sunday: every date below is counted from it.
fn easter() -> NaiveDate {
    easter_sunday(today().year() + 1)
}

async fn starts(app: &TestApp, patient: i64) -> Vec<DateTime<Utc>> {
    sqlx::query_scalar("select starts_at from appointments where patient_id = $1 and status = 'scheduled' order by starts_at")
        .bind(patient)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

/// The course may run past nine months in these tests (the dates are next year).
async fn continues(app: &TestApp, patient: i64) {
    sqlx::query("update courses set extension_reason = 'Afventer operation' where patient_id = $1")
        .bind(patient)
        .execute(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_booking_when_nobody_works_is_refused_with_the_nearest_open_time() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    app.office_hours(w.ouh).await;
    continues(&app, w.patient).await;
    let e = easter();
    // The Monday of Holy Week, ten in the morning.
    app.clock.set(local(e - Duration::days(6), "10:00"));
    let path = format!("/patients/{}/appointments/new", w.patient);
    let refusals = [
        // Three at night on the Wednesday: that morning at eight.
        (
            e - Duration::days(4),
            "03:00",
            "Uden for centrets åbningstid",
            danish(e - Duration::days(4), "08:00"),
        ),
        // Good Friday: past Easter Monday to the Tuesday.
        (
            e - Duration::days(2),
            "10:00",
            "Langfredag",
            danish(e + Duration::days(2), "08:00"),
        ),
        // A Sunday night: Monday morning.
        (
            e + Duration::days(7),
            "23:30",
            "Centret har lukket på den ugedag",
            danish(e + Duration::days(8), "08:00"),
        ),
    ];
    for (day, time, why, proposed) in refusals {
        let page = w
            .nurse
            .post(&path, &[("date", &day.to_string()), ("time", time)])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{day} {time}");
        assert!(page.body.contains(why), "{day} {time}: {why}");
        assert_eq!(
            page.texts("#closed-notice .proposal"),
            vec![proposed.clone()],
            "{day} {time}"
        );
        assert!(
            page.body.contains(&format!("value=\"{time}\"")),
            "what was typed is kept"
        );
        assert!(starts(&app, w.patient).await.is_empty(), "nothing booked");
    }
    // The nurse's holiday, Monday to Friday two weeks after Easter, entered by the coordinator.
    let mut coordinator = app
        .signed_in("kim@example.test", Role::Coordinator, Some(w.ouh))
        .await;
    let (first, last) = (e + Duration::days(15), e + Duration::days(19));
    let saved = coordinator
        .post(
            "/absences",
            &[
                ("nurse_id", &w.nurse_id.to_string()),
                ("kind", "holiday"),
                ("first_day", &first.to_string()),
                ("last_day", &last.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let away = w
        .nurse
        .post(
            &path,
            &[
                ("date", &(first + Duration::days(2)).to_string()),
                ("time", "10:00"),
            ],
        )
        .await;
    assert!(
        away.body.contains("Sygeplejersken er væk (ferie)"),
        "{}",
        away.body
    );
    assert_eq!(
        away.texts("#closed-notice .proposal"),
        vec![danish(last + Duration::days(3), "08:00")],
        "the Monday she is back"
    );
    assert!(starts(&app, w.patient).await.is_empty());
    // A coordinator may book on a holiday with a reason (kept with the booking), never over an absence.
    let forced = coordinator
        .post(
            &path,
            &[
                ("date", &(e - Duration::days(2)).to_string()),
                ("time", "10:00"),
                ("override_reason", "Patienten opereres lørdag"),
            ],
        )
        .await;
    assert_eq!(forced.status, StatusCode::SEE_OTHER, "{}", forced.body);
    let reason: Option<String> =
        sqlx::query_scalar("select outside_hours_reason from appointments where patient_id = $1")
            .bind(w.patient)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(reason.as_deref(), Some("Patienten opereres lørdag"));
    let over_absence = coordinator
        .post(
            &path,
            &[
                ("date", &first.to_string()),
                ("time", "10:00"),
                ("override_reason", "Det haster"),
            ],
        )
        .await;
    assert_eq!(over_absence.status, StatusCode::OK);
    assert_eq!(starts(&app, w.patient).await.len(), 1, "only the holiday call");
    // An open time is booked as typed.
    let open = w
        .nurse
        .post(
            &path,
            &[("date", &(e + Duration::days(2)).to_string()), ("time", "08:00")],
        )
        .await;
    assert_eq!(open.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_call_form_proposes_an_open_time_and_refuses_a_closed_one() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    app.office_hours(w.ouh).await;
    continues(&app, w.patient).await;
    let e = easter();
    // The last call was on the Monday a fortnight before Easter Monday, at 09:30: the usual
    // fortnight would land on Easter Monday, so the form proposes the Tuesday.
    let monday = e - Duration::days(13);
    booked(&app, w.patient, w.nurse_id, local(monday, "09:30")).await;
    app.clock.set(local(monday, "09:35"));
    let path = format!("/patients/{}/calls/new", w.patient);
    let form = w.nurse.get(&path).await;
    assert_eq!(form.attr("#date", "value"), (e + Duration::days(2)).to_string());
    assert_eq!(form.attr("#time", "value"), "09:30", "the same time of day");
    let key = form.attr("input[name=form_key]", "value");
    let refused = w
        .nurse
        .post(
            &path,
            &[
                ("form_key", &key),
                ("outcome", "reached"),
                ("duration", "20"),
                ("note", "Godt opkald."),
                ("next", "booked"),
                ("date", &(e + Duration::days(1)).to_string()),
                ("time", "09:30"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.body.contains("2. påskedag"));
    assert_eq!(
        refused.texts("#closed-notice .proposal"),
        vec![danish(e + Duration::days(2), "08:00")]
    );
    assert!(refused.body.contains("Godt opkald."), "the note is kept");
    let calls: i64 = sqlx::query_scalar("select count(*) from calls where patient_id = $1")
        .bind(w.patient)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(calls, 0, "nothing is stored");
}

#[tokio::test]
async fn an_absence_moves_the_patients_calls_to_the_cover_and_back_and_the_timeline_says_both() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let cover_id = app.user("vera@example.test", Role::Nurse, Some(w.ouh)).await;
    let mut coordinator = app
        .signed_in("kim@example.test", Role::Coordinator, Some(w.ouh))
        .await;
    continues(&app, w.patient).await;
    let start = today() + Duration::days(30);
    let (first, last) = (start, start + Duration::days(13));
    let inside = booked(
        &app,
        w.patient,
        w.nurse_id,
        local(first + Duration::days(3), "10:00"),
    )
    .await;
    let after = booked(
        &app,
        w.patient,
        w.nurse_id,
        local(last + Duration::days(7), "10:00"),
    )
    .await;
    // The nurse asks; the coordinator approves and plans the cover for all her patients.
    let mut nurse = app.client();
    nurse.sign_in("nina@example.test", crate::helpers::PASSWORD).await;
    let asked = nurse
        .post(
            "/absences",
            &[
                ("kind", "holiday"),
                ("first_day", &first.to_string()),
                ("last_day", &last.to_string()),
                ("note", "Sommerferie"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let absence: i64 = sqlx::query_scalar("select id from absences where nurse_id = $1")
        .bind(w.nurse_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    // Requested, not approved: she can still be booked then.
    let status: String = sqlx::query_scalar("select status from absences where id = $1")
        .bind(absence)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "requested");
    let calendar = coordinator.get("/calendar").await;
    assert_eq!(calendar.status, StatusCode::OK);
    assert!(calendar.body.contains(&format!("/absences/{absence}/approve")));
    let approved = coordinator
        .post(&format!("/absences/{absence}/approve"), &[])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let plan = coordinator.get(&format!("/absences/{absence}")).await;
    assert_eq!(plan.status, StatusCode::OK);
    assert!(plan.body.contains("Inge Opdigtsen"));
    assert_eq!(
        plan.texts("#uncovered").len(),
        1,
        "a booking inside has no cover yet"
    );
    // A nurse of another centre cannot be chosen, whatever the form says.
    let forged = coordinator
        .post(
            &format!("/absences/{absence}/cover"),
            &[("all", &w.kol_nurse.to_string())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let saved = coordinator
        .post(
            &format!("/absences/{absence}/cover"),
            &[("all", &cover_id.to_string())],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let nurse_of = |id| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select nurse_id from patients where id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let with = |id| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select nurse_id from appointments where id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        nurse_of(w.patient).await,
        w.nurse_id,
        "nothing moves before the absence"
    );
    // The first day: the patient and the bookings go to the cover.
    let day_one = local(first, "07:00");
    app.clock.set(day_one);
    assert_eq!(
        coachline::absences::start_due(&app.db, day_one, None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(nurse_of(w.patient).await, cover_id);
    assert_eq!(with(inside).await, cover_id);
    assert_eq!(with(after).await, cover_id);
    let mut vera = app.client();
    vera.sign_in("vera@example.test", crate::helpers::PASSWORD).await;
    let today_page = vera.get("/today").await;
    assert_eq!(
        today_page.texts("#covering li"),
        vec![format!(
            "1 af Test nurses patienter til og med {} {}",
            danish(last, "").split(' ').next().unwrap(),
            last.format("%d.%m.%Y")
        )]
    );
    // Running again moves nothing twice.
    assert_eq!(
        coachline::absences::start_due(&app.db, day_one, None)
            .await
            .unwrap(),
        0
    );
    // The day after the last: back to her own nurse with the open bookings.
    let back = local(last + Duration::days(1), "07:00");
    app.clock.set(back);
    coachline::caseload::return_due(&app.db, back).await.unwrap();
    assert_eq!(nurse_of(w.patient).await, w.nurse_id);
    assert_eq!(with(after).await, w.nurse_id);
    let record = nurse.get(&format!("/patients/{}", w.patient)).await;
    assert!(
        record.body.contains("dækning mens sygeplejersken er væk"),
        "the move away"
    );
    assert!(
        record.body.contains("Tilbage til egen sygeplejerske"),
        "the move back"
    );
    // Another centre's coordinator sees none of it.
    let mut other = app
        .signed_in("kaj@example.test", Role::Coordinator, Some(w.kol))
        .await;
    assert_eq!(
        other.get(&format!("/absences/{absence}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .post(&format!("/absences/{absence}/approve"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn suggestions_keep_to_the_patients_windows_across_the_change_to_winter_time() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    app.office_hours(w.ouh).await;
    continues(&app, w.patient).await;
    // Tuesdays from 10:00 to 11:30 suit; nothing before 10:30 on any day.
    for (kind, weekday, starts, ends) in [("prefer", "2", "10:00", "11:30"), ("avoid", "", "00:00", "10:30")]
    {
        let saved = w
            .nurse
            .post(
                &format!("/patients/{}/call-times", w.patient),
                &[
                    ("kind", kind),
                    ("weekday", weekday),
                    ("starts", starts),
                    ("ends", ends),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    let refused = w
        .nurse
        .post(
            &format!("/patients/{}/call-times", w.patient),
            &[
                ("kind", "prefer"),
                ("weekday", "3"),
                ("starts", "12:00"),
                ("ends", "11:00"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(refused.texts("#window_starts-error").len(), 1);
    // Summer time ends on the last Sunday of October: the Monday six days before it.
    let year = today().year() + 1;
    let mut change = NaiveDate::from_ymd_opt(year, 10, 31).unwrap();
    while change.weekday() != Weekday::Sun {
        change = change.pred_opt().unwrap();
    }
    app.clock.set(local(change - Duration::days(6), "12:00"));
    let form = w
        .nurse
        .get(&format!("/patients/{}/appointments/new", w.patient))
        .await;
    let suggested: Vec<(String, String)> = form
        .html()
        .select(&scraper::Selector::parse(".suggestions button").unwrap())
        .map(|b| {
            (
                b.value().attr("data-fill-date").unwrap().to_owned(),
                b.value().attr("data-fill-time").unwrap().to_owned(),
            )
        })
        .collect();
    let tuesday = change - Duration::days(5);
    let expected: Vec<(String, String)> = (0..3)
        .map(|k| ((tuesday + Duration::weeks(k)).to_string(), "10:30".to_owned()))
        .collect();
    assert_eq!(
        suggested, expected,
        "the same local time before and after the change"
    );
    // And booked at that local time on both sides of it.
    for (date, time) in &suggested[..2] {
        let made = w
            .nurse
            .post(
                &format!("/patients/{}/appointments/new", w.patient),
                &[("date", date), ("time", time)],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
    }
    let booked = starts(&app, w.patient).await;
    assert_eq!(booked[1] - booked[0], Duration::hours(7 * 24 + 1));
}

#[tokio::test]
async fn the_coordinator_keeps_the_hours_and_closed_days_and_a_nurse_only_reads_them() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    app.office_hours(w.ouh).await;
    let mut coordinator = app
        .signed_in("kim@example.test", Role::Coordinator, Some(w.ouh))
        .await;
    let mut hours: Vec<(String, String)> = Vec::new();
    for d in 1..=5 {
        hours.push((format!("opens_{d}"), "08:00".into()));
        hours.push((
            format!("closes_{d}"),
            if d == 5 { "14:00" } else { "16:00" }.into(),
        ));
    }
    let fields: Vec<(&str, &str)> = hours.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let saved = coordinator.post("/calendar/hours", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let wrong = coordinator
        .post("/calendar/hours", &[("opens_1", "16:00"), ("closes_1", "08:00")])
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(wrong.texts("#opens_1-error").len(), 1);
    let year = today().year() + 1;
    let eve = NaiveDate::from_ymd_opt(year, 12, 24).unwrap();
    let closed = coordinator
        .post(
            "/calendar/closed",
            &[
                ("day", &eve.to_string()),
                ("name", "Juleaftensdag"),
                ("every_year", "1"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let page = coordinator.get(&format!("/calendar?month={year}-04")).await;
    assert!(page.body.contains("Langfredag") && page.body.contains("Juleaftensdag"));
    assert!(page.body.contains("14:00"));
    // Christmas Eve is closed every year now, and a Friday afternoon after two.
    continues(&app, w.patient).await;
    app.clock
        .set(local(NaiveDate::from_ymd_opt(year, 12, 1).unwrap(), "09:00"));
    let path = format!("/patients/{}/appointments/new", w.patient);
    let on_eve = w
        .nurse
        .post(&path, &[("date", &eve.to_string()), ("time", "10:00")])
        .await;
    assert!(on_eve.body.contains("Juleaftensdag"));
    let mut friday = NaiveDate::from_ymd_opt(year, 12, 1).unwrap();
    while friday.weekday() != Weekday::Fri {
        friday = friday.succ_opt().unwrap();
    }
    let late = w
        .nurse
        .post(&path, &[("date", &friday.to_string()), ("time", "14:00")])
        .await;
    assert!(late.body.contains("08:00–14:00"), "{}", late.body);
    // A nurse reads the calendar but keeps nothing in it; another centre's coordinator keeps
    // only her own.
    assert_eq!(w.nurse.get("/calendar").await.status, StatusCode::OK);
    assert_eq!(
        w.nurse.post("/calendar/hours", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let id: i64 = sqlx::query_scalar("select id from closed_days where centre_id = $1")
        .bind(w.ouh)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut other = app
        .signed_in("kaj@example.test", Role::Coordinator, Some(w.kol))
        .await;
    assert_eq!(
        other
            .post(&format!("/calendar/closed/{id}/remove"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let open_days: i64 = sqlx::query_scalar("select count(*) from working_hours where centre_id = $1")
        .bind(w.ouh)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(open_days, 5);
}
