//! Errors of the audit layer.

/// An audit operation was refused. Messages never carry record contents or keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A checkpoint's text is not in the format of `Checkpoint::to_text`; names the field.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// A checkpoint's signature does not verify: it was edited or forged.
    #[error("the checkpoint's signature does not verify")]
    BadCheckpointSignature,
    /// A checkpoint signed by another store, tenant or signing key.
    #[error("the checkpoint belongs to another store or tenant")]
    ForeignCheckpoint,
    /// The keyring has no audit key (a keyring opened outside an inventory store).
    #[error("this keyring has no audit keys")]
    MissingKey,
    /// No legal hold has this id.
    #[error("no legal hold with id {0}")]
    LegalHoldNotFound(i64),
    /// An application event was refused: names what is wrong with it.
    #[error("invalid audit event: {0}")]
    InvalidEvent(&'static str),
}
