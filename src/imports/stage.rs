//! The one pass of an import: the file is parsed on a blocking thread, each valid row is
//! written as a line of PostgreSQL's COPY text and sent, 64 KiB at a time over a bounded
//! channel, into `COPY` of a temporary staging table on the caller's transaction. Nothing
//! grows with the valid rows: the channel holds at most a few chunks, and the parser keeps
//! only the CPR numbers seen (to name a duplicate's first line) and the first rejections and
//! warnings when asked to.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use sqlx::PgConnection;
use tokio::sync::mpsc;

use super::parse::{self, Column, ListRow, RowSink};
use super::report::{Report, RowError};
use super::run::ImportError;

/// Bytes of COPY text per message to the database.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting between the parser and the database.
const IN_FLIGHT: usize = 4;

/// What staging found: the report from parsing (counts, the kept rejections and warnings) and
/// the rows now in `import_rows`.
pub(super) struct Staged {
    pub report: Report,
    pub rows: usize,
}

/// Parses `bytes` into the temporary table `import_rows` (dropped at the end of the caller's
/// transaction), keeping the first `keep` rejections and warnings in the report. A refused
/// file, or a list without centres when none was chosen, stages nothing that outlives the
/// caller's transaction.
pub(super) async fn stage(
    conn: &mut PgConnection,
    file_name: &str,
    bytes: Bytes,
    default_centre_id: Option<i64>,
    keep: usize,
) -> Result<Staged, ImportError> {
    let centres: HashMap<String, i64> = sqlx::query!("select code, id from centres")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|c| (c.code, c.id))
        .collect();
    sqlx::query!(
        "create temporary table import_rows (
             line bigint, centre_id bigint, cpr text, first_name text, last_name text, birth_date date,
             sex text, address text, postal_code text, city text, phone text, mobile text,
             municipality text, gp text, diagnoses text, risk_score float8
         ) on commit drop"
    )
    .execute(&mut *conn)
    .await?;
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(IN_FLIGHT);
    let name = file_name.to_owned();
    // Parsing is CPU work: off the async workers, like the export's.
    let parser = tokio::task::spawn_blocking(move || {
        let mut sink = CopySink::new(centres, default_centre_id, keep, tx);
        let parsed = parse::parse_into(&name, &bytes, keep, &mut sink);
        sink.send();
        // Dropping the sink closes the channel: the loop below ends there.
        (parsed, sink.rejections())
    });
    let mut copy = conn.copy_in_raw("copy import_rows from stdin").await?;
    let mut sent = Ok(());
    while let Some(chunk) = rx.recv().await {
        sent = copy.send(chunk).await.map(|_| ());
        if sent.is_err() {
            break;
        }
    }
    // The parser stops sending once nobody listens.
    drop(rx);
    let (parsed, rejected) = parser
        .await
        .map_err(|e| ImportError::Database(sqlx::Error::Io(std::io::Error::other(e))))?;
    sent?;
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(refusal) => {
            copy.abort("the file was refused").await?;
            return Err(ImportError::Refused(refusal));
        }
    };
    if default_centre_id.is_none() && !parsed.recognised.contains(&Column::Centre) {
        copy.abort("the list has no centres").await?;
        return Err(ImportError::NeedsCentre);
    }
    let rows = usize::try_from(copy.finish().await?).unwrap_or(usize::MAX);
    let mut report = Report::from_parsed(file_name, &parsed);
    // Rows whose centre is unknown are rejected too, and their warnings no longer matter.
    report.reject_all(rejected.first);
    report.errors.truncate(keep);
    report.rejected = parsed.rejected_total + rejected.total;
    report.warning_list.retain(|w| !rejected.lines.contains(&w.line));
    report.warnings = parsed.warnings_total - rejected.warnings;
    Ok(Staged { report, rows })
}

/// The rows the sink rejected (their centre is unknown, or none was chosen).
struct Rejected {
    /// The first `keep` of them, in line order.
    first: Vec<RowError>,
    total: usize,
    /// The lines of those that had warnings, and how many warnings those were.
    lines: HashSet<usize>,
    warnings: usize,
}

/// Turns valid rows into COPY text for `import_rows` and sends it on in chunks; rows of an
/// unknown centre (or none, when none was chosen) are rejected here.
struct CopySink {
    centres: HashMap<String, i64>,
    default_centre_id: Option<i64>,
    keep: usize,
    buf: Vec<u8>,
    tx: mpsc::Sender<Vec<u8>>,
    /// The first `keep` rows rejected here, and how many there were.
    rejected: Vec<RowError>,
    rejected_total: usize,
    /// The lines of rejected rows that had warnings, and how many warnings those were.
    rejected_lines: HashSet<usize>,
    rejected_warnings: usize,
}

impl CopySink {
    fn new(
        centres: HashMap<String, i64>,
        default_centre_id: Option<i64>,
        keep: usize,
        tx: mpsc::Sender<Vec<u8>>,
    ) -> Self {
        CopySink {
            centres,
            default_centre_id,
            keep,
            buf: Vec::with_capacity(CHUNK + 4096),
            tx,
            rejected: Vec::new(),
            rejected_total: 0,
            rejected_lines: HashSet::new(),
            rejected_warnings: 0,
        }
    }

    /// Sends what has gathered. A closed channel means the import failed: the rest is dropped.
    fn send(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 4096));
        if self.tx.blocking_send(chunk).is_err() {
            self.buf.clear();
        }
    }

    /// What was rejected here; the channel closes with the sink.
    fn rejections(self) -> Rejected {
        Rejected {
            first: self.rejected,
            total: self.rejected_total,
            lines: self.rejected_lines,
            warnings: self.rejected_warnings,
        }
    }

    fn reject(&mut self, row: &ListRow, warnings: usize, code: String) {
        self.rejected_total += 1;
        if warnings > 0 {
            self.rejected_lines.insert(row.line);
            self.rejected_warnings += warnings;
        }
        if self.rejected.len() < self.keep {
            let (reason, key) = if code.is_empty() {
                ("no call centre given".to_owned(), "import.reject.no_centre")
            } else {
                (
                    format!("unknown call centre code {code}"),
                    "import.reject.unknown_centre",
                )
            };
            self.rejected.push(RowError {
                line: row.line,
                reason,
                key: key.to_owned(),
                arg: code,
            });
        }
    }
}

impl RowSink for CopySink {
    fn row(&mut self, row: ListRow, warnings: usize) {
        let centre = match &row.centre_code {
            Some(code) => self.centres.get(code).copied().ok_or_else(|| code.clone()),
            None => self.default_centre_id.ok_or_else(String::new),
        };
        match centre {
            Ok(centre_id) => {
                write_row(&mut self.buf, &row, centre_id);
                if self.buf.len() >= CHUNK {
                    self.send();
                }
            }
            Err(code) => self.reject(&row, warnings, code),
        }
    }
}

/// One row of `import_rows` in COPY's text format.
fn write_row(out: &mut Vec<u8>, row: &ListRow, centre_id: i64) {
    use std::io::Write;
    let sex = match row.cpr.sex() {
        parse::Sex::Female => "female",
        parse::Sex::Male => "male",
    };
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{}\t{centre_id}\t{}\t", row.line, row.cpr.as_str());
    text(out, Some(&row.first_name));
    text(out, Some(&row.last_name));
    let _ = write!(out, "{}\t{sex}\t", row.cpr.birth_date());
    for field in [
        &row.address,
        &row.postal_code,
        &row.city,
        &row.phone,
        &row.mobile,
        &row.municipality,
        &row.gp,
    ] {
        text(out, field.as_deref());
    }
    text(out, Some(&row.diagnoses.join(" ")));
    match row.risk_score {
        Some(score) => {
            let _ = writeln!(out, "{score}");
        }
        None => out.extend_from_slice(b"\\N\n"),
    }
}

/// A text field and its tab, escaped for COPY (`\N` for none).
fn text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.extend_from_slice(b"\\N"),
        Some(value) => {
            for b in value.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
    out.push(b'\t');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_one_line_of_copy_text_with_its_tabs_backslashes_and_breaks_escaped() {
        let text = "CPR;Fornavn;Efternavn;Adresse;Risikoscore;Diagnoser\n\
                    120356-1233;\"Sø\tren\";Ærbø\\;\"Åvej 3\r\n2. sal\";0,25;DE11 DI50\n\
                    040162-0752;Bent;;;;\n";
        let mut rows = Vec::new();
        parse::parse_into("list.csv", text.as_bytes(), 0, &mut rows).unwrap();
        let mut out = Vec::new();
        for row in &rows {
            write_row(&mut out, row, 7);
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2\t7\t1203561233\tSø\\tren\tÆrbø\\\\\t1956-03-12\tmale\tÅvej 3\\r\\n2. sal\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\tE11 I50\t0.25\n\
             4\t7\t0401620752\tBent\t\t1962-01-04\tfemale\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\t\\N\n"
        );
    }
}
