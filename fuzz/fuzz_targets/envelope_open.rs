//! Opens arbitrary bytes as an envelope, in an arbitrary context, with the fixed data key (id 7).
//!
//! Invariants, beyond "never panics":
//! - `parse_header` gives exactly the header or error that `docs/FORMAT.md` prescribes, and
//!   `DataKey::open` fails with that same error when the shape is wrong, with `UnknownKey` when the
//!   envelope names another key;
//! - `open` authenticates exactly when an independent AES-256-GCM-SIV decryption with the
//!   documented AAD does;
//! - whatever opens re-seals, with the envelope's own nonce, to the envelope byte for byte (one
//!   encoding per value);
//! - the plaintext decoder, reached by sealing the envelope's ciphertext bytes as a padded
//!   plaintext with the oracle, either refuses them as `Malformed` or returns a value that
//!   re-seals to exactly that envelope.
#![no_main]

use inventario_core::crypto::{parse_header, CryptoError, FieldContext};
use inventario_fuzz::{
    data_key, envelope_nonce, expected_header, oracle_open, oracle_seal, EnvelopeInput,
    DATA_KEY_BYTES, DATA_KEY_ID,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(input) = EnvelopeInput::split(data) else {
        return;
    };
    let envelope = input.envelope;
    let header = parse_header(envelope);
    assert_eq!(header, expected_header(envelope));

    let ctx = match FieldContext::new(input.table, input.column, input.row_key) {
        Ok(ctx) => ctx,
        Err(err) => {
            // Parts are at most 255 bytes here: only an empty one is refused.
            assert!(
                input.table.is_empty() || input.column.is_empty() || input.row_key.is_empty(),
                "{err:?}"
            );
            assert!(matches!(err, CryptoError::InvalidContext(_)), "{err:?}");
            return;
        }
    };
    let dek = data_key();
    let opened = dek.open(&ctx, envelope);
    let header = match header {
        Err(err) => {
            assert_eq!(opened, Err(err));
            return;
        }
        Ok(header) => header,
    };
    assert_eq!(header.version, 1);
    let nonce = envelope_nonce(envelope).expect("a well-shaped envelope has a nonce");
    if header.key_id != DATA_KEY_ID {
        assert_eq!(opened, Err(CryptoError::UnknownKey(header.key_id)));
    } else {
        let authentic = oracle_open(&DATA_KEY_BYTES, &input).is_some();
        match &opened {
            Ok(value) => {
                assert!(
                    authentic,
                    "opened an envelope the oracle does not authenticate"
                );
                assert_eq!(
                    dek.seal_with_nonce(&ctx, value, nonce),
                    envelope,
                    "a decrypted value re-seals to another envelope"
                );
            }
            Err(CryptoError::AuthenticationFailed) => {
                assert!(!authentic, "refused an envelope the oracle authenticates");
            }
            Err(CryptoError::Malformed(_)) => {
                assert!(
                    authentic,
                    "decoded a plaintext that was never authenticated"
                );
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    // The decoder: take the envelope's ciphertext bytes as a padded plaintext and seal them with
    // the oracle, so that the fuzzer drives `decode_plaintext` directly.
    let padded = &envelope[17..envelope.len() - 16];
    let sealed = oracle_seal(&DATA_KEY_BYTES, DATA_KEY_ID, nonce, &input, padded);
    match dek.open(&ctx, &sealed) {
        Ok(value) => assert_eq!(
            dek.seal_with_nonce(&ctx, &value, nonce),
            sealed,
            "the decoder accepted a non-canonical plaintext encoding"
        ),
        Err(CryptoError::Malformed(_)) => {}
        Err(other) => panic!("an authentic envelope failed with {other:?}"),
    }
});
