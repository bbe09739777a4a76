//! The centre overview over a chosen period: the funnel from invitation to course end, calls
//! per week, mean call length and reach rate, drawn as server-side SVG.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::centre_of;
use super::chart::{self, Chart};
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD`; by default the last twelve weeks.
#[derive(Debug, Default, Deserialize)]
pub struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// One week of calls.
pub struct Week {
    pub week: NaiveDate,
    pub calls: i64,
    pub reached: i64,
    pub minutes: i64,
}

#[derive(Template)]
#[template(path = "centre/overview.html")]
struct OverviewPage {
    layout: Layout,
    from: NaiveDate,
    to: NaiveDate,
    funnel: Chart,
    weeks: Chart,
    calls: i64,
    reach_rate: String,
    mean_minutes: String,
}

/// `GET /overview`.
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    Query(period): Query<Period>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let lang = page.lang();
    let today = page.today();
    let to = NaiveDate::parse_from_str(period.to.trim(), "%Y-%m-%d").unwrap_or(today);
    let from = NaiveDate::parse_from_str(period.from.trim(), "%Y-%m-%d")
        .ok()
        .filter(|f| *f <= to)
        .unwrap_or(to - Duration::weeks(12));
    // Patients invited in the period, and how far each got. The control group of the effect
    // study is never offered coaching, so it stays out of the funnel and is counted on its own.
    let f = sqlx::query!(
        r#"with everyone as (
               select p.id, p.status, p.arm from centres c join patients p on p.centre_id = c.id
                where c.id = $1 and p.created_at >= ($2::date::timestamp at time zone c.timezone)
                  and p.created_at < (($3::date + 1)::timestamp at time zone c.timezone)),
           cohort as (select id, status from everyone where arm is distinct from 'control')
           select count(*) as "invited!",
                  (select count(*) from everyone where arm = 'control') as "control!",
                  count(*) filter (where status in ('meeting_booked', 'active', 'ended')
                                      or exists (select 1 from status_changes s where s.patient_id = cohort.id
                                                   and s.to_status = 'meeting_booked')) as "meeting!",
                  count(*) filter (where status in ('active', 'ended')) as "active!",
                  count(*) filter (where status = 'declined') as "declined!",
                  count(*) filter (where status = 'no_response') as "no_response!",
                  count(*) filter (where status = 'unreachable') as "unreachable!",
                  count(*) filter (where status = 'not_eligible') as "not_eligible!"
             from cohort"#,
        centre_id,
        from,
        to
    )
    .fetch_one(&state.db)
    .await?;
    let ended = sqlx::query!(
        r#"select co.end_reason as "reason!", count(*) as "n!"
             from courses co join patients p on p.id = co.patient_id join centres c on c.id = p.centre_id
            where c.id = $1 and co.end_date is not null and p.arm is distinct from 'control'
              and p.created_at >= ($2::date::timestamp at time zone c.timezone)
              and p.created_at < (($3::date + 1)::timestamp at time zone c.timezone)
            group by co.end_reason order by co.end_reason"#,
        centre_id,
        from,
        to
    )
    .fetch_all(&state.db)
    .await?;
    let mut stages: Vec<(String, f64, String)> = [
        ("overview.invited", f.invited),
        ("overview.meeting_booked", f.meeting),
        ("overview.active", f.active),
    ]
    .into_iter()
    .map(|(k, n)| (lang.t(k).to_owned(), n as f64, n.to_string()))
    .collect();
    for e in &ended {
        let label = format!(
            "{}: {}",
            lang.t("overview.ended"),
            lang.t(end_reason_key(&e.reason))
        );
        stages.push((label, e.n as f64, e.n.to_string()));
    }
    for (k, n) in [
        ("status.declined", f.declined),
        ("status.no_response", f.no_response),
        ("status.unreachable", f.unreachable),
        ("status.not_eligible", f.not_eligible),
        ("overview.control", f.control),
    ] {
        stages.push((lang.t(k).to_owned(), n as f64, n.to_string()));
    }
    let weeks = sqlx::query_as!(
        Week,
        // The kept calls per day (`call_days`) of the period, summed per week.
        r#"with k as (select date_trunc('week', d.day)::date as week, sum(d.calls)::bigint as calls,
                             sum(d.reached)::bigint as reached, sum(d.reached_minutes)::bigint as minutes
                        from call_days d
                       where d.centre_id = $1 and d.day >= $2::date and d.day <= $3::date
                       group by 1)
           select w.week::date as "week!", coalesce(k.calls, 0) as "calls!",
                  coalesce(k.reached, 0) as "reached!", coalesce(k.minutes, 0) as "minutes!"
             from generate_series(date_trunc('week', $2::date), $3::date, interval '1 week') w(week)
             left join k on k.week = w.week::date
            order by w.week"#,
        centre_id,
        from,
        to
    )
    .fetch_all(&state.db)
    .await?;
    let calls: i64 = weeks.iter().map(|w| w.calls).sum();
    let reached: i64 = weeks.iter().map(|w| w.reached).sum();
    let minutes: i64 = weeks.iter().map(|w| w.minutes).sum();
    let per_week: Vec<(String, f64, String)> = weeks
        .iter()
        .map(|w| (lang.day_and_month(w.week), w.calls as f64, w.calls.to_string()))
        .collect();
    render(&OverviewPage {
        from,
        to,
        funnel: chart::rows(&stages, 760),
        weeks: chart::columns(&per_week, 760, 200),
        calls,
        reach_rate: if calls > 0 {
            format!("{} %", lang.decimal(reached as f64 * 100.0 / calls as f64, 0))
        } else {
            "–".into()
        },
        mean_minutes: if reached > 0 {
            lang.decimal(minutes as f64 / reached as f64, 1)
        } else {
            "–".into()
        },
        layout: page.layout,
    })
}

/// The catalogue key of a course's end reason.
pub fn end_reason_key(reason: &str) -> &'static str {
    match reason {
        "completed" => "overview.end_completed",
        "withdrew" => "overview.end_withdrew",
        "moved" => "overview.end_moved",
        "died" => "overview.end_died",
        "unreachable" => "overview.end_unreachable",
        _ => "overview.end_other",
    }
}
