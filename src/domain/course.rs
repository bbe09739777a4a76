//! A course as every feature reads it: the patient's open (or latest) course and its rules
//! (six months planned, nine at most without a stated reason). `courses` is the one writer.

use chrono::{Months, NaiveDate};
use sqlx::PgExecutor;

/// How long a course is planned to run.
pub const PLANNED_MONTHS: u32 = 6;
/// No course runs past this without a stated reason.
pub const LIMIT_MONTHS: u32 = 9;

/// A patient's open course.
#[derive(Clone, Debug)]
pub struct Course {
    pub id: i64,
    pub nurse_id: i64,
    pub start_date: NaiveDate,
    pub planned_end: NaiveDate,
    pub extension_reason: Option<String>,
    pub ending_planned: bool,
}

impl Course {
    /// The date after which continuing needs a stated reason.
    pub fn limit(&self) -> NaiveDate {
        self.start_date + Months::new(LIMIT_MONTHS)
    }

    /// Past nine months on `date` with no stated reason: nothing more may be booked (for that
    /// date) or logged (today). The database refuses such bookings as well.
    pub fn needs_extension_reason(&self, date: NaiveDate) -> bool {
        date > self.limit() && self.extension_reason.is_none()
    }

    /// The course week on `today`, from 1.
    pub fn week(&self, today: NaiveDate) -> i64 {
        (today - self.start_date).num_days().max(0) / 7 + 1
    }

    /// The planned length in whole weeks (six months: 26).
    pub fn weeks(&self) -> i64 {
        ((self.planned_end - self.start_date).num_days() + 3) / 7
    }
}

/// The patient's open course, if any.
pub async fn open_course(db: impl PgExecutor<'_>, patient_id: i64) -> Result<Option<Course>, sqlx::Error> {
    sqlx::query_as!(
        Course,
        "select id, nurse_id, start_date, planned_end, extension_reason, ending_planned
           from courses where patient_id = $1 and end_date is null",
        patient_id
    )
    .fetch_optional(db)
    .await
}

/// The patient's latest course, open or ended (for the record and the plan).
pub async fn latest_course(db: impl PgExecutor<'_>, patient_id: i64) -> Result<Option<Course>, sqlx::Error> {
    sqlx::query_as!(
        Course,
        "select id, nurse_id, start_date, planned_end, extension_reason, ending_planned
           from courses where patient_id = $1 order by end_date is null desc, start_date desc limit 1",
        patient_id
    )
    .fetch_optional(db)
    .await
}

/// The day the patient was invited (their list imported), in their centre's zone: no course
/// starts before it. The database's `invited_on` is the one definition.
pub async fn invited_on(db: impl PgExecutor<'_>, patient_id: i64) -> Result<Option<NaiveDate>, sqlx::Error> {
    sqlx::query_scalar!("select invited_on($1)", patient_id)
        .fetch_one(db)
        .await
}

/// The day of the last contact with the patient (a call that reached them, or the initial
/// meeting held), in their centre's zone: no course ends, and no death is dated, before it.
/// The database's `last_contact_on` is the one definition.
pub async fn last_contact_on(
    db: impl PgExecutor<'_>,
    patient_id: i64,
) -> Result<Option<NaiveDate>, sqlx::Error> {
    sqlx::query_scalar!("select last_contact_on($1)", patient_id)
        .fetch_one(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(start: &str) -> Course {
        let start_date: NaiveDate = start.parse().unwrap();
        Course {
            id: 1,
            nurse_id: 1,
            start_date,
            planned_end: start_date + Months::new(6),
            extension_reason: None,
            ending_planned: false,
        }
    }

    #[test]
    fn a_course_past_nine_months_needs_a_reason_to_continue() {
        let c = course("2026-01-15");
        assert!(!c.needs_extension_reason("2026-10-15".parse().unwrap()));
        assert!(c.needs_extension_reason("2026-10-16".parse().unwrap()));
        let explained = Course {
            extension_reason: Some("Afventer operation".into()),
            ..c
        };
        assert!(!explained.needs_extension_reason("2026-12-01".parse().unwrap()));
    }

    #[test]
    fn the_course_week_counts_from_one_of_twenty_six() {
        let c = course("2026-01-05");
        assert_eq!(c.week("2026-01-05".parse().unwrap()), 1);
        assert_eq!(c.week("2026-04-06".parse().unwrap()), 14);
        assert_eq!(c.weeks(), 26);
        assert_eq!(course("2026-03-01").weeks(), 26, "184 days");
    }
}
