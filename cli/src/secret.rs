//! Where master secrets come from: a key file, or the environment. Never the command line.
//!
//! Arguments are visible to every user of the machine (`ps`, `/proc/PID/cmdline`) and stay in
//! shell histories, so no option takes a key. A key file holds 64 hex digits or a passphrase
//! and, on Unix, must be accessible by its owner only (like ssh, a key file that group or
//! others can access is refused). New key files are created with `create_new` and mode 0600,
//! so an existing file is never overwritten. Secrets read here live in zeroizing memory.

use std::fmt;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use inventario_core::crypto::{MasterKey, MasterSecret, Passphrase};
use zeroize::Zeroizing;

use crate::exit::{Code, Failure};

/// The variables [`MasterSecret::from_env`] reads, in its order of precedence.
const MASTER_ENV: [&str; 3] = [
    "INVENTARIO_MASTER_KEY",
    "DATABASE_ENCRYPTION_KEY",
    "INVENTARIO_MASTER_PASSPHRASE",
];
/// A new master key for `keys rotate-master`, 64 hex digits.
pub(crate) const NEW_KEY_ENV: &str = "INVENTARIO_NEW_MASTER_KEY";
/// A new passphrase for `keys rotate-master`.
pub(crate) const NEW_PASSPHRASE_ENV: &str = "INVENTARIO_NEW_MASTER_PASSPHRASE";
/// The longest key file read: a key is 64 characters, a passphrase rarely more than a line.
const MAX_KEY_FILE: u64 = 4096;

/// Where a master secret came from, to say so in messages (never the secret itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A key file.
    File(PathBuf),
    /// One or more environment variables.
    Environment(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "key file {}", path.display()),
            Source::Environment(names) => f.write_str(names),
        }
    }
}

/// The store's master secret: from `key_file` when given, else from the environment.
pub(crate) fn master_secret(key_file: Option<&Path>) -> Result<(MasterSecret, Source), Failure> {
    if let Some(path) = key_file {
        return Ok((read_key_file(path)?, Source::File(path.to_owned())));
    }
    if !MASTER_ENV.iter().any(|name| is_set(name)) {
        return Err(Failure::master_key(
            "no master key: pass --key-file PATH (or set INVENTARIO_MASTER_KEY_FILE), or set \
             INVENTARIO_MASTER_KEY (64 hex digits) or INVENTARIO_MASTER_PASSPHRASE",
        ));
    }
    let secret = MasterSecret::from_env()
        .map_err(|e| Failure::master_key(format!("the master key in the environment: {e}")))?;
    Ok((
        secret,
        Source::Environment("INVENTARIO_MASTER_KEY or INVENTARIO_MASTER_PASSPHRASE"),
    ))
}

/// The new secret of `keys rotate-master`: from `new_key_file` when given, else from
/// [`NEW_KEY_ENV`] or [`NEW_PASSPHRASE_ENV`].
pub(crate) fn new_master_secret(
    new_key_file: Option<&Path>,
) -> Result<(MasterSecret, Source), Failure> {
    if let Some(path) = new_key_file {
        return Ok((read_key_file(path)?, Source::File(path.to_owned())));
    }
    if let Some(hex) = var(NEW_KEY_ENV)? {
        let key = MasterKey::from_hex(&hex)
            .map_err(|e| Failure::master_key(format!("{NEW_KEY_ENV}: {e}")))?;
        return Ok((key.into(), Source::Environment(NEW_KEY_ENV)));
    }
    if let Some(passphrase) = var(NEW_PASSPHRASE_ENV)? {
        let passphrase = Passphrase::new(passphrase.as_str())
            .map_err(|e| Failure::master_key(format!("{NEW_PASSPHRASE_ENV}: {e}")))?;
        return Ok((passphrase.into(), Source::Environment(NEW_PASSPHRASE_ENV)));
    }
    Err(Failure::master_key(format!(
        "no new master secret: pass --new-key-file PATH or --generate-to PATH, or set \
         {NEW_KEY_ENV} (64 hex digits) or {NEW_PASSPHRASE_ENV}"
    )))
}

/// Reads a key file: 64 hex digits (surrounding whitespace ignored) are a key; anything else
/// is a passphrase, used as written less one final line ending.
pub(crate) fn read_key_file(path: &Path) -> Result<MasterSecret, Failure> {
    let cannot = |e: &std::io::Error| Failure::io(Code::MasterKey, "cannot read key file", path, e);
    let mut file = File::open(path).map_err(|e| cannot(&e))?;
    let metadata = file.metadata().map_err(|e| cannot(&e))?;
    if !metadata.is_file() {
        return Err(Failure::master_key(format!(
            "key file {} is not a regular file",
            path.display()
        )));
    }
    check_owner_only(path, &metadata)?;
    if metadata.len() > MAX_KEY_FILE {
        return Err(Failure::master_key(format!(
            "key file {} is larger than any key or passphrase ({} bytes)",
            path.display(),
            metadata.len()
        )));
    }
    let mut text = Zeroizing::new(String::new());
    file.read_to_string(&mut text).map_err(|e| cannot(&e))?;
    let content = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if content.trim().is_empty() {
        return Err(Failure::master_key(format!(
            "key file {} is empty",
            path.display()
        )));
    }
    MasterSecret::parse(content)
        .map_err(|e| Failure::master_key(format!("key file {}: {e}", path.display())))
}

/// Refuses a key file that group or others can access (Unix permission bits 0o077).
#[cfg(unix)]
fn check_owner_only(path: &Path, metadata: &std::fs::Metadata) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Failure::master_key(format!(
            "permissions {mode:04o} for key file {path} are too open: it must be accessible by \
             its owner only (chmod 600 {path})",
            path = path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_path: &Path, _metadata: &std::fs::Metadata) -> Result<(), Failure> {
    Ok(())
}

/// Writes a freshly generated key to `path` as 64 hex digits and a line ending: a new file
/// (never an existing one), mode 0600 on Unix, flushed to disk before returning.
pub(crate) fn write_new_key_file(path: &Path, key: &MasterKey) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::AlreadyExists {
            Code::Refused
        } else {
            Code::MasterKey
        };
        Failure::io(code, "cannot create key file", path, &e)
    })?;
    let mut line = key.to_hex();
    line.push('\n');
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure::io(Code::MasterKey, "cannot write key file", path, &e))
}

/// Refuses a path where a new key file would overwrite something.
pub(crate) fn require_new_key_path(path: &Path) -> Result<(), Failure> {
    if path.symlink_metadata().is_ok() {
        return Err(Failure::refused(format!(
            "{} already exists: a new key is never written over an existing file",
            path.display()
        )));
    }
    Ok(())
}

/// Whether an environment variable is set to something other than blanks.
fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.to_string_lossy().trim().is_empty())
}

/// A variable's value in zeroizing memory; `None` when unset or blank.
fn var(name: &str) -> Result<Option<Zeroizing<String>>, Failure> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(Zeroizing::new(value))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Failure::master_key(format!("{name} is not valid Unicode")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76";

    fn key_file(dir: &Path, name: &str, content: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        path
    }

    #[test]
    fn a_key_file_holds_hex_or_a_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let hex = key_file(dir.path(), "hex", &format!("{KEY}\n"), 0o600);
        assert!(matches!(read_key_file(&hex).unwrap(), MasterSecret::Key(_)));
        let pass = key_file(
            dir.path(),
            "pass",
            "mate amargo en la trastienda\r\n",
            0o400,
        );
        assert!(matches!(
            read_key_file(&pass).unwrap(),
            MasterSecret::Passphrase(_)
        ));
        let empty = key_file(dir.path(), "empty", "\n", 0o600);
        let err = read_key_file(&empty).unwrap_err();
        assert_eq!(err.code(), Code::MasterKey);
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o644, 0o640, 0o604, 0o620] {
            let path = key_file(dir.path(), &format!("k{mode:o}"), KEY, mode);
            let err = read_key_file(&path).unwrap_err();
            assert_eq!(err.code(), Code::MasterKey);
            assert!(format!("{err:?}").contains("too open"), "{mode:o}: {err:?}");
        }
    }

    #[test]
    fn new_key_files_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.key");
        let key = MasterKey::generate();
        write_new_key_file(&path, &key).unwrap();
        assert!(matches!(
            read_key_file(&path).unwrap(),
            MasterSecret::Key(_)
        ));
        let err = write_new_key_file(&path, &MasterKey::generate()).unwrap_err();
        assert_eq!(err.code(), Code::Refused);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().trim(),
            key.to_hex().as_str()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
