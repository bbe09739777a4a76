//! The access log: written for record views, refused views and exports; the admin's page with
//! filters and CSV; the patient's "who has opened this"; and that nobody can change it.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::TestApp;
use crate::research::{seed, ANNA_CPR};

#[tokio::test]
async fn entries_are_written_for_record_views_refused_views_and_exports() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut nurse = app.client();
    nurse
        .sign_in("nurse@example.test", crate::helpers::PASSWORD)
        .await;
    let mut other = app
        .signed_in("k@example.test", Role::Coordinator, Some(s.kol))
        .await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    assert_eq!(
        nurse.get(&format!("/patients/{}", s.anna)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        other.get(&format!("/patients/{}", s.anna)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other
            .get(&format!("/patients/{}/questionnaires", s.anna))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let ouh = s.ouh.to_string();
    admin
        .post(
            "/research/export",
            &[("from", "2026-01-01"), ("to", "2026-12-31"), ("centre", &ouh)],
        )
        .await;
    let entries: Vec<(String, Option<i64>, bool)> =
        sqlx::query_as("select action, patient_id, allowed from access_log order by id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        entries,
        vec![
            ("patient.view".to_owned(), Some(s.anna), true),
            ("patient.view".to_owned(), Some(s.anna), false),
            ("questionnaires.view".to_owned(), Some(s.anna), false),
            ("research.export".to_owned(), None, true),
        ]
    );
}

#[tokio::test]
async fn the_application_cannot_change_or_delete_entries() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    admin.state_reason(s.anna).await;
    admin.get(&format!("/patients/{}", s.anna)).await;
    // The application's own connection (the pool the router uses) is refused.
    for sql in [
        "update access_log set allowed = false",
        "update access_log set user_id = null",
        "delete from access_log",
        "truncate access_log",
    ] {
        let error = sqlx::query(sql).execute(&app.db).await.expect_err(sql);
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    let count: i64 = sqlx::query_scalar("select count(*) from access_log where allowed")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 2, "the stated reason and the opening");
}

#[tokio::test]
async fn the_admin_filters_the_log_by_user_patient_action_and_period() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut nurse = app.client();
    nurse
        .sign_in("nurse@example.test", crate::helpers::PASSWORD)
        .await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    nurse.get(&format!("/patients/{}", s.anna)).await;
    nurse.get(&format!("/patients/{}", s.bent)).await;
    admin.state_reason(s.karl).await;
    admin.get(&format!("/patients/{}", s.karl)).await;
    let all = admin.get("/admin/access-log").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.texts("table.access-log tbody tr").len(), 4);
    // A CPR number is posted, never put in a URL; finding the person is logged too.
    let posted = admin.post("/admin/access-log", &[("patient", ANNA_CPR)]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    assert!(!posted.location().contains(ANNA_CPR), "{}", posted.location());
    let by_cpr = admin.get(posted.location()).await;
    assert_eq!(
        by_cpr.texts("table.access-log tbody tr").len(),
        2,
        "the opening and the search"
    );
    let in_url = admin.get(&format!("/admin/access-log?patient={ANNA_CPR}")).await;
    assert_eq!(in_url.status, StatusCode::UNPROCESSABLE_ENTITY);
    let by_user = admin.get(&format!("/admin/access-log?user={}", s.nurse)).await;
    assert_eq!(by_user.texts("table.access-log tbody tr").len(), 2);
    let by_action = admin.get("/admin/access-log?action=research.export").await;
    assert!(by_action.texts("table.access-log tbody tr").is_empty());
    let past = admin.get("/admin/access-log?from=2020-01-01&to=2020-12-31").await;
    assert!(past.texts("table.access-log tbody tr").is_empty());
    // The period is of days in Copenhagen; from yesterday, so that an opening just before
    // midnight is in it whenever the test runs.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Copenhagen)
        .date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let now = admin
        .get(&format!("/admin/access-log?from={yesterday}&to={today}"))
        .await;
    assert_eq!(now.texts("table.access-log tbody tr").len(), 5);
    // Bad filters are explained next to the field, with what was typed kept.
    let bad = admin.get("/admin/access-log?patient=Anna&from=31-12-2026").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.texts(".field-error").len(), 2);
    assert!(bad.body.contains("value=\"Anna\""));
}

#[tokio::test]
async fn the_log_is_paginated() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    sqlx::query("insert into access_log (user_id, action, patient_id) select $1, 'patient.view', $2 from generate_series(1, 150)")
        .bind(s.nurse)
        .bind(s.anna)
        .execute(&app.db)
        .await
        .unwrap();
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let first = admin.get("/admin/access-log").await;
    assert_eq!(first.texts("table.access-log tbody tr").len(), 100);
    assert_eq!(first.texts("nav.pager span"), vec!["1 / 2"]);
    let second = admin.get("/admin/access-log?page=2").await;
    assert_eq!(second.texts("table.access-log tbody tr").len(), 50);
}

#[tokio::test]
async fn the_csv_download_has_every_filtered_entry_with_formula_cells_neutralised() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    sqlx::query("update users set name = '=HYPERLINK(\"x\")' where id = $1")
        .bind(s.nurse)
        .execute(&app.db)
        .await
        .unwrap();
    let mut nurse = app.client();
    nurse
        .sign_in("nurse@example.test", crate::helpers::PASSWORD)
        .await;
    nurse.get(&format!("/patients/{}", s.anna)).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let csv = admin
        .get(&format!("/admin/access-log.csv?user={}", s.nurse))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].contains("'=HYPERLINK"), "{}", lines[1]);
    assert!(
        lines[1].contains(&format!(";patient.view;{};true;", s.anna)),
        "{}",
        lines[1]
    );
    // The download itself is logged.
    let logged: i64 =
        sqlx::query_scalar("select count(*) from access_log where action = 'access_log.export'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(logged, 1);
}

#[tokio::test]
async fn only_admins_read_the_access_log() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut coordinator = app
        .signed_in("c@example.test", Role::Coordinator, Some(s.ouh))
        .await;
    assert_eq!(
        coordinator.get("/admin/access-log").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        coordinator.get("/admin/access-log.csv").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_patients_page_lists_who_has_opened_their_data_within_the_centre_only() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut nurse = app.client();
    nurse
        .sign_in("nurse@example.test", crate::helpers::PASSWORD)
        .await;
    let mut other = app
        .signed_in("k@example.test", Role::Coordinator, Some(s.kol))
        .await;
    nurse.get(&format!("/patients/{}", s.anna)).await;
    other.get(&format!("/patients/{}", s.anna)).await;
    let page = nurse.get(&format!("/patients/{}/access", s.anna)).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = page.texts("table.openings tbody tr");
    assert_eq!(
        rows.len(),
        3,
        "the page's own opening, the nurse's and the refused one: {rows:?}"
    );
    assert!(rows[1].contains("Afvist"), "{rows:?}");
    assert!(rows[2].contains("Test nurse"));
    // Another centre's coordinator cannot read it, and the attempt is logged.
    assert_eq!(
        other.get(&format!("/patients/{}/access", s.anna)).await.status,
        StatusCode::FORBIDDEN
    );
    let refused: i64 = sqlx::query_scalar(
        "select count(*) from access_log where action = 'patient.access_view' and not allowed",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(refused, 1);
    let openings = coachline::audit::openings(&app.db, s.anna, 10).await.unwrap();
    assert_eq!(openings.len(), 4);
}

/// Years of openings: the page counts at most 10,000 matching entries, says "more than", and
/// still pages on; a filter that matches fewer counts them exactly.
#[tokio::test]
async fn a_long_log_is_counted_up_to_ten_thousand_and_still_pages_on() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    sqlx::query(
        "insert into access_log (user_id, action, patient_id, allowed, at)
         select $1, 'patient.view', $2, true, now() - make_interval(mins => i)
           from generate_series(1, 10050) i",
    )
    .bind(s.nurse)
    .bind(s.anna)
    .execute(&app.db)
    .await
    .unwrap();
    let all = admin.get("/admin/access-log").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.texts(".heading-row p.muted"), vec!["Mere end 10000 opslag"]);
    assert_eq!(all.texts("table.access-log tbody tr").len(), 100);
    assert_eq!(all.texts("nav.pager span"), vec!["1"]);
    assert_eq!(all.texts("nav.pager a").len(), 1, "next");
    let later = admin.get("/admin/access-log?page=50").await;
    assert_eq!(later.texts("table.access-log tbody tr").len(), 100);
    assert_eq!(later.texts("nav.pager a").len(), 2, "previous and next");
    // The admin's own filter: counted exactly.
    let mine = admin.get("/admin/access-log?action=research.export").await;
    assert_eq!(mine.texts(".heading-row p.muted"), vec!["0 opslag"]);
}
