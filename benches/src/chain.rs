//! A genuine audit chain built in memory: what `ChainVerifier` checks without a store, so its
//! MAC work is measured alone.

use inventario_core::audit::{ChainVerifier, RecordFields, Status, StoredRecord, GENESIS_HASH};

/// The audit key of the in-memory chains.
pub const AUDIT_KEY: [u8; 32] = [0x5a; 32];

/// `n` stock-movement records (`seq` 1 to `n`) of tenant `default`, chained under
/// [`AUDIT_KEY`] as the store chains them.
pub fn in_memory_chain(n: u64) -> Vec<StoredRecord> {
    let mut prev = GENESIS_HASH;
    (1..=n)
        .map(|seq| {
            let event_id = event_id(seq);
            let detail = format!(
                r#"{{"kind":"sale","location_id":1,"product_id":{},"quantity_milli":1000}}"#,
                seq % 500
            );
            let target_key = seq.to_string();
            let fields = RecordFields {
                tenant: "default",
                seq,
                event_id: uuid::Uuid::from_bytes(event_id),
                at_micros: 1_790_000_000_000_000 + seq as i64,
                actor: "caja-1",
                event_type: "STOCK_MOVEMENT",
                target_table: "stock_movements",
                target_key: &target_key,
                status: Status::Success,
                key_id: None,
                detail: &detail,
            };
            let hash = fields.chain_hash(&AUDIT_KEY, &prev);
            let record = StoredRecord {
                seq,
                event_id: event_id.to_vec(),
                at_micros: fields.at_micros,
                actor: fields.actor.to_owned(),
                event_type: fields.event_type.to_owned(),
                target_table: fields.target_table.to_owned(),
                target_key,
                status: Status::Success.as_str().to_owned(),
                key_id: None,
                detail,
                prev_hash: prev.to_vec(),
                hash: hash.to_vec(),
            };
            prev = hash;
            record
        })
        .collect()
}

/// Checks `records` from the genesis with a new verifier; the number checked, or the `seq` of
/// the first record that fails.
pub fn verify(records: &[StoredRecord]) -> Result<u64, u64> {
    let mut verifier = ChainVerifier::new(&AUDIT_KEY, "default", 0, GENESIS_HASH);
    for record in records {
        verifier.check(record).map_err(|()| record.seq)?;
    }
    Ok(verifier.checked())
}

/// A UUIDv7-shaped event id that encodes `seq`.
fn event_id(seq: u64) -> [u8; 16] {
    let mut out = [0x70; 16];
    out[8..].copy_from_slice(&seq.to_be_bytes());
    out
}
