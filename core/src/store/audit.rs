//! Appending to, reading, verifying and purging the tenant's audit chain.
//!
//! An audited change appends its record inside its own transaction ([`Store::commit_audited`]),
//! so both commit or neither does. The head row (`audit_head`) is read and rewritten by every
//! append: writers serialise on it, which keeps `seq` gapless.

use std::borrow::Cow;
use std::time::Instant;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::codec::{instant, micros};
use super::ledger::Tx;
use super::{corrupt, Backend, Store, WriteLock};
use crate::audit::StoredRecordRef;
use crate::audit::{
    AuditError, AuditEvent, ChainBreak, ChainVerifier, Checkpoint, EventType, RecordFields, Status,
    StoredRecord, TamperKind, Target, GENESIS_HASH,
};
use crate::crypto::KeyMaterial;
use crate::domain::privacy::{AuditCategory, PurgeStop};
use crate::domain::{Actor, RuleError};
use crate::error::{Error, Result};
use crate::metrics::{AuditEventLabel, AuditStatusLabel};

/// Records read per query while verifying, on SQLite. A page is one JSON text of some 450 bytes
/// a record. Each page costs a round trip to the connection's thread, but small pages' buffers
/// are reused by the allocator: from about 256 records on, SQLite's and the driver's copies of
/// each page land on freshly mapped memory (4 to 7 times the page faults of 128-record pages,
/// for the same CPU time at best).
const VERIFY_PAGE_SQLITE: i64 = 128;
/// The same on PostgreSQL, where a page is a round trip over the network.
const VERIFY_PAGE_POSTGRES: i64 = 2_048;
/// Largest `detail` accepted from an application event, in bytes of JSON.
const MAX_APP_DETAIL: usize = 16 * 1024;

/// What a command appends: everything but the chain fields, which the store fills in.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) event_type: EventType,
    pub(crate) target: Target,
    pub(crate) status: Status,
    pub(crate) key_id: Option<u32>,
    pub(crate) detail: Value,
}

impl Entry {
    pub(crate) fn new(event_type: EventType, table: &str, key: impl ToString) -> Entry {
        Entry {
            event_type,
            target: Target::new(table, key.to_string()),
            status: Status::Success,
            key_id: None,
            detail: json!({}),
        }
    }

    pub(crate) fn detail(mut self, detail: Value) -> Entry {
        self.detail = detail;
        self
    }

    pub(crate) fn key(mut self, key_id: Option<u32>) -> Entry {
        self.key_id = key_id;
        self
    }

    pub(crate) fn failed(mut self) -> Entry {
        self.status = Status::Failed;
        self
    }
}

/// The chain head as read under its lock: the last record's `seq` and hash.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChainHead {
    seq: u64,
    hash: [u8; 32],
}

/// The chain head and the ids drawn by [`Store::claim_ids`].
pub(crate) struct Claim {
    /// The drawn ids, ascending.
    pub(crate) ids: Vec<i64>,
    /// The chain head (`None` before the first record).
    pub(crate) head: Option<ChainHead>,
}

/// The head in a row of `seq` and `hash`; `None` for PostgreSQL's placeholder (seq 0), which
/// stands for an empty chain.
fn chain_head(row: &AnyRow) -> Result<Option<ChainHead>> {
    let seq: i64 = row.try_get("seq")?;
    if seq <= 0 {
        return Ok(None);
    }
    Ok(Some(ChainHead {
        seq: u64::try_from(seq).map_err(|_| corrupt("negative audit seq"))?,
        hash: hash32(row.try_get("hash")?)?,
    }))
}

/// An event an application records in the chain itself (a failed login, an export).
#[derive(Clone, Debug, PartialEq)]
pub struct AppEvent {
    /// `LOGIN_FAILED`, `DATA_EXPORT`, `ACCESS_REQUEST`, or a name of the application's own.
    pub event_type: EventType,
    /// What it is about.
    pub target: Target,
    /// Whether it succeeded.
    pub status: Status,
    /// A JSON object without personal values (use `detail.ip` for a source address).
    pub detail: Value,
}

/// Whether a store-level decrypt may return plaintext when its audit record cannot be written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuditFailure {
    /// The caller gets an error instead of the plaintext (the default).
    #[default]
    FailClosed,
    /// The plaintext is returned and `inventario_audit_dropped_total` counts the lost record.
    FailOpen,
}

/// The outcome of [`crate::Inventory::verify_audit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// The first `seq` checked.
    pub from_seq: u64,
    /// The last `seq` that checked (`from_seq - 1` when none did).
    pub to_seq: u64,
    /// How many records checked.
    pub checked: u64,
    /// The pinned checkpoint's `seq`, when one was given and matched (`None` when the
    /// checkpoint predates a retention purge: the retained chain is then checked from its
    /// anchor, which a verified `RETENTION_PURGE` record must vouch for).
    pub checkpoint_seq: Option<u64>,
    /// The first break, if any.
    pub problem: Option<ChainBreak>,
}

impl VerifyReport {
    /// True when every record checked and nothing is missing.
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// The outcome of a retention purge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgeReport {
    /// Records removed.
    pub purged: u64,
    /// The last removed `seq` (the chain now starts after it), if any was removed.
    pub purged_through: Option<u64>,
    /// Whether a legal hold stopped the purge before the cutoff.
    pub stopped_by_hold: bool,
    /// The `RETENTION_PURGE` record's `seq`, if one was written.
    pub event_seq: Option<u64>,
}

/// A legal hold: audit records about its target are kept until it is lifted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalHold {
    /// The hold's id.
    pub id: i64,
    /// What is held (an empty key holds every row of the table).
    pub target: Target,
    /// Why.
    pub reason: String,
    /// Who placed it.
    pub placed_by: String,
    /// When.
    pub placed_at: DateTime<Utc>,
    /// When it was lifted, if it was.
    pub lifted_at: Option<DateTime<Utc>>,
}

impl Store {
    fn audit_key(&self) -> Result<std::sync::Arc<KeyMaterial>> {
        self.keys()
            .audit_key()?
            .ok_or(Error::Audit(AuditError::MissingKey))
    }

    /// The values of personal fields as they may appear in audit records: for each field that
    /// has a value, the first 16 bytes of `HMAC-SHA256(audit key, "inventario-core/v1 audit
    /// value" ‖ u32(len(field)) ‖ field ‖ value)` in hex. Equal values give equal MACs within a
    /// store (so an auditor can tell whether a value changed), and nothing else about them.
    pub(crate) fn value_macs(&self, fields: &[(&str, Option<&str>)]) -> Result<Value> {
        let key = self.audit_key()?;
        let mut out = serde_json::Map::new();
        for (field, value) in fields {
            let Some(value) = value else { continue };
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose())
                .expect("HMAC takes keys of any length");
            mac.update(b"inventario-core/v1 audit value");
            mac.update(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
            mac.update(field.as_bytes());
            mac.update(value.as_bytes());
            let tag = mac.finalize().into_bytes();
            out.insert((*field).to_owned(), Value::String(hex::encode(&tag[..16])));
        }
        Ok(Value::Object(out))
    }

    /// Appends `entry` to the chain inside `tx`; returns its `seq`.
    pub(crate) async fn append_audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        entry: Entry,
    ) -> Result<u64> {
        let head = self.lock_audit_head(tx).await?;
        self.append_audit_after(tx, head, actor, entry).await
    }

    /// Appends `entry` after `head`, the chain head as read under the lock earlier in this same
    /// transaction (by [`Store::lock_audit_head`] or [`Store::claim_ids`]), with nothing
    /// appended in between; returns its `seq`.
    async fn append_audit_after(
        &self,
        tx: &mut Tx,
        head: Option<ChainHead>,
        actor: &Actor,
        entry: Entry,
    ) -> Result<u64> {
        let started = Instant::now();
        let key = self.audit_key()?;
        let (seq, prev) = match head {
            Some(head) => (head.seq + 1, head.hash),
            None => (1, GENESIS_HASH),
        };
        let event_id = Uuid::now_v7();
        let at = micros(Utc::now());
        let detail = entry.detail.to_string();
        let fields = RecordFields {
            tenant: self.tenant(),
            seq,
            event_id,
            at_micros: at,
            actor: actor.as_str(),
            event_type: entry.event_type.as_str(),
            target_table: &entry.target.table,
            target_key: &entry.target.key,
            status: entry.status,
            key_id: entry.key_id,
            detail: &detail,
        };
        let hash = fields.chain_hash(key.expose(), &prev);
        let seq_i64 = i64::try_from(seq).map_err(|_| corrupt("audit seq exhausted"))?;
        // The record and the moved head go in one round trip. PostgreSQL does it in one
        // statement (the head row exists, since `lock_audit_head` made sure of it); SQLite has no
        // data-modifying WITH, so there it is two statements sent together, which its driver
        // runs one after the other in one call.
        let insert = match self.backend() {
            Backend::Sqlite => {
                "INSERT INTO audit_events (tenant_id, seq, event_id, at, actor, event_type, \
                   target_table, target_key, status, key_id, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13); \
                 INSERT INTO audit_head (tenant_id, seq, hash) VALUES ($1, $2, $13) \
                 ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"
            }
            Backend::Postgres => {
                "WITH record AS (INSERT INTO audit_events (tenant_id, seq, event_id, at, actor, \
                   event_type, target_table, target_key, status, key_id, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)) \
                 UPDATE audit_head SET seq = $2, hash = $13 WHERE tenant_id = $1"
            }
        };
        sqlx::query(insert)
            .bind(self.tenant())
            .bind(seq_i64)
            .bind(&event_id.as_bytes()[..])
            .bind(at)
            .bind(actor.as_str())
            .bind(entry.event_type.as_str())
            .bind(&entry.target.table)
            .bind(&entry.target.key)
            .bind(entry.status.as_str())
            .bind(entry.key_id.map(i64::from))
            .bind(&detail)
            .bind(&prev[..])
            .bind(&hash[..])
            .execute(&mut **tx)
            .await?;
        let metrics = self.metrics();
        metrics.audit_event(
            AuditEventLabel::from_name(entry.event_type.as_str()),
            match entry.status {
                Status::Success => AuditStatusLabel::Success,
                Status::Failed => AuditStatusLabel::Failed,
            },
        );
        metrics.audit_append(started.elapsed().as_secs_f64());
        Ok(seq)
    }

    /// Reads the chain head, locking it until `tx` ends. SQLite's write lock already excludes
    /// every other appender. On PostgreSQL the head row is locked `FOR UPDATE`; a tenant's first
    /// append creates it (as the placeholder seq 0, replaced before commit) so that there is
    /// always a row to lock, and concurrent first appends wait on its key instead of racing.
    async fn lock_audit_head(&self, tx: &mut Tx) -> Result<Option<ChainHead>> {
        let select = match self.backend() {
            Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE tenant_id = $1",
            Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE tenant_id = $1 FOR UPDATE",
        };
        let head = sqlx::query(select)
            .bind(self.tenant())
            .fetch_optional(&mut **tx)
            .await?;
        if head.is_some() || self.backend() == Backend::Sqlite {
            return head
                .as_ref()
                .map(chain_head)
                .transpose()
                .map(Option::flatten);
        }
        sqlx::query(
            "INSERT INTO audit_head (tenant_id, seq, hash) VALUES ($1, 0, $2) \
             ON CONFLICT (tenant_id) DO NOTHING",
        )
        .bind(self.tenant())
        .bind(&GENESIS_HASH[..])
        .execute(&mut **tx)
        .await?;
        let head = sqlx::query(select)
            .bind(self.tenant())
            .fetch_one(&mut **tx)
            .await?;
        chain_head(&head)
    }

    /// Makes the rest of `tx` run one transaction at a time, so that the ids it draws from now
    /// on are in commit order: a reader following the change feed (`movements_since`) with the
    /// last id it saw can never miss a row committed later under a smaller id. Stock commands
    /// call it once their rules have passed, just before their first insert; it takes the chain
    /// head lock that their audit record needs anyway (D25), a little earlier. SQLite's write
    /// lock already gives this order.
    pub(crate) async fn order_commits(&self, tx: &mut Tx) -> Result<()> {
        if self.backend() == Backend::Postgres {
            self.lock_audit_head(tx).await?;
        }
        Ok(())
    }

    /// [`Store::order_commits`] and [`Store::next_ids`] in one round trip: locks the chain head,
    /// then draws the ids of the next `n` rows of `table` (ascending), and returns both. The
    /// head is what [`Store::commit_audited_after`] appends after, as long as nothing else is
    /// appended in this transaction in between.
    pub(crate) async fn claim_ids(
        &self,
        tx: &mut Tx,
        table: &'static str,
        n: usize,
    ) -> Result<Claim> {
        let count = i64::try_from(n).map_err(|_| corrupt("too many rows in one call"))?;
        match self.backend() {
            Backend::Sqlite => {
                // The write lock is already ours: the head and `MAX(id)` cannot move. The
                // subquery is exactly `SELECT MAX(id) FROM t`, which SQLite answers from the end
                // of the rowid tree (see `next_id`).
                let sql = format!(
                    "SELECT (SELECT MAX(id) FROM {table}) AS max_id, h.seq, h.hash \
                     FROM (SELECT 1) LEFT JOIN audit_head h ON h.tenant_id = $1"
                );
                let row = sqlx::query(&sql)
                    .bind(self.tenant())
                    .fetch_one(&mut **tx)
                    .await?;
                let max: Option<i64> = row.try_get("max_id")?;
                let first = max.map_or(Ok(1), |m| {
                    m.checked_add(1)
                        .ok_or_else(|| corrupt(format!("{table} ids exhausted")))
                })?;
                let ids = (0..count)
                    .map(|i| {
                        first
                            .checked_add(i)
                            .ok_or_else(|| corrupt(format!("{table} ids exhausted")))
                    })
                    .collect::<Result<_>>()?;
                let head = match row.try_get::<Option<i64>, _>("seq")? {
                    Some(_) => chain_head(&row)?,
                    None => None,
                };
                Ok(Claim { ids, head })
            }
            Backend::Postgres => {
                // The head row is locked in a CTE of its own, and the ids are drawn in the
                // outer projection, which needs a locked head row: every id is drawn after the
                // lock is held, as with `order_commits` followed by `next_ids`.
                let rows = sqlx::query(
                    "WITH h AS MATERIALIZED (SELECT seq, hash FROM audit_head \
                       WHERE tenant_id = $1 FOR UPDATE) \
                     SELECT h.seq, h.hash, nextval(pg_get_serial_sequence($2, 'id')) AS id \
                     FROM h, generate_series(1, $3)",
                )
                .bind(self.tenant())
                .bind(table)
                .bind(count)
                .fetch_all(&mut **tx)
                .await?;
                let Some(first) = rows.first() else {
                    // No head row yet (a tenant's first append), or nothing to draw.
                    let head = self.lock_audit_head(tx).await?;
                    let ids = self.next_ids(tx, table, n).await?;
                    return Ok(Claim { ids, head });
                };
                let head = chain_head(first)?;
                let mut ids = rows
                    .iter()
                    .map(|row| row.try_get::<i64, _>("id"))
                    .collect::<std::result::Result<Vec<i64>, _>>()?;
                ids.sort_unstable();
                Ok(Claim { ids, head })
            }
        }
    }

    /// [`Store::commit_audited`] with the chain head already read under the lock in `tx` (by
    /// [`Store::claim_ids`]), nothing having been appended since.
    pub(crate) async fn commit_audited_after(
        &self,
        mut tx: Tx,
        head: Option<ChainHead>,
        actor: &Actor,
        entry: Entry,
    ) -> Result<u64> {
        let seq = self.append_audit_after(&mut tx, head, actor, entry).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Appends `entry` and commits `tx`: the change and its record land together or not at all.
    pub(crate) async fn commit_audited(
        &self,
        mut tx: Tx,
        actor: &Actor,
        entry: Entry,
    ) -> Result<u64> {
        let seq = self.append_audit(&mut tx, actor, entry).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Records an access (a decrypt of stored personal data) in a transaction of its own,
    /// before the caller returns the plaintext. Fail-closed: an error here withholds the
    /// plaintext. Fail-open: the loss is counted and the caller goes on.
    pub(crate) async fn audit_access(&self, actor: &Actor, entry: Entry) -> Result<()> {
        let appended = self
            .retrying(|| async {
                let tx = self.write_locking(WriteLock::AuditOnly).await?;
                self.commit_audited(tx, actor, entry.clone()).await
            })
            .await;
        match (appended, self.audit_failure()) {
            (Ok(_), _) => Ok(()),
            (Err(_), AuditFailure::FailOpen) => {
                self.metrics().audit_dropped();
                Ok(())
            }
            (Err(source), AuditFailure::FailClosed) => Err(Error::AuditUnavailable {
                source: Box::new(source),
            }),
        }
    }

    /// Writes `DECRYPT_FAILED` for a stored field that did not open, then hands the error back.
    /// If even that record cannot be written, the original error is still what the caller sees.
    pub(crate) async fn audit_decrypt_failure(&self, actor: &Actor, error: Error) -> Error {
        let entry = match &error {
            Error::Field {
                table,
                column,
                row,
                source,
            } => Entry::new(EventType::DecryptFailed, table, row)
                .failed()
                .detail(json!({ "column": column, "error": source.kind() })),
            _ => return error,
        };
        let written = self
            .retrying(|| async {
                let tx = self.write_locking(WriteLock::AuditOnly).await?;
                self.commit_audited(tx, actor, entry.clone()).await
            })
            .await;
        if written.is_err() {
            self.metrics().audit_dropped();
        }
        error
    }

    /// Appends an application's own event.
    pub(crate) async fn record_app_event(&self, actor: &Actor, event: AppEvent) -> Result<u64> {
        let allowed = matches!(
            event.event_type,
            EventType::LoginFailed
                | EventType::DataExport
                | EventType::AccessRequest
                | EventType::Other(_)
        );
        if !allowed {
            return Err(AuditError::InvalidEvent(
                "only LOGIN_FAILED, DATA_EXPORT, ACCESS_REQUEST or the application's own names \
                 can be recorded by the application",
            )
            .into());
        }
        if !event.detail.is_object() {
            return Err(AuditError::InvalidEvent("detail must be a JSON object").into());
        }
        if event.detail.to_string().len() > MAX_APP_DETAIL {
            return Err(AuditError::InvalidEvent("detail is larger than 16 KiB").into());
        }
        if event.target.table.len() > 100 || event.target.key.len() > 200 {
            return Err(AuditError::InvalidEvent("target is too long").into());
        }
        let tx = self.write().await?;
        let entry = Entry {
            event_type: event.event_type,
            target: event.target,
            status: event.status,
            key_id: None,
            detail: event.detail,
        };
        self.commit_audited(tx, actor, entry).await
    }

    /// Records with `from <= at < to`, in `seq` order.
    pub(crate) async fn audit_events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM audit_events \
             WHERE tenant_id = $1 AND at >= $2 AND at < $3 ORDER BY seq"
        ))
        .bind(self.tenant())
        .bind(micros(from))
        .bind(micros(to))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_event).collect()
    }

    /// Records after `after_seq`, at most `limit`, in `seq` order.
    pub(crate) async fn audit_events_after(
        &self,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM audit_events \
             WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(self.tenant())
        .bind(i64::try_from(after_seq).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_event).collect()
    }

    /// The head of the chain: the last `seq` written and its hash.
    async fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>> {
        self.chain_position("audit_head").await
    }

    /// The retention anchor: the last purged `seq` and its hash.
    async fn audit_anchor(&self) -> Result<Option<(u64, [u8; 32])>> {
        self.chain_position("audit_anchor").await
    }

    async fn chain_position(&self, table: &'static str) -> Result<Option<(u64, [u8; 32])>> {
        let row = sqlx::query(&format!(
            "SELECT seq, hash FROM {table} WHERE tenant_id = $1"
        ))
        .bind(self.tenant())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            let seq: i64 = row.try_get("seq")?;
            Ok((
                u64::try_from(seq).unwrap_or(0),
                hash32(row.try_get("hash")?)?,
            ))
        })
        .transpose()
    }

    pub(super) async fn store_id(&self) -> Result<[u8; 16]> {
        let id: Vec<u8> =
            sqlx::query_scalar("SELECT store_id FROM crypto_meta WHERE tenant_id = $1")
                .bind(self.tenant())
                .fetch_one(self.pool())
                .await?;
        id.try_into()
            .map_err(|_| corrupt("store id is not 16 bytes"))
    }

    fn signing_seed(&self) -> Result<std::sync::Arc<KeyMaterial>> {
        self.keys()
            .audit_signing_key()?
            .ok_or(Error::Audit(AuditError::MissingKey))
    }

    /// Signs the current head of the chain.
    pub(crate) async fn audit_checkpoint(&self) -> Result<Checkpoint> {
        self.sync_keys_for_read().await?;
        let (seq, hash) = self.audit_head().await?.unwrap_or((0, GENESIS_HASH));
        let seed = self.signing_seed()?;
        Ok(Checkpoint::sign(
            seed.expose(),
            self.store_id().await?,
            self.tenant(),
            seq,
            hash,
            Utc::now(),
        ))
    }

    /// Recomputes the chain from the pinned checkpoint (or from its start) to its head.
    pub(crate) async fn verify_audit(&self, since: Option<&Checkpoint>) -> Result<VerifyReport> {
        self.sync_keys_for_read().await?;
        let key = self.audit_key()?;
        let anchor = self.audit_anchor().await?;
        let head = self.audit_head().await?;
        let mut checkpoint_seq = None;
        let (start_seq, start_hash) = match since {
            Some(cp) => {
                cp.verify_signature()?;
                let own_key = Checkpoint::public_key_of(self.signing_seed()?.expose());
                if cp.store_id != self.store_id().await?
                    || cp.tenant != self.tenant()
                    || cp.public_key != own_key
                {
                    return Err(AuditError::ForeignCheckpoint.into());
                }
                match self.pinned_start(cp, anchor).await? {
                    Ok(start) => {
                        checkpoint_seq = (start.0 == cp.seq).then_some(cp.seq);
                        start
                    }
                    Err(problem) => {
                        self.metrics().audit_verify_failure();
                        return Ok(VerifyReport {
                            from_seq: cp.seq,
                            to_seq: cp.seq.saturating_sub(1),
                            checked: 0,
                            checkpoint_seq: None,
                            problem: Some(problem),
                        });
                    }
                }
            }
            None => anchor.unwrap_or((0, GENESIS_HASH)),
        };
        let mut verifier = ChainVerifier::new(key.expose(), self.tenant(), start_seq, start_hash);
        let mut purge_records: Vec<(u64, Value)> = Vec::new();
        let mut problem = None;
        // One connection for every page: a page costs a round trip to it, not a pool checkout.
        let mut conn = self.pool().acquire().await?;
        let page_size = match self.backend() {
            Backend::Sqlite => VERIFY_PAGE_SQLITE,
            Backend::Postgres => VERIFY_PAGE_POSTGRES,
        };
        let mut query = PageQuery::Range { after: start_seq };
        let mut page = self.record_page(&mut conn, query, page_size).await?;
        loop {
            // The next page is read while this one is checked: on SQLite the driver's worker
            // thread builds it, on PostgreSQL the server does. `biased` polls the read first, so
            // it is under way before the check (which never yields) starts.
            let next_query = query.next(&page, page_size);
            let (next, checked) = tokio::join!(
                biased;
                async {
                    match next_query {
                        Some(next) => self
                            .record_page(&mut conn, next, page_size)
                            .await
                            .map(Some),
                        None => Ok(None),
                    }
                },
                async { check_page(&mut verifier, &page.json, &mut purge_records) },
            );
            if let Some((broken, next_in_page)) = checked? {
                let next = match next_in_page {
                    Some(next) => Some(next),
                    None => self.stored_records(&mut conn, broken.seq, 1).await?.pop(),
                };
                let predecessor_exists =
                    self.audit_hash_exists(&mut conn, &broken.prev_hash).await?;
                let exists = |h: &[u8]| predecessor_exists && h == broken.prev_hash.as_slice();
                problem =
                    Some(verifier.classify(&broken, next.as_ref(), &exists, head.map(|h| h.0)));
                break;
            }
            match (next?, next_query) {
                (Some(next), Some(next_query)) => (page, query) = (next, next_query),
                _ => break,
            }
        }
        if problem.is_none() {
            problem = tail_problem(&verifier, head, start_seq).or_else(|| {
                let from_anchor = anchor.is_some_and(|(seq, _)| seq == start_seq);
                anchor_problem(from_anchor, anchor, &purge_records)
            });
        }
        if problem.is_some() {
            self.metrics().audit_verify_failure();
        }
        Ok(VerifyReport {
            from_seq: start_seq + 1,
            to_seq: verifier.next_seq() - 1,
            checked: verifier.checked(),
            checkpoint_seq,
            problem,
        })
    }

    /// Where verification starts after a pinned checkpoint, or why it cannot: the chain must
    /// still hold the checkpoint's record with the checkpoint's hash.
    async fn pinned_start(
        &self,
        cp: &Checkpoint,
        anchor: Option<(u64, [u8; 32])>,
    ) -> Result<std::result::Result<(u64, [u8; 32]), ChainBreak>> {
        if cp.seq == 0 {
            return Ok(Ok((0, GENESIS_HASH)));
        }
        let fork = |message: String| ChainBreak {
            seq: cp.seq,
            kind: TamperKind::Fork,
            message,
        };
        let stored: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT hash FROM audit_events WHERE tenant_id = $1 AND seq = $2")
                .bind(self.tenant())
                .bind(i64::try_from(cp.seq).unwrap_or(i64::MAX))
                .fetch_optional(self.pool())
                .await?;
        let stored = match (stored, anchor) {
            (Some(hash), _) => hash,
            (None, Some((seq, hash))) if seq == cp.seq => hash.to_vec(),
            (None, Some((seq, hash))) if seq > cp.seq => {
                // Purged past the checkpoint: the retained chain is checked from its anchor.
                return Ok(Ok((seq, hash)));
            }
            (None, _) => {
                return Ok(Err(fork(format!(
                    "the chain no longer holds record {} of the pinned checkpoint",
                    cp.seq
                ))))
            }
        };
        if stored != cp.hash {
            return Ok(Err(fork(format!(
                "record {} differs from the pinned checkpoint",
                cp.seq
            ))));
        }
        Ok(Ok((cp.seq, cp.hash)))
    }

    /// A page of records for the verifier: one JSON array of [`PageRow`]s (one row instead of
    /// one per record: the driver's cost per row is several times the cost of checking a
    /// record), with how many records it holds and the last one's `seq`.
    async fn record_page(
        &self,
        conn: &mut AnyConnection,
        query: PageQuery,
        limit: i64,
    ) -> Result<RecordPage> {
        // A range of `seq` is read straight off the primary key; `ORDER BY … LIMIT` needs a
        // subquery, which SQLite runs as a coroutine that copies every column on its way out
        // (a third more of its time, for the same page).
        let (columns, alias) = match self.backend() {
            Backend::Sqlite => (
                "json_group_array(json_array(seq, hex(event_id), at, actor, event_type, \
                   target_table, target_key, status, key_id, detail, hex(prev_hash), hex(hash)))",
                "",
            ),
            Backend::Postgres => (
                "CAST(json_agg(json_build_array(seq, encode(event_id, 'hex'), at, actor, \
                   event_type, target_table, target_key, status, key_id, detail, \
                   encode(prev_hash, 'hex'), encode(hash, 'hex')) ORDER BY seq) AS TEXT)",
                " AS page",
            ),
        };
        let (sql, bound) = match query {
            PageQuery::Range { after } => (
                format!(
                    "SELECT {columns}, count(*), max(seq) FROM audit_events \
                     WHERE tenant_id = $1 AND seq > $2 AND seq <= $3"
                ),
                i64::try_from(after)
                    .unwrap_or(i64::MAX)
                    .saturating_add(limit),
            ),
            PageQuery::Next { .. } => (
                format!(
                    "SELECT {columns}, count(*), max(seq) FROM (SELECT * FROM audit_events \
                     WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3){alias}"
                ),
                limit,
            ),
        };
        let (json, count, last_seq): (Option<String>, i64, Option<i64>) = sqlx::query_as(&sql)
            .bind(self.tenant())
            .bind(i64::try_from(query.after()).unwrap_or(i64::MAX))
            .bind(bound)
            .fetch_one(&mut *conn)
            .await?;
        Ok(RecordPage {
            json: json.unwrap_or_else(|| "[]".to_owned()),
            count,
            last_seq: last_seq.map(|seq| u64::try_from(seq).unwrap_or(0)),
        })
    }

    /// Up to `limit` records after `after_seq`, in `seq` order (what a page holds, owned).
    async fn stored_records(
        &self,
        conn: &mut AnyConnection,
        after_seq: u64,
        limit: i64,
    ) -> Result<Vec<StoredRecord>> {
        let page = self
            .record_page(conn, PageQuery::Next { after: after_seq }, limit)
            .await?;
        Ok(page_rows(&page.json)?
            .iter()
            .map(PageRow::to_record)
            .collect())
    }

    async fn audit_hash_exists(&self, conn: &mut AnyConnection, hash: &[u8]) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_events WHERE tenant_id = $1 AND hash = $2 LIMIT 1",
        )
        .bind(self.tenant())
        .bind(hash)
        .fetch_optional(conn)
        .await?;
        Ok(found.is_some())
    }

    /// Purges the oldest records written before `cutoff`, as one contiguous range from the
    /// start of the chain that stops at the first record under a legal hold, and appends
    /// `RETENTION_PURGE` carrying the last purged `seq` and hash. Running it again with
    /// nothing left to purge writes nothing.
    pub(crate) async fn purge_audit(
        &self,
        cutoff: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<PurgeReport> {
        let mut tx = self.write().await?;
        let purge = self
            .purge_prefix(
                &mut tx,
                PurgeCutoffs {
                    operational: cutoff,
                    access: cutoff,
                },
            )
            .await?;
        let stopped_by_hold = purge.stop == Some(PurgeStop::LegalHold);
        let (Some(through), Some(last_hash)) = (purge.through, purge.last_hash) else {
            tx.rollback().await?;
            return Ok(PurgeReport {
                purged: 0,
                purged_through: None,
                stopped_by_hold,
                event_seq: None,
            });
        };
        let entry = Entry::new(EventType::RetentionPurge, "audit_events", "").detail(json!({
            "purged": purge.purged,
            "purged_through_seq": through,
            "last_purged_hash": hex::encode(&last_hash),
            "cutoff": cutoff.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "stopped_by_legal_hold": stopped_by_hold,
        }));
        let seq = self.commit_audited(tx, actor, entry).await?;
        Ok(PurgeReport {
            purged: purge.purged,
            purged_through: u64::try_from(through).ok(),
            stopped_by_hold,
            event_seq: Some(seq),
        })
    }

    /// Removes, inside `tx`, the longest prefix of the chain (after its anchor) in which every
    /// record is older than its category's cutoff and under no legal hold, and moves the
    /// anchor to the last record removed. The caller appends the `RETENTION_PURGE` record
    /// that vouches for the new anchor (with [`PrefixPurge::through`] and
    /// [`PrefixPurge::last_hash`]) before it commits.
    ///
    /// The chain's last record is never removed when it is itself a `RETENTION_PURGE`: it is
    /// the previous purge's own record, and removing it would only make every later run, with
    /// nothing else to purge, write another one.
    pub(crate) async fn purge_prefix(
        &self,
        tx: &mut Tx,
        cutoffs: PurgeCutoffs,
    ) -> Result<PrefixPurge> {
        let anchor: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM audit_anchor WHERE tenant_id = $1",
        )
        .bind(self.tenant())
        .fetch_one(&mut **tx)
        .await?;
        let access_types = AuditCategory::ACCESS_EVENT_TYPES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let first_kept: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MIN(e.seq) FROM audit_events e WHERE e.tenant_id = $1 AND e.seq > $2 \
               AND (e.at >= CASE WHEN e.event_type IN ({access_types}) THEN $4 ELSE $3 END \
                 OR {HELD})"
        ))
        .bind(self.tenant())
        .bind(anchor)
        .bind(micros(cutoffs.operational))
        .bind(micros(cutoffs.access))
        .fetch_one(&mut **tx)
        .await?;
        let last = sqlx::query(
            "SELECT seq, event_type FROM audit_events WHERE tenant_id = $1 \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(self.tenant())
        .fetch_optional(&mut **tx)
        .await?;
        let (last_seq, last_is_purge) = match &last {
            Some(row) => (
                Some(row.try_get::<i64, _>("seq")?),
                row.try_get::<String, _>("event_type")? == EventType::RetentionPurge.as_str(),
            ),
            None => (None, false),
        };
        let mut through = match (first_kept, last_seq) {
            (Some(kept), _) => kept - 1,
            (None, Some(last)) => last,
            (None, None) => anchor,
        };
        if let (Some(last), true) = (last_seq, last_is_purge) {
            through = through.min(last - 1);
        }
        let stop = match first_kept {
            Some(kept) => {
                let row = sqlx::query(
                    "SELECT at, event_type FROM audit_events WHERE tenant_id = $1 AND seq = $2",
                )
                .bind(self.tenant())
                .bind(kept)
                .fetch_one(&mut **tx)
                .await?;
                let category = AuditCategory::of_name(&row.try_get::<String, _>("event_type")?);
                let cutoff = match category {
                    AuditCategory::Operational => cutoffs.operational,
                    AuditCategory::Access => cutoffs.access,
                };
                if row.try_get::<i64, _>("at")? >= micros(cutoff) {
                    Some(PurgeStop::Retention(category))
                } else {
                    Some(PurgeStop::LegalHold)
                }
            }
            None => None,
        };
        if through <= anchor {
            return Ok(PrefixPurge {
                purged: 0,
                through: None,
                last_hash: None,
                stop,
            });
        }
        let last_hash: Vec<u8> =
            sqlx::query_scalar("SELECT hash FROM audit_events WHERE tenant_id = $1 AND seq = $2")
                .bind(self.tenant())
                .bind(through)
                .fetch_one(&mut **tx)
                .await?;
        let purged = sqlx::query("DELETE FROM audit_events WHERE tenant_id = $1 AND seq <= $2")
            .bind(self.tenant())
            .bind(through)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        sqlx::query(
            "INSERT INTO audit_anchor (tenant_id, seq, hash, purged_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, \
               purged_at = excluded.purged_at",
        )
        .bind(self.tenant())
        .bind(through)
        .bind(&last_hash)
        .bind(micros(Utc::now()))
        .execute(&mut **tx)
        .await?;
        Ok(PrefixPurge {
            purged,
            through: Some(through),
            last_hash: Some(last_hash),
            stop,
        })
    }

    /// Places a legal hold on a target; audited `LEGAL_HOLD`.
    pub(crate) async fn place_legal_hold(
        &self,
        target: Target,
        reason: &str,
        actor: &Actor,
    ) -> Result<LegalHold> {
        let reason = reason.trim();
        if target.table.is_empty() || target.table.len() > 100 || target.key.len() > 200 {
            return Err(RuleError::InvalidText {
                field: "legal hold target",
                max: 100,
            }
            .into());
        }
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(RuleError::InvalidText {
                field: "legal hold reason",
                max: 500,
            }
            .into());
        }
        let now = Utc::now();
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO legal_holds (tenant_id, target_table, target_key, reason, placed_by, \
               placed_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(self.tenant())
        .bind(&target.table)
        .bind(&target.key)
        .bind(reason)
        .bind(actor.as_str())
        .bind(micros(now))
        .fetch_one(&mut *tx)
        .await?;
        let entry = Entry::new(EventType::LegalHold, "legal_holds", id).detail(json!({
            "action": "place",
            "table": target.table,
            "key": target.key,
        }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(LegalHold {
            id,
            target,
            reason: reason.to_owned(),
            placed_by: actor.as_str().to_owned(),
            placed_at: instant(micros(now))?,
            lifted_at: None,
        })
    }

    /// Lifts a hold; audited `LEGAL_HOLD`. Lifting a lifted hold changes nothing.
    pub(crate) async fn lift_legal_hold(&self, id: i64, actor: &Actor) -> Result<LegalHold> {
        let mut tx = self.write().await?;
        let lifted = sqlx::query(
            "UPDATE legal_holds SET lifted_at = $3 WHERE tenant_id = $1 AND id = $2 \
               AND lifted_at IS NULL",
        )
        .bind(self.tenant())
        .bind(id)
        .bind(micros(Utc::now()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let hold = legal_hold_in(&mut tx, self.tenant(), id)
            .await?
            .ok_or(Error::Audit(AuditError::LegalHoldNotFound(id)))?;
        if lifted == 0 {
            tx.rollback().await?;
            return Ok(hold);
        }
        let entry = Entry::new(EventType::LegalHold, "legal_holds", id).detail(json!({
            "action": "lift",
            "table": hold.target.table,
            "key": hold.target.key,
        }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(hold)
    }

    /// Every hold, in force or lifted, oldest first.
    pub(crate) async fn legal_holds(&self) -> Result<Vec<LegalHold>> {
        let rows = sqlx::query(&format!(
            "SELECT {HOLD_COLUMNS} FROM legal_holds WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(self.tenant())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(legal_hold).collect()
    }
}

pub(super) const RECORD_COLUMNS: &str =
    "seq, event_id, at, actor, event_type, target_table, target_key, \
     status, key_id, detail, prev_hash, hash";
const HOLD_COLUMNS: &str = "id, target_table, target_key, reason, placed_by, placed_at, lifted_at";

/// Whether the audit record `e` is under a legal hold in force (on its target row, or on its
/// whole table).
const HELD: &str = "EXISTS (SELECT 1 FROM legal_holds h WHERE h.tenant_id = e.tenant_id \
    AND h.lifted_at IS NULL AND h.target_table = e.target_table \
    AND (h.target_key = '' OR h.target_key = e.target_key))";

/// The cutoffs of a purge: a record older than its category's cutoff may go.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PurgeCutoffs {
    /// For operational records.
    pub(crate) operational: DateTime<Utc>,
    /// For records about encrypted personal data.
    pub(crate) access: DateTime<Utc>,
}

/// What [`Store::purge_prefix`] removed, inside its transaction.
#[derive(Clone, Debug)]
pub(crate) struct PrefixPurge {
    /// Records removed.
    pub(crate) purged: u64,
    /// The last removed `seq` (the new anchor), when any was removed.
    pub(crate) through: Option<i64>,
    /// That record's hash.
    pub(crate) last_hash: Option<Vec<u8>>,
    /// What kept the first record that stayed (`None` when the chain ran out).
    pub(crate) stop: Option<PurgeStop>,
}

async fn legal_hold_in(tx: &mut Tx, tenant: &str, id: i64) -> Result<Option<LegalHold>> {
    let row = sqlx::query(&format!(
        "SELECT {HOLD_COLUMNS} FROM legal_holds WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(legal_hold).transpose()
}

fn legal_hold(row: &AnyRow) -> Result<LegalHold> {
    Ok(LegalHold {
        id: row.try_get("id")?,
        target: Target::new(
            row.try_get::<String, _>("target_table")?,
            row.try_get::<String, _>("target_key")?,
        ),
        reason: row.try_get("reason")?,
        placed_by: row.try_get("placed_by")?,
        placed_at: instant(row.try_get("placed_at")?)?,
        lifted_at: row
            .try_get::<Option<i64>, _>("lifted_at")?
            .map(instant)
            .transpose()?,
    })
}

/// Records cut off the end of the chain, or a head that does not match its record.
fn tail_problem(
    verifier: &ChainVerifier,
    head: Option<(u64, [u8; 32])>,
    start_seq: u64,
) -> Option<ChainBreak> {
    let last = verifier.next_seq() - 1;
    let (head_seq, head_hash) = head?;
    if head_seq > last {
        return Some(ChainBreak {
            seq: last + 1,
            kind: TamperKind::Deleted,
            message: format!(
                "records {} to {head_seq} are missing from the end",
                last + 1
            ),
        });
    }
    if head_seq == last && last > start_seq && head_hash != verifier.last_hash() {
        return Some(ChainBreak {
            seq: last,
            kind: TamperKind::Modified,
            message: "the chain's head does not match its last record".into(),
        });
    }
    None
}

/// A chain that starts after an anchor must say, in a verified `RETENTION_PURGE` record, that
/// it purged exactly up to that anchor.
fn anchor_problem(
    from_anchor: bool,
    anchor: Option<(u64, [u8; 32])>,
    purges: &[(u64, Value)],
) -> Option<ChainBreak> {
    let (seq, hash) = anchor.filter(|_| from_anchor)?;
    let vouched = purges.iter().any(|(_, detail)| {
        detail["purged_through_seq"].as_u64() == Some(seq)
            && detail["last_purged_hash"].as_str() == Some(hex::encode(hash).as_str())
    });
    (!vouched).then(|| ChainBreak {
        seq: 1,
        kind: TamperKind::Deleted,
        message: format!("records 1 to {seq} were removed without a retention purge"),
    })
}

fn hash32(bytes: Vec<u8>) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| corrupt("an audit hash is not 32 bytes"))
}

/// Which records a page of the verifier holds. Reading every record in `seq` order, whatever
/// was done to them, takes both: ranges for speed, and the records that follow a range
/// wherever they are, so that nothing past a gap is missed.
#[derive(Clone, Copy, Debug)]
enum PageQuery {
    /// The records whose `seq` is in `after + 1 ..= after + limit`: what an intact chain has
    /// next.
    Range { after: u64 },
    /// The first `limit` records after `after`.
    Next { after: u64 },
}

impl PageQuery {
    fn after(self) -> u64 {
        match self {
            PageQuery::Range { after } | PageQuery::Next { after } => after,
        }
    }

    /// What to read after `page`, the page this query read (`None`: the chain ends there).
    /// A full range holds every `seq` in it, so the next range follows on. A range that is not
    /// full ends the chain or has a gap: the next records, wherever they are, come next. Those
    /// not filling a page end the chain.
    fn next(self, page: &RecordPage, limit: i64) -> Option<PageQuery> {
        let full = page.count >= limit;
        match (self, page.last_seq) {
            (_, Some(last)) if full => Some(PageQuery::Range { after: last }),
            (PageQuery::Range { after }, last) => Some(PageQuery::Next {
                after: last.unwrap_or(after),
            }),
            (PageQuery::Next { .. }, _) => None,
        }
    }
}

/// A page of records as [`Store::record_page`] reads it.
struct RecordPage {
    /// The JSON array of [`PageRow`]s.
    json: String,
    /// How many records it holds.
    count: i64,
    /// The last record's `seq` (`None` for an empty page).
    last_seq: Option<u64>,
}

/// One record of a page, borrowed from the page's JSON text: a JSON array of the columns in
/// [`RECORD_COLUMNS`] order, blobs in hex. Only strings with escapes (the detail) are copied.
#[derive(Deserialize)]
struct PageRow<'a> {
    seq: i64,
    #[serde(borrow)]
    event_id: Cow<'a, str>,
    at: i64,
    #[serde(borrow)]
    actor: Cow<'a, str>,
    #[serde(borrow)]
    event_type: Cow<'a, str>,
    #[serde(borrow)]
    target_table: Cow<'a, str>,
    #[serde(borrow)]
    target_key: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
    key_id: Option<i64>,
    #[serde(borrow)]
    detail: Cow<'a, str>,
    #[serde(borrow)]
    prev_hash: Cow<'a, str>,
    #[serde(borrow)]
    hash: Cow<'a, str>,
}

impl PageRow<'_> {
    /// The record as the verifier reads it, its three blobs decoded into `blobs`. A blob that
    /// is not hex of at most 32 bytes reads as empty, which checks exactly as the full value
    /// would: no intact event id, `prev_hash` or hash is longer.
    fn borrowed<'s>(&'s self, blobs: &'s mut [[u8; 32]; 3]) -> StoredRecordRef<'s> {
        let [event_id, prev_hash, hash] = blobs;
        StoredRecordRef {
            seq: u64::try_from(self.seq).unwrap_or(0),
            event_id: unhex_into(&self.event_id, event_id),
            at_micros: self.at,
            actor: &self.actor,
            event_type: &self.event_type,
            target_table: &self.target_table,
            target_key: &self.target_key,
            status: &self.status,
            key_id: self.key_id,
            detail: &self.detail,
            prev_hash: unhex_into(&self.prev_hash, prev_hash),
            hash: unhex_into(&self.hash, hash),
        }
    }

    /// The record, owned (for the verdict on a record that broke the chain).
    fn to_record(&self) -> StoredRecord {
        let unhex = |s: &str| hex::decode(s).unwrap_or_default();
        StoredRecord {
            seq: u64::try_from(self.seq).unwrap_or(0),
            event_id: unhex(&self.event_id),
            at_micros: self.at,
            actor: self.actor.clone().into_owned(),
            event_type: self.event_type.clone().into_owned(),
            target_table: self.target_table.clone().into_owned(),
            target_key: self.target_key.clone().into_owned(),
            status: self.status.clone().into_owned(),
            key_id: self.key_id,
            detail: self.detail.clone().into_owned(),
            prev_hash: unhex(&self.prev_hash),
            hash: unhex(&self.hash),
        }
    }
}

/// The rows of a page's JSON text, in `seq` order.
fn page_rows(json: &str) -> Result<Vec<PageRow<'_>>> {
    let mut rows: Vec<PageRow<'_>> = serde_json::from_str(json)
        .map_err(|_| corrupt("an audit record has a column of the wrong type"))?;
    rows.sort_by_key(|r| r.seq);
    Ok(rows)
}

/// Checks a page's records in order. Returns the first that breaks the chain, with the record
/// stored after it when the page holds that one.
fn check_page(
    verifier: &mut ChainVerifier,
    json: &str,
    purges: &mut Vec<(u64, Value)>,
) -> Result<Option<(StoredRecord, Option<StoredRecord>)>> {
    let rows = page_rows(json)?;
    let purge = EventType::RetentionPurge.as_str();
    let mut blobs = [[0; 32]; 3];
    for (i, row) in rows.iter().enumerate() {
        let record = row.borrowed(&mut blobs);
        if verifier.check_borrowed(&record).is_ok() {
            if record.event_type == purge {
                purges.push((
                    record.seq,
                    serde_json::from_str(record.detail).unwrap_or(Value::Null),
                ));
            }
            continue;
        }
        return Ok(Some((
            row.to_record(),
            rows.get(i + 1).map(PageRow::to_record),
        )));
    }
    Ok(None)
}

/// Decodes hex of at most 32 bytes into `out`; anything else reads as empty.
fn unhex_into<'o>(hex: &str, out: &'o mut [u8; 32]) -> &'o [u8] {
    let hex = hex.as_bytes();
    if hex.len() % 2 != 0 || hex.len() > 2 * out.len() {
        return &[];
    }
    // A table and no branches: the digits of a hash are random, so a branch per digit (digit
    // or letter?) is mispredicted half the time.
    let mut invalid = 0;
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let high = HEX_DIGITS[usize::from(pair[0])];
        let low = HEX_DIGITS[usize::from(pair[1])];
        invalid |= high | low;
        *byte = (high << 4) | low;
    }
    if invalid & 0x80 != 0 {
        return &[];
    }
    &out[..hex.len() / 2]
}

/// The value of each hex digit, either case; `0xff` for every other byte.
const HEX_DIGITS: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        table[(b'0' + i) as usize] = i;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[(b'a' + i) as usize] = 10 + i;
        table[(b'A' + i) as usize] = 10 + i;
        i += 1;
    }
    table
};

/// Reads a row of [`RECORD_COLUMNS`] by position (the verifier reads every record; looking
/// columns up by name costs more than the MAC).
fn stored_record(row: &AnyRow) -> Result<StoredRecord> {
    let seq: i64 = row.try_get(0)?;
    Ok(StoredRecord {
        seq: u64::try_from(seq).unwrap_or(0),
        event_id: row.try_get(1)?,
        at_micros: row.try_get(2)?,
        actor: row.try_get(3)?,
        event_type: row.try_get(4)?,
        target_table: row.try_get(5)?,
        target_key: row.try_get(6)?,
        status: row.try_get(7)?,
        key_id: row.try_get(8)?,
        detail: row.try_get(9)?,
        prev_hash: row.try_get(10)?,
        hash: row.try_get(11)?,
    })
}

pub(super) fn audit_event(row: &AnyRow) -> Result<AuditEvent> {
    let stored = stored_record(row)?;
    let bad = |what: &str| corrupt(format!("audit record {}: {what}", stored.seq));
    Ok(AuditEvent {
        seq: stored.seq,
        event_id: Uuid::from_slice(&stored.event_id).map_err(|_| bad("event id"))?,
        at: instant(stored.at_micros)?,
        event_type: EventType::parse(&stored.event_type).ok_or_else(|| bad("event type"))?,
        target: Target::new(stored.target_table.clone(), stored.target_key.clone()),
        status: Status::parse(&stored.status).ok_or_else(|| bad("status"))?,
        key_id: stored
            .key_id
            .map(|id| u32::try_from(id).map_err(|_| bad("key id")))
            .transpose()?,
        detail: serde_json::from_str(&stored.detail).map_err(|_| bad("detail"))?,
        prev_hash: stored
            .prev_hash
            .clone()
            .try_into()
            .map_err(|_| bad("prev_hash"))?,
        hash: stored.hash.clone().try_into().map_err(|_| bad("hash"))?,
        actor: stored.actor,
    })
}
