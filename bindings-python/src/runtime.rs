//! Running core calls: off the GIL, on one shared Tokio runtime, with panics caught.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use inventario_core::Error;
use pyo3::marker::Ungil;
use pyo3::prelude::*;

use crate::errors::{inventario_error, panic_err, to_py_err};

static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();

fn runtime(py: Python<'_>) -> PyResult<&'static tokio::runtime::Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .thread_name("inventario-io")
                .enable_all()
                .build()
        })
        .as_ref()
        .map_err(|e| inventario_error(py, format!("cannot start the I/O runtime: {e}")))
}

/// Runs `work` with the GIL released; a panic becomes an `InventarioError`.
pub(crate) fn unblocked<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: Ungil + Send + FnOnce() -> T,
    T: Ungil + Send,
{
    py.detach(|| catch_unwind(AssertUnwindSafe(work)))
        .map_err(|payload| panic_err(py, payload))
}

/// Runs a core call to completion with the GIL released, mapping its error.
pub(crate) fn wait<T, F>(py: Python<'_>, call: F) -> PyResult<T>
where
    F: Future<Output = Result<T, Error>> + Send,
    T: Send,
{
    let runtime = runtime(py)?;
    unblocked(py, || runtime.block_on(call))?.map_err(|e| to_py_err(py, e))
}
