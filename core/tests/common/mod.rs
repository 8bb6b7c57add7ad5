//! Shared fixtures of the store tests: a fresh store per test on SQLite or PostgreSQL
//! (`backend_tests!`), and the legacy product P10.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::sync::{Arc, Mutex};

use sqlx::{AnyPool, PgPool};

use inventario_core::crypto::{MasterKey, MasterSecret};
use inventario_core::domain::values::{Money, Quantity, Sku, UnitCost};
use inventario_core::domain::{InitialStock, Location, Product};
use inventario_core::{
    Inventory, LocationId, NewLocation, NewProduct, OpenOptions, ProductId, StockRow,
};

/// The database a test runs on. `backend_tests!` runs each test once per backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The environment variable naming the PostgreSQL server the tests may use.
pub const PG_URL_VAR: &str = "INVENTARIO_TEST_PG_URL";

/// Where the running test's stores live.
#[derive(Clone)]
struct Context {
    backend: Backend,
    /// PostgreSQL: the server, and the schemas this test created (dropped when it ends).
    pg: Option<(String, Arc<Mutex<Vec<String>>>)>,
}

tokio::task_local! {
    static CONTEXT: Context;
}

/// Runs a test body on `backend` and returns what it returned. On PostgreSQL every store the
/// body opens gets a schema of its own, dropped afterwards even when the body panics; without
/// `INVENTARIO_TEST_PG_URL` the PostgreSQL run says that it was skipped and returns `None`.
pub async fn on_backend<T, F>(backend: Backend, name: &str, body: F) -> Option<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match std::env::var(PG_URL_VAR) {
            Ok(url) => Some((url, Arc::new(Mutex::new(Vec::new())))),
            Err(_) => {
                eprintln!("skipped {name} on PostgreSQL: {PG_URL_VAR} is not set");
                return None;
            }
        },
    };
    let context = Context {
        backend,
        pg: pg.clone(),
    };
    let outcome = tokio::spawn(CONTEXT.scope(context, body)).await;
    if let Some((url, schemas)) = pg {
        let schemas = std::mem::take(&mut *schemas.lock().expect("schemas"));
        if !schemas.is_empty() {
            let admin = PgPool::connect(&url).await.expect("connect to PostgreSQL");
            for schema in schemas {
                sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&admin)
                    .await
                    .expect("drop test schema");
            }
            admin.close().await;
        }
    }
    match outcome {
        Ok(value) => Some(value),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Declares tests that run once on SQLite and once on PostgreSQL: `name::sqlite` and
/// `name::postgres`. Inside, `TestStore::new()` opens a store on the test's backend.
#[macro_export]
macro_rules! backend_tests {
    // One generated test: `$test` runs `$body` on `Backend::$backend`.
    (@on $test:ident $backend:ident $name:ident [$($attr:tt)*] $body:block) => {
        $($attr)*
        async fn $test() {
            $crate::common::on_backend(
                $crate::common::Backend::$backend,
                stringify!($name),
                async move $body,
            )
            .await;
        }
    };
    ($( $(#[$attr:meta])* async fn $name:ident() $body:block )*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                $crate::backend_tests!(@on sqlite Sqlite $name [$(#[$attr])*] $body);
                $crate::backend_tests!(@on postgres Postgres $name [$(#[$attr])*] $body);
            }
        )*
    };
}

/// The backend of the running test (SQLite outside `backend_tests!`).
pub fn backend() -> Backend {
    CONTEXT.try_with(|c| c.backend).unwrap_or(Backend::Sqlite)
}

/// A URL for a new, empty store on the running test's backend: a SQLite file in `dir`, or a
/// fresh PostgreSQL schema.
pub async fn fresh_url(dir: &std::path::Path) -> String {
    let pg = CONTEXT.try_with(|c| c.pg.clone()).ok().flatten();
    let Some((url, schemas)) = pg else {
        return format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
    };
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let admin = PgPool::connect(&url).await.expect("connect to PostgreSQL");
    STALE_SCHEMAS_DROPPED
        .get_or_init(|| drop_stale_schemas(&admin))
        .await;
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .expect("create test schema");
    admin.close().await;
    schemas.lock().expect("schemas").push(schema.clone());
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

static STALE_SCHEMAS_DROPPED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// Drops test schemas more than a day old: left behind only by a test process that was killed
/// (a panicking test drops its own). Their names carry a UUIDv7, hence their creation time.
async fn drop_stale_schemas(admin: &PgPool) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%'")
            .fetch_all(admin)
            .await
            .expect("list test schemas");
    let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
    for name in names {
        let Ok(id) = uuid::Uuid::parse_str(&name[2..]) else {
            continue;
        };
        let Some((secs, _)) = id.get_timestamp().map(|t| t.to_unix()) else {
            continue;
        };
        if std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs) < day_ago {
            // Another test process may be dropping it at the same moment: ignore the outcome.
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .execute(admin)
                .await;
        }
    }
}

/// A store in a temporary directory (SQLite) or schema (PostgreSQL), removed afterwards.
pub struct TestStore {
    pub inv: Inventory,
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl TestStore {
    pub async fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = fresh_url(dir.path()).await;
        let inv = Inventory::open(&url, test_key(), "tester")
            .await
            .expect("open store");
        TestStore { inv, dir, url }
    }

    pub async fn open_as(&self, options: OpenOptions) -> Inventory {
        Inventory::open_with(&self.url, test_key(), options)
            .await
            .expect("open second handle")
    }

    /// A raw connection, for reading and tampering with tables behind the library's back.
    pub async fn raw(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.url).await.expect("raw connection")
    }
}

/// The master key of every test store (a random-looking constant, used nowhere else).
pub const TEST_KEY_HEX: &str = "3b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe";

pub fn test_key() -> MasterSecret {
    MasterKey::from_hex(TEST_KEY_HEX).expect("test key").into()
}

pub fn q(text: &str) -> Quantity {
    text.parse().expect("quantity")
}

pub fn cost(text: &str) -> UnitCost {
    text.parse().expect("unit cost")
}

pub fn money(text: &str) -> Money {
    text.parse().expect("money")
}

pub fn sku(text: &str) -> Sku {
    Sku::parse(text).expect("sku")
}

pub async fn location(inv: &Inventory, code: &str) -> Location {
    inv.create_location(NewLocation::new(code, format!("Ubicación {code}")))
        .await
        .expect("location")
}

/// DOMAIN 3's P10: stock 10, min 5, max 50, cost 100.00, sale 150.00.
pub async fn p10(inv: &Inventory, sku_text: &str, at: LocationId) -> Product {
    let mut p = NewProduct::new(sku(sku_text), "Producto P10", money("150.00"));
    p.min_stock = q("5");
    p.max_stock = Some(q("50"));
    p.initial_stock = Some(InitialStock {
        location: at,
        quantity: q("10"),
        unit_cost: cost("100.00"),
    });
    inv.create_product(p).await.expect("create P10")
}

pub async fn on_hand(inv: &Inventory, product: ProductId, at: LocationId) -> Quantity {
    inv.stock(Some(product), Some(at))
        .await
        .expect("stock")
        .first()
        .map_or(Quantity::ZERO, |r| r.on_hand)
}

/// Everything a command could change, read back from the store.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub stock: Vec<StockRow>,
    pub movements: usize,
    pub products: Vec<Product>,
    pub reservations: usize,
    pub prices: i64,
    pub keys: i64,
    /// Audit records: a refused command must not leave one.
    pub audit_events: i64,
}

pub async fn snapshot(store: &TestStore) -> Snapshot {
    let inv = &store.inv;
    let raw = store.raw().await;
    let count = |table: &'static str| {
        let raw = raw.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&raw)
                .await
                .expect("count")
        }
    };
    let snap = Snapshot {
        stock: inv.stock(None, None).await.expect("stock"),
        movements: inv.movements_since(None, 10_000).await.expect("feed").len(),
        products: inv.products(true).await.expect("products"),
        reservations: inv.reservations(None).await.expect("reservations").len(),
        prices: count("price_history").await,
        keys: count("idempotency_keys").await,
        audit_events: count("audit_events").await,
    };
    raw.close().await;
    snap
}
