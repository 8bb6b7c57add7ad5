"""Money and quantities cross as decimal.Decimal: exact in, exact out; ints accepted; floats,
bools and strings refused with TypeError; non-finite and over-precise values with
ValidationError."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import pytest

import inventario
from conftest import Shop, on_hand


def test_prices_are_exact(inv: inventario.Inventory) -> None:
    price = Decimal("0.10") + Decimal("0.20")
    product = inv.create_product("GOL-CHICLE", "Chicle", price)
    assert type(product.sale_price) is Decimal
    assert product.sale_price == Decimal("0.30")
    assert str(product.sale_price) == "0.30"
    assert inv.product(product.id).sale_price == Decimal("0.30")


def test_money_and_quantities_come_back_as_decimals(shop: Shop) -> None:
    inv = shop.inv
    recorded = inv.receive(shop.queso.id, shop.salon.id, Decimal("1.125"), Decimal("8000.1234"))
    movement = recorded.movements[0]
    for value in (movement.quantity, movement.delta, movement.before, movement.after,
                  movement.unit_cost, movement.value):
        assert type(value) is Decimal
    assert movement.quantity == Decimal("1.125")
    assert movement.unit_cost == Decimal("8000.1234")
    assert str(movement.unit_cost) == "8000.1234"
    # 1.125 kg x 8000.1234 = 9000.138825, rounded to centavos.
    assert movement.value == Decimal("9000.14")
    row = inv.stock(product=shop.queso.id)[0]
    assert (row.on_hand, row.reserved, row.available) == (Decimal("1.125"), 0, Decimal("1.125"))
    assert all(type(v) is Decimal for v in (row.on_hand, row.reserved, row.available))


def test_ints_are_accepted(shop: Shop) -> None:
    inv = shop.inv
    product = inv.create_product("BEB-AGUA", "Agua", 900)
    assert product.sale_price == Decimal("900.00")
    recorded = inv.receive(product.id, shop.salon.id, 12, 450)
    assert recorded.movements[0].quantity == Decimal(12)
    assert recorded.movements[0].unit_cost == Decimal("450.0000")
    assert recorded.movements[0].value == Decimal("5400.00")


def test_tenths_of_a_kilo_add_up_exactly(shop: Shop) -> None:
    """Ten sales of 0.1 kg empty 1 kg exactly: the float sum 0.1 * 10 would not."""
    inv = shop.inv
    inv.receive(shop.queso.id, shop.salon.id, 1, Decimal("8000"))
    for _ in range(10):
        inv.sell(shop.queso.id, shop.salon.id, Decimal("0.1"))
    assert on_hand(inv, shop.queso.id, shop.salon.id) == Decimal(0)
    assert sum([0.1] * 10) != 1.0  # why floats are refused
    with pytest.raises(inventario.InsufficientStockError):
        inv.sell(shop.queso.id, shop.salon.id, Decimal("0.001"))


def calls(shop: Shop) -> dict[str, Callable[[Any], Any]]:
    """Every kind of entry point that reads an exact number, with the number as argument."""
    inv, coca, salon = shop.inv, shop.coca, shop.salon
    return {
        "create_product": lambda v: inv.create_product("NEW-1", "x", v),
        "update_product": lambda v: inv.update_product(coca.id, sale_price=v),
        "receive.quantity": lambda v: inv.receive(coca.id, salon.id, v, 1),
        "receive.unit_cost": lambda v: inv.receive(coca.id, salon.id, 1, v),
        "sell": lambda v: inv.sell(coca.id, salon.id, v),
        "MovementRequest.loss": lambda v: inventario.MovementRequest.loss(
            coca.id, salon.id, v, "damaged"),
        "adjust.delta": lambda v: inv.adjust(coca.id, salon.id, delta=v, reason="conteo"),
        "reserve": lambda v: inv.reserve(coca.id, salon.id, v),
        "create_location.capacity": lambda v: inv.create_location("X", "x", capacity=v),
        "create_order": lambda v: inv.create_order(1, [(coca.id, v, 1)]),
        "create_customer.credit_limit": lambda v: inv.create_customer(
            "C-1", "Ana", credit_limit=v),
    }


@pytest.mark.parametrize("value", [1.5, 0.1, float("nan")], ids=["1.5", "0.1", "nan"])
def test_floats_are_refused_everywhere(shop: Shop, value: float) -> None:
    for name, call in calls(shop).items():
        with pytest.raises(TypeError) as info:
            call(value)
        assert "Decimal" in str(info.value), name
        assert "float" in str(info.value), name
    assert on_hand(shop.inv, shop.coca.id, shop.salon.id) == 24


@pytest.mark.parametrize("value", [True, False, "1", b"1", [1]],
                         ids=["True", "False", "str", "bytes", "list"])
def test_other_types_are_refused(shop: Shop, value: Any) -> None:
    for name, call in calls(shop).items():
        with pytest.raises(TypeError) as info:
            call(value)
        assert "Decimal" in str(info.value), name


@pytest.mark.parametrize("text", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity"])
def test_non_finite_decimals_are_refused(shop: Shop, text: str) -> None:
    for name, call in calls(shop).items():
        with pytest.raises(inventario.ValidationError) as info:
            call(Decimal(text))
        assert "finite" in str(info.value), name


def test_too_many_decimals_are_refused(shop: Shop) -> None:
    inv = shop.inv
    with pytest.raises(inventario.ValidationError) as info:
        inv.create_product("BEB-X", "x", Decimal("1.001"))  # money: 2 decimals
    assert "2 decimals" in str(info.value)
    with pytest.raises(inventario.ValidationError):
        inv.receive(shop.coca.id, shop.salon.id, 1, Decimal("1.00001"))  # cost: 4 decimals
    with pytest.raises(inventario.ValidationError):
        inv.receive(shop.queso.id, shop.salon.id, Decimal("0.0001"), 1)  # quantity: 3 decimals
    with pytest.raises(inventario.ValidationError):
        inv.sell(shop.coca.id, shop.salon.id, Decimal("1.5"))  # unidad: whole units
    assert on_hand(inv, shop.coca.id, shop.salon.id) == 24
    assert inv.product_by_sku("BEB-X") is None


def test_trailing_zeros_and_exponents_are_just_values(inv: inventario.Inventory) -> None:
    assert inv.create_product("A-1", "a", Decimal("1.000")).sale_price == Decimal("1.00")
    assert inv.create_product("A-2", "a", Decimal("1E+2")).sale_price == Decimal("100.00")
    assert inv.create_product("A-3", "a", Decimal("-0")).sale_price == Decimal("0.00")


def test_out_of_range_numbers_are_refused(shop: Shop) -> None:
    inv = shop.inv
    with pytest.raises(inventario.ValidationError):
        inv.sell(shop.coca.id, shop.salon.id, 10**30)
    with pytest.raises(inventario.ValidationError):
        inv.sell(shop.coca.id, shop.salon.id, Decimal("1" + "0" * 40))
    with pytest.raises(inventario.ValidationError):
        inv.create_product("BIG-1", "x", Decimal(10**20))


def test_non_positive_quantities_are_refused(shop: Shop) -> None:
    for value in (0, -1, Decimal("-0.5")):
        with pytest.raises(inventario.ValidationError):
            shop.inv.sell(shop.coca.id, shop.salon.id, value)
    with pytest.raises(inventario.ValidationError):
        shop.inv.create_product("NEG-1", "x", Decimal("-1.00"))


def test_field_cipher_decimals_are_exact(inv: inventario.Inventory) -> None:
    cipher = inv.field_cipher()
    for text in ("0.10", "-1234.50", "7", "0.0000000000000000000000000001"):
        sealed = cipher.encrypt(Decimal(text), "precios", "costo", 1)
        value = cipher.decrypt(sealed, "precios", "costo", 1)
        assert type(value) is Decimal
        assert value.as_tuple() == Decimal(text).as_tuple()
    with pytest.raises(TypeError):
        cipher.encrypt(0.1, "precios", "costo", 1)
    with pytest.raises(inventario.ValidationError):
        cipher.encrypt(Decimal("Infinity"), "precios", "costo", 1)
