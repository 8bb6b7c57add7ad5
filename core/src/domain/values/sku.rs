//! Stock-keeping unit codes.
//!
//! This module owns [`Sku`], the product code \[codigo\]: trimmed, upper-cased and checked against
//! `^[A-Z0-9][A-Z0-9_-]{0,49}$`. Uniqueness per tenant is the store's concern.

use core::fmt;
use core::str::FromStr;

use super::ValueError;

/// Longest SKU, in characters.
const MAX_LEN: usize = 50;

/// SKU \[codigo\]: trimmed, upper-cased, `^[A-Z0-9][A-Z0-9_-]{0,49}$`.
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::Sku;
///
/// let sku = Sku::parse("  ab-1 ")?;
/// assert_eq!(sku.as_str(), "AB-1");
/// assert!(Sku::parse("-AB").is_err());
/// assert!(Sku::parse("A B").is_err());
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sku(String);

impl Sku {
    /// Trims and upper-cases `s`, then checks the SKU rule: 1–50 characters `A`–`Z`, `0`–`9`,
    /// `_` or `-`, starting with a letter or digit.
    pub fn parse(s: &str) -> Result<Sku, ValueError> {
        let code = s.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        let starts_well = bytes
            .first()
            .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let rest_ok = bytes
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if starts_well && rest_ok && bytes.len() <= MAX_LEN {
            Ok(Sku(code))
        } else {
            Err(ValueError::InvalidSku {
                input: s.to_owned(),
            })
        }
    }

    /// The canonical (upper-case) code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Sku {
    type Err = ValueError;

    /// Same as [`Sku::parse`].
    fn from_str(s: &str) -> Result<Sku, ValueError> {
        Sku::parse(s)
    }
}

impl fmt::Display for Sku {
    /// Writes the canonical code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Sku {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_upper_cases() {
        assert_eq!(Sku::parse("  ab-1 ").unwrap().as_str(), "AB-1");
        assert_eq!(
            Sku::parse("coca_cola-2l").unwrap().to_string(),
            "COCA_COLA-2L"
        );
        assert_eq!("p10".parse::<Sku>().unwrap().as_ref(), "P10");
        assert_eq!(Sku::parse("7").unwrap().as_str(), "7");
        assert_eq!(Sku::parse("A-01-R1-S1").unwrap().as_str(), "A-01-R1-S1");
    }

    #[test]
    fn accepts_up_to_fifty_characters() {
        let fifty = "A".repeat(50);
        assert_eq!(Sku::parse(&fifty).unwrap().as_str(), fifty);
        assert_eq!(
            Sku::parse(&format!("9{}", "_".repeat(49)))
                .unwrap()
                .as_str()
                .len(),
            50
        );
    }

    #[test]
    fn rejects_what_breaks_the_rule() {
        let fifty_one = "A".repeat(51);
        for input in [
            "-AB",
            "_AB",
            "",
            "   ",
            "A B",
            "Ñ",
            "ñandú",
            "AB.1",
            "AB/1",
            "AB\t1",
            fifty_one.as_str(),
        ] {
            assert_eq!(
                Sku::parse(input),
                Err(ValueError::InvalidSku {
                    input: input.into()
                }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn equal_after_normalising() {
        assert_eq!(Sku::parse("ab-1").unwrap(), Sku::parse(" AB-1").unwrap());
        assert!(Sku::parse("A1").unwrap() < Sku::parse("B0").unwrap());
    }
}
