//! What a backup, a restore and a drill report.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::BackupHeader;

/// One check of a restore or a drill and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// A stable name: `backup_authenticated`, `sqlite_integrity`, `store_identity`, `keyring`,
    /// `audit_chain`, `ledger`, `encrypted_fields`; a drill adds `master_key`, `backup`,
    /// `copy_destroyed`, `restore`, `row_counts` and `recovery_point`.
    pub name: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// What was checked and found, in a sentence (counts and ids; never a value).
    pub detail: String,
}

impl Check {
    pub(crate) fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            passed: true,
            detail: detail.into(),
        }
    }

    pub(crate) fn fail(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            passed: false,
            detail: detail.into(),
        }
    }

    fn to_json(&self) -> Value {
        json!({ "name": self.name, "passed": self.passed, "detail": self.detail })
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl BackupHeader {
    /// The header as JSON: store id, tenant, master-key version, recovery point, creation time
    /// and sizes (what `inventario backup inspect --json` prints).
    pub fn to_json(&self) -> Value {
        header_json(self)
    }
}

fn header_json(h: &BackupHeader) -> Value {
    json!({
        "format_version": h.format_version,
        "store_id": h.store_id_hex(),
        "tenant": h.tenant,
        "mk_version": h.mk_version,
        "created_at": rfc3339(h.created_at),
        "recovery_point": {
            "audit_seq": h.audit_head_seq,
            "audit_hash": hex::encode(h.audit_head_hash),
            "at": h.audit_head_at.map(rfc3339),
        },
        "payload_bytes": h.payload_len,
        "chunk_size": h.chunk_size,
        "chunks": h.chunk_count(),
    })
}

/// A finished backup.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BackupInfo {
    /// The backup file.
    pub path: PathBuf,
    /// Its length in bytes.
    pub file_len: u64,
    /// Its header: store, tenant, master-key version, recovery point (the audit head it
    /// holds), creation time, sizes.
    pub header: BackupHeader,
    /// How long the backup took.
    pub duration: Duration,
}

impl BackupInfo {
    /// The backup as JSON (`path`, `bytes`, `seconds` and the header's fields).
    pub fn to_json(&self) -> Value {
        json!({
            "path": self.path.display().to_string(),
            "bytes": self.file_len,
            "seconds": self.duration.as_secs_f64(),
            "header": header_json(&self.header),
        })
    }
}

/// A finished, verified restore.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RestoreReport {
    /// The restored database file.
    pub path: PathBuf,
    /// The backup's authenticated header.
    pub header: BackupHeader,
    /// Whether an existing store (of the same store id) was replaced.
    pub replaced: bool,
    /// Every check, in the order run; all passed (a failed check fails the restore).
    pub checks: Vec<Check>,
    /// Encrypted fields decrypted.
    pub fields_checked: u64,
    /// Encrypted fields whose data key was destroyed on purpose (erased subjects): expected
    /// to stay unreadable, and not a failure.
    pub fields_shredded: u64,
    /// How long the restore took, verification included.
    pub duration: Duration,
}

impl RestoreReport {
    /// The restore as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "path": self.path.display().to_string(),
            "replaced": self.replaced,
            "seconds": self.duration.as_secs_f64(),
            "fields_checked": self.fields_checked,
            "fields_shredded": self.fields_shredded,
            "header": header_json(&self.header),
            "checks": self.checks.iter().map(Check::to_json).collect::<Vec<_>>(),
        })
    }
}

/// The outcome of a recovery drill: a backup taken, the copy destroyed, the backup restored
/// and verified.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DrillReport {
    /// When the drill started.
    pub started_at: DateTime<Utc>,
    /// What was drilled: the store file, or `live handle`.
    pub source: String,
    /// The tenant.
    pub tenant: String,
    /// The store id, 32 hex digits (empty when the copy could not be opened).
    pub store_id: String,
    /// The drill's backup file (removed afterwards unless kept).
    pub backup_path: PathBuf,
    /// Whether the drill's files were kept.
    pub files_kept: bool,
    /// The backup's length in bytes.
    pub backup_bytes: Option<u64>,
    /// How long the backup took.
    pub backup_time: Option<Duration>,
    /// The recovery point: the last audit record in the backup (`seq`) …
    pub recovery_point_seq: Option<u64>,
    /// … and when it was written. Everything after it would be lost in a real recovery from
    /// this backup.
    pub recovery_point_at: Option<DateTime<Utc>>,
    /// The recovery time: from the start of the restore to a verified store in place.
    pub recovery_time: Option<Duration>,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
}

impl DrillReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed)
    }

    /// The report as JSON: every field above, durations in seconds, times in RFC 3339 UTC.
    pub fn to_json(&self) -> Value {
        json!({
            "passed": self.passed(),
            "started_at": rfc3339(self.started_at),
            "source": self.source,
            "tenant": self.tenant,
            "store_id": self.store_id,
            "backup": {
                "path": self.backup_path.display().to_string(),
                "kept": self.files_kept,
                "bytes": self.backup_bytes,
                "seconds": self.backup_time.map(|d| d.as_secs_f64()),
            },
            "recovery_point": {
                "audit_seq": self.recovery_point_seq,
                "at": self.recovery_point_at.map(rfc3339),
            },
            "recovery_time_seconds": self.recovery_time.map(|d| d.as_secs_f64()),
            "checks": self.checks.iter().map(Check::to_json).collect::<Vec<_>>(),
        })
    }

    /// The report as Markdown, for a ticket or a runbook: a summary and a table of checks.
    /// Every value from the store is escaped for a table cell.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let verdict = if self.passed() { "PASSED" } else { "FAILED" };
        let _ = writeln!(out, "# Recovery drill: {verdict}\n");
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "–".to_owned());
        let rows = [
            ("Started", rfc3339(self.started_at)),
            ("Source", cell(&self.source)),
            ("Tenant", cell(&self.tenant)),
            ("Store id", cell(&self.store_id)),
            (
                "Backup",
                format!(
                    "{} ({}{})",
                    cell(&self.backup_path.display().to_string()),
                    or_dash(self.backup_bytes.map(|b| format!("{b} bytes"))),
                    if self.files_kept {
                        ", kept"
                    } else {
                        ", removed"
                    }
                ),
            ),
            (
                "Backup time",
                or_dash(
                    self.backup_time
                        .map(|d| format!("{:.3} s", d.as_secs_f64())),
                ),
            ),
            (
                "Recovery point",
                or_dash(self.recovery_point_seq.map(|seq| {
                    format!(
                        "audit record {seq}, written {}",
                        or_dash(self.recovery_point_at.map(rfc3339))
                    )
                })),
            ),
            (
                "Recovery time",
                or_dash(
                    self.recovery_time
                        .map(|d| format!("{:.3} s", d.as_secs_f64())),
                ),
            ),
        ];
        let _ = writeln!(out, "| | |\n|---|---|");
        for (name, value) in rows {
            let _ = writeln!(out, "| {name} | {value} |");
        }
        let _ = writeln!(
            out,
            "\n## Checks\n\n| check | result | detail |\n|---|---|---|"
        );
        for check in &self.checks {
            let result = if check.passed { "pass" } else { "**FAIL**" };
            let _ = writeln!(
                out,
                "| `{}` | {result} | {} |",
                check.name,
                cell(&check.detail)
            );
        }
        out
    }
}

/// Escapes text for a Markdown table cell: pipes, backslashes, line breaks, HTML and the
/// characters that start emphasis, code or links.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_are_escaped() {
        assert_eq!(cell("a|b\nc <x> `y`"), "a\\|b c \\<x\\> \\`y\\`");
    }
}
