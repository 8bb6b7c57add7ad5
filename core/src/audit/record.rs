//! The audit record, its canonical encoding and the chain MAC.
//!
//! Every record is bound to its predecessor: `hash = HMAC-SHA256(audit_key, prev_hash ‖
//! canonical(record))`, with 32 zero bytes before the first record. The canonical encoding is
//! specified in `docs/FORMAT.md` ("Audit record") and pinned by `tests/vectors/audit_v1.json`.

use std::fmt;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// The `prev_hash` of a tenant's first record.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// The version byte that starts every canonical record.
pub const RECORD_VERSION: u8 = 1;

/// What happened. The legacy system's names are kept; applications can record their own
/// upper-case names (`LOGIN_FAILED` is one the detectors read).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A stock movement (receipt, sale, return, adjustment, transfer, loss, repair).
    StockMovement,
    /// A reservation made or released.
    StockReservation,
    /// A product created, edited or deactivated.
    ProductChange,
    /// A price or cost change of a product (repricing).
    PriceChange,
    /// A location created.
    LocationChange,
    /// A supplier created, or products assigned to one.
    SupplierChange,
    /// A purchase order created, sent, cancelled or received.
    PurchaseOrder,
    /// Personal data written: a customer created, a supplier's contact set.
    SensitiveDataModify,
    /// Stored personal data decrypted for a caller (one event per call, listing the rows).
    EncryptedDataDecrypt,
    /// A stored field that did not decrypt; `detail.error` names the kind.
    DecryptFailed,
    /// A key created (a blind-index key, a key scope).
    KeyCreated,
    /// The master key or a data key rotated.
    KeyRotated,
    /// Rows moved onto the active data key by a re-encryption batch.
    DataReencrypted,
    /// A key scope destroyed: a subject erased.
    KeyDestroyed,
    /// A failed login, recorded by the application.
    LoginFailed,
    /// Data exported in bulk, recorded by the application or an export call.
    DataExport,
    /// A data subject's access request.
    AccessRequest,
    /// Old records purged; `detail` carries the last purged `seq` and hash.
    RetentionPurge,
    /// A legal hold placed or lifted.
    LegalHold,
    /// A data subject's request (access, rectification, erasure) received or refused.
    PrivacyRequest,
    /// An application's own event name: 1 to 64 of `A-Z`, `0-9` and `_`, starting with a letter.
    Other(String),
}

impl EventType {
    const KNOWN: [(EventType, &'static str); 20] = [
        (EventType::StockMovement, "STOCK_MOVEMENT"),
        (EventType::StockReservation, "STOCK_RESERVATION"),
        (EventType::ProductChange, "PRODUCT_CHANGE"),
        (EventType::PriceChange, "PRICE_CHANGE"),
        (EventType::LocationChange, "LOCATION_CHANGE"),
        (EventType::SupplierChange, "SUPPLIER_CHANGE"),
        (EventType::PurchaseOrder, "PURCHASE_ORDER"),
        (EventType::SensitiveDataModify, "SENSITIVE_DATA_MODIFY"),
        (EventType::EncryptedDataDecrypt, "ENCRYPTED_DATA_DECRYPT"),
        (EventType::DecryptFailed, "DECRYPT_FAILED"),
        (EventType::KeyCreated, "KEY_CREATED"),
        (EventType::KeyRotated, "KEY_ROTATED"),
        (EventType::DataReencrypted, "DATA_REENCRYPTED"),
        (EventType::KeyDestroyed, "KEY_DESTROYED"),
        (EventType::LoginFailed, "LOGIN_FAILED"),
        (EventType::DataExport, "DATA_EXPORT"),
        (EventType::AccessRequest, "ACCESS_REQUEST"),
        (EventType::RetentionPurge, "RETENTION_PURGE"),
        (EventType::LegalHold, "LEGAL_HOLD"),
        (EventType::PrivacyRequest, "PRIVACY_REQUEST"),
    ];

    /// The stored name, e.g. `STOCK_MOVEMENT`.
    pub fn as_str(&self) -> &str {
        if let EventType::Other(name) = self {
            return name;
        }
        EventType::KNOWN
            .iter()
            .find(|(known, _)| known == self)
            .map_or("", |(_, name)| name)
    }

    /// Reads a stored or application-given name. Known names map to their variant; other
    /// well-formed names become [`EventType::Other`].
    ///
    /// ```
    /// use inventario_core::audit::EventType;
    /// assert_eq!(EventType::parse("LOGIN_FAILED"), Some(EventType::LoginFailed));
    /// assert_eq!(EventType::parse("CASH_DRAWER_OPENED").unwrap().as_str(), "CASH_DRAWER_OPENED");
    /// assert_eq!(EventType::parse("drop table"), None);
    /// ```
    pub fn parse(name: &str) -> Option<EventType> {
        if let Some((known, _)) = EventType::KNOWN.iter().find(|(_, n)| *n == name) {
            return Some(known.clone());
        }
        let mut chars = name.chars();
        let well_formed = name.len() <= 64
            && chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        well_formed.then(|| EventType::Other(name.to_owned()))
    }

    /// Whether this event is an access to decrypted personal data (what the off-hours and
    /// exfiltration detectors watch).
    pub fn is_sensitive_access(&self) -> bool {
        matches!(
            self,
            EventType::EncryptedDataDecrypt | EventType::DataExport | EventType::AccessRequest
        )
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the audited operation succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// It did.
    Success,
    /// It was attempted and failed (a decrypt that failed, a refused login).
    Failed,
}

impl Status {
    /// `SUCCESS` or `FAILED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
        }
    }

    /// Reads a stored status.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "SUCCESS" => Some(Status::Success),
            "FAILED" => Some(Status::Failed),
            _ => None,
        }
    }

    fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failed => 1,
        }
    }
}

/// What a record is about: a table and a row key (`products` / `42`, `customers` / `7`, or a
/// key scope such as `crypto_keys` / `customer:7`). Both may be empty for tenant-wide events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Target {
    /// The table (or kind of object).
    pub table: String,
    /// The row key within it.
    pub key: String,
}

impl Target {
    /// A target.
    pub fn new(table: impl Into<String>, key: impl Into<String>) -> Target {
        Target {
            table: table.into(),
            key: key.into(),
        }
    }

    /// No particular object (a tenant-wide event).
    pub fn none() -> Target {
        Target::default()
    }
}

/// One record of the audit chain, as stored.
///
/// `detail` is JSON without plaintext or keys: personal values appear only as HMACs. Conventions
/// the detectors and reports read: `detail.ip` (a source address the application recorded),
/// `detail.rows` (how many rows a decrypt or export returned), `detail.error` (the error kind of a
/// failure).
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// Position in the tenant's chain, from 1, without gaps.
    pub seq: u64,
    /// A UUID v7, unique across stores.
    pub event_id: Uuid,
    /// When, in UTC, to the microsecond.
    pub at: DateTime<Utc>,
    /// Who: the handle's actor or the call's override; never taken from the data.
    pub actor: String,
    /// What happened.
    pub event_type: EventType,
    /// What it happened to.
    pub target: Target,
    /// Whether it succeeded.
    pub status: Status,
    /// The key used, when a key was (a data key for decrypts, the rotated key, …).
    pub key_id: Option<u32>,
    /// Redacted details (JSON object).
    pub detail: serde_json::Value,
    /// The previous record's `hash` (32 zero bytes for the first).
    pub prev_hash: [u8; 32],
    /// `HMAC-SHA256(audit_key, prev_hash ‖ canonical record)`.
    pub hash: [u8; 32],
}

/// The fields a record is made of, borrowed, in canonical order: what the MAC covers.
#[derive(Clone, Copy, Debug)]
pub struct RecordFields<'a> {
    /// The tenant whose chain it is in.
    pub tenant: &'a str,
    /// Position in the chain.
    pub seq: u64,
    /// The record's UUID.
    pub event_id: Uuid,
    /// Microseconds since the Unix epoch, UTC.
    pub at_micros: i64,
    /// Who.
    pub actor: &'a str,
    /// The event type's stored name.
    pub event_type: &'a str,
    /// The target table.
    pub target_table: &'a str,
    /// The target row key.
    pub target_key: &'a str,
    /// Success or failure.
    pub status: Status,
    /// The key used, if any.
    pub key_id: Option<u32>,
    /// The detail JSON exactly as stored (its bytes are hashed, never re-serialised).
    pub detail: &'a str,
}

impl RecordFields<'_> {
    /// The canonical encoding (docs/FORMAT.md, "Audit record"): the version byte, then every
    /// field in order; strings as a big-endian u32 length and their UTF-8 bytes, integers
    /// big-endian, the key id as a presence byte and a u32.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.canonical_len());
        self.write_canonical(&mut out);
        out
    }

    /// Room for the canonical encoding: its fixed part and every string.
    fn canonical_len(&self) -> usize {
        64 + self.tenant.len()
            + self.actor.len()
            + self.event_type.len()
            + self.target_table.len()
            + self.target_key.len()
            + self.detail.len()
    }

    /// Appends the canonical encoding to `out` (what [`RecordFields::canonical`] returns), so
    /// that a caller hashing many records can reuse one buffer.
    pub(crate) fn write_canonical(&self, out: &mut Vec<u8>) {
        out.reserve(self.canonical_len());
        out.push(RECORD_VERSION);
        put_str(out, self.tenant);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(self.event_id.as_bytes());
        out.extend_from_slice(&self.at_micros.to_be_bytes());
        put_str(out, self.actor);
        put_str(out, self.event_type);
        put_str(out, self.target_table);
        put_str(out, self.target_key);
        out.push(self.status.code());
        match self.key_id {
            Some(id) => {
                out.push(1);
                out.extend_from_slice(&id.to_be_bytes());
            }
            None => out.extend_from_slice(&[0; 5]),
        }
        put_str(out, self.detail);
    }

    /// The record's chain MAC given its predecessor's hash.
    pub fn chain_hash(&self, audit_key: &[u8; 32], prev_hash: &[u8; 32]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(audit_key)
            .expect("HMAC takes keys of any length");
        mac.update(prev_hash);
        mac.update(&self.canonical());
        mac.finalize().into_bytes().into()
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Every field is bounded far below 4 GiB by the store's checks; saturate rather than wrap.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RecordFields<'static> {
        RecordFields {
            tenant: "default",
            seq: 1,
            event_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
            at_micros: 1_700_000_000_000_000,
            actor: "cajero-1",
            event_type: "STOCK_MOVEMENT",
            target_table: "stock_movements",
            target_key: "1",
            status: Status::Success,
            key_id: None,
            detail: "{}",
        }
    }

    #[test]
    fn every_field_is_covered_by_the_mac() {
        let key = [7u8; 32];
        let base = sample().chain_hash(&key, &GENESIS_HASH);
        let variants = [
            RecordFields {
                tenant: "other",
                ..sample()
            },
            RecordFields { seq: 2, ..sample() },
            RecordFields {
                event_id: Uuid::nil(),
                ..sample()
            },
            RecordFields {
                at_micros: 1,
                ..sample()
            },
            RecordFields {
                actor: "cajero-2",
                ..sample()
            },
            RecordFields {
                event_type: "PRICE_CHANGE",
                ..sample()
            },
            RecordFields {
                target_table: "products",
                ..sample()
            },
            RecordFields {
                target_key: "2",
                ..sample()
            },
            RecordFields {
                status: Status::Failed,
                ..sample()
            },
            RecordFields {
                key_id: Some(0),
                ..sample()
            },
            RecordFields {
                detail: "{ }",
                ..sample()
            },
        ];
        for variant in variants {
            assert_ne!(variant.chain_hash(&key, &GENESIS_HASH), base, "{variant:?}");
        }
        assert_ne!(sample().chain_hash(&key, &[1; 32]), base);
        assert_ne!(sample().chain_hash(&[8; 32], &GENESIS_HASH), base);
    }

    #[test]
    fn length_prefixes_keep_adjacent_fields_apart() {
        let a = RecordFields {
            actor: "ab",
            event_type: "C",
            ..sample()
        };
        let b = RecordFields {
            actor: "a",
            event_type: "BC",
            ..sample()
        };
        assert_ne!(a.canonical(), b.canonical());
    }

    #[test]
    fn event_type_names_round_trip() {
        for (known, name) in EventType::KNOWN.iter() {
            assert_eq!(known.as_str(), *name);
            assert_eq!(EventType::parse(name).as_ref(), Some(known));
        }
        for bad in ["", "lower", "1ABC", "WITH SPACE", &"A".repeat(65)] {
            assert_eq!(EventType::parse(bad), None, "{bad}");
        }
    }
}
