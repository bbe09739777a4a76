//! The session cookie and the record of sign-in attempts (sessions themselves are kept by
//! `web::auth`).

use axum_extra::extract::cookie::{Cookie, SameSite};
use sqlx::PgExecutor;

use crate::web::auth::session_cookie_name;

/// Failed attempts on one account within `LOCK_WINDOW_MINUTES` that lock it for that long.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const LOCK_WINDOW_MINUTES: i32 = 15;
/// Failed attempts from one address within `ADDRESS_WINDOW_MINUTES` before it gets 429.
/// Successes never count: a hospital's colleagues often share one address behind its proxy.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const ADDRESS_WINDOW_MINUTES: i32 = 5;

/// The session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` over HTTPS; no `Max-Age`, so it
/// dies with the browser, and the server ends it sooner on idle or absolute timeout.
pub fn cookie(id: String, https: bool) -> Cookie<'static> {
    Cookie::build((session_cookie_name(https), id))
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Lax)
        .build()
}

/// Records one sign-in attempt (never the password).
pub async fn record_attempt(
    db: impl PgExecutor<'_>,
    email: &str,
    ip: &str,
    succeeded: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into login_attempts (email, ip, succeeded) values ($1, $2, $3)",
        email,
        ip,
        succeeded
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether the account is locked: too many failures since its last success within the window.
pub async fn account_locked(db: impl PgExecutor<'_>, email: &str) -> Result<bool, sqlx::Error> {
    let failures = sqlx::query_scalar!(
        r#"select count(*) as "n!" from login_attempts a
            where a.email = $1 and not a.succeeded
              and a.at > now() - make_interval(mins => $2)
              and a.at > coalesce((select max(at) from login_attempts
                                    where email = $1 and succeeded), '-infinity')"#,
        email,
        LOCK_WINDOW_MINUTES
    )
    .fetch_one(db)
    .await?;
    Ok(failures >= MAX_FAILURES_PER_ACCOUNT)
}

/// Whether one address is guessing: too many failed sign-ins from it within the window.
pub async fn address_hammering(db: impl PgExecutor<'_>, ip: &str) -> Result<bool, sqlx::Error> {
    let failures = sqlx::query_scalar!(
        r#"select count(*) as "n!" from login_attempts
            where ip = $1 and not succeeded and at > now() - make_interval(mins => $2)"#,
        ip,
        ADDRESS_WINDOW_MINUTES
    )
    .fetch_one(db)
    .await?;
    Ok(failures >= MAX_FAILURES_PER_ADDRESS)
}
