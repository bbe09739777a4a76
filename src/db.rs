//! The connection pool: create the database if it is missing, then migrate. Every connection
//! honours `sslmode` (and `sslrootcert`) in the URL, `COACHLINE_DATABASE_CA_FILE`, and gives
//! up after the connect timeout with one sentence instead of hanging.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection};

use crate::Config;

/// How connections are made, beyond what the URL says.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// `COACHLINE_DATABASE_CA_FILE`: the CA (PEM) that signed the server's certificate, for
    /// `sslmode=verify-ca` or `verify-full` with a hospital's own CA.
    pub ca_file: Option<PathBuf>,
    /// `COACHLINE_DATABASE_CONNECT_TIMEOUT_SECONDS` (default 10): longest wait for a connection.
    pub connect_timeout: Duration,
    /// `COACHLINE_DATABASE_STATEMENT_TIMEOUT_SECONDS` (default 120, 0 for none): PostgreSQL
    /// cancels a statement of the server's that runs longer. Migrations have none.
    pub statement_timeout: Option<Duration>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            ca_file: None,
            connect_timeout: Duration::from_secs(10),
            statement_timeout: None,
        }
    }
}

impl DbOptions {
    /// The URL's options with the CA file and `application_name` added.
    fn connect_options(&self, url: &str) -> Result<PgConnectOptions, DbError> {
        let mut options = PgConnectOptions::from_str(url)
            .map_err(|e| DbError::Other(format!("the database URL cannot be read: {e}")))?
            .application_name("coachline");
        if let Some(ca_file) = &self.ca_file {
            if !ca_file.is_file() {
                return Err(DbError::Other(format!(
                    "COACHLINE_DATABASE_CA_FILE names {}, which is not a readable file",
                    ca_file.display()
                )));
            }
            options = options.ssl_root_cert(ca_file);
        }
        Ok(options)
    }

    /// The same options for the serving pool: with the statement timeout.
    fn serving(&self, url: &str) -> Result<PgConnectOptions, DbError> {
        let options = self.connect_options(url)?;
        Ok(match self.statement_timeout {
            Some(t) => options.options([("statement_timeout", format!("{}ms", t.as_millis()))]),
            None => options,
        })
    }
}

/// Why the database could not be used, in words for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "PostgreSQL is not reachable at {0}. Start it (for example `sudo service postgresql start`, \
         or `docker compose -f docker-compose.dev.yml up -d`) or point DATABASE_URL at a running server."
    )]
    Unreachable(String),
    #[error(
        "PostgreSQL at {0} did not answer within {1} s: check the host and port in the database URL \
         and any firewall between, or raise COACHLINE_DATABASE_CONNECT_TIMEOUT_SECONDS."
    )]
    NoAnswer(String, u64),
    #[error(
        "The TLS connection to PostgreSQL at {0} failed ({1}): check `sslmode` in the database URL \
         and COACHLINE_DATABASE_CA_FILE."
    )]
    Tls(String, String),
    #[error(
        "coachline will not serve as a PostgreSQL superuser or as the owner of its tables, because \
         that role could rewrite the clinical history: point DATABASE_URL at the application role \
         coachline_app (see the README), or set COACHLINE_DEV_DATABASE=true on a development database."
    )]
    OwnerRole,
    #[error(
        "The database has migration {0}, which this coachline does not know: a newer version has \
         upgraded it. Run that version, or restore the backup taken before the upgrade."
    )]
    NewerDatabase(i64),
    #[error("The database could not be prepared: {0}")]
    Other(String),
}

/// Connects to `url`, creating the database if needed and applying every migration.
pub async fn connect_and_migrate(url: &str) -> Result<PgPool, DbError> {
    connect_and_migrate_with(url, &DbOptions::default()).await
}

/// As `connect_and_migrate`, with the installation's connection options.
pub async fn connect_and_migrate_with(url: &str, options: &DbOptions) -> Result<PgPool, DbError> {
    let connect = options.connect_options(url)?;
    create_if_missing(&connect, options.connect_timeout).await?;
    let pool = pool(connect, options.connect_timeout).await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Creates the URL's database if it does not exist; nothing else.
pub async fn create_database_if_missing(url: &str, options: &DbOptions) -> Result<(), DbError> {
    create_if_missing(&options.connect_options(url)?, options.connect_timeout).await
}

/// Connects to `url` as it is: no database created, nothing migrated.
pub async fn connect(url: &str) -> Result<PgPool, DbError> {
    connect_with(url, &DbOptions::default()).await
}

/// As `connect`, with the installation's options and the statement timeout.
pub async fn connect_with(url: &str, options: &DbOptions) -> Result<PgPool, DbError> {
    let connect = options.serving(url)?;
    // One connection first, so a refused, silent or TLS-failing server is told apart.
    let host = host_of(&connect);
    let first = connect_once(&connect, options.connect_timeout).await?;
    let _ = first.close().await;
    pool(connect, options.connect_timeout).await.map_err(|e| match e {
        DbError::Unreachable(_) => DbError::NoAnswer(host, options.connect_timeout.as_secs()),
        other => other,
    })
}

/// Migrates as the owner (`COACHLINE_MIGRATE_DATABASE_URL`), then connects as the application
/// role (`DATABASE_URL`). With one URL for both, the owner's pool is used.
pub async fn connect_app(config: &Config) -> Result<PgPool, DbError> {
    let owner = connect_and_migrate_with(config.migrate_url(), &config.db_options).await?;
    owner.close().await;
    connect_with(&config.database_url, &config.db_options).await
}

/// How long a pooled connection may sit idle before it is checked again when handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

async fn pool(options: PgConnectOptions, timeout: Duration) -> Result<PgPool, DbError> {
    let host = host_of(&options);
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(timeout)
        // A connection is checked with a round trip before it is handed out only when it has
        // been idle a while, so that one the database dropped (a restart, a failover) is
        // replaced instead of failing a page. sqlx checks every acquisition by default, which
        // doubled the round trips of a page that reads through the pool: a busy server's
        // connections were in use milliseconds ago (32 nurses without pause: 15 % more pages a
        // second). Within that second a dropped connection fails the one statement sent on it.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > IDLE_BEFORE_PING {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
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
        .connect_with(options)
        .await
        .map_err(|e| classify(e, &host))
}

/// One connection, given up after `timeout`.
async fn connect_once(options: &PgConnectOptions, timeout: Duration) -> Result<PgConnection, DbError> {
    let host = host_of(options);
    match tokio::time::timeout(timeout, PgConnection::connect_with(options)).await {
        Ok(result) => result.map_err(|e| classify(e, &host)),
        Err(_) => Err(DbError::NoAnswer(host, timeout.as_secs())),
    }
}

/// Creates the URL's database when the server says it does not exist (and the role may).
async fn create_if_missing(options: &PgConnectOptions, timeout: Duration) -> Result<(), DbError> {
    let host = host_of(options);
    let error = match tokio::time::timeout(timeout, PgConnection::connect_with(options)).await {
        Err(_) => return Err(DbError::NoAnswer(host, timeout.as_secs())),
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            return Ok(());
        }
        Ok(Err(error)) => error,
    };
    let missing = matches!(&error, sqlx::Error::Database(e) if e.code().as_deref() == Some("3D000"));
    if !missing {
        return Err(classify(error, &host));
    }
    let name = options.get_database().unwrap_or_default().to_owned();
    let mut server = connect_once(&options.clone().database("postgres"), timeout).await?;
    sqlx::query(&format!("create database \"{}\"", name.replace('"', "\"\"")))
        .execute(&mut server)
        .await
        .map_err(|e| {
            DbError::Other(format!(
                "the database {name} does not exist and cannot be created: {e}"
            ))
        })?;
    let _ = server.close().await;
    tracing::info!("created the database");
    Ok(())
}

/// The migrations in `migrations/`, compiled in.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!();

/// Applies the migrations in `migrations/`, then the application role's rights to every table.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    MIGRATIONS.run(pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::VersionMissing(version) => DbError::NewerDatabase(version),
        other => DbError::Other(other.to_string()),
    })?;
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
    let powerful = could_change_history(pool).await?;
    if powerful && !dev_database {
        return Err(DbError::OwnerRole);
    }
    if powerful {
        tracing::warn!("serving as a role that owns the tables: a development database only");
    }
    Ok(())
}

/// Whether the pool's role is a superuser or owns (or inherits the owner of) a table.
pub async fn could_change_history(pool: &PgPool) -> Result<bool, DbError> {
    sqlx::query_scalar!(
        r#"select (select rolsuper from pg_roles where rolname = current_user)
                  or exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                              where n.nspname = 'public' and c.relkind in ('r', 'p')
                                and pg_has_role(current_user, c.relowner, 'USAGE')) as "powerful!""#
    )
    .fetch_one(pool)
    .await
    .map_err(|e| DbError::Other(e.to_string()))
}

fn classify(error: sqlx::Error, host: &str) -> DbError {
    match error {
        // rustls reports a certificate it does not trust as invalid data on the stream.
        sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            DbError::Tls(host.to_owned(), e.to_string())
        }
        sqlx::Error::Io(_) => DbError::Unreachable(host.to_owned()),
        // The pool keeps trying a refused connection until the timeout.
        sqlx::Error::PoolTimedOut => DbError::Unreachable(host.to_owned()),
        sqlx::Error::Tls(e) => DbError::Tls(host.to_owned(), e.to_string()),
        sqlx::Error::Database(e) if e.message().contains("SSL") => {
            DbError::Tls(host.to_owned(), e.to_string())
        }
        sqlx::Error::Protocol(e) if e.contains("TLS") || e.contains("SSL") => {
            DbError::Tls(host.to_owned(), e)
        }
        other => DbError::Other(other.to_string()),
    }
}

/// `host:port` of the connection, without user or password, for messages.
fn host_of(options: &PgConnectOptions) -> String {
    match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    }
}

/// Sets who acts and why for the status history trigger, for the rest of the transaction.
pub async fn set_actor(conn: &mut sqlx::PgConnection, user_id: i64, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "select set_config('coachline.user_id', $1, true) as user_id, set_config('coachline.reason', $2, true) as reason",
        user_id.to_string(),
        reason
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// Whether a database error is a violation of the named constraint (or of a trigger that
/// raises under that name), so a handler can turn it into a message next to the field.
pub fn violates(error: &sqlx::Error, constraint: &str) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.constraint() == Some(constraint))
}

/// Turning one named constraint's violation into an answer instead of an error.
pub trait ResultExt<T> {
    /// `Ok(None)` when the database refused the statement by the constraint (or trigger raising
    /// under that name) `constraint`; other errors stay errors.
    fn on_constraint(self, constraint: &str) -> Result<Option<T>, sqlx::Error>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, constraint: &str) -> Result<Option<T>, sqlx::Error> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(e) if violates(&e, constraint) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::postgres::PgConnectOptions;

    #[test]
    fn host_of_hides_credentials() {
        let host = |url| super::host_of(&PgConnectOptions::from_str(url).unwrap());
        assert_eq!(host("postgres://u:secret@db:5432/x"), "db:5432");
        assert_eq!(host("postgres://127.0.0.1/x"), "127.0.0.1:5432");
    }

    #[test]
    fn the_statement_timeout_goes_to_the_server_with_each_connection() {
        let options = super::DbOptions {
            statement_timeout: Some(std::time::Duration::from_secs(60)),
            ..Default::default()
        };
        let serving = options.serving("postgres://db/x").unwrap();
        assert!(serving
            .get_options()
            .unwrap()
            .contains("statement_timeout=60000ms"));
        assert!(options
            .connect_options("postgres://db/x")
            .unwrap()
            .get_options()
            .is_none());
    }
}
