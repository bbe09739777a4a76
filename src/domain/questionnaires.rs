//! The words of questionnaires.

vocabulary! {
    /// When in a course a questionnaire is answered.
    pub enum Timepoint {
        Start = "start" => "questionnaires.tp.start",
        Month3 = "month3" => "questionnaires.tp.month3",
        End = "end" => "questionnaires.tp.end",
        Other = "other" => "questionnaires.tp.other",
    }
}

vocabulary! {
    /// How an instrument's answers become its score.
    pub enum Scoring {
        Sum = "sum" => "instruments.scoring_sum",
        Mean = "mean" => "instruments.scoring_mean",
    }
}
