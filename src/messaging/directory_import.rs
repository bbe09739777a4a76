//! The directory imported from a CSV file (the region's or SOR's extract): every row is checked
//! as the form checks it, and the file is saved whole or not at all, with each problem named by
//! its line.

use axum::extract::{Multipart, State};
use axum::response::Response;

use super::directory::{self, OrganisationForm};
use crate::web::{FormErrors, Lang, Page, Result};
use crate::AppState;

/// The largest directory file taken (a whole country's GP practices fit many times).
const MAX_BYTES: usize = 2 * 1024 * 1024;

/// Which form field a header names, in Danish or English, any case.
fn field_of(header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    Some(match h.as_str() {
        "kind" | "type" | "art" => "kind",
        "name" | "navn" => "name",
        "sor" | "sor_code" | "sor-kode" | "sorkode" | "sor kode" => "sor_code",
        "ean" | "ean_number" | "ean-nummer" | "lokationsnummer" | "ean-lokationsnummer" => "ean",
        "municipality_code" | "kommunekode" | "kommunenummer" | "kommunenr" => "municipality_code",
        "gp_provider_number" | "provider_number" | "ydernummer" | "ydernr" => "gp_provider_number",
        "centre" | "centre_code" | "center" | "callcenter" => "centre_code",
        _ => return None,
    })
}

/// The stored code of a kind written in a file, in Danish or English.
fn kind_code(text: &str) -> String {
    match text.trim().to_lowercase().as_str() {
        "gp" | "gp_practice" | "gp practice" | "læge" | "lægepraksis" | "almen praksis" | "praksis" => {
            "gp_practice".into()
        }
        "municipality" | "kommune" => "municipality".into(),
        "hospital"
        | "hospital_department"
        | "hospital department"
        | "sygehus"
        | "sygehusafdeling"
        | "afdeling" => "hospital_department".into(),
        other => other.to_owned(),
    }
}

/// The file's text: UTF-8 (with or without BOM), else Windows-1252.
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// Reads the rows of a directory file, or every problem found (in `lang`).
/// Each row comes with its line number.
pub fn parse(
    bytes: &[u8],
    lang: Lang,
) -> std::result::Result<Vec<(usize, directory::ValidOrganisation)>, Vec<String>> {
    let text = decode(bytes);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return Err(vec![lang.t("directory.import_not_csv").to_owned()]);
    };
    let columns: Vec<Option<&'static str>> = headers.iter().map(field_of).collect();
    let missing: Vec<&str> = ["kind", "name", "sor_code", "ean"]
        .into_iter()
        .filter(|f| !columns.contains(&Some(*f)))
        .collect();
    if !missing.is_empty() {
        return Err(vec![lang.tf(
            "directory.import_missing_columns",
            &[("arg", &missing.join(", "))],
        )]);
    }
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let Ok(record) = record else {
            problems.push(lang.tf("directory.import_line_unreadable", &[("line", &line)]));
            continue;
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let mut form = OrganisationForm::default();
        for (cell, column) in record.iter().zip(&columns) {
            let value = cell.trim().to_owned();
            match column {
                Some("kind") => form.kind = kind_code(&value),
                Some("name") => form.name = value,
                Some("sor_code") => form.sor_code = value,
                Some("ean") => form.ean = value,
                Some("municipality_code") => form.municipality_code = value,
                Some("gp_provider_number") => form.gp_provider_number = value,
                Some("centre_code") => form.centre_code = value,
                _ => {}
            }
        }
        match form.validate() {
            Ok(valid) => {
                if let Some(first) = seen.insert(valid.sor_code.clone(), line) {
                    problems.push(lang.tf(
                        "directory.import_duplicate",
                        &[("line", &line), ("first", &first)],
                    ));
                }
                rows.push((line, valid));
            }
            Err(invalid) => problems.push(describe(lang, line, &invalid.1)),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(lang.t("directory.import_empty").to_owned());
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn describe(lang: Lang, line: usize, errors: &FormErrors) -> String {
    let what = errors
        .0
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                lang.t(&format!("organisation.{}", e.field)),
                lang.t(e.key)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    lang.tf("directory.import_line", &[("line", &line), ("arg", &what)])
}

/// The directory page again, saying why the file was refused.
async fn refuse(state: &AppState, layout: crate::web::Layout, problems: Vec<String>) -> Result<Response> {
    directory::directory_page(
        state,
        layout,
        OrganisationForm::default(),
        FormErrors::default(),
        problems,
    )
    .await
}

/// `POST /admin/directory/import` (multipart `file`): saves every row or none.
pub async fn import(State(state): State<AppState>, page: Page, mut multipart: Multipart) -> Result<Response> {
    let lang = page.lang();
    let mut bytes = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            bytes = field.bytes().await.ok();
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty() && b.len() <= MAX_BYTES) else {
        return refuse(
            &state,
            page.layout,
            vec![lang.t("directory.import_no_file").to_owned()],
        )
        .await;
    };
    let rows = match parse(&bytes, lang) {
        Ok(rows) => rows,
        Err(problems) => return refuse(&state, page.layout, problems).await,
    };
    let mut tx = state.db.begin().await?;
    let mut problems = Vec::new();
    for (line, row) in &rows {
        if let Err(taken) = directory::save(&mut tx, row, None).await? {
            let what = format!(
                "{}: {}",
                lang.t(&format!("organisation.{}", taken.field())),
                lang.t(taken.key())
            );
            problems.push(lang.tf("directory.import_line", &[("line", line), ("arg", &what)]));
        }
    }
    if !problems.is_empty() {
        tx.rollback().await?;
        return refuse(&state, page.layout, problems).await;
    }
    tx.commit().await?;
    tracing::info!(admin = page.user.id, rows = rows.len(), "imported the directory");
    Ok(crate::web::flash::redirect(
        "/admin/directory",
        "done.directory_imported",
    ))
}
