//! The legacy suppliers, supplier assignment against stored suppliers, and shop-floor commands
//! run end to end on a real SQLite file.

#[macro_use]
mod common;

use chrono::NaiveDate;
use common::*;
use inventario_core::domain::commands::CommandError;
use inventario_core::domain::orders::OrderStatus;
use inventario_core::domain::suppliers::MatchKind;
use inventario_core::domain::values::UnitOfMeasure;
use inventario_core::domain::InitialStock;
use inventario_core::{
    Error, FloorOutcome, FloorSetup, MovementKind, NewLocation, NewProduct, NewSupplier,
};
use rust_decimal::Decimal;

struct Floor {
    s: TestStore,
    setup: FloorSetup,
    kiosco: inventario_core::LocationId,
}

async fn floor() -> Floor {
    let s = TestStore::new().await;
    let deposito = location(&s.inv, "DEPOSITO").await.id;
    let salon = location(&s.inv, "SALON").await.id;
    let kiosco = s
        .inv
        .create_location(NewLocation::new("KIOSCO", "Kiosco"))
        .await
        .unwrap()
        .id;
    s.inv.load_legacy_suppliers().await.unwrap();
    let product = |code: &str, name: &str, brand: Option<&str>, category: &str| {
        let mut p = NewProduct::new(sku(code), name, money("3000"));
        p.brand = brand.map(Into::into);
        p.category = Some(category.into());
        p.initial_stock = Some(InitialStock {
            location: deposito,
            quantity: q("20"),
            unit_cost: cost("1000"),
        });
        p
    };
    let mut banana = product("VER-BANANA", "Banana Ecuador", None, "fruta");
    banana.unit = UnitOfMeasure::Kg;
    s.inv
        .create_products(vec![
            product("BEB-COCA-2L", "Coca Cola 2 L", Some("Coca-Cola"), "bebidas"),
            product(
                "ALM-OREO",
                "Galletitas Oreo 118 g",
                Some("Oreo"),
                "galletitas",
            ),
            banana,
        ])
        .await
        .unwrap();
    Floor {
        s,
        setup: FloorSetup {
            receiving: deposito,
            back_store: deposito,
            sales_floor: salon,
        },
        kiosco,
    }
}

backend_tests! {
    #[tokio::test]
    async fn legacy_suppliers_load_once_and_drive_assignment() {
        let f = floor().await;
        let inv = &f.s.inv;
        let codes: Vec<String> = inv
            .suppliers()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.code)
            .collect();
        assert_eq!(
            codes,
            ["ACE", "BC", "CO", "FA", "FR", "GA", "LS", "LV", "MAX", "MU", "Q", "TER"]
        );
        assert!(
            inv.load_legacy_suppliers().await.unwrap().is_empty(),
            "a second load creates nothing"
        );
        let max = inv.supplier_by_code("MAX").await.unwrap().unwrap();
        assert!(max.is_default);

        let (id, assignment) = inv
            .assign_supplier("Coca Cola", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(inv.supplier(id).await.unwrap().unwrap().code, "CO");
        assert_eq!(
            (assignment.kind, assignment.confidence),
            (MatchKind::DirectBrand, Decimal::new(95, 2))
        );
        let (id, assignment) = inv
            .assign_supplier("Cerveza", Some("bebida alcoholica"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            inv.supplier(id).await.unwrap().unwrap().code,
            "Q",
            "excluded from BC"
        );
        assert_eq!(assignment.kind, MatchKind::Category);
        let (id, assignment) = inv.assign_supplier("", None).await.unwrap().unwrap();
        assert_eq!((id, assignment.confidence), (max.id, Decimal::new(50, 2)));
    }
}

backend_tests! {
    #[tokio::test]
    async fn reorder_groups_products_without_a_supplier_by_assignment() {
        let f = floor().await;
        let inv = &f.s.inv;
        // None of the products has a default supplier; give them minimums that make them reorder.
        for p in inv.products(false).await.unwrap() {
            let changes = inventario_core::ProductChanges {
                min_stock: Some(q("30")),
                ..Default::default()
            };
            inv.update_product(p.id, &changes).await.unwrap();
        }
        let groups = inv
            .reorder_suggestions(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap())
            .await
            .unwrap();
        let mut codes = Vec::new();
        for g in &groups {
            let supplier = inv
                .supplier(g.supplier.expect("every product assigned"))
                .await
                .unwrap()
                .unwrap();
            codes.push(supplier.code);
        }
        codes.sort();
        assert_eq!(codes, ["CO", "FR", "TER"]);
    }
}

backend_tests! {
    #[tokio::test]
    async fn shop_floor_commands_order_receive_and_move() {
        let f = floor().await;
        let inv = &f.s.inv;
        let coca = inv
            .product_by_sku(&sku("BEB-COCA-2L"))
            .await
            .unwrap()
            .unwrap();

        let FloorOutcome::Ordered(order) = inv
            .run_command("Pedir Coca Cola x 6", &f.setup, None)
            .await
            .unwrap()
        else {
            panic!("an order command drafts an order")
        };
        assert_eq!(
            inv.supplier(order.supplier).await.unwrap().unwrap().code,
            "CO"
        );
        assert_eq!(
            (
                order.status,
                order.lines[0].product,
                order.lines[0].quantity
            ),
            (OrderStatus::Draft, coca.id, q("6"))
        );
        let FloorOutcome::Ordered(again) = inv
            .run_command("Falta Coca Cola", &f.setup, None)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (again.id, again.lines[0].quantity),
            (order.id, q("7")),
            "the same draft grows"
        );

        let FloorOutcome::Moved(receipt) = inv
            .run_command(
                "Dejé 4 bananas del ecuador",
                &f.setup,
                Some("turno-1:dejé-bananas"),
            )
            .await
            .unwrap()
        else {
            panic!()
        };
        let m = &receipt.movements[0];
        assert_eq!(
            (m.kind, m.quantity, m.location),
            (MovementKind::Receipt, q("4"), f.setup.receiving)
        );
        assert_eq!(m.reason.as_deref(), Some("origen: ecuador"));
        let replay = inv
            .run_command(
                "Dejé 4 bananas del ecuador",
                &f.setup,
                Some("turno-1:dejé-bananas"),
            )
            .await
            .unwrap();
        assert!(
            matches!(replay, FloorOutcome::Moved(ref r) if r.replayed),
            "the key makes a retry harmless"
        );

        let FloorOutcome::Moved(out) = inv
            .run_command("Saqué 6 Oreo para el kiosco", &f.setup, None)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(out.movements[1].location, f.kiosco);
        let FloorOutcome::Moved(out) = inv
            .run_command("/salida \"Oreo\" 3", &f.setup, None)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (out.movements[0].location, out.movements[1].location),
            (f.setup.back_store, f.setup.sales_floor)
        );
        assert_eq!(out.movements[0].kind, MovementKind::TransferOut);
    }
}

backend_tests! {
    #[tokio::test]
    async fn refused_commands_say_what_to_try_and_change_nothing() {
        let f = floor().await;
        let before = snapshot(&f.s).await;
        let attempts = [
            "Pedir Coca Cola x 0",
            "Pedir Fernet Branca x 2",
            "hola que tal",
            "Saqué 2 Oreo para la luna",
            "Saqué 200 Oreo para el kiosco",
        ];
        let mut errors = Vec::new();
        for text in attempts {
            errors.push(f.s.inv.run_command(text, &f.setup, None).await.unwrap_err());
        }
        assert_eq!(snapshot(&f.s).await, before);
        assert!(
            matches!(errors[0], Error::Command(CommandError::ZeroQuantity { .. })),
            "{}",
            errors[0]
        );
        assert!(
            matches!(
                errors[1],
                Error::Command(CommandError::UnknownProduct { .. })
            ),
            "{}",
            errors[1]
        );
        assert!(
            matches!(errors[2], Error::Command(CommandError::Unparseable { .. })),
            "{}",
            errors[2]
        );
        assert!(
            matches!(
                errors[3],
                Error::Command(CommandError::UnknownDestination { .. })
            ),
            "{}",
            errors[3]
        );
        assert!(
            errors[3].to_string().contains("KIOSCO"),
            "the suggestion lists the destinations: {}",
            errors[3]
        );
        assert!(matches!(
            errors[4].rule(),
            Some(inventario_core::RuleError::InsufficientStock { .. })
        ));
        for e in &errors[..4] {
            let Error::Command(command) = e else {
                unreachable!()
            };
            assert!(!command.suggestion().is_empty(), "{e}");
        }
    }
}

backend_tests! {
    #[tokio::test]
    async fn an_order_for_a_product_no_supplier_covers_is_refused() {
        let s = TestStore::new().await;
        let deposito = location(&s.inv, "DEPOSITO").await.id;
        // No legacy suppliers and no default: nothing matches "Yerba".
        s.inv
            .create_supplier(NewSupplier::new("CO", "Coca-Cola FEMSA"))
            .await
            .unwrap();
        s.inv
            .create_product(NewProduct::new(
                sku("ALM-YERBA"),
                "Yerba mate",
                money("4000"),
            ))
            .await
            .unwrap();
        let setup = FloorSetup {
            receiving: deposito,
            back_store: deposito,
            sales_floor: deposito,
        };
        let before = snapshot(&s).await;
        let e = s
            .inv
            .run_command("Pedir yerba x 2", &setup, None)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Command(CommandError::NoSupplier { .. })),
            "{e}"
        );
        assert_eq!(snapshot(&s).await, before);
    }
}
