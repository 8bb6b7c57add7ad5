//! The crate's error: one enum whose variants carry the precise error of each concern.

use crate::audit::AuditError;
use crate::crypto::CryptoError;
use crate::domain::commands::CommandError;
use crate::domain::orders::OrderError;
use crate::domain::pricing::PricingError;
use crate::domain::values::ValueError;
use crate::domain::RuleError;

/// Everything that can go wrong in a call to [`crate::Inventory`].
///
/// A refused command changes nothing in the store. Match on [`Error::rule`] to find the rule that
/// refused it, wherever in a batch it happened:
///
/// ```
/// use inventario_core::{Error, RuleError};
/// fn explain(e: &Error) -> String {
///     match e.rule() {
///         Some(RuleError::InsufficientStock { available, .. }) => format!("only {available} left"),
///         _ => e.to_string(),
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An inventory rule refused the command.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// Line `line` (from 0) of a batch failed; nothing of the batch was applied.
    #[error("line {line}: {source}")]
    Batch {
        /// The failing line's index, from 0.
        line: usize,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },
    /// A shop-floor command could not be read or resolved; the message says what to try.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// A price broke a pricing rule.
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// A purchase order refused the action.
    #[error(transparent)]
    Order(#[from] OrderError),
    /// The idempotency key was used before for a different request.
    #[error("idempotency key {key:?} was already used for a different request")]
    IdempotencyConflict {
        /// The key.
        key: String,
    },
    /// The database could not be opened, read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A key or envelope operation failed: wrong master key, unknown or destroyed key, an
    /// envelope that does not authenticate, rejected key material.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A stored encrypted field could not be opened or sealed. Names the field, never its value.
    #[error("{table}.{column} of row {row}: {source}")]
    Field {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The row's id.
        row: i64,
        /// Why.
        #[source]
        source: CryptoError,
    },
    /// An audit operation was refused: a malformed or foreign checkpoint, an invalid
    /// application event.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// A legacy import stopped (a malformed row, a file of no known layout); nothing was
    /// written.
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// A backup, restore or drill stopped: a wrong master key (naming the version the backup
    /// needs), a damaged, truncated or altered file, a destination that may not be written, or
    /// a restored store that failed verification. A failed restore leaves nothing behind.
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    /// A privacy operation was refused (an unknown or closed request, a rectification of an
    /// erased subject, a bad field or reason, an invalid retention policy); nothing changed.
    #[error(transparent)]
    Privacy(#[from] crate::domain::privacy::PrivacyError),
    /// The audit record of a decrypt could not be written, so the plaintext was withheld
    /// (fail-closed; see `OpenOptions::audit_fail_open`).
    #[error("the audit record could not be written, so nothing was returned: {source}")]
    AuditUnavailable {
        /// Why the record could not be written.
        #[source]
        source: Box<Error>,
    },
}

impl From<ValueError> for Error {
    fn from(e: ValueError) -> Self {
        Error::Rule(RuleError::Value(e))
    }
}

impl Error {
    /// The rule that refused the command, looking inside batch errors.
    pub fn rule(&self) -> Option<&RuleError> {
        match self {
            Error::Rule(rule) => Some(rule),
            Error::Batch { source, .. } => source.rule(),
            _ => None,
        }
    }

    /// The crypto error behind this error, wherever it happened (a key operation, a stored
    /// field, a line of a batch).
    ///
    /// ```
    /// use inventario_core::crypto::CryptoError;
    /// use inventario_core::Error;
    /// let e = Error::from(CryptoError::WrongMasterKey);
    /// assert_eq!(e.crypto(), Some(&CryptoError::WrongMasterKey));
    /// ```
    pub fn crypto(&self) -> Option<&CryptoError> {
        match self {
            Error::Crypto(e) | Error::Field { source: e, .. } => Some(e),
            Error::Batch { source, .. } => source.crypto(),
            _ => None,
        }
    }

    /// The failing line of a batch.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Batch { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// A one-line call reports its error without the batch wrapper.
    pub(crate) fn without_line(self) -> Error {
        match self {
            Error::Batch { line: 0, source } => *source,
            other => other,
        }
    }

    /// The error of a batch's failing line, whichever line it was.
    pub(crate) fn into_line_source(self) -> Error {
        match self {
            Error::Batch { source, .. } => *source,
            other => other,
        }
    }

    pub(crate) fn at_line(self, line: usize) -> Error {
        Error::Batch {
            line,
            source: Box::new(self),
        }
    }
}

/// The database failed, or holds something this version cannot read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL names no supported store, or is malformed.
    #[error("unsupported or malformed store URL: {0} (expected sqlite://PATH?mode=rwc, sqlite::memory: or postgres://USER@HOST/DB)")]
    InvalidUrl(&'static str),
    /// A TLS file named in a PostgreSQL URL (`sslrootcert`, `sslcert`, `sslkey`) cannot be read.
    #[error("cannot read the {parameter} file {path}: {source}")]
    TlsFile {
        /// The URL parameter.
        parameter: &'static str,
        /// The path it names.
        path: std::path::PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The embedded migrations could not be applied.
    #[error("could not migrate the database: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored row breaks an invariant this version relies on.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The store has no keyring for this tenant, and the handle was told not to create one
    /// (`OpenOptions::existing_keyring_only`): a mistyped tenant or database, not a new store.
    #[error("the store has no keyring for tenant {0}: nothing was created (a new store is made by opening it without existing_keyring_only)")]
    NoKeyring(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Store(StoreError::Database(e))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
