//! Ending a course (date and reason; future appointments cancelled) and stating the reason a
//! course continues past nine months.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{last_contact_on, open_course, set_actor};
use crate::appointments::cancel::{cancel_open, CancelReason};
use crate::audit::access::{check, Action};
use crate::db::violates;
use crate::domain::EndReason;
use crate::patients::{brief, Brief};
use crate::web::limits::Limit;
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

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
    reasons: &'static [EndReason],
    /// No end (or death) is dated before it.
    last_contact: Option<NaiveDate>,
}

impl EndPage {
    fn reason_checked(&self, reason: &EndReason) -> bool {
        self.form.reason == reason.as_str()
    }

    fn reason_label(&self, reason: &EndReason) -> &'static str {
        self.layout.t(reason.label_key())
    }
}

/// `GET /patients/{id}/end`.
pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    let form = EndForm {
        end_date: page.today().to_string(),
        ..EndForm::default()
    };
    render(&EndPage {
        patient: brief(&state.db, id).await?,
        layout: page.layout,
        form,
        errors: FormErrors::default(),
        reasons: EndReason::ALL,
        last_contact: last_contact_on(&state.db, id).await?,
    })
}

/// `POST /patients/{id}/end`: ends the open course, cancels its open appointments, status ended.
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
    let last_contact = last_contact_on(&state.db, id).await?;
    match date {
        None => errors.add("end_date", "form.date_invalid"),
        Some(d) if d < course.start_date => errors.add("end_date", "end.before_start"),
        Some(d) if d > page.today() => errors.add("end_date", "end.in_future"),
        Some(d) if last_contact.is_some_and(|c| d < c) => errors.add("end_date", "end.before_last_contact"),
        Some(_) => {}
    }
    let reason = EndReason::parse(&form.reason);
    match reason {
        None => errors.add("reason", "form.required"),
        Some(r) if r.needs_text() && form.reason_text.is_empty() => {
            errors.add("reason_text", "end.other_needs_text")
        }
        Some(_) => {}
    }
    errors.limit("reason_text", &form.reason_text, Limit::Line);
    let (Some(date), Some(reason)) = (date.filter(|_| errors.is_empty()), reason) else {
        return render(&EndPage {
            patient: brief(&state.db, id).await?,
            layout: page.layout,
            form,
            errors,
            reasons: EndReason::ALL,
            last_contact,
        });
    };
    let text = reason.needs_text().then_some(form.reason_text.as_str());
    let mut tx = state.db.begin().await?;
    set_actor(&mut tx, page.user.id, reason.as_str()).await?;
    let ended = sqlx::query!(
        "update courses set end_date = $2, end_reason = $3, end_reason_text = $4 where id = $1",
        course.id,
        date,
        reason as EndReason,
        text
    )
    .execute(&mut *tx)
    .await;
    // A call that reached the patient was logged while this form was open.
    if let Err(e) = &ended {
        if violates(e, "courses_end_not_before_last_contact") {
            drop(tx);
            errors.add("end_date", "end.before_last_contact");
            return render(&EndPage {
                patient: brief(&state.db, id).await?,
                layout: page.layout,
                form,
                errors,
                reasons: EndReason::ALL,
                last_contact: last_contact_on(&state.db, id).await?,
            });
        }
    }
    ended?;
    // Every open booking goes, earlier ones left unlogged too, so nothing waits on a list.
    cancel_open(&mut tx, id, None, CancelReason::CourseEnded).await?;
    crate::patients::status::change(&mut tx, id, crate::patients::Status::Ended).await?;
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

/// Why a nurse decided on no new call because the course is to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum EndingReason {
    GoalsReached,
    PatientWishes,
    Moved,
    Died,
    Unreachable,
    Admitted,
    Other,
}

impl EndingReason {
    /// Every reason, in the order the call form offers them.
    pub const ALL: [EndingReason; 7] = [
        EndingReason::GoalsReached,
        EndingReason::PatientWishes,
        EndingReason::Unreachable,
        EndingReason::Admitted,
        EndingReason::Moved,
        EndingReason::Died,
        EndingReason::Other,
    ];

    /// The code the database and the form use.
    pub fn code(self) -> &'static str {
        match self {
            EndingReason::GoalsReached => "goals_reached",
            EndingReason::PatientWishes => "patient_wishes",
            EndingReason::Moved => "moved",
            EndingReason::Died => "died",
            EndingReason::Unreachable => "unreachable",
            EndingReason::Admitted => "admitted",
            EndingReason::Other => "other",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            EndingReason::GoalsReached => "ending.goals_reached",
            EndingReason::PatientWishes => "ending.patient_wishes",
            EndingReason::Moved => "ending.moved",
            EndingReason::Died => "ending.died",
            EndingReason::Unreachable => "ending.unreachable",
            EndingReason::Admitted => "ending.admitted",
            EndingReason::Other => "ending.other",
        }
    }

    /// The reason from its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Records that the course is to end with no new call, why, and when it was decided. The
/// patient stays in the safety net "ending decided" until the course is ended or a call booked.
pub async fn plan_ending(
    conn: &mut sqlx::PgConnection,
    course_id: i64,
    reason: EndingReason,
    note: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update courses set ending_planned = true, ending_planned_reason = $2, ending_planned_note = $3,
                ending_planned_at = $4, updated_at = now()
          where id = $1",
        course_id,
        reason as EndingReason,
        note,
        at
    )
    .execute(conn)
    .await?;
    Ok(())
}
