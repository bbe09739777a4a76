//! From invitation to course, for one patient: the answer to the letter, the initial meeting
//! and its outcome (the course starts, or the patient declines or is not eligible).
//! `/patients/{id}/invitation` is for the centre's coordinators; the meeting's outcome may also
//! be recorded by a nurse of the centre. Every opening and every change writes the access log.

pub mod meeting;
pub mod outcome;
pub mod page;
pub mod respond;
pub mod rows;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::audit::access::{self, Action};
use crate::patients::Status;
use crate::web::auth::signed_in;
use crate::web::{AppError, CurrentUser, Role};
use crate::AppState;

/// `/patients/{id}/invitation` and its three actions.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/invitation", get(page::show))
        .route("/patients/{id}/invitation/response", post(respond::respond))
        .route("/patients/{id}/invitation/meeting", post(meeting::book))
        .route("/patients/{id}/invitation/outcome", post(outcome::record))
        .route("/patients/{id}/invitation/free", post(respond::free_slot))
        .route_layer(middleware::from_fn_with_state(state, signed_in))
}

/// The patient the page is about, as the checks need it.
#[derive(Clone, Copy, Debug)]
pub struct Subject {
    pub id: i64,
    pub centre_id: i64,
    pub status: Status,
    pub nurse_id: Option<i64>,
    /// Randomised to the control group of the effect study: never invited onward or coached.
    pub control: bool,
}

/// Loads the patient and refuses (logging the refusal) anyone outside the patient's centre or
/// whose role `may` does not allow. An allowed opening is logged too.
pub async fn subject(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    id: i64,
    may: fn(Role) -> bool,
) -> Result<Subject, AppError> {
    let row = sqlx::query!(
        r#"select id, centre_id, status, nurse_id, coalesce(arm = 'control', false) as "control!"
             from patients where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let allowed = user.may_see_centre(row.centre_id) && user.role.is_bound_to_centre() && may(user.role);
    access::log(db, user.id, Action::Invitation, id, allowed).await?;
    if !allowed {
        tracing::warn!(
            user_id = user.id,
            patient_id = id,
            "refused a patient's invitation page"
        );
        return Err(AppError::Forbidden);
    }
    Ok(Subject {
        id: row.id,
        centre_id: row.centre_id,
        status: Status::parse(&row.status)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown status")))?,
        nurse_id: row.nurse_id,
        control: row.control,
    })
}

/// Coordinators answer letters and book meetings.
pub fn coordinator(role: Role) -> bool {
    role == Role::Coordinator
}

/// Coordinators and nurses record the meeting's outcome.
pub fn coordinator_or_nurse(role: Role) -> bool {
    matches!(role, Role::Coordinator | Role::Nurse)
}

pub use crate::db::set_actor;
