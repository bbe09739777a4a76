//! Signing in and out, sessions, passwords, and the language switch.

pub mod account;
pub mod login;
pub mod password;
pub mod sessions;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::signed_in;
use crate::AppState;

/// `/login`, `/logout`, `/language`, `/account/password`, `/healthz`.
pub fn router(state: AppState) -> Router<AppState> {
    let account = Router::new()
        .route("/account/password", get(account::form).post(account::change))
        .route_layer(middleware::from_fn_with_state(state, signed_in));
    Router::new()
        .route("/", get(login::root))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/language", post(login::switch_language))
        .route("/healthz", get(login::healthz))
        .merge(account)
}
