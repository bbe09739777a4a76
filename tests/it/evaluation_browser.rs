//! The evaluation pages in a real browser: a nurse answers WHO-5 on the phone and sees the
//! trend; the admin reads the access log, the import's randomisation and the research export.

use fantoccini::Locator;

use crate::browser::Browser;
use crate::helpers::{TestApp, PASSWORD};
use crate::research::seed;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nurse_records_who5_and_the_admin_reads_who_opened_the_record() {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    app.user("admin@example.test", coachline::web::Role::Admin, None)
        .await;
    let items: Vec<i64> = sqlx::query_scalar(
        "select it.id from instrument_items it join instruments i on i.id = it.instrument_id
          where i.code = 'who5' order by it.position",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let browser = Browser::start(&app).await;
    browser.sign_in("nurse@example.test", PASSWORD).await;
    let page = format!("/patients/{}/questionnaires", s.anna);
    browser.goto(&format!("{page}?timepoint=month3")).await;
    for (item, value) in items.iter().zip(["4", "3", "4", "2", "4"]) {
        browser
            .click(&format!("input[name=item_{item}][value='{value}']"))
            .await;
    }
    browser.screenshot("questionnaire-form").await;
    browser.click("section.questionnaire button.primary").await;
    // The form posts back to its own page: wait for the saved notice, not for the path.
    browser.wait_for_text(".notice", "Besvarelsen er gemt").await;
    browser.wait_for(&page).await;
    let points = browser
        .client
        .find_all(Locator::Css("svg.trend-plot circle"))
        .await
        .unwrap();
    assert_eq!(points.len(), 2);
    browser.screenshot("questionnaire-trend").await;
    browser.goto(&format!("/patients/{}/access", s.anna)).await;
    browser.screenshot("patient-access").await;
    browser.sign_out().await;

    browser.sign_in("admin@example.test", PASSWORD).await;
    browser.goto("/admin/access-log").await;
    assert!(browser.text("main h1").await.starts_with("Adgangslog"));
    browser.screenshot("access-log").await;
    browser.goto("/research").await;
    browser.screenshot("research-export").await;
    browser.goto("/admin/questionnaires").await;
    browser.screenshot("admin-questionnaires").await;

    // Confirming an invitation list with randomisation.
    let sample = crate::imports::sample_path("invitationsliste-eksempel.csv");
    browser.goto("/imports").await;
    let file = browser.client.find(Locator::Css("#file")).await.unwrap();
    file.send_keys(&sample.canonicalize().unwrap().display().to_string())
        .await
        .unwrap();
    browser.click("form button.primary").await;
    browser.wait_for("/imports/preview").await;
    browser.click("input[name=randomise]").await;
    browser.fill("#seed", "2026").await;
    browser.screenshot("import-preview-randomise").await;
    browser.click(".confirm-bar button.primary").await;
    browser.wait_for_text(".randomised", "Lodtrukket").await;
    assert!(browser.text(".randomised").await.contains("2026"));
    browser.screenshot("import-batch-randomised").await;
    browser.goto("/patients").await;
    browser.screenshot("patients-with-arm").await;
    browser.close().await;
}
