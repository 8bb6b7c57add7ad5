//! Seasonal minimums, critical and over-stock, and reorder suggestions grouped by supplier
//! (DOMAIN 4).
//!
//! All comparisons are exact: thresholds are `rust_decimal` products of a minimum and a seasonal
//! factor, never truncated, and suggestions are rounded up to the pack multiple.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::ids::{ProductId, SupplierId};
use super::values::{Quantity, ValueError};

/// A southern-hemisphere season, from the date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Season {
    /// December to February.
    Verano,
    /// March to May.
    Otono,
    /// June to August.
    Invierno,
    /// September to November.
    Primavera,
}

impl Season {
    /// The season `date` falls in.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use inventario_core::domain::replenishment::Season;
    /// assert_eq!(Season::of(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()), Season::Verano);
    /// assert_eq!(Season::of(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()), Season::Invierno);
    /// ```
    pub fn of(date: NaiveDate) -> Season {
        match date.month() {
            12 | 1 | 2 => Season::Verano,
            3..=5 => Season::Otono,
            6..=8 => Season::Invierno,
            _ => Season::Primavera,
        }
    }

    /// The stored code (`verano`, `otono`, `invierno`, `primavera`).
    pub const fn code(self) -> &'static str {
        match self {
            Season::Verano => "verano",
            Season::Otono => "otono",
            Season::Invierno => "invierno",
            Season::Primavera => "primavera",
        }
    }
}

/// The factor each season multiplies minimum stock by. Defaults: verano 1.3, otoño 1.0,
/// invierno 0.8, primavera 1.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeasonalFactors {
    /// December–February.
    pub verano: Decimal,
    /// March–May.
    pub otono: Decimal,
    /// June–August.
    pub invierno: Decimal,
    /// September–November.
    pub primavera: Decimal,
}

impl Default for SeasonalFactors {
    fn default() -> Self {
        SeasonalFactors {
            verano: Decimal::new(13, 1),
            otono: Decimal::ONE,
            invierno: Decimal::new(8, 1),
            primavera: Decimal::new(11, 1),
        }
    }
}

impl SeasonalFactors {
    /// The factor for a season.
    pub fn factor(&self, season: Season) -> Decimal {
        match season {
            Season::Verano => self.verano,
            Season::Otono => self.otono,
            Season::Invierno => self.invierno,
            Season::Primavera => self.primavera,
        }
    }

    /// The factor for the season of `date`.
    pub fn on(&self, date: NaiveDate) -> Decimal {
        self.factor(Season::of(date))
    }
}

/// How urgent a critical product is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    /// Nothing on hand.
    Critical,
    /// At most half the threshold.
    Warning,
    /// Below the threshold.
    Low,
}

impl Urgency {
    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Urgency::Critical => "critical",
            Urgency::Warning => "warning",
            Urgency::Low => "low",
        }
    }
}

/// What replenishment needs to know about a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockLevel {
    /// Total on hand over all locations.
    pub on_hand: Quantity,
    /// Minimum stock before the seasonal factor.
    pub min_stock: Quantity,
    /// Maximum stock.
    pub max_stock: Option<Quantity>,
    /// Explicit reorder point (otherwise the seasonal minimum).
    pub reorder_point: Option<Quantity>,
    /// Pack multiple for orders.
    pub pack_multiple: Quantity,
    /// Quantity already ordered and not received.
    pub on_order: Quantity,
}

/// A product whose stock is at or below its seasonal minimum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortage {
    /// `min_stock × seasonal factor`, exact.
    pub threshold: Decimal,
    /// `threshold − on_hand`, exact, never negative.
    pub deficit: Decimal,
    /// How urgent.
    pub urgency: Urgency,
}

impl StockLevel {
    /// The seasonal minimum: `min_stock × factor`, exact.
    pub fn threshold(&self, factor: Decimal) -> Decimal {
        self.min_stock.to_decimal() * factor
    }

    /// `Some` when the product is critical: `on_hand ≤ min × factor` (so an empty product is
    /// always critical, even with a minimum of 0).
    ///
    /// ```
    /// use inventario_core::domain::replenishment::{StockLevel, Urgency};
    /// use inventario_core::domain::values::Quantity;
    /// use rust_decimal::Decimal;
    ///
    /// let level = StockLevel {
    ///     on_hand: Quantity::from_units(13).unwrap(),
    ///     min_stock: Quantity::from_units(10).unwrap(),
    ///     max_stock: None, reorder_point: None,
    ///     pack_multiple: Quantity::from_units(1).unwrap(), on_order: Quantity::ZERO,
    /// };
    /// let verano = Decimal::new(13, 1);
    /// let shortage = level.shortage(verano).unwrap();
    /// assert_eq!(shortage.threshold, Decimal::new(13, 0));
    /// assert_eq!(shortage.urgency, Urgency::Low);
    /// ```
    pub fn shortage(&self, factor: Decimal) -> Option<Shortage> {
        let threshold = self.threshold(factor);
        let on_hand = self.on_hand.to_decimal();
        if on_hand > threshold {
            return None;
        }
        let urgency = if !self.on_hand.is_positive() {
            Urgency::Critical
        } else if on_hand <= threshold / Decimal::TWO {
            Urgency::Warning
        } else {
            Urgency::Low
        };
        Some(Shortage {
            threshold: threshold.normalize(),
            deficit: (threshold - on_hand).normalize(),
            urgency,
        })
    }

    /// Whether the product holds at least its maximum stock.
    pub fn over_stock(&self) -> bool {
        self.max_stock.is_some_and(|max| self.on_hand >= max)
    }

    /// How much to order, if the product is at or below its reorder point: up to the maximum
    /// stock (or twice the seasonal minimum), less what is on hand and on order, rounded up to
    /// the pack multiple. `None` when nothing needs ordering.
    pub fn reorder_quantity(&self, factor: Decimal) -> Result<Option<Quantity>, ValueError> {
        let threshold = self.threshold(factor);
        let reorder_point = self.reorder_point.map_or(threshold, Quantity::to_decimal);
        if self.on_hand.to_decimal() > reorder_point {
            return Ok(None);
        }
        let target = self
            .max_stock
            .map_or(threshold * Decimal::TWO, Quantity::to_decimal);
        let missing = target - self.on_hand.to_decimal() - self.on_order.to_decimal();
        if missing <= Decimal::ZERO {
            return Ok(None);
        }
        // Up to the next thousandth (the quantity grid), then to the pack multiple.
        let milli = (missing * Decimal::ONE_THOUSAND).ceil();
        let milli = i64::try_from(milli).map_err(|_| ValueError::Overflow)?;
        Quantity::from_milli(milli)
            .round_up_to_multiple(self.pack_multiple)
            .map(Some)
    }
}

/// One product to order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReorderLine {
    /// The product.
    pub product: ProductId,
    /// How much to order.
    pub quantity: Quantity,
    /// On hand when suggested.
    pub on_hand: Quantity,
    /// Already on order.
    pub on_order: Quantity,
}

/// The lines to order from one supplier (or from nobody yet, when `supplier` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierReorder {
    /// The supplier the lines go to.
    pub supplier: Option<SupplierId>,
    /// The lines, by product id.
    pub lines: Vec<ReorderLine>,
}

/// Groups reorder lines by supplier; suppliers in id order, unassigned products last.
pub fn group_by_supplier(
    lines: impl IntoIterator<Item = (Option<SupplierId>, ReorderLine)>,
) -> Vec<SupplierReorder> {
    let mut groups: BTreeMap<(bool, Option<SupplierId>), Vec<ReorderLine>> = BTreeMap::new();
    for (supplier, line) in lines {
        groups
            .entry((supplier.is_none(), supplier))
            .or_default()
            .push(line);
    }
    groups
        .into_iter()
        .map(|((_, supplier), mut lines)| {
            lines.sort_by_key(|l| l.product);
            SupplierReorder { supplier, lines }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(n: i64) -> Quantity {
        Quantity::from_units(n).unwrap()
    }

    fn level(min: i64, on_hand: i64) -> StockLevel {
        StockLevel {
            on_hand: units(on_hand),
            min_stock: units(min),
            max_stock: None,
            reorder_point: None,
            pack_multiple: units(1),
            on_order: Quantity::ZERO,
        }
    }

    fn date(month: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, 10).unwrap()
    }

    #[test]
    fn legacy_critical_vectors() {
        let factors = SeasonalFactors::default();
        let (verano, invierno, primavera) = (date(1), date(7), date(10));
        let cases = [
            (10, 12, verano, true),
            (10, 13, verano, true),
            (10, 14, verano, false),
            (7, 9, verano, true),
            (5, 0, verano, true),
            (10, 8, invierno, true),
            (10, 9, invierno, false),
            (3, 3, primavera, true),
        ];
        for (min, on_hand, day, critical) in cases {
            let got = level(min, on_hand).shortage(factors.on(day)).is_some();
            assert_eq!(got, critical, "min {min}, on hand {on_hand}, {day}");
        }
        for month in 1..=12 {
            assert!(
                level(0, 0).shortage(factors.on(date(month))).is_some(),
                "(0, 0) in month {month}"
            );
        }
    }

    #[test]
    fn threshold_and_deficit_are_exact() {
        let shortage = level(7, 9).shortage(Decimal::new(13, 1)).unwrap();
        assert_eq!(shortage.threshold.to_string(), "9.1");
        assert_eq!(shortage.deficit.to_string(), "0.1");
    }

    #[test]
    fn urgency_levels() {
        let verano = Decimal::new(13, 1);
        assert_eq!(
            level(10, 0).shortage(verano).unwrap().urgency,
            Urgency::Critical
        );
        assert_eq!(
            level(10, 6).shortage(verano).unwrap().urgency,
            Urgency::Warning
        ); // 6 ≤ 6.5
        assert_eq!(level(10, 7).shortage(verano).unwrap().urgency, Urgency::Low);
    }

    #[test]
    fn seasons_follow_the_southern_hemisphere() {
        let expected = [
            (1, Season::Verano),
            (2, Season::Verano),
            (3, Season::Otono),
            (5, Season::Otono),
            (6, Season::Invierno),
            (8, Season::Invierno),
            (9, Season::Primavera),
            (11, Season::Primavera),
            (12, Season::Verano),
        ];
        for (month, season) in expected {
            assert_eq!(Season::of(date(month)), season, "month {month}");
        }
    }

    #[test]
    fn over_stock_at_or_above_max() {
        let mut l = level(5, 50);
        assert!(!l.over_stock());
        l.max_stock = Some(units(50));
        assert!(l.over_stock());
        l.on_hand = units(49);
        assert!(!l.over_stock());
    }

    #[test]
    fn reorder_targets_max_or_twice_the_seasonal_minimum() {
        let verano = Decimal::new(13, 1);
        // 2 × 9.1 − 9 = 9.2 → 10 whole units.
        assert_eq!(
            level(7, 9).reorder_quantity(verano).unwrap(),
            Some(units(10))
        );
        // Above the reorder point: nothing.
        assert_eq!(level(10, 14).reorder_quantity(verano).unwrap(), None);
        // Max set: up to max, less on order, rounded up to packs of 6.
        let mut l = level(10, 4);
        l.max_stock = Some(units(40));
        l.on_order = units(6);
        l.pack_multiple = units(6);
        assert_eq!(l.reorder_quantity(Decimal::ONE).unwrap(), Some(units(30)));
        // Enough on order: nothing.
        l.on_order = units(36);
        assert_eq!(l.reorder_quantity(Decimal::ONE).unwrap(), None);
    }

    #[test]
    fn reorder_respects_an_explicit_reorder_point() {
        let mut l = level(10, 15);
        l.reorder_point = Some(units(16));
        assert_eq!(l.reorder_quantity(Decimal::ONE).unwrap(), Some(units(5)));
        l.reorder_point = Some(units(14));
        assert_eq!(l.reorder_quantity(Decimal::ONE).unwrap(), None);
    }

    #[test]
    fn weighed_goods_reorder_in_thousandths_then_packs() {
        let l = StockLevel {
            on_hand: "3.25".parse().unwrap(),
            min_stock: "5".parse().unwrap(),
            max_stock: None,
            reorder_point: None,
            pack_multiple: "0.5".parse().unwrap(),
            on_order: Quantity::ZERO,
        };
        // 2 × 5 × 1.1 − 3.25 = 7.75 → 8 kg in 0.5 kg packs.
        assert_eq!(
            l.reorder_quantity(Decimal::new(11, 1)).unwrap(),
            Some("8".parse().unwrap())
        );
    }

    #[test]
    fn groups_by_supplier_with_unassigned_last() {
        let line = |p| ReorderLine {
            product: ProductId(p),
            quantity: units(1),
            on_hand: units(0),
            on_order: units(0),
        };
        let groups = group_by_supplier([
            (None, line(3)),
            (Some(SupplierId(2)), line(5)),
            (Some(SupplierId(1)), line(4)),
            (Some(SupplierId(2)), line(1)),
        ]);
        let shape: Vec<_> = groups
            .iter()
            .map(|g| {
                (
                    g.supplier,
                    g.lines.iter().map(|l| l.product.0).collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some(SupplierId(1)), vec![4]),
                (Some(SupplierId(2)), vec![1, 5]),
                (None, vec![3])
            ]
        );
    }
}
