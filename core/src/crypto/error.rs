//! The one error of the crypto layer, and the plaintext types it names.
//!
//! Messages say what went wrong and never carry plaintext, key bytes or ciphertext: they end up in
//! logs and audit rows.

use std::fmt;

/// Why a crypto operation failed.
///
/// Decryption reports the first check that failed, in the order of `docs/FORMAT.md`: the envelope's
/// shape ([`Malformed`](Self::Malformed), [`UnsupportedVersion`](Self::UnsupportedVersion)), then
/// the key ([`UnknownKey`](Self::UnknownKey), [`KeyDestroyed`](Self::KeyDestroyed)), then the
/// authentication tag ([`AuthenticationFailed`](Self::AuthenticationFailed)), then the plaintext's
/// encoding (`Malformed` again).
///
/// ```
/// use inventario_core::crypto::CryptoError;
///
/// let err = CryptoError::Malformed("envelope is empty");
/// assert_eq!(err.to_string(), "malformed envelope: envelope is empty");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The bytes are not a well-formed envelope (or wrapped key, or `ic1.` text, or padded
    /// plaintext); the reason says which rule they break.
    #[error("malformed envelope: {0}")]
    Malformed(&'static str),
    /// The envelope (or wrapped key) starts with a version byte this library does not know.
    #[error("unsupported envelope version {0}: this library reads version 1")]
    UnsupportedVersion(u8),
    /// The envelope names a data key that the keyring does not hold.
    #[error("unknown data key id {0}")]
    UnknownKey(u32),
    /// The envelope names a data key that was destroyed: its data is gone for good.
    #[error("data key {0} was destroyed: the data it protected can no longer be decrypted")]
    KeyDestroyed(u32),
    /// The authentication tag does not match.
    #[error("authentication failed: ciphertext, context or key do not match")]
    AuthenticationFailed,
    /// The master key does not match the keyring's key check value.
    #[error("wrong master key: it does not match the key check value stored in the keyring")]
    WrongMasterKey,
    /// A master key, passphrase or KDF setting was refused; the reason says why.
    #[error("invalid key material: {0}")]
    InvalidKeyMaterial(&'static str),
    /// The decrypted value has another type than the one asked for.
    #[error("type mismatch: expected {expected}, found {found}")]
    TypeMismatch {
        /// The type the caller asked for.
        expected: FieldType,
        /// The type the value has.
        found: FieldType,
    },
    /// A context (table, column, row key, tenant, scope) or a parameter is out of range.
    #[error("invalid context: {0}")]
    InvalidContext(&'static str),
}

impl CryptoError {
    /// The variant's name, stable across versions: what audit records and bindings report
    /// (`Malformed`, `UnsupportedVersion`, `UnknownKey`, `KeyDestroyed`, `AuthenticationFailed`,
    /// `WrongMasterKey`, `InvalidKeyMaterial`, `TypeMismatch`, `InvalidContext`).
    ///
    /// ```
    /// use inventario_core::crypto::CryptoError;
    /// assert_eq!(CryptoError::KeyDestroyed(7).kind(), "KeyDestroyed");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            CryptoError::Malformed(_) => "Malformed",
            CryptoError::UnsupportedVersion(_) => "UnsupportedVersion",
            CryptoError::UnknownKey(_) => "UnknownKey",
            CryptoError::KeyDestroyed(_) => "KeyDestroyed",
            CryptoError::AuthenticationFailed => "AuthenticationFailed",
            CryptoError::WrongMasterKey => "WrongMasterKey",
            CryptoError::InvalidKeyMaterial(_) => "InvalidKeyMaterial",
            CryptoError::TypeMismatch { .. } => "TypeMismatch",
            CryptoError::InvalidContext(_) => "InvalidContext",
        }
    }
}

/// The type of a plaintext field value, as recorded in its encoding.
///
/// Displays in lower case: `text`, `int`, `decimal`, `bytes`, `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// UTF-8 text.
    Text,
    /// A signed 64-bit integer (money and quantities in minor units).
    Int,
    /// An exact decimal number.
    Decimal,
    /// Raw bytes.
    Bytes,
    /// A calendar date.
    Date,
}

impl FieldType {
    /// The lower-case name, as displayed.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Int => "int",
            FieldType::Decimal => "decimal",
            FieldType::Bytes => "bytes",
            FieldType::Date => "date",
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_stable_and_carry_no_data() {
        assert_eq!(
            CryptoError::UnsupportedVersion(2).to_string(),
            "unsupported envelope version 2: this library reads version 1"
        );
        assert_eq!(
            CryptoError::AuthenticationFailed.to_string(),
            "authentication failed: ciphertext, context or key do not match"
        );
        assert_eq!(
            CryptoError::TypeMismatch {
                expected: FieldType::Int,
                found: FieldType::Text
            }
            .to_string(),
            "type mismatch: expected int, found text"
        );
        assert_eq!(
            CryptoError::UnknownKey(7).to_string(),
            "unknown data key id 7"
        );
        assert_eq!(
            CryptoError::InvalidKeyMaterial("expected 64 hex characters").to_string(),
            "invalid key material: expected 64 hex characters"
        );
    }

    #[test]
    fn field_types_display_in_lower_case() {
        let all = [
            FieldType::Text,
            FieldType::Int,
            FieldType::Decimal,
            FieldType::Bytes,
            FieldType::Date,
        ];
        let names: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["text", "int", "decimal", "bytes", "date"]);
    }
}
