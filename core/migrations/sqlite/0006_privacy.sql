-- inventario-core, SQLite schema 6: the data subjects' rights (docs/PRIVACY.md). Requests with
-- their deadline, the holiday calendar business days skip, and the retention policy. None of
-- these tables holds a personal value: subjects are named by kind and id, outcomes by codes.

-- A data subject's request: received on a day of the shop's time zone, due on the day the
-- regime's deadline table gives (stored, and recomputed for pending requests when the holiday
-- calendar changes), closed by the export, rectification or erasure that answers it, or by a
-- refusal with a reason code.
CREATE TABLE privacy_requests (
    id           INTEGER PRIMARY KEY,
    tenant_id    TEXT    NOT NULL,
    subject_kind TEXT    NOT NULL CHECK (subject_kind IN ('customer', 'supplier')),
    subject_id   INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('access', 'rectification', 'erasure')),
    regime       TEXT    NOT NULL CHECK (regime IN ('ley_25326', 'gdpr')),
    received_on  TEXT    NOT NULL CHECK (length(received_on) = 10),
    due_on       TEXT    NOT NULL CHECK (length(due_on) = 10 AND due_on >= received_on),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'completed', 'partially_refused',
                                                    'refused')),
    -- Why it was (partly) refused: a code of RefusalReason, never free text.
    refusal      TEXT,
    -- What answered it, as JSON without personal values (an erasure's receipt).
    outcome      TEXT    CHECK (outcome IS NULL OR json_valid(outcome)),
    received_by  TEXT    NOT NULL CHECK (length(received_by) >= 1),
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER,
    CHECK ((status = 'pending') = (closed_at IS NULL)),
    CHECK ((status IN ('refused', 'partially_refused')) = (refusal IS NOT NULL))
) STRICT;

CREATE INDEX privacy_requests_pending ON privacy_requests (tenant_id, due_on)
    WHERE status = 'pending';
CREATE INDEX privacy_requests_subject ON privacy_requests (tenant_id, subject_kind, subject_id);

-- The holidays a business-day deadline skips (weekends are always skipped).
CREATE TABLE privacy_holidays (
    tenant_id TEXT NOT NULL,
    day       TEXT NOT NULL CHECK (length(day) = 10),
    PRIMARY KEY (tenant_id, day)
) STRICT, WITHOUT ROWID;

-- The retention policy (one row per tenant; the defaults apply while there is none).
CREATE TABLE retention_policy (
    tenant_id              TEXT    NOT NULL PRIMARY KEY,
    operational_audit_days INTEGER NOT NULL CHECK (operational_audit_days BETWEEN 1 AND 36525),
    access_audit_days      INTEGER NOT NULL CHECK (access_audit_days BETWEEN 1 AND 36525),
    fiscal_years           INTEGER NOT NULL CHECK (fiscal_years BETWEEN 1 AND 100),
    backup_days            INTEGER NOT NULL CHECK (backup_days BETWEEN 1 AND 36525),
    updated_by             TEXT    NOT NULL,
    updated_at             INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
