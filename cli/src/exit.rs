//! Exit codes, and the one line a failed command prints on stderr.
//!
//! Every failure becomes a [`Failure`]: an exit [`Code`] and a message. The library's errors are
//! mapped to codes in one place, [`code_of`], so that a script can tell a wrong key from an
//! unreachable database from a tampered log by the exit status alone. A panic is a bug: the hook
//! installed by [`install_panic_hook`] prints one line and exits with [`Code::Internal`].

use std::fmt::Display;
use std::io::Write as _;
use std::process::ExitCode;

use inventario_core::audit::AuditError;
use inventario_core::backup::BackupError;
use inventario_core::crypto::CryptoError;
use inventario_core::Error;

use crate::store::Redactor;

/// The exit status of `inventario`. The numbers are part of the interface (docs/CLI.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Code {
    /// The command did what it was asked.
    Success = 0,
    /// An unexpected failure: a bug, or an error no other code describes.
    Internal = 1,
    /// The command line is wrong (clap uses the same code for its own errors).
    Usage = 2,
    /// A check failed: the audit chain is broken, a pinned checkpoint does not verify, the
    /// ledger disagrees with its balances, a stored field does not authenticate.
    VerificationFailed = 3,
    /// The master key is missing, unreadable, refused, unsafely stored or not the store's.
    MasterKey = 4,
    /// The store cannot be reached, opened, read or written.
    Store = 5,
    /// The input was refused: a rule of the inventory, a malformed legacy row, a file of no
    /// known layout, an operation that would overwrite something.
    Refused = 6,
    /// `audit detect` found anomalies.
    AnomaliesFound = 7,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> ExitCode {
        ExitCode::from(code as u8)
    }
}

/// Why a command failed: the exit code and a message for the operator.
#[derive(Debug)]
pub(crate) struct Failure {
    code: Code,
    message: String,
}

impl Failure {
    /// A failure with `code`.
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// The command line is wrong.
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Code::Usage, message)
    }

    /// The master key is missing, unreadable or refused.
    pub(crate) fn master_key(message: impl Into<String>) -> Failure {
        Failure::new(Code::MasterKey, message)
    }

    /// The input was refused.
    pub(crate) fn refused(message: impl Into<String>) -> Failure {
        Failure::new(Code::Refused, message)
    }

    /// A check failed.
    pub(crate) fn verification(message: impl Into<String>) -> Failure {
        Failure::new(Code::VerificationFailed, message)
    }

    /// An unexpected failure.
    pub(crate) fn internal(message: impl Into<String>) -> Failure {
        Failure::new(Code::Internal, message)
    }

    /// A file could not be read or written: `what PATH: reason`, with `code`.
    pub(crate) fn io(
        code: Code,
        what: &str,
        path: &std::path::Path,
        error: &std::io::Error,
    ) -> Failure {
        Failure::new(code, format!("{what} {}: {error}", path.display()))
    }

    /// The exit code.
    #[cfg(test)]
    pub(crate) fn code(&self) -> Code {
        self.code
    }

    /// Puts `context` in front of the message (`context: message`).
    pub(crate) fn context(self, context: impl Display) -> Failure {
        Failure {
            code: self.code,
            message: format!("{context}: {}", self.message),
        }
    }

    /// Prints `inventario: error: MESSAGE` on one line of stderr, with every password of the
    /// store URL masked, and returns the exit code.
    pub(crate) fn report(self, redactor: &Redactor) -> ExitCode {
        let line = single_line(&redactor.apply(&self.message));
        let _ = writeln!(std::io::stderr().lock(), "inventario: error: {line}");
        self.code.into()
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::new(code_of(&error), error_line(&error))
    }
}

/// The exit code of a library error: the one place where variants become codes.
pub(crate) fn code_of(error: &Error) -> Code {
    match error {
        Error::Batch { source, .. } => code_of(source),
        Error::Rule(_)
        | Error::Command(_)
        | Error::Pricing(_)
        | Error::Order(_)
        | Error::IdempotencyConflict { .. }
        | Error::Import(_)
        | Error::Privacy(_) => Code::Refused,
        Error::Store(_) | Error::AuditUnavailable { .. } => Code::Store,
        Error::Crypto(error) | Error::Field { source: error, .. } => crypto_code(error),
        Error::Audit(error) => audit_code(error),
        Error::Backup(error) => backup_code(error),
        _ => Code::Internal,
    }
}

fn crypto_code(error: &CryptoError) -> Code {
    match error {
        CryptoError::WrongMasterKey | CryptoError::InvalidKeyMaterial(_) => Code::MasterKey,
        // Stored ciphertext that does not authenticate or parse was altered outside the library.
        CryptoError::AuthenticationFailed
        | CryptoError::Malformed(_)
        | CryptoError::UnsupportedVersion(_) => Code::VerificationFailed,
        CryptoError::InvalidContext(_)
        | CryptoError::UnknownKey(_)
        | CryptoError::KeyDestroyed(_) => Code::Refused,
        _ => Code::Internal,
    }
}

fn audit_code(error: &AuditError) -> Code {
    match error {
        // A pinned checkpoint that does not verify against this store is a failed check.
        AuditError::BadCheckpointSignature | AuditError::ForeignCheckpoint => {
            Code::VerificationFailed
        }
        AuditError::MissingKey => Code::MasterKey,
        _ => Code::Refused,
    }
}

/// The code of a backup, restore or drill error.
fn backup_code(error: &BackupError) -> Code {
    match error {
        BackupError::WrongMasterKey { .. } | BackupError::MasterKeyChanged => Code::MasterKey,
        BackupError::NotABackup
        | BackupError::HeaderDamaged
        | BackupError::HeaderTampered
        | BackupError::Truncated { .. }
        | BackupError::TrailingData { .. }
        | BackupError::ChunkTampered { .. }
        | BackupError::Malformed(_)
        | BackupError::VerificationFailed { .. } => Code::VerificationFailed,
        BackupError::Io { .. } | BackupError::Snapshot(_) => Code::Store,
        BackupError::DestinationExists(..)
        | BackupError::ForeignStore { .. }
        | BackupError::DestinationNotAStore { .. }
        | BackupError::Unsupported(_)
        | BackupError::UnsupportedVersion(_)
        | BackupError::UnsupportedPayload(_) => Code::Refused,
        _ => Code::Internal,
    }
}

/// An error and its causes on one line: each cause is appended (`error: cause`) only when the
/// text so far does not already say it, as most of the library's messages embed their cause.
pub(crate) fn error_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

/// Collapses line breaks and runs of whitespace into single spaces.
fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Replaces the default panic output (a message, a backtrace hint) with one line, and exits
/// with [`Code::Internal`]: a panic in this program is a bug, never an answer.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown panic");
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr().lock(),
            "inventario: error: internal error{at}: {} (this is a bug; please report it)",
            single_line(what)
        );
        std::process::exit(Code::Internal as i32);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use inventario_core::import::ImportError;
    use inventario_core::RuleError;

    #[test]
    fn library_errors_map_to_their_codes() {
        let cases: Vec<(Error, Code)> = vec![
            (CryptoError::WrongMasterKey.into(), Code::MasterKey),
            (
                CryptoError::InvalidKeyMaterial("expected 64 hex characters").into(),
                Code::MasterKey,
            ),
            (
                CryptoError::AuthenticationFailed.into(),
                Code::VerificationFailed,
            ),
            (
                AuditError::ForeignCheckpoint.into(),
                Code::VerificationFailed,
            ),
            (AuditError::MalformedCheckpoint("seq").into(), Code::Refused),
            (RuleError::InvalidTenant.into(), Code::Refused),
            (
                ImportError::MalformedRow {
                    table: "productos".into(),
                    id: 7,
                    reason: "precio is not a number".into(),
                }
                .into(),
                Code::Refused,
            ),
            (
                ImportError::UnknownLayout("no productos table".into()).into(),
                Code::Refused,
            ),
            (
                inventario_core::StoreError::Corrupt("x".into()).into(),
                Code::Store,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(code_of(&error), code, "{error}");
        }
    }

    #[test]
    fn causes_are_appended_only_when_they_add_something() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("cannot read the file")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let outer = Outer(std::io::Error::other("disk on fire"));
        assert_eq!(error_line(&outer), "cannot read the file: disk on fire");

        let error = Error::from(CryptoError::WrongMasterKey);
        assert_eq!(error_line(&error), error.to_string());
    }

    #[test]
    fn messages_fit_on_one_line() {
        assert_eq!(single_line("a\n  b\r\nc "), "a b c");
    }
}
