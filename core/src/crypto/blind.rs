//! Blind indexes: a keyed MAC of a normalised value, so that equality can be searched without
//! decrypting (`docs/FORMAT.md`, "Blind indexes").
//!
//! An index reveals which rows share a value (and so how often values repeat); a shorter index
//! adds deliberate false positives that callers drop by decrypting and comparing.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::{hmac_sha256, CryptoError, KeyMaterial};

/// How a value is normalised before it is indexed, so that equal-meaning inputs match.
///
/// ```
/// use inventario_core::crypto::Normalizer;
///
/// assert_eq!(Normalizer::Email.normalize("  Ana@Example.COM "), "ana@example.com");
/// assert_eq!(Normalizer::Digits.normalize("20-12345678-6"), "20123456786");
/// assert_eq!(Normalizer::Exact.normalize(" Ana "), " Ana ");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Normalizer {
    /// The value as given, byte for byte.
    Exact,
    /// Surrounding Unicode whitespace trimmed, Unicode default case folding, then NFC.
    Email,
    /// ASCII digits only, everything else dropped (CUIT/CUIL, DNI, phone numbers).
    Digits,
}

impl Normalizer {
    /// The stored name: `exact`, `email` or `digits`.
    pub fn as_str(self) -> &'static str {
        match self {
            Normalizer::Exact => "exact",
            Normalizer::Email => "email",
            Normalizer::Digits => "digits",
        }
    }

    /// Reads a stored name back.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "exact" => Some(Normalizer::Exact),
            "email" => Some(Normalizer::Email),
            "digits" => Some(Normalizer::Digits),
            _ => None,
        }
    }

    /// The normalised form of `value`.
    pub fn normalize(self, value: &str) -> String {
        match self {
            Normalizer::Exact => value.to_owned(),
            Normalizer::Email => {
                let folded = Zeroizing::new(caseless::default_case_fold_str(value.trim()));
                folded.nfc().collect()
            }
            Normalizer::Digits => value.chars().filter(char::is_ascii_digit).collect(),
        }
    }
}

/// The length of a blind index in bytes: 8 to 32, 16 by default.
///
/// Shorter indexes collide more often on purpose: with 8 bytes, unrelated values share an index
/// rarely but measurably, which hides exact equality a little.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlindIndexLen(u8);

impl BlindIndexLen {
    /// 16 bytes.
    pub const DEFAULT: Self = BlindIndexLen(16);

    /// An index of `bytes` bytes.
    ///
    /// # Errors
    /// [`CryptoError::InvalidContext`] outside 8..=32.
    pub fn new(bytes: u8) -> Result<Self, CryptoError> {
        if (8..=32).contains(&bytes) {
            Ok(BlindIndexLen(bytes))
        } else {
            Err(CryptoError::InvalidContext(
                "blind index length must be 8 to 32 bytes",
            ))
        }
    }

    /// The length in bytes.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for BlindIndexLen {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The key of one table and column's blind index.
///
/// `Debug` is redacted; the key lives in zeroizing memory.
///
/// ```
/// use inventario_core::crypto::{BlindIndexKey, BlindIndexLen, KeyMaterial, Normalizer};
///
/// let key = BlindIndexKey::new(&KeyMaterial::generate());
/// let a = key.index(Normalizer::Digits, "20-12345678-6", BlindIndexLen::DEFAULT);
/// let b = key.index(Normalizer::Digits, "20123456786", BlindIndexLen::DEFAULT);
/// assert_eq!(a, b);
/// assert_eq!(a.len(), 16);
/// ```
pub struct BlindIndexKey(Zeroizing<[u8; 32]>);

impl BlindIndexKey {
    /// An index key from random key bytes.
    pub fn new(material: &KeyMaterial) -> Self {
        BlindIndexKey(Zeroizing::new(*material.expose()))
    }

    /// HMAC-SHA256(key, normalize(value)), its first `len` bytes.
    pub fn index(&self, normalizer: Normalizer, value: &str, len: BlindIndexLen) -> Vec<u8> {
        let normalized = Zeroizing::new(normalizer.normalize(value));
        let mac = Zeroizing::new(hmac_sha256(self.0.as_ref(), &[normalized.as_bytes()]));
        mac[..len.get()].to_vec()
    }
}

impl fmt::Debug for BlindIndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndexKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizers_have_stable_names() {
        for n in [Normalizer::Exact, Normalizer::Email, Normalizer::Digits] {
            assert_eq!(Normalizer::parse(n.as_str()), Some(n));
        }
        assert_eq!(Normalizer::parse("Email"), None);
        assert_eq!(Normalizer::parse(""), None);
    }

    #[test]
    fn email_folds_case_trims_and_composes() {
        let n = Normalizer::Email;
        assert_eq!(
            n.normalize("\u{3000}\tAna@Example.COM\n\u{a0}"),
            "ana@example.com"
        );
        // Full case folding: ß folds to "ss", final sigma to sigma.
        assert_eq!(n.normalize("STRASSE@x.de"), n.normalize("straße@X.DE"));
        assert_eq!(n.normalize("ΟΔΟΣ@x.gr"), n.normalize("οδος@x.gr"));
        // Decomposed and precomposed forms match.
        assert_eq!(n.normalize("Jose\u{301}@x.ar"), "jos\u{e9}@x.ar");
        assert_eq!(n.normalize("JOS\u{c9}@x.ar"), "jos\u{e9}@x.ar");
        // Inner whitespace is kept.
        assert_eq!(n.normalize(" a b "), "a b");
    }

    #[test]
    fn email_normalisation_is_idempotent_on_every_character() {
        for c in (0..=0x10_ffff_u32).filter_map(char::from_u32) {
            let once = Normalizer::Email.normalize(c.encode_utf8(&mut [0; 4]));
            assert_eq!(
                Normalizer::Email.normalize(&once),
                once,
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn digits_keeps_ascii_digits_only() {
        let n = Normalizer::Digits;
        assert_eq!(n.normalize("20-12345678-6"), "20123456786");
        assert_eq!(n.normalize("+54 9 11 4444-5555"), "5491144445555");
        // Other scripts' digits are not ASCII digits.
        assert_eq!(n.normalize("١٢٣ 45"), "45");
        assert_eq!(n.normalize("sin números"), "");
    }

    #[test]
    fn index_lengths_are_checked() {
        assert_eq!(BlindIndexLen::DEFAULT.get(), 16);
        assert_eq!(BlindIndexLen::default(), BlindIndexLen::DEFAULT);
        for ok in [8u8, 16, 32] {
            assert_eq!(BlindIndexLen::new(ok).unwrap().get(), usize::from(ok));
        }
        for bad in [0u8, 7, 33, 255] {
            assert_eq!(
                BlindIndexLen::new(bad),
                Err(CryptoError::InvalidContext(
                    "blind index length must be 8 to 32 bytes"
                ))
            );
        }
    }

    #[test]
    fn indexes_are_truncated_hmac_sha256_of_the_normalised_value() {
        let key = BlindIndexKey::new(&KeyMaterial::from_bytes([0x0b; 32]));
        let full = key.index(
            Normalizer::Email,
            " Ana@Example.com",
            BlindIndexLen::new(32).unwrap(),
        );
        assert_eq!(
            full,
            hmac_sha256(&[0x0b; 32], &[b"ana@example.com"]).to_vec()
        );
        let short = key.index(
            Normalizer::Email,
            "ana@example.com",
            BlindIndexLen::new(8).unwrap(),
        );
        assert_eq!(short, full[..8]);
        let other = BlindIndexKey::new(&KeyMaterial::from_bytes([0x0c; 32]));
        assert_ne!(
            other.index(Normalizer::Email, "ana@example.com", BlindIndexLen::DEFAULT),
            full[..16]
        );
        assert_eq!(format!("{key:?}"), "BlindIndexKey(<redacted>)");
    }
}
