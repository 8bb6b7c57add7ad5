//! Product barcodes.
//!
//! This module owns [`Barcode`] \[codigo_barras\]: an EAN-13, EAN-8 or UPC-A code whose GS1 check
//! digit is right. Uniqueness per tenant is the store's concern.

use core::fmt;
use core::str::FromStr;

use super::ValueError;

/// Barcode \[codigo_barras\]: EAN-13, EAN-8 or UPC-A with a valid check digit (surrounding
/// whitespace trimmed, nothing else accepted).
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::{Barcode, BarcodeKind};
///
/// let code = Barcode::parse("7790895000997")?;
/// assert_eq!(code.kind(), BarcodeKind::Ean13);
/// assert!(Barcode::parse("7790895000998").is_err()); // wrong check digit
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Barcode(String);

/// The symbology of a [`Barcode`], given by its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarcodeKind {
    /// 13 digits.
    Ean13,
    /// 8 digits.
    Ean8,
    /// 12 digits.
    UpcA,
}

/// Why a barcode was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarcodeProblem {
    /// Something other than the digits 0–9.
    NotDigits,
    /// A number of digits other than 8, 12 or 13 (the number found).
    Length(usize),
    /// The last digit is not the GS1 check digit of the others.
    CheckDigit,
}

impl fmt::Display for BarcodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BarcodeProblem::NotDigits => "barcode must contain only the digits 0-9",
            BarcodeProblem::Length(_) => {
                "barcode must have 8, 12 or 13 digits (EAN-8, UPC-A, EAN-13)"
            }
            BarcodeProblem::CheckDigit => "barcode check digit is wrong",
        })
    }
}

impl Barcode {
    /// Parses an EAN-13, EAN-8 or UPC-A code, ignoring surrounding whitespace.
    pub fn parse(s: &str) -> Result<Barcode, ValueError> {
        let code = s.trim();
        let reject = |reason| Err(ValueError::InvalidBarcode { reason });
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return reject(BarcodeProblem::NotDigits);
        }
        if !matches!(code.len(), 8 | 12 | 13) {
            return reject(BarcodeProblem::Length(code.len()));
        }
        let (body, check) = code.split_at(code.len() - 1);
        if check.as_bytes() != [gs1_check_digit(body)] {
            return reject(BarcodeProblem::CheckDigit);
        }
        Ok(Barcode(code.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The symbology, from the number of digits.
    pub fn kind(&self) -> BarcodeKind {
        match self.0.len() {
            8 => BarcodeKind::Ean8,
            12 => BarcodeKind::UpcA,
            _ => BarcodeKind::Ean13,
        }
    }
}

/// The GS1 check digit (as an ASCII digit) for the digits before it: weights 3, 1, 3, … from the
/// right, check = (10 − sum mod 10) mod 10.
fn gs1_check_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .zip([3, 1].into_iter().cycle())
        .map(|(b, weight)| u32::from(b - b'0') * weight)
        .sum();
    let check = (10 - sum % 10) % 10;
    // `check` is below 10.
    b'0' + u8::try_from(check).unwrap_or(0)
}

impl FromStr for Barcode {
    type Err = ValueError;

    /// Same as [`Barcode::parse`].
    fn from_str(s: &str) -> Result<Barcode, ValueError> {
        Barcode::parse(s)
    }
}

impl fmt::Display for Barcode {
    /// Writes the digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(s: &str) -> BarcodeProblem {
        match Barcode::parse(s) {
            Err(ValueError::InvalidBarcode { reason }) => reason,
            other => panic!("{s:?} should be rejected, got {other:?}"),
        }
    }

    #[test]
    fn accepts_real_codes() {
        // EAN-13 7790895000997 (Coca-Cola Argentina): body 779089500099, weights 1,3,1,3,… from
        // the left: 7+21+9+0+8+27+5+0+0+0+9+27 = 113; (10 − 3) mod 10 = 7. ✓
        // EAN-13 4006381333931: 4+0+0+18+3+24+1+9+3+9+9+9 = 89; (10 − 9) mod 10 = 1. ✓
        // EAN-8 96385074: weights 3,1,3,…: 27+6+9+8+15+0+21 = 86; (10 − 6) mod 10 = 4. ✓
        // UPC-A 036000291452: weights 3,1,3,…: 0+3+18+0+0+0+6+9+3+4+15 = 58; (10 − 8) = 2. ✓
        let cases = [
            ("7790895000997", BarcodeKind::Ean13),
            ("4006381333931", BarcodeKind::Ean13),
            ("96385074", BarcodeKind::Ean8),
            ("036000291452", BarcodeKind::UpcA),
        ];
        for (code, kind) in cases {
            let barcode = Barcode::parse(code).unwrap();
            assert_eq!(barcode.kind(), kind, "{code}");
            assert_eq!(barcode.as_str(), code);
            assert_eq!(barcode.to_string(), code);
            assert_eq!(code.parse::<Barcode>(), Ok(barcode));
        }
        // Check digit 0 (the `mod 10` case): body of zeros, sum 0, (10 − 0) mod 10 = 0. ✓
        assert!(Barcode::parse("0000000000000").is_ok());
        assert_eq!(
            Barcode::parse(" 7790895000997\n").unwrap().as_str(),
            "7790895000997"
        );
    }

    #[test]
    fn rejects_wrong_check_digits() {
        for code in [
            "7790895000998",
            "7790895000990",
            "4006381333932",
            "96385075",
            "036000291453",
            "0000000000001",
        ] {
            assert_eq!(problem(code), BarcodeProblem::CheckDigit, "{code}");
        }
        // Every other last digit of a valid code is rejected.
        for d in (0..=9).filter(|&d| d != 7) {
            assert_eq!(
                problem(&format!("779089500099{d}")),
                BarcodeProblem::CheckDigit
            );
        }
    }

    #[test]
    fn rejects_other_shapes() {
        // 12 digits take the UPC-A rule: body 77908950009, weights 3,1,… from the right:
        // 27+0+0+0+15+9+24+0+27+7+21 = 130, check 0, not 9.
        assert_eq!(problem("779089500099"), BarcodeProblem::CheckDigit);
        assert_eq!(problem(""), BarcodeProblem::Length(0));
        assert_eq!(problem("1234567"), BarcodeProblem::Length(7));
        assert_eq!(problem("77908950009970"), BarcodeProblem::Length(14));
        assert_eq!(problem("779-0895000997"), BarcodeProblem::NotDigits);
        assert_eq!(problem("7790895 000997"), BarcodeProblem::NotDigits);
        assert_eq!(problem("779089500099X"), BarcodeProblem::NotDigits);
        assert_eq!(problem("٧٧٩٠٨٩٥٠٠٠٩٩٧"), BarcodeProblem::NotDigits);
    }
}
