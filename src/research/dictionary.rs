//! The data dictionary shipped in every export. The CSV headers are taken from it, so the two
//! cannot disagree.

use std::sync::LazyLock;

use crate::domain::{Arm, EndReason, Outcome, PatientStatus, ReferralKind, Sex, Timepoint};

/// `(file, column, meaning)` for every column of every file, in the files' column order.
pub struct Dictionary(pub Vec<(&'static str, &'static str, String)>);

impl Dictionary {
    /// The header of `file`.
    pub fn columns(&self, file: &str) -> Vec<&'static str> {
        self.0
            .iter()
            .filter(|(f, _, _)| *f == file)
            .map(|(_, c, _)| *c)
            .collect()
    }
}

const PSEUDONYM: &str = "HMAC-SHA256 of the CPR number with the installation's pseudonym key (hex). \
    Stable across exports; only the holder of the key can link it to a person";

/// A vocabulary's codes as the dictionary lists them: `a, b or c`.
fn codes(all: &[&'static str]) -> String {
    match all {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

macro_rules! codes_of {
    ($vocabulary:ty) => {
        codes(&<$vocabulary>::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>())
    };
}

/// What each column means. The lists of codes come from the domain's vocabularies, so a new
/// word is documented as soon as it exists.
pub static DICTIONARY: LazyLock<Dictionary> = LazyLock::new(|| {
    let fixed = |list: &[(&'static str, &'static str, &'static str)]| {
        list.iter()
            .map(|(f, c, m)| (*f, *c, (*m).to_owned()))
            .collect::<Vec<_>>()
    };
    let mut all = Vec::new();
    for (file, column, meaning) in fixed(FIXED) {
        let meaning = match (file, column) {
            ("patients.csv", "sex") => format!("Legal sex from the CPR number: {}", codes_of!(Sex)),
            ("patients.csv", "arm") => format!(
                "Randomised arm: {}; empty when the batch was not randomised",
                codes_of!(Arm)
            ),
            ("patients.csv", "status") => format!("Status now: {}", codes_of!(PatientStatus)),
            ("status_history.csv", "to_status") => {
                format!("Status after the change: {}", codes_of!(PatientStatus))
            }
            ("courses.csv", "end_reason") => codes_of!(EndReason),
            ("calls.csv", "outcome") => codes_of!(Outcome),
            ("questionnaires.csv", "timepoint") => codes_of!(Timepoint),
            ("referrals.csv", "type") => codes_of!(ReferralKind),
            _ => meaning,
        };
        all.push((file, column, meaning));
    }
    Dictionary(all)
});

/// The columns; where a column holds one of the domain's words, its meaning is written above.
const FIXED: &[(&str, &str, &str)] = &[
    ("patients.csv", "pseudonym", PSEUDONYM),
    ("patients.csv", "birth_year", "Year of birth (the exact date is never exported)"),
    ("patients.csv", "sex", "Legal sex from the CPR number: female or male"),
    ("patients.csv", "age_band", "Age at invitation in ten-year bands (60-69, ...; 90+)"),
    ("patients.csv", "municipality", "Municipality as given on the invitation list"),
    ("patients.csv", "diagnoses", "ICD-10 codes from the invitation list, separated by spaces"),
    ("patients.csv", "risk_score", "The selection model's risk score, 0 to 1"),
    ("patients.csv", "centre", "Call centre code"),
    ("patients.csv", "batch", "Invitation list (import batch) number"),
    ("patients.csv", "arm", "Randomised arm: intervention or control; empty when the batch was not randomised"),
    ("patients.csv", "invited_on", "Date the person was imported (invited)"),
    ("patients.csv", "status", "Status now: invited, meeting_booked, active, ended, declined, no_response, unreachable, not_eligible"),
    ("status_history.csv", "pseudonym", PSEUDONYM),
    ("status_history.csv", "from_status", "Status before the change (empty for the first)"),
    ("status_history.csv", "to_status", "Status after the change"),
    ("status_history.csv", "date", "Date of the change (Danish time)"),
    ("courses.csv", "pseudonym", PSEUDONYM),
    ("courses.csv", "course", "Course number; links calls, questionnaires and referrals"),
    ("courses.csv", "start", "Start date"),
    ("courses.csv", "planned_end", "Planned end date"),
    ("courses.csv", "end", "End date; empty while the course runs"),
    ("courses.csv", "end_reason", "completed, withdrew, moved, died, unreachable or other"),
    ("courses.csv", "nurse", "Pseudonym of the responsible nurse"),
    ("calls.csv", "pseudonym", PSEUDONYM),
    ("calls.csv", "course", "Course number (empty for calls outside a course)"),
    ("calls.csv", "date", "Date of the call (Danish time)"),
    ("calls.csv", "outcome", "reached, no_answer, voicemail or wrong_number"),
    ("calls.csv", "duration_minutes", "Length of the call in minutes"),
    ("calls.csv", "topics", "Topic codes separated by spaces (the note text is never exported)"),
    ("calls.csv", "nurse", "Pseudonym of the nurse who called"),
    ("questionnaires.csv", "pseudonym", PSEUDONYM),
    ("questionnaires.csv", "course", "Course number"),
    ("questionnaires.csv", "instrument", "Instrument code (who5, self_rated_health, ...)"),
    ("questionnaires.csv", "timepoint", "start, month3, end or other"),
    ("questionnaires.csv", "date", "Date answered"),
    ("questionnaires.csv", "raw_score", "Sum of the item values (WHO-5: 0-25)"),
    ("questionnaires.csv", "score", "Scored value (WHO-5: percentage 0-100 = raw x 4; self-rated health: 1 excellent to 5 poor)"),
    ("referrals.csv", "pseudonym", PSEUDONYM),
    ("referrals.csv", "course", "Course number"),
    ("referrals.csv", "type", "gp, municipality, hospital, association or other"),
    ("referrals.csv", "date", "Date of the contact"),
    ("export.csv", "key", "period_from, period_to, centres, created_at: the filter of this export"),
    ("export.csv", "value", "Patients invited up to period_to; status changes, calls, questionnaires and referrals dated within the period; courses overlapping it"),
];
