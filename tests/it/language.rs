//! Danish and English: the browser's choice until the person picks one, which is remembered.

use coachline::web::Role;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_language_follows_accept_language_until_one_is_picked() {
    let app = TestApp::new().await;
    let mut client = app.client();
    client.accept_language = Some("en-GB,en;q=0.9");
    let english = client.get("/login").await;
    assert_eq!(english.texts("h1"), vec!["Sign in"]);
    assert!(english.body.contains("<html lang=\"en\">"));
    client.accept_language = Some("da-DK");
    assert_eq!(client.get("/login").await.texts("h1"), vec!["Log ind"]);
    client.accept_language = Some("fr-FR");
    assert_eq!(client.get("/login").await.texts("h1"), vec!["Log ind"]);
}

#[tokio::test]
async fn a_picked_language_is_remembered_on_the_account() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let mut nurse = app
        .signed_in("nurse@example.test", Role::Nurse, Some(centre))
        .await;
    assert_eq!(
        nurse.get("/today").await.texts("main h1")[0]
            .split_whitespace()
            .next(),
        Some("I")
    );
    let switched = nurse
        .post("/language", &[("lang", "en"), ("back", "/today")])
        .await;
    assert_eq!(switched.location(), "/today");
    let today = nurse.get("/today").await;
    assert!(today.texts("main h1")[0].starts_with("Today"));
    assert_eq!(
        today.texts("nav a"),
        vec!["Today", "My patients", "My week", "Calendar"]
    );
    // A new browser (no cookie) with a Danish Accept-Language gets English after signing in.
    let mut other = app.client();
    other.accept_language = Some("da");
    other
        .sign_in("nurse@example.test", crate::helpers::PASSWORD)
        .await;
    assert!(other.get("/today").await.texts("main h1")[0].starts_with("Today"));
}

#[tokio::test]
async fn the_language_switch_does_not_redirect_off_site() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let response = client
        .post("/language", &[("lang", "en"), ("back", "//evil.example/")])
        .await;
    assert_eq!(response.location(), "/");
}

#[tokio::test]
async fn the_navigation_fits_the_role() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(centre))
        .await;
    assert_eq!(
        coord.get("/centre").await.texts("nav a"),
        vec![
            "Center",
            "Patienter",
            "Sygeplejersker",
            "Sikkerhedsnet",
            "Overblik",
            "Kalender"
        ]
    );
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let nav = admin.get("/admin/users").await.texts("nav a");
    assert_eq!(
        nav,
        vec![
            "Importer",
            "Patienter",
            "Brugere",
            "Callcentre",
            "Integration",
            "Adgangslog",
            "Samtaleemner",
            "Skemaer",
            "Forskning"
        ]
    );
}
