//! What the invitation page shows, row by row.

use chrono::{DateTime, NaiveDate, Utc};

/// Who the patient is, as the page shows them.
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    pub cpr: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub municipality: Option<String>,
    pub gp: Option<String>,
    pub nurse: Option<String>,
}

/// A letter sent to the patient.
pub struct LetterRow {
    pub produced_at: DateTime<Utc>,
    pub proposed_at: DateTime<Utc>,
    pub place: String,
}

/// The initial meeting booked.
pub struct MeetingRow {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: Option<String>,
    pub nurse_id: i64,
    pub nurse: String,
}

/// One change of status.
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub from_status: Option<String>,
    pub to_status: crate::patients::Status,
    pub reason: Option<String>,
    pub by: Option<String>,
}

impl HistoryRow {
    pub fn to_key(&self) -> &'static str {
        self.to_status.label_key()
    }

    /// The reason as typed, or the catalogue key's name for a course start.
    pub fn reason_key(&self) -> Option<&str> {
        match self.reason.as_deref() {
            Some(crate::courses::REASON_COURSE_STARTED) => Some("timeline.course_started"),
            _ => None,
        }
    }
}

/// A move of the patient between nurses (from `caseload_moves`).
pub struct MoveRow {
    pub moved_at: DateTime<Utc>,
    pub from_nurse: String,
    pub to_nurse: String,
    pub until: Option<NaiveDate>,
    pub returned_at: Option<DateTime<Utc>>,
    /// `initial_meeting` when the initial meeting was booked with the new nurse.
    pub reason: Option<String>,
}

/// The course, once it has started.
pub struct CourseRow {
    pub id: i64,
    pub start_date: NaiveDate,
    pub planned_end: NaiveDate,
}

/// A nurse to choose for the meeting.
pub struct NurseChoice {
    pub id: i64,
    pub name: String,
}
