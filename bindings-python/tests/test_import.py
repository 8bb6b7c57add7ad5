"""`Inventory.import_legacy`: a legacy stock-service file with floats and plaintext personal data."""

from __future__ import annotations

import pathlib
import sqlite3

import pytest

import inventario

LEGACY = """
CREATE TABLE productos (id INTEGER PRIMARY KEY, codigo TEXT, nombre TEXT, descripcion TEXT,
  categoria TEXT, stock_actual INTEGER, stock_minimo INTEGER, stock_maximo INTEGER,
  precio_compra REAL, precio_venta REAL, proveedor_cuit TEXT, proveedor_nombre TEXT,
  activo INTEGER, created_at TEXT, updated_at TEXT);
CREATE TABLE movimientos_stock (id INTEGER PRIMARY KEY, producto_id INTEGER, tipo_movimiento TEXT,
  cantidad INTEGER, motivo TEXT, referencia TEXT, precio_unitario REAL, usuario TEXT,
  timestamp TEXT);
CREATE TABLE clientes (id INTEGER PRIMARY KEY, nombre TEXT, apellido TEXT, documento_numero TEXT,
  email TEXT);
INSERT INTO productos (id, codigo, nombre, stock_actual, precio_compra, precio_venta)
  VALUES (1, 'coca-2l', 'Coca-Cola 2 L', 10, 1049.3, 1499.999);
INSERT INTO movimientos_stock VALUES (1, 1, 'salida', -3, 'venta', NULL, NULL, 'ana',
  '2024-03-02 11:00:00');
INSERT INTO clientes VALUES (1, 'María', 'Gómez', '30123456', 'maria.gomez@correo.example');
"""


def legacy_file(tmp_path: pathlib.Path, extra: str = "") -> pathlib.Path:
    path = tmp_path / "inventario.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(LEGACY + extra)
    conn.close()
    return path


def test_import_reports_roundings_and_runs_once(
    inv: inventario.Inventory, tmp_path: pathlib.Path
) -> None:
    path = legacy_file(tmp_path)
    report = inv.import_legacy(path)
    assert report["layout"] == "stock-service"
    assert report["imported"] == {"suppliers": 0, "products": 1, "customers": 1, "movements": 2}
    assert report["roundings"] == [
        {
            "table": "productos",
            "id": 1,
            "column": "precio_venta",
            "legacy": "1499.999",
            "imported": "1500.00",
        }
    ]
    product = inv.product_by_sku("COCA-2L")
    assert product is not None
    assert sum(row.on_hand for row in inv.stock(product=product.id)) == 10
    [maria] = inv.find_customers_by_document("dni", "30123456")
    assert inv.customer_identity(maria.id).email == "maria.gomez@correo.example"

    again = inv.import_legacy(str(path))
    assert again["imported"] == {"suppliers": 0, "products": 0, "customers": 0, "movements": 0}
    assert again["already_imported"]["products"] == 1
    assert again["audit_seq"] is None


def test_a_malformed_row_raises_validation_error_and_imports_nothing(
    inv: inventario.Inventory, tmp_path: pathlib.Path
) -> None:
    path = legacy_file(
        tmp_path,
        "INSERT INTO productos (id, codigo, nombre, precio_venta) VALUES (2, 'PAN', 'Pan', 'caro');",
    )
    with pytest.raises(inventario.ValidationError) as caught:
        inv.import_legacy(path, dry_run=True)
    assert caught.value.kind == "Import"
    assert str(caught.value) == "productos row 2: precio_venta is not a number"
    with pytest.raises(ValueError):
        inv.import_legacy(path)
    assert inv.product_by_sku("COCA-2L") is None
