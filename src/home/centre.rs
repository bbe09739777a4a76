//! The coordinator's centre: nurses with caseload against capacity.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// A nurse of the centre with her caseload.
pub struct NurseRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub capacity: Option<i32>,
    pub caseload: i64,
    pub active: bool,
}

impl NurseRow {
    /// Caseload as a share of capacity, 0-100, for the bar.
    pub fn load_percent(&self) -> i64 {
        match self.capacity {
            Some(c) if c > 0 => (self.caseload * 100 / i64::from(c)).min(100),
            _ => 100,
        }
    }

    /// Capacity minus caseload.
    pub fn free(&self) -> i64 {
        i64::from(self.capacity.unwrap_or(0)) - self.caseload
    }
}

/// Counts of the centre's patients by status.
pub struct StatusCount {
    pub status: String,
    pub count: i64,
}

impl StatusCount {
    pub fn status_key(&self) -> &'static str {
        crate::patients::status::label_key(&self.status)
    }
}

async fn nurses_of(db: &sqlx::PgPool, centre_id: i64) -> Result<Vec<NurseRow>, sqlx::Error> {
    sqlx::query_as!(
        NurseRow,
        r#"select u.id, u.name, u.email, u.capacity, u.active,
                  (select count(*) from patients p where p.nurse_id = u.id and p.status = 'active') as "caseload!"
             from users u
            where u.centre_id = $1 and u.role = 'nurse'
            order by u.active desc, u.name"#,
        centre_id
    )
    .fetch_all(db)
    .await
}

#[derive(Template)]
#[template(path = "home/centre.html")]
struct CentrePage {
    layout: Layout,
    nurses: Vec<NurseRow>,
    statuses: Vec<StatusCount>,
}

/// `GET /centre`: the coordinator's overview of her centre.
pub async fn overview(State(state): State<AppState>, page: Page) -> Result<Response> {
    let centre_id = page.user.centre_id.unwrap_or_default();
    let nurses = nurses_of(&state.db, centre_id).await?;
    let statuses = sqlx::query_as!(
        StatusCount,
        r#"select status, count(*) as "count!" from patients where centre_id = $1
            group by status order by count(*) desc"#,
        centre_id
    )
    .fetch_all(&state.db)
    .await?;
    render(&CentrePage {
        layout: page.layout,
        nurses,
        statuses,
    })
}

#[derive(Template)]
#[template(path = "home/nurses.html")]
struct NursesPage {
    layout: Layout,
    nurses: Vec<NurseRow>,
}

/// `GET /nurses`: the centre's nurses.
pub async fn nurses(State(state): State<AppState>, page: Page) -> Result<Response> {
    let nurses = nurses_of(&state.db, page.user.centre_id.unwrap_or_default()).await?;
    render(&NursesPage {
        layout: page.layout,
        nurses,
    })
}
