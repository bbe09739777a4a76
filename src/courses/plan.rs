//! The patient's plan page: the plan as it would print now (its content is `letters::plan`),
//! and each printed version, kept (append-only) and shown on the timeline.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use super::latest_course;
use crate::audit::access::{check, Action};
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// A printed version as listed under the plan.
pub struct PrintRow {
    pub id: i64,
    pub printed_at: DateTime<Utc>,
    pub by: String,
}

#[derive(Template)]
#[template(path = "courses/plan.html")]
struct PlanPage {
    layout: Layout,
    patient_id: i64,
    letter: String,
    prints: Vec<PrintRow>,
    printed: bool,
}

/// `GET /patients/{id}/plan`: the plan as it would print now, and the versions printed.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    let letter = crate::letters::plan::load(&state.db, id, page.user.tz, page.now())
        .await?
        .render()?;
    let prints = sqlx::query_as!(
        PrintRow,
        "select pp.id, pp.printed_at, u.name as by from plan_prints pp join users u on u.id = pp.printed_by
          where pp.patient_id = $1 order by pp.printed_at desc",
        id
    )
    .fetch_all(&state.db)
    .await?;
    render(&PlanPage {
        layout: page.layout,
        patient_id: id,
        letter,
        prints,
        printed: false,
    })
}

/// `POST /patients/{id}/plan`: keeps this version as printed and opens it for printing.
pub async fn print(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let content = crate::letters::plan::load(&state.db, id, page.user.tz, page.now())
        .await?
        .render()?;
    let course = latest_course(&state.db, id).await?;
    let print_id = sqlx::query_scalar!(
        "insert into plan_prints (patient_id, course_id, content, printed_by) values ($1, $2, $3, $4)
         returning id",
        id,
        course.map(|c| c.id),
        content,
        page.user.id
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Redirect::to(&format!("/plan-prints/{print_id}?print=1")).into_response())
}

/// `GET /plan-prints/{id}`: a version exactly as it was printed.
pub async fn printed(
    State(state): State<AppState>,
    page: Page,
    Path(print_id): Path<i64>,
) -> Result<Response> {
    let row = sqlx::query!(
        "select patient_id, content from plan_prints where id = $1",
        print_id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    check(&state.db, &page.user, row.patient_id, Action::ViewPage).await?;
    render(&PlanPage {
        layout: page.layout,
        patient_id: row.patient_id,
        letter: row.content,
        prints: Vec::new(),
        printed: true,
    })
}
