"""Every Inventory method and MovementRequest constructor, once with good arguments and with a
sample of wrong types (TypeError) and bad values (ValidationError)."""

from __future__ import annotations

import datetime
import json
import pathlib
import re
import shutil
import sys
from decimal import Decimal

import pytest

import inventario
from conftest import MASTER_KEY, OTHER_MASTER_KEY, Shop, make_shop, on_hand, tamper

UTC = datetime.timezone.utc
BUENOS_AIRES = datetime.timezone(datetime.timedelta(hours=-3))


# --- the handle ---------------------------------------------------------------------------------


def test_context_manager_closes_and_close_is_idempotent() -> None:
    with inventario.open("sqlite::memory:", master_key=MASTER_KEY, actor="t") as inv:
        assert isinstance(inv, inventario.Inventory)
        assert not inv.closed
        assert repr(inv) == 'Inventory(actor="t")'
        inv.create_location("LOCAL", "Salón")
    assert inv.closed
    assert repr(inv) == "Inventory(closed)"
    for call in (inv.locations, inv.products, inv.keyring, inv.metrics_text, inv.today,
                 lambda: inv.actor, lambda: inv.sell(1, 1, 1)):
        with pytest.raises(inventario.InventarioError, match="closed"):
            call()
    inv.close()
    inv.close()
    assert inv.closed


def test_context_manager_closes_on_an_exception_and_lets_it_through() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with inventario.open("sqlite::memory:", master_key=MASTER_KEY, actor="t") as inv:
            raise RuntimeError("boom")
    assert inv.closed


def test_actor_and_acting_as(inv: inventario.Inventory) -> None:
    assert inv.actor == "tester"
    other = inv.acting_as("supervisor-2")
    assert other.actor == "supervisor-2"
    assert inv.actor == "tester"
    location = other.create_location("LOCAL", "Salón")
    assert inv.location_by_code("LOCAL") == location  # same store
    events = inv.audit_events(limit=10)
    assert events[-1].actor == "supervisor-2"
    with pytest.raises(inventario.ValidationError):
        inv.acting_as("")
    with pytest.raises(TypeError):
        inv.acting_as(5)


def test_closing_an_acting_as_handle_leaves_the_store_open(inv: inventario.Inventory) -> None:
    other = inv.acting_as("supervisor-2")
    other.close()
    assert other.closed
    with pytest.raises(inventario.InventarioError, match="closed"):
        other.locations()
    assert not inv.closed
    inv.create_location("LOCAL", "Salón")  # the shared connections still work
    assert [l.code for l in inv.locations()] == ["LOCAL"]
    # The handle open() returned closes the connections every derived handle shares.
    third = inv.acting_as("supervisor-3")
    inv.close()
    with pytest.raises(inventario.InventarioError):
        third.locations()


def test_today_is_the_shops_date(inv: inventario.Inventory) -> None:
    before = datetime.datetime.now(BUENOS_AIRES).date()
    today = inv.today()
    after = datetime.datetime.now(BUENOS_AIRES).date()
    assert type(today) is datetime.date
    assert today in (before, after)


def test_open_options(tmp_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t", tenant="sucursal-norte",
                         max_connections=2, audit_fail_open=True) as north:
        north.create_location("NORTE", "Norte")
    with inventario.open(tmp_db, master_key=bytes.fromhex(MASTER_KEY), actor="t") as default:
        assert default.locations() == []  # another tenant's data is not visible
        default.create_location("CENTRO", "Centro")
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t", tenant="sucursal-norte") as n:
        assert [loc.code for loc in n.locations()] == ["NORTE"]

    monkeypatch.setenv("INVENTARIO_MASTER_KEY", MASTER_KEY)
    with inventario.open(tmp_db, actor="t") as from_env:
        assert [loc.code for loc in from_env.locations()] == ["CENTRO"]
    for name in ("INVENTARIO_MASTER_KEY", "DATABASE_ENCRYPTION_KEY",
                 "INVENTARIO_MASTER_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(inventario.ValidationError, match="INVENTARIO_MASTER_KEY"):
        inventario.open(tmp_db, actor="t")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"master_key": 5}, TypeError),
        ({"master_key": bytes(31)}, inventario.ValidationError),
        ({"master_key": "00" * 32}, inventario.ValidationError),  # weak key
        ({"actor": ""}, inventario.ValidationError),
        ({"tenant": "Not A Tenant!"}, inventario.ValidationError),
        ({"max_connections": 0}, inventario.ValidationError),
        ({"metrics": "yes"}, TypeError),
    ],
)
def test_open_refuses_bad_arguments(kwargs: dict, error: type) -> None:
    arguments = {"master_key": MASTER_KEY, "actor": "t", **kwargs}
    with pytest.raises(error):
        inventario.open("sqlite::memory:", **arguments)


def test_open_needs_an_actor() -> None:
    with pytest.raises(TypeError):
        inventario.open("sqlite::memory:", master_key=MASTER_KEY)


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in the metrics"
    return float(match.group(1))


def test_metrics_text(shop: Shop) -> None:
    inv = shop.inv
    sale_ok = 'inventario_stock_movements_total{kind="sale",result="ok"}'
    sale_refused = 'inventario_stock_movements_total{kind="sale",result="refused"}'
    text = inv.metrics_text()
    assert isinstance(text, str)
    assert "# TYPE inventario_stock_movements counter" in text
    for name in ("inventario_audit_events_total", "inventario_encrypt_total",
                 "inventario_decrypt_total", "inventario_stock_movement_seconds_bucket"):
        assert name in text
    assert metric(text, sale_ok) == 0
    inv.sell(shop.coca.id, shop.salon.id, 1)
    with pytest.raises(inventario.InsufficientStockError):
        inv.sell(shop.coca.id, shop.salon.id, 100)
    text = inv.metrics_text()
    assert metric(text, sale_ok) == 1
    assert metric(text, sale_refused) == 1


def test_metrics_off() -> None:
    with inventario.open("sqlite::memory:", master_key=MASTER_KEY, actor="t",
                         metrics=False) as inv:
        assert inv.metrics_text() is None


def test_keyring_and_field_cipher_of_the_store(inv: inventario.Inventory) -> None:
    keyring = inv.keyring()
    assert isinstance(keyring, inventario.Keyring)
    assert keyring.mk_version == 1
    cipher = inv.field_cipher()
    assert isinstance(cipher, inventario.FieldCipher)
    assert cipher.scope == "global"
    assert inv.field_cipher("mine").scope == "mine"
    sealed = cipher.encrypt("x", "t", "c", 1)
    assert keyring.field_cipher().decrypt(sealed, "t", "c", 1) == "x"
    # Closing a borrowed keyring leaves the store open.
    keyring.close()
    assert keyring.closed
    assert inv.locations() == []


# --- locations and suppliers --------------------------------------------------------------------


def test_locations(inv: inventario.Inventory) -> None:
    salon = inv.create_location("LOCAL", "Salón")
    deposito = inv.create_location("DEP", "Depósito", negative_stock_allowed=True,
                                   capacity=Decimal("1000.5"))
    assert (salon.code, salon.name, salon.negative_stock_allowed, salon.capacity) == (
        "LOCAL", "Salón", False, None)
    assert deposito.negative_stock_allowed is True
    assert deposito.capacity == Decimal("1000.5")
    assert inv.locations() == [deposito, salon]  # by code
    assert inv.location_by_code("DEP") == deposito
    assert inv.location_by_code("NOPE") is None
    with pytest.raises(inventario.ValidationError) as info:
        inv.create_location("LOCAL", "Otro")
    assert info.value.kind == "DuplicateLocationCode"
    with pytest.raises(inventario.ValidationError):
        inv.create_location("", "Vacío")
    with pytest.raises(TypeError):
        inv.create_location(1, "x")
    with pytest.raises(TypeError):
        inv.create_location("X", "x", capacity=1.5)


def test_suppliers_and_their_encrypted_contact(inv: inventario.Inventory) -> None:
    coca = inv.create_supplier(
        "COCA", "Coca-Cola FEMSA SA", trade_name="Coca", tax_condition="RI",
        payment_terms_days=30, direct_brands=["Coca-Cola"], distributed_brands=["Sprite"],
        categories=["bebidas"], exclude_keywords=["vino"], is_default=True,
        cuit="30-50000000-3", phone="+54 11 4000-0000", email="ventas@coca.example",
        address="Av. Siempreviva 742")
    assert (coca.code, coca.legal_name, coca.trade_name, coca.tax_condition) == (
        "COCA", "Coca-Cola FEMSA SA", "Coca", "RI")
    assert coca.payment_terms_days == 30
    assert (coca.direct_brands, coca.distributed_brands) == (["Coca-Cola"], ["Sprite"])
    assert (coca.categories, coca.exclude_keywords) == (["bebidas"], ["vino"])
    assert coca.is_default and coca.active
    plain = inv.create_supplier("ARCOR", "Arcor SAIC")
    assert plain.trade_name is None and plain.direct_brands == []

    assert inv.supplier(coca.id) == coca
    assert inv.supplier(9999) is None
    assert inv.supplier_by_code("ARCOR") == plain
    assert inv.supplier_by_code("NOPE") is None
    assert inv.suppliers() == [plain, coca]

    contact = inv.supplier_contact(coca.id)
    assert isinstance(contact, inventario.SupplierContact)
    assert (contact.cuit, contact.phone, contact.email, contact.address) == (
        "30-50000000-3", "+54 11 4000-0000", "ventas@coca.example", "Av. Siempreviva 742")
    assert inv.supplier_contact(plain.id) is not None
    assert inv.supplier_contact(9999) is None
    for typed in ("30500000003", "30-50000000-3", "30 50000000 3"):
        assert inv.find_supplier_by_cuit(typed) == coca
    assert inv.find_supplier_by_cuit("20-12345678-6") is None

    assert inv.set_supplier_contact(coca.id, phone="+54 11 5000-0000") is None
    replaced = inv.supplier_contact(coca.id)
    assert (replaced.cuit, replaced.phone, replaced.email) == (None, "+54 11 5000-0000", None)
    assert inv.find_supplier_by_cuit("30500000003") is None

    with pytest.raises(inventario.ValidationError, match="check digit"):
        inv.create_supplier("MAL", "Mal SA", cuit="30-50000000-7")
    assert inv.supplier_by_code("MAL") is None
    with pytest.raises(inventario.ValidationError):
        inv.find_supplier_by_cuit("123")
    with pytest.raises(TypeError):
        inv.create_supplier("X", "X", payment_terms_days="30")
    with pytest.raises(TypeError):
        inv.create_supplier("X", "X", categories="bebidas")  # a str is not a list of str


def test_legacy_suppliers(inv: inventario.Inventory) -> None:
    created = inv.load_legacy_suppliers()
    assert len(created) == 12
    assert all(isinstance(s, inventario.Supplier) for s in created)
    assert inv.load_legacy_suppliers() == []
    assert len(inv.suppliers()) == 12


# --- products -----------------------------------------------------------------------------------


def test_products(inv: inventario.Inventory) -> None:
    supplier = inv.create_supplier("COCA", "Coca SA")
    coca = inv.create_product(
        "BEB-COCA-2L", "Coca-Cola 2 L", Decimal("3500.00"), description="Botella",
        category="bebidas", brand="Coca-Cola", unit="unidad", barcode="7790895000997",
        wholesale_price=Decimal("3000"), min_stock=10, max_stock=50, reorder_point=12,
        pack_multiple=6, perishable=False, supplier=supplier.id)
    assert (coca.sku, coca.name, coca.description, coca.category, coca.brand, coca.unit) == (
        "BEB-COCA-2L", "Coca-Cola 2 L", "Botella", "bebidas", "Coca-Cola", "unidad")
    assert coca.barcode == "7790895000997"
    assert (coca.sale_price, coca.wholesale_price) == (Decimal("3500.00"), Decimal("3000.00"))
    assert (coca.min_stock, coca.max_stock, coca.reorder_point, coca.pack_multiple) == (
        10, 50, 12, 6)
    assert coca.supplier == supplier.id and coca.active and not coca.perishable
    assert coca.average_cost == Decimal("0.0000")
    queso = inv.create_product("LAC-QUESO", "Queso", Decimal("9000"), unit="kg",
                               perishable=True, min_stock=Decimal("2.5"))
    assert (queso.unit, queso.perishable, queso.min_stock) == ("kg", True, Decimal("2.5"))

    assert inv.product(coca.id) == coca
    assert inv.product(9999) is None
    assert inv.product_by_sku("BEB-COCA-2L") == coca
    assert inv.product_by_sku("NOPE") is None
    assert inv.product_by_barcode("7790895000997") == coca
    assert inv.product_by_barcode("7790895000980") is None
    assert inv.products() == [coca, queso]

    updated = inv.update_product(coca.id, name="Coca-Cola 2,25 L", sale_price=Decimal("3600"),
                                 category="gaseosas", max_stock=60)
    assert (updated.name, updated.sale_price, updated.category, updated.max_stock) == (
        "Coca-Cola 2,25 L", Decimal("3600.00"), "gaseosas", 60)
    assert updated.sku == coca.sku and updated != coca
    assert inv.product(coca.id) == updated

    gone = inv.deactivate_product(queso.id)
    assert gone.active is False
    assert inv.products() == [updated]
    assert inv.products(include_inactive=True) == [updated, gone]


def test_products_refuse_bad_values(shop: Shop) -> None:
    inv = shop.inv
    with pytest.raises(inventario.ValidationError, match="SKU"):
        inv.create_product("no vale!", "x", 1)
    with pytest.raises(inventario.ValidationError, match="unit"):
        inv.create_product("BEB-X", "x", 1, unit="furlong")
    with pytest.raises(inventario.ValidationError, match="barcode"):
        inv.create_product("BEB-X", "x", 1, barcode="123")
    with pytest.raises(inventario.ValidationError):
        inv.create_product("BEB-X", "x", 1, barcode="7790895000998")  # check digit
    with pytest.raises(inventario.ValidationError) as info:
        inv.create_product("BEB-COCA-2L", "again", 1)
    assert info.value.kind == "DuplicateSku"
    with pytest.raises(inventario.ValidationError):
        inv.product_by_barcode("abc")
    with pytest.raises(TypeError):
        inv.product("1")
    with pytest.raises(TypeError):
        inv.create_product("BEB-X", "x", 1, perishable="yes")
    assert inv.product_by_sku("BEB-X") is None

    # Below the minimum margin over the average cost (2100): refused unless forced.
    with pytest.raises(inventario.ValidationError, match="margin") as margin:
        inv.update_product(shop.coca.id, sale_price=Decimal("2200"))
    assert margin.value.kind == "Pricing"
    assert inv.product(shop.coca.id).sale_price == Decimal("3500.00")
    forced = inv.update_product(shop.coca.id, sale_price=Decimal("2200"),
                                force_below_margin=True)
    assert forced.sale_price == Decimal("2200.00")

    with pytest.raises(inventario.ValidationError) as in_use:
        inv.deactivate_product(shop.coca.id)
    assert in_use.value.kind == "ProductInUse"


# --- stock commands -----------------------------------------------------------------------------


def test_movement_request_constructors() -> None:
    at = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=BUENOS_AIRES)
    requests = {
        "receipt": inventario.MovementRequest.receipt(1, 2, 10, Decimal("2.5"), lot="L1",
                                                      expiry=datetime.date(2025, 1, 1)),
        "sale": inventario.MovementRequest.sale(1, 2, 1, reservation=3, reference="T-1"),
        "customer_return": inventario.MovementRequest.customer_return(1, 2, 1,
                                                                      original_sale=9),
        "supplier_return": inventario.MovementRequest.supplier_return(1, 2, 1),
        "loss": inventario.MovementRequest.loss(1, 2, 1, "expired"),
        "adjustment": inventario.MovementRequest.adjustment(1, 2, counted=5, reason="conteo"),
        "transfer": inventario.MovementRequest.transfer(1, 2, 3, 1, idempotency_key="k",
                                                        occurred_at=at),
    }
    for kind, request in requests.items():
        assert isinstance(request, inventario.MovementRequest)
        assert request.kind == kind
        assert request.product == 1
    assert requests["transfer"].idempotency_key == "k"
    assert requests["sale"].idempotency_key is None
    assert repr(requests["transfer"]) == (
        'MovementRequest(kind="transfer", product=1, locations=[2, 3], idempotency_key="k")')
    assert repr(requests["sale"]) == (
        'MovementRequest(kind="sale", product=1, locations=[2], idempotency_key=None)')
    with pytest.raises(TypeError):
        inventario.MovementRequest()  # built only by the constructors


def test_movement_request_refusals() -> None:
    request = inventario.MovementRequest
    with pytest.raises(inventario.ValidationError, match="loss reason"):
        request.loss(1, 1, 1, "aliens")
    with pytest.raises(inventario.ValidationError) as info:
        request.loss(1, 1, 1, "other")  # "other" needs a reason
    assert info.value.kind == "MissingReason"
    assert request.loss(1, 1, 1, "other", reason="se cayó").kind == "loss"
    with pytest.raises(inventario.ValidationError):
        request.adjustment(1, 1, delta=1)  # needs a reason
    with pytest.raises(TypeError, match="exactly one"):
        request.adjustment(1, 1, delta=1, counted=2, reason="x")
    with pytest.raises(TypeError, match="exactly one"):
        request.adjustment(1, 1, reason="x")
    with pytest.raises(TypeError, match="aware"):
        request.sale(1, 1, 1, occurred_at=datetime.datetime(2024, 1, 1))  # naive
    with pytest.raises(TypeError):
        request.sale(1, 1, 1, occurred_at="2024-01-01T00:00:00Z")
    with pytest.raises(TypeError):
        request.sale(1, 1, 1, expiry="2025-01-01")
    with pytest.raises(TypeError):
        request.sale("1", 1, 1)
    with pytest.raises(TypeError):
        request.sale(1, 1, 1, bogus=True)


def test_every_stock_command(shop: Shop) -> None:
    inv, coca, salon, deposito = shop.inv, shop.coca, shop.salon, shop.deposito

    received = inv.receive(coca.id, salon.id, 6, Decimal("2400"), lot="L-7",
                           expiry=datetime.date(2030, 1, 1), reference="REM-1",
                           reason="entrega")
    assert isinstance(received, inventario.Recorded) and not received.replayed
    (movement,) = received.movements
    assert (movement.kind, movement.quantity, movement.delta, movement.before, movement.after) == (
        "receipt", 6, 6, 24, 30)
    assert (movement.lot, movement.expiry, movement.reference, movement.reason) == (
        "L-7", datetime.date(2030, 1, 1), "REM-1", "entrega")
    assert movement.actor == "tester"
    assert movement.occurred_at.tzinfo is not None
    # Weighted average cost: (24 x 2100 + 6 x 2400) / 30 = 2160.
    assert inv.product(coca.id).average_cost == Decimal("2160.0000")

    sale = inv.sell(coca.id, salon.id, 3, reference="TICKET-1").movements[0]
    assert (sale.kind, sale.delta, sale.after, sale.unit_cost) == ("sale", -3, 27, 2160)
    assert sale.value == Decimal("-6480.00")

    back = inv.return_from_customer(coca.id, salon.id, 1, original_sale=sale.id).movements[0]
    assert (back.kind, back.delta, back.after) == ("customer_return", 1, 28)
    with pytest.raises(inventario.ValidationError) as not_a_sale:
        inv.return_from_customer(coca.id, salon.id, 1, original_sale=movement.id)
    assert not_a_sale.value.kind == "SaleNotFound"

    to_supplier = inv.return_to_supplier(coca.id, salon.id, 2).movements[0]
    assert (to_supplier.kind, to_supplier.after) == ("supplier_return", 26)

    lost = inv.record_loss(coca.id, salon.id, 1, "damaged").movements[0]
    assert (lost.kind, lost.loss_reason, lost.after) == ("loss", "damaged", 25)
    other = inv.record_loss(coca.id, salon.id, 1, "other", reason="vencida").movements[0]
    assert (other.loss_reason, other.reason) == ("other", "vencida")

    adjusted = inv.adjust(coca.id, salon.id, delta=-2, reason="conteo").movements[0]
    assert (adjusted.kind, adjusted.delta, adjusted.after) == ("adjustment", -2, 22)
    counted = inv.adjust(coca.id, salon.id, counted=20, reason="conteo").movements[0]
    assert (counted.delta, counted.after) == (-2, 20)

    out, into = inv.transfer(coca.id, salon.id, deposito.id, 5).movements
    assert (out.kind, out.location, out.delta, out.after) == ("transfer_out", salon.id, -5, 15)
    assert (into.kind, into.location, into.delta, into.after) == ("transfer_in", deposito.id, 5, 5)
    assert into.linked_movement == out.id

    recorded = inv.record(inventario.MovementRequest.sale(coca.id, deposito.id, 1))
    assert recorded.movements[0].after == 4
    batch = inv.record_movements([
        inventario.MovementRequest.sale(coca.id, salon.id, 1),
        inventario.MovementRequest.transfer(coca.id, deposito.id, salon.id, 4),
    ])
    assert [len(r.movements) for r in batch] == [1, 2]
    assert inv.record_movements([]) == []

    assert on_hand(inv, coca.id, salon.id) == 18
    assert on_hand(inv, coca.id, deposito.id) == 0
    assert inv.verify_ledger().ok

    with pytest.raises(inventario.InsufficientStockError):
        inv.transfer(coca.id, salon.id, deposito.id, 19)
    with pytest.raises(TypeError):
        inv.record("sale")
    with pytest.raises(TypeError):
        inv.record_movements(["sale"])
    with pytest.raises(TypeError):
        inv.sell(coca.id, salon.id)  # quantity missing


def test_occurred_at_in_any_time_zone_is_stored_as_utc(shop: Shop) -> None:
    local = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=BUENOS_AIRES)
    movement = shop.inv.sell(shop.coca.id, shop.salon.id, 1, occurred_at=local).movements[0]
    assert movement.occurred_at == local
    assert movement.occurred_at.utcoffset() == datetime.timedelta(0)
    assert movement.occurred_at.hour == 12


def test_reservations(shop: Shop) -> None:
    inv, coca, salon = shop.inv, shop.coca, shop.salon
    expires = datetime.datetime.now(BUENOS_AIRES) + datetime.timedelta(days=1)
    held = inv.reserve(coca.id, salon.id, 10, reference="PEDIDO-1", expires_at=expires)
    assert isinstance(held, inventario.Reservation)
    assert (held.quantity, held.remaining, held.status, held.reference) == (
        10, 10, "active", "PEDIDO-1")
    assert held.expires_at == expires.replace(microsecond=held.expires_at.microsecond)
    row = inv.stock(product=coca.id, location=salon.id)[0]
    assert (row.on_hand, row.reserved, row.available) == (24, 10, 14)
    with pytest.raises(inventario.InsufficientStockError) as info:
        inv.sell(coca.id, salon.id, 15)
    assert info.value.available == 14

    inv.sell(coca.id, salon.id, 4, reservation=held.id)
    (after_sale,) = inv.reservations(product=coca.id)
    assert after_sale.remaining == 6
    released = inv.release_reservation(held.id)
    assert (released.status, released.remaining) == ("released", 6)
    assert inv.stock(product=coca.id)[0].available == 20
    assert inv.reservations(product=shop.queso.id) == []
    assert inv.reservations() == [released]

    with pytest.raises(inventario.InsufficientStockError):
        inv.reserve(coca.id, salon.id, 100)
    with pytest.raises(TypeError, match="aware"):
        inv.reserve(coca.id, salon.id, 1, expires_at=datetime.datetime(2030, 1, 1))


# --- queries ------------------------------------------------------------------------------------


def test_stock_filters(shop: Shop) -> None:
    inv = shop.inv
    inv.receive(shop.queso.id, shop.deposito.id, Decimal("2.5"), Decimal("8000"))
    rows = inv.stock()
    assert [(r.sku, r.location_code, r.on_hand) for r in rows] == [
        ("BEB-COCA-2L", "LOCAL", 24), ("LAC-QUESO", "DEP", Decimal("2.5"))]
    assert [r.sku for r in inv.stock(product=shop.queso.id)] == ["LAC-QUESO"]
    assert [r.location_code for r in inv.stock(location=shop.salon.id)] == ["LOCAL"]
    assert inv.stock(product=shop.queso.id, location=shop.salon.id) == []
    assert rows[1].unit == "kg" and rows[1].name == "Queso cremoso"


def test_history_and_change_feed(shop: Shop) -> None:
    inv, coca, salon = shop.inv, shop.coca, shop.salon
    for i in range(5):
        inv.sell(coca.id, salon.id, 1, reference=f"T-{i}")
    everything = inv.history()
    assert isinstance(everything, inventario.MovementPage)
    assert [m.kind for m in everything.items] == ["sale"] * 5 + ["receipt"]
    assert everything.next is None

    first = inv.history(limit=2)
    assert [m.reference for m in first.items] == ["T-4", "T-3"]
    second = inv.history(limit=2, before=first.next)
    assert [m.reference for m in second.items] == ["T-2", "T-1"]
    assert [m.kind for m in inv.history(kind="receipt").items] == ["receipt"]
    assert [m.reference for m in inv.history(reference="T-2").items] == ["T-2"]
    assert len(inv.history(actor="tester").items) == 6
    assert inv.history(actor="nobody").items == []
    assert len(inv.history(product=coca.id, location=salon.id).items) == 6
    today = inv.today()
    assert len(inv.history(start=today - datetime.timedelta(days=1), end=today).items) == 6
    assert inv.history(start=datetime.date(2000, 1, 1), end=datetime.date(2000, 1, 2)).items == []

    feed = inv.movements_since()
    assert [m.id for m in feed] == sorted(m.id for m in everything.items)
    assert [m.id for m in inv.movements_since(cursor=feed[2].id, limit=2)] == [
        feed[3].id, feed[4].id]

    with pytest.raises(inventario.ValidationError, match="movement kind"):
        inv.history(kind="bogus")
    with pytest.raises(inventario.ValidationError, match="before it starts"):
        inv.history(start=today, end=today - datetime.timedelta(days=1))
    with pytest.raises(TypeError, match="both"):
        inv.history(start=today)
    with pytest.raises(TypeError):
        inv.history(limit="10")


def test_reports(shop: Shop) -> None:
    inv, coca, salon = shop.inv, shop.coca, shop.salon
    supplier = inv.create_supplier("COCA", "Coca SA")
    inv.update_product(coca.id, supplier=supplier.id)
    inv.receive(shop.queso.id, salon.id, Decimal("1.5"), Decimal("8000"))
    inv.sell(coca.id, salon.id, 4)
    inv.sell(coca.id, salon.id, 2)
    inv.sell(shop.queso.id, salon.id, Decimal("0.5"))
    today = inv.today()
    week_ago = today - datetime.timedelta(days=7)

    value = inv.stock_value()
    assert isinstance(value, inventario.StockValue)
    assert value.total == Decimal(18 * 2100 + 8000)
    assert {(p.product, p.on_hand, p.average_cost, p.value) for p in value.products} == {
        (coca.id, 18, 2100, 37800), (shop.queso.id, 1, 8000, 8000)}

    top = inv.top_sold(week_ago, today)
    assert [(t.sku, t.quantity, t.sales) for t in top] == [
        ("BEB-COCA-2L", 6, 2), ("LAC-QUESO", Decimal("0.5"), 1)]
    assert len(inv.top_sold(week_ago, today, limit=1)) == 1

    order = inv.create_order(supplier.id, [(coca.id, 12, 2000)])
    top_ordered = inv.top_ordered(week_ago, today)
    assert [(t.product, t.sku, t.quantity, t.orders) for t in top_ordered] == [
        (coca.id, "BEB-COCA-2L", 12, 1)]

    summary = inv.dashboard_summary()
    assert isinstance(summary, inventario.DashboardSummary)
    assert summary.active_suppliers == 1
    assert summary.orders_last_30_days == 1
    assert summary.units_ordered_last_30_days == 12
    assert summary.movements_last_7_days == 5
    assert summary.top_supplier == supplier.id
    assert inv.dashboard_summary(on=datetime.date(2000, 1, 1)).movements_last_7_days == 0

    (stats,) = inv.provider_stats()
    assert (stats.supplier, stats.code, stats.orders, stats.units_ordered) == (
        supplier.id, "COCA", 1, 12)
    assert stats.ordered_value == Decimal("24000.00")
    assert stats.last_order == order.created_at.astimezone(BUENOS_AIRES).date()

    by_supplier = {s.supplier: s for s in inv.stock_by_supplier()}
    assert by_supplier[supplier.id].on_hand == {"unidad": Decimal(18)}
    assert by_supplier[supplier.id].value == Decimal("37800.00")
    assert by_supplier[None].on_hand == {"kg": Decimal(1)}

    weeks = inv.weekly_sales(week_ago, today)
    assert sum(w.quantity for w in weeks) == Decimal("6.5")
    iso = today.isocalendar()
    assert (weeks[-1].iso_year, weeks[-1].iso_week) == (iso[0], iso[1])
    assert weeks[-1].cost_of_goods > 0

    ledger = inv.verify_ledger()
    assert ledger.ok and ledger.discrepancies == []
    assert ledger.movements_checked == 5
    assert inv.verify_ledger(product=shop.queso.id).movements_checked == 2

    for call in (inv.top_sold, inv.top_ordered, inv.weekly_sales):
        with pytest.raises(inventario.ValidationError, match="before it starts"):
            call(today, week_ago)
        with pytest.raises(TypeError):
            call("2024-01-01", today)


def test_low_stock_and_reorder_suggestions(inv: inventario.Inventory) -> None:
    supplier = inv.create_supplier("COCA", "Coca SA")
    salon = inv.create_location("LOCAL", "Salón")
    coca = inv.create_product("BEB-COCA-2L", "Coca", Decimal("3500"), min_stock=10,
                              reorder_point=12, max_stock=40, supplier=supplier.id)
    inv.receive(coca.id, salon.id, 2, Decimal("2100"))

    (low,) = inv.low_stock()
    assert (low.product, low.sku, low.unit, low.on_hand) == (coca.id, "BEB-COCA-2L", "unidad", 2)
    assert low.threshold >= 10 and low.deficit == low.threshold - 2
    assert low.urgency in ("warning", "critical")
    assert inv.low_stock(on=datetime.date(2024, 7, 1))  # any day: still short

    (reorder,) = inv.reorder_suggestions()
    assert reorder.supplier == supplier.id
    (line,) = reorder.lines
    assert (line.product, line.on_hand, line.on_order) == (coca.id, 2, 0)
    assert line.quantity > 0
    order = inv.create_order(supplier.id, [(coca.id, line.quantity, 2100)])
    inv.send_order(order.id)
    assert inv.reorder_suggestions() == []
    with pytest.raises(TypeError):
        inv.low_stock(on="today")


def test_ledger_discrepancy_is_reported(tmp_db: str, tmp_path: pathlib.Path) -> None:
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        shop = make_shop(inv)
    tamper(tmp_path / "t.db", "UPDATE stock_balances SET on_hand_milli = on_hand_milli + 1000")
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        report = inv.verify_ledger()
    assert not report.ok
    (problem,) = report.discrepancies
    assert isinstance(problem, inventario.LedgerDiscrepancy)
    assert (problem.product, problem.location) == (shop.coca.id, shop.salon.id)
    assert (problem.ledger_on_hand, problem.balance_on_hand) == (24, 25)


# --- purchase orders ----------------------------------------------------------------------------


def test_purchase_orders(shop: Shop) -> None:
    inv, coca, queso, salon = shop.inv, shop.coca, shop.queso, shop.salon
    supplier = inv.create_supplier("COCA", "Coca SA")
    expected = inv.today() + datetime.timedelta(days=3)

    order = inv.create_order(supplier.id, [(coca.id, 12, Decimal("2000.50")),
                                           (queso.id, Decimal("2.5"), 8000)],
                             expected_date=expected)
    assert isinstance(order, inventario.PurchaseOrder)
    assert (order.supplier, order.status, order.expected_date) == (supplier.id, "draft", expected)
    assert order.number.startswith("PED-COCA-")
    assert [(l.product, l.quantity, l.expected_unit_cost, l.received, l.receipts)
            for l in order.lines] == [(coca.id, 12, Decimal("2000.5"), 0, 0),
                                      (queso.id, Decimal("2.5"), 8000, 0, 0)]
    assert order.created_at.tzinfo is not None
    with pytest.raises(inventario.ValidationError) as draft:
        inv.receive_order(order.id, salon.id, [(order.lines[0].id, 1)])
    assert draft.value.kind == "Order"

    sent = inv.send_order(order.id)
    assert sent.status == "sent"
    with pytest.raises(inventario.ValidationError):
        inv.send_order(order.id)

    receipt = inv.receive_order(order.id, salon.id, [(order.lines[0].id, 2),
                                                     (order.lines[1].id, 1, Decimal("8100"))])
    assert isinstance(receipt, inventario.OrderReceipt)
    assert receipt.order.status == "partially_received"
    assert [l.received for l in receipt.order.lines] == [2, 1]
    assert [r.movements[0].kind for r in receipt.recorded] == ["receipt", "receipt"]
    assert receipt.recorded[1].movements[0].unit_cost == Decimal("8100")
    assert on_hand(inv, coca.id, salon.id) == 26

    assert inv.orders(status="partially_received") == [receipt.order]
    assert inv.orders(status="draft") == []
    assert inv.order(order.id) == receipt.order
    assert inv.order(9999) is None

    done = inv.receive_order(order.id, salon.id, [(order.lines[0].id, 10),
                                                  (order.lines[1].id, Decimal("1.5"))])
    assert done.order.status == "received"

    second = inv.create_order(supplier.id, [(coca.id, 6, 2000)])
    cancelled = inv.cancel_order(second.id)
    assert cancelled.status == "cancelled"
    assert [o.status for o in inv.orders()] == ["cancelled", "received"]  # newest first
    assert [o.id for o in inv.orders(status="cancelled")] == [second.id]
    assert [o.id for o in inv.orders(status="received")] == [order.id]


def test_purchase_orders_refuse_bad_input(shop: Shop) -> None:
    inv, coca = shop.inv, shop.coca
    supplier = inv.create_supplier("COCA", "Coca SA")
    with pytest.raises(inventario.ValidationError):
        inv.create_order(supplier.id, [])
    with pytest.raises(inventario.ValidationError):
        inv.create_order(supplier.id, [(coca.id, 1, 1), (coca.id, 2, 1)])  # product twice
    with pytest.raises(inventario.ValidationError, match="order status"):
        inv.orders(status="bogus")
    with pytest.raises(TypeError):
        inv.create_order(supplier.id, [(coca.id, 1.0, 1)])
    with pytest.raises(TypeError):
        inv.create_order(supplier.id, [(coca.id, 1)])  # no cost
    with pytest.raises(TypeError):
        inv.create_order(supplier.id, [(coca.id, 1, 1)], expected_date="mañana")
    order = inv.send_order(inv.create_order(supplier.id, [(coca.id, 2, 1)]).id)
    with pytest.raises(TypeError, match="line 0"):
        inv.receive_order(order.id, shop.salon.id, [(order.lines[0].id,)])
    with pytest.raises(TypeError):
        inv.receive_order(order.id, shop.salon.id, [(order.lines[0].id, 0.5)])
    assert inv.order(order.id).lines[0].received == 0
    assert inv.orders() == [order]


# --- customers ----------------------------------------------------------------------------------


def test_customers_and_their_encrypted_identity(inv: inventario.Inventory) -> None:
    ana = inv.create_customer(
        "C-001", "Ana", surname="Pérez", document_type="dni", document="12.345.678",
        phone="+54 11 5555-0101", email="Ana.Perez@Example.com", address="Calle 1",
        kind="persona", price_list="general", credit_limit=Decimal("50000"),
        discount_percent=Decimal("5.5"))
    assert isinstance(ana, inventario.Customer)
    assert (ana.code, ana.kind, ana.price_list) == ("C-001", "persona", "general")
    assert (ana.credit_limit, ana.discount_percent) == (Decimal("50000.00"), Decimal("5.50"))
    assert ana.erased_at is None
    acme = inv.create_customer("C-002", "ACME SA", document_type="cuit",
                               document="20-12345678-6", kind="empresa",
                               price_list="mayorista")
    assert (acme.kind, acme.price_list, acme.credit_limit) == ("empresa", "mayorista", 0)
    bare = inv.create_customer("C-003", "Sin datos")

    assert inv.customer(ana.id) == ana
    assert inv.customer(9999) is None
    identity = inv.customer_identity(ana.id)
    assert isinstance(identity, inventario.CustomerIdentity)
    assert identity.to_dict() == {
        "names": "Ana", "surname": "Pérez", "document_type": "dni", "document": "12345678",
        "phone": "+54 11 5555-0101", "email": "Ana.Perez@Example.com", "address": "Calle 1"}
    assert inv.customer_identity(9999) is None
    identities = inv.customer_identities([acme.id, 9999, bare.id])
    assert identities[0].document == "20123456786" and identities[0].document_type == "cuit"
    assert identities[1] is None
    assert identities[2].names == "Sin datos" and identities[2].document is None

    assert inv.find_customers_by_document("dni", "12345678") == [ana]
    assert inv.find_customers_by_document("cuit", "20123456786") == [acme]
    assert inv.find_customers_by_document("dni", "99999999") == []
    assert inv.find_customers_by_email("  ana.perez@example.COM ") == [ana]
    assert inv.find_customers_by_email("nobody@example.com") == []

    # Reading identities is audited.
    reads = [e for e in inv.audit_events(limit=100) if e.table == "customers"]
    assert len(reads) >= 3


def test_customers_refuse_bad_input(inv: inventario.Inventory) -> None:
    with pytest.raises(TypeError, match="both"):
        inv.create_customer("C-1", "Ana", document="123")
    with pytest.raises(inventario.ValidationError, match="document type"):
        inv.create_customer("C-1", "Ana", document_type="ssn", document="123")
    with pytest.raises(inventario.ValidationError, match="customer kind"):
        inv.create_customer("C-1", "Ana", kind="robot")
    with pytest.raises(inventario.ValidationError, match="price list"):
        inv.create_customer("C-1", "Ana", price_list="vip")
    with pytest.raises(inventario.ValidationError, match="check digit"):
        inv.create_customer("C-1", "Ana", document_type="cuit", document="20-12345678-0")
    with pytest.raises(inventario.ValidationError):
        inv.create_customer("C-1", "Ana", discount_percent=Decimal("5.555"))
    with pytest.raises(inventario.ValidationError):
        inv.find_customers_by_document("cuil", "1")
    with pytest.raises(TypeError):
        inv.customer_identities(1)
    with pytest.raises(inventario.ValidationError, match="subject kind"):
        inv.erase_subject("robot", 1)
    assert inv.find_customers_by_email("x@example.com") == []


# --- records ------------------------------------------------------------------------------------

RECORD_CLASSES = sorted(
    name for name in inventario.__all__
    if isinstance(getattr(inventario, name), type)
    and hasattr(getattr(inventario, name), "__match_args__")
)
# No detector can be made to fail from Python (they fail on store errors mid-run).
UNREACHABLE_RECORDS = {"DetectorFailure": "no detector can be made to fail from the Python API"}


def is_record(value: object) -> bool:
    return type(value).__name__ in RECORD_CLASSES and type(value).__module__ == "inventario"


def collect(value: object, into: dict[str, list[object]]) -> None:
    """Every record reachable from `value`, by class name."""
    if isinstance(value, (list, tuple)):
        for item in value:
            collect(item, into)
    elif isinstance(value, dict):
        for item in value.values():
            collect(item, into)
    elif is_record(value):
        into.setdefault(type(value).__name__, []).append(value)
        for field in type(value).__match_args__:
            collect(getattr(value, field), into)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[object]]:
    """One instance (at least) of every record class, from a scenario on a SQLite file."""
    path = tmp_path_factory.mktemp("records") / "t.db"
    url = f"sqlite://{path}?mode=rwc"
    found: dict[str, list[object]] = {}
    keep = lambda value: collect(value, found) or value  # noqa: E731
    now = datetime.datetime.now(UTC)
    with inventario.open(url, master_key=MASTER_KEY, actor="t") as inv:
        supplier = keep(inv.create_supplier("COCA", "Coca SA", cuit="30-50000000-3"))
        keep(inv.supplier_contact(supplier.id))
        salon = keep(inv.create_location("LOCAL", "Salón", capacity=Decimal("500")))
        coca = keep(inv.create_product("BEB-COCA-2L", "Coca", Decimal("3500"), min_stock=10,
                                       reorder_point=12, supplier=supplier.id))
        keep(inv.receive(coca.id, salon.id, 8, Decimal("2100")))
        keep(inv.sell(coca.id, salon.id, 2))
        keep(inv.reserve(coca.id, salon.id, 1, expires_at=now + datetime.timedelta(hours=1)))
        keep(inv.stock())
        keep(inv.low_stock())
        keep(inv.reorder_suggestions())
        keep(inv.history())
        keep(inv.stock_value())
        today = inv.today()
        week_ago = today - datetime.timedelta(days=7)
        keep(inv.top_sold(week_ago, today))
        order = keep(inv.create_order(supplier.id, [(coca.id, 12, 2100)]))
        keep(inv.top_ordered(week_ago, today))
        inv.send_order(order.id)
        keep(inv.receive_order(order.id, salon.id, [(order.lines[0].id, 2)]))
        keep(inv.dashboard_summary())
        keep(inv.provider_stats())
        keep(inv.stock_by_supplier())
        keep(inv.weekly_sales(week_ago, today))
        keep(inv.verify_ledger())
        customer = keep(inv.create_customer("C-1", "Ana", email="ana@example.com"))
        keep(inv.customer_identity(customer.id))
        keep(inv.erase_subject("customer", customer.id))
        hold = keep(inv.place_legal_hold("suppliers", str(supplier.id), reason="AFIP"))
        keep(inv.lift_legal_hold(hold.id))
        keep(inv.record_privacy_request("customer", customer.id, "access"))
        keep(inv.pending_privacy_requests())
        keep(inv.rectify("supplier", supplier.id, {"phone": "1"}, reason="t"))
        keep(inv.apply_retention())
        keep(inv.prune_backups(path.parent))
        for _ in range(6):
            inv.record_audit_event("LOGIN_FAILED", failed=True, detail={"ip": "10.0.0.9"})
        keep(inv.detect_anomalies(now - datetime.timedelta(hours=1)))
        keep(inv.verify_audit())
        keep(inv.audit_events(limit=5))
        keyring = inv.keyring()
        keep(keyring.keys())
        keep(keyring.rotate_data_key())
        keep(keyring.reencrypt(batch=2, progress=keep))
        keep(keyring.rotate_master_key(OTHER_MASTER_KEY))
    # The tampering is done on a copy. Once in CI, reopening the very file just closed timed
    # out in the connection setup (the pool's after_connect PRAGMAs kept failing); it was not
    # reproduced in 30 local runs, and the closing note of issue 8 records it.
    copy = path.with_name("tampered.db")
    for suffix in ("", "-wal"):
        if pathlib.Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
    tamper(copy, "UPDATE stock_balances SET on_hand_milli = on_hand_milli + 1000",
           "DROP TRIGGER audit_events_append_only",
           "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    with inventario.open(f"sqlite://{copy}?mode=rwc", master_key=OTHER_MASTER_KEY, actor="t") as inv:
        keep(inv.verify_ledger())
        keep(inv.verify_audit())
    return found


def test_every_record_class_is_exercised(records: dict[str, list[object]]) -> None:
    assert len(RECORD_CLASSES) >= 39
    assert set(records) == set(RECORD_CLASSES) - set(UNREACHABLE_RECORDS)


def instances(records: dict[str, list[object]], name: str) -> list[object]:
    if name in UNREACHABLE_RECORDS:
        pytest.skip(UNREACHABLE_RECORDS[name])
    return records[name]


def plain_value(value: object) -> object:
    if is_record(value):
        return value.to_dict()
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    return value


def assert_no_records(value: object) -> None:
    assert not is_record(value), value
    if isinstance(value, (list, tuple)):
        for item in value:
            assert_no_records(item)
    if isinstance(value, dict):
        for item in value.values():
            assert_no_records(item)


@pytest.mark.parametrize("name", RECORD_CLASSES)
def test_record_repr(records: dict[str, list[object]], name: str) -> None:
    for record in instances(records, name):
        fields = type(record).__match_args__
        expected = ", ".join(f"{f}={getattr(record, f)!r}" for f in fields)
        assert repr(record) == f"{name}({expected})"


@pytest.mark.parametrize("name", RECORD_CLASSES)
def test_record_to_dict(records: dict[str, list[object]], name: str) -> None:
    for record in instances(records, name):
        data = record.to_dict()
        assert type(data) is dict
        assert list(data) == list(type(record).__match_args__)
        for field, value in data.items():
            assert value == plain_value(getattr(record, field)), field
        assert_no_records(data)
        assert json.loads(json.dumps(data, default=str)).keys() == data.keys()


@pytest.mark.parametrize("name", RECORD_CLASSES)
def test_record_equality_and_immutability(records: dict[str, list[object]], name: str) -> None:
    found = instances(records, name)
    for record in found:
        assert record == record
        assert not (record != record)
        assert record != object()
        assert (record == record.to_dict()) is False
        field = type(record).__match_args__[0]
        with pytest.raises(AttributeError):
            setattr(record, field, getattr(record, field))
        with pytest.raises(TypeError):
            hash(record)
    for a in found:
        for b in found:
            assert (a == b) == (a.to_dict() == b.to_dict())
    with pytest.raises(TypeError):
        getattr(inventario, name)()  # records are made by the library only


@pytest.mark.parametrize("name", RECORD_CLASSES)
def test_record_match_args(records: dict[str, list[object]], name: str) -> None:
    for record in instances(records, name):
        cls = type(record)
        fields = cls.__match_args__
        assert type(fields) is tuple and fields and all(type(f) is str for f in fields)
        if sys.version_info < (3, 10):
            continue
        captures = [f"v{i}" for i in range(len(fields))]
        source = (
            "match record:\n"
            f"    case cls({', '.join(captures)}):\n"
            f"        result = [{', '.join(captures)}]\n"
            "    case _:\n"
            "        result = None\n"
        )
        namespace = {"record": record, "cls": cls}
        exec(source, namespace)  # match statements need Python 3.10 to parse
        assert namespace["result"] is not None
        assert namespace["result"] == [getattr(record, f) for f in fields]


def test_records_read_back_equal(shop: Shop) -> None:
    inv = shop.inv
    assert inv.product(shop.queso.id) == shop.queso
    assert inv.product(shop.queso.id) is not shop.queso
    assert inv.product(shop.coca.id) != shop.coca  # its average cost moved with the receipt
    assert inv.product(shop.coca.id).average_cost == Decimal("2100.0000")
    assert inv.locations() == [shop.deposito, shop.salon]
    assert inv.stock() == inv.stock()
    assert inv.stock(product=shop.coca.id) != inv.stock(product=shop.queso.id)


# --- the API surface ----------------------------------------------------------------------------

TESTS_DIR = pathlib.Path(__file__).parent
CLASSES_WITH_CALLS = [inventario.Inventory, inventario.Keyring, inventario.FieldCipher,
                      inventario.MovementRequest, inventario.DataKey, inventario.BlindIndexKey]


def suite_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(TESTS_DIR.glob("*.py")))


@pytest.mark.parametrize("cls", CLASSES_WITH_CALLS, ids=lambda c: c.__name__)
def test_every_public_call_is_exercised_by_the_suite(cls: type) -> None:
    """Guards the "round trip of every public call": a method added to the binding without a
    test fails here."""
    source = suite_source()
    public = [name for name in dir(cls) if not name.startswith("_")]
    assert public
    missing = [name for name in public if not re.search(rf"\.{name}\b", source)]
    assert missing == [], f"{cls.__name__} members no test calls: {missing}"
    for dunder in ("__enter__", "__exit__"):
        if hasattr(cls, dunder):
            assert "with inventario.open" in source


def test_every_export_is_used_by_the_suite() -> None:
    source = suite_source()
    assert sorted(inventario.__all__) == sorted(set(inventario.__all__))
    for name in inventario.__all__:
        assert hasattr(inventario, name), name
    missing = [name for name in inventario.__all__
               if name not in RECORD_CLASSES and name != "__version__"
               and f"inventario.{name}" not in source]
    assert missing == []
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", inventario.__version__)
