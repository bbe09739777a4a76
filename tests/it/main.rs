//! Integration tests: the real router on a fresh PostgreSQL database per test.

mod helpers;

mod admin;
mod auth;
mod browser;
mod cli;
mod demo;
mod language;
mod security;
