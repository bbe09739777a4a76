//! Courses: starting one, ending it, continuing past nine months, goals, referrals and the plan.

use axum::http::StatusCode;
use chrono::{Duration, Months};

use crate::course_fixtures::{booked, local, patient, today, world};
use crate::helpers::{form_key, TestApp};

#[tokio::test]
async fn starting_a_course_makes_the_patient_active_with_her_nurse_and_a_six_month_plan() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = patient(&app, w.ouh, "0303481234", "Åse", "Startsen").await;
    let start = today();
    let mut conn = app.db.acquire().await.unwrap();
    let course = coachline::courses::start_course(&mut conn, id, w.nurse_id, start, w.nurse_id)
        .await
        .unwrap();
    let (status, nurse): (String, Option<i64>) =
        sqlx::query_as("select status, nurse_id from patients where id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), nurse), ("active", Some(w.nurse_id)));
    let planned: chrono::NaiveDate = sqlx::query_scalar("select planned_end from courses where id = $1")
        .bind(course)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(planned, start + Months::new(6));
    let by: Option<i64> = sqlx::query_scalar(
        "select changed_by from status_changes where patient_id = $1 and to_status = 'active'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(by, Some(w.nurse_id), "the history says who");
    // An invited patient cannot skip the initial meeting.
    let invited: i64 = sqlx::query_scalar(
        "insert into patients (centre_id, cpr, first_name, birth_date, sex) values ($1, '0404481234', 'I', '1948-04-04', 'male') returning id",
    )
    .bind(w.ouh)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        coachline::courses::start_course(&mut conn, invited, w.nurse_id, start, w.nurse_id)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn ending_a_course_needs_a_reason_and_cancels_future_calls() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    booked(&app, id, w.nurse_id, local(today() + Duration::days(4), "10:00")).await;
    let path = format!("/patients/{id}/end");
    let other = w
        .nurse
        .post(&path, &[("end_date", &today().to_string()), ("reason", "other")])
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(other.texts("#reason_text-error").len(), 1, "other needs a text");
    let ended = w
        .nurse
        .post(
            &path,
            &[
                ("end_date", &today().to_string()),
                ("reason", "other"),
                ("reason_text", "Flyttet på plejehjem"),
            ],
        )
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    let (status, scheduled, reason): (String, i64, Option<String>) = sqlx::query_as(
        "select p.status, (select count(*) from appointments a where a.patient_id = p.id and a.status = 'scheduled'),
                (select end_reason_text from courses c where c.patient_id = p.id)
           from patients p where p.id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((status.as_str(), scheduled), ("ended", 0));
    assert_eq!(reason.as_deref(), Some("Flyttet på plejehjem"));
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert!(
        record.texts("#log-call").is_empty(),
        "no calls on an ended course"
    );
}

#[tokio::test]
async fn a_course_past_nine_months_cannot_continue_without_a_stated_reason() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    crate::course_fixtures::invited_before(&app, id, today() - Duration::days(290)).await;
    sqlx::query(
        "update courses set start_date = $2, planned_end = $2 + interval '6 months' where patient_id = $1",
    )
    .bind(id)
    .bind(today() - Duration::days(290))
    .execute(&app.db)
    .await
    .unwrap();
    let date = (today() + Duration::days(7)).to_string();
    let refused = w
        .nurse
        .post(
            &format!("/patients/{id}/appointments/new"),
            &[("date", &date), ("time", "10:00")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(refused.texts("#date-error").len(), 1);
    let call = w
        .nurse
        .post(
            &format!("/patients/{id}/calls/new"),
            &[
                ("form_key", &form_key()),
                ("outcome", "reached"),
                ("note", "x"),
                ("next", "booked"),
                ("date", &date),
                ("time", "10:00"),
            ],
        )
        .await;
    assert_eq!(
        call.status,
        StatusCode::OK,
        "no next call past nine months without a reason"
    );
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(record.texts("#extension").len(), 1);
    // The database refuses it as well.
    let direct = sqlx::query(
        "insert into appointments (patient_id, course_id, nurse_id, kind, starts_at, ends_at)
         select $1, c.id, c.nurse_id, 'call', now() + interval '1 day', now() + interval '1 day 30 minutes'
           from courses c where c.patient_id = $1",
    )
    .bind(id)
    .execute(&app.db)
    .await;
    assert!(direct.is_err());
    w.nurse
        .post(
            &format!("/patients/{id}/extension"),
            &[(
                "extension_reason",
                "Afventer operation; patienten ønsker at fortsætte",
            )],
        )
        .await;
    let ok = w
        .nurse
        .post(
            &format!("/patients/{id}/appointments/new"),
            &[("date", &date), ("time", "10:00")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_call_booked_beyond_the_nine_month_mark_needs_a_stated_reason() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    // 13 weeks in: nine months are reached in about six months.
    let late = (today() + Months::new(7)).to_string();
    let refused = w
        .nurse
        .post(
            &format!("/patients/{id}/appointments/new"),
            &[("date", &late), ("time", "10:00")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(refused.texts("#date-error").len(), 1);
    let soon = (today() + Duration::days(7)).to_string();
    let ok = w
        .nurse
        .post(
            &format!("/patients/{id}/appointments/new"),
            &[("date", &soon), ("time", "10:00")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn goals_get_progress_and_are_closed_and_referrals_get_results() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    w.nurse
        .post(
            &format!("/patients/{id}/goals"),
            &[("text", "Kunne passe barnebarnet")],
        )
        .await;
    let goal: i64 = sqlx::query_scalar("select id from goals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let bad = w
        .nurse
        .post(&format!("/goals/{goal}/progress"), &[("rating", "11")])
        .await;
    assert!(bad.location().contains("problem=rating"));
    w.nurse
        .post(
            &format!("/goals/{goal}/progress"),
            &[("rating", "6"), ("comment", "Gik fint onsdag")],
        )
        .await;
    w.nurse
        .post(&format!("/goals/{goal}/close"), &[("status", "achieved")])
        .await;
    w.nurse
        .post(
            &format!("/patients/{id}/referrals"),
            &[
                ("kind", "association"),
                ("on_date", &today().to_string()),
                ("purpose", "KOL-træning"),
            ],
        )
        .await;
    let referral: i64 = sqlx::query_scalar("select id from referrals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    w.nurse
        .post(
            &format!("/referrals/{referral}/result"),
            &[("result", "Starter på holdet i januar")],
        )
        .await;
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    let heads = record.texts("ol.timeline .entry-head strong");
    assert!(heads.contains(&"Mål nået".to_owned()), "{heads:?}");
    assert!(heads.contains(&"Fremskridt · 6/10".to_owned()));
    assert!(heads.iter().any(|h| h.starts_with("Kontakt · Patientforening")));
    assert!(record.body.contains("Starter på holdet i januar"));
    assert!(record.texts("#goals .rating").contains(&"6/10".to_owned()));
}

#[tokio::test]
async fn the_plan_prints_as_a_danish_letter_and_each_printed_version_is_kept() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    w.nurse
        .post(&format!("/patients/{id}/goals"), &[("text", "Gå til bageren")])
        .await;
    booked(&app, id, w.nurse_id, local(today() + Duration::days(7), "09:30")).await;
    w.nurse.accept_language = Some("en");
    let plan = w.nurse.get(&format!("/patients/{id}/plan")).await;
    assert_eq!(plan.status, StatusCode::OK);
    assert_eq!(
        plan.texts("article.letter h2"),
        vec!["Din plan"],
        "the letter is Danish"
    );
    assert!(plan.body.contains("Gå til bageren") && plan.body.contains("kl. 09:30"));
    let printed = w.nurse.post(&format!("/patients/{id}/plan"), &[]).await;
    assert_eq!(printed.status, StatusCode::SEE_OTHER);
    let kept = w.nurse.get(printed.location()).await;
    assert!(kept.body.contains("Gå til bageren"));
    // Later changes do not alter the kept version.
    sqlx::query("update goals set text = 'Noget andet'")
        .execute(&app.db)
        .await
        .unwrap();
    assert!(w
        .nurse
        .get(printed.location())
        .await
        .body
        .contains("Gå til bageren"));
    assert!(sqlx::query("update plan_prints set content = 'x'")
        .execute(&app.db)
        .await
        .is_err());
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(record.texts("li.plan").len(), 1);
}
