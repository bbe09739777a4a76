//! The connection pool: create the database if it is missing, then migrate.

use std::time::Duration;

use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Postgres;

use crate::Config;

/// Why the database could not be used, in words for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "PostgreSQL is not reachable at {0}. Start it (for example `sudo service postgresql start`, \
         or `docker compose up -d db`) or point DATABASE_URL at a running server."
    )]
    Unreachable(String),
    #[error(
        "coachline will not serve as a PostgreSQL superuser or as the owner of its tables, because \
         that role could rewrite the clinical history: point DATABASE_URL at the application role \
         coachline_app (see the README), or set COACHLINE_DEV_DATABASE=true on a development database."
    )]
    OwnerRole,
    #[error("The database could not be prepared: {0}")]
    Other(String),
}

/// Connects to `url`, creating the database if needed and applying every migration.
pub async fn connect_and_migrate(url: &str) -> Result<PgPool, DbError> {
    let host = host_of(url);
    let exists = Postgres::database_exists(url)
        .await
        .map_err(|e| classify(e, &host))?;
    if !exists {
        Postgres::create_database(url)
            .await
            .map_err(|e| classify(e, &host))?;
        tracing::info!("created the database");
    }
    let pool = connect(url).await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Connects to `url` as it is: no database created, nothing migrated.
pub async fn connect(url: &str) -> Result<PgPool, DbError> {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        // No JIT for the application's queries: PostgreSQL's cost estimate for the safety nets
        // (a union of correlated subqueries) passes the JIT threshold, and compiling them took
        // ~1.5 s of a 1.6 s coordinator page, on every view, to save a few milliseconds.
        // Every query here is short and indexed, so JIT never pays for itself.
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::query("set jit = off").execute(conn).await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(|e| classify(e, &host_of(url)))
}

/// Migrates as the owner (`COACHLINE_MIGRATE_DATABASE_URL`), then connects as the application
/// role (`DATABASE_URL`). With one URL for both, that one pool is used.
pub async fn connect_app(config: &Config) -> Result<PgPool, DbError> {
    let owner = connect_and_migrate(config.migrate_url()).await?;
    if config.migrate_url() == config.database_url {
        return Ok(owner);
    }
    owner.close().await;
    connect(&config.database_url).await
}

/// Applies the migrations in `migrations/`, then the application role's rights to every table.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    sqlx::migrate!()
        .run(pool)
        .await
        .map_err(|e| DbError::Other(e.to_string()))?;
    // Returns void, which the checked macros cannot type; nothing is read back.
    sqlx::query("select app_role_grants()")
        .execute(pool)
        .await
        .map_err(|e| DbError::Other(e.to_string()))?;
    Ok(())
}

/// Refuses a connection whose role could change history (a superuser, or a role owning or
/// inheriting the owner of a table) unless this is a development database.
pub async fn refuse_owner_role(pool: &PgPool, dev_database: bool) -> Result<(), DbError> {
    let powerful = sqlx::query_scalar!(
        r#"select (select rolsuper from pg_roles where rolname = current_user)
                  or exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                              where n.nspname = 'public' and c.relkind in ('r', 'p')
                                and pg_has_role(current_user, c.relowner, 'USAGE')) as "powerful!""#
    )
    .fetch_one(pool)
    .await
    .map_err(|e| DbError::Other(e.to_string()))?;
    if powerful && !dev_database {
        return Err(DbError::OwnerRole);
    }
    if powerful {
        tracing::warn!("serving as a role that owns the tables: a development database only");
    }
    Ok(())
}

fn classify(error: sqlx::Error, host: &str) -> DbError {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => DbError::Unreachable(host.to_owned()),
        other => DbError::Other(other.to_string()),
    }
}

/// `host:port` of a database URL, without user or password, for messages.
fn host_of(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_of_hides_credentials() {
        assert_eq!(super::host_of("postgres://u:secret@db:5432/x"), "db:5432");
        assert_eq!(super::host_of("postgres://127.0.0.1/x"), "127.0.0.1");
    }
}
