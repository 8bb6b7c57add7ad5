//! Metrics hooks (DESIGN 5): counters, gauges and histograms with closed vocabularies, a sink
//! trait to send them anywhere, and a built-in Prometheus registry.
//!
//! - [`names`]: every metric this crate emits, as enums carrying the exposed name, help text and
//!   label names.
//! - [`labels`]: every label value, as enums. A [`Labels`] set can only be built from them, so a
//!   sample never carries a user id, a SKU, a path or a value.
//! - [`MetricsSink`]: where samples go; [`NoopSink`] drops them, [`PrometheusSink`] keeps them in
//!   a `prometheus-client` registry and renders the text exposition.
//! - [`Metrics`]: the cheap, cloneable handle the store holds and records through.
//!
//! Nothing here does I/O, allocates per sample on the no-op path, or panics on a bad sample: a
//! sample a sink cannot place is dropped.
//!
//! ```
//! use inventario_core::metrics::{Metrics, MovementKindLabel, OpResult};
//!
//! let metrics = Metrics::with_prometheus();
//! metrics.stock_movement(MovementKindLabel::Sale, OpResult::Ok, 0.000_8);
//! let text = metrics.render_prometheus().unwrap();
//! assert!(text.contains(r#"inventario_stock_movements_total{kind="sale",result="ok"} 1"#));
//! ```

mod handle;
pub mod labels;
pub mod names;
mod prometheus;
mod sink;

pub use handle::Metrics;
pub use labels::{
    AuditEventLabel, AuditStatusLabel, Backend, CryptoOp, CryptoResult, Labels, MovementKindLabel,
    OpResult,
};
pub use names::{CounterMetric, GaugeMetric, HistogramMetric, METRIC_PREFIX};
pub use prometheus::PrometheusSink;
pub use sink::{MetricsSink, NoopSink};

/// `docs/METRICS.md`'s Rust example, compiled and run as a doctest so that it stays true.
#[doc = include_str!("../../../docs/METRICS.md")]
#[cfg(doctest)]
pub struct MetricsDoctests;
