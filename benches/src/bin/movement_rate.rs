//! Stock movements per second on one store: one at a time on one connection, from 2, 4 and 8
//! connections at once (each selling its own product, as tills do), and in one batch of 10,000;
//! next to a bare one-row INSERT transaction on the same database in the same run.
//!
//! ```sh
//! # a SQLite file (WAL) in a temporary directory
//! cargo run --release -p inventario-benches --bin movement_rate -- [MOVEMENTS]
//! # a PostgreSQL server: a schema of its own, dropped at the end
//! cargo run --release -p inventario-benches --bin movement_rate -- [MOVEMENTS] postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! On PostgreSQL several connections lock different rows and overlap; SQLite has one writer
//! at a time. docs/SCALING.md reads these lines; `benches/compare.py` measures the one-connection
//! and batch figures next to the other peers.

use std::time::{Duration, Instant};

use inventario_benches::bare::BareTable;
use inventario_benches::store::{open, Backend, Shop};
use inventario_benches::BoxError;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5_000);
    let backend = args.next().map_or(Backend::SqliteFile, Backend::Postgres);
    let shop = Shop::new(&backend, 8, 1).await?;
    println!("{backend}, {n} movements per measurement");

    let started = Instant::now();
    for i in 0..n {
        shop.inv.record(shop.sale(i * 8)).await?;
    }
    let single = started.elapsed();
    println!(
        "movements, 1 connection, one per transaction: {:>9.0}/s",
        rate(n, single)
    );

    for connections in [2usize, 4, 8] {
        let handle = open(shop.url(), connections as u32).await?;
        let per_till = n / connections;
        let started = Instant::now();
        let tills: Vec<_> = (0..connections)
            .map(|till| {
                let handle = handle.clone();
                let sales: Vec<_> = (0..per_till).map(|_| shop.sale(till)).collect();
                tokio::spawn(async move {
                    for sale in sales {
                        handle.record(sale).await?;
                    }
                    Ok::<_, BoxError>(())
                })
            })
            .collect();
        for till in tills {
            till.await??;
        }
        let elapsed = started.elapsed();
        println!(
            "movements, {connections} connections at once:         {:>9.0}/s",
            rate(per_till * connections, elapsed)
        );
        handle.close().await;
    }

    let batch: Vec<_> = (0..10_000).map(|_| shop.sale(0)).collect();
    let started = Instant::now();
    shop.inv.record_movements(&batch).await?;
    println!(
        "movements, one batch of 10,000:               {:>9.0}/s",
        rate(10_000, started.elapsed())
    );

    let mut bare = BareTable::create(shop.url()).await?;
    let started = Instant::now();
    for _ in 0..n {
        bare.insert_one().await?;
    }
    let bare_elapsed = started.elapsed();
    bare.drop_table().await?;
    println!(
        "bare one-row INSERT transaction:              {:>9.0}/s",
        rate(n, bare_elapsed)
    );
    println!(
        "one movement / bare insert:                   {:>9.2}x the time",
        single.as_secs_f64() / bare_elapsed.as_secs_f64()
    );
    shop.remove().await
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}
