//! The package's exceptions, and the one place that turns a core error into one of them.
//!
//! ```text
//! InventarioError(Exception)
//! ├── ValidationError(InventarioError, ValueError)      bad input, refused by a rule
//! │   └── PrivacyError(ValidationError)                 a privacy duty refused (.kind)
//! ├── InsufficientStockError(InventarioError)           .available, .requested
//! ├── IdempotencyConflictError(InventarioError)         .key
//! ├── DecryptionError(InventarioError, ValueError)      .kind
//! │   └── KeyNotFoundError(DecryptionError, KeyError)   .kind, .key_id
//! ├── AuditError(InventarioError)
//! └── StoreError(InventarioError)
//! ```
//!
//! The classes are made at import time with Python's `type()`, because PyO3's exception macro
//! takes a single base and `DecryptionError` must also be a `ValueError`.

use std::any::Any;

use inventario_core::crypto::CryptoError;
use inventario_core::{Error, RuleError};
use pyo3::exceptions::{PyBaseException, PyException, PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::convert::decimal_to_py;

/// The exception classes, made once per interpreter.
pub(crate) struct Classes {
    pub(crate) base: Py<PyType>,
    pub(crate) validation: Py<PyType>,
    pub(crate) insufficient_stock: Py<PyType>,
    pub(crate) idempotency_conflict: Py<PyType>,
    pub(crate) decryption: Py<PyType>,
    pub(crate) key_not_found: Py<PyType>,
    pub(crate) audit: Py<PyType>,
    pub(crate) store: Py<PyType>,
    pub(crate) privacy: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn make_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: &[&Bound<'py, PyType>],
    doc: &str,
    attributes: &[&str],
) -> PyResult<Py<PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "inventario")?;
    namespace.set_item("__doc__", doc)?;
    // The attributes a raised error may carry read None where it has none (`e.line` outside a
    // batch, `e.kind` of an argument refused before it reached the core).
    for attribute in attributes {
        namespace.set_item(*attribute, py.None())?;
    }
    // KeyError quotes its message in str(); ours read as sentences.
    namespace.set_item(
        "__str__",
        py.get_type::<PyBaseException>().getattr("__str__")?,
    )?;
    let bases = PyTuple::new(py, bases)?;
    let class = py
        .get_type::<PyType>()
        .call1((name, bases, namespace))?
        .cast_into::<PyType>()?;
    Ok(class.unbind())
}

/// The exception classes, made on first use.
pub(crate) fn classes(py: Python<'_>) -> PyResult<&'static Classes> {
    CLASSES.get_or_try_init(py, || {
        let exception = py.get_type::<PyException>();
        let value_error = py.get_type::<PyValueError>();
        let key_error = py.get_type::<PyKeyError>();
        let base = make_class(
            py,
            "InventarioError",
            &[&exception],
            "Base class of every error raised by inventario.",
            &["kind", "line", "index"],
        )?;
        let base_ref = base.bind(py);
        let decryption = make_class(
            py,
            "DecryptionError",
            &[base_ref, &value_error],
            "An envelope could not be decrypted, or the master key is wrong. `kind` names the \
             reason (AuthenticationFailed, Malformed, UnsupportedVersion, WrongMasterKey, ...).",
            &[],
        )?;
        let key_not_found = make_class(
            py,
            "KeyNotFoundError",
            &[decryption.bind(py), &key_error],
            "The key an envelope or scope names is unknown or was destroyed (an erased \
             subject). `kind` is UnknownKey or KeyDestroyed; `key_id` the key.",
            &["key_id"],
        )?;
        let validation = make_class(
            py,
            "ValidationError",
            &[base_ref, &value_error],
            "A value or request was refused by a rule; nothing was changed. `kind` names \
             the rule; `line` the failing line of a batch.",
            &[],
        )?;
        let privacy = make_class(
            py,
            "PrivacyError",
            &[validation.bind(py)],
            "A privacy duty was refused; nothing was changed. `kind` names why: \
             UnknownField, RequiredField, NoChanges, DocumentTypeWithoutDocument, \
             SubjectErased, InvalidReason, RequestNotFound, RequestClosed, AutomaticReason, \
             ReceivedInFuture, InvalidPolicy, TooManyHolidays or BackupDirectory.",
            &[],
        )?;
        Ok(Classes {
            validation,
            privacy,
            insufficient_stock: make_class(
                py,
                "InsufficientStockError",
                &[base_ref],
                "Not enough available stock; nothing was changed. `available` and `requested` \
                 are Decimals.",
                &["available", "requested"],
            )?,
            idempotency_conflict: make_class(
                py,
                "IdempotencyConflictError",
                &[base_ref],
                "The idempotency key was already used for a different request.",
                &["key"],
            )?,
            audit: make_class(
                py,
                "AuditError",
                &[base_ref],
                "An audit operation was refused, or an audit record could not be written (and \
                 the plaintext it guarded was withheld).",
                &[],
            )?,
            store: make_class(
                py,
                "StoreError",
                &[base_ref],
                "The database could not be opened, read or written, or holds data this \
                 version cannot read.",
                &[],
            )?,
            decryption,
            key_not_found,
            base,
        })
    })
}

/// Attributes set on a raised exception besides its message.
#[derive(Default)]
struct Attributes {
    kind: Option<String>,
    line: Option<usize>,
    key_id: Option<u32>,
    key: Option<String>,
    available: Option<rust_decimal::Decimal>,
    requested: Option<rust_decimal::Decimal>,
}

/// Turns a core error into the package's exception: the one mapping of the package.
pub(crate) fn to_py_err(py: Python<'_>, error: Error) -> PyErr {
    match build(py, &error) {
        Ok(err) => err,
        Err(err) => err,
    }
}

fn build(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    let classes = classes(py)?;
    let mut attrs = Attributes {
        line: error.line(),
        ..Attributes::default()
    };
    let class = if let Some(crypto) = error.crypto() {
        attrs.kind = Some(crypto.kind().to_owned());
        crypto_class(classes, crypto, &mut attrs)
    } else if let Some(rule) = error.rule() {
        attrs.kind = Some(rule_kind(rule));
        match rule {
            RuleError::InsufficientStock {
                available,
                requested,
            } => {
                attrs.available = Some(available.to_decimal());
                attrs.requested = Some(requested.to_decimal());
                &classes.insufficient_stock
            }
            _ => &classes.validation,
        }
    } else {
        match innermost(error) {
            Error::IdempotencyConflict { key } => {
                attrs.key = Some(key.clone());
                &classes.idempotency_conflict
            }
            Error::Command(_) => {
                attrs.kind = Some("Command".into());
                &classes.validation
            }
            Error::Pricing(_) => {
                attrs.kind = Some("Pricing".into());
                &classes.validation
            }
            Error::Order(_) => {
                attrs.kind = Some("Order".into());
                &classes.validation
            }
            Error::Import(_) => {
                attrs.kind = Some("Import".into());
                &classes.validation
            }
            Error::Privacy(privacy) => {
                attrs.kind = Some(privacy.kind().into());
                &classes.privacy
            }
            Error::Audit(_) | Error::AuditUnavailable { .. } => &classes.audit,
            Error::Store(_) => &classes.store,
            _ => &classes.base,
        }
    };
    let exception = class.bind(py).call1((error.to_string(),))?;
    // `kind` and `line` are always there (None when they do not apply), so that handlers can
    // read them without `getattr` defaults.
    exception.setattr("kind", attrs.kind)?;
    exception.setattr("line", attrs.line)?;
    set(&exception, "key_id", attrs.key_id)?;
    set(&exception, "key", attrs.key)?;
    if let Some(available) = attrs.available {
        exception.setattr("available", decimal_to_py(py, available)?)?;
    }
    if let Some(requested) = attrs.requested {
        exception.setattr("requested", decimal_to_py(py, requested)?)?;
    }
    Ok(PyErr::from_value(exception))
}

fn set<'py, T: IntoPyObject<'py>>(
    exception: &Bound<'py, PyAny>,
    name: &str,
    value: Option<T>,
) -> PyResult<()> {
    match value {
        Some(value) => exception.setattr(name, value),
        None => Ok(()),
    }
}

/// The error inside the batch wrappers.
fn innermost(error: &Error) -> &Error {
    match error {
        Error::Batch { source, .. } => innermost(source),
        other => other,
    }
}

fn crypto_class<'a>(
    classes: &'a Classes,
    error: &CryptoError,
    attrs: &mut Attributes,
) -> &'a Py<PyType> {
    match error {
        CryptoError::UnknownKey(id) | CryptoError::KeyDestroyed(id) => {
            attrs.key_id = Some(*id);
            &classes.key_not_found
        }
        CryptoError::InvalidKeyMaterial(_) | CryptoError::InvalidContext(_) => &classes.validation,
        _ => &classes.decryption,
    }
}

/// The rule's variant name (`ProductNotFound`, `DuplicateSku`, ...), stable across versions.
fn rule_kind(rule: &RuleError) -> String {
    let debug = format!("{rule:?}");
    let end = debug
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(debug.len());
    debug[..end].to_owned()
}

/// A crypto error raised outside a store call (the standalone cipher).
pub(crate) fn crypto_err(py: Python<'_>, error: CryptoError) -> PyErr {
    to_py_err(py, Error::Crypto(error))
}

/// An exception of `class` with `message`, `kind` and no line.
fn plain(py: Python<'_>, class: &Py<PyType>, message: String, kind: Option<&str>) -> PyErr {
    let made = class.bind(py).call1((message,)).and_then(|exception| {
        exception.setattr("kind", kind)?;
        exception.setattr("line", py.None())?;
        Ok(PyErr::from_value(exception))
    });
    made.unwrap_or_else(|err| err)
}

/// A `ValidationError` (kind `InvalidArgument`) with `message`, for arguments refused before
/// they reach the core.
pub(crate) fn validation(py: Python<'_>, message: impl Into<String>) -> PyErr {
    match classes(py) {
        Ok(classes) => plain(
            py,
            &classes.validation,
            message.into(),
            Some("InvalidArgument"),
        ),
        Err(err) => err,
    }
}

/// An `InventarioError` with `message`.
pub(crate) fn inventario_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    match classes(py) {
        Ok(classes) => plain(py, &classes.base, message.into(), None),
        Err(err) => err,
    }
}

/// A Rust panic caught at the boundary: reported as an `InventarioError`, never as a
/// `PanicException` (which is not an `Exception`).
pub(crate) fn panic_err(py: Python<'_>, payload: Box<dyn Any + Send>) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    inventario_error(
        py,
        format!("internal error in inventario (please report it): {what}"),
    )
}
