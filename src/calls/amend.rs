//! Amendments: a correction adds text with who and when; the original note stays as it was.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::patients::access::{check, Action};
use crate::web::limits::Limit;
use crate::web::{AppError, Page, Result};
use crate::AppState;

/// The added text.
#[derive(Debug, Deserialize)]
pub struct AmendForm {
    #[serde(default)]
    pub text: String,
}

/// `POST /calls/{id}/amendments`.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Path(call_id): Path<i64>,
    Form(form): Form<AmendForm>,
) -> Result<Response> {
    let patient_id = sqlx::query_scalar!("select patient_id from calls where id = $1", call_id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    check(&state.db, &page.user, patient_id, Action::Write).await?;
    let text = form.text.trim();
    if Limit::Text.exceeded_by(text).is_some() {
        return Ok(
            Redirect::to(&format!("/patients/{patient_id}?problem=too_long#call-{call_id}")).into_response(),
        );
    }
    if text.is_empty() {
        return Ok(Redirect::to(&format!(
            "/patients/{patient_id}?problem=amendment#call-{call_id}"
        ))
        .into_response());
    }
    sqlx::query!(
        "insert into call_amendments (call_id, text, author_id) values ($1, $2, $3)",
        call_id,
        text,
        page.user.id
    )
    .execute(&state.db)
    .await?;
    Ok(Redirect::to(&format!("/patients/{patient_id}#call-{call_id}")).into_response())
}
