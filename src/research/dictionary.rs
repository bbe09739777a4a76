//! The data dictionary shipped in every export. The CSV headers are taken from it, so the two
//! cannot disagree.

/// `(file, column, meaning)` for every column of every file, in the files' column order.
pub struct Dictionary(pub &'static [(&'static str, &'static str, &'static str)]);

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

/// What each column means.
pub const DICTIONARY: Dictionary = Dictionary(&[
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
]);
