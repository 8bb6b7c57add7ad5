//! `inventario stock …`: read-only checks of balances, shortages, reorder suggestions and the
//! ledger. Quantities are printed exactly (`21`, `3.25`), in JSON as strings.

use std::collections::HashMap;

use inventario_core::domain::values::Sku;
use inventario_core::types::rust_decimal::Decimal;
use inventario_core::{Inventory, ProductId};
use serde_json::json;

use super::Context;
use crate::cli::{ListArgs, StockCommand};
use crate::exit::{Code, Failure};
use crate::output::{print, print_json, Align, Table};

/// Runs one `stock` subcommand.
pub(crate) async fn run(context: &Context, command: StockCommand) -> Result<Code, Failure> {
    let inventory = context.open().await?;
    let result = match command {
        StockCommand::List(args) => list(context, &inventory, args).await,
        StockCommand::Low => low(context, &inventory).await,
        StockCommand::Reorder => reorder(context, &inventory).await,
        StockCommand::Verify => verify(context, &inventory).await,
    };
    inventory.close().await;
    result
}

async fn list(context: &Context, inventory: &Inventory, args: ListArgs) -> Result<Code, Failure> {
    let product = match &args.sku {
        Some(text) => {
            let sku = Sku::parse(text).map_err(|e| Failure::refused(format!("--sku: {e}")))?;
            let product = inventory
                .product_by_sku(&sku)
                .await?
                .ok_or_else(|| Failure::refused(format!("no product with SKU {sku}")))?;
            Some(product.id)
        }
        None => None,
    };
    let location = match &args.location {
        Some(code) => Some(
            inventory
                .location_by_code(code)
                .await?
                .ok_or_else(|| Failure::refused(format!("no location with code {code}")))?
                .id,
        ),
        None => None,
    };
    let rows = inventory.stock(product, location).await?;
    if context.json {
        let rows: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "sku": r.sku.to_string(),
                    "name": r.name,
                    "unit": r.unit.code(),
                    "location": r.location_code,
                    "on_hand": r.on_hand.to_string(),
                    "reserved": r.reserved.to_string(),
                    "available": r.available.to_string(),
                })
            })
            .collect();
        print_json(&json!(rows))?;
        return Ok(Code::Success);
    }
    let mut table = Table::new(&[
        ("SKU", Align::Left),
        ("NAME", Align::Left),
        ("LOCATION", Align::Left),
        ("ON HAND", Align::Right),
        ("RESERVED", Align::Right),
        ("AVAILABLE", Align::Right),
        ("UNIT", Align::Left),
    ]);
    for r in &rows {
        table.row(vec![
            r.sku.to_string(),
            r.name.clone(),
            r.location_code.clone(),
            r.on_hand.to_string(),
            r.reserved.to_string(),
            r.available.to_string(),
            r.unit.code().to_owned(),
        ]);
    }
    print(&or_none(&table, "no stock"))?;
    Ok(Code::Success)
}

async fn low(context: &Context, inventory: &Inventory) -> Result<Code, Failure> {
    let today = inventory.today();
    let critical = inventory.critical_products(today).await?;
    if context.json {
        let rows: Vec<_> = critical
            .iter()
            .map(|c| {
                json!({
                    "sku": c.sku.to_string(),
                    "name": c.name,
                    "unit": c.unit.code(),
                    "on_hand": c.on_hand.to_string(),
                    "threshold": exact(c.shortage.threshold),
                    "deficit": exact(c.shortage.deficit),
                    "urgency": c.shortage.urgency.code(),
                })
            })
            .collect();
        print_json(&json!({ "date": today.to_string(), "products": rows }))?;
        return Ok(Code::Success);
    }
    let mut table = Table::new(&[
        ("URGENCY", Align::Left),
        ("SKU", Align::Left),
        ("NAME", Align::Left),
        ("ON HAND", Align::Right),
        ("MINIMUM", Align::Right),
        ("DEFICIT", Align::Right),
        ("UNIT", Align::Left),
    ]);
    for c in &critical {
        table.row(vec![
            c.shortage.urgency.code().to_owned(),
            c.sku.to_string(),
            c.name.clone(),
            c.on_hand.to_string(),
            exact(c.shortage.threshold),
            exact(c.shortage.deficit),
            c.unit.code().to_owned(),
        ]);
    }
    print(&or_none(
        &table,
        &format!("no product is below its minimum on {today}"),
    ))?;
    Ok(Code::Success)
}

async fn reorder(context: &Context, inventory: &Inventory) -> Result<Code, Failure> {
    let today = inventory.today();
    let groups = inventory.reorder_suggestions(today).await?;
    let products: HashMap<ProductId, (String, String)> = inventory
        .products(true)
        .await?
        .into_iter()
        .map(|p| (p.id, (p.sku.to_string(), p.name)))
        .collect();
    let suppliers: HashMap<_, _> = inventory
        .suppliers()
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let product = |id: ProductId| {
        products
            .get(&id)
            .cloned()
            .unwrap_or_else(|| (id.to_string(), String::new()))
    };
    let supplier = |id: Option<inventario_core::SupplierId>| match id {
        Some(id) => suppliers
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string()),
        None => "(no supplier)".to_owned(),
    };
    if context.json {
        let groups: Vec<_> = groups
            .iter()
            .map(|g| {
                let lines: Vec<_> = g
                    .lines
                    .iter()
                    .map(|l| {
                        let (sku, name) = product(l.product);
                        json!({
                            "sku": sku,
                            "name": name,
                            "quantity": l.quantity.to_string(),
                            "on_hand": l.on_hand.to_string(),
                            "on_order": l.on_order.to_string(),
                        })
                    })
                    .collect();
                json!({
                    "supplier": g.supplier.map(|_| supplier(g.supplier)),
                    "lines": lines,
                })
            })
            .collect();
        print_json(&json!({ "date": today.to_string(), "suppliers": groups }))?;
        return Ok(Code::Success);
    }
    let mut table = Table::new(&[
        ("SUPPLIER", Align::Left),
        ("SKU", Align::Left),
        ("NAME", Align::Left),
        ("ORDER", Align::Right),
        ("ON HAND", Align::Right),
        ("ON ORDER", Align::Right),
    ]);
    for g in &groups {
        for l in &g.lines {
            let (sku, name) = product(l.product);
            table.row(vec![
                supplier(g.supplier),
                sku,
                name,
                l.quantity.to_string(),
                l.on_hand.to_string(),
                l.on_order.to_string(),
            ]);
        }
    }
    print(&or_none(&table, &format!("nothing to reorder on {today}")))?;
    Ok(Code::Success)
}

async fn verify(context: &Context, inventory: &Inventory) -> Result<Code, Failure> {
    let report = inventory.verify_ledger(None).await?;
    let skus: HashMap<ProductId, String> = if report.is_consistent() {
        HashMap::new()
    } else {
        inventory
            .products(true)
            .await?
            .into_iter()
            .map(|p| (p.id, p.sku.to_string()))
            .collect()
    };
    let sku = |id: ProductId| skus.get(&id).cloned().unwrap_or_else(|| id.to_string());
    if context.json {
        let discrepancies: Vec<_> = report
            .discrepancies
            .iter()
            .map(|d| {
                json!({
                    "sku": sku(d.product),
                    "location_id": d.location.get(),
                    "ledger_on_hand": d.ledger_on_hand.to_string(),
                    "balance_on_hand": d.balance_on_hand.to_string(),
                    "broken_at_seq": d.broken_at_seq,
                })
            })
            .collect();
        print_json(&json!({
            "consistent": report.is_consistent(),
            "balances_checked": report.balances_checked,
            "movements_checked": report.movements_checked,
            "discrepancies": discrepancies,
        }))?;
    } else if report.is_consistent() {
        print(&format!(
            "ledger consistent: {} movements replayed to {} balances",
            report.movements_checked, report.balances_checked
        ))?;
    }
    match report.discrepancies.first() {
        None => Ok(Code::Success),
        Some(d) => Err(Failure::verification(format!(
            "ledger mismatch in {} place(s); first: {} at {}: the ledger gives {}, the balance says {}",
            report.discrepancies.len(),
            sku(d.product),
            d.location,
            d.ledger_on_hand,
            d.balance_on_hand
        ))),
    }
}

/// A decimal without trailing zeros.
fn exact(value: Decimal) -> String {
    value.normalize().to_string()
}

/// The table, or `empty` when it has no rows.
fn or_none(table: &Table, empty: &str) -> String {
    if table.is_empty() {
        empty.to_owned()
    } else {
        table.render()
    }
}
