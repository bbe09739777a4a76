//! Storing one completed questionnaire with its item answers: the one writer of
//! `questionnaire_responses` and `questionnaire_answers`, for the nurse's page and the study's
//! follow-up alike. The database keeps one answer per course timepoint (and per follow-up);
//! a correction is a new response that names the one it corrects, which stays.

use chrono::NaiveDate;
use sqlx::PgConnection;

use super::model::{Instrument, ScoreError, Timepoint};
use crate::db::ResultExt;

/// What a response belongs to: a point of a course (the nurse's) or a study follow-up (the
/// research assistant's).
#[derive(Clone, Copy, Debug)]
pub enum Belongs {
    Course { course_id: i64, timepoint: Timepoint },
    FollowUp { follow_up_id: i64 },
}

/// One questionnaire as answered.
#[derive(Clone, Debug)]
pub struct NewResponse<'a> {
    pub patient_id: i64,
    pub belongs: Belongs,
    pub instrument: &'a Instrument,
    pub answered_on: NaiveDate,
    /// Item id and value, every item of the instrument answered on its scale.
    pub answers: &'a [(i64, i32)],
    pub recorded_by: i64,
    /// The response this one corrects, and why.
    pub correction: Option<(i64, &'a str)>,
}

/// Why a response was not stored.
#[derive(Debug)]
pub enum StoreError {
    /// Items without an answer on the scale.
    Unanswered(Vec<i64>),
    /// The timepoint (or follow-up) already has an answer to this instrument.
    AlreadyAnswered,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e)
    }
}

/// The unique indexes that keep one answer per timepoint.
const ONE_PER_COURSE_TIMEPOINT: &str = "questionnaire_responses_one_per_course_timepoint";
const ONE_PER_FOLLOW_UP: &str = "questionnaire_responses_one_per_follow_up";

/// The answer already standing for `course_id`'s `timepoint` and `instrument_id` (the original;
/// corrections name it), if any.
pub async fn original_for(
    db: impl sqlx::PgExecutor<'_>,
    course_id: i64,
    instrument_id: i64,
    timepoint: Timepoint,
) -> Result<Option<(i64, NaiveDate)>, sqlx::Error> {
    let row = sqlx::query!(
        "select id, answered_on from questionnaire_responses
          where course_id = $1 and instrument_id = $2 and timepoint = $3 and amends is null",
        course_id,
        instrument_id,
        timepoint as Timepoint
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.answered_on)))
}

/// Scores and stores `new` in the caller's transaction; returns the response's id.
pub async fn store(tx: &mut PgConnection, new: NewResponse<'_>) -> Result<i64, StoreError> {
    let (raw, score) = new.instrument.score(new.answers).map_err(|e| match e {
        ScoreError::Unanswered(items) => StoreError::Unanswered(items),
    })?;
    let (course_id, follow_up_id, timepoint) = match new.belongs {
        Belongs::Course { course_id, timepoint } => (Some(course_id), None, timepoint),
        Belongs::FollowUp { follow_up_id } => (None, Some(follow_up_id), Timepoint::FollowUp),
    };
    // A savepoint, so a refused duplicate leaves the caller's transaction usable.
    let mut inner = sqlx::Acquire::begin(&mut *tx).await?;
    let inserted = sqlx::query_scalar!(
        "insert into questionnaire_responses (patient_id, course_id, follow_up_id, instrument_id, timepoint,
                                              answered_on, raw_score, score, recorded_by, amends, amend_reason)
         values ($1, $2, $3, $4, $5, $6, $7::float8, $8::float8, $9, $10, $11) returning id",
        new.patient_id,
        course_id,
        follow_up_id,
        new.instrument.id,
        timepoint as Timepoint,
        new.answered_on,
        raw,
        score,
        new.recorded_by,
        new.correction.map(|(id, _)| id),
        new.correction.map(|(_, reason)| reason.trim().to_owned())
    )
    .fetch_one(&mut *inner)
    .await;
    let inserted = match inserted {
        Err(e) if crate::db::violates(&e, ONE_PER_COURSE_TIMEPOINT) => None,
        other => other.on_constraint(ONE_PER_FOLLOW_UP)?,
    };
    let Some(response_id) = inserted else {
        inner.rollback().await?;
        return Err(StoreError::AlreadyAnswered);
    };
    let (items, values): (Vec<i64>, Vec<i32>) = new
        .answers
        .iter()
        .filter(|(item, _)| new.instrument.items.iter().any(|i| i.id == *item))
        .copied()
        .unzip();
    sqlx::query!(
        "insert into questionnaire_answers (response_id, item_id, value)
         select $1, item, value from unnest($2::bigint[], $3::int[]) as t(item, value)
         on conflict do nothing",
        response_id,
        &items,
        &values
    )
    .execute(&mut *inner)
    .await?;
    inner.commit().await?;
    Ok(response_id)
}
