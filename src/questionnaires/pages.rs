//! `/patients/{id}/questionnaires`: the answers given so far with the course's trend, and the
//! form the nurse fills in on the phone. Centre-checked and access-logged like the record.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;

use super::due::{timeline_events, QuestionnaireEvent};
use super::model::{instruments, Instrument, ScoreError, Timepoint};
use super::store;
use super::trend::{self, Trend};
use crate::audit::openings::{open_patient, PatientHead};
use crate::web::FormErrors;
use crate::web::{render, AppError, Lang, Layout, Page, Result};
use crate::AppState;

/// The course answers are stored with: the open one, or else the latest.
pub struct Course {
    pub id: i64,
    pub start_date: NaiveDate,
    pub planned_end: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

async fn current_course(db: &sqlx::PgPool, patient_id: i64) -> Result<Option<Course>, sqlx::Error> {
    sqlx::query_as!(
        Course,
        "select id, start_date, planned_end, end_date from courses where patient_id = $1
          order by (end_date is null) desc, start_date desc, id desc limit 1",
        patient_id
    )
    .fetch_optional(db)
    .await
}

/// The form as typed: `instrument`, `timepoint`, `answered_on` and `item_<id>` = value.
#[derive(Clone, Debug, Default)]
pub struct AnswerForm {
    pub instrument: String,
    pub timepoint: String,
    pub answered_on: String,
    pub values: Vec<(i64, String)>,
    /// Why an answer already given for this timepoint is corrected (empty: a first answer).
    pub correction: String,
}

impl AnswerForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "instrument" => form.instrument = value,
                "timepoint" => form.timepoint = value,
                "answered_on" => form.answered_on = value,
                "correction" => form.correction = value,
                other => form.values.extend(super::item_answer(other, value)),
            }
        }
        form
    }
}

#[derive(Template)]
#[template(path = "questionnaires/patient.html")]
struct PatientPage {
    layout: Layout,
    patient: PatientHead,
    course: Option<Course>,
    events: Vec<QuestionnaireEvent>,
    trends: Vec<Trend>,
    instruments: Vec<Instrument>,
    chosen: Option<Instrument>,
    form: AnswerForm,
    errors: FormErrors,
    missing: Vec<i64>,
    may_record: bool,
    saved: bool,
}

impl PatientPage {
    fn lang(&self) -> Lang {
        self.layout.lang
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

    fn timepoints(&self) -> Vec<Timepoint> {
        Timepoint::ALL.iter().copied().filter(|t| t.in_course()).collect()
    }

    /// Whether the form asks why an answer already given is corrected.
    fn asks_correction(&self) -> bool {
        self.errors.get("correction").is_some() || !self.form.correction.is_empty()
    }

    fn score_text(&self, value: &f64) -> String {
        self.layout
            .lang
            .decimal(*value, if value.fract() == 0.0 { 0 } else { 1 })
    }
}

/// What the GET takes: which instrument to ask, at which timepoint.
#[derive(Debug, Default, Deserialize)]
pub struct Ask {
    instrument: Option<String>,
    timepoint: Option<String>,
    saved: Option<String>,
}

async fn page_for(
    state: &AppState,
    page: Page,
    patient: PatientHead,
    form: AnswerForm,
    errors: FormErrors,
    missing: Vec<i64>,
    saved: bool,
) -> Result<Response> {
    let course = current_course(&state.db, patient.id).await?;
    let events = timeline_events(&state.db, patient.id).await?;
    let all = instruments(&state.db, false).await?;
    let lang = page.lang();
    let trends = match &course {
        Some(c) => all
            .iter()
            .filter_map(|i| {
                let mut scores: Vec<(NaiveDate, f64)> = events
                    .iter()
                    .filter(|e| e.course_id == Some(c.id) && e.instrument_code == i.code && !e.corrected)
                    .map(|e| (e.answered_on, e.score))
                    .collect();
                scores.sort_by_key(|(d, _)| *d);
                let end = c.end_date.unwrap_or(c.planned_end);
                (!scores.is_empty()).then(|| trend::draw(i, &scores, c.start_date, end, lang))
            })
            .collect(),
        None => Vec::new(),
    };
    // Answers to a retired instrument still show; new answers only for active ones.
    let active = instruments(&state.db, true).await?;
    let chosen = active
        .iter()
        .find(|i| i.code == form.instrument)
        .or_else(|| active.first())
        .cloned();
    let failed = !errors.is_empty() || !missing.is_empty();
    let may_record =
        page.user.role.is_bound_to_centre() && course.is_some() && patient.arm.as_deref() != Some("control");
    let mut response = render(&PatientPage {
        layout: page.layout,
        patient,
        course,
        events,
        trends,
        instruments: active,
        chosen,
        form,
        errors,
        missing,
        may_record,
        saved,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /patients/{id}/questionnaires`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Query(ask): Query<Ask>,
) -> Result<Response> {
    let patient = open_patient(
        &state.db,
        &page.user,
        id,
        crate::domain::AccessAction::QuestionnairesView,
    )
    .await?;
    let today = page.today();
    // Unless asked for another, the point the course has reached by today.
    let reached = match current_course(&state.db, id).await? {
        Some(c) if today >= c.planned_end - chrono::Days::new(14) || c.end_date.is_some() => Timepoint::End,
        Some(c) if today >= c.start_date + chrono::Months::new(3) => Timepoint::Month3,
        _ => Timepoint::Start,
    };
    let form = AnswerForm {
        instrument: ask.instrument.unwrap_or_default(),
        timepoint: ask
            .timepoint
            .filter(|t| Timepoint::parse(t).is_some())
            .unwrap_or_else(|| reached.as_str().to_owned()),
        answered_on: today.to_string(),
        values: Vec::new(),
        correction: String::new(),
    };
    page_for(
        &state,
        page,
        patient,
        form,
        FormErrors::default(),
        Vec::new(),
        ask.saved.is_some(),
    )
    .await
}

/// `POST /patients/{id}/questionnaires`: scores the answers and stores them with the course.
pub async fn record(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let patient = open_patient(
        &state.db,
        &page.user,
        id,
        crate::domain::AccessAction::QuestionnaireRecord,
    )
    .await?;
    if !page.user.role.is_bound_to_centre() || patient.arm.as_deref() == Some("control") {
        return Err(AppError::Forbidden);
    }
    let form = AnswerForm::from_pairs(pairs);
    let Some(course) = current_course(&state.db, id).await? else {
        return Err(AppError::BadRequest);
    };
    let all = instruments(&state.db, true).await?;
    let Some(instrument) = all.iter().find(|i| i.code == form.instrument) else {
        return Err(AppError::BadRequest);
    };
    let mut errors = FormErrors::default();
    let timepoint = Timepoint::parse(&form.timepoint).filter(|t| t.in_course());
    match timepoint {
        None => errors.add("timepoint", "questionnaires.timepoint_invalid"),
        // The patient-experience questionnaire, say, belongs to the course's end.
        Some(t) if !instrument.asked_at(t) => errors.add("timepoint", "questionnaires.not_asked_at"),
        Some(_) => {}
    }
    let today = page.today();
    let answered_on = NaiveDate::parse_from_str(form.answered_on.trim(), "%Y-%m-%d").ok();
    match answered_on {
        None => errors.add("answered_on", "questionnaires.date_invalid"),
        Some(d) if d > today => errors.add("answered_on", "questionnaires.date_future"),
        Some(d) if d < course.start_date => errors.add("answered_on", "questionnaires.date_before_course"),
        Some(_) => {}
    }
    let answers: Vec<(i64, i32)> = form
        .values
        .iter()
        .filter_map(|(item, v)| v.trim().parse().ok().map(|v| (*item, v)))
        .collect();
    let scored = instrument.score(&answers);
    let missing = match &scored {
        Err(ScoreError::Unanswered(items)) => items.clone(),
        Ok(_) => Vec::new(),
    };
    let (Some(timepoint), Some(answered_on), Ok(_), true) =
        (timepoint, answered_on, scored, errors.is_empty())
    else {
        return page_for(&state, page, patient, form, errors, missing, false).await;
    };
    if errors.limit("correction", &form.correction, crate::web::limits::Limit::Line) {
        return page_for(&state, page, patient, form, errors, missing, false).await;
    }
    let correction = form.correction.trim();
    let mut tx = state.db.begin().await?;
    let original = store::original_for(&mut *tx, course.id, instrument.id, timepoint).await?;
    // A reason with nothing to correct is a first answer.
    let correction = original
        .filter(|_| !correction.is_empty())
        .map(|(original, _)| (original, correction));
    let stored = store::store(
        &mut tx,
        store::NewResponse {
            patient_id: id,
            belongs: store::Belongs::Course {
                course_id: course.id,
                timepoint,
            },
            instrument,
            answered_on,
            answers: &answers,
            recorded_by: page.user.id,
            correction,
        },
    )
    .await;
    let response_id = match stored {
        Ok(response_id) => response_id,
        Err(store::StoreError::AlreadyAnswered) => {
            drop(tx);
            errors.add("correction", "questionnaires.already_answered");
            return page_for(&state, page, patient, form, errors, missing, false).await;
        }
        Err(store::StoreError::Unanswered(items)) => {
            drop(tx);
            return page_for(&state, page, patient, form, errors, items, false).await;
        }
        Err(store::StoreError::Db(e)) => return Err(e.into()),
    };
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        patient_id = id,
        response_id,
        "recorded a questionnaire"
    );
    Ok(Redirect::to(&format!(
        "/patients/{id}/questionnaires?saved=1&instrument={}",
        instrument.code
    ))
    .into_response())
}
