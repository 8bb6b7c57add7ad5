//! The configurable tables of the full engine and their DOMAIN 5 defaults.
//!
//! This module owns [`PricingTables`] (monthly rate, seasonal factors per category, regional
//! factors, category parameters, markups and the clamp factors), [`CategoryParams`] and
//! [`RegionFactors`], and how a category name finds its rows: the name is normalised
//! (lower-case, accents stripped, spaces trimmed and collapsed) and an unknown or absent
//! category uses the "others" rows (`default_seasonality`, `default_category`).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{dec, normalise, MonthlyRate, PricingError, Region};

/// Volatility and transport factor of a category, for the markup `MK`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CategoryParams {
    /// Price volatility as a fraction: `MK` is multiplied by `1 + volatility`.
    pub volatility: Decimal,
    /// Transport factor, weighted by [`PricingTables::transport_weight`] in `MK`.
    pub transport: Decimal,
}

impl CategoryParams {
    /// Parameters from volatility and transport factor.
    pub const fn new(volatility: Decimal, transport: Decimal) -> CategoryParams {
        CategoryParams {
            volatility,
            transport,
        }
    }
}

/// The regional factor `REG` of each [`Region`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionFactors {
    /// City of Buenos Aires; 1.15 by default.
    pub caba: Decimal,
    /// Greater Buenos Aires and Buenos Aires province; 1.08 by default.
    pub gba: Decimal,
    /// Every other province; 0.95 by default.
    pub interior: Decimal,
}

impl RegionFactors {
    /// The factor of `region`.
    pub fn factor(&self, region: Region) -> Decimal {
        match region {
            Region::Caba => self.caba,
            Region::Gba => self.gba,
            Region::Interior => self.interior,
        }
    }
}

impl Default for RegionFactors {
    /// CABA 1.15, GBA 1.08, interior 0.95.
    fn default() -> RegionFactors {
        RegionFactors {
            caba: dec(115, 2),
            gba: dec(108, 2),
            interior: dec(95, 2),
        }
    }
}

/// Everything the full engine reads besides its input: `final = clamp(base × INF × SEAS × REG ×
/// MK)`.
///
/// Map keys are category names; lookups normalise both the asked name and the keys, so
/// `"Electrodomésticos"` finds `"electrodomesticos"`. [`Default`] holds every default of
/// DOMAIN 5.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricingTables {
    /// Monthly inflation for `INF`; 4.5 % by default.
    pub inflation: MonthlyRate,
    /// Seasonal factors `SEAS` by category, January first.
    pub seasonality: BTreeMap<String, [Decimal; 12]>,
    /// Seasonal factors of categories without their own row ("others").
    pub default_seasonality: [Decimal; 12],
    /// Regional factors `REG`.
    pub regions: RegionFactors,
    /// Volatility and transport by category.
    pub categories: BTreeMap<String, CategoryParams>,
    /// Parameters of categories without their own row ("others"): (0.10, 1.00).
    pub default_category: CategoryParams,
    /// Supplier markup, added to the retail markup (0.25).
    pub supplier_markup: Decimal,
    /// Retail markup, added to the supplier markup (0.35).
    pub retail_markup: Decimal,
    /// Weight of the transport factor in the markup (0.08).
    pub transport_weight: Decimal,
    /// The price is at least `min_factor × base` (1.12: the minimum margin).
    pub min_factor: Decimal,
    /// The price is at most `max_factor × base` (3.45).
    pub max_factor: Decimal,
}

/// One seasonal row from factors in hundredths, January first.
const fn season(hundredths: [u32; 12]) -> [Decimal; 12] {
    let mut row = [Decimal::ZERO; 12];
    let mut i = 0;
    while i < 12 {
        row[i] = dec(hundredths[i], 2);
        i += 1;
    }
    row
}

impl Default for PricingTables {
    /// The defaults of DOMAIN 5.
    fn default() -> PricingTables {
        let seasonality = [
            (
                "alimentos",
                season([115, 112, 108, 100, 98, 95, 105, 102, 100, 110, 118, 125]),
            ),
            (
                "bebidas",
                season([130, 125, 110, 100, 90, 85, 88, 95, 105, 115, 120, 135]),
            ),
            (
                "ropa",
                season([80, 75, 120, 115, 125, 110, 105, 85, 120, 125, 130, 140]),
            ),
            (
                "electrodomesticos",
                season([90, 88, 105, 100, 115, 112, 100, 102, 105, 110, 125, 135]),
            ),
        ];
        let categories = [
            ("alimentos", CategoryParams::new(dec(12, 2), dec(115, 2))),
            ("combustibles", CategoryParams::new(dec(25, 2), dec(95, 2))),
            ("medicamentos", CategoryParams::new(dec(5, 2), dec(105, 2))),
            (
                "electrodomesticos",
                CategoryParams::new(dec(18, 2), dec(110, 2)),
            ),
        ];
        PricingTables {
            inflation: MonthlyRate::DEFAULT,
            seasonality: seasonality
                .into_iter()
                .map(|(name, row)| (name.to_owned(), row))
                .collect(),
            default_seasonality: season([95, 95, 100, 100, 100, 100, 100, 100, 100, 100, 110, 110]),
            regions: RegionFactors::default(),
            categories: categories
                .into_iter()
                .map(|(name, params)| (name.to_owned(), params))
                .collect(),
            default_category: CategoryParams::new(dec(10, 2), dec(100, 2)),
            supplier_markup: dec(25, 2),
            retail_markup: dec(35, 2),
            transport_weight: dec(8, 2),
            min_factor: dec(112, 2),
            max_factor: dec(345, 2),
        }
    }
}

/// The entry of `map` whose normalised key equals the normalised `category`.
fn lookup<'a, V>(map: &'a BTreeMap<String, V>, category: Option<&str>) -> Option<&'a V> {
    let wanted = normalise(category?);
    map.get(&wanted).or_else(|| {
        map.iter()
            .find(|(key, _)| normalise(key) == wanted)
            .map(|(_, v)| v)
    })
}

impl PricingTables {
    /// The seasonal row of a category (the "others" row when unknown or absent).
    pub fn seasonality_of(&self, category: Option<&str>) -> &[Decimal; 12] {
        lookup(&self.seasonality, category).unwrap_or(&self.default_seasonality)
    }

    /// `SEAS`: the seasonal factor of a category in the month of `date`.
    pub fn seasonal_factor(&self, category: Option<&str>, date: NaiveDate) -> Decimal {
        let row = self.seasonality_of(category);
        // `month0` is 0..=11, so the index is always in the row.
        row.get(date.month0() as usize)
            .copied()
            .unwrap_or(Decimal::ONE)
    }

    /// Volatility and transport of a category (the "others" parameters when unknown or absent).
    pub fn category_params(&self, category: Option<&str>) -> CategoryParams {
        lookup(&self.categories, category)
            .copied()
            .unwrap_or(self.default_category)
    }

    /// `MK = (1 + supplier + retail + transport_weight × transport) × (1 + volatility)`.
    ///
    /// The markups add, as in legacy. With the defaults: alimentos 1.895040, combustibles
    /// 2.095000, medicamentos 1.768200, electrodomesticos 1.991840, others 1.848000. Saturates
    /// at `Decimal::MAX` for tables too large to compute (the engine reports
    /// [`PricingError::Overflow`] instead).
    pub fn markup(&self, category: Option<&str>) -> Decimal {
        self.checked_markup(category).unwrap_or(Decimal::MAX)
    }

    /// [`PricingTables::markup`], or `None` on overflow.
    pub(super) fn checked_markup(&self, category: Option<&str>) -> Option<Decimal> {
        let params = self.category_params(category);
        let additive = Decimal::ONE
            .checked_add(self.supplier_markup)?
            .checked_add(self.retail_markup)?
            .checked_add(self.transport_weight.checked_mul(params.transport)?)?;
        additive.checked_mul(Decimal::ONE.checked_add(params.volatility)?)
    }

    /// Checks that no factor, markup or parameter is negative and that `min_factor ≤
    /// max_factor`.
    pub fn validate(&self) -> Result<(), PricingError> {
        let invalid = |reason| Err(PricingError::InvalidTables { reason });
        let negative = |d: &Decimal| d.is_sign_negative() && !d.is_zero();
        if self
            .seasonality
            .values()
            .flatten()
            .chain(&self.default_seasonality)
            .any(negative)
        {
            return invalid("seasonal factors must not be negative");
        }
        let regions = [self.regions.caba, self.regions.gba, self.regions.interior];
        if regions.iter().any(negative) {
            return invalid("regional factors must not be negative");
        }
        if self
            .categories
            .values()
            .chain([&self.default_category])
            .any(|p| negative(&p.volatility) || negative(&p.transport))
        {
            return invalid("category volatility and transport must not be negative");
        }
        let markups = [
            self.supplier_markup,
            self.retail_markup,
            self.transport_weight,
        ];
        if markups.iter().any(negative) {
            return invalid("markups and the transport weight must not be negative");
        }
        if negative(&self.min_factor) || self.min_factor > self.max_factor {
            return invalid("clamp factors must satisfy 0 <= min_factor <= max_factor");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn markup_per_category() {
        // (1 + 0.25 + 0.35 + 0.08 × transport) × (1 + volatility):
        //   alimentos          (1.6 + 0.092) × 1.12 = 1.692 × 1.12 = 1.89504
        //   combustibles       (1.6 + 0.076) × 1.25 = 1.676 × 1.25 = 2.095
        //   medicamentos       (1.6 + 0.084) × 1.05 = 1.684 × 1.05 = 1.7682
        //   electrodomesticos  (1.6 + 0.088) × 1.18 = 1.688 × 1.18 = 1.99184
        //   others             (1.6 + 0.080) × 1.10 = 1.680 × 1.10 = 1.848
        let tables = PricingTables::default();
        let cases = [
            (Some("alimentos"), "1.895040"),
            (Some("combustibles"), "2.095000"),
            (Some("medicamentos"), "1.768200"),
            (Some("electrodomesticos"), "1.991840"),
            (Some("Electrodomésticos"), "1.991840"),
            (Some("  ALIMENTOS "), "1.895040"),
            (Some("bebidas"), "1.848000"),
            (Some("librería"), "1.848000"),
            (None, "1.848000"),
        ];
        for (category, expected) in cases {
            assert_eq!(tables.markup(category), d(expected), "{category:?}");
        }
    }

    #[test]
    fn seasonal_lookup() {
        let tables = PricingTables::default();
        let date = |m| NaiveDate::from_ymd_opt(2025, m, 15).unwrap();
        assert_eq!(tables.seasonal_factor(Some("bebidas"), date(1)), d("1.30"));
        assert_eq!(tables.seasonal_factor(Some("Ropa"), date(2)), d("0.75"));
        assert_eq!(
            tables.seasonal_factor(Some("alimentos"), date(12)),
            d("1.25")
        );
        assert_eq!(
            tables.seasonal_factor(Some("electrodomésticos"), date(11)),
            d("1.25")
        );
        // Categories without a seasonal row (combustibles, unknown, none) use "others".
        assert_eq!(
            tables.seasonal_factor(Some("combustibles"), date(1)),
            d("0.95")
        );
        assert_eq!(tables.seasonal_factor(None, date(11)), d("1.10"));
        assert_eq!(tables.seasonal_factor(Some("x"), date(6)), d("1.00"));
    }

    #[test]
    fn keys_are_normalised_on_both_sides() {
        let mut tables = PricingTables::default();
        tables.categories.insert(
            "Librería Escolar".into(),
            CategoryParams::new(d("0"), d("0")),
        );
        assert_eq!(tables.markup(Some("libreria  escolar")), d("1.6"));
    }

    #[test]
    fn validate_refuses_nonsense() {
        assert_eq!(PricingTables::default().validate(), Ok(()));
        let broken = [
            PricingTables {
                min_factor: d("4"),
                ..PricingTables::default()
            },
            PricingTables {
                min_factor: d("-0.1"),
                ..PricingTables::default()
            },
            PricingTables {
                retail_markup: d("-0.01"),
                ..PricingTables::default()
            },
            PricingTables {
                regions: RegionFactors {
                    gba: d("-1"),
                    ..RegionFactors::default()
                },
                ..PricingTables::default()
            },
            PricingTables {
                default_seasonality: [d("-1"); 12],
                ..PricingTables::default()
            },
            PricingTables {
                default_category: CategoryParams::new(d("-0.5"), d("1")),
                ..PricingTables::default()
            },
        ];
        for tables in broken {
            assert!(
                matches!(tables.validate(), Err(PricingError::InvalidTables { .. })),
                "{tables:?}"
            );
        }
    }
}
