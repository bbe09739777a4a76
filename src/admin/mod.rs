//! The admin's area: users and call centres (and, from other features, imports and the access log).

pub mod centres;
pub mod users;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::admins_only;
use crate::AppState;

/// `/admin/...`, all behind the admin guard.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/new", get(users::new_form))
        .route("/admin/users/{id}", get(users::edit_form).post(users::update))
        .route("/admin/users/{id}/active", post(users::set_active))
        .route("/admin/users/{id}/password", post(users::reset_password))
        .route(
            "/admin/users/{id}/second-factor",
            post(users::reset_second_factor),
        )
        .route("/admin/centres", get(centres::list).post(centres::create))
        .route(
            "/admin/centres/{id}",
            get(centres::edit_form).post(centres::update),
        )
        .route_layer(middleware::from_fn_with_state(state, admins_only))
}
