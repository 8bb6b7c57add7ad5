//! [`Metrics`], the handle the store holds: typed recording calls over zero or more sinks.

use std::fmt;
use std::sync::Arc;

use super::labels::{
    AuditEventLabel, AuditStatusLabel, Backend, CryptoOp, CryptoResult, Labels, MovementKindLabel,
    OpResult,
};
use super::names::{CounterMetric, GaugeMetric, HistogramMetric};
use super::prometheus::PrometheusSink;
use super::sink::MetricsSink;

/// Where the crate's metrics go: nowhere ([`Metrics::noop`], the default), the built-in
/// Prometheus registry ([`Metrics::with_prometheus`]), your own [`MetricsSink`]
/// ([`Metrics::new`]), or several at once ([`Metrics::also`], [`Metrics::fanout`]).
///
/// Cloning is cheap (one reference count) and clones share the sinks. A no-op handle is a `None`:
/// every recording call is one branch, with no allocation and no dynamic call.
///
/// ```
/// use std::sync::Arc;
/// use inventario_core::metrics::{Backend, Metrics, NoopSink};
///
/// let metrics = Metrics::with_prometheus().also(Arc::new(NoopSink));
/// metrics.tx_retry(Backend::Sqlite);
/// let text = metrics.render_prometheus().unwrap();
/// assert!(text.contains(r#"inventario_store_tx_retries_total{backend="sqlite"} 1"#));
/// ```
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    /// Every sink, the built-in registry included, in the order they were attached.
    sinks: Vec<Arc<dyn MetricsSink>>,
    /// The built-in registry, when one is attached, to render it.
    prometheus: Option<Arc<PrometheusSink>>,
}

impl Metrics {
    /// A handle that records nothing.
    pub const fn noop() -> Metrics {
        Metrics { inner: None }
    }

    /// A handle that sends every sample to `sink`.
    pub fn new(sink: Arc<dyn MetricsSink>) -> Metrics {
        Metrics::noop().also(sink)
    }

    /// A handle that sends every sample to every one of `sinks` (none: a no-op handle).
    pub fn fanout(sinks: impl IntoIterator<Item = Arc<dyn MetricsSink>>) -> Metrics {
        sinks.into_iter().fold(Metrics::noop(), Metrics::also)
    }

    /// A handle with its own built-in Prometheus registry; see [`render_prometheus`](Self::render_prometheus).
    pub fn with_prometheus() -> Metrics {
        Metrics::noop().also_prometheus(Arc::new(PrometheusSink::new()))
    }

    /// This handle's sinks plus `sink`: every sample reaches all of them.
    pub fn also(self, sink: Arc<dyn MetricsSink>) -> Metrics {
        self.attach(sink, None)
    }

    /// This handle's sinks plus a built-in registry you already hold (one registry can then be
    /// shared by several handles). It replaces any registry [`render_prometheus`] rendered
    /// before, though the old one keeps receiving samples.
    ///
    /// [`render_prometheus`]: Self::render_prometheus
    pub fn also_prometheus(self, registry: Arc<PrometheusSink>) -> Metrics {
        let sink: Arc<dyn MetricsSink> = registry.clone();
        self.attach(sink, Some(registry))
    }

    fn attach(self, sink: Arc<dyn MetricsSink>, registry: Option<Arc<PrometheusSink>>) -> Metrics {
        let (mut sinks, mut prometheus) = match self.inner {
            Some(inner) => (inner.sinks.clone(), inner.prometheus.clone()),
            None => (Vec::new(), None),
        };
        sinks.push(sink);
        if registry.is_some() {
            prometheus = registry;
        }
        Metrics {
            inner: Some(Arc::new(Inner { sinks, prometheus })),
        }
    }

    /// Whether any sink is attached. Callers can skip measuring a duration when it is not.
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The built-in registry's text exposition (OpenMetrics, serve it with
    /// [`PrometheusSink::CONTENT_TYPE`]), or `None` when no built-in registry is attached.
    pub fn render_prometheus(&self) -> Option<String> {
        let inner = self.inner.as_ref()?;
        inner.prometheus.as_ref().map(|registry| registry.render())
    }

    /// Adds `by` to a counter in every sink.
    pub fn counter(&self, metric: CounterMetric, labels: Labels, by: u64) {
        if let Some(inner) = &self.inner {
            for sink in &inner.sinks {
                sink.counter(metric, labels, by);
            }
        }
    }

    /// Sets a gauge in every sink.
    pub fn gauge(&self, metric: GaugeMetric, labels: Labels, value: i64) {
        if let Some(inner) = &self.inner {
            for sink in &inner.sinks {
                sink.gauge(metric, labels, value);
            }
        }
    }

    /// Records a duration, in seconds, in every sink.
    pub fn histogram(&self, metric: HistogramMetric, labels: Labels, seconds: f64) {
        if let Some(inner) = &self.inner {
            for sink in &inner.sinks {
                sink.histogram(metric, labels, seconds);
            }
        }
    }

    /// A stock command finished: counts it by kind and result and records how long it took.
    pub fn stock_movement(&self, kind: MovementKindLabel, result: OpResult, seconds: f64) {
        self.counter(
            CounterMetric::StockMovements,
            Labels::stock_movement(kind, result),
            1,
        );
        self.histogram(
            HistogramMetric::StockMovementSeconds,
            Labels::none(),
            seconds,
        );
    }

    /// The number of active products at or below their minimum stock, as just computed.
    pub fn low_stock_products(&self, n: i64) {
        self.gauge(GaugeMetric::LowStockProducts, Labels::none(), n);
    }

    /// One field encrypted, or not.
    pub fn encrypt(&self, result: CryptoResult) {
        self.counter(CounterMetric::Encrypt, Labels::crypto_result(result), 1);
    }

    /// `n` fields decrypted with this result (a bulk decrypt counts each field).
    pub fn decrypt(&self, result: CryptoResult, n: u64) {
        self.counter(CounterMetric::Decrypt, Labels::crypto_result(result), n);
    }

    /// How long one cryptographic operation took.
    pub fn crypto_op(&self, op: CryptoOp, seconds: f64) {
        self.histogram(
            HistogramMetric::CryptoOpSeconds,
            Labels::crypto_op(op),
            seconds,
        );
    }

    /// `n` data keys re-wrapped by a master-key rotation.
    pub fn key_rotation_rewrapped(&self, n: u64) {
        self.counter(CounterMetric::KeyRotationRewrapped, Labels::none(), n);
    }

    /// `n` rows moved onto the active data key by a re-encryption batch.
    pub fn reencrypt_rows(&self, n: u64) {
        self.counter(CounterMetric::ReencryptRows, Labels::none(), n);
    }

    /// One audit event appended.
    pub fn audit_event(&self, event_type: AuditEventLabel, status: AuditStatusLabel) {
        self.counter(
            CounterMetric::AuditEvents,
            Labels::audit_event(event_type, status),
            1,
        );
    }

    /// How long appending one audit event took.
    pub fn audit_append(&self, seconds: f64) {
        self.histogram(HistogramMetric::AuditAppendSeconds, Labels::none(), seconds);
    }

    /// One audit event could not be written and was dropped (fail-open mode).
    pub fn audit_dropped(&self) {
        self.counter(CounterMetric::AuditDropped, Labels::none(), 1);
    }

    /// One audit chain verification found a bad record.
    pub fn audit_verify_failure(&self) {
        self.counter(CounterMetric::AuditVerifyFailures, Labels::none(), 1);
    }

    /// One store transaction retried after a busy, serialization or deadlock error.
    pub fn tx_retry(&self, backend: Backend) {
        self.counter(CounterMetric::StoreTxRetries, Labels::backend(backend), 1);
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sinks, prometheus) = self.inner.as_ref().map_or((0, false), |inner| {
            (inner.sinks.len(), inner.prometheus.is_some())
        });
        f.debug_struct("Metrics")
            .field("sinks", &sinks)
            .field("prometheus", &prometheus)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Remembers every sample, as text.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Recorder {
        fn push(&self, sample: String) {
            if let Ok(mut samples) = self.0.lock() {
                samples.push(sample);
            }
        }

        fn samples(&self) -> Vec<String> {
            self.0.lock().map(|s| s.clone()).unwrap_or_default()
        }
    }

    impl MetricsSink for Recorder {
        fn counter(&self, metric: CounterMetric, labels: Labels, by: u64) {
            self.push(format!("{} {labels:?} {by}", metric.name()));
        }

        fn gauge(&self, metric: GaugeMetric, labels: Labels, value: i64) {
            self.push(format!("{} {labels:?} {value}", metric.name()));
        }

        fn histogram(&self, metric: HistogramMetric, labels: Labels, value: f64) {
            self.push(format!("{} {labels:?} {value}", metric.name()));
        }
    }

    fn record_everything(metrics: &Metrics) {
        metrics.stock_movement(MovementKindLabel::Sale, OpResult::Ok, 0.001);
        metrics.low_stock_products(3);
        metrics.encrypt(CryptoResult::Ok);
        metrics.decrypt(CryptoResult::Error, 2);
        metrics.crypto_op(CryptoOp::Kdf, 0.25);
        metrics.key_rotation_rewrapped(4);
        metrics.reencrypt_rows(500);
        metrics.audit_event(AuditEventLabel::DecryptFailed, AuditStatusLabel::Failed);
        metrics.audit_append(0.000_05);
        metrics.audit_dropped();
        metrics.audit_verify_failure();
        metrics.tx_retry(Backend::Postgres);
    }

    #[test]
    fn noop_records_nothing_and_renders_nothing() {
        let metrics = Metrics::noop();
        assert!(!metrics.is_enabled());
        record_everything(&metrics);
        assert_eq!(metrics.render_prometheus(), None);
        assert!(!Metrics::default().is_enabled());
        assert!(!Metrics::fanout([]).is_enabled());
        assert_eq!(
            format!("{metrics:?}"),
            "Metrics { sinks: 0, prometheus: false }"
        );
    }

    #[test]
    fn a_sink_gets_every_sample_with_matching_labels() {
        let recorder = Arc::new(Recorder::default());
        let metrics = Metrics::new(recorder.clone());
        assert!(metrics.is_enabled());
        record_everything(&metrics);
        let samples = recorder.samples();
        assert_eq!(samples.len(), 13);
        assert_eq!(
            samples[0],
            r#"inventario_stock_movements_total {"kind": "sale", "result": "ok"} 1"#
        );
        assert_eq!(samples[1], "inventario_stock_movement_seconds {} 0.001");
        assert_eq!(
            samples[12],
            r#"inventario_store_tx_retries_total {"backend": "postgres"} 1"#
        );
        assert_eq!(
            metrics.render_prometheus(),
            None,
            "no built-in registry attached"
        );
    }

    #[test]
    fn fanout_reaches_every_sink_and_the_registry() {
        let first = Arc::new(Recorder::default());
        let second = Arc::new(Recorder::default());
        let sinks: [Arc<dyn MetricsSink>; 2] = [first.clone(), second.clone()];
        let metrics = Metrics::fanout(sinks);
        metrics.audit_dropped();
        assert_eq!(first.samples(), ["inventario_audit_dropped_total {} 1"]);
        assert_eq!(second.samples(), first.samples());

        let third = Arc::new(Recorder::default());
        let metrics = Metrics::with_prometheus().also(third.clone());
        let clone = metrics.clone();
        clone.audit_verify_failure();
        assert_eq!(
            third.samples(),
            ["inventario_audit_verify_failures_total {} 1"]
        );
        let text = metrics.render_prometheus().unwrap();
        assert!(
            text.contains("\ninventario_audit_verify_failures_total 1\n"),
            "{text}"
        );
        assert_eq!(
            format!("{metrics:?}"),
            "Metrics { sinks: 2, prometheus: true }"
        );
    }

    #[test]
    fn a_shared_registry_sums_its_handles() {
        let registry = Arc::new(PrometheusSink::new());
        let a = Metrics::noop().also_prometheus(registry.clone());
        let b = Metrics::noop().also_prometheus(registry.clone());
        a.reencrypt_rows(2);
        b.reencrypt_rows(3);
        assert!(registry
            .render()
            .contains("\ninventario_reencrypt_rows_total 5\n"));
        assert_eq!(a.render_prometheus(), b.render_prometheus());
    }
}
