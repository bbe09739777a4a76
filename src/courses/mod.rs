//! Courses (forløb): starting one, the open course of a patient, ending it, continuing past
//! nine months; and what belongs to a course: goals, referrals and the patient's plan.

pub mod consent;
pub mod ending;
pub mod goals;
pub mod plan;
pub mod referrals;

use axum::routing::{get, post};
use axum::{middleware, Router};
use chrono::{Months, NaiveDate};
use sqlx::{Connection, PgConnection};

use crate::db::set_actor;
pub use crate::domain::course::{
    invited_on, last_contact_on, latest_course, open_course, Course, LIMIT_MONTHS, PLANNED_MONTHS,
};

use crate::web::auth::signed_in;
use crate::AppState;

/// Course actions on a patient; each handler checks the centre (and logs) itself.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/consent", get(consent::form).post(consent::save))
        .route("/patients/{id}/end", get(ending::form).post(ending::end))
        .route("/patients/{id}/extension", post(ending::extend))
        .route("/patients/{id}/goals", post(goals::create))
        .route("/goals/{id}/progress", post(goals::progress))
        .route("/goals/{id}/close", post(goals::close))
        .route("/patients/{id}/referrals", post(referrals::create))
        .route("/referrals/{id}/result", post(referrals::result))
        .route("/patients/{id}/plan", get(plan::show).post(plan::print))
        .route("/plan-prints/{id}", get(plan::printed))
        .route_layer(middleware::from_fn_with_state(state, signed_in))
}

/// The status history's reason when a course starts.
pub const REASON_COURSE_STARTED: &str = "course_started";

/// Starts a course after the initial meeting: the patient becomes active (through the status
/// transition, so the history says who), gets `nurse_id` as responsible nurse, and a course
/// starting `start_date` with the planned end six months later. Returns the course's id.
/// Works inside the caller's transaction (as a savepoint) or on its own.
pub async fn start_course(
    conn: &mut PgConnection,
    patient_id: i64,
    nurse_id: i64,
    start_date: NaiveDate,
    by_user: i64,
) -> Result<i64, sqlx::Error> {
    let mut tx = conn.begin().await?;
    set_actor(&mut tx, by_user, REASON_COURSE_STARTED).await?;
    crate::patients::set_nurse(&mut tx, patient_id, nurse_id).await?;
    if !crate::patients::status::change(&mut tx, patient_id, crate::patients::Status::Active).await? {
        return Err(sqlx::Error::Protocol(
            "the patient cannot start a course from their status".into(),
        ));
    }
    let planned_end = start_date + Months::new(PLANNED_MONTHS);
    let id = sqlx::query_scalar!(
        "insert into courses (patient_id, nurse_id, start_date, planned_end, created_by)
         values ($1, $2, $3, $4, $5) returning id",
        patient_id,
        nurse_id,
        start_date,
        planned_end,
        by_user
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Hands the patient's open course to `nurse_id` (a move for good).
pub async fn set_nurse(conn: &mut PgConnection, patient_id: i64, nurse_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update courses set nurse_id = $2 where patient_id = $1 and end_date is null",
        patient_id,
        nurse_id
    )
    .execute(conn)
    .await?;
    Ok(())
}
