//! One error type for every handler, rendered as a friendly page in the layout.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// The result of a handler.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in (or the session ended): go to the sign-in page.
    #[error("sign-in required")]
    SignInRequired,
    /// Signed in, but this is not for this person's role or centre.
    #[error("forbidden")]
    Forbidden,
    /// Forbidden, with the catalogue key of a sentence saying why and what to do instead.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// Clinical content of patient `.0` that this person opens only with a stated reason:
    /// go to the page that asks for it.
    #[error("a stated reason is required")]
    ReasonRequired(i64),
    #[error("not found")]
    NotFound,
    /// The request was malformed in a way a form cannot explain (e.g. a bad id).
    #[error("bad request")]
    BadRequest,
    /// A state-changing request without a valid CSRF token.
    #[error("missing or invalid CSRF token")]
    Csrf,
    #[error("too many requests")]
    TooManyRequests,
    #[error("request body too large")]
    TooLarge,
    /// Anything else: logged with its cause and an incident id, shown as a 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::Internal(error.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        AppError::Internal(error.into())
    }
}

/// Put on an error response so the error-page layer can render it in the layout.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub status: StatusCode,
    /// For 500s: the id that is also in the log line with the cause.
    pub incident: Option<String>,
    /// The catalogue key of the page's text, when it says more than the status.
    pub text_key: Option<&'static str>,
}

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SignInRequired | AppError::ReasonRequired(_) => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::Refused(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::SignInRequired = self {
            return Redirect::to("/login").into_response();
        }
        if let AppError::ReasonRequired(patient_id) = self {
            return Redirect::to(&format!("/patients/{patient_id}/reason")).into_response();
        }
        let status = self.status();
        let incident = match &self {
            AppError::Internal(cause) => {
                let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
                // The cause goes to the log only; sqlx and our own errors carry no patient data
                // in their Display (constraint details are not part of it).
                tracing::error!(incident = %id, error = %format!("{cause:#}"), "internal error");
                Some(id)
            }
            AppError::Csrf => {
                tracing::warn!("refused a request without a valid CSRF token");
                None
            }
            _ => None,
        };
        let text_key = match self {
            AppError::Refused(key) => Some(key),
            _ => None,
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage {
            status,
            incident,
            text_key,
        });
        response
    }
}
