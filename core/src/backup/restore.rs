//! Restoring a backup: authenticate, decrypt into a temporary file beside the destination,
//! verify, and only then move it into place.

use std::path::Path;
use std::time::Instant;

use sqlx::Connection;

use super::snapshot::{open_read_only, read_facts};
use super::stream::{self, sync_dir};
use super::verify::verify_restored;
use super::{
    blocking, sibling, with_suffix, BackupError, BackupHeader, Check, RestoreOptions,
    RestoreReport, RestoreTarget, TempFiles,
};
use crate::crypto::MasterSecret;
use crate::error::Result;

/// Restores `backup` into `target` (a SQLite file: a path, or [`RestoreTarget::from_url`]),
/// and verifies the restored store before reporting success.
///
/// In order:
/// 1. the header is read and authenticated under `master`: a key of another store, or of
///    another master-key version of this one, fails with [`BackupError::WrongMasterKey`],
///    which names the version the backup needs;
/// 2. the destination is checked: an existing file is refused without
///    [`RestoreOptions::overwrite`], and even with it unless it is a store with the backup's
///    store id ([`BackupError::ForeignStore`], [`BackupError::DestinationNotAStore`]);
/// 3. every chunk is authenticated and decrypted into a temporary file beside the
///    destination ([`BackupError::Truncated`], [`BackupError::ChunkTampered`], …);
/// 4. the temporary store is verified: SQLite's integrity check, the store id and
///    master-key version, every live key unwraps, the audit chain verifies up to exactly the
///    head the backup recorded, the ledger replays to the balances, and the encrypted fields
///    decrypt ([`RestoreOptions::verify_fields`]); a failure is
///    [`BackupError::VerificationFailed`] naming the check;
/// 5. the verified file replaces the destination (its old `-wal` and `-shm` files are
///    removed first) and is synced.
///
/// On any failure nothing is left at the destination (an existing store there is untouched
/// unless step 5 was reached) and the temporary files are removed. The restore writes no
/// audit record: the restored chain ends exactly at the backup's recovery point.
///
/// # Errors
/// The [`BackupError`]s above (inside [`crate::Error::Backup`]), and store errors.
pub async fn restore(
    backup: &Path,
    target: impl Into<RestoreTarget>,
    master: MasterSecret,
    options: RestoreOptions,
) -> Result<RestoreReport> {
    restore_with(backup, &target.into(), &master, &options).await
}

/// [`restore`] with a borrowed master secret (the drill restores with the key it also opened
/// the store with).
pub(crate) async fn restore_with(
    backup: &Path,
    target: &RestoreTarget,
    master: &MasterSecret,
    options: &RestoreOptions,
) -> Result<RestoreReport> {
    let started = Instant::now();
    let RestoreTarget::SqliteFile(dest) = target;
    let opened = stream::open(backup)?;
    let keys = stream::authenticate(&opened.raw, master)?;
    opened.check_length()?;
    let header = opened.raw.header.clone();
    let replaced = check_destination(dest, &header, options.overwrite).await?;

    let mut temp = TempFiles::new();
    let restored = sibling(dest, "restore");
    temp.add(&restored);
    let mut checks = vec![];
    {
        let (restored, progress) = (restored.clone(), options.progress.clone());
        blocking(move || -> Result<(), BackupError> {
            let mut out =
                std::fs::File::create(&restored).map_err(BackupError::io("create", &restored))?;
            opened.decrypt_into(&keys, &mut out, &restored, &*progress)?;
            out.sync_all().map_err(BackupError::io("sync", &restored))
        })
        .await??;
    }
    checks.push(Check::pass(
        "backup_authenticated",
        format!(
            "header and {} chunks authenticate under master-key version {}",
            header.chunk_count(),
            header.mk_version
        ),
    ));

    let verified = verify_restored(
        &restored,
        &header,
        master,
        options.fields,
        &*options.progress,
    )
    .await?;
    if let Some(failed) = verified.failure() {
        return Err(BackupError::VerificationFailed {
            check: failed.name,
            detail: failed.detail.clone(),
        }
        .into());
    }
    checks.extend(verified.checks);

    // Install. Without overwrite, a file that appeared meanwhile is not replaced.
    if !options.overwrite && dest.exists() {
        return Err(BackupError::DestinationExists(
            dest.to_owned(),
            "pass RestoreOptions::overwrite(true) to replace a store of the same store id",
        )
        .into());
    }
    // One self-contained file: whatever the verification's connections left in a WAL is
    // checkpointed into the database before it moves (a WAL would not move with it). Done
    // before anything at the destination is touched, so that a failure here leaves an
    // existing store there as it was.
    to_single_file(&restored).await?;
    // The old store's WAL must not be applied to the restored file.
    for suffix in ["-wal", "-shm", "-journal"] {
        let companion = with_suffix(dest, suffix);
        match std::fs::remove_file(&companion) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(BackupError::io("remove", companion)(e).into()),
        }
    }
    std::fs::rename(&restored, dest).map_err(BackupError::io("rename", &restored))?;
    temp.release(&restored);
    sync_dir(dest)?;
    Ok(RestoreReport {
        path: dest.to_owned(),
        header,
        replaced,
        checks,
        fields_checked: verified.fields_checked,
        fields_shredded: verified.fields_shredded,
        duration: started.elapsed(),
    })
}

/// How many times [`to_single_file`] tries again while the file is still busy.
const SINGLE_FILE_ATTEMPTS: u32 = 50;

/// [`switch_to_single_file`], tried again while SQLite reports the file busy. Leaving WAL mode
/// needs every other connection to the file gone; the verification's pool is closed by then,
/// yet under load this step was seen to fail with `SQLITE_BUSY` an instant later (in about one
/// restore in four with the test binary run four times at once), and to succeed when retried.
async fn to_single_file(path: &Path) -> Result<()> {
    let mut attempt = 1;
    loop {
        match switch_to_single_file(path).await {
            Err(error) if attempt < SINGLE_FILE_ATTEMPTS && crate::store::is_retryable(&error) => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            outcome => return outcome,
        }
    }
}

/// Switches the database at `path` out of WAL mode, which checkpoints its WAL into it and
/// removes the `-wal` and `-shm` files. The store switches back to WAL when next opened.
async fn switch_to_single_file(path: &Path) -> Result<()> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false);
    let mut conn = sqlx::sqlite::SqliteConnection::connect_with(&options).await?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    if mode != "delete" {
        return Err(BackupError::Snapshot(format!(
            "the restored database stayed in journal mode {mode}"
        ))
        .into());
    }
    Ok(())
}

/// Whether the destination may be written: free, or (with `overwrite`) a store of the backup's
/// store id and tenant. Returns whether a store will be replaced.
async fn check_destination(dest: &Path, header: &BackupHeader, overwrite: bool) -> Result<bool> {
    if !dest.exists() {
        // A stale WAL of a deleted store must not be applied to the restored one either.
        for suffix in ["-wal", "-shm"] {
            let companion = with_suffix(dest, suffix);
            if companion.exists() {
                std::fs::remove_file(&companion).map_err(BackupError::io("remove", companion))?;
            }
        }
        return Ok(false);
    }
    if !overwrite {
        return Err(BackupError::DestinationExists(
            dest.to_owned(),
            "pass RestoreOptions::overwrite(true) to replace a store of the same store id",
        )
        .into());
    }
    let not_a_store = |reason: String| BackupError::DestinationNotAStore {
        path: dest.to_owned(),
        reason,
    };
    let mut conn = open_read_only(dest)
        .await
        .map_err(|e| not_a_store(e.to_string()))?;
    let facts = read_facts(&mut conn, &header.tenant).await;
    let _ = conn.close().await;
    let facts = facts.map_err(|e| not_a_store(e.to_string()))?;
    if facts.store_id != header.store_id {
        return Err(BackupError::ForeignStore {
            path: dest.to_owned(),
            existing: hex::encode(facts.store_id),
            backup: header.store_id_hex(),
        }
        .into());
    }
    Ok(true)
}
