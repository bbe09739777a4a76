//! The coordinator's landing pages: her centre and its nurses. (The nurse's Today and caseload
//! live in `crate::today`.)

pub mod centre;

use axum::routing::get;
use axum::{middleware, Router};

use crate::web::auth::coordinators_only;
use crate::AppState;

/// `/centre`, `/nurses` for coordinators.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/centre", get(centre::overview))
        .route("/nurses", get(centre::nurses))
        .route_layer(middleware::from_fn_with_state(state, coordinators_only))
}
