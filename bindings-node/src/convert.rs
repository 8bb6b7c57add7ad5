//! Reading JavaScript arguments into the core's exact types, and running core calls.
//!
//! Money is a decimal string (`"3500.00"`) or a `bigint` of minor units (centavos); a JS
//! `number` is refused with a `TypeError`, because it cannot hold `0.10` exactly. Quantities
//! are decimal strings, `bigint` whole units, or integral `number`s.

use std::future::Future;
use std::str::FromStr;

use chrono::NaiveDate;
use inventario_core::domain::values::{Money, Quantity, UnitCost};
use napi::bindgen_prelude::{BigInt, Either3};
use rust_decimal::Decimal;

use crate::errors::{coded, to_js, type_error, validation};

/// A money or cost argument: `string | bigint` (a number is refused).
pub(crate) type MoneyArg = Either3<String, BigInt, f64>;
/// A quantity argument: `string | bigint | number` (integral).
pub(crate) type QuantityArg = Either3<String, BigInt, f64>;

fn decimal_text(what: &str, text: &str) -> napi::Result<Decimal> {
    let text = text.trim();
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    parsed.map_err(|_| validation(format!("{what} {text:?} is not a decimal number")))
}

fn bigint(what: &str, value: &BigInt) -> napi::Result<i64> {
    let (n, lossless) = value.get_i64();
    if !lossless {
        return Err(validation(format!("{what} is out of range")));
    }
    Ok(n)
}

/// Reads money (2 decimals): a decimal string or a bigint of centavos.
pub(crate) fn money(what: &str, value: &MoneyArg) -> napi::Result<Money> {
    let minor = match value {
        Either3::A(text) => {
            return Money::from_decimal(decimal_text(what, text)?).map_err(|e| to_js(e.into()))
        }
        Either3::B(big) => bigint(what, big)?,
        Either3::C(number) => return Err(number_refused(what, *number)),
    };
    Ok(Money::from_centavos(minor))
}

/// Reads a unit cost (4 decimals): a decimal string or a bigint of centavos.
pub(crate) fn cost(what: &str, value: &MoneyArg) -> napi::Result<UnitCost> {
    match value {
        Either3::A(text) => {
            UnitCost::from_decimal(decimal_text(what, text)?).map_err(|e| to_js(e.into()))
        }
        _ => UnitCost::from_money(money(what, value)?).map_err(|e| to_js(e.into())),
    }
}

fn number_refused(what: &str, number: f64) -> napi::Error {
    type_error(format!(
        "{what} must be a decimal string or a bigint of centavos, not a number: a JS number \
         cannot hold money exactly (pass \"{number}\" or {}n)",
        (number * 100.0).round()
    ))
}

/// Reads a quantity (3 decimals): a decimal string, a bigint of whole units, or an integral
/// number.
pub(crate) fn quantity(what: &str, value: &QuantityArg) -> napi::Result<Quantity> {
    let d = match value {
        Either3::A(text) => decimal_text(what, text)?,
        Either3::B(big) => Decimal::from(bigint(what, big)?),
        Either3::C(number) => {
            if number.fract() != 0.0 || !number.is_finite() || number.abs() > 9.0e15 {
                return Err(type_error(format!(
                    "{what} must be a decimal string, a bigint or an integral number, not \
                     {number}: pass fractions as strings (\"{number}\")"
                )));
            }
            // Integral and below 2^53: exact.
            #[allow(clippy::cast_possible_truncation)]
            Decimal::from(*number as i64)
        }
    };
    Quantity::from_decimal(d).map_err(|e| to_js(e.into()))
}

/// Reads an optional quantity.
pub(crate) fn opt_quantity(
    what: &str,
    value: &Option<QuantityArg>,
) -> napi::Result<Option<Quantity>> {
    value.as_ref().map(|v| quantity(what, v)).transpose()
}

/// Reads an ISO date (`YYYY-MM-DD`).
pub(crate) fn date(what: &str, text: &str) -> napi::Result<NaiveDate> {
    NaiveDate::from_str(text)
        .map_err(|_| validation(format!("{what} {text:?} is not a date (YYYY-MM-DD)")))
}

/// Parses a code with `FromStr`, refusing unknown ones with the list of known codes.
pub(crate) fn code<T: FromStr>(what: &str, value: &str, known: &str) -> napi::Result<T> {
    T::from_str(value)
        .map_err(|_| validation(format!("unknown {what} {value:?}: expected one of {known}")))
}

/// Runs a core call on the runtime; its error is mapped, and a panic becomes `E_INTERNAL`
/// instead of taking the process down.
pub(crate) async fn run<T, F>(call: F) -> napi::Result<T>
where
    T: Send + 'static,
    F: Future<Output = napi::Result<T>> + Send + 'static,
{
    match tokio::spawn(call).await {
        Ok(result) => result,
        Err(_) => Err(coded(
            "E_INTERNAL",
            "internal error in inventario (please report it)",
            serde_json::Map::new(),
        )),
    }
}

/// Runs blocking work (crypto over many fields) on the blocking pool, off the event loop;
/// a panic becomes `E_INTERNAL`.
pub(crate) async fn blocking<T, F>(work: F) -> napi::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> napi::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(_) => Err(coded(
            "E_INTERNAL",
            "internal error in inventario (please report it)",
            serde_json::Map::new(),
        )),
    }
}

/// Runs a synchronous call with panics caught.
pub(crate) fn guarded<T>(work: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(coded(
            "E_INTERNAL",
            "internal error in inventario (please report it)",
            serde_json::Map::new(),
        ))
    })
}
