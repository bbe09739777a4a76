//! Patients: the list for coordinators and admins, the record page with its timeline, contacts
//! and preferred call times, and the access log of openings.

pub mod access;
pub mod contacts;
pub mod icd10;
pub mod list;
pub mod reason;
pub mod record;
pub mod status;
pub mod timeline;

use axum::routing::get;
use axum::{middleware, Router};
use chrono::NaiveDate;

use crate::web::auth::{patient_listers_only, signed_in};
use crate::web::AppError;
use crate::AppState;

pub use status::Status;

/// `/patients` (coordinators, admins) and `/patients/{id}` (anyone signed in, within their centre).
pub fn router(state: AppState) -> Router<AppState> {
    let list = Router::new()
        .route("/patients", get(list::list).post(list::search))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            patient_listers_only,
        ));
    let record = Router::new()
        .route("/patients/{id}", get(record::show))
        .route("/patients/{id}/reason", get(reason::form).post(reason::open))
        .route(
            "/patients/{id}/contacts",
            get(contacts::form).post(contacts::save_times),
        )
        .route("/patients/{id}/contacts/new", axum::routing::post(contacts::add))
        .route("/contacts/{id}", axum::routing::post(contacts::update))
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

/// Age in whole years today, from the birth date.
pub fn age(birth_date: NaiveDate) -> u32 {
    chrono::Local::now()
        .date_naive()
        .years_since(birth_date)
        .unwrap_or(0)
}

/// The few facts a page about one patient shows at its top.
pub struct Brief {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub nurse_id: Option<i64>,
}

impl Brief {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// Age in whole years today.
    pub fn age(&self) -> u32 {
        age(self.birth_date)
    }
}

/// The brief of a patient (call only after `access::check`).
pub async fn brief(db: &sqlx::PgPool, id: i64) -> Result<Brief, AppError> {
    sqlx::query_as!(
        Brief,
        "select id, first_name, last_name, birth_date, coalesce(mobile, phone) as phone, nurse_id
           from patients where id = $1",
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    #[test]
    fn danish_numbers_are_shown_in_pairs() {
        assert_eq!(super::phone_display("+4512345678"), "+45 12 34 56 78");
        assert_eq!(super::phone_display("+46701234567"), "+46701234567");
    }
}
