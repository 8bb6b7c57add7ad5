//! [`Keyring`]: a tenant's persistent keys, usable on their own (a keyring file for your own
//! tables) or as part of an [`crate::Inventory`].

use chrono_tz::Tz;

use serde_json::json;

use crate::audit::EventType;
use crate::crypto::{FieldCipher, KdfParams, KeyPurpose, KeyRecord, MasterSecret};
use crate::domain::{Actor, TenantId};
use crate::error::Result;
use crate::metrics::Metrics;
use crate::store::{
    AuditFailure, Connect, Entry, KeyChanges, ReencryptProgress, ReencryptReport, Store,
};

/// How to open a [`Keyring`] on its own.
///
/// ```
/// use inventario_core::crypto::KdfParams;
/// use inventario_core::{KeyringOptions, TenantId};
/// let options = KeyringOptions::default()
///     .tenant(TenantId::parse("sucursal-norte").unwrap())
///     .kdf(KdfParams::new(1_000_000).unwrap());
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct KeyringOptions {
    tenant: TenantId,
    kdf: KdfParams,
    actor: Actor,
    metrics: Metrics,
}

impl Default for KeyringOptions {
    fn default() -> Self {
        KeyringOptions {
            tenant: TenantId::default_tenant(),
            kdf: KdfParams::default(),
            actor: Actor::parse(DEFAULT_KEYRING_ACTOR).expect("a valid actor name"),
            metrics: Metrics::noop(),
        }
    }
}

/// The actor a standalone keyring records on key operations unless told another.
pub const DEFAULT_KEYRING_ACTOR: &str = "keyring";

impl KeyringOptions {
    /// The tenant whose keys to open (default `default`).
    pub fn tenant(mut self, tenant: TenantId) -> Self {
        self.tenant = tenant;
        self
    }

    /// The PBKDF2 setting a new passphrase keyring is created with (default 600,000
    /// iterations). An existing keyring keeps the count stored with it.
    pub fn kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// Who the key operations' audit records name (default [`DEFAULT_KEYRING_ACTOR`]): the
    /// operator or service, from your authentication.
    pub fn actor(mut self, actor: &str) -> Result<Self> {
        self.actor = Actor::parse(actor)?;
        Ok(self)
    }

    /// Where the keyring's measurements go (default: nowhere).
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }
}

/// A master-key rotation's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MasterKeyRotation {
    /// The new master-key version.
    pub mk_version: u32,
    /// Keys rewrapped (data, blind-index and audit keys that still have material).
    pub rewrapped: usize,
}

/// A data-key rotation's outcome: the new key, and the job that moves stored fields onto it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataKeyRotation {
    /// The new active key.
    pub key_id: u32,
    /// The re-encryption job to run with [`Keyring::reencrypt`].
    pub job_id: i64,
}

/// A tenant's keys, kept in a store (a SQLite file or a PostgreSQL database of their own, or the
/// inventory's own database): the master key's check value, the wrapped data keys, blind-index
/// keys and audit key.
///
/// Opening unwraps nothing but checks the master key: the wrong one fails at once with
/// [`crate::crypto::CryptoError::WrongMasterKey`]. PBKDF2 (for a passphrase) runs once, here.
/// Key operations are transactions; every handle and process sees them at its next store call.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), inventario_core::Error> {
/// use inventario_core::crypto::{CryptoError, FieldContext, MasterKey};
/// use inventario_core::Keyring;
///
/// let dir = tempfile::tempdir().unwrap();
/// let url = format!("sqlite://{}?mode=rwc", dir.path().join("keys.db").display());
/// let key = "9f1c2b7e4d3a5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829a3b4c5d6e7f";
///
/// let keyring = Keyring::open(&url, MasterKey::from_hex(key)?.into()).await?;
/// let ctx = FieldContext::new("clientes", "telefono", "7")?;
/// let sealed = keyring.field_cipher().encrypt("+54 11 5555-0101", &ctx)?;
/// keyring.close().await;
///
/// let wrong = MasterKey::generate();
/// let err = Keyring::open(&url, wrong.into()).await.unwrap_err();
/// assert_eq!(err.crypto(), Some(&CryptoError::WrongMasterKey));
///
/// let keyring = Keyring::open(&url, MasterKey::from_hex(key)?.into()).await?;
/// assert_eq!(keyring.field_cipher().decrypt(&sealed, &ctx)?.into_text()?, "+54 11 5555-0101");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Keyring {
    store: Store,
    actor: Actor,
}

impl Keyring {
    /// Opens (creating on first use) the keyring of the default tenant in the store at `url`
    /// (`sqlite://keys.db?mode=rwc`, or an inventory database).
    pub async fn open(url: &str, master: MasterSecret) -> Result<Keyring> {
        Keyring::open_with(url, master, KeyringOptions::default()).await
    }

    /// Opens a keyring with explicit options.
    pub async fn open_with(
        url: &str,
        master: MasterSecret,
        options: KeyringOptions,
    ) -> Result<Keyring> {
        let store = Store::open(Connect {
            url,
            tenant: options.tenant,
            timezone: Tz::UTC,
            max_connections: 4,
            secret: &master,
            kdf: options.kdf,
            metrics: options.metrics,
            audit_failure: AuditFailure::default(),
            create_keyring: true,
        })
        .await?;
        Ok(Keyring {
            store,
            actor: options.actor,
        })
    }

    pub(crate) fn from_store(store: Store, actor: Actor) -> Keyring {
        Keyring { store, actor }
    }

    /// A cipher for fields of your own tables, sealing under the `global` data key.
    pub fn field_cipher(&self) -> FieldCipher {
        FieldCipher::new(self.store.keys().clone())
    }

    /// The master-key version the keys are wrapped under.
    pub fn mk_version(&self) -> u32 {
        self.store.keys().mk_version()
    }

    /// Every key's record (id, purpose, scope, status, master-key version), sorted by id.
    /// Material never leaves the keyring.
    pub fn keys(&self) -> Vec<KeyRecord> {
        self.store.keys().records()
    }

    /// Reloads keys that other handles or processes created, rotated or destroyed.
    pub async fn refresh(&self) -> Result<()> {
        self.store.sync_keys_for_read().await
    }

    /// Creates the blind-index key of `table`.`column` if it does not exist yet.
    pub async fn add_blind_index(&self, table: &str, column: &str) -> Result<()> {
        let scope = crate::crypto::blind_index_scope(table, column);
        self.ensure_key(KeyPurpose::BlindIndex, &scope)
            .await
            .map(drop)
    }

    /// Creates an active data key for `scope` (e.g. `customer:42`, or any name of yours) if it
    /// has none; returns the active key's id. Use it with [`FieldCipher::with_scope`].
    pub async fn create_scope(&self, scope: &str) -> Result<u32> {
        self.ensure_key(KeyPurpose::Data, scope).await
    }

    async fn ensure_key(&self, purpose: KeyPurpose, scope: &str) -> Result<u32> {
        let mut tx = self.store.write().await?;
        if let Some(id) = self.store.keys().active_id(purpose, scope) {
            return Ok(id);
        }
        let mut changes = KeyChanges::default();
        let key = self
            .store
            .create_key(&mut tx, purpose, scope, &mut changes)
            .await?;
        let id = key.record().id;
        let entry = Entry::new(EventType::KeyCreated, "crypto_keys", id)
            .key(Some(id))
            .detail(json!({ "purpose": purpose.as_str(), "scope": scope }));
        self.store.commit_audited(tx, &self.actor, entry).await?;
        changes.apply(self.store.keys());
        Ok(id)
    }

    /// Rewraps every key under a new master key, in one transaction; no field is re-encrypted
    /// and blind indexes do not change. Afterwards only `new_master` opens the store.
    pub async fn rotate_master_key(&self, new_master: MasterSecret) -> Result<MasterKeyRotation> {
        self.rotate_master_key_with(new_master, KdfParams::default())
            .await
    }

    /// [`Keyring::rotate_master_key`] with the PBKDF2 setting for a new passphrase.
    pub async fn rotate_master_key_with(
        &self,
        new_master: MasterSecret,
        kdf: KdfParams,
    ) -> Result<MasterKeyRotation> {
        let (mk_version, rewrapped) = self
            .store
            .rotate_master_key(&new_master, kdf, &self.actor)
            .await?;
        Ok(MasterKeyRotation {
            mk_version,
            rewrapped,
        })
    }

    /// Makes a new data key active for `scope`; the old ones only decrypt from now on. New
    /// writes use the new key at once; run [`Keyring::reencrypt`] to move stored fields.
    pub async fn rotate_data_key(&self, scope: &str) -> Result<DataKeyRotation> {
        let (key_id, job_id) = self.store.rotate_data_key(scope, &self.actor).await?;
        Ok(DataKeyRotation { key_id, job_id })
    }

    /// Runs every unfinished re-encryption job to the end, `batch` rows per transaction,
    /// calling `progress` after each committed batch. Interrupted (cancelled, crashed), it
    /// resumes from its last committed batch on the next call.
    pub async fn reencrypt(
        &self,
        batch: u32,
        mut progress: impl FnMut(&ReencryptProgress) + Send,
    ) -> Result<Vec<ReencryptReport>> {
        self.store
            .reencrypt(batch, &self.actor, &mut progress)
            .await
    }

    /// Destroys every data key of `scope`: whatever they sealed is unreadable for good
    /// (`KeyDestroyed`). Returns the destroyed key ids.
    pub async fn destroy_scope(&self, scope: &str) -> Result<Vec<u32>> {
        let mut tx = self.store.write().await?;
        let mut changes = KeyChanges::default();
        let ids = self
            .store
            .destroy_scope(&mut tx, scope, &mut changes)
            .await?;
        let entry = Entry::new(EventType::KeyDestroyed, "crypto_keys", scope)
            .detail(json!({ "scope": scope, "destroyed_keys": ids }));
        self.store.commit_audited(tx, &self.actor, entry).await?;
        changes.apply(self.store.keys());
        Ok(ids)
    }

    /// Closes the keyring's connections.
    pub async fn close(&self) {
        self.store.close().await;
    }
}
