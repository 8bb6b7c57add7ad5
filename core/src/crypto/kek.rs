//! The key-encryption key (KEK) and the keys it wraps.
//!
//! The KEK is derived from the master key and never stored; the keyring stores its key check value
//! and the keys it wraps. Wrapping binds each key to where it belongs (tenant, purpose, id, scope,
//! master-key version), so a wrapped key copied to another row of the keyring does not unwrap.

use std::fmt;

use aes_gcm_siv::aead::{AeadInPlace, KeyInit};
use aes_gcm_siv::{Aes256GcmSiv, Key, Nonce, Tag};
use hkdf::Hkdf;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{hmac_sha256, push_lp, CryptoError, MasterKey, LABEL_V1};

/// Version byte of a wrapped key.
const WRAP_VERSION: u8 = 0x01;
/// Length of a wrapped key: version, nonce, the 32-byte key encrypted, tag.
const WRAPPED_LEN: usize = 1 + 12 + 32 + 16;
/// The AAD label of a wrapped key.
const WRAP_LABEL: &[u8] = b"inventario-core/v1 wrap";
/// The label MACed into the key check value.
const CHECK_LABEL: &[u8] = b"inventario-core/v1 key check";

/// 32 random bytes of key: a data key, a blind-index key or the audit key, unwrapped.
///
/// Lives in zeroizing memory; `Debug` is redacted. A clone is zeroized on drop as well.
#[derive(Clone)]
pub struct KeyMaterial(Zeroizing<[u8; 32]>);

impl KeyMaterial {
    /// A fresh key from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        KeyMaterial(bytes)
    }

    /// Takes 32 key bytes (for test vectors and imports; new keys come from
    /// [`KeyMaterial::generate`]).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        KeyMaterial(Zeroizing::new(bytes))
    }

    /// The key bytes. Hand them only to a cipher or MAC; never log or store them unwrapped.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial(<redacted>)")
    }
}

/// What a wrapped key is for; part of the wrapping's AAD, so a key cannot change purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyPurpose {
    /// A data-encryption key (DEK) for envelopes.
    Data,
    /// A blind-index key for one table and column.
    BlindIndex,
    /// The key of the audit chain's MACs.
    Audit,
    /// The Ed25519 seed that signs audit checkpoints.
    AuditSigning,
}

impl KeyPurpose {
    /// The stored name: `data`, `blind_index`, `audit` or `audit_signing`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::Data => "data",
            KeyPurpose::BlindIndex => "blind_index",
            KeyPurpose::Audit => "audit",
            KeyPurpose::AuditSigning => "audit_signing",
        }
    }

    /// Reads a stored name back.
    ///
    /// ```
    /// use inventario_core::crypto::KeyPurpose;
    /// assert_eq!(KeyPurpose::parse("blind_index"), Some(KeyPurpose::BlindIndex));
    /// assert_eq!(KeyPurpose::parse("Data"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "data" => Some(KeyPurpose::Data),
            "blind_index" => Some(KeyPurpose::BlindIndex),
            "audit" => Some(KeyPurpose::Audit),
            "audit_signing" => Some(KeyPurpose::AuditSigning),
            _ => None,
        }
    }

    /// The byte that stands for the purpose in the wrapping's AAD: 1, 2, 3 or 4.
    pub fn code(self) -> u8 {
        match self {
            KeyPurpose::Data => 1,
            KeyPurpose::BlindIndex => 2,
            KeyPurpose::Audit => 3,
            KeyPurpose::AuditSigning => 4,
        }
    }
}

/// Where a wrapped key belongs. Every field goes into the wrapping's AAD: unwrapping with any
/// field changed fails authentication.
#[derive(Debug, Clone, Copy)]
pub struct WrapContext<'a> {
    /// The tenant whose keyring holds the key (at most 65535 bytes).
    pub tenant: &'a str,
    /// What the key is for.
    pub purpose: KeyPurpose,
    /// The key's id within the tenant and purpose.
    pub key_id: u32,
    /// The key's scope, such as `global`, `customer:42` or `customers.email` (at most 65535
    /// bytes).
    pub scope: &'a str,
    /// The version of the master key whose KEK wraps the key.
    pub mk_version: u32,
}

impl WrapContext<'_> {
    /// `"inventario-core/v1 wrap" ‖ lp(tenant) ‖ purpose code ‖ key_id BE ‖ lp(scope) ‖
    /// mk_version BE`.
    fn aad(&self) -> Result<Vec<u8>, CryptoError> {
        let mut aad = Vec::with_capacity(
            WRAP_LABEL.len() + 2 + self.tenant.len() + 1 + 4 + 2 + self.scope.len() + 4,
        );
        aad.extend_from_slice(WRAP_LABEL);
        push_lp(
            &mut aad,
            self.tenant.as_bytes(),
            "tenant longer than 65535 bytes",
        )?;
        aad.push(self.purpose.code());
        aad.extend_from_slice(&self.key_id.to_be_bytes());
        push_lp(
            &mut aad,
            self.scope.as_bytes(),
            "scope longer than 65535 bytes",
        )?;
        aad.extend_from_slice(&self.mk_version.to_be_bytes());
        Ok(aad)
    }
}

/// The key-encryption key of one master-key version: wraps and unwraps the keyring's keys.
///
/// ```
/// use inventario_core::crypto::{Kek, KeyMaterial, KeyPurpose, MasterKey, WrapContext};
///
/// let kek = Kek::derive(&MasterKey::generate());
/// let ctx = WrapContext { tenant: "default", purpose: KeyPurpose::Data, key_id: 1, scope: "global", mk_version: 1 };
/// let dek = KeyMaterial::generate();
/// let wrapped = kek.wrap(&dek, &ctx)?;
/// assert_eq!(wrapped.len(), 61);
/// assert_eq!(kek.unwrap(&wrapped, &ctx)?.expose(), dek.expose());
///
/// // The keyring stores the check value; a wrong master key is caught before any unwrap.
/// let stored = kek.check_value();
/// let wrong = Kek::derive(&MasterKey::generate());
/// assert!(wrong.verify_check_value(&stored).is_err());
/// # Ok::<(), inventario_core::crypto::CryptoError>(())
/// ```
pub struct Kek(Zeroizing<[u8; 32]>);

impl Kek {
    /// HKDF-SHA256 of the master key, salt `inventario-core/v1`, info `kek`, 32 bytes.
    pub fn derive(master: &MasterKey) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(LABEL_V1.as_bytes()), master.as_bytes());
        let mut kek = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit: this cannot fail.
        hkdf.expand(b"kek", kek.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Kek(kek)
    }

    /// HKDF-SHA256 with this KEK as the input keying material, `salt` and `info`: 32 bytes for a
    /// key of the crate's own that must follow the master key (the keys of a backup file,
    /// docs/FORMAT.md section 11). The KEK itself never leaves this type.
    pub(crate) fn derive_subkey(&self, salt: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
        let hkdf = Hkdf::<Sha256>::new(Some(salt), self.0.as_ref());
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit: this cannot fail.
        hkdf.expand(info, key.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        key
    }

    /// The key check value: the first 8 bytes of HMAC-SHA256(KEK, `inventario-core/v1 key
    /// check`). Stored beside the wrapped keys; it reveals nothing about the KEK.
    pub fn check_value(&self) -> [u8; 8] {
        let mac = hmac_sha256(self.0.as_ref(), &[CHECK_LABEL]);
        let mut check = [0u8; 8];
        check.copy_from_slice(&mac[..8]);
        check
    }

    /// Compares a stored key check value with this KEK's, in constant time.
    ///
    /// # Errors
    /// [`CryptoError::WrongMasterKey`] when they differ or `stored` is not 8 bytes.
    pub fn verify_check_value(&self, stored: &[u8]) -> Result<(), CryptoError> {
        let ours = self.check_value();
        if stored.len() == ours.len() && bool::from(ours.ct_eq(stored)) {
            Ok(())
        } else {
            Err(CryptoError::WrongMasterKey)
        }
    }

    /// Wraps a key: `0x01 ‖ nonce (12, random) ‖ AES-256-GCM-SIV(KEK, nonce, key, AAD)`, 61
    /// bytes, the AAD binding every field of `ctx`.
    ///
    /// # Errors
    /// [`CryptoError::InvalidContext`] when the tenant or scope is longer than 65535 bytes.
    pub fn wrap(&self, key: &KeyMaterial, ctx: &WrapContext<'_>) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        self.wrap_with_nonce(key, ctx, nonce)
    }

    fn wrap_with_nonce(
        &self,
        key: &KeyMaterial,
        ctx: &WrapContext<'_>,
        nonce: [u8; 12],
    ) -> Result<Vec<u8>, CryptoError> {
        let aad = ctx.aad()?;
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.push(WRAP_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(key.expose());
        let tag = self
            .cipher()
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut out[13..45])
            .map_err(|_| CryptoError::InvalidContext("input too long for AES-GCM-SIV"))?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Unwraps a key wrapped by [`Kek::wrap`] with the same context.
    ///
    /// # Errors
    /// In this order: [`CryptoError::Malformed`] for an empty input,
    /// [`CryptoError::UnsupportedVersion`] when the first byte is not 1, `Malformed` for a length
    /// other than 61, [`CryptoError::InvalidContext`] for an over-long tenant or scope, and
    /// [`CryptoError::AuthenticationFailed`] when the KEK or any field of the context differs from
    /// the wrapping's.
    pub fn unwrap(
        &self,
        wrapped: &[u8],
        ctx: &WrapContext<'_>,
    ) -> Result<KeyMaterial, CryptoError> {
        let Some(&version) = wrapped.first() else {
            return Err(CryptoError::Malformed("wrapped key is empty"));
        };
        if version != WRAP_VERSION {
            return Err(CryptoError::UnsupportedVersion(version));
        }
        if wrapped.len() != WRAPPED_LEN {
            return Err(CryptoError::Malformed("wrapped key is not 61 bytes long"));
        }
        let aad = ctx.aad()?;
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&wrapped[13..45]);
        self.cipher()
            .decrypt_in_place_detached(
                Nonce::from_slice(&wrapped[1..13]),
                &aad,
                key.as_mut(),
                Tag::from_slice(&wrapped[45..]),
            )
            .map_err(|_| CryptoError::AuthenticationFailed)?;
        Ok(KeyMaterial(key))
    }

    fn cipher(&self) -> Aes256GcmSiv {
        Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(self.0.as_ref()))
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> MasterKey {
        MasterKey::from_hex("8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76")
            .unwrap()
    }

    fn ctx() -> WrapContext<'static> {
        WrapContext {
            tenant: "default",
            purpose: KeyPurpose::Data,
            key_id: 7,
            scope: "customer:42",
            mk_version: 3,
        }
    }

    #[test]
    fn kek_derivation_is_hkdf_sha256_with_the_v1_labels() {
        let kek = Kek::derive(&master());
        // Independent computation: Python's hmac module, HKDF-Extract then one Expand block.
        assert_eq!(hex::encode(kek.0.as_ref()), KEK_HEX);
        assert_eq!(hex::encode(kek.check_value()), CHECK_HEX);
    }

    const KEK_HEX: &str = "c0a0980e92f17a90ea5aee8c1da32008e986577d3e7547e943ced676b737b0b3";
    const CHECK_HEX: &str = "a22800163232d65c";

    #[test]
    fn the_check_value_catches_a_wrong_master_key() {
        let kek = Kek::derive(&master());
        let stored = kek.check_value();
        assert_eq!(kek.verify_check_value(&stored), Ok(()));
        let other = Kek::derive(&MasterKey::generate());
        assert_eq!(
            other.verify_check_value(&stored),
            Err(CryptoError::WrongMasterKey)
        );
        assert_eq!(
            kek.verify_check_value(&stored[..7]),
            Err(CryptoError::WrongMasterKey)
        );
        assert_eq!(
            kek.verify_check_value(&[]),
            Err(CryptoError::WrongMasterKey)
        );
        let mut longer = stored.to_vec();
        longer.push(0);
        assert_eq!(
            kek.verify_check_value(&longer),
            Err(CryptoError::WrongMasterKey)
        );
    }

    #[test]
    fn wrapping_round_trips_and_uses_fresh_nonces() {
        let kek = Kek::derive(&master());
        let key = KeyMaterial::generate();
        let a = kek.wrap(&key, &ctx()).unwrap();
        let b = kek.wrap(&key, &ctx()).unwrap();
        assert_eq!(a.len(), 61);
        assert_eq!(a[0], 1);
        assert_ne!(a, b);
        assert_eq!(kek.unwrap(&a, &ctx()).unwrap().expose(), key.expose());
        assert_eq!(kek.unwrap(&b, &ctx()).unwrap().expose(), key.expose());
    }

    #[test]
    fn the_wrapping_aad_binds_every_field_of_the_context() {
        let kek = Kek::derive(&master());
        let key = KeyMaterial::generate();
        let wrapped = kek.wrap(&key, &ctx()).unwrap();
        let changes = [
            WrapContext {
                tenant: "other",
                ..ctx()
            },
            WrapContext {
                purpose: KeyPurpose::BlindIndex,
                ..ctx()
            },
            WrapContext {
                purpose: KeyPurpose::Audit,
                ..ctx()
            },
            WrapContext { key_id: 8, ..ctx() },
            WrapContext {
                scope: "global",
                ..ctx()
            },
            WrapContext {
                mk_version: 4,
                ..ctx()
            },
            // Moving bytes between the length-prefixed fields changes the AAD too.
            WrapContext {
                tenant: "defaultc",
                scope: "ustomer:42",
                ..ctx()
            },
        ];
        for changed in changes {
            assert_eq!(
                kek.unwrap(&wrapped, &changed).unwrap_err(),
                CryptoError::AuthenticationFailed,
                "{changed:?}"
            );
        }
        let other_kek = Kek::derive(&MasterKey::generate());
        assert_eq!(
            other_kek.unwrap(&wrapped, &ctx()).unwrap_err(),
            CryptoError::AuthenticationFailed
        );
    }

    #[test]
    fn the_wrapping_aad_is_as_documented() {
        let aad = ctx().aad().unwrap();
        let mut expected = b"inventario-core/v1 wrap".to_vec();
        expected.extend_from_slice(&[0, 7]);
        expected.extend_from_slice(b"default");
        expected.push(1);
        expected.extend_from_slice(&[0, 0, 0, 7]);
        expected.extend_from_slice(&[0, 11]);
        expected.extend_from_slice(b"customer:42");
        expected.extend_from_slice(&[0, 0, 0, 3]);
        assert_eq!(aad, expected);
    }

    #[test]
    fn malformed_wrapped_keys_are_refused_in_order() {
        let kek = Kek::derive(&master());
        let wrapped = kek.wrap(&KeyMaterial::generate(), &ctx()).unwrap();
        assert_eq!(
            kek.unwrap(&[], &ctx()).unwrap_err(),
            CryptoError::Malformed("wrapped key is empty")
        );
        for version in [0u8, 2, 0xff] {
            let mut bad = wrapped.clone();
            bad[0] = version;
            assert_eq!(
                kek.unwrap(&bad, &ctx()).unwrap_err(),
                CryptoError::UnsupportedVersion(version)
            );
        }
        for len in [1, 13, 45, 60] {
            assert_eq!(
                kek.unwrap(&wrapped[..len], &ctx()).unwrap_err(),
                CryptoError::Malformed("wrapped key is not 61 bytes long")
            );
        }
        let mut long = wrapped.clone();
        long.push(0);
        assert_eq!(
            kek.unwrap(&long, &ctx()).unwrap_err(),
            CryptoError::Malformed("wrapped key is not 61 bytes long")
        );
        for bit in 8..61 * 8 {
            let mut flipped = wrapped.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                kek.unwrap(&flipped, &ctx()).unwrap_err(),
                CryptoError::AuthenticationFailed
            );
        }
    }

    #[test]
    fn over_long_contexts_are_refused() {
        let kek = Kek::derive(&master());
        let key = KeyMaterial::generate();
        let long = "x".repeat(65536);
        let max = "x".repeat(65535);
        let wrapped = kek
            .wrap(
                &key,
                &WrapContext {
                    tenant: &max,
                    ..ctx()
                },
            )
            .unwrap();
        assert!(kek
            .unwrap(
                &wrapped,
                &WrapContext {
                    tenant: &max,
                    ..ctx()
                }
            )
            .is_ok());
        assert_eq!(
            kek.wrap(
                &key,
                &WrapContext {
                    tenant: &long,
                    ..ctx()
                }
            )
            .unwrap_err(),
            CryptoError::InvalidContext("tenant longer than 65535 bytes")
        );
        assert_eq!(
            kek.unwrap(
                &wrapped,
                &WrapContext {
                    scope: &long,
                    ..ctx()
                }
            )
            .unwrap_err(),
            CryptoError::InvalidContext("scope longer than 65535 bytes")
        );
    }

    #[test]
    fn a_fixed_nonce_gives_the_documented_bytes() {
        let kek = Kek::derive(&master());
        let key = KeyMaterial::from_bytes([0x42; 32]);
        let wrapped = kek.wrap_with_nonce(&key, &ctx(), [9; 12]).unwrap();
        assert_eq!(&wrapped[..13], &[1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
        assert_eq!(kek.unwrap(&wrapped, &ctx()).unwrap().expose(), &[0x42; 32]);
    }

    #[test]
    fn purposes_have_stable_names_and_codes() {
        for (purpose, name, code) in [
            (KeyPurpose::Data, "data", 1),
            (KeyPurpose::BlindIndex, "blind_index", 2),
            (KeyPurpose::Audit, "audit", 3),
            (KeyPurpose::AuditSigning, "audit_signing", 4),
        ] {
            assert_eq!(purpose.as_str(), name);
            assert_eq!(KeyPurpose::parse(name), Some(purpose));
            assert_eq!(purpose.code(), code);
        }
        assert_eq!(KeyPurpose::parse("blind-index"), None);
        assert_eq!(KeyPurpose::parse(""), None);
    }

    #[test]
    fn nothing_secret_is_printed() {
        assert_eq!(
            format!("{:?}", KeyMaterial::from_bytes([1; 32])),
            "KeyMaterial(<redacted>)"
        );
        assert_eq!(format!("{:?}", Kek::derive(&master())), "Kek(<redacted>)");
    }
}
