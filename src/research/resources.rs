//! Resource use: calls, conversation minutes, held initial meetings and referrals per patient
//! per month of course, by call centre and by nurse (under the export's nurse pseudonym). One
//! definition for the page, read from the same rows the export writes:
//!
//! - a patient-month is 30.4375 days (a year over twelve) of a course within the period; a
//!   course still open counts up to the day the figures are drawn;
//! - calls and minutes are every logged call in the period, attributed to the centre of the
//!   patient and to the nurse who made it; meetings are initial meetings held (`done`) in the
//!   period, attributed to the nurse who held them; referrals to the nurse of their course;
//!   patient-months to the course's nurse;
//! - a group of fewer than five patients shows no figures.

use chrono::NaiveDate;

use super::outcomes::SMALLEST;
use super::pseudonym::Pseudonymiser;

/// Days in a month, on average.
pub const MONTH_DAYS: f64 = 365.25 / 12.0;

/// Whose figures a row holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Group {
    All,
    Centre(String),
    /// The nurse's pseudonym (empty when no key is set).
    Nurse(String),
}

/// One row: counts and patient-months, and the rates per patient per month.
#[derive(Clone, Debug)]
pub struct Usage {
    pub group: Group,
    pub patients: i64,
    pub patient_months: f64,
    pub calls: i64,
    pub minutes: i64,
    pub meetings: i64,
    pub referrals: i64,
}

impl Usage {
    /// Whether the row's figures may be shown.
    pub fn shown(&self) -> bool {
        self.patients >= SMALLEST && self.patient_months > 0.0
    }

    /// `count` per patient per month, when the row is shown.
    pub fn rate(&self, count: i64) -> Option<f64> {
        self.shown().then(|| count as f64 / self.patient_months)
    }
}

/// The resource use of `centres` over `from..=to`, drawn on `asof` (open courses count up to
/// it): in total, per centre, per nurse.
pub async fn usage(
    db: &sqlx::PgPool,
    centres: &[i64],
    from: NaiveDate,
    to: NaiveDate,
    asof: NaiveDate,
    names: Option<&Pseudonymiser>,
) -> Result<Vec<Usage>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"with k as (
               select p.centre_id, k.patient_id, k.nurse_id,
                      least(coalesce(k.end_date, $4), $3, $4) - greatest(k.start_date, $2) + 1 as days
                 from courses k join patients p on p.id = k.patient_id
                where p.centre_id = any($1) and k.start_date <= $3 and (k.end_date is null or k.end_date >= $2)
           ), items as (
               select centre_id, nurse_id, patient_id, days, 0 as calls, 0 as minutes, 0 as meetings, 0 as referrals
                 from k where days > 0
               union all
               select p.centre_id, c.nurse_id, c.patient_id, 0, 1, c.duration_minutes, 0, 0
                 from calls c join patients p on p.id = c.patient_id
                where p.centre_id = any($1)
                  and c.called_at >= ($2::date::timestamp at time zone 'Europe/Copenhagen')
                  and c.called_at < (($3::date + 1)::timestamp at time zone 'Europe/Copenhagen')
               union all
               select p.centre_id, a.nurse_id, a.patient_id, 0, 0, 0, 1, 0
                 from appointments a join patients p on p.id = a.patient_id
                where a.kind = 'meeting' and a.status = 'done' and p.centre_id = any($1)
                  and (a.starts_at at time zone 'Europe/Copenhagen')::date between $2 and $3
               union all
               select p.centre_id, x.nurse_id, r.patient_id, 0, 0, 0, 0, 1
                 from referrals r join patients p on p.id = r.patient_id
                 left join courses x on x.id = r.course_id
                where p.centre_id = any($1) and r.on_date between $2 and $3
           )
           select c.code as "centre?", i.nurse_id, grouping(c.code) as "by_centre!", grouping(i.nurse_id) as "by_nurse!",
                  count(distinct i.patient_id) filter (where i.days > 0) as "patients!",
                  coalesce(sum(i.days), 0)::bigint as "days!", coalesce(sum(i.calls), 0)::bigint as "calls!",
                  coalesce(sum(i.minutes), 0)::bigint as "minutes!", coalesce(sum(i.meetings), 0)::bigint as "meetings!",
                  coalesce(sum(i.referrals), 0)::bigint as "referrals!"
             from items i join centres c on c.id = i.centre_id
            group by grouping sets ((), (c.code), (i.nurse_id))
            order by grouping(c.code) + grouping(i.nurse_id) desc, c.code"#,
        centres,
        from,
        to,
        asof
    )
    .fetch_all(db)
    .await?;
    let mut usage: Vec<Usage> = rows
        .into_iter()
        .filter_map(|r| {
            let group = match (r.by_centre, r.by_nurse, r.centre, r.nurse_id) {
                (1, 1, _, _) => Group::All,
                (0, 1, Some(code), _) => Group::Centre(code),
                (1, 0, _, Some(nurse)) => Group::Nurse(names.map(|n| n.nurse(nurse)).unwrap_or_default()),
                // Referrals outside a course have no nurse: they count for the centre only.
                _ => return None,
            };
            Some(Usage {
                group,
                patients: r.patients,
                patient_months: r.days as f64 / MONTH_DAYS,
                calls: r.calls,
                minutes: r.minutes,
                meetings: r.meetings,
                referrals: r.referrals,
            })
        })
        .collect();
    // Nurses in the order of their pseudonyms: nothing about the order tells who is who.
    usage.sort_by_key(|u| match &u.group {
        Group::All => (0, String::new()),
        Group::Centre(code) => (1, code.clone()),
        Group::Nurse(name) => (2, name.clone()),
    });
    Ok(usage)
}
