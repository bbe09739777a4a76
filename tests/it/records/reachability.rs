//! The reachability protocol produces what it promises: the letter asking the patient to call
//! (print-ready HTML and PDF, in Danish) and the message for the GP, each kept on the timeline.

use axum::http::StatusCode;
use chrono::Duration;
use coachline::web::Role;

use crate::centre::fixtures::get_bytes;
use crate::course_fixtures::{called, local, today, world, World};
use crate::helpers::{Client, TestApp, TestResponse};

/// Three days with no answer, and a centre a letter can name.
async fn unreachable(app: &TestApp, w: &World<'_>) {
    for days in [1, 3, 5] {
        let day = today() - Duration::days(days);
        called(app, w.patient, w.nurse_id, local(day, "10:00"), "no_answer").await;
    }
    sqlx::query(
        "update centres set name = 'Sundhedscoaching Odense', address = 'Sdr. Boulevard 29\n5000 Odense C',
                phone = '65 41 00 00' where id = $1",
    )
    .bind(w.ouh)
    .execute(&app.db)
    .await
    .unwrap();
}

/// The key of the record's form for `step` (`reach-letter` or `reach-gp`).
fn key_of(record: &TestResponse, form: &str) -> String {
    let selector = scraper::Selector::parse(&format!("#{form} input[name='form_key']")).unwrap();
    record
        .html()
        .select(&selector)
        .next()
        .and_then(|input| input.value().attr("value"))
        .expect("the step's form carries a key")
        .to_owned()
}

async fn take(client: &mut Client<'_>, patient: i64, step: &str, key: &str) -> TestResponse {
    client
        .post(
            &format!("/patients/{patient}/unreachable"),
            &[("step", step), ("form_key", key)],
        )
        .await
}

#[tokio::test]
async fn send_letter_makes_a_danish_letter_for_print_and_as_pdf_and_keeps_it_on_the_timeline() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    unreachable(&app, &w).await;
    let id = w.patient;
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(record.texts("#unreachable").len(), 1);
    let key = key_of(&record, "reach-letter");
    let sent = take(&mut w.nurse, id, "letter", &key).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert!(
        sent.location().starts_with("/reachability/"),
        "{}",
        sent.location()
    );
    let twice = take(&mut w.nurse, id, "letter", &key).await;
    assert_eq!(
        twice.location(),
        sent.location(),
        "a double click makes one letter"
    );
    let steps: i64 = sqlx::query_scalar("select count(*) from reachability_steps")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(steps, 1);

    w.nurse.accept_language = Some("en");
    let page = w.nurse.get(sent.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts("article.letter h2"),
        vec!["Vi har forsøgt at ringe til dig"],
        "in Danish"
    );
    assert!(page.texts("article.letter .recipient")[0].contains("Inge Opdigtsen"));
    assert!(page.body.contains("65 41 00 00") && page.body.contains("Vil du ringe til os?"));
    let pdf_link = format!("{}/pdf", sent.location());
    assert_eq!(page.texts("#pdf").len(), 1);
    let (status, headers, bytes) = get_bytes(&app, &w.nurse, &pdf_link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    let document = lopdf::Document::load_mem(&bytes).expect("a valid PDF");
    let pages = document.get_pages();
    assert_eq!(pages.len(), 1);
    let text = document.extract_text(&[1]).unwrap();
    assert!(
        text.contains("Inge Opdigtsen") && text.contains("65 41 00 00"),
        "{text}"
    );
    assert!(text.contains("Vi har forsøgt at ringe til dig"), "{text}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("reachability-letter.pdf"), &bytes).unwrap();

    w.nurse.accept_language = None;
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(
        record.texts("li.reach_letter .entry-head strong"),
        vec!["Brev til patienten: ring til os · 3 forgæves forsøg i træk"]
    );
    assert!(
        record.texts("#reach-taken li")[0].starts_with("Brev til patienten: ring til os"),
        "the banner says what has been done since the patient was last reached"
    );
    let link = scraper::Selector::parse("li.reach_letter a").unwrap();
    let href = record
        .html()
        .select(&link)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(href, sent.location());
    assert!(sqlx::query("update reachability_steps set letter = null")
        .execute(&app.db)
        .await
        .is_err());
    assert!(sqlx::query("delete from reachability_steps")
        .execute(&app.db)
        .await
        .is_err());
    // Another centre's nurse sees neither the letter nor the person in it.
    let mut karin = app.client();
    karin
        .sign_in("karin@example.test", crate::helpers::PASSWORD)
        .await;
    let refused = karin.get(sent.location()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("Opdigtsen"));
    assert_eq!(get_bytes(&app, &karin, &pdf_link).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn contact_the_gp_produces_the_message_to_send_and_keeps_it_on_the_timeline() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    unreachable(&app, &w).await;
    let id = w.patient;
    let mut coordinator = app
        .signed_in("coord@example.test", Role::Coordinator, Some(w.ouh))
        .await;
    let record = coordinator.get(&format!("/patients/{id}")).await;
    let sent = take(&mut coordinator, id, "gp", &key_of(&record, "reach-gp")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let page = coordinator.get(sent.location()).await;
    let message = page.texts("#gp-message").join("");
    assert!(message.starts_with("Til: Lægehuset Opdigtet"), "{message}");
    assert!(
        message.contains("Inge Opdigtsen, cpr.nr. 010148-1234"),
        "{message}"
    );
    assert!(message.contains("3 gange i træk") && message.contains("65 41 00 00"));
    assert!(page.texts("#not-sent")[0].starts_with("Beskeden sendes ikke af coachline endnu"));
    assert!(
        page.texts("#pdf").is_empty(),
        "a message to copy or print, not a letter"
    );
    let pdf = get_bytes(&app, &coordinator, &format!("{}/pdf", sent.location())).await;
    assert_eq!(pdf.0, StatusCode::NOT_FOUND);
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(
        record.texts("li.reach_gp .entry-head strong"),
        vec!["Besked til egen læge · 3 forgæves forsøg i træk"]
    );
    // A step without its form's key is not taken.
    let unkeyed = coordinator
        .post(&format!("/patients/{id}/unreachable"), &[("step", "gp")])
        .await;
    assert!(unkeyed.location().contains("problem=form_key"));
    let steps: i64 = sqlx::query_scalar("select count(*) from reachability_steps")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(steps, 1);
}
