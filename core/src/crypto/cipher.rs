//! [`FieldCipher`]: encrypt and decrypt fields of your own tables with a keyring's keys.

use std::fmt;
use std::sync::Arc;

use super::blind::{BlindIndexLen, Normalizer};
use super::envelope::FieldContext;
use super::error::CryptoError;
use super::kek::KeyPurpose;
use super::keyset::{KeySet, GLOBAL_SCOPE};
use super::value::FieldValue;
use crate::metrics::{CounterMetric, CryptoOp, CryptoResult, Labels};

/// Encrypts and decrypts fields with the keys of a [`crate::Keyring`] (or of an
/// [`crate::Inventory`]), for columns of tables the inventory schema does not know: a SQLAlchemy
/// model's `email` column, a Node service's `notes`.
///
/// Everything here is synchronous and in memory: the keys were loaded when the keyring was
/// opened. Every envelope is bound to its [`FieldContext`] (table, column, row key), so a value
/// copied to another row fails to decrypt. Cloning is cheap.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), inventario_core::Error> {
/// use inventario_core::crypto::{FieldContext, MasterKey, Normalizer};
/// use inventario_core::Keyring;
///
/// let keyring = Keyring::open("sqlite::memory:", MasterKey::generate().into()).await?;
/// keyring.add_blind_index("users", "email").await?;
/// let cipher = keyring.field_cipher();
///
/// let ctx = FieldContext::new("users", "email", "42")?;
/// let sealed = cipher.encrypt("ana@example.com", &ctx)?;
/// assert_eq!(cipher.decrypt(&sealed, &ctx)?.into_text()?, "ana@example.com");
///
/// let other_row = FieldContext::new("users", "email", "43")?;
/// assert!(cipher.decrypt(&sealed, &other_row).is_err());
///
/// let bidx = cipher.blind_index("users", "email", Normalizer::Email, " Ana@Example.com")?;
/// assert_eq!(bidx, cipher.blind_index("users", "email", Normalizer::Email, "ana@example.com")?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FieldCipher {
    keys: Arc<KeySet>,
    scope: Arc<str>,
}

impl fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldCipher")
            .field("tenant", &self.keys.tenant())
            .field("scope", &self.scope)
            .finish()
    }
}

impl FieldCipher {
    /// A cipher that encrypts under the active key of the `global` scope.
    pub(crate) fn new(keys: Arc<KeySet>) -> FieldCipher {
        FieldCipher {
            keys,
            scope: Arc::from(GLOBAL_SCOPE),
        }
    }

    /// The same keys, encrypting under the active key of `scope` instead (one created with
    /// [`crate::Keyring::create_scope`], e.g. one data subject's own key so that erasing them
    /// destroys one key). Decryption always uses the key an envelope names, whatever the scope.
    pub fn with_scope(&self, scope: &str) -> FieldCipher {
        FieldCipher {
            keys: Arc::clone(&self.keys),
            scope: Arc::from(scope),
        }
    }

    /// The scope new envelopes are sealed under.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// Encrypts `value` for the field at `ctx`: an envelope v1 (see `docs/FORMAT.md`).
    /// `UnknownKey` if the scope has no active key.
    pub fn encrypt(
        &self,
        value: impl Into<FieldValue>,
        ctx: &FieldContext<'_>,
    ) -> Result<Vec<u8>, CryptoError> {
        let value = value.into();
        self.keys.observe(CryptoOp::Encrypt, || {
            Ok(self.active_key()?.seal(ctx, &value))
        })
    }

    /// Decrypts an envelope read from the field at `ctx`. Fails (never returns an empty or
    /// default value) when the envelope is malformed, names an unknown or destroyed key, or was
    /// sealed for another field or altered.
    pub fn decrypt(
        &self,
        envelope: &[u8],
        ctx: &FieldContext<'_>,
    ) -> Result<FieldValue, CryptoError> {
        self.keys.observe(CryptoOp::Decrypt, || {
            self.keys.key_for(envelope)?.open(ctx, envelope)
        })
    }

    /// Encrypts many fields with one key lookup: all or nothing.
    pub fn encrypt_many<'a, I>(&self, fields: I) -> Result<Vec<Vec<u8>>, CryptoError>
    where
        I: IntoIterator<Item = (&'a FieldValue, FieldContext<'a>)>,
    {
        let sealed: Result<Vec<Vec<u8>>, CryptoError> = self.active_key().map(|key| {
            fields
                .into_iter()
                .map(|(value, ctx)| key.seal(&ctx, value))
                .collect()
        });
        let metrics = self.keys.metrics();
        if metrics.is_enabled() {
            let n = sealed.as_ref().map_or(1, |s| s.len() as u64);
            metrics.counter(
                CounterMetric::Encrypt,
                Labels::crypto_result(CryptoResult::of(&sealed)),
                n,
            );
        }
        sealed
    }

    /// Decrypts many fields; each gets its own result, so one shredded or tampered row does not
    /// hide the others.
    pub fn decrypt_many<'a, I>(&self, fields: I) -> Vec<Result<FieldValue, CryptoError>>
    where
        I: IntoIterator<Item = (&'a [u8], FieldContext<'a>)>,
    {
        fields
            .into_iter()
            .map(|(envelope, ctx)| self.decrypt(envelope, &ctx))
            .collect()
    }

    /// The blind index (16 bytes) of `value` in `table`.`column` under `normalizer`, for
    /// equality lookups on an encrypted column. The column's index key must exist: create it
    /// once with [`crate::Keyring::add_blind_index`] (`InvalidContext` otherwise).
    pub fn blind_index(
        &self,
        table: &str,
        column: &str,
        normalizer: Normalizer,
        value: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        self.blind_index_with_len(table, column, normalizer, value, BlindIndexLen::DEFAULT)
    }

    /// [`FieldCipher::blind_index`] truncated to `len` bytes (8 to 32): shorter indexes give
    /// deliberate false positives, which lookups drop by decrypting and comparing.
    pub fn blind_index_with_len(
        &self,
        table: &str,
        column: &str,
        normalizer: Normalizer,
        value: &str,
        len: BlindIndexLen,
    ) -> Result<Vec<u8>, CryptoError> {
        let key = self
            .keys
            .blind_index_key(table, column)?
            .ok_or(CryptoError::InvalidContext(
                "no blind-index key for this table and column; create it with add_blind_index",
            ))?;
        Ok(key.index(normalizer, value, len))
    }

    fn active_key(&self) -> Result<Arc<super::envelope::DataKey>, CryptoError> {
        match self.keys.active_id(KeyPurpose::Data, &self.scope) {
            Some(id) => self.keys.data_key(id),
            None => Err(CryptoError::InvalidContext(
                "no active data key for this scope; create it with create_scope",
            )),
        }
    }
}
