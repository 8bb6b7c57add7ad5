//! The sink trait every sample goes through, and the sink that drops them.

use super::labels::Labels;
use super::names::{CounterMetric, GaugeMetric, HistogramMetric};

/// Where samples go. Implement it to forward the crate's metrics to your own system (StatsD,
/// OpenTelemetry, a Python or Node callback).
///
/// The calls come from the store's hot paths, possibly from many threads at once: keep them
/// short, never block on I/O, and never panic. The `labels` always carry exactly the label names
/// of `metric` ([`CounterMetric::label_names`] and friends) when they come through
/// [`Metrics`](super::Metrics).
pub trait MetricsSink: Send + Sync + 'static {
    /// Adds `by` to a counter.
    fn counter(&self, metric: CounterMetric, labels: Labels, by: u64);

    /// Sets a gauge to `value`.
    fn gauge(&self, metric: GaugeMetric, labels: Labels, value: i64);

    /// Records one observation of a histogram, in seconds.
    fn histogram(&self, metric: HistogramMetric, labels: Labels, value: f64);
}

/// A sink that drops every sample: the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopSink;

impl MetricsSink for NoopSink {
    fn counter(&self, _metric: CounterMetric, _labels: Labels, _by: u64) {}

    fn gauge(&self, _metric: GaugeMetric, _labels: Labels, _value: i64) {}

    fn histogram(&self, _metric: HistogramMetric, _labels: Labels, _value: f64) {}
}
