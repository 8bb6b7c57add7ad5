//! What the fuzz targets share: the fixed keys, the layout of each target's input (split here and
//! joined by the seed generator, `examples/seeds.rs`), and independent oracles written from
//! `docs/FORMAT.md` with `aes-gcm-siv` directly (and, for checkpoints, with `ed25519-dalek` over
//! the signed message that `core/src/audit/checkpoint.rs` documents), so that a target checks the
//! library against the specification rather than against itself.
//!
//! Nothing here may panic on any input: a panic is a finding, and it must come from a target's
//! assertion about the library, never from this harness.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use aes_gcm_siv::aead::{AeadInPlace, KeyInit};
use aes_gcm_siv::{Aes256GcmSiv, Key, Nonce, Tag};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use inventario_core::audit::{Checkpoint, RecordFields, Status, StoredRecord};
use inventario_core::crypto::{
    CryptoError, DataKey, EnvelopeHeader, Kek, KeyMaterial, KeyPurpose, MasterKey, WrapContext,
};
use uuid::Uuid;

/// The id of the fixed data key that `envelope_open` opens with.
pub const DATA_KEY_ID: u32 = 7;

/// The fixed data key's bytes (the key of the positive vectors with key id 1 in
/// `tests/vectors/envelope_v1.json`, reused here under id 7).
pub const DATA_KEY_BYTES: [u8; 32] = [
    0x18, 0x5a, 0xcf, 0x64, 0xe8, 0xbe, 0x8d, 0x78, 0xee, 0xbb, 0x7f, 0x61, 0x13, 0x80, 0x49, 0xc1,
    0xa8, 0xc2, 0xee, 0xbc, 0x78, 0xd1, 0x98, 0x63, 0xcc, 0xcd, 0x46, 0xc8, 0x57, 0x3b, 0x71, 0x2c,
];

/// The master key of the `master-key-hex` vector; every wrapped-key vector is wrapped under its
/// KEK, so those vectors are genuine wraps for `keyring_record`.
pub const MASTER_KEY_HEX: &str = "ef6a6002657f61b6e7328abd81d1f851882970a4aaf5e7b7c620e22f55511a85";

/// The KEK of [`MASTER_KEY_HEX`], as the vector states it: the oracle wraps with these bytes,
/// the library with `Kek::derive`, so a derivation that drifted from the spec shows up too.
pub const KEK_BYTES: [u8; 32] = [
    0x07, 0x74, 0xc2, 0xba, 0xda, 0x5d, 0x04, 0xea, 0x10, 0x60, 0x66, 0x69, 0xb2, 0x9b, 0x32, 0xed,
    0x2b, 0x93, 0x9c, 0x50, 0x05, 0x7e, 0x64, 0xae, 0x89, 0x2c, 0xd8, 0xdb, 0x60, 0xd8, 0x62, 0x1b,
];

/// The fixed data key, as the library builds it.
pub fn data_key() -> DataKey {
    DataKey::new(DATA_KEY_ID, &KeyMaterial::from_bytes(DATA_KEY_BYTES))
}

/// The fixed KEK, as the library derives it.
pub fn kek() -> Kek {
    // A constant that the library accepts (the vectors pin it): this cannot fail.
    let master = MasterKey::from_hex(MASTER_KEY_HEX).expect("the vector master key is valid");
    Kek::derive(&master)
}

/// Envelope length limits (`docs/FORMAT.md`, "Envelope v1").
const HEADER_LEN: usize = 5;
const NONCE_END: usize = HEADER_LEN + 12;
const TAG_LEN: usize = 16;
const MIN_ENVELOPE: usize = NONCE_END + 16 + TAG_LEN;

/// Reads `len` bytes at the front of `rest`, or all of it when shorter.
fn take<'a>(rest: &mut &'a [u8], len: usize) -> &'a [u8] {
    let (head, tail) = rest.split_at(len.min(rest.len()));
    *rest = tail;
    head
}

/// `envelope_open`'s input: `[table len][column len][row len] table column row envelope`, the
/// lengths one byte each and the envelope the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeInput<'a> {
    /// The table, possibly empty (then the context is refused).
    pub table: &'a str,
    /// The column.
    pub column: &'a str,
    /// The row key.
    pub row_key: &'a str,
    /// The envelope bytes.
    pub envelope: &'a [u8],
}

impl<'a> EnvelopeInput<'a> {
    /// Splits fuzz input; `None` when it is shorter than the three lengths or a part is not UTF-8.
    pub fn split(data: &'a [u8]) -> Option<Self> {
        let (&[t, c, r], mut rest) = data.split_first_chunk::<3>()?;
        let table = std::str::from_utf8(take(&mut rest, usize::from(t))).ok()?;
        let column = std::str::from_utf8(take(&mut rest, usize::from(c))).ok()?;
        let row_key = std::str::from_utf8(take(&mut rest, usize::from(r))).ok()?;
        Some(EnvelopeInput {
            table,
            column,
            row_key,
            envelope: rest,
        })
    }

    /// The fuzz input that splits into `self` (context parts of at most 255 bytes).
    pub fn join(&self) -> Vec<u8> {
        let parts = [self.table, self.column, self.row_key];
        let mut out: Vec<u8> = parts.iter().map(|p| len_byte(p.len())).collect();
        for part in parts {
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(self.envelope);
        out
    }
}

fn len_byte(len: usize) -> u8 {
    u8::try_from(len).unwrap_or(u8::MAX)
}

/// The header that `parse_header` must return, computed from the table in `docs/FORMAT.md`:
/// empty → `Malformed`, version ≠ 1 → `UnsupportedVersion`, shorter than 49 bytes or a
/// ciphertext that is not a multiple of 16 → `Malformed`.
pub fn expected_header(envelope: &[u8]) -> Result<EnvelopeHeader, CryptoError> {
    match envelope {
        [] => Err(CryptoError::Malformed("envelope is empty")),
        [version, ..] if *version != 1 => Err(CryptoError::UnsupportedVersion(*version)),
        _ if envelope.len() < MIN_ENVELOPE => {
            Err(CryptoError::Malformed("envelope is shorter than 49 bytes"))
        }
        _ if !(envelope.len() - NONCE_END - TAG_LEN).is_multiple_of(16) => Err(
            CryptoError::Malformed("envelope ciphertext is not a multiple of 16 bytes"),
        ),
        [version, a, b, c, d, ..] => Ok(EnvelopeHeader {
            version: *version,
            key_id: u32::from_be_bytes([*a, *b, *c, *d]),
        }),
        // Shorter than 5 bytes was refused above.
        _ => Err(CryptoError::Malformed("envelope is shorter than 49 bytes")),
    }
}

/// The envelope's nonce (bytes 5..17); `None` when it is shorter than that.
pub fn envelope_nonce(envelope: &[u8]) -> Option<[u8; 12]> {
    envelope.get(HEADER_LEN..NONCE_END)?.try_into().ok()
}

/// `lp(x)`: big-endian u16 length, then the bytes (parts here are at most 255 bytes).
fn push_lp(out: &mut Vec<u8>, part: &[u8]) {
    let len = u16::try_from(part.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(part);
}

/// The envelope AAD: `"inventario-core/v1" ‖ header ‖ lp(table) ‖ lp(column) ‖ lp(row_key)`.
fn envelope_aad(header: &[u8], table: &str, column: &str, row_key: &str) -> Vec<u8> {
    let mut aad = b"inventario-core/v1".to_vec();
    aad.extend_from_slice(header);
    for part in [table, column, row_key] {
        push_lp(&mut aad, part.as_bytes());
    }
    aad
}

fn cipher(key: &[u8; 32]) -> Aes256GcmSiv {
    Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(key))
}

/// The oracle's envelope: `padded` (any bytes, a whole number of 16-byte blocks for a
/// well-formed envelope) sealed under `key` as key `key_id` with `nonce` for the given context.
/// This lets a target reach the plaintext decoder, which sits behind authentication.
pub fn oracle_seal(
    key: &[u8; 32],
    key_id: u32,
    nonce: [u8; 12],
    input: &EnvelopeInput<'_>,
    padded: &[u8],
) -> Vec<u8> {
    let mut out = vec![1];
    out.extend_from_slice(&key_id.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(padded);
    let aad = envelope_aad(&out[..HEADER_LEN], input.table, input.column, input.row_key);
    // Only plaintexts beyond 64 GiB fail; fuzz inputs are far smaller.
    let tag = cipher(key)
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut out[NONCE_END..])
        .expect("AES-GCM-SIV encrypts any fuzz-sized input");
    out.extend_from_slice(&tag);
    out
}

/// The oracle's decryption of a well-shaped envelope under `key`: the padded plaintext when the
/// tag verifies for the context, `None` otherwise (or when the envelope is too short).
pub fn oracle_open(key: &[u8; 32], input: &EnvelopeInput<'_>) -> Option<Vec<u8>> {
    let envelope = input.envelope;
    if envelope.len() < NONCE_END + TAG_LEN {
        return None;
    }
    let tag_at = envelope.len() - TAG_LEN;
    let aad = envelope_aad(
        &envelope[..HEADER_LEN],
        input.table,
        input.column,
        input.row_key,
    );
    let mut buffer = envelope[NONCE_END..tag_at].to_vec();
    cipher(key)
        .decrypt_in_place_detached(
            Nonce::from_slice(&envelope[HEADER_LEN..NONCE_END]),
            &aad,
            &mut buffer,
            Tag::from_slice(&envelope[tag_at..]),
        )
        .ok()?;
    Some(buffer)
}

/// Whether `text` is the canonical text form of some bytes: `ic1.` then unpadded base64url with
/// zero trailing bits, written here by hand rather than with the `base64` crate.
pub fn is_canonical_text(text: &str) -> bool {
    let Some(body) = text.strip_prefix("ic1.") else {
        return false;
    };
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    };
    let Some(values) = body.bytes().map(sextet).collect::<Option<Vec<u8>>>() else {
        return false;
    };
    // The last group of 2 or 3 characters carries 4 or 2 bits that must be zero; a group of 1
    // cannot encode a whole byte.
    match (values.len() % 4, values.last()) {
        (0, _) | (_, None) => true,
        (1, _) => false,
        (2, Some(last)) => last & 0x0f == 0,
        (_, Some(last)) => last & 0x03 == 0,
    }
}

/// `keyring_record`'s input: `[purpose][key id: 4, BE][mk version: 4, BE][tenant len][scope len]
/// tenant scope wrapped`, the wrapped key the rest.
#[derive(Debug, Clone, Copy)]
pub struct WrapInput<'a> {
    /// The wrapping context.
    pub ctx: WrapContext<'a>,
    /// The wrapped key bytes.
    pub wrapped: &'a [u8],
}

/// The purpose a byte stands for: its code (1 data, 2 blind index, 3 audit, 4 audit signing),
/// any other byte taken modulo 4 onto the same four.
pub fn purpose_of(byte: u8) -> KeyPurpose {
    match byte % 4 {
        1 => KeyPurpose::Data,
        2 => KeyPurpose::BlindIndex,
        3 => KeyPurpose::Audit,
        _ => KeyPurpose::AuditSigning,
    }
}

impl<'a> WrapInput<'a> {
    /// Splits fuzz input; `None` when it is shorter than the fixed fields or a string is not UTF-8.
    pub fn split(data: &'a [u8]) -> Option<Self> {
        let (&[purpose, k0, k1, k2, k3, m0, m1, m2, m3, t, s], mut rest) =
            data.split_first_chunk::<11>()?;
        let tenant = std::str::from_utf8(take(&mut rest, usize::from(t))).ok()?;
        let scope = std::str::from_utf8(take(&mut rest, usize::from(s))).ok()?;
        Some(WrapInput {
            ctx: WrapContext {
                tenant,
                purpose: purpose_of(purpose),
                key_id: u32::from_be_bytes([k0, k1, k2, k3]),
                scope,
                mk_version: u32::from_be_bytes([m0, m1, m2, m3]),
            },
            wrapped: rest,
        })
    }

    /// The fuzz input that splits into `self` (tenant and scope of at most 255 bytes).
    pub fn join(&self) -> Vec<u8> {
        let mut out = vec![self.ctx.purpose.code()];
        out.extend_from_slice(&self.ctx.key_id.to_be_bytes());
        out.extend_from_slice(&self.ctx.mk_version.to_be_bytes());
        out.push(len_byte(self.ctx.tenant.len()));
        out.push(len_byte(self.ctx.scope.len()));
        out.extend_from_slice(self.ctx.tenant.as_bytes());
        out.extend_from_slice(self.ctx.scope.as_bytes());
        out.extend_from_slice(self.wrapped);
        out
    }
}

/// The wrapping AAD: `"inventario-core/v1 wrap" ‖ lp(tenant) ‖ purpose code ‖ key_id BE ‖
/// lp(scope) ‖ mk_version BE`.
fn wrap_aad(ctx: &WrapContext<'_>) -> Vec<u8> {
    let mut aad = b"inventario-core/v1 wrap".to_vec();
    push_lp(&mut aad, ctx.tenant.as_bytes());
    aad.push(ctx.purpose.code());
    aad.extend_from_slice(&ctx.key_id.to_be_bytes());
    push_lp(&mut aad, ctx.scope.as_bytes());
    aad.extend_from_slice(&ctx.mk_version.to_be_bytes());
    aad
}

/// The oracle's wrap of `key` under [`KEK_BYTES`]: `0x01 ‖ nonce ‖ AES-256-GCM-SIV(key) ‖ tag`.
pub fn oracle_wrap(key: &[u8; 32], nonce: [u8; 12], ctx: &WrapContext<'_>) -> Vec<u8> {
    let mut out = vec![1];
    out.extend_from_slice(&nonce);
    out.extend_from_slice(key);
    let tag = cipher(&KEK_BYTES)
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), &wrap_aad(ctx), &mut out[13..])
        .expect("AES-GCM-SIV encrypts a 32-byte key");
    out.extend_from_slice(&tag);
    out
}

/// The oracle's unwrap under [`KEK_BYTES`]: the key when `wrapped` is 61 bytes starting with 1
/// and its tag verifies for `ctx`.
pub fn oracle_unwrap(wrapped: &[u8], ctx: &WrapContext<'_>) -> Option<[u8; 32]> {
    if wrapped.len() != 61 || wrapped[0] != 1 {
        return None;
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&wrapped[13..45]);
    cipher(&KEK_BYTES)
        .decrypt_in_place_detached(
            Nonce::from_slice(&wrapped[1..13]),
            &wrap_aad(ctx),
            &mut key,
            Tag::from_slice(&wrapped[45..]),
        )
        .ok()?;
    Some(key)
}

/// The error `Kek::unwrap` must give for the shape of `wrapped` alone (`docs/FORMAT.md`,
/// "Wrapped keys"), or `None` when the shape is right and only authentication decides.
pub fn expected_wrap_shape_error(wrapped: &[u8]) -> Option<CryptoError> {
    match wrapped {
        [] => Some(CryptoError::Malformed("wrapped key is empty")),
        [version, ..] if *version != 1 => Some(CryptoError::UnsupportedVersion(*version)),
        _ if wrapped.len() != 61 => {
            Some(CryptoError::Malformed("wrapped key is not 61 bytes long"))
        }
        _ => None,
    }
}

/// The domain that starts every signed checkpoint message.
const CHECKPOINT_DOMAIN: &[u8] = b"inventario-core/v1 checkpoint";

/// What a checkpoint's Ed25519 signature covers, written from the layout documented on
/// `Checkpoint` / `signed_message` (`core/src/audit/checkpoint.rs`): `"inventario-core/v1
/// checkpoint" ‖ store id (16) ‖ tenant length (u32 BE) ‖ tenant ‖ seq (u64 BE) ‖ hash (32) ‖
/// microseconds since the epoch (i64 BE)`.
pub fn checkpoint_message(
    store_id: &[u8; 16],
    tenant: &str,
    seq: u64,
    hash: &[u8; 32],
    at_micros: i64,
) -> Vec<u8> {
    let mut out = CHECKPOINT_DOMAIN.to_vec();
    out.extend_from_slice(store_id);
    let len = u32::try_from(tenant.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(tenant.as_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(&at_micros.to_be_bytes());
    out
}

/// Whether `checkpoint`'s signature verifies under its own public key over
/// [`checkpoint_message`] (with `ed25519-dalek` directly, not through the library).
pub fn oracle_checkpoint_verifies(checkpoint: &Checkpoint) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(&checkpoint.public_key) else {
        return false;
    };
    let message = checkpoint_message(
        &checkpoint.store_id,
        &checkpoint.tenant,
        checkpoint.seq,
        &checkpoint.hash,
        checkpoint.at.timestamp_micros(),
    );
    key.verify(&message, &Signature::from_bytes(&checkpoint.signature))
        .is_ok()
}

/// The audit key of `audit_verifier`'s chains.
pub const AUDIT_KEY: [u8; 32] = [
    0x3c, 0x91, 0x0e, 0x5f, 0xa2, 0x47, 0xd8, 0x16, 0x6b, 0xf0, 0x29, 0x84, 0xc3, 0x5a, 0x1d, 0xe7,
    0x72, 0x08, 0xb9, 0x4e, 0x33, 0xca, 0x65, 0x9d, 0x01, 0xf6, 0x58, 0xaf, 0x24, 0x8b, 0xde, 0x40,
];

/// The tenant of `audit_verifier`'s chains.
pub const AUDIT_TENANT: &str = "default";

/// Most records in one `audit_verifier` chain.
pub const MAX_RECORDS: usize = 16;

/// Reads fuzz input front to back, like `arbitrary::Unstructured`: past the end every read gives
/// zeros (and strings come out empty), so every input decodes to some chain.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, len: usize) -> &'a [u8] {
        take(&mut self.rest, len)
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let head = self.bytes(N);
        out[..head.len()].copy_from_slice(head);
        out
    }

    fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }
}

/// One record of a genuine chain, before it is chained (its `seq`, `prev_hash` and `hash` come
/// from its position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSpec {
    /// The UUID bytes.
    pub event_id: [u8; 16],
    /// Microseconds since the epoch.
    pub at_micros: i64,
    /// Actor.
    pub actor: String,
    /// Event type name (not checked by the verifier: any string is chained).
    pub event_type: String,
    /// Target table.
    pub target_table: String,
    /// Target row key.
    pub target_key: String,
    /// `FAILED` rather than `SUCCESS`.
    pub failed: bool,
    /// The key id, if any.
    pub key_id: Option<u32>,
    /// Detail text.
    pub detail: String,
}

/// The one change `audit_verifier` makes to a genuine chain. `kind` picks it (taken modulo the
/// number of kinds, see [`Mutation::apply`]); `a`, `b`, `c` and `value` are its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mutation {
    /// Which change.
    pub kind: u8,
    /// Usually the record (modulo the chain length).
    pub a: u8,
    /// Usually the field, or the second record.
    pub b: u8,
    /// Usually the byte or bit position, or a length.
    pub c: u8,
    /// A value: an XOR mask, a new `seq` or a new key id.
    pub value: u64,
}

/// The kinds of [`Mutation`], in the order of their codes.
pub const MUTATION_KINDS: [&str; 9] = [
    "none",
    "flip a byte or bit of a field",
    "delete a record",
    "swap two records",
    "duplicate a record",
    "truncate the chain",
    "set a seq",
    "malformed field (length, status, key id)",
    "delete a record and renumber the rest",
];

/// Statuses that are not `SUCCESS` or `FAILED`.
const BAD_STATUSES: [&str; 6] = [
    "",
    "success",
    "SUCCESS ",
    "FAILED\0",
    "MAYBE",
    "SUCCESSFAILED",
];

fn flip_bytes(bytes: &mut Vec<u8>, at: u8, mask: u8) {
    if bytes.is_empty() {
        bytes.push(mask);
    } else {
        let i = usize::from(at) % bytes.len();
        bytes[i] ^= mask;
    }
}

fn flip_string(s: &mut String, at: u8, mask: u8) {
    let mut bytes = std::mem::take(s).into_bytes();
    flip_bytes(&mut bytes, at, mask);
    *s = String::from_utf8_lossy(&bytes).into_owned();
}

impl Mutation {
    /// Applies the change to `records` (a chain of at least one record). Some changes can leave
    /// the chain as it was (a length set to what it is, a lossy string that decodes the same):
    /// the target compares with the genuine chain rather than trusting the kind.
    pub fn apply(&self, records: &mut Vec<StoredRecord>) {
        if records.is_empty() {
            return;
        }
        let len = records.len();
        let i = usize::from(self.a) % len;
        let mask = u8::try_from(self.value & 0xff).unwrap_or(1).max(1);
        let bit = u32::from(self.c);
        match usize::from(self.kind) % MUTATION_KINDS.len() {
            1 => {
                let r = &mut records[i];
                match self.b % 12 {
                    0 => r.seq ^= 1u64 << (bit % 64),
                    1 => flip_bytes(&mut r.event_id, self.c, mask),
                    2 => r.at_micros ^= 1i64 << (bit % 64),
                    3 => flip_string(&mut r.actor, self.c, mask),
                    4 => flip_string(&mut r.event_type, self.c, mask),
                    5 => flip_string(&mut r.target_table, self.c, mask),
                    6 => flip_string(&mut r.target_key, self.c, mask),
                    7 => flip_string(&mut r.status, self.c, mask),
                    8 => {
                        r.key_id = Some(match r.key_id {
                            Some(id) => id ^ (1i64 << (bit % 32)),
                            None => i64::from(self.c),
                        })
                    }
                    9 => flip_string(&mut r.detail, self.c, mask),
                    10 => flip_bytes(&mut r.prev_hash, self.c, mask),
                    _ => flip_bytes(&mut r.hash, self.c, mask),
                }
            }
            2 => {
                records.remove(i);
            }
            3 => records.swap(i, usize::from(self.b) % len),
            4 => {
                let copy = records[i].clone();
                records.insert(i + 1, copy);
            }
            5 => records.truncate(i),
            6 => records[i].seq = self.value,
            7 => {
                let r = &mut records[i];
                match self.b % 6 {
                    0 => r.event_id.resize(usize::from(self.c) % 40, self.c),
                    1 => r.prev_hash.resize(usize::from(self.c) % 70, self.c),
                    2 => r.hash.resize(usize::from(self.c) % 70, self.c),
                    3 => {
                        r.status = BAD_STATUSES[usize::from(self.c) % BAD_STATUSES.len()].to_owned()
                    }
                    4 => r.key_id = Some(i64::from_be_bytes(self.value.to_be_bytes())),
                    _ => r.key_id = r.key_id.map_or(Some(0), |_| None),
                }
            }
            8 => {
                records.remove(i);
                for r in &mut records[i..] {
                    r.seq = r.seq.wrapping_sub(1);
                }
            }
            _ => {}
        }
    }
}

/// `audit_verifier`'s input: `[count][flags][kind][a][b][c][value: 8, BE]`, then, when flag bit 0
/// is set, `[after seq: 8, BE][after hash: 32]` (otherwise the chain starts at genesis), then per
/// record `[flags][key id: 4, BE][at: 8, BE][event id: 16][actor len][type len][table len][key
/// len][detail len] actor type table key detail`. The chain has `1 + count % 16` records; strings
/// are decoded lossily; input that runs out reads as zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInput {
    /// The `seq` before the first record (0 from genesis); at most `u64::MAX - records`.
    pub after_seq: u64,
    /// The hash before the first record ([`inventario_core::audit::GENESIS_HASH`] from genesis).
    pub after_hash: [u8; 32],
    /// Whether the verifier is told the head's `seq` (flag bit 1).
    pub head_known: bool,
    /// The change made to the chain.
    pub mutation: Mutation,
    /// The records, 1 to [`MAX_RECORDS`].
    pub records: Vec<RecordSpec>,
}

impl ChainInput {
    /// Decodes fuzz input; every input decodes.
    pub fn split(data: &[u8]) -> Self {
        let mut r = Reader { rest: data };
        let count = 1 + usize::from(r.u8()) % MAX_RECORDS;
        let flags = r.u8();
        let [kind, a, b, c] = r.array::<4>();
        let mutation = Mutation {
            kind,
            a,
            b,
            c,
            value: u64::from_be_bytes(r.array()),
        };
        let (after_seq, after_hash) = if flags & 1 == 1 {
            let seq = u64::from_be_bytes(r.array());
            (seq.min(u64::MAX - count as u64), r.array())
        } else {
            (0, inventario_core::audit::GENESIS_HASH)
        };
        let records = (0..count)
            .map(|_| {
                let flags = r.u8();
                let key_id = u32::from_be_bytes(r.array());
                let at_micros = i64::from_be_bytes(r.array());
                let event_id = r.array();
                let lens: [u8; 5] = r.array();
                let mut string =
                    |len: u8| String::from_utf8_lossy(r.bytes(usize::from(len))).into_owned();
                RecordSpec {
                    event_id,
                    at_micros,
                    actor: string(lens[0]),
                    event_type: string(lens[1]),
                    target_table: string(lens[2]),
                    target_key: string(lens[3]),
                    failed: flags & 1 == 1,
                    key_id: (flags & 2 == 2).then_some(key_id),
                    detail: string(lens[4]),
                }
            })
            .collect();
        ChainInput {
            after_seq,
            after_hash,
            head_known: flags & 2 == 2,
            mutation,
            records,
        }
    }

    /// The fuzz input that decodes into `self` (1 to 16 records, strings of at most 255 bytes).
    pub fn join(&self) -> Vec<u8> {
        let count = self.records.len().clamp(1, MAX_RECORDS) - 1;
        let from_genesis =
            self.after_seq == 0 && self.after_hash == inventario_core::audit::GENESIS_HASH;
        let flags = u8::from(!from_genesis) | (u8::from(self.head_known) << 1);
        let m = self.mutation;
        let mut out = vec![len_byte(count), flags, m.kind, m.a, m.b, m.c];
        out.extend_from_slice(&m.value.to_be_bytes());
        if !from_genesis {
            out.extend_from_slice(&self.after_seq.to_be_bytes());
            out.extend_from_slice(&self.after_hash);
        }
        for spec in self.records.iter().take(MAX_RECORDS) {
            out.push(u8::from(spec.failed) | (u8::from(spec.key_id.is_some()) << 1));
            out.extend_from_slice(&spec.key_id.unwrap_or(0).to_be_bytes());
            out.extend_from_slice(&spec.at_micros.to_be_bytes());
            out.extend_from_slice(&spec.event_id);
            let strings = [
                &spec.actor,
                &spec.event_type,
                &spec.target_table,
                &spec.target_key,
                &spec.detail,
            ];
            out.extend(strings.iter().map(|s| len_byte(s.len())));
            for s in strings {
                out.extend_from_slice(s.as_bytes());
            }
        }
        out
    }

    /// The genuine chain: each record at `after_seq + 1 + i`, its hash from
    /// `RecordFields::chain_hash` under [`AUDIT_KEY`] after its predecessor's.
    pub fn genuine_chain(&self) -> Vec<StoredRecord> {
        let mut prev = self.after_hash;
        let mut seq = self.after_seq;
        self.records
            .iter()
            .map(|spec| {
                seq = seq.saturating_add(1);
                let status = if spec.failed {
                    Status::Failed
                } else {
                    Status::Success
                };
                let hash = RecordFields {
                    tenant: AUDIT_TENANT,
                    seq,
                    event_id: Uuid::from_bytes(spec.event_id),
                    at_micros: spec.at_micros,
                    actor: &spec.actor,
                    event_type: &spec.event_type,
                    target_table: &spec.target_table,
                    target_key: &spec.target_key,
                    status,
                    key_id: spec.key_id,
                    detail: &spec.detail,
                }
                .chain_hash(&AUDIT_KEY, &prev);
                let record = StoredRecord {
                    seq,
                    event_id: spec.event_id.to_vec(),
                    at_micros: spec.at_micros,
                    actor: spec.actor.clone(),
                    event_type: spec.event_type.clone(),
                    target_table: spec.target_table.clone(),
                    target_key: spec.target_key.clone(),
                    status: status.as_str().to_owned(),
                    key_id: spec.key_id.map(i64::from),
                    detail: spec.detail.clone(),
                    prev_hash: prev.to_vec(),
                    hash: hash.to_vec(),
                };
                prev = hash;
                record
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_split_back_into_what_was_joined() {
        let input = EnvelopeInput {
            table: "customers",
            column: "email",
            row_key: "42",
            envelope: &[1, 2, 3],
        };
        assert_eq!(EnvelopeInput::split(&input.join()), Some(input));
        let wrap = WrapInput {
            ctx: WrapContext {
                tenant: "default",
                purpose: KeyPurpose::BlindIndex,
                key_id: 9,
                scope: "global",
                mk_version: 3,
            },
            wrapped: &[1; 61],
        };
        let joined = wrap.join();
        let split = WrapInput::split(&joined).unwrap();
        assert_eq!(split.join(), joined);
        assert_eq!(split.ctx.purpose, KeyPurpose::BlindIndex);
    }

    #[test]
    fn chain_inputs_split_back_into_what_was_joined() {
        let spec = RecordSpec {
            event_id: [4; 16],
            at_micros: -5,
            actor: "cajero-1".into(),
            event_type: "STOCK_MOVEMENT".into(),
            target_table: "stock_movements".into(),
            target_key: "ñ".into(),
            failed: true,
            key_id: Some(9),
            detail: "{}".into(),
        };
        for (after_seq, after_hash) in [(0, [0; 32]), (u64::MAX - 2, [3; 32])] {
            let input = ChainInput {
                after_seq,
                after_hash,
                head_known: true,
                mutation: Mutation {
                    kind: 7,
                    a: 1,
                    b: 2,
                    c: 3,
                    value: u64::MAX,
                },
                records: vec![
                    spec.clone(),
                    RecordSpec {
                        key_id: None,
                        ..spec.clone()
                    },
                ],
            };
            assert_eq!(ChainInput::split(&input.join()), input);
        }
        assert_eq!(ChainInput::split(&[]).records.len(), 1);
    }

    #[test]
    fn the_text_oracle_knows_canonical_base64url() {
        assert!(is_canonical_text("ic1."));
        assert!(is_canonical_text("ic1.-_8"));
        assert!(!is_canonical_text("ic1.-_9"));
        assert!(!is_canonical_text("ic1.A"));
        assert!(!is_canonical_text("ic1.AA=="));
        assert!(is_canonical_text("ic1.AA"));
        assert!(!is_canonical_text("ic1.AB"));
    }

    #[test]
    fn the_oracles_agree_with_the_library() {
        let input = EnvelopeInput {
            table: "t",
            column: "c",
            row_key: "r",
            envelope: &[],
        };
        let mut padded = b"\x01hola\x80".to_vec();
        padded.resize(16, 0);
        let sealed = oracle_seal(&DATA_KEY_BYTES, DATA_KEY_ID, [9; 12], &input, &padded);
        let ctx = inventario_core::crypto::FieldContext::new("t", "c", "r").unwrap();
        assert_eq!(
            data_key().open(&ctx, &sealed).unwrap().into_text().unwrap(),
            "hola"
        );
        let ctx = WrapContext {
            tenant: "default",
            purpose: KeyPurpose::Data,
            key_id: 1,
            scope: "global",
            mk_version: 1,
        };
        let wrapped = oracle_wrap(&[5; 32], [1; 12], &ctx);
        assert_eq!(kek().unwrap(&wrapped, &ctx).unwrap().expose(), &[5; 32]);
        assert_eq!(oracle_unwrap(&wrapped, &ctx), Some([5; 32]));
    }
}
