//! Locations, suppliers, products and reservations: creation, lookups and changes.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::codec::{self, json_list, micros};
use super::fields::{PRICE_HISTORY_COST, PRODUCT_AVERAGE_COST};
use super::keys::KeyChanges;
use super::ledger::{CostHistory, RowMeta, Tx};
use super::{Entry, Store, WriteLock};
use crate::audit::EventType;
use crate::crypto::KeySet;
use crate::domain::catalog::{
    Location, NewLocation, NewProduct, NewSupplier, PriceChange, PriceKind, PriceSource, Product,
    ProductChanges, Reservation, ReservationStatus, Supplier,
};
use crate::domain::pricing::check_minimum_margin;
use crate::domain::values::{Barcode, Quantity, Sku, UnitCost};
use crate::domain::{
    Actor, InUse, LocationId, ProductId, ReservationId, RuleError, StockCommand, SupplierId,
};
use crate::error::{Error, Result};
use serde_json::json;

impl Store {
    pub(crate) async fn create_location(
        &self,
        location: NewLocation,
        actor: &Actor,
    ) -> Result<Location> {
        let location = location.validate()?;
        let mut tx = self.write().await?;
        let created = self.insert_location(&mut tx, location).await?;
        let entry = Entry::new(EventType::LocationChange, "locations", created.id.0)
            .detail(json!({ "action": "create", "code": created.code }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(created)
    }

    /// Inserts a validated location in the caller's transaction.
    pub(crate) async fn insert_location(
        &self,
        tx: &mut Tx,
        location: NewLocation,
    ) -> Result<Location> {
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM locations WHERE tenant_id = $1 AND code = $2")
                .bind(self.tenant())
                .bind(&location.code)
                .fetch_optional(&mut **tx)
                .await?;
        if taken.is_some() {
            return Err(RuleError::DuplicateLocationCode(location.code).into());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO locations (tenant_id, code, name, negative_stock_allowed, capacity_milli, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(self.tenant())
        .bind(&location.code)
        .bind(location.name.trim())
        .bind(location.negative_stock_allowed)
        .bind(location.capacity.map(Quantity::milli))
        .bind(micros(Utc::now()))
        .fetch_one(&mut **tx)
        .await?;
        Ok(Location {
            id: LocationId(id),
            code: location.code,
            name: location.name.trim().to_owned(),
            negative_stock_allowed: location.negative_stock_allowed,
            capacity: location.capacity,
        })
    }

    pub(crate) async fn locations(&self) -> Result<Vec<Location>> {
        let sql = format!(
            "SELECT {} FROM locations WHERE tenant_id = $1 ORDER BY code",
            codec::LOCATION_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(codec::location).collect()
    }

    pub(crate) async fn location_by_code(&self, code: &str) -> Result<Option<Location>> {
        let code = code.trim().to_uppercase();
        self.find_one(
            "locations",
            codec::LOCATION_COLUMNS,
            "code",
            Key::Text(&code),
            codec::location,
        )
        .await
    }

    pub(crate) async fn create_supplier(
        &self,
        supplier: NewSupplier,
        actor: &Actor,
    ) -> Result<Supplier> {
        let supplier = supplier.validate()?;
        let with_contact = supplier.contact.is_some();
        let mut tx = self.write().await?;
        let mut changes = KeyChanges::default();
        let created = self
            .insert_supplier(&mut tx, supplier, &mut changes)
            .await?;
        let entry = Entry::new(EventType::SupplierChange, "suppliers", created.id.0).detail(
            json!({ "action": "create", "code": created.code, "personal_data": with_contact }),
        );
        self.commit_audited(tx, actor, entry).await?;
        changes.apply(self.keys());
        Ok(created)
    }

    /// Inserts a validated supplier in the caller's transaction.
    pub(crate) async fn insert_supplier(
        &self,
        tx: &mut Tx,
        supplier: NewSupplier,
        changes: &mut KeyChanges,
    ) -> Result<Supplier> {
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM suppliers WHERE tenant_id = $1 AND code = $2")
                .bind(self.tenant())
                .bind(&supplier.code)
                .fetch_optional(&mut **tx)
                .await?;
        if taken.is_some() {
            return Err(RuleError::DuplicateSupplierCode(supplier.code).into());
        }
        if supplier.is_default {
            // One default per tenant: the new one replaces the old.
            sqlx::query(
                "UPDATE suppliers SET is_default = FALSE WHERE tenant_id = $1 AND is_default = TRUE",
            )
            .bind(self.tenant())
            .execute(&mut **tx)
            .await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO suppliers (tenant_id, code, legal_name, trade_name, tax_condition, \
               payment_terms_days, direct_brands, distributed_brands, categories, exclude_keywords, \
               is_default, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, TRUE, $12) RETURNING id",
        )
        .bind(self.tenant())
        .bind(&supplier.code)
        .bind(&supplier.legal_name)
        .bind(&supplier.trade_name)
        .bind(&supplier.tax_condition)
        .bind(supplier.payment_terms_days.map(i64::from))
        .bind(json_list(&supplier.direct_brands))
        .bind(json_list(&supplier.distributed_brands))
        .bind(json_list(&supplier.categories))
        .bind(json_list(&supplier.exclude_keywords))
        .bind(supplier.is_default)
        .bind(micros(Utc::now()))
        .fetch_one(&mut **tx)
        .await?;
        if let Some(contact) = &supplier.contact {
            self.write_supplier_contact(tx, SupplierId(id), contact, changes)
                .await?;
        }
        Ok(Supplier {
            id: SupplierId(id),
            code: supplier.code,
            legal_name: supplier.legal_name,
            trade_name: supplier.trade_name,
            tax_condition: supplier.tax_condition,
            payment_terms_days: supplier.payment_terms_days,
            direct_brands: supplier.direct_brands,
            distributed_brands: supplier.distributed_brands,
            categories: supplier.categories,
            exclude_keywords: supplier.exclude_keywords,
            is_default: supplier.is_default,
            active: true,
        })
    }

    pub(crate) async fn suppliers(&self) -> Result<Vec<Supplier>> {
        let sql = format!(
            "SELECT {} FROM suppliers WHERE tenant_id = $1 ORDER BY code",
            codec::SUPPLIER_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(codec::supplier).collect()
    }

    pub(crate) async fn supplier(&self, id: SupplierId) -> Result<Option<Supplier>> {
        self.find_one(
            "suppliers",
            codec::SUPPLIER_COLUMNS,
            "id",
            Key::Int(id.0),
            codec::supplier,
        )
        .await
    }

    pub(crate) async fn supplier_by_code(&self, code: &str) -> Result<Option<Supplier>> {
        let code = code.trim().to_uppercase();
        self.find_one(
            "suppliers",
            codec::SUPPLIER_COLUMNS,
            "code",
            Key::Text(&code),
            codec::supplier,
        )
        .await
    }

    /// Creates every product or none; each initial stock is one `InitialStock` movement.
    pub(crate) async fn create_products(
        &self,
        products: Vec<NewProduct>,
        actor: &Actor,
    ) -> Result<Vec<Product>> {
        let products = products
            .into_iter()
            .enumerate()
            .map(|(line, p)| p.validate().map_err(|e| Error::from(e).at_line(line)))
            .collect::<Result<Vec<_>>>()?;
        let now = Utc::now();
        let mut tx = self.write().await?;
        let created = self
            .insert_products(&mut tx, products, actor, now, None, PriceSource::Manual)
            .await?;
        let (first, last) = match (created.first(), created.last()) {
            (Some(first), Some(last)) => (first.id.0, last.id.0),
            _ => {
                tx.commit().await?;
                return Ok(created);
            }
        };
        let key = if first == last {
            first.to_string()
        } else {
            format!("{first}..={last}")
        };
        let entry = Entry::new(EventType::ProductChange, "products", key)
            .detail(json!({ "action": "create", "count": created.len() }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(created)
    }

    /// Checks and inserts validated products in the caller's transaction, each initial stock
    /// as one `InitialStock` movement dated `opened_at` (default `now`); the caller audits.
    pub(crate) async fn insert_products(
        &self,
        tx: &mut Tx,
        products: Vec<NewProduct>,
        actor: &Actor,
        now: DateTime<Utc>,
        opened_at: Option<DateTime<Utc>>,
        source: PriceSource,
    ) -> Result<Vec<Product>> {
        let mut skus = HashSet::new();
        let mut barcodes = HashSet::new();
        for (line, p) in products.iter().enumerate() {
            let fail = |e: RuleError| Error::from(e).at_line(line);
            if !skus.insert(p.sku.clone()) || self.product_id_by_sku(tx, &p.sku).await?.is_some() {
                return Err(fail(RuleError::DuplicateSku(p.sku.clone())));
            }
            if let Some(barcode) = &p.barcode {
                let taken: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM products WHERE tenant_id = $1 AND barcode = $2",
                )
                .bind(self.tenant())
                .bind(barcode.as_str())
                .fetch_optional(&mut **tx)
                .await?;
                if !barcodes.insert(barcode.clone()) || taken.is_some() {
                    return Err(fail(RuleError::DuplicateBarcode(barcode.clone())));
                }
            }
            if let Some(supplier) = p.supplier {
                self.check_supplier(tx, supplier)
                    .await
                    .map_err(|e| e.at_line(line))?;
            }
            if let Some(initial) = p.initial_stock {
                if self.location_policy(tx, initial.location).await?.is_none() {
                    return Err(fail(RuleError::LocationNotFound(initial.location)));
                }
            }
        }
        let mut created = Vec::with_capacity(products.len());
        let mut costs = CostHistory::default();
        for p in products {
            let id = self.insert_product(tx, &p, now).await?;
            let sale = UnitCost::from_money(p.sale_price)?;
            self.insert_price(tx, id, PriceKind::Sale, sale, source, actor, None, now)
                .await?;
            if let Some(wholesale) = p.wholesale_price {
                let value = UnitCost::from_money(wholesale)?;
                self.insert_price(
                    tx,
                    id,
                    PriceKind::Wholesale,
                    value,
                    source,
                    actor,
                    None,
                    now,
                )
                .await?;
            }
            if let Some(initial) = p.initial_stock {
                let command = StockCommand::Receipt {
                    product: id,
                    location: initial.location,
                    quantity: initial.quantity,
                    unit_cost: initial.unit_cost,
                };
                let mut book = self.load_book(tx, &[&command], now).await?;
                let before = book.clone();
                let draft =
                    book.initial_stock(id, initial.location, initial.quantity, initial.unit_cost)?;
                let meta = RowMeta {
                    actor,
                    reference: None,
                    lot: None,
                    expiry: None,
                    idempotency_key: None,
                    occurred_at: opened_at.unwrap_or(now),
                    recorded_at: now,
                };
                let movement_id = self.next_id(tx, "stock_movements").await?;
                let movement = self
                    .insert_movement(tx, &draft, &meta, None, None, movement_id)
                    .await?;
                costs.record(self, tx, &movement, source, actor).await?;
                self.save_book(tx, &before, &book, now).await?;
            }
            created.push(self.product_in(tx, id).await?);
        }
        Ok(created)
    }

    async fn insert_product(
        &self,
        tx: &mut Tx,
        p: &NewProduct,
        now: DateTime<Utc>,
    ) -> Result<ProductId> {
        let id = self.next_id(tx, "products").await?;
        let no_cost_yet = PRODUCT_AVERAGE_COST.seal_cost(self.keys(), id, UnitCost::ZERO)?;
        sqlx::query(
            "INSERT INTO products (id, tenant_id, sku, name, description, category, brand, unit, \
               barcode, sale_price_centavos, wholesale_price_centavos, min_stock_milli, \
               max_stock_milli, reorder_point_milli, pack_multiple_milli, perishable, supplier_id, \
               active, average_cost, created_at, updated_at) \
             VALUES ($18, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, TRUE, \
               $19, $17, $17)",
        )
        .bind(self.tenant())
        .bind(p.sku.as_str())
        .bind(p.name.trim())
        .bind(p.description.as_deref())
        .bind(p.category.as_deref())
        .bind(p.brand.as_deref())
        .bind(p.unit.code())
        .bind(p.barcode.as_ref().map(|b| b.as_str()))
        .bind(p.sale_price.centavos())
        .bind(p.wholesale_price.map(|m| m.centavos()))
        .bind(p.min_stock.milli())
        .bind(p.max_stock.map(Quantity::milli))
        .bind(p.reorder_point.map(Quantity::milli))
        .bind(p.pack_multiple.milli())
        .bind(p.perishable)
        .bind(p.supplier.map(|s| s.0))
        .bind(micros(now))
        .bind(id)
        .bind(no_cost_yet)
        .execute(&mut **tx)
        .await?;
        Ok(ProductId(id))
    }

    async fn check_supplier(&self, tx: &mut Tx, supplier: SupplierId) -> Result<()> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM suppliers WHERE tenant_id = $1 AND id = $2")
                .bind(self.tenant())
                .bind(supplier.0)
                .fetch_optional(&mut **tx)
                .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(RuleError::SupplierNotFound(supplier).into()),
        }
    }

    async fn product_id_by_sku(&self, tx: &mut Tx, sku: &Sku) -> Result<Option<ProductId>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM products WHERE tenant_id = $1 AND sku = $2")
                .bind(self.tenant())
                .bind(sku.as_str())
                .fetch_optional(&mut **tx)
                .await?;
        Ok(id.map(ProductId))
    }

    async fn product_in(&self, tx: &mut Tx, id: ProductId) -> Result<Product> {
        let sql = format!(
            "SELECT {} FROM products WHERE tenant_id = $1 AND id = $2",
            codec::PRODUCT_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(RuleError::ProductNotFound(id))?;
        codec::product(&row, self.keys())
    }

    pub(crate) async fn product(&self, id: ProductId) -> Result<Option<Product>> {
        self.find_one(
            "products",
            codec::PRODUCT_COLUMNS,
            "id",
            Key::Int(id.0),
            |row| codec::product(row, self.keys()),
        )
        .await
    }

    pub(crate) async fn product_by_sku(&self, sku: &Sku) -> Result<Option<Product>> {
        let key = Key::Text(sku.as_str());
        self.find_one("products", codec::PRODUCT_COLUMNS, "sku", key, |row| {
            codec::product(row, self.keys())
        })
        .await
    }

    pub(crate) async fn product_by_barcode(&self, barcode: &Barcode) -> Result<Option<Product>> {
        let key = Key::Text(barcode.as_str());
        self.find_one("products", codec::PRODUCT_COLUMNS, "barcode", key, |row| {
            codec::product(row, self.keys())
        })
        .await
    }

    /// The one row of `table` whose `column` equals `key`, in this tenant.
    async fn find_one<T>(
        &self,
        table: &str,
        columns: &str,
        column: &str,
        key: Key<'_>,
        decode: impl Fn(&AnyRow) -> Result<T>,
    ) -> Result<Option<T>> {
        self.sync_keys_for_read().await?;
        let sql = format!("SELECT {columns} FROM {table} WHERE tenant_id = $1 AND {column} = $2");
        let query = sqlx::query(&sql).bind(self.tenant());
        let query = match key {
            Key::Int(v) => query.bind(v),
            Key::Text(v) => query.bind(v),
        };
        let row = query.fetch_optional(self.pool()).await?;
        row.as_ref().map(&decode).transpose()
    }

    pub(crate) async fn products(&self, include_inactive: bool) -> Result<Vec<Product>> {
        self.sync_keys_for_read().await?;
        let sql = format!(
            "SELECT {} FROM products WHERE tenant_id = $1 AND (active = TRUE OR $2) ORDER BY sku",
            codec::PRODUCT_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(include_inactive)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| codec::product(row, self.keys()))
            .collect()
    }

    /// Changes a product's fields; price changes write price history. Stock is never edited.
    pub(crate) async fn update_product(
        &self,
        id: ProductId,
        changes: &ProductChanges,
        minimum_margin: Decimal,
        actor: &Actor,
    ) -> Result<Product> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let current = self.product_in(&mut tx, id).await?;
        let next = changes.apply_to(&current)?;
        if next.sale_price != current.sale_price && current.average_cost > UnitCost::ZERO {
            check_minimum_margin(
                current.average_cost,
                next.sale_price,
                minimum_margin,
                changes.force_below_margin,
            )?;
        }
        if next.sku != current.sku && self.product_id_by_sku(&mut tx, &next.sku).await?.is_some() {
            return Err(RuleError::DuplicateSku(next.sku).into());
        }
        if let (Some(barcode), true) = (&next.barcode, next.barcode != current.barcode) {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM products WHERE tenant_id = $1 AND barcode = $2 AND id <> $3",
            )
            .bind(self.tenant())
            .bind(barcode.as_str())
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Err(RuleError::DuplicateBarcode(barcode.clone()).into());
            }
        }
        if let Some(supplier) = next.supplier.filter(|s| Some(*s) != current.supplier) {
            self.check_supplier(&mut tx, supplier).await?;
        }
        sqlx::query(
            "UPDATE products SET sku = $3, name = $4, category = $5, brand = $6, barcode = $7, \
               sale_price_centavos = $8, wholesale_price_centavos = $9, min_stock_milli = $10, \
               max_stock_milli = $11, reorder_point_milli = $12, pack_multiple_milli = $13, \
               supplier_id = $14, updated_at = $15 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(id.0)
        .bind(next.sku.as_str())
        .bind(next.name.trim())
        .bind(next.category.as_deref())
        .bind(next.brand.as_deref())
        .bind(next.barcode.as_ref().map(|b| b.as_str()))
        .bind(next.sale_price.centavos())
        .bind(next.wholesale_price.map(|m| m.centavos()))
        .bind(next.min_stock.milli())
        .bind(next.max_stock.map(Quantity::milli))
        .bind(next.reorder_point.map(Quantity::milli))
        .bind(next.pack_multiple.milli())
        .bind(next.supplier.map(|s| s.0))
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        if next.sale_price != current.sale_price {
            let value = UnitCost::from_money(next.sale_price)?;
            self.insert_price(
                &mut tx,
                id,
                PriceKind::Sale,
                value,
                PriceSource::Manual,
                actor,
                None,
                now,
            )
            .await?;
        }
        if let (Some(wholesale), true) = (
            next.wholesale_price,
            next.wholesale_price != current.wholesale_price,
        ) {
            let value = UnitCost::from_money(wholesale)?;
            self.insert_price(
                &mut tx,
                id,
                PriceKind::Wholesale,
                value,
                PriceSource::Manual,
                actor,
                None,
                now,
            )
            .await?;
        }
        let updated = self.product_in(&mut tx, id).await?;
        let price_changed = updated.sale_price != current.sale_price
            || updated.wholesale_price != current.wholesale_price;
        let event = if price_changed {
            EventType::PriceChange
        } else {
            EventType::ProductChange
        };
        let entry = Entry::new(event, "products", id.0).detail(json!({
            "action": "update",
            "price_changed": price_changed,
        }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(updated)
    }

    /// Deactivates a product with no stock anywhere and no active reservation.
    pub(crate) async fn deactivate_product(&self, id: ProductId, actor: &Actor) -> Result<Product> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let current = self.product_in(&mut tx, id).await?;
        if !current.active {
            return Err(RuleError::ProductNotFound(id).into());
        }
        self.expire_reservations(&mut tx, id, now).await?;
        let stocked: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM stock_balances WHERE tenant_id = $1 AND product_id = $2 AND on_hand_milli <> 0 LIMIT 1",
        )
        .bind(self.tenant())
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        if stocked.is_some() {
            return Err(RuleError::ProductInUse {
                product: id,
                reason: InUse::StockOnHand,
            }
            .into());
        }
        let reserved: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM reservations WHERE tenant_id = $1 AND product_id = $2 AND status = 'active' LIMIT 1",
        )
        .bind(self.tenant())
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let ordered: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM purchase_order_lines l JOIN purchase_orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id \
             WHERE l.tenant_id = $1 AND l.product_id = $2 AND l.received_milli < l.quantity_milli \
               AND o.status IN ('draft', 'sent', 'partially_received') LIMIT 1",
        )
        .bind(self.tenant())
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        if ordered.is_some() {
            return Err(RuleError::ProductInUse {
                product: id,
                reason: InUse::OpenOrders,
            }
            .into());
        }
        if reserved.is_some() {
            return Err(RuleError::ProductInUse {
                product: id,
                reason: InUse::Reservations,
            }
            .into());
        }
        sqlx::query(
            "UPDATE products SET active = FALSE, updated_at = $3 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(id.0)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        let updated = self.product_in(&mut tx, id).await?;
        let entry = Entry::new(EventType::ProductChange, "products", id.0)
            .detail(json!({ "action": "deactivate" }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(updated)
    }

    pub(crate) async fn price_history(&self, product: ProductId) -> Result<Vec<PriceChange>> {
        self.sync_keys_for_read().await?;
        let rows = sqlx::query(
            "SELECT id, kind, value_e4, cost, valid_from, source FROM price_history \
             WHERE tenant_id = $1 AND product_id = $2 ORDER BY id",
        )
        .bind(self.tenant())
        .bind(product.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                let source: String = row.try_get("source")?;
                let kind = PriceKind::from_code(&kind)
                    .ok_or_else(|| codec::corrupt("unknown price kind"))?;
                Ok(PriceChange {
                    product,
                    kind,
                    value: price_value(self.keys(), row)?,
                    valid_from: codec::instant(row.try_get("valid_from")?)?,
                    source: PriceSource::from_code(&source)
                        .ok_or_else(|| codec::corrupt("unknown price source"))?,
                })
            })
            .collect()
    }

    /// Holds `quantity` of available stock until `expires_at` (or until released).
    pub(crate) async fn reserve(
        &self,
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
        reference: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
        actor: &Actor,
    ) -> Result<Reservation> {
        crate::domain::catalog::optional_text("reservation reference", reference, 200)?;
        self.retrying(|| {
            self.reserve_once(product, location, quantity, reference, expires_at, actor)
        })
        .await
    }

    async fn reserve_once(
        &self,
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
        reference: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
        actor: &Actor,
    ) -> Result<Reservation> {
        let now = Utc::now();
        let mut tx = self.write_locking(WriteLock::Products(&[product])).await?;
        let probe = StockCommand::SupplierReturn {
            product,
            location,
            quantity,
        };
        let mut book = self.load_book(&mut tx, &[&probe], now).await?;
        let before = book.clone();
        // The book checks availability before the row exists; it only needs a placeholder id.
        book.reserve(ReservationId(0), product, location, quantity)?;
        self.order_commits(&mut tx).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reservations (tenant_id, product_id, location_id, quantity_milli, \
               remaining_milli, status, reference, expires_at, actor, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4, 'active', $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(self.tenant())
        .bind(product.0)
        .bind(location.0)
        .bind(quantity.milli())
        .bind(reference)
        .bind(expires_at.map(micros))
        .bind(actor.as_str())
        .bind(micros(now))
        .fetch_one(&mut *tx)
        .await?;
        self.save_book(&mut tx, &before, &book, now).await?;
        let entry = Entry::new(EventType::StockReservation, "reservations", id).detail(json!({
            "action": "reserve",
            "product_id": product.0,
            "location_id": location.0,
            "quantity_milli": quantity.milli(),
        }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(Reservation {
            id: ReservationId(id),
            product,
            location,
            quantity,
            remaining: quantity,
            reference: reference.map(str::to_owned),
            expires_at,
            status: ReservationStatus::Active,
        })
    }

    /// Releases what is left of an active reservation.
    pub(crate) async fn release_reservation(
        &self,
        id: ReservationId,
        actor: &Actor,
    ) -> Result<Reservation> {
        let now = Utc::now();
        let mut tx = self.write().await?;
        let sql = format!(
            "SELECT {} FROM reservations WHERE tenant_id = $1 AND id = $2",
            codec::RESERVATION_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let reservation = row.as_ref().map(codec::reservation).transpose()?;
        let Some(reservation) = reservation else {
            return Err(RuleError::ReservationNotFound(id).into());
        };
        self.expire_reservations(&mut tx, reservation.product, now)
            .await?;
        let still_active: Option<i64> = sqlx::query_scalar(
            "SELECT remaining_milli FROM reservations WHERE tenant_id = $1 AND id = $2 AND status = 'active'",
        )
        .bind(self.tenant())
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(remaining) = still_active else {
            return Err(RuleError::ReservationNotFound(id).into());
        };
        sqlx::query(
            "UPDATE reservations SET status = 'released', updated_at = $3 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(id.0)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE stock_balances SET reserved_milli = CASE WHEN reserved_milli > $4 THEN reserved_milli - $4 ELSE 0 END, updated_at = $5 \
             WHERE tenant_id = $1 AND product_id = $2 AND location_id = $3",
        )
        .bind(self.tenant())
        .bind(reservation.product.0)
        .bind(reservation.location.0)
        .bind(remaining)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        let entry = Entry::new(EventType::StockReservation, "reservations", id.0).detail(json!({
            "action": "release",
            "product_id": reservation.product.0,
            "location_id": reservation.location.0,
            "released_milli": remaining,
        }));
        self.commit_audited(tx, actor, entry).await?;
        Ok(Reservation {
            status: ReservationStatus::Released,
            remaining: Quantity::from_milli(remaining),
            ..reservation
        })
    }

    pub(crate) async fn reservations(
        &self,
        product: Option<ProductId>,
    ) -> Result<Vec<Reservation>> {
        let sql = format!(
            "SELECT {} FROM reservations WHERE tenant_id = $1 AND ($2 IS NULL OR product_id = $2) ORDER BY id",
            codec::RESERVATION_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(product.map(|p| p.0))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(codec::reservation).collect()
    }
}

/// A lookup key of [`Store::find_one`].
enum Key<'a> {
    Int(i64),
    Text(&'a str),
}

/// A price-history row's value: a public price in clear, or an encrypted cost.
pub(crate) fn price_value(keys: &KeySet, row: &AnyRow) -> Result<UnitCost> {
    let id: i64 = row.try_get("id")?;
    match row.try_get::<Option<Vec<u8>>, _>("cost")? {
        Some(envelope) => PRICE_HISTORY_COST.open_cost(keys, id, &envelope),
        None => {
            let e4: i64 = row
                .try_get::<Option<i64>, _>("value_e4")?
                .ok_or_else(|| codec::corrupt("price history row without a value"))?;
            UnitCost::from_ten_thousandths(e4).map_err(|_| codec::corrupt("negative stored price"))
        }
    }
}
