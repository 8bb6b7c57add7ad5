//! `Keyring` and `FieldCipher`, for the store's keys and fields of the caller's own tables.

use inventario_core::crypto::{
    self as crypto, BlindIndexLen, CryptoError, FieldContext, FieldType, FieldValue, MasterSecret,
    Normalizer,
};
use inventario_core::{Keyring as CoreKeyring, KeyringOptions, TenantId};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::convert::{blocking, guarded, run};
use crate::errors::{crypto as crypto_err, to_js, validation};
use crate::handle::Slot;
use crate::records::{
    DataKeyRotation, KeyInfo, MasterKeyRotation, ReencryptProgress, ReencryptReport,
};

/// Reads the master secret: given text (64 hex digits or a passphrase), or the environment.
pub(crate) fn master_secret(given: Option<&str>) -> Result<MasterSecret> {
    match given {
        Some(text) => {
            let text = Zeroizing::new(text.to_owned());
            MasterSecret::parse(&text).map_err(crypto_err)
        }
        None => MasterSecret::from_env().map_err(crypto_err),
    }
}

/// A plaintext: a string (text), a bigint (integer) or a Buffer (bytes).
pub(crate) type PlainArg = Either3<String, BigInt, Buffer>;
/// What `decrypt` returns: text as a string, an integer as a bigint, bytes as a Buffer,
/// a decimal or a date as its canonical string.
pub(crate) type Plain = Either3<String, BigInt, Buffer>;

fn field_value(value: PlainArg) -> Result<FieldValue> {
    Ok(match value {
        Either3::A(text) => FieldValue::Text(text),
        Either3::B(big) => {
            let (n, lossless) = big.get_i64();
            if !lossless {
                return Err(validation("an integer field value must fit in 64 bits"));
            }
            FieldValue::Int(n)
        }
        Either3::C(bytes) => FieldValue::Bytes(bytes.to_vec()),
    })
}

/// A plaintext of a `Sync` call: as [`PlainArg`], with a Buffer read in place (no reference
/// to it is kept, and its bytes are copied once, into the field value).
pub(crate) type PlainSliceArg<'a> = Either3<String, BigInt, BufferSlice<'a>>;

fn field_value_of_slice(value: PlainSliceArg<'_>) -> Result<FieldValue> {
    Ok(match value {
        Either3::A(text) => FieldValue::Text(text),
        Either3::B(big) => field_value(Either3::B(big))?,
        Either3::C(bytes) => FieldValue::Bytes(bytes.to_vec()),
    })
}

/// A new Buffer holding a copy of `bytes`. For the few bytes of a field, a copy into memory
/// that V8 owns costs far less than handing the `Vec` over as an external buffer (a weak
/// handle and a finalizer per Buffer, run later by the GC).
fn buffer_copy<'env>(env: &'env Env, bytes: &[u8]) -> Result<Unknown<'env>> {
    Ok(BufferSlice::copy_from(env, bytes)?.to_unknown())
}

/// [`plain`] for the `Sync` calls: bytes come back in a copied Buffer ([`buffer_copy`]).
fn plain_value<'env>(env: &'env Env, value: FieldValue) -> Result<Unknown<'env>> {
    match value.field_type() {
        FieldType::Bytes => buffer_copy(env, &value.into_bytes().map_err(crypto_err)?),
        _ => plain(value)?.into_unknown(env),
    }
}

fn plain(value: FieldValue) -> Result<Plain> {
    Ok(match value.field_type() {
        FieldType::Text => Either3::A(value.into_text().map_err(crypto_err)?),
        FieldType::Int => Either3::B(BigInt::from(value.into_int().map_err(crypto_err)?)),
        FieldType::Bytes => Either3::C(value.into_bytes().map_err(crypto_err)?.into()),
        FieldType::Decimal => Either3::A(value.into_decimal().map_err(crypto_err)?.to_string()),
        FieldType::Date => Either3::A(value.into_date().map_err(crypto_err)?.to_string()),
    })
}

/// Reads a blind index's normalizer (default exact) and length (default 16 bytes).
fn index_options(
    normalizer: Option<&str>,
    length: Option<u32>,
) -> Result<(Normalizer, BlindIndexLen)> {
    let name = normalizer.unwrap_or("exact");
    let normalizer = Normalizer::parse(name).ok_or_else(|| {
        validation(format!(
            "unknown normalizer {name:?}: expected exact, email or digits"
        ))
    })?;
    let length = u8::try_from(length.unwrap_or(16))
        .map_err(|_| crypto_err(CryptoError::InvalidContext("length is out of range")))
        .and_then(|l| BlindIndexLen::new(l).map_err(crypto_err))?;
    Ok((normalizer, length))
}

/// One field of a bulk call: `[value or envelope, table, column, rowKey]`.
#[napi(object)]
pub struct FieldItem {
    #[napi(ts_type = "string | bigint | Buffer")]
    pub value: PlainArg,
    pub table: String,
    pub column: String,
    pub row_key: String,
}

/// One envelope of a bulk decrypt.
#[napi(object)]
pub struct EnvelopeItem {
    pub envelope: Buffer,
    pub table: String,
    pub column: String,
    pub row_key: String,
}

fn context<'a>(table: &'a str, column: &'a str, row_key: &'a str) -> Result<FieldContext<'a>> {
    FieldContext::new(table, column, row_key).map_err(crypto_err)
}

/// Encrypts and decrypts fields of your own tables with a keyring's keys. Every envelope is
/// bound to its table, column and row key. The `Sync` methods run on the calling thread (a
/// 64-byte field takes about a microsecond); the others run off the event loop.
#[napi]
pub struct FieldCipher {
    inner: crypto::FieldCipher,
}

impl FieldCipher {
    pub(crate) fn new(inner: crypto::FieldCipher) -> Self {
        FieldCipher { inner }
    }
}

#[napi]
impl FieldCipher {
    /// The scope new envelopes are sealed under.
    #[napi(getter)]
    pub fn scope(&self) -> String {
        self.inner.scope().to_owned()
    }

    /// The same keys, sealing under the active key of `scope`.
    #[napi]
    pub fn with_scope(&self, scope: String) -> FieldCipher {
        FieldCipher::new(self.inner.with_scope(&scope))
    }

    /// Encrypts `value` for `table`.`column` of row `rowKey`; returns the envelope.
    #[napi(ts_return_type = "Buffer")]
    pub fn encrypt_sync<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string | bigint | Buffer")] value: PlainSliceArg<'_>,
        table: String,
        column: String,
        row_key: String,
    ) -> Result<Unknown<'env>> {
        guarded(|| {
            let value = field_value_of_slice(value)?;
            let sealed = self
                .inner
                .encrypt(value, &context(&table, &column, &row_key)?)
                .map_err(crypto_err)?;
            buffer_copy(env, &sealed)
        })
    }

    /// Decrypts an envelope read from `table`.`column` of row `rowKey`. Throws `E_DECRYPT`
    /// or `E_KEY_NOT_FOUND`; never returns null or an empty value for a failure.
    #[napi(ts_return_type = "string | bigint | Buffer")]
    pub fn decrypt_sync<'env>(
        &self,
        env: &'env Env,
        envelope: BufferSlice<'_>,
        table: String,
        column: String,
        row_key: String,
    ) -> Result<Unknown<'env>> {
        guarded(|| {
            let value = self
                .inner
                .decrypt(&envelope, &context(&table, &column, &row_key)?)
                .map_err(crypto_err)?;
            plain_value(env, value)
        })
    }

    /// `encryptSync` off the event loop.
    #[napi]
    pub async fn encrypt(
        &self,
        #[napi(ts_arg_type = "string | bigint | Buffer")] value: PlainArg,
        table: String,
        column: String,
        row_key: String,
    ) -> Result<Buffer> {
        let cipher = self.inner.clone();
        let value = field_value(value)?;
        blocking(move || {
            let sealed = cipher
                .encrypt(value, &context(&table, &column, &row_key)?)
                .map_err(crypto_err)?;
            Ok(sealed.into())
        })
        .await
    }

    /// `decryptSync` off the event loop.
    #[napi(ts_return_type = "Promise<string | bigint | Buffer>")]
    pub async fn decrypt(
        &self,
        envelope: Buffer,
        table: String,
        column: String,
        row_key: String,
    ) -> Result<Plain> {
        let cipher = self.inner.clone();
        let envelope = envelope.to_vec();
        blocking(move || {
            let value = cipher
                .decrypt(&envelope, &context(&table, &column, &row_key)?)
                .map_err(crypto_err)?;
            plain(value)
        })
        .await
    }

    /// Encrypts many fields in one call, off the event loop: all or nothing.
    #[napi]
    pub async fn encrypt_many(&self, items: Vec<FieldItem>) -> Result<Vec<Buffer>> {
        let cipher = self.inner.clone();
        let items = items
            .into_iter()
            .map(|i| Ok((field_value(i.value)?, i.table, i.column, i.row_key)))
            .collect::<Result<Vec<_>>>()?;
        blocking(move || {
            let fields = items
                .iter()
                .map(|(v, t, c, r)| Ok((v, context(t, c, r)?)))
                .collect::<Result<Vec<_>>>()?;
            let sealed = cipher.encrypt_many(fields).map_err(crypto_err)?;
            Ok(sealed.into_iter().map(Buffer::from).collect())
        })
        .await
    }

    /// Decrypts many fields in one call, off the event loop. The first failure rejects the
    /// promise, with `index` naming the item.
    #[napi(ts_return_type = "Promise<Array<string | bigint | Buffer>>")]
    pub async fn decrypt_many(&self, items: Vec<EnvelopeItem>) -> Result<Vec<Plain>> {
        let cipher = self.inner.clone();
        let items: Vec<(Vec<u8>, String, String, String)> = items
            .into_iter()
            .map(|i| (i.envelope.to_vec(), i.table, i.column, i.row_key))
            .collect();
        blocking(move || {
            items
                .iter()
                .enumerate()
                .map(|(index, (e, t, c, r))| {
                    let opened = context(t, c, r)
                        .and_then(|ctx| cipher.decrypt(e, &ctx).map_err(crypto_err));
                    opened
                        .and_then(plain)
                        .map_err(|err| crate::errors::with_field(err, "index", index))
                })
                .collect()
        })
        .await
    }

    /// The blind index of `value` in `table`.`column` (normalizer exact, email or digits;
    /// length 8 to 32 bytes, default 16). The column's index key must exist.
    #[napi]
    pub fn blind_index(
        &self,
        table: String,
        column: String,
        value: String,
        normalizer: Option<String>,
        length: Option<u32>,
    ) -> Result<Buffer> {
        guarded(|| {
            let (normalizer, length) = index_options(normalizer.as_deref(), length)?;
            let index = self
                .inner
                .blind_index_with_len(&table, &column, normalizer, &value, length)
                .map_err(crypto_err)?;
            Ok(index.into())
        })
    }
}

/// Opens the keyring of the store at `url` (creating it on a new store).
#[napi]
pub async fn open_keyring(
    url: String,
    master_key: Option<String>,
    tenant: Option<String>,
) -> Result<Keyring> {
    run(async move {
        let master = master_secret(master_key.as_deref())?;
        let mut options = KeyringOptions::default();
        if let Some(tenant) = tenant.as_deref() {
            options = options.tenant(TenantId::parse(tenant).map_err(|e| to_js(e.into()))?);
        }
        let keyring = CoreKeyring::open_with(&url, master, options)
            .await
            .map_err(to_js)?;
        Ok(Keyring {
            inner: Slot::new("keyring", keyring),
            owns_pool: true,
        })
    })
    .await
}

/// The keys of a store: rotation, scopes, blind indexes, and ciphers for your own tables.
#[napi]
pub struct Keyring {
    inner: Slot<CoreKeyring>,
    owns_pool: bool,
}

impl Keyring {
    pub(crate) fn borrowed(keyring: CoreKeyring) -> Self {
        Keyring {
            inner: Slot::new("keyring", keyring),
            owns_pool: false,
        }
    }

    fn handle(&self) -> Result<CoreKeyring> {
        self.inner.get()
    }
}

#[napi]
impl Keyring {
    /// The master key's version: 1, plus one per rotation.
    #[napi(getter)]
    pub fn mk_version(&self) -> Result<u32> {
        Ok(self.handle()?.mk_version())
    }

    /// The keys (ids, purposes, scopes, statuses; never their bytes).
    #[napi]
    pub fn keys(&self) -> Result<Vec<KeyInfo>> {
        Ok(self
            .handle()?
            .keys()
            .into_iter()
            .map(KeyInfo::from)
            .collect())
    }

    /// A cipher for your own tables, sealing under `scope` (default global).
    #[napi]
    pub fn field_cipher(&self, scope: Option<String>) -> Result<FieldCipher> {
        let cipher = self.handle()?.field_cipher();
        Ok(FieldCipher::new(match scope {
            Some(scope) => cipher.with_scope(&scope),
            None => cipher,
        }))
    }

    /// Creates the blind-index key of `table`.`column` if it does not exist yet.
    #[napi]
    pub async fn add_blind_index(&self, table: String, column: String) -> Result<()> {
        let keyring = self.handle()?;
        run(async move {
            keyring
                .add_blind_index(&table, &column)
                .await
                .map_err(to_js)
        })
        .await
    }

    /// Creates an active data key for `scope` if it has none; resolves to its id.
    #[napi]
    pub async fn create_scope(&self, scope: String) -> Result<u32> {
        let keyring = self.handle()?;
        run(async move { keyring.create_scope(&scope).await.map_err(to_js) }).await
    }

    /// Rewraps every key under `newMasterKey` (64 hex digits or a passphrase) in one
    /// transaction; afterwards only the new key opens the store.
    #[napi]
    pub async fn rotate_master_key(&self, new_master_key: String) -> Result<MasterKeyRotation> {
        let keyring = self.handle()?;
        let master = master_secret(Some(&new_master_key))?;
        run(async move {
            let r = keyring.rotate_master_key(master).await.map_err(to_js)?;
            Ok(MasterKeyRotation {
                mk_version: r.mk_version,
                rewrapped: u32::try_from(r.rewrapped).unwrap_or(u32::MAX),
            })
        })
        .await
    }

    /// Makes a new data key active for `scope` (default global) and queues a re-encryption
    /// job for `reencrypt`.
    #[napi]
    pub async fn rotate_data_key(&self, scope: Option<String>) -> Result<DataKeyRotation> {
        let keyring = self.handle()?;
        let scope = scope.unwrap_or_else(|| "global".to_owned());
        run(async move {
            let r = keyring.rotate_data_key(&scope).await.map_err(to_js)?;
            Ok(DataKeyRotation {
                key_id: r.key_id,
                job_id: r.job_id,
            })
        })
        .await
    }

    /// Runs every unfinished re-encryption job, `batch` rows per transaction (default
    /// 1000), calling `progress` after each committed batch. Interrupted, it resumes from its
    /// last committed batch on the next call.
    #[napi]
    pub async fn reencrypt(
        &self,
        batch: Option<u32>,
        progress: Option<
            ThreadsafeFunction<ReencryptProgress, (), ReencryptProgress, Status, false>,
        >,
    ) -> Result<Vec<ReencryptReport>> {
        let keyring = self.handle()?;
        let batch = batch.unwrap_or(1000);
        if batch == 0 {
            return Err(validation("batch must be at least 1"));
        }
        run(async move {
            let report = move |p: &inventario_core::ReencryptProgress| {
                if let Some(callback) = &progress {
                    callback.call(
                        ReencryptProgress::from(p),
                        ThreadsafeFunctionCallMode::NonBlocking,
                    );
                }
            };
            keyring
                .reencrypt(batch, report)
                .await
                .map(|reports| reports.into_iter().map(ReencryptReport::from).collect())
                .map_err(to_js)
        })
        .await
    }

    /// Destroys every data key of `scope`; resolves to the destroyed key ids.
    #[napi]
    pub async fn destroy_scope(&self, scope: String) -> Result<Vec<u32>> {
        let keyring = self.handle()?;
        run(async move { keyring.destroy_scope(&scope).await.map_err(to_js) }).await
    }

    /// Closes the keyring (and its connections, when it was opened with `openKeyring`).
    #[napi]
    pub async fn close(&self) -> Result<()> {
        if let (Some(keyring), true) = (self.inner.take(), self.owns_pool) {
            run(async move {
                keyring.close().await;
                Ok(())
            })
            .await?;
        }
        Ok(())
    }
}

/// The text form of an envelope (`ic1.` + base64url), for TEXT columns.
#[napi]
pub fn envelope_to_text(envelope: Buffer) -> String {
    crypto::to_text(&envelope)
}

/// The envelope bytes of a text form.
#[napi]
pub fn envelope_from_text(text: String) -> Result<Buffer> {
    crypto::from_text(&text)
        .map(Buffer::from)
        .map_err(crypto_err)
}

/// A data key given as raw bytes: the envelope v1 primitive (docs/FORMAT.md), for test
/// vectors and reviews. Applications use `FieldCipher`, whose keys never leave the keyring.
#[napi]
pub struct DataKey {
    inner: crypto::DataKey,
}

#[napi]
impl DataKey {
    /// A data key with id `keyId` and 32 key bytes.
    #[napi(constructor)]
    pub fn new(key_id: u32, key: Buffer) -> Result<Self> {
        let bytes: [u8; 32] = key.as_ref().try_into().map_err(|_| {
            crypto_err(CryptoError::InvalidKeyMaterial(
                "a data key must be 32 bytes long",
            ))
        })?;
        Ok(DataKey {
            inner: crypto::DataKey::new(key_id, &crypto::KeyMaterial::from_bytes(bytes)),
        })
    }

    /// The key id written in its envelopes.
    #[napi(getter)]
    pub fn key_id(&self) -> u32 {
        self.inner.id()
    }

    /// Seals `value` for the field at (`table`, `column`, `rowKey`) with a random nonce.
    #[napi]
    pub fn seal(
        &self,
        #[napi(ts_arg_type = "string | bigint | Buffer")] value: PlainArg,
        table: String,
        column: String,
        row_key: String,
    ) -> Result<Buffer> {
        guarded(|| {
            let value = field_value(value)?;
            Ok(self
                .inner
                .seal(&context(&table, &column, &row_key)?, &value)
                .into())
        })
    }

    /// Opens an envelope sealed for the field at (`table`, `column`, `rowKey`).
    #[napi(ts_return_type = "string | bigint | Buffer")]
    pub fn open(
        &self,
        envelope: Buffer,
        table: String,
        column: String,
        row_key: String,
    ) -> Result<Plain> {
        guarded(|| {
            let value = self
                .inner
                .open(&context(&table, &column, &row_key)?, &envelope)
                .map_err(crypto_err)?;
            plain(value)
        })
    }
}

/// A blind-index key given as raw bytes (docs/FORMAT.md), for test vectors and reviews.
#[napi]
pub struct BlindIndexKey {
    inner: crypto::BlindIndexKey,
}

#[napi]
impl BlindIndexKey {
    /// A blind-index key over 32 key bytes.
    #[napi(constructor)]
    pub fn new(key: Buffer) -> Result<Self> {
        let bytes: [u8; 32] = key.as_ref().try_into().map_err(|_| {
            crypto_err(CryptoError::InvalidKeyMaterial(
                "a blind-index key must be 32 bytes long",
            ))
        })?;
        Ok(BlindIndexKey {
            inner: crypto::BlindIndexKey::new(&crypto::KeyMaterial::from_bytes(bytes)),
        })
    }

    /// HMAC-SHA256 of the normalized `value` (normalizer exact, email or digits), truncated
    /// to `length` bytes (8 to 32, default 16).
    #[napi]
    pub fn index(
        &self,
        value: String,
        normalizer: Option<String>,
        length: Option<u32>,
    ) -> Result<Buffer> {
        guarded(|| {
            let (normalizer, length) = index_options(normalizer.as_deref(), length)?;
            Ok(self.inner.index(normalizer, &value, length).into())
        })
    }
}

/// The key id an envelope names, after checking its shape (nothing is authenticated).
#[napi]
pub fn envelope_key_id(envelope: Buffer) -> Result<u32> {
    crypto::parse_header(&envelope)
        .map(|h| h.key_id)
        .map_err(crypto_err)
}
