//! Generates `tests/vectors/audit_v1.json`, the published vectors of the audit chain: canonical
//! records and their chain MACs, value MACs of personal values, and signed checkpoints
//! (`docs/FORMAT.md`, sections 7 to 9).
//!
//! ```sh
//! cargo run -q -p inventario-core --example audit_vectors > tests/vectors/audit_v1.json
//! ```
//!
//! Deterministic: keys, UUIDs and times are fixed (keys are SHA-256 of a label), so the output is
//! the same on every run. Each expected byte string is built here from the format's definition,
//! then checked against the library's public API (`RecordFields::canonical`, `chain_hash`,
//! `ChainVerifier`, `Checkpoint`), which must agree; a disagreement stops the generator.
//! Published vectors never change: add new ones at the end of a list.

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use inventario_core::audit::{
    ChainVerifier, Checkpoint, EventType, RecordFields, Status, StoredRecord, GENESIS_HASH,
    RECORD_VERSION,
};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Serialize)]
struct Vectors {
    format: &'static str,
    regenerate: &'static str,
    spec: &'static str,
    notes: Vec<&'static str>,
    chain: Chain,
    value_macs: Vec<ValueMac>,
    checkpoints: Vec<CheckpointVector>,
}

#[derive(Serialize)]
struct Chain {
    tenant: String,
    audit_key: String,
    anchor: Anchor,
    records: Vec<Record>,
}

#[derive(Serialize)]
struct Anchor {
    purged_through_seq: u64,
    last_purged_hash: String,
    vouched_by_seq: u64,
}

#[derive(Serialize)]
struct Record {
    id: &'static str,
    seq: u64,
    event_id: String,
    at: String,
    at_micros: i64,
    actor: String,
    event_type: String,
    target_table: String,
    target_key: String,
    status: &'static str,
    key_id: Option<u32>,
    detail: String,
    prev_hash: String,
    canonical: String,
    hash: String,
}

#[derive(Serialize)]
struct ValueMac {
    id: &'static str,
    key: String,
    field: String,
    value: String,
    input: String,
    mac: String,
}

#[derive(Serialize)]
struct CheckpointVector {
    id: &'static str,
    seed: String,
    public_key: String,
    store_id: String,
    tenant: String,
    seq: u64,
    hash: String,
    at: String,
    at_micros: i64,
    message: String,
    signature: String,
    text: String,
}

/// 32 fixed bytes named by a label.
fn fixed32(label: &str) -> [u8; 32] {
    Sha256::digest(format!("inventario-core vectors v1: {label}").as_bytes()).into()
}

/// A UUID v7 for a time, with fixed "random" bits named by a label.
fn uuid_v7(at_micros: i64, label: &str) -> Uuid {
    let mut bytes = [0u8; 16];
    let millis = u64::try_from(at_micros / 1000).expect("after 1970");
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6..].copy_from_slice(&fixed32(label)[..10]);
    bytes[6] = 0x70 | (bytes[6] & 0x0f);
    bytes[8] = 0x80 | (bytes[8] & 0x3f);
    let id = Uuid::from_bytes(bytes);
    assert_eq!(id.get_version_num(), 7);
    id
}

fn time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("fixed time")
        .with_timezone(&Utc)
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `u32(len(x)) ‖ x`: the length prefix of the audit formats.
fn lp32(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(&u32::try_from(field.len()).expect("short").to_be_bytes());
    out.extend_from_slice(field);
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// What a record is made of, before the chain fills in `seq`, `prev_hash` and `hash`.
struct Spec {
    id: &'static str,
    at: &'static str,
    actor: &'static str,
    event_type: &'static str,
    target: (&'static str, &'static str),
    status: Status,
    key_id: Option<u32>,
    detail: String,
}

/// The canonical encoding, straight from docs/FORMAT.md section 7.1.
fn canonical(tenant: &str, seq: u64, event_id: &Uuid, at_micros: i64, spec: &Spec) -> Vec<u8> {
    let mut out = vec![0x01];
    lp32(&mut out, tenant.as_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(event_id.as_bytes());
    out.extend_from_slice(&at_micros.to_be_bytes());
    lp32(&mut out, spec.actor.as_bytes());
    lp32(&mut out, spec.event_type.as_bytes());
    lp32(&mut out, spec.target.0.as_bytes());
    lp32(&mut out, spec.target.1.as_bytes());
    out.push(match spec.status {
        Status::Success => 0,
        Status::Failed => 1,
    });
    match spec.key_id {
        Some(id) => {
            out.push(1);
            out.extend_from_slice(&id.to_be_bytes());
        }
        None => out.extend_from_slice(&[0; 5]),
    }
    lp32(&mut out, spec.detail.as_bytes());
    out
}

const VALUE_DOMAIN: &[u8] = b"inventario-core/v1 audit value";

/// The value MAC input: `"inventario-core/v1 audit value" ‖ u32(len(field)) ‖ field ‖ value`.
fn value_mac_input(field: &str, value: &str) -> Vec<u8> {
    let mut out = VALUE_DOMAIN.to_vec();
    lp32(&mut out, field.as_bytes());
    out.extend_from_slice(value.as_bytes());
    out
}

fn value_mac(key: &[u8; 32], field: &str, value: &str) -> String {
    hex::encode(&hmac_sha256(key, &[&value_mac_input(field, value)])[..16])
}

/// The personal values of the customer created in the chain, and two edge cases.
const VALUES: [(&str, &str, &str); 8] = [
    ("customer-names", "names", "María José"),
    ("customer-surname", "surname", "Núñez"),
    ("customer-document", "document", "20123456786"),
    ("customer-email", "email", "maria.nunez@example.com"),
    ("customer-phone", "phone", "+54 11 4321-0000"),
    ("supplier-cuit", "cuit", "30-71234567-8"),
    ("empty-value", "address", ""),
    ("field-value-boundary", "emai", "lmaria.nunez@example.com"),
];

fn value_macs(key: &[u8; 32]) -> Vec<ValueMac> {
    VALUES
        .iter()
        .map(|(id, field, value)| ValueMac {
            id,
            key: hex::encode(key),
            field: (*field).to_owned(),
            value: (*value).to_owned(),
            input: hex::encode(value_mac_input(field, value)),
            mac: value_mac(key, field, value),
        })
        .collect()
}

fn specs(key: &[u8; 32], purged_hash: Option<[u8; 32]>) -> Vec<Spec> {
    let macs: serde_json::Map<String, serde_json::Value> = VALUES[..5]
        .iter()
        .map(|(_, field, value)| ((*field).to_owned(), json!(value_mac(key, field, value))))
        .collect();
    // Details are what the store writes: `serde_json::Value::to_string`, compact, keys sorted.
    let mut specs = vec![
        Spec {
            id: "stock-movement-no-key",
            at: "2026-03-02T09:15:00.123456Z",
            actor: "cajero-1",
            event_type: "STOCK_MOVEMENT",
            target: ("stock_movements", "1"),
            status: Status::Success,
            key_id: None,
            detail:
                json!({"kind": "sale", "location": "A1", "product": "SKU-0001", "quantity": -2})
                    .to_string(),
        },
        Spec {
            id: "customer-created-unicode-actor-nested-detail",
            at: "2026-03-02T09:20:31.000001Z",
            actor: "María José Núñez",
            event_type: "SENSITIVE_DATA_MODIFY",
            target: ("customers", "42"),
            status: Status::Success,
            key_id: Some(1),
            detail: json!({"action": "create", "code": "C-0042", "values": macs}).to_string(),
        },
        Spec {
            id: "decrypt-with-key",
            at: "2026-03-02T10:00:00Z",
            actor: "auditora",
            event_type: "ENCRYPTED_DATA_DECRYPT",
            target: ("customers", "42"),
            status: Status::Success,
            key_id: Some(1),
            detail: json!({"columns": ["email", "phone"], "row_keys": ["42"], "rows": 1})
                .to_string(),
        },
        Spec {
            id: "decrypt-failed",
            at: "2026-03-02T10:00:00.5Z",
            actor: "auditora",
            event_type: "DECRYPT_FAILED",
            target: ("customers", "43"),
            status: Status::Failed,
            key_id: Some(7),
            detail: json!({"column": "email", "error": "AuthenticationFailed"}).to_string(),
        },
        Spec {
            id: "login-failed-empty-target",
            at: "2026-03-02T23:59:59.999999Z",
            actor: "portal-web",
            event_type: "LOGIN_FAILED",
            target: ("", ""),
            status: Status::Failed,
            key_id: None,
            detail: json!({"ip": "203.0.113.7", "reason": "bad password"}).to_string(),
        },
        Spec {
            id: "key-rotated-max-key-id",
            at: "2026-03-03T03:00:00.000010Z",
            actor: "admin",
            event_type: "KEY_ROTATED",
            target: ("crypto_keys", "global"),
            status: Status::Success,
            key_id: Some(u32::MAX),
            detail: json!({}).to_string(),
        },
        Spec {
            id: "application-event-unicode-detail",
            at: "2026-03-03T08:30:00.250000Z",
            actor: "caja-3",
            event_type: "CASH_DRAWER_OPENED",
            target: ("registers", "3"),
            status: Status::Success,
            key_id: Some(0),
            detail: json!({
                "note": "cajón abierto sin venta \"manual\"",
                "shift": {"id": 12, "opened_by": "caja-3", "totals": [1500, -20, 0]},
                "tags": ["manual", "ñ", "\u{1F9FE}"],
            })
            .to_string(),
        },
        // Not the store's own compact form: a verifier hashes the bytes as stored, as they are.
        Spec {
            id: "data-export-detail-bytes-as-stored",
            at: "2026-03-03T12:00:00.000000Z",
            actor: "reportes",
            event_type: "DATA_EXPORT",
            target: ("customers", ""),
            status: Status::Success,
            key_id: None,
            detail: "{ \"rows\": 1200,\n  \"format\": \"csv\", \"ip\": \"198.51.100.20\" }"
                .to_owned(),
        },
        Spec {
            id: "legal-hold",
            at: "2026-03-04T09:00:00.000001Z",
            actor: "legales",
            event_type: "LEGAL_HOLD",
            target: ("legal_holds", "1"),
            status: Status::Success,
            key_id: None,
            detail: json!({"action": "place", "key": "43", "table": "customers"}).to_string(),
        },
    ];
    // The purge of records 1 to 3, vouching for the anchor (docs/FORMAT.md section 9).
    specs.push(Spec {
        id: "retention-purge",
        at: "2026-09-01T02:00:00.000000Z",
        actor: "retention",
        event_type: "RETENTION_PURGE",
        target: ("audit_events", ""),
        status: Status::Success,
        key_id: None,
        detail: json!({
            "cutoff": "2026-03-02T10:00:00.000000Z",
            "last_purged_hash": hex::encode(purged_hash.unwrap_or([0; 32])),
            "purged": 3,
            "purged_through_seq": PURGED_THROUGH,
            "stopped_by_legal_hold": false,
        })
        .to_string(),
    });
    specs
}

const TENANT: &str = "sucursal-centro";
const PURGED_THROUGH: u64 = 3;

fn stored(record: &Record) -> StoredRecord {
    StoredRecord {
        seq: record.seq,
        event_id: Uuid::parse_str(&record.event_id)
            .expect("uuid")
            .as_bytes()
            .to_vec(),
        at_micros: record.at_micros,
        actor: record.actor.clone(),
        event_type: record.event_type.clone(),
        target_table: record.target_table.clone(),
        target_key: record.target_key.clone(),
        status: record.status.to_owned(),
        key_id: record.key_id.map(i64::from),
        detail: record.detail.clone(),
        prev_hash: hex::decode(&record.prev_hash).expect("hex"),
        hash: hex::decode(&record.hash).expect("hex"),
    }
}

fn chain(key: &[u8; 32]) -> Chain {
    // The purge record carries the hash of record 3, which is known only once the chain is built.
    let first = build(key, &specs(key, None));
    let purged_hash: [u8; 32] = hex::decode(&first[PURGED_THROUGH as usize - 1].hash)
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    let records = build(key, &specs(key, Some(purged_hash)));

    let mut verifier = ChainVerifier::new(key, TENANT, 0, GENESIS_HASH);
    for record in &records {
        verifier
            .check(&stored(record))
            .unwrap_or_else(|()| panic!("{} does not verify", record.id));
    }
    let mut verifier = ChainVerifier::new(key, TENANT, PURGED_THROUGH, purged_hash);
    for record in &records[PURGED_THROUGH as usize..] {
        verifier
            .check(&stored(record))
            .unwrap_or_else(|()| panic!("{} does not verify after the anchor", record.id));
    }
    let vouched_by_seq = records.last().expect("records").seq;
    Chain {
        tenant: TENANT.to_owned(),
        audit_key: hex::encode(key),
        anchor: Anchor {
            purged_through_seq: PURGED_THROUGH,
            last_purged_hash: hex::encode(purged_hash),
            vouched_by_seq,
        },
        records,
    }
}

fn build(key: &[u8; 32], specs: &[Spec]) -> Vec<Record> {
    let mut prev = GENESIS_HASH;
    let mut out = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let seq = i as u64 + 1;
        let at = time(spec.at);
        let at_micros = at.timestamp_micros();
        let event_id = uuid_v7(at_micros, spec.id);
        let bytes = canonical(TENANT, seq, &event_id, at_micros, spec);
        assert_eq!(bytes[0], RECORD_VERSION);
        let hash = hmac_sha256(key, &[&prev, &bytes]);
        let fields = RecordFields {
            tenant: TENANT,
            seq,
            event_id,
            at_micros,
            actor: spec.actor,
            event_type: spec.event_type,
            target_table: spec.target.0,
            target_key: spec.target.1,
            status: spec.status,
            key_id: spec.key_id,
            detail: &spec.detail,
        };
        assert_eq!(fields.canonical(), bytes, "{}: canonical", spec.id);
        assert_eq!(fields.chain_hash(key, &prev), hash, "{}: hash", spec.id);
        assert!(EventType::parse(spec.event_type).is_some(), "{}", spec.id);
        out.push(Record {
            id: spec.id,
            seq,
            event_id: event_id.hyphenated().to_string(),
            at: rfc3339(at),
            at_micros,
            actor: spec.actor.to_owned(),
            event_type: spec.event_type.to_owned(),
            target_table: spec.target.0.to_owned(),
            target_key: spec.target.1.to_owned(),
            status: spec.status.as_str(),
            key_id: spec.key_id,
            detail: spec.detail.clone(),
            prev_hash: hex::encode(prev),
            canonical: hex::encode(&bytes),
            hash: hex::encode(hash),
        });
        prev = hash;
    }
    out
}

/// The signed message, straight from docs/FORMAT.md section 8.1.
fn signed_message(
    store_id: &[u8; 16],
    tenant: &str,
    seq: u64,
    hash: &[u8; 32],
    at: i64,
) -> Vec<u8> {
    let mut out = b"inventario-core/v1 checkpoint".to_vec();
    out.extend_from_slice(store_id);
    lp32(&mut out, tenant.as_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(&at.to_be_bytes());
    out
}

fn checkpoints(chain: &Chain) -> Vec<CheckpointVector> {
    let seed = fixed32("audit signing seed");
    let mut store_id = [0u8; 16];
    store_id.copy_from_slice(&fixed32("store id")[..16]);
    let hash_of = |seq: u64| -> [u8; 32] {
        hex::decode(&chain.records[seq as usize - 1].hash)
            .expect("hex")
            .try_into()
            .expect("32 bytes")
    };
    let head = chain.records.len() as u64;
    let positions: [(&'static str, &str, u64, [u8; 32], &str); 3] = [
        (
            "after-decrypt-failure",
            TENANT,
            4,
            hash_of(4),
            "2026-03-02T18:00:00.000000Z",
        ),
        (
            "head-after-purge",
            TENANT,
            head,
            hash_of(head),
            "2026-09-01T02:00:01.654321Z",
        ),
        (
            "empty-chain-other-tenant",
            "deposito_sur-2",
            0,
            GENESIS_HASH,
            "2026-01-01T00:00:00.000001Z",
        ),
    ];
    let key = SigningKey::from_bytes(&seed);
    positions
        .into_iter()
        .map(|(id, tenant, seq, hash, at)| {
            let at = time(at);
            let message = signed_message(&store_id, tenant, seq, &hash, at.timestamp_micros());
            let signature = key.sign(&message).to_bytes();
            let checkpoint = Checkpoint {
                store_id,
                tenant: tenant.to_owned(),
                seq,
                hash,
                at,
                public_key: key.verifying_key().to_bytes(),
                signature,
            };
            checkpoint
                .verify_signature()
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            let text = checkpoint.to_text();
            assert_eq!(
                Checkpoint::from_text(&text).as_ref(),
                Ok(&checkpoint),
                "{id}"
            );
            CheckpointVector {
                id,
                seed: hex::encode(seed),
                public_key: hex::encode(checkpoint.public_key),
                store_id: hex::encode(store_id),
                tenant: tenant.to_owned(),
                seq,
                hash: hex::encode(hash),
                at: rfc3339(at),
                at_micros: at.timestamp_micros(),
                message: hex::encode(&message),
                signature: hex::encode(signature),
                text,
            }
        })
        .collect()
}

fn main() -> Result<(), serde_json::Error> {
    let key = fixed32("audit key");
    let chain = chain(&key);
    let checkpoints = checkpoints(&chain);
    let vectors = Vectors {
        format: "inventario-core audit v1 vectors",
        regenerate: "cargo run -q -p inventario-core --example audit_vectors > tests/vectors/audit_v1.json",
        spec: "docs/FORMAT.md",
        notes: vec![
            "Published vectors never change: stored chains must keep verifying. Add new vectors at the end of a list.",
            "Byte strings are lower-case hex. Keys are fixed: SHA-256 of a label. Times are RFC 3339 UTC with 6 fractional digits; at_micros is microseconds since the Unix epoch.",
            "chain.records: canonical = the encoding of the fields (section 7.1); hash = HMAC-SHA256(audit_key, prev_hash || canonical); the first prev_hash is 32 zero bytes. `detail` is the stored text, hashed as is.",
            "chain.anchor: the chain verifies from (purged_through_seq, last_purged_hash) over the records after it, and record vouched_by_seq (RETENTION_PURGE) carries both in its detail (section 9).",
            "value_macs: mac = HMAC-SHA256(key, input)[..16] with input = 'inventario-core/v1 audit value' || u32(len(field)) || field || value (section 7.4); key is the audit key.",
            "checkpoints: message as in section 8.1, signature = Ed25519(seed, message) (RFC 8032), public_key its public key; text is the exact text form (section 8.2).",
        ],
        chain,
        value_macs: value_macs(&key),
        checkpoints,
    };
    println!("{}", serde_json::to_string_pretty(&vectors)?);
    Ok(())
}
