//! Purchase orders in the store: drafting from reorder suggestions, sending, cancelling and
//! receiving (each receipt line a `Receipt` movement in the same transaction as the order update).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::catalog::price_value;
use super::codec::{self, corrupt, micros};
use super::fields::{ORDER_LINE_COST, PRODUCT_AVERAGE_COST};
use super::ledger::{Recorded, Tx};
use super::{Entry, Store};
use crate::audit::EventType;
use serde_json::json;

/// The audit record of an order command.
fn order_entry(order: &PurchaseOrder, action: &str) -> Entry {
    Entry::new(EventType::PurchaseOrder, "purchase_orders", order.id.0).detail(json!({
        "action": action,
        "number": order.number,
        "status": order.status.code(),
        "supplier_id": order.supplier.0,
    }))
}
use crate::crypto::KeySet;
use crate::domain::orders::{
    LineReceipt, OrderAction, OrderError, OrderLine, OrderStatus, PurchaseOrder,
};
use crate::domain::replenishment::{ReorderLine, SeasonalFactors};
use crate::domain::values::{Quantity, UnitCost};
use crate::domain::{
    Actor, LocationId, MovementRequest, OrderId, OrderLineId, ProductId, RuleError, SupplierId,
};
use crate::error::{Error, Result};

/// A line of an order to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewOrderLine {
    /// The product.
    pub product: ProductId,
    /// How much to order.
    pub quantity: Quantity,
    /// The unit cost expected from the supplier.
    pub expected_unit_cost: UnitCost,
}

/// What drafting orders from the reorder suggestions produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftedOrders {
    /// One draft per supplier with something to order.
    pub orders: Vec<PurchaseOrder>,
    /// Suggestions for products with no supplier: nothing was ordered for them.
    pub unassigned: Vec<ReorderLine>,
}

/// What a receipt against an order wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderReceipt {
    /// The order after the receipt.
    pub order: PurchaseOrder,
    /// The `Receipt` movements, one per line received.
    pub recorded: Vec<Recorded>,
}

const ORDER_COLUMNS: &str = "id, supplier_id, number, status, expected_date, created_at";

impl Store {
    /// Creates a draft order for `supplier` in the caller's transaction.
    pub(crate) async fn insert_order(
        &self,
        tx: &mut Tx,
        supplier: SupplierId,
        lines: &[NewOrderLine],
        expected_date: Option<NaiveDate>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<OrderId> {
        let mut products: Vec<ProductId> = lines.iter().map(|l| l.product).collect();
        products.sort();
        products.dedup();
        if lines.is_empty() || products.len() != lines.len() {
            return Err(OrderError::InvalidLines.into());
        }
        let code: String =
            sqlx::query_scalar("SELECT code FROM suppliers WHERE tenant_id = $1 AND id = $2")
                .bind(self.tenant())
                .bind(supplier.0)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(RuleError::SupplierNotFound(supplier))?;
        for line in lines {
            if !line.quantity.is_positive() {
                return Err(crate::domain::values::ValueError::ZeroQuantity.into());
            }
            let active =
                sqlx::query("SELECT active FROM products WHERE tenant_id = $1 AND id = $2")
                    .bind(self.tenant())
                    .bind(line.product.0)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|row| codec::flag(&row, 0))
                    .transpose()?;
            if active != Some(true) {
                return Err(RuleError::ProductNotFound(line.product).into());
            }
        }
        let day = now.with_timezone(&self.timezone()).date_naive();
        let prefix = format!("PED-{}-{}-", code, day.format("%Y%m%d"));
        let taken: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM purchase_orders WHERE tenant_id = $1 AND number LIKE $2 || '%'",
        )
        .bind(self.tenant())
        .bind(&prefix)
        .fetch_one(&mut **tx)
        .await?;
        let n = u32::try_from(taken + 1).map_err(|_| corrupt("too many orders in a day"))?;
        let number = PurchaseOrder::number_for(&code, day, n);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO purchase_orders (tenant_id, supplier_id, number, status, expected_date, \
               actor, created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $6) RETURNING id",
        )
        .bind(self.tenant())
        .bind(supplier.0)
        .bind(&number)
        .bind(expected_date.map(|d| d.to_string()))
        .bind(actor.as_str())
        .bind(micros(now))
        .fetch_one(&mut **tx)
        .await?;
        for line in lines {
            self.insert_order_line(tx, OrderId(id), line).await?;
        }
        Ok(OrderId(id))
    }

    /// Inserts a line with its expected cost sealed to the new row.
    async fn insert_order_line(
        &self,
        tx: &mut Tx,
        order: OrderId,
        line: &NewOrderLine,
    ) -> Result<()> {
        let id = self.next_id(tx, "purchase_order_lines").await?;
        let cost = ORDER_LINE_COST.seal_cost(self.keys(), id, line.expected_unit_cost)?;
        sqlx::query(
            "INSERT INTO purchase_order_lines (id, tenant_id, order_id, product_id, quantity_milli, \
               expected_unit_cost) VALUES ($6, $1, $2, $3, $4, $5)",
        )
        .bind(self.tenant())
        .bind(order.0)
        .bind(line.product.0)
        .bind(line.quantity.milli())
        .bind(cost)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(crate) async fn create_order(
        &self,
        supplier: SupplierId,
        lines: &[NewOrderLine],
        expected_date: Option<NaiveDate>,
        actor: &Actor,
    ) -> Result<PurchaseOrder> {
        let mut tx = self.write().await?;
        let id = self
            .insert_order(&mut tx, supplier, lines, expected_date, actor, Utc::now())
            .await?;
        let order = self.order_in(&mut tx, id).await?;
        let entry = order_entry(&order, "create");
        self.commit_audited(tx, actor, entry).await?;
        Ok(order)
    }

    /// One draft per supplier from the reorder suggestions of `on`, in one transaction. The
    /// expected cost of a line is the product's last purchase cost, else its average cost.
    pub(crate) async fn draft_orders(
        &self,
        factors: &SeasonalFactors,
        on: NaiveDate,
        actor: &Actor,
    ) -> Result<DraftedOrders> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let groups = self.reorder_suggestions_in(&mut tx, factors, on).await?;
        let mut drafted = DraftedOrders {
            orders: Vec::new(),
            unassigned: Vec::new(),
        };
        for group in groups {
            let Some(supplier) = group.supplier else {
                drafted.unassigned.extend(group.lines);
                continue;
            };
            let mut lines = Vec::with_capacity(group.lines.len());
            for line in &group.lines {
                lines.push(NewOrderLine {
                    product: line.product,
                    quantity: line.quantity,
                    expected_unit_cost: self.expected_cost(&mut tx, line.product).await?,
                });
            }
            let id = self
                .insert_order(&mut tx, supplier, &lines, None, actor, now)
                .await?;
            drafted.orders.push(self.order_in(&mut tx, id).await?);
        }
        match (drafted.orders.first(), drafted.orders.last()) {
            (Some(first), Some(last)) => {
                let entry = Entry::new(
                    EventType::PurchaseOrder,
                    "purchase_orders",
                    format!("{}..={}", first.id.0, last.id.0),
                )
                .detail(json!({ "action": "draft", "orders": drafted.orders.len() }));
                self.commit_audited(tx, actor, entry).await?;
            }
            _ => tx.commit().await?,
        }
        Ok(drafted)
    }

    pub(crate) async fn expected_cost(
        &self,
        conn: &mut AnyConnection,
        product: ProductId,
    ) -> Result<UnitCost> {
        let last = sqlx::query(
            "SELECT id, value_e4, cost FROM price_history WHERE tenant_id = $1 AND product_id = $2 \
             AND kind = 'cost' ORDER BY id DESC LIMIT 1",
        )
        .bind(self.tenant())
        .bind(product.0)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = last {
            return price_value(self.keys(), &row);
        }
        let average: Vec<u8> = sqlx::query_scalar(
            "SELECT average_cost FROM products WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(product.0)
        .fetch_one(&mut *conn)
        .await?;
        PRODUCT_AVERAGE_COST.open_cost(self.keys(), product.0, &average)
    }

    /// Adds `line` to a draft order: a new line, or more of a product already on it.
    pub(crate) async fn add_to_draft(
        &self,
        tx: &mut Tx,
        order: OrderId,
        line: &NewOrderLine,
    ) -> Result<()> {
        let updated = sqlx::query(
            "UPDATE purchase_order_lines SET quantity_milli = quantity_milli + $4 \
             WHERE tenant_id = $1 AND order_id = $2 AND product_id = $3",
        )
        .bind(self.tenant())
        .bind(order.0)
        .bind(line.product.0)
        .bind(line.quantity.milli())
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            self.insert_order_line(tx, order, line).await?;
        }
        Ok(())
    }

    async fn set_status(
        &self,
        tx: &mut Tx,
        id: OrderId,
        status: OrderStatus,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE purchase_orders SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(self.tenant())
            .bind(id.0)
            .bind(status.code())
            .bind(micros(now))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Applies a status change that needs no goods: send or cancel.
    pub(crate) async fn transition_order(
        &self,
        id: OrderId,
        action: OrderAction,
        actor: &Actor,
    ) -> Result<PurchaseOrder> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let order = self.order_in(&mut tx, id).await?;
        order.check(action)?;
        let status = match action {
            OrderAction::Send => OrderStatus::Sent,
            OrderAction::Cancel => OrderStatus::Cancelled,
            OrderAction::Receive => {
                return Err(OrderError::InvalidTransition {
                    status: order.status,
                    action,
                }
                .into())
            }
        };
        self.set_status(&mut tx, id, status, now).await?;
        let order = self.order_in(&mut tx, id).await?;
        let entry = order_entry(
            &order,
            match action {
                OrderAction::Send => "send",
                _ => "cancel",
            },
        );
        self.commit_audited(tx, actor, entry).await?;
        Ok(order)
    }

    /// Receives goods against an order at `location`: one `Receipt` movement per line (key
    /// `order:<id>:<line>:<n>`, reference the order number), the lines' received quantities and
    /// the order's status, all in one transaction.
    pub(crate) async fn receive_order(
        &self,
        id: OrderId,
        location: LocationId,
        lines: &[LineReceipt],
        actor: &Actor,
    ) -> Result<OrderReceipt> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let order = self.order_in(&mut tx, id).await?;
        let (planned, status) = order.plan_receipt(lines)?;
        let requests: Vec<MovementRequest> = planned
            .iter()
            .map(|p| {
                MovementRequest::receipt(p.product, location, p.quantity, p.unit_cost)
                    .reference(order.number.clone())
                    .idempotency_key(p.idempotency_key(id))
            })
            .collect();
        let recorded = self.record_in(&mut tx, &requests, actor, now).await?;
        for p in &planned {
            sqlx::query(
                "UPDATE purchase_order_lines SET received_milli = received_milli + $3, \
                   receipts = receipts + 1 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(self.tenant())
            .bind(p.line.0)
            .bind(p.quantity.milli())
            .execute(&mut *tx)
            .await?;
        }
        self.set_status(&mut tx, id, status, now).await?;
        let order = self.order_in(&mut tx, id).await?;
        let movements = recorded
            .iter()
            .filter(|r| !r.replayed)
            .map(|r| r.movements.len())
            .sum::<usize>();
        let entry = order_entry(&order, "receive").detail(json!({
            "action": "receive",
            "number": order.number,
            "status": order.status.code(),
            "location_id": location.0,
            "movements": movements,
        }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(OrderReceipt { order, recorded })
    }

    pub(crate) async fn order_in(&self, tx: &mut Tx, id: OrderId) -> Result<PurchaseOrder> {
        let sql =
            format!("SELECT {ORDER_COLUMNS} FROM purchase_orders WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(OrderError::NotFound(id))?;
        let lines = sqlx::query(
            "SELECT id, product_id, quantity_milli, expected_unit_cost, received_milli, receipts \
             FROM purchase_order_lines WHERE tenant_id = $1 AND order_id = $2 ORDER BY id",
        )
        .bind(self.tenant())
        .bind(id.0)
        .fetch_all(&mut **tx)
        .await?;
        let lines = lines
            .iter()
            .map(|l| line_from(l, self.keys()))
            .collect::<Result<_>>()?;
        order_from(&row, lines)
    }

    pub(crate) async fn order(&self, id: OrderId) -> Result<Option<PurchaseOrder>> {
        self.sync_keys_for_read().await?;
        let mut conn = self.pool().begin().await?;
        match self.order_in(&mut conn, id).await {
            Ok(order) => Ok(Some(order)),
            Err(Error::Order(OrderError::NotFound(_))) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Orders, newest first, optionally of one status.
    pub(crate) async fn orders(&self, status: Option<OrderStatus>) -> Result<Vec<PurchaseOrder>> {
        self.sync_keys_for_read().await?;
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM purchase_orders WHERE tenant_id = $1 \
             AND ($2 IS NULL OR status = $2) ORDER BY id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(status.map(OrderStatus::code))
            .fetch_all(self.pool())
            .await?;
        let lines = sqlx::query(
            "SELECT l.order_id, l.id, l.product_id, l.quantity_milli, l.expected_unit_cost, \
               l.received_milli, l.receipts \
             FROM purchase_order_lines l JOIN purchase_orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id \
             WHERE l.tenant_id = $1 AND ($2 IS NULL OR o.status = $2) ORDER BY l.id",
        )
        .bind(self.tenant())
        .bind(status.map(OrderStatus::code))
        .fetch_all(self.pool())
        .await?;
        let mut by_order: BTreeMap<i64, Vec<OrderLine>> = BTreeMap::new();
        for row in &lines {
            by_order
                .entry(row.try_get("order_id")?)
                .or_default()
                .push(line_from(row, self.keys())?);
        }
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                order_from(row, by_order.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    /// Quantity still expected on open orders, per product.
    pub(crate) async fn on_order(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<BTreeMap<ProductId, Quantity>> {
        let rows = sqlx::query(
            "SELECT l.product_id, CAST(SUM(l.quantity_milli - l.received_milli) AS BIGINT) AS outstanding \
             FROM purchase_order_lines l JOIN purchase_orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id \
             WHERE l.tenant_id = $1 AND o.status IN ('draft', 'sent', 'partially_received') \
             GROUP BY l.product_id",
        )
        .bind(self.tenant())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    ProductId(row.try_get("product_id")?),
                    Quantity::from_milli(row.try_get("outstanding")?),
                ))
            })
            .collect()
    }
}

fn line_from(row: &AnyRow, keys: &KeySet) -> Result<OrderLine> {
    let id: i64 = row.try_get("id")?;
    let receipts: i64 = row.try_get("receipts")?;
    Ok(OrderLine {
        id: OrderLineId(id),
        product: ProductId(row.try_get("product_id")?),
        quantity: Quantity::from_milli(row.try_get("quantity_milli")?),
        expected_unit_cost: ORDER_LINE_COST.open_cost(
            keys,
            id,
            row.try_get("expected_unit_cost")?,
        )?,
        received: Quantity::from_milli(row.try_get("received_milli")?),
        receipts: u32::try_from(receipts).map_err(|_| corrupt("receipt count out of range"))?,
    })
}

fn order_from(row: &AnyRow, lines: Vec<OrderLine>) -> Result<PurchaseOrder> {
    let status: String = row.try_get("status")?;
    let expected: Option<String> = row.try_get("expected_date")?;
    Ok(PurchaseOrder {
        id: OrderId(row.try_get("id")?),
        supplier: SupplierId(row.try_get("supplier_id")?),
        number: row.try_get("number")?,
        status: OrderStatus::from_code(&status).ok_or_else(|| corrupt("unknown order status"))?,
        expected_date: expected
            .map(|d| d.parse().map_err(|_| corrupt("invalid expected date")))
            .transpose()?,
        lines,
        created_at: codec::instant(row.try_get("created_at")?)?,
    })
}
