//! Every error of the FHIR API as an `OperationOutcome` in `application/fhir+json`. The
//! diagnostics are fixed sentences: a parameter's value (a CPR number) is never echoed.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The media type of every answer.
pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// What can go wrong while answering an API request.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// No bearer token, or one that is unknown, expired or revoked.
    #[error("a valid bearer token is needed")]
    Unauthorized,
    /// The client's scopes do not cover this.
    #[error("outside the client's scope")]
    Forbidden,
    /// No such resource for this client (including another centre's).
    #[error("no such resource")]
    NotFound,
    /// A method the API does not offer (it only reads).
    #[error("not supported")]
    NotSupported,
    /// A search parameter or id that cannot be read; the text says which parameter.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// Anything else: logged with its cause and an incident id, answered as a 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for FhirError {
    fn from(error: sqlx::Error) -> Self {
        FhirError::Internal(error.into())
    }
}

/// The result of an API handler.
pub type FhirResult<T> = Result<T, FhirError>;

impl FhirError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            FhirError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "login",
                "A valid bearer token is needed.".to_owned(),
            ),
            FhirError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "The client's scopes do not allow this.".to_owned(),
            ),
            FhirError::NotFound => (StatusCode::NOT_FOUND, "not-found", "No such resource.".to_owned()),
            FhirError::NotSupported => (
                StatusCode::METHOD_NOT_ALLOWED,
                "not-supported",
                "This API only reads (GET).".to_owned(),
            ),
            FhirError::BadRequest(what) => (StatusCode::BAD_REQUEST, "invalid", (*what).to_owned()),
            FhirError::Internal(cause) => {
                let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
                tracing::error!(incident = %id, error = %format!("{cause:#}"), "internal error in the FHIR API");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "exception",
                    format!("Internal error, incident {id}."),
                )
            }
        }
    }
}

/// An `OperationOutcome` with one issue.
pub fn operation_outcome(severity: &str, code: &str, diagnostics: &str) -> serde_json::Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": severity, "code": code, "diagnostics": diagnostics }],
    })
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let (status, code, diagnostics) = self.parts();
        let mut response =
            (status, fhir_json(&operation_outcome("error", code, &diagnostics))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A resource as the body of a response.
pub fn fhir_json(resource: &serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON))],
        resource.to_string(),
    )
        .into_response()
}
