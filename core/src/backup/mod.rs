//! Encrypted backups of a store, restores that verify before they report success, and a
//! recovery drill.
//!
//! - [`crate::Inventory::backup`] takes a consistent online snapshot of a SQLite store (`VACUUM
//!   INTO`, while writers keep writing) and encrypts it as a whole into one file: a header, then
//!   a chunked AEAD stream (STREAM over AES-256-GCM-SIV) under keys derived from the store's
//!   master key and a random per-backup salt. The master key is never in the file.
//! - [`restore`] authenticates the file (naming the master-key version it needs when given the
//!   wrong key), writes the store to a temporary file, verifies it (SQLite integrity, identity,
//!   keyring, audit chain up to the recorded head, ledger replay, encrypted fields) and only
//!   then moves it into place. On any failure nothing is left at the destination.
//! - [`verify_backup`] authenticates a whole backup without writing anything; [`inspect`] reads
//!   its header for display (unauthenticated).
//! - [`crate::Inventory::drill`] and [`drill`] rehearse a recovery on a copy of the store and
//!   report the recovery point, the recovery time and every check ([`DrillReport`]).
//!
//! PostgreSQL stores are not backed up by this module ([`BackupError::Unsupported`]); see
//! docs/OPERATIONS.md for the `pg_dump` procedure. The byte format is docs/FORMAT.md section 11.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), inventario_core::Error> {
//! use std::path::Path;
//! use inventario_core::backup::{restore, FieldCheck, RestoreOptions};
//! use inventario_core::crypto::MasterSecret;
//! use inventario_core::Inventory;
//!
//! let inv = Inventory::open("sqlite://tienda.db?mode=rwc", MasterSecret::from_env()?, "backup").await?;
//! let info = inv.backup(Path::new("/backups/tienda-2026-03-02.ibk")).await?;
//! println!("{} bytes, recovery point: audit record {}", info.file_len, info.header.audit_head_seq);
//!
//! let report = restore(
//!     Path::new("/backups/tienda-2026-03-02.ibk"),
//!     Path::new("/srv/tienda/restored.db"),
//!     MasterSecret::from_env()?,
//!     RestoreOptions::default().verify_fields(FieldCheck::Full),
//! )
//! .await?;
//! assert!(report.checks.iter().all(|c| c.passed));
//! # Ok(()) }
//! ```

mod drill;
mod error;
mod format;
mod report;
mod restore;
mod snapshot;
mod stream;
mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use drill::{drill, DrillOptions};
pub use error::BackupError;
pub use format::{
    BackupHeader, BackupKdf, PayloadKind, DEFAULT_CHUNK_SIZE, FORMAT_VERSION, MAGIC,
    MAX_CHUNK_SIZE, MIN_CHUNK_SIZE,
};
pub use report::{BackupInfo, Check, DrillReport, RestoreReport};
pub use restore::restore;
pub use verify::verify_backup;

pub(crate) use drill::drill_live;
pub(crate) use snapshot::backup_store;

use crate::error::Result;

/// What a long operation is doing, for [`Progress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Copying the live database into a consistent snapshot (`VACUUM INTO`); reported once,
    /// when done.
    Snapshot,
    /// Encrypting the snapshot into the backup file.
    Encrypt,
    /// Authenticating and decrypting a backup.
    Decrypt,
    /// Checking the restored store; reported once per check.
    Verify,
}

/// Where a backup, restore or drill stands: `done` of `total` bytes of the payload (for
/// [`Phase::Verify`], checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// Units done so far.
    pub done: u64,
    /// Units in all.
    pub total: u64,
}

/// A progress callback: called from a blocking thread, often (once per chunk), so keep it
/// cheap.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

fn no_progress() -> ProgressFn {
    Arc::new(|_: &Progress| {})
}

/// How to take a backup.
///
/// ```
/// use inventario_core::backup::BackupOptions;
/// let options = BackupOptions::default()
///     .chunk_size(1 << 20)
///     .unwrap()
///     .progress(|p| eprintln!("{:?} {}/{}", p.phase, p.done, p.total));
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct BackupOptions {
    chunk_size: u32,
    progress: ProgressFn,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions {
            chunk_size: DEFAULT_CHUNK_SIZE,
            progress: no_progress(),
        }
    }
}

impl std::fmt::Debug for BackupOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupOptions")
            .field("chunk_size", &self.chunk_size)
            .finish_non_exhaustive()
    }
}

impl BackupOptions {
    /// Plaintext bytes per chunk, between [`MIN_CHUNK_SIZE`] and [`MAX_CHUNK_SIZE`] (default
    /// [`DEFAULT_CHUNK_SIZE`]). A reader holds one chunk in memory.
    ///
    /// # Errors
    /// [`BackupError::Malformed`] outside that range.
    pub fn chunk_size(mut self, bytes: u32) -> Result<Self, BackupError> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&bytes) {
            return Err(BackupError::Malformed("the chunk size is out of range"));
        }
        self.chunk_size = bytes;
        Ok(self)
    }

    /// Calls `progress` after the snapshot and after every encrypted chunk.
    pub fn progress(mut self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Arc::new(progress);
        self
    }
}

/// How many encrypted fields a restore decrypts to prove the keys and the data agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldCheck {
    /// Up to this many rows of each encrypted column, chosen at random.
    Sample(u32),
    /// Every encrypted field of the tenant (the default).
    Full,
}

/// How to restore a backup.
///
/// ```
/// use inventario_core::backup::{FieldCheck, RestoreOptions};
/// let options = RestoreOptions::default()
///     .overwrite(true)
///     .verify_fields(FieldCheck::Sample(500));
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct RestoreOptions {
    overwrite: bool,
    fields: FieldCheck,
    progress: ProgressFn,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        RestoreOptions {
            overwrite: false,
            fields: FieldCheck::Full,
            progress: no_progress(),
        }
    }
}

impl std::fmt::Debug for RestoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoreOptions")
            .field("overwrite", &self.overwrite)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl RestoreOptions {
    /// Lets the restore replace an existing store at the destination (default: refused with
    /// [`BackupError::DestinationExists`]). Only a store with the backup's store id is ever
    /// replaced: another store, or a file that is not a readable store, is refused even then
    /// ([`BackupError::ForeignStore`], [`BackupError::DestinationNotAStore`]). Stop every
    /// process using the store first.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// How many encrypted fields to decrypt before reporting success (default
    /// [`FieldCheck::Full`]).
    pub fn verify_fields(mut self, fields: FieldCheck) -> Self {
        self.fields = fields;
        self
    }

    /// Calls `progress` after every decrypted chunk and every check.
    pub fn progress(mut self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Arc::new(progress);
        self
    }
}

/// Where a restore writes the store.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestoreTarget {
    /// A SQLite database file.
    SqliteFile(PathBuf),
}

impl RestoreTarget {
    /// The target a store URL names: `sqlite://PATH` (with or without `?mode=…`) or
    /// `sqlite:PATH` is that file; a bare path is taken as a file too.
    ///
    /// ```
    /// use inventario_core::backup::RestoreTarget;
    /// use std::path::PathBuf;
    /// assert_eq!(
    ///     RestoreTarget::from_url("sqlite:///srv/tienda.db?mode=rwc")?,
    ///     RestoreTarget::SqliteFile(PathBuf::from("/srv/tienda.db"))
    /// );
    /// assert!(RestoreTarget::from_url("postgres://db.local/tienda").is_err());
    /// # Ok::<(), inventario_core::backup::BackupError>(())
    /// ```
    ///
    /// # Errors
    /// [`BackupError::Unsupported`] for a PostgreSQL URL or an in-memory SQLite database.
    pub fn from_url(url: &str) -> Result<RestoreTarget, BackupError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Err(BackupError::Unsupported(
                "restoring into PostgreSQL: use pg_restore (docs/OPERATIONS.md)",
            ));
        }
        if !url.starts_with("sqlite:") {
            return Ok(RestoreTarget::SqliteFile(PathBuf::from(url)));
        }
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(BackupError::Unsupported(
                "restoring into an in-memory database",
            ));
        }
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .map_err(|_| BackupError::Unsupported("a SQLite URL that cannot be parsed"))?;
        Ok(RestoreTarget::SqliteFile(options.get_filename().to_owned()))
    }
}

impl From<&Path> for RestoreTarget {
    fn from(path: &Path) -> Self {
        RestoreTarget::SqliteFile(path.to_owned())
    }
}

impl From<PathBuf> for RestoreTarget {
    fn from(path: PathBuf) -> Self {
        RestoreTarget::SqliteFile(path)
    }
}

/// Reads a backup's header without a key, for display (which store, which master-key
/// version it needs, its recovery point).
///
/// **Not authenticated**: anyone can write a header. [`verify_backup`] and [`restore`]
/// authenticate it before trusting any field.
///
/// # Errors
/// [`BackupError::NotABackup`], [`BackupError::UnsupportedVersion`],
/// [`BackupError::HeaderDamaged`], [`BackupError::Malformed`], [`BackupError::Truncated`] for a
/// file cut inside its header, and I/O errors.
pub fn inspect(backup: &Path) -> Result<BackupHeader, BackupError> {
    Ok(stream::open(backup)?.raw.header)
}

/// Files a backup or restore writes on its way, removed when dropped unless released: a
/// plaintext snapshot or an unverified store must never outlive the call that made it.
pub(crate) struct TempFiles {
    paths: Vec<PathBuf>,
}

impl TempFiles {
    pub(crate) fn new() -> TempFiles {
        TempFiles { paths: Vec::new() }
    }

    /// Registers `path` (and its SQLite `-wal`, `-shm` and `-journal` companions).
    pub(crate) fn add(&mut self, path: &Path) {
        self.paths.push(path.to_owned());
    }

    /// Forgets `path`: it has been moved into place.
    pub(crate) fn release(&mut self, path: &Path) {
        self.paths.retain(|p| p != path);
    }

    /// Removes every registered file now.
    pub(crate) fn remove_all(&mut self) {
        for path in self.paths.drain(..) {
            remove_sqlite_files(&path);
        }
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        self.remove_all();
    }
}

/// Removes a SQLite database file and its companions, ignoring the ones that do not exist.
pub(crate) fn remove_sqlite_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}

/// `path` with `suffix` appended to its file name.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

/// A hidden file next to `path`, unique to this call: `.NAME.WHAT-UUID`.
pub(crate) fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.{what}-{}", uuid::Uuid::now_v7().simple()))
}

/// The `sqlite://` URL of a database file, with `%`, `?` and `#` escaped so that any file
/// name survives the URL parser; `mode` is `ro`, `rw` or `rwc`.
pub(crate) fn sqlite_url(path: &Path, mode: &str) -> Result<String, BackupError> {
    let text = path
        .to_str()
        .ok_or(BackupError::Unsupported("a path that is not valid UTF-8"))?;
    let escaped = text
        .replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23");
    Ok(format!("sqlite://{escaped}?mode={mode}"))
}

/// Runs blocking file work off the async runtime's threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, BackupError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Ok(value),
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => Err(BackupError::Unsupported(
                "finishing the work: the async runtime is shutting down",
            )),
        },
    }
}
