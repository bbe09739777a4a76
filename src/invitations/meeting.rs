//! Booking the initial meeting: a room of the centre, a time, a nurse. The patient's answer was
//! yes (or a changed time); the meeting is an appointment of kind `meeting`, and the database
//! refuses to book a nurse twice at the same time. The nurse of the meeting becomes the
//! patient's nurse: within her capacity (the assignment's rule), and when the patient had
//! another nurse only when the coordinator confirms the move, which is then kept and shown.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;

use super::page::{current_meeting, refuse_control, show_page, Typed};
use super::{coordinator, set_actor, subject};
use crate::appointments::store::reschedule;
use crate::appointments::{parse_when, NewAppointment};
use crate::calendar::{refused, For};
use crate::caseload::lock_nurses;
use crate::caseload::{record_move, Move};
use crate::domain::AppointmentKind;
use crate::rooms::rooms_of;
use crate::web::FormErrors;

use crate::patients::Status;
use crate::web::{AppError, Page, Result};
use crate::AppState;

/// `POST /patients/{id}/invitation/meeting`: `date`, `time`, `minutes`, `room_id`, `nurse_id`.
/// Booking again moves the meeting.
pub async fn book(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(typed): Form<Typed>,
) -> Result<Response> {
    let s = subject(&state.db, &page.user, id, coordinator).await?;
    if s.control {
        return refuse_control(&state, page, s, typed, "date").await;
    }
    let mut errors = FormErrors::default();
    if !s.status.may_become(Status::MeetingBooked) {
        errors.add("date", "invitation.illegal_transition");
    }
    let starts_at = parse_when(page.user.tz, &typed.date, &typed.time).ok();
    match starts_at {
        None => errors.add("date", "invitation.time_invalid"),
        Some(at) if at <= page.now() => errors.add("date", "invitation.time_past"),
        Some(_) => {}
    }
    let minutes = typed
        .minutes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (15..=240).contains(m));
    if minutes.is_none() {
        errors.add("minutes", "invitation.minutes_invalid");
    }
    let rooms = rooms_of(&state.db, s.centre_id, true).await?;
    let room = rooms.iter().find(|r| r.id.to_string() == typed.room_id);
    if room.is_none() {
        errors.add("room_id", "invitation.room_required");
    }
    let nurse_id = typed.nurse_id.trim().parse::<i64>().ok();
    let nurse = match nurse_id {
        Some(n) => {
            sqlx::query!(
                "select centre_id, active from users where id = $1 and role = 'nurse'",
                n
            )
            .fetch_optional(&state.db)
            .await?
        }
        None => None,
    };
    match &nurse {
        Some(n) if n.centre_id != Some(s.centre_id) => return Err(AppError::Forbidden),
        Some(n) if n.active => {}
        _ => errors.add("nurse_id", "invitation.nurse_required"),
    }
    // Another nurse than the patient's own: said on the form, and done only when confirmed.
    if matches!((s.nurse_id, nurse_id), (Some(own), Some(chosen)) if own != chosen)
        && typed.move_nurse.is_none()
    {
        errors.add("nurse_id", "invitation.nurse_change_confirm");
    }
    let previous = current_meeting(&state.db, id).await?;
    if let (Some(at), Some(minutes), Some(nurse_id), true) = (starts_at, minutes, nurse_id, errors.is_empty())
    {
        let what = For {
            nurse_id: Some(nurse_id),
            patient_id: Some(id),
            except_appointment: previous.as_ref().map(|m| m.id),
        };
        if let Some(c) = refused(&state.db, s.centre_id, what, at, minutes, page.now(), page.lang()).await? {
            errors.add("date", super::page::invitation_key(&c));
        }
    }
    let (Some(starts_at), Some(minutes), Some(room), Some(nurse_id), true) =
        (starts_at, minutes, room, nurse_id, errors.is_empty())
    else {
        return show_page(&state, page, s, Some(typed), errors).await;
    };
    let place = room.place();
    let mut tx = state.db.begin().await?;
    set_actor(&mut tx, page.user.id, "").await?;
    // The nurse, then the patient, locked in the order assigning locks them: the page may be
    // older than an assignment or a move, and two coordinators may fill her last place at once.
    let chosen = lock_nurses(&mut tx, &[nurse_id]).await?;
    let own = sqlx::query_scalar!("select nurse_id from patients where id = $1 for update", id)
        .fetch_one(&mut *tx)
        .await?;
    let changes_nurse = own != Some(nurse_id);
    if changes_nurse && own.is_some() && typed.move_nurse.is_none() {
        drop(tx);
        errors.add("nurse_id", "invitation.nurse_change_confirm");
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    if changes_nurse && !chosen.first().is_some_and(|n| n.takes(1)) {
        drop(tx);
        errors.add("nurse_id", "invitation.nurse_full");
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    let meeting = NewAppointment {
        kind: AppointmentKind::Meeting,
        patient_id: id,
        course_id: None,
        nurse_id,
        starts_at,
        minutes,
        place: Some(place),
        by_user: page.user.id,
        outside_hours_reason: None,
    };
    let booked = match &previous {
        Some(old) => reschedule(&mut tx, old.id, &meeting).await?,
        None => crate::appointments::book(&mut tx, &meeting).await?,
    };
    if booked.is_none() {
        drop(tx);
        errors.add("date", "invitation.nurse_busy");
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    if changes_nurse {
        crate::patients::set_nurse(&mut tx, id, nurse_id).await?;
    }
    // The meeting holds the room and nurse now; the letter's slot is let go.
    crate::letters::holds::release(&mut tx, id, crate::letters::holds::Release::Booked, page.now()).await?;
    if let Some(from) = own.filter(|_| changes_nurse) {
        let moved = Move {
            patient_id: id,
            from,
            to: nurse_id,
            until: None,
            appointments_moved: u64::from(previous.is_some()),
            by: page.user.id,
            reason: Some(crate::caseload::REASON_INITIAL_MEETING),
            absence_id: None,
        };
        record_move(&mut tx, &moved).await?;
    }
    if !crate::patients::status::change(&mut tx, id, Status::MeetingBooked).await? {
        drop(tx);
        errors.add("date", "invitation.illegal_transition");
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        patient_id = id,
        "booked an initial meeting"
    );
    // The page then says who the patient is with now, and why.
    let notice = match (own, changes_nurse) {
        (None, _) => "?nurse=assigned",
        (Some(_), true) => "?nurse=moved",
        (Some(_), false) => "",
    };
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}/invitation{notice}"),
        "done.meeting_booked",
    ))
}
