//! Amendments: a correction adds text with who and when; the original note stays as it was.
//! The form's key makes a double click or a resend add the amendment once.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::audit::access::{check, Action};
use crate::web::limits::Limit;
use crate::web::{AppError, FormKey, Page, Result};
use crate::AppState;

/// The added text, and the form's key.
#[derive(Debug, Deserialize)]
pub struct AmendForm {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub form_key: String,
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
    let back = |problem: Option<&str>| {
        let query = problem.map(|p| format!("?problem={p}")).unwrap_or_default();
        Redirect::to(&format!("/patients/{patient_id}{query}#call-{call_id}")).into_response()
    };
    let Some(key) = FormKey::parse(&form.form_key) else {
        return Ok(back(Some("form_key")));
    };
    let text = form.text.trim();
    if Limit::Text.exceeded_by(text).is_some() {
        return Ok(
            Redirect::to(&format!("/patients/{patient_id}?problem=too_long#call-{call_id}")).into_response(),
        );
    }
    if text.is_empty() {
        return Ok(back(Some("amendment")));
    }
    let stored = sqlx::query_scalar!(
        "insert into call_amendments (call_id, text, author_id, form_key) values ($1, $2, $3, $4)
         on conflict (form_key) do nothing returning id",
        call_id,
        text,
        page.user.id,
        key.uuid()
    )
    .fetch_optional(&state.db)
    .await?;
    if stored.is_none() {
        // Sent again: the first send stored it, for this call (a key sent for another is forged).
        let first = sqlx::query_scalar!(
            "select call_id from call_amendments where form_key = $1",
            key.uuid()
        )
        .fetch_one(&state.db)
        .await?;
        if first != call_id {
            return Err(AppError::BadRequest);
        }
    }
    Ok(back(None))
}
