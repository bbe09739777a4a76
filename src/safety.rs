//! The safety nets: who is at risk of falling through. The one definition is the database
//! function `safety_net_days_of` (see `20261203000001_safety_nets_kept.sql`): the database keeps
//! its result per patient and net as the day from which the net applies, recomputed in the
//! transaction of every write that changes it, and `safety_nets(moment)` reads the nets that
//! apply on the day of `moment`. This module is the only reader, so Today, My patients, the
//! centre page, the safety-net page, the navigation badge and the record all show the same
//! patients and the same numbers. Counts are of patients.

use chrono::{DateTime, NaiveDate, Utc};

/// One safety net. The order is the order the pages show them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Net {
    NurseCannotWork,
    CallOverdue,
    NoCallBooked,
    EndingPlanned,
    FailedAttempts,
    CallTooFar,
    PastSixMonths,
    PastNineMonths,
}

impl Net {
    /// Every net, in the order the pages show them.
    pub const ALL: [Net; 8] = [
        Net::NurseCannotWork,
        Net::CallOverdue,
        Net::NoCallBooked,
        Net::EndingPlanned,
        Net::FailedAttempts,
        Net::CallTooFar,
        Net::PastSixMonths,
        Net::PastNineMonths,
    ];

    /// The code the database uses, also the page anchor.
    pub fn code(self) -> &'static str {
        match self {
            Net::NurseCannotWork => "nurse_cannot_work",
            Net::CallOverdue => "call_overdue",
            Net::NoCallBooked => "no_call_booked",
            Net::EndingPlanned => "ending_planned",
            Net::FailedAttempts => "failed_attempts",
            Net::CallTooFar => "call_too_far",
            Net::PastSixMonths => "past_six_months",
            Net::PastNineMonths => "past_nine_months",
        }
    }

    /// The net's name in the catalogue.
    pub fn label_key(self) -> &'static str {
        match self {
            Net::NurseCannotWork => "safety.nurse_cannot_work",
            Net::CallOverdue => "safety.call_overdue",
            Net::NoCallBooked => "safety.no_call_booked",
            Net::EndingPlanned => "safety.ending_planned",
            Net::FailedAttempts => "safety.failed_attempts",
            Net::CallTooFar => "safety.call_too_far",
            Net::PastSixMonths => "safety.past_six_months",
            Net::PastNineMonths => "safety.past_nine_months",
        }
    }

    /// What the net means and what to do, in the catalogue.
    pub fn help_key(self) -> &'static str {
        match self {
            Net::NurseCannotWork => "safety.nurse_cannot_work_help",
            Net::CallOverdue => "safety.call_overdue_help",
            Net::NoCallBooked => "safety.no_call_booked_help",
            Net::EndingPlanned => "safety.ending_planned_help",
            Net::FailedAttempts => "safety.failed_attempts_help",
            Net::CallTooFar => "safety.call_too_far_help",
            Net::PastSixMonths => "safety.past_six_months_help",
            Net::PastNineMonths => "safety.past_nine_months_help",
        }
    }
}

/// One patient caught in one net.
#[derive(Clone, Debug)]
pub struct Entry {
    pub net: Net,
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub nurse_id: Option<i64>,
    pub nurse: Option<String>,
    pub since: NaiveDate,
}

impl Entry {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A page of a centre's nets: each net's total, and its entries from the `skip`-th on, at most
/// `take` of them (longest-standing first), for `only` one net or for every net.
pub struct Shown {
    /// Patients caught in at least one net.
    pub caught: i64,
    /// Per net, in the order of `Net::ALL`: how many patients it holds and the entries shown.
    pub nets: Vec<(Net, i64, Vec<Entry>)>,
}

/// What the safety-net page shows: the nets computed once, a bounded number of rows read.
pub async fn of_centre_shown(
    db: &sqlx::PgPool,
    at: DateTime<Utc>,
    centre_id: i64,
    only: Option<Net>,
    skip: i64,
    take: i64,
) -> Result<Shown, sqlx::Error> {
    let rows = sqlx::query!(
        r#"with s as materialized (
               select s.net, s.patient_id, s.nurse_id, s.since from safety_nets($1) s where s.centre_id = $2),
           ranked as (
               select s.*, row_number() over (partition by s.net order by s.since, p.last_name, p.first_name, p.id) as rn,
                      count(*) over (partition by s.net) as total, p.first_name, p.last_name, p.birth_date
                 from s join patients p on p.id = s.patient_id)
           select r.net as "net!: Net", r.patient_id as "patient_id!", r.first_name, r.last_name, r.birth_date,
                  r.nurse_id, u.name as "nurse?", r.since as "since!", r.total as "total!",
                  (r.net = $3 or $3 is null) and r.rn > $4 and r.rn <= $4 + $5 as "shown!",
                  (select count(distinct patient_id) from s) as "caught!"
             from ranked r left join users u on u.id = r.nurse_id
            where ((r.net = $3 or $3 is null) and r.rn > $4 and r.rn <= $4 + $5) or r.rn = 1
            order by r.rn"#,
        at,
        centre_id,
        only.map(Net::code),
        skip,
        take
    )
    .fetch_all(db)
    .await?;
    let caught = rows.first().map_or(0, |r| r.caught);
    let mut nets: Vec<(Net, i64, Vec<Entry>)> = Net::ALL.iter().map(|n| (*n, 0, Vec::new())).collect();
    for r in rows {
        let Some(slot) = nets.iter_mut().find(|(n, _, _)| *n == r.net) else {
            continue;
        };
        slot.1 = r.total;
        if r.shown {
            slot.2.push(Entry {
                net: r.net,
                patient_id: r.patient_id,
                first_name: r.first_name,
                last_name: r.last_name,
                birth_date: r.birth_date,
                nurse_id: r.nurse_id,
                nurse: r.nurse,
                since: r.since,
            });
        }
    }
    Ok(Shown { caught, nets })
}

/// How many patients of the centre are caught in at least one net (the navigation badge).
pub async fn patients_caught(
    db: &sqlx::PgPool,
    at: DateTime<Utc>,
    centre_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(distinct s.patient_id) as "n!" from safety_nets($1) s where s.centre_id = $2"#,
        at,
        centre_id
    )
    .fetch_one(db)
    .await
}

/// Patients per nurse and net in a centre (the centre page's columns).
pub struct NurseCount {
    pub nurse_id: Option<i64>,
    pub net: Net,
    pub patients: i64,
}

/// Patients per nurse and net in a centre.
pub async fn per_nurse(
    db: &sqlx::PgPool,
    at: DateTime<Utc>,
    centre_id: i64,
) -> Result<Vec<NurseCount>, sqlx::Error> {
    sqlx::query_as!(
        NurseCount,
        r#"select s.nurse_id, s.net as "net!: Net", count(distinct s.patient_id) as "patients!"
             from safety_nets($1) s where s.centre_id = $2
            group by s.nurse_id, s.net"#,
        at,
        centre_id
    )
    .fetch_all(db)
    .await
}

/// The nets one patient is caught in, with the date since when (the record's banners).
pub async fn of_patient(
    db: impl sqlx::PgExecutor<'_>,
    at: DateTime<Utc>,
    patient_id: i64,
) -> Result<Vec<(Net, NaiveDate)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select s.net as "net!: Net", s.since as "since!" from safety_nets($1) s where s.patient_id = $2"#,
        at,
        patient_id
    )
    .fetch_all(db)
    .await?;
    let mut nets: Vec<(Net, NaiveDate)> = rows.into_iter().map(|r| (r.net, r.since)).collect();
    nets.sort_by_key(|(net, _)| Net::ALL.iter().position(|n| n == net));
    Ok(nets)
}

/// Attempts in a row without reaching the patient at `at` (the count the failed-attempts net
/// compares with the centre's limit).
pub async fn failed_attempts(
    db: impl sqlx::PgExecutor<'_>,
    at: DateTime<Utc>,
    patient_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"select n as "n!" from failed_attempts($1, $2)"#, patient_id, at)
        .fetch_one(db)
        .await
}

/// A centre's thresholds for the nets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// A booked call counts as overdue this many days after its day (0: from the next day).
    pub overdue_after_days: i32,
    /// Attempts in a row without reaching the patient before the patient is caught.
    pub failed_attempts_limit: i32,
    /// The longest the next booked call may lie after the last call.
    pub longest_gap_days: i32,
}

/// The centre's thresholds.
pub async fn settings(db: &sqlx::PgPool, centre_id: i64) -> Result<Settings, sqlx::Error> {
    sqlx::query_as!(
        Settings,
        "select overdue_after_days, failed_attempts_limit, longest_gap_days from centres where id = $1",
        centre_id
    )
    .fetch_one(db)
    .await
}

/// The bounds each threshold may take (the database checks the same).
pub const OVERDUE_AFTER_DAYS: std::ops::RangeInclusive<i32> = 0..=14;
pub const FAILED_ATTEMPTS_LIMIT: std::ops::RangeInclusive<i32> = 2..=10;
pub const LONGEST_GAP_DAYS: std::ops::RangeInclusive<i32> = 7..=120;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_net_has_its_own_code_and_label() {
        let mut codes: Vec<&str> = Net::ALL.iter().map(|n| n.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Net::ALL.len());
        for net in Net::ALL {
            assert!(net.label_key().ends_with(net.code()));
            assert!(net.help_key().starts_with(net.label_key()));
        }
    }
}
