//! A nurse's day without friction, in a real browser: a failed save is summarised in view and
//! focused, every saved action is confirmed, the language switch after a sent form lands on a
//! page, and no page scrolls sideways on a phone.

use crate::browser::Browser;
use crate::course_fixtures::{active, booked, local, today};
use crate::helpers::{TestApp, PASSWORD};

async fn js(browser: &Browser, script: &str) -> serde_json::Value {
    browser.client.execute(script, vec![]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_save_is_summarised_in_view_and_focused_and_a_saved_call_is_confirmed() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let nurse = app
        .user("nina@example.test", coachline::web::Role::Nurse, Some(ouh))
        .await;
    let patient = active(&app, ouh, nurse, "0101481234", "Inge", "Opdigtsen", 6).await;
    booked(
        &app,
        patient,
        nurse,
        local(today() + chrono::Duration::days(1), "10:00"),
    )
    .await;
    let browser = Browser::start(&app).await;
    browser.sign_in("nina@example.test", PASSWORD).await;
    let form = format!("/patients/{patient}/calls/new");
    browser.goto(&form).await;
    browser.wait_for(&form).await;
    // A duration the server refuses (the browser's own check is turned off, as an old browser would).
    js(
        &browser,
        "document.getElementById('call-form').noValidate = true; document.getElementById('duration').value = '9999';",
    )
    .await;
    browser.click("#call-form button.primary").await;
    browser.wait_for_text(".error-summary h2", "").await;
    browser.screenshot("ux-call-error-summary").await;
    let focused = js(&browser, "return document.activeElement.className").await;
    assert_eq!(
        focused,
        serde_json::json!("error-summary"),
        "the summary takes the focus"
    );
    let in_view = js(
        &browser,
        "var r = document.querySelector('.error-summary').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
    )
    .await;
    assert_eq!(in_view, serde_json::json!(true), "the summary is in view");
    let field = js(
        &browser,
        "var d = document.getElementById('duration'); return [d.getAttribute('aria-invalid'), d.getAttribute('aria-describedby')];",
    )
    .await;
    assert_eq!(
        field,
        serde_json::json!(["true", "duration-error"]),
        "the field is tied to its error"
    );
    let link = js(
        &browser,
        "return document.querySelector('.error-summary a').getAttribute('href')",
    )
    .await;
    assert_eq!(link, serde_json::json!("#duration"));
    // The language switch on the answer to a sent form lands on the form's page, not a 405.
    browser.click("form.lang button").await;
    browser.wait_for(&form).await;
    let title = js(&browser, "return document.title").await;
    assert!(
        title.as_str().unwrap().contains("coachline"),
        "a page, not an error: {title}"
    );
    // Saved: the record says so, once.
    browser.fill("#duration", "15").await;
    browser.click("#call-form button.primary").await;
    browser.wait_for(&format!("/patients/{patient}")).await;
    browser.wait_for_text(".flash", "").await;
    browser.screenshot("ux-call-saved").await;
    assert!(!browser.text(".flash").await.is_empty());
    browser.goto(&format!("/patients/{patient}")).await;
    browser.wait_for(&format!("/patients/{patient}")).await;
    let again = js(&browser, "return document.querySelectorAll('.flash').length").await;
    assert_eq!(again, serde_json::json!(0), "the confirmation is shown once");
    browser.close().await;
}

/// The page at `path`, if it is wider than the window (it scrolls sideways).
async fn wider_than_the_window(browser: &Browser, path: &str) -> Option<String> {
    browser.goto(path).await;
    browser.wait_for(path).await;
    let width = js(
        browser,
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]",
    )
    .await;
    let (scroll, client) = (width[0].as_i64().unwrap(), width[1].as_i64().unwrap());
    (scroll > client).then(|| format!("{path}: {scroll} > {client}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_390_pixels_no_nurse_or_coordinator_page_scrolls_sideways() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let nurse = app
        .user("nina@example.test", coachline::web::Role::Nurse, Some(ouh))
        .await;
    app.user("cora@example.test", coachline::web::Role::Coordinator, Some(ouh))
        .await;
    let patient = active(&app, ouh, nurse, "0101481234", "Inge", "Opdigtsen", 6).await;
    booked(&app, patient, nurse, local(today(), "23:30")).await;
    let browser = Browser::start(&app).await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.sign_in("nina@example.test", PASSWORD).await;
    let mut sideways = Vec::new();
    for path in [
        "/today".to_owned(),
        "/my-patients".to_owned(),
        "/week".to_owned(),
        format!("/patients/{patient}"),
        format!("/patients/{patient}/calls/new"),
    ] {
        sideways.extend(wider_than_the_window(&browser, &path).await);
    }
    browser.screenshot("ux-today-390").await;
    browser.sign_out().await;
    browser.sign_in("cora@example.test", PASSWORD).await;
    for path in ["/centre", "/patients", "/nurses", "/safety-nets", "/overview"] {
        sideways.extend(wider_than_the_window(&browser, path).await);
    }
    assert!(
        sideways.is_empty(),
        "pages wider than the phone:\n{}",
        sideways.join("\n")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nurse_finds_a_patient_of_her_centre_from_anywhere_with_the_slash_key() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let nurse = app
        .user("nina@example.test", coachline::web::Role::Nurse, Some(ouh))
        .await;
    let colleague = app
        .user("nora@example.test", coachline::web::Role::Nurse, Some(ouh))
        .await;
    let covered = active(&app, ouh, colleague, "0101481234", "Inge", "Opdigtsen", 6).await;
    crate::fixtures::NewPatient::new(kol, "0101489999", "Inge", "Opdigtsen")
        .insert(&app.db)
        .await;
    let _ = nurse;
    let browser = Browser::start(&app).await;
    browser.sign_in("nina@example.test", PASSWORD).await;
    browser.wait_for("/today").await;
    browser.press("/").await;
    let focused = js(&browser, "return document.activeElement.id").await;
    assert_eq!(focused, serde_json::json!("find"), "/ jumps to the search");
    browser.press("opdigt\u{E007}").await;
    browser.wait_for("/patients").await;
    browser.screenshot("ux-search-result").await;
    let found = js(
        &browser,
        "return Array.from(document.querySelectorAll('tbody a.patient')).map(a => a.getAttribute('href'))",
    )
    .await;
    assert_eq!(
        found,
        serde_json::json!([format!("/patients/{covered}")]),
        "the colleague's patient, and not the namesake of another centre"
    );
    browser.close().await;
}

/// The serious and critical accessibility violations axe-core finds on the page at `path`.
async fn axe_violations(browser: &Browser, path: &str) -> Vec<String> {
    static AXE: &str = include_str!("../fixtures/axe/axe.min.js");
    browser.goto(path).await;
    browser.wait_for(path).await;
    browser.client.execute(AXE, vec![]).await.unwrap();
    let found = browser
        .client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
               done(r.violations
                 .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                 .map(function (v) { return v.id + ' (' + v.nodes.length + '): ' + v.nodes[0].target.join(' '); }));
             });",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("{path}: {}", v.as_str().unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_serious_or_critical_violation_on_the_pages_of_each_role() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let nurse = app
        .user("nina@example.test", coachline::web::Role::Nurse, Some(ouh))
        .await;
    app.user("cora@example.test", coachline::web::Role::Coordinator, Some(ouh))
        .await;
    app.user("ada@example.test", coachline::web::Role::Admin, None)
        .await;
    app.user(
        "rita@example.test",
        coachline::web::Role::ResearchAssistant,
        Some(ouh),
    )
    .await;
    app.user("res@example.test", coachline::web::Role::Researcher, None)
        .await;
    let control = crate::fixtures::NewPatient::new(ouh, "0202481234", "Karen", "Kontrolsen")
        .phone("+4522334455")
        .insert(&app.db)
        .await;
    crate::follow_up::arm(&app, control, "control").await;
    let patient = active(&app, ouh, nurse, "0101481234", "Inge", "Opdigtsen", 6).await;
    booked(&app, patient, nurse, local(today(), "23:30")).await;
    let browser = Browser::start(&app).await;
    let mut found = Vec::new();
    browser.goto("/login").await;
    found.extend(axe_violations(&browser, "/login").await);
    browser.sign_in("nina@example.test", PASSWORD).await;
    for path in [
        "/today".to_owned(),
        "/my-patients".to_owned(),
        "/week".to_owned(),
        "/patients".to_owned(),
        format!("/patients/{patient}"),
        format!("/patients/{patient}/calls/new"),
        format!("/patients/{patient}/plan"),
        format!("/patients/{patient}/contacts"),
    ] {
        found.extend(axe_violations(&browser, &path).await);
    }
    browser.sign_out().await;
    browser.sign_in("cora@example.test", PASSWORD).await;
    for path in [
        "/centre",
        "/patients",
        "/nurses",
        "/safety-nets",
        "/overview",
        "/centre/rooms",
    ] {
        found.extend(axe_violations(&browser, path).await);
    }
    browser.sign_out().await;
    browser.sign_in("ada@example.test", PASSWORD).await;
    for path in [
        "/imports",
        "/patients",
        "/admin/users",
        "/admin/centres",
        "/admin/access-log",
        "/admin/api-clients",
        "/admin/topics",
        "/admin/questionnaires",
    ] {
        found.extend(axe_violations(&browser, path).await);
    }
    browser.sign_out().await;
    browser.sign_in("rita@example.test", PASSWORD).await;
    for path in ["/follow-up".to_owned(), format!("/follow-up/{control}")] {
        found.extend(axe_violations(&browser, &path).await);
    }
    browser.screenshot("ux-follow-up-person").await;
    browser.sign_out().await;
    browser.sign_in("res@example.test", PASSWORD).await;
    found.extend(axe_violations(&browser, "/research").await);
    assert!(
        found.is_empty(),
        "accessibility violations:\n{}",
        found.join("\n")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_today_j_and_k_move_between_patients_and_c_logs_a_call_for_the_one_in_focus() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let nurse = app
        .user("nina@example.test", coachline::web::Role::Nurse, Some(ouh))
        .await;
    let first = active(&app, ouh, nurse, "0101481234", "Inge", "Opdigtsen", 6).await;
    let second = active(&app, ouh, nurse, "0202481234", "Poul", "Prøvesen", 3).await;
    booked(&app, first, nurse, local(today(), "23:00")).await;
    booked(&app, second, nurse, local(today(), "23:30")).await;
    let browser = Browser::start(&app).await;
    browser.sign_in("nina@example.test", PASSWORD).await;
    browser.wait_for("/today").await;
    let focused = || async { js(&browser, "return document.activeElement.getAttribute('href')").await };
    browser.press("j").await;
    assert_eq!(focused().await, serde_json::json!(format!("/patients/{first}")));
    browser.press("j").await;
    assert_eq!(focused().await, serde_json::json!(format!("/patients/{second}")));
    browser.press("k").await;
    assert_eq!(focused().await, serde_json::json!(format!("/patients/{first}")));
    browser.press("c").await;
    browser.wait_for(&format!("/patients/{first}/calls/new")).await;
    browser.close().await;
}
