//! The words of a call.

vocabulary! {
    /// How a call attempt went.
    pub enum Outcome {
        Reached = "reached" => "outcome.reached",
        NoAnswer = "no_answer" => "outcome.no_answer",
        Voicemail = "voicemail" => "outcome.voicemail",
        WrongNumber = "wrong_number" => "outcome.wrong_number",
    }
}

impl Outcome {
    /// Whether the nurse spoke with the patient: only then is the call a coaching conversation
    /// with topics and a note.
    pub fn reached(self) -> bool {
        match self {
            Outcome::Reached => true,
            Outcome::NoAnswer | Outcome::Voicemail | Outcome::WrongNumber => false,
        }
    }
}
