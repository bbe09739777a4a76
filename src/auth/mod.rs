//! Signing in and out, sessions, passwords, and the language switch.

pub mod account;
pub mod accounts;
pub mod common;
pub mod login;
pub mod password;
pub mod pending;
pub mod second_factor;
pub mod second_step;
pub mod sessions;
pub mod totp;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::signed_in;
use crate::AppState;

/// `/login` (and its second step), `/logout`, `/language`, `/account/password`, `/healthz`.
pub fn router(state: AppState) -> Router<AppState> {
    let account = Router::new()
        .route("/account/password", get(account::form).post(account::change))
        .route_layer(middleware::from_fn_with_state(state, signed_in));
    Router::new()
        .route("/", get(login::root))
        .route("/login", get(login::form).post(login::submit))
        .route(
            "/login/code",
            get(second_step::code_form).post(second_step::code_submit),
        )
        .route(
            "/login/enrol",
            get(second_step::enrol_form).post(second_step::enrol_submit),
        )
        .route("/login/finish", post(second_step::finish_enrolment))
        .route("/logout", post(login::logout))
        .route("/language", post(login::switch_language))
        .route("/healthz", get(login::healthz))
        .merge(account)
}
