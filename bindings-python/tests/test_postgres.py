"""A handful of round trips on both backends: a SQLite file, and PostgreSQL when
INVENTARIO_TEST_PG_URL is set (each test in a new schema, dropped afterwards)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

import inventario
from conftest import MASTER_KEY, OTHER_MASTER_KEY, make_shop, on_hand


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_db: str) -> str:
    if request.param == "sqlite":
        return tmp_db
    return request.getfixturevalue("pg_url")


def test_stock_round_trip_and_reopen(store_url: str) -> None:
    with inventario.open(store_url, master_key=MASTER_KEY, actor="caja-1") as inv:
        shop = make_shop(inv)
        inv.sell(shop.coca.id, shop.salon.id, 3, idempotency_key="t-1")
        inv.transfer(shop.coca.id, shop.salon.id, shop.deposito.id, 5)
        inv.receive(shop.queso.id, shop.deposito.id, Decimal("2.125"), Decimal("8000.5"))
        with pytest.raises(inventario.InsufficientStockError) as info:
            inv.record_movements([
                inventario.MovementRequest.sale(shop.coca.id, shop.salon.id, 1),
                inventario.MovementRequest.sale(shop.coca.id, shop.salon.id, 100),
            ])
        assert info.value.line == 1
        assert info.value.available == 15  # after the batch's own first line
        checkpoint = inv.audit_checkpoint()

    with inventario.open(store_url, master_key=MASTER_KEY, actor="caja-2") as inv:
        assert on_hand(inv, shop.coca.id, shop.salon.id) == 16
        assert on_hand(inv, shop.coca.id, shop.deposito.id) == 5
        assert on_hand(inv, shop.queso.id, shop.deposito.id) == Decimal("2.125")
        assert inv.product(shop.queso.id).average_cost == Decimal("8000.5000")
        replay = inv.sell(shop.coca.id, shop.salon.id, 3, idempotency_key="t-1")
        assert replay.replayed
        assert [m.kind for m in inv.history().items] == [
            "receipt", "transfer_in", "transfer_out", "sale", "receipt"]
        assert inv.verify_ledger().ok
        assert inv.verify_audit().ok
        assert inv.verify_audit(since=checkpoint).ok


def test_wrong_master_key_and_rotation(store_url: str) -> None:
    with inventario.open(store_url, master_key=MASTER_KEY, actor="t") as inv:
        customer = inv.create_customer("C-1", "Ana", document_type="dni", document="12345678",
                                       email="ana@example.com")
        assert inv.keyring().rotate_master_key(OTHER_MASTER_KEY).mk_version == 2
    with pytest.raises(inventario.DecryptionError) as info:
        inventario.open(store_url, master_key=MASTER_KEY, actor="t")
    assert info.value.kind == "WrongMasterKey"
    with inventario.open(store_url, master_key=OTHER_MASTER_KEY, actor="t") as inv:
        assert inv.customer_identity(customer.id).email == "ana@example.com"
        assert inv.find_customers_by_document("dni", "12.345.678") == [inv.customer(customer.id)]
        inv.erase_subject("customer", customer.id)
        with pytest.raises(inventario.KeyNotFoundError) as erased:
            inv.customer_identity(customer.id)
        assert erased.value.kind == "KeyDestroyed"


def test_reencrypt_resumes_after_a_raising_callback(store_url: str) -> None:
    with inventario.open(store_url, master_key=MASTER_KEY, actor="t") as inv:
        shop = make_shop(inv)
        inv.receive(shop.queso.id, shop.salon.id, 3, Decimal("8000"))
        keyring = inv.keyring()
        rotation = keyring.rotate_data_key()

        def stop(progress: inventario.ReencryptProgress) -> None:
            raise RuntimeError(f"stopped at {progress.rows_done}")

        with pytest.raises(RuntimeError, match="stopped at 1"):
            keyring.reencrypt(batch=1, progress=stop)
        (report,) = keyring.reencrypt(batch=1)
        assert (report.job_id, report.active_key) == (rotation.job_id, rotation.key_id)
        assert report.rows_done >= 4
        assert inv.product(shop.coca.id).average_cost == Decimal("2100.0000")


def test_threads_share_a_handle(store_url: str) -> None:
    with inventario.open(store_url, master_key=MASTER_KEY, actor="t", max_connections=4) as inv:
        shop = make_shop(inv)
        sold: list[int] = []
        failures: list[BaseException] = []

        def cashier() -> None:
            for _ in range(10):
                try:
                    inv.sell(shop.coca.id, shop.salon.id, 1)
                    sold.append(1)
                except inventario.InsufficientStockError:
                    pass
                except BaseException as e:  # noqa: BLE001 - reported below
                    failures.append(e)

        threads = [threading.Thread(target=cashier) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert len(sold) == 24
        assert on_hand(inv, shop.coca.id, shop.salon.id) == 0
        assert inv.verify_ledger().ok
