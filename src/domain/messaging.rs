//! The words of messages to the rest of health care: the organisations in the directory, the
//! channels messages leave by, and where an outgoing message stands.

vocabulary! {
    /// What kind of organisation a directory entry is.
    pub enum OrganisationKind {
        GpPractice = "gp_practice" => "organisation.kind_gp_practice",
        Municipality = "municipality" => "organisation.kind_municipality",
        HospitalDepartment = "hospital_department" => "organisation.kind_hospital_department",
    }
}

vocabulary! {
    /// How an outgoing message leaves.
    pub enum Channel {
        /// A MedCom FHIR message to a GP, municipality or hospital.
        Medcom = "medcom" => "outbox.channel_medcom",
        /// A text message to the patient's mobile.
        Sms = "sms" => "outbox.channel_sms",
    }
}

vocabulary! {
    /// A step in an outgoing message's history (the latest is where it stands).
    pub enum OutboxState {
        Queued = "queued" => "outbox.state_queued",
        Sent = "sent" => "outbox.state_sent",
        /// One delivery attempt failed; it is tried again later.
        Failed = "failed" => "outbox.state_failed",
        /// The receiver confirmed it (a MedCom acknowledgement, an SMS delivery report).
        Acknowledged = "acknowledged" => "outbox.state_acknowledged",
        /// No longer to be sent (a reminder for a call that was cancelled or moved).
        Cancelled = "cancelled" => "outbox.state_cancelled",
    }
}

impl OutboxState {
    /// Nothing more will happen to a message in this state.
    pub fn settled(self) -> bool {
        match self {
            OutboxState::Sent | OutboxState::Acknowledged | OutboxState::Cancelled => true,
            OutboxState::Queued | OutboxState::Failed => false,
        }
    }
}

vocabulary! {
    /// MedCom's categories of a CareCommunication (what the message is about overall).
    pub enum CareCategory {
        AlcoholAndDrugTreatment = "alcohol-and-drug-treatment" => "medcom.category_alcohol_and_drug_treatment",
        AssistiveDevices = "assistive-devices" => "medcom.category_assistive_devices",
        CareCoordination = "carecoordination" => "medcom.category_carecoordination",
        Decease = "decease" => "medcom.category_decease",
        Discharge = "discharge" => "medcom.category_discharge",
        ExaminationResults = "examination-results" => "medcom.category_examination_results",
        Healthcare = "healthcare" => "medcom.category_healthcare",
        HomeCareAssessment = "home-care-assessment" => "medcom.category_home_care_assessment",
        Medicine = "medicine" => "medcom.category_medicine",
        Nursing = "nursing" => "medcom.category_nursing",
        Outpatient = "outpatient" => "medcom.category_outpatient",
        PsychiatrySocialDisability = "psychiatry-social-disability" => "medcom.category_psychiatry_social_disability",
        RegardingReferral = "regarding-referral" => "medcom.category_regarding_referral",
        Telemedicine = "telemedicine" => "medcom.category_telemedicine",
        Training = "training" => "medcom.category_training",
        Other = "other" => "medcom.category_other",
    }
}
