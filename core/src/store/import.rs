//! Writing a legacy import's plan ([`crate::import`]): one transaction, one audit trail, and a
//! record of every legacy row written so that a second run skips it.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use serde_json::json;
use sqlx::Row;

use super::codec::micros;
use super::keys::KeyChanges;
use super::ledger::{movements_entry, Tx};
use super::{Entry, Store};
use crate::audit::EventType;
use crate::domain::catalog::{InitialStock, NewLocation, PriceSource};
use crate::domain::{Actor, LocationId, MovementRequest, ProductId, SupplierId};
use crate::error::{Error, Result};
use crate::import::plan::{Plan, PlannedKind, Source};
use crate::import::{Finding, FindingKind, ImportCounts, ImportError, LegacyLayout};

/// The name of the location an import creates when the store has none with the code asked for.
const IMPORTED_LOCATION_NAME: &str = "Importado del sistema anterior";
/// How many `legacy_imports` rows one INSERT writes.
const MAP_ROWS_PER_INSERT: usize = 100;

/// What [`Store::write_import`] did.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub(crate) imported: ImportCounts,
    pub(crate) already: ImportCounts,
    pub(crate) audit_seq: Option<u64>,
    /// What only the store could tell (a supplier linked to one it already had).
    pub(crate) findings: Vec<Finding>,
}

/// One legacy row written: where it came from and what it became.
struct Mapped {
    source: Source,
    target_table: &'static str,
    target_id: i64,
}

impl Store {
    /// Writes `plan` in one transaction (rolled back instead of committed for a dry run).
    pub(crate) async fn write_import(
        &self,
        plan: &Plan,
        layout: LegacyLayout,
        location_code: &str,
        dry_run: bool,
        actor: &Actor,
    ) -> Result<Written> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let mut changes = KeyChanges::default();
        let mut written = Written::default();
        let mut entries = Vec::new();
        let mut mapped = Vec::new();
        let done = imported_before(&mut tx, self.tenant(), layout).await?;

        // The location is looked up (or created) only when something new goes into it, so
        // that a run with nothing new writes nothing.
        let anything_new = plan
            .products
            .iter()
            .map(|p| p.source)
            .chain(plan.movements.iter().map(|m| m.source))
            .any(|source| !done.contains_key(&source));
        let location = if anything_new {
            self.import_location(&mut tx, location_code, &mut entries)
                .await?
        } else {
            // Never used: every product and movement below is skipped as imported before.
            LocationId(0)
        };

        let mut suppliers: HashMap<Source, SupplierId> = HashMap::new();
        for planned in &plan.suppliers {
            if let Some(&id) = done.get(&planned.source) {
                written.already.suppliers += 1;
                suppliers.insert(planned.source, SupplierId(id));
                continue;
            }
            // A supplier the store already has under the same code (the legacy suppliers loaded
            // by `load_legacy_suppliers`, one created by hand) is the same supplier: linked.
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM suppliers WHERE tenant_id = $1 AND code = $2")
                    .bind(self.tenant())
                    .bind(&planned.supplier.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = existing {
                written.findings.push(Finding {
                    table: planned.source.table.to_owned(),
                    id: planned.source.id,
                    kind: FindingKind::SupplierLinked,
                    message: format!(
                        "the store already has supplier {}: its products were linked to it, and its legacy contact data was not imported",
                        planned.supplier.code
                    ),
                });
                suppliers.insert(planned.source, SupplierId(id));
                mapped.push(Mapped {
                    source: planned.source,
                    target_table: "suppliers",
                    target_id: id,
                });
                continue;
            }
            let created = self
                .insert_supplier(&mut tx, planned.supplier.clone(), &mut changes)
                .await
                .map_err(|e| rejected(planned.source, e))?;
            entries.push(
                Entry::new(EventType::SupplierChange, "suppliers", created.id.0).detail(json!({
                    "action": "import",
                    "code": created.code,
                    "personal_data": planned.supplier.contact.is_some(),
                })),
            );
            suppliers.insert(planned.source, created.id);
            mapped.push(Mapped {
                source: planned.source,
                target_table: "suppliers",
                target_id: created.id.0,
            });
            written.imported.suppliers += 1;
        }

        for planned in &plan.customers {
            if done.contains_key(&planned.source) {
                written.already.customers += 1;
                continue;
            }
            let (created, entry) = self
                .insert_customer(&mut tx, planned.customer.clone(), now, &mut changes)
                .await
                .map_err(|e| rejected(planned.source, e))?;
            entries.push(entry);
            mapped.push(Mapped {
                source: planned.source,
                target_table: "customers",
                target_id: created.id.0,
            });
            written.imported.customers += 1;
        }

        let mut products: HashMap<Source, ProductId> = HashMap::new();
        let mut new_products: HashSet<Source> = HashSet::new();
        let mut reconciles = Vec::new();
        for planned in &plan.products {
            if let Some(&id) = done.get(&planned.source) {
                written.already.products += 1;
                products.insert(planned.source, ProductId(id));
                continue;
            }
            let mut product = planned.product.clone();
            product.supplier = planned.supplier.and_then(|s| suppliers.get(&s).copied());
            if planned.opening.is_positive() {
                product.initial_stock = Some(InitialStock {
                    location,
                    quantity: planned.opening,
                    unit_cost: planned.opening_cost,
                });
                written.imported.movements += 1;
            }
            let created = self
                .insert_products(
                    &mut tx,
                    vec![product],
                    actor,
                    now,
                    planned.opening_at,
                    PriceSource::Import,
                )
                .await
                .map_err(|e| rejected(planned.source, e.without_line()))?;
            let id = created
                .first()
                .map(|p| p.id)
                .ok_or_else(|| super::corrupt("a created product was not returned"))?;
            products.insert(planned.source, id);
            new_products.insert(planned.source);
            if let Some(delta) = planned.reconcile {
                reconciles.push(
                    MovementRequest::adjustment(id, location, delta, RECONCILE_REASON).reference(
                        format!(
                            "LEGACY-{}-{}",
                            planned.source.table.to_uppercase(),
                            planned.source.id
                        ),
                    ),
                );
            }
            mapped.push(Mapped {
                source: planned.source,
                target_table: "products",
                target_id: id.0,
            });
            written.imported.products += 1;
        }
        if written.imported.products > 0 {
            entries.push(
                Entry::new(EventType::ProductChange, "products", "import")
                    .detail(json!({ "action": "import", "count": written.imported.products })),
            );
        }

        // The movements of every product, new or imported before, that this run has not
        // written yet, in the order they happened; then the reconciliations.
        let mut sources = Vec::new();
        let mut requests = Vec::new();
        for planned in &plan.movements {
            if done.contains_key(&planned.source) {
                written.already.movements += 1;
                continue;
            }
            let Some(&product) = products.get(&planned.product) else {
                continue;
            };
            let request = match planned.kind {
                PlannedKind::Receipt { quantity, cost } => {
                    MovementRequest::receipt(product, location, quantity, cost)
                }
                PlannedKind::Sale { quantity } => {
                    MovementRequest::sale(product, location, quantity)
                }
                PlannedKind::Adjustment { delta } => {
                    MovementRequest::adjustment(product, location, delta, planned.reason.clone())
                }
            };
            let mut request = request
                .reason(planned.reason.clone())
                .reference(planned.reference.clone());
            if let Some(at) = planned.occurred_at {
                request = request.occurred_at(at);
            }
            if let Some(by) = &planned.actor {
                request = request.by(by.clone());
            }
            sources.push(planned.source);
            requests.push(request);
        }
        requests.extend(reconciles);
        let recorded = if requests.is_empty() {
            Vec::new()
        } else {
            self.record_in(&mut tx, &requests, actor, now)
                .await
                .map_err(|e| match e.line().and_then(|line| sources.get(line)) {
                    Some(source) => rejected(*source, e.into_line_source()),
                    None => e,
                })?
        };
        for (source, recorded) in sources.iter().zip(&recorded) {
            if let Some(first) = recorded.movements.first() {
                mapped.push(Mapped {
                    source: *source,
                    target_table: "stock_movements",
                    target_id: first.id.0,
                });
            }
        }
        written.imported.movements += recorded.len();
        if let Some(entry) = movements_entry(&recorded) {
            entries.push(entry);
        }

        write_map(&mut tx, self.tenant(), layout, &mapped, now).await?;
        if written.imported.total() > 0 {
            entries.push(
                Entry::new(
                    EventType::Other(IMPORT_EVENT.into()),
                    "legacy_imports",
                    layout.as_str(),
                )
                .detail(json!({
                    "layout": layout.as_str(),
                    "location": location_code,
                    "imported": written.imported,
                    "already_imported": written.already,
                    "roundings": plan.roundings.len(),
                    "findings": plan.findings.len(),
                })),
            );
        }
        if dry_run {
            tx.rollback().await?;
            return Ok(written);
        }
        for entry in entries {
            written.audit_seq = Some(self.append_audit(&mut tx, actor, entry).await?);
        }
        tx.commit().await?;
        changes.apply(self.keys());
        Ok(written)
    }

    /// The id of the location with `code`, created (and its audit entry queued) when missing.
    async fn import_location(
        &self,
        tx: &mut Tx,
        code: &str,
        entries: &mut Vec<Entry>,
    ) -> Result<LocationId> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM locations WHERE tenant_id = $1 AND code = $2")
                .bind(self.tenant())
                .bind(code)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(id) = found {
            return Ok(LocationId(id));
        }
        let location = NewLocation::new(code, IMPORTED_LOCATION_NAME).validate()?;
        let created = self.insert_location(tx, location).await?;
        entries.push(
            Entry::new(EventType::LocationChange, "locations", created.id.0)
                .detail(json!({ "action": "create", "code": created.code })),
        );
        Ok(created.id)
    }
}

/// The reason of the adjustment that brings a product's replayed legacy ledger to its legacy
/// balance.
pub(crate) const RECONCILE_REASON: &str = "legacy import: reconciliation to the legacy balance";
/// The audit event type of an import's summary record.
pub(crate) const IMPORT_EVENT: &str = "LEGACY_IMPORT";

/// A store error on a legacy row, named by its table and id.
fn rejected(source: Source, error: Error) -> Error {
    match error {
        Error::Store(_) | Error::Crypto(_) => error,
        other => ImportError::MalformedRow {
            table: source.table.to_owned(),
            id: source.id,
            reason: other.to_string(),
        }
        .into(),
    }
}

/// Every legacy row an earlier import of this layout wrote, with its new id.
async fn imported_before(
    tx: &mut Tx,
    tenant: &str,
    layout: LegacyLayout,
) -> Result<HashMap<Source, i64>> {
    let rows = sqlx::query(
        "SELECT legacy_table, legacy_id, target_id FROM legacy_imports \
         WHERE tenant_id = $1 AND layout = $2",
    )
    .bind(tenant)
    .bind(layout.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let mut done = HashMap::with_capacity(rows.len());
    for row in rows {
        let table: String = row.try_get("legacy_table")?;
        let Some(table) = crate::import::plan::legacy_table(&table) else {
            continue;
        };
        done.insert(
            Source {
                table,
                id: row.try_get("legacy_id")?,
            },
            row.try_get("target_id")?,
        );
    }
    Ok(done)
}

async fn write_map(
    tx: &mut Tx,
    tenant: &str,
    layout: LegacyLayout,
    mapped: &[Mapped],
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    for chunk in mapped.chunks(MAP_ROWS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO legacy_imports (tenant_id, layout, legacy_table, legacy_id, target_table, \
             target_id, imported_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let n = i * 5;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, $2, ${}, ${}, ${}, ${}, ${})",
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7
            ));
        }
        let mut query = sqlx::query(&sql).bind(tenant).bind(layout.as_str());
        for m in chunk {
            query = query
                .bind(m.source.table)
                .bind(m.source.id)
                .bind(m.target_table)
                .bind(m.target_id)
                .bind(micros(now));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
