//! Research: the pseudonymised export for admins and researchers, and its benchmark.

pub mod chart;
pub mod consort;
pub mod diagram;
mod diagram_page;
mod diagram_pdf;
pub mod dictionary;
pub mod export;
pub mod outcomes;
mod outcomes_page;
pub mod page;
pub mod pseudonym;
pub mod resources;
mod resources_page;
pub mod stats;
mod trial_files;
pub mod worker;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::research_exporters_only;
use crate::AppState;

pub use export::{Counts, Filter};
pub use pseudonym::Pseudonymiser;

/// `/research` and `/research/export`, for admins and researchers.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/research", get(page::form))
        .route("/research/export", post(page::download))
        .route("/research/outcomes", get(outcomes_page::show))
        .route("/research/resources", get(resources_page::show))
        .route("/research/consort.svg", get(diagram_page::svg))
        .route("/research/consort.pdf", get(diagram_page::pdf))
        .route_layer(middleware::from_fn_with_state(state, research_exporters_only))
}
