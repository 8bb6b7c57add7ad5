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
mod import;
mod keys;
mod ledger;
mod orders;
mod privacy;
mod queries;
mod reencrypt;
mod repricing;

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyTransactionManager};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction, TransactionManager};

use chrono_tz::Tz;

use crate::crypto::{KdfParams, KeySet, MasterSecret};
use crate::domain::{ProductId, TenantId};
use crate::error::{Error, Result, StoreError};
pub(crate) use crate::metrics::Backend;
use crate::metrics::Metrics;

pub(crate) use audit::Entry;
pub use audit::{AppEvent, AuditFailure, LegalHold, PurgeReport, VerifyReport};
pub(crate) use codec::corrupt;
pub use customers::{ErasureReceipt, NewCustomer, StoredCustomer};
pub use dashboard::{DashboardSummary, MonthlyTrend, ProviderStats, TopOrdered};
pub use fields::SubjectKind;
pub(crate) use fields::ENCRYPTED_COLUMNS;
pub use floor::{FloorOutcome, FloorSetup};
pub(crate) use keys::KeyChanges;
pub use ledger::Recorded;
pub use orders::{DraftedOrders, NewOrderLine, OrderReceipt};
pub use privacy::{
    BackupPruneReport, ExportedAuditEvent, ExportedField, ExportedValue, KeptFiscalPart,
    NewPrivacyRequest, PendingRequest, PrivacyRequest, RectificationReceipt, RetentionReport,
    SubjectExport, SubjectReference, EXPORT_FORMAT,
};
pub use queries::{
    CriticalProduct, HistoryFilter, LedgerDiscrepancy, LedgerReport, OverStock, Page, StockRow,
    StockValue, SupplierStock, TimelineEntry, TopProduct, WeeklySales, REPAIR_REASON,
};
pub use reencrypt::{ReencryptProgress, ReencryptReport};
pub use repricing::{RepriceBase, RepriceReport, RepriceScope, Repriced, Repricing};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a SQLite writer waits for another writer's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a transaction that lost a race (a PostgreSQL serialization failure or
/// deadlock, a SQLite busy timeout, two writers creating the same idempotency key) is run
/// again before its error is returned. Each rerun is counted in `store_tx_retries_total`.
pub(crate) const TX_RETRIES: u32 = 8;

/// What a write transaction locks before it reads anything. SQLite has one writer at a time,
/// so there every kind is `BEGIN IMMEDIATE`; PostgreSQL takes the locks named here.
#[derive(Clone, Copy, Debug)]
pub(crate) enum WriteLock<'a> {
    /// The whole tenant, exclusively: catalogue, keys, orders, erasure, purges. Simple
    /// read-then-write code stays correct, at the price of running alone.
    Tenant,
    /// A stock command on these products: the tenant lock in shared mode (stock commands run
    /// side by side; a `Tenant` writer waits for them), then each product row `FOR UPDATE`
    /// in ascending id order, so two commands never wait on each other in a cycle.
    Products(&'a [ProductId]),
    /// Only an audit record (an access to personal data): no lock but the chain head's.
    AuditOnly,
}

/// A connection pool bound to one tenant, with that tenant's keys.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    pool: AnyPool,
    backend: Backend,
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
    /// Whether a tenant without a keyring gets a new one (else `StoreError::NoKeyring`).
    pub(crate) create_keyring: bool,
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
            create_keyring,
        } = connect;
        let backend = backend_of(url)?;
        sqlx::any::install_default_drivers();
        let pool = match backend {
            Backend::Sqlite => sqlite_pool(url, max_connections).await?,
            Backend::Postgres => postgres_pool(url, max_connections).await?,
        };
        let migrations = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrations.run(&pool).await.map_err(StoreError::Migration)?;
        let mut tx = begin(&pool, backend, tenant.as_str(), WriteLock::Tenant).await?;
        let keys = keys::open_keyset(&mut tx, tenant.as_str(), secret, kdf, create_keyring).await?;
        tx.commit().await?;
        Ok(Store {
            pool,
            backend,
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

    /// The database this store runs on.
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction holding the whole tenant ([`WriteLock::Tenant`]), with the
    /// key cache brought up to date (another process may have rotated or destroyed keys).
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Any>> {
        self.write_locking(WriteLock::Tenant).await
    }

    /// Starts a write transaction that takes `lock` before anything else, with the key cache
    /// brought up to date.
    pub(crate) async fn write_locking(
        &self,
        lock: WriteLock<'_>,
    ) -> Result<Transaction<'static, Any>> {
        let mut tx = begin(&self.pool, self.backend, self.tenant(), lock).await?;
        self.sync_keys(&mut tx).await?;
        Ok(tx)
    }

    /// Runs `attempt` (one whole transaction) again when it lost a race that a rerun can win
    /// ([`is_retryable`]), up to [`TX_RETRIES`] times with a short, growing, jittered pause;
    /// every rerun is counted in `store_tx_retries_total{backend}`.
    pub(crate) async fn retrying<T, F, Fut>(&self, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut retries = 0;
        loop {
            match attempt().await {
                Err(error) if retries < TX_RETRIES && is_retryable(&error) => {
                    retries += 1;
                    self.metrics.tx_retry(self.backend);
                    tokio::time::sleep(backoff(retries)).await;
                }
                outcome => return outcome,
            }
        }
    }

    /// The ids the next `n` rows of `table` will get, in ascending order, in one round trip
    /// (see [`Store::next_id`]).
    pub(crate) async fn next_ids(
        &self,
        tx: &mut ledger::Tx,
        table: &'static str,
        n: usize,
    ) -> Result<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let count = i64::try_from(n).map_err(|_| corrupt("too many rows in one call"))?;
        match self.backend {
            Backend::Sqlite => {
                let first = self.next_id(tx, table).await?;
                (0..count)
                    .map(|i| {
                        first
                            .checked_add(i)
                            .ok_or_else(|| corrupt(format!("{table} ids exhausted")))
                    })
                    .collect()
            }
            Backend::Postgres => {
                let mut ids: Vec<i64> = sqlx::query_scalar(
                    "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
                )
                .bind(table)
                .bind(count)
                .fetch_all(&mut **tx)
                .await?;
                ids.sort_unstable();
                Ok(ids)
            }
        }
    }

    /// The id the next row of `table` will get: envelopes need it before the row exists,
    /// because they are bound to it. SQLite hands out `MAX(id) + 1` (the write lock keeps it
    /// ours); PostgreSQL draws from the column's identity sequence, which concurrent
    /// transactions share without waiting.
    pub(crate) async fn next_id(&self, tx: &mut ledger::Tx, table: &'static str) -> Result<i64> {
        match self.backend {
            Backend::Sqlite => {
                // Exactly `SELECT max(id) FROM t`, which SQLite answers from the end of the
                // rowid tree; any expression around max() would scan the table.
                let sql = format!("SELECT MAX(id) FROM {table}");
                let max: Option<i64> = sqlx::query_scalar(&sql).fetch_one(&mut **tx).await?;
                max.map_or(Ok(1), |m| {
                    m.checked_add(1)
                        .ok_or_else(|| corrupt(format!("{table} ids exhausted")))
                })
            }
            Backend::Postgres => Ok(sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence($1, 'id'))",
            )
            .bind(table)
            .fetch_one(&mut **tx)
            .await?),
        }
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
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection.
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

/// Which backend a URL names.
fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(
            StoreError::InvalidUrl("the URL must start with sqlite:, postgres:// or postgresql://")
                .into(),
        )
    }
}

/// Rolls back a connection that comes back to the pool inside a transaction. A future
/// cancelled at the wrong moment (while `BEGIN` or `COMMIT` is in flight) can leave sqlx 0.8's
/// SQLite connection inside a transaction that nothing will end (sqlx issues #3932 and #2054;
/// fixed upstream in 0.9); that connection would go on holding the write lock for every other
/// connection and process. If the rollback fails the connection is closed.
fn release_guard(options: AnyPoolOptions) -> AnyPoolOptions {
    options.after_release(|conn, _| {
        Box::pin(async move {
            if <AnyTransactionManager as TransactionManager>::get_transaction_depth(conn) > 0 {
                <AnyTransactionManager as TransactionManager>::rollback(conn).await?;
            }
            Ok(true)
        })
    })
}

async fn sqlite_pool(url: &str, max_connections: u32) -> Result<AnyPool> {
    SqliteConnectOptions::from_str(url)
        .map_err(|_| StoreError::InvalidUrl("the sqlite URL could not be parsed"))?;
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    // Each connection to `:memory:` is its own database: keep exactly one, forever.
    let options = if in_memory {
        AnyPoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        AnyPoolOptions::new().max_connections(max_connections.max(1))
    };
    // No ping before each acquire: a SQLite connection is a thread of this process with a file
    // open, there is no peer to have gone away, and the ping is a hop to that thread on every
    // transaction. A connection whose thread died fails its next statement with the driver's
    // error, as it would after a successful ping.
    let options = options.test_before_acquire(false);
    // Each connection's settings (sqlx's `Any` driver has no typed SQLite options). A file
    // database is switched to WAL, a property of the file; memory databases have no WAL.
    let wal = if in_memory {
        ""
    } else {
        " PRAGMA journal_mode = WAL;"
    };
    let pragmas: Arc<str> = Arc::from(format!(
        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL;{wal}",
        BUSY_TIMEOUT.as_millis()
    ));
    let pool = release_guard(options)
        .after_connect(move |conn: &mut AnyConnection, _| {
            let pragmas = Arc::clone(&pragmas);
            Box::pin(async move {
                conn.execute(&*pragmas).await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(StoreError::Database)?;
    Ok(pool)
}

async fn postgres_pool(url: &str, max_connections: u32) -> Result<AnyPool> {
    // Parsed here first for a clear error; the pool parses the same URL again, TLS settings
    // (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`) included.
    PgConnectOptions::from_str(url)
        .map_err(|_| StoreError::InvalidUrl("the postgres URL could not be parsed"))?;
    check_tls_files(url)?;
    // One connection first, for the server's own answer: the pool retries a refused connection
    // until its acquire timeout and then reports only that it timed out.
    AnyConnection::connect(url)
        .await
        .map_err(StoreError::Database)?
        .close()
        .await
        .map_err(StoreError::Database)?;
    let pool = release_guard(AnyPoolOptions::new().max_connections(max_connections.max(1)))
        .connect(url)
        .await
        .map_err(StoreError::Database)?;
    Ok(pool)
}

/// Fails with [`StoreError::TlsFile`], naming the parameter and the path, when a TLS file the
/// URL names cannot be read (the driver would report only "No such file or directory").
fn check_tls_files(url: &str) -> Result<()> {
    let parsed = url::Url::parse(url)
        .map_err(|_| StoreError::InvalidUrl("the postgres URL could not be parsed"))?;
    for (key, value) in parsed.query_pairs() {
        let parameter = match key.as_ref() {
            "sslrootcert" => "sslrootcert",
            "sslcert" => "sslcert",
            "sslkey" => "sslkey",
            _ => continue,
        };
        let path = std::path::PathBuf::from(value.as_ref());
        if let Err(source) = std::fs::File::open(&path) {
            return Err(StoreError::TlsFile {
                parameter,
                path,
                source,
            }
            .into());
        }
    }
    Ok(())
}

/// Begins a write transaction and takes `lock` (see [`WriteLock`]).
async fn begin(
    pool: &AnyPool,
    backend: Backend,
    tenant: &str,
    lock: WriteLock<'_>,
) -> Result<Transaction<'static, Any>> {
    if backend == Backend::Sqlite {
        return Ok(pool.begin_with("BEGIN IMMEDIATE").await?);
    }
    let mut tx = pool.begin().await?;
    // One advisory lock per (schema, tenant): exclusive for whole-tenant writers, shared for
    // stock commands, which then lock their product rows.
    const TENANT_KEY: &str = "hashtextextended(current_schema() || '/' || $1, 0)";
    match lock {
        WriteLock::Tenant => {
            sqlx::query(&format!("SELECT pg_advisory_xact_lock({TENANT_KEY})"))
                .bind(tenant)
                .execute(&mut *tx)
                .await?;
        }
        WriteLock::Products(products) => {
            sqlx::query(&format!(
                "SELECT pg_advisory_xact_lock_shared({TENANT_KEY})"
            ))
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
            let mut ids: Vec<i64> = products.iter().map(|p| p.0).collect();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                sqlx::query("SELECT 1 FROM products WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
                    .bind(tenant)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        WriteLock::AuditOnly => {}
    }
    Ok(tx)
}

/// Whether `error` is a lost race that running the whole transaction again can win.
pub(crate) fn is_retryable(error: &Error) -> bool {
    let Error::Store(StoreError::Database(sqlx::Error::Database(db))) = error else {
        return false;
    };
    match db.code().as_deref() {
        // PostgreSQL: serialization_failure, deadlock_detected.
        Some("40001" | "40P01") => true,
        // PostgreSQL unique_violation on an idempotency key: another transaction stored the
        // same key first; the rerun finds it and replays (or reports the conflict).
        Some("23505") => db.constraint() == Some("idempotency_keys_pkey"),
        // SQLite: SQLITE_BUSY (5) and SQLITE_BUSY_SNAPSHOT (517) after the busy timeout.
        Some("5" | "517") => true,
        _ => false,
    }
}

/// The pause before rerun `n` (from 1): a random time between half and one and a half times
/// 2, 4, 8 … ms (the base is capped at 100 ms), so that the transactions that collided do not
/// collide again in step.
fn backoff(n: u32) -> Duration {
    let base = 2u64.saturating_pow(n).min(100);
    let jitter = rand::random::<u64>() % (base + 1);
    Duration::from_millis(base / 2 + jitter)
}
