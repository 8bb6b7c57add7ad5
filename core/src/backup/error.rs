//! [`BackupError`]: why a backup, a restore, a verification or a drill stopped.

use std::path::PathBuf;

/// Why a backup, a restore, a backup verification or a drill stopped.
///
/// Messages name files, store ids, master-key versions and chunk numbers; never key material,
/// plaintext or ciphertext. A restore that fails for any reason leaves nothing at its
/// destination.
///
/// ```
/// use inventario_core::backup::BackupError;
/// let e = BackupError::WrongMasterKey {
///     mk_version: 3,
///     store_id: "00112233445566778899aabbccddeeff".into(),
///     tenant: "default".into(),
/// };
/// assert_eq!(
///     e.to_string(),
///     "wrong master key: this backup of store 00112233445566778899aabbccddeeff \
///      (tenant default) opens only with its master-key version 3"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// A file could not be created, read, written, synced, renamed or removed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done: `open`, `create`, `read`, `write`, `sync`, `rename`, `remove`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with the backup magic bytes.
    #[error("not an inventario backup (the file does not start with the backup magic bytes)")]
    NotABackup,
    /// The file is a backup of a format version this library does not read.
    #[error("unsupported backup format version {0}: this library reads version 1")]
    UnsupportedVersion(u8),
    /// The backup holds a kind of payload this library does not restore.
    #[error("unsupported backup payload kind {0}: this library restores SQLite databases (1)")]
    UnsupportedPayload(u8),
    /// The header's fields are inconsistent; the reason says which rule they break.
    #[error("malformed backup header: {0}")]
    Malformed(&'static str),
    /// The header's checksum does not match: the file was damaged (or edited by hand).
    #[error("the backup header is damaged: its checksum does not match")]
    HeaderDamaged,
    /// The master key given is not the one the backup was made under (another store's, or
    /// one from before or after a master-key rotation). Names the version the backup needs.
    #[error(
        "wrong master key: this backup of store {store_id} (tenant {tenant}) opens only with \
         its master-key version {mk_version}"
    )]
    WrongMasterKey {
        /// The master-key version the backup was made under.
        mk_version: u32,
        /// The backed-up store's id, 32 hex digits.
        store_id: String,
        /// The backed-up tenant.
        tenant: String,
    },
    /// The header's MAC does not verify under the right master key: it was altered.
    #[error("the backup header does not authenticate: it was altered after the backup was made")]
    HeaderTampered,
    /// The file is shorter than its header says: an unfinished backup (a `.partial` file, or a
    /// backup cut short by a crash or a copy) or a truncated copy.
    #[error(
        "the backup is truncated: {actual} bytes of the {expected} its header announces \
         (an unfinished backup, or a copy cut short)"
    )]
    Truncated {
        /// The length the header announces.
        expected: u64,
        /// The file's length.
        actual: u64,
    },
    /// The file is longer than its header says.
    #[error(
        "the backup has {actual} bytes but its header announces {expected}: data was appended"
    )]
    TrailingData {
        /// The length the header announces.
        expected: u64,
        /// The file's length.
        actual: u64,
    },
    /// A chunk does not authenticate: it was edited, damaged, moved or swapped with another.
    #[error(
        "chunk {chunk} of the backup does not authenticate: the file was altered, reordered or \
         damaged"
    )]
    ChunkTampered {
        /// The chunk's index, from 0.
        chunk: u64,
    },
    /// The file to write already exists.
    #[error("{0} already exists: {1}")]
    DestinationExists(PathBuf, &'static str),
    /// Restoring over an existing store of another store id, refused even with `overwrite`.
    #[error(
        "{path} holds store {existing}, but the backup is of store {backup}: refusing to replace \
         a different store (move it aside first if that is really what you want)"
    )]
    ForeignStore {
        /// The destination.
        path: PathBuf,
        /// The id of the store found there.
        existing: String,
        /// The id of the backed-up store.
        backup: String,
    },
    /// Restoring over an existing file that is not a readable inventario store of the
    /// backup's tenant, refused even with `overwrite`.
    #[error(
        "{path} exists but is not a readable inventario store ({reason}): move it aside and \
         restore to a free path"
    )]
    DestinationNotAStore {
        /// The destination.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// The operation is not available for this store or path; the reason says why.
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    /// The master key was rotated by another handle while the backup was being taken.
    #[error(
        "the store's master key was rotated while the backup was taken: reopen the store with \
         the new key and back up again"
    )]
    MasterKeyChanged,
    /// The database copied into the backup has no keyring for the handle's tenant.
    #[error("the store's snapshot is unusable: {0}")]
    Snapshot(String),
    /// The restored store failed a check; nothing was left at the destination.
    #[error("the restored store failed the check {check}: {detail}; nothing was left at the destination")]
    VerificationFailed {
        /// The check's name (see [`crate::backup::Check::name`]).
        check: &'static str,
        /// What it found.
        detail: String,
    },
}

impl BackupError {
    /// An I/O error while doing `action` on `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> BackupError {
        let path = path.into();
        move |source| BackupError::Io {
            action,
            path,
            source,
        }
    }

    /// The variant's name, stable across versions, for bindings and reports (`NotABackup`,
    /// `WrongMasterKey`, `ChunkTampered`, …).
    ///
    /// ```
    /// use inventario_core::backup::BackupError;
    /// assert_eq!(BackupError::ChunkTampered { chunk: 3 }.kind(), "ChunkTampered");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            BackupError::Io { .. } => "Io",
            BackupError::NotABackup => "NotABackup",
            BackupError::UnsupportedVersion(_) => "UnsupportedVersion",
            BackupError::UnsupportedPayload(_) => "UnsupportedPayload",
            BackupError::Malformed(_) => "Malformed",
            BackupError::HeaderDamaged => "HeaderDamaged",
            BackupError::WrongMasterKey { .. } => "WrongMasterKey",
            BackupError::HeaderTampered => "HeaderTampered",
            BackupError::Truncated { .. } => "Truncated",
            BackupError::TrailingData { .. } => "TrailingData",
            BackupError::ChunkTampered { .. } => "ChunkTampered",
            BackupError::DestinationExists(..) => "DestinationExists",
            BackupError::ForeignStore { .. } => "ForeignStore",
            BackupError::DestinationNotAStore { .. } => "DestinationNotAStore",
            BackupError::Unsupported(_) => "Unsupported",
            BackupError::MasterKeyChanged => "MasterKeyChanged",
            BackupError::Snapshot(_) => "Snapshot",
            BackupError::VerificationFailed { .. } => "VerificationFailed",
        }
    }
}
