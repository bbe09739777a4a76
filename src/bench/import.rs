//! `coachline bench-import`: how fast a national-size invitation list is previewed and
//! imported, and how much memory it takes, beside the floor: a plain `COPY` of the same rows
//! into a table shaped like `patients`, measured in the same run. Prints figures; not a test.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant;

use axum::body::Bytes;
use sqlx::Connection;

use super::{peak_mb, reset_peak};
use crate::imports::parse::{self, ListRow, RowSink};
use crate::imports::{self, Source};

const FIRST: &[&str] = &[
    "Søren", "Åse", "Ærling", "Birthe", "Jørgen", "Grethe", "Poul", "Kirsten",
];
const LAST: &[&str] = &[
    "Ødegård",
    "Prøvesen",
    "Testesen",
    "Åkjær",
    "Fiktivsen",
    "Bækgaard",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("5000", "Odense C", "OUH"),
    ("6000", "Kolding", "KOL"),
    ("5700", "Svendborg", "OUH"),
];

/// A list like the region's export: UTF-8 with BOM, `;`, decimal commas, Danish letters.
/// `offset` makes lists with other people.
pub fn generate_list(rows: usize, offset: usize) -> Vec<u8> {
    let mut out = String::with_capacity(rows * 160);
    out.push('\u{feff}');
    out.push_str("CPR;Fornavn;Efternavn;Adresse;Postnr;By;Telefon;Mobil;Kommune;Egen læge;Diagnoser;Risikoscore;Center\r\n");
    for n in offset..offset + rows {
        let date = n % 33_600;
        let (day, month, year) = (1 + date % 28, 1 + (date / 28) % 12, date / 336);
        let serial = 1000 + n / 33_600;
        let (postal, city, centre) = CITIES[n % CITIES.len()];
        let _ = write!(
            out,
            "{day:02}{month:02}{year:02}-{serial:04};{};{};Opdigtet Vej {};{postal};{city};{};+45 {};{city};Lægehuset {city};DI50 DE11{};0,{:03};{centre}\r\n",
            FIRST[n % FIRST.len()],
            LAST[n % LAST.len()],
            n % 200 + 1,
            20_000_000 + n % 70_000_000,
            30_000_000 + n % 60_000_000,
            if n % 3 == 0 { " DJ44" } else { "" },
            n % 1000,
        );
    }
    out.into_bytes()
}

/// One measured phase.
pub async fn phase<T, F: std::future::Future<Output = anyhow::Result<T>>>(
    name: &str,
    work: F,
) -> anyhow::Result<T> {
    reset_peak();
    let before = peak_mb();
    let start = Instant::now();
    let result = work.await?;
    println!(
        "{name:<48} {:>9.0} ms {:>8.1} MB {:>8.1} MB",
        start.elapsed().as_secs_f64() * 1000.0,
        before,
        peak_mb()
    );
    Ok(result)
}

/// Counts the rows and forgets them: parsing alone.
struct Count(usize);

impl RowSink for Count {
    fn row(&mut self, _row: ListRow, _warnings: usize) {
        self.0 += 1;
    }
}

/// The rows in COPY text for `patients`' own columns, as the import would make them.
struct PatientsCopy {
    centres: HashMap<String, i64>,
    batch_id: i64,
    out: Vec<u8>,
}

impl RowSink for PatientsCopy {
    fn row(&mut self, row: ListRow, _warnings: usize) {
        let centre = row
            .centre_code
            .as_ref()
            .and_then(|c| self.centres.get(c))
            .copied()
            .unwrap_or_default();
        let sex = match row.cpr.sex() {
            parse::Sex::Female => "female",
            parse::Sex::Male => "male",
        };
        let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "\\N".to_owned());
        let risk = row.risk_score.map_or_else(|| "\\N".to_owned(), |r| r.to_string());
        // The generated lists hold no tab, backslash or line break to escape.
        let _ = writeln!(
            StringWriter(&mut self.out),
            "{centre}\t{}\t{}\t{}\t{}\t{sex}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{{{}}}\t{risk}\t{}",
            row.cpr.as_str(),
            row.first_name,
            row.last_name,
            row.cpr.birth_date(),
            field(&row.address),
            field(&row.postal_code),
            field(&row.city),
            field(&row.phone),
            field(&row.mobile),
            field(&row.municipality),
            field(&row.gp),
            row.diagnoses.join(","),
            self.batch_id,
        );
    }
}

/// `write!` into a byte buffer.
struct StringWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for StringWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The floor: seconds a plain `COPY` of the list's rows takes into a table with the columns,
/// defaults, checks, indexes (its unique CPR number among them) and foreign keys of
/// `patients`, but not its triggers. The rows are parsed and turned into COPY text before the
/// clock starts. Also the seconds of a `COPY` of the raw file into a table of text columns
/// (the floor the issue first compared with).
async fn floors(db: &sqlx::PgPool, list: &[u8]) -> anyhow::Result<(f64, f64)> {
    let centres = sqlx::query!("select code, id from centres")
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|c| (c.code, c.id))
        .collect();
    // A batch for the floor's rows to name (removed again below).
    let batch_id: i64 = sqlx::query_scalar(
        "insert into import_batches (file_name, file_sha256, source) values ('floor', '\\x01', 'cli') returning id",
    )
    .fetch_one(db)
    .await?;
    let mut rows = PatientsCopy {
        centres,
        batch_id,
        out: Vec::with_capacity(list.len() + list.len() / 4),
    };
    parse::parse_into("list.csv", list, 0, &mut rows).map_err(|e| anyhow::anyhow!("{e}"))?;
    // A connection of its own, closed at the end: a connection keeps the buffers it grew.
    let mut conn = sqlx::PgConnection::connect_with(&db.connect_options()).await?;
    // A table of its own: a temporary one may not refer to the others.
    sqlx::raw_sql(
        "create table bench_floor_patients (like patients including all);
         alter table bench_floor_patients
             add foreign key (centre_id) references centres (id),
             add foreign key (batch_id) references import_batches (id),
             add foreign key (nurse_id) references users (id);",
    )
    .execute(&mut conn)
    .await?;
    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw(
            "copy bench_floor_patients (centre_id, cpr, first_name, last_name, birth_date, sex, address,
                                        postal_code, city, phone, mobile, municipality, gp, diagnoses,
                                        risk_score, batch_id)
             from stdin",
        )
        .await?;
    for chunk in rows.out.chunks(64 * 1024) {
        copy.send(chunk).await?;
    }
    copy.finish().await?;
    let patients = started.elapsed().as_secs_f64();
    drop(rows);
    sqlx::query(
        "create temporary table plain_copy (cpr text, first_name text, last_name text, address text,
             postal_code text, city text, phone text, mobile text, municipality text, gp text,
             diagnoses text, risk_score text, centre text)",
    )
    .execute(&mut conn)
    .await?;
    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw("copy plain_copy from stdin with (format csv, delimiter ';', header true)")
        .await?;
    for chunk in list.chunks(64 * 1024) {
        copy.send(chunk).await?;
    }
    copy.finish().await?;
    let text = started.elapsed().as_secs_f64();
    sqlx::raw_sql(
        "drop table plain_copy, bench_floor_patients;
         delete from import_batches where file_name = 'floor' and file_sha256 = '\\x01';",
    )
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok((patients, text))
}

/// Runs the benchmark against a scratch database on the server of `server_url`; with
/// `hostile`, the hostile workbooks instead of a generated list.
pub async fn import(server_url: &str, rows: usize, hostile: bool) -> anyhow::Result<()> {
    let db = super::scratch_database(server_url, "coachline_bench_import").await?;
    sqlx::query("insert into centres (code, name) values ('OUH', 'OUH Odense'), ('KOL', 'Kolding')")
        .execute(&db)
        .await?;
    if hostile {
        super::hostile::run(&db).await?;
        db.close().await;
        return Ok(());
    }
    // One list in memory at a time: the process's peak is the import's.
    let list = Bytes::from(generate_list(rows, 0));
    println!(
        "coachline bench-import: {rows} rows, {:.1} MB file\n",
        list.len() as f64 / 1e6
    );
    let (floor, text_floor) = floors(&db, &list).await?;
    println!(
        "floor: a plain COPY of the same rows into a table like patients (its checks and indexes): {:.0} ms",
        floor * 1000.0
    );
    println!(
        "       (a plain COPY of the file into a table of text columns: {:.0} ms)\n",
        text_floor * 1000.0
    );
    println!(
        "{:<48} {:>12} {:>11} {:>11}",
        "phase", "time", "RSS before", "peak RSS"
    );
    phase("parse only", async {
        let mut count = Count(0);
        parse::parse_into("list.csv", &list, 0, &mut count).map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(count.0 == rows, "parsed {} of {rows}", count.0);
        Ok(())
    })
    .await?;
    phase("preview (parse + check), empty database", async {
        Ok(imports::plan(&db, "list.csv", list.clone(), None).await?)
    })
    .await?;
    let started = Instant::now();
    let (_, report) = phase("confirm, empty database", async {
        let plan = imports::run::prepare("list.csv", list.clone(), None);
        Ok(imports::commit(&db, plan, None, Source::Cli).await?)
    })
    .await?;
    let took = started.elapsed().as_secs_f64();
    anyhow::ensure!(report.imported == rows, "imported {} of {rows}", report.imported);
    println!(
        "{:<48} {:>10.1}x  ({:.1}x the text-table COPY)",
        "  ratio to the floor",
        took / floor,
        took / text_floor
    );
    drop(list);
    let other = Bytes::from(generate_list(rows, rows));
    let (_, report) = phase("confirm, new list into full database", async {
        let plan = imports::run::prepare("other.csv", other.clone(), None);
        Ok(imports::commit(&db, plan, None, Source::Cli).await?)
    })
    .await?;
    anyhow::ensure!(report.imported == rows, "imported {} of {rows}", report.imported);
    drop(other);
    let mut again = generate_list(rows, 0);
    again.extend_from_slice(b"\r\n");
    let again = Bytes::from(again);
    let (_, report) = phase("preview + confirm, same people again", async {
        let plan = imports::plan(&db, "again.csv", again.clone(), None).await?;
        anyhow::ensure!(
            plan.report.already_known == rows,
            "the preview missed known people"
        );
        let plan = imports::run::prepare("again.csv", again.clone(), None);
        Ok(imports::commit(&db, plan, None, Source::Cli).await?)
    })
    .await?;
    anyhow::ensure!(
        report.imported == 0 && report.already_known == rows,
        "second import created patients"
    );
    db.close().await;
    Ok(())
}
