//! Writes the seed corpora of the fuzz targets from `tests/vectors/envelope_v1.json`, in each
//! target's input layout (see `src/lib.rs`):
//!
//! ```sh
//! cd fuzz && cargo run --example seeds
//! ```
//!
//! - `envelope_open`: every positive vector's value re-sealed under the fixed key (id 7) with the
//!   vector's nonce and context; the vectors' own envelopes (other keys: `UnknownKey`); the
//!   negative vectors; and, for the plaintext decoder, every padded plaintext of the vectors
//!   (good and malformed) placed where the ciphertext goes.
//! - `envelope_text`: the vectors' text forms and a few refused ones.
//! - `normalizers`: the blind-index vectors' inputs and some awkward Unicode.
//! - `keyring_record`: the wrapped-key vectors (genuine under the fixed KEK), wraps made by the
//!   oracle for each purpose, and malformed ones.
//! - `audit_checkpoint`: checkpoints signed here with `ed25519-dalek` over the message layout of
//!   `src/lib.rs` and written out by hand (each must be accepted by `Checkpoint::from_text` and
//!   written back identically by `to_text`: an independent check of both), the first with CRLF
//!   line ends and surrounding whitespace, and a few refused edits.
//! - `audit_verifier`: genuine chains of 1, 3 and 16 records, from genesis and from later
//!   positions, unchanged and with each kind of change.
//!
//! Seeds are named after their content, so running it again changes nothing.

use std::collections::hash_map::DefaultHasher;
use std::error::Error;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};
use inventario_core::audit::Checkpoint;
use inventario_core::crypto::{DataKey, FieldContext, KeyMaterial, KeyPurpose, WrapContext};
use inventario_fuzz::{
    checkpoint_message, data_key, kek, oracle_open, oracle_wrap, ChainInput, EnvelopeInput,
    Mutation, RecordSpec, WrapInput, DATA_KEY_ID, MUTATION_KINDS,
};
use serde_json::Value;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vectors: Value = serde_json::from_str(&fs::read_to_string(
        root.join("../tests/vectors/envelope_v1.json"),
    )?)?;
    let corpus = root.join("corpus");
    let counts = [
        ("envelope_open", envelope_open(&vectors)?),
        ("envelope_text", envelope_text(&vectors)),
        ("normalizers", normalizers(&vectors)),
        ("keyring_record", keyring_record(&vectors)?),
        ("audit_checkpoint", audit_checkpoint()?),
        ("audit_verifier", audit_verifier()),
    ];
    for (target, seeds) in counts {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir)?;
        for seed in &seeds {
            fs::write(seed_path(&dir, seed), seed)?;
        }
        println!("{target}: {} seeds", seeds.len());
    }
    Ok(())
}

fn seed_path(dir: &Path, seed: &[u8]) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    seed.hash(&mut hasher);
    dir.join(format!("seed-{:016x}", hasher.finish()))
}

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str> {
    v[field]
        .as_str()
        .ok_or_else(|| format!("vector field {field} is not a string").into())
}

fn bytes(v: &Value, field: &str) -> Result<Vec<u8>> {
    Ok(hex::decode(text(v, field)?)?)
}

fn key32(hex_key: &str) -> Result<[u8; 32]> {
    let key = hex::decode(hex_key)?;
    key.try_into()
        .map_err(|_| "a vector key is not 32 bytes".into())
}

fn number(v: &Value, field: &str) -> Result<u32> {
    let n = v[field]
        .as_u64()
        .ok_or_else(|| format!("vector field {field} is not a number"))?;
    Ok(u32::try_from(n)?)
}

fn list<'a>(vectors: &'a Value, name: &str) -> Result<&'a Vec<Value>> {
    vectors[name]
        .as_array()
        .ok_or_else(|| format!("no {name} vectors").into())
}

/// A seed of the decoder path: a well-shaped envelope under key 7 whose ciphertext bytes are the
/// padded plaintext itself (the target seals them with the oracle).
fn decoder_seed(input: &EnvelopeInput<'_>, nonce: &[u8], padded: &[u8]) -> Vec<u8> {
    let mut envelope = vec![1];
    envelope.extend_from_slice(&DATA_KEY_ID.to_be_bytes());
    envelope.extend_from_slice(nonce);
    envelope.extend_from_slice(padded);
    envelope.extend_from_slice(&[0; 16]);
    EnvelopeInput {
        envelope: &envelope,
        ..*input
    }
    .join()
}

fn fits(parts: &[&str]) -> bool {
    parts.iter().all(|p| p.len() <= 255)
}

fn envelope_open(vectors: &Value) -> Result<Vec<Vec<u8>>> {
    let fixed = data_key();
    let mut seeds = Vec::new();
    for v in list(vectors, "positive")? {
        let (table, column, row_key) = (text(v, "table")?, text(v, "column")?, text(v, "row_key")?);
        if !fits(&[table, column, row_key]) {
            continue;
        }
        let ctx = FieldContext::new(table, column, row_key)?;
        let envelope = bytes(v, "envelope")?;
        let own = DataKey::new(
            number(v, "key_id")?,
            &KeyMaterial::from_bytes(key32(text(v, "key")?)?),
        );
        let value = own.open(&ctx, &envelope)?;
        let nonce: [u8; 12] = bytes(v, "nonce")?
            .try_into()
            .map_err(|_| "a vector nonce is not 12 bytes")?;
        let resealed = fixed.seal_with_nonce(&ctx, &value, nonce);
        let input = EnvelopeInput {
            table,
            column,
            row_key,
            envelope: &resealed,
        };
        seeds.push(input.join());
        seeds.push(
            EnvelopeInput {
                envelope: &envelope,
                ..input
            }
            .join(),
        );
        seeds.push(decoder_seed(&input, &nonce, &bytes(v, "padded_plaintext")?));
    }
    for v in list(vectors, "negative")? {
        let (table, column, row_key) = (text(v, "table")?, text(v, "column")?, text(v, "row_key")?);
        if !fits(&[table, column, row_key]) {
            continue;
        }
        let envelope = bytes(v, "envelope")?;
        let input = EnvelopeInput {
            table,
            column,
            row_key,
            envelope: &envelope,
        };
        seeds.push(input.join());
        // Authentic envelopes with a malformed plaintext: their plaintext seeds the decoder.
        for key in v["keys"].as_array().into_iter().flatten() {
            if let Some(padded) = oracle_open(&key32(text(key, "key")?)?, &input) {
                seeds.push(decoder_seed(&input, &envelope[5..17], &padded));
            }
        }
    }
    Ok(seeds)
}

fn envelope_text(vectors: &Value) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = [
        "", "ic1.", "ic1.-_8", "ic1.-_9", "ic1.A", "ic1.AA==", "IC1.AA",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for v in vectors["positive"].as_array().into_iter().flatten() {
        if let Some(text) = v["text"].as_str() {
            seeds.push(text.as_bytes().to_vec());
        }
    }
    seeds
}

fn normalizers(vectors: &Value) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = [
        "  Ana@Example.COM ",
        "STRASSE@x.de",
        "straße@X.DE",
        "ΟΔΟΣ@x.gr",
        "Jose\u{301}@x.ar",
        "\u{3000}\tİstanbul@x.tr\n\u{a0}",
        "20-12345678-6",
        "+54 9 11 4444-5555",
        "١٢٣ 45",
        "ᾼ\u{345}\u{301}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for v in vectors["blind_index"].as_array().into_iter().flatten() {
        if let Some(input) = v["input"].as_str() {
            seeds.push(input.as_bytes().to_vec());
        }
    }
    seeds
}

fn keyring_record(vectors: &Value) -> Result<Vec<Vec<u8>>> {
    let kek = kek();
    let mut seeds = Vec::new();
    for v in list(vectors, "wrapped_keys")? {
        let purpose = KeyPurpose::parse(text(v, "purpose")?).ok_or("unknown purpose")?;
        let ctx = WrapContext {
            tenant: text(v, "tenant")?,
            purpose,
            key_id: number(v, "key_id")?,
            scope: text(v, "scope")?,
            mk_version: number(v, "mk_version")?,
        };
        let wrapped = bytes(v, "wrapped")?;
        // The vectors must be genuine under the fixed KEK, or these seeds would seed nothing.
        kek.unwrap(&wrapped, &ctx)?;
        seeds.push(
            WrapInput {
                ctx,
                wrapped: &wrapped,
            }
            .join(),
        );
    }
    let contexts = [
        ("default", KeyPurpose::Data, 1, "global", 1),
        ("default", KeyPurpose::Data, 42, "customer:42", 2),
        (
            "sucursal-norte",
            KeyPurpose::BlindIndex,
            3,
            "9:customers.email",
            1,
        ),
        ("default", KeyPurpose::Audit, u32::MAX, "audit", u32::MAX),
        ("ñandú", KeyPurpose::Data, 0, "🧉", 0),
    ];
    for (i, (tenant, purpose, key_id, scope, mk_version)) in contexts.into_iter().enumerate() {
        let ctx = WrapContext {
            tenant,
            purpose,
            key_id,
            scope,
            mk_version,
        };
        let index = u8::try_from(i)?;
        let wrapped = oracle_wrap(&[index.wrapping_mul(37); 32], [index; 12], &ctx);
        kek.unwrap(&wrapped, &ctx)?;
        seeds.push(
            WrapInput {
                ctx,
                wrapped: &wrapped,
            }
            .join(),
        );
        let mut other_version = wrapped.clone();
        other_version[0] = 2;
        for bad in [&wrapped[..0], &wrapped[..1], &wrapped[..60], &other_version] {
            seeds.push(WrapInput { ctx, wrapped: bad }.join());
        }
    }
    Ok(seeds)
}

/// The text form of a checkpoint, written here from the format of `Checkpoint::to_text`.
fn checkpoint_text(
    seed: &[u8; 32],
    store_id: [u8; 16],
    tenant: &str,
    seq: u64,
    hash: [u8; 32],
    (at, at_micros): (&str, i64),
) -> String {
    let key = SigningKey::from_bytes(seed);
    let signature = key.sign(&checkpoint_message(
        &store_id, tenant, seq, &hash, at_micros,
    ));
    format!(
        "-----BEGIN INVENTARIO CHECKPOINT-----\nversion: 1\nstore: {}\ntenant: {tenant}\nseq: {seq}\nhash: {}\nat: {at}\nkey: {}\nsignature: {}\n-----END INVENTARIO CHECKPOINT-----\n",
        hex::encode(store_id),
        hex::encode(hash),
        hex::encode(key.verifying_key().to_bytes()),
        hex::encode(signature.to_bytes()),
    )
}

fn audit_checkpoint() -> Result<Vec<Vec<u8>>> {
    // Times with their microseconds since the epoch, computed apart from chrono.
    let texts = [
        checkpoint_text(
            &[9; 32],
            [1; 16],
            "default",
            42,
            [7; 32],
            ("2026-11-23T12:34:56.123456Z", 1_795_437_296_123_456),
        ),
        checkpoint_text(
            &[1; 32],
            *b"inventario-store",
            "sucursal-norte",
            0,
            [0; 32],
            ("2026-01-01T00:00:00.000000Z", 1_767_225_600_000_000),
        ),
        checkpoint_text(
            &[0x42; 32],
            [0xff; 16],
            "ñandú 🧉",
            u64::MAX,
            [0xff; 32],
            ("1969-12-31T23:59:59.999999Z", -1),
        ),
        checkpoint_text(
            &[0; 32],
            [0; 16],
            "t",
            1,
            [0xa5; 32],
            ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999_999),
        ),
        checkpoint_text(
            &[0xee; 32],
            [0x10; 16],
            "x",
            7,
            [0x5a; 32],
            ("0000-01-01T00:00:00.000000Z", -62_167_219_200_000_000),
        ),
    ];
    let mut seeds = Vec::new();
    for text in &texts {
        let checkpoint = Checkpoint::from_text(text)?;
        if checkpoint.to_text() != *text {
            return Err(format!("to_text differs from the seed:\n{text}").into());
        }
        seeds.push(text.as_bytes().to_vec());
    }
    let first = &texts[0];
    let variants = [
        format!("\n  {}  \n", first.replace('\n', "\r\n")),
        first.replace("seq: 42", "seq: 43"),
        first.replace("version: 1", "version: 2"),
        first.replace("-----END INVENTARIO CHECKPOINT-----\n", ""),
        first.to_uppercase(),
        String::new(),
    ];
    seeds.extend(variants.iter().map(|v| v.as_bytes().to_vec()));
    Ok(seeds)
}

fn audit_verifier() -> Vec<Vec<u8>> {
    let record = |i: u8| RecordSpec {
        event_id: [i; 16],
        at_micros: 1_795_437_296_000_000 + i64::from(i) * 1_000_000,
        actor: format!("cajero-{i}"),
        event_type: ["STOCK_MOVEMENT", "ENCRYPTED_DATA_DECRYPT", "LOGIN_FAILED"]
            [usize::from(i % 3)]
        .into(),
        target_table: "stock_movements".into(),
        target_key: i.to_string(),
        failed: i % 4 == 3,
        key_id: (i % 2 == 1).then_some(u32::from(i)),
        detail: format!("{{\"rows\":{i}}}"),
    };
    let starts = [(0, [0; 32]), (41, [7; 32]), (u64::MAX - 17, [0xff; 32])];
    let mut seeds = Vec::new();
    for (n, (after_seq, after_hash)) in [1u8, 3, 16].into_iter().zip(starts) {
        for kind in 0..MUTATION_KINDS.len() {
            let input = ChainInput {
                after_seq,
                after_hash,
                head_known: kind % 2 == 0,
                mutation: Mutation {
                    kind: u8::try_from(kind).unwrap_or(0),
                    a: n / 2,
                    b: u8::try_from(kind).unwrap_or(0) + 3,
                    c: 5,
                    value: 0x81,
                },
                records: (0..n).map(record).collect(),
            };
            seeds.push(input.join());
        }
    }
    seeds
}
