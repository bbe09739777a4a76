//! `coachline bench-import --hostile`: the peak memory while the import refuses hostile workbooks.

use std::time::Instant;

use super::{peak_mb, reset_peak};
use crate::imports;
use crate::imports::hostile::{long_rows, many_cells, many_shared_strings};

/// Runs the import's preview (parse and check) on each hostile workbook and prints its size,
/// what the import said, the time and the process's peak memory.
pub async fn run(db: &sqlx::PgPool) -> anyhow::Result<()> {
    println!("\nHostile workbooks (peak RSS of this process, which holds the file too):\n");
    println!(
        "{:<44} {:>8} {:>9} {:>10}  result",
        "workbook", "size", "time", "peak RSS"
    );
    type Make = fn() -> Vec<u8>;
    let cases: [(&str, Make); 5] = [
        ("1.95 million cells: 150,000 rows, all rejected", || {
            many_cells(150_000)
        }),
        ("3.1 million cells under a CPR header", || many_cells(240_000)),
        ("18,000 valid rows of 2.6 KB text: under the cap", || {
            long_rows(18_000)
        }),
        ("70,000 valid rows of 2.6 KB text each", || long_rows(70_000)),
        ("1.5 million distinct shared strings", || {
            many_shared_strings(1_500_000)
        }),
    ];
    let centre: i64 = sqlx::query_scalar("select id from centres where code = 'OUH'")
        .fetch_one(db)
        .await?;
    for (name, make) in cases {
        let bytes = axum::body::Bytes::from(make());
        reset_peak();
        let start = Instant::now();
        let result = imports::plan(db, "hostile.xlsx", bytes.clone(), Some(centre)).await;
        let said = match result {
            Ok(plan) => format!(
                "previewed: {} new, {} rejected",
                plan.report.imported, plan.report.rejected
            ),
            Err(e) => e.to_string(),
        };
        println!(
            "{name:<44} {:>5.1} MB {:>6.0} ms {:>7.1} MB  {said}",
            bytes.len() as f64 / 1e6,
            start.elapsed().as_secs_f64() * 1000.0,
            peak_mb()
        );
    }
    Ok(())
}
