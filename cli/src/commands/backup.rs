//! `inventario backup …`, `inventario restore` and `inventario drill`: encrypted backups of a
//! SQLite store, their verified restore, and the recovery drill (docs/OPERATIONS.md).

use std::path::Path;

use indicatif::ProgressBar;
use inventario_core::backup::{
    self, BackupOptions, DrillOptions, FieldCheck, Phase, Progress, RestoreOptions, RestoreTarget,
};
use serde_json::json;

use super::{timestamp, Context};
use crate::cli::{BackupCommand, DrillArgs, FieldsArg, RestoreArgs};
use crate::exit::{Code, Failure};
use crate::output::{print, print_json, write_file};
use crate::progress;
use crate::secret;
use crate::store::Create;

/// Runs `inventario backup …`.
pub(crate) async fn run(context: &Context, command: BackupCommand) -> Result<Code, Failure> {
    match command {
        BackupCommand::Create { file } => create(context, &file).await,
        BackupCommand::Inspect { file } => inspect(context, &file),
        BackupCommand::Verify { file } => verify(context, &file).await,
    }
}

async fn create(context: &Context, file: &Path) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let (bar, on_progress) = progress_bar();
    let options = BackupOptions::default().progress(on_progress);
    let info = inventory.backup_with(file, &options).await;
    bar.finish_and_clear();
    inventory.close().await;
    let info =
        info.map_err(|e| Failure::from(e).context(format!("backup to {}", file.display())))?;
    if context.json {
        print_json(&info.to_json())?;
    } else {
        print(&format!(
            "backup written to {}: {} bytes in {:.2} s; store {}, tenant {}, master-key version {}, recovery point seq {}",
            info.path.display(),
            info.file_len,
            info.duration.as_secs_f64(),
            info.header.store_id_hex(),
            info.header.tenant,
            info.header.mk_version,
            info.header.audit_head_seq
        ))?;
    }
    Ok(Code::Success)
}

/// The header, without a key and without authenticating it.
fn inspect(context: &Context, file: &Path) -> Result<Code, Failure> {
    let header = backup::inspect(file)
        .map_err(|e| Failure::from(inventario_core::Error::from(e)).context(file.display()))?;
    if context.json {
        print_json(&header.to_json())?;
    } else {
        print(&format!(
            "{} (not authenticated: `inventario backup verify` checks it)\n\
             store {}, tenant {}\n\
             needs master-key version {}\n\
             recovery point: audit seq {} at {}\n\
             created {}; {} bytes of database in {} chunks",
            file.display(),
            header.store_id_hex(),
            header.tenant,
            header.mk_version,
            header.audit_head_seq,
            header
                .audit_head_at
                .map_or_else(|| "-".to_owned(), timestamp),
            timestamp(header.created_at),
            header.payload_len,
            header.chunk_count()
        ))?;
    }
    Ok(Code::Success)
}

/// Authenticates every byte of the backup with the master key, writing nothing.
async fn verify(context: &Context, file: &Path) -> Result<Code, Failure> {
    let (master, _source) = secret::master_secret(context.key_file())?;
    let spinner = progress::spinner(format!("verifying {}", file.display()));
    let header = backup::verify_backup(file, &master).await;
    spinner.finish_and_clear();
    let header = header.map_err(|e| Failure::from(e).context(file.display()))?;
    if context.json {
        print_json(&json!({ "ok": true, "header": header.to_json() }))?;
    } else {
        print(&format!(
            "backup intact: {} authenticates with this key (store {}, master-key version {}, recovery point seq {})",
            file.display(),
            header.store_id_hex(),
            header.mk_version,
            header.audit_head_seq
        ))?;
    }
    Ok(Code::Success)
}

/// Runs `inventario restore`.
pub(crate) async fn restore(context: &Context, args: RestoreArgs) -> Result<Code, Failure> {
    let into = args.into.as_deref().map_or_else(
        || {
            context
                .store_url(Create::Yes)
                .map(|url| url.as_url().to_owned())
        },
        |into| Ok(into.to_owned()),
    )?;
    let target = RestoreTarget::from_url(&into)
        .map_err(|e| Failure::from(inventario_core::Error::from(e)))?;
    let (master, _source) = secret::master_secret(context.key_file())?;
    let (bar, on_progress) = progress_bar();
    let options = RestoreOptions::default()
        .overwrite(args.overwrite)
        .verify_fields(field_check(args.verify_fields))
        .progress(on_progress);
    let report = backup::restore(&args.backup, target, master, options).await;
    bar.finish_and_clear();
    let report = report
        .map_err(|e| Failure::from(e).context(format!("restore of {}", args.backup.display())))?;
    if context.json {
        print_json(&report.to_json())?;
    } else {
        let mut lines = vec![format!(
            "restored {} to {}{} in {:.2} s: recovery point audit seq {}; {} fields decrypted, {} erased",
            args.backup.display(),
            report.path.display(),
            if report.replaced { " (replacing it)" } else { "" },
            report.duration.as_secs_f64(),
            report.header.audit_head_seq,
            report.fields_checked,
            report.fields_shredded
        )];
        for check in &report.checks {
            lines.push(format!(
                "  {} {}: {}",
                if check.passed { "ok  " } else { "FAIL" },
                check.name,
                check.detail
            ));
        }
        print(&lines.join("\n"))?;
    }
    Ok(Code::Success)
}

/// Runs `inventario drill`: on a copy of the store, backup, destroy, restore, verify, report.
pub(crate) async fn drill(context: &Context, args: DrillArgs) -> Result<Code, Failure> {
    let url = context.store_url(Create::No)?;
    url.require_existing()?;
    let store_file = match RestoreTarget::from_url(url.as_url())
        .map_err(|e| Failure::from(inventario_core::Error::from(e)))?
    {
        RestoreTarget::SqliteFile(path) => path,
        _ => return Err(Failure::refused("the drill runs on SQLite stores only")),
    };
    let work_dir = match &args.work_dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("inventario-drill-{}", std::process::id())),
    };
    let (master, _source) = secret::master_secret(context.key_file())?;
    let (bar, on_progress) = progress_bar();
    let options = DrillOptions::new(&work_dir)
        .tenant(context.tenant().clone())
        .keep_files(args.keep_files)
        .verify_fields(field_check(args.verify_fields))
        .progress(on_progress);
    let report = backup::drill(&store_file, master, options).await;
    bar.finish_and_clear();
    let report = report.map_err(|e| Failure::from(e).context("drill"))?;
    // The drill removes its own files; the temporary directory made here goes too.
    if !args.keep_files && args.work_dir.is_none() {
        let _ = std::fs::remove_dir(&work_dir);
    }
    let json = report.to_json();
    if let Some(path) = &args.report {
        write_file(
            path,
            &serde_json::to_string_pretty(&json).unwrap_or_default(),
        )?;
    }
    if let Some(path) = &args.markdown {
        write_file(path, &report.to_markdown())?;
    }
    if context.json {
        print_json(&json)?;
    } else {
        print(&report.to_markdown())?;
    }
    Ok(if report.passed() {
        Code::Success
    } else {
        Code::VerificationFailed
    })
}

fn field_check(arg: FieldsArg) -> FieldCheck {
    match arg {
        FieldsArg::Full => FieldCheck::Full,
        FieldsArg::Sample(n) => FieldCheck::Sample(n),
    }
}

/// A bar, and the progress callback that moves it.
fn progress_bar() -> (ProgressBar, impl Fn(&Progress) + Send + Sync + 'static) {
    let bar = progress::bar(0);
    let shown = bar.clone();
    (bar, move |p: &Progress| show(&shown, p))
}

/// Moves the bar: bytes while encrypting or decrypting, checks while verifying.
fn show(bar: &ProgressBar, progress: &Progress) {
    let label = match progress.phase {
        Phase::Snapshot => "snapshot",
        Phase::Encrypt => "encrypting",
        Phase::Decrypt => "decrypting",
        Phase::Verify => "verifying",
        _ => "working",
    };
    bar.set_length(progress.total);
    bar.set_position(progress.done);
    bar.set_message(label);
}
