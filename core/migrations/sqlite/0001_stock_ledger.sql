-- inventario-core, SQLite schema 1: catalogue, append-only stock ledger, balances, reservations,
-- price history and idempotency keys. Every table carries tenant_id. Quantities are integers of
-- thousandths (_milli), money of centavos (_centavos) and instants of microseconds since the Unix
-- epoch, UTC (_at). No floating point anywhere. Costs are confidential: they are stored only as
-- envelope v1 BLOBs (docs/FORMAT.md) holding the unit cost in ten-thousandths, bound to their
-- table, column and row id, never as plain numbers.

CREATE TABLE locations (
    id                     INTEGER PRIMARY KEY,
    tenant_id              TEXT    NOT NULL,
    code                   TEXT    NOT NULL CHECK (length(code) BETWEEN 1 AND 50),
    name                   TEXT    NOT NULL CHECK (length(name) >= 1),
    negative_stock_allowed INTEGER NOT NULL DEFAULT 0 CHECK (negative_stock_allowed IN (0, 1)),
    capacity_milli         INTEGER CHECK (capacity_milli IS NULL OR capacity_milli > 0),
    created_at             INTEGER NOT NULL,
    UNIQUE (tenant_id, code)
) STRICT;

CREATE TABLE suppliers (
    id                 INTEGER PRIMARY KEY,
    tenant_id          TEXT    NOT NULL,
    code               TEXT    NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    legal_name         TEXT    NOT NULL CHECK (length(legal_name) >= 1),
    trade_name         TEXT,
    tax_condition      TEXT,
    payment_terms_days INTEGER CHECK (payment_terms_days IS NULL OR payment_terms_days >= 0),
    direct_brands      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(direct_brands)),
    distributed_brands TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(distributed_brands)),
    categories         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
    exclude_keywords   TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(exclude_keywords)),
    is_default         INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at         INTEGER NOT NULL,
    UNIQUE (tenant_id, code)
) STRICT;

CREATE UNIQUE INDEX suppliers_one_default ON suppliers (tenant_id) WHERE is_default = 1;

CREATE TABLE products (
    id                       INTEGER PRIMARY KEY,
    tenant_id                TEXT    NOT NULL,
    sku                      TEXT    NOT NULL CHECK (length(sku) BETWEEN 1 AND 50),
    name                     TEXT    NOT NULL CHECK (length(name) >= 1),
    description              TEXT,
    category                 TEXT,
    brand                    TEXT,
    unit                     TEXT    NOT NULL CHECK (unit IN ('unidad', 'kg', 'g', 'l', 'ml', 'm')),
    barcode                  TEXT,
    sale_price_centavos      INTEGER NOT NULL CHECK (sale_price_centavos >= 0),
    wholesale_price_centavos INTEGER CHECK (wholesale_price_centavos IS NULL
                                            OR wholesale_price_centavos BETWEEN 0 AND sale_price_centavos),
    min_stock_milli          INTEGER NOT NULL DEFAULT 0 CHECK (min_stock_milli >= 0),
    max_stock_milli          INTEGER CHECK (max_stock_milli IS NULL OR max_stock_milli > min_stock_milli),
    reorder_point_milli      INTEGER CHECK (reorder_point_milli IS NULL OR reorder_point_milli >= 0),
    pack_multiple_milli      INTEGER NOT NULL DEFAULT 1000 CHECK (pack_multiple_milli > 0),
    perishable               INTEGER NOT NULL DEFAULT 0 CHECK (perishable IN (0, 1)),
    supplier_id              INTEGER REFERENCES suppliers (id),
    active                   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Weighted-average cost over all locations, encrypted: kept by the ledger, never set by a caller.
    average_cost             BLOB    NOT NULL,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    UNIQUE (tenant_id, sku)
) STRICT;

CREATE UNIQUE INDEX products_barcode ON products (tenant_id, barcode) WHERE barcode IS NOT NULL;
CREATE INDEX products_supplier ON products (tenant_id, supplier_id);

CREATE TABLE stock_balances (
    tenant_id        TEXT    NOT NULL,
    product_id       INTEGER NOT NULL REFERENCES products (id),
    location_id      INTEGER NOT NULL REFERENCES locations (id),
    on_hand_milli    INTEGER NOT NULL,
    reserved_milli   INTEGER NOT NULL DEFAULT 0 CHECK (reserved_milli >= 0),
    negative_allowed INTEGER NOT NULL CHECK (negative_allowed IN (0, 1)),
    last_seq         INTEGER NOT NULL CHECK (last_seq >= 0),
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, product_id, location_id),
    CHECK (negative_allowed = 1 OR on_hand_milli >= 0)
) STRICT, WITHOUT ROWID;

CREATE TABLE stock_movements (
    id                 INTEGER PRIMARY KEY,
    tenant_id          TEXT    NOT NULL,
    product_id         INTEGER NOT NULL REFERENCES products (id),
    location_id        INTEGER NOT NULL REFERENCES locations (id),
    seq                INTEGER NOT NULL CHECK (seq >= 1),
    kind               TEXT    NOT NULL CHECK (kind IN ('initial_stock', 'receipt', 'sale',
                                   'customer_return', 'supplier_return', 'loss', 'adjustment',
                                   'transfer_out', 'transfer_in')),
    tipo               TEXT    NOT NULL,
    subtipo            TEXT    NOT NULL,
    quantity_milli     INTEGER NOT NULL CHECK (quantity_milli > 0),
    delta_milli        INTEGER NOT NULL CHECK (abs(delta_milli) = quantity_milli),
    before_milli       INTEGER NOT NULL,
    after_milli        INTEGER NOT NULL,
    negative_allowed   INTEGER NOT NULL CHECK (negative_allowed IN (0, 1)),
    -- Encrypted unit cost; the movement's value is quantity x unit cost, computed on read.
    unit_cost          BLOB    NOT NULL,
    reference          TEXT,
    lot                TEXT,
    expiry             TEXT,
    actor              TEXT    NOT NULL CHECK (length(actor) >= 1),
    reason             TEXT,
    loss_reason        TEXT    CHECK (loss_reason IN ('expired', 'damaged', 'theft', 'other')),
    idempotency_key    TEXT,
    linked_movement_id INTEGER REFERENCES stock_movements (id),
    occurred_at        INTEGER NOT NULL,
    recorded_at        INTEGER NOT NULL,
    CHECK (after_milli = before_milli + delta_milli),
    CHECK (negative_allowed = 1 OR after_milli >= 0),
    CHECK ((kind = 'loss') = (loss_reason IS NOT NULL)),
    UNIQUE (tenant_id, product_id, location_id, seq)
) STRICT;

CREATE INDEX stock_movements_feed ON stock_movements (tenant_id, id);
CREATE INDEX stock_movements_occurred ON stock_movements (tenant_id, occurred_at);

-- The ledger is append-only: corrections are new rows (adjustments), never edits. The one column
-- that may be rewritten is the unit cost's envelope, by a key rotation's re-encryption job.
CREATE TRIGGER stock_movements_no_update BEFORE UPDATE OF id, tenant_id, product_id, location_id,
    seq, kind, tipo, subtipo, quantity_milli, delta_milli, before_milli, after_milli,
    negative_allowed, reference, lot, expiry, actor, reason, loss_reason, idempotency_key,
    linked_movement_id, occurred_at, recorded_at ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock_movements is append-only');
END;

CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'stock_movements is append-only');
END;

CREATE TABLE reservations (
    id              INTEGER PRIMARY KEY,
    tenant_id       TEXT    NOT NULL,
    product_id      INTEGER NOT NULL REFERENCES products (id),
    location_id     INTEGER NOT NULL REFERENCES locations (id),
    quantity_milli  INTEGER NOT NULL CHECK (quantity_milli > 0),
    remaining_milli INTEGER NOT NULL CHECK (remaining_milli BETWEEN 0 AND quantity_milli),
    status          TEXT    NOT NULL CHECK (status IN ('active', 'fulfilled', 'released', 'expired')),
    reference       TEXT,
    expires_at      INTEGER,
    actor           TEXT    NOT NULL CHECK (length(actor) >= 1),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX reservations_active ON reservations (tenant_id, product_id, location_id)
    WHERE status = 'active';

CREATE TABLE price_history (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT    NOT NULL,
    product_id  INTEGER NOT NULL REFERENCES products (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('cost', 'sale', 'wholesale')),
    -- Sale and wholesale prices are public; costs are stored only encrypted.
    value_e4    INTEGER CHECK (value_e4 >= 0),
    cost        BLOB,
    valid_from  INTEGER NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('manual', 'receipt', 'repricing', 'import')),
    actor       TEXT    NOT NULL CHECK (length(actor) >= 1),
    movement_id INTEGER REFERENCES stock_movements (id),
    CHECK ((kind = 'cost') = (cost IS NOT NULL) AND (kind = 'cost') = (value_e4 IS NULL))
) STRICT;

CREATE INDEX price_history_product ON price_history (tenant_id, product_id, kind, id);

CREATE TABLE idempotency_keys (
    tenant_id    TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    fingerprint  BLOB    NOT NULL CHECK (length(fingerprint) = 32),
    -- The ids of the movements the first request wrote, comma-separated, in order.
    movement_ids TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
) STRICT, WITHOUT ROWID;
