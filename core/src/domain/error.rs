//! Why the inventory rules refuse a command.
//!
//! Every rejection is a value of [`RuleError`]; a refused command changes nothing.

use super::ids::{CustomerId, LocationId, MovementId, ProductId, ReservationId, SupplierId};
use super::movement::MovementKind;
use super::values::{Barcode, Quantity, Sku, ValueError};

/// A command broke an inventory rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A value (money, quantity, SKU, barcode, CUIT, …) is malformed.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// The product does not exist in this tenant, or it is inactive.
    #[error("product not found or inactive: {0}")]
    ProductNotFound(ProductId),
    /// No product of this tenant has the SKU.
    #[error("no product with SKU {0}")]
    SkuNotFound(Sku),
    /// A return references a movement that is not a sale of the same product.
    #[error("{0} is not a sale of this product")]
    SaleNotFound(MovementId),
    /// The location does not exist in this tenant.
    #[error("location not found: {0}")]
    LocationNotFound(LocationId),
    /// The supplier does not exist in this tenant.
    #[error("supplier not found: {0}")]
    SupplierNotFound(SupplierId),
    /// The customer does not exist in this tenant.
    #[error("customer not found: {0}")]
    CustomerNotFound(CustomerId),
    /// A customer with this code already exists in this tenant.
    #[error("customer code already used: {0}")]
    DuplicateCustomerCode(String),
    /// The movement would take the balance below what the location allows.
    #[error("insufficient stock: available {available}, requested {requested}")]
    InsufficientStock {
        /// What could be taken.
        available: Quantity,
        /// What the command asked for.
        requested: Quantity,
    },
    /// A transfer names the same location twice.
    #[error("a transfer needs two different locations")]
    TransferToSameLocation,
    /// Adjustments and losses must say why.
    #[error("a {kind} needs a reason")]
    MissingReason {
        /// The kind of movement that lacked a reason.
        kind: MovementKind,
    },
    /// A counted adjustment equal to the balance would record a zero movement.
    #[error("the counted quantity equals the balance: nothing to adjust")]
    AdjustmentChangesNothing,
    /// The reservation does not exist or is no longer active.
    #[error("reservation not found or no longer active: {0}")]
    ReservationNotFound(ReservationId),
    /// The reservation holds another product or another location.
    #[error("{0} is for another product or location")]
    ReservationMismatch(ReservationId),
    /// Tenant ids are 1–64 characters of `a-z`, `0-9`, `-` and `_`.
    #[error("tenant id must be 1-64 characters of a-z, 0-9, '-' and '_'")]
    InvalidTenant,
    /// Actor names are 1–200 characters after trimming.
    #[error("actor must be 1-200 characters")]
    InvalidActor,
    /// Another product of the tenant already has the SKU.
    #[error("SKU {0} is already used by another product")]
    DuplicateSku(Sku),
    /// Another product of the tenant already has the barcode.
    #[error("barcode {0} is already used by another product")]
    DuplicateBarcode(Barcode),
    /// Another location of the tenant already has the code.
    #[error("location code {0:?} is already used")]
    DuplicateLocationCode(String),
    /// Another supplier of the tenant already has the code.
    #[error("supplier code {0:?} is already used")]
    DuplicateSupplierCode(String),
    /// A product's fields are inconsistent.
    #[error("invalid product: {0}")]
    InvalidProduct(ProductProblem),
    /// A text field is empty or too long.
    #[error("{field} must be 1-{max} characters")]
    InvalidText {
        /// The field's name.
        field: &'static str,
        /// The longest accepted length, in characters.
        max: usize,
    },
    /// A product still holds stock or reservations and cannot be deactivated.
    #[error("{product} cannot be deactivated: {reason}")]
    ProductInUse {
        /// The product.
        product: ProductId,
        /// What still references it.
        reason: InUse,
    },
}

/// How a product's fields contradict each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProductProblem {
    /// `stock_maximo` must exceed `stock_minimo`.
    #[error("max stock must be greater than min stock")]
    MaxNotAboveMin,
    /// Minimums, reorder points and maximums are never negative.
    #[error("stock levels must not be negative")]
    NegativeStockLevel,
    /// Products sold by `unidad` take whole stock levels and pack multiples.
    #[error("stock levels and pack multiple of a unidad product must be whole")]
    FractionalLevel,
    /// The pack multiple must be positive.
    #[error("pack multiple must be greater than zero")]
    PackMultipleNotPositive,
    /// Prices are never negative.
    #[error("prices must not be negative")]
    NegativePrice,
    /// `cost < wholesale ≤ sale`.
    #[error("wholesale price must be above cost and at most the sale price")]
    WholesaleOutOfRange,
}

/// What keeps a product from being deactivated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InUse {
    /// Some location still has stock on hand.
    StockOnHand,
    /// An active reservation references it.
    Reservations,
    /// An open purchase order line still expects it.
    OpenOrders,
}

impl std::fmt::Display for InUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InUse::StockOnHand => "it still has stock on hand",
            InUse::Reservations => "an active reservation references it",
            InUse::OpenOrders => "an open purchase order still expects it",
        })
    }
}
