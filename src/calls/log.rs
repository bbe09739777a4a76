//! Logging a call: one form while the patient is on the line. Outcome, duration, topics, the
//! coaching note and the next call are saved in one transaction, so a call is never logged
//! without the next step unless the course is marked for ending.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, Utc};

use super::form::{context, CallForm, Context, Next};
use super::{all_topics, Topic};
use crate::appointments::store::record_held;
use crate::appointments::{book, NewAppointment};
use crate::audit::access::{check, Action};
use crate::courses::ending::{plan_ending, EndingReason};
use crate::db::set_actor;
use crate::domain::{AppointmentStatus, Outcome};
use crate::patients::Brief;
use crate::web::FormErrors;
use crate::web::{render, AppError, FormKey, Layout, Page, Result};
use crate::AppState;

/// The last call, shown beside the form.
pub struct LastCall {
    pub called_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub note: String,
}

#[derive(Template)]
#[template(path = "calls/log.html")]
struct LogPage {
    layout: Layout,
    patient: Brief,
    due: Option<DateTime<Utc>>,
    call_number: i64,
    form: CallForm,
    errors: FormErrors,
    topics: Vec<Topic>,
    outcomes: &'static [Outcome],
    retry_today: Option<String>,
    retry_next: String,
    ending_reasons: [EndingReason; 7],
    last: Option<LastCall>,
    goals: Vec<String>,
    /// Why the typed next call cannot be booked, with the nearest open time.
    closed: Option<crate::calendar::Closed>,
}

impl LogPage {
    fn outcome_checked(&self, outcome: &Outcome) -> bool {
        self.form.outcome == outcome.as_str()
    }

    fn topic_checked(&self, topic: &Topic) -> bool {
        self.form.topics.contains(&topic.code)
    }

    fn topic_label(&self, topic: &Topic) -> String {
        topic.label(self.layout.lang).to_owned()
    }

    fn last_outcome(&self, last: &LastCall) -> &'static str {
        self.layout.t(last.outcome.label_key())
    }
}

async fn page_for(
    db: &sqlx::PgPool,
    layout: Layout,
    ctx: Context,
    form: CallForm,
    errors: FormErrors,
) -> Result<Response> {
    let topics = all_topics(db)
        .await?
        .into_iter()
        .filter(|t| t.active || form.topics.contains(&t.code))
        .collect();
    let last = sqlx::query_as!(
        LastCall,
        r#"select called_at, outcome as "outcome: Outcome", note from calls where patient_id = $1 order by called_at desc limit 1"#,
        ctx.patient.id
    )
    .fetch_optional(db)
    .await?;
    let goals = sqlx::query_scalar!(
        "select text from goals where patient_id = $1 and status = 'open' order by created_at",
        ctx.patient.id
    )
    .fetch_all(db)
    .await?;
    let tz = ctx.calendar.tz;
    let fmt = |at: NaiveDateTime| {
        crate::calendar::rule::instant(tz, at).map_or_else(String::new, |at| layout.lang.booked(at, tz))
    };
    let closed = if crate::calendar::Closed::shown_by(&errors, "") {
        ctx.closed(&form, layout.lang)
    } else {
        None
    };
    render(&LogPage {
        closed,
        retry_today: ctx.retry_today.map(fmt),
        retry_next: fmt(ctx.retry_next),
        layout,
        patient: ctx.patient,
        due: ctx.due.map(|(_, at)| at),
        call_number: ctx.call_number,
        form,
        errors,
        topics,
        outcomes: Outcome::ALL,
        ending_reasons: EndingReason::ALL,
        last,
        goals,
    })
}

/// A call is recorded with the nurse who made it; anyone else is told so.
fn refuse_all_but_nurses(page: &Page) -> Result<()> {
    if page.user.role.logs_calls() {
        Ok(())
    } else {
        Err(AppError::Refused("call.nurses_only"))
    }
}

/// `GET /patients/{id}/calls/new`.
pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    refuse_all_but_nurses(&page)?;
    let ctx = context(&state.db, id, &page.user, page.now()).await?;
    let form = CallForm {
        appointment_id: ctx.due.map(|(a, _)| a.to_string()).unwrap_or_default(),
        outcome: "reached".into(),
        next: "booked".into(),
        date: ctx.default_next.format("%Y-%m-%d").to_string(),
        time: ctx.default_next.format("%H:%M").to_string(),
        form_key: FormKey::fresh().to_string(),
        ..CallForm::default()
    };
    page_for(&state.db, page.layout, ctx, form, FormErrors::default()).await
}

/// `POST /patients/{id}/calls/new`.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    refuse_all_but_nurses(&page)?;
    let mut form = CallForm::from_body(&body)?;
    let ctx = context(&state.db, id, &page.user, page.now()).await?;
    let tz = page.user.tz;
    let mut errors = FormErrors::default();
    // A form without its key is not one this page showed (or was shown before keys existed):
    // it comes back with what was typed and a key, and nothing is stored.
    let Some(key) = FormKey::parse(&form.form_key) else {
        form.form_key = FormKey::fresh().to_string();
        errors.add("form_key", "form.resend");
        return page_for(&state.db, page.layout, ctx, form, errors).await;
    };
    // Sent again (a double click, a reload): answer as the first send did.
    if let Some(call_id) = call_with_key(&state.db, key, id).await? {
        return Ok(logged(id, call_id));
    }
    let known: Vec<String> = all_topics(&state.db).await?.into_iter().map(|t| t.code).collect();
    form.topics.retain(|t| known.contains(t));
    let nurse_id = crate::appointments::booking::nurse_for(&page.user, &ctx.patient);
    let call = match form.validate(&ctx, nurse_id, page.now(), tz) {
        Ok(call) => call,
        Err(errors) => return page_for(&state.db, page.layout, ctx, form, errors).await,
    };
    let course = call.course.clone();
    let outcome = call.outcome;
    let duration = call.duration;
    let appointment_id: Option<i64> = form.appointment_id.trim().parse().ok();
    let mut tx = state.db.begin().await?;
    set_actor(&mut tx, page.user.id, "call").await?;
    // A second send of the same form waits here for the first; if that one was stored, this
    // one stores nothing and answers as it did.
    let inserted = sqlx::query_scalar!(
        "insert into calls (patient_id, course_id, appointment_id, nurse_id, outcome, duration_minutes, topics, note,
                            form_key)
         values ($1, $2, (select id from appointments where id = $3 and patient_id = $1), $4, $5, $6, $7, $8, $9)
         on conflict (form_key) do nothing
         returning id",
        id,
        course.id,
        appointment_id,
        page.user.id,
        outcome as Outcome,
        duration,
        &form.topics,
        form.note.trim(),
        key.uuid()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(call_id) = inserted else {
        tx.rollback().await?;
        let call_id = call_with_key(&state.db, key, id)
            .await?
            .ok_or(AppError::BadRequest)?;
        return Ok(logged(id, call_id));
    };
    if let Some(appointment_id) = appointment_id {
        let held = if outcome.reached() {
            AppointmentStatus::Done
        } else {
            AppointmentStatus::NoAnswer
        };
        record_held(&mut tx, appointment_id, id, held).await?;
    }
    match call.next {
        Next::Call { at, nurse_id } => {
            let next = NewAppointment::call(id, Some(course.id), nurse_id, at, page.user.id);
            if book(&mut tx, &next).await?.is_none() {
                // Nothing is written: the nurse picks another time with the patient still on the line.
                tx.rollback().await?;
                let mut errors = FormErrors::default();
                errors.add("time", "booking.double");
                return page_for(&state.db, page.layout, ctx, form, errors).await;
            }
        }
        Next::Ending { reason, note } => {
            plan_ending(&mut tx, course.id, reason, note.as_deref(), page.now()).await?;
        }
    }
    tx.commit().await?;
    tracing::info!(user_id = page.user.id, patient_id = id, call_id, "logged a call");
    Ok(logged(id, call_id))
}

/// Where a logged call is shown: the record, at the call.
fn logged(patient_id: i64, call_id: i64) -> Response {
    crate::web::flash::redirect(
        &format!("/patients/{patient_id}#call-{call_id}"),
        "done.call_saved",
    )
}

/// The call stored with `key`, if any. A key sent for another patient is a forged form.
async fn call_with_key(db: &sqlx::PgPool, key: FormKey, patient_id: i64) -> Result<Option<i64>> {
    let row = sqlx::query!("select id, patient_id from calls where form_key = $1", key.uuid())
        .fetch_optional(db)
        .await?;
    match row {
        Some(r) if r.patient_id != patient_id => Err(AppError::BadRequest),
        Some(r) => Ok(Some(r.id)),
        None => Ok(None),
    }
}
