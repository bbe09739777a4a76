//! Patients: the list for coordinators and admins, the record page, the access log of openings.

pub mod access;
pub mod list;
pub mod record;
pub mod status;

use axum::routing::get;
use axum::{middleware, Router};

use crate::web::auth::{patient_listers_only, signed_in};
use crate::AppState;

pub use status::Status;

/// `/patients` (coordinators, admins) and `/patients/{id}` (anyone signed in, within their centre).
pub fn router(state: AppState) -> Router<AppState> {
    let list = Router::new()
        .route("/patients", get(list::list))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            patient_listers_only,
        ));
    let record = Router::new()
        .route("/patients/{id}", get(record::show))
        .route_layer(middleware::from_fn_with_state(state, signed_in));
    list.merge(record)
}

/// A stored phone number as people read it: `+4512345678` → `+45 12 34 56 78`.
pub fn phone_display(stored: &str) -> String {
    match stored.strip_prefix("+45") {
        Some(rest) if rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            format!(
                "+45 {} {} {} {}",
                &rest[..2],
                &rest[2..4],
                &rest[4..6],
                &rest[6..]
            )
        }
        _ => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn danish_numbers_are_shown_in_pairs() {
        assert_eq!(super::phone_display("+4512345678"), "+45 12 34 56 78");
        assert_eq!(super::phone_display("+46701234567"), "+46701234567");
    }
}
