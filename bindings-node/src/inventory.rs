//! `Inventory`: the store handle; every method returns a Promise and runs off the event loop.

use chrono::{DateTime, Utc};
use inventario_core::audit::{AppEvent, Checkpoint, DetectorConfig, EventType, Status, Target};
use inventario_core::domain::catalog::{
    Customer as CoreCustomer, CustomerIdentity as CoreIdentity, CustomerKind, IdentityDocument,
    PriceList, SupplierContact as CoreContact,
};
use inventario_core::domain::values::{Cuit, Dni, Money, Sku, UnitOfMeasure};
use inventario_core::domain::{AdjustmentChange, DateRange};
use inventario_core::metrics::Metrics;
use inventario_core::{
    CustomerId, HistoryFilter, Inventory as CoreInventory, LocationId, LossReason, MovementId,
    MovementKind, MovementRequest, NewCustomer, NewLocation, NewProduct, NewSupplier,
    OpenOptions as CoreOpenOptions, ProductId, ReservationId, StockCommand, SubjectKind,
    SupplierId, TenantId,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cipher::{FieldCipher, Keyring};
use crate::convert::{code, cost, date, money, opt_quantity, quantity, run, MoneyArg, QuantityArg};
use crate::errors::{to_js, validation};
use crate::handle::Slot;
use crate::records::{
    Anomaly, AuditEvent, Customer, CustomerIdentity, DashboardSummary, ErasureReceipt,
    LedgerReport, Location, LowStock, Movement, MovementPage, Product, ProviderStats, Recorded,
    Reservation, StockRow, Supplier, SupplierContact, SupplierReorder, SupplierStock, TopProduct,
    VerifyReport, WeeklySales,
};

/// How to open a store.
#[napi(object)]
pub struct OpenOptions {
    /// Who acts: from your authentication (a user, an API key id), never from request data.
    pub actor: String,
    /// 64 hex digits or a passphrase; omitted, INVENTARIO_MASTER_KEY or
    /// INVENTARIO_MASTER_PASSPHRASE is read from the environment.
    pub master_key: Option<String>,
    /// The tenant (default `default`).
    pub tenant: Option<String>,
    /// The connection pool's size (default 8).
    pub max_connections: Option<u32>,
    /// Keep Prometheus metrics for `metricsText()` (default true).
    pub metrics: Option<bool>,
}

/// Options every stock command takes.
#[napi(object)]
#[derive(Default)]
pub struct CommandOptions {
    pub reason: Option<String>,
    pub reference: Option<String>,
    pub lot: Option<String>,
    /// The lot's expiry, `YYYY-MM-DD`.
    pub expiry: Option<String>,
    /// A retry with the same key and payload returns the first result and writes nothing.
    pub idempotency_key: Option<String>,
    /// When it happened (default now).
    pub occurred_at: Option<DateTime<Utc>>,
    /// A sale may use what this reservation holds.
    pub reservation: Option<i64>,
    /// A customer return may name the original sale.
    pub original_sale: Option<i64>,
}

/// One stock command of a batch for `recordMovements`.
#[napi(object)]
pub struct MovementInput {
    /// receipt, sale, customer_return, supplier_return, loss, adjustment or transfer.
    pub kind: String,
    pub product: i64,
    /// The location (the source, for a transfer).
    pub location: i64,
    /// The destination of a transfer.
    pub to_location: Option<i64>,
    #[napi(ts_type = "string | bigint | number")]
    pub quantity: Option<QuantityArg>,
    /// The unit cost of a receipt: a decimal string or a bigint of centavos.
    #[napi(ts_type = "string | bigint")]
    pub unit_cost: Option<MoneyArg>,
    /// An adjustment's signed change.
    #[napi(ts_type = "string | bigint | number")]
    pub delta: Option<QuantityArg>,
    /// An adjustment's counted balance.
    #[napi(ts_type = "string | bigint | number")]
    pub counted: Option<QuantityArg>,
    /// A loss's reason: expired, damaged, theft or other.
    pub loss_reason: Option<String>,
    pub options: Option<CommandOptions>,
}

fn finish(request: MovementRequest, options: Option<CommandOptions>) -> Result<MovementRequest> {
    let options = options.unwrap_or_default();
    let mut request = request;
    if let StockCommand::Sale { reservation, .. } = &mut request.command {
        *reservation = options.reservation.map(ReservationId);
    }
    if let StockCommand::CustomerReturn { original_sale, .. } = &mut request.command {
        *original_sale = options.original_sale.map(MovementId);
    }
    request.reason = options.reason;
    request.reference = options.reference;
    request.lot = options.lot;
    request.expiry = options
        .expiry
        .as_deref()
        .map(|d| date("expiry", d))
        .transpose()?;
    request.idempotency_key = options.idempotency_key;
    request.occurred_at = options.occurred_at;
    request.validate().map_err(|e| to_js(e.into()))?;
    Ok(request)
}

fn required<'a, T>(value: &'a Option<T>, what: &str, kind: &str) -> Result<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| validation(format!("a {kind} needs {what}")))
}

fn movement_request(input: MovementInput) -> Result<MovementRequest> {
    let product = ProductId(input.product);
    let location = LocationId(input.location);
    let kind = input.kind.as_str();
    let qty = |v: &Option<QuantityArg>| -> Result<_> {
        quantity("quantity", required(v, "a quantity", kind)?)
    };
    let request = match kind {
        "receipt" => MovementRequest::receipt(
            product,
            location,
            qty(&input.quantity)?,
            cost("unitCost", required(&input.unit_cost, "a unitCost", kind)?)?,
        ),
        "sale" => MovementRequest::sale(product, location, qty(&input.quantity)?),
        "customer_return" => {
            MovementRequest::customer_return(product, location, qty(&input.quantity)?, None)
        }
        "supplier_return" => {
            MovementRequest::supplier_return(product, location, qty(&input.quantity)?)
        }
        "loss" => MovementRequest::loss(
            product,
            location,
            qty(&input.quantity)?,
            code::<LossReason>(
                "loss reason",
                required(&input.loss_reason, "a lossReason", kind)?,
                "expired, damaged, theft, other",
            )?,
        ),
        "adjustment" => {
            let change = match (
                opt_quantity("delta", &input.delta)?,
                opt_quantity("counted", &input.counted)?,
            ) {
                (Some(delta), None) => AdjustmentChange::Delta(delta),
                (None, Some(counted)) => AdjustmentChange::Counted(counted),
                _ => {
                    return Err(validation(
                        "an adjustment takes exactly one of delta or counted",
                    ))
                }
            };
            MovementRequest::new(StockCommand::Adjustment {
                product,
                location,
                change,
            })
        }
        "transfer" => MovementRequest::transfer(
            product,
            location,
            LocationId(*required(&input.to_location, "a toLocation", kind)?),
            qty(&input.quantity)?,
        ),
        other => {
            return Err(validation(format!(
                "unknown movement kind {other:?}: expected receipt, sale, customer_return, \
                 supplier_return, loss, adjustment or transfer"
            )))
        }
    };
    finish(request, input.options)
}

fn sku(text: &str) -> Result<Sku> {
    Sku::parse(text).map_err(|e| to_js(e.into()))
}

fn cuit(text: &str) -> Result<Cuit> {
    Cuit::parse(text).map_err(|e| to_js(e.into()))
}

fn range(start: &str, end: &str) -> Result<DateRange> {
    DateRange::new(date("start", start)?, date("end", end)?).map_err(|e| validation(e.to_string()))
}

fn document(document_type: &str, number: &str) -> Result<IdentityDocument> {
    let bad = |e: inventario_core::domain::values::ValueError| to_js(e.into());
    Ok(match document_type {
        "dni" => IdentityDocument::Dni(Dni::parse(number).map_err(bad)?),
        "cuit" => IdentityDocument::Cuit(cuit(number)?),
        "cuil" => IdentityDocument::Cuil(cuit(number)?),
        "pasaporte" => IdentityDocument::Pasaporte(number.to_owned()),
        other => {
            return Err(validation(format!(
                "unknown document type {other:?}: expected dni, cuit, cuil or pasaporte"
            )))
        }
    })
}

fn converted<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

/// Opens the store at `url` (`sqlite://PATH?mode=rwc`, `sqlite::memory:` or
/// `postgres://USER@HOST/DB?sslmode=verify-full&sslrootcert=CA.pem`).
#[napi]
pub async fn open(url: String, options: OpenOptions) -> Result<Inventory> {
    run(async move {
        let master = crate::cipher::master_secret(options.master_key.as_deref())?;
        let mut core = CoreOpenOptions::new(&options.actor).map_err(to_js)?;
        if let Some(tenant) = options.tenant.as_deref() {
            core = core.tenant(TenantId::parse(tenant).map_err(|e| to_js(e.into()))?);
        }
        match options.max_connections {
            Some(0) => return Err(validation("maxConnections must be at least 1")),
            Some(n) => core = core.max_connections(n),
            None => {}
        }
        if options.metrics.unwrap_or(true) {
            core = core.metrics(Metrics::with_prometheus());
        }
        let inner = CoreInventory::open_with(&url, master, core)
            .await
            .map_err(to_js)?;
        Ok(Inventory {
            inner: Slot::new("inventory", inner),
            owns_pool: true,
        })
    })
    .await
}

/// An open store, bound to a tenant and acting as one actor. Every command is one
/// transaction; every method returns a Promise. Call `close()` when done.
#[napi]
pub struct Inventory {
    inner: Slot<CoreInventory>,
    /// Whether closing this handle closes the connections: true for the handle `open`
    /// resolved to, false for one from `actingAs`, which only lets go of its share.
    owns_pool: bool,
}

impl Inventory {
    pub(crate) fn handle(&self) -> Result<CoreInventory> {
        self.inner.get()
    }

    async fn record_one(&self, request: Result<MovementRequest>) -> Result<Recorded> {
        let inv = self.handle()?;
        let request = request?;
        run(async move { inv.record(request).await.map(Recorded::from).map_err(to_js) }).await
    }
}

#[napi]
impl Inventory {
    /// The actor recorded on every audit record of this handle.
    #[napi(getter)]
    pub fn actor(&self) -> Result<String> {
        Ok(self.handle()?.actor().as_str().to_owned())
    }

    /// The same store acting as another actor: shares the connections, and closing it
    /// leaves them open.
    #[napi]
    pub fn acting_as(&self, actor: String) -> Result<Inventory> {
        let inv = self.handle()?.acting_as(&actor).map_err(to_js)?;
        Ok(Inventory {
            inner: Slot::new("inventory", inv),
            owns_pool: false,
        })
    }

    /// Today in the store's time zone, `YYYY-MM-DD`.
    #[napi]
    pub fn today(&self) -> Result<String> {
        Ok(self.handle()?.today().to_string())
    }

    /// The Prometheus text exposition of the handle's metrics (null if opened with
    /// `metrics: false`).
    #[napi]
    pub fn metrics_text(&self) -> Result<Option<String>> {
        Ok(self.handle()?.metrics_text())
    }

    /// The store's keyring: rotation, scopes, blind indexes.
    #[napi]
    pub fn keyring(&self) -> Result<Keyring> {
        Ok(Keyring::borrowed(self.handle()?.keyring()))
    }

    /// A cipher for fields of your own tables, with the store's keys.
    #[napi]
    pub fn field_cipher(&self, scope: Option<String>) -> Result<FieldCipher> {
        let cipher = self.handle()?.field_cipher();
        Ok(FieldCipher::new(match scope {
            Some(scope) => cipher.with_scope(&scope),
            None => cipher,
        }))
    }

    /// Closes the handle; later calls reject with `E_CLOSED`, and closing twice is allowed.
    /// The handle `open` resolved to also closes the connections it shares with the handles
    /// `actingAs` made; closing one of those only closes it.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        if let (Some(inv), true) = (self.inner.take(), self.owns_pool) {
            run(async move {
                inv.close().await;
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    // --- catalogue -----------------------------------------------------------------------

    /// Creates a location; its code must be new.
    #[napi]
    pub async fn create_location(&self, code: String, name: String) -> Result<Location> {
        let inv = self.handle()?;
        run(async move {
            inv.create_location(NewLocation::new(code, name))
                .await
                .map(Location::from)
                .map_err(to_js)
        })
        .await
    }

    /// Every location, by code.
    #[napi]
    pub async fn locations(&self) -> Result<Vec<Location>> {
        let inv = self.handle()?;
        run(async move { inv.locations().await.map(converted).map_err(to_js) }).await
    }

    /// The location with `code`, or null.
    #[napi]
    pub async fn location_by_code(&self, code: String) -> Result<Option<Location>> {
        let inv = self.handle()?;
        run(async move {
            inv.location_by_code(&code)
                .await
                .map(|l| l.map(Location::from))
                .map_err(to_js)
        })
        .await
    }

    /// Creates a supplier; its contact data is stored only encrypted, under its own key.
    #[napi]
    pub async fn create_supplier(
        &self,
        code: String,
        legal_name: String,
        contact: Option<SupplierContact>,
    ) -> Result<Supplier> {
        let inv = self.handle()?;
        let mut supplier = NewSupplier::new(code, legal_name);
        supplier.contact = contact.map(core_contact).transpose()?;
        run(async move {
            inv.create_supplier(supplier)
                .await
                .map(Supplier::from)
                .map_err(to_js)
        })
        .await
    }

    /// Every supplier, by code.
    #[napi]
    pub async fn suppliers(&self) -> Result<Vec<Supplier>> {
        let inv = self.handle()?;
        run(async move { inv.suppliers().await.map(converted).map_err(to_js) }).await
    }

    /// Decrypts a supplier's contact data (the read is audited); null for an unknown id.
    #[napi]
    pub async fn supplier_contact(&self, id: i64) -> Result<Option<SupplierContact>> {
        let inv = self.handle()?;
        run(async move {
            inv.supplier_contact(SupplierId(id))
                .await
                .map(|c| c.map(SupplierContact::from))
                .map_err(to_js)
        })
        .await
    }

    /// The supplier with this CUIT (any separators), through its blind index.
    #[napi]
    pub async fn find_supplier_by_cuit(&self, cuit: String) -> Result<Option<Supplier>> {
        let inv = self.handle()?;
        let cuit = self::cuit(&cuit)?;
        run(async move {
            inv.find_supplier_by_cuit(&cuit)
                .await
                .map(|s| s.map(Supplier::from))
                .map_err(to_js)
        })
        .await
    }

    /// Creates a product: `salePrice` is a decimal string or a bigint of centavos; `unit` is
    /// unidad, kg, g, l, ml or m.
    #[napi]
    pub async fn create_product(
        &self,
        sku: String,
        name: String,
        #[napi(ts_arg_type = "string | bigint")] sale_price: MoneyArg,
        options: Option<ProductOptions>,
    ) -> Result<Product> {
        let inv = self.handle()?;
        let mut product = NewProduct::new(self::sku(&sku)?, name, money("salePrice", &sale_price)?);
        if let Some(options) = options {
            product.category = options.category;
            product.brand = options.brand;
            if let Some(unit) = options.unit.as_deref() {
                product.unit = unit.parse::<UnitOfMeasure>().map_err(|e| to_js(e.into()))?;
            }
            if let Some(min) = opt_quantity("minStock", &options.min_stock)? {
                product.min_stock = min;
            }
            product.supplier = options.supplier.map(SupplierId);
        }
        run(async move {
            inv.create_product(product)
                .await
                .map(Product::from)
                .map_err(to_js)
        })
        .await
    }

    /// The product with `id`, or null.
    #[napi]
    pub async fn product(&self, id: i64) -> Result<Option<Product>> {
        let inv = self.handle()?;
        run(async move {
            inv.product(ProductId(id))
                .await
                .map(|p| p.map(Product::from))
                .map_err(to_js)
        })
        .await
    }

    /// The product with `sku`, or null.
    #[napi]
    pub async fn product_by_sku(&self, sku: String) -> Result<Option<Product>> {
        let inv = self.handle()?;
        let sku = self::sku(&sku)?;
        run(async move {
            inv.product_by_sku(&sku)
                .await
                .map(|p| p.map(Product::from))
                .map_err(to_js)
        })
        .await
    }

    /// Active products by SKU (inactive ones too with `includeInactive`).
    #[napi]
    pub async fn products(&self, include_inactive: Option<bool>) -> Result<Vec<Product>> {
        let inv = self.handle()?;
        let all = include_inactive.unwrap_or(false);
        run(async move { inv.products(all).await.map(converted).map_err(to_js) }).await
    }

    // --- stock commands ------------------------------------------------------------------

    /// Records goods received at `unitCost` (a decimal string or a bigint of centavos).
    #[napi]
    pub async fn receive(
        &self,
        product: i64,
        location: i64,
        #[napi(ts_arg_type = "string | bigint | number")] quantity: QuantityArg,
        #[napi(ts_arg_type = "string | bigint")] unit_cost: MoneyArg,
        options: Option<CommandOptions>,
    ) -> Result<Recorded> {
        let request = (|| {
            finish(
                MovementRequest::receipt(
                    ProductId(product),
                    LocationId(location),
                    crate::convert::quantity("quantity", &quantity)?,
                    cost("unitCost", &unit_cost)?,
                ),
                options,
            )
        })();
        self.record_one(request).await
    }

    /// Records a sale (`options.reservation` may name a reservation it uses).
    #[napi]
    pub async fn sell(
        &self,
        product: i64,
        location: i64,
        #[napi(ts_arg_type = "string | bigint | number")] quantity: QuantityArg,
        options: Option<CommandOptions>,
    ) -> Result<Recorded> {
        let request = (|| {
            finish(
                MovementRequest::sale(
                    ProductId(product),
                    LocationId(location),
                    crate::convert::quantity("quantity", &quantity)?,
                ),
                options,
            )
        })();
        self.record_one(request).await
    }

    /// Records goods a customer brought back (`options.originalSale` may name the sale).
    #[napi]
    pub async fn return_from_customer(
        &self,
        product: i64,
        location: i64,
        #[napi(ts_arg_type = "string | bigint | number")] quantity: QuantityArg,
        options: Option<CommandOptions>,
    ) -> Result<Recorded> {
        let request = (|| {
            finish(
                MovementRequest::customer_return(
                    ProductId(product),
                    LocationId(location),
                    crate::convert::quantity("quantity", &quantity)?,
                    None,
                ),
                options,
            )
        })();
        self.record_one(request).await
    }

    /// Records goods sent back to the supplier.
    #[napi]
    pub async fn return_to_supplier(
        &self,
        product: i64,
        location: i64,
        #[napi(ts_arg_type = "string | bigint | number")] quantity: QuantityArg,
        options: Option<CommandOptions>,
    ) -> Result<Recorded> {
        let request = (|| {
            finish(
                MovementRequest::supplier_return(
                    ProductId(product),
                    LocationId(location),
                    crate::convert::quantity("quantity", &quantity)?,
                ),
                options,
            )
        })();
        self.record_one(request).await
    }

    /// Records a loss: `lossReason` is expired, damaged, theft or other (other needs
    /// `options.reason`).
    #[napi]
    pub async fn record_loss(
        &self,
        product: i64,
        location: i64,
        #[napi(ts_arg_type = "string | bigint | number")] quantity: QuantityArg,
        loss_reason: String,
        options: Option<CommandOptions>,
    ) -> Result<Recorded> {
        let request = (|| {
            finish(
                MovementRequest::loss(
                    ProductId(product),
                    LocationId(location),
                    crate::convert::quantity("quantity", &quantity)?,
                    code(
                        "loss reason",
                        &loss_reason,
                        "expired, damaged, theft, other",
                    )?,
                ),
                options,
            )
        })();
        self.record_one(request).await
    }

    /// Records a correction to the counted balance `counted` (needs `options.reason`).
    #[napi]
    pub async fn adjust(
        &self,
        product: i64,
        location: i64,
        #[napi(ts_arg_type = "string | bigint | number")] counted: QuantityArg,
        options: Option<CommandOptions>,
    ) -> Result<Recorded> {
        let request = (|| {
            finish(
                MovementRequest::new(StockCommand::Adjustment {
                    product: ProductId(product),
                    location: LocationId(location),
                    change: AdjustmentChange::Counted(quantity("counted", &counted)?),
                }),
                options,
            )
        })();
        self.record_one(request).await
    }

    /// Moves stock between two locations (two ledger rows, one transaction).
    #[napi]
    pub async fn transfer(
        &self,
        product: i64,
        from_location: i64,
        to_location: i64,
        #[napi(ts_arg_type = "string | bigint | number")] quantity: QuantityArg,
        options: Option<CommandOptions>,
    ) -> Result<Recorded> {
        let request = (|| {
            finish(
                MovementRequest::transfer(
                    ProductId(product),
                    LocationId(from_location),
                    LocationId(to_location),
                    crate::convert::quantity("quantity", &quantity)?,
                ),
                options,
            )
        })();
        self.record_one(request).await
    }

    /// Records every movement or none, in one transaction; a refusal names the failing
    /// `line`.
    #[napi]
    pub async fn record_movements(&self, movements: Vec<MovementInput>) -> Result<Vec<Recorded>> {
        let inv = self.handle()?;
        let requests = movements
            .into_iter()
            .enumerate()
            .map(|(line, input)| {
                movement_request(input).map_err(|e| crate::errors::at_line(e, line))
            })
            .collect::<Result<Vec<_>>>()?;
        run(async move {
            inv.record_movements(&requests)
                .await
                .map(converted)
                .map_err(to_js)
        })
        .await
    }

    /// Holds `quantity` of available stock until released.
    #[napi]
    pub async fn reserve(
        &self,
        product: i64,
        location: i64,
        #[napi(ts_arg_type = "string | bigint | number")] quantity: QuantityArg,
        reference: Option<String>,
    ) -> Result<Reservation> {
        let inv = self.handle()?;
        let quantity = crate::convert::quantity("quantity", &quantity)?;
        run(async move {
            inv.reserve(
                ProductId(product),
                LocationId(location),
                quantity,
                reference.as_deref(),
                None,
            )
            .await
            .map(Reservation::from)
            .map_err(to_js)
        })
        .await
    }

    /// Releases what is left of a reservation.
    #[napi]
    pub async fn release_reservation(&self, id: i64) -> Result<Reservation> {
        let inv = self.handle()?;
        run(async move {
            inv.release_reservation(ReservationId(id))
                .await
                .map(Reservation::from)
                .map_err(to_js)
        })
        .await
    }

    // --- queries -------------------------------------------------------------------------

    /// Balances by product and location, optionally of one product and/or one location.
    #[napi]
    pub async fn stock(
        &self,
        product: Option<i64>,
        location: Option<i64>,
    ) -> Result<Vec<StockRow>> {
        let inv = self.handle()?;
        run(async move {
            inv.stock(product.map(ProductId), location.map(LocationId))
                .await
                .map(converted)
                .map_err(to_js)
        })
        .await
    }

    /// Products at or below their seasonal minimum on `on` (`YYYY-MM-DD`, default today).
    #[napi]
    pub async fn low_stock(&self, on: Option<String>) -> Result<Vec<LowStock>> {
        let inv = self.handle()?;
        let on = match on {
            Some(d) => date("on", &d)?,
            None => inv.today(),
        };
        run(async move {
            inv.critical_products(on)
                .await
                .map(converted)
                .map_err(to_js)
        })
        .await
    }

    /// What to order on `on` (default today), grouped by supplier.
    #[napi]
    pub async fn reorder_suggestions(&self, on: Option<String>) -> Result<Vec<SupplierReorder>> {
        let inv = self.handle()?;
        let on = match on {
            Some(d) => date("on", &d)?,
            None => inv.today(),
        };
        run(async move {
            inv.reorder_suggestions(on)
                .await
                .map(converted)
                .map_err(to_js)
        })
        .await
    }

    /// Movement history, newest first, `limit` (1-1000) at a time; pass `next` as `before`.
    #[napi]
    pub async fn history(&self, filter: Option<HistoryQuery>) -> Result<MovementPage> {
        let inv = self.handle()?;
        let filter = filter.unwrap_or_default();
        let kind: Option<MovementKind> = filter
            .kind
            .as_deref()
            .map(|k| code("movement kind", k, "initial_stock, receipt, sale, customer_return, supplier_return, loss, adjustment, transfer_out, transfer_in"))
            .transpose()?;
        let dates = match (filter.start.as_deref(), filter.end.as_deref()) {
            (None, None) => None,
            (Some(start), Some(end)) => Some(range(start, end)?),
            _ => return Err(validation("history takes both start and end, or neither")),
        };
        let core_filter = HistoryFilter {
            product: filter.product.map(ProductId),
            location: filter.location.map(LocationId),
            kind,
            actor: filter.actor,
            dates,
            reference: filter.reference,
        };
        let before = filter.before.map(MovementId);
        let limit = filter.limit.unwrap_or(100);
        run(async move {
            let page = inv
                .history(&core_filter, before, limit)
                .await
                .map_err(to_js)?;
            Ok(MovementPage {
                items: converted::<_, Movement>(page.items),
                next: page.next.map(|id| id.get()),
            })
        })
        .await
    }

    /// The stock's value at weighted-average cost, as a decimal string.
    #[napi]
    pub async fn stock_value(&self) -> Result<String> {
        let inv = self.handle()?;
        run(async move {
            inv.stock_value()
                .await
                .map(|v| v.total.to_decimal().to_string())
                .map_err(to_js)
        })
        .await
    }

    /// The `limit` products with most units sold from `start` to `end` (dates, included).
    #[napi]
    pub async fn top_sold(
        &self,
        start: String,
        end: String,
        limit: Option<u32>,
    ) -> Result<Vec<TopProduct>> {
        let inv = self.handle()?;
        let range = range(&start, &end)?;
        let limit = limit.unwrap_or(10) as usize;
        run(async move {
            inv.top_sold(range, limit)
                .await
                .map(converted)
                .map_err(to_js)
        })
        .await
    }

    /// The dashboard's headline numbers as of `on` (default today).
    #[napi]
    pub async fn dashboard_summary(&self, on: Option<String>) -> Result<DashboardSummary> {
        let inv = self.handle()?;
        let on = match on {
            Some(d) => date("on", &d)?,
            None => inv.today(),
        };
        run(async move {
            inv.dashboard_summary(on)
                .await
                .map(DashboardSummary::from)
                .map_err(to_js)
        })
        .await
    }

    /// Ordering statistics per supplier, by code.
    #[napi]
    pub async fn provider_stats(&self) -> Result<Vec<ProviderStats>> {
        let inv = self.handle()?;
        run(async move { inv.provider_stats().await.map(converted).map_err(to_js) }).await
    }

    /// Real stock on hand and its value, by supplier.
    #[napi]
    pub async fn stock_by_supplier(&self) -> Result<Vec<SupplierStock>> {
        let inv = self.handle()?;
        run(async move { inv.stock_by_supplier().await.map(converted).map_err(to_js) }).await
    }

    /// Units sold per ISO week from `start` to `end` (dates, included).
    #[napi]
    pub async fn weekly_sales(&self, start: String, end: String) -> Result<Vec<WeeklySales>> {
        let inv = self.handle()?;
        let range = range(&start, &end)?;
        run(async move { inv.weekly_sales(range).await.map(converted).map_err(to_js) }).await
    }

    /// Replays the ledger against the balances.
    #[napi]
    pub async fn verify_ledger(&self) -> Result<LedgerReport> {
        let inv = self.handle()?;
        run(async move {
            inv.verify_ledger(None)
                .await
                .map(LedgerReport::from)
                .map_err(to_js)
        })
        .await
    }

    // --- customers -----------------------------------------------------------------------

    /// Creates a customer; their identity is stored only encrypted, under a key of their
    /// own, with blind indexes on the document and the email.
    #[napi]
    pub async fn create_customer(
        &self,
        code: String,
        identity: CustomerIdentity,
    ) -> Result<Customer> {
        let inv = self.handle()?;
        let document = match (
            identity.document_type.as_deref(),
            identity.document.as_deref(),
        ) {
            (Some(t), Some(n)) => Some(document(t, n)?),
            (None, None) => None,
            _ => return Err(validation("documentType and document go together")),
        };
        let customer = NewCustomer {
            customer: CoreCustomer {
                code,
                kind: CustomerKind::Persona,
                price_list: PriceList::General,
                credit_limit: Money::from_centavos(0),
                discount_percent: Money::from_centavos(0),
            },
            identity: CoreIdentity {
                names: identity.names,
                surname: identity.surname,
                document,
                phone: identity.phone,
                email: identity.email,
                address: identity.address,
            },
        };
        run(async move {
            inv.create_customer(customer)
                .await
                .map(Customer::from)
                .map_err(to_js)
        })
        .await
    }

    /// A customer's commercial terms (nothing decrypted), or null.
    #[napi]
    pub async fn customer(&self, id: i64) -> Result<Option<Customer>> {
        let inv = self.handle()?;
        run(async move {
            inv.customer(CustomerId(id))
                .await
                .map(|c| c.map(Customer::from))
                .map_err(to_js)
        })
        .await
    }

    /// Decrypts a customer's identity after auditing the access; null for an unknown id.
    /// An erased customer rejects with `E_KEY_NOT_FOUND` (kind KeyDestroyed).
    #[napi]
    pub async fn customer_identity(&self, id: i64) -> Result<Option<CustomerIdentity>> {
        let inv = self.handle()?;
        run(async move {
            inv.customer_identity(CustomerId(id))
                .await
                .map(|i| i.map(CustomerIdentity::from))
                .map_err(to_js)
        })
        .await
    }

    /// Customers with this email (trimmed, case-insensitive), through its blind index.
    #[napi]
    pub async fn find_customers_by_email(&self, email: String) -> Result<Vec<Customer>> {
        let inv = self.handle()?;
        run(async move {
            inv.find_customer_by_email(&email)
                .await
                .map(converted)
                .map_err(to_js)
        })
        .await
    }

    /// Customers with this identity document (dni, cuit, cuil or pasaporte).
    #[napi]
    pub async fn find_customers_by_document(
        &self,
        document_type: String,
        document: String,
    ) -> Result<Vec<Customer>> {
        let inv = self.handle()?;
        let document = self::document(&document_type, &document)?;
        run(async move {
            inv.find_customer_by_document(&document)
                .await
                .map(converted)
                .map_err(to_js)
        })
        .await
    }

    /// Crypto-shreds a customer or supplier (`kind`): destroys their key and blind indexes.
    #[napi]
    pub async fn erase_subject(&self, kind: String, id: i64) -> Result<ErasureReceipt> {
        let inv = self.handle()?;
        let kind = match kind.as_str() {
            "customer" => SubjectKind::Customer,
            "supplier" => SubjectKind::Supplier,
            other => {
                return Err(validation(format!(
                    "unknown subject kind {other:?}: expected customer or supplier"
                )))
            }
        };
        run(async move {
            inv.erase_subject(kind, id)
                .await
                .map(ErasureReceipt::from)
                .map_err(to_js)
        })
        .await
    }

    // --- legacy import -------------------------------------------------------------------

    /// Imports a database of the legacy Python system (docs/IMPORT.md) in one transaction and
    /// resolves to its report. A malformed legacy row rejects with `E_VALIDATION`, naming the
    /// row; nothing is then written.
    #[napi]
    pub async fn import_legacy(
        &self,
        path: String,
        options: Option<LegacyImportOptions>,
    ) -> Result<crate::records::LegacyImportReport> {
        let inv = self.handle()?;
        let options = options.unwrap_or_default();
        let mut import = inventario_core::import::ImportOptions::default()
            .dry_run(options.dry_run.unwrap_or(false));
        if let Some(location) = options.location.as_deref() {
            import = import.location(location);
        }
        run(async move {
            inv.import_legacy(std::path::Path::new(&path), &import)
                .await
                .map(Into::into)
                .map_err(to_js)
        })
        .await
    }

    // --- audit ---------------------------------------------------------------------------

    /// Recomputes the audit chain; with `since` (a checkpoint's text), also proves the chain
    /// still contains it.
    #[napi]
    pub async fn verify_audit(&self, since: Option<String>) -> Result<VerifyReport> {
        let inv = self.handle()?;
        let since = since
            .as_deref()
            .map(|t| Checkpoint::from_text(t).map_err(|e| to_js(e.into())))
            .transpose()?;
        run(async move {
            inv.verify_audit(since.as_ref())
                .await
                .map(VerifyReport::from)
                .map_err(to_js)
        })
        .await
    }

    /// Signs the chain's head; returns the checkpoint's text.
    #[napi]
    pub async fn audit_checkpoint(&self) -> Result<String> {
        let inv = self.handle()?;
        run(async move {
            inv.audit_checkpoint()
                .await
                .map(|c| c.to_text())
                .map_err(to_js)
        })
        .await
    }

    /// At most `limit` audit records after `seq` `after`, in order.
    #[napi]
    pub async fn audit_events(
        &self,
        after: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<AuditEvent>> {
        let inv = self.handle()?;
        let after = u64::try_from(after.unwrap_or(0))
            .map_err(|_| validation("after must not be negative"))?;
        let limit = limit.unwrap_or(100);
        run(async move {
            inv.audit_events_after(after, limit)
                .await
                .map(converted)
                .map_err(to_js)
        })
        .await
    }

    /// The audit report of `[start, end)` as JSON or HTML text (every value escaped).
    #[napi]
    pub async fn audit_report(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        format: Option<String>,
    ) -> Result<String> {
        let inv = self.handle()?;
        let html = match format.as_deref() {
            None | Some("json") => false,
            Some("html") => true,
            Some(other) => {
                return Err(validation(format!(
                    "unknown report format {other:?}: expected json or html"
                )))
            }
        };
        run(async move {
            let report = inv
                .audit_report(start, end, &DetectorConfig::default())
                .await
                .map_err(to_js)?;
            Ok(if html {
                report.to_html()
            } else {
                report.to_json()
            })
        })
        .await
    }

    /// Appends an event of the application's own to the audit chain (`LOGIN_FAILED`,
    /// `DATA_EXPORT`, `ACCESS_REQUEST` or a name of yours) and resolves to its `seq`. `detail`
    /// is a JSON object's text (put a source address in `ip`; never a personal value).
    #[napi]
    pub async fn record_audit_event(
        &self,
        event_type: String,
        event: Option<AuditEventInput>,
    ) -> Result<i64> {
        let inv = self.handle()?;
        let event_type = EventType::parse(&event_type)
            .ok_or_else(|| validation(format!("invalid audit event type {event_type:?}")))?;
        let event = event.unwrap_or_default();
        let detail = match event.detail.as_deref() {
            Some(text) => serde_json::from_str(text)
                .ok()
                .filter(serde_json::Value::is_object)
                .ok_or_else(|| validation("detail must be the text of a JSON object"))?,
            None => serde_json::json!({}),
        };
        let app_event = AppEvent {
            event_type,
            target: Target::new(
                event.table.as_deref().unwrap_or(""),
                event.key.as_deref().unwrap_or(""),
            ),
            status: if event.failed.unwrap_or(false) {
                Status::Failed
            } else {
                Status::Success
            },
            detail,
        };
        run(async move {
            inv.record_audit_event(app_event)
                .await
                .map(|seq| i64::try_from(seq).unwrap_or(i64::MAX))
                .map_err(to_js)
        })
        .await
    }

    /// Runs the anomaly detectors over the audit log for the period starting at `since`.
    #[napi]
    pub async fn detect_anomalies(&self, since: DateTime<Utc>) -> Result<Vec<Anomaly>> {
        let inv = self.handle()?;
        run(async move {
            inv.detect_anomalies(since, Utc::now(), &DetectorConfig::default())
                .await
                .map(|d| converted(d.anomalies))
                .map_err(to_js)
        })
        .await
    }
}

/// What an application's audit event is about.
#[napi(object)]
#[derive(Default)]
pub struct AuditEventInput {
    pub table: Option<String>,
    pub key: Option<String>,
    /// A failed attempt (default false).
    pub failed: Option<bool>,
    /// A JSON object's text, e.g. `JSON.stringify({ ip })`.
    pub detail: Option<String>,
}

/// Optional fields of a new product.
#[napi(object)]
pub struct ProductOptions {
    pub category: Option<String>,
    pub brand: Option<String>,
    /// unidad, kg, g, l, ml or m.
    pub unit: Option<String>,
    #[napi(ts_type = "string | bigint | number")]
    pub min_stock: Option<QuantityArg>,
    pub supplier: Option<i64>,
}

/// A history filter; `start`/`end` are `YYYY-MM-DD`, both included.
#[napi(object)]
#[derive(Default)]
pub struct HistoryQuery {
    pub product: Option<i64>,
    pub location: Option<i64>,
    pub kind: Option<String>,
    pub actor: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub reference: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

fn core_contact(c: SupplierContact) -> Result<CoreContact> {
    Ok(CoreContact {
        cuit: c.cuit.as_deref().map(cuit).transpose()?,
        phone: c.phone,
        email: c.email,
        address: c.address,
    })
}

/// Options of `importLegacy`.
#[napi(object)]
#[derive(Default)]
pub struct LegacyImportOptions {
    /// The code of the location that receives the stock (default `LOCAL`, created if missing).
    pub location: Option<String>,
    /// Report what would be imported and write nothing.
    pub dry_run: Option<bool>,
}
