"""Demo data for the dashboard: run ``python seed.py`` once (same environment as the app).

It loads the 12 legacy suppliers, two locations, six products, their opening stock (45 days
ago), sales spread over the last six weeks, and purchase orders in every state, so that every
endpoint has something to show. The test computes its expected numbers from these tables.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Literal

import inventario

#: Argentina has kept UTC-3 all year since 2009; the store's days are Buenos Aires days.
ARGENTINA = timezone(timedelta(hours=-3))


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    sale_price: Decimal
    unit: Literal["unidad", "kg"]
    supplier: str | None  # a legacy supplier's code
    min_stock: Decimal
    opening_stock: Decimal  # received at LOCAL 45 days ago ...
    opening_cost: Decimal  # ... at this unit cost


LOCATIONS = [("LOCAL", "Salón de ventas"), ("DEPO", "Depósito")]

PRODUCTS = [
    DemoProduct("BEB-COCA-225", "Coca-Cola 2,25 L", Decimal("3500.00"), "unidad", "CO",
                Decimal(12), Decimal(24), Decimal("2100")),
    DemoProduct("BEB-QUIL-1L", "Cerveza Quilmes 1 L", Decimal("2800.00"), "unidad", "Q",
                Decimal(6), Decimal(12), Decimal("1700")),
    DemoProduct("LAC-LECHE-1L", "Leche entera La Serenísima 1 L", Decimal("1350.00"), "unidad",
                "LS", Decimal(20), Decimal(30), Decimal("800")),
    DemoProduct("LAC-QUESO-KG", "Queso cremoso La Serenísima", Decimal("9800.00"), "kg", "LS",
                Decimal(5), Decimal("4.5"), Decimal("6100.50")),
    DemoProduct("ALM-YERBA-1KG", "Yerba mate La Virginia 1 kg", Decimal("4200.00"), "unidad",
                "LV", Decimal(10), Decimal(10), Decimal("2500")),
    DemoProduct("LIM-LAVAND-1L", "Lavandina suelta 1 L", Decimal("900.00"), "unidad", None,
                Decimal(0), Decimal(20), Decimal("450")),
]

#: (days ago, sku, quantity) sold at LOCAL; 0 means now.
SALES = [
    (40, "ALM-YERBA-1KG", Decimal(1)),
    (15, "BEB-COCA-225", Decimal(4)),
    (15, "BEB-QUIL-1L", Decimal(3)),
    (15, "LAC-LECHE-1L", Decimal(10)),
    (8, "BEB-COCA-225", Decimal(6)),
    (8, "ALM-YERBA-1KG", Decimal(2)),
    (0, "BEB-COCA-225", Decimal(5)),
    (0, "LAC-LECHE-1L", Decimal(8)),
    (0, "LAC-QUESO-KG", Decimal("1.25")),
    (0, "LIM-LAVAND-1L", Decimal(3)),
]


@dataclass(frozen=True)
class DemoOrder:
    supplier: str
    lines: list[tuple[str, Decimal, Decimal]]  # (sku, quantity, expected unit cost)
    state: str  # draft, sent, received (all received at DEPO), partial or cancelled
    received: dict[str, Decimal] | None = None  # for partial: sku -> quantity received


#: Created today (orders cannot be back-dated), after the sales.
ORDERS = [
    DemoOrder("CO", [("BEB-COCA-225", Decimal(27), Decimal("2180"))], "received"),
    DemoOrder("LS", [("LAC-LECHE-1L", Decimal(60), Decimal("820")),
                     ("LAC-QUESO-KG", Decimal("2.5"), Decimal("6200"))],
              "partial", {"LAC-LECHE-1L": Decimal(48)}),
    DemoOrder("LV", [("ALM-YERBA-1KG", Decimal(12), Decimal("2550.125"))], "sent"),
    DemoOrder("Q", [("BEB-QUIL-1L", Decimal(24), Decimal("1750"))], "draft"),
    DemoOrder("CO", [("BEB-COCA-225", Decimal(10), Decimal("2100"))], "cancelled"),
]


def _noon(day: date) -> datetime:
    """Midday of a store day."""
    return datetime.combine(day, time(12), tzinfo=ARGENTINA)


def seed(inv: inventario.Inventory) -> None:
    """Loads the demo data into an empty store."""
    today = inv.today()
    inv.load_legacy_suppliers()
    suppliers = {s.code: s.id for s in inv.suppliers()}
    locations = {code: inv.create_location(code, name).id for code, name in LOCATIONS}
    products: dict[str, int] = {}
    for p in PRODUCTS:
        products[p.sku] = inv.create_product(
            p.sku, p.name, p.sale_price, unit=p.unit, min_stock=p.min_stock,
            supplier=suppliers[p.supplier] if p.supplier else None,
        ).id
        inv.receive(products[p.sku], locations["LOCAL"], p.opening_stock, p.opening_cost,
                    reference="stock inicial", occurred_at=_noon(today - timedelta(days=45)))
    for days_ago, sku, quantity in SALES:
        when = _noon(today - timedelta(days=days_ago)) if days_ago else None  # None: now
        inv.sell(products[sku], locations["LOCAL"], quantity, occurred_at=when)
    for o in ORDERS:
        order = inv.create_order(
            suppliers[o.supplier], [(products[sku], q, cost) for sku, q, cost in o.lines]
        )
        if o.state == "draft":
            continue
        if o.state == "cancelled":
            inv.cancel_order(order.id)
            continue
        order = inv.send_order(order.id)
        if o.state in ("received", "partial"):
            sku_of = {v: k for k, v in products.items()}
            lines = [
                (line.id, line.quantity if o.received is None else o.received[sku_of[line.product]])
                for line in order.lines
                if o.received is None or sku_of[line.product] in o.received
            ]
            inv.receive_order(order.id, locations["DEPO"], lines)


def main() -> None:
    url = os.environ.get("INVENTARIO_URL", "sqlite://./dashboard.db?mode=rwc")
    with inventario.open(url, master_key=None, actor="demo-seed") as inv:
        if inv.location_by_code("LOCAL") is not None:
            sys.exit("the store already has the demo data")
        seed(inv)
    print("demo data loaded")  # not the URL: it may hold a database password


if __name__ == "__main__":
    main()
