//! Booking and moving a call. A slot the nurse already has is refused by the
//! database; the form says so and keeps what was typed.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::store::reschedule;
use super::{book, parse_when, NewAppointment, CALL_MINUTES};
use crate::audit::access::{check, Action};
use crate::calendar::{Calendar, Closed, For, Proposal};
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
    /// A coordinator's reason to book while the centre is closed.
    #[serde(default)]
    pub override_reason: String,
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
    /// Why the typed time cannot be booked, and the nearest open one.
    closed: Option<Closed>,
    /// Open times that suit the patient, from tomorrow on.
    suggestions: Vec<Proposal>,
    /// A coordinator may book while the centre is closed, with a reason.
    may_override: bool,
}

/// The nurse a call is booked with: the patient's own nurse (continuity is the point, also
/// when a colleague covers), or the nurse herself for a patient with none yet.
pub fn nurse_for(user: &CurrentUser, patient: &Brief) -> Option<i64> {
    patient.nurse_id.or((user.role == Role::Nurse).then_some(user.id))
}

/// The calendar a call of `patient` with `nurse_id` is booked against (`except`: the booking
/// being moved).
async fn calendar_for(
    db: &sqlx::PgPool,
    patient: &Brief,
    nurse_id: Option<i64>,
    except: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Calendar> {
    let mut conn = db.acquire().await?;
    let what = For {
        nurse_id,
        patient_id: Some(patient.id),
        except_appointment: except,
    };
    Ok(Calendar::load(&mut conn, patient.centre_id, what, now).await?)
}

/// What the form shows besides what was typed: where it posts, the time being moved, why the
/// typed time was refused.
struct Shown {
    action: String,
    moving: Option<String>,
    closed: Option<Closed>,
}

/// The booking form for `patient`, with open times that suit them.
fn show(
    page: Page,
    calendar: &Calendar,
    patient: Brief,
    shown: Shown,
    form: WhenForm,
    errors: FormErrors,
) -> Result<Response> {
    render(&BookPage {
        suggestions: suggestions(calendar, &page),
        may_override: page.user.role == Role::Coordinator,
        patient,
        layout: page.layout,
        action: shown.action,
        moving: shown.moving,
        form,
        errors,
        closed: shown.closed,
    })
}

/// Open times that suit the patient, one a day, from tomorrow morning on.
fn suggestions(calendar: &Calendar, page: &Page) -> Vec<Proposal> {
    let tomorrow = page.today().succ_opt().unwrap_or(page.today());
    let from = crate::calendar::rule::instant(calendar.tz, tomorrow.and_time(chrono::NaiveTime::MIN))
        .unwrap_or(page.now());
    calendar
        .suggestions(from, CALL_MINUTES, 3)
        .into_iter()
        .map(|at| Proposal::of(at, calendar, page.lang()))
        .collect()
}

/// Checks a time against the calendar. `Ok(reason)`: it may be booked (with a coordinator's
/// reason when the centre is closed); `Err`: why not, with the nearest open time, and the
/// form's error added.
fn within_calendar(
    calendar: &Calendar,
    at: chrono::DateTime<chrono::Utc>,
    page: &Page,
    form: &WhenForm,
    errors: &mut FormErrors,
) -> std::result::Result<Option<String>, Box<Closed>> {
    let Some(closed) = Closed::of(calendar, at, CALL_MINUTES, page.lang()) else {
        return Ok(None);
    };
    let reason = form.override_reason.trim();
    let coordinator = page.user.role == Role::Coordinator;
    if closed.may_override && coordinator && !reason.is_empty() {
        if !errors.limit("override_reason", reason, crate::web::limits::Limit::Line) {
            return Ok(Some(reason.to_owned()));
        }
        return Err(Box::new(closed));
    }
    let (field, key) = closed.error;
    errors.add(
        field,
        if closed.may_override && coordinator {
            "calendar.closed_override"
        } else {
            key
        },
    );
    Err(Box::new(closed))
}

/// `GET /patients/{id}/appointments/new`.
pub async fn new_form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    let patient = brief(&state.db, id).await?;
    let calendar = calendar_for(
        &state.db,
        &patient,
        nurse_for(&page.user, &patient),
        None,
        page.now(),
    )
    .await?;
    let shown = Shown {
        action: format!("/patients/{id}/appointments/new"),
        moving: None,
        closed: None,
    };
    show(
        page,
        &calendar,
        patient,
        shown,
        WhenForm::default(),
        FormErrors::default(),
    )
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
    let calendar = calendar_for(&state.db, &patient, nurse_id, None, page.now()).await?;
    let mut closed = None;
    let mut outside_hours = None;
    if let (true, Ok(at)) = (errors.is_empty(), when) {
        match within_calendar(&calendar, at, &page, &form, &mut errors) {
            Ok(reason) => outside_hours = reason,
            Err(c) => closed = Some(*c),
        }
    }
    if let (true, Ok(starts_at), Some(nurse_id)) = (errors.is_empty(), when, nurse_id) {
        let mut call = NewAppointment::call(id, course.map(|c| c.id), nurse_id, starts_at, page.user.id);
        call.outside_hours_reason = outside_hours;
        let mut tx = state.db.begin().await?;
        if book(&mut tx, &call).await?.is_some() {
            tx.commit().await?;
            return Ok(crate::web::flash::redirect(
                &format!("/patients/{id}"),
                "done.booked",
            ));
        }
        tx.rollback().await?;
        errors.add("time", "booking.double");
    }
    let shown = Shown {
        action: format!("/patients/{id}/appointments/new"),
        moving: None,
        closed,
    };
    show(page, &calendar, patient, shown, form, errors)
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
    let patient = brief(&state.db, a.patient_id).await?;
    let calendar = calendar_for(&state.db, &patient, Some(a.nurse_id), Some(id), page.now()).await?;
    let shown = Shown {
        action: format!("/appointments/{id}/move"),
        moving: Some(page.layout.booked(&a.starts_at)),
        closed: None,
    };
    let form = WhenForm {
        date: local.format("%Y-%m-%d").to_string(),
        time: local.format("%H:%M").to_string(),
        override_reason: String::new(),
    };
    show(page, &calendar, patient, shown, form, FormErrors::default())
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
    let patient = brief(&state.db, a.patient_id).await?;
    let calendar = calendar_for(&state.db, &patient, Some(a.nurse_id), Some(id), page.now()).await?;
    let mut closed = None;
    let mut outside_hours = None;
    if let (true, Ok(at)) = (errors.is_empty(), when) {
        match within_calendar(&calendar, at, &page, &form, &mut errors) {
            Ok(reason) => outside_hours = reason,
            Err(c) => closed = Some(*c),
        }
    }
    if let (true, Ok(starts_at)) = (errors.is_empty(), when) {
        let mut tx = state.db.begin().await?;
        let mut call = NewAppointment::call(a.patient_id, a.course_id, a.nurse_id, starts_at, page.user.id);
        call.outside_hours_reason = outside_hours;
        if reschedule(&mut tx, id, &call).await?.is_some() {
            tx.commit().await?;
            return Ok(crate::web::flash::redirect(
                &format!("/patients/{}", a.patient_id),
                "done.moved",
            ));
        }
        tx.rollback().await?;
        errors.add("time", "booking.double");
    }
    let shown = Shown {
        action: format!("/appointments/{id}/move"),
        moving: Some(page.layout.booked(&a.starts_at)),
        closed,
    };
    show(page, &calendar, patient, shown, form, errors)
}
