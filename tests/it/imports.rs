//! Importing invitation lists through the Imports pages and the command line.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::{Client, TestApp, TestResponse};

/// An invented invitation list in `tests/fixtures/`.
pub fn sample_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn sample(name: &str) -> Vec<u8> {
    let path = sample_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Uploads a file for preview as the page's form does (multipart, token in the query).
pub async fn upload(
    client: &mut Client<'_>,
    file_name: &str,
    bytes: &[u8],
    centre_id: Option<i64>,
) -> TestResponse {
    let token = client.csrf().await;
    let boundary = "----coachlinetestboundary";
    let mut body = Vec::new();
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"centre_id\"\r\n\r\n").as_bytes(),
    );
    body.extend(centre_id.map(|c| c.to_string()).unwrap_or_default().as_bytes());
    body.extend(format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    client
        .post_body(
            &format!("/imports/preview?_csrf={token}"),
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
}

/// Previews and confirms; returns the batch page.
pub async fn import(
    client: &mut Client<'_>,
    file_name: &str,
    bytes: &[u8],
    centre_id: Option<i64>,
) -> TestResponse {
    let preview = upload(client, file_name, bytes, centre_id).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let pending = pending_id(&preview);
    let confirmed = client
        .post("/imports/confirm", &[("pending_id", pending.as_str())])
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.body);
    let location = confirmed.location().to_owned();
    client.get(&location).await
}

fn pending_id(preview: &TestResponse) -> String {
    let html = preview.html();
    let selector = scraper::Selector::parse("input[name=pending_id]").unwrap();
    html.select(&selector)
        .next()
        .expect("a confirm form")
        .value()
        .attr("value")
        .unwrap()
        .to_owned()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The counts at the top of a preview or batch page: new, known, rejected, warnings.
fn counts(page: &TestResponse) -> Vec<i64> {
    page.texts("ul.counts li strong")
        .iter()
        .map(|t| t.parse().unwrap())
        .collect()
}

async fn setup(app: &TestApp) -> (Client<'_>, i64, i64) {
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    (
        app.signed_in("admin@example.test", Role::Admin, None).await,
        ouh,
        kol,
    )
}

#[tokio::test]
async fn both_samples_import_cleanly_and_a_preview_writes_nothing() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    let preview = upload(
        &mut admin,
        "invitationsliste-eksempel.csv",
        &sample("invitationsliste-eksempel.csv"),
        None,
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(counts(&preview), vec![25, 0, 0, 0]);
    assert_eq!(count(&app, "patients").await, 0);
    assert_eq!(count(&app, "import_batches").await, 0);
    let batch = import(
        &mut admin,
        "invitationsliste-eksempel.csv",
        &sample("invitationsliste-eksempel.csv"),
        None,
    )
    .await;
    assert_eq!(counts(&batch), vec![25, 0, 0, 0]);
    let english = import(
        &mut admin,
        "invitation-list-example-en.csv",
        &sample("invitation-list-example-en.csv"),
        Some(ouh),
    )
    .await;
    assert_eq!(counts(&english), vec![10, 0, 0, 0]);
    assert_eq!(count(&app, "patients").await, 35);
    // Danish letters, normalised phones, codes without the SKS prefix, decimal comma.
    let (first, mobile, diagnoses, risk, status): (String, Option<String>, Vec<String>, Option<f64>, String) =
        sqlx::query_as(
            "select first_name, mobile, diagnoses, risk_score, status from patients where cpr = '2803659436'",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(first, "Birgit");
    assert_eq!(mobile.as_deref(), Some("+4597214008"));
    assert_eq!(diagnoses, vec!["E11", "I50", "J44"]);
    assert_eq!(risk, Some(0.763));
    assert_eq!(status, "invited");
    let list = admin.get("/imports").await;
    let files = list.texts("table.list tbody td a");
    assert_eq!(
        files,
        vec!["invitation-list-example-en.csv", "invitationsliste-eksempel.csv"],
        "newest first"
    );
}

#[tokio::test]
async fn importing_the_same_file_again_imports_nothing_and_says_so() {
    let app = TestApp::new().await;
    let (mut admin, _, _) = setup(&app).await;
    let bytes = sample("invitationsliste-eksempel.csv");
    import(&mut admin, "list.csv", &bytes, None).await;
    let again = upload(&mut admin, "list-renamed.csv", &bytes, None).await;
    assert_eq!(counts(&again)[..2], [0, 25]);
    assert_eq!(again.texts(".alert").len(), 1);
    assert!(
        again.texts("input[name=pending_id]").is_empty(),
        "no confirm button for a file already imported"
    );
    assert_eq!(count(&app, "patients").await, 25);
    assert_eq!(count(&app, "import_batches").await, 1);
}

#[tokio::test]
async fn a_known_cpr_from_an_earlier_list_creates_no_second_patient() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    import(
        &mut admin,
        "a.csv",
        b"CPR;Navn\n010190-1234;Anna Andersen\n",
        Some(ouh),
    )
    .await;
    let second = import(
        &mut admin,
        "b.csv",
        b"CPR;Navn\n0101901234;Anna Andersen\n020290-2345;Bo Berg\n",
        Some(ouh),
    )
    .await;
    assert_eq!(counts(&second), vec![1, 1, 0, 0]);
    assert_eq!(count(&app, "patients").await, 2);
}

#[tokio::test]
async fn rows_are_rejected_with_line_and_reason_and_optional_values_become_warnings() {
    let app = TestApp::new().await;
    let (mut admin, _, _) = setup(&app).await;
    let list = "CPR;Navn;Telefon;Risikoscore;Center\r\n\
                010190-1234;Anna Andersen;12 34 56 78;0,5;OUH\r\n\
                310290-1234;Feb Fejl;;;OUH\r\n\
                0101901234;Anna Igen;;;OUH\r\n\
                020290-2345;;;;OUH\r\n\
                030390-3456;Carl Centerløs;;;XYZ\r\n\
                040490-4567;Dorte Dårlig;ring efter 5;høj;KOL\r\n\
                \r\n;;;;\r\n";
    let preview = upload(&mut admin, "list.csv", list.as_bytes(), None).await;
    assert_eq!(counts(&preview), vec![2, 0, 4, 2]);
    let rejected: Vec<String> = preview.texts("#rejected tbody tr");
    assert_eq!(rejected.len(), 4);
    assert!(
        rejected[0].starts_with('3') && rejected[0].contains("ugyldigt CPR-nummer"),
        "{rejected:?}"
    );
    assert!(
        rejected[1].starts_with('4') && rejected[1].contains("samme CPR-nummer som linje 2"),
        "{rejected:?}"
    );
    assert!(
        rejected[2].starts_with('5') && rejected[2].contains("navn mangler"),
        "{rejected:?}"
    );
    assert!(
        rejected[3].starts_with('6') && rejected[3].contains("ukendt callcenter-kode XYZ"),
        "{rejected:?}"
    );
    let warnings = preview.texts("#warnings tbody tr");
    assert!(
        warnings[0].contains("ring efter 5") && warnings[0].contains("Telefon"),
        "{warnings:?}"
    );
    assert!(warnings[1].contains("høj"), "{warnings:?}");
    let page = import(&mut admin, "list.csv", list.as_bytes(), None).await;
    assert_eq!(counts(&page), vec![2, 0, 4, 2]);
    let (phone, risk): (Option<String>, Option<f64>) =
        sqlx::query_as("select phone, risk_score from patients where cpr = '0404904567'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((phone, risk), (None, None));
    // The rejected rows, to send back to the data unit.
    let batch_id: i64 = sqlx::query_scalar("select id from import_batches")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let csv = admin.get(&format!("/imports/{batch_id}/rejected.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.body.contains("4;same CPR number as line 2") || csv.body.contains("4;same CPR as line 2"),
        "{}",
        csv.body
    );
}

#[tokio::test]
async fn a_list_without_a_centre_column_needs_a_chosen_centre() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    let refused = upload(
        &mut admin,
        "list.csv",
        b"CPR,Name\n010190-1234,Anna Andersen\n",
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.texts(".alert")[0].contains("Center"));
    import(
        &mut admin,
        "list.csv",
        b"CPR,Name\n010190-1234,Anna Andersen\n",
        Some(ouh),
    )
    .await;
    let centre: i64 = sqlx::query_scalar("select centre_id from patients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(centre, ouh);
}

#[tokio::test]
async fn a_file_that_is_not_a_list_is_refused_and_imports_nothing() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.csv", b"", "Filen er tom."),
        (
            "image.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "Filen er hverken en CSV- eller en XLSX-fil.",
        ),
        (
            "header.csv",
            b"CPR;Navn\r\n\r\n",
            "Filen har en overskriftsrække, men ingen rækker med data.",
        ),
        (
            "nocpr.csv",
            b"Navn;Telefon\nAnna;12345678\n",
            "Der er ingen CPR-kolonne i overskriftsrækken.",
        ),
    ];
    for (name, bytes, message) in cases {
        let response = upload(&mut admin, name, bytes, Some(ouh)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(response.texts(".alert"), vec![message], "{name}");
        // The chosen centre is kept in the form.
        assert!(
            response.body.contains(&format!("value=\"{ouh}\" selected")),
            "{name}"
        );
    }
    assert_eq!(count(&app, "pending_imports").await, 0);
    assert_eq!(count(&app, "patients").await, 0);
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_refused_politely() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    let mut big = b"CPR;Navn\n".to_vec();
    big.resize(52 * 1024 * 1024, b'x');
    let response = upload(&mut admin, "big.csv", &big, Some(ouh)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.texts(".alert")[0].contains("50 MB"),
        "{:?}",
        response.texts(".alert")
    );
}

#[tokio::test]
async fn windows_1252_lists_keep_their_danish_letters() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    let (bytes, _, _) =
        encoding_rs::WINDOWS_1252.encode("CPR;Fornavn;Efternavn;By\r\n010190-1234;Søren;Ærø;Århus\r\n");
    import(&mut admin, "ansi.csv", &bytes, Some(ouh)).await;
    let (first, last, city): (String, String, String) =
        sqlx::query_as("select first_name, last_name, city from patients")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (first.as_str(), last.as_str(), city.as_str()),
        ("Søren", "Ærø", "Århus")
    );
}

#[tokio::test]
async fn an_xlsx_list_with_numbers_typed_as_numbers_imports() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in ["CPR", "Navn", "Postnr", "Risikoscore"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "010190-1234").unwrap();
    sheet.write_string(1, 1, "Anna Andersen").unwrap();
    sheet.write_number(1, 2, 5000.0).unwrap();
    sheet.write_number(1, 3, 0.42).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let page = import(&mut admin, "list.xlsx", &bytes, Some(ouh)).await;
    assert_eq!(counts(&page), vec![1, 0, 0, 0]);
    let (postal, risk, last): (Option<String>, Option<f64>, String) =
        sqlx::query_as("select postal_code, risk_score, last_name from patients")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (postal.as_deref(), risk, last.as_str()),
        (Some("5000"), Some(0.42), "Andersen")
    );
}

#[tokio::test]
async fn a_failure_in_the_middle_of_an_import_leaves_nothing_of_the_batch() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut list = String::from("CPR;Navn\n");
    for i in 0..12_000u32 {
        list.push_str(&format!(
            "{:02}01{:02}{:04};Person {i}\n",
            1 + i % 28,
            40 + i % 50,
            1000 + i % 9000
        ));
    }
    let plan = coachline::imports::plan(&app.db, "big.csv", list.into_bytes().into(), Some(ouh))
        .await
        .unwrap();
    assert!(
        plan.report.imported > 5_000,
        "the list spans more than one chunk of COPY"
    );
    // The database fails on the last chunk's rows.
    sqlx::raw_sql(
        "create function fail_late() returns trigger language plpgsql as $$
         begin if new.last_name = '11999' then raise exception 'disk full'; end if; return new; end $$;
         create trigger fail_late before insert on patients for each row execute function fail_late();",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let result = coachline::imports::commit(&app.db, plan, None, coachline::imports::Source::Cli).await;
    assert!(result.is_err());
    assert_eq!(count(&app, "patients").await, 0);
    assert_eq!(count(&app, "import_batches").await, 0);
}

#[tokio::test]
async fn a_preview_keeps_only_the_rejected_rows_it_shows_and_the_import_keeps_them_all() {
    let app = TestApp::new().await;
    app.centre("OUH").await;
    let mut list = String::from("CPR;Navn;Center\n010190-1234;Ida Først;OUH\n020190-1234;Ole Anden;XYZ\n");
    for i in 0..1_200 {
        list.push_str(&format!("ikke-et-cpr-{i};Person {i};OUH\n"));
    }
    let shown = coachline::imports::report::SHOWN;
    let plan = coachline::imports::plan(&app.db, "many.csv", list.clone().into_bytes().into(), None)
        .await
        .unwrap();
    assert_eq!((plan.report.imported, plan.report.rejected), (1, 1_201));
    assert_eq!(plan.report.errors.len(), shown, "the preview keeps what it shows");
    assert_eq!(
        plan.report.errors[0].line, 3,
        "the unknown centre comes first, in line order"
    );
    assert_eq!(count(&app, "patients").await, 0, "a preview writes nothing");
    let plan = coachline::imports::prepare("many.csv", list.into_bytes().into(), None);
    let (_, report) = coachline::imports::commit(&app.db, plan, None, coachline::imports::Source::Cli)
        .await
        .unwrap();
    assert_eq!(
        (report.imported, report.rejected, report.errors.len()),
        (1, 1_201, 1_201)
    );
    assert_eq!(count(&app, "patients").await, 1);
}

#[tokio::test]
async fn two_admins_confirming_the_same_file_at_once_import_it_once() {
    let app = TestApp::new().await;
    let _ = app.centre("OUH").await;
    let _ = app.centre("KOL").await;
    let bytes = sample("invitationsliste-eksempel.csv");
    let a = coachline::imports::plan(&app.db, "a.csv", bytes.clone().into(), None)
        .await
        .unwrap();
    let b = coachline::imports::plan(&app.db, "b.csv", bytes.into(), None)
        .await
        .unwrap();
    let (ra, rb) = tokio::join!(
        coachline::imports::commit(&app.db, a, None, coachline::imports::Source::Cli),
        coachline::imports::commit(&app.db, b, None, coachline::imports::Source::Cli),
    );
    assert_eq!([ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count(), 1);
    assert_eq!(count(&app, "import_batches").await, 1);
    assert_eq!(count(&app, "patients").await, 25);
}

#[tokio::test]
async fn names_that_look_like_formulas_are_stored_as_text_and_neutralised_in_csv() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    let list = "CPR;Fornavn;Efternavn;Adresse\n010190-1234;=HYPERLINK(\"x\");@Berg;+45 Vej\n010190-1234;Dup;Licate;x\n";
    import(&mut admin, "f.csv", list.as_bytes(), Some(ouh)).await;
    let (first, address): (String, String) = sqlx::query_as("select first_name, address from patients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (first.as_str(), address.as_str()),
        ("=HYPERLINK(\"x\")", "+45 Vej")
    );
    assert_eq!(coachline::web::spreadsheet::neutralise("=1+1"), "'=1+1");
    assert_eq!(coachline::web::spreadsheet::neutralise("@SUM(A1)"), "'@SUM(A1)");
}

#[tokio::test]
async fn only_admins_reach_the_imports() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut coordinator = app
        .signed_in("c@example.test", Role::Coordinator, Some(ouh))
        .await;
    assert_eq!(coordinator.get("/imports").await.status, StatusCode::FORBIDDEN);
    let response = upload(
        &mut coordinator,
        "x.csv",
        b"CPR;Navn\n010190-1234;A B\n",
        Some(ouh),
    )
    .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "pending_imports").await, 0);
}

#[tokio::test]
async fn a_hostile_ten_megabyte_workbook_is_refused_with_a_clear_message() {
    let app = TestApp::new().await;
    let (mut admin, ouh, _) = setup(&app).await;
    let bytes = coachline::imports::hostile::many_cells(200_000);
    assert!(bytes.len() >= 10 * 1024 * 1024, "{}", bytes.len());
    let response = upload(&mut admin, "liste.xlsx", &bytes, Some(ouh)).await;
    assert_eq!(
        response.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        response.body
    );
    assert!(
        response.body.contains("højst 2000000 udfyldte celler"),
        "{}",
        response.body
    );
    assert_eq!(count(&app, "patients").await, 0);
}
