//! `coachline bench-pages`: every page of every role over real HTTP, as browsers use it (one
//! kept-alive connection per person, the session cookie sent back), against a seeded database
//! (`--scale 10` for ten times the national programme), each figure beside its floor
//! (`/healthz` and a static file) measured in the same run. Prints the figures; not a test.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use super::http::Browser;
use super::{peak_mb, reset_peak};
use crate::{app, AppState, Config};

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Nurses clicking at once in the load run.
    pub users: usize,
    /// How long the load run lasts.
    pub seconds: u64,
    /// Average pause between one nurse's clicks (0: click again at once).
    pub think_ms: u64,
    /// 1: the national programme (15,000 patients, 300,000 calls); 10: ten times that.
    pub scale: i64,
    /// Measure the database of an earlier run instead of seeding anew.
    pub reuse: bool,
    /// Serve without TCP_NODELAY, to see what it saves.
    pub without_nodelay: bool,
    /// Simultaneous sign-ins at the end (0: none).
    pub sign_ins: usize,
    /// Then the nurses again while a researcher downloads the whole research export.
    pub during_export: bool,
    /// Skip the pages measured for one person at a time.
    pub load_only: bool,
}

/// Latencies of one page, in milliseconds: count, median, p95, p99, max.
fn percentiles(mut ms: Vec<f64>) -> (usize, f64, f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    (
        ms.len(),
        at(0.5),
        at(0.95),
        at(0.99),
        ms.last().copied().unwrap_or(0.0),
    )
}

/// The machine's load average (1, 5, 15 minutes), as `/proc/loadavg` says.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Seeds (or reuses) the database, serves the application on a free port, and measures.
pub async fn run(server_url: &str, opts: Options) -> anyhow::Result<()> {
    let scale = opts.scale.max(1);
    let name = if scale == 1 {
        "coachline_bench_pages".to_owned()
    } else {
        format!("coachline_bench_pages_x{scale}")
    };
    let url = format!("{}/{name}", server_url.trim_end_matches('/'));
    println!(
        "coachline bench-pages: scale {scale}, load average {}",
        load_average()
    );
    let db = if opts.reuse {
        crate::db::connect_and_migrate(&url).await?
    } else {
        let db = super::scratch_database(server_url, &name).await?;
        let started = Instant::now();
        super::seed::seed(&db, 15_000 * scale, 100 * scale, 30).await?;
        println!(
            "seeding and vacuum analyse took {:.1} s",
            started.elapsed().as_secs_f64()
        );
        db
    };
    let config = Config::for_tests(&url);
    let router = app(AppState::new(db.clone(), config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async {
        let _ = stopped.await;
    };
    let server = if opts.without_nodelay {
        println!("serving WITHOUT TCP_NODELAY");
        let app = router.into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(shutdown).await })
    } else {
        tokio::spawn(crate::serve_router(listener, router, shutdown))
    };

    if !opts.load_only {
        one_user(&db, addr).await?;
    }
    floor_and_load(&db, addr, &opts).await?;
    if opts.sign_ins > 0 {
        sign_in_storm(addr, opts.sign_ins).await?;
    }
    println!("\nload average at the end: {}", load_average());
    let _ = stop.send(());
    server.await??;
    Ok(())
}

async fn session_of(db: &sqlx::PgPool, email: &str) -> anyhow::Result<(i64, String)> {
    let (id,): (i64,) = sqlx::query_as("select id from users where email = $1")
        .bind(email)
        .fetch_one(db)
        .await?;
    Ok((id, crate::web::auth::create_session(db, id).await?))
}

fn browser_with(addr: SocketAddr, session: &str) -> Browser {
    let mut browser = Browser::new(addr);
    browser
        .cookies
        .insert("coachline_session".into(), session.to_owned());
    browser
}

/// Every page of every role, one person at a time, 20 views each after one to warm up.
async fn one_user(db: &sqlx::PgPool, addr: SocketAddr) -> anyhow::Result<()> {
    let (nurse, nurse_session) = session_of(db, "nurse2@load.test").await?;
    let (patient,): (i64,) = sqlx::query_as(
        "select id from patients where nurse_id = $1 and status = 'active' order by id limit 1",
    )
    .bind(nurse)
    .fetch_one(db)
    .await?;
    let (coordinator, coordinator_session) = session_of(db, "coordinator-ouh@load.test").await?;
    let _ = coordinator;
    let (other_nurse,): (i64,) =
        sqlx::query_as("select id from users where role = 'nurse' and centre_id = (select id from centres where code = 'OUH') order by id limit 1")
            .fetch_one(db)
            .await?;
    let (_, admin_session) = session_of(db, "admin@load.test").await?;
    let (_, researcher_session) = session_of(db, "researcher@load.test").await?;
    let record = format!("/patients/{patient}");
    let call_form = format!("/patients/{patient}/calls/new");
    let nurse_page = format!("/nurses/{other_nurse}");
    let roles: Vec<(&str, &str, Vec<&str>)> = vec![
        ("floor", "", vec!["/healthz", "/static/app.css"]),
        (
            "nurse",
            &nurse_session,
            vec!["/today", "/my-patients", "/week", &record, &call_form],
        ),
        (
            "coordinator",
            &coordinator_session,
            vec![
                "/centre",
                "/patients",
                "/nurses",
                &nurse_page,
                "/safety-nets",
                "/overview",
            ],
        ),
        (
            "admin",
            &admin_session,
            vec![
                "/imports",
                "/patients",
                "/admin/users",
                "/admin/centres",
                "/admin/access-log",
                "/admin/topics",
                "/admin/questionnaires",
                "/research",
            ],
        ),
        ("researcher", &researcher_session, vec!["/research"]),
    ];
    println!("\nOne person at a time over one kept-alive connection, 20 views per page (ms):");
    println!(
        "{:<12} {:<22} {:>8} {:>8} {:>8} {:>10}",
        "role", "page", "median", "p95", "max", "size"
    );
    for (role, session, pages) in roles {
        let mut browser = browser_with(addr, session);
        for page in pages {
            let first = browser.get(page).await?;
            anyhow::ensure!(first.status == StatusCode::OK, "{role} {page}: {}", first.status);
            let mut ms = Vec::new();
            for _ in 0..20 {
                ms.push(browser.get(page).await?.ms);
            }
            let (_, median, p95, _, max) = percentiles(ms);
            let shown = if page.starts_with("/patients/") {
                page.replace(|c: char| c.is_ascii_digit(), "")
                    .replace("//", "/{id}/")
                    .trim_end_matches('/')
                    .to_owned()
                    + if page.ends_with("new") { "" } else { "{id}" }
            } else if page.starts_with("/nurses/") {
                "/nurses/{id}".to_owned()
            } else {
                page.to_owned()
            };
            println!(
                "{role:<12} {shown:<22} {median:>8.1} {p95:>8.1} {max:>8.1} {:>8.0} kB",
                first.body.len() as f64 / 1024.0
            );
        }
    }
    Ok(())
}

/// `users` connections on `/healthz` without pause (the floor), then `users` nurses alternating
/// between Today and a record with the stated pause: throughput and latency of each.
async fn floor_and_load(db: &sqlx::PgPool, addr: SocketAddr, opts: &Options) -> anyhow::Result<()> {
    let seconds = opts.seconds.max(2);
    let floor_for = Duration::from_secs((seconds / 2).max(2));
    let deadline = Instant::now() + floor_for;
    let mut tasks = Vec::new();
    for _ in 0..opts.users {
        tasks.push(tokio::spawn(async move {
            let mut browser = Browser::new(addr);
            let mut ms = Vec::new();
            while Instant::now() < deadline {
                ms.push(browser.get("/healthz").await?.ms);
            }
            anyhow::Ok(ms)
        }));
    }
    let mut floor = Vec::new();
    for task in tasks {
        floor.extend(task.await??);
    }
    let floor_rate = floor.len() as f64 / floor_for.as_secs_f64();

    let (today, record, took) = nurses_clicking(db, addr, opts).await?;
    println!(
        "\n{} connections; /healthz without pause for {} s, then {} nurses for {seconds} s with {} ms between clicks on average (ms):",
        opts.users,
        floor_for.as_secs(),
        opts.users,
        opts.think_ms
    );
    print_rates_header();
    rate_line("/healthz", floor, floor_for.as_secs_f64(), floor_rate);
    rate_line("Today", today, took, floor_rate);
    rate_line("patient record", record, took, floor_rate);
    if opts.during_export {
        let (exports, bytes, today, record, took) = while_exporting(db, addr, opts).await?;
        println!(
            "\nThe same nurses while a researcher downloads the whole research export ({exports} finished, {:.1} MB downloaded; the rate is against the same floor):",
            bytes as f64 / 1e6
        );
        print_rates_header();
        rate_line("Today", today, took, floor_rate);
        rate_line("patient record", record, took, floor_rate);
    }
    Ok(())
}

fn print_rates_header() {
    println!(
        "{:<16} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "page", "count", "per s", "of floor", "median", "p95", "p99", "max"
    );
}

fn rate_line(name: &str, ms: Vec<f64>, over: f64, floor_rate: f64) {
    let (count, median, p95, p99, max) = percentiles(ms);
    let rate = count as f64 / over;
    println!(
        "{name:<16} {count:>7} {rate:>9.0} {:>8.1}% {median:>9.1} {p95:>9.1} {p99:>9.1} {max:>9.1}",
        rate * 100.0 / floor_rate
    );
}

/// `users` nurses alternating between Today and one of their patients' records for `seconds`,
/// with the stated pause: each page's latencies and how long it ran.
async fn nurses_clicking(
    db: &sqlx::PgPool,
    addr: SocketAddr,
    opts: &Options,
) -> anyhow::Result<(Vec<f64>, Vec<f64>, f64)> {
    let seconds = opts.seconds.max(2);
    let nurses: Vec<(i64,)> =
        sqlx::query_as("select id from users where role = 'nurse' order by id limit $1")
            .bind(opts.users as i64)
            .fetch_all(db)
            .await?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (nurse,) in nurses {
        let session = crate::web::auth::create_session(db, nurse).await?;
        let patients: Vec<(i64,)> =
            sqlx::query_as("select id from patients where nurse_id = $1 and status = 'active'")
                .bind(nurse)
                .fetch_all(db)
                .await?;
        let think_ms = opts.think_ms;
        tasks.push(tokio::spawn(async move {
            let mut browser = browser_with(addr, &session);
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
                let answer = browser.get(&path).await?;
                anyhow::ensure!(answer.status == StatusCode::OK, "{path}: {}", answer.status);
                into.push(answer.ms);
                n += 1;
                if think_ms > 0 {
                    // A nurse reads the page before the next click; stagger so they do not march.
                    let jitter = (n as u64 * 7919 + nurse as u64 * 104_729) % (think_ms + 1);
                    tokio::time::sleep(Duration::from_millis(think_ms / 2 + jitter)).await;
                }
            }
            anyhow::Ok((today, record))
        }));
    }
    let (mut today, mut record) = (Vec::new(), Vec::new());
    for task in tasks {
        let (t, r) = task.await??;
        today.extend(t);
        record.extend(r);
    }
    Ok((today, record, started.elapsed().as_secs_f64()))
}

/// The nurses clicking as in `nurses_clicking` while a researcher downloads the research export
/// of every centre and the past year over and over: how many exports finished, the bytes
/// downloaded, and the nurses' latencies.
async fn while_exporting(
    db: &sqlx::PgPool,
    addr: SocketAddr,
    opts: &Options,
) -> anyhow::Result<(usize, u64, Vec<f64>, Vec<f64>, f64)> {
    let (_, session) = session_of(db, "researcher@load.test").await?;
    let centres: Vec<(i64,)> = sqlx::query_as("select id from centres order by id")
        .fetch_all(db)
        .await?;
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(365)).to_string();
    let to = today.to_string();
    let centres: Vec<String> = centres.iter().map(|(id,)| id.to_string()).collect();
    // Finished exports and the bytes of every export, finished or not.
    let done = std::sync::Arc::new((AtomicUsize::new(0), AtomicU64::new(0)));
    let counted = done.clone();
    let exporter: tokio::task::JoinHandle<anyhow::Result<()>> = tokio::spawn(async move {
        let mut browser = browser_with(addr, &session);
        let mut fields: Vec<(&str, &str)> = vec![("from", &from), ("to", &to)];
        let form = browser.get("/research").await?;
        anyhow::ensure!(form.status == StatusCode::OK, "/research: {}", form.status);
        fields.extend(centres.iter().map(|c| ("centre", c.as_str())));
        loop {
            let status = browser
                .post_download("/research/export", &fields, &counted.1)
                .await?;
            anyhow::ensure!(status == StatusCode::OK, "/research/export: {status}");
            counted.0.fetch_add(1, Ordering::Relaxed);
        }
    });
    // Let the export get going before the nurses start.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let clicked = nurses_clicking(db, addr, opts).await;
    // An export still running is broken off with its connection.
    exporter.abort();
    if let Ok(Err(error)) = exporter.await {
        return Err(error);
    }
    let (today, record, took) = clicked?;
    let (exports, bytes) = (done.0.load(Ordering::Relaxed), done.1.load(Ordering::Relaxed));
    Ok((exports, bytes, today, record, took))
}

/// `count` people signing in at the same moment: what they got, how long it took, and the
/// process's peak memory (server and clients).
async fn sign_in_storm(addr: SocketAddr, count: usize) -> anyhow::Result<()> {
    let mut browsers = Vec::new();
    for _ in 0..count {
        let mut browser = Browser::new(addr);
        browser.get("/login").await?;
        browsers.push(browser);
    }
    reset_peak();
    let before = peak_mb();
    let started = Instant::now();
    let tasks: Vec<_> = browsers
        .into_iter()
        .enumerate()
        .map(|(i, mut browser)| {
            tokio::spawn(async move {
                let email = format!("nurse{}@load.test", i % 100 + 1);
                let answer = browser
                    .post(
                        "/login",
                        &[("email", &email), ("password", super::seed::PASSWORD)],
                    )
                    .await?;
                anyhow::Ok((answer.status, answer.ms))
            })
        })
        .collect();
    let (mut signed_in, mut busy, mut other, mut ms) = (0, 0, 0, Vec::new());
    for task in tasks {
        let (status, took) = task.await??;
        match status {
            StatusCode::SEE_OTHER => signed_in += 1,
            StatusCode::SERVICE_UNAVAILABLE => busy += 1,
            _ => other += 1,
        }
        ms.push(took);
    }
    let (_, median, p95, _, max) = percentiles(ms);
    println!(
        "\n{count} simultaneous sign-ins: {signed_in} signed in, {busy} told to retry (503), {other} other; \
         {:.1} s in all, median {median:.0} ms, p95 {p95:.0} ms, max {max:.0} ms; \
         process memory {before:.0} MB before, {:.0} MB at the peak",
        started.elapsed().as_secs_f64(),
        peak_mb()
    );
    Ok(())
}
