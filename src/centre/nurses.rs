//! The centre page (nurses with caseload against capacity, calls this week, overdue calls, and
//! the patients waiting for a nurse) and the list of nurses.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::assign::{self, Keep, Suggestion};
use super::centre_of;
use crate::safety::Net;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// A nurse of the centre with her caseload and her week.
pub struct NurseRow {
    pub id: i64,
    pub name: String,
    pub capacity: Option<i32>,
    pub active: bool,
    /// Active patients.
    pub caseload: i64,
    /// Assigned, not yet active (invited or meeting booked).
    pub pending: i64,
    pub calls_this_week: i64,
    /// Her patients with a call overdue (the safety net's count).
    pub overdue: i64,
    /// Her patients with no call booked (the safety net's count).
    pub no_call: i64,
}

impl NurseRow {
    /// Active caseload as a share of capacity, 0-100, for the bar.
    pub fn load_percent(&self) -> i64 {
        match self.capacity {
            Some(c) if c > 0 => (self.caseload * 100 / i64::from(c)).min(100),
            _ => 100,
        }
    }

    /// Capacity minus active caseload and patients on their way to her.
    pub fn free(&self) -> i64 {
        i64::from(self.capacity.unwrap_or(0)) - self.caseload - self.pending
    }
}

/// The centre's nurses, active first, with their caseload and week (the safety-net columns
/// left at zero: `with_nets` fills them).
pub async fn nurses_of(
    db: &sqlx::PgPool,
    centre_id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<NurseRow>, sqlx::Error> {
    // One pass over the centre's patients and one over the week's calls, grouped per nurse,
    // rather than three counts per nurse.
    sqlx::query_as!(
        NurseRow,
        r#"with c as (select id, timezone from centres where id = $1),
           load as (
               select p.nurse_id,
                      count(*) filter (where p.status = 'active') as caseload,
                      count(*) filter (where p.status in ('invited', 'meeting_booked')) as pending
                 from patients p
                where p.centre_id = $1 and p.nurse_id is not null and p.arm is distinct from 'control'
                  and p.status in ('active', 'invited', 'meeting_booked')
                group by p.nurse_id),
           week as (
               select d.nurse_id, sum(d.calls)::bigint as calls
                 from c join call_days d on d.centre_id = c.id
                  and d.day <= ($2 at time zone c.timezone)::date
                  and d.day >= date_trunc('week', $2 at time zone c.timezone)::date
                group by d.nurse_id)
           select u.id, u.name, u.capacity, u.active,
                  coalesce(l.caseload, 0) as "caseload!", coalesce(l.pending, 0) as "pending!",
                  coalesce(w.calls, 0) as "calls_this_week!",
                  0::bigint as "overdue!", 0::bigint as "no_call!"
             from users u
             left join load l on l.nurse_id = u.id
             left join week w on w.nurse_id = u.id
            where u.centre_id = $1 and u.role = 'nurse'
            order by u.active desc, u.name"#,
        centre_id,
        at
    )
    .fetch_all(db)
    .await
}

/// Fills each nurse's overdue and no-call columns from the safety nets (computed once for the
/// centre).
pub async fn with_nets(
    db: &sqlx::PgPool,
    centre_id: i64,
    at: chrono::DateTime<chrono::Utc>,
    mut nurses: Vec<NurseRow>,
) -> Result<Vec<NurseRow>, sqlx::Error> {
    for count in crate::safety::per_nurse(db, at, centre_id).await? {
        if let Some(n) = nurses.iter_mut().find(|n| Some(n.id) == count.nurse_id) {
            match count.net {
                Net::CallOverdue => n.overdue = count.patients,
                Net::NoCallBooked => n.no_call = count.patients,
                _ => {}
            }
        }
    }
    Ok(nurses)
}

/// `?keep=municipality|gp` on the centre page.
#[derive(Debug, Default, Deserialize)]
pub struct CentreQuery {
    #[serde(default)]
    pub keep: String,
    #[serde(default)]
    pub done: Option<i64>,
}

/// An invited patient whose letter went out before the answer deadline, with no answer yet.
pub struct Unanswered {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub letter_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Template)]
#[template(path = "centre/centre.html")]
pub struct CentrePage {
    pub layout: Layout,
    pub nurses: Vec<NurseRow>,
    pub waiting: Vec<Suggestion>,
    /// Everyone waiting, of whom `waiting` shows the first.
    pub waiting_total: i64,
    pub unanswered: Vec<Unanswered>,
    pub keep: Keep,
    pub error: Option<String>,
    pub done: Option<i64>,
}

impl CentrePage {
    fn suggested(&self, row: &Suggestion, nurse_id: &i64) -> bool {
        row.suggested == Some(*nurse_id)
    }

    fn active_nurses(&self) -> impl Iterator<Item = &NurseRow> {
        self.nurses.iter().filter(|n| n.active)
    }

    fn waiting_more(&self) -> Option<String> {
        (self.waiting_total > self.waiting.len() as i64).then(|| {
            self.layout
                .lang
                .count("centre.waiting_more", self.waiting.len() as i64)
        })
    }

    fn done_text(&self, n: &i64) -> String {
        self.layout.lang.count("centre.assigned", *n)
    }
}

/// Renders the centre page, with an error from a refused assignment if there is one.
pub async fn centre_page(
    state: &AppState,
    page: Page,
    keep: Keep,
    error: Option<String>,
    done: Option<i64>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    crate::caseload::return_due(&state.db, page.now()).await?;
    let nurses = nurses_of(&state.db, centre_id, page.now()).await?;
    let nurses = with_nets(&state.db, centre_id, page.now(), nurses).await?;
    let (waiting, waiting_total) = assign::suggestions(&state.db, centre_id, keep, &nurses).await?;
    let unanswered = sqlx::query_as!(
        Unanswered,
        r#"select p.id, p.first_name, p.last_name, max(l.produced_at) as "letter_at!"
             from patients p join letters l on l.patient_id = p.id
            where p.centre_id = $1 and p.status = 'invited' and p.arm is distinct from 'control'
            group by p.id
           having max(l.produced_at) <= $3::timestamptz - make_interval(days => $2)
            order by max(l.produced_at), p.last_name"#,
        centre_id,
        crate::letters::pages::RESPONSE_DEADLINE_DAYS as i32,
        page.now()
    )
    .fetch_all(&state.db)
    .await?;
    render(&CentrePage {
        layout: page.layout,
        nurses,
        waiting,
        waiting_total,
        unanswered,
        keep,
        error,
        done,
    })
}

/// `GET /centre`: the coordinator's centre.
pub async fn centre(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<CentreQuery>,
) -> Result<Response> {
    centre_page(&state, page, Keep::parse(&q.keep), None, q.done).await
}

#[derive(Template)]
#[template(path = "centre/nurses.html")]
struct NursesPage {
    layout: Layout,
    nurses: Vec<NurseRow>,
}

/// `GET /nurses`: the centre's nurses, each a link to her caseload.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    crate::caseload::return_due(&state.db, page.now()).await?;
    let centre_id = centre_of(&page.user)?;
    let nurses = nurses_of(&state.db, centre_id, page.now()).await?;
    let nurses = with_nets(&state.db, centre_id, page.now(), nurses).await?;
    render(&NursesPage {
        layout: page.layout,
        nurses,
    })
}
