//! The pages nurses land on: Today and their caseload. (The coordinator's are in `centre`.)

pub mod nurse;

use axum::routing::get;
use axum::{middleware, Router};

use crate::web::auth::nurses_only;
use crate::AppState;

/// `/today`, `/my-patients` for nurses.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/today", get(nurse::today))
        .route("/my-patients", get(nurse::my_patients))
        .route_layer(middleware::from_fn_with_state(state, nurses_only))
}
