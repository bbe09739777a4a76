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

/// The nurse's patients with what the lists need, in one query over the open courses' kept counts.
pub async fn of_nurse(
    db: &sqlx::PgPool,
    nurse_id: i64,
    at: chrono::DateTime<chrono::Utc>,
    only_active: bool,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as!(
        Row,
        // An open course carries its counts and every patient his nets (kept by the database with
        // every call and booking, read by the patient's key); only a patient without an open
        // course (My patients, "all" or "ended") has his last call looked up the long way. Plain
        // joins and per-patient index reads: the query is planned on every view, and this shape
        // plans in a quarter of the time of one with lateral and grouped subqueries.
        r#"select p.id as patient_id, p.first_name, p.last_name, p.birth_date,
                  coalesce(p.mobile, p.phone) as phone, p.diagnoses, p.status as "status: PatientStatus",
                  case when c.id is not null then c.next_call_at
                       else (select min(a.starts_at) from appointments a
                              where a.patient_id = p.id and a.status = 'scheduled' and a.kind = 'call') end
                      as "starts_at?",
                  coalesce(c.reached_calls, 0)::bigint as "reached!",
                  case when c.id is not null then c.last_call_at else lc.called_at end as "last_call_at?",
                  case when c.id is not null then c.last_call_outcome else lc.outcome end as "last_outcome?: Outcome",
                  array(select s.net from safety_nets($2) s where s.patient_id = p.id) as "nets!: Vec<Net>",
                  c.start_date as "start_date?", c.planned_end as "planned_end?"
             from patients p
             -- At most one open course per patient (`courses_one_open_per_patient`).
             left join courses c on c.patient_id = p.id and c.end_date is null
             left join lateral (select x.called_at, x.outcome from calls x
                                 where x.patient_id = p.id and c.id is null
                                 order by x.called_at desc limit 1) lc on true
            where p.nurse_id = $1 and (not $3 or p.status = 'active') and p.arm is distinct from 'control'
            order by p.last_name, p.first_name"#,
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
