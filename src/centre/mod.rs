//! The coordinator's call centre: nurses and their caseloads, assigning new patients, moving
//! caseloads when a nurse is away, the rooms for initial meetings, the safety nets and the
//! overview with its charts.

pub mod assign;
pub mod badge;
pub mod chart;
pub mod moves;
pub mod nurses;
pub mod overview;
pub mod safety;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::coordinators_only;
use crate::web::{AppError, CurrentUser};
use crate::AppState;

/// `/centre`, `/nurses`, `/safety-nets`, `/overview` and the coordinator's actions, for coordinators.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/centre", get(nurses::centre))
        .route("/centre/assign", post(assign::assign))
        .route("/nurses", get(nurses::list))
        .route("/nurses/{id}", get(moves::nurse_page))
        .route("/nurses/{id}/move", post(moves::move_patients))
        .route("/safety-nets", get(safety::page))
        .route("/safety-nets/settings", post(safety::save_settings))
        .route("/overview", get(overview::page))
        .route_layer(middleware::from_fn_with_state(state, coordinators_only))
}

pub use crate::web::auth::centre_of;

/// A nurse of the coordinator's centre, or 403 for anyone else's (404 when there is none).
pub async fn nurse_in_centre(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    nurse_id: i64,
) -> Result<NurseRef, AppError> {
    let nurse = sqlx::query_as!(
        NurseRef,
        "select id, name, centre_id as \"centre_id!\", active, capacity from users
          where id = $1 and role = 'nurse'",
        nurse_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.may_see_centre(nurse.centre_id) {
        tracing::warn!(user_id = user.id, nurse_id, "refused a nurse of another centre");
        return Err(AppError::Forbidden);
    }
    Ok(nurse)
}

/// A nurse, as the coordinator's actions need her.
#[derive(Clone, Debug)]
pub struct NurseRef {
    pub id: i64,
    pub name: String,
    pub centre_id: i64,
    pub active: bool,
    pub capacity: Option<i32>,
}
