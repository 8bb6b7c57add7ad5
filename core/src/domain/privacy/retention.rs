//! How long each kind of record is kept, and what a retention run may remove.
//!
//! The policy has four periods (defaults in brackets, each configurable):
//!
//! - **operational audit** [90 days]: audit records of stock, catalogue, orders, logins and
//!   the application's own events;
//! - **access audit** [365 days]: audit records about encrypted personal data (reads, writes,
//!   failed decrypts, exports, key lifecycle, privacy requests, holds and purges);
//! - **fiscal records** [10 years]: how long a subject's fiscal identity is kept after their
//!   last fiscal record (a supplier's purchase orders) when they ask for erasure. The library
//!   never deletes the ledger or orders themselves;
//! - **backups** [30 days]: backup files of the store, pruned from a directory the shop names.
//!
//! The audit chain can only lose a prefix (D22): verification starts after an anchor that a
//! `RETENTION_PURGE` record vouches for. So a retention run removes the longest prefix in
//! which **every** record is past its own category's period and under no legal hold
//! ([`purgeable_prefix`]); the first record that is still within its period (or held) stops
//! the purge, and keeps everything after it. An access record younger than 365 days therefore
//! also keeps the operational records that follow it: the conservative side (D37).

use chrono::{DateTime, Months, TimeDelta, Utc};

use super::error::PrivacyError;
use super::RefusalReason;
use crate::audit::EventType;

/// The retention periods of one tenant (stored in the `retention_policy` table).
///
/// ```
/// use inventario_core::domain::privacy::RetentionPolicy;
/// let policy = RetentionPolicy::default();
/// assert_eq!(
///     (policy.operational_audit_days, policy.access_audit_days, policy.fiscal_years, policy.backup_days),
///     (90, 365, 10, 30),
/// );
/// assert!(RetentionPolicy { backup_days: 0, ..policy }.check().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetentionPolicy {
    /// Days an operational audit record is kept.
    pub operational_audit_days: u32,
    /// Days an audit record about encrypted personal data is kept.
    pub access_audit_days: u32,
    /// Years a subject's fiscal identity is kept after their last fiscal record.
    pub fiscal_years: u32,
    /// Days a backup file is kept (the newest backup is always kept).
    pub backup_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            operational_audit_days: 90,
            access_audit_days: 365,
            fiscal_years: 10,
            backup_days: 30,
        }
    }
}

/// The longest period in days (100 years).
pub const MAX_RETENTION_DAYS: u32 = 36_525;
/// The longest fiscal period in years.
pub const MAX_FISCAL_YEARS: u32 = 100;

impl RetentionPolicy {
    /// Checks every period: at least one day (or year), at most 100 years.
    pub fn check(self) -> Result<RetentionPolicy, PrivacyError> {
        let days = [
            self.operational_audit_days,
            self.access_audit_days,
            self.backup_days,
        ];
        if days.iter().any(|d| *d == 0 || *d > MAX_RETENTION_DAYS) {
            return Err(PrivacyError::InvalidPolicy(
                "audit and backup periods must be 1-36525 days",
            ));
        }
        if self.fiscal_years == 0 || self.fiscal_years > MAX_FISCAL_YEARS {
            return Err(PrivacyError::InvalidPolicy(
                "the fiscal period must be 1-100 years",
            ));
        }
        Ok(self)
    }

    /// The instants before which each kind of record has outlived its period, as of `now`.
    pub fn cutoffs(&self, now: DateTime<Utc>) -> RetentionCutoffs {
        let days_before = |days: u32| {
            now.checked_sub_signed(TimeDelta::days(i64::from(days)))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        RetentionCutoffs {
            operational_audit: days_before(self.operational_audit_days),
            access_audit: days_before(self.access_audit_days),
            fiscal_records: now
                .checked_sub_months(Months::new(self.fiscal_years.saturating_mul(12)))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            backups: days_before(self.backup_days),
        }
    }
}

/// What a retention run as of some instant may remove: records written strictly before these
/// instants have outlived their period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionCutoffs {
    /// Operational audit records before this may go.
    pub operational_audit: DateTime<Utc>,
    /// Access audit records before this may go.
    pub access_audit: DateTime<Utc>,
    /// Fiscal records before this are past the fiscal period.
    pub fiscal_records: DateTime<Utc>,
    /// Backups made before this may go.
    pub backups: DateTime<Utc>,
}

impl RetentionCutoffs {
    /// The cutoff of an audit record of `category`.
    pub fn audit(&self, category: AuditCategory) -> DateTime<Utc> {
        match category {
            AuditCategory::Operational => self.operational_audit,
            AuditCategory::Access => self.access_audit,
        }
    }
}

/// Which retention period an audit record follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditCategory {
    /// Stock, catalogue, orders, logins, the application's own events.
    Operational,
    /// Encrypted personal data: reads, writes, failed decrypts, exports and access requests,
    /// key lifecycle, privacy requests, legal holds and purges.
    Access,
}

impl AuditCategory {
    /// The stored event types of the access category; every other type is operational.
    pub const ACCESS_EVENT_TYPES: [&'static str; 12] = [
        "SENSITIVE_DATA_MODIFY",
        "ENCRYPTED_DATA_DECRYPT",
        "DECRYPT_FAILED",
        "KEY_CREATED",
        "KEY_ROTATED",
        "DATA_REENCRYPTED",
        "KEY_DESTROYED",
        "DATA_EXPORT",
        "ACCESS_REQUEST",
        "RETENTION_PURGE",
        "LEGAL_HOLD",
        "PRIVACY_REQUEST",
    ];

    /// The category of a record of `event_type`.
    ///
    /// ```
    /// use inventario_core::audit::EventType;
    /// use inventario_core::domain::privacy::AuditCategory;
    /// assert_eq!(AuditCategory::of(&EventType::StockMovement), AuditCategory::Operational);
    /// assert_eq!(AuditCategory::of(&EventType::EncryptedDataDecrypt), AuditCategory::Access);
    /// ```
    pub fn of(event_type: &EventType) -> AuditCategory {
        AuditCategory::of_name(event_type.as_str())
    }

    /// The category of a stored event type name.
    pub fn of_name(name: &str) -> AuditCategory {
        if AuditCategory::ACCESS_EVENT_TYPES.contains(&name) {
            AuditCategory::Access
        } else {
            AuditCategory::Operational
        }
    }

    /// `operational_audit` or `access_audit`, as reports name it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditCategory::Operational => "operational_audit",
            AuditCategory::Access => "access_audit",
        }
    }
}

/// What stopped a purge before the end of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PurgeStop {
    /// A record under a legal hold.
    LegalHold,
    /// A record still within its category's period.
    Retention(AuditCategory),
}

impl PurgeStop {
    /// `legal_hold`, `operational_audit` or `access_audit`.
    pub fn as_str(self) -> &'static str {
        match self {
            PurgeStop::LegalHold => "legal_hold",
            PurgeStop::Retention(category) => category.as_str(),
        }
    }
}

/// How many records from the start of `records` (the chain after its anchor, in `seq` order:
/// when each was written, its category, whether a legal hold covers it) a retention run may
/// purge, and what stopped it (`None` when every record may go).
///
/// ```
/// use chrono::{TimeDelta, Utc};
/// use inventario_core::domain::privacy::{purgeable_prefix, AuditCategory, PurgeStop, RetentionPolicy};
/// let now = Utc::now();
/// let cutoffs = RetentionPolicy::default().cutoffs(now);
/// let old = now - TimeDelta::days(200);
/// let records = [
///     (old, AuditCategory::Operational, false), // past 90 days: may go
///     (old, AuditCategory::Access, false),      // within 365 days: stops the purge
///     (old, AuditCategory::Operational, false), // kept, because it comes after
/// ];
/// assert_eq!(
///     purgeable_prefix(records, &cutoffs),
///     (1, Some(PurgeStop::Retention(AuditCategory::Access))),
/// );
/// ```
pub fn purgeable_prefix(
    records: impl IntoIterator<Item = (DateTime<Utc>, AuditCategory, bool)>,
    cutoffs: &RetentionCutoffs,
) -> (usize, Option<PurgeStop>) {
    let mut purged = 0;
    for (at, category, held) in records {
        if held {
            return (purged, Some(PurgeStop::LegalHold));
        }
        if at >= cutoffs.audit(category) {
            return (purged, Some(PurgeStop::Retention(category)));
        }
        purged += 1;
    }
    (purged, None)
}

/// Whether an erasure must keep the subject's fiscal part, and why: a legal hold in force on
/// them or on one of their fiscal records (`holds`, the hold ids), else a fiscal record
/// younger than the fiscal period (`last_fiscal_record` after `cutoffs.fiscal_records`).
/// `None`: everything may be erased. A retention run applies the same rule to a kept fiscal
/// part, and destroys it once this says `None`.
///
/// ```
/// use chrono::{TimeDelta, Utc};
/// use inventario_core::domain::privacy::{fiscal_keep_reason, RefusalReason, RetentionPolicy};
/// let now = Utc::now();
/// let cutoffs = RetentionPolicy::default().cutoffs(now);
/// assert_eq!(fiscal_keep_reason(&[3], None, &cutoffs), Some(RefusalReason::LegalHold));
/// let last_order = now - TimeDelta::days(400);
/// assert_eq!(fiscal_keep_reason(&[], Some(last_order), &cutoffs), Some(RefusalReason::FiscalRetention));
/// assert_eq!(fiscal_keep_reason(&[], None, &cutoffs), None);
/// ```
pub fn fiscal_keep_reason(
    holds: &[i64],
    last_fiscal_record: Option<DateTime<Utc>>,
    cutoffs: &RetentionCutoffs,
) -> Option<RefusalReason> {
    if !holds.is_empty() {
        return Some(RefusalReason::LegalHold);
    }
    match last_fiscal_record {
        Some(at) if at >= cutoffs.fiscal_records => Some(RefusalReason::FiscalRetention),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn default_cutoffs() {
        let now = at("2026-03-15T12:00:00Z");
        let c = RetentionPolicy::default().cutoffs(now);
        assert_eq!(c.operational_audit, at("2025-12-15T12:00:00Z"));
        assert_eq!(c.access_audit, at("2025-03-15T12:00:00Z"));
        assert_eq!(c.fiscal_records, at("2016-03-15T12:00:00Z"));
        assert_eq!(c.backups, at("2026-02-13T12:00:00Z"));
    }

    #[test]
    fn every_known_event_type_has_a_category_and_access_types_are_known() {
        for name in AuditCategory::ACCESS_EVENT_TYPES {
            let parsed = EventType::parse(name).unwrap();
            assert!(
                !matches!(parsed, EventType::Other(_)),
                "{name} is not a known type"
            );
            assert_eq!(AuditCategory::of(&parsed), AuditCategory::Access);
        }
        assert_eq!(
            AuditCategory::of(&EventType::LoginFailed),
            AuditCategory::Operational
        );
        assert_eq!(
            AuditCategory::of_name("CASH_DRAWER_OPENED"),
            AuditCategory::Operational
        );
    }

    #[test]
    fn the_policy_is_checked() {
        let p = RetentionPolicy::default();
        assert!(p.check().is_ok());
        assert!(RetentionPolicy {
            fiscal_years: 0,
            ..p
        }
        .check()
        .is_err());
        assert!(RetentionPolicy {
            access_audit_days: MAX_RETENTION_DAYS + 1,
            ..p
        }
        .check()
        .is_err());
    }

    #[test]
    fn a_hold_stops_the_purge_even_on_old_records() {
        let now = at("2026-03-15T12:00:00Z");
        let c = RetentionPolicy::default().cutoffs(now);
        let ancient = at("2020-01-01T00:00:00Z");
        let records = [
            (ancient, AuditCategory::Operational, false),
            (ancient, AuditCategory::Access, true),
            (ancient, AuditCategory::Operational, false),
        ];
        assert_eq!(
            purgeable_prefix(records, &c),
            (1, Some(PurgeStop::LegalHold))
        );
        let all_old = [(ancient, AuditCategory::Operational, false); 4];
        assert_eq!(purgeable_prefix(all_old, &c), (4, None));
    }

    fn any_record() -> impl Strategy<Value = (DateTime<Utc>, AuditCategory, bool)> {
        (
            0i64..800,
            prop_oneof![
                Just(AuditCategory::Operational),
                Just(AuditCategory::Access)
            ],
            prop::bool::weighted(0.05),
        )
            .prop_map(|(days_ago, category, held)| {
                (
                    at("2026-03-15T12:00:00Z") - TimeDelta::days(days_ago),
                    category,
                    held,
                )
            })
    }

    proptest! {
        #[test]
        fn the_purged_prefix_is_exactly_what_every_category_allows(
            records in prop::collection::vec(any_record(), 0..60),
        ) {
            let c = RetentionPolicy::default().cutoffs(at("2026-03-15T12:00:00Z"));
            let (n, stop) = purgeable_prefix(records.iter().copied(), &c);
            // Everything purged is past its period and not held.
            for (at, category, held) in &records[..n] {
                prop_assert!(!held);
                prop_assert!(*at < c.audit(*category));
            }
            // The first record kept is the reason it stopped.
            match records.get(n) {
                None => prop_assert_eq!(stop, None),
                Some((at, category, held)) => {
                    prop_assert!(*held || *at >= c.audit(*category));
                    prop_assert!(stop.is_some());
                }
            }
            // Running again on what is left purges nothing: idempotent.
            let (again, _) = purgeable_prefix(records[n..].iter().copied(), &c);
            prop_assert_eq!(again, 0);
        }

        #[test]
        fn a_longer_period_never_purges_more(
            records in prop::collection::vec(any_record(), 0..60),
            extra in 0u32..400,
        ) {
            let now = at("2026-03-15T12:00:00Z");
            let p = RetentionPolicy::default();
            let longer = RetentionPolicy {
                operational_audit_days: p.operational_audit_days + extra,
                ..p
            };
            let (short, _) = purgeable_prefix(records.iter().copied(), &p.cutoffs(now));
            let (long, _) = purgeable_prefix(records.iter().copied(), &longer.cutoffs(now));
            prop_assert!(long <= short);
        }
    }
}
