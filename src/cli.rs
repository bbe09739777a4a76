//! What the `coachline` subcommands do; `main.rs` only parses arguments.

use clap::Subcommand;

use crate::admin::centres::{self, CentreForm};
use crate::admin::users::UserForm;
use crate::{db, demo, imports, AppState, Config};

/// `coachline user ...`
#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, coordinator, nurse, researcher or research_assistant
        #[arg(long)]
        role: String,
        /// The call centre's code (required for coordinators and nurses).
        #[arg(long)]
        centre: Option<String>,
        /// Most active patients for a nurse (default 60).
        #[arg(long)]
        capacity: Option<i32>,
    },
}

/// `coachline centre ...`
#[derive(Subcommand)]
pub enum CentreCommand {
    /// Add a call centre.
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "")]
        phone: String,
    },
}

/// `coachline serve`: migrates as the owner, then serves as the application role, never as a
/// role that could change history (unless `COACHLINE_DEV_DATABASE=true`).
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listeners = crate::bind(&config).await?;
    config.warn_about_secret();
    let pool = db::connect_app(&config).await?;
    db::refuse_owner_role(&pool, config.dev_database).await?;
    crate::serve_on(listeners, AppState::new(pool, config)).await
}

/// `coachline migrate`: as `COACHLINE_MIGRATE_DATABASE_URL`'s role (or `DATABASE_URL`'s).
pub async fn migrate(config: Config) -> anyhow::Result<()> {
    db::connect_and_migrate_with(config.migrate_url(), &config.db_options).await?;
    println!("The database is up to date.");
    Ok(())
}

/// `coachline demo [--force]`: demo data, the logins, then serve. The demo data goes in as the
/// owner (it backdates history); the server then runs as `DATABASE_URL`'s role, and a demo is
/// a development database by nature.
pub async fn demo(mut config: Config, force: bool) -> anyhow::Result<()> {
    let listeners = crate::bind(&config).await?;
    config.warn_about_secret();
    let owner = db::connect_and_migrate_with(config.migrate_url(), &config.db_options).await?;
    if !force {
        if let Some(refusal) = demo::foreign_data(&owner).await? {
            anyhow::bail!(refusal);
        }
    }
    let added = demo::load(&owner).await?;
    let token = demo::api_client(&owner).await?;
    owner.close().await;
    let pool = db::connect_with(&config.database_url, &config.db_options).await?;
    config.dev_database = true;
    println!("\ncoachline demo: http://{}", config.bind);
    println!(
        "Demo data loaded ({added} new invented patients). Sign in with password `{}` as:",
        demo::DEMO_PASSWORD
    );
    println!("(admins and coordinators set up an authenticator app at their first sign-in)");
    for login in demo::LOGINS {
        println!(
            "  {:<40} {:<12} {}",
            login.email,
            login.role.as_str(),
            login.centre.unwrap_or("all centres")
        );
    }
    println!(
        "The FHIR API, as OUH's demo platform (a new token each start):\n  \
         curl -H 'Authorization: Bearer {token}' http://{}/fhir/Patient",
        config.bind
    );
    println!("Stop with Ctrl-C.\n");
    crate::serve_on(listeners, AppState::new(pool, config)).await
}

/// `coachline import FILE [--centre CODE] [--dry-run] [--json]`: the same plan and commit as
/// the Imports page. A refused file exits non-zero (with `{"error": ...}` under `--json`).
pub async fn import(
    config: Config,
    file: &std::path::Path,
    centre: Option<String>,
    dry_run: bool,
    json: bool,
    randomise: Option<(String, Option<i64>)>,
) -> anyhow::Result<()> {
    let fail = |message: String| -> anyhow::Result<()> {
        if json {
            println!("{}", serde_json::json!({ "error": message }));
            std::process::exit(1);
        }
        anyhow::bail!(message)
    };
    let randomisation = match randomise {
        None => None,
        Some((ratio, seed)) => match imports::Ratio::parse(&ratio) {
            Some(ratio) => Some(imports::Randomisation {
                ratio,
                seed: seed.unwrap_or_else(imports::randomise::new_seed),
            }),
            None => return fail(format!("--randomise takes 1:1 or 2:1, not {ratio}")),
        },
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let name = file
        .file_name()
        .map_or_else(|| "list".to_owned(), |n| n.to_string_lossy().into_owned());
    let pool = db::connect_app(&config).await?;
    let centre_id = match centre {
        Some(code) => {
            let code = code.trim().to_uppercase();
            match sqlx::query_scalar!("select id from centres where code = $1", code)
                .fetch_optional(&pool)
                .await?
            {
                Some(id) => Some(id),
                None => return fail(format!("there is no call centre with code {code}")),
            }
        }
        None => None,
    };
    let plan = match imports::plan(&pool, &name, bytes.into(), centre_id).await {
        Ok(plan) => plan,
        Err(imports::ImportError::Database(e)) => return Err(e.into()),
        Err(e) => return fail(e.to_string()),
    };
    let report = if dry_run {
        plan.report
    } else {
        let planned = plan.report.clone();
        match imports::commit_randomised(&pool, plan, None, imports::Source::Cli, randomisation).await {
            Ok((_, report)) => report,
            // Not a refusal: the file is fine, and its rows are all known now.
            Err(e @ imports::ImportError::AlreadyImported { .. }) => {
                eprintln!("coachline: {e}");
                planned
            }
            Err(imports::ImportError::Database(e)) => return Err(e.into()),
            Err(e) => return fail(e.to_string()),
        }
    };
    if json {
        println!("{}", report.cli_json());
    } else {
        let verb = if dry_run { "would import" } else { "imported" };
        println!(
            "{}: {verb} {} new, {} already known, {} rejected, {} warnings",
            report.file, report.imported, report.already_known, report.rejected, report.warnings
        );
        if let Some(r) = randomisation.filter(|_| !dry_run) {
            println!("  randomised {} with seed {}", r.ratio.as_str(), r.seed);
        }
        for e in &report.errors {
            println!("  line {}: rejected: {}", e.line, e.reason);
        }
        for w in &report.warning_list {
            println!("  line {}: {}: {}", w.line, w.column, w.reason);
        }
    }
    Ok(())
}

/// The server part of the owner's database URL, where benchmarks make their scratch databases.
fn server_of(config: &Config) -> &str {
    let url = config.migrate_url();
    url.rsplit_once('/').map_or(url, |(s, _)| s)
}

/// `coachline bench-import --rows N`: on a scratch database next to `DATABASE_URL`'s.
pub async fn bench_import(config: Config, rows: usize, hostile: bool) -> anyhow::Result<()> {
    crate::bench::import::import(server_of(&config), rows, hostile).await
}

/// `coachline bench-pages --users N --seconds S`: likewise.
pub async fn bench_pages(config: Config, options: crate::bench::pages::Options) -> anyhow::Result<()> {
    crate::bench::pages::run(server_of(&config), options).await
}

/// `coachline user add`.
pub async fn user(config: Config, command: UserCommand, password: String) -> anyhow::Result<()> {
    let UserCommand::Add {
        email,
        name,
        role,
        centre,
        capacity,
    } = command;
    let pool = db::connect_app(&config).await?;
    let centre_id = match centre {
        Some(code) => {
            let code = code.trim().to_uppercase();
            let id = sqlx::query_scalar!("select id from centres where code = $1", code)
                .fetch_optional(&pool)
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no call centre with code {code}"))?;
            id.to_string()
        }
        None => String::new(),
    };
    let form = UserForm {
        email,
        name,
        role,
        centre_id,
        capacity: capacity.map(|c| c.to_string()).unwrap_or_default(),
        password,
    };
    let (user, password) = form
        .validate(true)
        .map_err(|errors| anyhow::anyhow!(errors.describe()))?;
    let id = crate::auth::accounts::insert(&pool, &user, password.expect("validated with password"))
        .await?
        .ok_or_else(|| anyhow::anyhow!("a user with that e-mail already exists"))?;
    println!("Created user {id} ({}).", user.role.as_str());
    Ok(())
}

/// `coachline centre add`.
pub async fn centre(config: Config, command: CentreCommand) -> anyhow::Result<()> {
    let CentreCommand::Add {
        code,
        name,
        address,
        phone,
    } = command;
    let pool = db::connect_app(&config).await?;
    let (form, errors) = CentreForm {
        code,
        name,
        address,
        phone,
        nurses_second_factor: None,
    }
    .validate();
    if !errors.is_empty() {
        anyhow::bail!(errors.describe());
    }
    let id = centres::insert(&pool, &form)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a call centre with code {} already exists", form.code))?;
    println!("Created call centre {} ({id}).", form.code);
    Ok(())
}

/// `coachline bench-export [--patients N]`: seeds the scratch database `coachline_bench_export`
/// on `DATABASE_URL`'s server (dropped and made anew) and measures the research export.
pub async fn bench_export(config: Config, patients: i64, reuse: bool) -> anyhow::Result<()> {
    use crate::bench::export as bench;
    let server = server_of(&config);
    let url = format!("{server}/{}", bench::DATABASE);
    if reuse {
        let pool = db::connect_and_migrate(&url).await?;
        return bench_export_measure(&config, &pool, &url).await;
    }
    {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres")).await?;
        sqlx::query(&format!(
            "drop database if exists {} with (force)",
            bench::DATABASE
        ))
        .execute(&mut admin)
        .await?;
    }
    let pool = db::connect_and_migrate(&url).await?;
    println!(
        "Seeding {patients} patients with a year of history into {} ...",
        bench::DATABASE
    );
    let started = std::time::Instant::now();
    bench::seed(&pool, patients).await?;
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());
    bench_export_measure(&config, &pool, &url).await?;
    pool.close().await;
    Ok(())
}

async fn bench_export_measure(config: &Config, pool: &sqlx::PgPool, url: &str) -> anyhow::Result<()> {
    use crate::bench::export as bench;
    use crate::research::{Filter, Pseudonymiser};
    let names = Pseudonymiser::new(&config.pseudonym_key)
        .or_else(|| Pseudonymiser::new(b"coachline-bench-pseudonym-key-0123456789"))
        .expect("a long enough key");
    let centres: Vec<i64> = sqlx::query_scalar("select id from centres")
        .fetch_all(pool)
        .await?;
    let today = chrono::Utc::now().date_naive();
    let year = Filter {
        from: today - chrono::Months::new(13),
        to: today,
        centres: centres.clone(),
    };
    let month = Filter {
        from: today - chrono::Months::new(4),
        to: today - chrono::Months::new(3),
        centres,
    };
    bench::print("One month", &bench::measure(url, month, names.clone()).await?);
    bench::print("The whole year", &bench::measure(url, year, names).await?);
    Ok(())
}
