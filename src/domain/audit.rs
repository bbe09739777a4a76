//! The words of the access log.

vocabulary! {
    /// What was done with (or looked at in) the system, as the access log keeps it.
    pub enum AccessAction {
        /// The record page was opened.
        ViewRecord = "patient.view" => "audit.action.patient_view",
        /// A page showing one patient's data (call form, plan, booking form) was opened.
        ViewPage = "patient.view_page" => "audit.action.view_page",
        /// Something was written about the patient (a call, a booking, a goal, ...).
        Write = "patient.write" => "audit.action.write",
        /// The invitation page was opened or acted on (answer, meeting, outcome).
        Invitation = "patient.invitation" => "audit.action.invitation",
        /// An invitation letter naming the patient was produced.
        Letter = "patient.letter" => "audit.action.letter",
        /// A patient's questionnaires page was opened.
        QuestionnairesView = "questionnaires.view" => "audit.action.questionnaires_view",
        /// A questionnaire was recorded for a patient.
        QuestionnaireRecord = "questionnaire.record" => "audit.action.questionnaire_record",
        /// A person's follow-up page was opened by the research assistant.
        FollowUpView = "follow_up.view" => "audit.action.follow_up_view",
        /// A follow-up result (with its answers) was recorded for a person.
        FollowUpRecord = "follow_up.record" => "audit.action.follow_up_record",
        /// The list of who opened a patient's data was opened.
        AccessView = "patient.access_view" => "audit.action.access_view",
        /// A search found the patient by their CPR number (the number itself is not kept).
        FoundByCpr = "patient.found_by_cpr" => "audit.action.found_by_cpr",
        /// A record was opened with a stated reason ("break the glass"; the reason in `detail`).
        BreakGlass = "patient.break_glass" => "audit.action.break_glass",
        /// A research export was downloaded (no patient; the filter in `detail`).
        ResearchExport = "research.export" => "audit.action.research_export",
        /// The access log was downloaded as CSV.
        LogExport = "access_log.export" => "audit.action.log_export",
        /// An API client read the patient's data through the FHIR API (the resource type in
        /// `detail`).
        ApiRead = "api.read" => "audit.action.api_read",
        /// A MedCom message about the patient was opened (its text and thread).
        MessageView = "patient.message_view" => "audit.action.message_view",
        /// A MedCom message about the patient came in and was read by coachline (no person).
        MessageReceived = "patient.message_received" => "audit.action.message_received",
        /// An admin reset a person's second factor (the person in `detail`).
        SecondFactorReset = "user.second_factor_reset" => "audit.action.second_factor_reset",
    }
}
