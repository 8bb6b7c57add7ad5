//! Throw-away stores: a SQLite file in a temporary directory, or a PostgreSQL schema of its own
//! (dropped by [`Scratch::remove`]), and a [`Shop`] with a location and products in it.

use std::fmt;

use inventario_core::crypto::MasterKey;
use inventario_core::domain::values::{Money, Quantity, Sku, UnitCost};
use inventario_core::domain::InitialStock;
use inventario_core::{
    Inventory, LocationId, MovementRequest, NewLocation, NewProduct, OpenOptions, ProductId,
};
use sqlx::{Connection, PgConnection};

use crate::{BoxError, BENCH_KEY_HEX};

/// Which store a measurement runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in WAL mode, in a new temporary directory.
    SqliteFile,
    /// A PostgreSQL server (the URL of an existing database); each store is a new schema.
    Postgres(String),
}

impl Backend {
    /// SQLite, and PostgreSQL when `INVENTARIO_TEST_PG_URL` is set.
    pub fn available() -> Vec<Backend> {
        let mut backends = vec![Backend::SqliteFile];
        backends.extend(crate::postgres_url().map(Backend::Postgres));
        backends
    }

    /// A short name for tables and benchmark ids: `sqlite` or `postgres`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::SqliteFile => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::SqliteFile => "SQLite file (WAL)",
            Backend::Postgres(_) => "PostgreSQL",
        })
    }
}

/// Where one throw-away store lives. Call [`Scratch::remove`] when done: a PostgreSQL schema
/// outlives the process otherwise (a SQLite file goes with its temporary directory).
pub struct Scratch {
    url: String,
    place: Place,
}

enum Place {
    Dir(tempfile::TempDir),
    Schema { server: String, schema: String },
}

impl Scratch {
    /// A new, empty place on `backend`.
    pub async fn new(backend: &Backend) -> Result<Scratch, BoxError> {
        match backend {
            Backend::SqliteFile => {
                let dir = tempfile::tempdir()?;
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("bench.db").display()
                );
                Ok(Scratch {
                    url,
                    place: Place::Dir(dir),
                })
            }
            Backend::Postgres(server) => {
                let schema = format!("bench_{}", uuid::Uuid::now_v7().simple());
                let mut admin = PgConnection::connect(server).await?;
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
                let separator = if server.contains('?') { '&' } else { '?' };
                let url = format!("{server}{separator}options=-c%20search_path%3D{schema}");
                Ok(Scratch {
                    url,
                    place: Place::Schema {
                        server: server.clone(),
                        schema,
                    },
                })
            }
        }
    }

    /// The store URL (`Inventory::open` creates the schema on first use).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite file's directory, if this is one.
    pub fn dir(&self) -> Option<&std::path::Path> {
        match &self.place {
            Place::Dir(dir) => Some(dir.path()),
            Place::Schema { .. } => None,
        }
    }

    /// Deletes the store: its directory, or its schema.
    pub async fn remove(self) -> Result<(), BoxError> {
        match self.place {
            Place::Dir(dir) => dir.close()?,
            Place::Schema { server, schema } => {
                let mut admin = PgConnection::connect(&server).await?;
                sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
            }
        }
        Ok(())
    }
}

/// Opens `url` with the benchmark key and a pool of `connections`.
pub async fn open(url: &str, connections: u32) -> Result<Inventory, BoxError> {
    let master = MasterKey::from_hex(BENCH_KEY_HEX)?;
    let options = OpenOptions::new("bench")?.max_connections(connections);
    Ok(Inventory::open_with(url, master.into(), options).await?)
}

/// A store with one location and some products, each holding ten million units: enough for any
/// number of one-unit sales.
pub struct Shop {
    /// The open store.
    pub inv: Inventory,
    /// The one location.
    pub location: LocationId,
    /// The products, `BENCH-1`, `BENCH-2`, …
    pub products: Vec<ProductId>,
    scratch: Scratch,
}

impl Shop {
    /// A new store on `backend` with `products` products, opened with `connections`.
    pub async fn new(
        backend: &Backend,
        products: usize,
        connections: u32,
    ) -> Result<Shop, BoxError> {
        let scratch = Scratch::new(backend).await?;
        let inv = open(scratch.url(), connections).await?;
        let location = inv
            .create_location(NewLocation::new("LOCAL", "Local"))
            .await?
            .id;
        let new_products = (1..=products)
            .map(|n| stocked_product(&format!("BENCH-{n}"), location))
            .collect::<Result<Vec<_>, _>>()?;
        let products = inv
            .create_products(new_products)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        Ok(Shop {
            inv,
            location,
            products,
            scratch,
        })
    }

    /// The store's URL, for a second handle on it.
    pub fn url(&self) -> &str {
        self.scratch.url()
    }

    /// The backend's scratch place (its SQLite directory, if any).
    pub fn scratch(&self) -> &Scratch {
        &self.scratch
    }

    /// A one-unit sale of the `n`-th product (modulo their number).
    pub fn sale(&self, n: usize) -> MovementRequest {
        let product = self.products[n % self.products.len()];
        MovementRequest::sale(product, self.location, Quantity::from_milli(1_000))
    }

    /// `count` one-unit sales spread over the products.
    pub fn sales(&self, count: usize) -> Vec<MovementRequest> {
        (0..count).map(|n| self.sale(n)).collect()
    }

    /// Records `count` one-unit receipts, in batches of up to 10,000 (one transaction each), at
    /// each product's usual cost of 50: `count` encrypted unit costs, and no new cost history.
    pub async fn receive(&self, count: usize) -> Result<(), BoxError> {
        let cost: UnitCost = "50".parse()?;
        let mut done = 0;
        while done < count {
            let batch: Vec<_> = (done..count.min(done + RECEIPT_BATCH))
                .map(|n| {
                    let product = self.products[n % self.products.len()];
                    MovementRequest::receipt(
                        product,
                        self.location,
                        Quantity::from_milli(1_000),
                        cost,
                    )
                })
                .collect();
            self.inv.record_movements(&batch).await?;
            done += batch.len();
        }
        Ok(())
    }

    /// Records `count` one-unit sales, one per transaction, from four tasks at once: `count`
    /// more audit records (a batch writes one record for the whole call).
    pub async fn sell_one_by_one(&self, count: usize) -> Result<(), BoxError> {
        const TASKS: usize = 4;
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let inv = self.inv.clone();
                let sales: Vec<_> = (task..count).step_by(TASKS).map(|n| self.sale(n)).collect();
                tokio::spawn(async move {
                    for sale in sales {
                        inv.record(sale).await?;
                    }
                    Ok::<_, BoxError>(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        Ok(())
    }

    /// Closes the store and deletes it.
    pub async fn remove(self) -> Result<(), BoxError> {
        self.inv.close().await;
        self.scratch.remove().await
    }
}

/// Receipts per transaction in [`Shop::receive`].
const RECEIPT_BATCH: usize = 10_000;

/// A product `sku` with ten million units at `location`, costing 50 and selling for 100.
pub fn stocked_product(sku: &str, location: LocationId) -> Result<NewProduct, BoxError> {
    let mut product = NewProduct::new(Sku::parse(sku)?, "Bench", "100.00".parse::<Money>()?);
    product.initial_stock = Some(InitialStock {
        location,
        quantity: Quantity::from_units(10_000_000)?,
        unit_cost: "50".parse()?,
    });
    Ok(product)
}
