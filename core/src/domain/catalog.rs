//! The entities of DOMAIN 2 other than movements: locations, products, suppliers, customers,
//! reservations and price history, with the validation each needs before it is stored.
//!
//! Contact data of suppliers and customers (CUIT/DNI, phone, email, address, names of people) is
//! personal data: it lives in [`SupplierContact`] and [`CustomerIdentity`], which the store only
//! writes through the encryption layer, never in clear.

use chrono::{DateTime, NaiveDate, Utc};

use super::error::{ProductProblem, RuleError};
use super::ids::{LocationId, ProductId, ReservationId, SupplierId};
use super::values::{Barcode, Cuit, Dni, Money, Quantity, Sku, UnitCost, UnitOfMeasure};

/// A warehouse or a bin within one \[ubicacion\].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Store-assigned id.
    pub id: LocationId,
    /// Short code, unique per tenant, such as `A-01-R1-S1` or `DEPOSITO`.
    pub code: String,
    /// Human name.
    pub name: String,
    /// Whether balances here may go below zero (false by default).
    pub negative_stock_allowed: bool,
    /// Optional capacity, in units of the products kept there (informative).
    pub capacity: Option<Quantity>,
}

/// A location to create.
///
/// ```
/// use inventario_core::domain::NewLocation;
/// let shop = NewLocation::new("LOCAL", "Salón de ventas");
/// assert!(!shop.negative_stock_allowed);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLocation {
    /// Short code, unique per tenant.
    pub code: String,
    /// Human name.
    pub name: String,
    /// Whether balances may go below zero.
    pub negative_stock_allowed: bool,
    /// Optional capacity.
    pub capacity: Option<Quantity>,
}

impl NewLocation {
    /// A location that forbids negative stock and has no capacity set.
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> NewLocation {
        NewLocation {
            code: code.into(),
            name: name.into(),
            negative_stock_allowed: false,
            capacity: None,
        }
    }

    /// Checks the fields; the code is trimmed and upper-cased.
    pub fn validate(mut self) -> Result<NewLocation, RuleError> {
        self.code = self.code.trim().to_uppercase();
        text("location code", &self.code, 50)?;
        text("location name", &self.name, 200)?;
        if let Some(capacity) = self.capacity {
            if !capacity.is_positive() {
                return Err(super::values::ValueError::ZeroQuantity.into());
            }
        }
        Ok(self)
    }
}

/// A product \[producto\]. Stock is never a field: it is the ledger's balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Store-assigned id.
    pub id: ProductId,
    /// SKU \[codigo\], unique per tenant.
    pub sku: Sku,
    /// Name \[nombre\].
    pub name: String,
    /// Description \[descripcion\].
    pub description: Option<String>,
    /// Category \[categoria\], lower-case.
    pub category: Option<String>,
    /// Brand \[marca\].
    pub brand: Option<String>,
    /// Unit of measure.
    pub unit: UnitOfMeasure,
    /// Barcode \[codigo_barras\], unique per tenant when present.
    pub barcode: Option<Barcode>,
    /// Sale price \[precio_venta\].
    pub sale_price: Money,
    /// Wholesale price \[precio_mayorista\].
    pub wholesale_price: Option<Money>,
    /// Minimum stock \[stock_minimo\] before the seasonal factor.
    pub min_stock: Quantity,
    /// Maximum stock \[stock_maximo\].
    pub max_stock: Option<Quantity>,
    /// Reorder point; the seasonal minimum when absent.
    pub reorder_point: Option<Quantity>,
    /// Orders are rounded up to a multiple of this.
    pub pack_multiple: Quantity,
    /// Whether the goods expire.
    pub perishable: bool,
    /// The default supplier.
    pub supplier: Option<SupplierId>,
    /// Inactive products accept no movement.
    pub active: bool,
    /// Weighted-average unit cost, kept by the ledger.
    pub average_cost: UnitCost,
}

/// Stock a new product starts with: one `InitialStock` movement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitialStock {
    /// Where.
    pub location: LocationId,
    /// How much.
    pub quantity: Quantity,
    /// At what unit cost.
    pub unit_cost: UnitCost,
}

/// A product to create.
///
/// ```
/// use inventario_core::domain::NewProduct;
/// use inventario_core::domain::values::{Money, Quantity, Sku, UnitOfMeasure};
///
/// let mut banana = NewProduct::new(Sku::parse("VER-BANANA").unwrap(), "Banana Ecuador", "1890.00".parse().unwrap());
/// banana.unit = UnitOfMeasure::Kg;
/// banana.min_stock = "5.5".parse().unwrap();
/// assert!(banana.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProduct {
    /// SKU, unique per tenant.
    pub sku: Sku,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Category (stored lower-case).
    pub category: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// Unit of measure (default `unidad`).
    pub unit: UnitOfMeasure,
    /// Barcode.
    pub barcode: Option<Barcode>,
    /// Sale price.
    pub sale_price: Money,
    /// Wholesale price: above cost, at most the sale price.
    pub wholesale_price: Option<Money>,
    /// Minimum stock (default 0).
    pub min_stock: Quantity,
    /// Maximum stock, above the minimum.
    pub max_stock: Option<Quantity>,
    /// Reorder point.
    pub reorder_point: Option<Quantity>,
    /// Pack multiple for orders (default 1).
    pub pack_multiple: Quantity,
    /// Whether the goods expire.
    pub perishable: bool,
    /// Default supplier.
    pub supplier: Option<SupplierId>,
    /// Stock to start with.
    pub initial_stock: Option<InitialStock>,
}

impl NewProduct {
    /// A product sold by `unidad`, with no stock levels set.
    pub fn new(sku: Sku, name: impl Into<String>, sale_price: Money) -> NewProduct {
        NewProduct {
            sku,
            name: name.into(),
            description: None,
            category: None,
            brand: None,
            unit: UnitOfMeasure::Unidad,
            barcode: None,
            sale_price,
            wholesale_price: None,
            min_stock: Quantity::ZERO,
            max_stock: None,
            reorder_point: None,
            pack_multiple: Quantity::from_milli(1000),
            perishable: false,
            supplier: None,
            initial_stock: None,
        }
    }

    /// Checks every field and the rules between them; normalises the category to lower case.
    pub fn validate(mut self) -> Result<NewProduct, RuleError> {
        text("product name", &self.name, 200)?;
        optional_text("description", self.description.as_deref(), 2000)?;
        optional_text("brand", self.brand.as_deref(), 100)?;
        self.category = self.category.map(|c| c.trim().to_lowercase());
        optional_text("category", self.category.as_deref(), 100)?;
        let cost = self.initial_stock.map(|s| s.unit_cost);
        check_levels(
            self.unit,
            self.min_stock,
            self.max_stock,
            self.reorder_point,
            self.pack_multiple,
        )?;
        check_prices(self.sale_price, self.wholesale_price, cost)?;
        if let Some(initial) = self.initial_stock {
            self.unit.validate_movement_quantity(initial.quantity)?;
        }
        Ok(self)
    }
}

/// Changes to a product; `None` leaves a field as it is. Stock is never edited here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductChanges {
    /// New SKU (checked for uniqueness).
    pub sku: Option<Sku>,
    /// New name.
    pub name: Option<String>,
    /// New category.
    pub category: Option<String>,
    /// New brand.
    pub brand: Option<String>,
    /// New barcode (checked for uniqueness).
    pub barcode: Option<Barcode>,
    /// New sale price (writes price history).
    pub sale_price: Option<Money>,
    /// New wholesale price (writes price history).
    pub wholesale_price: Option<Money>,
    /// New minimum stock.
    pub min_stock: Option<Quantity>,
    /// New maximum stock.
    pub max_stock: Option<Quantity>,
    /// New reorder point.
    pub reorder_point: Option<Quantity>,
    /// New pack multiple.
    pub pack_multiple: Option<Quantity>,
    /// New default supplier.
    pub supplier: Option<SupplierId>,
    /// Accept a sale price below the minimum margin over the average cost.
    pub force_below_margin: bool,
}

impl ProductChanges {
    /// Applies the changes to a copy of `product` and checks the result as a whole.
    pub fn apply_to(&self, product: &Product) -> Result<Product, RuleError> {
        let mut next = product.clone();
        if let Some(sku) = &self.sku {
            next.sku = sku.clone();
        }
        if let Some(name) = &self.name {
            next.name = name.clone();
        }
        if let Some(category) = &self.category {
            next.category = Some(category.trim().to_lowercase());
        }
        if let Some(brand) = &self.brand {
            next.brand = Some(brand.clone());
        }
        if let Some(barcode) = &self.barcode {
            next.barcode = Some(barcode.clone());
        }
        next.sale_price = self.sale_price.unwrap_or(next.sale_price);
        next.wholesale_price = self.wholesale_price.or(next.wholesale_price);
        next.min_stock = self.min_stock.unwrap_or(next.min_stock);
        next.max_stock = self.max_stock.or(next.max_stock);
        next.reorder_point = self.reorder_point.or(next.reorder_point);
        next.pack_multiple = self.pack_multiple.unwrap_or(next.pack_multiple);
        next.supplier = self.supplier.or(next.supplier);
        text("product name", &next.name, 200)?;
        optional_text("brand", next.brand.as_deref(), 100)?;
        optional_text("category", next.category.as_deref(), 100)?;
        check_levels(
            next.unit,
            next.min_stock,
            next.max_stock,
            next.reorder_point,
            next.pack_multiple,
        )?;
        let cost = (next.average_cost > UnitCost::ZERO).then_some(next.average_cost);
        check_prices(next.sale_price, next.wholesale_price, cost)?;
        Ok(next)
    }
}

fn check_levels(
    unit: UnitOfMeasure,
    min: Quantity,
    max: Option<Quantity>,
    reorder_point: Option<Quantity>,
    pack: Quantity,
) -> Result<(), RuleError> {
    let problem = |p| Err(RuleError::InvalidProduct(p));
    let levels = [Some(min), max, reorder_point];
    if levels.iter().flatten().any(|q| q.is_negative()) {
        return problem(ProductProblem::NegativeStockLevel);
    }
    if !pack.is_positive() {
        return problem(ProductProblem::PackMultipleNotPositive);
    }
    if !unit.allows_fractions()
        && (levels.iter().flatten().any(|q| !q.is_whole()) || !pack.is_whole())
    {
        return problem(ProductProblem::FractionalLevel);
    }
    if max.is_some_and(|max| max <= min) {
        return problem(ProductProblem::MaxNotAboveMin);
    }
    Ok(())
}

fn check_prices(
    sale: Money,
    wholesale: Option<Money>,
    cost: Option<UnitCost>,
) -> Result<(), RuleError> {
    let problem = |p| Err(RuleError::InvalidProduct(p));
    if sale.is_negative() || wholesale.is_some_and(Money::is_negative) {
        return problem(ProductProblem::NegativePrice);
    }
    if let Some(wholesale) = wholesale {
        let above_cost = match cost {
            Some(cost) => UnitCost::from_money(wholesale)? > cost,
            None => true,
        };
        if !above_cost || wholesale > sale {
            return problem(ProductProblem::WholesaleOutOfRange);
        }
    }
    Ok(())
}

pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<(), RuleError> {
    let count = value.trim().chars().count();
    if count == 0 || count > max {
        return Err(RuleError::InvalidText { field, max });
    }
    Ok(())
}

pub(crate) fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<(), RuleError> {
    value.map_or(Ok(()), |v| text(field, v, max))
}

/// A supplier \[proveedor\], without its contact data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Supplier {
    /// Store-assigned id.
    pub id: SupplierId,
    /// Short code, unique per tenant (legacy codes: BC, CO, Q, …).
    pub code: String,
    /// Legal name \[razon_social\].
    pub legal_name: String,
    /// Trade name.
    pub trade_name: Option<String>,
    /// Tax condition \[condicion_iva\], e.g. `RESPONSABLE_INSCRIPTO`.
    pub tax_condition: Option<String>,
    /// Payment terms in days.
    pub payment_terms_days: Option<u32>,
    /// Brands the supplier sells directly.
    pub direct_brands: Vec<String>,
    /// Brands the supplier distributes.
    pub distributed_brands: Vec<String>,
    /// Categories the supplier covers.
    pub categories: Vec<String>,
    /// Words that exclude a product from this supplier's matches.
    pub exclude_keywords: Vec<String>,
    /// The tenant's default supplier (at most one).
    pub is_default: bool,
    /// Inactive suppliers get no new orders.
    pub active: bool,
}

/// A supplier to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSupplier {
    /// Short code, unique per tenant.
    pub code: String,
    /// Legal name.
    pub legal_name: String,
    /// Trade name.
    pub trade_name: Option<String>,
    /// Tax condition.
    pub tax_condition: Option<String>,
    /// Payment terms in days.
    pub payment_terms_days: Option<u32>,
    /// Brands sold directly.
    pub direct_brands: Vec<String>,
    /// Brands distributed.
    pub distributed_brands: Vec<String>,
    /// Categories covered.
    pub categories: Vec<String>,
    /// Exclude keywords.
    pub exclude_keywords: Vec<String>,
    /// Whether it is the default supplier.
    pub is_default: bool,
    /// Contact data (CUIT, phone, email, address): personal data, stored only encrypted under
    /// the supplier's own key.
    pub contact: Option<SupplierContact>,
}

impl NewSupplier {
    /// A supplier with only a code and a legal name.
    pub fn new(code: impl Into<String>, legal_name: impl Into<String>) -> NewSupplier {
        NewSupplier {
            code: code.into(),
            legal_name: legal_name.into(),
            trade_name: None,
            tax_condition: None,
            payment_terms_days: None,
            direct_brands: Vec::new(),
            distributed_brands: Vec::new(),
            categories: Vec::new(),
            exclude_keywords: Vec::new(),
            is_default: false,
            contact: None,
        }
    }

    /// Checks the fields; the code is trimmed and upper-cased.
    pub fn validate(mut self) -> Result<NewSupplier, RuleError> {
        self.code = self.code.trim().to_uppercase();
        text("supplier code", &self.code, 20)?;
        text("legal name", &self.legal_name, 200)?;
        optional_text("trade name", self.trade_name.as_deref(), 200)?;
        optional_text("tax condition", self.tax_condition.as_deref(), 50)?;
        for list in [
            &self.direct_brands,
            &self.distributed_brands,
            &self.categories,
            &self.exclude_keywords,
        ] {
            for item in list {
                text("supplier list entry", item, 100)?;
            }
        }
        Ok(self)
    }
}

/// A supplier's contact data: personal data, stored only encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct SupplierContact {
    /// CUIT (a person's CUIT embeds their DNI).
    pub cuit: Option<Cuit>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
}

impl std::fmt::Debug for SupplierContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SupplierContact(<redacted>)")
    }
}

/// Whether a customer is a person or a company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerKind {
    /// A person \[PERSONA\].
    Persona,
    /// A company \[EMPRESA\].
    Empresa,
}

/// Which price list a customer buys at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceList {
    /// GENERAL.
    General,
    /// MAYORISTA (wholesale).
    Mayorista,
    /// ESPECIAL.
    Especial,
}

/// A customer \[cliente\], without their identity and contact data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    /// Short code, unique per tenant.
    pub code: String,
    /// Person or company.
    pub kind: CustomerKind,
    /// Price list.
    pub price_list: PriceList,
    /// Credit limit.
    pub credit_limit: Money,
    /// Discount in percent, 0–100, exact to 2 decimals.
    pub discount_percent: Money,
}

impl Customer {
    /// Checks the discount range and the credit limit.
    pub fn validate(self) -> Result<Customer, RuleError> {
        text("customer code", &self.code, 20)?;
        let hundred = Money::from_centavos(10_000);
        if self.discount_percent.is_negative() || self.discount_percent > hundred {
            return Err(RuleError::InvalidText {
                field: "discount percent (0-100)",
                max: 6,
            });
        }
        if self.credit_limit.is_negative() {
            return Err(RuleError::InvalidProduct(ProductProblem::NegativePrice));
        }
        Ok(self)
    }
}

/// A customer's identity document.
#[derive(Clone, PartialEq, Eq)]
pub enum IdentityDocument {
    /// DNI.
    Dni(Dni),
    /// CUIT (companies and self-employed people).
    Cuit(Cuit),
    /// CUIL (employees).
    Cuil(Cuit),
    /// A passport number.
    Pasaporte(String),
}

impl std::fmt::Debug for IdentityDocument {
    /// Names the document type only: the number is personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            IdentityDocument::Dni(_) => "Dni",
            IdentityDocument::Cuit(_) => "Cuit",
            IdentityDocument::Cuil(_) => "Cuil",
            IdentityDocument::Pasaporte(_) => "Pasaporte",
        };
        write!(f, "{kind}(<redacted>)")
    }
}

/// A customer's names, document and contact: personal data, stored only encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomerIdentity {
    /// First names, or the company's legal name.
    pub names: String,
    /// Surname, for people.
    pub surname: Option<String>,
    /// Identity document.
    pub document: Option<IdentityDocument>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
}

impl std::fmt::Debug for CustomerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomerIdentity(<redacted>)")
    }
}

/// A quantity held for an order or a customer at a location until it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// Store-assigned id.
    pub id: ReservationId,
    /// The product held.
    pub product: ProductId,
    /// Where.
    pub location: LocationId,
    /// How much was reserved.
    pub quantity: Quantity,
    /// How much is still held.
    pub remaining: Quantity,
    /// What it is for (an order number, a customer code).
    pub reference: Option<String>,
    /// After this instant it holds nothing.
    pub expires_at: Option<DateTime<Utc>>,
    /// Its state.
    pub status: ReservationStatus,
}

/// The life of a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReservationStatus {
    /// Holding stock.
    Active,
    /// Consumed by sales.
    Fulfilled,
    /// Cancelled by a caller.
    Released,
    /// Passed its expiry.
    Expired,
}

impl ReservationStatus {
    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            ReservationStatus::Active => "active",
            ReservationStatus::Fulfilled => "fulfilled",
            ReservationStatus::Released => "released",
            ReservationStatus::Expired => "expired",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<ReservationStatus> {
        [Self::Active, Self::Fulfilled, Self::Released, Self::Expired]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Which price a history row records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceKind {
    /// Purchase cost.
    Cost,
    /// Sale price.
    Sale,
    /// Wholesale price.
    Wholesale,
}

/// What caused a price change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceSource {
    /// A person changed it.
    Manual,
    /// A receipt at a new cost.
    Receipt,
    /// A repricing run.
    Repricing,
    /// An import from another system.
    Import,
}

macro_rules! codes {
    ($ty:ty { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $ty {
            /// The stored code.
            pub const fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            /// Parses a stored code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

codes!(PriceKind { Cost => "cost", Sale => "sale", Wholesale => "wholesale" });
codes!(PriceSource { Manual => "manual", Receipt => "receipt", Repricing => "repricing", Import => "import" });
codes!(CustomerKind { Persona => "PERSONA", Empresa => "EMPRESA" });
codes!(PriceList { General => "GENERAL", Mayorista => "MAYORISTA", Especial => "ESPECIAL" });

/// One row of a product's price history. Values are unit costs (4 decimals) so that costs and
/// prices share one exact column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceChange {
    /// The product.
    pub product: ProductId,
    /// Which price.
    pub kind: PriceKind,
    /// The new value.
    pub value: UnitCost,
    /// From when it applies.
    pub valid_from: DateTime<Utc>,
    /// What caused it.
    pub source: PriceSource,
}

/// A day range, both ends included, as the dashboard queries take them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// First day.
    pub start: NaiveDate,
    /// Last day, included.
    pub end: NaiveDate,
}

impl DateRange {
    /// The days from `start` to `end`, both included; a range that ends before it starts is
    /// refused.
    ///
    /// ```
    /// use inventario_core::domain::DateRange;
    /// use inventario_core::types::chrono::NaiveDate;
    /// let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    /// assert!(DateRange::new(day(1), day(1)).is_ok());
    /// let err = DateRange::new(day(9), day(2)).unwrap_err();
    /// assert_eq!(err.to_string(), "the date range ends (2026-03-02) before it starts (2026-03-09)");
    /// ```
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<DateRange, ReversedDateRange> {
        if end < start {
            return Err(ReversedDateRange { start, end });
        }
        Ok(DateRange { start, end })
    }
}

/// A date range that ends before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the date range ends ({end}) before it starts ({start})")]
pub struct ReversedDateRange {
    /// The first day asked for.
    pub start: NaiveDate,
    /// The last day asked for, earlier than `start`.
    pub end: NaiveDate,
}
