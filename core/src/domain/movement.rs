//! Stock movements: the kinds of DOMAIN 3, the commands that request them and the ledger rows
//! they produce.
//!
//! One model: a kind, a positive quantity, and a direction derived from the kind. The rules that
//! accept or refuse a command live in [`super::book`]; this module only describes them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::error::RuleError;
use super::ids::{Actor, LocationId, MovementId, ProductId, ReservationId};
use super::values::{Money, Quantity, UnitCost};

/// The kind of a ledger row. Stored as [`MovementKind::code`]; exported with the legacy
/// `tipo`/`subtipo` pair of [`MovementKind::legacy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MovementKind {
    /// Stock a product starts with when it is created.
    InitialStock,
    /// Goods received from a supplier at a unit cost.
    Receipt,
    /// Goods sold to a customer.
    Sale,
    /// Goods a customer brought back.
    CustomerReturn,
    /// Goods sent back to a supplier.
    SupplierReturn,
    /// Goods lost: expired, damaged, stolen.
    Loss,
    /// A correction after a count or a system repair.
    Adjustment,
    /// The leaving half of a transfer.
    TransferOut,
    /// The arriving half of a transfer.
    TransferIn,
}

impl MovementKind {
    /// Every kind, in a stable order.
    pub const ALL: [MovementKind; 9] = [
        MovementKind::InitialStock,
        MovementKind::Receipt,
        MovementKind::Sale,
        MovementKind::CustomerReturn,
        MovementKind::SupplierReturn,
        MovementKind::Loss,
        MovementKind::Adjustment,
        MovementKind::TransferOut,
        MovementKind::TransferIn,
    ];

    /// The stable code stored in the ledger.
    pub const fn code(self) -> &'static str {
        match self {
            MovementKind::InitialStock => "initial_stock",
            MovementKind::Receipt => "receipt",
            MovementKind::Sale => "sale",
            MovementKind::CustomerReturn => "customer_return",
            MovementKind::SupplierReturn => "supplier_return",
            MovementKind::Loss => "loss",
            MovementKind::Adjustment => "adjustment",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
        }
    }

    /// The legacy `(tipo, subtipo)` pair, kept for existing dashboards and reports.
    pub const fn legacy(self) -> (&'static str, &'static str) {
        match self {
            MovementKind::InitialStock => ("ENTRADA", "STOCK_INICIAL"),
            MovementKind::Receipt => ("ENTRADA", "COMPRA"),
            MovementKind::Sale => ("SALIDA", "VENTA"),
            MovementKind::CustomerReturn => ("ENTRADA", "DEVOLUCION"),
            MovementKind::SupplierReturn => ("SALIDA", "DEVOLUCION_PROVEEDOR"),
            MovementKind::Loss => ("SALIDA", "MERMA"),
            MovementKind::Adjustment => ("AJUSTE", "CORRECCION"),
            MovementKind::TransferOut => ("TRANSFERENCIA", "SALIDA"),
            MovementKind::TransferIn => ("TRANSFERENCIA", "ENTRADA"),
        }
    }
}

impl fmt::Display for MovementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for MovementKind {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MovementKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// A stored code that this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown code {0:?}")]
pub struct UnknownCode(pub String);

/// Why goods were lost \[merma\].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LossReason {
    /// Past the expiry date \[vencido\].
    Expired,
    /// Broken or spoiled \[dañado\].
    Damaged,
    /// Stolen \[robo\].
    Theft,
    /// Anything else; say what in the request's reason.
    Other,
}

impl LossReason {
    /// The stable code stored in the ledger's reason.
    pub const fn code(self) -> &'static str {
        match self {
            LossReason::Expired => "expired",
            LossReason::Damaged => "damaged",
            LossReason::Theft => "theft",
            LossReason::Other => "other",
        }
    }
}

impl FromStr for LossReason {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            LossReason::Expired,
            LossReason::Damaged,
            LossReason::Theft,
            LossReason::Other,
        ]
        .into_iter()
        .find(|r| r.code() == s)
        .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// How an adjustment changes a balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdjustmentChange {
    /// Add (positive) or remove (negative) this much.
    Delta(Quantity),
    /// A count found this much: the delta is computed from the balance.
    Counted(Quantity),
}

/// What a caller asks the ledger to do. Quantities are positive; the kind gives the direction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StockCommand {
    /// Receive goods at a unit cost; updates the weighted-average cost.
    Receipt {
        /// The product received.
        product: ProductId,
        /// Where it was put.
        location: LocationId,
        /// How much.
        quantity: Quantity,
        /// What one unit cost.
        unit_cost: UnitCost,
    },
    /// Sell goods; records the cost of goods sold at the current average cost.
    Sale {
        /// The product sold.
        product: ProductId,
        /// Where it was taken from.
        location: LocationId,
        /// How much.
        quantity: Quantity,
        /// The reservation this sale fulfils, whose held stock it may use.
        reservation: Option<ReservationId>,
    },
    /// Take back goods from a customer.
    CustomerReturn {
        /// The product returned.
        product: ProductId,
        /// Where it was put.
        location: LocationId,
        /// How much.
        quantity: Quantity,
        /// The original sale: the return is valued at the cost recorded on it. Without it, at the
        /// current average cost.
        original_sale: Option<MovementId>,
    },
    /// Send goods back to a supplier.
    SupplierReturn {
        /// The product returned.
        product: ProductId,
        /// Where it was taken from.
        location: LocationId,
        /// How much.
        quantity: Quantity,
    },
    /// Write off lost goods.
    Loss {
        /// The product lost.
        product: ProductId,
        /// Where it was lost.
        location: LocationId,
        /// How much.
        quantity: Quantity,
        /// Why.
        reason: LossReason,
    },
    /// Correct a balance; the request must carry a reason.
    Adjustment {
        /// The product adjusted.
        product: ProductId,
        /// Where.
        location: LocationId,
        /// By how much, or to what count.
        change: AdjustmentChange,
    },
    /// Move goods between two locations: two linked rows, total stock and value unchanged.
    Transfer {
        /// The product moved.
        product: ProductId,
        /// Where it leaves.
        from: LocationId,
        /// Where it arrives.
        to: LocationId,
        /// How much.
        quantity: Quantity,
    },
}

impl StockCommand {
    /// The product the command moves.
    pub fn product(&self) -> ProductId {
        match *self {
            StockCommand::Receipt { product, .. }
            | StockCommand::Sale { product, .. }
            | StockCommand::CustomerReturn { product, .. }
            | StockCommand::SupplierReturn { product, .. }
            | StockCommand::Loss { product, .. }
            | StockCommand::Adjustment { product, .. }
            | StockCommand::Transfer { product, .. } => product,
        }
    }

    /// The locations the command touches (two for a transfer).
    pub fn locations(&self) -> Vec<LocationId> {
        match *self {
            StockCommand::Receipt { location, .. }
            | StockCommand::Sale { location, .. }
            | StockCommand::CustomerReturn { location, .. }
            | StockCommand::SupplierReturn { location, .. }
            | StockCommand::Loss { location, .. }
            | StockCommand::Adjustment { location, .. } => vec![location],
            StockCommand::Transfer { from, to, .. } => vec![from, to],
        }
    }

    /// Writes an unambiguous encoding of the command into a fingerprint.
    fn write_canonical(&self, out: &mut Canonical) {
        match self {
            StockCommand::Receipt {
                product,
                location,
                quantity,
                unit_cost,
            } => {
                out.str("receipt")
                    .int(product.0)
                    .int(location.0)
                    .int(quantity.milli());
                out.int(unit_cost.ten_thousandths());
            }
            StockCommand::Sale {
                product,
                location,
                quantity,
                reservation,
            } => {
                out.str("sale")
                    .int(product.0)
                    .int(location.0)
                    .int(quantity.milli());
                out.opt_int(reservation.map(|r| r.0));
            }
            StockCommand::CustomerReturn {
                product,
                location,
                quantity,
                original_sale,
            } => {
                out.str("customer_return")
                    .int(product.0)
                    .int(location.0)
                    .int(quantity.milli());
                out.opt_int(original_sale.map(|m| m.0));
            }
            StockCommand::SupplierReturn {
                product,
                location,
                quantity,
            } => {
                out.str("supplier_return")
                    .int(product.0)
                    .int(location.0)
                    .int(quantity.milli());
            }
            StockCommand::Loss {
                product,
                location,
                quantity,
                reason,
            } => {
                out.str("loss")
                    .int(product.0)
                    .int(location.0)
                    .int(quantity.milli());
                out.str(reason.code());
            }
            StockCommand::Adjustment {
                product,
                location,
                change,
            } => {
                out.str("adjustment").int(product.0).int(location.0);
                match change {
                    AdjustmentChange::Delta(q) => out.str("delta").int(q.milli()),
                    AdjustmentChange::Counted(q) => out.str("counted").int(q.milli()),
                };
            }
            StockCommand::Transfer {
                product,
                from,
                to,
                quantity,
            } => {
                out.str("transfer")
                    .int(product.0)
                    .int(from.0)
                    .int(to.0)
                    .int(quantity.milli());
            }
        }
    }
}

/// A command with what the ledger records around it.
///
/// ```
/// use inventario_core::domain::{LocationId, MovementRequest, ProductId};
/// use inventario_core::domain::values::{Quantity, UnitCost};
///
/// let receipt = MovementRequest::receipt(
///     ProductId(1),
///     LocationId(1),
///     Quantity::from_units(12).unwrap(),
///     "850.00".parse::<UnitCost>().unwrap(),
/// )
/// .reference("FC-A-0001-00001234")
/// .idempotency_key("invoice:0001-00001234:line:1");
/// assert_eq!(receipt.idempotency_key.as_deref(), Some("invoice:0001-00001234:line:1"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovementRequest {
    /// What to do.
    pub command: StockCommand,
    /// Why, in the caller's words; required for adjustments and for losses of reason `Other`.
    pub reason: Option<String>,
    /// The document behind the movement \[documento_referencia\]: invoice, ticket, order.
    pub reference: Option<String>,
    /// Lot of the goods, when tracked.
    pub lot: Option<String>,
    /// Expiry date of the goods, when tracked.
    pub expiry: Option<NaiveDate>,
    /// A caller-chosen key: a retry with the same key and payload returns the first result.
    pub idempotency_key: Option<String>,
    /// Who performs it, overriding the handle's actor for this call.
    pub actor: Option<Actor>,
    /// When it happened in the shop, if not now (a paper record typed in later). The ledger also
    /// keeps when it was recorded; ordering is by sequence number, never by these times.
    pub occurred_at: Option<DateTime<Utc>>,
}

impl MovementRequest {
    /// A request for `command` with nothing else set.
    pub fn new(command: StockCommand) -> MovementRequest {
        MovementRequest {
            command,
            reason: None,
            reference: None,
            lot: None,
            expiry: None,
            idempotency_key: None,
            actor: None,
            occurred_at: None,
        }
    }

    /// Receive `quantity` at `unit_cost`.
    pub fn receipt(
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
        unit_cost: UnitCost,
    ) -> MovementRequest {
        MovementRequest::new(StockCommand::Receipt {
            product,
            location,
            quantity,
            unit_cost,
        })
    }

    /// Sell `quantity`.
    pub fn sale(product: ProductId, location: LocationId, quantity: Quantity) -> MovementRequest {
        MovementRequest::new(StockCommand::Sale {
            product,
            location,
            quantity,
            reservation: None,
        })
    }

    /// Take back `quantity` from a customer.
    pub fn customer_return(
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
        original_sale: Option<MovementId>,
    ) -> MovementRequest {
        MovementRequest::new(StockCommand::CustomerReturn {
            product,
            location,
            quantity,
            original_sale,
        })
    }

    /// Send `quantity` back to the supplier.
    pub fn supplier_return(
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
    ) -> MovementRequest {
        MovementRequest::new(StockCommand::SupplierReturn {
            product,
            location,
            quantity,
        })
    }

    /// Write off `quantity` for `reason`.
    pub fn loss(
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
        reason: LossReason,
    ) -> MovementRequest {
        MovementRequest::new(StockCommand::Loss {
            product,
            location,
            quantity,
            reason,
        })
    }

    /// Adjust by a signed delta, saying why.
    pub fn adjustment(
        product: ProductId,
        location: LocationId,
        delta: Quantity,
        reason: impl Into<String>,
    ) -> MovementRequest {
        MovementRequest::new(StockCommand::Adjustment {
            product,
            location,
            change: AdjustmentChange::Delta(delta),
        })
        .reason(reason)
    }

    /// Set the balance to a counted quantity, saying why.
    pub fn count(
        product: ProductId,
        location: LocationId,
        counted: Quantity,
        reason: impl Into<String>,
    ) -> MovementRequest {
        MovementRequest::new(StockCommand::Adjustment {
            product,
            location,
            change: AdjustmentChange::Counted(counted),
        })
        .reason(reason)
    }

    /// Move `quantity` from one location to another.
    pub fn transfer(
        product: ProductId,
        from: LocationId,
        to: LocationId,
        quantity: Quantity,
    ) -> MovementRequest {
        MovementRequest::new(StockCommand::Transfer {
            product,
            from,
            to,
            quantity,
        })
    }

    /// Sets the reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets the reference document.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Sets the lot and, optionally, the expiry date.
    pub fn lot(mut self, lot: impl Into<String>, expiry: Option<NaiveDate>) -> Self {
        self.lot = Some(lot.into());
        self.expiry = expiry;
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Performs the request as `actor` instead of the handle's actor.
    pub fn by(mut self, actor: Actor) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Records that the movement happened at `at` rather than now.
    pub fn occurred_at(mut self, at: DateTime<Utc>) -> Self {
        self.occurred_at = Some(at);
        self
    }

    /// Checks the text fields: lengths, and a reason where the kind needs one (adjustments, and
    /// losses whose reason is `Other`).
    pub fn validate(&self) -> Result<(), RuleError> {
        let blank = self.reason.as_deref().is_none_or(|r| r.trim().is_empty());
        let needs_reason = match self.command {
            StockCommand::Adjustment { .. } => Some(MovementKind::Adjustment),
            StockCommand::Loss {
                reason: LossReason::Other,
                ..
            } => Some(MovementKind::Loss),
            _ => None,
        };
        if let (Some(kind), true) = (needs_reason, blank) {
            return Err(RuleError::MissingReason { kind });
        }
        check_optional_text("reason", self.reason.as_deref(), 500)?;
        check_optional_text("reference", self.reference.as_deref(), 200)?;
        check_optional_text("lot", self.lot.as_deref(), 100)?;
        check_optional_text("idempotency key", self.idempotency_key.as_deref(), 200)?;
        Ok(())
    }

    /// SHA-256 of everything that defines the request's effect, for idempotency checks.
    ///
    /// Two requests with the same fingerprint do the same thing. The actor, the key itself and
    /// `occurred_at` are left out: a retry by another worker, or a few milliseconds later, is
    /// the same request.
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut out = Canonical::default();
        out.str("inventario-core/movement/v1");
        self.command.write_canonical(&mut out);
        out.opt_str(self.reason.as_deref());
        out.opt_str(self.reference.as_deref());
        out.opt_str(self.lot.as_deref());
        out.opt_str(self.expiry.map(|d| d.to_string()).as_deref());
        out.finish()
    }
}

fn check_optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<(), RuleError> {
    match value {
        Some(v) if v.trim().is_empty() || v.chars().count() > max => {
            Err(RuleError::InvalidText { field, max })
        }
        _ => Ok(()),
    }
}

/// A length-prefixed byte encoding hashed into a fingerprint, so that no two different field
/// sequences encode alike.
#[derive(Default)]
struct Canonical(Sha256);

impl Canonical {
    fn str(&mut self, s: &str) -> &mut Self {
        self.0.update((s.len() as u64).to_be_bytes());
        self.0.update(s.as_bytes());
        self
    }

    fn int(&mut self, v: i64) -> &mut Self {
        self.0.update(v.to_be_bytes());
        self
    }

    fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.str("some").int(v),
            None => self.str("none"),
        }
    }

    fn opt_str(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.str("some").str(v),
            None => self.str("none"),
        }
    }

    fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// A ledger row computed by the rules, before the store gives it an id and times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovementDraft {
    /// The product moved.
    pub product: ProductId,
    /// Where.
    pub location: LocationId,
    /// The kind of row.
    pub kind: MovementKind,
    /// The positive quantity moved.
    pub quantity: Quantity,
    /// The signed change of the balance.
    pub delta: Quantity,
    /// The balance before.
    pub before: Quantity,
    /// The balance after: always `before + delta`.
    pub after: Quantity,
    /// The unit cost the row is valued at.
    pub unit_cost: UnitCost,
    /// `delta × unit_cost`, rounded HALF_UP to centavos; negative for outgoing rows.
    pub value: Money,
    /// Position in the (product, location) ledger, from 1.
    pub seq: i64,
    /// Whether the location allows a negative balance (kept on the row for the schema's check).
    pub negative_allowed: bool,
    /// Why goods were lost, on loss rows.
    pub loss_reason: Option<LossReason>,
}

/// A stored ledger row \[movimiento_stock\].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Movement {
    /// The row's id: increasing in commit order within a store, usable as a change-feed cursor.
    pub id: MovementId,
    /// The product moved.
    pub product: ProductId,
    /// Where.
    pub location: LocationId,
    /// The kind of row.
    pub kind: MovementKind,
    /// The positive quantity moved.
    pub quantity: Quantity,
    /// The signed change of the balance.
    pub delta: Quantity,
    /// The balance before.
    pub before: Quantity,
    /// The balance after (`before + delta`).
    pub after: Quantity,
    /// The unit cost the row is valued at.
    pub unit_cost: UnitCost,
    /// `delta × unit_cost`, HALF_UP to centavos.
    pub value: Money,
    /// Position in the (product, location) ledger, from 1.
    pub seq: i64,
    /// The reference document.
    pub reference: Option<String>,
    /// The lot.
    pub lot: Option<String>,
    /// The expiry date.
    pub expiry: Option<NaiveDate>,
    /// Who recorded it.
    pub actor: String,
    /// Why, in the caller's words.
    pub reason: Option<String>,
    /// Why goods were lost, on loss rows.
    pub loss_reason: Option<LossReason>,
    /// The idempotency key of the request that wrote it.
    pub idempotency_key: Option<String>,
    /// The other half of a transfer.
    pub linked_movement: Option<MovementId>,
    /// When it happened in the shop.
    pub occurred_at: DateTime<Utc>,
    /// When the ledger recorded it.
    pub recorded_at: DateTime<Utc>,
}
