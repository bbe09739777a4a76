//! Texts of home.

/// `(key, Danish, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Today and caseload
    ("today.title", "I dag", "Today"),
    (
        "today.count_questionnaires",
        "spørgeskemaer at stille",
        "questionnaires to ask",
    ),
    (
        "today.questionnaires_heading",
        "Spørgeskemaer at stille ved næste samtale",
        "Questionnaires to ask at the next call",
    ),
    (
        "today.questionnaires_hint",
        "Tidspunktet i forløbet er nået, og svarene mangler.",
        "The point in the course is reached and the answers are missing.",
    ),
    ("today.questionnaire_timepoint", "Tidspunkt", "Point in course"),
    (
        "today.arrivals_heading",
        "Nye på din liste i denne uge",
        "New on your caseload this week",
    ),
    ("today.arrival_from", "fra {name}", "from {name}"),
    ("today.arrival_assigned", "tildelt dig", "assigned to you"),
    (
        "today.arrival_until",
        "du dækker til og med {date}",
        "you cover until {date}",
    ),
    ("today.questionnaire_due_on", "Fra", "From"),
    ("today.questionnaire_enter", "Indtast svar", "Enter answers"),
    (
        "today.no_call",
        "aktive uden næste opkald",
        "active with no call booked",
    ),
    (
        "today.no_call_heading",
        "Aktive patienter uden næste opkald",
        "Active patients with no call booked",
    ),
    ("today.nothing", "Ingen patienter her.", "No patients here."),
    (
        "my_patients.none",
        "Du har ingen patienter endnu.",
        "You have no patients yet.",
    ),
    (
        "nurses.none",
        "Centret har ingen sygeplejersker endnu.",
        "The centre has no nurses yet.",
    ),
    ("nurses.free", "Ledig kapacitet", "Free capacity"),
];
