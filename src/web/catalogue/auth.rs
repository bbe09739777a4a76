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
    // Passwords
    ("password.title", "Skift adgangskode", "Change password"),
    ("password.current", "Nuværende adgangskode", "Current password"),
    ("password.new", "Ny adgangskode", "New password"),
    ("password.repeat", "Gentag ny adgangskode", "Repeat new password"),
    ("password.submit", "Skift adgangskode", "Change password"),
    ("password.rule", "Mindst 12 tegn.", "At least 12 characters."),
    (
        "password.too_short",
        "Adgangskoden skal have mindst 12 tegn.",
        "The password must have at least 12 characters.",
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
];
