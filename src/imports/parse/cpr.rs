//! The Danish personal identification number (CPR), validated once at the edge.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A valid CPR number: ten digits `DDMMYYSSSS` whose first six name a real birth date.
///
/// Modulus 11 is deliberately not checked: numbers issued since 2007 may fail it.
/// `Debug` never shows the digits and there is no `Display`, so a CPR number cannot
/// slip into a log line by accident; call [`Cpr::as_str`] or [`Cpr::formatted`] on purpose.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpr {
    digits: [u8; 10],
    born: NaiveDate,
}

/// Why a text is not a CPR number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CprError {
    /// Nothing but whitespace.
    #[error("no CPR number given")]
    Empty,
    /// Not ten digits (with an optional dash after the sixth).
    #[error("a CPR number is ten digits, DDMMYY-SSSS")]
    Format,
    /// The first six digits are not a date that exists.
    #[error("the birth date in the CPR number does not exist")]
    NoSuchDate,
}

/// Legal sex as given by the parity of the last digit of the CPR number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Even last digit.
    Female,
    /// Odd last digit.
    Male,
}

impl Cpr {
    /// Parses `DDMMYY-SSSS` or `DDMMYYSSSS`, surrounding whitespace allowed.
    ///
    /// Nine bare digits are left-padded with a zero: a spreadsheet that stored the
    /// number as a number drops the leading zero of everyone born on days 1-9.
    pub fn parse(text: &str) -> Result<Cpr, CprError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CprError::Empty);
        }
        let bytes = text.as_bytes();
        let mut digits = [b'0'; 10];
        match bytes.len() {
            9 if all_digits(bytes) => digits[1..].copy_from_slice(bytes),
            10 if all_digits(bytes) => digits.copy_from_slice(bytes),
            11 if bytes[6] == b'-' && all_digits(&bytes[..6]) && all_digits(&bytes[7..]) => {
                digits[..6].copy_from_slice(&bytes[..6]);
                digits[6..].copy_from_slice(&bytes[7..]);
            }
            _ => return Err(CprError::Format),
        }
        let born = birth_date(&digits).ok_or(CprError::NoSuchDate)?;
        Ok(Cpr { digits, born })
    }

    /// The canonical ten digits, `DDMMYYSSSS`.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored, so this cannot fail.
        std::str::from_utf8(&self.digits).unwrap_or("")
    }

    /// The usual written form, `DDMMYY-SSSS`.
    pub fn formatted(&self) -> String {
        let s = self.as_str();
        format!("{}-{}", &s[..6], &s[6..])
    }

    /// The birth date, century resolved from the seventh digit.
    pub fn birth_date(&self) -> NaiveDate {
        self.born
    }

    /// Legal sex: odd last digit is male, even is female.
    pub fn sex(&self) -> Sex {
        if (self.digits[9] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `day`; 0 for a day before the birth date.
    ///
    /// Someone born on 29 February turns a year older on 1 March in common years.
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        let born = self.born;
        if day <= born {
            return 0;
        }
        let mut years = day.year() - born.year();
        if (day.month(), day.day()) < (born.month(), born.day()) {
            years -= 1;
        }
        u32::try_from(years).unwrap_or(0)
    }
}

impl fmt::Debug for Cpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cpr(******-****)")
    }
}

fn all_digits(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_digit)
}

fn birth_date(d: &[u8; 10]) -> Option<NaiveDate> {
    let two = |i: usize| u32::from(d[i] - b'0') * 10 + u32::from(d[i + 1] - b'0');
    let (day, month, yy) = (two(0), two(2), two(4));
    // The seventh digit tells the century (CPR-kontoret's table).
    let century = match d[6] - b'0' {
        0..=3 => 1900,
        4 | 9 if yy <= 36 => 2000,
        4 | 9 => 1900,
        5..=8 if yy <= 57 => 2000,
        _ => 1800,
    };
    NaiveDate::from_ymd_opt(century + yy as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn born(text: &str) -> NaiveDate {
        Cpr::parse(text).unwrap().birth_date()
    }

    #[test]
    fn accepts_both_written_forms_and_surrounding_spaces() {
        let a = Cpr::parse("280365-9436").unwrap();
        let b = Cpr::parse(" 2803659436 ").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "2803659436");
        assert_eq!(a.formatted(), "280365-9436");
    }

    #[test]
    fn nine_digits_get_back_the_leading_zero_a_spreadsheet_dropped() {
        let cpr = Cpr::parse("40162075").map(|c| c.as_str().to_owned());
        assert_eq!(cpr, Err(CprError::Format));
        assert_eq!(Cpr::parse("401620751").unwrap().as_str(), "0401620751");
        assert_eq!(born("401620751"), date(1962, 1, 4));
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "28036-59436",
            "2803659436x",
            "28 03 65 9436",
            "abcdefghij",
            "2803659-436",
        ] {
            assert_eq!(Cpr::parse(bad), Err(CprError::Format), "{bad}");
        }
        assert_eq!(Cpr::parse("   "), Err(CprError::Empty));
        assert_eq!(Cpr::parse("２８０３６５９４３６"), Err(CprError::Format));
    }

    #[test]
    fn the_date_must_exist() {
        assert_eq!(Cpr::parse("320165-1234"), Err(CprError::NoSuchDate));
        assert_eq!(Cpr::parse("011365-1234"), Err(CprError::NoSuchDate));
        assert_eq!(Cpr::parse("000165-1234"), Err(CprError::NoSuchDate));
        assert_eq!(Cpr::parse("310465-1234"), Err(CprError::NoSuchDate));
    }

    #[test]
    fn twenty_ninth_of_february_only_in_leap_years() {
        // 7th digit 0-3: 1900s. 1964 is a leap year, 1965 and 1900 are not.
        assert_eq!(born("290264-1234"), date(1964, 2, 29));
        assert_eq!(Cpr::parse("290265-1234"), Err(CprError::NoSuchDate));
        assert_eq!(Cpr::parse("290200-1234"), Err(CprError::NoSuchDate));
        // 7th digit 4: 2000 is a leap year.
        assert_eq!(born("290200-4234"), date(2000, 2, 29));
        // 7th digit 5-8 with 58-99: 1800s; 1896 leap, 1897 not.
        assert_eq!(born("290296-5234"), date(1896, 2, 29));
        assert_eq!(Cpr::parse("290297-5234"), Err(CprError::NoSuchDate));
    }

    #[test]
    fn century_follows_the_seventh_digit() {
        assert_eq!(born("010136-0001"), date(1936, 1, 1));
        assert_eq!(born("010199-3001"), date(1999, 1, 1));
        assert_eq!(born("010136-4001"), date(2036, 1, 1));
        assert_eq!(born("010137-4001"), date(1937, 1, 1));
        assert_eq!(born("010136-9001"), date(2036, 1, 1));
        assert_eq!(born("010137-9001"), date(1937, 1, 1));
        assert_eq!(born("010157-5001"), date(2057, 1, 1));
        assert_eq!(born("010158-8001"), date(1858, 1, 1));
        assert_eq!(born("010100-6001"), date(2000, 1, 1));
        assert_eq!(born("311299-7001"), date(1899, 12, 31));
    }

    #[test]
    fn sex_from_the_last_digit() {
        assert_eq!(Cpr::parse("280365-9437").unwrap().sex(), Sex::Male);
        assert_eq!(Cpr::parse("280365-9436").unwrap().sex(), Sex::Female);
    }

    #[test]
    fn age_counts_whole_years() {
        let cpr = Cpr::parse("150350-1234").unwrap();
        assert_eq!(cpr.age_on(date(2026, 3, 14)), 75);
        assert_eq!(cpr.age_on(date(2026, 3, 15)), 76);
        assert_eq!(cpr.age_on(date(1940, 1, 1)), 0);
        let leapling = Cpr::parse("290264-1234").unwrap();
        assert_eq!(leapling.age_on(date(2025, 2, 28)), 60);
        assert_eq!(leapling.age_on(date(2025, 3, 1)), 61);
    }

    #[test]
    fn debug_never_shows_the_digits() {
        let shown = format!("{:?}", Cpr::parse("280365-9436").unwrap());
        assert!(!shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
    }
}
