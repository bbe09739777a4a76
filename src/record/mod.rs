//! The patient record: one page with everything about a patient (the course, calls, goals,
//! referrals, questionnaires, safety nets and the timeline). It reads from every feature and
//! writes nothing; no feature depends on it.

pub mod page;
pub mod timeline;

use axum::routing::get;
use axum::{middleware, Router};

use crate::web::auth::signed_in;
use crate::AppState;

/// `/patients/{id}` for anyone signed in (the page checks the centre and logs the opening).
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/patients/{id}", get(page::show))
        .route_layer(middleware::from_fn_with_state(state, signed_in))
}
