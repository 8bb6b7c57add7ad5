//! Generates `tests/vectors/envelope_v1.json`, the published vectors of envelope v1, key wrapping,
//! the key check value and blind indexes (`docs/FORMAT.md`).
//!
//! ```sh
//! cargo run -q -p inventario-core --example envelope_vectors > tests/vectors/envelope_v1.json
//! ```
//!
//! Deterministic: keys and nonces are fixed (SHA-256 of a label), so the output is the same on
//! every run. Each expected byte string is built here from the format's definition (AAD, padding,
//! AES-GCM-SIV called directly), then checked against the library, which must agree; a
//! disagreement stops the generator. Published vectors never change: add new ones at the end.

use aes_gcm_siv::aead::{AeadInPlace, KeyInit};
use aes_gcm_siv::{Aes256GcmSiv, Key, Nonce};
use chrono::NaiveDate;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use inventario_core::crypto::KdfParams;
use inventario_core::crypto::{
    to_text, BlindIndexKey, BlindIndexLen, CryptoError, DataKey, FieldContext, FieldValue, Kek,
    KeyMaterial, KeyPurpose, MasterKey, Normalizer, Passphrase, WrapContext,
};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Serialize)]
struct Vectors {
    format: &'static str,
    regenerate: &'static str,
    spec: &'static str,
    notes: Vec<&'static str>,
    positive: Vec<Positive>,
    negative: Vec<Negative>,
    blind_index: Vec<BlindIndex>,
    master_keys: Vec<MasterKeyVector>,
    wrapped_keys: Vec<Wrapped>,
}

#[derive(Serialize)]
struct Positive {
    id: String,
    key: String,
    key_id: u32,
    table: String,
    column: String,
    row_key: String,
    #[serde(rename = "type")]
    type_name: &'static str,
    plaintext: String,
    nonce: String,
    aad: String,
    padded_plaintext: String,
    envelope: String,
    text: String,
}

#[derive(Serialize)]
struct KeyEntry {
    key_id: u32,
    key: String,
}

#[derive(Serialize)]
struct Negative {
    id: String,
    description: &'static str,
    keys: Vec<KeyEntry>,
    table: String,
    column: String,
    row_key: String,
    envelope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    padded_plaintext: Option<String>,
    error: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_arg: Option<u32>,
}

#[derive(Serialize)]
struct BlindIndex {
    id: String,
    key: String,
    normalizer: &'static str,
    input: String,
    normalized: String,
    len: u8,
    index: String,
}

#[derive(Serialize)]
struct MasterKeyVector {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    passphrase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iterations: Option<u32>,
    master_key: String,
    kek: String,
    check_value: String,
}

#[derive(Serialize)]
struct Wrapped {
    id: String,
    master_key: String,
    kek: String,
    tenant: String,
    purpose: &'static str,
    purpose_code: u8,
    key_id: u32,
    scope: String,
    mk_version: u32,
    nonce: String,
    aad: String,
    key: String,
    wrapped: String,
}

/// 32 fixed bytes named by a label.
fn fixed32(label: &str) -> [u8; 32] {
    Sha256::digest(format!("inventario-core vectors v1: {label}").as_bytes()).into()
}

fn fixed12(label: &str) -> [u8; 12] {
    let mut out = [0u8; 12];
    out.copy_from_slice(&fixed32(label)[..12]);
    out
}

fn lp(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(
        &u16::try_from(field.len())
            .expect("short field")
            .to_be_bytes(),
    );
    out.extend_from_slice(field);
}

fn envelope_aad(key_id: u32, table: &str, column: &str, row_key: &str) -> Vec<u8> {
    let mut aad = b"inventario-core/v1".to_vec();
    aad.push(0x01);
    aad.extend_from_slice(&key_id.to_be_bytes());
    for part in [table, column, row_key] {
        lp(&mut aad, part.as_bytes());
    }
    aad
}

/// `type ‖ value ‖ 0x80 ‖ 0x00…` to a multiple of 16.
fn pad(type_byte: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![type_byte];
    out.extend_from_slice(value);
    out.push(0x80);
    while out.len() % 16 != 0 {
        out.push(0);
    }
    out
}

/// An envelope built from raw padded plaintext, straight from the format's definition.
fn raw_envelope(
    key: &[u8; 32],
    key_id: u32,
    ctx: (&str, &str, &str),
    nonce: [u8; 12],
    padded: &[u8],
) -> Vec<u8> {
    let mut out = vec![0x01];
    out.extend_from_slice(&key_id.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(padded);
    let aad = envelope_aad(key_id, ctx.0, ctx.1, ctx.2);
    let tag = Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(key))
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut out[17..])
        .expect("small plaintext");
    out.extend_from_slice(&tag);
    out
}

/// A plaintext as the vectors write it: its type, its text form, its value and its encoded bytes.
struct Plain {
    type_name: &'static str,
    text: String,
    value: FieldValue,
    type_byte: u8,
    bytes: Vec<u8>,
}

fn text(s: &str) -> Plain {
    Plain {
        type_name: "text",
        text: s.to_owned(),
        value: FieldValue::from(s),
        type_byte: 0x01,
        bytes: s.as_bytes().to_vec(),
    }
}

fn int(i: i64) -> Plain {
    Plain {
        type_name: "int",
        text: i.to_string(),
        value: FieldValue::from(i),
        type_byte: 0x02,
        bytes: i.to_be_bytes().to_vec(),
    }
}

fn decimal(s: &str) -> Plain {
    Plain {
        type_name: "decimal",
        text: s.to_owned(),
        value: FieldValue::from(Decimal::from_str_exact(s).expect("decimal literal")),
        type_byte: 0x03,
        bytes: s.as_bytes().to_vec(),
    }
}

fn bytes(b: Vec<u8>) -> Plain {
    Plain {
        type_name: "bytes",
        text: hex::encode(&b),
        type_byte: 0x04,
        bytes: b.clone(),
        value: FieldValue::from(b),
    }
}

fn date(s: &str) -> Plain {
    Plain {
        type_name: "date",
        text: s.to_owned(),
        value: FieldValue::from(NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date literal")),
        type_byte: 0x05,
        bytes: s.as_bytes().to_vec(),
    }
}

const CUSTOMERS: (&str, &str, &str) = ("customers", "email", "42");

fn positive(id: &str, key_id: u32, ctx: (&str, &str, &str), plain: Plain) -> Positive {
    let key = fixed32(&format!("data key {key_id}"));
    let nonce = fixed12(&format!("nonce {id}"));
    let padded = pad(plain.type_byte, &plain.bytes);
    let envelope = raw_envelope(&key, key_id, ctx, nonce, &padded);

    let dek = DataKey::new(key_id, &KeyMaterial::from_bytes(key));
    let field = FieldContext::new(ctx.0, ctx.1, ctx.2).expect("valid context");
    assert_eq!(
        dek.seal_with_nonce(&field, &plain.value, nonce),
        envelope,
        "{id}: the library seals differently"
    );
    assert_eq!(dek.open(&field, &envelope), Ok(plain.value), "{id}");

    Positive {
        id: id.to_owned(),
        key: hex::encode(key),
        key_id,
        table: ctx.0.to_owned(),
        column: ctx.1.to_owned(),
        row_key: ctx.2.to_owned(),
        type_name: plain.type_name,
        plaintext: plain.text,
        nonce: hex::encode(nonce),
        aad: hex::encode(envelope_aad(key_id, ctx.0, ctx.1, ctx.2)),
        padded_plaintext: hex::encode(&padded),
        text: to_text(&envelope),
        envelope: hex::encode(&envelope),
    }
}

fn positives() -> Vec<Positive> {
    let long: String = (0..40)
        .map(|i| format!("Línea {i:02}: stock de yerba mate en el depósito central. "))
        .collect();
    assert!(long.len() > 1024);
    let all_bytes: Vec<u8> = (0..=255).collect();
    let long_row = "fila-".repeat(60);
    vec![
        positive("text-ascii", 1, CUSTOMERS, text("ana@example.com")),
        positive("text-empty", 1, CUSTOMERS, text("")),
        positive(
            "text-14-bytes-one-block",
            1,
            CUSTOMERS,
            text("fourteen bytes"),
        ),
        positive(
            "text-15-bytes-two-blocks",
            1,
            CUSTOMERS,
            text("fifteen bytes!!"),
        ),
        positive(
            "text-long",
            1,
            ("products", "notes", "BEB-COCA-2L"),
            text(&long),
        ),
        positive(
            "text-combining-marks",
            1,
            ("customers", "name", "7"),
            text("Jose\u{301} Pe\u{301}rez Ñandu\u{301}"),
        ),
        positive(
            "text-emoji",
            1,
            ("customers", "note", "7"),
            text("🧉 mate con 🇦🇷 y 👩🏽‍💻"),
        ),
        positive(
            "text-mixed-scripts",
            2,
            ("customers", "name", "8"),
            text("東京 Ñandú ΑΒΓ Привет"),
        ),
        positive(
            "text-nul-and-0x80-like",
            2,
            CUSTOMERS,
            text("a\u{0}\u{80}\u{0}"),
        ),
        positive("int-zero", 1, ("products", "cost_minor", "1"), int(0)),
        positive(
            "int-negative",
            1,
            ("products", "cost_minor", "1"),
            int(-125_000),
        ),
        positive(
            "int-positive",
            1,
            ("products", "cost_minor", "1"),
            int(350_000),
        ),
        positive("int-min", 1, ("products", "cost_minor", "2"), int(i64::MIN)),
        positive("int-max", 1, ("products", "cost_minor", "3"), int(i64::MAX)),
        positive(
            "decimal-negative-scale-2",
            1,
            ("products", "price", "1"),
            decimal("-1234.50"),
        ),
        positive(
            "decimal-zero-scale-2",
            1,
            ("products", "price", "1"),
            decimal("0.00"),
        ),
        positive(
            "decimal-integer",
            1,
            ("products", "price", "1"),
            decimal("7"),
        ),
        positive(
            "decimal-scale-3",
            1,
            ("products", "price", "1"),
            decimal("3500.125"),
        ),
        positive(
            "decimal-scale-28",
            1,
            ("products", "price", "2"),
            decimal("0.0000000000000000000000000001"),
        ),
        positive(
            "decimal-max",
            1,
            ("products", "price", "3"),
            decimal("79228162514264337593543950335"),
        ),
        positive(
            "decimal-min",
            1,
            ("products", "price", "3"),
            decimal("-79228162514264337593543950335"),
        ),
        positive(
            "bytes-empty",
            1,
            ("documents", "scan", "1"),
            bytes(Vec::new()),
        ),
        positive(
            "bytes-all-values",
            1,
            ("documents", "scan", "2"),
            bytes(all_bytes),
        ),
        positive(
            "bytes-ending-like-padding",
            1,
            ("documents", "scan", "3"),
            bytes(vec![0x80, 0x00]),
        ),
        positive(
            "date-leap-day",
            1,
            ("customers", "birth_date", "42"),
            date("2024-02-29"),
        ),
        positive(
            "date-epoch",
            1,
            ("customers", "birth_date", "43"),
            date("1970-01-01"),
        ),
        positive(
            "date-first",
            1,
            ("customers", "birth_date", "44"),
            date("0001-01-01"),
        ),
        positive(
            "date-last-4-digit",
            1,
            ("customers", "birth_date", "45"),
            date("9999-12-31"),
        ),
        positive("key-id-0", 0, CUSTOMERS, text("ana@example.com")),
        positive("key-id-max", u32::MAX, CUSTOMERS, int(42)),
        positive(
            "key-id-mixed-bytes",
            0x0102_0304,
            CUSTOMERS,
            text("ana@example.com"),
        ),
        positive(
            "context-unicode",
            3,
            ("clientes", "correo_electrónico", "ñandú:42/🧉"),
            text("josé@correo.ar"),
        ),
        positive(
            "context-long-row-key",
            3,
            ("customers", "cuit", &long_row),
            text("20-12345678-6"),
        ),
    ]
}

fn negative(
    id: &str,
    description: &'static str,
    keys: &[u32],
    ctx: (&str, &str, &str),
    envelope: Vec<u8>,
    padded: Option<&[u8]>,
    expected: CryptoError,
) -> Negative {
    let field = FieldContext::new(ctx.0, ctx.1, ctx.2).expect("valid context");
    let (error, error_arg) = match expected {
        CryptoError::Malformed(_) => ("Malformed", None),
        CryptoError::UnsupportedVersion(v) => ("UnsupportedVersion", Some(u32::from(v))),
        CryptoError::UnknownKey(k) => ("UnknownKey", Some(k)),
        CryptoError::AuthenticationFailed => ("AuthenticationFailed", None),
        other => panic!("{id}: no vector for {other:?}"),
    };
    // The library must fail the same way with the keyring the vector gives.
    let result = inventario_core::crypto::parse_header(&envelope).and_then(|header| {
        if !keys.contains(&header.key_id) {
            return Err(CryptoError::UnknownKey(header.key_id));
        }
        let key = KeyMaterial::from_bytes(data_key(header.key_id));
        DataKey::new(header.key_id, &key).open(&field, &envelope)
    });
    match (&result, &expected) {
        (Err(CryptoError::Malformed(_)), CryptoError::Malformed(_)) => {}
        (got, want) => assert_eq!(got.as_ref().err(), Some(want), "{id}"),
    }
    Negative {
        id: id.to_owned(),
        description,
        keys: keys
            .iter()
            .map(|&key_id| KeyEntry {
                key_id,
                key: hex::encode(data_key(key_id)),
            })
            .collect(),
        table: ctx.0.to_owned(),
        column: ctx.1.to_owned(),
        row_key: ctx.2.to_owned(),
        envelope: hex::encode(&envelope),
        padded_plaintext: padded.map(hex::encode),
        error,
        error_arg,
    }
}

/// The data key of id `key_id` in every negative vector (key 1 is the positive vectors' key 1).
fn data_key(key_id: u32) -> [u8; 32] {
    if key_id == 0x0000_0101 {
        // The key-id bit-flip vector: a keyring that also holds the flipped id, with the same
        // bytes, so that only the AAD binding of the header rejects it.
        return fixed32("data key 1");
    }
    fixed32(&format!("data key {key_id}"))
}

fn flip(envelope: &[u8], byte: usize, bit: u8) -> Vec<u8> {
    let mut out = envelope.to_vec();
    out[byte] ^= 1 << bit;
    out
}

fn negatives() -> Vec<Negative> {
    use CryptoError::{AuthenticationFailed as Auth, Malformed, UnknownKey, UnsupportedVersion};
    let m = Malformed("");
    let key1 = data_key(1);
    let good_padded = pad(0x01, b"ana@example.com");
    let good = raw_envelope(
        &key1,
        1,
        CUSTOMERS,
        fixed12("nonce negative base"),
        &good_padded,
    );
    assert_eq!(good.len(), 65);
    let n = good.len();
    let authenticated = |label: &str, padded: &[u8]| {
        raw_envelope(
            &key1,
            1,
            CUSTOMERS,
            fixed12(&format!("nonce {label}")),
            padded,
        )
    };
    let with_padding = |type_byte: u8, value: &[u8], tail: &[u8]| {
        let mut p = vec![type_byte];
        p.extend_from_slice(value);
        p.extend_from_slice(tail);
        p
    };

    let mut out = Vec::new();
    let mut add = |id: &str,
                   d: &'static str,
                   keys: &[u32],
                   ctx,
                   env: Vec<u8>,
                   padded: Option<&[u8]>,
                   e: CryptoError| {
        out.push(negative(id, d, keys, ctx, env, padded, e));
    };
    add(
        "version-bit-flip-to-0x00",
        "bit 0 of the version byte flipped",
        &[1],
        CUSTOMERS,
        flip(&good, 0, 0),
        None,
        UnsupportedVersion(0),
    );
    add(
        "version-bit-flip-to-0x81",
        "bit 7 of the version byte flipped",
        &[1],
        CUSTOMERS,
        flip(&good, 0, 7),
        None,
        UnsupportedVersion(0x81),
    );
    let mut v2 = good.clone();
    v2[0] = 0x02;
    add(
        "version-0x02",
        "version 2 is unknown",
        &[1],
        CUSTOMERS,
        v2,
        None,
        UnsupportedVersion(2),
    );
    let mut v0 = good.clone();
    v0[0] = 0x00;
    add(
        "version-0x00",
        "version 0 is unknown",
        &[1],
        CUSTOMERS,
        v0,
        None,
        UnsupportedVersion(0),
    );
    add(
        "key-id-bit-flip-unknown",
        "a bit of the key id flipped: the id names no key",
        &[1],
        CUSTOMERS,
        flip(&good, 4, 1),
        None,
        UnknownKey(3),
    );
    add(
        "key-id-bit-flip-known",
        "a bit of the key id flipped to an id the keyring holds (with the same key bytes): the header is authenticated",
        &[1, 0x0000_0101],
        CUSTOMERS,
        flip(&good, 3, 0),
        None,
        Auth,
    );
    add(
        "unknown-key-id",
        "the envelope's key id is not in the keyring",
        &[2, 3],
        CUSTOMERS,
        good.clone(),
        None,
        UnknownKey(1),
    );
    // Sealed under key 2's bytes but naming id 1.
    let wrong_key = raw_envelope(
        &data_key(2),
        1,
        CUSTOMERS,
        fixed12("nonce wrong key"),
        &good_padded,
    );
    add(
        "wrong-key-same-id",
        "names key id 1 but was sealed under other key bytes",
        &[1],
        CUSTOMERS,
        wrong_key,
        None,
        Auth,
    );
    add(
        "nonce-bit-flip",
        "a bit of the nonce flipped",
        &[1],
        CUSTOMERS,
        flip(&good, 5, 3),
        None,
        Auth,
    );
    add(
        "nonce-last-bit-flip",
        "the last bit of the nonce flipped",
        &[1],
        CUSTOMERS,
        flip(&good, 16, 7),
        None,
        Auth,
    );
    add(
        "ciphertext-bit-flip",
        "a bit of the ciphertext flipped",
        &[1],
        CUSTOMERS,
        flip(&good, 17, 0),
        None,
        Auth,
    );
    add(
        "ciphertext-last-bit-flip",
        "a bit of the last ciphertext byte flipped",
        &[1],
        CUSTOMERS,
        flip(&good, n - 17, 4),
        None,
        Auth,
    );
    add(
        "tag-bit-flip",
        "a bit of the tag flipped",
        &[1],
        CUSTOMERS,
        flip(&good, n - 16, 2),
        None,
        Auth,
    );
    add(
        "tag-last-bit-flip",
        "the top bit of the last tag byte flipped",
        &[1],
        CUSTOMERS,
        flip(&good, n - 1, 7),
        None,
        Auth,
    );
    add(
        "truncated-empty",
        "no bytes at all",
        &[1],
        CUSTOMERS,
        Vec::new(),
        None,
        m.clone(),
    );
    add(
        "truncated-version-only",
        "the version byte alone",
        &[1],
        CUSTOMERS,
        good[..1].to_vec(),
        None,
        m.clone(),
    );
    add(
        "truncated-header-only",
        "version and key id only",
        &[1],
        CUSTOMERS,
        good[..5].to_vec(),
        None,
        m.clone(),
    );
    add(
        "truncated-header-and-nonce",
        "no ciphertext, no tag",
        &[1],
        CUSTOMERS,
        good[..17].to_vec(),
        None,
        m.clone(),
    );
    add(
        "truncated-48-bytes",
        "one byte short of the minimum",
        &[1],
        CUSTOMERS,
        good[..48].to_vec(),
        None,
        m.clone(),
    );
    add(
        "truncated-one-byte",
        "the last byte cut: ciphertext not a multiple of 16",
        &[1],
        CUSTOMERS,
        good[..n - 1].to_vec(),
        None,
        m.clone(),
    );
    add(
        "truncated-one-block",
        "the last 16 bytes cut: well-formed, but the tag is wrong",
        &[1],
        CUSTOMERS,
        good[..n - 16].to_vec(),
        None,
        Auth,
    );
    let mut plus1 = good.clone();
    plus1.push(0);
    add(
        "extended-one-byte",
        "one byte appended: ciphertext not a multiple of 16",
        &[1],
        CUSTOMERS,
        plus1,
        None,
        m.clone(),
    );
    let mut plus16 = good.clone();
    plus16.extend_from_slice(&[0; 16]);
    add(
        "extended-one-block",
        "16 zero bytes appended: well-formed, but the tag is wrong",
        &[1],
        CUSTOMERS,
        plus16,
        None,
        Auth,
    );
    add(
        "wrong-table",
        "sealed for customers.email row 42, opened in another table",
        &[1],
        ("suppliers", "email", "42"),
        good.clone(),
        None,
        Auth,
    );
    add(
        "wrong-column",
        "opened in another column",
        &[1],
        ("customers", "phone", "42"),
        good.clone(),
        None,
        Auth,
    );
    add(
        "wrong-row-key",
        "opened in another row",
        &[1],
        ("customers", "email", "43"),
        good.clone(),
        None,
        Auth,
    );
    add(
        "shifted-context",
        "table and column with a byte moved between them",
        &[1],
        ("customerse", "mail", "42"),
        good.clone(),
        None,
        Auth,
    );

    let no_marker = with_padding(0x01, b"hola", &[0; 11]);
    add(
        "padding-no-marker",
        "authenticated; zeros but no 0x80 after the value",
        &[1],
        CUSTOMERS,
        authenticated("no marker", &no_marker),
        Some(&no_marker),
        m.clone(),
    );
    let trailing = with_padding(0x01, b"hola", &[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    add(
        "padding-non-zero-after-marker",
        "authenticated; a non-zero byte after the 0x80 marker",
        &[1],
        CUSTOMERS,
        authenticated("trailing", &trailing),
        Some(&trailing),
        m.clone(),
    );
    let mut extra_block = pad(0x01, b"hola");
    extra_block.extend_from_slice(&[0; 16]);
    add(
        "padding-extra-block",
        "authenticated; 27 bytes of padding where 11 suffice",
        &[1],
        CUSTOMERS,
        authenticated("extra block", &extra_block),
        Some(&extra_block),
        m.clone(),
    );
    let only_marker = with_padding(0x80, b"", &[0; 15]);
    add(
        "padding-no-type-byte",
        "authenticated; the marker is the first byte",
        &[1],
        CUSTOMERS,
        authenticated("no type", &only_marker),
        Some(&only_marker),
        m.clone(),
    );
    let zeros = vec![0u8; 16];
    add(
        "padding-all-zero",
        "authenticated; sixteen zero bytes",
        &[1],
        CUSTOMERS,
        authenticated("all zero", &zeros),
        Some(&zeros),
        m.clone(),
    );
    for (id, type_byte) in [
        ("type-byte-0x00", 0x00u8),
        ("type-byte-0x06", 0x06),
        ("type-byte-0xff", 0xff),
    ] {
        let p = pad(type_byte, b"hola");
        add(
            id,
            "authenticated; unknown type byte",
            &[1],
            CUSTOMERS,
            authenticated(id, &p),
            Some(&p),
            m.clone(),
        );
    }
    for (id, literal) in [
        ("decimal-leading-zero", "01.50"),
        ("decimal-negative-zero", "-0.00"),
        ("decimal-plus-sign", "+1"),
        ("decimal-trailing-point", "1."),
        ("decimal-exponent", "1e3"),
        ("decimal-scale-29", "0.00000000000000000000000000001"),
    ] {
        let p = pad(0x03, literal.as_bytes());
        add(
            id,
            "authenticated; the decimal is not canonical",
            &[1],
            CUSTOMERS,
            authenticated(id, &p),
            Some(&p),
            m.clone(),
        );
    }
    let p = pad(0x01, &[0x68, 0x6f, 0x6c, 0xc3]);
    add(
        "text-bad-utf8",
        "authenticated; text that is not UTF-8",
        &[1],
        CUSTOMERS,
        authenticated("bad utf8", &p),
        Some(&p),
        m.clone(),
    );
    let p = pad(0x02, &[0, 0, 0, 0, 0, 0, 1]);
    add(
        "int-seven-bytes",
        "authenticated; an integer of 7 bytes",
        &[1],
        CUSTOMERS,
        authenticated("int 7", &p),
        Some(&p),
        m.clone(),
    );
    let p = pad(0x05, b"2023-02-29");
    add(
        "date-invalid",
        "authenticated; 29 February of a common year",
        &[1],
        CUSTOMERS,
        authenticated("date invalid", &p),
        Some(&p),
        m.clone(),
    );
    let p = pad(0x05, b"2024-2-29");
    add(
        "date-not-canonical",
        "authenticated; a month without its leading zero",
        &[1],
        CUSTOMERS,
        authenticated("date short", &p),
        Some(&p),
        m,
    );
    out
}

fn blind_indexes() -> Vec<BlindIndex> {
    let key = fixed32("blind index key customers.email");
    let digits_key = fixed32("blind index key customers.cuit");
    let cases: &[(&str, [u8; 32], Normalizer, &str, u8)] = &[
        ("exact", key, Normalizer::Exact, "Ana@Example.com", 16),
        ("exact-empty", key, Normalizer::Exact, "", 16),
        (
            "email-case-and-space",
            key,
            Normalizer::Email,
            "  Ana@Example.COM \n",
            16,
        ),
        ("email-lower", key, Normalizer::Email, "ana@example.com", 16),
        (
            "email-sharp-s",
            key,
            Normalizer::Email,
            "Straße@Beispiel.DE",
            16,
        ),
        (
            "email-double-s",
            key,
            Normalizer::Email,
            "STRASSE@beispiel.de",
            16,
        ),
        (
            "email-combining-accent",
            key,
            Normalizer::Email,
            "Jose\u{301}@Correo.AR",
            16,
        ),
        (
            "email-precomposed-accent",
            key,
            Normalizer::Email,
            "JOSÉ@correo.ar",
            16,
        ),
        (
            "email-greek-final-sigma",
            key,
            Normalizer::Email,
            "ΟΔΟΣ@x.gr",
            16,
        ),
        (
            "email-unicode-space",
            key,
            Normalizer::Email,
            "\u{3000}ana@example.com\u{a0}",
            32,
        ),
        (
            "digits-cuit-dashes",
            digits_key,
            Normalizer::Digits,
            "20-12345678-6",
            16,
        ),
        (
            "digits-cuit-plain",
            digits_key,
            Normalizer::Digits,
            "20123456786",
            16,
        ),
        (
            "digits-cuit-len-8",
            digits_key,
            Normalizer::Digits,
            "20-12345678-6",
            8,
        ),
        (
            "digits-cuit-len-32",
            digits_key,
            Normalizer::Digits,
            "20-12345678-6",
            32,
        ),
        (
            "digits-phone",
            digits_key,
            Normalizer::Digits,
            "+54 9 (11) 4444-5555",
            16,
        ),
        (
            "digits-none",
            digits_key,
            Normalizer::Digits,
            "sin dígitos",
            16,
        ),
    ];
    cases
        .iter()
        .map(|&(id, key, normalizer, input, len)| {
            let normalized = normalizer.normalize(input);
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("any key length");
            mac.update(normalized.as_bytes());
            let index = mac.finalize().into_bytes()[..usize::from(len)].to_vec();
            let library = BlindIndexKey::new(&KeyMaterial::from_bytes(key)).index(
                normalizer,
                input,
                BlindIndexLen::new(len).expect("8..=32"),
            );
            assert_eq!(library, index, "{id}");
            BlindIndex {
                id: id.to_owned(),
                key: hex::encode(key),
                normalizer: normalizer.as_str(),
                input: input.to_owned(),
                normalized,
                len,
                index: hex::encode(index),
            }
        })
        .collect()
}

/// HKDF-SHA256(MK, salt "inventario-core/v1", info "kek") and its check value.
fn kek_of(master: &[u8; 32]) -> ([u8; 32], [u8; 8]) {
    let mut kek = [0u8; 32];
    Hkdf::<Sha256>::new(Some(b"inventario-core/v1"), master)
        .expand(b"kek", &mut kek)
        .expect("32 bytes");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&kek).expect("any key length");
    mac.update(b"inventario-core/v1 key check");
    let mut check = [0u8; 8];
    check.copy_from_slice(&mac.finalize().into_bytes()[..8]);
    let library = Kek::derive(&MasterKey::from_bytes(*master).expect("strong key"));
    assert_eq!(library.check_value(), check);
    (kek, check)
}

const PASSPHRASE: &str = "mate amargo en la trastienda";

fn master_keys() -> Vec<MasterKeyVector> {
    let hex_key = fixed32("master key 1");
    let (kek, check) = kek_of(&hex_key);
    let salt: [u8; 16] = std::array::from_fn(|i| u8::try_from(i).expect("small"));
    let mut derived = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(PASSPHRASE.as_bytes(), &salt, 600_000, &mut derived);
    let library = Passphrase::new(PASSPHRASE)
        .expect("good passphrase")
        .derive(&KdfParams::default(), &salt)
        .expect("derive");
    assert_eq!(library.to_hex().as_str(), hex::encode(derived));
    let (pkek, pcheck) = kek_of(&derived);
    vec![
        MasterKeyVector {
            id: "master-key-hex".to_owned(),
            passphrase: None,
            salt: None,
            iterations: None,
            master_key: hex::encode(hex_key),
            kek: hex::encode(kek),
            check_value: hex::encode(check),
        },
        MasterKeyVector {
            id: "master-key-from-passphrase".to_owned(),
            passphrase: Some(PASSPHRASE.to_owned()),
            salt: Some(hex::encode(salt)),
            iterations: Some(600_000),
            master_key: hex::encode(derived),
            kek: hex::encode(pkek),
            check_value: hex::encode(pcheck),
        },
    ]
}

fn wrapped_keys() -> Vec<Wrapped> {
    let master = fixed32("master key 1");
    let (kek, _) = kek_of(&master);
    let library_kek = Kek::derive(&MasterKey::from_bytes(master).expect("strong key"));
    let cases: &[(&str, &str, KeyPurpose, u32, &str, u32)] = &[
        (
            "wrap-data-global",
            "default",
            KeyPurpose::Data,
            1,
            "global",
            1,
        ),
        (
            "wrap-data-subject",
            "default",
            KeyPurpose::Data,
            42,
            "customer:42",
            2,
        ),
        (
            "wrap-blind-index",
            "sucursal-norte",
            KeyPurpose::BlindIndex,
            2,
            "customers.email",
            1,
        ),
        (
            "wrap-audit",
            "default",
            KeyPurpose::Audit,
            4_294_967_295,
            "audit",
            7,
        ),
    ];
    cases
        .iter()
        .map(|&(id, tenant, purpose, key_id, scope, mk_version)| {
            let key = fixed32(&format!("wrapped key {id}"));
            let nonce = fixed12(&format!("nonce {id}"));
            let mut aad = b"inventario-core/v1 wrap".to_vec();
            lp(&mut aad, tenant.as_bytes());
            aad.push(purpose.code());
            aad.extend_from_slice(&key_id.to_be_bytes());
            lp(&mut aad, scope.as_bytes());
            aad.extend_from_slice(&mk_version.to_be_bytes());
            let mut wrapped = vec![0x01];
            wrapped.extend_from_slice(&nonce);
            wrapped.extend_from_slice(&key);
            let tag = Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(&kek))
                .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut wrapped[13..])
                .expect("small");
            wrapped.extend_from_slice(&tag);
            let ctx = WrapContext {
                tenant,
                purpose,
                key_id,
                scope,
                mk_version,
            };
            let unwrapped = library_kek.unwrap(&wrapped, &ctx).expect("library unwraps");
            assert_eq!(unwrapped.expose(), &key, "{id}");
            Wrapped {
                id: id.to_owned(),
                master_key: hex::encode(master),
                kek: hex::encode(kek),
                tenant: tenant.to_owned(),
                purpose: purpose.as_str(),
                purpose_code: purpose.code(),
                key_id,
                scope: scope.to_owned(),
                mk_version,
                nonce: hex::encode(nonce),
                aad: hex::encode(aad),
                key: hex::encode(key),
                wrapped: hex::encode(wrapped),
            }
        })
        .collect()
}

fn main() -> Result<(), serde_json::Error> {
    let vectors = Vectors {
        format: "inventario-core envelope v1 vectors",
        regenerate: "cargo run -q -p inventario-core --example envelope_vectors > tests/vectors/envelope_v1.json",
        spec: "docs/FORMAT.md",
        notes: vec![
            "Published vectors never change: old ciphertexts must keep decrypting. Add new vectors at the end of a list.",
            "Byte strings are lower-case hex. Keys and nonces are fixed: SHA-256 of a label, nonces its first 12 bytes.",
            "positive: seal with the given nonce gives `envelope` exactly; open gives the plaintext. `plaintext` is text as is, int as a decimal string, decimal in canonical form, bytes as hex, date as YYYY-MM-DD.",
            "negative: open with the keyring `keys` in the context given; `error` names the CryptoError variant (error_arg is its argument), `padded_plaintext` the authenticated content where it is the cause.",
            "blind_index: index = HMAC-SHA256(key, normalized)[..len].",
            "master_keys: kek = HKDF-SHA256(master_key, salt 'inventario-core/v1', info 'kek'); check_value = HMAC-SHA256(kek, 'inventario-core/v1 key check')[..8]; passphrases through PBKDF2-HMAC-SHA256.",
            "wrapped_keys: unwrap(wrapped) under the KEK of master_key with the context gives `key`; wrap with `nonce` gives `wrapped`.",
        ],
        positive: positives(),
        negative: negatives(),
        blind_index: blind_indexes(),
        master_keys: master_keys(),
        wrapped_keys: wrapped_keys(),
    };
    println!("{}", serde_json::to_string_pretty(&vectors)?);
    Ok(())
}
