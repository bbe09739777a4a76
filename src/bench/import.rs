//! `coachline bench-import`: how fast a national-size invitation list is previewed and
//! imported, and how much memory it takes. Prints figures; not a test.

use std::fmt::Write as _;
use std::time::Instant;

use super::{peak_mb, reset_peak};
use crate::imports::{self, parse, Source};

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
    let start = Instant::now();
    let result = work.await?;
    println!(
        "{name:<44} {:>9.0} ms {:>8.1} MB",
        start.elapsed().as_secs_f64() * 1000.0,
        peak_mb()
    );
    Ok(result)
}

/// Seconds a plain `COPY` of `list` takes into a temporary table of text columns: the floor
/// an import is compared with, measured in the same run.
async fn plain_copy(db: &sqlx::PgPool, list: &[u8]) -> anyhow::Result<f64> {
    let mut conn = db.acquire().await?;
    sqlx::query(
        "create temporary table plain_copy (cpr text, first_name text, last_name text, address text,
             postal_code text, city text, phone text, mobile text, municipality text, gp text,
             diagnoses text, risk_score text, centre text)",
    )
    .execute(&mut *conn)
    .await?;
    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw("copy plain_copy from stdin with (format csv, delimiter ';', header true)")
        .await?;
    copy.send(list).await?;
    copy.finish().await?;
    let took = started.elapsed().as_secs_f64();
    sqlx::query("drop table plain_copy").execute(&mut *conn).await?;
    Ok(took)
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
    let list = generate_list(rows, 0);
    let other = generate_list(rows, rows);
    println!(
        "coachline bench-import: {rows} rows, {:.1} MB file\n",
        list.len() as f64 / 1e6
    );
    let floor = plain_copy(&db, &list).await?;
    println!(
        "floor: a plain COPY of the same file into a table of text columns: {:.0} ms\n",
        floor * 1000.0
    );
    println!("{:<44} {:>12} {:>11}", "phase", "time", "peak RSS");
    phase("parse only", async {
        parse::parse_list("list.csv", &list).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await?;
    phase("preview (parse + check), empty database", async {
        Ok(imports::plan(&db, "list.csv", &list, None).await?)
    })
    .await?;
    let started = Instant::now();
    let (_, report) = phase("preview + confirm, empty database", async {
        let plan = imports::plan(&db, "list.csv", &list, None).await?;
        Ok(imports::commit(&db, plan, None, Source::Cli).await?)
    })
    .await?;
    println!(
        "{:<44} {:>10.1}x",
        "  ratio to the plain COPY",
        started.elapsed().as_secs_f64() / floor
    );
    anyhow::ensure!(report.imported == rows, "imported {} of {rows}", report.imported);
    let (_, report) = phase("preview + confirm, new list into full database", async {
        let plan = imports::plan(&db, "other.csv", &other, None).await?;
        Ok(imports::commit(&db, plan, None, Source::Cli).await?)
    })
    .await?;
    anyhow::ensure!(report.imported == rows, "imported {} of {rows}", report.imported);
    let mut again = list.clone();
    again.extend_from_slice(b"\r\n");
    let (_, report) = phase("preview + confirm, same people again", async {
        let plan = imports::plan(&db, "again.csv", &again, None).await?;
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
