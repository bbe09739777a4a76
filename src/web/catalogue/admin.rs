//! Texts of admin.

/// `(key, Danish, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Call centres
    ("centres.title", "Callcentre", "Call centres"),
    ("centres.code", "Kode", "Code"),
    ("centres.name", "Navn", "Name"),
    ("centres.address", "Adresse", "Address"),
    ("centres.phone", "Telefon", "Phone"),
    (
        "centres.nurses_second_factor",
        "Sygeplejersker logger ind med totrinsbekræftelse",
        "Nurses sign in with two-step sign-in",
    ),
    (
        "centres.nurses_second_factor_hint",
        "Gælder fra sygeplejerskernes næste login. Administratorer, koordinatorer og forskere har det altid.",
        "Applies from the nurses' next sign-in. Admins, coordinators and researchers always have it.",
    ),
    ("centres.users", "Brugere", "Users"),
    ("centres.patients", "Patienter", "Patients"),
    (
        "centres.none",
        "Der er ingen callcentre endnu.",
        "There are no call centres yet.",
    ),
    ("centres.new", "Nyt callcenter", "New call centre"),
    (
        "centre.code_invalid",
        "Koden skal være 2-10 bogstaver eller tal, fx OUH.",
        "The code must be 2-10 letters or digits, e.g. OUH.",
    ),
    (
        "centre.code_taken",
        "Der findes allerede et callcenter med den kode.",
        "A call centre with that code already exists.",
    ),
    // Users
    ("users.title", "Brugere", "Users"),
    ("users.new", "Ny bruger", "New user"),
    ("users.name", "Navn", "Name"),
    ("users.email", "E-mail", "E-mail"),
    ("users.role", "Rolle", "Role"),
    ("users.centre", "Callcenter", "Call centre"),
    (
        "users.centre_hint",
        "Sygeplejersker og koordinatorer hører til ét callcenter.",
        "Nurses and coordinators belong to one call centre.",
    ),
    ("users.capacity", "Kapacitet", "Capacity"),
    (
        "users.capacity_hint",
        "Højst antal aktive patienter (kun sygeplejersker).",
        "Most active patients (nurses only).",
    ),
    ("users.caseload", "Patienter", "Caseload"),
    ("users.state", "Status", "State"),
    ("users.active", "Aktiv", "Active"),
    ("users.inactive", "Deaktiveret", "Deactivated"),
    (
        "users.is_inactive",
        "Brugeren er deaktiveret og kan ikke logge ind.",
        "This user is deactivated and cannot sign in.",
    ),
    ("users.password", "Adgangskode", "Password"),
    ("users.reset_password", "Nulstil adgangskode", "Reset password"),
    ("users.second_factor", "Totrinsbekræftelse", "Two-step sign-in"),
    (
        "users.second_factor_on",
        "Personen logger ind med en kode fra en godkendelsesapp.",
        "The person signs in with a code from an authenticator app.",
    ),
    (
        "users.second_factor_off",
        "Ikke sat op. Administratorer, koordinatorer og forskere sætter den op ved næste login; sygeplejersker, hvis deres center kræver det.",
        "Not set up. Admins, coordinators and researchers set it up at their next sign-in; nurses if their centre asks for it.",
    ),
    (
        "users.second_factor_reset_hint",
        "Ved mistet telefon: fjerner app og gendannelseskoder og logger personen ud. Det skrives i adgangsloggen.",
        "For a lost phone: removes the app and the recovery codes and signs the person out. It is written to the access log.",
    ),
    ("users.second_factor_reset", "Nulstil totrinsbekræftelse", "Reset two-step sign-in"),
    ("users.deactivate", "Deaktivér bruger", "Deactivate user"),
    (
        "users.deactivate_text",
        "En deaktiveret bruger kan ikke logge ind, og alle brugerens sessioner afsluttes.",
        "A deactivated user cannot sign in, and all their sessions end.",
    ),
    ("users.reactivate", "Genaktivér bruger", "Reactivate user"),
    (
        "user.email_invalid",
        "Skriv en gyldig e-mailadresse.",
        "Enter a valid e-mail address.",
    ),
    (
        "user.email_taken",
        "Der findes allerede en bruger med den e-mail.",
        "A user with that e-mail already exists.",
    ),
    ("user.role_invalid", "Vælg en rolle.", "Pick a role."),
    (
        "user.centre_required",
        "Vælg callcenter for sygeplejersker og koordinatorer.",
        "Pick a call centre for nurses and coordinators.",
    ),
    (
        "user.capacity_invalid",
        "Kapaciteten skal være et helt tal fra 0 til 500.",
        "Capacity must be a whole number from 0 to 500.",
    ),
];
