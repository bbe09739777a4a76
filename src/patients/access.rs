//! Writing the access log: every opening of a patient record, allowed or refused.

use sqlx::PgExecutor;

/// What was done with a patient's data.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// The record page was opened.
    ViewRecord,
    /// The invitation page was opened or acted on (answer, meeting, outcome).
    Invitation,
    /// An invitation letter naming the patient was produced.
    Letter,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewRecord => "patient.view",
            Action::Invitation => "patient.invitation",
            Action::Letter => "patient.letter",
        }
    }
}

/// Appends one entry to the access log.
pub async fn log(
    db: impl PgExecutor<'_>,
    user_id: i64,
    action: Action,
    patient_id: i64,
    allowed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into access_log (user_id, action, patient_id, allowed) values ($1, $2, $3, $4)",
        user_id,
        action.as_str(),
        patient_id,
        allowed
    )
    .execute(db)
    .await?;
    Ok(())
}
