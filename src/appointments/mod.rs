//! Appointments: booking, moving and cancelling calls, and the nurse's week. Times are typed
//! as a local date and time in the centre's zone and stored as instants, so a daylight-saving
//! change never moves a booked call.

pub mod booking;
pub mod cancel;
pub mod week;

use axum::routing::get;
use axum::{middleware, Router};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

use crate::web::auth::{nurses_only, signed_in};
use crate::AppState;

/// How long a booked call holds the nurse's slot.
pub const CALL_MINUTES: i64 = 30;

/// `/week` for nurses; booking, moving and cancelling for anyone of the patient's centre who
/// may write (each handler checks).
pub fn router(state: AppState) -> Router<AppState> {
    let week = Router::new()
        .route("/week", get(week::show))
        .route_layer(middleware::from_fn_with_state(state.clone(), nurses_only));
    let booking = Router::new()
        .route(
            "/patients/{id}/appointments/new",
            get(booking::new_form).post(booking::create),
        )
        .route(
            "/appointments/{id}/move",
            get(booking::move_form).post(booking::move_to),
        )
        .route(
            "/appointments/{id}/cancel",
            get(cancel::form).post(cancel::cancel),
        )
        .route_layer(middleware::from_fn_with_state(state, signed_in));
    week.merge(booking)
}

/// The instant of a local date and time in `tz`. A time that does not exist (skipped when
/// summer time starts) is `None`; a time that exists twice (when it ends) is the first.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

/// Parses a typed date (`YYYY-MM-DD`) and time (`HH:MM`) into an instant; `Err` is the
/// catalogue key of what is wrong, and which field.
pub fn parse_when(tz: Tz, date: &str, time: &str) -> Result<DateTime<Utc>, (&'static str, &'static str)> {
    let date =
        NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| ("date", "form.date_invalid"))?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| ("time", "form.time_invalid"))?;
    local_instant(tz, date, time).ok_or(("time", "booking.time_skipped"))
}

/// A call to book.
#[derive(Clone, Debug)]
pub struct NewCall {
    pub patient_id: i64,
    pub course_id: Option<i64>,
    pub nurse_id: i64,
    pub starts_at: DateTime<Utc>,
    pub by_user: i64,
}

/// Books a call. `Ok(None)` when the nurse already has a call in that slot (the database's
/// exclusion constraint says so); the transaction is then spoilt and must be rolled back.
pub async fn book(conn: &mut PgConnection, call: &NewCall) -> Result<Option<i64>, sqlx::Error> {
    let ends_at = call.starts_at + chrono::Duration::minutes(CALL_MINUTES);
    let result = sqlx::query_scalar!(
        "insert into appointments (patient_id, course_id, nurse_id, kind, starts_at, ends_at, created_by)
         values ($1, $2, $3, 'call', $4, $5, $6) returning id",
        call.patient_id,
        call.course_id,
        call.nurse_id,
        call.starts_at,
        ends_at,
        call.by_user
    )
    .fetch_one(conn)
    .await;
    match result {
        Ok(id) => Ok(Some(id)),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("appointments_no_double_booking") => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Copenhagen;

    #[test]
    fn half_past_nine_on_the_mondays_after_both_changes_is_half_past_nine_local() {
        let t = NaiveTime::from_hms_opt(9, 30, 0).unwrap();
        let spring = local_instant(Copenhagen, "2027-03-29".parse().unwrap(), t).unwrap();
        assert_eq!(spring.to_rfc3339(), "2027-03-29T07:30:00+00:00");
        let autumn = local_instant(Copenhagen, "2026-10-26".parse().unwrap(), t).unwrap();
        assert_eq!(autumn.to_rfc3339(), "2026-10-26T08:30:00+00:00");
    }

    #[test]
    fn a_time_skipped_by_summer_time_is_refused() {
        assert_eq!(
            parse_when(Copenhagen, "2027-03-28", "02:30"),
            Err(("time", "booking.time_skipped"))
        );
        assert!(parse_when(Copenhagen, "2026-10-25", "02:30").is_ok());
        assert_eq!(
            parse_when(Copenhagen, "28.03.2027", "09:30"),
            Err(("date", "form.date_invalid"))
        );
    }
}
