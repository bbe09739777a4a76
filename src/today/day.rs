//! Today: calls due today in time order, then overdue calls (oldest first, with how late), then
//! patients waiting for a retry after no answer, then active patients with no call booked.
//! Overdue and nothing booked are the safety nets' own lists for the nurse (`crate::safety`), so
//! her counts are the coordinator's counts.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveTime, Utc};

use super::{caseload, Row};
use crate::appointments::local_instant;
use crate::safety::Net;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

#[derive(Template)]
#[template(path = "today/today.html")]
struct TodayPage {
    layout: Layout,
    today: String,
    due_today: Vec<Row>,
    overdue: Vec<Row>,
    retry: Vec<Row>,
    no_call: Vec<Row>,
    attention: Vec<Row>,
    questionnaires: Vec<crate::questionnaires::DueQuestionnaire>,
    /// Patients new on her caseload this week: assigned, moved or covered.
    arrivals: Vec<crate::caseload::Arrival>,
    /// Colleagues whose patients she covers now.
    covering: Vec<crate::caseload::Covering>,
}

impl TodayPage {
    fn covering_text(&self, c: &crate::caseload::Covering) -> String {
        let until = self.layout.day(&c.until);
        self.layout.lang.tf(
            "today.covering_line",
            &[("n", &c.patients), ("name", &c.colleague), ("until", &until)],
        )
    }

    fn time(&self, row: &Row) -> String {
        let tz = self.layout.tz();
        row.starts_at
            .map(|at| at.with_timezone(&tz).format("%H:%M").to_string())
            .unwrap_or_default()
    }

    fn when(&self, at: &chrono::DateTime<Utc>) -> String {
        self.layout.booked(at)
    }

    /// How late an overdue call is: days, or hours within the first day.
    fn late(&self, row: &Row) -> String {
        let tz = self.layout.tz();
        let Some(at) = row.starts_at else {
            return String::new();
        };
        // Whole days by the calendar, as the safety net counts them; hours on the day itself.
        let days =
            (self.layout.now.with_timezone(&tz).date_naive() - at.with_timezone(&tz).date_naive()).num_days();
        if days == 1 {
            self.layout.t("today.late_one_day").to_owned()
        } else if days > 1 {
            self.layout.lang.tf("today.late_days", &[("n", &days)])
        } else {
            let hours = (self.layout.now - at).num_hours().max(1);
            self.layout.lang.tf("today.late_hours", &[("n", &hours)])
        }
    }

    /// Where a new patient came from: "from Nora Hansen, until 05.12.2026", or "assigned".
    fn arrival_text(&self, a: &crate::caseload::Arrival) -> String {
        let lang = self.layout.lang;
        let mut text = match &a.from_nurse {
            Some(name) => lang.tf("today.arrival_from", &[("name", name)]),
            None => lang.t("today.arrival_assigned").to_owned(),
        };
        if let Some(until) = a.until {
            text.push_str(", ");
            text.push_str(&lang.tf("today.arrival_until", &[("date", &lang.date(until))]));
        }
        text
    }

    fn diagnoses(&self, row: &Row) -> String {
        row.diagnoses_text(self.layout.lang)
    }
}

/// How long a patient counts as new on a caseload.
const NEW_FOR_DAYS: i64 = 7;

/// `GET /today`.
pub async fn show(State(state): State<AppState>, page: Page) -> Result<Response> {
    let tz = page.user.tz;
    let day = page.today();
    let end = local_instant(tz, day.succ_opt().unwrap_or(day), NaiveTime::MIN).unwrap_or(page.now());
    // One connection for the page's four reads: under load each acquisition from the pool is a
    // wait in its queue, so the page waits once rather than once per read.
    let mut db = state.db.acquire().await?;
    let caseload = caseload::of_nurse(&mut *db, page.user.id, page.now(), true).await?;
    let (mut overdue, rest): (Vec<Row>, Vec<Row>) =
        caseload.into_iter().partition(|r| r.in_net(Net::CallOverdue));
    let (mut due_today, rest): (Vec<Row>, Vec<Row>) = rest
        .into_iter()
        .partition(|r| r.starts_at.is_some_and(|at| at < end));
    let (no_call, rest): (Vec<Row>, Vec<Row>) = rest
        .into_iter()
        .partition(|r| r.in_net(Net::NoCallBooked) || r.in_net(Net::EndingPlanned));
    let (retry, rest): (Vec<Row>, Vec<Row>) = rest
        .into_iter()
        .partition(|r| r.last_outcome.is_some_and(|o| !o.reached()));
    // Caught in a net that asks for a decision rather than a call today (six or nine months,
    // the next call too far away): listed so the signal is not lost among the calm.
    let attention = rest.into_iter().filter(|r| !r.flags().is_empty()).collect();
    overdue.sort_by_key(|r| r.starts_at);
    due_today.sort_by_key(|r| r.starts_at);
    render(&TodayPage {
        today: page.layout.date(&day),
        questionnaires: crate::questionnaires::due_for_nurse(&mut *db, page.user.id, day).await?,
        arrivals: crate::caseload::arrivals(
            &mut *db,
            page.user.id,
            page.now() - chrono::Duration::days(NEW_FOR_DAYS),
        )
        .await?,
        covering: crate::caseload::covering(&mut *db, page.user.id).await?,
        layout: page.layout,
        due_today,
        overdue,
        retry,
        no_call,
        attention,
    })
}
