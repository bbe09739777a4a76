//! Texts of consent: to the course, to the evaluation interview and to research use, given at
//! the initial meeting and recorded or changed later on the record.

/// `(key, Danish, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("consent.title", "Samtykke", "Consent"),
    ("consent.kind_course", "Samtykke til forløbet", "Consent to the course"),
    (
        "consent.kind_interview",
        "Samtykke til evalueringsinterview",
        "Consent to the evaluation interview",
    ),
    (
        "consent.kind_research",
        "Samtykke til brug af data i forskning",
        "Consent to research use of the data",
    ),
    ("consent.given", "Givet", "Given"),
    ("consent.not_given", "Ikke givet", "Not given"),
    ("consent.none", "Intet samtykke registreret.", "No consent recorded."),
    ("consent.record", "Registrér eller ændr samtykke", "Record or change consent"),
    (
        "consent.explain",
        "Et nyt samtykke eller en tilbagetrækning gemmes ved siden af de tidligere; intet overskrives. Datoen er den dag, patienten sagde ja eller nej.",
        "A new consent or a withdrawal is kept next to the earlier ones; nothing is overwritten. The date is the day the patient said yes or no.",
    ),
    ("consent.kind", "Samtykke til", "Consent to"),
    ("consent.patient", "Patienten", "The patient"),
    ("consent.gives", "giver samtykke", "gives consent"),
    ("consent.withdraws", "siger nej eller trækker samtykket tilbage", "declines or withdraws consent"),
    ("consent.date", "Dato for patientens svar", "Date of the patient's answer"),
    ("consent.history", "Historik", "History"),
    ("consent.recorded", "registreret", "recorded"),
    ("consent.choose_kind", "Vælg, hvad samtykket gælder.", "Choose what the consent is to."),
    (
        "consent.choose_given",
        "Vælg, om patienten giver eller trækker samtykket tilbage.",
        "Choose whether the patient gives or withdraws consent.",
    ),
    (
        "consent.in_future",
        "Datoen ligger i fremtiden. Et samtykke registreres, når patienten har givet det.",
        "The date is in the future. A consent is recorded once the patient has given it.",
    ),
    (
        "consent.before_course",
        "Datoen ligger før forløbet. Vælg forløbets første dag eller senere.",
        "The date is before the course. Choose the course's first day or later.",
    ),
    ("consent.change", "Registrér samtykke", "Record consent"),
    (
        "invitation.consent_research_text",
        "Må patientens data bruges i forskning (evalueringen af programmet)?",
        "May the patient's data be used for research (the programme's evaluation)?",
    ),
    (
        "invitation.research_choose",
        "Vælg, om patienten giver samtykke til brug af data i forskning.",
        "Choose whether the patient consents to research use of the data.",
    ),
    ("done.consent_saved", "Samtykket er registreret.", "The consent is recorded."),
];
