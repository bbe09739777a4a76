//! The Imports pages: upload, preview, confirm, the batches and their rejected rows.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::parse::{self, Refusal};
use super::randomise::{self, Randomisation, Ratio};
use super::report::Report;
use super::run::{self, ImportError, Source};
use crate::admin::users::{centre_choices, CentreChoice};
use crate::web::spreadsheet::neutralise;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// A batch as listed.
pub struct BatchRow {
    pub id: i64,
    pub file_name: String,
    pub imported_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub rows_imported: i32,
    pub rows_known: i32,
    pub rows_rejected: i32,
    pub warnings: i32,
}

#[derive(Template)]
#[template(path = "imports/list.html")]
struct ListPage {
    layout: Layout,
    batches: Vec<BatchRow>,
    centres: Vec<CentreChoice>,
    centre_id: String,
    error: Option<String>,
}

async fn batches(db: &sqlx::PgPool) -> Result<Vec<BatchRow>, sqlx::Error> {
    sqlx::query_as!(
        BatchRow,
        r#"select b.id, b.file_name, u.name as "imported_by?", b.created_at, b.rows_imported,
                  b.rows_known, b.rows_rejected, b.warnings
             from import_batches b left join users u on u.id = b.imported_by
            order by b.created_at desc, b.id desc limit 200"#
    )
    .fetch_all(db)
    .await
}

async fn list_page(
    state: &AppState,
    layout: Layout,
    centre_id: String,
    error: Option<String>,
) -> Result<Response> {
    let page = ListPage {
        layout,
        batches: batches(&state.db).await?,
        centres: centre_choices(&state.db).await?,
        centre_id,
        error,
    };
    let mut response = render(&page)?;
    if page.error.is_some() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /imports`: upload a list; the batches, newest first.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    list_page(&state, page.layout, String::new(), None).await
}

impl ListPage {
    fn upload_hint(&self) -> String {
        self.layout
            .lang
            .tf("imports.file_hint", &[("mb", &MAX_UPLOAD_MB)])
    }
}

#[derive(Template)]
#[template(path = "imports/preview.html")]
struct PreviewPage {
    layout: Layout,
    pending_id: String,
    report: Report,
    centre: Option<String>,
    earlier_batch: Option<i64>,
    /// The randomisation as chosen (kept when the form comes back with an error).
    randomise: bool,
    ratio: String,
    seed: String,
    seed_error: Option<&'static str>,
}

impl PreviewPage {
    fn ratios(&self) -> [Ratio; 2] {
        Ratio::ALL
    }
}

/// `POST /imports/preview` (multipart: `file`, `centre_id`): parses and checks the list, writes
/// nothing but the upload itself, and shows what confirming would do.
pub async fn preview(
    State(state): State<AppState>,
    page: Page,
    mut multipart: Multipart,
) -> Result<Response> {
    let mut file: Option<(String, axum::body::Bytes)> = None;
    let mut centre_id = String::new();
    let mut too_large = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                too_large = true;
                break;
            }
        };
        match field.name() {
            Some("centre_id") => centre_id = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("list.csv").to_owned();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(_) => too_large = true,
                }
            }
            _ => {}
        }
    }
    let lang = page.lang();
    let refuse = |key: &str, arg: String| lang.tf(key, &[("arg", &arg)]);
    if too_large {
        let error = refuse(
            Refusal::TooLarge.key(),
            Refusal::TooLarge.detail().unwrap_or_default(),
        );
        return list_page(&state, page.layout, centre_id, Some(error)).await;
    }
    let Some((file_name, bytes)) = file.filter(|(name, _)| !name.is_empty()) else {
        return list_page(
            &state,
            page.layout,
            centre_id,
            Some(lang.t("import.no_file").to_owned()),
        )
        .await;
    };
    let default_centre = centre_id.trim().parse::<i64>().ok();
    let plan = match run::plan(&state.db, &file_name, bytes.clone(), default_centre).await {
        Ok(plan) => plan,
        Err(ImportError::Database(e)) => return Err(e.into()),
        Err(ImportError::Refused(r)) => {
            let error = refuse(r.key(), r.detail().unwrap_or_default());
            return list_page(&state, page.layout, centre_id, Some(error)).await;
        }
        Err(other) => {
            return list_page(
                &state,
                page.layout,
                centre_id,
                Some(lang.t(other.key()).to_owned()),
            )
            .await
        }
    };
    let earlier_batch = sqlx::query_scalar!(
        "select id from import_batches where file_sha256 = $1",
        plan.sha256
    )
    .fetch_optional(&state.db)
    .await?;
    let pending_id = uuid::Uuid::new_v4();
    sqlx::query!("delete from pending_imports where created_at < now() - interval '1 day'")
        .execute(&state.db)
        .await?;
    sqlx::query!(
        "insert into pending_imports (id, uploaded_by, file_name, content, default_centre_id)
         values ($1, $2, $3, $4, $5)",
        pending_id,
        page.user.id,
        file_name,
        &bytes[..],
        default_centre
    )
    .execute(&state.db)
    .await?;
    let centre = match default_centre {
        Some(id) => {
            sqlx::query_scalar!("select name from centres where id = $1", id)
                .fetch_optional(&state.db)
                .await?
        }
        None => None,
    };
    render(&PreviewPage {
        layout: page.layout,
        pending_id: pending_id.to_string(),
        report: plan.report,
        centre,
        earlier_batch,
        randomise: false,
        ratio: Ratio::OneToOne.as_str().to_owned(),
        seed: String::new(),
        seed_error: None,
    })
}

#[derive(Deserialize)]
pub struct Confirmation {
    pending_id: uuid::Uuid,
    /// Present when the admin chose to randomise the new people.
    #[serde(default)]
    randomise: Option<String>,
    #[serde(default)]
    ratio: String,
    /// Empty: a fresh seed is drawn (and recorded with the batch).
    #[serde(default)]
    seed: String,
}

impl Confirmation {
    /// The randomisation asked for, or the catalogue key of what is wrong with it.
    fn randomisation(&self) -> std::result::Result<Option<Randomisation>, &'static str> {
        if self.randomise.is_none() {
            return Ok(None);
        }
        let ratio = Ratio::parse(&self.ratio).ok_or("randomise.ratio_invalid")?;
        let seed = match self.seed.trim() {
            "" => randomise::new_seed(),
            text => text
                .parse::<i64>()
                .ok()
                .filter(|s| *s >= 0)
                .ok_or("randomise.seed_invalid")?,
        };
        Ok(Some(Randomisation { ratio, seed }))
    }
}

/// The preview again, with the randomisation as typed and what is wrong with it.
async fn preview_again(
    state: &AppState,
    page: Page,
    form: &Confirmation,
    error: &'static str,
) -> Result<Response> {
    let pending = sqlx::query!(
        "select file_name, content, default_centre_id from pending_imports where id = $1 and uploaded_by = $2",
        form.pending_id,
        page.user.id
    )
    .fetch_optional(&state.db)
    .await?;
    let Some(pending) = pending else {
        return Ok(Redirect::to("/imports").into_response());
    };
    let plan = match run::plan(
        &state.db,
        &pending.file_name,
        pending.content.into(),
        pending.default_centre_id,
    )
    .await
    {
        Ok(plan) => plan,
        Err(ImportError::Database(e)) => return Err(e.into()),
        Err(_) => return Ok(Redirect::to("/imports").into_response()),
    };
    let centre = match pending.default_centre_id {
        Some(id) => {
            sqlx::query_scalar!("select name from centres where id = $1", id)
                .fetch_optional(&state.db)
                .await?
        }
        None => None,
    };
    let mut response = render(&PreviewPage {
        layout: page.layout,
        pending_id: form.pending_id.to_string(),
        report: plan.report,
        centre,
        earlier_batch: None,
        randomise: true,
        ratio: form.ratio.clone(),
        seed: form.seed.clone(),
        seed_error: Some(error),
    })?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// `POST /imports/confirm`: imports the previewed file in one transaction.
pub async fn confirm(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<Confirmation>,
) -> Result<Response> {
    let randomisation = match form.randomisation() {
        Ok(r) => r,
        Err(key) => return preview_again(&state, page, &form, key).await,
    };
    let pending = sqlx::query!(
        "delete from pending_imports where id = $1 and uploaded_by = $2
         returning file_name, content, default_centre_id",
        form.pending_id,
        page.user.id
    )
    .fetch_optional(&state.db)
    .await?;
    let Some(pending) = pending else {
        // Already confirmed (a double click) or expired: the batches list tells which.
        return Ok(Redirect::to("/imports").into_response());
    };
    // The commit checks the list again as it imports it, in one pass.
    let plan = run::prepare(
        &pending.file_name,
        pending.content.into(),
        pending.default_centre_id,
    );
    let result =
        run::commit_randomised(&state.db, plan, Some(page.user.id), Source::Web, randomisation).await;
    match result {
        Ok((batch_id, _)) => Ok(Redirect::to(&format!("/imports/{batch_id}")).into_response()),
        Err(ImportError::AlreadyImported { batch_id }) => {
            Ok(Redirect::to(&format!("/imports/{batch_id}?again=1")).into_response())
        }
        Err(ImportError::Database(e)) => Err(e.into()),
        Err(other) => {
            let text = page.lang().t(other.key()).to_owned();
            list_page(&state, page.layout, String::new(), Some(text)).await
        }
    }
}

#[derive(Template)]
#[template(path = "imports/batch.html")]
struct BatchPage {
    layout: Layout,
    batch: BatchRow,
    report: Report,
    again: bool,
    /// Ratio and seed when the batch was randomised, and how many went to each arm.
    randomisation: Option<(String, i64)>,
    intervention: i64,
    control: i64,
}

async fn load_batch(db: &sqlx::PgPool, id: i64) -> Result<(BatchRow, Report)> {
    let row = sqlx::query!(
        r#"select b.id, b.file_name, u.name as "imported_by?", b.created_at, b.rows_imported,
                  b.rows_known, b.rows_rejected, b.warnings, b.report
             from import_batches b left join users u on u.id = b.imported_by where b.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let report = serde_json::from_value(row.report).unwrap_or_default();
    let batch = BatchRow {
        id: row.id,
        file_name: row.file_name,
        imported_by: row.imported_by,
        created_at: row.created_at,
        rows_imported: row.rows_imported,
        rows_known: row.rows_known,
        rows_rejected: row.rows_rejected,
        warnings: row.warnings,
    };
    Ok((batch, report))
}

#[derive(Deserialize)]
pub struct BatchQuery {
    again: Option<String>,
}

/// `GET /imports/{id}`: who imported which file when, the counts, rejected rows and warnings.
pub async fn batch(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    axum::extract::Query(query): axum::extract::Query<BatchQuery>,
) -> Result<Response> {
    let (batch, report) = load_batch(&state.db, id).await?;
    let r = sqlx::query!(
        r#"select b.random_ratio, b.random_seed,
                  (select count(*) from patients p where p.batch_id = b.id and p.arm = 'intervention') as "intervention!",
                  (select count(*) from patients p where p.batch_id = b.id and p.arm = 'control') as "control!"
             from import_batches b where b.id = $1"#,
        id
    )
    .fetch_one(&state.db)
    .await?;
    render(&BatchPage {
        layout: page.layout,
        batch,
        report,
        again: query.again.is_some(),
        randomisation: r.random_ratio.zip(r.random_seed),
        intervention: r.intervention,
        control: r.control,
    })
}

/// `GET /imports/{id}/rejected.csv`: the rejected rows, to send back to the data unit.
pub async fn rejected_csv(
    State(state): State<AppState>,
    _page: Page,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (batch, report) = load_batch(&state.db, id).await?;
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(e.into());
    // The rejected rows, then the values dropped from imported rows, for the data unit to
    // correct. Values are as the file had them, neutralised so no cell runs as a formula.
    writer
        .write_record(["line", "reason", "column", "value"])
        .map_err(io)?;
    for error in &report.errors {
        writer
            .write_record([&error.line.to_string(), &*neutralise(&error.reason), "", ""])
            .map_err(io)?;
    }
    for warning in &report.warning_list {
        writer
            .write_record([
                &warning.line.to_string(),
                &*neutralise(&warning.reason),
                &*neutralise(&warning.column),
                &*neutralise(&warning.value),
            ])
            .map_err(io)?;
    }
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?,
    );
    let name = format!("rejected-batch-{}.csv", batch.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The upload limit in MB, for the form's hint.
pub const MAX_UPLOAD_MB: usize = parse::MAX_FILE_BYTES / (1024 * 1024);
