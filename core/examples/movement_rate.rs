//! Measures stock movements per second (ledger row + balance + audit record, one transaction
//! each), one at a time on one connection, in one batch of 10,000, and from 2, 4 and 8
//! connections at once; next to a bare one-row INSERT transaction on the same database in the
//! same run.
//!
//! ```sh
//! # a SQLite file (WAL) in a temporary directory
//! cargo run --release -p inventario-core --example movement_rate -- [MOVEMENTS]
//! # a PostgreSQL server: a tenant of its own per run, and a scratch table for the bare INSERT
//! cargo run --release -p inventario-core --example movement_rate -- [MOVEMENTS] postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! With several connections, each one sells its own product, as several tills do: on
//! PostgreSQL they lock different rows and overlap; SQLite has one writer at a time. A quick
//! measurement, not a benchmark suite: the criterion benchmarks live in `benches/`.

use std::time::{Duration, Instant};

use inventario_core::domain::values::{Money, Quantity, Sku};
use inventario_core::domain::{InitialStock, TenantId};
use inventario_core::{
    Inventory, LocationId, MovementRequest, NewLocation, NewProduct, OpenOptions, ProductId,
};
use sqlx::{AnyPool, Executor};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5_000);
    let dir = tempfile::tempdir()?;
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("rate.db").display()));
    // A fixed key is fine here: the tenant is new on every run, and holds nothing real.
    let master = || inventario_core::crypto::MasterKey::from_hex(BENCH_KEY_HEX).map(Into::into);
    // A tenant of its own: runs against a shared server do not see each other's data.
    let tenant = TenantId::parse(&format!("bench-{}", uuid::Uuid::now_v7().simple()))?;
    let options = |connections: u32| {
        OpenOptions::new("bench").map(|o| o.tenant(tenant.clone()).max_connections(connections))
    };
    let inv = Inventory::open_with(&url, master()?, options(1)?).await?;
    let shop = inv
        .create_location(NewLocation::new("LOCAL", "Local"))
        .await?
        .id;
    let mut products = Vec::with_capacity(8);
    for n in 1..=8 {
        products.push(product(&inv, shop, n).await?);
    }
    let one = Quantity::from_units(1)?;
    let backend = if url.starts_with("sqlite:") {
        "SQLite file (WAL)"
    } else {
        "PostgreSQL"
    };
    println!("{backend}, {n} movements per measurement");

    let started = Instant::now();
    for _ in 0..n {
        inv.record(MovementRequest::sale(products[0], shop, one))
            .await?;
    }
    let single = started.elapsed();
    println!(
        "movements, 1 connection, one per transaction: {:>9.0}/s",
        rate(n, single)
    );

    for connections in [2u32, 4, 8] {
        let handle = Inventory::open_with(&url, master()?, options(connections)?).await?;
        let per_till = n / connections as usize;
        let started = Instant::now();
        let tills: Vec<_> = products[..connections as usize]
            .iter()
            .map(|&p| {
                let handle = handle.clone();
                tokio::spawn(async move {
                    for _ in 0..per_till {
                        handle.record(MovementRequest::sale(p, shop, one)).await?;
                    }
                    Ok::<_, inventario_core::Error>(())
                })
            })
            .collect();
        for till in tills {
            till.await??;
        }
        let elapsed = started.elapsed();
        println!(
            "movements, {connections} connections at once:         {:>9.0}/s",
            rate(per_till * connections as usize, elapsed)
        );
        handle.close().await;
    }

    let batch: Vec<_> = (0..10_000)
        .map(|_| MovementRequest::sale(products[0], shop, one))
        .collect();
    let started = Instant::now();
    inv.record_movements(&batch).await?;
    let batched = started.elapsed();
    println!(
        "movements, one batch of 10,000:               {:>9.0}/s",
        rate(10_000, batched)
    );
    inv.close().await;

    let bare = bare_insert(&url, n).await?;
    println!(
        "bare one-row INSERT transaction:              {:>9.0}/s",
        rate(n, bare)
    );
    println!(
        "one movement / bare insert:                   {:>9.2}x the time",
        single.as_secs_f64() / bare.as_secs_f64()
    );
    Ok(())
}

/// A product with ten million units at `shop`.
async fn product(
    inv: &Inventory,
    shop: LocationId,
    n: u32,
) -> Result<ProductId, Box<dyn std::error::Error>> {
    let mut p = NewProduct::new(
        Sku::parse(&format!("BENCH-{n}"))?,
        "Bench",
        "100.00".parse::<Money>()?,
    );
    p.initial_stock = Some(InitialStock {
        location: shop,
        quantity: Quantity::from_units(10_000_000)?,
        unit_cost: "50".parse()?,
    });
    Ok(inv.create_product(p).await?.id)
}

/// The physical minimum of the store: one INSERT per write transaction (`BEGIN IMMEDIATE` on
/// SQLite, as the library uses), on the same database, through the same driver.
async fn bare_insert(url: &str, n: usize) -> Result<Duration, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    let pool = AnyPool::connect(url).await?;
    let table = format!("bench_bare_{}", uuid::Uuid::now_v7().simple());
    let mut conn = pool.acquire().await?;
    if sqlite {
        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .await?;
    }
    conn.execute(
        format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)").as_str(),
    )
    .await?;
    let insert = format!("INSERT INTO {table} (id, v) VALUES ($1, $2)");
    let started = Instant::now();
    for i in 0..n {
        let i = i64::try_from(i).unwrap_or(i64::MAX);
        let mut tx = if sqlite {
            sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?
        } else {
            sqlx::Connection::begin(&mut *conn).await?
        };
        sqlx::query(&insert)
            .bind(i)
            .bind(i)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let elapsed = started.elapsed();
    conn.execute(format!("DROP TABLE {table}").as_str()).await?;
    drop(conn);
    pool.close().await;
    Ok(elapsed)
}

/// The master key of the throw-away benchmark tenants.
const BENCH_KEY_HEX: &str = "6b1e3f0c9a2d4e5f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7";

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}
