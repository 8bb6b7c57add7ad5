//! `inventario`: the command line of an inventario-core store.
//!
//! It creates a store with a new master key, inspects and rotates keys, runs re-encryption,
//! crypto-shreds a person's data, verifies the audit chain and signs checkpoints, writes audit
//! reports and runs the anomaly detectors, checks stock, and imports the legacy system's
//! database. `docs/CLI.md` documents every command and the exit codes.
//!
//! - `cli.rs`: the clap definitions and help text.
//! - `secret.rs`: master secrets from key files and the environment (never from arguments).
//! - `store.rs`: the `--db` URL, and the masking of its password in everything printed.
//! - `exit.rs`: exit codes, the mapping of library errors to them, the one-line error output.
//! - `output.rs`, `progress.rs`: tables, JSON and files on stdout; progress on stderr.
//! - `commands/`: one module per command group.

mod cli;
mod commands;
mod exit;
mod output;
mod progress;
mod secret;
mod store;

use std::process::ExitCode;

use clap::Parser as _;

use crate::exit::Failure;
use crate::store::Redactor;

fn main() -> ExitCode {
    exit::install_panic_hook();
    // Usage errors, --help and --version are handled (and exited) by clap.
    let cli = cli::Cli::parse();
    let redactor = Redactor::for_db(cli.global.db.as_deref());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return Failure::internal(format!("cannot start the async runtime: {e}"))
                .report(&redactor)
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code.into(),
        Err(failure) => failure.report(&redactor),
    }
}
