//! Every metric this crate emits: one enum per metric type, each variant carrying its exposed
//! name, its help text and the names of the labels it takes.
//!
//! The names are a contract with dashboards and alert rules (`docs/METRICS.md`): change one only
//! with the document and a note in the changelog.

use super::labels::{
    AuditEventLabel, AuditStatusLabel, Backend, CryptoOp, CryptoResult, Labels, MovementKindLabel,
    OpResult,
};

/// The prefix of every exposed name.
pub const METRIC_PREFIX: &str = "inventario_";

/// A monotonically increasing count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CounterMetric {
    /// `inventario_stock_movements_total{kind,result}`.
    StockMovements,
    /// `inventario_encrypt_total{result}`.
    Encrypt,
    /// `inventario_decrypt_total{result}`.
    Decrypt,
    /// `inventario_key_rotation_rewrapped_total`.
    KeyRotationRewrapped,
    /// `inventario_reencrypt_rows_total`.
    ReencryptRows,
    /// `inventario_audit_events_total{event_type,status}`.
    AuditEvents,
    /// `inventario_audit_dropped_total`.
    AuditDropped,
    /// `inventario_audit_verify_failures_total`.
    AuditVerifyFailures,
    /// `inventario_store_tx_retries_total{backend}`.
    StoreTxRetries,
}

impl CounterMetric {
    /// Every counter, in the order they are registered and rendered.
    pub const ALL: &'static [CounterMetric] = &[
        CounterMetric::StockMovements,
        CounterMetric::Encrypt,
        CounterMetric::Decrypt,
        CounterMetric::KeyRotationRewrapped,
        CounterMetric::ReencryptRows,
        CounterMetric::AuditEvents,
        CounterMetric::AuditDropped,
        CounterMetric::AuditVerifyFailures,
        CounterMetric::StoreTxRetries,
    ];

    /// The exposed sample name, `_total` included, e.g. `inventario_encrypt_total`.
    pub const fn name(self) -> &'static str {
        match self {
            CounterMetric::StockMovements => "inventario_stock_movements_total",
            CounterMetric::Encrypt => "inventario_encrypt_total",
            CounterMetric::Decrypt => "inventario_decrypt_total",
            CounterMetric::KeyRotationRewrapped => "inventario_key_rotation_rewrapped_total",
            CounterMetric::ReencryptRows => "inventario_reencrypt_rows_total",
            CounterMetric::AuditEvents => "inventario_audit_events_total",
            CounterMetric::AuditDropped => "inventario_audit_dropped_total",
            CounterMetric::AuditVerifyFailures => "inventario_audit_verify_failures_total",
            CounterMetric::StoreTxRetries => "inventario_store_tx_retries_total",
        }
    }

    /// The OpenMetrics family name: [`name`](Self::name) without `_total`, as it appears in the
    /// `# HELP` and `# TYPE` lines of the text exposition.
    pub fn family(self) -> &'static str {
        let name = self.name();
        name.strip_suffix("_total").unwrap_or(name)
    }

    /// What it counts.
    pub const fn help(self) -> &'static str {
        match self {
            CounterMetric::StockMovements => {
                "Stock commands handled, by movement kind and result (ok, refused by a rule, error)"
            }
            CounterMetric::Encrypt => "Fields encrypted, by result",
            CounterMetric::Decrypt => "Fields decrypted, by result",
            CounterMetric::KeyRotationRewrapped => {
                "Data keys re-wrapped under a new master key by key rotations"
            }
            CounterMetric::ReencryptRows => "Rows moved onto the active data key by re-encryption",
            CounterMetric::AuditEvents => "Audit events appended, by event type and status",
            CounterMetric::AuditDropped => {
                "Audit events that could not be written and were dropped (fail-open mode only)"
            }
            CounterMetric::AuditVerifyFailures => {
                "Audit chain verifications that found a bad record"
            }
            CounterMetric::StoreTxRetries => {
                "Store transactions retried after a busy, serialization or deadlock error"
            }
        }
    }

    /// The label names, in order.
    pub const fn label_names(self) -> &'static [&'static str] {
        match self {
            CounterMetric::StockMovements => &["kind", "result"],
            CounterMetric::Encrypt | CounterMetric::Decrypt => &["result"],
            CounterMetric::AuditEvents => &["event_type", "status"],
            CounterMetric::StoreTxRetries => &["backend"],
            CounterMetric::KeyRotationRewrapped
            | CounterMetric::ReencryptRows
            | CounterMetric::AuditDropped
            | CounterMetric::AuditVerifyFailures => &[],
        }
    }

    /// Every label set this counter can carry (one empty set for an unlabelled counter).
    pub fn label_sets(self) -> Vec<Labels> {
        match self {
            CounterMetric::StockMovements => MovementKindLabel::ALL
                .iter()
                .flat_map(|kind| {
                    OpResult::ALL
                        .iter()
                        .map(|r| Labels::stock_movement(*kind, *r))
                })
                .collect(),
            CounterMetric::Encrypt | CounterMetric::Decrypt => CryptoResult::ALL
                .iter()
                .map(|r| Labels::crypto_result(*r))
                .collect(),
            CounterMetric::AuditEvents => AuditEventLabel::ALL
                .iter()
                .flat_map(|event| {
                    AuditStatusLabel::ALL
                        .iter()
                        .map(|s| Labels::audit_event(*event, *s))
                })
                .collect(),
            CounterMetric::StoreTxRetries => {
                Backend::ALL.iter().map(|b| Labels::backend(*b)).collect()
            }
            CounterMetric::KeyRotationRewrapped
            | CounterMetric::ReencryptRows
            | CounterMetric::AuditDropped
            | CounterMetric::AuditVerifyFailures => vec![Labels::none()],
        }
    }
}

/// A value that goes up and down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GaugeMetric {
    /// `inventario_low_stock_products`.
    LowStockProducts,
}

impl GaugeMetric {
    /// Every gauge, in the order they are registered and rendered.
    pub const ALL: &'static [GaugeMetric] = &[GaugeMetric::LowStockProducts];

    /// The exposed name.
    pub const fn name(self) -> &'static str {
        match self {
            GaugeMetric::LowStockProducts => "inventario_low_stock_products",
        }
    }

    /// What it measures.
    pub const fn help(self) -> &'static str {
        match self {
            GaugeMetric::LowStockProducts => {
                "Active products at or below their minimum stock, as of the last computation"
            }
        }
    }

    /// The label names, in order.
    pub const fn label_names(self) -> &'static [&'static str] {
        match self {
            GaugeMetric::LowStockProducts => &[],
        }
    }

    /// Every label set this gauge can carry (one empty set for an unlabelled gauge).
    pub fn label_sets(self) -> Vec<Labels> {
        match self {
            GaugeMetric::LowStockProducts => vec![Labels::none()],
        }
    }
}

/// A distribution of durations, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HistogramMetric {
    /// `inventario_stock_movement_seconds`.
    StockMovementSeconds,
    /// `inventario_crypto_op_seconds{op}`.
    CryptoOpSeconds,
    /// `inventario_audit_append_seconds`.
    AuditAppendSeconds,
}

impl HistogramMetric {
    /// Every histogram, in the order they are registered and rendered.
    pub const ALL: &'static [HistogramMetric] = &[
        HistogramMetric::StockMovementSeconds,
        HistogramMetric::CryptoOpSeconds,
        HistogramMetric::AuditAppendSeconds,
    ];

    /// The exposed family name; the samples add `_bucket`, `_sum` and `_count`.
    pub const fn name(self) -> &'static str {
        match self {
            HistogramMetric::StockMovementSeconds => "inventario_stock_movement_seconds",
            HistogramMetric::CryptoOpSeconds => "inventario_crypto_op_seconds",
            HistogramMetric::AuditAppendSeconds => "inventario_audit_append_seconds",
        }
    }

    /// What it measures.
    pub const fn help(self) -> &'static str {
        match self {
            HistogramMetric::StockMovementSeconds => {
                "Time to handle one stock command, transaction included, in seconds"
            }
            HistogramMetric::CryptoOpSeconds => "Time of one cryptographic operation, in seconds",
            HistogramMetric::AuditAppendSeconds => "Time to append one audit event, in seconds",
        }
    }

    /// The label names, in order.
    pub const fn label_names(self) -> &'static [&'static str] {
        match self {
            HistogramMetric::CryptoOpSeconds => &["op"],
            HistogramMetric::StockMovementSeconds | HistogramMetric::AuditAppendSeconds => &[],
        }
    }

    /// Every label set this histogram can carry (one empty set for an unlabelled histogram).
    pub fn label_sets(self) -> Vec<Labels> {
        match self {
            HistogramMetric::CryptoOpSeconds => CryptoOp::ALL
                .iter()
                .map(|op| Labels::crypto_op(*op))
                .collect(),
            HistogramMetric::StockMovementSeconds | HistogramMetric::AuditAppendSeconds => {
                vec![Labels::none()]
            }
        }
    }
}

/// Every exposed name: counters with `_total`, then gauges, then histogram families.
pub(crate) fn all_names() -> Vec<&'static str> {
    CounterMetric::ALL
        .iter()
        .map(|m| m.name())
        .chain(GaugeMetric::ALL.iter().map(|m| m.name()))
        .chain(HistogramMetric::ALL.iter().map(|m| m.name()))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_are_prefixed_unique_and_well_formed() {
        let names = all_names();
        assert_eq!(names.len(), 13);
        assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
        for name in &names {
            assert!(name.starts_with(METRIC_PREFIX), "{name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}"
            );
        }
        for counter in CounterMetric::ALL {
            assert!(counter.name().ends_with("_total"));
            assert!(!counter.family().ends_with("_total"));
        }
        for histogram in HistogramMetric::ALL {
            assert!(histogram.name().ends_with("_seconds"));
        }
    }

    #[test]
    fn label_sets_match_label_names() {
        for counter in CounterMetric::ALL {
            for labels in counter.label_sets() {
                assert!(
                    labels.has_names(counter.label_names()),
                    "{counter:?} {labels:?}"
                );
            }
        }
        for gauge in GaugeMetric::ALL {
            for labels in gauge.label_sets() {
                assert!(labels.has_names(gauge.label_names()));
            }
        }
        for histogram in HistogramMetric::ALL {
            for labels in histogram.label_sets() {
                assert!(labels.has_names(histogram.label_names()));
            }
        }
        assert_eq!(CounterMetric::StockMovements.label_sets().len(), 8 * 3);
        assert_eq!(CounterMetric::AuditEvents.label_sets().len(), 21 * 2);
    }

    #[test]
    fn help_texts_end_without_a_full_stop() {
        // prometheus-client adds the full stop itself.
        let helps = CounterMetric::ALL
            .iter()
            .map(|m| m.help())
            .chain(GaugeMetric::ALL.iter().map(|m| m.help()))
            .chain(HistogramMetric::ALL.iter().map(|m| m.help()));
        for help in helps {
            assert!(!help.ends_with('.') && !help.contains('\n'), "{help}");
        }
    }
}
