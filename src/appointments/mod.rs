//! Appointments: booking, moving and cancelling calls, and the nurse's week. `store` and
//! `cancel` are the only writers of the table. Times are typed
//! as a local date and time in the centre's zone and stored as instants, so a daylight-saving
//! change never moves a booked call.

pub mod booking;
pub mod cancel;
pub mod store;
pub mod week;

use axum::routing::get;
use axum::{middleware, Router};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::web::auth::{nurses_only, signed_in};

use crate::AppState;
pub use store::{book, NewAppointment};

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

use sqlx::PgExecutor;

/// The patient's usual interval in days (whole weeks): the latest gap between two booked or
/// held calls. `None` before there are two.
pub async fn usual_interval_days(
    db: impl PgExecutor<'_>,
    patient_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let starts = sqlx::query_scalar!(
        "select starts_at from appointments
          where patient_id = $1 and kind = 'call' and status in ('scheduled', 'done')
          order by starts_at desc limit 2",
        patient_id
    )
    .fetch_all(db)
    .await?;
    Ok(match starts.as_slice() {
        [later, earlier] => {
            let weeks = ((*later - *earlier).num_hours() as f64 / (24.0 * 7.0)).round() as i64;
            Some(weeks.clamp(1, 8) * 7)
        }
        _ => None,
    })
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
