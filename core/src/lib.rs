//! # inventario-core
//!
//! Retail inventory for Argentine shops: an exact, append-only stock ledger with derived
//! balances, weighted-average valuation, seasonal minimums and reorder suggestions, over an
//! embedded SQLite store or a PostgreSQL server (the URL chooses; docs/SCALING.md). Money and
//! quantities are exact integers of minor units, never floats.
//!
//! Start with [`Inventory`]: open a store, create locations, suppliers and products, record
//! movements with [`MovementRequest`], and query stock. The rules themselves live in
//! [`domain`], pure and synchronous, usable without a database. Field encryption (envelopes,
//! key wrapping, blind indexes) is in [`crypto`], equally pure. Every committed command also
//! appends one record to the tamper-evident chain of [`audit`], and [`metrics`] reports what the
//! store does to a sink of your own or to a Prometheus registry.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), inventario_core::Error> {
//! use inventario_core::crypto::MasterKey;
//! use inventario_core::domain::values::{Quantity, Sku};
//! use inventario_core::{Inventory, MovementRequest, NewLocation, NewProduct, RuleError};
//!
//! let inv = Inventory::open("sqlite::memory:", MasterKey::generate().into(), "cajero-1").await?;
//! let shop = inv.create_location(NewLocation::new("LOCAL", "Salón")).await?;
//! let coca = inv
//!     .create_product(NewProduct::new(Sku::parse("BEB-COCA-2L")?, "Coca-Cola 2 L", "3500.00".parse()?))
//!     .await?;
//! inv.record(MovementRequest::receipt(coca.id, shop.id, Quantity::from_units(10)?, "2100".parse()?)).await?;
//!
//! let oversell = inv.record(MovementRequest::sale(coca.id, shop.id, Quantity::from_units(15)?)).await;
//! let err = oversell.unwrap_err();
//! assert!(matches!(err.rule(), Some(RuleError::InsufficientStock { .. })));
//! assert_eq!(err.to_string(), "insufficient stock: available 10, requested 15");
//! # Ok(()) }
//! ```

#![forbid(unsafe_code, unused_must_use)]
#![deny(missing_docs, unreachable_pub, trivial_casts, unused_qualifications)]

pub mod audit;
pub mod backup;
pub mod crypto;
pub mod domain;
mod error;
pub mod import;
/// Crates whose types appear in this API (`occurred_at` instants, time zones, exact thresholds),
/// re-exported so that callers use the same versions.
pub mod types {
    pub use chrono;
    pub use chrono_tz;
    pub use rust_decimal;
}
mod inventory;
mod keyring;
pub mod metrics;
mod store;

pub use domain::{
    Actor, CustomerId, LocationId, LossReason, MovementId, MovementKind, MovementRequest,
    NewLocation, NewProduct, NewSupplier, OrderId, ProductChanges, ProductId, ReservationId,
    RuleError, StockCommand, SupplierId, TenantId,
};
pub use error::{Error, Result, StoreError};
pub use inventory::{Inventory, OpenOptions};
pub use keyring::{
    DataKeyRotation, Keyring, KeyringOptions, MasterKeyRotation, DEFAULT_KEYRING_ACTOR,
};
pub use store::{
    BackupPruneReport, ExportedAuditEvent, ExportedField, ExportedValue, KeptFiscalPart,
    NewPrivacyRequest, PendingRequest, PrivacyRequest, RectificationReceipt, RetentionReport,
    SubjectExport, SubjectReference, EXPORT_FORMAT,
};
pub use store::{
    CriticalProduct, DashboardSummary, DraftedOrders, ErasureReceipt, FloorOutcome, FloorSetup,
    HistoryFilter, LedgerDiscrepancy, LedgerReport, MonthlyTrend, NewCustomer, NewOrderLine,
    OrderReceipt, OverStock, Page, ProviderStats, Recorded, ReencryptProgress, ReencryptReport,
    RepriceBase, RepriceReport, RepriceScope, Repriced, Repricing, StockRow, StockValue,
    StoredCustomer, SubjectKind, SupplierStock, TimelineEntry, TopOrdered, TopProduct, WeeklySales,
    REPAIR_REASON,
};

/// The README's example, compiled and run as a doctest so that it stays true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
