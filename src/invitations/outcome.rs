//! After the initial meeting: the course starts (start date, planned end six months later, the
//! first call booked, consent to the course and, separately, to the evaluation interview and to research use), or
//! the patient declines or is not eligible. Not before the meeting's time, and the course not
//! from before the invitation: the database refuses both as well.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::NaiveDate;

use super::page::invitation_key;
use super::page::{current_meeting, refuse_control, show_page, Typed};
use super::{coordinator_or_nurse, set_actor, subject};
use crate::appointments::store::record_meeting_outcome;
use crate::appointments::{book, parse_when, NewAppointment, CALL_MINUTES};
use crate::calendar::{refused, For};
use crate::courses::consent::record_at_meeting;
use crate::courses::{invited_on, start_course};
use crate::db::ResultExt;
use crate::patients::Status;
use crate::web::FormErrors;
use crate::web::{Page, Result};
use crate::AppState;

/// `POST /patients/{id}/invitation/outcome`: `outcome` = starts | declined | not_eligible;
/// for a start `start_date`, `call_date`, `call_time`, `consent_course`, `consent_interview`,
/// `consent_research`.
pub async fn record(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(typed): Form<Typed>,
) -> Result<Response> {
    let s = subject(&state.db, &page.user, id, coordinator_or_nurse).await?;
    let meeting = current_meeting(&state.db, id).await?;
    if s.control {
        return refuse_control(&state, page, s, typed, "outcome").await;
    }
    let mut errors = FormErrors::default();
    let (Some(meeting), Status::MeetingBooked) = (meeting, s.status) else {
        errors.add("outcome", "invitation.illegal_transition");
        return show_page(&state, page, s, Some(typed), errors).await;
    };
    let now = page.now();
    if now < meeting.starts_at {
        errors.add("outcome", "invitation.outcome_before_meeting");
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    let reason = typed.reason.trim().to_owned();
    let to = match typed.outcome.as_str() {
        "starts" => Status::Active,
        "declined" => Status::Declined,
        "not_eligible" => Status::NotEligible,
        _ => {
            errors.add("outcome", "invitation.choose_outcome");
            return show_page(&state, page, s, Some(typed), errors).await;
        }
    };
    let start_date = NaiveDate::parse_from_str(typed.start_date.trim(), "%Y-%m-%d").ok();
    let first_call = parse_when(page.user.tz, &typed.call_date, &typed.call_time).ok();
    let yes_no = |typed: &str| match typed {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let interview = yes_no(&typed.consent_interview);
    let research = yes_no(&typed.consent_research);
    if to == Status::Active {
        let invited = invited_on(&state.db, id).await?;
        match start_date {
            None => errors.add("start_date", "invitation.date_invalid"),
            Some(d) if invited.is_some_and(|i| d < i) => {
                errors.add("start_date", "invitation.start_before_invitation")
            }
            Some(_) => {}
        }
        match (first_call, start_date) {
            (None, _) => errors.add("call_date", "invitation.time_invalid"),
            (Some(at), _) if at <= now => errors.add("call_date", "invitation.time_past"),
            (Some(at), Some(start)) if at.with_timezone(&page.user.tz).date_naive() < start => {
                errors.add("call_date", "invitation.call_before_start")
            }
            _ => {}
        }
        if let (Some(at), true) = (first_call, errors.get("call_date").is_none()) {
            let what = For {
                nurse_id: Some(meeting.nurse_id),
                patient_id: Some(id),
                except_appointment: None,
            };
            let closed = refused(&state.db, s.centre_id, what, at, CALL_MINUTES, now, page.lang()).await?;
            if let Some(c) = closed {
                errors.add("call_date", invitation_key(&c));
            }
        }
        if typed.consent_course.is_none() {
            errors.add("consent_course", "invitation.consent_required");
        }
        if interview.is_none() {
            errors.add("consent_interview", "invitation.interview_choose");
        }
        if research.is_none() {
            errors.add("consent_research", "invitation.research_choose");
        }
    } else if to == Status::NotEligible && reason.is_empty() {
        errors.add("outcome_reason", "invitation.reason_required");
    }
    errors.limit("outcome_reason", &reason, crate::web::limits::Limit::Line);
    // A start has its day, first call and the patient's answers about consent; anything else
    // has none of them.
    let start = match (to, start_date, first_call, interview, research) {
        (Status::Active, Some(day), Some(call), Some(interview), Some(research)) => {
            Some((day, call, interview, research))
        }
        _ => None,
    };
    if !errors.is_empty() || (to == Status::Active && start.is_none()) {
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    let mut tx = state.db.begin().await?;
    set_actor(&mut tx, page.user.id, &reason).await?;
    let held = record_meeting_outcome(&mut tx, meeting.id, now)
        .await
        .on_constraint("appointments_outcome_not_before_meeting")?;
    if held.is_none() {
        drop(tx);
        errors.add("outcome", "invitation.outcome_before_meeting");
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    if let Some((start_date, first_call, interview, research)) = start {
        let nurse_id = meeting.nurse_id;
        let started = start_course(&mut tx, id, nurse_id, start_date, page.user.id)
            .await
            .on_constraint("courses_start_not_before_invitation")?;
        let Some(course_id) = started else {
            drop(tx);
            errors.add("start_date", "invitation.start_before_invitation");
            return show_page(&state, page, s, Some(typed), errors).await;
        };
        // Consent is given at the meeting: that is its clinical date.
        let meeting_day = meeting.starts_at.with_timezone(&page.user.tz).date_naive();
        record_at_meeting(
            &mut tx,
            course_id,
            interview,
            research,
            meeting_day,
            page.user.id,
            now,
        )
        .await?;
        let first = NewAppointment::call(id, Some(course_id), nurse_id, first_call, page.user.id);
        if book(&mut tx, &first).await?.is_none() {
            drop(tx);
            errors.add("call_date", "invitation.nurse_busy");
            return show_page(&state, page, s, Some(typed), errors).await;
        }
    } else if !crate::patients::status::change(&mut tx, id, to).await? {
        drop(tx);
        errors.add("outcome", "invitation.illegal_transition");
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        patient_id = id,
        to = to.as_str(),
        "recorded an initial meeting's outcome"
    );
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}/invitation"),
        "done.outcome_saved",
    ))
}
