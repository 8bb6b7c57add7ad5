//! What an import did: counts, every rounding, every finding.

use std::fmt::Write as _;

use serde::Serialize;

/// Which of the two legacy SQLite layouts a file has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegacyLayout {
    /// The mini-market dashboard's `minimarket_inventory.db`: `proveedores`, `categorias`,
    /// `productos` without SKU, movements keyed by product name.
    MiniMarket,
    /// The stock service's `data/inventario.db`: `productos` with a `codigo`, signed movements,
    /// optionally `clientes` and `proveedores` with plaintext personal data.
    StockService,
}

impl LegacyLayout {
    /// The layout's name as the report writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            LegacyLayout::MiniMarket => "mini-market",
            LegacyLayout::StockService => "stock-service",
        }
    }
}

/// How many records of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Suppliers.
    pub suppliers: usize,
    /// Products.
    pub products: usize,
    /// Customers.
    pub customers: usize,
    /// Ledger movements (an opening balance and a reconciliation count as movements).
    pub movements: usize,
}

impl ImportCounts {
    /// The sum of all kinds.
    pub fn total(&self) -> usize {
        self.suppliers + self.products + self.customers + self.movements
    }
}

/// A float money value that was not an exact number of centavos and was rounded (half away
/// from zero) to one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rounding {
    /// The legacy table.
    pub table: String,
    /// The row's legacy id.
    pub id: i64,
    /// The column.
    pub column: String,
    /// The stored float, written with every digit it has (shortest round-trip form).
    pub legacy: String,
    /// The exact value imported.
    pub imported: String,
}

/// Something the importer did that the operator should know about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// Two legacy products have the same SKU after normalisation: the first (lowest id) was
    /// imported, the other was not, nor were its movements.
    DuplicateSku,
    /// A legacy stock balance was negative: imported as 0, the difference reported.
    NegativeStock,
    /// The legacy ledger's movements do not add up to the legacy balance: an opening balance
    /// or a reconciliation adjustment makes the imported balance equal the legacy one.
    BalanceReconciled,
    /// A `salida` with a positive quantity (or an `entrada` with a negative one): imported by
    /// its sign, as the legacy system applied it.
    SignMismatch,
    /// A movement or order line names a product no legacy product matches: not imported.
    UnmatchedProduct,
    /// A product names a legacy supplier that is not in the file: imported without one.
    UnmatchedSupplier,
    /// The store already had a supplier with this code: the legacy supplier's products were
    /// linked to it and the legacy contact data was not imported.
    SupplierLinked,
    /// A barcode that is not a valid EAN/UPC code, or that another product has: the product
    /// was imported without it.
    BarcodeDropped,
    /// A stock level that contradicts another (a maximum not above the minimum): not imported.
    LevelIgnored,
    /// A movement of a product that was not imported (a duplicate SKU): not imported.
    SkippedMovement,
    /// A movement with a quantity of zero: nothing to import.
    EmptyMovement,
    /// A product sold below its purchase price, or with no sale price: imported as given.
    PriceAnomaly,
}

impl FindingKind {
    /// The kind's name as the report writes it (`duplicate_sku`, `negative_stock`, …): the same
    /// name as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::DuplicateSku => "duplicate_sku",
            FindingKind::NegativeStock => "negative_stock",
            FindingKind::BalanceReconciled => "balance_reconciled",
            FindingKind::SignMismatch => "sign_mismatch",
            FindingKind::UnmatchedProduct => "unmatched_product",
            FindingKind::UnmatchedSupplier => "unmatched_supplier",
            FindingKind::SupplierLinked => "supplier_linked",
            FindingKind::BarcodeDropped => "barcode_dropped",
            FindingKind::LevelIgnored => "level_ignored",
            FindingKind::SkippedMovement => "skipped_movement",
            FindingKind::EmptyMovement => "empty_movement",
            FindingKind::PriceAnomaly => "price_anomaly",
        }
    }
}

/// One finding: which legacy row, what happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The legacy table.
    pub table: String,
    /// The row's legacy id.
    pub id: i64,
    /// What kind of finding.
    pub kind: FindingKind,
    /// A sentence for the operator (never the value of a personal-data column).
    pub message: String,
}

/// The result of [`crate::Inventory::import_legacy`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The legacy layout found.
    pub layout: LegacyLayout,
    /// The legacy file's name (without its directory).
    pub source: String,
    /// Whether nothing was written (a dry run).
    pub dry_run: bool,
    /// The location that received the stock.
    pub location: String,
    /// What this run imported (or, in a dry run, would have).
    pub imported: ImportCounts,
    /// Legacy rows an earlier run had imported already, skipped this time.
    pub already_imported: ImportCounts,
    /// Every money value that needed rounding.
    pub roundings: Vec<Rounding>,
    /// Everything else the operator should check.
    pub findings: Vec<Finding>,
    /// The audit record of the import (`None` for a dry run or when nothing was new).
    pub audit_seq: Option<u64>,
}

impl ImportReport {
    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The report as Markdown: a summary table, then the roundings and findings.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Legacy import of `{}` ({})\n",
            self.source,
            self.layout.as_str()
        );
        if self.dry_run {
            out.push_str("Dry run: nothing was written.\n\n");
        }
        let _ = writeln!(out, "Stock imported into location `{}`.\n", self.location);
        out.push_str(
            "| | suppliers | products | customers | movements |\n|---|---:|---:|---:|---:|\n",
        );
        for (label, c) in [
            ("imported", &self.imported),
            ("already imported", &self.already_imported),
        ] {
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {} | {} |",
                c.suppliers, c.products, c.customers, c.movements
            );
        }
        let _ = writeln!(out, "\n## Roundings ({})\n", self.roundings.len());
        if !self.roundings.is_empty() {
            out.push_str("| table | id | column | legacy | imported |\n|---|---:|---|---:|---:|\n");
            for r in &self.roundings {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    r.table, r.id, r.column, r.legacy, r.imported
                );
            }
        }
        let _ = writeln!(out, "\n## Findings ({})\n", self.findings.len());
        if !self.findings.is_empty() {
            out.push_str("| table | id | kind | what happened |\n|---|---:|---|---|\n");
            for f in &self.findings {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    f.table,
                    f.id,
                    f.kind.as_str(),
                    f.message.replace('|', "\\|")
                );
            }
        }
        out
    }

    /// One line for a terminal: what was imported, skipped, rounded and found.
    pub fn summary(&self) -> String {
        let c = &self.imported;
        format!(
            "{}{} suppliers, {} products, {} customers, {} movements imported; {} rows already imported; {} roundings; {} findings",
            if self.dry_run { "dry run: " } else { "" },
            c.suppliers,
            c.products,
            c.customers,
            c.movements,
            self.already_imported.total(),
            self.roundings.len(),
            self.findings.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::FindingKind;

    #[test]
    fn finding_kinds_are_written_with_their_json_names() {
        for kind in [
            FindingKind::DuplicateSku,
            FindingKind::NegativeStock,
            FindingKind::BalanceReconciled,
            FindingKind::SignMismatch,
            FindingKind::UnmatchedProduct,
            FindingKind::UnmatchedSupplier,
            FindingKind::SupplierLinked,
            FindingKind::BarcodeDropped,
            FindingKind::LevelIgnored,
            FindingKind::SkippedMovement,
            FindingKind::EmptyMovement,
            FindingKind::PriceAnomaly,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
