//! Taking a step of the protocol (`POST /patients/{id}/unreachable`), and showing a step as it
//! was produced: the letter for print and as PDF, the GP message to copy or print.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::compose::{self, Facts};
use super::Step;
use crate::audit::access::{check, Action};
use crate::domain::course::open_course;
use crate::letters::text::Letter;
use crate::web::{render, AppError, FormKey, Layout, Page, Result};
use crate::AppState;

/// Which step, and the form's key (a double click makes one letter).
#[derive(Debug, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub step: String,
    #[serde(default)]
    pub form_key: String,
}

fn back(patient_id: i64, problem: &str) -> Response {
    Redirect::to(&format!("/patients/{patient_id}?problem={problem}#unreachable")).into_response()
}

fn shown(step_id: i64) -> Response {
    Redirect::to(&format!("/reachability/{step_id}")).into_response()
}

/// The step stored with `key`, if any; a key sent for another patient is a forged form.
async fn step_with_key(db: &sqlx::PgPool, key: FormKey, patient_id: i64) -> Result<Option<i64>> {
    let row = sqlx::query!(
        "select id, patient_id from reachability_steps where form_key = $1",
        key.uuid()
    )
    .fetch_optional(db)
    .await?;
    match row {
        Some(r) if r.patient_id != patient_id => Err(AppError::BadRequest),
        Some(r) => Ok(Some(r.id)),
        None => Ok(None),
    }
}

async fn facts(db: &sqlx::PgPool, patient_id: i64) -> Result<Facts> {
    sqlx::query_as!(
        Facts,
        r#"select p.first_name, p.last_name, p.cpr, p.address, p.postal_code, p.city, p.gp,
                  c.name as centre_name, c.address as centre_address, c.phone as centre_phone,
                  u.name as "nurse?"
             from patients p join centres c on c.id = p.centre_id
             left join users u on u.id = p.nurse_id
            where p.id = $1"#,
        patient_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// `POST /patients/{id}/unreachable`: `step` = letter | gp. Produces the letter or the GP
/// message, keeps it (with the number of days with failed attempts) and opens it.
pub async fn take(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let step = Step::parse(&form.step).ok_or(AppError::BadRequest)?;
    let Some(key) = FormKey::parse(&form.form_key) else {
        return Ok(back(id, "form_key"));
    };
    if let Some(step_id) = step_with_key(&state.db, key, id).await? {
        return Ok(shown(step_id));
    }
    let Some(course) = open_course(&state.db, id).await? else {
        return Ok(back(id, "reach_no_course"));
    };
    let now = page.now();
    let tz = page.user.tz;
    let facts = facts(&state.db, id).await?;
    let failed = crate::safety::failed_attempts(&state.db, now, id).await?;
    let (letter, message) = match step {
        Step::Letter => {
            let letter = compose::letter(&facts, now.with_timezone(&tz).date_naive());
            (
                Some(serde_json::to_value(&letter).map_err(anyhow::Error::from)?),
                None,
            )
        }
        Step::Gp => (None, Some(compose::gp_message(&facts, failed))),
    };
    let stored = sqlx::query_scalar!(
        "insert into reachability_steps (patient_id, course_id, step, letter, message, failed_attempts,
                                         recorded_by, recorded_at, form_key)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (form_key) do nothing returning id",
        id,
        course.id,
        step.as_str(),
        letter,
        message,
        i32::try_from(failed).unwrap_or(i32::MAX),
        page.user.id,
        now,
        key.uuid()
    )
    .fetch_optional(&state.db)
    .await?;
    if let (Some(_), Step::Gp, Some(text)) = (stored, step, message.as_deref()) {
        // Through MedCom when the directory knows the GP; otherwise it is printed as before.
        crate::messaging::correspondence::send_to(
            &state,
            id,
            crate::domain::OrganisationKind::GpPractice,
            page.user.id,
            crate::domain::CareCategory::CareCoordination,
            "Patienten kan ikke kontaktes",
            text,
        )
        .await?;
    }
    let step_id = match stored {
        Some(step_id) => step_id,
        // The same form, sent twice at once: the other send stored it.
        None => step_with_key(&state.db, key, id)
            .await?
            .ok_or(AppError::BadRequest)?,
    };
    tracing::info!(
        user_id = page.user.id,
        patient_id = id,
        step = step.as_str(),
        "took a step to reach a patient"
    );
    Ok(shown(step_id))
}

/// A step as stored.
struct Stored {
    id: i64,
    patient_id: i64,
    step: Step,
    letter: Option<Letter>,
    message: Option<String>,
    recorded_at: DateTime<Utc>,
    by: String,
}

/// Loads a step, after checking (and logging) that the person may see its patient.
async fn stored(state: &AppState, page: &Page, step_id: i64) -> Result<Stored> {
    let row = sqlx::query!(
        "select s.id, s.patient_id, s.step, s.letter, s.message, s.recorded_at, u.name as by
           from reachability_steps s join users u on u.id = s.recorded_by where s.id = $1",
        step_id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    check(&state.db, &page.user, row.patient_id, Action::ViewPage).await?;
    let letter = row
        .letter
        .map(serde_json::from_value::<Letter>)
        .transpose()
        .map_err(anyhow::Error::from)?;
    Ok(Stored {
        id: row.id,
        patient_id: row.patient_id,
        step: Step::parse(&row.step).ok_or_else(|| anyhow::anyhow!("unknown reachability step"))?,
        letter,
        message: row.message,
        recorded_at: row.recorded_at,
        by: row.by,
    })
}

#[derive(Template)]
#[template(path = "reachability/step.html")]
struct StepPage {
    layout: Layout,
    step: Stored,
    /// The letter, as the shared letter template reads it.
    letters: Vec<Letter>,
}

impl StepPage {
    fn heading(&self) -> &'static str {
        self.layout.t(self.step.step.heading_key())
    }
}

/// `GET /reachability/{id}`: the letter ready to print, or the GP message to copy or print.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let step = stored(&state, &page, id).await?;
    render(&StepPage {
        letters: step.letter.clone().into_iter().collect(),
        layout: page.layout,
        step,
    })
}

/// `GET /reachability/{id}/pdf`: the letter as a PDF (a GP message has none).
pub async fn pdf(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let step = stored(&state, &page, id).await?;
    let letter = step.letter.ok_or(AppError::NotFound)?;
    let bytes = crate::letters::pdf::render(&[letter], "Brev fra sundhedscoachingen");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"brev-{id}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
