//! Settings from the environment, with safe defaults for local use.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};
use rand::RngCore;
use rustls_pki_types::pem::PemObject;

/// The default database for local use: the local PostgreSQL with trust auth.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/coachline";

/// The base of the fullUrls in FHIR messages when `COACHLINE_FHIR_BASE` is not set.
pub const DEFAULT_FHIR_BASE: &str = "https://coachline.invalid/fhir";

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
    /// True when `COACHLINE_SECRET` was not set and `secret` is random for this run only;
    /// `serve` and `demo` say so (`warn_about_secret`).
    pub secret_generated: bool,
    /// How the database is reached: CA file, connect and statement timeouts.
    pub db_options: crate::db::DbOptions,
    /// `COACHLINE_METRICS_TOKEN`: `/metrics` answers a request bearing this token.
    pub metrics_token: Option<String>,
    /// `COACHLINE_METRICS_BIND`: a second address serving only `/metrics`, without a token
    /// (keep it private: a loopback or internal address).
    pub metrics_bind: Option<SocketAddr>,
    /// `COACHLINE_HTTPS=true`: `Secure` + `__Host-` cookies and HSTS.
    pub https: bool,
    /// `COACHLINE_IDLE_MINUTES`: a session unused this long ends (default 30).
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, used or not (12 hours).
    pub absolute_timeout: Duration,
    /// `COACHLINE_REQUEST_TIMEOUT_SECONDS` (default 60).
    pub request_timeout: Duration,
    /// `COACHLINE_STATIC_DIR`: a directory to serve `/static` from instead of the files compiled
    /// into the binary.
    pub static_dir: Option<String>,
    /// `COACHLINE_TRUSTED_PROXY_HEADER`, e.g. `X-Forwarded-For`: where a trusted proxy names the
    /// browser's address. Believed only from `trusted_proxies`.
    pub trusted_proxy_header: Option<axum::http::HeaderName>,
    /// `COACHLINE_TRUSTED_PROXIES`: the reverse proxies' addresses, separated by commas.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `COACHLINE_PSEUDONYM_KEY`: keys the research export's pseudonyms (HMAC-SHA256 of the CPR
    /// number). Kept outside the database so the export cannot be linked back without it.
    pub pseudonym_key: Vec<u8>,
    /// Where outgoing messages are delivered and incoming ones picked up.
    pub messaging: MessagingConfig,
}

/// `COACHLINE_MEDCOM_*`, `COACHLINE_SMS_*`, `COACHLINE_OUTBOX_*`: how messages leave and arrive.
#[derive(Clone, Default)]
pub struct MessagingConfig {
    /// `COACHLINE_MEDCOM_OUTBOX_DIR`: MedCom messages are written here as files (the usual
    /// hand-off to a region's integration engine), each whole or not at all.
    pub medcom_dir: Option<std::path::PathBuf>,
    /// `COACHLINE_MEDCOM_ENDPOINT`: or POSTed here (`https://`, or `http://` on this machine).
    pub medcom_endpoint: Option<String>,
    /// `COACHLINE_MEDCOM_INBOX_DIR`: replies and acknowledgements dropped here are read.
    pub inbox_dir: Option<std::path::PathBuf>,
    /// `COACHLINE_MEDCOM_QUARANTINE_DIR`: incoming files that cannot be read are moved here
    /// (default: `quarantine` inside the inbox).
    pub quarantine_dir: Option<std::path::PathBuf>,
    /// `COACHLINE_SMS_GATEWAY_URL`: the SMS gateway's base URL (GatewayAPI-style
    /// `POST {url}/rest/mtsms`).
    pub sms_gateway_url: Option<String>,
    /// `COACHLINE_SMS_TOKEN`: the gateway's API token.
    pub sms_token: Option<String>,
    /// `COACHLINE_SMS_SENDER`: the sender name patients see (at most 11 characters).
    pub sms_sender: String,
    /// `COACHLINE_OUTBOX_CA_FILE`: a PEM file of CA certificates (a region's private CA) trusted
    /// for the deliveries over HTTPS, beside the system's roots.
    pub ca_file: Option<std::path::PathBuf>,
    /// `COACHLINE_OUTBOX_POLL_SECONDS`: how often the outbox is worked (default 30).
    pub poll: Duration,
    /// `COACHLINE_FHIR_BASE`: the base of the fullUrls in the FHIR messages sent.
    pub fhir_base: String,
    /// `COACHLINE_INTEGRATION_TOKEN`: the bearer token the integration engine and the SMS
    /// gateway present when they post messages and delivery reports (`/integration/...`).
    pub integration_token: Option<String>,
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
        let (secret, secret_generated) = match var("COACHLINE_SECRET") {
            Some(s) if s.starts_with("change-me") => {
                bail!("COACHLINE_SECRET is still the placeholder: set it to a random value, e.g. `openssl rand -hex 32`")
            }
            Some(s) if s.len() >= 32 => (s.into_bytes(), false),
            Some(_) => bail!("COACHLINE_SECRET must be at least 32 characters long"),
            None => (random_secret(), true),
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
        let metrics_token = match var("COACHLINE_METRICS_TOKEN") {
            Some(t) if t.trim().len() >= 16 => Some(t.trim().to_owned()),
            Some(_) => bail!("COACHLINE_METRICS_TOKEN must be at least 16 characters long"),
            None => None,
        };
        let metrics_bind = var("COACHLINE_METRICS_BIND")
            .map(|b| b.parse())
            .transpose()
            .context("COACHLINE_METRICS_BIND must look like 127.0.0.1:9090")?;
        let seconds = |name: &str, default: u64| -> anyhow::Result<Duration> {
            minutes(name, default).map(Duration::from_secs)
        };
        let db_options = crate::db::DbOptions {
            ca_file: var("COACHLINE_DATABASE_CA_FILE").map(Into::into),
            connect_timeout: seconds("COACHLINE_DATABASE_CONNECT_TIMEOUT_SECONDS", 10)?,
            statement_timeout: Some(seconds("COACHLINE_DATABASE_STATEMENT_TIMEOUT_SECONDS", 120)?)
                .filter(|t| !t.is_zero()),
        };
        let messaging = MessagingConfig {
            medcom_dir: var("COACHLINE_MEDCOM_OUTBOX_DIR").map(Into::into),
            medcom_endpoint: var("COACHLINE_MEDCOM_ENDPOINT"),
            inbox_dir: var("COACHLINE_MEDCOM_INBOX_DIR").map(Into::into),
            quarantine_dir: var("COACHLINE_MEDCOM_QUARANTINE_DIR").map(Into::into),
            sms_gateway_url: var("COACHLINE_SMS_GATEWAY_URL"),
            sms_token: var("COACHLINE_SMS_TOKEN"),
            sms_sender: var("COACHLINE_SMS_SENDER").unwrap_or_else(|| "Sygepleje".to_owned()),
            ca_file: var("COACHLINE_OUTBOX_CA_FILE").map(Into::into),
            poll: seconds("COACHLINE_OUTBOX_POLL_SECONDS", 30)?.max(Duration::from_secs(1)),
            fhir_base: var("COACHLINE_FHIR_BASE").unwrap_or_else(|| DEFAULT_FHIR_BASE.to_owned()),
            integration_token: match var("COACHLINE_INTEGRATION_TOKEN") {
                Some(t) if t.trim().len() >= 32 => Some(t.trim().to_owned()),
                Some(_) => bail!("COACHLINE_INTEGRATION_TOKEN must be at least 32 characters long"),
                None => None,
            },
        };
        for url in [&messaging.medcom_endpoint, &messaging.sms_gateway_url]
            .into_iter()
            .flatten()
        {
            if let Err(why) = delivery_url(url) {
                bail!("COACHLINE_MEDCOM_ENDPOINT / COACHLINE_SMS_GATEWAY_URL: {why}");
            }
        }
        if let Some(path) = &messaging.ca_file {
            read_ca_file(path)
                .map_err(|why| anyhow::anyhow!("COACHLINE_OUTBOX_CA_FILE ({}): {why}", path.display()))?;
        }
        if messaging.sms_sender.chars().count() > 11 {
            bail!("COACHLINE_SMS_SENDER must be at most 11 characters long");
        }
        if trusted_proxy_header.is_some() && trusted_proxies.is_empty() {
            bail!("COACHLINE_TRUSTED_PROXY_HEADER needs COACHLINE_TRUSTED_PROXIES: the proxies whose header is believed");
        }
        Ok(Self {
            database_url,
            messaging,
            trusted_proxy_header,
            trusted_proxies,
            migrate_database_url: var("COACHLINE_MIGRATE_DATABASE_URL"),
            dev_database: flag("COACHLINE_DEV_DATABASE"),
            bind,
            secret,
            secret_generated,
            db_options,
            metrics_token,
            metrics_bind,
            https,
            idle_timeout: Duration::from_secs(60 * minutes("COACHLINE_IDLE_MINUTES", 30)?),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            request_timeout: Duration::from_secs(minutes("COACHLINE_REQUEST_TIMEOUT_SECONDS", 60)?),
            static_dir: var("COACHLINE_STATIC_DIR"),
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
            secret_generated: false,
            db_options: crate::db::DbOptions::default(),
            metrics_token: None,
            metrics_bind: None,
            https: false,
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            request_timeout: Duration::from_secs(60),
            static_dir: None,
            pseudonym_key: b"coachline-test-pseudonym-key-0123456789".to_vec(),
            messaging: MessagingConfig {
                sms_sender: "Sygepleje".to_owned(),
                poll: Duration::from_secs(30),
                fhir_base: DEFAULT_FHIR_BASE.to_owned(),
                ..MessagingConfig::default()
            },
        }
    }
}

impl Config {
    /// The URL migrations run with: the owner's, else `DATABASE_URL`.
    pub fn migrate_url(&self) -> &str {
        self.migrate_database_url.as_deref().unwrap_or(&self.database_url)
    }

    /// Says, for the commands that use the secret (`serve`, `demo`), that it is random.
    pub fn warn_about_secret(&self) {
        if self.secret_generated {
            tracing::warn!(
                "COACHLINE_SECRET is not set; using a random secret for this run only \
                 (second factors set up now will not open after a restart)"
            );
        }
    }
}

/// The rule for where outgoing messages may be sent: `https://` anywhere, plain `http://` only
/// to this machine (a local relay or a test), since a message carries patient data.
pub fn delivery_url(url: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url).map_err(|_| "the configured URL cannot be read".to_owned())?;
    let local = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("the configured URL has no host".to_owned()),
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if local => Ok(parsed),
        "http" => Err("plain http:// is allowed only to this machine (localhost); use https://".to_owned()),
        _ => Err("the configured URL must begin with https://".to_owned()),
    }
}

/// The certificates of a PEM file (`COACHLINE_OUTBOX_CA_FILE`); at least one.
pub fn read_ca_file(
    path: &std::path::Path,
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, String> {
    let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("the configured CA file cannot be read: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the configured CA file is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("the configured CA file holds no certificate".to_owned());
    }
    Ok(certs)
}

fn random_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes).into_bytes()
}
