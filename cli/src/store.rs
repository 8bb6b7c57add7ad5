//! The store `--db` names: the URL handed to the library, and how it is shown to a person.
//!
//! A PostgreSQL URL may carry a password. It is never printed: [`StoreUrl`] displays the URL
//! with the password masked, and [`Redactor`] masks it in every error line, whatever the
//! driver put into its message.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::exit::{Code, Failure};

/// What replaces a password in anything printed.
const MASK: &str = "***";

/// Whether opening may create the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Create {
    /// `keys init`: a SQLite file is created if missing (`?mode=rwc`).
    Yes,
    /// Every other command: the store must exist.
    No,
}

/// A store URL as the library expects it, with what identifies it for a person.
#[derive(Clone)]
pub(crate) struct StoreUrl {
    url: String,
    shown: String,
    /// The SQLite file, when `--db` was a plain path.
    plain_file: Option<PathBuf>,
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreUrl").field(&self.shown).finish()
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl StoreUrl {
    /// Reads `--db`: `sqlite:…` and `postgres://…` (or `postgresql://…`) URLs are used as
    /// given; anything without a `scheme://` is the path of a SQLite file. With
    /// [`Create::Yes`], a SQLite URL without a `mode` gets `mode=rwc`.
    pub(crate) fn parse(raw: &str, create: Create) -> Result<StoreUrl, Failure> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Failure::usage("--db is empty"));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(StoreUrl {
                url: raw.to_owned(),
                shown: mask_password(raw),
                plain_file: None,
            });
        }
        if raw.starts_with("sqlite:") {
            let url = match create {
                Create::Yes if !has_mode(raw) => with_query(raw, "mode=rwc"),
                _ => raw.to_owned(),
            };
            return Ok(StoreUrl {
                shown: raw.to_owned(),
                url,
                plain_file: None,
            });
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(Failure::usage(format!(
                "unsupported store URL scheme {scheme:?}: use sqlite://PATH, postgres://USER@HOST/DB or a plain file path"
            )));
        }
        let path = PathBuf::from(raw);
        let mut url = format!("sqlite://{}", encode_path(raw));
        if create == Create::Yes {
            url.push_str("?mode=rwc");
        }
        Ok(StoreUrl {
            url,
            shown: raw.to_owned(),
            plain_file: Some(path),
        })
    }

    /// The URL to open. It may hold a password: never print it.
    pub(crate) fn as_url(&self) -> &str {
        &self.url
    }

    /// A plain SQLite path must name an existing file for every command but `keys init`;
    /// without this check a typo would open (and create) an empty store.
    pub(crate) fn require_existing(&self) -> Result<(), Failure> {
        match &self.plain_file {
            Some(path) if !path.exists() => Err(Failure::new(
                Code::Store,
                format!(
                    "no store at {}: create one with `inventario keys init`",
                    path.display()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The SQLite file of a plain path.
    pub(crate) fn plain_file(&self) -> Option<&Path> {
        self.plain_file.as_deref()
    }
}

/// Whether a SQLite URL's query already sets `mode`.
fn has_mode(url: &str) -> bool {
    url.split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("mode=")))
}

fn with_query(url: &str, pair: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{pair}")
}

/// The library's SQLite URLs percent-decode the path: encode what would be read as syntax.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            _ => out.push(c),
        }
    }
    out
}

/// The URL with its password (if any) replaced by [`MASK`].
fn mask_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some(MASK)).is_ok() {
                parsed.to_string()
            } else {
                "the PostgreSQL server (URL not shown)".to_owned()
            }
        }
        Ok(_) => raw.to_owned(),
        // Unparsable: show nothing of it rather than guess where a password would be.
        Err(_) => "the PostgreSQL server (unparsable URL not shown)".to_owned(),
    }
}

/// Masks the store URL's password in text about to be printed.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    /// Pairs of (secret text, replacement), longest first.
    replacements: Vec<(String, String)>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(<redacted>)")
    }
}

impl Redactor {
    /// A redactor for the raw `--db` value, if any.
    pub(crate) fn for_db(raw: Option<&str>) -> Redactor {
        let mut replacements = Vec::new();
        let Some(raw) = raw.map(str::trim) else {
            return Redactor { replacements };
        };
        if !(raw.starts_with("postgres://") || raw.starts_with("postgresql://")) {
            return Redactor { replacements };
        }
        replacements.push((raw.to_owned(), mask_password(raw)));
        match url::Url::parse(raw) {
            Ok(parsed) => {
                if let Some(password) = parsed.password().filter(|p| !p.is_empty()) {
                    replacements.push((password.to_owned(), MASK.to_owned()));
                    if let Ok(decoded) = percent_decode(password) {
                        replacements.push((decoded, MASK.to_owned()));
                    }
                }
            }
            Err(_) => {
                // Mask whatever sits between the user's `:` and the `@`.
                if let Some(password) = raw
                    .split_once("://")
                    .and_then(|(_, rest)| rest.rsplit_once('@'))
                    .and_then(|(userinfo, _)| userinfo.split_once(':'))
                    .map(|(_, password)| password)
                    .filter(|p| !p.is_empty())
                {
                    replacements.push((password.to_owned(), MASK.to_owned()));
                }
            }
        }
        replacements.sort_by_key(|(secret, _)| std::cmp::Reverse(secret.len()));
        Redactor { replacements }
    }

    /// `text` with every secret masked.
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (secret, replacement) in &self.replacements {
            if !secret.is_empty() {
                out = out.replace(secret.as_str(), replacement);
            }
        }
        out
    }
}

/// Decodes `%XX` escapes (a URL's userinfo); fails on anything that is not UTF-8.
fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || -> Option<u8> {
            let pair = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            u8::from_str_radix(pair, 16).ok()
        };
        match (bytes[i], hex()) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_is_a_sqlite_file() {
        let url = StoreUrl::parse("/tmp/tienda.db", Create::No).unwrap();
        assert_eq!(url.as_url(), "sqlite:///tmp/tienda.db");
        assert_eq!(url.to_string(), "/tmp/tienda.db");
        let url = StoreUrl::parse("data/tienda?1#.db", Create::Yes).unwrap();
        assert_eq!(url.as_url(), "sqlite://data/tienda%3F1%23.db?mode=rwc");
    }

    #[test]
    fn init_adds_a_create_mode_to_sqlite_urls_without_one() {
        let url = StoreUrl::parse("sqlite://t.db", Create::Yes).unwrap();
        assert_eq!(url.as_url(), "sqlite://t.db?mode=rwc");
        let url = StoreUrl::parse("sqlite://t.db?mode=rw", Create::Yes).unwrap();
        assert_eq!(url.as_url(), "sqlite://t.db?mode=rw");
        let url = StoreUrl::parse("sqlite://t.db", Create::No).unwrap();
        assert_eq!(url.as_url(), "sqlite://t.db");
    }

    #[test]
    fn other_schemes_are_a_usage_error() {
        let err = StoreUrl::parse("mysql://root@localhost/x", Create::No).unwrap_err();
        assert_eq!(err.code(), Code::Usage);
    }

    #[test]
    fn passwords_are_never_shown() {
        let raw = "postgres://ana:s%40cr3t@db.example:5432/inv?sslmode=verify-full";
        let url = StoreUrl::parse(raw, Create::No).unwrap();
        assert_eq!(url.as_url(), raw);
        assert!(!url.to_string().contains("cr3t"), "{url}");
        assert!(!format!("{url:?}").contains("cr3t"));

        let redactor = Redactor::for_db(Some(raw));
        let message = format!("cannot connect to {raw}: password s@cr3t refused (s%40cr3t)");
        let shown = redactor.apply(&message);
        assert!(!shown.contains("cr3t"), "{shown}");
        assert!(
            shown.contains("postgres://ana:***@db.example:5432/inv"),
            "{shown}"
        );
    }

    #[test]
    fn sqlite_urls_have_nothing_to_mask() {
        let redactor = Redactor::for_db(Some("sqlite://a:b@c.db"));
        assert_eq!(redactor.apply("sqlite://a:b@c.db"), "sqlite://a:b@c.db");
    }
}
