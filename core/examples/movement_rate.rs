//! Measures stock movements per second on a SQLite file (WAL), one at a time and in batches, next
//! to a bare one-row INSERT transaction on the same kind of file in the same run.
//!
//! ```sh
//! cargo run --release -p inventario-core --example movement_rate -- [MOVEMENTS]
//! ```
//!
//! A quick check, not a benchmark suite: the criterion benchmarks live in `benches/`.

use std::time::{Duration, Instant};

use inventario_core::domain::values::{Money, Quantity, Sku};
use inventario_core::domain::InitialStock;
use inventario_core::{Inventory, MovementRequest, NewLocation, NewProduct};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(5_000);
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("rate.db").display());
    let master = inventario_core::crypto::MasterKey::generate();
    let inv = Inventory::open(&url, master.into(), "bench").await?;
    let shop = inv
        .create_location(NewLocation::new("LOCAL", "Local"))
        .await?;
    let mut p = NewProduct::new(Sku::parse("BENCH-1")?, "Bench", "100.00".parse::<Money>()?);
    p.initial_stock = Some(InitialStock {
        location: shop.id,
        quantity: Quantity::from_units(10_000_000)?,
        unit_cost: "50".parse()?,
    });
    let p = inv.create_product(p).await?;
    let one = Quantity::from_units(1)?;

    let started = Instant::now();
    for _ in 0..n {
        inv.record(MovementRequest::sale(p.id, shop.id, one))
            .await?;
    }
    let single = started.elapsed();

    let batch: Vec<_> = (0..10_000)
        .map(|_| MovementRequest::sale(p.id, shop.id, one))
        .collect();
    let started = Instant::now();
    inv.record_movements(&batch).await?;
    let batched = started.elapsed();

    let bare = bare_insert(dir.path(), n).await?;
    println!(
        "movements, one per transaction:  {:>9.0}/s ({n} sales)",
        rate(n, single)
    );
    println!(
        "movements, one batch of 10,000:  {:>9.0}/s",
        rate(10_000, batched)
    );
    println!("bare one-row INSERT transaction: {:>9.0}/s", rate(n, bare));
    println!(
        "one movement / bare insert:      {:>9.2}x the time",
        single.as_secs_f64() / bare.as_secs_f64()
    );
    inv.close().await;
    Ok(())
}

/// The physical minimum of the store: one INSERT per `BEGIN IMMEDIATE` transaction, same pragmas.
async fn bare_insert(dir: &std::path::Path, n: usize) -> Result<Duration, sqlx::Error> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let options = SqliteConnectOptions::new()
        .filename(dir.join("bare.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = sqlx::SqlitePool::connect_with(options).await?;
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        .execute(&pool)
        .await?;
    let started = Instant::now();
    for i in 0..n {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO t (v) VALUES ($1)")
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let elapsed = started.elapsed();
    pool.close().await;
    Ok(elapsed)
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}
