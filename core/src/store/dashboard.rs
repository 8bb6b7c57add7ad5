//! The dashboard queries of DOMAIN 7 that involve purchase orders: the summary, per-supplier
//! statistics, top products by units ordered and monthly trends.
//!
//! Orders are counted as orders, never as lines (legacy fix), cancelled orders are left out, and
//! date windows are whole local days with both ends included.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use sqlx::Row;

use super::codec::{self, corrupt};
use super::fields::ORDER_LINE_COST;
use super::Store;
use crate::domain::replenishment::SeasonalFactors;
use crate::domain::values::{Money, Quantity, Sku, ValueError};
use crate::domain::{DateRange, MovementKind, ProductId, SupplierId};
use crate::error::Result;

/// The numbers at the top of the dashboard, as of one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardSummary {
    /// Active suppliers.
    pub active_suppliers: u64,
    /// Orders (not lines) created in the 30 days ending on the day, cancelled ones excluded.
    pub orders_last_30_days: u64,
    /// Units on those orders.
    pub units_ordered_last_30_days: Quantity,
    /// Ledger rows that occurred in the 7 days ending on the day.
    pub movements_last_7_days: u64,
    /// The supplier with most of those orders (ties: more units, then lower code).
    pub top_supplier: Option<SupplierId>,
    /// Active products at or below their seasonal minimum on the day.
    pub products_below_minimum: u64,
}

/// One supplier's ordering record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderStats {
    /// The supplier.
    pub supplier: SupplierId,
    /// Its code.
    pub code: String,
    /// Active products it supplies by default.
    pub products: u64,
    /// Orders placed with it, cancelled ones excluded.
    pub orders: u64,
    /// Units on those orders.
    pub units_ordered: Quantity,
    /// Units received against them.
    pub units_received: Quantity,
    /// Σ ordered quantity × expected unit cost, HALF_UP to centavos.
    pub ordered_value: Money,
    /// The day of the last order, in the store's time zone.
    pub last_order: Option<NaiveDate>,
}

/// A product's units ordered in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopOrdered {
    /// The product.
    pub product: ProductId,
    /// Its SKU.
    pub sku: Sku,
    /// Units on orders created in the period (cancelled ones excluded).
    pub quantity: Quantity,
    /// Orders it appears on.
    pub orders: u64,
}

/// One month of activity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthlyTrend {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Units received (receipts).
    pub received: Quantity,
    /// Units sold.
    pub sold: Quantity,
    /// Cost of the goods sold.
    pub cost_of_goods_sold: Money,
    /// Orders created (cancelled ones excluded).
    pub orders: u64,
    /// Units on those orders.
    pub units_ordered: Quantity,
}

/// An order line as the dashboard sees it.
struct OrderedLine {
    order: i64,
    supplier: SupplierId,
    product: ProductId,
    day: NaiveDate,
    quantity: i64,
    received: i64,
    expected_e4: i64,
}

impl Store {
    /// Lines of non-cancelled orders created in `range` (all time when `None`).
    async fn ordered_lines(&self, range: Option<DateRange>) -> Result<Vec<OrderedLine>> {
        let (from, to) = match range {
            Some(range) => self.bounds(range)?,
            None => (i64::MIN, i64::MAX),
        };
        self.sync_keys_for_read().await?;
        let rows = sqlx::query(
            "SELECT o.id AS order_id, o.supplier_id, o.created_at, l.id AS line_id, l.product_id, \
               l.quantity_milli, l.received_milli, l.expected_unit_cost \
             FROM purchase_orders o JOIN purchase_order_lines l ON l.tenant_id = o.tenant_id AND l.order_id = o.id \
             WHERE o.tenant_id = $1 AND o.status <> 'cancelled' \
               AND o.created_at >= $2 AND o.created_at < $3 ORDER BY o.id, l.id",
        )
        .bind(self.tenant())
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let tz = self.timezone();
        rows.iter()
            .map(|row| {
                let at = codec::instant(row.try_get("created_at")?)?;
                Ok(OrderedLine {
                    order: row.try_get("order_id")?,
                    supplier: SupplierId(row.try_get("supplier_id")?),
                    product: ProductId(row.try_get("product_id")?),
                    day: at.with_timezone(&tz).date_naive(),
                    quantity: row.try_get("quantity_milli")?,
                    received: row.try_get("received_milli")?,
                    expected_e4: ORDER_LINE_COST
                        .open_cost(
                            self.keys(),
                            row.try_get("line_id")?,
                            row.try_get("expected_unit_cost")?,
                        )?
                        .ten_thousandths(),
                })
            })
            .collect()
    }

    pub(crate) async fn dashboard_summary(
        &self,
        factors: &SeasonalFactors,
        on: NaiveDate,
    ) -> Result<DashboardSummary> {
        let active_suppliers: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM suppliers WHERE tenant_id = $1 AND active = TRUE",
        )
        .bind(self.tenant())
        .fetch_one(self.pool())
        .await?;
        let month = DateRange {
            start: days_before(on, 29)?,
            end: on,
        };
        let lines = self.ordered_lines(Some(month)).await?;
        let mut orders: BTreeMap<i64, SupplierId> = BTreeMap::new();
        let mut per_supplier: BTreeMap<SupplierId, (u64, i64)> = BTreeMap::new();
        let mut units: i64 = 0;
        for line in &lines {
            units = units
                .checked_add(line.quantity)
                .ok_or(ValueError::Overflow)?;
            let entry = per_supplier.entry(line.supplier).or_default();
            entry.1 = entry
                .1
                .checked_add(line.quantity)
                .ok_or(ValueError::Overflow)?;
            if orders.insert(line.order, line.supplier).is_none() {
                entry.0 += 1;
            }
        }
        let mut ranked = Vec::with_capacity(per_supplier.len());
        for (supplier, (count, units)) in per_supplier {
            let code: String =
                sqlx::query_scalar("SELECT code FROM suppliers WHERE tenant_id = $1 AND id = $2")
                    .bind(self.tenant())
                    .bind(supplier.0)
                    .fetch_one(self.pool())
                    .await?;
            ranked.push((
                std::cmp::Reverse(count),
                std::cmp::Reverse(units),
                code,
                supplier,
            ));
        }
        ranked.sort();
        let week = DateRange {
            start: days_before(on, 6)?,
            end: on,
        };
        let movements = self.occurred_in(week, &[]).await?.len() as u64;
        let below = self.critical_products(factors, on).await?.len() as u64;
        Ok(DashboardSummary {
            active_suppliers: u64::try_from(active_suppliers)
                .map_err(|_| corrupt("negative count"))?,
            orders_last_30_days: orders.len() as u64,
            units_ordered_last_30_days: Quantity::from_milli(units),
            movements_last_7_days: movements,
            top_supplier: ranked.first().map(|r| r.3),
            products_below_minimum: below,
        })
    }

    pub(crate) async fn provider_stats(&self) -> Result<Vec<ProviderStats>> {
        let suppliers = sqlx::query(
            "SELECT s.id, s.code, \
               (SELECT count(*) FROM products p WHERE p.tenant_id = s.tenant_id \
                  AND p.supplier_id = s.id AND p.active = TRUE) AS products \
             FROM suppliers s WHERE s.tenant_id = $1 ORDER BY s.code",
        )
        .bind(self.tenant())
        .fetch_all(self.pool())
        .await?;
        let lines = self.ordered_lines(None).await?;
        let mut out = Vec::with_capacity(suppliers.len());
        for row in suppliers {
            let supplier = SupplierId(row.try_get("id")?);
            let mine: Vec<&OrderedLine> = lines.iter().filter(|l| l.supplier == supplier).collect();
            let mut orders: Vec<i64> = mine.iter().map(|l| l.order).collect();
            orders.dedup();
            let sum = |f: fn(&OrderedLine) -> i64| -> Result<i64> {
                mine.iter()
                    .try_fold(0i64, |acc, l| acc.checked_add(f(l)))
                    .ok_or_else(|| ValueError::Overflow.into())
            };
            let value_e7: i128 = mine
                .iter()
                .map(|l| i128::from(l.quantity) * i128::from(l.expected_e4))
                .sum();
            let products: i64 = row.try_get("products")?;
            out.push(ProviderStats {
                supplier,
                code: row.try_get("code")?,
                products: u64::try_from(products).map_err(|_| corrupt("negative count"))?,
                orders: orders.len() as u64,
                units_ordered: Quantity::from_milli(sum(|l| l.quantity)?),
                units_received: Quantity::from_milli(sum(|l| l.received)?),
                ordered_value: super::queries::round_e7_to_money(value_e7)?,
                last_order: mine.iter().map(|l| l.day).max(),
            });
        }
        Ok(out)
    }

    pub(crate) async fn top_ordered(
        &self,
        range: DateRange,
        limit: usize,
    ) -> Result<Vec<TopOrdered>> {
        let mut per_product: BTreeMap<ProductId, (i64, u64)> = BTreeMap::new();
        for line in self.ordered_lines(Some(range)).await? {
            let entry = per_product.entry(line.product).or_default();
            entry.0 = entry
                .0
                .checked_add(line.quantity)
                .ok_or(ValueError::Overflow)?;
            entry.1 += 1; // a product appears once per order
        }
        let mut out = Vec::with_capacity(per_product.len());
        for (product, (quantity, orders)) in per_product {
            let Some(p) = self.product(product).await? else {
                continue;
            };
            out.push(TopOrdered {
                product,
                sku: p.sku,
                quantity: Quantity::from_milli(quantity),
                orders,
            });
        }
        out.sort_by(|a, b| b.quantity.cmp(&a.quantity).then_with(|| a.sku.cmp(&b.sku)));
        out.truncate(limit);
        Ok(out)
    }

    pub(crate) async fn monthly_trends(&self, range: DateRange) -> Result<Vec<MonthlyTrend>> {
        let mut months: BTreeMap<(i32, u32), MonthlyTrend> = BTreeMap::new();
        let month_of = |d: NaiveDate| (d.year(), d.month());
        let add = |a: Quantity, b: Quantity| a.checked_add(b).ok_or(ValueError::Overflow);
        for (day, kind, _, quantity, value) in self
            .occurred_in(range, &[MovementKind::Receipt, MovementKind::Sale])
            .await?
        {
            let trend = months.entry(month_of(day)).or_default();
            if kind == MovementKind::Receipt {
                trend.received = add(trend.received, quantity)?;
            } else {
                trend.sold = add(trend.sold, quantity)?;
                // Sale rows carry negative values; the cost of goods is positive.
                trend.cost_of_goods_sold = trend
                    .cost_of_goods_sold
                    .checked_sub(value)
                    .ok_or(ValueError::Overflow)?;
            }
        }
        let mut seen_orders = Vec::new();
        for line in self.ordered_lines(Some(range)).await? {
            let trend = months.entry(month_of(line.day)).or_default();
            trend.units_ordered = add(trend.units_ordered, Quantity::from_milli(line.quantity))?;
            if !seen_orders.contains(&line.order) {
                seen_orders.push(line.order);
                trend.orders += 1;
            }
        }
        Ok(months
            .into_iter()
            .map(|((year, month), trend)| MonthlyTrend {
                year,
                month,
                ..trend
            })
            .collect())
    }
}

fn days_before(day: NaiveDate, n: u64) -> Result<NaiveDate> {
    Ok(day
        .checked_sub_days(Days::new(n))
        .ok_or(ValueError::Overflow)?)
}
