//! Texts of common.

/// `(key, Danish, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Navigation and layout
    ("nav.label", "Hovedmenu", "Main menu"),
    ("nav.skip", "Gå til indholdet", "Skip to content"),
    ("search.label", "Find en patient i centret", "Find a patient of the centre"),
    ("search.placeholder", "Find patient (navn, CPR, tlf.)", "Find patient (name, CPR, phone)"),
    (
        "form.error_summary",
        "Noget skal rettes, før der kan gemmes:",
        "Something needs correcting before it can be saved:",
    ),
    ("nav.today", "I dag", "Today"),
    ("nav.my_patients", "Mine patienter", "My patients"),
    ("nav.centre", "Center", "Centre"),
    ("nav.patients", "Patienter", "Patients"),
    ("nav.nurses", "Sygeplejersker", "Nurses"),
    ("nav.imports", "Importer", "Imports"),
    ("nav.safety_nets", "Sikkerhedsnet", "Safety nets"),
    ("nav.overview", "Overblik", "Overview"),
    ("nav.users", "Brugere", "Users"),
    ("nav.centres", "Callcentre", "Call centres"),
    ("nav.access_log", "Adgangslog", "Access log"),
    ("nav.password", "Skift adgangskode", "Change password"),
    ("nav.logout", "Log ud", "Sign out"),
    // Roles
    ("role.admin", "Administrator", "Admin"),
    ("role.coordinator", "Koordinator", "Coordinator"),
    ("role.nurse", "Sygeplejerske", "Nurse"),
    // Actions and forms
    ("action.edit", "Redigér", "Edit"),
    ("action.save", "Gem", "Save"),
    ("action.create", "Opret", "Create"),
    ("form.required", "Skal udfyldes.", "Required."),
    // Errors
    ("error.400.title", "Ugyldig forespørgsel", "Bad request"),
    (
        "error.400.text",
        "Forespørgslen kunne ikke forstås.",
        "The request could not be understood.",
    ),
    (
        "text.too_long_line",
        "Teksten er for lang: højst 500 tegn.",
        "The text is too long: at most 500 characters.",
    ),
    (
        "text.too_long_text",
        "Teksten er for lang: højst 10.000 tegn.",
        "The text is too long: at most 10,000 characters.",
    ),
    ("error.403.title", "Ingen adgang", "No access"),
    ("error.csrf.title", "Formularen var udløbet", "The form had expired"),
    ("error.csrf.text", "Siden blev åbnet, før serveren blev genstartet, eller før du loggede ind igen, så intet er gemt. Brug browserens Tilbage-knap: det, du skrev, står der stadig. Send det så igen.", "The page was opened before the server restarted or before you signed in again, so nothing is saved. Use the browser's Back button: what you typed is still there. Then send it again."),
    (
        "error.403.text",
        "Du har ikke adgang til denne side. Er du logget ind med den rigtige bruger?",
        "You do not have access to this page. Are you signed in as the right person?",
    ),
    ("error.404.title", "Siden findes ikke", "Page not found"),
    (
        "error.404.text",
        "Siden findes ikke, eller den er flyttet.",
        "The page does not exist, or it has moved.",
    ),
    ("error.413.title", "Filen er for stor", "File too large"),
    (
        "error.413.text",
        "Det sendte er større end tilladt.",
        "What was sent is larger than allowed.",
    ),
    ("error.429.title", "For mange forsøg", "Too many attempts"),
    (
        "error.429.text",
        "Vent et øjeblik, og prøv igen.",
        "Wait a moment and try again.",
    ),
    ("error.500.title", "Noget gik galt", "Something went wrong"),
    (
        "error.500.text",
        "Der skete en fejl hos os. Prøv igen; hvis fejlen bliver ved, så giv support hændelsesnummeret.",
        "Something failed on our side. Try again; if it keeps failing, give support the incident id.",
    ),
    ("error.incident", "Hændelsesnummer:", "Incident id:"),
    ("error.home", "Til forsiden", "To the front page"),
];
