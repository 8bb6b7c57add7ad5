//! Store benchmarks (`DESIGN.md` §8): a stock movement one at a time and in a batch of 10,000,
//! next to a bare one-row INSERT transaction; an audit append; audit verification of 1,000,000
//! records in memory and of a stored chain of 20,000; re-encryption of 100,000 fields. On a SQLite file,
//! and on PostgreSQL too when `INVENTARIO_TEST_PG_URL` is set (each run in a schema of its own,
//! dropped at the end).
//!
//! ```sh
//! INVENTARIO_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p inventario-benches --bench store
//! ```
//!
//! Under `cargo test` (no `--bench` argument) every routine runs once on small inputs.

use std::time::{Duration, Instant};

use criterion::{criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use inventario_benches::bare::BareTable;
use inventario_benches::chain;
use inventario_benches::store::{Backend, Shop};
use inventario_core::audit::{AppEvent, EventType, Status, Target};
use tokio::runtime::Runtime;

/// Whether criterion measures (`cargo bench`) rather than smoke-tests (`cargo test`).
fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// `full` when measuring, `smoke` under `cargo test`.
fn size(full: usize, smoke: usize) -> usize {
    if measuring() {
        full
    } else {
        smoke
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime builds")
}

/// One sale per transaction, a batch of 10,000 in one transaction, and a bare INSERT
/// transaction on the same database: the movement's cost over the store's physical minimum.
fn movements(c: &mut Criterion) {
    let rt = runtime();
    let batch = size(10_000, 10);
    for backend in Backend::available() {
        let shop = rt
            .block_on(Shop::new(&backend, 8, 2))
            .expect("the shop opens");
        let mut group = c.benchmark_group(format!("movement/{}", backend.name()));
        group.throughput(Throughput::Elements(1));
        let mut n = 0;
        group.bench_function("one_per_transaction", |b| {
            b.iter(|| {
                n += 1;
                rt.block_on(shop.inv.record(shop.sale(n))).expect("sells")
            });
        });
        let mut bare = rt
            .block_on(BareTable::create(shop.url()))
            .expect("the bare table is created");
        group.bench_function("bare_insert_transaction", |b| {
            b.iter(|| rt.block_on(bare.insert_one()).expect("inserts"));
        });
        rt.block_on(bare.drop_table()).expect("drops");

        group.throughput(Throughput::Elements(batch as u64));
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("batch", batch), |b| {
            b.iter_batched(
                || shop.sales(batch),
                |sales| {
                    rt.block_on(shop.inv.record_movements(&sales))
                        .expect("sells")
                },
                BatchSize::PerIteration,
            );
        });
        group.finish();
        rt.block_on(shop.remove()).expect("the shop is removed");
    }
}

/// An application event appended to the chain, one transaction each.
fn audit_append(c: &mut Criterion) {
    let rt = runtime();
    for backend in Backend::available() {
        let shop = rt
            .block_on(Shop::new(&backend, 1, 2))
            .expect("the shop opens");
        c.bench_function(&format!("audit/append/{}", backend.name()), |b| {
            b.iter(|| {
                rt.block_on(shop.inv.record_audit_event(AppEvent {
                    event_type: EventType::LoginFailed,
                    target: Target::new("users", "admin"),
                    status: Status::Failed,
                    detail: serde_json::json!({ "ip": "203.0.113.7" }),
                }))
                .expect("appends")
            });
        });
        rt.block_on(shop.remove()).expect("the shop is removed");
    }
}

/// `ChainVerifier` over 1,000,000 records in memory (the MAC work alone), then
/// `Inventory::verify_audit` over a stored chain of 20,000 records (reading included), one
/// sale per transaction each.
fn audit_verify(c: &mut Criterion) {
    let records = chain::in_memory_chain(size(1_000_000, 100) as u64);
    let mut group = c.benchmark_group("audit/verify");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function(BenchmarkId::new("in_memory", records.len()), |b| {
        b.iter(|| chain::verify(&records).expect("the chain is intact"));
    });
    drop(records);

    let rt = runtime();
    let stored = size(20_000, 10);
    for backend in Backend::available() {
        let shop = rt
            .block_on(Shop::new(&backend, 4, 4))
            .expect("the shop opens");
        // One audit record per sale, plus the setup's own few.
        rt.block_on(shop.sell_one_by_one(stored)).expect("sells");
        let records = rt
            .block_on(shop.inv.verify_audit(None))
            .expect("verifies")
            .checked;
        group.throughput(Throughput::Elements(records));
        group.bench_function(BenchmarkId::new(backend.name(), records), |b| {
            b.iter(|| {
                let report = rt.block_on(shop.inv.verify_audit(None)).expect("verifies");
                assert!(report.is_intact());
            });
        });
        rt.block_on(shop.remove()).expect("the shop is removed");
    }
    group.finish();
}

/// The re-encryption job over 100,000 stored fields (one receipt's unit cost each): every
/// iteration rotates the `global` data key (untimed) and times the job moving every field onto
/// it, 1,000 rows per transaction.
fn reencrypt(c: &mut Criterion) {
    let rt = runtime();
    let fields = size(100_000, 10);
    let shop = rt
        .block_on(Shop::new(&Backend::SqliteFile, 100, 2))
        .expect("the shop opens");
    rt.block_on(shop.receive(fields)).expect("receives");
    let keyring = shop.inv.keyring();
    let mut group = c.benchmark_group("reencrypt/sqlite");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(fields as u64));
    group.bench_function(BenchmarkId::new("fields", fields), |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                rt.block_on(keyring.rotate_data_key("global"))
                    .expect("rotates");
                let started = Instant::now();
                let reports = rt
                    .block_on(keyring.reencrypt(1_000, |_| {}))
                    .expect("re-encrypts");
                total += started.elapsed();
                let done: u64 = reports.iter().map(|r| r.rows_done).sum();
                assert!(done >= fields as u64, "{done} rows re-encrypted");
            }
            total
        });
    });
    group.finish();
    rt.block_on(shop.remove()).expect("the shop is removed");
}

/// Criterion's macro makes an undocumented `pub fn`: keep it in a private module.
mod groups {
    #![allow(unreachable_pub)]
    use super::{audit_append, audit_verify, movements, reencrypt};

    criterion::criterion_group!(benches, movements, audit_append, audit_verify, reencrypt);
}

criterion_main!(groups::benches);
