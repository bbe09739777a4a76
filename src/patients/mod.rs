//! Patients: the list for coordinators and admins, the record page, the access log of openings.

pub mod access;
pub mod list;
pub mod record;
pub mod status;

use axum::routing::get;
use axum::{middleware, Router};

use crate::web::auth::{patient_listers_only, signed_in};
use crate::AppState;

pub use status::Status;

/// `/patients` (coordinators, admins) and `/patients/{id}` (anyone signed in, within their centre).
pub fn router(state: AppState) -> Router<AppState> {
    let list = Router::new()
        .route("/patients", get(list::list))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            patient_listers_only,
        ));
    let record = Router::new()
        .route("/patients/{id}", get(record::show))
        .route_layer(middleware::from_fn_with_state(state, signed_in));
    list.merge(record)
}
