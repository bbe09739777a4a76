//! The effect study's follow-up for both arms: the research assistant asks the control arm
//! (and intervention people outside a course) at the study's points, records "not reached" or
//! "declined" as results, one result per point (a correction keeps the original); nurses are
//! refused the follow-up and never see the control arm; a course timepoint has one answer.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::centre::fixtures::{course, date, nurse, patient};
use crate::helpers::{Client, TestApp, PASSWORD};

/// Puts a person in an arm (as a randomised list does).
pub async fn arm(app: &TestApp, patient: i64, arm: &str) {
    sqlx::query("update patients set arm = $2 where id = $1")
        .bind(patient)
        .bind(arm)
        .execute(&app.db)
        .await
        .unwrap();
}

/// The item ids of an instrument, in order.
pub async fn items(app: &TestApp, instrument: &str) -> Vec<i64> {
    sqlx::query_scalar(
        "select it.id from instrument_items it join instruments i on i.id = it.instrument_id
          where i.code = $1 order by it.position",
    )
    .bind(instrument)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// A follow-up form: point, result, today, by phone, and `values` for WHO-5's items.
async fn form(app: &TestApp, timepoint: &str, result: &str, values: &[&str]) -> Vec<(String, String)> {
    let mut fields = vec![
        ("timepoint".to_owned(), timepoint.to_owned()),
        ("result".to_owned(), result.to_owned()),
        ("on_date".to_owned(), date(0).to_string()),
        ("mode".to_owned(), "phone".to_owned()),
    ];
    for (item, value) in items(app, "who5").await.iter().zip(values) {
        fields.push((format!("item_{item}"), (*value).to_owned()));
    }
    fields
}

async fn post(
    client: &mut Client<'_>,
    path: &str,
    fields: &[(String, String)],
) -> crate::helpers::TestResponse {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    client.post(path, &pairs).await
}

struct World {
    ouh: i64,
    anna: i64,
    kaj: i64,
}

/// OUH with nurse Anna and a research assistant; Kaj Kontrol randomised to control today.
async fn world(app: &TestApp) -> World {
    let ouh = app.centre("OUH").await;
    let anna = nurse(app, "anna@example.test", "Anna Andersen", ouh, 50).await;
    app.user("ra@example.test", Role::ResearchAssistant, Some(ouh))
        .await;
    let kaj = patient(app, ouh, "Kaj Kontrol", "invited", None).await;
    arm(app, kaj, "control").await;
    World { ouh, anna, kaj }
}

async fn assistant(app: &TestApp) -> Client<'_> {
    let mut client = app.client();
    let signed = client.sign_in("ra@example.test", PASSWORD).await;
    assert_eq!(signed.location(), "/follow-up", "{}", signed.body);
    client
}

async fn count(app: &TestApp, sql: &str, patient: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(patient)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_research_assistant_records_a_control_persons_who5_and_a_nurse_is_refused() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut ra = assistant(&app).await;
    let list = ra.get("/follow-up").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Kaj Kontrol"), "{}", list.body);
    assert!(!ra
        .get("/follow-up?arm=intervention")
        .await
        .body
        .contains("Kaj Kontrol"));
    assert!(ra
        .get("/follow-up?arm=control")
        .await
        .body
        .contains("Kaj Kontrol"));

    let page = ra.get(&format!("/follow-up/{}", w.kaj)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.attr("tr[data-timepoint=baseline] td.state", "data-state"),
        "due"
    );
    let saved = post(
        &mut ra,
        &format!("/follow-up/{}", w.kaj),
        &form(&app, "baseline", "answered", &["3", "2", "4", "1", "3"]).await,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored: (Option<i64>, String, f64, f64, String) = sqlx::query_as(
        "select r.course_id, r.timepoint, r.raw_score::float8, r.score::float8, f.timepoint
           from questionnaire_responses r join follow_ups f on f.id = r.follow_up_id
          where r.patient_id = $1",
    )
    .bind(w.kaj)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, (None, "follow_up".into(), 13.0, 52.0, "baseline".into()));
    assert_eq!(
        count(&app, "select count(*) from questionnaire_answers a join questionnaire_responses r on r.id = a.response_id where r.patient_id = $1", w.kaj).await,
        5,
        "item-level answers are kept"
    );
    let page = ra.get(&format!("/follow-up/{}", w.kaj)).await;
    assert_eq!(
        page.attr("tr[data-timepoint=baseline] td.state", "data-state"),
        "answered"
    );
    assert!(
        !ra.get("/follow-up").await.body.contains("Kaj Kontrol"),
        "no longer due"
    );
    let logged: Vec<(String, bool)> =
        sqlx::query_as("select action, allowed from access_log where patient_id = $1 order by id")
            .bind(w.kaj)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(logged.contains(&("follow_up.view".into(), true)), "{logged:?}");
    assert!(logged.contains(&("follow_up.record".into(), true)), "{logged:?}");

    // The nurse of the same centre may neither record nor see the follow-up, and the control
    // person is on none of her lists.
    let mut nina = app.client();
    nina.sign_in("anna@example.test", PASSWORD).await;
    let refused = post(
        &mut nina,
        &format!("/follow-up/{}", w.kaj),
        &form(&app, "month3", "answered", &["5", "5", "5", "5", "5"]).await,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(nina.get("/follow-up").await.status, StatusCode::FORBIDDEN);
    let mut fields = form(&app, "start", "answered", &["5", "5", "5", "5", "5"]).await;
    fields.push(("instrument".into(), "who5".into()));
    fields.push(("answered_on".into(), date(0).to_string()));
    let refused = post(&mut nina, &format!("/patients/{}/questionnaires", w.kaj), &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for path in ["/today", "/my-patients", "/week"] {
        assert!(!nina.get(path).await.body.contains("Kontrol"), "{path}");
    }
    assert_eq!(
        count(
            &app,
            "select count(*) from questionnaire_responses where patient_id = $1",
            w.kaj
        )
        .await,
        1
    );
    let _ = (w.ouh, w.anna);
}

#[tokio::test]
async fn a_point_has_one_result_and_a_correction_keeps_the_original() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut ra = assistant(&app).await;
    let path = format!("/follow-up/{}", w.kaj);
    let first = post(&mut ra, &path, &form(&app, "baseline", "not_reached", &[]).await).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    // A second result for the same point is refused, next to the field that explains how to
    // correct it, and what was typed is kept.
    let again = form(&app, "baseline", "answered", &["1", "1", "1", "1", "1"]).await;
    let refused = post(&mut ra, &path, &again).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.texts("#correction-field .field-error").len(),
        1,
        "{}",
        refused.body
    );
    assert_eq!(refused.attr("input[name=result][value=answered]", "checked"), "");
    assert_eq!(
        count(
            &app,
            "select count(*) from follow_ups where patient_id = $1",
            w.kaj
        )
        .await,
        1
    );
    // The database refuses a second original too, whoever writes it.
    let direct = sqlx::query(
        "insert into follow_ups (patient_id, timepoint, result, on_date) values ($1, 'baseline', 'declined', current_date)",
    )
    .bind(w.kaj)
    .execute(&app.app_db)
    .await;
    assert!(direct.is_err());
    // With a reason it is a correction: a new row amending the first, which stays.
    let mut corrected = again.clone();
    corrected.push(("correction".into(), "Reached the next day after all".into()));
    let saved = post(&mut ra, &path, &corrected).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let rows: Vec<(String, Option<i64>, Option<String>)> =
        sqlx::query_as("select result, amends, reason from follow_ups where patient_id = $1 order by id")
            .bind(w.kaj)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "not_reached");
    assert_eq!(rows[1].0, "answered");
    assert!(rows[1].1.is_some());
    let page = ra.get(&path).await;
    assert_eq!(
        page.attr("tr[data-timepoint=baseline] td.state", "data-state"),
        "answered",
        "the latest correction counts"
    );
    // The application can neither change nor delete a result.
    for sql in [
        "update follow_ups set result = 'declined'",
        "delete from follow_ups",
    ] {
        assert!(sqlx::query(sql).execute(&app.app_db).await.is_err(), "{sql}");
    }
}

#[tokio::test]
async fn declined_needs_no_answers_and_answered_needs_a_whole_questionnaire() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut ra = assistant(&app).await;
    let path = format!("/follow-up/{}", w.kaj);
    let half = post(
        &mut ra,
        &path,
        &form(&app, "baseline", "answered", &["3", "2"]).await,
    )
    .await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(half.texts("fieldset.item.missing").len(), 3);
    let none = post(&mut ra, &path, &form(&app, "baseline", "answered", &[]).await).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_open = post(&mut ra, &path, &form(&app, "month12", "declined", &[]).await).await;
    assert_eq!(
        not_open.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "month 12 is not due yet"
    );
    let declined = post(&mut ra, &path, &form(&app, "baseline", "declined", &[]).await).await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER, "{}", declined.body);
    let page = ra.get(&path).await;
    assert_eq!(
        page.attr("tr[data-timepoint=baseline] td.state", "data-state"),
        "declined"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from questionnaire_responses where patient_id = $1",
            w.kaj
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_assistant_sees_only_randomised_people_of_her_centre_whom_no_nurse_follows() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let kol = app.centre("KOL").await;
    let elsewhere = patient(&app, kol, "Karl Koldingsen", "invited", None).await;
    arm(&app, elsewhere, "control").await;
    let unrandomised = patient(&app, w.ouh, "Ulla Ulodtrukket", "invited", None).await;
    let coached = patient(&app, w.ouh, "Ida Indsats", "active", Some(w.anna)).await;
    course(&app, coached, w.anna, date(0)).await;
    arm(&app, coached, "intervention").await;
    let outside = patient(&app, w.ouh, "Ivan Indsats", "declined", None).await;
    arm(&app, outside, "intervention").await;
    let mut ra = assistant(&app).await;
    for refused in [elsewhere, unrandomised, coached] {
        let response = ra.get(&format!("/follow-up/{refused}")).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(
            count(
                &app,
                "select count(*) from access_log where patient_id = $1 and not allowed",
                refused
            )
            .await,
            1
        );
    }
    // An intervention person who declined the course is still followed up (intention to treat).
    let list = ra.get("/follow-up").await.body;
    assert!(
        list.contains("Ivan Indsats") && list.contains("Kaj Kontrol"),
        "{list}"
    );
    assert!(!list.contains("Ida Indsats") && !list.contains("Karl") && !list.contains("Ulla"));
    assert_eq!(
        ra.get(&format!("/follow-up/{outside}")).await.status,
        StatusCode::OK
    );
    // The assistant opens no record and no list of patients.
    for path in [
        format!("/patients/{}", w.kaj),
        format!("/patients/{}/questionnaires", w.kaj),
        "/patients".to_owned(),
        "/today".to_owned(),
        "/research".to_owned(),
    ] {
        assert_eq!(ra.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn a_course_timepoint_has_one_answer_and_a_correction_keeps_the_original() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let ida = patient(&app, w.ouh, "Ida Indsats", "active", Some(w.anna)).await;
    course(&app, ida, w.anna, date(0)).await;
    arm(&app, ida, "intervention").await;
    let mut nina = app.client();
    nina.sign_in("anna@example.test", PASSWORD).await;
    let path = format!("/patients/{ida}/questionnaires");
    let mut fields = form(&app, "start", "", &["3", "2", "4", "1", "3"]).await;
    fields.retain(|(k, _)| k != "result" && k != "mode" && k != "on_date");
    fields.push(("instrument".into(), "who5".into()));
    fields.push(("answered_on".into(), date(0).to_string()));
    let first = post(&mut nina, &path, &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let second = post(&mut nina, &path, &fields).await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(second.texts("#correction-field .field-error").len(), 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from questionnaire_responses where patient_id = $1",
            ida
        )
        .await,
        1
    );
    fields.push(("correction".into(), "Item 4 was misheard".into()));
    let corrected = post(&mut nina, &path, &fields).await;
    assert_eq!(corrected.status, StatusCode::SEE_OTHER, "{}", corrected.body);
    let rows: Vec<(Option<i64>, Option<String>)> = sqlx::query_as(
        "select amends, amend_reason from questionnaire_responses where patient_id = $1 order by id",
    )
    .bind(ida)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], (None, None));
    assert_eq!(rows[1].1.as_deref(), Some("Item 4 was misheard"));
    // The page lists both, the first marked as corrected.
    let page = nina.get(&path).await;
    assert_eq!(page.texts("table.responses tbody tr").len(), 2);
}

#[tokio::test]
async fn an_admin_creates_a_research_assistant_who_must_belong_to_a_centre() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await.to_string();
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    let fields = |centre: &'static str| {
        vec![
            ("email", "ra@example.test"),
            ("name", "Rikke Assistent"),
            ("role", "research_assistant"),
            ("centre_id", centre),
            ("password", "a long enough password"),
        ]
    };
    let refused = admin.post("/admin/users", &fields("")).await;
    assert_eq!(refused.texts(".field-error").len(), 1, "{}", refused.body);
    let ouh: &'static str = Box::leak(ouh.into_boxed_str());
    let created = admin.post("/admin/users", &fields(ouh)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mut ra = app.client();
    ra.sign_in("ra@example.test", "a long enough password").await;
    let home = ra.get("/follow-up").await;
    assert_eq!(home.texts("header nav a"), vec!["Opfølgning"]);
}
