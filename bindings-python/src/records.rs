//! The typed results: immutable objects with readable `repr`, `==` and `to_dict()`.
//!
//! Each record copies a core result into Python values once (money and quantities as
//! `Decimal`, instants as aware `datetime`, codes as `str`), so reading an attribute costs
//! nothing more.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use inventario_core::audit::{
    Anomaly as CoreAnomaly, AuditEvent as CoreAuditEvent, ChainBreak as CoreChainBreak,
    Detection as CoreDetection, DetectorFailure as CoreDetectorFailure,
};
use inventario_core::crypto::KeyRecord;
use inventario_core::domain::catalog::{
    CustomerIdentity as CoreIdentity, IdentityDocument, Location as CoreLocation,
    Product as CoreProduct, Reservation as CoreReservation, Supplier as CoreSupplier,
    SupplierContact as CoreContact,
};
use inventario_core::domain::orders::{OrderLine as CoreOrderLine, PurchaseOrder as CoreOrder};
use inventario_core::domain::replenishment::{
    ReorderLine as CoreReorderLine, SupplierReorder as CoreSupplierReorder,
};
use inventario_core::domain::values::{Money, Quantity, UnitCost};
use inventario_core::domain::Movement as CoreMovement;
use inventario_core::{
    CriticalProduct as CoreCritical, DashboardSummary as CoreSummary, DataKeyRotation as CoreDkr,
    ErasureReceipt as CoreErasure, LedgerDiscrepancy as CoreDiscrepancy,
    LedgerReport as CoreLedgerReport, MasterKeyRotation as CoreMkr, OrderReceipt as CoreReceipt,
    ProviderStats as CoreProviderStats, Recorded as CoreRecorded,
    ReencryptProgress as CoreProgress, ReencryptReport as CoreReencryptReport,
    StockRow as CoreStockRow, StockValue as CoreStockValue, StoredCustomer, SubjectKind,
    SupplierStock as CoreSupplierStock, TopOrdered as CoreTopOrdered, TopProduct as CoreTopProduct,
    WeeklySales as CoreWeeklySales,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use pyo3::{PyClass, PyClassInitializer};
use rust_decimal::Decimal;

use crate::convert::decimal_to_py;

type Obj = Py<PyAny>;

fn dec(py: Python<'_>, d: Decimal) -> PyResult<Obj> {
    decimal_to_py(py, d)
}

fn qty(py: Python<'_>, q: Quantity) -> PyResult<Obj> {
    dec(py, q.to_decimal())
}

fn money(py: Python<'_>, m: Money) -> PyResult<Obj> {
    dec(py, m.to_decimal())
}

fn cost(py: Python<'_>, c: UnitCost) -> PyResult<Obj> {
    dec(py, c.to_decimal())
}

fn opt_qty(py: Python<'_>, q: Option<Quantity>) -> PyResult<Option<Obj>> {
    q.map(|q| qty(py, q)).transpose()
}

pub(crate) fn list<T, U: PyClass + Into<PyClassInitializer<U>>>(
    py: Python<'_>,
    items: impl IntoIterator<Item = T>,
    convert: impl Fn(Python<'_>, T) -> PyResult<U>,
) -> PyResult<Vec<Py<U>>> {
    items
        .into_iter()
        .map(|item| Py::new(py, convert(py, item)?))
        .collect()
}

/// `Name(field=repr, ...)` of a record.
pub(crate) fn repr_of(this: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let mut out = format!("{name}(");
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(field);
        out.push('=');
        out.push_str(&this.getattr(*field)?.repr()?.to_string());
    }
    out.push(')');
    Ok(out)
}

/// A plain value: records become dicts, lists and dicts are converted item by item.
fn plain<'py>(value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    if let Ok(items) = value.cast::<PyList>() {
        let out = PyList::empty(py);
        for item in items.iter() {
            out.append(plain(item)?)?;
        }
        return Ok(out.into_any());
    }
    if let Ok(map) = value.cast::<PyDict>() {
        let out = PyDict::new(py);
        for (k, v) in map.iter() {
            out.set_item(k, plain(v)?)?;
        }
        return Ok(out.into_any());
    }
    if value.hasattr("to_dict")? {
        return Ok(value.call_method0("to_dict")?.into_any());
    }
    Ok(value)
}

pub(crate) fn dict_of<'py>(
    this: &Bound<'py, PyAny>,
    fields: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(this.py());
    for field in fields {
        out.set_item(*field, plain(this.getattr(*field)?)?)?;
    }
    Ok(out)
}

macro_rules! record {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $fdoc:literal])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[doc = $doc])*
        #[pyclass(module = "inventario", frozen, get_all)]
        pub(crate) struct $name {
            $($(#[doc = $fdoc])* pub(crate) $field: $ty,)*
        }

        #[pymethods]
        impl $name {
            #[classattr]
            fn __match_args__(py: Python<'_>) -> PyResult<Py<PyTuple>> {
                Ok(PyTuple::new(py, [$(stringify!($field)),*])?.unbind())
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                repr_of(slf.as_any(), stringify!($name), &[$(stringify!($field)),*])
            }

            /// The record as a dict (nested records as dicts too). Money and quantities stay
            /// `Decimal`: serialise them as strings (`json.dumps(d, default=str)`); FastAPI's
            /// default encoder would turn them into floats.
            fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
                dict_of(slf.as_any(), &[$(stringify!($field)),*])
            }

            fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
                if !other.is_instance_of::<Self>() {
                    return Ok(false);
                }
                dict_of(slf.as_any(), &[$(stringify!($field)),*])?
                    .eq(dict_of(other, &[$(stringify!($field)),*])?)
            }
        }
    };
}

/// The record macro, for the records of other modules (`privacy`).
pub(crate) use record;

record! {
    /// A place that holds stock.
    Location { id: i64, code: String, name: String, negative_stock_allowed: bool, capacity: Option<Obj> }
}

impl Location {
    pub(crate) fn new(py: Python<'_>, l: CoreLocation) -> PyResult<Self> {
        Ok(Location {
            id: l.id.get(),
            code: l.code,
            name: l.name,
            negative_stock_allowed: l.negative_stock_allowed,
            capacity: opt_qty(py, l.capacity)?,
        })
    }
}

record! {
    /// A supplier (its contact data is read with `supplier_contact`).
    Supplier {
        id: i64, code: String, legal_name: String, trade_name: Option<String>,
        tax_condition: Option<String>, payment_terms_days: Option<u32>,
        direct_brands: Vec<String>, distributed_brands: Vec<String>, categories: Vec<String>,
        exclude_keywords: Vec<String>, is_default: bool, active: bool,
    }
}

impl Supplier {
    pub(crate) fn new(_py: Python<'_>, s: CoreSupplier) -> PyResult<Self> {
        Ok(Supplier {
            id: s.id.get(),
            code: s.code,
            legal_name: s.legal_name,
            trade_name: s.trade_name,
            tax_condition: s.tax_condition,
            payment_terms_days: s.payment_terms_days,
            direct_brands: s.direct_brands,
            distributed_brands: s.distributed_brands,
            categories: s.categories,
            exclude_keywords: s.exclude_keywords,
            is_default: s.is_default,
            active: s.active,
        })
    }
}

record! {
    /// A supplier's decrypted contact data. `cuit` is formatted `XX-XXXXXXXX-X`.
    SupplierContact { cuit: Option<String>, phone: Option<String>, email: Option<String>, address: Option<String> }
}

impl SupplierContact {
    pub(crate) fn new(_py: Python<'_>, c: CoreContact) -> PyResult<Self> {
        Ok(SupplierContact {
            cuit: c.cuit.map(|c| c.formatted()),
            phone: c.phone,
            email: c.email,
            address: c.address,
        })
    }
}

record! {
    /// A product. Prices and the average cost are `Decimal`; quantities too.
    Product {
        id: i64, sku: String, name: String, description: Option<String>,
        category: Option<String>, brand: Option<String>, unit: String, barcode: Option<String>,
        sale_price: Obj, wholesale_price: Option<Obj>, min_stock: Obj, max_stock: Option<Obj>,
        reorder_point: Option<Obj>, pack_multiple: Obj, perishable: bool,
        supplier: Option<i64>, active: bool, average_cost: Obj,
    }
}

impl Product {
    pub(crate) fn new(py: Python<'_>, p: CoreProduct) -> PyResult<Self> {
        Ok(Product {
            id: p.id.get(),
            sku: p.sku.as_str().to_owned(),
            name: p.name,
            description: p.description,
            category: p.category,
            brand: p.brand,
            unit: p.unit.to_string(),
            barcode: p.barcode.map(|b| b.as_str().to_owned()),
            sale_price: money(py, p.sale_price)?,
            wholesale_price: p.wholesale_price.map(|m| money(py, m)).transpose()?,
            min_stock: qty(py, p.min_stock)?,
            max_stock: opt_qty(py, p.max_stock)?,
            reorder_point: opt_qty(py, p.reorder_point)?,
            pack_multiple: qty(py, p.pack_multiple)?,
            perishable: p.perishable,
            supplier: p.supplier.map(|s| s.get()),
            active: p.active,
            average_cost: cost(py, p.average_cost)?,
        })
    }
}

record! {
    /// One ledger row. `delta` is signed; `before`/`after` are the balance around it.
    Movement {
        id: i64, product: i64, location: i64, kind: String, quantity: Obj, delta: Obj,
        before: Obj, after: Obj, unit_cost: Obj, value: Obj, seq: i64,
        reference: Option<String>, lot: Option<String>, expiry: Option<NaiveDate>, actor: String,
        reason: Option<String>, loss_reason: Option<String>, idempotency_key: Option<String>,
        linked_movement: Option<i64>, occurred_at: DateTime<Utc>, recorded_at: DateTime<Utc>,
    }
}

impl Movement {
    pub(crate) fn new(py: Python<'_>, m: CoreMovement) -> PyResult<Self> {
        Ok(Movement {
            id: m.id.get(),
            product: m.product.get(),
            location: m.location.get(),
            kind: m.kind.to_string(),
            quantity: qty(py, m.quantity)?,
            delta: qty(py, m.delta)?,
            before: qty(py, m.before)?,
            after: qty(py, m.after)?,
            unit_cost: cost(py, m.unit_cost)?,
            value: money(py, m.value)?,
            seq: m.seq,
            reference: m.reference,
            lot: m.lot,
            expiry: m.expiry,
            actor: m.actor,
            reason: m.reason,
            loss_reason: m.loss_reason.map(|r| r.code().to_owned()),
            idempotency_key: m.idempotency_key,
            linked_movement: m.linked_movement.map(|id| id.get()),
            occurred_at: m.occurred_at,
            recorded_at: m.recorded_at,
        })
    }
}

record! {
    /// What a stock command wrote (two rows for a transfer). `replayed` is true when an
    /// idempotency key returned an earlier result and nothing was written.
    Recorded { movements: Vec<Py<Movement>>, replayed: bool }
}

impl Recorded {
    pub(crate) fn new(py: Python<'_>, r: CoreRecorded) -> PyResult<Self> {
        Ok(Recorded {
            movements: list(py, r.movements, Movement::new)?,
            replayed: r.replayed,
        })
    }
}

record! {
    /// Stock held for an order or a customer.
    Reservation {
        id: i64, product: i64, location: i64, quantity: Obj, remaining: Obj,
        reference: Option<String>, expires_at: Option<DateTime<Utc>>, status: String,
    }
}

impl Reservation {
    pub(crate) fn new(py: Python<'_>, r: CoreReservation) -> PyResult<Self> {
        Ok(Reservation {
            id: r.id.get(),
            product: r.product.get(),
            location: r.location.get(),
            quantity: qty(py, r.quantity)?,
            remaining: qty(py, r.remaining)?,
            reference: r.reference,
            expires_at: r.expires_at,
            status: r.status.code().to_owned(),
        })
    }
}

record! {
    /// A balance: one product at one location.
    StockRow {
        product: i64, sku: String, name: String, unit: String, location: i64,
        location_code: String, on_hand: Obj, reserved: Obj, available: Obj,
    }
}

impl StockRow {
    pub(crate) fn new(py: Python<'_>, r: CoreStockRow) -> PyResult<Self> {
        Ok(StockRow {
            product: r.product.get(),
            sku: r.sku.as_str().to_owned(),
            name: r.name,
            unit: r.unit.to_string(),
            location: r.location.get(),
            location_code: r.location_code,
            on_hand: qty(py, r.on_hand)?,
            reserved: qty(py, r.reserved)?,
            available: qty(py, r.available)?,
        })
    }
}

record! {
    /// A product at or below its seasonal minimum: the threshold, what is missing and how urgent.
    LowStock {
        product: i64, sku: String, name: String, unit: String, on_hand: Obj, threshold: Obj,
        deficit: Obj, urgency: String,
    }
}

impl LowStock {
    pub(crate) fn new(py: Python<'_>, c: CoreCritical) -> PyResult<Self> {
        Ok(LowStock {
            product: c.product.get(),
            sku: c.sku.as_str().to_owned(),
            name: c.name,
            unit: c.unit.to_string(),
            on_hand: qty(py, c.on_hand)?,
            threshold: dec(py, c.shortage.threshold)?,
            deficit: dec(py, c.shortage.deficit)?,
            urgency: c.shortage.urgency.code().to_owned(),
        })
    }
}

record! {
    /// A product to order: how much, with what is on hand and already on order.
    ReorderLine { product: i64, quantity: Obj, on_hand: Obj, on_order: Obj }
}

impl ReorderLine {
    pub(crate) fn new(py: Python<'_>, l: CoreReorderLine) -> PyResult<Self> {
        Ok(ReorderLine {
            product: l.product.get(),
            quantity: qty(py, l.quantity)?,
            on_hand: qty(py, l.on_hand)?,
            on_order: qty(py, l.on_order)?,
        })
    }
}

record! {
    /// The reorder suggestions of one supplier (`supplier` is None for products without one).
    SupplierReorder { supplier: Option<i64>, lines: Vec<Py<ReorderLine>> }
}

impl SupplierReorder {
    pub(crate) fn new(py: Python<'_>, r: CoreSupplierReorder) -> PyResult<Self> {
        Ok(SupplierReorder {
            supplier: r.supplier.map(|s| s.get()),
            lines: list(py, r.lines, ReorderLine::new)?,
        })
    }
}

record! {
    /// A page of history, newest first; pass `next` as `before` for the following page.
    MovementPage { items: Vec<Py<Movement>>, next: Option<i64> }
}

record! {
    /// One product's share of the stock value.
    ProductValue { product: i64, on_hand: Obj, average_cost: Obj, value: Obj }
}

record! {
    /// The stock's value at weighted-average cost.
    StockValue { total: Obj, products: Vec<Py<ProductValue>> }
}

impl StockValue {
    pub(crate) fn new(py: Python<'_>, v: CoreStockValue) -> PyResult<Self> {
        Ok(StockValue {
            total: money(py, v.total)?,
            products: list(
                py,
                v.products,
                |py, (product, on_hand, average_cost, value)| {
                    Ok(ProductValue {
                        product: product.get(),
                        on_hand: qty(py, on_hand)?,
                        average_cost: cost(py, average_cost)?,
                        value: money(py, value)?,
                    })
                },
            )?,
        })
    }
}

record! {
    /// A product's units sold in a period, and in how many sales.
    TopProduct { product: i64, sku: String, name: String, quantity: Obj, sales: u64 }
}

impl TopProduct {
    pub(crate) fn new(py: Python<'_>, t: CoreTopProduct) -> PyResult<Self> {
        Ok(TopProduct {
            product: t.product.get(),
            sku: t.sku.as_str().to_owned(),
            name: t.name,
            quantity: qty(py, t.quantity)?,
            sales: t.sales,
        })
    }
}

record! {
    /// A product's units on orders created in a period, and on how many orders.
    TopOrdered { product: i64, sku: String, quantity: Obj, orders: u64 }
}

impl TopOrdered {
    pub(crate) fn new(py: Python<'_>, t: CoreTopOrdered) -> PyResult<Self> {
        Ok(TopOrdered {
            product: t.product.get(),
            sku: t.sku.as_str().to_owned(),
            quantity: qty(py, t.quantity)?,
            orders: t.orders,
        })
    }
}

record! {
    /// The dashboard's headline numbers as of one day.
    DashboardSummary {
        active_suppliers: u64, orders_last_30_days: u64, units_ordered_last_30_days: Obj,
        movements_last_7_days: u64, top_supplier: Option<i64>, products_below_minimum: u64,
    }
}

impl DashboardSummary {
    pub(crate) fn new(py: Python<'_>, s: CoreSummary) -> PyResult<Self> {
        Ok(DashboardSummary {
            active_suppliers: s.active_suppliers,
            orders_last_30_days: s.orders_last_30_days,
            units_ordered_last_30_days: qty(py, s.units_ordered_last_30_days)?,
            movements_last_7_days: s.movements_last_7_days,
            top_supplier: s.top_supplier.map(|s| s.get()),
            products_below_minimum: s.products_below_minimum,
        })
    }
}

record! {
    /// One supplier's ordering record.
    ProviderStats {
        supplier: i64, code: String, products: u64, orders: u64, units_ordered: Obj,
        units_received: Obj, ordered_value: Obj, last_order: Option<NaiveDate>,
    }
}

impl ProviderStats {
    pub(crate) fn new(py: Python<'_>, s: CoreProviderStats) -> PyResult<Self> {
        Ok(ProviderStats {
            supplier: s.supplier.get(),
            code: s.code,
            products: s.products,
            orders: s.orders,
            units_ordered: qty(py, s.units_ordered)?,
            units_received: qty(py, s.units_received)?,
            ordered_value: money(py, s.ordered_value)?,
            last_order: s.last_order,
        })
    }
}

record! {
    /// Real stock on hand by supplier: units per unit of measure, and their value.
    SupplierStock { supplier: Option<i64>, products: u64, on_hand: Py<PyDict>, value: Obj }
}

impl SupplierStock {
    pub(crate) fn new(py: Python<'_>, s: CoreSupplierStock) -> PyResult<Self> {
        let on_hand = PyDict::new(py);
        let units: BTreeMap<_, _> = s.on_hand;
        for (unit, q) in units {
            on_hand.set_item(unit.to_string(), qty(py, q)?)?;
        }
        Ok(SupplierStock {
            supplier: s.supplier.map(|s| s.get()),
            products: s.products,
            on_hand: on_hand.unbind(),
            value: money(py, s.value)?,
        })
    }
}

record! {
    /// Units sold in one ISO week, and their cost.
    WeeklySales { iso_year: i32, iso_week: u32, quantity: Obj, cost_of_goods: Obj }
}

impl WeeklySales {
    pub(crate) fn new(py: Python<'_>, w: CoreWeeklySales) -> PyResult<Self> {
        Ok(WeeklySales {
            iso_year: w.iso_year,
            iso_week: w.iso_week,
            quantity: qty(py, w.quantity)?,
            cost_of_goods: money(py, w.cost_of_goods)?,
        })
    }
}

record! {
    /// A balance that disagrees with its ledger.
    LedgerDiscrepancy {
        product: i64, location: i64, ledger_on_hand: Obj, balance_on_hand: Obj,
        broken_at_seq: Option<i64>,
    }
}

record! {
    /// The ledger replayed against the balances; `ok` when nothing disagrees.
    LedgerReport {
        ok: bool, balances_checked: u64, movements_checked: u64,
        discrepancies: Vec<Py<LedgerDiscrepancy>>,
    }
}

impl LedgerReport {
    pub(crate) fn new(py: Python<'_>, r: CoreLedgerReport) -> PyResult<Self> {
        Ok(LedgerReport {
            ok: r.discrepancies.is_empty(),
            balances_checked: r.balances_checked,
            movements_checked: r.movements_checked,
            discrepancies: list(py, r.discrepancies, |py, d: CoreDiscrepancy| {
                Ok(LedgerDiscrepancy {
                    product: d.product.get(),
                    location: d.location.get(),
                    ledger_on_hand: qty(py, d.ledger_on_hand)?,
                    balance_on_hand: qty(py, d.balance_on_hand)?,
                    broken_at_seq: d.broken_at_seq,
                })
            })?,
        })
    }
}

record! {
    /// A customer's commercial terms (no personal data). `erased_at` is set once erased.
    Customer {
        id: i64, code: String, kind: String, price_list: String, credit_limit: Obj,
        discount_percent: Obj, erased_at: Option<DateTime<Utc>>,
    }
}

impl Customer {
    pub(crate) fn new(py: Python<'_>, c: StoredCustomer) -> PyResult<Self> {
        Ok(Customer {
            id: c.id.get(),
            code: c.customer.code,
            kind: c.customer.kind.code().to_lowercase(),
            price_list: c.customer.price_list.code().to_lowercase(),
            credit_limit: money(py, c.customer.credit_limit)?,
            discount_percent: money(py, c.customer.discount_percent)?,
            erased_at: c.erased_at,
        })
    }
}

record! {
    /// A customer's decrypted identity and contact. `document_type` is dni, cuit, cuil or
    /// pasaporte; `document` its canonical number.
    CustomerIdentity {
        names: String, surname: Option<String>, document_type: Option<String>,
        document: Option<String>, phone: Option<String>, email: Option<String>,
        address: Option<String>,
    }
}

impl CustomerIdentity {
    pub(crate) fn new(_py: Python<'_>, i: CoreIdentity) -> PyResult<Self> {
        let (document_type, document) = match i.document {
            Some(IdentityDocument::Dni(d)) => (Some("dni"), Some(d.as_str().to_owned())),
            Some(IdentityDocument::Cuit(c)) => (Some("cuit"), Some(c.canonical().to_owned())),
            Some(IdentityDocument::Cuil(c)) => (Some("cuil"), Some(c.canonical().to_owned())),
            Some(IdentityDocument::Pasaporte(p)) => (Some("pasaporte"), Some(p)),
            None => (None, None),
        };
        Ok(CustomerIdentity {
            names: i.names,
            surname: i.surname,
            document_type: document_type.map(str::to_owned),
            document,
            phone: i.phone,
            email: i.email,
            address: i.address,
        })
    }
}

record! {
    /// What `erase_subject` destroyed, and what it kept: `kept_fields` (sealed under
    /// `kept_scope`) when `refusal` (`legal_hold` or `fiscal_retention`) kept the fiscal part.
    ErasureReceipt {
        kind: String, id: i64, destroyed_keys: Vec<u32>, unreadable_fields: Vec<String>,
        blind_indexes_removed: usize, kept_fields: Vec<String>, kept_scope: Option<String>,
        refusal: Option<String>, holds: Vec<i64>, requests_closed: Vec<i64>,
        erased_at: DateTime<Utc>,
    }
}

impl ErasureReceipt {
    pub(crate) fn new(_py: Python<'_>, r: CoreErasure) -> PyResult<Self> {
        Ok(ErasureReceipt {
            kind: match r.kind {
                SubjectKind::Customer => "customer",
                SubjectKind::Supplier => "supplier",
            }
            .to_owned(),
            id: r.id,
            destroyed_keys: r.destroyed_keys,
            unreadable_fields: r.unreadable_fields,
            blind_indexes_removed: r.blind_indexes_removed,
            kept_fields: r.kept_fields,
            kept_scope: r.kept_scope,
            refusal: r.refusal.map(|r| r.as_str().to_owned()),
            holds: r.holds,
            requests_closed: r.requests_closed,
            erased_at: r.erased_at,
        })
    }
}

record! {
    /// A line of a purchase order.
    OrderLine {
        id: i64, product: i64, quantity: Obj, expected_unit_cost: Obj, received: Obj,
        receipts: u32,
    }
}

record! {
    /// A purchase order. `status` is draft, sent, partially_received, received or cancelled.
    PurchaseOrder {
        id: i64, supplier: i64, number: String, status: String,
        expected_date: Option<NaiveDate>, lines: Vec<Py<OrderLine>>, created_at: DateTime<Utc>,
    }
}

impl PurchaseOrder {
    pub(crate) fn new(py: Python<'_>, o: CoreOrder) -> PyResult<Self> {
        Ok(PurchaseOrder {
            id: o.id.get(),
            supplier: o.supplier.get(),
            number: o.number,
            status: o.status.code().to_owned(),
            expected_date: o.expected_date,
            lines: list(py, o.lines, |py, l: CoreOrderLine| {
                Ok(OrderLine {
                    id: l.id.get(),
                    product: l.product.get(),
                    quantity: qty(py, l.quantity)?,
                    expected_unit_cost: cost(py, l.expected_unit_cost)?,
                    received: qty(py, l.received)?,
                    receipts: l.receipts,
                })
            })?,
            created_at: o.created_at,
        })
    }
}

record! {
    /// A receipt against an order: the order afterwards and the movements written.
    OrderReceipt { order: Py<PurchaseOrder>, recorded: Vec<Py<Recorded>> }
}

impl OrderReceipt {
    pub(crate) fn new(py: Python<'_>, r: CoreReceipt) -> PyResult<Self> {
        Ok(OrderReceipt {
            order: Py::new(py, PurchaseOrder::new(py, r.order)?)?,
            recorded: list(py, r.recorded, Recorded::new)?,
        })
    }
}

record! {
    /// A key of the keyring (never its bytes). `purpose` is data, blind_index, audit or
    /// audit_signing; `status` active, retired or destroyed.
    KeyInfo { id: u32, purpose: String, scope: String, status: String, mk_version: u32 }
}

impl KeyInfo {
    pub(crate) fn new(_py: Python<'_>, k: KeyRecord) -> PyResult<Self> {
        Ok(KeyInfo {
            id: k.id,
            purpose: k.purpose.as_str().to_owned(),
            scope: k.scope,
            status: k.status.as_str().to_owned(),
            mk_version: k.mk_version,
        })
    }
}

record! {
    /// A finished master-key rotation: the new version and how many keys were rewrapped.
    MasterKeyRotation { mk_version: u32, rewrapped: usize }
}

impl MasterKeyRotation {
    pub(crate) fn new(_py: Python<'_>, r: CoreMkr) -> PyResult<Self> {
        Ok(MasterKeyRotation {
            mk_version: r.mk_version,
            rewrapped: r.rewrapped,
        })
    }
}

record! {
    /// A data-key rotation: the new active key and the re-encryption job it queued.
    DataKeyRotation { key_id: u32, job_id: i64 }
}

impl DataKeyRotation {
    pub(crate) fn new(_py: Python<'_>, r: CoreDkr) -> PyResult<Self> {
        Ok(DataKeyRotation {
            key_id: r.key_id,
            job_id: r.job_id,
        })
    }
}

record! {
    /// Progress of a re-encryption job, reported after each committed batch.
    ReencryptProgress {
        job_id: i64, scope: String, column: String, columns_done: usize, columns_total: usize,
        rows_done: u64,
    }
}

impl ReencryptProgress {
    pub(crate) fn new(_py: Python<'_>, p: &CoreProgress) -> PyResult<Self> {
        Ok(ReencryptProgress {
            job_id: p.job_id,
            scope: p.scope.clone(),
            column: p.column.clone(),
            columns_done: p.columns_done,
            columns_total: p.columns_total,
            rows_done: p.rows_done,
        })
    }
}

record! {
    /// A finished re-encryption job.
    ReencryptReport { job_id: i64, scope: String, active_key: u32, rows_done: u64 }
}

impl ReencryptReport {
    pub(crate) fn new(_py: Python<'_>, r: CoreReencryptReport) -> PyResult<Self> {
        Ok(ReencryptReport {
            job_id: r.job_id,
            scope: r.scope,
            active_key: r.active_key,
            rows_done: r.rows_done,
        })
    }
}

record! {
    /// The first audit record that is not as written, and what was done to it (modified,
    /// deleted, inserted, reordered, fork).
    ChainBreak { seq: u64, kind: String, message: String }
}

record! {
    /// The result of `verify_audit`: `ok` when the chain is intact from `from_seq` to `to_seq`.
    VerifyReport {
        ok: bool, from_seq: u64, to_seq: u64, checked: u64, checkpoint_seq: Option<u64>,
        problem: Option<Py<ChainBreak>>,
    }
}

impl VerifyReport {
    pub(crate) fn new(py: Python<'_>, r: inventario_core::audit::VerifyReport) -> PyResult<Self> {
        Ok(VerifyReport {
            ok: r.problem.is_none(),
            from_seq: r.from_seq,
            to_seq: r.to_seq,
            checked: r.checked,
            checkpoint_seq: r.checkpoint_seq,
            problem: r
                .problem
                .map(|p: CoreChainBreak| {
                    Py::new(
                        py,
                        ChainBreak {
                            seq: p.seq,
                            kind: p.kind.as_str().to_owned(),
                            message: p.message,
                        },
                    )
                })
                .transpose()?,
        })
    }
}

record! {
    /// One audit record. `detail` is its JSON detail as Python values (never a personal value).
    AuditEvent {
        seq: u64, event_id: String, at: DateTime<Utc>, actor: String, event_type: String,
        table: String, key: String, status: String, key_id: Option<u32>, detail: Obj,
        hash: String,
    }
}

impl AuditEvent {
    pub(crate) fn new(py: Python<'_>, e: CoreAuditEvent) -> PyResult<Self> {
        let detail = py
            .import("json")?
            .call_method1("loads", (e.detail.to_string(),))?
            .unbind();
        Ok(AuditEvent {
            seq: e.seq,
            event_id: e.event_id.to_string(),
            at: e.at,
            actor: e.actor,
            event_type: e.event_type.as_str().to_owned(),
            table: e.target.table,
            key: e.target.key,
            status: e.status.as_str().to_owned(),
            key_id: e.key_id,
            detail,
            hash: hex(&e.hash),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

record! {
    /// Something a detector found in the audit log.
    Anomaly {
        detector: String, severity: String, actor: Option<String>, ip: Option<String>,
        first_at: DateTime<Utc>, last_at: DateTime<Utc>, count: u64, message: String,
    }
}

impl Anomaly {
    pub(crate) fn new(_py: Python<'_>, a: CoreAnomaly) -> PyResult<Self> {
        Ok(Anomaly {
            detector: a.detector.as_str().to_owned(),
            severity: a.severity.as_str().to_owned(),
            actor: a.actor,
            ip: a.ip,
            first_at: a.first_at,
            last_at: a.last_at,
            count: a.count,
            message: a.message,
        })
    }
}

record! {
    /// A detector that failed (the others still ran).
    DetectorFailure { detector: String, message: String }
}

record! {
    /// What the anomaly detectors found.
    Detection { anomalies: Vec<Py<Anomaly>>, failures: Vec<Py<DetectorFailure>> }
}

impl Detection {
    pub(crate) fn new(py: Python<'_>, d: CoreDetection) -> PyResult<Self> {
        Ok(Detection {
            anomalies: list(py, d.anomalies, Anomaly::new)?,
            failures: list(py, d.failures, |_py, f: CoreDetectorFailure| {
                Ok(DetectorFailure {
                    detector: f.detector.as_str().to_owned(),
                    message: f.message,
                })
            })?,
        })
    }
}

/// Every record class, for the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Location>()?;
    m.add_class::<Supplier>()?;
    m.add_class::<SupplierContact>()?;
    m.add_class::<Product>()?;
    m.add_class::<Movement>()?;
    m.add_class::<Recorded>()?;
    m.add_class::<Reservation>()?;
    m.add_class::<StockRow>()?;
    m.add_class::<LowStock>()?;
    m.add_class::<ReorderLine>()?;
    m.add_class::<SupplierReorder>()?;
    m.add_class::<MovementPage>()?;
    m.add_class::<ProductValue>()?;
    m.add_class::<StockValue>()?;
    m.add_class::<TopProduct>()?;
    m.add_class::<TopOrdered>()?;
    m.add_class::<DashboardSummary>()?;
    m.add_class::<ProviderStats>()?;
    m.add_class::<SupplierStock>()?;
    m.add_class::<WeeklySales>()?;
    m.add_class::<LedgerDiscrepancy>()?;
    m.add_class::<LedgerReport>()?;
    m.add_class::<Customer>()?;
    m.add_class::<CustomerIdentity>()?;
    m.add_class::<ErasureReceipt>()?;
    m.add_class::<OrderLine>()?;
    m.add_class::<PurchaseOrder>()?;
    m.add_class::<OrderReceipt>()?;
    m.add_class::<KeyInfo>()?;
    m.add_class::<MasterKeyRotation>()?;
    m.add_class::<DataKeyRotation>()?;
    m.add_class::<ReencryptProgress>()?;
    m.add_class::<ReencryptReport>()?;
    m.add_class::<ChainBreak>()?;
    m.add_class::<VerifyReport>()?;
    m.add_class::<AuditEvent>()?;
    m.add_class::<Anomaly>()?;
    m.add_class::<DetectorFailure>()?;
    m.add_class::<Detection>()?;
    Ok(())
}
