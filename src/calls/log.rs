//! Logging a call: one form while the patient is on the line. Outcome, duration, topics, the
//! coaching note and the next call are saved in one transaction, so a call is never logged
//! without the next step unless the course is marked for ending.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};

use super::form::{context, CallForm, Context};
use super::{all_topics, outcome_key, Topic, OUTCOMES};
use crate::admin::FormErrors;
use crate::appointments::{book, local_instant, parse_when, NewCall};
use crate::courses::ending::{plan_ending, EndingReason};
use crate::courses::set_actor;
use crate::patients::access::{check, Action};
use crate::patients::Brief;
use crate::web::limits::Limit;
use crate::web::{render, AppError, FormKey, Layout, Page, Result};
use crate::AppState;

/// The last call, shown beside the form.
pub struct LastCall {
    pub called_at: DateTime<Utc>,
    pub outcome: String,
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
    outcomes: [&'static str; 4],
    retry_today: Option<String>,
    retry_next: String,
    ending_reasons: [EndingReason; 7],
    last: Option<LastCall>,
    goals: Vec<String>,
}

impl LogPage {
    fn outcome_label(&self, outcome: &&str) -> &'static str {
        self.layout.t(outcome_key(outcome))
    }

    fn outcome_checked(&self, outcome: &&str) -> bool {
        self.form.outcome == *outcome
    }

    fn topic_checked(&self, topic: &Topic) -> bool {
        self.form.topics.contains(&topic.code)
    }

    fn topic_label(&self, topic: &Topic) -> String {
        topic.label(self.layout.lang).to_owned()
    }

    fn last_outcome(&self, last: &LastCall) -> &'static str {
        self.layout.t(outcome_key(&last.outcome))
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
        "select called_at, outcome, note from calls where patient_id = $1 order by called_at desc limit 1",
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
    let fmt = |at: NaiveDateTime| match layout.lang {
        crate::web::Lang::Da => at.format("%d.%m.%Y kl. %H:%M").to_string(),
        crate::web::Lang::En => at.format("%Y-%m-%d %H:%M").to_string(),
    };
    render(&LogPage {
        retry_today: ctx.retry_today.map(fmt),
        retry_next: fmt(ctx.retry_next),
        layout,
        patient: ctx.patient,
        due: ctx.due.map(|(_, at)| at),
        call_number: ctx.call_number,
        form,
        errors,
        topics,
        outcomes: OUTCOMES,
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
    let ctx = context(&state.db, id, page.user.tz, page.now()).await?;
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
    let ctx = context(&state.db, id, page.user.tz, page.now()).await?;
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
    if !OUTCOMES.contains(&form.outcome.as_str()) {
        errors.add("outcome", "form.required");
    }
    let duration = match form.duration.trim() {
        "" => Some(0),
        d => d.parse::<i32>().ok().filter(|d| (0..=600).contains(d)),
    };
    if duration.is_none() {
        errors.add("duration", "call.duration_invalid");
    }
    errors.limit("note", form.note.trim(), Limit::Text);
    let known: Vec<String> = all_topics(&state.db).await?.into_iter().map(|t| t.code).collect();
    form.topics.retain(|t| known.contains(t));
    let Some(course) = ctx.course.clone() else {
        errors.add("next", "call.no_course");
        return page_for(&state.db, page.layout, ctx, form, errors).await;
    };
    let next_at = match form.next.as_str() {
        "booked" => match parse_when(tz, &form.date, &form.time) {
            Ok(at) if at <= page.now() => {
                errors.add("date", "booking.in_past");
                None
            }
            Ok(at) => Some(at),
            Err((field, key)) => {
                errors.add(field, key);
                None
            }
        },
        "retry_today" => ctx
            .retry_today
            .and_then(|at| local_instant(tz, at.date(), at.time())),
        "retry_next" => local_instant(tz, ctx.retry_next.date(), ctx.retry_next.time()),
        "ending" => {
            match EndingReason::parse(&form.ending_reason) {
                None => errors.add("ending_reason", "call.ending_reason_required"),
                Some(EndingReason::Other) if form.ending_note.trim().is_empty() => {
                    errors.add("ending_note", "call.ending_note_required")
                }
                Some(_) => {}
            }
            None
        }
        _ => {
            errors.add("next", "call.next_required");
            None
        }
    };
    let on = next_at.map_or(page.today(), |at| at.with_timezone(&tz).date_naive());
    if form.next != "ending" && course.needs_extension_reason(on.max(page.today())) {
        errors.add("next", "booking.past_nine_months");
    }
    let nurse_id = crate::appointments::booking::nurse_for(&page.user, &ctx.patient);
    if !errors.is_empty() || (form.next != "ending" && (next_at.is_none() || nurse_id.is_none())) {
        if errors.is_empty() {
            errors.add("next", "call.next_required");
        }
        return page_for(&state.db, page.layout, ctx, form, errors).await;
    }
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
        form.outcome,
        duration.unwrap_or(0),
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
    let held = if form.outcome == "reached" {
        "done"
    } else {
        "no_answer"
    };
    sqlx::query!(
        "update appointments set status = $3, updated_at = now()
          where id = $1 and patient_id = $2 and status = 'scheduled'",
        appointment_id,
        id,
        held
    )
    .execute(&mut *tx)
    .await?;
    if let (Some(starts_at), Some(nurse_id)) = (next_at, nurse_id) {
        let call = NewCall {
            patient_id: id,
            course_id: Some(course.id),
            nurse_id,
            starts_at,
            by_user: page.user.id,
        };
        if book(&mut tx, &call).await?.is_none() {
            // Nothing is written: the nurse picks another time with the patient still on the line.
            tx.rollback().await?;
            errors.add("time", "booking.double");
            return page_for(&state.db, page.layout, ctx, form, errors).await;
        }
    } else if let Some(reason) = EndingReason::parse(&form.ending_reason) {
        let note = Some(form.ending_note.trim()).filter(|n| !n.is_empty());
        plan_ending(&mut tx, course.id, reason, note, page.now()).await?;
    }
    tx.commit().await?;
    tracing::info!(user_id = page.user.id, patient_id = id, call_id, "logged a call");
    Ok(logged(id, call_id))
}

/// Where a logged call is shown: the record, at the call.
fn logged(patient_id: i64, call_id: i64) -> Response {
    Redirect::to(&format!("/patients/{patient_id}#call-{call_id}")).into_response()
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
