//! The patient's plan (as a Swedish *patientkontrakt*): their goals, the agreed call times and
//! rhythm, their nurse and how to reach the centre, and their own contacts. A one-page letter
//! in Danish; each printed version is kept (append-only) and shown on the timeline.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use super::latest_course;
use crate::audit::access::{check, Action};
use crate::web::{render, AppError, Lang, Layout, Page, Result};
use crate::AppState;

/// The letter itself: rendered into the page, and stored as printed.
#[derive(Template)]
#[template(path = "courses/plan_letter.html")]
struct Letter {
    da: Lang,
    today: String,
    name: String,
    address: Vec<String>,
    goals: Vec<String>,
    calls: Vec<String>,
    preferred_call_times: String,
    rhythm_weeks: Option<i64>,
    nurse: Option<String>,
    centre_name: String,
    centre_phone: String,
    centre_address: String,
    gp: Option<String>,
    municipality: Option<String>,
    relatives: Vec<(String, String, Option<String>)>,
}

impl Letter {
    /// "We call about every second week", in Danish.
    fn rhythm(&self) -> Option<String> {
        self.rhythm_weeks.map(|w| match w {
            1 => self.da.t("plan.rhythm_weekly").to_owned(),
            w => self.da.tf("plan.rhythm", &[("n", &w)]),
        })
    }
}

async fn letter(
    db: &sqlx::PgPool,
    patient_id: i64,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Letter> {
    let p = sqlx::query!(
        r#"select p.first_name, p.last_name, p.address, p.postal_code, p.city, p.gp, p.municipality,
                  p.preferred_call_times, c.name as centre_name, c.phone as centre_phone,
                  c.address as centre_address, u.name as "nurse?"
             from patients p join centres c on c.id = p.centre_id
             left join users u on u.id = p.nurse_id
            where p.id = $1"#,
        patient_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let goals = sqlx::query_scalar!(
        "select text from goals where patient_id = $1 and status = 'open' order by created_at",
        patient_id
    )
    .fetch_all(db)
    .await?;
    let starts = sqlx::query_scalar!(
        "select starts_at from appointments
          where patient_id = $1 and kind = 'call' and status = 'scheduled' and starts_at > $2
          order by starts_at limit 4",
        patient_id,
        now
    )
    .fetch_all(db)
    .await?;
    let relatives = sqlx::query!(
        "select name, relation, phone from patient_contacts where patient_id = $1 order by id",
        patient_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.name, r.relation, r.phone))
    .collect();
    let rhythm_weeks = crate::appointments::usual_interval_days(db, patient_id)
        .await?
        .map(|d| (d + 3) / 7);
    let mut address = Vec::new();
    if let Some(a) = p.address {
        address.push(a);
    }
    let town = [p.postal_code, p.city]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !town.is_empty() {
        address.push(town);
    }
    Ok(Letter {
        da: Lang::Da,
        today: Lang::Da.date(crate::clock::today_at(now, tz)),
        name: format!("{} {}", p.first_name, p.last_name),
        address,
        goals,
        calls: starts.iter().map(|at| Lang::Da.booked(*at, tz)).collect(),
        preferred_call_times: p.preferred_call_times,
        rhythm_weeks,
        nurse: p.nurse,
        centre_name: p.centre_name,
        centre_phone: p.centre_phone,
        centre_address: p.centre_address,
        gp: p.gp,
        municipality: p.municipality,
        relatives,
    })
}

/// A printed version as listed under the plan.
pub struct PrintRow {
    pub id: i64,
    pub printed_at: DateTime<Utc>,
    pub by: String,
}

#[derive(Template)]
#[template(path = "courses/plan.html")]
struct PlanPage {
    layout: Layout,
    patient_id: i64,
    letter: String,
    prints: Vec<PrintRow>,
    printed: bool,
}

/// `GET /patients/{id}/plan`: the plan as it would print now, and the versions printed.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    let letter = letter(&state.db, id, page.user.tz, page.now()).await?.render()?;
    let prints = sqlx::query_as!(
        PrintRow,
        "select pp.id, pp.printed_at, u.name as by from plan_prints pp join users u on u.id = pp.printed_by
          where pp.patient_id = $1 order by pp.printed_at desc",
        id
    )
    .fetch_all(&state.db)
    .await?;
    render(&PlanPage {
        layout: page.layout,
        patient_id: id,
        letter,
        prints,
        printed: false,
    })
}

/// `POST /patients/{id}/plan`: keeps this version as printed and opens it for printing.
pub async fn print(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let content = letter(&state.db, id, page.user.tz, page.now()).await?.render()?;
    let course = latest_course(&state.db, id).await?;
    let print_id = sqlx::query_scalar!(
        "insert into plan_prints (patient_id, course_id, content, printed_by) values ($1, $2, $3, $4)
         returning id",
        id,
        course.map(|c| c.id),
        content,
        page.user.id
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Redirect::to(&format!("/plan-prints/{print_id}?print=1")).into_response())
}

/// `GET /plan-prints/{id}`: a version exactly as it was printed.
pub async fn printed(
    State(state): State<AppState>,
    page: Page,
    Path(print_id): Path<i64>,
) -> Result<Response> {
    let row = sqlx::query!(
        "select patient_id, content from plan_prints where id = $1",
        print_id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    check(&state.db, &page.user, row.patient_id, Action::ViewPage).await?;
    render(&PlanPage {
        layout: page.layout,
        patient_id: row.patient_id,
        letter: row.content,
        prints: Vec::new(),
        printed: true,
    })
}
