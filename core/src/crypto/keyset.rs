//! The keys of one tenant, in memory: their wrapped records as stored, the KEK that unwraps them,
//! and the keys unwrapped so far (each unwrapped once, on first use, and zeroized on drop).
//!
//! A [`KeySet`] does no I/O. The store loads it, writes key changes in its transactions, and only
//! after a commit tells the key set about them, so a rolled-back change never reaches the cache.

use crate::metrics::{CryptoOp, CryptoResult, Metrics};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::blind::BlindIndexKey;
use super::envelope::{parse_header, DataKey};
use super::error::CryptoError;
use super::kek::{Kek, KeyMaterial, KeyPurpose, WrapContext};

/// The scope of the data key that encrypts data belonging to no one in particular (costs).
pub const GLOBAL_SCOPE: &str = "global";

/// Where a key stands in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyStatus {
    /// Encrypts new values (one per purpose and scope) and decrypts.
    Active,
    /// Replaced by a newer key: still decrypts, never encrypts.
    DecryptOnly,
    /// Material erased: everything it encrypted is unreadable for good.
    Destroyed,
}

impl KeyStatus {
    /// The stored name: `active`, `decrypt_only` or `destroyed`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::DecryptOnly => "decrypt_only",
            KeyStatus::Destroyed => "destroyed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<KeyStatus> {
        match s {
            "active" => Some(KeyStatus::Active),
            "decrypt_only" => Some(KeyStatus::DecryptOnly),
            "destroyed" => Some(KeyStatus::Destroyed),
            _ => None,
        }
    }
}

/// A key as stored: who it is, what it is for, and its material wrapped under a KEK.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The id written into envelopes.
    pub id: u32,
    /// Data, blind index or audit.
    pub purpose: KeyPurpose,
    /// `global`, a subject such as `customer:42`, or a blind-index column.
    pub scope: String,
    /// Its status.
    pub status: KeyStatus,
    /// The master-key version whose KEK wraps it.
    pub mk_version: u32,
    /// The wrapped material (61 bytes); `None` once destroyed.
    pub wrapped: Option<Vec<u8>>,
}

impl fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRecord")
            .field("id", &self.id)
            .field("purpose", &self.purpose)
            .field("scope", &self.scope)
            .field("status", &self.status)
            .field("mk_version", &self.mk_version)
            .finish_non_exhaustive()
    }
}

impl KeyRecord {
    fn wrap_context<'a>(&'a self, tenant: &'a str) -> WrapContext<'a> {
        WrapContext {
            tenant,
            purpose: self.purpose,
            key_id: self.id,
            scope: &self.scope,
            mk_version: self.mk_version,
        }
    }
}

/// The scope of a blind-index key: its table and column, length-prefixed so that no two
/// (table, column) pairs share a scope.
pub fn blind_index_scope(table: &str, column: &str) -> String {
    format!("{}:{table}.{column}", table.len())
}

/// A key ready to be stored: its record and its material, which the store may use inside the
/// transaction that inserts it and which reaches the cache only after the commit.
pub struct NewKey {
    pub(crate) record: KeyRecord,
    pub(crate) material: KeyMaterial,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NewKey").field(&self.record).finish()
    }
}

impl NewKey {
    /// The key's record, to insert.
    pub fn record(&self) -> &KeyRecord {
        &self.record
    }

    /// A data key over this material, for encrypting inside the inserting transaction.
    pub fn data_key(&self) -> DataKey {
        DataKey::new(self.record.id, &self.material)
    }

    /// A blind-index key over this material.
    pub fn blind_index_key(&self) -> BlindIndexKey {
        BlindIndexKey::new(&self.material)
    }
}

#[derive(Clone)]
enum Unwrapped {
    Data(Arc<DataKey>),
    Blind(Arc<BlindIndexKey>),
    Audit(Arc<KeyMaterial>),
}

struct Entry {
    record: KeyRecord,
    unwrapped: Option<Unwrapped>,
}

struct State {
    mk_version: u32,
    kek: Kek,
    generation: i64,
    keys: HashMap<u32, Entry>,
    /// Active key id per (purpose, scope).
    active: HashMap<(KeyPurpose, String), u32>,
}

impl State {
    fn index(&mut self, record: KeyRecord) {
        let slot = (record.purpose, record.scope.clone());
        if record.status == KeyStatus::Active {
            self.active.insert(slot, record.id);
        } else if self.active.get(&slot) == Some(&record.id) {
            self.active.remove(&slot);
        }
        self.keys.insert(
            record.id,
            Entry {
                record,
                unwrapped: None,
            },
        );
    }
}

/// The keys of one tenant and the KEK that unwraps them. Cheap to share behind an [`Arc`].
pub struct KeySet {
    tenant: String,
    state: RwLock<State>,
    metrics: Metrics,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.read();
        f.debug_struct("KeySet")
            .field("tenant", &self.tenant)
            .field("mk_version", &state.mk_version)
            .field("keys", &state.keys.len())
            .finish_non_exhaustive()
    }
}

impl KeySet {
    /// A key set for `tenant` over `records`, all wrapped under `kek` (master-key version
    /// `mk_version`), as of key generation `generation`.
    pub fn new(
        tenant: &str,
        kek: Kek,
        mk_version: u32,
        generation: i64,
        records: Vec<KeyRecord>,
    ) -> KeySet {
        let mut state = State {
            mk_version,
            kek,
            generation,
            keys: HashMap::with_capacity(records.len()),
            active: HashMap::new(),
        };
        for record in records {
            state.index(record);
        }
        KeySet {
            tenant: tenant.to_owned(),
            state: RwLock::new(state),
            metrics: Metrics::noop(),
        }
    }

    /// The same keys, reporting their encrypts and decrypts to `metrics`.
    pub fn with_metrics(mut self, metrics: Metrics) -> KeySet {
        self.metrics = metrics;
        self
    }

    /// Where encrypts and decrypts with these keys are counted.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Runs one encrypt or decrypt, counting it (`inventario_encrypt_total` or
    /// `inventario_decrypt_total`, by result) and timing it (`inventario_crypto_op_seconds`)
    /// when a sink is attached; with none, it only runs it.
    pub(crate) fn observe<T>(
        &self,
        op: CryptoOp,
        run: impl FnOnce() -> Result<T, CryptoError>,
    ) -> Result<T, CryptoError> {
        if !self.metrics.is_enabled() {
            return run();
        }
        let started = std::time::Instant::now();
        let result = run();
        self.metrics.crypto_op(op, started.elapsed().as_secs_f64());
        match op {
            CryptoOp::Encrypt => self.metrics.encrypt(CryptoResult::of(&result)),
            _ => self.metrics.decrypt(CryptoResult::of(&result), 1),
        }
        result
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters (every update is a single insert), so a poisoned lock is still usable.
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The tenant these keys belong to.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The master-key version whose KEK this key set holds.
    pub fn mk_version(&self) -> u32 {
        self.read().mk_version
    }

    /// Runs `f` with the KEK and its master-key version, under the key set's lock (so the two
    /// belong together even while another task rotates the master key).
    pub(crate) fn with_kek<T>(&self, f: impl FnOnce(&Kek, u32) -> T) -> T {
        let state = self.read();
        f(&state.kek, state.mk_version)
    }

    /// The key generation this key set reflects.
    pub fn generation(&self) -> i64 {
        self.read().generation
    }

    /// Every record, sorted by id.
    pub fn records(&self) -> Vec<KeyRecord> {
        let state = self.read();
        let mut records: Vec<KeyRecord> = state.keys.values().map(|e| e.record.clone()).collect();
        records.sort_by_key(|r| r.id);
        records
    }

    /// The record of key `id`.
    pub fn record(&self, id: u32) -> Option<KeyRecord> {
        self.read().keys.get(&id).map(|e| e.record.clone())
    }

    /// The id of the active key for `purpose` in `scope`.
    pub fn active_id(&self, purpose: KeyPurpose, scope: &str) -> Option<u32> {
        self.read()
            .active
            .get(&(purpose, scope.to_owned()))
            .copied()
    }

    /// Applies records written (and committed) since the key set was loaded: new keys, new
    /// statuses, destroyed material. A destroyed key's unwrapped copy is dropped (zeroized).
    pub fn apply(&self, generation: i64, records: Vec<KeyRecord>) {
        let mut state = self.write();
        for record in records {
            state.index(record);
        }
        state.generation = state.generation.max(generation);
    }

    /// Replaces the KEK after a committed master-key rotation, with every record rewrapped.
    pub fn replace_kek(&self, kek: Kek, mk_version: u32, generation: i64, records: Vec<KeyRecord>) {
        let mut state = self.write();
        state.kek = kek;
        state.mk_version = mk_version;
        state.keys.clear();
        state.active.clear();
        for record in records {
            state.index(record);
        }
        state.generation = generation;
    }

    /// Wraps fresh material as a new key under the current KEK. Nothing is cached: insert
    /// [`NewKey::record`] and, after the commit, pass it to [`KeySet::apply`].
    pub fn new_key(
        &self,
        id: u32,
        purpose: KeyPurpose,
        scope: &str,
    ) -> Result<NewKey, CryptoError> {
        let state = self.read();
        let material = KeyMaterial::generate();
        let mut record = KeyRecord {
            id,
            purpose,
            scope: scope.to_owned(),
            status: KeyStatus::Active,
            mk_version: state.mk_version,
            wrapped: None,
        };
        record.wrapped = Some(
            state
                .kek
                .wrap(&material, &record.wrap_context(&self.tenant))?,
        );
        Ok(NewKey { record, material })
    }

    /// Unwraps every live key under the current KEK and wraps it under `new_kek` as master-key
    /// version `new_version`. Returns the rewrapped records; the key set itself is unchanged
    /// until [`KeySet::replace_kek`].
    pub fn rewrap_all(
        &self,
        new_kek: &Kek,
        new_version: u32,
    ) -> Result<Vec<KeyRecord>, CryptoError> {
        let state = self.read();
        let mut out = Vec::with_capacity(state.keys.len());
        for entry in state.keys.values() {
            let mut record = entry.record.clone();
            if let Some(wrapped) = &entry.record.wrapped {
                let material = state
                    .kek
                    .unwrap(wrapped, &entry.record.wrap_context(&self.tenant))?;
                record.mk_version = new_version;
                record.wrapped = Some(new_kek.wrap(&material, &record.wrap_context(&self.tenant))?);
            } else {
                record.mk_version = new_version;
            }
            out.push(record);
        }
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    fn unwrapped(&self, id: u32) -> Result<Unwrapped, CryptoError> {
        {
            let state = self.read();
            let entry = state.keys.get(&id).ok_or(CryptoError::UnknownKey(id))?;
            if entry.record.status == KeyStatus::Destroyed {
                return Err(CryptoError::KeyDestroyed(id));
            }
            if let Some(u) = &entry.unwrapped {
                return Ok(u.clone());
            }
        }
        let mut state = self.write();
        let state = &mut *state;
        let entry = state.keys.get_mut(&id).ok_or(CryptoError::UnknownKey(id))?;
        if let Some(u) = &entry.unwrapped {
            return Ok(u.clone());
        }
        let wrapped = entry
            .record
            .wrapped
            .as_deref()
            .ok_or(CryptoError::KeyDestroyed(id))?;
        let material = state
            .kek
            .unwrap(wrapped, &entry.record.wrap_context(&self.tenant))?;
        let unwrapped = match entry.record.purpose {
            KeyPurpose::Data => Unwrapped::Data(Arc::new(DataKey::new(id, &material))),
            KeyPurpose::BlindIndex => Unwrapped::Blind(Arc::new(BlindIndexKey::new(&material))),
            KeyPurpose::Audit | KeyPurpose::AuditSigning => Unwrapped::Audit(Arc::new(material)),
        };
        entry.unwrapped = Some(unwrapped.clone());
        Ok(unwrapped)
    }

    /// The data key `id`, for decrypting: `UnknownKey`, `KeyDestroyed`, or a key of another
    /// purpose (reported as `UnknownKey`, so an envelope can never name an index key).
    pub fn data_key(&self, id: u32) -> Result<Arc<DataKey>, CryptoError> {
        match self.unwrapped(id)? {
            Unwrapped::Data(key) => Ok(key),
            _ => Err(CryptoError::UnknownKey(id)),
        }
    }

    /// The data key that decrypts `envelope`, read from its header.
    pub fn key_for(&self, envelope: &[u8]) -> Result<Arc<DataKey>, CryptoError> {
        self.data_key(parse_header(envelope)?.key_id)
    }

    /// The active data key of `scope`, if the scope has one.
    pub fn active_data_key(&self, scope: &str) -> Result<Option<Arc<DataKey>>, CryptoError> {
        match self.active_id(KeyPurpose::Data, scope) {
            Some(id) => self.data_key(id).map(Some),
            None => Ok(None),
        }
    }

    /// The blind-index key of `table`.`column`, if one was created.
    pub fn blind_index_key(
        &self,
        table: &str,
        column: &str,
    ) -> Result<Option<Arc<BlindIndexKey>>, CryptoError> {
        let Some(id) = self.active_id(KeyPurpose::BlindIndex, &blind_index_scope(table, column))
        else {
            return Ok(None);
        };
        match self.unwrapped(id)? {
            Unwrapped::Blind(key) => Ok(Some(key)),
            _ => Err(CryptoError::UnknownKey(id)),
        }
    }

    /// The audit key's material, if one was created.
    pub fn audit_key(&self) -> Result<Option<Arc<KeyMaterial>>, CryptoError> {
        self.global_material(KeyPurpose::Audit)
    }

    /// The seed of the audit checkpoints' Ed25519 signing key, if one was created.
    pub fn audit_signing_key(&self) -> Result<Option<Arc<KeyMaterial>>, CryptoError> {
        self.global_material(KeyPurpose::AuditSigning)
    }

    fn global_material(
        &self,
        purpose: KeyPurpose,
    ) -> Result<Option<Arc<KeyMaterial>>, CryptoError> {
        let Some(id) = self.active_id(purpose, GLOBAL_SCOPE) else {
            return Ok(None);
        };
        match self.unwrapped(id)? {
            Unwrapped::Audit(key) => Ok(Some(key)),
            _ => Err(CryptoError::UnknownKey(id)),
        }
    }

    /// The ids of the data keys of `scope` that are not active (and not destroyed): what a
    /// re-encryption job moves away from.
    pub fn retired_data_keys(&self, scope: &str) -> Vec<u32> {
        let state = self.read();
        let mut ids: Vec<u32> = state
            .keys
            .values()
            .filter(|e| {
                e.record.purpose == KeyPurpose::Data
                    && e.record.scope == scope
                    && e.record.status == KeyStatus::DecryptOnly
            })
            .map(|e| e.record.id)
            .collect();
        ids.sort_unstable();
        ids
    }
}
