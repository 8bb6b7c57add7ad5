//! The store's encrypted columns, and sealing and opening their values.
//!
//! Every envelope is bound to its table, column and row id (the AAD of envelope v1), so a value
//! copied to another row, column or table fails authentication. Costs belong to no one and are
//! sealed under the `global` data key; personal data under its subject's own key
//! (`customer:<id>`, `supplier:<id>`), so that erasing one person destroys one key.

use crate::crypto::{CryptoError, DataKey, FieldContext, FieldValue, KeySet, GLOBAL_SCOPE};
use crate::domain::values::UnitCost;
use crate::error::{Error, Result};
use crate::metrics::CryptoOp;

/// Whose data a column holds, which decides the data key that seals it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    /// A customer \[cliente\].
    Customer,
    /// A supplier \[proveedor\]: a person's CUIT embeds their DNI.
    Supplier,
}

impl SubjectKind {
    /// `customer` or `supplier`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Customer => "customer",
            SubjectKind::Supplier => "supplier",
        }
    }

    /// The key scope of one subject: `customer:42`.
    pub fn scope(self, id: i64) -> String {
        format!("{}:{id}", self.as_str())
    }

    /// The table that holds this kind of subject.
    pub(crate) fn table(self) -> &'static str {
        match self {
            SubjectKind::Customer => "customers",
            SubjectKind::Supplier => "suppliers",
        }
    }
}

/// One encrypted column of the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EncryptedColumn {
    pub(crate) table: &'static str,
    pub(crate) column: &'static str,
    /// `None`: sealed under the global key; otherwise under the row's subject key.
    pub(crate) subject: Option<SubjectKind>,
}

const fn global(table: &'static str, column: &'static str) -> EncryptedColumn {
    EncryptedColumn {
        table,
        column,
        subject: None,
    }
}

const fn personal(kind: SubjectKind, column: &'static str) -> EncryptedColumn {
    EncryptedColumn {
        table: match kind {
            SubjectKind::Customer => "customers",
            SubjectKind::Supplier => "suppliers",
        },
        column,
        subject: Some(kind),
    }
}

pub(crate) const PRODUCT_AVERAGE_COST: EncryptedColumn = global("products", "average_cost");
pub(crate) const MOVEMENT_UNIT_COST: EncryptedColumn = global("stock_movements", "unit_cost");
pub(crate) const PRICE_HISTORY_COST: EncryptedColumn = global("price_history", "cost");
pub(crate) const ORDER_LINE_COST: EncryptedColumn =
    global("purchase_order_lines", "expected_unit_cost");

pub(crate) const SUPPLIER_CUIT: EncryptedColumn = personal(SubjectKind::Supplier, "cuit");
pub(crate) const SUPPLIER_PHONE: EncryptedColumn = personal(SubjectKind::Supplier, "phone");
pub(crate) const SUPPLIER_EMAIL: EncryptedColumn = personal(SubjectKind::Supplier, "email");
pub(crate) const SUPPLIER_ADDRESS: EncryptedColumn = personal(SubjectKind::Supplier, "address");

pub(crate) const CUSTOMER_NAMES: EncryptedColumn = personal(SubjectKind::Customer, "names");
pub(crate) const CUSTOMER_SURNAME: EncryptedColumn = personal(SubjectKind::Customer, "surname");
pub(crate) const CUSTOMER_DOCUMENT: EncryptedColumn = personal(SubjectKind::Customer, "document");
pub(crate) const CUSTOMER_PHONE: EncryptedColumn = personal(SubjectKind::Customer, "phone");
pub(crate) const CUSTOMER_EMAIL: EncryptedColumn = personal(SubjectKind::Customer, "email");
pub(crate) const CUSTOMER_ADDRESS: EncryptedColumn = personal(SubjectKind::Customer, "address");

/// Every encrypted column, in the order a re-encryption job walks them.
pub(crate) const ENCRYPTED_COLUMNS: &[EncryptedColumn] = &[
    PRODUCT_AVERAGE_COST,
    MOVEMENT_UNIT_COST,
    PRICE_HISTORY_COST,
    ORDER_LINE_COST,
    SUPPLIER_CUIT,
    SUPPLIER_PHONE,
    SUPPLIER_EMAIL,
    SUPPLIER_ADDRESS,
    CUSTOMER_NAMES,
    CUSTOMER_SURNAME,
    CUSTOMER_DOCUMENT,
    CUSTOMER_PHONE,
    CUSTOMER_EMAIL,
    CUSTOMER_ADDRESS,
];

/// A decrypt or encrypt failure on a stored field, naming the field (never its value).
pub(crate) fn field_error(column: &EncryptedColumn, row: i64, source: CryptoError) -> Error {
    Error::Field {
        table: column.table,
        column: column.column,
        row,
        source,
    }
}

impl EncryptedColumn {
    /// The data-key scope of row `row` of this column.
    pub(crate) fn scope(&self, row: i64) -> String {
        match self.subject {
            None => GLOBAL_SCOPE.to_owned(),
            Some(kind) => kind.scope(row),
        }
    }

    /// Seals `value` for row `row` under the scope's active key.
    pub(crate) fn seal(&self, keys: &KeySet, row: i64, value: &FieldValue) -> Result<Vec<u8>> {
        let row_key = row.to_string();
        let sealed = keys.observe(CryptoOp::Encrypt, || {
            let ctx = FieldContext::new(self.table, self.column, &row_key)?;
            keys.active_data_key(&self.scope(row))
                .map(|key| key.map(|key| key.seal(&ctx, value)))
        });
        sealed
            .map_err(|e| field_error(self, row, e))?
            .ok_or_else(|| super::corrupt(format!("no active data key for {}", self.table)))
    }

    /// Seals `value` for row `row` under a given key (one created in the current transaction,
    /// or the active key a re-encryption batch moves rows onto), counted in `keys`' metrics.
    pub(crate) fn seal_with(
        &self,
        keys: &KeySet,
        key: &DataKey,
        row: i64,
        value: &FieldValue,
    ) -> Result<Vec<u8>> {
        let row_key = row.to_string();
        keys.observe(CryptoOp::Encrypt, || {
            Ok(key.seal(
                &FieldContext::new(self.table, self.column, &row_key)?,
                value,
            ))
        })
        .map_err(|e| field_error(self, row, e))
    }

    /// Opens the envelope stored at row `row` of this column.
    pub(crate) fn open(&self, keys: &KeySet, row: i64, envelope: &[u8]) -> Result<FieldValue> {
        let row_key = row.to_string();
        let opened = keys.observe(CryptoOp::Decrypt, || {
            let ctx = FieldContext::new(self.table, self.column, &row_key)?;
            keys.key_for(envelope)?.open(&ctx, envelope)
        });
        opened.map_err(|e| field_error(self, row, e))
    }

    /// Opens an optional text field.
    pub(crate) fn open_text(
        &self,
        keys: &KeySet,
        row: i64,
        envelope: Option<&[u8]>,
    ) -> Result<Option<String>> {
        envelope
            .map(|env| {
                self.open(keys, row, env)?
                    .into_text()
                    .map_err(|e| field_error(self, row, e))
            })
            .transpose()
    }

    /// Seals a unit cost (its ten-thousandths as an integer).
    pub(crate) fn seal_cost(&self, keys: &KeySet, row: i64, cost: UnitCost) -> Result<Vec<u8>> {
        self.seal(keys, row, &FieldValue::Int(cost.ten_thousandths()))
    }

    /// Opens a unit cost.
    pub(crate) fn open_cost(&self, keys: &KeySet, row: i64, envelope: &[u8]) -> Result<UnitCost> {
        let e4 = self
            .open(keys, row, envelope)?
            .into_int()
            .map_err(|e| field_error(self, row, e))?;
        UnitCost::from_ten_thousandths(e4).map_err(|_| super::corrupt("negative stored unit cost"))
    }
}
