//! The master secret: a 32-byte master key, or a passphrase stretched into one with PBKDF2.
//!
//! This module owns the refusal of weak and placeholder secrets, so that nothing above it can open
//! a keyring with `TEMP_KEY_REPLACE_ME`. It never logs, prints or formats secret bytes: every type
//! here has a redacted `Debug` and keeps its bytes in zeroizing memory.

use std::fmt;

use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::CryptoError;

/// Placeholders shipped in example configurations; a secret containing one (in any case) is
/// refused.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "temp_key_replace_me",
    "your_secure_32_byte_hex_key_here",
    "replace_me",
    "replaceme",
];

/// Passphrases refused outright (compared case-insensitively, after trimming whitespace).
const PLACEHOLDER_PASSPHRASES: &[&str] = &[
    "changeme",
    "changemechangeme",
    "changeme_changeme",
    "changeme-changeme",
    "changeme1234567890",
    "changemechangemechangeme",
    "password",
    "password123",
    "password1234",
    "password12345678",
    "password123456789",
    "password1234567890",
    "passwordpassword",
    "passwordpassword123",
    "password_password",
    "correct horse battery staple",
    "correcthorsebatterystaple",
];

/// Whether `text` contains one of the known placeholders, in any case.
fn contains_placeholder(text: &str) -> bool {
    PLACEHOLDER_MARKERS
        .iter()
        .any(|marker| contains_ignore_ascii_case(text.as_bytes(), marker.as_bytes()))
}

/// Case-insensitive substring search that allocates nothing (the haystack may be a secret).
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// Whether 32 key bytes look made up by a person rather than drawn at random: one byte repeated,
/// any pattern repeating with a period of at most 16 bytes, or a run counting up or down by one
/// (modulo 256). A random key is caught with probability below 2^-120.
fn is_weak(bytes: &[u8; 32]) -> bool {
    let periodic = (1..=16).any(|p| (p..32).all(|i| bytes[i] == bytes[i - p]));
    let ascending = (0..32u8).all(|i| bytes[usize::from(i)] == bytes[0].wrapping_add(i));
    let descending = (0..32u8).all(|i| bytes[usize::from(i)] == bytes[0].wrapping_sub(i));
    periodic || ascending || descending
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A 256-bit master key: the root of the key hierarchy, from which the key-encryption key is
/// derived.
///
/// Its bytes live in zeroizing memory and never appear in `Debug` output.
///
/// ```
/// use inventario_core::crypto::MasterKey;
///
/// let key = MasterKey::from_hex(
///     "  8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76\n",
/// )?;
/// assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
/// assert!(MasterKey::from_hex("TEMP_KEY_REPLACE_ME").is_err());
/// # Ok::<(), inventario_core::crypto::CryptoError>(())
/// ```
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// Reads a key written as 64 hex digits (either case), ignoring surrounding whitespace.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyMaterial`] for a known placeholder, a length other than 64
    /// characters, a character that is not a hex digit, or a weak key (see
    /// [`MasterKey::from_bytes`]).
    pub fn from_hex(hex: &str) -> Result<Self, CryptoError> {
        let hex = hex.trim();
        if contains_placeholder(hex) {
            return Err(CryptoError::InvalidKeyMaterial(
                "the master key is a placeholder from an example configuration: generate a real one",
            ));
        }
        if hex.chars().count() != 64 {
            return Err(CryptoError::InvalidKeyMaterial(
                "expected 64 hex characters",
            ));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            match (hex_value(pair[0]), hex_value(pair[1])) {
                (Some(high), Some(low)) => *byte = (high << 4) | low,
                _ => {
                    return Err(CryptoError::InvalidKeyMaterial(
                        "expected 64 hex characters (0-9, a-f)",
                    ))
                }
            }
        }
        Self::from_zeroizing(bytes)
    }

    /// Takes 32 key bytes.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyMaterial`] for a weak key: all bytes equal, a pattern repeating
    /// with a period of 16 bytes or less, or bytes counting up or down by one.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, CryptoError> {
        Self::from_zeroizing(Zeroizing::new(bytes))
    }

    fn from_zeroizing(bytes: Zeroizing<[u8; 32]>) -> Result<Self, CryptoError> {
        if is_weak(&bytes) {
            return Err(CryptoError::InvalidKeyMaterial(
                "weak master key (repeated or sequential bytes): generate a random one",
            ));
        }
        Ok(MasterKey(bytes))
    }

    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        loop {
            OsRng.fill_bytes(bytes.as_mut());
            // A random key is weak with probability below 2^-120; drawing again keeps the
            // invariant that every MasterKey passes `from_bytes`.
            if !is_weak(&bytes) {
                return MasterKey(bytes);
            }
        }
    }

    /// The key as 64 lower-case hex digits, in memory that is zeroized when dropped.
    pub fn to_hex(&self) -> Zeroizing<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = Zeroizing::new(String::with_capacity(64));
        for byte in self.0.iter() {
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// A passphrase to stretch into a [`MasterKey`] with PBKDF2-HMAC-SHA256.
///
/// Used exactly as given (whitespace included) and kept in zeroizing memory.
///
/// ```
/// use inventario_core::crypto::Passphrase;
///
/// assert!(Passphrase::new("mate amargo en la trastienda").is_ok());
/// assert!(Passphrase::new("too short").is_err());
/// ```
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Checks a passphrase.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyMaterial`] for a known placeholder (`TEMP_KEY_REPLACE_ME`,
    /// `changeme…`, `password…` and the like, in any case), fewer than 16 characters (Unicode
    /// scalar values, not bytes), or one character repeated.
    pub fn new(passphrase: impl Into<String>) -> Result<Self, CryptoError> {
        let passphrase = Zeroizing::new(passphrase.into());
        let trimmed = passphrase.trim();
        if contains_placeholder(trimmed)
            || PLACEHOLDER_PASSPHRASES
                .iter()
                .any(|p| trimmed.eq_ignore_ascii_case(p))
        {
            return Err(CryptoError::InvalidKeyMaterial(
                "the passphrase is a well-known placeholder: choose a real one",
            ));
        }
        if passphrase.chars().count() < 16 {
            return Err(CryptoError::InvalidKeyMaterial(
                "the passphrase must be at least 16 characters long",
            ));
        }
        let mut chars = passphrase.chars();
        if let Some(first) = chars.next() {
            if chars.all(|c| c == first) {
                return Err(CryptoError::InvalidKeyMaterial(
                    "the passphrase repeats one character",
                ));
            }
        }
        Ok(Passphrase(passphrase))
    }

    /// Stretches the passphrase into a master key: PBKDF2-HMAC-SHA256 with the salt and the
    /// parameters' iteration count, 32 bytes of output.
    ///
    /// Slow by design (about a fifth of a second at 600,000 iterations): run it once when a
    /// keyring is opened, never per field.
    ///
    /// # Errors
    /// None today; the `Result` leaves room for KDFs with fallible parameters.
    pub fn derive(&self, params: &KdfParams, salt: &[u8; 16]) -> Result<MasterKey, CryptoError> {
        let mut key = Zeroizing::new([0u8; 32]);
        pbkdf2::pbkdf2_hmac::<Sha256>(self.0.as_bytes(), salt, params.iterations, key.as_mut());
        // No weakness check: a PBKDF2 output is pseudorandom, and refusing one (with probability
        // 2^-120) would lock a user out of a keyring for no reason.
        Ok(MasterKey(key))
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// PBKDF2 parameters for a passphrase: the iteration count (the salt is stored beside it).
///
/// ```
/// use inventario_core::crypto::KdfParams;
///
/// assert_eq!(KdfParams::default().iterations(), 600_000);
/// assert!(KdfParams::new(100_000).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    iterations: u32,
}

impl KdfParams {
    /// The fewest iterations accepted (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
    pub const MIN_ITERATIONS: u32 = 600_000;

    /// Parameters with `iterations` rounds.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyMaterial`] below [`KdfParams::MIN_ITERATIONS`].
    pub fn new(iterations: u32) -> Result<Self, CryptoError> {
        if iterations < Self::MIN_ITERATIONS {
            return Err(CryptoError::InvalidKeyMaterial(
                "PBKDF2 needs at least 600,000 iterations",
            ));
        }
        Ok(KdfParams { iterations })
    }

    /// The iteration count.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// **Tests only**: parameters with any iteration count, so that tests run fast. Exists only
    /// with the `insecure-test-kdf` feature, which no production build may enable: a keyring made
    /// with it falls to a dictionary attack.
    #[cfg(feature = "insecure-test-kdf")]
    pub fn insecure_for_tests(iterations: u32) -> Self {
        KdfParams { iterations }
    }

    /// Parameters read back from a keyring. Refuses 0; below the minimum only with the
    /// `insecure-test-kdf` feature (so that keyrings made by tests can be reopened).
    // Used by the keyring, which is built on top of this layer.
    #[allow(dead_code)]
    pub(crate) fn from_stored(iterations: u32) -> Result<Self, CryptoError> {
        if iterations == 0 {
            return Err(CryptoError::InvalidKeyMaterial(
                "the stored PBKDF2 iteration count is 0",
            ));
        }
        if cfg!(feature = "insecure-test-kdf") {
            Ok(KdfParams { iterations })
        } else {
            Self::new(iterations)
        }
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams {
            iterations: Self::MIN_ITERATIONS,
        }
    }
}

/// The secret a keyring is opened with: a master key, or a passphrase to derive one from.
///
/// `Debug` shows the kind only.
#[derive(Debug)]
pub enum MasterSecret {
    /// A 256-bit key, used as is.
    Key(MasterKey),
    /// A passphrase, stretched with PBKDF2 using the salt and iterations stored in the keyring.
    Passphrase(Passphrase),
}

/// The environment variables read by [`MasterSecret::from_env`], in order of precedence.
const ENV_KEY: &str = "INVENTARIO_MASTER_KEY";
const ENV_LEGACY_KEY: &str = "DATABASE_ENCRYPTION_KEY";
const ENV_PASSPHRASE: &str = "INVENTARIO_MASTER_PASSPHRASE";

impl MasterSecret {
    /// Reads the secret from the environment: `INVENTARIO_MASTER_KEY` (64 hex digits), else the
    /// legacy `DATABASE_ENCRYPTION_KEY` (64 hex digits), else `INVENTARIO_MASTER_PASSPHRASE`.
    /// An empty variable counts as unset; the first one set wins.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyMaterial`] when none is set, a variable is not Unicode, or the
    /// value is refused by [`MasterKey::from_hex`] or [`Passphrase::new`].
    pub fn from_env() -> Result<Self, CryptoError> {
        Self::from_lookup(|name| match std::env::var(name) {
            Ok(value) => Ok(Some(Zeroizing::new(value))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(CryptoError::InvalidKeyMaterial(
                "a master key variable is not valid Unicode",
            )),
        })
    }

    fn from_lookup(
        lookup: impl Fn(&str) -> Result<Option<Zeroizing<String>>, CryptoError>,
    ) -> Result<Self, CryptoError> {
        let set = |name: &str| -> Result<Option<Zeroizing<String>>, CryptoError> {
            Ok(lookup(name)?.filter(|value| !value.trim().is_empty()))
        };
        for name in [ENV_KEY, ENV_LEGACY_KEY] {
            if let Some(value) = set(name)? {
                return MasterKey::from_hex(&value).map(MasterSecret::Key);
            }
        }
        if let Some(value) = set(ENV_PASSPHRASE)? {
            return Passphrase::new(value.as_str()).map(MasterSecret::Passphrase);
        }
        Err(CryptoError::InvalidKeyMaterial(
            "no master key in INVENTARIO_MASTER_KEY (or the legacy DATABASE_ENCRYPTION_KEY), \
             and no INVENTARIO_MASTER_PASSPHRASE",
        ))
    }

    /// Reads a secret given as text: 64 hex digits (surrounding whitespace ignored) make a
    /// [`MasterKey`]; anything else is a [`Passphrase`], used as given.
    ///
    /// ```
    /// use inventario_core::crypto::MasterSecret;
    ///
    /// let key = MasterSecret::parse("8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76")?;
    /// assert!(matches!(key, MasterSecret::Key(_)));
    /// let pass = MasterSecret::parse("mate amargo en la trastienda")?;
    /// assert!(matches!(pass, MasterSecret::Passphrase(_)));
    /// # Ok::<(), inventario_core::crypto::CryptoError>(())
    /// ```
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyMaterial`] for a placeholder, a weak key, a refused passphrase,
    /// or a string of 32 or more hex digits that is not 64 long (a mistyped key, which would
    /// otherwise be taken silently for a passphrase).
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let trimmed = text.trim();
        if contains_placeholder(trimmed) {
            return Err(CryptoError::InvalidKeyMaterial(
                "the master secret is a placeholder from an example configuration",
            ));
        }
        let all_hex = trimmed.bytes().all(|b| b.is_ascii_hexdigit());
        if all_hex && trimmed.len() == 64 {
            return MasterKey::from_hex(trimmed).map(MasterSecret::Key);
        }
        if all_hex && trimmed.len() >= 32 {
            return Err(CryptoError::InvalidKeyMaterial(
                "looks like a hex master key but is not 64 hex characters",
            ));
        }
        Passphrase::new(text).map(MasterSecret::Passphrase)
    }
}

impl From<MasterKey> for MasterSecret {
    fn from(key: MasterKey) -> Self {
        MasterSecret::Key(key)
    }
}

impl From<Passphrase> for MasterSecret {
    fn from(passphrase: Passphrase) -> Self {
        MasterSecret::Passphrase(passphrase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_HEX: &str = "8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76";

    fn refused(result: Result<impl fmt::Debug, CryptoError>) -> &'static str {
        match result {
            Err(CryptoError::InvalidKeyMaterial(reason)) => reason,
            other => panic!("expected InvalidKeyMaterial, got {other:?}"),
        }
    }

    #[test]
    fn hex_keys_round_trip_in_either_case_and_with_whitespace() {
        let key = MasterKey::from_hex(GOOD_HEX).unwrap();
        assert_eq!(key.to_hex().as_str(), GOOD_HEX);
        let upper = MasterKey::from_hex(&format!(" \t{}\n", GOOD_HEX.to_uppercase())).unwrap();
        assert_eq!(upper.as_bytes(), key.as_bytes());
        assert_eq!(key.as_bytes()[0], 0x8f);
    }

    #[test]
    fn hex_keys_of_the_wrong_shape_are_refused() {
        assert_eq!(
            refused(MasterKey::from_hex("")),
            "expected 64 hex characters"
        );
        assert_eq!(
            refused(MasterKey::from_hex(&GOOD_HEX[..62])),
            "expected 64 hex characters"
        );
        assert_eq!(
            refused(MasterKey::from_hex(&format!("{GOOD_HEX}00"))),
            "expected 64 hex characters"
        );
        let mut bad = GOOD_HEX.to_string();
        bad.replace_range(10..11, "g");
        assert_eq!(
            refused(MasterKey::from_hex(&bad)),
            "expected 64 hex characters (0-9, a-f)"
        );
        // 64 characters but 65 bytes: a non-ASCII character is not a hex digit.
        let mut wide = GOOD_HEX[..63].to_string();
        wide.push('é');
        assert_eq!(
            refused(MasterKey::from_hex(&wide)),
            "expected 64 hex characters (0-9, a-f)"
        );
        // A space inside is not trimmed.
        let spaced = format!("{} {}", &GOOD_HEX[..32], &GOOD_HEX[33..]);
        assert!(MasterKey::from_hex(&spaced).is_err());
    }

    #[test]
    fn placeholders_are_refused_in_any_case() {
        for text in [
            "TEMP_KEY_REPLACE_ME",
            "temp_key_replace_me",
            "your_secure_32_byte_hex_key_here",
            "YOUR_SECURE_32_BYTE_HEX_KEY_HERE_0123456789abcdef0123456789abcd",
            "  TEMP_KEY_REPLACE_ME_00000000000000000000000000000000000000000000 ",
        ] {
            assert!(
                refused(MasterKey::from_hex(text)).contains("placeholder"),
                "{text}"
            );
            assert!(refused(MasterSecret::parse(text)).contains("placeholder"));
            assert!(refused(Passphrase::new(text)).contains("placeholder"));
        }
    }

    #[test]
    fn weak_keys_are_refused() {
        let mut weak: Vec<[u8; 32]> = vec![[0; 32], [0xff; 32], [0x41; 32]];
        for period in 2..=16usize {
            let mut k = [0u8; 32];
            for (i, b) in k.iter_mut().enumerate() {
                *b = u8::try_from((i % period) * 7 + 3).unwrap();
            }
            weak.push(k);
        }
        let ascending: [u8; 32] = std::array::from_fn(|i| u8::try_from(i).unwrap());
        let descending: [u8; 32] = std::array::from_fn(|i| 0xff - u8::try_from(i).unwrap());
        let wrapping: [u8; 32] = std::array::from_fn(|i| 0xf0u8.wrapping_add(i as u8));
        weak.extend([ascending, descending, wrapping]);
        for k in weak {
            assert!(refused(MasterKey::from_bytes(k)).starts_with("weak master key"));
            let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
            assert!(refused(MasterKey::from_hex(&hex)).starts_with("weak master key"));
        }
        // A period of 17 is not refused; nor is a random-looking key.
        let mut k17 = [0u8; 32];
        for (i, b) in k17.iter_mut().enumerate() {
            *b = u8::try_from((i % 17) * 13 + 1).unwrap();
        }
        assert!(MasterKey::from_bytes(k17).is_ok());
    }

    #[test]
    fn generated_keys_differ_and_pass_the_checks() {
        let a = MasterKey::generate();
        let b = MasterKey::generate();
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert!(MasterKey::from_hex(&a.to_hex()).is_ok());
    }

    #[test]
    fn nothing_secret_is_printed() {
        let key = MasterKey::from_hex(GOOD_HEX).unwrap();
        assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
        let pass = Passphrase::new("mate amargo en la trastienda").unwrap();
        assert_eq!(format!("{pass:?}"), "Passphrase(<redacted>)");
        let secret = MasterSecret::from(key);
        assert_eq!(format!("{secret:?}"), "Key(MasterKey(<redacted>))");
        let secret = MasterSecret::from(pass);
        assert_eq!(format!("{secret:?}"), "Passphrase(Passphrase(<redacted>))");
    }

    #[test]
    fn passphrases_are_checked() {
        assert!(Passphrase::new("mate amargo en la trastienda").is_ok());
        assert_eq!(
            refused(Passphrase::new("fifteen chars!!")),
            "the passphrase must be at least 16 characters long"
        );
        // Sixteen characters but more bytes: characters are what count.
        assert!(Passphrase::new("ñandú-ñandú-ñand").is_ok());
        assert_eq!(
            refused(Passphrase::new("ññññññññ")),
            "the passphrase must be at least 16 characters long"
        );
        assert_eq!(
            refused(Passphrase::new("aaaaaaaaaaaaaaaaaaaa")),
            "the passphrase repeats one character"
        );
        for placeholder in [
            "CHANGEMECHANGEME",
            "changeme",
            "Password12345678",
            "PasswordPassword",
            " passwordpassword ",
        ] {
            assert!(refused(Passphrase::new(placeholder)).contains("placeholder"));
        }
    }

    #[test]
    fn kdf_parameters_keep_to_the_floor() {
        assert_eq!(KdfParams::default().iterations(), KdfParams::MIN_ITERATIONS);
        assert_eq!(KdfParams::new(600_000).unwrap().iterations(), 600_000);
        assert_eq!(KdfParams::new(1_000_000).unwrap().iterations(), 1_000_000);
        assert_eq!(
            refused(KdfParams::new(599_999)),
            "PBKDF2 needs at least 600,000 iterations"
        );
        assert_eq!(
            refused(KdfParams::from_stored(0)),
            "the stored PBKDF2 iteration count is 0"
        );
        assert_eq!(
            KdfParams::from_stored(700_000).unwrap().iterations(),
            700_000
        );
        if cfg!(feature = "insecure-test-kdf") {
            assert_eq!(KdfParams::from_stored(1).unwrap().iterations(), 1);
        } else {
            assert!(KdfParams::from_stored(1).is_err());
        }
    }

    #[test]
    fn passphrases_stretch_with_pbkdf2_hmac_sha256() {
        // The default parameters, checked against an independent computation (Python's
        // hashlib.pbkdf2_hmac('sha256', b'mate amargo en la trastienda', bytes(range(16)), 600000)).
        let pass = Passphrase::new("mate amargo en la trastienda").unwrap();
        let salt: [u8; 16] = std::array::from_fn(|i| u8::try_from(i).unwrap());
        let key = pass.derive(&KdfParams::default(), &salt).unwrap();
        assert_eq!(key.to_hex().as_str(), DERIVED_HEX);
        let other_salt = [7u8; 16];
        let other = pass.derive(&KdfParams::default(), &other_salt).unwrap();
        assert_ne!(other.as_bytes(), key.as_bytes());
    }

    const DERIVED_HEX: &str = "ec9a361ee95deafb0ac35079a4b8c32f0e6dc9a7775b0fa0b8bc89a6e5e17eb6";

    fn env(
        vars: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Result<Option<Zeroizing<String>>, CryptoError> {
        move |name| {
            Ok(vars
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| Zeroizing::new((*v).to_string())))
        }
    }

    #[test]
    fn the_environment_is_read_in_order() {
        let key = MasterSecret::from_lookup(env(&[
            ("INVENTARIO_MASTER_KEY", GOOD_HEX),
            (
                "INVENTARIO_MASTER_PASSPHRASE",
                "mate amargo en la trastienda",
            ),
        ]))
        .unwrap();
        assert!(matches!(key, MasterSecret::Key(_)));
        let legacy =
            MasterSecret::from_lookup(env(&[("DATABASE_ENCRYPTION_KEY", GOOD_HEX)])).unwrap();
        assert!(matches!(legacy, MasterSecret::Key(_)));
        let pass = MasterSecret::from_lookup(env(&[
            ("INVENTARIO_MASTER_KEY", "  "),
            (
                "INVENTARIO_MASTER_PASSPHRASE",
                "mate amargo en la trastienda",
            ),
        ]))
        .unwrap();
        assert!(matches!(pass, MasterSecret::Passphrase(_)));
        assert!(refused(MasterSecret::from_lookup(env(&[]))).starts_with("no master key"));
        assert!(refused(MasterSecret::from_lookup(env(&[(
            "DATABASE_ENCRYPTION_KEY",
            "TEMP_KEY_REPLACE_ME"
        )])))
        .contains("placeholder"));
        // A key variable never falls back to being a passphrase.
        assert_eq!(
            refused(MasterSecret::from_lookup(env(&[(
                "INVENTARIO_MASTER_KEY",
                "mate amargo en la trastienda"
            )]))),
            "expected 64 hex characters"
        );
    }

    #[test]
    fn text_secrets_are_keys_or_passphrases() {
        assert!(matches!(
            MasterSecret::parse(&format!("{GOOD_HEX}\n")).unwrap(),
            MasterSecret::Key(_)
        ));
        assert!(matches!(
            MasterSecret::parse("mate amargo en la trastienda").unwrap(),
            MasterSecret::Passphrase(_)
        ));
        assert!(refused(MasterSecret::parse(&"0".repeat(64))).starts_with("weak"));
        assert_eq!(
            refused(MasterSecret::parse(&GOOD_HEX[..63])),
            "looks like a hex master key but is not 64 hex characters"
        );
        assert_eq!(
            refused(MasterSecret::parse("short")),
            "the passphrase must be at least 16 characters long"
        );
    }
}
