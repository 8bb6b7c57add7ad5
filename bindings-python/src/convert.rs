//! Conversions between Python values and the core's exact types.
//!
//! Money and quantities cross as `decimal.Decimal` (an `int` is accepted on the way in). A `float`
//! is refused with a `TypeError`: it cannot hold `0.10` exactly, which is how the legacy system
//! lost centavos.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use inventario_core::crypto::{CryptoError, MasterKey, MasterSecret};
use inventario_core::domain::values::{Money, Quantity, UnitCost};
use inventario_core::Error;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDateTime, PyFloat, PyInt, PyString, PyType, PyTzInfo};
use rust_decimal::Decimal;
use zeroize::Zeroizing;

use crate::errors::{crypto_err, to_py_err, validation};

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn decimal_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// A `decimal.Decimal` with the value of `d`.
pub(crate) fn decimal_to_py(py: Python<'_>, d: Decimal) -> PyResult<Py<PyAny>> {
    Ok(decimal_class(py)?.call1((d.to_string(),))?.unbind())
}

/// Reads an exact number: a `decimal.Decimal` or an `int`. `what` names the argument in errors.
pub(crate) fn decimal_arg(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Decimal> {
    let py = value.py();
    if value.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a decimal.Decimal or an int, not float: a float cannot hold money or \
             quantities exactly (pass Decimal(\"{}\") instead)",
            value.str().map(|s| s.to_string()).unwrap_or_default()
        )));
    }
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a decimal.Decimal or an int, not bool"
        )));
    }
    if value.is_instance_of::<PyInt>() {
        let n: i64 = value
            .extract()
            .map_err(|_| validation(py, format!("{what} is out of range")))?;
        return Ok(Decimal::from(n));
    }
    if value.is_instance(decimal_class(py)?)? {
        if !value.call_method0("is_finite")?.is_truthy()? {
            return Err(validation(
                py,
                format!("{what} must be a finite number, not {}", value.str()?),
            ));
        }
        let text = value.str()?.to_string();
        let parsed = if text.contains(['E', 'e']) {
            Decimal::from_scientific(&text)
        } else {
            Decimal::from_str_exact(&text)
        };
        return parsed.map_err(|_| {
            validation(
                py,
                format!("{what} {text} has more digits than an exact amount can hold (28)"),
            )
        });
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a decimal.Decimal or an int, not {}",
        type_name(value)
    )))
}

/// The type name of `value`, for error messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Reads an amount of money (at most 2 decimals).
pub(crate) fn money_arg(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Money> {
    let d = decimal_arg(value, what)?;
    Money::from_decimal(d).map_err(|e| to_py_err(value.py(), Error::from(e)))
}

/// Reads a unit cost (at most 4 decimals).
pub(crate) fn cost_arg(value: &Bound<'_, PyAny>, what: &str) -> PyResult<UnitCost> {
    let d = decimal_arg(value, what)?;
    UnitCost::from_decimal(d).map_err(|e| to_py_err(value.py(), Error::from(e)))
}

/// Reads a quantity (at most 3 decimals).
pub(crate) fn quantity_arg(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Quantity> {
    let d = decimal_arg(value, what)?;
    Quantity::from_decimal(d).map_err(|e| to_py_err(value.py(), Error::from(e)))
}

/// Optional variants of the readers above.
pub(crate) fn opt<T>(
    value: Option<&Bound<'_, PyAny>>,
    what: &str,
    read: impl Fn(&Bound<'_, PyAny>, &str) -> PyResult<T>,
) -> PyResult<Option<T>> {
    match value {
        Some(v) if !v.is_none() => read(v, what).map(Some),
        _ => Ok(None),
    }
}

/// Reads a master secret: 64 hex digits or a passphrase (`str`), 32 raw bytes (`bytes`), or
/// `None` for the environment (`INVENTARIO_MASTER_KEY`, `DATABASE_ENCRYPTION_KEY`,
/// `INVENTARIO_MASTER_PASSPHRASE`).
pub(crate) fn master_secret(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<MasterSecret> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return MasterSecret::from_env().map_err(|e| crypto_err(py, e));
    };
    if let Ok(text) = value.cast::<PyString>() {
        let text = Zeroizing::new(text.extract::<String>()?);
        return MasterSecret::parse(&text).map_err(|e| crypto_err(py, e));
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        let raw: [u8; 32] = bytes.as_bytes().try_into().map_err(|_| {
            crypto_err(
                py,
                CryptoError::InvalidKeyMaterial(
                    "a master key given as bytes must be 32 bytes long",
                ),
            )
        })?;
        let raw = Zeroizing::new(raw);
        return MasterKey::from_bytes(*raw)
            .map(MasterSecret::Key)
            .map_err(|e| crypto_err(py, e));
    }
    Err(PyTypeError::new_err(format!(
        "master_key must be str (64 hex digits or a passphrase), bytes (32) or None (read from \
         the environment), not {}",
        type_name(value)
    )))
}

/// Reads an aware `datetime.datetime`, in any time zone, as a UTC instant. A naive datetime is
/// refused with a `TypeError`: it names no instant.
pub(crate) fn utc_datetime(value: &Bound<'_, PyAny>, what: &str) -> PyResult<DateTime<Utc>> {
    if !value.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an aware datetime.datetime, not {}",
            type_name(value)
        )));
    }
    if value.call_method0("utcoffset")?.is_none() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an aware datetime (with tzinfo): a naive datetime names no instant"
        )));
    }
    value
        .call_method1("astimezone", (PyTzInfo::utc(value.py())?,))?
        .extract()
}

/// Reads a row key: a `str`, or an `int` written in decimal.
pub(crate) fn row_key(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err("row_key must be str or int, not bool"));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return text.extract::<String>();
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(match value.extract::<i64>() {
            Ok(n) => n.to_string(),
            Err(_) => value.str()?.to_string(),
        });
    }
    Err(PyTypeError::new_err(format!(
        "row_key must be str or int, not {}",
        type_name(value)
    )))
}

/// Parses a code with `FromStr`, refusing unknown ones with a `ValidationError` listing the
/// known codes.
pub(crate) fn code<T: FromStr>(
    py: Python<'_>,
    what: &str,
    value: &str,
    known: &str,
) -> PyResult<T> {
    T::from_str(value).map_err(|_| {
        validation(
            py,
            format!("unknown {what} {value:?}: expected one of {known}"),
        )
    })
}
