//! The sign-in page, signing out, the language switch and the health check.

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::password::{self, Password};
use super::pending::{self, Stage};
use super::second_factor::{self, NextStep};
use super::sessions;
use crate::web::auth::{end_session, session_cookie_name, session_id_of};
use crate::web::client_ip::ClientIp;
use crate::web::request::{renewed_csrf_cookie, LANG_COOKIE};
use crate::web::{render, CurrentUser, Lang, Layout, ReqCtx, Result};
use crate::AppState;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    error: Option<&'static str>,
}

/// `GET /`: the signed-in person's home, or the sign-in page.
pub async fn root(State(state): State<AppState>, parts: Parts) -> Redirect {
    let mut parts = parts;
    match CurrentUser::from_request_parts(&mut parts, &state).await {
        Ok(user) => Redirect::to(user.role.home()),
        Err(_) => Redirect::to("/login"),
    }
}

/// `GET /login`: the sign-in form.
pub async fn form(ctx: ReqCtx) -> Result<Response> {
    render(&LoginPage {
        layout: Layout::new(&ctx, None, "/login"),
        email: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

/// `POST /login`: checks the credentials, with lock-out per account and per address.
pub async fn submit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<Credentials>,
) -> Result<Response> {
    let email = form.email.trim().to_lowercase();
    let refuse = |status: StatusCode, key: &'static str| -> Result<Response> {
        let page = LoginPage {
            layout: Layout::new(&ctx, None, "/login"),
            email: form.email.trim().to_owned(),
            error: Some(key),
        };
        let mut response = render(&page)?;
        *response.status_mut() = status;
        Ok(response)
    };
    if sessions::address_hammering(&state.db, &ip).await? {
        tracing::warn!(%ip, "sign-in refused: too many attempts from one address");
        return refuse(StatusCode::TOO_MANY_REQUESTS, "login.too_many_from_address");
    }
    if sessions::account_locked(&state.db, &email).await? {
        sessions::record_attempt(&state.db, &email, &ip, false).await?;
        tracing::warn!(%ip, "sign-in refused: account locked after repeated failures");
        return refuse(StatusCode::TOO_MANY_REQUESTS, "login.locked");
    }
    let user = sqlx::query!(
        "select id, password_hash, active, language, role from users where email = $1",
        email
    )
    .fetch_optional(&state.db)
    .await?;
    let stored = user
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone());
    let ok = match password::verify(Password::typed(form.password.clone()), stored).await {
        Ok(ok) => ok,
        Err(e) if e.is::<password::Busy>() => {
            tracing::warn!("sign-in refused for now: every core is checking passwords");
            let mut response = refuse(StatusCode::SERVICE_UNAVAILABLE, "login.busy")?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            return Ok(response);
        }
        Err(e) => return Err(e.into()),
    };
    let Some(user) = user.filter(|_| ok) else {
        sessions::record_attempt(&state.db, &email, &ip, false).await?;
        tracing::warn!(%ip, "sign-in failed: wrong e-mail or password, or inactive account");
        return refuse(StatusCode::OK, "login.failed");
    };
    // With a second factor to come the person is only half signed in: no session yet, and
    // the success is recorded when the code is right (so guessing codes keeps counting).
    let stage = match second_factor::next_step(&state.db, user.id).await? {
        NextStep::None => None,
        NextStep::Code => Some(Stage::Code),
        NextStep::Enrol => Some(Stage::Enrol),
    };
    if let Some(stage) = stage {
        let cookie = pending::start(&state.db, user.id, stage, state.config.https).await?;
        tracing::info!(user_id = user.id, "password accepted; second factor to come");
        return Ok((jar.add(cookie), Redirect::to(stage.path())).into_response());
    }
    sessions::record_attempt(&state.db, &email, &ip, true).await?;
    begin_session(&state, jar, user.id).await
}

/// Completes a sign-in: a fresh session id (any id the browser had before is ended), the
/// person's language, and their home.
pub(super) async fn begin_session(state: &AppState, jar: CookieJar, user_id: i64) -> Result<Response> {
    if let Some(old) = jar.get(session_cookie_name(state.config.https)) {
        end_session(&state.db, old.value()).await?;
    }
    let user = sqlx::query!("select language, role from users where id = $1", user_id)
        .fetch_one(&state.db)
        .await?;
    let id = crate::web::auth::create_session(&state.db, user_id).await?;
    tracing::info!(user_id, "signed in");
    let csrf = renewed_csrf_cookie(&state.config.secret, state.config.https, Some(&id));
    let mut jar = jar.add(sessions::cookie(id, state.config.https)).add(csrf);
    if let Some(lang) = user.language.as_deref().and_then(Lang::parse) {
        jar = jar.add(lang_cookie(lang, state.config.https));
    }
    let home = crate::web::Role::parse(&user.role).map_or("/", |r| r.home());
    Ok((jar, Redirect::to(home)).into_response())
}

/// `POST /logout`: ends the session so its id can never be used again.
pub async fn logout(State(state): State<AppState>, parts: Parts) -> Result<Response> {
    if let Some(id) = session_id_of(&parts, state.config.https) {
        end_session(&state.db, &id).await?;
    }
    let jar = CookieJar::from_headers(&parts.headers)
        .remove(Cookie::build(session_cookie_name(state.config.https)).path("/"))
        .add(renewed_csrf_cookie(
            &state.config.secret,
            state.config.https,
            None,
        ));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
pub struct LanguageChoice {
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /language`: remembers the chosen language (cookie, and the account when signed in).
pub async fn switch_language(
    State(state): State<AppState>,
    mut parts: Parts,
    Form(choice): Form<LanguageChoice>,
) -> Result<Response> {
    let lang = Lang::parse(&choice.lang).unwrap_or_default();
    if let Ok(user) = CurrentUser::from_request_parts(&mut parts, &state).await {
        super::accounts::set_language(&state.db, user.id, lang).await?;
    }
    // Only local paths, so the switch cannot be used as an open redirect.
    let back = if choice.back.starts_with('/') && !choice.back.starts_with("//") {
        choice.back
    } else {
        "/".to_owned()
    };
    let jar = CookieJar::new().add(lang_cookie(lang, state.config.https));
    Ok((jar, Redirect::to(&back)).into_response())
}

fn lang_cookie(lang: Lang, https: bool) -> Cookie<'static> {
    Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .secure(https)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build()
}

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query_scalar!("select 1 as \"one!\"")
        .fetch_one(&state.db)
        .await
    {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
