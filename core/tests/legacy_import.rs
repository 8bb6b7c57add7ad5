//! `import_legacy`: legacy-shaped SQLite files of both layouts (floats, plaintext personal
//! data, a duplicated SKU, a negative balance, movements whose sign or product is wrong) are
//! imported with every rounding and finding reported, personal data encrypted, nothing twice,
//! and nothing at all when one row is malformed.

mod common;

use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

use common::*;
use inventario_core::domain::catalog::IdentityDocument;
use inventario_core::domain::values::{Cuit, Dni};
use inventario_core::import::{
    FindingKind, ImportError, ImportOptions, ImportReport, LegacyLayout,
};
use inventario_core::{CustomerId, Error, Inventory, NewSupplier};

/// The stock service's schema (DOMAIN.md 9), with the optional `proveedores` and `clientes`.
const STOCK_SERVICE_SCHEMA: &str = "
CREATE TABLE productos (id INTEGER PRIMARY KEY, codigo TEXT, nombre TEXT, descripcion TEXT,
  categoria TEXT, stock_actual INTEGER, stock_minimo INTEGER, stock_maximo INTEGER,
  precio_compra REAL, precio_venta REAL, proveedor_cuit TEXT, proveedor_nombre TEXT,
  activo INTEGER, created_at TEXT, updated_at TEXT);
CREATE TABLE movimientos_stock (id INTEGER PRIMARY KEY, producto_id INTEGER, tipo_movimiento TEXT,
  cantidad INTEGER, stock_anterior INTEGER, stock_posterior INTEGER, motivo TEXT, referencia TEXT,
  precio_unitario REAL, origen TEXT, destino TEXT, usuario TEXT, agente_origen TEXT,
  idempotency_key TEXT UNIQUE, timestamp TEXT);
CREATE TABLE proveedores (id INTEGER PRIMARY KEY, codigo TEXT, razon_social TEXT, cuit TEXT,
  telefono TEXT, celular TEXT, email TEXT, direccion TEXT);
CREATE TABLE clientes (id INTEGER PRIMARY KEY, nombre TEXT, apellido TEXT, razon_social TEXT,
  cuit TEXT, documento_tipo TEXT, documento_numero TEXT, email TEXT, telefono TEXT, celular TEXT,
  direccion TEXT);
";

/// Rows with every trap the import rules name.
const STOCK_SERVICE_ROWS: &str = "
INSERT INTO proveedores VALUES (1, 'dist-norte', 'Distribuidora Norte SA', '30-71234567-1',
  '011 4444-5555', NULL, 'ventas@norte.example', 'Av. Siempreviva 742');
-- 1: a float sale price that is not a whole number of centavos.
INSERT INTO productos VALUES (1, 'coca-2l', 'Coca-Cola 2 L', NULL, 'bebidas', 10, 5, 50,
  1049.3, 1499.999, '30-71234567-1', 'Distribuidora Norte', 1, '2024-01-10 09:00:00', NULL);
-- 2: the same SKU once normalised.
INSERT INTO productos VALUES (2, ' COCA-2L', 'Coca Cola 2L (duplicada)', NULL, 'bebidas', 4, 0,
  NULL, 1000, 1500, NULL, NULL, 1, NULL, NULL);
-- 3: a negative legacy balance.
INSERT INTO productos VALUES (3, 'YERBA-1KG', 'Yerba 1 kg', NULL, 'almacen', -3, 2, NULL,
  2100, 3200, NULL, NULL, 1, NULL, NULL);
-- 4: a supplier known only by the product's CUIT; movements that dip below the balance.
INSERT INTO productos VALUES (4, 'ARROZ-1KG', 'Arroz 1 kg', NULL, 'almacen', 2, 0, NULL,
  800, 1200, '30-50000000-3', 'Molinos SA', 1, NULL, NULL);
INSERT INTO movimientos_stock VALUES (1, 1, 'entrada', 5, 5, 10, 'compra', 'FC-0001', 1050.555,
  NULL, NULL, 'ana', NULL, 'k1', '2024-03-01 10:00:00');
INSERT INTO movimientos_stock VALUES (2, 1, 'salida', -3, 10, 7, 'venta', NULL, NULL,
  NULL, NULL, 'ana', NULL, 'k2', '2024-03-02 11:00:00');
-- the stock service trusted the sign: this salida added stock.
INSERT INTO movimientos_stock VALUES (3, 1, 'salida', 2, 7, 9, 'devolucion', NULL, NULL,
  NULL, NULL, 'ana', NULL, 'k3', '2024-03-03 12:00:00');
INSERT INTO movimientos_stock VALUES (4, 2, 'salida', -1, 4, 3, 'venta', NULL, NULL,
  NULL, NULL, 'ana', NULL, 'k4', '2024-03-03 13:00:00');
INSERT INTO movimientos_stock VALUES (5, 99, 'entrada', 1, 0, 1, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, 'k5', '2024-03-03 14:00:00');
INSERT INTO movimientos_stock VALUES (6, 3, 'salida', -8, 5, -3, 'venta', NULL, NULL,
  NULL, NULL, 'beto', NULL, 'k6', '2024-03-04 09:30:00');
INSERT INTO movimientos_stock VALUES (7, 4, 'salida', -5, 2, -3, 'venta', NULL, NULL,
  NULL, NULL, 'beto', NULL, 'k7', '2024-03-05 09:30:00');
INSERT INTO movimientos_stock VALUES (8, 4, 'entrada', 5, -3, 2, 'compra', NULL, 799.99,
  NULL, NULL, 'beto', NULL, 'k8', '2024-03-06 09:30:00');
INSERT INTO clientes VALUES (1, 'María', 'Gómez', NULL, NULL, 'DNI', '30.123.456',
  'maria.gomez@correo.example', '11 5555-0001', '11 5555-0002', 'Calle Falsa 123');
INSERT INTO clientes VALUES (2, NULL, NULL, 'Kiosco El Sol SRL', '30-70707070-2', NULL, NULL,
  'kiosco@sol.example', NULL, NULL, NULL);
";

/// Writes a legacy SQLite file from `sql` and returns its path.
async fn legacy_file(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let path = dir.join(name);
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true),
    )
    .await
    .expect("create legacy file");
    sqlx::raw_sql(sql)
        .execute(&pool)
        .await
        .expect("legacy rows");
    pool.close().await;
    path
}

fn kinds(report: &ImportReport, kind: FindingKind) -> Vec<(String, i64)> {
    report
        .findings
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| (f.table.clone(), f.id))
        .collect()
}

fn row(table: &str, id: i64) -> (String, i64) {
    (table.to_owned(), id)
}

async fn on_hand(inv: &Inventory, sku_text: &str) -> String {
    let product = inv
        .product_by_sku(&sku(sku_text))
        .await
        .expect("product")
        .unwrap_or_else(|| panic!("{sku_text} imported"));
    let rows = inv.stock(Some(product.id), None).await.expect("stock");
    rows.iter()
        .map(|r| r.on_hand.milli())
        .sum::<i64>()
        .to_string()
}

async fn audit_count(inv: &Inventory) -> usize {
    let report = inv.verify_audit(None).await.expect("verify audit");
    assert!(report.is_intact(), "{:?}", report.problem);
    report.checked as usize
}

backend_tests! {
    #[tokio::test]
    async fn a_stock_service_file_is_imported_with_its_report() {
        let s = TestStore::new().await;
        let file = legacy_file(
            s.dir.path(),
            "inventario.db",
            &format!("{STOCK_SERVICE_SCHEMA}{STOCK_SERVICE_ROWS}"),
        )
        .await;
        let report = s
            .inv
            .import_legacy(&file, &ImportOptions::default())
            .await
            .expect("import");
        assert_eq!(report.layout, LegacyLayout::StockService);
        assert_eq!(report.source, "inventario.db");
        // Suppliers: the legacy one and the one known only by CUIT; product 2 is a duplicate.
        assert_eq!(
            (report.imported.suppliers, report.imported.products, report.imported.customers),
            (2, 3, 2)
        );
        // Openings of products 1, 3 and 4; legacy movements 1, 2, 3, 6, 7, 8; one
        // reconciliation of product 4.
        assert_eq!(report.imported.movements, 3 + 6 + 1);

        // Every float that was not whole centavos, with the digits it had.
        let roundings: Vec<_> = report
            .roundings
            .iter()
            .map(|r| (r.table.as_str(), r.id, r.column.as_str(), r.legacy.as_str(), r.imported.as_str()))
            .collect();
        assert_eq!(
            roundings,
            [
                ("productos", 1, "precio_venta", "1499.999", "1500.00"),
                ("movimientos_stock", 1, "precio_unitario", "1050.555", "1050.56"),
            ]
        );
        assert_eq!(kinds(&report, FindingKind::DuplicateSku), [row("productos", 2)]);
        assert_eq!(kinds(&report, FindingKind::SkippedMovement), [row("movimientos_stock", 4)]);
        assert_eq!(kinds(&report, FindingKind::UnmatchedProduct), [row("movimientos_stock", 5)]);
        assert_eq!(kinds(&report, FindingKind::SignMismatch), [row("movimientos_stock", 3)]);
        assert_eq!(kinds(&report, FindingKind::NegativeStock), [row("productos", 3)]);
        assert_eq!(kinds(&report, FindingKind::BalanceReconciled), [row("productos", 4)]);

        // Balances: the legacy ones, a negative one as 0.
        assert_eq!(on_hand(&s.inv, "COCA-2L").await, "10000");
        assert_eq!(on_hand(&s.inv, "YERBA-1KG").await, "0");
        assert_eq!(on_hand(&s.inv, "ARROZ-1KG").await, "2000");
        let coca = s.inv.product_by_sku(&sku("COCA-2L")).await.unwrap().unwrap();
        assert_eq!(coca.sale_price, money("1500.00"));
        assert!(s.inv.verify_ledger(None).await.expect("ledger").discrepancies.is_empty());

        // The suppliers' CUITs and the customers' documents are found through their blind
        // indexes, and decrypt.
        let norte = s
            .inv
            .find_supplier_by_cuit(&Cuit::parse("30-71234567-1").unwrap())
            .await
            .unwrap()
            .expect("supplier by CUIT");
        assert_eq!(norte.code, "DIST-NORTE");
        assert_eq!(coca.supplier, Some(norte.id));
        let contact = s.inv.supplier_contact(norte.id).await.unwrap().unwrap();
        assert_eq!(contact.email.as_deref(), Some("ventas@norte.example"));
        let molinos = s
            .inv
            .find_supplier_by_cuit(&Cuit::parse("30500000003").unwrap())
            .await
            .unwrap()
            .expect("supplier made from the product's CUIT");
        assert_eq!(molinos.legal_name, "Molinos SA");
        let dni = IdentityDocument::Dni(Dni::parse("30123456").unwrap());
        let maria = s.inv.find_customer_by_document(&dni).await.unwrap();
        assert_eq!(maria.len(), 1);
        let identity = s.inv.customer_identity(maria[0].id).await.unwrap().unwrap();
        assert_eq!(identity.surname.as_deref(), Some("Gómez"));
        assert_eq!(identity.phone.as_deref(), Some("11 5555-0001 / 11 5555-0002"));
        assert_eq!(s.inv.find_customer_by_email("KIOSCO@sol.example").await.unwrap().len(), 1);

        // No personal data in the clear anywhere in the store.
        let raw = s.raw().await;
        if backend() == Backend::Postgres {
            for table in ["customers", "suppliers", "audit_events", "stock_movements", "legacy_imports"] {
                let dump: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM {table} t"))
                        .fetch_all(&raw)
                        .await
                        .expect("rows as text");
                assert!(!dump.is_empty(), "{table} has rows");
                let dump = dump.join("\n");
                for secret in ["maria.gomez", "30123456", "5555-0001", "Calle Falsa", "71234567"] {
                    assert!(!dump.contains(secret), "{secret} in clear in {table}");
                }
            }
        }
        let cleartext = plaintext_hits(
            &raw,
            &["maria.gomez", "30123456", "5555-0001", "Calle Falsa", "ventas@norte", "71234567"],
        )
        .await;
        assert!(cleartext.is_empty(), "personal data in clear: {cleartext:?}");
        assert!(audit_count(&s.inv).await > 0);
        assert!(report.audit_seq.is_some());
    }

    #[tokio::test]
    async fn running_the_import_again_imports_nothing_twice() {
        let s = TestStore::new().await;
        let file = legacy_file(
            s.dir.path(),
            "inventario.db",
            &format!("{STOCK_SERVICE_SCHEMA}{STOCK_SERVICE_ROWS}"),
        )
        .await;
        let first = s.inv.import_legacy(&file, &ImportOptions::default()).await.unwrap();
        let records = audit_count(&s.inv).await;
        let again = s.inv.import_legacy(&file, &ImportOptions::default()).await.unwrap();
        assert_eq!(again.imported.total(), 0);
        assert_eq!(again.already_imported.suppliers, first.imported.suppliers);
        assert_eq!(again.already_imported.products, first.imported.products);
        assert_eq!(again.already_imported.customers, first.imported.customers);
        assert_eq!(again.already_imported.movements, 6, "the six legacy movements");
        assert_eq!(again.audit_seq, None);
        assert_eq!(audit_count(&s.inv).await, records, "a run that adds nothing records nothing");
        assert_eq!(on_hand(&s.inv, "COCA-2L").await, "10000");

        // A movement added to the legacy file since is imported on its own.
        let pool = SqlitePool::connect_with(SqliteConnectOptions::new().filename(&file))
            .await
            .unwrap();
        sqlx::raw_sql(
            "INSERT INTO movimientos_stock (id, producto_id, tipo_movimiento, cantidad, timestamp) \
             VALUES (9, 1, 'salida', -4, '2024-03-07 10:00:00')",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        let third = s.inv.import_legacy(&file, &ImportOptions::default()).await.unwrap();
        assert_eq!(third.imported.movements, 1);
        assert_eq!(third.imported.total(), 1);
        assert_eq!(on_hand(&s.inv, "COCA-2L").await, "6000");
    }

    #[tokio::test]
    async fn a_malformed_row_is_named_and_nothing_is_imported() {
        let s = TestStore::new().await;
        let before = audit_count(&s.inv).await;
        // A sale price that is not a number, after rows that are fine.
        let bad_price = format!(
            "{STOCK_SERVICE_SCHEMA}{STOCK_SERVICE_ROWS}\
             INSERT INTO productos (id, codigo, nombre, stock_actual, precio_venta) \
             VALUES (7, 'PAN-1', 'Pan', 1, 'mil pesos');"
        );
        let file = legacy_file(s.dir.path(), "bad-price.db", &bad_price).await;
        let err = s.inv.import_legacy(&file, &ImportOptions::default()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Import(ImportError::MalformedRow { table, id: 7, .. }) if table == "productos"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "productos row 7: precio_venta is not a number");

        // A customer whose CUIT has a wrong check digit: the message names the row, not the CUIT.
        let bad_cuit = format!(
            "{STOCK_SERVICE_SCHEMA}{STOCK_SERVICE_ROWS}\
             INSERT INTO clientes (id, nombre, cuit) VALUES (3, 'Pepe', '20-30123456-4');"
        );
        let file = legacy_file(s.dir.path(), "bad-cuit.db", &bad_cuit).await;
        let err = s.inv.import_legacy(&file, &ImportOptions::default()).await.unwrap_err();
        assert!(err.to_string().starts_with("clientes row 3: cuit: "), "{err}");
        assert!(!err.to_string().contains("30123456"), "{err}");

        // A store rule refusing a row (a name longer than products allow) rolls back everything
        // written before it in the same transaction.
        let long_name = "x".repeat(201);
        let too_long = format!(
            "{STOCK_SERVICE_SCHEMA}{STOCK_SERVICE_ROWS}\
             INSERT INTO productos (id, codigo, nombre, stock_actual, precio_venta) \
             VALUES (8, 'LARGO', '{long_name}', 1, 10);"
        );
        let file = legacy_file(s.dir.path(), "too-long.db", &too_long).await;
        let err = s.inv.import_legacy(&file, &ImportOptions::default()).await.unwrap_err();
        assert!(err.to_string().starts_with("productos row 8: "), "{err}");

        assert!(s.inv.products(true).await.unwrap().is_empty());
        assert!(s.inv.suppliers().await.unwrap().is_empty());
        assert!(s.inv.customer(CustomerId(1)).await.unwrap().is_none());
        assert_eq!(audit_count(&s.inv).await, before);
    }

    #[tokio::test]
    async fn a_dry_run_reports_and_writes_nothing() {
        let s = TestStore::new().await;
        let file = legacy_file(
            s.dir.path(),
            "inventario.db",
            &format!("{STOCK_SERVICE_SCHEMA}{STOCK_SERVICE_ROWS}"),
        )
        .await;
        let before = audit_count(&s.inv).await;
        let dry = s
            .inv
            .import_legacy(&file, &ImportOptions::default().dry_run(true))
            .await
            .unwrap();
        assert!(dry.dry_run);
        assert_eq!(dry.imported.products, 3);
        assert_eq!(dry.audit_seq, None);
        assert!(s.inv.products(true).await.unwrap().is_empty());
        assert!(s.inv.locations().await.unwrap().is_empty());
        assert_eq!(audit_count(&s.inv).await, before);
        // The real run afterwards imports what the dry run promised.
        let real = s.inv.import_legacy(&file, &ImportOptions::default()).await.unwrap();
        assert_eq!(real.imported, dry.imported);
        assert_eq!(real.roundings, dry.roundings);
        assert_eq!(real.findings, dry.findings);
    }

    #[tokio::test]
    async fn a_mini_market_file_gets_generated_skus_and_movements_matched_by_name() {
        let s = TestStore::new().await;
        let file = legacy_file(s.dir.path(), "minimarket_inventory.db", MINI_MARKET).await;
        // The store already has the legacy supplier (as `load_legacy_suppliers` would make it).
        let existing = s
            .inv
            .create_supplier(NewSupplier::new("LACT-01", "Lácteos del Sur SA"))
            .await
            .unwrap();
        let report = s
            .inv
            .import_legacy(&file, &ImportOptions::default().location("deposito"))
            .await
            .expect("import");
        assert_eq!(report.layout, LegacyLayout::MiniMarket);
        assert_eq!(report.location, "DEPOSITO");
        assert!(s.inv.location_by_code("DEPOSITO").await.unwrap().is_some());
        // Category prefixes: Bebidas, Almacén (accent), Congelados (no prefix: GEN).
        assert_eq!(on_hand(&s.inv, "BEB-000001").await, "12000");
        assert_eq!(on_hand(&s.inv, "ALM-000002").await, "3000");
        assert_eq!(on_hand(&s.inv, "GEN-000003").await, "0");
        let beb = s.inv.product_by_sku(&sku("BEB-000001")).await.unwrap().unwrap();
        assert_eq!(beb.supplier, Some(existing.id), "linked to the supplier the store had");
        assert_eq!(report.imported.suppliers, 0);
        assert_eq!(kinds(&report, FindingKind::SupplierLinked), [row("proveedores", 1)]);
        assert_eq!(s.inv.suppliers().await.unwrap().len(), 1);
        // Movement 2 names the product in other case, accents and spacing; 3 matches nothing.
        assert_eq!(report.imported.movements, 2 + 2);
        assert_eq!(kinds(&report, FindingKind::UnmatchedProduct), [row("movimientos_stock", 3)]);
        assert_eq!(kinds(&report, FindingKind::BarcodeDropped), [row("productos", 3)]);
        assert_eq!(
            report.roundings.iter().map(|r| (r.id, r.column.as_str())).collect::<Vec<_>>(),
            [(2, "precio_compra")]
        );
        assert!(s.inv.verify_ledger(None).await.unwrap().discrepancies.is_empty());
        let markdown = report.to_markdown();
        assert!(markdown.contains("| productos | 2 | precio_compra | 0.30000000000000004 | 0.30 |"), "{markdown}");
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["layout"], "mini-market");
        assert_eq!(json["findings"][0]["kind"], "barcode_dropped");
    }

    #[tokio::test]
    async fn a_file_of_no_known_layout_is_refused() {
        let s = TestStore::new().await;
        let other = legacy_file(s.dir.path(), "other.db", "CREATE TABLE t (id INTEGER);").await;
        let err = s.inv.import_legacy(&other, &ImportOptions::default()).await.unwrap_err();
        assert!(matches!(err, Error::Import(ImportError::UnknownLayout(_))), "{err:?}");
        let text = s.dir.path().join("notes.txt");
        std::fs::write(&text, "not a database at all, just some text").unwrap();
        let err = s.inv.import_legacy(&text, &ImportOptions::default()).await.unwrap_err();
        assert!(matches!(err, Error::Import(ImportError::UnknownLayout(_))), "{err:?}");
        let missing = s.dir.path().join("missing.db");
        let err = s.inv.import_legacy(&missing, &ImportOptions::default()).await.unwrap_err();
        assert!(matches!(err, Error::Import(ImportError::UnknownLayout(_))), "{err:?}");
        assert!(!missing.exists(), "the importer never creates the legacy file");
    }
}

/// The mini-market's schema (DOMAIN.md 9) with a few rows.
const MINI_MARKET: &str = "
CREATE TABLE proveedores (id INTEGER PRIMARY KEY, codigo TEXT UNIQUE, nombre TEXT, contacto TEXT,
  telefono TEXT, email TEXT, direccion TEXT, activo INTEGER, fecha_registro TEXT,
  configuracion_json TEXT);
CREATE TABLE categorias (id INTEGER PRIMARY KEY, nombre TEXT UNIQUE, descripcion TEXT, activo INTEGER);
CREATE TABLE productos (id INTEGER PRIMARY KEY, nombre TEXT, descripcion TEXT, categoria_id INTEGER,
  proveedor_id INTEGER, codigo_barras TEXT, precio_compra DECIMAL(10,2), precio_venta DECIMAL(10,2),
  stock_actual INTEGER, stock_minimo INTEGER DEFAULT 5, activo INTEGER, fecha_registro TEXT);
CREATE TABLE movimientos_stock (id INTEGER PRIMARY KEY, producto_id INTEGER NULL, producto_nombre TEXT,
  tipo_movimiento TEXT, cantidad INTEGER, precio_unitario DECIMAL(10,2), proveedor_id INTEGER,
  origen TEXT, destino TEXT, observaciones TEXT, fecha_movimiento TEXT, usuario TEXT);
INSERT INTO proveedores VALUES (1, 'lact-01', 'Lácteos del Sur', 'Juan Pérez', '0341 555-0100',
  'juan@lacteos.example', 'Ruta 9 km 3', 1, '2023-05-01 08:00:00', '{}');
INSERT INTO categorias VALUES (1, 'Bebidas', NULL, 1), (2, 'Almacén', NULL, 1), (3, 'Congelados', NULL, 1);
INSERT INTO productos VALUES (1, 'Coca Cola 2L', NULL, 1, 1, '7790895000997', 1000, 1500, 12, 5, 1,
  '2023-06-01 10:00:00');
INSERT INTO productos VALUES (2, 'Fideos Spaghetti 500 g', NULL, 2, NULL, NULL, 0.30000000000000004,
  900, 3, 5, 1, NULL);
INSERT INTO productos VALUES (3, 'Helado 1 kg', NULL, 3, NULL, '12345', 2000, 3000, 0, 5, 1, NULL);
INSERT INTO movimientos_stock VALUES (1, 1, NULL, 'entrada', 6, 1000, 1, NULL, NULL, 'compra',
  '2024-02-01 09:00:00', 'caja1');
INSERT INTO movimientos_stock VALUES (2, NULL, '  coca   cola 2l ', 'salida', 2, NULL, NULL, NULL, NULL,
  'venta', '2024-02-02 18:30:00', 'caja1');
INSERT INTO movimientos_stock VALUES (3, NULL, 'Producto que ya no existe', 'salida', 1, NULL, NULL,
  NULL, NULL, NULL, '2024-02-03 10:00:00', 'caja1');
";

/// Rows of any table whose bytes contain one of `needles` (SQLite; the PostgreSQL run scans
/// the tables' text form instead).
async fn plaintext_hits(raw: &sqlx::AnyPool, needles: &[&str]) -> Vec<String> {
    if backend() != Backend::Sqlite {
        return Vec::new();
    }
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(raw)
            .await
            .unwrap();
    let mut hits = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(raw)
                .await
                .unwrap();
        for column in columns {
            for needle in needles {
                let n: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS BLOB), CAST($1 AS BLOB)) > 0"
                ))
                .bind(*needle)
                .fetch_one(raw)
                .await
                .unwrap();
                if n > 0 {
                    hits.push(format!("{table}.{column}: {needle}"));
                }
            }
        }
    }
    hits
}
