//! The nurse's day: Today (calls due, overdue, waiting for a retry, and active patients with
//! nothing booked) and My patients (the caseload with course week, next and last call).

pub mod caseload;
pub mod day;

use axum::routing::get;
use axum::{middleware, Router};
use chrono::{DateTime, NaiveDate, Utc};

use crate::safety::Net;
use crate::web::auth::nurses_only;
use crate::web::Lang;
use crate::AppState;

/// `/today` and `/my-patients`, for nurses.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/today", get(day::show))
        .route("/my-patients", get(caseload::show).post(caseload::search))
        .route_layer(middleware::from_fn_with_state(state, nurses_only))
}

/// One patient on the nurse's lists.
#[derive(Clone, Debug)]
pub struct Row {
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub diagnoses: Vec<String>,
    pub status: crate::domain::PatientStatus,
    /// The booked call (for due and overdue: the one due; otherwise the next booked).
    pub starts_at: Option<DateTime<Utc>>,
    /// Calls that reached the patient in the open course.
    pub reached: i64,
    pub last_call_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<crate::domain::Outcome>,
    /// The safety nets the patient is caught in.
    pub nets: Vec<crate::safety::Net>,
    pub start_date: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
}

impl Row {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// The number of this call in the course.
    pub fn call_number(&self) -> i64 {
        self.reached + 1
    }

    /// Whether the patient is caught in `net`.
    pub fn in_net(&self, net: Net) -> bool {
        self.nets.contains(&net)
    }

    /// The short flags (catalogue keys) the lists show for the nets the patient is caught in,
    /// beyond the list the row stands in: unreachable, six or nine months, too far, ending.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        for net in &self.nets {
            let key = match net {
                Net::FailedAttempts => "unreachable.flag",
                Net::PastNineMonths => "today.flag_nine_months",
                Net::PastSixMonths if !self.in_net(Net::PastNineMonths) => "today.flag_six_months",
                Net::CallTooFar => "today.flag_too_far",
                Net::EndingPlanned => "today.flag_ending",
                Net::NurseCannotWork => "today.flag_nurse",
                Net::PastSixMonths | Net::CallOverdue | Net::NoCallBooked => continue,
            };
            flags.push(key);
        }
        flags
    }

    /// The main diagnoses: codes with their names, the first three.
    pub fn diagnoses_text(&self, lang: Lang) -> String {
        self.diagnoses
            .iter()
            .take(3)
            .map(
                |code| match crate::patients::icd10::name(code, lang == Lang::Da) {
                    Some(name) => format!("{code} {name}"),
                    None => code.clone(),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn status_key(&self) -> &'static str {
        self.status.label_key()
    }

    /// The last call's outcome, or nothing before the first call.
    pub fn last_outcome_key(&self) -> &'static str {
        self.last_outcome.map_or("", |o| o.label_key())
    }
}
