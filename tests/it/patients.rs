//! The patient list and record: centre boundaries, search, and the access log.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::fixtures::NewPatient;
use crate::helpers::TestApp;

/// Two centres with a patient each; returns (ouh, kol, ouh patient, kol patient).
async fn two_centres(app: &TestApp) -> (i64, i64, i64, i64) {
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let insert = |centre: i64,
                  cpr: &'static str,
                  first: &'static str,
                  last: &'static str,
                  phone: &'static str,
                  risk: f64| {
        let db = app.db.clone();
        async move {
            NewPatient::new(centre, cpr, first, last)
                .born("1950-01-01")
                .phone(phone)
                .municipality("Odense")
                .risk(risk)
                .insert(&db)
                .await
        }
    };
    let a = insert(ouh, "0101501234", "Inge", "Odensen", "+4512345678", 0.9).await;
    let b = insert(kol, "0202502345", "Karl", "Koldingsen", "+4587654321", 0.5).await;
    let _ = insert(ouh, "0303503456", "Åse", "Testesen", "+4511112222", 0.2).await;
    (ouh, kol, a, b)
}

async fn log_entries(app: &TestApp, patient: i64) -> Vec<(String, bool)> {
    sqlx::query_as("select action, allowed from access_log where patient_id = $1 order by id")
        .bind(patient)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_coordinator_sees_only_her_own_centres_patients() {
    let app = TestApp::new().await;
    let (ouh, kol, _, _) = two_centres(&app).await;
    let mut coord = app
        .signed_in("c@example.test", Role::Coordinator, Some(ouh))
        .await;
    let list = coord.get("/patients").await;
    assert_eq!(
        list.texts("tbody td a.patient"),
        vec!["Odensen, Inge", "Testesen, Åse"],
        "sorted by risk, own centre only"
    );
    // Asking for the other centre changes nothing.
    let sneaky = coord.get(&format!("/patients?centre={kol}")).await;
    assert_eq!(sneaky.texts("tbody td a.patient").len(), 2);
    assert!(!sneaky.body.contains("Koldingsen"));
    // Nor does searching for the other centre's patient.
    assert!(coord
        .post("/patients", &[("q", "Koldingsen")])
        .await
        .texts("tbody td a.patient")
        .is_empty());
}

#[tokio::test]
async fn the_list_searches_by_name_cpr_and_phone_and_filters() {
    let app = TestApp::new().await;
    let (_, kol, _, _) = two_centres(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    assert_eq!(admin.get("/patients").await.texts("tbody td a.patient").len(), 3);
    assert_eq!(
        admin
            .post("/patients", &[("q", "odens")])
            .await
            .texts("tbody td a.patient"),
        vec!["Odensen, Inge"]
    );
    assert_eq!(
        admin
            .post("/patients", &[("q", "020250")])
            .await
            .texts("tbody td a.patient"),
        vec!["Koldingsen, Karl"]
    );
    assert_eq!(
        admin
            .post("/patients", &[("q", "8765 4321")])
            .await
            .texts("tbody td a.patient"),
        vec!["Koldingsen, Karl"]
    );
    assert_eq!(
        admin
            .post("/patients", &[("q", "%")])
            .await
            .texts("tbody td a.patient")
            .len(),
        0,
        "a % is searched as text"
    );
    assert_eq!(
        admin
            .get(&format!("/patients?centre={kol}"))
            .await
            .texts("tbody td a.patient"),
        vec!["Koldingsen, Karl"]
    );
    assert_eq!(
        admin
            .get("/patients?status=active")
            .await
            .texts("tbody td a.patient")
            .len(),
        0
    );
    assert_eq!(
        admin.get("/patients?sort=name").await.texts("tbody td a.patient")[0],
        "Koldingsen, Karl"
    );
    // The list masks the CPR number; the full number is on the record page only.
    let list = admin.get("/patients").await;
    assert!(!list.body.contains("0101501234") && list.body.contains("010150-xxxx"));
}

#[tokio::test]
async fn the_list_is_paginated() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    sqlx::query(
        "insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex)
         select $1, lpad(i::text, 10, '0'), 'P', 'N' || lpad(i::text, 3, '0'), '1950-01-01', 'male'
           from generate_series(1, 120) i",
    )
    .bind(ouh)
    .execute(&app.db)
    .await
    .unwrap();
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let first = admin.get("/patients?sort=name").await;
    assert_eq!(first.texts("tbody tr").len(), 50);
    assert_eq!(first.texts("nav.pager span"), vec!["1 / 3"]);
    let last = admin.get("/patients?sort=name&page=3").await;
    assert_eq!(last.texts("tbody tr").len(), 20);
    assert_eq!(last.texts("tbody td a.patient")[19], "N120, P");
}

#[tokio::test]
async fn opening_a_record_writes_the_access_log() {
    let app = TestApp::new().await;
    let (ouh, _, patient, _) = two_centres(&app).await;
    let mut nurse = app.signed_in("n@example.test", Role::Nurse, Some(ouh)).await;
    let record = nurse.get(&format!("/patients/{patient}")).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(
        record.body.contains("010150-1234"),
        "the full CPR number on the record page"
    );
    assert_eq!(
        log_entries(&app, patient).await,
        vec![("patient.view".to_owned(), true)]
    );
}

#[tokio::test]
async fn a_nurse_cannot_open_a_patient_of_another_centre_and_the_attempt_is_logged() {
    let app = TestApp::new().await;
    let (ouh, _, _, kol_patient) = two_centres(&app).await;
    let mut nurse = app.signed_in("n@example.test", Role::Nurse, Some(ouh)).await;
    let response = nurse.get(&format!("/patients/{kol_patient}")).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert!(!response.body.contains("Koldingsen"));
    assert_eq!(
        log_entries(&app, kol_patient).await,
        vec![("patient.view".to_owned(), false)]
    );
}

#[tokio::test]
async fn a_coordinator_cannot_open_a_patient_of_another_centre() {
    let app = TestApp::new().await;
    let (_, kol, ouh_patient, kol_patient) = two_centres(&app).await;
    let mut coord = app
        .signed_in("c@example.test", Role::Coordinator, Some(kol))
        .await;
    assert_eq!(
        coord.get(&format!("/patients/{ouh_patient}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        coord.get(&format!("/patients/{kol_patient}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_nurse_finds_any_patient_of_her_centre_by_name_cpr_or_phone_and_none_of_another() {
    let app = TestApp::new().await;
    let (ouh, kol, _, _) = two_centres(&app).await;
    // A namesake in the other centre must never turn up.
    NewPatient::new(kol, "0101509999", "Inge", "Odensen")
        .phone("+4512340000")
        .insert(&app.db)
        .await;
    let mut nurse = app.signed_in("n@example.test", Role::Nurse, Some(ouh)).await;
    for (words, why) in [("odens", "by name"), ("010150", "by CPR"), ("1234", "by phone")] {
        let page = nurse.post("/patients", &[("q", words)]).await;
        assert_eq!(page.texts("tbody td a.patient"), vec!["Odensen, Inge"], "{why}");
    }
    let other = nurse.post("/patients", &[("q", "kolding")]).await;
    assert!(
        other.texts("tbody td a.patient").is_empty(),
        "another centre's patient is not found"
    );
    let page = nurse
        .post("/patients", &[("q", "odens"), ("centre", &kol.to_string())])
        .await;
    assert_eq!(
        page.texts("tbody td a.patient"),
        vec!["Odensen, Inge"],
        "the centre is not hers to change"
    );
    assert!(!page.body.contains("0101509999"));
    assert_eq!(nurse.get("/patients").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_access_log_cannot_be_changed_or_deleted() {
    let app = TestApp::new().await;
    let (ouh, _, patient, _) = two_centres(&app).await;
    let mut nurse = app.signed_in("n@example.test", Role::Nurse, Some(ouh)).await;
    nurse.get(&format!("/patients/{patient}")).await;
    let update = sqlx::query("update access_log set allowed = false")
        .execute(&app.db)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(sqlx::query("delete from access_log")
        .execute(&app.db)
        .await
        .is_err());
    assert!(sqlx::query("truncate access_log").execute(&app.db).await.is_err());
    assert_eq!(log_entries(&app, patient).await.len(), 1);
}

#[tokio::test]
async fn a_search_posts_its_words_and_every_person_found_by_cpr_is_logged() {
    let app = TestApp::new().await;
    let (_, _, inge, _) = two_centres(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let form = admin.get("/patients").await;
    assert_eq!(
        form.html()
            .select(&scraper::Selector::parse("form.filters").unwrap())
            .next()
            .unwrap()
            .value()
            .attr("method"),
        Some("post")
    );
    let found = admin.post("/patients", &[("q", "010150-1234")]).await;
    assert_eq!(found.texts("tbody td a.patient"), vec!["Odensen, Inge"]);
    // Links to sort or page a search never carry its words.
    assert!(!found.body.contains("q=0101"), "{}", found.body);
    let logged: Vec<(String, Option<i64>)> =
        sqlx::query_as("select action, patient_id from access_log where action = 'patient.found_by_cpr'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(logged, vec![("patient.found_by_cpr".to_owned(), Some(inge))]);
    // A name or phone search finds people without a CPR entry; words in a URL are ignored.
    admin.post("/patients", &[("q", "Odensen")]).await;
    admin.post("/patients", &[("q", "8765 4321")]).await;
    let ignored = admin.get("/patients?q=Odensen").await;
    assert_eq!(ignored.texts("tbody td a.patient").len(), 3);
    let entries: i64 =
        sqlx::query_scalar("select count(*) from access_log where action = 'patient.found_by_cpr'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(entries, 1);
}

#[tokio::test]
async fn a_patients_age_follows_the_application_clock() {
    let app = TestApp::new().await;
    let (ouh, _, patient, _) = two_centres(&app).await;
    let mut nurse = app.signed_in("n@example.test", Role::Nurse, Some(ouh)).await;
    // Born 1 January 1950: 76 on 31 December 2026, 77 the day after.
    app.clock.set("2026-12-31T12:00:00Z".parse().unwrap());
    let record = nurse.get(&format!("/patients/{patient}")).await;
    assert!(record.body.contains("76 år"), "{}", record.body);
    app.clock.set("2027-01-01T12:00:00Z".parse().unwrap());
    let record = nurse.get(&format!("/patients/{patient}")).await;
    assert!(record.body.contains("77 år"), "{}", record.body);
}
