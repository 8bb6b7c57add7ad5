//! Field encryption primitives: pure, synchronous, no I/O.
//!
//! - [`MasterKey`], [`Passphrase`], [`KdfParams`], [`MasterSecret`]: the master secret, with the
//!   refusal of weak and placeholder secrets.
//! - [`Kek`]: the key-encryption key derived from the master key, its key check value, and the
//!   wrapping of random [`KeyMaterial`] (data keys, blind-index keys, the audit key).
//! - [`FieldValue`]: the typed plaintexts and their padded encoding.
//! - [`DataKey`]: envelope v1, AES-256-GCM-SIV bound to table, column and row.
//! - [`BlindIndexKey`]: HMAC blind indexes for equality search, with their [`Normalizer`]s.
//!
//! `docs/FORMAT.md` specifies every byte; `tests/vectors/envelope_v1.json` pins them.
//!
//! - [`FieldCipher`]: encryption of your own tables' fields with a [`crate::Keyring`]'s keys.
//!
//! This layer never stores, logs or prints key bytes or plaintext: secrets live in zeroizing
//! memory and their `Debug` is redacted. The in-memory key cache ([`KeySet`]) lives here; its
//! persistence lives in the store.
//!
//! ```
//! use inventario_core::crypto::{DataKey, FieldContext, FieldValue, KeyMaterial};
//!
//! let dek = DataKey::new(1, &KeyMaterial::generate());
//! let ctx = FieldContext::new("customers", "email", "42")?;
//! let envelope = dek.seal(&ctx, &FieldValue::from("ana@example.com"));
//! assert_eq!(dek.open(&ctx, &envelope)?.into_text()?, "ana@example.com");
//!
//! let elsewhere = FieldContext::new("customers", "email", "43")?;
//! assert!(dek.open(&elsewhere, &envelope).is_err());
//! # Ok::<(), inventario_core::crypto::CryptoError>(())
//! ```

mod blind;
mod cipher;
mod envelope;
mod error;
mod kek;
mod keyset;
mod secret;
mod value;

pub use blind::{BlindIndexKey, BlindIndexLen, Normalizer};
pub use cipher::FieldCipher;
pub use envelope::{
    from_text, parse_header, to_text, DataKey, EnvelopeHeader, FieldContext, ENVELOPE_VERSION,
    TEXT_PREFIX,
};
pub use error::{CryptoError, FieldType};
pub use kek::{Kek, KeyMaterial, KeyPurpose, WrapContext};
pub use keyset::{blind_index_scope, KeyRecord, KeySet, KeyStatus, NewKey, GLOBAL_SCOPE};
pub use secret::{KdfParams, MasterKey, MasterSecret, Passphrase};
pub use value::FieldValue;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The label that starts every AAD and names every derivation of format v1.
pub(crate) const LABEL_V1: &str = "inventario-core/v1";

/// The largest field that a 16-bit length prefix can carry.
pub(crate) const LP_MAX: usize = u16::MAX as usize;

/// Appends `lp(field)`: its length as a big-endian u16, then its bytes.
///
/// # Errors
/// [`CryptoError::InvalidContext`] with `too_long` when the field is longer than 65535 bytes.
pub(crate) fn push_lp(
    out: &mut Vec<u8>,
    field: &[u8],
    too_long: &'static str,
) -> Result<(), CryptoError> {
    let len = u16::try_from(field.len()).map_err(|_| CryptoError::InvalidContext(too_long))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field);
    Ok(())
}

/// HMAC-SHA256 of the concatenation of `parts` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}
