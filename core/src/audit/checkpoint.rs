//! Signed checkpoints: a chain position (`seq`, `hash`) signed with the store's Ed25519 key,
//! exported as text to be pinned somewhere the store's administrators cannot rewrite.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use super::AuditError;

const BEGIN: &str = "-----BEGIN INVENTARIO CHECKPOINT-----";
const END: &str = "-----END INVENTARIO CHECKPOINT-----";
const SIGNING_DOMAIN: &[u8] = b"inventario-core/v1 checkpoint";
/// Longest text [`Checkpoint::from_text`] reads; real checkpoints are about 500 bytes.
const MAX_TEXT: usize = 4096;

/// A signed position of a tenant's audit chain.
///
/// ```
/// # use inventario_core::audit::Checkpoint;
/// # fn pin(text: &str) {}
/// # fn check(checkpoint: &Checkpoint) -> Result<(), inventario_core::audit::AuditError> {
/// let text = checkpoint.to_text(); // store it elsewhere: a ticket, a printout, another system
/// pin(&text);
/// let back = Checkpoint::from_text(&text)?; // later: verify(Some(&back)) against the store
/// assert_eq!(&back, checkpoint);
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The store's random id.
    pub store_id: [u8; 16],
    /// The tenant whose chain it is.
    pub tenant: String,
    /// The last record covered.
    pub seq: u64,
    /// That record's hash.
    pub hash: [u8; 32],
    /// When the checkpoint was signed (microsecond precision).
    pub at: DateTime<Utc>,
    /// The Ed25519 public key that signed it.
    pub public_key: [u8; 32],
    /// The signature over the fields above (docs/FORMAT.md, "Audit checkpoint").
    pub signature: [u8; 64],
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkpoint")
            .field("store_id", &hex::encode(self.store_id))
            .field("tenant", &self.tenant)
            .field("seq", &self.seq)
            .field("hash", &hex::encode(self.hash))
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl Checkpoint {
    /// Signs a position with the 32-byte Ed25519 seed `signing_seed`.
    pub(crate) fn sign(
        signing_seed: &[u8; 32],
        store_id: [u8; 16],
        tenant: &str,
        seq: u64,
        hash: [u8; 32],
        at: DateTime<Utc>,
    ) -> Checkpoint {
        let key = SigningKey::from_bytes(signing_seed);
        let at = truncate_to_micros(at);
        let message = signed_message(&store_id, tenant, seq, &hash, at.timestamp_micros());
        Checkpoint {
            store_id,
            tenant: tenant.to_owned(),
            seq,
            hash,
            at,
            public_key: key.verifying_key().to_bytes(),
            signature: key.sign(&message).to_bytes(),
        }
    }

    /// The public key of a signing seed, to compare with [`Checkpoint::public_key`].
    pub(crate) fn public_key_of(signing_seed: &[u8; 32]) -> [u8; 32] {
        SigningKey::from_bytes(signing_seed)
            .verifying_key()
            .to_bytes()
    }

    /// Checks the signature against the checkpoint's own public key. (The store also checks
    /// that the key is its own: a checkpoint signed by anyone else is refused there.)
    pub fn verify_signature(&self) -> Result<(), AuditError> {
        let key = VerifyingKey::from_bytes(&self.public_key)
            .map_err(|_| AuditError::BadCheckpointSignature)?;
        let message = signed_message(
            &self.store_id,
            &self.tenant,
            self.seq,
            &self.hash,
            self.at.timestamp_micros(),
        );
        key.verify(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| AuditError::BadCheckpointSignature)
    }

    /// The text form: armour lines around one `name: value` line per field.
    pub fn to_text(&self) -> String {
        format!(
            "{BEGIN}\nversion: 1\nstore: {}\ntenant: {}\nseq: {}\nhash: {}\nat: {}\nkey: {}\nsignature: {}\n{END}\n",
            hex::encode(self.store_id),
            self.tenant,
            self.seq,
            hex::encode(self.hash),
            self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            hex::encode(self.public_key),
            hex::encode(self.signature),
        )
    }

    /// Reads the text form back, strictly: the armour, then exactly the fields of
    /// [`Checkpoint::to_text`] in that order; surrounding whitespace and CRLF line ends are
    /// accepted. The signature is checked too.
    pub fn from_text(text: &str) -> Result<Checkpoint, AuditError> {
        if text.len() > MAX_TEXT {
            return Err(AuditError::MalformedCheckpoint(
                "longer than any checkpoint",
            ));
        }
        let mut lines = text.trim().lines().map(|l| l.trim_end_matches('\r'));
        if lines.next() != Some(BEGIN) {
            return Err(AuditError::MalformedCheckpoint("missing BEGIN line"));
        }
        let mut field = |name: &'static str| -> Result<&str, AuditError> {
            lines
                .next()
                .and_then(|line| line.strip_prefix(name))
                .and_then(|rest| rest.strip_prefix(": "))
                .ok_or(AuditError::MalformedCheckpoint(name))
        };
        if field("version")? != "1" {
            return Err(AuditError::MalformedCheckpoint("unsupported version"));
        }
        let store_id = hex_array::<16>(field("store")?, "store")?;
        let tenant = field("tenant")?.to_owned();
        if tenant.is_empty() {
            return Err(AuditError::MalformedCheckpoint("tenant"));
        }
        let seq = field("seq")?;
        if seq.starts_with('+') {
            return Err(AuditError::MalformedCheckpoint("seq"));
        }
        let seq = seq
            .parse::<u64>()
            .map_err(|_| AuditError::MalformedCheckpoint("seq"))?;
        let hash = hex_array::<32>(field("hash")?, "hash")?;
        let at = DateTime::parse_from_rfc3339(field("at")?)
            .map_err(|_| AuditError::MalformedCheckpoint("at"))?
            .with_timezone(&Utc);
        let public_key = hex_array::<32>(field("key")?, "key")?;
        let signature = hex_array::<64>(field("signature")?, "signature")?;
        if lines.next() != Some(END) || lines.next().is_some() {
            return Err(AuditError::MalformedCheckpoint("missing END line"));
        }
        let checkpoint = Checkpoint {
            store_id,
            tenant,
            seq,
            hash,
            at,
            public_key,
            signature,
        };
        // One checkpoint has exactly one text: anything the parser tolerated (a leading zero,
        // another UTC offset, nanoseconds) is refused here.
        let canonical = checkpoint.to_text();
        let given: Vec<&str> = text
            .trim()
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .collect();
        if canonical.trim_end().lines().ne(given.iter().copied()) {
            return Err(AuditError::MalformedCheckpoint("not in canonical form"));
        }
        checkpoint.verify_signature()?;
        Ok(checkpoint)
    }
}

fn hex_array<const N: usize>(s: &str, name: &'static str) -> Result<[u8; N], AuditError> {
    let mut out = [0u8; N];
    // Lower-case only, so that one checkpoint has exactly one text form.
    if s.len() != 2 * N || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(AuditError::MalformedCheckpoint(name));
    }
    hex::decode_to_slice(s, &mut out).map_err(|_| AuditError::MalformedCheckpoint(name))?;
    Ok(out)
}

fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// What the signature covers (docs/FORMAT.md, "Audit checkpoint").
fn signed_message(
    store_id: &[u8; 16],
    tenant: &str,
    seq: u64,
    hash: &[u8; 32],
    at_micros: i64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIGNING_DOMAIN.len() + 16 + 4 + tenant.len() + 8 + 32 + 8);
    out.extend_from_slice(SIGNING_DOMAIN);
    out.extend_from_slice(store_id);
    out.extend_from_slice(
        &u32::try_from(tenant.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(tenant.as_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(&at_micros.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        let at = DateTime::parse_from_rfc3339("2026-11-23T12:34:56.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        Checkpoint::sign(&[9; 32], [1; 16], "default", 42, [7; 32], at)
    }

    #[test]
    fn text_round_trips_and_verifies() {
        let cp = sample();
        let text = cp.to_text();
        assert!(text.starts_with(BEGIN));
        assert_eq!(Checkpoint::from_text(&text).unwrap(), cp);
        assert_eq!(
            Checkpoint::from_text(&format!("\n  {}  \n", text.replace('\n', "\r\n"))).unwrap(),
            cp
        );
    }

    #[test]
    fn any_edit_is_refused() {
        let text = sample().to_text();
        for (from, to) in [
            ("seq: 42", "seq: 43"),
            ("tenant: default", "tenant: other"),
            ("seq: 42", "seq: +42"),
            (
                "at: 2026-11-23T12:34:56.123456Z",
                "at: 2026-11-23T12:34:57.123456Z",
            ),
            ("version: 1", "version: 2"),
            ("seq: 42", "seq: 042"),
            (
                "at: 2026-11-23T12:34:56.123456Z",
                "at: 2026-11-23T09:34:56.123456-03:00",
            ),
            (
                "at: 2026-11-23T12:34:56.123456Z",
                "at: 2026-11-23T12:34:56.123456000Z",
            ),
        ] {
            assert!(
                Checkpoint::from_text(&text.replace(from, to)).is_err(),
                "{to}"
            );
        }
        let hash_line = format!("hash: {}", hex::encode([7u8; 32]));
        let other = format!("hash: {}", hex::encode([8u8; 32]));
        assert_eq!(
            Checkpoint::from_text(&text.replace(&hash_line, &other)),
            Err(AuditError::BadCheckpointSignature)
        );
        assert!(Checkpoint::from_text(&text.to_uppercase()).is_err());
        assert!(Checkpoint::from_text(&format!("{text}extra\n")).is_err());
        assert!(Checkpoint::from_text("").is_err());
    }

    #[test]
    fn debug_shows_the_position_only() {
        let shown = format!("{:?}", sample());
        assert!(shown.contains("seq: 42"));
        assert!(!shown.contains("signature"));
    }
}
