//! The reachability protocol: when a patient has not answered on several days, the record
//! offers two steps, and each produces what it promises. "Send letter" makes a Danish letter
//! asking the patient to call the centre (print-ready HTML and PDF, written by the invitation
//! letters' machinery); "contact the GP" makes the message to send to the patient's GP. Each
//! is kept exactly as produced (append-only) and shown on the patient's timeline.

pub mod compose;
pub mod steps;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::signed_in;
use crate::AppState;

/// A step of the protocol, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A letter asking the patient to call the centre.
    Letter,
    /// A message to the patient's GP.
    Gp,
}

impl Step {
    pub fn parse(value: &str) -> Option<Step> {
        match value {
            "letter" => Some(Step::Letter),
            "gp" => Some(Step::Gp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Letter => "letter",
            Step::Gp => "gp",
        }
    }

    /// The catalogue key of the step's page heading.
    pub fn heading_key(self) -> &'static str {
        match self {
            Step::Letter => "reach.letter_heading",
            Step::Gp => "reach.gp_heading",
        }
    }
}

/// `/patients/{id}/unreachable` (take a step) and `/reachability/{id}` (a step as produced,
/// `/pdf` for a letter); each handler checks the patient's centre and logs the access.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/unreachable", post(steps::take))
        .route("/reachability/{id}", get(steps::show))
        .route("/reachability/{id}/pdf", get(steps::pdf))
        .route_layer(middleware::from_fn_with_state(state, signed_in))
}
