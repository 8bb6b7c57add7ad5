//! The privacy duties of `Inventory`: legal holds, data subjects' requests and their
//! deadlines, the access export, rectification, retention and backup pruning.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use inventario_core::audit::{LegalHold as CoreHold, Target};
use inventario_core::domain::privacy::{
    HolidayCalendar, RefusalReason, Regime, RequestKind, RetentionPolicy as CorePolicy,
    SubjectChanges,
};
use inventario_core::{
    BackupPruneReport as CorePrune, NewPrivacyRequest, PendingRequest as CorePending,
    PrivacyRequest as CoreRequest, RectificationReceipt as CoreRectification,
    RetentionReport as CoreRetention, SubjectKind,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert::{date, run};
use crate::errors::{to_js, validation};
use crate::inventory::Inventory;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn subject_kind(kind: &str) -> Result<SubjectKind> {
    match kind {
        "customer" => Ok(SubjectKind::Customer),
        "supplier" => Ok(SubjectKind::Supplier),
        other => Err(validation(format!(
            "unknown subject kind {other:?}: expected customer or supplier"
        ))),
    }
}

/// A legal hold: audit records about `table`/`key` (an empty key: the whole table) are kept,
/// and so is the fiscal part of a subject it covers, until it is lifted.
#[napi(object)]
pub struct LegalHold {
    pub id: i64,
    pub table: String,
    pub key: String,
    pub reason: String,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
}

impl From<CoreHold> for LegalHold {
    fn from(h: CoreHold) -> Self {
        LegalHold {
            id: h.id,
            table: h.target.table,
            key: h.target.key,
            reason: h.reason,
            placed_by: h.placed_by,
            placed_at: h.placed_at,
            lifted_at: h.lifted_at,
        }
    }
}

/// A data subject's request. `kind`: access, rectification or erasure; `regime`: ley_25326
/// or gdpr; `status`: pending, completed, partially_refused or refused; dates `YYYY-MM-DD`;
/// `outcome`: what answered it, as JSON text (never a personal value).
#[napi(object)]
pub struct PrivacyRequest {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub kind: String,
    pub regime: String,
    pub received_on: String,
    pub due_on: String,
    pub status: String,
    pub refusal: Option<String>,
    pub outcome: Option<String>,
    pub received_by: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<CoreRequest> for PrivacyRequest {
    fn from(r: CoreRequest) -> Self {
        PrivacyRequest {
            id: r.id,
            subject_kind: r.subject_kind.as_str().to_owned(),
            subject_id: r.subject_id,
            kind: r.kind.as_str().to_owned(),
            regime: r.regime.as_str().to_owned(),
            received_on: r.received_on.to_string(),
            due_on: r.due_on.to_string(),
            status: r.status.as_str().to_owned(),
            refusal: r.refusal.map(|r| r.as_str().to_owned()),
            outcome: r.outcome.map(|o| o.to_string()),
            received_by: r.received_by,
            created_at: r.created_at,
            closed_at: r.closed_at,
        }
    }
}

/// A pending request with the calendar days left to answer it (negative once overdue).
#[napi(object)]
pub struct PendingPrivacyRequest {
    pub request: PrivacyRequest,
    pub days_left: i64,
    pub overdue: bool,
}

impl From<CorePending> for PendingPrivacyRequest {
    fn from(p: CorePending) -> Self {
        PendingPrivacyRequest {
            overdue: p.is_overdue(),
            days_left: p.days_left,
            request: p.request.into(),
        }
    }
}

/// What `rectify` changed.
#[napi(object)]
pub struct RectificationReceipt {
    pub kind: String,
    pub id: i64,
    pub fields_written: Vec<String>,
    pub fields_cleared: Vec<String>,
    pub blind_indexes_updated: Vec<String>,
    pub requests_closed: Vec<i64>,
}

impl From<CoreRectification> for RectificationReceipt {
    fn from(r: CoreRectification) -> Self {
        RectificationReceipt {
            kind: r.kind.as_str().to_owned(),
            id: r.id,
            fields_written: r.fields_written,
            fields_cleared: r.fields_cleared,
            blind_indexes_updated: r.blind_indexes_updated,
            requests_closed: r.requests_closed,
        }
    }
}

/// How long each kind of record is kept (defaults 90 days, 365 days, 10 years, 30 days).
#[napi(object)]
pub struct RetentionPolicy {
    pub operational_audit_days: u32,
    pub access_audit_days: u32,
    pub fiscal_years: u32,
    pub backup_days: u32,
}

impl From<CorePolicy> for RetentionPolicy {
    fn from(p: CorePolicy) -> Self {
        RetentionPolicy {
            operational_audit_days: p.operational_audit_days,
            access_audit_days: p.access_audit_days,
            fiscal_years: p.fiscal_years,
            backup_days: p.backup_days,
        }
    }
}

/// The periods to change; the others stay.
#[napi(object)]
#[derive(Default)]
pub struct RetentionPolicyInput {
    pub operational_audit_days: Option<u32>,
    pub access_audit_days: Option<u32>,
    pub fiscal_years: Option<u32>,
    pub backup_days: Option<u32>,
}

/// What `applyRetention` did. `auditStoppedBy`: legal_hold, operational_audit or access_audit;
/// `eventSeq` is null when the run changed nothing.
#[napi(object)]
pub struct RetentionReport {
    pub now: DateTime<Utc>,
    pub policy: RetentionPolicy,
    pub audit_purged: i64,
    pub audit_purged_through: Option<i64>,
    pub audit_stopped_by: Option<String>,
    pub fiscal_scopes_destroyed: Vec<String>,
    pub destroyed_keys: Vec<u32>,
    pub fiscal_parts_kept: u32,
    pub event_seq: Option<i64>,
}

impl From<CoreRetention> for RetentionReport {
    fn from(r: CoreRetention) -> Self {
        RetentionReport {
            now: r.now,
            policy: r.policy.into(),
            audit_purged: count(r.audit_purged),
            audit_purged_through: r.audit_purged_through.map(count),
            audit_stopped_by: r.audit_stopped_by.map(|s| s.as_str().to_owned()),
            fiscal_scopes_destroyed: r.fiscal_scopes_destroyed,
            destroyed_keys: r.destroyed_keys,
            fiscal_parts_kept: u32::try_from(r.fiscal_parts_kept).unwrap_or(u32::MAX),
            event_seq: r.event_seq.map(count),
        }
    }
}

/// What `pruneBackups` did in a directory.
#[napi(object)]
pub struct BackupPruneReport {
    pub directory: String,
    pub removed: Vec<String>,
    pub kept: Vec<String>,
    pub held: Vec<String>,
    pub skipped: Vec<String>,
    pub event_seq: Option<i64>,
}

impl From<CorePrune> for BackupPruneReport {
    fn from(r: CorePrune) -> Self {
        let paths = |p: Vec<std::path::PathBuf>| -> Vec<String> {
            p.into_iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect()
        };
        BackupPruneReport {
            directory: r.directory.to_string_lossy().into_owned(),
            removed: paths(r.removed),
            kept: paths(r.kept),
            held: paths(r.held),
            skipped: paths(r.skipped),
            event_seq: r.event_seq.map(count),
        }
    }
}

/// How a request is recorded.
#[napi(object)]
#[derive(Default)]
pub struct PrivacyRequestOptions {
    /// ley_25326 (default) or gdpr.
    pub regime: Option<String>,
    /// The day it was received, `YYYY-MM-DD` (default today; never in the future).
    pub received_on: Option<String>,
}

/// Argentina's national holidays of `firstYear` to `lastYear` that follow from a rule (the
/// fixed dates, Carnival and Good Friday), as `YYYY-MM-DD`. Add the year's movable holidays
/// before passing them to `setHolidays`.
#[napi]
pub fn argentina_holidays(first_year: i32, last_year: i32) -> Result<Vec<String>> {
    Ok(HolidayCalendar::argentina(first_year..=last_year)
        .map_err(|e| to_js(e.into()))?
        .days()
        .map(|d| d.to_string())
        .collect())
}

#[napi]
impl Inventory {
    /// Places a legal hold on `table`/`key` (an empty key holds the whole table): held audit
    /// records are never purged; a hold on a subject (`customers`/id, `suppliers`/id) or on a
    /// supplier's `purchase_orders` keeps their fiscal part through an erasure; a hold on
    /// `backups`/file name keeps that backup.
    #[napi]
    pub async fn place_legal_hold(
        &self,
        table: String,
        key: String,
        reason: String,
    ) -> Result<LegalHold> {
        let inv = self.handle()?;
        run(async move {
            inv.place_legal_hold(Target::new(table, key), &reason)
                .await
                .map(LegalHold::from)
                .map_err(to_js)
        })
        .await
    }

    /// Lifts a legal hold (lifting a lifted hold changes nothing).
    #[napi]
    pub async fn lift_legal_hold(&self, id: i64) -> Result<LegalHold> {
        let inv = self.handle()?;
        run(async move {
            inv.lift_legal_hold(id)
                .await
                .map(LegalHold::from)
                .map_err(to_js)
        })
        .await
    }

    /// Every legal hold, in force or lifted.
    #[napi]
    pub async fn legal_holds(&self) -> Result<Vec<LegalHold>> {
        let inv = self.handle()?;
        run(async move {
            inv.legal_holds()
                .await
                .map(|h| h.into_iter().map(LegalHold::from).collect())
                .map_err(to_js)
        })
        .await
    }

    /// Records a data subject's request (`request`: access, rectification or erasure) about
    /// customer or supplier `id`, with its deadline (Ley 25.326: access 10 calendar days,
    /// rectification and erasure 5 business days; GDPR: one month).
    #[napi]
    pub async fn record_privacy_request(
        &self,
        kind: String,
        id: i64,
        request: String,
        options: Option<PrivacyRequestOptions>,
    ) -> Result<PrivacyRequest> {
        let inv = self.handle()?;
        let kind = subject_kind(&kind)?;
        let request = RequestKind::parse(&request).ok_or_else(|| {
            validation(format!(
                "unknown request {request:?}: expected access, rectification or erasure"
            ))
        })?;
        let options = options.unwrap_or_default();
        let regime = match options.regime.as_deref() {
            None => Regime::Ley25326,
            Some(name) => Regime::parse(name).ok_or_else(|| {
                validation(format!(
                    "unknown regime {name:?}: expected ley_25326 or gdpr"
                ))
            })?,
        };
        let received_on: NaiveDate = match options.received_on.as_deref() {
            Some(d) => date("receivedOn", d)?,
            None => inv.today(),
        };
        let new = NewPrivacyRequest::new(kind, id, request, received_on).regime(regime);
        run(async move {
            inv.record_privacy_request(&new)
                .await
                .map(PrivacyRequest::from)
                .map_err(to_js)
        })
        .await
    }

    /// The privacy request with `id`, or null.
    #[napi]
    pub async fn privacy_request(&self, id: i64) -> Result<Option<PrivacyRequest>> {
        let inv = self.handle()?;
        run(async move {
            inv.privacy_request(id)
                .await
                .map(|r| r.map(PrivacyRequest::from))
                .map_err(to_js)
        })
        .await
    }

    /// Every privacy request, of one subject (`kind` and `id`) or of all, oldest first.
    #[napi]
    pub async fn privacy_requests(
        &self,
        kind: Option<String>,
        id: Option<i64>,
    ) -> Result<Vec<PrivacyRequest>> {
        let inv = self.handle()?;
        let subject = match (kind, id) {
            (Some(kind), Some(id)) => Some((subject_kind(&kind)?, id)),
            (None, None) => None,
            _ => return Err(validation("give both kind and id, or neither")),
        };
        run(async move {
            inv.privacy_requests(subject)
                .await
                .map(|r| r.into_iter().map(PrivacyRequest::from).collect())
                .map_err(to_js)
        })
        .await
    }

    /// The pending privacy requests, soonest deadline first, with the days left as of `on`
    /// (`YYYY-MM-DD`, default today; negative once overdue).
    #[napi]
    pub async fn pending_privacy_requests(
        &self,
        on: Option<String>,
    ) -> Result<Vec<PendingPrivacyRequest>> {
        let inv = self.handle()?;
        let on = match on {
            Some(d) => date("on", &d)?,
            None => inv.today(),
        };
        run(async move {
            inv.pending_privacy_requests(on)
                .await
                .map(|p| p.into_iter().map(PendingPrivacyRequest::from).collect())
                .map_err(to_js)
        })
        .await
    }

    /// Refuses a pending request with a reason code: identity_not_verified,
    /// manifestly_unfounded, repeated_request or legal_obligation.
    #[napi]
    pub async fn refuse_privacy_request(&self, id: i64, reason: String) -> Result<PrivacyRequest> {
        let inv = self.handle()?;
        let reason = RefusalReason::parse(&reason).ok_or_else(|| {
            validation(format!(
                "unknown refusal reason {reason:?}: expected identity_not_verified, \
                 manifestly_unfounded, repeated_request or legal_obligation"
            ))
        })?;
        run(async move {
            inv.refuse_privacy_request(id, reason)
                .await
                .map(PrivacyRequest::from)
                .map_err(to_js)
        })
        .await
    }

    /// Everything the store holds about a customer or supplier, as JSON text; recorded as
    /// ACCESS_REQUEST before it resolves, and answers their pending access requests.
    #[napi]
    pub async fn export_subject(&self, kind: String, id: i64) -> Result<String> {
        let inv = self.handle()?;
        let kind = subject_kind(&kind)?;
        run(async move {
            inv.export_subject(kind, id)
                .await
                .map(|e| e.to_json())
                .map_err(to_js)
        })
        .await
    }

    /// The same export as CSV (RFC 4180, spreadsheet formulas neutralised with a quote).
    #[napi]
    pub async fn export_subject_csv(&self, kind: String, id: i64) -> Result<String> {
        let inv = self.handle()?;
        let kind = subject_kind(&kind)?;
        run(async move {
            inv.export_subject(kind, id)
                .await
                .map(|e| e.to_csv())
                .map_err(to_js)
        })
        .await
    }

    /// Corrects personal fields: `changes` maps a field (customers: names, surname,
    /// documentType, document, phone, email, address; suppliers: cuit, phone, email,
    /// address) to its new value, or null to clear it. `reason` is recorded in clear: a
    /// ticket or a short cause, never a personal value.
    #[napi]
    pub async fn rectify(
        &self,
        kind: String,
        id: i64,
        changes: HashMap<String, Option<String>>,
        reason: String,
    ) -> Result<RectificationReceipt> {
        let inv = self.handle()?;
        let kind = subject_kind(&kind)?;
        let mut subject_changes = SubjectChanges::new();
        for (field, value) in changes {
            // JavaScript spells the one two-word field in camelCase.
            let field = if field == "documentType" {
                "document_type".to_owned()
            } else {
                field
            };
            subject_changes = subject_changes.with(&field, value);
        }
        run(async move {
            inv.rectify(kind, id, &subject_changes, &reason)
                .await
                .map(RectificationReceipt::from)
                .map_err(to_js)
        })
        .await
    }

    /// The holidays business-day deadlines skip, as `YYYY-MM-DD`.
    #[napi]
    pub async fn holidays(&self) -> Result<Vec<String>> {
        let inv = self.handle()?;
        run(async move {
            inv.holidays()
                .await
                .map(|c| c.days().map(|d| d.to_string()).collect())
                .map_err(to_js)
        })
        .await
    }

    /// Replaces the holiday calendar (`YYYY-MM-DD` days; see `argentinaHolidays`) and
    /// recomputes the deadlines of pending requests; resolves to the ids of those that moved.
    #[napi]
    pub async fn set_holidays(&self, days: Vec<String>) -> Result<Vec<i64>> {
        let inv = self.handle()?;
        let days = days
            .iter()
            .map(|d| date("days", d))
            .collect::<Result<Vec<_>>>()?;
        let calendar = HolidayCalendar::new(days);
        run(async move { inv.set_holidays(&calendar).await.map_err(to_js) }).await
    }

    /// The retention policy.
    #[napi]
    pub async fn retention_policy(&self) -> Result<RetentionPolicy> {
        let inv = self.handle()?;
        run(async move {
            inv.retention_policy()
                .await
                .map(RetentionPolicy::from)
                .map_err(to_js)
        })
        .await
    }

    /// Changes the periods given (the others stay); resolves to the policy.
    #[napi]
    pub async fn set_retention_policy(
        &self,
        policy: RetentionPolicyInput,
    ) -> Result<RetentionPolicy> {
        let inv = self.handle()?;
        run(async move {
            let current = inv.retention_policy().await.map_err(to_js)?;
            let next = CorePolicy {
                operational_audit_days: policy
                    .operational_audit_days
                    .unwrap_or(current.operational_audit_days),
                access_audit_days: policy
                    .access_audit_days
                    .unwrap_or(current.access_audit_days),
                fiscal_years: policy.fiscal_years.unwrap_or(current.fiscal_years),
                backup_days: policy.backup_days.unwrap_or(current.backup_days),
            };
            inv.set_retention_policy(next)
                .await
                .map(RetentionPolicy::from)
                .map_err(to_js)
        })
        .await
    }

    /// Applies the retention policy as of `now` (default now): purges the audit prefix every
    /// category allows, stopping at legal holds, and destroys the kept fiscal parts whose hold
    /// and period are over. Idempotent.
    #[napi]
    pub async fn apply_retention(&self, now: Option<DateTime<Utc>>) -> Result<RetentionReport> {
        let inv = self.handle()?;
        let now = now.unwrap_or_else(Utc::now);
        run(async move {
            inv.apply_retention(now)
                .await
                .map(RetentionReport::from)
                .map_err(to_js)
        })
        .await
    }

    /// Deletes this store's backups in `directory` older than the backup period as of `now`
    /// (default now), keeping the newest and held ones.
    #[napi]
    pub async fn prune_backups(
        &self,
        directory: String,
        now: Option<DateTime<Utc>>,
    ) -> Result<BackupPruneReport> {
        let inv = self.handle()?;
        let now = now.unwrap_or_else(Utc::now);
        run(async move {
            inv.prune_backups(std::path::Path::new(&directory), now)
                .await
                .map(BackupPruneReport::from)
                .map_err(to_js)
        })
        .await
    }
}
