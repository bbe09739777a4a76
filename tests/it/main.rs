//! Integration tests: the real router on a fresh PostgreSQL database per test.

mod helpers;

mod admin;
mod auth;
mod browser;
mod centre;
mod cli;
mod demo;
mod import_cli;
mod imports;
mod language;
mod patients;
mod schema;
mod security;
