//! Persistence through sqlx: the embedded SQLite store (a file or memory).
//!
//! Every command is one transaction taken with `BEGIN IMMEDIATE`, so a read-then-write never
//! races another writer; the database is in WAL mode with a busy timeout. The rules are decided
//! by [`crate::domain`]; this module loads what they need and writes what they decide. SQL uses
//! `$N` placeholders and portable types so that the PostgreSQL backend can share it.

mod catalog;
mod codec;
mod dashboard;
mod floor;
mod ledger;
mod orders;
mod queries;
mod repricing;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use chrono_tz::Tz;

use crate::domain::TenantId;
use crate::error::{Result, StoreError};

pub(crate) use codec::corrupt;
pub use dashboard::{DashboardSummary, MonthlyTrend, ProviderStats, TopOrdered};
pub use floor::{FloorOutcome, FloorSetup};
pub use ledger::Recorded;
pub use orders::{DraftedOrders, NewOrderLine, OrderReceipt};
pub use queries::{
    CriticalProduct, HistoryFilter, LedgerDiscrepancy, LedgerReport, OverStock, Page, StockRow,
    StockValue, SupplierStock, TimelineEntry, TopProduct, WeeklySales, REPAIR_REASON,
};
pub use repricing::{RepriceBase, RepriceReport, RepriceScope, Repriced, Repricing};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for another writer's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection pool bound to one tenant.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    pool: SqlitePool,
    tenant: TenantId,
    timezone: Tz,
}

impl Store {
    /// Opens (creating if asked) and migrates the database at `url`.
    pub(crate) async fn open(
        url: &str,
        tenant: TenantId,
        timezone: Tz,
        max_connections: u32,
    ) -> Result<Store> {
        if !url.starts_with("sqlite:") {
            return Err(
                StoreError::InvalidUrl("only sqlite: URLs are supported in this version").into(),
            );
        }
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|_| StoreError::InvalidUrl("the sqlite URL could not be parsed"))?
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Normal);
        let options = if in_memory {
            options
        } else {
            options.journal_mode(SqliteJournalMode::Wal)
        };
        // Each connection to `:memory:` is its own database: keep exactly one, forever.
        let pool = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(max_connections.max(1))
        }
        .connect_with(options)
        .await
        .map_err(StoreError::Database)?;
        MIGRATIONS.run(&pool).await.map_err(StoreError::Migration)?;
        Ok(Store {
            pool,
            tenant,
            timezone,
        })
    }

    /// The tenant every query is restricted to.
    pub(crate) fn tenant(&self) -> &str {
        self.tenant.as_str()
    }

    /// The time zone that turns instants into the shop's days.
    pub(crate) fn timezone(&self) -> Tz {
        self.timezone
    }

    /// Starts a write transaction that holds the write lock from its first statement.
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The pool, for reads.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection.
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}
