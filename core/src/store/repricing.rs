//! Repricing a category or every product in one transaction, writing price history.

use chrono::Utc;
use rust_decimal::Decimal;
use sqlx::Row;

use super::codec::{self, micros};
use super::fields::PRODUCT_AVERAGE_COST;
use super::{Entry, Store};
use crate::audit::EventType;
use crate::domain::catalog::{PriceKind, PriceSource};
use crate::domain::pricing::{
    check_minimum_margin, ClampApplied, PriceCalculator, PriceInput, PricingError, Region,
};
use crate::domain::values::{Money, Sku, UnitCost};
use crate::domain::{Actor, ProductId};
use crate::error::Result;
use serde_json::json;

/// Which products a repricing touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepriceScope {
    /// Every active product.
    All,
    /// Active products of one category (compared case- and accent-insensitively).
    Category(String),
}

/// What a repricing applies the calculator's factors to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepriceBase {
    /// The weighted-average cost, HALF_UP to centavos (the full engine's markups make a price
    /// from a cost). Products never received have no cost and are skipped.
    AverageCost,
    /// The current sale price (for inflation updates of a price list).
    SalePrice,
}

/// A repricing run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repricing {
    /// Which products.
    pub scope: RepriceScope,
    /// From which base.
    pub base: RepriceBase,
    /// Where the shop sells.
    pub region: Region,
    /// The date the base prices are from.
    pub reference_date: chrono::NaiveDate,
    /// The date the new prices are for.
    pub target_date: chrono::NaiveDate,
    /// Write prices below the minimum margin anyway.
    pub force_below_margin: bool,
}

/// One product whose price changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repriced {
    /// The product.
    pub product: ProductId,
    /// Its SKU.
    pub sku: Sku,
    /// The price before.
    pub old_price: Money,
    /// The price now.
    pub new_price: Money,
    /// Set when the clamp decided the price.
    pub clamp: Option<ClampApplied>,
}

/// What a repricing did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepriceReport {
    /// Prices changed (each with a price-history row, source `repricing`).
    pub repriced: Vec<Repriced>,
    /// Products left as they were because the new price broke a rule (e.g. the minimum margin).
    pub refused: Vec<(ProductId, Sku, PricingError)>,
    /// Products with no cost to price from (base `AverageCost`, never received).
    pub without_cost: Vec<(ProductId, Sku)>,
    /// Products whose price came out the same.
    pub unchanged: u64,
}

impl Store {
    pub(crate) async fn reprice(
        &self,
        request: &Repricing,
        calculator: &dyn PriceCalculator,
        minimum_margin: Decimal,
        actor: &Actor,
    ) -> Result<RepriceReport> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let rows = sqlx::query(
            "SELECT id, sku, category, sale_price_centavos, average_cost FROM products \
             WHERE tenant_id = $1 AND active = TRUE ORDER BY sku",
        )
        .bind(self.tenant())
        .fetch_all(&mut *tx)
        .await?;
        let wanted = match &request.scope {
            RepriceScope::All => None,
            RepriceScope::Category(c) => Some(crate::domain::text::normalize(c)),
        };
        let mut report = RepriceReport::default();
        for row in rows {
            let category: Option<String> = row.try_get("category")?;
            if let Some(wanted) = &wanted {
                if category
                    .as_deref()
                    .map(crate::domain::text::normalize)
                    .as_ref()
                    != Some(wanted)
                {
                    continue;
                }
            }
            let product = ProductId(row.try_get("id")?);
            let sku_text: String = row.try_get("sku")?;
            let sku = Sku::parse(&sku_text).map_err(|_| codec::corrupt("invalid stored SKU"))?;
            let old_price = Money::from_centavos(row.try_get("sale_price_centavos")?);
            let cost = PRODUCT_AVERAGE_COST.open_cost(
                self.keys(),
                product.0,
                row.try_get("average_cost")?,
            )?;
            let base = match request.base {
                RepriceBase::SalePrice => old_price,
                RepriceBase::AverageCost if cost == UnitCost::ZERO => {
                    report.without_cost.push((product, sku));
                    continue;
                }
                RepriceBase::AverageCost => Money::from_decimal_rounded(cost.to_decimal())?,
            };
            let input = PriceInput {
                base,
                category: category.clone(),
                region: request.region,
                reference_date: request.reference_date,
                target_date: request.target_date,
            };
            let quote = match calculator.quote(&input) {
                Ok(quote) => quote,
                Err(e) => {
                    report.refused.push((product, sku, e));
                    continue;
                }
            };
            if cost > UnitCost::ZERO {
                let check = check_minimum_margin(
                    cost,
                    quote.price,
                    minimum_margin,
                    request.force_below_margin,
                );
                if let Err(e) = check {
                    report.refused.push((product, sku, e));
                    continue;
                }
            }
            if quote.price == old_price {
                report.unchanged += 1;
                continue;
            }
            sqlx::query(
                "UPDATE products SET sale_price_centavos = $3, updated_at = $4 \
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(self.tenant())
            .bind(product.0)
            .bind(quote.price.centavos())
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            let value = UnitCost::from_money(quote.price)?;
            self.insert_price(
                &mut tx,
                product,
                PriceKind::Sale,
                value,
                PriceSource::Repricing,
                actor,
                None,
                now,
            )
            .await?;
            report.repriced.push(Repriced {
                product,
                sku,
                old_price,
                new_price: quote.price,
                clamp: quote.clamp,
            });
        }
        if report.repriced.is_empty() {
            tx.commit().await?;
        } else {
            let ids: Vec<i64> = report.repriced.iter().map(|r| r.product.0).collect();
            let key = match ids.as_slice() {
                [only] => only.to_string(),
                _ => String::new(),
            };
            let entry = Entry::new(EventType::PriceChange, "products", key).detail(json!({
                "action": "reprice",
                "product_ids": ids,
                "refused": report.refused.len(),
            }));
            self.commit_audited(tx, actor, entry).await?;
        }
        Ok(report)
    }
}
