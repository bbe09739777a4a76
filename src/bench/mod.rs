//! Benchmarks run from the command line (`coachline bench-*`, `coachline seed-load`). They print
//! figures for the README; they are not tests.

pub mod export;
pub mod hostile;
pub mod http;
pub mod import;
pub mod pages;
pub mod seed;

use sqlx::{Connection, PgConnection, PgPool};

/// Peak resident memory of this process since the last reset, in MB (Linux).
pub fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak so each phase is measured on its own.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A fresh, migrated scratch database `name` on the server of `server_url`.
pub async fn scratch_database(server_url: &str, name: &str) -> anyhow::Result<PgPool> {
    let server_url = server_url.trim_end_matches('/');
    let mut admin = PgConnection::connect(&format!("{server_url}/postgres")).await?;
    sqlx::query(&format!("drop database if exists {name} with (force)"))
        .execute(&mut admin)
        .await?;
    Ok(crate::db::connect_and_migrate(&format!("{server_url}/{name}")).await?)
}
