//! The pricing calculators of DOMAIN 5 against `tests/vectors/pricing_v1.json`.
//!
//! The vectors are written by `tests/pricing/elapsed_vectors.py`, an independent implementation
//! in Python's `decimal` at 50 significant digits (regenerate with `python3
//! tests/pricing/elapsed_vectors.py` from the repository root). For every vector the Rust price
//! must equal the Python price exactly after HALF_UP rounding, with the same clamp; the
//! unrounded price and the inflation factor must agree to 1e-24 relative, which also measures
//! the precision of the decimal-series power on a grid of rates and elapsed days.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::NaiveDate;
use inventario_core::domain::pricing::{
    accumulated_inflation, inflation_factor, FullEngine, InflationCalculator, MonthlyRate,
    PriceCalculator, PriceInput, PricingTables, Region,
};
use inventario_core::domain::values::Money;
use rust_decimal::Decimal;
use serde_json::Value;

/// Agreement required between the Rust and the Python unrounded values, relative.
fn tolerance() -> Decimal {
    Decimal::new(1, 24)
}

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/pricing_v1.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run python3 tests/pricing/elapsed_vectors.py)"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// |actual − expected| / |expected| (the absolute difference when `expected` is 0).
fn relative_error(actual: Decimal, expected: Decimal) -> Decimal {
    let diff = (actual - expected).abs();
    if expected.is_zero() {
        diff
    } else {
        diff / expected.abs()
    }
}

/// The full engine's tables: the defaults, with the vector's rate and overrides.
fn tables(v: &Value, rate: MonthlyRate) -> PricingTables {
    let mut tables = PricingTables {
        inflation: rate,
        ..PricingTables::default()
    };
    let overrides = v["overrides"].as_object().expect("overrides is an object");
    for (key, value) in overrides {
        let value = dec(value.as_str().expect("override values are strings"));
        match key.as_str() {
            "min_factor" => tables.min_factor = value,
            "max_factor" => tables.max_factor = value,
            "supplier_markup" => tables.supplier_markup = value,
            "retail_markup" => tables.retail_markup = value,
            "transport_weight" => tables.transport_weight = value,
            other => panic!("unknown override {other}"),
        }
    }
    tables
}

/// Checks one vector; returns what disagrees, and the relative error of the unrounded price.
fn check(v: &Value) -> (Vec<String>, Decimal) {
    let id = text(v, "id");
    let mut problems = Vec::new();
    let rate = MonthlyRate::from_fraction(dec(text(v, "rate"))).expect("valid rate");
    let region_code = text(v, "region");
    let region = Region::from_name(text(v, "region_name"));
    if region.map(Region::code) != Some(region_code) {
        problems.push(format!(
            "{id}: region {:?} resolves to {region:?}, expected {region_code}",
            text(v, "region_name")
        ));
    }
    let input = PriceInput {
        base: Money::from_str(text(v, "base")).expect("valid base"),
        category: v["category"].as_str().map(str::to_owned),
        region: region.unwrap_or(Region::Interior),
        reference_date: date(text(v, "reference_date")),
        target_date: date(text(v, "target_date")),
    };
    if Some(input.elapsed_days()) != v["days"].as_i64() {
        problems.push(format!("{id}: {} elapsed days", input.elapsed_days()));
    }
    let quote = match text(v, "calculator") {
        "inflation" => InflationCalculator { rate }.quote(&input),
        "full_engine" => FullEngine {
            tables: tables(v, rate),
        }
        .quote(&input),
        other => panic!("{id}: unknown calculator {other}"),
    };
    let quote = match quote {
        Ok(quote) => quote,
        Err(e) => return (vec![format!("{id}: {e}")], Decimal::ZERO),
    };

    let expected_price = text(v, "expected_price");
    if quote.price.to_string() != expected_price {
        problems.push(format!(
            "{id}: price {} expected {expected_price}",
            quote.price
        ));
    }
    let clamp = quote.clamp.map(|c| c.bound.code());
    if clamp != v["expected_clamp"].as_str() {
        problems.push(format!(
            "{id}: clamp {clamp:?} expected {}",
            v["expected_clamp"]
        ));
    }
    if let Some(applied) = quote.clamp {
        if applied.limit != quote.price {
            problems.push(format!(
                "{id}: clamp limit {} is not the price",
                applied.limit
            ));
        }
    }

    let factors = &v["expected_factors"];
    for (name, actual) in [
        ("seasonal", quote.factors.seasonal),
        ("regional", quote.factors.regional),
        ("markup", quote.factors.markup),
    ] {
        if actual != dec(text(factors, name)) {
            problems.push(format!(
                "{id}: {name} {actual} expected {}",
                text(factors, name)
            ));
        }
    }
    let inflation = dec(text(factors, "inflation"));
    if relative_error(quote.factors.inflation, inflation) > tolerance() {
        problems.push(format!(
            "{id}: inflation {} expected {inflation}",
            quote.factors.inflation
        ));
    }
    let unclamped = dec(text(v, "expected_unclamped"));
    let error = relative_error(quote.unclamped, unclamped);
    if error > tolerance() {
        problems.push(format!(
            "{id}: unclamped {} expected {unclamped}",
            quote.unclamped
        ));
    }
    (problems, error)
}

#[test]
fn every_vector_matches_the_fifty_digit_reference() {
    let document = load();
    let vectors = document["vectors"].as_array().expect("vectors");
    assert!(vectors.len() >= 40, "{} vectors", vectors.len());
    let mut problems = Vec::new();
    let mut worst = Decimal::ZERO;
    for v in vectors {
        let (found, error) = check(v);
        problems.extend(found);
        worst = worst.max(error);
    }
    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
    println!(
        "{} vectors agree; worst relative error of the unrounded price {worst}",
        vectors.len()
    );
}

#[test]
fn the_legacy_vectors_of_domain_5_are_included() {
    let document = load();
    let vectors = document["vectors"].as_array().expect("vectors");
    let legacy: Vec<(&str, &str)> = vectors
        .iter()
        .filter(|v| text(v, "source") == "DOMAIN 5 legacy")
        .map(|v| (text(v, "id"), text(v, "expected_price")))
        .collect();
    assert_eq!(
        legacy,
        [
            ("legacy-inflation-100-30d", "104.43"),
            ("legacy-inflation-100-365d", "169.52"),
            ("legacy-inflation-850-90d", "968.14"),
            ("legacy-inflation-100-minus-5d", "100.00"),
            ("legacy-full-bebidas-jan-cordoba", "228.23"),
            ("legacy-full-electrodomesticos-apr-gba", "2151.19"),
            ("legacy-full-ropa-feb-mendoza", "131.67"),
        ]
    );
}

#[test]
fn the_vectors_cover_what_the_rules_distinguish() {
    let document = load();
    let vectors = document["vectors"].as_array().expect("vectors");
    let elapsed = |calculator: &str| -> BTreeSet<i64> {
        vectors
            .iter()
            .filter(|v| text(v, "calculator") == calculator)
            .filter_map(|v| v["days"].as_i64())
            .collect()
    };
    for days in [1, 15, 29, 30, 31, 45, 90, 180, 365, 730] {
        assert!(elapsed("inflation").contains(&days), "inflation, {days} d");
        assert!(
            elapsed("full_engine").contains(&days),
            "full engine, {days} d"
        );
    }
    let full: Vec<&Value> = vectors
        .iter()
        .filter(|v| text(v, "calculator") == "full_engine")
        .collect();
    let months: BTreeSet<&str> = full.iter().map(|v| &text(v, "target_date")[5..7]).collect();
    assert_eq!(months.len(), 12, "{months:?}");
    let regions: BTreeSet<&str> = full.iter().map(|v| text(v, "region")).collect();
    assert_eq!(regions.len(), 3);
    let rates: BTreeSet<&str> = vectors.iter().map(|v| text(v, "rate")).collect();
    for rate in ["0", "0.01", "0.045", "0.5"] {
        assert!(rates.contains(rate), "rate {rate}");
    }
    let markups: BTreeSet<&str> = full
        .iter()
        .map(|v| text(&v["expected_factors"], "markup"))
        .collect();
    for markup in ["1.895040", "2.095000", "1.768200", "1.991840", "1.848000"] {
        assert!(markups.contains(markup), "markup {markup}");
    }
    let clamps: BTreeSet<&str> = full
        .iter()
        .filter_map(|v| v["expected_clamp"].as_str())
        .collect();
    assert_eq!(clamps, BTreeSet::from(["max", "min"]));
}

#[test]
fn the_fractional_power_is_precise_on_the_grid() {
    let document = load();
    let grid = document["inflation_factors"].as_array().expect("grid");
    assert!(grid.len() >= 60);
    let mut worst = (Decimal::ZERO, Decimal::ZERO, 0);
    for point in grid {
        let rate = MonthlyRate::from_fraction(dec(text(point, "rate"))).expect("valid rate");
        let days = point["days"].as_i64().expect("days");
        let expected = dec(text(point, "expected"));
        let actual = inflation_factor(rate, days).expect("fits");
        let error = relative_error(actual, expected);
        assert!(
            error <= tolerance(),
            "{} %/month, {days} d: {actual} vs {expected} ({error})",
            rate.percent()
        );
        if error > worst.0 {
            worst = (error, rate.percent(), days);
        }
    }
    println!(
        "{} grid points agree; worst relative error {} ({} %/month, {} d)",
        grid.len(),
        worst.0,
        worst.1,
        worst.2
    );
}

#[test]
fn accumulated_inflation_matches() {
    let document = load();
    let cases = document["accumulated"].as_array().expect("accumulated");
    for case in cases {
        let rate = MonthlyRate::from_fraction(dec(text(case, "rate"))).expect("valid rate");
        let months = u32::try_from(case["months"].as_u64().expect("months")).expect("u32");
        let expected = dec(text(case, "expected"));
        let actual = accumulated_inflation(rate, months);
        assert!(
            relative_error(actual, expected) <= tolerance(),
            "{} %/month over {months}: {actual} vs {expected}",
            rate.percent()
        );
    }
    // 12 months at 4.5 %: 69.588 %.
    let twelve = accumulated_inflation(MonthlyRate::DEFAULT, 12) * Decimal::ONE_HUNDRED;
    assert_eq!(
        twelve
            .round_dp_with_strategy(3, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .to_string(),
        "69.588"
    );
}
