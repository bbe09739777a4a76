//! Recording the answer to an invitation: declined, no response (after the deadline),
//! unreachable, or not eligible (with a reason). "Accepted" is booking the meeting.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;

use super::page::{refuse_control, show_page, Typed};
use super::{coordinator, set_actor, subject};
use crate::letters::holds::Release;
use crate::web::FormErrors;

use crate::patients::Status;
use crate::web::{Page, Result};
use crate::AppState;

use crate::letters::pages::RESPONSE_DEADLINE_DAYS;

/// `POST /patients/{id}/invitation/response`: `response`, and `reason` (required for not eligible).
pub async fn respond(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(typed): Form<Typed>,
) -> Result<Response> {
    let s = subject(&state.db, &page.user, id, coordinator).await?;
    if s.control {
        return refuse_control(&state, page, s, typed, "response").await;
    }
    let mut errors = FormErrors::default();
    let to = match typed.response.as_str() {
        "declined" => Some(Status::Declined),
        "no_response" => Some(Status::NoResponse),
        "unreachable" => Some(Status::Unreachable),
        "not_eligible" => Some(Status::NotEligible),
        _ => None,
    };
    let reason = typed.reason.trim().to_owned();
    errors.limit("reason", &reason, crate::web::limits::Limit::Line);
    match to {
        None => errors.add("response", "invitation.choose_response"),
        Some(to) if !s.status.may_become(to) => errors.add("response", "invitation.illegal_transition"),
        Some(Status::NotEligible) if reason.is_empty() => errors.add("reason", "invitation.reason_required"),
        Some(Status::NoResponse) => {
            let reminded = sqlx::query_scalar!(
                "select max(produced_at) from letters where patient_id = $1 and kind = 'reminder'",
                id
            )
            .fetch_one(&state.db)
            .await?;
            match reminded {
                None => errors.add("response", "invitation.remind_first"),
                Some(at) if at > page.now() - chrono::Duration::days(RESPONSE_DEADLINE_DAYS) => {
                    errors.add("response", "invitation.deadline_not_passed")
                }
                Some(_) => {}
            }
        }
        Some(_) => {}
    }
    let (Some(to), true) = (to, errors.is_empty()) else {
        return show_page(&state, page, s, Some(typed), errors).await;
    };
    let mut tx = state.db.begin().await?;
    set_actor(&mut tx, page.user.id, &reason).await?;
    if !crate::patients::status::change(&mut tx, id, to).await? {
        drop(tx);
        errors.add("response", "invitation.illegal_transition");
        return show_page(&state, page, s, Some(typed), errors).await;
    }
    // A meeting that will not take place frees the nurse's time, and the letter's slot.
    let why = if to == Status::NoResponse {
        Release::NoResponse
    } else {
        Release::Declined
    };
    crate::letters::holds::release(&mut tx, id, why, page.now()).await?;
    crate::appointments::cancel::cancel_open(
        &mut tx,
        id,
        Some("meeting"),
        crate::appointments::cancel::CancelReason::InvitationAnswered,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        patient_id = id,
        to = to.as_str(),
        "recorded an answer to an invitation"
    );
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}/invitation"),
        "done.answer_saved",
    ))
}

/// `POST /patients/{id}/invitation/free`: a coordinator lets go of the slot the patient's letter
/// holds (the room and nurse can then be offered to someone else).
pub async fn free_slot(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    subject(&state.db, &page.user, id, coordinator).await?;
    let mut tx = state.db.begin().await?;
    crate::letters::holds::release(&mut tx, id, Release::Freed, page.now()).await?;
    tx.commit().await?;
    tracing::info!(user_id = page.user.id, patient_id = id, "freed a letter's slot");
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}/invitation"),
        "done.slot_freed",
    ))
}
