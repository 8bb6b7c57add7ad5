//! Typed plaintexts and their padded encoding (`docs/FORMAT.md`, "Plaintext encoding").
//!
//! The encoding is `type byte ‖ value ‖ 0x80 ‖ 0x00…` up to a multiple of 16 bytes, so that a
//! ciphertext's length reveals the value's length only in 16-byte steps. Decoding is strict: there
//! is exactly one byte string for each value, and anything else is refused.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use zeroize::{Zeroize, Zeroizing};

use super::{CryptoError, FieldType};

const TYPE_TEXT: u8 = 0x01;
const TYPE_INT: u8 = 0x02;
const TYPE_DECIMAL: u8 = 0x03;
const TYPE_BYTES: u8 = 0x04;
const TYPE_DATE: u8 = 0x05;

/// The padding marker that follows the value.
const PAD_MARKER: u8 = 0x80;
/// Padded plaintexts are a whole number of these.
pub(crate) const PAD_BLOCK: usize = 16;

/// A plaintext field value, typed so that a decrypt returns what was encrypted.
///
/// `Debug` shows the type only, never the value: `FieldValue::Text(<redacted>)`.
///
/// ```
/// use inventario_core::crypto::{FieldType, FieldValue};
///
/// let v = FieldValue::from(125_000_i64);
/// assert_eq!(v.field_type(), FieldType::Int);
/// assert_eq!(format!("{v:?}"), "FieldValue::Int(<redacted>)");
/// assert!(v.clone().into_text().is_err());
/// assert_eq!(v.into_int()?, 125_000);
/// # Ok::<(), inventario_core::crypto::CryptoError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// UTF-8 text.
    Text(String),
    /// A signed 64-bit integer, such as money or a quantity in minor units.
    Int(i64),
    /// An exact decimal; its scale is kept (`1234.50` stays `1234.50`).
    Decimal(Decimal),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A calendar date.
    Date(NaiveDate),
}

impl FieldValue {
    /// The value's type.
    pub fn field_type(&self) -> FieldType {
        match self {
            FieldValue::Text(_) => FieldType::Text,
            FieldValue::Int(_) => FieldType::Int,
            FieldValue::Decimal(_) => FieldType::Decimal,
            FieldValue::Bytes(_) => FieldType::Bytes,
            FieldValue::Date(_) => FieldType::Date,
        }
    }

    fn mismatch(&self, expected: FieldType) -> CryptoError {
        CryptoError::TypeMismatch {
            expected,
            found: self.field_type(),
        }
    }

    /// The text.
    ///
    /// # Errors
    /// [`CryptoError::TypeMismatch`] if the value is not text.
    pub fn into_text(self) -> Result<String, CryptoError> {
        match self {
            FieldValue::Text(text) => Ok(text),
            other => Err(other.mismatch(FieldType::Text)),
        }
    }

    /// The integer.
    ///
    /// # Errors
    /// [`CryptoError::TypeMismatch`] if the value is not an integer.
    pub fn into_int(self) -> Result<i64, CryptoError> {
        match self {
            FieldValue::Int(int) => Ok(int),
            other => Err(other.mismatch(FieldType::Int)),
        }
    }

    /// The decimal.
    ///
    /// # Errors
    /// [`CryptoError::TypeMismatch`] if the value is not a decimal.
    pub fn into_decimal(self) -> Result<Decimal, CryptoError> {
        match self {
            FieldValue::Decimal(decimal) => Ok(decimal),
            other => Err(other.mismatch(FieldType::Decimal)),
        }
    }

    /// The bytes.
    ///
    /// # Errors
    /// [`CryptoError::TypeMismatch`] if the value is not bytes.
    pub fn into_bytes(self) -> Result<Vec<u8>, CryptoError> {
        match self {
            FieldValue::Bytes(bytes) => Ok(bytes),
            other => Err(other.mismatch(FieldType::Bytes)),
        }
    }

    /// The date.
    ///
    /// # Errors
    /// [`CryptoError::TypeMismatch`] if the value is not a date.
    pub fn into_date(self) -> Result<NaiveDate, CryptoError> {
        match self {
            FieldValue::Date(date) => Ok(date),
            other => Err(other.mismatch(FieldType::Date)),
        }
    }
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variant = match self {
            FieldValue::Text(_) => "Text",
            FieldValue::Int(_) => "Int",
            FieldValue::Decimal(_) => "Decimal",
            FieldValue::Bytes(_) => "Bytes",
            FieldValue::Date(_) => "Date",
        };
        write!(f, "FieldValue::{variant}(<redacted>)")
    }
}

impl From<String> for FieldValue {
    fn from(text: String) -> Self {
        FieldValue::Text(text)
    }
}

impl From<&str> for FieldValue {
    fn from(text: &str) -> Self {
        FieldValue::Text(text.to_owned())
    }
}

impl From<i64> for FieldValue {
    fn from(int: i64) -> Self {
        FieldValue::Int(int)
    }
}

impl From<Decimal> for FieldValue {
    fn from(decimal: Decimal) -> Self {
        FieldValue::Decimal(decimal)
    }
}

impl From<Vec<u8>> for FieldValue {
    fn from(bytes: Vec<u8>) -> Self {
        FieldValue::Bytes(bytes)
    }
}

impl From<NaiveDate> for FieldValue {
    fn from(date: NaiveDate) -> Self {
        FieldValue::Date(date)
    }
}

/// A short value formatted on the stack (integers, decimals, dates), zeroized when dropped.
pub(crate) struct Inline {
    buf: [u8; 40],
    len: usize,
}

impl Inline {
    fn new() -> Self {
        Inline {
            buf: [0; 40],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Write for Inline {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Drop for Inline {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

/// A value's bytes in the encoding, without the type byte: borrowed for text and bytes, formatted
/// on the stack for the other types.
pub(crate) enum ValueBytes<'a> {
    Borrowed(&'a [u8]),
    Inline(Inline),
}

impl Deref for ValueBytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            ValueBytes::Borrowed(bytes) => bytes,
            ValueBytes::Inline(inline) => inline.as_bytes(),
        }
    }
}

/// The canonical text of a decimal: rust_decimal's `Display`, scale kept, negative zero written as
/// zero.
fn canonical_decimal(decimal: Decimal) -> Inline {
    use fmt::Write as _;
    let mut d = decimal;
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    let mut out = Inline::new();
    // The longest decimal ("-0.0000000000000000000000000001" or 29 digits, a point and a sign)
    // is 31 bytes: it always fits.
    let _ = write!(out, "{d}");
    out
}

/// `YYYY-MM-DD`; a year outside 0000–9999 is written with a sign and at least four digits.
fn canonical_date(date: NaiveDate) -> Inline {
    use fmt::Write as _;
    let mut out = Inline::new();
    let year = date.year();
    // chrono's years lie within ±262143: at most 13 bytes in all.
    let _ = if (0..=9999).contains(&year) {
        write!(out, "{year:04}")
    } else if year < 0 {
        write!(out, "-{:04}", year.unsigned_abs())
    } else {
        write!(out, "+{year:04}")
    };
    let _ = write!(out, "-{:02}-{:02}", date.month(), date.day());
    out
}

/// The type byte and value bytes of `value`.
pub(crate) fn value_bytes(value: &FieldValue) -> (u8, ValueBytes<'_>) {
    match value {
        FieldValue::Text(text) => (TYPE_TEXT, ValueBytes::Borrowed(text.as_bytes())),
        FieldValue::Int(int) => {
            let mut inline = Inline::new();
            inline.buf[..8].copy_from_slice(&int.to_be_bytes());
            inline.len = 8;
            (TYPE_INT, ValueBytes::Inline(inline))
        }
        FieldValue::Decimal(decimal) => (
            TYPE_DECIMAL,
            ValueBytes::Inline(canonical_decimal(*decimal)),
        ),
        FieldValue::Bytes(bytes) => (TYPE_BYTES, ValueBytes::Borrowed(bytes)),
        FieldValue::Date(date) => (TYPE_DATE, ValueBytes::Inline(canonical_date(*date))),
    }
}

/// The padded length of an encoding whose type byte and value take `content_len` bytes: at least
/// one byte of padding, up to the next multiple of 16.
pub(crate) fn padded_len(content_len: usize) -> usize {
    (content_len / PAD_BLOCK + 1) * PAD_BLOCK
}

/// Appends the padded encoding of a value whose type byte is `type_byte` and bytes are `value`.
/// Reserve [`padded_len`]`(1 + value.len())` bytes first so that no plaintext is left behind in
/// a reallocated buffer.
pub(crate) fn push_encoded(out: &mut Vec<u8>, type_byte: u8, value: &[u8]) {
    let end = out.len() + padded_len(1 + value.len());
    out.push(type_byte);
    out.extend_from_slice(value);
    out.push(PAD_MARKER);
    out.resize(end, 0);
}

/// The padded plaintext encoding of a value: `type byte ‖ value ‖ 0x80 ‖ 0x00…`, a multiple of 16
/// bytes long.
// The envelope encodes straight into its output buffer; this is the same encoding on its own.
#[allow(dead_code)]
pub(crate) fn encode_plaintext(value: &FieldValue) -> Zeroizing<Vec<u8>> {
    let (type_byte, bytes) = value_bytes(value);
    let mut out = Zeroizing::new(Vec::with_capacity(padded_len(1 + bytes.len())));
    push_encoded(&mut out, type_byte, &bytes);
    out
}

/// Decodes a padded plaintext, refusing anything that [`encode_plaintext`] would not produce.
///
/// # Errors
/// [`CryptoError::Malformed`], in this order: a length that is not a positive multiple of 16; no
/// `0x80` marker as the last non-zero byte; more than 15 zero bytes after it; no type byte; an
/// unknown type byte; then the value's own rules (UTF-8 text, an 8-byte integer, a canonical
/// decimal, a canonical valid date).
pub(crate) fn decode_plaintext(padded: &[u8]) -> Result<FieldValue, CryptoError> {
    if padded.is_empty() || padded.len() % PAD_BLOCK != 0 {
        return Err(CryptoError::Malformed(
            "padded plaintext is not a positive multiple of 16 bytes",
        ));
    }
    let marker = match padded.iter().rposition(|&b| b != 0) {
        Some(at) if padded[at] == PAD_MARKER => at,
        _ => return Err(CryptoError::Malformed("padding does not end in 0x80 0x00…")),
    };
    if padded.len() - marker > PAD_BLOCK {
        return Err(CryptoError::Malformed("padding is longer than 16 bytes"));
    }
    if marker == 0 {
        return Err(CryptoError::Malformed("plaintext has no type byte"));
    }
    let value = &padded[1..marker];
    match padded[0] {
        TYPE_TEXT => std::str::from_utf8(value)
            .map(|text| FieldValue::Text(text.to_owned()))
            .map_err(|_| CryptoError::Malformed("text is not valid UTF-8")),
        TYPE_INT => <[u8; 8]>::try_from(value)
            .map(|bytes| FieldValue::Int(i64::from_be_bytes(bytes)))
            .map_err(|_| CryptoError::Malformed("integer is not 8 bytes")),
        TYPE_DECIMAL => decode_decimal(value).map(FieldValue::Decimal),
        TYPE_BYTES => Ok(FieldValue::Bytes(value.to_vec())),
        TYPE_DATE => decode_date(value).map(FieldValue::Date),
        _ => Err(CryptoError::Malformed("unknown plaintext type byte")),
    }
}

/// Whether `text` matches `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
fn is_decimal_grammar(text: &[u8]) -> bool {
    let unsigned = text.strip_prefix(b"-").unwrap_or(text);
    let (int, frac) = match unsigned.iter().position(|&b| b == b'.') {
        Some(dot) => (&unsigned[..dot], Some(&unsigned[dot + 1..])),
        None => (unsigned, None),
    };
    let int_ok = match int {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit));
    int_ok && frac_ok
}

fn decode_decimal(value: &[u8]) -> Result<Decimal, CryptoError> {
    const NOT_CANONICAL: CryptoError = CryptoError::Malformed("decimal is not in canonical form");
    if !is_decimal_grammar(value) {
        return Err(NOT_CANONICAL);
    }
    let text = std::str::from_utf8(value).map_err(|_| NOT_CANONICAL)?;
    // Parsing refuses what rust_decimal cannot hold exactly; writing the result back refuses the
    // rest (negative zero, a scale beyond 28).
    let decimal = Decimal::from_str_exact(text).map_err(|_| NOT_CANONICAL)?;
    if canonical_decimal(decimal).as_bytes() != value {
        return Err(NOT_CANONICAL);
    }
    Ok(decimal)
}

fn decode_date(value: &[u8]) -> Result<NaiveDate, CryptoError> {
    const NOT_CANONICAL: CryptoError =
        CryptoError::Malformed("date is not a valid date in canonical YYYY-MM-DD form");
    let text = std::str::from_utf8(value).map_err(|_| NOT_CANONICAL)?;
    if !(10..=13).contains(&text.len()) || !text.is_ascii() {
        return Err(NOT_CANONICAL);
    }
    let (year, month_day) = text.split_at(text.len() - 6);
    let md = month_day.as_bytes();
    let shape_ok = md[0] == b'-'
        && md[3] == b'-'
        && [md[1], md[2], md[4], md[5]].iter().all(u8::is_ascii_digit);
    if !shape_ok {
        return Err(NOT_CANONICAL);
    }
    let year = i32::from_str(year).map_err(|_| NOT_CANONICAL)?;
    let month = u32::from_str(&month_day[1..3]).map_err(|_| NOT_CANONICAL)?;
    let day = u32::from_str(&month_day[4..6]).map_err(|_| NOT_CANONICAL)?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(NOT_CANONICAL)?;
    if canonical_date(date).as_bytes() != value {
        return Err(NOT_CANONICAL);
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The padded encoding of `type_byte ‖ value`, built by hand.
    fn padded(type_byte: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![type_byte];
        out.extend_from_slice(value);
        out.push(0x80);
        while out.len() % 16 != 0 {
            out.push(0);
        }
        out
    }

    fn malformed(padded: &[u8]) -> &'static str {
        match decode_plaintext(padded) {
            Err(CryptoError::Malformed(reason)) => reason,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn every_type_encodes_as_documented() {
        let cases: Vec<(FieldValue, Vec<u8>)> = vec![
            (FieldValue::from("hola"), padded(1, b"hola")),
            (FieldValue::from(""), padded(1, b"")),
            (
                FieldValue::from(-2_i64),
                padded(
                    2,
                    &[0xff; 8][..7]
                        .iter()
                        .copied()
                        .chain([0xfe])
                        .collect::<Vec<_>>(),
                ),
            ),
            (
                FieldValue::from(i64::MAX),
                padded(2, &[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            ),
            (FieldValue::from(dec("-1234.50")), padded(3, b"-1234.50")),
            (FieldValue::from(dec("0.00")), padded(3, b"0.00")),
            (FieldValue::from(dec("7")), padded(3, b"7")),
            (FieldValue::from(vec![0x80, 0, 0]), padded(4, &[0x80, 0, 0])),
            (FieldValue::from(Vec::new()), padded(4, b"")),
            (
                FieldValue::from(date(2024, 2, 29)),
                padded(5, b"2024-02-29"),
            ),
            (FieldValue::from(date(7, 1, 9)), padded(5, b"0007-01-09")),
            (
                FieldValue::from(date(-1, 12, 31)),
                padded(5, b"-0001-12-31"),
            ),
            (
                FieldValue::from(date(12345, 6, 7)),
                padded(5, b"+12345-06-07"),
            ),
        ];
        for (value, expected) in cases {
            let encoded = encode_plaintext(&value);
            assert_eq!(*encoded, expected, "{value:?}");
            assert_eq!(decode_plaintext(&encoded).unwrap(), value);
        }
    }

    #[test]
    fn lengths_grow_in_16_byte_steps() {
        for len in 0..100 {
            let encoded = encode_plaintext(&FieldValue::from("x".repeat(len)));
            assert_eq!(encoded.len(), (len + 2).div_ceil(16) * 16, "{len}");
        }
        assert_eq!(
            encode_plaintext(&FieldValue::from("x".repeat(14))).len(),
            16
        );
        assert_eq!(
            encode_plaintext(&FieldValue::from("x".repeat(15))).len(),
            32
        );
    }

    #[test]
    fn negative_zero_is_written_as_zero_with_its_scale() {
        let mut negative_zero = dec("0.00");
        negative_zero.set_sign_negative(true);
        assert!(negative_zero.is_sign_negative());
        let encoded = encode_plaintext(&FieldValue::from(negative_zero));
        assert_eq!(*encoded, padded(3, b"0.00"));
        assert_eq!(
            malformed(&padded(3, b"-0.00")),
            "decimal is not in canonical form"
        );
        assert_eq!(
            malformed(&padded(3, b"-0")),
            "decimal is not in canonical form"
        );
    }

    #[test]
    fn extreme_decimals_round_trip() {
        for d in [
            Decimal::MAX,
            Decimal::MIN,
            dec("0.0000000000000000000000000001"),
            dec("-0.0000000000000000000000000001"),
            dec("7.9228162514264337593543950335"),
            Decimal::ZERO,
        ] {
            let encoded = encode_plaintext(&FieldValue::from(d));
            let back = decode_plaintext(&encoded).unwrap().into_decimal().unwrap();
            assert_eq!(back, d);
            assert_eq!(back.scale(), d.scale());
        }
    }

    #[test]
    fn non_canonical_decimals_are_refused() {
        for text in [
            "",
            "-",
            "+1",
            "01",
            "00",
            "1.",
            ".5",
            "-.5",
            "1e5",
            "1_000",
            " 1",
            "1 ",
            "1,5",
            "0x10",
            "--1",
            "1.2.3",
            "-0.0",
            "NaN",
            // 29 decimals: beyond rust_decimal's scale, so parsing would round.
            "0.00000000000000000000000000001",
            // Beyond 96 bits.
            "79228162514264337593543950336",
        ] {
            assert_eq!(
                malformed(&padded(3, text.as_bytes())),
                "decimal is not in canonical form",
                "{text:?}"
            );
        }
        assert_eq!(
            malformed(&padded(3, &[0xff, 0xfe])),
            "decimal is not in canonical form"
        );
    }

    #[test]
    fn invalid_or_non_canonical_dates_are_refused() {
        for text in [
            "",
            "2024-2-29",
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "24-01-01",
            "+2024-01-01",
            "02024-01-01",
            "-0000-01-01",
            "2024/01/01",
            "2024-01-01 ",
            "2024-01-01T00",
            "20240101",
            "+262144-01-01",
            "abcd-01-01",
            "2024-0a-01",
            "2024-+1-01",
            "+999999-01-01",
        ] {
            assert_eq!(
                malformed(&padded(5, text.as_bytes())),
                "date is not a valid date in canonical YYYY-MM-DD form",
                "{text:?}"
            );
        }
        assert_eq!(
            decode_plaintext(&padded(5, b"0000-01-01")).unwrap(),
            FieldValue::Date(date(0, 1, 1))
        );
    }

    #[test]
    fn bad_padding_is_refused() {
        let good = padded(1, b"hola");
        assert!(decode_plaintext(&good).is_ok());
        assert_eq!(
            malformed(&[]),
            "padded plaintext is not a positive multiple of 16 bytes"
        );
        assert_eq!(
            malformed(&good[..15]),
            "padded plaintext is not a positive multiple of 16 bytes"
        );
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(
            malformed(&longer),
            "padded plaintext is not a positive multiple of 16 bytes"
        );
        assert_eq!(malformed(&[0; 16]), "padding does not end in 0x80 0x00…");
        let mut no_marker = good.clone();
        no_marker[5] = 0x81;
        assert_eq!(malformed(&no_marker), "padding does not end in 0x80 0x00…");
        let mut trailing = good.clone();
        trailing[15] = 1;
        assert_eq!(malformed(&trailing), "padding does not end in 0x80 0x00…");
        let mut marker_last = good.clone();
        marker_last[5] = 0;
        marker_last[15] = 0x80;
        // "hola\0…\0" then 0x80: a valid encoding of a longer text, not a padding error.
        assert_eq!(
            decode_plaintext(&marker_last).unwrap().into_text().unwrap(),
            "hola\0\0\0\0\0\0\0\0\0\0"
        );
        // A whole extra block of padding.
        let mut extra = good.clone();
        extra.extend_from_slice(&[0; 16]);
        assert_eq!(malformed(&extra), "padding is longer than 16 bytes");
        let mut only_marker = vec![0x80];
        only_marker.resize(16, 0);
        assert_eq!(malformed(&only_marker), "plaintext has no type byte");
    }

    #[test]
    fn unknown_types_and_bad_values_are_refused() {
        for type_byte in [0x00, 0x06, 0x7f, 0x80, 0xff] {
            assert_eq!(
                malformed(&padded(type_byte, b"x")),
                "unknown plaintext type byte"
            );
        }
        assert_eq!(
            malformed(&padded(1, &[0x68, 0xc3, 0x28])),
            "text is not valid UTF-8"
        );
        assert_eq!(malformed(&padded(2, &[1; 7])), "integer is not 8 bytes");
        assert_eq!(malformed(&padded(2, &[1; 9])), "integer is not 8 bytes");
        assert_eq!(malformed(&padded(2, &[])), "integer is not 8 bytes");
    }

    #[test]
    fn conversions_check_the_type() {
        let text = FieldValue::from("x");
        assert_eq!(
            text.clone().into_int(),
            Err(CryptoError::TypeMismatch {
                expected: FieldType::Int,
                found: FieldType::Text
            })
        );
        assert!(text.clone().into_decimal().is_err());
        assert!(text.clone().into_bytes().is_err());
        assert!(text.clone().into_date().is_err());
        assert_eq!(text.into_text().unwrap(), "x");
        assert_eq!(
            FieldValue::from(vec![1u8]).into_text(),
            Err(CryptoError::TypeMismatch {
                expected: FieldType::Text,
                found: FieldType::Bytes
            })
        );
        assert_eq!(FieldValue::from(vec![1u8]).into_bytes().unwrap(), [1]);
        assert_eq!(
            FieldValue::from(dec("1.5")).into_decimal().unwrap(),
            dec("1.5")
        );
        assert_eq!(
            FieldValue::from(date(2024, 1, 1)).into_date().unwrap(),
            date(2024, 1, 1)
        );
        assert_eq!(
            FieldValue::from(String::from("y")).field_type(),
            FieldType::Text
        );
    }

    #[test]
    fn debug_never_shows_the_value() {
        let cases = [
            (FieldValue::from("secreto"), "FieldValue::Text(<redacted>)"),
            (FieldValue::from(42_i64), "FieldValue::Int(<redacted>)"),
            (
                FieldValue::from(dec("1.50")),
                "FieldValue::Decimal(<redacted>)",
            ),
            (FieldValue::from(vec![7u8]), "FieldValue::Bytes(<redacted>)"),
            (
                FieldValue::from(date(2024, 1, 1)),
                "FieldValue::Date(<redacted>)",
            ),
        ];
        for (value, shown) in cases {
            assert_eq!(format!("{value:?}"), shown);
            assert_eq!(format!("{value:#?}"), shown);
        }
    }
}
