//! The domain's words: every closed vocabulary of DOMAIN.md as one enum, kept in the database as
//! a checked text column and read with `as "field: Type"`. Each enum knows its stored code, its
//! name in the catalogue and every value in the order pages list them; adding a value makes the
//! compiler point at every `match` that must decide about it.
//!
//! This module sits below every feature: features, templates, the research export and its
//! dictionary all read the words here.

#[macro_use]
mod vocabulary;

mod api;
mod appointments;
mod audit;
pub mod calendar;
mod calls;
pub mod course;
mod courses;
mod follow_up;
mod messaging;
mod patients;
mod questionnaires;

pub use api::ApiScope;
pub use appointments::{AppointmentKind, AppointmentStatus};
pub use audit::AccessAction;
pub use calendar::{AbsenceKind, AbsenceStatus, CallTimeKind, Holiday};
pub use calls::Outcome;
pub use courses::{ConsentKind, EndReason, GoalStatus, ReferralKind};
pub use follow_up::{FollowUpMode, FollowUpResult, FollowUpState};
pub use messaging::{CareCategory, Channel, OrganisationKind, OutboxState};
pub use patients::{Arm, PatientStatus, Sex};
pub use questionnaires::{Scoring, Timepoint};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word reads back from its code, codes are distinct, and every name is in the
    /// catalogue in both languages.
    fn round_trips<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        code: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
        label: fn(T) -> &'static str,
    ) {
        for &word in all {
            assert_eq!(parse(code(word)), Some(word));
            assert_eq!(all.iter().filter(|w| code(**w) == code(word)).count(), 1);
            for lang in [crate::web::Lang::Da, crate::web::Lang::En] {
                assert_ne!(lang.t(label(word)), "?", "{word:?} has no name in {lang:?}");
            }
        }
        assert_eq!(parse("no such word"), None);
    }

    #[test]
    fn every_vocabulary_reads_back_and_is_named_in_both_languages() {
        round_trips(Outcome::ALL, Outcome::as_str, Outcome::parse, Outcome::label_key);
        round_trips(
            AppointmentKind::ALL,
            AppointmentKind::as_str,
            AppointmentKind::parse,
            AppointmentKind::label_key,
        );
        round_trips(
            AppointmentStatus::ALL,
            AppointmentStatus::as_str,
            AppointmentStatus::parse,
            AppointmentStatus::label_key,
        );
        round_trips(
            AccessAction::ALL,
            AccessAction::as_str,
            AccessAction::parse,
            AccessAction::label_key,
        );
        round_trips(
            EndReason::ALL,
            EndReason::as_str,
            EndReason::parse,
            EndReason::label_key,
        );
        round_trips(
            GoalStatus::ALL,
            GoalStatus::as_str,
            GoalStatus::parse,
            GoalStatus::label_key,
        );
        round_trips(
            ConsentKind::ALL,
            ConsentKind::as_str,
            ConsentKind::parse,
            ConsentKind::label_key,
        );
        round_trips(
            ReferralKind::ALL,
            ReferralKind::as_str,
            ReferralKind::parse,
            ReferralKind::label_key,
        );
        round_trips(
            PatientStatus::ALL,
            PatientStatus::as_str,
            PatientStatus::parse,
            PatientStatus::label_key,
        );
        round_trips(Arm::ALL, Arm::as_str, Arm::parse, Arm::label_key);
        round_trips(
            OrganisationKind::ALL,
            OrganisationKind::as_str,
            OrganisationKind::parse,
            OrganisationKind::label_key,
        );
        round_trips(Channel::ALL, Channel::as_str, Channel::parse, Channel::label_key);
        round_trips(
            CareCategory::ALL,
            CareCategory::as_str,
            CareCategory::parse,
            CareCategory::label_key,
        );
        round_trips(
            OutboxState::ALL,
            OutboxState::as_str,
            OutboxState::parse,
            OutboxState::label_key,
        );
        round_trips(Sex::ALL, Sex::as_str, Sex::parse, Sex::label_key);
        round_trips(
            Timepoint::ALL,
            Timepoint::as_str,
            Timepoint::parse,
            Timepoint::label_key,
        );
        round_trips(
            ApiScope::ALL,
            ApiScope::as_str,
            ApiScope::parse,
            ApiScope::label_key,
        );
        round_trips(Scoring::ALL, Scoring::as_str, Scoring::parse, Scoring::label_key);
        round_trips(
            FollowUpResult::ALL,
            FollowUpResult::as_str,
            FollowUpResult::parse,
            FollowUpResult::label_key,
        );
        round_trips(
            FollowUpState::ALL,
            FollowUpState::as_str,
            FollowUpState::parse,
            FollowUpState::label_key,
        );
        round_trips(
            FollowUpMode::ALL,
            FollowUpMode::as_str,
            FollowUpMode::parse,
            FollowUpMode::label_key,
        );
        round_trips(
            AbsenceKind::ALL,
            AbsenceKind::as_str,
            AbsenceKind::parse,
            AbsenceKind::label_key,
        );
        round_trips(
            AbsenceStatus::ALL,
            AbsenceStatus::as_str,
            AbsenceStatus::parse,
            AbsenceStatus::label_key,
        );
        round_trips(
            CallTimeKind::ALL,
            CallTimeKind::as_str,
            CallTimeKind::parse,
            CallTimeKind::label_key,
        );
        round_trips(Holiday::ALL, Holiday::as_str, Holiday::parse, Holiday::label_key);
    }
}
