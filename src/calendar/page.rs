//! The centre's calendar page: a month with its holidays, closed days and absences; the
//! working hours and the centre's own closed days, which the coordinator keeps; the absences,
//! which nurses ask for and coordinators approve and cover (the `absences` feature handles those
//! forms).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use serde::Deserialize;

use super::rule::ClosedDay;
use crate::domain::calendar::holidays;
use crate::domain::{AbsenceKind, AbsenceStatus, Holiday};
use crate::web::auth::centre_of;
use crate::web::i18n::WEEKDAY_KEYS;
use crate::web::{render, AppError, FormErrors, Layout, Page, Result, Role};
use crate::AppState;

/// One day of the month grid.
pub struct Day {
    pub date: NaiveDate,
    pub in_month: bool,
    pub today: bool,
    /// The public holiday or the centre's closed day, named.
    pub closed: Option<String>,
    /// Closed by its weekday (no opening hours).
    pub weekend: bool,
    /// Nurses away that day, with the kind (and whether only requested).
    pub away: Vec<String>,
}

/// A nurse's absence as the page lists it.
pub struct AbsenceRow {
    pub id: i64,
    pub nurse_id: i64,
    pub nurse: String,
    pub kind: AbsenceKind,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub status: AbsenceStatus,
    pub note: String,
    pub covered: i64,
}

/// A weekday's hours as the form shows them (empty: closed).
pub struct HoursRow {
    pub weekday: i16,
    pub key: &'static str,
    pub opens: String,
    pub closes: String,
}

/// The centre's own closed day, as listed.
pub struct ClosedRow {
    pub id: i64,
    pub day: ClosedDay,
}

#[derive(Template)]
#[template(path = "calendar/calendar.html")]
struct CalendarPage {
    layout: Layout,
    month: NaiveDate,
    previous: String,
    next: String,
    weeks: Vec<Vec<Day>>,
    hours: Vec<HoursRow>,
    open_on_holidays: bool,
    closed: Vec<ClosedRow>,
    holidays: Vec<(NaiveDate, Holiday)>,
    absences: Vec<AbsenceRow>,
    nurses: Vec<(i64, String)>,
    coordinator: bool,
    errors: FormErrors,
    typed: AbsenceTyped,
}

impl CalendarPage {
    fn month_name(&self) -> String {
        let key = MONTHS[self.month.month0() as usize];
        format!("{} {}", self.layout.t(key), self.month.year())
    }

    fn weekday_key(&self, i: &usize) -> &'static str {
        WEEKDAY_KEYS[*i]
    }
}

/// The hours form's field of each weekday, for its error.
const WEEKDAY_FIELDS: [&str; 7] = [
    "opens_1", "opens_2", "opens_3", "opens_4", "opens_5", "opens_6", "opens_7",
];

const MONTHS: [&str; 12] = [
    "month.1", "month.2", "month.3", "month.4", "month.5", "month.6", "month.7", "month.8", "month.9",
    "month.10", "month.11", "month.12",
];

/// `?month=2027-07`.
#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

/// The absence form as typed, kept when refused.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AbsenceTyped {
    #[serde(default)]
    pub nurse_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub first_day: String,
    #[serde(default)]
    pub last_day: String,
    #[serde(default)]
    pub note: String,
}

/// `GET /calendar`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<MonthQuery>,
) -> Result<Response> {
    let month = NaiveDate::parse_from_str(&format!("{}-01", q.month.trim()), "%Y-%m-%d").ok();
    page_with(
        &state,
        page,
        month,
        FormErrors::default(),
        AbsenceTyped::default(),
    )
    .await
}

/// The page, for `month` (this month when none), with a refused absence form's errors.
pub async fn page_with(
    state: &AppState,
    page: Page,
    month: Option<NaiveDate>,
    errors: FormErrors,
    typed: AbsenceTyped,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let today = page.today();
    let month = month
        .or_else(|| NaiveDate::from_ymd_opt(today.year(), today.month(), 1))
        .ok_or(AppError::BadRequest)?;
    let mut conn = state.db.acquire().await?;
    let calendar = super::Calendar::load(&mut conn, centre_id, super::For::default(), page.now()).await?;
    drop(conn);
    let grid_start = month - Duration::days(i64::from(month.weekday().num_days_from_monday()));
    let grid_end = grid_start + Duration::days(41);
    let absences = sqlx::query_as!(
        AbsenceRow,
        r#"select a.id, a.nurse_id, u.name as nurse, a.kind as "kind: AbsenceKind", a.first_day, a.last_day,
                  a.status as "status: AbsenceStatus", a.note,
                  (select count(*) from absence_covers c where c.absence_id = a.id) as "covered!"
             from absences a join users u on u.id = a.nurse_id
            where u.centre_id = $1 and a.status <> 'cancelled'
              and (a.last_day >= $2 or (a.first_day <= $4 and a.last_day >= $3))
            order by a.first_day, u.name"#,
        centre_id,
        today,
        grid_start,
        grid_end
    )
    .fetch_all(&state.db)
    .await?;
    let lang = page.lang();
    let mut weeks = Vec::new();
    for w in 0..6 {
        let week: Vec<Day> = (0..7)
            .map(|d| {
                let date = grid_start + Duration::days(w * 7 + d);
                let closed = match calendar.closed_on(date) {
                    Some(super::Refusal::Holiday(h)) => Some(lang.t(h.label_key()).to_owned()),
                    Some(super::Refusal::ClosedDay(name)) => Some(name),
                    _ => None,
                };
                Day {
                    date,
                    in_month: date.month() == month.month(),
                    today: date == today,
                    weekend: calendar.hours_on(date).is_none(),
                    closed,
                    away: absences
                        .iter()
                        .filter(|a| a.first_day <= date && date <= a.last_day)
                        .map(|a| {
                            let mut s =
                                format!("{} ({})", a.nurse, lang.t(a.kind.label_key()).to_lowercase());
                            if a.status == AbsenceStatus::Requested {
                                s.push_str(&format!(
                                    " · {}",
                                    lang.t("absence.status_requested").to_lowercase()
                                ));
                            }
                            s
                        })
                        .collect(),
                }
            })
            .collect();
        if w > 3 && week.iter().all(|d| !d.in_month) {
            break;
        }
        weeks.push(week);
    }
    let hours = (1..=7)
        .map(|weekday: i16| {
            let h = calendar.hours[(weekday - 1) as usize];
            HoursRow {
                weekday,
                key: WEEKDAY_KEYS[(weekday - 1) as usize],
                opens: h.map(|(o, _)| o.format("%H:%M").to_string()).unwrap_or_default(),
                closes: h.map(|(_, c)| c.format("%H:%M").to_string()).unwrap_or_default(),
            }
        })
        .collect();
    let closed = sqlx::query!(
        "select id, day, every_year, name from closed_days where centre_id = $1 order by every_year desc, day",
        centre_id
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| ClosedRow {
        id: r.id,
        day: ClosedDay {
            day: r.day,
            every_year: r.every_year,
            name: r.name,
        },
    })
    .collect();
    let nurses = sqlx::query!(
        "select id, name from users where centre_id = $1 and role = 'nurse' and active order by name",
        centre_id
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|n| (n.id, n.name))
    .collect();
    let next_month = |m: NaiveDate, by: i32| {
        let total = m.year() * 12 + m.month0() as i32 + by;
        format!("{:04}-{:02}", total.div_euclid(12), total.rem_euclid(12) + 1)
    };
    render(&CalendarPage {
        previous: next_month(month, -1),
        next: next_month(month, 1),
        holidays: holidays(month.year()),
        coordinator: page.user.role == Role::Coordinator,
        open_on_holidays: calendar.open_on_holidays,
        layout: page.layout,
        month,
        weeks,
        hours,
        closed,
        absences,
        nurses,
        errors,
        typed,
    })
}

/// The hours form: `opens_1`..`opens_7`, `closes_1`..`closes_7` (both empty: closed).
pub async fn save_hours(
    State(state): State<AppState>,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let field = |name: String| {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut hours = Vec::new();
    for weekday in 1..=7i16 {
        let (opens, closes) = (
            field(format!("opens_{weekday}")),
            field(format!("closes_{weekday}")),
        );
        if opens.is_empty() && closes.is_empty() {
            continue;
        }
        let parse = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").ok();
        match (parse(&opens), parse(&closes)) {
            (Some(o), Some(c)) if c > o => hours.push((weekday, o, c)),
            _ => {
                let mut errors = FormErrors::default();
                errors.add(WEEKDAY_FIELDS[(weekday - 1) as usize], "calendar.hours_invalid");
                return page_with(&state, page, None, errors, AbsenceTyped::default()).await;
            }
        }
    }
    let mut tx = state.db.begin().await?;
    sqlx::query!("delete from working_hours where centre_id = $1", centre_id)
        .execute(&mut *tx)
        .await?;
    for (weekday, opens, closes) in hours {
        sqlx::query!(
            "insert into working_hours (centre_id, weekday, opens, closes) values ($1, $2, $3, $4)",
            centre_id,
            weekday,
            opens,
            closes
        )
        .execute(&mut *tx)
        .await?;
    }
    let open_on_holidays = fields.iter().any(|(n, _)| n == "open_on_holidays");
    crate::admin::centres::set_open_on_holidays(&mut tx, centre_id, open_on_holidays).await?;
    tx.commit().await?;
    tracing::info!(user_id = page.user.id, centre_id, "changed the working hours");
    Ok(crate::web::flash::redirect(
        "/calendar#hours",
        "done.calendar_hours_saved",
    ))
}

/// The closed-day form.
#[derive(Debug, Default, Deserialize)]
pub struct ClosedTyped {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub every_year: Option<String>,
}

/// `POST /calendar/closed`: the centre closes on a day (or the same day every year).
pub async fn add_closed(
    State(state): State<AppState>,
    page: Page,
    Form(typed): Form<ClosedTyped>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let day = NaiveDate::parse_from_str(typed.day.trim(), "%Y-%m-%d").ok();
    let name = typed.name.trim();
    let (Some(day), false, true) = (day, name.is_empty(), name.chars().count() <= 80) else {
        let mut errors = FormErrors::default();
        errors.add("closed_day", "calendar.closed_day_invalid");
        return page_with(&state, page, None, errors, AbsenceTyped::default()).await;
    };
    sqlx::query!(
        "insert into closed_days (centre_id, day, every_year, name, created_by) values ($1, $2, $3, $4, $5)
         on conflict (centre_id, day) do update set name = excluded.name, every_year = excluded.every_year",
        centre_id,
        day,
        typed.every_year.is_some(),
        name,
        page.user.id
    )
    .execute(&state.db)
    .await?;
    Ok(crate::web::flash::redirect(
        "/calendar#closed",
        "done.calendar_closed_day_saved",
    ))
}

/// `POST /calendar/closed/{id}/remove`: the centre opens on that day again.
pub async fn remove_closed(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let done = sqlx::query!(
        "delete from closed_days where id = $1 and centre_id = $2",
        id,
        centre_id
    )
    .execute(&state.db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(crate::web::flash::redirect(
        "/calendar#closed",
        "done.calendar_closed_day_removed",
    ))
}
