//! Recomputing the chain, and naming what broke it.
//!
//! [`ChainVerifier`] walks records in `seq` order and checks each against the last good one. At
//! the first record that does not check, [`ChainVerifier::classify`] looks at that record, the
//! one after it and which hashes exist elsewhere in the table, and says what most plausibly
//! happened. The verdict is a diagnosis: any of them means the log was changed outside the
//! library, and the first bad `seq` is exact.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::record::{RecordFields, Status};

/// How far from its stored `seq` a genuine record is looked for when deciding whether records
/// were reordered, deleted or inserted with renumbering.
const DISPLACEMENT_WINDOW: u64 = 64;

/// A record as read back from the store, fields unchecked: anything may have been edited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredRecord {
    /// Position claimed by the row.
    pub seq: u64,
    /// The UUID bytes (16 when intact).
    pub event_id: Vec<u8>,
    /// Microseconds since the epoch.
    pub at_micros: i64,
    /// Actor.
    pub actor: String,
    /// Event type name.
    pub event_type: String,
    /// Target table.
    pub target_table: String,
    /// Target row key.
    pub target_key: String,
    /// `SUCCESS` or `FAILED` when intact.
    pub status: String,
    /// Key id, when intact within `u32`.
    pub key_id: Option<i64>,
    /// Detail JSON text, exactly as stored.
    pub detail: String,
    /// Stored predecessor hash (32 bytes when intact).
    pub prev_hash: Vec<u8>,
    /// Stored hash (32 bytes when intact).
    pub hash: Vec<u8>,
}

impl StoredRecord {
    /// The same record, borrowed: what [`ChainVerifier`] reads.
    pub(crate) fn borrowed(&self) -> StoredRecordRef<'_> {
        StoredRecordRef {
            seq: self.seq,
            event_id: &self.event_id,
            at_micros: self.at_micros,
            actor: &self.actor,
            event_type: &self.event_type,
            target_table: &self.target_table,
            target_key: &self.target_key,
            status: &self.status,
            key_id: self.key_id,
            detail: &self.detail,
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }
}

/// A [`StoredRecord`] whose fields are borrowed from wherever they were read (a page of the
/// store's records), so that checking a record copies nothing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoredRecordRef<'a> {
    pub(crate) seq: u64,
    pub(crate) event_id: &'a [u8],
    pub(crate) at_micros: i64,
    pub(crate) actor: &'a str,
    pub(crate) event_type: &'a str,
    pub(crate) target_table: &'a str,
    pub(crate) target_key: &'a str,
    pub(crate) status: &'a str,
    pub(crate) key_id: Option<i64>,
    pub(crate) detail: &'a str,
    pub(crate) prev_hash: &'a [u8],
    pub(crate) hash: &'a [u8],
}

/// What was done to the log, as far as the verifier can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TamperKind {
    /// A record's content was changed (its stored hash no longer matches it).
    Modified,
    /// A record is missing: deleted, with or without renumbering the rest, or cut off the end.
    Deleted,
    /// A record that the library never wrote is in the chain.
    Inserted,
    /// Genuine records are in the wrong order.
    Reordered,
    /// The chain does not contain the pinned checkpoint: it was rebuilt, rolled back or
    /// replaced since the checkpoint was taken.
    Fork,
}

impl TamperKind {
    /// `modified`, `deleted`, `inserted`, `reordered` or `fork`.
    pub fn as_str(self) -> &'static str {
        match self {
            TamperKind::Modified => "modified",
            TamperKind::Deleted => "deleted",
            TamperKind::Inserted => "inserted",
            TamperKind::Reordered => "reordered",
            TamperKind::Fork => "fork",
        }
    }
}

impl std::fmt::Display for TamperKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first break in a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first `seq` that is not as the library wrote it.
    pub seq: u64,
    /// What happened there.
    pub kind: TamperKind,
    /// A sentence for the operator.
    pub message: String,
}

/// Checks records one after another against a keyed chain.
#[derive(Clone)]
pub struct ChainVerifier {
    /// Keyed once: each record's MAC starts from a copy of this state (the key's inner and
    /// outer blocks already hashed), so no record pays for the key schedule.
    mac: Hmac<Sha256>,
    tenant: String,
    next_seq: u64,
    prev: [u8; 32],
    checked: u64,
    /// The MAC input of the record being checked, reused from record to record.
    input: Vec<u8>,
}

impl std::fmt::Debug for ChainVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainVerifier")
            .field("tenant", &self.tenant)
            .field("next_seq", &self.next_seq)
            .field("checked", &self.checked)
            .finish_non_exhaustive()
    }
}

impl ChainVerifier {
    /// A verifier for `tenant`'s chain that expects, next, the record after `after_seq` whose
    /// hash is `after_hash` (`0` and [`super::GENESIS_HASH`] for a chain from the start).
    pub fn new(audit_key: &[u8; 32], tenant: &str, after_seq: u64, after_hash: [u8; 32]) -> Self {
        ChainVerifier {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(audit_key)
                .expect("HMAC takes keys of any length"),
            tenant: tenant.to_owned(),
            next_seq: after_seq.saturating_add(1),
            prev: after_hash,
            checked: 0,
            input: Vec::new(),
        }
    }

    /// The `seq` expected next.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The hash of the last record that checked (or the starting hash).
    pub fn last_hash(&self) -> [u8; 32] {
        self.prev
    }

    /// Records that checked so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Checks the next record. `Ok(())` moves on; `Err(())` means this record breaks the chain
    /// (call [`ChainVerifier::classify`] to say how).
    #[allow(clippy::result_unit_err)]
    pub fn check(&mut self, record: &StoredRecord) -> Result<(), ()> {
        self.check_borrowed(&record.borrowed())
    }

    /// [`ChainVerifier::check`] on a borrowed record.
    pub(crate) fn check_borrowed(&mut self, record: &StoredRecordRef<'_>) -> Result<(), ()> {
        if record.seq != self.next_seq || record.prev_hash != self.prev {
            return Err(());
        }
        let mut input = std::mem::take(&mut self.input);
        let hash = self.recompute_in(&mut input, record, record.seq, &self.prev);
        self.input = input;
        match hash {
            // In constant time, as every MAC comparison: the stored hash is attacker-controlled.
            Some(hash) if bool::from(hash[..].ct_eq(record.hash)) => {
                self.prev = hash;
                self.next_seq = self.next_seq.saturating_add(1);
                self.checked += 1;
                Ok(())
            }
            _ => Err(()),
        }
    }

    /// The MAC `record` would have at position `seq` after `prev`; `None` when a field is not
    /// even well formed (such a record was certainly not written by the library).
    fn recompute(&self, record: &StoredRecord, seq: u64, prev: &[u8]) -> Option<[u8; 32]> {
        self.recompute_in(&mut Vec::new(), &record.borrowed(), seq, prev)
    }

    /// [`ChainVerifier::recompute`], building the MAC input in `input` (cleared first).
    fn recompute_in(
        &self,
        input: &mut Vec<u8>,
        record: &StoredRecordRef<'_>,
        seq: u64,
        prev: &[u8],
    ) -> Option<[u8; 32]> {
        let event_id = uuid::Uuid::from_slice(record.event_id).ok()?;
        let status = Status::parse(record.status)?;
        let key_id = match record.key_id {
            Some(id) => Some(u32::try_from(id).ok()?),
            None => None,
        };
        let fields = RecordFields {
            tenant: &self.tenant,
            seq,
            event_id,
            at_micros: record.at_micros,
            actor: record.actor,
            event_type: record.event_type,
            target_table: record.target_table,
            target_key: record.target_key,
            status,
            key_id,
            detail: record.detail,
        };
        // prev ‖ canonical(record), handed to the MAC in one piece.
        input.clear();
        input.extend_from_slice(prev);
        fields.write_canonical(input);
        let mut mac = self.mac.clone();
        mac.update(input);
        Some(mac.finalize().into_bytes().into())
    }

    /// Whether `record` is genuine at position `seq`, given its own stored predecessor.
    fn genuine_at(&self, record: &StoredRecord, seq: u64) -> bool {
        self.recompute(record, seq, &record.prev_hash)
            .is_some_and(|h| bool::from(h[..].ct_eq(&record.hash[..])))
    }

    /// Says what broke the chain at `broken`, the record [`ChainVerifier::check`] refused.
    ///
    /// `next` is the record stored after it, `hash_exists` tells whether a hash belongs to some
    /// record of the table, and `head_seq` is the `seq` the store's head says was written last.
    pub fn classify(
        &self,
        broken: &StoredRecord,
        next: Option<&StoredRecord>,
        hash_exists: &dyn Fn(&[u8]) -> bool,
        head_seq: Option<u64>,
    ) -> ChainBreak {
        let expected = self.next_seq;
        let at = |kind, message: String| ChainBreak {
            seq: expected,
            kind,
            message,
        };
        if broken.seq > expected {
            return at(
                TamperKind::Deleted,
                format!(
                    "record {expected} is missing (the next stored is {})",
                    broken.seq
                ),
            );
        }
        if broken.seq < expected {
            return at(
                TamperKind::Inserted,
                format!("a record claims seq {} again", broken.seq),
            );
        }
        if head_seq.is_some_and(|head| broken.seq > head) {
            return at(
                TamperKind::Inserted,
                format!("record {expected} lies past the chain's head"),
            );
        }
        if let Some(origin) = self.original_position(broken) {
            let predecessor_present = hash_exists(&broken.prev_hash);
            return if origin == broken.seq || predecessor_present {
                at(
                    TamperKind::Reordered,
                    format!("record {expected} holds the genuine record written as {origin}"),
                )
            } else if origin > broken.seq {
                at(
                    TamperKind::Deleted,
                    format!("records before {origin} were removed and the rest renumbered"),
                )
            } else {
                at(
                    TamperKind::Inserted,
                    format!("records were inserted before {origin} and the rest renumbered"),
                )
            };
        }
        match next {
            Some(next) if next.prev_hash[..] == self.prev[..] => at(
                TamperKind::Inserted,
                format!("record {expected} was not written by the library"),
            ),
            _ => at(
                TamperKind::Modified,
                format!("record {expected} was changed after it was written"),
            ),
        }
    }

    /// The position at which `record` is genuine, looked for near its stored one.
    fn original_position(&self, record: &StoredRecord) -> Option<u64> {
        if self.genuine_at(record, record.seq) {
            return Some(record.seq);
        }
        (1..=DISPLACEMENT_WINDOW).find_map(|d| {
            [record.seq.checked_add(d), record.seq.checked_sub(d)]
                .into_iter()
                .flatten()
                .filter(|&s| s >= 1)
                .find(|&s| self.genuine_at(record, s))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::GENESIS_HASH;

    const KEY: [u8; 32] = [3; 32];

    fn chain(n: u64) -> Vec<StoredRecord> {
        let verifier = ChainVerifier::new(&KEY, "t", 0, GENESIS_HASH);
        let mut prev = GENESIS_HASH;
        (1..=n)
            .map(|seq| {
                let mut r = StoredRecord {
                    seq,
                    event_id: uuid::Uuid::from_u128(u128::from(seq)).as_bytes().to_vec(),
                    at_micros: 1_000_000 * seq as i64,
                    actor: "a".into(),
                    event_type: "STOCK_MOVEMENT".into(),
                    target_table: "stock_movements".into(),
                    target_key: seq.to_string(),
                    status: "SUCCESS".into(),
                    key_id: None,
                    detail: "{}".into(),
                    prev_hash: prev.to_vec(),
                    hash: Vec::new(),
                };
                let hash = verifier.recompute(&r, seq, &prev).unwrap();
                r.hash = hash.to_vec();
                prev = hash;
                r
            })
            .collect()
    }

    fn first_break(records: &[StoredRecord], head: Option<u64>) -> Option<ChainBreak> {
        let mut v = ChainVerifier::new(&KEY, "t", 0, GENESIS_HASH);
        for (i, r) in records.iter().enumerate() {
            if v.check(r).is_err() {
                let exists = |h: &[u8]| records.iter().any(|r| r.hash == h);
                return Some(v.classify(r, records.get(i + 1), &exists, head));
            }
        }
        None
    }

    #[test]
    fn an_intact_chain_checks() {
        let records = chain(20);
        assert_eq!(first_break(&records, Some(20)), None);
    }

    #[test]
    fn each_kind_of_tampering_is_named_at_its_seq() {
        let mut modified = chain(10);
        modified[4].actor = "mallory".into();
        assert_eq!(
            first_break(&modified, Some(10)).map(|b| (b.seq, b.kind)),
            Some((5, TamperKind::Modified))
        );

        let mut deleted = chain(10);
        deleted.remove(4);
        assert_eq!(
            first_break(&deleted, Some(10)).map(|b| (b.seq, b.kind)),
            Some((5, TamperKind::Deleted))
        );

        let mut renumbered = chain(10);
        renumbered.remove(4);
        for r in &mut renumbered[4..] {
            r.seq -= 1;
        }
        assert_eq!(
            first_break(&renumbered, Some(10)).map(|b| (b.seq, b.kind)),
            Some((5, TamperKind::Deleted))
        );

        let mut inserted = chain(10);
        let mut forged = inserted[4].clone();
        forged.actor = "mallory".into();
        forged.prev_hash = inserted[3].hash.clone();
        inserted.insert(4, forged);
        for r in &mut inserted[5..] {
            r.seq += 1;
        }
        assert_eq!(
            first_break(&inserted, Some(10)).map(|b| (b.seq, b.kind)),
            Some((5, TamperKind::Inserted))
        );

        let mut reordered = chain(10);
        reordered.swap(4, 5);
        reordered[4].seq = 5;
        reordered[5].seq = 6;
        assert_eq!(
            first_break(&reordered, Some(10)).map(|b| (b.seq, b.kind)),
            Some((5, TamperKind::Reordered))
        );

        let mut appended = chain(10);
        let mut extra = appended[9].clone();
        extra.seq = 11;
        extra.prev_hash = appended[9].hash.clone();
        appended.push(extra);
        assert_eq!(
            first_break(&appended, Some(10)).map(|b| (b.seq, b.kind)),
            Some((11, TamperKind::Inserted))
        );
    }

    #[test]
    fn malformed_fields_break_the_chain_without_panicking() {
        let edits: [fn(&mut StoredRecord); 5] = [
            |r| r.event_id.truncate(3),
            |r| r.status = "MAYBE".into(),
            |r| r.key_id = Some(-1),
            |r| r.prev_hash.clear(),
            |r| r.hash = vec![0; 64],
        ];
        for edit in edits {
            let mut records = chain(3);
            edit(&mut records[1]);
            let found = first_break(&records, Some(3)).expect("break");
            assert_eq!(found.seq, 2);
        }
    }
}
