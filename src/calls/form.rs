//! What the call form carries: the fields as typed (topics repeat), and what the form needs
//! besides: the booked call being made, the call's number, the default next call and retries.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::next::{default_next, retries, DEFAULT_INTERVAL_DAYS};
use chrono_tz::Tz;

use crate::appointments::booking::nurse_for;
use crate::appointments::{local_instant, parse_when};
use crate::appointments::{usual_interval_days, CALL_MINUTES};
use crate::calendar::rule::instant;
use crate::calendar::{Calendar, Closed, For};
use crate::courses::ending::EndingReason;
use crate::courses::{open_course, Course};
use crate::domain::Outcome;
use crate::patients::{brief, Brief};
use crate::web::limits::Limit;
use crate::web::CurrentUser;
use crate::web::FormErrors;
use crate::web::{AppError, Result};

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
    /// With `next = ending`: why, and a note (needed for `other`).
    pub ending_reason: String,
    pub ending_note: String,
    /// The form's key (see `web::form_key`): one call per shown form.
    pub form_key: String,
}

impl CallForm {
    pub fn from_body(body: &[u8]) -> Result<Self> {
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
                "ending_reason" => form.ending_reason = value,
                "ending_note" => form.ending_note = value,
                crate::web::form_key::FIELD => form.form_key = value,
                _ => {}
            }
        }
        Ok(form)
    }
}

/// What comes after the call.
#[derive(Clone, Debug)]
pub enum Next {
    /// The next call, at `at`, with `nurse_id`.
    Call { at: DateTime<Utc>, nurse_id: i64 },
    /// No new call: the course is to end, for `reason`.
    Ending {
        reason: EndingReason,
        note: Option<String>,
    },
}

/// A call form that passed every check: what is stored.
#[derive(Clone, Debug)]
pub struct ValidCall {
    pub course: Course,
    pub outcome: Outcome,
    pub duration: i32,
    pub next: Next,
}

impl CallForm {
    /// Checks the form against what the page showed (`ctx`): every field's error, or the call to
    /// store. `nurse_id` is who takes the next call.
    pub fn validate(
        &self,
        ctx: &Context,
        nurse_id: Option<i64>,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<ValidCall, FormErrors> {
        let mut errors = FormErrors::default();
        let today = now.with_timezone(&tz).date_naive();
        let outcome = Outcome::parse(&self.outcome);
        if outcome.is_none() {
            errors.add("outcome", "form.required");
        }
        let duration = match self.duration.trim() {
            "" => Some(0),
            d => d.parse::<i32>().ok().filter(|d| (0..=600).contains(d)),
        };
        if duration.is_none() {
            errors.add("duration", "call.duration_invalid");
        }
        errors.limit("note", self.note.trim(), Limit::Text);
        let Some(course) = ctx.course.clone() else {
            errors.add("next", "call.no_course");
            return Err(errors);
        };
        let ending = self.next == "ending";
        let next_at = match self.next.as_str() {
            "booked" => match parse_when(tz, &self.date, &self.time) {
                Ok(at) if at <= now => {
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
        if let (Some(at), "booked") = (next_at, self.next.as_str()) {
            if let Some(refusal) = ctx.calendar.refusal(at, CALL_MINUTES) {
                let (field, key) = refusal.error();
                errors.add(field, key);
            }
        }
        let reason = EndingReason::parse(&self.ending_reason);
        let note = Some(self.ending_note.trim().to_owned()).filter(|n| !n.is_empty());
        if ending {
            match reason {
                None => errors.add("ending_reason", "call.ending_reason_required"),
                Some(EndingReason::Other) if note.is_none() => {
                    errors.add("ending_note", "call.ending_note_required")
                }
                Some(_) => {}
            }
        }
        let on = next_at.map_or(today, |at| at.with_timezone(&tz).date_naive());
        if !ending && course.needs_extension_reason(on.max(today)) {
            errors.add("next", "booking.past_nine_months");
        }
        let next = match (ending, reason, next_at, nurse_id) {
            (true, Some(reason), _, _) => Some(Next::Ending { reason, note }),
            (false, _, Some(at), Some(nurse_id)) => Some(Next::Call { at, nurse_id }),
            _ => None,
        };
        match (outcome, duration, next) {
            (Some(outcome), Some(duration), Some(next)) if errors.is_empty() => Ok(ValidCall {
                course,
                outcome,
                duration,
                next,
            }),
            _ => {
                if errors.is_empty() {
                    errors.add("next", "call.next_required");
                }
                Err(errors)
            }
        }
    }
}

/// What the form needs besides what was typed.
pub struct Context {
    pub patient: Brief,
    pub course: Option<Course>,
    pub due: Option<(i64, DateTime<Utc>)>,
    pub call_number: i64,
    pub default_next: NaiveDateTime,
    pub retry_today: Option<NaiveDateTime>,
    pub retry_next: NaiveDateTime,
    /// The calendar of the next call: the centre's hours, the nurse's, the patient's times.
    pub calendar: Calendar,
}

impl Context {
    /// Why the typed next call cannot be booked, with the nearest open time.
    pub fn closed(&self, form: &CallForm, lang: crate::web::Lang) -> Option<Closed> {
        let at = crate::calendar::typed_instant(self.calendar.tz, &form.date, &form.time)?;
        Closed::of(&self.calendar, at, CALL_MINUTES, lang)
    }
}

/// The first time from `candidate` on that the calendar allows: the same time of day on the
/// first day it is open and suits the patient, else the first open time that suits them (or, if
/// none does, the first open time).
fn open_from(calendar: &Calendar, candidate: NaiveDateTime) -> NaiveDateTime {
    let tz = calendar.tz;
    let same_time = (0..14).map(|d| candidate + chrono::Duration::days(d)).find(|t| {
        instant(tz, *t).is_some_and(|at| {
            calendar.refusal(at, CALL_MINUTES).is_none() && calendar.suits_patient(at, CALL_MINUTES)
        })
    });
    if let Some(t) = same_time {
        return t;
    }
    instant(tz, candidate)
        .and_then(|at| {
            calendar
                .next_open(at, CALL_MINUTES, true)
                .or_else(|| calendar.next_open(at, CALL_MINUTES, false))
        })
        .map_or(candidate, |at| at.with_timezone(&tz).naive_local())
}

pub async fn context(
    db: &sqlx::PgPool,
    patient_id: i64,
    user: &CurrentUser,
    now: DateTime<Utc>,
) -> Result<Context> {
    let tz = user.tz;
    let patient = brief(db, patient_id).await?;
    let what = For {
        nurse_id: nurse_for(user, &patient),
        patient_id: Some(patient_id),
        except_appointment: None,
    };
    let calendar = Calendar::load(&mut *db.acquire().await?, patient.centre_id, what, now).await?;
    let course = open_course(db, patient_id).await?;
    let today = crate::clock::today_at(now, tz);
    // The call being made: the earliest booked call due by the end of today.
    let end_of_today =
        local_instant(tz, today.succ_opt().unwrap_or(today), chrono::NaiveTime::MIN).unwrap_or(now);
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
    let now = now.with_timezone(&tz).naive_local();
    let base = due.map_or(now, |(_, at)| at.with_timezone(&tz).naive_local());
    let base = if due.is_none() {
        // No booked call: the next one at a round time of day.
        base.date().and_hms_opt(10, 0, 0).unwrap_or(base)
    } else {
        base
    };
    let (retry_today, retry_next) = retries(now);
    let retry_today = retry_today.filter(|at| {
        instant(tz, *at).is_some_and(|at| {
            calendar.refusal(at, CALL_MINUTES).is_none() && calendar.suits_patient(at, CALL_MINUTES)
        })
    });
    Ok(Context {
        patient,
        course,
        due,
        call_number,
        default_next: open_from(&calendar, default_next(base, interval, today)),
        retry_today,
        retry_next: open_from(&calendar, retry_next),
        calendar,
    })
}
