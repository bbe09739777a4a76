//! Today: calls due today in time order, then overdue calls (oldest first, with how late), then
//! patients waiting for a retry after no answer, then active patients with no call booked.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveTime, Utc};

use super::{caseload, Row};
use crate::appointments::local_instant;
use crate::courses::today_in;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// The nurse's booked calls due before the end of today, with the patient (one query).
async fn due(
    db: &sqlx::PgPool,
    nurse_id: i64,
    until: chrono::DateTime<Utc>,
    tz: &str,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as!(
        Row,
        r#"select p.id as patient_id, p.first_name, p.last_name, p.birth_date,
                  coalesce(p.mobile, p.phone) as phone, p.diagnoses, p.status,
                  a.starts_at as "starts_at?",
                  coalesce((select count(*) from calls x where x.course_id = a.course_id and x.outcome = 'reached'), 0) as "reached!",
                  lc.called_at as "last_call_at?", lc.outcome as "last_outcome?",
                  failed_call_days(p.id, $3) as "failed_days!",
                  null::date as start_date, null::date as planned_end
             from appointments a
             join patients p on p.id = a.patient_id
             left join lateral (select x.called_at, x.outcome from calls x where x.patient_id = p.id
                                 order by x.called_at desc limit 1) lc on true
            where a.nurse_id = $1 and a.status = 'scheduled' and a.kind = 'call' and a.starts_at < $2
              and p.arm is distinct from 'control'
            order by a.starts_at"#,
        nurse_id,
        until,
        tz
    )
    .fetch_all(db)
    .await
}

#[derive(Template)]
#[template(path = "today/today.html")]
struct TodayPage {
    layout: Layout,
    today: String,
    due_today: Vec<Row>,
    overdue: Vec<Row>,
    retry: Vec<Row>,
    no_call: Vec<Row>,
    questionnaires: Vec<crate::questionnaires::DueQuestionnaire>,
}

impl TodayPage {
    /// A phone number as people read it.
    fn phone(&self, stored: &str) -> String {
        crate::patients::phone_display(stored)
    }

    fn time(&self, row: &Row) -> String {
        let tz = self
            .layout
            .user
            .as_ref()
            .map_or(chrono_tz::Europe::Copenhagen, |u| u.tz);
        row.starts_at
            .map(|at| at.with_timezone(&tz).format("%H:%M").to_string())
            .unwrap_or_default()
    }

    fn when(&self, at: &chrono::DateTime<Utc>) -> String {
        self.layout.datetime(at)
    }

    /// How late an overdue call is: days, or hours within the first day.
    fn late(&self, row: &Row) -> String {
        let late = row.starts_at.map(|at| Utc::now() - at).unwrap_or_default();
        if late.num_days() == 1 {
            self.layout.t("today.late_one_day").to_owned()
        } else if late.num_days() > 1 {
            self.layout.lang.tf("today.late_days", &[("n", &late.num_days())])
        } else {
            self.layout
                .lang
                .tf("today.late_hours", &[("n", &late.num_hours().max(1))])
        }
    }

    fn diagnoses(&self, row: &Row) -> String {
        row.diagnoses_text(self.layout.lang)
    }
}

/// `GET /today`.
pub async fn show(State(state): State<AppState>, page: Page) -> Result<Response> {
    let tz = page.user.tz;
    let day = today_in(tz);
    let start = local_instant(tz, day, NaiveTime::MIN).unwrap_or_else(Utc::now);
    let end = local_instant(tz, day.succ_opt().unwrap_or(day), NaiveTime::MIN).unwrap_or_else(Utc::now);
    let booked = due(&state.db, page.user.id, end, tz.name()).await?;
    let (due_today, overdue): (Vec<Row>, Vec<Row>) = booked
        .into_iter()
        .partition(|r| r.starts_at.is_some_and(|at| at >= start));
    let listed = |id: i64| due_today.iter().chain(&overdue).any(|r| r.patient_id == id);
    let caseload = caseload::of_nurse(&state.db, page.user.id, tz.name(), true).await?;
    let (retry, rest): (Vec<Row>, Vec<Row>) = caseload
        .into_iter()
        .filter(|r| !listed(r.patient_id))
        .partition(|r| r.last_outcome.as_deref().is_some_and(|o| o != "reached"));
    let no_call = rest.into_iter().filter(|r| r.starts_at.is_none()).collect();
    render(&TodayPage {
        today: page.layout.date(&day),
        layout: page.layout,
        due_today,
        overdue,
        retry,
        no_call,
        questionnaires: crate::questionnaires::due_for_nurse(&state.db, page.user.id).await?,
    })
}
