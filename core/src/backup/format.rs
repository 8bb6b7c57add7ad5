//! The backup file's header: its layout, encoding and parsing (docs/FORMAT.md section 11).
//!
//! Nothing here needs a key. The header is authenticated by [`super::stream`]: a key check
//! value and a MAC inside it, and the whole header as the AAD of every chunk.

use std::io::Read;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::BackupError;

/// The first 8 bytes of every backup file: `0x89 "IVBK" CR LF 0x1a`. The high byte and the
/// line ends catch a file mangled by a text-mode transfer, as in PNG.
pub const MAGIC: [u8; 8] = *b"\x89IVBK\r\n\x1a";
/// The format version this library writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// The chunk size of a new backup unless told another: 64 KiB of plaintext per chunk.
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
/// The smallest chunk size accepted.
pub const MIN_CHUNK_SIZE: u32 = 4 * 1024;
/// The largest chunk size accepted (a reader holds one chunk in memory).
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// The AES-256-GCM-SIV tag that follows every chunk's ciphertext.
pub(crate) const TAG_LEN: u64 = 16;

pub(crate) const SALT_LEN: usize = 32;
pub(crate) const NONCE_PREFIX_LEN: usize = 7;
pub(crate) const CHECK_LEN: usize = 16;
pub(crate) const MAC_LEN: usize = 32;
const DIGEST_LEN: usize = 32;
/// Bytes before the header's length field can be read: magic, version, kind, length.
const LEAD_LEN: usize = 12;
/// The header's length without the tenant's bytes.
pub(crate) const FIXED_LEN: usize = LEAD_LEN
    + 16 // store id
    + 2 // tenant length
    + 4 // master-key version
    + 1 + 16 + 4 // key derivation, its salt and iterations
    + 8 + 32 + 8 // audit head seq, hash, time
    + 8 // created at
    + 8 // payload length
    + 4 // chunk size
    + SALT_LEN
    + NONCE_PREFIX_LEN
    + CHECK_LEN
    + MAC_LEN
    + DIGEST_LEN;

/// What a backup's payload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadKind {
    /// A SQLite database file (a `VACUUM INTO` copy of the store), code `0x01`.
    SqliteDatabase,
}

impl PayloadKind {
    fn code(self) -> u8 {
        match self {
            PayloadKind::SqliteDatabase => 1,
        }
    }
}

/// How the master secret of the backed-up master-key version becomes a master key: needed to
/// open the backup without the store's keyring.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BackupKdf {
    /// A 64-hex-digit master key, used as is (code `0x00`).
    Raw,
    /// A passphrase stretched with PBKDF2-HMAC-SHA256 (code `0x01`), with the keyring's salt
    /// and iteration count of that master-key version.
    Pbkdf2 {
        /// The keyring's 16-byte PBKDF2 salt.
        salt: [u8; 16],
        /// The iteration count.
        iterations: u32,
    },
}

impl std::fmt::Debug for BackupKdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackupKdf::Raw => f.write_str("Raw"),
            BackupKdf::Pbkdf2 { iterations, .. } => f
                .debug_struct("Pbkdf2")
                .field("iterations", iterations)
                .finish_non_exhaustive(),
        }
    }
}

/// A backup file's header: what it holds, whose it is and which master key opens it.
///
/// Read one without a key with [`crate::backup::inspect`] (unauthenticated: for display only),
/// or authenticated by [`crate::backup::verify_backup`] and [`crate::backup::restore`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupHeader {
    /// The format version (1).
    pub format_version: u8,
    /// What the payload is.
    pub payload: PayloadKind,
    /// The backed-up store's random id (`crypto_meta.store_id`, as in audit checkpoints).
    pub store_id: [u8; 16],
    /// The tenant whose keyring the backup is keyed to.
    pub tenant: String,
    /// The master-key version the backup was made under: only that master key opens it.
    pub mk_version: u32,
    /// How that master key is obtained from the master secret.
    pub kdf: BackupKdf,
    /// The recovery point: the last audit record in the backup (0 for an empty chain).
    pub audit_head_seq: u64,
    /// That record's hash (32 zero bytes for an empty chain).
    pub audit_head_hash: [u8; 32],
    /// When that record was written (`None` for an empty chain).
    pub audit_head_at: Option<DateTime<Utc>>,
    /// When the backup was made (to the microsecond).
    pub created_at: DateTime<Utc>,
    /// The payload's length in bytes, before encryption.
    pub payload_len: u64,
    /// Plaintext bytes per chunk (the last chunk may be shorter).
    pub chunk_size: u32,
    pub(crate) salt: [u8; SALT_LEN],
    pub(crate) nonce_prefix: [u8; NONCE_PREFIX_LEN],
    pub(crate) key_check: [u8; CHECK_LEN],
}

impl BackupHeader {
    /// The store id as 32 lower-case hex digits.
    pub fn store_id_hex(&self) -> String {
        hex::encode(self.store_id)
    }

    /// How many chunks the payload is cut into: at least one (an empty payload is one empty,
    /// final chunk).
    pub fn chunk_count(&self) -> u64 {
        self.payload_len.div_ceil(u64::from(self.chunk_size)).max(1)
    }

    /// The header's length in bytes.
    pub fn header_len(&self) -> u64 {
        (FIXED_LEN + self.tenant.len()) as u64
    }

    /// The whole file's length: header, then every chunk's ciphertext and tag.
    pub fn file_len(&self) -> u64 {
        self.header_len()
            .saturating_add(self.payload_len)
            .saturating_add(self.chunk_count().saturating_mul(TAG_LEN))
    }

    /// The header's bytes up to and including the key check value: what the header MAC
    /// covers.
    pub(crate) fn encode_unsealed(&self) -> Result<Vec<u8>, BackupError> {
        // The whole header's length is a u16, so the tenant's (part of it) fits one too.
        let too_long = || BackupError::Malformed("the tenant id is too long");
        let header_len = u16::try_from(FIXED_LEN + self.tenant.len()).map_err(|_| too_long())?;
        let tenant_len = u16::try_from(self.tenant.len()).map_err(|_| too_long())?;
        let mut out = Vec::with_capacity(usize::from(header_len));
        out.extend_from_slice(&MAGIC);
        out.push(self.format_version);
        out.push(self.payload.code());
        out.extend_from_slice(&header_len.to_be_bytes());
        out.extend_from_slice(&self.store_id);
        out.extend_from_slice(&tenant_len.to_be_bytes());
        out.extend_from_slice(self.tenant.as_bytes());
        out.extend_from_slice(&self.mk_version.to_be_bytes());
        match self.kdf {
            BackupKdf::Raw => {
                out.push(0);
                out.extend_from_slice(&[0; 16]);
                out.extend_from_slice(&0u32.to_be_bytes());
            }
            BackupKdf::Pbkdf2 { salt, iterations } => {
                out.push(1);
                out.extend_from_slice(&salt);
                out.extend_from_slice(&iterations.to_be_bytes());
            }
        }
        out.extend_from_slice(&self.audit_head_seq.to_be_bytes());
        out.extend_from_slice(&self.audit_head_hash);
        let head_at = self.audit_head_at.map_or(0, |at| at.timestamp_micros());
        out.extend_from_slice(&head_at.to_be_bytes());
        out.extend_from_slice(&self.created_at.timestamp_micros().to_be_bytes());
        out.extend_from_slice(&self.payload_len.to_be_bytes());
        out.extend_from_slice(&self.chunk_size.to_be_bytes());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.nonce_prefix);
        out.extend_from_slice(&self.key_check);
        Ok(out)
    }

    /// The complete header: the unsealed bytes, the MAC over them, and the SHA-256 digest of
    /// both.
    pub(crate) fn seal(unsealed: Vec<u8>, mac: &[u8; MAC_LEN]) -> Vec<u8> {
        let mut out = unsealed;
        out.extend_from_slice(mac);
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }
}

/// A header as read from a file: its fields, its MAC and every byte of it (the chunks' AAD).
#[derive(Clone, Debug)]
pub(crate) struct RawHeader {
    pub(crate) header: BackupHeader,
    pub(crate) mac: [u8; MAC_LEN],
    pub(crate) bytes: Vec<u8>,
}

impl RawHeader {
    /// The bytes the MAC covers.
    pub(crate) fn unsealed(&self) -> &[u8] {
        &self.bytes[..self.bytes.len() - MAC_LEN - DIGEST_LEN]
    }
}

/// Reads and parses the header at the start of `reader`. Checks, in this order: the magic
/// bytes ([`BackupError::NotABackup`]), the version ([`BackupError::UnsupportedVersion`]), the
/// length field and the file's length ([`BackupError::Malformed`],
/// [`BackupError::Truncated`]), the checksum ([`BackupError::HeaderDamaged`]), then every
/// field. Authenticates nothing.
pub(crate) fn read_header(reader: &mut impl Read, file_len: u64) -> Result<RawHeader, BackupError> {
    let mut lead = [0u8; LEAD_LEN];
    let got = read_up_to(reader, &mut lead)?;
    if got < MAGIC.len() || lead[..MAGIC.len()] != MAGIC {
        return Err(BackupError::NotABackup);
    }
    if got < LEAD_LEN {
        return Err(BackupError::Truncated {
            expected: LEAD_LEN as u64,
            actual: file_len,
        });
    }
    if lead[8] != FORMAT_VERSION {
        return Err(BackupError::UnsupportedVersion(lead[8]));
    }
    let header_len = usize::from(u16::from_be_bytes([lead[10], lead[11]]));
    if header_len < FIXED_LEN {
        return Err(BackupError::Malformed("the header length is too small"));
    }
    let mut bytes = vec![0u8; header_len];
    bytes[..LEAD_LEN].copy_from_slice(&lead);
    let got = read_up_to(reader, &mut bytes[LEAD_LEN..])?;
    if got < header_len - LEAD_LEN {
        return Err(BackupError::Truncated {
            expected: header_len as u64,
            actual: file_len,
        });
    }
    let (covered, digest) = bytes.split_at(header_len - DIGEST_LEN);
    if Sha256::digest(covered).as_slice() != digest {
        return Err(BackupError::HeaderDamaged);
    }
    let (header, mac) = parse(&bytes)?;
    Ok(RawHeader { header, mac, bytes })
}

/// Fills `buf` as far as the reader goes; returns how many bytes were read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, BackupError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(BackupError::Io {
                    action: "read",
                    path: "the backup".into(),
                    source,
                })
            }
        }
    }
    Ok(filled)
}

/// A cursor over the header's bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BackupError> {
        if self.bytes.len() < n {
            return Err(BackupError::Malformed("the header ends inside a field"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BackupError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, BackupError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, BackupError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, BackupError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, BackupError> {
        Ok(i64::from_be_bytes(self.array()?))
    }
}

fn instant(micros: i64) -> Result<DateTime<Utc>, BackupError> {
    DateTime::from_timestamp_micros(micros).ok_or(BackupError::Malformed("a time is out of range"))
}

/// Parses a header whose checksum has been checked.
fn parse(bytes: &[u8]) -> Result<(BackupHeader, [u8; MAC_LEN]), BackupError> {
    let mut c = Cursor { bytes };
    c.take(MAGIC.len())?;
    let format_version = c.array::<1>()?[0];
    let payload = match c.array::<1>()?[0] {
        1 => PayloadKind::SqliteDatabase,
        other => return Err(BackupError::UnsupportedPayload(other)),
    };
    let header_len = usize::from(c.u16()?);
    let store_id = c.array::<16>()?;
    let tenant_len = usize::from(c.u16()?);
    if header_len != FIXED_LEN + tenant_len {
        return Err(BackupError::Malformed(
            "the header length does not match the tenant's length",
        ));
    }
    let tenant = std::str::from_utf8(c.take(tenant_len)?)
        .map_err(|_| BackupError::Malformed("the tenant id is not UTF-8"))?
        .to_owned();
    if tenant.is_empty() {
        return Err(BackupError::Malformed("the tenant id is empty"));
    }
    let mk_version = c.u32()?;
    let kdf_code = c.array::<1>()?[0];
    let kdf_salt = c.array::<16>()?;
    let iterations = c.u32()?;
    let kdf = match kdf_code {
        0 if kdf_salt == [0; 16] && iterations == 0 => BackupKdf::Raw,
        1 if iterations > 0 => BackupKdf::Pbkdf2 {
            salt: kdf_salt,
            iterations,
        },
        _ => {
            return Err(BackupError::Malformed(
                "unknown or inconsistent key derivation",
            ))
        }
    };
    let audit_head_seq = c.u64()?;
    let audit_head_hash = c.array::<32>()?;
    let head_at = c.i64()?;
    let audit_head_at = if audit_head_seq == 0 {
        if audit_head_hash != [0; 32] || head_at != 0 {
            return Err(BackupError::Malformed(
                "an empty audit chain with a hash or a time",
            ));
        }
        None
    } else {
        Some(instant(head_at)?)
    };
    let created_at = instant(c.i64()?)?;
    let payload_len = c.u64()?;
    let chunk_size = c.u32()?;
    if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
        return Err(BackupError::Malformed("the chunk size is out of range"));
    }
    let header = BackupHeader {
        format_version,
        payload,
        store_id,
        tenant,
        mk_version,
        kdf,
        audit_head_seq,
        audit_head_hash,
        audit_head_at,
        created_at,
        payload_len,
        chunk_size,
        salt: c.array()?,
        nonce_prefix: c.array()?,
        key_check: c.array()?,
    };
    if header.chunk_count() > u64::from(u32::MAX) {
        return Err(BackupError::Malformed(
            "too many chunks for a 32-bit counter",
        ));
    }
    let mac = c.array::<MAC_LEN>()?;
    c.take(DIGEST_LEN)?;
    if !c.bytes.is_empty() {
        return Err(BackupError::Malformed("bytes after the header's digest"));
    }
    Ok((header, mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> BackupHeader {
        BackupHeader {
            format_version: FORMAT_VERSION,
            payload: PayloadKind::SqliteDatabase,
            store_id: [7; 16],
            tenant: "sucursal-centro".into(),
            mk_version: 2,
            kdf: BackupKdf::Pbkdf2 {
                salt: [1; 16],
                iterations: 600_000,
            },
            audit_head_seq: 42,
            audit_head_hash: [9; 32],
            audit_head_at: DateTime::from_timestamp_micros(1_772_474_400_000_000),
            created_at: DateTime::from_timestamp_micros(1_772_474_401_000_001).unwrap(),
            payload_len: 200_000,
            chunk_size: DEFAULT_CHUNK_SIZE,
            salt: [3; SALT_LEN],
            nonce_prefix: [4; NONCE_PREFIX_LEN],
            key_check: [5; CHECK_LEN],
        }
    }

    #[test]
    fn a_header_round_trips_and_has_the_documented_length() {
        let h = header();
        let bytes = BackupHeader::seal(h.encode_unsealed().unwrap(), &[6; MAC_LEN]);
        assert_eq!(bytes.len(), 242 + "sucursal-centro".len());
        assert_eq!(bytes.len() as u64, h.header_len());
        let len = bytes.len() as u64;
        let raw = read_header(&mut bytes.as_slice(), len).unwrap();
        assert_eq!(raw.header, h);
        assert_eq!(raw.mac, [6; MAC_LEN]);
        assert_eq!(raw.bytes, bytes);
        assert_eq!(h.chunk_count(), 4);
        assert_eq!(h.file_len(), h.header_len() + 200_000 + 4 * 16);
    }

    #[test]
    fn the_header_is_refused_in_the_documented_order() {
        let bytes = BackupHeader::seal(header().encode_unsealed().unwrap(), &[6; MAC_LEN]);
        let read = |b: &[u8]| read_header(&mut &b[..], b.len() as u64).unwrap_err().kind();
        assert_eq!(read(b"SQLite format 3\0"), "NotABackup");
        assert_eq!(read(&[]), "NotABackup");
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert_eq!(read(&v2), "UnsupportedVersion");
        assert_eq!(read(&bytes[..100]), "Truncated");
        for i in 9..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x40;
            let kind = read(&flipped);
            assert!(
                ["HeaderDamaged", "Malformed", "Truncated"].contains(&kind),
                "byte {i}: {kind}"
            );
        }
    }

    #[test]
    fn an_empty_payload_is_one_chunk() {
        let h = BackupHeader {
            payload_len: 0,
            ..header()
        };
        assert_eq!(h.chunk_count(), 1);
        let exact = BackupHeader {
            payload_len: u64::from(DEFAULT_CHUNK_SIZE) * 2,
            ..header()
        };
        assert_eq!(exact.chunk_count(), 2);
    }
}
