//! Answers to invitations, the initial meeting and its outcome: status rules in the application
//! and in the database, and the centre boundary.

use axum::http::StatusCode;
use coachline::web::Role;

use super::fixtures::*;
use crate::helpers::TestApp;

fn local(days_on: i64) -> String {
    date(days_on).format("%Y-%m-%d").to_string()
}

async fn history(app: &TestApp, patient: i64) -> Vec<(Option<String>, String, Option<String>, Option<i64>)> {
    sqlx::query_as("select from_status, to_status, reason, changed_by from status_changes where patient_id = $1 order by id")
        .bind(patient)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn illegal_status_transitions_are_refused_by_the_application_and_the_database() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let declined = patient(&app, ouh, "Nej Tak", "declined", None).await;
    let active = patient(&app, ouh, "Aktiv Allan", "active", None).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let page = coord.get(&format!("/patients/{declined}/invitation")).await;
    assert!(
        page.texts("#answer").is_empty(),
        "no answer form for a patient who declined"
    );
    let response = coord
        .post(
            &format!("/patients/{declined}/invitation/response"),
            &[("response", "unreachable")],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.texts("#response-error"),
        vec!["Det er ikke muligt med patientens nuværende status. Intet er ændret."]
    );
    let response = coord
        .post(
            &format!("/patients/{active}/invitation/response"),
            &[("response", "declined")],
        )
        .await;
    assert_eq!(response.texts("#response-error").len(), 1);
    assert_eq!(status_and_nurse(&app, declined).await.0, "declined");
    assert_eq!(status_and_nurse(&app, active).await.0, "active");
    // And the database refuses the same, whoever asks.
    let direct = sqlx::query("update patients set status = 'active' where id = $1")
        .bind(declined)
        .execute(&app.db)
        .await;
    assert!(direct.unwrap_err().to_string().contains("status cannot change"));
}

#[tokio::test]
async fn answers_are_recorded_with_who_and_why_and_not_eligible_needs_a_reason() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let p = patient(&app, ouh, "Ikke Egnet", "invited", None).await;
    let q = patient(&app, ouh, "Takker Nej", "invited", None).await;
    let coord_id = app.user("coord@example.test", Role::Coordinator, Some(ouh)).await;
    let mut coord = app.client();
    coord
        .sign_in("coord@example.test", crate::helpers::PASSWORD)
        .await;
    let response = coord
        .post(
            &format!("/patients/{p}/invitation/response"),
            &[("response", "not_eligible"), ("reason", "  ")],
        )
        .await;
    assert_eq!(
        response.texts("#reason-error"),
        vec!["Skriv hvorfor patienten ikke er egnet."]
    );
    assert!(
        response.body.contains("<option value=\"not_eligible\" selected>"),
        "the choice is kept"
    );
    let response = coord
        .post(
            &format!("/patients/{p}/invitation/response"),
            &[("response", "not_eligible"), ("reason", "Bor på plejehjem")],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(
        history(&app, p).await.last().unwrap(),
        &(
            Some("invited".into()),
            "not_eligible".into(),
            Some("Bor på plejehjem".into()),
            Some(coord_id)
        )
    );
    coord
        .post(
            &format!("/patients/{q}/invitation/response"),
            &[("response", "declined")],
        )
        .await;
    assert_eq!(status_and_nurse(&app, q).await.0, "declined");
    let page = coord.get(&format!("/patients/{p}/invitation")).await;
    assert!(page.texts("ol.timeline li")[0].contains("Ikke egnet – Bor på plejehjem"));
}

#[tokio::test]
async fn no_response_is_recorded_only_after_a_reminder_and_its_deadline() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let p = patient(&app, ouh, "Intet Svar", "invited", None).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let response = coord
        .post(
            &format!("/patients/{p}/invitation/response"),
            &[("response", "no_response")],
        )
        .await;
    assert!(response.texts("#response-error")[0].starts_with("Send først en påmindelse"));
    let run: i64 = sqlx::query_scalar("insert into letter_runs (centre_id, produced_at) values ($1, now() - interval '15 days') returning id")
        .bind(ouh)
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query("insert into letters (run_id, patient_id, proposed_at, place, produced_at, kind) values ($1, $2, now() - interval '5 days', 'Lokale 1', now() - interval '30 days', 'invitation')")
        .bind(run)
        .bind(p)
        .execute(&app.db)
        .await
        .unwrap();
    let reminders: i64 = sqlx::query_scalar("insert into letter_runs (centre_id) values ($1) returning id")
        .bind(ouh)
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query("insert into letters (run_id, patient_id, proposed_at, place, produced_at, kind) values ($1, $2, now() - interval '5 days', 'Lokale 1', now() - interval '10 days', 'reminder')")
        .bind(reminders)
        .bind(p)
        .execute(&app.db)
        .await
        .unwrap();
    let response = coord
        .post(
            &format!("/patients/{p}/invitation/response"),
            &[("response", "no_response")],
        )
        .await;
    assert!(
        response.texts("#response-error")[0].starts_with("Fristen er ikke udløbet"),
        "the reminder's deadline has not passed"
    );
    sqlx::query("update letters set produced_at = now() - interval '15 days' where patient_id = $1 and kind = 'reminder'")
        .bind(p)
        .execute(&app.db)
        .await
        .unwrap();
    let centre = coord.get("/centre").await;
    assert_eq!(
        centre.texts("#unanswered tbody td a"),
        vec!["Intet Svar"],
        "the centre page lists who is past the deadline"
    );
    let response = coord
        .post(
            &format!("/patients/{p}/invitation/response"),
            &[("response", "no_response")],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(status_and_nurse(&app, p).await.0, "no_response");
    assert!(coord.get("/centre").await.texts("#unanswered").is_empty());
}

#[tokio::test]
async fn booking_the_meeting_refuses_a_double_booked_nurse_and_then_the_course_starts() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    let room = room(&app, ouh, "Mødelokale 1").await;
    let p = patient(&app, ouh, "Mette Møde", "invited", None).await;
    let other = patient(&app, ouh, "Optaget Tid", "active", Some(anna)).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    // Anna is busy at 10:00 in three days.
    let busy: chrono::DateTime<chrono::Utc> = {
        use chrono::TimeZone;
        chrono_tz::Europe::Copenhagen
            .from_local_datetime(&date(3).and_hms_opt(10, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    appointment(&app, other, anna, "call", busy).await;
    let (room_s, anna_s) = (room.to_string(), anna.to_string());
    let form = |time: &'static str| {
        vec![
            ("date", local(3)),
            ("time", time.to_owned()),
            ("minutes", "60".to_owned()),
            ("room_id", room_s.clone()),
            ("nurse_id", anna_s.clone()),
        ]
    };
    let fields = form("09:30");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = coord
        .post(&format!("/patients/{p}/invitation/meeting"), &fields)
        .await;
    assert_eq!(
        response.texts("#date-error"),
        vec!["Sygeplejersken har allerede en aftale på det tidspunkt. Vælg en anden tid."]
    );
    assert!(
        response.body.contains("value=\"09:30\""),
        "what was typed is kept"
    );
    assert_eq!(status_and_nurse(&app, p).await, ("invited".into(), None));
    let fields = form("13:00");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = coord
        .post(&format!("/patients/{p}/invitation/meeting"), &fields)
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(
        status_and_nurse(&app, p).await,
        ("meeting_booked".into(), Some(anna))
    );
    let meeting: (String, Option<String>, String) =
        sqlx::query_as("select kind, place, status from appointments where patient_id = $1")
            .bind(p)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        meeting,
        (
            "meeting".into(),
            Some("Mødelokale 1, Sdr. Boulevard 29".into()),
            "scheduled".into()
        )
    );

    // The meeting is held (its outcome cannot be recorded before): it lies an hour back now.
    sqlx::query(
        "update appointments set starts_at = now() - interval '1 hour', ends_at = now()
          where patient_id = $1 and kind = 'meeting'",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap();
    // After the meeting: consent is required before the course can start.
    let start = local(3);
    let call_day = local(17);
    let response = coord
        .post(
            &format!("/patients/{p}/invitation/outcome"),
            &[
                ("outcome", "starts"),
                ("start_date", &start),
                ("call_date", &call_day),
                ("call_time", "10:00"),
                ("consent_interview", "no"),
            ],
        )
        .await;
    assert_eq!(
        response.texts("#consent_course-error"),
        vec!["Forløbet kan kun starte med patientens samtykke."]
    );
    assert_eq!(
        response.texts("#consent_research-error"),
        vec!["Vælg, om patienten giver samtykke til brug af data i forskning."]
    );
    assert!(
        response
            .html()
            .select(&scraper::Selector::parse("#interview-no[checked]").unwrap())
            .next()
            .is_some(),
        "the interview answer typed is kept"
    );
    assert_eq!(status_and_nurse(&app, p).await.0, "meeting_booked");
    let response = coord
        .post(
            &format!("/patients/{p}/invitation/outcome"),
            &[
                ("outcome", "starts"),
                ("start_date", &start),
                ("call_date", &call_day),
                ("call_time", "10:00"),
                ("consent_course", "yes"),
                ("consent_interview", "no"),
                ("consent_research", "yes"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(status_and_nurse(&app, p).await, ("active".into(), Some(anna)));
    let course: (i64, chrono::NaiveDate, chrono::NaiveDate) =
        sqlx::query_as("select nurse_id, start_date, planned_end from courses where patient_id = $1")
            .bind(p)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(course.0, anna);
    assert_eq!(course.1, date(3));
    assert_eq!(
        course.2,
        date(3).checked_add_months(chrono::Months::new(6)).unwrap()
    );
    // Three separate consents, dated the meeting's day, with who recorded them.
    let consents: Vec<(String, bool, chrono::NaiveDate, bool)> = sqlx::query_as(
        "select e.kind, e.given, e.consent_on, e.recorded_by is not null
           from consent_events e join courses k on k.id = e.course_id
          where k.patient_id = $1 order by e.id",
    )
    .bind(p)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let meeting_day: chrono::NaiveDate = sqlx::query_scalar(
        "select (starts_at at time zone 'Europe/Copenhagen')::date from appointments
          where patient_id = $1 and kind = 'meeting'",
    )
    .bind(p)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        consents,
        [
            ("course".to_owned(), true, meeting_day, true),
            ("interview".to_owned(), false, meeting_day, true),
            ("research".to_owned(), true, meeting_day, true),
        ]
    );
    let calls: Vec<(String, String)> =
        sqlx::query_as("select kind, status from appointments where patient_id = $1 order by starts_at")
            .bind(p)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        calls,
        vec![
            ("meeting".into(), "done".into()),
            ("call".into(), "scheduled".into())
        ]
    );
    let statuses: Vec<String> = history(&app, p).await.into_iter().map(|h| h.1).collect();
    assert_eq!(
        statuses,
        vec!["invited", "meeting_booked", "active"],
        "every change is on the timeline"
    );
    let page = coord.get(&format!("/patients/{p}/invitation")).await;
    assert_eq!(
        page.texts("#course dd[data-kind]"),
        ["Givet", "Ikke givet", "Givet"].map(|g| format!("{g} {}", meeting_day.format("%d.%m.%Y"))),
        "consent to the course, the interview and research use, with the meeting's date"
    );
}

#[tokio::test]
async fn a_nurse_records_the_meeting_outcome_but_does_not_book_meetings() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let p = patient(&app, ouh, "Mødt Patient", "meeting_booked", None).await;
    let nurse_id = app.user("nurse@example.test", Role::Nurse, Some(ouh)).await;
    appointment(&app, p, nurse_id, "meeting", days(-1)).await;
    let mut nurse = app.client();
    nurse
        .sign_in("nurse@example.test", crate::helpers::PASSWORD)
        .await;
    let page = nurse.get(&format!("/patients/{p}/invitation")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts("#book").is_empty());
    assert_eq!(page.texts("#outcome h2"), vec!["Efter mødet"]);
    let response = nurse
        .post(
            &format!("/patients/{p}/invitation/meeting"),
            &[("date", &local(2))],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let response = nurse
        .post(
            &format!("/patients/{p}/invitation/outcome"),
            &[("outcome", "not_eligible")],
        )
        .await;
    assert_eq!(
        response.texts("#outcome_reason-error"),
        vec!["Skriv hvorfor patienten ikke er egnet."]
    );
    let response = nurse
        .post(
            &format!("/patients/{p}/invitation/outcome"),
            &[("outcome", "not_eligible"), ("reason", "Demens")],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(status_and_nurse(&app, p).await.0, "not_eligible");
}

#[tokio::test]
async fn another_centres_coordinator_can_neither_read_nor_change_an_invitation_and_is_logged() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let p = patient(&app, ouh, "Odense Patient", "invited", None).await;
    let kol_nurse = nurse(&app, "karen@example.test", "Karen Kolding", kol, 20).await;
    let kol_room = room(&app, kol, "Kolding lokale").await;
    let mut kol_coord = app
        .signed_in("kc@example.test", Role::Coordinator, Some(kol))
        .await;
    let page = kol_coord.get(&format!("/patients/{p}/invitation")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("Odense Patient"));
    let response = kol_coord
        .post(
            &format!("/patients/{p}/invitation/response"),
            &[("response", "declined")],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let response = kol_coord
        .post(
            &format!("/patients/{p}/invitation/meeting"),
            &[
                ("date", &local(3)),
                ("time", "10:00"),
                ("minutes", "60"),
                ("room_id", &kol_room.to_string()),
                ("nurse_id", &kol_nurse.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(status_and_nurse(&app, p).await, ("invited".into(), None));
    let refused: i64 =
        sqlx::query_scalar("select count(*) from access_log where patient_id = $1 and not allowed")
            .bind(p)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(refused, 3);
    // A coordinator of the patient's own centre cannot book another centre's nurse either.
    let mut ouh_coord = app
        .signed_in("oc@example.test", Role::Coordinator, Some(ouh))
        .await;
    let ouh_room = room(&app, ouh, "Odense lokale").await;
    let response = ouh_coord
        .post(
            &format!("/patients/{p}/invitation/meeting"),
            &[
                ("date", &local(3)),
                ("time", "10:00"),
                ("minutes", "60"),
                ("room_id", &ouh_room.to_string()),
                ("nurse_id", &kol_nurse.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(status_and_nurse(&app, p).await, ("invited".into(), None));
    let allowed: i64 = sqlx::query_scalar(
        "select count(*) from access_log where patient_id = $1 and allowed and action = 'patient.invitation'",
    )
    .bind(p)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(allowed, 1);
}
