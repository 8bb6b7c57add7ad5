//! The recovery drill: on a copy of the store, take a backup, destroy the copy, restore it from
//! the backup, verify, and report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::Utc;
use chrono_tz::Tz;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Row};

use super::restore::restore_with;
use super::snapshot::{backup_store, ensure_file_backed, open_read_only, vacuum_into};
use super::{
    no_progress, remove_sqlite_files, sqlite_url, BackupError, BackupOptions, Check, DrillReport,
    FieldCheck, Progress, ProgressFn, RestoreOptions, RestoreTarget, TempFiles,
};
use crate::crypto::{CryptoError, KdfParams, MasterSecret};
use crate::domain::TenantId;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::{AuditFailure, Connect, Store};

/// How to run a recovery drill.
///
/// ```
/// use inventario_core::backup::{DrillOptions, FieldCheck};
/// let options = DrillOptions::new("/var/tmp/drill")
///     .verify_fields(FieldCheck::Full)
///     .keep_files(false);
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct DrillOptions {
    work_dir: PathBuf,
    tenant: TenantId,
    keep_files: bool,
    fields: FieldCheck,
    progress: ProgressFn,
}

impl std::fmt::Debug for DrillOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DrillOptions")
            .field("work_dir", &self.work_dir)
            .field("tenant", &self.tenant)
            .field("keep_files", &self.keep_files)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl DrillOptions {
    /// A drill that works in `work_dir` (created if missing; it needs room for two copies of
    /// the store), on the `default` tenant, decrypting every field, removing its files at the
    /// end.
    pub fn new(work_dir: impl Into<PathBuf>) -> DrillOptions {
        DrillOptions {
            work_dir: work_dir.into(),
            tenant: TenantId::default_tenant(),
            keep_files: false,
            fields: FieldCheck::Full,
            progress: no_progress(),
        }
    }

    /// The tenant whose keyring the drill's backup is keyed to (for [`drill`]; a handle's
    /// drill uses the handle's tenant).
    pub fn tenant(mut self, tenant: TenantId) -> Self {
        self.tenant = tenant;
        self
    }

    /// Keeps the drill's backup and restored copy in the work directory (default: removed).
    pub fn keep_files(mut self, keep: bool) -> Self {
        self.keep_files = keep;
        self
    }

    /// How many encrypted fields the restore decrypts (default [`FieldCheck::Full`]).
    pub fn verify_fields(mut self, fields: FieldCheck) -> Self {
        self.fields = fields;
        self
    }

    /// Calls `progress` during the backup and the restore.
    pub fn progress(mut self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = std::sync::Arc::new(progress);
        self
    }
}

/// Where the drill copies the store from.
enum Source<'a> {
    Live(&'a Store),
    File(&'a Path),
}

/// Runs a recovery drill on the SQLite store file `store_file`, which is only read (a
/// consistent copy is taken while it stays in use): see [`crate::Inventory::drill`].
///
/// `master` should come from where the master key is escrowed, not from the running
/// service: the drill then also proves that the escrowed key opens the backups.
///
/// # Errors
/// The work directory cannot be made, the store file cannot be read or copied, or the copy
/// cannot be opened for a reason other than the master key. Everything after that, a wrong
/// master key included, is a failed check in the report.
pub async fn drill(
    store_file: &Path,
    master: MasterSecret,
    options: DrillOptions,
) -> Result<DrillReport> {
    run(Source::File(store_file), &master, &options).await
}

/// A handle's drill: the copy is taken through the handle's own connections.
pub(crate) async fn drill_live(
    store: &Store,
    master: &MasterSecret,
    options: &DrillOptions,
) -> Result<DrillReport> {
    ensure_file_backed(store).await?;
    let tenant = TenantId::parse(store.tenant())
        .map_err(|_| BackupError::Malformed("the tenant id is not a valid tenant"))?;
    let options = options.clone().tenant(tenant);
    run(Source::Live(store), master, &options).await
}

async fn run(
    source: Source<'_>,
    master: &MasterSecret,
    options: &DrillOptions,
) -> Result<DrillReport> {
    let started_at = Utc::now();
    let work_dir = &options.work_dir;
    std::fs::create_dir_all(work_dir).map_err(BackupError::io("create", work_dir))?;
    let id = uuid::Uuid::now_v7().simple().to_string();
    let copy = work_dir.join(format!("drill-{id}.db"));
    let backup = work_dir.join(format!("drill-{id}.ibk"));
    let mut temp = TempFiles::new();
    temp.add(&copy);
    temp.add(&backup);

    match source {
        Source::Live(store) => vacuum_into(store.pool(), &copy).await?,
        Source::File(path) => {
            let mut conn = open_read_only(path).await?;
            let path_text = copy
                .to_str()
                .ok_or(BackupError::Unsupported("a path that is not valid UTF-8"))?;
            let copied = sqlx::query("VACUUM INTO $1")
                .bind(path_text)
                .execute(&mut conn)
                .await;
            conn.close().await?;
            copied?;
        }
    }
    let mut report = DrillReport {
        started_at,
        source: match source {
            Source::Live(_) => "live handle".to_owned(),
            Source::File(path) => path.display().to_string(),
        },
        tenant: options.tenant.as_str().to_owned(),
        store_id: String::new(),
        backup_path: backup.clone(),
        files_kept: options.keep_files,
        backup_bytes: None,
        backup_time: None,
        recovery_point_seq: None,
        recovery_point_at: None,
        recovery_time: None,
        checks: Vec::new(),
    };

    // 1. The copy opens with the master key given.
    let store = match Store::open(Connect {
        url: &sqlite_url(&copy, "rw")?,
        tenant: options.tenant.clone(),
        timezone: Tz::UTC,
        max_connections: 2,
        secret: master,
        kdf: KdfParams::default(),
        metrics: Metrics::noop(),
        audit_failure: AuditFailure::default(),
        // A restored or copied store has its keyring; never make one up.
        create_keyring: false,
    })
    .await
    {
        Ok(store) => store,
        Err(e) if e.crypto() == Some(&CryptoError::WrongMasterKey) => {
            report.checks.push(Check::fail(
                "master_key",
                "the master key given does not open the store: recovery from its backups \
                 would fail",
            ));
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    report.checks.push(Check::pass(
        "master_key",
        format!(
            "the master key given opens the store (master-key version {})",
            store.keys().mk_version()
        ),
    ));
    let reference = {
        let mut conn = open_read_only(&copy).await?;
        let counts = row_counts(&mut conn).await;
        conn.close().await?;
        counts?
    };

    // 2. A backup of the copy.
    let backup_options = BackupOptions {
        progress: options.progress.clone(),
        ..BackupOptions::default()
    };
    let taken = backup_store(&store, &backup, &backup_options).await;
    store.close().await;
    let info = match taken {
        Ok(info) => info,
        Err(e) => {
            report.checks.push(Check::fail("backup", e.to_string()));
            return Ok(report);
        }
    };
    report.store_id = info.header.store_id_hex();
    report.backup_bytes = Some(info.file_len);
    report.backup_time = Some(info.duration);
    report.recovery_point_seq = Some(info.header.audit_head_seq);
    report.recovery_point_at = info.header.audit_head_at;
    report.checks.push(Check::pass(
        "backup",
        format!(
            "{} bytes in {} chunks, {:.3} s",
            info.file_len,
            info.header.chunk_count(),
            info.duration.as_secs_f64()
        ),
    ));

    // 3. The copy is destroyed.
    remove_sqlite_files(&copy);
    report.checks.push(if copy.exists() {
        Check::fail("copy_destroyed", "the copy's database could not be removed")
    } else {
        Check::pass("copy_destroyed", "the copy's database file was removed")
    });
    if copy.exists() {
        return Ok(report);
    }

    // 4. Restore and verify, timed.
    let restore_options = RestoreOptions {
        overwrite: false,
        fields: options.fields,
        progress: options.progress.clone(),
    };
    let clock = Instant::now();
    let restored = restore_with(
        &backup,
        &RestoreTarget::SqliteFile(copy.clone()),
        master,
        &restore_options,
    )
    .await;
    let restored = match restored {
        Ok(restored) => restored,
        Err(e) => {
            report.checks.push(Check::fail("restore", e.to_string()));
            return Ok(report);
        }
    };
    report.recovery_time = Some(clock.elapsed());
    report.checks.extend(restored.checks.iter().cloned());
    report.checks.push(Check::pass(
        "restore",
        format!(
            "restored and verified in {:.3} s",
            clock.elapsed().as_secs_f64()
        ),
    ));

    // 5. The restored store holds what the copy held.
    let after = {
        let mut conn = open_read_only(&copy).await?;
        let counts = row_counts(&mut conn).await;
        conn.close().await?;
        counts?
    };
    report.checks.push(if after == reference {
        let rows: u64 = reference.iter().map(|(_, n)| n).sum();
        Check::pass(
            "row_counts",
            format!("{} tables, {rows} rows, as in the copy", reference.len()),
        )
    } else {
        let differing: Vec<&str> = reference
            .iter()
            .filter(|t| !after.contains(t))
            .map(|(name, _)| name.as_str())
            .collect();
        Check::fail(
            "row_counts",
            format!("tables differ from the copy: {}", differing.join(", ")),
        )
    });
    report.checks.push(
        if restored.header.audit_head_seq == info.header.audit_head_seq
            && restored.header.audit_head_hash == info.header.audit_head_hash
        {
            Check::pass(
                "recovery_point",
                format!(
                    "the restored audit chain ends at record {}, as in the copy",
                    info.header.audit_head_seq
                ),
            )
        } else {
            Check::fail(
                "recovery_point",
                "the restored audit chain does not end where the copy's did",
            )
        },
    );

    if options.keep_files {
        temp.release(&copy);
        temp.release(&backup);
    }
    temp.remove_all();
    Ok(report)
}

/// Rows per table of a SQLite database, by table name (the migrations' own table aside).
async fn row_counts(conn: &mut SqliteConnection) -> Result<Vec<(String, u64)>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name != '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = Vec::with_capacity(tables.len());
    for table in tables {
        let row = sqlx::query(&format!(
            "SELECT count(*) AS n FROM \"{}\"",
            table.replace('"', "\"\"")
        ))
        .fetch_one(&mut *conn)
        .await?;
        let n: i64 = row.try_get("n")?;
        counts.push((table, u64::try_from(n).unwrap_or(0)));
    }
    Ok(counts)
}
