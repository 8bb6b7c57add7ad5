//! A stock movement (ledger row, balance and audit record in one transaction) next to a bare
//! one-row INSERT transaction on the same database: what our rules cost over the store's
//! physical minimum. Then a batch of 10,000 movements in one transaction.

use std::time::Instant;

use inventario_benches::bare::BareTable;
use inventario_benches::store::{Backend, Shop};
use inventario_benches::timing::median;
use inventario_benches::BoxError;

use crate::report::{Bound, Report};
use crate::Settings;

/// Movements in one batch.
const BATCH: usize = 10_000;

pub(crate) async fn run(settings: &Settings, report: &mut Report) -> Result<(), BoxError> {
    for backend in settings.backends() {
        eprintln!("stock movements: {backend}");
        let shop = Shop::new(&backend, 8, 2).await?;
        let mut bare = BareTable::create(shop.url()).await?;
        let (rounds, per_round) = if settings.quick { (2, 20) } else { (7, 500) };
        let mut movement = Vec::new();
        let mut insert = Vec::new();
        // Alternate the two in rounds, so drift of the machine weighs on both alike.
        for round in 0..rounds {
            let started = Instant::now();
            for n in 0..per_round {
                shop.inv.record(shop.sale(round * per_round + n)).await?;
            }
            movement.push(started.elapsed().as_secs_f64() / per_round as f64);
            let started = Instant::now();
            for _ in 0..per_round {
                bare.insert_one().await?;
            }
            insert.push(started.elapsed().as_secs_f64() / per_round as f64);
        }
        bare.drop_table().await?;
        let (movement, insert) = (median(&movement), median(&insert));
        let sqlite = backend == Backend::SqliteFile;
        report.comparison(
            &format!("stock movement, one per transaction ({backend})"),
            ("inventario Inventory::record (sale)", movement),
            ("bare one-row INSERT transaction, same database", insert),
            sqlite.then_some(3.0),
            "ratio = what the ledger, balance and audit rules cost over the store's minimum write",
        );
        let (single_target, batch_target) = if sqlite {
            (10_000.0, Some(100_000.0))
        } else {
            (1_500.0, None)
        };
        report.target(
            &format!("movements/s, one per transaction, 1 connection ({backend})"),
            1.0 / movement,
            "/s",
            Bound::AtLeast,
            Some(single_target),
        );

        let batches = if settings.quick { 1 } else { 3 };
        let size = if settings.quick { 100 } else { BATCH };
        let mut per_movement = Vec::new();
        for _ in 0..batches {
            let sales = shop.sales(size);
            let started = Instant::now();
            shop.inv.record_movements(&sales).await?;
            per_movement.push(started.elapsed().as_secs_f64() / size as f64);
        }
        let rate = 1.0 / median(&per_movement);
        report.target(
            &format!("movements/s, one batch of {size} ({backend})"),
            rate,
            "/s",
            Bound::AtLeast,
            batch_target,
        );
        shop.remove().await?;
    }
    Ok(())
}
