//! Reading a legacy SQLite file: which layout it has, and its rows as loosely typed cells
//! (SQLite stores whatever a column was given, and the legacy system gave it floats, text and
//! integers by turns).

use std::collections::HashMap;
use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use super::report::LegacyLayout;
use super::ImportError;
use crate::error::{Error, Result};

/// One cell as SQLite stored it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    /// `NULL`, or a column this legacy file does not have.
    Null,
    /// An integer.
    Int(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(String),
    /// A blob (never expected; reported as malformed where a value is needed).
    Blob,
}

/// One legacy row: its id and its cells by column name.
#[derive(Clone, Debug)]
pub(crate) struct LegacyRow {
    pub(crate) id: i64,
    cells: HashMap<String, Cell>,
}

impl LegacyRow {
    /// The cell of `column`; [`Cell::Null`] when the column is missing.
    pub(crate) fn cell(&self, column: &str) -> &Cell {
        static NULL: Cell = Cell::Null;
        self.cells.get(column).unwrap_or(&NULL)
    }

    /// A row built from cells, for the converter's tests.
    #[cfg(test)]
    pub(crate) fn new(id: i64, cells: Vec<(&str, Cell)>) -> LegacyRow {
        LegacyRow {
            id,
            cells: cells
                .into_iter()
                .map(|(name, cell)| (name.to_owned(), cell))
                .collect(),
        }
    }
}

/// Every table the importer reads, by name: missing optional tables are empty.
#[derive(Debug)]
pub(crate) struct LegacyData {
    pub(crate) layout: LegacyLayout,
    tables: HashMap<&'static str, Vec<LegacyRow>>,
}

impl LegacyData {
    /// The rows of `table`, in id order (empty when the file has no such table).
    pub(crate) fn rows(&self, table: &str) -> &[LegacyRow] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Data built from rows, for the converter's tests.
    #[cfg(test)]
    pub(crate) fn new(layout: LegacyLayout, tables: Vec<(&'static str, Vec<LegacyRow>)>) -> Self {
        LegacyData {
            layout,
            tables: tables.into_iter().collect(),
        }
    }
}

/// The tables the importer reads from each layout.
const MINI_MARKET_TABLES: [&str; 3] = ["proveedores", "categorias", "productos"];
const MINI_MARKET_OPTIONAL: [&str; 1] = ["movimientos_stock"];
const STOCK_SERVICE_TABLES: [&str; 1] = ["productos"];
const STOCK_SERVICE_OPTIONAL: [&str; 3] = ["movimientos_stock", "proveedores", "clientes"];

/// Opens `path` read-only (the legacy file is never written), tells its layout, and reads the
/// tables the import needs.
pub(crate) async fn read(path: &Path) -> Result<LegacyData> {
    if !path.is_file() {
        return Err(ImportError::UnknownLayout(format!("{} is not a file", path.display())).into());
    }
    // A pool of one connection rather than a bare connection: its executor is a shared
    // reference, which keeps this future `Send` for any caller.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(path).read_only(true))
        .await?;
    let data = read_from(&pool).await;
    pool.close().await;
    data
}

async fn read_from(conn: &SqlitePool) -> Result<LegacyData> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(conn)
    .await
    .map_err(|e| match e {
        // "file is not a database" and the like.
        sqlx::Error::Database(db) => {
            Error::from(ImportError::UnknownLayout(db.message().to_owned()))
        }
        other => Error::from(other),
    })?;
    let has = |table: &str| names.iter().any(|n| n == table);
    // The stock service's `productos` has a `codigo`; the mini-market's has none but has
    // `categoria_id`.
    let productos_columns: Vec<String> = if has("productos") {
        sqlx::query_scalar("SELECT name FROM pragma_table_info('productos')")
            .fetch_all(conn)
            .await?
    } else {
        Vec::new()
    };
    let has_column = |c: &str| productos_columns.iter().any(|n| n == c);
    let (layout, required, optional): (_, &[&'static str], &[&'static str]) =
        if has_column("codigo") {
            (
                LegacyLayout::StockService,
                &STOCK_SERVICE_TABLES,
                &STOCK_SERVICE_OPTIONAL,
            )
        } else if has_column("categoria_id") || has("categorias") {
            (
                LegacyLayout::MiniMarket,
                &MINI_MARKET_TABLES,
                &MINI_MARKET_OPTIONAL,
            )
        } else {
            return Err(ImportError::UnknownLayout(
                "no `productos` table with the columns of either legacy layout".into(),
            )
            .into());
        };
    let mut tables = HashMap::new();
    for &table in required.iter().chain(optional) {
        if !has(table) {
            if required.contains(&table) {
                return Err(ImportError::UnknownLayout(format!(
                    "the {} layout needs a `{table}` table",
                    layout.as_str()
                ))
                .into());
            }
            continue;
        }
        tables.insert(table, read_table(conn, table).await?);
    }
    Ok(LegacyData { layout, tables })
}

/// Every row of `table`, in id order, as cells.
async fn read_table(conn: &SqlitePool, table: &'static str) -> Result<Vec<LegacyRow>> {
    // `table` is one of this module's constants, never input.
    let rows = sqlx::query(&format!("SELECT * FROM \"{table}\" ORDER BY id"))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .enumerate()
        .map(|(index, row)| legacy_row(table, index, row))
        .collect()
}

fn legacy_row(table: &str, index: usize, row: &SqliteRow) -> Result<LegacyRow> {
    let mut cells = HashMap::with_capacity(row.columns().len());
    for (i, column) in row.columns().iter().enumerate() {
        cells.insert(column.name().to_owned(), cell(row, i));
    }
    let id = match cells.get("id") {
        Some(Cell::Int(id)) => *id,
        _ => {
            return Err(ImportError::MalformedRow {
                table: table.to_owned(),
                id: index as i64 + 1,
                reason: format!("row number {} has no integer id", index + 1),
            }
            .into())
        }
    };
    Ok(LegacyRow { id, cells })
}

fn cell(row: &SqliteRow, i: usize) -> Cell {
    let Ok(raw) = row.try_get_raw(i) else {
        return Cell::Null;
    };
    if raw.is_null() {
        return Cell::Null;
    }
    // The storage class of this very value, not the column's declared type.
    let class = raw.type_info().name().to_owned();
    match class.as_str() {
        "INTEGER" => row
            .try_get_unchecked::<i64, _>(i)
            .map_or(Cell::Null, Cell::Int),
        "REAL" => row
            .try_get_unchecked::<f64, _>(i)
            .map_or(Cell::Null, Cell::Real),
        "TEXT" => row
            .try_get_unchecked::<String, _>(i)
            .map_or(Cell::Null, Cell::Text),
        _ => Cell::Blob,
    }
}
