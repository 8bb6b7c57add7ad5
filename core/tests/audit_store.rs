//! The audit chain in a real SQLite file: one record per committed command and none for a
//! refused one, audited decrypts (fail-closed and fail-open), the actor, tampering done with
//! plain SQL and what `verify_audit` says about it, checkpoints, concurrent writers, retention
//! with legal holds, metrics from the real code paths, and reports.

#[macro_use]
mod common;

use chrono::{TimeDelta, Utc};
use common::*;
use inventario_core::audit::{
    AppEvent, AuditError, Checkpoint, DetectorConfig, EventType, Status, TamperKind, Target,
};
use inventario_core::crypto::CryptoError;
use inventario_core::domain::values::Dni;
use inventario_core::domain::{
    Customer, CustomerIdentity, CustomerKind, IdentityDocument, PriceList, RuleError,
};
use inventario_core::metrics::Metrics;
use inventario_core::{
    Actor, CustomerId, Error, Inventory, MovementRequest, NewCustomer, OpenOptions, SubjectKind,
};
use serde_json::json;

fn customer(code: &str) -> NewCustomer {
    NewCustomer {
        customer: Customer {
            code: code.to_owned(),
            kind: CustomerKind::Persona,
            price_list: PriceList::General,
            credit_limit: money("0.00"),
            discount_percent: money("0.00"),
        },
        identity: CustomerIdentity {
            names: "Ana María".to_owned(),
            surname: Some("Gómez".to_owned()),
            document: Some(IdentityDocument::Dni(Dni::parse("30111222").unwrap())),
            phone: None,
            email: Some("ana@example.com".to_owned()),
            address: None,
        },
    }
}

async fn audit_count(s: &TestStore) -> i64 {
    let raw = s.raw().await;
    let n = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&raw)
        .await
        .unwrap();
    raw.close().await;
    n
}

async fn last_event(inv: &Inventory) -> inventario_core::audit::AuditEvent {
    inv.audit_events_after(0, u32::MAX)
        .await
        .unwrap()
        .pop()
        .unwrap()
}

/// Runs plain SQL against the file, as someone with write access to it would.
async fn tamper(s: &TestStore, statements: &[&str]) {
    let raw = s.raw().await;
    let disable_trigger = match backend() {
        Backend::Sqlite => "DROP TRIGGER IF EXISTS audit_events_append_only",
        Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    };
    sqlx::query(disable_trigger).execute(&raw).await.unwrap();
    for sql in statements {
        let sql = match backend() {
            Backend::Sqlite => sql.to_string(),
            Backend::Postgres => {
                sql.replace("randomblob(16)", "decode(md5(random()::text), 'hex')")
            }
        };
        sqlx::query(&sql).execute(&raw).await.unwrap();
    }
    raw.close().await;
}

/// A store with ten audit records (a location, then nine receipts).
async fn ten_records() -> TestStore {
    let s = TestStore::new().await;
    let shop = location(&s.inv, "LOCAL").await;
    let mut p = inventario_core::NewProduct::new(sku("ALM-ARROZ-1KG"), "Arroz 1 kg", money("900"));
    p.min_stock = q("0");
    let product = s.inv.create_product(p).await.unwrap();
    for _ in 0..8 {
        s.inv
            .record(MovementRequest::receipt(
                product.id,
                shop.id,
                q("1"),
                cost("500"),
            ))
            .await
            .unwrap();
    }
    assert_eq!(audit_count(&s).await, 10);
    assert!(s.inv.verify_audit(None).await.unwrap().is_intact());
    s
}

async fn first_break(s: &TestStore) -> (u64, TamperKind) {
    let report = s.inv.verify_audit(None).await.unwrap();
    let problem = report.problem.expect("verify should find the tampering");
    (problem.seq, problem.kind)
}

backend_tests! {
    #[tokio::test]
    async fn every_committed_command_has_exactly_one_record_and_a_refused_one_none() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let shop = location(inv, "LOCAL").await;
        let product = p10(inv, "BEB-AGUA-500", shop.id).await;
        inv.record(MovementRequest::sale(product.id, shop.id, q("1")))
            .await
            .unwrap();
        inv.record_movements(&[
            MovementRequest::sale(product.id, shop.id, q("1")),
            MovementRequest::sale(product.id, shop.id, q("2")),
            MovementRequest::receipt(product.id, shop.id, q("5"), cost("90")),
        ])
        .await
        .unwrap();
        let reservation = inv
            .reserve(product.id, shop.id, q("2"), None, None)
            .await
            .unwrap();
        inv.release_reservation(reservation.id).await.unwrap();
        inv.create_customer(customer("C1")).await.unwrap();
        let types: Vec<String> = inv
            .audit_events_after(0, 100)
            .await
            .unwrap()
            .iter()
            .map(|e| e.event_type.to_string())
            .collect();
        assert_eq!(
            types,
            [
                "LOCATION_CHANGE",
                "PRODUCT_CHANGE",
                "STOCK_MOVEMENT",
                "STOCK_MOVEMENT",
                "STOCK_RESERVATION",
                "STOCK_RESERVATION",
                "SENSITIVE_DATA_MODIFY",
            ]
        );
        let batch = &inv.audit_events_after(3, 1).await.unwrap()[0];
        assert_eq!(batch.detail["movements"], json!(3));
        assert_eq!(batch.detail["kinds"], json!({ "sale": 2, "receipt": 1 }));

        let before = snapshot(&s).await;
        let err = inv
            .record(MovementRequest::sale(product.id, shop.id, q("1000")))
            .await
            .unwrap_err();
        assert!(matches!(
            err.rule(),
            Some(RuleError::InsufficientStock { .. })
        ));
        assert_eq!(
            snapshot(&s).await,
            before,
            "a refused command leaves no record"
        );

        // A replayed idempotent request changes nothing and records nothing.
        let keyed = MovementRequest::sale(product.id, shop.id, q("1")).idempotency_key("ticket-9");
        inv.record(keyed.clone()).await.unwrap();
        let after_first = audit_count(&s).await;
        assert!(inv.record(keyed).await.unwrap().replayed);
        assert_eq!(audit_count(&s).await, after_first);

        let report = inv.verify_audit(None).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.checked, after_first as u64);
    }
}

backend_tests! {
    #[tokio::test]
    async fn the_actor_is_the_handles_or_the_calls_never_the_datas() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        assert_eq!(last_event(&s.inv).await.actor, "tester");

        let maria = s.inv.acting_as("maria@almacen").unwrap();
        let product = p10(&maria, "ALM-FIDEOS-500", shop.id).await;
        assert_eq!(last_event(&s.inv).await.actor, "maria@almacen");

        let sale = MovementRequest::sale(product.id, shop.id, q("1"))
            .by(Actor::parse("caja-2").unwrap())
            .reference("actor: mallory");
        s.inv.record(sale).await.unwrap();
        assert_eq!(last_event(&s.inv).await.actor, "caja-2");
        assert!(s.inv.acting_as("  ").is_err());
    }
}

backend_tests! {
    #[tokio::test]
    async fn decrypts_are_recorded_before_the_plaintext_is_returned() {
        let s = TestStore::new().await;
        let a = s.inv.create_customer(customer("C1")).await.unwrap().id;
        let b = s.inv.create_customer(customer("C2")).await.unwrap().id;

        let identity = s.inv.customer_identity(a).await.unwrap().unwrap();
        assert_eq!(identity.names, "Ana María");
        let event = last_event(&s.inv).await;
        assert_eq!(event.event_type, EventType::EncryptedDataDecrypt);
        assert_eq!(
            (event.target.table.as_str(), event.target.key.clone()),
            ("customers", a.0.to_string())
        );
        assert_eq!(event.detail["rows"], json!(1));
        assert!(event.key_id.is_some());
        assert!(
            !event.detail.to_string().contains("Ana"),
            "no plaintext in the record"
        );

        let both = s
            .inv
            .customer_identities(&[a, CustomerId(999), b])
            .await
            .unwrap();
        assert!(both[0].is_some() && both[1].is_none() && both[2].is_some());
        let event = last_event(&s.inv).await;
        assert_eq!(event.detail["rows"], json!(2), "one record for the batch");
        assert_eq!(event.detail["row_keys"], json!([a.0, b.0]));

        // The audit table refuses writes: fail-closed withholds the plaintext.
        let raw = s.raw().await;
        let refuse_inserts: &[&str] = match backend() {
            Backend::Sqlite => &["CREATE TRIGGER audit_offline BEFORE INSERT ON audit_events \
                 BEGIN SELECT RAISE(ABORT, 'audit offline'); END"],
            Backend::Postgres => &[
                "CREATE FUNCTION audit_offline() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit offline'; END $$",
                "CREATE TRIGGER audit_offline BEFORE INSERT ON audit_events \
                 FOR EACH ROW EXECUTE FUNCTION audit_offline()",
            ],
        };
        for sql in refuse_inserts {
            sqlx::query(sql).execute(&raw).await.unwrap();
        }
        let err = s.inv.customer_identity(a).await.unwrap_err();
        assert!(matches!(err, Error::AuditUnavailable { .. }), "{err}");

        // Fail-open is explicit, and every lost record is counted.
        let open = s
            .open_as(
                OpenOptions::new("dashboard")
                    .unwrap()
                    .audit_fail_open()
                    .metrics(Metrics::with_prometheus()),
            )
            .await;
        assert!(open.customer_identity(a).await.unwrap().is_some());
        let text = open.metrics_text().unwrap();
        assert!(text.contains("inventario_audit_dropped_total 1"), "{text}");
        let drop_trigger = match backend() {
            Backend::Sqlite => "DROP TRIGGER audit_offline",
            Backend::Postgres => "DROP TRIGGER audit_offline ON audit_events",
        };
        sqlx::query(drop_trigger).execute(&raw).await.unwrap();
        raw.close().await;
        assert!(s.inv.verify_audit(None).await.unwrap().is_intact());
    }
}

backend_tests! {
    #[tokio::test]
    async fn a_failed_decrypt_is_recorded_with_its_error_kind() {
        let s = TestStore::new().await;
        let id = s.inv.create_customer(customer("C1")).await.unwrap().id;
        s.inv
            .erase_subject(SubjectKind::Customer, id.0)
            .await
            .unwrap();
        assert_eq!(last_event(&s.inv).await.event_type, EventType::KeyDestroyed);

        let err = s.inv.customer_identity(id).await.unwrap_err();
        assert!(matches!(err.crypto(), Some(CryptoError::KeyDestroyed(_))));
        let event = last_event(&s.inv).await;
        assert_eq!(event.event_type, EventType::DecryptFailed);
        assert_eq!(event.status, Status::Failed);
        assert_eq!(event.detail["error"], json!("KeyDestroyed"));
        assert_eq!(event.target, Target::new("customers", id.0.to_string()));
    }
}

backend_tests! {
    #[tokio::test]
    async fn key_operations_are_recorded() {
        let s = TestStore::new().await;
        let keyring = s.inv.keyring();
        keyring.rotate_data_key("global").await.unwrap();
        assert_eq!(last_event(&s.inv).await.event_type, EventType::KeyRotated);
        keyring
            .rotate_master_key(inventario_core::crypto::MasterKey::generate().into())
            .await
            .unwrap();
        let event = last_event(&s.inv).await;
        assert_eq!(event.event_type, EventType::KeyRotated);
        assert_eq!(event.detail["key"], json!("master"));
        keyring
            .add_blind_index("mis_clientes", "email")
            .await
            .unwrap();
        assert_eq!(last_event(&s.inv).await.event_type, EventType::KeyCreated);
        assert!(s.inv.verify_audit(None).await.unwrap().is_intact());
    }
}

backend_tests! {
    #[tokio::test]
    async fn an_edited_record_is_reported_as_modified() {
        let s = ten_records().await;
        tamper(
            &s,
            &["UPDATE audit_events SET actor = 'mallory' WHERE seq = 5"],
        )
        .await;
        assert_eq!(first_break(&s).await, (5, TamperKind::Modified));
    }
}

backend_tests! {
    #[tokio::test]
    async fn a_deleted_record_is_reported_as_deleted() {
        let s = ten_records().await;
        tamper(&s, &["DELETE FROM audit_events WHERE seq = 5"]).await;
        assert_eq!(first_break(&s).await, (5, TamperKind::Deleted));
    }
}

backend_tests! {
    #[tokio::test]
    async fn a_deletion_hidden_by_renumbering_is_reported_as_deleted() {
        let s = ten_records().await;
        tamper(
            &s,
            &[
                "DELETE FROM audit_events WHERE seq = 5",
                "UPDATE audit_events SET seq = seq + 1000 WHERE seq > 5",
                "UPDATE audit_events SET seq = seq - 1001 WHERE seq > 1000",
                "UPDATE audit_head SET seq = 9, hash = (SELECT hash FROM audit_events WHERE seq = 9)",
            ],
        )
        .await;
        assert_eq!(first_break(&s).await, (5, TamperKind::Deleted));
    }
}

backend_tests! {
    #[tokio::test]
    async fn records_cut_off_the_end_are_reported_as_deleted() {
        let s = ten_records().await;
        tamper(&s, &["DELETE FROM audit_events WHERE seq >= 9"]).await;
        assert_eq!(first_break(&s).await, (9, TamperKind::Deleted));
    }
}

backend_tests! {
    #[tokio::test]
    async fn a_forged_record_is_reported_as_inserted() {
        let s = ten_records().await;
        tamper(
            &s,
            &[
                "UPDATE audit_events SET seq = seq + 1001 WHERE seq >= 5",
                "UPDATE audit_events SET seq = seq - 1000 WHERE seq > 1000",
                "INSERT INTO audit_events (tenant_id, seq, event_id, at, actor, event_type, \
                   target_table, target_key, status, key_id, detail, prev_hash, hash) \
                 SELECT tenant_id, 5, randomblob(16), at, 'mallory', event_type, target_table, \
                   target_key, status, key_id, detail, prev_hash, hash \
                 FROM audit_events WHERE seq = 6",
                "UPDATE audit_head SET seq = 11",
            ],
        )
        .await;
        assert_eq!(first_break(&s).await, (5, TamperKind::Inserted));
    }
}

backend_tests! {
    #[tokio::test]
    async fn a_record_appended_behind_the_librarys_back_is_reported_as_inserted() {
        let s = ten_records().await;
        tamper(
            &s,
            &[
                "INSERT INTO audit_events (tenant_id, seq, event_id, at, actor, event_type, \
                 target_table, target_key, status, key_id, detail, prev_hash, hash) \
               SELECT tenant_id, 11, randomblob(16), at, actor, event_type, target_table, \
                 target_key, status, key_id, detail, hash, hash \
               FROM audit_events WHERE seq = 10",
            ],
        )
        .await;
        assert_eq!(first_break(&s).await, (11, TamperKind::Inserted));
    }
}

backend_tests! {
    #[tokio::test]
    async fn swapped_records_are_reported_as_reordered() {
        let s = ten_records().await;
        tamper(
            &s,
            &[
                "UPDATE audit_events SET seq = 1005 WHERE seq = 5",
                "UPDATE audit_events SET seq = 5 WHERE seq = 6",
                "UPDATE audit_events SET seq = 6 WHERE seq = 1005",
            ],
        )
        .await;
        assert_eq!(first_break(&s).await, (5, TamperKind::Reordered));
    }
}

backend_tests! {
    #[tokio::test]
    async fn a_prefix_removed_without_a_retention_purge_is_reported_as_deleted() {
        let s = ten_records().await;
        tamper(
            &s,
            &[
                "INSERT INTO audit_anchor (tenant_id, seq, hash, purged_at) \
                 SELECT tenant_id, seq, hash, 0 FROM audit_events WHERE seq = 3",
                "DELETE FROM audit_events WHERE seq <= 3",
            ],
        )
        .await;
        assert_eq!(first_break(&s).await, (1, TamperKind::Deleted));
    }
}

backend_tests! {
    #[tokio::test]
    async fn breaks_at_the_verifiers_page_boundaries_are_found() {
        // The verifier reads SQLite in pages of 128 records (a range of `seq` each, then the
        // records after the range wherever they are). 300 records span three pages there.
        let s = TestStore::new().await;
        for i in 0..300 {
            s.inv
                .record_audit_event(AppEvent {
                    event_type: EventType::LoginFailed,
                    target: Target::new("users", format!("u{i}")),
                    status: Status::Failed,
                    detail: json!({ "ip": "203.0.113.7", "note": "a \"quoted\" value" }),
                })
                .await
                .unwrap();
        }
        let report = s.inv.verify_audit(None).await.unwrap();
        assert!(report.is_intact(), "{:?}", report.problem);
        assert_eq!((report.checked, report.to_seq), (300, 300));

        // A record forged far past the head: after the last range, the records that follow it
        // are read wherever they are.
        tamper(
            &s,
            &["INSERT INTO audit_events (tenant_id, seq, event_id, at, actor, event_type, \
                 target_table, target_key, status, key_id, detail, prev_hash, hash) \
               SELECT tenant_id, 5000, event_id, at, actor, event_type, target_table, \
                 target_key, status, key_id, detail, hash, hash \
               FROM audit_events WHERE seq = 300"],
        )
        .await;
        assert_eq!(first_break(&s).await.0, 301);
        tamper(&s, &["DELETE FROM audit_events WHERE seq = 5000"]).await;
        assert!(s.inv.verify_audit(None).await.unwrap().is_intact());

        // The last record of a range: the range is not full, and every record in it checks.
        tamper(&s, &["DELETE FROM audit_events WHERE seq = 256"]).await;
        assert_eq!(first_break(&s).await, (256, TamperKind::Deleted));
        // The last record of the first page: its successor is on the next page.
        tamper(
            &s,
            &["UPDATE audit_events SET detail = '{}' WHERE seq = 128"],
        )
        .await;
        assert_eq!(first_break(&s).await, (128, TamperKind::Modified));
    }
}

#[tokio::test]
async fn a_pinned_checkpoint_exposes_a_forked_history() {
    let s = ten_records().await;
    let shop = s.inv.locations().await.unwrap()[0].id;
    // A consistent copy of the store as it is now (as a restored backup would be).
    let copy_path = s.dir.path().join("copy.db");
    tamper_url(&s.url, &format!("VACUUM INTO '{}'", copy_path.display())).await;
    let copy_url = format!("sqlite://{}?mode=rwc", copy_path.display());

    let original = s.inv.clone();
    for code in ["A1", "A2"] {
        location(&original, code).await;
    }
    let checkpoint = original.audit_checkpoint().await.unwrap();
    assert_eq!(checkpoint.seq, 12);
    let pinned = Checkpoint::from_text(&checkpoint.to_text()).unwrap();
    let report = original.verify_audit(Some(&pinned)).await.unwrap();
    assert!(report.is_intact());
    assert_eq!(report.checkpoint_seq, Some(12));

    // The copy goes on with a different history of the same length and more.
    let copy = Inventory::open(&copy_url, test_key(), "tester")
        .await
        .unwrap();
    for code in ["B1", "B2", "B3"] {
        location(&copy, code).await;
    }
    assert_eq!(copy.locations().await.unwrap().len(), 4);
    assert!(
        copy.verify_audit(None).await.unwrap().is_intact(),
        "consistent on its own"
    );
    let report = copy.verify_audit(Some(&pinned)).await.unwrap();
    let problem = report.problem.expect("fork");
    assert_eq!((problem.seq, problem.kind), (12, TamperKind::Fork));

    // A copy rolled back to before the checkpoint no longer holds it at all.
    let behind = Inventory::open(&copy_url, test_key(), "tester")
        .await
        .unwrap();
    tamper_url(&copy_url, "DELETE FROM audit_events WHERE seq > 10").await;
    let report = behind.verify_audit(Some(&pinned)).await.unwrap();
    assert_eq!(report.problem.map(|p| p.kind), Some(TamperKind::Fork));
    let _ = shop;
}

async fn tamper_url(url: &str, sql: &str) {
    let raw = sqlx::SqlitePool::connect(url).await.unwrap();
    sqlx::query(sql).execute(&raw).await.unwrap();
    raw.close().await;
}

backend_tests! {
    #[tokio::test]
    async fn a_checkpoint_of_another_store_or_edited_is_refused() {
        let a = TestStore::new().await;
        let b = TestStore::new().await;
        location(&a.inv, "LOCAL").await;
        let cp = a.inv.audit_checkpoint().await.unwrap();
        let err = b.inv.verify_audit(Some(&cp)).await.unwrap_err();
        assert!(
            matches!(err, Error::Audit(AuditError::ForeignCheckpoint)),
            "{err}"
        );

        let text = cp.to_text().replace("seq: 1", "seq: 2");
        assert_eq!(
            Checkpoint::from_text(&text).unwrap_err(),
            AuditError::BadCheckpointSignature
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn concurrent_writers_keep_seq_gapless() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let product = p10(&s.inv, "LIM-LAVANDINA-1L", shop.id).await;
        let mut tasks = Vec::new();
        for writer in 0..4 {
            let inv = Inventory::open(&s.url, test_key(), &format!("caja-{writer}"))
                .await
                .unwrap();
            tasks.push(tokio::spawn(async move {
                for _ in 0..25 {
                    inv.record(MovementRequest::receipt(
                        product.id,
                        shop.id,
                        q("1"),
                        cost("10"),
                    ))
                    .await
                    .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let events = s.inv.audit_events_after(0, u32::MAX).await.unwrap();
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=102).collect::<Vec<u64>>());
        let report = s.inv.verify_audit(None).await.unwrap();
        assert!(report.is_intact());
        assert_eq!(report.checked, 102);
    }
}

backend_tests! {
    #[tokio::test]
    async fn retention_purge_keeps_the_chain_verifiable_and_stops_at_a_legal_hold() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let first = location(inv, "L1").await;
        let held = location(inv, "L2").await;
        location(inv, "L3").await;
        let hold = inv
            .place_legal_hold(
                Target::new("locations", held.id.0.to_string()),
                "juicio 123/2026",
            )
            .await
            .unwrap();
        assert_eq!(inv.legal_holds().await.unwrap().len(), 1);
        let cutoff = Utc::now() + TimeDelta::seconds(1);

        let purge = inv.purge_audit(cutoff).await.unwrap();
        assert_eq!(purge.purged, 1, "stops before the held record");
        assert_eq!(purge.purged_through, Some(1));
        assert!(purge.stopped_by_hold);
        let report = inv.verify_audit(None).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.from_seq, 2);
        let _ = first;

        // Idempotent: nothing more can go while the hold stands.
        let again = inv.purge_audit(cutoff).await.unwrap();
        assert_eq!((again.purged, again.event_seq), (0, None));
        let count = audit_count(&s).await;

        inv.lift_legal_hold(hold.id).await.unwrap();
        assert_eq!(audit_count(&s).await, count + 1);
        let purge = inv
            .purge_audit(Utc::now() + TimeDelta::seconds(1))
            .await
            .unwrap();
        assert!(!purge.stopped_by_hold);
        assert_eq!(
            audit_count(&s).await,
            1,
            "only the new RETENTION_PURGE record is left"
        );
        let report = inv.verify_audit(None).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        let purge_event = last_event(inv).await;
        assert_eq!(purge_event.event_type, EventType::RetentionPurge);
        assert_eq!(
            purge_event.detail["purged_through_seq"],
            json!(purge.purged_through.unwrap())
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn metrics_come_from_the_real_code_paths() {
        let s = TestStore::new().await;
        let inv = s
            .open_as(
                OpenOptions::new("caja")
                    .unwrap()
                    .metrics(Metrics::with_prometheus()),
            )
            .await;
        let shop = location(&inv, "LOCAL").await;
        let product = p10(&inv, "BEB-SODA-2L", shop.id).await;
        inv.record(MovementRequest::sale(product.id, shop.id, q("1")))
            .await
            .unwrap();
        inv.record(MovementRequest::sale(product.id, shop.id, q("500")))
            .await
            .unwrap_err();
        let id = inv.create_customer(customer("C1")).await.unwrap().id;
        inv.customer_identity(id).await.unwrap();
        inv.verify_audit(None).await.unwrap();
        let text = inv.metrics_text().unwrap();
        let value = |series: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
                .unwrap_or_else(|| panic!("{series} missing in\n{text}"))
        };
        assert_eq!(
            value("inventario_stock_movements_total{kind=\"sale\",result=\"ok\"}"),
            1.0
        );
        assert_eq!(
            value("inventario_stock_movements_total{kind=\"sale\",result=\"refused\"}"),
            1.0
        );
        assert_eq!(
            value("inventario_audit_events_total{event_type=\"ENCRYPTED_DATA_DECRYPT\",status=\"SUCCESS\"}"),
            1.0
        );
        assert!(value("inventario_decrypt_total{result=\"ok\"}") >= 6.0);
        assert!(value("inventario_encrypt_total{result=\"ok\"}") >= 3.0);
        assert!(value("inventario_audit_append_seconds_count") >= 5.0);
        assert_eq!(value("inventario_audit_verify_failures_total"), 0.0);
        assert!(!text.contains("BEB-SODA"), "no SKU in any label");
    }
}

backend_tests! {
    #[tokio::test]
    async fn application_events_feed_detectors_and_an_escaped_report() {
        let s = TestStore::new().await;
        let attacker = "<script>alert(1)</script>";
        let inv = s.inv.acting_as(attacker).unwrap();
        for _ in 0..6 {
            inv.record_audit_event(AppEvent {
                event_type: EventType::LoginFailed,
                target: Target::new("users", "admin"),
                status: Status::Failed,
                detail: json!({ "ip": "203.0.113.7" }),
            })
            .await
            .unwrap();
        }
        let refused = inv
            .record_audit_event(AppEvent {
                event_type: EventType::StockMovement,
                target: Target::none(),
                status: Status::Success,
                detail: json!({}),
            })
            .await
            .unwrap_err();
        assert!(matches!(refused, Error::Audit(AuditError::InvalidEvent(_))));

        let now = Utc::now() + TimeDelta::seconds(1);
        let from = now - TimeDelta::hours(1);
        let config = DetectorConfig::default();
        let detection = s.inv.detect_anomalies(from, now, &config).await.unwrap();
        assert!(detection.failures.is_empty());
        assert!(detection
            .anomalies
            .iter()
            .any(|a| a.detector.as_str() == "brute_force" && a.count == 6));

        let report = s.inv.audit_report(from, now, &config).await.unwrap();
        let html = report.to_html();
        assert!(!html.contains(attacker));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let parsed: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(parsed["total_events"], json!(6));
    }
}

backend_tests! {
    #[tokio::test]
    async fn an_old_checkpoint_does_not_excuse_a_prefix_removed_by_hand() {
        let s = TestStore::new().await;
        location(&s.inv, "L1").await;
        let early = s.inv.audit_checkpoint().await.unwrap();
        for code in ["L2", "L3", "L4", "L5", "L6"] {
            location(&s.inv, code).await;
        }
        tamper(
            &s,
            &[
                "INSERT INTO audit_anchor (tenant_id, seq, hash, purged_at) \
                 SELECT tenant_id, seq, hash, 0 FROM audit_events WHERE seq = 4",
                "DELETE FROM audit_events WHERE seq <= 4",
            ],
        )
        .await;
        let report = s.inv.verify_audit(Some(&early)).await.unwrap();
        let problem = report.problem.expect("the anchor is not vouched for");
        assert_eq!((problem.seq, problem.kind), (1, TamperKind::Deleted));
    }
}

backend_tests! {
    #[tokio::test]
    async fn bad_audit_input_is_refused_with_a_typed_error_and_writes_nothing() {
        let s = TestStore::new().await;
        location(&s.inv, "LOCAL").await;
        let before = snapshot(&s).await;

        let long_reason = "x".repeat(501);
        for (table, reason) in [
            ("locations", "   "),
            ("", "juicio"),
            ("locations", long_reason.as_str()),
        ] {
            let err = s
                .inv
                .place_legal_hold(Target::new(table, "1"), reason)
                .await
                .unwrap_err();
            assert!(
                matches!(err.rule(), Some(RuleError::InvalidText { .. })),
                "{err}"
            );
        }
        let err = s.inv.lift_legal_hold(404).await.unwrap_err();
        assert!(
            matches!(err, Error::Audit(AuditError::LegalHoldNotFound(404))),
            "{err}"
        );

        let event = |detail: serde_json::Value, target: Target| AppEvent {
            event_type: EventType::DataExport,
            target,
            status: Status::Success,
            detail,
        };
        for bad in [
            event(json!(["not", "an", "object"]), Target::none()),
            event(json!({ "blob": "x".repeat(17 * 1024) }), Target::none()),
            event(json!({}), Target::new("t".repeat(101), "")),
            AppEvent {
                event_type: EventType::RetentionPurge,
                ..event(json!({}), Target::none())
            },
        ] {
            let err = s.inv.record_audit_event(bad).await.unwrap_err();
            assert!(
                matches!(err, Error::Audit(AuditError::InvalidEvent(_))),
                "{err}"
            );
        }
        assert_eq!(snapshot(&s).await, before);
        assert!(s.inv.legal_holds().await.unwrap().is_empty());
    }
}
