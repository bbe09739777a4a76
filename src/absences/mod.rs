//! Nurses' absences (holiday, sick leave, courses) and who covers their patients meanwhile. A
//! nurse asks for an absence and a coordinator approves it, or the coordinator enters it; the
//! coordinator picks a cover nurse per patient or one for all. When the absence starts, each
//! covered patient moves to the cover with their bookings until the absence's last day, and the
//! caseload's return brings them back afterwards; both moves are on the patient's timeline.
//! While away, the nurse cannot be booked (`calendar::rule`).

pub mod cover;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::page::{page_with, AbsenceTyped};
use crate::caseload::{move_patient, Move, REASON_ABSENCE};
use crate::domain::{AbsenceKind, AbsenceStatus};
use crate::web::auth::centre_of;
use crate::web::{AppError, FormErrors, Page, Result, Role};
use crate::AppState;

/// `/absences` for nurses (their own) and coordinators (their centre's).
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/absences", post(create))
        .route("/absences/{id}", get(cover::show))
        .route("/absences/{id}/cover", post(cover::save))
        .route("/absences/{id}/approve", post(approve))
        .route("/absences/{id}/cancel", post(cancel))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            crate::web::auth::signed_in,
        ))
}

/// Only nurses and coordinators of a centre keep absences.
fn nurse_or_coordinator(page: &Page) -> Result<i64> {
    match page.user.role {
        Role::Nurse | Role::Coordinator => centre_of(&page.user),
        _ => Err(AppError::Forbidden),
    }
}

/// `POST /absences`: a nurse asks for her own absence; a coordinator enters one for a nurse of
/// her centre, approved at once.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Form(typed): Form<AbsenceTyped>,
) -> Result<Response> {
    let centre_id = nurse_or_coordinator(&page)?;
    let coordinator = page.user.role == Role::Coordinator;
    let mut errors = FormErrors::default();
    let nurse_id = if coordinator {
        let id = typed.nurse_id.trim().parse::<i64>().ok();
        let nurse = match id {
            Some(id) => sqlx::query_scalar!(
                "select centre_id from users where id = $1 and role = 'nurse' and active",
                id
            )
            .fetch_optional(&state.db)
            .await?
            .flatten(),
            None => None,
        };
        match nurse {
            Some(c) if c != centre_id => return Err(AppError::Forbidden),
            Some(_) => id,
            None => {
                errors.add("nurse_id", "absence.nurse_required");
                None
            }
        }
    } else {
        Some(page.user.id)
    };
    let kind = AbsenceKind::parse(&typed.kind).unwrap_or(AbsenceKind::Holiday);
    let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (first, last) = (day(&typed.first_day), day(&typed.last_day));
    if first.is_none() {
        errors.add("first_day", "form.date_invalid");
    }
    match (first, last) {
        (_, None) => errors.add("last_day", "form.date_invalid"),
        (Some(f), Some(l)) if l < f => errors.add("last_day", "absence.last_before_first"),
        (Some(f), Some(l)) if (l - f).num_days() > 366 => errors.add("last_day", "absence.too_long"),
        (_, Some(l)) if l < page.today() => errors.add("last_day", "absence.in_past"),
        _ => {}
    }
    let note = typed.note.trim();
    if note.chars().count() > 200 {
        errors.add("note", "text.too_long_line");
    }
    if let (Some(nurse_id), Some(f), Some(l)) = (nurse_id, first, last) {
        let overlapping = sqlx::query_scalar!(
            r#"select exists (select 1 from absences where nurse_id = $1 and status <> 'cancelled'
                               and first_day <= $3 and last_day >= $2) as "x!""#,
            nurse_id,
            f,
            l
        )
        .fetch_one(&state.db)
        .await?;
        if overlapping {
            errors.add("first_day", "absence.overlaps");
        }
    }
    let (Some(nurse_id), Some(first), Some(last), true) = (nurse_id, first, last, errors.is_empty()) else {
        return page_with(&state, page, None, errors, typed).await;
    };
    let status = if coordinator {
        AbsenceStatus::Approved
    } else {
        AbsenceStatus::Requested
    };
    let id = sqlx::query_scalar!(
        "insert into absences (nurse_id, kind, first_day, last_day, status, note, created_by, decided_by, decided_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        nurse_id,
        kind as AbsenceKind,
        first,
        last,
        status as AbsenceStatus,
        note,
        page.user.id,
        coordinator.then_some(page.user.id),
        coordinator.then(|| page.now())
    )
    .fetch_one(&state.db)
    .await?;
    tracing::info!(user_id = page.user.id, absence_id = id, "recorded an absence");
    if coordinator {
        return Ok(crate::web::flash::redirect(
            &format!("/absences/{id}"),
            "done.absence_saved",
        ));
    }
    Ok(crate::web::flash::redirect(
        "/calendar#absences",
        "done.absence_requested",
    ))
}

/// An absence with its nurse's centre, for the checks.
pub struct Absence {
    pub id: i64,
    pub nurse_id: i64,
    pub nurse: String,
    pub centre_id: i64,
    pub kind: AbsenceKind,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub status: AbsenceStatus,
}

/// The absence, if the signed-in coordinator's centre holds it (else not found).
pub async fn of_centre(db: &sqlx::PgPool, page: &Page, id: i64) -> Result<Absence> {
    if page.user.role != Role::Coordinator {
        return Err(AppError::Forbidden);
    }
    let centre_id = centre_of(&page.user)?;
    sqlx::query_as!(
        Absence,
        r#"select a.id, a.nurse_id, u.name as nurse, u.centre_id as "centre_id!", a.kind as "kind: AbsenceKind",
                  a.first_day, a.last_day, a.status as "status: AbsenceStatus"
             from absences a join users u on u.id = a.nurse_id where a.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .filter(|a| a.centre_id == centre_id)
    .ok_or(AppError::NotFound)
}

/// `POST /absences/{id}/approve`: a coordinator approves a nurse's request.
pub async fn approve(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let absence = of_centre(&state.db, &page, id).await?;
    sqlx::query!(
        "update absences set status = 'approved', decided_by = $2, decided_at = $3 where id = $1 and status = 'requested'",
        absence.id,
        page.user.id,
        page.now()
    )
    .execute(&state.db)
    .await?;
    Ok(crate::web::flash::redirect(
        &format!("/absences/{id}"),
        "done.absence_approved",
    ))
}

/// `POST /absences/{id}/cancel`: before it starts, an absence can be called off; its planned
/// cover goes with it.
pub async fn cancel(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let absence = of_centre(&state.db, &page, id).await?;
    let today = page.today();
    if absence.first_day <= today {
        return Err(AppError::Refused("absence.started_cannot_cancel"));
    }
    sqlx::query!(
        "update absences set status = 'cancelled', decided_by = $2, decided_at = $3 where id = $1",
        absence.id,
        page.user.id,
        page.now()
    )
    .execute(&state.db)
    .await?;
    Ok(crate::web::flash::redirect(
        "/calendar#absences",
        "done.absence_cancelled",
    ))
}

/// Starts the cover of every approved absence that has begun (by each centre's day): each
/// covered patient still with the absent nurse moves to the cover until the last day. A patient
/// whose booking would clash with the cover's stays and is tried again; returns how many moved.
pub async fn start_due(db: &sqlx::PgPool, at: DateTime<Utc>, by: Option<i64>) -> Result<u64, sqlx::Error> {
    let due = sqlx::query!(
        r#"select c.absence_id, c.patient_id, c.cover_nurse_id, c.chosen_by, a.nurse_id, a.last_day
             from absence_covers c
             join absences a on a.id = c.absence_id and a.status = 'approved'
             join users u on u.id = a.nurse_id
             join centres ce on ce.id = u.centre_id
             join patients p on p.id = c.patient_id and p.nurse_id = a.nurse_id
            where c.started_at is null
              and a.first_day <= ($1 at time zone ce.timezone)::date
              and a.last_day >= ($1 at time zone ce.timezone)::date
            order by c.absence_id, c.patient_id"#,
        at
    )
    .fetch_all(db)
    .await?;
    let mut moved = 0;
    for c in due {
        let mut tx = db.begin().await?;
        crate::db::set_actor(&mut tx, by.unwrap_or(c.chosen_by), REASON_ABSENCE).await?;
        let one = Move {
            patient_id: c.patient_id,
            from: c.nurse_id,
            to: c.cover_nurse_id,
            until: Some(c.last_day),
            appointments_moved: 0,
            by: by.unwrap_or(c.chosen_by),
            reason: Some(REASON_ABSENCE),
            absence_id: Some(c.absence_id),
        };
        if move_patient(&mut tx, one).await?.is_err() {
            tx.rollback().await?;
            tracing::warn!(
                absence_id = c.absence_id,
                "a covered patient's booking clashes with the cover's; tried again later"
            );
            continue;
        }
        sqlx::query!(
            "update absence_covers set started_at = $3 where absence_id = $1 and patient_id = $2",
            c.absence_id,
            c.patient_id,
            at
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        moved += 1;
    }
    Ok(moved)
}

/// Starts due covers every ten minutes, so patients move when the absence begins even if no
/// coordinator looks.
pub fn spawn_covers(db: sqlx::PgPool, clock: crate::clock::Clock) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = start_due(&db, clock.now(), None).await {
                tracing::warn!(error = %e, "starting the cover of absences failed");
            }
        }
    });
}
