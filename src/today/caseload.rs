//! My patients: the nurse's caseload with status, course week, next and last call; filter and
//! sort. The same query feeds Today's retry and nothing-booked lists.

use crate::domain::{Outcome, PatientStatus};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::Row;
use crate::safety::Net;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// The nurse's patients with what the lists need, in one query over the open courses' kept counts
/// and the kept nets (`nurse_caseload`, planned once per connection: see its migration).
pub async fn of_nurse(
    db: impl sqlx::PgExecutor<'_>,
    nurse_id: i64,
    at: chrono::DateTime<chrono::Utc>,
    only_active: bool,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as!(
        Row,
        r#"select patient_id as "patient_id!", first_name as "first_name!", last_name as "last_name!",
                  birth_date as "birth_date!", phone, diagnoses as "diagnoses!",
                  status as "status!: PatientStatus", starts_at, reached as "reached!", last_call_at,
                  last_outcome as "last_outcome: Outcome", nets as "nets!: Vec<Net>", start_date, planned_end
             from nurse_caseload($1, $2, $3)"#,
        nurse_id,
        at,
        only_active
    )
    .fetch_all(db)
    .await
}

/// Filter and sort, as in the query string.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub q: String,
    /// `active` (default), `ended` or `all`.
    #[serde(default)]
    pub show: String,
    /// `name` (default), `next`, `last` or `week`.
    #[serde(default)]
    pub sort: String,
    /// A sort asked for by a column's button in a posted search.
    #[serde(default)]
    pub sort_by: Option<String>,
}

#[derive(Template)]
#[template(path = "today/my_patients.html")]
struct MyPatientsPage {
    layout: Layout,
    rows: Vec<Row>,
    filters: Filters,
    today: chrono::NaiveDate,
}

impl MyPatientsPage {
    fn week_text(&self, row: &Row) -> String {
        match (row.start_date, row.planned_end) {
            (Some(start), Some(end)) => {
                let week = (self.today - start).num_days().max(0) / 7 + 1;
                let weeks = ((end - start).num_days() + 3) / 7;
                self.layout
                    .lang
                    .tf("record.course_week", &[("n", &week), ("of", &weeks)])
            }
            _ => "–".to_owned(),
        }
    }

    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.layout.booked(at)
    }

    fn late(&self, row: &Row) -> bool {
        row.starts_at.is_some_and(|at| at < self.layout.now)
    }

    fn sort_link(&self, sort: &str) -> String {
        // Never the search words: they are patient data (a search sorts by posting).
        serde_urlencoded::to_string([("show", self.filters.show.as_str()), ("sort", sort)])
            .unwrap_or_default()
    }
}

/// `GET /my-patients`: the filters of a link; search words in a URL are ignored.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let filters = Filters {
        q: String::new(),
        sort_by: None,
        ..filters
    };
    caseload(state, page, filters).await
}

/// `POST /my-patients`: a search by name or phone, or another sort of one.
pub async fn search(
    State(state): State<AppState>,
    page: Page,
    axum::Form(mut filters): axum::Form<Filters>,
) -> Result<Response> {
    if let Some(sort) = filters.sort_by.take().filter(|s| !s.is_empty()) {
        filters.sort = sort;
    }
    caseload(state, page, filters).await
}

async fn caseload(state: AppState, page: Page, filters: Filters) -> Result<Response> {
    let only_active = !matches!(filters.show.as_str(), "ended" | "all");
    let mut rows = of_nurse(&state.db, page.user.id, page.now(), only_active).await?;
    if filters.show == "ended" {
        rows.retain(|r| r.status == PatientStatus::Ended);
    }
    let q = filters.q.trim().to_lowercase();
    if !q.is_empty() {
        rows.retain(|r| {
            r.name().to_lowercase().contains(&q) || r.phone.as_deref().is_some_and(|p| p.contains(&q))
        });
    }
    match filters.sort.as_str() {
        "next" => rows.sort_by_key(|r| (r.starts_at.is_none(), r.starts_at)),
        "last" => rows.sort_by_key(|r| r.last_call_at),
        "week" => rows.sort_by_key(|r| r.start_date),
        _ => {}
    }
    render(&MyPatientsPage {
        today: page.today(),
        layout: page.layout,
        rows,
        filters,
    })
}
