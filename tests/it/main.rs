//! Integration tests: the real router on a fresh PostgreSQL database per test.

mod helpers;

mod access_log;
mod admin;
mod appointments;
mod auth;
mod break_glass;
mod browser;
mod calls;
mod centre;
mod cli;
mod control_arm;
mod course_counters;
mod course_fixtures;
mod courses;
mod database_roles;
mod demo;
mod evaluation_browser;
mod import_cli;
mod imports;
mod language;
mod nurse_day;
mod passwords;
mod patients;
mod questionnaires;
mod randomisation;
mod record_ties;
mod records;
mod research;
mod safety_nets;
mod schema;
mod second_factor;
mod security;
mod sign_in_limits;
mod spreadsheet_safety;
mod text_limits;
