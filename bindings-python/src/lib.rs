//! The `inventario` Python package's native module, `inventario._native`.
//!
//! A thin layer over `inventario-core`: argument conversion, one error mapping
//! (`errors::to_py_err`), and calls run off the GIL (`runtime`). No inventory rule lives
//! here; the Python-facing documentation is in `python/inventario/__init__.pyi`.

mod cipher;
mod convert;
mod errors;
mod handle;
mod inventory;
mod privacy;
mod records;
mod requests;
mod runtime;

use pyo3::prelude::*;

/// The native module. Import `inventario`, not this.
#[pymodule]
fn _native(py: Python<'_>, m: &Bound<'_, PyModule>) -> PyResult<()> {
    let classes = errors::classes(py)?;
    m.add("InventarioError", classes.base.bind(py))?;
    m.add("ValidationError", classes.validation.bind(py))?;
    m.add(
        "InsufficientStockError",
        classes.insufficient_stock.bind(py),
    )?;
    m.add(
        "IdempotencyConflictError",
        classes.idempotency_conflict.bind(py),
    )?;
    m.add("DecryptionError", classes.decryption.bind(py))?;
    m.add("KeyNotFoundError", classes.key_not_found.bind(py))?;
    m.add("AuditError", classes.audit.bind(py))?;
    m.add("StoreError", classes.store.bind(py))?;
    m.add("PrivacyError", classes.privacy.bind(py))?;

    m.add_function(wrap_pyfunction!(inventory::open, m)?)?;
    m.add_function(wrap_pyfunction!(cipher::open_keyring, m)?)?;
    m.add_function(wrap_pyfunction!(cipher::envelope_to_text, m)?)?;
    m.add_function(wrap_pyfunction!(cipher::envelope_from_text, m)?)?;
    m.add_function(wrap_pyfunction!(cipher::envelope_key_id, m)?)?;
    m.add_class::<inventory::PyInventory>()?;
    m.add_class::<requests::PyMovementRequest>()?;
    m.add_class::<cipher::PyKeyring>()?;
    m.add_class::<cipher::PyFieldCipher>()?;
    m.add_class::<cipher::PyDataKey>()?;
    m.add_class::<cipher::PyBlindIndexKey>()?;
    records::register(m)?;
    privacy::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
