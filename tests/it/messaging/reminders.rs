//! SMS reminders the day before a booked call, through the outbox to the SMS gateway.

use chrono::{DateTime, NaiveDate, Utc};
use coachline::appointments::cancel::{cancel_one, CancelReason};
use coachline::appointments::store::{reschedule, NewAppointment};
use coachline::web::Role;
use coachline::{AppState, Config};

use super::gateway::Gateway;
use crate::course_fixtures::{active, booked, local};
use crate::helpers::TestApp;

/// Monday 7 December 2026 and the Tuesday after.
fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
}
fn tuesday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
}

fn configure(config: &mut Config, gateway: &Gateway) {
    config.messaging.sms_gateway_url = Some(gateway.url.clone());
    config.messaging.sms_token = Some("test-token".to_owned());
    config.messaging.sms_sender = "OUH".to_owned();
}

/// The application's state as the server's worker has it.
pub fn state(app: &TestApp, gateway: Option<&Gateway>) -> AppState {
    let mut config = Config::for_tests(&app.database_url);
    if let Some(gateway) = gateway {
        configure(&mut config, gateway);
    }
    AppState::with_clock(app.app_db.clone(), config, app.clock.clone())
}

struct Setting {
    centre: i64,
    nurse: i64,
    patient: i64,
}

async fn setting(app: &TestApp) -> Setting {
    let centre = app.centre("OUH").await;
    sqlx::query("update centres set phone = '+4566113344', name = 'OUH Odense' where id = $1")
        .bind(centre)
        .execute(&app.db)
        .await
        .unwrap();
    let nurse = app.user("anne@example.test", Role::Nurse, Some(centre)).await;
    sqlx::query("update users set name = 'Anne Andersen' where id = $1")
        .bind(nurse)
        .execute(&app.db)
        .await
        .unwrap();
    let patient = active(app, centre, nurse, "0101481234", "Inge", "Opdigtsen", 4).await;
    set_mobile(app, patient, Some("+4520123456")).await;
    Setting {
        centre,
        nurse,
        patient,
    }
}

async fn set_mobile(app: &TestApp, patient: i64, mobile: Option<&str>) {
    sqlx::query("update patients set mobile = $2 where id = $1")
        .bind(patient)
        .bind(mobile)
        .execute(&app.db)
        .await
        .unwrap();
}

async fn states(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("select state from outbox_current order by message_id")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

fn at(date: NaiveDate, time: &str) -> DateTime<Utc> {
    local(date, time)
}

#[tokio::test]
async fn the_patient_gets_a_danish_reminder_the_day_before_from_the_centres_time() {
    let gateway = Gateway::start().await;
    let app = TestApp::with_config(|c| configure(c, &gateway)).await;
    let s = setting(&app).await;
    booked(&app, s.patient, s.nurse, at(tuesday(), "10:00")).await;
    let state = state(&app, Some(&gateway));
    app.clock.set(at(monday(), "15:59"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert!(gateway.received().is_empty(), "not before the centre's time");
    app.clock.set(at(monday(), "16:00"));
    coachline::messaging::work_once(&state).await.unwrap();
    coachline::messaging::work_once(&state).await.unwrap();
    let received = gateway.received();
    assert_eq!(received.len(), 1, "one reminder, once");
    assert_eq!(received[0].authorization, "Token test-token");
    assert_eq!(received[0].body["recipients"][0]["msisdn"], 4520123456u64);
    assert_eq!(received[0].body["sender"], "OUH");
    assert_eq!(
        received[0].body["message"],
        "Din sygeplejerske Anne ringer i morgen tirsdag kl. 10:00. Passer tiden ikke, så ring til OUH Odense på +45 66 11 33 44."
    );
    assert_eq!(states(&app).await, ["sent"]);
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", crate::helpers::PASSWORD).await;
    let record = nurse.get(&format!("/patients/{}", s.patient)).await;
    assert_eq!(record.texts("#messages .state-sent").len(), 1, "{}", record.body);
    let _ = s.centre;
}

#[tokio::test]
async fn a_patient_who_declines_or_has_no_mobile_gets_no_reminder() {
    let gateway = Gateway::start().await;
    let app = TestApp::with_config(|c| configure(c, &gateway)).await;
    let s = setting(&app).await;
    let other = active(&app, s.centre, s.nurse, "0202482345", "Karl", "Opdigtsen", 4).await;
    booked(&app, s.patient, s.nurse, at(tuesday(), "10:00")).await;
    booked(&app, other, s.nurse, at(tuesday(), "11:00")).await;
    set_mobile(&app, other, None).await;
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", crate::helpers::PASSWORD).await;
    let saved = nurse
        .post(
            &format!("/patients/{}/contacts", s.patient),
            &[("preferred_call_times", "formiddag"), ("reminders_shown", "1")],
        )
        .await;
    assert_eq!(saved.status, axum::http::StatusCode::SEE_OTHER);
    let page = nurse.get(&format!("/patients/{}/contacts", s.patient)).await;
    assert!(page
        .html()
        .select(&scraper::Selector::parse("#sms_reminders[checked]").unwrap())
        .next()
        .is_none());
    app.clock.set(at(monday(), "17:00"));
    coachline::messaging::work_once(&state(&app, Some(&gateway)))
        .await
        .unwrap();
    assert!(gateway.received().is_empty());
    assert!(states(&app).await.is_empty());
}

#[tokio::test]
async fn a_failed_send_is_retried_after_a_growing_wait_and_is_never_lost() {
    let gateway = Gateway::start().await;
    let app = TestApp::with_config(|c| configure(c, &gateway)).await;
    let s = setting(&app).await;
    booked(&app, s.patient, s.nurse, at(tuesday(), "10:00")).await;
    let state = state(&app, Some(&gateway));
    gateway.fail_next(2);
    app.clock.set(at(monday(), "16:00"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(states(&app).await, ["failed"]);
    app.clock
        .set(at(monday(), "16:00") + chrono::Duration::seconds(59));
    coachline::messaging::work_once(&state).await.unwrap();
    let attempts: i32 = sqlx::query_scalar("select attempts from outbox_queue")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(attempts, 1, "not again before a minute has passed");
    app.clock.set(at(monday(), "16:01"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(states(&app).await, ["failed"]);
    app.clock.set(at(monday(), "16:02"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(states(&app).await, ["failed"], "the second wait is two minutes");
    app.clock.set(at(monday(), "16:03"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(states(&app).await, ["sent"]);
    let history: Vec<String> = sqlx::query_scalar("select state from outbox_events order by id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(history, ["queued", "failed", "failed", "sent"]);
    assert_eq!(gateway.received().len(), 1);
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let outbox = admin.get("/admin/outbox").await;
    assert_eq!(outbox.texts("#outbox .state-sent").len(), 1);
    assert!(
        !outbox.body.contains("Din sygeplejerske"),
        "no message text on the outbox page"
    );
}

#[tokio::test]
async fn cancelling_or_moving_the_call_before_sending_cancels_or_changes_the_reminder() {
    let gateway = Gateway::start().await;
    let app = TestApp::with_config(|c| configure(c, &gateway)).await;
    let s = setting(&app).await;
    let other = active(&app, s.centre, s.nurse, "0202482345", "Karl", "Opdigtsen", 4).await;
    set_mobile(&app, other, Some("+4520654321")).await;
    let first = booked(&app, s.patient, s.nurse, at(tuesday(), "10:00")).await;
    let second = booked(&app, other, s.nurse, at(tuesday(), "11:00")).await;
    let state = state(&app, Some(&gateway));
    gateway.fail_next(2);
    app.clock.set(at(monday(), "16:00"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(states(&app).await, ["failed", "failed"]);
    let mut conn = app.app_db.acquire().await.unwrap();
    assert!(cancel_one(&mut conn, first, CancelReason::PatientAsked, None)
        .await
        .unwrap());
    let moved = NewAppointment::call(other, None, s.nurse, at(tuesday(), "13:30"), s.nurse);
    reschedule(&mut conn, second, &moved).await.unwrap().unwrap();
    drop(conn);
    app.clock.set(at(monday(), "16:05"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(states(&app).await, ["cancelled", "cancelled", "sent"]);
    let received = gateway.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].body["message"]
        .as_str()
        .unwrap()
        .contains("kl. 13:30"));
    assert_eq!(received[0].body["recipients"][0]["msisdn"], 4520654321u64);
}

#[tokio::test]
async fn two_servers_working_the_same_outbox_send_each_message_once() {
    let gateway = Gateway::start().await;
    let app = TestApp::with_config(|c| configure(c, &gateway)).await;
    let s = setting(&app).await;
    let mut patients = vec![s.patient];
    for (i, cpr) in ["0202482345", "0303482345", "0404482345", "0505482345"]
        .iter()
        .enumerate()
    {
        let p = active(&app, s.centre, s.nurse, cpr, "Per", "Opdigtsen", 4).await;
        set_mobile(&app, p, Some(&format!("+452065432{i}"))).await;
        patients.push(p);
    }
    for (i, p) in patients.iter().enumerate() {
        booked(&app, *p, s.nurse, at(tuesday(), &format!("1{i}:00"))).await;
    }
    app.clock.set(at(monday(), "16:00"));
    let (one, two) = (state(&app, Some(&gateway)), state(&app, Some(&gateway)));
    let (a, b) = tokio::join!(
        coachline::messaging::work_once(&one),
        coachline::messaging::work_once(&two)
    );
    a.unwrap();
    b.unwrap();
    let received = gateway.received();
    let mut refs: Vec<String> = received
        .iter()
        .map(|r| r.body["userref"].as_str().unwrap().to_owned())
        .collect();
    refs.sort();
    refs.dedup();
    assert_eq!(received.len(), 5);
    assert_eq!(refs.len(), 5);
}

#[tokio::test]
async fn a_coordinator_sets_the_reminder_time_of_her_own_centre() {
    let gateway = Gateway::start().await;
    let app = TestApp::with_config(|c| configure(c, &gateway)).await;
    let s = setting(&app).await;
    booked(&app, s.patient, s.nurse, at(tuesday(), "10:00")).await;
    let mut coordinator = app
        .signed_in("coordinator@example.test", Role::Coordinator, Some(s.centre))
        .await;
    let bad = coordinator
        .post("/reminders", &[("send_at", "nu"), ("enabled", "on")])
        .await;
    assert_eq!(bad.attr("#send_at", "value"), "nu");
    let saved = coordinator
        .post("/reminders", &[("send_at", "18:30"), ("enabled", "on")])
        .await;
    assert_eq!(saved.status, axum::http::StatusCode::SEE_OTHER);
    let state = state(&app, Some(&gateway));
    app.clock.set(at(monday(), "18:00"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert!(gateway.received().is_empty());
    app.clock.set(at(monday(), "18:30"));
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(gateway.received().len(), 1);
}

#[tokio::test]
async fn the_gateways_delivery_report_is_recorded_on_the_message() {
    let gateway = Gateway::start().await;
    let app = TestApp::with_config(|c| {
        configure(c, &gateway);
        super::integration::with_token(c);
    })
    .await;
    let s = setting(&app).await;
    booked(&app, s.patient, s.nurse, at(tuesday(), "10:00")).await;
    app.clock.set(at(monday(), "16:00"));
    coachline::messaging::work_once(&state(&app, Some(&gateway)))
        .await
        .unwrap();
    let userref = gateway.received()[0].body["userref"].as_str().unwrap().to_owned();
    let report = |status: &str| serde_json::json!({ "userref": userref, "status": status }).to_string();
    let (status, _) = super::integration::post(
        &app,
        "/integration/sms-status",
        Some(super::integration::TOKEN),
        report("ENROUTE"),
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert_eq!(states(&app).await, ["sent"]);
    super::integration::post(
        &app,
        "/integration/sms-status",
        Some(super::integration::TOKEN),
        report("DELIVERED"),
    )
    .await;
    assert_eq!(states(&app).await, ["acknowledged"]);
    let unknown = serde_json::json!({ "userref": uuid::Uuid::new_v4(), "status": "DELIVERED" }).to_string();
    let (status, _) = super::integration::post(
        &app,
        "/integration/sms-status",
        Some(super::integration::TOKEN),
        unknown,
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::NOT_FOUND);
}
