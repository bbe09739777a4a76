//! Calls: logging one while the patient is on the line (with the next call, in one
//! transaction), amendments to notes (never edits), and the admin's list of call topics.

pub mod amend;
pub mod form;
pub mod log;
pub mod next;
pub mod topics;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::{admins_only, signed_in};
use crate::AppState;

/// `/patients/{id}/calls/new`, `/calls/{id}/amendments` (centre checked per handler) and
/// `/admin/topics` (admins).
pub fn router(state: AppState) -> Router<AppState> {
    let calls = Router::new()
        .route("/patients/{id}/calls/new", get(log::form).post(log::save))
        .route("/calls/{id}/amendments", post(amend::create))
        .route_layer(middleware::from_fn_with_state(state.clone(), signed_in));
    let topics = Router::new()
        .route("/admin/topics", get(topics::list).post(topics::create))
        .route("/admin/topics/{code}", post(topics::update))
        .route_layer(middleware::from_fn_with_state(state, admins_only));
    calls.merge(topics)
}

/// A call topic from the admin-editable list.
#[derive(Clone, Debug)]
pub struct Topic {
    pub code: String,
    pub label_da: String,
    pub label_en: String,
    pub position: i32,
    pub active: bool,
}

impl Topic {
    /// The label in a language.
    pub fn label(&self, lang: crate::web::Lang) -> &str {
        match lang {
            crate::web::Lang::Da => &self.label_da,
            crate::web::Lang::En => &self.label_en,
        }
    }
}

/// Every topic, in order (inactive ones too: old calls still name them).
pub async fn all_topics(db: impl sqlx::PgExecutor<'_>) -> Result<Vec<Topic>, sqlx::Error> {
    sqlx::query_as!(
        Topic,
        "select code, label_da, label_en, position, active from call_topics order by position, code"
    )
    .fetch_all(db)
    .await
}
