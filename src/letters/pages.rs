//! Choosing whom to write to, producing the letters, and showing them for print or as PDF.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::text::slots;
use crate::audit::access::{self, Action};
use crate::rooms::{rooms_of, Room};
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// An invited patient who may get a letter.
pub struct Candidate {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub city: Option<String>,
    pub last_letter: Option<DateTime<Utc>>,
}

/// A centre to choose.
pub struct CentreChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// A production of letters.
pub struct RunRow {
    pub id: i64,
    pub centre: String,
    pub produced_at: DateTime<Utc>,
    pub by: Option<String>,
    pub letters: i64,
}

/// The choice and the production form, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Chosen {
    #[serde(default)]
    pub centre: String,
    #[serde(default)]
    pub batch: String,
}

#[derive(Template)]
#[template(path = "letters/choose.html")]
struct ChoosePage {
    layout: Layout,
    centres: Vec<CentreChoice>,
    centre_id: Option<i64>,
    batch: String,
    candidates: Vec<Candidate>,
    rooms: Vec<Room>,
    runs: Vec<RunRow>,
    typed: Vec<(String, String)>,
    errors: FormErrors,
}

impl ChoosePage {
    fn value(&self, name: &str) -> String {
        self.typed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            // Before anything is typed: the usual first time and length of an initial meeting.
            .unwrap_or_else(|| match name {
                "time" => "10:00".into(),
                "minutes" => "45".into(),
                _ => String::new(),
            })
    }

    fn picked(&self, c: &Candidate) -> bool {
        let picks: Vec<&String> = self
            .typed
            .iter()
            .filter(|(k, _)| k == "pick")
            .map(|(_, v)| v)
            .collect();
        if self.typed.iter().any(|(k, _)| k == "_csrf") {
            picks.iter().any(|p| **p == c.id.to_string())
        } else {
            c.last_letter.is_none()
        }
    }

    fn is_centre(&self, id: &i64) -> bool {
        self.centre_id == Some(*id)
    }
}

async fn show(
    state: &AppState,
    page: Page,
    chosen: Chosen,
    typed: Vec<(String, String)>,
    errors: FormErrors,
) -> Result<Response> {
    let db = &state.db;
    let centres = sqlx::query_as!(CentreChoice, "select id, code, name from centres order by code")
        .fetch_all(db)
        .await?;
    let batch = chosen.batch.trim().parse::<i64>().ok();
    let centre_id = match chosen.centre.trim().parse::<i64>().ok() {
        Some(c) => Some(c),
        None => match batch {
            Some(b) => sqlx::query_scalar!(
                "select min(centre_id) from patients p where batch_id = $1 and status = 'invited' and p.arm is distinct from 'control'",
                b
            )
            .fetch_one(db)
            .await?
            .or(centres.first().map(|c| c.id)),
            None => centres.first().map(|c| c.id),
        },
    };
    let candidates = sqlx::query_as!(
        Candidate,
        r#"select p.id, p.first_name, p.last_name, p.city,
                  (select max(l.produced_at) from letters l where l.patient_id = p.id) as last_letter
             from patients p
            where p.centre_id = $1 and p.status = 'invited' and ($2::bigint is null or p.batch_id = $2)
              and p.arm is distinct from 'control'
            order by p.last_name, p.first_name"#,
        centre_id.unwrap_or(0),
        batch
    )
    .fetch_all(db)
    .await?;
    let rooms = rooms_of(db, centre_id.unwrap_or(0), true).await?;
    let runs = sqlx::query_as!(
        RunRow,
        r#"select r.id, c.name as centre, r.produced_at, u.name as "by?",
                  (select count(*) from letters l where l.run_id = r.id) as "letters!"
             from letter_runs r join centres c on c.id = r.centre_id left join users u on u.id = r.produced_by
            order by r.produced_at desc limit 20"#
    )
    .fetch_all(db)
    .await?;
    render(&ChoosePage {
        layout: page.layout,
        centres,
        centre_id,
        batch: batch.map(|b| b.to_string()).unwrap_or_default(),
        candidates,
        rooms,
        runs,
        typed,
        errors,
    })
}

/// `GET /letters?centre=ID&batch=ID`: invited patients to write to, and earlier productions.
pub async fn choose(
    State(state): State<AppState>,
    page: Page,
    Query(chosen): Query<Chosen>,
) -> Result<Response> {
    show(&state, page, chosen, Vec::new(), FormErrors::default()).await
}

/// `POST /letters`: `centre`, `batch`, `date`, `time`, `minutes`, `room_id`, and `pick` ids or
/// `all`. Records the production and shows the letters.
pub async fn produce(
    State(state): State<AppState>,
    page: Page,
    Form(typed): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let field = |name: &str| {
        typed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let chosen = Chosen {
        centre: field("centre"),
        batch: field("batch"),
    };
    let centre_id: i64 = chosen.centre.parse().map_err(|_| AppError::BadRequest)?;
    let batch = chosen.batch.parse::<i64>().ok();
    let mut errors = FormErrors::default();
    let date = NaiveDate::parse_from_str(&field("date"), "%Y-%m-%d").ok();
    let time = chrono::NaiveTime::parse_from_str(&field("time"), "%H:%M").ok();
    let tz = page.user.tz;
    let today = page.today();
    if date.is_none_or(|d| d <= today) {
        errors.add("date", "letters.date_invalid");
    }
    if time.is_none() {
        errors.add("time", "letters.time_invalid");
    }
    let minutes = field("minutes")
        .parse::<u32>()
        .ok()
        .filter(|m| (10..=240).contains(m));
    if minutes.is_none() {
        errors.add("minutes", "letters.minutes_invalid");
    }
    let rooms = rooms_of(&state.db, centre_id, true).await?;
    let room = rooms.iter().find(|r| r.id.to_string() == field("room_id"));
    if room.is_none() {
        errors.add("room_id", "letters.room_required");
    }
    let invited: Vec<i64> = sqlx::query_scalar!(
        "select id from patients p where centre_id = $1 and status = 'invited' and ($2::bigint is null or batch_id = $2)
            and p.arm is distinct from 'control'
          order by last_name, first_name",
        centre_id,
        batch
    )
    .fetch_all(&state.db)
    .await?;
    let picks: Vec<i64> = if field("all").is_empty() {
        typed
            .iter()
            .filter(|(k, _)| k == "pick")
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    } else {
        invited.clone()
    };
    if picks.iter().any(|p| !invited.contains(p)) {
        return Err(AppError::BadRequest);
    }
    if picks.is_empty() {
        errors.add("pick", "letters.pick_someone");
    }
    let (Some(date), Some(time), Some(minutes), Some(room), true) =
        (date, time, minutes, room, errors.is_empty())
    else {
        return show(&state, page, chosen, typed, errors).await;
    };
    // In the order the letters will be printed: by name.
    let picks: Vec<i64> = invited.into_iter().filter(|p| picks.contains(p)).collect();
    let times = slots(date, time, minutes, picks.len());
    let place = room.place();
    let mut tx = state.db.begin().await?;
    let run_id = sqlx::query_scalar!(
        "insert into letter_runs (centre_id, produced_by) values ($1, $2) returning id",
        centre_id,
        page.user.id
    )
    .fetch_one(&mut *tx)
    .await?;
    for (patient_id, at) in picks.iter().zip(times) {
        use chrono::TimeZone;
        let proposed = tz
            .from_local_datetime(&at)
            .earliest()
            .ok_or(AppError::BadRequest)?
            .with_timezone(&Utc);
        sqlx::query!(
            "insert into letters (run_id, patient_id, proposed_at, place) values ($1, $2, $3, $4)",
            run_id,
            patient_id,
            proposed,
            place
        )
        .execute(&mut *tx)
        .await?;
        access::log(&mut *tx, page.user.id, Action::Letter, *patient_id, true).await?;
    }
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        run_id,
        letters = picks.len(),
        "produced invitation letters"
    );
    Ok(Redirect::to(&format!("/letters/{run_id}")).into_response())
}
