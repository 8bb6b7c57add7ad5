"""The dashboard against a seeded SQLite store: every endpoint's numbers, auth, audit, errors.

The expected numbers are worked out by hand from the tables in seed.py (see the comments).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import inventario
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

import app as dashboard_module
from app import ApiKeys, caller_store, create_app, to_json
from seed import PRODUCTS, SALES, seed

MASTER_KEY = "8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76"
SECRET = "tablero-secreto-0123456789abcdef"
OTHER_SECRET = "caja-2-secreto-fedcba9876543210"
KEYS = {"tablero": SECRET, "caja-2": OTHER_SECRET}
AUTH = {"X-API-Key": SECRET}


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite://{tmp_path_factory.mktemp('dashboard') / 'shop.db'}?mode=rwc"
    with inventario.open(url, master_key=MASTER_KEY, actor="seed") as inv:
        seed(inv)
    return url


def _client(url: str, **config: Any) -> TestClient:
    return TestClient(create_app(url, KEYS, MASTER_KEY, **config))


@pytest.fixture(scope="module")
def client(store_url: str) -> Iterator[TestClient]:
    with _client(store_url) as c:  # runs the lifespan: opens and closes the store
        yield c


@pytest.fixture(scope="module")
def today(client: TestClient) -> date:
    return _store(client).today()


def _store(client: TestClient) -> inventario.Inventory:
    store: inventario.Inventory = client.app.state.dashboard.inventory  # type: ignore[attr-defined]
    return store


def _audit_since(inv: inventario.Inventory, after: int) -> list[inventario.AuditEvent]:
    events: list[inventario.AuditEvent] = []
    while page := inv.audit_events(after=after, limit=500):
        events += page
        after = page[-1].seq
    return events


def _head(inv: inventario.Inventory) -> int:
    events = _audit_since(inv, 0)
    return events[-1].seq if events else 0


def _floats(value: Any, path: str = "$") -> list[str]:
    """The paths of every float in a decoded JSON document."""
    if isinstance(value, float):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _floats(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _floats(v, f"{path}[{i}]")]
    return []


def get(client: TestClient, path: str, **params: Any) -> Any:
    """GETs with the key, checks 200 and that no number came as a float."""
    response = client.get(path, params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert _floats(body) == []
    return body


# --- the endpoints ----------------------------------------------------------------------------


def test_summary(client: TestClient, today: date) -> None:
    ls = _store(client).supplier_by_code("LS")
    assert ls is not None
    assert get(client, "/api/summary") == {
        "as_of": today.isoformat(),
        "active_suppliers": 12,  # the legacy suppliers
        "orders_last_30_days": 4,  # the cancelled one is left out
        "units_ordered_last_30_days": "125.5",  # 27 + (60 + 2.5) + 12 + 24
        "movements_last_7_days": 6,  # 4 sales today + 2 receipts against orders
        "top_supplier": ls.id,  # one order each; most units
        "top_supplier_code": "LS",
        "products_below_minimum": 2,  # queso 3.25 kg < 0.8 x 5, yerba 7 < 0.8 x 10
    }


def test_providers(client: TestClient, today: date) -> None:
    rows = get(client, "/api/providers")["providers"]
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    assert len(rows) == 12
    by_code = {r["code"]: r for r in rows}
    day = today.isoformat()
    expected = {
        # 27 x 2180; the cancelled order of 10 is not counted
        "CO": (1, 1, "27", "27", "58860.00", day),
        # 60 x 820 + 2.5 x 6200; 48 of the 60 received
        "LS": (2, 1, "62.5", "48", "64700.00", day),
        "LV": (1, 1, "12", "0", "30601.50", day),  # 12 x 2550.125
        "Q": (1, 1, "24", "0", "42000.00", day),  # a draft still counts
        "MAX": (0, 0, "0", "0", "0.00", None),
    }
    for code, (products, orders, ordered, received, value, last) in expected.items():
        row = by_code[code]
        assert (
            row["products"], row["orders"], row["units_ordered"], row["units_received"],
            row["ordered_value"], row["last_order"],
        ) == (products, orders, ordered, received, value, last), code
    assert by_code["LS"]["name"] == "La Serenísima"


def test_top_products_by_units_ordered(client: TestClient, today: date) -> None:
    body = get(client, "/api/top-products", limit=3)
    assert (body["by"], body["limit"]) == ("ordered", 3)
    assert body["end"] == today.isoformat()
    assert body["start"] == (today - timedelta(days=29)).isoformat()
    assert [(p["sku"], p["quantity"], p["orders"]) for p in body["products"]] == [
        ("LAC-LECHE-1L", "60", 1),
        ("BEB-COCA-225", "27", 1),  # not 37: the cancelled order is left out
        ("BEB-QUIL-1L", "24", 1),
    ]
    assert body["products"][0]["name"] == "Leche entera La Serenísima 1 L"
    # One day, both ends included: today's orders are all there.
    one_day = get(client, "/api/top-products", start=today.isoformat(), end=today.isoformat())
    assert [p["quantity"] for p in one_day["products"]] == ["60", "27", "24", "12", "2.5"]
    before = today - timedelta(days=1)
    earlier = get(client, "/api/top-products", start="2020-01-01", end=before.isoformat())
    assert earlier["products"] == []


def test_top_products_by_units_sold(client: TestClient) -> None:
    products = get(client, "/api/top-products", by="sold")["products"]
    # The last 30 days: the yerba sold 40 days ago is outside; ties go by SKU.
    assert [(p["sku"], p["quantity"], p["sales"]) for p in products] == [
        ("LAC-LECHE-1L", "18", 2),
        ("BEB-COCA-225", "15", 3),
        ("BEB-QUIL-1L", "3", 1),
        ("LIM-LAVAND-1L", "3", 1),
        ("ALM-YERBA-1KG", "2", 1),
        ("LAC-QUESO-KG", "1.25", 1),
    ]


def test_stock_by_provider(client: TestClient) -> None:
    body = get(client, "/api/stock-by-provider")
    rows = body["providers"]
    assert [(r["supplier_code"], r["products"], r["on_hand"], r["value"]) for r in rows] == [
        ("CO", 1, {"unidad": "36"}, "77760.00"),  # 9 x 2100 + 27 x 2180 = 36 x 2160
        ("Q", 1, {"unidad": "9"}, "15300.00"),  # 9 x 1700
        # 60 at 816 ((12 x 800 + 48 x 820) / 60) + 3.25 kg x 6100.50, rounded once
        ("LS", 2, {"unidad": "60", "kg": "3.25"}, "68786.63"),
        ("LV", 1, {"unidad": "7"}, "17500.00"),  # 7 x 2500
        (None, 1, {"unidad": "17"}, "7650.00"),  # the product without a supplier
    ]
    assert body["providers"][-1]["supplier"] is None
    assert body["total_value"] == "186996.63"


def _expected_weeks(today: date, start: date) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """Units and cost of goods per ISO week, from seed.SALES at the opening costs (every sale
    is recorded before the order receipts change the average cost)."""
    cost = {p.sku: p.opening_cost for p in PRODUCTS}
    weeks: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    for days_ago, sku, quantity in SALES:
        day = today - timedelta(days=days_ago)
        if day < start:
            continue
        year, week, _ = day.isocalendar()
        units, value = weeks.get((year, week), (Decimal(0), Decimal(0)))
        # Each sale's value is rounded to centavos, half up (1.25 x 6100.50 = 7625.625 -> .63).
        row_value = (quantity * cost[sku]).quantize(Decimal("0.01"), "ROUND_HALF_UP")
        weeks[(year, week)] = (units + quantity, value + row_value)
    return weeks


def test_weekly_sales_default_is_twelve_whole_weeks(client: TestClient, today: date) -> None:
    body = get(client, "/api/weekly-sales")
    monday = today - timedelta(days=today.weekday())
    assert body["end"] == today.isoformat()
    assert body["start"] == (monday - timedelta(weeks=11)).isoformat()
    weeks = body["weeks"]
    assert [w["week_start"] for w in weeks] == [
        (monday - timedelta(weeks=11 - i)).isoformat() for i in range(12)
    ]
    expected = _expected_weeks(today, monday - timedelta(weeks=11))
    assert len(expected) == 4  # today, 8, 15 and 40 days ago: four different weeks
    for w in weeks:
        units, value = expected.get((w["iso_year"], w["iso_week"]), (Decimal(0), Decimal("0.00")))
        assert (w["quantity"], w["cost_of_goods"]) == (str(units), f"{value:.2f}"), w
    this_week = weeks[-1]
    assert (this_week["quantity"], this_week["cost_of_goods"]) == ("17.25", "25875.63")


def test_weekly_sales_range_is_inclusive(client: TestClient, today: date) -> None:
    day = today - timedelta(days=15)  # only that day's sales: 4 + 3 + 10 units
    body = get(client, "/api/weekly-sales", start=day.isoformat(), end=day.isoformat())
    assert [(w["quantity"], w["cost_of_goods"]) for w in body["weeks"]] == [("17", "21500.00")]


# --- dates and parameters ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/top-products", "/api/weekly-sales"])
def test_end_before_start_is_refused(client: TestClient, path: str) -> None:
    response = client.get(path, params={"start": "2026-03-10", "end": "2026-03-09"}, headers=AUTH)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "start (2026-03-10) must be on or before end (2026-03-09); both days are included"
    }


@pytest.mark.parametrize(
    "params",
    [{"start": "10/03/2026"}, {"end": "2026-02-30"}, {"limit": 0}, {"limit": 101}, {"by": "value"}],
)
def test_bad_parameters_are_refused(client: TestClient, params: dict[str, Any]) -> None:
    assert client.get("/api/top-products", params=params, headers=AUTH).status_code == 422


def test_library_validation_error_is_422_and_other_errors_500(store_url: str) -> None:
    app = create_app(store_url, KEYS, MASTER_KEY)

    @app.get("/refused")
    def refused(inv: inventario.Inventory = Depends(caller_store)) -> None:
        inv.top_sold(date(2026, 3, 10), date(2026, 3, 9))  # the library's own check

    with TestClient(app) as c:
        response = c.get("/refused", headers=AUTH)
        assert response.status_code == 422
        assert "before it starts" in response.json()["detail"]
        _store(c).close()  # the store goes away under the app
        response = c.get("/api/summary", headers=AUTH)
        assert response.status_code == 500
        assert response.json() == {"detail": "internal error"}  # no internals
        health = c.get("/health")
        assert health.status_code == 503
        assert health.json() == {"status": "error", "store": "unavailable"}


# --- auth and audit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, reason",
    [
        ({}, "missing"),
        ({"X-API-Key": "x" * len(SECRET)}, "invalid"),  # wrong, same length
        ({"X-API-Key": SECRET[:-1]}, "invalid"),  # wrong length
        ({"X-API-Key": SECRET + "0"}, "invalid"),
        ({"Authorization": f"Basic {SECRET}"}, "missing"),  # not a bearer token
        ({"Authorization": "Bearer nope"}, "invalid"),
    ],
)
def test_refused_keys_are_401_and_audited(
    client: TestClient, headers: dict[str, str], reason: str
) -> None:
    inv = _store(client)
    head = _head(inv)
    response = client.get("/api/summary", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": f"{reason} API key"}
    assert response.headers["www-authenticate"].startswith("Bearer")
    [event] = _audit_since(inv, head)
    assert (event.event_type, event.table, event.status, event.actor) == (
        "LOGIN_FAILED", "api_keys", "FAILED", "dashboard"
    )
    assert event.detail == {"ip": "testclient", "reason": reason}
    assert SECRET not in repr(event)


def test_failed_logins_feed_the_brute_force_detector(client: TestClient) -> None:
    for _ in range(5):
        response = client.get("/api/providers", headers={"X-API-Key": "guess-" + "0" * 20})
        assert response.status_code == 401
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    found = _store(client).detect_anomalies(since).anomalies
    assert any(a.detector == "brute_force" and a.ip == "testclient" for a in found), found


@pytest.mark.parametrize("headers", [{"X-API-Key": SECRET}, {"Authorization": f"Bearer {SECRET}"}])
def test_both_headers_are_accepted(client: TestClient, headers: dict[str, str]) -> None:
    assert client.get("/api/summary", headers=headers).status_code == 200


def test_dashboard_reads_write_no_audit_records(client: TestClient) -> None:
    # Reads of non-personal data are not audited by the library (docs/AUDIT.md, D19).
    inv = _store(client)
    head = _head(inv)
    for path in ["/api/summary", "/api/providers", "/api/top-products", "/api/stock-by-provider",
                 "/api/weekly-sales", "/health", "/metrics"]:
        assert client.get(path, headers=AUTH).status_code == 200
    assert _audit_since(inv, head) == []


def test_the_key_id_is_the_actor(store_url: str) -> None:
    # No dashboard endpoint writes, so a route that does shows what the handle records.
    app = create_app(store_url, KEYS, MASTER_KEY)

    @app.post("/export")
    def export(inv: inventario.Inventory = Depends(caller_store)) -> int:
        seq: int = inv.record_audit_event("DATA_EXPORT", table="dashboard")
        return seq

    with TestClient(app) as c:
        seqs = [c.post("/export", headers={"X-API-Key": s}).json() for s in (SECRET, OTHER_SECRET)]
        events = {e.seq: e for e in _audit_since(_store(c), min(seqs) - 1)}
        assert [events[s].actor for s in seqs] == ["tablero", "caja-2"]
        assert all(SECRET not in repr(e) and OTHER_SECRET not in repr(e) for e in events.values())


def test_health_needs_no_key(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "store": "ok"})


def test_metrics_need_a_key_unless_public(client: TestClient, store_url: str) -> None:
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "inventario_" in response.text
    with _client(store_url, public_metrics=True) as public:
        assert public.get("/metrics").status_code == 200


# --- configuration and the JSON encoder -------------------------------------------------------


def test_api_keys_from_the_environment_format() -> None:
    keys = ApiKeys.parse(f" tablero:{SECRET} , caja-2:{OTHER_SECRET}:with-colon ")
    assert keys.identify(SECRET) == "tablero"
    assert keys.identify(OTHER_SECRET + ":with-colon") == "caja-2"
    assert keys.identify(OTHER_SECRET) is None
    for bad in ["", "tablero", f"a:{SECRET},a:{OTHER_SECRET}", "a:short", f"a:{SECRET},b:{SECRET}",
                f":{SECRET}"]:
        with pytest.raises(ValueError):
            ApiKeys.parse(bad)


def test_configuration_comes_from_the_environment(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(dashboard_module.app, FastAPI)  # importing needed no environment
    monkeypatch.setenv("INVENTARIO_URL", store_url)
    monkeypatch.setenv("INVENTARIO_MASTER_KEY", MASTER_KEY)
    monkeypatch.delenv("INVENTARIO_DASHBOARD_KEYS", raising=False)
    with pytest.raises(ValueError, match="no API keys"):
        with TestClient(create_app()):
            pass
    monkeypatch.setenv("INVENTARIO_DASHBOARD_KEYS", f"env-key:{SECRET}")
    monkeypatch.setenv("INVENTARIO_DASHBOARD_PUBLIC_METRICS", "1")
    with TestClient(create_app()) as c:
        assert c.get("/api/summary", headers=AUTH).json()["active_suppliers"] == 12
        assert c.get("/metrics").status_code == 200


def test_to_json_keeps_amounts_exact() -> None:
    assert to_json(
        {"a": Decimal("3500.00"), "b": [Decimal("1E+1"), date(2026, 3, 9)], "c": None, "d": 3}
    ) == {"a": "3500.00", "b": ["10", "2026-03-09"], "c": None, "d": 3}
    with pytest.raises(TypeError):
        to_json({"price": 0.1})

