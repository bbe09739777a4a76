//! Ending a course (date and reason; future appointments cancelled) and stating the reason a
//! course continues past nine months.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{open_course, set_actor, today_in};
use crate::admin::FormErrors;
use crate::patients::access::{check, Action};
use crate::patients::{brief, Brief};
use crate::web::limits::Limit;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// Why a course ended, as stored.
pub const REASONS: [&str; 6] = ["completed", "withdrew", "moved", "died", "unreachable", "other"];

/// The catalogue key of an end reason.
pub fn reason_key(reason: &str) -> &'static str {
    match reason {
        "completed" => "end.reason_completed",
        "withdrew" => "end.reason_withdrew",
        "moved" => "end.reason_moved",
        "died" => "end.reason_died",
        "unreachable" => "end.reason_unreachable",
        _ => "end.reason_other",
    }
}

/// The ending form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EndForm {
    #[serde(default)]
    pub end_date: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub reason_text: String,
}

#[derive(Template)]
#[template(path = "courses/end.html")]
struct EndPage {
    layout: Layout,
    patient: Brief,
    form: EndForm,
    errors: FormErrors,
    reasons: [&'static str; 6],
}

impl EndPage {
    fn reason_checked(&self, reason: &&str) -> bool {
        self.form.reason == *reason
    }

    fn reason_label(&self, reason: &&str) -> &'static str {
        self.layout.t(reason_key(reason))
    }
}

/// `GET /patients/{id}/end`.
pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    let form = EndForm {
        end_date: today_in(page.user.tz).to_string(),
        ..EndForm::default()
    };
    render(&EndPage {
        patient: brief(&state.db, id).await?,
        layout: page.layout,
        form,
        errors: FormErrors::default(),
        reasons: REASONS,
    })
}

/// `POST /patients/{id}/end`: ends the open course, cancels future appointments, status ended.
pub async fn end(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(mut form): Form<EndForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let course = open_course(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::default();
    form.reason_text = form.reason_text.trim().to_owned();
    let date = NaiveDate::parse_from_str(form.end_date.trim(), "%Y-%m-%d").ok();
    match date {
        None => errors.add("end_date", "form.date_invalid"),
        Some(d) if d < course.start_date => errors.add("end_date", "end.before_start"),
        Some(d) if d > today_in(page.user.tz) => errors.add("end_date", "end.in_future"),
        Some(_) => {}
    }
    if !REASONS.contains(&form.reason.as_str()) {
        errors.add("reason", "form.required");
    } else if form.reason == "other" && form.reason_text.is_empty() {
        errors.add("reason_text", "end.other_needs_text");
    }
    errors.limit("reason_text", &form.reason_text, Limit::Line);
    let Some(date) = date.filter(|_| errors.is_empty()) else {
        return render(&EndPage {
            patient: brief(&state.db, id).await?,
            layout: page.layout,
            form,
            errors,
            reasons: REASONS,
        });
    };
    let text = (form.reason == "other").then_some(form.reason_text.as_str());
    let mut tx = state.db.begin().await?;
    set_actor(&mut tx, page.user.id, &form.reason).await?;
    sqlx::query!(
        "update courses set end_date = $2, end_reason = $3, end_reason_text = $4, updated_at = now()
          where id = $1",
        course.id,
        date,
        form.reason,
        text
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update appointments set status = 'cancelled', updated_at = now()
          where patient_id = $1 and status = 'scheduled' and starts_at > now()",
        id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update patients set status = 'ended', updated_at = now() where id = $1 and status = 'active'",
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = page.user.id, patient_id = id, "ended a course");
    Ok(Redirect::to(&format!("/patients/{id}")).into_response())
}

/// The reason to continue past nine months.
#[derive(Debug, Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    pub extension_reason: String,
}

/// `POST /patients/{id}/extension`: states why the course continues past nine months.
pub async fn extend(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ExtendForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let reason = form.extension_reason.trim();
    if reason.is_empty() {
        return Ok(Redirect::to(&format!("/patients/{id}?extension=missing")).into_response());
    }
    if Limit::Text.exceeded_by(reason).is_some() {
        return Ok(Redirect::to(&format!("/patients/{id}?problem=too_long")).into_response());
    }
    sqlx::query!(
        "update courses set extension_reason = $2, updated_at = now() where patient_id = $1 and end_date is null",
        id,
        reason
    )
    .execute(&state.db)
    .await?;
    Ok(Redirect::to(&format!("/patients/{id}")).into_response())
}
