//! The `coachline` command: serve, migrate, demo, and administration from the terminal.

use std::io::Read;
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
    /// Load demo data, print the demo logins, and serve.
    Demo,
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
    let result = async {
        let config = Config::from_env()?;
        match cli.command {
            Command::Serve => cli::serve(config).await,
            Command::Migrate => cli::migrate(config).await,
            Command::Demo => cli::demo(config).await,
            Command::User { command } => cli::user(config, command, read_stdin()?).await,
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

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}
