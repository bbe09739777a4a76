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
use crate::courses::{set_actor, today_in};
use crate::patients::access::{check, Action};
use crate::patients::Brief;
use crate::web::limits::Limit;
use crate::web::{render, AppError, Layout, Page, Result};
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
    let ctx = context(&state.db, id, page.user.tz).await?;
    let form = CallForm {
        appointment_id: ctx.due.map(|(a, _)| a.to_string()).unwrap_or_default(),
        outcome: "reached".into(),
        next: "booked".into(),
        date: ctx.default_next.format("%Y-%m-%d").to_string(),
        time: ctx.default_next.format("%H:%M").to_string(),
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
    let ctx = context(&state.db, id, page.user.tz).await?;
    let tz = page.user.tz;
    let mut errors = FormErrors::default();
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
            Ok(at) if at <= Utc::now() => {
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
        "ending" => None,
        _ => {
            errors.add("next", "call.next_required");
            None
        }
    };
    let on = next_at.map_or(today_in(tz), |at| at.with_timezone(&tz).date_naive());
    if form.next != "ending" && course.needs_extension_reason(on.max(today_in(tz))) {
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
    let call_id = sqlx::query_scalar!(
        "insert into calls (patient_id, course_id, appointment_id, nurse_id, outcome, duration_minutes, topics, note)
         values ($1, $2, (select id from appointments where id = $3 and patient_id = $1), $4, $5, $6, $7, $8)
         returning id",
        id,
        course.id,
        appointment_id,
        page.user.id,
        form.outcome,
        duration.unwrap_or(0),
        &form.topics,
        form.note.trim()
    )
    .fetch_one(&mut *tx)
    .await?;
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
    } else {
        sqlx::query!(
            "update courses set ending_planned = true, updated_at = now() where id = $1",
            course.id
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    tracing::info!(user_id = page.user.id, patient_id = id, call_id, "logged a call");
    Ok(Redirect::to(&format!("/patients/{id}#call-{call_id}")).into_response())
}
