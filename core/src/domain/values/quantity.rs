//! Quantities and units of measure.
//!
//! This module owns [`Quantity`] (exact, 3 decimals, signed) and [`UnitOfMeasure`], which decides
//! whether a product takes fractional quantities and validates movement quantities.

use core::fmt;
use core::str::FromStr;

use rust_decimal::Decimal;

use super::format::{decimal_to_scaled, parse_plain, write_plain};
use super::ValueError;

/// Decimals kept by [`Quantity`].
const SCALE: u32 = 3;
/// Thousandths in one unit.
const MILLI_PER_UNIT: i64 = 1_000;

/// Exact quantity, 3 decimals, stored as i64 thousandths of the product's unit. Signed (balances
/// may be negative where a location allows it); movement quantities are validated positive by
/// [`UnitOfMeasure::validate_movement_quantity`].
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::{Quantity, UnitOfMeasure};
///
/// let bananas: Quantity = "3.250".parse()?;
/// assert_eq!(bananas.milli(), 3_250);
/// assert_eq!(bananas.to_string(), "3.25");
/// assert!(UnitOfMeasure::Kg.validate_movement_quantity(bananas).is_ok());
/// assert!(UnitOfMeasure::Unidad.validate_movement_quantity(bananas).is_err());
/// assert!("1.2345".parse::<Quantity>().is_err()); // more than 3 decimals
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i64);

impl Quantity {
    /// A quantity of zero.
    pub const ZERO: Quantity = Quantity(0);

    /// A quantity from a number of thousandths of the unit.
    pub const fn from_milli(milli: i64) -> Quantity {
        Quantity(milli)
    }

    /// The quantity in thousandths of the unit.
    pub const fn milli(self) -> i64 {
        self.0
    }

    /// A quantity of whole units (`Overflow` if it does not fit).
    pub fn from_units(units: i64) -> Result<Quantity, ValueError> {
        units
            .checked_mul(MILLI_PER_UNIT)
            .map(Quantity)
            .ok_or(ValueError::Overflow)
    }

    /// A quantity from a decimal with at most 3 significant decimals (trailing zeros do not
    /// count).
    pub fn from_decimal(d: Decimal) -> Result<Quantity, ValueError> {
        decimal_to_scaled(d, SCALE).map(Quantity)
    }

    /// The quantity as a normalised decimal: `14`, not `14.000`.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, SCALE).normalize()
    }

    /// `self + o`, or `None` on overflow.
    pub fn checked_add(self, o: Quantity) -> Option<Quantity> {
        self.0.checked_add(o.0).map(Quantity)
    }

    /// `self - o`, or `None` on overflow.
    pub fn checked_sub(self, o: Quantity) -> Option<Quantity> {
        self.0.checked_sub(o.0).map(Quantity)
    }

    /// `-self`, or `None` on overflow.
    pub fn checked_neg(self) -> Option<Quantity> {
        self.0.checked_neg().map(Quantity)
    }

    /// Whether the quantity is zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether the quantity is below zero.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Whether the quantity is above zero.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Whether the quantity is a whole number of units.
    pub fn is_whole(self) -> bool {
        self.0 % MILLI_PER_UNIT == 0
    }

    /// Smallest multiple of `step` (> 0) that is >= self (self > 0); used to round order
    /// quantities up to the pack size.
    ///
    /// A zero `step` is `ZeroQuantity` and a negative one `NegativeQuantity`. For `self <= 0` the
    /// same rule applies (the result is the ceiling multiple, e.g. zero stays zero).
    pub fn round_up_to_multiple(self, step: Quantity) -> Result<Quantity, ValueError> {
        if step.is_zero() {
            return Err(ValueError::ZeroQuantity);
        }
        if step.is_negative() {
            return Err(ValueError::NegativeQuantity);
        }
        let (value, step) = (i128::from(self.0), i128::from(step.0));
        // Truncating division rounds towards zero, which is already the ceiling below zero.
        let packs = if value % step > 0 {
            value / step + 1
        } else {
            value / step
        };
        i64::try_from(packs * step)
            .map(Quantity)
            .map_err(|_| ValueError::Overflow)
    }
}

impl FromStr for Quantity {
    type Err = ValueError;

    /// Parses a plain decimal with at most 3 decimals: `"14"`, `"3.250"`, `"-0.5"`.
    fn from_str(s: &str) -> Result<Quantity, ValueError> {
        parse_plain(s, SCALE).map(Quantity)
    }
}

impl fmt::Display for Quantity {
    /// Writes the quantity without trailing zeros: `"14"`, `"3.25"`, `"-0.5"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_plain(f, self.0, SCALE, true)
    }
}

/// The unit a product is counted in. The codes are stored in the database and are stable.
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::UnitOfMeasure;
///
/// let unit: UnitOfMeasure = "KG".parse()?;
/// assert_eq!(unit, UnitOfMeasure::Kg);
/// assert_eq!(unit.code(), "kg");
/// assert!(unit.allows_fractions());
/// assert_eq!("un".parse::<UnitOfMeasure>()?, UnitOfMeasure::Unidad);
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitOfMeasure {
    /// Whole items (`unidad`).
    Unidad,
    /// Kilograms (`kg`).
    Kg,
    /// Grams (`g`).
    G,
    /// Litres (`l`).
    L,
    /// Millilitres (`ml`).
    Ml,
    /// Metres (`m`).
    M,
}

impl UnitOfMeasure {
    /// Every unit, in declaration order.
    pub const ALL: [UnitOfMeasure; 6] = [
        UnitOfMeasure::Unidad,
        UnitOfMeasure::Kg,
        UnitOfMeasure::G,
        UnitOfMeasure::L,
        UnitOfMeasure::Ml,
        UnitOfMeasure::M,
    ];

    /// The stored code: `"unidad"`, `"kg"`, `"g"`, `"l"`, `"ml"` or `"m"`.
    pub const fn code(self) -> &'static str {
        match self {
            UnitOfMeasure::Unidad => "unidad",
            UnitOfMeasure::Kg => "kg",
            UnitOfMeasure::G => "g",
            UnitOfMeasure::L => "l",
            UnitOfMeasure::Ml => "ml",
            UnitOfMeasure::M => "m",
        }
    }

    /// Whether quantities may have decimals (every unit but `unidad`).
    pub const fn allows_fractions(self) -> bool {
        !matches!(self, UnitOfMeasure::Unidad)
    }

    /// Checks a movement quantity: it must be above zero (the movement kind gives the
    /// direction) and whole for `unidad`. Returns the quantity unchanged.
    pub fn validate_movement_quantity(self, q: Quantity) -> Result<Quantity, ValueError> {
        if q.is_zero() {
            Err(ValueError::ZeroQuantity)
        } else if q.is_negative() {
            Err(ValueError::NegativeQuantity)
        } else if !self.allows_fractions() && !q.is_whole() {
            Err(ValueError::FractionalQuantity { unit: self })
        } else {
            Ok(q)
        }
    }
}

impl FromStr for UnitOfMeasure {
    type Err = ValueError;

    /// Parses a code, ignoring case and surrounding whitespace; `"un"`, `"u"` and `"unidades"`
    /// also mean `unidad`.
    fn from_str(s: &str) -> Result<UnitOfMeasure, ValueError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "unidad" | "unidades" | "un" | "u" => Ok(UnitOfMeasure::Unidad),
            "kg" => Ok(UnitOfMeasure::Kg),
            "g" => Ok(UnitOfMeasure::G),
            "l" => Ok(UnitOfMeasure::L),
            "ml" => Ok(UnitOfMeasure::Ml),
            "m" => Ok(UnitOfMeasure::M),
            _ => Err(ValueError::UnknownUnit {
                input: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for UnitOfMeasure {
    /// Writes the stored code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn qty(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn parses_up_to_three_decimals() {
        assert_eq!(qty("3.250"), Quantity::from_milli(3_250));
        assert_eq!(qty("14"), Quantity::from_milli(14_000));
        assert_eq!(qty("-0.5"), Quantity::from_milli(-500));
        assert_eq!(qty("0.001"), Quantity::from_milli(1));
        assert_eq!(qty("2.5000"), Quantity::from_milli(2_500));
        assert_eq!(
            "1.2345".parse::<Quantity>(),
            Err(ValueError::TooManyDecimals {
                input: "1.2345".into(),
                max: 3
            })
        );
        for text in ["", "1,5", "1e2", "NaN", "1 5", "x"] {
            assert_eq!(
                text.parse::<Quantity>(),
                Err(ValueError::InvalidNumber { input: text.into() }),
                "{text}"
            );
        }
    }

    #[test]
    fn displays_without_trailing_zeros() {
        assert_eq!(Quantity::from_milli(14_000).to_string(), "14");
        assert_eq!(Quantity::from_milli(3_250).to_string(), "3.25");
        assert_eq!(Quantity::from_milli(-500).to_string(), "-0.5");
        assert_eq!(Quantity::from_milli(1).to_string(), "0.001");
        assert_eq!(Quantity::ZERO.to_string(), "0");
    }

    #[test]
    fn decimal_conversions() {
        assert_eq!(Quantity::from_milli(14_000).to_decimal().to_string(), "14");
        assert_eq!(Quantity::from_milli(3_250).to_decimal().to_string(), "3.25");
        let d = Decimal::new(3_250, 3);
        assert_eq!(Quantity::from_decimal(d), Ok(qty("3.25")));
        assert!(matches!(
            Quantity::from_decimal(Decimal::new(12_345, 4)),
            Err(ValueError::TooManyDecimals { max: 3, .. })
        ));
        assert_eq!(
            Quantity::from_decimal(Decimal::MAX),
            Err(ValueError::Overflow)
        );
    }

    #[test]
    fn whole_units_and_arithmetic() {
        assert_eq!(Quantity::from_units(5), Ok(Quantity::from_milli(5_000)));
        assert_eq!(Quantity::from_units(i64::MAX), Err(ValueError::Overflow));
        assert!(qty("5").is_whole() && !qty("5.5").is_whole() && qty("-3").is_whole());
        assert_eq!(qty("10").checked_add(qty("5")), Some(qty("15")));
        assert_eq!(qty("7").checked_sub(qty("15")), Some(qty("-8")));
        assert_eq!(qty("3").checked_neg(), Some(qty("-3")));
        assert_eq!(Quantity::from_milli(i64::MIN).checked_neg(), None);
        assert_eq!(
            Quantity::from_milli(i64::MAX).checked_add(Quantity::from_milli(1)),
            None
        );
        assert_eq!(
            Quantity::from_milli(i64::MIN).checked_sub(Quantity::from_milli(1)),
            None
        );
        assert!(Quantity::ZERO.is_zero() && !Quantity::ZERO.is_positive());
        assert!(qty("-1").is_negative() && qty("0.001").is_positive());
    }

    #[test]
    fn movement_quantity_rules() {
        let unidad = UnitOfMeasure::Unidad;
        assert_eq!(
            unidad.validate_movement_quantity(Quantity::ZERO),
            Err(ValueError::ZeroQuantity)
        );
        assert_eq!(
            UnitOfMeasure::Kg.validate_movement_quantity(qty("-1")),
            Err(ValueError::NegativeQuantity)
        );
        assert_eq!(
            unidad.validate_movement_quantity(qty("1.5")),
            Err(ValueError::FractionalQuantity { unit: unidad })
        );
        assert_eq!(unidad.validate_movement_quantity(qty("6")), Ok(qty("6")));
        assert_eq!(
            UnitOfMeasure::Kg.validate_movement_quantity(qty("3.250")),
            Ok(Quantity::from_milli(3_250))
        );
        for unit in UnitOfMeasure::ALL {
            assert_eq!(unit.allows_fractions(), unit != unidad);
            if unit.allows_fractions() {
                assert_eq!(
                    unit.validate_movement_quantity(qty("0.001")),
                    Ok(qty("0.001"))
                );
            }
        }
    }

    #[test]
    fn round_up_to_pack_multiple() {
        let six = qty("6");
        assert_eq!(qty("7").round_up_to_multiple(six), Ok(qty("12")));
        assert_eq!(qty("12").round_up_to_multiple(six), Ok(qty("12")));
        assert_eq!(qty("0.001").round_up_to_multiple(six), Ok(qty("6")));
        assert_eq!(
            qty("1.1").round_up_to_multiple(qty("0.25")),
            Ok(qty("1.25"))
        );
        assert_eq!(qty("5").round_up_to_multiple(qty("1")), Ok(qty("5")));
        assert_eq!(Quantity::ZERO.round_up_to_multiple(six), Ok(Quantity::ZERO));
        assert_eq!(qty("-7").round_up_to_multiple(six), Ok(qty("-6")));
        assert_eq!(
            qty("5").round_up_to_multiple(Quantity::ZERO),
            Err(ValueError::ZeroQuantity)
        );
        assert_eq!(
            qty("5").round_up_to_multiple(qty("-6")),
            Err(ValueError::NegativeQuantity)
        );
        assert_eq!(
            Quantity::from_milli(i64::MAX).round_up_to_multiple(six),
            Err(ValueError::Overflow)
        );
    }

    #[test]
    fn unit_codes() {
        let codes: Vec<&str> = UnitOfMeasure::ALL.iter().map(|u| u.code()).collect();
        assert_eq!(codes, ["unidad", "kg", "g", "l", "ml", "m"]);
        for unit in UnitOfMeasure::ALL {
            assert_eq!(unit.to_string().parse(), Ok(unit));
            assert_eq!(unit.code().to_uppercase().parse(), Ok(unit));
        }
        for alias in ["un", "U", "Unidades", " unidad "] {
            assert_eq!(alias.parse(), Ok(UnitOfMeasure::Unidad), "{alias}");
        }
        assert_eq!(
            "cajas".parse::<UnitOfMeasure>(),
            Err(ValueError::UnknownUnit {
                input: "cajas".into()
            })
        );
        assert!("".parse::<UnitOfMeasure>().is_err());
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(milli in any::<i64>()) {
            let q = Quantity::from_milli(milli);
            prop_assert_eq!(q.to_string().parse::<Quantity>(), Ok(q));
            prop_assert_eq!(Quantity::from_decimal(q.to_decimal()), Ok(q));
        }

        #[test]
        fn round_up_is_the_smallest_multiple_at_or_above(
            milli in 1..=1_000_000_000_i64,
            step in 1..=1_000_000_i64,
        ) {
            let q = Quantity::from_milli(milli);
            let rounded = q.round_up_to_multiple(Quantity::from_milli(step)).unwrap();
            prop_assert_eq!(rounded.milli() % step, 0);
            prop_assert!(rounded >= q && rounded.milli() - step < milli);
        }
    }
}
