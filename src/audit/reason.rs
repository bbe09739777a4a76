//! Access with a purpose ("break the glass"): a person outside the patient's centre (an admin)
//! sees no clinical content until they state why. The reason is written to the access log and
//! opens that one record to that person for `GRANT_MINUTES`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::audit;
use crate::web::FormErrors;
use crate::web::{render, AppError, CurrentUser, Layout, Page, Result};
use crate::AppState;

/// How long a stated reason opens the record.
pub const GRANT_MINUTES: i64 = 30;
/// Longest note with a reason.
pub const NOTE_MAX: usize = 500;

/// Why a record is opened from outside its centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The patient asked for their data (right of access).
    PatientRequest,
    /// A complaint or an incident is looked into.
    Complaint,
    /// Imported data are being corrected.
    DataCorrection,
    /// The centre asked for help with this patient.
    CentreSupport,
    /// Something else, said in the note.
    Other,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::PatientRequest,
        Reason::Complaint,
        Reason::DataCorrection,
        Reason::CentreSupport,
        Reason::Other,
    ];

    /// The value stored in the database and the access log.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::PatientRequest => "patient_request",
            Reason::Complaint => "complaint",
            Reason::DataCorrection => "data_correction",
            Reason::CentreSupport => "centre_support",
            Reason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The catalogue key of the reason.
    pub fn label_key(self) -> &'static str {
        match self {
            Reason::PatientRequest => "reason.patient_request",
            Reason::Complaint => "reason.complaint",
            Reason::DataCorrection => "reason.data_correction",
            Reason::CentreSupport => "reason.centre_support",
            Reason::Other => "reason.other",
        }
    }
}

/// Whether `user` must state a reason before seeing patient `patient_id`'s clinical content
/// at `now`: they work outside the patient's centre and hold no live grant for the record.
pub async fn missing(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    patient_id: i64,
    centre_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    if !user.needs_reason_for(centre_id) {
        return Ok(false);
    }
    let granted = sqlx::query_scalar!(
        r#"select exists(select 1 from record_access_grants
                          where user_id = $1 and patient_id = $2
                            and granted_at <= $3 and expires_at > $3) as "granted!""#,
        user.id,
        patient_id,
        now
    )
    .fetch_one(db)
    .await?;
    Ok(!granted)
}

/// The reason form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

impl ReasonForm {
    fn validate(&self) -> Result<(Reason, String), FormErrors> {
        let mut errors = FormErrors::default();
        let reason = Reason::parse(self.reason.trim());
        let note = self.note.trim().to_owned();
        match reason {
            None => errors.add("reason", "reason.choose"),
            Some(Reason::Other) if note.is_empty() => errors.add("note", "reason.note_required"),
            Some(_) => {}
        }
        if note.chars().count() > NOTE_MAX {
            errors.add("note", "reason.note_too_long");
        }
        match reason {
            Some(r) if errors.is_empty() => Ok((r, note)),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "audit/reason.html")]
struct ReasonPage {
    layout: Layout,
    patient_id: i64,
    name: String,
    form: ReasonForm,
    errors: FormErrors,
    reasons: [Reason; 5],
    minutes: i64,
}

impl ReasonPage {
    fn hint(&self) -> String {
        self.layout.lang.tf("reason.hint", &[("minutes", &self.minutes)])
    }
}

struct Subject {
    centre_id: i64,
    name: String,
}

/// The patient, if this person may ask to open them at all (else refused and logged).
async fn subject(state: &AppState, user: &CurrentUser, id: i64) -> Result<Subject> {
    let row = sqlx::query!(
        "select centre_id, first_name, last_name from patients where id = $1",
        id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.may_see_centre(row.centre_id) {
        crate::audit::access::log(
            &state.db,
            user.id,
            crate::audit::access::Action::ViewPage,
            id,
            false,
        )
        .await?;
        return Err(AppError::Forbidden);
    }
    Ok(Subject {
        centre_id: row.centre_id,
        name: format!("{} {}", row.first_name, row.last_name),
    })
}

fn page_of(layout: Layout, id: i64, s: Subject, form: ReasonForm, errors: FormErrors) -> ReasonPage {
    ReasonPage {
        layout,
        patient_id: id,
        name: s.name,
        form,
        errors,
        reasons: Reason::ALL,
        minutes: GRANT_MINUTES,
    }
}

/// `GET /patients/{id}/reason`: asks why the record is opened.
pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let s = subject(&state, &page.user, id).await?;
    if !page.user.needs_reason_for(s.centre_id) {
        return Ok(Redirect::to(&format!("/patients/{id}")).into_response());
    }
    render(&page_of(
        page.layout,
        id,
        s,
        ReasonForm::default(),
        FormErrors::default(),
    ))
}

/// `POST /patients/{id}/reason`: writes the reason to the access log and opens the record to
/// this person for `GRANT_MINUTES`.
pub async fn open(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ReasonForm>,
) -> Result<Response> {
    let s = subject(&state, &page.user, id).await?;
    if !page.user.needs_reason_for(s.centre_id) {
        return Ok(Redirect::to(&format!("/patients/{id}")).into_response());
    }
    let (reason, note) = match form.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let mut response = render(&page_of(page.layout, id, s, form, errors))?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    sqlx::query!(
        "insert into record_access_grants (user_id, patient_id, reason, note, granted_at, expires_at)
         values ($1, $2, $3, $4, $5, $6)",
        page.user.id,
        id,
        reason.as_str(),
        note,
        now,
        now + chrono::Duration::minutes(GRANT_MINUTES)
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        page.user.id,
        crate::domain::AccessAction::BreakGlass,
        Some(id),
        true,
        serde_json::json!({ "reason": reason.as_str(), "note": note, "minutes": GRANT_MINUTES }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        patient_id = id,
        reason = reason.as_str(),
        "opened a record from outside its centre with a stated reason"
    );
    Ok(Redirect::to(&format!("/patients/{id}")).into_response())
}
