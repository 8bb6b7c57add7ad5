//! Shared fixtures of the store tests: a fresh SQLite file per test and the legacy product P10.
#![allow(dead_code, unreachable_pub)]

use inventario_core::crypto::{MasterKey, MasterSecret};
use inventario_core::domain::values::{Money, Quantity, Sku, UnitCost};
use inventario_core::domain::{InitialStock, Location, Product};
use inventario_core::{
    Inventory, LocationId, NewLocation, NewProduct, OpenOptions, ProductId, StockRow,
};

/// A store in a temporary directory, removed when dropped.
pub struct TestStore {
    pub inv: Inventory,
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl TestStore {
    pub async fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
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
    pub async fn raw(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(&self.url)
            .await
            .expect("raw connection")
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
