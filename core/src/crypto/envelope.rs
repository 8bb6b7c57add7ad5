//! Envelope v1: a field value encrypted with AES-256-GCM-SIV under a data key, bound to its table,
//! column and row (`docs/FORMAT.md`, "Envelope v1").
//!
//! ```text
//! offset  len  field
//! 0       1    version 0x01
//! 1       4    data key id, u32 big-endian
//! 5       12   nonce
//! 17      n    ciphertext of the padded plaintext (n a positive multiple of 16)
//! 17+n    16   tag
//! ```
//!
//! Parsing checks the envelope's shape before any key is looked up, and decryption authenticates
//! before the plaintext is decoded: a caller never sees unauthenticated plaintext.

use std::fmt;

use aes_gcm_siv::aead::{AeadInPlace, KeyInit};
use aes_gcm_siv::{Aes256GcmSiv, Key, Nonce, Tag};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use zeroize::Zeroizing;

use super::value::{decode_plaintext, padded_len, push_encoded, value_bytes, PAD_BLOCK};
use super::{CryptoError, FieldValue, KeyMaterial, LABEL_V1, LP_MAX};

/// The version byte of envelope v1.
pub const ENVELOPE_VERSION: u8 = 0x01;

/// The prefix of an envelope's text form.
pub const TEXT_PREFIX: &str = "ic1.";

/// Version byte and key id.
const HEADER_LEN: usize = 1 + 4;
/// Header and nonce: where the ciphertext starts.
const CIPHERTEXT_AT: usize = HEADER_LEN + NONCE_LEN;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The shortest envelope: one block of ciphertext.
const MIN_LEN: usize = CIPHERTEXT_AT + PAD_BLOCK + TAG_LEN;

/// Where an encrypted field lives. Every part goes into the envelope's AAD, so a ciphertext copied
/// to another table, column or row fails authentication.
///
/// ```
/// use inventario_core::crypto::FieldContext;
///
/// let ctx = FieldContext::new("customers", "email", "42")?;
/// assert_eq!(ctx.row_key(), "42");
/// assert!(FieldContext::new("customers", "email", "").is_err());
/// # Ok::<(), inventario_core::crypto::CryptoError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldContext<'a> {
    table: &'a str,
    column: &'a str,
    row_key: &'a str,
}

impl<'a> FieldContext<'a> {
    /// The context of one field: its table, column and the row's stable key (such as its primary
    /// key). Each part is 1 to 65535 bytes.
    ///
    /// # Errors
    /// [`CryptoError::InvalidContext`] when a part is empty or longer than 65535 bytes.
    pub fn new(table: &'a str, column: &'a str, row_key: &'a str) -> Result<Self, CryptoError> {
        for (part, empty, too_long) in [
            (
                table,
                "table must not be empty",
                "table longer than 65535 bytes",
            ),
            (
                column,
                "column must not be empty",
                "column longer than 65535 bytes",
            ),
            (
                row_key,
                "row key must not be empty",
                "row key longer than 65535 bytes",
            ),
        ] {
            if part.is_empty() {
                return Err(CryptoError::InvalidContext(empty));
            }
            if part.len() > LP_MAX {
                return Err(CryptoError::InvalidContext(too_long));
            }
        }
        Ok(FieldContext {
            table,
            column,
            row_key,
        })
    }

    /// The table.
    pub fn table(&self) -> &'a str {
        self.table
    }

    /// The column.
    pub fn column(&self) -> &'a str {
        self.column
    }

    /// The row key.
    pub fn row_key(&self) -> &'a str {
        self.row_key
    }
}

/// AADs up to this size are built on the stack.
const AAD_STACK: usize = 256;

/// Runs `f` with the AAD `"inventario-core/v1" ‖ header ‖ lp(table) ‖ lp(column) ‖ lp(row_key)`.
fn with_aad<R>(header: &[u8; HEADER_LEN], ctx: &FieldContext<'_>, f: impl FnOnce(&[u8]) -> R) -> R {
    let parts = [ctx.table, ctx.column, ctx.row_key];
    let len = LABEL_V1.len() + HEADER_LEN + parts.iter().map(|p| 2 + p.len()).sum::<usize>();
    let fill = |buf: &mut [u8]| {
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            buf[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(LABEL_V1.as_bytes());
        put(header);
        for part in parts {
            // FieldContext::new keeps every part within 65535 bytes.
            let part_len = u16::try_from(part.len()).unwrap_or(u16::MAX);
            put(&part_len.to_be_bytes());
            put(part.as_bytes());
        }
    };
    if len <= AAD_STACK {
        let mut buf = [0u8; AAD_STACK];
        fill(&mut buf[..len]);
        f(&buf[..len])
    } else {
        let mut buf = vec![0u8; len];
        fill(&mut buf);
        f(&buf)
    }
}

/// A data-encryption key (DEK) ready to seal and open envelopes: its id and its AES key schedule,
/// built once.
///
/// `Debug` shows the id only; the key schedule is zeroized on drop.
///
/// ```
/// use inventario_core::crypto::{DataKey, FieldContext, FieldValue, KeyMaterial, CryptoError};
///
/// let dek = DataKey::new(7, &KeyMaterial::generate());
/// let ctx = FieldContext::new("customers", "cuit", "42")?;
/// let envelope = dek.seal(&ctx, &FieldValue::from("20-12345678-6"));
/// assert_eq!(dek.open(&ctx, &envelope)?, FieldValue::from("20-12345678-6"));
///
/// let other = DataKey::new(8, &KeyMaterial::generate());
/// assert_eq!(other.open(&ctx, &envelope), Err(CryptoError::UnknownKey(7)));
/// # Ok::<(), CryptoError>(())
/// ```
pub struct DataKey {
    id: u32,
    cipher: Aes256GcmSiv,
}

impl DataKey {
    /// A data key with id `id` and key bytes `material`.
    pub fn new(id: u32, material: &KeyMaterial) -> Self {
        DataKey {
            id,
            cipher: Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(material.expose())),
        }
    }

    /// The key's id, written in every envelope it seals.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Encrypts `value` for the field `ctx`, with a fresh random nonce.
    ///
    /// # Panics
    /// As [`DataKey::seal_with_nonce`]: only beyond 64 GiB of plaintext.
    pub fn seal(&self, ctx: &FieldContext<'_>, value: &FieldValue) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        self.seal_with_nonce(ctx, value, nonce)
    }

    /// Encrypts with the given nonce. **For test vectors only**: never reuse a nonce with the same
    /// key; AES-GCM-SIV then reveals whether two values (in the same context) are equal. Use
    /// [`DataKey::seal`].
    ///
    /// # Panics
    /// Only for a plaintext beyond 2^36 bytes (64 GiB), which AES-GCM-SIV cannot encrypt; it is
    /// never returned unencrypted.
    pub fn seal_with_nonce(
        &self,
        ctx: &FieldContext<'_>,
        value: &FieldValue,
        nonce: [u8; NONCE_LEN],
    ) -> Vec<u8> {
        let (type_byte, bytes) = value_bytes(value);
        let padded = padded_len(1 + bytes.len());
        // Sized exactly, so the plaintext is never left behind in a reallocated buffer.
        let mut out = Vec::with_capacity(CIPHERTEXT_AT + padded + TAG_LEN);
        out.push(ENVELOPE_VERSION);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&nonce);
        push_encoded(&mut out, type_byte, &bytes);
        drop(bytes);
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&out[..HEADER_LEN]);
        let sealed = with_aad(&header, ctx, |aad| {
            self.cipher.encrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                aad,
                &mut out[CIPHERTEXT_AT..],
            )
        });
        match sealed {
            Ok(tag) => out.extend_from_slice(&tag),
            // Only inputs beyond 2^36 bytes fail, and no field is that large: the plaintext was
            // already allocated in one piece. Never return it unencrypted.
            Err(_) => panic!("AES-GCM-SIV refused a {padded}-byte plaintext"),
        }
        out
    }

    /// Decrypts an envelope sealed for the field `ctx`.
    ///
    /// # Errors
    /// In this order: the errors of [`parse_header`]; [`CryptoError::UnknownKey`] when the envelope
    /// names another key id; [`CryptoError::AuthenticationFailed`] when the key, the context or
    /// any byte of the envelope differs from the sealing; [`CryptoError::Malformed`] when the
    /// authenticated plaintext is not a valid encoding (only a writer with the key can cause it).
    pub fn open(&self, ctx: &FieldContext<'_>, envelope: &[u8]) -> Result<FieldValue, CryptoError> {
        let header = parse_header(envelope)?;
        if header.key_id != self.id {
            return Err(CryptoError::UnknownKey(header.key_id));
        }
        let tag_at = envelope.len() - TAG_LEN;
        let mut buffer = Zeroizing::new(envelope[CIPHERTEXT_AT..tag_at].to_vec());
        let mut header_bytes = [0u8; HEADER_LEN];
        header_bytes.copy_from_slice(&envelope[..HEADER_LEN]);
        with_aad(&header_bytes, ctx, |aad| {
            self.cipher.decrypt_in_place_detached(
                Nonce::from_slice(&envelope[HEADER_LEN..CIPHERTEXT_AT]),
                aad,
                &mut buffer,
                Tag::from_slice(&envelope[tag_at..]),
            )
        })
        .map_err(|_| CryptoError::AuthenticationFailed)?;
        decode_plaintext(&buffer)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What an envelope says about itself before it is decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeHeader {
    /// The format version (1).
    pub version: u8,
    /// The id of the data key that sealed it.
    pub key_id: u32,
}

/// Checks an envelope's shape and reads its header, so the caller can find the key.
///
/// ```
/// use inventario_core::crypto::{parse_header, CryptoError};
///
/// assert_eq!(parse_header(&[]), Err(CryptoError::Malformed("envelope is empty")));
/// assert_eq!(parse_header(&[2; 49]), Err(CryptoError::UnsupportedVersion(2)));
/// ```
///
/// # Errors
/// In this order: [`CryptoError::Malformed`] for an empty envelope;
/// [`CryptoError::UnsupportedVersion`] when the first byte is not 1; `Malformed` when it is
/// shorter than 49 bytes or its ciphertext is not a multiple of 16 bytes.
pub fn parse_header(envelope: &[u8]) -> Result<EnvelopeHeader, CryptoError> {
    let Some(&version) = envelope.first() else {
        return Err(CryptoError::Malformed("envelope is empty"));
    };
    if version != ENVELOPE_VERSION {
        return Err(CryptoError::UnsupportedVersion(version));
    }
    if envelope.len() < MIN_LEN {
        return Err(CryptoError::Malformed("envelope is shorter than 49 bytes"));
    }
    if (envelope.len() - CIPHERTEXT_AT - TAG_LEN) % PAD_BLOCK != 0 {
        return Err(CryptoError::Malformed(
            "envelope ciphertext is not a multiple of 16 bytes",
        ));
    }
    let mut key_id = [0u8; 4];
    key_id.copy_from_slice(&envelope[1..HEADER_LEN]);
    Ok(EnvelopeHeader {
        version,
        key_id: u32::from_be_bytes(key_id),
    })
}

/// The text form of an envelope, for JSON and logs: `ic1.` and the envelope in unpadded base64url.
///
/// ```
/// use inventario_core::crypto::{from_text, to_text};
///
/// assert_eq!(to_text(&[0xfb, 0xff]), "ic1.-_8");
/// assert_eq!(from_text("ic1.-_8")?, [0xfb, 0xff]);
/// # Ok::<(), inventario_core::crypto::CryptoError>(())
/// ```
pub fn to_text(envelope: &[u8]) -> String {
    let mut text = String::with_capacity(TEXT_PREFIX.len() + envelope.len().div_ceil(3) * 4);
    text.push_str(TEXT_PREFIX);
    URL_SAFE_NO_PAD.encode_string(envelope, &mut text);
    text
}

/// Reads the text form back into envelope bytes, which it does not check further: pass them to
/// [`DataKey::open`] or [`parse_header`].
///
/// # Errors
/// [`CryptoError::Malformed`] when the text does not start with `ic1.`, or the rest is not strict
/// unpadded base64url: no `=`, no whitespace, no `+` or `/`, no non-zero trailing bits.
pub fn from_text(text: &str) -> Result<Vec<u8>, CryptoError> {
    let encoded = text
        .strip_prefix(TEXT_PREFIX)
        .ok_or(CryptoError::Malformed("text form does not start with ic1."))?;
    URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| CryptoError::Malformed("text form is not unpadded base64url"))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    use super::*;
    use crate::crypto::value::encode_plaintext;

    fn key() -> DataKey {
        DataKey::new(7, &KeyMaterial::from_bytes([0x11; 32]))
    }

    fn ctx() -> FieldContext<'static> {
        FieldContext::new("customers", "email", "42").unwrap()
    }

    fn values() -> Vec<FieldValue> {
        vec![
            FieldValue::from("ana@example.com"),
            FieldValue::from(""),
            FieldValue::from("x".repeat(1000)),
            FieldValue::from(i64::MIN),
            FieldValue::from(Decimal::new(-123_450, 2)),
            FieldValue::from(vec![0u8, 0x80, 0]),
            FieldValue::from(Vec::new()),
            FieldValue::from(NaiveDate::from_ymd_opt(1999, 12, 31).unwrap()),
        ]
    }

    #[test]
    fn sealed_values_open_in_their_context() {
        let dek = key();
        for value in values() {
            let envelope = dek.seal(&ctx(), &value);
            assert_eq!(envelope[0], 1);
            assert_eq!(&envelope[1..5], &7u32.to_be_bytes());
            assert_eq!(
                envelope.len(),
                17 + encode_plaintext(&value).len() + 16,
                "{value:?}"
            );
            assert_eq!(dek.open(&ctx(), &envelope).unwrap(), value);
            // Fresh nonces: the same value seals differently each time.
            assert_ne!(dek.seal(&ctx(), &value), envelope);
        }
    }

    #[test]
    fn the_envelope_is_aes_gcm_siv_of_the_padded_plaintext_with_the_documented_aad() {
        let material = KeyMaterial::from_bytes([0x11; 32]);
        let dek = DataKey::new(0x0102_0304, &material);
        let ctx = FieldContext::new("t", "cc", "rrr").unwrap();
        let value = FieldValue::from("hola");
        let nonce = [0x22; 12];
        let envelope = dek.seal_with_nonce(&ctx, &value, nonce);

        let mut aad = b"inventario-core/v1".to_vec();
        aad.extend_from_slice(&[1, 1, 2, 3, 4]);
        aad.extend_from_slice(b"\x00\x01t\x00\x02cc\x00\x03rrr");
        let mut buffer = encode_plaintext(&value).to_vec();
        let cipher = Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(material.expose()));
        let tag = cipher
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut buffer)
            .unwrap();
        let mut expected = vec![1, 1, 2, 3, 4];
        expected.extend_from_slice(&nonce);
        expected.extend_from_slice(&buffer);
        expected.extend_from_slice(&tag);
        assert_eq!(envelope, expected);
    }

    #[test]
    fn long_contexts_use_the_heap_aad_and_still_bind() {
        let dek = key();
        let long_row = "r".repeat(65535);
        let ctx = FieldContext::new("customers", "email", &long_row).unwrap();
        let envelope = dek.seal(&ctx, &FieldValue::from("x"));
        assert_eq!(dek.open(&ctx, &envelope).unwrap(), FieldValue::from("x"));
        let shorter = FieldContext::new("customers", "email", &long_row[1..]).unwrap();
        assert_eq!(
            dek.open(&shorter, &envelope),
            Err(CryptoError::AuthenticationFailed)
        );
        // Right at the boundary of the stack buffer.
        for row_len in 220..240 {
            let row = "k".repeat(row_len);
            let ctx = FieldContext::new("customers", "email", &row).unwrap();
            let envelope = dek.seal(&ctx, &FieldValue::from(5_i64));
            assert_eq!(dek.open(&ctx, &envelope).unwrap(), FieldValue::from(5_i64));
        }
    }

    #[test]
    fn contexts_are_checked() {
        let long = "x".repeat(65536);
        let max = "x".repeat(65535);
        assert!(FieldContext::new(&max, &max, &max).is_ok());
        let cases = [
            (("", "c", "r"), "table must not be empty"),
            (("t", "", "r"), "column must not be empty"),
            (("t", "c", ""), "row key must not be empty"),
            ((long.as_str(), "c", "r"), "table longer than 65535 bytes"),
            (("t", long.as_str(), "r"), "column longer than 65535 bytes"),
            (("t", "c", long.as_str()), "row key longer than 65535 bytes"),
        ];
        for ((table, column, row), reason) in cases {
            assert_eq!(
                FieldContext::new(table, column, row),
                Err(CryptoError::InvalidContext(reason))
            );
        }
        let ctx = FieldContext::new("t", "c", "r").unwrap();
        assert_eq!((ctx.table(), ctx.column(), ctx.row_key()), ("t", "c", "r"));
    }

    #[test]
    fn another_context_or_key_fails_authentication() {
        let dek = key();
        let envelope = dek.seal(&ctx(), &FieldValue::from("ana@example.com"));
        for (table, column, row) in [
            ("customer", "email", "42"),
            ("customers", "phone", "42"),
            ("customers", "email", "43"),
            // Shifting a byte between parts changes the length prefixes.
            ("customerse", "mail", "42"),
            ("customers", "email4", "2"),
        ] {
            let other = FieldContext::new(table, column, row).unwrap();
            assert_eq!(
                dek.open(&other, &envelope),
                Err(CryptoError::AuthenticationFailed)
            );
        }
        let same_id = DataKey::new(7, &KeyMaterial::from_bytes([0x12; 32]));
        assert_eq!(
            same_id.open(&ctx(), &envelope),
            Err(CryptoError::AuthenticationFailed)
        );
        let other_id = DataKey::new(8, &KeyMaterial::from_bytes([0x11; 32]));
        assert_eq!(
            other_id.open(&ctx(), &envelope),
            Err(CryptoError::UnknownKey(7))
        );
    }

    #[test]
    fn every_malformation_is_reported_in_order() {
        let dek = key();
        let envelope = dek.seal(&ctx(), &FieldValue::from("hola"));
        assert_eq!(envelope.len(), 49);
        let open = |bytes: &[u8]| dek.open(&ctx(), bytes);
        assert_eq!(open(&[]), Err(CryptoError::Malformed("envelope is empty")));
        for version in [0u8, 2, 0x80, 0xff] {
            let mut bad = envelope.clone();
            bad[0] = version;
            assert_eq!(open(&bad), Err(CryptoError::UnsupportedVersion(version)));
            // The version is checked before the length.
            assert_eq!(
                open(&[version]),
                Err(CryptoError::UnsupportedVersion(version))
            );
        }
        for len in [1, 5, 17, 33, 48] {
            assert_eq!(
                open(&envelope[..len]),
                Err(CryptoError::Malformed("envelope is shorter than 49 bytes"))
            );
        }
        let mut longer = envelope.clone();
        for extra in 1..16 {
            longer.push(0);
            assert_eq!(
                open(&longer),
                Err(CryptoError::Malformed(
                    "envelope ciphertext is not a multiple of 16 bytes"
                )),
                "{extra}"
            );
        }
        longer.push(0);
        assert_eq!(open(&longer), Err(CryptoError::AuthenticationFailed));
        let mut other_id = envelope.clone();
        other_id[4] ^= 1;
        assert_eq!(open(&other_id), Err(CryptoError::UnknownKey(6)));
        for at in 5..envelope.len() {
            let mut flipped = envelope.clone();
            flipped[at] ^= 0x40;
            assert_eq!(
                open(&flipped),
                Err(CryptoError::AuthenticationFailed),
                "{at}"
            );
        }
    }

    /// Seals raw padded bytes as `dek` would, so that decoding errors can be reached.
    fn seal_raw(material: &KeyMaterial, id: u32, ctx: &FieldContext<'_>, padded: &[u8]) -> Vec<u8> {
        let cipher = Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(material.expose()));
        let mut out = vec![1];
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&[3; 12]);
        out.extend_from_slice(padded);
        let mut header = [0u8; 5];
        header.copy_from_slice(&out[..5]);
        let tag = with_aad(&header, ctx, |aad| {
            cipher
                .encrypt_in_place_detached(Nonce::from_slice(&[3; 12]), aad, &mut out[17..])
                .unwrap()
        });
        out.extend_from_slice(&tag);
        out
    }

    #[test]
    fn authenticated_but_badly_encoded_plaintexts_are_malformed() {
        let material = KeyMaterial::from_bytes([0x11; 32]);
        let dek = DataKey::new(7, &material);
        let mut bad_padding = b"\x01hola\x80".to_vec();
        bad_padding.resize(15, 0);
        bad_padding.push(1);
        let mut unknown_type = b"\x09hola\x80".to_vec();
        unknown_type.resize(16, 0);
        let mut bad_utf8 = b"\x01\xff\x80".to_vec();
        bad_utf8.resize(16, 0);
        for (padded, reason) in [
            (bad_padding, "padding does not end in 0x80 0x00…"),
            (unknown_type, "unknown plaintext type byte"),
            (bad_utf8, "text is not valid UTF-8"),
        ] {
            let envelope = seal_raw(&material, 7, &ctx(), &padded);
            assert_eq!(
                dek.open(&ctx(), &envelope),
                Err(CryptoError::Malformed(reason))
            );
        }
    }

    #[test]
    fn headers_are_read_without_a_key() {
        let envelope =
            DataKey::new(u32::MAX, &KeyMaterial::generate()).seal(&ctx(), &FieldValue::from(1_i64));
        assert_eq!(
            parse_header(&envelope),
            Ok(EnvelopeHeader {
                version: 1,
                key_id: u32::MAX
            })
        );
    }

    #[test]
    fn the_text_form_round_trips_and_is_strict() {
        let envelope = key().seal(&ctx(), &FieldValue::from("hola"));
        let text = to_text(&envelope);
        assert!(text.starts_with("ic1."));
        assert!(!text.contains(['=', '+', '/']));
        assert_eq!(from_text(&text).unwrap(), envelope);
        assert_eq!(to_text(&[]), "ic1.");
        assert_eq!(from_text("ic1.").unwrap(), Vec::<u8>::new());
        let no_prefix = Err(CryptoError::Malformed("text form does not start with ic1."));
        assert_eq!(from_text(&text[4..]), no_prefix);
        assert_eq!(from_text(&text.replacen("ic1.", "IC1.", 1)), no_prefix);
        assert_eq!(from_text(&text.replacen("ic1.", "ic2.", 1)), no_prefix);
        assert_eq!(from_text(""), no_prefix);
        let not_base64 = Err(CryptoError::Malformed(
            "text form is not unpadded base64url",
        ));
        for bad in [
            format!("{text}="),
            format!("{text}=="),
            format!("{text} "),
            format!(" {text}"),
            format!("{text}\n"),
            format!("{}\n{}", &text[..20], &text[20..]),
            "ic1.+/8".to_string(),
            "ic1.-_9".to_string(), // non-zero trailing bits
            "ic1.A".to_string(),   // a length no encoding has
            "ic1.-_8=".to_string(),
        ] {
            if !bad.starts_with("ic1.") {
                assert_eq!(from_text(&bad), no_prefix);
            } else {
                assert_eq!(from_text(&bad), not_base64, "{bad:?}");
            }
        }
        assert_eq!(from_text("ic1.-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn debug_shows_the_id_only() {
        assert_eq!(format!("{:?}", key()), "DataKey { id: 7, .. }");
    }
}
