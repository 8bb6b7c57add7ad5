//! Text and decimal forms of the fixed-point values.
//!
//! This module owns how amounts and quantities are read and written: the canonical plain
//! decimal (`-1234.50`) used by `FromStr`/`Display`, exact and HALF_UP conversion from
//! [`Decimal`], and the Argentine presentation of pesos (`$1.234,56`), which is presentation
//! only and never stored.

use core::fmt;

use rust_decimal::Decimal;

use super::{Money, ValueError};

/// Formats an amount in Argentine presentation, rounded HALF_UP to centavos.
///
/// Thousands are separated by `.`, centavos by `,`, and a negative amount puts the sign before
/// the `$`. Amounts that round to zero are shown without a sign.
///
/// # Examples
///
/// ```
/// use std::str::FromStr;
/// use inventario_core::domain::values::format_ars;
/// use rust_decimal::Decimal;
///
/// let amount = |s| Decimal::from_str(s).unwrap();
/// assert_eq!(format_ars(amount("1234.56")), "$1.234,56");
/// assert_eq!(format_ars(amount("2.675")), "$2,68");
/// assert_eq!(format_ars(amount("-1234.5")), "-$1.234,50");
/// ```
pub fn format_ars(amount: Decimal) -> String {
    let (mantissa, scale) = (amount.mantissa(), amount.scale());
    // A Decimal mantissa is below 2^96 and its scale at most 28, so neither step can saturate.
    let cents = if scale <= 2 {
        mantissa.saturating_mul(10_i128.saturating_pow(2 - scale))
    } else {
        div_round_half_up(mantissa, 10_i128.saturating_pow(scale - 2))
    };
    ars_from_cents(cents)
}

/// Parses an amount in Argentine presentation; the inverse of [`format_ars`] for amounts with
/// at most 2 decimals.
///
/// Accepts an optional leading `-`, an optional `$` (optionally followed by spaces), the pesos
/// either without separators or with `.` between every group of three digits, and optionally
/// `,` followed by one or two decimals: `"$1.234,56"`, `"-$1.234,50"`, `"1.234,56"`,
/// `"$ 0,01"`, `"$1.000.000"`. Misplaced separators (`"$1.23,4"`) are rejected.
///
/// # Examples
///
/// ```
/// use inventario_core::domain::values::{parse_ars, Money};
///
/// assert_eq!(parse_ars("$1.234,56")?, Money::from_centavos(123_456));
/// assert_eq!(parse_ars("-$1.234,50")?, Money::from_centavos(-123_450));
/// assert!(parse_ars("$1.23,4").is_err());
/// # Ok::<(), inventario_core::domain::values::ValueError>(())
/// ```
pub fn parse_ars(s: &str) -> Result<Money, ValueError> {
    let invalid = || ValueError::InvalidArsAmount {
        input: s.to_owned(),
    };
    let text = s.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let text = text.strip_prefix('$').map_or(text, str::trim_start);
    let (pesos, centavos) = match text.split_once(',') {
        Some((pesos, centavos)) if !centavos.is_empty() => (pesos, centavos),
        Some(_) => return Err(invalid()),
        None => (text, ""),
    };
    if !is_grouped_integer(pesos) || !is_digits(centavos) || centavos.len() > 2 {
        return Err(invalid());
    }
    let digits = pesos.bytes().filter(|&b| b != b'.');
    let cents = digits_to_i128(digits.chain(centavos.bytes()), 2 - centavos.len())?;
    let cents = if negative { -cents } else { cents };
    i64::try_from(cents)
        .map(Money::from_centavos)
        .map_err(|_| ValueError::Overflow)
}

/// Writes centavos as `$1.234,56` / `-$1.234,50`.
pub(super) fn ars_from_cents(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}${},{:02}", group_thousands(abs / 100), abs % 100)
}

/// Parses a plain decimal (`-12.50`) into an integer count of `10^-scale` units.
///
/// Surrounding whitespace is ignored; trailing zeros beyond `scale` are accepted. Anything else
/// than an optional `-`, digits and an optional `.` followed by digits is `InvalidNumber`.
pub(super) fn parse_plain(input: &str, scale: u32) -> Result<i64, ValueError> {
    let invalid = || ValueError::InvalidNumber {
        input: input.to_owned(),
    };
    let text = input.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = match text.split_once('.') {
        Some((int_part, frac_part)) if !frac_part.is_empty() => (int_part, frac_part),
        Some(_) => return Err(invalid()),
        None => (text, ""),
    };
    if int_part.is_empty() || !is_digits(int_part) || !is_digits(frac_part) {
        return Err(invalid());
    }
    let frac_part = frac_part.trim_end_matches('0');
    let padding = usize::try_from(scale)
        .ok()
        .and_then(|scale| scale.checked_sub(frac_part.len()))
        .ok_or_else(|| ValueError::TooManyDecimals {
            input: input.to_owned(),
            max: scale,
        })?;
    let value = digits_to_i128(int_part.bytes().chain(frac_part.bytes()), padding)?;
    let value = if negative { -value } else { value };
    i64::try_from(value).map_err(|_| ValueError::Overflow)
}

/// Writes `value` units of `10^-scale` as a plain decimal, with exactly `scale` decimals or, if
/// `trim` is set, without trailing zeros (and without the point for whole numbers).
pub(super) fn write_plain(
    f: &mut fmt::Formatter<'_>,
    value: i64,
    scale: u32,
    trim: bool,
) -> fmt::Result {
    let sign = if value < 0 { "-" } else { "" };
    let abs = u128::from(value.unsigned_abs());
    let one = 10_u128.saturating_pow(scale);
    let width = usize::try_from(scale).unwrap_or(0);
    let frac = format!("{:0width$}", abs % one);
    let frac = if trim {
        frac.trim_end_matches('0')
    } else {
        &frac
    };
    if frac.is_empty() {
        write!(f, "{sign}{}", abs / one)
    } else {
        write!(f, "{sign}{}.{frac}", abs / one)
    }
}

/// Converts a decimal to an integer count of `10^-scale` units, exactly: a decimal with more
/// significant decimals than `scale` is `TooManyDecimals`.
pub(super) fn decimal_to_scaled(d: Decimal, scale: u32) -> Result<i64, ValueError> {
    let (mantissa, d_scale) = (d.mantissa(), d.scale());
    let value = if d_scale <= scale {
        mantissa
            .checked_mul(pow10(scale - d_scale)?)
            .ok_or(ValueError::Overflow)?
    } else {
        let divisor = pow10(d_scale - scale)?;
        if mantissa % divisor != 0 {
            return Err(ValueError::TooManyDecimals {
                input: d.to_string(),
                max: scale,
            });
        }
        mantissa / divisor
    };
    i64::try_from(value).map_err(|_| ValueError::Overflow)
}

/// Converts a decimal to an integer count of `10^-scale` units, rounding HALF_UP.
pub(super) fn decimal_to_scaled_rounded(d: Decimal, scale: u32) -> Result<i64, ValueError> {
    let (mantissa, d_scale) = (d.mantissa(), d.scale());
    let value = if d_scale <= scale {
        mantissa
            .checked_mul(pow10(scale - d_scale)?)
            .ok_or(ValueError::Overflow)?
    } else {
        div_round_half_up(mantissa, pow10(d_scale - scale)?)
    };
    i64::try_from(value).map_err(|_| ValueError::Overflow)
}

/// `n / d` rounded HALF_UP (midpoint away from zero). `d` must be positive.
pub(super) fn div_round_half_up(n: i128, d: i128) -> i128 {
    let (quotient, remainder) = (n / d, n % d);
    // |remainder| < d <= i128::MAX, so doubling it fits in u128.
    if remainder.unsigned_abs() * 2 >= d.unsigned_abs() {
        quotient + n.signum()
    } else {
        quotient
    }
}

fn pow10(exp: u32) -> Result<i128, ValueError> {
    10_i128.checked_pow(exp).ok_or(ValueError::Overflow)
}

fn is_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// `"1234"` or `"1.234.567"`: digits, either ungrouped or in groups of three after a first
/// group of one to three.
fn is_grouped_integer(s: &str) -> bool {
    let mut groups = s.split('.');
    let first = groups.next().unwrap_or("");
    let ungrouped = !s.contains('.');
    !first.is_empty()
        && is_digits(first)
        && (ungrouped || first.len() <= 3)
        && groups.all(|group| group.len() == 3 && is_digits(group))
}

/// Accumulates ASCII digits into an integer, then appends `padding` zeros.
fn digits_to_i128(
    mut digits: impl Iterator<Item = u8>,
    padding: usize,
) -> Result<i128, ValueError> {
    let value = digits.try_fold(0_i128, |acc, digit| {
        acc.checked_mul(10)?.checked_add(i128::from(digit - b'0'))
    });
    let scale = u32::try_from(padding).map_err(|_| ValueError::Overflow)?;
    value
        .and_then(|v| v.checked_mul(pow10(scale).ok()?))
        .ok_or(ValueError::Overflow)
}

fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use core::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// DOMAIN.md section 1: the Argentine formatting vectors.
    const FORMAT_VECTORS: [(&str, &str); 6] = [
        ("1234.56", "$1.234,56"),
        ("1000000", "$1.000.000,00"),
        ("0.005", "$0,01"),
        ("2.675", "$2,68"),
        ("999.999", "$1.000,00"),
        ("-1234.5", "-$1.234,50"),
    ];

    #[test]
    fn format_ars_domain_vectors() {
        for (amount, expected) in FORMAT_VECTORS {
            assert_eq!(format_ars(dec(amount)), expected, "{amount}");
        }
    }

    #[test]
    fn parse_ars_inverts_every_domain_vector() {
        for (amount, formatted) in FORMAT_VECTORS {
            let money = parse_ars(formatted).unwrap();
            let rounded = Money::from_decimal_rounded(dec(amount)).unwrap();
            assert_eq!(money, rounded, "{formatted}");
            assert_eq!(format_ars(money.to_decimal()), formatted);
        }
    }

    #[test]
    fn format_ars_edges() {
        assert_eq!(format_ars(Decimal::ZERO), "$0,00");
        assert_eq!(format_ars(dec("-0.004")), "$0,00");
        assert_eq!(format_ars(dec("-0.005")), "-$0,01");
        assert_eq!(format_ars(dec("123")), "$123,00");
        assert_eq!(format_ars(dec("123456.7")), "$123.456,70");
        assert_eq!(
            format_ars(Decimal::MAX),
            "$79.228.162.514.264.337.593.543.950.335,00"
        );
        assert_eq!(
            format_ars(Decimal::new(i64::MIN, 2)),
            "-$92.233.720.368.547.758,08"
        );
    }

    #[test]
    fn parse_ars_accepts_the_documented_forms() {
        let cases = [
            ("$1.234,56", 123_456),
            ("-$1.234,50", -123_450),
            ("1.234,56", 123_456),
            ("$ 0,01", 1),
            ("$1.000.000", 100_000_000),
            ("1234,5", 123_450),
            ("  $12  ", 1_200),
            ("-$0,00", 0),
        ];
        for (text, cents) in cases {
            assert_eq!(parse_ars(text), Ok(Money::from_centavos(cents)), "{text}");
        }
    }

    #[test]
    fn parse_ars_rejects_malformed_amounts() {
        for text in [
            "$1.23,4",
            "$1.2345",
            "$1234.567",
            ".123",
            "$",
            "",
            "$-1.234,50",
            "$-.1.234,50",
            "1,234",
            "1,",
            ",50",
            "$1 234,00",
            "$1.234.",
            "1e3",
            "$12,3a",
            "--1",
            "$$1",
        ] {
            assert_eq!(
                parse_ars(text),
                Err(ValueError::InvalidArsAmount { input: text.into() }),
                "{text}"
            );
        }
        assert_eq!(
            parse_ars("$92.233.720.368.547.758,08"),
            Err(ValueError::Overflow)
        );
        assert_eq!(
            parse_ars("-$92.233.720.368.547.758,08"),
            Ok(Money::from_centavos(i64::MIN))
        );
    }

    #[test]
    fn rounding_is_half_up_away_from_zero() {
        assert_eq!(div_round_half_up(15, 10), 2);
        assert_eq!(div_round_half_up(14, 10), 1);
        assert_eq!(div_round_half_up(-15, 10), -2);
        assert_eq!(div_round_half_up(-14, 10), -1);
        assert_eq!(div_round_half_up(5, 10), 1);
        assert_eq!(div_round_half_up(4, 10), 0);
        assert_eq!(div_round_half_up(i128::MAX, i128::MAX), 1);
    }

    proptest! {
        #[test]
        fn ars_round_trip(cents in any::<i64>()) {
            let money = Money::from_centavos(cents);
            let text = format_ars(money.to_decimal());
            prop_assert_eq!(parse_ars(&text), Ok(money));
            prop_assert_eq!(money.to_ars_string(), text);
        }
    }
}
