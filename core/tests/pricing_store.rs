//! Repricing and the minimum-margin rule through the store.

#[macro_use]
mod common;

use chrono::NaiveDate;
use common::*;
use inventario_core::domain::pricing::{
    FullEngine, InflationCalculator, MonthlyRate, PricingError, PricingTables, Region,
};
use inventario_core::domain::{InitialStock, PriceKind, PriceSource};
use inventario_core::{Error, NewProduct, ProductChanges, RepriceBase, RepriceScope, Repricing};
use rust_decimal::Decimal;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn fixture(s: &TestStore) -> Vec<inventario_core::domain::Product> {
    let shop = location(&s.inv, "LOCAL").await.id;
    let product = |code: &str, category: &str, price: &str, unit_cost: Option<&str>| {
        let mut p = NewProduct::new(sku(code), code, money(price));
        p.category = Some(category.into());
        p.initial_stock = unit_cost.map(|c| InitialStock {
            location: shop,
            quantity: q("10"),
            unit_cost: cost(c),
        });
        p
    };
    s.inv
        .create_products(vec![
            product("GASEOSA", "Bebidas", "150", Some("100")),
            product("AGUA", "bebidas", "100", Some("100")), // at cost: below the 12 % margin
            product("NUEVA", "bebidas", "80", None),        // never received: no cost
            product("REMERA", "ropa", "5000", Some("2000")),
        ])
        .await
        .unwrap()
}

backend_tests! {
    #[tokio::test]
    async fn full_engine_reprices_one_category_from_cost_with_history() {
        let s = TestStore::new().await;
        let p = fixture(&s).await;
        let request = Repricing {
            scope: RepriceScope::Category("BEBIDAS".into()),
            base: RepriceBase::AverageCost,
            region: Region::from_name("Córdoba").unwrap(),
            reference_date: day(2026, 1, 10),
            target_date: day(2026, 1, 10),
            force_below_margin: false,
        };
        let report = s
            .inv
            .reprice(
                &request,
                &FullEngine {
                    tables: PricingTables::default(),
                },
            )
            .await
            .unwrap();
        // DOMAIN 5: 100 bebidas in January, Córdoba, no elapsed days → 100 × 1.30 × 0.95 × 1.848 = 228.23.
        let changed: Vec<_> = report
            .repriced
            .iter()
            .map(|r| (r.sku.as_str(), r.old_price, r.new_price))
            .collect();
        assert_eq!(
            changed,
            vec![
                ("AGUA", money("100"), money("228.23")),
                ("GASEOSA", money("150"), money("228.23"))
            ]
        );
        assert_eq!(
            report
                .without_cost
                .iter()
                .map(|(_, sku)| sku.as_str())
                .collect::<Vec<_>>(),
            ["NUEVA"]
        );
        assert!(report.refused.is_empty());
        assert_eq!(
            s.inv.product(p[3].id).await.unwrap().unwrap().sale_price,
            money("5000"),
            "other categories untouched"
        );
        let history = s.inv.price_history(p[0].id).await.unwrap();
        let last = history.last().unwrap();
        assert_eq!(
            (last.kind, last.source, last.value),
            (PriceKind::Sale, PriceSource::Repricing, cost("228.23"))
        );
    }
}

backend_tests! {
    #[tokio::test]
    async fn inflation_update_refuses_prices_below_the_minimum_margin() {
        let s = TestStore::new().await;
        let p = fixture(&s).await;
        let rate = MonthlyRate::from_fraction(Decimal::new(45, 3)).unwrap();
        let request = Repricing {
            scope: RepriceScope::All,
            base: RepriceBase::SalePrice,
            region: Region::Caba,
            reference_date: day(2026, 3, 1),
            target_date: day(2026, 3, 31),
            force_below_margin: false,
        };
        let before = snapshot(&s).await;
        let report = s
            .inv
            .reprice(&request, &InflationCalculator { rate })
            .await
            .unwrap();
        // 30 days at 4.5 %: factor 1.045^(30/30.44) = 1.04433533… (Python decimal, 50 digits):
        // 150 → 156.65; 80 → 83.55; 5000 → 5221.68.
        // AGUA: 100 → 104.43, still below 112.00 (cost 100 + 12 %): refused and left as it was.
        let changed: Vec<_> = report
            .repriced
            .iter()
            .map(|r| (r.sku.as_str(), r.new_price))
            .collect();
        assert_eq!(
            changed,
            vec![
                ("GASEOSA", money("156.65")),
                ("NUEVA", money("83.55")),
                ("REMERA", money("5221.68"))
            ]
        );
        assert_eq!(report.refused.len(), 1);
        let (product, _, error) = &report.refused[0];
        assert_eq!(*product, p[1].id);
        assert_eq!(
            error.to_string(),
            "sale price 104.43 is below the minimum 112.00 (cost plus 12 % margin)"
        );
        assert_eq!(
            s.inv.product(p[1].id).await.unwrap().unwrap().sale_price,
            money("100")
        );
        assert_ne!(snapshot(&s).await, before);
    }
}

backend_tests! {
    #[tokio::test]
    async fn manual_prices_keep_the_minimum_margin_unless_forced() {
        let s = TestStore::new().await;
        let p = fixture(&s).await;
        let cheap = ProductChanges {
            sale_price: Some(money("110")),
            ..ProductChanges::default()
        };
        let before = snapshot(&s).await;
        let e = s.inv.update_product(p[0].id, &cheap).await.unwrap_err();
        assert!(
            matches!(e, Error::Pricing(PricingError::BelowMinimumMargin { .. })),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "sale price 110.00 is below the minimum 112.00 (cost plus 12 % margin)"
        );
        assert_eq!(snapshot(&s).await, before);
        s.inv
            .update_product(
                p[0].id,
                &ProductChanges {
                    sale_price: Some(money("112")),
                    ..ProductChanges::default()
                },
            )
            .await
            .unwrap();
        let forced = ProductChanges {
            force_below_margin: true,
            ..cheap
        };
        assert_eq!(
            s.inv
                .update_product(p[0].id, &forced)
                .await
                .unwrap()
                .sale_price,
            money("110")
        );
        // A product never received has no cost to keep a margin over.
        let free = ProductChanges {
            sale_price: Some(money("1")),
            ..ProductChanges::default()
        };
        s.inv.update_product(p[2].id, &free).await.unwrap();
    }
}
