//! Times key rotation on a SQLite file holding many encrypted fields: a master-key rotation
//! (rewraps keys, touches no field), then a data-key rotation of the `global` scope and the
//! re-encryption job that moves every global field onto the new key.
//!
//! ```sh
//! cargo run --release -p inventario-core --example rotation_timing -- [RECEIPTS]
//! ```
//!
//! The fields come from the public API: every receipt stores its unit cost encrypted, and every
//! product its average cost and its cost history (one entry here: each product is always received
//! at the same cost), so `RECEIPTS` receipts (100,000 by default) over 100 products give that
//! many fields and 200 more. A quick check, not a benchmark suite: the criterion benchmarks live in
//! `benches/`.

use std::time::Instant;

use inventario_core::crypto::MasterKey;
use inventario_core::domain::values::{Money, Quantity, Sku};
use inventario_core::{Inventory, MovementRequest, NewLocation, NewProduct};

/// Products the receipts are spread over.
const PRODUCTS: usize = 100;
/// Receipts per `record_movements` call.
const BATCH: usize = 10_000;
/// Rows per re-encryption transaction.
const REENCRYPT_BATCH: u32 = 1_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let receipts: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("rotation.db").display()
    );
    let inv = Inventory::open(&url, MasterKey::generate().into(), "bench").await?;
    let shop = inv
        .create_location(NewLocation::new("LOCAL", "Local"))
        .await?;
    let new_products = (0..PRODUCTS)
        .map(|i| {
            Ok(NewProduct::new(
                Sku::parse(&format!("ROT-{i:03}"))?,
                "Rotation",
                "100.00".parse::<Money>()?,
            ))
        })
        .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
    let products = inv.create_products(new_products).await?;

    let started = Instant::now();
    let one = Quantity::from_units(1)?;
    let mut recorded = 0;
    while recorded < receipts {
        let batch: Vec<_> = (recorded..receipts.min(recorded + BATCH))
            .map(|i| {
                // One cost per product: a changed cost would add a cost-history row (another
                // encrypted field) per receipt.
                let product = i % PRODUCTS;
                let cost = format!("{}.{:02}", 10 + product, product).parse()?;
                Ok(MovementRequest::receipt(
                    products[product].id,
                    shop.id,
                    one,
                    cost,
                ))
            })
            .collect::<Result<_, Box<dyn std::error::Error>>>()?;
        inv.record_movements(&batch).await?;
        recorded += batch.len();
    }
    let filled = started.elapsed();

    let keyring = inv.keyring();
    let started = Instant::now();
    let master = keyring
        .rotate_master_key(MasterKey::generate().into())
        .await?;
    let rotate_master = started.elapsed();

    let started = Instant::now();
    let rotation = keyring.rotate_data_key("global").await?;
    let rotate_data = started.elapsed();

    let started = Instant::now();
    let reports = keyring.reencrypt(REENCRYPT_BATCH, |_| {}).await?;
    let reencrypt = started.elapsed();
    let fields: u64 = reports
        .iter()
        .filter(|r| r.job_id == rotation.job_id)
        .map(|r| r.rows_done)
        .sum();

    println!(
        "receipts recorded:        {receipts} in {filled:.2?} ({:.0}/s, batches of {BATCH})",
        receipts as f64 / filled.as_secs_f64()
    );
    println!("encrypted fields (global): {fields}");
    println!(
        "rotate_master_key:        {:.2} ms ({} keys rewrapped)",
        rotate_master.as_secs_f64() * 1e3,
        master.rewrapped
    );
    println!(
        "rotate_data_key(global):  {:.2} ms",
        rotate_data.as_secs_f64() * 1e3
    );
    println!(
        "reencrypt(batch {REENCRYPT_BATCH}):  {:.2} s, {:.0} fields/s",
        reencrypt.as_secs_f64(),
        fields as f64 / reencrypt.as_secs_f64()
    );
    inv.close().await;
    Ok(())
}
