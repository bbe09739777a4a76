//! Questionnaires: answering WHO-5 on the phone, the scores and trend, what is due, the timeline
//! events, centre boundaries, and adding an instrument without code.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::{Client, TestApp, PASSWORD};
use crate::research::seed;

async fn who5_items(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar(
        "select it.id from instrument_items it join instruments i on i.id = it.instrument_id
          where i.code = 'who5' order by it.position",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn nurse(app: &TestApp) -> Client<'_> {
    let mut nurse = app.client();
    nurse.sign_in("nurse@example.test", PASSWORD).await;
    nurse
}

#[tokio::test]
async fn the_nurse_records_who5_and_the_published_score_is_stored_with_date_and_course() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut nurse = nurse(&app).await;
    let page = nurse
        .get(&format!("/patients/{}/questionnaires?timepoint=month3", s.anna))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts("fieldset.item legend")[0],
        "1. Har jeg været glad og i godt humør"
    );
    assert_eq!(page.texts("fieldset.item").len(), 5);
    let items = who5_items(&app).await;
    let names: Vec<String> = items.iter().map(|i| format!("item_{i}")).collect();
    let values = ["3", "2", "4", "1", "3"];
    let mut fields = vec![
        ("instrument", "who5"),
        ("timepoint", "month3"),
        ("answered_on", "2026-05-02"),
    ];
    fields.extend(names.iter().map(String::as_str).zip(values));
    let saved = nurse
        .post(&format!("/patients/{}/questionnaires", s.anna), &fields)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored: (i64, String, String, f64, f64) = sqlx::query_as(
        "select course_id, timepoint, answered_on::text, raw_score::float8, score::float8
           from questionnaire_responses where patient_id = $1 and timepoint = 'month3'",
    )
    .bind(s.anna)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, (102, "month3".into(), "2026-05-02".into(), 13.0, 52.0));
    let answers: i64 = sqlx::query_scalar("select count(*) from questionnaire_answers")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(answers, 5);
    // The page shows both answers and the course's trend as an SVG with one point each.
    let after = nurse.get(saved.location()).await;
    assert_eq!(after.texts(".notice").len(), 1);
    assert_eq!(after.texts("table.responses tbody tr").len(), 2);
    assert_eq!(after.texts("svg.trend-plot circle.trend-point").len(), 2);
    assert!(!after.body.contains("style="));
    // And the timeline gets an event.
    let events = coachline::questionnaires::timeline_events(&app.db, s.anna)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].summary(coachline::web::Lang::En),
        "WHO-5 Well-Being Index (At 3 months): 52 (raw 13)"
    );
}

#[tokio::test]
async fn an_unanswered_item_is_marked_and_what_was_chosen_is_kept() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut nurse = nurse(&app).await;
    let items = who5_items(&app).await;
    let first = format!("item_{}", items[0]);
    let response = nurse
        .post(
            &format!("/patients/{}/questionnaires", s.anna),
            &[
                ("instrument", "who5"),
                ("timepoint", "end"),
                ("answered_on", "2099-01-01"),
                (&first, "4"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.texts("fieldset.item.missing").len(), 4);
    assert_eq!(
        response.texts("#answered_on-error"),
        vec!["Datoen ligger i fremtiden."]
    );
    assert!(response
        .body
        .contains(&format!("name=\"{first}\" value=\"4\" checked")));
    assert!(response.body.contains("<option value=\"end\" selected>"));
    let stored: i64 =
        sqlx::query_scalar("select count(*) from questionnaire_responses where timepoint = 'end'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_nurse_of_another_centre_can_neither_see_nor_record_questionnaires() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut other = app.client();
    other.sign_in("knurse@example.test", PASSWORD).await;
    let page = other.get(&format!("/patients/{}/questionnaires", s.anna)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("Annasdottir"));
    let items = who5_items(&app).await;
    let names: Vec<String> = items.iter().map(|i| format!("item_{i}")).collect();
    let mut fields = vec![
        ("instrument", "who5"),
        ("timepoint", "end"),
        ("answered_on", "2026-05-02"),
    ];
    fields.extend(names.iter().map(String::as_str).zip(["1"; 5]));
    let post = other
        .post(&format!("/patients/{}/questionnaires", s.anna), &fields)
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let stored: i64 = sqlx::query_scalar("select count(*) from questionnaire_responses")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1, "only the seeded one");
    // Admins may look but not record: answers are entered by the nurse on the phone.
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    admin.state_reason(s.anna).await;
    assert_eq!(
        admin
            .get(&format!("/patients/{}/questionnaires", s.anna))
            .await
            .status,
        StatusCode::OK
    );
    let post = admin
        .post(&format!("/patients/{}/questionnaires", s.anna), &fields)
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn due_questionnaires_follow_the_course_start_three_months_and_end() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let due = |app: &TestApp| {
        let db = app.db.clone();
        let nurse = s.nurse;
        let today = app.clock.today(chrono_tz::Europe::Copenhagen);
        async move {
            coachline::questionnaires::due_for_nurse(&db, nurse, today)
                .await
                .unwrap()
                .into_iter()
                .map(|d| (d.patient_id, d.timepoint.as_str().to_owned()))
                .collect::<Vec<_>>()
        }
    };
    // Course 102 started months ago: three months have passed (the end may have too).
    sqlx::query(
        "update courses set start_date = current_date - 100, planned_end = current_date + 100 where id = 102",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(due(&app).await, vec![(s.anna, "month3".to_owned())]);
    // Started today: the start questionnaire is due until WHO-5 and self-rated health are in.
    sqlx::query(
        "update courses set start_date = current_date, planned_end = current_date + 200 where id = 102",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(
        due(&app).await,
        vec![(s.anna, "start".to_owned())],
        "WHO-5 is in, self-rated health not"
    );
    sqlx::query(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score)
         select $1, 102, id, 'start', current_date, 2, 2 from instruments where code = 'self_rated_health'",
    )
    .bind(s.anna)
    .execute(&app.db)
    .await
    .unwrap();
    assert!(due(&app).await.is_empty());
    // Planning the ending makes the end questionnaire due at once.
    sqlx::query("update courses set ending_planned = true where id = 102")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(due(&app).await, vec![(s.anna, "end".to_owned())]);
    // A person in the control arm never appears.
    sqlx::query("update patients set arm = 'control' where id = $1")
        .bind(s.anna)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(due(&app).await.is_empty());
}

#[tokio::test]
async fn an_admin_adds_a_validated_instrument_without_code_and_nurses_can_use_it() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let list = admin.get("/admin/questionnaires").await;
    assert_eq!(
        list.texts("table.instruments tbody tr").len(),
        3,
        "WHO-5, self-rated health, patient experience"
    );
    let bad = admin
        .post(
            "/admin/questionnaires",
            &[
                ("code", "EQ 5D"),
                ("name_da", "EQ-VAS"),
                ("scoring", "sum"),
                ("factor", "x"),
                ("scale", "0 | Nej"),
                ("items", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.texts(".field-error").len(),
        5,
        "code, English name, factor, scale, items"
    );
    assert!(bad.body.contains("value=\"EQ-VAS\""));
    let created = admin
        .post(
            "/admin/questionnaires",
            &[
                ("code", "loneliness3"),
                ("name_da", "Ensomhed (3 spørgsmål)"),
                ("name_en", "Loneliness (3 items)"),
                ("scoring", "sum"),
                ("factor", "1"),
                ("scale", "1 | Næsten aldrig | Hardly ever\n2 | Nogle gange | Some of the time\n3 | Ofte | Often"),
                ("items", "Savner du selskab? | Do you lack companionship?\nFøler du dig udenfor? | Do you feel left out?\nFøler du dig isoleret? | Do you feel isolated?"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mut nurse = nurse(&app).await;
    let page = nurse
        .get(&format!(
            "/patients/{}/questionnaires?instrument=loneliness3",
            s.anna
        ))
        .await;
    assert_eq!(page.texts("fieldset.item").len(), 3);
    let items: Vec<i64> = sqlx::query_scalar(
        "select it.id from instrument_items it join instruments i on i.id = it.instrument_id
          where i.code = 'loneliness3' order by it.position",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let names: Vec<String> = items.iter().map(|i| format!("item_{i}")).collect();
    let mut fields = vec![
        ("instrument", "loneliness3"),
        ("timepoint", "start"),
        ("answered_on", "2026-02-01"),
    ];
    fields.extend(names.iter().map(String::as_str).zip(["1", "2", "3"]));
    let saved = nurse
        .post(&format!("/patients/{}/questionnaires", s.anna), &fields)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let score: f64 = sqlx::query_scalar(
        "select score::float8 from questionnaire_responses r join instruments i on i.id = r.instrument_id where i.code = 'loneliness3'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(score, 6.0);
}

#[tokio::test]
async fn answers_cannot_be_changed_or_deleted() {
    let app = TestApp::new().await;
    seed(&app).await;
    for sql in [
        "update questionnaire_responses set score = 100",
        "delete from questionnaire_responses",
    ] {
        let error = sqlx::query(sql).execute(&app.db).await.expect_err(sql);
        assert!(error.to_string().contains("append-only"), "{error}");
    }
}
