//! The consistent copy of a live SQLite store, and the backup made from it.
//!
//! `VACUUM INTO` copies the database as one read transaction sees it: in WAL mode writers go on
//! committing while it runs, and the copy holds exactly the transactions committed before it
//! started (never half of one). The facts the header records (store id, master-key version, key
//! derivation, audit head) are read from the copy itself, so they describe exactly what is in
//! the backup.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AnyPool, Connection, Row};

use super::format::{
    BackupHeader, BackupKdf, PayloadKind, FORMAT_VERSION, NONCE_PREFIX_LEN, SALT_LEN,
};
use super::stream::{self, BackupKeys};
use super::{
    blocking, sibling, BackupError, BackupInfo, BackupOptions, Phase, Progress, TempFiles,
};
use crate::error::Result;
use crate::metrics::Backend;
use crate::store::Store;

/// What the header records about the copied store, read from the copy.
#[derive(Clone, Debug)]
pub(crate) struct Facts {
    pub(crate) store_id: [u8; 16],
    pub(crate) mk_version: u32,
    pub(crate) kdf: BackupKdf,
    pub(crate) key_check: Vec<u8>,
    pub(crate) head: Option<(u64, [u8; 32], DateTime<Utc>)>,
}

/// Copies the database behind `pool` into the new file `into` with `VACUUM INTO`.
pub(crate) async fn vacuum_into(pool: &AnyPool, into: &Path) -> Result<()> {
    let path = into
        .to_str()
        .ok_or(BackupError::Unsupported("a path that is not valid UTF-8"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(pool)
        .await?;
    Ok(())
}

/// Opens a SQLite file read-only, outside any pool.
pub(crate) async fn open_read_only(path: &Path) -> Result<SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    Ok(SqliteConnection::connect_with(&options).await?)
}

fn bad(what: &str) -> BackupError {
    BackupError::Snapshot(what.to_owned())
}

/// Reads the header's facts about `tenant` from a copy of the store.
pub(crate) async fn read_facts(conn: &mut SqliteConnection, tenant: &str) -> Result<Facts> {
    let meta = sqlx::query(
        "SELECT store_id, mk_version, kdf, kdf_salt, kdf_iterations, key_check \
         FROM crypto_meta WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| bad(&format!("it holds no keyring for tenant {tenant}")))?;
    let store_id: Vec<u8> = meta.try_get("store_id")?;
    let mk_version: i64 = meta.try_get("mk_version")?;
    let kdf: String = meta.try_get("kdf")?;
    let kdf = match kdf.as_str() {
        "raw" => BackupKdf::Raw,
        "pbkdf2-hmac-sha256" => {
            let salt: Vec<u8> = meta.try_get("kdf_salt")?;
            let iterations: i64 = meta.try_get("kdf_iterations")?;
            BackupKdf::Pbkdf2 {
                salt: salt
                    .try_into()
                    .map_err(|_| bad("its PBKDF2 salt is not 16 bytes"))?,
                iterations: u32::try_from(iterations)
                    .map_err(|_| bad("its PBKDF2 iteration count is out of range"))?,
            }
        }
        _ => return Err(bad("its keyring names an unknown key derivation").into()),
    };
    let head = sqlx::query(
        "SELECT h.seq, h.hash, e.at FROM audit_head h \
         LEFT JOIN audit_events e ON e.tenant_id = h.tenant_id AND e.seq = h.seq \
         WHERE h.tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?;
    let head = match head {
        None => None,
        Some(row) => {
            let seq: i64 = row.try_get("seq")?;
            let hash: Vec<u8> = row.try_get("hash")?;
            let at: Option<i64> = row.try_get("at")?;
            let at = at.ok_or_else(|| bad("the audit head's record is missing"))?;
            Some((
                u64::try_from(seq).map_err(|_| bad("a negative audit seq"))?,
                hash.try_into()
                    .map_err(|_| bad("the audit head's hash is not 32 bytes"))?,
                DateTime::from_timestamp_micros(at)
                    .ok_or_else(|| bad("an audit time out of range"))?,
            ))
        }
    };
    Ok(Facts {
        store_id: store_id
            .try_into()
            .map_err(|_| bad("its store id is not 16 bytes"))?,
        mk_version: u32::try_from(mk_version)
            .map_err(|_| bad("its master-key version is out of range"))?,
        kdf,
        key_check: meta.try_get("key_check")?,
        head,
    })
}

/// The store's database file; refuses a store that is not a SQLite file: PostgreSQL, and
/// in-memory databases (whose `VACUUM INTO` copy is made in memory too).
pub(crate) async fn ensure_file_backed(store: &Store) -> Result<PathBuf> {
    if store.backend() != Backend::Sqlite {
        return Err(BackupError::Unsupported(
            "backing up a PostgreSQL store: use pg_dump (docs/OPERATIONS.md)",
        )
        .into());
    }
    let file: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(store.pool())
            .await?;
    if file.is_empty() {
        return Err(BackupError::Unsupported(
            "backing up an in-memory database (VACUUM INTO copies it to memory)",
        )
        .into());
    }
    Ok(PathBuf::from(file))
}

/// Backs up `store` into the new file `dest` (see [`crate::Inventory::backup`]).
pub(crate) async fn backup_store(
    store: &Store,
    dest: &Path,
    options: &BackupOptions,
) -> Result<BackupInfo> {
    let started = Instant::now();
    let database = ensure_file_backed(store).await?;
    if dest.exists() {
        return Err(BackupError::DestinationExists(
            dest.to_owned(),
            "a backup never replaces another file",
        )
        .into());
    }
    let mut temp = TempFiles::new();
    // The plaintext snapshot goes next to the database, not next to the backup: a process
    // killed before it is removed leaves it where the database already is, never in the
    // backup directory that may be copied offsite.
    let snapshot = sibling(&database, "snapshot");
    temp.add(&snapshot);
    vacuum_into(store.pool(), &snapshot).await?;
    let payload_len = std::fs::metadata(&snapshot)
        .map_err(BackupError::io("read", &snapshot))?
        .len();
    (options.progress)(&Progress {
        phase: Phase::Snapshot,
        done: payload_len,
        total: payload_len,
    });
    let facts = {
        let mut conn = open_read_only(&snapshot).await?;
        let facts = read_facts(&mut conn, store.tenant()).await;
        conn.close().await?;
        facts?
    };

    let mut salt = [0u8; SALT_LEN];
    let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut nonce_prefix);
    // The keys follow the KEK this handle holds, which must be the copy's: a rotation by
    // another handle between the copy and now would make a backup no key opens.
    let keys = store
        .keys()
        .with_kek(|kek, mk_version| {
            (mk_version == facts.mk_version && kek.verify_check_value(&facts.key_check).is_ok())
                .then(|| BackupKeys::derive(kek, &salt))
        })
        .ok_or(BackupError::MasterKeyChanged)?;
    let now = Utc::now();
    let created_at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let header = BackupHeader {
        format_version: FORMAT_VERSION,
        payload: PayloadKind::SqliteDatabase,
        store_id: facts.store_id,
        tenant: store.tenant().to_owned(),
        mk_version: facts.mk_version,
        kdf: facts.kdf,
        audit_head_seq: facts.head.map_or(0, |h| h.0),
        audit_head_hash: facts.head.map_or([0; 32], |h| h.1),
        audit_head_at: facts.head.map(|h| h.2),
        created_at,
        payload_len,
        chunk_size: options.chunk_size,
        salt,
        nonce_prefix,
        key_check: keys.check_value(),
    };
    let unsealed = header.encode_unsealed()?;
    let mac = keys.header_mac(&unsealed);
    let header_bytes = BackupHeader::seal(unsealed, &mac);

    let file_len = {
        let (snapshot, dest, header, progress) = (
            snapshot.clone(),
            dest.to_owned(),
            header.clone(),
            options.progress.clone(),
        );
        blocking(move || {
            stream::write_backup(&snapshot, &dest, &header, &header_bytes, &keys, &*progress)
        })
        .await??
    };
    temp.remove_all();
    Ok(BackupInfo {
        path: dest.to_owned(),
        file_len,
        header,
        duration: started.elapsed(),
    })
}
