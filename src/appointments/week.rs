//! The nurse's week as a calendar list: one day after another, each with its calls in order.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;

use super::local_instant;
use crate::domain::AppointmentStatus;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// Which week (any date in it).
#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    #[serde(default)]
    pub from: String,
}

/// A booked call in the week.
pub struct Slot {
    pub id: i64,
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub status: AppointmentStatus,
}

/// One day of the week with its calls.
pub struct Day {
    pub date: NaiveDate,
    pub label: String,
    pub today: bool,
    pub slots: Vec<Slot>,
}

#[derive(Template)]
#[template(path = "appointments/week.html")]
struct WeekPage {
    layout: Layout,
    days: Vec<Day>,
    week_number: u32,
    previous: NaiveDate,
    next: NaiveDate,
    total: usize,
}

impl WeekPage {
    fn time(&self, slot: &Slot) -> String {
        slot.starts_at
            .with_timezone(&self.layout_tz())
            .format("%H:%M")
            .to_string()
    }

    fn layout_tz(&self) -> chrono_tz::Tz {
        self.layout.tz()
    }

    fn status_key(&self, slot: &Slot) -> &'static str {
        slot.status.label_key()
    }
}

/// `GET /week?from=YYYY-MM-DD`.
pub async fn show(State(state): State<AppState>, page: Page, Query(q): Query<WeekQuery>) -> Result<Response> {
    let tz = page.user.tz;
    let today = page.today();
    let any = NaiveDate::parse_from_str(q.from.trim(), "%Y-%m-%d").unwrap_or(today);
    let monday = any - Duration::days(i64::from(any.weekday().num_days_from_monday()));
    let midnight = NaiveTime::MIN;
    let from = local_instant(tz, monday, midnight).unwrap_or_else(Utc::now);
    let to = local_instant(tz, monday + Duration::days(7), midnight).unwrap_or_else(Utc::now);
    let slots = sqlx::query_as!(
        Slot,
        r#"select a.id, a.patient_id, p.first_name, p.last_name, coalesce(p.mobile, p.phone) as phone,
                  a.starts_at, a.status as "status: AppointmentStatus"
             from appointments a join patients p on p.id = a.patient_id
            where a.nurse_id = $1 and a.starts_at >= $2 and a.starts_at < $3 and p.arm is distinct from 'control'
              and a.status in ('scheduled', 'done', 'no_answer')
            order by a.starts_at"#,
        page.user.id,
        from,
        to
    )
    .fetch_all(&state.db)
    .await?;
    let total = slots
        .iter()
        .filter(|s| s.status == AppointmentStatus::Scheduled)
        .count();
    let mut days: Vec<Day> = (0..7)
        .map(|i| {
            let date = monday + Duration::days(i);
            Day {
                date,
                label: format!(
                    "{} {}",
                    page.layout.t(crate::web::i18n::WEEKDAY_KEYS[i as usize]),
                    page.layout.date(&date)
                ),
                today: date == today,
                slots: Vec::new(),
            }
        })
        .collect();
    for slot in slots {
        let date = slot.starts_at.with_timezone(&tz).date_naive();
        if let Some(day) = days.iter_mut().find(|d| d.date == date) {
            day.slots.push(slot);
        }
    }
    // Weekends only when something is booked on them.
    days.retain(|d| d.date.weekday().num_days_from_monday() < 5 || !d.slots.is_empty());
    render(&WeekPage {
        layout: page.layout,
        days,
        week_number: monday.iso_week().week(),
        previous: monday - Duration::days(7),
        next: monday + Duration::days(7),
        total,
    })
}
