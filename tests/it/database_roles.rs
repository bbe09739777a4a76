//! The server's database role cannot change history: everything here runs as `coachline_app`,
//! the role the router uses, and every statement that would rewrite the record is refused by
//! PostgreSQL's privileges (not only by the append-only triggers, which an owner could disable).

use std::process::Command;

use crate::helpers::{TestApp, PASSWORD};
use coachline::web::Role;

/// A centre, a nurse, a randomised patient with a call, an amendment, a plan print, a
/// questionnaire and an access-log entry, written as the owner. Its dates are today in the
/// centre's zone, the day the patient was invited on whatever the hour (the database's own
/// `current_date` is the server's day, a day behind Copenhagen's just after its midnight).
async fn record(app: &TestApp) -> i64 {
    let centre = app.centre("OUH").await;
    let nurse = app.user("n@example.test", Role::Nurse, Some(centre)).await;
    let patient: i64 = sqlx::query_scalar(
        "insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex, arm, nurse_id)
         values ($1, '0101501234', 'Inge', 'Testesen', '1950-01-01', 'female', 'intervention', $2)
         returning id",
    )
    .bind(centre)
    .bind(nurse)
    .fetch_one(&app.db)
    .await
    .unwrap();
    for statement in [
        "insert into courses (patient_id, nurse_id, start_date, planned_end)
         values ($1, $2, (now() at time zone 'Europe/Copenhagen')::date, (now() at time zone 'Europe/Copenhagen')::date + 180)",
        "insert into calls (patient_id, nurse_id, outcome, note) values ($1, $2, 'reached', 'Har det godt')",
        "insert into call_amendments (call_id, text, author_id) select id, 'Tilføjet', $2 from calls where patient_id = $1",
        "insert into plan_prints (patient_id, content, printed_by) values ($1, 'Plan', $2)",
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on,
                                              raw_score, score, recorded_by)
         select $1, k.id, i.id, 'start', (now() at time zone 'Europe/Copenhagen')::date, 3, 3, $2
           from courses k, instruments i where i.code = 'self_rated_health'",
        "insert into questionnaire_answers (response_id, item_id, value)
         select r.id, it.id, 3 from questionnaire_responses r, instrument_items it
          where it.instrument_id = r.instrument_id and r.patient_id = $1 and r.recorded_by = $2",
        "insert into access_log (user_id, action, patient_id) values ($2, 'patient.view', $1)",
        "insert into consent_events (course_id, kind, given, consent_on, recorded_by)
         select id, 'research', true, (now() at time zone 'Europe/Copenhagen')::date, $2 from courses where patient_id = $1",
    ] {
        sqlx::query(statement)
            .bind(patient)
            .bind(nurse)
            .execute(&app.db)
            .await
            .unwrap();
    }
    patient
}

/// Runs `sql` as the application role and returns PostgreSQL's refusal.
async fn refusal(app: &TestApp, sql: &str) -> String {
    match sqlx::query(sql).execute(&app.app_db).await {
        Ok(done) => panic!("`{sql}` was allowed ({} rows)", done.rows_affected()),
        Err(error) => error.to_string(),
    }
}

fn is_privilege_refusal(message: &str) -> bool {
    message.contains("permission denied") || message.contains("must be owner")
}

#[tokio::test]
async fn the_application_role_cannot_rewrite_or_delete_a_note() {
    let app = TestApp::new().await;
    record(&app).await;
    for sql in [
        "update calls set note = 'Omskrevet'",
        "delete from calls",
        "update call_amendments set text = 'Omskrevet'",
        "delete from call_amendments",
    ] {
        let message = refusal(&app, sql).await;
        assert!(is_privilege_refusal(&message), "{sql}: {message}");
    }
    let note: String = sqlx::query_scalar("select note from calls")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(note, "Har det godt");
}

#[tokio::test]
async fn the_application_role_cannot_disable_a_trigger_or_alter_a_table() {
    let app = TestApp::new().await;
    record(&app).await;
    for sql in [
        "alter table calls disable trigger calls_append_only",
        "alter table access_log disable trigger all",
        "alter table plan_prints disable trigger plan_prints_append_only",
        "drop trigger calls_append_only on calls",
        "drop table calls cascade",
        "alter table patients drop column arm",
        "create table copy_of_notes as select * from calls",
        "set session_replication_role = replica",
        "select app_role_grants()",
        "insert into app_role_rules values ('calls', 'deletable')",
    ] {
        let message = refusal(&app, sql).await;
        assert!(is_privilege_refusal(&message), "{sql}: {message}");
    }
}

#[tokio::test]
async fn the_application_role_cannot_truncate_any_table() {
    let app = TestApp::new().await;
    record(&app).await;
    let tables: Vec<String> =
        sqlx::query_scalar("select tablename::text from pg_tables where schemaname = 'public' order by 1")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(tables.len() > 30, "{tables:?}");
    for table in tables {
        let message = refusal(&app, &format!("truncate {table} cascade")).await;
        assert!(is_privilege_refusal(&message), "{table}: {message}");
    }
}

#[tokio::test]
async fn the_application_role_can_only_append_to_the_access_log() {
    let app = TestApp::new().await;
    let patient = record(&app).await;
    for sql in [
        "delete from access_log",
        "update access_log set allowed = false",
        "update access_log set user_id = null",
    ] {
        let message = refusal(&app, sql).await;
        assert!(is_privilege_refusal(&message), "{sql}: {message}");
    }
    sqlx::query("insert into access_log (action, patient_id) values ('patient.view', $1)")
        .bind(patient)
        .execute(&app.app_db)
        .await
        .unwrap();
    let entries: i64 = sqlx::query_scalar("select count(*) from access_log")
        .fetch_one(&app.app_db)
        .await
        .unwrap();
    assert_eq!(entries, 2);
}

#[tokio::test]
async fn the_application_role_cannot_delete_a_randomised_person_or_any_history() {
    let app = TestApp::new().await;
    record(&app).await;
    for sql in [
        "delete from patients where arm is not null",
        "update patients set arm = null",
        "delete from status_changes",
        "update status_changes set to_status = 'declined'",
        "delete from courses",
        "delete from plan_prints",
        "update plan_prints set content = 'x'",
        "delete from questionnaire_answers",
        "update questionnaire_answers set value = 0",
        "update questionnaire_responses set score = 100",
        "delete from import_batches",
        "update consent_events set given = false",
        "delete from consent_events",
    ] {
        let message = match sqlx::query(sql).execute(&app.app_db).await {
            Ok(_) => panic!("`{sql}` was allowed"),
            Err(error) => error.to_string(),
        };
        // A randomised arm is also guarded by its trigger; all else is the role's rights.
        assert!(
            is_privilege_refusal(&message) || message.contains("cannot be changed"),
            "{sql}: {message}"
        );
    }
    let patients: i64 = sqlx::query_scalar("select count(*) from patients where arm is not null")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(patients, 1);
}

#[tokio::test]
async fn the_application_role_deletes_only_sessions_uploads_contacts_sign_in_attempts_and_second_factors() {
    let app = TestApp::new().await;
    record(&app).await;
    let tables: Vec<String> =
        sqlx::query_scalar("select tablename::text from pg_tables where schemaname = 'public' order by 1")
            .fetch_all(&app.db)
            .await
            .unwrap();
    // A reset second factor, its recovery codes and a half-finished sign-in go too.
    // So do the centre's calendar settings, a cover planned for an absence that has not begun,
    // and a patient's call times: settings and preferences, not records.
    let deletable = [
        "absence_covers",
        "call_times",
        "closed_days",
        "working_hours",
        "login_attempts",
        "patient_contacts",
        "pending_imports",
        "pending_sign_ins",
        "recovery_codes",
        "second_factors",
        "sessions",
    ];
    for table in tables {
        // The privilege is checked before any row is looked at.
        let result = sqlx::query(&format!("delete from {table} where false"))
            .execute(&app.app_db)
            .await;
        if deletable.contains(&table.as_str()) {
            assert!(result.is_ok(), "{table}: {result:?}");
        } else {
            let message = result.expect_err(&table).to_string();
            assert!(is_privilege_refusal(&message), "{table}: {message}");
        }
    }
}

#[tokio::test]
async fn the_application_works_through_the_application_role() {
    let app = TestApp::new().await;
    let patient = record(&app).await;
    let user: String = sqlx::query_scalar("select current_user::text")
        .fetch_one(&app.app_db)
        .await
        .unwrap();
    assert_eq!(user, "coachline_app");
    coachline::db::refuse_owner_role(&app.app_db, false)
        .await
        .unwrap();
    let mut nurse = app.client();
    nurse.sign_in("n@example.test", PASSWORD).await;
    let page = nurse.get(&format!("/patients/{patient}")).await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
}

#[tokio::test]
async fn the_server_refuses_to_serve_as_the_owner_of_the_tables_and_says_why() {
    let app = TestApp::new().await;
    assert!(matches!(
        coachline::db::refuse_owner_role(&app.db, false).await,
        Err(coachline::db::DbError::OwnerRole)
    ));
    coachline::db::refuse_owner_role(&app.db, true).await.unwrap();
    let url = app.database_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_coachline"))
            .arg("serve")
            .env("DATABASE_URL", &url)
            .env_remove("COACHLINE_MIGRATE_DATABASE_URL")
            .env_remove("COACHLINE_DEV_DATABASE")
            .env("COACHLINE_BIND", "127.0.0.1:0")
            .env("COACHLINE_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("will not serve as a PostgreSQL superuser or as the owner of its tables"),
        "{said}"
    );
    assert!(said.contains("COACHLINE_DEV_DATABASE=true"), "{said}");
}
