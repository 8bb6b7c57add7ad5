//! Builds a genuine audit chain of 1 to 16 records from the input (hashes from
//! `RecordFields::chain_hash`), applies one change the input picks (a flipped byte or bit in any
//! field, a deleted, swapped or duplicated record, a truncation, a new `seq`, a field of malformed
//! length or value, a deletion with renumbering) and verifies the result with `ChainVerifier`.
//!
//! Invariants: nothing panics. Let `i` be the first position where the changed chain differs from
//! the genuine one. With no difference, every record checks and the verifier ends at the genuine
//! head (`next_seq`, `last_hash`, `checked`). When the changed chain is only a prefix of the
//! genuine one (truncation), every record of it checks. Otherwise the records before `i` check
//! and the record at `i` is refused: the MAC covers every stored field and `seq` and `prev_hash`
//! are compared, so a record that differs cannot check without forging the MAC. `classify` then
//! returns a break at the `seq` expected there (`after_seq + 1 + i`) with a message. The kind it
//! names is a diagnosis and is not asserted.
#![no_main]

use inventario_core::audit::{ChainVerifier, StoredRecord};
use inventario_fuzz::{ChainInput, AUDIT_KEY, AUDIT_TENANT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = ChainInput::split(data);
    let genuine = input.genuine_chain();
    let mut records = genuine.clone();
    input.mutation.apply(&mut records);

    let mut verifier =
        ChainVerifier::new(&AUDIT_KEY, AUDIT_TENANT, input.after_seq, input.after_hash);
    let head = input
        .head_known
        .then(|| input.after_seq + genuine.len() as u64);
    let exists = |hash: &[u8]| records.iter().any(|r| r.hash[..] == *hash);
    let mut broke = None;
    for (i, record) in records.iter().enumerate() {
        if verifier.check(record).is_err() {
            let found = verifier.classify(record, records.get(i + 1), &exists, head);
            broke = Some((i, found));
            break;
        }
    }

    let first_difference =
        (0..records.len().max(genuine.len())).find(|&i| records.get(i) != genuine.get(i));
    // The verifier saturates at u64::MAX; so does what it is expected to say.
    let expected_seq = |i: usize| input.after_seq.saturating_add(1 + i as u64);
    match first_difference {
        None => {
            assert_eq!(broke, None, "a genuine chain does not check");
            assert_eq!(verifier.checked(), genuine.len() as u64);
            // (No seq follows u64::MAX: then the next one is not asserted.)
            if let Some(next) = input.after_seq.checked_add(1 + genuine.len() as u64) {
                assert_eq!(verifier.next_seq(), next);
            }
            let last = genuine.last().map(|r: &StoredRecord| r.hash.clone());
            assert_eq!(Some(verifier.last_hash().to_vec()), last);
        }
        Some(i) if i >= records.len() => {
            assert_eq!(broke, None, "a genuine prefix does not check");
            assert_eq!(verifier.checked(), records.len() as u64);
        }
        Some(i) => {
            let Some((at, found)) = broke else {
                panic!("a chain changed at position {i} checks completely");
            };
            assert_eq!(
                at, i,
                "the chain breaks at position {at}, not at the first change {i}"
            );
            assert_eq!(verifier.checked(), i as u64);
            assert_eq!(found.seq, expected_seq(i), "{found:?}");
            assert!(!found.message.is_empty());
        }
    }
});
