//! Who holds a patient: moving patients between nurses (for good, or for a while with a return
//! date), their return, and a nurse's load against her capacity. The one place that moves a
//! patient's open bookings and responsible nurse together and keeps the move in the history.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::appointments::store::{first_clash, reassign_open};

/// The reason kept when a patient moves because the initial meeting is with another nurse.
pub const REASON_INITIAL_MEETING: &str = "initial_meeting";
/// The reason kept when a colleague covers the patient while their nurse is away.
pub const REASON_ABSENCE: &str = "absence";

/// A patient's move from one nurse to another, as the timeline keeps it.
#[derive(Clone, Debug)]
pub struct Move {
    pub patient_id: i64,
    pub from: i64,
    pub to: i64,
    pub until: Option<NaiveDate>,
    pub appointments_moved: u64,
    pub by: i64,
    /// Why, when it was not a coordinator's move: `initial_meeting`, `absence`.
    pub reason: Option<&'static str>,
    /// The absence the move covers.
    pub absence_id: Option<i64>,
}

/// Keeps a move in the patient's history, in the caller's transaction.
pub async fn record_move(conn: &mut PgConnection, m: &Move) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into caseload_moves (patient_id, from_nurse_id, to_nurse_id, until, appointments_moved, moved_by, reason, absence_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        m.patient_id,
        m.from,
        m.to,
        m.until,
        i32::try_from(m.appointments_moved).unwrap_or(i32::MAX),
        m.by,
        m.reason,
        m.absence_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves one patient from `m.from` to `m.to` in the caller's transaction: every open booking
/// (earlier unlogged ones too, so nothing stays with the old nurse), the responsible nurse and,
/// for good (`until` none), the open course; the move is kept. `Err(at)` when the receiving nurse
/// already has something booked at `at` (nothing is changed then).
pub async fn move_patient(
    conn: &mut PgConnection,
    mut m: Move,
) -> Result<Result<(), DateTime<Utc>>, sqlx::Error> {
    if let Some(at) = first_clash(conn, m.patient_id, m.from, m.to).await? {
        return Ok(Err(at));
    }
    m.appointments_moved = reassign_open(conn, m.patient_id, m.from, m.to).await?;
    crate::patients::set_nurse(conn, m.patient_id, m.to).await?;
    if m.until.is_none() {
        crate::courses::set_nurse(conn, m.patient_id, m.to).await?;
    }
    record_move(conn, &m).await?;
    Ok(Ok(()))
}

/// A nurse's caseload against her capacity. The one rule for whether she can take more
/// patients, for assigning them and for booking their initial meeting with her.
#[derive(Clone, Debug)]
pub struct NurseLoad {
    pub id: i64,
    pub name: String,
    pub centre_id: i64,
    pub active: bool,
    pub capacity: i64,
    /// Patients on her caseload (`on_caseload` in the database).
    pub load: i64,
}

impl NurseLoad {
    /// Places left: capacity minus caseload (below zero when she carries more than it).
    pub fn room(&self) -> i64 {
        self.capacity - self.load
    }

    /// Whether she can take `more` patients now.
    pub fn takes(&self, more: i64) -> bool {
        self.active && more <= self.room()
    }
}

/// The nurses among `ids`, locked until the transaction ends, so two coordinators cannot both
/// fill a nurse's last place.
pub async fn lock_nurses(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<NurseLoad>, sqlx::Error> {
    // Lock first, count after: a statement that waited for the lock still counts with the
    // snapshot it started with, so it would not see the patient the other coordinator added.
    sqlx::query!(
        "select id from users where role = 'nurse' and id = any($1) order by id for update",
        ids
    )
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query_as!(
        NurseLoad,
        r#"select u.id, u.name, u.centre_id as "centre_id!", u.active, coalesce(u.capacity, 0)::bigint as "capacity!",
                  (select count(*) from patients p where p.nurse_id = u.id
                      and on_caseload(p.status, p.arm)) as "load!"
             from users u where u.role = 'nurse' and u.id = any($1) order by u.id"#,
        ids
    )
    .fetch_all(conn)
    .await
}

/// A patient who came onto a nurse's caseload recently, as Today tells her.
#[derive(Clone, Debug)]
pub struct Arrival {
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    /// The nurse who held the patient before, if any (none: newly assigned).
    pub from_nurse: Option<String>,
    /// The last day of a temporary cover, if it is one.
    pub until: Option<NaiveDate>,
    pub at: DateTime<Utc>,
}

impl Arrival {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// The patients who came onto `nurse_id`'s caseload since `since` and are still hers, newest
/// first (from the history of nurse changes the database keeps).
pub async fn arrivals(
    db: impl sqlx::PgExecutor<'_>,
    nurse_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<Arrival>, sqlx::Error> {
    let mut found = sqlx::query_as!(
        Arrival,
        r#"select distinct on (c.patient_id)
                  c.patient_id, p.first_name, p.last_name, p.birth_date, f.name as "from_nurse?",
                  m.until as "until?", c.at
             from nurse_changes c
             join patients p on p.id = c.patient_id and p.nurse_id = $1 and on_caseload(p.status, p.arm)
             left join users f on f.id = c.from_nurse_id
             left join lateral (select until from caseload_moves
                                 where patient_id = c.patient_id and to_nurse_id = $1 and returned_at is null
                                 order by moved_at desc limit 1) m on true
            where c.to_nurse_id = $1 and c.at >= $2
            order by c.patient_id, c.at desc"#,
        nurse_id,
        since
    )
    .fetch_all(db)
    .await?;
    found.sort_by_key(|a| std::cmp::Reverse(a.at));
    Ok(found)
}

/// A colleague whose patients a nurse covers now, for how many and until when.
#[derive(Clone, Debug)]
pub struct Covering {
    pub colleague: String,
    pub patients: i64,
    pub until: NaiveDate,
}

/// The colleagues whose patients `nurse_id` holds for a while (until a date), now.
pub async fn covering(db: impl sqlx::PgExecutor<'_>, nurse_id: i64) -> Result<Vec<Covering>, sqlx::Error> {
    sqlx::query_as!(
        Covering,
        r#"select f.name as colleague, count(*) as "patients!", max(m.until) as "until!"
             from caseload_moves m
             join patients p on p.id = m.patient_id and p.nurse_id = m.to_nurse_id
             join users f on f.id = m.from_nurse_id
            where m.to_nurse_id = $1 and m.until is not null and m.returned_at is null
            group by f.id, f.name order by max(m.until), f.name"#,
        nurse_id
    )
    .fetch_all(db)
    .await
}

/// Returns patients whose temporary move has passed its end date to their own nurse, with their
/// open appointments (an earlier one left unlogged too). A patient whose appointment would
/// clash stays until it is resolved.
pub async fn return_due(db: &sqlx::PgPool, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let due = sqlx::query!(
        r#"select m.id, m.patient_id, m.from_nurse_id, m.to_nurse_id
             from caseload_moves m
             join patients p on p.id = m.patient_id and p.nurse_id = m.to_nurse_id
             join users u on u.id = m.from_nurse_id and u.active
             join centres c on c.id = p.centre_id
            where m.until is not null and m.returned_at is null
              and m.until < ($1 at time zone c.timezone)::date"#,
        at
    )
    .fetch_all(db)
    .await?;
    for m in due {
        let mut tx = db.begin().await?;
        if let Err(e) = reassign_open(&mut tx, m.patient_id, m.to_nurse_id, m.from_nurse_id).await {
            tracing::warn!(move_id = m.id, error = %e, "a returning patient's appointment clashes; left with the cover");
            continue;
        }
        crate::patients::set_nurse(&mut tx, m.patient_id, m.from_nurse_id).await?;
        sqlx::query!(
            "update caseload_moves set returned_at = now() where id = $1",
            m.id
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Returns due patients every ten minutes, so they are back even if no coordinator looks.
pub fn spawn_returns(db: sqlx::PgPool, clock: crate::clock::Clock) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = return_due(&db, clock.now()).await {
                tracing::warn!(error = %e, "returning temporarily moved patients failed");
            }
        }
    });
}
