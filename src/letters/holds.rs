//! What a letter's proposed meeting holds: its room and a nurse, from the letter until the
//! meeting is booked, the patient declines or a coordinator frees it. Proposals skip the
//! centre's closed days and hours, the nurses' absences and bookings, and every slot another
//! letter holds; the database refuses two holds of one room or nurse at once.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sqlx::PgConnection;

use crate::calendar::rule::instant;
use crate::calendar::{Calendar, For};

/// How many days ahead a run of letters looks for free slots.
const LOOK_AHEAD_DAYS: i64 = 120;

/// Why a hold was let go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// The meeting is booked (it holds the room and nurse itself now).
    Booked,
    Declined,
    NoResponse,
    /// A coordinator freed the slot.
    Freed,
}

impl Release {
    fn code(self) -> &'static str {
        match self {
            Release::Booked => "booked",
            Release::Declined => "declined",
            Release::NoResponse => "no_response",
            Release::Freed => "freed",
        }
    }
}

/// A proposed meeting: when, and the nurse it holds (none when the centre has no nurse).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub starts_at: DateTime<Utc>,
    pub nurse_id: Option<i64>,
}

/// `count` slots of `minutes` in `room_id`: from `first` at `start`, one after another within
/// the day's opening hours, each following day again from `start`; a slot is skipped when the
/// centre is closed, the room is held, or no nurse is free then. Nurses take turns, those with
/// most free places first. Fewer than `count` when the look-ahead runs out.
#[allow(clippy::too_many_arguments)]
pub async fn propose(
    conn: &mut PgConnection,
    centre_id: i64,
    room_id: i64,
    first: NaiveDate,
    start: NaiveTime,
    minutes: i64,
    count: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Slot>, sqlx::Error> {
    let centre = Calendar::load(conn, centre_id, For::default(), now).await?;
    let nurse_ids = sqlx::query_scalar!(
        r#"select u.id from users u
            where u.centre_id = $1 and u.role = 'nurse' and u.active
            order by coalesce(u.capacity, 0) - (select count(*) from patients p where p.nurse_id = u.id
                                                  and on_caseload(p.status, p.arm)) desc, u.id"#,
        centre_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut nurses = Vec::with_capacity(nurse_ids.len());
    for id in nurse_ids {
        let what = For {
            nurse_id: Some(id),
            ..For::default()
        };
        nurses.push((id, Calendar::load(conn, centre_id, what, now).await?));
    }
    let room_held: Vec<(DateTime<Utc>, DateTime<Utc>)> = sqlx::query!(
        "select starts_at, ends_at from letter_holds where room_id = $1 and released_at is null and ends_at > $2",
        room_id,
        now
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|h| (h.starts_at, h.ends_at))
    .collect();
    let length = Duration::minutes(minutes.max(5));
    let overlaps = |list: &[(DateTime<Utc>, DateTime<Utc>)], at: DateTime<Utc>| {
        list.iter().any(|(s, e)| *s < at + length && at < *e)
    };
    let mut taken: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let mut turn = 0usize;
    let mut out = Vec::with_capacity(count);
    let mut day = first;
    while out.len() < count && day <= first + Duration::days(LOOK_AHEAD_DAYS) {
        let mut local = day.and_time(start);
        while out.len() < count && local.date() == day {
            let Some(at) = instant(centre.tz, local) else {
                local += length;
                continue;
            };
            if centre.refusal(at, minutes).is_some()
                || at <= now
                || overlaps(&room_held, at)
                || overlaps(&taken, at)
            {
                local += length;
                continue;
            }
            let free = (0..nurses.len())
                .map(|k| (turn + k) % nurses.len())
                .find(|&k| nurses[k].1.refusal(at, minutes).is_none());
            match (nurses.is_empty(), free) {
                (true, _) => out.push(Slot {
                    starts_at: at,
                    nurse_id: None,
                }),
                (false, Some(k)) => {
                    nurses[k].1.busy.push((at, at + length));
                    turn = k + 1;
                    out.push(Slot {
                        starts_at: at,
                        nurse_id: Some(nurses[k].0),
                    });
                }
                (false, None) => {
                    local += length;
                    continue;
                }
            }
            taken.push((at, at + length));
            local += length;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    Ok(out)
}

/// Holds `slot` for the letter, in the caller's transaction. `Ok(false)` when another letter
/// took the room or nurse meanwhile (the transaction is then spoilt).
pub async fn hold(
    conn: &mut PgConnection,
    letter_id: i64,
    patient_id: i64,
    room_id: i64,
    slot: Slot,
    minutes: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "insert into letter_holds (letter_id, patient_id, room_id, nurse_id, starts_at, ends_at)
         values ($1, $2, $3, $4, $5, $6)",
        letter_id,
        patient_id,
        room_id,
        slot.nurse_id,
        slot.starts_at,
        slot.starts_at + Duration::minutes(minutes)
    )
    .execute(conn)
    .await;
    match done {
        Ok(_) => Ok(true),
        Err(e)
            if crate::db::violates(&e, "letter_holds_one_room_slot")
                || crate::db::violates(&e, "letter_holds_one_nurse_slot") =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Lets go of every slot the patient's letters hold; returns how many.
pub async fn release(
    conn: &mut PgConnection,
    patient_id: i64,
    why: Release,
    at: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "update letter_holds set released_at = $3, released_why = $2 where patient_id = $1 and released_at is null",
        patient_id,
        why.code(),
        at
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The slot the patient's latest letter holds now, and its nurse.
pub async fn held_for(
    db: &sqlx::PgPool,
    patient_id: i64,
) -> Result<Option<(DateTime<Utc>, Option<i64>)>, sqlx::Error> {
    Ok(sqlx::query!(
        "select starts_at, nurse_id from letter_holds where patient_id = $1 and released_at is null
          order by letter_id desc limit 1",
        patient_id
    )
    .fetch_optional(db)
    .await?
    .map(|h| (h.starts_at, h.nurse_id)))
}
