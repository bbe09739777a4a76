//! The centre overview: funnel, calls per week, mean call length, reach rate, as SVG.

use axum::http::StatusCode;
use coachline::web::Role;

use super::fixtures::*;
use crate::helpers::TestApp;

#[tokio::test]
async fn the_overview_counts_the_funnel_and_the_calls_of_the_period() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    let karen = nurse(&app, "karen@example.test", "Karen Kolding", kol, 20).await;
    patient(&app, ouh, "Inviteret Ib", "invited", None).await;
    patient(&app, ouh, "Nej Nanna", "declined", None).await;
    let a = patient(&app, ouh, "Aktiv Aase", "active", Some(anna)).await;
    let b = patient(&app, ouh, "Aktiv Bo", "active", Some(anna)).await;
    call(&app, a, anna, days(-1), "reached", 20).await;
    call(&app, a, anna, days(-8), "reached", 10).await;
    call(
        &app,
        b,
        anna,
        days(-1) + chrono::Duration::hours(1),
        "no_answer",
        0,
    )
    .await;
    call(&app, b, anna, days(-400), "reached", 60).await;
    let done = patient(&app, ouh, "Færdig Frida", "ended", Some(anna)).await;
    // Invited within the period, a short course that ended in it.
    crate::course_fixtures::invited_before(&app, done, date(-50)).await;
    sqlx::query(
        "insert into courses (patient_id, nurse_id, start_date, planned_end, end_date, end_reason)
         values ($1, $2, current_date - 50, current_date + 133, current_date - 10, 'completed')",
    )
    .bind(done)
    .bind(anna)
    .execute(&app.db)
    .await
    .unwrap();
    let k = patient(&app, kol, "Kolding Kim", "active", Some(karen)).await;
    call(&app, k, karen, days(-1), "reached", 50).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let page = coord.get("/overview").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("#calls-total"), vec!["3"]);
    assert_eq!(page.texts("#mean-minutes"), vec!["15,0"]);
    assert_eq!(page.texts("#reach-rate"), vec!["67 %"]);
    let funnel = page.texts("svg.funnel rect title");
    assert!(funnel.contains(&"Inviteret: 5".to_owned()), "{funnel:?}");
    assert!(funnel.contains(&"Startet forløb: 3".to_owned()));
    assert!(
        funnel.contains(&"Afsluttet: gennemført: 1".to_owned()),
        "{funnel:?}"
    );
    assert!(funnel.contains(&"Takket nej: 1".to_owned()));
    assert!(!page.texts("svg.weeks rect").is_empty());
    assert!(!page.body.contains("style="), "no inline style (CSP)");
    // A chosen period.
    let from = date(-3).format("%Y-%m-%d").to_string();
    let page = coord.get(&format!("/overview?from={from}")).await;
    assert_eq!(page.texts("#calls-total"), vec!["2"]);
    assert_eq!(page.texts("#reach-rate"), vec!["50 %"]);
}
