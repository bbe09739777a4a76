//! `/research/resources`: resource use per patient per month, in total, per call centre and
//! per nurse pseudonym, for a period. Counts and rates only; groups under five suppressed.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Months, NaiveDate};
use serde::Deserialize;

use super::consort;
use super::outcomes_page::chosen;
use super::pseudonym::Pseudonymiser;
use super::resources::{self, Group, Usage};
use crate::admin::users::{centre_choices, CentreChoice};
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// The period and centre as typed; a day that does not parse falls back to the default.
#[derive(Debug, Default, Deserialize)]
pub struct UsageQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub centre: String,
}

#[derive(Template)]
#[template(path = "research/resources.html")]
struct ResourcesPage {
    layout: Layout,
    centres: Vec<CentreChoice>,
    centre: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    key_missing: bool,
    rows: Vec<Usage>,
}

impl ResourcesPage {
    fn rate(&self, usage: &Usage, count: &i64) -> String {
        usage
            .rate(*count)
            .map_or_else(|| "–".to_owned(), |r| self.layout.language().decimal(r, 2))
    }

    fn months(&self, usage: &Usage) -> String {
        if usage.shown() {
            self.layout.language().decimal(usage.patient_months, 1)
        } else {
            "–".to_owned()
        }
    }

    fn count(&self, n: &i64) -> String {
        consort::shown(*n)
    }

    fn is_chosen(&self, id: &i64) -> bool {
        self.centre == Some(*id)
    }

    fn rows_of(&self, kind: impl AsRef<str>) -> Vec<&Usage> {
        let kind = kind.as_ref();
        self.rows
            .iter()
            .filter(|u| match &u.group {
                Group::All => kind == "all",
                Group::Centre(_) => kind == "centre",
                Group::Nurse(_) => kind == "nurse",
            })
            .collect()
    }

    fn name<'a>(&'a self, usage: &'a Usage) -> &'a str {
        match &usage.group {
            Group::All => self.layout.t("consort.all_centres"),
            Group::Centre(code) | Group::Nurse(code) => code,
        }
    }
}

/// `GET /research/resources`: the last twelve months unless a period is given.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<UsageQuery>,
) -> Result<Response> {
    let today = page.today();
    let day = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
    let to = day(&q.to).unwrap_or(today);
    let from = day(&q.from).filter(|f| *f <= to).unwrap_or(to - Months::new(12));
    let centres = centre_choices(&state.db).await?;
    let (ids, centre) = chosen(&centres, &q.centre);
    let names = Pseudonymiser::new(&state.config.pseudonym_key);
    let rows = resources::usage(&state.db, &ids, from, to, today.min(to), names.as_ref()).await?;
    render(&ResourcesPage {
        layout: page.layout,
        centres,
        centre,
        from,
        to,
        key_missing: names.is_none(),
        rows,
    })
}
