//! Texts of patients.

/// `(key, Danish, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Patients
    ("patient.name", "Navn", "Name"),
    ("patient.age", "Alder", "Age"),
    ("patient.diagnoses", "Diagnoser", "Diagnoses"),
    ("patient.phone", "Telefon", "Phone"),
    ("patient.status", "Status", "Status"),
    ("status.invited", "Inviteret", "Invited"),
    ("status.meeting_booked", "Møde booket", "Meeting booked"),
    ("status.active", "Aktiv", "Active"),
    ("status.ended", "Afsluttet", "Ended"),
    ("status.declined", "Takket nej", "Declined"),
    ("status.no_response", "Intet svar", "No response"),
    ("status.unreachable", "Kan ikke træffes", "Unreachable"),
    ("status.not_eligible", "Ikke egnet", "Not eligible"),
    // Patient list and record
    ("patients.search", "Søg", "Search"),
    (
        "patients.search_hint",
        "Navn, CPR-nummer eller telefon",
        "Name, CPR number or phone",
    ),
    ("patients.all", "Alle", "All"),
    ("patients.batch", "Liste", "List"),
    ("patients.filter", "Vis", "Show"),
    ("patients.count", "{n} patienter", "{n} patients"),
    (
        "patients.none",
        "Ingen patienter passer til søgningen.",
        "No patients match.",
    ),
    ("patients.pages", "Sider", "Pages"),
    ("patients.previous", "Forrige", "Previous"),
    ("patients.next", "Næste", "Next"),
    ("patient.cpr", "CPR", "CPR"),
    ("patient.municipality", "Kommune", "Municipality"),
    ("patient.risk", "Risiko", "Risk"),
    ("patient.years", "år", "years"),
    ("patient.sex_male", "mand", "male"),
    ("patient.sex_female", "kvinde", "female"),
    ("patient.mobile", "Mobil", "Mobile"),
    ("patient.address", "Adresse", "Address"),
    ("patient.gp", "Egen læge", "GP"),
    ("patient.nurse", "Sygeplejerske", "Nurse"),
    ("patient.no_nurse", "Ikke tildelt", "Not assigned"),
];
