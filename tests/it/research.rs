//! The research export: contents, no personal identifiers, stable pseudonyms, the access log,
//! and the researcher role that may see nothing else.

use std::collections::HashMap;
use std::io::Read;

use axum::http::StatusCode;
use coachline::research::{export, Filter, Pseudonymiser};
use coachline::web::Role;

use crate::fixtures::NewPatient;
use crate::helpers::TestApp;

/// Invented people with distinctive details, so a leak would be found by a plain search.
pub struct Seeded {
    pub ouh: i64,
    pub kol: i64,
    pub nurse: i64,
    pub anna: i64,
    pub bent: i64,
    pub karl: i64,
}

pub const ANNA_CPR: &str = "1204561118";
pub const BENT_CPR: &str = "0307491235";
const KARL_CPR: &str = "2111621357";
/// Words that must never be in an export.
pub const SECRETS: &[&str] = &[
    "Annasdottir",
    "Anna",
    "Bentsen",
    "Koldingsen",
    "Rosenvænget",
    "Strandvej",
    "+4522334455",
    "+4599887766",
    "1204561118",
    "120456-1118",
    "0307491235",
    "2111621357",
    "1956-04-12",
    "12.04.1956",
    "Hemmelig note",
    "Drøftede datterens skilsmisse",
    "Fortroligt formål",
    "Fortroligt resultat",
    "Flyttede til Spanien",
    "Dr. Lægesen",
];

async fn patient(
    app: &TestApp,
    centre: i64,
    cpr: &str,
    first: &str,
    last: &str,
    birth: &str,
    nurse: Option<i64>,
) -> i64 {
    NewPatient::new(centre, cpr, first, last)
        .born(birth)
        .address("Rosenvænget 7", "5000", "Odense")
        .phone("+4522334455")
        .mobile("+4599887766")
        .municipality("Odense")
        .gp("Dr. Lægesen")
        .diagnoses(&["I50", "J44"])
        .risk(0.83)
        .nurse(nurse)
        .invited_at("2026-01-05T00:00:00+01:00".parse().unwrap())
        .insert(&app.db)
        .await
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&app.db).await.unwrap();
}

/// Two centres; Anna (OUH) with a course in the period and one before it, Bent (OUH) invited
/// only, Karl (KOL) with a course. Calls, scores and referrals in and out of the period 2026.
pub async fn seed(app: &TestApp) -> Seeded {
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let nurse = app.user("nurse@example.test", Role::Nurse, Some(ouh)).await;
    let knurse = app.user("knurse@example.test", Role::Nurse, Some(kol)).await;
    let anna = patient(
        app,
        ouh,
        ANNA_CPR,
        "Anna",
        "Annasdottir",
        "1956-04-12",
        Some(nurse),
    )
    .await;
    let bent = patient(app, ouh, BENT_CPR, "Bent", "Bentsen", "1949-07-03", None).await;
    let karl = patient(
        app,
        kol,
        KARL_CPR,
        "Karl",
        "Koldingsen",
        "1962-11-21",
        Some(knurse),
    )
    .await;
    // Anna came on an earlier list: her first course was in 2025.
    exec(
        app,
        &format!("update patients set created_at = '2024-12-02' where id = {anna}"),
    )
    .await;
    exec(app, &format!(
        "insert into courses (id, patient_id, nurse_id, start_date, planned_end, end_date, end_reason, end_reason_text) values
           (101, {anna}, {nurse}, '2025-01-10', '2025-08-01', '2025-07-20', 'other', 'Flyttede til Spanien'),
           (102, {anna}, {nurse}, '2026-02-01', '2026-09-01', null, null, null),
           (103, {karl}, {knurse}, '2026-03-01', '2026-10-01', null, null, null)"
    )).await;
    exec(app, &format!(
        "insert into calls (patient_id, course_id, nurse_id, called_at, outcome, duration_minutes, topics, note) values
           ({anna}, 101, {nurse}, '2025-03-01 10:00+01', 'reached', 20, '{{own_goals}}', 'Hemmelig note fra 2025'),
           ({anna}, 102, {nurse}, '2026-02-15 10:00+01', 'reached', 25, '{{own_goals,medication}}', 'Drøftede datterens skilsmisse'),
           ({anna}, 102, {nurse}, '2026-03-01 10:00+01', 'no_answer', 0, '{{}}', ''),
           ({karl}, 103, {knurse}, '2026-03-10 09:00+01', 'reached', 15, '{{symptoms}}', 'Hemmelig note')"
    )).await;
    exec(
        app,
        &format!(
            "with r as (insert into referrals (patient_id, course_id, kind, on_date, purpose) values
                          ({anna}, 102, 'gp', '2026-02-20', 'Fortroligt formål') returning id)
             insert into referral_results (referral_id, result) select id, 'Fortroligt resultat' from r"
        ),
    )
    .await;
    exec(app, &format!(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score)
         select {anna}, 102, id, 'start', '2026-02-01', 13, 52 from instruments where code = 'who5'"
    )).await;
    Seeded {
        ouh,
        kol,
        nurse,
        anna,
        bent,
        karl,
    }
}

/// The files of a ZIP as text.
pub fn unzip(bytes: &[u8]) -> HashMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut files = HashMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        files.insert(file.name().unwrap().to_string(), text);
    }
    files
}

pub fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

pub async fn run(app: &TestApp, filter: Filter, key: &[u8]) -> HashMap<String, String> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let writer = tokio::spawn(export::write(
        app.db.clone(),
        filter,
        Pseudonymiser::new(key).unwrap(),
        crate::centre::fixtures::date(0),
        tx,
    ));
    let mut bytes = Vec::new();
    while let Some(chunk) = rx.recv().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    writer.await.unwrap().unwrap();
    unzip(&bytes)
}

fn year_2026(centres: Vec<i64>) -> Filter {
    Filter {
        from: "2026-01-01".parse().unwrap(),
        to: "2026-12-31".parse().unwrap(),
        centres,
    }
}

pub const KEY: &[u8] = b"coachline-test-pseudonym-key-0123456789";

#[tokio::test]
async fn the_export_contains_exactly_the_seeded_courses_calls_and_scores_of_the_period_and_centres() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let files = run(&app, year_2026(vec![s.ouh]), KEY).await;
    let mut names: Vec<&str> = files.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "calls.csv",
            "caseload_moves.csv",
            "consent.csv",
            "consent_events.csv",
            "consort.csv",
            "courses.csv",
            "data_dictionary.csv",
            "export.csv",
            "goal_progress.csv",
            "goals.csv",
            "letters.csv",
            "meetings.csv",
            "patients.csv",
            "questionnaire_items.csv",
            "questionnaires.csv",
            "randomisation.csv",
            "referrals.csv",
            "status_history.csv",
            "timepoints.csv"
        ]
    );
    let names = Pseudonymiser::new(KEY).unwrap();
    let anna = names.patient(ANNA_CPR);
    let patients = rows(&files["patients.csv"]);
    assert_eq!(patients.len(), 2, "Anna and Bent; Karl is in another centre");
    assert_eq!(
        patients[0][..4],
        [anna.clone(), "1956".into(), "female".into(), "60-69".into()]
    );
    assert_eq!(
        patients[0][5..8],
        ["I50 J44".to_owned(), "0.83".into(), "OUH".into()]
    );
    let courses = rows(&files["courses.csv"]);
    assert_eq!(courses.len(), 1, "only the course overlapping 2026: {courses:?}");
    assert_eq!(
        courses[0][..6],
        [
            anna.clone(),
            "102".into(),
            "2026-02-01".into(),
            "2026-09-01".into(),
            String::new(),
            String::new()
        ]
    );
    assert_eq!(courses[0][6], names.nurse(s.nurse));
    let calls = rows(&files["calls.csv"]);
    assert_eq!(
        calls.iter().map(|c| c[2..6].to_vec()).collect::<Vec<_>>(),
        [
            ["2026-02-15", "reached", "25", "own_goals medication"]
                .map(String::from)
                .to_vec(),
            ["2026-03-01", "no_answer", "0", ""].map(String::from).to_vec(),
        ]
    );
    let scores = rows(&files["questionnaires.csv"]);
    assert_eq!(
        scores[0][2..7],
        ["who5", "start", "2026-02-01", "13", "52"].map(String::from)
    );
    assert_eq!(
        rows(&files["referrals.csv"])[0][2..],
        ["gp", "2026-02-20"].map(String::from)
    );
    // Every column is explained in the dictionary, in the files' order.
    let dictionary = rows(&files["data_dictionary.csv"]);
    let header = files["calls.csv"].lines().next().unwrap();
    let calls_columns: Vec<&str> = dictionary
        .iter()
        .filter(|r| r[0] == "calls.csv")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(header, calls_columns.join(","));
    // Both centres: Karl and his course too.
    let both = run(&app, year_2026(vec![s.ouh, s.kol]), KEY).await;
    assert_eq!(rows(&both["patients.csv"]).len(), 3);
    assert_eq!(rows(&both["courses.csv"]).len(), 2);
    assert_eq!(rows(&both["calls.csv"]).len(), 3);
    let _ = (s.bent, s.karl, s.anna);
}

#[tokio::test]
async fn no_name_cpr_address_phone_free_text_or_birth_date_is_in_any_export() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let all_time = Filter {
        from: "2000-01-01".parse().unwrap(),
        to: "2030-12-31".parse().unwrap(),
        centres: vec![s.ouh, s.kol],
    };
    let files = run(&app, all_time, KEY).await;
    assert_eq!(
        rows(&files["calls.csv"]).len(),
        4,
        "the export covers every seeded call"
    );
    for (name, text) in &files {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{name} contains {secret}");
        }
    }
}

#[tokio::test]
async fn the_pseudonym_is_stable_across_exports_and_differs_with_another_key() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let first = rows(&run(&app, year_2026(vec![s.ouh]), KEY).await["patients.csv"]);
    let again = rows(&run(&app, year_2026(vec![s.ouh]), KEY).await["patients.csv"]);
    let other = rows(
        &run(
            &app,
            year_2026(vec![s.ouh]),
            b"another-pseudonym-key-that-is-long-enough",
        )
        .await["patients.csv"],
    );
    assert_eq!(first[0][0], again[0][0]);
    assert_ne!(first[0][0], other[0][0]);
    assert_ne!(first[0][0], first[1][0], "two people, two pseudonyms");
    assert_eq!(first[0][0].len(), 64);
}

#[tokio::test]
async fn an_admin_downloads_the_export_and_it_is_written_to_the_access_log() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let form = admin.get("/research").await;
    assert_eq!(form.status, StatusCode::OK);
    let ouh = s.ouh.to_string();
    let response = admin
        .post(
            "/research/export",
            &[("from", "2026-01-01"), ("to", "2026-12-31"), ("centre", &ouh)],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), "application/zip");
    assert!(response.header("content-disposition").starts_with("attachment;"));
    let entry: (String, Option<i64>, serde_json::Value) =
        sqlx::query_as("select action, patient_id, detail from access_log where action = 'research.export'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(entry.1, None);
    assert_eq!(entry.2["from"], "2026-01-01");
    assert_eq!(entry.2["to"], "2026-12-31");
    assert_eq!(entry.2["centres"], serde_json::json!([s.ouh]));
}

#[tokio::test]
async fn a_bad_period_or_no_centre_is_explained_next_to_the_field_and_nothing_is_logged() {
    let app = TestApp::new().await;
    seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let response = admin
        .post(
            "/research/export",
            &[("from", "2026-12-31"), ("to", "2026-01-01")],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.texts(".field-error").len(),
        2,
        "period backwards and no centre"
    );
    assert_eq!(
        response
            .html()
            .select(&scraper::Selector::parse("input[name=from]").unwrap())
            .next()
            .unwrap()
            .value()
            .attr("value"),
        Some("2026-12-31")
    );
    let logged: i64 = sqlx::query_scalar("select count(*) from access_log where action = 'research.export'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(logged, 0);
}

#[tokio::test]
async fn the_researcher_cannot_open_a_record_or_any_list_of_patients() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut researcher = app.signed_in("r@example.test", Role::Researcher, None).await;
    assert_eq!(researcher.get("/research").await.status, StatusCode::OK);
    for path in [
        format!("/patients/{}", s.anna),
        format!("/patients/{}/questionnaires", s.anna),
        format!("/patients/{}/access", s.anna),
        "/patients".to_owned(),
        "/my-patients".to_owned(),
        "/today".to_owned(),
        "/centre".to_owned(),
        "/imports".to_owned(),
        "/admin/access-log".to_owned(),
        "/admin/users".to_owned(),
    ] {
        let response = researcher.get(&path).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!response.body.contains("Annasdottir"), "{path}");
    }
    // The record's refusal is written to the access log.
    let refused: Vec<(String, bool)> =
        sqlx::query_as("select action, allowed from access_log where patient_id = $1 order by id")
            .bind(s.anna)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(refused, vec![("patient.view".to_owned(), false)]);
}

#[tokio::test]
async fn a_nurse_or_coordinator_cannot_download_the_export() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut coordinator = app
        .signed_in("c@example.test", Role::Coordinator, Some(s.ouh))
        .await;
    assert_eq!(coordinator.get("/research").await.status, StatusCode::FORBIDDEN);
    let ouh = s.ouh.to_string();
    let response = coordinator
        .post(
            "/research/export",
            &[("from", "2026-01-01"), ("to", "2026-12-31"), ("centre", &ouh)],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_creates_a_researcher_without_a_centre() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await.to_string();
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let form = admin.get("/admin/users/new").await;
    assert!(form
        .texts("select[name=role] option")
        .contains(&"Forsker".to_owned()));
    let created = admin
        .post(
            "/admin/users",
            &[
                ("email", "r@example.test"),
                ("name", "Rita Researcher"),
                ("role", "researcher"),
                ("centre_id", &ouh),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let (role, centre): (String, Option<i64>) =
        sqlx::query_as("select role, centre_id from users where email = 'r@example.test'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((role.as_str(), centre), ("researcher", None));
    let mut researcher = app.client();
    let signed_in = researcher
        .sign_in("r@example.test", "a long enough password")
        .await;
    assert_eq!(signed_in.location(), "/research");
    let home = researcher.get("/research").await;
    assert_eq!(home.texts("header nav a"), vec!["Forskning"]);
}
