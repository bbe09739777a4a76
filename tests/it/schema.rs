//! Rules the database itself enforces, whatever the application does.

use crate::helpers::TestApp;
use coachline::web::Role;

async fn patient(app: &TestApp, centre: i64) -> i64 {
    sqlx::query_scalar(
        "insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex)
         values ($1, '0101501234', 'Inge', 'Testesen', '1950-01-01', 'female') returning id",
    )
    .bind(centre)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn illegal_status_transitions_are_refused_and_legal_ones_are_kept_in_the_history() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let id = patient(&app, centre).await;
    let set = |status: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query("update patients set status = $1 where id = $2")
                .bind(status)
                .bind(id)
                .execute(&db)
                .await
        }
    };
    assert!(set("ended").await.is_err(), "invited cannot end");
    assert!(
        set("active").await.is_err(),
        "invited cannot become active without a meeting"
    );
    set("meeting_booked").await.unwrap();
    set("active").await.unwrap();
    assert!(set("invited").await.is_err());
    set("ended").await.unwrap();
    assert!(set("active").await.is_err(), "ended is final");
    let history: Vec<(Option<String>, String)> =
        sqlx::query_as("select from_status, to_status from status_changes where patient_id = $1 order by id")
            .bind(id)
            .fetch_all(&app.db)
            .await
            .unwrap();
    let history: Vec<(Option<&str>, &str)> =
        history.iter().map(|(f, t)| (f.as_deref(), t.as_str())).collect();
    assert_eq!(
        history,
        vec![
            (None, "invited"),
            (Some("invited"), "meeting_booked"),
            (Some("meeting_booked"), "active"),
            (Some("active"), "ended")
        ]
    );
}

#[tokio::test]
async fn a_call_note_cannot_be_changed_or_deleted_even_with_direct_sql() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let nurse = app.user("n@example.test", Role::Nurse, Some(centre)).await;
    let id = patient(&app, centre).await;
    let call: i64 = sqlx::query_scalar(
        "insert into calls (patient_id, nurse_id, outcome, duration_minutes, note)
         values ($1, $2, 'reached', 20, 'Talked about walking') returning id",
    )
    .bind(id)
    .bind(nurse)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(sqlx::query("update calls set note = 'rewritten'")
        .execute(&app.db)
        .await
        .is_err());
    assert!(sqlx::query("delete from calls").execute(&app.db).await.is_err());
    assert!(sqlx::query("truncate calls cascade")
        .execute(&app.db)
        .await
        .is_err());
    sqlx::query(
        "insert into call_amendments (call_id, text, author_id) values ($1, 'Walks 20 minutes, not 10', $2)",
    )
    .bind(call)
    .bind(nurse)
    .execute(&app.db)
    .await
    .unwrap();
    assert!(sqlx::query("update call_amendments set text = 'x'")
        .execute(&app.db)
        .await
        .is_err());
    assert!(sqlx::query("delete from call_amendments")
        .execute(&app.db)
        .await
        .is_err());
    let note: String = sqlx::query_scalar("select note from calls")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(note, "Talked about walking");
}

#[tokio::test]
async fn a_nurse_cannot_have_two_calls_in_the_same_slot() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let nurse = app.user("n@example.test", Role::Nurse, Some(centre)).await;
    let id = patient(&app, centre).await;
    let book = |start: &'static str, end: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query(
                "insert into appointments (patient_id, nurse_id, kind, starts_at, ends_at)
                 values ($1, $2, 'call', $3::timestamptz, $4::timestamptz)",
            )
            .bind(id)
            .bind(nurse)
            .bind(start)
            .bind(end)
            .execute(&db)
            .await
        }
    };
    book("2026-11-24 09:30+01", "2026-11-24 10:00+01").await.unwrap();
    let clash = book("2026-11-24 09:45+01", "2026-11-24 10:15+01")
        .await
        .unwrap_err();
    assert!(
        clash.to_string().contains("appointments_no_double_booking"),
        "{clash}"
    );
    book("2026-11-24 10:00+01", "2026-11-24 10:30+01").await.unwrap();
    // A cancelled call frees its slot.
    sqlx::query("update appointments set status = 'cancelled' where starts_at = '2026-11-24 09:30+01'")
        .execute(&app.db)
        .await
        .unwrap();
    book("2026-11-24 09:30+01", "2026-11-24 10:00+01").await.unwrap();
}

#[tokio::test]
async fn the_applications_status_rule_is_the_databases_for_every_pair() {
    use coachline::domain::PatientStatus as Status;
    let app = TestApp::new().await;
    for &from in Status::ALL {
        for &to in Status::ALL {
            let db: bool = sqlx::query_scalar("select status_transition_allowed($1, $2)")
                .bind(from.as_str())
                .bind(to.as_str())
                .fetch_one(&app.db)
                .await
                .unwrap();
            assert_eq!(from.may_become(to), db, "{from:?} → {to:?}");
        }
    }
}
