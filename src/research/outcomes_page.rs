//! `/research/outcomes`: the trial's outcomes by arm over time, for all centres or one, as a
//! chart and a table of the same figures. No person appears: only counts (under five
//! suppressed) and means of groups of at least five.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::chart;
use super::consort;
use super::outcomes::{self, ArmPoint, Outcome};
use crate::admin::users::{centre_choices, CentreChoice};
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// Which centre: all when empty or unknown.
#[derive(Debug, Default, Deserialize)]
pub struct CentreQuery {
    #[serde(default)]
    pub centre: String,
}

/// The chosen centres: one when `chosen` names a known one, else all.
pub fn chosen(centres: &[CentreChoice], chosen: &str) -> (Vec<i64>, Option<i64>) {
    match centres.iter().find(|c| c.id.to_string() == chosen.trim()) {
        Some(c) => (vec![c.id], Some(c.id)),
        None => (centres.iter().map(|c| c.id).collect(), None),
    }
}

#[derive(Template)]
#[template(path = "research/outcomes.html")]
struct OutcomesPage {
    layout: Layout,
    centres: Vec<CentreChoice>,
    centre: Option<i64>,
    asof: String,
    outcomes: Vec<(Outcome, String)>,
}

impl OutcomesPage {
    fn number(&self, value: &f64, decimals: usize) -> String {
        self.layout.language().decimal(*value, decimals)
    }

    /// A difference with its sign, so "+2.5" and "−2.5" read apart.
    fn signed(&self, value: &f64, decimals: usize) -> String {
        let text = self.layout.language().decimal(value.abs(), decimals);
        if *value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            format!("−{text}")
        } else if *value > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            format!("+{text}")
        } else {
            text
        }
    }

    fn count(&self, n: &i64) -> String {
        consort::shown(*n)
    }

    /// Answered of due in per cent, when neither count is suppressed.
    fn complete(&self, a: &ArmPoint) -> String {
        let hidden = |n: i64| (1..outcomes::SMALLEST).contains(&n);
        if a.due == 0 || hidden(a.due) || hidden(a.answered) {
            "–".to_owned()
        } else {
            format!("{} %", (100.0 * a.answered as f64 / a.due as f64).round())
        }
    }

    fn is_chosen(&self, id: &i64) -> bool {
        self.centre == Some(*id)
    }
}

/// `GET /research/outcomes`: WHO-5 and self-rated health by arm and follow-up point.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<CentreQuery>,
) -> Result<Response> {
    let today = page.today();
    let lang = page.lang();
    let centres = centre_choices(&state.db).await?;
    let (ids, centre) = chosen(&centres, &q.centre);
    let arms = [lang.t("arm.intervention"), lang.t("arm.control")];
    let outcomes = outcomes::outcomes(&state.db, &ids, today, lang)
        .await?
        .into_iter()
        .map(|o| {
            let decimals = o.decimals();
            let title = lang.tf("outcomes.chart_title", &[("name", &o.name)]);
            let svg = chart::outcome_svg(&o, arms, &title, |v| lang.decimal(v, decimals));
            (o, svg)
        })
        .collect();
    render(&OutcomesPage {
        asof: lang.date(today),
        layout: page.layout,
        centres,
        centre,
        outcomes,
    })
}
