//! Purchase orders on a real SQLite file: drafts from reorder suggestions (one per supplier),
//! send, partial and full receipts as `Receipt` movements, cancellation, and what orders block.

#[macro_use]
mod common;

use chrono::NaiveDate;
use common::*;
use inventario_core::domain::orders::{LineReceipt, OrderError, OrderStatus};
use inventario_core::domain::{InUse, InitialStock, PriceKind};
use inventario_core::{Error, NewOrderLine, NewProduct, NewSupplier, RuleError};

fn summer() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()
}

struct Shop {
    s: TestStore,
    deposito: inventario_core::LocationId,
    coca: inventario_core::domain::Product,
    leche: inventario_core::domain::Product,
    suelto: inventario_core::domain::Product,
    co: inventario_core::SupplierId,
    ls: inventario_core::SupplierId,
}

async fn shop() -> Shop {
    let s = TestStore::new().await;
    let deposito = location(&s.inv, "DEPOSITO").await.id;
    let co = s
        .inv
        .create_supplier(NewSupplier::new("CO", "Coca-Cola FEMSA"))
        .await
        .unwrap()
        .id;
    let ls = s
        .inv
        .create_supplier(NewSupplier::new("LS", "Mastellone"))
        .await
        .unwrap()
        .id;
    let product = |code: &str, min: &str, max: Option<&str>, stock: &str, supplier| {
        let mut p = NewProduct::new(sku(code), code, money("2000"));
        p.min_stock = q(min);
        p.max_stock = max.map(q);
        p.pack_multiple = q("6");
        p.supplier = supplier;
        p.initial_stock = (stock != "0").then(|| InitialStock {
            location: deposito,
            quantity: q(stock),
            unit_cost: cost("1000"),
        });
        p
    };
    let created = s
        .inv
        .create_products(vec![
            product("COCA", "10", Some("48"), "6", Some(co)), // 48 − 6 = 42 → 42 (7 packs)
            product("LECHE", "12", None, "10", Some(ls)),     // 2 × 15.6 − 10 = 21.2 → 24
            product("SUELTO", "6", None, "0", None),          // no supplier
        ])
        .await
        .unwrap();
    let [coca, leche, suelto] = <[_; 3]>::try_from(created).unwrap();
    Shop {
        s,
        deposito,
        coca,
        leche,
        suelto,
        co,
        ls,
    }
}

backend_tests! {
    #[tokio::test]
    async fn drafts_one_order_per_supplier_and_does_not_order_twice() {
        let shop = shop().await;
        let inv = &shop.s.inv;
        let drafted = inv.draft_orders(summer()).await.unwrap();
        let shape: Vec<_> = drafted
            .orders
            .iter()
            .map(|o| {
                (
                    o.supplier,
                    o.status,
                    o.lines
                        .iter()
                        .map(|l| (l.product, l.quantity))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (shop.co, OrderStatus::Draft, vec![(shop.coca.id, q("42"))]),
                (shop.ls, OrderStatus::Draft, vec![(shop.leche.id, q("24"))]),
            ]
        );
        let today = inv.today().format("%Y%m%d").to_string();
        assert_eq!(drafted.orders[0].number, format!("PED-CO-{today}-1"));
        assert_eq!(
            drafted.orders[0].lines[0].expected_unit_cost,
            cost("1000"),
            "last purchase cost"
        );
        assert_eq!(
            drafted
                .unassigned
                .iter()
                .map(|l| l.product)
                .collect::<Vec<_>>(),
            vec![shop.suelto.id]
        );

        // What is on order is not suggested again.
        let again = inv.draft_orders(summer()).await.unwrap();
        assert!(again.orders.is_empty(), "{again:?}");
        let suggestions = inv.reorder_suggestions(summer()).await.unwrap();
        assert!(suggestions.iter().all(|g| g.supplier.is_none()));
        // A second order for the same supplier on the same day gets the next number.
        let manual = inv
            .create_order(
                shop.co,
                &[NewOrderLine {
                    product: shop.coca.id,
                    quantity: q("6"),
                    expected_unit_cost: cost("900"),
                }],
                None,
            )
            .await
            .unwrap();
        assert_eq!(manual.number, format!("PED-CO-{today}-2"));
    }
}

backend_tests! {
    #[tokio::test]
    async fn receiving_partly_then_fully_writes_keyed_receipts() {
        let shop = shop().await;
        let inv = &shop.s.inv;
        let order = inv.draft_orders(summer()).await.unwrap().orders.remove(0);
        let line = order.lines[0].id;

        let e = inv
            .receive_order(
                order.id,
                shop.deposito,
                &[LineReceipt {
                    line,
                    quantity: q("6"),
                    unit_cost: None,
                }],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Order(OrderError::InvalidTransition {
                    status: OrderStatus::Draft,
                    ..
                })
            ),
            "{e}"
        );
        let sent = inv.send_order(order.id).await.unwrap();
        assert_eq!(sent.status, OrderStatus::Sent);

        let first = inv
            .receive_order(
                order.id,
                shop.deposito,
                &[LineReceipt {
                    line,
                    quantity: q("30"),
                    unit_cost: Some(cost("1200")),
                }],
            )
            .await
            .unwrap();
        assert_eq!(first.order.status, OrderStatus::PartiallyReceived);
        assert_eq!(first.order.lines[0].received, q("30"));
        let movement = &first.recorded[0].movements[0];
        assert_eq!(movement.kind, inventario_core::MovementKind::Receipt);
        assert_eq!(
            movement.idempotency_key.as_deref(),
            Some(format!("order:{}:{}:1", order.id.0, line.0).as_str())
        );
        assert_eq!(movement.reference.as_deref(), Some(order.number.as_str()));
        assert_eq!(on_hand(inv, shop.coca.id, shop.deposito).await, q("36"));
        // 6 @ 1000 + 30 @ 1200 → 1166.6667
        assert_eq!(
            inv.product(shop.coca.id)
                .await
                .unwrap()
                .unwrap()
                .average_cost,
            cost("1166.6667")
        );
        let costs: Vec<_> = inv
            .price_history(shop.coca.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.kind == PriceKind::Cost)
            .map(|c| c.value)
            .collect();
        assert_eq!(costs, vec![cost("1000"), cost("1200")]);

        // Over-receipt is refused and changes nothing.
        let before = snapshot(&shop.s).await;
        let e = inv
            .receive_order(
                order.id,
                shop.deposito,
                &[LineReceipt {
                    line,
                    quantity: q("13"),
                    unit_cost: None,
                }],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Order(OrderError::ExceedsOutstanding { .. })),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!("{line} has 12 outstanding; cannot receive 13")
        );
        assert_eq!(snapshot(&shop.s).await, before);

        let rest = inv
            .receive_order(
                order.id,
                shop.deposito,
                &[LineReceipt {
                    line,
                    quantity: q("12"),
                    unit_cost: None,
                }],
            )
            .await
            .unwrap();
        assert_eq!(rest.order.status, OrderStatus::Received);
        let key = rest.recorded[0].movements[0].idempotency_key.clone();
        assert_eq!(
            key,
            Some(format!("order:{}:{}:2", order.id.0, line.0)),
            "each receipt is its own movement"
        );
        assert_eq!(
            rest.recorded[0].movements[0].unit_cost,
            cost("1000"),
            "expected cost when none is given"
        );
        assert_eq!(on_hand(inv, shop.coca.id, shop.deposito).await, q("48"));
        let e = inv.cancel_order(order.id).await.unwrap_err();
        assert_eq!(e.to_string(), "cannot cancel an order that is received");
        assert!(inv.verify_ledger(None).await.unwrap().is_consistent());
    }
}

backend_tests! {
    #[tokio::test]
    async fn cancelling_frees_the_on_order_quantity_and_open_lines_block_deactivation() {
        let shop = shop().await;
        let inv = &shop.s.inv;
        let order = inv.draft_orders(summer()).await.unwrap().orders.remove(1); // LS: leche
                                                                                // Empty the product so only the open order line keeps it from being deactivated.
        inv.record(inventario_core::MovementRequest::sale(
            shop.leche.id,
            shop.deposito,
            q("10"),
        ))
        .await
        .unwrap();
        let e = inv.deactivate_product(shop.leche.id).await.unwrap_err();
        assert_eq!(
            e.rule(),
            Some(&RuleError::ProductInUse {
                product: shop.leche.id,
                reason: InUse::OpenOrders
            })
        );
        let cancelled = inv.cancel_order(order.id).await.unwrap();
        assert_eq!(cancelled.status, OrderStatus::Cancelled);
        let again = inv.draft_orders(summer()).await.unwrap();
        assert_eq!(
            again.orders.len(),
            1,
            "the cancelled quantity is suggested again"
        );
        inv.cancel_order(again.orders[0].id).await.unwrap();
        inv.deactivate_product(shop.leche.id)
            .await
            .expect("no open order line any more");
        let listed = inv.orders(Some(OrderStatus::Cancelled)).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed[0].id > listed[1].id, "newest first");
    }
}

backend_tests! {
    #[tokio::test]
    async fn malformed_orders_are_refused() {
        let shop = shop().await;
        let inv = &shop.s.inv;
        let line = |quantity: &str| NewOrderLine {
            product: shop.coca.id,
            quantity: q(quantity),
            expected_unit_cost: cost("1"),
        };
        let before = snapshot(&shop.s).await;
        let e = inv
            .create_order(shop.co, &[line("6"), line("6")], None)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Order(OrderError::InvalidLines)));
        let e = inv.create_order(shop.co, &[], None).await.unwrap_err();
        assert!(matches!(e, Error::Order(OrderError::InvalidLines)));
        let e = inv
            .create_order(inventario_core::SupplierId(999), &[line("6")], None)
            .await
            .unwrap_err();
        assert_eq!(
            e.rule(),
            Some(&RuleError::SupplierNotFound(inventario_core::SupplierId(
                999
            )))
        );
        let e = inv
            .create_order(shop.co, &[line("0")], None)
            .await
            .unwrap_err();
        assert!(e.rule().is_some());
        let missing = inventario_core::OrderId(404);
        assert!(matches!(
            inv.send_order(missing).await.unwrap_err(),
            Error::Order(OrderError::NotFound(_))
        ));
        assert_eq!(inv.order(missing).await.unwrap(), None);
        assert_eq!(snapshot(&shop.s).await, before);
    }
}

backend_tests! {
    #[tokio::test]
    async fn a_receipt_into_an_unknown_location_changes_nothing() {
        let shop = shop().await;
        let inv = &shop.s.inv;
        let order = inv.draft_orders(summer()).await.unwrap().orders.remove(0);
        inv.send_order(order.id).await.unwrap();
        let before = snapshot(&shop.s).await;
        let nowhere = inventario_core::LocationId(404);
        let line = LineReceipt {
            line: order.lines[0].id,
            quantity: q("6"),
            unit_cost: None,
        };
        let e = inv
            .receive_order(order.id, nowhere, &[line])
            .await
            .unwrap_err();
        assert_eq!(e.rule(), Some(&RuleError::LocationNotFound(nowhere)));
        assert_eq!(snapshot(&shop.s).await, before);
        let unchanged = inv.order(order.id).await.unwrap().unwrap();
        assert_eq!(
            (unchanged.status, unchanged.lines[0].received),
            (OrderStatus::Sent, q("0"))
        );
    }
}
