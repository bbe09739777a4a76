//! A patient's status: the word is `domain::PatientStatus`; this module changes it.

use sqlx::PgConnection;

pub use crate::domain::PatientStatus as Status;

/// Changes the patient's status; `Ok(false)` when the database refuses the transition (the
/// history trigger records who and why, from `db::set_actor`). The one writer of the status.
pub async fn change(conn: &mut PgConnection, patient_id: i64, to: Status) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update patients set status = $2 where id = $1",
        patient_id,
        to as Status
    )
    .execute(conn)
    .await;
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23514") => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn may(from: Status, to: Status) -> bool {
        from.may_become(to)
    }

    // Keep in step with `status_transition_allowed` in migrations/20261123000004_courses_calls.sql.

    #[test]
    fn the_paths_of_domain_md_are_allowed_and_nothing_else() {
        use Status::*;
        assert!(may(Invited, MeetingBooked));
        assert!(may(MeetingBooked, Active));
        assert!(may(Active, Ended));
        assert!(!may(Invited, Active));
        assert!(!may(Declined, Active));
        assert!(!may(Ended, Active));
        assert!(!may(NotEligible, MeetingBooked));
    }
}
