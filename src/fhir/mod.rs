//! The FHIR R4 read API (`/fhir`) for systems with a right to one centre's data, and the
//! admin's page of the API clients that may call it.
//!
//! The API lives outside the pages' layers: no session or CSRF cookie is set, no HTML error
//! page is rendered, and a bearer token (not a session) says who is asking; the security
//! headers, the request id, tracing and metrics still apply (`crate::app`). Every read of a
//! patient's data is written to the access log with the client as the actor.

pub mod api;
pub mod bearer;
pub mod clients;
pub mod metadata;
pub mod outcome;
pub mod queries;
pub mod resources;

use axum::routing::{any, get, post};
use axum::{middleware, Router};

use crate::web::auth::admins_only;
use crate::AppState;

/// The resource types the API serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Patient,
    CarePlan,
    Goal,
    Appointment,
    Communication,
    QuestionnaireResponse,
    Organization,
}

impl Kind {
    /// Every type, in the order the CapabilityStatement lists them.
    pub const ALL: [Kind; 7] = [
        Kind::Patient,
        Kind::CarePlan,
        Kind::Goal,
        Kind::Appointment,
        Kind::Communication,
        Kind::QuestionnaireResponse,
        Kind::Organization,
    ];

    /// The FHIR name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Patient => "Patient",
            Kind::CarePlan => "CarePlan",
            Kind::Goal => "Goal",
            Kind::Appointment => "Appointment",
            Kind::Communication => "Communication",
            Kind::QuestionnaireResponse => "QuestionnaireResponse",
            Kind::Organization => "Organization",
        }
    }

    /// The scope a client needs to read this type.
    pub fn scope(self) -> crate::domain::ApiScope {
        use crate::domain::ApiScope;
        match self {
            Kind::Patient | Kind::Organization => ApiScope::Patients,
            Kind::CarePlan | Kind::Goal | Kind::Appointment | Kind::QuestionnaireResponse => ApiScope::Plans,
            Kind::Communication => ApiScope::Calls,
        }
    }

    /// The search parameters of this type besides `_id`, `_count`, `_offset` and `_format`.
    pub fn search_params(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Patient => &[("identifier", "token")],
            Kind::Organization => &[],
            Kind::CarePlan
            | Kind::Goal
            | Kind::Appointment
            | Kind::Communication
            | Kind::QuestionnaireResponse => &[("patient", "reference"), ("subject", "reference")],
        }
    }
}

/// `/fhir/...`: to be merged outside the pages' layers (see `crate::app`).
pub fn api_router() -> Router<AppState> {
    let mut router = Router::new().route(
        "/fhir/metadata",
        get(metadata::capability_statement).fallback(api::not_supported),
    );
    for kind in Kind::ALL {
        router = router
            .route(
                &format!("/fhir/{}", kind.name()),
                get(move |state, client, headers, query| api::search(kind, state, client, headers, query))
                    .fallback(api::not_supported),
            )
            .route(
                &format!("/fhir/{}/{{id}}", kind.name()),
                get(move |state, client, path| api::read(kind, state, client, path))
                    .fallback(api::not_supported),
            );
    }
    router
        .route("/fhir", any(api::not_found))
        .route("/fhir/{*rest}", any(api::not_found))
}

/// `/admin/api-clients`, behind the admin guard.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/admin/api-clients",
            get(clients::list).post(clients::create_client),
        )
        .route("/admin/api-clients/{id}/revoke", post(clients::revoke_client))
        .route_layer(middleware::from_fn_with_state(state, admins_only))
}
