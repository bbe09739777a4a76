//! Writing the access log: every opening of a patient record, and every action on a patient,
//! allowed or refused. `check` is the one gate every patient endpoint goes through; for a
//! person outside the patient's centre it asks for a stated reason first (`reason`).

use chrono::Utc;
use sqlx::PgExecutor;

use crate::web::{AppError, CurrentUser, Role};

pub use crate::domain::AccessAction as Action;

/// Appends one entry to the access log.
pub async fn log(
    db: impl PgExecutor<'_>,
    user_id: i64,
    action: Action,
    patient_id: i64,
    allowed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into access_log (user_id, action, patient_id, allowed) values ($1, $2, $3, $4)",
        user_id,
        action as Action,
        patient_id,
        allowed
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Appends an entry for what coachline itself did with a patient's data, with no person (a
/// message that came in and was read).
pub async fn log_system(db: impl PgExecutor<'_>, action: Action, patient_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into access_log (user_id, action, patient_id, allowed) values (null, $1, $2, true)",
        action as Action,
        patient_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A patient an endpoint may act on, after the centre check.
#[derive(Clone, Debug)]
pub struct Allowed {
    pub patient_id: i64,
    pub centre_id: i64,
}

/// The gate for pages and actions about one patient: the patient must exist and be of the
/// person's centre; writing needs a nurse or a coordinator. Writes the access log either way
/// (a refusal as `allowed = false`) and answers 403 on refusal, 404 for no such patient.
pub async fn check(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    patient_id: i64,
    action: Action,
) -> Result<Allowed, AppError> {
    let centre_id = sqlx::query_scalar!("select centre_id from patients where id = $1", patient_id)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let may_write = matches!(user.role, Role::Nurse | Role::Coordinator);
    let allowed = user.may_see_centre(centre_id) && (action != Action::Write || may_write);
    // Not opened yet, so not logged as an opening: the reason page comes first.
    if allowed && super::reason::missing(db, user, patient_id, centre_id, Utc::now()).await? {
        return Err(AppError::ReasonRequired(patient_id));
    }
    log(db, user.id, action, patient_id, allowed).await?;
    if !allowed {
        tracing::warn!(
            user_id = user.id,
            patient_id,
            action = action.as_str(),
            "refused a patient outside the person's centre or role"
        );
        return Err(AppError::Forbidden);
    }
    Ok(Allowed {
        patient_id,
        centre_id,
    })
}
