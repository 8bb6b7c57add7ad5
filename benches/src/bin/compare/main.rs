//! The Rust half of the comparison runner, `benches/compare.py`: measures our code next to its
//! peers in one run (pgcrypto on the local PostgreSQL, a bare INSERT on the same store, the
//! legacy write load test, and how costs grow with size) and writes JSON for the runner to
//! merge with the Python and Node halves and print.
//!
//! ```sh
//! cargo run --release -p inventario-benches --bin compare -- [--quick] [--json PATH] [--pg URL]
//! ```
//!
//! PostgreSQL measurements run when `--pg` or `INVENTARIO_TEST_PG_URL` names a server, each in a
//! schema of its own that is dropped at the end. `--quick` is a smoke run: tiny sizes, a few
//! seconds, numbers not worth reading.

mod fields;
mod load;
mod movements;
mod report;
mod scaling;

use std::path::PathBuf;
use std::process::ExitCode;

use inventario_benches::store::Backend;
use inventario_benches::timing::Rounds;
use inventario_benches::BoxError;
use serde_json::json;

use crate::report::Report;

/// What the command line asked for.
pub(crate) struct Settings {
    quick: bool,
    rounds: Rounds,
    pg: Option<String>,
    json: Option<PathBuf>,
}

impl Settings {
    fn from_args() -> Result<Settings, String> {
        let mut quick = false;
        let mut pg = inventario_benches::postgres_url();
        let mut json = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => quick = true,
                "--pg" => pg = Some(args.next().ok_or("--pg needs a URL")?),
                "--no-pg" => pg = None,
                "--json" => json = Some(PathBuf::from(args.next().ok_or("--json needs a path")?)),
                "-h" | "--help" => {
                    return Err(
                        "usage: compare [--quick] [--json PATH] [--pg URL | --no-pg]".into(),
                    )
                }
                other => return Err(format!("unknown argument {other:?} (see --help)")),
            }
        }
        let rounds = if quick { Rounds::QUICK } else { Rounds::FULL };
        Ok(Settings {
            quick,
            rounds,
            pg,
            json,
        })
    }

    /// The stores to measure: SQLite, and PostgreSQL when a server is given.
    pub(crate) fn backends(&self) -> Vec<Backend> {
        let mut backends = vec![Backend::SqliteFile];
        backends.extend(self.pg.clone().map(Backend::Postgres));
        backends
    }
}

fn main() -> ExitCode {
    let settings = match Settings::from_args() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("compare: no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: &Settings) -> Result<(), BoxError> {
    let mut report = Report::default();
    fields::run(settings, &mut report).await?;
    movements::run(settings, &mut report).await?;
    load::run(settings, &mut report).await?;
    scaling::run(settings, &mut report).await?;
    let env = json!({
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "quick": settings.quick,
        "postgres": settings.pg.is_some(),
        "postgres_version": match &settings.pg {
            Some(url) => Some(postgres_version(url).await?),
            None => None,
        },
    });
    let json = serde_json::to_string_pretty(&report.into_json(env))?;
    match &settings.json {
        Some(path) => std::fs::write(path, json)?,
        None => println!("{json}"),
    }
    Ok(())
}

async fn postgres_version(url: &str) -> Result<String, BoxError> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(version)
}
