//! The admin keeps the directory of GP practices, municipalities and hospital departments; a
//! patient's GP and municipality from the invitation list are matched to it on the record.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::fixtures::NewPatient;
use crate::helpers::{Client, TestApp, TestResponse};

/// The invented directory the tests share.
pub fn example_csv() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/directory-example.csv"
    ))
    .unwrap()
}

/// Uploads a directory file as the page's form does (multipart, token in the query).
pub async fn upload(client: &mut Client<'_>, bytes: &[u8]) -> TestResponse {
    let token = client.csrf().await;
    let boundary = "----coachlinedirectory";
    let mut body = Vec::new();
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"directory.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    client
        .post_body(
            &format!("/admin/directory/import?_csrf={token}"),
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
}

async fn organisations(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from organisations")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_adds_a_practice_and_a_wrong_ean_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let wrong = admin
        .post(
            "/admin/directory",
            &[
                ("kind", "gp_practice"),
                ("name", "Lægehuset ved Åen"),
                ("sor_code", "481009000016001"),
                ("ean", "5790009900017"),
                ("municipality_code", ""),
                ("gp_provider_number", "054321"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(wrong.attr("#name", "value"), "Lægehuset ved Åen");
    assert_eq!(wrong.attr("#ean", "value"), "5790009900017");
    assert_eq!(wrong.texts("#ean-error").len(), 1);
    assert_eq!(organisations(&app).await, 0);
    let right = admin
        .post(
            "/admin/directory",
            &[
                ("kind", "gp_practice"),
                ("name", "Lægehuset ved Åen"),
                ("sor_code", "481009000016001"),
                ("ean", "5790009900016"),
                ("municipality_code", ""),
                ("gp_provider_number", "054321"),
            ],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    let listed = admin.get("/admin/directory").await;
    assert!(listed
        .texts("#organisations td strong")
        .contains(&"Lægehuset ved Åen".to_owned()));
    let again = admin
        .post(
            "/admin/directory",
            &[
                ("kind", "municipality"),
                ("name", "Anden"),
                ("sor_code", "481009000016002"),
                ("ean", "5790009900016"),
                ("municipality_code", "998"),
                ("gp_provider_number", ""),
            ],
        )
        .await;
    assert_eq!(again.texts("#ean-error").len(), 1, "the EAN is taken");
}

#[tokio::test]
async fn a_directory_file_is_imported_whole_and_again_updates_rather_than_doubles() {
    let app = TestApp::new().await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let imported = upload(&mut admin, &example_csv()).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    assert_eq!(organisations(&app).await, 3);
    let renamed = String::from_utf8(example_csv())
        .unwrap()
        .replace("Lægerne i Søndergade", "Lægerne i Nørregade");
    upload(&mut admin, renamed.as_bytes()).await;
    assert_eq!(organisations(&app).await, 3);
    let name: String =
        sqlx::query_scalar("select name from organisations where gp_provider_number = '012345'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(name, "Lægerne i Nørregade");
}

#[tokio::test]
async fn a_directory_file_with_one_bad_row_imports_nothing_and_names_the_line() {
    let app = TestApp::new().await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let mut file = String::from_utf8(example_csv()).unwrap();
    file.push_str("Kommune;Fejlby Kommune;481004000016002;5790009900041;12;\n");
    let refused = upload(&mut admin, file.as_bytes()).await;
    assert_eq!(refused.status, StatusCode::OK);
    let problems = refused.texts("#import-problems li").join("\n");
    assert!(
        problems.contains("Line 5") || problems.contains("Linje 5"),
        "{problems}"
    );
    assert!(problems.contains("EAN"), "{problems}");
    assert_eq!(organisations(&app).await, 0);
    let no_columns = upload(&mut admin, b"navn;by\nA;B\n").await;
    assert_eq!(no_columns.texts("#import-problems li").len(), 1);
    assert_eq!(organisations(&app).await, 0);
}

#[tokio::test]
async fn the_record_shows_which_of_the_patients_gp_and_municipality_the_directory_knows() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    upload(&mut admin, &example_csv()).await;
    let matched = NewPatient::new(centre, "0103481234", "Karen", "Testesen")
        .gp("Lægerne i Søndergade, ydernr. 012345")
        .municipality("Testrup")
        .insert(&app.db)
        .await;
    let unmatched = NewPatient::new(centre, "0103481235", "Knud", "Testesen")
        .gp("Ukendt Lægehus")
        .municipality("Andetsted")
        .insert(&app.db)
        .await;
    let mut nurse = app
        .signed_in("nurse@example.test", Role::Nurse, Some(centre))
        .await;
    let record = nurse.get(&format!("/patients/{matched}")).await;
    assert_eq!(record.texts("#gp .matched").len(), 1, "{}", record.body);
    assert!(record.texts("#gp .matched")[0].contains("481001000016005"));
    assert!(record.texts("#municipality .matched")[0].contains("Testrup Kommune"));
    let record = nurse.get(&format!("/patients/{unmatched}")).await;
    assert_eq!(record.texts("#gp .unmatched").len(), 1);
    assert_eq!(record.texts("#municipality .unmatched").len(), 1);
}

#[tokio::test]
async fn only_an_admin_opens_the_directory() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let mut coordinator = app
        .signed_in("coordinator@example.test", Role::Coordinator, Some(centre))
        .await;
    let refused = coordinator.get("/admin/directory").await;
    assert_ne!(refused.status, StatusCode::OK);
    let refused = upload(&mut coordinator, &example_csv()).await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(organisations(&app).await, 0);
}
