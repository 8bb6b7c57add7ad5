//! Wycheproof vectors for the primitives under the field cipher: AES-GCM-SIV, HMAC-SHA256,
//! HKDF-SHA256 and PBKDF2-HMAC-SHA256, run against the exact crates the crypto layer uses.
//!
//! The vectors live outside the repository, in `<workspace>/../shared/vectors/wycheproof`; when
//! that folder is absent the tests say so on stderr and pass. Every case of every file is run
//! (all key sizes), honouring `result`: `valid` must match, `invalid` must be rejected,
//! `acceptable` may go either way. Each test asserts how many cases it ran.

use std::io::Write as _;
use std::path::PathBuf;

use aes_gcm_siv::aead::{AeadInPlace, KeyInit};
use aes_gcm_siv::{Aes128GcmSiv, Aes256GcmSiv, Nonce, Tag};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

fn vectors_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/wycheproof"
    ))
}

/// The file's JSON, or `None` (with a note on stderr) when the shared vectors are not there.
fn load(file: &str) -> Option<Value> {
    let dir = vectors_dir();
    if !dir.is_dir() {
        // Written to the stderr handle itself, not through eprintln!, which the test harness
        // captures and hides for passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: ../shared/vectors not found ({} does not exist)",
            dir.display()
        );
        return None;
    }
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}")))
}

/// Every test case with its group, checking the file's own count.
fn cases(doc: &Value) -> Vec<(&Value, &Value)> {
    let groups = doc["testGroups"].as_array().expect("testGroups");
    let all: Vec<_> = groups
        .iter()
        .flat_map(|g| {
            g["tests"]
                .as_array()
                .expect("tests")
                .iter()
                .map(move |t| (g, t))
        })
        .collect();
    assert_eq!(
        Some(all.len() as u64),
        doc["numberOfTests"].as_u64(),
        "numberOfTests"
    );
    all
}

fn hex_field(case: &Value, name: &str) -> Vec<u8> {
    hex::decode(case[name].as_str().unwrap_or_else(|| panic!("{name}")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Valid,
    Invalid,
    Acceptable,
}

fn expected(case: &Value) -> Expected {
    match case["result"].as_str() {
        Some("valid") => Expected::Valid,
        Some("invalid") => Expected::Invalid,
        Some("acceptable") => Expected::Acceptable,
        other => panic!("tcId {}: unknown result {other:?}", case["tcId"]),
    }
}

/// Checks one outcome against `result`: `Some(output)` when the primitive accepted the case,
/// `None` when it refused it.
fn check(case: &Value, outcome: Option<Vec<u8>>, want: &[u8]) {
    let id = &case["tcId"];
    match (expected(case), outcome) {
        (Expected::Valid, Some(got)) => {
            assert_eq!(hex::encode(got), hex::encode(want), "tcId {id}")
        }
        (Expected::Valid, None) => panic!("tcId {id}: valid case rejected"),
        (Expected::Invalid, Some(_)) => panic!("tcId {id}: invalid case accepted"),
        (Expected::Invalid, None) | (Expected::Acceptable, _) => {}
    }
}

fn seal(key: &[u8], nonce: &[u8], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    let mut buffer = msg.to_vec();
    let nonce = Nonce::from_slice(nonce);
    let tag = match key.len() {
        16 => Aes128GcmSiv::new_from_slice(key)
            .ok()?
            .encrypt_in_place_detached(nonce, aad, &mut buffer),
        32 => Aes256GcmSiv::new_from_slice(key)
            .ok()?
            .encrypt_in_place_detached(nonce, aad, &mut buffer),
        _ => return None,
    }
    .ok()?;
    buffer.extend_from_slice(&tag);
    Some(buffer)
}

fn open(key: &[u8], nonce: &[u8], aad: &[u8], ct: &[u8], tag: &[u8]) -> Option<Vec<u8>> {
    if nonce.len() != 12 || tag.len() != 16 {
        return None;
    }
    let mut buffer = ct.to_vec();
    let (nonce, tag) = (Nonce::from_slice(nonce), Tag::from_slice(tag));
    match key.len() {
        16 => Aes128GcmSiv::new_from_slice(key)
            .ok()?
            .decrypt_in_place_detached(nonce, aad, &mut buffer, tag),
        32 => Aes256GcmSiv::new_from_slice(key)
            .ok()?
            .decrypt_in_place_detached(nonce, aad, &mut buffer, tag),
        _ => return None,
    }
    .ok()?;
    Some(buffer)
}

#[test]
fn aes_gcm_siv() {
    let Some(doc) = load("aes_gcm_siv_test.json") else {
        return;
    };
    let (mut run, mut aes256, mut rejected) = (0, 0, 0);
    for (group, case) in cases(&doc) {
        let key = hex_field(case, "key");
        assert_eq!(Some(key.len() as u64 * 8), group["keySize"].as_u64());
        let (iv, aad, msg) = (
            hex_field(case, "iv"),
            hex_field(case, "aad"),
            hex_field(case, "msg"),
        );
        let (ct, tag) = (hex_field(case, "ct"), hex_field(case, "tag"));
        // Decryption: valid cases give the message back, invalid ones are refused.
        let opened = open(&key, &iv, &aad, &ct, &tag);
        if opened.is_none() {
            rejected += 1;
        }
        check(case, opened, &msg);
        // Encryption: a valid case's ciphertext and tag are what we compute.
        if expected(case) == Expected::Valid {
            let mut want = ct.clone();
            want.extend_from_slice(&tag);
            check(case, seal(&key, &iv, &aad, &msg), &want);
        }
        run += 1;
        if key.len() == 32 {
            aes256 += 1;
        }
    }
    assert_eq!(run, 202);
    assert_eq!(aes256, 103);
    assert_eq!(rejected, 66);
}

#[test]
fn hmac_sha256() {
    let Some(doc) = load("hmac_sha256_test.json") else {
        return;
    };
    let mut run = 0;
    for (group, case) in cases(&doc) {
        let tag_len = usize::try_from(group["tagSize"].as_u64().expect("tagSize") / 8).unwrap();
        let (key, msg, tag) = (
            hex_field(case, "key"),
            hex_field(case, "msg"),
            hex_field(case, "tag"),
        );
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("any key length");
        mac.update(&msg);
        let full = mac.clone().finalize().into_bytes();
        let computed = full[..tag_len].to_vec();
        // A MAC "accepts" a case when the tag it computes is the case's tag.
        let accepted = computed == tag;
        check(case, accepted.then_some(computed), &tag);
        // The verifying API agrees: a truncated tag is checked on its leftmost bytes.
        let verified = if tag.len() == tag_len {
            mac.verify_truncated_left(&tag).is_ok()
        } else {
            false
        };
        assert_eq!(
            verified,
            expected(case) == Expected::Valid,
            "tcId {}",
            case["tcId"]
        );
        run += 1;
    }
    assert_eq!(run, 174);
}

#[test]
fn hkdf_sha256() {
    let Some(doc) = load("hkdf_sha256_test.json") else {
        return;
    };
    let mut run = 0;
    for (_, case) in cases(&doc) {
        let (ikm, salt, info) = (
            hex_field(case, "ikm"),
            hex_field(case, "salt"),
            hex_field(case, "info"),
        );
        let size = usize::try_from(case["size"].as_u64().expect("size")).unwrap();
        let mut okm = vec![0u8; size];
        let outcome = Hkdf::<Sha256>::new(Some(&salt), &ikm)
            .expand(&info, &mut okm)
            .ok()
            .map(|()| okm);
        check(case, outcome, &hex_field(case, "okm"));
        run += 1;
    }
    assert_eq!(run, 86);
}

#[test]
fn pbkdf2_hmac_sha256() {
    let Some(doc) = load("pbkdf2_hmacsha256_test.json") else {
        return;
    };
    let mut run = 0;
    for (_, case) in cases(&doc) {
        let (password, salt) = (hex_field(case, "password"), hex_field(case, "salt"));
        let rounds = u32::try_from(case["iterationCount"].as_u64().expect("iterationCount"))
            .expect("u32 rounds");
        let len = usize::try_from(case["dkLen"].as_u64().expect("dkLen")).unwrap();
        let mut dk = vec![0u8; len];
        pbkdf2::pbkdf2_hmac::<Sha256>(&password, &salt, rounds, &mut dk);
        check(case, Some(dk), &hex_field(case, "dk"));
        run += 1;
    }
    assert_eq!(run, 60);
}
