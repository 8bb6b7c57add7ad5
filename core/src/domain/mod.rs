//! The inventory rules of DOMAIN.md: pure and synchronous, no I/O, no async, no database.
//!
//! [`values`] holds the exact value types; [`catalog`] the entities; [`movement`] the ledger's
//! commands and rows; [`book`] applies commands to an in-memory slice of the inventory;
//! [`replenishment`] computes seasonal minimums and reorder suggestions. The store loads what a
//! command needs, lets these modules decide, and writes the result in one transaction.

pub mod book;
pub mod catalog;
pub mod commands;
mod error;
mod ids;
pub mod movement;
pub mod orders;
pub mod pricing;
pub mod privacy;
pub mod replenishment;
pub mod suppliers;
pub mod text;
pub mod values;

pub use catalog::{
    Customer, CustomerIdentity, CustomerKind, DateRange, IdentityDocument, InitialStock, Location,
    NewLocation, NewProduct, NewSupplier, PriceChange, PriceKind, PriceList, PriceSource, Product,
    ProductChanges, Reservation, ReservationStatus, ReversedDateRange, Supplier, SupplierContact,
};
pub use error::{InUse, ProductProblem, RuleError};
pub use ids::{
    Actor, CustomerId, LocationId, MovementId, OrderId, OrderLineId, ProductId, ReservationId,
    SupplierId, TenantId,
};
pub use movement::{
    AdjustmentChange, LossReason, Movement, MovementDraft, MovementKind, MovementRequest,
    StockCommand,
};
