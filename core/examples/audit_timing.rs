//! Times the audit log: what its append adds to a stock movement on a SQLite file, how fast the
//! store verifies a chain, and how fast the verifier itself checks a million records.
//!
//! ```sh
//! cargo run --release -p inventario-core --example audit_timing -- [MOVEMENTS]
//! ```
//!
//! 1. `MOVEMENTS` (20,000 by default) single receipts, one command each, so one audit record
//!    each. The append's own time is read from `inventario_audit_append_seconds` (measured inside
//!    the same transactions), and the ratio is movement-with-audit over movement-without
//!    (the same time less the append).
//! 2. `verify_audit` over that chain (it reads the records back from the file).
//! 3. `ChainVerifier` over 1,000,000 records built in memory (the MAC work alone).
//!
//! A quick check, not a benchmark suite: the criterion benchmarks live in `benches/`.

use std::time::Instant;

use inventario_core::audit::{ChainVerifier, RecordFields, Status, StoredRecord, GENESIS_HASH};
use inventario_core::crypto::MasterKey;
use inventario_core::domain::values::{Money, Quantity, Sku};
use inventario_core::metrics::Metrics;
use inventario_core::{Inventory, MovementRequest, NewLocation, NewProduct, OpenOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let movements: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("audit.db").display()
    );
    let options = OpenOptions::new("bench")?.metrics(Metrics::with_prometheus());
    let inv = Inventory::open_with(&url, MasterKey::generate().into(), options).await?;
    let shop = inv
        .create_location(NewLocation::new("LOCAL", "Salón"))
        .await?;
    let product = inv
        .create_product(NewProduct::new(
            Sku::parse("ALM-AZUCAR-1KG")?,
            "Azúcar 1 kg",
            "1200.00".parse::<Money>()?,
        ))
        .await?;
    let appends_before = histogram(&inv, "inventario_audit_append_seconds")?;

    let started = Instant::now();
    for _ in 0..movements {
        inv.record(MovementRequest::receipt(
            product.id,
            shop.id,
            Quantity::from_units(1)?,
            "800".parse()?,
        ))
        .await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (append_sum, append_count) = histogram(&inv, "inventario_audit_append_seconds")?;
    let append_sum = append_sum - appends_before.0;
    let append_count = append_count - appends_before.1;
    let per_movement = elapsed / movements as f64;
    let per_append = append_sum / append_count;
    println!(
        "movements (one per command): {movements} in {elapsed:.2}s, {:.0}/s, {:.1} µs each",
        movements as f64 / elapsed,
        per_movement * 1e6
    );
    println!(
        "audit append inside them:    {:.1} µs mean over {append_count} appends",
        per_append * 1e6
    );
    println!(
        "movement with audit / without: {:.3}",
        per_movement / (per_movement - per_append)
    );

    let started = Instant::now();
    let report = inv.verify_audit(None).await?;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(report.is_intact());
    println!(
        "verify_audit (SQLite file):  {} records in {:.3}s, {:.0} records/s",
        report.checked,
        elapsed,
        report.checked as f64 / elapsed
    );

    let records = in_memory_chain(1_000_000);
    let started = Instant::now();
    let mut verifier = ChainVerifier::new(&KEY, "default", 0, GENESIS_HASH);
    for record in &records {
        verifier
            .check(record)
            .map_err(|()| "the in-memory chain must check")?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "ChainVerifier (in memory):   {} records in {:.3}s, {:.0} records/s",
        verifier.checked(),
        elapsed,
        verifier.checked() as f64 / elapsed
    );
    inv.close().await;
    Ok(())
}

const KEY: [u8; 32] = [0x5a; 32];

/// `(sum, count)` of a histogram in the handle's Prometheus text.
fn histogram(inv: &Inventory, name: &str) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let text = inv.metrics_text().ok_or("no registry")?;
    let read = |suffix: &str| -> Result<f64, Box<dyn std::error::Error>> {
        let prefix = format!("{name}_{suffix} ");
        let line = text
            .lines()
            .find(|l| l.starts_with(&prefix))
            .ok_or_else(|| format!("{prefix} missing"))?;
        Ok(line[prefix.len()..].trim().parse()?)
    };
    Ok((read("sum")?, read("count")?))
}

/// A genuine chain of `n` stock-movement-like records.
fn in_memory_chain(n: u64) -> Vec<StoredRecord> {
    let mut prev = GENESIS_HASH;
    (1..=n)
        .map(|seq| {
            let event_id = uuid_bytes(seq);
            let detail = format!(
                r#"{{"kind":"sale","location_id":1,"product_id":{},"quantity_milli":1000}}"#,
                seq % 500
            );
            let target_key = seq.to_string();
            let fields = RecordFields {
                tenant: "default",
                seq,
                event_id: uuid::Uuid::from_bytes(event_id),
                at_micros: 1_790_000_000_000_000 + seq as i64,
                actor: "caja-1",
                event_type: "STOCK_MOVEMENT",
                target_table: "stock_movements",
                target_key: &target_key,
                status: Status::Success,
                key_id: None,
                detail: &detail,
            };
            let hash = fields.chain_hash(&KEY, &prev);
            let record = StoredRecord {
                seq,
                event_id: event_id.to_vec(),
                at_micros: fields.at_micros,
                actor: fields.actor.to_owned(),
                event_type: fields.event_type.to_owned(),
                target_table: fields.target_table.to_owned(),
                target_key,
                status: "SUCCESS".to_owned(),
                key_id: None,
                detail,
                prev_hash: prev.to_vec(),
                hash: hash.to_vec(),
            };
            prev = hash;
            record
        })
        .collect()
}

fn uuid_bytes(seq: u64) -> [u8; 16] {
    let mut out = [0x70; 16];
    out[8..].copy_from_slice(&seq.to_be_bytes());
    out
}
