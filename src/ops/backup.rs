//! `coachline backup FILE` and `coachline restore FILE`: PostgreSQL's own tools, run against
//! the owner's database (`COACHLINE_MIGRATE_DATABASE_URL`, else `DATABASE_URL`), with the
//! password passed in the environment rather than on a command line other users can read.

use std::path::Path;
use std::process::Command;

use crate::{db, Config};
use anyhow::{bail, Context};

/// Dumps the whole database (schema, data, migration state, rights) into `file`.
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let target = Target::of(config)?;
    if file.exists() {
        bail!(
            "{} exists already; name a new file, so no backup is overwritten",
            file.display()
        );
    }
    let mut command = target.command("pg_dump");
    command.arg("--format=custom").arg("--file").arg(file);
    if let Err(e) = run(command, "pg_dump", &target) {
        // A half-written dump must not pass for a backup.
        let _ = std::fs::remove_file(file);
        return Err(e);
    }
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "Backed up {} into {} ({:.1} MB). Restore it with `coachline restore {}`.",
        target.label,
        file.display(),
        size as f64 / 1e6,
        file.display()
    );
    Ok(())
}

/// Restores `file` into an empty database (created when missing), in one transaction, then
/// migrates it, so a backup from an earlier version comes back upgraded.
pub async fn restore(config: &Config, file: &Path) -> anyhow::Result<()> {
    let target = Target::of(config)?;
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let url = config.migrate_url();
    db::create_database_if_missing(url, &config.db_options).await?;
    let tables: i64 = {
        let pool = db::connect_with(url, &config.db_options).await?;
        let tables = sqlx::query_scalar!(
            r#"select count(*) as "count!" from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p')"#
        )
        .fetch_one(&pool)
        .await?;
        pool.close().await;
        tables
    };
    if tables > 0 {
        bail!(
            "{} already holds {tables} tables: restore into a new, empty database (point \
             COACHLINE_MIGRATE_DATABASE_URL and DATABASE_URL at it), never over the one in use",
            target.label
        );
    }
    let mut command = target.command("pg_restore");
    command
        .args(["--exit-on-error", "--single-transaction"])
        .arg(file);
    run(command, "pg_restore", &target)?;
    db::connect_and_migrate_with(url, &config.db_options)
        .await?
        .close()
        .await;
    println!(
        "Restored {} into {} and brought it to this version's migrations.",
        file.display(),
        target.label
    );
    Ok(())
}

/// The owner's database as PostgreSQL's tools take it.
struct Target {
    /// The URL without its password.
    url: String,
    password: Option<String>,
    ca_file: Option<std::path::PathBuf>,
    /// `host:port/database`, for messages.
    label: String,
}

impl Target {
    fn of(config: &Config) -> anyhow::Result<Self> {
        let mut url = url::Url::parse(config.migrate_url()).context("the database URL cannot be read")?;
        let password = url.password().map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        });
        let _ = url.set_password(None);
        let label = format!(
            "{}:{}{}",
            url.host_str().unwrap_or("localhost"),
            url.port().unwrap_or(5432),
            url.path()
        );
        Ok(Self {
            url: url.to_string(),
            password,
            ca_file: config.db_options.ca_file.clone(),
            label,
        })
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.arg("--dbname").arg(&self.url);
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        if let Some(ca_file) = &self.ca_file {
            command.env("PGSSLROOTCERT", ca_file);
        }
        command
    }
}

fn run(mut command: Command, program: &str, target: &Target) -> anyhow::Result<()> {
    let output = match command.output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{program} is not installed: install PostgreSQL's client programs of the server's major \
             version or newer (Debian: apt-get install postgresql-client)"
        ),
        Err(e) => bail!("{program} could not be started: {e}"),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "{program} failed on {} and changed nothing there. It said:\n{}",
            target.label,
            stderr.trim()
        );
    }
    Ok(())
}
