//! The backup's keys and its chunked AEAD: the STREAM construction (Hoang, Reyhanitabar, Rogaway
//! and Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015) as
//! RustCrypto's `aead::stream::StreamBE32` over AES-256-GCM-SIV (docs/FORMAT.md section 11).
//!
//! Chunk `i` is sealed under the nonce `nonce_prefix (7) ‖ u32 BE i ‖ last (0 or 1)` with the
//! whole header as its AAD: a chunk moved to another position, a file cut at a chunk boundary
//! (whose last chunk then lacks the final flag), or a chunk of another backup fails to open.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use aes_gcm_siv::aead::generic_array::GenericArray;
use aes_gcm_siv::aead::stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm_siv::aead::KeyInit;
use aes_gcm_siv::{Aes256GcmSiv, Key};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::format::{BackupHeader, BackupKdf, RawHeader, CHECK_LEN, MAC_LEN, SALT_LEN, TAG_LEN};
use super::{BackupError, Phase, Progress};
use crate::crypto::{hmac_sha256, CryptoError, KdfParams, Kek, MasterSecret};
use crate::error::Result;

/// HKDF info of the chunks' AES-256-GCM-SIV key.
const INFO_ENCRYPTION: &[u8] = b"inventario-core/v1 backup encryption";
/// HKDF info of the key check value's HMAC key.
const INFO_KEY_CHECK: &[u8] = b"inventario-core/v1 backup key check";
/// HKDF info of the header MAC's key.
const INFO_HEADER: &[u8] = b"inventario-core/v1 backup header";
/// The message MACed into the key check value.
const CHECK_LABEL: &[u8] = b"inventario-core/v1 backup key check";

/// The three keys of one backup, derived from the KEK of its master-key version and the
/// backup's random salt. Zeroized on drop; never printed.
pub(crate) struct BackupKeys {
    encryption: Zeroizing<[u8; 32]>,
    key_check: Zeroizing<[u8; 32]>,
    header: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for BackupKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupKeys(<redacted>)")
    }
}

impl BackupKeys {
    /// `HKDF-SHA256(IKM = KEK_v, salt, info)` for each of the three infos.
    pub(crate) fn derive(kek: &Kek, salt: &[u8; SALT_LEN]) -> BackupKeys {
        BackupKeys {
            encryption: kek.derive_subkey(salt, INFO_ENCRYPTION),
            key_check: kek.derive_subkey(salt, INFO_KEY_CHECK),
            header: kek.derive_subkey(salt, INFO_HEADER),
        }
    }

    /// The key check value: the first 16 bytes of HMAC-SHA256(key-check key, label).
    pub(crate) fn check_value(&self) -> [u8; CHECK_LEN] {
        let mac = hmac_sha256(self.key_check.as_ref(), &[CHECK_LABEL]);
        let mut out = [0u8; CHECK_LEN];
        out.copy_from_slice(&mac[..CHECK_LEN]);
        out
    }

    /// HMAC-SHA256 of the header's bytes up to the key check value.
    pub(crate) fn header_mac(&self, unsealed: &[u8]) -> [u8; MAC_LEN] {
        hmac_sha256(self.header.as_ref(), &[unsealed])
    }

    fn cipher(&self) -> Aes256GcmSiv {
        Aes256GcmSiv::new(Key::<Aes256GcmSiv>::from_slice(self.encryption.as_ref()))
    }
}

/// Derives the KEK of the backup's master-key version from `secret`, with the key derivation
/// recorded in the header. A hex key for a passphrase backup (or the reverse) can only be the
/// wrong key.
fn kek_for(secret: &MasterSecret, header: &BackupHeader) -> Result<Kek> {
    let wrong = || BackupError::WrongMasterKey {
        mk_version: header.mk_version,
        store_id: header.store_id_hex(),
        tenant: header.tenant.clone(),
    };
    match (secret, header.kdf) {
        (MasterSecret::Key(key), BackupKdf::Raw) => Ok(Kek::derive(key)),
        (MasterSecret::Passphrase(pass), BackupKdf::Pbkdf2 { salt, iterations }) => {
            let params = KdfParams::from_stored(iterations).map_err(|e| match e {
                CryptoError::InvalidKeyMaterial(_) => {
                    BackupError::Malformed("the PBKDF2 iteration count is below the floor")
                }
                _ => BackupError::Malformed("the PBKDF2 setting is invalid"),
            })?;
            Ok(Kek::derive(&pass.derive(&params, &salt)?))
        }
        _ => Err(wrong().into()),
    }
}

/// Checks `secret` against the header's key check value ([`BackupError::WrongMasterKey`],
/// naming the master-key version the backup needs), then the header's MAC
/// ([`BackupError::HeaderTampered`]). Both comparisons are constant-time. Runs PBKDF2 for a
/// passphrase backup.
pub(crate) fn authenticate(raw: &RawHeader, secret: &MasterSecret) -> Result<BackupKeys> {
    let header = &raw.header;
    let keys = BackupKeys::derive(&kek_for(secret, header)?, &header.salt);
    if !bool::from(keys.check_value().ct_eq(&header.key_check)) {
        return Err(BackupError::WrongMasterKey {
            mk_version: header.mk_version,
            store_id: header.store_id_hex(),
            tenant: header.tenant.clone(),
        }
        .into());
    }
    if !bool::from(keys.header_mac(raw.unsealed()).ct_eq(&raw.mac)) {
        return Err(BackupError::HeaderTampered.into());
    }
    Ok(keys)
}

/// A backup file opened for reading: its header (not yet authenticated) and the file,
/// positioned at the first chunk.
pub(crate) struct OpenedBackup {
    pub(crate) raw: RawHeader,
    pub(crate) file: File,
    pub(crate) path: PathBuf,
    pub(crate) file_len: u64,
}

/// Opens `path` and reads its header (see [`super::format::read_header`]).
pub(crate) fn open(path: &Path) -> Result<OpenedBackup, BackupError> {
    let mut file = File::open(path).map_err(BackupError::io("open", path))?;
    let file_len = file
        .metadata()
        .map_err(BackupError::io("read", path))?
        .len();
    let mut reader = std::io::BufReader::new(&mut file);
    let raw = super::format::read_header(&mut reader, file_len).map_err(|e| match e {
        BackupError::Io { action, source, .. } => BackupError::Io {
            action,
            path: path.to_owned(),
            source,
        },
        other => other,
    })?;
    file.seek(SeekFrom::Start(raw.header.header_len()))
        .map_err(BackupError::io("read", path))?;
    Ok(OpenedBackup {
        raw,
        file,
        path: path.to_owned(),
        file_len,
    })
}

impl OpenedBackup {
    /// Checks the file's length against the header's: [`BackupError::Truncated`] (an unfinished
    /// `.partial` file, a copy cut short) or [`BackupError::TrailingData`].
    pub(crate) fn check_length(&self) -> Result<(), BackupError> {
        let expected = self.raw.header.file_len();
        match self.file_len.cmp(&expected) {
            std::cmp::Ordering::Less => Err(BackupError::Truncated {
                expected,
                actual: self.file_len,
            }),
            std::cmp::Ordering::Greater => Err(BackupError::TrailingData {
                expected,
                actual: self.file_len,
            }),
            std::cmp::Ordering::Equal => Ok(()),
        }
    }

    /// Opens every chunk in order and writes its plaintext to `sink`. Fails with
    /// [`BackupError::ChunkTampered`] at the first chunk that does not authenticate, having
    /// written only the chunks before it.
    pub(crate) fn decrypt_into(
        mut self,
        keys: &BackupKeys,
        sink: &mut dyn Write,
        sink_path: &Path,
        progress: &dyn Fn(&Progress),
    ) -> Result<(), BackupError> {
        self.check_length()?;
        let header = &self.raw.header;
        let aad = self.raw.bytes.as_slice();
        let chunks = header.chunk_count();
        let chunk_size = u64::from(header.chunk_size);
        let mut decryptor = DecryptorBE32::<Aes256GcmSiv>::from_aead(
            keys.cipher(),
            GenericArray::from_slice(&header.nonce_prefix),
        );
        let mut reader = std::io::BufReader::with_capacity(1 << 16, &mut self.file);
        let mut buf: Vec<u8> = Vec::new();
        let mut read_chunk = |buf: &mut Vec<u8>, plain_len: u64| {
            buf.clear();
            buf.resize(
                usize::try_from(plain_len + TAG_LEN).unwrap_or(usize::MAX),
                0,
            );
            reader
                .read_exact(buf)
                .map_err(BackupError::io("read", &self.path))
        };
        let mut emit = |buf: &[u8], done: u64| {
            sink.write_all(buf)
                .map_err(BackupError::io("write", sink_path))?;
            progress(&Progress {
                phase: Phase::Decrypt,
                done,
                total: header.payload_len,
            });
            Ok::<(), BackupError>(())
        };
        for index in 0..chunks - 1 {
            read_chunk(&mut buf, chunk_size)?;
            decryptor
                .decrypt_next_in_place(aad, &mut buf)
                .map_err(|_| BackupError::ChunkTampered { chunk: index })?;
            emit(&buf, (index + 1) * chunk_size)?;
        }
        read_chunk(&mut buf, header.payload_len - chunk_size * (chunks - 1))?;
        decryptor
            .decrypt_last_in_place(aad, &mut buf)
            .map_err(|_| BackupError::ChunkTampered { chunk: chunks - 1 })?;
        emit(&buf, header.payload_len)
    }
}

/// `path` with `.partial` appended to its file name.
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".partial");
    path.with_file_name(name)
}

/// Syncs the directory holding `path`, so that a rename or a creation in it survives a crash.
pub(crate) fn sync_dir(path: &Path) -> Result<(), BackupError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Directories cannot be opened for syncing on every platform; where they can, this is
    // what makes the rename durable.
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(BackupError::io("sync", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Encrypts the payload file `src` into the backup file `dest`, behind `header_bytes`.
///
/// Everything but the final chunk is written to `dest.partial` and synced; that file is then
/// renamed to `dest` and the final chunk (the only one sealed with STREAM's last-chunk flag) is
/// appended and synced. A `.partial` file therefore never holds a final chunk, and a process
/// killed at any point leaves no file that restore accepts. Returns the file's length.
pub(crate) fn write_backup(
    src: &Path,
    dest: &Path,
    header: &BackupHeader,
    header_bytes: &[u8],
    keys: &BackupKeys,
    progress: &dyn Fn(&Progress),
) -> Result<u64, BackupError> {
    let partial = partial_path(dest);
    let result = write_partial(src, &partial, header, header_bytes, keys, progress)
        .and_then(|last| finish(&partial, dest, &last));
    if result.is_err() {
        // Whatever is left is unrestorable anyway; do not leave it lying around.
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Writes the header and every chunk but the last to `partial`; returns the sealed last chunk.
fn write_partial(
    src: &Path,
    partial: &Path,
    header: &BackupHeader,
    header_bytes: &[u8],
    keys: &BackupKeys,
    progress: &dyn Fn(&Progress),
) -> Result<Vec<u8>, BackupError> {
    let mut input = std::io::BufReader::with_capacity(
        1 << 16,
        File::open(src).map_err(BackupError::io("open", src))?,
    );
    let mut out = File::create(partial).map_err(BackupError::io("create", partial))?;
    out.write_all(header_bytes)
        .map_err(BackupError::io("write", partial))?;
    let chunks = header.chunk_count();
    let chunk_size = u64::from(header.chunk_size);
    let mut encryptor = EncryptorBE32::<Aes256GcmSiv>::from_aead(
        keys.cipher(),
        GenericArray::from_slice(&header.nonce_prefix),
    );
    let mut buf: Vec<u8> = Vec::with_capacity(usize::try_from(chunk_size + TAG_LEN).unwrap_or(0));
    let mut done = 0u64;
    for _ in 1..chunks {
        buf.clear();
        buf.resize(usize::try_from(chunk_size).unwrap_or(usize::MAX), 0);
        input
            .read_exact(&mut buf)
            .map_err(BackupError::io("read", src))?;
        encryptor
            .encrypt_next_in_place(header_bytes, &mut buf)
            .map_err(|_| BackupError::Malformed("the payload is too large to encrypt"))?;
        out.write_all(&buf)
            .map_err(BackupError::io("write", partial))?;
        done += chunk_size;
        progress(&Progress {
            phase: Phase::Encrypt,
            done,
            total: header.payload_len,
        });
    }
    let last_len = header.payload_len - chunk_size * (chunks - 1);
    buf.clear();
    buf.resize(usize::try_from(last_len).unwrap_or(usize::MAX), 0);
    input
        .read_exact(&mut buf)
        .map_err(BackupError::io("read", src))?;
    let mut probe = [0u8; 1];
    if input
        .read(&mut probe)
        .map_err(BackupError::io("read", src))?
        != 0
    {
        return Err(BackupError::Snapshot(
            "the snapshot changed while it was being encrypted".into(),
        ));
    }
    encryptor
        .encrypt_last_in_place(header_bytes, &mut buf)
        .map_err(|_| BackupError::Malformed("the payload is too large to encrypt"))?;
    out.sync_all().map_err(BackupError::io("sync", partial))?;
    progress(&Progress {
        phase: Phase::Encrypt,
        done: header.payload_len,
        total: header.payload_len,
    });
    Ok(buf)
}

/// Renames `partial` to `dest` (refusing to replace an existing file), then appends and syncs
/// the final chunk.
fn finish(partial: &Path, dest: &Path, last: &[u8]) -> Result<u64, BackupError> {
    if dest.exists() {
        return Err(BackupError::DestinationExists(
            dest.to_owned(),
            "a backup never replaces another file",
        ));
    }
    std::fs::rename(partial, dest).map_err(BackupError::io("rename", partial))?;
    sync_dir(dest)?;
    let mut out = OpenOptions::new()
        .append(true)
        .open(dest)
        .map_err(BackupError::io("open", dest))?;
    out.write_all(last)
        .map_err(BackupError::io("write", dest))?;
    out.sync_all().map_err(BackupError::io("sync", dest))?;
    Ok(out.metadata().map_err(BackupError::io("read", dest))?.len())
}

#[cfg(test)]
mod tests {
    use super::super::format::NONCE_PREFIX_LEN;
    use super::*;
    use crate::crypto::MasterKey;

    /// The KEK of `kek.rs`'s test master key and a salt of bytes 0 to 31.
    fn keys() -> BackupKeys {
        let master =
            MasterKey::from_hex("8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76")
                .unwrap();
        let salt: [u8; SALT_LEN] = std::array::from_fn(|i| u8::try_from(i).unwrap());
        BackupKeys::derive(&Kek::derive(&master), &salt)
    }

    // Independent computation: Python's hmac module (HKDF-Extract, one Expand block) and
    // `cryptography`'s AESGCMSIV with the nonce built by hand as prefix ‖ u32 BE ‖ flag.
    const ENCRYPTION_HEX: &str = "5641528460e2d6516eacbd0eb55f644e60159c1d504629c9942722c9e70c9e4a";
    const CHECK_HEX: &str = "d3a9d42c2202eeb32c3720857d2edb1e";
    const MAC_HEX: &str = "f9126baeed65439d05e106b19a66760d764c45267b81d8fd3ce39aaab6f1c8b4";
    const FIRST_CHUNK_HEX: &str = "689fa62a4ed746bbe20b756b4fb11e194b02eacc55afc8a6f4e285";
    const LAST_CHUNK_HEX: &str = "06646d6b4ed46ecfd32d956f2a2ea340b65a3e39";

    #[test]
    fn the_keys_and_chunks_are_as_documented() {
        let keys = keys();
        assert_eq!(hex::encode(keys.encryption.as_ref()), ENCRYPTION_HEX);
        assert_eq!(hex::encode(keys.check_value()), CHECK_HEX);
        assert_eq!(hex::encode(keys.header_mac(b"header bytes")), MAC_HEX);

        let prefix = [7u8; NONCE_PREFIX_LEN];
        let mut encryptor = EncryptorBE32::<Aes256GcmSiv>::from_aead(
            keys.cipher(),
            GenericArray::from_slice(&prefix),
        );
        let mut first = b"first chunk".to_vec();
        encryptor
            .encrypt_next_in_place(b"the header", &mut first)
            .unwrap();
        let mut last = b"last".to_vec();
        encryptor
            .encrypt_last_in_place(b"the header", &mut last)
            .unwrap();
        assert_eq!(hex::encode(&first), FIRST_CHUNK_HEX);
        assert_eq!(hex::encode(&last), LAST_CHUNK_HEX);

        // Opened out of order, or the last one as if it were not last, they fail.
        let mut decryptor = DecryptorBE32::<Aes256GcmSiv>::from_aead(
            keys.cipher(),
            GenericArray::from_slice(&prefix),
        );
        let mut moved = last.clone();
        assert!(decryptor
            .decrypt_next_in_place(b"the header", &mut moved)
            .is_err());
        let mut decryptor = DecryptorBE32::<Aes256GcmSiv>::from_aead(
            keys.cipher(),
            GenericArray::from_slice(&prefix),
        );
        decryptor
            .decrypt_next_in_place(b"the header", &mut first)
            .unwrap();
        assert_eq!(first, b"first chunk");
        let mut not_last = last.clone();
        assert!(decryptor
            .decrypt_next_in_place(b"the header", &mut not_last)
            .is_err());
    }

    #[test]
    fn nothing_secret_is_printed() {
        assert_eq!(format!("{:?}", keys()), "BackupKeys(<redacted>)");
    }
}
