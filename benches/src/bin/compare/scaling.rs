//! How cost grows with the number of fields, movements and audit events: each measured at three
//! sizes 10× apart, with the log-log slope (1 = in proportion).

use std::time::Instant;

use inventario_benches::chain;
use inventario_benches::store::{Backend, Shop};
use inventario_benches::timing::{median, per_call, Rounds};
use inventario_benches::{BoxError, BENCH_KEY_HEX};
use inventario_core::crypto::{FieldContext, FieldValue, MasterKey};
use inventario_core::Keyring;

use crate::report::{Bound, Report};
use crate::Settings;

pub(crate) async fn run(settings: &Settings, report: &mut Report) -> Result<(), BoxError> {
    let sizes: [u64; 3] = if settings.quick {
        [10, 100, 1_000]
    } else {
        [1_000, 10_000, 100_000]
    };
    eprintln!("scaling: {sizes:?}");
    decrypt_many(settings, report, sizes).await?;
    for backend in settings.backends() {
        batches(settings, report, &backend, sizes).await?;
    }
    stored_fields_and_events(settings, report, sizes).await?;
    in_memory_chain(settings, report, sizes.map(|n| n * 10));
    Ok(())
}

/// `FieldCipher::decrypt_many` over `n` fields of 64 bytes, in memory.
async fn decrypt_many(
    settings: &Settings,
    report: &mut Report,
    sizes: [u64; 3],
) -> Result<(), BoxError> {
    let keyring = Keyring::open(
        "sqlite::memory:",
        MasterKey::from_hex(BENCH_KEY_HEX)?.into(),
    )
    .await?;
    let cipher = keyring.field_cipher();
    let mut points = Vec::new();
    for n in sizes.map(|n| n / 10) {
        let rows: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        let contexts = rows
            .iter()
            .map(|row| FieldContext::new("customers", "notes", row))
            .collect::<Result<Vec<_>, _>>()?;
        let value = FieldValue::from("x".repeat(64));
        let envelopes = cipher.encrypt_many(contexts.iter().map(|ctx| (&value, *ctx)))?;
        let seconds = per_call(settings.rounds, || {
            cipher.decrypt_many(
                envelopes
                    .iter()
                    .map(Vec::as_slice)
                    .zip(contexts.iter().copied()),
            )
        });
        points.push((n, seconds));
    }
    report.scaling(
        "FieldCipher::decrypt_many, 64 B fields in memory",
        "fields",
        &points,
    );
    keyring.close().await;
    Ok(())
}

/// `record_movements` of `n` sales in one transaction, each size on a fresh store.
async fn batches(
    settings: &Settings,
    report: &mut Report,
    backend: &Backend,
    sizes: [u64; 3],
) -> Result<(), BoxError> {
    let mut points = Vec::new();
    for n in sizes.map(|n| n / 10) {
        let shop = Shop::new(backend, 8, 2).await?;
        let mut samples = Vec::new();
        for _ in 0..settings.rounds.rounds.min(3) {
            let sales = shop.sales(n as usize);
            let started = Instant::now();
            shop.inv.record_movements(&sales).await?;
            samples.push(started.elapsed().as_secs_f64());
        }
        points.push((n, median(&samples)));
        shop.remove().await?;
    }
    report.scaling(
        &format!("record_movements, one batch of n sales ({backend})"),
        "movements",
        &points,
    );
    Ok(())
}

/// `verify_audit` over a stored chain grown to each size (one sale per transaction, so one
/// audit record each), then the re-encryption job after a data-key rotation over stores of `n`
/// encrypted fields (receipts' unit costs). Both on a SQLite file.
async fn stored_fields_and_events(
    settings: &Settings,
    report: &mut Report,
    sizes: [u64; 3],
) -> Result<(), BoxError> {
    // A stored chain is written one transaction per record: half the sizes keeps the setup
    // under a minute at a thousand sales a second.
    let chain_sizes = sizes.map(|n| n / 2);
    let shop = Shop::new(&Backend::SqliteFile, 4, 4).await?;
    let mut verify = Vec::new();
    let mut written = 0;
    for n in chain_sizes {
        shop.sell_one_by_one((n - written) as usize).await?;
        written = n;
        let mut samples = Vec::new();
        let mut checked = 0;
        for _ in 0..settings.rounds.rounds.min(3) {
            let started = Instant::now();
            let audit = shop.inv.verify_audit(None).await?;
            samples.push(started.elapsed().as_secs_f64());
            if !audit.is_intact() {
                return Err("the stored chain does not verify".into());
            }
            checked = audit.checked;
        }
        verify.push((checked, median(&samples)));
    }
    shop.remove().await?;
    report.scaling(
        "verify_audit, stored chain (SQLite file)",
        "events",
        &verify,
    );
    if let Some(&(n, seconds)) = verify.last() {
        report.target(
            "audit events/s, verify_audit over a SQLite file",
            n as f64 / seconds,
            "/s",
            Bound::AtLeast,
            Some(500_000.0),
        );
    }

    let mut reencrypt = Vec::new();
    for n in sizes {
        // One product: its initial stock adds 3 encrypted fields to the `n` receipts.
        let shop = Shop::new(&Backend::SqliteFile, 1, 2).await?;
        shop.receive(n as usize).await?;
        let keyring = shop.inv.keyring();
        keyring.rotate_data_key("global").await?;
        let started = Instant::now();
        let reports = keyring.reencrypt(1_000, |_| {}).await?;
        let seconds = started.elapsed().as_secs_f64();
        let fields: u64 = reports.iter().map(|r| r.rows_done).sum();
        reencrypt.push((fields, seconds));
        shop.remove().await?;
    }
    report.scaling(
        "re-encryption job, 1,000 rows per transaction (SQLite file)",
        "fields",
        &reencrypt,
    );
    if let Some(&(n, seconds)) = reencrypt.last() {
        report.target(
            "fields/s, re-encryption job (SQLite file)",
            n as f64 / seconds,
            "/s",
            Bound::AtLeast,
            Some(50_000.0),
        );
    }
    Ok(())
}

/// `ChainVerifier` over in-memory chains of `n` records: the MAC work alone.
fn in_memory_chain(settings: &Settings, report: &mut Report, sizes: [u64; 3]) {
    let mut points = Vec::new();
    for n in sizes {
        let records = chain::in_memory_chain(n);
        let rounds = Rounds {
            rounds: settings.rounds.rounds.min(3),
            ..settings.rounds
        };
        let seconds = per_call(rounds, || chain::verify(&records));
        points.push((n, seconds));
    }
    report.scaling("ChainVerifier, in-memory chain", "events", &points);
    if let Some(&(n, seconds)) = points.last() {
        report.target(
            "audit events/s, ChainVerifier in memory",
            n as f64 / seconds,
            "/s",
            Bound::AtLeast,
            Some(500_000.0),
        );
    }
}
