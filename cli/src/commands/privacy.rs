//! `inventario privacy …`: the scheduled side of the privacy duties (docs/PRIVACY.md): the
//! requests whose deadline is near or past, the retention policy applied, expired backups
//! deleted. Recording, exporting, rectifying and erasing are the application's calls.

use std::path::Path;

use chrono::Utc;
use serde_json::json;

use super::{timestamp, Context};
use crate::cli::PrivacyCommand;
use crate::exit::{Code, Failure};
use crate::output::{print, print_json, Align, Table};

/// Runs `inventario privacy …`.
pub(crate) async fn run(context: &Context, command: PrivacyCommand) -> Result<Code, Failure> {
    match command {
        PrivacyCommand::Pending => pending(context).await,
        PrivacyCommand::ApplyRetention => apply_retention(context).await,
        PrivacyCommand::PruneBackups { dir } => prune_backups(context, &dir).await,
    }
}

/// The open requests with the days left, overdue first.
async fn pending(context: &Context) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let today = inventory.today();
    let requests = inventory.pending_privacy_requests(today).await;
    inventory.close().await;
    // Ordered by deadline by the library: overdue (negative days left) first.
    let requests = requests?;
    if context.json {
        let rows: Vec<_> = requests
            .iter()
            .map(|p| {
                json!({
                    "id": p.request.id,
                    "subject": p.request.subject_kind.as_str(),
                    "subject_id": p.request.subject_id,
                    "kind": p.request.kind.as_str(),
                    "regime": p.request.regime.as_str(),
                    "received_on": p.request.received_on.to_string(),
                    "due_on": p.request.due_on.to_string(),
                    "days_left": p.days_left,
                    "overdue": p.is_overdue(),
                })
            })
            .collect();
        print_json(&json!({ "on": today.to_string(), "pending": rows }))?;
        return Ok(Code::Success);
    }
    if requests.is_empty() {
        print(&format!("no pending privacy requests on {today}"))?;
        return Ok(Code::Success);
    }
    let mut table = Table::new(&[
        ("ID", Align::Right),
        ("SUBJECT", Align::Left),
        ("KIND", Align::Left),
        ("REGIME", Align::Left),
        ("RECEIVED", Align::Left),
        ("DUE", Align::Left),
        ("DAYS LEFT", Align::Right),
    ]);
    for p in &requests {
        table.row(vec![
            p.request.id.to_string(),
            format!(
                "{} {}",
                p.request.subject_kind.as_str(),
                p.request.subject_id
            ),
            p.request.kind.as_str().to_owned(),
            p.request.regime.as_str().to_owned(),
            p.request.received_on.to_string(),
            p.request.due_on.to_string(),
            if p.is_overdue() {
                format!("{} (overdue)", p.days_left)
            } else {
                p.days_left.to_string()
            },
        ]);
    }
    print(&table.render())?;
    Ok(Code::Success)
}

/// `apply_retention(now)`: idempotent, audited.
async fn apply_retention(context: &Context) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let report = inventory.apply_retention(Utc::now()).await;
    inventory.close().await;
    let report = report?;
    let stopped_by = report.audit_stopped_by.map(|s| s.as_str());
    if context.json {
        print_json(&json!({
            "now": timestamp(report.now),
            "audit_purged": report.audit_purged,
            "audit_purged_through": report.audit_purged_through,
            "audit_stopped_by": stopped_by,
            "fiscal_scopes_destroyed": report.fiscal_scopes_destroyed,
            "destroyed_keys": report.destroyed_keys,
            "fiscal_parts_kept": report.fiscal_parts_kept,
            "audit_seq": report.event_seq,
        }))?;
    } else {
        print(&format!(
            "retention applied as of {}: {} audit records purged{}{}; {} fiscal parts destroyed, {} kept",
            timestamp(report.now),
            report.audit_purged,
            report
                .audit_purged_through
                .map_or_else(String::new, |seq| format!(" (through seq {seq})")),
            stopped_by.map_or_else(String::new, |s| format!(", stopped by {s}")),
            report.fiscal_scopes_destroyed.len(),
            report.fiscal_parts_kept
        ))?;
    }
    Ok(Code::Success)
}

/// `prune_backups(dir, now)`: this store's backups older than the policy's period.
async fn prune_backups(context: &Context, dir: &Path) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let report = inventory.prune_backups(dir, Utc::now()).await;
    inventory.close().await;
    let report = report.map_err(|e| Failure::from(e).context(dir.display()))?;
    let paths = |list: &[std::path::PathBuf]| -> Vec<String> {
        list.iter().map(|p| p.display().to_string()).collect()
    };
    if context.json {
        print_json(&json!({
            "directory": report.directory.display().to_string(),
            "removed": paths(&report.removed),
            "kept": paths(&report.kept),
            "held": paths(&report.held),
            "skipped": paths(&report.skipped),
            "audit_seq": report.event_seq,
        }))?;
    } else {
        let mut lines = vec![format!(
            "{}: {} backups removed, {} kept, {} held, {} other files skipped",
            report.directory.display(),
            report.removed.len(),
            report.kept.len(),
            report.held.len(),
            report.skipped.len()
        )];
        lines.extend(
            report
                .removed
                .iter()
                .map(|p| format!("  removed {}", p.display())),
        );
        print(&lines.join("\n"))?;
    }
    Ok(Code::Success)
}
