//! The working calendar: the centre's opening hours and closed days (besides the public
//! holidays of `domain::calendar`), and the one rule for when a booking may be made (`rule`).
//! Every booking and every proposed time reads it.

pub mod page;
pub mod rule;

pub use rule::{Calendar, For, Refusal};

/// `/calendar` for nurses (to read, and to ask for an absence) and coordinators (who keep the
/// hours and closed days).
pub fn router(state: crate::AppState) -> axum::Router<crate::AppState> {
    use axum::middleware::from_fn_with_state;
    use axum::routing::{get, post};
    let read = axum::Router::new()
        .route("/calendar", get(page::show))
        .route_layer(from_fn_with_state(
            state.clone(),
            crate::web::auth::staff_of_centre,
        ));
    let keep = axum::Router::new()
        .route("/calendar/hours", post(page::save_hours))
        .route("/calendar/closed", post(page::add_closed))
        .route("/calendar/closed/{id}/remove", post(page::remove_closed))
        .route_layer(from_fn_with_state(state, crate::web::auth::coordinators_only));
    read.merge(keep)
}

use chrono::{DateTime, Utc};

use crate::web::Lang;

/// A refused time as a form shows it: why, and the nearest time that can be booked (its date
/// and time for the form's fields, and in words).
#[derive(Clone, Debug)]
pub struct Closed {
    /// The form field and message key of the refusal.
    pub error: (&'static str, &'static str),
    pub why: String,
    pub may_override: bool,
    pub proposal: Option<Proposal>,
}

/// A proposed time: the form's `date` and `time` values and the time in words.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub date: String,
    pub time: String,
    pub shown: String,
}

impl Proposal {
    pub fn of(at: DateTime<Utc>, calendar: &Calendar, lang: Lang) -> Self {
        let local = at.with_timezone(&calendar.tz);
        Proposal {
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            shown: lang.booked(at, calendar.tz),
        }
    }
}

impl Closed {
    /// What to tell about `minutes` from `at`, if they cannot be booked: the nearest open time
    /// that suits the patient (or, failing that, the nurse and the centre).
    pub fn of(calendar: &Calendar, at: DateTime<Utc>, minutes: i64, lang: Lang) -> Option<Self> {
        let refusal = calendar.refusal(at, minutes)?;
        let next = calendar
            .next_open(at, minutes, true)
            .or_else(|| calendar.next_open(at, minutes, false));
        Some(Closed {
            error: refusal.error(),
            why: refusal.describe(lang),
            may_override: refusal.may_override(),
            proposal: next.map(|n| Proposal::of(n, calendar, lang)),
        })
    }
}

impl Closed {
    /// Whether `errors` hold this kind of refusal (the form came back because of it).
    pub fn shown_by(errors: &crate::web::FormErrors, field_prefix: &str) -> bool {
        errors.get(&format!("{field_prefix}date")) == Some("calendar.closed")
            || errors.get(&format!("{field_prefix}time")) == Some("booking.double")
    }
}

/// The instant of a date and time typed in a form (`YYYY-MM-DD`, `HH:MM`) in `tz`.
pub fn typed_instant(tz: chrono_tz::Tz, date: &str, time: &str) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    rule::instant(tz, date.and_time(time))
}

/// Why `minutes` from `at` cannot be booked in `centre_id` with what `what` names, if they
/// cannot: the refusal and the nearest open time, for the form to show.
pub async fn refused(
    db: &sqlx::PgPool,
    centre_id: i64,
    what: For,
    at: DateTime<Utc>,
    minutes: i64,
    now: DateTime<Utc>,
    lang: Lang,
) -> Result<Option<Closed>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let calendar = Calendar::load(&mut conn, centre_id, what, now).await?;
    Ok(Closed::of(&calendar, at, minutes, lang))
}
