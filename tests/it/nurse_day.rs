//! The nurse's day: Today's lists in order, My patients, the record with its timeline, and
//! the centre boundary on every page and action about one patient.

use axum::http::StatusCode;
use chrono::{Duration, Utc};

use crate::course_fixtures::{active, booked, called, local, today, world};
use crate::helpers::{form_key, TestApp};

#[tokio::test]
async fn today_lists_calls_due_then_overdue_then_retries_then_patients_with_nothing_booked() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let due_late = w.patient;
    let due_early = active(&app, w.ouh, w.nurse_id, "0303481234", "Åse", "Tidligsen", 3).await;
    let overdue = active(&app, w.ouh, w.nurse_id, "0404481234", "Otto", "Forsinketsen", 3).await;
    let retry = active(&app, w.ouh, w.nurse_id, "0505481234", "Rita", "Forsøgsen", 3).await;
    let _nothing = active(&app, w.ouh, w.nurse_id, "0606481234", "Nils", "Ingentingsen", 3).await;
    booked(&app, due_late, w.nurse_id, local(today(), "14:00")).await;
    booked(&app, due_early, w.nurse_id, local(today(), "08:30")).await;
    let overdue_at = local(today() - Duration::days(3), "10:00");
    booked(&app, overdue, w.nurse_id, overdue_at).await;
    called(
        &app,
        retry,
        w.nurse_id,
        Utc::now() - Duration::hours(1),
        "no_answer",
    )
    .await;
    // Rita's retry is booked for tomorrow; with nothing booked she would be in the safety net.
    booked(
        &app,
        retry,
        w.nurse_id,
        local(today() + Duration::days(1), "09:00"),
    )
    .await;
    // Another centre's booked call never shows.
    booked(&app, w.kol_patient, w.kol_nurse, local(today(), "10:00")).await;

    // Åse has not answered on three different days: flagged where she is called today.
    for days in [2, 4, 6] {
        called(
            &app,
            due_early,
            w.nurse_id,
            Utc::now() - Duration::days(days),
            "no_answer",
        )
        .await;
    }
    let page = w.nurse.get("/today").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("#due .flag").len(), 1, "possibly unreachable");
    assert_eq!(page.texts("#due td.time"), vec!["08:30", "14:00"]);
    assert_eq!(
        page.texts("#due a.patient"),
        vec!["Åse Tidligsen", "Inge Opdigtsen"]
    );
    assert_eq!(page.texts("#overdue a.patient"), vec!["Otto Forsinketsen"]);
    // Three days by the calendar, whatever the time of day.
    let days = (today()
        - overdue_at
            .with_timezone(&chrono_tz::Europe::Copenhagen)
            .date_naive())
    .num_days();
    assert_eq!(
        page.texts("#overdue .late"),
        vec![format!("{days} dage forsinket")],
        "says how late"
    );
    assert!(days >= 2);
    assert_eq!(page.texts("#retry a.patient"), vec!["Rita Forsøgsen"]);
    assert_eq!(page.texts("#no-call a.patient"), vec!["Nils Ingentingsen"]);
    assert_eq!(page.texts("#count-due strong"), vec!["2"]);
    assert_eq!(page.texts("#count-overdue strong"), vec!["1"]);
    assert!(page.body.contains("href=\"tel:+4512345678\""));
    assert!(page.body.contains("I50.9 Hjertesvigt"), "main diagnoses in words");
    assert!(!page.body.contains("Koldingsen"));
}

#[tokio::test]
async fn my_patients_shows_the_course_week_and_the_next_call() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    booked(
        &app,
        w.patient,
        w.nurse_id,
        local(today() + Duration::days(2), "09:30"),
    )
    .await;
    let page = w.nurse.get("/my-patients").await;
    assert_eq!(page.texts("a.patient"), vec!["Inge Opdigtsen"]);
    assert!(page.body.contains("uge 14 af 26"), "{}", page.body);
    assert!(page.body.contains("kl. 09:30"));
    let filtered = w.nurse.post("/my-patients", &[("q", "nobody")]).await;
    assert!(filtered.texts("a.patient").is_empty());
}

#[tokio::test]
async fn the_record_shows_the_header_and_the_whole_course_newest_first_with_who() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    w.nurse
        .post(
            &format!("/patients/{id}/goals"),
            &[("text", "Gå til bageren hver dag")],
        )
        .await;
    let date = (today() + Duration::days(14)).to_string();
    let saved = w
        .nurse
        .post(
            &format!("/patients/{id}/calls/new"),
            &[
                ("form_key", &form_key()),
                ("outcome", "reached"),
                ("duration", "20"),
                ("topics", "own_goals"),
                ("topics", "medication"),
                ("note", "Taler om medicinen."),
                ("next", "booked"),
                ("date", &date),
                ("time", "09:30"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(record.body.contains("010148-1234"));
    assert!(record.body.contains("Hjertesvigt") && record.body.contains("Type 2-diabetes"));
    assert!(record.body.contains("uge 14 af 26"));
    assert_eq!(
        record.texts("nav.record-actions a").len(),
        7,
        "the actions near the top, then invitation history, questionnaires and access log"
    );
    let heads = record.texts("ol.timeline .entry-head strong");
    assert!(heads[0].starts_with("Opkald · Talt med · 20 min"), "{heads:?}");
    assert_eq!(heads[1], "Mål sat");
    assert!(
        heads.last().unwrap().starts_with("Status:"),
        "the course start is the oldest"
    );
    assert!(record.texts("ol.timeline li.call .entry-head span")[0].contains("Test nurse"));
    assert_eq!(record.texts("li.call p.topics"), vec!["Egne mål, Medicin"]);
    assert_eq!(record.texts("li.call p.note"), vec!["Taler om medicinen."]);
    assert_eq!(record.texts("#booked li strong").len(), 1);
}

/// More views at once than the server has database connections: a page that held one
/// connection while asking the pool for another would wait for ever once every connection was
/// held that way.
#[tokio::test]
async fn many_nurses_opening_records_and_today_at_once_all_get_their_page() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut clients: Vec<_> = (0..48)
        .map(|_| {
            let mut client = app.client();
            client.cookies = w.nurse.cookies.clone();
            client
        })
        .collect();
    let record = format!("/patients/{}", w.patient);
    let views = clients.iter_mut().enumerate().map(|(i, client)| {
        let path = if i % 2 == 0 {
            record.clone()
        } else {
            "/today".to_owned()
        };
        async move { (path.clone(), client.get(&path).await.status) }
    });
    for (path, status) in futures_util::future::join_all(views).await {
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn contacts_and_preferred_call_times_are_editable_and_a_bad_phone_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    w.nurse
        .post(
            &format!("/patients/{id}/contacts"),
            &[("preferred_call_times", "Formiddag, ikke fredag")],
        )
        .await;
    let bad = w
        .nurse
        .post(
            &format!("/patients/{id}/contacts/new"),
            &[
                ("name", "Dorte Datter"),
                ("relation", "datter"),
                ("phone", "ring efter kl 16"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("value=\"Dorte Datter\""));
    assert!(!bad.texts("#phone-error").is_empty());
    w.nurse
        .post(
            &format!("/patients/{id}/contacts/new"),
            &[
                ("name", "Dorte Datter"),
                ("relation", "datter"),
                ("phone", "+45 20 30 40 50"),
            ],
        )
        .await;
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert!(record.body.contains("Formiddag, ikke fredag"));
    assert_eq!(record.texts("#contacts li strong"), vec!["Dorte Datter"]);
}

/// Every page and action about one patient, for another centre's patient: 403, logged as
/// refused, and nothing written.
#[tokio::test]
async fn every_patient_page_and_action_refuses_another_centres_patient_and_logs_it() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let kol = w.kol_patient;
    let appointment = booked(
        &app,
        kol,
        w.kol_nurse,
        local(today() + Duration::days(3), "10:00"),
    )
    .await;
    called(&app, kol, w.kol_nurse, Utc::now() - Duration::days(1), "reached").await;
    let call: i64 = sqlx::query_scalar("select id from calls where patient_id = $1")
        .bind(kol)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let goal: i64 =
        sqlx::query_scalar("insert into goals (patient_id, text) values ($1, 'Gå tur') returning id")
            .bind(kol)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let referral: i64 = sqlx::query_scalar(
        "insert into referrals (patient_id, kind, on_date, purpose) values ($1, 'gp', current_date, 'x') returning id",
    )
    .bind(kol)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let contact: i64 =
        sqlx::query_scalar("insert into patient_contacts (patient_id, name) values ($1, 'Kim') returning id")
            .bind(kol)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let date = (today() + Duration::days(7)).to_string();
    let gets = [
        format!("/patients/{kol}"),
        format!("/patients/{kol}/calls/new"),
        format!("/patients/{kol}/appointments/new"),
        format!("/appointments/{appointment}/move"),
        format!("/patients/{kol}/end"),
        format!("/patients/{kol}/plan"),
        format!("/patients/{kol}/contacts"),
    ];
    for path in &gets {
        assert_eq!(
            w.nurse.get(path).await.status,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/patients/{kol}/calls/new"),
            vec![
                ("outcome", "reached"),
                ("note", "x"),
                ("next", "booked"),
                ("date", &date),
                ("time", "09:30"),
            ],
        ),
        (format!("/calls/{call}/amendments"), vec![("text", "x")]),
        (
            format!("/patients/{kol}/appointments/new"),
            vec![("date", &date), ("time", "11:00")],
        ),
        (
            format!("/appointments/{appointment}/move"),
            vec![("date", &date), ("time", "12:00")],
        ),
        (
            format!("/appointments/{appointment}/cancel"),
            vec![("reason", "patient_asked")],
        ),
        (
            format!("/patients/{kol}/end"),
            vec![("end_date", "2026-01-01"), ("reason", "completed")],
        ),
        (
            format!("/patients/{kol}/extension"),
            vec![("extension_reason", "x")],
        ),
        (format!("/patients/{kol}/goals"), vec![("text", "x")]),
        (format!("/goals/{goal}/progress"), vec![("rating", "5")]),
        (format!("/goals/{goal}/close"), vec![("status", "achieved")]),
        (
            format!("/patients/{kol}/referrals"),
            vec![("kind", "gp"), ("on_date", "2026-11-01"), ("purpose", "x")],
        ),
        (format!("/referrals/{referral}/result"), vec![("result", "x")]),
        (format!("/patients/{kol}/unreachable"), vec![("step", "letter")]),
        (format!("/patients/{kol}/plan"), vec![]),
        (
            format!("/patients/{kol}/contacts"),
            vec![("preferred_call_times", "x")],
        ),
        (format!("/patients/{kol}/contacts/new"), vec![("name", "x")]),
        (
            format!("/contacts/{contact}"),
            vec![("name", "x"), ("remove", "1")],
        ),
    ];
    for (path, fields) in &posts {
        assert_eq!(
            w.nurse.post(path, fields).await.status,
            StatusCode::FORBIDDEN,
            "POST {path}"
        );
    }
    let refused: i64 =
        sqlx::query_scalar("select count(*) from access_log where patient_id = $1 and not allowed")
            .bind(kol)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        refused as usize,
        gets.len() + posts.len(),
        "every refusal is logged"
    );
    let allowed: i64 =
        sqlx::query_scalar("select count(*) from access_log where patient_id = $1 and allowed")
            .bind(kol)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(allowed, 0);
    let written: (i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from calls where patient_id = $1),
                (select count(*) from call_amendments),
                (select count(*) from appointments where patient_id = $1),
                (select count(*) from appointments where patient_id = $1 and status = 'scheduled'),
                (select count(*) from goals where patient_id = $1) + (select count(*) from goal_progress),
                (select count(*) from referrals where patient_id = $1)
                  + (select count(*) from referral_results),
                (select count(*) from plan_prints) + (select count(*) from patient_contacts where name = 'Kim')
                  + (select count(*) from reachability_steps),
                (select count(*) from courses where patient_id = $1 and end_date is null and extension_reason is null)",
    )
    .bind(kol)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(written, (1, 0, 1, 1, 1, 1, 1, 1), "nothing written");
    let _ = w.ouh;
    let _ = w.kol;
}

#[tokio::test]
async fn pages_about_one_patient_write_the_access_log_and_an_admin_may_read_but_not_write() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    for path in ["calls/new", "appointments/new", "plan", "contacts", "end"] {
        assert_eq!(
            w.nurse.get(&format!("/patients/{id}/{path}")).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let logged: Vec<(String, bool)> =
        sqlx::query_as("select action, allowed from access_log where patient_id = $1 order by id")
            .bind(id)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(logged, vec![("patient.view_page".to_owned(), true); 5]);
    let mut admin = app
        .signed_in("admin@example.test", coachline::web::Role::Admin, None)
        .await;
    admin.state_reason(id).await;
    assert_eq!(admin.get(&format!("/patients/{id}")).await.status, StatusCode::OK);
    let date = (today() + Duration::days(7)).to_string();
    let refused = admin
        .post(
            &format!("/patients/{id}/calls/new"),
            &[
                ("form_key", &form_key()),
                ("outcome", "reached"),
                ("note", "x"),
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
    let refusals: i64 = sqlx::query_scalar("select count(*) from access_log where not allowed")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(refusals, 1);
}
