//! Patient-reported outcomes: instruments defined as data (WHO-5 and self-rated health seeded),
//! answers entered on the phone and scored, the course's trend, what is due, and the admin page
//! to add another instrument.

pub mod admin;
pub mod due;
pub mod model;
pub mod pages;
pub mod store;
pub mod trend;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::{admins_only, record_openers_only};
use crate::AppState;

pub use due::{due_for_nurse, timeline_events, DueQuestionnaire, QuestionnaireEvent};
pub use model::{Instrument, Timepoint};

/// `/patients/{id}/questionnaires` (anyone who may open the record, within their centre) and
/// `/admin/questionnaires` (admins).
pub fn router(state: AppState) -> Router<AppState> {
    let patient = Router::new()
        .route(
            "/patients/{id}/questionnaires",
            get(pages::show).post(pages::record),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), record_openers_only));
    let admin = Router::new()
        .route("/admin/questionnaires", get(admin::list).post(admin::create))
        .route("/admin/questionnaires/{id}/active", post(admin::set_active))
        .route_layer(middleware::from_fn_with_state(state, admins_only));
    patient.merge(admin)
}

/// An answer as a form sends it: field `item_<id>` with the chosen value; `None` for any other field.
pub fn item_answer(field: &str, value: String) -> Option<(i64, String)> {
    let id = field.strip_prefix("item_")?.parse().ok()?;
    Some((id, value))
}
