//! Booking, moving and cancelling calls; the week; double booking; daylight saving.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::course_fixtures::{active, booked, local, today, world};
use crate::helpers::TestApp;

async fn starts(app: &TestApp, patient: i64) -> Vec<DateTime<Utc>> {
    sqlx::query_scalar("select starts_at from appointments where patient_id = $1 and status = 'scheduled' order by starts_at")
        .bind(patient)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn half_past_nine_on_the_monday_after_each_daylight_saving_change_stays_half_past_nine() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    // Summer time starts 28 March 2027 and ends 31 October 2027.
    for (monday, utc) in [
        ("2027-03-29", "2027-03-29T07:30:00+00:00"),
        ("2027-11-01", "2027-11-01T08:30:00+00:00"),
    ] {
        sqlx::query("update courses set extension_reason = 'Langt forløb i test' where patient_id = $1")
            .bind(id)
            .execute(&app.db)
            .await
            .unwrap();
        let response = w
            .nurse
            .post(
                &format!("/patients/{id}/appointments/new"),
                &[("date", monday), ("time", "09:30")],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        let stored: DateTime<Utc> = sqlx::query_scalar(
            "select starts_at from appointments where patient_id = $1 and starts_at::date = $2::date",
        )
        .bind(id)
        .bind(monday.parse::<NaiveDate>().unwrap())
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(stored.to_rfc3339(), utc);
        let week = w.nurse.get(&format!("/week?from={monday}")).await;
        assert_eq!(week.texts("td.time"), vec!["09:30"], "shown at 09:30 local");
        let record = w.nurse.get(&format!("/patients/{id}")).await;
        let danish = format!(
            "{} kl. 09:30",
            monday.parse::<NaiveDate>().unwrap().format("%d.%m.%Y")
        );
        assert!(record.body.contains(&danish), "{danish}");
    }
}

#[tokio::test]
async fn a_nurse_cannot_have_two_calls_in_one_slot_and_the_form_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let other = active(&app, w.ouh, w.nurse_id, "0303481234", "Åse", "Andensen", 1).await;
    let date = today() + Duration::days(5);
    booked(&app, other, w.nurse_id, local(date, "13:00")).await;
    let response = w
        .nurse
        .post(
            &format!("/patients/{}/appointments/new", w.patient),
            &[("date", &date.to_string()), ("time", "13:20")],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.texts("#time-error").len(), 1);
    assert!(response.body.contains("value=\"13:20\""));
    assert!(response.body.contains(&format!("value=\"{date}\"")));
    assert!(starts(&app, w.patient).await.is_empty());
    // The database itself refuses it, whatever the application does.
    let direct = sqlx::query(
        "insert into appointments (patient_id, nurse_id, kind, starts_at, ends_at) values ($1, $2, 'call', $3, $3 + interval '10 minutes')",
    )
    .bind(w.patient)
    .bind(w.nurse_id)
    .bind(local(date, "13:10"))
    .execute(&app.db)
    .await;
    assert!(direct.is_err());
    // Half past is free.
    let ok = w
        .nurse
        .post(
            &format!("/patients/{}/appointments/new", w.patient),
            &[("date", &date.to_string()), ("time", "13:30")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_call_is_moved_and_cancelled_and_the_timeline_keeps_both() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    let date = today() + Duration::days(3);
    let a = booked(&app, id, w.nurse_id, local(date, "10:00")).await;
    let moved = w
        .nurse
        .post(
            &format!("/appointments/{a}/move"),
            &[("date", &date.to_string()), ("time", "10:15")],
        )
        .await;
    assert_eq!(
        moved.status,
        StatusCode::SEE_OTHER,
        "moving by a quarter does not collide with itself"
    );
    assert_eq!(starts(&app, id).await, vec![local(date, "10:15")]);
    let new_id: i64 = sqlx::query_scalar("select moved_to from appointments where id = $1")
        .bind(a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    w.nurse
        .post(
            &format!("/appointments/{new_id}/cancel"),
            &[("reason", "patient_asked"), ("note", "")],
        )
        .await;
    assert!(starts(&app, id).await.is_empty());
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    let heads = record.texts("li.appointment .entry-head strong");
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(heads.iter().any(|h| h.starts_with("Booket opkald flyttet til")));
    assert!(heads.iter().any(|h| h == "Booket opkald aflyst"));
}

#[tokio::test]
async fn the_week_lists_the_nurses_calls_day_by_day() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let monday: NaiveDate = "2026-12-07".parse().unwrap();
    booked(
        &app,
        w.patient,
        w.nurse_id,
        local(monday + Duration::days(2), "11:00"),
    )
    .await;
    booked(&app, w.patient, w.nurse_id, local(monday, "09:00")).await;
    booked(&app, w.kol_patient, w.kol_nurse, local(monday, "09:00")).await;
    let week = w.nurse.get("/week?from=2026-12-09").await;
    assert_eq!(week.status, StatusCode::OK);
    assert_eq!(week.texts("section.day h2")[0], "Mandag 07.12.2026");
    assert_eq!(week.texts("td.time"), vec!["09:00", "11:00"]);
    assert!(!week.body.contains("Koldingsen"));
}

#[tokio::test]
async fn booking_follows_the_application_clock_on_weekends_daylight_saving_days_and_new_years_eve() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    // The days below lie past the course's nine months: the course continues for a reason.
    sqlx::query("update courses set extension_reason = 'Afventer operation' where patient_id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    for now in [
        "2027-01-16T09:00:00Z", // a Saturday, 10:00 in Copenhagen
        "2027-01-17T09:00:00Z", // a Sunday
        "2027-03-28T08:00:00Z", // summer time starts (10:00 local)
        "2027-10-31T09:00:00Z", // summer time ends (10:00 local)
        "2027-12-31T15:00:00Z", // new year's eve, 16:00 local
    ] {
        let now: DateTime<Utc> = now.parse().unwrap();
        app.clock.set(now);
        let today = now.with_timezone(&chrono_tz::Europe::Copenhagen).date_naive();
        // Earlier today has passed by the application's clock, whatever the machine says.
        let past = w
            .nurse
            .post(
                &format!("/patients/{id}/appointments/new"),
                &[("date", &today.to_string()), ("time", "08:00")],
            )
            .await;
        assert_eq!(past.status, StatusCode::OK, "{now}");
        assert!(past.body.contains("Tidspunktet er overstået"), "{now}");
        // Tomorrow at 09:30 is stored as that local time and shown as it.
        let tomorrow = today + Duration::days(1);
        let made = w
            .nurse
            .post(
                &format!("/patients/{id}/appointments/new"),
                &[("date", &tomorrow.to_string()), ("time", "09:30")],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{now}: {}", made.body);
        assert!(
            starts(&app, id).await.contains(&local(tomorrow, "09:30")),
            "{now}"
        );
        let record = w.nurse.get(&format!("/patients/{id}")).await;
        let shown = format!("{} kl. 09:30", tomorrow.format("%d.%m.%Y"));
        assert!(record.body.contains(&shown), "{now}: {shown}");
    }
}
