//! Purchase orders \[pedidos\] (DOMAIN 2 and 4): their life from draft to received or cancelled,
//! and what a receipt against them may do.
//!
//! Lines name a product by id, never by free text (legacy fix). Receiving never exceeds what was
//! ordered; each receipt becomes a `Receipt` movement whose idempotency key is
//! `order:<order id>:<line id>:<receipt n>`, so every partial receipt is its own movement.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::ids::{OrderId, OrderLineId, ProductId, SupplierId};
use super::values::{Quantity, UnitCost, ValueError};

/// Where an order is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderStatus {
    /// Being prepared; not yet sent to the supplier.
    Draft,
    /// Sent to the supplier.
    Sent,
    /// Some goods arrived.
    PartiallyReceived,
    /// Everything arrived.
    Received,
    /// Called off; what had arrived stays received.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in life order.
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Draft,
        OrderStatus::Sent,
        OrderStatus::PartiallyReceived,
        OrderStatus::Received,
        OrderStatus::Cancelled,
    ];

    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Sent => "sent",
            OrderStatus::PartiallyReceived => "partially_received",
            OrderStatus::Received => "received",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Open orders still expect goods: their outstanding quantities are "on order".
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            OrderStatus::Draft | OrderStatus::Sent | OrderStatus::PartiallyReceived
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a caller tries to do to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderAction {
    /// Send a draft.
    Send,
    /// Call it off.
    Cancel,
    /// Receive goods against it.
    Receive,
}

impl fmt::Display for OrderAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OrderAction::Send => "send",
            OrderAction::Cancel => "cancel",
            OrderAction::Receive => "receive",
        })
    }
}

/// Why an order refused an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// The order does not exist in this tenant.
    #[error("purchase order not found: {0}")]
    NotFound(OrderId),
    /// The action does not apply to an order in this status.
    #[error("cannot {action} an order that is {status}")]
    InvalidTransition {
        /// The order's status.
        status: OrderStatus,
        /// What was attempted.
        action: OrderAction,
    },
    /// The line does not belong to the order.
    #[error("{line} is not a line of {order}")]
    UnknownLine {
        /// The order.
        order: OrderId,
        /// The line.
        line: OrderLineId,
    },
    /// More would be received than is still outstanding on the line.
    #[error("{line} has {outstanding} outstanding; cannot receive {requested}")]
    ExceedsOutstanding {
        /// The line.
        line: OrderLineId,
        /// What is still expected.
        outstanding: Quantity,
        /// What the receipt asked for.
        requested: Quantity,
    },
    /// A receipt names the same line twice.
    #[error("{0} appears twice in one receipt")]
    DuplicateLine(OrderLineId),
    /// An order needs at least one line, and a product at most once.
    #[error("an order needs at least one line and each product once")]
    InvalidLines,
    /// A quantity or cost is malformed.
    #[error(transparent)]
    Value(#[from] ValueError),
}

/// One product on an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    /// Store-assigned id.
    pub id: OrderLineId,
    /// The product, by id.
    pub product: ProductId,
    /// How much was ordered.
    pub quantity: Quantity,
    /// The unit cost expected from the supplier.
    pub expected_unit_cost: UnitCost,
    /// How much arrived so far.
    pub received: Quantity,
    /// How many receipts were recorded against the line.
    pub receipts: u32,
}

impl OrderLine {
    /// What is still expected: ordered − received, never negative.
    pub fn outstanding(&self) -> Quantity {
        self.quantity
            .checked_sub(self.received)
            .map_or(Quantity::ZERO, |q| q.max(Quantity::ZERO))
    }
}

/// A purchase order \[pedido\].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseOrder {
    /// Store-assigned id.
    pub id: OrderId,
    /// The supplier.
    pub supplier: SupplierId,
    /// `PED-<supplier code>-<yyyymmdd>-<n>`.
    pub number: String,
    /// Where it is in its life.
    pub status: OrderStatus,
    /// When the goods are expected.
    pub expected_date: Option<NaiveDate>,
    /// The lines, in creation order.
    pub lines: Vec<OrderLine>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// One line of a receipt against an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineReceipt {
    /// The order line.
    pub line: OrderLineId,
    /// How much arrived.
    pub quantity: Quantity,
    /// What it actually cost, when it differs from the expected cost.
    pub unit_cost: Option<UnitCost>,
}

/// What receiving does to one line: the receipt's sequence number and cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedReceipt {
    /// The line.
    pub line: OrderLineId,
    /// The product.
    pub product: ProductId,
    /// How much arrived.
    pub quantity: Quantity,
    /// At what unit cost.
    pub unit_cost: UnitCost,
    /// 1 for the line's first receipt, then 2, …
    pub receipt_number: u32,
}

impl PlannedReceipt {
    /// The idempotency key of the receipt movement (DOMAIN 4).
    pub fn idempotency_key(&self, order: OrderId) -> String {
        format!("order:{}:{}:{}", order.0, self.line.0, self.receipt_number)
    }
}

impl PurchaseOrder {
    /// The number of the `n`-th order (from 1) of a supplier on a day.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use inventario_core::domain::orders::PurchaseOrder;
    /// let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    /// assert_eq!(PurchaseOrder::number_for("CO", day, 2), "PED-CO-20261123-2");
    /// ```
    pub fn number_for(supplier_code: &str, day: NaiveDate, n: u32) -> String {
        format!("PED-{}-{}-{}", supplier_code, day.format("%Y%m%d"), n)
    }

    /// Checks that `action` applies in the current status.
    pub fn check(&self, action: OrderAction) -> Result<(), OrderError> {
        let allowed = match action {
            OrderAction::Send => self.status == OrderStatus::Draft,
            OrderAction::Cancel => self.status.is_open(),
            OrderAction::Receive => matches!(
                self.status,
                OrderStatus::Sent | OrderStatus::PartiallyReceived
            ),
        };
        if allowed {
            Ok(())
        } else {
            Err(OrderError::InvalidTransition {
                status: self.status,
                action,
            })
        }
    }

    /// Plans a receipt: every line must belong to the order, appear once, take a positive
    /// quantity and stay within what is outstanding. Returns the receipts to record and the
    /// order's status afterwards.
    pub fn plan_receipt(
        &self,
        lines: &[LineReceipt],
    ) -> Result<(Vec<PlannedReceipt>, OrderStatus), OrderError> {
        self.check(OrderAction::Receive)?;
        if lines.is_empty() {
            return Err(OrderError::InvalidLines);
        }
        let mut planned: Vec<PlannedReceipt> = Vec::with_capacity(lines.len());
        for receipt in lines {
            let line = self.lines.iter().find(|l| l.id == receipt.line).ok_or(
                OrderError::UnknownLine {
                    order: self.id,
                    line: receipt.line,
                },
            )?;
            if planned.iter().any(|p| p.line == receipt.line) {
                return Err(OrderError::DuplicateLine(receipt.line));
            }
            if receipt.quantity.is_zero() {
                return Err(ValueError::ZeroQuantity.into());
            }
            if receipt.quantity.is_negative() {
                return Err(ValueError::NegativeQuantity.into());
            }
            let outstanding = line.outstanding();
            if receipt.quantity > outstanding {
                return Err(OrderError::ExceedsOutstanding {
                    line: line.id,
                    outstanding,
                    requested: receipt.quantity,
                });
            }
            planned.push(PlannedReceipt {
                line: line.id,
                product: line.product,
                quantity: receipt.quantity,
                unit_cost: receipt.unit_cost.unwrap_or(line.expected_unit_cost),
                receipt_number: line.receipts + 1,
            });
        }
        let complete = self.lines.iter().all(|line| {
            let arriving = planned
                .iter()
                .find(|p| p.line == line.id)
                .map_or(Quantity::ZERO, |p| p.quantity);
            arriving >= line.outstanding()
        });
        let status = if complete {
            OrderStatus::Received
        } else {
            OrderStatus::PartiallyReceived
        };
        Ok((planned, status))
    }

    /// Quantity still expected per product (zero for closed orders).
    pub fn on_order(&self) -> impl Iterator<Item = (ProductId, Quantity)> + '_ {
        let open = self.status.is_open();
        self.lines
            .iter()
            .filter(move |_| open)
            .map(|l| (l.product, l.outstanding()))
            .filter(|(_, q)| q.is_positive())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    fn order(status: OrderStatus) -> PurchaseOrder {
        let line = |id, product, quantity: &str, received: &str| OrderLine {
            id: OrderLineId(id),
            product: ProductId(product),
            quantity: q(quantity),
            expected_unit_cost: "100".parse().unwrap(),
            received: q(received),
            receipts: u32::from(received != "0"),
        };
        PurchaseOrder {
            id: OrderId(7),
            supplier: SupplierId(1),
            number: "PED-CO-20261123-1".into(),
            status,
            expected_date: None,
            lines: vec![line(1, 10, "12", "0"), line(2, 11, "6", "2")],
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    fn receipt(line: i64, quantity: &str) -> LineReceipt {
        LineReceipt {
            line: OrderLineId(line),
            quantity: q(quantity),
            unit_cost: None,
        }
    }

    #[test]
    fn transitions() {
        use OrderAction::*;
        use OrderStatus::*;
        let allowed = [
            (Draft, Send, true),
            (Draft, Cancel, true),
            (Draft, Receive, false),
            (Sent, Send, false),
            (Sent, Cancel, true),
            (Sent, Receive, true),
            (PartiallyReceived, Receive, true),
            (PartiallyReceived, Cancel, true),
            (Received, Receive, false),
            (Received, Cancel, false),
            (Cancelled, Send, false),
            (Cancelled, Receive, false),
        ];
        for (status, action, ok) in allowed {
            assert_eq!(
                order(status).check(action).is_ok(),
                ok,
                "{action} when {status}"
            );
        }
        let err = order(Received).check(Cancel).unwrap_err();
        assert_eq!(err.to_string(), "cannot cancel an order that is received");
    }

    #[test]
    fn partial_then_complete() {
        let o = order(OrderStatus::Sent);
        let (plan, status) = o.plan_receipt(&[receipt(1, "5")]).unwrap();
        assert_eq!(status, OrderStatus::PartiallyReceived);
        assert_eq!(plan[0].receipt_number, 1);
        assert_eq!(plan[0].idempotency_key(o.id), "order:7:1:1");
        let (plan, status) = o
            .plan_receipt(&[receipt(1, "12"), receipt(2, "4")])
            .unwrap();
        assert_eq!(status, OrderStatus::Received);
        assert_eq!(plan[1].receipt_number, 2, "line 2 had one receipt already");
        assert_eq!(plan[1].idempotency_key(o.id), "order:7:2:2");
    }

    #[test]
    fn refusals() {
        let o = order(OrderStatus::Sent);
        assert_eq!(
            o.plan_receipt(&[receipt(2, "5")]).unwrap_err(),
            OrderError::ExceedsOutstanding {
                line: OrderLineId(2),
                outstanding: q("4"),
                requested: q("5")
            }
        );
        assert_eq!(
            o.plan_receipt(&[receipt(9, "1")]).unwrap_err(),
            OrderError::UnknownLine {
                order: o.id,
                line: OrderLineId(9)
            }
        );
        assert_eq!(
            o.plan_receipt(&[receipt(1, "1"), receipt(1, "1")])
                .unwrap_err(),
            OrderError::DuplicateLine(OrderLineId(1))
        );
        assert_eq!(
            o.plan_receipt(&[receipt(1, "0")]).unwrap_err(),
            ValueError::ZeroQuantity.into()
        );
        assert_eq!(o.plan_receipt(&[]).unwrap_err(), OrderError::InvalidLines);
        assert!(order(OrderStatus::Draft)
            .plan_receipt(&[receipt(1, "1")])
            .is_err());
    }

    #[test]
    fn on_order_counts_outstanding_of_open_orders_only() {
        let open: Vec<_> = order(OrderStatus::PartiallyReceived).on_order().collect();
        assert_eq!(
            open,
            vec![(ProductId(10), q("12")), (ProductId(11), q("4"))]
        );
        assert_eq!(order(OrderStatus::Cancelled).on_order().count(), 0);
        assert_eq!(order(OrderStatus::Received).on_order().count(), 0);
    }
}
