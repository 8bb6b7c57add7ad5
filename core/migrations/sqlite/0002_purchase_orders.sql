-- inventario-core, SQLite schema 2: purchase orders [pedidos] and their lines, keyed by product id.

CREATE TABLE purchase_orders (
    id            INTEGER PRIMARY KEY,
    tenant_id     TEXT    NOT NULL,
    supplier_id   INTEGER NOT NULL REFERENCES suppliers (id),
    number        TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('draft', 'sent', 'partially_received',
                                                     'received', 'cancelled')),
    expected_date TEXT,
    actor         TEXT    NOT NULL CHECK (length(actor) >= 1),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (tenant_id, number)
) STRICT;

CREATE INDEX purchase_orders_supplier ON purchase_orders (tenant_id, supplier_id, created_at);

CREATE TABLE purchase_order_lines (
    id                    INTEGER PRIMARY KEY,
    tenant_id             TEXT    NOT NULL,
    order_id              INTEGER NOT NULL REFERENCES purchase_orders (id),
    product_id            INTEGER NOT NULL REFERENCES products (id),
    quantity_milli        INTEGER NOT NULL CHECK (quantity_milli > 0),
    expected_unit_cost    BLOB    NOT NULL, -- encrypted, like every cost
    received_milli        INTEGER NOT NULL DEFAULT 0
                                  CHECK (received_milli BETWEEN 0 AND quantity_milli),
    receipts              INTEGER NOT NULL DEFAULT 0 CHECK (receipts >= 0),
    UNIQUE (order_id, product_id)
) STRICT;

CREATE INDEX purchase_order_lines_product ON purchase_order_lines (tenant_id, product_id);
