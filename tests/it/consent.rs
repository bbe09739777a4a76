//! Consent after the initial meeting: a nurse records or changes interview and research
//! consent on the record, during or after the course; a change never overwrites (the history
//! stays, and the export carries both the consent that holds and its history); a nurse of
//! another centre cannot; a refused date keeps what was typed.

use axum::http::StatusCode;
use chrono::Duration;
use coachline::research::Filter;

use crate::course_fixtures::{local, today, world};
use crate::helpers::TestApp;
use crate::research::{rows, run, KEY};

/// The events of the patient's courses: kind, given, clinical date, recorded by someone.
async fn events(app: &TestApp, patient: i64) -> Vec<(String, bool, chrono::NaiveDate)> {
    sqlx::query_as(
        "select e.kind, e.given, e.consent_on from consent_events e join courses k on k.id = e.course_id
          where k.patient_id = $1 and e.recorded_by is not null order by e.id",
    )
    .bind(patient)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

fn danish(day: chrono::NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

#[tokio::test]
async fn a_nurse_records_interview_consent_after_the_course_ended_and_it_is_on_the_record_and_in_the_export()
{
    let app = TestApp::new().await;
    app.clock.set(local(today(), "12:00"));
    let mut w = world(&app).await;
    let p = w.patient;
    // The course ended a week ago; the patient-experience questionnaire was asked at its end.
    sqlx::query("update courses set end_date = $2, end_reason = 'completed' where patient_id = $1")
        .bind(p)
        .bind(today() - Duration::days(7))
        .execute(&app.db)
        .await
        .unwrap();
    let agreed = today() - Duration::days(2);
    let saved = w
        .nurse
        .post(
            &format!("/patients/{p}/consent"),
            &[
                ("kind", "interview"),
                ("given", "yes"),
                ("consent_on", &agreed.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), format!("/patients/{p}"));
    assert_eq!(events(&app, p).await, [("interview".to_owned(), true, agreed)]);

    let record = w.nurse.get(&format!("/patients/{p}")).await;
    assert_eq!(
        record.texts("#consent [data-kind=interview]"),
        [format!(
            "Samtykke til evalueringsinterview: Givet {}",
            danish(agreed)
        )]
    );

    let files = run(
        &app,
        Filter {
            from: today() - Duration::days(365),
            to: today(),
            centres: vec![w.ouh],
        },
        KEY,
    )
    .await;
    let consent = rows(&files["consent.csv"]);
    assert_eq!(consent.len(), 1);
    assert_eq!(
        consent[0][2..],
        ["", "", "yes", &agreed.to_string(), "", ""].map(String::from)
    );
    let history = rows(&files["consent_events.csv"]);
    assert_eq!(
        history.iter().map(|r| r[2..].to_vec()).collect::<Vec<_>>(),
        [["interview", "yes", &agreed.to_string(), &today().to_string()]
            .map(String::from)
            .to_vec()]
    );
}

#[tokio::test]
async fn a_withdrawal_of_research_consent_keeps_the_consent_it_withdraws() {
    let app = TestApp::new().await;
    app.clock.set(local(today(), "12:00"));
    let mut w = world(&app).await;
    let p = w.patient;
    let path = format!("/patients/{p}/consent");
    let given = today() - Duration::days(30);
    let withdrawn = today() - Duration::days(1);
    for (answer, day) in [("yes", given), ("no", withdrawn)] {
        let saved = w
            .nurse
            .post(
                &path,
                &[
                    ("kind", "research"),
                    ("given", answer),
                    ("consent_on", &day.to_string()),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    assert_eq!(
        events(&app, p).await,
        [
            ("research".to_owned(), true, given),
            ("research".to_owned(), false, withdrawn)
        ]
    );
    let record = w.nurse.get(&format!("/patients/{p}")).await;
    assert_eq!(
        record.texts("#consent [data-kind=research]"),
        [format!(
            "Samtykke til brug af data i forskning: Ikke givet {}",
            danish(withdrawn)
        )]
    );
    let page = w.nurse.get(&path).await;
    assert_eq!(
        page.texts("#consent-history li").len(),
        2,
        "both events are shown"
    );
    // As it stood before the withdrawal, the consent was given: the database's one definition.
    let before: bool = sqlx::query_scalar(
        "select a.given from consent_as_of($2) a join courses k on k.id = a.course_id
          where k.patient_id = $1 and a.kind = 'research'",
    )
    .bind(p)
    .bind(withdrawn - Duration::days(1))
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(before);
}

#[tokio::test]
async fn a_nurse_of_another_centre_cannot_record_or_see_a_patients_consent() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let path = format!("/patients/{}/consent", w.kol_patient);
    assert_eq!(w.nurse.get(&path).await.status, StatusCode::FORBIDDEN);
    let refused = w
        .nurse
        .post(
            &path,
            &[
                ("kind", "research"),
                ("given", "no"),
                ("consent_on", &today().to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(events(&app, w.kol_patient).await.is_empty());
    let logged: i64 = sqlx::query_scalar(
        "select count(*) from access_log where patient_id = $1 and user_id = $2 and not allowed",
    )
    .bind(w.kol_patient)
    .bind(w.nurse_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(logged, 2, "both refusals are in the access log");
}

#[tokio::test]
async fn the_consent_form_keeps_what_was_typed_when_the_date_is_in_the_future_or_before_the_course() {
    let app = TestApp::new().await;
    app.clock.set(local(today(), "12:00"));
    let mut w = world(&app).await;
    let p = w.patient;
    let path = format!("/patients/{p}/consent");
    // The course in `world` started 13 weeks ago.
    let cases = [
        (
            today() + Duration::days(1),
            "Datoen ligger i fremtiden. Et samtykke registreres, når patienten har givet det.",
        ),
        (
            today() - Duration::weeks(14),
            "Datoen ligger før forløbet. Vælg forløbets første dag eller senere.",
        ),
    ];
    for (day, message) in cases {
        let typed = day.to_string();
        let page = w
            .nurse
            .post(
                &path,
                &[("kind", "interview"), ("given", "no"), ("consent_on", &typed)],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.texts("#consent_on-error"), [message]);
        assert_eq!(page.attr("#consent_on", "value"), typed);
        assert_eq!(
            page.texts("#kind-interview[checked]").len(),
            1,
            "the kind typed is kept"
        );
        assert_eq!(
            page.texts("#given-no[checked]").len(),
            1,
            "the answer typed is kept"
        );
    }
    let missing = w.nurse.post(&path, &[("consent_on", &today().to_string())]).await;
    assert_eq!(missing.texts("#kind-error").len(), 1);
    assert_eq!(missing.texts("#given-error").len(), 1);
    assert!(events(&app, p).await.is_empty(), "nothing was saved");
}
