//! Fractional powers in exact decimals, without floats.
//!
//! This module owns the elementary functions the inflation factor needs: `ln`, `exp`, integer
//! and fractional powers of a [`Decimal`]. `rust_decimal` only offers them behind its `maths`
//! feature (which this crate does not enable), so they are written here with plain series:
//!
//! - `ln(y)`: reduce `y` by powers of two into `[0.75, 1.5]`, then `ln y = 2·atanh(z)` with
//!   `z = (y − 1)/(y + 1)`, `|z| ≤ 0.2`, summed until the terms vanish at 28 decimals, plus
//!   `k·ln 2`.
//! - `exp(t)`: split `t = n + f` with `n` a whole number and `0 ≤ f < 1`; `e^n` by repeated
//!   squaring of `e` (28 decimals), `e^f` by its Taylor series; `exp(−t) = 1/exp(t)`.
//! - `pow(b, x) = exp(x·ln b)`.
//!
//! Precision: every step rounds at `Decimal`'s 28 decimals (about 28 significant digits), so
//! `ln` is within about 1e-26 absolute and `exp(t)` within about 1e-26 relative for the
//! exponents used here; `pow(b, x)` is then within about `|x·ln b|·1e-27` relative. Against
//! 50-digit Python (`core/tests/pricing_vectors.rs`) the inflation factors of rates
//! 0.1–50 %/month over 1–3650 days (factors up to 1.3e21) are within 4.4e-26 relative, and the
//! tests require 1e-24. Results that do not fit a `Decimal` (about 7.9e28) are `None`, never a
//! panic.

use rust_decimal::Decimal;

/// e to 28 decimals: 2.7182818284590452353602874714 (the next digits are 35266…, so rounded up).
const E: Decimal = Decimal::from_parts(2_239_425_882, 3_958_169_141, 1_473_583_531, false, 28);
/// ln 2 to 28 decimals: 0.6931471805599453094172321215 (the next digits are 45818…).
const LN_2: Decimal = Decimal::from_parts(2_860_148_159, 2_180_329_217, 375_755_839, false, 28);
/// Upper end of the interval `ln` reduces its argument into.
const REDUCED_MAX: Decimal = Decimal::from_parts(15, 0, 0, false, 1);
/// Lower end of the interval `ln` reduces its argument into.
const REDUCED_MIN: Decimal = Decimal::from_parts(75, 0, 0, false, 2);

/// `base^n` by repeated squaring; `None` on overflow.
pub(super) fn powu(base: Decimal, mut n: u32) -> Option<Decimal> {
    let mut result = Decimal::ONE;
    let mut square = base;
    while n > 0 {
        if n & 1 == 1 {
            result = result.checked_mul(square)?;
        }
        n >>= 1;
        if n > 0 {
            square = square.checked_mul(square)?;
        }
    }
    Some(result)
}

/// Natural logarithm of a positive decimal; `None` when `y ≤ 0`.
pub(super) fn ln(y: Decimal) -> Option<Decimal> {
    if y <= Decimal::ZERO {
        return None;
    }
    // y = m · 2^k with m in [0.75, 1.5]: halving and doubling keep every digit of y.
    let mut m = y;
    let mut k: i64 = 0;
    while m > REDUCED_MAX {
        m = m.checked_div(Decimal::TWO)?;
        k += 1;
    }
    while m < REDUCED_MIN {
        m = m.checked_mul(Decimal::TWO)?;
        k -= 1;
    }
    // ln m = 2·(z + z³/3 + z⁵/5 + …), z = (m − 1)/(m + 1), |z| ≤ 0.2: each term is at most
    // 0.04 times the previous one, so about 20 terms reach the 28th decimal.
    let z = (m - Decimal::ONE).checked_div(m + Decimal::ONE)?;
    let z2 = z.checked_mul(z)?;
    let mut power = z;
    let mut sum = z;
    let mut odd = Decimal::ONE;
    loop {
        power = power.checked_mul(z2)?;
        odd += Decimal::TWO;
        let term = power.checked_div(odd)?;
        if term.is_zero() {
            break;
        }
        sum = sum.checked_add(term)?;
    }
    let reduction = LN_2.checked_mul(Decimal::from(k))?;
    sum.checked_mul(Decimal::TWO)?.checked_add(reduction)
}

/// `e^t`; `None` when the result does not fit a `Decimal`.
pub(super) fn exp(t: Decimal) -> Option<Decimal> {
    if t.is_sign_negative() {
        return Decimal::ONE.checked_div(exp(-t)?);
    }
    let whole = t.trunc();
    let n = u32::try_from(whole).ok()?;
    let f = t - whole;
    // e^f = 1 + f + f²/2! + …, 0 ≤ f < 1: the terms fall below 1e-28 by the 27th.
    let mut term = Decimal::ONE;
    let mut sum = Decimal::ONE;
    let mut k = Decimal::ZERO;
    loop {
        k += Decimal::ONE;
        term = term.checked_mul(f)?.checked_div(k)?;
        if term.is_zero() {
            break;
        }
        sum = sum.checked_add(term)?;
    }
    powu(E, n)?.checked_mul(sum)
}

/// `base^exponent` for a positive base; `None` when `base ≤ 0` or on overflow.
pub(super) fn pow(base: Decimal, exponent: Decimal) -> Option<Decimal> {
    if exponent.is_zero() {
        return (base > Decimal::ZERO).then_some(Decimal::ONE);
    }
    exp(ln(base)?.checked_mul(exponent)?)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// |a − b| ≤ tolerance · |b|.
    fn close(a: Decimal, b: Decimal, tolerance: Decimal) -> bool {
        (a - b).abs() <= tolerance * b.abs()
    }

    #[test]
    fn constants_are_the_published_digits() {
        assert_eq!(E.to_string(), "2.7182818284590452353602874714");
        assert_eq!(LN_2.to_string(), "0.6931471805599453094172321215");
        // …and the series agree with them.
        let tiny = Decimal::new(1, 26);
        assert!((exp(Decimal::ONE).unwrap() - E).abs() <= tiny);
        assert!((ln(Decimal::TWO).unwrap() - LN_2).abs() <= tiny);
    }

    #[test]
    fn ln_matches_fifty_digit_references() {
        // Python: getcontext().prec = 50; Decimal(y).ln().quantize(Decimal("1e-28"))
        let cases = [
            ("1.045", "0.0440168854167743266177559790"),
            ("1.5", "0.4054651081081643819780131155"),
            ("1.01", "0.0099503308531680828482153575"),
            ("10", "2.3025850929940456840179914547"),
            ("0.5", "-0.6931471805599453094172321215"),
        ];
        let tolerance = Decimal::new(1, 26);
        for (y, expected) in cases {
            let got = ln(dec(y)).unwrap();
            let expected = dec(expected);
            assert!(
                (got - expected).abs() <= tolerance,
                "ln {y}: {got} vs {expected}"
            );
        }
        assert_eq!(ln(Decimal::ONE), Some(Decimal::ZERO));
        assert_eq!(ln(Decimal::ZERO), None);
        assert_eq!(ln(dec("-1")), None);
    }

    #[test]
    fn exp_matches_fifty_digit_references() {
        // Python: getcontext().prec = 50; Context(prec=28).plus(Decimal(t).exp())
        let cases = [
            ("0.5", "1.648721270700128146848650788"),
            ("10.25", "28282.54192033497908989374577"),
            ("-3", "0.0497870683678639429793424157"),
            ("60", "114200738981568428366295718.3"),
        ];
        let tolerance = Decimal::new(1, 25);
        for (t, expected) in cases {
            let got = exp(dec(t)).unwrap();
            let expected = dec(expected);
            assert!(
                close(got, expected, tolerance),
                "exp {t}: {got} vs {expected}"
            );
        }
        assert_eq!(exp(Decimal::ZERO), Some(Decimal::ONE));
        assert_eq!(exp(dec("70")), None, "e^70 does not fit a Decimal");
    }

    #[test]
    fn pow_edge_cases() {
        assert_eq!(pow(dec("1.045"), Decimal::ZERO), Some(Decimal::ONE));
        assert_eq!(pow(Decimal::ONE, dec("123.456")), Some(Decimal::ONE));
        assert_eq!(pow(Decimal::ZERO, Decimal::ONE), None);
        assert_eq!(pow(dec("-2"), Decimal::TWO), None);
        assert_eq!(
            pow(dec("1.5"), dec("1000")),
            None,
            "overflow is None, not a panic"
        );
        // 4^0.5 = 2 and 1.5^-1 = 2/3, within the documented precision.
        let tolerance = Decimal::new(1, 25);
        assert!(close(
            pow(dec("4"), dec("0.5")).unwrap(),
            Decimal::TWO,
            tolerance
        ));
        assert!(close(
            pow(dec("1.5"), dec("-1")).unwrap(),
            Decimal::TWO / dec("3"),
            tolerance
        ));
        assert_eq!(powu(dec("1.5"), 0), Some(Decimal::ONE));
        assert_eq!(powu(dec("1.5"), 3), Some(dec("3.375")));
        assert_eq!(powu(dec("1.5"), 1000), None);
    }

    proptest! {
        // Failures are reported, not saved into the source tree.
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// For whole exponents the fractional power agrees with repeated multiplication.
        #[test]
        fn pow_agrees_with_repeated_multiplication(
            rate in 0..=500_000_000_i64,
            n in 0..=150_u32,
        ) {
            let base = Decimal::ONE + Decimal::new(rate, 9);
            let mut product = Decimal::ONE;
            for _ in 0..n {
                product *= base;
            }
            let got = pow(base, Decimal::from(n)).unwrap();
            prop_assert!(
                close(got, product, Decimal::new(1, 20)),
                "{}^{}: pow {} vs product {}", base, n, got, product
            );
            prop_assert!(close(powu(base, n).unwrap(), product, Decimal::new(1, 20)));
        }

        /// The same outside the rates' range, where `ln` has to reduce by powers of two.
        #[test]
        fn pow_agrees_for_other_bases(mantissa in 1_000_i64..=9_000, n in 0..=20_u32) {
            let base = Decimal::new(mantissa, 3); // 1.000 ..= 9.000
            let mut product = Decimal::ONE;
            for _ in 0..n {
                product *= base;
            }
            let got = pow(base, Decimal::from(n)).unwrap();
            prop_assert!(
                close(got, product, Decimal::new(1, 20)),
                "{}^{}: pow {} vs product {}", base, n, got, product
            );
            // b^-n is below 1, where a Decimal keeps 28 decimals rather than 28 significant
            // digits: its absolute error (about 1e-28) is allowed for, scaled by b^n.
            let inverse = pow(base, -Decimal::from(n)).unwrap();
            let tolerance = Decimal::new(1, 20) + Decimal::new(1, 27) * product;
            prop_assert!((inverse * product - Decimal::ONE).abs() <= tolerance);
        }
    }
}
