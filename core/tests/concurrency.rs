//! No lost update and no oversell under concurrency, on SQLite and on PostgreSQL.
//!
//! Each test starts many writers at once (tasks of one process sharing a pool, or separate
//! OS processes with pools of their own) against one store, then checks the exact outcome:
//! every unit sold once, every refusal an `InsufficientStock`, the ledger equal to the
//! balances, totals conserved, and the audit chain gapless and intact. The PostgreSQL runs
//! need `INVENTARIO_TEST_PG_URL`; without it they say that they were skipped.

#[macro_use]
mod common;

use std::future::Future;
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::*;
use inventario_core::domain::RuleError;
use inventario_core::metrics::Metrics;
use inventario_core::{Error, Inventory, LocationId, MovementRequest, OpenOptions, ProductId};
use tokio::sync::Barrier;

/// The stock every selling test starts from.
const INITIAL_STOCK: u32 = 2_000;

/// A store with one product holding `units` at one location, and a handle with room for
/// `connections` connections.
async fn store_with_stock(
    units: u32,
    connections: u32,
) -> (TestStore, Inventory, ProductId, LocationId) {
    let s = TestStore::new().await;
    let shop = location(&s.inv, "LOCAL").await;
    let p = p10(&s.inv, "SKU-CONC", shop.id).await; // 10 on hand
    if units > 10 {
        s.inv
            .record(MovementRequest::receipt(
                p.id,
                shop.id,
                q(&(units - 10).to_string()),
                cost("100"),
            ))
            .await
            .expect("stock up");
    }
    let handle = s
        .open_as(
            OpenOptions::new("cajero")
                .unwrap()
                .max_connections(connections),
        )
        .await;
    (s, handle, p.id, shop.id)
}

/// Whether `error` is the refusal a sale of missing stock must get.
fn is_insufficient_stock(error: &Error) -> bool {
    matches!(error.rule(), Some(RuleError::InsufficientStock { .. }))
}

/// Sells one unit at a time until refused. Returns (sold, refused); any other error fails.
async fn sell_until_refused(inv: &Inventory, product: ProductId, at: LocationId) -> (u32, u32) {
    let mut sold = 0;
    loop {
        match inv.record(MovementRequest::sale(product, at, q("1"))).await {
            Ok(_) => sold += 1,
            Err(e) if is_insufficient_stock(&e) => return (sold, 1),
            Err(e) => panic!("a sale failed with something other than InsufficientStock: {e}"),
        }
    }
}

/// The checks every test ends with: the ledger replays to the balances and the audit chain is
/// intact, gapless from 1, with `records` records.
async fn assert_consistent(inv: &Inventory, records: Option<u64>) {
    let ledger = inv.verify_ledger(None).await.expect("verify ledger");
    assert!(ledger.is_consistent(), "ledger ≠ balances: {ledger:?}");
    let audit = inv.verify_audit(None).await.expect("verify audit");
    assert!(audit.is_intact(), "audit chain broken: {audit:?}");
    assert_eq!(audit.from_seq, 1, "{audit:?}");
    assert_eq!(
        audit.checked, audit.to_seq,
        "the chain has a gap: {audit:?}"
    );
    if let Some(records) = records {
        assert_eq!(audit.to_seq, records, "one audit record per change");
    }
}

/// Runs `task(0..n)` on `n` tokio tasks released together by a barrier, and returns their
/// results in task order. A panicking task fails the test.
async fn all_at_once<T, F, Fut>(n: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let start = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (start, work) = (start.clone(), task(i));
            tokio::spawn(async move {
                start.wait().await;
                work.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(n);
    for handle in handles {
        results.push(handle.await.expect("a concurrent task panicked"));
    }
    results
}

/// The outcome `sellers` sellers of [`INITIAL_STOCK`] units must reach: every unit sold exactly
/// once, each seller's last attempt (and only it) refused, nothing left, and one audit record
/// per sale after the `before` records the store held.
async fn assert_sold_out(
    inv: &Inventory,
    product: ProductId,
    at: LocationId,
    (sold, refused): (u32, u32),
    sellers: u32,
    before: u64,
) {
    assert_eq!(sold, INITIAL_STOCK, "every unit sold exactly once");
    assert_eq!(
        refused, sellers,
        "each seller's last attempt, and only it, was refused"
    );
    assert_eq!(on_hand(inv, product, at).await, q("0"));
    assert_consistent(inv, Some(before + u64::from(INITIAL_STOCK))).await;
}

/// How many audit records the store holds now.
async fn audit_len(inv: &Inventory) -> u64 {
    inv.verify_audit(None).await.expect("verify audit").to_seq
}

backend_tests! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn eight_tasks_sell_exactly_the_stock() {
        let (_s, inv, p, shop) = store_with_stock(INITIAL_STOCK, 8).await;
        let before = audit_len(&inv).await;
        let outcomes = all_at_once(8, |_| {
            let inv = inv.clone();
            async move { sell_until_refused(&inv, p, shop).await }
        })
        .await;
        let sold: u32 = outcomes.iter().map(|(sold, _)| sold).sum();
        let refused: u32 = outcomes.iter().map(|(_, refused)| refused).sum();
        assert_sold_out(&inv, p, shop, (sold, refused), 8, before).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_change_feed_misses_nothing_while_tills_sell_different_products() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let mut products = Vec::new();
        for n in 0..8 {
            let p = p10(&s.inv, &format!("P{n}"), shop.id).await;
            s.inv
                .record(MovementRequest::receipt(p.id, shop.id, q("90"), cost("100")))
                .await
                .unwrap();
            products.push(p.id);
        }
        let inv = s.open_as(OpenOptions::new("cajero").unwrap().max_connections(9)).await;
        let cursor = inv.movements_since(None, 10_000).await.unwrap().last().map(|m| m.id);
        const SALES: usize = 8 * 100;
        // A reader follows the feed while the tills sell, resuming from the last id it saw, as
        // a sync job would. Ids are drawn in commit order (D25), so it misses nothing.
        let follower = {
            let inv = inv.clone();
            tokio::spawn(async move {
                let (mut cursor, mut seen) = (cursor, Vec::new());
                while seen.len() < SALES {
                    let page = inv.movements_since(cursor, 7).await.expect("feed");
                    match page.last() {
                        Some(last) => cursor = Some(last.id),
                        None => tokio::task::yield_now().await,
                    }
                    seen.extend(page.into_iter().map(|m| m.id));
                }
                seen
            })
        };
        let tills: Vec<_> = products
            .iter()
            .map(|&p| {
                let inv = inv.clone();
                tokio::spawn(async move {
                    for _ in 0..100 {
                        inv.record(MovementRequest::sale(p, shop.id, q("1"))).await.unwrap();
                    }
                })
            })
            .collect();
        for till in tills {
            till.await.expect("till");
        }
        let seen = tokio::time::timeout(std::time::Duration::from_secs(30), follower)
            .await
            .expect("the feed reader did not see every sale")
            .expect("feed reader");
        let all: Vec<_> = inv
            .movements_since(cursor, 10_000)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(all.len(), SALES);
        assert_eq!(seen, all, "the feed, read while tills sold, missed or repeated a row");
        assert_consistent(&inv, None).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn four_processes_sell_exactly_the_stock() {
        let (s, inv, p, shop) = store_with_stock(INITIAL_STOCK, 2).await;
        let before = audit_len(&inv).await;
        let exe = std::env::current_exe().expect("test binary");
        let children: Vec<_> = (0..4)
            .map(|n| {
                Command::new(&exe)
                    .args(["--exact", "seller_process", "--ignored", "--nocapture", "--test-threads=1"])
                    .env(SELLER_URL, &s.url)
                    .env(SELLER_PRODUCT, p.0.to_string())
                    .env(SELLER_LOCATION, shop.0.to_string())
                    .env(SELLER_NAME, format!("caja-{n}"))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("start a seller process")
            })
            .collect();
        let (mut sold, mut refused) = (0, 0);
        for child in children {
            let output = tokio::task::spawn_blocking(move || child.wait_with_output())
                .await
                .expect("join")
                .expect("seller process");
            assert!(output.status.success(), "a seller process failed: {output:?}");
            let (s, r) = parse_seller_output(&String::from_utf8_lossy(&output.stdout));
            sold += s;
            refused += r;
        }
        assert_sold_out(&inv, p, shop, (sold, refused), 4, before).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn opposite_transfers_and_batches_neither_deadlock_nor_lose_stock() {
        let s = TestStore::new().await;
        let a = location(&s.inv, "A").await;
        let b = location(&s.inv, "B").await;
        let p1 = p10(&s.inv, "P1", a.id).await;
        let p2 = p10(&s.inv, "P2", a.id).await;
        for p in [p1.id, p2.id] {
            s.inv
                .record_movements(&[
                    MovementRequest::receipt(p, a.id, q("490"), cost("100")),
                    MovementRequest::receipt(p, b.id, q("500"), cost("100")),
                ])
                .await
                .unwrap();
        }
        let inv = s.open_as(OpenOptions::new("deposito").unwrap().max_connections(8)).await;
        all_at_once(8, |n| {
            let inv = inv.clone();
            let (from, to) = if n % 2 == 0 { (a.id, b.id) } else { (b.id, a.id) };
            // Batches name the two products in opposite orders too.
            let (first, second) = if n % 4 < 2 { (p1.id, p2.id) } else { (p2.id, p1.id) };
            async move {
                for _ in 0..25 {
                    inv.record_movements(&[
                        MovementRequest::transfer(first, from, to, q("1")),
                        MovementRequest::transfer(second, from, to, q("1")),
                    ])
                    .await
                    .expect("a transfer batch failed");
                }
            }
        })
        .await;
        for p in [p1.id, p2.id] {
            // As many batches went each way: every location is back where it started.
            assert_eq!(on_hand(&inv, p, a.id).await, q("500"));
            assert_eq!(on_hand(&inv, p, b.id).await, q("500"));
        }
        assert_consistent(&inv, None).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_reservations_never_hold_more_than_on_hand() {
        let (_s, inv, p, shop) = store_with_stock(100, 8).await;
        let held: u32 = all_at_once(8, |_| {
            let inv = inv.clone();
            async move {
                let mut held = 0u32;
                loop {
                    match inv.reserve(p, shop, q("3"), None, None).await {
                        Ok(_) => held += 3,
                        Err(e) if is_insufficient_stock(&e) => return held,
                        Err(e) => panic!("a reservation failed unexpectedly: {e}"),
                    }
                }
            }
        })
        .await
        .into_iter()
        .sum();
        assert_eq!(held, 99, "33 reservations of 3 fit in 100, a 34th does not");
        let row = inv.stock(Some(p), Some(shop)).await.unwrap().remove(0);
        assert_eq!((row.on_hand, row.reserved, row.available), (q("100"), q("99"), q("1")));
        assert_eq!(inv.reservations(Some(p)).await.unwrap().len(), 33);
        assert_consistent(&inv, None).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_idempotency_key_sent_concurrently_writes_one_movement() {
        let (_s, inv, p, shop) = store_with_stock(100, 8).await;
        let movements_before = inv.movements_since(None, 10_000).await.unwrap().len();
        for round in 0..10 {
            let key = format!("ticket-{round}");
            let recorded = all_at_once(8, |_| {
                let (inv, key) = (inv.clone(), key.clone());
                async move {
                    inv.record(MovementRequest::sale(p, shop, q("1")).idempotency_key(key))
                        .await
                        .expect("a retried sale must succeed")
                }
            })
            .await;
            let fresh = recorded.iter().filter(|r| !r.replayed).count();
            let mut ids: Vec<_> = recorded.iter().map(|r| r.movements[0].id).collect();
            assert_eq!(fresh, 1, "exactly one of the eight wrote");
            ids.dedup();
            assert_eq!(ids.len(), 1, "all eight name the same movement");
        }
        let movements = inv.movements_since(None, 10_000).await.unwrap().len();
        assert_eq!(movements - movements_before, 10);
        assert_eq!(on_hand(&inv, p, shop).await, q("90"));
        assert_consistent(&inv, None).await;
    }
}

backend_tests! {
    /// A deadlock is retried and counted. Another session holds product 2 and then asks for
    /// product 1 while the library's batch holds product 1 and waits for product 2. Only the
    /// library's session detects the deadlock (the other one's `deadlock_timeout` is long), so
    /// the library's transaction is the one PostgreSQL aborts; the rerun succeeds once the
    /// other session lets go.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deadlock_is_retried_and_counted() {
        if backend() == Backend::Sqlite {
            // SQLite has one writer at a time: there is no lock order to get wrong.
            return;
        }
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p1 = p10(&s.inv, "P1", shop.id).await;
        let p2 = p10(&s.inv, "P2", shop.id).await;
        let inv = s
            .open_as(OpenOptions::new("cajero").unwrap().metrics(Metrics::with_prometheus()))
            .await;
        let raw = s.raw().await;
        let mut other = raw.begin().await.unwrap();
        sqlx::query("SET LOCAL deadlock_timeout = '30s'")
            .execute(&mut *other)
            .await
            .unwrap();
        sqlx::query("SELECT 1 FROM products WHERE id = $1 FOR UPDATE")
            .bind(p2.id.0)
            .execute(&mut *other)
            .await
            .unwrap();
        let batch = {
            let inv = inv.clone();
            tokio::spawn(async move {
                inv.record_movements(&[
                    MovementRequest::sale(p1.id, shop.id, q("1")),
                    MovementRequest::sale(p2.id, shop.id, q("1")),
                ])
                .await
            })
        };
        // Wait until the batch holds product 1 and waits for product 2, i.e. is blocked by
        // the other session.
        let other_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *other)
            .await
            .unwrap();
        let waited = std::time::Instant::now();
        loop {
            let blocked: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
            )
            .bind(other_pid)
            .fetch_one(&raw)
            .await
            .unwrap();
            if blocked > 0 {
                break;
            }
            assert!(
                waited.elapsed() < std::time::Duration::from_secs(20),
                "the batch never came to wait for product 2"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // Waits for product 1 until PostgreSQL aborts the library's transaction.
        sqlx::query("SELECT 1 FROM products WHERE id = $1 FOR UPDATE")
            .bind(p1.id.0)
            .execute(&mut *other)
            .await
            .unwrap();
        other.rollback().await.unwrap();
        batch.await.unwrap().expect("the rerun succeeds");
        // At least one retry, counted. Under load there can be more: after the abort, the
        // rerun (1 to 3 ms later) may lock product 1 again before the other session, woken by
        // the abort, is granted it; the two then deadlock again, and that one is retried and
        // counted too. The batch still succeeds exactly once (the balances below).
        let text = inv.metrics_text().unwrap();
        let retries: u64 = text
            .lines()
            .find_map(|line| {
                line.strip_prefix(r#"inventario_store_tx_retries_total{backend="postgres"} "#)
            })
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no PostgreSQL retry counter in:\n{text}"));
        assert!((1..=8).contains(&retries), "{retries} retries:\n{text}");
        assert_eq!(on_hand(&inv, p1.id, shop.id).await, q("9"));
        assert_eq!(on_hand(&inv, p2.id, shop.id).await, q("9"));
        assert_consistent(&inv, None).await;
    }
}

const SELLER_URL: &str = "INVENTARIO_TEST_SELLER_URL";
const SELLER_PRODUCT: &str = "INVENTARIO_TEST_SELLER_PRODUCT";
const SELLER_LOCATION: &str = "INVENTARIO_TEST_SELLER_LOCATION";
const SELLER_NAME: &str = "INVENTARIO_TEST_SELLER_NAME";

/// The body of one seller process of `four_processes_sell_exactly_the_stock`, which starts this
/// test binary four times with `--ignored --exact seller_process` and the store in the
/// environment. Run directly, without that environment, it fails.
#[tokio::test]
#[ignore = "run as a child process by four_processes_sell_exactly_the_stock"]
async fn seller_process() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let inv = Inventory::open_with(
        &var(SELLER_URL),
        test_key(),
        OpenOptions::new(&var(SELLER_NAME))
            .unwrap()
            .max_connections(2),
    )
    .await
    .expect("open the store");
    let product = ProductId(var(SELLER_PRODUCT).parse().unwrap());
    let at = LocationId(var(SELLER_LOCATION).parse().unwrap());
    let (sold, refused) = sell_until_refused(&inv, product, at).await;
    println!("SELLER sold={sold} refused={refused}");
    inv.close().await;
}

/// Reads the `SELLER sold=N refused=M` line of a seller process.
fn parse_seller_output(stdout: &str) -> (u32, u32) {
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("SELLER ").map(|(_, counts)| counts))
        .unwrap_or_else(|| panic!("no SELLER line in {stdout:?}"));
    let mut numbers = line.split_whitespace().map(|kv| {
        kv.split_once('=')
            .expect("key=value")
            .1
            .parse::<u32>()
            .expect("a count")
    });
    (
        numbers.next().expect("sold"),
        numbers.next().expect("refused"),
    )
}
