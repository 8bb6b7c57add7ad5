//! Normalises arbitrary text with every blind-index normaliser.
//!
//! Invariants: each normaliser is idempotent; `exact` changes nothing; `digits` leaves ASCII
//! digits only, in order; a blind index of a value equals the blind index of its normal form (so
//! a lookup with a stored, already normalised value finds it), at every length, and a shorter
//! index is a prefix of a longer one.
#![no_main]

use inventario_core::crypto::{BlindIndexKey, BlindIndexLen, KeyMaterial, Normalizer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &str| {
    let key = BlindIndexKey::new(&KeyMaterial::from_bytes([0x0b; 32]));
    let short = BlindIndexLen::new(8).expect("8 is a valid length");
    let full = BlindIndexLen::new(32).expect("32 is a valid length");
    for normalizer in [Normalizer::Exact, Normalizer::Email, Normalizer::Digits] {
        assert_eq!(Normalizer::parse(normalizer.as_str()), Some(normalizer));
        let once = normalizer.normalize(value);
        let twice = normalizer.normalize(&once);
        assert_eq!(once, twice, "{normalizer:?} is not idempotent");
        match normalizer {
            Normalizer::Exact => assert_eq!(once, value),
            Normalizer::Digits => {
                assert!(once.bytes().all(|b| b.is_ascii_digit()));
                let expected: String = value.chars().filter(char::is_ascii_digit).collect();
                assert_eq!(once, expected);
            }
            Normalizer::Email => {
                assert_eq!(once.trim(), once, "email normal form has surrounding space");
            }
        }
        let index = key.index(normalizer, value, BlindIndexLen::DEFAULT);
        assert_eq!(index.len(), 16);
        assert_eq!(
            index,
            key.index(normalizer, &once, BlindIndexLen::DEFAULT),
            "{normalizer:?}: the index of a value differs from the index of its normal form"
        );
        let long = key.index(normalizer, value, full);
        assert_eq!(long.len(), 32);
        assert_eq!(&long[..16], &index[..]);
        assert_eq!(key.index(normalizer, value, short), &long[..8]);
    }
});
