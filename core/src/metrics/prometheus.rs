//! The built-in sink: a `prometheus-client` registry holding every metric, rendered in the
//! OpenMetrics text format.
//!
//! Every family is registered at construction and every label combination is created up front
//! (the vocabularies are closed, so there are few), so a scrape lists every series at zero before
//! the first sample and `rate()` alerts work from the first scrape.

use std::fmt;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{EncodeLabel, EncodeLabelSet, LabelSetEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Metric, Registry};

use super::labels::Labels;
use super::names::{all_names, CounterMetric, GaugeMetric, HistogramMetric, METRIC_PREFIX};
use super::sink::MetricsSink;

/// Histogram buckets: 1 µs doubling 24 times, up to about 8.4 s — from a cached-key field
/// decrypt to a slow PostgreSQL transaction or a PBKDF2 derivation.
const BUCKET_START_SECONDS: f64 = 1e-6;
const BUCKET_FACTOR: f64 = 2.0;
const BUCKET_COUNT: u16 = 24;

/// A [`MetricsSink`] that keeps every sample in a Prometheus registry.
///
/// ```
/// use inventario_core::metrics::{Labels, MetricsSink, CounterMetric, PrometheusSink};
///
/// let sink = PrometheusSink::new();
/// sink.counter(CounterMetric::AuditDropped, Labels::none(), 2);
/// assert!(sink.render().contains("\ninventario_audit_dropped_total 2\n"));
/// ```
pub struct PrometheusSink {
    registry: Registry,
    counters: Vec<Slot<Counter>>,
    gauges: Vec<Slot<Gauge>>,
    histograms: Vec<Slot<Histogram>>,
}

impl PrometheusSink {
    /// The HTTP `Content-Type` to serve [`render`](Self::render)'s output with.
    pub const CONTENT_TYPE: &'static str =
        "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// A registry with every metric registered, every series at zero.
    pub fn new() -> PrometheusSink {
        let prefix = METRIC_PREFIX.trim_end_matches('_');
        let mut registry = Registry::with_prefix(prefix);
        // prometheus-client adds the prefix and, for counters, the `_total` suffix itself.
        let short = |family: &'static str| family.strip_prefix(METRIC_PREFIX).unwrap_or(family);

        let counters = CounterMetric::ALL
            .iter()
            .map(|m| {
                let slot = Slot::new(m.label_names(), m.label_sets(), Counter::default);
                slot.register(&mut registry, short(m.family()), m.help());
                slot
            })
            .collect();
        let gauges = GaugeMetric::ALL
            .iter()
            .map(|m| {
                let slot = Slot::new(m.label_names(), m.label_sets(), Gauge::default);
                slot.register(&mut registry, short(m.name()), m.help());
                slot
            })
            .collect();
        let histograms = HistogramMetric::ALL
            .iter()
            .map(|m| {
                let slot = Slot::new(m.label_names(), m.label_sets(), new_histogram);
                slot.register(&mut registry, short(m.name()), m.help());
                slot
            })
            .collect();

        PrometheusSink {
            registry,
            counters,
            gauges,
            histograms,
        }
    }

    /// The whole registry in the OpenMetrics text format, `# EOF` included. Counters appear as
    /// `# TYPE inventario_encrypt counter` with samples named `inventario_encrypt_total`.
    ///
    /// Never panics: should encoding fail, the text says so in a comment.
    pub fn render(&self) -> String {
        let mut text = String::new();
        match encode(&mut text, &self.registry) {
            Ok(()) => text,
            Err(_) => "# inventario: the metrics could not be encoded\n# EOF\n".to_owned(),
        }
    }

    /// The exposed names of every registered metric: counters with `_total`, gauges, and
    /// histogram families (whose samples add `_bucket`, `_sum` and `_count`).
    pub fn metric_names(&self) -> Vec<&'static str> {
        all_names()
    }
}

impl Default for PrometheusSink {
    fn default() -> Self {
        PrometheusSink::new()
    }
}

impl fmt::Debug for PrometheusSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusSink")
            .field(
                "families",
                &(self.counters.len() + self.gauges.len() + self.histograms.len()),
            )
            .finish_non_exhaustive()
    }
}

impl MetricsSink for PrometheusSink {
    fn counter(&self, metric: CounterMetric, labels: Labels, by: u64) {
        if let Some(slot) = self.counters.get(metric as usize) {
            slot.with(labels, |counter| {
                counter.inc_by(by);
            });
        }
    }

    fn gauge(&self, metric: GaugeMetric, labels: Labels, value: i64) {
        if let Some(slot) = self.gauges.get(metric as usize) {
            slot.with(labels, |gauge| {
                gauge.set(value);
            });
        }
    }

    fn histogram(&self, metric: HistogramMetric, labels: Labels, value: f64) {
        // A NaN or infinite observation would poison `_sum` for good; a negative duration is a
        // clock mistake. Both are dropped.
        if !value.is_finite() || value < 0.0 {
            return;
        }
        if let Some(slot) = self.histograms.get(metric as usize) {
            slot.with(labels, |histogram| histogram.observe(value));
        }
    }
}

fn new_histogram() -> Histogram {
    Histogram::new(exponential_buckets(
        BUCKET_START_SECONDS,
        BUCKET_FACTOR,
        BUCKET_COUNT,
    ))
}

/// One registered metric: a bare one when it takes no labels (so it renders a zero sample from
/// the start), a family keyed by its label set otherwise.
enum Slot<M> {
    Plain(M),
    Family {
        names: &'static [&'static str],
        family: Family<Key, M, fn() -> M>,
    },
}

impl<M> Slot<M>
where
    M: Metric + Clone,
    Family<Key, M, fn() -> M>: Metric,
{
    fn new(names: &'static [&'static str], label_sets: Vec<Labels>, make: fn() -> M) -> Slot<M> {
        if names.is_empty() {
            return Slot::Plain(make());
        }
        let family = Family::new_with_constructor(make);
        for labels in label_sets {
            drop(family.get_or_create(&Key(labels)));
        }
        Slot::Family { names, family }
    }

    fn register(&self, registry: &mut Registry, name: &str, help: &str) {
        match self {
            Slot::Plain(metric) => registry.register(name, help, metric.clone()),
            Slot::Family { family, .. } => registry.register(name, help, family.clone()),
        }
    }

    /// Runs `apply` on the series for `labels`; a label set that does not fit is dropped.
    fn with(&self, labels: Labels, apply: impl FnOnce(&M)) {
        match self {
            Slot::Plain(metric) if labels.is_empty() => apply(metric),
            Slot::Family { names, family } if labels.has_names(names) => {
                apply(&family.get_or_create(&Key(labels)));
            }
            _ => {}
        }
    }
}

/// A [`Labels`] as a `prometheus-client` label set, kept private so that the public type does not
/// carry the dependency's traits.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key(Labels);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl EncodeLabelSet for Key {
    fn encode(&self, mut encoder: LabelSetEncoder<'_>) -> Result<(), fmt::Error> {
        for pair in self.0.as_slice() {
            pair.encode(encoder.encode_label())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::labels::{Backend, CryptoOp, MovementKindLabel, OpResult};

    #[test]
    fn slots_are_indexed_by_discriminant() {
        for (i, m) in CounterMetric::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
        for (i, m) in GaugeMetric::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
        for (i, m) in HistogramMetric::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
    }

    #[test]
    fn every_family_is_rendered_before_any_sample() {
        let text = PrometheusSink::new().render();
        for counter in CounterMetric::ALL {
            assert!(
                text.contains(&format!("# TYPE {} counter\n", counter.family())),
                "{text}"
            );
            assert!(!text.contains("_total_total"));
        }
        for gauge in GaugeMetric::ALL {
            assert!(text.contains(&format!("# TYPE {} gauge\n", gauge.name())));
        }
        for histogram in HistogramMetric::ALL {
            assert!(text.contains(&format!("# TYPE {} histogram\n", histogram.name())));
        }
        assert!(text.contains("\ninventario_audit_dropped_total 0\n"));
        assert!(text.contains("\ninventario_store_tx_retries_total{backend=\"postgres\"} 0\n"));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn mismatched_or_invalid_samples_are_dropped() {
        let sink = PrometheusSink::new();
        let before = sink.render();
        sink.counter(CounterMetric::Encrypt, Labels::backend(Backend::Sqlite), 1);
        sink.counter(
            CounterMetric::AuditDropped,
            Labels::backend(Backend::Sqlite),
            1,
        );
        sink.counter(CounterMetric::StockMovements, Labels::none(), 1);
        sink.histogram(
            HistogramMetric::CryptoOpSeconds,
            Labels::crypto_op(CryptoOp::Kdf),
            f64::NAN,
        );
        sink.histogram(HistogramMetric::AuditAppendSeconds, Labels::none(), -1.0);
        sink.histogram(
            HistogramMetric::StockMovementSeconds,
            Labels::none(),
            f64::INFINITY,
        );
        assert_eq!(sink.render(), before);

        sink.counter(
            CounterMetric::StockMovements,
            Labels::stock_movement(MovementKindLabel::Loss, OpResult::Error),
            4,
        );
        assert!(sink
            .render()
            .contains("inventario_stock_movements_total{kind=\"loss\",result=\"error\"} 4\n"));
    }
}
