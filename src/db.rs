//! The connection pool: create the database if it is missing, then migrate.

use std::time::Duration;

use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Postgres;

/// Why the database could not be used, in words for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "PostgreSQL is not reachable at {0}. Start it (for example `sudo service postgresql start`, \
         or `docker compose up -d db`) or point DATABASE_URL at a running server."
    )]
    Unreachable(String),
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
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| classify(e, &host))?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Applies the migrations in `migrations/`.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    sqlx::migrate!()
        .run(pool)
        .await
        .map_err(|e| DbError::Other(e.to_string()))
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
