//! The pages people land on: the nurse's Today and caseload, the coordinator's centre and nurses.

pub mod centre;
pub mod nurse;

use axum::routing::get;
use axum::{middleware, Router};

use crate::web::auth::{coordinators_only, nurses_only};
use crate::AppState;

/// `/today`, `/my-patients` for nurses; `/centre`, `/nurses` for coordinators.
pub fn router(state: AppState) -> Router<AppState> {
    let nurse = Router::new()
        .route("/today", get(nurse::today))
        .route("/my-patients", get(nurse::my_patients))
        .route_layer(middleware::from_fn_with_state(state.clone(), nurses_only));
    let coordinator = Router::new()
        .route("/centre", get(centre::overview))
        .route("/nurses", get(centre::nurses))
        .route_layer(middleware::from_fn_with_state(state, coordinators_only));
    nurse.merge(coordinator)
}
