//! The words of the FHIR API.

vocabulary! {
    /// What an API client may read.
    pub enum ApiScope {
        /// Patients (demographics, CPR as identifier) and their call centre.
        Patients = "patients" => "api.scope.patients",
        /// The course and its agreed plan: goals, booked calls, questionnaires.
        Plans = "plans" => "api.scope.plans",
        /// Calls: outcome, time and length.
        Calls = "calls" => "api.scope.calls",
        /// The text of call notes and their amendments (clinical content).
        Notes = "notes" => "api.scope.notes",
    }
}
