//! Booking and moving a call. A slot the nurse already has is refused by the
//! database; the form says so and keeps what was typed.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::store::reschedule;
use super::{book, parse_when, NewAppointment};
use crate::audit::access::{check, Action};
use crate::domain::course::open_course;
use crate::domain::AppointmentStatus;
use crate::patients::{brief, Brief};
use crate::web::FormErrors;
use crate::web::{render, AppError, CurrentUser, Layout, Page, Result, Role};
use crate::AppState;

/// A date and a time, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WhenForm {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
}

#[derive(Template)]
#[template(path = "appointments/book.html")]
struct BookPage {
    layout: Layout,
    patient: Brief,
    action: String,
    /// When moving: the time the call has now.
    moving: Option<String>,
    form: WhenForm,
    errors: FormErrors,
}

/// The nurse a call is booked with: the patient's own nurse (continuity is the point, also
/// when a colleague covers), or the nurse herself for a patient with none yet.
pub fn nurse_for(user: &CurrentUser, patient: &Brief) -> Option<i64> {
    patient.nurse_id.or((user.role == Role::Nurse).then_some(user.id))
}

/// `GET /patients/{id}/appointments/new`.
pub async fn new_form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    render(&BookPage {
        patient: brief(&state.db, id).await?,
        layout: page.layout,
        action: format!("/patients/{id}/appointments/new"),
        moving: None,
        form: WhenForm::default(),
        errors: FormErrors::default(),
    })
}

/// `POST /patients/{id}/appointments/new`.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<WhenForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let patient = brief(&state.db, id).await?;
    let mut errors = FormErrors::default();
    let course = open_course(&state.db, id).await?;
    let when = parse_when(page.user.tz, &form.date, &form.time);
    let on = when.map_or_else(
        |_| page.today(),
        |at| at.with_timezone(&page.user.tz).date_naive(),
    );
    match &course {
        None => errors.add("date", "booking.no_course"),
        Some(c) if c.needs_extension_reason(on.max(page.today())) => {
            errors.add("date", "booking.past_nine_months")
        }
        Some(_) => {}
    }
    match when {
        Err((field, key)) => errors.add(field, key),
        Ok(at) if at <= page.now() => errors.add("date", "booking.in_past"),
        Ok(_) => {}
    }
    let nurse_id = nurse_for(&page.user, &patient);
    if nurse_id.is_none() {
        errors.add("date", "booking.no_nurse");
    }
    if let (true, Ok(starts_at), Some(nurse_id)) = (errors.is_empty(), when, nurse_id) {
        let call = NewAppointment::call(id, course.map(|c| c.id), nurse_id, starts_at, page.user.id);
        let mut tx = state.db.begin().await?;
        if book(&mut tx, &call).await?.is_some() {
            tx.commit().await?;
            return Ok(Redirect::to(&format!("/patients/{id}")).into_response());
        }
        tx.rollback().await?;
        errors.add("time", "booking.double");
    }
    render(&BookPage {
        patient,
        layout: page.layout,
        action: format!("/patients/{id}/appointments/new"),
        moving: None,
        form,
        errors,
    })
}

struct Booked {
    patient_id: i64,
    course_id: Option<i64>,
    nurse_id: i64,
    starts_at: chrono::DateTime<chrono::Utc>,
    status: AppointmentStatus,
}

async fn booked(db: &sqlx::PgPool, id: i64) -> Result<Booked> {
    sqlx::query_as!(
        Booked,
        r#"select patient_id, course_id, nurse_id, starts_at, status as "status: AppointmentStatus" from appointments where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// `GET /appointments/{id}/move`.
pub async fn move_form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let a = booked(&state.db, id).await?;
    check(&state.db, &page.user, a.patient_id, Action::ViewPage).await?;
    let local = a.starts_at.with_timezone(&page.user.tz);
    render(&BookPage {
        patient: brief(&state.db, a.patient_id).await?,
        moving: Some(page.layout.datetime(&a.starts_at)),
        layout: page.layout,
        action: format!("/appointments/{id}/move"),
        form: WhenForm {
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
        },
        errors: FormErrors::default(),
    })
}

/// `POST /appointments/{id}/move`: the old appointment is kept as moved, pointing to the new.
pub async fn move_to(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<WhenForm>,
) -> Result<Response> {
    let a = booked(&state.db, id).await?;
    check(&state.db, &page.user, a.patient_id, Action::Write).await?;
    let mut errors = FormErrors::default();
    if a.status != AppointmentStatus::Scheduled {
        errors.add("date", "booking.not_scheduled");
    }
    let when = parse_when(page.user.tz, &form.date, &form.time);
    if let (Ok(at), Some(course)) = (when, open_course(&state.db, a.patient_id).await?) {
        if course.needs_extension_reason(at.with_timezone(&page.user.tz).date_naive()) {
            errors.add("date", "booking.past_nine_months");
        }
    }
    match when {
        Err((field, key)) => errors.add(field, key),
        Ok(at) if at <= page.now() => errors.add("date", "booking.in_past"),
        Ok(_) => {}
    }
    if let (true, Ok(starts_at)) = (errors.is_empty(), when) {
        let mut tx = state.db.begin().await?;
        let call = NewAppointment::call(a.patient_id, a.course_id, a.nurse_id, starts_at, page.user.id);
        if reschedule(&mut tx, id, &call).await?.is_some() {
            tx.commit().await?;
            return Ok(Redirect::to(&format!("/patients/{}", a.patient_id)).into_response());
        }
        tx.rollback().await?;
        errors.add("time", "booking.double");
    }
    render(&BookPage {
        patient: brief(&state.db, a.patient_id).await?,
        moving: Some(page.layout.datetime(&a.starts_at)),
        layout: page.layout,
        action: format!("/appointments/{id}/move"),
        form,
        errors,
    })
}
