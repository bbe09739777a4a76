//! The `coachline` command: serve, migrate, demo, and administration from the terminal.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use coachline::{cli, telemetry, Config};

#[derive(Parser)]
#[command(name = "coachline", version, about = "Telephone-coaching call centre")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the application (production entry point; configured by environment variables).
    Serve,
    /// Create the database if missing and apply migrations, then exit.
    Migrate,
    /// Report the version, configuration problems, TLS, roles and migrations; change nothing.
    Check,
    /// Write a backup of the database (PostgreSQL custom format, through pg_dump).
    Backup {
        /// The new file to write, e.g. coachline-2026-11-30.dump.
        file: std::path::PathBuf,
    },
    /// Restore a backup into an empty database (through pg_restore), then migrate it.
    Restore {
        /// A file written by `coachline backup`.
        file: std::path::PathBuf,
    },
    /// Exit 0 when the server on COACHLINE_BIND answers /healthz (a container's health probe).
    Healthcheck,
    /// Load demo data, print the demo logins, and serve.
    Demo {
        /// Load the demo into a database that already holds other users, centres or patients.
        #[arg(long)]
        force: bool,
    },
    /// Import an invitation list (CSV or XLSX), exactly as the Imports page does.
    Import {
        /// The file to import.
        file: std::path::PathBuf,
        /// The call centre's code for rows without a Center column.
        #[arg(long)]
        centre: Option<String>,
        /// Show what would be imported; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
        /// Allocate the new people at random to intervention or control: 1:1 or 2:1.
        #[arg(long, value_name = "RATIO")]
        randomise: Option<String>,
        /// The seed of the allocation (recorded with the batch); drawn at random when absent.
        #[arg(long, requires = "randomise")]
        seed: Option<i64>,
    },
    /// Measure the research export on a scratch database seeded with a year of history.
    BenchExport {
        /// How many patients to seed (each with 20 calls).
        #[arg(long, default_value_t = 15_000)]
        patients: i64,
        /// Measure again on the scratch database of an earlier run instead of seeding anew.
        #[arg(long)]
        reuse: bool,
    },
    /// Benchmark the import of a generated national-size list (prints figures).
    BenchImport {
        /// Rows in the generated list.
        #[arg(long, default_value_t = 15_000)]
        rows: usize,
        /// Instead, the peak memory while hostile 10 MB workbooks are refused.
        #[arg(long)]
        hostile: bool,
    },
    /// Benchmark every page of every role over HTTP, and Today and the record under
    /// concurrent nurses, on a seeded database.
    BenchPages {
        /// Concurrent signed-in nurses.
        #[arg(long, default_value_t = 32)]
        users: usize,
        /// How long to run.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Average pause between one nurse's clicks (0: click again at once).
        #[arg(long, default_value_t = 0)]
        think_ms: u64,
        /// Size of the seeded database: 1 is the national programme, 10 ten times it.
        #[arg(long, default_value_t = 1)]
        scale: i64,
        /// Measure the database of an earlier run with the same scale instead of seeding.
        #[arg(long)]
        reuse: bool,
        /// Serve without TCP_NODELAY, to measure what it saves.
        #[arg(long)]
        without_nodelay: bool,
        /// Then this many simultaneous sign-ins (0: none).
        #[arg(long, default_value_t = 0)]
        sign_ins: usize,
        /// Then the nurses again while a researcher downloads the whole research export.
        #[arg(long)]
        during_export: bool,
        /// Only the nurses under load: skip every page measured for one person.
        #[arg(long)]
        load_only: bool,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: cli::UserCommand,
    },
    /// Manage call centres.
    Centre {
        #[command(subcommand)]
        command: cli::CentreCommand,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    let result: anyhow::Result<()> = async {
        let config = Config::from_env()?;
        match cli.command {
            Command::Serve => cli::serve(config).await,
            Command::Migrate => cli::migrate(config).await,
            Command::Check => coachline::ops::check::run(&config).await,
            Command::Healthcheck => coachline::ops::probe::healthcheck(config.bind),
            Command::Backup { file } => coachline::ops::backup::backup(&config, &file).await,
            Command::Restore { file } => coachline::ops::backup::restore(&config, &file).await,
            Command::Demo { force } => cli::demo(config, force).await,
            Command::Import {
                file,
                centre,
                dry_run,
                json,
                randomise,
                seed,
            } => {
                let randomise = randomise.map(|ratio| (ratio, seed));
                return cli::import(config, &file, centre, dry_run, json, randomise).await;
            }
            Command::BenchImport { rows, hostile } => cli::bench_import(config, rows, hostile).await,
            Command::BenchPages {
                users,
                seconds,
                think_ms,
                scale,
                reuse,
                without_nodelay,
                sign_ins,
                during_export,
                load_only,
            } => {
                let options = coachline::bench::pages::Options {
                    users,
                    seconds,
                    think_ms,
                    scale,
                    reuse,
                    without_nodelay,
                    sign_ins,
                    during_export,
                    load_only,
                };
                cli::bench_pages(config, options).await
            }
            Command::BenchExport { patients, reuse } => cli::bench_export(config, patients, reuse).await,
            Command::User { command } => {
                let password = read_password(&command)?;
                cli::user(config, command, password).await
            }
            Command::Centre { command } => cli::centre(config, command).await,
        }
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("coachline: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The new user's password: asked for twice without echo on a terminal, else read from
/// standard input (so a script can pipe it in).
fn read_password(command: &cli::UserCommand) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
    }
    let cli::UserCommand::Add { email, .. } = command;
    let password = rpassword::prompt_password(format!("Password for {email}: "))?;
    let again = rpassword::prompt_password("The same password again: ")?;
    if password != again {
        anyhow::bail!("the two passwords differ; nothing was changed");
    }
    Ok(password)
}
