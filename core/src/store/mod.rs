//! Persistence through sqlx: the embedded SQLite store (a file or memory).
//!
//! Every command is one transaction taken with `BEGIN IMMEDIATE`, so a read-then-write never
//! races another writer; the database is in WAL mode with a busy timeout. The rules are decided
//! by [`crate::domain`]; this module loads what they need and writes what they decide. SQL uses
//! `$N` placeholders and portable types so that the PostgreSQL backend can share it.

mod audit;
mod catalog;
mod codec;
mod customers;
mod dashboard;
mod fields;
mod floor;
mod keys;
mod ledger;
mod orders;
mod queries;
mod reencrypt;
mod repricing;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::SqliteTransactionManager;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction, TransactionManager};

use chrono_tz::Tz;

use crate::crypto::{KdfParams, KeySet, MasterSecret};
use crate::domain::TenantId;
use crate::error::{Result, StoreError};
use crate::metrics::Metrics;

pub(crate) use audit::Entry;
pub use audit::{AppEvent, AuditFailure, LegalHold, PurgeReport, VerifyReport};
pub(crate) use codec::corrupt;
pub use customers::{ErasureReceipt, NewCustomer, StoredCustomer};
pub use dashboard::{DashboardSummary, MonthlyTrend, ProviderStats, TopOrdered};
pub use fields::SubjectKind;
pub use floor::{FloorOutcome, FloorSetup};
pub(crate) use keys::KeyChanges;
pub use ledger::Recorded;
pub use orders::{DraftedOrders, NewOrderLine, OrderReceipt};
pub use queries::{
    CriticalProduct, HistoryFilter, LedgerDiscrepancy, LedgerReport, OverStock, Page, StockRow,
    StockValue, SupplierStock, TimelineEntry, TopProduct, WeeklySales, REPAIR_REASON,
};
pub use reencrypt::{ReencryptProgress, ReencryptReport};
pub use repricing::{RepriceBase, RepriceReport, RepriceScope, Repriced, Repricing};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for another writer's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection pool bound to one tenant, with that tenant's keys.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    pool: SqlitePool,
    tenant: TenantId,
    timezone: Tz,
    keys: Arc<KeySet>,
    metrics: Metrics,
    audit_failure: AuditFailure,
}

/// How to reach a store and unlock its keys.
pub(crate) struct Connect<'a> {
    pub(crate) url: &'a str,
    pub(crate) tenant: TenantId,
    pub(crate) timezone: Tz,
    pub(crate) max_connections: u32,
    pub(crate) secret: &'a MasterSecret,
    /// The key derivation a new passphrase keyring is created with.
    pub(crate) kdf: KdfParams,
    /// Where measurements go.
    pub(crate) metrics: Metrics,
    /// What a decrypt does when its audit record cannot be written.
    pub(crate) audit_failure: AuditFailure,
}

impl Store {
    /// Opens (creating if asked) and migrates the database at `url`, and unlocks the tenant's
    /// keyring (creating it on first use): a master key that is not the store's fails here with
    /// `WrongMasterKey`.
    pub(crate) async fn open(connect: Connect<'_>) -> Result<Store> {
        let Connect {
            url,
            tenant,
            timezone,
            max_connections,
            secret,
            kdf,
            metrics,
            audit_failure,
        } = connect;
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
        // A future cancelled at the wrong moment (while `BEGIN` or `COMMIT` is in flight) can
        // leave sqlx 0.8's SQLite connection inside a transaction that nothing will end
        // (sqlx issues #3932 and #2054; fixed upstream in 0.9). That connection would go on
        // holding the write lock for every other connection and process. So a connection that
        // comes back to the pool inside a transaction is rolled back; if that fails it is closed.
        .after_release(|conn, _| {
            Box::pin(async move {
                if <SqliteTransactionManager as TransactionManager>::get_transaction_depth(conn) > 0
                {
                    <SqliteTransactionManager as TransactionManager>::rollback(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(StoreError::Database)?;
        MIGRATIONS.run(&pool).await.map_err(StoreError::Migration)?;
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let keys = keys::open_keyset(&mut tx, tenant.as_str(), secret, kdf).await?;
        tx.commit().await?;
        Ok(Store {
            pool,
            tenant,
            timezone,
            keys: Arc::new(keys.with_metrics(metrics.clone())),
            metrics,
            audit_failure,
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

    /// Starts a write transaction that holds the write lock from its first statement, with the
    /// key cache brought up to date (another process may have rotated or destroyed keys).
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        self.sync_keys(&mut tx).await?;
        Ok(tx)
    }

    /// The id the next row of `table` will get. Inside a write transaction (which holds the
    /// write lock) no one else can take it; envelopes need it before the row exists, because
    /// they are bound to it.
    pub(crate) async fn next_id(&self, tx: &mut ledger::Tx, table: &'static str) -> Result<i64> {
        // Exactly `SELECT max(id) FROM t`, which SQLite answers from the end of the rowid tree;
        // any expression around max() would scan the table.
        let sql = format!("SELECT MAX(id) FROM {table}");
        let max: Option<i64> = sqlx::query_scalar(&sql).fetch_one(&mut **tx).await?;
        max.map_or(Ok(1), |m| {
            m.checked_add(1)
                .ok_or_else(|| corrupt(format!("{table} ids exhausted")))
        })
    }

    /// Where measurements go.
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// What a decrypt does when its audit record cannot be written.
    pub(crate) fn audit_failure(&self) -> AuditFailure {
        self.audit_failure
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
