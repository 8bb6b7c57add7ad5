//! Unwraps arbitrary bytes as a stored key record (wrapped key, tenant, scope, purpose, key id,
//! master-key version) with the fixed KEK.
//!
//! Invariants: the shape errors come in the documented order; `Kek::unwrap` succeeds exactly
//! when an independent AES-256-GCM-SIV unwrap with the documented AAD does (so only genuine wraps
//! open), and then the oracle's wrap of the key with the same nonce is the input byte for byte;
//! a genuine wrap round-trips through `Kek::wrap`/`Kek::unwrap` and does not open under another
//! master-key version.
#![no_main]

use inventario_core::crypto::{CryptoError, WrapContext};
use inventario_fuzz::{expected_wrap_shape_error, kek, oracle_unwrap, oracle_wrap, WrapInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(WrapInput { ctx, wrapped }) = WrapInput::split(data) else {
        return;
    };
    let kek = kek();
    let unwrapped = kek.unwrap(wrapped, &ctx);
    if let Some(err) = expected_wrap_shape_error(wrapped) {
        assert_eq!(unwrapped.err(), Some(err));
        return;
    }
    match (unwrapped, oracle_unwrap(wrapped, &ctx)) {
        (Ok(key), Some(genuine)) => {
            assert_eq!(key.expose(), &genuine);
            let mut nonce = [0u8; 12];
            nonce.copy_from_slice(&wrapped[1..13]);
            assert_eq!(oracle_wrap(key.expose(), nonce, &ctx), wrapped);
            let rewrapped = kek.wrap(&key, &ctx).expect("tenant and scope are short");
            assert_eq!(
                kek.unwrap(&rewrapped, &ctx).map(|k| *k.expose()),
                Ok(genuine)
            );
            let other_version = WrapContext {
                mk_version: ctx.mk_version.wrapping_add(1),
                ..ctx
            };
            assert_eq!(
                kek.unwrap(wrapped, &other_version).err(),
                Some(CryptoError::AuthenticationFailed)
            );
        }
        (Err(CryptoError::AuthenticationFailed), None) => {}
        (Ok(_), None) => panic!("unwrapped a key that is not a genuine wrap"),
        (Err(err), Some(_)) => panic!("refused a genuine wrap: {err:?}"),
        (Err(err), None) => panic!("unexpected error {err:?}"),
    }
});
