//! Field encryption in the store, on SQLite and PostgreSQL: nothing sensitive in clear on disk,
//! the wrong master key refused at open, tampering detected, blind-index lookups, erasure,
//! master- and data-key rotation, and a re-encryption job that survives being killed.

#[macro_use]
mod common;

use common::*;
use inventario_core::crypto::{
    parse_header, CryptoError, FieldContext, FieldValue, KdfParams, KeyStatus, MasterKey,
    MasterSecret, Normalizer, Passphrase, GLOBAL_SCOPE,
};
use inventario_core::domain::values::{Cuit, Dni};
use inventario_core::domain::{
    Customer, CustomerIdentity, CustomerKind, IdentityDocument, PriceList, SupplierContact,
};
use inventario_core::{
    CustomerId, Error, Inventory, Keyring, MovementRequest, NewCustomer, NewLocation, NewSupplier,
    OpenOptions, SubjectKind,
};
use sqlx::Row;

const NAMES: &str = "Mariela Soledad";
const SURNAME: &str = "Quiroga-Ibáñez";
const DNI: &str = "29876543";
const EMAIL: &str = "Mariela.Quiroga@Example.com";
const PHONE: &str = "+54 9 261 555-0199";
const ADDRESS: &str = "Av. San Martín 1234, Mendoza";
const SUPPLIER_CUIT: &str = "30-71234567-1";
const SUPPLIER_EMAIL: &str = "ventas@distribuidora-cuyo.example";
const SUPPLIER_PHONE: &str = "+54 261 444-0000";
const SUPPLIER_ADDRESS: &str = "Ruta 40 km 3, Luján de Cuyo";
/// A unit cost no other value in the store has: 9876.5432, i.e. 98,765,432 ten-thousandths.
const COST: &str = "9876.5432";
const COST_E4: i64 = 98_765_432;

fn customer(
    code: &str,
    names: &str,
    document: Option<IdentityDocument>,
    email: Option<&str>,
) -> NewCustomer {
    NewCustomer {
        customer: Customer {
            code: code.to_owned(),
            kind: CustomerKind::Persona,
            price_list: PriceList::General,
            credit_limit: money("50000.00"),
            discount_percent: money("5.00"),
        },
        identity: CustomerIdentity {
            names: names.to_owned(),
            surname: Some(SURNAME.to_owned()),
            document,
            phone: Some(PHONE.to_owned()),
            email: email.map(str::to_owned),
            address: Some(ADDRESS.to_owned()),
        },
    }
}

fn dni(text: &str) -> IdentityDocument {
    IdentityDocument::Dni(Dni::parse(text).unwrap())
}

fn contact() -> SupplierContact {
    SupplierContact {
        cuit: Some(Cuit::parse(SUPPLIER_CUIT).unwrap()),
        phone: Some(SUPPLIER_PHONE.to_owned()),
        email: Some(SUPPLIER_EMAIL.to_owned()),
        address: Some(SUPPLIER_ADDRESS.to_owned()),
    }
}

/// A store with one customer, one supplier with contact data and one product received at
/// [`COST`]. Returns the customer's and the supplier's ids.
async fn populated(s: &TestStore) -> (CustomerId, i64) {
    let shop = location(&s.inv, "LOCAL").await;
    let c = s
        .inv
        .create_customer(customer("C001", NAMES, Some(dni(DNI)), Some(EMAIL)))
        .await
        .unwrap();
    let mut new_supplier = NewSupplier::new("CUYO", "Distribuidora Cuyo SA");
    new_supplier.contact = Some(contact());
    let supplier = s.inv.create_supplier(new_supplier).await.unwrap();
    let p = p10(&s.inv, "P10", shop.id).await;
    s.inv
        .record(MovementRequest::receipt(p.id, shop.id, q("5"), cost(COST)))
        .await
        .unwrap();
    (c.id, supplier.id.0)
}

/// Every byte the store wrote. SQLite: the database, its WAL and shared-memory files.
/// PostgreSQL (whose files belong to the server): every row of every table in the store's
/// schema as text, where a BYTEA column shows as hex, so [`written_in_clear`] also looks for
/// the hex form of each needle.
async fn stored_bytes(s: &TestStore) -> Vec<u8> {
    let mut all = Vec::new();
    match backend() {
        Backend::Sqlite => {
            for entry in std::fs::read_dir(s.dir.path()).unwrap() {
                all.extend(std::fs::read(entry.unwrap().path()).unwrap());
            }
        }
        Backend::Postgres => {
            let raw = s.raw().await;
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(&raw)
            .await
            .unwrap();
            for table in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM {table} t"))
                        .fetch_all(&raw)
                        .await
                        .unwrap();
                for row in rows {
                    all.extend(row.into_bytes());
                }
            }
            raw.close().await;
        }
    }
    all
}

/// Whether `needle` appears in what the store wrote, as bytes or (for PostgreSQL's text form
/// of BYTEA) as lowercase hex.
fn written_in_clear(haystack: &[u8], needle: &[u8]) -> bool {
    contains(haystack, needle) || contains(haystack, hex::encode(needle).as_bytes())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

backend_tests! {
    #[tokio::test]
    async fn no_personal_data_or_cost_is_written_in_clear() {
        let s = TestStore::new().await;
        populated(&s).await;
        // Reads decrypt in memory only; they must not leave anything behind either.
        let identity = s
            .inv
            .customer_identity(CustomerId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(identity.names, NAMES);
        s.inv.close().await; // checkpoints the WAL into the file
        let bytes = stored_bytes(&s).await;
        assert!(bytes.len() > 5_000, "the store was read: {} bytes", bytes.len());
        for needle in [
            NAMES,
            SURNAME,
            DNI,
            EMAIL,
            "mariela.quiroga@example.com",
            PHONE,
            "2615550199",
            ADDRESS,
            "San Martín",
            "30712345671",
            SUPPLIER_CUIT,
            SUPPLIER_EMAIL,
            SUPPLIER_PHONE,
            SUPPLIER_ADDRESS,
            COST,
            "98765432",
            "9876.54",
        ] {
            assert!(
                !written_in_clear(&bytes, needle.as_bytes()),
                "{needle:?} found in clear in the store"
            );
        }
        // The cost as SQLite would store an integer (big-endian), and as little-endian too.
        assert!(!written_in_clear(&bytes, &(COST_E4 as u32).to_be_bytes()));
        assert!(!written_in_clear(&bytes, &COST_E4.to_le_bytes()[..4]));
        // Sanity: something we do store in clear is found, so the search works.
        assert!(contains(&bytes, b"Distribuidora Cuyo SA"));
    }
}

backend_tests! {
    #[tokio::test]
    async fn the_schema_has_no_plain_cost_or_personal_column() {
        let s = TestStore::new().await;
        let raw = s.raw().await;
        let (sql, envelope_type) = match backend() {
            Backend::Sqlite => (
                "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table'",
                "BLOB",
            ),
            Backend::Postgres => (
                "SELECT table_name::text, column_name::text, upper(data_type::text) \
                 FROM information_schema.columns WHERE table_schema = current_schema()",
                "BYTEA",
            ),
        };
        let columns: Vec<(String, String, String)> = sqlx::query(sql)
            .fetch_all(&raw)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        for (table, column, kind) in &columns {
            let sensitive = column.contains("cost")
                || [
                    "cuit", "document", "email", "phone", "address", "names", "surname",
                ]
                .contains(&column.as_str());
            if sensitive {
                assert_eq!(
                    kind, envelope_type,
                    "{table}.{column} must hold envelopes, not {kind}"
                );
            }
        }
        assert!(columns
            .iter()
            .any(|(t, c, _)| t == "customers" && c == "email"));
    }
}

backend_tests! {
    #[tokio::test]
    async fn the_wrong_master_key_fails_at_open_and_changes_nothing() {
        let s = TestStore::new().await;
        populated(&s).await;
        let wrong = MasterKey::generate();
        let err = Inventory::open(&s.url, wrong.into(), "intruso")
            .await
            .unwrap_err();
        assert_eq!(err.crypto(), Some(&CryptoError::WrongMasterKey));
        assert_eq!(err.to_string(), CryptoError::WrongMasterKey.to_string());
        // A passphrase for a store created with a hex key can only be wrong too.
        let pass = Passphrase::new("una frase larga y secreta para la tienda").unwrap();
        let err = Inventory::open(&s.url, pass.into(), "intruso")
            .await
            .unwrap_err();
        assert_eq!(err.crypto(), Some(&CryptoError::WrongMasterKey));
        // The right key still opens it and everything reads.
        let inv = Inventory::open(&s.url, test_key(), "tester").await.unwrap();
        assert_eq!(
            inv.customer_identity(CustomerId(1))
                .await
                .unwrap()
                .unwrap()
                .names,
            NAMES
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn weak_master_keys_are_refused_before_anything_is_created() {
        for bad in [
            "",
            "TEMP_KEY_REPLACE_ME",
            "your_secure_32_byte_hex_key_here_0123456789abcdef0123456789abcdef",
            "00000000000000000000000000000000000000000000000000000000000000",
            &"0".repeat(64),
            &"ab".repeat(32),
            &"g".repeat(64),
            "short pass",
        ] {
            assert!(MasterSecret::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}

backend_tests! {
    #[tokio::test]
    async fn a_passphrase_store_reopens_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_url(dir.path()).await;
        let pass = || {
            Passphrase::new("el mate se toma amargo en Mendoza")
                .unwrap()
                .into()
        };
        let options = || {
            OpenOptions::new("tester")
                .unwrap()
                .kdf(KdfParams::insecure_for_tests(1_000))
        };
        let inv = Inventory::open_with(&url, pass(), options()).await.unwrap();
        let c = inv
            .create_customer(customer("C1", NAMES, None, Some(EMAIL)))
            .await
            .unwrap();
        inv.close().await;
        sqlx::any::install_default_drivers();
        let raw = sqlx::AnyPool::connect(&url).await.unwrap();
        let (kdf, iterations, salt): (String, i64, Vec<u8>) =
            sqlx::query_as("SELECT kdf, kdf_iterations, kdf_salt FROM crypto_meta")
                .fetch_one(&raw)
                .await
                .unwrap();
        assert_eq!(
            (kdf.as_str(), iterations, salt.len()),
            ("pbkdf2-hmac-sha256", 1_000, 16)
        );
        let inv = Inventory::open_with(&url, pass(), options()).await.unwrap();
        assert_eq!(
            inv.customer_identity(c.id).await.unwrap().unwrap().names,
            NAMES
        );
        let other = Passphrase::new("el mate se toma dulce en Corrientes").unwrap();
        let err = Inventory::open(&url, other.into(), "x").await.unwrap_err();
        assert_eq!(err.crypto(), Some(&CryptoError::WrongMasterKey));
    }
}

backend_tests! {
    #[tokio::test]
    async fn customers_are_found_through_blind_indexes() {
        let s = TestStore::new().await;
        let (c, _) = populated(&s).await;
        let other = s
            .inv
            .create_customer(customer(
                "C002",
                "Otro Cliente",
                Some(dni("30111222")),
                None,
            ))
            .await
            .unwrap();
        let found = s
            .inv
            .find_customer_by_document(&dni("29.876.543"))
            .await
            .unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![c]);
        let found = s
            .inv
            .find_customer_by_email("  mariela.quiroga@EXAMPLE.com ")
            .await
            .unwrap();
        assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), vec![c]);
        assert!(s
            .inv
            .find_customer_by_email("nadie@example.com")
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            s.inv
                .find_customer_by_document(&dni("30111222"))
                .await
                .unwrap()[0]
                .id,
            other.id
        );
        // A CUIT with the same digits as a DNI is another document type: not a match.
        let cuit_doc = IdentityDocument::Cuit(Cuit::parse("20-29876543-9").unwrap());
        assert!(s
            .inv
            .find_customer_by_document(&cuit_doc)
            .await
            .unwrap()
            .is_empty());

        let identity = s.inv.customer_identity(c).await.unwrap().unwrap();
        assert_eq!(identity.surname.as_deref(), Some(SURNAME));
        assert_eq!(identity.document, Some(dni(DNI)));
        assert_eq!(
            identity.email.as_deref(),
            Some(EMAIL),
            "stored as given, matched normalised"
        );
        assert_eq!(format!("{identity:?}"), "CustomerIdentity(<redacted>)");
        assert!(s
            .inv
            .customer_identity(CustomerId(999))
            .await
            .unwrap()
            .is_none());
    }
}

backend_tests! {
    #[tokio::test]
    async fn suppliers_are_found_by_cuit_and_a_cuit_belongs_to_one_supplier() {
        let s = TestStore::new().await;
        let (_, supplier) = populated(&s).await;
        let found = s
            .inv
            .find_supplier_by_cuit(&Cuit::parse("30712345671").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id.0, supplier);
        let contact_back = s.inv.supplier_contact(found.id).await.unwrap().unwrap();
        assert_eq!(contact_back, contact());

        let mut twin = NewSupplier::new("OTRO", "Otra SA");
        twin.contact = Some(contact());
        assert!(s.inv.create_supplier(twin).await.is_err());
        assert!(
            s.inv.supplier_by_code("OTRO").await.unwrap().is_none(),
            "the refused supplier was not half-created"
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn tampering_with_envelopes_or_keys_is_detected_on_read() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let a = p10(&s.inv, "A", shop.id).await;
        let b = p10(&s.inv, "B", shop.id).await;
        s.inv
            .record(MovementRequest::receipt(
                b.id,
                shop.id,
                q("10"),
                cost("300"),
            ))
            .await
            .unwrap();
        let raw = s.raw().await;

        // Swap the two products' average-cost envelopes: each is bound to its own row.
        sqlx::query(
            "UPDATE products SET average_cost = (SELECT average_cost FROM products p2 \
             WHERE p2.id <> products.id)",
        )
        .execute(&raw)
        .await
        .unwrap();
        let err = s.inv.product(a.id).await.unwrap_err();
        assert!(
            matches!(&err, Error::Field { table: "products", column: "average_cost", row, source: CryptoError::AuthenticationFailed } if *row == a.id.0),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "products.average_cost of row {}: {}",
                a.id.0,
                CryptoError::AuthenticationFailed
            )
        );
        // A movement refuses to build on a cost it cannot authenticate, and writes nothing.
        let before = s
            .inv
            .history(&Default::default(), None, 100)
            .await
            .unwrap()
            .items
            .len();
        assert!(s
            .inv
            .record(MovementRequest::sale(a.id, shop.id, q("1")))
            .await
            .is_err());
        assert_eq!(
            s.inv
                .history(&Default::default(), None, 100)
                .await
                .unwrap()
                .items
                .len(),
            before
        );

        // Flip one bit of a customer's email.
        let c = s
            .inv
            .create_customer(customer("C1", NAMES, None, Some(EMAIL)))
            .await
            .unwrap();
        let mut email: Vec<u8> = sqlx::query_scalar("SELECT email FROM customers WHERE id = $1")
            .bind(c.id.0)
            .fetch_one(&raw)
            .await
            .unwrap();
        email[20] ^= 1;
        sqlx::query("UPDATE customers SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(c.id.0)
            .execute(&raw)
            .await
            .unwrap();
        let err = s.inv.customer_identity(c.id).await.unwrap_err();
        assert!(err.crypto().is_some(), "{err:?}");

        // Delete the customer's key row: the envelopes name a key that no longer exists.
        let c2 = s
            .inv
            .create_customer(customer("C2", "Otra", None, None))
            .await
            .unwrap();
        let key_id: i64 = sqlx::query_scalar("SELECT key_id FROM crypto_keys WHERE scope = $1")
            .bind(format!("customer:{}", c2.id.0))
            .fetch_one(&raw)
            .await
            .unwrap();
        sqlx::query("DELETE FROM crypto_keys WHERE key_id = $1")
            .bind(key_id)
            .execute(&raw)
            .await
            .unwrap();
        let reopened = Inventory::open(&s.url, test_key(), "tester").await.unwrap();
        let err = reopened.customer_identity(c2.id).await.unwrap_err();
        assert_eq!(
            err.crypto(),
            Some(&CryptoError::UnknownKey(key_id as u32)),
            "{err:?}"
        );

        // A wrapped key edited in place fails to unwrap: reads fail, nothing is guessed.
        sqlx::query(
            "UPDATE crypto_keys SET wrapped = $1 WHERE scope = 'global' AND purpose = 'data'",
        )
        .bind(vec![0u8; 61])
        .execute(&raw)
        .await
        .unwrap();
        let reopened = Inventory::open(&s.url, test_key(), "tester").await.unwrap();
        let err = reopened.product(b.id).await.unwrap_err();
        assert!(err.crypto().is_some(), "{err:?}");
    }
}

backend_tests! {
    #[tokio::test]
    async fn erasing_a_customer_shreds_their_data_for_every_handle() {
        let s = TestStore::new().await;
        let (c, supplier) = populated(&s).await;
        let other_handle = Inventory::open(&s.url, test_key(), "otro").await.unwrap();
        assert!(other_handle.customer_identity(c).await.unwrap().is_some());

        let receipt = s
            .inv
            .erase_subject(SubjectKind::Customer, c.0)
            .await
            .unwrap();
        assert_eq!(receipt.destroyed_keys.len(), 1);
        assert_eq!(receipt.blind_indexes_removed, 2);
        assert_eq!(
            receipt.unreadable_fields,
            ["names", "surname", "document", "phone", "email", "address"]
                .map(|c| format!("customers.{c}"))
        );
        let key = receipt.destroyed_keys[0];
        for inv in [&s.inv, &other_handle] {
            let err = inv.customer_identity(c).await.unwrap_err();
            assert_eq!(
                err.crypto(),
                Some(&CryptoError::KeyDestroyed(key)),
                "{err:?}"
            );
            assert!(inv
                .find_customer_by_document(&dni(DNI))
                .await
                .unwrap()
                .is_empty());
            assert!(inv.find_customer_by_email(EMAIL).await.unwrap().is_empty());
        }
        let stored = s.inv.customer(c).await.unwrap().unwrap();
        assert!(stored.erased_at.is_some());
        let raw = s.raw().await;
        let (status, wrapped): (String, Option<Vec<u8>>) =
            sqlx::query_as("SELECT status, wrapped FROM crypto_keys WHERE key_id = $1")
                .bind(i64::from(key))
                .fetch_one(&raw)
                .await
                .unwrap();
        assert_eq!((status.as_str(), wrapped), ("destroyed", None));

        // The supplier and the costs are untouched.
        assert!(s
            .inv
            .supplier_contact(inventario_core::SupplierId(supplier))
            .await
            .unwrap()
            .is_some());
        let err = s
            .inv
            .erase_subject(SubjectKind::Customer, 999)
            .await
            .unwrap_err();
        assert!(err.rule().is_some(), "{err:?}");
    }
}

backend_tests! {
    #[tokio::test]
    async fn master_key_rotation_rewraps_keys_and_keeps_every_value_and_index() {
        let s = TestStore::new().await;
        let (c, _) = populated(&s).await;
        let raw = s.raw().await;
        let bidx_before: Vec<u8> = sqlx::query_scalar("SELECT email_bidx FROM customers WHERE id = $1")
            .bind(c.0)
            .fetch_one(&raw)
            .await
            .unwrap();
        let envelope_before: Vec<u8> = sqlx::query_scalar("SELECT email FROM customers WHERE id = $1")
            .bind(c.0)
            .fetch_one(&raw)
            .await
            .unwrap();

        let new_key = MasterKey::generate();
        let new_hex = new_key.to_hex();
        let rotation = s
            .inv
            .keyring()
            .rotate_master_key(new_key.into())
            .await
            .unwrap();
        assert_eq!(rotation.mk_version, 2);
        let keys = s.inv.keyring().keys();
        assert_eq!(rotation.rewrapped, keys.len());
        assert!(keys.iter().all(|k| k.mk_version == 2));

        // Same handle keeps working; indexes and envelopes did not change.
        assert_eq!(s.inv.find_customer_by_email(EMAIL).await.unwrap()[0].id, c);
        let bidx_after: Vec<u8> = sqlx::query_scalar("SELECT email_bidx FROM customers WHERE id = $1")
            .bind(c.0)
            .fetch_one(&raw)
            .await
            .unwrap();
        let envelope_after: Vec<u8> = sqlx::query_scalar("SELECT email FROM customers WHERE id = $1")
            .bind(c.0)
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!((bidx_before, envelope_before), (bidx_after, envelope_after));

        // Only the new key opens the store now; a handle still holding the old one is refused.
        let err = Inventory::open(&s.url, test_key(), "x").await.unwrap_err();
        assert_eq!(err.crypto(), Some(&CryptoError::WrongMasterKey));
        // A handle that another handle's rotation leaves behind is refused at its next write.
        let stale = Inventory::open(&s.url, MasterKey::from_hex(&new_hex).unwrap().into(), "y")
            .await
            .unwrap();
        let reopened = Inventory::open(&s.url, MasterKey::from_hex(&new_hex).unwrap().into(), "z")
            .await
            .unwrap();
        assert_eq!(
            reopened
                .customer_identity(c)
                .await
                .unwrap()
                .unwrap()
                .email
                .as_deref(),
            Some(EMAIL)
        );
        assert_eq!(
            reopened
                .product_by_sku(&sku("P10"))
                .await
                .unwrap()
                .unwrap()
                .average_cost,
            s.inv
                .product_by_sku(&sku("P10"))
                .await
                .unwrap()
                .unwrap()
                .average_cost
        );
        reopened
            .keyring()
            .rotate_master_key(MasterKey::generate().into())
            .await
            .unwrap();
        let err = stale
            .record(MovementRequest::sale(
                inventario_core::ProductId(1),
                inventario_core::LocationId(1),
                q("1"),
            ))
            .await
            .unwrap_err();
        assert_eq!(err.crypto(), Some(&CryptoError::WrongMasterKey), "{err:?}");
    }
}

/// The key ids of every envelope in `table`.`column`.
async fn key_ids(raw: &sqlx::AnyPool, table: &str, column: &str) -> Vec<u32> {
    let rows: Vec<Vec<u8>> = sqlx::query_scalar(&format!(
        "SELECT {column} FROM {table} WHERE {column} IS NOT NULL"
    ))
    .fetch_all(raw)
    .await
    .unwrap();
    rows.iter()
        .map(|e| parse_header(e).unwrap().key_id)
        .collect()
}

backend_tests! {
    #[tokio::test]
    async fn data_key_rotation_reencrypts_in_batches_and_resumes_after_a_kill() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let receipts: Vec<_> = (1..=120)
            .map(|i| MovementRequest::receipt(p.id, shop.id, q("1"), cost(&format!("{}.25", 100 + i))))
            .collect();
        s.inv.record_movements(&receipts).await.unwrap();
        let history_before = s
            .inv
            .history(&Default::default(), None, 500)
            .await
            .unwrap()
            .items;
        let raw = s.raw().await;
        let old_key = s.inv.keyring().keys()[0].id;
        assert!(key_ids(&raw, "stock_movements", "unit_cost")
            .await
            .iter()
            .all(|&k| k == old_key));

        let rotation = s.inv.keyring().rotate_data_key(GLOBAL_SCOPE).await.unwrap();
        assert_ne!(rotation.key_id, old_key);
        let statuses: Vec<(u32, KeyStatus)> = s
            .inv
            .keyring()
            .keys()
            .iter()
            .map(|k| (k.id, k.status))
            .collect();
        assert!(statuses.contains(&(old_key, KeyStatus::DecryptOnly)));
        assert!(statuses.contains(&(rotation.key_id, KeyStatus::Active)));

        // Lazy re-encryption on write: a new movement already uses the new key.
        s.inv
            .record(MovementRequest::sale(p.id, shop.id, q("1")))
            .await
            .unwrap();

        // Kill the job once it has committed two batches of movements (after the one-row batch of
        // products.average_cost, which comes first).
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let keyring = s.inv.keyring();
        let job = tokio::spawn(async move {
            keyring
                .reencrypt(25, move |p| {
                    let _ = tx.send(p.rows_done);
                })
                .await
        });
        while rx.recv().await.unwrap() < 51 {}
        job.abort();
        assert!(job.await.unwrap_err().is_cancelled());
        // The killed job leaves no transaction behind: another connection can write at once.
        match backend() {
            Backend::Sqlite => {
                let probe = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(s.dir.path().join("test.db"))
                    .busy_timeout(std::time::Duration::from_secs(2));
                let mut probe = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&probe)
                    .await
                    .unwrap();
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut probe)
                    .await
                    .expect("the write lock was released");
                sqlx::query("ROLLBACK").execute(&mut probe).await.unwrap();
            }
            Backend::Postgres => {
                // The tenant lock is free: a whole-tenant write goes through at once.
                let write = s.inv.create_location(NewLocation::new("PROBE", "Sonda"));
                tokio::time::timeout(std::time::Duration::from_secs(2), write)
                    .await
                    .expect("the tenant lock was released")
                    .unwrap();
            }
        }
        let ids = key_ids(&raw, "stock_movements", "unit_cost").await;
        let moved = ids.iter().filter(|&&k| k == rotation.key_id).count();
        assert!(
            moved >= 51 && moved < ids.len(), // 50 rewritten, and the sale sealed under the new key
            "{moved} of {} moved before the kill",
            ids.len()
        );

        // Everything reads in between, from a fresh process-like handle too.
        let other = Inventory::open(&s.url, test_key(), "otro").await.unwrap();
        assert_eq!(
            other
                .history(&Default::default(), None, 500)
                .await
                .unwrap()
                .items
                .len(),
            122
        );

        // Resume: the job finishes from its checkpoint; nothing is left under the old key.
        let mut last = None;
        let reports = other
            .keyring()
            .reencrypt(25, |p| last = Some(p.clone()))
            .await
            .unwrap();
        assert_eq!(reports.len(), 1);
        let report = &reports[0];
        assert_eq!(report.active_key, rotation.key_id);
        let last = last.unwrap();
        assert_eq!(last.columns_done, last.columns_total);
        for (table, column) in [
            ("stock_movements", "unit_cost"),
            ("products", "average_cost"),
            ("price_history", "cost"),
        ] {
            let ids = key_ids(&raw, table, column).await;
            assert!(!ids.is_empty());
            assert!(
                ids.iter().all(|&k| k == rotation.key_id),
                "{table}.{column}: {ids:?}"
            );
        }
        // Under the old key were 121 movements (initial stock + 120 receipts), 121 cost-history rows
        // and one average cost; the sale after the rotation was already sealed under the new key.
        assert_eq!(
            report.rows_done,
            121 + 121 + 1,
            "rows rewritten over both runs"
        );
        let after: Vec<_> = s
            .inv
            .history(&Default::default(), None, 500)
            .await
            .unwrap()
            .items;
        assert_eq!(
            &after[1..],
            &history_before[..],
            "every value reads back unchanged"
        );
        // Running again finds nothing to do.
        assert!(s
            .inv
            .keyring()
            .reencrypt(25, |_| {})
            .await
            .unwrap()
            .is_empty());
    }
}

backend_tests! {
    #[tokio::test]
    async fn the_standalone_keyring_encrypts_fields_of_your_own_tables() {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_url(dir.path()).await;
        let keyring = Keyring::open(&url, test_key()).await.unwrap();
        keyring.add_blind_index("socios", "email").await.unwrap();
        let cipher = keyring.field_cipher();
        let rows: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        let values: Vec<FieldValue> = rows
            .iter()
            .map(|r| FieldValue::from(format!("socio{r}@club.example")))
            .collect();
        let sealed = cipher
            .encrypt_many(
                values
                    .iter()
                    .zip(&rows)
                    .map(|(v, r)| (v, FieldContext::new("socios", "email", r).unwrap())),
            )
            .unwrap();
        let opened = cipher.decrypt_many(sealed.iter().zip(&rows).map(|(e, r)| {
            (
                e.as_slice(),
                FieldContext::new("socios", "email", r).unwrap(),
            )
        }));
        assert_eq!(
            opened.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
            values
        );
        let bidx = cipher
            .blind_index("socios", "email", Normalizer::Email, "SOCIO1@club.example")
            .unwrap();
        assert_eq!(bidx.len(), 16);
        assert_eq!(
            cipher
                .blind_index("socios", "email", Normalizer::Email, "socio1@club.example ")
                .unwrap(),
            bidx
        );
        assert!(matches!(
            cipher.blind_index("socios", "dni", Normalizer::Digits, "1"),
            Err(CryptoError::InvalidContext(_))
        ));

        // A subject scope of the user's own, shredded.
        keyring.create_scope("socio:7").await.unwrap();
        let ctx = FieldContext::new("socios", "telefono", "7").unwrap();
        let phone = cipher
            .with_scope("socio:7")
            .encrypt("+54 11 4444-5555", &ctx)
            .unwrap();
        let destroyed = keyring.destroy_scope("socio:7").await.unwrap();
        assert_eq!(
            cipher.decrypt(&phone, &ctx),
            Err(CryptoError::KeyDestroyed(destroyed[0]))
        );

        // Master-key rotation keeps the blind index and every envelope readable.
        let new_key = MasterKey::generate();
        let hex = new_key.to_hex();
        keyring.rotate_master_key(new_key.into()).await.unwrap();
        keyring.close().await;
        let keyring = Keyring::open(&url, MasterKey::from_hex(&hex).unwrap().into())
            .await
            .unwrap();
        let cipher = keyring.field_cipher();
        assert_eq!(
            cipher
                .blind_index("socios", "email", Normalizer::Email, "socio1@club.example")
                .unwrap(),
            bidx
        );
        let ctx = FieldContext::new("socios", "email", "3").unwrap();
        assert_eq!(
            cipher
                .decrypt(&sealed[3], &ctx)
                .unwrap()
                .into_text()
                .unwrap(),
            "socio3@club.example"
        );
    }
}

mod rotation_properties {
    use super::*;
    use inventario_core::types::rust_decimal::Decimal;
    use proptest::prelude::*;

    fn any_value() -> impl Strategy<Value = FieldValue> {
        prop_oneof![
            ".{0,80}".prop_map(FieldValue::from),
            any::<i64>().prop_map(FieldValue::from),
            proptest::collection::vec(any::<u8>(), 0..64).prop_map(FieldValue::from),
            (any::<i64>(), 0u32..10).prop_map(|(m, s)| FieldValue::from(Decimal::new(m, s))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Whatever was sealed before a master-key rotation, a data-key rotation and its
        /// re-encryption job reads back identical afterwards, from a fresh handle, on both backends.
        #[test]
        fn rotation_preserves_every_plaintext(
            values in proptest::collection::vec(any_value(), 1..20),
            costs in proptest::collection::vec(1i64..100_000_000, 1..15),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            for backend in [Backend::Sqlite, Backend::Postgres] {
                let (values, costs) = (values.clone(), costs.clone());
                let outcome = rt.block_on(on_backend(backend, "rotation_preserves_every_plaintext", async move {
                    let s = TestStore::new().await;
                    let shop = location(&s.inv, "LOCAL").await;
                    let p = p10(&s.inv, "P10", shop.id).await;
                    let receipts: Vec<_> = costs
                        .iter()
                        .map(|&e4| MovementRequest::receipt(
                            p.id, shop.id, q("1"),
                            inventario_core::domain::values::UnitCost::from_ten_thousandths(e4).unwrap(),
                        ))
                        .collect();
                    s.inv.record_movements(&receipts).await.unwrap();
                    let history = s.inv.history(&Default::default(), None, 500).await.unwrap().items;
                    let product = s.inv.product(p.id).await.unwrap();

                    let cipher = s.inv.field_cipher();
                    let rows: Vec<String> = (0..values.len()).map(|i| i.to_string()).collect();
                    fn ctx(r: &str) -> FieldContext<'_> {
                        FieldContext::new("propios", "valor", r).unwrap()
                    }
                    let sealed: Vec<Vec<u8>> = values
                        .iter()
                        .zip(&rows)
                        .map(|(v, r)| cipher.encrypt(v.clone(), &ctx(r)).unwrap())
                        .collect();

                    let keyring = s.inv.keyring();
                    keyring.rotate_data_key(GLOBAL_SCOPE).await.unwrap();
                    keyring.reencrypt(7, |_| {}).await.unwrap();
                    let new_master = MasterKey::generate();
                    let hex = new_master.to_hex();
                    keyring.rotate_master_key(new_master.into()).await.unwrap();

                    let inv = Inventory::open(&s.url, MasterKey::from_hex(&hex).unwrap().into(), "t")
                        .await
                        .unwrap();
                    prop_assert_eq!(inv.history(&Default::default(), None, 500).await.unwrap().items, history);
                    prop_assert_eq!(inv.product(p.id).await.unwrap(), product);
                    let cipher = inv.field_cipher();
                    for ((envelope, r), value) in sealed.iter().zip(&rows).zip(&values) {
                        prop_assert_eq!(&cipher.decrypt(envelope, &ctx(r)).unwrap(), value);
                    }
                    Ok(())
                }));
                if let Some(result) = outcome {
                    result?;
                }
            }
        }
    }
}
