//! The access log: writing entries with a detail (exports, questionnaire pages), the admin's
//! page to read it, and the list of who opened one patient's data (the patient's right of access).

pub mod log_page;
pub mod openings;

use axum::routing::get;
use axum::{middleware, Router};
use sqlx::PgExecutor;

use crate::web::auth::{admins_only, record_openers_only};
use crate::AppState;

pub use openings::{openings, Opening};

/// Actions written by this crate's features besides `patient.view`.
pub mod action {
    /// A research export was downloaded (no patient; the filter in `detail`).
    pub const RESEARCH_EXPORT: &str = "research.export";
    /// A patient's questionnaires page was opened.
    pub const QUESTIONNAIRES_VIEW: &str = "questionnaires.view";
    /// A questionnaire was recorded for a patient.
    pub const QUESTIONNAIRE_RECORD: &str = "questionnaire.record";
    /// The list of who opened a patient's data was opened.
    pub const ACCESS_VIEW: &str = "patient.access_view";
    /// The access log was downloaded as CSV.
    pub const LOG_EXPORT: &str = "access_log.export";
    /// A search found the patient by their CPR number (the number itself is not kept).
    pub const FOUND_BY_CPR: &str = "patient.found_by_cpr";
    /// An admin reset a person's second factor (the person in `detail`).
    pub const SECOND_FACTOR_RESET: &str = "user.second_factor_reset";
    /// A record was opened with a stated reason ("break the glass"; the reason in `detail`).
    pub const BREAK_GLASS: &str = "patient.break_glass";
}

/// Appends one entry per patient a search found by CPR number, in one statement.
pub async fn record_found_by_cpr(
    db: impl PgExecutor<'_>,
    user_id: i64,
    patients: &[i64],
) -> Result<(), sqlx::Error> {
    if patients.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into access_log (user_id, action, patient_id, allowed)
         select $1, $2, unnest($3::bigint[]), true",
        user_id,
        action::FOUND_BY_CPR,
        patients
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Appends one entry to the access log. `detail` holds what was asked for (never patient data).
pub async fn record(
    db: impl PgExecutor<'_>,
    user_id: i64,
    action: &str,
    patient_id: Option<i64>,
    allowed: bool,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into access_log (user_id, action, patient_id, allowed, detail) values ($1, $2, $3, $4, $5)",
        user_id,
        action,
        patient_id,
        allowed,
        detail
    )
    .execute(db)
    .await?;
    Ok(())
}

/// `/admin/access-log` (admins) and `/patients/{id}/access` (anyone who may open the record).
pub fn router(state: AppState) -> Router<AppState> {
    let admin = Router::new()
        .route("/admin/access-log", get(log_page::list).post(log_page::search))
        .route("/admin/access-log.csv", get(log_page::csv))
        .route_layer(middleware::from_fn_with_state(state.clone(), admins_only));
    let patient = Router::new()
        .route("/patients/{id}/access", get(openings::page))
        .route_layer(middleware::from_fn_with_state(state, record_openers_only));
    admin.merge(patient)
}
