//! Texts of auth.

/// `(key, Danish, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Signing in
    ("login.title", "Log ind", "Sign in"),
    ("login.email", "E-mail", "E-mail"),
    ("login.password", "Adgangskode", "Password"),
    ("login.submit", "Log ind", "Sign in"),
    (
        "login.failed",
        "Forkert e-mail eller adgangskode.",
        "Wrong e-mail or password.",
    ),
    (
        "login.locked",
        "For mange mislykkede forsøg. Prøv igen om 15 minutter.",
        "Too many failed attempts. Try again in 15 minutes.",
    ),
    (
        "login.too_many_from_address",
        "For mange forsøg fra denne adresse. Vent et par minutter.",
        "Too many attempts from this address. Wait a few minutes.",
    ),
    (
        "login.busy",
        "Mange logger ind lige nu. Prøv igen om et par sekunder.",
        "Many people are signing in right now. Try again in a few seconds.",
    ),
    // Passwords
    ("password.title", "Skift adgangskode", "Change password"),
    ("password.current", "Nuværende adgangskode", "Current password"),
    ("password.new", "Ny adgangskode", "New password"),
    ("password.repeat", "Gentag ny adgangskode", "Repeat new password"),
    ("password.submit", "Skift adgangskode", "Change password"),
    (
        "password.rule",
        "Mindst 12 tegn, og ikke en af de mest brugte adgangskoder.",
        "At least 12 characters, and not one of the most used passwords.",
    ),
    (
        "password.too_short",
        "Adgangskoden skal have mindst 12 tegn.",
        "The password must have at least 12 characters.",
    ),
    (
        "password.too_common",
        "Denne adgangskode er blandt de mest brugte og lækkede. Vælg en anden, fx en sætning kun du kender.",
        "This password is among the most used and leaked ones. Choose another, e.g. a sentence only you know.",
    ),
    (
        "password.mismatch",
        "De to nye adgangskoder er ikke ens.",
        "The two new passwords differ.",
    ),
    (
        "password.current_wrong",
        "Den nuværende adgangskode er forkert.",
        "The current password is wrong.",
    ),
    (
        "password.changed",
        "Adgangskoden er skiftet. Log ind igen med den nye.",
        "Your password is changed. Sign in again with the new one.",
    ),
    // The second factor
    ("second_factor.code_title", "Kode fra din app", "Code from your app"),
    ("second_factor.code", "Kode", "Code"),
    (
        "second_factor.code_hint",
        "De seks cifre din godkendelsesapp viser nu, eller en af dine gendannelseskoder.",
        "The six digits your authenticator app shows now, or one of your recovery codes.",
    ),
    (
        "second_factor.wrong_code",
        "Koden er forkert, udløbet eller allerede brugt. Prøv den næste kode fra appen.",
        "The code is wrong, expired or already used. Try the next code from the app.",
    ),
    ("second_factor.start_over", "Log ind forfra", "Start signing in again"),
    ("second_factor.enrol_title", "Sæt totrinsbekræftelse op", "Set up two-step sign-in"),
    (
        "second_factor.enrol_intro",
        "Din rolle logger ind med en kode fra en godkendelsesapp på din telefon (fx Microsoft Authenticator, Google Authenticator eller FreeOTP) ud over adgangskoden.",
        "Your role signs in with a code from an authenticator app on your phone (e.g. Microsoft Authenticator, Google Authenticator or FreeOTP) as well as the password.",
    ),
    (
        "second_factor.enrol_scan",
        "Scan QR-koden med appen.",
        "Scan the QR code with the app.",
    ),
    ("second_factor.qr_label", "QR-kode til godkendelsesappen", "QR code for the authenticator app"),
    (
        "second_factor.enrol_type",
        "Eller skriv denne nøgle i appen:",
        "Or type this key into the app:",
    ),
    (
        "second_factor.enrol_confirm",
        "Skriv koden, som appen nu viser:",
        "Type the code the app now shows:",
    ),
    ("second_factor.enrol_submit", "Bekræft", "Confirm"),
    ("second_factor.recovery_title", "Dine gendannelseskoder", "Your recovery codes"),
    (
        "second_factor.enrolled",
        "Totrinsbekræftelse er sat op.",
        "Two-step sign-in is set up.",
    ),
    (
        "second_factor.recovery_intro",
        "Hvis du mister telefonen, kan du logge ind med en af disse koder, hver kun én gang. Skriv dem ned eller print dem, og gem dem et sikkert sted. De vises kun denne ene gang.",
        "If you lose your phone you can sign in with one of these codes, each only once. Write them down or print them and keep them somewhere safe. They are shown only this once.",
    ),
    (
        "second_factor.recovery_shown_once",
        "Gendannelseskoderne blev vist én gang og vises ikke igen. Har du ikke gemt dem, kan en administrator nulstille din totrinsbekræftelse.",
        "The recovery codes were shown once and are not shown again. If you did not keep them, an admin can reset your two-step sign-in.",
    ),
    ("second_factor.recovery_continue", "Jeg har gemt koderne – fortsæt", "I have kept the codes – continue"),
];
