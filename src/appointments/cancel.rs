//! Cancelling a booking, always with a reason: one at a time from the record (a stray booking
//! from an earlier day too), or every open one of a patient when a course ends or an invitation
//! is answered. The only place that cancels appointments.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::PgConnection;

use crate::audit::access::{check, Action};
use crate::patients::{brief, Brief};
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// Why a booking was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum CancelReason {
    PatientAsked,
    PatientAdmitted,
    NurseAbsent,
    BookedInError,
    HandledOtherwise,
    CourseEnded,
    InvitationAnswered,
    Other,
}

impl CancelReason {
    /// The reasons a person picks from; the others are given by the product itself.
    pub const CHOOSABLE: [CancelReason; 6] = [
        CancelReason::PatientAsked,
        CancelReason::PatientAdmitted,
        CancelReason::NurseAbsent,
        CancelReason::HandledOtherwise,
        CancelReason::BookedInError,
        CancelReason::Other,
    ];

    /// The code the database and the form use.
    pub fn code(self) -> &'static str {
        match self {
            CancelReason::PatientAsked => "patient_asked",
            CancelReason::PatientAdmitted => "patient_admitted",
            CancelReason::NurseAbsent => "nurse_absent",
            CancelReason::BookedInError => "booked_in_error",
            CancelReason::HandledOtherwise => "handled_otherwise",
            CancelReason::CourseEnded => "course_ended",
            CancelReason::InvitationAnswered => "invitation_answered",
            CancelReason::Other => "other",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            CancelReason::PatientAsked => "cancel.patient_asked",
            CancelReason::PatientAdmitted => "cancel.patient_admitted",
            CancelReason::NurseAbsent => "cancel.nurse_absent",
            CancelReason::BookedInError => "cancel.booked_in_error",
            CancelReason::HandledOtherwise => "cancel.handled_otherwise",
            CancelReason::CourseEnded => "cancel.course_ended",
            CancelReason::InvitationAnswered => "cancel.invitation_answered",
            CancelReason::Other => "cancel.other",
        }
    }

    /// A reason a person chose, from its code.
    pub fn parse_choosable(code: &str) -> Option<Self> {
        Self::CHOOSABLE.into_iter().find(|r| r.code() == code)
    }
}

/// Cancels one open booking of a patient. `false` when it was not open (any more).
pub async fn cancel_one(
    conn: &mut PgConnection,
    appointment_id: i64,
    reason: CancelReason,
    note: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update appointments set status = 'cancelled', cancel_reason = $2, cancel_note = $3, updated_at = now()
          where id = $1 and status = 'scheduled'",
        appointment_id,
        reason as CancelReason,
        note
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels every open booking of a patient (of one kind, or all), past ones included, so nothing
/// is left waiting on a list; returns how many.
pub async fn cancel_open(
    conn: &mut PgConnection,
    patient_id: i64,
    kind: Option<&str>,
    reason: CancelReason,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "update appointments set status = 'cancelled', cancel_reason = $3, updated_at = now()
          where patient_id = $1 and status = 'scheduled' and ($2::text is null or kind = $2)",
        patient_id,
        kind,
        reason as CancelReason
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The cancellation as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

/// A cancellation with a reason a person may give.
struct ValidCancel {
    reason: CancelReason,
    note: Option<String>,
}

impl TryFrom<&CancelForm> for ValidCancel {
    type Error = FormErrors;

    fn try_from(form: &CancelForm) -> Result<Self, FormErrors> {
        let mut errors = FormErrors::default();
        let note = Some(form.note.trim().to_owned()).filter(|n| !n.is_empty());
        let reason = CancelReason::parse_choosable(&form.reason);
        match reason {
            None => errors.add("reason", "cancel.reason_required"),
            Some(CancelReason::Other) if note.is_none() => errors.add("note", "cancel.other_needs_text"),
            Some(_) => {}
        }
        match reason {
            Some(reason) if errors.is_empty() => Ok(ValidCancel { reason, note }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "appointments/cancel.html")]
struct CancelPage {
    layout: Layout,
    patient: Brief,
    id: i64,
    when: String,
    form: CancelForm,
    errors: FormErrors,
    reasons: [CancelReason; 6],
}

/// The booking to cancel, if it is still open.
async fn open_booking(db: &sqlx::PgPool, id: i64) -> Result<(i64, chrono::DateTime<chrono::Utc>)> {
    let a = sqlx::query!(
        "select patient_id, starts_at from appointments where id = $1 and status = 'scheduled'",
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((a.patient_id, a.starts_at))
}

async fn form_page(
    state: &AppState,
    page: Page,
    id: i64,
    form: CancelForm,
    errors: FormErrors,
) -> Result<Response> {
    let (patient_id, starts_at) = open_booking(&state.db, id).await?;
    render(&CancelPage {
        patient: brief(&state.db, patient_id).await?,
        when: page.layout.booked(&starts_at),
        layout: page.layout,
        id,
        form,
        errors,
        reasons: CancelReason::CHOOSABLE,
    })
}

/// `GET /appointments/{id}/cancel`: asks why.
pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let (patient_id, _) = open_booking(&state.db, id).await?;
    check(&state.db, &page.user, patient_id, Action::ViewPage).await?;
    form_page(&state, page, id, CancelForm::default(), FormErrors::default()).await
}

/// `POST /appointments/{id}/cancel`: cancels with the reason given.
pub async fn cancel(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<CancelForm>,
) -> Result<Response> {
    let (patient_id, _) = open_booking(&state.db, id).await?;
    check(&state.db, &page.user, patient_id, Action::Write).await?;
    let valid = match ValidCancel::try_from(&form) {
        Ok(valid) => valid,
        Err(errors) => return form_page(&state, page, id, form, errors).await,
    };
    let mut conn = state.db.acquire().await?;
    cancel_one(&mut conn, id, valid.reason, valid.note.as_deref()).await?;
    tracing::info!(
        user_id = page.user.id,
        patient_id,
        appointment_id = id,
        "cancelled a booking"
    );
    Ok(crate::web::flash::redirect(
        &format!("/patients/{patient_id}"),
        "done.cancelled",
    ))
}
