//! Importing invitation lists: parse (bytes to rows), stage (rows streamed into `COPY`), plan
//! (a preview against the database), commit (one transaction), and the pages and command
//! around them.

pub mod hostile;
pub mod pages;
pub mod parse;
pub mod randomise;
pub mod report;
pub mod run;
mod stage;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::admins_only;
use crate::AppState;

pub use randomise::{Randomisation, Ratio};
pub use report::Report;
pub use run::{commit, commit_randomised, plan, prepare, ImportError, Plan, Source};

/// `/imports/...`, for admins.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/imports", get(pages::list))
        .route(
            "/imports/preview",
            post(pages::preview).layer(DefaultBodyLimit::max(parse::MAX_FILE_BYTES + 1024 * 1024)),
        )
        .route("/imports/confirm", post(pages::confirm))
        .route("/imports/{id}", get(pages::batch))
        .route("/imports/{id}/rejected.csv", get(pages::rejected_csv))
        .route_layer(middleware::from_fn_with_state(state, admins_only))
}
