//! The keyring's tables: `crypto_meta` (how the master key is obtained and checked) and
//! `crypto_keys` (every wrapped key). Key changes are written inside the caller's transaction and
//! reach the in-memory [`KeySet`] only after the commit.

use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::micros;
use super::ledger::Tx;
use super::{corrupt, Entry, Store};
use crate::audit::EventType;
use crate::crypto::{
    CryptoError, KdfParams, Kek, KeyPurpose, KeyRecord, KeySet, KeyStatus, MasterKey, MasterSecret,
    NewKey, GLOBAL_SCOPE,
};
use crate::domain::Actor;
use crate::error::{Result, StoreError};

/// How a tenant's master key is obtained, as stored in `crypto_meta`.
struct Meta {
    mk_version: u32,
    kdf: Kdf,
    key_check: Vec<u8>,
    generation: i64,
}

enum Kdf {
    Raw,
    Pbkdf2 { salt: [u8; 16], iterations: u32 },
}

impl Kdf {
    fn name(&self) -> &'static str {
        match self {
            Kdf::Raw => "raw",
            Kdf::Pbkdf2 { .. } => "pbkdf2-hmac-sha256",
        }
    }

    fn salt(&self) -> Option<&[u8]> {
        match self {
            Kdf::Raw => None,
            Kdf::Pbkdf2 { salt, .. } => Some(salt),
        }
    }

    fn iterations(&self) -> Option<i64> {
        match self {
            Kdf::Raw => None,
            Kdf::Pbkdf2 { iterations, .. } => Some(i64::from(*iterations)),
        }
    }
}

/// Derives the KEK from the caller's secret under `kdf`. A hex key for a passphrase store (or
/// the reverse) can only be the wrong key.
fn derive_kek(secret: &MasterSecret, kdf: &Kdf) -> Result<Kek> {
    match (secret, kdf) {
        (MasterSecret::Key(key), Kdf::Raw) => Ok(Kek::derive(key)),
        (MasterSecret::Passphrase(pass), Kdf::Pbkdf2 { salt, iterations }) => {
            let key: MasterKey = pass.derive(&KdfParams::from_stored(*iterations)?, salt)?;
            Ok(Kek::derive(&key))
        }
        _ => Err(CryptoError::WrongMasterKey.into()),
    }
}

/// A fresh KDF setting for `secret`: a new random salt for a passphrase.
fn new_kdf(secret: &MasterSecret, params: KdfParams) -> Kdf {
    match secret {
        MasterSecret::Key(_) => Kdf::Raw,
        MasterSecret::Passphrase(_) => Kdf::Pbkdf2 {
            salt: rand_salt(),
            iterations: params.iterations(),
        },
    }
}

fn rand_salt() -> [u8; 16] {
    let material = crate::crypto::KeyMaterial::generate();
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&material.expose()[..16]);
    salt
}

fn u32_column(row: &AnyRow, name: &str) -> Result<u32> {
    let v: i64 = row.try_get(name)?;
    u32::try_from(v).map_err(|_| corrupt(format!("crypto {name} out of range")))
}

async fn read_meta(conn: &mut AnyConnection, tenant: &str) -> Result<Option<Meta>> {
    let Some(row) = sqlx::query(
        "SELECT mk_version, kdf, kdf_salt, kdf_iterations, key_check, generation \
         FROM crypto_meta WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let kdf: String = row.try_get("kdf")?;
    let kdf = match kdf.as_str() {
        "raw" => Kdf::Raw,
        "pbkdf2-hmac-sha256" => {
            let salt: Vec<u8> = row.try_get("kdf_salt")?;
            Kdf::Pbkdf2 {
                salt: salt
                    .try_into()
                    .map_err(|_| corrupt("crypto_meta salt is not 16 bytes"))?,
                iterations: u32_column(&row, "kdf_iterations")?,
            }
        }
        _ => return Err(corrupt("unknown key derivation in crypto_meta")),
    };
    Ok(Some(Meta {
        mk_version: u32_column(&row, "mk_version")?,
        kdf,
        key_check: row.try_get("key_check")?,
        generation: row.try_get("generation")?,
    }))
}

fn record(row: &AnyRow) -> Result<KeyRecord> {
    let purpose: String = row.try_get("purpose")?;
    let status: String = row.try_get("status")?;
    Ok(KeyRecord {
        id: u32_column(row, "key_id")?,
        purpose: KeyPurpose::parse(&purpose).ok_or_else(|| corrupt("unknown key purpose"))?,
        scope: row.try_get("scope")?,
        status: KeyStatus::parse(&status).ok_or_else(|| corrupt("unknown key status"))?,
        mk_version: u32_column(row, "mk_version")?,
        wrapped: row.try_get("wrapped")?,
    })
}

async fn records_since(
    conn: &mut AnyConnection,
    tenant: &str,
    generation: i64,
) -> Result<Vec<KeyRecord>> {
    let rows = sqlx::query(
        "SELECT key_id, purpose, scope, status, mk_version, wrapped FROM crypto_keys \
         WHERE tenant_id = $1 AND changed_gen > $2 ORDER BY key_id",
    )
    .bind(tenant)
    .bind(generation)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(record).collect()
}

/// Opens (creating on first use) the keyring of `tenant`: checks the master key against the
/// stored key check value and loads every key record.
pub(crate) async fn open_keyset(
    tx: &mut Tx,
    tenant: &str,
    secret: &MasterSecret,
    params: KdfParams,
    create: bool,
) -> Result<KeySet> {
    if let Some(meta) = read_meta(tx, tenant).await? {
        let kek = derive_kek(secret, &meta.kdf)?;
        kek.verify_check_value(&meta.key_check)?;
        let records = records_since(tx, tenant, 0).await?;
        if records.iter().any(|r| r.mk_version != meta.mk_version) {
            return Err(corrupt("a key is wrapped under another master-key version"));
        }
        return Ok(KeySet::new(
            tenant,
            kek,
            meta.mk_version,
            meta.generation,
            records,
        ));
    }
    if !create {
        return Err(StoreError::NoKeyring(tenant.to_owned()).into());
    }
    let kdf = new_kdf(secret, params);
    let kek = derive_kek(secret, &kdf)?;
    let store_id = rand_salt();
    let now = micros(Utc::now());
    sqlx::query(
        "INSERT INTO crypto_meta (tenant_id, store_id, mk_version, kdf, kdf_salt, kdf_iterations, \
           key_check, generation, created_at) VALUES ($1, $2, 1, $3, $4, $5, $6, 1, $7)",
    )
    .bind(tenant)
    .bind(&store_id[..])
    .bind(kdf.name())
    .bind(kdf.salt())
    .bind(kdf.iterations())
    .bind(&kek.check_value()[..])
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let keys = KeySet::new(tenant, kek, 1, 1, Vec::new());
    let mut created = Vec::new();
    for (purpose, scope) in [
        (KeyPurpose::Data, GLOBAL_SCOPE),
        (KeyPurpose::Audit, GLOBAL_SCOPE),
        (KeyPurpose::AuditSigning, GLOBAL_SCOPE),
    ] {
        let id = next_key_id(tx, tenant).await?;
        let key = keys.new_key(id, purpose, scope)?;
        insert_key(tx, tenant, key.record(), 1).await?;
        created.push(key.record.clone());
    }
    keys.apply(1, created);
    Ok(keys)
}

/// The next free key id of `tenant`.
pub(crate) async fn next_key_id(conn: &mut AnyConnection, tenant: &str) -> Result<u32> {
    let max: Option<i64> =
        sqlx::query_scalar("SELECT MAX(key_id) FROM crypto_keys WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&mut *conn)
            .await?;
    let next = max.map_or(1, |m| m + 1);
    u32::try_from(next).map_err(|_| CryptoError::InvalidKeyMaterial("key ids exhausted").into())
}

async fn insert_key(
    conn: &mut AnyConnection,
    tenant: &str,
    record: &KeyRecord,
    generation: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO crypto_keys (tenant_id, key_id, purpose, scope, status, mk_version, wrapped, \
           changed_gen, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(i64::from(record.id))
    .bind(record.purpose.as_str())
    .bind(&record.scope)
    .bind(record.status.as_str())
    .bind(i64::from(record.mk_version))
    .bind(record.wrapped.as_deref())
    .bind(generation)
    .bind(micros(Utc::now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Key changes made inside one transaction, applied to the cache after it commits.
#[derive(Debug, Default)]
#[must_use = "apply the changes to the key set after the commit"]
pub(crate) struct KeyChanges {
    generation: Option<i64>,
    records: Vec<KeyRecord>,
}

impl KeyChanges {
    /// Applies the committed changes to `keys`.
    pub(crate) fn apply(self, keys: &KeySet) {
        if let Some(generation) = self.generation {
            keys.apply(generation, self.records);
        }
    }

    fn push(&mut self, generation: i64, record: KeyRecord) {
        self.generation = Some(generation);
        self.records.push(record);
    }
}

impl Store {
    /// The tenant's keys.
    pub(crate) fn keys(&self) -> &Arc<KeySet> {
        &self.keys
    }

    /// Brings the key cache up to date with keys other handles or processes created, rotated
    /// or destroyed. Call it on the connection (or transaction) that will use the keys.
    pub(crate) async fn sync_keys(&self, conn: &mut AnyConnection) -> Result<()> {
        let row =
            sqlx::query("SELECT generation, mk_version FROM crypto_meta WHERE tenant_id = $1")
                .bind(self.tenant())
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| corrupt("crypto_meta row missing"))?;
        let generation: i64 = row.try_get("generation")?;
        if generation == self.keys.generation() {
            return Ok(());
        }
        if u32_column(&row, "mk_version")? != self.keys.mk_version() {
            // Another handle rotated the master key: this handle's KEK unwraps nothing any more.
            return Err(CryptoError::WrongMasterKey.into());
        }
        let records = records_since(conn, self.tenant(), self.keys.generation()).await?;
        self.keys.apply(generation, records);
        Ok(())
    }

    /// [`Store::sync_keys`] on a pooled connection, before a read.
    pub(crate) async fn sync_keys_for_read(&self) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        self.sync_keys(&mut conn).await
    }

    /// Moves the tenant's key generation forward inside `tx`.
    async fn bump_generation(&self, tx: &mut Tx) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "UPDATE crypto_meta SET generation = generation + 1 WHERE tenant_id = $1 \
             RETURNING generation",
        )
        .bind(self.tenant())
        .fetch_one(&mut **tx)
        .await?)
    }

    /// Creates the active key of `purpose` in `scope` inside `tx`, retiring the one it replaces
    /// (to `decrypt_only`). The cache learns of it when `changes` is applied after the commit.
    pub(crate) async fn create_key(
        &self,
        tx: &mut Tx,
        purpose: KeyPurpose,
        scope: &str,
        changes: &mut KeyChanges,
    ) -> Result<NewKey> {
        let generation = self.bump_generation(tx).await?;
        let retired = sqlx::query(
            "UPDATE crypto_keys SET status = 'decrypt_only', changed_gen = $4 \
             WHERE tenant_id = $1 AND purpose = $2 AND scope = $3 AND status = 'active' \
             RETURNING key_id, purpose, scope, status, mk_version, wrapped",
        )
        .bind(self.tenant())
        .bind(purpose.as_str())
        .bind(scope)
        .bind(generation)
        .fetch_all(&mut **tx)
        .await?;
        for row in &retired {
            changes.push(generation, record(row)?);
        }
        let id = next_key_id(tx, self.tenant()).await?;
        let key = self.keys.new_key(id, purpose, scope)?;
        insert_key(tx, self.tenant(), key.record(), generation).await?;
        changes.push(generation, key.record().clone());
        Ok(key)
    }

    /// Destroys every data key of `scope` inside `tx`: their material is deleted, their rows stay
    /// so that envelopes naming them fail with `KeyDestroyed`. Returns the destroyed ids.
    pub(crate) async fn destroy_scope(
        &self,
        tx: &mut Tx,
        scope: &str,
        changes: &mut KeyChanges,
    ) -> Result<Vec<u32>> {
        let generation = self.bump_generation(tx).await?;
        let rows = sqlx::query(
            "UPDATE crypto_keys SET status = 'destroyed', wrapped = NULL, destroyed_at = $4, \
               changed_gen = $3 \
             WHERE tenant_id = $1 AND purpose = 'data' AND scope = $2 AND status != 'destroyed' \
             RETURNING key_id, purpose, scope, status, mk_version, wrapped",
        )
        .bind(self.tenant())
        .bind(scope)
        .bind(generation)
        .bind(micros(Utc::now()))
        .fetch_all(&mut **tx)
        .await?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            let record = record(row)?;
            ids.push(record.id);
            changes.push(generation, record);
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// Rewraps every key under `new_secret` in one transaction; no envelope changes. Returns the
    /// new master-key version and how many keys were rewrapped.
    pub(crate) async fn rotate_master_key(
        &self,
        new_secret: &MasterSecret,
        params: KdfParams,
        actor: &Actor,
    ) -> Result<(u32, usize)> {
        let mut tx = self.write().await?;
        let kdf = new_kdf(new_secret, params);
        let new_kek = derive_kek(new_secret, &kdf)?;
        let version =
            self.keys
                .mk_version()
                .checked_add(1)
                .ok_or(CryptoError::InvalidKeyMaterial(
                    "master-key versions exhausted",
                ))?;
        let records = self.keys.rewrap_all(&new_kek, version)?;
        let generation = self.bump_generation(&mut tx).await?;
        for record in &records {
            sqlx::query(
                "UPDATE crypto_keys SET mk_version = $3, wrapped = $4, changed_gen = $5 \
                 WHERE tenant_id = $1 AND key_id = $2",
            )
            .bind(self.tenant())
            .bind(i64::from(record.id))
            .bind(i64::from(version))
            .bind(record.wrapped.as_deref())
            .bind(generation)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE crypto_meta SET mk_version = $2, kdf = $3, kdf_salt = $4, kdf_iterations = $5, \
               key_check = $6, rotated_at = $7 WHERE tenant_id = $1",
        )
        .bind(self.tenant())
        .bind(i64::from(version))
        .bind(kdf.name())
        .bind(kdf.salt())
        .bind(kdf.iterations())
        .bind(&new_kek.check_value()[..])
        .bind(micros(Utc::now()))
        .execute(&mut *tx)
        .await?;
        let count = records.iter().filter(|r| r.wrapped.is_some()).count();
        let entry = Entry::new(EventType::KeyRotated, "crypto_meta", "master").detail(json!({
            "key": "master",
            "mk_version": version,
            "kdf": kdf.name(),
            "rewrapped": count,
        }));
        self.commit_audited(tx, actor, entry).await?;
        self.metrics.key_rotation_rewrapped(count as u64);
        self.keys.replace_kek(new_kek, version, generation, records);
        Ok((version, count))
    }
}
