//! Recording stock movements: one transaction per call, all lines or none.
//!
//! A call validates its requests, takes the write lock, settles idempotency keys, loads a
//! [`StockBook`] with exactly what the lines touch, lets the book apply them, and writes the
//! ledger rows, balances, average costs, reservations, price history and idempotency rows
//! before committing. Any refusal rolls everything back.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::json;

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::audit::ChainHead;
use super::catalog::price_value;
use super::codec::{self, corrupt, micros};
use super::fields::{MOVEMENT_UNIT_COST, PRICE_HISTORY_COST, PRODUCT_AVERAGE_COST};
use super::{Backend, Entry, Store, WriteLock};
use crate::audit::EventType;
use crate::domain::book::{Balance, HeldStock, LineError, LocationPolicy, ProductStock, StockBook};
use crate::domain::catalog::{PriceKind, PriceSource};
use crate::domain::values::{Quantity, UnitCost, UnitOfMeasure};
use crate::domain::{
    Actor, LocationId, LossReason, Movement, MovementDraft, MovementId, MovementKind,
    MovementRequest, ProductId, ReservationId, StockCommand,
};
use crate::error::{Error, Result};
use crate::metrics::{MovementKindLabel, OpResult};

pub(crate) type Tx = Transaction<'static, Any>;

/// The next of the ids drawn for a call's rows.
fn next(ids: &mut impl Iterator<Item = i64>) -> Result<i64> {
    ids.next()
        .ok_or_else(|| corrupt("fewer ids drawn than rows written"))
}

/// The audit record of a call's new ledger rows: one for the whole call, naming the row (or
/// the range of rows) it wrote; `None` when every line replayed an earlier call.
pub(crate) fn movements_entry(recorded: &[Recorded]) -> Option<Entry> {
    let fresh: Vec<&Movement> = recorded
        .iter()
        .filter(|r| !r.replayed)
        .flat_map(|r| &r.movements)
        .collect();
    let (first, last) = (fresh.first()?, fresh.last()?);
    if let [only] = fresh.as_slice() {
        return Some(
            Entry::new(EventType::StockMovement, "stock_movements", only.id.0).detail(json!({
                "kind": only.kind.code(),
                "product_id": only.product.0,
                "location_id": only.location.0,
                "quantity_milli": only.quantity.milli(),
            })),
        );
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for movement in &fresh {
        *kinds.entry(movement.kind.code()).or_default() += 1;
    }
    Some(
        Entry::new(
            EventType::StockMovement,
            "stock_movements",
            format!("{}..={}", first.id.0, last.id.0),
        )
        .detail(json!({ "movements": fresh.len(), "kinds": kinds })),
    )
}

/// The actor of a batch's audit record: the one every line names, if they agree, else the
/// handle's.
pub(crate) fn batch_actor<'a>(requests: &'a [MovementRequest], default: &'a Actor) -> &'a Actor {
    let mut actors = requests.iter().map(|r| r.actor.as_ref().unwrap_or(default));
    match actors.next() {
        Some(first) if actors.all(|a| a == first) => first,
        _ => default,
    }
}

/// The metrics label of a command that wrote nothing (it was refused).
fn command_label(command: &StockCommand) -> MovementKindLabel {
    match command {
        StockCommand::Receipt { .. } => MovementKindLabel::Receipt,
        StockCommand::Sale { .. } => MovementKindLabel::Sale,
        StockCommand::CustomerReturn { .. } | StockCommand::SupplierReturn { .. } => {
            MovementKindLabel::Return
        }
        StockCommand::Loss { .. } => MovementKindLabel::Loss,
        StockCommand::Adjustment { .. } => MovementKindLabel::Adjustment,
        StockCommand::Transfer { .. } => MovementKindLabel::Transfer,
    }
}

/// What one request wrote, or wrote the first time its idempotency key was used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The ledger rows (two for a transfer).
    pub movements: Vec<Movement>,
    /// True when an earlier request with the same key and payload had written them.
    pub replayed: bool,
}

/// What a ledger row records besides the rule's draft.
pub(crate) struct RowMeta<'a> {
    pub(crate) actor: &'a Actor,
    pub(crate) reference: Option<&'a str>,
    pub(crate) lot: Option<&'a str>,
    pub(crate) expiry: Option<String>,
    pub(crate) idempotency_key: Option<&'a str>,
    pub(crate) occurred_at: DateTime<Utc>,
    pub(crate) recorded_at: DateTime<Utc>,
}

/// How each line of a batch is settled before anything is applied.
enum Settled {
    /// Apply it.
    Fresh,
    /// An earlier call with the same key and payload already wrote these.
    Replayed(Vec<MovementId>),
    /// An earlier line of this batch has the same key and payload.
    SameAs(usize),
}

impl Store {
    /// Records a batch of movements; see the module docs.
    pub(crate) async fn record(
        &self,
        requests: &[MovementRequest],
        default_actor: &Actor,
    ) -> Result<Vec<Recorded>> {
        let started = Instant::now();
        let outcome = self
            .retrying(|| self.record_audited(requests, default_actor))
            .await;
        let seconds = started.elapsed().as_secs_f64();
        let metrics = self.metrics();
        match &outcome {
            Ok(recorded) => {
                for movement in recorded
                    .iter()
                    .filter(|r| !r.replayed)
                    .flat_map(|r| &r.movements)
                {
                    if movement.kind != MovementKind::TransferIn {
                        metrics.stock_movement(movement.kind.into(), OpResult::Ok, seconds);
                    }
                }
            }
            Err(error) => {
                let result = if error.rule().is_some() {
                    OpResult::Refused
                } else {
                    OpResult::Error
                };
                for request in requests {
                    metrics.stock_movement(command_label(&request.command), result, seconds);
                }
            }
        }
        outcome
    }

    async fn record_audited(
        &self,
        requests: &[MovementRequest],
        default_actor: &Actor,
    ) -> Result<Vec<Recorded>> {
        let products: Vec<ProductId> = requests.iter().map(|r| r.command.product()).collect();
        let mut tx = self.write_locking(WriteLock::Products(&products)).await?;
        let (recorded, head) = self
            .record_claiming(&mut tx, requests, default_actor, Utc::now())
            .await?;
        match (movements_entry(&recorded), head) {
            (Some(entry), Some(head)) => {
                let actor = batch_actor(requests, default_actor);
                self.commit_audited_after(tx, head, actor, entry).await?;
            }
            (Some(entry), None) => {
                let actor = batch_actor(requests, default_actor);
                self.commit_audited(tx, actor, entry).await?;
            }
            // Every line replayed an earlier call: nothing changed, nothing to record.
            (None, _) => tx.commit().await?,
        }
        Ok(recorded)
    }

    /// Records a batch inside the caller's write transaction; the caller commits.
    pub(crate) async fn record_in(
        &self,
        tx: &mut Tx,
        requests: &[MovementRequest],
        default_actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Recorded>> {
        Ok(self
            .record_claiming(tx, requests, default_actor, now)
            .await?
            .0)
    }

    /// [`Store::record_in`], also returning the chain head it read under the lock when it
    /// wrote anything (`Some(None)` for an empty chain; `None` when it wrote nothing): the
    /// caller's audit record can then be appended after it without reading it again.
    async fn record_claiming(
        &self,
        tx: &mut Tx,
        requests: &[MovementRequest],
        default_actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Recorded>, Option<Option<ChainHead>>)> {
        for (line, request) in requests.iter().enumerate() {
            request
                .validate()
                .map_err(|e| Error::from(e).at_line(line))?;
        }
        let settled = self.settle_keys(tx, requests).await?;
        let fresh: Vec<usize> = (0..requests.len())
            .filter(|&i| matches!(settled[i], Settled::Fresh))
            .collect();

        let commands: Vec<&StockCommand> = fresh.iter().map(|&i| &requests[i].command).collect();
        let mut book = self.load_book(tx, &commands, now).await?;
        let before = book.clone();
        let drafts = book
            .apply_all(commands.iter().copied())
            .map_err(|LineError { line, error }| Error::from(error).at_line(fresh[line]))?;

        let rows: usize = drafts.iter().map(Vec::len).sum();
        // Locks the chain head (ordering commits, see `order_commits`) and draws the ids, in
        // one round trip.
        let (mut ids, head) = if fresh.is_empty() {
            (Vec::new().into_iter(), None)
        } else {
            let claim = self.claim_ids(tx, "stock_movements", rows).await?;
            (claim.ids.into_iter(), Some(claim.head))
        };
        // Every ledger row first, in as few statements as the driver allows; then what refers
        // to them (price history rows name their movement), in the same order as before.
        let metas: Vec<RowMeta<'_>> = fresh
            .iter()
            .map(|&line| {
                let request = &requests[line];
                RowMeta {
                    actor: request.actor.as_ref().unwrap_or(default_actor),
                    reference: request.reference.as_deref(),
                    lot: request.lot.as_deref(),
                    expiry: request.expiry.map(|d| d.to_string()),
                    idempotency_key: request.idempotency_key.as_deref(),
                    occurred_at: request.occurred_at.unwrap_or(now),
                    recorded_at: now,
                }
            })
            .collect();
        let mut lines: Vec<Vec<Movement>> = Vec::with_capacity(fresh.len());
        // What each row stores besides its movement: the negative-stock flag and the sealed cost.
        let mut stored: Vec<(bool, Vec<u8>)> = Vec::with_capacity(rows);
        for ((&line, drafts), meta) in fresh.iter().zip(drafts).zip(&metas) {
            let request = &requests[line];
            let mut movements: Vec<Movement> = Vec::with_capacity(drafts.len());
            for draft in drafts {
                let linked = match draft.kind {
                    MovementKind::TransferIn => movements.last().map(|m| m.id),
                    _ => None,
                };
                let id = next(&mut ids)?;
                let sealed = MOVEMENT_UNIT_COST.seal_cost(self.keys(), id, draft.unit_cost)?;
                stored.push((draft.negative_allowed, sealed));
                movements.push(movement_of(
                    &draft,
                    meta,
                    request.reason.clone(),
                    linked,
                    id,
                )?);
            }
            lines.push(movements);
        }
        let new_rows: Vec<NewRow<'_>> = lines
            .iter()
            .zip(&metas)
            .flat_map(|(movements, meta)| movements.iter().map(move |m| (m, meta)))
            .zip(&stored)
            .map(|((movement, meta), (negative_allowed, sealed))| NewRow {
                movement,
                negative_allowed: *negative_allowed,
                expiry: meta.expiry.as_deref(),
                unit_cost: sealed,
            })
            .collect();
        self.insert_movements(tx, &new_rows).await?;
        let mut out: Vec<Option<Recorded>> = vec![None; requests.len()];
        let mut costs = CostHistory::default();
        for ((&line, movements), meta) in fresh.iter().zip(lines).zip(&metas) {
            let request = &requests[line];
            for movement in &movements {
                if movement.kind == MovementKind::Receipt {
                    costs
                        .record(self, tx, movement, PriceSource::Receipt, meta.actor)
                        .await?;
                }
            }
            if let Some(key) = &request.idempotency_key {
                self.save_key(tx, key, &request.fingerprint(), &movements, now)
                    .await?;
            }
            out[line] = Some(Recorded {
                movements,
                replayed: false,
            });
        }
        self.save_book(tx, &before, &book, now).await?;
        self.save_reservations(tx, &before, &book, &commands, now)
            .await?;

        for (line, settled) in settled.iter().enumerate() {
            match settled {
                Settled::Fresh => {}
                Settled::Replayed(ids) => {
                    let movements = self.movements_by_id(tx, ids).await?;
                    out[line] = Some(Recorded {
                        movements,
                        replayed: true,
                    });
                }
                Settled::SameAs(first) => {
                    let first = out[*first]
                        .clone()
                        .ok_or_else(|| corrupt("batch replay order"))?;
                    out[line] = Some(Recorded {
                        replayed: true,
                        ..first
                    });
                }
            }
        }
        let recorded = out
            .into_iter()
            .map(|r| r.ok_or_else(|| corrupt("a batch line was left unrecorded")))
            .collect::<Result<_>>()?;
        Ok((recorded, head))
    }

    /// Decides, for every line, whether it is new, a replay, or a conflict.
    async fn settle_keys(&self, tx: &mut Tx, requests: &[MovementRequest]) -> Result<Vec<Settled>> {
        let mut seen: HashMap<&str, (usize, [u8; 32])> = HashMap::new();
        let mut settled = Vec::with_capacity(requests.len());
        for (line, request) in requests.iter().enumerate() {
            let Some(key) = request.idempotency_key.as_deref() else {
                settled.push(Settled::Fresh);
                continue;
            };
            let fingerprint = request.fingerprint();
            let conflict = || {
                Error::IdempotencyConflict {
                    key: key.to_owned(),
                }
                .at_line(line)
            };
            if let Some(&(first, ref earlier)) = seen.get(key) {
                if *earlier != fingerprint {
                    return Err(conflict());
                }
                settled.push(Settled::SameAs(first));
                continue;
            }
            let stored = sqlx::query(
                "SELECT fingerprint, movement_ids FROM idempotency_keys WHERE tenant_id = $1 AND key = $2",
            )
            .bind(self.tenant())
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
            match stored {
                Some(row) => {
                    let stored_fingerprint: Vec<u8> = row.try_get("fingerprint")?;
                    if stored_fingerprint != fingerprint {
                        return Err(conflict());
                    }
                    let ids: String = row.try_get("movement_ids")?;
                    settled.push(Settled::Replayed(parse_ids(&ids)?));
                }
                None => settled.push(Settled::Fresh),
            }
            seen.insert(key, (line, fingerprint));
        }
        Ok(settled)
    }

    /// Loads everything the commands touch: their products (with every balance, for the total
    /// on hand behind the average cost), locations, reservations and referenced sales. Expired
    /// reservations of those products are released first.
    pub(crate) async fn load_book(
        &self,
        tx: &mut Tx,
        commands: &[&StockCommand],
        now: DateTime<Utc>,
    ) -> Result<StockBook> {
        let products: BTreeSet<ProductId> = commands.iter().map(|c| c.product()).collect();
        let locations: BTreeSet<LocationId> = commands.iter().flat_map(|c| c.locations()).collect();
        let mut book = StockBook::default();
        for (i, &product) in products.iter().enumerate() {
            // The first product comes with the locations' policies, in one statement.
            let reserved = if i == 0 {
                self.load_product_and_locations(tx, &mut book, product, &locations)
                    .await?
            } else {
                self.load_product(tx, &mut book, product).await?
            };
            // Expired reservations are released first; only products holding some need it.
            if reserved && self.expire_reservations(tx, product, now).await? > 0 {
                self.load_product(tx, &mut book, product).await?;
            }
        }
        for command in commands {
            match **command {
                StockCommand::Sale {
                    reservation: Some(id),
                    ..
                } => {
                    if let Some(held) = self.active_reservation(tx, id).await? {
                        book.add_reservation(id, held);
                    }
                }
                StockCommand::CustomerReturn {
                    original_sale: Some(sale),
                    ..
                } => {
                    let row = sqlx::query(
                        "SELECT id, product_id, unit_cost FROM stock_movements \
                         WHERE tenant_id = $1 AND id = $2 AND kind = 'sale'",
                    )
                    .bind(self.tenant())
                    .bind(sale.0)
                    .fetch_optional(&mut **tx)
                    .await?;
                    if let Some(row) = row {
                        let cost = MOVEMENT_UNIT_COST.open_cost(
                            self.keys(),
                            row.try_get("id")?,
                            row.try_get("unit_cost")?,
                        )?;
                        book.add_sale_cost(sale, ProductId(row.try_get("product_id")?), cost);
                    }
                }
                _ => {}
            }
        }
        Ok(book)
    }

    pub(crate) async fn location_policy(
        &self,
        tx: &mut Tx,
        location: LocationId,
    ) -> Result<Option<LocationPolicy>> {
        let row = sqlx::query(
            "SELECT negative_stock_allowed FROM locations WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(location.0)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(match row {
            Some(row) => Some(LocationPolicy {
                negative_stock_allowed: codec::flag(&row, 0)?,
            }),
            None => None,
        })
    }

    /// Adds a product and all its balances to the book (nothing when it does not exist), in one
    /// query. Returns whether any of its balances holds reserved stock.
    pub(crate) async fn load_product(
        &self,
        tx: &mut Tx,
        book: &mut StockBook,
        product: ProductId,
    ) -> Result<bool> {
        let rows = sqlx::query(
            "SELECT p.unit, p.active, p.average_cost, b.location_id, b.on_hand_milli, \
               b.reserved_milli, b.last_seq \
             FROM products p LEFT JOIN stock_balances b \
               ON b.tenant_id = p.tenant_id AND b.product_id = p.id \
             WHERE p.tenant_id = $1 AND p.id = $2",
        )
        .bind(self.tenant())
        .bind(product.0)
        .fetch_all(&mut **tx)
        .await?;
        add_product_rows(self, book, product, &rows)
    }

    /// [`Store::load_product`], and the policies of `locations` added to the book, in one
    /// statement: the location rows are the ones without a unit (every product has one).
    async fn load_product_and_locations(
        &self,
        tx: &mut Tx,
        book: &mut StockBook,
        product: ProductId,
        locations: &BTreeSet<LocationId>,
    ) -> Result<bool> {
        if locations.is_empty() {
            return self.load_product(tx, book, product).await;
        }
        let list: Vec<String> = (0..locations.len())
            .map(|i| format!("${}", i + 3))
            .collect();
        let sql = format!(
            "SELECT id AS location_id, negative_stock_allowed, NULL AS unit, NULL AS active, \
               NULL AS average_cost, NULL AS on_hand_milli, NULL AS reserved_milli, \
               NULL AS last_seq \
             FROM locations WHERE tenant_id = $1 AND id IN ({}) \
             UNION ALL \
             SELECT b.location_id, NULL, p.unit, p.active, p.average_cost, b.on_hand_milli, \
               b.reserved_milli, b.last_seq \
             FROM products p LEFT JOIN stock_balances b \
               ON b.tenant_id = p.tenant_id AND b.product_id = p.id \
             WHERE p.tenant_id = $1 AND p.id = $2",
            list.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(self.tenant()).bind(product.0);
        for location in locations {
            query = query.bind(location.0);
        }
        let rows = query.fetch_all(&mut **tx).await?;
        let mut product_rows = Vec::with_capacity(rows.len());
        for row in rows {
            if row.try_get::<Option<String>, _>("unit")?.is_some() {
                product_rows.push(row);
                continue;
            }
            book.add_location(
                LocationId(row.try_get("location_id")?),
                LocationPolicy {
                    negative_stock_allowed: codec::flag(&row, "negative_stock_allowed")?,
                },
            );
        }
        add_product_rows(self, book, product, &product_rows)
    }

    async fn active_reservation(
        &self,
        tx: &mut Tx,
        id: ReservationId,
    ) -> Result<Option<HeldStock>> {
        let row = sqlx::query(
            "SELECT product_id, location_id, remaining_milli FROM reservations \
             WHERE tenant_id = $1 AND id = $2 AND status = 'active'",
        )
        .bind(self.tenant())
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(match row {
            Some(row) => Some(HeldStock {
                product: ProductId(row.try_get("product_id")?),
                location: LocationId(row.try_get("location_id")?),
                remaining: Quantity::from_milli(row.try_get("remaining_milli")?),
            }),
            None => None,
        })
    }

    /// Marks a product's past-due reservations expired and frees what they held; returns how
    /// many expired.
    pub(crate) async fn expire_reservations(
        &self,
        tx: &mut Tx,
        product: ProductId,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let expired = sqlx::query(
            "UPDATE reservations SET status = 'expired', updated_at = $3 \
             WHERE tenant_id = $1 AND product_id = $2 AND status = 'active' \
               AND expires_at IS NOT NULL AND expires_at <= $3 \
             RETURNING location_id, remaining_milli",
        )
        .bind(self.tenant())
        .bind(product.0)
        .bind(micros(now))
        .fetch_all(&mut **tx)
        .await?;
        let count = expired.len();
        for row in expired {
            sqlx::query(
                "UPDATE stock_balances SET reserved_milli = CASE WHEN reserved_milli > $4 THEN reserved_milli - $4 ELSE 0 END, updated_at = $5 \
                 WHERE tenant_id = $1 AND product_id = $2 AND location_id = $3",
            )
            .bind(self.tenant())
            .bind(product.0)
            .bind(row.try_get::<i64, _>("location_id")?)
            .bind(row.try_get::<i64, _>("remaining_milli")?)
            .bind(micros(now))
            .execute(&mut **tx)
            .await?;
        }
        Ok(count)
    }

    /// Appends one ledger row.
    pub(crate) async fn insert_movement(
        &self,
        tx: &mut Tx,
        draft: &MovementDraft,
        meta: &RowMeta<'_>,
        reason: Option<String>,
        linked: Option<MovementId>,
        id: i64,
    ) -> Result<Movement> {
        let unit_cost = MOVEMENT_UNIT_COST.seal_cost(self.keys(), id, draft.unit_cost)?;
        let movement = movement_of(draft, meta, reason, linked, id)?;
        let row = NewRow {
            movement: &movement,
            negative_allowed: draft.negative_allowed,
            expiry: meta.expiry.as_deref(),
            unit_cost: &unit_cost,
        };
        self.insert_movements(tx, std::slice::from_ref(&row))
            .await?;
        Ok(movement)
    }

    /// Appends ledger rows, in their order, with one multi-row `INSERT` per up to
    /// [`INSERT_CHUNK`] rows (a statement is a round trip, and on SQLite a hop to the
    /// connection's thread).
    async fn insert_movements(&self, tx: &mut Tx, rows: &[NewRow<'_>]) -> Result<()> {
        let mut rest = rows;
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(chunk_len(rest.len()));
            rest = tail;
            let sql = movement_insert_sql(self.backend(), chunk.len());
            let mut query = sqlx::query(sql);
            for row in chunk {
                let m = row.movement;
                let (tipo, subtipo) = m.kind.legacy();
                query = query
                    .bind(m.id.0)
                    .bind(self.tenant())
                    .bind(m.product.0)
                    .bind(m.location.0)
                    .bind(m.seq)
                    .bind(m.kind.code())
                    .bind(tipo)
                    .bind(subtipo)
                    .bind(m.quantity.milli())
                    .bind(m.delta.milli())
                    .bind(m.before.milli())
                    .bind(m.after.milli())
                    .bind(row.negative_allowed)
                    .bind(row.unit_cost)
                    .bind(m.reference.as_deref())
                    .bind(m.lot.as_deref())
                    .bind(row.expiry)
                    .bind(m.actor.as_str())
                    .bind(m.reason.as_deref())
                    .bind(m.loss_reason.map(LossReason::code))
                    .bind(m.idempotency_key.as_deref())
                    .bind(m.linked_movement.map(|l| l.0))
                    .bind(micros(m.occurred_at))
                    .bind(micros(m.recorded_at));
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Writes the balances and average costs that differ between `before` and `after`.
    pub(crate) async fn save_book(
        &self,
        tx: &mut Tx,
        before: &StockBook,
        after: &StockBook,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut changed: Vec<(ProductId, LocationId, Balance)> = after
            .balances()
            .filter(|&(p, l, b)| before.balance(p, l) != b)
            .collect();
        changed.sort_by_key(|&(p, l, _)| (p, l));
        for (product, location, balance) in changed {
            let policy = after
                .location_policy(location)
                .ok_or_else(|| corrupt("balance of an unknown location"))?;
            sqlx::query(
                "INSERT INTO stock_balances (tenant_id, product_id, location_id, on_hand_milli, \
                   reserved_milli, negative_allowed, last_seq, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (tenant_id, product_id, location_id) DO UPDATE SET \
                   on_hand_milli = excluded.on_hand_milli, reserved_milli = excluded.reserved_milli, \
                   negative_allowed = excluded.negative_allowed, last_seq = excluded.last_seq, \
                   updated_at = excluded.updated_at",
            )
            .bind(self.tenant())
            .bind(product.0)
            .bind(location.0)
            .bind(balance.on_hand.milli())
            .bind(balance.reserved.milli())
            .bind(policy.negative_stock_allowed)
            .bind(balance.last_seq)
            .bind(micros(now))
            .execute(&mut **tx)
            .await?;
        }
        let mut products: Vec<ProductId> = after.balances().map(|(p, _, _)| p).collect();
        products.sort();
        products.dedup();
        for product in products {
            let (Some(old), Some(new)) = (before.product(product), after.product(product)) else {
                continue;
            };
            if old.average_cost != new.average_cost {
                let sealed =
                    PRODUCT_AVERAGE_COST.seal_cost(self.keys(), product.0, new.average_cost)?;
                sqlx::query(
                    "UPDATE products SET average_cost = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(self.tenant())
                .bind(product.0)
                .bind(sealed)
                .bind(micros(now))
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Writes what sales did to the reservations they fulfilled.
    async fn save_reservations(
        &self,
        tx: &mut Tx,
        before: &StockBook,
        after: &StockBook,
        commands: &[&StockCommand],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let used: BTreeSet<ReservationId> = commands
            .iter()
            .filter_map(|c| match **c {
                StockCommand::Sale { reservation, .. } => reservation,
                _ => None,
            })
            .collect();
        for id in used {
            let Some(old) = before.reservation(id) else {
                continue;
            };
            let (remaining, status) = match after.reservation(id) {
                Some(held) => (held.remaining, "active"),
                None => (Quantity::ZERO, "fulfilled"),
            };
            if remaining == old.remaining {
                continue;
            }
            sqlx::query(
                "UPDATE reservations SET remaining_milli = $3, status = $4, updated_at = $5 \
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(self.tenant())
            .bind(id.0)
            .bind(remaining.milli())
            .bind(status)
            .bind(micros(now))
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    async fn save_key(
        &self,
        tx: &mut Tx,
        key: &str,
        fingerprint: &[u8; 32],
        movements: &[Movement],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let ids: Vec<String> = movements.iter().map(|m| m.id.0.to_string()).collect();
        sqlx::query(
            "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, movement_ids, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.tenant())
        .bind(key)
        .bind(&fingerprint[..])
        .bind(ids.join(","))
        .bind(micros(now))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(crate) async fn movements_by_id(
        &self,
        tx: &mut Tx,
        ids: &[MovementId],
    ) -> Result<Vec<Movement>> {
        let sql = format!(
            "SELECT {} FROM stock_movements WHERE tenant_id = $1 AND id = $2",
            codec::MOVEMENT_COLUMNS
        );
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(&sql)
                .bind(self.tenant())
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or_else(|| corrupt("an idempotency key names a missing movement"))?;
            out.push(codec::movement(&row, self.keys())?);
        }
        Ok(out)
    }
}

/// The last cost recorded in each product's price history, so that a receipt writes a history
/// row only when the cost changes.
#[derive(Default)]
pub(crate) struct CostHistory(HashMap<ProductId, Option<UnitCost>>);

impl CostHistory {
    pub(crate) async fn record(
        &mut self,
        store: &Store,
        tx: &mut Tx,
        movement: &Movement,
        source: PriceSource,
        actor: &Actor,
    ) -> Result<()> {
        let last = match self.0.get(&movement.product) {
            Some(last) => *last,
            None => {
                let row = sqlx::query(
                    "SELECT id, value_e4, cost FROM price_history WHERE tenant_id = $1 \
                     AND product_id = $2 AND kind = 'cost' ORDER BY id DESC LIMIT 1",
                )
                .bind(store.tenant())
                .bind(movement.product.0)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(|row| price_value(store.keys(), &row)).transpose()?
            }
        };
        if last != Some(movement.unit_cost) {
            store
                .insert_price(
                    tx,
                    movement.product,
                    PriceKind::Cost,
                    movement.unit_cost,
                    source,
                    actor,
                    Some(movement.id),
                    movement.occurred_at,
                )
                .await?;
        }
        self.0.insert(movement.product, Some(movement.unit_cost));
        Ok(())
    }
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_price(
        &self,
        tx: &mut Tx,
        product: ProductId,
        kind: PriceKind,
        value: UnitCost,
        source: PriceSource,
        actor: &Actor,
        movement: Option<MovementId>,
        valid_from: DateTime<Utc>,
    ) -> Result<()> {
        let id = self.next_id(tx, "price_history").await?;
        // Sale prices are on the shelf for anyone to see; costs are stored only encrypted.
        let (public, sealed) = match kind {
            PriceKind::Cost => (
                None,
                Some(PRICE_HISTORY_COST.seal_cost(self.keys(), id, value)?),
            ),
            _ => (Some(value.ten_thousandths()), None),
        };
        sqlx::query(
            "INSERT INTO price_history (id, tenant_id, product_id, kind, value_e4, cost, valid_from, \
               source, actor, movement_id) VALUES ($9, $1, $2, $3, $4, $10, $5, $6, $7, $8)",
        )
        .bind(self.tenant())
        .bind(product.0)
        .bind(kind.code())
        .bind(public)
        .bind(micros(valid_from))
        .bind(source.code())
        .bind(actor.as_str())
        .bind(movement.map(|m| m.0))
        .bind(id)
        .bind(sealed)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

fn parse_ids(text: &str) -> Result<Vec<MovementId>> {
    text.split(',')
        .map(|id| {
            id.parse::<i64>()
                .map(MovementId)
                .map_err(|_| corrupt("malformed idempotency row"))
        })
        .collect()
}

fn draft_expiry(meta: &RowMeta<'_>) -> Result<Option<chrono::NaiveDate>> {
    meta.expiry
        .as_deref()
        .map(|d| d.parse().map_err(|_| corrupt("invalid expiry date")))
        .transpose()
}

/// The instant as stored: microsecond precision.
fn truncate(at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    codec::instant(micros(at))
}

/// A ledger row to insert: its movement and what the row stores besides it.
struct NewRow<'a> {
    movement: &'a Movement,
    negative_allowed: bool,
    /// The expiry date as the request gave it.
    expiry: Option<&'a str>,
    /// The sealed unit cost.
    unit_cost: &'a [u8],
}

/// The most rows one `INSERT` into `stock_movements` carries: 24 parameters each, well under
/// SQLite's 32,766 and PostgreSQL's 65,535.
const INSERT_CHUNK: usize = 256;

/// How many of `remaining` rows the next `INSERT` takes: [`INSERT_CHUNK`], or the largest power
/// of two that fits, so that only a few statement shapes exist (each is prepared once per
/// connection and cached).
fn chunk_len(remaining: usize) -> usize {
    if remaining >= INSERT_CHUNK {
        INSERT_CHUNK
    } else {
        1 << remaining.ilog2()
    }
}

/// The `INSERT` of `rows` ledger rows (a power of two up to [`INSERT_CHUNK`]), 24 parameters
/// per row in the order of the column list. SQLite gets anonymous `?` parameters: its driver
/// looks every named parameter up by walking the statement's list of names, which is quadratic
/// in a statement of thousands of them.
fn movement_insert_sql(backend: Backend, rows: usize) -> &'static str {
    static SQLITE: OnceLock<Vec<String>> = OnceLock::new();
    static POSTGRES: OnceLock<Vec<String>> = OnceLock::new();
    let cache = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    let all = cache.get_or_init(|| {
        (0..=INSERT_CHUNK.ilog2())
            .map(|power| {
                let mut sql = String::from(
                    "INSERT INTO stock_movements (id, tenant_id, product_id, location_id, seq, kind, \
                       tipo, subtipo, quantity_milli, delta_milli, before_milli, after_milli, \
                       negative_allowed, unit_cost, reference, lot, expiry, actor, reason, \
                       loss_reason, idempotency_key, linked_movement_id, occurred_at, recorded_at) \
                     VALUES ",
                );
                let mut parameter = 0;
                for row in 0..(1usize << power) {
                    sql.push_str(if row == 0 { "(" } else { ", (" });
                    for column in 0..24 {
                        if column > 0 {
                            sql.push_str(", ");
                        }
                        parameter += 1;
                        match backend {
                            Backend::Sqlite => sql.push('?'),
                            Backend::Postgres => sql.push_str(&format!("${parameter}")),
                        }
                    }
                    sql.push(')');
                }
                sql
            })
            .collect()
    });
    &all[rows.ilog2() as usize]
}

/// The movement a draft becomes as row `id`.
fn movement_of(
    draft: &MovementDraft,
    meta: &RowMeta<'_>,
    reason: Option<String>,
    linked: Option<MovementId>,
    id: i64,
) -> Result<Movement> {
    Ok(Movement {
        id: MovementId(id),
        product: draft.product,
        location: draft.location,
        kind: draft.kind,
        quantity: draft.quantity,
        delta: draft.delta,
        before: draft.before,
        after: draft.after,
        unit_cost: draft.unit_cost,
        value: draft.value,
        seq: draft.seq,
        reference: meta.reference.map(str::to_owned),
        lot: meta.lot.map(str::to_owned),
        expiry: draft_expiry(meta)?,
        actor: meta.actor.as_str().to_owned(),
        reason,
        loss_reason: draft.loss_reason,
        idempotency_key: meta.idempotency_key.map(str::to_owned),
        linked_movement: linked,
        occurred_at: truncate(meta.occurred_at)?,
        recorded_at: truncate(meta.recorded_at)?,
    })
}

/// Adds a product and its balances, as `load_product` selects them, to the book (nothing when
/// there are no rows: the product does not exist). Returns whether any balance holds reserved
/// stock.
fn add_product_rows(
    store: &Store,
    book: &mut StockBook,
    product: ProductId,
    rows: &[sqlx::any::AnyRow],
) -> Result<bool> {
    let Some(first) = rows.first() else {
        return Ok(false);
    };
    let unit: String = first.try_get("unit")?;
    book.add_product(
        product,
        ProductStock {
            unit: unit
                .parse::<UnitOfMeasure>()
                .map_err(|_| corrupt("unknown unit of measure"))?,
            active: codec::flag(first, "active")?,
            average_cost: PRODUCT_AVERAGE_COST.open_cost(
                store.keys(),
                product.0,
                first.try_get("average_cost")?,
            )?,
        },
    );
    let mut any_reserved = false;
    for row in rows {
        let Some(location) = row.try_get::<Option<i64>, _>("location_id")? else {
            continue;
        };
        let balance = Balance {
            on_hand: Quantity::from_milli(row.try_get("on_hand_milli")?),
            reserved: Quantity::from_milli(row.try_get("reserved_milli")?),
            last_seq: row.try_get("last_seq")?,
        };
        any_reserved |= balance.reserved.is_positive();
        book.set_balance(product, LocationId(location), balance);
    }
    Ok(any_reserved)
}
