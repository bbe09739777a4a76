//! The line that confirms what was just done ("The call is saved."), shown once on the page an
//! action redirects to. The cookie carries only a catalogue key, never patient data; the layout
//! shows it and the response to the next page clears it.

use axum::extract::Request;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;

/// The cookie's name.
pub const COOKIE_NAME: &str = "coachline_done";

/// Redirects to `to` and says `key` (a `done.` key of the catalogue) on the page there.
pub fn redirect(to: &str, key: &'static str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let cookie = format!("{COOKIE_NAME}={key}; Path=/; Max-Age=120; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// The confirmation the request carries, if it names a known `done.` text.
pub fn of(headers: &HeaderMap) -> Option<&'static str> {
    let jar = CookieJar::from_headers(headers);
    let value = jar.get(COOKIE_NAME)?.value();
    value
        .starts_with("done.")
        .then(|| super::i18n::known_key(value))
        .flatten()
}

/// Middleware: once a page (not another redirect) has answered a request that carried a
/// confirmation, the confirmation is spent.
pub async fn spend(request: Request, next: Next) -> Response {
    let carried = of(request.headers()).is_some();
    let mut response = next.run(request).await;
    if carried && !response.status().is_redirection() {
        let gone = format!("{COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
        if let Ok(value) = HeaderValue::from_str(&gone) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}
