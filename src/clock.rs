//! The application's one clock. Every domain rule that depends on "now" (what is due, overdue,
//! in the past, past six months) reads it here, once per request, so tests can set the day and
//! the whole suite passes on any date. Security timing (sessions, sign-in limits) keeps to the
//! real time of the machine and the database.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The time the application works at: the real time, or a time a test has set.
#[derive(Clone, Default)]
pub struct Clock {
    set: Arc<RwLock<Option<DateTime<Utc>>>>,
}

impl Clock {
    /// The machine's time.
    pub fn system() -> Self {
        Self::default()
    }

    /// Stands still at `at` until set again (for tests).
    pub fn fixed(at: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.set(at);
        clock
    }

    /// Sets the time every holder of this clock sees from now on.
    pub fn set(&self, at: DateTime<Utc>) {
        *self
            .set
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(at);
    }

    /// Now.
    pub fn now(&self) -> DateTime<Utc> {
        self.set
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .unwrap_or_else(Utc::now)
    }

    /// Today's date in the zone `tz`.
    pub fn today(&self, tz: Tz) -> NaiveDate {
        today_at(self.now(), tz)
    }
}

/// The date of the instant `now` in the zone `tz`.
pub fn today_at(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Clock").field(&self.now()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_stands_still_and_every_copy_sees_it() {
        let at = "2027-03-28T01:30:00Z".parse().unwrap();
        let clock = Clock::system();
        let copy = clock.clone();
        clock.set(at);
        assert_eq!(copy.now(), at);
        assert_eq!(
            copy.today(chrono_tz::Europe::Copenhagen),
            NaiveDate::from_ymd_opt(2027, 3, 28).unwrap()
        );
    }

    #[test]
    fn the_date_follows_the_zone_not_utc() {
        let late_evening_utc = "2026-12-31T23:30:00Z".parse().unwrap();
        assert_eq!(
            today_at(late_evening_utc, chrono_tz::Europe::Copenhagen),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
    }
}
