//! The data dictionary shipped in every export. The CSV headers are taken from it, so the two
//! cannot disagree.

use std::sync::LazyLock;

use crate::domain::{
    AppointmentStatus, Arm, ConsentKind, EndReason, FollowUpState, GoalStatus, Outcome, PatientStatus,
    ReferralKind, Sex, Timepoint,
};

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

/// The type of a column's values, by the naming the files follow: dates end in `_on` or are
/// named as dates, numbers are counts, numbers of things or scores, `yes`/`no` flags, codes from
/// the domain's vocabularies, and text.
pub fn type_of(file: &str, column: &str) -> &'static str {
    match (file, column) {
        (_, "pseudonym") => "text: 64 hex digits",
        (_, "nurse" | "from_nurse" | "to_nurse") => "text: 16 hex digits",
        (_, "date" | "start" | "end" | "planned_end" | "due" | "window_from" | "window_to" | "until") => {
            "date: YYYY-MM-DD"
        }
        (_, c) if c.ends_with("_on") => "date: YYYY-MM-DD",
        (_, "risk_score" | "raw_score" | "score") => "decimal number",
        (_, "extended" | "counts" | "consent_course" | "consent_interview" | "consent_research") => {
            "yes, no or empty"
        }
        ("consent_events.csv", "consent") => "yes or no",
        (
            _,
            "birth_year" | "batch" | "course" | "goal" | "meeting" | "response" | "item" | "value" | "rating"
            | "minutes" | "duration_minutes" | "days_from_due" | "appointments_moved" | "intervention"
            | "control" | "n" | "seed" | "corrects" | "follow_up",
        ) => "integer",
        (_, "municipality" | "diagnoses" | "centre" | "age_band" | "topics" | "key" | "value_text") => "text",
        ("export.csv", _) => "text",
        _ => "code",
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
            ("consent_events.csv", "kind") => format!("What the consent is to: {}", codes_of!(ConsentKind)),
            ("goals.csv", "status") => format!("Status now: {}", codes_of!(GoalStatus)),
            ("meetings.csv", "status") => codes_of!(AppointmentStatus),
            ("timepoints.csv", "arm") | ("consort.csv", "arm") => {
                format!("{}{}", codes_of!(Arm), if file == "consort.csv" { "; empty for steps before randomisation" } else { "" })
            }
            ("timepoints.csv", "state") => format!(
                "{}. answered, not_reached and declined are recorded results (the latest correction counts);                  due: the window is open with nothing recorded; missing: the window closed with nothing recorded;                  not_yet_due: the window has not opened",
                codes_of!(FollowUpState)
            ),
            ("consort.csv", "reason") => format!(
                "not_received: the status the person stopped at ({}); ended: the course's end reason ({});                  follow_up: where the point stands ({}); empty otherwise",
                codes_of!(PatientStatus),
                codes_of!(EndReason),
                codes_of!(FollowUpState)
            ),
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
    ("patients.csv", "randomised_on", "Date of randomisation (the randomised list's confirmation, Danish time); empty when not randomised. Follow-up points count from it"),
    ("status_history.csv", "pseudonym", PSEUDONYM),
    ("status_history.csv", "from_status", "Status before the change (empty for the first)"),
    ("status_history.csv", "to_status", "Status after the change"),
    ("status_history.csv", "date", "Date the change was entered (Danish time)"),
    ("status_history.csv", "clinical_date", "Date the change took effect where the record says so: the course's start date for active, its end date for ended; empty for other statuses (their entry date is the best known)"),
    ("courses.csv", "pseudonym", PSEUDONYM),
    ("courses.csv", "course", "Course number; links calls, questionnaires and referrals"),
    ("courses.csv", "start", "Start date"),
    ("courses.csv", "planned_end", "Planned end date"),
    ("courses.csv", "end", "End date; empty while the course runs"),
    ("courses.csv", "end_reason", "completed, withdrew, moved, died, unreachable or other"),
    ("courses.csv", "nurse", "Pseudonym of the responsible nurse"),
    ("courses.csv", "extended", "yes when a reason to continue past nine months was stated (the reason is free text and not exported), else no"),
    ("calls.csv", "pseudonym", PSEUDONYM),
    ("calls.csv", "course", "Course number (empty for calls outside a course)"),
    ("calls.csv", "date", "Date of the call (Danish time)"),
    ("calls.csv", "outcome", "reached, no_answer, voicemail or wrong_number"),
    ("calls.csv", "duration_minutes", "Length of the call in minutes"),
    ("calls.csv", "topics", "Topic codes separated by spaces (the note text is never exported)"),
    ("calls.csv", "nurse", "Pseudonym of the nurse who called"),
    ("questionnaires.csv", "pseudonym", PSEUDONYM),
    ("questionnaires.csv", "course", "Course number; empty for answers at a study follow-up (research assistant)"),
    ("questionnaires.csv", "instrument", "Instrument code (who5, self_rated_health, patient_experience at the end of a course, ...)"),
    ("questionnaires.csv", "timepoint", "Point of the course, or follow_up for answers at a study follow-up"),
    ("questionnaires.csv", "date", "Date answered"),
    ("questionnaires.csv", "raw_score", "Sum of the item values (WHO-5: 0-25)"),
    ("questionnaires.csv", "score", "Scored value (WHO-5: percentage 0-100 = raw x 4; self-rated health: 1 excellent to 5 poor)"),
    ("questionnaires.csv", "response", "Response number; links questionnaire_items.csv"),
    ("questionnaires.csv", "follow_up_timepoint", "The study follow-up point (timepoints.csv) the answers were given at; empty for a course's answers"),
    ("questionnaires.csv", "corrects", "Response number this response corrects (the corrected one stays in the file); empty for a first answer"),
    ("questionnaires.csv", "counts", "yes for the answer that stands: not corrected by a later response, and from the latest result of its follow-up point; no otherwise"),
    ("referrals.csv", "pseudonym", PSEUDONYM),
    ("referrals.csv", "course", "Course number"),
    ("referrals.csv", "type", "gp, municipality, hospital, association or other"),
    ("referrals.csv", "date", "Date of the contact"),
    ("goals.csv", "pseudonym", PSEUDONYM),
    ("goals.csv", "course", "Course number"),
    ("goals.csv", "goal", "Goal number; links goal_progress.csv (the goal's words are never exported)"),
    ("goals.csv", "set_on", "Date the goal was set"),
    ("goals.csv", "status", "Status now"),
    ("goals.csv", "closed_on", "Date the goal was achieved or dropped; empty while open"),
    ("goal_progress.csv", "pseudonym", PSEUDONYM),
    ("goal_progress.csv", "goal", "Goal number"),
    ("goal_progress.csv", "date", "Date of the progress entry"),
    ("goal_progress.csv", "rating", "Progress 0 (none) to 10 (reached) as rated with the patient; empty when not rated (the comment is never exported)"),
    ("meetings.csv", "pseudonym", PSEUDONYM),
    ("meetings.csv", "meeting", "Initial meeting number"),
    ("meetings.csv", "date", "Date of the meeting (Danish time)"),
    ("meetings.csv", "status", "Status"),
    ("meetings.csv", "minutes", "Length booked in minutes"),
    ("meetings.csv", "nurse", "Pseudonym of the nurse"),
    ("meetings.csv", "booked_on", "Date the meeting was booked"),
    ("meetings.csv", "outcome_recorded_on", "Date the meeting's outcome was recorded; empty when not yet (or recorded before this was kept)"),
    ("letters.csv", "pseudonym", PSEUDONYM),
    ("letters.csv", "produced_on", "Date the invitation letter was produced"),
    ("letters.csv", "proposed_meeting_on", "Date of the initial meeting the letter proposes"),
    ("caseload_moves.csv", "pseudonym", PSEUDONYM),
    ("caseload_moves.csv", "moved_on", "Date the patient was moved to another nurse"),
    ("caseload_moves.csv", "from_nurse", "Pseudonym of the nurse the patient left"),
    ("caseload_moves.csv", "to_nurse", "Pseudonym of the nurse the patient went to"),
    ("caseload_moves.csv", "until", "Last day of a cover (the patient returns after it); empty for a permanent move"),
    ("caseload_moves.csv", "returned_on", "Date the patient returned after the cover; empty otherwise"),
    ("caseload_moves.csv", "appointments_moved", "Booked calls moved with the patient"),
    ("caseload_moves.csv", "reason", "initial_meeting when the move came with the initial meeting's outcome; empty otherwise"),
    ("consent.csv", "pseudonym", PSEUDONYM),
    ("consent.csv", "course", "Course number"),
    ("consent.csv", "consent_course", "yes or no: consent to the course as it stands on the export's day (the latest given or withdrawn up to it, consent_events.csv); empty when never recorded"),
    ("consent.csv", "course_consent_on", "Date the patient gave (or withdrew) the consent in consent_course"),
    ("consent.csv", "consent_interview", "yes or no: agreed to be interviewed about the experience, as it stands on the export's day; empty when never recorded"),
    ("consent.csv", "interview_consent_on", "Date the patient gave (or withdrew) the consent in consent_interview"),
    ("consent.csv", "consent_research", "yes or no: consented to the use of their data for research, as it stands on the export's day; empty when never recorded (courses begun before it was asked)"),
    ("consent.csv", "research_consent_on", "Date the patient gave (or withdrew) the consent in consent_research"),
    ("consent_events.csv", "pseudonym", PSEUDONYM),
    ("consent_events.csv", "course", "Course number"),
    ("consent_events.csv", "kind", "What the consent is to: course, interview or research"),
    ("consent_events.csv", "consent", "yes: given; no: declined (at the initial meeting) or withdrawn (later)"),
    ("consent_events.csv", "consent_on", "Clinical date: the day the patient gave or withdrew it (at the initial meeting, or later during or after the course)"),
    ("consent_events.csv", "recorded_on", "Date it was recorded in coachline. Events are never changed: a change is a later event, and the latest by consent_on (then by order recorded) is the one that holds"),
    ("questionnaire_items.csv", "pseudonym", PSEUDONYM),
    ("questionnaire_items.csv", "response", "Response number (questionnaires.csv)"),
    ("questionnaire_items.csv", "instrument", "Instrument code"),
    ("questionnaire_items.csv", "item", "Item number within the instrument, from 1"),
    ("questionnaire_items.csv", "value", "The answer's value on the instrument's scale as given (reversed items are not reversed here)"),
    ("timepoints.csv", "pseudonym", PSEUDONYM),
    ("timepoints.csv", "arm", "Randomised arm"),
    ("timepoints.csv", "timepoint", "Study follow-up point (baseline, month3, month6, month12 unless configured otherwise)"),
    ("timepoints.csv", "due", "Due date: randomisation plus the point's months"),
    ("timepoints.csv", "window_from", "First day answers count for the point"),
    ("timepoints.csv", "window_to", "Last day answers count for the point"),
    ("timepoints.csv", "state", "Where the point stands"),
    ("timepoints.csv", "date", "Date answered (or the result recorded); empty when nothing is"),
    ("timepoints.csv", "days_from_due", "date minus due, in days (negative: before the due date)"),
    ("timepoints.csv", "source", "follow_up: recorded at the point (research assistant); course: the first answer a nurse recorded in a course within the window; empty when nothing is"),
    ("timepoints.csv", "follow_up", "Number of the recorded result that counts (its latest correction); empty for course answers"),
    ("randomisation.csv", "batch", "Invitation list (import batch) number"),
    ("randomisation.csv", "centre", "Call centre code (each centre is its own stratum)"),
    ("randomisation.csv", "randomised_on", "Date the list was confirmed and randomised (Danish time)"),
    ("randomisation.csv", "ratio", "Intervention : control, 1:1 or 2:1"),
    ("randomisation.csv", "seed", "The seed of the allocation sequence; with the method, batch and centre it reproduces the allocation"),
    ("randomisation.csv", "intervention", "People allocated to intervention"),
    ("randomisation.csv", "control", "People allocated to control"),
    ("randomisation.csv", "method", "permuted_blocks_splitmix64: shuffled blocks of twice the ratio's parts per centre, people in CPR order, SplitMix64 seeded with the seed xor the centre number times 0xA24BAED4963EE407"),
    ("consort.csv", "centre", "Call centre code; empty for all the chosen centres together"),
    ("consort.csv", "step", "assessed (everybody on the lists), not_randomised, randomised, received (a course started), not_received, ended (the latest course ended), follow_up"),
    ("consort.csv", "arm", "Randomised arm"),
    ("consort.csv", "timepoint", "Follow-up point for follow_up rows; empty otherwise"),
    ("consort.csv", "reason", "Reason or state"),
    ("consort.csv", "n", "Number of people (exact; the research page shows counts under 5 as <5)"),
    ("export.csv", "key", "period_from, period_to, centres, created_at: the filter of this export"),
    ("export.csv", "value", "Patients invited up to period_to; status changes, calls, questionnaires, items, referrals, goals, progress, meetings, letters and caseload moves dated within the period; courses overlapping it with their consent as it stands on period_to (or the export's day when earlier) and its history up to then; follow-up points and the CONSORT flow of everybody invited up to period_to, as they stand on period_to (or the export's day when earlier)"),
];
