//! No file the product writes runs a formula when opened in a spreadsheet: text cells that
//! start with `=`, `+`, `-`, `@`, tab or carriage return get a leading `'`, numbers stay
//! numbers, and the database keeps what was imported exactly.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::helpers::TestApp;
use crate::imports::import;
use crate::research::unzip;

const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"klik\")";

/// A list whose municipality and mobile are formulas, with a row rejected for its CPR number.
fn hostile_list() -> String {
    format!(
        "CPR;Fornavn;Efternavn;Kommune;Mobil;Risikoscore\n\
         010190-1234;Inge;Testesen;\"{}\";\"{}\";0,5\n\
         999999-9999;Ulla;Ugyldig;Odense;;0,2\n",
        FORMULA.replace('"', "\"\""),
        FORMULA.replace('"', "\"\""),
    )
}

fn records(csv: &str, delimiter: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_municipality_that_is_a_formula_is_neutralised_in_the_research_export_and_kept_in_the_database() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    import(&mut admin, "list.csv", hostile_list().as_bytes(), Some(ouh)).await;
    let stored: String = sqlx::query_scalar("select municipality from patients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, FORMULA, "the database keeps what the file said");

    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Copenhagen)
        .date_naive()
        .to_string();
    let response = admin
        .post(
            "/research/export",
            &[
                ("from", "2000-01-01"),
                ("to", &today),
                ("centre", &ouh.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let files = unzip(&response.bytes);
    let patients = records(&files["patients.csv"], b',');
    assert_eq!(patients.len(), 1);
    let row = &patients[0];
    assert_eq!(row[4], format!("'{FORMULA}"), "municipality");
    assert_eq!(row[6], "0.5", "the risk score stays a number");
    for (name, text) in &files {
        for record in records(text, b',') {
            for cell in record {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{name}: {cell}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_rejected_rows_download_neutralises_formula_values() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    import(&mut admin, "list.csv", hostile_list().as_bytes(), Some(ouh)).await;
    let batch: i64 = sqlx::query_scalar("select id from import_batches")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let csv = admin.get(&format!("/imports/{batch}/rejected.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows = records(&csv.body, b';');
    assert!(
        rows.iter().any(|r| r[0] == "3" && r[1].contains("CPR")),
        "{rows:?}"
    );
    // The mobile was dropped with a warning; its value goes back to the data unit, defused.
    let dropped = rows
        .iter()
        .find(|r| r[0] == "2")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(dropped[3], format!("'{FORMULA}"));
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell}");
        }
    }
}
