//! Integration tests: the real router on a fresh PostgreSQL database per test.

mod helpers;

mod access_log;
mod admin;
mod auth;
mod browser;
mod cli;
mod demo;
mod evaluation_browser;
mod import_cli;
mod imports;
mod language;
mod patients;
mod questionnaires;
mod randomisation;
mod research;
mod schema;
mod security;
