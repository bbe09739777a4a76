//! Half-signed-in: the password was right and the second factor is still to come. Kept apart
//! from sessions on purpose: a pending sign-in is no session, so no page opens with it.

use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::PgExecutor;

use crate::web::auth::hash_session_id;

/// How long a person has for the second step before signing in again.
pub const PENDING_MINUTES: i32 = 10;

/// The stage a pending sign-in is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Asked for the code from the app (or a recovery code).
    Code,
    /// Setting up the app: QR code, then the first code.
    Enrol,
    /// The recovery codes were shown; continuing completes the sign-in.
    Finish,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Code => "code",
            Stage::Enrol => "enrol",
            Stage::Finish => "finish",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Stage::Code, Stage::Enrol, Stage::Finish]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// The page of this stage.
    pub fn path(self) -> &'static str {
        match self {
            Stage::Code => "/login/code",
            Stage::Enrol | Stage::Finish => "/login/enrol",
        }
    }
}

/// A live pending sign-in.
#[derive(Clone, Debug)]
pub struct Pending {
    pub user_id: i64,
    pub email: String,
    pub stage: Stage,
}

/// The name of the pending cookie (`__Host-` prefixed over HTTPS).
pub fn cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-coachline_pending"
    } else {
        "coachline_pending"
    }
}

/// Starts a pending sign-in for `user_id`; returns the cookie to set.
pub async fn start(
    db: impl PgExecutor<'_>,
    user_id: i64,
    stage: Stage,
    https: bool,
) -> Result<Cookie<'static>, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let id = hex::encode(bytes);
    sqlx::query!(
        "insert into pending_sign_ins (id_hash, user_id, stage) values ($1, $2, $3)",
        hash_session_id(&id),
        user_id,
        stage.as_str()
    )
    .execute(db)
    .await?;
    Ok(Cookie::build((cookie_name(https), id))
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Strict)
        .build())
}

/// The cookie that removes the pending id from the browser.
pub fn removal(https: bool) -> Cookie<'static> {
    Cookie::build(cookie_name(https)).path("/").build()
}

fn id_of(parts: &Parts, https: bool) -> Option<String> {
    CookieJar::from_headers(&parts.headers)
        .get(cookie_name(https))
        .map(|c| c.value().to_owned())
}

/// The pending sign-in of this request, if it is live (younger than `PENDING_MINUTES`).
pub async fn of_request(
    db: &sqlx::PgPool,
    parts: &Parts,
    https: bool,
    now: DateTime<Utc>,
) -> Result<Option<Pending>, sqlx::Error> {
    let Some(id) = id_of(parts, https) else {
        return Ok(None);
    };
    let row = sqlx::query!(
        r#"select p.user_id, u.email, p.stage
             from pending_sign_ins p join users u on u.id = p.user_id
            where p.id_hash = $1 and u.active
              and p.created_at > $2::timestamptz - make_interval(mins => $3)"#,
        hash_session_id(&id),
        now,
        PENDING_MINUTES
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| {
        Some(Pending {
            user_id: r.user_id,
            email: r.email,
            stage: Stage::parse(&r.stage)?,
        })
    }))
}

/// Moves the pending sign-in of this request to `stage`.
pub async fn set_stage(
    db: impl PgExecutor<'_>,
    parts: &Parts,
    https: bool,
    stage: Stage,
) -> Result<(), sqlx::Error> {
    if let Some(id) = id_of(parts, https) {
        sqlx::query!(
            "update pending_sign_ins set stage = $2 where id_hash = $1",
            hash_session_id(&id),
            stage.as_str()
        )
        .execute(db)
        .await?;
    }
    Ok(())
}

/// Ends every pending sign-in of a person (done, or their second factor was reset).
pub async fn end_all(db: impl PgExecutor<'_>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from pending_sign_ins where user_id = $1", user_id)
        .execute(db)
        .await?;
    Ok(())
}
