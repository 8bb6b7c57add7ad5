//! Data-key rotation and the resumable re-encryption job.
//!
//! `rotate_data_key(scope)` makes a new data key active for the scope (the old ones become
//! `decrypt_only`) and records a job. The job walks the scope's encrypted columns in batches; each
//! batch rewrites its rows under the active key and moves the checkpoint in the same
//! transaction, so a crash or a cancelled call loses at most one uncommitted batch and the next
//! call resumes where the last commit left off. Rows already under the active key are skipped,
//! which makes the job idempotent; a row that does not decrypt stops the job with its error and
//! leaves every row readable (old rows under the still-available old key). No NULL is written.

use chrono::Utc;
use sqlx::Row;

use super::codec::micros;
use super::fields::{field_error, EncryptedColumn, SubjectKind, ENCRYPTED_COLUMNS};
use super::keys::KeyChanges;
use super::{Entry, Store};
use crate::audit::EventType;
use crate::crypto::{parse_header, KeyPurpose, GLOBAL_SCOPE};
use crate::domain::Actor;
use crate::error::Result;
use serde_json::json;

/// Where a re-encryption job stands, reported after every committed batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReencryptProgress {
    /// The job.
    pub job_id: i64,
    /// The key scope being re-encrypted (`global`, `customer:42`, …).
    pub scope: String,
    /// The column the last batch worked on, as `table.column`.
    pub column: String,
    /// Columns finished so far.
    pub columns_done: usize,
    /// Columns the job walks.
    pub columns_total: usize,
    /// Rows rewritten so far, over the whole job (including earlier, interrupted runs).
    pub rows_done: u64,
}

/// A finished re-encryption job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReencryptReport {
    /// The job.
    pub job_id: i64,
    /// The key scope.
    pub scope: String,
    /// The data key every row of the scope is now sealed under.
    pub active_key: u32,
    /// Rows rewritten over the whole job.
    pub rows_done: u64,
}

/// Which columns, and which rows of them, a scope covers.
fn columns_of(scope: &str) -> (Vec<EncryptedColumn>, Option<i64>) {
    if scope == GLOBAL_SCOPE {
        let columns = ENCRYPTED_COLUMNS
            .iter()
            .filter(|c| c.subject.is_none())
            .copied()
            .collect();
        return (columns, None);
    }
    for kind in [SubjectKind::Customer, SubjectKind::Supplier] {
        let prefix = format!("{}:", kind.as_str());
        if let Some(id) = scope
            .strip_prefix(&prefix)
            .and_then(|id| id.parse::<i64>().ok())
        {
            let columns = ENCRYPTED_COLUMNS
                .iter()
                .filter(|c| c.subject == Some(kind))
                .copied()
                .collect();
            return (columns, Some(id));
        }
    }
    // A scope of the caller's own (standalone FieldCipher use): no store column holds it.
    (Vec::new(), None)
}

/// Rows rewritten by one `UPDATE … FROM (VALUES …)` statement: two bound values a row, far
/// below SQLite's limit of 32,766 parameters, and few enough statements that a batch costs
/// about one round trip to the database per 500 rows instead of one per row.
const REWRITE_CHUNK: usize = 500;

/// Writes `(row id, envelope)` pairs of one column in a single statement.
async fn write_chunk(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    column: &EncryptedColumn,
    tenant: &str,
    chunk: &[(i64, Vec<u8>)],
) -> Result<()> {
    let values = (0..chunk.len())
        .map(|i| format!("(${}, ${})", 2 * i + 2, 2 * i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "WITH rewritten(id, sealed) AS (VALUES {values}) \
         UPDATE {table} SET {col} = rewritten.sealed FROM rewritten \
         WHERE {table}.tenant_id = $1 AND {table}.id = rewritten.id",
        table = column.table,
        col = column.column,
    );
    let mut query = sqlx::query(&sql).bind(tenant);
    for (id, sealed) in chunk {
        query = query.bind(*id).bind(sealed.as_slice());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

struct Job {
    id: i64,
    scope: String,
    column_index: usize,
    last_row_id: i64,
    rows_done: u64,
}

impl Store {
    /// Makes a new data key active for `scope` and records the job that moves the scope's
    /// fields onto it. Returns the new key id and the job id. A running job for the same scope
    /// is superseded (the new job covers everything it would have done).
    pub(crate) async fn rotate_data_key(&self, scope: &str, actor: &Actor) -> Result<(u32, i64)> {
        let now = micros(Utc::now());
        let mut tx = self.write().await?;
        let mut changes = KeyChanges::default();
        let key = self
            .create_key(&mut tx, KeyPurpose::Data, scope, &mut changes)
            .await?;
        sqlx::query(
            "UPDATE reencrypt_jobs SET status = 'done', updated_at = $3 \
             WHERE tenant_id = $1 AND scope = $2 AND status = 'running'",
        )
        .bind(self.tenant())
        .bind(scope)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let job: i64 = sqlx::query_scalar(
            "INSERT INTO reencrypt_jobs (tenant_id, scope, target_key_id, status, created_at, \
               updated_at) VALUES ($1, $2, $3, 'running', $4, $4) RETURNING id",
        )
        .bind(self.tenant())
        .bind(scope)
        .bind(i64::from(key.record().id))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id = key.record().id;
        let entry = Entry::new(EventType::KeyRotated, "crypto_keys", id)
            .key(Some(id))
            .detail(json!({ "key": "data", "scope": scope, "job_id": job }));
        self.commit_audited(tx, actor, entry).await?;
        changes.apply(self.keys());
        Ok((id, job))
    }

    /// Runs every unfinished re-encryption job of the tenant to the end, `batch` rows per
    /// transaction, calling `progress` after each committed batch.
    pub(crate) async fn reencrypt(
        &self,
        batch: u32,
        actor: &Actor,
        progress: &mut (dyn FnMut(&ReencryptProgress) + Send),
    ) -> Result<Vec<ReencryptReport>> {
        let batch = batch.clamp(1, 100_000);
        let rows = sqlx::query(
            "SELECT id, scope, column_index, last_row_id, rows_done FROM reencrypt_jobs \
             WHERE tenant_id = $1 AND status = 'running' ORDER BY id",
        )
        .bind(self.tenant())
        .fetch_all(self.pool())
        .await?;
        let mut reports = Vec::with_capacity(rows.len());
        for row in rows {
            let job = Job {
                id: row.try_get("id")?,
                scope: row.try_get("scope")?,
                column_index: usize::try_from(row.try_get::<i64, _>("column_index")?)
                    .unwrap_or(usize::MAX),
                last_row_id: row.try_get("last_row_id")?,
                rows_done: u64::try_from(row.try_get::<i64, _>("rows_done")?).unwrap_or(0),
            };
            reports.push(self.run_job(job, batch, actor, progress).await?);
        }
        Ok(reports)
    }

    async fn run_job(
        &self,
        mut job: Job,
        batch: u32,
        actor: &Actor,
        progress: &mut (dyn FnMut(&ReencryptProgress) + Send),
    ) -> Result<ReencryptReport> {
        let (columns, only_row) = columns_of(&job.scope);
        while job.column_index < columns.len() {
            let column = columns[job.column_index];
            let (rewritten, last, exhausted) = self
                .reencrypt_batch(&job, &column, only_row, batch, actor)
                .await?;
            job.rows_done += rewritten;
            if exhausted {
                job.column_index += 1;
                job.last_row_id = 0;
            } else {
                job.last_row_id = last;
            }
            progress(&ReencryptProgress {
                job_id: job.id,
                scope: job.scope.clone(),
                column: format!("{}.{}", column.table, column.column),
                columns_done: job.column_index,
                columns_total: columns.len(),
                rows_done: job.rows_done,
            });
        }
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE reencrypt_jobs SET status = 'done', column_index = $3, last_row_id = 0, \
               rows_done = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(job.id)
        .bind(i64::try_from(job.column_index).unwrap_or(i64::MAX))
        .bind(i64::try_from(job.rows_done).unwrap_or(i64::MAX))
        .bind(micros(Utc::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let active_key = self
            .keys()
            .active_id(KeyPurpose::Data, &job.scope)
            .unwrap_or_default();
        Ok(ReencryptReport {
            job_id: job.id,
            scope: job.scope,
            active_key,
            rows_done: job.rows_done,
        })
    }

    /// One batch of one column: rewrites the rows after the checkpoint that are not under the
    /// active key, and moves the checkpoint, in one transaction. Returns (rows rewritten, last
    /// row id seen, whether the column is finished).
    async fn reencrypt_batch(
        &self,
        job: &Job,
        column: &EncryptedColumn,
        only_row: Option<i64>,
        batch: u32,
        actor: &Actor,
    ) -> Result<(u64, i64, bool)> {
        let mut tx = self.write().await?;
        let active = self
            .keys()
            .active_data_key(&job.scope)?
            .ok_or_else(|| super::corrupt(format!("no active data key for {}", job.scope)))?;
        let sql = format!(
            "SELECT id, {col} AS sealed FROM {table} WHERE tenant_id = $1 AND id > $2 \
               AND ($3 IS NULL OR id = $3) AND {col} IS NOT NULL ORDER BY id LIMIT $4",
            col = column.column,
            table = column.table
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(job.last_row_id)
            .bind(only_row)
            .bind(i64::from(batch))
            .fetch_all(&mut *tx)
            .await?;
        let mut rewrites: Vec<(i64, Vec<u8>)> = Vec::new();
        let mut last = job.last_row_id;
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            last = id;
            let header = parse_header(&sealed).map_err(|e| field_error(column, id, e))?;
            if header.key_id == active.id() {
                continue;
            }
            let value = column.open(self.keys(), id, &sealed)?;
            rewrites.push((id, column.seal_with(self.keys(), &active, id, &value)?));
        }
        for chunk in rewrites.chunks(REWRITE_CHUNK) {
            write_chunk(&mut tx, column, self.tenant(), chunk).await?;
        }
        let rewritten = rewrites.len() as u64;
        let exhausted = rows.len() < batch as usize;
        let rows_done = i64::try_from(job.rows_done + rewritten).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE reencrypt_jobs SET column_index = $3, last_row_id = $4, rows_done = $5, \
               updated_at = $6 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(job.id)
        .bind(i64::try_from(job.column_index + usize::from(exhausted)).unwrap_or(i64::MAX))
        .bind(if exhausted { 0 } else { last })
        .bind(rows_done)
        .bind(micros(Utc::now()))
        .execute(&mut *tx)
        .await?;
        if rewritten > 0 {
            let entry = Entry::new(
                EventType::DataReencrypted,
                column.table,
                format!("{}..={last}", job.last_row_id + 1),
            )
            .key(Some(active.id()))
            .detail(json!({
                "job_id": job.id,
                "column": column.column,
                "rows": rewritten,
            }));
            self.commit_audited(tx, actor, entry).await?;
            self.metrics().reencrypt_rows(rewritten);
        } else {
            tx.commit().await?;
        }
        Ok((rewritten, last, exhausted))
    }
}
