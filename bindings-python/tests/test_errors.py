"""The exception hierarchy, and which class each kind of failure raises (errors.rs's mapping)."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

import inventario
from conftest import MASTER_KEY, OTHER_MASTER_KEY, Shop, on_hand

ALL_ERRORS = [
    inventario.ValidationError,
    inventario.InsufficientStockError,
    inventario.IdempotencyConflictError,
    inventario.DecryptionError,
    inventario.KeyNotFoundError,
    inventario.AuditError,
    inventario.StoreError,
]


def test_hierarchy() -> None:
    assert issubclass(inventario.InventarioError, Exception)
    for cls in ALL_ERRORS:
        assert issubclass(cls, inventario.InventarioError), cls
        assert cls.__module__ == "inventario"
        assert cls.__doc__
    assert issubclass(inventario.ValidationError, ValueError)
    assert issubclass(inventario.DecryptionError, ValueError)
    assert issubclass(inventario.KeyNotFoundError, inventario.DecryptionError)
    assert issubclass(inventario.KeyNotFoundError, KeyError)
    for cls in (
        inventario.InsufficientStockError,
        inventario.IdempotencyConflictError,
        inventario.AuditError,
        inventario.StoreError,
    ):
        assert not issubclass(cls, ValueError), cls
    assert not issubclass(inventario.InventarioError, ValueError)


def test_errors_carry_none_for_attributes_they_do_not_set() -> None:
    """`e.line`, `e.kind` ... read None rather than raising AttributeError."""
    assert inventario.ValidationError("x").line is None
    assert inventario.ValidationError("x").kind is None
    assert inventario.KeyNotFoundError("x").key_id is None
    assert inventario.InsufficientStockError("x").available is None
    assert inventario.IdempotencyConflictError("x").key is None


def test_key_not_found_str_is_not_quoted() -> None:
    key = inventario.DataKey(1, bytes(range(32)))
    sealed = key.seal("x", "t", "c", "r")
    with pytest.raises(KeyError) as info:  # catchable as a KeyError
        inventario.DataKey(2, bytes(range(32))).open(sealed, "t", "c", "r")
    error = info.value
    assert type(error) is inventario.KeyNotFoundError
    assert str(error) == "unknown data key id 1"
    assert not str(error).startswith("'")
    assert str(KeyError("unknown data key id 1")).startswith("'")  # what KeyError would do
    assert error.kind == "UnknownKey"
    assert error.key_id == 1


def test_insufficient_stock(shop: Shop) -> None:
    with pytest.raises(inventario.InsufficientStockError) as info:
        shop.inv.sell(shop.coca.id, shop.salon.id, 25)
    error = info.value
    assert type(error.available) is Decimal and error.available == Decimal(24)
    assert type(error.requested) is Decimal and error.requested == Decimal(25)
    assert error.kind == "InsufficientStock"
    assert error.line is None
    assert not isinstance(error, ValueError)
    assert on_hand(shop.inv, shop.coca.id, shop.salon.id) == 24


def test_idempotency_replay_and_conflict(shop: Shop) -> None:
    first = shop.inv.sell(shop.coca.id, shop.salon.id, 2, idempotency_key="venta-1")
    again = shop.inv.sell(shop.coca.id, shop.salon.id, 2, idempotency_key="venta-1")
    assert not first.replayed
    assert again.replayed
    assert again.movements[0].id == first.movements[0].id
    assert on_hand(shop.inv, shop.coca.id, shop.salon.id) == 22

    with pytest.raises(inventario.IdempotencyConflictError) as info:
        shop.inv.sell(shop.coca.id, shop.salon.id, 3, idempotency_key="venta-1")
    assert info.value.key == "venta-1"
    assert "venta-1" in str(info.value)
    assert on_hand(shop.inv, shop.coca.id, shop.salon.id) == 22


def test_audit_error_for_a_garbage_checkpoint(inv: inventario.Inventory) -> None:
    with pytest.raises(inventario.AuditError) as info:
        inv.verify_audit(since="garbage checkpoint")
    assert "checkpoint" in str(info.value)


def test_store_error_when_the_database_refuses_connections() -> None:
    with pytest.raises(inventario.StoreError) as info:
        inventario.open("postgres://nobody@127.0.0.1:1/x", master_key=MASTER_KEY, actor="t")
    assert "refused" in str(info.value).lower()


@pytest.mark.parametrize("url", ["notaurl", "mysql://x@y/z", ""])
def test_store_error_for_a_malformed_url(url: str) -> None:
    with pytest.raises(inventario.StoreError) as info:
        inventario.open(url, master_key=MASTER_KEY, actor="t")
    assert "URL" in str(info.value)


def test_wrong_master_key_on_reopen(tmp_db: str) -> None:
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as handle:
        handle.create_location("LOCAL", "Salón")
    with pytest.raises(inventario.DecryptionError) as info:
        inventario.open(tmp_db, master_key=OTHER_MASTER_KEY, actor="t")
    assert type(info.value) is inventario.DecryptionError
    assert info.value.kind == "WrongMasterKey"
    with pytest.raises(inventario.DecryptionError) as info:
        inventario.open_keyring(tmp_db, master_key=OTHER_MASTER_KEY)
    assert info.value.kind == "WrongMasterKey"
    # The right key still opens it.
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as handle:
        assert [loc.code for loc in handle.locations()] == ["LOCAL"]


def test_batch_refusal_names_the_line_and_writes_nothing(shop: Shop) -> None:
    inv = shop.inv
    before = len(inv.movements_since(limit=1000))
    batch = [
        inventario.MovementRequest.sale(shop.coca.id, shop.salon.id, 1),
        inventario.MovementRequest.sale(shop.coca.id, shop.salon.id, 100),
        inventario.MovementRequest.sale(shop.coca.id, shop.salon.id, 1),
    ]
    with pytest.raises(inventario.InsufficientStockError) as info:
        inv.record_movements(batch)
    assert info.value.line == 1
    assert info.value.requested == 100
    assert str(info.value).startswith("line 1:")
    assert on_hand(inv, shop.coca.id, shop.salon.id) == 24
    assert len(inv.movements_since(limit=1000)) == before

    batch[1] = inventario.MovementRequest.receipt(999, shop.salon.id, 1, 1)
    with pytest.raises(inventario.ValidationError) as vinfo:
        inv.record_movements(batch)
    assert vinfo.value.line == 1
    assert vinfo.value.kind == "ProductNotFound"
    assert on_hand(inv, shop.coca.id, shop.salon.id) == 24

    # The same batch without the bad line goes through whole.
    recorded = inv.record_movements([batch[0], batch[2]])
    assert [r.movements[0].after for r in recorded] == [Decimal(23), Decimal(22)]


def test_single_refusal_has_no_line(shop: Shop) -> None:
    with pytest.raises(inventario.ValidationError) as info:
        shop.inv.sell(999, shop.salon.id, 1)
    assert info.value.line is None
    assert info.value.kind == "ProductNotFound"


def test_validation_error_kinds(inv: inventario.Inventory) -> None:
    inv.create_location("LOCAL", "Salón")
    with pytest.raises(inventario.ValidationError) as info:
        inv.create_location("LOCAL", "Otro")
    assert info.value.kind == "DuplicateLocationCode"
    with pytest.raises(ValueError):  # a ValidationError is a ValueError
        inv.create_product("not a sku!", "x", 1)


def test_decryption_errors_of_a_field_cipher(inv: inventario.Inventory) -> None:
    cipher = inv.field_cipher()
    sealed = cipher.encrypt("+54 11 5555-0101", "clientes", "telefono", 7)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(inventario.DecryptionError) as info:
        cipher.decrypt(tampered, "clientes", "telefono", 7)
    assert info.value.kind == "AuthenticationFailed"
    with pytest.raises(inventario.DecryptionError) as info:
        cipher.decrypt(b"\x01junk", "clientes", "telefono", 7)
    assert info.value.kind == "Malformed"


def test_closed_handle_raises_the_base_class(inv: inventario.Inventory) -> None:
    inv.close()
    with pytest.raises(inventario.InventarioError) as info:
        inv.locations()
    assert type(info.value) is inventario.InventarioError
    assert "closed" in str(info.value)


def test_type_errors_are_not_inventario_errors(inv: inventario.Inventory) -> None:
    with pytest.raises(TypeError) as info:
        inv.create_product("BEB-1", "x", 1.5)
    assert not isinstance(info.value, inventario.InventarioError)


def test_errors_pickle_with_their_attributes(shop: Shop) -> None:
    with pytest.raises(inventario.InsufficientStockError) as info:
        shop.inv.sell(shop.coca.id, shop.salon.id, 30)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is inventario.InsufficientStockError
    assert str(copy) == str(info.value)
    assert copy.available == Decimal(24)
    assert copy.requested == Decimal(30)
