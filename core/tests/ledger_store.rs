//! The stock ledger on a real SQLite file: DOMAIN 3's legacy vectors end to end, every refusal
//! leaving the store unchanged, idempotency, reservations, transfers and the schema's own checks.

#[macro_use]
mod common;

use common::*;
use inventario_core::domain::values::{Barcode, ValueError};
use inventario_core::domain::{AdjustmentChange, InitialStock};
use inventario_core::{
    Error, LossReason, MovementKind, MovementRequest, NewProduct, ProductChanges, ProductId,
    RuleError, StockCommand,
};

fn rule(e: &Error) -> &RuleError {
    e.rule()
        .unwrap_or_else(|| panic!("expected a rule error, got {e:?}"))
}

/// Runs a command that must be refused, and checks the store reads back exactly as before.
async fn refused(store: &TestStore, request: MovementRequest) -> Error {
    let before = snapshot(store).await;
    let err = store
        .inv
        .record(request)
        .await
        .expect_err("command should be refused");
    assert_eq!(
        snapshot(store).await,
        before,
        "a refused command changed the store: {err}"
    );
    err
}

backend_tests! {
    #[tokio::test]
    async fn legacy_ledger_vectors_l1_to_l4() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        // Each vector starts from a fresh P10 (stock 10).
        type Build = fn(ProductId, inventario_core::LocationId) -> MovementRequest;
        let vectors: [(&str, Build, &str); 4] = [
            (
                "L1",
                |p, l| MovementRequest::receipt(p, l, q("5"), cost("100")),
                "15",
            ),
            ("L2", |p, l| MovementRequest::sale(p, l, q("3")), "7"),
            (
                "L3",
                |p, l| MovementRequest::adjustment(p, l, q("5"), "recuento"),
                "15",
            ),
            (
                "L4",
                |p, l| MovementRequest::adjustment(p, l, q("-3"), "recuento"),
                "7",
            ),
        ];
        for (name, build, expected) in vectors {
            let p = p10(&s.inv, &format!("P10-{name}"), shop.id).await;
            let recorded = s.inv.record(build(p.id, shop.id)).await.unwrap();
            assert_eq!(
                recorded.movements[0].after,
                q(expected),
                "{name}: the row's after"
            );
            assert_eq!(
                on_hand(&s.inv, p.id, shop.id).await,
                q(expected),
                "{name}: the balance"
            );
        }
    }
}

backend_tests! {
    #[tokio::test]
    async fn legacy_rejections_l5_to_l8_change_nothing() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;

        let unknown = ProductId(p.id.0 + 1000);
        let e = refused(&s, MovementRequest::sale(unknown, shop.id, q("1"))).await;
        assert_eq!(rule(&e), &RuleError::ProductNotFound(unknown), "L5");

        let e = refused(&s, MovementRequest::sale(p.id, shop.id, q("15"))).await;
        assert_eq!(
            rule(&e),
            &RuleError::InsufficientStock {
                available: q("10"),
                requested: q("15")
            },
            "L6"
        );
        assert_eq!(
            e.to_string(),
            "insufficient stock: available 10, requested 15"
        );

        let e = refused(
            &s,
            MovementRequest::adjustment(p.id, shop.id, q("-15"), "recuento"),
        )
        .await;
        assert_eq!(
            rule(&e),
            &RuleError::InsufficientStock {
                available: q("10"),
                requested: q("15")
            },
            "L7"
        );

        // L8: an inactive product takes no movement. Only an empty product can be deactivated.
        let empty = s
            .inv
            .create_product(NewProduct::new(
                sku("P10-INACTIVO"),
                "Inactivo",
                money("150"),
            ))
            .await
            .unwrap();
        s.inv.deactivate_product(empty.id).await.unwrap();
        let e = refused(
            &s,
            MovementRequest::receipt(empty.id, shop.id, q("5"), cost("100")),
        )
        .await;
        assert_eq!(rule(&e), &RuleError::ProductNotFound(empty.id), "L8");
    }
}

backend_tests! {
    #[tokio::test]
    async fn legacy_l10_last_row_after_is_14() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let inv = &s.inv;
        inv.record(MovementRequest::receipt(p.id, shop.id, q("5"), cost("100")))
            .await
            .unwrap();
        inv.record(MovementRequest::sale(p.id, shop.id, q("3")))
            .await
            .unwrap();
        let last = inv
            .record(MovementRequest::adjustment(
                p.id,
                shop.id,
                q("2"),
                "recuento",
            ))
            .await
            .unwrap();
        assert_eq!(last.movements[0].after, q("14"));
        assert_eq!(on_hand(inv, p.id, shop.id).await, q("14"));
        let seqs: Vec<i64> = inv
            .movements_since(None, 100)
            .await
            .unwrap()
            .iter()
            .map(|m| m.seq)
            .collect();
        assert_eq!(
            seqs,
            vec![1, 2, 3, 4],
            "initial stock + three movements, in sequence"
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn legacy_batches_l16_l17() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let ps = [
            p10(&s.inv, "P10-A", shop.id).await,
            p10(&s.inv, "P10-B", shop.id).await,
            p10(&s.inv, "P10-C", shop.id).await,
        ];
        let batch: Vec<_> = ps
            .iter()
            .map(|p| MovementRequest::receipt(p.id, shop.id, q("5"), cost("100")))
            .collect();
        let recorded = s.inv.record_movements(&batch).await.unwrap();
        assert_eq!(recorded.len(), 3);
        for p in &ps {
            assert_eq!(on_hand(&s.inv, p.id, shop.id).await, q("15"), "L16");
        }

        let unknown = ProductId(9999);
        let batch = [
            MovementRequest::receipt(ps[0].id, shop.id, q("5"), cost("100")),
            MovementRequest::receipt(unknown, shop.id, q("5"), cost("100")),
        ];
        let before = snapshot(&s).await;
        let e = s.inv.record_movements(&batch).await.unwrap_err();
        assert_eq!(e.line(), Some(1), "L17 names the failing line");
        assert_eq!(rule(&e), &RuleError::ProductNotFound(unknown));
        assert_eq!(
            e.to_string(),
            format!("line 1: product not found or inactive: {unknown}")
        );
        assert_eq!(
            snapshot(&s).await,
            before,
            "L17: nothing of the batch applied"
        );
        assert_eq!(on_hand(&s.inv, ps[0].id, shop.id).await, q("15"));
    }
}

backend_tests! {
    #[tokio::test]
    async fn legacy_l19_duplicate_sku_in_a_batch_creates_nothing() {
        let s = TestStore::new().await;
        let before = snapshot(&s).await;
        let batch = vec![
            NewProduct::new(sku("DUP-1"), "Uno", money("10")),
            NewProduct::new(sku("OTRO"), "Otro", money("10")),
            NewProduct::new(sku("dup-1"), "Uno bis", money("10")),
        ];
        let e = s.inv.create_products(batch).await.unwrap_err();
        assert_eq!(e.line(), Some(2));
        assert_eq!(rule(&e), &RuleError::DuplicateSku(sku("DUP-1")));
        assert_eq!(snapshot(&s).await, before);

        s.inv
            .create_product(NewProduct::new(sku("DUP-1"), "Uno", money("10")))
            .await
            .unwrap();
        let e = s
            .inv
            .create_product(NewProduct::new(sku("DUP-1"), "Otra vez", money("10")))
            .await
            .unwrap_err();
        assert_eq!(rule(&e), &RuleError::DuplicateSku(sku("DUP-1")));
        assert_eq!(e.line(), None, "a single create reports no line");
    }
}

#[test]
fn legacy_l20_negative_cost_is_refused() {
    assert_eq!(
        "-100".parse::<inventario_core::domain::values::UnitCost>(),
        Err(ValueError::NegativeCost)
    );
}

backend_tests! {
    #[tokio::test]
    async fn legacy_c7_initial_stock_is_one_movement() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let mut p = NewProduct::new(sku("C7"), "Producto C7", money("150"));
        p.initial_stock = Some(InitialStock {
            location: shop.id,
            quantity: q("50"),
            unit_cost: cost("100"),
        });
        let p = s.inv.create_product(p).await.unwrap();
        s.inv
            .record(MovementRequest::receipt(
                p.id,
                shop.id,
                q("100"),
                cost("100"),
            ))
            .await
            .unwrap();
        s.inv
            .record(MovementRequest::sale(p.id, shop.id, q("30")))
            .await
            .unwrap();
        assert_eq!(on_hand(&s.inv, p.id, shop.id).await, q("120"));
        let rows = s.inv.movements_since(None, 100).await.unwrap();
        let kinds: Vec<_> = rows.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            vec![
                MovementKind::InitialStock,
                MovementKind::Receipt,
                MovementKind::Sale
            ]
        );
        assert_eq!((rows[0].before, rows[0].after), (q("0"), q("50")));
        assert_eq!(
            MovementKind::InitialStock.legacy(),
            ("ENTRADA", "STOCK_INICIAL")
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn bad_quantities_are_refused_and_change_nothing() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let mut kg = NewProduct::new(sku("VER-BANANA"), "Banana Ecuador", money("1890"));
        kg.unit = inventario_core::domain::values::UnitOfMeasure::Kg;
        let banana = s.inv.create_product(kg).await.unwrap();

        let e = refused(&s, MovementRequest::sale(p.id, shop.id, q("0"))).await;
        assert_eq!(rule(&e), &RuleError::Value(ValueError::ZeroQuantity));
        let e = refused(&s, MovementRequest::sale(p.id, shop.id, q("-2"))).await;
        assert_eq!(rule(&e), &RuleError::Value(ValueError::NegativeQuantity));
        let e = refused(&s, MovementRequest::sale(p.id, shop.id, q("1.5"))).await;
        assert!(matches!(
            rule(&e),
            RuleError::Value(ValueError::FractionalQuantity { .. })
        ));
        let e = refused(
            &s,
            MovementRequest::receipt(p.id, shop.id, q("0.001"), cost("1")),
        )
        .await;
        assert!(matches!(
            rule(&e),
            RuleError::Value(ValueError::FractionalQuantity { .. })
        ));

        // Weighed goods take up to three decimals.
        s.inv
            .record(MovementRequest::receipt(
                banana.id,
                shop.id,
                q("12.5"),
                cost("1100"),
            ))
            .await
            .unwrap();
        s.inv
            .record(MovementRequest::sale(banana.id, shop.id, q("3.250")))
            .await
            .unwrap();
        assert_eq!(on_hand(&s.inv, banana.id, shop.id).await, q("9.25"));
    }
}

backend_tests! {
    #[tokio::test]
    async fn other_refusals_change_nothing() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let back = location(&s.inv, "DEPOSITO").await;
        let p = p10(&s.inv, "P10", shop.id).await;

        let e = refused(
            &s,
            MovementRequest::transfer(p.id, shop.id, shop.id, q("1")),
        )
        .await;
        assert_eq!(rule(&e), &RuleError::TransferToSameLocation);
        let e = refused(
            &s,
            MovementRequest::transfer(p.id, shop.id, back.id, q("11")),
        )
        .await;
        assert_eq!(
            rule(&e),
            &RuleError::InsufficientStock {
                available: q("10"),
                requested: q("11")
            }
        );
        let nowhere = inventario_core::LocationId(404);
        let e = refused(
            &s,
            MovementRequest::transfer(p.id, shop.id, nowhere, q("1")),
        )
        .await;
        assert_eq!(rule(&e), &RuleError::LocationNotFound(nowhere));
        let e = refused(&s, MovementRequest::adjustment(p.id, shop.id, q("1"), "  ")).await;
        assert_eq!(
            rule(&e),
            &RuleError::MissingReason {
                kind: MovementKind::Adjustment
            }
        );
        let e = refused(
            &s,
            MovementRequest::count(p.id, shop.id, q("10"), "recuento"),
        )
        .await;
        assert_eq!(rule(&e), &RuleError::AdjustmentChangesNothing);
        let e = refused(
            &s,
            MovementRequest::loss(p.id, shop.id, q("11"), LossReason::Damaged),
        )
        .await;
        assert!(matches!(rule(&e), RuleError::InsufficientStock { .. }));
        let e = refused(&s, MovementRequest::supplier_return(p.id, shop.id, q("11"))).await;
        assert!(matches!(rule(&e), RuleError::InsufficientStock { .. }));
        let e = refused(
            &s,
            MovementRequest::sale(p.id, shop.id, q("1")).reference(""),
        )
        .await;
        assert!(matches!(
            rule(&e),
            RuleError::InvalidText {
                field: "reference",
                ..
            }
        ));
        let long_reason = "x".repeat(501);
        let e = refused(
            &s,
            MovementRequest::sale(p.id, shop.id, q("1")).reason(long_reason),
        )
        .await;
        assert!(matches!(
            rule(&e),
            RuleError::InvalidText {
                field: "reason",
                ..
            }
        ));
    }
}

backend_tests! {
    #[tokio::test]
    async fn idempotent_retries_return_the_first_result() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let sale = || MovementRequest::sale(p.id, shop.id, q("2")).idempotency_key("ticket-0001");

        let first = s.inv.record(sale()).await.unwrap();
        assert!(!first.replayed);
        let before = snapshot(&s).await;
        let retry = s.inv.record(sale()).await.unwrap();
        assert!(retry.replayed);
        assert_eq!(
            retry.movements, first.movements,
            "the retry returns the first result"
        );
        assert_eq!(snapshot(&s).await, before, "a replay writes nothing");
        assert_eq!(on_hand(&s.inv, p.id, shop.id).await, q("8"));

        // Same key, different payload: a conflict, not the old result (legacy fix).
        let different = MovementRequest::sale(p.id, shop.id, q("3")).idempotency_key("ticket-0001");
        let e = refused(&s, different).await;
        assert!(
            matches!(e, Error::IdempotencyConflict { ref key } if key == "ticket-0001"),
            "{e:?}"
        );

        // Another actor retrying the same request is still the same request.
        let other = inventario_core::Actor::parse("cajero-2").unwrap();
        assert!(s.inv.record(sale().by(other)).await.unwrap().replayed);
    }
}

backend_tests! {
    #[tokio::test]
    async fn idempotency_inside_one_batch() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let line = |n: &str| MovementRequest::sale(p.id, shop.id, q(n)).idempotency_key("k1");

        let out = s
            .inv
            .record_movements(&[line("1"), line("1")])
            .await
            .unwrap();
        assert!(!out[0].replayed && out[1].replayed);
        assert_eq!(out[0].movements, out[1].movements);
        assert_eq!(
            on_hand(&s.inv, p.id, shop.id).await,
            q("9"),
            "the duplicate line applied once"
        );

        let before = snapshot(&s).await;
        let batch = [
            MovementRequest::sale(p.id, shop.id, q("1")).idempotency_key("k2"),
            line("2"),
        ];
        let e = s.inv.record_movements(&batch).await.unwrap_err();
        assert_eq!(e.line(), Some(1));
        assert!(
            matches!(e, Error::Batch { ref source, .. } if matches!(**source, Error::IdempotencyConflict { .. }))
        );
        assert_eq!(snapshot(&s).await, before);
    }
}

backend_tests! {
    #[tokio::test]
    async fn transfers_are_two_linked_rows_that_conserve_stock_and_value() {
        let s = TestStore::new().await;
        let back = location(&s.inv, "DEPOSITO").await;
        let shop = location(&s.inv, "SALON").await;
        let p = p10(&s.inv, "P10", back.id).await;
        s.inv
            .record(MovementRequest::receipt(
                p.id,
                back.id,
                q("10"),
                cost("130"),
            ))
            .await
            .unwrap();
        let value_before = s.inv.stock_value().await.unwrap().total;

        let moved = s
            .inv
            .record(MovementRequest::transfer(p.id, back.id, shop.id, q("6")))
            .await
            .unwrap();
        let [out, arrive] = &moved.movements[..] else {
            panic!("a transfer writes two rows")
        };
        assert_eq!(
            (out.kind, arrive.kind),
            (MovementKind::TransferOut, MovementKind::TransferIn)
        );
        assert_eq!(arrive.linked_movement, Some(out.id));
        assert_eq!((out.delta, arrive.delta), (q("-6"), q("6")));
        assert_eq!(out.value.centavos(), -arrive.value.centavos());
        assert_eq!(on_hand(&s.inv, p.id, back.id).await, q("14"));
        assert_eq!(on_hand(&s.inv, p.id, shop.id).await, q("6"));
        assert_eq!(
            s.inv.stock_value().await.unwrap().total,
            value_before,
            "value unchanged"
        );
        assert_eq!(
            s.inv.product(p.id).await.unwrap().unwrap().average_cost,
            cost("115")
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn average_cost_and_cost_history() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await; // 10 @ 100
        s.inv
            .record(MovementRequest::receipt(p.id, shop.id, q("5"), cost("130")))
            .await
            .unwrap();
        assert_eq!(
            s.inv.product(p.id).await.unwrap().unwrap().average_cost,
            cost("110")
        );
        let sale = s
            .inv
            .record(MovementRequest::sale(p.id, shop.id, q("3")))
            .await
            .unwrap();
        assert_eq!(
            sale.movements[0].unit_cost,
            cost("110"),
            "cost of goods sold at the average"
        );
        assert_eq!(sale.movements[0].value, money("-330"));
        assert_eq!(
            s.inv.product(p.id).await.unwrap().unwrap().average_cost,
            cost("110"),
            "sales keep it"
        );

        // Same cost again: no new history row; a new cost: one.
        s.inv
            .record(MovementRequest::receipt(p.id, shop.id, q("1"), cost("130")))
            .await
            .unwrap();
        s.inv
            .record(MovementRequest::receipt(p.id, shop.id, q("1"), cost("140")))
            .await
            .unwrap();
        let costs: Vec<String> = s
            .inv
            .price_history(p.id)
            .await
            .unwrap()
            .iter()
            .filter(|c| c.kind == inventario_core::domain::PriceKind::Cost)
            .map(|c| c.value.to_string())
            .collect();
        assert_eq!(costs, vec!["100.0000", "130.0000", "140.0000"]);

        // A return referencing its sale comes back at that sale's cost.
        let back = s
            .inv
            .record(MovementRequest::customer_return(
                p.id,
                shop.id,
                q("1"),
                Some(sale.movements[0].id),
            ))
            .await
            .unwrap();
        assert_eq!(back.movements[0].unit_cost, cost("110"));
        let e = refused(
            &s,
            MovementRequest::customer_return(p.id, shop.id, q("1"), Some(back.movements[0].id)),
        )
        .await;
        assert_eq!(rule(&e), &RuleError::SaleNotFound(back.movements[0].id));
    }
}

backend_tests! {
    #[tokio::test]
    async fn reservations_hold_stock_until_used_released_or_expired() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let held = s
            .inv
            .reserve(p.id, shop.id, q("8"), Some("PED-42"), None)
            .await
            .unwrap();
        let row = &s.inv.stock(Some(p.id), None).await.unwrap()[0];
        assert_eq!(
            (row.on_hand, row.reserved, row.available),
            (q("10"), q("8"), q("2"))
        );

        let e = refused(&s, MovementRequest::sale(p.id, shop.id, q("3"))).await;
        assert_eq!(
            rule(&e),
            &RuleError::InsufficientStock {
                available: q("2"),
                requested: q("3")
            }
        );
        let e = s
            .inv
            .reserve(p.id, shop.id, q("3"), None, None)
            .await
            .unwrap_err();
        assert!(matches!(rule(&e), RuleError::InsufficientStock { .. }));
        let e = s.inv.deactivate_product(p.id).await.unwrap_err();
        assert!(matches!(rule(&e), RuleError::ProductInUse { .. }));

        // The sale that fulfils the reservation may use it (and the 2 free units).
        let fulfil = MovementRequest::new(StockCommand::Sale {
            product: p.id,
            location: shop.id,
            quantity: q("9"),
            reservation: Some(held.id),
        });
        s.inv.record(fulfil).await.unwrap();
        let row = &s.inv.stock(Some(p.id), None).await.unwrap()[0];
        assert_eq!((row.on_hand, row.reserved), (q("1"), q("0")));
        let stored = s.inv.reservations(Some(p.id)).await.unwrap();
        assert_eq!(
            stored[0].status,
            inventario_core::domain::ReservationStatus::Fulfilled
        );

        // Released and expired reservations free their stock.
        let r = s
            .inv
            .reserve(p.id, shop.id, q("1"), None, None)
            .await
            .unwrap();
        s.inv.release_reservation(r.id).await.unwrap();
        assert_eq!(
            s.inv.stock(Some(p.id), None).await.unwrap()[0].reserved,
            q("0")
        );
        let e = s.inv.release_reservation(r.id).await.unwrap_err();
        assert_eq!(rule(&e), &RuleError::ReservationNotFound(r.id));
        let past = chrono::Utc::now() - chrono::Duration::seconds(1);
        s.inv
            .reserve(p.id, shop.id, q("1"), None, Some(past))
            .await
            .unwrap();
        s.inv
            .record(MovementRequest::sale(p.id, shop.id, q("1")))
            .await
            .expect("expired reservation holds nothing");
    }
}

backend_tests! {
    #[tokio::test]
    async fn product_lifecycle_rules() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let other = s
            .inv
            .create_product(NewProduct::new(sku("OTRO"), "Otro", money("10")))
            .await
            .unwrap();

        let e = s.inv.deactivate_product(p.id).await.unwrap_err();
        assert_eq!(
            rule(&e),
            &RuleError::ProductInUse {
                product: p.id,
                reason: inventario_core::domain::InUse::StockOnHand
            }
        );

        let rename = ProductChanges {
            sku: Some(sku("OTRO")),
            ..ProductChanges::default()
        };
        let e = s.inv.update_product(p.id, &rename).await.unwrap_err();
        assert_eq!(rule(&e), &RuleError::DuplicateSku(sku("OTRO")));

        let ean = Barcode::parse("7790895000997").unwrap();
        let with_code = ProductChanges {
            barcode: Some(ean.clone()),
            ..ProductChanges::default()
        };
        s.inv.update_product(other.id, &with_code).await.unwrap();
        let e = s.inv.update_product(p.id, &with_code).await.unwrap_err();
        assert_eq!(rule(&e), &RuleError::DuplicateBarcode(ean));

        let bad_levels = ProductChanges {
            max_stock: Some(q("5")),
            ..ProductChanges::default()
        };
        let e = s.inv.update_product(p.id, &bad_levels).await.unwrap_err();
        assert!(matches!(rule(&e), RuleError::InvalidProduct(_)));

        let repriced = ProductChanges {
            sale_price: Some(money("165.50")),
            ..ProductChanges::default()
        };
        let updated = s.inv.update_product(p.id, &repriced).await.unwrap();
        assert_eq!(updated.sale_price, money("165.50"));
        let sales: Vec<_> = s
            .inv
            .price_history(p.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.kind == inventario_core::domain::PriceKind::Sale)
            .collect();
        assert_eq!(sales.len(), 2, "creation price and the change");
        assert_eq!(
            on_hand(&s.inv, p.id, shop.id).await,
            q("10"),
            "updates never touch stock"
        );

        s.inv
            .record(MovementRequest::sale(p.id, shop.id, q("10")))
            .await
            .unwrap();
        let gone = s.inv.deactivate_product(p.id).await.unwrap();
        assert!(!gone.active);
        assert!(
            s.inv.product(p.id).await.unwrap().is_some(),
            "never hard-deleted"
        );
        assert_eq!(s.inv.products(false).await.unwrap().len(), 1);
    }
}

backend_tests! {
    #[tokio::test]
    async fn negative_stock_only_where_the_location_allows_it() {
        let s = TestStore::new().await;
        let mut open_bar = inventario_core::NewLocation::new("BARRA", "Barra");
        open_bar.negative_stock_allowed = true;
        let bar = s.inv.create_location(open_bar).await.unwrap();
        let p = p10(&s.inv, "P10", bar.id).await;
        s.inv
            .record(MovementRequest::sale(p.id, bar.id, q("12")))
            .await
            .unwrap();
        assert_eq!(on_hand(&s.inv, p.id, bar.id).await, q("-2"));
        // A receipt on a negative total re-prices from the receipt.
        s.inv
            .record(MovementRequest::receipt(p.id, bar.id, q("4"), cost("120")))
            .await
            .unwrap();
        assert_eq!(
            s.inv.product(p.id).await.unwrap().unwrap().average_cost,
            cost("120")
        );
        assert!(s.inv.verify_ledger(None).await.unwrap().is_consistent());
    }
}

backend_tests! {
    #[tokio::test]
    async fn the_schema_refuses_what_the_rules_refuse() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let raw = s.raw().await;
        let insert = |after: i64| {
            format!(
                "INSERT INTO stock_movements (tenant_id, product_id, location_id, seq, kind, tipo, subtipo, \
                   quantity_milli, delta_milli, before_milli, after_milli, negative_allowed, unit_cost, \
                   actor, occurred_at, recorded_at) \
                 VALUES ('default', {}, {}, 99, 'sale', 'SALIDA', 'VENTA', 1000, -1000, 10000, {after}, $1, $2, 'x', 0, 0)",
                p.id.0, shop.id.0
            )
        };
        let run = |sql: String| {
            let raw = raw.clone();
            async move {
                sqlx::query(&sql)
                    .bind(false)
                    .bind(vec![0u8])
                    .execute(&raw)
                    .await
            }
        };
        assert!(
            run(insert(8000)).await.is_err(),
            "after must equal before + delta"
        );
        let consistent = run(insert(9000)).await;
        assert!(consistent.is_ok(), "a consistent row is accepted: {consistent:?}");
        let err = sqlx::query("UPDATE stock_movements SET after_milli = 0")
            .execute(&raw)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        // Only a key rotation's re-encryption may rewrite a row, and only its cost envelope.
        let rewrap = sqlx::query("UPDATE stock_movements SET unit_cost = $1")
            .bind(vec![1u8])
            .execute(&raw)
            .await;
        assert!(rewrap.is_ok(), "{rewrap:?}");
        assert!(sqlx::query("DELETE FROM stock_movements")
            .execute(&raw)
            .await
            .is_err());
        let negative = sqlx::query("UPDATE stock_balances SET on_hand_milli = -1")
            .execute(&raw)
            .await;
        assert!(
            negative.is_err(),
            "no negative balance where the location forbids it"
        );
        raw.close().await;
    }
}

backend_tests! {
    #[tokio::test]
    async fn verify_finds_a_tampered_balance_and_repair_compensates_in_the_ledger() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        s.inv
            .record(MovementRequest::sale(p.id, shop.id, q("4")))
            .await
            .unwrap();
        assert!(s.inv.verify_ledger(None).await.unwrap().is_consistent());
        assert_eq!(
            s.inv.repair(p.id, shop.id).await.unwrap(),
            None,
            "nothing to repair"
        );

        // A legacy habit: editing stock directly.
        let raw = s.raw().await;
        sqlx::query("UPDATE stock_balances SET on_hand_milli = 9000")
            .execute(&raw)
            .await
            .unwrap();
        raw.close().await;
        let report = s.inv.verify_ledger(Some(p.id)).await.unwrap();
        assert_eq!(report.discrepancies.len(), 1);
        let d = &report.discrepancies[0];
        assert_eq!(
            (d.ledger_on_hand, d.balance_on_hand, d.broken_at_seq),
            (q("6"), q("9"), None)
        );

        let fix = s
            .inv
            .repair(p.id, shop.id)
            .await
            .unwrap()
            .expect("a compensating row");
        assert_eq!(
            (fix.kind, fix.delta, fix.before, fix.after),
            (MovementKind::Adjustment, q("3"), q("6"), q("9"))
        );
        assert_eq!(fix.reason.as_deref(), Some(inventario_core::REPAIR_REASON));
        assert!(s.inv.verify_ledger(None).await.unwrap().is_consistent());
        // The next movement continues the repaired sequence.
        let next = s
            .inv
            .record(MovementRequest::sale(p.id, shop.id, q("1")))
            .await
            .unwrap();
        assert_eq!(
            (next.movements[0].seq, next.movements[0].before),
            (fix.seq + 1, q("9"))
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn tenants_share_a_file_but_nothing_else() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        p10(&s.inv, "P10", shop.id).await;
        let options = inventario_core::OpenOptions::new("otro-cajero")
            .unwrap()
            .tenant(inventario_core::TenantId::parse("sucursal-2").unwrap());
        let other = s.open_as(options).await;
        assert!(other.products(true).await.unwrap().is_empty());
        assert!(other.locations().await.unwrap().is_empty());
        let their_shop = location(&other, "LOCAL").await;
        p10(&other, "P10", their_shop.id).await;
        let e = other
            .record(MovementRequest::sale(
                s.inv.products(false).await.unwrap()[0].id,
                their_shop.id,
                q("1"),
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(rule(&e), RuleError::ProductNotFound(_)),
            "another tenant's product is unknown"
        );
        assert_eq!(s.inv.stock(None, None).await.unwrap().len(), 1);
    }
}

backend_tests! {
    #[tokio::test]
    async fn concurrent_sellers_never_oversell() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let mut p = NewProduct::new(sku("HOT"), "Muy vendido", money("10"));
        p.initial_stock = Some(InitialStock {
            location: shop.id,
            quantity: q("100"),
            unit_cost: cost("5"),
        });
        let p = s.inv.create_product(p).await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let inv = s.inv.clone();
            tasks.push(tokio::spawn(async move {
                let (mut sold, mut refused) = (0u32, 0u32);
                loop {
                    match inv
                        .record(MovementRequest::sale(p.id, shop.id, q("1")))
                        .await
                    {
                        Ok(_) => sold += 1,
                        Err(e) if matches!(e.rule(), Some(RuleError::InsufficientStock { .. })) => {
                            refused += 1;
                            if refused > 3 {
                                return sold;
                            }
                        }
                        Err(e) => panic!("unexpected error: {e}"),
                    }
                }
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        assert_eq!(total, 100, "exactly the stock was sold");
        assert_eq!(on_hand(&s.inv, p.id, shop.id).await, q("0"));
        assert!(s.inv.verify_ledger(None).await.unwrap().is_consistent());
    }
}

backend_tests! {
    #[tokio::test]
    async fn change_feed_resumes_after_a_cursor() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        for _ in 0..5 {
            s.inv
                .record(MovementRequest::sale(p.id, shop.id, q("1")))
                .await
                .unwrap();
        }
        let first = s.inv.movements_since(None, 3).await.unwrap();
        assert_eq!(first.len(), 3);
        let rest = s.inv.movements_since(Some(first[2].id), 100).await.unwrap();
        assert_eq!(rest.len(), 3);
        assert!(rest.iter().all(|m| m.id > first[2].id));
        assert!(s
            .inv
            .movements_since(Some(rest[2].id), 100)
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test]
async fn memory_store_and_bad_urls() {
    let inv = inventario_core::Inventory::open("sqlite::memory:", test_key(), "tester")
        .await
        .unwrap();
    let shop = location(&inv, "LOCAL").await;
    p10(&inv, "P10", shop.id).await;
    assert_eq!(
        inv.stock(None, None).await.unwrap().len(),
        1,
        "memory store keeps its data across calls"
    );

    let e = inventario_core::Inventory::open("mysql://localhost/x", test_key(), "tester")
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Store(inventario_core::StoreError::InvalidUrl(_))
    ));
    let e = inventario_core::Inventory::open("postgres://u@h:notaport/db", test_key(), "tester")
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Store(inventario_core::StoreError::InvalidUrl(_))),
        "{e}"
    );
    // A TLS file that cannot be read is named, before any connection is tried.
    let e = inventario_core::Inventory::open(
        "postgres://u@127.0.0.1:1/db?sslmode=verify-full&sslrootcert=/no/such/ca.pem",
        test_key(),
        "tester",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::Store(inventario_core::StoreError::TlsFile { parameter: "sslrootcert", path, .. }) if path.ends_with("ca.pem")),
        "{e}"
    );
    assert!(e.to_string().contains("/no/such/ca.pem"), "{e}");
    // A server that is not there is reported as such, at once (not as a pool timeout).
    let started = std::time::Instant::now();
    let e = inventario_core::Inventory::open("postgres://u@127.0.0.1:1/db", test_key(), "tester")
        .await
        .unwrap_err();
    assert!(e.to_string().to_lowercase().contains("refused"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let e = inventario_core::Inventory::open("sqlite::memory:", test_key(), " ")
        .await
        .unwrap_err();
    assert_eq!(rule(&e), &RuleError::InvalidActor);
    let _ = AdjustmentChange::Delta(q("1"));
}

backend_tests! {
    #[tokio::test]
    async fn losses_keep_their_typed_reason_and_the_callers_note() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let lost = s
            .inv
            .record(
                MovementRequest::loss(p.id, shop.id, q("2"), LossReason::Expired)
                    .reason("heladera cortada"),
            )
            .await
            .unwrap();
        let stored = &s.inv.movements_since(None, 10).await.unwrap()[1];
        assert_eq!(stored, &lost.movements[0]);
        assert_eq!(stored.loss_reason, Some(LossReason::Expired));
        assert_eq!(stored.reason.as_deref(), Some("heladera cortada"));
        assert_eq!(MovementKind::Loss.legacy(), ("SALIDA", "MERMA"));

        let e = refused(
            &s,
            MovementRequest::loss(p.id, shop.id, q("1"), LossReason::Other),
        )
        .await;
        assert_eq!(
            rule(&e),
            &RuleError::MissingReason {
                kind: MovementKind::Loss
            }
        );
        s.inv
            .record(
                MovementRequest::loss(p.id, shop.id, q("1"), LossReason::Other)
                    .reason("se cayó del estante"),
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn file_stores_run_in_wal_mode_with_a_busy_timeout() {
    let s = TestStore::new().await;
    let shop = location(&s.inv, "LOCAL").await;
    let mut p = NewProduct::new(sku("COCA"), "Coca-Cola 2 L", money("3500"));
    p.barcode = Some(Barcode::parse("7790895000997").unwrap());
    let p = s.inv.create_product(p).await.unwrap();
    let found = s
        .inv
        .product_by_barcode(&Barcode::parse("7790895000997").unwrap())
        .await
        .unwrap();
    assert_eq!(found.map(|f| f.id), Some(p.id));
    let raw = s.raw().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!(
        mode, "wal",
        "WAL is a property of the file, set when the store opened it"
    );
    raw.close().await;
    // A second handle on the same file waits for the first writer instead of failing.
    let second = inventario_core::Inventory::open(&s.url, test_key(), "otro")
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        s.inv.record(MovementRequest::receipt(
            p.id,
            shop.id,
            q("5"),
            cost("2000")
        )),
        second.record(MovementRequest::receipt(
            p.id,
            shop.id,
            q("5"),
            cost("2000")
        )),
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(on_hand(&s.inv, p.id, shop.id).await, q("10"));
}

backend_tests! {
    #[tokio::test]
    async fn duplicate_location_and_supplier_codes_are_refused() {
        let s = TestStore::new().await;
        location(&s.inv, "LOCAL").await;
        s.inv
            .create_supplier(inventario_core::NewSupplier::new("CO", "Coca-Cola FEMSA"))
            .await
            .unwrap();
        let before = snapshot(&s).await;
        let e = s
            .inv
            .create_location(inventario_core::NewLocation::new(" local ", "Otro"))
            .await
            .unwrap_err();
        assert_eq!(rule(&e), &RuleError::DuplicateLocationCode("LOCAL".into()));
        let e = s
            .inv
            .create_supplier(inventario_core::NewSupplier::new("co", "Otra"))
            .await
            .unwrap_err();
        assert_eq!(rule(&e), &RuleError::DuplicateSupplierCode("CO".into()));
        assert_eq!(snapshot(&s).await, before);
        assert_eq!(s.inv.suppliers().await.unwrap().len(), 1);
    }
}
