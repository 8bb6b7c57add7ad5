//! Timing for the comparison runner: medians of rounds, and percentiles of samples.
//!
//! Criterion does this for the benchmarks; the runner times by hand because it also times
//! things criterion cannot hold in one process (a PostgreSQL query per size, a load test).

use std::time::{Duration, Instant};

/// The median of `samples` (the mean of the middle two for an even count); 0 when empty.
pub fn median(samples: &[f64]) -> f64 {
    percentile(samples, 50.0)
}

/// The `p`-th percentile (0–100) of `samples`, by linear interpolation between the closest
/// ranks (the method of numpy's default and of Excel's `PERCENTILE.INC`); 0 when empty.
///
/// ```
/// use inventario_benches::timing::percentile;
/// assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 50.0), 2.5);
/// assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 95.0), 4.8);
/// ```
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = p.clamp(0.0, 100.0) / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

/// How long [`per_call`] measures.
#[derive(Clone, Copy, Debug)]
pub struct Rounds {
    /// Timed rounds; the result is their median.
    pub rounds: usize,
    /// About how long one round runs.
    pub round: Duration,
}

impl Rounds {
    /// 7 rounds of about 100 ms.
    pub const FULL: Rounds = Rounds {
        rounds: 7,
        round: Duration::from_millis(100),
    };
    /// 3 rounds of about 5 ms: a smoke run, not a measurement.
    pub const QUICK: Rounds = Rounds {
        rounds: 3,
        round: Duration::from_millis(5),
    };
}

/// The median, over `rounds` timed rounds, of the time per call of `f`, in seconds.
///
/// A warm-up run sizes the rounds: each round makes as many calls as fit in `rounds.round`.
pub fn per_call<T>(rounds: Rounds, mut f: impl FnMut() -> T) -> f64 {
    let started = Instant::now();
    let mut warmup = 0u64;
    while started.elapsed() < rounds.round / 2 || warmup == 0 {
        std::hint::black_box(f());
        warmup += 1;
    }
    let per = started.elapsed().as_secs_f64() / warmup as f64;
    let calls = ((rounds.round.as_secs_f64() / per) as u64).max(1);
    let samples: Vec<f64> = (0..rounds.rounds)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..calls {
                std::hint::black_box(f());
            }
            started.elapsed().as_secs_f64() / calls as f64
        })
        .collect();
    median(&samples)
}
