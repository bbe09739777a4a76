//! The pseudonymised research export: a ZIP of CSV files and a data dictionary, streamed row by
//! row from the database through the compressor to the client, so memory does not grow with the
//! number of rows. No name, CPR number, address, phone, free text or exact birth date is written.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use chrono::NaiveDate;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use super::dictionary::DICTIONARY;
use super::pseudonym::{LastPseudonym, Pseudonymiser};
use crate::web::spreadsheet::neutralise;

/// Bytes gathered before a chunk is sent on.
const CHUNK: usize = 64 * 1024;

/// What to export: a period (both days included) and the call centres.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Filter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub centres: Vec<i64>,
}

/// Rows written per file.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Counts {
    pub patients: u64,
    pub status_history: u64,
    pub courses: u64,
    pub calls: u64,
    pub questionnaires: u64,
    pub referrals: u64,
    pub goals: u64,
    pub goal_progress: u64,
    pub meetings: u64,
    pub letters: u64,
    pub caseload_moves: u64,
    pub consent: u64,
    pub consent_events: u64,
    pub questionnaire_items: u64,
    pub timepoints: u64,
    pub randomisation: u64,
    pub consort: u64,
}

/// The compressor's output, shared with the loop that sends it on.
#[derive(Clone, Default)]
pub(super) struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The channel the ZIP goes out on.
pub type Sender = mpsc::Sender<std::io::Result<Bytes>>;

impl Shared {
    /// Sends what has gathered once it is a chunk (or always, at the end).
    pub(super) async fn pump(&self, tx: &Sender, all: bool) -> anyhow::Result<()> {
        let chunk = {
            let mut buf = self.0.lock().expect("not poisoned");
            if buf.is_empty() || (!all && buf.len() < CHUNK) {
                return Ok(());
            }
            // A fresh buffer of the right size: no regrowing (and copying) on the way up.
            std::mem::replace(&mut *buf, Vec::with_capacity(2 * CHUNK))
        };
        tx.send(Ok(Bytes::from(chunk)))
            .await
            .map_err(|_| anyhow::anyhow!("the client went away"))
    }
}

fn age_band(age: Option<i32>) -> String {
    match age {
        Some(a) if a >= 90 => "90+".to_owned(),
        Some(a) if a >= 0 => format!("{}-{}", a / 10 * 10, a / 10 * 10 + 9),
        _ => String::new(),
    }
}

pub(super) fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes the whole export into `tx`. An error ends the stream (the download breaks off rather
/// than ending in a ZIP that looks complete). `today` is the export's day: follow-up points and
/// the flow stand as on the period's end, or today when that is earlier.
pub async fn write(
    db: PgPool,
    filter: Filter,
    names: Pseudonymiser,
    today: NaiveDate,
    tx: Sender,
) -> anyhow::Result<Counts> {
    let out = Shared::default();
    let mut zip = ZipWriter::new_stream(out.clone());
    // Level 3: nearly the size of the default level at about half the time per row.
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(3));
    let mut counts = Counts::default();
    let mut nurses = std::collections::HashMap::<i64, String>::new();
    let mut nurse = |id: i64| nurses.entry(id).or_insert_with(|| names.nurse(id)).clone();
    let (from, to, centres) = (filter.from, filter.to, filter.centres.clone());

    zip.start_file("patients.csv", options)?;
    {
        let mut csv = csv::Writer::from_writer(&mut zip);
        csv.write_record(DICTIONARY.columns("patients.csv"))?;
        let mut rows = sqlx::query!(
            r#"select p.cpr, extract(year from p.birth_date)::int as "birth_year!", p.sex,
                      extract(year from age(p.created_at::date, p.birth_date))::int as age,
                      p.municipality, p.diagnoses, p.risk_score, c.code as centre, p.batch_id, p.arm,
                      p.created_at::date as "invited_on!", p.status, randomised_on(p.id) as randomised_on
                 from patients p join centres c on c.id = p.centre_id
                where p.centre_id = any($1) and p.created_at::date <= $2
                order by p.id"#,
            &centres,
            to
        )
        .fetch(&db);
        while let Some(r) = rows.try_next().await? {
            // Municipality and diagnoses come from the region's file: text cells are
            // neutralised, numbers (risk score, years) written as they are.
            csv.write_record([
                names.patient(&r.cpr).as_str(),
                &r.birth_year.to_string(),
                &r.sex,
                &age_band(r.age),
                &neutralise(r.municipality.as_deref().unwrap_or_default()),
                &neutralise(&r.diagnoses.join(" ")),
                &opt(r.risk_score),
                &neutralise(&r.centre),
                &opt(r.batch_id),
                r.arm.as_deref().unwrap_or_default(),
                &r.invited_on.to_string(),
                &r.status,
                &opt(r.randomised_on),
            ])?;
            counts.patients += 1;
            out.pump(&tx, false).await?;
        }
        csv.flush()?;
    }

    zip.start_file("status_history.csv", options)?;
    {
        let mut csv = csv::Writer::from_writer(&mut zip);
        csv.write_record(DICTIONARY.columns("status_history.csv"))?;
        let mut cache = LastPseudonym::new(&names);
        let mut rows = sqlx::query!(
            r#"select p.id, p.cpr, s.from_status, s.to_status,
                      (s.at at time zone 'Europe/Copenhagen')::date as "on_date!",
                      case s.to_status
                          when 'active' then (select k.start_date from courses k
                                               where k.patient_id = s.patient_id and k.created_at <= s.at + interval '1 minute'
                                               order by k.created_at desc, k.id desc limit 1)
                          when 'ended' then (select k.end_date from courses k
                                              where k.patient_id = s.patient_id and k.end_date is not null
                                                and k.created_at <= s.at
                                              order by k.created_at desc, k.id desc limit 1)
                      end as clinical_date
                 from status_changes s join patients p on p.id = s.patient_id
                where p.centre_id = any($1) and p.created_at::date <= $3
                  and (s.at at time zone 'Europe/Copenhagen')::date between $2 and $3
                order by s.patient_id, s.at"#,
            &centres,
            from,
            to
        )
        .fetch(&db);
        while let Some(r) = rows.try_next().await? {
            let name = cache.of(r.id, &r.cpr).to_owned();
            csv.write_record([
                name,
                r.from_status.unwrap_or_default(),
                r.to_status,
                r.on_date.to_string(),
                opt(r.clinical_date),
            ])?;
            counts.status_history += 1;
            out.pump(&tx, false).await?;
        }
        csv.flush()?;
    }

    zip.start_file("courses.csv", options)?;
    {
        let mut csv = csv::Writer::from_writer(&mut zip);
        csv.write_record(DICTIONARY.columns("courses.csv"))?;
        let mut cache = LastPseudonym::new(&names);
        let mut rows = sqlx::query!(
            r#"select k.id as course, p.id, p.cpr, k.nurse_id, k.start_date, k.planned_end,
                      k.end_date, k.end_reason, k.extension_reason is not null as "extended!"
                 from courses k join patients p on p.id = k.patient_id
                where p.centre_id = any($1) and k.start_date <= $3
                  and (k.end_date is null or k.end_date >= $2)
                order by k.patient_id, k.start_date, k.id"#,
            &centres,
            from,
            to
        )
        .fetch(&db);
        while let Some(r) = rows.try_next().await? {
            let name = cache.of(r.id, &r.cpr).to_owned();
            csv.write_record([
                name,
                r.course.to_string(),
                r.start_date.to_string(),
                r.planned_end.to_string(),
                opt(r.end_date),
                r.end_reason.unwrap_or_default(),
                nurse(r.nurse_id),
                if r.extended { "yes" } else { "no" }.to_owned(),
            ])?;
            counts.courses += 1;
            out.pump(&tx, false).await?;
        }
        csv.flush()?;
    }

    zip.start_file("calls.csv", options)?;
    {
        let mut csv = csv::Writer::from_writer(&mut zip);
        csv.write_record(DICTIONARY.columns("calls.csv"))?;
        let mut cache = LastPseudonym::new(&names);
        // Never the note: the text is clinical free text. The order follows the index on
        // (patient_id, called_at desc) read backwards, so rows stream from the first without a sort.
        let mut rows = sqlx::query!(
            r#"select p.id, p.cpr, c.course_id, c.nurse_id,
                      (c.called_at at time zone 'Europe/Copenhagen')::date as "on_date!",
                      c.outcome, c.duration_minutes, c.topics
                 from calls c join patients p on p.id = c.patient_id
                where p.centre_id = any($1)
                  and c.called_at >= ($2::date::timestamp at time zone 'Europe/Copenhagen')
                  and c.called_at < (($3::date + 1)::timestamp at time zone 'Europe/Copenhagen')
                order by c.patient_id desc, c.called_at"#,
            &centres,
            from,
            to
        )
        .fetch(&db);
        while let Some(r) = rows.try_next().await? {
            let name = cache.of(r.id, &r.cpr).to_owned();
            csv.write_record([
                name,
                opt(r.course_id),
                r.on_date.to_string(),
                r.outcome,
                r.duration_minutes.to_string(),
                r.topics.join(" "),
                nurse(r.nurse_id),
            ])?;
            counts.calls += 1;
            out.pump(&tx, false).await?;
        }
        csv.flush()?;
    }

    zip.start_file("questionnaires.csv", options)?;
    {
        let mut csv = csv::Writer::from_writer(&mut zip);
        csv.write_record(DICTIONARY.columns("questionnaires.csv"))?;
        let mut cache = LastPseudonym::new(&names);
        let mut rows = sqlx::query!(
            r#"select p.id, p.cpr, r.course_id, i.code as instrument, r.timepoint, r.answered_on,
                      r.raw_score::text as "raw!", r.score::text as "score!", r.id as response,
                      f.timepoint as "follow_up_timepoint?", r.amends,
                      not exists (select 1 from questionnaire_responses c where c.amends = r.id)
                          and (f.id is null or not exists (select 1 from follow_ups g
                                                            where g.patient_id = f.patient_id and g.timepoint = f.timepoint
                                                              and g.id > f.id)) as "counts!"
                 from questionnaire_responses r join patients p on p.id = r.patient_id
                 join instruments i on i.id = r.instrument_id
                 left join follow_ups f on f.id = r.follow_up_id
                where p.centre_id = any($1) and r.answered_on between $2 and $3
                order by r.patient_id, r.answered_on, r.id"#,
            &centres,
            from,
            to
        )
        .fetch(&db);
        while let Some(r) = rows.try_next().await? {
            let name = cache.of(r.id, &r.cpr).to_owned();
            csv.write_record([
                name,
                opt(r.course_id),
                r.instrument,
                r.timepoint,
                r.answered_on.to_string(),
                r.raw,
                r.score,
                r.response.to_string(),
                r.follow_up_timepoint.unwrap_or_default(),
                opt(r.amends),
                if r.counts { "yes" } else { "no" }.to_owned(),
            ])?;
            counts.questionnaires += 1;
            out.pump(&tx, false).await?;
        }
        csv.flush()?;
    }

    zip.start_file("referrals.csv", options)?;
    {
        let mut csv = csv::Writer::from_writer(&mut zip);
        csv.write_record(DICTIONARY.columns("referrals.csv"))?;
        let mut cache = LastPseudonym::new(&names);
        // Type and date only: purpose and result are free text.
        let mut rows = sqlx::query!(
            r#"select p.id, p.cpr, r.course_id, r.kind, r.on_date
                 from referrals r join patients p on p.id = r.patient_id
                where p.centre_id = any($1) and r.on_date between $2 and $3
                order by r.patient_id, r.on_date, r.id"#,
            &centres,
            from,
            to
        )
        .fetch(&db);
        while let Some(r) = rows.try_next().await? {
            let name = cache.of(r.id, &r.cpr).to_owned();
            csv.write_record([name, opt(r.course_id), r.kind, r.on_date.to_string()])?;
            counts.referrals += 1;
            out.pump(&tx, false).await?;
        }
        csv.flush()?;
    }

    let mut sink = super::trial_files::Sink {
        zip: &mut zip,
        options,
        out: &out,
        tx: &tx,
    };
    super::trial_files::write(&db, &filter, &names, today.min(to), &mut sink, &mut counts).await?;

    zip.start_file("data_dictionary.csv", options)?;
    {
        let mut csv = csv::Writer::from_writer(&mut zip);
        csv.write_record(["file", "column", "type", "meaning"])?;
        for (file, column, meaning) in &DICTIONARY.0 {
            csv.write_record([
                file,
                column,
                super::dictionary::type_of(file, column),
                meaning.as_str(),
            ])?;
        }
        csv.flush()?;
    }
    zip.start_file("export.csv", options)?;
    {
        let codes = sqlx::query_scalar!(
            "select code from centres where id = any($1) order by code",
            &centres
        )
        .fetch_all(&db)
        .await?;
        let mut csv = csv::Writer::from_writer(&mut zip);
        csv.write_record(["key", "value"])?;
        csv.write_record(["period_from", &from.to_string()])?;
        csv.write_record(["period_to", &to.to_string()])?;
        csv.write_record(["centres", &codes.join(" ")])?;
        csv.write_record(["created_at", &chrono::Utc::now().to_rfc3339()])?;
        csv.flush()?;
    }
    zip.finish()?;
    out.pump(&tx, true).await?;
    Ok(counts)
}
