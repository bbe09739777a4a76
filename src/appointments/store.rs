//! Every write to `appointments`, in one place: booking, moving to another time, recording that
//! it was held, and handing open bookings to another nurse (cancelling is in `cancel`). Calls,
//! invitations, courses and caseload moves call these; none writes the table itself.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::CALL_MINUTES;
use crate::db::ResultExt;
use crate::domain::{AppointmentKind, AppointmentStatus};

/// The database's name for "the nurse already has something booked then".
const DOUBLE_BOOKING: &str = "appointments_no_double_booking";

/// An appointment to book.
#[derive(Clone, Debug)]
pub struct NewAppointment {
    pub kind: AppointmentKind,
    pub patient_id: i64,
    pub course_id: Option<i64>,
    pub nurse_id: i64,
    pub starts_at: DateTime<Utc>,
    pub minutes: i64,
    /// Where a meeting is held; calls have none.
    pub place: Option<String>,
    pub by_user: i64,
    /// A coordinator's reason for booking while the centre is closed.
    pub outside_hours_reason: Option<String>,
}

impl NewAppointment {
    /// A call of the usual length.
    pub fn call(
        patient_id: i64,
        course_id: Option<i64>,
        nurse_id: i64,
        starts_at: DateTime<Utc>,
        by_user: i64,
    ) -> Self {
        NewAppointment {
            kind: AppointmentKind::Call,
            patient_id,
            course_id,
            nurse_id,
            starts_at,
            minutes: CALL_MINUTES,
            place: None,
            by_user,
            outside_hours_reason: None,
        }
    }
}

/// Books an appointment. `Ok(None)` when the nurse already has something in that slot (the
/// database's exclusion constraint says so); the transaction is then spoilt and must be rolled
/// back.
pub async fn book(conn: &mut PgConnection, new: &NewAppointment) -> Result<Option<i64>, sqlx::Error> {
    let ends_at = new.starts_at + Duration::minutes(new.minutes);
    sqlx::query_scalar!(
        "insert into appointments (patient_id, course_id, nurse_id, kind, starts_at, ends_at, place, created_by, outside_hours_reason)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        new.patient_id,
        new.course_id,
        new.nurse_id,
        new.kind as AppointmentKind,
        new.starts_at,
        ends_at,
        new.place,
        new.by_user,
        new.outside_hours_reason
    )
    .fetch_one(conn)
    .await
    .on_constraint(DOUBLE_BOOKING)
}

/// Moves a booking to another time: the old one is marked moved and points at the new one.
/// The old slot is freed first, so moving by a few minutes does not collide with itself.
/// `Ok(None)` as for `book` (roll back).
pub async fn reschedule(
    conn: &mut PgConnection,
    old_id: i64,
    new: &NewAppointment,
) -> Result<Option<i64>, sqlx::Error> {
    set_status(conn, old_id, AppointmentStatus::Moved).await?;
    let Some(new_id) = book(conn, new).await? else {
        return Ok(None);
    };
    sqlx::query!(
        "update appointments set moved_to = $2 where id = $1",
        old_id,
        new_id
    )
    .execute(conn)
    .await?;
    Ok(Some(new_id))
}

/// Sets a booking's status (a call held or not answered, a booking moved).
pub async fn set_status(
    conn: &mut PgConnection,
    id: i64,
    status: AppointmentStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update appointments set status = $2 where id = $1",
        id,
        status as AppointmentStatus
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that an open booking of the patient was held (`Done`) or not answered; `false`
/// when it was not open (any more).
pub async fn record_held(
    conn: &mut PgConnection,
    id: i64,
    patient_id: i64,
    status: AppointmentStatus,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update appointments set status = $3 where id = $1 and patient_id = $2 and status = 'scheduled'",
        id,
        patient_id,
        status as AppointmentStatus
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that an initial meeting was held and when its outcome was recorded. The database
/// refuses an outcome before the meeting (`appointments_outcome_not_before_meeting`).
pub async fn record_meeting_outcome(
    conn: &mut PgConnection,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update appointments set status = 'done', outcome_recorded_at = $2 where id = $1",
        id,
        at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The first open booking of the patient with `from` that would clash with one of `to`'s, if
/// the patient's bookings were handed to `to`.
pub async fn first_clash(
    conn: &mut PgConnection,
    patient_id: i64,
    from: i64,
    to: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "select a.starts_at from appointments a
          where a.patient_id = $1 and a.nurse_id = $2 and a.status = 'scheduled'
            and exists (select 1 from appointments b where b.nurse_id = $3 and b.status = 'scheduled'
                         and tstzrange(b.starts_at, b.ends_at) && tstzrange(a.starts_at, a.ends_at))
          order by a.starts_at limit 1",
        patient_id,
        from,
        to
    )
    .fetch_optional(conn)
    .await
}

/// Hands every open booking of the patient with `from` (earlier unlogged ones too, so nothing
/// stays with her) to `to`; returns how many. Fails on a clash (see `first_clash`).
pub async fn reassign_open(
    conn: &mut PgConnection,
    patient_id: i64,
    from: i64,
    to: i64,
) -> Result<u64, sqlx::Error> {
    let moved = sqlx::query!(
        "update appointments set nurse_id = $3 where patient_id = $1 and nurse_id = $2 and status = 'scheduled'",
        patient_id,
        from,
        to
    )
    .execute(conn)
    .await?;
    Ok(moved.rows_affected())
}
