//! The stock rules of DOMAIN 3 and 4, driven directly on a [`StockBook`]: no database, no async.
//!
//! The first half checks every movement kind and every rejection one by one (a refused command
//! must return the right [`RuleError`] and leave the book exactly as it was), the legacy ledger
//! vectors and the weighted-average cost. The second half runs random command sequences and
//! batches and checks the ledger, balance, cost and all-or-nothing invariants.

use std::collections::HashMap;

use inventario_core::domain::book::{
    Balance, HeldStock, LineError, LocationPolicy, ProductStock, StockBook,
};
use inventario_core::domain::values::{Money, Quantity, UnitCost, UnitOfMeasure, ValueError};
use inventario_core::domain::{
    AdjustmentChange, LocationId, LossReason, MovementDraft, MovementId, MovementKind, ProductId,
    ReservationId, RuleError, StockCommand,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The legacy test product: stock 10 at cost 100.00.
const P10: ProductId = ProductId(10);
const P11: ProductId = ProductId(11);
const P12: ProductId = ProductId(12);
/// A kg product.
const KG: ProductId = ProductId(13);
/// An inactive product.
const OLD: ProductId = ProductId(14);
/// Never added to any book.
const UNKNOWN: ProductId = ProductId(19);

/// Forbids negative stock.
const SHOP: LocationId = LocationId(1);
/// Forbids negative stock.
const BACK: LocationId = LocationId(2);
/// Allows negative stock.
const OPEN: LocationId = LocationId(3);
/// Never added to any book.
const NOWHERE: LocationId = LocationId(9);

const R1: ReservationId = ReservationId(1);
const R2: ReservationId = ReservationId(2);

fn units(n: i64) -> Quantity {
    Quantity::from_units(n).unwrap()
}

fn qty(s: &str) -> Quantity {
    s.parse().unwrap()
}

fn cost(s: &str) -> UnitCost {
    s.parse().unwrap()
}

fn money(s: &str) -> Money {
    s.parse().unwrap()
}

fn product(unit: UnitOfMeasure, average_cost: UnitCost) -> ProductStock {
    ProductStock {
        unit,
        active: true,
        average_cost,
    }
}

fn forbid() -> LocationPolicy {
    LocationPolicy {
        negative_stock_allowed: false,
    }
}

fn allow() -> LocationPolicy {
    LocationPolicy {
        negative_stock_allowed: true,
    }
}

fn receipt(product: ProductId, location: LocationId, quantity: Quantity, c: &str) -> StockCommand {
    StockCommand::Receipt {
        product,
        location,
        quantity,
        unit_cost: cost(c),
    }
}

fn sale(product: ProductId, location: LocationId, quantity: Quantity) -> StockCommand {
    StockCommand::Sale {
        product,
        location,
        quantity,
        reservation: None,
    }
}

fn reserved_sale(
    product: ProductId,
    location: LocationId,
    quantity: Quantity,
    reservation: ReservationId,
) -> StockCommand {
    StockCommand::Sale {
        product,
        location,
        quantity,
        reservation: Some(reservation),
    }
}

fn customer_return(
    product: ProductId,
    location: LocationId,
    quantity: Quantity,
    original_sale: Option<MovementId>,
) -> StockCommand {
    StockCommand::CustomerReturn {
        product,
        location,
        quantity,
        original_sale,
    }
}

fn supplier_return(product: ProductId, location: LocationId, quantity: Quantity) -> StockCommand {
    StockCommand::SupplierReturn {
        product,
        location,
        quantity,
    }
}

fn loss(product: ProductId, location: LocationId, quantity: Quantity) -> StockCommand {
    StockCommand::Loss {
        product,
        location,
        quantity,
        reason: LossReason::Damaged,
    }
}

fn adjust(product: ProductId, location: LocationId, delta: Quantity) -> StockCommand {
    StockCommand::Adjustment {
        product,
        location,
        change: AdjustmentChange::Delta(delta),
    }
}

fn count(product: ProductId, location: LocationId, counted: Quantity) -> StockCommand {
    StockCommand::Adjustment {
        product,
        location,
        change: AdjustmentChange::Counted(counted),
    }
}

fn transfer(
    product: ProductId,
    from: LocationId,
    to: LocationId,
    quantity: Quantity,
) -> StockCommand {
    StockCommand::Transfer {
        product,
        from,
        to,
        quantity,
    }
}

/// Every command kind that carries a plain movement quantity, for `product` at SHOP.
fn quantity_commands(product: ProductId, quantity: Quantity) -> Vec<StockCommand> {
    vec![
        StockCommand::Receipt {
            product,
            location: SHOP,
            quantity,
            unit_cost: cost("100"),
        },
        sale(product, SHOP, quantity),
        customer_return(product, SHOP, quantity, None),
        supplier_return(product, SHOP, quantity),
        loss(product, SHOP, quantity),
        transfer(product, SHOP, BACK, quantity),
    ]
}

/// Everything observable about a book, in a comparable form.
#[derive(Clone, Debug, PartialEq)]
struct Snapshot {
    balances: Vec<(ProductId, LocationId, Balance)>,
    products: Vec<(ProductId, Option<ProductStock>)>,
    reservations: Vec<(ReservationId, Option<HeldStock>)>,
}

fn snapshot(book: &StockBook) -> Snapshot {
    let mut balances: Vec<_> = book.balances().collect();
    balances.sort_by_key(|&(p, l, _)| (p, l));
    Snapshot {
        balances,
        products: (0..=20)
            .map(ProductId)
            .map(|id| (id, book.product(id).cloned()))
            .collect(),
        reservations: (0..=20)
            .map(ReservationId)
            .map(|id| (id, book.reservation(id).copied()))
            .collect(),
    }
}

/// Applies `command`, expects exactly `expected`, and checks that nothing changed.
#[track_caller]
fn assert_refused(book: &mut StockBook, command: &StockCommand, expected: RuleError) {
    let before = snapshot(book);
    let result = book.apply(command);
    assert_eq!(result, Err(expected), "{command:?}");
    assert_eq!(
        snapshot(book),
        before,
        "a refused {command:?} changed the book"
    );
}

fn on_hand(book: &StockBook, product: ProductId, location: LocationId) -> Quantity {
    book.balance(product, location).on_hand
}

fn average(book: &StockBook, product: ProductId) -> UnitCost {
    book.product(product).unwrap().average_cost
}

/// The legacy fixture: P10 (unidad) with stock 10 at SHOP at cost 100.00, written as an initial
/// stock row (seq 1), plus P11, P12 (10 each at SHOP), a kg product, an inactive product, and
/// the locations SHOP, BACK (both forbid negative stock) and OPEN (allows it).
fn legacy_book() -> StockBook {
    let mut book = StockBook::default();
    for id in [P10, P11, P12] {
        book.add_product(id, product(UnitOfMeasure::Unidad, UnitCost::ZERO));
    }
    book.add_product(KG, product(UnitOfMeasure::Kg, UnitCost::ZERO));
    book.add_product(
        OLD,
        ProductStock {
            unit: UnitOfMeasure::Unidad,
            active: false,
            average_cost: cost("100"),
        },
    );
    book.add_location(SHOP, forbid());
    book.add_location(BACK, forbid());
    book.add_location(OPEN, allow());
    for id in [P10, P11, P12] {
        book.initial_stock(id, SHOP, units(10), cost("100.00"))
            .unwrap();
    }
    book.initial_stock(KG, SHOP, qty("10.5"), cost("100.00"))
        .unwrap();
    book.set_balance(
        OLD,
        SHOP,
        Balance {
            on_hand: units(10),
            reserved: Quantity::ZERO,
            last_seq: 1,
        },
    );
    book
}

// ---------------------------------------------------------------------------------------------
// Movement kinds: the rows they write
// ---------------------------------------------------------------------------------------------

#[test]
fn receipt_writes_one_incoming_row_at_its_unit_cost() {
    let mut book = legacy_book();
    let rows = book.apply(&receipt(P10, SHOP, units(5), "130")).unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.product, row.location, row.kind),
        (P10, SHOP, MovementKind::Receipt)
    );
    assert_eq!((row.quantity, row.delta), (units(5), units(5)));
    assert_eq!((row.before, row.after), (units(10), units(15)));
    assert_eq!(row.unit_cost, cost("130"));
    assert_eq!(row.value, money("650.00"));
    assert_eq!(row.seq, 2);
    assert!(!row.negative_allowed);
    assert_eq!(row.loss_reason, None);
    assert_eq!(book.balance(P10, SHOP).last_seq, 2);
    // (10 × 100 + 5 × 130) / 15 = 110.
    assert_eq!(average(&book, P10), cost("110"));
}

#[test]
fn sale_writes_an_outgoing_row_at_the_average_cost() {
    let mut book = legacy_book();
    let rows = book.apply(&sale(P10, SHOP, units(3))).unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.kind, MovementKind::Sale);
    assert_eq!((row.quantity, row.delta), (units(3), units(-3)));
    assert_eq!((row.before, row.after), (units(10), units(7)));
    assert_eq!(row.unit_cost, cost("100"));
    assert_eq!(row.value, money("-300.00"));
    assert_eq!(row.seq, 2);
    assert_eq!(on_hand(&book, P10, SHOP), units(7));
}

#[test]
fn supplier_return_takes_stock_at_the_average_cost() {
    let mut book = legacy_book();
    let rows = book.apply(&supplier_return(P10, SHOP, units(4))).unwrap();
    let row = &rows[0];
    assert_eq!(row.kind, MovementKind::SupplierReturn);
    assert_eq!((row.delta, row.after), (units(-4), units(6)));
    assert_eq!(row.value, money("-400.00"));
    assert_eq!(average(&book, P10), cost("100"));
}

#[test]
fn loss_records_its_reason() {
    let mut book = legacy_book();
    for reason in [
        LossReason::Expired,
        LossReason::Damaged,
        LossReason::Theft,
        LossReason::Other,
    ] {
        let rows = book
            .apply(&StockCommand::Loss {
                product: P10,
                location: SHOP,
                quantity: units(1),
                reason,
            })
            .unwrap();
        assert_eq!(rows[0].kind, MovementKind::Loss);
        assert_eq!(rows[0].delta, units(-1));
        assert_eq!(rows[0].loss_reason, Some(reason));
    }
    assert_eq!(on_hand(&book, P10, SHOP), units(6));
    assert_eq!(average(&book, P10), cost("100"));
}

#[test]
fn transfer_writes_two_linked_rows_and_keeps_total_stock_and_value() {
    let mut book = legacy_book();
    let rows = book.apply(&transfer(P10, SHOP, BACK, units(4))).unwrap();
    assert_eq!(rows.len(), 2);
    let (out, arrive) = (&rows[0], &rows[1]);
    assert_eq!(
        (out.kind, out.location, out.delta, out.before, out.after),
        (
            MovementKind::TransferOut,
            SHOP,
            units(-4),
            units(10),
            units(6)
        )
    );
    assert_eq!(
        (
            arrive.kind,
            arrive.location,
            arrive.delta,
            arrive.before,
            arrive.after
        ),
        (
            MovementKind::TransferIn,
            BACK,
            units(4),
            Quantity::ZERO,
            units(4)
        )
    );
    assert_eq!((out.seq, arrive.seq), (2, 1));
    assert_eq!(out.unit_cost, arrive.unit_cost);
    assert_eq!(out.value, money("-400.00"));
    assert_eq!(arrive.value, money("400.00"));
    assert_eq!(book.total_on_hand(P10), Ok(units(10)));
    assert_eq!(average(&book, P10), cost("100"));
}

#[test]
fn adjustment_by_delta_moves_both_ways_at_the_average_cost() {
    let mut book = legacy_book();
    let up = book.apply(&adjust(P10, SHOP, units(5))).unwrap();
    assert_eq!(up[0].kind, MovementKind::Adjustment);
    assert_eq!((up[0].quantity, up[0].delta), (units(5), units(5)));
    assert_eq!(up[0].value, money("500.00"));
    let down = book.apply(&adjust(P10, SHOP, units(-3))).unwrap();
    assert_eq!((down[0].quantity, down[0].delta), (units(3), units(-3)));
    assert_eq!((down[0].before, down[0].after), (units(15), units(12)));
    assert_eq!(down[0].value, money("-300.00"));
    assert_eq!(average(&book, P10), cost("100"));
}

#[test]
fn counted_adjustment_computes_the_delta_from_the_balance() {
    let mut book = legacy_book();
    let rows = book.apply(&count(P10, SHOP, units(7))).unwrap();
    assert_eq!((rows[0].quantity, rows[0].delta), (units(3), units(-3)));
    assert_eq!(rows[0].after, units(7));
    let rows = book.apply(&count(P10, SHOP, units(12))).unwrap();
    assert_eq!((rows[0].quantity, rows[0].delta), (units(5), units(5)));
    assert_eq!(on_hand(&book, P10, SHOP), units(12));
    let rows = book.apply(&count(P10, SHOP, Quantity::ZERO)).unwrap();
    assert_eq!((rows[0].delta, rows[0].after), (units(-12), Quantity::ZERO));
}

#[test]
fn counted_adjustment_equal_to_the_balance_changes_nothing() {
    let mut book = legacy_book();
    assert_refused(
        &mut book,
        &count(P10, SHOP, units(10)),
        RuleError::AdjustmentChangesNothing,
    );
}

#[test]
fn fractional_quantities_are_fine_for_a_kg_product() {
    let mut book = legacy_book();
    let rows = book.apply(&sale(KG, SHOP, qty("0.25"))).unwrap();
    assert_eq!(rows[0].after, qty("10.25"));
    let rows = book.apply(&adjust(KG, SHOP, qty("-0.125"))).unwrap();
    assert_eq!(rows[0].after, qty("10.125"));
    // 0.125 kg at 100.0000 is 12.50.
    assert_eq!(rows[0].value, money("-12.50"));
}

// ---------------------------------------------------------------------------------------------
// Rejections: the right error, and the book unchanged
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_product_is_not_found_for_every_kind() {
    // L5
    let mut book = legacy_book();
    let mut commands = quantity_commands(UNKNOWN, units(1));
    commands.push(adjust(UNKNOWN, SHOP, units(1)));
    commands.push(count(UNKNOWN, SHOP, units(1)));
    for command in &commands {
        assert_refused(&mut book, command, RuleError::ProductNotFound(UNKNOWN));
    }
    let before = snapshot(&book);
    assert_eq!(
        book.initial_stock(UNKNOWN, SHOP, units(1), cost("1")),
        Err(RuleError::ProductNotFound(UNKNOWN))
    );
    assert_eq!(
        book.reserve(R1, UNKNOWN, SHOP, units(1)),
        Err(RuleError::ProductNotFound(UNKNOWN))
    );
    assert_eq!(snapshot(&book), before);
}

#[test]
fn inactive_product_is_not_found_for_every_kind() {
    // L8: the inactive product holds 10, so only the activity check can refuse these.
    let mut book = legacy_book();
    let mut commands = quantity_commands(OLD, units(1));
    commands.push(adjust(OLD, SHOP, units(-1)));
    commands.push(count(OLD, SHOP, units(3)));
    for command in &commands {
        assert_refused(&mut book, command, RuleError::ProductNotFound(OLD));
    }
    let before = snapshot(&book);
    assert_eq!(
        book.reserve(R1, OLD, SHOP, units(1)),
        Err(RuleError::ProductNotFound(OLD))
    );
    assert_eq!(snapshot(&book), before);
}

#[test]
fn zero_quantity_is_refused_for_every_kind() {
    let mut book = legacy_book();
    for command in quantity_commands(P10, Quantity::ZERO) {
        assert_refused(&mut book, &command, ValueError::ZeroQuantity.into());
    }
    assert_refused(
        &mut book,
        &adjust(P10, SHOP, Quantity::ZERO),
        ValueError::ZeroQuantity.into(),
    );
    let before = snapshot(&book);
    assert_eq!(
        book.initial_stock(P10, SHOP, Quantity::ZERO, cost("1")),
        Err(ValueError::ZeroQuantity.into())
    );
    assert_eq!(
        book.reserve(R1, P10, SHOP, Quantity::ZERO),
        Err(ValueError::ZeroQuantity.into())
    );
    assert_eq!(snapshot(&book), before);
}

#[test]
fn negative_quantity_is_refused_for_every_kind() {
    let mut book = legacy_book();
    for command in quantity_commands(P10, units(-3)) {
        assert_refused(&mut book, &command, ValueError::NegativeQuantity.into());
    }
    // A count can never be below zero.
    assert_refused(
        &mut book,
        &count(P10, SHOP, units(-1)),
        ValueError::NegativeQuantity.into(),
    );
    let before = snapshot(&book);
    assert_eq!(
        book.initial_stock(P10, SHOP, units(-3), cost("1")),
        Err(ValueError::NegativeQuantity.into())
    );
    assert_eq!(snapshot(&book), before);
}

#[test]
fn fractional_quantity_is_refused_for_a_unidad_product() {
    let mut book = legacy_book();
    let fractional: RuleError = ValueError::FractionalQuantity {
        unit: UnitOfMeasure::Unidad,
    }
    .into();
    for command in quantity_commands(P10, qty("1.5")) {
        assert_refused(&mut book, &command, fractional.clone());
    }
    assert_refused(
        &mut book,
        &adjust(P10, SHOP, qty("1.5")),
        fractional.clone(),
    );
    assert_refused(
        &mut book,
        &adjust(P10, SHOP, qty("-0.001")),
        fractional.clone(),
    );
    // Counted 10.5 on 10 would be a delta of 0.5.
    assert_refused(
        &mut book,
        &count(P10, SHOP, qty("10.5")),
        fractional.clone(),
    );
    let before = snapshot(&book);
    assert_eq!(
        book.initial_stock(P10, SHOP, qty("0.5"), cost("1")),
        Err(fractional.clone())
    );
    assert_eq!(book.reserve(R1, P10, SHOP, qty("0.5")), Err(fractional));
    assert_eq!(snapshot(&book), before);
}

#[test]
fn insufficient_stock_names_available_and_requested() {
    // L6
    let mut book = legacy_book();
    let command = sale(P10, SHOP, units(15));
    let before = snapshot(&book);
    let err = book.apply(&command).unwrap_err();
    assert_eq!(
        err,
        RuleError::InsufficientStock {
            available: units(10),
            requested: units(15),
        }
    );
    assert_eq!(
        err.to_string(),
        "insufficient stock: available 10, requested 15"
    );
    assert_eq!(snapshot(&book), before);
    // The other outgoing kinds are refused the same way.
    let short = RuleError::InsufficientStock {
        available: units(10),
        requested: units(11),
    };
    for command in [
        supplier_return(P10, SHOP, units(11)),
        loss(P10, SHOP, units(11)),
        transfer(P10, SHOP, BACK, units(11)),
        adjust(P10, SHOP, units(-11)),
    ] {
        assert_refused(&mut book, &command, short.clone());
    }
}

#[test]
fn adjustment_below_zero_is_insufficient_stock() {
    // L7
    let mut book = legacy_book();
    assert_refused(
        &mut book,
        &adjust(P10, SHOP, units(-15)),
        RuleError::InsufficientStock {
            available: units(10),
            requested: units(15),
        },
    );
    assert_eq!(on_hand(&book, P10, SHOP), units(10));
}

#[test]
fn transfer_to_the_same_location_is_refused() {
    let mut book = legacy_book();
    assert_refused(
        &mut book,
        &transfer(P10, SHOP, SHOP, units(1)),
        RuleError::TransferToSameLocation,
    );
}

#[test]
fn unknown_location_is_refused_for_every_kind() {
    let mut book = legacy_book();
    let not_found = RuleError::LocationNotFound(NOWHERE);
    for command in [
        receipt(P10, NOWHERE, units(1), "100"),
        sale(P10, NOWHERE, units(1)),
        customer_return(P10, NOWHERE, units(1), None),
        supplier_return(P10, NOWHERE, units(1)),
        loss(P10, NOWHERE, units(1)),
        adjust(P10, NOWHERE, units(1)),
        adjust(P10, NOWHERE, units(-1)),
        count(P10, NOWHERE, units(4)),
        transfer(P10, NOWHERE, SHOP, units(1)),
        transfer(P10, SHOP, NOWHERE, units(1)),
    ] {
        assert_refused(&mut book, &command, not_found.clone());
    }
    let before = snapshot(&book);
    assert_eq!(
        book.initial_stock(P10, NOWHERE, units(1), cost("1")),
        Err(not_found.clone())
    );
    assert_eq!(book.reserve(R1, P10, NOWHERE, units(1)), Err(not_found));
    assert_eq!(snapshot(&book), before);
}

// ---------------------------------------------------------------------------------------------
// Reservations
// ---------------------------------------------------------------------------------------------

#[test]
fn reserve_holds_stock_and_release_frees_it() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(4)).unwrap();
    assert_eq!(book.balance(P10, SHOP).reserved, units(4));
    assert_eq!(book.balance(P10, SHOP).available(), units(6));
    assert_eq!(
        book.reservation(R1),
        Some(&HeldStock {
            product: P10,
            location: SHOP,
            remaining: units(4),
        })
    );
    let before = snapshot(&book);
    assert_eq!(
        book.reserve(R2, P10, SHOP, units(7)),
        Err(RuleError::InsufficientStock {
            available: units(6),
            requested: units(7),
        })
    );
    assert_eq!(snapshot(&book), before);
    let held = book.release(R1).unwrap();
    assert_eq!(held.remaining, units(4));
    assert_eq!(book.balance(P10, SHOP).reserved, Quantity::ZERO);
    assert_eq!(book.reservation(R1), None);
    assert_eq!(book.release(R1), Err(RuleError::ReservationNotFound(R1)));
}

#[test]
fn reserved_stock_is_unavailable_for_a_plain_sale() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(4)).unwrap();
    let before = snapshot(&book);
    let err = book.apply(&sale(P10, SHOP, units(7))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "insufficient stock: available 6, requested 7"
    );
    assert_eq!(snapshot(&book), before);
    // Supplier returns and transfers respect reservations too.
    let short = RuleError::InsufficientStock {
        available: units(6),
        requested: units(7),
    };
    assert_refused(
        &mut book,
        &supplier_return(P10, SHOP, units(7)),
        short.clone(),
    );
    assert_refused(&mut book, &transfer(P10, SHOP, BACK, units(7)), short);
    // The unreserved part can be sold.
    book.apply(&sale(P10, SHOP, units(6))).unwrap();
    assert_eq!(book.balance(P10, SHOP).on_hand, units(4));
    assert_eq!(book.balance(P10, SHOP).reserved, units(4));
}

#[test]
fn sale_fulfilling_its_reservation_may_use_the_held_stock() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(4)).unwrap();
    // 4 held by R1 plus 3 of the 6 unreserved.
    let rows = book.apply(&reserved_sale(P10, SHOP, units(7), R1)).unwrap();
    assert_eq!(
        (rows[0].kind, rows[0].after),
        (MovementKind::Sale, units(3))
    );
    assert_eq!(book.balance(P10, SHOP).reserved, Quantity::ZERO);
    assert_eq!(book.reservation(R1), None);
}

#[test]
fn partial_sale_leaves_the_rest_of_the_reservation_held() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(4)).unwrap();
    book.apply(&reserved_sale(P10, SHOP, units(3), R1)).unwrap();
    assert_eq!(book.reservation(R1).map(|h| h.remaining), Some(units(1)));
    assert_eq!(book.balance(P10, SHOP).reserved, units(1));
    assert_eq!(book.balance(P10, SHOP).on_hand, units(7));
}

#[test]
fn sale_fulfilling_one_reservation_cannot_take_another_ones_stock() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(4)).unwrap();
    book.reserve(R2, P10, SHOP, units(5)).unwrap();
    // R1's 4 plus the single unreserved unit: 5 at most.
    assert_refused(
        &mut book,
        &reserved_sale(P10, SHOP, units(6), R1),
        RuleError::InsufficientStock {
            available: units(5),
            requested: units(6),
        },
    );
    book.apply(&reserved_sale(P10, SHOP, units(5), R1)).unwrap();
    assert_eq!(book.balance(P10, SHOP).reserved, units(5));
    assert_eq!(book.reservation(R2).map(|h| h.remaining), Some(units(5)));
}

#[test]
fn reservation_of_another_product_or_location_is_a_mismatch() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(4)).unwrap();
    book.apply(&receipt(P10, BACK, units(5), "100")).unwrap();
    assert_refused(
        &mut book,
        &reserved_sale(P11, SHOP, units(1), R1),
        RuleError::ReservationMismatch(R1),
    );
    assert_refused(
        &mut book,
        &reserved_sale(P10, BACK, units(1), R1),
        RuleError::ReservationMismatch(R1),
    );
    assert_refused(
        &mut book,
        &reserved_sale(P10, SHOP, units(1), R2),
        RuleError::ReservationNotFound(R2),
    );
}

#[test]
fn losses_may_take_reserved_stock_but_not_go_below_zero() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(8)).unwrap();
    // Only 2 are unreserved, but a loss is physical.
    let rows = book.apply(&loss(P10, SHOP, units(9))).unwrap();
    assert_eq!(rows[0].after, units(1));
    assert_eq!(book.balance(P10, SHOP).reserved, units(8));
    assert_refused(
        &mut book,
        &loss(P10, SHOP, units(2)),
        RuleError::InsufficientStock {
            available: units(1),
            requested: units(2),
        },
    );
    // A downward adjustment is physical too.
    let rows = book.apply(&adjust(P10, SHOP, units(-1))).unwrap();
    assert_eq!(rows[0].after, Quantity::ZERO);
}

#[test]

fn sale_fulfilling_its_reservation_may_take_held_stock_left_after_a_loss() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(10)).unwrap();
    book.apply(&loss(P10, SHOP, units(4))).unwrap();
    // The 6 left on hand are all held for R1 and nobody else: its sale may take them.
    let result = book.apply(&reserved_sale(P10, SHOP, units(6), R1));
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(on_hand(&book, P10, SHOP), Quantity::ZERO);
}

#[test]

fn available_stock_is_never_negative() {
    let mut book = legacy_book();
    book.reserve(R1, P10, SHOP, units(8)).unwrap();
    book.apply(&loss(P10, SHOP, units(7))).unwrap();
    // 3 on hand, 8 reserved: nothing is available to a plain sale.
    assert_eq!(book.balance(P10, SHOP).available(), Quantity::ZERO);
    assert_refused(
        &mut book,
        &sale(P10, SHOP, units(1)),
        RuleError::InsufficientStock {
            available: Quantity::ZERO,
            requested: units(1),
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Negative stock, customer returns
// ---------------------------------------------------------------------------------------------

#[test]
fn a_location_allowing_negative_stock_lets_a_sale_go_negative() {
    let mut book = legacy_book();
    book.apply(&receipt(P10, OPEN, units(10), "100")).unwrap();
    let rows = book.apply(&sale(P10, OPEN, units(15))).unwrap();
    assert_eq!((rows[0].before, rows[0].after), (units(10), units(-5)));
    assert!(rows[0].negative_allowed);
    assert_eq!(on_hand(&book, P10, OPEN), units(-5));
    let rows = book.apply(&loss(P10, OPEN, units(1))).unwrap();
    assert_eq!(rows[0].after, units(-6));
    let rows = book.apply(&receipt(P10, OPEN, units(8), "100")).unwrap();
    assert_eq!(rows[0].after, units(2));
    // The same sale at a location that forbids it is refused.
    assert_refused(
        &mut book,
        &sale(P10, SHOP, units(15)),
        RuleError::InsufficientStock {
            available: units(10),
            requested: units(15),
        },
    );
}

#[test]
fn customer_return_is_valued_at_the_original_sales_cost() {
    let mut book = legacy_book();
    book.add_sale_cost(MovementId(77), P10, cost("80"));
    let rows = book
        .apply(&customer_return(P10, SHOP, units(5), Some(MovementId(77))))
        .unwrap();
    let row = &rows[0];
    assert_eq!(row.kind, MovementKind::CustomerReturn);
    assert_eq!((row.delta, row.after), (units(5), units(15)));
    assert_eq!(row.unit_cost, cost("80"));
    assert_eq!(row.value, money("400.00"));
    // (10 × 100 + 5 × 80) / 15 = 93.33333… → 93.3333.
    assert_eq!(average(&book, P10), cost("93.3333"));
}

#[test]
fn customer_return_without_a_sale_is_valued_at_the_average() {
    let mut book = legacy_book();
    book.apply(&receipt(P10, SHOP, units(10), "130")).unwrap();
    assert_eq!(average(&book, P10), cost("115"));
    let rows = book
        .apply(&customer_return(P10, SHOP, units(2), None))
        .unwrap();
    assert_eq!(rows[0].unit_cost, cost("115"));
    assert_eq!(rows[0].value, money("230.00"));
    assert_eq!(average(&book, P10), cost("115"));
}

#[test]
fn customer_return_referencing_an_unknown_sale_is_refused() {
    let mut book = legacy_book();
    book.add_sale_cost(MovementId(79), P11, cost("80"));
    assert_refused(
        &mut book,
        &customer_return(P10, SHOP, units(1), Some(MovementId(78))),
        RuleError::SaleNotFound(MovementId(78)),
    );
    // A sale of another product is not this product's sale.
    assert_refused(
        &mut book,
        &customer_return(P10, SHOP, units(1), Some(MovementId(79))),
        RuleError::SaleNotFound(MovementId(79)),
    );
}

// ---------------------------------------------------------------------------------------------
// Legacy ledger vectors
// ---------------------------------------------------------------------------------------------

#[test]
fn l1_receipt_5_gives_15() {
    let mut book = legacy_book();
    let rows = book.apply(&receipt(P10, SHOP, units(5), "100")).unwrap();
    assert_eq!(rows[0].after, units(15));
    assert_eq!(on_hand(&book, P10, SHOP), units(15));
}

#[test]
fn l2_sale_3_gives_7() {
    let mut book = legacy_book();
    let rows = book.apply(&sale(P10, SHOP, units(3))).unwrap();
    assert_eq!(rows[0].after, units(7));
    assert_eq!(on_hand(&book, P10, SHOP), units(7));
}

#[test]
fn l3_adjust_plus_5_gives_15() {
    let mut book = legacy_book();
    let rows = book.apply(&adjust(P10, SHOP, units(5))).unwrap();
    assert_eq!(rows[0].after, units(15));
    assert_eq!(on_hand(&book, P10, SHOP), units(15));
}

#[test]
fn l4_adjust_minus_3_gives_7() {
    let mut book = legacy_book();
    let rows = book.apply(&adjust(P10, SHOP, units(-3))).unwrap();
    assert_eq!(rows[0].after, units(7));
    assert_eq!(on_hand(&book, P10, SHOP), units(7));
}

#[test]
fn l10_receipt_sale_adjust_gives_14_and_the_last_row_says_so() {
    let mut book = legacy_book();
    let commands = [
        receipt(P10, SHOP, units(5), "100"),
        sale(P10, SHOP, units(3)),
        adjust(P10, SHOP, units(2)),
    ];
    let mut last = None;
    for command in &commands {
        last = book.apply(command).unwrap().pop();
    }
    let last = last.unwrap();
    assert_eq!(last.kind, MovementKind::Adjustment);
    assert_eq!((last.before, last.after), (units(12), units(14)));
    assert_eq!(last.seq, 4);
    assert_eq!(on_hand(&book, P10, SHOP), units(14));
}

#[test]
fn l16_batch_of_three_receipts_on_three_products() {
    let mut book = legacy_book();
    let commands = [
        receipt(P10, SHOP, units(5), "100"),
        receipt(P11, SHOP, units(5), "100"),
        receipt(P12, SHOP, units(5), "100"),
    ];
    let rows = book.apply_all(&commands).unwrap();
    assert_eq!(rows.len(), 3);
    for (line, id) in [P10, P11, P12].into_iter().enumerate() {
        assert_eq!(rows[line].len(), 1);
        assert_eq!(rows[line][0].product, id);
        assert_eq!(rows[line][0].after, units(15));
        assert_eq!(on_hand(&book, id, SHOP), units(15));
    }
}

#[test]
fn l17_batch_with_an_unknown_product_names_line_1_and_applies_nothing() {
    let mut book = legacy_book();
    let before = snapshot(&book);
    let err = book
        .apply_all(&[
            receipt(P10, SHOP, units(5), "100"),
            receipt(UNKNOWN, SHOP, units(5), "100"),
        ])
        .unwrap_err();
    assert_eq!(
        err,
        LineError {
            line: 1,
            error: RuleError::ProductNotFound(UNKNOWN),
        }
    );
    assert!(err.to_string().starts_with("line 1: "), "{err}");
    assert_eq!(on_hand(&book, P10, SHOP), units(10));
    assert_eq!(snapshot(&book), before);
}

#[test]
fn c7_initial_stock_50_receipt_100_sale_30_gives_120_in_3_rows() {
    let mut book = StockBook::default();
    let coca = ProductId(7);
    book.add_product(coca, product(UnitOfMeasure::Unidad, UnitCost::ZERO));
    book.add_location(SHOP, forbid());
    let mut rows = vec![book
        .initial_stock(coca, SHOP, units(50), cost("100"))
        .unwrap()];
    rows.extend(book.apply(&receipt(coca, SHOP, units(100), "100")).unwrap());
    rows.extend(book.apply(&sale(coca, SHOP, units(30))).unwrap());
    assert_eq!(rows.len(), 3);
    let kinds: Vec<_> = rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            MovementKind::InitialStock,
            MovementKind::Receipt,
            MovementKind::Sale
        ]
    );
    let chain: Vec<_> = rows.iter().map(|r| (r.seq, r.before, r.after)).collect();
    assert_eq!(
        chain,
        [
            (1, Quantity::ZERO, units(50)),
            (2, units(50), units(150)),
            (3, units(150), units(120)),
        ]
    );
    assert_eq!(on_hand(&book, coca, SHOP), units(120));
    assert_eq!(book.total_on_hand(coca), Ok(units(120)));
    assert_eq!(book.balance(coca, SHOP).last_seq, 3);
}

// ---------------------------------------------------------------------------------------------
// Weighted-average cost
// ---------------------------------------------------------------------------------------------

fn empty_book() -> StockBook {
    let mut book = StockBook::default();
    book.add_product(P10, product(UnitOfMeasure::Unidad, UnitCost::ZERO));
    book.add_location(SHOP, forbid());
    book.add_location(BACK, forbid());
    book
}

#[test]
fn weighted_average_of_two_receipts() {
    let mut book = empty_book();
    book.apply(&receipt(P10, SHOP, units(10), "100")).unwrap();
    assert_eq!(average(&book, P10), cost("100"));
    book.apply(&receipt(P10, SHOP, units(10), "130")).unwrap();
    assert_eq!(average(&book, P10).to_string(), "115.0000");
}

#[test]
fn weighted_average_is_over_the_total_on_hand_of_all_locations() {
    let mut book = empty_book();
    book.apply(&receipt(P10, SHOP, units(10), "100")).unwrap();
    book.apply(&receipt(P10, BACK, units(10), "130")).unwrap();
    assert_eq!(average(&book, P10), cost("115"));
}

#[test]
fn weighted_average_rounds_half_up_to_four_decimals() {
    let mut book = empty_book();
    book.apply(&receipt(P10, SHOP, units(3), "10")).unwrap();
    book.apply(&receipt(P10, SHOP, units(7), "11.1111"))
        .unwrap();
    // (30 + 77.7777) / 10 = 10.77777.
    assert_eq!(average(&book, P10), cost("10.7778"));
}

#[test]
fn sales_losses_and_transfers_do_not_change_the_average() {
    let mut book = empty_book();
    book.apply(&receipt(P10, SHOP, units(10), "100")).unwrap();
    book.apply(&receipt(P10, SHOP, units(10), "130")).unwrap();
    for command in [
        sale(P10, SHOP, units(5)),
        loss(P10, SHOP, units(1)),
        transfer(P10, SHOP, BACK, units(4)),
        sale(P10, BACK, units(4)),
    ] {
        book.apply(&command).unwrap();
        assert_eq!(average(&book, P10), cost("115"), "{command:?}");
    }
}

#[test]
fn when_on_hand_is_zero_the_next_receipt_sets_the_average() {
    let mut book = empty_book();
    book.apply(&receipt(P10, SHOP, units(10), "100")).unwrap();
    book.apply(&receipt(P10, SHOP, units(10), "130")).unwrap();
    book.apply(&sale(P10, SHOP, units(20))).unwrap();
    assert_eq!(book.total_on_hand(P10), Ok(Quantity::ZERO));
    assert_eq!(average(&book, P10), cost("115"));
    book.apply(&receipt(P10, SHOP, units(4), "90")).unwrap();
    assert_eq!(average(&book, P10), cost("90"));
}

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

/// Products of the random books: two `unidad` ones and one `kg` one.
const PRODUCTS: [(ProductId, UnitOfMeasure); 3] = [
    (ProductId(1), UnitOfMeasure::Unidad),
    (ProductId(2), UnitOfMeasure::Kg),
    (ProductId(3), UnitOfMeasure::Unidad),
];

/// Locations of the random books; the third allows negative stock.
const LOCATIONS: [(LocationId, bool); 3] = [
    (LocationId(1), false),
    (LocationId(2), false),
    (LocationId(3), true),
];

fn negative_allowed(location: LocationId) -> bool {
    LOCATIONS
        .iter()
        .any(|&(id, allowed)| id == location && allowed)
}

fn any_product() -> impl Strategy<Value = ProductId> {
    (0..PRODUCTS.len()).prop_map(|i| PRODUCTS[i].0)
}

fn any_location() -> impl Strategy<Value = LocationId> {
    (0..LOCATIONS.len()).prop_map(|i| LOCATIONS[i].0)
}

/// Mostly valid movement quantities, sometimes fractional, zero or negative.
fn movement_quantity() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        10 => (1..=12_i64).prop_map(units),
        3 => (1..=12_000_i64).prop_map(Quantity::from_milli),
        1 => Just(Quantity::ZERO),
        1 => (-3..=-1_i64).prop_map(units),
    ]
}

fn signed_quantity() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        8 => (-12..=12_i64).prop_map(units),
        2 => (-12_000..=12_000_i64).prop_map(Quantity::from_milli),
    ]
}

fn counted_quantity() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        8 => (0..=20_i64).prop_map(units),
        2 => (0..=20_000_i64).prop_map(Quantity::from_milli),
        1 => Just(units(-1)),
    ]
}

/// Unit costs between 50.0000 and 200.0000.
fn unit_cost() -> impl Strategy<Value = UnitCost> {
    (500_000..=2_000_000_i64).prop_map(|v| UnitCost::from_ten_thousandths(v).unwrap())
}

fn loss_reason() -> impl Strategy<Value = LossReason> {
    prop_oneof![
        Just(LossReason::Expired),
        Just(LossReason::Damaged),
        Just(LossReason::Theft),
        Just(LossReason::Other),
    ]
}

fn command() -> impl Strategy<Value = StockCommand> {
    prop_oneof![
        4 => (any_product(), any_location(), movement_quantity(), unit_cost()).prop_map(
            |(product, location, quantity, unit_cost)| StockCommand::Receipt {
                product,
                location,
                quantity,
                unit_cost,
            }
        ),
        4 => (
            any_product(),
            any_location(),
            movement_quantity(),
            prop_oneof![3 => Just(None), 1 => (1..=3_i64).prop_map(|r| Some(ReservationId(r)))],
        )
            .prop_map(|(product, location, quantity, reservation)| StockCommand::Sale {
                product,
                location,
                quantity,
                reservation,
            }),
        2 => (
            any_product(),
            any_location(),
            movement_quantity(),
            prop_oneof![1 => Just(None), 1 => (1..=8_i64).prop_map(|m| Some(MovementId(m)))],
        )
            .prop_map(|(product, location, quantity, original_sale)| {
                StockCommand::CustomerReturn {
                    product,
                    location,
                    quantity,
                    original_sale,
                }
            }),
        1 => (any_product(), any_location(), movement_quantity()).prop_map(
            |(product, location, quantity)| StockCommand::SupplierReturn {
                product,
                location,
                quantity,
            }
        ),
        2 => (any_product(), any_location(), movement_quantity(), loss_reason()).prop_map(
            |(product, location, quantity, reason)| StockCommand::Loss {
                product,
                location,
                quantity,
                reason,
            }
        ),
        2 => (any_product(), any_location(), signed_quantity()).prop_map(
            |(product, location, delta)| StockCommand::Adjustment {
                product,
                location,
                change: AdjustmentChange::Delta(delta),
            }
        ),
        1 => (any_product(), any_location(), counted_quantity()).prop_map(
            |(product, location, counted)| StockCommand::Adjustment {
                product,
                location,
                change: AdjustmentChange::Counted(counted),
            }
        ),
        3 => (any_product(), any_location(), any_location(), movement_quantity()).prop_map(
            |(product, from, to, quantity)| StockCommand::Transfer {
                product,
                from,
                to,
                quantity,
            }
        ),
    ]
}

/// A step of a random sequence: a command, or a reservation made or released outside the ledger.
#[derive(Clone, Debug)]
enum Step {
    Command(StockCommand),
    /// Reserve at the `pick`-th (product, location) that has stock available.
    Reserve {
        id: ReservationId,
        pick: usize,
        quantity: Quantity,
    },
    Release(ReservationId),
    /// A sale fulfilling the reservation, if it is active, where it holds stock.
    Fulfil {
        id: ReservationId,
        quantity: Quantity,
    },
    /// An outgoing command for exactly what the rules allow, one step (a unit, or 0.001 kg)
    /// less, or one step more.
    Boundary {
        kind: Outgoing,
        product: ProductId,
        location: LocationId,
        offset: i64,
    },
}

/// The outgoing commands a boundary step can issue.
#[derive(Clone, Copy, Debug)]
enum Outgoing {
    Sale,
    SupplierReturn,
    Transfer,
    Loss,
    Adjustment,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => command().prop_map(Step::Command),
        2 => (1..=3_i64, 0..9_usize, (1..=6_i64).prop_map(units)).prop_map(
            |(id, pick, quantity)| Step::Reserve {
                id: ReservationId(id),
                pick,
                quantity,
            }
        ),
        1 => (1..=3_i64).prop_map(|id| Step::Release(ReservationId(id))),
        2 => (1..=3_i64, movement_quantity()).prop_map(|(id, quantity)| Step::Fulfil {
            id: ReservationId(id),
            quantity,
        }),
        3 => (
            prop_oneof![
                Just(Outgoing::Sale),
                Just(Outgoing::SupplierReturn),
                Just(Outgoing::Transfer),
                Just(Outgoing::Loss),
                Just(Outgoing::Adjustment),
            ],
            any_product(),
            any_location(),
            -1..=1_i64,
        )
            .prop_map(|(kind, product, location, offset)| Step::Boundary {
                kind,
                product,
                location,
                offset,
            }),
    ]
}

/// How a random book starts.
#[derive(Clone, Debug)]
struct Setup {
    /// The loaded average cost of each product.
    averages: Vec<UnitCost>,
    /// Initial stock of each product: (location index, units, unit cost).
    initial: Vec<Option<(usize, i64, UnitCost)>>,
    /// Reservations attempted after the initial stock: (id, product index, location index, units).
    reservations: Vec<(i64, usize, usize, i64)>,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        prop::collection::vec(unit_cost(), PRODUCTS.len()),
        prop::collection::vec(
            prop::option::weighted(0.8, (0..LOCATIONS.len(), 1..=30_i64, unit_cost())),
            PRODUCTS.len(),
        ),
        prop::collection::vec(
            (1..=3_i64, 0..PRODUCTS.len(), 0..LOCATIONS.len(), 1..=8_i64),
            0..=3,
        ),
    )
        .prop_map(|(averages, initial, reservations)| Setup {
            averages,
            initial,
            reservations,
        })
}

/// A random book under test with what the properties need to remember about its history.
struct Model {
    book: StockBook,
    /// Every row written, per (product, location), in order.
    ledger: HashMap<(ProductId, LocationId), Vec<MovementDraft>>,
    /// The lowest and highest cost stock came in at, per product (loaded average, initial stock
    /// and receipts).
    cost_range: HashMap<ProductId, (UnitCost, UnitCost)>,
    /// The next id given to a successful sale whose cost is then loaded for returns.
    next_sale: i64,
}

impl Model {
    fn new(setup: &Setup) -> Model {
        let mut book = StockBook::default();
        let mut cost_range = HashMap::new();
        for (&(id, unit), &average_cost) in PRODUCTS.iter().zip(&setup.averages) {
            book.add_product(id, product(unit, average_cost));
            cost_range.insert(id, (average_cost, average_cost));
        }
        for &(id, allowed) in &LOCATIONS {
            book.add_location(
                id,
                LocationPolicy {
                    negative_stock_allowed: allowed,
                },
            );
        }
        let mut model = Model {
            book,
            ledger: HashMap::new(),
            cost_range,
            next_sale: 1,
        };
        for (&(id, _), initial) in PRODUCTS.iter().zip(&setup.initial) {
            if let Some((location, n, unit_cost)) = *initial {
                let row = model
                    .book
                    .initial_stock(id, LOCATIONS[location].0, units(n), unit_cost)
                    .unwrap();
                model.widen(id, unit_cost);
                model.record(std::slice::from_ref(&row));
            }
        }
        for &(id, p, l, n) in &setup.reservations {
            // Refused when the stock is not there (or the id is taken); either way is fine.
            if model.book.reservation(ReservationId(id)).is_none() {
                let _ =
                    model
                        .book
                        .reserve(ReservationId(id), PRODUCTS[p].0, LOCATIONS[l].0, units(n));
            }
        }
        model
    }

    fn widen(&mut self, product: ProductId, unit_cost: UnitCost) {
        let range = self.cost_range.get_mut(&product).unwrap();
        range.0 = range.0.min(unit_cost);
        range.1 = range.1.max(unit_cost);
    }

    fn record(&mut self, rows: &[MovementDraft]) {
        for row in rows {
            self.ledger
                .entry((row.product, row.location))
                .or_default()
                .push(row.clone());
        }
    }
}

/// Σ on hand × average cost of a product, exactly (thousandths × ten-thousandths).
fn stock_value(book: &StockBook, product: ProductId) -> i128 {
    let average = i128::from(
        book.product(product)
            .unwrap()
            .average_cost
            .ten_thousandths(),
    );
    book.balances()
        .filter(|&(p, _, _)| p == product)
        .map(|(_, _, b)| i128::from(b.on_hand.milli()) * average)
        .sum()
}

/// The ledger replays to the balances: chained before/after, seq 1, 2, 3…, last after = on hand.
fn check_ledger(model: &Model) -> Result<(), TestCaseError> {
    for (&(p, l), rows) in &model.ledger {
        let mut previous = Quantity::ZERO;
        for (i, row) in rows.iter().enumerate() {
            prop_assert_eq!(row.before, previous, "row {} of {:?}", i, (p, l));
            prop_assert_eq!(row.before.checked_add(row.delta), Some(row.after));
            prop_assert_eq!(row.seq, i as i64 + 1);
            previous = row.after;
        }
        let balance = model.book.balance(p, l);
        prop_assert_eq!(balance.on_hand, previous, "{:?}", (p, l));
        prop_assert_eq!(balance.last_seq, rows.len() as i64, "{:?}", (p, l));
    }
    // A balance with no row has never moved.
    for (p, l, balance) in model.book.balances() {
        if !model.ledger.contains_key(&(p, l)) {
            prop_assert_eq!(balance.on_hand, Quantity::ZERO);
            prop_assert_eq!(balance.last_seq, 0);
        }
    }
    Ok(())
}

/// A row's shape follows from its kind.
fn check_row(row: &MovementDraft) -> Result<(), TestCaseError> {
    prop_assert!(row.quantity.is_positive(), "{:?}", row);
    let negated = row.quantity.checked_neg().unwrap();
    match row.kind {
        MovementKind::InitialStock
        | MovementKind::Receipt
        | MovementKind::CustomerReturn
        | MovementKind::TransferIn => prop_assert_eq!(row.delta, row.quantity),
        MovementKind::Sale
        | MovementKind::SupplierReturn
        | MovementKind::Loss
        | MovementKind::TransferOut => prop_assert_eq!(row.delta, negated),
        MovementKind::Adjustment => {
            prop_assert!(
                row.delta == row.quantity || row.delta == negated,
                "{:?}",
                row
            )
        }
    }
    prop_assert_eq!(Ok(row.value), row.unit_cost.value_of(row.delta));
    prop_assert_eq!(row.negative_allowed, negative_allowed(row.location));
    prop_assert_eq!(row.loss_reason.is_some(), row.kind == MovementKind::Loss);
    Ok(())
}

/// Invariants that hold after every step.
fn check_state(model: &Model) -> Result<(), TestCaseError> {
    for (p, l, balance) in model.book.balances() {
        if !negative_allowed(l) {
            prop_assert!(
                !balance.on_hand.is_negative(),
                "{:?} at {:?}: {:?}",
                p,
                l,
                balance
            );
        }
        // `reserved` is what the active reservations there still hold.
        let held = (1..=3)
            .filter_map(|r| model.book.reservation(ReservationId(r)))
            .filter(|h| h.product == p && h.location == l)
            .fold(Quantity::ZERO, |sum, h| {
                sum.checked_add(h.remaining).unwrap()
            });
        prop_assert_eq!(balance.reserved, held, "{:?} at {:?}", p, l);
    }
    for &(p, _) in &PRODUCTS {
        let (low, high) = model.cost_range[&p];
        let average = model.book.product(p).unwrap().average_cost;
        prop_assert!(
            low <= average && average <= high,
            "average {} of {:?} outside [{}, {}]",
            average,
            p,
            low,
            high
        );
    }
    Ok(())
}

/// Applies one command to the model and checks what it did.
fn apply_command(model: &mut Model, command: &StockCommand) -> Result<(), TestCaseError> {
    let product = command.product();
    let before = snapshot(&model.book);
    let total_before = model.book.total_on_hand(product).unwrap();
    let value_before = stock_value(&model.book, product);
    let average_before = model.book.product(product).unwrap().average_cost;
    let rows = match model.book.apply(command) {
        Ok(rows) => rows,
        Err(_) => {
            prop_assert_eq!(&snapshot(&model.book), &before, "refused {:?}", command);
            return Ok(());
        }
    };
    for row in &rows {
        check_row(row)?;
        prop_assert_eq!(row.product, product);
    }
    let locations: Vec<_> = rows.iter().map(|r| r.location).collect();
    prop_assert_eq!(locations, command.locations());
    model.record(&rows);
    match *command {
        StockCommand::Receipt { unit_cost, .. } => model.widen(product, unit_cost),
        StockCommand::Sale {
            location,
            reservation,
            ..
        } => {
            // A sale never uncovers reservations that were covered before it (a loss may
            // already have left less on hand than is reserved; then nothing is promised).
            let balance = model.book.balance(product, location);
            let was = before_balance(&before, product, location);
            if !negative_allowed(location) && was.on_hand >= was.reserved {
                prop_assert!(
                    balance.on_hand >= balance.reserved,
                    "{:?} after {:?}",
                    balance,
                    was
                );
            }
            if reservation.is_none() {
                prop_assert_eq!(
                    balance.reserved,
                    before_reserved(&before, product, location)
                );
            }
            prop_assert_eq!(
                model.book.product(product).unwrap().average_cost,
                average_before
            );
            let id = MovementId(model.next_sale);
            model.next_sale += 1;
            model.book.add_sale_cost(id, product, rows[0].unit_cost);
        }
        StockCommand::SupplierReturn { location, .. } => {
            let balance = model.book.balance(product, location);
            if !negative_allowed(location) {
                prop_assert!(balance.on_hand >= balance.reserved, "{:?}", balance);
            }
        }
        StockCommand::Loss { reason, .. } => {
            prop_assert_eq!(rows[0].loss_reason, Some(reason));
            prop_assert_eq!(
                model.book.product(product).unwrap().average_cost,
                average_before
            );
        }
        StockCommand::Transfer { from, .. } => {
            prop_assert_eq!(rows.len(), 2);
            prop_assert_eq!(rows[0].kind, MovementKind::TransferOut);
            prop_assert_eq!(rows[1].kind, MovementKind::TransferIn);
            prop_assert_eq!(rows[0].value.checked_add(rows[1].value), Some(Money::ZERO));
            prop_assert_eq!(model.book.total_on_hand(product).unwrap(), total_before);
            prop_assert_eq!(stock_value(&model.book, product), value_before);
            prop_assert_eq!(
                model.book.product(product).unwrap().average_cost,
                average_before
            );
            let balance = model.book.balance(product, from);
            if !negative_allowed(from) {
                prop_assert!(balance.on_hand >= balance.reserved, "{:?}", balance);
            }
        }
        StockCommand::CustomerReturn { .. } | StockCommand::Adjustment { .. } => {}
    }
    Ok(())
}

/// Issues an outgoing command for the most the rules allow plus `offset` steps, and checks that
/// it is accepted exactly when it fits: at a location that forbids negative stock, sales,
/// supplier returns and transfers may take `on_hand − reserved`, losses and downward
/// adjustments `on_hand`; where negative stock is allowed, anything goes.
fn apply_boundary(
    model: &mut Model,
    kind: Outgoing,
    product: ProductId,
    location: LocationId,
    offset: i64,
) -> Result<(), TestCaseError> {
    let unit = model.book.product(product).unwrap().unit;
    let step = if unit.allows_fractions() { 1 } else { 1_000 };
    let balance = model.book.balance(product, location);
    let physical = matches!(kind, Outgoing::Loss | Outgoing::Adjustment);
    let limit = if physical {
        balance.on_hand.milli()
    } else {
        balance.on_hand.milli() - balance.reserved.milli()
    };
    let quantity = Quantity::from_milli(limit + offset * step);
    if !quantity.is_positive() || !(unit.allows_fractions() || quantity.is_whole()) {
        return Ok(());
    }
    let to = LOCATIONS
        .iter()
        .map(|&(id, _)| id)
        .find(|&id| id != location)
        .unwrap();
    let command = match kind {
        Outgoing::Sale => sale(product, location, quantity),
        Outgoing::SupplierReturn => supplier_return(product, location, quantity),
        Outgoing::Transfer => transfer(product, location, to, quantity),
        Outgoing::Loss => loss(product, location, quantity),
        Outgoing::Adjustment => adjust(product, location, quantity.checked_neg().unwrap()),
    };
    let fits = negative_allowed(location) || offset <= 0;
    let accepted = model.book.clone().apply(&command).is_ok();
    prop_assert_eq!(accepted, fits, "{:?} on {:?}", command, balance);
    apply_command(model, &command)
}

fn before_balance(before: &Snapshot, product: ProductId, location: LocationId) -> Balance {
    before
        .balances
        .iter()
        .find(|&&(p, l, _)| p == product && l == location)
        .map_or(Balance::default(), |&(_, _, b)| b)
}

fn before_reserved(before: &Snapshot, product: ProductId, location: LocationId) -> Quantity {
    before_balance(before, product, location).reserved
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Commands applied one by one keep the ledger, balance, cost and reservation invariants.
    #[test]
    fn one_by_one_commands_keep_the_invariants(
        setup in setup(),
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let mut model = Model::new(&setup);
        check_state(&model)?;
        check_ledger(&model)?;
        for step in &steps {
            match step {
                Step::Command(command) => apply_command(&mut model, command)?,
                Step::Reserve { id, pick, quantity } => {
                    let mut open: Vec<_> = model
                        .book
                        .balances()
                        .filter(|(_, _, b)| b.available().is_positive())
                        .map(|(p, l, _)| (p, l))
                        .collect();
                    open.sort();
                    if model.book.reservation(*id).is_none() && !open.is_empty() {
                        let (product, location) = open[pick % open.len()];
                        let before = snapshot(&model.book);
                        let available = model.book.balance(product, location).available();
                        match model.book.reserve(*id, product, location, *quantity) {
                            Ok(()) => prop_assert!(*quantity <= available),
                            Err(_) => prop_assert_eq!(snapshot(&model.book), before),
                        }
                    }
                }
                Step::Release(id) => {
                    let _ = model.book.release(*id);
                }
                Step::Fulfil { id, quantity } => {
                    if let Some(held) = model.book.reservation(*id).copied() {
                        let command = reserved_sale(held.product, held.location, *quantity, *id);
                        apply_command(&mut model, &command)?;
                    }
                }
                Step::Boundary { kind, product, location, offset } => {
                    apply_boundary(&mut model, *kind, *product, *location, *offset)?;
                }
            }
            check_state(&model)?;
            check_ledger(&model)?;
        }
    }

    /// A batch applies every command or none, and reports the first failing line.
    #[test]
    fn batches_are_all_or_nothing(
        setup in setup(),
        commands in prop::collection::vec(command(), 0..8),
    ) {
        let mut batch = Model::new(&setup);
        // Sales a return may reference.
        for (i, &(p, _)) in PRODUCTS.iter().enumerate() {
            batch.book.add_sale_cost(MovementId(i as i64 + 1), p, setup.averages[i]);
        }
        let original = snapshot(&batch.book);
        let mut sequential = batch.book.clone();
        let mut expected = Ok(Vec::new());
        for (line, command) in commands.iter().enumerate() {
            match sequential.apply(command) {
                Ok(rows) => {
                    if let Ok(all) = expected.as_mut() {
                        all.push(rows);
                    }
                }
                Err(error) => {
                    expected = Err(LineError { line, error });
                    break;
                }
            }
        }
        let result = batch.book.apply_all(&commands);
        prop_assert_eq!(&result, &expected);
        match result {
            Ok(rows) => {
                prop_assert_eq!(rows.len(), commands.len());
                prop_assert_eq!(snapshot(&batch.book), snapshot(&sequential));
            }
            Err(_) => prop_assert_eq!(snapshot(&batch.book), original),
        }
    }
}
