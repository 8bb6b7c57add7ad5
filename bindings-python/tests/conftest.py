"""Shared fixtures of the `inventario` Python test suite.

Stores are SQLite (in memory, or a file under pytest's `tmp_path`); PostgreSQL is used only by
`test_postgres.py` and only when INVENTARIO_TEST_PG_URL is set, each test in a schema of its own.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

import pytest

import inventario

# A fixed random-looking master key: 64 hex digits skip PBKDF2 (a passphrase costs 600,000
# iterations), so opening a store is cheap.
MASTER_KEY = "8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76"
OTHER_MASTER_KEY = "3c9e7a15d2b84f06e1a7c3592db8f04a6e15c9b7d3a2f80e4b6c1d9a7f35e208"

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTORS_PATH = REPO_ROOT / "tests" / "vectors" / "envelope_v1.json"

PG_ENV = "INVENTARIO_TEST_PG_URL"


def load_vectors() -> dict[str, Any]:
    with VECTORS_PATH.open(encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture
def inv() -> Iterator[inventario.Inventory]:
    """A fresh in-memory store."""
    with inventario.open("sqlite::memory:", master_key=MASTER_KEY, actor="tester") as handle:
        yield handle


@pytest.fixture
def tmp_db(tmp_path: pathlib.Path) -> str:
    """The URL of a new SQLite file (created on first open)."""
    return f"sqlite://{tmp_path}/t.db?mode=rwc"


@dataclass
class Shop:
    """A store with two locations and two products, one with stock."""

    inv: inventario.Inventory
    salon: inventario.Location
    deposito: inventario.Location
    coca: inventario.Product  # unidad, 24 received at the salon
    queso: inventario.Product  # kg, no stock


def make_shop(handle: inventario.Inventory) -> Shop:
    salon = handle.create_location("LOCAL", "Salón")
    deposito = handle.create_location("DEP", "Depósito")
    coca = handle.create_product("BEB-COCA-2L", "Coca-Cola 2 L", Decimal("3500.00"))
    queso = handle.create_product("LAC-QUESO", "Queso cremoso", Decimal("9000.00"), unit="kg")
    handle.receive(coca.id, salon.id, 24, Decimal("2100.00"))
    return Shop(handle, salon, deposito, coca, queso)


@pytest.fixture
def shop(inv: inventario.Inventory) -> Shop:
    return make_shop(inv)


def on_hand(handle: inventario.Inventory, product: int, location: int) -> Decimal:
    rows = handle.stock(product=product, location=location)
    return rows[0].on_hand if rows else Decimal(0)


def tamper(path: pathlib.Path, *statements: str) -> None:
    """Edits a closed store's SQLite file behind the library's back, as an intruder with write
    access to the file would."""
    db = sqlite3.connect(path)
    try:
        for statement in statements:
            db.execute(statement)
        db.commit()
    finally:
        db.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _psql(url: str, sql: str) -> None:
    subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-c%20search_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema (dropped afterwards)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgres://postgres@127.0.0.1:5432/test)")
    if shutil.which("psql") is None:
        pytest.skip("the psql client is not installed: it creates each test's schema")
    schema = f"inventario_py_{uuid.uuid4().hex[:12]}"
    _psql(base, f"CREATE SCHEMA {schema}")
    try:
        yield _with_search_path(base, schema)
    finally:
        _psql(base, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
