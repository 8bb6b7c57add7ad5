//! The slot behind a closeable handle (`Inventory`, `Keyring`): open until `close()` takes it.

use std::sync::RwLock;

use pyo3::prelude::*;

use crate::errors::inventario_error;

/// A core handle that `close()` takes away; every later call raises `InventarioError`.
pub(crate) struct Slot<T> {
    inner: RwLock<Option<T>>,
    /// What the handle is, for error messages ("inventory", "keyring").
    what: &'static str,
}

impl<T: Clone> Slot<T> {
    pub(crate) fn new(what: &'static str, handle: T) -> Slot<T> {
        Slot {
            inner: RwLock::new(Some(handle)),
            what,
        }
    }

    /// A clone of the open handle (cheap: the core handles share their pool).
    pub(crate) fn get(&self, py: Python<'_>) -> PyResult<T> {
        self.peek()
            .ok_or_else(|| inventario_error(py, format!("the {} is closed", self.what)))
    }

    /// The open handle, if any, without raising.
    pub(crate) fn peek(&self) -> Option<T> {
        // Nothing can panic while the lock is held, so a poisoned lock still holds a value.
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Takes the handle out: the first call returns it, later ones None.
    pub(crate) fn take(&self) -> Option<T> {
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.peek().is_none()
    }
}
