//! Property tests of envelope v1 (DESIGN 9): every value round-trips in every context, and any bit
//! flip, truncation, extension or change of context is rejected with an error, never a wrong
//! value. Also: the `ic1.` text form round-trips, every envelope that opens is the one canonical
//! encoding of its value, and the blind-index normalisers are idempotent.

use aes_gcm_siv::aead::{AeadInPlace, KeyInit};
use aes_gcm_siv::{Aes256GcmSiv, Key, Nonce};
use chrono::{Datelike, NaiveDate};
use inventario_core::crypto::{
    from_text, parse_header, to_text, BlindIndexKey, BlindIndexLen, CryptoError, DataKey,
    FieldContext, FieldValue, KeyMaterial, Normalizer,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

const KEY_BYTES: [u8; 32] = [
    0x3c, 0x51, 0x9e, 0x07, 0xa2, 0x6b, 0xd4, 0x18, 0xf0, 0x85, 0x2e, 0xc9, 0x73, 0x4a, 0xb6, 0x1d,
    0x90, 0x2f, 0xe8, 0x5c, 0x37, 0xa1, 0x0b, 0xd6, 0x64, 0xc8, 0x19, 0x7e, 0xf3, 0x42, 0xad, 0x05,
];
const KEY_ID: u32 = 0x00c0_ffee;

fn dek() -> DataKey {
    DataKey::new(KEY_ID, &KeyMaterial::from_bytes(KEY_BYTES))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any decimal rust_decimal can hold: a 96-bit mantissa and a scale of 0 to 28.
fn decimal() -> impl Strategy<Value = Decimal> {
    let mantissa_bound = (1i128 << 96) - 1;
    (-mantissa_bound..=mantissa_bound, 0u32..=28, any::<bool>()).prop_map(|(m, scale, small)| {
        let m = if small { m % 1_000_000 } else { m };
        Decimal::from_i128_with_scale(m, scale)
    })
}

/// Any date chrono can hold (years ±262142), with ordinary years more likely.
fn date() -> impl Strategy<Value = NaiveDate> {
    let min = NaiveDate::MIN.num_days_from_ce();
    let max = NaiveDate::MAX.num_days_from_ce();
    prop_oneof![
        (min..=max).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("in range")),
        (0i32..=3_652_059).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("in range")),
    ]
}

fn value(max_len: usize) -> impl Strategy<Value = FieldValue> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..max_len)
            .prop_map(|c| FieldValue::from(c.into_iter().collect::<String>())),
        any::<i64>().prop_map(FieldValue::from),
        decimal().prop_map(FieldValue::from),
        prop::collection::vec(any::<u8>(), 0..max_len).prop_map(FieldValue::from),
        date().prop_map(FieldValue::from),
    ]
}

/// A context part: 1 to 40 arbitrary characters, sometimes far longer.
fn part() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(any::<char>(), 1..40).prop_map(|c| c.into_iter().collect()),
        1 => (200usize..400).prop_map(|n| "ñ".repeat(n)),
    ]
}

fn parts() -> impl Strategy<Value = (String, String, String)> {
    (part(), part(), part())
}

/// The AAD of `docs/FORMAT.md`, built independently of the library.
fn aad(header: &[u8], table: &str, column: &str, row: &str) -> Vec<u8> {
    let mut aad = b"inventario-core/v1".to_vec();
    aad.extend_from_slice(header);
    for part in [table, column, row] {
        aad.extend_from_slice(&u16::try_from(part.len()).unwrap().to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

/// Seals arbitrary plaintext bytes as an envelope under the test key, bypassing the encoder.
fn seal_raw(nonce: [u8; 12], table: &str, column: &str, row: &str, plaintext: &[u8]) -> Vec<u8> {
    let mut out = vec![1];
    out.extend_from_slice(&KEY_ID.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let aad = aad(&out[..5], table, column, row);
    let cipher = Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(&KEY_BYTES));
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut out[17..])
        .expect("small plaintext");
    out.extend_from_slice(&tag);
    out
}

proptest! {
    #![proptest_config(config(256))]

    /// Every value of every type comes back as it went in, in any context.
    #[test]
    fn every_value_round_trips((table, column, row) in parts(), value in value(300)) {
        let ctx = FieldContext::new(&table, &column, &row).unwrap();
        let dek = dek();
        let envelope = dek.seal(&ctx, &value);
        prop_assert_eq!(envelope.len() % 16, 1);
        prop_assert_eq!(dek.open(&ctx, &envelope).unwrap(), value.clone());
        let header = parse_header(&envelope).unwrap();
        prop_assert_eq!((header.version, header.key_id), (1, KEY_ID));
        // A fixed nonce gives the same envelope as the independent construction.
        let fixed = dek.seal_with_nonce(&ctx, &value, [9; 12]);
        prop_assert_eq!(&fixed[..17], &seal_raw([9; 12], &table, &column, &row, &[])[..17]);
        prop_assert_eq!(dek.open(&ctx, &fixed).unwrap(), value);
    }

    /// The text form carries any bytes and only URL-safe characters.
    #[test]
    fn the_text_form_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = to_text(&bytes);
        prop_assert!(text.starts_with("ic1."));
        prop_assert!(text[4..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        prop_assert_eq!(from_text(&text).unwrap(), bytes);
    }

    /// Whatever plaintext bytes an authenticated envelope holds, it opens only if they are the one
    /// canonical encoding of the value they decode to.
    #[test]
    fn every_envelope_that_opens_is_canonical(
        nonce in any::<[u8; 12]>(),
        type_byte in 0u8..=6,
        body in prop::collection::vec(any::<u8>(), 0..40),
        pad_to in 0usize..3,
        text_body in "[-+0-9.]{0,12}",
        use_text in any::<bool>(),
    ) {
        let mut plaintext = vec![type_byte];
        plaintext.extend_from_slice(if use_text { text_body.as_bytes() } else { &body });
        plaintext.push(0x80);
        while plaintext.len() % 16 != 0 {
            plaintext.push(0);
        }
        plaintext.resize(plaintext.len() + 16 * pad_to, 0);
        let envelope = seal_raw(nonce, "t", "c", "r", &plaintext);
        let ctx = FieldContext::new("t", "c", "r").unwrap();
        match dek().open(&ctx, &envelope) {
            Ok(value) => prop_assert_eq!(dek().seal_with_nonce(&ctx, &value, nonce), envelope),
            Err(e) => prop_assert!(matches!(e, CryptoError::Malformed(_)), "{e:?}"),
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Flipping any single bit anywhere is rejected: the version and key id with their own
    /// errors, every other bit by authentication.
    #[test]
    fn any_bit_flip_is_rejected((table, column, row) in parts(), value in value(40)) {
        let ctx = FieldContext::new(&table, &column, &row).unwrap();
        let dek = dek();
        let envelope = dek.seal(&ctx, &value);
        for bit in 0..envelope.len() * 8 {
            let mut flipped = envelope.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let expected = match bit / 8 {
                0 => CryptoError::UnsupportedVersion(flipped[0]),
                byte @ 1..=4 => CryptoError::UnknownKey(KEY_ID ^ (1 << ((4 - byte) * 8 + bit % 8))),
                _ => CryptoError::AuthenticationFailed,
            };
            prop_assert_eq!(dek.open(&ctx, &flipped), Err(expected), "bit {}", bit);
            // Even a key that has the flipped id cannot open it.
            if (1..=4).contains(&(bit / 8)) {
                let same_key = DataKey::new(
                    parse_header(&flipped).unwrap().key_id,
                    &KeyMaterial::from_bytes(KEY_BYTES),
                );
                prop_assert_eq!(same_key.open(&ctx, &flipped), Err(CryptoError::AuthenticationFailed));
            }
        }
    }

    /// Every truncation and every extension is rejected.
    #[test]
    fn truncation_and_extension_are_rejected(
        (table, column, row) in parts(),
        value in value(60),
        extra in prop::collection::vec(any::<u8>(), 1..40),
    ) {
        let ctx = FieldContext::new(&table, &column, &row).unwrap();
        let dek = dek();
        let envelope = dek.seal(&ctx, &value);
        for len in 0..envelope.len() {
            let result = dek.open(&ctx, &envelope[..len]);
            prop_assert!(
                matches!(result, Err(CryptoError::Malformed(_)) | Err(CryptoError::AuthenticationFailed)),
                "len {}: {:?}", len, result
            );
        }
        let mut longer = envelope.clone();
        longer.extend_from_slice(&extra);
        let result = dek.open(&ctx, &longer);
        prop_assert!(
            matches!(result, Err(CryptoError::Malformed(_)) | Err(CryptoError::AuthenticationFailed)),
            "{:?}", result
        );
    }

    /// Moving a ciphertext to another table, column or row fails authentication.
    #[test]
    fn any_context_change_is_rejected(
        (table, column, row) in parts(),
        other in part(),
        which in 0usize..3,
        value in value(40),
    ) {
        let ctx = FieldContext::new(&table, &column, &row).unwrap();
        let mut moved = [table.as_str(), column.as_str(), row.as_str()];
        prop_assume!(moved[which] != other);
        moved[which] = &other;
        let elsewhere = FieldContext::new(moved[0], moved[1], moved[2]).unwrap();
        let dek = dek();
        let envelope = dek.seal(&ctx, &value);
        prop_assert_eq!(dek.open(&elsewhere, &envelope), Err(CryptoError::AuthenticationFailed));
        // And another key with the same id cannot open it either.
        let impostor = DataKey::new(KEY_ID, &KeyMaterial::generate());
        prop_assert_eq!(impostor.open(&ctx, &envelope), Err(CryptoError::AuthenticationFailed));
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Normalising twice is normalising once, for every normaliser and any input.
    #[test]
    fn normalisers_are_idempotent(value in any::<String>(), combining in "[a-zA-Z\u{300}-\u{36f}\u{1f600}ßΣς\u{345}\u{130}\u{131} ]{0,20}") {
        for normalizer in [Normalizer::Exact, Normalizer::Email, Normalizer::Digits] {
            for input in [&value, &combining] {
                let once = normalizer.normalize(input);
                prop_assert_eq!(normalizer.normalize(&once), once.clone(), "{:?}", normalizer);
            }
        }
    }

    /// Digits match whatever separators surround them, so do their indexes.
    #[test]
    fn digits_ignore_separators(
        digits in "[0-9]{1,20}",
        separators in prop::collection::vec("[-. /()+]{0,3}", 21),
        len in 8u8..=32,
    ) {
        let decorated: String = digits
            .chars()
            .zip(&separators)
            .flat_map(|(d, sep)| sep.chars().chain(std::iter::once(d)))
            .chain(separators[20].chars())
            .collect();
        prop_assert_eq!(Normalizer::Digits.normalize(&decorated), digits.clone());
        let key = BlindIndexKey::new(&KeyMaterial::from_bytes(KEY_BYTES));
        let len = BlindIndexLen::new(len).unwrap();
        prop_assert_eq!(
            key.index(Normalizer::Digits, &decorated, len),
            key.index(Normalizer::Digits, &digits, len)
        );
    }

    /// Email addresses match across case and surrounding whitespace.
    #[test]
    fn email_ignores_case_and_surrounding_space(
        local in "[a-zA-Z0-9._%+-]{1,20}",
        domain in "[a-zA-Z0-9-]{1,20}\\.[a-zA-Z]{2,6}",
        before in "[ \t\n\u{a0}\u{3000}]{0,3}",
        after in "[ \t\n\u{a0}\u{3000}]{0,3}",
    ) {
        let address = format!("{local}@{domain}");
        let decorated = format!("{before}{}{after}", address.to_uppercase());
        let key = BlindIndexKey::new(&KeyMaterial::from_bytes(KEY_BYTES));
        prop_assert_eq!(
            key.index(Normalizer::Email, &decorated, BlindIndexLen::DEFAULT),
            key.index(Normalizer::Email, &address.to_lowercase(), BlindIndexLen::DEFAULT)
        );
    }
}
