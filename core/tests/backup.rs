//! Encrypted backups, verified restores and the recovery drill, on real SQLite files: round
//! trips through key rotations, backups under concurrent writers, wrong and rotated master
//! keys, damaged, truncated, reordered and unfinished files, restores over existing stores,
//! and any single-byte flip.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};

use common::*;
use inventario_core::audit::{AppEvent, EventType, Status, Target};
use inventario_core::backup::{
    drill, inspect, restore, verify_backup, BackupError, BackupKdf, BackupOptions, DrillOptions,
    FieldCheck, Phase, RestoreOptions, RestoreTarget, MIN_CHUNK_SIZE,
};
use inventario_core::crypto::{CryptoError, KdfParams, MasterKey, MasterSecret, GLOBAL_SCOPE};
use inventario_core::domain::values::Dni;
use inventario_core::domain::{
    Customer, CustomerIdentity, CustomerKind, IdentityDocument, PriceList, SupplierContact,
};
use inventario_core::{
    Error, Inventory, MovementRequest, NewCustomer, NewSupplier, OpenOptions, SubjectKind,
};
use serde_json::json;

fn secret(key: &MasterKey) -> MasterSecret {
    MasterKey::from_hex(&key.to_hex()).unwrap().into()
}

fn url_of(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn customer(code: &str, names: &str, dni: &str) -> NewCustomer {
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
            surname: Some("Quiroga".to_owned()),
            document: Some(IdentityDocument::Dni(Dni::parse(dni).unwrap())),
            phone: Some("+54 9 261 555-0199".to_owned()),
            email: Some(format!("{code}@example.com")),
            address: Some("Av. San Martín 1234, Mendoza".to_owned()),
        },
    }
}

fn backup_error(e: Error) -> BackupError {
    match e {
        Error::Backup(e) => e,
        other => panic!("expected a backup error, got {other:?}"),
    }
}

/// A store file with stock, customers with personal data (one of them erased), a supplier's
/// contact, a rotated global data key (re-encrypted), application audit events, and the
/// master key rotated from `first` to `second`. Returns the open handle.
async fn populated(path: &Path, first: &MasterKey, second: &MasterKey) -> Inventory {
    let inv = Inventory::open(&url_of(path), secret(first), "tester")
        .await
        .unwrap();
    let shop = location(&inv, "LOCAL").await;
    let p = p10(&inv, "P10", shop.id).await;
    inv.record(MovementRequest::receipt(
        p.id,
        shop.id,
        q("24"),
        cost("2900.00"),
    ))
    .await
    .unwrap();
    inv.record(MovementRequest::sale(p.id, shop.id, q("3")))
        .await
        .unwrap();
    let kept = inv
        .create_customer(customer("C001", "Mariela Soledad", "29876543"))
        .await
        .unwrap();
    let erased = inv
        .create_customer(customer("C002", "Juan Pablo", "30123456"))
        .await
        .unwrap();
    inv.erase_subject(SubjectKind::Customer, erased.id.0)
        .await
        .unwrap();
    let mut supplier = NewSupplier::new("CUYO", "Distribuidora Cuyo SA");
    supplier.contact = Some(SupplierContact {
        cuit: None,
        phone: Some("+54 261 444-0000".to_owned()),
        email: Some("ventas@cuyo.example".to_owned()),
        address: None,
    });
    inv.create_supplier(supplier).await.unwrap();
    inv.record_audit_event(AppEvent {
        event_type: EventType::LoginFailed,
        target: Target::new("users", "admin"),
        status: Status::Failed,
        detail: json!({ "ip": "203.0.113.7" }),
    })
    .await
    .unwrap();
    let keyring = inv.keyring();
    keyring.rotate_data_key(GLOBAL_SCOPE).await.unwrap();
    keyring.reencrypt(10, |_| {}).await.unwrap();
    keyring.rotate_master_key(secret(second)).await.unwrap();
    inv.close().await;
    let inv = Inventory::open(&url_of(path), secret(second), "tester")
        .await
        .unwrap();
    assert_eq!(
        inv.customer_identity(kept.id).await.unwrap().unwrap().names,
        "Mariela Soledad"
    );
    inv
}

/// A small store (stock, a customer, a few audit records) and its backup in 4 KiB chunks.
async fn small_backup(dir: &Path, key: &MasterKey) -> (PathBuf, Inventory) {
    let inv = Inventory::open(&url_of(&dir.join("small.db")), secret(key), "tester")
        .await
        .unwrap();
    let shop = location(&inv, "LOCAL").await;
    let p = p10(&inv, "P10", shop.id).await;
    inv.record(MovementRequest::sale(p.id, shop.id, q("2")))
        .await
        .unwrap();
    inv.create_customer(customer("C001", "Mariela", "29876543"))
        .await
        .unwrap();
    let path = dir.join("small.ibk");
    let options = BackupOptions::default().chunk_size(MIN_CHUNK_SIZE).unwrap();
    let info = inv.backup_with(&path, &options).await.unwrap();
    assert!(info.header.chunk_count() > 4, "{:?}", info.header);
    (path, inv)
}

fn chunk_offset(backup: &Path, index: u64) -> (usize, usize) {
    let header = inspect(backup).unwrap();
    let sealed = u64::from(header.chunk_size) + 16;
    (
        usize::try_from(header.header_len() + index * sealed).unwrap(),
        usize::try_from(sealed).unwrap(),
    )
}

#[tokio::test]
async fn a_backup_round_trips_through_rotated_keys_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (MasterKey::generate(), MasterKey::generate());
    let inv = populated(&dir.path().join("store.db"), &first, &second).await;
    let stock = inv.stock(None, None).await.unwrap();
    let head = inv.verify_audit(None).await.unwrap().to_seq;

    let backup = dir.path().join("store.ibk");
    let info = inv.backup(&backup).await.unwrap();
    assert_eq!(info.file_len, std::fs::metadata(&backup).unwrap().len());
    assert_eq!(info.header.mk_version, 2);
    assert_eq!(info.header.tenant, "default");
    assert_eq!(info.header.audit_head_seq, head);
    assert!(info.header.audit_head_at.is_some());
    assert!(!dir.path().join("store.ibk.partial").exists());
    // Nothing but the store and the backup is left: the plaintext snapshot is gone.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("store.db"))
        .collect();
    names.sort();
    assert_eq!(names, ["store.ibk"]);
    // The master key is nowhere in the file.
    let bytes = std::fs::read(&backup).unwrap();
    for key in [&first, &second] {
        let raw = hex::decode(key.to_hex().as_str()).unwrap();
        assert!(!bytes.windows(32).any(|w| w == raw.as_slice()));
    }
    assert_eq!(inspect(&backup).unwrap(), info.header);
    assert_eq!(
        verify_backup(&backup, &secret(&second)).await.unwrap(),
        info.header
    );

    let restored = dir.path().join("restored.db");
    let report = restore(
        &backup,
        restored.as_path(),
        secret(&second),
        RestoreOptions::default(),
    )
    .await
    .unwrap();
    let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "backup_authenticated",
            "sqlite_integrity",
            "store_identity",
            "keyring",
            "audit_chain",
            "ledger",
            "encrypted_fields"
        ]
    );
    assert!(
        report.checks.iter().all(|c| c.passed),
        "{:?}",
        report.checks
    );
    assert!(!report.replaced);
    assert!(report.fields_checked >= 10, "{report:?}");
    assert_eq!(
        report.fields_shredded, 6,
        "the erased customer's six fields"
    );
    let json = report.to_json();
    assert_eq!(json["header"]["recovery_point"]["audit_seq"], json!(head));
    // One self-contained file: no WAL left behind, no temporary file.
    let restored_files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restore"))
        .collect();
    assert_eq!(restored_files, ["restored.db"]);

    let back = Inventory::open(&url_of(&restored), secret(&second), "tester")
        .await
        .unwrap();
    assert_eq!(back.stock(None, None).await.unwrap(), stock);
    assert!(back.verify_ledger(None).await.unwrap().is_consistent());
    let audit = back.verify_audit(None).await.unwrap();
    assert!(audit.is_intact() && audit.to_seq == head, "{audit:?}");
    let found = back
        .find_customer_by_document(&IdentityDocument::Dni(Dni::parse("29876543").unwrap()))
        .await
        .unwrap();
    let identity = back.customer_identity(found[0].id).await.unwrap().unwrap();
    assert_eq!(identity.names, "Mariela Soledad");
    let supplier = back.supplier_by_code("CUYO").await.unwrap().unwrap();
    let contact = back.supplier_contact(supplier.id).await.unwrap().unwrap();
    assert_eq!(contact.email.as_deref(), Some("ventas@cuyo.example"));
    assert_eq!(back.keyring().mk_version(), 2);
    // The old master key opens neither the restored store nor the backup.
    let old = Inventory::open(&url_of(&restored), secret(&first), "tester").await;
    assert_eq!(
        old.unwrap_err().crypto(),
        Some(&CryptoError::WrongMasterKey)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writers_write_restores_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate();
    let path = dir.path().join("busy.db");
    let inv = Inventory::open(&url_of(&path), secret(&key), "tester")
        .await
        .unwrap();
    let shop = location(&inv, "LOCAL").await;
    let p = p10(&inv, "P10", shop.id).await;
    let writer = {
        let inv = inv.clone();
        tokio::spawn(async move {
            for i in 0..400 {
                let request = if i % 2 == 0 {
                    MovementRequest::receipt(p.id, shop.id, q("3"), cost("101.00"))
                } else {
                    MovementRequest::sale(p.id, shop.id, q("2"))
                };
                inv.record(request).await.unwrap();
            }
        })
    };
    let mut backups = Vec::new();
    for n in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let backup = dir.path().join(format!("busy-{n}.ibk"));
        backups.push(inv.backup(&backup).await.unwrap());
    }
    writer.await.unwrap();
    let seqs: Vec<u64> = backups.iter().map(|b| b.header.audit_head_seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] <= w[1]), "{seqs:?}");
    for (n, info) in backups.iter().enumerate() {
        let restored = dir.path().join(format!("restored-{n}.db"));
        let report = restore(
            &info.path,
            restored.as_path(),
            secret(&key),
            RestoreOptions::default(),
        )
        .await
        .unwrap();
        assert!(report.checks.iter().all(|c| c.passed));
        let back = Inventory::open(&url_of(&restored), secret(&key), "tester")
            .await
            .unwrap();
        let ledger = back.verify_ledger(None).await.unwrap();
        assert!(ledger.is_consistent(), "{ledger:?}");
        let audit = back.verify_audit(None).await.unwrap();
        assert_eq!(audit.to_seq, info.header.audit_head_seq);
        back.close().await;
    }
}

#[tokio::test]
async fn a_wrong_master_key_is_refused_naming_the_version_needed() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate();
    let (backup, _inv) = small_backup(dir.path(), &key).await;
    let dest = dir.path().join("restored.db");
    let err = restore(
        &backup,
        dest.as_path(),
        MasterKey::generate().into(),
        RestoreOptions::default(),
    )
    .await
    .unwrap_err();
    let err = backup_error(err);
    assert!(
        matches!(&err, BackupError::WrongMasterKey { mk_version: 1, tenant, .. } if tenant == "default"),
        "{err:?}"
    );
    assert!(err.to_string().contains("master-key version 1"), "{err}");
    assert!(!dest.exists());
    // A passphrase for a backup made under a hex key can only be the wrong key too.
    let pass = MasterSecret::parse("mate amargo en la trastienda").unwrap();
    let err = verify_backup(&backup, &pass).await.unwrap_err();
    assert_eq!(backup_error(err).kind(), "WrongMasterKey");
}

#[tokio::test]
async fn a_backup_from_before_a_master_key_rotation_needs_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (MasterKey::generate(), MasterKey::generate());
    let path = dir.path().join("store.db");
    let inv = Inventory::open(&url_of(&path), secret(&old), "tester")
        .await
        .unwrap();
    let shop = location(&inv, "LOCAL").await;
    p10(&inv, "P10", shop.id).await;
    let before = dir.path().join("before.ibk");
    inv.backup(&before).await.unwrap();
    inv.keyring().rotate_master_key(secret(&new)).await.unwrap();
    inv.close().await;

    let dest = dir.path().join("restored.db");
    let err = backup_error(
        restore(
            &before,
            dest.as_path(),
            secret(&new),
            RestoreOptions::default(),
        )
        .await
        .unwrap_err(),
    );
    assert!(
        matches!(err, BackupError::WrongMasterKey { mk_version: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("master-key version 1"));
    assert!(!dest.exists());

    let report = restore(
        &before,
        dest.as_path(),
        secret(&old),
        RestoreOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(report.header.mk_version, 1);
    let back = Inventory::open(&url_of(&dest), secret(&old), "tester")
        .await
        .unwrap();
    assert_eq!(back.keyring().mk_version(), 1);

    // And a backup after the rotation opens only with the new key.
    let inv = Inventory::open(&url_of(&path), secret(&new), "tester")
        .await
        .unwrap();
    let after = dir.path().join("after.ibk");
    inv.backup(&after).await.unwrap();
    let err = backup_error(verify_backup(&after, &secret(&old)).await.unwrap_err());
    assert!(matches!(
        err,
        BackupError::WrongMasterKey { mk_version: 2, .. }
    ));
    verify_backup(&after, &secret(&new)).await.unwrap();
}

async fn restore_fails(backup: &Path, key: &MasterKey) -> BackupError {
    let dest = backup.with_extension("restored.db");
    let err = restore(
        backup,
        dest.as_path(),
        secret(key),
        RestoreOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(!dest.exists(), "a failed restore left {}", dest.display());
    let parent = dest.parent().unwrap();
    for entry in std::fs::read_dir(parent).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.contains(".restore-"),
            "a temporary file was left: {name}"
        );
    }
    backup_error(err)
}

#[tokio::test]
async fn a_damaged_chunk_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate();
    let (backup, _inv) = small_backup(dir.path(), &key).await;
    let chunks = inspect(&backup).unwrap().chunk_count();
    let middle = chunks / 2;
    let (offset, len) = chunk_offset(&backup, middle);
    let mut bytes = std::fs::read(&backup).unwrap();
    bytes[offset + len / 2] ^= 0x01;
    let damaged = dir.path().join("damaged.ibk");
    std::fs::write(&damaged, &bytes).unwrap();
    let err = restore_fails(&damaged, &key).await;
    assert!(
        matches!(err, BackupError::ChunkTampered { chunk } if chunk == middle),
        "{err:?}"
    );
    assert!(err.to_string().contains(&format!("chunk {middle}")));
    // The header is checked before anything else.
    let mut bytes = std::fs::read(&backup).unwrap();
    bytes[40] ^= 0x01;
    std::fs::write(&damaged, &bytes).unwrap();
    assert!(matches!(
        restore_fails(&damaged, &key).await,
        BackupError::HeaderDamaged
    ));
}

#[tokio::test]
async fn truncated_and_extended_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate();
    let (backup, _inv) = small_backup(dir.path(), &key).await;
    let bytes = std::fs::read(&backup).unwrap();
    let header_len = usize::try_from(inspect(&backup).unwrap().header_len()).unwrap();
    let (chunk_two, _) = chunk_offset(&backup, 2);
    let cut = dir.path().join("cut.ibk");
    for len in [
        bytes.len() - 1,
        bytes.len() - 17,
        chunk_two,
        chunk_two + 100,
        header_len,
    ] {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let err = restore_fails(&cut, &key).await;
        assert!(
            matches!(err, BackupError::Truncated { expected, actual }
                if expected == bytes.len() as u64 && actual == len as u64),
            "cut at {len}: {err:?}"
        );
    }
    std::fs::write(&cut, &bytes[..header_len - 1]).unwrap();
    assert_eq!(restore_fails(&cut, &key).await.kind(), "Truncated");
    std::fs::write(&cut, &bytes[..5]).unwrap();
    assert_eq!(restore_fails(&cut, &key).await.kind(), "NotABackup");
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 16]);
    std::fs::write(&cut, &longer).unwrap();
    assert_eq!(restore_fails(&cut, &key).await.kind(), "TrailingData");
    // Dropping the final chunk and changing the header's length to match is caught too: the
    // header no longer authenticates.
}

#[tokio::test]
async fn swapped_chunks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate();
    let (backup, inv) = small_backup(dir.path(), &key).await;
    let mut bytes = std::fs::read(&backup).unwrap();
    let (one, len) = chunk_offset(&backup, 1);
    let (two, _) = chunk_offset(&backup, 2);
    let chunk_one = bytes[one..one + len].to_vec();
    bytes.copy_within(two..two + len, one);
    bytes[two..two + len].copy_from_slice(&chunk_one);
    let swapped = dir.path().join("swapped.ibk");
    std::fs::write(&swapped, &bytes).unwrap();
    let err = restore_fails(&swapped, &key).await;
    assert!(
        matches!(err, BackupError::ChunkTampered { chunk: 1 }),
        "{err:?}"
    );

    // A chunk of another backup of the same store, under the same key, does not fit either.
    let other = dir.path().join("other.ibk");
    inv.backup_with(
        &other,
        &BackupOptions::default().chunk_size(MIN_CHUNK_SIZE).unwrap(),
    )
    .await
    .unwrap();
    let theirs = std::fs::read(&other).unwrap();
    let mut ours = std::fs::read(&backup).unwrap();
    ours[one..one + len].copy_from_slice(&theirs[one..one + len]);
    std::fs::write(&swapped, &ours).unwrap();
    assert!(matches!(
        restore_fails(&swapped, &key).await,
        BackupError::ChunkTampered { chunk: 1 }
    ));
}

#[tokio::test]
async fn a_partial_file_is_never_restorable() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate();
    let inv = Inventory::open(
        &url_of(&dir.path().join("store.db")),
        secret(&key),
        "tester",
    )
    .await
    .unwrap();
    let shop = location(&inv, "LOCAL").await;
    p10(&inv, "P10", shop.id).await;
    let dest = dir.path().join("killed.ibk");
    // The process "dies" right after the last chunk was sealed and the .partial synced,
    // before the rename: the latest moment at which a .partial exists.
    let options = BackupOptions::default()
        .chunk_size(MIN_CHUNK_SIZE)
        .unwrap()
        .progress(|p| {
            if p.phase == Phase::Encrypt && p.done == p.total {
                panic!("killed");
            }
        });
    let killed = {
        let (inv, dest) = (inv.clone(), dest.clone());
        tokio::spawn(async move { inv.backup_with(&dest, &options).await }).await
    };
    assert!(killed.unwrap_err().is_panic());
    let partial = dir.path().join("killed.ibk.partial");
    assert!(partial.exists() && !dest.exists());
    let header = inspect(&partial).unwrap();
    let last = header.payload_len - u64::from(header.chunk_size) * (header.chunk_count() - 1);
    assert_eq!(
        std::fs::metadata(&partial).unwrap().len(),
        header.file_len() - last - 16,
        "everything but the final chunk"
    );
    let err = restore_fails(&partial, &key).await;
    assert!(matches!(err, BackupError::Truncated { .. }), "{err:?}");
    // Renamed, it is still refused.
    let renamed = dir.path().join("renamed.ibk");
    std::fs::rename(&partial, &renamed).unwrap();
    assert!(matches!(
        restore_fails(&renamed, &key).await,
        BackupError::Truncated { .. }
    ));
    // A killed process leaves no plaintext snapshot behind.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".snapshot-"), "{name}");
    }
    // The next backup to the same name works.
    inv.backup(&dest).await.unwrap();
    verify_backup(&dest, &secret(&key)).await.unwrap();
    let err = backup_error(inv.backup(&dest).await.unwrap_err());
    assert_eq!(err.kind(), "DestinationExists");
}

#[tokio::test]
async fn restoring_over_an_existing_store_needs_overwrite_and_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::generate();
    let path = dir.path().join("store.db");
    let inv = Inventory::open(&url_of(&path), secret(&key), "tester")
        .await
        .unwrap();
    let shop = location(&inv, "LOCAL").await;
    let p = p10(&inv, "P10", shop.id).await;
    let backup = dir.path().join("store.ibk");
    inv.backup(&backup).await.unwrap();
    // Later changes, which the restore rolls back.
    inv.record(MovementRequest::sale(p.id, shop.id, q("4")))
        .await
        .unwrap();
    inv.close().await;
    let before = std::fs::read(&path).unwrap();

    let err = backup_error(
        restore(
            &backup,
            path.as_path(),
            secret(&key),
            RestoreOptions::default(),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(err.kind(), "DestinationExists");
    assert_eq!(std::fs::read(&path).unwrap(), before, "untouched");

    let report = restore(
        &backup,
        path.as_path(),
        secret(&key),
        RestoreOptions::default()
            .overwrite(true)
            .verify_fields(FieldCheck::Sample(5)),
    )
    .await
    .unwrap();
    assert!(report.replaced);
    let back = Inventory::open(&url_of(&path), secret(&key), "tester")
        .await
        .unwrap();
    assert_eq!(on_hand(&back, p.id, shop.id).await, q("10"));
    back.close().await;

    // Another store is never replaced, not even with overwrite.
    let other = dir.path().join("other.db");
    let inv = Inventory::open(&url_of(&other), secret(&key), "tester")
        .await
        .unwrap();
    location(&inv, "OTRO").await;
    inv.close().await;
    let err = backup_error(
        restore(
            &backup,
            other.as_path(),
            secret(&key),
            RestoreOptions::default().overwrite(true),
        )
        .await
        .unwrap_err(),
    );
    assert!(matches!(err, BackupError::ForeignStore { .. }), "{err:?}");
    // Nor a file that is not a store.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some text").unwrap();
    let err = backup_error(
        restore(
            &backup,
            junk.as_path(),
            secret(&key),
            RestoreOptions::default().overwrite(true),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(err.kind(), "DestinationNotAStore");
    assert_eq!(
        std::fs::read(&junk).unwrap(),
        b"not a database at all, just some text"
    );
}

#[tokio::test]
async fn the_drill_restores_a_copy_and_reports_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (MasterKey::generate(), MasterKey::generate());
    let path = dir.path().join("store.db");
    let inv = populated(&path, &first, &second).await;
    let head = inv.verify_audit(None).await.unwrap().to_seq;
    let work = dir.path().join("drill");

    let report = inv.drill(&work, secret(&second)).await.unwrap();
    assert!(report.passed(), "{}", report.to_markdown());
    let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
    for name in [
        "master_key",
        "backup",
        "copy_destroyed",
        "backup_authenticated",
        "sqlite_integrity",
        "store_identity",
        "keyring",
        "audit_chain",
        "ledger",
        "encrypted_fields",
        "restore",
        "row_counts",
        "recovery_point",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert_eq!(report.recovery_point_seq, Some(head));
    assert!(report.recovery_point_at.is_some());
    assert!(report.recovery_time.is_some() && report.backup_bytes.unwrap() > 0);
    assert_eq!(report.store_id.len(), 32);
    let json = report.to_json();
    assert_eq!(json["passed"], json!(true));
    assert_eq!(json["recovery_point"]["audit_seq"], json!(head));
    let markdown = report.to_markdown();
    assert!(
        markdown.starts_with("# Recovery drill: PASSED"),
        "{markdown}"
    );
    assert!(markdown.contains("| `row_counts` | pass |"));
    // The drill cleaned up after itself and did not touch the store.
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0);
    assert_eq!(inv.verify_audit(None).await.unwrap().to_seq, head);

    // The free function on the store file, keeping its files; a wrong (e.g. stale escrowed)
    // master key is a failed check, not an error.
    inv.close().await;
    let report = drill(
        &path,
        secret(&second),
        DrillOptions::new(&work)
            .keep_files(true)
            .verify_fields(FieldCheck::Sample(3)),
    )
    .await
    .unwrap();
    assert!(report.passed(), "{}", report.to_markdown());
    assert!(report.backup_path.exists());
    let stale = drill(&path, secret(&first), DrillOptions::new(&work))
        .await
        .unwrap();
    assert!(!stale.passed());
    assert_eq!(stale.checks[0].name, "master_key");
    assert!(stale.to_markdown().contains("FAILED"));
}

#[tokio::test]
async fn a_passphrase_store_backs_up_and_restores_with_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let passphrase = "mate amargo en la trastienda";
    let options = OpenOptions::new("tester")
        .unwrap()
        .kdf(KdfParams::insecure_for_tests(1_000));
    let memory = Inventory::open_with(
        "sqlite::memory:",
        MasterSecret::parse(passphrase).unwrap(),
        options.clone(),
    )
    .await
    .unwrap();
    let err = backup_error(
        memory
            .backup(&dir.path().join("memory.ibk"))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.kind(), "Unsupported");
    let inv = Inventory::open_with(
        &url_of(&dir.path().join("pass.db")),
        MasterSecret::parse(passphrase).unwrap(),
        options,
    )
    .await
    .unwrap();
    let shop = location(&inv, "LOCAL").await;
    p10(&inv, "P10", shop.id).await;
    let backup = dir.path().join("memory.ibk");
    let info = inv.backup(&backup).await.unwrap();
    assert!(matches!(
        info.header.kdf,
        BackupKdf::Pbkdf2 {
            iterations: 1_000,
            ..
        }
    ));
    let err = backup_error(
        verify_backup(&backup, &MasterKey::generate().into())
            .await
            .unwrap_err(),
    );
    assert_eq!(err.kind(), "WrongMasterKey");
    let dest = dir.path().join("restored.db");
    let report = restore(
        &backup,
        RestoreTarget::from_url(&url_of(&dest)).unwrap(),
        MasterSecret::parse(passphrase).unwrap(),
        RestoreOptions::default(),
    )
    .await
    .unwrap();
    assert!(report.checks.iter().all(|c| c.passed));
    let back = Inventory::open_with(
        &url_of(&dest),
        MasterSecret::parse(passphrase).unwrap(),
        OpenOptions::new("tester").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(back.stock(None, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn postgres_targets_are_unsupported_with_a_pointer_to_the_docs() {
    let err = RestoreTarget::from_url("postgres://postgres@127.0.0.1/test").unwrap_err();
    assert_eq!(err.kind(), "Unsupported");
    assert!(err.to_string().contains("OPERATIONS.md"));
    assert_eq!(
        RestoreTarget::from_url("sqlite://dir/a%3Fb.db?mode=rwc").unwrap(),
        RestoreTarget::SqliteFile(PathBuf::from("dir/a?b.db"))
    );
    let err = inspect(Path::new("/definitely/not/here.ibk")).unwrap_err();
    assert_eq!(err.kind(), "Io");
}

mod flips {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    struct Fixture {
        _dir: tempfile::TempDir,
        bytes: Vec<u8>,
        key_hex: String,
        work: PathBuf,
    }

    fn runtime() -> &'static tokio::runtime::Runtime {
        static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RT.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap()
        })
    }

    fn fixture() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            runtime().block_on(async {
                let dir = tempfile::tempdir().unwrap();
                let key = MasterKey::generate();
                let (backup, inv) = small_backup(dir.path(), &key).await;
                inv.close().await;
                let bytes = std::fs::read(&backup).unwrap();
                let work = dir.path().join("flips");
                std::fs::create_dir(&work).unwrap();
                Fixture {
                    key_hex: key.to_hex().to_string(),
                    bytes,
                    work,
                    _dir: dir,
                }
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn any_single_byte_flip_makes_restore_fail(position in any::<prop::sample::Index>(), mask in 1u8..=255) {
            let f = fixture();
            let mut bytes = f.bytes.clone();
            let at = position.index(bytes.len());
            bytes[at] ^= mask;
            let backup = f.work.join(format!("flip-{at}-{mask}.ibk"));
            std::fs::write(&backup, &bytes).unwrap();
            let dest = f.work.join(format!("flip-{at}-{mask}.db"));
            let key: MasterSecret = MasterKey::from_hex(&f.key_hex).unwrap().into();
            let outcome = runtime().block_on(restore(&backup, dest.as_path(), key, RestoreOptions::default()));
            std::fs::remove_file(&backup).unwrap();
            prop_assert!(outcome.is_err(), "a flip at byte {} of {} restored", at, bytes.len());
            prop_assert!(!dest.exists());
        }
    }

    #[test]
    fn the_unflipped_fixture_restores() {
        let f = fixture();
        let backup = f.work.join("intact.ibk");
        std::fs::write(&backup, &f.bytes).unwrap();
        let dest = f.work.join("intact.db");
        let key: MasterSecret = MasterKey::from_hex(&f.key_hex).unwrap().into();
        let report = runtime()
            .block_on(restore(
                &backup,
                dest.as_path(),
                key,
                RestoreOptions::default(),
            ))
            .unwrap();
        assert!(report.checks.iter().all(|c| c.passed));
    }
}

/// The bindings and the CLI run these on multi-threaded runtimes: their futures must be `Send`.
#[test]
fn the_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let path = Path::new("unused");
    let key = || -> MasterSecret { MasterKey::generate().into() };
    assert_send(&restore(path, path, key(), RestoreOptions::default()));
    assert_send(&drill(path, key(), DrillOptions::new(path)));
    let secret = key();
    assert_send(&verify_backup(path, &secret));
    #[allow(unused)]
    async fn on_handle(inv: Inventory) {
        fn assert_send<T: Send>(_: &T) {}
        let path = Path::new("unused");
        assert_send(&inv.backup(path));
        assert_send(&inv.drill(path, MasterKey::generate().into()));
    }
}
