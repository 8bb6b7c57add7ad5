//! DOMAIN 7's stock queries on a real SQLite file: inclusive day ranges in the shop's time zone,
//! deterministic ordering, cursor paging, critical and reorder lists by supplier, valuation.

#[macro_use]
mod common;

use chrono::{DateTime, NaiveDate, Utc};
use common::*;
use inventario_core::domain::replenishment::Urgency;
use inventario_core::domain::{DateRange, InitialStock};
use inventario_core::{HistoryFilter, MovementKind, MovementRequest, NewProduct, NewSupplier};

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn days(start: NaiveDate, end: NaiveDate) -> DateRange {
    DateRange { start, end }
}

backend_tests! {
    #[tokio::test]
    async fn day_ranges_are_inclusive_and_local_to_buenos_aires() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        // 23:00 on 1 March in Buenos Aires (UTC−3) is 02:00 UTC on 2 March.
        let late = MovementRequest::sale(p.id, shop.id, q("1")).occurred_at(at("2026-03-02T02:00:00Z"));
        // 00:30 on 2 March in Buenos Aires.
        let next_day =
            MovementRequest::sale(p.id, shop.id, q("2")).occurred_at(at("2026-03-02T03:30:00Z"));
        s.inv.record_movements(&[late, next_day]).await.unwrap();

        let march_1 = days(day(2026, 3, 1), day(2026, 3, 1));
        let top = s.inv.top_sold(march_1, 10).await.unwrap();
        assert_eq!(top.len(), 1);
        assert_eq!(
            (top[0].quantity, top[0].sales),
            (q("1"), 1),
            "the end day is included, the next is not"
        );

        let both = days(day(2026, 3, 1), day(2026, 3, 2));
        let timeline = s.inv.timeline(both).await.unwrap();
        let shape: Vec<_> = timeline
            .iter()
            .map(|t| (t.date, t.kind, t.movements, t.quantity))
            .collect();
        assert_eq!(
            shape,
            vec![
                (day(2026, 3, 1), MovementKind::Sale, 1, q("1")),
                (day(2026, 3, 2), MovementKind::Sale, 1, q("2")),
            ]
        );
        let filter = HistoryFilter {
            dates: Some(march_1),
            ..HistoryFilter::default()
        };
        let page = s.inv.history(&filter, None, 50).await.unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].quantity, q("1"));
    }
}

backend_tests! {
    #[tokio::test]
    async fn weekly_sales_use_iso_weeks() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        // Sunday 4 Jan 2026 is in ISO week 2026-W01; Monday 5 Jan starts W02. Noon local time.
        let sunday =
            MovementRequest::sale(p.id, shop.id, q("2")).occurred_at(at("2026-01-04T15:00:00Z"));
        let monday =
            MovementRequest::sale(p.id, shop.id, q("3")).occurred_at(at("2026-01-05T15:00:00Z"));
        s.inv.record_movements(&[sunday, monday]).await.unwrap();
        let weeks = s
            .inv
            .weekly_sales(days(day(2026, 1, 1), day(2026, 1, 31)))
            .await
            .unwrap();
        let shape: Vec<_> = weeks
            .iter()
            .map(|w| (w.iso_year, w.iso_week, w.quantity, w.cost_of_goods))
            .collect();
        assert_eq!(
            shape,
            vec![
                (2026, 1, q("2"), money("200")),
                (2026, 2, q("3"), money("300"))
            ]
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn history_filters_and_pages_newest_first() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let p = p10(&s.inv, "P10", shop.id).await;
        let other = p10(&s.inv, "P11", shop.id).await;
        for n in 0..7 {
            let ticket = format!("T-{n}");
            s.inv
                .record(MovementRequest::sale(p.id, shop.id, q("1")).reference(ticket))
                .await
                .unwrap();
        }
        s.inv
            .record(MovementRequest::sale(other.id, shop.id, q("1")))
            .await
            .unwrap();

        let sales_of_p = HistoryFilter {
            product: Some(p.id),
            kind: Some(MovementKind::Sale),
            ..HistoryFilter::default()
        };
        let first = s.inv.history(&sales_of_p, None, 3).await.unwrap();
        let second = s.inv.history(&sales_of_p, first.next, 3).await.unwrap();
        let third = s.inv.history(&sales_of_p, second.next, 3).await.unwrap();
        let refs: Vec<_> = [&first, &second, &third]
            .iter()
            .flat_map(|page| page.items.iter().map(|m| m.reference.clone().unwrap()))
            .collect();
        assert_eq!(refs, ["T-6", "T-5", "T-4", "T-3", "T-2", "T-1", "T-0"]);
        assert!(third.next.is_none(), "the last page has no cursor");

        let by_ref = HistoryFilter {
            reference: Some("T-3".into()),
            ..HistoryFilter::default()
        };
        assert_eq!(
            s.inv.history(&by_ref, None, 10).await.unwrap().items.len(),
            1
        );
        let by_actor = HistoryFilter {
            actor: Some("nobody".into()),
            ..HistoryFilter::default()
        };
        assert!(s
            .inv
            .history(&by_actor, None, 10)
            .await
            .unwrap()
            .items
            .is_empty());
        let by_actor = HistoryFilter {
            actor: Some("tester".into()),
            ..HistoryFilter::default()
        };
        assert_eq!(
            s.inv
                .history(&by_actor, None, 100)
                .await
                .unwrap()
                .items
                .len(),
            10
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn critical_over_stock_and_reorder_by_supplier() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let coca = s
            .inv
            .create_supplier(NewSupplier::new("CO", "Coca-Cola FEMSA"))
            .await
            .unwrap();
        let lacteos = s
            .inv
            .create_supplier(NewSupplier::new("LS", "La Serenísima"))
            .await
            .unwrap();
        let product = |code: &str, min: &str, max: Option<&str>, stock: &str, supplier| {
            let mut p = NewProduct::new(sku(code), code, money("100"));
            p.min_stock = q(min);
            p.max_stock = max.map(q);
            p.supplier = supplier;
            if stock != "0" {
                p.initial_stock = Some(InitialStock {
                    location: shop.id,
                    quantity: q(stock),
                    unit_cost: cost("50"),
                });
            }
            p
        };
        let created = s
            .inv
            .create_products(vec![
                product("GASEOSA", "10", None, "12", Some(coca.id)), // verano: threshold 13 → critical
                product("AGUA", "10", None, "14", Some(coca.id)),    // verano: 14 > 13 → fine
                product("LECHE", "7", Some("30"), "0", Some(lacteos.id)), // empty → critical
                product("YOGUR", "7", Some("20"), "20", Some(lacteos.id)), // at max → over-stock
                product("SUELTO", "3", None, "1", None),             // no supplier
            ])
            .await
            .unwrap();
        let summer = day(2026, 1, 15);

        let critical = s.inv.critical_products(summer).await.unwrap();
        let shape: Vec<_> = critical
            .iter()
            .map(|c| {
                (
                    c.sku.as_str().to_owned(),
                    c.shortage.urgency,
                    c.shortage.deficit.to_string(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("LECHE".to_owned(), Urgency::Critical, "9.1".to_owned()),
                ("SUELTO".to_owned(), Urgency::Warning, "2.9".to_owned()),
                ("GASEOSA".to_owned(), Urgency::Low, "1".to_owned()),
            ]
        );
        // In winter (factor 0.8) the same gaseosa is fine.
        let winter = s.inv.critical_products(day(2026, 7, 15)).await.unwrap();
        assert!(winter.iter().all(|c| c.sku.as_str() != "GASEOSA"));

        let over = s.inv.over_stock().await.unwrap();
        assert_eq!(
            over.iter().map(|o| o.sku.as_str()).collect::<Vec<_>>(),
            ["YOGUR"]
        );

        let groups = s.inv.reorder_suggestions(summer).await.unwrap();
        let shape: Vec<_> = groups
            .iter()
            .map(|g| {
                (
                    g.supplier,
                    g.lines
                        .iter()
                        .map(|l| (l.product, l.quantity))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some(coca.id), vec![(created[0].id, q("14"))]), // 26 − 12
                (Some(lacteos.id), vec![(created[2].id, q("30"))]), // up to max 30
                (None, vec![(created[4].id, q("7"))]),           // 2 × 3.9 − 1 = 6.8 → 7
            ]
        );

        let by_supplier = s.inv.stock_by_supplier().await.unwrap();
        let unidad = inventario_core::domain::values::UnitOfMeasure::Unidad;
        let shape: Vec<_> = by_supplier
            .iter()
            .map(|g| {
                (
                    g.supplier,
                    g.products,
                    g.on_hand.get(&unidad).copied(),
                    g.value,
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some(coca.id), 2, Some(q("26")), money("1300")),
                (Some(lacteos.id), 2, Some(q("20")), money("1000")),
                (None, 1, Some(q("1")), money("50")),
            ]
        );
        assert!(
            by_supplier.iter().all(|g| g.on_hand.len() == 1),
            "one unit of measure each"
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn stock_value_rounds_once_at_the_end() {
        let s = TestStore::new().await;
        let shop = location(&s.inv, "LOCAL").await;
        let mut kg = NewProduct::new(sku("QUESO"), "Queso cremoso", money("9000"));
        kg.unit = inventario_core::domain::values::UnitOfMeasure::Kg;
        kg.initial_stock = Some(InitialStock {
            location: shop.id,
            quantity: q("0.333"),
            unit_cost: cost("10.005"),
        });
        let mut kg2 = kg.clone();
        kg2.sku = sku("QUESO2");
        s.inv.create_products(vec![kg, kg2]).await.unwrap();
        let value = s.inv.stock_value().await.unwrap();
        // 2 × 0.333 × 10.005 = 6.66333 → 6.66; per product 3.331665 → 3.33 each.
        assert_eq!(value.total, money("6.66"));
        assert!(value
            .products
            .iter()
            .all(|(_, _, _, v)| *v == money("3.33")));
    }
}
