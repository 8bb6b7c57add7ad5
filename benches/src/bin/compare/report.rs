//! What the runner measured, as JSON for `benches/compare.py` (which prints the tables).

use serde_json::{json, Value};

/// Everything one run of `compare` measured.
#[derive(Default)]
pub(crate) struct Report {
    rows: Vec<Value>,
    targets: Vec<Value>,
    load: Vec<Value>,
    scaling: Vec<Value>,
}

/// Which way a target bounds a figure.
#[derive(Clone, Copy)]
pub(crate) enum Bound {
    /// The figure must be at least the target (a rate).
    AtLeast,
    /// The figure must be at most the target (a time).
    AtMost,
}

impl Report {
    /// Ours next to a peer on the same input: medians in seconds per call (or per batch).
    /// `target` is the largest `ours_s / peer_s` that DESIGN 8 allows, where it sets one.
    pub(crate) fn comparison(
        &mut self,
        what: &str,
        (ours, ours_s): (&str, f64),
        (peer, peer_s): (&str, f64),
        target: Option<f64>,
        note: &str,
    ) {
        eprintln!(
            "  {what}: ours {:.3} µs, {peer} {:.3} µs",
            ours_s * 1e6,
            peer_s * 1e6
        );
        self.rows.push(json!({
            "what": what, "ours": ours, "ours_s": ours_s, "peer": peer, "peer_s": peer_s,
            "target": target, "note": note,
        }));
    }

    /// An absolute figure, with the target DESIGN 8 sets for it, if any.
    pub(crate) fn target(
        &mut self,
        what: &str,
        value: f64,
        unit: &str,
        bound: Bound,
        target: Option<f64>,
    ) {
        let met = target.map(|target| match bound {
            Bound::AtLeast => value >= target,
            Bound::AtMost => value <= target,
        });
        let bound = match bound {
            Bound::AtLeast => "at_least",
            Bound::AtMost => "at_most",
        };
        eprintln!("  {what}: {value:.3} {unit} (target {bound} {target:?})");
        self.targets.push(json!({
            "what": what, "value": value, "unit": unit, "bound": bound, "target": target, "met": met,
        }));
    }

    /// One operation of the legacy write load test: its count and latency percentiles.
    pub(crate) fn load(&mut self, entry: Value) {
        self.load.push(entry);
    }

    /// One cost measured at three sizes, 10× apart.
    pub(crate) fn scaling(&mut self, what: &str, unit: &str, points: &[(u64, f64)]) {
        let slope = slope(points);
        eprintln!("  {what}: {points:?}, slope {slope:.2}");
        let points: Vec<Value> = points
            .iter()
            .map(|&(n, seconds)| json!({ "n": n, "seconds": seconds }))
            .collect();
        self.scaling
            .push(json!({ "what": what, "unit": unit, "points": points, "slope": slope }));
    }

    /// The whole report, with the environment it ran in.
    pub(crate) fn into_json(self, env: Value) -> Value {
        json!({
            "suite": "rust",
            "env": env,
            "rows": self.rows,
            "targets": self.targets,
            "load": self.load,
            "scaling": self.scaling,
        })
    }
}

/// The log-log slope from the smallest to the largest size: 1 when the cost grows in
/// proportion, below 1 when a fixed cost is spread, above 1 when each item costs more as the
/// size grows.
fn slope(points: &[(u64, f64)]) -> f64 {
    match (points.first(), points.last()) {
        (Some(&(n0, t0)), Some(&(n1, t1))) if n1 > n0 && t0 > 0.0 => {
            (t1 / t0).ln() / (n1 as f64 / n0 as f64).ln()
        }
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::slope;

    #[test]
    fn slope_is_one_for_proportional_cost_and_zero_for_a_fixed_one() {
        assert!((slope(&[(10, 1.0), (100, 10.0), (1000, 100.0)]) - 1.0).abs() < 1e-9);
        assert!(slope(&[(10, 2.0), (100, 2.0), (1000, 2.0)]).abs() < 1e-9);
        assert!((slope(&[(10, 1.0), (1000, 10_000.0)]) - 2.0).abs() < 1e-9);
        assert!(slope(&[(10, 1.0)]).is_nan());
    }
}
