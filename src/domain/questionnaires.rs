//! The words of questionnaires.

vocabulary! {
    /// When in a course a questionnaire is answered; or at one of the study's follow-up points,
    /// outside any course (the research assistant's interviews).
    pub enum Timepoint {
        Start = "start" => "questionnaires.tp.start",
        Month3 = "month3" => "questionnaires.tp.month3",
        End = "end" => "questionnaires.tp.end",
        Other = "other" => "questionnaires.tp.other",
        FollowUp = "follow_up" => "questionnaires.tp.follow_up",
    }
}

vocabulary! {
    /// How an instrument's answers become its score.
    pub enum Scoring {
        Sum = "sum" => "instruments.scoring_sum",
        Mean = "mean" => "instruments.scoring_mean",
    }
}

impl Timepoint {
    /// Whether a nurse records answers at this point of a course (a study follow-up is the
    /// research assistant's).
    pub fn in_course(self) -> bool {
        match self {
            Timepoint::Start | Timepoint::Month3 | Timepoint::End | Timepoint::Other => true,
            Timepoint::FollowUp => false,
        }
    }
}
