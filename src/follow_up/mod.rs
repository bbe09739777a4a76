//! The effect study's follow-up: every randomised person is asked the study's questionnaires at
//! its follow-up points (`study_timepoints`, counted from randomisation). A nurse asks the
//! intervention people in a course, on the questionnaires page; the research assistant of the
//! call centre asks everybody else (the control arm, who are never coached, and intervention
//! people outside a course), by phone or on paper, and records "not reached" or "declined" as a
//! result in itself. One result per person and point; a correction amends the original.

pub mod list;
pub mod person;
pub mod schedule;

use axum::routing::get;
use axum::{middleware, Router};

use crate::web::auth::follow_up_only;
use crate::AppState;

pub use schedule::{schedule_of, ScheduledPoint};

/// `/follow-up` (who is due) and `/follow-up/{id}` (one person's points and the form), for
/// research assistants.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/follow-up", get(list::page))
        .route("/follow-up/{id}", get(person::show).post(person::record))
        .route_layer(middleware::from_fn_with_state(state, follow_up_only))
}
