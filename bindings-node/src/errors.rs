//! The one place that turns a core error into a JavaScript error with a stable `code`.
//!
//! napi-rs gives a thrown or rejected error its status as `code`, and its statuses are fixed.
//! So the reason carries our fields as JSON after a marker, and `index.js` (the package's one
//! JavaScript wrapper) rebuilds the `Error` from them: `code`, `kind`, `line`, `keyId`,
//! `available`, `requested`, `key`. Codes:
//!
//! | code | when |
//! |---|---|
//! | `E_VALIDATION` | a rule, a privacy duty (`kind` says which refusal) or a bad argument value refused the call; nothing changed |
//! | `E_TYPE` | an argument has the wrong type (thrown as a `TypeError`) |
//! | `E_INSUFFICIENT_STOCK` | not enough available stock |
//! | `E_IDEMPOTENCY_CONFLICT` | the idempotency key was used for another request |
//! | `E_DECRYPT` | an envelope does not authenticate, is malformed, or the master key is wrong |
//! | `E_KEY_NOT_FOUND` | the key an envelope or scope names is unknown or destroyed |
//! | `E_AUDIT` | an audit call was refused, or its record could not be written |
//! | `E_STORE` | the database failed |
//! | `E_CLOSED` | the handle was closed |
//! | `E_INTERNAL` | a bug (a caught panic) |

use inventario_core::crypto::CryptoError;
use inventario_core::{Error, RuleError};
use serde_json::{json, Map, Value};

/// What `index.js` looks for at the start of a reason.
pub(crate) const MARKER: &str = "\u{0}inventario:";

/// A JavaScript error with `code`, `message` and extra fields.
pub(crate) fn coded(
    code: &str,
    message: impl Into<String>,
    extra: Map<String, Value>,
) -> napi::Error {
    let mut fields = extra;
    fields.insert("code".into(), json!(code));
    fields.insert("message".into(), json!(message.into()));
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("{MARKER}{}", Value::Object(fields)),
    )
}

/// A `TypeError` (`E_TYPE`) for an argument of the wrong type.
pub(crate) fn type_error(message: impl Into<String>) -> napi::Error {
    coded("E_TYPE", message, Map::new())
}

/// An `E_VALIDATION` error for an argument value refused before it reaches the core.
pub(crate) fn validation(message: impl Into<String>) -> napi::Error {
    let mut extra = Map::new();
    extra.insert("kind".into(), json!("InvalidArgument"));
    coded("E_VALIDATION", message, extra)
}

/// An `E_CLOSED` error for a call on a closed handle.
pub(crate) fn closed(what: &str) -> napi::Error {
    coded("E_CLOSED", format!("the {what} is closed"), Map::new())
}

/// Maps a core error to its code and fields.
pub(crate) fn to_js(error: Error) -> napi::Error {
    let mut extra = Map::new();
    if let Some(line) = error.line() {
        extra.insert("line".into(), json!(line));
    }
    let code = if let Some(crypto) = error.crypto() {
        extra.insert("kind".into(), json!(crypto.kind()));
        match crypto {
            CryptoError::UnknownKey(id) | CryptoError::KeyDestroyed(id) => {
                extra.insert("keyId".into(), json!(id));
                "E_KEY_NOT_FOUND"
            }
            CryptoError::InvalidKeyMaterial(_) | CryptoError::InvalidContext(_) => "E_VALIDATION",
            _ => "E_DECRYPT",
        }
    } else if let Some(rule) = error.rule() {
        let debug = format!("{rule:?}");
        let kind: String = debug
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        extra.insert("kind".into(), json!(kind));
        match rule {
            RuleError::InsufficientStock {
                available,
                requested,
            } => {
                extra.insert(
                    "available".into(),
                    json!(available.to_decimal().to_string()),
                );
                extra.insert(
                    "requested".into(),
                    json!(requested.to_decimal().to_string()),
                );
                "E_INSUFFICIENT_STOCK"
            }
            _ => "E_VALIDATION",
        }
    } else {
        match innermost(&error) {
            Error::IdempotencyConflict { key } => {
                extra.insert("key".into(), json!(key));
                "E_IDEMPOTENCY_CONFLICT"
            }
            Error::Command(_) | Error::Pricing(_) | Error::Order(_) | Error::Import(_) => {
                "E_VALIDATION"
            }
            Error::Privacy(privacy) => {
                extra.insert("kind".into(), json!(privacy.kind()));
                "E_VALIDATION"
            }
            Error::Audit(_) | Error::AuditUnavailable { .. } => "E_AUDIT",
            Error::Store(_) => "E_STORE",
            _ => "E_INTERNAL",
        }
    };
    coded(code, error.to_string(), extra)
}

/// A crypto error raised outside a store call (the standalone cipher).
pub(crate) fn crypto(error: CryptoError) -> napi::Error {
    to_js(Error::Crypto(error))
}

fn innermost(error: &Error) -> &Error {
    match error {
        Error::Batch { source, .. } => innermost(source),
        other => other,
    }
}

/// The fields an error made by [`coded`] carries, or None for any other error.
fn fields_of(error: &napi::Error) -> Option<Map<String, Value>> {
    let json = error.reason.strip_prefix(MARKER)?;
    serde_json::from_str(json).ok()
}

/// The same error, naming the failing `line` of a batch.
pub(crate) fn at_line(error: napi::Error, line: usize) -> napi::Error {
    let Some(mut fields) = fields_of(&error) else {
        return error;
    };
    fields.insert("line".into(), json!(line));
    let code = fields
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("E_VALIDATION")
        .to_owned();
    let message = fields
        .get("message")
        .and_then(Value::as_str)
        .map(|m| format!("line {line}: {m}"))
        .unwrap_or_default();
    coded(&code, message, fields)
}

/// The same error with one more field (e.g. `index` of a bulk item).
pub(crate) fn with_field(error: napi::Error, name: &str, value: usize) -> napi::Error {
    let Some(mut fields) = fields_of(&error) else {
        return error;
    };
    fields.insert(name.into(), json!(value));
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("{MARKER}{}", Value::Object(fields)),
    )
}
