//! The safety-net page, its thresholds, and its count in the navigation. What the nets hold comes
//! from `crate::safety`, the one reader of the one definition.

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::centre_of;
use crate::safety::{self, Entry, Net, Settings};
use crate::web::layout::NavCounts;
use crate::web::FormErrors;
use crate::web::{render, CurrentUser, Layout, Page, Result, Role};
use crate::AppState;

/// One net with its patients.
pub struct NetList {
    pub net: Net,
    pub entries: Vec<Entry>,
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
    caught: i64,
    form: SettingsForm,
    errors: FormErrors,
    saved: bool,
}

impl SafetyPage {
    fn caught_text(&self) -> String {
        self.layout
            .lang
            .tf("safety.patients_caught", &[("n", &self.caught)])
    }
}

async fn show(
    state: &AppState,
    page: Page,
    form: Option<SettingsForm>,
    errors: FormErrors,
    saved: bool,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let at = page.now();
    let mut all = safety::of_centre(&state.db, at, centre_id).await?;
    let caught = safety::patients_caught(&state.db, at, centre_id).await?;
    let nets = Net::ALL
        .iter()
        .map(|net| {
            let (mine, rest): (Vec<Entry>, Vec<Entry>) =
                std::mem::take(&mut all).into_iter().partition(|e| e.net == *net);
            all = rest;
            NetList {
                net: *net,
                entries: mine,
            }
        })
        .collect();
    let form = match form {
        Some(form) => form,
        None => SettingsForm::from(&safety::settings(&state.db, centre_id).await?),
    };
    render(&SafetyPage {
        layout: page.layout,
        nets,
        caught,
        form,
        errors,
        saved,
    })
}

/// `GET /safety-nets`: every net of the centre, with its thresholds.
pub async fn page(State(state): State<AppState>, page: Page) -> Result<Response> {
    show(&state, page, None, FormErrors::default(), false).await
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
            show(&state, page, None, FormErrors::default(), true).await
        }
        Err(errors) => show(&state, page, Some(form), errors, false).await,
    }
}

/// Middleware: puts the number of the coordinator's patients in the nets on the request for
/// the navigation.
pub async fn nav_counts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let is_page = parts.method == axum::http::Method::GET
        && !parts.uri.path().starts_with("/static/")
        && parts.uri.path() != "/healthz";
    if is_page {
        if let Ok(user) = CurrentUser::from_request_parts(&mut parts, &state).await {
            if let (Role::Coordinator, Some(centre_id)) = (user.role, user.centre_id) {
                match safety::patients_caught(&state.db, state.clock.now(), centre_id).await {
                    Ok(n) if n > 0 => {
                        parts.extensions.insert(NavCounts(vec![("/safety-nets", n)]));
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "counting the safety nets failed"),
                }
            }
        }
    }
    next.run(Request::from_parts(parts, body)).await
}
