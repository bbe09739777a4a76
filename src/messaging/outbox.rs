//! The outbox: every message that leaves is stored as produced, queued, and delivered by the
//! worker (`deliver_due`), retried with exponential backoff until it is sent. Several servers may
//! work the same outbox: each claims a message with `for update skip locked`, so none is sent
//! twice. Time is the application's clock, so tests drive the retries.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::transport;
use crate::domain::{Channel, OutboxState};
use crate::AppState;

/// A message to queue.
#[derive(Clone)]
pub struct NewMessage {
    pub channel: Channel,
    pub centre_id: i64,
    pub patient_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// The receiver's EAN location number, or the mobile number.
    pub recipient: String,
    pub content_type: &'static str,
    pub content: String,
    pub message_uuid: Uuid,
    /// For a reminder: the booking and its time as they stood.
    pub appointment: Option<(i64, DateTime<Utc>)>,
    pub created_by: Option<i64>,
}

impl std::fmt::Debug for NewMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewMessage")
            .field("channel", &self.channel)
            .field("message_uuid", &self.message_uuid)
            .finish_non_exhaustive()
    }
}

/// Stores and queues a message; `None` when its booking already has a reminder.
pub async fn enqueue(
    conn: &mut PgConnection,
    m: &NewMessage,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "insert into outbox_messages (channel, centre_id, patient_id, organisation_id, recipient,
                                      content_type, content, message_uuid, appointment_id,
                                      appointment_starts_at, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         on conflict (appointment_id) where appointment_id is not null do nothing
         returning id",
        m.channel as Channel,
        m.centre_id,
        m.patient_id,
        m.organisation_id,
        m.recipient,
        m.content_type,
        m.content,
        m.message_uuid,
        m.appointment.map(|(id, _)| id),
        m.appointment.map(|(_, at)| at),
        m.created_by,
        now
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(None) };
    record(&mut *conn, id, OutboxState::Queued, now, 0, "").await?;
    sqlx::query!(
        "insert into outbox_queue (message_id, next_attempt_at) values ($1, $2)",
        id,
        now
    )
    .execute(&mut *conn)
    .await?;
    Ok(Some(id))
}

/// Adds a step to a message's history.
pub async fn record(
    conn: &mut PgConnection,
    message_id: i64,
    state: OutboxState,
    at: DateTime<Utc>,
    attempt: i32,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into outbox_events (message_id, state, at, attempt, detail) values ($1, $2, $3, $4, $5)",
        message_id,
        state as OutboxState,
        at,
        attempt,
        detail
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// How long to wait after the `attempts`th failure: one minute, doubling, at most six hours.
pub fn backoff(attempts: i32) -> Duration {
    let minutes = 1i64 << attempts.clamp(1, 10).saturating_sub(1);
    Duration::minutes(minutes.min(6 * 60))
}

/// A claimed message, as the worker delivers it.
struct Claimed {
    id: i64,
    channel: Channel,
    recipient: String,
    content_type: String,
    content: String,
    message_uuid: Uuid,
    appointment_id: Option<i64>,
    appointment_starts_at: Option<DateTime<Utc>>,
    attempts: i32,
}

/// Why a queued reminder is no longer to be sent, if it is not.
async fn reminder_void(
    conn: &mut PgConnection,
    m: &Claimed,
    now: DateTime<Utc>,
) -> Result<Option<&'static str>, sqlx::Error> {
    let Some(appointment_id) = m.appointment_id else {
        return Ok(None);
    };
    let row = sqlx::query!(
        r#"select a.status = 'scheduled' as "scheduled!", a.starts_at, p.declines_sms_reminders,
                  p.mobile
             from appointments a join patients p on p.id = a.patient_id where a.id = $1"#,
        appointment_id
    )
    .fetch_one(conn)
    .await?;
    Ok(
        if !row.scheduled || Some(row.starts_at) != m.appointment_starts_at {
            Some("the call was cancelled or moved")
        } else if row.declines_sms_reminders {
            Some("the patient declines reminders")
        } else if row.mobile.as_deref() != Some(m.recipient.as_str()) {
            Some("the mobile number changed")
        } else if row.starts_at <= now {
            Some("the call has begun")
        } else {
            None
        },
    )
}

/// Delivers every message that is due, one claimed at a time; returns how many were tried.
pub async fn deliver_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut tried = 0;
    // A bound, so one tick cannot run forever while messages keep coming.
    while tried < 500 {
        let now = state.clock.now();
        let mut tx = state.db.begin().await?;
        let claimed = sqlx::query_as!(
            Claimed,
            r#"select m.id, m.channel as "channel: Channel", m.recipient, m.content_type, m.content,
                      m.message_uuid, m.appointment_id, m.appointment_starts_at, q.attempts
                 from outbox_queue q join outbox_messages m on m.id = q.message_id
                where not q.settled and q.next_attempt_at <= $1
                order by q.next_attempt_at, q.message_id
                limit 1
                for update of q skip locked"#,
            now
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(m) = claimed else { break };
        tried += 1;
        if let Some(why) = reminder_void(&mut tx, &m, now).await? {
            record(&mut tx, m.id, OutboxState::Cancelled, now, m.attempts, why).await?;
            settle(&mut tx, m.id, m.attempts).await?;
            tx.commit().await?;
            tracing::info!(message = m.id, "an outgoing message was cancelled before sending");
            continue;
        }
        let attempt = m.attempts + 1;
        let outcome = match m.channel {
            Channel::Medcom => {
                transport::deliver_medcom(
                    &state.config.messaging,
                    m.message_uuid,
                    &m.content_type,
                    &m.content,
                )
                .await
            }
            Channel::Sms => {
                transport::send_sms(&state.config.messaging, m.message_uuid, &m.recipient, &m.content).await
            }
        };
        match outcome {
            Ok(receipt) => {
                record(&mut tx, m.id, OutboxState::Sent, now, attempt, &receipt).await?;
                settle(&mut tx, m.id, attempt).await?;
                tracing::info!(message = m.id, channel = %m.channel, attempt, "an outgoing message was sent");
            }
            Err(why) => {
                record(&mut tx, m.id, OutboxState::Failed, now, attempt, &why).await?;
                sqlx::query!(
                    "update outbox_queue set attempts = $2, next_attempt_at = $3 where message_id = $1",
                    m.id,
                    attempt,
                    now + backoff(attempt)
                )
                .execute(&mut *tx)
                .await?;
                tracing::warn!(message = m.id, channel = %m.channel, attempt, reason = %why, "an outgoing message failed; it will be tried again");
            }
        }
        tx.commit().await?;
    }
    Ok(tried)
}

async fn settle(conn: &mut PgConnection, id: i64, attempts: i32) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update outbox_queue set settled = true, attempts = $2 where message_id = $1",
        id,
        attempts
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Tries a waiting message at once (the admin's "try now").
pub async fn retry_now(db: &sqlx::PgPool, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update outbox_queue set next_attempt_at = $2 where message_id = $1 and not settled",
        id,
        now
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the message with this MessageHeader id acknowledged; false for an unknown id.
pub async fn acknowledge(
    conn: &mut PgConnection,
    message_uuid: Uuid,
    at: DateTime<Utc>,
    detail: &str,
) -> Result<bool, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "select id from outbox_messages where message_uuid = $1",
        message_uuid
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(false) };
    record(&mut *conn, id, OutboxState::Acknowledged, at, 0, detail).await?;
    sqlx::query!("update outbox_queue set settled = true where message_id = $1", id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// One message as the outbox pages list it (never its content).
pub struct Listed {
    pub id: i64,
    pub channel: Channel,
    pub patient_id: Option<i64>,
    pub organisation: Option<String>,
    pub created_at: DateTime<Utc>,
    pub state: OutboxState,
    pub state_at: DateTime<Utc>,
    pub detail: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The MedCom message it carries, if it does.
    pub medcom_id: Option<i64>,
}

/// The latest messages of the whole outbox, or of one patient.
pub async fn listed(
    db: impl sqlx::PgExecutor<'_>,
    patient_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    sqlx::query_as!(
        Listed,
        r#"select m.id, m.channel as "channel: Channel", m.patient_id, o.name as "organisation?",
                  m.created_at, c.state as "state!: OutboxState", c.at as "state_at!",
                  c.detail as "detail!", coalesce(q.attempts, 0) as "attempts!",
                  case when q.settled then null else q.next_attempt_at end as next_attempt_at,
                  mm.id as "medcom_id?"
             from outbox_messages m
             left join medcom_messages mm on mm.outbox_id = m.id
             join outbox_current c on c.message_id = m.id
             left join outbox_queue q on q.message_id = m.id
             left join organisations o on o.id = m.organisation_id
            where ($1::bigint is null or m.patient_id = $1)
            order by m.created_at desc, m.id desc
            limit $2"#,
        patient_id,
        limit
    )
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_a_minute_and_stops_at_six_hours() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(2));
        assert_eq!(backoff(5), Duration::minutes(16));
        assert_eq!(backoff(40), Duration::minutes(360));
    }
}
