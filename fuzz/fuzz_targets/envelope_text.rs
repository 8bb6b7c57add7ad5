//! Reads arbitrary text as the `ic1.` text form of an envelope.
//!
//! Invariants: `from_text` accepts exactly the canonical texts (an independent check of strict
//! unpadded base64url), and what it accepts `to_text` writes back unchanged; any bytes go through
//! `to_text` and back unchanged.
#![no_main]

use inventario_core::crypto::{from_text, to_text, CryptoError};
use inventario_fuzz::is_canonical_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match from_text(text) {
        Ok(bytes) => {
            assert!(
                is_canonical_text(text),
                "accepted a non-canonical text form"
            );
            assert_eq!(to_text(&bytes), text, "the text form is not canonical");
        }
        Err(err) => {
            assert!(matches!(err, CryptoError::Malformed(_)), "{err:?}");
            assert!(!is_canonical_text(text), "refused a canonical text form");
        }
    }
    let written = to_text(text.as_bytes());
    assert!(is_canonical_text(&written));
    assert_eq!(from_text(&written).as_deref(), Ok(text.as_bytes()));
});
