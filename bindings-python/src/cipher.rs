//! `Keyring`, `FieldCipher` and the envelope primitives, for fields of the caller's own tables.

use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use chrono::NaiveDate;
use inventario_core::crypto::{
    self as crypto, BlindIndexKey, BlindIndexLen, CryptoError, DataKey, FieldContext, FieldType,
    FieldValue, KeyMaterial, Normalizer,
};
use inventario_core::{Keyring, KeyringOptions, TenantId};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDate, PyDateTime, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::convert::{decimal_arg, decimal_to_py, master_secret, row_key, type_name};
use crate::errors::{crypto_err, to_py_err};
use crate::handle::Slot;
use crate::records::{
    DataKeyRotation, KeyInfo, MasterKeyRotation, ReencryptProgress, ReencryptReport,
};
use crate::runtime::{unblocked, wait};

/// Reads a plaintext: `str`, `int`, `Decimal`, `bytes` or `datetime.date`.
pub(crate) fn field_value(value: &Bound<'_, PyAny>) -> PyResult<FieldValue> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(FieldValue::Text(text.extract::<String>()?));
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(FieldValue::Bytes(bytes.as_bytes().to_vec()));
    }
    if value.is_instance_of::<PyBool>() || value.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "a field value must be str, int, Decimal, bytes or datetime.date, not {}",
            type_name(value)
        )));
    }
    if value.is_instance_of::<PyInt>() {
        let n: i64 = value.extract().map_err(|_| {
            crypto_err(
                value.py(),
                CryptoError::InvalidContext("an int field value must fit in 64 bits"),
            )
        })?;
        return Ok(FieldValue::Int(n));
    }
    if value.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(
            "a field value may be a datetime.date but not a datetime (encrypt its isoformat() \
             text instead)",
        ));
    }
    if value.is_instance_of::<PyDate>() {
        let date: NaiveDate = value.extract()?;
        return Ok(FieldValue::Date(date));
    }
    let decimal = decimal_arg(value, "a field value").map_err(|e| {
        if e.is_instance_of::<PyTypeError>(value.py()) {
            PyTypeError::new_err(format!(
                "a field value must be str, int, Decimal, bytes or datetime.date, not {}",
                type_name(value)
            ))
        } else {
            e
        }
    })?;
    Ok(FieldValue::Decimal(decimal))
}

/// A decrypted value as the Python type it was encrypted from.
pub(crate) fn value_to_py(py: Python<'_>, value: FieldValue) -> PyResult<Py<PyAny>> {
    let wrong = |e: CryptoError| crypto_err(py, e);
    Ok(match value.field_type() {
        FieldType::Text => value
            .into_text()
            .map_err(wrong)?
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        FieldType::Int => value
            .into_int()
            .map_err(wrong)?
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        FieldType::Decimal => decimal_to_py(py, value.into_decimal().map_err(wrong)?)?,
        FieldType::Bytes => PyBytes::new(py, &value.into_bytes().map_err(wrong)?)
            .into_any()
            .unbind(),
        FieldType::Date => value
            .into_date()
            .map_err(wrong)?
            .into_pyobject(py)?
            .into_any()
            .unbind(),
    })
}

/// An owned field context: table, column and row key.
struct Context {
    names: Arc<(String, String)>,
    row_key: String,
}

impl Context {
    fn read(
        table: &Bound<'_, PyAny>,
        column: &Bound<'_, PyAny>,
        row: &Bound<'_, PyAny>,
    ) -> PyResult<Context> {
        Ok(Context {
            names: Arc::new((table.extract()?, column.extract()?)),
            row_key: row_key(row)?,
        })
    }

    fn borrow(&self) -> Result<FieldContext<'_>, CryptoError> {
        FieldContext::new(&self.names.0, &self.names.1, &self.row_key)
    }
}

/// The table and column names of the last call, kept with the Python strings they were read
/// from: code that decrypts one column row by row passes the same string objects every time,
/// and reading them again is a good part of a call's cost.
#[derive(Default)]
struct NameCache(Mutex<Option<CachedNames>>);

/// The table and column objects of the last call, and the names read from them.
type CachedNames = (Py<PyAny>, Py<PyAny>, Arc<(String, String)>);

impl NameCache {
    fn context(
        &self,
        table: &Bound<'_, PyAny>,
        column: &Bound<'_, PyAny>,
        row: &Bound<'_, PyAny>,
    ) -> PyResult<Context> {
        let row_key = row_key(row)?;
        let mut cached = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((t, c, names)) = cached.as_ref() {
            if t.bind(table.py()).is(table) && c.bind(table.py()).is(column) {
                return Ok(Context {
                    names: Arc::clone(names),
                    row_key,
                });
            }
        }
        let names = Arc::new((table.extract::<String>()?, column.extract::<String>()?));
        *cached = Some((
            table.clone().unbind(),
            column.clone().unbind(),
            Arc::clone(&names),
        ));
        Ok(Context { names, row_key })
    }
}

/// A row key as given: an int is written in decimal only when the context is built, off the
/// GIL.
enum RowKey {
    Int(i64),
    Text(String),
}

impl RowKey {
    fn text(&self) -> String {
        match self {
            RowKey::Int(n) => n.to_string(),
            RowKey::Text(text) => text.clone(),
        }
    }
}

/// The items of a bulk call: `(value, table, column, row_key)` tuples, read once while the GIL
/// is held. A page of rows usually repeats one table and column, so consecutive repeats share
/// one copy of them.
struct Batch<T> {
    columns: Vec<(String, String)>,
    items: Vec<(T, usize, RowKey)>,
}

impl<T> Batch<T> {
    fn read<'py>(
        items: &Bound<'py, PyAny>,
        mut value: impl FnMut(&Bound<'py, PyAny>, usize) -> PyResult<T>,
    ) -> PyResult<Batch<T>> {
        let mut batch = Batch {
            columns: Vec::new(),
            items: Vec::with_capacity(items.len().unwrap_or(0)),
        };
        let mut last: Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = None;
        for (index, entry) in items.try_iter()?.enumerate() {
            let entry = entry?;
            let bad = |entry: &Bound<'py, PyAny>| {
                PyTypeError::new_err(format!(
                    "item {index} must be a (value, table, column, row_key) tuple, not {}",
                    type_name(entry)
                ))
            };
            let tuple = entry.cast::<PyTuple>().map_err(|_| bad(&entry))?;
            if tuple.len() != 4 {
                return Err(bad(&entry));
            }
            let table = tuple.get_item(1)?;
            let column = tuple.get_item(2)?;
            let same = matches!(&last, Some((t, c)) if t.is(&table) && c.is(&column));
            if !same {
                let names = (
                    table.extract::<String>().map_err(|_| bad(&entry))?,
                    column.extract::<String>().map_err(|_| bad(&entry))?,
                );
                if batch.columns.last() != Some(&names) {
                    batch.columns.push(names);
                }
                last = Some((table, column));
            }
            let row = tuple.get_item(3)?;
            let row = if row.is_instance_of::<PyInt>() && !row.is_instance_of::<PyBool>() {
                match row.extract::<i64>() {
                    Ok(n) => RowKey::Int(n),
                    Err(_) => RowKey::Text(row_key(&row)?),
                }
            } else {
                RowKey::Text(row_key(&row)?)
            };
            let value = value(&tuple.get_item(0)?, index)?;
            batch.items.push((value, batch.columns.len() - 1, row));
        }
        Ok(batch)
    }

    /// Runs `f` on each item with its field context (GIL not needed).
    fn map<R>(
        &self,
        mut f: impl FnMut(&T, FieldContext<'_>) -> Result<R, CryptoError>,
    ) -> Vec<Result<R, CryptoError>> {
        let mut digits = String::new();
        self.items
            .iter()
            .map(|(value, column, row)| {
                let (table, column) = &self.columns[*column];
                let row_key = match row {
                    RowKey::Text(text) => text.as_str(),
                    RowKey::Int(n) => {
                        use std::fmt::Write as _;
                        digits.clear();
                        let _ = write!(digits, "{n}");
                        digits.as_str()
                    }
                };
                FieldContext::new(table, column, row_key).and_then(|ctx| f(value, ctx))
            })
            .collect()
    }
}

fn normalizer(py: Python<'_>, name: &str) -> PyResult<Normalizer> {
    Normalizer::parse(name).ok_or_else(|| {
        crate::errors::validation(
            py,
            format!("unknown normalizer {name:?}: expected exact, email or digits"),
        )
    })
}

/// A blind-index length; out of range (including beyond a byte) is the core's own refusal.
fn index_len(py: Python<'_>, length: i64) -> PyResult<BlindIndexLen> {
    BlindIndexLen::new(u8::try_from(length).unwrap_or(0)).map_err(|e| crypto_err(py, e))
}

/// Encrypts and decrypts fields of your own tables with a keyring's keys.
///
/// Every envelope is bound to its table, column and row key: copied to another row, it no
/// longer decrypts. Calls release the GIL.
#[pyclass(module = "inventario", name = "FieldCipher", frozen)]
pub(crate) struct PyFieldCipher {
    inner: crypto::FieldCipher,
    names: NameCache,
}

impl PyFieldCipher {
    pub(crate) fn new(inner: crypto::FieldCipher) -> Self {
        PyFieldCipher {
            inner,
            names: NameCache::default(),
        }
    }
}

#[pymethods]
impl PyFieldCipher {
    /// The scope new envelopes are sealed under.
    #[getter]
    fn scope(&self) -> String {
        self.inner.scope().to_owned()
    }

    /// The same keys, sealing under the active key of `scope` (created with
    /// `Keyring.create_scope`).
    fn with_scope(&self, scope: &str) -> PyFieldCipher {
        PyFieldCipher::new(self.inner.with_scope(scope))
    }

    /// Encrypts `value` (str, int, Decimal, bytes or date) for `table`.`column` of row
    /// `row_key`; returns the envelope bytes.
    fn encrypt<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        table: &Bound<'py, PyAny>,
        column: &Bound<'py, PyAny>,
        row_key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let value = field_value(value)?;
        let ctx = self.names.context(table, column, row_key)?;
        let sealed = unblocked(py, || self.inner.encrypt(value, &ctx.borrow()?))?
            .map_err(|e| crypto_err(py, e))?;
        Ok(PyBytes::new(py, &sealed))
    }

    /// Decrypts an envelope read from `table`.`column` of row `row_key`, returning the value
    /// with the type it was encrypted from. Raises `DecryptionError` (or `KeyNotFoundError`),
    /// never returns None or an empty value.
    fn decrypt<'py>(
        &self,
        py: Python<'py>,
        envelope: &[u8],
        table: &Bound<'py, PyAny>,
        column: &Bound<'py, PyAny>,
        row_key: &Bound<'py, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let ctx = self.names.context(table, column, row_key)?;
        let value = unblocked(py, || self.inner.decrypt(envelope, &ctx.borrow()?))?
            .map_err(|e| crypto_err(py, e))?;
        value_to_py(py, value)
    }

    /// Encrypts many `(value, table, column, row_key)` items in one call: all or nothing.
    fn encrypt_many<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let batch = Batch::read(items, |value, _| field_value(value))?;
        let sealed = unblocked(py, || {
            let rows: Vec<String> = batch.items.iter().map(|(_, _, row)| row.text()).collect();
            let fields = batch
                .items
                .iter()
                .zip(&rows)
                .map(|((value, column, _), row)| {
                    let (table, column) = &batch.columns[*column];
                    FieldContext::new(table, column, row).map(|ctx| (value, ctx))
                })
                .collect::<Result<Vec<_>, _>>()?;
            // One key lookup for the batch; all or nothing.
            self.inner.encrypt_many(fields)
        })?
        .map_err(|e| crypto_err(py, e))?;
        PyList::new(py, sealed.iter().map(|s| PyBytes::new(py, s)))
    }

    /// Decrypts many `(envelope, table, column, row_key)` items in one call. The first item
    /// that fails raises its error (with `index` set) unless `return_exceptions` is true, in
    /// which case its exception takes its place in the list and the others are still returned.
    #[pyo3(signature = (items, *, return_exceptions = false))]
    fn decrypt_many<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyAny>,
        return_exceptions: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let batch = Batch::read(items, |envelope, index| {
            envelope
                .cast::<PyBytes>()
                .map(|b| b.as_bytes().to_vec())
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "item {index}: the envelope must be bytes, not {}",
                        type_name(envelope)
                    ))
                })
        })?;
        let opened = unblocked(py, || {
            batch.map(|envelope, ctx| self.inner.decrypt(envelope, &ctx))
        })?;
        let out = PyList::empty(py);
        for (index, result) in opened.into_iter().enumerate() {
            match result.map_err(|e| crypto_err(py, e)) {
                Ok(value) => out.append(value_to_py(py, value)?)?,
                Err(err) => {
                    let exception = err.value(py);
                    exception.setattr("index", index)?;
                    if return_exceptions {
                        out.append(exception)?;
                    } else {
                        return Err(err);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The blind index of `value` in `table`.`column`, for equality lookups on an encrypted
    /// column: `normalizer` is exact, email (trimmed, case-folded) or digits (separators
    /// dropped); `length` 8 to 32 bytes (default 16). The column's index key must exist
    /// (`Keyring.add_blind_index`).
    #[pyo3(signature = (table, column, value, *, normalizer = "exact", length = 16))]
    fn blind_index<'py>(
        &self,
        py: Python<'py>,
        table: &str,
        column: &str,
        value: &str,
        normalizer: &str,
        length: i64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let normalizer = self::normalizer(py, normalizer)?;
        let length = index_len(py, length)?;
        let index = unblocked(py, || {
            self.inner
                .blind_index_with_len(table, column, normalizer, value, length)
        })?
        .map_err(|e| crypto_err(py, e))?;
        Ok(PyBytes::new(py, &index))
    }

    fn __repr__(&self) -> String {
        format!("FieldCipher(scope={:?})", self.inner.scope())
    }
}

/// The keys of a store: rotation, scopes, blind indexes, and ciphers for your own tables.
/// Use it as a context manager, or call `close()`.
#[pyclass(module = "inventario", name = "Keyring", frozen)]
pub(crate) struct PyKeyring {
    inner: Slot<Keyring>,
    /// Whether closing this handle closes the pool (a keyring opened on its own) or only
    /// this handle (one borrowed from an `Inventory`).
    owns_pool: bool,
}

impl PyKeyring {
    pub(crate) fn borrowed(keyring: Keyring) -> Self {
        PyKeyring {
            inner: Slot::new("keyring", keyring),
            owns_pool: false,
        }
    }

    fn handle(&self, py: Python<'_>) -> PyResult<Keyring> {
        self.inner.get(py)
    }
}

/// Opens the keyring of the store at `url` (creating it on a new store), with the master key
/// (64 hex digits or a passphrase as str, 32 raw bytes, or None to read
/// INVENTARIO_MASTER_KEY / INVENTARIO_MASTER_PASSPHRASE from the environment).
#[pyfunction]
#[pyo3(signature = (url, *, master_key = None, tenant = None, actor = None))]
pub(crate) fn open_keyring(
    py: Python<'_>,
    url: &str,
    master_key: Option<&Bound<'_, PyAny>>,
    tenant: Option<&str>,
    actor: Option<&str>,
) -> PyResult<PyKeyring> {
    let master = master_secret(py, master_key)?;
    let mut options = KeyringOptions::default();
    if let Some(tenant) = tenant {
        options = options.tenant(TenantId::parse(tenant).map_err(|e| to_py_err(py, e.into()))?);
    }
    if let Some(actor) = actor {
        options = options.actor(actor).map_err(|e| to_py_err(py, e))?;
    }
    let keyring = wait(py, Keyring::open_with(url, master, options))?;
    Ok(PyKeyring {
        inner: Slot::new("keyring", keyring),
        owns_pool: true,
    })
}

#[pymethods]
impl PyKeyring {
    /// The master key's version: 1, plus one per rotation.
    #[getter]
    fn mk_version(&self, py: Python<'_>) -> PyResult<u32> {
        Ok(self.handle(py)?.mk_version())
    }

    /// The keys (ids, purposes, scopes, statuses; never their bytes).
    fn keys(&self, py: Python<'_>) -> PyResult<Vec<KeyInfo>> {
        self.handle(py)?
            .keys()
            .into_iter()
            .map(|k| KeyInfo::new(py, k))
            .collect()
    }

    /// A cipher for your own tables, sealing under `scope` (default: global).
    #[pyo3(signature = (scope = None))]
    fn field_cipher(&self, py: Python<'_>, scope: Option<&str>) -> PyResult<PyFieldCipher> {
        let cipher = self.handle(py)?.field_cipher();
        Ok(PyFieldCipher::new(match scope {
            Some(scope) => cipher.with_scope(scope),
            None => cipher,
        }))
    }

    /// Reloads keys other handles or processes created, rotated or destroyed.
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        let keyring = self.handle(py)?;
        wait(py, async move { keyring.refresh().await })
    }

    /// Creates the blind-index key of `table`.`column` if it does not exist yet.
    fn add_blind_index(&self, py: Python<'_>, table: String, column: String) -> PyResult<()> {
        let keyring = self.handle(py)?;
        wait(
            py,
            async move { keyring.add_blind_index(&table, &column).await },
        )
    }

    /// Creates an active data key for `scope` if it has none; returns its id.
    fn create_scope(&self, py: Python<'_>, scope: String) -> PyResult<u32> {
        let keyring = self.handle(py)?;
        wait(py, async move { keyring.create_scope(&scope).await })
    }

    /// Rewraps every key under `new_master_key` in one transaction (nothing is re-encrypted);
    /// afterwards only the new key opens the store.
    fn rotate_master_key(
        &self,
        py: Python<'_>,
        new_master_key: &Bound<'_, PyAny>,
    ) -> PyResult<MasterKeyRotation> {
        let keyring = self.handle(py)?;
        if new_master_key.is_none() {
            return Err(PyTypeError::new_err(
                "new_master_key must be str or bytes, not None",
            ));
        }
        let master = master_secret(py, Some(new_master_key))?;
        let rotation = wait(py, async move { keyring.rotate_master_key(master).await })?;
        MasterKeyRotation::new(py, rotation)
    }

    /// Makes a new data key active for `scope`; queues a re-encryption job for `reencrypt`.
    #[pyo3(signature = (scope = "global"))]
    fn rotate_data_key(&self, py: Python<'_>, scope: &str) -> PyResult<DataKeyRotation> {
        let keyring = self.handle(py)?;
        let scope = scope.to_owned();
        let rotation = wait(py, async move { keyring.rotate_data_key(&scope).await })?;
        DataKeyRotation::new(py, rotation)
    }

    /// Runs every unfinished re-encryption job, `batch` rows per transaction, calling
    /// `progress(ReencryptProgress)` after each committed batch. If `progress` raises (or
    /// Ctrl-C is pressed), the run stops after the batch in hand and the exception propagates;
    /// the job resumes from its last committed batch on the next call.
    #[pyo3(signature = (*, batch = 1000, progress = None))]
    fn reencrypt(
        &self,
        py: Python<'_>,
        batch: u32,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Vec<ReencryptReport>> {
        let keyring = self.handle(py)?;
        let stopped = Arc::new(AtomicBool::new(false));
        let raised: Arc<Mutex<Option<PyErr>>> = Arc::default();
        let report = {
            let (stopped, raised) = (Arc::clone(&stopped), Arc::clone(&raised));
            move |p: &inventario_core::ReencryptProgress| {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                Python::attach(|py| {
                    let called = py.check_signals().and_then(|()| match &progress {
                        Some(callback) => callback
                            .call1(py, (ReencryptProgress::new(py, p)?,))
                            .map(drop),
                        None => Ok(()),
                    });
                    if let Err(err) = called {
                        stopped.store(true, Ordering::SeqCst);
                        if let Ok(mut slot) = raised.lock() {
                            *slot = Some(err);
                        }
                    }
                });
            }
        };
        let outcome = wait(py, async move {
            let mut run = std::pin::pin!(keyring.reencrypt(batch, report));
            // A raising callback stops the run: the batch in hand is dropped (rolled back).
            poll_fn(|cx| {
                if stopped.load(Ordering::SeqCst) {
                    return Poll::Ready(Ok(Vec::new()));
                }
                run.as_mut().poll(cx)
            })
            .await
        })?;
        if let Some(err) = raised.lock().ok().and_then(|mut slot| slot.take()) {
            return Err(err);
        }
        outcome
            .into_iter()
            .map(|r| ReencryptReport::new(py, r))
            .collect()
    }

    /// Destroys every data key of `scope`: what they sealed is unreadable for good. Returns
    /// the destroyed key ids.
    fn destroy_scope(&self, py: Python<'_>, scope: String) -> PyResult<Vec<u32>> {
        let keyring = self.handle(py)?;
        wait(py, async move { keyring.destroy_scope(&scope).await })
    }

    /// Closes the keyring (and its connections, when it was opened with `open_keyring`).
    /// Closing twice is allowed.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if let (Some(keyring), true) = (self.inner.take(), self.owns_pool) {
            wait(py, async move {
                keyring.close().await;
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Whether the keyring is closed.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.close(py)
    }

    fn __repr__(&self) -> String {
        match self.inner.peek() {
            Some(k) => format!("Keyring(mk_version={})", k.mk_version()),
            None => "Keyring(closed)".to_owned(),
        }
    }
}

/// A data key given as raw bytes: the envelope v1 primitive (docs/FORMAT.md), for test
/// vectors and reviews. Applications use `FieldCipher`, whose keys never leave the keyring.
#[pyclass(module = "inventario", name = "DataKey", frozen)]
pub(crate) struct PyDataKey {
    inner: DataKey,
}

#[pymethods]
impl PyDataKey {
    #[new]
    fn new(py: Python<'_>, key_id: u32, key: &[u8]) -> PyResult<Self> {
        let bytes: [u8; 32] = key.try_into().map_err(|_| {
            crypto_err(
                py,
                CryptoError::InvalidKeyMaterial("a data key must be 32 bytes long"),
            )
        })?;
        Ok(PyDataKey {
            inner: DataKey::new(key_id, &KeyMaterial::from_bytes(bytes)),
        })
    }

    /// The key id written in its envelopes.
    #[getter]
    fn key_id(&self) -> u32 {
        self.inner.id()
    }

    /// Seals `value` for the field at (`table`, `column`, `row_key`) with a random nonce.
    fn seal<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        table: &Bound<'py, PyAny>,
        column: &Bound<'py, PyAny>,
        row_key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let value = field_value(value)?;
        let ctx = Context::read(table, column, row_key)?;
        let sealed = unblocked(py, || ctx.borrow().map(|ctx| self.inner.seal(&ctx, &value)))?
            .map_err(|e| crypto_err(py, e))?;
        Ok(PyBytes::new(py, &sealed))
    }

    /// Opens an envelope sealed for the field at (`table`, `column`, `row_key`).
    fn open<'py>(
        &self,
        py: Python<'py>,
        envelope: &[u8],
        table: &Bound<'py, PyAny>,
        column: &Bound<'py, PyAny>,
        row_key: &Bound<'py, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let ctx = Context::read(table, column, row_key)?;
        let value = unblocked(py, || {
            ctx.borrow().and_then(|ctx| self.inner.open(&ctx, envelope))
        })?
        .map_err(|e| crypto_err(py, e))?;
        value_to_py(py, value)
    }

    fn __repr__(&self) -> String {
        format!("DataKey(key_id={}, key=<redacted>)", self.inner.id())
    }
}

/// A blind-index key given as raw bytes (docs/FORMAT.md), for test vectors and reviews.
#[pyclass(module = "inventario", name = "BlindIndexKey", frozen)]
pub(crate) struct PyBlindIndexKey {
    inner: BlindIndexKey,
}

#[pymethods]
impl PyBlindIndexKey {
    #[new]
    fn new(py: Python<'_>, key: &[u8]) -> PyResult<Self> {
        let bytes: [u8; 32] = key.try_into().map_err(|_| {
            crypto_err(
                py,
                CryptoError::InvalidKeyMaterial("a blind-index key must be 32 bytes long"),
            )
        })?;
        Ok(PyBlindIndexKey {
            inner: BlindIndexKey::new(&KeyMaterial::from_bytes(bytes)),
        })
    }

    /// HMAC-SHA256 of the normalized `value`, truncated to `length` bytes.
    #[pyo3(signature = (value, *, normalizer = "exact", length = 16))]
    fn index<'py>(
        &self,
        py: Python<'py>,
        value: &str,
        normalizer: &str,
        length: i64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let normalizer = self::normalizer(py, normalizer)?;
        let length = index_len(py, length)?;
        let index = unblocked(py, || self.inner.index(normalizer, value, length))?;
        Ok(PyBytes::new(py, &index))
    }

    fn __repr__(&self) -> &'static str {
        "BlindIndexKey(key=<redacted>)"
    }
}

/// The text form of an envelope (`ic1.` + unpadded base64url), for TEXT columns.
#[pyfunction]
pub(crate) fn envelope_to_text(envelope: &[u8]) -> String {
    crypto::to_text(envelope)
}

/// The envelope bytes of a text form written by `envelope_to_text`.
#[pyfunction]
pub(crate) fn envelope_from_text<'py>(
    py: Python<'py>,
    text: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = crypto::from_text(text).map_err(|e| crypto_err(py, e))?;
    Ok(PyBytes::new(py, &bytes))
}

/// The key id an envelope names, after checking its shape (for finding the key; nothing is
/// authenticated).
#[pyfunction]
pub(crate) fn envelope_key_id(py: Python<'_>, envelope: &[u8]) -> PyResult<u32> {
    crypto::parse_header(envelope)
        .map(|h| h.key_id)
        .map_err(|e| crypto_err(py, e))
}
