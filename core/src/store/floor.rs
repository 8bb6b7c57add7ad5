//! Supplier assignment against the stored suppliers, the legacy supplier fixture, and running
//! shop-floor commands.

use chrono::Utc;
use sqlx::AnyConnection;

use super::codec;
use super::ledger::Recorded;
use super::{Entry, Store};
use crate::audit::EventType;
use crate::domain::catalog::{Product, Supplier};
use crate::domain::commands::{self, CommandError, Intent};
use crate::domain::orders::{OrderStatus, PurchaseOrder};
use crate::domain::suppliers::{self, Assignment, SupplierRules};
use crate::domain::{Actor, LocationId, MovementRequest, OrderId, SupplierId};
use crate::error::Result;
use serde_json::json;

/// Where shop-floor commands put and take goods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloorSetup {
    /// Where "Dejé…", "Ingreso…" and `/entrada` receive goods.
    pub receiving: LocationId,
    /// Where "Saqué…" and `/salida` take goods from.
    pub back_store: LocationId,
    /// The destination `local` (the default of a stock out).
    pub sales_floor: LocationId,
}

/// What a shop-floor command did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FloorOutcome {
    /// An order command added to the supplier's open draft order (created if there was none).
    Ordered(PurchaseOrder),
    /// A receipt or a stock out (a transfer) was recorded.
    Moved(Recorded),
}

impl Store {
    /// Active suppliers as matching rules, in the order they were configured (created).
    async fn supplier_rules(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Vec<(SupplierId, SupplierRules)>> {
        let sql = format!(
            "SELECT {} FROM suppliers WHERE tenant_id = $1 AND active = TRUE ORDER BY id",
            codec::SUPPLIER_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|row| {
                let supplier = codec::supplier(row)?;
                Ok((supplier.id, SupplierRules::from(&supplier)))
            })
            .collect()
    }

    /// The supplier for a product with no default supplier, by DOMAIN 6's matching.
    pub(crate) async fn assign_supplier_in(
        &self,
        conn: &mut AnyConnection,
        name: &str,
        category: Option<&str>,
    ) -> Result<Option<(SupplierId, Assignment)>> {
        let rules = self.supplier_rules(conn).await?;
        let only_rules: Vec<SupplierRules> = rules.iter().map(|(_, r)| r.clone()).collect();
        Ok(
            suppliers::assign_supplier(&only_rules, name, category).and_then(|assignment| {
                rules
                    .iter()
                    .find(|(_, r)| r.code == assignment.supplier_code)
                    .map(|(id, _)| (*id, assignment))
            }),
        )
    }

    pub(crate) async fn assign_supplier(
        &self,
        name: &str,
        category: Option<&str>,
    ) -> Result<Option<(SupplierId, Assignment)>> {
        let mut conn = self.pool().acquire().await?;
        self.assign_supplier_in(&mut conn, name, category).await
    }

    /// Creates the legacy suppliers that are missing (by code), in one transaction.
    pub(crate) async fn load_legacy_suppliers(&self, actor: &Actor) -> Result<Vec<Supplier>> {
        let mut tx = self.write().await?;
        let mut changes = super::KeyChanges::default();
        let mut created = Vec::new();
        for supplier in suppliers::legacy_suppliers() {
            let supplier = supplier.validate()?;
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM suppliers WHERE tenant_id = $1 AND code = $2")
                    .bind(self.tenant())
                    .bind(&supplier.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            let has_default: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM suppliers WHERE tenant_id = $1 AND is_default = TRUE",
            )
            .bind(self.tenant())
            .fetch_optional(&mut *tx)
            .await?;
            if exists.is_none() {
                // An existing default is the shop's choice: the fixture's default does not replace it.
                let supplier = crate::domain::NewSupplier {
                    is_default: supplier.is_default && has_default.is_none(),
                    ..supplier
                };
                created.push(
                    self.insert_supplier(&mut tx, supplier, &mut changes)
                        .await?,
                );
            }
        }
        match (created.first(), created.last()) {
            (Some(first), Some(last)) => {
                let entry = Entry::new(
                    EventType::SupplierChange,
                    "suppliers",
                    format!("{}..={}", first.id.0, last.id.0),
                )
                .detail(json!({ "action": "load_legacy", "created": created.len() }));
                self.commit_audited(tx, actor, entry).await?;
            }
            _ => tx.commit().await?,
        }
        changes.apply(self.keys());
        Ok(created)
    }

    /// Parses, resolves and runs one shop-floor command.
    pub(crate) async fn run_command(
        &self,
        text: &str,
        setup: &FloorSetup,
        idempotency_key: Option<&str>,
        actor: &Actor,
    ) -> Result<FloorOutcome> {
        let parsed = commands::parse_command(text)?;
        let products = self.products(true).await?;
        let resolved = commands::resolve_command(parsed, &products)?;
        let product = products
            .iter()
            .find(|p| p.id == resolved.product)
            .ok_or_else(|| codec::corrupt("resolved product vanished"))?;
        let request = match resolved.intent {
            Intent::Order => {
                return self
                    .order_from_floor(product, resolved.quantity, actor)
                    .await
            }
            Intent::Receipt => {
                let mut conn = self.pool().acquire().await?;
                let cost = self.expected_cost(&mut conn, product.id).await?;
                let request =
                    MovementRequest::receipt(product.id, setup.receiving, resolved.quantity, cost);
                match resolved.origin {
                    Some(origin) => request.reason(format!("origen: {origin}")),
                    None => request,
                }
            }
            Intent::StockOut => {
                let locations = self.locations().await?;
                let destination = resolved.destination.as_deref().unwrap_or("local");
                let to = commands::resolve_destination(destination, &locations, setup.sales_floor)?;
                MovementRequest::transfer(product.id, setup.back_store, to, resolved.quantity)
            }
        };
        let request = match idempotency_key {
            Some(key) => request.idempotency_key(key),
            None => request,
        };
        let mut recorded = self
            .record(std::slice::from_ref(&request), actor)
            .await
            .map_err(crate::Error::without_line)?;
        let recorded = recorded
            .pop()
            .ok_or_else(|| codec::corrupt("no movement recorded"))?;
        Ok(FloorOutcome::Moved(recorded))
    }

    /// Adds a line (or quantity) to the supplier's newest draft order, creating one if needed.
    async fn order_from_floor(
        &self,
        product: &Product,
        quantity: crate::domain::values::Quantity,
        actor: &Actor,
    ) -> Result<FloorOutcome> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let supplier = match product.supplier {
            Some(supplier) => supplier,
            None => self
                .assign_supplier_in(&mut tx, &product.name, product.category.as_deref())
                .await?
                .map(|(id, _)| id)
                .ok_or_else(|| CommandError::NoSupplier {
                    product: product.name.clone(),
                    suggestion: "asignale un proveedor o cargá un proveedor por defecto".into(),
                })?,
        };
        let draft: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM purchase_orders WHERE tenant_id = $1 AND supplier_id = $2 \
             AND status = $3 ORDER BY id DESC LIMIT 1",
        )
        .bind(self.tenant())
        .bind(supplier.0)
        .bind(OrderStatus::Draft.code())
        .fetch_optional(&mut *tx)
        .await?;
        let cost = self.expected_cost(&mut tx, product.id).await?;
        let line = crate::store::NewOrderLine {
            product: product.id,
            quantity,
            expected_unit_cost: cost,
        };
        let id = match draft {
            None => {
                self.insert_order(&mut tx, supplier, &[line], None, actor, now)
                    .await?
            }
            Some(id) => {
                self.add_to_draft(&mut tx, OrderId(id), &line).await?;
                OrderId(id)
            }
        };
        let order = self.order_in(&mut tx, id).await?;
        let entry =
            Entry::new(EventType::PurchaseOrder, "purchase_orders", order.id.0).detail(json!({
                "action": if draft.is_some() { "add_line" } else { "create" },
                "number": order.number,
                "product_id": product.id.0,
                "quantity_milli": quantity.milli(),
            }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(FloorOutcome::Ordered(order))
    }
}
