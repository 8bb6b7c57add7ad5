//! Why a privacy operation was refused. Messages name fields, ids and dates, never a value.

use std::path::PathBuf;

use chrono::NaiveDate;

/// A privacy request, rectification, retention setting or backup pruning was refused; nothing
/// was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrivacyError {
    /// A rectification names a field the subject does not have.
    #[error("unknown personal field {0:?} for this kind of subject")]
    UnknownField(String),
    /// A rectification clears a field that must always have a value.
    #[error("the field {0} cannot be cleared")]
    RequiredField(&'static str),
    /// A rectification with no change.
    #[error("the rectification changes nothing")]
    NoChanges,
    /// A document type was given without the number it applies to (or cleared without it),
    /// or a number without a type for a subject that has none yet.
    #[error("a document type must be set or cleared together with the document number")]
    DocumentTypeWithoutDocument,
    /// The subject was erased: there is nothing left to rectify.
    #[error("{kind} {id} was erased; their personal data can no longer be changed")]
    SubjectErased {
        /// `customer` or `supplier`.
        kind: &'static str,
        /// Their id.
        id: i64,
    },
    /// The reason of a rectification is empty, too long, or repeats a value being written.
    #[error("invalid reason: {0}")]
    InvalidReason(&'static str),
    /// No privacy request has this id in the tenant.
    #[error("privacy request {0} not found")]
    RequestNotFound(i64),
    /// The request was already answered or refused.
    #[error("privacy request {0} is already closed")]
    RequestClosed(i64),
    /// A manual refusal may not give a reason that only the library decides.
    #[error("the refusal reason {0} is decided by the erasure itself, not given by hand")]
    AutomaticReason(&'static str),
    /// A request's receipt date is after today (in the store's time zone).
    #[error("a request cannot be received in the future ({received} is after {today})")]
    ReceivedInFuture {
        /// The date given.
        received: NaiveDate,
        /// Today in the store's time zone.
        today: NaiveDate,
    },
    /// A retention period is out of range.
    #[error("invalid retention policy: {0}")]
    InvalidPolicy(&'static str),
    /// Too many holidays in one calendar.
    #[error("a holiday calendar holds at most {max} days")]
    TooManyHolidays {
        /// The limit.
        max: usize,
    },
    /// The years asked of [`HolidayCalendar::argentina`](super::HolidayCalendar::argentina) are
    /// outside [`ARGENTINA_YEARS`](super::deadline::ARGENTINA_YEARS), or reversed.
    #[error("years must be 1900-2200, the first not after the last")]
    InvalidYears,
    /// The backup directory cannot be read, or a backup in it cannot be removed.
    #[error("backup directory {path}: {source}")]
    BackupDirectory {
        /// The directory or file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl PrivacyError {
    /// The variant's name (`UnknownField`, `SubjectErased`, …), stable across versions: what
    /// the bindings report as the error's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            PrivacyError::UnknownField(_) => "UnknownField",
            PrivacyError::RequiredField(_) => "RequiredField",
            PrivacyError::NoChanges => "NoChanges",
            PrivacyError::DocumentTypeWithoutDocument => "DocumentTypeWithoutDocument",
            PrivacyError::SubjectErased { .. } => "SubjectErased",
            PrivacyError::InvalidReason(_) => "InvalidReason",
            PrivacyError::RequestNotFound(_) => "RequestNotFound",
            PrivacyError::RequestClosed(_) => "RequestClosed",
            PrivacyError::AutomaticReason(_) => "AutomaticReason",
            PrivacyError::ReceivedInFuture { .. } => "ReceivedInFuture",
            PrivacyError::InvalidPolicy(_) => "InvalidPolicy",
            PrivacyError::TooManyHolidays { .. } => "TooManyHolidays",
            PrivacyError::InvalidYears => "InvalidYears",
            PrivacyError::BackupDirectory { .. } => "BackupDirectory",
        }
    }
}

impl PartialEq for PrivacyError {
    /// Equal when of the same kind with the same data (I/O errors compare by kind of error).
    fn eq(&self, other: &Self) -> bool {
        use PrivacyError::*;
        match (self, other) {
            (UnknownField(a), UnknownField(b)) => a == b,
            (RequiredField(a), RequiredField(b)) => a == b,
            (InvalidReason(a), InvalidReason(b)) | (InvalidPolicy(a), InvalidPolicy(b)) => a == b,
            (AutomaticReason(a), AutomaticReason(b)) => a == b,
            (SubjectErased { kind: a, id: x }, SubjectErased { kind: b, id: y }) => {
                a == b && x == y
            }
            (RequestNotFound(a), RequestNotFound(b)) | (RequestClosed(a), RequestClosed(b)) => {
                a == b
            }
            (
                ReceivedInFuture {
                    received: a,
                    today: x,
                },
                ReceivedInFuture {
                    received: b,
                    today: y,
                },
            ) => a == b && x == y,
            (TooManyHolidays { max: a }, TooManyHolidays { max: b }) => a == b,
            (BackupDirectory { path: a, source: x }, BackupDirectory { path: b, source: y }) => {
                a == b && x.kind() == y.kind()
            }
            (NoChanges, NoChanges)
            | (DocumentTypeWithoutDocument, DocumentTypeWithoutDocument)
            | (InvalidYears, InvalidYears) => true,
            _ => false,
        }
    }
}
