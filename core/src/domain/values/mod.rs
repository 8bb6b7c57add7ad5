//! Value types of the inventory domain (DOMAIN.md section 1).
//!
//! This module owns the small, validated values every other part of the crate builds on:
//!
//! - [`Money`] (exact pesos in centavos) and [`UnitCost`] (exact, 4 decimals, never negative);
//! - [`Quantity`] (exact, 3 decimals) and the [`UnitOfMeasure`] that says whether a product
//!   takes fractions;
//! - identifiers: [`Sku`], [`Barcode`] (EAN-13, EAN-8, UPC-A), [`Cuit`]/[`Cuil`] and [`Dni`];
//! - the Argentine presentation of amounts ([`format_ars`], [`parse_ars`]).
//!
//! Every constructor validates, so a value that exists is valid. Nothing here uses floats:
//! amounts and quantities are fixed-point integers, all arithmetic is checked and reports
//! [`ValueError::Overflow`] instead of wrapping, and rounding is HALF_UP (midpoint away from
//! zero) and happens only where a function says so.

mod barcode;
mod fiscal;
mod format;
mod money;
mod quantity;
mod sku;

pub use barcode::{Barcode, BarcodeKind, BarcodeProblem};
pub use fiscal::{Cuil, Cuit, CuitKind, CuitProblem, Dni};
pub use format::{format_ars, parse_ars};
pub use money::{Money, UnitCost};
pub use quantity::{Quantity, UnitOfMeasure};
pub use sku::Sku;

/// Why a value was rejected.
///
/// Messages are lower-case and say what is wrong and what is expected. They may echo amounts,
/// quantities, SKUs and barcodes, but never a CUIT, CUIL or DNI (personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The text is not a plain decimal number such as `-12.50`.
    #[error("{input:?} is not a plain decimal number (expected digits with an optional leading '-' and '.' decimal point, like -12.50)")]
    InvalidNumber {
        /// The rejected text.
        input: String,
    },
    /// The number has more decimals than the value keeps.
    #[error("{input:?} has more than {max} decimals")]
    TooManyDecimals {
        /// The rejected number, as written.
        input: String,
        /// The number of decimals the value keeps.
        max: u32,
    },
    /// The result does not fit the value's range.
    #[error("value is out of range")]
    Overflow,
    /// A unit cost below zero.
    #[error("unit cost must not be negative")]
    NegativeCost,
    /// A movement quantity of zero.
    #[error("quantity must be greater than zero")]
    ZeroQuantity,
    /// A movement quantity below zero.
    #[error("quantity must be greater than zero (the movement kind gives the direction)")]
    NegativeQuantity,
    /// A fractional quantity for a unit that only takes whole quantities.
    #[error("products sold by {unit} take whole quantities")]
    FractionalQuantity {
        /// The product's unit of measure.
        unit: UnitOfMeasure,
    },
    /// A unit of measure that is not one of the known codes.
    #[error("unknown unit of measure {input:?} (expected unidad, kg, g, l, ml or m)")]
    UnknownUnit {
        /// The rejected text.
        input: String,
    },
    /// A SKU that breaks the SKU rule.
    #[error("SKU {input:?} is not valid: expected 1–50 characters A–Z, 0–9, '_' or '-', starting with a letter or digit")]
    InvalidSku {
        /// The rejected text.
        input: String,
    },
    /// A barcode that is not a valid EAN-13, EAN-8 or UPC-A.
    #[error("{reason}")]
    InvalidBarcode {
        /// What is wrong with it.
        reason: BarcodeProblem,
    },
    /// A CUIT or CUIL that is not valid (the number itself is never included).
    #[error("{0}")]
    InvalidCuit(CuitProblem),
    /// A DNI that is not 7 or 8 digits (the number itself is never included).
    #[error("DNI must have 7 or 8 digits")]
    InvalidDni,
    /// Text that is not an amount in Argentine presentation such as `$1.234,56`.
    #[error("{input:?} is not a peso amount (expected e.g. $1.234,56, -$1.234,50 or 1.234,56)")]
    InvalidArsAmount {
        /// The rejected text.
        input: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lower_case_and_explain() {
        assert_eq!(
            ValueError::NegativeCost.to_string(),
            "unit cost must not be negative"
        );
        assert_eq!(
            ValueError::ZeroQuantity.to_string(),
            "quantity must be greater than zero"
        );
        assert_eq!(
            ValueError::FractionalQuantity {
                unit: UnitOfMeasure::Unidad
            }
            .to_string(),
            "products sold by unidad take whole quantities"
        );
        assert_eq!(
            ValueError::InvalidCuit(CuitProblem::Prefix(12)).to_string(),
            "CUIT prefix 12 is not valid (expected 20, 23, 24, 27, 30, 33 or 34)"
        );
        assert_eq!(
            ValueError::InvalidBarcode {
                reason: BarcodeProblem::Length(10)
            }
            .to_string(),
            "barcode must have 8, 12 or 13 digits (EAN-8, UPC-A, EAN-13)"
        );
        let sku = ValueError::InvalidSku {
            input: "A B".into(),
        }
        .to_string();
        assert!(sku.contains("\"A B\"") && sku.contains("1–50"), "{sku}");
    }

    #[test]
    fn personal_data_is_not_echoed() {
        for input in [
            "20-12345678-9",
            "12-12345678-9",
            "20123456761",
            "2012345678",
        ] {
            let err = Cuit::parse(input).unwrap_err().to_string();
            assert!(!err.contains("12345678"), "{err}");
            assert!(!err.contains("2012345"), "{err}");
        }
        let err = Dni::parse("123.456").unwrap_err().to_string();
        assert!(!err.contains("123"), "{err}");
    }
}
