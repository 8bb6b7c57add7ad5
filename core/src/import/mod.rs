//! Import from the legacy Python system ("inventario-retail"): its two SQLite layouts (see
//! docs/IMPORT.md) become suppliers, products, customers and ledger movements of this store.
//!
//! The import reads the whole legacy file first and converts every row (a pure step): a row
//! that cannot be read (text where a number belongs, a date that does not parse, an invalid
//! CUIT) stops the import with [`ImportError::MalformedRow`] naming its table and id, before
//! anything is written. The plan is then written in **one** transaction with its audit records,
//! so an import lands whole or not at all. Every legacy row written is remembered
//! (`legacy_imports`), so running the import again imports nothing twice and reports what was
//! already there.

mod legacy;
pub(crate) mod plan;
mod report;

use std::path::Path;

pub use report::{Finding, FindingKind, ImportCounts, ImportReport, LegacyLayout, Rounding};

use crate::domain::Actor;
use crate::error::Result;
use crate::keyring::Keyring;
use crate::store::Store;

/// The blind-indexed columns an import may fill: their index keys are created (each in a
/// transaction of its own) before the import's transaction, which then only reads them.
const BLIND_INDEXES: [(&str, &str); 3] = [
    ("customers", "document"),
    ("customers", "email"),
    ("suppliers", "cuit"),
];

/// Reads, converts and writes one legacy file (see [`crate::Inventory::import_legacy`]).
pub(crate) async fn import(
    store: &Store,
    keyring: &Keyring,
    legacy_file: &Path,
    options: &ImportOptions,
    actor: &Actor,
) -> Result<ImportReport> {
    let data = legacy::read(legacy_file).await?;
    let plan = plan::plan(&data, store.timezone())?;
    if !options.dry_run && (!plan.customers.is_empty() || !plan.suppliers.is_empty()) {
        for (table, column) in BLIND_INDEXES {
            keyring.add_blind_index(table, column).await?;
        }
    }
    let written = store
        .write_import(
            &plan,
            data.layout,
            &options.location,
            options.dry_run,
            actor,
        )
        .await?;
    Ok(ImportReport {
        layout: data.layout,
        source: legacy_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        dry_run: options.dry_run,
        location: options.location.clone(),
        imported: written.imported,
        already_imported: written.already,
        roundings: plan.roundings,
        findings: plan.findings.into_iter().chain(written.findings).collect(),
        audit_seq: written.audit_seq,
    })
}

/// How to import: the location that receives the stock, and whether to write at all.
///
/// ```
/// use inventario_core::import::ImportOptions;
/// let options = ImportOptions::default().location("DEPOSITO").dry_run(true);
/// assert_eq!(options.location_code(), "DEPOSITO");
/// ```
#[derive(Clone, Debug)]
pub struct ImportOptions {
    location: String,
    dry_run: bool,
}

impl Default for ImportOptions {
    /// Stock goes to location `LOCAL` (created if missing); the import writes.
    fn default() -> Self {
        ImportOptions {
            location: DEFAULT_LOCATION.to_owned(),
            dry_run: false,
        }
    }
}

/// The location code imported stock goes to unless told otherwise.
pub const DEFAULT_LOCATION: &str = "LOCAL";

impl ImportOptions {
    /// The code of the location that receives the imported stock; it is created (named
    /// "Importado del sistema anterior") when the store has no location with that code.
    pub fn location(mut self, code: &str) -> Self {
        self.location = code.trim().to_uppercase();
        self
    }

    /// With `true`, reads and converts everything and reports what would be imported, but
    /// writes nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// The location code.
    pub fn location_code(&self) -> &str {
        &self.location
    }

    /// Whether this is a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }
}

/// Why an import stopped. Nothing was written.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportError {
    /// The file is not a legacy database this importer knows: neither layout's tables are
    /// there.
    #[error("not a legacy inventory database: {0}")]
    UnknownLayout(String),
    /// A legacy row could not be converted; fix it in the legacy file and run the import again.
    #[error("{table} row {id}: {reason}")]
    MalformedRow {
        /// The legacy table.
        table: String,
        /// The row's legacy id.
        id: i64,
        /// What is wrong with it (never the value of a personal-data column).
        reason: String,
    },
}
