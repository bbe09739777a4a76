//! The export page: pick a period and call centres, download the ZIP. Every download is written
//! to the access log with its filter before the first byte goes out.

use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::{Months, NaiveDate};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::consort::{self, CentreFlow};
use super::export::Filter;
use super::pseudonym::Pseudonymiser;
use crate::admin::users::{centre_choices, CentreChoice};
use crate::web::FormErrors;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// The form as typed.
#[derive(Clone, Debug, Default)]
pub struct ExportForm {
    pub from: String,
    pub to: String,
    pub centres: Vec<String>,
}

impl ExportForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "from" => form.from = value,
                "to" => form.to = value,
                "centre" => form.centres.push(value),
                _ => {}
            }
        }
        form
    }

    /// Checks the form against the known centres.
    pub fn validate(&self, known: &[CentreChoice]) -> std::result::Result<Filter, FormErrors> {
        let mut errors = FormErrors::default();
        let date = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
        let from = date(&self.from);
        let to = date(&self.to);
        if from.is_none() {
            errors.add("from", "research.date_invalid");
        }
        if to.is_none() {
            errors.add("to", "research.date_invalid");
        }
        if from.zip(to).is_some_and(|(f, t)| f > t) {
            errors.add("to", "research.period_backwards");
        }
        let centres: Vec<i64> = self
            .centres
            .iter()
            .filter_map(|c| c.trim().parse().ok())
            .filter(|id| known.iter().any(|k| k.id == *id))
            .collect();
        if centres.is_empty() {
            errors.add("centres", "research.no_centre");
        }
        match (from, to, errors.is_empty()) {
            (Some(from), Some(to), true) => Ok(Filter { from, to, centres }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "research/export.html")]
struct ExportPage {
    layout: Layout,
    form: ExportForm,
    errors: FormErrors,
    centres: Vec<CentreChoice>,
    key_missing: bool,
    /// The trial's flow in total and per centre, as of today.
    flows: Vec<CentreFlow>,
    timepoints: Vec<(String, String)>,
    /// The flow of all centres drawn.
    diagram: String,
}

impl ExportPage {
    fn centre_checked(&self, id: &i64) -> bool {
        self.form.centres.iter().any(|c| *c == id.to_string())
    }

    fn shown(&self, n: &i64) -> String {
        consort::shown(*n)
    }

    /// The follow-up point's name.
    fn timepoint_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.timepoints
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code, |(_, name)| name.as_str())
    }
}

async fn form_page(
    state: &AppState,
    layout: Layout,
    today: NaiveDate,
    form: ExportForm,
    errors: FormErrors,
) -> Result<Response> {
    let failed = !errors.is_empty();
    let centres = centre_choices(&state.db).await?;
    let ids: Vec<i64> = centres.iter().map(|c| c.id).collect();
    let flows = consort::flow(&state.db, &ids, today).await?;
    let timepoints = consort::timepoint_names(&state.db, layout.lang).await?;
    let diagram = flows.first().map_or_else(String::new, |f| {
        let title = format!(
            "{} · {}",
            layout.t("consort.title"),
            layout.t("consort.all_centres")
        );
        super::diagram::svg(&super::diagram::layout(f, title, &timepoints, layout.lang))
    });
    let mut response = render(&ExportPage {
        layout,
        form,
        errors,
        centres,
        key_missing: Pseudonymiser::new(&state.config.pseudonym_key).is_none(),
        flows,
        timepoints,
        diagram,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /research`: the export form, the last twelve months and every centre chosen.
pub async fn form(State(state): State<AppState>, page: Page) -> Result<Response> {
    let today = page.today();
    let form = ExportForm {
        from: (today - Months::new(12)).to_string(),
        to: today.to_string(),
        centres: centre_choices(&state.db)
            .await?
            .iter()
            .map(|c| c.id.to_string())
            .collect(),
    };
    form_page(&state, page.layout, today, form, FormErrors::default()).await
}

/// `POST /research/export`: streams the ZIP.
pub async fn download(
    State(state): State<AppState>,
    page: Page,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let form = ExportForm::from_pairs(pairs);
    let today = page.today();
    let known = centre_choices(&state.db).await?;
    let filter = match form.validate(&known) {
        Ok(filter) => filter,
        Err(errors) => return form_page(&state, page.layout, today, form, errors).await,
    };
    let Some(names) = Pseudonymiser::new(&state.config.pseudonym_key) else {
        let mut errors = FormErrors::default();
        errors.add("from", "research.key_missing");
        return form_page(&state, page.layout, today, form, errors).await;
    };
    crate::audit::record(
        &state.db,
        page.user.id,
        crate::domain::AccessAction::ResearchExport,
        None,
        true,
        serde_json::to_value(&filter).unwrap_or_default(),
    )
    .await?;
    tracing::info!(user_id = page.user.id, "research export started");
    let (tx, rx) = mpsc::channel(8);
    let url = state.config.database_url.clone();
    let options = state.config.db_options.clone();
    tokio::spawn(async move {
        let failed = tx.clone();
        match super::worker::write_apart(url, options, filter, names, today, tx).await {
            Ok(counts) => tracing::info!(
                calls = counts.calls,
                patients = counts.patients,
                "research export done"
            ),
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), "research export broke off");
                let _ = failed.send(Err(std::io::Error::other("export failed"))).await;
            }
        }
    });
    let name = format!(
        "coachline-research-{}.zip",
        chrono::Utc::now().format("%Y%m%d-%H%M")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(ReceiverStream::new(rx)),
    )
        .into_response())
}
