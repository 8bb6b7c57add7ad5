//! The dashboard queries involving orders, on a fixture whose numbers are computed by hand in the
//! comments.

#[macro_use]
mod common;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use common::*;
use inventario_core::domain::orders::LineReceipt;
use inventario_core::domain::values::UnitOfMeasure;
use inventario_core::domain::{DateRange, InitialStock};
use inventario_core::{MovementRequest, NewOrderLine, NewProduct, NewSupplier};

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

backend_tests! {
    #[tokio::test]
    async fn summary_provider_stats_top_ordered_and_monthly_trends() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let deposito = location(inv, "DEPOSITO").await.id;
        let co = inv
            .create_supplier(NewSupplier::new("CO", "Coca-Cola FEMSA"))
            .await
            .unwrap()
            .id;
        let ls = inv
            .create_supplier(NewSupplier::new("LS", "Mastellone"))
            .await
            .unwrap()
            .id;
        let fr = inv
            .create_supplier(NewSupplier::new("FR", "Frutas"))
            .await
            .unwrap()
            .id;

        let mut coca = NewProduct::new(sku("COCA"), "Coca-Cola 2 L", money("2000"));
        coca.min_stock = q("10");
        coca.supplier = Some(co);
        coca.initial_stock = Some(InitialStock {
            location: deposito,
            quantity: q("50"),
            unit_cost: cost("1000"),
        });
        let mut leche = NewProduct::new(sku("LECHE"), "Leche", money("900"));
        leche.supplier = Some(ls);
        leche.initial_stock = Some(InitialStock {
            location: deposito,
            quantity: q("20"),
            unit_cost: cost("500"),
        });
        let mut banana = NewProduct::new(sku("BANANA"), "Banana", money("1500"));
        banana.unit = UnitOfMeasure::Kg;
        banana.min_stock = q("5");
        banana.supplier = Some(fr);
        let [coca, leche, banana] = <[_; 3]>::try_from(
            inv.create_products(vec![coca, leche, banana])
                .await
                .unwrap(),
        )
        .unwrap();

        let line = |product, quantity: &str, unit_cost: &str| NewOrderLine {
            product,
            quantity: q(quantity),
            expected_unit_cost: cost(unit_cost),
        };
        let o1 = inv
            .create_order(co, &[line(coca.id, "24", "1000")], None)
            .await
            .unwrap();
        let o2 = inv
            .create_order(co, &[line(coca.id, "12", "1100")], None)
            .await
            .unwrap();
        inv.create_order(ls, &[line(leche.id, "30", "500")], None)
            .await
            .unwrap();
        inv.create_order(fr, &[line(banana.id, "20.5", "800")], None)
            .await
            .unwrap();
        inv.cancel_order(o2.id).await.unwrap();
        inv.send_order(o1.id).await.unwrap();
        inv.receive_order(
            o1.id,
            deposito,
            &[LineReceipt {
                line: o1.lines[0].id,
                quantity: q("10"),
                unit_cost: None,
            }],
        )
        .await
        .unwrap();

        // Back-dated sales: 3 days ago (inside the 7-day window) and 10 days ago (outside), plus
        // two in early 2026 for the monthly trend.
        let now = Utc::now();
        inv.record_movements(&[
            MovementRequest::sale(coca.id, deposito, q("1")).occurred_at(now - Duration::days(3)),
            MovementRequest::sale(coca.id, deposito, q("1")).occurred_at(now - Duration::days(10)),
            MovementRequest::sale(coca.id, deposito, q("2")).occurred_at(at("2026-02-10T15:00:00Z")),
            MovementRequest::sale(coca.id, deposito, q("3")).occurred_at(at("2026-03-05T15:00:00Z")),
        ])
        .await
        .unwrap();

        let today = inv.today();
        let summary = inv.dashboard_summary(today).await.unwrap();
        assert_eq!(summary.active_suppliers, 3);
        // Orders o1, LS and FR; o2 is cancelled. Counted as orders, not lines.
        assert_eq!(summary.orders_last_30_days, 3);
        // 24 + 30 + 20.5
        assert_eq!(summary.units_ordered_last_30_days, q("74.5"));
        // Today: 2 initial stocks + 1 order receipt; 3 days ago: 1 sale. The 10-day-old sale and the
        // February/March ones are outside.
        assert_eq!(summary.movements_last_7_days, 4);
        // One order each; LS has the most units (30 > 24 > 20.5).
        assert_eq!(summary.top_supplier, Some(ls));
        // Only the banana (0 kg, minimum 5) is critical; coca has 50 + 10 − 7 = 53, leche has minimum 0.
        assert_eq!(summary.products_below_minimum, 1);

        let stats = inv.provider_stats().await.unwrap();
        let shape: Vec<_> = stats
            .iter()
            .map(|p| {
                (
                    p.code.as_str(),
                    p.products,
                    p.orders,
                    p.units_ordered,
                    p.units_received,
                    p.ordered_value,
                    p.last_order,
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                // 24 × 1000 = 24.000,00; 10 received. The cancelled order does not count.
                ("CO", 1, 1, q("24"), q("10"), money("24000"), Some(today)),
                // 20.5 × 800 = 16.400,00
                ("FR", 1, 1, q("20.5"), q("0"), money("16400"), Some(today)),
                // 30 × 500 = 15.000,00
                ("LS", 1, 1, q("30"), q("0"), money("15000"), Some(today)),
            ]
        );

        let this_month = DateRange {
            start: today.with_day(1).unwrap(),
            end: today,
        };
        let top = inv.top_ordered(this_month, 2).await.unwrap();
        let shape: Vec<_> = top
            .iter()
            .map(|t| (t.sku.as_str(), t.quantity, t.orders))
            .collect();
        assert_eq!(shape, vec![("LECHE", q("30"), 1), ("COCA", q("24"), 1)]);

        let early_2026 = DateRange {
            start: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        };
        let trends = inv.monthly_trends(early_2026).await.unwrap();
        let shape: Vec<_> = trends
            .iter()
            .map(|t| (t.month, t.sold, t.cost_of_goods_sold, t.received, t.orders))
            .collect();
        // Sales at the average cost of 1.000,00.
        assert_eq!(
            shape,
            vec![
                (2, q("2"), money("2000"), q("0"), 0),
                (3, q("3"), money("3000"), q("0"), 0)
            ]
        );
        let now_trend = inv.monthly_trends(this_month).await.unwrap();
        let current = now_trend.iter().find(|t| t.month == today.month()).unwrap();
        assert_eq!(
            (current.received, current.orders, current.units_ordered),
            (q("10"), 3, q("74.5"))
        );
    }
}
