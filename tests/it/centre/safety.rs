//! The safety nets: each finds exactly the patients it should, and the navigation counts them.

use axum::http::StatusCode;
use chrono::Duration;
use coachline::web::Role;

use super::fixtures::*;
use crate::helpers::TestApp;

fn names(page: &crate::helpers::TestResponse, net: &str) -> Vec<String> {
    let mut names = page.texts(&format!("section#{net} tbody td:first-child"));
    names.sort();
    names
}

#[tokio::test]
async fn each_safety_net_finds_exactly_the_patients_it_should() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 50).await;
    let karen = nurse(&app, "karen@example.test", "Karen Kolding", kol, 50).await;
    let booked = |p: i64, d: i64| {
        let app = &app;
        async move {
            appointment(app, p, anna, "call", days(d) + Duration::minutes(p * 40)).await;
        }
    };
    // Safe: a future call, a young course.
    let safe = patient(&app, ouh, "Sikker Sørensen", "active", Some(anna)).await;
    course(&app, safe, anna, date(-30)).await;
    booked(safe, 7).await;
    // No future call.
    let no_call = patient(&app, ouh, "Ingen Opkald", "active", Some(anna)).await;
    course(&app, no_call, anna, date(-10)).await;
    // A call still booked a week ago; and one booked yesterday (overdue from the first day).
    let overdue = patient(&app, ouh, "Forsinket Opkald", "active", Some(anna)).await;
    appointment(&app, overdue, anna, "call", days(-8)).await;
    booked(overdue, 8).await;
    let recent = patient(&app, ouh, "Nylig Aftale", "active", Some(anna)).await;
    appointment(&app, recent, anna, "call", days(-1) + Duration::minutes(7)).await;
    booked(recent, 9).await;
    // Three unanswered in a row; and two unanswered after a reached call.
    let silent = patient(&app, ouh, "Tavs Tavsen", "active", Some(anna)).await;
    call(&app, silent, anna, days(-20), "reached", 20).await;
    call(&app, silent, anna, days(-14), "no_answer", 0).await;
    call(&app, silent, anna, days(-7), "voicemail", 0).await;
    call(&app, silent, anna, days(-2), "no_answer", 0).await;
    booked(silent, 10).await;
    let reached = patient(&app, ouh, "Nået Nielsen", "active", Some(anna)).await;
    call(&app, reached, anna, days(-14), "no_answer", 0).await;
    call(&app, reached, anna, days(-7), "no_answer", 0).await;
    call(&app, reached, anna, days(-2), "reached", 25).await;
    booked(reached, 11).await;
    // Seven months in, no ending planned; and one with its ending planned.
    let six = patient(&app, ouh, "Seks Måneder", "active", Some(anna)).await;
    let six_start = date(-215);
    course(&app, six, anna, six_start).await;
    booked(six, 12).await;
    let planned = patient(&app, ouh, "Planlagt Slut", "active", Some(anna)).await;
    let c = course(&app, planned, anna, date(-215)).await;
    sqlx::query("update courses set ending_planned = true where id = $1")
        .bind(c)
        .execute(&app.db)
        .await
        .unwrap();
    booked(planned, 13).await;
    // Ten months in with the ending planned but no reason; and one with a stated reason.
    let nine = patient(&app, ouh, "Ni Måneder", "active", Some(anna)).await;
    let c = course(&app, nine, anna, date(-305)).await;
    sqlx::query("update courses set ending_planned = true where id = $1")
        .bind(c)
        .execute(&app.db)
        .await
        .unwrap();
    booked(nine, 14).await;
    let reasoned = patient(&app, ouh, "Begrundet Forlængelse", "active", Some(anna)).await;
    let c = course(&app, reasoned, anna, date(-305)).await;
    sqlx::query(
        "update courses set ending_planned = true, extension_reason = 'Venter på operation' where id = $1",
    )
    .bind(c)
    .execute(&app.db)
    .await
    .unwrap();
    booked(reasoned, 15).await;
    // Not active, or not this centre: never in the nets.
    patient(&app, ouh, "Afsluttet Andersen", "ended", Some(anna)).await;
    patient(&app, ouh, "Inviteret Iversen", "invited", None).await;
    patient(&app, kol, "Kolding Kasper", "active", Some(karen)).await;

    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let page = coord.get("/safety-nets").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(names(&page, "no_call_booked"), vec!["Ingen Opkald"]);
    assert_eq!(
        names(&page, "call_overdue"),
        vec!["Forsinket Opkald", "Nylig Aftale"]
    );
    assert_eq!(names(&page, "failed_attempts"), vec!["Tavs Tavsen"]);
    assert_eq!(names(&page, "past_six_months"), vec!["Seks Måneder"]);
    assert_eq!(names(&page, "past_nine_months"), vec!["Ni Måneder"]);
    // Each entry links to the patient and says since when.
    assert_eq!(
        page.texts(&format!("section#no_call_booked a[href='/patients/{no_call}']")),
        vec!["Ingen Opkald"]
    );
    let since = page.texts("section#no_call_booked tbody td:last-child");
    assert_eq!(since, vec![date(-10).format("%d.%m.%Y").to_string()]);
    let since = page.texts("section#past_six_months tbody td:last-child");
    let six_up = six_start.checked_add_months(chrono::Months::new(6)).unwrap();
    assert_eq!(since, vec![six_up.format("%d.%m.%Y").to_string()]);
    // The navigation counts them.
    let nav = coord.get("/centre").await.texts("nav a");
    assert!(
        nav.contains(&"Sikkerhedsnet 6".to_owned()),
        "patients, not entries: {nav:?}"
    );
    // Booking the missing call takes the patient out at once: nothing is stored.
    booked(no_call, 16).await;
    let page = coord.get("/safety-nets").await;
    assert!(names(&page, "no_call_booked").is_empty());
    let mut kol_coord = app
        .signed_in("kc@example.test", Role::Coordinator, Some(kol))
        .await;
    let page = kol_coord.get("/safety-nets").await;
    assert_eq!(names(&page, "no_call_booked"), vec!["Kolding Kasper"]);
    assert!(!page.body.contains("Tavs"));
}

#[tokio::test]
async fn a_centre_with_nothing_in_its_nets_shows_no_count() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let nav = coord.get("/centre").await.texts("nav a");
    assert_eq!(
        nav,
        vec![
            "Center",
            "Patienter",
            "Sygeplejersker",
            "Sikkerhedsnet",
            "Overblik",
            "Kalender"
        ]
    );
}
