//! Backup and restore of a large SQLite store, next to a plain copy of the same file: the
//! figures of issue 11 (a store with 1,000,000 movements and 100,000 encrypted personal fields).
//!
//! ```sh
//! cargo run --release -p inventario-benches --bin backup_scale -- [MOVEMENTS] [FIELDS] [ROUNDS]
//! ```
//!
//! It builds the store (one-unit sales in batches of 10,000; customers with six encrypted
//! fields each), closes it so that the WAL is folded into the file, then alternates, `ROUNDS`
//! times (default 3): a plain `std::fs::copy` of the database file, `Inventory::backup`,
//! `backup::verify_backup` (the decryption alone), and
//! `backup::restore` with every encrypted field decrypted (`FieldCheck::Full`) and with a
//! sample of 100 per column. Prints medians as a Markdown table: seconds, MB/s of the database
//! file, and the ratio to the plain copy. The page cache is warm for all of them.

use std::path::Path;
use std::time::Instant;

use inventario_benches::store::{open, Backend, Shop};
use inventario_benches::timing::median;
use inventario_benches::BoxError;
use inventario_benches::BENCH_KEY_HEX;
use inventario_core::backup::{self, FieldCheck, RestoreOptions};
use inventario_core::crypto::MasterKey;
use inventario_core::domain::catalog::{
    Customer, CustomerIdentity, CustomerKind, IdentityDocument, PriceList,
};
use inventario_core::domain::values::{Dni, Money};
use inventario_core::NewCustomer;

/// Encrypted personal fields per customer: names, surname, document, phone, email, address.
const FIELDS_PER_CUSTOMER: usize = 6;
const SALE_BATCH: usize = 10_000;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let movements: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let fields: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let rounds: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);

    let built = Instant::now();
    let shop = Shop::new(&Backend::SqliteFile, 16, 4).await?;
    let mut done = 0;
    while done < movements {
        let batch = shop.sales(SALE_BATCH.min(movements - done));
        shop.inv.record_movements(&batch).await?;
        done += batch.len();
    }
    let customers = fields.div_ceil(FIELDS_PER_CUSTOMER);
    let tasks: Vec<_> = (0..4)
        .map(|task| {
            let inv = shop.inv.clone();
            tokio::spawn(async move {
                for n in (task..customers).step_by(4) {
                    inv.create_customer(customer(n)?).await?;
                }
                Ok::<_, BoxError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let dir = shop
        .scratch()
        .dir()
        .ok_or("a SQLite store has a directory")?
        .to_owned();
    let db = dir.join("bench.db");
    let url = shop.url().to_owned();
    shop.inv.close().await;
    let db_bytes = std::fs::metadata(&db)?.len();
    println!(
        "store: {movements} movements, {customers} customers ({} encrypted personal fields), \
         {:.1} MB, built in {:.0} s",
        customers * FIELDS_PER_CUSTOMER,
        mb(db_bytes),
        built.elapsed().as_secs_f64()
    );

    let inv = open(&url, 2).await?;
    let (mut copy, mut backup_s, mut verify, mut full, mut sample) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut backup_bytes = 0;
    let mut fields_checked = (0, 0);
    let mut checks = None;
    for round in 0..rounds {
        let copy_path = dir.join(format!("copy-{round}.db"));
        let started = Instant::now();
        std::fs::copy(&db, &copy_path)?;
        copy.push(started.elapsed().as_secs_f64());
        std::fs::remove_file(&copy_path)?;

        let backup_path = dir.join(format!("backup-{round}.ibk"));
        let started = Instant::now();
        let info = inv.backup(&backup_path).await?;
        backup_s.push(started.elapsed().as_secs_f64());
        backup_bytes = info.file_len;

        let started = Instant::now();
        backup::verify_backup(&backup_path, &master()?).await?;
        verify.push(started.elapsed().as_secs_f64());

        for (check, times, count) in [
            (FieldCheck::Full, &mut full, &mut fields_checked.0),
            (FieldCheck::Sample(100), &mut sample, &mut fields_checked.1),
        ] {
            let restored = dir.join(format!("restored-{round}.db"));
            let started = Instant::now();
            let report = backup::restore(
                &backup_path,
                restored.as_path(),
                master()?,
                RestoreOptions::default().verify_fields(check),
            )
            .await?;
            times.push(started.elapsed().as_secs_f64());
            *count = report.fields_checked;
            if round == 0 && matches!(check, FieldCheck::Full) {
                checks = Some(time_checks(&restored).await?);
            }
            remove_store(&restored)?;
        }
        std::fs::remove_file(&backup_path)?;
    }
    inv.close().await;

    let copy = median(&copy);
    println!();
    println!(
        "| {rounds} rounds, medians | seconds | MB/s of the {:.1} MB database | ÷ plain copy |",
        mb(db_bytes)
    );
    println!("|---|---:|---:|---:|");
    for (label, secs) in [
        ("plain file copy (`std::fs::copy`)".to_owned(), copy),
        (
            format!("`backup` ({:.1} MB file)", mb(backup_bytes)),
            median(&backup_s),
        ),
        (
            "`verify_backup` (authenticate and decrypt every chunk, write nothing)".to_owned(),
            median(&verify),
        ),
        (
            format!("`restore`, every field decrypted ({})", fields_checked.0),
            median(&full),
        ),
        (
            format!("`restore`, 100 fields a column ({})", fields_checked.1),
            median(&sample),
        ),
    ] {
        println!(
            "| {label} | {secs:.3} | {:.0} | {:.1} |",
            mb(db_bytes) / secs,
            secs / copy
        );
    }
    println!(
        "\nbackup size ÷ database size: {:.4}",
        backup_bytes as f64 / db_bytes as f64
    );
    if let Some((integrity, audit, ledger)) = checks {
        println!(
            "checks a restore runs, timed alone on the restored store (first round): \
             PRAGMA integrity_check {integrity:.3} s, verify_audit {audit:.3} s, \
             verify_ledger {ledger:.3} s"
        );
    }
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn master() -> Result<inventario_core::crypto::MasterSecret, BoxError> {
    Ok(MasterKey::from_hex(BENCH_KEY_HEX)?.into())
}

fn remove_store(path: &Path) -> Result<(), BoxError> {
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        if Path::new(&file).exists() {
            std::fs::remove_file(file)?;
        }
    }
    Ok(())
}

/// Customer `n`, with every personal field set.
fn customer(n: usize) -> Result<NewCustomer, BoxError> {
    Ok(NewCustomer {
        customer: Customer {
            code: format!("C{n}"),
            kind: CustomerKind::Persona,
            price_list: PriceList::General,
            credit_limit: Money::ZERO,
            discount_percent: Money::ZERO,
        },
        identity: CustomerIdentity {
            names: format!("Nombre {n}"),
            surname: Some(format!("Apellido {n}")),
            document: Some(IdentityDocument::Dni(Dni::parse(&format!(
                "{}",
                20_000_000 + n
            ))?)),
            phone: Some(format!("+54 11 {:04}-{:04}", n / 10_000, n % 10_000)),
            email: Some(format!("cliente{n}@correo.example")),
            address: Some(format!("Calle {n} 123, CABA")),
        },
    })
}

/// Seconds of SQLite's integrity check, `verify_audit` and `verify_ledger` on a restored store.
async fn time_checks(path: &Path) -> Result<(f64, f64, f64), BoxError> {
    let url = format!("sqlite://{}", path.display());
    let inv = open(&url, 2).await?;
    let pool = sqlx::SqlitePool::connect(&url).await?;
    let started = Instant::now();
    let _: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await?;
    let integrity = started.elapsed().as_secs_f64();
    pool.close().await;
    let started = Instant::now();
    inv.verify_audit(None).await?;
    let audit = started.elapsed().as_secs_f64();
    let started = Instant::now();
    inv.verify_ledger(None).await?;
    let ledger = started.elapsed().as_secs_f64();
    inv.close().await;
    Ok((integrity, audit, ledger))
}
