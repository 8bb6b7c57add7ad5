//! The façade: one handle over the store, bound to a tenant and an actor.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::audit::{
    run_detectors, AppEvent, AuditEvent, AuditReport, Checkpoint, Detection, DetectorConfig,
    EventType, LegalHold, PurgeReport, Target, VerifyReport,
};
use crate::crypto::{FieldCipher, KdfParams, MasterSecret};
use crate::domain::catalog::{
    CustomerIdentity, IdentityDocument, Location, NewLocation, NewProduct, NewSupplier,
    PriceChange, Product, ProductChanges, Reservation, Supplier, SupplierContact,
};
use crate::domain::orders::{LineReceipt, OrderAction, OrderStatus, PurchaseOrder};
use crate::domain::pricing::{PriceCalculator, DEFAULT_MINIMUM_MARGIN};
use crate::domain::privacy::{HolidayCalendar, RefusalReason, RetentionPolicy, SubjectChanges};
use crate::domain::replenishment::{SeasonalFactors, SupplierReorder};
use crate::domain::suppliers::Assignment;
use crate::domain::values::{Barcode, Cuit, Quantity, Sku};
use crate::domain::{
    Actor, CustomerId, DateRange, LocationId, Movement, MovementId, MovementRequest, OrderId,
    ProductId, ReservationId, SupplierId, TenantId,
};
use crate::error::{Error, Result};
use crate::keyring::Keyring;
use crate::metrics::Metrics;
use crate::store::{
    AuditFailure, BackupPruneReport, Connect, CriticalProduct, DashboardSummary, DraftedOrders,
    ErasureReceipt, FloorOutcome, FloorSetup, HistoryFilter, LedgerReport, MonthlyTrend,
    NewCustomer, NewOrderLine, OrderReceipt, OverStock, Page, ProviderStats, Recorded,
    RepriceReport, Repricing, StockRow, StockValue, Store, StoredCustomer, SubjectKind,
    SupplierStock, TimelineEntry, TopOrdered, TopProduct, WeeklySales,
};
use crate::store::{
    NewPrivacyRequest, PendingRequest, PrivacyRequest, RectificationReceipt, RetentionReport,
    SubjectExport,
};

/// How to open an [`Inventory`].
///
/// ```
/// use inventario_core::{OpenOptions, TenantId};
/// let options = OpenOptions::new("cajero-1")
///     .unwrap()
///     .tenant(TenantId::parse("sucursal-centro").unwrap());
/// assert_eq!(options.tenant_id().as_str(), "sucursal-centro");
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    actor: Actor,
    tenant: TenantId,
    timezone: Tz,
    seasonal_factors: SeasonalFactors,
    minimum_margin: Decimal,
    max_connections: u32,
    kdf: KdfParams,
    metrics: Metrics,
    audit_failure: AuditFailure,
    create_keyring: bool,
}

impl OpenOptions {
    /// Options for a handle acting as `actor` (from your authentication, never from request
    /// data), on the `default` tenant, in Buenos Aires time.
    pub fn new(actor: &str) -> Result<OpenOptions> {
        Ok(OpenOptions {
            actor: Actor::parse(actor)?,
            tenant: TenantId::default_tenant(),
            timezone: chrono_tz::America::Argentina::Buenos_Aires,
            seasonal_factors: SeasonalFactors::default(),
            minimum_margin: DEFAULT_MINIMUM_MARGIN,
            max_connections: 8,
            kdf: KdfParams::default(),
            metrics: Metrics::noop(),
            audit_failure: AuditFailure::FailClosed,
            create_keyring: true,
        })
    }

    /// Binds the handle to another tenant.
    pub fn tenant(mut self, tenant: TenantId) -> Self {
        self.tenant = tenant;
        self
    }

    /// The tenant the handle will be bound to.
    pub fn tenant_id(&self) -> &TenantId {
        &self.tenant
    }

    /// The time zone whose days the date-range queries use.
    pub fn timezone(mut self, timezone: Tz) -> Self {
        self.timezone = timezone;
        self
    }

    /// Replaces the seasonal factors of the minimum-stock rules.
    pub fn seasonal_factors(mut self, factors: SeasonalFactors) -> Self {
        self.seasonal_factors = factors;
        self
    }

    /// The minimum margin over average cost a sale price must keep (default 0.12, i.e. 12 %);
    /// lower prices are refused unless forced.
    pub fn minimum_margin(mut self, margin: Decimal) -> Self {
        self.minimum_margin = margin;
        self
    }

    /// Caps the connection pool (default 8). On SQLite only one connection writes at a time;
    /// on PostgreSQL each connection can carry its own transaction (see docs/SCALING.md).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self
    }

    /// The PBKDF2 setting a new store's passphrase keyring is created with (default 600,000
    /// iterations); an existing store keeps the count stored with its keyring.
    pub fn kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// Where the handle's measurements go (default: nowhere, at no cost). Use
    /// [`Metrics::with_prometheus`] for the built-in registry behind
    /// [`Inventory::metrics_text`], and [`Metrics::also`] to add a sink of your own.
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Lets decrypts of stored personal data return their plaintext even when their audit
    /// record cannot be written, counting each lost record in `inventario_audit_dropped_total`.
    /// The default is fail-closed: no record, no plaintext.
    pub fn audit_fail_open(mut self) -> Self {
        self.audit_failure = AuditFailure::FailOpen;
        self
    }

    /// Opens only a tenant that already has a keyring: instead of creating one (and with it a
    /// new, empty store for that tenant), the open fails with `StoreError::NoKeyring`. For
    /// tools that must never create a store by accident, such as a mistyped tenant in an
    /// operator's command. (The schema migrations still run.)
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use inventario_core::crypto::MasterKey;
    /// use inventario_core::{Error, Inventory, OpenOptions, StoreError};
    /// let options = OpenOptions::new("auditor").unwrap().existing_keyring_only();
    /// let opened = Inventory::open_with("sqlite::memory:", MasterKey::generate().into(), options).await;
    /// assert!(matches!(opened, Err(Error::Store(StoreError::NoKeyring(_)))));
    /// # }
    /// ```
    pub fn existing_keyring_only(mut self) -> Self {
        self.create_keyring = false;
        self
    }
}

/// An open inventory: products, locations, suppliers, the stock ledger and its queries.
///
/// Every command is one transaction: it applies completely or not at all, and a refused command
/// changes nothing. Cloning is cheap and shares the connection pool.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), inventario_core::Error> {
/// use inventario_core::crypto::MasterKey;
/// use inventario_core::domain::values::{Quantity, Sku};
/// use inventario_core::{Inventory, MovementRequest, NewLocation, NewProduct};
///
/// let inv = Inventory::open("sqlite::memory:", MasterKey::generate().into(), "cajero-1").await?;
/// let shop = inv.create_location(NewLocation::new("LOCAL", "Salón")).await?;
/// let yerba = inv
///     .create_product(NewProduct::new(Sku::parse("ALM-YERBA-1KG")?, "Yerba 1 kg", "4200.00".parse()?))
///     .await?;
/// inv.record(MovementRequest::receipt(yerba.id, shop.id, Quantity::from_units(24)?, "2900".parse()?)).await?;
/// inv.record(MovementRequest::sale(yerba.id, shop.id, Quantity::from_units(3)?)).await?;
/// assert_eq!(inv.stock(Some(yerba.id), None).await?[0].on_hand, Quantity::from_units(21)?);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Inventory {
    store: Store,
    actor: Actor,
    seasonal_factors: SeasonalFactors,
    minimum_margin: Decimal,
}

impl Inventory {
    /// Opens the store at `url` (`sqlite://PATH?mode=rwc` creates the file;
    /// `sqlite::memory:` keeps everything in memory; `postgres://USER@HOST/DB` uses a server,
    /// with TLS set in the URL: `?sslmode=verify-full&sslrootcert=CA.pem`, plus `sslcert` and
    /// `sslkey` for a client certificate) on the default tenant, acting as `actor`.
    /// Migrations are applied on open.
    ///
    /// `master` unlocks the store's keys (costs and personal data are stored only encrypted):
    /// a new store's keyring is created under it, an existing store checks it and fails with
    /// [`crate::crypto::CryptoError::WrongMasterKey`] if it is not the store's. Read it from the
    /// environment with [`MasterSecret::from_env`], never from a command line.
    pub async fn open(url: &str, master: MasterSecret, actor: &str) -> Result<Inventory> {
        Inventory::open_with(url, master, OpenOptions::new(actor)?).await
    }

    /// Opens the store at `url` with explicit options.
    pub async fn open_with(
        url: &str,
        master: MasterSecret,
        options: OpenOptions,
    ) -> Result<Inventory> {
        let store = Store::open(Connect {
            url,
            tenant: options.tenant,
            timezone: options.timezone,
            max_connections: options.max_connections,
            secret: &master,
            kdf: options.kdf,
            metrics: options.metrics,
            audit_failure: options.audit_failure,
            create_keyring: options.create_keyring,
        })
        .await?;
        Ok(Inventory {
            store,
            actor: options.actor,
            seasonal_factors: options.seasonal_factors,
            minimum_margin: options.minimum_margin,
        })
    }

    /// The actor recorded on every audit record of this handle.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The same store acting as another actor, for one call or many: a cheap clone that shares
    /// the pool. Use it when one service handle serves several authenticated users.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), inventario_core::Error> {
    /// # use inventario_core::{crypto::MasterKey, Inventory, NewLocation};
    /// let inv = Inventory::open("sqlite::memory:", MasterKey::generate().into(), "api").await?;
    /// inv.acting_as("maria@almacen")?.create_location(NewLocation::new("DEP", "Depósito")).await?;
    /// let last = inv.audit_events_after(0, 10).await?.pop().unwrap();
    /// assert_eq!(last.actor, "maria@almacen");
    /// # Ok(()) }
    /// ```
    pub fn acting_as(&self, actor: &str) -> Result<Inventory> {
        Ok(Inventory {
            actor: Actor::parse(actor)?,
            ..self.clone()
        })
    }

    /// The time zone whose days the date-range queries use.
    pub fn timezone(&self) -> Tz {
        self.store.timezone()
    }

    /// The seasonal factors of the minimum-stock rules.
    pub fn seasonal_factors(&self) -> &SeasonalFactors {
        &self.seasonal_factors
    }

    /// Today in the store's time zone.
    pub fn today(&self) -> NaiveDate {
        Utc::now()
            .with_timezone(&self.store.timezone())
            .date_naive()
    }

    /// Appends an event of the application's own to the audit chain (a failed login, an
    /// export, an access request, or a name of its own); returns its `seq`. Put a source
    /// address in `detail.ip` for the detectors, and never a personal value.
    pub async fn record_audit_event(&self, event: AppEvent) -> Result<u64> {
        self.store.record_app_event(&self.actor, event).await
    }

    /// Audit records written in `[from, to)`, in `seq` order.
    pub async fn audit_events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AuditEvent>> {
        self.store.audit_events_between(from, to).await
    }

    /// At most `limit` audit records after `seq`, in order (for paging or tailing the log).
    pub async fn audit_events_after(&self, seq: u64, limit: u32) -> Result<Vec<AuditEvent>> {
        self.store.audit_events_after(seq, limit).await
    }

    /// Recomputes the audit chain and reports the first record that is not as written, with
    /// what was done to it. With a pinned checkpoint, also proves the chain still contains it
    /// (else [`TamperKind::Fork`](crate::audit::TamperKind::Fork)) and checks only what
    /// follows; a checkpoint of another store is refused with
    /// [`AuditError::ForeignCheckpoint`](crate::audit::AuditError::ForeignCheckpoint).
    pub async fn verify_audit(&self, since: Option<&Checkpoint>) -> Result<VerifyReport> {
        self.store.verify_audit(since).await
    }

    /// Signs the chain's current head with the store's Ed25519 key. Export it with
    /// [`Checkpoint::to_text`] and keep it where the store's administrators cannot edit it.
    pub async fn audit_checkpoint(&self) -> Result<Checkpoint> {
        self.store.audit_checkpoint().await
    }

    /// Purges audit records written before `cutoff`: the oldest contiguous range, stopping at
    /// the first record under a legal hold, followed by a `RETENTION_PURGE` record that keeps
    /// the chain verifiable. Idempotent: nothing left to purge writes nothing.
    pub async fn purge_audit(&self, cutoff: DateTime<Utc>) -> Result<PurgeReport> {
        self.store.purge_audit(cutoff, &self.actor).await
    }

    /// Places a legal hold: audit records about `target` (an empty key holds the whole
    /// table) are kept until it is lifted.
    pub async fn place_legal_hold(&self, target: Target, reason: &str) -> Result<LegalHold> {
        self.store
            .place_legal_hold(target, reason, &self.actor)
            .await
    }

    /// Lifts a legal hold.
    pub async fn lift_legal_hold(&self, id: i64) -> Result<LegalHold> {
        self.store.lift_legal_hold(id, &self.actor).await
    }

    /// Every legal hold, in force or lifted.
    pub async fn legal_holds(&self) -> Result<Vec<LegalHold>> {
        self.store.legal_holds().await
    }

    /// Runs every anomaly detector over the audit log as of `now`, for the period that starts
    /// at `since`: failed logins are looked at from `since` on; the other detectors use their
    /// own windows before `now` (exfiltration reads its 30-day history). One failing detector
    /// is reported in [`Detection::failures`] and never stops the others.
    pub async fn detect_anomalies(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        config: &DetectorConfig,
    ) -> Result<Detection> {
        let events = self.detector_events(since, now, config).await?;
        Ok(run_detectors(&events, config, now))
    }

    /// The audit report of `[from, to)`: totals, counts per type and status, top actors, and
    /// the anomalies of [`Inventory::detect_anomalies`] as of `to`. Render it with
    /// [`AuditReport::to_json`] or [`AuditReport::to_html`] (every value escaped).
    pub async fn audit_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        config: &DetectorConfig,
    ) -> Result<AuditReport> {
        let period = self.store.audit_events_between(from, to).await?;
        let events = self.detector_events(from, to, config).await?;
        let detection = run_detectors(&events, config, to);
        Ok(AuditReport::build(&period, from, to, &detection))
    }

    async fn detector_events(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        config: &DetectorConfig,
    ) -> Result<Vec<AuditEvent>> {
        let history = config.exfiltration_window
            * i32::try_from(config.exfiltration_history_days.saturating_add(1)).unwrap_or(i32::MAX);
        let lookback = [
            history,
            config.off_hours_window,
            config.decrypt_failures_window,
            config.source_ips_window,
        ]
        .into_iter()
        .max()
        .unwrap_or(history);
        let from = (now - lookback).min(since);
        let end = now + chrono::TimeDelta::microseconds(1);
        let mut events = self.store.audit_events_between(from, end).await?;
        // The brute-force detector counts every failed login it is given: only the period's.
        events.retain(|e| e.event_type != EventType::LoginFailed || e.at >= since);
        Ok(events)
    }

    /// The built-in Prometheus registry's text exposition, when the handle was opened with
    /// [`Metrics::with_prometheus`] (or one was added); `None` otherwise.
    pub fn metrics_text(&self) -> Option<String> {
        self.store.metrics().render_prometheus()
    }

    /// The handle's metrics, to record measurements of your own code next to ours.
    pub fn metrics(&self) -> &Metrics {
        self.store.metrics()
    }

    /// The store's keyring: rotation, scopes, blind indexes.
    pub fn keyring(&self) -> Keyring {
        Keyring::from_store(self.store.clone(), self.actor.clone())
    }

    /// A cipher for fields of your own tables, with the store's keys.
    pub fn field_cipher(&self) -> FieldCipher {
        self.keyring().field_cipher()
    }

    /// Closes the connections; later calls on clones fail.
    pub async fn close(&self) {
        self.store.close().await;
    }

    // --- personal data -------------------------------------------------------------------

    /// Creates a customer; their names, document and contact are sealed under a data key of
    /// their own (scope `customer:<id>`), with blind indexes on the document and the email.
    pub async fn create_customer(&self, customer: NewCustomer) -> Result<StoredCustomer> {
        self.store.create_customer(customer, &self.actor).await
    }

    /// A customer's commercial terms (no personal data, nothing decrypted).
    pub async fn customer(&self, id: CustomerId) -> Result<Option<StoredCustomer>> {
        self.store.customer(id).await
    }

    /// Decrypts a customer's identity and contact, after recording the access
    /// (`ENCRYPTED_DATA_DECRYPT`) in the audit log: if that record cannot be written the
    /// plaintext is withheld ([`Error::AuditUnavailable`]) unless the handle was opened
    /// fail-open. `None` for an unknown id; once the customer is erased, the error's
    /// [`Error::crypto`] is `KeyDestroyed` (and `DECRYPT_FAILED` is recorded).
    pub async fn customer_identity(&self, id: CustomerId) -> Result<Option<CustomerIdentity>> {
        let read = self.store.customer_identity(id, &self.actor).await;
        self.audit_failure(read).await
    }

    /// Decrypts several customers' identities with one audit record for the batch (listing
    /// the rows); an unknown id gives `None` in its place.
    pub async fn customer_identities(
        &self,
        ids: &[CustomerId],
    ) -> Result<Vec<Option<CustomerIdentity>>> {
        let read = self.store.customer_identities(ids, &self.actor).await;
        self.audit_failure(read).await
    }

    /// Records `DECRYPT_FAILED` when a read failed on a stored field that did not decrypt, and
    /// passes the result on.
    async fn audit_failure<T>(&self, result: Result<T>) -> Result<T> {
        match result {
            Err(error @ Error::Field { .. }) => {
                Err(self.store.audit_decrypt_failure(&self.actor, error).await)
            }
            other => other,
        }
    }

    /// Customers with this identity document (through its blind index; DNI, CUIT and CUIL
    /// match whatever separators were typed).
    pub async fn find_customer_by_document(
        &self,
        document: &IdentityDocument,
    ) -> Result<Vec<StoredCustomer>> {
        let result = self.store.find_customers_by_document(document).await;
        self.audit_failure(result).await
    }

    /// Customers with this email (trimmed, case-insensitive, through its blind index).
    pub async fn find_customer_by_email(&self, email: &str) -> Result<Vec<StoredCustomer>> {
        let result = self.store.find_customers_by_email(email).await;
        self.audit_failure(result).await
    }

    /// Replaces a supplier's contact data, sealed under the supplier's own key.
    pub async fn set_supplier_contact(
        &self,
        id: SupplierId,
        contact: &SupplierContact,
    ) -> Result<()> {
        let result = self
            .store
            .set_supplier_contact(id, contact, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    /// Decrypts a supplier's contact data (`None` for an unknown supplier).
    pub async fn supplier_contact(&self, id: SupplierId) -> Result<Option<SupplierContact>> {
        let read = self.store.supplier_contact(id, &self.actor).await;
        self.audit_failure(read).await
    }

    /// The supplier with this CUIT, through its blind index.
    pub async fn find_supplier_by_cuit(&self, cuit: &Cuit) -> Result<Option<Supplier>> {
        let result = self.store.find_supplier_by_cuit(cuit).await;
        self.audit_failure(result).await
    }

    /// Crypto-shreds one customer or supplier: destroys their data key (their sealed fields
    /// then fail with `KeyDestroyed` for good) and removes their blind indexes, in one
    /// transaction. Commercial records that name them by id (movements, orders) stay.
    ///
    /// When a legal hold covers them or their fiscal records, or a fiscal record of theirs is
    /// younger than the fiscal retention period, the fiscal fields (a customer's names,
    /// document and address; a supplier's CUIT and address) are sealed again under a key
    /// scope of their own (`fiscal:<kind>:<id>`) and kept: the receipt's `refusal` says why
    /// and `kept_fields` what. Everything else is erased. Their pending erasure requests are
    /// answered (completed, or partially refused) in the same transaction; docs/PRIVACY.md.
    pub async fn erase_subject(&self, kind: SubjectKind, id: i64) -> Result<ErasureReceipt> {
        let result = self.store.erase_subject(kind, id, &self.actor).await;
        self.audit_failure(result).await
    }

    // --- privacy duties ------------------------------------------------------------------

    /// Records a data subject's request (access, rectification, erasure) received on
    /// `request.received_on` (today or earlier in the store's time zone), with its deadline
    /// from the regime's table and the store's holidays; audited `PRIVACY_REQUEST`. The
    /// export, rectification or erasure of that subject answers it.
    ///
    /// # Errors
    /// [`crate::domain::privacy::PrivacyError::ReceivedInFuture`]; the subject's
    /// `CustomerNotFound` / `SupplierNotFound` rule.
    pub async fn record_privacy_request(
        &self,
        request: &NewPrivacyRequest,
    ) -> Result<PrivacyRequest> {
        self.store
            .record_privacy_request(request, self.today(), &self.actor)
            .await
    }

    /// The privacy request with `id`, if any.
    pub async fn privacy_request(&self, id: i64) -> Result<Option<PrivacyRequest>> {
        self.store.privacy_request(id).await
    }

    /// Every privacy request, of one subject or of all, oldest first.
    pub async fn privacy_requests(
        &self,
        subject: Option<(SubjectKind, i64)>,
    ) -> Result<Vec<PrivacyRequest>> {
        self.store.privacy_requests(subject).await
    }

    /// The pending privacy requests, soonest deadline first, each with the calendar days left
    /// as of `on` (negative once overdue): what a dashboard shows.
    pub async fn pending_privacy_requests(&self, on: NaiveDate) -> Result<Vec<PendingRequest>> {
        self.store.pending_privacy_requests(on).await
    }

    /// Refuses a pending request with one of the shop's reasons
    /// ([`RefusalReason::IdentityNotVerified`], `ManifestlyUnfounded`, `RepeatedRequest`,
    /// `LegalObligation`); audited `PRIVACY_REQUEST`.
    ///
    /// # Errors
    /// `RequestNotFound`, `RequestClosed`, and `AutomaticReason` for the reasons only an
    /// erasure decides (inside [`Error::Privacy`]).
    pub async fn refuse_privacy_request(
        &self,
        id: i64,
        reason: RefusalReason,
    ) -> Result<PrivacyRequest> {
        self.store
            .refuse_privacy_request(id, reason, &self.actor)
            .await
    }

    /// Everything the store holds about one customer or supplier: their record, their
    /// personal data decrypted (erased fields reported as erased), the records that refer to
    /// them, their privacy requests and the audit records about them (redacted). Write it with
    /// [`SubjectExport::to_json`] or [`SubjectExport::to_csv`].
    ///
    /// The access is recorded (`ACCESS_REQUEST`) before anything is returned, in the
    /// transaction that answers their pending access requests; if that record cannot be
    /// written the export is withheld ([`Error::AuditUnavailable`]), whatever the handle's
    /// fail-open setting.
    pub async fn export_subject(&self, kind: SubjectKind, id: i64) -> Result<SubjectExport> {
        let result = self.store.export_subject(kind, id, &self.actor).await;
        self.audit_failure(result).await
    }

    /// Corrects a subject's personal fields: each new value sealed under the subject's own
    /// key, blind indexes (document, email, CUIT) recomputed or removed, in one transaction
    /// audited `SENSITIVE_DATA_MODIFY` with the new values' MACs and `reason` (a ticket or a
    /// short cause, never a personal value: it is recorded in clear). Answers their pending
    /// rectification requests.
    ///
    /// # Errors
    /// Inside [`Error::Privacy`]: `UnknownField`, `RequiredField` (names), `NoChanges`,
    /// `DocumentTypeWithoutDocument`, `InvalidReason`, `SubjectErased`; a document or CUIT
    /// that does not parse is its value rule. Nothing is changed.
    pub async fn rectify(
        &self,
        kind: SubjectKind,
        id: i64,
        changes: &SubjectChanges,
        reason: &str,
    ) -> Result<RectificationReceipt> {
        self.store
            .rectify(kind, id, changes, reason, &self.actor)
            .await
    }

    /// The holidays business-day deadlines skip.
    pub async fn holidays(&self) -> Result<HolidayCalendar> {
        self.store.holidays().await
    }

    /// Replaces the holiday calendar (e.g. [`HolidayCalendar::argentina`] plus the year's
    /// movable holidays) and recomputes every pending request's deadline; returns the ids of
    /// the requests whose deadline moved. Audited `PRIVACY_REQUEST`; the same calendar again
    /// writes nothing.
    pub async fn set_holidays(&self, calendar: &HolidayCalendar) -> Result<Vec<i64>> {
        self.store.set_holidays(calendar, &self.actor).await
    }

    /// The retention policy (the defaults until one is set).
    pub async fn retention_policy(&self) -> Result<RetentionPolicy> {
        self.store.retention_policy().await
    }

    /// Sets the retention policy; audited `PRIVACY_REQUEST`.
    ///
    /// # Errors
    /// `InvalidPolicy` (inside [`Error::Privacy`]) for a period of zero or beyond 100 years.
    pub async fn set_retention_policy(&self, policy: RetentionPolicy) -> Result<RetentionPolicy> {
        self.store.set_retention_policy(policy, &self.actor).await
    }

    /// Applies the retention policy as of `now`, in one transaction audited
    /// `RETENTION_PURGE`: purges the longest prefix of the audit chain in which every record
    /// is past its category's period and under no legal hold (so the chain stays verifiable),
    /// and destroys the kept fiscal parts whose holds were lifted and whose fiscal period is
    /// over. Idempotent: a run with nothing to do writes nothing.
    pub async fn apply_retention(&self, now: DateTime<Utc>) -> Result<RetentionReport> {
        self.store.apply_retention(now, &self.actor).await
    }

    /// Deletes the backups of this store in `dir` made before the policy's backup period (as
    /// their headers say; [`crate::backup::inspect`]), keeping the newest one and any that a
    /// legal hold on `backups` (key: the file name, or empty for all) covers. Other files are
    /// left alone. Audited `RETENTION_PURGE` when something was removed.
    pub async fn prune_backups(
        &self,
        dir: &std::path::Path,
        now: DateTime<Utc>,
    ) -> Result<BackupPruneReport> {
        self.store.prune_backups(dir, now, &self.actor).await
    }

    // --- legacy import -------------------------------------------------------------------

    /// Imports a database of the legacy Python system (either SQLite layout; docs/IMPORT.md):
    /// suppliers, products, customers and stock movements, with personal data encrypted on the
    /// way in and float money converted to exact centavos, every rounding reported.
    ///
    /// Everything is read and converted before anything is written; the writes are one
    /// transaction with its audit records (a `LEGACY_IMPORT` summary last). Running it again imports only legacy
    /// rows that were not imported before.
    ///
    /// # Errors
    /// [`crate::import::ImportError::MalformedRow`] (inside [`Error::Import`]) names the
    /// first legacy row that cannot be converted; [`crate::import::ImportError::UnknownLayout`]
    /// for a file of neither layout; store errors. In every case nothing was written.
    pub async fn import_legacy(
        &self,
        legacy_file: &std::path::Path,
        options: &crate::import::ImportOptions,
    ) -> Result<crate::import::ImportReport> {
        crate::import::import(
            &self.store,
            &self.keyring(),
            legacy_file,
            options,
            &self.actor,
        )
        .await
    }

    // --- backup and restore --------------------------------------------------------------

    /// Backs up the store into the new file `dest`, while other handles and processes keep
    /// writing: a consistent snapshot (SQLite's `VACUUM INTO`, taken next to `dest` and
    /// removed afterwards), encrypted as a whole under keys derived from the store's master
    /// key and a random salt (docs/FORMAT.md section 11). The master key is not in the file;
    /// only that master key (of this master-key version) opens it, with
    /// [`crate::backup::restore`].
    ///
    /// The file is written as `dest.partial` and renamed when all but its final chunk is on
    /// disk; the final chunk is appended and synced last. A process killed at any point
    /// leaves no file that restore accepts.
    ///
    /// # Errors
    /// [`crate::backup::BackupError::DestinationExists`] when `dest` exists (a backup never
    /// replaces another file), [`crate::backup::BackupError::Unsupported`] on PostgreSQL (see
    /// docs/OPERATIONS.md), [`crate::backup::BackupError::MasterKeyChanged`] when another
    /// handle rotated the master key meanwhile, and I/O and database errors.
    pub async fn backup(&self, dest: &std::path::Path) -> Result<crate::backup::BackupInfo> {
        self.backup_with(dest, &crate::backup::BackupOptions::default())
            .await
    }

    /// [`Inventory::backup`] with a chunk size or a progress callback.
    pub async fn backup_with(
        &self,
        dest: &std::path::Path,
        options: &crate::backup::BackupOptions,
    ) -> Result<crate::backup::BackupInfo> {
        crate::backup::backup_store(&self.store, dest, options).await
    }

    /// Rehearses a recovery without touching this store: copies it into `work_dir`, backs
    /// the copy up, destroys the copy, restores it from the backup with `master`, verifies
    /// it, and reports the recovery point, the recovery time, the backup's size and every
    /// check ([`crate::backup::DrillReport`]). Pass the master key from where it is
    /// escrowed: the drill then proves that it opens the backups.
    ///
    /// # Errors
    /// Only when the drill cannot start (the work directory, the copy, a PostgreSQL store);
    /// a failure after that, a wrong master key included, is a failed check in the report.
    pub async fn drill(
        &self,
        work_dir: &std::path::Path,
        master: MasterSecret,
    ) -> Result<crate::backup::DrillReport> {
        self.drill_with(master, &crate::backup::DrillOptions::new(work_dir))
            .await
    }

    /// [`Inventory::drill`] with options (files kept, a field sample, progress). The drill
    /// runs on this handle's tenant whatever the options say.
    pub async fn drill_with(
        &self,
        master: MasterSecret,
        options: &crate::backup::DrillOptions,
    ) -> Result<crate::backup::DrillReport> {
        crate::backup::drill_live(&self.store, &master, options).await
    }

    // --- catalogue -----------------------------------------------------------------------

    /// Creates a location; its code must be new in the tenant.
    pub async fn create_location(&self, location: NewLocation) -> Result<Location> {
        let result = self.store.create_location(location, &self.actor).await;
        self.audit_failure(result).await
    }

    /// Every location, by code.
    pub async fn locations(&self) -> Result<Vec<Location>> {
        let result = self.store.locations().await;
        self.audit_failure(result).await
    }

    /// The location with `code`, if any.
    pub async fn location_by_code(&self, code: &str) -> Result<Option<Location>> {
        let result = self.store.location_by_code(code).await;
        self.audit_failure(result).await
    }

    /// Creates a supplier; its code must be new in the tenant. A new default supplier replaces
    /// the previous default.
    pub async fn create_supplier(&self, supplier: NewSupplier) -> Result<Supplier> {
        let result = self.store.create_supplier(supplier, &self.actor).await;
        self.audit_failure(result).await
    }

    /// Every supplier, by code.
    pub async fn suppliers(&self) -> Result<Vec<Supplier>> {
        let result = self.store.suppliers().await;
        self.audit_failure(result).await
    }

    /// The supplier with `id`, if any.
    pub async fn supplier(&self, id: SupplierId) -> Result<Option<Supplier>> {
        let result = self.store.supplier(id).await;
        self.audit_failure(result).await
    }

    /// The supplier with `code`, if any.
    pub async fn supplier_by_code(&self, code: &str) -> Result<Option<Supplier>> {
        let result = self.store.supplier_by_code(code).await;
        self.audit_failure(result).await
    }

    /// Creates a product, with its initial stock as one `InitialStock` movement.
    pub async fn create_product(&self, product: NewProduct) -> Result<Product> {
        let mut created = self
            .create_products(vec![product])
            .await
            .map_err(Error::without_line)?;
        created
            .pop()
            .ok_or_else(|| crate::store::corrupt("no product created"))
    }

    /// Creates every product or none (a duplicated SKU anywhere creates nothing); the error
    /// names the failing line.
    pub async fn create_products(&self, products: Vec<NewProduct>) -> Result<Vec<Product>> {
        let result = self.store.create_products(products, &self.actor).await;
        self.audit_failure(result).await
    }

    /// The product with `id`, active or not.
    pub async fn product(&self, id: ProductId) -> Result<Option<Product>> {
        let result = self.store.product(id).await;
        self.audit_failure(result).await
    }

    /// The product with `sku`, active or not.
    pub async fn product_by_sku(&self, sku: &Sku) -> Result<Option<Product>> {
        let result = self.store.product_by_sku(sku).await;
        self.audit_failure(result).await
    }

    /// The product with `barcode`, active or not.
    pub async fn product_by_barcode(&self, barcode: &Barcode) -> Result<Option<Product>> {
        let result = self.store.product_by_barcode(barcode).await;
        self.audit_failure(result).await
    }

    /// Products by SKU; inactive ones only when asked.
    pub async fn products(&self, include_inactive: bool) -> Result<Vec<Product>> {
        let result = self.store.products(include_inactive).await;
        self.audit_failure(result).await
    }

    /// Changes a product's fields (never its stock). SKU and barcode stay unique; price changes
    /// write price history; a sale price below the minimum margin over the average cost is
    /// refused unless `changes.force_below_margin`.
    pub async fn update_product(&self, id: ProductId, changes: &ProductChanges) -> Result<Product> {
        let result = self
            .store
            .update_product(id, changes, self.minimum_margin, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    /// Deactivates a product that has no stock anywhere and no active reservation. Products are
    /// never deleted: their ledger stays.
    pub async fn deactivate_product(&self, id: ProductId) -> Result<Product> {
        let result = self.store.deactivate_product(id, &self.actor).await;
        self.audit_failure(result).await
    }

    /// A product's price history, oldest first.
    pub async fn price_history(&self, product: ProductId) -> Result<Vec<PriceChange>> {
        let result = self.store.price_history(product).await;
        self.audit_failure(result).await
    }

    // --- stock commands ------------------------------------------------------------------

    /// Records one movement (two rows for a transfer).
    ///
    /// With an idempotency key, a retry with the same payload returns the first result
    /// (`replayed = true`) and writes nothing; a different payload is
    /// [`Error::IdempotencyConflict`].
    pub async fn record(&self, request: MovementRequest) -> Result<Recorded> {
        let mut out = self
            .store
            .record(std::slice::from_ref(&request), &self.actor)
            .await
            .map_err(Error::without_line)?;
        out.pop()
            .ok_or_else(|| crate::store::corrupt("no movement recorded"))
    }

    /// Records every movement or none, in one transaction. The error names the failing line
    /// (from 0) and the rule it broke.
    pub async fn record_movements(&self, requests: &[MovementRequest]) -> Result<Vec<Recorded>> {
        let result = self.store.record(requests, &self.actor).await;
        self.audit_failure(result).await
    }

    /// Holds `quantity` of available stock for an order or a customer, until `expires_at` or
    /// until released. A sale that names the reservation may use what it holds.
    pub async fn reserve(
        &self,
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
        reference: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Reservation> {
        let result = self
            .store
            .reserve(
                product,
                location,
                quantity,
                reference,
                expires_at,
                &self.actor,
            )
            .await;
        self.audit_failure(result).await
    }

    /// Releases what is left of a reservation.
    pub async fn release_reservation(&self, id: ReservationId) -> Result<Reservation> {
        let result = self.store.release_reservation(id, &self.actor).await;
        self.audit_failure(result).await
    }

    /// Reservations, of one product or all, in creation order.
    pub async fn reservations(&self, product: Option<ProductId>) -> Result<Vec<Reservation>> {
        let result = self.store.reservations(product).await;
        self.audit_failure(result).await
    }

    /// Reprices a category or every active product with `calculator`, in one transaction.
    /// Prices below the minimum margin are refused (and reported) unless the request forces
    /// them; each change writes a price-history row with source `repricing`.
    pub async fn reprice(
        &self,
        request: &Repricing,
        calculator: &dyn PriceCalculator,
    ) -> Result<RepriceReport> {
        let result = self
            .store
            .reprice(request, calculator, self.minimum_margin, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    // --- suppliers and the shop floor ----------------------------------------------------

    /// Which stored supplier a product goes to by DOMAIN 6's matching (brands, then categories,
    /// then the default supplier), with the confidence and the rule that matched.
    pub async fn assign_supplier(
        &self,
        product_name: &str,
        category: Option<&str>,
    ) -> Result<Option<(SupplierId, Assignment)>> {
        let result = self.store.assign_supplier(product_name, category).await;
        self.audit_failure(result).await
    }

    /// Creates the 12 legacy suppliers (BC, CO, Q, FA, LS, ACE, TER, LV, FR, MU, GA, MAX) that
    /// are not there yet, with their brand and category lists; returns the ones created. An
    /// existing default supplier stays the default.
    pub async fn load_legacy_suppliers(&self) -> Result<Vec<Supplier>> {
        let result = self.store.load_legacy_suppliers(&self.actor).await;
        self.audit_failure(result).await
    }

    /// Runs a shop-floor command as staff type it ("Pedir Coca Cola x 6", "Dejé 4 bananas del
    /// ecuador", "Saqué 6 Oreo para el kiosco", `/entrada "Coca Cola" 10 "Distribuidor"`). The
    /// product must resolve to an existing one by SKU, barcode or name. Orders add to the
    /// supplier's draft order; receipts and stock outs are recorded as movements (with the
    /// idempotency key, when given). Refusals are [`Error::Command`] with a suggestion.
    pub async fn run_command(
        &self,
        text: &str,
        setup: &FloorSetup,
        idempotency_key: Option<&str>,
    ) -> Result<FloorOutcome> {
        let result = self
            .store
            .run_command(text, setup, idempotency_key, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    // --- purchase orders -----------------------------------------------------------------

    /// Creates a draft order for `supplier`; each product at most once.
    pub async fn create_order(
        &self,
        supplier: SupplierId,
        lines: &[NewOrderLine],
        expected_date: Option<NaiveDate>,
    ) -> Result<PurchaseOrder> {
        let result = self
            .store
            .create_order(supplier, lines, expected_date, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    /// Turns the reorder suggestions of `on` into draft orders, one per supplier, in one call.
    /// Products without a supplier are returned as `unassigned`. Quantities already on open
    /// orders are not suggested again.
    pub async fn draft_orders(&self, on: NaiveDate) -> Result<DraftedOrders> {
        let result = self
            .store
            .draft_orders(&self.seasonal_factors, on, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    /// Sends a draft order to its supplier.
    pub async fn send_order(&self, id: OrderId) -> Result<PurchaseOrder> {
        let result = self
            .store
            .transition_order(id, OrderAction::Send, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    /// Cancels an open order; what already arrived stays received.
    pub async fn cancel_order(&self, id: OrderId) -> Result<PurchaseOrder> {
        let result = self
            .store
            .transition_order(id, OrderAction::Cancel, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    /// Receives goods against a sent order, fully or partly, at `location`. Each line becomes a
    /// `Receipt` movement (idempotency key `order:<id>:<line>:<n>`, reference the order number)
    /// that updates the average cost and price history; the order becomes partially received or
    /// received. Receiving more than is outstanding is refused.
    pub async fn receive_order(
        &self,
        id: OrderId,
        location: LocationId,
        lines: &[LineReceipt],
    ) -> Result<OrderReceipt> {
        let result = self
            .store
            .receive_order(id, location, lines, &self.actor)
            .await;
        self.audit_failure(result).await
    }

    /// The order with `id`, if any.
    pub async fn order(&self, id: OrderId) -> Result<Option<PurchaseOrder>> {
        let result = self.store.order(id).await;
        self.audit_failure(result).await
    }

    /// Orders, newest first, optionally only those in `status`.
    pub async fn orders(&self, status: Option<OrderStatus>) -> Result<Vec<PurchaseOrder>> {
        let result = self.store.orders(status).await;
        self.audit_failure(result).await
    }

    // --- queries -------------------------------------------------------------------------

    /// Balances by product and location, optionally of one product and/or one location.
    pub async fn stock(
        &self,
        product: Option<ProductId>,
        location: Option<LocationId>,
    ) -> Result<Vec<StockRow>> {
        let result = self.store.stock(product, location).await;
        self.audit_failure(result).await
    }

    /// Products at or below their seasonal minimum on `on`, most urgent first, with threshold
    /// and deficit.
    pub async fn critical_products(&self, on: NaiveDate) -> Result<Vec<CriticalProduct>> {
        let result = self
            .store
            .critical_products(&self.seasonal_factors, on)
            .await;
        self.audit_failure(result).await
    }

    /// Products at or above their maximum stock.
    pub async fn over_stock(&self) -> Result<Vec<OverStock>> {
        let result = self.store.over_stock().await;
        self.audit_failure(result).await
    }

    /// What to order on `on`, grouped by supplier.
    pub async fn reorder_suggestions(&self, on: NaiveDate) -> Result<Vec<SupplierReorder>> {
        let result = self
            .store
            .reorder_suggestions(&self.seasonal_factors, on)
            .await;
        self.audit_failure(result).await
    }

    /// Movement history, newest first, filtered, `limit` (1–1000) at a time; pass the page's
    /// `next` as `before` for the following page.
    pub async fn history(
        &self,
        filter: &HistoryFilter,
        before: Option<MovementId>,
        limit: u32,
    ) -> Result<Page<Movement>> {
        let result = self.store.history(filter, before, limit).await;
        self.audit_failure(result).await
    }

    /// The stock's value at weighted-average cost.
    pub async fn stock_value(&self) -> Result<StockValue> {
        let result = self.store.stock_value().await;
        self.audit_failure(result).await
    }

    /// The `limit` products with most units sold in `range`.
    pub async fn top_sold(&self, range: DateRange, limit: usize) -> Result<Vec<TopProduct>> {
        let result = self.store.top_sold(range, limit).await;
        self.audit_failure(result).await
    }

    /// The dashboard's headline numbers as of `on`: active suppliers, orders and units ordered
    /// in the last 30 days, movements in the last 7, the top supplier and products below minimum.
    pub async fn dashboard_summary(&self, on: NaiveDate) -> Result<DashboardSummary> {
        let result = self
            .store
            .dashboard_summary(&self.seasonal_factors, on)
            .await;
        self.audit_failure(result).await
    }

    /// Ordering statistics per supplier, by code.
    pub async fn provider_stats(&self) -> Result<Vec<ProviderStats>> {
        let result = self.store.provider_stats().await;
        self.audit_failure(result).await
    }

    /// The `limit` products with most units on orders created in `range`.
    pub async fn top_ordered(&self, range: DateRange, limit: usize) -> Result<Vec<TopOrdered>> {
        let result = self.store.top_ordered(range, limit).await;
        self.audit_failure(result).await
    }

    /// Receipts, sales and orders per calendar month in `range`.
    pub async fn monthly_trends(&self, range: DateRange) -> Result<Vec<MonthlyTrend>> {
        let result = self.store.monthly_trends(range).await;
        self.audit_failure(result).await
    }

    /// Real stock on hand and its value, by supplier.
    pub async fn stock_by_supplier(&self) -> Result<Vec<SupplierStock>> {
        let result = self.store.stock_by_supplier().await;
        self.audit_failure(result).await
    }

    /// Movements per day and kind in `range`.
    pub async fn timeline(&self, range: DateRange) -> Result<Vec<TimelineEntry>> {
        let result = self.store.timeline(range).await;
        self.audit_failure(result).await
    }

    /// Units sold per ISO week in `range`.
    pub async fn weekly_sales(&self, range: DateRange) -> Result<Vec<WeeklySales>> {
        let result = self.store.weekly_sales(range).await;
        self.audit_failure(result).await
    }

    /// Replays the ledger (of one product, or all) and compares it with the balances.
    pub async fn verify_ledger(&self, product: Option<ProductId>) -> Result<LedgerReport> {
        let result = self.store.verify_ledger(product).await;
        self.audit_failure(result).await
    }

    /// Makes the ledger agree with a balance that disagrees with it, through one compensating
    /// `Adjustment` with reason `CORRECCION_SISTEMA`. Returns the row written, or `None` when
    /// nothing needed repair.
    pub async fn repair(
        &self,
        product: ProductId,
        location: LocationId,
    ) -> Result<Option<Movement>> {
        let result = self.store.repair(product, location, &self.actor).await;
        self.audit_failure(result).await
    }

    /// Ledger rows after `cursor` (from the start with `None`), oldest first: the change feed.
    pub async fn movements_since(
        &self,
        cursor: Option<MovementId>,
        limit: u32,
    ) -> Result<Vec<Movement>> {
        let result = self.store.movements_since(cursor, limit).await;
        self.audit_failure(result).await
    }
}
