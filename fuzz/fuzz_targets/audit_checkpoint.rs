//! Reads arbitrary bytes (decoded lossily as UTF-8) as a text checkpoint.
//!
//! Invariants: `Checkpoint::from_text` never panics; what it accepts has a signature that
//! verifies, both through the library and with `ed25519-dalek` directly over the signed message
//! written again from its documented layout; its `to_text` is read back into an equal checkpoint
//! (the text form loses nothing), and that checkpoint writes the same text again.
#![no_main]

use inventario_core::audit::Checkpoint;
use inventario_fuzz::oracle_checkpoint_verifies;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(checkpoint) = Checkpoint::from_text(&text) else {
        return;
    };
    assert_eq!(checkpoint.verify_signature(), Ok(()));
    assert!(
        oracle_checkpoint_verifies(&checkpoint),
        "accepted a checkpoint whose signature does not verify: {checkpoint:?}"
    );
    let written = checkpoint.to_text();
    let back = Checkpoint::from_text(&written)
        .unwrap_or_else(|err| panic!("its own text is refused ({err}): {written}"));
    assert_eq!(
        back, checkpoint,
        "the text form does not carry the checkpoint: {text:?} became {written:?}"
    );
    assert_eq!(back.to_text(), written);
});
