//! A patient's status, as DOMAIN.md names them.

/// invited → meeting booked → active → ended; or declined, no response, unreachable, not eligible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Invited,
    MeetingBooked,
    Active,
    Ended,
    Declined,
    NoResponse,
    Unreachable,
    NotEligible,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Invited,
        Status::MeetingBooked,
        Status::Active,
        Status::Ended,
        Status::Declined,
        Status::NoResponse,
        Status::Unreachable,
        Status::NotEligible,
    ];

    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Invited => "invited",
            Status::MeetingBooked => "meeting_booked",
            Status::Active => "active",
            Status::Ended => "ended",
            Status::Declined => "declined",
            Status::NoResponse => "no_response",
            Status::Unreachable => "unreachable",
            Status::NotEligible => "not_eligible",
        }
    }

    pub fn parse(value: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The catalogue key of the status's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Status::Invited => "status.invited",
            Status::MeetingBooked => "status.meeting_booked",
            Status::Active => "status.active",
            Status::Ended => "status.ended",
            Status::Declined => "status.declined",
            Status::NoResponse => "status.no_response",
            Status::Unreachable => "status.unreachable",
            Status::NotEligible => "status.not_eligible",
        }
    }
}

/// The catalogue key for a status as stored (unknown values fall back to "invited").
pub fn label_key(stored: &str) -> &'static str {
    Status::parse(stored).unwrap_or(Status::Invited).label_key()
}

/// Whether a patient's status may change from `from` to `to`: the rule of the database function
/// `status_transition_allowed` (whose trigger refuses the rest), for forms to explain before trying.
pub fn transition_allowed(from: Status, to: Status) -> bool {
    use Status::*;
    from == to
        || matches!(
            (from, to),
            (
                Invited,
                MeetingBooked | Declined | NoResponse | Unreachable | NotEligible
            ) | (
                MeetingBooked,
                Active | Declined | NotEligible | Invited | Unreachable
            ) | (NoResponse | Unreachable, MeetingBooked | Declined)
                | (Active, Ended)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Keep in step with `status_transition_allowed` in migrations/20261123000004_courses_calls.sql.

    #[test]
    fn the_paths_of_domain_md_are_allowed_and_nothing_else() {
        use Status::*;
        assert!(transition_allowed(Invited, MeetingBooked));
        assert!(transition_allowed(MeetingBooked, Active));
        assert!(transition_allowed(Active, Ended));
        assert!(!transition_allowed(Invited, Active));
        assert!(!transition_allowed(Declined, Active));
        assert!(!transition_allowed(Ended, Active));
        assert!(!transition_allowed(NotEligible, MeetingBooked));
    }
}
