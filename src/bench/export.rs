//! `coachline bench-export`: seeds a scratch database with a year of a programme's history
//! (15,000 patients, about 300,000 calls by default) and measures the streamed research export:
//! its time and the process's peak memory, for the whole year and for one month of it, so one
//! can see that memory does not grow with the rows.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::mpsc;

use crate::research::export::{Counts, Filter};
use crate::research::pseudonym::Pseudonymiser;

/// The scratch database's name, on the same server as `DATABASE_URL`.
pub const DATABASE: &str = "coachline_bench_export";

/// One measured export.
#[derive(Debug)]
pub struct Figures {
    pub counts: Counts,
    pub bytes: u64,
    pub elapsed: Duration,
    /// Resident memory before the export and the peak during it, in KiB.
    pub rss_before_kib: u64,
    pub rss_peak_kib: u64,
    /// CPU time coachline itself spent (the rest of the wall time is PostgreSQL's and waiting).
    pub cpu: Duration,
}

/// User plus system CPU time of this process so far (Linux); zero elsewhere.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime is the 12th, stime the 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // Linux reports in clock ticks of 1/100 s.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Seeds `db` (freshly migrated) with `patients` patients of one list randomised 2:1 a year
/// ago: each intervention person with a letter, an initial meeting, three consents, a course,
/// calls every 12 days, three WHO-5 scores answered item by item, a referral, two goals with
/// progress, and one in ten moved to another nurse for a while; each control person with a
/// letter and the study's follow-up points answered by phone (item by item) or not reached.
/// Every file of the export has rows.
pub async fn seed(db: &PgPool, patients: i64) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("insert into centres (code, name) values ('OUH', 'OUH Odense'), ('KOL', 'Kolding')")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into users (email, name, role, centre_id, capacity, password_hash)
         select 'nurse' || n || '@bench.invalid', 'Bench nurse ' || n, 'nurse',
                (select id from centres order by id limit 1 offset n % 2), 80, 'not-a-hash'
           from generate_series(1, 40) n",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into import_batches (file_name, file_sha256, source, random_seed, random_ratio, created_at)
         values ('bench.csv', '\\x00', 'cli', 20261202, '2:1', now() - interval '13 months')",
    )
    .execute(&mut *tx)
    .await?;
    // Invented people: CPR-shaped numbers that are no real date, names that are no real names.
    sqlx::query(
        "with centre as (select id, row_number() over (order by id) - 1 as k from centres),
              nurse as (select id, centre_id, row_number() over (partition by centre_id order by id) - 1 as k
                          from users where role = 'nurse')
         insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex, address, phone,
                               municipality, diagnoses, risk_score, status, nurse_id, batch_id, arm,
                               created_at)
         select c.id,
                (9000000000 + i)::text, 'Bench', 'Person ' || i, date '1930-01-01' + (i * 7 % 20000)::int,
                case when i % 2 = 0 then 'female' else 'male' end, 'Benchvej ' || i, '+4570' || lpad(i::text, 6, '0'),
                (array['Odense','Kolding','Vejle','Svendborg'])[1 + i % 4],
                case i % 3 when 0 then '{I50,J44}'::text[] when 1 then '{E11,N18}'::text[] else '{F32,I50}'::text[] end,
                (i % 100) / 100.0, case i % 3 when 2 then 'invited' when 0 then 'ended' else 'active' end,
                -- A nurse of the patient's own centre (the database allows no other).
                case when i % 3 <> 2 then n.id end,
                (select id from import_batches limit 1), case when i % 3 = 2 then 'control' else 'intervention' end,
                now() - interval '13 months'
           from generate_series(1, $1) i
           join centre c on c.k = i % 2
           join nurse n on n.centre_id = c.id and n.k = (i / 2) % 20",
    )
    .bind(patients)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into courses (patient_id, nurse_id, start_date, planned_end, end_date, end_reason)
         select id, nurse_id, current_date - 365 + (id % 60)::int, current_date - 125 + (id % 60)::int,
                case when id % 3 = 0 then current_date - 100 + (id % 60)::int end,
                case when id % 3 = 0 then 'completed' end
           from patients where arm = 'intervention'",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into calls (patient_id, course_id, nurse_id, called_at, outcome, duration_minutes, topics, note)
         select k.patient_id, k.id, k.nurse_id, k.start_date + n * 12 + time '10:00',
                (array['reached','reached','reached','no_answer','voicemail'])[1 + (k.id + n) % 5],
                5 + (k.id + n) % 40, array['own_goals', 'medication'],
                'Fortrolig note, aldrig i et udtræk ' || n
           from courses k, generate_series(1, 30) n
          -- No call reaches a patient after their course ended.
          where k.end_date is null or k.start_date + n * 12 <= k.end_date",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score)
         select k.patient_id, k.id, i.id, t.tp, k.start_date + t.days, 10 + k.id % 15, (10 + k.id % 15) * 4
           from courses k, instruments i,
                (values ('start', 0), ('month3', 91), ('end', 230)) as t(tp, days)
          where i.code = 'who5'",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into referrals (patient_id, course_id, kind, on_date, purpose)
         select patient_id, id, 'gp', start_date + 30, 'Fortroligt formål' from courses",
    )
    .execute(&mut *tx)
    .await?;
    seed_trial(&mut tx).await?;
    tx.commit().await?;
    // As a settled database would be: hint bits set, visibility map and statistics current.
    sqlx::query("vacuum analyze").execute(db).await?;
    Ok(())
}

/// The rest of what the export reads: letters, initial meetings, consent, goals and progress,
/// caseload moves, the control arm's follow-up points, and every WHO-5 answer item by item.
async fn seed_trial(tx: &mut sqlx::PgConnection) -> anyhow::Result<()> {
    for statement in [
        "insert into letter_runs (centre_id, produced_at) select id, now() - interval '13 months' from centres",
        "insert into letters (run_id, patient_id, proposed_at, place, produced_at)
         select r.id, p.id, coalesce(k.start_date - 7, (p.created_at + interval '3 weeks')::date) + time '10:00',
                'Benchvej mødelokale', r.produced_at
           from patients p join letter_runs r on r.centre_id = p.centre_id
           left join courses k on k.patient_id = p.id",
        // The initial meeting a week before the course, held, its outcome recorded an hour on.
        "insert into appointments (patient_id, nurse_id, kind, starts_at, ends_at, place, status,
                                   outcome_recorded_at, created_at)
         select k.patient_id, k.nurse_id, 'meeting', m.at, m.at + interval '45 minutes', 'Benchvej mødelokale',
                'done', m.at + interval '1 hour', m.at - interval '14 days'
           from courses k, lateral (select ((k.start_date - 7) + time '10:00') at time zone 'Europe/Copenhagen' as at) m",
        // Consent to the course, the interview and research at the meeting; one in fifty
        // withdraws research consent a hundred days into the course.
        "insert into consent_events (course_id, kind, given, consent_on, recorded_by, recorded_at)
         select k.id, c.kind, c.kind <> 'interview' or k.id % 4 <> 0, k.start_date - 7, k.nurse_id,
                ((k.start_date - 7) + time '11:00') at time zone 'Europe/Copenhagen'
           from courses k, (values ('course'), ('interview'), ('research')) c(kind)
         union all
         select k.id, 'research', false, k.start_date + 100, k.nurse_id,
                ((k.start_date + 101) + time '09:00') at time zone 'Europe/Copenhagen'
           from courses k where k.id % 50 = 0",
        "insert into goals (patient_id, course_id, text, status, created_by, created_at, closed_at)
         select k.patient_id, k.id, 'Fortroligt mål ' || g, case when g = 1 and k.id % 2 = 0 then 'achieved' else 'open' end,
                k.nurse_id, (k.start_date + 14 * g) + time '10:30',
                case when g = 1 and k.id % 2 = 0 then (k.start_date + 120) + time '10:30' end
           from courses k, generate_series(1, 2) g",
        "insert into goal_progress (goal_id, rating, comment, recorded_by, at)
         select g.id, (g.id + n) % 11, 'Fortrolig kommentar', g.created_by, g.created_at + make_interval(days => 30 * n)
           from goals g, generate_series(1, 3) n",
        "insert into caseload_moves (patient_id, from_nurse_id, to_nurse_id, until, appointments_moved, moved_at, returned_at)
         select k.patient_id, k.nurse_id, o.id, k.start_date + 100, 2,
                (k.start_date + 90) + time '08:00', (k.start_date + 101) + time '08:00'
           from courses k join patients p on p.id = k.patient_id,
                lateral (select u.id from users u where u.role = 'nurse' and u.centre_id = p.centre_id
                            and u.id <> k.nurse_id order by u.id limit 1) o
          where k.id % 10 = 0",
        // The control arm at the study's points: answered by phone, one in five not reached.
        "insert into follow_ups (patient_id, timepoint, result, mode, on_date)
         select p.id, t.code, case when (p.id + t.position) % 5 = 0 then 'not_reached' else 'answered' end,
                case when (p.id + t.position) % 5 = 0 then null else 'phone' end,
                ((b.created_at at time zone 'Europe/Copenhagen')::date + make_interval(months => t.months))::date + 5
           from patients p join import_batches b on b.id = p.batch_id, study_timepoints t
          where p.arm = 'control' and t.active
            and ((b.created_at at time zone 'Europe/Copenhagen')::date + make_interval(months => t.months))::date + 5
                < current_date",
        "insert into questionnaire_responses (patient_id, follow_up_id, instrument_id, timepoint, answered_on, raw_score, score)
         select f.patient_id, f.id, i.id, 'follow_up', f.on_date, 10 + f.id % 15, (10 + f.id % 15) * 4
           from follow_ups f, instruments i where f.result = 'answered' and i.code = 'who5'",
        "insert into questionnaire_answers (response_id, item_id, value)
         select r.id, it.id, (r.id + it.position) % 6
           from questionnaire_responses r join instrument_items it on it.instrument_id = r.instrument_id",
    ] {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    Ok(())
}

/// A line of `/proc/self/status` in KiB (Linux); 0 elsewhere.
fn proc_status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs one export into a counting sink and measures it.
pub async fn measure(database_url: &str, filter: Filter, names: Pseudonymiser) -> anyhow::Result<Figures> {
    // Resets the peak resident set size (VmHWM) so the peak is this export's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before_kib = proc_status_kib("VmRSS:");
    let started = Instant::now();
    let cpu_before = cpu_time();
    let (tx, mut rx) = mpsc::channel(8);
    let today = crate::clock::today_at(chrono::Utc::now(), chrono_tz::Europe::Copenhagen);
    let writer = tokio::spawn(crate::research::worker::write_apart(
        database_url.to_owned(),
        crate::db::DbOptions::default(),
        filter,
        names,
        today,
        tx,
    ));
    let mut bytes = 0u64;
    while let Some(chunk) = rx.recv().await {
        bytes += chunk?.len() as u64;
    }
    let counts = writer.await??;
    Ok(Figures {
        counts,
        bytes,
        elapsed: started.elapsed(),
        rss_before_kib,
        rss_peak_kib: proc_status_kib("VmHWM:"),
        cpu: cpu_time().saturating_sub(cpu_before),
    })
}

/// Prints one measurement.
pub fn print(label: &str, f: &Figures) {
    println!(
        "{label}: {} patients, {} courses, {} calls, {} questionnaire scores, {} referrals, {} status changes",
        f.counts.patients, f.counts.courses, f.counts.calls, f.counts.questionnaires, f.counts.referrals,
        f.counts.status_history
    );
    println!(
        "  and {} goals, {} progress, {} meetings, {} letters, {} caseload moves, {} consents ({} events), \
         {} item answers, {} follow-up points",
        f.counts.goals,
        f.counts.goal_progress,
        f.counts.meetings,
        f.counts.letters,
        f.counts.caseload_moves,
        f.counts.consent,
        f.counts.consent_events,
        f.counts.questionnaire_items,
        f.counts.timepoints
    );
    println!(
        "  {:.2} s ({:.2} s CPU in coachline), {:.1} MB ZIP, memory {:.1} MB before, peak {:.1} MB (+{:.1} MB)",
        f.elapsed.as_secs_f64(),
        f.cpu.as_secs_f64(),
        f.bytes as f64 / 1e6,
        f.rss_before_kib as f64 / 1024.0,
        f.rss_peak_kib as f64 / 1024.0,
        f.rss_peak_kib.saturating_sub(f.rss_before_kib) as f64 / 1024.0
    );
}
