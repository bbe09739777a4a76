//! Logging a call: one form while the patient is on the line. Outcome, duration, topics, the
//! coaching note and the next call are saved in one transaction, so a call is never logged
//! without the next step unless the course is marked for ending.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};

use super::next::{default_next, retries, usual_interval_days, DEFAULT_INTERVAL_DAYS};
use super::{all_topics, outcome_key, Topic, OUTCOMES};
use crate::admin::FormErrors;
use crate::appointments::{book, local_instant, parse_when, NewCall};
use crate::courses::{open_course, set_actor, today_in, Course};
use crate::patients::access::{check, Action};
use crate::patients::{brief, Brief};
use crate::web::{render, AppError, Layout, Page, Result, Role};
use crate::AppState;

/// The form as typed. Topics come as repeated `topics` fields.
#[derive(Clone, Debug, Default)]
pub struct CallForm {
    pub appointment_id: String,
    pub outcome: String,
    pub duration: String,
    pub topics: Vec<String>,
    pub note: String,
    /// `booked`, `retry_today`, `retry_next` or `ending`.
    pub next: String,
    pub date: String,
    pub time: String,
}

impl CallForm {
    fn from_body(body: &[u8]) -> Result<Self> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|_| AppError::BadRequest)?;
        let mut form = CallForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "appointment_id" => form.appointment_id = value,
                "outcome" => form.outcome = value,
                "duration" => form.duration = value,
                "topics" => form.topics.push(value),
                "note" => form.note = value,
                "next" => form.next = value,
                "date" => form.date = value,
                "time" => form.time = value,
                _ => {}
            }
        }
        Ok(form)
    }
}

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

/// What the form needs besides what was typed.
struct Context {
    patient: Brief,
    course: Option<Course>,
    due: Option<(i64, DateTime<Utc>)>,
    call_number: i64,
    default_next: NaiveDateTime,
    retry_today: Option<NaiveDateTime>,
    retry_next: NaiveDateTime,
}

async fn context(db: &sqlx::PgPool, patient_id: i64, tz: chrono_tz::Tz) -> Result<Context> {
    let patient = brief(db, patient_id).await?;
    let course = open_course(db, patient_id).await?;
    let today = today_in(tz);
    // The call being made: the earliest booked call due by the end of today.
    let end_of_today =
        local_instant(tz, today.succ_opt().unwrap_or(today), chrono::NaiveTime::MIN).unwrap_or_else(Utc::now);
    let due = sqlx::query!(
        "select id, starts_at from appointments
          where patient_id = $1 and kind = 'call' and status = 'scheduled' and starts_at < $2
          order by starts_at limit 1",
        patient_id,
        end_of_today
    )
    .fetch_optional(db)
    .await?
    .map(|a| (a.id, a.starts_at));
    let call_number = match &course {
        Some(c) => {
            sqlx::query_scalar!(
                r#"select count(*) as "n!" from calls where course_id = $1 and outcome = 'reached'"#,
                c.id
            )
            .fetch_one(db)
            .await?
                + 1
        }
        None => 1,
    };
    let interval = usual_interval_days(db, patient_id)
        .await?
        .unwrap_or(DEFAULT_INTERVAL_DAYS);
    let now = Utc::now().with_timezone(&tz).naive_local();
    let base = due.map_or(now, |(_, at)| at.with_timezone(&tz).naive_local());
    let base = if due.is_none() {
        // No booked call: the next one at a round time of day.
        base.date().and_hms_opt(10, 0, 0).unwrap_or(base)
    } else {
        base
    };
    let (retry_today, retry_next) = retries(now);
    Ok(Context {
        patient,
        course,
        due,
        call_number,
        default_next: default_next(base, interval, today),
        retry_today,
        retry_next,
    })
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

/// `GET /patients/{id}/calls/new`.
pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
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
    let nurse_id = match page.user.role {
        Role::Nurse => Some(page.user.id),
        _ => ctx.patient.nurse_id,
    };
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
