//! The slot behind a closeable handle (`Inventory`, `Keyring`): open until `close()` takes it.

use std::sync::RwLock;

use crate::errors::closed;

/// A core handle that `close()` takes away; every later call rejects with `E_CLOSED`.
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
    pub(crate) fn get(&self) -> napi::Result<T> {
        // Nothing can panic while the lock is held, so a poisoned lock still holds a value.
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or_else(|| closed(self.what))
    }

    /// Takes the handle out: the first call returns it, later ones None.
    pub(crate) fn take(&self) -> Option<T> {
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}
