//! The patient's own goals, in their words, with progress entries and achieved/dropped. Every
//! version of a goal is kept (`goal_changes`, written by the database), and progress entries
//! are never changed.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::{open_course, set_actor};
use crate::audit::access::{check, Action};
use crate::domain::GoalStatus;
use crate::web::limits::Limit;
use crate::web::{AppError, Page, Result};
use crate::AppState;

/// A new goal.
#[derive(Debug, Deserialize)]
pub struct GoalForm {
    #[serde(default)]
    pub text: String,
}

fn back(patient_id: i64, problem: Option<&str>) -> Response {
    let query = problem.map(|p| format!("?problem={p}")).unwrap_or_default();
    Redirect::to(&format!("/patients/{patient_id}{query}#goals")).into_response()
}

/// `POST /patients/{id}/goals`.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<GoalForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let text = form.text.trim();
    if text.is_empty() {
        return Ok(back(id, Some("goal_text")));
    }
    if Limit::Text.exceeded_by(text).is_some() {
        return Ok(back(id, Some("too_long")));
    }
    let course = open_course(&state.db, id).await?;
    sqlx::query!(
        "insert into goals (patient_id, course_id, text, created_by) values ($1, $2, $3, $4)",
        id,
        course.map(|c| c.id),
        text,
        page.user.id
    )
    .execute(&state.db)
    .await?;
    Ok(back(id, None))
}

async fn patient_of_goal(db: &sqlx::PgPool, goal_id: i64) -> Result<i64> {
    sqlx::query_scalar!("select patient_id from goals where id = $1", goal_id)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A progress entry: a 0-10 rating (optional) and a comment.
#[derive(Debug, Deserialize)]
pub struct ProgressForm {
    #[serde(default)]
    pub rating: String,
    #[serde(default)]
    pub comment: String,
}

/// `POST /goals/{id}/progress`.
pub async fn progress(
    State(state): State<AppState>,
    page: Page,
    Path(goal_id): Path<i64>,
    Form(form): Form<ProgressForm>,
) -> Result<Response> {
    let patient_id = patient_of_goal(&state.db, goal_id).await?;
    check(&state.db, &page.user, patient_id, Action::Write).await?;
    let rating = match form.rating.trim() {
        "" => None,
        r => match r.parse::<i32>() {
            Ok(n) if (0..=10).contains(&n) => Some(n),
            _ => return Ok(back(patient_id, Some("rating"))),
        },
    };
    let comment = form.comment.trim();
    if rating.is_none() && comment.is_empty() {
        return Ok(back(patient_id, Some("progress_empty")));
    }
    if Limit::Text.exceeded_by(comment).is_some() {
        return Ok(back(patient_id, Some("too_long")));
    }
    sqlx::query!(
        "insert into goal_progress (goal_id, rating, comment, recorded_by) values ($1, $2, $3, $4)",
        goal_id,
        rating,
        comment,
        page.user.id
    )
    .execute(&state.db)
    .await?;
    Ok(back(patient_id, None))
}

/// Achieved or dropped.
#[derive(Debug, Deserialize)]
pub struct CloseForm {
    pub status: String,
}

/// `POST /goals/{id}/close`: marks a goal achieved or dropped.
pub async fn close(
    State(state): State<AppState>,
    page: Page,
    Path(goal_id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> Result<Response> {
    let patient_id = patient_of_goal(&state.db, goal_id).await?;
    check(&state.db, &page.user, patient_id, Action::Write).await?;
    let status = match GoalStatus::parse(&form.status) {
        Some(s @ (GoalStatus::Achieved | GoalStatus::Dropped)) => s,
        Some(GoalStatus::Open) | None => return Err(AppError::BadRequest),
    };
    let now = page.now();
    let mut tx = state.db.begin().await?;
    // The goal's history says who closed it.
    set_actor(&mut tx, page.user.id, "").await?;
    sqlx::query!(
        "update goals set status = $2, closed_at = $3 where id = $1 and status = 'open'",
        goal_id,
        status as GoalStatus,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(back(patient_id, None))
}
