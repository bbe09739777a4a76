//! Choosing whom to write to, producing the letters, and showing them for print or as PDF.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::holds::{hold, propose, release, Release};
use crate::audit::access::{self, Action};
use crate::rooms::{rooms_of, Room};
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// Days after a letter before a missing answer is due a reminder (and, after the reminder,
/// before the invitation may close as "no response").
pub const RESPONSE_DEADLINE_DAYS: i64 = 14;

/// Invited people of the centre whose last letter is past the deadline and who have had no
/// reminder: each gets one.
pub async fn reminders_due(
    db: &sqlx::PgPool,
    centre_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Candidate>, sqlx::Error> {
    sqlx::query_as!(
        Candidate,
        r#"select p.id, p.first_name, p.last_name, p.city, max(l.produced_at) as last_letter
             from patients p join letters l on l.patient_id = p.id
            where p.centre_id = $1 and p.status = 'invited' and p.arm is distinct from 'control'
            group by p.id
           having max(l.produced_at) <= $2::timestamptz - make_interval(days => $3) and bool_and(l.kind = 'invitation')
            order by p.last_name, p.first_name"#,
        centre_id,
        now,
        RESPONSE_DEADLINE_DAYS as i32
    )
    .fetch_all(db)
    .await
}

/// `POST /letters/reminders`: one reminder each for the picked people, keeping the time their
/// letter holds when it is still ahead, else holding a new one from the next open day.
pub async fn produce_reminders(
    State(state): State<AppState>,
    page: Page,
    Form(typed): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let centre = typed
        .iter()
        .find(|(k, _)| k == "centre")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let centre_id: i64 = centre.parse().map_err(|_| AppError::BadRequest)?;
    let due: Vec<i64> = reminders_due(&state.db, centre_id, page.now())
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let picks: Vec<i64> = typed
        .iter()
        .filter(|(k, _)| k == "pick")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if picks.iter().any(|p| !due.contains(p)) {
        return Err(AppError::BadRequest);
    }
    if picks.is_empty() {
        let mut errors = FormErrors::default();
        errors.add("pick", "letters.pick_someone");
        let chosen = Chosen {
            centre,
            batch: String::new(),
        };
        return show(&state, page, chosen, Vec::new(), errors).await;
    }
    let rooms = rooms_of(&state.db, centre_id, true).await?;
    let now = page.now();
    let mut tx = state.db.begin().await?;
    let run_id = sqlx::query_scalar!(
        "insert into letter_runs (centre_id, produced_by) values ($1, $2) returning id",
        centre_id,
        page.user.id
    )
    .fetch_one(&mut *tx)
    .await?;
    for patient_id in due.into_iter().filter(|p| picks.contains(p)) {
        let kept = sqlx::query!(
            "select h.starts_at, h.room_id, l.place from letter_holds h join letters l on l.id = h.letter_id
              where h.patient_id = $1 and h.released_at is null and h.starts_at > $2::timestamptz + interval '2 days'
              order by h.letter_id desc limit 1",
            patient_id,
            now
        )
        .fetch_optional(&mut *tx)
        .await?;
        let (proposed, place, new_hold) = match kept {
            Some(k) => (k.starts_at, k.place, None),
            None => {
                release(&mut tx, patient_id, Release::Freed, now).await?;
                let room = rooms.first().ok_or(AppError::Refused("letters.no_rooms"))?;
                let tomorrow = page.today().succ_opt().unwrap_or(page.today());
                let ten = chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default();
                let slot = propose(
                    &mut tx,
                    centre_id,
                    room.id,
                    tomorrow,
                    ten,
                    MEETING_MINUTES,
                    1,
                    now,
                )
                .await?
                .into_iter()
                .next()
                .ok_or(AppError::Refused("letters.no_slots"))?;
                (slot.starts_at, room.place(), Some((room.id, slot)))
            }
        };
        let letter_id = sqlx::query_scalar!(
            "insert into letters (run_id, patient_id, proposed_at, place, kind) values ($1, $2, $3, $4, 'reminder') returning id",
            run_id,
            patient_id,
            proposed,
            place
        )
        .fetch_one(&mut *tx)
        .await?;
        if let Some((room_id, slot)) = new_hold {
            if !hold(&mut tx, letter_id, patient_id, room_id, slot, MEETING_MINUTES).await? {
                return Err(AppError::Refused("letters.slot_taken"));
            }
        }
        access::log(&mut *tx, page.user.id, Action::Letter, patient_id, true).await?;
    }
    tx.commit().await?;
    tracing::info!(user_id = page.user.id, run_id, "produced reminder letters");
    Ok(Redirect::to(&format!("/letters/{run_id}")).into_response())
}

/// How long a reminder's newly held meeting lasts.
const MEETING_MINUTES: i64 = 45;

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
    /// Invited people past the answer deadline who have had no reminder yet.
    reminders: Vec<Candidate>,
    deadline_days: i64,
    typed: Vec<(String, String)>,
    errors: FormErrors,
}

impl ChoosePage {
    fn reminders_hint(&self) -> String {
        self.layout
            .lang
            .tf("letters.reminders_hint", &[("days", &self.deadline_days)])
    }

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
    let reminders = reminders_due(db, centre_id.unwrap_or(0), page.now()).await?;
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
        reminders,
        deadline_days: RESPONSE_DEADLINE_DAYS,
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
    let minutes = i64::from(minutes);
    let place = room.place();
    let mut tx = state.db.begin().await?;
    let slots = propose(
        &mut tx,
        centre_id,
        room.id,
        date,
        time,
        minutes,
        picks.len(),
        page.now(),
    )
    .await?;
    if slots.len() < picks.len() {
        drop(tx);
        errors.add("date", "letters.no_slots");
        return show(&state, page, chosen, typed, errors).await;
    }
    let run_id = sqlx::query_scalar!(
        "insert into letter_runs (centre_id, produced_by) values ($1, $2) returning id",
        centre_id,
        page.user.id
    )
    .fetch_one(&mut *tx)
    .await?;
    for (patient_id, slot) in picks.iter().zip(slots) {
        let letter_id = sqlx::query_scalar!(
            "insert into letters (run_id, patient_id, proposed_at, place) values ($1, $2, $3, $4) returning id",
            run_id,
            patient_id,
            slot.starts_at,
            place
        )
        .fetch_one(&mut *tx)
        .await?;
        if !hold(&mut tx, letter_id, *patient_id, room.id, slot, minutes).await? {
            // Another run took a slot meanwhile: nothing of this one is kept.
            drop(tx);
            errors.add("date", "letters.slot_taken");
            return show(&state, page, chosen, typed, errors).await;
        }
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
