//! The `inventario` binary, run as an operator would: on temporary SQLite stores, with keys in
//! files, checking stdout, the single stderr line and the exit code of every command.

use std::path::{Path, PathBuf};
use std::process::Command;

use inventario_core::crypto::MasterKey;
use inventario_core::domain::values::{Quantity, Sku};
use inventario_core::domain::SupplierContact;
use inventario_core::{Inventory, MovementRequest, NewLocation, NewProduct, NewSupplier};
use serde_json::Value;

/// Every variable the binary reads, removed so that the caller's environment cannot leak in.
const ENV: &[&str] = &[
    "INVENTARIO_DATABASE_URL",
    "INVENTARIO_MASTER_KEY",
    "INVENTARIO_MASTER_KEY_FILE",
    "INVENTARIO_MASTER_PASSPHRASE",
    "DATABASE_ENCRYPTION_KEY",
    "INVENTARIO_NEW_MASTER_KEY",
    "INVENTARIO_NEW_MASTER_KEY_FILE",
    "INVENTARIO_NEW_MASTER_PASSPHRASE",
];

/// What one run printed and how it exited.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "{self:#?}");
        assert!(self.stderr.is_empty(), "{self:#?}");
        &self.stdout
    }

    /// Asserts the exit code and that stderr is exactly one `inventario: error:` line; returns
    /// that line.
    #[track_caller]
    fn fails(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "{self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {self:#?}");
        assert!(lines[0].starts_with("inventario: error: "), "{self:#?}");
        lines[0]
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }
}

/// The binary with a clean environment.
fn inventario() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_inventario"));
    for name in ENV {
        command.env_remove(name);
    }
    command.env("USER", "operadora");
    command
}

fn run(command: &mut Command) -> Run {
    let out = command.output().expect("the binary runs");
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A store made by `keys init` in a directory of its own.
struct Store {
    dir: tempfile::TempDir,
    db: PathBuf,
    key: PathBuf,
}

impl Store {
    fn init() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tienda.db");
        let key = dir.path().join("tienda.key");
        let store = Store { dir, db, key };
        let out = run(inventario()
            .arg("--db")
            .arg(&store.db)
            .arg("--key-file")
            .arg(&store.key)
            .args(["keys", "init"]));
        assert!(out.ok().contains("created"), "{out:#?}");
        store
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `inventario --db DB --key-file KEY ARGS…`
    fn run(&self, args: &[&str]) -> Run {
        self.run_with_key(&self.key, args)
    }

    fn run_with_key(&self, key: &Path, args: &[&str]) -> Run {
        run(inventario()
            .arg("--db")
            .arg(&self.db)
            .arg("--key-file")
            .arg(key)
            .args(args))
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.db.display())
    }

    /// Opens the store with the library, with the key from the key file.
    fn with_inventory<T>(&self, f: impl AsyncFnOnce(&Inventory) -> T) -> T {
        let hex = std::fs::read_to_string(&self.key).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let key = MasterKey::from_hex(&hex).unwrap();
            let inventory = Inventory::open(&self.url(), key.into(), "test-seed")
                .await
                .unwrap();
            let out = f(&inventory).await;
            inventory.close().await;
            out
        })
    }

    /// Runs SQL on the file, as someone with write access to it would.
    fn tamper(&self, statements: &[&str]) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let pool = sqlx::SqlitePool::connect(&self.url()).await.unwrap();
            for sql in statements {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
            pool.close().await;
        });
    }
}

/// A shop with one location, a supplier, yerba (24 received, 21 left after a sale) and coca
/// (3 received against a minimum of 12, from the supplier).
fn seed(store: &Store) {
    store.with_inventory(async |inv| {
        let shop = inv
            .create_location(NewLocation::new("SALON", "Salón de ventas"))
            .await
            .unwrap();
        let supplier = inv
            .create_supplier(NewSupplier::new("DISCO", "Distribuidora Cuyo SA"))
            .await
            .unwrap();
        let mut yerba = NewProduct::new(
            Sku::parse("ALM-YERBA-1KG").unwrap(),
            "Yerba mate 1 kg",
            "4200.00".parse().unwrap(),
        );
        yerba.min_stock = Quantity::from_units(6).unwrap();
        let yerba = inv.create_product(yerba).await.unwrap();
        let mut coca = NewProduct::new(
            Sku::parse("BEB-COCA-2L").unwrap(),
            "Coca-Cola 2 L",
            "3500.00".parse().unwrap(),
        );
        coca.min_stock = Quantity::from_units(12).unwrap();
        coca.supplier = Some(supplier.id);
        let coca = inv.create_product(coca).await.unwrap();
        for (product, units, cost) in [(yerba.id, 24, "2900"), (coca.id, 3, "2100")] {
            inv.record(MovementRequest::receipt(
                product,
                shop.id,
                Quantity::from_units(units).unwrap(),
                cost.parse().unwrap(),
            ))
            .await
            .unwrap();
        }
        inv.record(MovementRequest::sale(
            yerba.id,
            shop.id,
            Quantity::from_units(3).unwrap(),
        ))
        .await
        .unwrap();
        inv.set_supplier_contact(
            supplier.id,
            &SupplierContact {
                cuit: None,
                phone: Some("+54 261 444-0000".to_owned()),
                email: Some("ventas@cuyo.example".to_owned()),
                address: None,
            },
        )
        .await
        .unwrap();
        supplier.id.get()
    });
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn help_reads_well_and_names_the_exit_codes() {
    let out = run(inventario().arg("--help"));
    let help = out.ok();
    for needle in [
        "keys",
        "audit",
        "stock",
        "import-legacy",
        "Exit codes",
        "--key-file",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
    for group in [
        &["keys", "init", "--help"][..],
        &["keys", "rotate-master", "--help"],
        &["audit", "verify", "--help"],
        &["audit", "report", "--help"],
        &["stock", "reorder", "--help"],
        &["import-legacy", "--help"],
    ] {
        let out = run(inventario().args(group));
        assert!(out.ok().contains("Examples:"), "{group:?}: {out:#?}");
    }
}

#[test]
fn a_key_cannot_be_given_on_the_command_line() {
    let store = Store::init();
    let key = std::fs::read_to_string(&store.key).unwrap();
    for flag in [
        "--key",
        "--master-key",
        "--passphrase",
        "--new-key",
        "--new-master-key",
    ] {
        let out = store.run(&[flag, key.trim(), "keys", "status"]);
        assert_eq!(out.code, 2, "{flag}: {out:#?}");
        assert!(
            out.stderr.contains("unexpected argument"),
            "{flag}: {out:#?}"
        );
        let out = store.run(&["keys", "rotate-master", flag, key.trim()]);
        assert_eq!(out.code, 2, "{flag}: {out:#?}");
    }
    // A key where a file path belongs is a file that does not exist, never a key.
    let out = run(inventario().arg("--db").arg(&store.db).args([
        "--key-file",
        key.trim(),
        "keys",
        "status",
    ]));
    out.fails(4);
}

#[test]
fn keys_init_creates_a_store_and_an_owner_only_key_file() {
    let store = Store::init();
    let key = std::fs::read_to_string(&store.key).unwrap();
    assert_eq!(key.trim().len(), 64);
    assert!(key.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    assert_eq!(mode(&store.key), 0o600);

    let status = store.run(&["--json", "keys", "status"]).json();
    assert_eq!(status["mk_version"], 1);
    let purposes: Vec<&str> = status["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["purpose"].as_str().unwrap())
        .collect();
    assert!(
        purposes.contains(&"data") && purposes.contains(&"audit"),
        "{status}"
    );
    assert!(!status.to_string().contains(key.trim()));

    let text = store.run(&["keys", "status"]);
    assert!(text.ok().contains("master key version 1"), "{text:#?}");

    // A second init never overwrites the key, nor re-keys the store.
    let again = store.run(&["keys", "init"]);
    assert!(again.fails(6).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&store.key).unwrap(), key);
    let other_key = store.path("other.key");
    let again = store.run_with_key(&other_key, &["keys", "init"]);
    assert!(
        again.fails(6).contains("already has a keyring"),
        "{again:#?}"
    );
    assert!(!other_key.exists(), "the unused key file is removed");
    store.run(&["keys", "status"]).ok();
}

#[test]
fn keys_init_needs_a_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(inventario()
        .arg("--db")
        .arg(dir.path().join("t.db"))
        .args(["keys", "init"]));
    assert!(out.fails(2).contains("--key-file"));
    assert!(!dir.path().join("t.db").exists());
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let store = Store::init();
    let loose = store.path("loose.key");
    std::fs::copy(&store.key, &loose).unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = store.run_with_key(&loose, &["keys", "status"]);
    let line = out.fails(4);
    assert!(
        line.contains("too open") && line.contains("chmod 600"),
        "{line}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_wrong_key_fails_with_exit_4_and_one_line() {
    let store = Store::init();
    let other = Store::init();
    let out = store.run_with_key(&other.key, &["keys", "status"]);
    let line = out.fails(4);
    assert!(line.contains("wrong master key"), "{line}");
    assert!(out.stdout.is_empty());

    // The environment is the other source; a missing key says where to put one.
    let out = run(inventario()
        .arg("--db")
        .arg(&store.db)
        .args(["keys", "status"]));
    assert!(out.fails(4).contains("INVENTARIO_MASTER_KEY"));
    let hex = std::fs::read_to_string(&store.key).unwrap();
    let out = run(inventario()
        .arg("--db")
        .arg(&store.db)
        .env("INVENTARIO_MASTER_KEY", hex.trim())
        .args(["keys", "status"]));
    out.ok();
}

#[test]
fn a_missing_store_is_not_created_by_accident() {
    let store = Store::init();
    let missing = store.path("typo.db");
    let out = run(inventario()
        .arg("--db")
        .arg(&missing)
        .arg("--key-file")
        .arg(&store.key)
        .args(["audit", "verify"]));
    assert!(out.fails(5).contains("keys init"));
    assert!(!missing.exists());
    let out = run(inventario().args(["keys", "status"]));
    assert!(out.fails(2).contains("--db"));
}

#[test]
fn a_database_password_is_never_printed() {
    let out = run(inventario()
        .args(["--db", "postgres://ana:s3cr3t-pw@127.0.0.1:1/inv"])
        .env(
            "INVENTARIO_MASTER_KEY",
            MasterKey::generate().to_hex().as_str(),
        )
        .args(["keys", "status"]));
    let line = out.fails(5);
    assert!(!line.contains("s3cr3t-pw"), "{line}");
    let help = run(inventario()
        .env("INVENTARIO_DATABASE_URL", "postgres://ana:s3cr3t-pw@db/inv")
        .arg("--help"));
    assert!(!help.ok().contains("s3cr3t-pw"));
}

#[test]
fn data_keys_rotate_and_fields_are_reencrypted() {
    let store = Store::init();
    seed(&store);
    let rotated = store.run(&["--json", "keys", "rotate-data"]).json();
    let key_id = rotated["key_id"].as_u64().unwrap();
    assert_eq!(rotated["scope"], "global");

    let out = store
        .run(&["--json", "keys", "reencrypt", "--batch", "1"])
        .json();
    let jobs = out["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{out}");
    assert_eq!(jobs[0]["active_key"].as_u64(), Some(key_id));
    assert!(jobs[0]["rows_done"].as_u64().unwrap() > 0, "{out}");

    let again = store.run(&["keys", "reencrypt"]);
    assert_eq!(again.ok().trim(), "no re-encryption job to run");
    let status = store.run(&["--json", "keys", "status"]).json();
    let decrypt_only = status["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["status"] == "decrypt_only")
        .count();
    assert_eq!(decrypt_only, 1, "{status}");
    store.run(&["stock", "list"]).ok();
}

#[test]
fn after_a_master_key_rotation_only_the_new_key_opens_the_store() {
    let store = Store::init();
    seed(&store);
    let new_key = store.path("new.key");
    let out = store.run(&[
        "keys",
        "rotate-master",
        "--generate-to",
        new_key.to_str().unwrap(),
    ]);
    assert!(out.ok().contains("version 2"), "{out:#?}");
    #[cfg(unix)]
    assert_eq!(mode(&new_key), 0o600);

    assert!(store
        .run(&["keys", "status"])
        .fails(4)
        .contains("wrong master key"));
    let status = store
        .run_with_key(&new_key, &["--json", "keys", "status"])
        .json();
    assert_eq!(status["mk_version"], 2);
    store.run_with_key(&new_key, &["stock", "list"]).ok();

    // The next rotation takes its secret from the environment, never from an argument.
    let newer = MasterKey::generate();
    let out = run(inventario()
        .arg("--db")
        .arg(&store.db)
        .arg("--key-file")
        .arg(&new_key)
        .env("INVENTARIO_NEW_MASTER_KEY", newer.to_hex().as_str())
        .args(["keys", "rotate-master"]));
    out.ok();
    let out = run(inventario()
        .arg("--db")
        .arg(&store.db)
        .env("INVENTARIO_MASTER_KEY", newer.to_hex().as_str())
        .args(["keys", "status"]));
    assert!(out.ok().contains("version 3"));

    // Without a new secret, nothing happens.
    let out = run(inventario()
        .arg("--db")
        .arg(&store.db)
        .env("INVENTARIO_MASTER_KEY", newer.to_hex().as_str())
        .args(["keys", "rotate-master"]));
    assert!(out.fails(4).contains("INVENTARIO_NEW_MASTER_KEY"));
    // --generate-to never overwrites a file.
    let out = run(inventario()
        .arg("--db")
        .arg(&store.db)
        .env("INVENTARIO_MASTER_KEY", newer.to_hex().as_str())
        .args(["keys", "rotate-master", "--generate-to"])
        .arg(&store.key));
    assert!(out.fails(6).contains("already exists"));
}

#[test]
fn erasing_a_subject_needs_yes_and_prints_the_receipt() {
    let store = Store::init();
    seed(&store);
    let supplier = store.with_inventory(async |inv| inv.suppliers().await.unwrap()[0].id.get());
    let id = supplier.to_string();

    let out = store.run(&["keys", "erase-subject", "--supplier", &id]);
    assert!(out.fails(2).contains("--yes"));
    let out = store.run(&["keys", "erase-subject"]);
    assert_eq!(out.code, 2);

    let receipt = store
        .run(&[
            "--json",
            "keys",
            "erase-subject",
            "--supplier",
            &id,
            "--yes",
        ])
        .json();
    assert_eq!(receipt["kind"], "supplier");
    assert!(
        !receipt["destroyed_keys"].as_array().unwrap().is_empty(),
        "{receipt}"
    );
    assert!(receipt["unreadable_fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.as_str().unwrap().starts_with("suppliers.")));

    let out = store.run(&["keys", "erase-subject", "--customer", "999", "--yes"]);
    assert!(out.fails(6).contains("not found"), "{out:#?}");
}

#[test]
fn audit_verify_detects_a_tampered_record() {
    let store = Store::init();
    seed(&store);
    let out = store.run(&["audit", "verify"]);
    assert!(out.ok().starts_with("audit chain intact:"), "{out:#?}");
    let report = store.run(&["--json", "audit", "verify"]).json();
    assert_eq!(report["intact"], true);
    let head = report["to_seq"].as_u64().unwrap();
    assert!(head >= 5, "{report}");

    store.tamper(&[
        "DROP TRIGGER IF EXISTS audit_events_append_only",
        "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3",
    ]);
    let out = store.run(&["audit", "verify"]);
    let line = out.fails(3);
    assert!(
        line.contains("seq 3") && line.contains("modified"),
        "{line}"
    );
    assert!(out.stdout.is_empty());

    let out = store.run(&["--json", "audit", "verify"]);
    out.fails(3);
    let report = out.json();
    assert_eq!(report["intact"], false);
    assert_eq!(report["problem"]["seq"], 3);
    assert_eq!(report["problem"]["kind"], "modified");
}

#[test]
fn a_checkpoint_pins_the_chain() {
    let store = Store::init();
    seed(&store);
    let file = store.path("checkpoint.txt");
    let out = store.run(&["audit", "checkpoint", "--out", file.to_str().unwrap()]);
    assert!(out.ok().contains("written to"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("-----BEGIN INVENTARIO CHECKPOINT-----"),
        "{text}"
    );
    let printed = store.run(&["audit", "checkpoint"]);
    assert!(printed.ok().contains("-----END INVENTARIO CHECKPOINT-----"));

    let out = store.run(&["audit", "verify", "--since", file.to_str().unwrap()]);
    assert!(out.ok().contains("checkpoint at seq"), "{out:#?}");

    // An edited checkpoint does not verify.
    let forged = store.path("forged.txt");
    std::fs::write(&forged, text.replace("seq: ", "seq: 1")).unwrap();
    let out = store.run(&["audit", "verify", "--since", forged.to_str().unwrap()]);
    assert!(out.fails(3).contains("signature"), "{out:#?}");
    // A checkpoint of another store is refused as a failed check.
    let other = Store::init();
    let out = other.run(&["audit", "verify", "--since", file.to_str().unwrap()]);
    assert!(out.fails(3).contains("another store"), "{out:#?}");
    // Rolling the chain back past the checkpoint is caught.
    store.tamper(&[
        "DROP TRIGGER IF EXISTS audit_events_append_only",
        "DELETE FROM audit_events WHERE seq > 2",
        "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_events WHERE seq = 2)",
    ]);
    let out = store.run(&["audit", "verify", "--since", file.to_str().unwrap()]);
    out.fails(3);
}

#[test]
fn audit_report_as_json_and_html() {
    let store = Store::init();
    seed(&store);
    let report = store
        .run(&["audit", "report", "--period", "24h", "--format", "json"])
        .json();
    assert!(report["total_events"].as_u64().unwrap() >= 5, "{report}");
    let html = store.path("report.html");
    let out = store.run(&[
        "audit",
        "report",
        "--period",
        "7d",
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    out.ok();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    let out = store.run(&["audit", "report", "--period", "soon"]);
    assert_eq!(out.code, 2, "{out:#?}");
}

#[test]
fn audit_detect_exits_0_when_quiet_and_7_on_anomalies() {
    let store = Store::init();
    seed(&store);
    let out = store.run(&["audit", "detect", "--period", "24h"]);
    assert_eq!(out.ok().trim(), "no anomalies found");

    store.with_inventory(async |inv| {
        use inventario_core::audit::{AppEvent, EventType, Status, Target};
        let intruder = inv.acting_as("intruso").unwrap();
        for _ in 0..8 {
            intruder
                .record_audit_event(AppEvent {
                    event_type: EventType::LoginFailed,
                    target: Target::new("users", "admin"),
                    status: Status::Failed,
                    detail: serde_json::json!({ "ip": "203.0.113.9" }),
                })
                .await
                .unwrap();
        }
    });
    let out = store.run(&["audit", "detect"]);
    assert_eq!(out.code, 7, "{out:#?}");
    assert!(out.stdout.contains("brute_force"), "{out:#?}");
    assert!(out.stderr.is_empty());
    let out = store.run(&["--json", "audit", "detect"]);
    assert_eq!(out.code, 7);
    assert!(!out.json()["anomalies"].as_array().unwrap().is_empty());
}

#[test]
fn stock_checks_print_tables_and_json() {
    let store = Store::init();
    seed(&store);
    let list = store.run(&["stock", "list"]);
    let text = list.ok();
    assert!(text.lines().next().unwrap().starts_with("SKU"), "{text}");
    assert!(
        text.contains("ALM-YERBA-1KG") && text.contains("21"),
        "{text}"
    );

    let rows = store
        .run(&["--json", "stock", "list", "--sku", "ALM-YERBA-1KG"])
        .json();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["on_hand"], "21");
    assert_eq!(rows[0]["location"], "SALON");
    let out = store.run(&["stock", "list", "--sku", "NO-EXISTE"]);
    assert!(out.fails(6).contains("NO-EXISTE"));

    let low = store.run(&["--json", "stock", "low"]).json();
    let skus: Vec<&str> = low["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["BEB-COCA-2L"], "{low}");
    assert!(store.run(&["stock", "low"]).ok().contains("BEB-COCA-2L"));

    let reorder = store.run(&["--json", "stock", "reorder"]).json();
    let groups = reorder["suppliers"].as_array().unwrap();
    let disco = groups.iter().find(|g| g["supplier"] == "DISCO");
    assert!(disco.is_some(), "{reorder}");
    assert_eq!(disco.unwrap()["lines"][0]["sku"], "BEB-COCA-2L");
    assert!(store.run(&["stock", "reorder"]).ok().contains("DISCO"));

    let verify = store.run(&["stock", "verify"]);
    assert!(verify.ok().starts_with("ledger consistent"));
    store.tamper(&["UPDATE stock_balances SET on_hand_milli = on_hand_milli + 1000"]);
    let out = store.run(&["stock", "verify"]);
    assert!(out.fails(3).contains("ledger mismatch"), "{out:#?}");
}

/// Writes a tiny legacy database of the stock service's layout.
fn legacy_file(path: &Path, rows: &[&str]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let schema = "CREATE TABLE productos (id INTEGER PRIMARY KEY, codigo TEXT, nombre TEXT, \
            descripcion TEXT, categoria TEXT, stock_actual INTEGER, stock_minimo INTEGER, \
            stock_maximo INTEGER, precio_compra REAL, precio_venta REAL, proveedor_cuit TEXT, \
            proveedor_nombre TEXT, activo INTEGER, created_at TEXT, updated_at TEXT)";
        sqlx::query(schema).execute(&pool).await.unwrap();
        for row in rows {
            sqlx::query(row).execute(&pool).await.unwrap();
        }
        pool.close().await;
    });
}

#[test]
fn import_legacy_dry_run_reports_and_writes_nothing() {
    let store = Store::init();
    let legacy = store.path("inventario.db");
    legacy_file(
        &legacy,
        &[
            "INSERT INTO productos VALUES (1, 'coca-2l', 'Coca-Cola 2 L', NULL, 'bebidas', 10, 5, \
           50, 1049.3, 1499.999, NULL, NULL, 1, '2024-01-10 09:00:00', NULL)",
        ],
    );
    let report = store.path("import.json");
    let markdown = store.path("import.md");
    let out = store.run(&[
        "import-legacy",
        legacy.to_str().unwrap(),
        "--dry-run",
        "--location",
        "deposito",
        "--report",
        report.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
    ]);
    let summary = out.ok();
    assert!(summary.starts_with("dry run:"), "{summary}");
    assert!(summary.contains("1 products"), "{summary}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["location"], "DEPOSITO");
    assert_eq!(json["imported"]["products"], 1);
    assert!(std::fs::read_to_string(&markdown)
        .unwrap()
        .contains("Dry run: nothing was written."));
    // Nothing was written.
    assert_eq!(store.run(&["stock", "list"]).ok().trim(), "no stock");

    // A malformed legacy row stops the import with its own exit code, naming the row.
    legacy_file(
        &store.path("broken.db"),
        &[
            "INSERT INTO productos VALUES (7, 'x-1', 'X', NULL, NULL, 'muchos', 5, 50, 1, 2, \
           NULL, NULL, 1, NULL, NULL)",
        ],
    );
    let out = store.run(&["import-legacy", store.path("broken.db").to_str().unwrap()]);
    let line = out.fails(6);
    assert!(line.contains("productos row 7"), "{line}");
    // A file of no known layout too.
    let out = store.run(&["import-legacy", store.key.to_str().unwrap(), "--dry-run"]);
    out.fails(6);
}

#[test]
fn backup_inspect_verify_and_restore_as_an_operator_would() {
    let store = Store::init();
    seed(&store);
    let backup = store.path("tienda.ibk");
    let b = backup.to_str().unwrap();
    let out = store.run(&["backup", "create", b]);
    assert!(out.ok().starts_with("backup written to "), "{out:#?}");
    // A backup never replaces a file.
    assert!(store
        .run(&["backup", "create", b])
        .fails(6)
        .contains("already exists"));

    // The header reads without a key; verifying needs the key.
    let header = run(inventario().args(["--json", "backup", "inspect", b])).json();
    assert_eq!(header["mk_version"], 1);
    assert!(store
        .run(&["backup", "verify", b])
        .ok()
        .contains("backup intact"));
    let other = store.path("other.key");
    std::fs::write(
        &other,
        format!("{}\n", MasterKey::generate().to_hex().as_str()),
    )
    .unwrap();
    set_owner_only(&other);
    let wrong = store.run_with_key(&other, &["backup", "verify", b]);
    assert!(
        wrong.fails(4).contains("master-key version 1"),
        "{wrong:#?}"
    );

    // Restore into a new file, then read the data back through the library.
    let restored = store.path("restored.db");
    let r = restored.to_str().unwrap();
    let out = store.run(&["restore", b, "--into", r]);
    assert!(out.ok().contains("restored "), "{out:#?}");
    let out = run(inventario()
        .arg("--db")
        .arg(&restored)
        .arg("--key-file")
        .arg(&store.key)
        .args(["stock", "list"]));
    assert!(out.ok().contains("ALM-YERBA-1KG"));
    // Not over it again without --overwrite; with it, it is the same store, so it may.
    assert!(store
        .run(&["restore", b, "--into", r])
        .fails(6)
        .contains("exists"));
    store
        .run(&[
            "restore",
            b,
            "--into",
            r,
            "--overwrite",
            "--verify-fields",
            "5",
        ])
        .ok();

    // A flipped byte in the middle, a cut file: verification fails (3), nothing restored.
    let mut bytes = std::fs::read(&backup).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let damaged = store.path("damaged.ibk");
    std::fs::write(&damaged, &bytes).unwrap();
    let into = store.path("never.db");
    let out = store.run(&[
        "restore",
        damaged.to_str().unwrap(),
        "--into",
        into.to_str().unwrap(),
    ]);
    assert!(out.fails(3).contains("does not authenticate"), "{out:#?}");
    assert!(!into.exists());
    let cut = store.path("cut.ibk");
    std::fs::write(&cut, &std::fs::read(&backup).unwrap()[..middle]).unwrap();
    let out = store.run(&[
        "restore",
        cut.to_str().unwrap(),
        "--into",
        into.to_str().unwrap(),
    ]);
    assert!(out.fails(3).contains("truncated"), "{out:#?}");
    assert!(!into.exists());
}

#[test]
fn the_drill_reports_its_checks_and_exits_0() {
    let store = Store::init();
    seed(&store);
    let work = store.path("drill");
    let report = store.path("drill.json");
    let markdown = store.path("drill.md");
    let out = store.run(&[
        "drill",
        "--work-dir",
        work.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
    ]);
    let printed = out.ok();
    assert!(printed.contains("recovery"), "{printed}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["passed"], true, "{json:#}");
    assert!(!json["checks"].as_array().unwrap().is_empty());
    assert!(std::fs::read_to_string(&markdown)
        .unwrap()
        .contains("recovery"));
    // The live store is untouched and still verifies.
    store.run(&["audit", "verify"]).ok();
}

/// Makes a key file readable by its owner only, as the CLI requires.
fn set_owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[test]
fn privacy_pending_retention_and_backup_pruning_run_from_a_schedule() {
    let store = Store::init();
    seed(&store);
    let out = store.run(&["privacy", "pending"]);
    assert!(out.ok().contains("no pending privacy requests"), "{out:#?}");
    let json = store.run(&["--json", "privacy", "pending"]).json();
    assert_eq!(json["pending"], serde_json::json!([]));

    // Twice: the second run purges nothing.
    let first = store.run(&["--json", "privacy", "apply-retention"]).json();
    let second = store.run(&["--json", "privacy", "apply-retention"]).json();
    assert_eq!(second["audit_purged"], 0, "{first:#} then {second:#}");
    store.run(&["audit", "verify"]).ok();

    // One fresh backup in the directory: it is the newest, so it stays.
    let backups = store.path("backups");
    std::fs::create_dir(&backups).unwrap();
    let file = backups.join("tienda-1.ibk");
    store
        .run(&["backup", "create", file.to_str().unwrap()])
        .ok();
    let pruned = store
        .run(&[
            "--json",
            "privacy",
            "prune-backups",
            backups.to_str().unwrap(),
        ])
        .json();
    assert_eq!(pruned["removed"], serde_json::json!([]), "{pruned:#}");
    assert!(file.exists());
}

#[test]
fn a_mistyped_tenant_is_refused_and_creates_nothing() {
    let store = Store::init();
    for _ in 0..2 {
        let out = store.run(&["--tenant", "sucursal-typo", "keys", "status"]);
        assert!(
            out.fails(5).contains("no keyring for tenant sucursal-typo"),
            "{out:#?}"
        );
    }
    store.run(&["keys", "status"]).ok();
}
