"""Keyring and FieldCipher: every method, rotation, re-encryption with progress, scopes and
crypto-shredding."""

from __future__ import annotations

import datetime
import pathlib
import sqlite3
from decimal import Decimal
from typing import Any

import pytest

import inventario
from conftest import MASTER_KEY, OTHER_MASTER_KEY, make_shop


def stored_key_ids(path: pathlib.Path, table: str, column: str) -> set[int]:
    """The key ids named by the envelopes a column holds (read straight from the file)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(f"SELECT {column} FROM {table}").fetchall()  # noqa: S608 - fixed names
    finally:
        db.close()
    return {inventario.envelope_key_id(row[0]) for row in rows}


# --- Keyring ------------------------------------------------------------------------------------


def test_open_keyring_and_its_handle(tmp_db: str) -> None:
    with inventario.open_keyring(tmp_db, master_key=MASTER_KEY) as keyring:
        assert isinstance(keyring, inventario.Keyring)
        assert not keyring.closed
        assert keyring.mk_version == 1
        assert repr(keyring) == "Keyring(mk_version=1)"
        keys = keyring.keys()
        assert all(isinstance(k, inventario.KeyInfo) for k in keys)
        assert {(k.purpose, k.scope, k.status) for k in keys} >= {("data", "global", "active")}
        assert all(k.mk_version == 1 for k in keys)
        assert [k.id for k in keys] == sorted(k.id for k in keys)
    assert keyring.closed
    assert repr(keyring) == "Keyring(closed)"
    for call in (keyring.keys, keyring.field_cipher, keyring.refresh, lambda: keyring.mk_version,
                 lambda: keyring.create_scope("x"), keyring.reencrypt):
        with pytest.raises(inventario.InventarioError, match="closed"):
            call()
    keyring.close()  # twice is fine


def test_keyring_tenant_and_actor(tmp_db: str) -> None:
    with inventario.open_keyring(tmp_db, master_key=MASTER_KEY, tenant="sucursal-norte",
                                 actor="ops-ana") as keyring:
        scope_key = keyring.create_scope("facturas")
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t",
                         tenant="sucursal-norte") as inv:
        created = [e for e in inv.audit_events(limit=100) if e.event_type == "KEY_CREATED"
                   and e.key_id == scope_key]
        assert [e.actor for e in created] == ["ops-ana"]
        assert created[0].detail == {"purpose": "data", "scope": "facturas"}
    with inventario.open_keyring(tmp_db, master_key=MASTER_KEY) as default_tenant:
        assert all(k.scope != "facturas" for k in default_tenant.keys())
    with pytest.raises(inventario.ValidationError):
        inventario.open_keyring(tmp_db, master_key=MASTER_KEY, tenant="No Vale")
    with pytest.raises(inventario.ValidationError):
        inventario.open_keyring(tmp_db, master_key=MASTER_KEY, actor="")
    with pytest.raises(TypeError):
        inventario.open_keyring(tmp_db, master_key=1234)


def test_scopes_and_destroy_scope(tmp_db: str) -> None:
    with inventario.open_keyring(tmp_db, master_key=MASTER_KEY) as keyring:
        key_id = keyring.create_scope("proveedor:acme")
        assert keyring.create_scope("proveedor:acme") == key_id  # idempotent
        cipher = keyring.field_cipher("proveedor:acme")
        assert cipher.scope == "proveedor:acme"
        assert repr(cipher) == 'FieldCipher(scope="proveedor:acme")'
        sealed = cipher.encrypt("CBU 0000003100010000000001", "acme", "cbu", 1)
        assert inventario.envelope_key_id(sealed) == key_id
        # Any cipher of the keyring opens it: the envelope names its key.
        assert keyring.field_cipher().decrypt(sealed, "acme", "cbu", 1).startswith("CBU")
        with pytest.raises(inventario.ValidationError, match="create_scope"):
            keyring.field_cipher("nunca-creado").encrypt("x", "t", "c", 1)

        assert keyring.destroy_scope("proveedor:acme") == [key_id]
        (info,) = [k for k in keyring.keys() if k.id == key_id]
        assert info.status == "destroyed"
        with pytest.raises(inventario.KeyNotFoundError) as error:
            cipher.decrypt(sealed, "acme", "cbu", 1)
        assert error.value.kind == "KeyDestroyed"
        assert error.value.key_id == key_id
        assert isinstance(error.value, KeyError)


def test_refresh_sees_keys_made_by_another_handle(tmp_db: str) -> None:
    with inventario.open_keyring(tmp_db, master_key=MASTER_KEY) as first, \
            inventario.open_keyring(tmp_db, master_key=MASTER_KEY) as second:
        key_id = first.create_scope("compartido")
        sealed = first.field_cipher("compartido").encrypt(42, "t", "c", 1)
        assert all(k.id != key_id for k in second.keys())
        assert second.refresh() is None
        assert any(k.id == key_id for k in second.keys())
        assert second.field_cipher().decrypt(sealed, "t", "c", 1) == 42


def test_rotate_data_key(tmp_db: str) -> None:
    with inventario.open_keyring(tmp_db, master_key=MASTER_KEY) as keyring:
        cipher = keyring.field_cipher()
        old = cipher.encrypt("antes", "t", "c", 1)
        rotation = keyring.rotate_data_key()
        assert isinstance(rotation, inventario.DataKeyRotation)
        assert rotation.job_id >= 1
        statuses = {k.id: k.status for k in keyring.keys() if k.purpose == "data"}
        assert statuses[rotation.key_id] == "active"
        assert statuses[inventario.envelope_key_id(old)] == "decrypt_only"
        new = cipher.encrypt("después", "t", "c", 1)
        assert inventario.envelope_key_id(new) == rotation.key_id
        assert cipher.decrypt(old, "t", "c", 1) == "antes"
        # A scope of the caller's own has no stored column to re-encrypt.
        keyring.create_scope("mio")
        assert keyring.rotate_data_key(scope="mio").key_id != rotation.key_id
        reports = keyring.reencrypt()
        assert {r.scope for r in reports} == {"global", "mio"}
        assert all(r.rows_done == 0 for r in reports)  # nothing of the store was sealed yet


def test_reencrypt_with_progress_and_a_callback_that_stops_it(
        tmp_path: pathlib.Path, tmp_db: str) -> None:
    path = tmp_path / "t.db"
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        shop = make_shop(inv)
        for i in range(5):
            product = inv.create_product(f"ART-{i}", f"Artículo {i}", Decimal("100"))
            inv.receive(product.id, shop.salon.id, 1, Decimal("50"))
    # The file is read only while no handle has it open: a second SQLite library in the same
    # process cannot see the WAL of an open store.
    (old_key,) = stored_key_ids(path, "products", "average_cost")

    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        keyring = inv.keyring()
        rotation = keyring.rotate_data_key()
        assert rotation.key_id != old_key
        seen: list[inventario.ReencryptProgress] = []

        def stop_at_first(progress: inventario.ReencryptProgress) -> None:
            seen.append(progress)
            raise KeyboardInterrupt("parar")  # even a BaseException stops it cleanly

        with pytest.raises(KeyboardInterrupt, match="parar"):
            keyring.reencrypt(batch=2, progress=stop_at_first)
        assert len(seen) == 1  # not called again once it raised
        (first,) = seen
        assert isinstance(first, inventario.ReencryptProgress)
        assert (first.job_id, first.scope) == (rotation.job_id, "global")
        assert first.rows_done == 2 and first.columns_done == 0
        assert first.column == "products.average_cost"
        assert first.columns_total >= 2
        assert inv.product(shop.coca.id).average_cost == Decimal("2100.0000")

    # The job stopped part-way: the first batch is under the new key, the rest not yet.
    assert stored_key_ids(path, "products", "average_cost") == {old_key, rotation.key_id}

    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        keyring = inv.keyring()
        progress: list[inventario.ReencryptProgress] = []
        (report,) = keyring.reencrypt(batch=2, progress=progress.append)
        assert isinstance(report, inventario.ReencryptReport)
        assert (report.job_id, report.scope, report.active_key) == (
            rotation.job_id, "global", rotation.key_id)
        assert [p.rows_done for p in progress] == sorted(p.rows_done for p in progress)
        assert progress[0].rows_done > first.rows_done  # resumed, not restarted
        assert progress[-1].columns_done == progress[-1].columns_total
        assert report.rows_done == progress[-1].rows_done
        assert keyring.reencrypt() == []  # nothing left
        # Everything still reads.
        assert inv.product(shop.coca.id).average_cost == Decimal("2100.0000")
        assert inv.verify_ledger().ok
        assert inv.verify_audit().ok

    assert stored_key_ids(path, "products", "average_cost") == {rotation.key_id}
    assert stored_key_ids(path, "stock_movements", "unit_cost") == {rotation.key_id}
    with inventario.open_keyring(tmp_db, master_key=MASTER_KEY) as keyring, \
            pytest.raises(TypeError):
        keyring.reencrypt(batch="10")


def test_reencrypt_callback_exception_keeps_its_class(tmp_db: str) -> None:
    class Stop(Exception):
        pass

    def stop(progress: Any) -> None:
        raise Stop(progress.rows_done)

    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        make_shop(inv)
        keyring = inv.keyring()
        keyring.rotate_data_key()
        with pytest.raises(Stop):
            keyring.reencrypt(batch=1, progress=stop)
        reports = keyring.reencrypt(batch=1)
        assert len(reports) == 1 and reports[0].rows_done >= 2


def test_rotate_master_key_then_reopen(tmp_db: str) -> None:
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        shop = make_shop(inv)
        customer = inv.create_customer("C-1", "Ana", email="ana@example.com")
        sealed = inv.field_cipher().encrypt("propio", "t", "c", 1)
        keyring = inv.keyring()
        keys_with_material = [k for k in keyring.keys() if k.status != "destroyed"]
        rotation = keyring.rotate_master_key(OTHER_MASTER_KEY)
        assert isinstance(rotation, inventario.MasterKeyRotation)
        assert rotation.mk_version == 2
        assert rotation.rewrapped == len(keys_with_material)
        assert keyring.mk_version == 2
        assert all(k.mk_version == 2 for k in keyring.keys())
        # The open handle keeps working.
        assert inv.customer_identity(customer.id).email == "ana@example.com"

    with pytest.raises(inventario.DecryptionError) as old:
        inventario.open(tmp_db, master_key=MASTER_KEY, actor="t")
    assert old.value.kind == "WrongMasterKey"
    with inventario.open(tmp_db, master_key=OTHER_MASTER_KEY, actor="t") as inv:
        assert inv.keyring().mk_version == 2
        assert inv.product(shop.coca.id).average_cost == Decimal("2100.0000")
        assert inv.customer_identity(customer.id).email == "ana@example.com"
        assert inv.field_cipher().decrypt(sealed, "t", "c", 1) == "propio"
        keyring = inv.keyring()
        with pytest.raises(TypeError, match="None"):
            keyring.rotate_master_key(None)
        with pytest.raises(TypeError):
            keyring.rotate_master_key(12345)
        with pytest.raises(inventario.ValidationError):
            keyring.rotate_master_key("00" * 32)  # weak
        with pytest.raises(inventario.ValidationError):
            keyring.rotate_master_key(b"short")
        # Raw bytes work too.
        assert keyring.rotate_master_key(bytes.fromhex(MASTER_KEY)).mk_version == 3
    with inventario.open_keyring(tmp_db, master_key=MASTER_KEY) as keyring:
        assert keyring.mk_version == 3


# --- FieldCipher --------------------------------------------------------------------------------

VALUES = ["ana@example.com", -7, Decimal("1234.50"), b"\x00\xff", datetime.date(2024, 2, 29)]


def test_field_cipher_round_trips(inv: inventario.Inventory) -> None:
    cipher = inv.keyring().field_cipher()
    for value in VALUES:
        sealed = cipher.encrypt(value, "clientes", "dato", 7)
        assert type(sealed) is bytes
        opened = cipher.decrypt(sealed, "clientes", "dato", "7")
        assert type(opened) is type(value) and opened == value
        with pytest.raises(inventario.DecryptionError):
            cipher.decrypt(sealed, "clientes", "dato", 8)
        with pytest.raises(inventario.DecryptionError):
            cipher.decrypt(sealed, "clientes", "otro", 7)
    assert cipher.with_scope("global").scope == "global"
    with pytest.raises(TypeError):
        cipher.encrypt(1.5, "t", "c", 1)
    with pytest.raises(TypeError):
        cipher.encrypt("x", "t", "c", None)
    with pytest.raises(TypeError):
        cipher.decrypt("not bytes", "t", "c", 1)
    with pytest.raises(inventario.ValidationError):
        cipher.encrypt("x", "t", "", 1)


def test_field_cipher_bulk_calls(inv: inventario.Inventory) -> None:
    cipher = inv.field_cipher()
    items = [(value, "clientes", "dato", i) for i, value in enumerate(VALUES)]
    sealed = cipher.encrypt_many(items)
    assert len(sealed) == len(VALUES) and all(type(s) is bytes for s in sealed)
    assert cipher.encrypt_many([]) == []
    opened = cipher.decrypt_many([(s, "clientes", "dato", i) for i, s in enumerate(sealed)])
    assert opened == VALUES
    assert cipher.decrypt_many(iter([])) == []

    # One bad item: raises with its index, or takes its place with return_exceptions.
    mixed = [(sealed[0], "clientes", "dato", 0), (sealed[1], "clientes", "dato", 99),
             (b"\x01junk", "clientes", "dato", 2), (sealed[3], "clientes", "dato", 3)]
    with pytest.raises(inventario.DecryptionError) as info:
        cipher.decrypt_many(mixed)
    assert info.value.index == 1
    assert info.value.kind == "AuthenticationFailed"
    results = cipher.decrypt_many(mixed, return_exceptions=True)
    assert results[0] == VALUES[0] and results[3] == VALUES[3]
    assert isinstance(results[1], inventario.DecryptionError) and results[1].index == 1
    assert isinstance(results[2], inventario.DecryptionError) and results[2].index == 2
    assert results[2].kind == "Malformed"

    with pytest.raises(TypeError, match="item 0"):
        cipher.decrypt_many([(sealed[0], "clientes", "dato")])
    with pytest.raises(TypeError, match="item 1"):
        cipher.decrypt_many([(sealed[0], "clientes", "dato", 0), ("texto", "t", "c", 1)])
    with pytest.raises(TypeError):
        cipher.encrypt_many([("ok", "t", "c", 1), (1.5, "t", "c", 2)])  # all or nothing
    with pytest.raises(TypeError):
        cipher.encrypt_many(5)


def test_field_cipher_blind_index(inv: inventario.Inventory) -> None:
    keyring = inv.keyring()
    cipher = keyring.field_cipher()
    with pytest.raises(inventario.ValidationError, match="add_blind_index"):
        cipher.blind_index("clientes", "email", "ana@example.com")
    assert keyring.add_blind_index("clientes", "email") is None
    keyring.add_blind_index("clientes", "email")  # idempotent
    assert any(k.purpose == "blind_index" and k.scope.endswith("clientes.email")
               for k in keyring.keys())

    index = cipher.blind_index("clientes", "email", " Ana@Example.COM ", normalizer="email")
    assert type(index) is bytes and len(index) == 16
    assert cipher.blind_index("clientes", "email", "ana@example.com", normalizer="email") == index
    assert cipher.blind_index("clientes", "email", " Ana@Example.COM ") != index  # exact
    assert len(cipher.blind_index("clientes", "email", "x", length=32)) == 32
    keyring.add_blind_index("clientes", "cuit")
    assert (cipher.blind_index("clientes", "cuit", "20-12345678-6", normalizer="digits")
            == cipher.blind_index("clientes", "cuit", "20123456786", normalizer="digits"))
    # Keys differ per column.
    assert (cipher.blind_index("clientes", "cuit", "x")
            != cipher.blind_index("clientes", "email", "x"))
    with pytest.raises(inventario.ValidationError, match="normalizer"):
        cipher.blind_index("clientes", "email", "x", normalizer="upper")
    for length in (7, 33, 256, -1):
        with pytest.raises(inventario.ValidationError):
            cipher.blind_index("clientes", "email", "x", length=length)
    with pytest.raises(TypeError):
        cipher.blind_index("clientes", "email", 5)


# --- crypto-shredding ---------------------------------------------------------------------------


def test_erase_customer(inv: inventario.Inventory) -> None:
    ana = inv.create_customer("C-1", "Ana", surname="Pérez", document_type="dni",
                              document="12345678", email="ana@example.com")
    ben = inv.create_customer("C-2", "Ben", email="ben@example.com")
    receipt = inv.erase_subject("customer", ana.id)
    assert isinstance(receipt, inventario.ErasureReceipt)
    assert (receipt.kind, receipt.id) == ("customer", ana.id)
    assert len(receipt.destroyed_keys) == 1
    assert "customers.email" in receipt.unreadable_fields
    assert receipt.blind_indexes_removed == 2
    assert receipt.erased_at.tzinfo is not None

    with pytest.raises(inventario.KeyNotFoundError) as info:
        inv.customer_identity(ana.id)
    assert info.value.kind == "KeyDestroyed"
    assert info.value.key_id == receipt.destroyed_keys[0]
    assert "destroyed" in str(info.value)
    assert inv.customer(ana.id).erased_at == receipt.erased_at
    assert inv.find_customers_by_email("ana@example.com") == []
    assert inv.find_customers_by_document("dni", "12345678") == []
    # Others are untouched.
    assert inv.customer_identity(ben.id).email == "ben@example.com"
    destroyed = [e for e in inv.audit_events(limit=100) if e.event_type == "KEY_DESTROYED"]
    assert [(e.table, e.key) for e in destroyed] == [("customers", str(ana.id))]
    assert destroyed[0].detail["destroyed_keys"] == receipt.destroyed_keys


def test_erase_supplier(inv: inventario.Inventory) -> None:
    supplier = inv.create_supplier("COCA", "Coca SA", cuit="30-50000000-3", phone="1")
    receipt = inv.erase_subject("supplier", supplier.id)
    assert (receipt.kind, receipt.id) == ("supplier", supplier.id)
    with pytest.raises(inventario.KeyNotFoundError) as info:
        inv.supplier_contact(supplier.id)
    assert info.value.kind == "KeyDestroyed"
    assert inv.find_supplier_by_cuit("30500000003") is None
    assert inv.supplier(supplier.id).code == "COCA"  # the commercial record stays
