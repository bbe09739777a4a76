//! The catalogue: every user-facing text, in Danish and English, one file per area.
//! Tests check that every key used in `src/` and `templates/` is here, once.

mod admin;
mod auth;
mod calendar;
mod centre;
mod common;
mod consent;
mod follow_up;
mod home;
mod imports;
mod invitations;
mod letters;
mod messaging;
mod nurse;
mod patients;
mod records;
mod research;
mod trial;

/// Every area's texts, `(key, Danish, English)`.
pub const AREAS: &[&[(&str, &str, &str)]] = &[
    common::ENTRIES,
    auth::ENTRIES,
    admin::ENTRIES,
    imports::ENTRIES,
    patients::ENTRIES,
    home::ENTRIES,
    nurse::ENTRIES,
    centre::ENTRIES,
    invitations::ENTRIES,
    letters::ENTRIES,
    research::ENTRIES,
    records::ENTRIES,
    follow_up::ENTRIES,
    calendar::ENTRIES,
    messaging::ENTRIES,
    trial::ENTRIES,
    consent::ENTRIES,
];
