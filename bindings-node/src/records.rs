//! The results, as plain JavaScript objects. Money and quantities are decimal strings
//! (`"3500.00"`, `"2.5"`); ids are numbers; days are `YYYY-MM-DD` strings and instants `Date`s.

use chrono::{DateTime, NaiveDate, Utc};
use inventario_core::audit::{Anomaly as CoreAnomaly, AuditEvent as CoreAuditEvent};
use inventario_core::crypto::KeyRecord;
use inventario_core::domain::catalog::{
    CustomerIdentity as CoreIdentity, IdentityDocument, Location as CoreLocation,
    Product as CoreProduct, Reservation as CoreReservation, Supplier as CoreSupplier,
    SupplierContact as CoreContact,
};
use inventario_core::domain::replenishment::SupplierReorder as CoreSupplierReorder;
use inventario_core::domain::Movement as CoreMovement;
use inventario_core::{
    CriticalProduct, DashboardSummary as CoreSummary, ErasureReceipt as CoreErasure,
    LedgerReport as CoreLedgerReport, ProviderStats as CoreProviderStats, Recorded as CoreRecorded,
    ReencryptProgress as CoreProgress, ReencryptReport as CoreReencryptReport,
    StockRow as CoreStockRow, StoredCustomer, SubjectKind, SupplierStock as CoreSupplierStock,
    TopProduct as CoreTopProduct, WeeklySales as CoreWeeklySales,
};
use napi_derive::napi;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn day(d: NaiveDate) -> String {
    d.to_string()
}

/// A place that holds stock.
#[napi(object)]
pub struct Location {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub negative_stock_allowed: bool,
    pub capacity: Option<String>,
}

impl From<CoreLocation> for Location {
    fn from(l: CoreLocation) -> Self {
        Location {
            id: l.id.get(),
            code: l.code,
            name: l.name,
            negative_stock_allowed: l.negative_stock_allowed,
            capacity: l.capacity.map(|q| q.to_decimal().to_string()),
        }
    }
}

/// A supplier (its contact data is read with `supplierContact`).
#[napi(object)]
pub struct Supplier {
    pub id: i64,
    pub code: String,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub is_default: bool,
    pub active: bool,
}

impl From<CoreSupplier> for Supplier {
    fn from(s: CoreSupplier) -> Self {
        Supplier {
            id: s.id.get(),
            code: s.code,
            legal_name: s.legal_name,
            trade_name: s.trade_name,
            is_default: s.is_default,
            active: s.active,
        }
    }
}

/// A supplier's decrypted contact data; `cuit` is formatted `XX-XXXXXXXX-X`.
#[napi(object)]
pub struct SupplierContact {
    pub cuit: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

impl From<CoreContact> for SupplierContact {
    fn from(c: CoreContact) -> Self {
        SupplierContact {
            cuit: c.cuit.map(|c| c.formatted()),
            phone: c.phone,
            email: c.email,
            address: c.address,
        }
    }
}

/// A product. Prices, the average cost and stock levels are decimal strings.
#[napi(object)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub unit: String,
    pub barcode: Option<String>,
    pub sale_price: String,
    pub min_stock: String,
    pub supplier: Option<i64>,
    pub active: bool,
    pub average_cost: String,
}

impl From<CoreProduct> for Product {
    fn from(p: CoreProduct) -> Self {
        Product {
            id: p.id.get(),
            sku: p.sku.as_str().to_owned(),
            name: p.name,
            category: p.category,
            brand: p.brand,
            unit: p.unit.to_string(),
            barcode: p.barcode.map(|b| b.as_str().to_owned()),
            sale_price: p.sale_price.to_decimal().to_string(),
            min_stock: p.min_stock.to_decimal().to_string(),
            supplier: p.supplier.map(|s| s.get()),
            active: p.active,
            average_cost: p.average_cost.to_decimal().to_string(),
        }
    }
}

/// One ledger row: `delta` is signed, `before`/`after` the balance around it.
#[napi(object)]
pub struct Movement {
    pub id: i64,
    pub product: i64,
    pub location: i64,
    pub kind: String,
    pub quantity: String,
    pub delta: String,
    pub before: String,
    pub after: String,
    pub unit_cost: String,
    pub value: String,
    pub reference: Option<String>,
    pub actor: String,
    pub reason: Option<String>,
    pub idempotency_key: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

impl From<CoreMovement> for Movement {
    fn from(m: CoreMovement) -> Self {
        Movement {
            id: m.id.get(),
            product: m.product.get(),
            location: m.location.get(),
            kind: m.kind.to_string(),
            quantity: m.quantity.to_decimal().to_string(),
            delta: m.delta.to_decimal().to_string(),
            before: m.before.to_decimal().to_string(),
            after: m.after.to_decimal().to_string(),
            unit_cost: m.unit_cost.to_decimal().to_string(),
            value: m.value.to_decimal().to_string(),
            reference: m.reference,
            actor: m.actor,
            reason: m.reason,
            idempotency_key: m.idempotency_key,
            occurred_at: m.occurred_at,
        }
    }
}

/// What a stock command wrote. `replayed` is true when an idempotency key returned an earlier
/// result and nothing was written.
#[napi(object)]
pub struct Recorded {
    pub movements: Vec<Movement>,
    pub replayed: bool,
}

impl From<CoreRecorded> for Recorded {
    fn from(r: CoreRecorded) -> Self {
        Recorded {
            movements: r.movements.into_iter().map(Movement::from).collect(),
            replayed: r.replayed,
        }
    }
}

/// Stock held for an order or a customer.
#[napi(object)]
pub struct Reservation {
    pub id: i64,
    pub product: i64,
    pub location: i64,
    pub quantity: String,
    pub remaining: String,
    pub reference: Option<String>,
    pub status: String,
}

impl From<CoreReservation> for Reservation {
    fn from(r: CoreReservation) -> Self {
        Reservation {
            id: r.id.get(),
            product: r.product.get(),
            location: r.location.get(),
            quantity: r.quantity.to_decimal().to_string(),
            remaining: r.remaining.to_decimal().to_string(),
            reference: r.reference,
            status: r.status.code().to_owned(),
        }
    }
}

/// A balance: one product at one location.
#[napi(object)]
pub struct StockRow {
    pub product: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub location: i64,
    pub location_code: String,
    pub on_hand: String,
    pub reserved: String,
    pub available: String,
}

impl From<CoreStockRow> for StockRow {
    fn from(r: CoreStockRow) -> Self {
        StockRow {
            product: r.product.get(),
            sku: r.sku.as_str().to_owned(),
            name: r.name,
            unit: r.unit.to_string(),
            location: r.location.get(),
            location_code: r.location_code,
            on_hand: r.on_hand.to_decimal().to_string(),
            reserved: r.reserved.to_decimal().to_string(),
            available: r.available.to_decimal().to_string(),
        }
    }
}

/// A product at or below its seasonal minimum.
#[napi(object)]
pub struct LowStock {
    pub product: i64,
    pub sku: String,
    pub name: String,
    pub on_hand: String,
    pub threshold: String,
    pub deficit: String,
    /// critical, warning or low.
    pub urgency: String,
}

impl From<CriticalProduct> for LowStock {
    fn from(c: CriticalProduct) -> Self {
        LowStock {
            product: c.product.get(),
            sku: c.sku.as_str().to_owned(),
            name: c.name,
            on_hand: c.on_hand.to_decimal().to_string(),
            threshold: c.shortage.threshold.to_string(),
            deficit: c.shortage.deficit.to_string(),
            urgency: c.shortage.urgency.code().to_owned(),
        }
    }
}

/// A product to order.
#[napi(object)]
pub struct ReorderLine {
    pub product: i64,
    pub quantity: String,
    pub on_hand: String,
    pub on_order: String,
}

/// The reorder suggestions of one supplier (`supplier` is null for products without one).
#[napi(object)]
pub struct SupplierReorder {
    pub supplier: Option<i64>,
    pub lines: Vec<ReorderLine>,
}

impl From<CoreSupplierReorder> for SupplierReorder {
    fn from(r: CoreSupplierReorder) -> Self {
        SupplierReorder {
            supplier: r.supplier.map(|s| s.get()),
            lines: r
                .lines
                .into_iter()
                .map(|l| ReorderLine {
                    product: l.product.get(),
                    quantity: l.quantity.to_decimal().to_string(),
                    on_hand: l.on_hand.to_decimal().to_string(),
                    on_order: l.on_order.to_decimal().to_string(),
                })
                .collect(),
        }
    }
}

/// A page of history, newest first; pass `next` as `before` for the following page.
#[napi(object)]
pub struct MovementPage {
    pub items: Vec<Movement>,
    pub next: Option<i64>,
}

/// A product's units sold in a period.
#[napi(object)]
pub struct TopProduct {
    pub product: i64,
    pub sku: String,
    pub name: String,
    pub quantity: String,
    pub sales: i64,
}

impl From<CoreTopProduct> for TopProduct {
    fn from(t: CoreTopProduct) -> Self {
        TopProduct {
            product: t.product.get(),
            sku: t.sku.as_str().to_owned(),
            name: t.name,
            quantity: t.quantity.to_decimal().to_string(),
            sales: count(t.sales),
        }
    }
}

/// The dashboard's headline numbers as of one day.
#[napi(object)]
pub struct DashboardSummary {
    pub active_suppliers: i64,
    pub orders_last30_days: i64,
    pub units_ordered_last30_days: String,
    pub movements_last7_days: i64,
    pub top_supplier: Option<i64>,
    pub products_below_minimum: i64,
}

impl From<CoreSummary> for DashboardSummary {
    fn from(s: CoreSummary) -> Self {
        DashboardSummary {
            active_suppliers: count(s.active_suppliers),
            orders_last30_days: count(s.orders_last_30_days),
            units_ordered_last30_days: s.units_ordered_last_30_days.to_decimal().to_string(),
            movements_last7_days: count(s.movements_last_7_days),
            top_supplier: s.top_supplier.map(|s| s.get()),
            products_below_minimum: count(s.products_below_minimum),
        }
    }
}

/// One supplier's ordering record.
#[napi(object)]
pub struct ProviderStats {
    pub supplier: i64,
    pub code: String,
    pub products: i64,
    pub orders: i64,
    pub units_ordered: String,
    pub units_received: String,
    pub ordered_value: String,
    pub last_order: Option<String>,
}

impl From<CoreProviderStats> for ProviderStats {
    fn from(s: CoreProviderStats) -> Self {
        ProviderStats {
            supplier: s.supplier.get(),
            code: s.code,
            products: count(s.products),
            orders: count(s.orders),
            units_ordered: s.units_ordered.to_decimal().to_string(),
            units_received: s.units_received.to_decimal().to_string(),
            ordered_value: s.ordered_value.to_decimal().to_string(),
            last_order: s.last_order.map(day),
        }
    }
}

/// Real stock on hand by supplier: the value, and the units of each unit of measure
/// (`[unit, quantity]` pairs).
#[napi(object)]
pub struct SupplierStock {
    pub supplier: Option<i64>,
    pub products: i64,
    pub on_hand: Vec<Vec<String>>,
    pub value: String,
}

impl From<CoreSupplierStock> for SupplierStock {
    fn from(s: CoreSupplierStock) -> Self {
        SupplierStock {
            supplier: s.supplier.map(|s| s.get()),
            products: count(s.products),
            on_hand: s
                .on_hand
                .into_iter()
                .map(|(unit, q)| vec![unit.to_string(), q.to_decimal().to_string()])
                .collect(),
            value: s.value.to_decimal().to_string(),
        }
    }
}

/// Units sold in one ISO week, and their cost.
#[napi(object)]
pub struct WeeklySales {
    pub iso_year: i32,
    pub iso_week: u32,
    pub quantity: String,
    pub cost_of_goods: String,
}

impl From<CoreWeeklySales> for WeeklySales {
    fn from(w: CoreWeeklySales) -> Self {
        WeeklySales {
            iso_year: w.iso_year,
            iso_week: w.iso_week,
            quantity: w.quantity.to_decimal().to_string(),
            cost_of_goods: w.cost_of_goods.to_decimal().to_string(),
        }
    }
}

/// The ledger replayed against the balances.
#[napi(object)]
pub struct LedgerReport {
    pub ok: bool,
    pub balances_checked: i64,
    pub movements_checked: i64,
    pub discrepancies: i64,
}

impl From<CoreLedgerReport> for LedgerReport {
    fn from(r: CoreLedgerReport) -> Self {
        LedgerReport {
            ok: r.discrepancies.is_empty(),
            balances_checked: count(r.balances_checked),
            movements_checked: count(r.movements_checked),
            discrepancies: count(r.discrepancies.len() as u64),
        }
    }
}

/// A customer's commercial terms (no personal data); `erasedAt` is set once erased.
#[napi(object)]
pub struct Customer {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub price_list: String,
    pub credit_limit: String,
    pub discount_percent: String,
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<StoredCustomer> for Customer {
    fn from(c: StoredCustomer) -> Self {
        Customer {
            id: c.id.get(),
            code: c.customer.code,
            kind: c.customer.kind.code().to_lowercase(),
            price_list: c.customer.price_list.code().to_lowercase(),
            credit_limit: c.customer.credit_limit.to_decimal().to_string(),
            discount_percent: c.customer.discount_percent.to_decimal().to_string(),
            erased_at: c.erased_at,
        }
    }
}

/// A customer's decrypted identity and contact.
#[napi(object)]
pub struct CustomerIdentity {
    pub names: String,
    pub surname: Option<String>,
    /// dni, cuit, cuil or pasaporte.
    pub document_type: Option<String>,
    pub document: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

impl From<CoreIdentity> for CustomerIdentity {
    fn from(i: CoreIdentity) -> Self {
        let (document_type, document) = match i.document {
            Some(IdentityDocument::Dni(d)) => (Some("dni"), Some(d.as_str().to_owned())),
            Some(IdentityDocument::Cuit(c)) => (Some("cuit"), Some(c.canonical().to_owned())),
            Some(IdentityDocument::Cuil(c)) => (Some("cuil"), Some(c.canonical().to_owned())),
            Some(IdentityDocument::Pasaporte(p)) => (Some("pasaporte"), Some(p)),
            None => (None, None),
        };
        CustomerIdentity {
            names: i.names,
            surname: i.surname,
            document_type: document_type.map(str::to_owned),
            document,
            phone: i.phone,
            email: i.email,
            address: i.address,
        }
    }
}

/// What `eraseSubject` destroyed, and the fiscal part it kept (`keptFields`, sealed under
/// `keptScope`) when `refusal` is `legal_hold` or `fiscal_retention`.
#[napi(object)]
pub struct ErasureReceipt {
    pub kind: String,
    pub id: i64,
    pub destroyed_keys: Vec<u32>,
    pub unreadable_fields: Vec<String>,
    pub blind_indexes_removed: u32,
    pub kept_fields: Vec<String>,
    pub kept_scope: Option<String>,
    pub refusal: Option<String>,
    pub holds: Vec<i64>,
    pub requests_closed: Vec<i64>,
    pub erased_at: DateTime<Utc>,
}

impl From<CoreErasure> for ErasureReceipt {
    fn from(r: CoreErasure) -> Self {
        ErasureReceipt {
            kind: match r.kind {
                SubjectKind::Customer => "customer",
                SubjectKind::Supplier => "supplier",
            }
            .to_owned(),
            id: r.id,
            destroyed_keys: r.destroyed_keys,
            unreadable_fields: r.unreadable_fields,
            blind_indexes_removed: u32::try_from(r.blind_indexes_removed).unwrap_or(u32::MAX),
            kept_fields: r.kept_fields,
            kept_scope: r.kept_scope,
            refusal: r.refusal.map(|r| r.as_str().to_owned()),
            holds: r.holds,
            requests_closed: r.requests_closed,
            erased_at: r.erased_at,
        }
    }
}

/// A key of the keyring (never its bytes).
#[napi(object)]
pub struct KeyInfo {
    pub id: u32,
    pub purpose: String,
    pub scope: String,
    pub status: String,
    pub mk_version: u32,
}

impl From<KeyRecord> for KeyInfo {
    fn from(k: KeyRecord) -> Self {
        KeyInfo {
            id: k.id,
            purpose: k.purpose.as_str().to_owned(),
            scope: k.scope,
            status: k.status.as_str().to_owned(),
            mk_version: k.mk_version,
        }
    }
}

/// A finished master-key rotation.
#[napi(object)]
pub struct MasterKeyRotation {
    pub mk_version: u32,
    pub rewrapped: u32,
}

/// A data-key rotation: the new active key and the re-encryption job it queued.
#[napi(object)]
pub struct DataKeyRotation {
    pub key_id: u32,
    pub job_id: i64,
}

/// Progress of a re-encryption job, after each committed batch.
#[napi(object)]
#[derive(Clone)]
pub struct ReencryptProgress {
    pub job_id: i64,
    pub scope: String,
    pub column: String,
    pub columns_done: u32,
    pub columns_total: u32,
    pub rows_done: i64,
}

impl From<&CoreProgress> for ReencryptProgress {
    fn from(p: &CoreProgress) -> Self {
        ReencryptProgress {
            job_id: p.job_id,
            scope: p.scope.clone(),
            column: p.column.clone(),
            columns_done: u32::try_from(p.columns_done).unwrap_or(u32::MAX),
            columns_total: u32::try_from(p.columns_total).unwrap_or(u32::MAX),
            rows_done: count(p.rows_done),
        }
    }
}

/// A finished re-encryption job.
#[napi(object)]
pub struct ReencryptReport {
    pub job_id: i64,
    pub scope: String,
    pub active_key: u32,
    pub rows_done: i64,
}

impl From<CoreReencryptReport> for ReencryptReport {
    fn from(r: CoreReencryptReport) -> Self {
        ReencryptReport {
            job_id: r.job_id,
            scope: r.scope,
            active_key: r.active_key,
            rows_done: count(r.rows_done),
        }
    }
}

/// The first audit record that is not as written.
#[napi(object)]
pub struct ChainBreak {
    pub seq: i64,
    /// modified, deleted, inserted, reordered or fork.
    pub kind: String,
    pub message: String,
}

/// The result of `verifyAudit`: `ok` when the chain is intact.
#[napi(object)]
pub struct VerifyReport {
    pub ok: bool,
    pub from_seq: i64,
    pub to_seq: i64,
    pub checked: i64,
    pub problem: Option<ChainBreak>,
}

impl From<inventario_core::audit::VerifyReport> for VerifyReport {
    fn from(r: inventario_core::audit::VerifyReport) -> Self {
        VerifyReport {
            ok: r.problem.is_none(),
            from_seq: count(r.from_seq),
            to_seq: count(r.to_seq),
            checked: count(r.checked),
            problem: r.problem.map(|p| ChainBreak {
                seq: count(p.seq),
                kind: p.kind.as_str().to_owned(),
                message: p.message,
            }),
        }
    }
}

/// One audit record; `detail` is its JSON detail as text (never a personal value).
#[napi(object)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub event_type: String,
    pub table: String,
    pub key: String,
    pub status: String,
    pub detail: String,
}

impl From<CoreAuditEvent> for AuditEvent {
    fn from(e: CoreAuditEvent) -> Self {
        AuditEvent {
            seq: count(e.seq),
            at: e.at,
            actor: e.actor,
            event_type: e.event_type.as_str().to_owned(),
            table: e.target.table,
            key: e.target.key,
            status: e.status.as_str().to_owned(),
            detail: e.detail.to_string(),
        }
    }
}

/// Something an anomaly detector found in the audit log.
#[napi(object)]
pub struct Anomaly {
    pub detector: String,
    pub severity: String,
    pub actor: Option<String>,
    pub ip: Option<String>,
    pub count: i64,
    pub message: String,
}

impl From<CoreAnomaly> for Anomaly {
    fn from(a: CoreAnomaly) -> Self {
        Anomaly {
            detector: a.detector.as_str().to_owned(),
            severity: a.severity.as_str().to_owned(),
            actor: a.actor,
            ip: a.ip,
            count: count(a.count),
            message: a.message,
        }
    }
}

/// How many records of each kind a legacy import wrote (or found already imported).
#[napi(object)]
pub struct LegacyImportCounts {
    pub suppliers: u32,
    pub products: u32,
    pub customers: u32,
    /// Ledger movements, counting opening balances and reconciliations.
    pub movements: u32,
}

impl From<inventario_core::import::ImportCounts> for LegacyImportCounts {
    fn from(c: inventario_core::import::ImportCounts) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        LegacyImportCounts {
            suppliers: n(c.suppliers),
            products: n(c.products),
            customers: n(c.customers),
            movements: n(c.movements),
        }
    }
}

/// A legacy float that was rounded to the centavo.
#[napi(object)]
pub struct LegacyRounding {
    pub table: String,
    pub id: i64,
    pub column: String,
    /// The float's digits as stored.
    pub legacy: String,
    /// The exact value imported.
    pub imported: String,
}

/// Something a legacy import reports about one legacy row.
#[napi(object)]
pub struct LegacyFinding {
    pub table: String,
    pub id: i64,
    /// `duplicate_sku`, `negative_stock`, `balance_reconciled`, `sign_mismatch`, …
    /// (docs/IMPORT.md).
    pub kind: String,
    pub message: String,
}

/// What `importLegacy` did.
#[napi(object)]
pub struct LegacyImportReport {
    /// `mini-market` or `stock-service`.
    pub layout: String,
    pub source: String,
    pub dry_run: bool,
    pub location: String,
    pub imported: LegacyImportCounts,
    pub already_imported: LegacyImportCounts,
    pub roundings: Vec<LegacyRounding>,
    pub findings: Vec<LegacyFinding>,
    /// The `seq` of the import's last audit record (none for a dry run or nothing new).
    pub audit_seq: Option<i64>,
}

impl From<inventario_core::import::ImportReport> for LegacyImportReport {
    fn from(r: inventario_core::import::ImportReport) -> Self {
        LegacyImportReport {
            layout: r.layout.as_str().to_owned(),
            source: r.source,
            dry_run: r.dry_run,
            location: r.location,
            imported: r.imported.into(),
            already_imported: r.already_imported.into(),
            roundings: r
                .roundings
                .into_iter()
                .map(|x| LegacyRounding {
                    table: x.table,
                    id: x.id,
                    column: x.column,
                    legacy: x.legacy,
                    imported: x.imported,
                })
                .collect(),
            findings: r
                .findings
                .into_iter()
                .map(|f| LegacyFinding {
                    table: f.table,
                    id: f.id,
                    kind: f.kind.as_str().to_owned(),
                    message: f.message,
                })
                .collect(),
            audit_seq: r.audit_seq.and_then(|s| i64::try_from(s).ok()),
        }
    }
}
