//! Money and unit cost.
//!
//! This module owns [`Money`] (exact pesos, 2 decimals, stored as centavos) and [`UnitCost`]
//! (exact, 4 decimals, never negative), with the two places where they meet quantities: the
//! value of a stock line and the weighted-average cost after a receipt.

use core::fmt;
use core::str::FromStr;

use rust_decimal::Decimal;

use super::format::{
    ars_from_cents, decimal_to_scaled, decimal_to_scaled_rounded, div_round_half_up, parse_plain,
    write_plain,
};
use super::{Quantity, ValueError};

/// Decimals kept by [`Money`].
const MONEY_SCALE: u32 = 2;
/// Decimals kept by [`UnitCost`].
const COST_SCALE: u32 = 4;
/// Ten-thousandths of a peso in one centavo.
const COST_PER_CENTAVO: i64 = 100;
/// `milli` (10^-3) × ten-thousandths (10^-4) = 10^-7; centavos are 10^-2.
const LINE_VALUE_DIVISOR: i128 = 100_000;

/// Exact pesos, stored as i64 centavos.
///
/// Parsed from and displayed as a plain decimal with two decimals (`"1234.50"`); use
/// [`Money::to_ars_string`] for the Argentine presentation.
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::Money;
///
/// let price: Money = "1234.5".parse()?;
/// assert_eq!(price.centavos(), 123_450);
/// assert_eq!(price.to_string(), "1234.50");
/// assert_eq!(price.to_ars_string(), "$1.234,50");
/// assert!("1.234".parse::<Money>().is_err()); // more than 2 decimals
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    /// Zero pesos.
    pub const ZERO: Money = Money(0);

    /// Money from a number of centavos.
    pub const fn from_centavos(centavos: i64) -> Money {
        Money(centavos)
    }

    /// The amount in centavos.
    pub const fn centavos(self) -> i64 {
        self.0
    }

    /// Money from a decimal with at most 2 significant decimals (trailing zeros do not count).
    pub fn from_decimal(d: Decimal) -> Result<Money, ValueError> {
        decimal_to_scaled(d, MONEY_SCALE).map(Money)
    }

    /// Money from any decimal, rounded HALF_UP (midpoint away from zero) to centavos.
    pub fn from_decimal_rounded(d: Decimal) -> Result<Money, ValueError> {
        decimal_to_scaled_rounded(d, MONEY_SCALE).map(Money)
    }

    /// The amount as a decimal with scale 2.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, MONEY_SCALE)
    }

    /// `self + o`, or `None` on overflow.
    pub fn checked_add(self, o: Money) -> Option<Money> {
        self.0.checked_add(o.0).map(Money)
    }

    /// `self - o`, or `None` on overflow.
    pub fn checked_sub(self, o: Money) -> Option<Money> {
        self.0.checked_sub(o.0).map(Money)
    }

    /// Whether the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The Argentine presentation: `"$1.234,56"`, `"-$1.234,50"`.
    pub fn to_ars_string(self) -> String {
        ars_from_cents(i128::from(self.0))
    }
}

impl FromStr for Money {
    type Err = ValueError;

    /// Parses a plain decimal with at most 2 decimals: `"1234.5"`, `"-3"`, `"0.05"`.
    fn from_str(s: &str) -> Result<Money, ValueError> {
        parse_plain(s, MONEY_SCALE).map(Money)
    }
}

impl fmt::Display for Money {
    /// Writes the canonical form with exactly 2 decimals: `"1234.50"`, `"-0.05"`, `"0.00"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_plain(f, self.0, MONEY_SCALE, false)
    }
}

/// Exact unit cost, 4 decimals, stored as i64 ten-thousandths of a peso. Never negative.
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::{Quantity, UnitCost};
///
/// let cost: UnitCost = "100".parse()?;
/// assert_eq!(cost.to_string(), "100.0000");
///
/// // 10 held at 100.0000, 5 received at 130.0000: the average is 110.0000.
/// let received: UnitCost = "130".parse()?;
/// let average = cost.weighted_average(Quantity::from_units(10)?, Quantity::from_units(5)?, received)?;
/// assert_eq!(average.to_string(), "110.0000");
///
/// // 0.333 kg at 10.0050 is worth $3.33.
/// let line = "10.005".parse::<UnitCost>()?.value_of("0.333".parse()?)?;
/// assert_eq!(line.to_string(), "3.33");
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitCost(i64);

impl UnitCost {
    /// A cost of zero.
    pub const ZERO: UnitCost = UnitCost(0);

    /// A cost from a number of ten-thousandths of a peso; negative is `NegativeCost`.
    pub fn from_ten_thousandths(v: i64) -> Result<UnitCost, ValueError> {
        if v < 0 {
            return Err(ValueError::NegativeCost);
        }
        Ok(UnitCost(v))
    }

    /// The cost in ten-thousandths of a peso.
    pub const fn ten_thousandths(self) -> i64 {
        self.0
    }

    /// A cost from a non-negative decimal with at most 4 significant decimals.
    pub fn from_decimal(d: Decimal) -> Result<UnitCost, ValueError> {
        decimal_to_scaled(d, COST_SCALE).and_then(UnitCost::from_ten_thousandths)
    }

    /// A cost from a non-negative amount of money.
    pub fn from_money(m: Money) -> Result<UnitCost, ValueError> {
        if m.is_negative() {
            return Err(ValueError::NegativeCost);
        }
        m.centavos()
            .checked_mul(COST_PER_CENTAVO)
            .map(UnitCost)
            .ok_or(ValueError::Overflow)
    }

    /// The cost as a decimal with scale 4.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, COST_SCALE)
    }

    /// Line value: quantity x cost, rounded HALF_UP to centavos (sign follows the quantity).
    pub fn value_of(self, q: Quantity) -> Result<Money, ValueError> {
        let exact = i128::from(q.milli()) * i128::from(self.0);
        let centavos = div_round_half_up(exact, LINE_VALUE_DIVISOR);
        i64::try_from(centavos)
            .map(Money)
            .map_err(|_| ValueError::Overflow)
    }

    /// Weighted average HALF_UP to 4 decimals: (held*self + added_qty*added_cost)/(held+added_qty).
    ///
    /// If `held` <= 0 the result is `added_cost` (an empty or negative stock is re-priced by the
    /// next receipt). `added_qty` must be > 0 (zero is `ZeroQuantity`, negative is
    /// `NegativeQuantity`).
    pub fn weighted_average(
        self,
        held: Quantity,
        added_qty: Quantity,
        added_cost: UnitCost,
    ) -> Result<UnitCost, ValueError> {
        if added_qty.is_zero() {
            return Err(ValueError::ZeroQuantity);
        }
        if added_qty.is_negative() {
            return Err(ValueError::NegativeQuantity);
        }
        if !held.is_positive() {
            return Ok(added_cost);
        }
        let (held, added) = (i128::from(held.milli()), i128::from(added_qty.milli()));
        let total_value = (held * i128::from(self.0))
            .checked_add(added * i128::from(added_cost.0))
            .ok_or(ValueError::Overflow)?;
        // Both quantities are positive i64, so their sum is positive and fits in i128.
        let average = div_round_half_up(total_value, held + added);
        i64::try_from(average)
            .map(UnitCost)
            .map_err(|_| ValueError::Overflow)
    }
}

impl FromStr for UnitCost {
    type Err = ValueError;

    /// Parses a non-negative plain decimal with at most 4 decimals: `"100"`, `"10.005"`.
    fn from_str(s: &str) -> Result<UnitCost, ValueError> {
        parse_plain(s, COST_SCALE).and_then(UnitCost::from_ten_thousandths)
    }
}

impl fmt::Display for UnitCost {
    /// Writes the canonical form with exactly 4 decimals: `"100.0000"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_plain(f, self.0, COST_SCALE, false)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn cost(s: &str) -> UnitCost {
        s.parse().unwrap()
    }

    fn qty(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn money_parses_plain_decimals() {
        let cases = [
            ("1234.5", 123_450),
            ("-3", -300),
            ("0.05", 5),
            ("-0.05", -5),
            ("0", 0),
            ("-0", 0),
            ("1.230", 123),
            ("007.10", 710),
            (" 12.50 ", 1_250),
            ("92233720368547758.07", i64::MAX),
            ("-92233720368547758.08", i64::MIN),
        ];
        for (text, centavos) in cases {
            assert_eq!(text.parse(), Ok(Money::from_centavos(centavos)), "{text}");
        }
    }

    #[test]
    fn money_rejects_what_is_not_a_plain_decimal() {
        for text in [
            "", " ", "-", ".", "1.", ".5", "+1", "1e3", "1E3", "NaN", "inf", "1,5", "1 000",
            "1_000", "1.2.3", "--1", "- 1", "$1", "1.-5", "٣",
        ] {
            assert_eq!(
                text.parse::<Money>(),
                Err(ValueError::InvalidNumber { input: text.into() }),
                "{text}"
            );
        }
    }

    #[test]
    fn money_limits() {
        assert_eq!(
            "1.234".parse::<Money>(),
            Err(ValueError::TooManyDecimals {
                input: "1.234".into(),
                max: 2
            })
        );
        assert_eq!(
            "92233720368547758.08".parse::<Money>(),
            Err(ValueError::Overflow)
        );
        assert_eq!("1".repeat(60).parse::<Money>(), Err(ValueError::Overflow));
    }

    #[test]
    fn money_display_has_two_decimals() {
        assert_eq!(Money::from_centavos(123_450).to_string(), "1234.50");
        assert_eq!(Money::from_centavos(-5).to_string(), "-0.05");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::from_centavos(-100).to_string(), "-1.00");
        assert_eq!(
            Money::from_centavos(i64::MIN).to_string(),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn money_ars_string() {
        assert_eq!(Money::from_centavos(123_456).to_ars_string(), "$1.234,56");
        assert_eq!(Money::from_centavos(-123_450).to_ars_string(), "-$1.234,50");
        assert_eq!(Money::ZERO.to_ars_string(), "$0,00");
    }

    #[test]
    fn money_from_decimal() {
        assert_eq!(
            Money::from_decimal(dec("12.5")),
            Ok(Money::from_centavos(1_250))
        );
        assert_eq!(
            Money::from_decimal(dec("12.5000")),
            Ok(Money::from_centavos(1_250))
        );
        assert_eq!(
            Money::from_decimal(dec("0.005")),
            Err(ValueError::TooManyDecimals {
                input: "0.005".into(),
                max: 2
            })
        );
        assert_eq!(Money::from_decimal(Decimal::MAX), Err(ValueError::Overflow));
        assert_eq!(
            Money::from_decimal(dec("12.5"))
                .unwrap()
                .to_decimal()
                .to_string(),
            "12.50"
        );
    }

    #[test]
    fn money_from_decimal_rounds_half_up() {
        let cases = [
            ("0.005", 1),
            ("0.004", 0),
            ("2.675", 268),
            ("999.999", 100_000),
            ("-0.005", -1),
            ("-2.675", -268),
            ("-2.6749999", -267),
            ("1.999999999999", 200),
        ];
        for (text, centavos) in cases {
            assert_eq!(
                Money::from_decimal_rounded(dec(text)),
                Ok(Money::from_centavos(centavos)),
                "{text}"
            );
        }
        assert_eq!(
            Money::from_decimal_rounded(Decimal::MIN),
            Err(ValueError::Overflow)
        );
    }

    #[test]
    fn money_checked_arithmetic() {
        let a = Money::from_centavos(150);
        assert_eq!(a.checked_add(a), Some(Money::from_centavos(300)));
        assert_eq!(
            a.checked_sub(Money::from_centavos(200)),
            Some(Money::from_centavos(-50))
        );
        assert!(a
            .checked_sub(Money::from_centavos(200))
            .unwrap()
            .is_negative());
        assert_eq!(
            Money::from_centavos(i64::MAX).checked_add(Money::from_centavos(1)),
            None
        );
        assert_eq!(
            Money::from_centavos(i64::MIN).checked_sub(Money::from_centavos(1)),
            None
        );
    }

    #[test]
    fn unit_cost_parse_and_display() {
        assert_eq!(cost("100").to_string(), "100.0000");
        assert_eq!(cost("10.005").ten_thousandths(), 100_050);
        assert_eq!(cost("0.0001").to_string(), "0.0001");
        assert_eq!(UnitCost::ZERO.to_string(), "0.0000");
        assert_eq!("-1".parse::<UnitCost>(), Err(ValueError::NegativeCost));
        assert_eq!("-0".parse::<UnitCost>(), Ok(UnitCost::ZERO));
        assert_eq!(
            "1.23456".parse::<UnitCost>(),
            Err(ValueError::TooManyDecimals {
                input: "1.23456".into(),
                max: 4
            })
        );
        assert!(matches!(
            "abc".parse::<UnitCost>(),
            Err(ValueError::InvalidNumber { .. })
        ));
    }

    #[test]
    fn unit_cost_constructors() {
        assert_eq!(
            UnitCost::from_ten_thousandths(-1),
            Err(ValueError::NegativeCost)
        );
        assert_eq!(
            UnitCost::from_ten_thousandths(5).unwrap().ten_thousandths(),
            5
        );
        assert_eq!(UnitCost::from_decimal(dec("130.5")), Ok(cost("130.5")));
        assert_eq!(
            UnitCost::from_decimal(dec("-0.0001")),
            Err(ValueError::NegativeCost)
        );
        assert!(matches!(
            UnitCost::from_decimal(dec("0.00001")),
            Err(ValueError::TooManyDecimals { max: 4, .. })
        ));
        assert_eq!(
            UnitCost::from_money(Money::from_centavos(10_050)),
            Ok(cost("100.5"))
        );
        assert_eq!(
            UnitCost::from_money(Money::from_centavos(-1)),
            Err(ValueError::NegativeCost)
        );
        assert_eq!(
            UnitCost::from_money(Money::from_centavos(i64::MAX)),
            Err(ValueError::Overflow)
        );
        assert_eq!(cost("12.5").to_decimal().to_string(), "12.5000");
    }

    #[test]
    fn value_of_rounds_half_up_to_centavos() {
        // 0.333 × 10.0050 = 3.3316650 → 3.33
        assert_eq!(
            cost("10.005").value_of(qty("0.333")),
            Ok(Money::from_centavos(333))
        );
        // 1.5 × 0.0100 = 0.015 → 0.02 (midpoint goes up)
        assert_eq!(
            cost("0.01").value_of(qty("1.5")),
            Ok(Money::from_centavos(2))
        );
        // 1.4 × 0.0100 = 0.014 → 0.01
        assert_eq!(
            cost("0.01").value_of(qty("1.4")),
            Ok(Money::from_centavos(1))
        );
        // −1.5 × 0.0100 = −0.015 → −0.02 (sign follows the quantity, midpoint away from zero)
        assert_eq!(
            cost("0.01").value_of(qty("-1.5")),
            Ok(Money::from_centavos(-2))
        );
        // 15 × 100.0000 = 1500.00
        assert_eq!(
            cost("100").value_of(qty("15")),
            Ok(Money::from_centavos(150_000))
        );
        // 3.250 kg × 1234.5678 = 4012.34535 → 4012.35
        assert_eq!(
            cost("1234.5678").value_of(qty("3.25")),
            Ok(Money::from_centavos(401_235))
        );
        assert_eq!(cost("100").value_of(Quantity::ZERO), Ok(Money::ZERO));
        let huge = UnitCost::from_ten_thousandths(i64::MAX).unwrap();
        assert_eq!(
            huge.value_of(Quantity::from_milli(i64::MAX)),
            Err(ValueError::Overflow)
        );
    }

    #[test]
    fn weighted_average_cases() {
        let units = |n| Quantity::from_units(n).unwrap();
        // (10 × 100 + 5 × 130) / 15 = 110
        assert_eq!(
            cost("100").weighted_average(units(10), units(5), cost("130")),
            Ok(cost("110"))
        );
        // (2 × 1 + 1 × 2) / 3 = 1.33333… → 1.3333
        assert_eq!(
            cost("1").weighted_average(units(2), units(1), cost("2")),
            Ok(cost("1.3333"))
        );
        // (1 × 1 + 2 × 2) / 3 = 1.66666… → 1.6667
        assert_eq!(
            cost("1").weighted_average(units(1), units(2), cost("2")),
            Ok(cost("1.6667"))
        );
        // (1 × 0.0001 + 1 × 0.0002) / 2 = 0.00015 → 0.0002 (HALF_UP at the 4th decimal)
        assert_eq!(
            cost("0.0001").weighted_average(units(1), units(1), cost("0.0002")),
            Ok(cost("0.0002"))
        );
        // (3 × 0 + 1 × 0.0002) / 4 = 0.00005 → 0.0001
        assert_eq!(
            UnitCost::ZERO.weighted_average(units(3), units(1), cost("0.0002")),
            Ok(cost("0.0001"))
        );
        // Weighed goods: (2.5 kg × 800 + 0.75 kg × 900) / 3.25 = 823.0769… → 823.0769
        assert_eq!(
            cost("800").weighted_average(qty("2.5"), qty("0.75"), cost("900")),
            Ok(cost("823.0769"))
        );
    }

    #[test]
    fn weighted_average_reprices_empty_or_negative_stock() {
        let five = Quantity::from_units(5).unwrap();
        assert_eq!(
            cost("100").weighted_average(Quantity::ZERO, five, cost("130")),
            Ok(cost("130"))
        );
        assert_eq!(
            cost("100").weighted_average(qty("-3"), five, cost("130")),
            Ok(cost("130"))
        );
    }

    #[test]
    fn weighted_average_needs_a_positive_receipt() {
        let ten = Quantity::from_units(10).unwrap();
        assert_eq!(
            cost("100").weighted_average(ten, Quantity::ZERO, cost("130")),
            Err(ValueError::ZeroQuantity)
        );
        assert_eq!(
            cost("100").weighted_average(ten, qty("-1"), cost("130")),
            Err(ValueError::NegativeQuantity)
        );
    }

    #[test]
    fn weighted_average_extremes_do_not_panic() {
        let max_cost = UnitCost::from_ten_thousandths(i64::MAX).unwrap();
        let max_qty = Quantity::from_milli(i64::MAX);
        // 2 × (2^63 − 1)^2 still fits in i128, so even the largest inputs average exactly.
        assert_eq!(
            max_cost.weighted_average(max_qty, max_qty, max_cost),
            Ok(max_cost)
        );
        assert_eq!(
            max_cost.weighted_average(max_qty, Quantity::from_milli(1), UnitCost::ZERO),
            UnitCost::from_ten_thousandths(i64::MAX - 1)
        );
    }

    proptest! {
        #[test]
        fn money_display_parse_round_trip(centavos in any::<i64>()) {
            let money = Money::from_centavos(centavos);
            prop_assert_eq!(money.to_string().parse::<Money>(), Ok(money));
            prop_assert_eq!(Money::from_decimal(money.to_decimal()), Ok(money));
        }

        #[test]
        fn unit_cost_display_parse_round_trip(v in 0..=i64::MAX) {
            let cost = UnitCost::from_ten_thousandths(v).unwrap();
            prop_assert_eq!(cost.to_string().parse::<UnitCost>(), Ok(cost));
            prop_assert_eq!(UnitCost::from_decimal(cost.to_decimal()), Ok(cost));
        }

        #[test]
        fn weighted_average_stays_between_old_and_new(
            held in 1..=1_000_000_000_000_i64,
            added in 1..=1_000_000_000_000_i64,
            old in 0..=10_000_000_000_000_i64,
            new in 0..=10_000_000_000_000_i64,
        ) {
            let old = UnitCost::from_ten_thousandths(old).unwrap();
            let new = UnitCost::from_ten_thousandths(new).unwrap();
            let average = old
                .weighted_average(Quantity::from_milli(held), Quantity::from_milli(added), new)
                .unwrap();
            prop_assert!(old.min(new) <= average && average <= old.max(new));
        }

        #[test]
        fn weighted_average_never_leaves_the_range(
            held in 1..=i64::MAX,
            added in 1..=i64::MAX,
            old in 0..=i64::MAX,
            new in 0..=i64::MAX,
        ) {
            let old = UnitCost::from_ten_thousandths(old).unwrap();
            let new = UnitCost::from_ten_thousandths(new).unwrap();
            let result =
                old.weighted_average(Quantity::from_milli(held), Quantity::from_milli(added), new);
            let average = result.unwrap();
            prop_assert!(old.min(new) <= average && average <= old.max(new));
        }
    }
}
