//! Argentine tax and identity numbers.
//!
//! This module owns [`Cuit`] (also [`Cuil`]), the 11-digit tax number with its check digit, and
//! [`Dni`], the national identity number. Both are personal data: their `Debug` output and every
//! error message leave the number out.

use core::fmt;
use core::str::FromStr;

use super::ValueError;

/// Check-digit weights for the first ten digits of a CUIT.
const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
/// Prefixes of people's CUITs/CUILs.
const PERSON_PREFIXES: [u8; 4] = [20, 23, 24, 27];
/// Prefixes of companies' CUITs.
const COMPANY_PREFIXES: [u8; 3] = [30, 33, 34];

/// CUIT/CUIL: 11 digits, canonical storage; shown XX-XXXXXXXX-X.
///
/// `Debug` shows only the check digit (`Cuit(**-********-6)`).
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::{Cuit, CuitKind};
///
/// let cuit = Cuit::parse("20-12345678-6")?;
/// assert_eq!(cuit.canonical(), "20123456786");
/// assert_eq!(cuit.to_string(), "20-12345678-6");
/// assert_eq!(cuit.kind(), CuitKind::Person);
/// assert_eq!(format!("{cuit:?}"), "Cuit(**-********-6)");
/// assert!(Cuit::parse("20-12345678-9").is_err()); // the check digit should be 6
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cuit(String);

/// A CUIL has the same form and rule as a CUIT.
pub type Cuil = Cuit;

/// Whether a CUIT belongs to a person or a company, from its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CuitKind {
    /// Prefix 20, 23, 24 or 27.
    Person,
    /// Prefix 30, 33 or 34.
    Company,
}

/// Why a CUIT was rejected. Never carries the number itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CuitProblem {
    /// Not 11 digits (or characters other than digits and `-`, ` `, `.` separators).
    Length,
    /// A prefix other than 20, 23, 24, 27, 30, 33 or 34 (the prefix found).
    Prefix(u8),
    /// The last digit does not match the computed check digit.
    CheckDigit,
    /// The computed check digit would be 10, so no CUIT has these first ten digits.
    CheckDigitTen,
}

impl fmt::Display for CuitProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CuitProblem::Length => f.write_str("CUIT must have 11 digits"),
            CuitProblem::Prefix(prefix) => write!(
                f,
                "CUIT prefix {prefix} is not valid (expected 20, 23, 24, 27, 30, 33 or 34)"
            ),
            CuitProblem::CheckDigit => f.write_str("CUIT check digit is wrong"),
            CuitProblem::CheckDigitTen => {
                f.write_str("CUIT is not valid: its check digit would be 10")
            }
        }
    }
}

impl Cuit {
    /// Parses a CUIT/CUIL: 11 digits, optionally separated by `-`, ` ` or `.`.
    ///
    /// Checks, in order, the length, the prefix and the check digit: weights 5,4,3,2,7,6,5,4,3,2;
    /// r = Σ mod 11; dv = 11 − r; dv 11 → 0; dv 10 → invalid.
    pub fn parse(s: &str) -> Result<Cuit, ValueError> {
        let reject = |problem| ValueError::InvalidCuit(problem);
        let digits =
            digits_without_separators(s, &['-', ' ', '.']).ok_or(reject(CuitProblem::Length))?;
        let digits: [u8; 11] = digits.try_into().map_err(|_| reject(CuitProblem::Length))?;

        let prefix = digits[0] * 10 + digits[1];
        if !PERSON_PREFIXES.contains(&prefix) && !COMPANY_PREFIXES.contains(&prefix) {
            return Err(reject(CuitProblem::Prefix(prefix)));
        }

        let sum: u32 = digits
            .iter()
            .zip(WEIGHTS)
            .map(|(&d, weight)| u32::from(d) * weight)
            .sum();
        let expected = match 11 - sum % 11 {
            11 => 0,
            10 => return Err(reject(CuitProblem::CheckDigitTen)),
            dv => dv,
        };
        if u32::from(digits[10]) != expected {
            return Err(reject(CuitProblem::CheckDigit));
        }

        Ok(Cuit(digits.iter().map(|&d| char::from(b'0' + d)).collect()))
    }

    /// The 11 digits without separators, as stored: `"20123456786"`.
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// The display form `XX-XXXXXXXX-X`: `"20-12345678-6"`.
    pub fn formatted(&self) -> String {
        let mut out = String::with_capacity(13);
        for (i, c) in self.0.chars().enumerate() {
            if i == 2 || i == 10 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// Person (prefix 20, 23, 24, 27) or company (30, 33, 34).
    pub fn kind(&self) -> CuitKind {
        if self.0.starts_with('3') {
            CuitKind::Company
        } else {
            CuitKind::Person
        }
    }

    /// The DNI embedded in a person's CUIT (the eight digits after the prefix), or `None` for a
    /// company or when those digits are not a valid DNI (e.g. all zeros).
    pub fn dni(&self) -> Option<Dni> {
        match self.kind() {
            CuitKind::Person => self.0.get(2..10).and_then(|d| Dni::parse(d).ok()),
            CuitKind::Company => None,
        }
    }
}

impl FromStr for Cuit {
    type Err = ValueError;

    /// Same as [`Cuit::parse`].
    fn from_str(s: &str) -> Result<Cuit, ValueError> {
        Cuit::parse(s)
    }
}

impl fmt::Display for Cuit {
    /// Writes the display form `XX-XXXXXXXX-X`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl fmt::Debug for Cuit {
    /// Shows only the check digit: the number is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let check = self.0.chars().last().unwrap_or('?');
        write!(f, "Cuit(**-********-{check})")
    }
}

/// DNI: 7–8 digits (dots/spaces allowed in input, e.g. "12.345.678").
///
/// The number is kept without leading zeros, so `"01.234.567"` and `"1.234.567"` are the same
/// DNI; a number below 1.000.000 is rejected. `Debug` does not show it.
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::Dni;
///
/// let dni = Dni::parse("12.345.678")?;
/// assert_eq!(dni.as_str(), "12345678");
/// assert_eq!(format!("{dni:?}"), "Dni(<redacted>)");
/// assert!(Dni::parse("123.456").is_err());
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Dni(String);

impl Dni {
    /// Parses a DNI: 7 or 8 digits, optionally separated by `.` or ` `.
    pub fn parse(s: &str) -> Result<Dni, ValueError> {
        let digits = digits_without_separators(s, &['.', ' ']).ok_or(ValueError::InvalidDni)?;
        if !matches!(digits.len(), 7 | 8) {
            return Err(ValueError::InvalidDni);
        }
        let number: String = digits
            .iter()
            .skip_while(|&&d| d == 0)
            .map(|&d| char::from(b'0' + d))
            .collect();
        if !matches!(number.len(), 7 | 8) {
            return Err(ValueError::InvalidDni);
        }
        Ok(Dni(number))
    }

    /// The digits, without separators or leading zeros.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Dni {
    type Err = ValueError;

    /// Same as [`Dni::parse`].
    fn from_str(s: &str) -> Result<Dni, ValueError> {
        Dni::parse(s)
    }
}

impl fmt::Display for Dni {
    /// Writes the digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Dni {
    /// Does not show the number: it is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dni(<redacted>)")
    }
}

/// The digit values of `s` (trimmed), skipping `separators`; `None` if anything else appears.
fn digits_without_separators(s: &str, separators: &[char]) -> Option<Vec<u8>> {
    s.trim()
        .chars()
        .filter(|c| !separators.contains(c))
        .map(|c| c.to_digit(10).and_then(|d| u8::try_from(d).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn problem(s: &str) -> CuitProblem {
        match Cuit::parse(s) {
            Err(ValueError::InvalidCuit(problem)) => problem,
            other => panic!("{s:?} should be rejected, got {other:?}"),
        }
    }

    /// DOMAIN.md section 1: the ten CUIT vectors, with the exact outcome.
    #[test]
    fn domain_vectors() {
        // 2,0,1,2,3,4,5,6,7,8 × weights: 10+0+3+4+21+24+25+24+21+16 = 148; r = 5; dv = 6.
        assert_eq!(
            Cuit::parse("20123456786").unwrap().formatted(),
            "20-12345678-6"
        );
        // Same first ten digits: dv should be 6, not 9.
        assert_eq!(problem("20-12345678-9"), CuitProblem::CheckDigit);
        // 15+0+21+2+14+18+20+20+18+14 = 142; r = 10; dv = 1.
        assert_eq!(
            Cuit::parse("30-71234567-1").unwrap().canonical(),
            "30712345671"
        );
        // 10+28+6+16+0+18+15+20+3+8 = 124; r = 3; dv = 8.
        assert_eq!(
            Cuit::parse("27-28033514-8").unwrap().canonical(),
            "27280335148"
        );
        // 15+0+15+0+0+0+5+0+27+2 = 64; r = 9; dv = 2.
        assert_eq!(
            Cuit::parse("30-50001091-2").unwrap().canonical(),
            "30500010912"
        );
        // 15+0+3+4+21+24+25+24+21+16 = 153; r = 10; dv = 1, not 9.
        assert_eq!(problem("30-12345678-9"), CuitProblem::CheckDigit);
        assert_eq!(problem("12-12345678-9"), CuitProblem::Prefix(12));
        // 10; r = 10; dv = 1.
        assert_eq!(
            Cuit::parse("20-00000000-1").unwrap().canonical(),
            "20000000001"
        );
        // 10+0+3+4+21+24+25+24+21+12 = 144; r = 1; dv = 10: no valid check digit exists
        // (legacy used dv = r = 1 and accepted it).
        assert_eq!(problem("20123456761"), CuitProblem::CheckDigitTen);
        assert_eq!(problem("invalid"), CuitProblem::Length);
        assert_eq!(
            Cuit::parse("invalid").unwrap_err().to_string(),
            "CUIT must have 11 digits"
        );
    }

    #[test]
    fn messages() {
        assert_eq!(
            Cuit::parse("12-12345678-9").unwrap_err().to_string(),
            "CUIT prefix 12 is not valid (expected 20, 23, 24, 27, 30, 33 or 34)"
        );
        assert_eq!(
            Cuit::parse("20-12345678-9").unwrap_err().to_string(),
            "CUIT check digit is wrong"
        );
        assert_eq!(
            Cuit::parse("20123456761").unwrap_err().to_string(),
            "CUIT is not valid: its check digit would be 10"
        );
    }

    #[test]
    fn checks_length_then_prefix_then_check_digit() {
        assert_eq!(problem("12-12345678"), CuitProblem::Length);
        assert_eq!(problem("12-12345678-9"), CuitProblem::Prefix(12));
        assert_eq!(problem("21-12345678-0"), CuitProblem::Prefix(21));
        assert_eq!(problem("20-12345678-66"), CuitProblem::Length);
        assert_eq!(problem(""), CuitProblem::Length);
        assert_eq!(problem("20/12345678/6"), CuitProblem::Length);
        assert_eq!(problem("20-1234567A-6"), CuitProblem::Length);
    }

    #[test]
    fn accepts_separators() {
        let expected = Cuit::parse("20123456786").unwrap();
        for input in [
            "20-12345678-6",
            "20 12345678 6",
            "20.123.456.78-6",
            " 20123456786 ",
        ] {
            assert_eq!(Cuit::parse(input).as_ref(), Ok(&expected), "{input}");
        }
        assert_eq!("20-12345678-6".parse::<Cuil>(), Ok(expected));
    }

    #[test]
    fn kind_and_embedded_dni() {
        let person = Cuit::parse("27-28033514-8").unwrap();
        assert_eq!(person.kind(), CuitKind::Person);
        assert_eq!(person.dni(), Some(Dni::parse("28.033.514").unwrap()));
        let company = Cuit::parse("30-71234567-1").unwrap();
        assert_eq!(company.kind(), CuitKind::Company);
        assert_eq!(company.dni(), None);
        assert_eq!(Cuit::parse("20-00000000-1").unwrap().dni(), None);
    }

    #[test]
    fn display_and_debug() {
        let cuit = Cuit::parse("20123456786").unwrap();
        assert_eq!(cuit.to_string(), "20-12345678-6");
        assert_eq!(format!("{cuit:?}"), "Cuit(**-********-6)");
        let err = format!("{:?}", Cuit::parse("20123456789"));
        assert!(!err.contains("12345678"), "{err}");
    }

    #[test]
    fn dni_rules() {
        assert_eq!(Dni::parse("12.345.678").unwrap().as_str(), "12345678");
        assert_eq!(Dni::parse("1 234 567").unwrap().to_string(), "1234567");
        assert_eq!(Dni::parse("01.234.567"), Dni::parse("1234567"));
        assert_eq!("28033514".parse::<Dni>().unwrap().as_str(), "28033514");
        for input in [
            "",
            "123456",
            "123456789",
            "0123456",
            "00000000",
            "12-345-678",
            "1234567a",
        ] {
            assert_eq!(Dni::parse(input), Err(ValueError::InvalidDni), "{input}");
        }
        let dni = Dni::parse("12345678").unwrap();
        assert_eq!(format!("{dni:?}"), "Dni(<redacted>)");
        assert_eq!(
            ValueError::InvalidDni.to_string(),
            "DNI must have 7 or 8 digits"
        );
    }

    /// The check digit of ten digits, or `None` when it would be 10.
    fn check_digit(body: &[u8]) -> Option<u8> {
        let sum: u32 = body
            .iter()
            .zip(WEIGHTS)
            .map(|(&d, w)| u32::from(d) * w)
            .sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            dv => Some(u8::try_from(dv).unwrap()),
        }
    }

    fn text(digits: &[u8]) -> String {
        digits.iter().map(|&d| char::from(b'0' + d)).collect()
    }

    proptest! {
        #[test]
        fn computed_check_digit_parses_and_any_other_fails(
            prefix in prop::sample::select(vec![20_u8, 23, 24, 27, 30, 33, 34]),
            middle in prop::collection::vec(0_u8..=9, 8),
        ) {
            let mut body = vec![prefix / 10, prefix % 10];
            body.extend(middle);
            match check_digit(&body) {
                Some(dv) => {
                    let valid = format!("{}{dv}", text(&body));
                    let cuit = Cuit::parse(&valid).unwrap();
                    prop_assert_eq!(cuit.canonical(), valid.as_str());
                    for other in (0..=9).filter(|&d| d != dv) {
                        let wrong = format!("{}{other}", text(&body));
                        prop_assert_eq!(
                            Cuit::parse(&wrong),
                            Err(ValueError::InvalidCuit(CuitProblem::CheckDigit))
                        );
                    }
                }
                None => {
                    for last in 0..=9 {
                        let any = format!("{}{last}", text(&body));
                        prop_assert_eq!(
                            Cuit::parse(&any),
                            Err(ValueError::InvalidCuit(CuitProblem::CheckDigitTen))
                        );
                    }
                }
            }
        }
    }
}
