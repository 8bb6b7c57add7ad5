-- inventario-core, SQLite schema 4: the audit chain (docs/FORMAT.md, "Audit record").
-- One chain per tenant: seq counts from 1 without gaps; every row's hash is
-- HMAC-SHA256(audit key, prev_hash ‖ canonical record).

CREATE TABLE audit_events (
    tenant_id    TEXT    NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    event_id     BLOB    NOT NULL CHECK (length(event_id) = 16),
    at           INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    target_table TEXT    NOT NULL,
    target_key   TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('SUCCESS', 'FAILED')),
    key_id       INTEGER CHECK (key_id IS NULL OR key_id BETWEEN 0 AND 4294967295),
    detail       TEXT    NOT NULL,
    prev_hash    BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash         BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (tenant_id, seq)
) STRICT;

CREATE INDEX audit_events_at ON audit_events (tenant_id, at);

-- Records are never edited by the library: an UPDATE is refused outright. (Someone with write
-- access to the file can drop this trigger; the chain is what detects that kind of change.)
CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

-- The head of each tenant's chain, updated with every append in the same transaction. Writers
-- serialise on it (on PostgreSQL it is the row that is locked), which keeps seq gapless; it also
-- lets the verifier see records cut off the end.
CREATE TABLE audit_head (
    tenant_id TEXT    NOT NULL PRIMARY KEY,
    seq       INTEGER NOT NULL CHECK (seq >= 1),
    hash      BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT, WITHOUT ROWID;

-- Where the chain starts after a retention purge: the last purged record's seq and hash. The
-- RETENTION_PURGE record that did the purge carries the same two values inside the chain.
CREATE TABLE audit_anchor (
    tenant_id TEXT    NOT NULL PRIMARY KEY,
    seq       INTEGER NOT NULL CHECK (seq >= 1),
    hash      BLOB    NOT NULL CHECK (length(hash) = 32),
    purged_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Legal holds: records about a held target (table and row key; an empty key holds the whole
-- table) are never purged while the hold is in force.
CREATE TABLE legal_holds (
    id           INTEGER PRIMARY KEY,
    tenant_id    TEXT    NOT NULL,
    target_table TEXT    NOT NULL CHECK (length(target_table) BETWEEN 1 AND 100),
    target_key   TEXT    NOT NULL CHECK (length(target_key) <= 200),
    reason       TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    placed_by    TEXT    NOT NULL,
    placed_at    INTEGER NOT NULL,
    lifted_at    INTEGER
) STRICT;

CREATE INDEX legal_holds_active ON legal_holds (tenant_id, target_table, target_key)
    WHERE lifted_at IS NULL;
