//! The per-request context every page needs before any handler runs: the language, the CSRF
//! token, and the check of that token on state-changing requests.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::auth::session_cookie_name;
use super::{csrf, AppError, Lang};
use crate::AppState;

/// Cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "coachline_lang";
/// Largest url-encoded form read to find its CSRF token.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// Language and CSRF token of the request, available to every handler.
#[derive(Clone, Debug)]
pub struct ReqCtx {
    pub lang: Lang,
    pub csrf: String,
    /// The application clock's "now", read once for the whole request.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl<S: Send + Sync> FromRequestParts<S> for ReqCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ReqCtx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context layer missing")))
    }
}

/// The name of the CSRF cookie (`__Host-` prefixed over HTTPS so no subdomain can set it).
pub fn csrf_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-coachline_csrf"
    } else {
        "coachline_csrf"
    }
}

/// The CSRF cookie carrying `token`.
pub fn csrf_cookie(token: String, https: bool) -> Cookie<'static> {
    Cookie::build((csrf_cookie_name(https), token))
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Lax)
        .build()
}

/// A new CSRF cookie for the session that starts (`Some(id)`) or ends (`None`) with this response.
pub fn renewed_csrf_cookie(secret: &[u8], https: bool, session: Option<&str>) -> Cookie<'static> {
    csrf_cookie(csrf::new_token(secret, session.unwrap_or("")), https)
}

/// Where other systems post (with a bearer token, no session): no CSRF token is asked for.
pub const INTEGRATION_PREFIX: &str = "/integration/";

/// Middleware: works out the language and CSRF token, refuses unsafe requests without the token.
pub async fn request_context(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let lang = lang_of(request.headers());
    let cookie_name = csrf_cookie_name(state.config.https);
    let session = jar
        .get(session_cookie_name(state.config.https))
        .map_or("", |c| c.value());
    let existing = jar
        .get(cookie_name)
        .map(|c| c.value().to_owned())
        .filter(|t| csrf::is_genuine(&state.config.secret, t, session));
    let fresh = existing.is_none();
    let token = existing.unwrap_or_else(|| csrf::new_token(&state.config.secret, session));

    let mut request = request;
    request.extensions_mut().insert(ReqCtx {
        lang,
        csrf: token.clone(),
        now: state.clock.now(),
    });
    // Systems (not browsers) post to `/integration/...` with a bearer token their handler
    // checks; without a session cookie such a request cannot be forged by a page in a browser.
    let machine = request.uri().path().starts_with(INTEGRATION_PREFIX) && session.is_empty();
    if !is_safe(request.method()) && !machine {
        let (ok, rebuilt) = check_token(request, &token, fresh).await;
        request = match (ok, rebuilt) {
            (true, Some(r)) => r,
            (_, Some(_)) => return AppError::Csrf.into_response(),
            (_, None) => return AppError::TooLarge.into_response(),
        };
    }
    let mut response = next.run(request).await;
    // Signing in or out sets the token of the new session itself.
    let renewed = response
        .headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with(&format!("{cookie_name}=")));
    if fresh && !renewed {
        let cookie = csrf_cookie(token, state.config.https);
        if let Ok(value) = cookie.to_string().parse() {
            response
                .headers_mut()
                .append(axum::http::header::SET_COOKIE, value);
        }
    }
    response
}

/// The language of a request: the remembered choice, else the browser's, else Danish.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    CookieJar::from_headers(headers)
        .get(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .or_else(|| {
            let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
            Lang::from_accept_language(header)
        })
        .unwrap_or_default()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Looks for the token in the header, the query string, or a url-encoded body (which is read
/// and put back). Returns whether it matched, and the request to carry on with.
async fn check_token(request: Request, expected: &str, fresh: bool) -> (bool, Option<Request>) {
    if fresh {
        // A token we just minted cannot have been sent back yet.
        return (false, Some(request));
    }
    if let Some(sent) = request.headers().get(csrf::HEADER).and_then(|v| v.to_str().ok()) {
        let ok = csrf::matches(expected, sent);
        return (ok, Some(request));
    }
    if let Some(sent) = query_token(request.uri().query()) {
        let ok = csrf::matches(expected, &sent);
        return (ok, Some(request));
    }
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (false, Some(request));
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return (false, None);
    };
    let ok = form_urlencoded_token(&bytes).is_some_and(|sent| csrf::matches(expected, &sent));
    (ok, Some(Request::from_parts(parts, Body::from(bytes))))
}

fn query_token(query: Option<&str>) -> Option<String> {
    form_urlencoded_token(query?.as_bytes())
}

fn form_urlencoded_token(bytes: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == csrf::FIELD)
        .map(|(_, v)| v)
}
