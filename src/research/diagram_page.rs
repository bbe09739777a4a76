//! The CONSORT diagram's downloads: `/research/consort.svg?centre=CODE` (one flow; all centres
//! when no code) and `/research/consort.pdf` (all centres, then each on its own page).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::consort::{self, CentreFlow};
use super::diagram::{self, Diagram};
use crate::admin::users::centre_choices;
use crate::web::{Lang, Page, Result};
use crate::AppState;

/// Which flow: a centre's code, or all when empty.
#[derive(Debug, Default, Deserialize)]
pub struct FlowQuery {
    #[serde(default)]
    pub centre: String,
}

/// Every flow as of `asof`, laid out, with its centre's code: all centres first (code empty).
pub async fn diagrams(state: &AppState, asof: NaiveDate, lang: Lang) -> Result<Vec<(String, Diagram)>> {
    let ids: Vec<i64> = centre_choices(&state.db).await?.iter().map(|c| c.id).collect();
    let flows = consort::flow(&state.db, &ids, asof).await?;
    let timepoints = consort::timepoint_names(&state.db, lang).await?;
    Ok(flows
        .iter()
        .map(|f| (f.code.clone(), laid_out(f, &timepoints, asof, lang)))
        .collect())
}

fn laid_out(flow: &CentreFlow, timepoints: &[(String, String)], asof: NaiveDate, lang: Lang) -> Diagram {
    let whose = if flow.code.is_empty() {
        lang.t("consort.all_centres")
    } else {
        flow.code.as_str()
    };
    let title = format!(
        "{} · {whose} · {} {}",
        lang.t("consort.title"),
        lang.t("research.asof"),
        lang.date(asof)
    );
    diagram::layout(flow, title, timepoints, lang)
}

fn download(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /research/consort.svg`: one flow's diagram.
pub async fn svg(State(state): State<AppState>, page: Page, Query(q): Query<FlowQuery>) -> Result<Response> {
    let today = page.today();
    let all = diagrams(&state, today, page.lang()).await?;
    let Some((code, d)) = all.iter().find(|(code, _)| code == q.centre.trim()) else {
        return Err(crate::web::AppError::NotFound);
    };
    let name = format!(
        "consort-{}-{today}.svg",
        if code.is_empty() { "all" } else { code }
    );
    Ok(download(
        "image/svg+xml; charset=utf-8",
        name.replace(['"', '/', '\\'], "_"),
        diagram::svg(d).into_bytes(),
    ))
}

/// `GET /research/consort.pdf`: every flow, one page each.
pub async fn pdf(State(state): State<AppState>, page: Page) -> Result<Response> {
    let today = page.today();
    let lang = page.lang();
    let all = diagrams(&state, today, lang).await?;
    let diagrams: Vec<Diagram> = all.into_iter().map(|(_, d)| d).collect();
    let body = super::diagram_pdf::render(&diagrams, lang.t("consort.title"));
    Ok(download("application/pdf", format!("consort-{today}.pdf"), body))
}
