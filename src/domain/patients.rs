//! The words of a patient: status, arm and sex.

vocabulary! {
    /// invited → meeting booked → active → ended; or declined, no response, unreachable, not eligible.
    pub enum PatientStatus {
        Invited = "invited" => "status.invited",
        MeetingBooked = "meeting_booked" => "status.meeting_booked",
        Active = "active" => "status.active",
        Ended = "ended" => "status.ended",
        Declined = "declined" => "status.declined",
        NoResponse = "no_response" => "status.no_response",
        Unreachable = "unreachable" => "status.unreachable",
        NotEligible = "not_eligible" => "status.not_eligible",
    }
}

impl PatientStatus {
    /// Whether a patient's status may change from `self` to `to`: the rule of the database
    /// function `status_transition_allowed` (whose trigger refuses the rest), for forms to
    /// explain before trying.
    pub fn may_become(self, to: PatientStatus) -> bool {
        use PatientStatus::*;
        self == to
            || matches!(
                (self, to),
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
}

vocabulary! {
    /// The trial arm a randomised person is in.
    pub enum Arm {
        Intervention = "intervention" => "arm.intervention",
        Control = "control" => "arm.control",
    }
}

vocabulary! {
    /// Sex as the invitation list gives it.
    pub enum Sex {
        Female = "female" => "patient.sex_female",
        Male = "male" => "patient.sex_male",
    }
}
