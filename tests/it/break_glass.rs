//! Access with a purpose: an admin sees no clinical content without a stated reason; the
//! reason is logged, shown on the access log and on the patient's access report, and opens
//! that one record for a limited time. Nurses of the patient's centre open records as before.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::TestApp;
use crate::research::seed;

/// What an admin must not see of Anna without a reason: her call note and her CPR number.
const NOTE: &str = "Drøftede datterens skilsmisse";

#[tokio::test]
async fn an_admin_opening_a_record_without_a_reason_sees_no_clinical_content() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let reason_page = format!("/patients/{}/reason", s.anna);
    for path in [
        format!("/patients/{}", s.anna),
        format!("/patients/{}/calls/new", s.anna),
        format!("/patients/{}/plan", s.anna),
        format!("/patients/{}/contacts", s.anna),
        format!("/patients/{}/questionnaires", s.anna),
    ] {
        let response = admin.get(&path).await;
        assert_eq!(
            (response.status, response.location()),
            (StatusCode::SEE_OTHER, reason_page.as_str()),
            "{path}"
        );
        assert!(!response.body.contains(NOTE));
    }
    // The list names the patients but shows no diagnoses or risk scores.
    let list = admin.get("/patients").await;
    assert_eq!(list.texts("tbody tr").len(), 3);
    assert!(!list.body.contains("I50, J44") && !list.body.contains("0,83"));
    let mut coordinator = app
        .signed_in("c@example.test", Role::Coordinator, Some(s.ouh))
        .await;
    assert!(coordinator.get("/patients").await.body.contains("I50, J44"));
    let page = admin.get(&reason_page).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(NOTE) && !page.body.contains("120456"));
    // No opening was logged: nothing was opened.
    let opened: i64 = sqlx::query_scalar("select count(*) from access_log where patient_id = $1")
        .bind(s.anna)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(opened, 0);
}

#[tokio::test]
async fn a_reason_is_required_and_other_needs_words() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let path = format!("/patients/{}/reason", s.anna);
    let none = admin.post(&path, &[("note", "bare nysgerrig")]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(none.texts("#reason-error"), vec!["Vælg en begrundelse."]);
    assert!(none.body.contains("bare nysgerrig"), "what was typed is kept");
    let other = admin.post(&path, &[("reason", "other"), ("note", " ")]).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.texts("#note-error"), vec!["Skriv hvad begrundelsen er."]);
    let long = "x".repeat(501);
    let too_long = admin
        .post(&path, &[("reason", "complaint"), ("note", &long)])
        .await;
    assert_eq!(too_long.texts("#note-error"), vec!["Højst 500 tegn."]);
    let still_closed = admin.get(&format!("/patients/{}", s.anna)).await;
    assert_eq!(still_closed.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_stated_reason_opens_that_one_record_for_thirty_minutes_and_is_logged() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let opened = admin
        .post(
            &format!("/patients/{}/reason", s.anna),
            &[("reason", "patient_request"), ("note", "Brev af 3. november")],
        )
        .await;
    assert_eq!(opened.location(), format!("/patients/{}", s.anna));
    let record = admin.get(&format!("/patients/{}", s.anna)).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(record.body.contains(NOTE));
    // Only that record.
    assert_eq!(
        admin.get(&format!("/patients/{}", s.bent)).await.status,
        StatusCode::SEE_OTHER
    );
    let logged: Vec<(String, bool, serde_json::Value)> =
        sqlx::query_as("select action, allowed, detail from access_log where patient_id = $1 order by id")
            .bind(s.anna)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(logged[0].0, "patient.break_glass");
    assert_eq!(logged[0].2["reason"], "patient_request");
    assert_eq!(logged[0].2["note"], "Brev af 3. november");
    assert_eq!(logged[1].0, "patient.view");
    // The access log page and the patient's own access report show the reason in words.
    let log = admin.get("/admin/access-log").await;
    assert!(log
        .body
        .contains("Patienten har bedt om indsigt: Brev af 3. november"));
    let report = admin.get(&format!("/patients/{}/access", s.anna)).await;
    assert_eq!(report.status, StatusCode::OK);
    let reasons = report.texts("table.openings td.reason");
    assert!(
        reasons.contains(&"Patienten har bedt om indsigt: Brev af 3. november".to_owned()),
        "{reasons:?}"
    );
    // For thirty minutes; an expired grant opens nothing.
    let minutes: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - granted_at)::float8 / 60 from record_access_grants",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(minutes, 30.0);
    sqlx::query(
        "insert into record_access_grants (user_id, patient_id, reason, granted_at, expires_at)
         select user_id, $1, 'complaint', now() - interval '40 minutes', now() - interval '10 minutes'
           from record_access_grants",
    )
    .bind(s.bent)
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(
        admin.get(&format!("/patients/{}", s.bent)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn stated_reasons_cannot_be_changed_or_deleted() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    admin.state_reason(s.anna).await;
    for sql in [
        "update record_access_grants set reason = 'other', note = 'x'",
        "delete from record_access_grants",
        "truncate record_access_grants",
    ] {
        let error = sqlx::query(sql).execute(&app.db).await.expect_err(sql);
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
}

#[tokio::test]
async fn nurses_of_the_centre_open_records_without_a_reason_and_researchers_never() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut nurse = app.client();
    nurse
        .sign_in("nurse@example.test", crate::helpers::PASSWORD)
        .await;
    let record = nurse.get(&format!("/patients/{}", s.anna)).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(record.body.contains(NOTE));
    // A nurse has nothing to state: the reason page sends her to the record.
    assert_eq!(
        nurse
            .get(&format!("/patients/{}/reason", s.anna))
            .await
            .location(),
        format!("/patients/{}", s.anna)
    );
    // Another centre's coordinator is refused outright, reason or not.
    let mut other = app
        .signed_in("k@example.test", Role::Coordinator, Some(s.kol))
        .await;
    let refused = other
        .post(
            &format!("/patients/{}/reason", s.anna),
            &[("reason", "centre_support"), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mut researcher = app.signed_in("r@example.test", Role::Researcher, None).await;
    for path in [
        format!("/patients/{}", s.anna),
        format!("/patients/{}/reason", s.anna),
    ] {
        assert_eq!(
            researcher.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let grants: i64 = sqlx::query_scalar("select count(*) from record_access_grants")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(grants, 0);
}
