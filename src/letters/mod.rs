//! Invitation letters: for a batch or a selection of invited patients, one letter each in
//! Danish naming the proposed initial meeting, as print-ready HTML and as one PDF. Each
//! production is recorded (`letter_runs`, `letters`), and so is each patient it names. Each
//! proposed meeting holds its room and a nurse (`holds`) until it is booked or let go.

pub mod holds;
pub mod pages;
pub mod pdf;
pub mod plan;
pub mod print;
pub mod text;

use axum::routing::get;
use axum::{middleware, Router};

use crate::web::auth::admins_only;
use crate::AppState;

/// `/letters...`, for admins (who print the letters).
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/letters", get(pages::choose).post(pages::produce))
        .route(
            "/letters/reminders",
            axum::routing::post(pages::produce_reminders),
        )
        .route("/letters/{id}", get(print::print))
        .route("/letters/{id}/pdf", get(print::pdf))
        .route_layer(middleware::from_fn_with_state(state, admins_only))
}
