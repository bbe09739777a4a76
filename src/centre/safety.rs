//! The safety-net page, its thresholds, and its count in the navigation. What the nets hold comes
//! from `crate::safety`, the one reader of the one definition.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::centre_of;
use crate::safety::{self, Entry, Net, Settings};
use crate::web::FormErrors;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// One net with the patients shown of it.
pub struct NetList {
    pub net: Net,
    /// How many patients the net holds.
    pub total: i64,
    pub entries: Vec<Entry>,
    /// The number of the first entry shown (1-based).
    pub first: i64,
}

impl NetList {
    /// Whether the page shows fewer patients than the net holds.
    pub fn partial(&self) -> bool {
        (self.entries.len() as i64) < self.total
    }

    /// The last entry shown.
    pub fn last(&self) -> i64 {
        self.first + self.entries.len() as i64 - 1
    }
}

/// Patients shown of each net on the page with every net; a large centre has thousands, and the
/// longest-standing come first.
const FIRST_OF_EACH: i64 = 50;
/// Patients on one page of a single net.
const PER_PAGE: i64 = 200;

/// `?net=call_overdue&page=2`: one net, page by page.
#[derive(Debug, Default, Deserialize)]
pub struct Which {
    #[serde(default)]
    net: String,
    #[serde(default)]
    page: Option<i64>,
}

/// The thresholds as typed.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub overdue_after_days: String,
    #[serde(default)]
    pub failed_attempts_limit: String,
    #[serde(default)]
    pub longest_gap_days: String,
}

impl From<&Settings> for SettingsForm {
    fn from(s: &Settings) -> Self {
        Self {
            overdue_after_days: s.overdue_after_days.to_string(),
            failed_attempts_limit: s.failed_attempts_limit.to_string(),
            longest_gap_days: s.longest_gap_days.to_string(),
        }
    }
}

impl TryFrom<&SettingsForm> for Settings {
    type Error = FormErrors;

    fn try_from(form: &SettingsForm) -> Result<Self, FormErrors> {
        let mut errors = FormErrors::default();
        let mut number = |typed: &str, range: std::ops::RangeInclusive<i32>, field, key| {
            let n = typed.trim().parse::<i32>().ok().filter(|n| range.contains(n));
            if n.is_none() {
                errors.add(field, key);
            }
            n.unwrap_or_default()
        };
        let settings = Settings {
            overdue_after_days: number(
                &form.overdue_after_days,
                safety::OVERDUE_AFTER_DAYS,
                "overdue_after_days",
                "safety.overdue_after_days_invalid",
            ),
            failed_attempts_limit: number(
                &form.failed_attempts_limit,
                safety::FAILED_ATTEMPTS_LIMIT,
                "failed_attempts_limit",
                "safety.failed_attempts_limit_invalid",
            ),
            longest_gap_days: number(
                &form.longest_gap_days,
                safety::LONGEST_GAP_DAYS,
                "longest_gap_days",
                "safety.longest_gap_days_invalid",
            ),
        };
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }
}

#[derive(Template)]
#[template(path = "centre/safety.html")]
struct SafetyPage {
    layout: Layout,
    nets: Vec<NetList>,
    /// The one net shown page by page, if any, and its page.
    only: Option<Net>,
    page: i64,
    caught: i64,
    form: SettingsForm,
    errors: FormErrors,
    saved: bool,
}

impl SafetyPage {
    fn caught_text(&self) -> String {
        self.layout.lang.count("safety.patients_caught", self.caught)
    }

    fn shown_text(&self, list: &NetList) -> String {
        self.layout.lang.tf(
            "safety.shown_of",
            &[("from", &list.first), ("to", &list.last()), ("n", &list.total)],
        )
    }

    /// Whether this net is the one shown page by page.
    fn is_only(&self, list: &NetList) -> bool {
        self.only == Some(list.net)
    }

    /// Whether a page of the one net follows this one.
    fn more(&self, list: &NetList) -> bool {
        list.last() < list.total
    }
}

async fn show(
    state: &AppState,
    mut page: Page,
    which: Which,
    form: Option<SettingsForm>,
    errors: FormErrors,
    saved: bool,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let at = page.now();
    let only = Net::ALL.into_iter().find(|n| n.code() == which.net);
    let number = which.page.unwrap_or(1).clamp(1, 1_000_000);
    let (skip, take) = match only {
        Some(_) => ((number - 1) * PER_PAGE, PER_PAGE),
        None => (0, FIRST_OF_EACH),
    };
    let shown = safety::of_centre_shown(&state.db, at, centre_id, only, skip, take).await?;
    let caught = shown.caught;
    // The badge says what this page has just counted.
    page.layout.counts = super::badge::counted(caught);
    let nets = shown
        .nets
        .into_iter()
        .map(|(net, total, entries)| NetList {
            net,
            total,
            entries,
            first: if only == Some(net) { skip + 1 } else { 1 },
        })
        .collect();
    let form = match form {
        Some(form) => form,
        None => SettingsForm::from(&safety::settings(&state.db, centre_id).await?),
    };
    render(&SafetyPage {
        layout: page.layout,
        nets,
        only,
        page: number,
        caught,
        form,
        errors,
        saved,
    })
}

/// `GET /safety-nets`: every net of the centre, with its thresholds.
pub async fn page(State(state): State<AppState>, page: Page, Query(which): Query<Which>) -> Result<Response> {
    show(&state, page, which, None, FormErrors::default(), false).await
}

/// `POST /safety-nets/settings`: the coordinator sets the centre's thresholds.
pub async fn save_settings(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    match Settings::try_from(&form) {
        Ok(settings) => {
            crate::admin::centres::save_safety_settings(&state.db, centre_id, &settings).await?;
            tracing::info!(
                user_id = page.user.id,
                centre_id,
                "changed the safety-net thresholds"
            );
            show(&state, page, Which::default(), None, FormErrors::default(), true).await
        }
        Err(errors) => show(&state, page, Which::default(), Some(form), errors, false).await,
    }
}
