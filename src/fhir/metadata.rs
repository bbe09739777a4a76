//! `GET /fhir/metadata`: the CapabilityStatement, open to anyone (as FHIR expects): what the
//! API reads and searches, and how a client authenticates.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};

use super::api::base_url;
use super::outcome::fhir_json;
use super::Kind;
use crate::AppState;

/// The statement for the API at `base`.
pub fn statement(base: &str) -> Value {
    let resources: Vec<Value> = Kind::ALL
        .iter()
        .map(|kind| {
            let mut params: Vec<Value> = vec![json!({ "name": "_id", "type": "token" })];
            params.extend(
                kind.search_params()
                    .iter()
                    .map(|(name, kind)| json!({ "name": name, "type": kind })),
            );
            json!({
                "type": kind.name(),
                "interaction": [{ "code": "read" }, { "code": "search-type" }],
                "searchParam": params,
            })
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-01",
        "publisher": "coachline",
        "kind": "instance",
        "software": { "name": "coachline", "version": env!("CARGO_PKG_VERSION") },
        "implementation": {
            "description": "coachline: read access for systems with a right to a call centre's data",
            "url": base,
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Searches page with _count (at most 100) and _offset; every read of a patient's data is in the access log.",
            "security": {
                "cors": false,
                "description": "A bearer token per API client (Authorization: Bearer ...), created by an administrator for one call centre with scopes: patients, plans, calls, notes.",
            },
            "resource": resources,
        }],
    })
}

/// `GET /fhir/metadata`.
pub async fn capability_statement(State(state): State<AppState>, headers: HeaderMap) -> Response {
    fhir_json(&statement(&base_url(&state, &headers)))
}
