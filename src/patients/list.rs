//! The patient list: search by name, CPR or phone; filter by status, centre, batch and
//! municipality; sort by risk score or name; paginated. A coordinator sees only her centre.
//!
//! The search words are patient data, so they never travel in a URL: a search is posted, and
//! its pages and sorting are posted again. Filters without search words are plain links.
//! Every person found by their CPR number is written to the access log.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::Status;
use crate::admin::users::{centre_choices, CentreChoice};
use crate::domain::Arm;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

const PAGE_SIZE: i64 = 50;

/// The list's filters as they come in the query string (and go back into the form).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub centre: String,
    #[serde(default)]
    pub batch: String,
    #[serde(default)]
    pub municipality: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: Option<i64>,
    /// A sort asked for by a column's button in a posted search (the form also carries `sort`).
    #[serde(default)]
    pub sort_by: Option<String>,
}

impl Filters {
    /// The query string for another page or sort, keeping the filters but never the search
    /// words (a search pages by posting, see the template).
    pub fn link(&self, page: i64, sort: &str) -> String {
        serde_urlencoded::to_string([
            ("status", self.status.as_str()),
            ("centre", &self.centre),
            ("batch", &self.batch),
            ("municipality", &self.municipality),
            ("sort", sort),
            ("page", &page.to_string()),
        ])
        .unwrap_or_default()
    }
}

/// One patient in the list.
pub struct Row {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub cpr: String,
    pub phone: Option<String>,
    pub municipality: Option<String>,
    pub diagnoses: Vec<String>,
    pub risk_score: Option<f64>,
    pub status: Status,
    pub centre_code: String,
    /// The arm, when the person's batch was randomised.
    pub arm: Option<Arm>,
    pub total: i64,
}

impl Row {
    /// Birth date part of the CPR number only; the full number is on the record page.
    pub fn cpr_masked(&self) -> String {
        format!("{}-xxxx", &self.cpr[..6])
    }

    pub fn status_key(&self) -> &'static str {
        self.status.label_key()
    }

    /// The catalogue key of the randomised arm, if any.
    pub fn arm_key(&self) -> Option<&'static str> {
        self.arm.map(Arm::label_key)
    }
}

#[derive(Template)]
#[template(path = "patients/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    filters: Filters,
    total: i64,
    page: i64,
    pages: i64,
    statuses: &'static [Status],
    centres: Vec<CentreChoice>,
    municipalities: Vec<String>,
    batches: Vec<(i64, String)>,
    show_centre: bool,
    /// Diagnoses and risk scores are clinical: shown only to people who work in the centre.
    clinical: bool,
}

impl ListPage {
    fn count_text(&self) -> String {
        self.layout.lang.count("patients.count", self.total)
    }

    fn risk(&self, row: &Row) -> String {
        row.risk_score
            .map(|r| self.layout.lang.decimal(r, 2))
            .unwrap_or_default()
    }
}

/// `GET /patients`: the filters of a link; search words in a URL are ignored.
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let filters = Filters {
        q: String::new(),
        sort_by: None,
        ..filters
    };
    show(state, page, filters).await
}

/// `POST /patients`: a search, or another page or sort of one.
pub async fn search(
    State(state): State<AppState>,
    page: Page,
    Form(mut filters): Form<Filters>,
) -> Result<Response> {
    if let Some(sort) = filters.sort_by.take().filter(|s| !s.is_empty()) {
        filters.sort = sort;
        filters.page = None;
    }
    show(state, page, filters).await
}

async fn show(state: AppState, page: Page, filters: Filters) -> Result<Response> {
    let user = &page.user;
    // A coordinator's centre is not a filter she can change.
    let centre: Option<i64> = if user.role.is_bound_to_centre() {
        user.centre_id
    } else {
        filters.centre.trim().parse().ok()
    };
    let q = filters.q.trim();
    let name = (!q.is_empty()).then(|| q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let digits = (digits.len() >= 4).then_some(digits);
    let status = Status::parse(filters.status.trim()).map(Status::as_str);
    let batch: Option<i64> = filters.batch.trim().parse().ok();
    let municipality = Some(filters.municipality.trim()).filter(|m| !m.is_empty());
    let clinical = user.centre_id.is_some_and(|c| !user.needs_reason_for(c));
    // The order by risk would tell what the hidden column does not.
    let sort_by_name = filters.sort == "name" || !clinical;
    let current = filters.page.unwrap_or(1).max(1);
    let rows = sqlx::query_as!(
        Row,
        // The matching patients are kept narrow (their sort keys) for the count and the page; only
        // the page's rows are read whole (a window count over whole rows sorted every patient).
        r#"with matching as materialized (
               select p.id, case when $7 then null else p.risk_score end as risk, p.last_name, p.first_name
                 from patients p
                where ($1::bigint is null or p.centre_id = $1)
                  and ($2::text is null or (p.first_name || ' ' || p.last_name) ilike '%' || $2 || '%'
                       or ($3::text is not null and (p.cpr like $3 || '%' or p.phone like '%' || $3 || '%'
                                                     or p.mobile like '%' || $3 || '%')))
                  and ($4::text is null or p.status = $4)
                  and ($5::bigint is null or p.batch_id = $5)
                  and ($6::text is null or p.municipality = $6)),
           shown as (
               select m.id, m.risk from matching m
                order by m.risk desc nulls last, m.last_name, m.first_name, m.id
                limit $8 offset $9)
           select p.id, p.first_name, p.last_name, p.cpr, coalesce(p.mobile, p.phone) as phone,
                  p.municipality, p.diagnoses, p.risk_score, p.status as "status: Status", c.code as centre_code,
                  p.arm as "arm: Arm", (select count(*) from matching) as "total!"
             from shown s join patients p on p.id = s.id join centres c on c.id = p.centre_id
            order by s.risk desc nulls last, p.last_name, p.first_name, p.id"#,
        centre,
        name,
        digits,
        status,
        batch,
        municipality,
        sort_by_name,
        PAGE_SIZE,
        (current - 1) * PAGE_SIZE
    )
    .fetch_all(&state.db)
    .await?;
    if let Some(digits) = &digits {
        let found: Vec<i64> = rows
            .iter()
            .filter(|r| r.cpr.starts_with(digits.as_str()))
            .map(|r| r.id)
            .collect();
        crate::audit::record_found_by_cpr(&state.db, user.id, &found).await?;
    }
    let total = rows.first().map_or(0, |r| r.total);
    let municipalities = sqlx::query_scalar!(
        r#"select distinct municipality as "m!" from patients
            where municipality is not null and ($1::bigint is null or centre_id = $1) order by 1"#,
        centre
    )
    .fetch_all(&state.db)
    .await?;
    let batches = sqlx::query!("select id, file_name from import_batches order by created_at desc limit 100")
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.file_name))
        .collect();
    let show_centre = !user.role.is_bound_to_centre();
    render(&ListPage {
        layout: page.layout,
        rows,
        filters,
        total,
        page: current,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        statuses: Status::ALL,
        centres: if show_centre {
            centre_choices(&state.db).await?
        } else {
            Vec::new()
        },
        municipalities,
        batches,
        show_centre,
        clinical,
    })
}
