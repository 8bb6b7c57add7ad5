//! Pricing (DOMAIN.md section 5): sale prices from a base price, and the minimum margin.
//!
//! This module owns:
//!
//! - [`MonthlyRate`], monthly inflation as a validated fraction, and [`accumulated_inflation`];
//! - the [`PriceCalculator`] interface and its two calculators, [`InflationCalculator`]
//!   (`base × (1 + r)^(days / 30.44)`) and [`FullEngine`] (`clamp(base × INF × SEAS × REG ×
//!   MK)`), configured by [`PricingTables`] and answering a [`PriceQuote`] that says which
//!   factors applied and whether the clamp did;
//! - [`Region`] and how place names map to it;
//! - [`margin`] and [`check_minimum_margin`].
//!
//! Everything is decimal arithmetic, never floats: the fractional power is computed with decimal
//! series to about 26 significant digits (see [`inflation_factor`]), far beyond the centavo, and
//! the only rounding to money is HALF_UP to centavos at the very end (the clamp bounds are money
//! too, rounded the same way). A target date before the reference date means no inflation.
//!
//! ```
//! use chrono::NaiveDate;
//! use inventario_core::domain::pricing::{FullEngine, PriceCalculator, PriceInput, Region};
//! use inventario_core::domain::values::Money;
//!
//! let day = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
//! let input = PriceInput {
//!     base: Money::from_centavos(10_000),
//!     category: Some("bebidas".into()),
//!     region: Region::from_name("Córdoba").unwrap(),
//!     reference_date: day,
//!     target_date: day,
//! };
//! // 100 × 1 × 1.30 × 0.95 × 1.848 = 228.228
//! let quote = FullEngine::default().quote(&input)?;
//! assert_eq!(quote.price.to_string(), "228.23");
//! assert_eq!(quote.clamp, None);
//! # Ok::<(), inventario_core::domain::pricing::PricingError>(())
//! ```

mod math;
mod region;
mod tables;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

pub use region::Region;
pub use tables::{CategoryParams, PricingTables, RegionFactors};

use super::values::{Money, UnitCost};

/// A decimal constant `mantissa × 10^-scale`.
const fn dec(mantissa: u32, scale: u32) -> Decimal {
    Decimal::from_parts(mantissa, 0, 0, false, scale)
}

/// Days in an average month, the unit of the inflation exponent: `days / 30.44`.
pub const DAYS_PER_MONTH: Decimal = dec(3044, 2);

/// The minimum margin over cost a sale price must keep unless forced: 12 %.
pub const DEFAULT_MINIMUM_MARGIN: Decimal = dec(12, 2);

/// The largest monthly rate accepted: 0.5 (50 %/month).
const MAX_RATE: Decimal = dec(5, 1);

/// Lower-case, accents stripped, spaces trimmed and collapsed: the key of a category or place.
fn normalise(text: &str) -> String {
    let plain: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'á' | 'à' | 'ä' | 'â' | 'ã' | 'å' => Some('a'),
            'é' | 'è' | 'ë' | 'ê' => Some('e'),
            'í' | 'ì' | 'ï' | 'î' => Some('i'),
            'ó' | 'ò' | 'ö' | 'ô' | 'õ' => Some('o'),
            'ú' | 'ù' | 'ü' | 'û' => Some('u'),
            'ñ' => Some('n'),
            'ç' => Some('c'),
            // Combining marks of decomposed text ("a" + U+0301).
            '\u{0300}'..='\u{036f}' => None,
            c => Some(c),
        })
        .collect();
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why a price could not be computed or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PricingError {
    /// A monthly rate outside `0 ≤ r ≤ 0.5`.
    #[error("monthly rate must be between 0 and 0.5 (0 % to 50 %)")]
    RateOutOfRange,
    /// A sale price below `cost × (1 + minimum margin)`, not forced.
    #[error(
        "sale price {price} is below the minimum {minimum_price} (cost plus {} % margin)",
        percent(minimum_margin)
    )]
    BelowMinimumMargin {
        /// The refused sale price.
        price: Money,
        /// The lowest price accepted: `cost × (1 + minimum_margin)`, rounded up to the centavo.
        minimum_price: Money,
        /// The minimum margin as a fraction (0.12 is 12 %).
        minimum_margin: Decimal,
    },
    /// A base price below zero.
    #[error("base price must not be negative")]
    NegativeBase,
    /// The price does not fit the money range.
    #[error("price is out of range")]
    Overflow,
    /// Pricing tables with a negative factor or `min_factor > max_factor`.
    #[error("invalid pricing tables: {reason}")]
    InvalidTables {
        /// What is wrong with them.
        reason: &'static str,
    },
}

/// A fraction written as a percentage without trailing zeros: 0.12 → "12", 0.125 → "12.5".
fn percent(fraction: &Decimal) -> String {
    fraction
        .checked_mul(Decimal::ONE_HUNDRED)
        .map_or_else(|| fraction.to_string(), |p| p.normalize().to_string())
}

/// Monthly inflation as a fraction: `MonthlyRate::from_fraction(Decimal::new(45, 3))` is
/// 4.5 %/month.
///
/// Constructors take one named unit **(legacy fix: legacy guessed "v < 1 means a fraction")**
/// and accept `0 ≤ r ≤ 0.5`.
///
/// ```
/// use inventario_core::domain::pricing::MonthlyRate;
/// use rust_decimal::Decimal;
///
/// let rate = MonthlyRate::from_percent(Decimal::new(45, 1))?;
/// assert_eq!(rate, MonthlyRate::from_fraction(Decimal::new(45, 3))?);
/// assert_eq!(rate.fraction().to_string(), "0.045");
/// assert!(MonthlyRate::from_fraction(Decimal::new(6, 1)).is_err());
/// # Ok::<(), inventario_core::domain::pricing::PricingError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MonthlyRate(Decimal);

impl MonthlyRate {
    /// No inflation.
    pub const ZERO: MonthlyRate = MonthlyRate(Decimal::ZERO);
    /// The default of DOMAIN 5: 4.5 %/month.
    pub const DEFAULT: MonthlyRate = MonthlyRate(dec(45, 3));

    /// A rate from a fraction (0.045 is 4.5 %); `RateOutOfRange` outside `0 ≤ r ≤ 0.5`.
    pub fn from_fraction(r: Decimal) -> Result<MonthlyRate, PricingError> {
        if (r.is_sign_negative() && !r.is_zero()) || r > MAX_RATE {
            return Err(PricingError::RateOutOfRange);
        }
        Ok(MonthlyRate(r.abs().normalize()))
    }

    /// A rate from a percentage (4.5 is 4.5 %); `RateOutOfRange` outside `0 ≤ p ≤ 50`.
    pub fn from_percent(p: Decimal) -> Result<MonthlyRate, PricingError> {
        let fraction = p
            .checked_div(Decimal::ONE_HUNDRED)
            .ok_or(PricingError::RateOutOfRange)?;
        MonthlyRate::from_fraction(fraction)
    }

    /// The rate as a fraction (0.045).
    pub fn fraction(self) -> Decimal {
        self.0
    }

    /// Growth over a possibly fractional number of months: `(1 + r)^months`.
    ///
    /// Computed as `exp(months × ln(1 + r))` with decimal series (see [`inflation_factor`] for
    /// the precision); `Overflow` when the result does not fit a `Decimal`.
    pub fn growth(self, months: Decimal) -> Result<Decimal, PricingError> {
        if self.0.is_zero() {
            return Ok(Decimal::ONE);
        }
        math::pow(Decimal::ONE + self.0, months).ok_or(PricingError::Overflow)
    }

    /// The rate as a percentage (4.5).
    pub fn percent(self) -> Decimal {
        (self.0 * Decimal::ONE_HUNDRED).normalize()
    }
}

/// Accumulated inflation over whole months: `(1 + r)^m − 1`.
///
/// 12 months at 4.5 % → 0.69588… (69.588 %). Exact up to `Decimal`'s 28 significant digits;
/// saturates at `Decimal::MAX` when the growth does not fit (beyond about 160 months at 50 %).
pub fn accumulated_inflation(rate: MonthlyRate, months: u32) -> Decimal {
    math::powu(Decimal::ONE + rate.0, months).map_or(Decimal::MAX, |g| g - Decimal::ONE)
}

/// `INF = (1 + r)^(days / 30.44)` for `days > 0`, else 1.
///
/// Computed as `exp((days / 30.44) × ln(1 + r))` with decimal series, to about 26 significant
/// digits: against a 50-digit reference on rates 0.1–50 %/month and 1–3650 days (factors up
/// to 1.3e21) the worst relative error is 4.4e-26, and the tests hold every factor to 1e-24. `Overflow` when the factor does not fit a `Decimal` (about 7.9e28).
pub fn inflation_factor(rate: MonthlyRate, days: i64) -> Result<Decimal, PricingError> {
    if days <= 0 {
        return Ok(Decimal::ONE);
    }
    let months = Decimal::from(days)
        .checked_div(DAYS_PER_MONTH)
        .ok_or(PricingError::Overflow)?;
    rate.growth(months)
}

/// What a calculator prices: a base price, what it is, where and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceInput {
    /// The price the factors apply to (cost or list price); never negative.
    pub base: Money,
    /// The product's category, any case and accents; `None` uses the "others" rows.
    pub category: Option<String>,
    /// Where the product is sold.
    pub region: Region,
    /// The date the base price is from.
    pub reference_date: NaiveDate,
    /// The date the price is for: inflation runs from the reference date, and its month picks
    /// the seasonal factor.
    pub target_date: NaiveDate,
}

impl PriceInput {
    /// Days from the reference date to the target date (negative when the target is earlier).
    pub fn elapsed_days(&self) -> i64 {
        (self.target_date - self.reference_date).num_days()
    }
}

/// The factors a quote multiplied the base by; 1 where a calculator does not use one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceFactors {
    /// `INF`, inflation between the reference and target dates.
    pub inflation: Decimal,
    /// `SEAS`, by category and target month.
    pub seasonal: Decimal,
    /// `REG`, by region.
    pub regional: Decimal,
    /// `MK`, markups and volatility by category.
    pub markup: Decimal,
}

impl PriceFactors {
    /// All factors 1.
    pub const ONE: PriceFactors = PriceFactors {
        inflation: Decimal::ONE,
        seasonal: Decimal::ONE,
        regional: Decimal::ONE,
        markup: Decimal::ONE,
    };
}

/// Which bound of the clamp applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClampBound {
    /// The price was raised to `min_factor × base`.
    Min,
    /// The price was lowered to `max_factor × base`.
    Max,
}

impl ClampBound {
    /// `"min"` or `"max"`.
    pub fn code(self) -> &'static str {
        match self {
            ClampBound::Min => "min",
            ClampBound::Max => "max",
        }
    }
}

/// A clamp that changed the price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClampApplied {
    /// Which bound.
    pub bound: ClampBound,
    /// The bound as money (HALF_UP to centavos): the quoted price.
    pub limit: Money,
}

/// A computed price, with how it was reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceQuote {
    /// The final price, HALF_UP to centavos.
    pub price: Money,
    /// The exact product of the base and the factors, before the clamp and the rounding.
    pub unclamped: Decimal,
    /// The factors applied.
    pub factors: PriceFactors,
    /// The clamp, when it applied.
    pub clamp: Option<ClampApplied>,
}

/// One interface for every price calculator.
pub trait PriceCalculator: Send + Sync {
    /// Prices `input`; `NegativeBase` for a negative base, `Overflow` when out of range.
    fn quote(&self, input: &PriceInput) -> Result<PriceQuote, PricingError>;
}

/// Money from an exact decimal, HALF_UP to centavos.
fn round_money(value: Decimal) -> Result<Money, PricingError> {
    Money::from_decimal_rounded(value).map_err(|_| PricingError::Overflow)
}

/// The base as a decimal, refusing a negative one.
fn base_of(input: &PriceInput) -> Result<Decimal, PricingError> {
    if input.base.is_negative() {
        return Err(PricingError::NegativeBase);
    }
    Ok(input.base.to_decimal())
}

/// Inflation only: `price = base × (1 + r)^(days / 30.44)` for days > 0, else base.
///
/// Category and region are ignored; never clamps. With r = 4.5 %: (100, 30 d) → 104.43,
/// (100, 365 d) → 169.52, (850, 90 d) → 968.14, (100, −5 d) → 100.00.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InflationCalculator {
    /// Monthly inflation.
    pub rate: MonthlyRate,
}

impl PriceCalculator for InflationCalculator {
    fn quote(&self, input: &PriceInput) -> Result<PriceQuote, PricingError> {
        let base = base_of(input)?;
        let inflation = inflation_factor(self.rate, input.elapsed_days())?;
        let unclamped = base.checked_mul(inflation).ok_or(PricingError::Overflow)?;
        Ok(PriceQuote {
            price: round_money(unclamped)?,
            unclamped,
            factors: PriceFactors {
                inflation,
                ..PriceFactors::ONE
            },
            clamp: None,
        })
    }
}

/// The full engine: `final = clamp(base × INF × SEAS × REG × MK)`.
///
/// `INF` uses the days elapsed between the reference and target dates **(legacy fix: not
/// calendar months)**, `SEAS` the target date's month, `REG` the region and `MK` the category's
/// markup; the clamp keeps the price within `[min_factor × base, max_factor × base]` and is
/// reported when it applies. The tables are validated on every quote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FullEngine {
    /// Rates, factors, markups and clamp.
    pub tables: PricingTables,
}

impl PriceCalculator for FullEngine {
    fn quote(&self, input: &PriceInput) -> Result<PriceQuote, PricingError> {
        let tables = &self.tables;
        tables.validate()?;
        let base = base_of(input)?;
        let category = input.category.as_deref();
        let factors = PriceFactors {
            inflation: inflation_factor(tables.inflation, input.elapsed_days())?,
            seasonal: tables.seasonal_factor(category, input.target_date),
            regional: tables.regions.factor(input.region),
            markup: tables
                .checked_markup(category)
                .ok_or(PricingError::Overflow)?,
        };
        // The exact factors first, the inflation factor last: a single rounding at 28 digits.
        let unclamped = base
            .checked_mul(factors.seasonal)
            .and_then(|v| v.checked_mul(factors.regional))
            .and_then(|v| v.checked_mul(factors.markup))
            .and_then(|v| v.checked_mul(factors.inflation))
            .ok_or(PricingError::Overflow)?;
        let low = base
            .checked_mul(tables.min_factor)
            .ok_or(PricingError::Overflow)?;
        let high = base
            .checked_mul(tables.max_factor)
            .ok_or(PricingError::Overflow)?;
        let (value, bound) = if unclamped < low {
            (low, Some(ClampBound::Min))
        } else if unclamped > high {
            (high, Some(ClampBound::Max))
        } else {
            (unclamped, None)
        };
        let price = round_money(value)?;
        Ok(PriceQuote {
            price,
            unclamped,
            factors,
            clamp: bound.map(|bound| ClampApplied {
                bound,
                limit: price,
            }),
        })
    }
}

/// Margin = (sale − cost) / cost; `None` when cost is 0.
///
/// ```
/// use inventario_core::domain::pricing::margin;
///
/// let margin = margin("100".parse()?, "125.00".parse()?);
/// assert_eq!(margin.map(|m| m.to_string()), Some("0.25".to_owned()));
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
pub fn margin(cost: UnitCost, sale: Money) -> Option<Decimal> {
    let cost = cost.to_decimal();
    if cost.is_zero() {
        return None;
    }
    sale.to_decimal()
        .checked_sub(cost)?
        .checked_div(cost)
        .map(|m| m.normalize())
}

/// Refuses a sale price below `cost × (1 + minimum)` unless `force`; the error names the
/// minimum price.
///
/// The minimum price is the smallest centavo amount at or above `cost × (1 + minimum)`, so a
/// price equal to it is accepted and the refusal's message never names a price that would
/// itself be refused.
///
/// ```
/// use inventario_core::domain::pricing::{check_minimum_margin, DEFAULT_MINIMUM_MARGIN};
///
/// let cost = "100".parse()?;
/// let err = check_minimum_margin(cost, "110.00".parse()?, DEFAULT_MINIMUM_MARGIN, false);
/// assert_eq!(
///     err.unwrap_err().to_string(),
///     "sale price 110.00 is below the minimum 112.00 (cost plus 12 % margin)"
/// );
/// assert!(check_minimum_margin(cost, "112.00".parse()?, DEFAULT_MINIMUM_MARGIN, false).is_ok());
/// assert!(check_minimum_margin(cost, "110.00".parse()?, DEFAULT_MINIMUM_MARGIN, true).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_minimum_margin(
    cost: UnitCost,
    sale: Money,
    minimum: Decimal,
    force: bool,
) -> Result<(), PricingError> {
    if force {
        return Ok(());
    }
    let exact = Decimal::ONE
        .checked_add(minimum)
        .and_then(|factor| cost.to_decimal().checked_mul(factor))
        .ok_or(PricingError::Overflow)?;
    let minimum_price = exact.round_dp_with_strategy(2, RoundingStrategy::ToPositiveInfinity);
    let minimum_price = Money::from_decimal(minimum_price).map_err(|_| PricingError::Overflow)?;
    if sale < minimum_price {
        return Err(PricingError::BelowMinimumMargin {
            price: sale,
            minimum_price,
            minimum_margin: minimum,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn money(s: &str) -> Money {
        s.parse().unwrap()
    }

    fn cost(s: &str) -> UnitCost {
        s.parse().unwrap()
    }

    fn date(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rate(s: &str) -> MonthlyRate {
        MonthlyRate::from_fraction(d(s)).unwrap()
    }

    /// An input `days` before `target`.
    fn input(
        base: &str,
        category: Option<&str>,
        region: Region,
        target: NaiveDate,
        days: i64,
    ) -> PriceInput {
        PriceInput {
            base: money(base),
            category: category.map(str::to_owned),
            region,
            reference_date: target - chrono::Duration::days(days),
            target_date: target,
        }
    }

    #[test]
    fn monthly_rate_takes_one_named_unit() {
        assert_eq!(
            MonthlyRate::from_percent(d("4.5")),
            MonthlyRate::from_fraction(d("0.045"))
        );
        assert_eq!(
            MonthlyRate::from_percent(d("4.5")),
            Ok(MonthlyRate::DEFAULT)
        );
        assert_eq!(rate("0.045").fraction(), d("0.045"));
        assert_eq!(rate("0.0450").fraction().to_string(), "0.045");
        assert_eq!(rate("0.045").percent().to_string(), "4.5");
        assert_eq!(rate("0").fraction(), Decimal::ZERO);
        assert_eq!(rate("0.5").fraction(), d("0.5"));
        assert_eq!(MonthlyRate::from_fraction(d("-0")), Ok(MonthlyRate::ZERO));
        for bad in ["0.6", "0.5000001", "-0.01", "-1", "4.5"] {
            assert_eq!(
                MonthlyRate::from_fraction(d(bad)),
                Err(PricingError::RateOutOfRange),
                "{bad}"
            );
        }
        assert_eq!(
            MonthlyRate::from_percent(d("60")),
            Err(PricingError::RateOutOfRange)
        );
        assert_eq!(
            MonthlyRate::from_percent(d("-4.5")),
            Err(PricingError::RateOutOfRange)
        );
        assert_eq!(
            PricingError::RateOutOfRange.to_string(),
            "monthly rate must be between 0 and 0.5 (0 % to 50 %)"
        );
    }

    #[test]
    fn accumulated_inflation_over_whole_months() {
        // 1.045^12 = 1.69588143276786698252715773…, so 69.588 %.
        let twelve = accumulated_inflation(MonthlyRate::DEFAULT, 12);
        let shown = (twelve * Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(shown.to_string(), "69.588");
        assert_eq!(
            accumulated_inflation(MonthlyRate::DEFAULT, 0),
            Decimal::ZERO
        );
        assert_eq!(accumulated_inflation(MonthlyRate::DEFAULT, 1), d("0.045"));
        assert_eq!(
            accumulated_inflation(MonthlyRate::DEFAULT, 2),
            d("0.092025")
        );
        assert_eq!(accumulated_inflation(MonthlyRate::ZERO, 120), Decimal::ZERO);
        assert_eq!(accumulated_inflation(rate("0.5"), 1000), Decimal::MAX);
    }

    #[test]
    fn inflation_legacy_vectors() {
        // By hand (1.045^(d/30.44), e.g. from 50-digit Python):
        //   (100, 30 d):  1.045^0.985545… = 1.04433533… → 104.433 → 104.43
        //   (100, 365 d): 1.045^11.9908… = 1.69519493… → 169.519 → 169.52
        //   (850, 90 d):  1.045^2.95664… = 1.13899000… → 968.1415 → 968.14
        //   (100, −5 d):  no inflation → 100.00
        let calc = InflationCalculator {
            rate: MonthlyRate::DEFAULT,
        };
        let target = date(2025, 6, 30);
        let cases = [
            ("100", 30, "104.43"),
            ("100", 365, "169.52"),
            ("850", 90, "968.14"),
            ("100", -5, "100.00"),
            ("100", 0, "100.00"),
        ];
        for (base, days, expected) in cases {
            let quote = calc
                .quote(&input(base, None, Region::Caba, target, days))
                .unwrap();
            assert_eq!(quote.price.to_string(), expected, "({base}, {days} d)");
            assert_eq!(quote.clamp, None);
            assert_eq!(quote.factors.seasonal, Decimal::ONE);
            assert_eq!(quote.factors.regional, Decimal::ONE);
            assert_eq!(quote.factors.markup, Decimal::ONE);
        }
        let quote = calc
            .quote(&input("100", None, Region::Caba, target, -5))
            .unwrap();
        assert_eq!(quote.factors, PriceFactors::ONE);
        assert_eq!(quote.unclamped, d("100"));
    }

    #[test]
    fn full_engine_legacy_vectors() {
        // With zero elapsed days INF = 1 and everything is exact:
        //   100 bebidas Jan, Córdoba:          100 × 1.30 × 0.95 × 1.848   = 228.228   → 228.23
        //   1000 electrodomesticos Apr, GBA:   1000 × 1.00 × 1.08 × 1.99184 = 2151.1872 → 2151.19
        //   100 ropa Feb, Mendoza:             100 × 0.75 × 0.95 × 1.848   = 131.67    → 131.67
        // None is clamped: 1.12 ≤ 2.28228, 2.1511872, 1.3167 ≤ 3.45.
        let engine = FullEngine::default();
        let cases = [
            (
                "100",
                "bebidas",
                "Córdoba",
                date(2025, 1, 15),
                "228.228",
                "228.23",
            ),
            (
                "1000",
                "electrodomesticos",
                "GBA",
                date(2025, 4, 15),
                "2151.1872",
                "2151.19",
            ),
            (
                "100",
                "ropa",
                "Mendoza",
                date(2025, 2, 15),
                "131.67",
                "131.67",
            ),
        ];
        for (base, category, place, day, unclamped, price) in cases {
            let region = Region::from_name(place).unwrap();
            let quote = engine
                .quote(&input(base, Some(category), region, day, 0))
                .unwrap();
            assert_eq!(quote.unclamped, d(unclamped), "{category}");
            assert_eq!(quote.price.to_string(), price, "{category}");
            assert_eq!(quote.clamp, None);
            assert_eq!(quote.factors.inflation, Decimal::ONE);
        }
    }

    #[test]
    fn full_engine_uses_elapsed_days_across_the_year_end() {
        // Dec 20 → Jan 19 is 30 days (legacy subtracted in December): alimentos in January,
        // CABA: 100 × 1.04433533… × 1.15 × 1.15 × 1.89504 = 261.730318… → 261.73.
        let engine = FullEngine::default();
        let quote = engine
            .quote(&input(
                "100",
                Some("alimentos"),
                Region::Caba,
                date(2025, 1, 19),
                30,
            ))
            .unwrap();
        assert_eq!(quote.price, money("261.73"));
        assert_eq!(quote.factors.seasonal, d("1.15"));
        assert_eq!(quote.factors.regional, d("1.15"));
        assert_eq!(quote.factors.markup, d("1.89504"));
        // A target before the reference date means no inflation, not an error.
        let earlier = engine
            .quote(&input(
                "100",
                Some("bebidas"),
                Region::Interior,
                date(2025, 1, 15),
                -5,
            ))
            .unwrap();
        assert_eq!(earlier.price, money("228.23"));
        assert_eq!(earlier.factors.inflation, Decimal::ONE);
    }

    #[test]
    fn clamp_at_the_minimum_is_reported_with_its_limit() {
        // Without supplier and retail markups MK = 1.08 × 1.10 = 1.188; ropa in February,
        // interior: 123.45 × 0.75 × 0.95 × 1.188 = 104.4… < 1.12 × 123.45 = 138.264 → 138.26.
        let mut engine = FullEngine::default();
        engine.tables.supplier_markup = Decimal::ZERO;
        engine.tables.retail_markup = Decimal::ZERO;
        let quote = engine
            .quote(&input(
                "123.45",
                Some("ropa"),
                Region::Interior,
                date(2025, 2, 20),
                0,
            ))
            .unwrap();
        assert_eq!(quote.unclamped, d("104.4942525"));
        assert_eq!(quote.price, money("138.26"));
        assert_eq!(
            quote.clamp,
            Some(ClampApplied {
                bound: ClampBound::Min,
                limit: money("138.26")
            })
        );
    }

    #[test]
    fn clamp_at_the_maximum_is_reported_with_its_limit() {
        // bebidas in December, CABA, a year at 4.5 %: 10.10 × 1.35 × 1.15 × 1.848 × 1.695…
        // = 49.12… > 3.45 × 10.10 = 34.845, a midpoint that HALF_UP takes to 34.85.
        let engine = FullEngine::default();
        let quote = engine
            .quote(&input(
                "10.10",
                Some("bebidas"),
                Region::Caba,
                date(2025, 12, 20),
                365,
            ))
            .unwrap();
        assert_eq!(quote.price, money("34.85"));
        assert_eq!(
            quote.clamp,
            Some(ClampApplied {
                bound: ClampBound::Max,
                limit: money("34.85")
            })
        );
        assert_eq!(ClampBound::Max.code(), "max");
        assert_eq!(ClampBound::Min.code(), "min");
        // A configured maximum: 100 × 1.35 × 1.15 × 1.848 × 1.0014… = 287.3… > 200.
        let mut engine = FullEngine::default();
        engine.tables.max_factor = d("2");
        let quote = engine
            .quote(&input(
                "100",
                Some("bebidas"),
                Region::Caba,
                date(2025, 12, 2),
                1,
            ))
            .unwrap();
        assert_eq!(quote.price, money("200.00"));
        assert_eq!(quote.clamp.map(|c| c.bound), Some(ClampBound::Max));
    }

    #[test]
    fn calculators_refuse_what_they_cannot_price() {
        let negative = input("-1", None, Region::Caba, date(2025, 1, 1), 10);
        let engine = FullEngine::default();
        let inflation = InflationCalculator {
            rate: MonthlyRate::DEFAULT,
        };
        assert_eq!(engine.quote(&negative), Err(PricingError::NegativeBase));
        assert_eq!(inflation.quote(&negative), Err(PricingError::NegativeBase));
        // 150 years at 50 %/month does not fit.
        let far = input("100", None, Region::Caba, date(2175, 1, 1), 54_787);
        assert_eq!(
            InflationCalculator { rate: rate("0.5") }.quote(&far),
            Err(PricingError::Overflow)
        );
        let mut broken = FullEngine::default();
        broken.tables.min_factor = d("5");
        assert!(matches!(
            broken.quote(&input("100", None, Region::Caba, date(2025, 1, 1), 0)),
            Err(PricingError::InvalidTables { .. })
        ));
        // Both calculators behind the one interface.
        let calculators: [&dyn PriceCalculator; 2] = [&engine, &inflation];
        for calculator in calculators {
            let zero = input("0", Some("alimentos"), Region::Gba, date(2025, 7, 1), 45);
            assert_eq!(calculator.quote(&zero).unwrap().price, Money::ZERO);
        }
    }

    #[test]
    fn margin_is_over_cost() {
        assert_eq!(margin(cost("100"), money("125")), Some(d("0.25")));
        assert_eq!(margin(cost("100"), money("90")), Some(d("-0.1")));
        assert_eq!(margin(cost("3"), money("4")), Some(d("1") / d("3")));
        assert_eq!(margin(UnitCost::ZERO, money("10")), None);
    }

    #[test]
    fn minimum_margin_refusal_names_the_minimum() {
        let err = check_minimum_margin(cost("100"), money("110"), DEFAULT_MINIMUM_MARGIN, false)
            .unwrap_err();
        assert_eq!(
            err,
            PricingError::BelowMinimumMargin {
                price: money("110"),
                minimum_price: money("112"),
                minimum_margin: d("0.12"),
            }
        );
        let message = err.to_string();
        assert!(message.contains("112.00"), "{message}");
        assert_eq!(
            message,
            "sale price 110.00 is below the minimum 112.00 (cost plus 12 % margin)"
        );
        // At the minimum is fine; forced is fine.
        assert_eq!(
            check_minimum_margin(cost("100"), money("112"), DEFAULT_MINIMUM_MARGIN, false),
            Ok(())
        );
        assert_eq!(
            check_minimum_margin(cost("100"), money("1"), DEFAULT_MINIMUM_MARGIN, true),
            Ok(())
        );
        // 100.0004 × 1.12 = 112.000448: 112.00 is below it, so the minimum named is 112.01.
        let err = check_minimum_margin(
            cost("100.0004"),
            money("112"),
            DEFAULT_MINIMUM_MARGIN,
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "sale price 112.00 is below the minimum 112.01 (cost plus 12 % margin)"
        );
        assert_eq!(
            check_minimum_margin(
                cost("100.0004"),
                money("112.01"),
                DEFAULT_MINIMUM_MARGIN,
                false
            ),
            Ok(())
        );
        // Another minimum, shown without trailing zeros.
        let err = check_minimum_margin(cost("80"), money("85"), d("0.125"), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sale price 85.00 is below the minimum 90.00 (cost plus 12.5 % margin)"
        );
    }

    #[test]
    fn normalise_strips_case_accents_and_spaces() {
        assert_eq!(normalise("  Electrodomésticos  "), "electrodomesticos");
        assert_eq!(
            normalise("CIUDAD   Autónoma\tde Buenos Aires"),
            "ciudad autonoma de buenos aires"
        );
        assert_eq!(normalise("Ñandú"), "nandu");
        assert_eq!(normalise("Co\u{301}rdoba"), "cordoba");
        assert_eq!(normalise(""), "");
    }
}
