//! Settings from the environment, with safe defaults for local use.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};
use rand::RngCore;

/// The default database for local use: the local PostgreSQL with trust auth.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/coachline";

const DEFAULT_STATIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/static");

/// Everything the running application is configured with.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: the application role the server connects as (owns nothing).
    pub database_url: String,
    /// `COACHLINE_MIGRATE_DATABASE_URL`: the role that owns the tables and runs the migrations
    /// (default: `DATABASE_URL`, for a development database).
    pub migrate_database_url: Option<String>,
    /// `COACHLINE_DEV_DATABASE=true`: allows serving as a superuser or the tables' owner, which
    /// could change history; for a development database only.
    pub dev_database: bool,
    /// `COACHLINE_BIND`, e.g. `127.0.0.1:8080`.
    pub bind: SocketAddr,
    /// `COACHLINE_SECRET`: keys the CSRF tokens (and later pseudonyms). At least 32 bytes.
    pub secret: Vec<u8>,
    /// `COACHLINE_HTTPS=true`: `Secure` + `__Host-` cookies and HSTS.
    pub https: bool,
    /// `COACHLINE_IDLE_MINUTES`: a session unused this long ends (default 30).
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, used or not (12 hours).
    pub absolute_timeout: Duration,
    /// `COACHLINE_REQUEST_TIMEOUT_SECONDS` (default 60).
    pub request_timeout: Duration,
    /// `COACHLINE_STATIC_DIR`: where `/static` is served from (default: the source tree's).
    pub static_dir: String,
    /// `COACHLINE_TRUSTED_PROXY_HEADER`, e.g. `X-Forwarded-For`: where a trusted proxy names the
    /// browser's address. Believed only from `trusted_proxies`.
    pub trusted_proxy_header: Option<axum::http::HeaderName>,
    /// `COACHLINE_TRUSTED_PROXIES`: the reverse proxies' addresses, separated by commas.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `COACHLINE_PSEUDONYM_KEY`: keys the research export's pseudonyms (HMAC-SHA256 of the CPR
    /// number). Kept outside the database so the export cannot be linked back without it.
    pub pseudonym_key: Vec<u8>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("https", &self.https)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads the configuration from environment variables.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let bind = var("COACHLINE_BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned())
            .parse()
            .context("COACHLINE_BIND must look like 127.0.0.1:8080")?;
        let secret = match var("COACHLINE_SECRET") {
            Some(s) if s.len() >= 32 => s.into_bytes(),
            Some(_) => bail!("COACHLINE_SECRET must be at least 32 characters long"),
            None => {
                tracing::warn!(
                    "COACHLINE_SECRET is not set; using a random secret for this run only \
                     (second factors set up now will not open after a restart)"
                );
                random_secret()
            }
        };
        let flag = |name: &str| matches!(var(name).as_deref(), Some("true" | "1" | "yes"));
        let https = flag("COACHLINE_HTTPS");
        let minutes = |name: &str, default: u64| -> anyhow::Result<u64> {
            var(name).map_or(Ok(default), |v| {
                v.parse()
                    .with_context(|| format!("{name} must be a whole number"))
            })
        };
        let trusted_proxy_header = var("COACHLINE_TRUSTED_PROXY_HEADER")
            .map(|h| h.trim().parse::<axum::http::HeaderName>())
            .transpose()
            .context("COACHLINE_TRUSTED_PROXY_HEADER must be a header name like X-Forwarded-For")?;
        let trusted_proxies = var("COACHLINE_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<std::net::IpAddr>, _>>()
            .context("COACHLINE_TRUSTED_PROXIES must be IP addresses separated by commas")?;
        if trusted_proxy_header.is_some() && trusted_proxies.is_empty() {
            bail!("COACHLINE_TRUSTED_PROXY_HEADER needs COACHLINE_TRUSTED_PROXIES: the proxies whose header is believed");
        }
        Ok(Self {
            database_url,
            trusted_proxy_header,
            trusted_proxies,
            migrate_database_url: var("COACHLINE_MIGRATE_DATABASE_URL"),
            dev_database: flag("COACHLINE_DEV_DATABASE"),
            bind,
            secret,
            https,
            idle_timeout: Duration::from_secs(60 * minutes("COACHLINE_IDLE_MINUTES", 30)?),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            request_timeout: Duration::from_secs(minutes("COACHLINE_REQUEST_TIMEOUT_SECONDS", 60)?),
            static_dir: var("COACHLINE_STATIC_DIR").unwrap_or_else(|| DEFAULT_STATIC_DIR.to_owned()),
            pseudonym_key: match var("COACHLINE_PSEUDONYM_KEY") {
                Some(s) if s.len() >= 32 => s.into_bytes(),
                Some(_) => bail!("COACHLINE_PSEUDONYM_KEY must be at least 32 characters long"),
                None => {
                    // Pseudonyms must be stable across exports: a random key would break that
                    // silently, so without a key the export is refused instead.
                    Vec::new()
                }
            },
        })
    }

    /// A configuration for tests: a fixed secret, plain HTTP.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_owned(),
            migrate_database_url: None,
            dev_database: true,
            trusted_proxy_header: None,
            trusted_proxies: Vec::new(),
            bind: "127.0.0.1:0".parse().expect("valid address"),
            secret: b"coachline-test-secret-0123456789abcdef".to_vec(),
            https: false,
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            request_timeout: Duration::from_secs(60),
            static_dir: DEFAULT_STATIC_DIR.to_owned(),
            pseudonym_key: b"coachline-test-pseudonym-key-0123456789".to_vec(),
        }
    }
}

impl Config {
    /// The URL migrations run with: the owner's, else `DATABASE_URL`.
    pub fn migrate_url(&self) -> &str {
        self.migrate_database_url.as_deref().unwrap_or(&self.database_url)
    }
}

fn random_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes).into_bytes()
}
