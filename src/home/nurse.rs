//! The nurse's Today and "My patients".

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;

use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// A patient on the nurse's caseload.
pub struct CaseloadRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub diagnoses: Vec<String>,
    pub status: String,
}

impl CaseloadRow {
    /// Age in whole years today.
    pub fn age(&self) -> u32 {
        let today = chrono::Local::now().date_naive();
        today.years_since(self.birth_date).unwrap_or(0)
    }

    pub fn status_key(&self) -> &'static str {
        crate::patients::status::label_key(&self.status)
    }
}

async fn caseload(
    db: &sqlx::PgPool,
    nurse_id: i64,
    only_active: bool,
) -> Result<Vec<CaseloadRow>, sqlx::Error> {
    sqlx::query_as!(
        CaseloadRow,
        r#"select id, first_name, last_name, birth_date, coalesce(mobile, phone) as phone,
                  diagnoses, status
             from patients
            where nurse_id = $1 and (not $2 or status = 'active')
            order by last_name, first_name"#,
        nurse_id,
        only_active
    )
    .fetch_all(db)
    .await
}

#[derive(Template)]
#[template(path = "home/today.html")]
struct TodayPage {
    layout: Layout,
    today: String,
    no_call_booked: Vec<CaseloadRow>,
}

/// `GET /today`: the nurse's day. Until calls can be booked every active patient is one with
/// no future call booked, which is itself a safety net.
pub async fn today(State(state): State<AppState>, page: Page) -> Result<Response> {
    let no_call_booked = caseload(&state.db, page.user.id, true).await?;
    let today = page
        .layout
        .date(&chrono::Utc::now().with_timezone(&page.user.tz).date_naive());
    render(&TodayPage {
        layout: page.layout,
        today,
        no_call_booked,
    })
}

#[derive(Template)]
#[template(path = "home/my_patients.html")]
struct MyPatientsPage {
    layout: Layout,
    patients: Vec<CaseloadRow>,
}

/// `GET /my-patients`: the nurse's caseload.
pub async fn my_patients(State(state): State<AppState>, page: Page) -> Result<Response> {
    let patients = caseload(&state.db, page.user.id, false).await?;
    render(&MyPatientsPage {
        layout: page.layout,
        patients,
    })
}
