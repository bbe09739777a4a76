//! Texts of home.

/// `(key, Danish, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Today and caseload
    ("today.title", "I dag", "Today"),
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
