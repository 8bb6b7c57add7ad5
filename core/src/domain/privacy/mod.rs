//! The rules of the data subjects' rights (Ley 25.326 and, for some shops, the GDPR): what a
//! request is, when it is due, which stored fields are fiscal, how long each kind of record is
//! kept, and how an export is written as CSV that a spreadsheet cannot execute.
//!
//! Pure and synchronous like the rest of [`crate::domain`]: no I/O, no clock (every rule takes
//! its "now" or "today"), no database. The store (`store/privacy.rs`) loads what a rule needs,
//! lets these functions decide, and writes the outcome in one transaction. docs/PRIVACY.md says
//! what the library does for each duty and what stays the shop's job.
//!
//! - [`deadline`]: the per-regime deadline table, business days and the holiday calendar.
//! - [`retention`]: the retention policy, its cutoffs, which audit records belong to which
//!   category, and the longest prefix of the audit chain that every category allows to purge.
//! - [`csv`]: an RFC 4180 writer that neutralises spreadsheet formulas.
//! - [`SubjectChanges`]: a rectification's field changes, checked before anything is sealed.

pub mod csv;
pub mod deadline;
mod error;
pub mod retention;

use std::collections::BTreeMap;
use std::fmt;

pub use deadline::{days_left, due_date, DeadlineRule, HolidayCalendar, Period, DEADLINE_TABLE};
pub use error::PrivacyError;
pub use retention::{
    fiscal_keep_reason, purgeable_prefix, AuditCategory, PurgeStop, RetentionCutoffs,
    RetentionPolicy,
};

/// The law a request is made under; it decides the deadline ([`DEADLINE_TABLE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Regime {
    /// Argentina's Ley 25.326 de Protección de los Datos Personales (arts. 14 and 16).
    Ley25326,
    /// The EU's General Data Protection Regulation (art. 12(3)).
    Gdpr,
}

impl Regime {
    /// `ley_25326` or `gdpr`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Ley25326 => "ley_25326",
            Regime::Gdpr => "gdpr",
        }
    }

    /// Reads a stored or typed name.
    ///
    /// ```
    /// use inventario_core::domain::privacy::Regime;
    /// assert_eq!(Regime::parse("gdpr"), Some(Regime::Gdpr));
    /// assert_eq!(Regime::parse("ley_25326"), Some(Regime::Ley25326));
    /// assert_eq!(Regime::parse("ccpa"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Regime> {
        match name {
            "ley_25326" => Some(Regime::Ley25326),
            "gdpr" => Some(Regime::Gdpr),
            _ => None,
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the data subject asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    /// Everything the store holds about them (Ley 25.326 art. 14; GDPR art. 15).
    Access,
    /// Correcting their data (Ley 25.326 art. 16; GDPR art. 16).
    Rectification,
    /// Suppressing their data (Ley 25.326 art. 16; GDPR art. 17).
    Erasure,
}

impl RequestKind {
    /// `access`, `rectification` or `erasure`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Rectification => "rectification",
            RequestKind::Erasure => "erasure",
        }
    }

    /// Reads a stored or typed name.
    pub fn parse(name: &str) -> Option<RequestKind> {
        match name {
            "access" => Some(RequestKind::Access),
            "rectification" => Some(RequestKind::Rectification),
            "erasure" => Some(RequestKind::Erasure),
            _ => None,
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Received, not answered yet: it counts towards the deadline.
    Pending,
    /// Answered in full (the export given, the data corrected or erased).
    Completed,
    /// An erasure that erased everything but a fiscal part the shop must keep
    /// ([`RefusalReason::LegalHold`] or [`RefusalReason::FiscalRetention`]).
    PartiallyRefused,
    /// Refused as a whole, with a reason.
    Refused,
}

impl RequestStatus {
    /// `pending`, `completed`, `partially_refused` or `refused`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Completed => "completed",
            RequestStatus::PartiallyRefused => "partially_refused",
            RequestStatus::Refused => "refused",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<RequestStatus> {
        match name {
            "pending" => Some(RequestStatus::Pending),
            "completed" => Some(RequestStatus::Completed),
            "partially_refused" => Some(RequestStatus::PartiallyRefused),
            "refused" => Some(RequestStatus::Refused),
            _ => None,
        }
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a request (or the fiscal part of an erasure) was refused. A closed list of codes, so
/// that no free text (which could carry a personal value) reaches the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// A legal hold in force covers the subject or one of their fiscal records: the fiscal
    /// part is kept, in a key scope of its own, until the hold is lifted.
    LegalHold,
    /// The subject has fiscal records younger than the fiscal retention period (a supplier's
    /// purchase orders): the fiscal part is kept until the period has run out.
    FiscalRetention,
    /// The requester's identity could not be verified (Ley 25.326 art. 14.1; GDPR art. 12(6)).
    IdentityNotVerified,
    /// The request is manifestly unfounded or excessive (GDPR art. 12(5)).
    ManifestlyUnfounded,
    /// An access request repeated within six months without a legitimate interest (Ley 25.326
    /// art. 14.3).
    RepeatedRequest,
    /// Another legal obligation to keep or withhold the data.
    LegalObligation,
}

impl RefusalReason {
    /// Every reason, in declaration order.
    pub const ALL: [RefusalReason; 6] = [
        RefusalReason::LegalHold,
        RefusalReason::FiscalRetention,
        RefusalReason::IdentityNotVerified,
        RefusalReason::ManifestlyUnfounded,
        RefusalReason::RepeatedRequest,
        RefusalReason::LegalObligation,
    ];

    /// The stored code, e.g. `legal_hold`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::LegalHold => "legal_hold",
            RefusalReason::FiscalRetention => "fiscal_retention",
            RefusalReason::IdentityNotVerified => "identity_not_verified",
            RefusalReason::ManifestlyUnfounded => "manifestly_unfounded",
            RefusalReason::RepeatedRequest => "repeated_request",
            RefusalReason::LegalObligation => "legal_obligation",
        }
    }

    /// Reads a code.
    ///
    /// ```
    /// use inventario_core::domain::privacy::RefusalReason;
    /// for reason in RefusalReason::ALL {
    ///     assert_eq!(RefusalReason::parse(reason.as_str()), Some(reason));
    /// }
    /// assert_eq!(RefusalReason::parse("because"), None);
    /// ```
    pub fn parse(code: &str) -> Option<RefusalReason> {
        RefusalReason::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// A sentence for the requester and the shop.
    pub fn describe(self) -> &'static str {
        match self {
            RefusalReason::LegalHold => {
                "fiscal records under a legal hold must be kept: the fiscal identity stays, \
                 sealed under a key of its own, until the hold is lifted; everything else was \
                 erased"
            }
            RefusalReason::FiscalRetention => {
                "fiscal records within the legal retention period must be kept: the fiscal \
                 identity stays, sealed under a key of its own, until the period ends; \
                 everything else was erased"
            }
            RefusalReason::IdentityNotVerified => "the requester's identity could not be verified",
            RefusalReason::ManifestlyUnfounded => {
                "the request is manifestly unfounded or excessive"
            }
            RefusalReason::RepeatedRequest => {
                "the same access was answered less than six months ago"
            }
            RefusalReason::LegalObligation => "a legal obligation requires keeping the data",
        }
    }

    /// Whether the library decides this reason itself (during an erasure); the others are the
    /// shop's to give with a manual refusal.
    pub fn is_automatic(self) -> bool {
        matches!(
            self,
            RefusalReason::LegalHold | RefusalReason::FiscalRetention
        )
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The personal fields of a customer, as a rectification and an export name them.
pub const CUSTOMER_FIELDS: &[&str] = &[
    "names",
    "surname",
    "document_type",
    "document",
    "phone",
    "email",
    "address",
];

/// The personal fields of a supplier.
pub const SUPPLIER_FIELDS: &[&str] = &["cuit", "phone", "email", "address"];

/// The encrypted fields of a customer that are fiscal data (the identity an invoice names:
/// names, document and fiscal address, RG AFIP 1415): kept, under a key scope of their own,
/// when an erasure must keep the fiscal part.
pub const CUSTOMER_FISCAL_FIELDS: &[&str] = &["names", "surname", "document", "address"];

/// The encrypted fields of a supplier that are fiscal data (CUIT and fiscal address).
pub const SUPPLIER_FISCAL_FIELDS: &[&str] = &["cuit", "address"];

/// The key scope that holds a subject's fiscal part after a partial erasure:
/// `fiscal:customer:42` for the subject scope `customer:42`.
///
/// ```
/// use inventario_core::domain::privacy::fiscal_scope;
/// assert_eq!(fiscal_scope("customer:42"), "fiscal:customer:42");
/// ```
pub fn fiscal_scope(subject_scope: &str) -> String {
    format!("fiscal:{subject_scope}")
}

/// The longest rectification reason, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// A rectification's changes: fields set to a new value or cleared, by name. Names are checked
/// against the subject's fields ([`CUSTOMER_FIELDS`] or [`SUPPLIER_FIELDS`]) before anything
/// is written; values are checked by the store (documents and CUITs must parse).
///
/// ```
/// use inventario_core::domain::privacy::{SubjectChanges, CUSTOMER_FIELDS};
/// let changes = SubjectChanges::new().set("email", "ana@example.com").clear("phone");
/// assert_eq!(changes.len(), 2);
/// changes.check(CUSTOMER_FIELDS).unwrap();
/// assert!(SubjectChanges::new().set("salary", "1").check(CUSTOMER_FIELDS).is_err());
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SubjectChanges {
    fields: BTreeMap<String, Option<String>>,
}

impl fmt::Debug for SubjectChanges {
    /// Names the fields only: the values are personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.fields.iter().map(|(k, v)| match v {
                Some(_) => format!("{k}=<redacted>"),
                None => format!("{k}=<cleared>"),
            }))
            .finish()
    }
}

impl SubjectChanges {
    /// No changes yet.
    pub fn new() -> SubjectChanges {
        SubjectChanges::default()
    }

    /// Sets `field` to `value` (trimmed; an empty value clears the field).
    pub fn set(mut self, field: &str, value: impl Into<String>) -> SubjectChanges {
        let value: String = value.into();
        let trimmed = value.trim();
        let value = (!trimmed.is_empty()).then(|| trimmed.to_owned());
        self.fields.insert(field.to_owned(), value);
        self
    }

    /// Clears `field` (stores no value for it).
    pub fn clear(mut self, field: &str) -> SubjectChanges {
        self.fields.insert(field.to_owned(), None);
        self
    }

    /// Sets or clears `field`: `None` clears it.
    pub fn with(self, field: &str, value: Option<String>) -> SubjectChanges {
        match value {
            Some(value) => self.set(field, value),
            None => self.clear(field),
        }
    }

    /// How many fields change.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The change of `field`: `Some(Some(v))` set, `Some(None)` cleared, `None` unchanged.
    pub fn get(&self, field: &str) -> Option<Option<&str>> {
        self.fields.get(field).map(Option::as_deref)
    }

    /// The changes, by field name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_deref()))
    }

    /// Checks the field names against `allowed` and the rules every subject shares: at least
    /// one change, `names` never cleared, a `document_type` only with its `document`.
    pub fn check(&self, allowed: &[&str]) -> Result<(), PrivacyError> {
        if self.fields.is_empty() {
            return Err(PrivacyError::NoChanges);
        }
        for field in self.fields.keys() {
            if !allowed.contains(&field.as_str()) {
                return Err(PrivacyError::UnknownField(truncated(field)));
            }
        }
        if self.get("names") == Some(None) {
            return Err(PrivacyError::RequiredField("names"));
        }
        // A new type needs the number it applies to, so that the number is checked (and
        // indexed) under the type; a type is cleared only with its number.
        match (self.get("document_type"), self.get("document")) {
            (Some(Some(_)), Some(Some(_))) | (Some(None), Some(None)) | (None, _) => Ok(()),
            _ => Err(PrivacyError::DocumentTypeWithoutDocument),
        }
    }
}

/// A field name as an error may quote it: at most 40 characters (a name is not personal data,
/// but a caller may pass anything).
fn truncated(field: &str) -> String {
    field.chars().take(40).collect()
}

/// Checks a rectification's reason: 1 to [`MAX_REASON_CHARS`] characters, and none of the
/// values being written (the reason is recorded in clear in the audit log, so it must not
/// repeat a personal value: give a ticket number or a short cause instead).
///
/// ```
/// use inventario_core::domain::privacy::check_reason;
/// assert!(check_reason("ticket 1234: typo in the email", &["ana@example.com"]).is_ok());
/// assert!(check_reason("new email ana@example.com", &["ana@example.com"]).is_err());
/// assert!(check_reason("  ", &[]).is_err());
/// ```
pub fn check_reason<'a>(reason: &'a str, values: &[&str]) -> Result<&'a str, PrivacyError> {
    let reason = reason.trim();
    let count = reason.chars().count();
    if count == 0 || count > MAX_REASON_CHARS {
        return Err(PrivacyError::InvalidReason(
            "the reason must be 1-200 characters",
        ));
    }
    let folded = reason.to_lowercase();
    for value in values {
        let value = value.trim().to_lowercase();
        if value.chars().count() >= 3 && folded.contains(&value) {
            return Err(PrivacyError::InvalidReason(
                "the reason repeats a value being written; it is recorded in clear in the \
                 audit log, so give a ticket number or a short cause instead",
            ));
        }
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for regime in [Regime::Ley25326, Regime::Gdpr] {
            assert_eq!(Regime::parse(regime.as_str()), Some(regime));
        }
        for kind in [
            RequestKind::Access,
            RequestKind::Rectification,
            RequestKind::Erasure,
        ] {
            assert_eq!(RequestKind::parse(kind.as_str()), Some(kind));
        }
        for status in [
            RequestStatus::Pending,
            RequestStatus::Completed,
            RequestStatus::PartiallyRefused,
            RequestStatus::Refused,
        ] {
            assert_eq!(RequestStatus::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn changes_are_checked_before_anything_is_written() {
        let allowed = CUSTOMER_FIELDS;
        assert_eq!(
            SubjectChanges::new().check(allowed),
            Err(PrivacyError::NoChanges)
        );
        assert_eq!(
            SubjectChanges::new().clear("names").check(allowed),
            Err(PrivacyError::RequiredField("names"))
        );
        assert_eq!(
            SubjectChanges::new().set("names", "   ").check(allowed),
            Err(PrivacyError::RequiredField("names"))
        );
        assert_eq!(
            SubjectChanges::new()
                .set("document_type", "dni")
                .check(allowed),
            Err(PrivacyError::DocumentTypeWithoutDocument)
        );
        assert_eq!(
            SubjectChanges::new()
                .set("document_type", "dni")
                .clear("document")
                .check(allowed),
            Err(PrivacyError::DocumentTypeWithoutDocument)
        );
        assert!(SubjectChanges::new()
            .set("document_type", "dni")
            .set("document", "29.876.543")
            .check(allowed)
            .is_ok());
        assert!(SubjectChanges::new()
            .clear("document")
            .check(allowed)
            .is_ok());
        assert_eq!(
            SubjectChanges::new().set("cuit", "x").check(allowed),
            Err(PrivacyError::UnknownField("cuit".into()))
        );
        assert!(SubjectChanges::new()
            .set("cuit", "20-12345678-6")
            .check(SUPPLIER_FIELDS)
            .is_ok());
    }

    #[test]
    fn debug_never_shows_a_value() {
        let changes = SubjectChanges::new()
            .set("email", "ana@example.com")
            .clear("phone");
        let shown = format!("{changes:?}");
        assert!(!shown.contains("ana@"), "{shown}");
        assert!(shown.contains("email=<redacted>"), "{shown}");
    }

    #[test]
    fn a_reason_may_not_repeat_a_value() {
        assert!(check_reason("Ticket 7", &["Ana"]).is_ok());
        assert!(check_reason("typo fixed for ANA@example.com", &["ana@example.com"]).is_err());
        assert!(check_reason(&"x".repeat(201), &[]).is_err());
        assert_eq!(check_reason("  ok  ", &[]), Ok("ok"));
    }

    #[test]
    fn fiscal_fields_are_personal_fields() {
        for f in CUSTOMER_FISCAL_FIELDS {
            assert!(CUSTOMER_FIELDS.contains(f));
        }
        for f in SUPPLIER_FISCAL_FIELDS {
            assert!(SUPPLIER_FIELDS.contains(f));
        }
    }
}
