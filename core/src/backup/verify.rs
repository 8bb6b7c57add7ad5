//! Verifying a backup file (every chunk authenticates) and a restored store (it is the store
//! the backup recorded, and everything in it checks).

use std::path::Path;

use chrono_tz::Tz;
use sqlx::{Connection, Row};

use super::format::BackupHeader;
use super::snapshot::{open_read_only, read_facts};
use super::{blocking, sqlite_url, stream, BackupError, Check, FieldCheck, Phase, Progress};
use crate::crypto::{CryptoError, KdfParams, KeyRecord, MasterSecret, WrapContext};
use crate::domain::TenantId;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::store::{AuditFailure, Connect, Store, ENCRYPTED_COLUMNS};

/// Rows read per query while decrypting every field of a column.
const FIELD_PAGE: i64 = 1_000;

/// Authenticates a whole backup without writing anything: the header under `master` (the
/// error names the master-key version the backup needs when it is the wrong key), the file's
/// length, and every chunk in order. Returns the authenticated header.
///
/// # Errors
/// Everything [`crate::backup::inspect`] refuses, then [`BackupError::WrongMasterKey`],
/// [`BackupError::HeaderTampered`], [`BackupError::Truncated`], [`BackupError::TrailingData`]
/// and [`BackupError::ChunkTampered`].
pub async fn verify_backup(backup: &Path, master: &MasterSecret) -> Result<BackupHeader> {
    let opened = stream::open(backup)?;
    let keys = stream::authenticate(&opened.raw, master)?;
    opened.check_length()?;
    let header = opened.raw.header.clone();
    blocking(move || {
        opened.decrypt_into(
            &keys,
            &mut std::io::sink(),
            Path::new("nothing"),
            &|_: &Progress| {},
        )
    })
    .await??;
    Ok(header)
}

/// The checks of a restored store, in the order run; they stop at the first failure.
#[derive(Debug, Default)]
pub(crate) struct Verified {
    pub(crate) checks: Vec<Check>,
    pub(crate) fields_checked: u64,
    pub(crate) fields_shredded: u64,
}

impl Verified {
    fn push(&mut self, check: Check, progress: &(dyn Fn(&Progress) + Send + Sync)) -> bool {
        let passed = check.passed;
        self.checks.push(check);
        progress(&Progress {
            phase: Phase::Verify,
            done: self.checks.len() as u64,
            total: CHECKS,
        });
        passed
    }

    /// The first failed check, if any.
    pub(crate) fn failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.passed)
    }
}

/// How many checks [`verify_restored`] runs when all pass.
const CHECKS: u64 = 6;

/// Checks the restored database file `path` against the backup's `header`: SQLite's
/// integrity check, the store's identity, its keyring under `master`, the audit chain up to
/// the recorded head, the ledger, and the encrypted fields. Writes nothing to the store (no
/// audit record either).
pub(crate) async fn verify_restored(
    path: &Path,
    header: &BackupHeader,
    master: &MasterSecret,
    fields: FieldCheck,
    progress: &(dyn Fn(&Progress) + Send + Sync),
) -> Result<Verified> {
    let mut v = Verified::default();
    let mut conn = open_read_only(path).await?;
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| vec![e.to_string()]);
    let check = if integrity == ["ok"] {
        Check::pass("sqlite_integrity", "PRAGMA integrity_check: ok")
    } else {
        Check::fail(
            "sqlite_integrity",
            format!("PRAGMA integrity_check: {}", integrity.join("; ")),
        )
    };
    if !v.push(check, progress) {
        return Ok(v);
    }
    let facts = read_facts(&mut conn, &header.tenant).await;
    conn.close().await?;
    let check = match &facts {
        Err(e) => Check::fail("store_identity", e.to_string()),
        Ok(f) if f.store_id != header.store_id => Check::fail(
            "store_identity",
            format!(
                "the database is store {}, the header says {}",
                hex::encode(f.store_id),
                header.store_id_hex()
            ),
        ),
        Ok(f) if f.mk_version != header.mk_version => Check::fail(
            "store_identity",
            format!(
                "the keyring is at master-key version {}, the header says {}",
                f.mk_version, header.mk_version
            ),
        ),
        Ok(_) => Check::pass(
            "store_identity",
            format!(
                "store {}, tenant {}, master-key version {}",
                header.store_id_hex(),
                header.tenant,
                header.mk_version
            ),
        ),
    };
    if !v.push(check, progress) {
        return Ok(v);
    }
    let head = facts.ok().and_then(|f| f.head);

    let store = match open_store(path, header, master).await {
        Ok(store) => store,
        Err(e) => {
            v.push(Check::fail("keyring", e.to_string()), progress);
            return Ok(v);
        }
    };
    let outcome = check_store(&store, header, head, fields, &mut v, progress).await;
    store.close().await;
    outcome?;
    Ok(v)
}

async fn open_store(path: &Path, header: &BackupHeader, master: &MasterSecret) -> Result<Store> {
    let url = sqlite_url(path, "rw")?;
    let tenant = TenantId::parse(&header.tenant)
        .map_err(|_| BackupError::Malformed("the tenant id is not a valid tenant"))?;
    Store::open(Connect {
        url: &url,
        tenant,
        timezone: Tz::UTC,
        max_connections: 2,
        secret: master,
        kdf: KdfParams::default(),
        metrics: Metrics::noop(),
        audit_failure: AuditFailure::default(),
        // A restored or copied store has its keyring; never make one up.
        create_keyring: false,
    })
    .await
}

async fn check_store(
    store: &Store,
    header: &BackupHeader,
    head: Option<(u64, [u8; 32], chrono::DateTime<chrono::Utc>)>,
    fields: FieldCheck,
    v: &mut Verified,
    progress: &(dyn Fn(&Progress) + Send + Sync),
) -> Result<()> {
    if !v.push(check_keyring(store), progress) {
        return Ok(());
    }

    let audit = match store.verify_audit(None).await {
        Ok(audit) => audit,
        Err(e) => {
            v.push(Check::fail("audit_chain", e.to_string()), progress);
            return Ok(());
        }
    };
    let head_seq = head.map_or(0, |h| h.0);
    let head_hash = head.map_or([0; 32], |h| h.1);
    let check = if let Some(problem) = &audit.problem {
        Check::fail(
            "audit_chain",
            format!(
                "record {} is {}: {}",
                problem.seq, problem.kind, problem.message
            ),
        )
    } else if head_seq != header.audit_head_seq || head_hash != header.audit_head_hash {
        Check::fail(
            "audit_chain",
            format!(
                "the chain's head is record {head_seq}, the backup recorded {}",
                header.audit_head_seq
            ),
        )
    } else if header.audit_head_seq > 0 && audit.to_seq != header.audit_head_seq {
        Check::fail(
            "audit_chain",
            format!(
                "records checked up to {}, the backup recorded {}",
                audit.to_seq, header.audit_head_seq
            ),
        )
    } else {
        Check::pass(
            "audit_chain",
            format!(
                "{} records verified (seq {} to {}), head {} as recorded",
                audit.checked,
                audit.from_seq,
                audit.to_seq,
                &hex::encode(header.audit_head_hash)[..16]
            ),
        )
    };
    if !v.push(check, progress) {
        return Ok(());
    }

    let ledger = match store.verify_ledger(None).await {
        Ok(ledger) => ledger,
        Err(e) => {
            v.push(Check::fail("ledger", e.to_string()), progress);
            return Ok(());
        }
    };
    let check = if ledger.is_consistent() {
        Check::pass(
            "ledger",
            format!(
                "{} movements replay to {} balances",
                ledger.movements_checked, ledger.balances_checked
            ),
        )
    } else {
        let first = &ledger.discrepancies[0];
        Check::fail(
            "ledger",
            format!(
                "{} balances disagree with the ledger; the first is product {} at location {}",
                ledger.discrepancies.len(),
                first.product.0,
                first.location.0
            ),
        )
    };
    if !v.push(check, progress) {
        return Ok(());
    }

    let check = check_fields(store, fields, v).await?;
    v.push(check, progress);
    Ok(())
}

/// Every key that still has material unwraps under the KEK of `master`.
fn check_keyring(store: &Store) -> Check {
    let records: Vec<KeyRecord> = store.keys().records();
    let tenant = store.tenant();
    let (live, failed) = store.keys().with_kek(|kek, _| {
        let mut live = 0u64;
        let mut failed = Vec::new();
        for record in &records {
            let Some(wrapped) = record.wrapped.as_deref() else {
                continue;
            };
            let ctx = WrapContext {
                tenant,
                purpose: record.purpose,
                key_id: record.id,
                scope: &record.scope,
                mk_version: record.mk_version,
            };
            match kek.unwrap(wrapped, &ctx) {
                Ok(_) => live += 1,
                Err(_) => failed.push(record.id),
            }
        }
        (live, failed)
    });
    let destroyed = records.len() as u64 - live - failed.len() as u64;
    if failed.is_empty() {
        Check::pass(
            "keyring",
            format!("{live} keys unwrap under the master key; {destroyed} destroyed on purpose"),
        )
    } else {
        Check::fail(
            "keyring",
            format!("keys {failed:?} do not unwrap under the master key"),
        )
    }
}

/// Decrypts the encrypted fields of every column (all, or a random sample of each).
async fn check_fields(store: &Store, fields: FieldCheck, v: &mut Verified) -> Result<Check> {
    let mut failures = 0u64;
    let mut first: Option<String> = None;
    for column in ENCRYPTED_COLUMNS {
        let mut after = 0i64;
        loop {
            let rows = match fields {
                FieldCheck::Full => {
                    sqlx::query(&format!(
                        "SELECT id, {col} AS sealed FROM {table} WHERE tenant_id = $1 \
                         AND {col} IS NOT NULL AND id > $2 ORDER BY id LIMIT $3",
                        col = column.column,
                        table = column.table
                    ))
                    .bind(store.tenant())
                    .bind(after)
                    .bind(FIELD_PAGE)
                    .fetch_all(store.pool())
                    .await?
                }
                FieldCheck::Sample(n) => {
                    sqlx::query(&format!(
                        "SELECT id, {col} AS sealed FROM {table} WHERE tenant_id = $1 \
                         AND {col} IS NOT NULL ORDER BY random() LIMIT $2",
                        col = column.column,
                        table = column.table
                    ))
                    .bind(store.tenant())
                    .bind(i64::from(n))
                    .fetch_all(store.pool())
                    .await?
                }
            };
            for row in &rows {
                let id: i64 = row.try_get("id")?;
                let sealed: Vec<u8> = row.try_get("sealed")?;
                after = id;
                match column.open(store.keys(), id, &sealed) {
                    Ok(_) => v.fields_checked += 1,
                    Err(Error::Field {
                        source: CryptoError::KeyDestroyed(_),
                        ..
                    }) => v.fields_shredded += 1,
                    Err(e) => {
                        failures += 1;
                        first.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            let full_page = i64::try_from(rows.len()).unwrap_or(i64::MAX) == FIELD_PAGE;
            if matches!(fields, FieldCheck::Sample(_)) || !full_page {
                break;
            }
        }
    }
    let scope = match fields {
        FieldCheck::Full => "every field".to_owned(),
        FieldCheck::Sample(n) => format!("up to {n} random fields per column"),
    };
    Ok(match first {
        None => Check::pass(
            "encrypted_fields",
            format!(
                "{} fields decrypt ({scope} of {} columns); {} belong to erased subjects",
                v.fields_checked,
                ENCRYPTED_COLUMNS.len(),
                v.fields_shredded
            ),
        ),
        Some(first) => Check::fail(
            "encrypted_fields",
            format!("{failures} fields do not decrypt; the first: {first}"),
        ),
    })
}
