//! The privacy duties' records and argument conversions: requests and their deadlines, legal
//! holds, rectifications, retention and backup pruning. The `Inventory` methods that use them
//! are in `inventory.rs`, in its "privacy duties" section.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use inventario_core::audit::LegalHold as CoreHold;
use inventario_core::domain::privacy::{
    HolidayCalendar, RefusalReason, Regime, RequestKind, RetentionPolicy as CorePolicy,
    SubjectChanges,
};
use inventario_core::{
    BackupPruneReport as CorePrune, PendingRequest as CorePending, PrivacyRequest as CoreRequest,
    RectificationReceipt as CoreRectification, RetentionReport as CoreRetention,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::errors::{to_py_err, validation};
use crate::records::{dict_of, record, repr_of};

type Obj = Py<PyAny>;

fn json_value(py: Python<'_>, value: &serde_json::Value) -> PyResult<Obj> {
    Ok(py
        .import("json")?
        .call_method1("loads", (value.to_string(),))?
        .unbind())
}

record! {
    /// A legal hold: audit records about `table`/`key` are kept, and so is the fiscal part of
    /// a subject it covers, until it is lifted. An empty `key` holds the whole table.
    LegalHold {
        id: i64, table: String, key: String, reason: String, placed_by: String,
        placed_at: DateTime<Utc>, lifted_at: Option<DateTime<Utc>>,
    }
}

impl LegalHold {
    pub(crate) fn new(_py: Python<'_>, h: CoreHold) -> PyResult<Self> {
        Ok(LegalHold {
            id: h.id,
            table: h.target.table,
            key: h.target.key,
            reason: h.reason,
            placed_by: h.placed_by,
            placed_at: h.placed_at,
            lifted_at: h.lifted_at,
        })
    }
}

record! {
    /// A data subject's request. `kind` is access, rectification or erasure; `regime`
    /// ley_25326 or gdpr; `status` pending, completed, partially_refused or refused;
    /// `refusal` a reason code; `outcome` what answered it (a dict, never a personal value).
    PrivacyRequest {
        id: i64, subject_kind: String, subject_id: i64, kind: String, regime: String,
        received_on: NaiveDate, due_on: NaiveDate, status: String, refusal: Option<String>,
        outcome: Option<Obj>, received_by: String, created_at: DateTime<Utc>,
        closed_at: Option<DateTime<Utc>>,
    }
}

impl PrivacyRequest {
    pub(crate) fn new(py: Python<'_>, r: CoreRequest) -> PyResult<Self> {
        Ok(PrivacyRequest {
            id: r.id,
            subject_kind: r.subject_kind.as_str().to_owned(),
            subject_id: r.subject_id,
            kind: r.kind.as_str().to_owned(),
            regime: r.regime.as_str().to_owned(),
            received_on: r.received_on,
            due_on: r.due_on,
            status: r.status.as_str().to_owned(),
            refusal: r.refusal.map(|r| r.as_str().to_owned()),
            outcome: r.outcome.as_ref().map(|o| json_value(py, o)).transpose()?,
            received_by: r.received_by,
            created_at: r.created_at,
            closed_at: r.closed_at,
        })
    }
}

record! {
    /// A pending request and the calendar days left to answer it (negative once overdue).
    PendingPrivacyRequest { request: Py<PrivacyRequest>, days_left: i64, overdue: bool }
}

impl PendingPrivacyRequest {
    pub(crate) fn new(py: Python<'_>, p: CorePending) -> PyResult<Self> {
        Ok(PendingPrivacyRequest {
            overdue: p.is_overdue(),
            days_left: p.days_left,
            request: Py::new(py, PrivacyRequest::new(py, p.request)?)?,
        })
    }
}

record! {
    /// What `rectify` changed.
    RectificationReceipt {
        kind: String, id: i64, fields_written: Vec<String>, fields_cleared: Vec<String>,
        blind_indexes_updated: Vec<String>, requests_closed: Vec<i64>,
    }
}

impl RectificationReceipt {
    pub(crate) fn new(_py: Python<'_>, r: CoreRectification) -> PyResult<Self> {
        Ok(RectificationReceipt {
            kind: r.kind.as_str().to_owned(),
            id: r.id,
            fields_written: r.fields_written,
            fields_cleared: r.fields_cleared,
            blind_indexes_updated: r.blind_indexes_updated,
            requests_closed: r.requests_closed,
        })
    }
}

record! {
    /// How long each kind of record is kept (defaults 90, 365, 10 years, 30).
    RetentionPolicy {
        operational_audit_days: u32, access_audit_days: u32, fiscal_years: u32,
        backup_days: u32,
    }
}

impl RetentionPolicy {
    pub(crate) fn new(_py: Python<'_>, p: CorePolicy) -> PyResult<Self> {
        Ok(RetentionPolicy {
            operational_audit_days: p.operational_audit_days,
            access_audit_days: p.access_audit_days,
            fiscal_years: p.fiscal_years,
            backup_days: p.backup_days,
        })
    }
}

record! {
    /// What `apply_retention` did. `audit_stopped_by` is legal_hold, operational_audit or
    /// access_audit; `event_seq` is None when the run changed nothing.
    RetentionReport {
        now: DateTime<Utc>, policy: Py<RetentionPolicy>, audit_purged: u64,
        audit_purged_through: Option<u64>, audit_stopped_by: Option<String>,
        fiscal_scopes_destroyed: Vec<String>, destroyed_keys: Vec<u32>, fiscal_parts_kept: usize,
        event_seq: Option<u64>,
    }
}

impl RetentionReport {
    pub(crate) fn new(py: Python<'_>, r: CoreRetention) -> PyResult<Self> {
        Ok(RetentionReport {
            now: r.now,
            policy: Py::new(py, RetentionPolicy::new(py, r.policy)?)?,
            audit_purged: r.audit_purged,
            audit_purged_through: r.audit_purged_through,
            audit_stopped_by: r.audit_stopped_by.map(|s| s.as_str().to_owned()),
            fiscal_scopes_destroyed: r.fiscal_scopes_destroyed,
            destroyed_keys: r.destroyed_keys,
            fiscal_parts_kept: r.fiscal_parts_kept,
            event_seq: r.event_seq,
        })
    }
}

record! {
    /// What `prune_backups` did in a directory (paths as str).
    BackupPruneReport {
        directory: String, removed: Vec<String>, kept: Vec<String>, held: Vec<String>,
        skipped: Vec<String>, event_seq: Option<u64>,
    }
}

impl BackupPruneReport {
    pub(crate) fn new(_py: Python<'_>, r: CorePrune) -> PyResult<Self> {
        let paths = |p: Vec<std::path::PathBuf>| -> Vec<String> {
            p.into_iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect()
        };
        Ok(BackupPruneReport {
            directory: r.directory.to_string_lossy().into_owned(),
            removed: paths(r.removed),
            kept: paths(r.kept),
            held: paths(r.held),
            skipped: paths(r.skipped),
            event_seq: r.event_seq,
        })
    }
}

/// `access`, `rectification` or `erasure`.
pub(crate) fn request_kind(py: Python<'_>, name: &str) -> PyResult<RequestKind> {
    RequestKind::parse(name).ok_or_else(|| {
        validation(
            py,
            format!("unknown request {name:?}: expected access, rectification or erasure"),
        )
    })
}

/// `ley_25326` or `gdpr`.
pub(crate) fn regime(py: Python<'_>, name: &str) -> PyResult<Regime> {
    Regime::parse(name).ok_or_else(|| {
        validation(
            py,
            format!("unknown regime {name:?}: expected ley_25326 or gdpr"),
        )
    })
}

/// A refusal reason code.
pub(crate) fn refusal(py: Python<'_>, code: &str) -> PyResult<RefusalReason> {
    RefusalReason::parse(code).ok_or_else(|| {
        validation(
            py,
            format!(
                "unknown refusal reason {code:?}: expected identity_not_verified, \
                 manifestly_unfounded, repeated_request or legal_obligation"
            ),
        )
    })
}

/// A rectification's changes from a dict of field → new value (`None` clears it).
pub(crate) fn changes(map: HashMap<String, Option<String>>) -> SubjectChanges {
    let mut changes = SubjectChanges::new();
    for (field, value) in map {
        changes = changes.with(&field, value);
    }
    changes
}

/// The policy with the given periods replaced.
pub(crate) fn policy_with(
    current: CorePolicy,
    operational_audit_days: Option<u32>,
    access_audit_days: Option<u32>,
    fiscal_years: Option<u32>,
    backup_days: Option<u32>,
) -> CorePolicy {
    CorePolicy {
        operational_audit_days: operational_audit_days.unwrap_or(current.operational_audit_days),
        access_audit_days: access_audit_days.unwrap_or(current.access_audit_days),
        fiscal_years: fiscal_years.unwrap_or(current.fiscal_years),
        backup_days: backup_days.unwrap_or(current.backup_days),
    }
}

/// Argentina's national holidays of `first_year` to `last_year` that follow from a rule (the
/// fixed ones, Carnival and Good Friday). Add the year's movable holidays from the official
/// list before passing them to `Inventory.set_holidays`.
#[pyfunction]
pub(crate) fn argentina_holidays(
    py: Python<'_>,
    first_year: i32,
    last_year: i32,
) -> PyResult<Vec<NaiveDate>> {
    Ok(HolidayCalendar::argentina(first_year..=last_year)
        .map_err(|e| to_py_err(py, e.into()))?
        .days()
        .collect())
}

/// Registers the privacy records and functions in the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LegalHold>()?;
    m.add_class::<PrivacyRequest>()?;
    m.add_class::<PendingPrivacyRequest>()?;
    m.add_class::<RectificationReceipt>()?;
    m.add_class::<RetentionPolicy>()?;
    m.add_class::<RetentionReport>()?;
    m.add_class::<BackupPruneReport>()?;
    m.add_function(wrap_pyfunction!(argentina_holidays, m)?)?;
    Ok(())
}
