//! When the next call should be: the default offered on the call form (same weekday and time
//! in the usual interval), the retries after a failed attempt, and the safety net for
//! patients who cannot be reached.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

/// The interval when the course has no rhythm yet.
pub const DEFAULT_INTERVAL_DAYS: i64 = 14;

/// The default next call: `interval_days` after the call being logged, at the same local time
/// (so the same weekday when the interval is whole weeks); moved on by whole intervals until
/// it is after `today`.
pub fn default_next(base: NaiveDateTime, interval_days: i64, today: NaiveDate) -> NaiveDateTime {
    let step = Duration::days(interval_days.max(1));
    let mut next = base + step;
    while next.date() <= today {
        next += step;
    }
    next
}

/// The retries offered after no answer: later today (at least two hours on, on the half hour,
/// if that is still within the working day) and the next working day at the other time of day.
pub fn retries(now: NaiveDateTime) -> (Option<NaiveDateTime>, NaiveDateTime) {
    let later = now + Duration::hours(2);
    let minutes = later.minute();
    let rounded = if minutes == 0 || minutes == 30 {
        later
    } else if minutes < 30 {
        later.with_minute(30).unwrap_or(later)
    } else {
        later.with_minute(0).unwrap_or(later) + Duration::hours(1)
    };
    let rounded = rounded.with_second(0).unwrap_or(rounded);
    let today =
        (rounded.date() == now.date() && rounded.hour() < 17 && now.weekday().number_from_monday() <= 5)
            .then_some(rounded);
    let mut day = now.date() + Duration::days(1);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += Duration::days(1);
    }
    let time = if now.hour() < 12 {
        NaiveTime::from_hms_opt(14, 0, 0)
    } else {
        NaiveTime::from_hms_opt(9, 30, 0)
    }
    .unwrap_or_default();
    (today, day.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_next_call_defaults_to_the_same_weekday_and_time_in_the_usual_interval() {
        // Monday 9:30 before the change to winter time: two weeks on, still Monday 9:30 local.
        let next = default_next(at("2026-10-19 09:30"), 14, "2026-10-19".parse().unwrap());
        assert_eq!(next, at("2026-11-02 09:30"));
        assert_eq!(next.weekday(), Weekday::Mon);
        // An overdue call logged late: moved on by whole intervals past today.
        let late = default_next(at("2026-10-05 13:00"), 7, "2026-10-20".parse().unwrap());
        assert_eq!(late, at("2026-10-26 13:00"));
    }

    #[test]
    fn a_retry_is_later_today_or_the_next_working_day_at_another_time_of_day() {
        let (today, next_day) = retries(at("2026-11-20 09:10"));
        assert_eq!(today, Some(at("2026-11-20 11:30")));
        // Friday morning: Monday afternoon.
        assert_eq!(next_day, at("2026-11-23 14:00"));
        let (today, next_day) = retries(at("2026-11-24 15:40"));
        assert_eq!(today, None, "past the working day");
        assert_eq!(next_day, at("2026-11-25 09:30"));
    }
}
