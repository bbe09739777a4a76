//! Referrals: the nurse's contacts with GP, municipality, hospital or associations on the
//! patient's behalf; and the next steps offered when a patient seems unreachable.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{open_course, today_in};
use crate::patients::access::{check, Action};
use crate::web::limits::Limit;
use crate::web::{AppError, Lang, Page, Result};
use crate::AppState;

/// Who a referral is to, as stored.
pub const KINDS: [&str; 5] = ["gp", "municipality", "hospital", "association", "other"];

/// The catalogue key of a referral kind.
pub fn kind_key(kind: &str) -> &'static str {
    match kind {
        "gp" => "referral.kind_gp",
        "municipality" => "referral.kind_municipality",
        "hospital" => "referral.kind_hospital",
        "association" => "referral.kind_association",
        _ => "referral.kind_other",
    }
}

/// A new referral as typed.
#[derive(Debug, Deserialize)]
pub struct ReferralForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub on_date: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub result: String,
}

fn back(patient_id: i64, problem: Option<&str>) -> Response {
    let query = problem.map(|p| format!("?problem={p}")).unwrap_or_default();
    Redirect::to(&format!("/patients/{patient_id}{query}#referrals")).into_response()
}

async fn insert(
    db: &sqlx::PgPool,
    patient_id: i64,
    kind: &str,
    on_date: NaiveDate,
    purpose: &str,
    result: &str,
    by: i64,
) -> Result<(), sqlx::Error> {
    let course = open_course(db, patient_id).await?;
    sqlx::query!(
        "insert into referrals (patient_id, course_id, kind, on_date, purpose, result, created_by)
         values ($1, $2, $3, $4, $5, $6, $7)",
        patient_id,
        course.map(|c| c.id),
        kind,
        on_date,
        purpose,
        result,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// `POST /patients/{id}/referrals`.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ReferralForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    if !KINDS.contains(&form.kind.as_str()) {
        return Ok(back(id, Some("referral_kind")));
    }
    let Ok(on_date) = NaiveDate::parse_from_str(form.on_date.trim(), "%Y-%m-%d") else {
        return Ok(back(id, Some("referral_date")));
    };
    if form.purpose.trim().is_empty() {
        return Ok(back(id, Some("referral_purpose")));
    }
    if [&form.purpose, &form.result]
        .iter()
        .any(|t| Limit::Text.exceeded_by(t.trim()).is_some())
    {
        return Ok(back(id, Some("too_long")));
    }
    insert(
        &state.db,
        id,
        &form.kind,
        on_date,
        form.purpose.trim(),
        form.result.trim(),
        page.user.id,
    )
    .await?;
    Ok(back(id, None))
}

/// The result of a referral, added when it is known.
#[derive(Debug, Deserialize)]
pub struct ResultForm {
    #[serde(default)]
    pub result: String,
}

/// `POST /referrals/{id}/result`.
pub async fn result(
    State(state): State<AppState>,
    page: Page,
    Path(referral_id): Path<i64>,
    Form(form): Form<ResultForm>,
) -> Result<Response> {
    let patient_id = sqlx::query_scalar!("select patient_id from referrals where id = $1", referral_id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    check(&state.db, &page.user, patient_id, Action::Write).await?;
    if Limit::Text.exceeded_by(form.result.trim()).is_some() {
        return Ok(back(patient_id, Some("too_long")));
    }
    sqlx::query!(
        "update referrals set result = $2, updated_at = now() where id = $1",
        referral_id,
        form.result.trim()
    )
    .execute(&state.db)
    .await?;
    Ok(back(patient_id, None))
}

/// Which next step for a patient who seems unreachable.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    pub step: String,
}

/// `POST /patients/{id}/unreachable`: records the chosen safety-net step (a letter asking the
/// patient to call, or contact with the GP) as a referral on the timeline.
pub async fn unreachable_step(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    // Clinical records are kept in Danish.
    let (kind, purpose) = match form.step.as_str() {
        "letter" => ("other", Lang::Da.t("unreachable.letter_purpose")),
        "gp" => ("gp", Lang::Da.t("unreachable.gp_purpose")),
        _ => return Err(AppError::BadRequest),
    };
    insert(
        &state.db,
        id,
        kind,
        today_in(page.user.tz),
        purpose,
        "",
        page.user.id,
    )
    .await?;
    Ok(back(id, None))
}
