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

vocabulary! {
    /// What a patient consents to: the course, being interviewed about the experience, and the
    /// use of their data for research.
    pub enum ConsentKind {
        Course = "course" => "consent.kind_course",
        Interview = "interview" => "consent.kind_interview",
        Research = "research" => "consent.kind_research",
    }
}

impl ConsentKind {
    /// Whether the kind may be recorded or changed on the record after the initial meeting.
    /// Consent to the course is given when it starts; withdrawing it is ending the course.
    pub fn recorded_later(self) -> bool {
        match self {
            ConsentKind::Course => false,
            ConsentKind::Interview | ConsentKind::Research => true,
        }
    }
}
