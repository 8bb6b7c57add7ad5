//! The data subjects' rights on top of the encryption and audit layers: requests and their
//! deadlines, the subject access export, rectification, erasure with a kept fiscal part,
//! retention runs and backup pruning.
//!
//! The rules (deadlines, fiscal fields, retention cutoffs, CSV) are decided by
//! [`crate::domain::privacy`]; this module loads what they need and writes what they decide.
//! Every change is one transaction with its one audit record. No personal value ever reaches
//! an error, an audit detail or a privacy request's row: subjects are named by kind and id,
//! values by their MACs, outcomes by codes.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::audit::{audit_event, PurgeCutoffs, RECORD_COLUMNS};
use super::codec::{self, corrupt, instant, micros};
use super::customers::{document_normalizer, document_parts, ErasureReceipt};
use super::fields::{EncryptedColumn, SubjectKind, ENCRYPTED_COLUMNS};
use super::keys::KeyChanges;
use super::ledger::Tx;
use super::{Entry, Store};
use crate::audit::{AuditEvent, EventType};
use crate::crypto::{parse_header, CryptoError, DataKey, FieldValue, KeyPurpose, Normalizer};
use crate::domain::catalog::IdentityDocument;
use crate::domain::privacy::{
    check_reason, days_left, due_date, fiscal_keep_reason, fiscal_scope, HolidayCalendar,
    PrivacyError, PurgeStop, RefusalReason, Regime, RequestKind, RequestStatus, RetentionPolicy,
    SubjectChanges, CUSTOMER_FIELDS, CUSTOMER_FISCAL_FIELDS, SUPPLIER_FIELDS,
    SUPPLIER_FISCAL_FIELDS,
};
use crate::domain::values::{Cuit, Dni, Money, Quantity};
use crate::domain::{Actor, CustomerId, RuleError, SupplierId};
use crate::error::{Error, Result};

// --- the records ------------------------------------------------------------------------------

/// A data subject's request, as recorded by [`crate::Inventory::record_privacy_request`].
#[derive(Clone, Debug, PartialEq)]
pub struct PrivacyRequest {
    /// Store-assigned id.
    pub id: i64,
    /// Whose data.
    pub subject_kind: SubjectKind,
    /// Their id.
    pub subject_id: i64,
    /// What they ask for.
    pub kind: RequestKind,
    /// Under which law (it decides the deadline).
    pub regime: Regime,
    /// The day it was received, in the store's time zone.
    pub received_on: NaiveDate,
    /// The last day to answer it.
    pub due_on: NaiveDate,
    /// Where it stands.
    pub status: RequestStatus,
    /// Why it was (partly) refused.
    pub refusal: Option<RefusalReason>,
    /// What answered it (an erasure's receipt, a rectification's fields), without personal
    /// values.
    pub outcome: Option<Value>,
    /// The actor who recorded it.
    pub received_by: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it was answered or refused.
    pub closed_at: Option<DateTime<Utc>>,
}

impl PrivacyRequest {
    /// Calendar days from `today` to the deadline: negative once overdue.
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        days_left(self.due_on, today)
    }
}

/// A request to record: who, what, under which law, received when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPrivacyRequest {
    /// Whose data.
    pub subject_kind: SubjectKind,
    /// Their id.
    pub subject_id: i64,
    /// What they ask for.
    pub kind: RequestKind,
    /// Under which law (default Ley 25.326).
    pub regime: Regime,
    /// The day it was received (today or earlier, in the store's time zone).
    pub received_on: NaiveDate,
}

impl NewPrivacyRequest {
    /// A request under Ley 25.326.
    pub fn new(
        subject_kind: SubjectKind,
        subject_id: i64,
        kind: RequestKind,
        received_on: NaiveDate,
    ) -> NewPrivacyRequest {
        NewPrivacyRequest {
            subject_kind,
            subject_id,
            kind,
            regime: Regime::Ley25326,
            received_on,
        }
    }

    /// Under another regime.
    pub fn regime(mut self, regime: Regime) -> NewPrivacyRequest {
        self.regime = regime;
        self
    }
}

/// A pending request with the days left to answer it, for a dashboard.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingRequest {
    /// The request.
    pub request: PrivacyRequest,
    /// Calendar days to the deadline: 0 on the last day, negative once overdue.
    pub days_left: i64,
}

impl PendingRequest {
    /// Whether the deadline has passed.
    pub fn is_overdue(&self) -> bool {
        self.days_left < 0
    }
}

/// What [`crate::Inventory::rectify`] changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RectificationReceipt {
    /// Customer or supplier.
    pub kind: SubjectKind,
    /// Their id.
    pub id: i64,
    /// The fields given a new value, re-encrypted under the subject's key.
    pub fields_written: Vec<String>,
    /// The fields cleared.
    pub fields_cleared: Vec<String>,
    /// The blind indexes recomputed or removed (`document`, `email`, `cuit`).
    pub blind_indexes_updated: Vec<String>,
    /// The pending rectification requests of this subject that it answered.
    pub requests_closed: Vec<i64>,
}

/// What [`crate::Inventory::apply_retention`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionReport {
    /// The instant the run applied the policy as of.
    pub now: DateTime<Utc>,
    /// The policy applied.
    pub policy: RetentionPolicy,
    /// Audit records purged (a prefix of the chain).
    pub audit_purged: u64,
    /// The last purged `seq` (the chain's new anchor), if any was purged.
    pub audit_purged_through: Option<u64>,
    /// What kept the first record that stayed: a legal hold, or a record within its
    /// category's period (`None` when nothing was left to look at).
    pub audit_stopped_by: Option<PurgeStop>,
    /// The fiscal key scopes destroyed, their hold lifted and their period over.
    pub fiscal_scopes_destroyed: Vec<String>,
    /// The data keys those scopes held.
    pub destroyed_keys: Vec<u32>,
    /// Fiscal parts still kept (under a hold, or within the fiscal period).
    pub fiscal_parts_kept: usize,
    /// The `RETENTION_PURGE` record's `seq`; `None` when the run changed nothing.
    pub event_seq: Option<u64>,
}

/// What [`crate::Inventory::prune_backups`] did in a backup directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupPruneReport {
    /// The directory.
    pub directory: PathBuf,
    /// Backups of this store older than the period, deleted.
    pub removed: Vec<PathBuf>,
    /// Backups of this store kept: within the period, or the newest one.
    pub kept: Vec<PathBuf>,
    /// Backups past the period kept because a legal hold on `backups` covers them.
    pub held: Vec<PathBuf>,
    /// Files left alone: not backups, backups of another store or tenant, unfinished
    /// (`.partial`).
    pub skipped: Vec<PathBuf>,
    /// The `RETENTION_PURGE` record's `seq`; `None` when nothing was removed.
    pub event_seq: Option<u64>,
}

/// A personal field's value in an export.
#[derive(Clone, PartialEq, Eq)]
pub enum ExportedValue {
    /// The decrypted value.
    Present(String),
    /// Nothing was stored.
    Absent,
    /// The value was crypto-shredded: its key is destroyed.
    Erased,
}

impl fmt::Debug for ExportedValue {
    /// Never shows a value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExportedValue::Present(_) => "Present(<redacted>)",
            ExportedValue::Absent => "Absent",
            ExportedValue::Erased => "Erased",
        })
    }
}

impl ExportedValue {
    /// `present`, `absent` or `erased`.
    pub fn status(&self) -> &'static str {
        match self {
            ExportedValue::Present(_) => "present",
            ExportedValue::Absent => "absent",
            ExportedValue::Erased => "erased",
        }
    }

    /// The value, when present.
    pub fn value(&self) -> Option<&str> {
        match self {
            ExportedValue::Present(v) => Some(v),
            _ => None,
        }
    }
}

/// One personal field of an export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedField {
    /// The field's name (`names`, `email`, `cuit`, …).
    pub field: String,
    /// Its value or state.
    pub value: ExportedValue,
}

/// The fiscal part an erasure kept, as an export shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptFiscalPart {
    /// The key scope holding it (`fiscal:customer:42`).
    pub scope: String,
    /// The fiscal fields it holds.
    pub fields: Vec<String>,
    /// Why it is still kept (`None`: its hold and period are over, and the next retention run
    /// destroys it).
    pub reason: Option<RefusalReason>,
}

/// A record that refers to the subject (a movement, a reservation, an order, a product).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectReference {
    /// `movement`, `reservation`, `purchase_order` or `product`.
    pub kind: &'static str,
    /// Its id.
    pub id: i64,
    /// When it happened or was created.
    pub at: Option<DateTime<Utc>>,
    /// Its other fields, as text.
    pub fields: Vec<(String, String)>,
}

/// An audit record about the subject, with its detail redacted: field names and actions only
/// (no value MACs, no other subject's ids, no actor).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportedAuditEvent {
    /// Its position in the chain.
    pub seq: u64,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// What happened.
    pub event_type: String,
    /// `SUCCESS` or `FAILED`.
    pub status: String,
    /// The redacted detail.
    pub detail: Value,
}

/// Everything the store holds about one customer or supplier, as
/// [`crate::Inventory::export_subject`] returns it: their record, their decrypted personal
/// data (or which fields were erased), the records that refer to them, their privacy requests
/// and the audit records about them. Write it with [`SubjectExport::to_json`] or
/// [`SubjectExport::to_csv`]. `Debug` never shows a personal value.
#[derive(Clone, PartialEq)]
pub struct SubjectExport {
    /// Customer or supplier.
    pub kind: SubjectKind,
    /// Their id.
    pub id: i64,
    /// When the export was made.
    pub generated_at: DateTime<Utc>,
    /// When their personal data was erased, if it was.
    pub erased_at: Option<DateTime<Utc>>,
    /// Their record's fields stored in clear (code, terms, names of businesses), as text.
    pub record: Vec<(String, String)>,
    /// Their personal fields, decrypted, absent or erased.
    pub personal_data: Vec<ExportedField>,
    /// The fiscal part an erasure kept, if any.
    pub fiscal_part: Option<KeptFiscalPart>,
    /// Records that refer to them.
    pub references: Vec<SubjectReference>,
    /// Their privacy requests.
    pub requests: Vec<PrivacyRequest>,
    /// Audit records about them, redacted.
    pub audit_events: Vec<ExportedAuditEvent>,
}

impl fmt::Debug for SubjectExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SubjectExport({} {}, <redacted>)",
            self.kind.as_str(),
            self.id
        )
    }
}

/// The `format` of a JSON export.
pub const EXPORT_FORMAT: &str = "inventario-subject-export/1";

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl SubjectExport {
    /// Whether their personal data was erased.
    pub fn is_erased(&self) -> bool {
        self.erased_at.is_some()
    }

    /// The value of personal field `field`, when present.
    pub fn personal(&self, field: &str) -> Option<&str> {
        self.personal_data
            .iter()
            .find(|f| f.field == field)
            .and_then(|f| f.value.value())
    }

    /// The export as a JSON value (`format` [`EXPORT_FORMAT`]).
    pub fn to_value(&self) -> Value {
        let personal: Map<String, Value> = self
            .personal_data
            .iter()
            .map(|f| {
                (
                    f.field.clone(),
                    f.value.value().map_or(Value::Null, |v| json!(v)),
                )
            })
            .collect();
        let erased: Vec<&str> = self
            .personal_data
            .iter()
            .filter(|f| f.value == ExportedValue::Erased)
            .map(|f| f.field.as_str())
            .collect();
        let record: Map<String, Value> = self
            .record
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let references: Vec<Value> = self
            .references
            .iter()
            .map(|r| {
                let mut out = Map::new();
                out.insert("type".into(), json!(r.kind));
                out.insert("id".into(), json!(r.id));
                out.insert("at".into(), json!(r.at.map(rfc3339)));
                for (k, v) in &r.fields {
                    out.insert(k.clone(), json!(v));
                }
                Value::Object(out)
            })
            .collect();
        json!({
            "format": EXPORT_FORMAT,
            "subject": { "kind": self.kind.as_str(), "id": self.id },
            "generated_at": rfc3339(self.generated_at),
            "erased": self.is_erased(),
            "erased_at": self.erased_at.map(rfc3339),
            "record": record,
            "personal_data": personal,
            "erased_fields": erased,
            "fiscal_part": self.fiscal_part.as_ref().map(|p| json!({
                "scope": p.scope,
                "fields": p.fields,
                "reason": p.reason.map(RefusalReason::as_str),
            })),
            "references": references,
            "privacy_requests": self.requests.iter().map(request_json).collect::<Vec<_>>(),
            "audit_events": self.audit_events.iter().map(|e| json!({
                "seq": e.seq,
                "at": rfc3339(e.at),
                "event_type": e.event_type,
                "status": e.status,
                "detail": e.detail,
            })).collect::<Vec<_>>(),
        })
    }

    /// The export as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_value()).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The export as CSV (RFC 4180, every cell quoted, formulas neutralised; see
    /// [`crate::domain::privacy::csv`]), one value per row:
    /// `section,item,field,value,status`. `status` is `present`, `absent` or `erased` for
    /// personal fields, empty otherwise.
    pub fn to_csv(&self) -> String {
        use crate::domain::privacy::csv::write_record;
        let mut out = String::new();
        let mut row = |section: &str, item: &str, field: &str, value: &str, status: &str| {
            write_record(&mut out, &[section, item, field, value, status]);
        };
        row("section", "item", "field", "value", "status");
        row("subject", "", "kind", self.kind.as_str(), "");
        row("subject", "", "id", &self.id.to_string(), "");
        row(
            "subject",
            "",
            "generated_at",
            &rfc3339(self.generated_at),
            "",
        );
        row(
            "subject",
            "",
            "erased_at",
            &self.erased_at.map(rfc3339).unwrap_or_default(),
            "",
        );
        for (k, v) in &self.record {
            row("record", "", k, v, "");
        }
        for f in &self.personal_data {
            row(
                "personal_data",
                "",
                &f.field,
                f.value.value().unwrap_or(""),
                f.value.status(),
            );
        }
        if let Some(p) = &self.fiscal_part {
            row("fiscal_part", "", "scope", &p.scope, "");
            row("fiscal_part", "", "fields", &p.fields.join(" "), "");
            row(
                "fiscal_part",
                "",
                "reason",
                p.reason.map_or("", RefusalReason::as_str),
                "",
            );
        }
        for r in &self.references {
            let id = r.id.to_string();
            if let Some(at) = r.at {
                row(r.kind, &id, "at", &rfc3339(at), "");
            }
            for (k, v) in &r.fields {
                row(r.kind, &id, k, v, "");
            }
        }
        for q in &self.requests {
            let id = q.id.to_string();
            if let Value::Object(fields) = request_json(q) {
                for (k, v) in fields {
                    let text = match v {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    row("privacy_request", &id, &k, &text, "");
                }
            }
        }
        for e in &self.audit_events {
            let seq = e.seq.to_string();
            row("audit_event", &seq, "at", &rfc3339(e.at), "");
            row("audit_event", &seq, "event_type", &e.event_type, "");
            row("audit_event", &seq, "status", &e.status, "");
            row("audit_event", &seq, "detail", &e.detail.to_string(), "");
        }
        out
    }
}

fn request_json(r: &PrivacyRequest) -> Value {
    json!({
        "id": r.id,
        "kind": r.kind.as_str(),
        "regime": r.regime.as_str(),
        "received_on": r.received_on.to_string(),
        "due_on": r.due_on.to_string(),
        "status": r.status.as_str(),
        "refusal": r.refusal.map(RefusalReason::as_str),
        "closed_at": r.closed_at.map(rfc3339),
    })
}

// --- helpers ------------------------------------------------------------------------------------

const REQUEST_COLUMNS: &str = "id, subject_kind, subject_id, kind, regime, received_on, due_on, \
    status, refusal, outcome, received_by, created_at, closed_at";

fn day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| corrupt("a stored date is malformed"))
}

fn subject_kind_of(name: &str) -> Result<SubjectKind> {
    match name {
        "customer" => Ok(SubjectKind::Customer),
        "supplier" => Ok(SubjectKind::Supplier),
        _ => Err(corrupt("unknown subject kind")),
    }
}

fn request_row(row: &AnyRow) -> Result<PrivacyRequest> {
    let kind: String = row.try_get("kind")?;
    let regime: String = row.try_get("regime")?;
    let status: String = row.try_get("status")?;
    let refusal: Option<String> = row.try_get("refusal")?;
    let outcome: Option<String> = row.try_get("outcome")?;
    Ok(PrivacyRequest {
        id: row.try_get("id")?,
        subject_kind: subject_kind_of(&row.try_get::<String, _>("subject_kind")?)?,
        subject_id: row.try_get("subject_id")?,
        kind: RequestKind::parse(&kind).ok_or_else(|| corrupt("unknown request kind"))?,
        regime: Regime::parse(&regime).ok_or_else(|| corrupt("unknown regime"))?,
        received_on: day(&row.try_get::<String, _>("received_on")?)?,
        due_on: day(&row.try_get::<String, _>("due_on")?)?,
        status: RequestStatus::parse(&status).ok_or_else(|| corrupt("unknown request status"))?,
        refusal: refusal
            .map(|r| RefusalReason::parse(&r).ok_or_else(|| corrupt("unknown refusal reason")))
            .transpose()?,
        outcome: outcome
            .map(|o| serde_json::from_str(&o).map_err(|_| corrupt("request outcome is not JSON")))
            .transpose()?,
        received_by: row.try_get("received_by")?,
        created_at: instant(row.try_get("created_at")?)?,
        closed_at: row
            .try_get::<Option<i64>, _>("closed_at")?
            .map(instant)
            .transpose()?,
    })
}

fn not_found(kind: SubjectKind, id: i64) -> Error {
    match kind {
        SubjectKind::Customer => RuleError::CustomerNotFound(CustomerId(id)),
        SubjectKind::Supplier => RuleError::SupplierNotFound(SupplierId(id)),
    }
    .into()
}

/// The encrypted columns of a kind of subject.
fn personal_columns(kind: SubjectKind) -> Vec<EncryptedColumn> {
    ENCRYPTED_COLUMNS
        .iter()
        .filter(|c| c.subject == Some(kind))
        .copied()
        .collect()
}

fn fiscal_fields(kind: SubjectKind) -> &'static [&'static str] {
    match kind {
        SubjectKind::Customer => CUSTOMER_FISCAL_FIELDS,
        SubjectKind::Supplier => SUPPLIER_FISCAL_FIELDS,
    }
}

fn blind_index_columns(kind: SubjectKind) -> &'static [&'static str] {
    match kind {
        SubjectKind::Customer => &["document_bidx", "email_bidx"],
        SubjectKind::Supplier => &["cuit_bidx"],
    }
}

fn column_named(kind: SubjectKind, field: &str) -> Result<EncryptedColumn> {
    personal_columns(kind)
        .into_iter()
        .find(|c| c.column == field)
        .ok_or_else(|| corrupt("a personal field without its column"))
}

fn qualified(column: &EncryptedColumn) -> String {
    format!("{}.{}", column.table, column.column)
}

/// `fiscal:customer:42` → (customer, 42); `None` for any other scope (including a
/// non-canonical id such as `042`, which no erasure writes).
fn fiscal_subject(scope: &str) -> Option<(SubjectKind, i64)> {
    let rest = scope.strip_prefix("fiscal:")?;
    let (kind, id_text) = rest.split_once(':')?;
    let kind = match kind {
        "customer" => SubjectKind::Customer,
        "supplier" => SubjectKind::Supplier,
        _ => return None,
    };
    let id: i64 = id_text.parse().ok()?;
    (id.to_string() == id_text).then_some((kind, id))
}

/// A document typed by a caller: its type (`dni`, `cuit`, `cuil`, `pasaporte`) and number.
fn parse_document(kind: &str, number: &str) -> Result<IdentityDocument> {
    Ok(match kind {
        "dni" => IdentityDocument::Dni(Dni::parse(number)?),
        "cuit" => IdentityDocument::Cuit(Cuit::parse(number)?),
        "cuil" => IdentityDocument::Cuil(Cuit::parse(number)?),
        "pasaporte" => {
            let number = number.trim();
            if number.is_empty() || number.chars().count() > 20 {
                return Err(RuleError::InvalidText {
                    field: "passport number",
                    max: 20,
                }
                .into());
            }
            IdentityDocument::Pasaporte(number.to_owned())
        }
        _ => {
            return Err(RuleError::InvalidText {
                field: "document type (dni, cuit, cuil or pasaporte)",
                max: 9,
            }
            .into())
        }
    })
}

/// A value a dynamic UPDATE binds.
enum Bound {
    Blob(Option<Vec<u8>>),
    Text(Option<String>),
    Int(i64),
}

/// Keeps only what a data subject may see of an audit record's detail: actions, field names,
/// request ids, codes and dates; a `values` object (value MACs) becomes the list of its field
/// names. Other subjects' ids (`row_keys`), key material ids and free text are dropped.
fn redact_detail(detail: &Value) -> Value {
    const KEPT: [&str; 14] = [
        "action",
        "fields",
        "unreadable_fields",
        "kept_fields",
        "cleared",
        "kind",
        "regime",
        "received_on",
        "due_on",
        "request_id",
        "request_ids",
        "refusal",
        "column",
        "error",
    ];
    let mut out = Map::new();
    if let Value::Object(map) = detail {
        for key in KEPT {
            if let Some(v) = map.get(key) {
                out.insert(key.to_owned(), v.clone());
            }
        }
        if let Some(Value::Object(values)) = map.get("values") {
            out.insert(
                "fields_written".to_owned(),
                Value::Array(values.keys().map(|k| json!(k)).collect()),
            );
        }
    }
    Value::Object(out)
}

/// Whether an audit record is about subject `id` of `table`: its target, or one of the rows a
/// batch read listed.
fn is_about(event: &AuditEvent, id: i64) -> bool {
    if event.target.key == id.to_string() {
        return true;
    }
    event.target.key.is_empty()
        && event.detail["row_keys"]
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r.as_i64() == Some(id)))
}

// --- the store --------------------------------------------------------------------------------

impl Store {
    /// Whether the subject exists, and when it was erased.
    async fn subject_state(
        &self,
        conn: &mut AnyConnection,
        kind: SubjectKind,
        id: i64,
    ) -> Result<Option<Option<i64>>> {
        let sql = format!(
            "SELECT erased_at FROM {} WHERE tenant_id = $1 AND id = $2",
            kind.table()
        );
        Ok(sqlx::query_scalar(&sql)
            .bind(self.tenant())
            .bind(id)
            .fetch_optional(conn)
            .await?)
    }

    /// The legal holds in force that cover a subject's fiscal records: holds on the subject
    /// (or on their whole table) and, for a supplier, on their purchase orders.
    async fn holds_covering(
        &self,
        conn: &mut AnyConnection,
        kind: SubjectKind,
        id: i64,
    ) -> Result<Vec<i64>> {
        let mut holds: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM legal_holds WHERE tenant_id = $1 AND lifted_at IS NULL \
               AND target_table = $2 AND (target_key = '' OR target_key = $3)",
        )
        .bind(self.tenant())
        .bind(kind.table())
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        if kind == SubjectKind::Supplier {
            let on_orders: Vec<i64> = sqlx::query_scalar(
                "SELECT h.id FROM legal_holds h WHERE h.tenant_id = $1 AND h.lifted_at IS NULL \
                   AND h.target_table = 'purchase_orders' AND EXISTS (SELECT 1 FROM \
                   purchase_orders o WHERE o.tenant_id = h.tenant_id AND o.supplier_id = $2 \
                   AND (h.target_key = '' OR h.target_key = CAST(o.id AS TEXT)))",
            )
            .bind(self.tenant())
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            holds.extend(on_orders);
        }
        holds.sort_unstable();
        holds.dedup();
        Ok(holds)
    }

    /// When the subject's last fiscal record was made: a supplier's last purchase order that
    /// was sent or received (its last change). Customers have none the library knows of.
    async fn last_fiscal_record(
        &self,
        conn: &mut AnyConnection,
        kind: SubjectKind,
        id: i64,
    ) -> Result<Option<DateTime<Utc>>> {
        if kind == SubjectKind::Customer {
            return Ok(None);
        }
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(updated_at) FROM purchase_orders WHERE tenant_id = $1 \
               AND supplier_id = $2 AND status IN ('sent', 'partially_received', 'received')",
        )
        .bind(self.tenant())
        .bind(id)
        .fetch_one(conn)
        .await?;
        last.map(instant).transpose()
    }

    // --- settings ---------------------------------------------------------------------------

    async fn holidays_on(&self, conn: &mut AnyConnection) -> Result<HolidayCalendar> {
        let days: Vec<String> = sqlx::query_scalar(
            "SELECT day FROM privacy_holidays WHERE tenant_id = $1 ORDER BY day",
        )
        .bind(self.tenant())
        .fetch_all(conn)
        .await?;
        Ok(HolidayCalendar::new(
            days.iter().map(|d| day(d)).collect::<Result<Vec<_>>>()?,
        ))
    }

    /// The holiday calendar business-day deadlines skip.
    pub(crate) async fn holidays(&self) -> Result<HolidayCalendar> {
        let mut conn = self.pool().acquire().await?;
        self.holidays_on(&mut conn).await
    }

    /// Replaces the holiday calendar and recomputes the deadline of every pending request;
    /// returns the ids of the requests whose deadline moved. The same calendar again writes
    /// nothing.
    pub(crate) async fn set_holidays(
        &self,
        calendar: &HolidayCalendar,
        actor: &Actor,
    ) -> Result<Vec<i64>> {
        if calendar.len() > HolidayCalendar::MAX_DAYS {
            return Err(PrivacyError::TooManyHolidays {
                max: HolidayCalendar::MAX_DAYS,
            }
            .into());
        }
        let mut tx = self.write().await?;
        if self.holidays_on(&mut tx).await? == *calendar {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        sqlx::query("DELETE FROM privacy_holidays WHERE tenant_id = $1")
            .bind(self.tenant())
            .execute(&mut *tx)
            .await?;
        let days: Vec<NaiveDate> = calendar.days().collect();
        for chunk in days.chunks(200) {
            let values = (0..chunk.len())
                .map(|i| format!("($1, ${})", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("INSERT INTO privacy_holidays (tenant_id, day) VALUES {values}");
            let mut query = sqlx::query(&sql).bind(self.tenant());
            for d in chunk {
                query = query.bind(d.to_string());
            }
            query.execute(&mut *tx).await?;
        }
        let pending = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE tenant_id = $1 \
             AND status = 'pending' ORDER BY id"
        ))
        .bind(self.tenant())
        .fetch_all(&mut *tx)
        .await?;
        let mut moved = Vec::new();
        for row in &pending {
            let request = request_row(row)?;
            let due = due_date(request.regime, request.kind, request.received_on, calendar);
            if due != request.due_on {
                sqlx::query(
                    "UPDATE privacy_requests SET due_on = $3 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(self.tenant())
                .bind(request.id)
                .bind(due.to_string())
                .execute(&mut *tx)
                .await?;
                moved.push(request.id);
            }
        }
        let entry = Entry::new(EventType::PrivacyRequest, "privacy_holidays", "").detail(json!({
            "action": "set_holidays",
            "days": calendar.len(),
            "first": calendar.days().next().map(|d| d.to_string()),
            "last": calendar.days().last().map(|d| d.to_string()),
            "redated_request_ids": moved,
        }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(moved)
    }

    async fn retention_policy_on(&self, conn: &mut AnyConnection) -> Result<RetentionPolicy> {
        let row = sqlx::query(
            "SELECT operational_audit_days, access_audit_days, fiscal_years, backup_days \
             FROM retention_policy WHERE tenant_id = $1",
        )
        .bind(self.tenant())
        .fetch_optional(conn)
        .await?;
        let Some(row) = row else {
            return Ok(RetentionPolicy::default());
        };
        let get = |name: &str| -> Result<u32> {
            u32::try_from(row.try_get::<i64, _>(name)?)
                .map_err(|_| corrupt("a retention period is out of range"))
        };
        Ok(RetentionPolicy {
            operational_audit_days: get("operational_audit_days")?,
            access_audit_days: get("access_audit_days")?,
            fiscal_years: get("fiscal_years")?,
            backup_days: get("backup_days")?,
        })
    }

    /// The tenant's retention policy (the defaults until one is set).
    pub(crate) async fn retention_policy(&self) -> Result<RetentionPolicy> {
        let mut conn = self.pool().acquire().await?;
        self.retention_policy_on(&mut conn).await
    }

    /// Sets the retention policy; audited `PRIVACY_REQUEST` (action `set_retention_policy`).
    /// The same policy again writes nothing.
    pub(crate) async fn set_retention_policy(
        &self,
        policy: RetentionPolicy,
        actor: &Actor,
    ) -> Result<RetentionPolicy> {
        let policy = policy.check()?;
        let mut tx = self.write().await?;
        let current: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM retention_policy WHERE tenant_id = $1")
                .bind(self.tenant())
                .fetch_optional(&mut *tx)
                .await?;
        if current.is_some() && self.retention_policy_on(&mut tx).await? == policy {
            tx.rollback().await?;
            return Ok(policy);
        }
        sqlx::query(
            "INSERT INTO retention_policy (tenant_id, operational_audit_days, access_audit_days, \
               fiscal_years, backup_days, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (tenant_id) DO UPDATE SET \
               operational_audit_days = excluded.operational_audit_days, \
               access_audit_days = excluded.access_audit_days, \
               fiscal_years = excluded.fiscal_years, backup_days = excluded.backup_days, \
               updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(self.tenant())
        .bind(i64::from(policy.operational_audit_days))
        .bind(i64::from(policy.access_audit_days))
        .bind(i64::from(policy.fiscal_years))
        .bind(i64::from(policy.backup_days))
        .bind(actor.as_str())
        .bind(micros(Utc::now()))
        .execute(&mut *tx)
        .await?;
        let entry = Entry::new(EventType::PrivacyRequest, "retention_policy", "")
            .detail(json!({ "action": "set_retention_policy", "policy": policy_json(&policy) }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(policy)
    }

    // --- requests ---------------------------------------------------------------------------

    /// Records a request with its deadline; audited `PRIVACY_REQUEST` (action `received`).
    pub(crate) async fn record_privacy_request(
        &self,
        new: &NewPrivacyRequest,
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<PrivacyRequest> {
        if new.received_on > today {
            return Err(PrivacyError::ReceivedInFuture {
                received: new.received_on,
                today,
            }
            .into());
        }
        let now = Utc::now();
        let mut tx = self.write().await?;
        if self
            .subject_state(&mut tx, new.subject_kind, new.subject_id)
            .await?
            .is_none()
        {
            return Err(not_found(new.subject_kind, new.subject_id));
        }
        let calendar = self.holidays_on(&mut tx).await?;
        let due = due_date(new.regime, new.kind, new.received_on, &calendar);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO privacy_requests (tenant_id, subject_kind, subject_id, kind, regime, \
               received_on, due_on, status, received_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) RETURNING id",
        )
        .bind(self.tenant())
        .bind(new.subject_kind.as_str())
        .bind(new.subject_id)
        .bind(new.kind.as_str())
        .bind(new.regime.as_str())
        .bind(new.received_on.to_string())
        .bind(due.to_string())
        .bind(actor.as_str())
        .bind(micros(now))
        .fetch_one(&mut *tx)
        .await?;
        let entry = Entry::new(
            EventType::PrivacyRequest,
            new.subject_kind.table(),
            new.subject_id,
        )
        .detail(json!({
            "action": "received",
            "request_id": id,
            "kind": new.kind.as_str(),
            "regime": new.regime.as_str(),
            "received_on": new.received_on.to_string(),
            "due_on": due.to_string(),
        }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(PrivacyRequest {
            id,
            subject_kind: new.subject_kind,
            subject_id: new.subject_id,
            kind: new.kind,
            regime: new.regime,
            received_on: new.received_on,
            due_on: due,
            status: RequestStatus::Pending,
            refusal: None,
            outcome: None,
            received_by: actor.as_str().to_owned(),
            created_at: instant(micros(now))?,
            closed_at: None,
        })
    }

    /// The request with `id`, if any.
    pub(crate) async fn privacy_request(&self, id: i64) -> Result<Option<PrivacyRequest>> {
        let row = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(self.tenant())
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(request_row).transpose()
    }

    /// Every request (of one subject, or all), oldest first.
    pub(crate) async fn privacy_requests(
        &self,
        subject: Option<(SubjectKind, i64)>,
    ) -> Result<Vec<PrivacyRequest>> {
        let mut conn = self.pool().acquire().await?;
        self.privacy_requests_on(&mut conn, subject).await
    }

    /// [`Store::privacy_requests`] on a connection the caller holds (an in-memory store has
    /// only one).
    async fn privacy_requests_on(
        &self,
        conn: &mut AnyConnection,
        subject: Option<(SubjectKind, i64)>,
    ) -> Result<Vec<PrivacyRequest>> {
        let rows = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE tenant_id = $1 \
             AND ($2 IS NULL OR (subject_kind = $2 AND subject_id = $3)) ORDER BY id"
        ))
        .bind(self.tenant())
        .bind(subject.map(|(k, _)| k.as_str()))
        .bind(subject.map_or(0, |(_, id)| id))
        .fetch_all(conn)
        .await?;
        rows.iter().map(request_row).collect()
    }

    /// The pending requests, soonest deadline first, with the days left as of `today`.
    pub(crate) async fn pending_privacy_requests(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<PendingRequest>> {
        let rows = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE tenant_id = $1 \
             AND status = 'pending' ORDER BY due_on, id"
        ))
        .bind(self.tenant())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let request = request_row(row)?;
                Ok(PendingRequest {
                    days_left: request.days_left(today),
                    request,
                })
            })
            .collect()
    }

    /// Refuses a pending request with one of the shop's reasons; audited `PRIVACY_REQUEST`
    /// (action `refused`).
    pub(crate) async fn refuse_privacy_request(
        &self,
        id: i64,
        reason: RefusalReason,
        actor: &Actor,
    ) -> Result<PrivacyRequest> {
        if reason.is_automatic() {
            return Err(PrivacyError::AutomaticReason(reason.as_str()).into());
        }
        let now = Utc::now();
        let mut tx = self.write().await?;
        let row = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(self.tenant())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(PrivacyError::RequestNotFound(id))?;
        let mut request = request_row(&row)?;
        if request.status != RequestStatus::Pending {
            return Err(PrivacyError::RequestClosed(id).into());
        }
        let outcome = json!({ "reason": reason.as_str(), "explanation": reason.describe() });
        sqlx::query(
            "UPDATE privacy_requests SET status = 'refused', refusal = $3, outcome = $4, \
               closed_at = $5 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(id)
        .bind(reason.as_str())
        .bind(outcome.to_string())
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        let entry = Entry::new(
            EventType::PrivacyRequest,
            request.subject_kind.table(),
            request.subject_id,
        )
        .detail(json!({
            "action": "refused",
            "request_id": id,
            "kind": request.kind.as_str(),
            "refusal": reason.as_str(),
        }));
        self.commit_audited(tx, actor, entry).await?;
        request.status = RequestStatus::Refused;
        request.refusal = Some(reason);
        request.outcome = Some(outcome);
        request.closed_at = Some(instant(micros(now))?);
        Ok(request)
    }

    /// Closes the subject's pending requests of `kind` inside `tx`; returns their ids.
    #[allow(clippy::too_many_arguments)]
    async fn close_requests(
        &self,
        tx: &mut Tx,
        subject: (SubjectKind, i64),
        kind: RequestKind,
        status: RequestStatus,
        refusal: Option<RefusalReason>,
        outcome: &Value,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE privacy_requests SET status = $5, refusal = $6, outcome = $7, closed_at = $8 \
             WHERE tenant_id = $1 AND subject_kind = $2 AND subject_id = $3 AND kind = $4 \
               AND status = 'pending' RETURNING id",
        )
        .bind(self.tenant())
        .bind(subject.0.as_str())
        .bind(subject.1)
        .bind(kind.as_str())
        .bind(status.as_str())
        .bind(refusal.map(RefusalReason::as_str))
        .bind(outcome.to_string())
        .bind(micros(now))
        .fetch_all(&mut **tx)
        .await?;
        ids.sort_unstable();
        Ok(ids)
    }

    // --- access -----------------------------------------------------------------------------

    /// Opens a personal field for an export: its value, or `Erased` when its key is destroyed.
    fn export_field(
        &self,
        row: &AnyRow,
        column: &EncryptedColumn,
        id: i64,
    ) -> Result<ExportedValue> {
        let envelope: Option<Vec<u8>> = row.try_get(column.column)?;
        let Some(envelope) = envelope else {
            return Ok(ExportedValue::Absent);
        };
        match column.open(self.keys(), id, &envelope) {
            Ok(value) => Ok(ExportedValue::Present(
                value
                    .into_text()
                    .map_err(|e| super::fields::field_error(column, id, e))?,
            )),
            Err(Error::Field {
                source: CryptoError::KeyDestroyed(_),
                ..
            }) => Ok(ExportedValue::Erased),
            Err(e) => Err(e),
        }
    }

    /// Everything the store holds about one subject; audited `ACCESS_REQUEST` before it is
    /// returned (fail-closed), in the transaction that closes their pending access requests.
    pub(crate) async fn export_subject(
        &self,
        kind: SubjectKind,
        id: i64,
        actor: &Actor,
    ) -> Result<SubjectExport> {
        self.sync_keys_for_read().await?;
        let generated_at = instant(micros(Utc::now()))?;
        let mut conn = self.pool().acquire().await?;
        let (row, record, erased_at, code) = match kind {
            SubjectKind::Customer => {
                let row = sqlx::query(
                    "SELECT id, code, kind, price_list, credit_limit_centavos, \
                       discount_centipercent, active, erased_at, created_at, updated_at, \
                       document_type, names, surname, document, phone, email, address \
                     FROM customers WHERE tenant_id = $1 AND id = $2",
                )
                .bind(self.tenant())
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| not_found(kind, id))?;
                let code: String = row.try_get("code")?;
                let record = vec![
                    ("code".to_owned(), code.clone()),
                    ("kind".to_owned(), row.try_get::<String, _>("kind")?),
                    (
                        "price_list".to_owned(),
                        row.try_get::<String, _>("price_list")?,
                    ),
                    (
                        "credit_limit".to_owned(),
                        Money::from_centavos(row.try_get("credit_limit_centavos")?).to_string(),
                    ),
                    (
                        "discount_percent".to_owned(),
                        Money::from_centavos(row.try_get("discount_centipercent")?).to_string(),
                    ),
                    (
                        "active".to_owned(),
                        codec::flag(&row, "active")?.to_string(),
                    ),
                    (
                        "created_at".to_owned(),
                        rfc3339(instant(row.try_get("created_at")?)?),
                    ),
                    (
                        "updated_at".to_owned(),
                        rfc3339(instant(row.try_get("updated_at")?)?),
                    ),
                ];
                let erased: Option<i64> = row.try_get("erased_at")?;
                (row, record, erased, code)
            }
            SubjectKind::Supplier => {
                let row = sqlx::query(&format!(
                    "SELECT {}, created_at, erased_at, cuit, phone, email, address \
                     FROM suppliers WHERE tenant_id = $1 AND id = $2",
                    codec::SUPPLIER_COLUMNS
                ))
                .bind(self.tenant())
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| not_found(kind, id))?;
                let supplier = codec::supplier(&row)?;
                let record = vec![
                    ("code".to_owned(), supplier.code.clone()),
                    ("legal_name".to_owned(), supplier.legal_name),
                    (
                        "trade_name".to_owned(),
                        supplier.trade_name.unwrap_or_default(),
                    ),
                    (
                        "tax_condition".to_owned(),
                        supplier.tax_condition.unwrap_or_default(),
                    ),
                    (
                        "payment_terms_days".to_owned(),
                        supplier
                            .payment_terms_days
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                    ),
                    ("is_default".to_owned(), supplier.is_default.to_string()),
                    ("active".to_owned(), supplier.active.to_string()),
                    (
                        "created_at".to_owned(),
                        rfc3339(instant(row.try_get("created_at")?)?),
                    ),
                ];
                let erased: Option<i64> = row.try_get("erased_at")?;
                (row, record, erased, supplier.code)
            }
        };
        let erased_at = erased_at.map(instant).transpose()?;

        // Personal data, field by field: an erased field is reported as such, any other
        // failure is an error (and a DECRYPT_FAILED record, by the façade).
        let mut personal_data = Vec::new();
        let mut fields_read = Vec::new();
        let allowed = match kind {
            SubjectKind::Customer => CUSTOMER_FIELDS,
            SubjectKind::Supplier => SUPPLIER_FIELDS,
        };
        for field in allowed {
            let value = if *field == "document_type" {
                match row.try_get::<Option<String>, _>("document_type")? {
                    Some(t) => ExportedValue::Present(t),
                    None => ExportedValue::Absent,
                }
            } else {
                let column = column_named(kind, field)?;
                let value = self.export_field(&row, &column, id)?;
                match (value, *field) {
                    (ExportedValue::Present(v), "cuit") => {
                        ExportedValue::Present(Cuit::parse(&v).map_or(v, |c| c.formatted()))
                    }
                    (other, _) => other,
                }
            };
            if matches!(value, ExportedValue::Present(_)) && *field != "document_type" {
                fields_read.push(*field);
            }
            personal_data.push(ExportedField {
                field: (*field).to_owned(),
                value,
            });
        }

        let fscope = fiscal_scope(&kind.scope(id));
        let fiscal_part = match self.keys().active_id(KeyPurpose::Data, &fscope) {
            Some(_) => {
                let holds = self.holds_covering(&mut conn, kind, id).await?;
                let last = self.last_fiscal_record(&mut conn, kind, id).await?;
                let policy = self.retention_policy_on(&mut conn).await?;
                let reason = fiscal_keep_reason(&holds, last, &policy.cutoffs(generated_at));
                Some(KeptFiscalPart {
                    scope: fscope,
                    fields: fiscal_fields(kind)
                        .iter()
                        .filter(|f| {
                            personal_data
                                .iter()
                                .any(|p| p.field == **f && p.value.value().is_some())
                        })
                        .map(|f| (*f).to_owned())
                        .collect(),
                    reason,
                })
            }
            None => None,
        };

        let references = self.references(&mut conn, kind, id, &code).await?;
        let mut requests = self
            .privacy_requests_on(&mut conn, Some((kind, id)))
            .await?;
        let events: Vec<AuditEvent> = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM audit_events WHERE tenant_id = $1 \
             AND target_table = $2 AND (target_key = $3 OR target_key = '') ORDER BY seq"
        ))
        .bind(self.tenant())
        .bind(kind.table())
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(audit_event)
        .collect::<Result<_>>()?;
        drop(conn);
        let audit_events: Vec<ExportedAuditEvent> = events
            .iter()
            .filter(|e| is_about(e, id))
            .map(|e| ExportedAuditEvent {
                seq: e.seq,
                at: e.at,
                event_type: e.event_type.as_str().to_owned(),
                status: e.status.as_str().to_owned(),
                detail: redact_detail(&e.detail),
            })
            .collect();

        // The record of the access, and the requests it answers, before anything is returned.
        let erased_fields: Vec<&str> = personal_data
            .iter()
            .filter(|f| f.value == ExportedValue::Erased)
            .map(|f| f.field.as_str())
            .collect();
        let recorded = async {
            let mut tx = self.write().await?;
            let outcome = json!({
                "exported_at": rfc3339(generated_at),
                "fields": fields_read,
                "erased_fields": erased_fields,
            });
            let closed = self
                .close_requests(
                    &mut tx,
                    (kind, id),
                    RequestKind::Access,
                    RequestStatus::Completed,
                    None,
                    &outcome,
                    generated_at,
                )
                .await?;
            let entry = Entry::new(EventType::AccessRequest, kind.table(), id)
                .key(self.keys().active_id(KeyPurpose::Data, &kind.scope(id)))
                .detail(json!({
                    "action": "export",
                    "fields": fields_read,
                    "erased_fields": erased_fields,
                    "references": references.len(),
                    "audit_events": audit_events.len(),
                    "request_ids": closed,
                }));
            self.commit_audited(tx, actor, entry).await?;
            Ok::<_, Error>(closed)
        }
        .await;
        let closed = recorded.map_err(|source| Error::AuditUnavailable {
            source: Box::new(source),
        })?;
        for request in &mut requests {
            if closed.contains(&request.id) {
                request.status = RequestStatus::Completed;
                request.closed_at = Some(generated_at);
            }
        }
        Ok(SubjectExport {
            kind,
            id,
            generated_at,
            erased_at,
            record,
            personal_data,
            fiscal_part,
            references,
            requests,
            audit_events,
        })
    }

    /// The records that refer to a subject. Suppliers: the products they supply, their
    /// purchase orders, and the ledger rows that reference one of those orders. Customers:
    /// ledger rows and reservations whose reference is the customer's code (the ledger has no
    /// customer column).
    async fn references(
        &self,
        conn: &mut AnyConnection,
        kind: SubjectKind,
        id: i64,
        code: &str,
    ) -> Result<Vec<SubjectReference>> {
        let mut out = Vec::new();
        let movements = match kind {
            SubjectKind::Customer => {
                sqlx::query(
                    "SELECT id, kind, product_id, location_id, quantity_milli, occurred_at, \
                       reference FROM stock_movements WHERE tenant_id = $1 AND reference = $2 \
                     ORDER BY id",
                )
                .bind(self.tenant())
                .bind(code)
                .fetch_all(&mut *conn)
                .await?
            }
            SubjectKind::Supplier => {
                let products = sqlx::query(
                    "SELECT id, sku, name, created_at FROM products WHERE tenant_id = $1 \
                       AND supplier_id = $2 ORDER BY id",
                )
                .bind(self.tenant())
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
                for p in &products {
                    out.push(SubjectReference {
                        kind: "product",
                        id: p.try_get("id")?,
                        at: Some(instant(p.try_get("created_at")?)?),
                        fields: vec![
                            ("sku".to_owned(), p.try_get("sku")?),
                            ("name".to_owned(), p.try_get("name")?),
                        ],
                    });
                }
                let orders = sqlx::query(
                    "SELECT id, number, status, created_at FROM purchase_orders \
                     WHERE tenant_id = $1 AND supplier_id = $2 ORDER BY id",
                )
                .bind(self.tenant())
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
                for o in &orders {
                    out.push(SubjectReference {
                        kind: "purchase_order",
                        id: o.try_get("id")?,
                        at: Some(instant(o.try_get("created_at")?)?),
                        fields: vec![
                            ("number".to_owned(), o.try_get("number")?),
                            ("status".to_owned(), o.try_get("status")?),
                        ],
                    });
                }
                sqlx::query(
                    "SELECT m.id, m.kind, m.product_id, m.location_id, m.quantity_milli, \
                       m.occurred_at, m.reference FROM stock_movements m \
                     WHERE m.tenant_id = $1 AND m.reference IN (SELECT o.number FROM \
                       purchase_orders o WHERE o.tenant_id = $1 AND o.supplier_id = $2) \
                     ORDER BY m.id",
                )
                .bind(self.tenant())
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
            }
        };
        for m in &movements {
            out.push(SubjectReference {
                kind: "movement",
                id: m.try_get("id")?,
                at: Some(instant(m.try_get("occurred_at")?)?),
                fields: vec![
                    ("kind".to_owned(), m.try_get("kind")?),
                    (
                        "product".to_owned(),
                        m.try_get::<i64, _>("product_id")?.to_string(),
                    ),
                    (
                        "location".to_owned(),
                        m.try_get::<i64, _>("location_id")?.to_string(),
                    ),
                    (
                        "quantity".to_owned(),
                        Quantity::from_milli(m.try_get("quantity_milli")?).to_string(),
                    ),
                    (
                        "reference".to_owned(),
                        m.try_get::<Option<String>, _>("reference")?
                            .unwrap_or_default(),
                    ),
                ],
            });
        }
        if kind == SubjectKind::Customer {
            let reservations = sqlx::query(
                "SELECT id, product_id, location_id, quantity_milli, status, created_at \
                 FROM reservations WHERE tenant_id = $1 AND reference = $2 ORDER BY id",
            )
            .bind(self.tenant())
            .bind(code)
            .fetch_all(&mut *conn)
            .await?;
            for r in &reservations {
                out.push(SubjectReference {
                    kind: "reservation",
                    id: r.try_get("id")?,
                    at: Some(instant(r.try_get("created_at")?)?),
                    fields: vec![
                        (
                            "product".to_owned(),
                            r.try_get::<i64, _>("product_id")?.to_string(),
                        ),
                        (
                            "location".to_owned(),
                            r.try_get::<i64, _>("location_id")?.to_string(),
                        ),
                        (
                            "quantity".to_owned(),
                            Quantity::from_milli(r.try_get("quantity_milli")?).to_string(),
                        ),
                        ("status".to_owned(), r.try_get("status")?),
                    ],
                });
            }
        }
        Ok(out)
    }

    // --- rectification ----------------------------------------------------------------------

    /// Rewrites a subject's personal fields, sealed under their own key, with their blind
    /// indexes recomputed; audited `SENSITIVE_DATA_MODIFY` with the new values' MACs only.
    pub(crate) async fn rectify(
        &self,
        kind: SubjectKind,
        id: i64,
        changes: &SubjectChanges,
        reason: &str,
        actor: &Actor,
    ) -> Result<RectificationReceipt> {
        let allowed = match kind {
            SubjectKind::Customer => CUSTOMER_FIELDS,
            SubjectKind::Supplier => SUPPLIER_FIELDS,
        };
        changes.check(allowed)?;
        // The document type is a code (`dni`), not a personal value.
        let values: Vec<&str> = changes
            .iter()
            .filter(|(field, _)| *field != "document_type")
            .filter_map(|(_, v)| v)
            .collect();
        let reason = check_reason(reason, &values)?;
        let now = Utc::now();
        let mut tx = self.write().await?;
        let table = kind.table();
        let select = match kind {
            SubjectKind::Customer => {
                "SELECT erased_at, document_type FROM customers \
                                      WHERE tenant_id = $1 AND id = $2"
            }
            SubjectKind::Supplier => {
                "SELECT erased_at, NULL AS document_type FROM suppliers \
                                      WHERE tenant_id = $1 AND id = $2"
            }
        };
        let row = sqlx::query(select)
            .bind(self.tenant())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        if row.try_get::<Option<i64>, _>("erased_at")?.is_some() {
            return Err(PrivacyError::SubjectErased {
                kind: kind.as_str(),
                id,
            }
            .into());
        }
        let stored_type: Option<String> = row.try_get("document_type")?;

        // Every value is checked and put in canonical form before anything is sealed.
        let mut written: Vec<(&'static str, String)> = Vec::new();
        let mut cleared: Vec<&'static str> = Vec::new();
        let mut document_type: Option<Option<&'static str>> = None;
        for field in allowed {
            if *field == "document_type" {
                continue;
            }
            let Some(change) = changes.get(field) else {
                continue;
            };
            match (change, *field) {
                (None, "document") => {
                    cleared.push("document");
                    document_type = Some(None);
                }
                (None, _) => cleared.push(field),
                (Some(number), "document") => {
                    let doc_kind = match changes.get("document_type") {
                        Some(Some(t)) => t.trim().to_lowercase(),
                        _ => stored_type
                            .clone()
                            .ok_or(PrivacyError::DocumentTypeWithoutDocument)?,
                    };
                    let document = parse_document(&doc_kind, number)?;
                    let (doc_type, canonical) = document_parts(&document);
                    document_type = Some(Some(doc_type));
                    written.push(("document", canonical));
                }
                (Some(cuit), "cuit") => {
                    written.push(("cuit", Cuit::parse(cuit)?.canonical().to_owned()));
                }
                (Some(value), _) => written.push((field, value.to_owned())),
            }
        }

        let mut key_changes = KeyChanges::default();
        let data_key: Arc<DataKey> = match self
            .subject_key(&mut tx, kind, id, &mut key_changes)
            .await?
        {
            Some(created) => Arc::new(created.data_key()),
            None => self
                .keys()
                .active_data_key(&kind.scope(id))?
                .ok_or_else(|| corrupt("the subject's data key vanished"))?,
        };
        let mut sets: Vec<(String, Bound)> = Vec::new();
        let mut indexes: Vec<String> = Vec::new();
        for (field, value) in &written {
            let column = column_named(kind, field)?;
            let sealed =
                column.seal_with(self.keys(), &data_key, id, &FieldValue::Text(value.clone()))?;
            sets.push(((*field).to_owned(), Bound::Blob(Some(sealed))));
            let index = match (kind, *field) {
                (SubjectKind::Customer, "document") => Some(document_normalizer(
                    document_type.flatten().unwrap_or("dni"),
                )),
                (SubjectKind::Customer, "email") => Some(Normalizer::Email),
                (SubjectKind::Supplier, "cuit") => Some(Normalizer::Digits),
                _ => None,
            };
            if let Some(normalizer) = index {
                let bidx = self
                    .blind_index_in(&mut tx, table, field, normalizer, value, &mut key_changes)
                    .await?;
                if kind == SubjectKind::Supplier {
                    let other: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM suppliers WHERE tenant_id = $1 AND cuit_bidx = $2 \
                           AND id <> $3",
                    )
                    .bind(self.tenant())
                    .bind(&bidx)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if other.is_some() {
                        return Err(RuleError::InvalidText {
                            field: "supplier CUIT (already used by another supplier)",
                            max: 13,
                        }
                        .into());
                    }
                }
                sets.push((format!("{field}_bidx"), Bound::Blob(Some(bidx))));
                indexes.push((*field).to_owned());
            }
        }
        for field in &cleared {
            sets.push(((*field).to_owned(), Bound::Blob(None)));
            if matches!(
                (kind, *field),
                (SubjectKind::Customer, "document" | "email") | (SubjectKind::Supplier, "cuit")
            ) {
                sets.push((format!("{field}_bidx"), Bound::Blob(None)));
                indexes.push((*field).to_owned());
            }
        }
        if let Some(t) = document_type {
            sets.push((
                "document_type".to_owned(),
                Bound::Text(t.map(str::to_owned)),
            ));
        }
        if kind == SubjectKind::Customer {
            sets.push(("updated_at".to_owned(), Bound::Int(micros(now))));
        }
        let assignments = sets
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{column} = ${}", i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("UPDATE {table} SET {assignments} WHERE tenant_id = $1 AND id = $2");
        let mut query = sqlx::query(&sql).bind(self.tenant()).bind(id);
        for (_, value) in sets {
            query = match value {
                Bound::Blob(b) => query.bind(b),
                Bound::Text(t) => query.bind(t),
                Bound::Int(i) => query.bind(i),
            };
        }
        query.execute(&mut *tx).await?;

        let fields_written: Vec<String> = written.iter().map(|(f, _)| (*f).to_owned()).collect();
        let fields_cleared: Vec<String> = cleared.iter().map(|f| (*f).to_owned()).collect();
        let macs = self.value_macs(
            &written
                .iter()
                .map(|(f, v)| (*f, Some(v.as_str())))
                .collect::<Vec<_>>(),
        )?;
        let outcome = json!({ "fields_written": fields_written, "fields_cleared": fields_cleared });
        let closed = self
            .close_requests(
                &mut tx,
                (kind, id),
                RequestKind::Rectification,
                RequestStatus::Completed,
                None,
                &outcome,
                now,
            )
            .await?;
        let entry = Entry::new(EventType::SensitiveDataModify, table, id)
            .key(Some(data_key.id()))
            .detail(json!({
                "action": "rectify",
                "values": macs,
                "cleared": fields_cleared,
                "reason": reason,
                "request_ids": closed,
            }));
        self.commit_audited(tx, actor, entry).await?;
        key_changes.apply(self.keys());
        Ok(RectificationReceipt {
            kind,
            id,
            fields_written,
            fields_cleared,
            blind_indexes_updated: indexes,
            requests_closed: closed,
        })
    }

    // --- erasure ----------------------------------------------------------------------------

    /// Crypto-shreds one subject in one transaction: destroys their data key, removes their
    /// blind indexes and marks them erased. When a legal hold covers them or their fiscal
    /// records, or a fiscal record is younger than the fiscal period, their fiscal fields are
    /// first sealed again under a key scope of their own (`fiscal:<kind>:<id>`) and kept; the
    /// receipt says which and why. Answers their pending erasure requests.
    pub(crate) async fn erase_subject(
        &self,
        kind: SubjectKind,
        id: i64,
        actor: &Actor,
    ) -> Result<ErasureReceipt> {
        let now = instant(micros(Utc::now()))?;
        let mut tx = self.write().await?;
        let table = kind.table();
        let columns = personal_columns(kind);
        let indexes = blind_index_columns(kind);
        let select = format!(
            "SELECT {}, {} FROM {table} WHERE tenant_id = $1 AND id = $2",
            columns
                .iter()
                .map(|c| c.column)
                .collect::<Vec<_>>()
                .join(", "),
            indexes
                .iter()
                .map(|c| format!("{c} IS NOT NULL AS has_{c}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        let row = sqlx::query(&select)
            .bind(self.tenant())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        let mut blind_indexes_removed = 0;
        for c in indexes {
            if codec::flag(&row, format!("has_{c}").as_str())? {
                blind_indexes_removed += 1;
            }
        }
        let policy = self.retention_policy_on(&mut tx).await?;
        let holds = self.holds_covering(&mut tx, kind, id).await?;
        let last = self.last_fiscal_record(&mut tx, kind, id).await?;
        let keep = fiscal_keep_reason(&holds, last, &policy.cutoffs(now));

        let subject_scope = kind.scope(id);
        let fscope = fiscal_scope(&subject_scope);
        let mut changes = KeyChanges::default();
        let mut fiscal_key: Option<Arc<DataKey>> = self.keys().active_data_key(&fscope)?;
        let mut kept_fields = Vec::new();
        let mut unreadable_fields = Vec::new();
        let mut moves: Vec<(EncryptedColumn, Vec<u8>)> = Vec::new();
        for column in &columns {
            let envelope: Option<Vec<u8>> = row.try_get(column.column)?;
            let Some(envelope) = envelope else { continue };
            let fiscal = keep.is_some() && fiscal_fields(kind).contains(&column.column);
            if !fiscal {
                unreadable_fields.push(qualified(column));
                continue;
            }
            match column.open(self.keys(), id, &envelope) {
                Ok(value) => {
                    let key = match &fiscal_key {
                        Some(key) => Arc::clone(key),
                        None => {
                            let created = self
                                .create_key(&mut tx, KeyPurpose::Data, &fscope, &mut changes)
                                .await?;
                            let key = Arc::new(created.data_key());
                            fiscal_key = Some(Arc::clone(&key));
                            key
                        }
                    };
                    if parse_header(&envelope)?.key_id != key.id() {
                        moves.push((*column, column.seal_with(self.keys(), &key, id, &value)?));
                    }
                    kept_fields.push(qualified(column));
                }
                // Already shredded by an earlier erasure: nothing left to keep.
                Err(Error::Field {
                    source: CryptoError::KeyDestroyed(_),
                    ..
                }) => unreadable_fields.push(qualified(column)),
                Err(e) => return Err(e),
            }
        }
        let refusal = keep.filter(|_| !kept_fields.is_empty());
        for (column, sealed) in &moves {
            sqlx::query(&format!(
                "UPDATE {table} SET {} = $3 WHERE tenant_id = $1 AND id = $2",
                column.column
            ))
            .bind(self.tenant())
            .bind(id)
            .bind(sealed.as_slice())
            .execute(&mut *tx)
            .await?;
        }
        let mut destroyed_keys = self
            .destroy_scope(&mut tx, &subject_scope, &mut changes)
            .await?;
        if refusal.is_none() {
            // Nothing to keep (any more): an earlier erasure's fiscal part goes too.
            destroyed_keys.extend(self.destroy_scope(&mut tx, &fscope, &mut changes).await?);
            destroyed_keys.sort_unstable();
        }
        let clear = indexes
            .iter()
            .map(|c| format!("{c} = NULL"))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "UPDATE {table} SET {clear}, erased_at = $3 WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(self.tenant())
        .bind(id)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        let kept_scope = refusal.map(|_| fscope.clone());
        let holds = if refusal == Some(RefusalReason::LegalHold) {
            holds
        } else {
            Vec::new()
        };
        let mut receipt = ErasureReceipt {
            kind,
            id,
            destroyed_keys,
            unreadable_fields,
            blind_indexes_removed,
            kept_fields,
            kept_scope,
            refusal,
            holds,
            requests_closed: Vec::new(),
            erased_at: now,
        };
        let (status, outcome) = match refusal {
            Some(_) => (RequestStatus::PartiallyRefused, receipt_json(&receipt)),
            None => (RequestStatus::Completed, receipt_json(&receipt)),
        };
        receipt.requests_closed = self
            .close_requests(
                &mut tx,
                (kind, id),
                RequestKind::Erasure,
                status,
                refusal,
                &outcome,
                now,
            )
            .await?;
        let mut detail = receipt_json(&receipt);
        detail["action"] = json!("erase_subject");
        detail["scope"] = json!(subject_scope);
        detail["request_ids"] = json!(receipt.requests_closed);
        let entry = Entry::new(EventType::KeyDestroyed, table, id).detail(detail);
        self.commit_audited(tx, actor, entry).await?;
        changes.apply(self.keys());
        Ok(receipt)
    }

    // --- retention --------------------------------------------------------------------------

    /// Applies the retention policy as of `now`, in one transaction: purges the audit prefix
    /// every category allows (stopping at holds), and destroys the fiscal parts whose hold
    /// was lifted and whose fiscal period is over; audited `RETENTION_PURGE`. A run with
    /// nothing to do writes nothing, so a second run is a no-op.
    pub(crate) async fn apply_retention(
        &self,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<RetentionReport> {
        let mut tx = self.write().await?;
        let policy = self.retention_policy_on(&mut tx).await?;
        let cutoffs = policy.cutoffs(now);
        let purge = self
            .purge_prefix(
                &mut tx,
                PurgeCutoffs {
                    operational: cutoffs.operational_audit,
                    access: cutoffs.access_audit,
                },
            )
            .await?;
        let scopes: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT scope FROM crypto_keys WHERE tenant_id = $1 AND purpose = 'data' \
               AND status <> 'destroyed' AND scope LIKE 'fiscal:%' ORDER BY scope",
        )
        .bind(self.tenant())
        .fetch_all(&mut *tx)
        .await?;
        let mut changes = KeyChanges::default();
        let mut destroyed_scopes = Vec::new();
        let mut destroyed_keys = Vec::new();
        let mut kept = 0;
        for scope in scopes {
            let Some((kind, id)) = fiscal_subject(&scope) else {
                continue;
            };
            let holds = self.holds_covering(&mut tx, kind, id).await?;
            let last = self.last_fiscal_record(&mut tx, kind, id).await?;
            if fiscal_keep_reason(&holds, last, &cutoffs).is_some() {
                kept += 1;
                continue;
            }
            destroyed_keys.extend(self.destroy_scope(&mut tx, &scope, &mut changes).await?);
            destroyed_scopes.push(scope);
        }
        destroyed_keys.sort_unstable();
        let mut report = RetentionReport {
            now,
            policy,
            audit_purged: purge.purged,
            audit_purged_through: purge.through.and_then(|t| u64::try_from(t).ok()),
            audit_stopped_by: purge.stop,
            fiscal_scopes_destroyed: destroyed_scopes,
            destroyed_keys,
            fiscal_parts_kept: kept,
            event_seq: None,
        };
        if purge.purged == 0 && report.fiscal_scopes_destroyed.is_empty() {
            tx.rollback().await?;
            return Ok(report);
        }
        let mut detail = json!({
            "action": "apply_retention",
            "now": rfc3339(now),
            "policy": policy_json(&policy),
            "cutoffs": {
                "operational_audit": rfc3339(cutoffs.operational_audit),
                "access_audit": rfc3339(cutoffs.access_audit),
                "fiscal_records": rfc3339(cutoffs.fiscal_records),
            },
            "purged": purge.purged,
            "stopped_by": purge.stop.map(PurgeStop::as_str),
            "fiscal_scopes_destroyed": report.fiscal_scopes_destroyed,
            "destroyed_keys": report.destroyed_keys,
        });
        if let (Some(through), Some(hash)) = (purge.through, &purge.last_hash) {
            // What the verifier reads to vouch for the new anchor.
            detail["purged_through_seq"] = json!(through);
            detail["last_purged_hash"] = json!(hex::encode(hash));
        }
        let entry = Entry::new(EventType::RetentionPurge, "audit_events", "").detail(detail);
        report.event_seq = Some(self.commit_audited(tx, actor, entry).await?);
        changes.apply(self.keys());
        Ok(report)
    }

    /// Deletes the backups of this store in `dir` made before the backup period (as their
    /// headers say), except the newest and those a legal hold on `backups` covers; audited
    /// `RETENTION_PURGE` (target `backups`) listing the files removed.
    pub(crate) async fn prune_backups(
        &self,
        dir: &Path,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<BackupPruneReport> {
        let policy = self.retention_policy().await?;
        let cutoff = policy.cutoffs(now).backups;
        let store_id = self.store_id().await?;
        let holds: Vec<String> = sqlx::query_scalar(
            "SELECT target_key FROM legal_holds WHERE tenant_id = $1 AND lifted_at IS NULL \
               AND target_table = 'backups'",
        )
        .bind(self.tenant())
        .fetch_all(self.pool())
        .await?;
        let dir_error = |path: &Path, source| PrivacyError::BackupDirectory {
            path: path.to_owned(),
            source,
        };
        let entries = std::fs::read_dir(dir).map_err(|e| dir_error(dir, e))?;
        let mut backups: Vec<(DateTime<Utc>, PathBuf)> = Vec::new();
        let mut skipped = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| dir_error(dir, e))?;
            let path = entry.path();
            let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
            // An unfinished backup (`NAME.partial`); anything else that is not a backup of
            // this store is skipped below when its header does not read.
            let unfinished = path.extension().is_some_and(|e| e == "partial");
            if !is_file || unfinished {
                skipped.push(path);
                continue;
            }
            match crate::backup::inspect(&path) {
                Ok(header) if header.store_id == store_id && header.tenant == self.tenant() => {
                    backups.push((header.created_at, path));
                }
                _ => skipped.push(path),
            }
        }
        backups.sort();
        skipped.sort();
        let newest = backups.last().map(|(_, p)| p.clone());
        let mut removed = Vec::new();
        let mut kept = Vec::new();
        let mut held = Vec::new();
        let mut failure = None;
        for (created_at, path) in backups {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if created_at >= cutoff || Some(&path) == newest.as_ref() {
                kept.push(path);
            } else if holds.iter().any(|k| k.is_empty() || *k == name) {
                held.push(path);
            } else if failure.is_some() {
                kept.push(path);
            } else {
                match std::fs::remove_file(&path) {
                    Ok(()) => removed.push(path),
                    Err(e) => {
                        failure = Some(dir_error(&path, e));
                        kept.push(path);
                    }
                }
            }
        }
        let mut report = BackupPruneReport {
            directory: dir.to_owned(),
            removed,
            kept,
            held,
            skipped,
            event_seq: None,
        };
        if !report.removed.is_empty() {
            // What was actually removed is recorded, even when a later removal failed.
            let names: Vec<String> = report
                .removed
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            let tx = self.write().await?;
            let entry = Entry::new(EventType::RetentionPurge, "backups", "").detail(json!({
                "action": "prune_backups",
                "removed": names,
                "held": report.held.len(),
                "cutoff": rfc3339(cutoff),
                "backup_days": policy.backup_days,
            }));
            report.event_seq = Some(self.commit_audited(tx, actor, entry).await?);
        }
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(report),
        }
    }
}

fn policy_json(policy: &RetentionPolicy) -> Value {
    json!({
        "operational_audit_days": policy.operational_audit_days,
        "access_audit_days": policy.access_audit_days,
        "fiscal_years": policy.fiscal_years,
        "backup_days": policy.backup_days,
    })
}

/// An erasure receipt as JSON (for the request's outcome and the audit record): ids, field
/// names and codes only.
fn receipt_json(r: &ErasureReceipt) -> Value {
    json!({
        "destroyed_keys": r.destroyed_keys,
        "unreadable_fields": r.unreadable_fields,
        "blind_indexes_removed": r.blind_indexes_removed,
        "kept_fields": r.kept_fields,
        "kept_scope": r.kept_scope,
        "refusal": r.refusal.map(RefusalReason::as_str),
        "holds": r.holds,
        "erased_at": rfc3339(r.erased_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_scopes_parse_only_in_their_canonical_form() {
        assert_eq!(
            fiscal_subject("fiscal:customer:42"),
            Some((SubjectKind::Customer, 42))
        );
        assert_eq!(
            fiscal_subject("fiscal:supplier:7"),
            Some((SubjectKind::Supplier, 7))
        );
        for other in [
            "fiscal:customer:042",
            "fiscal:customer:+42",
            "fiscal:socio:1",
            "customer:42",
            "fiscal:customer:",
            "fiscal:customer:4:2",
        ] {
            assert_eq!(fiscal_subject(other), None, "{other}");
        }
    }

    #[test]
    fn redaction_keeps_names_and_codes_only() {
        let detail = json!({
            "action": "rectify",
            "values": { "email": "00ff", "names": "aa11" },
            "reason": "ticket 12",
            "row_keys": [1, 2, 3],
            "request_ids": [4],
        });
        let redacted = redact_detail(&detail);
        assert_eq!(
            redacted,
            json!({
                "action": "rectify",
                "request_ids": [4],
                "fields_written": ["email", "names"],
            })
        );
    }
}
