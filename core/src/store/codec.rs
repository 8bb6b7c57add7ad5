//! Conversions between stored columns and domain values.
//!
//! Integers hold exact values (thousandths, centavos, ten-thousandths, microseconds); a stored
//! value that a domain type refuses is reported as [`StoreError::Corrupt`], never guessed at.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{Any, ColumnIndex, Decode, Row, ValueRef as _};

use super::fields::{MOVEMENT_UNIT_COST, PRODUCT_AVERAGE_COST};
use crate::crypto::KeySet;
use crate::domain::catalog::{Location, Product, Reservation, ReservationStatus, Supplier};
use crate::domain::values::{Barcode, Money, Quantity, Sku, UnitOfMeasure};
use crate::domain::{
    LocationId, LossReason, Movement, MovementId, MovementKind, ProductId, ReservationId,
    SupplierId,
};
use crate::error::{Result, StoreError};

pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(crate) fn instant(micros: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| corrupt("timestamp out of range"))
}

/// Reads a yes/no column. SQLite keeps it as the integer 0 or 1, PostgreSQL as a `BOOLEAN`;
/// either is read here, so the SQL can stay the same on both.
pub(crate) fn flag<I: ColumnIndex<AnyRow>>(row: &AnyRow, index: I) -> Result<bool> {
    let raw = row.try_get_raw(index)?;
    if raw.type_info().kind() == AnyTypeInfoKind::Bool {
        Ok(<bool as Decode<Any>>::decode(raw).map_err(sqlx::Error::Decode)?)
    } else {
        Ok(<i64 as Decode<Any>>::decode(raw).map_err(sqlx::Error::Decode)? != 0)
    }
}

pub(crate) fn corrupt(what: impl Into<String>) -> crate::Error {
    StoreError::Corrupt(what.into()).into()
}

fn opt_quantity(v: Option<i64>) -> Option<Quantity> {
    v.map(Quantity::from_milli)
}

pub(crate) fn json_list(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_list(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|_| corrupt("supplier list is not a JSON array of strings"))
}

pub(crate) const PRODUCT_COLUMNS: &str = "id, sku, name, description, category, brand, unit, \
    barcode, sale_price_centavos, wholesale_price_centavos, min_stock_milli, max_stock_milli, \
    reorder_point_milli, pack_multiple_milli, perishable, supplier_id, active, average_cost";

pub(crate) fn product(row: &AnyRow, keys: &KeySet) -> Result<Product> {
    let id: i64 = row.try_get("id")?;
    let sku: String = row.try_get("sku")?;
    let unit: String = row.try_get("unit")?;
    let barcode: Option<String> = row.try_get("barcode")?;
    Ok(Product {
        id: ProductId(id),
        sku: Sku::parse(&sku).map_err(|_| corrupt("invalid stored SKU"))?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        category: row.try_get("category")?,
        brand: row.try_get("brand")?,
        unit: unit
            .parse::<UnitOfMeasure>()
            .map_err(|_| corrupt("unknown unit of measure"))?,
        barcode: barcode
            .map(|b| Barcode::parse(&b).map_err(|_| corrupt("invalid stored barcode")))
            .transpose()?,
        sale_price: Money::from_centavos(row.try_get("sale_price_centavos")?),
        wholesale_price: row
            .try_get::<Option<i64>, _>("wholesale_price_centavos")?
            .map(Money::from_centavos),
        min_stock: Quantity::from_milli(row.try_get("min_stock_milli")?),
        max_stock: opt_quantity(row.try_get("max_stock_milli")?),
        reorder_point: opt_quantity(row.try_get("reorder_point_milli")?),
        pack_multiple: Quantity::from_milli(row.try_get("pack_multiple_milli")?),
        perishable: flag(row, "perishable")?,
        supplier: row
            .try_get::<Option<i64>, _>("supplier_id")?
            .map(SupplierId),
        active: flag(row, "active")?,
        average_cost: PRODUCT_AVERAGE_COST.open_cost(keys, id, row.try_get("average_cost")?)?,
    })
}

pub(crate) const LOCATION_COLUMNS: &str = "id, code, name, negative_stock_allowed, capacity_milli";

pub(crate) fn location(row: &AnyRow) -> Result<Location> {
    Ok(Location {
        id: LocationId(row.try_get("id")?),
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        negative_stock_allowed: flag(row, "negative_stock_allowed")?,
        capacity: opt_quantity(row.try_get("capacity_milli")?),
    })
}

pub(crate) const SUPPLIER_COLUMNS: &str = "id, code, legal_name, trade_name, tax_condition, \
    payment_terms_days, direct_brands, distributed_brands, categories, exclude_keywords, \
    is_default, active";

pub(crate) fn supplier(row: &AnyRow) -> Result<Supplier> {
    let terms: Option<i64> = row.try_get("payment_terms_days")?;
    Ok(Supplier {
        id: SupplierId(row.try_get("id")?),
        code: row.try_get("code")?,
        legal_name: row.try_get("legal_name")?,
        trade_name: row.try_get("trade_name")?,
        tax_condition: row.try_get("tax_condition")?,
        payment_terms_days: terms
            .map(|t| u32::try_from(t).map_err(|_| corrupt("payment terms out of range")))
            .transpose()?,
        direct_brands: parse_list(row.try_get("direct_brands")?)?,
        distributed_brands: parse_list(row.try_get("distributed_brands")?)?,
        categories: parse_list(row.try_get("categories")?)?,
        exclude_keywords: parse_list(row.try_get("exclude_keywords")?)?,
        is_default: flag(row, "is_default")?,
        active: flag(row, "active")?,
    })
}

pub(crate) const MOVEMENT_COLUMNS: &str = "id, product_id, location_id, seq, kind, \
    quantity_milli, delta_milli, before_milli, after_milli, unit_cost, \
    reference, lot, expiry, actor, reason, loss_reason, idempotency_key, linked_movement_id, \
    occurred_at, recorded_at";

pub(crate) fn movement(row: &AnyRow, keys: &KeySet) -> Result<Movement> {
    let id: i64 = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let expiry: Option<String> = row.try_get("expiry")?;
    let delta = Quantity::from_milli(row.try_get("delta_milli")?);
    let unit_cost = MOVEMENT_UNIT_COST.open_cost(keys, id, row.try_get("unit_cost")?)?;
    Ok(Movement {
        id: MovementId(id),
        product: ProductId(row.try_get("product_id")?),
        location: LocationId(row.try_get("location_id")?),
        kind: kind
            .parse::<MovementKind>()
            .map_err(|e| corrupt(e.to_string()))?,
        quantity: Quantity::from_milli(row.try_get("quantity_milli")?),
        delta,
        before: Quantity::from_milli(row.try_get("before_milli")?),
        after: Quantity::from_milli(row.try_get("after_milli")?),
        unit_cost,
        value: unit_cost
            .value_of(delta)
            .map_err(|_| corrupt("movement value out of range"))?,
        seq: row.try_get("seq")?,
        reference: row.try_get("reference")?,
        lot: row.try_get("lot")?,
        expiry: expiry
            .map(|d| {
                d.parse::<NaiveDate>()
                    .map_err(|_| corrupt("invalid expiry date"))
            })
            .transpose()?,
        actor: row.try_get("actor")?,
        reason: row.try_get("reason")?,
        loss_reason: row
            .try_get::<Option<String>, _>("loss_reason")?
            .map(|code| {
                code.parse::<LossReason>()
                    .map_err(|e| corrupt(e.to_string()))
            })
            .transpose()?,
        idempotency_key: row.try_get("idempotency_key")?,
        linked_movement: row
            .try_get::<Option<i64>, _>("linked_movement_id")?
            .map(MovementId),
        occurred_at: instant(row.try_get("occurred_at")?)?,
        recorded_at: instant(row.try_get("recorded_at")?)?,
    })
}

pub(crate) const RESERVATION_COLUMNS: &str =
    "id, product_id, location_id, quantity_milli, remaining_milli, status, reference, expires_at";

pub(crate) fn reservation(row: &AnyRow) -> Result<Reservation> {
    let status: String = row.try_get("status")?;
    Ok(Reservation {
        id: ReservationId(row.try_get("id")?),
        product: ProductId(row.try_get("product_id")?),
        location: LocationId(row.try_get("location_id")?),
        quantity: Quantity::from_milli(row.try_get("quantity_milli")?),
        remaining: Quantity::from_milli(row.try_get("remaining_milli")?),
        status: ReservationStatus::from_code(&status)
            .ok_or_else(|| corrupt("unknown reservation status"))?,
        reference: row.try_get("reference")?,
        expires_at: row
            .try_get::<Option<i64>, _>("expires_at")?
            .map(instant)
            .transpose()?,
    })
}
