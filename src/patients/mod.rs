//! Patients: the list for coordinators and admins, contacts and preferred call times, a
//! patient's status and responsible nurse (this module is their one writer).

pub mod call_times;
pub mod contacts;
pub mod icd10;
pub mod list;
pub mod status;

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
        .route(
            "/patients/{id}/contacts",
            get(contacts::form).post(contacts::save_times),
        )
        .route("/patients/{id}/contacts/new", axum::routing::post(contacts::add))
        .route("/contacts/{id}", axum::routing::post(contacts::update))
        .route("/patients/{id}/call-times", axum::routing::post(call_times::add))
        .route("/call-times/{id}/remove", axum::routing::post(call_times::remove))
        .route_layer(middleware::from_fn_with_state(state, signed_in));
    list.merge(record)
}

/// The few facts a page about one patient shows at its top.
pub struct Brief {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub nurse_id: Option<i64>,
    pub centre_id: i64,
}

impl Brief {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// Makes `nurse_id` the patient's responsible nurse: the one statement that changes it (the
/// database refuses a nurse who cannot work). Moves between nurses go through `caseload`.
pub async fn set_nurse(
    conn: &mut sqlx::PgConnection,
    patient_id: i64,
    nurse_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update patients set nurse_id = $2 where id = $1",
        patient_id,
        nurse_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts each of `ids` in the arm at the same place of `arms` (the randomisation, once per
/// person: the database keeps an arm once set).
pub async fn allocate_arms(
    conn: &mut sqlx::PgConnection,
    ids: &[i64],
    arms: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update patients p set arm = t.arm from unnest($1::bigint[], $2::text[]) as t(id, arm) where p.id = t.id",
        ids,
        arms
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The brief of a patient (call only after `access::check`).
pub async fn brief(db: &sqlx::PgPool, id: i64) -> Result<Brief, AppError> {
    sqlx::query_as!(
        Brief,
        "select id, first_name, last_name, birth_date, coalesce(mobile, phone) as phone, nurse_id, centre_id
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
        assert_eq!(crate::web::phone_display("+4512345678"), "+45 12 34 56 78");
        assert_eq!(crate::web::phone_display("+46701234567"), "+46701234567");
    }
}
