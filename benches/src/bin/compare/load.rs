//! The legacy system's write load test, run in process: virtual users creating products,
//! updating stock and sending bulk stock updates at once, as fast as they can, for a fixed time.
//! Reported as operations/s and latency percentiles next to the legacy thresholds
//! (P95 < 500 ms, > 50 requests/s).
//!
//! The mix each virtual user repeats: create a product (with initial stock), three stock
//! updates (a physical count setting one product's balance), one bulk update (counts of
//! [`BULK`] products in one transaction).

use std::time::{Duration, Instant};

use inventario_benches::store::{stocked_product, Backend, Shop};
use inventario_benches::timing::percentile;
use inventario_benches::BoxError;
use inventario_core::domain::values::Quantity;
use inventario_core::MovementRequest;
use serde_json::json;

use crate::report::Report;
use crate::Settings;

/// Concurrent virtual users.
const USERS: usize = 10;
/// Products counted by one bulk update.
const BULK: usize = 10;
/// Products in the store before the test.
const PRODUCTS: usize = 200;
/// The legacy thresholds.
const P95_LIMIT_S: f64 = 0.5;
const RATE_LIMIT: f64 = 50.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    CreateProduct,
    UpdateStock,
    BulkUpdate,
}

impl Op {
    const MIX: [Op; 5] = [
        Op::CreateProduct,
        Op::UpdateStock,
        Op::UpdateStock,
        Op::UpdateStock,
        Op::BulkUpdate,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::CreateProduct => "create product",
            Op::UpdateStock => "update stock",
            Op::BulkUpdate => "bulk update (10 products)",
        }
    }
}

pub(crate) async fn run(settings: &Settings, report: &mut Report) -> Result<(), BoxError> {
    let duration = if settings.quick {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(10)
    };
    for backend in settings.backends() {
        eprintln!("legacy write load test: {backend}, {USERS} users, {duration:?}");
        let connections = if backend == Backend::SqliteFile { 4 } else { 8 };
        let shop = Shop::new(&backend, PRODUCTS, connections).await?;
        let started = Instant::now();
        let users: Vec<_> = (0..USERS)
            .map(|user| {
                let inv = shop.inv.clone();
                let location = shop.location;
                let products = shop.products.clone();
                tokio::spawn(async move {
                    let mut latencies: Vec<(Op, f64)> = Vec::new();
                    let mut i = 0usize;
                    while started.elapsed() < duration {
                        let op = Op::MIX[i % Op::MIX.len()];
                        let counted = Quantity::from_units(100 + (i % 900) as i64)?;
                        let product = |k: usize| products[(user * 31 + i * 7 + k) % products.len()];
                        let began = Instant::now();
                        match op {
                            Op::CreateProduct => {
                                let sku = format!("LOAD-{user}-{i}");
                                inv.create_product(stocked_product(&sku, location)?).await?;
                            }
                            Op::UpdateStock => {
                                inv.record(MovementRequest::count(
                                    product(0),
                                    location,
                                    counted,
                                    "recuento",
                                ))
                                .await?;
                            }
                            Op::BulkUpdate => {
                                let counts: Vec<_> = (0..BULK)
                                    .map(|k| {
                                        MovementRequest::count(
                                            product(k),
                                            location,
                                            counted,
                                            "recuento",
                                        )
                                    })
                                    .collect();
                                inv.record_movements(&counts).await?;
                            }
                        }
                        latencies.push((op, began.elapsed().as_secs_f64()));
                        i += 1;
                    }
                    Ok::<_, BoxError>(latencies)
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for user in users {
            latencies.extend(user.await??);
        }
        let elapsed = started.elapsed().as_secs_f64();
        for op in [
            None,
            Some(Op::CreateProduct),
            Some(Op::UpdateStock),
            Some(Op::BulkUpdate),
        ] {
            let samples: Vec<f64> = latencies
                .iter()
                .filter(|(o, _)| op.is_none_or(|op| *o == op))
                .map(|&(_, s)| s)
                .collect();
            let rate = samples.len() as f64 / elapsed;
            let p95 = percentile(&samples, 95.0);
            let name = op.map_or("all operations", Op::name);
            eprintln!(
                "  {name}: {} ops, {rate:.0}/s, p95 {:.1} ms",
                samples.len(),
                p95 * 1e3
            );
            report.load(json!({
                "backend": backend.to_string(),
                "operation": name,
                "users": USERS,
                "seconds": elapsed,
                "count": samples.len(),
                "ops_per_s": rate,
                "p50_s": percentile(&samples, 50.0),
                "p95_s": p95,
                "p99_s": percentile(&samples, 99.0),
                "legacy_p95_limit_s": P95_LIMIT_S,
                "legacy_min_rate": RATE_LIMIT,
                "meets_legacy": op.is_none().then_some(p95 < P95_LIMIT_S && rate > RATE_LIMIT),
            }));
        }
        let mut audit = shop.inv.verify_audit(None).await?;
        if !audit.is_intact() {
            return Err(format!(
                "the audit chain broke under load: {:?}",
                audit.problem.take()
            )
            .into());
        }
        shop.remove().await?;
    }
    Ok(())
}
