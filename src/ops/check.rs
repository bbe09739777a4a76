//! `coachline check`: the version, the configuration, and what the database says (TLS, roles,
//! migrations), one line each, without changing anything. Exits non-zero on a problem, so it
//! fits a deployment script or a container's start.

use std::collections::HashMap;
use std::fmt::Write as _;

use sqlx::PgPool;

use crate::{db, Config};

/// How a finding weighs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Level {
    Ok,
    /// Worth knowing; not wrong in every installation.
    Note,
    /// Must be fixed before production.
    Problem,
}

/// One line of the report.
#[derive(Debug)]
pub struct Finding {
    pub level: Level,
    pub text: String,
}

/// Everything `check` found, in order.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    fn add(&mut self, level: Level, text: impl Into<String>) {
        self.findings.push(Finding {
            level,
            text: text.into(),
        });
    }

    /// Whether anything must be fixed.
    pub fn has_problems(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Problem)
    }

    /// The report as printed.
    pub fn render(&self) -> String {
        let mut out = format!("coachline {}\n", env!("CARGO_PKG_VERSION"));
        for f in &self.findings {
            let mark = match f.level {
                Level::Ok => "ok     ",
                Level::Note => "note   ",
                Level::Problem => "PROBLEM",
            };
            let _ = writeln!(out, "{mark} {}", f.text);
        }
        out
    }
}

/// `coachline check`: prints the report; an error when it holds a problem.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let report = check(config).await;
    print!("{}", report.render());
    if report.has_problems() {
        anyhow::bail!("the check found problems (marked PROBLEM above)");
    }
    Ok(())
}

/// Checks the configuration, then the database as the server would use it.
pub async fn check(config: &Config) -> Report {
    let mut report = Report::default();
    configuration(config, &mut report);
    match db::connect_with(&config.database_url, &config.db_options).await {
        Ok(pool) => {
            if let Err(e) = database(config, &pool, &mut report).await {
                report.add(Level::Problem, format!("the database could not be read: {e}"));
            }
            pool.close().await;
        }
        Err(e) => report.add(Level::Problem, format!("DATABASE_URL: {e}")),
    }
    if config.migrate_database_url.is_some() {
        match db::connect_with(config.migrate_url(), &config.db_options).await {
            Ok(pool) => {
                let user: Option<String> = sqlx::query_scalar!("select current_user::text")
                    .fetch_one(&pool)
                    .await
                    .ok()
                    .flatten();
                let user = user.unwrap_or_default();
                report.add(
                    Level::Ok,
                    format!("COACHLINE_MIGRATE_DATABASE_URL connects as {user} (migrations run as it)"),
                );
                pool.close().await;
            }
            Err(e) => report.add(Level::Problem, format!("COACHLINE_MIGRATE_DATABASE_URL: {e}")),
        }
    }
    report
}

fn configuration(config: &Config, report: &mut Report) {
    if config.secret_generated {
        report.add(
            Level::Problem,
            "COACHLINE_SECRET is not set: sign-in tokens and second factors would not survive a restart",
        );
    } else {
        report.add(Level::Ok, "COACHLINE_SECRET is set");
    }
    let loopback = config.bind.ip().is_loopback();
    match (config.https, loopback) {
        (true, _) => report.add(Level::Ok, "COACHLINE_HTTPS=true: secure cookies and HSTS"),
        (false, true) => report.add(
            Level::Note,
            format!(
                "COACHLINE_HTTPS is not true: fine on {} behind nothing, but set it behind a TLS proxy",
                config.bind
            ),
        ),
        (false, false) => report.add(
            Level::Problem,
            format!(
                "COACHLINE_BIND {} is reachable from other machines but COACHLINE_HTTPS is not true: \
                 serve through a TLS reverse proxy and set COACHLINE_HTTPS=true",
                config.bind
            ),
        ),
    }
    if config.dev_database {
        report.add(
            Level::Problem,
            "COACHLINE_DEV_DATABASE=true lets the server run as a role that could rewrite history",
        );
    }
    if config.pseudonym_key.is_empty() {
        report.add(
            Level::Note,
            "COACHLINE_PSEUDONYM_KEY is not set: the research export is refused",
        );
    }
    match (&config.metrics_token, config.metrics_bind) {
        (None, None) => report.add(
            Level::Note,
            "/metrics is off (set COACHLINE_METRICS_TOKEN or COACHLINE_METRICS_BIND)",
        ),
        (_, Some(bind)) if !bind.ip().is_loopback() => report.add(
            Level::Note,
            format!("/metrics is served without a token on {bind}: keep that address private"),
        ),
        _ => report.add(Level::Ok, "/metrics is protected"),
    }
    if let Some(dir) = &config.static_dir {
        if std::path::Path::new(dir).join("app.css").is_file() {
            report.add(
                Level::Note,
                format!("COACHLINE_STATIC_DIR: serving /static from {dir}"),
            );
        } else {
            report.add(
                Level::Problem,
                format!("COACHLINE_STATIC_DIR={dir} has no app.css: pages would have no style"),
            );
        }
    }
}

async fn database(config: &Config, pool: &PgPool, report: &mut Report) -> Result<(), sqlx::Error> {
    let who = sqlx::query!(
        r#"select current_user::text as "user!", current_database()::text as "database!",
                  current_setting('server_version') as "version!",
                  (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as "ssl?",
                  (select version from pg_stat_ssl where pid = pg_backend_pid()) as "tls_version?",
                  inet_server_addr() is null or host(inet_server_addr()) in ('127.0.0.1', '::1') as "local!""#
    )
    .fetch_one(pool)
    .await?;
    report.add(
        Level::Ok,
        format!(
            "DATABASE_URL connects to {} on PostgreSQL {} as {}",
            who.database, who.version, who.user
        ),
    );
    match (who.ssl.unwrap_or(false), who.local) {
        (true, _) => report.add(
            Level::Ok,
            format!(
                "the connection is encrypted ({})",
                who.tls_version.unwrap_or_default()
            ),
        ),
        (false, true) => report.add(Level::Note, "the connection is not encrypted (a local server)"),
        (false, false) => report.add(
            Level::Problem,
            "the connection to a remote server is not encrypted: add sslmode=verify-full to the URLs \
             (and COACHLINE_DATABASE_CA_FILE for your own CA)",
        ),
    }
    roles(config, pool, report).await?;
    migrations(pool, report).await
}

async fn roles(config: &Config, pool: &PgPool, report: &mut Report) -> Result<(), sqlx::Error> {
    let powerful = db::could_change_history(pool)
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    match (powerful, config.dev_database) {
        (false, _) => report.add(
            Level::Ok,
            "the server's role owns no table and is no superuser: it cannot change history",
        ),
        (true, true) => report.add(
            Level::Note,
            "the server's role owns the tables or is a superuser (allowed: COACHLINE_DEV_DATABASE)",
        ),
        (true, false) => report.add(Level::Problem, db::DbError::OwnerRole.to_string()),
    }
    let app_role = sqlx::query_scalar!(
        r#"select exists (select 1 from pg_roles where rolname = 'coachline_app') as "exists!""#
    )
    .fetch_one(pool)
    .await?;
    if !app_role {
        report.add(
            Level::Problem,
            "the role coachline_app does not exist: create the roles with tools/create-roles.sql",
        );
    }
    Ok(())
}

async fn migrations(pool: &PgPool, report: &mut Report) -> Result<(), sqlx::Error> {
    let has_table =
        sqlx::query_scalar!(r#"select to_regclass('public._sqlx_migrations') is not null as "exists!""#)
            .fetch_one(pool)
            .await?;
    let known: HashMap<i64, &[u8]> = db::MIGRATIONS
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| (m.version, &*m.checksum))
        .collect();
    if !has_table {
        report.add(
            Level::Note,
            format!(
                "the database is empty: `coachline migrate` (or the next start) applies all {} migrations",
                known.len()
            ),
        );
        return Ok(());
    }
    // The bookkeeping table is sqlx's own, so it is read unchecked.
    let applied: Vec<(i64, bool, Vec<u8>)> =
        sqlx::query_as("select version, success, checksum from _sqlx_migrations order by version")
            .fetch_all(pool)
            .await?;
    let unknown: Vec<i64> = applied
        .iter()
        .filter(|(v, _, _)| !known.contains_key(v))
        .map(|(v, _, _)| *v)
        .collect();
    let failed: Vec<i64> = applied
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(v, _, _)| *v)
        .collect();
    let changed: Vec<i64> = applied
        .iter()
        .filter(|(v, _, sum)| known.get(v).is_some_and(|k| *k != sum.as_slice()))
        .map(|(v, _, _)| *v)
        .collect();
    let pending = known
        .keys()
        .filter(|v| !applied.iter().any(|(a, _, _)| a == *v))
        .count();
    let latest = applied.last().map_or(0, |(v, _, _)| *v);
    if !unknown.is_empty() {
        report.add(Level::Problem, db::DbError::NewerDatabase(unknown[0]).to_string());
    }
    if !failed.is_empty() {
        report.add(Level::Problem, format!("migrations {failed:?} failed part-way"));
    }
    if !changed.is_empty() {
        report.add(
            Level::Problem,
            format!("migrations {changed:?} differ from the ones applied (edited after they ran)"),
        );
    }
    if pending > 0 {
        report.add(
            Level::Note,
            format!(
                "{pending} of {} migrations are still to apply; the next start (or `coachline migrate`) \
                 applies them: take a backup first",
                known.len()
            ),
        );
    } else if unknown.is_empty() {
        report.add(
            Level::Ok,
            format!("all {} migrations are applied (latest {latest})", known.len()),
        );
    }
    Ok(())
}
