//! The stock queries of DOMAIN 7, ledger verification and repair, and the change feed.
//!
//! Date ranges are whole days in the store's time zone, both ends included; grouping by day
//! and by ISO week happens here rather than in SQL so that every backend groups alike. Ties are
//! broken by SKU, then id, so results are deterministic.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use sqlx::{AnyConnection, Row};

use super::codec::{self, micros};
use super::fields::{MOVEMENT_UNIT_COST, PRODUCT_AVERAGE_COST};
use super::ledger::RowMeta;
use super::{Entry, Store};
use crate::audit::EventType;
use crate::domain::book::Balance;
use crate::domain::replenishment::{
    self, ReorderLine, SeasonalFactors, Shortage, StockLevel, SupplierReorder,
};
use crate::domain::values::{Money, Quantity, Sku, UnitCost, UnitOfMeasure, ValueError};
use crate::domain::{
    Actor, DateRange, LocationId, Movement, MovementDraft, MovementId, MovementKind, ProductId,
    RuleError, SupplierId,
};
use crate::error::{Error, Result};
use crate::metrics::{MovementKindLabel, OpResult};
use serde_json::json;

/// One balance, with what identifies it for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRow {
    /// The product.
    pub product: ProductId,
    /// Its SKU.
    pub sku: Sku,
    /// Its name.
    pub name: String,
    /// Its unit of measure.
    pub unit: UnitOfMeasure,
    /// The location.
    pub location: LocationId,
    /// The location's code.
    pub location_code: String,
    /// Physically present.
    pub on_hand: Quantity,
    /// Held by reservations.
    pub reserved: Quantity,
    /// `on_hand − reserved`.
    pub available: Quantity,
}

/// A product at or below its seasonal minimum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriticalProduct {
    /// The product.
    pub product: ProductId,
    /// Its SKU.
    pub sku: Sku,
    /// Its name.
    pub name: String,
    /// Its unit of measure.
    pub unit: UnitOfMeasure,
    /// Total on hand.
    pub on_hand: Quantity,
    /// Threshold, deficit and urgency.
    pub shortage: Shortage,
}

/// A product at or above its maximum stock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverStock {
    /// The product.
    pub product: ProductId,
    /// Its SKU.
    pub sku: Sku,
    /// Total on hand.
    pub on_hand: Quantity,
    /// Its maximum.
    pub max_stock: Quantity,
}

/// Filters for [`crate::Inventory::history`]; `None` matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only this product.
    pub product: Option<ProductId>,
    /// Only this location.
    pub location: Option<LocationId>,
    /// Only this kind.
    pub kind: Option<MovementKind>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only these days (by when the movement occurred).
    pub dates: Option<DateRange>,
    /// Only this reference document.
    pub reference: Option<String>,
}

/// A page of results, newest first, with the cursor of the next page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `before` to get the next (older) page; `None` on the last page.
    pub next: Option<MovementId>,
}

/// The stock's value at weighted-average cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockValue {
    /// Σ on hand × average cost, rounded HALF_UP to centavos once.
    pub total: Money,
    /// Per product: (product, on hand, average cost, value rounded to centavos).
    pub products: Vec<(ProductId, Quantity, UnitCost, Money)>,
}

/// A product's units sold in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopProduct {
    /// The product.
    pub product: ProductId,
    /// Its SKU.
    pub sku: Sku,
    /// Its name.
    pub name: String,
    /// Units sold, net of nothing (returns are their own kind).
    pub quantity: Quantity,
    /// Number of sale rows.
    pub sales: u64,
}

/// What one supplier's products hold now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierStock {
    /// The supplier (`None`: products without one).
    pub supplier: Option<SupplierId>,
    /// Number of active products.
    pub products: u64,
    /// Real on hand over those products, per unit of measure (kilos and units do not add up).
    pub on_hand: BTreeMap<UnitOfMeasure, Quantity>,
    /// Their value at average cost.
    pub value: Money,
}

/// Movements of one kind on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// The day, in the store's time zone.
    pub date: NaiveDate,
    /// The kind.
    pub kind: MovementKind,
    /// How many rows.
    pub movements: u64,
    /// Their total quantity.
    pub quantity: Quantity,
}

/// Sales of one ISO week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeeklySales {
    /// ISO week-numbering year.
    pub iso_year: i32,
    /// ISO week, 1–53.
    pub iso_week: u32,
    /// Units sold.
    pub quantity: Quantity,
    /// Cost of the goods sold (sales are valued at average cost in the ledger).
    pub cost_of_goods: Money,
}

/// What [`crate::Inventory::verify_ledger`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerReport {
    /// Balances compared.
    pub balances_checked: u64,
    /// Ledger rows replayed.
    pub movements_checked: u64,
    /// Every disagreement, by (product, location).
    pub discrepancies: Vec<LedgerDiscrepancy>,
}

impl LedgerReport {
    /// True when the ledger replays to every balance.
    pub fn is_consistent(&self) -> bool {
        self.discrepancies.is_empty()
    }
}

/// A place where the ledger and the balances disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerDiscrepancy {
    /// The product.
    pub product: ProductId,
    /// The location.
    pub location: LocationId,
    /// What replaying the ledger gives.
    pub ledger_on_hand: Quantity,
    /// What the balance says.
    pub balance_on_hand: Quantity,
    /// The first sequence number whose `before` does not follow the previous row, if any.
    pub broken_at_seq: Option<i64>,
}

impl Store {
    pub(crate) async fn stock(
        &self,
        product: Option<ProductId>,
        location: Option<LocationId>,
    ) -> Result<Vec<StockRow>> {
        let rows = sqlx::query(
            "SELECT b.product_id, p.sku, p.name, p.unit, b.location_id, l.code, b.on_hand_milli, \
               b.reserved_milli \
             FROM stock_balances b \
             JOIN products p ON p.tenant_id = b.tenant_id AND p.id = b.product_id \
             JOIN locations l ON l.tenant_id = b.tenant_id AND l.id = b.location_id \
             WHERE b.tenant_id = $1 AND ($2 IS NULL OR b.product_id = $2) AND ($3 IS NULL OR b.location_id = $3) \
             ORDER BY p.sku, l.code",
        )
        .bind(self.tenant())
        .bind(product.map(|p| p.0))
        .bind(location.map(|l| l.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let on_hand = Quantity::from_milli(row.try_get("on_hand_milli")?);
                let reserved = Quantity::from_milli(row.try_get("reserved_milli")?);
                let balance = Balance {
                    on_hand,
                    reserved,
                    last_seq: 0,
                };
                Ok(StockRow {
                    product: ProductId(row.try_get("product_id")?),
                    sku: sku(row.try_get("sku")?)?,
                    name: row.try_get("name")?,
                    unit: unit(row.try_get("unit")?)?,
                    location: LocationId(row.try_get("location_id")?),
                    location_code: row.try_get("code")?,
                    on_hand,
                    reserved,
                    available: balance.available(),
                })
            })
            .collect()
    }

    /// Every active product with its total on hand and stock levels.
    async fn levels(&self, conn: &mut AnyConnection) -> Result<Vec<ProductLevel>> {
        self.sync_keys(conn).await?;
        let on_order = self.on_order(conn).await?;
        let rows = sqlx::query(
            "SELECT p.id, p.sku, p.name, p.category, p.unit, p.supplier_id, p.min_stock_milli, p.max_stock_milli, \
               p.reorder_point_milli, p.pack_multiple_milli, p.average_cost, \
               CAST(COALESCE(SUM(b.on_hand_milli), 0) AS BIGINT) AS on_hand_milli \
             FROM products p \
             LEFT JOIN stock_balances b ON b.tenant_id = p.tenant_id AND b.product_id = p.id \
             WHERE p.tenant_id = $1 AND p.active = TRUE \
             GROUP BY p.tenant_id, p.id ORDER BY p.sku",
        )
        .bind(self.tenant())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| {
                let product = ProductId(row.try_get("id")?);
                Ok(ProductLevel {
                    product,
                    sku: sku(row.try_get("sku")?)?,
                    name: row.try_get("name")?,
                    unit: unit(row.try_get("unit")?)?,
                    category: row.try_get("category")?,
                    supplier: row
                        .try_get::<Option<i64>, _>("supplier_id")?
                        .map(SupplierId),
                    average_cost: PRODUCT_AVERAGE_COST.open_cost(
                        self.keys(),
                        product.0,
                        row.try_get("average_cost")?,
                    )?,
                    level: StockLevel {
                        on_hand: Quantity::from_milli(row.try_get("on_hand_milli")?),
                        min_stock: Quantity::from_milli(row.try_get("min_stock_milli")?),
                        max_stock: row
                            .try_get::<Option<i64>, _>("max_stock_milli")?
                            .map(Quantity::from_milli),
                        reorder_point: row
                            .try_get::<Option<i64>, _>("reorder_point_milli")?
                            .map(Quantity::from_milli),
                        pack_multiple: Quantity::from_milli(row.try_get("pack_multiple_milli")?),
                        on_order: on_order.get(&product).copied().unwrap_or(Quantity::ZERO),
                    },
                })
            })
            .collect()
    }

    pub(crate) async fn critical_products(
        &self,
        factors: &SeasonalFactors,
        on: NaiveDate,
    ) -> Result<Vec<CriticalProduct>> {
        let factor = factors.on(on);
        let mut out: Vec<CriticalProduct> = self
            .levels(&mut *self.pool().acquire().await?)
            .await?
            .into_iter()
            .filter_map(|p| {
                p.level.shortage(factor).map(|shortage| CriticalProduct {
                    product: p.product,
                    sku: p.sku,
                    name: p.name,
                    unit: p.unit,
                    on_hand: p.level.on_hand,
                    shortage,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (
                a.shortage.urgency,
                std::cmp::Reverse(a.shortage.deficit),
                &a.sku,
            )
                .cmp(&(
                    b.shortage.urgency,
                    std::cmp::Reverse(b.shortage.deficit),
                    &b.sku,
                ))
        });
        self.metrics()
            .low_stock_products(i64::try_from(out.len()).unwrap_or(i64::MAX));
        Ok(out)
    }

    pub(crate) async fn over_stock(&self) -> Result<Vec<OverStock>> {
        Ok(self
            .levels(&mut *self.pool().acquire().await?)
            .await?
            .into_iter()
            .filter(|p| p.level.over_stock())
            .filter_map(|p| {
                p.level.max_stock.map(|max_stock| OverStock {
                    product: p.product,
                    sku: p.sku,
                    on_hand: p.level.on_hand,
                    max_stock,
                })
            })
            .collect())
    }

    pub(crate) async fn reorder_suggestions(
        &self,
        factors: &SeasonalFactors,
        on: NaiveDate,
    ) -> Result<Vec<SupplierReorder>> {
        let mut conn = self.pool().acquire().await?;
        self.reorder_suggestions_in(&mut conn, factors, on).await
    }

    /// Reorder suggestions read on `conn` (inside a transaction when drafting orders).
    pub(crate) async fn reorder_suggestions_in(
        &self,
        conn: &mut AnyConnection,
        factors: &SeasonalFactors,
        on: NaiveDate,
    ) -> Result<Vec<SupplierReorder>> {
        let factor = factors.on(on);
        let mut lines = Vec::new();
        for p in self.levels(conn).await? {
            if let Some(quantity) = p.level.reorder_quantity(factor)? {
                let line = ReorderLine {
                    product: p.product,
                    quantity,
                    on_hand: p.level.on_hand,
                    on_order: p.level.on_order,
                };
                // Products without a default supplier go where DOMAIN 6's matching sends them.
                let supplier = match p.supplier {
                    Some(supplier) => Some(supplier),
                    None => self
                        .assign_supplier_in(conn, &p.name, p.category.as_deref())
                        .await?
                        .map(|(id, _)| id),
                };
                lines.push((supplier, line));
            }
        }
        Ok(replenishment::group_by_supplier(lines))
    }

    pub(crate) async fn stock_value(&self) -> Result<StockValue> {
        let mut total: i128 = 0;
        let mut products = Vec::new();
        let mut conn = self.pool().acquire().await?;
        for p in self.levels(&mut conn).await? {
            let on_hand = p.level.on_hand;
            // Exact sum first, one rounding at the end: ten-thousandths × thousandths.
            total += i128::from(on_hand.milli()) * i128::from(p.average_cost.ten_thousandths());
            products.push((
                p.product,
                on_hand,
                p.average_cost,
                p.average_cost.value_of(on_hand)?,
            ));
        }
        Ok(StockValue {
            total: round_e7_to_money(total)?,
            products,
        })
    }

    pub(crate) async fn stock_by_supplier(&self) -> Result<Vec<SupplierStock>> {
        let mut groups: BTreeMap<(bool, Option<SupplierId>), SupplierTotals> = BTreeMap::new();
        let mut conn = self.pool().acquire().await?;
        for p in self.levels(&mut conn).await? {
            let totals = groups
                .entry((p.supplier.is_none(), p.supplier))
                .or_default();
            totals.products += 1;
            let held = totals.on_hand.entry(p.unit).or_insert(Quantity::ZERO);
            *held = held
                .checked_add(p.level.on_hand)
                .ok_or(ValueError::Overflow)?;
            totals.value_e7 +=
                i128::from(p.level.on_hand.milli()) * i128::from(p.average_cost.ten_thousandths());
        }
        groups
            .into_iter()
            .map(|((_, supplier), totals)| {
                Ok(SupplierStock {
                    supplier,
                    products: totals.products,
                    on_hand: totals.on_hand,
                    value: round_e7_to_money(totals.value_e7)?,
                })
            })
            .collect()
    }

    pub(crate) async fn history(
        &self,
        filter: &HistoryFilter,
        before: Option<MovementId>,
        limit: u32,
    ) -> Result<Page<Movement>> {
        let limit = limit.clamp(1, 1000);
        let (from, to) = match filter.dates {
            Some(range) => {
                let (from, to) = self.bounds(range)?;
                (Some(from), Some(to))
            }
            None => (None, None),
        };
        self.sync_keys_for_read().await?;
        let sql = format!(
            "SELECT {} FROM stock_movements WHERE tenant_id = $1 \
               AND ($2 IS NULL OR product_id = $2) AND ($3 IS NULL OR location_id = $3) \
               AND ($4 IS NULL OR kind = $4) AND ($5 IS NULL OR actor = $5) \
               AND ($6 IS NULL OR occurred_at >= $6) AND ($7 IS NULL OR occurred_at < $7) \
               AND ($8 IS NULL OR reference = $8) AND ($9 IS NULL OR id < $9) \
             ORDER BY id DESC LIMIT $10",
            codec::MOVEMENT_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(filter.product.map(|p| p.0))
            .bind(filter.location.map(|l| l.0))
            .bind(filter.kind.map(MovementKind::code))
            .bind(filter.actor.as_deref())
            .bind(from)
            .bind(to)
            .bind(filter.reference.as_deref())
            .bind(before.map(|m| m.0))
            .bind(i64::from(limit) + 1)
            .fetch_all(self.pool())
            .await?;
        let mut items = rows
            .iter()
            .map(|row| codec::movement(row, self.keys()))
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|m| m.id)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub(crate) async fn movements_since(
        &self,
        after: Option<MovementId>,
        limit: u32,
    ) -> Result<Vec<Movement>> {
        self.sync_keys_for_read().await?;
        let sql = format!(
            "SELECT {} FROM stock_movements WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            codec::MOVEMENT_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(after.map_or(0, |m| m.0))
            .bind(i64::from(limit.clamp(1, 10_000)))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| codec::movement(row, self.keys()))
            .collect()
    }

    /// Rows of `kinds` (all when empty) that occurred in `range`: (local date, kind, product, quantity, value).
    pub(crate) async fn occurred_in(
        &self,
        range: DateRange,
        kinds: &[MovementKind],
    ) -> Result<Vec<(NaiveDate, MovementKind, ProductId, Quantity, Money)>> {
        let (from, to) = self.bounds(range)?;
        self.sync_keys_for_read().await?;
        let rows = sqlx::query(
            "SELECT id, occurred_at, kind, product_id, delta_milli, quantity_milli, unit_cost \
             FROM stock_movements \
             WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY id",
        )
        .bind(self.tenant())
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("kind")?;
            let kind = kind
                .parse::<MovementKind>()
                .map_err(|e| codec::corrupt(e.to_string()))?;
            if !kinds.is_empty() && !kinds.contains(&kind) {
                continue;
            }
            let at = codec::instant(row.try_get("occurred_at")?)?;
            out.push((
                at.with_timezone(&self.timezone()).date_naive(),
                kind,
                ProductId(row.try_get("product_id")?),
                Quantity::from_milli(row.try_get("quantity_milli")?),
                MOVEMENT_UNIT_COST
                    .open_cost(self.keys(), row.try_get("id")?, row.try_get("unit_cost")?)?
                    .value_of(Quantity::from_milli(row.try_get("delta_milli")?))?,
            ));
        }
        Ok(out)
    }

    pub(crate) async fn top_sold(&self, range: DateRange, limit: usize) -> Result<Vec<TopProduct>> {
        let mut sold: HashMap<ProductId, (i64, u64)> = HashMap::new();
        for (_, _, product, quantity, _) in self.occurred_in(range, &[MovementKind::Sale]).await? {
            let entry = sold.entry(product).or_default();
            entry.0 = entry
                .0
                .checked_add(quantity.milli())
                .ok_or(ValueError::Overflow)?;
            entry.1 += 1;
        }
        let mut out = Vec::with_capacity(sold.len());
        for (product, (quantity, sales)) in sold {
            let Some(p) = self.product(product).await? else {
                continue;
            };
            out.push(TopProduct {
                product,
                sku: p.sku,
                name: p.name,
                quantity: Quantity::from_milli(quantity),
                sales,
            });
        }
        out.sort_by(|a, b| b.quantity.cmp(&a.quantity).then_with(|| a.sku.cmp(&b.sku)));
        out.truncate(limit);
        Ok(out)
    }

    pub(crate) async fn timeline(&self, range: DateRange) -> Result<Vec<TimelineEntry>> {
        let mut days: BTreeMap<(NaiveDate, MovementKind), (u64, i64)> = BTreeMap::new();
        for (date, kind, _, quantity, _) in self.occurred_in(range, &[]).await? {
            let entry = days.entry((date, kind)).or_default();
            entry.0 += 1;
            entry.1 = entry
                .1
                .checked_add(quantity.milli())
                .ok_or(ValueError::Overflow)?;
        }
        Ok(days
            .into_iter()
            .map(|((date, kind), (movements, quantity))| TimelineEntry {
                date,
                kind,
                movements,
                quantity: Quantity::from_milli(quantity),
            })
            .collect())
    }

    pub(crate) async fn weekly_sales(&self, range: DateRange) -> Result<Vec<WeeklySales>> {
        let mut weeks: BTreeMap<(i32, u32), (i64, i64)> = BTreeMap::new();
        for (date, _, _, quantity, value) in self.occurred_in(range, &[MovementKind::Sale]).await? {
            let week = date.iso_week();
            let entry = weeks.entry((week.year(), week.week())).or_default();
            entry.0 = entry
                .0
                .checked_add(quantity.milli())
                .ok_or(ValueError::Overflow)?;
            // Sale rows carry negative values (stock leaving); the cost of goods is positive.
            entry.1 = entry
                .1
                .checked_sub(value.centavos())
                .ok_or(ValueError::Overflow)?;
        }
        Ok(weeks
            .into_iter()
            .map(|((iso_year, iso_week), (quantity, cost))| WeeklySales {
                iso_year,
                iso_week,
                quantity: Quantity::from_milli(quantity),
                cost_of_goods: Money::from_centavos(cost),
            })
            .collect())
    }

    /// UTC microsecond bounds `[start 00:00, day after end 00:00)` of a local day range.
    pub(crate) fn bounds(&self, range: DateRange) -> Result<(i64, i64)> {
        let tz = self.timezone();
        let start_of = |date: NaiveDate| -> Result<i64> {
            let midnight = date.and_hms_opt(0, 0, 0).ok_or(ValueError::Overflow)?;
            let local = tz
                .from_local_datetime(&midnight)
                .earliest()
                .ok_or(ValueError::Overflow)?;
            Ok(micros(local.with_timezone(&Utc)))
        };
        let after_end = range.end.succ_opt().ok_or(ValueError::Overflow)?;
        Ok((start_of(range.start)?, start_of(after_end)?))
    }

    pub(crate) async fn verify_ledger(&self, product: Option<ProductId>) -> Result<LedgerReport> {
        let balances = sqlx::query(
            "SELECT product_id, location_id, on_hand_milli, last_seq FROM stock_balances \
             WHERE tenant_id = $1 AND ($2 IS NULL OR product_id = $2)",
        )
        .bind(self.tenant())
        .bind(product.map(|p| p.0))
        .fetch_all(self.pool())
        .await?;
        let mut replay: BTreeMap<(ProductId, LocationId), Replay> = BTreeMap::new();
        let rows = sqlx::query(
            "SELECT product_id, location_id, seq, before_milli, after_milli FROM stock_movements \
             WHERE tenant_id = $1 AND ($2 IS NULL OR product_id = $2) \
             ORDER BY product_id, location_id, seq",
        )
        .bind(self.tenant())
        .bind(product.map(|p| p.0))
        .fetch_all(self.pool())
        .await?;
        let mut report = LedgerReport {
            movements_checked: rows.len() as u64,
            ..LedgerReport::default()
        };
        for row in rows {
            let key = (
                ProductId(row.try_get("product_id")?),
                LocationId(row.try_get("location_id")?),
            );
            let seq: i64 = row.try_get("seq")?;
            let before = Quantity::from_milli(row.try_get("before_milli")?);
            let after = Quantity::from_milli(row.try_get("after_milli")?);
            let state = replay.entry(key).or_default();
            if state.broken_at.is_none() && (seq != state.last_seq + 1 || before != state.on_hand) {
                state.broken_at = Some(seq);
            }
            state.last_seq = seq;
            state.on_hand = after;
        }
        for row in balances {
            report.balances_checked += 1;
            let key = (
                ProductId(row.try_get("product_id")?),
                LocationId(row.try_get("location_id")?),
            );
            let balance_on_hand = Quantity::from_milli(row.try_get("on_hand_milli")?);
            let last_seq: i64 = row.try_get("last_seq")?;
            let state = replay.remove(&key).unwrap_or_default();
            if state.on_hand != balance_on_hand
                || state.last_seq != last_seq
                || state.broken_at.is_some()
            {
                report.discrepancies.push(LedgerDiscrepancy {
                    product: key.0,
                    location: key.1,
                    ledger_on_hand: state.on_hand,
                    balance_on_hand,
                    broken_at_seq: state.broken_at,
                });
            }
        }
        // Ledger rows with no balance at all.
        for ((product, location), state) in replay {
            report.discrepancies.push(LedgerDiscrepancy {
                product,
                location,
                ledger_on_hand: state.on_hand,
                balance_on_hand: Quantity::ZERO,
                broken_at_seq: state.broken_at,
            });
        }
        report
            .discrepancies
            .sort_by_key(|d| (d.product, d.location));
        Ok(report)
    }

    /// Brings the ledger in line with a balance that disagrees with it, through one compensating
    /// `Adjustment` (reason `CORRECCION_SISTEMA`). Returns `None` when they already agree.
    pub(crate) async fn repair(
        &self,
        product: ProductId,
        location: LocationId,
        actor: &Actor,
    ) -> Result<Option<Movement>> {
        let started = std::time::Instant::now();
        let now = Utc::now();
        let mut tx = self.write().await?;
        let balance = sqlx::query(
            "SELECT on_hand_milli, last_seq, negative_allowed FROM stock_balances \
             WHERE tenant_id = $1 AND product_id = $2 AND location_id = $3",
        )
        .bind(self.tenant())
        .bind(product.0)
        .bind(location.0)
        .fetch_optional(&mut *tx)
        .await?;
        let (on_hand, negative_allowed) = match &balance {
            Some(row) => (
                Quantity::from_milli(row.try_get("on_hand_milli")?),
                codec::flag(row, "negative_allowed")?,
            ),
            None => (Quantity::ZERO, false),
        };
        let last = sqlx::query(
            "SELECT seq, after_milli FROM stock_movements \
             WHERE tenant_id = $1 AND product_id = $2 AND location_id = $3 ORDER BY seq DESC LIMIT 1",
        )
        .bind(self.tenant())
        .bind(product.0)
        .bind(location.0)
        .fetch_optional(&mut *tx)
        .await?;
        let (ledger_seq, ledger_on_hand) = match &last {
            Some(row) => (
                row.try_get::<i64, _>("seq")?,
                Quantity::from_milli(row.try_get("after_milli")?),
            ),
            None => (0, Quantity::ZERO),
        };
        let delta = on_hand
            .checked_sub(ledger_on_hand)
            .ok_or(ValueError::Overflow)?;
        if delta.is_zero() {
            return Ok(None);
        }
        let average_cost: Vec<u8> = sqlx::query_scalar(
            "SELECT average_cost FROM products WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(product.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(RuleError::ProductNotFound(product))?;
        let unit_cost = PRODUCT_AVERAGE_COST.open_cost(self.keys(), product.0, &average_cost)?;
        let quantity = if delta.is_negative() {
            delta.checked_neg().ok_or(ValueError::Overflow)?
        } else {
            delta
        };
        let draft = MovementDraft {
            product,
            location,
            kind: MovementKind::Adjustment,
            quantity,
            delta,
            before: ledger_on_hand,
            after: on_hand,
            unit_cost,
            value: unit_cost.value_of(delta)?,
            seq: ledger_seq + 1,
            negative_allowed,
            loss_reason: None,
        };
        let meta = RowMeta {
            actor,
            reference: None,
            lot: None,
            expiry: None,
            idempotency_key: None,
            occurred_at: now,
            recorded_at: now,
        };
        let movement_id = self.next_id(&mut tx, "stock_movements").await?;
        let movement = self
            .insert_movement(
                &mut tx,
                &draft,
                &meta,
                Some(REPAIR_REASON.to_owned()),
                None,
                movement_id,
            )
            .await?;
        sqlx::query(
            "UPDATE stock_balances SET last_seq = $4, updated_at = $5 \
             WHERE tenant_id = $1 AND product_id = $2 AND location_id = $3",
        )
        .bind(self.tenant())
        .bind(product.0)
        .bind(location.0)
        .bind(draft.seq)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        let entry =
            Entry::new(EventType::StockMovement, "stock_movements", movement.id.0).detail(json!({
                "kind": "repair",
                "product_id": product.0,
                "location_id": location.0,
                "delta_milli": movement.delta.milli(),
            }));
        self.commit_audited(tx, actor, entry).await?;
        self.metrics().stock_movement(
            MovementKindLabel::Repair,
            OpResult::Ok,
            started.elapsed().as_secs_f64(),
        );
        Ok(Some(movement))
    }
}

/// The reason written on repair adjustments.
pub const REPAIR_REASON: &str = "CORRECCION_SISTEMA";

#[derive(Default)]
struct SupplierTotals {
    products: u64,
    on_hand: BTreeMap<UnitOfMeasure, Quantity>,
    value_e7: i128,
}

#[derive(Default)]
struct Replay {
    last_seq: i64,
    on_hand: Quantity,
    broken_at: Option<i64>,
}

struct ProductLevel {
    product: ProductId,
    sku: Sku,
    name: String,
    unit: UnitOfMeasure,
    category: Option<String>,
    supplier: Option<SupplierId>,
    average_cost: UnitCost,
    level: StockLevel,
}

fn unit(code: String) -> Result<UnitOfMeasure> {
    code.parse()
        .map_err(|_| codec::corrupt("unknown unit of measure"))
}

fn sku(text: String) -> Result<Sku> {
    Sku::parse(&text).map_err(|_| codec::corrupt("invalid stored SKU"))
}

/// Rounds a sum of (thousandths × ten-thousandths) = 10⁻⁷ pesos HALF_UP to centavos.
pub(crate) fn round_e7_to_money(total: i128) -> Result<Money> {
    let divisor: i128 = 100_000;
    let half = divisor / 2;
    let rounded = if total >= 0 {
        (total + half) / divisor
    } else {
        (total - half) / divisor
    };
    let centavos = i64::try_from(rounded).map_err(|_| Error::from(ValueError::Overflow))?;
    Ok(Money::from_centavos(centavos))
}
