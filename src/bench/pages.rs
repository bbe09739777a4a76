//! `coachline bench-pages`: Today and the patient record under concurrent signed-in nurses,
//! rendered through the real router against a seeded database. Prints latency percentiles.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tower::ServiceExt;

use crate::{app, AppState, Config};

/// Latencies of one page, in milliseconds.
fn report(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{name:<16} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
        ms.len(),
        at(0.5),
        at(0.95),
        at(0.99),
        ms.last().copied().unwrap_or(0.0)
    );
}

/// Seeds a scratch database, then runs `users` concurrent nurses for `seconds`, each alternating
/// between Today and one of her patients' records.
pub async fn run(server_url: &str, users: usize, seconds: u64, think_ms: u64) -> anyhow::Result<()> {
    let db = super::scratch_database(server_url, "coachline_bench_pages").await?;
    let started = Instant::now();
    super::seed::seed(&db, 15_000, 100, 30).await?;
    println!("seeding took {:.1} s", started.elapsed().as_secs_f64());
    let config = Config::for_tests(&format!(
        "{}/coachline_bench_pages",
        server_url.trim_end_matches('/')
    ));
    let router = app(AppState::new(db.clone(), config));
    let nurses: Vec<(i64,)> =
        sqlx::query_as("select id from users where role = 'nurse' order by id limit $1")
            .bind(users as i64)
            .fetch_all(&db)
            .await?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (nurse,) in nurses {
        let session = crate::web::auth::create_session(&db, nurse).await?;
        let patients: Vec<(i64,)> =
            sqlx::query_as("select id from patients where nurse_id = $1 and status = 'active'")
                .bind(nurse)
                .fetch_all(&db)
                .await?;
        let router = router.clone();
        tasks.push(tokio::spawn(async move {
            let (mut today, mut record) = (Vec::new(), Vec::new());
            let mut n = 0usize;
            while Instant::now() < deadline {
                let (path, into) = if n.is_multiple_of(2) {
                    ("/today".to_owned(), &mut today)
                } else {
                    (
                        format!("/patients/{}", patients[n / 2 % patients.len()].0),
                        &mut record,
                    )
                };
                let request = Request::get(&path)
                    .header(header::COOKIE, format!("coachline_session={session}"))
                    .body(Body::empty())
                    .expect("a valid request");
                let start = Instant::now();
                let response = router.clone().oneshot(request).await.expect("the router answers");
                let status = response.status();
                let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
                into.push(start.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(status, StatusCode::OK, "{path}");
                n += 1;
                if think_ms > 0 {
                    // A nurse reads the page before the next click; stagger so they do not march.
                    let jitter = (n as u64 * 7919 + nurse as u64 * 104_729) % (think_ms / 2 + 1);
                    tokio::time::sleep(Duration::from_millis(think_ms / 2 + jitter)).await;
                }
            }
            (today, record)
        }));
    }
    let (mut today, mut record) = (Vec::new(), Vec::new());
    for task in tasks {
        let (t, r) = task.await?;
        today.extend(t);
        record.extend(r);
    }
    println!(
        "\n{users} concurrent nurses for {seconds} s, {think_ms} ms between clicks on average; milliseconds per page, server-side:"
    );
    println!(
        "{:<16} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "page", "count", "median", "p95", "p99", "max"
    );
    report("Today", today);
    report("patient record", record);
    Ok(())
}
