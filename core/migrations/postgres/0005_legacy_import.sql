-- inventario-core, PostgreSQL schema 5: which legacy rows an import has written
-- (docs/IMPORT.md), so that running the import again imports nothing twice.

CREATE TABLE legacy_imports (
    tenant_id    TEXT   NOT NULL,
    layout       TEXT   NOT NULL CHECK (layout IN ('mini-market', 'stock-service')),
    legacy_table TEXT   NOT NULL,
    legacy_id    BIGINT NOT NULL,
    target_table TEXT   NOT NULL,
    target_id    BIGINT NOT NULL,
    imported_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, layout, legacy_table, legacy_id)
);
