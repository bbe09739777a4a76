//! The words of the effect study's follow-up.

vocabulary! {
    /// What came of asking a randomised person at one follow-up point, as recorded.
    pub enum FollowUpResult {
        Answered = "answered" => "follow_up.result_answered",
        NotReached = "not_reached" => "follow_up.result_not_reached",
        Declined = "declined" => "follow_up.result_declined",
    }
}

vocabulary! {
    /// Where one follow-up point of one person stands (`study_schedule()`): a recorded result,
    /// or what its window says when nothing is recorded.
    pub enum FollowUpState {
        Answered = "answered" => "follow_up.result_answered",
        NotReached = "not_reached" => "follow_up.result_not_reached",
        Declined = "declined" => "follow_up.result_declined",
        Due = "due" => "follow_up.state_due",
        Missing = "missing" => "follow_up.state_missing",
        NotYetDue = "not_yet_due" => "follow_up.state_not_yet_due",
    }
}

vocabulary! {
    /// How the answers were given.
    pub enum FollowUpMode {
        Phone = "phone" => "follow_up.mode_phone",
        Paper = "paper" => "follow_up.mode_paper",
    }
}

impl FollowUpResult {
    /// Whether questionnaires come with the result.
    pub fn has_answers(self) -> bool {
        match self {
            FollowUpResult::Answered => true,
            FollowUpResult::NotReached | FollowUpResult::Declined => false,
        }
    }
}
