//! The patient record page. Every opening is written to the access log; a person from another
//! centre is refused (and that is logged too).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;

use super::access::{self, Action};
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// What the record's header shows.
pub struct Record {
    pub id: i64,
    pub centre_id: i64,
    pub centre_name: String,
    pub cpr: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub municipality: Option<String>,
    pub gp: Option<String>,
    pub diagnoses: Vec<String>,
    pub risk_score: Option<f64>,
    pub status: String,
    pub nurse: Option<String>,
    pub batch_id: Option<i64>,
}

impl Record {
    /// `DDMMYY-SSSS`, shown in full only on this page.
    pub fn cpr_formatted(&self) -> String {
        format!("{}-{}", &self.cpr[..6], &self.cpr[6..])
    }

    pub fn age(&self) -> u32 {
        chrono::Local::now()
            .date_naive()
            .years_since(self.birth_date)
            .unwrap_or(0)
    }

    pub fn sex_key(&self) -> &'static str {
        if self.sex == "male" {
            "patient.sex_male"
        } else {
            "patient.sex_female"
        }
    }

    pub fn status_key(&self) -> &'static str {
        super::status::label_key(&self.status)
    }

    /// The risk score with the language's decimal separator, or a dash.
    pub fn risk(&self, lang: crate::web::Lang) -> String {
        self.risk_score
            .map_or_else(|| "–".to_owned(), |r| lang.decimal(r, 2))
    }
}

#[derive(Template)]
#[template(path = "patients/record.html")]
struct RecordPage {
    layout: Layout,
    p: Record,
}

/// `GET /patients/{id}`.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let record = sqlx::query_as!(
        Record,
        r#"select p.id, p.centre_id, c.name as centre_name, p.cpr, p.first_name, p.last_name,
                  p.birth_date, p.sex, p.address, p.postal_code, p.city, p.phone, p.mobile,
                  p.municipality, p.gp, p.diagnoses, p.risk_score, p.status,
                  u.name as "nurse?", p.batch_id
             from patients p
             join centres c on c.id = p.centre_id
             left join users u on u.id = p.nurse_id
            where p.id = $1"#,
        id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    if !page.user.may_see_centre(record.centre_id) {
        access::log(&state.db, page.user.id, Action::ViewRecord, id, false).await?;
        tracing::warn!(
            user_id = page.user.id,
            patient_id = id,
            "refused a patient record of another centre"
        );
        return Err(AppError::Forbidden);
    }
    access::log(&state.db, page.user.id, Action::ViewRecord, id, true).await?;
    render(&RecordPage {
        layout: page.layout,
        p: record,
    })
}
