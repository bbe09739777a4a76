//! The times a patient wants to be called: weekdays and windows that suit them, and windows to
//! avoid, in the centre's local time. The calendar's proposals (the next call on the call form,
//! the booking form's suggestions) keep to them; free text stays for what does not fit.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::NaiveTime;
use serde::Deserialize;

use crate::audit::access::{check, Action};
use crate::domain::CallTimeKind;
use crate::web::{AppError, FormErrors, Page, Result};
use crate::AppState;

/// One window, as listed.
pub struct Window {
    pub id: i64,
    pub kind: CallTimeKind,
    pub weekday: Option<i16>,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
}

impl Window {
    /// The weekday's catalogue key, or every day's.
    pub fn day_key(&self) -> &'static str {
        self.weekday
            .and_then(|w| usize::try_from(w - 1).ok())
            .and_then(|i| crate::web::i18n::WEEKDAY_KEYS.get(i).copied())
            .unwrap_or("call_times.every_day")
    }

    pub fn span(&self) -> String {
        format!("{}–{}", self.starts.format("%H:%M"), self.ends.format("%H:%M"))
    }
}

/// The patient's windows, preferred first.
pub async fn of_patient(db: &sqlx::PgPool, patient_id: i64) -> Result<Vec<Window>, sqlx::Error> {
    sqlx::query_as!(
        Window,
        r#"select id, kind as "kind: CallTimeKind", weekday, starts, ends from call_times
            where patient_id = $1 order by kind desc, weekday nulls first, starts"#,
        patient_id
    )
    .fetch_all(db)
    .await
}

/// A window as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WindowForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
}

/// `POST /patients/{id}/call-times`: adds a window.
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<WindowForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let mut errors = FormErrors::default();
    let kind = CallTimeKind::parse(&form.kind);
    if kind.is_none() {
        errors.add("window_kind", "form.required");
    }
    let weekday = match form.weekday.trim() {
        "" => Some(None),
        w => w.parse::<i16>().ok().filter(|w| (1..=7).contains(w)).map(Some),
    };
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
    let (starts, ends) = (time(&form.starts), time(&form.ends));
    match (starts, ends) {
        (Some(s), Some(e)) if e > s => {}
        _ => errors.add("window_starts", "call_times.invalid"),
    }
    let (Some(kind), Some(weekday), Some(starts), Some(ends), true) =
        (kind, weekday, starts, ends, errors.is_empty())
    else {
        return super::contacts::page_with_window(&state, page, id, errors, form).await;
    };
    sqlx::query!(
        "insert into call_times (patient_id, kind, weekday, starts, ends) values ($1, $2, $3, $4, $5)",
        id,
        kind as CallTimeKind,
        weekday,
        starts,
        ends
    )
    .execute(&state.db)
    .await?;
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}/contacts#call-times"),
        "done.saved",
    ))
}

/// `POST /call-times/{id}/remove`.
pub async fn remove(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let patient_id = sqlx::query_scalar!("select patient_id from call_times where id = $1", id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    check(&state.db, &page.user, patient_id, Action::Write).await?;
    sqlx::query!("delete from call_times where id = $1", id)
        .execute(&state.db)
        .await?;
    Ok(crate::web::flash::redirect(
        &format!("/patients/{patient_id}/contacts#call-times"),
        "done.saved",
    ))
}
