//! The words of a course: how it ends, its goals and its referrals.

vocabulary! {
    /// Why a course ended.
    pub enum EndReason {
        Completed = "completed" => "end.reason_completed",
        Withdrew = "withdrew" => "end.reason_withdrew",
        Moved = "moved" => "end.reason_moved",
        Died = "died" => "end.reason_died",
        Unreachable = "unreachable" => "end.reason_unreachable",
        Other = "other" => "end.reason_other",
    }
}

impl EndReason {
    /// Whether the reason needs words of its own.
    pub fn needs_text(self) -> bool {
        match self {
            EndReason::Other => true,
            EndReason::Completed
            | EndReason::Withdrew
            | EndReason::Moved
            | EndReason::Died
            | EndReason::Unreachable => false,
        }
    }
}

vocabulary! {
    /// Where a goal stands.
    pub enum GoalStatus {
        Open = "open" => "goal.open",
        Achieved = "achieved" => "goal.achieved",
        Dropped = "dropped" => "goal.dropped",
    }
}

vocabulary! {
    /// Whom the nurse helps the patient to contact.
    pub enum ReferralKind {
        Gp = "gp" => "referral.kind_gp",
        Municipality = "municipality" => "referral.kind_municipality",
        Hospital = "hospital" => "referral.kind_hospital",
        Association = "association" => "referral.kind_association",
        Other = "other" => "referral.kind_other",
    }
}
