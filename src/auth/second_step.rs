//! The second step of signing in: the code from the authenticator app (or a recovery code),
//! and, for a person who must have one and has none yet, setting up the app.

use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use serde::Deserialize;

use super::login::begin_session;
use super::pending::{self, Pending, Stage};
use super::second_factor::{self, Verified};
use super::sessions;
use super::totp::Secret;
use crate::web::client_ip::ClientIp;
use crate::web::{render, AppError, Layout, ReqCtx, Result};
use crate::AppState;

#[derive(Template)]
#[template(path = "auth/code.html")]
struct CodePage {
    layout: Layout,
    code: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "auth/enrol.html")]
struct EnrolPage {
    layout: Layout,
    qr_svg: String,
    secret_text: String,
    sealed: String,
    code: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "auth/recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    codes: Vec<String>,
}

/// The code as typed.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The first code of a new app, with the sealed secret the page showed.
#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    sealed: String,
    #[serde(default)]
    code: String,
}

/// The pending sign-in at `stage`, or where the person should be instead.
async fn pending_at(state: &AppState, parts: &Parts, stage: Stage) -> Result<Result<Pending, Response>> {
    let https = state.config.https;
    match pending::of_request(&state.db, parts, https, Utc::now()).await? {
        Some(p) if p.stage == stage => Ok(Ok(p)),
        Some(p) => Ok(Err(Redirect::to(p.stage.path()).into_response())),
        None => Ok(Err(Redirect::to("/login").into_response())),
    }
}

/// Refuses a code while the account is locked by failed attempts (passwords or codes).
async fn locked(state: &AppState, pending: &Pending) -> Result<bool> {
    Ok(sessions::account_locked(&state.db, &pending.email).await?)
}

fn with_status(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    response
}

/// `GET /login/code`: asks for the code from the app.
pub async fn code_form(State(state): State<AppState>, ctx: ReqCtx, parts: Parts) -> Result<Response> {
    if let Err(elsewhere) = pending_at(&state, &parts, Stage::Code).await? {
        return Ok(elsewhere);
    }
    render(&CodePage {
        layout: Layout::new(&ctx, None, "/login/code"),
        code: String::new(),
        error: None,
    })
}

/// `POST /login/code`: a right code (never one used before) completes the sign-in; a wrong one
/// counts as a failed sign-in towards the account's lock.
pub async fn code_submit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    parts: Parts,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let pending = match pending_at(&state, &parts, Stage::Code).await? {
        Ok(p) => p,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let page = |error| CodePage {
        layout: Layout::new(&ctx, None, "/login/code"),
        code: form.code.trim().to_owned(),
        error: Some(error),
    };
    if locked(&state, &pending).await? {
        tracing::warn!(%ip, user_id = pending.user_id, "second step refused: account locked");
        return Ok(with_status(
            render(&page("login.locked"))?,
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let secret = &state.config.secret;
    match second_factor::verify(&state.db, secret, pending.user_id, &form.code, Utc::now()).await? {
        Verified::No => {
            sessions::record_attempt(&state.db, &pending.email, &ip, false).await?;
            tracing::warn!(%ip, user_id = pending.user_id, "second step failed: wrong or used code");
            render(&page("second_factor.wrong_code"))
        }
        verified => {
            if verified == Verified::RecoveryCode {
                tracing::info!(user_id = pending.user_id, "signed in with a recovery code");
            }
            finish(&state, jar, &pending, &ip).await
        }
    }
}

/// Ends the pending sign-in and begins the session.
async fn finish(state: &AppState, jar: CookieJar, pending: &Pending, ip: &str) -> Result<Response> {
    pending::end_all(&state.db, pending.user_id).await?;
    sessions::record_attempt(&state.db, &pending.email, ip, true).await?;
    let jar = jar.add(pending::removal(state.config.https));
    begin_session(state, jar, pending.user_id).await
}

fn enrol_page(
    state: &AppState,
    ctx: &ReqCtx,
    pending: &Pending,
    secret: &Secret,
    code: String,
    error: Option<&'static str>,
) -> EnrolPage {
    EnrolPage {
        layout: Layout::new(ctx, None, "/login/enrol"),
        qr_svg: secret.qr_svg(&pending.email),
        secret_text: secret.base32_grouped(),
        sealed: hex::encode(secret.seal(&state.config.secret, pending.user_id)),
        code,
        error,
    }
}

/// `GET /login/enrol`: a new secret as a QR code and as text, and a field for the first code.
pub async fn enrol_form(State(state): State<AppState>, ctx: ReqCtx, parts: Parts) -> Result<Response> {
    let pending = match pending_at(&state, &parts, Stage::Enrol).await? {
        Ok(p) => p,
        Err(_) if pending_at(&state, &parts, Stage::Finish).await?.is_ok() => {
            // The codes were shown once; they are not shown again.
            return render(&RecoveryCodesPage {
                layout: Layout::new(&ctx, None, "/login/enrol"),
                codes: Vec::new(),
            });
        }
        Err(elsewhere) => return Ok(elsewhere),
    };
    render(&enrol_page(
        &state,
        &ctx,
        &pending,
        &Secret::generate(),
        String::new(),
        None,
    ))
}

/// `POST /login/enrol`: the first code confirms the app; the recovery codes are shown once.
pub async fn enrol_submit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ClientIp(ip): ClientIp,
    parts: Parts,
    Form(form): Form<EnrolForm>,
) -> Result<Response> {
    let pending = match pending_at(&state, &parts, Stage::Enrol).await? {
        Ok(p) => p,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let secret = hex::decode(form.sealed.trim())
        .ok()
        .and_then(|sealed| Secret::open(&state.config.secret, pending.user_id, &sealed))
        .ok_or(AppError::BadRequest)?;
    let code = form.code.trim().to_owned();
    if locked(&state, &pending).await? {
        let page = enrol_page(&state, &ctx, &pending, &secret, code, Some("login.locked"));
        return Ok(with_status(render(&page)?, StatusCode::TOO_MANY_REQUESTS));
    }
    let Some(step) = second_factor::confirm_first_code(&secret, &code, Utc::now()) else {
        sessions::record_attempt(&state.db, &pending.email, &ip, false).await?;
        let page = enrol_page(
            &state,
            &ctx,
            &pending,
            &secret,
            code,
            Some("second_factor.wrong_code"),
        );
        return render(&page);
    };
    let mut tx = state.db.begin().await?;
    let sealed = secret.seal(&state.config.secret, pending.user_id);
    let codes = second_factor::enrol(&mut tx, pending.user_id, &sealed, step).await?;
    pending::set_stage(&mut *tx, &parts, state.config.https, Stage::Finish).await?;
    tx.commit().await?;
    tracing::info!(user_id = pending.user_id, "set up a second factor");
    render(&RecoveryCodesPage {
        layout: Layout::new(&ctx, None, "/login/enrol"),
        codes,
    })
}

/// `POST /login/finish`: after the recovery codes were shown, completes the sign-in.
pub async fn finish_enrolment(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    parts: Parts,
) -> Result<Response> {
    let pending = match pending_at(&state, &parts, Stage::Finish).await? {
        Ok(p) => p,
        Err(elsewhere) => return Ok(elsewhere),
    };
    finish(&state, jar, &pending, &ip).await
}
