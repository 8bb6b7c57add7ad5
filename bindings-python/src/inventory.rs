//! `Inventory`: the store handle, one method per core call.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use inventario_core::audit::{AppEvent, Checkpoint, DetectorConfig, EventType, Status, Target};
use inventario_core::domain::catalog::{
    Customer as CoreCustomer, CustomerIdentity as CoreIdentity, CustomerKind, IdentityDocument,
    PriceList, SupplierContact as CoreContact,
};
use inventario_core::domain::orders::{LineReceipt, OrderStatus};
use inventario_core::domain::privacy::HolidayCalendar;
use inventario_core::domain::values::{Barcode, Cuit, Dni, Sku, UnitOfMeasure};
use inventario_core::domain::DateRange;
use inventario_core::domain::OrderLineId;
use inventario_core::import::ImportOptions;
use inventario_core::metrics::Metrics;
use inventario_core::{
    CustomerId, Error, HistoryFilter, Inventory, LocationId, MovementId, MovementKind, NewCustomer,
    NewLocation, NewOrderLine, NewPrivacyRequest, NewProduct, NewSupplier, OpenOptions, OrderId,
    ProductChanges, ProductId, ReservationId, SubjectKind, SupplierId, TenantId,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::cipher::{PyFieldCipher, PyKeyring};
use crate::convert::{
    code, cost_arg, master_secret, money_arg, opt, quantity_arg, type_name, utc_datetime,
};
use crate::errors::{to_py_err, validation};
use crate::handle::Slot;
use crate::privacy::{
    BackupPruneReport, LegalHold, PendingPrivacyRequest, PrivacyRequest, RectificationReceipt,
    RetentionPolicy, RetentionReport,
};
use crate::records::{
    AuditEvent, Customer, CustomerIdentity, DashboardSummary, Detection, ErasureReceipt,
    LedgerReport, Location, LowStock, Movement, MovementPage, OrderReceipt, Product, ProviderStats,
    PurchaseOrder, Recorded, Reservation, StockRow, StockValue, Supplier, SupplierContact,
    SupplierReorder, SupplierStock, TopOrdered, TopProduct, VerifyReport, WeeklySales,
};
use crate::requests::PyMovementRequest;
use crate::runtime::wait;

/// Converts each item of a core result list into its record.
fn records<T, U>(
    py: Python<'_>,
    items: Vec<T>,
    convert: impl Fn(Python<'_>, T) -> PyResult<U>,
) -> PyResult<Vec<U>> {
    items.into_iter().map(|item| convert(py, item)).collect()
}

fn rule(py: Python<'_>, e: impl Into<Error>) -> PyErr {
    to_py_err(py, e.into())
}

fn sku(py: Python<'_>, text: &str) -> PyResult<Sku> {
    Sku::parse(text).map_err(|e| rule(py, e))
}

fn barcode(py: Python<'_>, text: &str) -> PyResult<Barcode> {
    Barcode::parse(text).map_err(|e| rule(py, e))
}

fn cuit(py: Python<'_>, text: &str) -> PyResult<Cuit> {
    Cuit::parse(text).map_err(|e| rule(py, e))
}

fn date_range(py: Python<'_>, start: NaiveDate, end: NaiveDate) -> PyResult<DateRange> {
    DateRange::new(start, end).map_err(|e| validation(py, e.to_string()))
}

fn identity_document(
    py: Python<'_>,
    document_type: &str,
    number: &str,
) -> PyResult<IdentityDocument> {
    Ok(match document_type {
        "dni" => IdentityDocument::Dni(Dni::parse(number).map_err(|e| rule(py, e))?),
        "cuit" => IdentityDocument::Cuit(cuit(py, number)?),
        "cuil" => IdentityDocument::Cuil(cuit(py, number)?),
        "pasaporte" => IdentityDocument::Pasaporte(number.to_owned()),
        other => {
            return Err(validation(
                py,
                format!("unknown document type {other:?}: expected dni, cuit, cuil or pasaporte"),
            ))
        }
    })
}

fn subject_kind(py: Python<'_>, kind: &str) -> PyResult<SubjectKind> {
    match kind {
        "customer" => Ok(SubjectKind::Customer),
        "supplier" => Ok(SubjectKind::Supplier),
        other => Err(validation(
            py,
            format!("unknown subject kind {other:?}: expected customer or supplier"),
        )),
    }
}

/// An open inventory store, bound to a tenant and acting as one actor.
///
/// Every command is one transaction: it applies completely or not at all. Every call releases
/// the GIL while it works. Use it as a context manager, or call `close()`.
#[pyclass(module = "inventario", name = "Inventory", frozen)]
pub(crate) struct PyInventory {
    inner: Slot<Inventory>,
    /// Whether closing this handle closes the connections: true for the handle `open`
    /// returned, false for one from `acting_as`, which only lets go of its share.
    owns_pool: bool,
}

impl PyInventory {
    fn handle(&self, py: Python<'_>) -> PyResult<Inventory> {
        self.inner.get(py)
    }

    fn record_one(&self, py: Python<'_>, request: PyMovementRequest) -> PyResult<Recorded> {
        let inv = self.handle(py)?;
        let recorded = wait(py, async move { inv.record(request.inner).await })?;
        Recorded::new(py, recorded)
    }

    fn build_and_record(
        &self,
        py: Python<'_>,
        constructor: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Recorded> {
        let request = py
            .get_type::<PyMovementRequest>()
            .call_method(constructor, args, kwargs)?
            .cast_into::<PyMovementRequest>()?
            .get()
            .clone();
        self.record_one(py, request)
    }
}

/// Opens the store at `url` and returns an `Inventory` acting as `actor`.
///
/// `url` is `sqlite://PATH?mode=rwc` (creates the file), `sqlite::memory:`, or
/// `postgres://USER@HOST/DB` (TLS in the URL: `?sslmode=verify-full&sslrootcert=CA.pem`).
/// `master_key` is 64 hex digits or a passphrase (str), 32 raw bytes, or None to read
/// INVENTARIO_MASTER_KEY / INVENTARIO_MASTER_PASSPHRASE from the environment. `actor` comes
/// from your authentication (a user, an API key id), never from request data.
#[pyfunction]
#[pyo3(signature = (url, *, master_key = None, actor, tenant = None, max_connections = 8, metrics = true, audit_fail_open = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn open(
    py: Python<'_>,
    url: &str,
    master_key: Option<&Bound<'_, PyAny>>,
    actor: &str,
    tenant: Option<&str>,
    max_connections: u32,
    metrics: bool,
    audit_fail_open: bool,
) -> PyResult<PyInventory> {
    let master = master_secret(py, master_key)?;
    let mut options = OpenOptions::new(actor).map_err(|e| to_py_err(py, e))?;
    if let Some(tenant) = tenant {
        options = options.tenant(TenantId::parse(tenant).map_err(|e| rule(py, e))?);
    }
    if max_connections == 0 {
        return Err(validation(py, "max_connections must be at least 1"));
    }
    options = options.max_connections(max_connections);
    if metrics {
        options = options.metrics(Metrics::with_prometheus());
    }
    if audit_fail_open {
        options = options.audit_fail_open();
    }
    let url = url.to_owned();
    let inventory = wait(py, async move {
        Inventory::open_with(&url, master, options).await
    })?;
    Ok(PyInventory {
        inner: Slot::new("inventory", inventory),
        owns_pool: true,
    })
}

#[pymethods]
impl PyInventory {
    // --- the handle ----------------------------------------------------------------------

    /// The actor recorded on every audit record of this handle.
    #[getter]
    fn actor(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.handle(py)?.actor().as_str().to_owned())
    }

    /// The same store acting as another actor (shares the connections; closing it leaves
    /// them open).
    fn acting_as(&self, py: Python<'_>, actor: &str) -> PyResult<PyInventory> {
        let inv = self
            .handle(py)?
            .acting_as(actor)
            .map_err(|e| to_py_err(py, e))?;
        Ok(PyInventory {
            inner: Slot::new("inventory", inv),
            owns_pool: false,
        })
    }

    /// Today in the store's time zone (America/Argentina/Buenos_Aires).
    fn today(&self, py: Python<'_>) -> PyResult<NaiveDate> {
        Ok(self.handle(py)?.today())
    }

    /// The store's keyring: rotation, scopes, blind indexes.
    fn keyring(&self, py: Python<'_>) -> PyResult<PyKeyring> {
        Ok(PyKeyring::borrowed(self.handle(py)?.keyring()))
    }

    /// A cipher for fields of your own tables, with the store's keys.
    #[pyo3(signature = (scope = None))]
    fn field_cipher(&self, py: Python<'_>, scope: Option<&str>) -> PyResult<PyFieldCipher> {
        let cipher = self.handle(py)?.field_cipher();
        Ok(PyFieldCipher::new(match scope {
            Some(scope) => cipher.with_scope(scope),
            None => cipher,
        }))
    }

    /// The Prometheus text exposition of the handle's metrics (None if opened with
    /// metrics=False).
    fn metrics_text(&self, py: Python<'_>) -> PyResult<Option<String>> {
        Ok(self.handle(py)?.metrics_text())
    }

    /// Closes the handle; other calls on it then raise, and closing twice is allowed. The
    /// handle `open` returned also closes the connections it shares with the handles
    /// `acting_as` made; closing one of those only closes it.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if let (Some(inv), true) = (self.inner.take(), self.owns_pool) {
            wait(py, async move {
                inv.close().await;
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Whether the handle is closed.
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
            Some(inv) => format!("Inventory(actor={:?})", inv.actor().as_str()),
            None => "Inventory(closed)".to_owned(),
        }
    }

    // --- locations and suppliers ---------------------------------------------------------

    /// Creates a location; its code must be new.
    #[pyo3(signature = (code, name, *, negative_stock_allowed = false, capacity = None))]
    fn create_location(
        &self,
        py: Python<'_>,
        code: String,
        name: String,
        negative_stock_allowed: bool,
        capacity: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Location> {
        let inv = self.handle(py)?;
        let mut location = NewLocation::new(code, name);
        location.negative_stock_allowed = negative_stock_allowed;
        location.capacity = opt(capacity, "capacity", quantity_arg)?;
        let created = wait(py, async move { inv.create_location(location).await })?;
        Location::new(py, created)
    }

    /// Every location, by code.
    fn locations(&self, py: Python<'_>) -> PyResult<Vec<Location>> {
        let inv = self.handle(py)?;
        records(
            py,
            wait(py, async move { inv.locations().await })?,
            Location::new,
        )
    }

    /// The location with `code`, or None.
    fn location_by_code(&self, py: Python<'_>, code: String) -> PyResult<Option<Location>> {
        let inv = self.handle(py)?;
        let found = wait(py, async move { inv.location_by_code(&code).await })?;
        found.map(|l| Location::new(py, l)).transpose()
    }

    /// Creates a supplier; its contact data (`cuit`, `phone`, `email`, `address`) is stored
    /// only encrypted, under the supplier's own key, with a blind index on the CUIT.
    #[pyo3(signature = (code, legal_name, *, trade_name = None, tax_condition = None, payment_terms_days = None, direct_brands = Vec::new(), distributed_brands = Vec::new(), categories = Vec::new(), exclude_keywords = Vec::new(), is_default = false, cuit = None, phone = None, email = None, address = None))]
    #[allow(clippy::too_many_arguments)]
    fn create_supplier(
        &self,
        py: Python<'_>,
        code: String,
        legal_name: String,
        trade_name: Option<String>,
        tax_condition: Option<String>,
        payment_terms_days: Option<u32>,
        direct_brands: Vec<String>,
        distributed_brands: Vec<String>,
        categories: Vec<String>,
        exclude_keywords: Vec<String>,
        is_default: bool,
        cuit: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        address: Option<String>,
    ) -> PyResult<Supplier> {
        let inv = self.handle(py)?;
        let mut supplier = NewSupplier::new(code, legal_name);
        supplier.trade_name = trade_name;
        supplier.tax_condition = tax_condition;
        supplier.payment_terms_days = payment_terms_days;
        supplier.direct_brands = direct_brands;
        supplier.distributed_brands = distributed_brands;
        supplier.categories = categories;
        supplier.exclude_keywords = exclude_keywords;
        supplier.is_default = is_default;
        if cuit.is_some() || phone.is_some() || email.is_some() || address.is_some() {
            supplier.contact = Some(CoreContact {
                cuit: cuit.as_deref().map(|c| self::cuit(py, c)).transpose()?,
                phone,
                email,
                address,
            });
        }
        let created = wait(py, async move { inv.create_supplier(supplier).await })?;
        Supplier::new(py, created)
    }

    /// Every supplier, by code.
    fn suppliers(&self, py: Python<'_>) -> PyResult<Vec<Supplier>> {
        let inv = self.handle(py)?;
        records(
            py,
            wait(py, async move { inv.suppliers().await })?,
            Supplier::new,
        )
    }

    /// The supplier with `id`, or None.
    fn supplier(&self, py: Python<'_>, id: i64) -> PyResult<Option<Supplier>> {
        let inv = self.handle(py)?;
        let found = wait(py, async move { inv.supplier(SupplierId(id)).await })?;
        found.map(|s| Supplier::new(py, s)).transpose()
    }

    /// The supplier with `code`, or None.
    fn supplier_by_code(&self, py: Python<'_>, code: String) -> PyResult<Option<Supplier>> {
        let inv = self.handle(py)?;
        let found = wait(py, async move { inv.supplier_by_code(&code).await })?;
        found.map(|s| Supplier::new(py, s)).transpose()
    }

    /// Creates the 12 legacy suppliers that are not there yet; returns the ones created.
    fn load_legacy_suppliers(&self, py: Python<'_>) -> PyResult<Vec<Supplier>> {
        let inv = self.handle(py)?;
        records(
            py,
            wait(py, async move { inv.load_legacy_suppliers().await })?,
            Supplier::new,
        )
    }

    /// Replaces a supplier's contact data (encrypted under the supplier's key).
    #[pyo3(signature = (id, *, cuit = None, phone = None, email = None, address = None))]
    fn set_supplier_contact(
        &self,
        py: Python<'_>,
        id: i64,
        cuit: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        address: Option<String>,
    ) -> PyResult<()> {
        let inv = self.handle(py)?;
        let contact = CoreContact {
            cuit: cuit.as_deref().map(|c| self::cuit(py, c)).transpose()?,
            phone,
            email,
            address,
        };
        wait(py, async move {
            inv.set_supplier_contact(SupplierId(id), &contact).await
        })
    }

    /// Decrypts a supplier's contact data (the read is audited); None for an unknown supplier.
    fn supplier_contact(&self, py: Python<'_>, id: i64) -> PyResult<Option<SupplierContact>> {
        let inv = self.handle(py)?;
        let found = wait(
            py,
            async move { inv.supplier_contact(SupplierId(id)).await },
        )?;
        found.map(|c| SupplierContact::new(py, c)).transpose()
    }

    /// The supplier with this CUIT (any separators), through its blind index.
    fn find_supplier_by_cuit(&self, py: Python<'_>, cuit: &str) -> PyResult<Option<Supplier>> {
        let inv = self.handle(py)?;
        let cuit = self::cuit(py, cuit)?;
        let found = wait(py, async move { inv.find_supplier_by_cuit(&cuit).await })?;
        found.map(|s| Supplier::new(py, s)).transpose()
    }

    // --- products ------------------------------------------------------------------------

    /// Creates a product. Prices and quantities are Decimal (or int); `unit` is unidad, kg,
    /// g, l, ml or m. Stock comes in through `receive`.
    #[pyo3(signature = (sku, name, sale_price, *, description = None, category = None, brand = None, unit = "unidad", barcode = None, wholesale_price = None, min_stock = None, max_stock = None, reorder_point = None, pack_multiple = None, perishable = false, supplier = None))]
    #[allow(clippy::too_many_arguments)]
    fn create_product(
        &self,
        py: Python<'_>,
        sku: &str,
        name: String,
        sale_price: &Bound<'_, PyAny>,
        description: Option<String>,
        category: Option<String>,
        brand: Option<String>,
        unit: &str,
        barcode: Option<&str>,
        wholesale_price: Option<&Bound<'_, PyAny>>,
        min_stock: Option<&Bound<'_, PyAny>>,
        max_stock: Option<&Bound<'_, PyAny>>,
        reorder_point: Option<&Bound<'_, PyAny>>,
        pack_multiple: Option<&Bound<'_, PyAny>>,
        perishable: bool,
        supplier: Option<i64>,
    ) -> PyResult<Product> {
        let inv = self.handle(py)?;
        let mut product = NewProduct::new(
            self::sku(py, sku)?,
            name,
            money_arg(sale_price, "sale_price")?,
        );
        product.description = description;
        product.category = category;
        product.brand = brand;
        product.unit = unit.parse::<UnitOfMeasure>().map_err(|e| rule(py, e))?;
        product.barcode = barcode.map(|b| self::barcode(py, b)).transpose()?;
        product.wholesale_price = opt(wholesale_price, "wholesale_price", money_arg)?;
        if let Some(min) = opt(min_stock, "min_stock", quantity_arg)? {
            product.min_stock = min;
        }
        product.max_stock = opt(max_stock, "max_stock", quantity_arg)?;
        product.reorder_point = opt(reorder_point, "reorder_point", quantity_arg)?;
        if let Some(multiple) = opt(pack_multiple, "pack_multiple", quantity_arg)? {
            product.pack_multiple = multiple;
        }
        product.perishable = perishable;
        product.supplier = supplier.map(SupplierId);
        let created = wait(py, async move { inv.create_product(product).await })?;
        Product::new(py, created)
    }

    /// The product with `id` (active or not), or None.
    fn product(&self, py: Python<'_>, id: i64) -> PyResult<Option<Product>> {
        let inv = self.handle(py)?;
        let found = wait(py, async move { inv.product(ProductId(id)).await })?;
        found.map(|p| Product::new(py, p)).transpose()
    }

    /// The product with `sku`, or None.
    fn product_by_sku(&self, py: Python<'_>, sku: &str) -> PyResult<Option<Product>> {
        let inv = self.handle(py)?;
        let sku = self::sku(py, sku)?;
        let found = wait(py, async move { inv.product_by_sku(&sku).await })?;
        found.map(|p| Product::new(py, p)).transpose()
    }

    /// The product with `barcode`, or None.
    fn product_by_barcode(&self, py: Python<'_>, barcode: &str) -> PyResult<Option<Product>> {
        let inv = self.handle(py)?;
        let barcode = self::barcode(py, barcode)?;
        let found = wait(py, async move { inv.product_by_barcode(&barcode).await })?;
        found.map(|p| Product::new(py, p)).transpose()
    }

    /// Products by SKU; inactive ones only when asked.
    #[pyo3(signature = (*, include_inactive = false))]
    fn products(&self, py: Python<'_>, include_inactive: bool) -> PyResult<Vec<Product>> {
        let inv = self.handle(py)?;
        records(
            py,
            wait(py, async move { inv.products(include_inactive).await })?,
            Product::new,
        )
    }

    /// Changes a product's fields (never its stock). A sale price below the minimum margin
    /// over average cost is refused unless `force_below_margin`.
    #[pyo3(signature = (id, *, sku = None, name = None, category = None, brand = None, barcode = None, sale_price = None, wholesale_price = None, min_stock = None, max_stock = None, reorder_point = None, pack_multiple = None, supplier = None, force_below_margin = false))]
    #[allow(clippy::too_many_arguments)]
    fn update_product(
        &self,
        py: Python<'_>,
        id: i64,
        sku: Option<&str>,
        name: Option<String>,
        category: Option<String>,
        brand: Option<String>,
        barcode: Option<&str>,
        sale_price: Option<&Bound<'_, PyAny>>,
        wholesale_price: Option<&Bound<'_, PyAny>>,
        min_stock: Option<&Bound<'_, PyAny>>,
        max_stock: Option<&Bound<'_, PyAny>>,
        reorder_point: Option<&Bound<'_, PyAny>>,
        pack_multiple: Option<&Bound<'_, PyAny>>,
        supplier: Option<i64>,
        force_below_margin: bool,
    ) -> PyResult<Product> {
        let inv = self.handle(py)?;
        let changes = ProductChanges {
            sku: sku.map(|s| self::sku(py, s)).transpose()?,
            name,
            category,
            brand,
            barcode: barcode.map(|b| self::barcode(py, b)).transpose()?,
            sale_price: opt(sale_price, "sale_price", money_arg)?,
            wholesale_price: opt(wholesale_price, "wholesale_price", money_arg)?,
            min_stock: opt(min_stock, "min_stock", quantity_arg)?,
            max_stock: opt(max_stock, "max_stock", quantity_arg)?,
            reorder_point: opt(reorder_point, "reorder_point", quantity_arg)?,
            pack_multiple: opt(pack_multiple, "pack_multiple", quantity_arg)?,
            supplier: supplier.map(SupplierId),
            force_below_margin,
        };
        let updated = wait(py, async move {
            inv.update_product(ProductId(id), &changes).await
        })?;
        Product::new(py, updated)
    }

    /// Deactivates a product with no stock anywhere and no active reservation.
    fn deactivate_product(&self, py: Python<'_>, id: i64) -> PyResult<Product> {
        let inv = self.handle(py)?;
        let product = wait(
            py,
            async move { inv.deactivate_product(ProductId(id)).await },
        )?;
        Product::new(py, product)
    }

    // --- stock commands ------------------------------------------------------------------

    /// Records one `MovementRequest`.
    fn record(&self, py: Python<'_>, request: PyRef<'_, PyMovementRequest>) -> PyResult<Recorded> {
        let request = request.clone();
        self.record_one(py, request)
    }

    /// Records every request or none, in one transaction. A refusal names the failing line
    /// (`error.line`, from 0).
    fn record_movements(
        &self,
        py: Python<'_>,
        requests: Vec<PyRef<'_, PyMovementRequest>>,
    ) -> PyResult<Vec<Recorded>> {
        let inv = self.handle(py)?;
        let requests: Vec<_> = requests.iter().map(|r| r.inner.clone()).collect();
        let recorded = wait(py, async move { inv.record_movements(&requests).await })?;
        records(py, recorded, Recorded::new)
    }

    /// Records a receipt: takes the arguments of `MovementRequest.receipt`.
    #[pyo3(signature = (*args, **kwargs))]
    fn receive(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Recorded> {
        self.build_and_record(py, "receipt", args, kwargs)
    }

    /// Records a sale: takes the arguments of `MovementRequest.sale`.
    #[pyo3(signature = (*args, **kwargs))]
    fn sell(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Recorded> {
        self.build_and_record(py, "sale", args, kwargs)
    }

    /// Records a customer return: takes the arguments of `MovementRequest.customer_return`.
    #[pyo3(signature = (*args, **kwargs))]
    fn return_from_customer(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Recorded> {
        self.build_and_record(py, "customer_return", args, kwargs)
    }

    /// Records a return to the supplier: takes the arguments of
    /// `MovementRequest.supplier_return`.
    #[pyo3(signature = (*args, **kwargs))]
    fn return_to_supplier(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Recorded> {
        self.build_and_record(py, "supplier_return", args, kwargs)
    }

    /// Records a loss: takes the arguments of `MovementRequest.loss`.
    #[pyo3(signature = (*args, **kwargs))]
    fn record_loss(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Recorded> {
        self.build_and_record(py, "loss", args, kwargs)
    }

    /// Records an adjustment: takes the arguments of `MovementRequest.adjustment`.
    #[pyo3(signature = (*args, **kwargs))]
    fn adjust(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Recorded> {
        self.build_and_record(py, "adjustment", args, kwargs)
    }

    /// Records a transfer: takes the arguments of `MovementRequest.transfer`.
    #[pyo3(signature = (*args, **kwargs))]
    fn transfer(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Recorded> {
        self.build_and_record(py, "transfer", args, kwargs)
    }

    /// Holds `quantity` of available stock until `expires_at` (an aware datetime) or until
    /// released.
    #[pyo3(signature = (product, location, quantity, *, reference = None, expires_at = None))]
    fn reserve(
        &self,
        py: Python<'_>,
        product: i64,
        location: i64,
        quantity: &Bound<'_, PyAny>,
        reference: Option<String>,
        expires_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Reservation> {
        let inv = self.handle(py)?;
        let quantity = quantity_arg(quantity, "quantity")?;
        let expires_at = opt(expires_at, "expires_at", utc_datetime)?;
        let reservation = wait(py, async move {
            inv.reserve(
                ProductId(product),
                LocationId(location),
                quantity,
                reference.as_deref(),
                expires_at,
            )
            .await
        })?;
        Reservation::new(py, reservation)
    }

    /// Releases what is left of a reservation.
    fn release_reservation(&self, py: Python<'_>, id: i64) -> PyResult<Reservation> {
        let inv = self.handle(py)?;
        let released = wait(py, async move {
            inv.release_reservation(ReservationId(id)).await
        })?;
        Reservation::new(py, released)
    }

    /// Reservations, of one product or all, in creation order.
    #[pyo3(signature = (product = None))]
    fn reservations(&self, py: Python<'_>, product: Option<i64>) -> PyResult<Vec<Reservation>> {
        let inv = self.handle(py)?;
        let found = wait(
            py,
            async move { inv.reservations(product.map(ProductId)).await },
        )?;
        records(py, found, Reservation::new)
    }

    // --- queries -------------------------------------------------------------------------

    /// Balances by product and location, optionally of one product and/or one location.
    #[pyo3(signature = (product = None, location = None))]
    fn stock(
        &self,
        py: Python<'_>,
        product: Option<i64>,
        location: Option<i64>,
    ) -> PyResult<Vec<StockRow>> {
        let inv = self.handle(py)?;
        let rows = wait(py, async move {
            inv.stock(product.map(ProductId), location.map(LocationId))
                .await
        })?;
        records(py, rows, StockRow::new)
    }

    /// Products at or below their seasonal minimum on `on` (default today), most urgent
    /// first, with threshold and deficit.
    #[pyo3(signature = (on = None))]
    fn low_stock(&self, py: Python<'_>, on: Option<NaiveDate>) -> PyResult<Vec<LowStock>> {
        let inv = self.handle(py)?;
        let on = on.unwrap_or_else(|| inv.today());
        let rows = wait(py, async move { inv.critical_products(on).await })?;
        records(py, rows, LowStock::new)
    }

    /// What to order on `on` (default today), grouped by supplier.
    #[pyo3(signature = (on = None))]
    fn reorder_suggestions(
        &self,
        py: Python<'_>,
        on: Option<NaiveDate>,
    ) -> PyResult<Vec<SupplierReorder>> {
        let inv = self.handle(py)?;
        let on = on.unwrap_or_else(|| inv.today());
        let rows = wait(py, async move { inv.reorder_suggestions(on).await })?;
        records(py, rows, SupplierReorder::new)
    }

    /// Movement history, newest first, filtered; `limit` (1-1000) rows at a time. Pass the
    /// page's `next` as `before` for the following page. `start`/`end` are dates, both
    /// included.
    #[pyo3(signature = (*, product = None, location = None, kind = None, actor = None, start = None, end = None, reference = None, before = None, limit = 100))]
    #[allow(clippy::too_many_arguments)]
    fn history(
        &self,
        py: Python<'_>,
        product: Option<i64>,
        location: Option<i64>,
        kind: Option<&str>,
        actor: Option<String>,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        reference: Option<String>,
        before: Option<i64>,
        limit: u32,
    ) -> PyResult<MovementPage> {
        let inv = self.handle(py)?;
        let kind: Option<MovementKind> = kind
            .map(|k| {
                code(
                    py,
                    "movement kind",
                    k,
                    "initial_stock, receipt, sale, customer_return, supplier_return, loss, \
                     adjustment, transfer_out, transfer_in",
                )
            })
            .transpose()?;
        let dates = match (start, end) {
            (None, None) => None,
            (Some(start), Some(end)) => Some(date_range(py, start, end)?),
            _ => {
                return Err(PyTypeError::new_err(
                    "history takes both start= and end=, or neither",
                ))
            }
        };
        let filter = HistoryFilter {
            product: product.map(ProductId),
            location: location.map(LocationId),
            kind,
            actor,
            dates,
            reference,
        };
        let page = wait(py, async move {
            inv.history(&filter, before.map(MovementId), limit).await
        })?;
        Ok(MovementPage {
            items: page
                .items
                .into_iter()
                .map(|m| Py::new(py, Movement::new(py, m)?))
                .collect::<PyResult<_>>()?,
            next: page.next.map(|id| id.get()),
        })
    }

    /// Ledger rows after `cursor` (a movement id; from the start with None), oldest first:
    /// the change feed.
    #[pyo3(signature = (cursor = None, limit = 100))]
    fn movements_since(
        &self,
        py: Python<'_>,
        cursor: Option<i64>,
        limit: u32,
    ) -> PyResult<Vec<Movement>> {
        let inv = self.handle(py)?;
        let rows = wait(py, async move {
            inv.movements_since(cursor.map(MovementId), limit).await
        })?;
        records(py, rows, Movement::new)
    }

    /// The stock's value at weighted-average cost.
    fn stock_value(&self, py: Python<'_>) -> PyResult<StockValue> {
        let inv = self.handle(py)?;
        StockValue::new(py, wait(py, async move { inv.stock_value().await })?)
    }

    /// The `limit` products with most units sold from `start` to `end` (dates, included).
    #[pyo3(signature = (start, end, limit = 10))]
    fn top_sold(
        &self,
        py: Python<'_>,
        start: NaiveDate,
        end: NaiveDate,
        limit: usize,
    ) -> PyResult<Vec<TopProduct>> {
        let inv = self.handle(py)?;
        let range = date_range(py, start, end)?;
        let rows = wait(py, async move { inv.top_sold(range, limit).await })?;
        records(py, rows, TopProduct::new)
    }

    /// The `limit` products with most units on orders created from `start` to `end`.
    #[pyo3(signature = (start, end, limit = 10))]
    fn top_ordered(
        &self,
        py: Python<'_>,
        start: NaiveDate,
        end: NaiveDate,
        limit: usize,
    ) -> PyResult<Vec<TopOrdered>> {
        let inv = self.handle(py)?;
        let range = date_range(py, start, end)?;
        let rows = wait(py, async move { inv.top_ordered(range, limit).await })?;
        records(py, rows, TopOrdered::new)
    }

    /// The dashboard's headline numbers as of `on` (default today).
    #[pyo3(signature = (on = None))]
    fn dashboard_summary(
        &self,
        py: Python<'_>,
        on: Option<NaiveDate>,
    ) -> PyResult<DashboardSummary> {
        let inv = self.handle(py)?;
        let on = on.unwrap_or_else(|| inv.today());
        DashboardSummary::new(
            py,
            wait(py, async move { inv.dashboard_summary(on).await })?,
        )
    }

    /// Ordering statistics per supplier, by code.
    fn provider_stats(&self, py: Python<'_>) -> PyResult<Vec<ProviderStats>> {
        let inv = self.handle(py)?;
        records(
            py,
            wait(py, async move { inv.provider_stats().await })?,
            ProviderStats::new,
        )
    }

    /// Real stock on hand and its value, by supplier.
    fn stock_by_supplier(&self, py: Python<'_>) -> PyResult<Vec<SupplierStock>> {
        let inv = self.handle(py)?;
        records(
            py,
            wait(py, async move { inv.stock_by_supplier().await })?,
            SupplierStock::new,
        )
    }

    /// Units sold per ISO week from `start` to `end` (dates, included).
    fn weekly_sales(
        &self,
        py: Python<'_>,
        start: NaiveDate,
        end: NaiveDate,
    ) -> PyResult<Vec<WeeklySales>> {
        let inv = self.handle(py)?;
        let range = date_range(py, start, end)?;
        let rows = wait(py, async move { inv.weekly_sales(range).await })?;
        records(py, rows, WeeklySales::new)
    }

    /// Replays the ledger (of one product, or all) against the balances.
    #[pyo3(signature = (product = None))]
    fn verify_ledger(&self, py: Python<'_>, product: Option<i64>) -> PyResult<LedgerReport> {
        let inv = self.handle(py)?;
        let report = wait(py, async move {
            inv.verify_ledger(product.map(ProductId)).await
        })?;
        LedgerReport::new(py, report)
    }

    // --- purchase orders -----------------------------------------------------------------

    /// Creates a draft order for `supplier`; `lines` are `(product, quantity,
    /// expected_unit_cost)` tuples, each product at most once.
    #[pyo3(signature = (supplier, lines, *, expected_date = None))]
    fn create_order(
        &self,
        py: Python<'_>,
        supplier: i64,
        lines: Vec<Bound<'_, PyAny>>,
        expected_date: Option<NaiveDate>,
    ) -> PyResult<PurchaseOrder> {
        let inv = self.handle(py)?;
        let lines = lines
            .iter()
            .enumerate()
            .map(|(index, line)| {
                let bad = || {
                    PyTypeError::new_err(format!(
                        "line {index} must be a (product, quantity, expected_unit_cost) tuple, \
                         not {}",
                        type_name(line)
                    ))
                };
                let fields: Vec<Bound<'_, PyAny>> = line.extract().map_err(|_| bad())?;
                let [product, quantity, unit_cost] = fields.as_slice() else {
                    return Err(bad());
                };
                Ok(NewOrderLine {
                    product: ProductId(product.extract()?),
                    quantity: quantity_arg(quantity, "quantity")?,
                    expected_unit_cost: cost_arg(unit_cost, "expected_unit_cost")?,
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let order = wait(py, async move {
            inv.create_order(SupplierId(supplier), &lines, expected_date)
                .await
        })?;
        PurchaseOrder::new(py, order)
    }

    /// Sends a draft order to its supplier.
    fn send_order(&self, py: Python<'_>, id: i64) -> PyResult<PurchaseOrder> {
        let inv = self.handle(py)?;
        PurchaseOrder::new(
            py,
            wait(py, async move { inv.send_order(OrderId(id)).await })?,
        )
    }

    /// Cancels an open order; what already arrived stays received.
    fn cancel_order(&self, py: Python<'_>, id: i64) -> PyResult<PurchaseOrder> {
        let inv = self.handle(py)?;
        PurchaseOrder::new(
            py,
            wait(py, async move { inv.cancel_order(OrderId(id)).await })?,
        )
    }

    /// Receives goods against a sent order at `location`: `lines` are `(line_id, quantity)`
    /// or `(line_id, quantity, unit_cost)` tuples. Each becomes a receipt movement.
    fn receive_order(
        &self,
        py: Python<'_>,
        id: i64,
        location: i64,
        lines: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<OrderReceipt> {
        let inv = self.handle(py)?;
        let lines = lines
            .iter()
            .enumerate()
            .map(|(index, line)| {
                let fields: Vec<Bound<'_, PyAny>> = line.extract()?;
                let bad = || {
                    PyTypeError::new_err(format!(
                        "line {index} must be (line_id, quantity) or (line_id, quantity, \
                         unit_cost), not {}",
                        type_name(line)
                    ))
                };
                let (line_id, quantity, unit_cost) = match fields.as_slice() {
                    [id, q] => (id, q, None),
                    [id, q, c] => (id, q, Some(c)),
                    _ => return Err(bad()),
                };
                Ok(LineReceipt {
                    line: OrderLineId(line_id.extract()?),
                    quantity: quantity_arg(quantity, "quantity")?,
                    unit_cost: opt(unit_cost, "unit_cost", cost_arg)?,
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let receipt = wait(py, async move {
            inv.receive_order(OrderId(id), LocationId(location), &lines)
                .await
        })?;
        OrderReceipt::new(py, receipt)
    }

    /// The order with `id`, or None.
    fn order(&self, py: Python<'_>, id: i64) -> PyResult<Option<PurchaseOrder>> {
        let inv = self.handle(py)?;
        let found = wait(py, async move { inv.order(OrderId(id)).await })?;
        found.map(|o| PurchaseOrder::new(py, o)).transpose()
    }

    /// Orders, newest first; only those in `status` (draft, sent, partially_received,
    /// received, cancelled) when given.
    #[pyo3(signature = (status = None))]
    fn orders(&self, py: Python<'_>, status: Option<&str>) -> PyResult<Vec<PurchaseOrder>> {
        let inv = self.handle(py)?;
        let status = status
            .map(|s| {
                OrderStatus::from_code(s).ok_or_else(|| {
                    validation(
                        py,
                        format!(
                            "unknown order status {s:?}: expected draft, sent, \
                             partially_received, received or cancelled"
                        ),
                    )
                })
            })
            .transpose()?;
        let found = wait(py, async move { inv.orders(status).await })?;
        records(py, found, PurchaseOrder::new)
    }

    // --- customers and personal data -----------------------------------------------------

    /// Creates a customer. Their names, document and contact are stored only encrypted,
    /// under a key of their own, with blind indexes on the document and the email.
    /// `kind` is persona or empresa; `price_list` general, mayorista or especial;
    /// `document_type` dni, cuit, cuil or pasaporte.
    #[pyo3(signature = (code, names, *, surname = None, document_type = None, document = None, phone = None, email = None, address = None, kind = "persona", price_list = "general", credit_limit = None, discount_percent = None))]
    #[allow(clippy::too_many_arguments)]
    fn create_customer(
        &self,
        py: Python<'_>,
        code: String,
        names: String,
        surname: Option<String>,
        document_type: Option<&str>,
        document: Option<&str>,
        phone: Option<String>,
        email: Option<String>,
        address: Option<String>,
        kind: &str,
        price_list: &str,
        credit_limit: Option<&Bound<'_, PyAny>>,
        discount_percent: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Customer> {
        let inv = self.handle(py)?;
        let document = match (document_type, document) {
            (Some(t), Some(n)) => Some(identity_document(py, t, n)?),
            (None, None) => None,
            _ => {
                return Err(PyTypeError::new_err(
                    "create_customer takes both document_type= and document=, or neither",
                ))
            }
        };
        let kind = CustomerKind::from_code(&kind.to_uppercase()).ok_or_else(|| {
            validation(
                py,
                format!("unknown customer kind {kind:?}: expected persona or empresa"),
            )
        })?;
        let price_list = PriceList::from_code(&price_list.to_uppercase()).ok_or_else(|| {
            validation(
                py,
                format!(
                    "unknown price list {price_list:?}: expected general, mayorista or especial"
                ),
            )
        })?;
        let zero = inventario_core::domain::values::Money::from_centavos(0);
        let customer = NewCustomer {
            customer: CoreCustomer {
                code,
                kind,
                price_list,
                credit_limit: opt(credit_limit, "credit_limit", money_arg)?.unwrap_or(zero),
                discount_percent: opt(discount_percent, "discount_percent", money_arg)?
                    .unwrap_or(zero),
            },
            identity: CoreIdentity {
                names,
                surname,
                document,
                phone,
                email,
                address,
            },
        };
        let created = wait(py, async move { inv.create_customer(customer).await })?;
        Customer::new(py, created)
    }

    /// A customer's commercial terms (nothing decrypted), or None.
    fn customer(&self, py: Python<'_>, id: i64) -> PyResult<Option<Customer>> {
        let inv = self.handle(py)?;
        let found = wait(py, async move { inv.customer(CustomerId(id)).await })?;
        found.map(|c| Customer::new(py, c)).transpose()
    }

    /// Decrypts a customer's identity after recording the access in the audit log; None for
    /// an unknown id. An erased customer raises `KeyNotFoundError` (kind KeyDestroyed).
    fn customer_identity(&self, py: Python<'_>, id: i64) -> PyResult<Option<CustomerIdentity>> {
        let inv = self.handle(py)?;
        let found = wait(
            py,
            async move { inv.customer_identity(CustomerId(id)).await },
        )?;
        found.map(|i| CustomerIdentity::new(py, i)).transpose()
    }

    /// Decrypts several customers' identities with one audit record; None in the place of an
    /// unknown id.
    fn customer_identities(
        &self,
        py: Python<'_>,
        ids: Vec<i64>,
    ) -> PyResult<Vec<Option<CustomerIdentity>>> {
        let inv = self.handle(py)?;
        let ids: Vec<CustomerId> = ids.into_iter().map(CustomerId).collect();
        let found = wait(py, async move { inv.customer_identities(&ids).await })?;
        found
            .into_iter()
            .map(|i| i.map(|i| CustomerIdentity::new(py, i)).transpose())
            .collect()
    }

    /// Customers with this identity document (DNI, CUIT and CUIL match whatever separators
    /// were typed), through its blind index.
    fn find_customers_by_document(
        &self,
        py: Python<'_>,
        document_type: &str,
        document: &str,
    ) -> PyResult<Vec<Customer>> {
        let inv = self.handle(py)?;
        let document = identity_document(py, document_type, document)?;
        let found = wait(
            py,
            async move { inv.find_customer_by_document(&document).await },
        )?;
        records(py, found, Customer::new)
    }

    /// Customers with this email (trimmed, case-insensitive), through its blind index.
    fn find_customers_by_email(&self, py: Python<'_>, email: String) -> PyResult<Vec<Customer>> {
        let inv = self.handle(py)?;
        let found = wait(py, async move { inv.find_customer_by_email(&email).await })?;
        records(py, found, Customer::new)
    }

    /// Crypto-shreds a customer or supplier (`kind`): destroys their key and blind indexes in
    /// one transaction. Their movements and orders stay.
    fn erase_subject(&self, py: Python<'_>, kind: &str, id: i64) -> PyResult<ErasureReceipt> {
        let inv = self.handle(py)?;
        let kind = subject_kind(py, kind)?;
        ErasureReceipt::new(
            py,
            wait(py, async move { inv.erase_subject(kind, id).await })?,
        )
    }

    // --- privacy duties ------------------------------------------------------------------

    /// Places a legal hold on `table`/`key` (an empty key holds the whole table). Held audit
    /// records are never purged; a hold on a subject (`customers`/id, `suppliers`/id) or on a
    /// supplier's `purchase_orders` keeps their fiscal part through an erasure; a hold on
    /// `backups`/file name keeps that backup.
    #[pyo3(signature = (table, key = "", *, reason))]
    fn place_legal_hold(
        &self,
        py: Python<'_>,
        table: &str,
        key: &str,
        reason: &str,
    ) -> PyResult<LegalHold> {
        let inv = self.handle(py)?;
        let target = Target::new(table, key);
        let reason = reason.to_owned();
        LegalHold::new(
            py,
            wait(
                py,
                async move { inv.place_legal_hold(target, &reason).await },
            )?,
        )
    }

    /// Lifts a legal hold (lifting a lifted hold changes nothing).
    fn lift_legal_hold(&self, py: Python<'_>, id: i64) -> PyResult<LegalHold> {
        let inv = self.handle(py)?;
        LegalHold::new(py, wait(py, async move { inv.lift_legal_hold(id).await })?)
    }

    /// Every legal hold, in force or lifted.
    fn legal_holds(&self, py: Python<'_>) -> PyResult<Vec<LegalHold>> {
        let inv = self.handle(py)?;
        let holds = wait(py, async move { inv.legal_holds().await })?;
        holds.into_iter().map(|h| LegalHold::new(py, h)).collect()
    }

    /// Records a data subject's request (`request`: access, rectification or erasure) about
    /// customer or supplier `id`, received on `received_on` (default today), under `regime`
    /// (ley_25326, the library's default, or gdpr), with its deadline.
    #[pyo3(signature = (kind, id, request, *, regime = None, received_on = None))]
    fn record_privacy_request(
        &self,
        py: Python<'_>,
        kind: &str,
        id: i64,
        request: &str,
        regime: Option<&str>,
        received_on: Option<NaiveDate>,
    ) -> PyResult<PrivacyRequest> {
        let inv = self.handle(py)?;
        let kind = subject_kind(py, kind)?;
        let request_kind = crate::privacy::request_kind(py, request)?;
        let received_on = received_on.unwrap_or_else(|| inv.today());
        let mut new = NewPrivacyRequest::new(kind, id, request_kind, received_on);
        if let Some(regime) = regime {
            new = new.regime(crate::privacy::regime(py, regime)?);
        }
        PrivacyRequest::new(
            py,
            wait(py, async move { inv.record_privacy_request(&new).await })?,
        )
    }

    /// The privacy request with `id`, or None.
    fn privacy_request(&self, py: Python<'_>, id: i64) -> PyResult<Option<PrivacyRequest>> {
        let inv = self.handle(py)?;
        wait(py, async move { inv.privacy_request(id).await })?
            .map(|r| PrivacyRequest::new(py, r))
            .transpose()
    }

    /// Every privacy request, of one subject (`kind` and `id`) or of all, oldest first.
    #[pyo3(signature = (kind = None, id = None))]
    fn privacy_requests(
        &self,
        py: Python<'_>,
        kind: Option<&str>,
        id: Option<i64>,
    ) -> PyResult<Vec<PrivacyRequest>> {
        let inv = self.handle(py)?;
        let subject = match (kind, id) {
            (Some(kind), Some(id)) => Some((subject_kind(py, kind)?, id)),
            (None, None) => None,
            _ => return Err(validation(py, "give both kind and id, or neither")),
        };
        let found = wait(py, async move { inv.privacy_requests(subject).await })?;
        found
            .into_iter()
            .map(|r| PrivacyRequest::new(py, r))
            .collect()
    }

    /// The pending privacy requests, soonest deadline first, with the days left as of `on`
    /// (default today; negative once overdue).
    #[pyo3(signature = (on = None))]
    fn pending_privacy_requests(
        &self,
        py: Python<'_>,
        on: Option<NaiveDate>,
    ) -> PyResult<Vec<PendingPrivacyRequest>> {
        let inv = self.handle(py)?;
        let on = on.unwrap_or_else(|| inv.today());
        let found = wait(py, async move { inv.pending_privacy_requests(on).await })?;
        found
            .into_iter()
            .map(|p| PendingPrivacyRequest::new(py, p))
            .collect()
    }

    /// Refuses a pending request with a reason code: identity_not_verified,
    /// manifestly_unfounded, repeated_request or legal_obligation.
    fn refuse_privacy_request(
        &self,
        py: Python<'_>,
        id: i64,
        reason: &str,
    ) -> PyResult<PrivacyRequest> {
        let inv = self.handle(py)?;
        let reason = crate::privacy::refusal(py, reason)?;
        PrivacyRequest::new(
            py,
            wait(
                py,
                async move { inv.refuse_privacy_request(id, reason).await },
            )?,
        )
    }

    /// Everything the store holds about a customer or supplier, as JSON text: record,
    /// decrypted personal data (erased fields listed), references, requests and redacted
    /// audit records. Recorded as ACCESS_REQUEST before it is returned; answers their pending
    /// access requests.
    fn export_subject(&self, py: Python<'_>, kind: &str, id: i64) -> PyResult<String> {
        let inv = self.handle(py)?;
        let kind = subject_kind(py, kind)?;
        let export = wait(py, async move { inv.export_subject(kind, id).await })?;
        Ok(export.to_json())
    }

    /// The same export as CSV (RFC 4180, one value per row, spreadsheet formulas
    /// neutralised with a leading quote).
    fn export_subject_csv(&self, py: Python<'_>, kind: &str, id: i64) -> PyResult<String> {
        let inv = self.handle(py)?;
        let kind = subject_kind(py, kind)?;
        let export = wait(py, async move { inv.export_subject(kind, id).await })?;
        Ok(export.to_csv())
    }

    /// Corrects personal fields: `changes` maps a field (customers: names, surname,
    /// document_type, document, phone, email, address; suppliers: cuit, phone, email,
    /// address) to its new value, or None to clear it. `reason` is recorded in clear: a
    /// ticket or a short cause, never a personal value.
    #[pyo3(signature = (kind, id, changes, *, reason))]
    fn rectify(
        &self,
        py: Python<'_>,
        kind: &str,
        id: i64,
        changes: HashMap<String, Option<String>>,
        reason: &str,
    ) -> PyResult<RectificationReceipt> {
        let inv = self.handle(py)?;
        let kind = subject_kind(py, kind)?;
        let changes = crate::privacy::changes(changes);
        let reason = reason.to_owned();
        RectificationReceipt::new(
            py,
            wait(
                py,
                async move { inv.rectify(kind, id, &changes, &reason).await },
            )?,
        )
    }

    /// The holidays business-day deadlines skip, in order.
    fn holidays(&self, py: Python<'_>) -> PyResult<Vec<NaiveDate>> {
        let inv = self.handle(py)?;
        let calendar = wait(py, async move { inv.holidays().await })?;
        Ok(calendar.days().collect())
    }

    /// Replaces the holiday calendar (see `argentina_holidays`) and recomputes the deadlines
    /// of pending requests; returns the ids of those whose deadline moved.
    fn set_holidays(&self, py: Python<'_>, days: Vec<NaiveDate>) -> PyResult<Vec<i64>> {
        let inv = self.handle(py)?;
        let calendar = HolidayCalendar::new(days);
        wait(py, async move { inv.set_holidays(&calendar).await })
    }

    /// The retention policy.
    fn retention_policy(&self, py: Python<'_>) -> PyResult<RetentionPolicy> {
        let inv = self.handle(py)?;
        RetentionPolicy::new(py, wait(py, async move { inv.retention_policy().await })?)
    }

    /// Changes the periods given (the others stay) and returns the policy.
    #[pyo3(signature = (*, operational_audit_days = None, access_audit_days = None, fiscal_years = None, backup_days = None))]
    fn set_retention_policy(
        &self,
        py: Python<'_>,
        operational_audit_days: Option<u32>,
        access_audit_days: Option<u32>,
        fiscal_years: Option<u32>,
        backup_days: Option<u32>,
    ) -> PyResult<RetentionPolicy> {
        let inv = self.handle(py)?;
        let policy = wait(py, async move {
            let current = inv.retention_policy().await?;
            let policy = crate::privacy::policy_with(
                current,
                operational_audit_days,
                access_audit_days,
                fiscal_years,
                backup_days,
            );
            inv.set_retention_policy(policy).await
        })?;
        RetentionPolicy::new(py, policy)
    }

    /// Applies the retention policy as of `now` (an aware datetime; default now): purges the
    /// audit prefix every category allows, stopping at legal holds, and destroys kept fiscal
    /// parts whose hold and period are over. Idempotent.
    #[pyo3(signature = (now = None))]
    fn apply_retention(
        &self,
        py: Python<'_>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<RetentionReport> {
        let inv = self.handle(py)?;
        let now = opt(now, "now", utc_datetime)?.unwrap_or_else(Utc::now);
        RetentionReport::new(py, wait(py, async move { inv.apply_retention(now).await })?)
    }

    /// Deletes this store's backups in `directory` older than the backup period as of `now`
    /// (default now), keeping the newest and held ones.
    #[pyo3(signature = (directory, *, now = None))]
    fn prune_backups(
        &self,
        py: Python<'_>,
        directory: std::path::PathBuf,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<BackupPruneReport> {
        let inv = self.handle(py)?;
        let now = opt(now, "now", utc_datetime)?.unwrap_or_else(Utc::now);
        BackupPruneReport::new(
            py,
            wait(py, async move { inv.prune_backups(&directory, now).await })?,
        )
    }

    // --- legacy import -------------------------------------------------------------------

    /// Imports a database of the legacy Python system (docs/IMPORT.md) in one transaction;
    /// returns the report (counts, roundings, findings) as a dict. Raises `ValidationError`
    /// (`kind` "Import") naming the first malformed legacy row; nothing is then written.
    /// `location` defaults to the library's (`LOCAL`, created if missing).
    #[pyo3(signature = (path, *, location = None, dry_run = false))]
    fn import_legacy<'py>(
        &self,
        py: Python<'py>,
        path: std::path::PathBuf,
        location: Option<&str>,
        dry_run: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inv = self.handle(py)?;
        let mut options = ImportOptions::default().dry_run(dry_run);
        if let Some(location) = location {
            options = options.location(location);
        }
        let report = wait(py, async move { inv.import_legacy(&path, &options).await })?;
        py.import("json")?
            .call_method1("loads", (report.to_json(),))
    }

    // --- audit ---------------------------------------------------------------------------

    /// Recomputes the audit chain and reports the first record that is not as written. With
    /// `since` (a checkpoint's text from `audit_checkpoint`), also proves the chain still
    /// contains it and checks only what follows.
    #[pyo3(signature = (since = None))]
    fn verify_audit(&self, py: Python<'_>, since: Option<&str>) -> PyResult<VerifyReport> {
        let inv = self.handle(py)?;
        let since = since
            .map(|text| Checkpoint::from_text(text).map_err(|e| rule(py, e)))
            .transpose()?;
        let report = wait(py, async move { inv.verify_audit(since.as_ref()).await })?;
        VerifyReport::new(py, report)
    }

    /// Signs the chain's head; returns the checkpoint's text, to keep where the store's
    /// administrators cannot edit it and pass back to `verify_audit(since=...)`.
    fn audit_checkpoint(&self, py: Python<'_>) -> PyResult<String> {
        let inv = self.handle(py)?;
        Ok(wait(py, async move { inv.audit_checkpoint().await })?.to_text())
    }

    /// At most `limit` audit records after `seq` `after`, in order.
    #[pyo3(signature = (after = 0, limit = 100))]
    fn audit_events(&self, py: Python<'_>, after: u64, limit: u32) -> PyResult<Vec<AuditEvent>> {
        let inv = self.handle(py)?;
        let events = wait(
            py,
            async move { inv.audit_events_after(after, limit).await },
        )?;
        records(py, events, AuditEvent::new)
    }

    /// Appends an event of the application's own to the audit chain and returns its `seq`:
    /// `event_type` is LOGIN_FAILED, DATA_EXPORT, ACCESS_REQUEST or a name of yours;
    /// `detail` a JSON-able dict (put a source address in `ip`; never a personal value).
    #[pyo3(signature = (event_type, *, table = "", key = "", failed = false, detail = None))]
    fn record_audit_event(
        &self,
        py: Python<'_>,
        event_type: &str,
        table: &str,
        key: &str,
        failed: bool,
        detail: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let inv = self.handle(py)?;
        let event_type = EventType::parse(event_type)
            .ok_or_else(|| validation(py, format!("invalid audit event type {event_type:?}")))?;
        let detail = match detail {
            Some(d) if !d.is_none() => {
                if !d.is_instance_of::<PyDict>() {
                    return Err(PyTypeError::new_err(format!(
                        "detail must be a dict, not {}",
                        type_name(d)
                    )));
                }
                let text: String = py.import("json")?.call_method1("dumps", (d,))?.extract()?;
                serde_json::from_str(&text)
                    .map_err(|e| validation(py, format!("detail is not JSON: {e}")))?
            }
            _ => serde_json::json!({}),
        };
        let event = AppEvent {
            event_type,
            target: Target::new(table, key),
            status: if failed {
                Status::Failed
            } else {
                Status::Success
            },
            detail,
        };
        wait(py, async move { inv.record_audit_event(event).await })
    }

    /// Runs the anomaly detectors over the audit log as of `now` (an aware datetime; default
    /// now) for the period starting at `since`.
    #[pyo3(signature = (since, now = None))]
    fn detect_anomalies(
        &self,
        py: Python<'_>,
        since: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Detection> {
        let inv = self.handle(py)?;
        let since = utc_datetime(since, "since")?;
        let now = opt(now, "now", utc_datetime)?.unwrap_or_else(Utc::now);
        let found = wait(py, async move {
            inv.detect_anomalies(since, now, &DetectorConfig::default())
                .await
        })?;
        Detection::new(py, found)
    }

    /// The audit report of `[start, end)` (aware datetimes) as JSON or HTML text (every value
    /// escaped): totals, counts per type and status, top actors, anomalies.
    #[pyo3(signature = (start, end, *, format = "json"))]
    fn audit_report(
        &self,
        py: Python<'_>,
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
        format: &str,
    ) -> PyResult<String> {
        let inv = self.handle(py)?;
        let start = utc_datetime(start, "start")?;
        let end = utc_datetime(end, "end")?;
        if format != "json" && format != "html" {
            return Err(validation(
                py,
                format!("unknown report format {format:?}: expected json or html"),
            ));
        }
        if end < start {
            return Err(validation(py, "the report period ends before it starts"));
        }
        let report = wait(py, async move {
            inv.audit_report(start, end, &DetectorConfig::default())
                .await
        })?;
        Ok(if format == "json" {
            report.to_json()
        } else {
            report.to_html()
        })
    }
}
