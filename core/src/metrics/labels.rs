//! Label values, every one a closed enum, and [`Labels`], the label set a sink receives.
//!
//! A label set is built only by the typed constructors on [`Labels`], from these enums: there is
//! no way to put a free string (a user id, a SKU, a path, an amount) into a label.

use std::fmt;

use crate::audit::{EventType, Status};
use crate::domain::MovementKind;

/// Declares a closed label-value enum with its exposed strings, `ALL`, `as_str` and `Display`.
macro_rules! label_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in a stable order.
            pub const ALL: &'static [$name] = &[$( $name::$variant, )+];

            /// The value as exposed in the label.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $value, )+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

label_enum! {
    /// `kind` of `inventario_stock_movements_total`: what a stock command did, coarser than
    /// [`MovementKind`] (both halves of a transfer are `transfer`, both returns are `return`).
    MovementKindLabel {
        /// Goods received (a supplier receipt, or a product's initial stock).
        Receipt => "receipt",
        /// Goods sold.
        Sale => "sale",
        /// Goods returned, by a customer or to a supplier.
        Return => "return",
        /// A correction after a count.
        Adjustment => "adjustment",
        /// Goods moved between locations.
        Transfer => "transfer",
        /// Goods lost: expired, damaged, stolen.
        Loss => "loss",
        /// A ledger repair (a balance brought back in line with its ledger).
        Repair => "repair",
        /// A reservation made or released.
        Reservation => "reservation",
    }
}

impl From<MovementKind> for MovementKindLabel {
    /// Initial stock counts as a receipt (goods entering with a cost); returns and transfer halves
    /// fold into `return` and `transfer`. Repairs and reservations are not ledger kinds: the store
    /// names them itself.
    fn from(kind: MovementKind) -> Self {
        match kind {
            MovementKind::InitialStock | MovementKind::Receipt => MovementKindLabel::Receipt,
            MovementKind::Sale => MovementKindLabel::Sale,
            MovementKind::CustomerReturn | MovementKind::SupplierReturn => {
                MovementKindLabel::Return
            }
            MovementKind::Loss => MovementKindLabel::Loss,
            MovementKind::Adjustment => MovementKindLabel::Adjustment,
            MovementKind::TransferOut | MovementKind::TransferIn => MovementKindLabel::Transfer,
        }
    }
}

label_enum! {
    /// `result` of `inventario_stock_movements_total`.
    OpResult {
        /// Applied and committed.
        Ok => "ok",
        /// Refused by a rule (insufficient stock, inactive product, …): nothing was written.
        Refused => "refused",
        /// Failed for another reason (the store, the keyring, the audit log).
        Error => "error",
    }
}

label_enum! {
    /// `result` of `inventario_encrypt_total` and `inventario_decrypt_total`.
    CryptoResult {
        /// The envelope was produced or opened.
        Ok => "ok",
        /// It was not (a wrong key, a tampered or misplaced envelope, a missing key).
        Error => "error",
    }
}

impl CryptoResult {
    /// `Ok` for an `Ok(_)`, `Error` for an `Err(_)`.
    pub const fn of<T, E>(result: &Result<T, E>) -> CryptoResult {
        match result {
            Ok(_) => CryptoResult::Ok,
            Err(_) => CryptoResult::Error,
        }
    }
}

label_enum! {
    /// `op` of `inventario_crypto_op_seconds`.
    CryptoOp {
        /// Sealing a field into an envelope.
        Encrypt => "encrypt",
        /// Opening an envelope.
        Decrypt => "decrypt",
        /// Computing a blind index.
        BlindIndex => "blind_index",
        /// Wrapping a data key under the master key.
        Wrap => "wrap",
        /// Unwrapping a data key.
        Unwrap => "unwrap",
        /// Deriving a key from a passphrase (PBKDF2) or a parent key (HKDF).
        Kdf => "kdf",
    }
}

label_enum! {
    /// `backend` of `inventario_store_tx_retries_total`.
    Backend {
        /// The embedded SQLite store.
        Sqlite => "sqlite",
        /// A PostgreSQL server.
        Postgres => "postgres",
    }
}

label_enum! {
    /// `event_type` of `inventario_audit_events_total`: the audit log's own names, with every
    /// application-defined name folded into `OTHER` so the label stays closed.
    AuditEventLabel {
        /// `STOCK_MOVEMENT`.
        StockMovement => "STOCK_MOVEMENT",
        /// `STOCK_RESERVATION`.
        StockReservation => "STOCK_RESERVATION",
        /// `PRODUCT_CHANGE`.
        ProductChange => "PRODUCT_CHANGE",
        /// `PRICE_CHANGE`.
        PriceChange => "PRICE_CHANGE",
        /// `LOCATION_CHANGE`.
        LocationChange => "LOCATION_CHANGE",
        /// `SUPPLIER_CHANGE`.
        SupplierChange => "SUPPLIER_CHANGE",
        /// `PURCHASE_ORDER`.
        PurchaseOrder => "PURCHASE_ORDER",
        /// `SENSITIVE_DATA_MODIFY`.
        SensitiveDataModify => "SENSITIVE_DATA_MODIFY",
        /// `ENCRYPTED_DATA_DECRYPT`.
        EncryptedDataDecrypt => "ENCRYPTED_DATA_DECRYPT",
        /// `DECRYPT_FAILED`.
        DecryptFailed => "DECRYPT_FAILED",
        /// `KEY_CREATED`.
        KeyCreated => "KEY_CREATED",
        /// `KEY_ROTATED`.
        KeyRotated => "KEY_ROTATED",
        /// `DATA_REENCRYPTED`.
        DataReencrypted => "DATA_REENCRYPTED",
        /// `KEY_DESTROYED`.
        KeyDestroyed => "KEY_DESTROYED",
        /// `LOGIN_FAILED`.
        LoginFailed => "LOGIN_FAILED",
        /// `DATA_EXPORT`.
        DataExport => "DATA_EXPORT",
        /// `ACCESS_REQUEST`.
        AccessRequest => "ACCESS_REQUEST",
        /// `RETENTION_PURGE`.
        RetentionPurge => "RETENTION_PURGE",
        /// `LEGAL_HOLD`.
        LegalHold => "LEGAL_HOLD",
        /// `PRIVACY_REQUEST`.
        PrivacyRequest => "PRIVACY_REQUEST",
        /// Any other name, e.g. an application's own event type.
        Other => "OTHER",
    }
}

impl AuditEventLabel {
    /// The label for a stored event name; any name not listed above is `Other`.
    pub fn from_name(name: &str) -> AuditEventLabel {
        AuditEventLabel::ALL
            .iter()
            .copied()
            .find(|label| *label != AuditEventLabel::Other && label.as_str() == name)
            .unwrap_or(AuditEventLabel::Other)
    }
}

impl From<&EventType> for AuditEventLabel {
    fn from(event_type: &EventType) -> Self {
        match event_type {
            EventType::Other(_) => AuditEventLabel::Other,
            known => AuditEventLabel::from_name(known.as_str()),
        }
    }
}

label_enum! {
    /// `status` of `inventario_audit_events_total`, spelt as the audit record stores it.
    AuditStatusLabel {
        /// `SUCCESS`.
        Success => "SUCCESS",
        /// `FAILED`.
        Failed => "FAILED",
    }
}

impl From<Status> for AuditStatusLabel {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => AuditStatusLabel::Success,
            Status::Failed => AuditStatusLabel::Failed,
        }
    }
}

/// The labels of one sample: up to two `(name, value)` pairs, all `'static`, built only from the
/// enums above. `Copy`, so recording never allocates.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Labels {
    pairs: [(&'static str, &'static str); 2],
    len: u8,
}

impl Labels {
    const EMPTY: (&'static str, &'static str) = ("", "");

    /// No labels, for the metrics that take none.
    pub const fn none() -> Labels {
        Labels {
            pairs: [Labels::EMPTY; 2],
            len: 0,
        }
    }

    const fn one(name: &'static str, value: &'static str) -> Labels {
        Labels {
            pairs: [(name, value), Labels::EMPTY],
            len: 1,
        }
    }

    const fn two(a: (&'static str, &'static str), b: (&'static str, &'static str)) -> Labels {
        Labels {
            pairs: [a, b],
            len: 2,
        }
    }

    /// `{kind, result}`, for `inventario_stock_movements_total`.
    pub const fn stock_movement(kind: MovementKindLabel, result: OpResult) -> Labels {
        Labels::two(("kind", kind.as_str()), ("result", result.as_str()))
    }

    /// `{result}`, for `inventario_encrypt_total` and `inventario_decrypt_total`.
    pub const fn crypto_result(result: CryptoResult) -> Labels {
        Labels::one("result", result.as_str())
    }

    /// `{op}`, for `inventario_crypto_op_seconds`.
    pub const fn crypto_op(op: CryptoOp) -> Labels {
        Labels::one("op", op.as_str())
    }

    /// `{event_type, status}`, for `inventario_audit_events_total`.
    pub const fn audit_event(event_type: AuditEventLabel, status: AuditStatusLabel) -> Labels {
        Labels::two(
            ("event_type", event_type.as_str()),
            ("status", status.as_str()),
        )
    }

    /// `{backend}`, for `inventario_store_tx_retries_total`.
    pub const fn backend(backend: Backend) -> Labels {
        Labels::one("backend", backend.as_str())
    }

    /// The `(name, value)` pairs, in the order the metric declares its label names.
    pub fn as_slice(&self) -> &[(&'static str, &'static str)] {
        &self.pairs[..usize::from(self.len)]
    }

    /// The value of the label `name`, if this set has it.
    pub fn get(&self, name: &str) -> Option<&'static str> {
        self.as_slice()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the label names are exactly `names`, in that order.
    pub fn has_names(&self, names: &[&str]) -> bool {
        self.as_slice().len() == names.len()
            && self
                .as_slice()
                .iter()
                .zip(names)
                .all(|((n, _), want)| n == want)
    }
}

impl Default for Labels {
    fn default() -> Self {
        Labels::none()
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.as_slice().iter().map(|(n, v)| (n, v)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn assert_unique_and_shaped(values: &[&str], shape: fn(char) -> bool) {
        let unique: HashSet<_> = values.iter().collect();
        assert_eq!(
            unique.len(),
            values.len(),
            "duplicate label values in {values:?}"
        );
        for value in values {
            assert!(!value.is_empty(), "empty label value");
            assert!(!value.starts_with('_') && !value.ends_with('_'), "{value}");
            assert!(value.chars().all(shape), "{value} has the wrong shape");
        }
    }

    fn snake(c: char) -> bool {
        c.is_ascii_lowercase() || c == '_'
    }

    fn upper(c: char) -> bool {
        c.is_ascii_uppercase() || c == '_'
    }

    fn values<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| as_str(*v)).collect()
    }

    #[test]
    fn label_values_are_unique_and_shaped() {
        assert_unique_and_shaped(
            &values(MovementKindLabel::ALL, MovementKindLabel::as_str),
            snake,
        );
        assert_unique_and_shaped(&values(OpResult::ALL, OpResult::as_str), snake);
        assert_unique_and_shaped(&values(CryptoResult::ALL, CryptoResult::as_str), snake);
        assert_unique_and_shaped(&values(CryptoOp::ALL, CryptoOp::as_str), snake);
        assert_unique_and_shaped(&values(Backend::ALL, Backend::as_str), snake);
        assert_unique_and_shaped(
            &values(AuditEventLabel::ALL, AuditEventLabel::as_str),
            upper,
        );
        assert_unique_and_shaped(
            &values(AuditStatusLabel::ALL, AuditStatusLabel::as_str),
            upper,
        );
        assert_eq!(MovementKindLabel::ALL.len(), 8);
        assert_eq!(AuditEventLabel::ALL.len(), 21);
    }

    #[test]
    fn audit_labels_follow_the_audit_log_names() {
        for label in AuditEventLabel::ALL {
            assert_eq!(AuditEventLabel::from_name(label.as_str()), *label);
            if *label != AuditEventLabel::Other {
                let event = EventType::parse(label.as_str()).unwrap();
                assert!(
                    !matches!(event, EventType::Other(_)),
                    "{label} is not an audit name"
                );
                assert_eq!(AuditEventLabel::from(&event), *label);
            }
        }
        assert_eq!(
            AuditEventLabel::from_name("CASH_DRAWER_OPENED"),
            AuditEventLabel::Other
        );
        assert_eq!(
            AuditEventLabel::from_name("stock_movement"),
            AuditEventLabel::Other
        );
        let custom = EventType::parse("STOCK_MOVEMENT_X").unwrap();
        assert_eq!(AuditEventLabel::from(&custom), AuditEventLabel::Other);
        assert_eq!(
            AuditStatusLabel::from(Status::Success).as_str(),
            Status::Success.as_str()
        );
        assert_eq!(
            AuditStatusLabel::from(Status::Failed).as_str(),
            Status::Failed.as_str()
        );
    }

    #[test]
    fn every_movement_kind_has_a_label() {
        for kind in MovementKind::ALL {
            let label = MovementKindLabel::from(kind);
            assert!(MovementKindLabel::ALL.contains(&label));
        }
        assert_eq!(
            MovementKindLabel::from(MovementKind::TransferIn),
            MovementKindLabel::Transfer
        );
    }

    #[test]
    fn labels_expose_their_pairs() {
        let labels = Labels::stock_movement(MovementKindLabel::Sale, OpResult::Refused);
        assert_eq!(
            labels.as_slice(),
            &[("kind", "sale"), ("result", "refused")]
        );
        assert_eq!(labels.get("result"), Some("refused"));
        assert!(labels.has_names(&["kind", "result"]));
        assert!(!labels.has_names(&["result"]));
        assert!(Labels::none().is_empty());
        assert_eq!(
            format!("{:?}", Labels::backend(Backend::Sqlite)),
            r#"{"backend": "sqlite"}"#
        );
        assert_eq!(CryptoResult::of(&Ok::<(), ()>(())), CryptoResult::Ok);
        assert_eq!(CryptoResult::of(&Err::<(), ()>(())), CryptoResult::Error);
    }
}
