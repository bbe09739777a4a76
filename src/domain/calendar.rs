//! The working calendar's words: Danish public holidays for any year, the kinds of absence, and
//! whether a call time is one the patient prefers or wants avoided.

use chrono::{Datelike, Duration, NaiveDate};

vocabulary! {
    /// Why a nurse is away.
    pub enum AbsenceKind {
        Holiday = "holiday" => "absence.kind_holiday",
        Sick = "sick" => "absence.kind_sick",
        Course = "course" => "absence.kind_course",
        Other = "other" => "absence.kind_other",
    }
}

vocabulary! {
    /// Where an absence stands: a nurse's request waits for a coordinator's approval; a
    /// coordinator's own entry is approved at once.
    pub enum AbsenceStatus {
        Requested = "requested" => "absence.status_requested",
        Approved = "approved" => "absence.status_approved",
        Cancelled = "cancelled" => "absence.status_cancelled",
    }
}

vocabulary! {
    /// A patient's time window: when they like to be called, or when not to call.
    pub enum CallTimeKind {
        Prefer = "prefer" => "call_times.prefer",
        Avoid = "avoid" => "call_times.avoid",
    }
}

vocabulary! {
    /// The Danish public holidays (helligdage). Store bededag was abolished from 2024.
    pub enum Holiday {
        NewYear = "new_year" => "holiday.new_year",
        MaundyThursday = "maundy_thursday" => "holiday.maundy_thursday",
        GoodFriday = "good_friday" => "holiday.good_friday",
        EasterSunday = "easter_sunday" => "holiday.easter_sunday",
        EasterMonday = "easter_monday" => "holiday.easter_monday",
        Ascension = "ascension" => "holiday.ascension",
        WhitSunday = "whit_sunday" => "holiday.whit_sunday",
        WhitMonday = "whit_monday" => "holiday.whit_monday",
        Christmas = "christmas" => "holiday.christmas",
        BoxingDay = "boxing_day" => "holiday.boxing_day",
    }
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a date")
}

/// The public holidays of `year`, in date order.
pub fn holidays(year: i32) -> Vec<(NaiveDate, Holiday)> {
    let easter = easter_sunday(year);
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day).expect("a fixed holiday is a date");
    let mut days = vec![
        (fixed(1, 1), Holiday::NewYear),
        (easter - Duration::days(3), Holiday::MaundyThursday),
        (easter - Duration::days(2), Holiday::GoodFriday),
        (easter, Holiday::EasterSunday),
        (easter + Duration::days(1), Holiday::EasterMonday),
        (easter + Duration::days(39), Holiday::Ascension),
        (easter + Duration::days(49), Holiday::WhitSunday),
        (easter + Duration::days(50), Holiday::WhitMonday),
        (fixed(12, 25), Holiday::Christmas),
        (fixed(12, 26), Holiday::BoxingDay),
    ];
    days.sort_by_key(|(day, _)| *day);
    days
}

/// The public holiday on `day`, if it is one.
pub fn holiday_on(day: NaiveDate) -> Option<Holiday> {
    holidays(day.year())
        .into_iter()
        .find_map(|(d, h)| (d == day).then_some(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The holidays of 2026-2030 as the Danish calendar lists them.
    #[test]
    fn holidays_2026_to_2030_match_the_published_table() {
        let table: &[(i32, [&str; 10])] = &[
            (
                2026,
                [
                    "2026-01-01",
                    "2026-04-02",
                    "2026-04-03",
                    "2026-04-05",
                    "2026-04-06",
                    "2026-05-14",
                    "2026-05-24",
                    "2026-05-25",
                    "2026-12-25",
                    "2026-12-26",
                ],
            ),
            (
                2027,
                [
                    "2027-01-01",
                    "2027-03-25",
                    "2027-03-26",
                    "2027-03-28",
                    "2027-03-29",
                    "2027-05-06",
                    "2027-05-16",
                    "2027-05-17",
                    "2027-12-25",
                    "2027-12-26",
                ],
            ),
            (
                2028,
                [
                    "2028-01-01",
                    "2028-04-13",
                    "2028-04-14",
                    "2028-04-16",
                    "2028-04-17",
                    "2028-05-25",
                    "2028-06-04",
                    "2028-06-05",
                    "2028-12-25",
                    "2028-12-26",
                ],
            ),
            (
                2029,
                [
                    "2029-01-01",
                    "2029-03-29",
                    "2029-03-30",
                    "2029-04-01",
                    "2029-04-02",
                    "2029-05-10",
                    "2029-05-20",
                    "2029-05-21",
                    "2029-12-25",
                    "2029-12-26",
                ],
            ),
            (
                2030,
                [
                    "2030-01-01",
                    "2030-04-18",
                    "2030-04-19",
                    "2030-04-21",
                    "2030-04-22",
                    "2030-05-30",
                    "2030-06-09",
                    "2030-06-10",
                    "2030-12-25",
                    "2030-12-26",
                ],
            ),
        ];
        for (year, expected) in table {
            let got: Vec<NaiveDate> = holidays(*year).into_iter().map(|(day, _)| day).collect();
            let want: Vec<NaiveDate> = expected.iter().map(|s| d(s)).collect();
            assert_eq!(got, want, "holidays of {year}");
        }
        assert_eq!(holiday_on(d("2026-04-03")), Some(Holiday::GoodFriday));
        assert_eq!(holiday_on(d("2027-05-06")), Some(Holiday::Ascension));
        assert_eq!(
            holiday_on(d("2026-12-24")),
            None,
            "Christmas Eve is the centre's choice"
        );
        assert_eq!(
            holiday_on(d("2026-06-05")),
            None,
            "Constitution Day is the centre's choice"
        );
    }
}
