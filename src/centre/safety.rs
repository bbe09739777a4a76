//! The safety nets page and its count in the navigation. Everything comes from the view
//! `safety_net_entries`, computed on every read.

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::NaiveDate;

use super::centre_of;
use crate::web::layout::NavCounts;
use crate::web::{render, CurrentUser, Layout, Page, Result, Role};
use crate::AppState;

/// The nets, in the order the page shows them, with their catalogue keys.
pub const NETS: [(&str, &str); 5] = [
    ("no_call_booked", "safety.no_call_booked"),
    ("call_overdue", "safety.call_overdue"),
    ("three_no_answers", "safety.three_no_answers"),
    ("past_six_months", "safety.past_six_months"),
    ("past_nine_months", "safety.past_nine_months"),
];

/// One patient caught in one net.
pub struct Entry {
    pub net: String,
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub nurse: Option<String>,
    pub since: NaiveDate,
}

/// Every entry of a centre's safety nets, longest-standing first within each net.
pub async fn entries(db: &sqlx::PgPool, centre_id: i64) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query_as!(
        Entry,
        r#"select s.net as "net!", s.patient_id as "patient_id!", p.first_name, p.last_name,
                  u.name as "nurse?", s.since as "since!"
             from safety_net_entries s
             join patients p on p.id = s.patient_id
             left join users u on u.id = p.nurse_id
            where s.centre_id = $1
            order by s.since, p.last_name, p.first_name"#,
        centre_id
    )
    .fetch_all(db)
    .await
}

/// How many entries the centre's nets hold.
pub async fn count(db: &sqlx::PgPool, centre_id: i64) -> Result<i64, sqlx::Error> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from safety_net_entries where centre_id = $1"#,
        centre_id
    )
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// One net with its entries.
pub struct Net {
    pub key: &'static str,
    pub code: &'static str,
    pub entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "centre/safety.html")]
struct SafetyPage {
    layout: Layout,
    nets: Vec<Net>,
}

/// `GET /safety-nets`: the centre's five safety nets.
pub async fn page(State(state): State<AppState>, page: Page) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let mut all = entries(&state.db, centre_id).await?;
    let nets = NETS
        .iter()
        .map(|(code, key)| {
            let (mine, rest): (Vec<Entry>, Vec<Entry>) =
                std::mem::take(&mut all).into_iter().partition(|e| e.net == *code);
            all = rest;
            Net {
                key,
                code,
                entries: mine,
            }
        })
        .collect();
    render(&SafetyPage {
        layout: page.layout,
        nets,
    })
}

/// Middleware: puts the coordinator's safety-net count on the request for the navigation.
pub async fn nav_counts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let is_page = parts.method == axum::http::Method::GET && !parts.uri.path().starts_with("/static/");
    if is_page {
        if let Ok(user) = CurrentUser::from_request_parts(&mut parts, &state).await {
            if let (Role::Coordinator, Some(centre_id)) = (user.role, user.centre_id) {
                match count(&state.db, centre_id).await {
                    Ok(n) if n > 0 => {
                        parts.extensions.insert(NavCounts(vec![("/safety-nets", n)]));
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "counting the safety nets failed"),
                }
            }
        }
    }
    next.run(Request::from_parts(parts, body)).await
}
