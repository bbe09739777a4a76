//! Referrals: the nurse's contacts with GP, municipality, hospital or associations on the
//! patient's behalf. A referral and its results are kept as recorded: a later result is added
//! beneath the earlier ones, never written over them.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;

use super::open_course;
use crate::audit::access::{check, Action};
use crate::domain::ReferralKind;
use crate::web::limits::Limit;
use crate::web::{AppError, Page, Result};
use crate::AppState;

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
    /// The checkbox: `on` to send the purpose to the GP or municipality as a MedCom message.
    #[serde(default)]
    pub medcom: Option<String>,
}

fn back(patient_id: i64, problem: Option<&str>) -> Response {
    let query = problem.map(|p| format!("?problem={p}")).unwrap_or_default();
    Redirect::to(&format!("/patients/{patient_id}{query}#referrals")).into_response()
}

/// Records a referral, and its result if one is known already, in one transaction.
async fn insert(
    db: &sqlx::PgPool,
    patient_id: i64,
    kind: ReferralKind,
    on_date: NaiveDate,
    purpose: &str,
    result: &str,
    by: i64,
) -> Result<(), sqlx::Error> {
    let course = open_course(db, patient_id).await?;
    let mut tx = db.begin().await?;
    let referral_id = sqlx::query_scalar!(
        "insert into referrals (patient_id, course_id, kind, on_date, purpose, created_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
        patient_id,
        course.map(|c| c.id),
        kind as ReferralKind,
        on_date,
        purpose,
        by
    )
    .fetch_one(&mut *tx)
    .await?;
    if !result.is_empty() {
        add_result(&mut tx, referral_id, result, by).await?;
    }
    tx.commit().await
}

/// Adds a result beneath a referral's earlier ones.
async fn add_result(
    conn: &mut sqlx::PgConnection,
    referral_id: i64,
    result: &str,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into referral_results (referral_id, result, recorded_by) values ($1, $2, $3)",
        referral_id,
        result,
        by
    )
    .execute(conn)
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
    let Some(kind) = ReferralKind::parse(&form.kind) else {
        return Ok(back(id, Some("referral_kind")));
    };
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
        kind,
        on_date,
        form.purpose.trim(),
        form.result.trim(),
        page.user.id,
    )
    .await?;
    let to = match kind {
        ReferralKind::Gp => Some(crate::domain::OrganisationKind::GpPractice),
        ReferralKind::Municipality => Some(crate::domain::OrganisationKind::Municipality),
        ReferralKind::Hospital | ReferralKind::Association | ReferralKind::Other => None,
    };
    let done = match (to, form.medcom.is_some()) {
        (Some(to), true) => {
            let sent = crate::messaging::correspondence::send_to(
                &state,
                id,
                to,
                page.user.id,
                crate::domain::CareCategory::CareCoordination,
                "Henvendelse fra sygeplejersken",
                form.purpose.trim(),
            )
            .await?;
            if sent.is_some() {
                "done.referral_sent"
            } else {
                "done.referral_not_sent"
            }
        }
        _ => "done.referral_saved",
    };
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}#referrals"),
        done,
    ))
}

/// The result of a referral, added when it is known.
#[derive(Debug, Deserialize)]
pub struct ResultForm {
    #[serde(default)]
    pub result: String,
}

/// `POST /referrals/{id}/result`: adds a result; earlier results stay as they were.
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
    let result = form.result.trim();
    if result.is_empty() {
        return Ok(back(patient_id, Some("referral_result")));
    }
    if Limit::Text.exceeded_by(result).is_some() {
        return Ok(back(patient_id, Some("too_long")));
    }
    let mut conn = state.db.acquire().await?;
    add_result(&mut conn, referral_id, result, page.user.id).await?;
    Ok(crate::web::flash::redirect(
        &format!("/patients/{patient_id}#referrals"),
        "done.referral_result_saved",
    ))
}
