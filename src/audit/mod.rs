//! The access log: writing entries with a detail (exports, questionnaire pages), the admin's
//! page to read it, and the list of who opened one patient's data (the patient's right of access).

pub mod access;
pub mod log_page;
pub mod openings;
pub mod reason;

use axum::routing::get;
use axum::{middleware, Router};
use sqlx::PgExecutor;

use crate::web::auth::{admins_only, record_openers_only, signed_in};
use crate::AppState;

pub use openings::{openings, Opening};

pub use crate::domain::AccessAction;

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
        AccessAction::FoundByCpr as AccessAction,
        patients
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Appends one entry per patient whose data an API client read (or was refused), in one
/// statement. `detail` names the resource type asked for (never patient data).
pub async fn record_api_reads(
    db: impl PgExecutor<'_>,
    api_client_id: i64,
    patients: &[i64],
    allowed: bool,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    if patients.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into access_log (api_client_id, action, patient_id, allowed, detail)
         select $1, $2, unnest($3::bigint[]), $4, $5",
        api_client_id,
        AccessAction::ApiRead as AccessAction,
        patients,
        allowed,
        detail
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Appends one entry to the access log. `detail` holds what was asked for (never patient data).
pub async fn record(
    db: impl PgExecutor<'_>,
    user_id: i64,
    action: AccessAction,
    patient_id: Option<i64>,
    allowed: bool,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into access_log (user_id, action, patient_id, allowed, detail) values ($1, $2, $3, $4, $5)",
        user_id,
        action as AccessAction,
        patient_id,
        allowed,
        detail
    )
    .execute(db)
    .await?;
    Ok(())
}

/// `/admin/access-log` (admins), `/patients/{id}/access` (anyone who may open the record) and
/// `/patients/{id}/reason` (stating why a record outside one's centre is opened).
pub fn router(state: AppState) -> Router<AppState> {
    let admin = Router::new()
        .route("/admin/access-log", get(log_page::list).post(log_page::search))
        .route("/admin/access-log.csv", get(log_page::csv))
        .route_layer(middleware::from_fn_with_state(state.clone(), admins_only));
    let patient = Router::new()
        .route("/patients/{id}/access", get(openings::page))
        .route_layer(middleware::from_fn_with_state(state.clone(), record_openers_only));
    let reason = Router::new()
        .route("/patients/{id}/reason", get(reason::form).post(reason::open))
        .route_layer(middleware::from_fn_with_state(state, signed_in));
    admin.merge(patient).merge(reason)
}
