//! Random allocation on import confirmation: stratified by centre, reproducible from the seed,
//! unchangeable afterwards, shown in the patient list and the batch.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::{Client, TestApp, TestResponse};
use crate::imports::{sample, upload};

fn pending_id(preview: &TestResponse) -> String {
    let selector = scraper::Selector::parse("input[name=pending_id]").unwrap();
    preview
        .html()
        .select(&selector)
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned()
}

/// Uploads the Danish sample and confirms it with the given extra fields.
async fn confirm(client: &mut Client<'_>, fields: &[(&str, &str)]) -> TestResponse {
    let preview = upload(
        client,
        "liste.csv",
        &sample("invitationsliste-eksempel.csv"),
        None,
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(
        preview.texts("input[name=randomise]").len(),
        1,
        "the preview offers randomisation"
    );
    let pending = pending_id(&preview);
    let mut all = vec![("pending_id", pending.as_str())];
    all.extend_from_slice(fields);
    client.post("/imports/confirm", &all).await
}

async fn arms(app: &TestApp) -> BTreeMap<String, (String, String)> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("select p.cpr, c.code, p.arm from patients p join centres c on c.id = p.centre_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(cpr, centre, arm)| (cpr, (centre, arm.unwrap_or_default())))
        .collect()
}

async fn setup(app: &TestApp) -> Client<'_> {
    app.centre("OUH").await;
    app.centre("KOL").await;
    app.signed_in("admin@example.test", Role::Admin, None).await
}

#[tokio::test]
async fn confirming_with_randomisation_allocates_every_new_person_by_centre_and_records_the_seed() {
    let app = TestApp::new().await;
    let mut admin = setup(&app).await;
    let done = confirm(
        &mut admin,
        &[("randomise", "yes"), ("ratio", "1:1"), ("seed", "424242")],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let batch = admin.get(done.location()).await;
    let notice = batch.texts(".randomised").join(" ");
    assert!(notice.contains("1:1") && notice.contains("424242"), "{notice}");
    let (seed, ratio): (Option<i64>, Option<String>) =
        sqlx::query_as("select random_seed, random_ratio from import_batches")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((seed, ratio.as_deref()), (Some(424242), Some("1:1")));
    let arms = arms(&app).await;
    assert_eq!(arms.len(), 25);
    for centre in ["OUH", "KOL"] {
        let people: Vec<&String> = arms
            .values()
            .filter(|(c, _)| c == centre)
            .map(|(_, a)| a)
            .collect();
        let control = people.iter().filter(|a| a.as_str() == "control").count();
        let intervention = people.iter().filter(|a| a.as_str() == "intervention").count();
        assert_eq!(
            control + intervention,
            people.len(),
            "everyone in {centre} has an arm"
        );
        // Blocks of four: the arms differ by at most two within a centre.
        assert!(
            control.abs_diff(intervention) <= 2,
            "{centre}: {control} vs {intervention}"
        );
    }
    // The patient list shows the arm.
    let list = admin.get("/patients").await;
    assert_eq!(list.texts("tbody .badge.arm").len(), 25);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_allocation_in_another_installation() {
    let first = TestApp::new().await;
    let mut a = setup(&first).await;
    confirm(&mut a, &[("randomise", "yes"), ("ratio", "2:1"), ("seed", "7")]).await;
    let second = TestApp::new().await;
    let mut b = setup(&second).await;
    confirm(&mut b, &[("randomise", "yes"), ("ratio", "2:1"), ("seed", "7")]).await;
    assert_eq!(arms(&first).await, arms(&second).await);
    let third = TestApp::new().await;
    let mut c = setup(&third).await;
    confirm(&mut c, &[("randomise", "yes"), ("ratio", "2:1"), ("seed", "8")]).await;
    assert_ne!(arms(&first).await, arms(&third).await);
}

#[tokio::test]
async fn the_allocation_and_the_seed_cannot_be_changed_afterwards() {
    let app = TestApp::new().await;
    let mut admin = setup(&app).await;
    confirm(
        &mut admin,
        &[("randomise", "yes"), ("ratio", "1:1"), ("seed", "1")],
    )
    .await;
    for sql in [
        "update patients set arm = 'intervention' where arm = 'control'",
        "update patients set arm = null",
        "update import_batches set random_seed = 2",
        "update import_batches set random_ratio = '2:1'",
    ] {
        let error = sqlx::query(sql).execute(&app.db).await.expect_err(sql);
        assert!(error.to_string().contains("cannot be changed"), "{sql}: {error}");
    }
}

#[tokio::test]
async fn without_randomisation_nobody_gets_an_arm() {
    let app = TestApp::new().await;
    let mut admin = setup(&app).await;
    let done = confirm(&mut admin, &[("ratio", "1:1"), ("seed", "5")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(arms(&app).await.values().all(|(_, arm)| arm.is_empty()));
    assert!(admin.get(done.location()).await.texts(".randomised").is_empty());
}

#[tokio::test]
async fn a_bad_seed_is_explained_on_the_preview_and_nothing_is_imported() {
    let app = TestApp::new().await;
    let mut admin = setup(&app).await;
    let response = confirm(
        &mut admin,
        &[("randomise", "yes"), ("ratio", "1:1"), ("seed", "tolv")],
    )
    .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.texts("#seed-error").len(), 1);
    assert!(response.body.contains("value=\"tolv\""));
    assert_eq!(arms(&app).await.len(), 0);
    // The same preview can be confirmed once the seed is fixed.
    let pending = pending_id(&response);
    let fixed = admin
        .post(
            "/imports/confirm",
            &[
                ("pending_id", &pending),
                ("randomise", "yes"),
                ("ratio", "1:1"),
                ("seed", "12"),
            ],
        )
        .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER);
    assert_eq!(arms(&app).await.len(), 25);
}

#[tokio::test]
async fn the_command_line_randomises_with_a_ratio_and_seed() {
    let app = TestApp::new().await;
    app.centre("OUH").await;
    app.centre("KOL").await;
    let dir = crate::helpers::TempDir::new("rand");
    let file = dir.join("liste.csv");
    std::fs::write(&file, sample("invitationsliste-eksempel.csv")).unwrap();
    let url = app.database_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_coachline"))
            .args([
                "import",
                file.to_str().unwrap(),
                "--randomise",
                "2:1",
                "--seed",
                "99",
            ])
            .env("DATABASE_URL", url)
            .env("COACHLINE_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("randomised 2:1 with seed 99"));
    let (seed, ratio): (Option<i64>, Option<String>) =
        sqlx::query_as("select random_seed, random_ratio from import_batches")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((seed, ratio.as_deref()), (Some(99), Some("2:1")));
    let control = arms(&app).await.values().filter(|(_, a)| a == "control").count();
    assert!((7..=10).contains(&control), "about a third of 25: {control}");
}
