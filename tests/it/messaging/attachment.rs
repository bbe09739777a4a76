//! The patient's plan as an attachment to a correspondence message: the nurse ticks "attach the
//! plan", and the Bundle that leaves carries the plan as a valid PDF whose text holds the
//! patient's goals, within the standard's rules for attachments.

use axum::http::StatusCode;
use base64::Engine;
use coachline::messaging::medcom_check::{attachment_problems, care_communication};
use serde_json::{json, Value};

use super::medcom::{configure, files, gp_id, outbox_state, scratch, state, world, Dirs};
use crate::helpers::{TestApp, PASSWORD};

/// The text of every page of a PDF.
fn pdf_text(bytes: &[u8]) -> String {
    let document = lopdf::Document::load_mem(bytes).expect("a valid PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    assert!(!pages.is_empty());
    document.extract_text(&pages).unwrap()
}

#[tokio::test]
async fn a_nurse_attaches_the_plan_and_the_message_carries_it_as_a_pdf_with_the_goals() {
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| configure(c, &dirs)).await;
    let (_, _, patient) = world(&app).await;
    for goal in ["Gå en tur hver dag", "Tage medicinen til tiden"] {
        sqlx::query(
            "insert into goals (patient_id, course_id, text) select $1, id, $2 from courses where patient_id = $1",
        )
        .bind(patient)
        .bind(goal)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let gp = gp_id(&app).await.to_string();
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", PASSWORD).await;
    let form = nurse.get(&format!("/patients/{patient}/messages/new")).await;
    assert_eq!(form.attr("input#attach_plan", "type"), "checkbox");

    let sent = nurse
        .post(
            &format!("/patients/{patient}/messages"),
            &[
                ("organisation_id", gp.as_str()),
                ("category", "carecoordination"),
                ("topic", "Plan"),
                ("text", "Hermed Inges plan, som vi har aftalt den."),
                ("reply_to", ""),
                ("attach_plan", "1"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    coachline::messaging::work_once(&state(&app, &dirs))
        .await
        .unwrap();
    assert_eq!(outbox_state(&app).await, "sent");
    let written = files(&dirs.outbox);
    assert_eq!(written.len(), 1);
    let bundle: Value = serde_json::from_slice(&std::fs::read(&written[0]).unwrap()).unwrap();
    assert_eq!(care_communication(&bundle), Vec::<String>::new());

    let communication = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Communication")
        .unwrap();
    let payloads = communication["payload"].as_array().unwrap();
    assert_eq!(payloads.len(), 2, "the text, then the plan");
    assert_eq!(
        payloads[0]["contentString"],
        "Hermed Inges plan, som vi har aftalt den."
    );
    let attachment = &payloads[1]["contentAttachment"];
    assert_eq!(attachment["contentType"], "application/pdf");
    assert_eq!(attachment["title"], "Din plan");
    assert!(attachment["creation"].is_string());
    assert!(communication["text"]["div"]
        .as_str()
        .unwrap()
        .contains("Bilag: Din plan"));
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(attachment["data"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Kept beside the screenshots to look at.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("plan-attachment.pdf"), &pdf).unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        "Din plan",
        "Gå en tur hver dag",
        "Tage medicinen til tiden",
        "Inge Opdigtsen",
    ] {
        assert!(text.contains(expected), "{expected} in the plan: {text}");
    }

    // The stored message is the one that left, attachment and all.
    let stored: Value = sqlx::query_scalar("select bundle from medcom_messages where patient_id = $1")
        .bind(patient)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, bundle);
}

#[tokio::test]
async fn without_the_box_ticked_no_plan_leaves() {
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| configure(c, &dirs)).await;
    let (_, _, patient) = world(&app).await;
    let gp = gp_id(&app).await.to_string();
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", PASSWORD).await;
    let sent = nurse
        .post(
            &format!("/patients/{patient}/messages"),
            &[
                ("organisation_id", gp.as_str()),
                ("category", "carecoordination"),
                ("topic", "Medicin"),
                ("text", "Et spørgsmål om medicin."),
                ("reply_to", ""),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let stored: Value = sqlx::query_scalar("select bundle from medcom_messages where patient_id = $1")
        .bind(patient)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let payloads = stored["entry"][2]["resource"]["payload"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(payloads, 1);
}

#[test]
fn the_standards_rules_for_attachments_catch_what_breaks_them() {
    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7\n%%EOF");
    let good = json!({ "contentType": "application/pdf", "data": pdf, "title": "Din plan",
                       "creation": "2026-12-07T10:30:00+01:00" });
    assert_eq!(attachment_problems(&good), Vec::<String>::new());
    let link = json!({ "url": "https://www.sundhed.dk/", "title": "Sundhed.dk" });
    assert_eq!(attachment_problems(&link), Vec::<String>::new());
    // A reply names an attachment sent before by its identifier only.
    assert_eq!(
        attachment_problems(&json!({ "title": "Din plan" })),
        Vec::<String>::new()
    );

    let broken = |change: Value| {
        let mut a = good.clone();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                a.as_object_mut().unwrap().remove(k);
            } else {
                a[k] = v.clone();
            }
        }
        attachment_problems(&a).join("; ")
    };
    assert!(broken(json!({ "title": null })).contains("no title"));
    assert!(broken(json!({ "title": "Din plan.pdf" })).contains("file type"));
    assert!(broken(json!({ "contentType": "text/html" })).contains("content type"));
    assert!(broken(json!({ "contentType": null })).contains("content type"));
    assert!(broken(json!({ "data": "not base64!" })).contains("base64"));
    assert!(
        broken(json!({ "data": base64::engine::general_purpose::STANDARD.encode(b"<html>") }))
            .contains("not one")
    );
    assert!(broken(json!({ "url": "https://example.test/plan" })).contains("both"));
    assert!(broken(json!({ "creation": "i går" })).contains("dateTime"));
}
