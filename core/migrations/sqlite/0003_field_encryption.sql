-- inventario-core, SQLite schema 3: the keyring (docs/FORMAT.md, "Keyring"), re-encryption jobs,
-- customers, and suppliers' personal data. Personal data is stored only as envelope v1 BLOBs bound
-- to (table, column, row id); equality lookups go through blind indexes (HMAC, 16 bytes).

-- One row per tenant: how the master key is obtained and checked. Never holds key material.
CREATE TABLE crypto_meta (
    tenant_id      TEXT    NOT NULL PRIMARY KEY,
    store_id       BLOB    NOT NULL CHECK (length(store_id) = 16),
    mk_version     INTEGER NOT NULL CHECK (mk_version >= 1),
    kdf            TEXT    NOT NULL CHECK (kdf IN ('raw', 'pbkdf2-hmac-sha256')),
    kdf_salt       BLOB    CHECK (kdf_salt IS NULL OR length(kdf_salt) = 16),
    kdf_iterations INTEGER CHECK (kdf_iterations IS NULL OR kdf_iterations >= 1),
    key_check      BLOB    NOT NULL CHECK (length(key_check) = 8),
    -- Bumped by every key change; handles reload the keys whose changed_gen is newer.
    generation     INTEGER NOT NULL CHECK (generation >= 1),
    created_at     INTEGER NOT NULL,
    rotated_at     INTEGER,
    CHECK ((kdf = 'raw') = (kdf_salt IS NULL)),
    CHECK ((kdf = 'raw') = (kdf_iterations IS NULL))
) STRICT, WITHOUT ROWID;

-- Every key of a tenant, wrapped under the KEK of master-key version mk_version. A destroyed key
-- keeps its row (so envelopes naming it fail with KeyDestroyed) but loses its material.
CREATE TABLE crypto_keys (
    tenant_id    TEXT    NOT NULL,
    key_id       INTEGER NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
    purpose      TEXT    NOT NULL CHECK (purpose IN ('data', 'blind_index', 'audit', 'audit_signing')),
    scope        TEXT    NOT NULL CHECK (length(scope) BETWEEN 1 AND 200),
    status       TEXT    NOT NULL CHECK (status IN ('active', 'decrypt_only', 'destroyed')),
    mk_version   INTEGER NOT NULL CHECK (mk_version >= 1),
    wrapped      BLOB    CHECK (wrapped IS NULL OR length(wrapped) = 61),
    changed_gen  INTEGER NOT NULL CHECK (changed_gen >= 1),
    created_at   INTEGER NOT NULL,
    destroyed_at INTEGER,
    PRIMARY KEY (tenant_id, key_id),
    CHECK ((status = 'destroyed') = (wrapped IS NULL)),
    CHECK ((status = 'destroyed') = (destroyed_at IS NOT NULL))
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX crypto_keys_one_active ON crypto_keys (tenant_id, purpose, scope)
    WHERE status = 'active';
CREATE INDEX crypto_keys_changed ON crypto_keys (tenant_id, changed_gen);

-- A data-key rotation's re-encryption job: which scope, and how far it got (column by column,
-- row id by row id). Each batch commits its rows and its checkpoint together.
CREATE TABLE reencrypt_jobs (
    id            INTEGER PRIMARY KEY,
    tenant_id     TEXT    NOT NULL,
    scope         TEXT    NOT NULL,
    target_key_id INTEGER NOT NULL,
    column_index  INTEGER NOT NULL DEFAULT 0 CHECK (column_index >= 0),
    last_row_id   INTEGER NOT NULL DEFAULT 0,
    rows_done     INTEGER NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
    status        TEXT    NOT NULL CHECK (status IN ('running', 'done')),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX reencrypt_jobs_running ON reencrypt_jobs (tenant_id, status);

-- Suppliers' contact data (a person's CUIT embeds their DNI), encrypted under the supplier's own
-- data key (scope supplier:<id>) so that it can be erased alone.
ALTER TABLE suppliers ADD COLUMN cuit BLOB;
ALTER TABLE suppliers ADD COLUMN cuit_bidx BLOB CHECK (cuit_bidx IS NULL OR length(cuit_bidx) BETWEEN 8 AND 32);
ALTER TABLE suppliers ADD COLUMN phone BLOB;
ALTER TABLE suppliers ADD COLUMN email BLOB;
ALTER TABLE suppliers ADD COLUMN address BLOB;
ALTER TABLE suppliers ADD COLUMN erased_at INTEGER;

CREATE UNIQUE INDEX suppliers_cuit_bidx ON suppliers (tenant_id, cuit_bidx) WHERE cuit_bidx IS NOT NULL;

-- Customers [clientes]: commercial terms in clear, identity and contact only encrypted under the
-- customer's own data key (scope customer:<id>).
CREATE TABLE customers (
    id                     INTEGER PRIMARY KEY,
    tenant_id              TEXT    NOT NULL,
    code                   TEXT    NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    kind                   TEXT    NOT NULL CHECK (kind IN ('persona', 'empresa')),
    price_list             TEXT    NOT NULL CHECK (price_list IN ('general', 'mayorista', 'especial')),
    credit_limit_centavos  INTEGER NOT NULL CHECK (credit_limit_centavos >= 0),
    discount_centipercent  INTEGER NOT NULL CHECK (discount_centipercent BETWEEN 0 AND 10000),
    names                  BLOB    NOT NULL,
    surname                BLOB,
    document_type          TEXT    CHECK (document_type IN ('dni', 'cuit', 'cuil', 'pasaporte')),
    document               BLOB,
    document_bidx          BLOB    CHECK (document_bidx IS NULL OR length(document_bidx) BETWEEN 8 AND 32),
    phone                  BLOB,
    email                  BLOB,
    email_bidx             BLOB    CHECK (email_bidx IS NULL OR length(email_bidx) BETWEEN 8 AND 32),
    address                BLOB,
    active                 INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    erased_at              INTEGER,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    UNIQUE (tenant_id, code),
    CHECK ((document_type IS NULL) = (document IS NULL))
) STRICT;

CREATE INDEX customers_document_bidx ON customers (tenant_id, document_bidx) WHERE document_bidx IS NOT NULL;
CREATE INDEX customers_email_bidx ON customers (tenant_id, email_bidx) WHERE email_bidx IS NOT NULL;
