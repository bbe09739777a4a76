//! `/follow-up/{id}`: one randomised person's follow-up points and the form the research
//! assistant fills in on the phone or from a paper questionnaire. Only people of the assistant's
//! centre whom no nurse follows; every opening and every recording goes to the access log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;

use super::schedule::{schedule_of, ScheduledPoint};
use crate::db::ResultExt;
use crate::domain::{AccessAction, Arm, FollowUpMode, FollowUpResult};
use crate::questionnaires::model::instruments;
use crate::questionnaires::store::{self, Belongs, NewResponse, StoreError};
use crate::questionnaires::Instrument;
use crate::web::{render, AppError, CurrentUser, FormErrors, Layout, Page, Result};
use crate::AppState;

/// The person a follow-up page is about: what the assistant needs to call them.
pub struct Person {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub arm: Arm,
    pub randomised_on: NaiveDate,
}

/// Loads person `id` for the research assistant `user`: refused (and the refusal logged) unless
/// the person is randomised, of the assistant's centre, and in no course (then their nurse
/// asks); the opening is logged with `action` otherwise.
async fn open_person(db: &sqlx::PgPool, user: &CurrentUser, id: i64, action: AccessAction) -> Result<Person> {
    let row = sqlx::query!(
        r#"select p.id, p.centre_id, p.first_name, p.last_name, p.phone, p.mobile,
                  p.arm as "arm: Arm", randomised_on(p.id) as randomised_on,
                  exists (select 1 from courses k where k.patient_id = p.id and k.end_date is null) as "in_course!"
             from patients p where p.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let allowed = user.role.follows_up() && user.centre_id == Some(row.centre_id) && !row.in_course;
    let person = match (row.arm, row.randomised_on, allowed) {
        (Some(arm), Some(randomised_on), true) => Some(Person {
            id: row.id,
            first_name: row.first_name,
            last_name: row.last_name,
            phone: row.phone,
            mobile: row.mobile,
            arm,
            randomised_on,
        }),
        _ => None,
    };
    crate::audit::record(
        db,
        user.id,
        action,
        Some(id),
        person.is_some(),
        serde_json::json!({}),
    )
    .await?;
    person.ok_or_else(|| {
        tracing::warn!(
            user_id = user.id,
            patient_id = id,
            "refused a follow-up outside the assistant's people"
        );
        AppError::Forbidden
    })
}

/// The form as typed.
#[derive(Clone, Debug, Default)]
pub struct FollowUpForm {
    pub timepoint: String,
    pub result: String,
    pub on_date: String,
    pub mode: String,
    pub values: Vec<(i64, String)>,
    /// Why a result already recorded is corrected (empty: the first result).
    pub correction: String,
}

impl FollowUpForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "timepoint" => form.timepoint = value,
                "result" => form.result = value,
                "on_date" => form.on_date = value,
                "mode" => form.mode = value,
                "correction" => form.correction = value,
                other => form
                    .values
                    .extend(crate::questionnaires::item_answer(other, value)),
            }
        }
        form
    }

    /// The answers given, as numbers.
    fn answers(&self) -> Vec<(i64, i32)> {
        self.values
            .iter()
            .filter_map(|(item, v)| v.trim().parse().ok().map(|v| (*item, v)))
            .collect()
    }
}

/// A valid recording: the point, the result and the instruments answered.
struct Recording<'a> {
    timepoint: &'a ScheduledPoint,
    result: FollowUpResult,
    on_date: NaiveDate,
    mode: Option<FollowUpMode>,
    answered: Vec<&'a Instrument>,
}

/// Checks the form against the person's points and the instruments: a result at an open
/// point, dated from randomisation to today; with "answered", how it was given and every
/// instrument either answered in full or left out, at least one answered.
fn validate<'a>(
    form: &FollowUpForm,
    person: &Person,
    points: &'a [ScheduledPoint],
    all: &'a [Instrument],
    today: NaiveDate,
) -> std::result::Result<Recording<'a>, (FormErrors, Vec<i64>)> {
    let mut errors = FormErrors::default();
    let mut missing = Vec::new();
    let timepoint = points.iter().find(|p| p.timepoint == form.timepoint && p.open());
    if timepoint.is_none() {
        errors.add("timepoint", "follow_up.timepoint_invalid");
    }
    let result = FollowUpResult::parse(form.result.trim());
    if result.is_none() {
        errors.add("result", "follow_up.result_invalid");
    }
    let on_date = NaiveDate::parse_from_str(form.on_date.trim(), "%Y-%m-%d").ok();
    match on_date {
        None => errors.add("on_date", "questionnaires.date_invalid"),
        Some(d) if d > today => errors.add("on_date", "questionnaires.date_future"),
        Some(d) if d < person.randomised_on => errors.add("on_date", "follow_up.date_before_randomisation"),
        Some(_) => {}
    }
    let mode = FollowUpMode::parse(form.mode.trim());
    let answers = form.answers();
    let mut answered = Vec::new();
    if result.is_some_and(FollowUpResult::has_answers) {
        if mode.is_none() {
            errors.add("mode", "follow_up.mode_invalid");
        }
        for instrument in all {
            let given = instrument
                .items
                .iter()
                .filter(|i| answers.iter().any(|(id, _)| *id == i.id))
                .count();
            if given == 0 {
                continue;
            }
            match instrument.score(&answers) {
                Ok(_) => answered.push(instrument),
                Err(crate::questionnaires::model::ScoreError::Unanswered(items)) => missing.extend(items),
            }
        }
        if answered.is_empty() && missing.is_empty() {
            errors.add("answers", "follow_up.no_answers");
        }
    }
    errors.limit("correction", &form.correction, crate::web::limits::Limit::Line);
    match (
        timepoint,
        result,
        on_date,
        errors.is_empty() && missing.is_empty(),
    ) {
        (Some(timepoint), Some(result), Some(on_date), true) => Ok(Recording {
            timepoint,
            result,
            on_date,
            mode: if result.has_answers() { mode } else { None },
            answered,
        }),
        _ => Err((errors, missing)),
    }
}

#[derive(Template)]
#[template(path = "follow_up/person.html")]
struct PersonPage {
    layout: Layout,
    person: Person,
    points: Vec<ScheduledPoint>,
    instruments: Vec<Instrument>,
    form: FollowUpForm,
    errors: FormErrors,
    missing: Vec<i64>,
    saved: bool,
}

impl PersonPage {
    fn results(&self) -> &'static [FollowUpResult] {
        FollowUpResult::ALL
    }

    fn modes(&self) -> &'static [FollowUpMode] {
        FollowUpMode::ALL
    }

    fn checked(&self, item: &i64, value: &i32) -> bool {
        self.form
            .values
            .iter()
            .any(|(i, v)| i == item && *v == value.to_string())
    }

    fn is_missing(&self, item: &i64) -> bool {
        self.missing.contains(item)
    }

    /// Whether the form asks why a recorded result is corrected.
    fn asks_correction(&self) -> bool {
        self.errors.get("correction").is_some() || !self.form.correction.is_empty()
    }
}

async fn page_for(
    state: &AppState,
    page: Page,
    person: Person,
    form: FollowUpForm,
    errors: FormErrors,
    missing: Vec<i64>,
    saved: bool,
) -> Result<Response> {
    let points = schedule_of(&state.db, person.id, page.today()).await?;
    let failed = !errors.is_empty() || !missing.is_empty();
    let mut response = render(&PersonPage {
        layout: page.layout,
        person,
        points,
        instruments: asked_at_follow_up(&state.db).await?,
        form,
        errors,
        missing,
        saved,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// What the GET takes.
#[derive(Debug, Default, Deserialize)]
pub struct Ask {
    timepoint: Option<String>,
    saved: Option<String>,
}

/// `GET /follow-up/{id}`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Query(ask): Query<Ask>,
) -> Result<Response> {
    let person = open_person(&state.db, &page.user, id, AccessAction::FollowUpView).await?;
    let today = page.today();
    // Unless asked for another, the first point open with nothing recorded.
    let points = schedule_of(&state.db, id, today).await?;
    let timepoint = ask.timepoint.unwrap_or_else(|| {
        points
            .iter()
            .find(|p| p.state == crate::domain::FollowUpState::Due)
            .map(|p| p.timepoint.clone())
            .unwrap_or_default()
    });
    let form = FollowUpForm {
        timepoint,
        on_date: today.to_string(),
        mode: FollowUpMode::Phone.as_str().to_owned(),
        ..FollowUpForm::default()
    };
    page_for(
        &state,
        page,
        person,
        form,
        FormErrors::default(),
        Vec::new(),
        ask.saved.is_some(),
    )
    .await
}

/// `POST /follow-up/{id}`: records the result of one point, with its questionnaires.
pub async fn record(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let person = open_person(&state.db, &page.user, id, AccessAction::FollowUpRecord).await?;
    let form = FollowUpForm::from_pairs(pairs);
    let today = page.today();
    let points = schedule_of(&state.db, id, today).await?;
    let all = asked_at_follow_up(&state.db).await?;
    let recording = match validate(&form, &person, &points, &all, today) {
        Ok(recording) => recording,
        Err((errors, missing)) => return page_for(&state, page, person, form, errors, missing, false).await,
    };
    let answers = form.answers();
    let correction = form.correction.trim();
    let mut tx = state.db.begin().await?;
    let original = sqlx::query_scalar!(
        "select id from follow_ups where patient_id = $1 and timepoint = $2 and amends is null",
        id,
        recording.timepoint.timepoint
    )
    .fetch_optional(&mut *tx)
    .await?;
    // A reason with nothing to correct is a first result.
    let amends = original.filter(|_| !correction.is_empty());
    let follow_up_id = sqlx::query_scalar!(
        "insert into follow_ups (patient_id, timepoint, result, on_date, mode, amends, reason, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        id,
        recording.timepoint.timepoint,
        recording.result as FollowUpResult,
        recording.on_date,
        recording.mode as Option<FollowUpMode>,
        amends,
        amends.map(|_| correction),
        page.user.id
    )
    .fetch_one(&mut *tx)
    .await
    .on_constraint("follow_ups_one_per_timepoint")?;
    let Some(follow_up_id) = follow_up_id else {
        drop(tx);
        let mut errors = FormErrors::default();
        errors.add("correction", "follow_up.already_recorded");
        return page_for(&state, page, person, form, errors, Vec::new(), false).await;
    };
    for instrument in &recording.answered {
        let stored = store::store(
            &mut tx,
            NewResponse {
                patient_id: id,
                belongs: Belongs::FollowUp { follow_up_id },
                instrument,
                answered_on: recording.on_date,
                answers: &answers,
                recorded_by: page.user.id,
                correction: None,
            },
        )
        .await;
        match stored {
            Ok(_) => {}
            // Checked above; a new follow-up has no answers yet.
            Err(StoreError::Unanswered(_) | StoreError::AlreadyAnswered) => return Err(AppError::BadRequest),
            Err(StoreError::Db(e)) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        patient_id = id,
        follow_up_id,
        "recorded a follow-up"
    );
    Ok(Redirect::to(&format!("/follow-up/{id}?saved=1")).into_response())
}

/// The active instruments the study's follow-up points ask (not those asked only in a course,
/// such as the patient-experience questionnaire at its end).
async fn asked_at_follow_up(db: &sqlx::PgPool) -> Result<Vec<Instrument>, sqlx::Error> {
    Ok(instruments(db, true)
        .await?
        .into_iter()
        .filter(|i| i.asked_at(crate::domain::Timepoint::FollowUp))
        .collect())
}
