#!/usr/bin/env python3
"""Reference vectors for the two price calculators of DOMAIN.md section 5.

An independent implementation of the pricing rules in Python's `decimal` module at 50
significant digits (no floats anywhere), used to check the Rust calculators in
`core/src/domain/pricing/`. Run from the repository root:

    python3 tests/pricing/elapsed_vectors.py

It rewrites `tests/vectors/pricing_v1.json` deterministically (same input, same bytes), which
`core/tests/pricing_vectors.rs` reads at test time. Sections of the file:

- `vectors`: price quotes. Each has its inputs (calculator, base, monthly rate, category, region,
  reference and target dates, table overrides), the expected price as a "0.00" string (HALF_UP
  to 0.01, only at the end), the expected clamp ("min", "max" or null), the unrounded price and
  the four factors (the inflation factor to 28 significant digits, the others exact).
- `inflation_factors`: (1 + r)^(days / 30.44) on a grid of rates and elapsed days, to 28
  significant digits, to measure the precision of the Rust fractional power.
- `accumulated`: (1 + r)^m - 1 over whole months, to 28 significant digits.

The rules, restated from DOMAIN 5:

    INF  = (1 + r)^(days / 30.44) for days > 0, else 1   (days between reference and target)
    SEAS = seasonal table of the category, month of the target date ("others" row if unknown)
    REG  = CABA 1.15, GBA 1.08, INTERIOR 0.95
    MK   = (1 + 0.25 + 0.35 + 0.08 x transport) x (1 + volatility)
    inflation calculator: price = round(base x INF)
    full engine:          price = round(clamp(base x INF x SEAS x REG x MK, [1.12, 3.45] x base))

The clamp compares the unrounded price with the exact bounds; a bound that applies is rounded
HALF_UP like any price. Category names are normalised (lower-case, accents stripped, spaces
trimmed and collapsed) before the lookup.
"""

import datetime
import json
import pathlib
import unicodedata
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, getcontext

getcontext().prec = 50

D = Decimal
DAYS_PER_MONTH = D("30.44")
CENT = D("0.01")
# Reported values that are not exact are rounded to 28 significant digits, which every
# `rust_decimal::Decimal` can hold.
REPORT = Context(prec=28, rounding=ROUND_HALF_EVEN)
# An inexact price closer than this to a half-centavo midpoint would make the rounded result
# depend on the last digits of the power; the generator refuses such a vector.
MIDPOINT_GUARD = D("1e-15")

OUT = pathlib.Path(__file__).resolve().parent.parent / "vectors" / "pricing_v1.json"


def row(text):
    return [D(v) for v in text.split()]


DEFAULT_TABLES = {
    "rate": D("0.045"),
    "seasonality": {
        "alimentos": row("1.15 1.12 1.08 1.00 0.98 0.95 1.05 1.02 1.00 1.10 1.18 1.25"),
        "bebidas": row("1.30 1.25 1.10 1.00 0.90 0.85 0.88 0.95 1.05 1.15 1.20 1.35"),
        "ropa": row("0.80 0.75 1.20 1.15 1.25 1.10 1.05 0.85 1.20 1.25 1.30 1.40"),
        "electrodomesticos": row("0.90 0.88 1.05 1.00 1.15 1.12 1.00 1.02 1.05 1.10 1.25 1.35"),
    },
    "default_seasonality": row("0.95 0.95 1.00 1.00 1.00 1.00 1.00 1.00 1.00 1.00 1.10 1.10"),
    "regions": {"CABA": D("1.15"), "GBA": D("1.08"), "INTERIOR": D("0.95")},
    # (volatility, transport)
    "categories": {
        "alimentos": (D("0.12"), D("1.15")),
        "combustibles": (D("0.25"), D("0.95")),
        "medicamentos": (D("0.05"), D("1.05")),
        "electrodomesticos": (D("0.18"), D("1.10")),
    },
    "default_category": (D("0.10"), D("1.00")),
    "supplier_markup": D("0.25"),
    "retail_markup": D("0.35"),
    "transport_weight": D("0.08"),
    "min_factor": D("1.12"),
    "max_factor": D("3.45"),
}

# Region names used by the vectors, with the region they must resolve to.
REGION_OF_NAME = {
    "CABA": "CABA",
    "Capital Federal": "CABA",
    "Ciudad Autónoma de Buenos Aires": "CABA",
    "GBA": "GBA",
    "Gran Buenos Aires": "GBA",
    "Buenos Aires": "GBA",
    "Provincia de Buenos Aires": "GBA",
    "Córdoba": "INTERIOR",
    "Mendoza": "INTERIOR",
    "Santa Fe": "INTERIOR",
    "Tucumán": "INTERIOR",
    "Neuquén": "INTERIOR",
    "Salta": "INTERIOR",
    "Jujuy": "INTERIOR",
    "Entre Ríos": "INTERIOR",
    "Tierra del Fuego": "INTERIOR",
}


def normalise(name):
    decomposed = unicodedata.normalize("NFD", name.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def half_up(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def report(value):
    return format(REPORT.plus(value), "f")


def inflation_factor(rate, days):
    if days <= 0 or rate == 0:
        return D(1)
    return (1 + rate) ** (D(days) / DAYS_PER_MONTH)


def markup(tables, category):
    volatility, transport = tables["categories"].get(category, tables["default_category"])
    additive = 1 + tables["supplier_markup"] + tables["retail_markup"]
    return (additive + tables["transport_weight"] * transport) * (1 + volatility)


def check_midpoint(name, value, exact):
    """Refuses an inexact price whose rounding would depend on digits beyond ~25."""
    if exact:
        return
    cents = value * 100
    distance = abs(cents - cents.to_integral_value(rounding=ROUND_FLOOR) - D("0.5"))
    assert distance > MIDPOINT_GUARD, f"{name}: {value} is too close to a half centavo"


def quote(case):
    """Computes one vector from its inputs."""
    tables = dict(DEFAULT_TABLES)
    tables["rate"] = D(case["rate"])
    for key, value in case.get("overrides", {}).items():
        tables[key] = D(value)
    base = D(case["base"])
    target = datetime.date.fromisoformat(case["target_date"])
    days = case["days"]
    reference = target - datetime.timedelta(days=days)
    region = REGION_OF_NAME[case["region_name"]]
    category = normalise(case["category"]) if case["category"] is not None else None

    inf = inflation_factor(tables["rate"], days)
    if case["calculator"] == "inflation":
        seas = reg = mk = D(1)
    else:
        seas = tables["seasonality"].get(category, tables["default_seasonality"])[target.month - 1]
        reg = tables["regions"][region]
        mk = markup(tables, category)
    unclamped = base * inf * seas * reg * mk

    clamp = None
    value = unclamped
    if case["calculator"] == "full_engine":
        low = tables["min_factor"] * base
        high = tables["max_factor"] * base
        if unclamped < low:
            clamp, value = "min", low
        elif unclamped > high:
            clamp, value = "max", high
    exact = inf == 1 or clamp is not None
    check_midpoint(case["id"], value, exact)

    vector = {
        "id": case["id"],
        "source": case["source"],
        "calculator": case["calculator"],
        "base": case["base"],
        "rate": case["rate"],
        "category": case["category"],
        "region": region,
        "region_name": case["region_name"],
        "reference_date": reference.isoformat(),
        "target_date": target.isoformat(),
        "days": days,
        "overrides": case.get("overrides", {}),
        "expected_price": str(half_up(value)),
        "expected_clamp": clamp,
        "expected_unclamped": report(unclamped),
        "expected_factors": {
            "inflation": report(inf),
            "seasonal": str(seas),
            "regional": str(reg),
            "markup": str(mk),
        },
    }
    if "legacy_price" in case:
        assert vector["expected_price"] == case["legacy_price"], (case["id"], vector)
    return vector


def case(id_, calculator, base, rate, days, target, region_name, category=None, **extra):
    c = {
        "id": id_,
        "source": "elapsed days",
        "calculator": calculator,
        "base": base,
        "rate": rate,
        "days": days,
        "target_date": target,
        "region_name": region_name,
        "category": category,
    }
    c.update(extra)
    return c


def legacy(id_, calculator, base, days, target, region_name, category, price):
    return case(
        id_,
        calculator,
        base,
        "0.045",
        days,
        target,
        region_name,
        category,
        source="DOMAIN 5 legacy",
        legacy_price=price,
    )


CASES = [
    # DOMAIN 5 legacy vectors, r = 4.5 %/month.
    legacy("legacy-inflation-100-30d", "inflation", "100.00", 30, "2025-03-31", "CABA", None, "104.43"),
    legacy("legacy-inflation-100-365d", "inflation", "100.00", 365, "2025-12-31", "CABA", None, "169.52"),
    legacy("legacy-inflation-850-90d", "inflation", "850.00", 90, "2025-06-30", "CABA", None, "968.14"),
    legacy("legacy-inflation-100-minus-5d", "inflation", "100.00", -5, "2025-01-10", "CABA", None, "100.00"),
    legacy("legacy-full-bebidas-jan-cordoba", "full_engine", "100.00", 0, "2025-01-15", "Córdoba", "bebidas", "228.23"),
    legacy(
        "legacy-full-electrodomesticos-apr-gba",
        "full_engine",
        "1000.00",
        0,
        "2025-04-15",
        "GBA",
        "electrodomesticos",
        "2151.19",
    ),
    legacy("legacy-full-ropa-feb-mendoza", "full_engine", "100.00", 0, "2025-02-15", "Mendoza", "ropa", "131.67"),
    # Inflation calculator with elapsed days (category and region are ignored).
    case("inflation-100-1d", "inflation", "100.00", "0.045", 1, "2025-01-02", "CABA"),
    case("inflation-100-15d", "inflation", "100.00", "0.045", 15, "2025-02-16", "GBA", "alimentos"),
    case("inflation-100-29d-leap", "inflation", "100.00", "0.045", 29, "2024-03-01", "Córdoba"),
    case("inflation-100-31d", "inflation", "100.00", "0.045", 31, "2025-08-01", "Mendoza", "ropa"),
    case("inflation-100-45d", "inflation", "100.00", "0.045", 45, "2025-05-15", "CABA"),
    case("inflation-100-180d", "inflation", "100.00", "0.045", 180, "2025-09-30", "CABA"),
    case("inflation-100-730d", "inflation", "100.00", "0.045", 730, "2026-12-31", "CABA"),
    case("inflation-1234.56-365d-1pct", "inflation", "1234.56", "0.01", 365, "2025-12-31", "Salta"),
    case("inflation-100-730d-50pct", "inflation", "100.00", "0.5", 730, "2026-06-30", "CABA"),
    case("inflation-100-365d-zero-rate", "inflation", "100.00", "0", 365, "2025-12-31", "CABA"),
    case("inflation-100-0d", "inflation", "100.00", "0.045", 0, "2025-01-10", "CABA"),
    case("inflation-0.01-1d-50pct", "inflation", "0.01", "0.5", 1, "2025-01-02", "CABA"),
    case("inflation-99999.99-90d", "inflation", "99999.99", "0.045", 90, "2025-04-01", "CABA"),
    case("inflation-19.99-29d-1pct", "inflation", "19.99", "0.01", 29, "2025-03-02", "Jujuy"),
    # Full engine with elapsed days: every month, every category table, every region.
    case("full-alimentos-jan-caba-1d", "full_engine", "100.00", "0.045", 1, "2025-01-10", "CABA", "alimentos"),
    case(
        "full-electrodomesticos-feb-gba-15d",
        "full_engine",
        "1000.00",
        "0.045",
        15,
        "2025-02-14",
        "Gran Buenos Aires",
        "Electrodomésticos",
    ),
    case("full-bebidas-mar-cordoba-29d-leap", "full_engine", "250.50", "0.01", 29, "2024-03-01", "Córdoba", "bebidas"),
    case("full-ropa-apr-mendoza-30d", "full_engine", "99.99", "0.045", 30, "2025-04-30", "Mendoza", "ropa"),
    case(
        "full-combustibles-may-santafe-31d",
        "full_engine",
        "1234.56",
        "0.045",
        31,
        "2025-05-31",
        "Santa Fe",
        "combustibles",
    ),
    case(
        "full-medicamentos-jun-caba-45d",
        "full_engine",
        "75.00",
        "0.045",
        45,
        "2025-06-20",
        "Ciudad Autónoma de Buenos Aires",
        "medicamentos",
    ),
    case(
        "full-alimentos-jul-provba-90d",
        "full_engine",
        "500.00",
        "0.045",
        90,
        "2025-07-01",
        "Provincia de Buenos Aires",
        "  ALIMENTOS ",
    ),
    case("full-others-aug-tucuman-180d", "full_engine", "100.00", "0.045", 180, "2025-08-15", "Tucumán", None),
    case("full-bebidas-sep-capital-365d", "full_engine", "850.00", "0.045", 365, "2025-09-30", "Capital Federal", "bebidas"),
    case("full-ropa-oct-neuquen-730d-max", "full_engine", "100.00", "0.045", 730, "2025-10-31", "Neuquén", "ropa"),
    case(
        "full-electrodomesticos-nov-caba-365d-50pct-max",
        "full_engine",
        "100.00",
        "0.5",
        365,
        "2025-11-15",
        "CABA",
        "electrodomesticos",
    ),
    case("full-alimentos-dec-salta-365d-zero-rate", "full_engine", "100.00", "0", 365, "2025-12-01", "Salta", "alimentos"),
    case(
        "full-medicamentos-feb-salta-365d",
        "full_engine",
        "100.00",
        "0.045",
        365,
        "2026-02-10",
        "Salta",
        "Medicamentos",
    ),
    case("full-unknown-mar-ba-90d-1pct", "full_engine", "19.99", "0.01", 90, "2025-03-31", "Buenos Aires", "Librería"),
    case("full-medicamentos-jan-jujuy-1d-50pct", "full_engine", "10.00", "0.5", 1, "2025-01-31", "Jujuy", "medicamentos"),
    case("full-combustibles-dec-caba-730d-1pct", "full_engine", "0.99", "0.01", 730, "2025-12-24", "CABA", "combustibles"),
    case("full-bebidas-jun-gba-29d", "full_engine", "100.00", "0.045", 29, "2025-06-30", "GBA", "bebidas"),
    case(
        "full-alimentos-jan-caba-30d-across-year",
        "full_engine",
        "100.00",
        "0.045",
        30,
        "2025-01-19",
        "CABA",
        "alimentos",
    ),
    case(
        "full-electrodomesticos-dec-entrerios-31d",
        "full_engine",
        "4321.09",
        "0.045",
        31,
        "2025-12-31",
        "Entre Ríos",
        "electrodomesticos",
    ),
    case("full-ropa-sep-tdf-180d-1pct", "full_engine", "59.90", "0.01", 180, "2025-09-01", "Tierra del Fuego", "ropa"),
    case("full-bebidas-jan-cordoba-minus-5d", "full_engine", "100.00", "0.045", -5, "2025-01-15", "Córdoba", "bebidas"),
    case("full-bebidas-jan-cordoba-0d-50pct", "full_engine", "100.00", "0.5", 0, "2025-01-15", "Córdoba", "bebidas"),
    # Clamps. Minimum: a configured floor above the engine's result, and markups set to zero.
    case(
        "full-alimentos-jun-cordoba-30d-min-configured",
        "full_engine",
        "100.00",
        "0.045",
        30,
        "2025-06-01",
        "Córdoba",
        "alimentos",
        overrides={"min_factor": "1.95"},
    ),
    case(
        "full-ropa-feb-mendoza-15d-min-no-markups",
        "full_engine",
        "123.45",
        "0.045",
        15,
        "2025-02-20",
        "Mendoza",
        "ropa",
        overrides={"supplier_markup": "0", "retail_markup": "0"},
    ),
    # Maximum: 3.45 x 10.10 = 34.845, a midpoint that HALF_UP rounds to 34.85.
    case(
        "full-bebidas-dec-caba-365d-max-midpoint",
        "full_engine",
        "10.10",
        "0.045",
        365,
        "2025-12-20",
        "CABA",
        "bebidas",
    ),
    case(
        "full-bebidas-dec-caba-1d-max-configured",
        "full_engine",
        "100.00",
        "0.045",
        1,
        "2025-12-02",
        "CABA",
        "bebidas",
        overrides={"max_factor": "2.00"},
    ),
    case("full-zero-base-jul-gba-45d", "full_engine", "0.00", "0.045", 45, "2025-07-15", "GBA", "alimentos"),
]

RATE_GRID = ["0.001", "0.01", "0.045", "0.1", "0.25", "0.5"]
DAY_GRID = [1, 7, 15, 29, 30, 31, 45, 90, 100, 180, 365, 730, 1000, 1826, 3650]
ACCUMULATED = [("0.045", m) for m in (0, 1, 6, 12, 24, 36)] + [
    ("0", 12),
    ("0.01", 12),
    ("0.1", 12),
    ("0.5", 12),
    ("0.5", 60),
]


def main():
    vectors = [quote(c) for c in CASES]
    ids = [v["id"] for v in vectors]
    assert len(ids) == len(set(ids)), "duplicate vector ids"

    factors = [
        {"rate": r, "days": d, "expected": report(inflation_factor(D(r), d))}
        for r in RATE_GRID
        for d in DAY_GRID
    ]
    accumulated = [
        {"rate": r, "months": m, "expected": report((1 + D(r)) ** m - 1)} for r, m in ACCUMULATED
    ]
    twelve = (1 + D("0.045")) ** 12 - 1
    assert str((twelve * 100).quantize(D("0.001"), rounding=ROUND_HALF_UP)) == "69.588"

    document = {
        "format": "inventario-core pricing vectors v1",
        "generator": "tests/pricing/elapsed_vectors.py (Python decimal, 50 significant digits)",
        "days_per_month": str(DAYS_PER_MONTH),
        "rounding": "HALF_UP to 0.01, only at the end; clamp bounds rounded the same way",
        "vectors": vectors,
        "inflation_factors": factors,
        "accumulated": accumulated,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(vectors)} vectors, {len(factors)} factors, {len(accumulated)} accumulated to {OUT}")


if __name__ == "__main__":
    main()
