//! The export's files for the trial's analysis, beyond patients, statuses, courses, calls,
//! questionnaires and referrals: goals and their progress, initial meetings, letters, caseload
//! moves, consent, item-level answers, the follow-up points with their windows, the allocation
//! sequence's parameters and the CONSORT flow. Each streamed row by row like the rest; none
//! holds a name, a CPR number, a note or any other free text.

use tokio_stream::{Stream, StreamExt};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::ZipWriter;

use super::dictionary::DICTIONARY;
use super::export::{opt, Counts, Filter, Sender, Shared};
use super::pseudonym::{LastPseudonym, Pseudonymiser};
use crate::web::spreadsheet::neutralise;

/// Where the files go: the ZIP, its options, and the buffer and channel it streams through.
pub(super) struct Sink<'a> {
    pub zip: &'a mut ZipWriter<StreamWriter<Shared>>,
    pub options: SimpleFileOptions,
    pub out: &'a Shared,
    pub tx: &'a Sender,
}

/// Writes `file` from `rows`, each made a CSV line by `line`; returns the number of rows.
pub(super) async fn stream_file<R>(
    sink: &mut Sink<'_>,
    file: &'static str,
    mut rows: impl Stream<Item = Result<R, sqlx::Error>> + Unpin,
    mut line: impl FnMut(R) -> Vec<String>,
) -> anyhow::Result<u64> {
    sink.zip.start_file(file, sink.options)?;
    let mut csv = csv::Writer::from_writer(&mut *sink.zip);
    csv.write_record(DICTIONARY.columns(file))?;
    let mut n = 0;
    while let Some(row) = rows.try_next().await? {
        csv.write_record(line(row))?;
        n += 1;
        sink.out.pump(sink.tx, false).await?;
    }
    csv.flush()?;
    Ok(n)
}

fn yes_no(value: Option<bool>) -> String {
    match value {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => String::new(),
    }
}

/// Writes the trial's files into `zip`.
#[allow(clippy::too_many_lines)]
pub(super) async fn write(
    db: &sqlx::PgPool,
    filter: &Filter,
    names: &Pseudonymiser,
    asof: chrono::NaiveDate,
    sink: &mut Sink<'_>,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    let (from, to, centres) = (filter.from, filter.to, &filter.centres);

    // Goals: status and dates only, never the patient's words.
    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, g.course_id, g.id as goal, (g.created_at at time zone 'Europe/Copenhagen')::date as "set_on!",
                  g.status, (g.closed_at at time zone 'Europe/Copenhagen')::date as closed_on
             from goals g join patients p on p.id = g.patient_id
            where p.centre_id = any($1) and (g.created_at at time zone 'Europe/Copenhagen')::date between $2 and $3
            order by g.patient_id, g.id"#,
        centres,
        from,
        to
    )
    .fetch(db);
    counts.goals = stream_file(sink, "goals.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            opt(r.course_id),
            r.goal.to_string(),
            r.set_on.to_string(),
            r.status,
            opt(r.closed_on),
        ]
    })
    .await?;

    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, g.id as goal, (x.at at time zone 'Europe/Copenhagen')::date as "on_date!", x.rating
             from goal_progress x join goals g on g.id = x.goal_id join patients p on p.id = g.patient_id
            where p.centre_id = any($1) and (x.at at time zone 'Europe/Copenhagen')::date between $2 and $3
            order by g.patient_id, x.at, x.id"#,
        centres,
        from,
        to
    )
    .fetch(db);
    counts.goal_progress = stream_file(sink, "goal_progress.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            r.goal.to_string(),
            r.on_date.to_string(),
            opt(r.rating),
        ]
    })
    .await?;

    // Initial meetings: when, held or not, how long; never the place.
    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, a.id as meeting, (a.starts_at at time zone 'Europe/Copenhagen')::date as "on_date!",
                  a.status, (extract(epoch from a.ends_at - a.starts_at) / 60)::int as "minutes!", a.nurse_id,
                  (a.outcome_recorded_at at time zone 'Europe/Copenhagen')::date as recorded_on,
                  (a.created_at at time zone 'Europe/Copenhagen')::date as "booked_on!"
             from appointments a join patients p on p.id = a.patient_id
            where a.kind = 'meeting' and p.centre_id = any($1)
              and (a.starts_at at time zone 'Europe/Copenhagen')::date between $2 and $3
            order by a.patient_id, a.starts_at, a.id"#,
        centres,
        from,
        to
    )
    .fetch(db);
    counts.meetings = stream_file(sink, "meetings.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            r.meeting.to_string(),
            r.on_date.to_string(),
            r.status,
            r.minutes.to_string(),
            names.nurse(r.nurse_id),
            r.booked_on.to_string(),
            opt(r.recorded_on),
        ]
    })
    .await?;

    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, (l.produced_at at time zone 'Europe/Copenhagen')::date as "produced_on!",
                  (l.proposed_at at time zone 'Europe/Copenhagen')::date as "proposed_on!"
             from letters l join patients p on p.id = l.patient_id
            where p.centre_id = any($1) and (l.produced_at at time zone 'Europe/Copenhagen')::date between $2 and $3
            order by l.patient_id, l.produced_at, l.id"#,
        centres,
        from,
        to
    )
    .fetch(db);
    counts.letters = stream_file(sink, "letters.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            r.produced_on.to_string(),
            r.proposed_on.to_string(),
        ]
    })
    .await?;

    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, (m.moved_at at time zone 'Europe/Copenhagen')::date as "moved_on!", m.from_nurse_id,
                  m.to_nurse_id, m.until, (m.returned_at at time zone 'Europe/Copenhagen')::date as returned_on,
                  m.appointments_moved, m.reason
             from caseload_moves m join patients p on p.id = m.patient_id
            where p.centre_id = any($1) and (m.moved_at at time zone 'Europe/Copenhagen')::date between $2 and $3
            order by m.patient_id, m.moved_at, m.id"#,
        centres,
        from,
        to
    )
    .fetch(db);
    counts.caseload_moves = stream_file(sink, "caseload_moves.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            r.moved_on.to_string(),
            names.nurse(r.from_nurse_id),
            names.nurse(r.to_nurse_id),
            opt(r.until),
            opt(r.returned_on),
            r.appointments_moved.to_string(),
            r.reason.unwrap_or_default(),
        ]
    })
    .await?;

    // Consent per course as it stands on the export's day (`consent_as_of`, the one definition
    // the record shows), each kind with the date it was given or withdrawn.
    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, k.id as course,
                  c.course_given, c.course_on, c.interview_given, c.interview_on, c.research_given, c.research_on
             from courses k join patients p on p.id = k.patient_id
             left join lateral (
                  select bool_or(a.given) filter (where a.kind = 'course') as course_given,
                         max(a.consent_on) filter (where a.kind = 'course') as course_on,
                         bool_or(a.given) filter (where a.kind = 'interview') as interview_given,
                         max(a.consent_on) filter (where a.kind = 'interview') as interview_on,
                         bool_or(a.given) filter (where a.kind = 'research') as research_given,
                         max(a.consent_on) filter (where a.kind = 'research') as research_on
                    from consent_as_of($4) a where a.course_id = k.id) c on true
            where p.centre_id = any($1) and k.start_date <= $3 and (k.end_date is null or k.end_date >= $2)
            order by k.patient_id, k.start_date, k.id"#,
        centres,
        from,
        to,
        asof
    )
    .fetch(db);
    counts.consent = stream_file(sink, "consent.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            r.course.to_string(),
            yes_no(r.course_given),
            opt(r.course_on),
            yes_no(r.interview_given),
            opt(r.interview_on),
            yes_no(r.research_given),
            opt(r.research_on),
        ]
    })
    .await?;

    // Every consent event of the same courses up to the export's day: the history behind
    // consent.csv, withdrawals and changes included.
    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, k.id as course, e.kind, e.given, e.consent_on,
                  (e.recorded_at at time zone 'Europe/Copenhagen')::date as "recorded_on!"
             from consent_events e
             join courses k on k.id = e.course_id
             join patients p on p.id = k.patient_id
            where p.centre_id = any($1) and k.start_date <= $3 and (k.end_date is null or k.end_date >= $2)
              and e.consent_on <= $4
            order by k.patient_id, k.start_date, k.id, e.consent_on, e.id"#,
        centres,
        from,
        to,
        asof
    )
    .fetch(db);
    counts.consent_events = stream_file(sink, "consent_events.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            r.course.to_string(),
            r.kind,
            yes_no(Some(r.given)),
            r.consent_on.to_string(),
            r.recorded_on.to_string(),
        ]
    })
    .await?;

    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, r.id as response, i.code as instrument, it.position as item, a.value
             from questionnaire_answers a
             join questionnaire_responses r on r.id = a.response_id
             join instrument_items it on it.id = a.item_id
             join instruments i on i.id = r.instrument_id
             join patients p on p.id = r.patient_id
            where p.centre_id = any($1) and r.answered_on between $2 and $3
            order by r.patient_id, r.answered_on, r.id, it.position"#,
        centres,
        from,
        to
    )
    .fetch(db);
    counts.questionnaire_items = stream_file(sink, "questionnaire_items.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            r.response.to_string(),
            r.instrument,
            r.item.to_string(),
            r.value.to_string(),
        ]
    })
    .await?;

    // Every randomised person's follow-up points, where each stands on the export's day.
    let mut cache = LastPseudonym::new(names);
    let rows = sqlx::query!(
        r#"select p.id, p.cpr, p.arm as "arm!", s.timepoint as "timepoint!", s.due_on as "due_on!",
                  s.window_from as "window_from!", s.window_to as "window_to!", s.state as "state!",
                  s.on_date, s.on_date - s.due_on as days_from_due, s.source, s.follow_up_id
             from study_schedule($2) s join patients p on p.id = s.patient_id
             join centres c on c.id = p.centre_id
            where p.centre_id = any($1) and (p.created_at at time zone c.timezone)::date <= $2
            order by s.patient_id, s.ordinal"#,
        centres,
        asof
    )
    .fetch(db);
    counts.timepoints = stream_file(sink, "timepoints.csv", rows, |r| {
        vec![
            cache.of(r.id, &r.cpr).to_owned(),
            r.arm,
            r.timepoint,
            r.due_on.to_string(),
            r.window_from.to_string(),
            r.window_to.to_string(),
            r.state,
            opt(r.on_date),
            opt(r.days_from_due),
            r.source.unwrap_or_default(),
            opt(r.follow_up_id),
        ]
    })
    .await?;

    let rows = sqlx::query!(
        r#"select b.id as batch, c.code as centre, (b.created_at at time zone c.timezone)::date as "randomised_on!",
                  b.random_ratio as "ratio!", b.random_seed as "seed!",
                  count(*) filter (where p.arm = 'intervention') as "intervention!",
                  count(*) filter (where p.arm = 'control') as "control!"
             from import_batches b join patients p on p.batch_id = b.id join centres c on c.id = p.centre_id
            where b.random_seed is not null and p.centre_id = any($1)
              and (b.created_at at time zone c.timezone)::date <= $2
            group by b.id, c.code, c.timezone
            order by b.id, c.code"#,
        centres,
        to
    )
    .fetch(db);
    counts.randomisation = stream_file(sink, "randomisation.csv", rows, |r| {
        vec![
            r.batch.to_string(),
            neutralise(&r.centre).into_owned(),
            r.randomised_on.to_string(),
            r.ratio,
            r.seed.to_string(),
            r.intervention.to_string(),
            r.control.to_string(),
            "permuted_blocks_splitmix64".to_owned(),
        ]
    })
    .await?;

    let rows = sqlx::query!(
        r#"select centre as "centre!", step as "step!", arm as "arm!", timepoint as "timepoint!",
                  reason as "reason!", n as "n!"
             from consort($1, $2)"#,
        centres,
        asof
    )
    .fetch(db);
    counts.consort = stream_file(sink, "consort.csv", rows, |r| {
        vec![
            neutralise(&r.centre).into_owned(),
            r.step,
            r.arm,
            r.timepoint,
            r.reason,
            r.n.to_string(),
        ]
    })
    .await?;
    Ok(())
}
