//! Quickstart: a week in an Argentine mini-market.
//!
//! Opens (or creates) `./inventario-demo.db`, loads a catalogue of 36 products from 7 suppliers
//! into two locations, records a week of receipts, transfers, sales, a return, a loss and a count,
//! then assigns suppliers to product names, drafts purchase orders from the reorder suggestions
//! (sending one and receiving half of it), runs shop-floor commands and reprices the drinks, and
//! prints stock, critical products, reorder suggestions, stock value and the ledger check.
//!
//! ```text
//! cargo run -p inventario-core --example quickstart [-- PATH.db]
//! cargo run -p inventario-core --example quickstart -- postgres://USER@HOST/DB[?sslmode=verify-full&sslrootcert=CA.pem]
//! ```
//!
//! Given a PostgreSQL URL instead of a path, it does the same on the server (the demo key, when
//! `INVENTARIO_MASTER_KEY` is not set, goes to `./inventario-demo-postgres.key`).
//!
//! Run it twice: catalogue items are looked up before they are created, every movement carries a
//! deterministic idempotency key, drafting orders skips what is already on order, the order
//! received by the first run is not received again, and repricing finds the prices it set, so the
//! second run adds nothing and prints the same stock. Money and quantities are parsed from text
//! and stay exact: no floats anywhere.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::America::Argentina::Buenos_Aires;
use inventario_core::crypto::{MasterKey, MasterSecret};
use inventario_core::domain::orders::{LineReceipt, OrderStatus, PurchaseOrder};
use inventario_core::domain::pricing::{FullEngine, PricingTables, Region};
use inventario_core::domain::replenishment::{Season, SeasonalFactors};
use inventario_core::domain::values::Dni;
use inventario_core::domain::values::{Barcode, Money, Quantity, Sku, UnitCost, UnitOfMeasure};
use inventario_core::domain::{
    Customer, CustomerIdentity, CustomerKind, IdentityDocument, PriceList,
};
use inventario_core::domain::{Location, Movement, Product, Supplier};
use inventario_core::NewCustomer;
use inventario_core::{
    FloorOutcome, FloorSetup, HistoryFilter, Inventory, LocationId, LossReason, MovementKind,
    MovementRequest, NewLocation, NewProduct, NewSupplier, ProductId, Recorded, RepriceBase,
    RepriceScope, Repricing, SupplierId,
};

type Res<T> = Result<T, Box<dyn Error>>;

/// Suppliers, by their legacy codes. `MAX` (the wholesaler) is the default supplier.
///
/// The categories feed supplier assignment (brands first, then categories, then the default).
/// The drinks are split as in the legacy configuration, soft drinks to CO and beer to Q: with
/// `bebidas` on both, every drink (beer included) would go to CO, the supplier created first.
const SUPPLIERS: &str = "
# code | legal name                                   | trade name        | days | direct brands            | distributed | categories                  | default
CO     | Coca-Cola FEMSA de Buenos Aires S.A.         | Coca-Cola FEMSA   | 15   | Coca-Cola, Sprite, Fanta | -           | gaseosa, bebida sin alcohol | no
Q      | Cervecería y Maltería Quilmes S.A.I.C.A. y G. | Quilmes           | 21   | Quilmes, Stella Artois   | Pepsi       | cerveza                     | no
LV     | La Virginia S.A.                             | La Virginia       | 30   | La Virginia              | -           | alimentos                   | no
TER    | Mondelez Argentina S.A.                      | Terrabusi         | 30   | Terrabusi                | Oreo        | alimentos                   | no
LS     | Mastellone Hnos. S.A.                        | La Serenísima     | 7    | La Serenísima            | Yogurísimo  | lacteos                     | no
FR     | Frutihortícola Mercado Central S.R.L.        | Frutas y verduras | 0    | -                        | -           | verduleria                  | no
MAX    | Distribuidora Mayorista MAX S.A.             | Mayorista MAX     | 0    | -                        | -           | alimentos, limpieza         | yes
";

/// The catalogue. Barcodes are EAN-13 with their GS1 check digit (`Barcode::parse` verifies it);
/// weighed goods (`kg`) have none. Prices are sale prices in pesos; `-` means not set.
const CATALOGUE: &str = "
# SKU               | name                               | brand          | category   | unit   | EAN-13        | price    | min | max | reorder | pack | perishable | supplier
BEB-COCA-2L         | Coca-Cola Sabor Original 2 L       | Coca-Cola      | bebidas    | unidad | 7790895000997 | 3290.00  | 12  | 60  | 30      | 6    | no         | CO
BEB-SPRITE-2L       | Sprite Lima-Limón 2 L              | Sprite         | bebidas    | unidad | 7790895001123 | 2990.00  | 6   | 36  | -       | 6    | no         | CO
BEB-FANTA-2L        | Fanta Naranja 2 L                  | Fanta          | bebidas    | unidad | 7790895001345 | 2990.00  | 6   | 36  | -       | 6    | no         | CO
BEB-COCAZERO-500    | Coca-Cola Zero 500 ml              | Coca-Cola      | bebidas    | unidad | 7790895002519 | 1390.00  | 12  | 48  | -       | 12   | no         | CO
BEB-QUILMES-1L      | Cerveza Quilmes Clásica 1 L        | Quilmes        | bebidas    | unidad | 7792798001057 | 2450.00  | 12  | 48  | -       | 12   | no         | Q
BEB-STELLA-473      | Cerveza Stella Artois lata 473 ml  | Stella Artois  | bebidas    | unidad | 7792798004317 | 2190.00  | 12  | 48  | -       | 6    | no         | Q
BEB-AGUA-VILLA-1500 | Agua Villavicencio sin gas 1,5 L   | Villavicencio  | bebidas    | unidad | 7798364001520 | 1290.00  | 6   | 36  | -       | 6    | no         | MAX
ALM-YERBA-PLAY-1KG  | Yerba mate Playadito 1 kg          | Playadito      | alimentos  | unidad | 7790387001013 | 5890.00  | 10  | 40  | -       | 10   | no         | MAX
ALM-YERBA-TARA-500  | Yerba mate Taragüí 500 g           | Taragüí        | alimentos  | unidad | 7790387005028 | 2890.00  | 6   | 30  | -       | 10   | no         | MAX
ALM-CAFE-LV-250     | Café molido La Virginia 250 g      | La Virginia    | alimentos  | unidad | 7790150000250 | 4790.00  | 4   | 20  | -       | 6    | no         | LV
ALM-TE-LV-50        | Té negro La Virginia x 50          | La Virginia    | alimentos  | unidad | 7790150001509 | 1590.00  | 6   | 24  | -       | 12   | no         | LV
ALM-FIDEOS-MAT-500  | Fideos tirabuzón Matarazzo 500 g   | Matarazzo      | alimentos  | unidad | 7790070003560 | 1690.00  | 10  | 50  | -       | 10   | no         | MAX
ALM-ARROZ-GALLO-1KG | Arroz largo fino Gallo Oro 1 kg    | Gallo          | alimentos  | unidad | 7790070007414 | 2190.00  | 8   | 40  | -       | 10   | no         | MAX
ALM-ACEITE-NAT-1500 | Aceite de girasol Natura 1,5 L     | Natura         | alimentos  | unidad | 7790060001514 | 4290.00  | 6   | 24  | -       | 6    | no         | MAX
ALM-AZUCAR-LED-1KG  | Azúcar Ledesma 1 kg                | Ledesma        | alimentos  | unidad | 7792540000109 | 1390.00  | 10  | 40  | -       | 10   | no         | MAX
ALM-HARINA-BLF-1KG  | Harina leudante Blancaflor 1 kg    | Blancaflor     | alimentos  | unidad | 7790070009029 | 1590.00  | 6   | 30  | -       | 10   | no         | MAX
ALM-OREO-118        | Galletitas Oreo 118 g              | Oreo           | alimentos  | unidad | 7622300001186 | 1190.00  | 12  | 48  | -       | 12   | no         | TER
ALM-TERRA-VAR-390   | Galletitas Variedad Terrabusi 390 g| Terrabusi      | alimentos  | unidad | 7622300003906 | 2490.00  | 6   | 24  | -       | 6    | no         | TER
LAC-LECHE-LS-1L     | Leche entera La Serenísima 1 L     | La Serenísima  | lacteos    | unidad | 7790742001016 | 1590.00  | 12  | 48  | -       | 12   | yes        | LS
LAC-YOGUR-LS-900    | Yogurísimo bebible frutilla 900 g  | Yogurísimo     | lacteos    | unidad | 7790742009098 | 2390.00  | 6   | 24  | -       | 6    | yes        | LS
LAC-MANTECA-LS-200  | Manteca La Serenísima 200 g        | La Serenísima  | lacteos    | unidad | 7790742002006 | 2690.00  | 4   | 16  | -       | 4    | yes        | LS
LAC-DDL-LS-400      | Dulce de leche La Serenísima 400 g | La Serenísima  | lacteos    | unidad | 7790742004000 | 2890.00  | 4   | 16  | -       | 6    | no         | LS
LAC-QUESO-CREM-KG   | Queso cremoso                      | La Serenísima  | lacteos    | kg     | -             | 9890.00  | 2   | 8   | -       | 4    | yes        | LS
LIM-LAVAND-AYU-1L   | Lavandina Ayudín 1 L               | Ayudín         | limpieza   | unidad | 7790510001002 | 1190.00  | 6   | 24  | -       | 12   | no         | MAX
LIM-DETERG-MAG-500  | Detergente Magistral limón 500 ml  | Magistral      | limpieza   | unidad | 7790510005000 | 1990.00  | 6   | 24  | -       | 12   | no         | MAX
LIM-SKIP-3L         | Jabón líquido Skip 3 L             | Skip           | limpieza   | unidad | 7791500003006 | 11490.00 | 2   | 10  | -       | 4    | no         | MAX
PER-SHAMPOO-SED-340 | Shampoo Sedal 340 ml               | Sedal          | perfumeria | unidad | 7791500003402 | 3490.00  | 3   | 12  | -       | 6    | no         | MAX
PER-COLGATE-90      | Pasta dental Colgate 90 g          | Colgate        | perfumeria | unidad | 7793220000907 | 1890.00  | 6   | 24  | -       | 12   | no         | MAX
PER-HIGIENOL-4      | Papel higiénico Higienol x 4       | Higienol       | perfumeria | unidad | 7790580000042 | 2390.00  | 6   | 24  | -       | 12   | no         | MAX
VER-BANANA-KG       | Banana Ecuador                     | -              | verduleria | kg     | -             | 1890.00  | 5   | 36  | -       | 18   | yes        | FR
VER-TOMATE-KG       | Tomate redondo                     | -              | verduleria | kg     | -             | 2490.00  | 5   | 20  | -       | 1    | yes        | FR
VER-PAPA-KG         | Papa negra                         | -              | verduleria | kg     | -             | 990.00   | 10  | 50  | -       | 25   | yes        | FR
VER-MANZANA-KG      | Manzana roja                       | -              | verduleria | kg     | -             | 2290.00  | 4   | 16  | -       | 1    | yes        | FR
PAN-FRANCES-KG      | Pan francés                        | -              | panaderia  | kg     | -             | 2990.00  | 3   | 12  | -       | 1    | yes        | MAX
CAR-PICADA-KG       | Carne picada común                 | -              | carnes     | kg     | -             | 6990.00  | 3   | 12  | -       | 1    | yes        | MAX
CAR-MILANESA-KG     | Milanesa de nalga                  | -              | carnes     | kg     | -             | 11990.00 | 2   | 8   | -       | 1    | yes        | MAX
";

/// The week. Day 1 is six days ago, day 7 is today. Goods are received into DEPOSITO on days 1
/// and 5 (at unit costs below the sale price), moved to SALON the same mornings, and sold from
/// SALON every day (one line per product and day, as the till's daily close reports it).
const WEEK: &str = "
# SKU               | cost d1 | in d1  | cost d5 | in d5  | to SALON d1 | to SALON d5 | sales d1 | d2    | d3    | d4    | d5    | d6    | d7
BEB-COCA-2L         | 2150.00 | 48     | 2290.00 | 24     | 24          | 24          | 5        | 6     | 8     | 4     | 7     | 9     | 8
BEB-SPRITE-2L       | 1950.00 | 18     | -       | -      | 12          | 6           | 2        | 3     | 4     | 2     | 3     | 2     | 2
BEB-FANTA-2L        | 1950.00 | 18     | -       | -      | 12          | 6           | 1        | 1     | 2     | 1     | 1     | 2     | 1
BEB-COCAZERO-500    | 890.00  | 36     | -       | -      | 24          | 12          | 3        | 4     | 5     | 3     | 4     | 6     | 5
BEB-QUILMES-1L      | 1590.00 | 48     | -       | -      | 24          | 12          | 2        | 3     | 4     | 2     | 5     | 7     | 6
BEB-STELLA-473      | 1420.00 | 48     | -       | -      | 24          | 12          | 3        | 2     | 4     | 3     | 5     | 8     | 7
BEB-AGUA-VILLA-1500 | 780.00  | 24     | -       | -      | 12          | 6           | 2        | 1     | 3     | 2     | 2     | 3     | 2
ALM-YERBA-PLAY-1KG  | 4100.00 | 30     | -       | -      | 20          | 10          | 3        | 4     | 3     | 4     | 3     | 3     | 3
ALM-YERBA-TARA-500  | 1950.00 | 20     | -       | -      | 10          | 6           | 1        | 2     | 1     | 2     | 1     | 2     | 1
ALM-CAFE-LV-250     | 3250.00 | 12     | -       | -      | 6           | 3           | 1        | -     | 1     | 1     | -     | 1     | 1
ALM-TE-LV-50        | 1050.00 | 24     | -       | -      | 12          | 6           | 1        | 2     | 1     | 1     | 2     | 1     | 1
ALM-FIDEOS-MAT-500  | 1100.00 | 40     | -       | -      | 20          | 10          | 3        | 4     | 2     | 3     | 5     | 4     | 3
ALM-ARROZ-GALLO-1KG | 1480.00 | 30     | -       | -      | 15          | 10          | 2        | 3     | 2     | 2     | 3     | 2     | 2
ALM-ACEITE-NAT-1500 | 2950.00 | 18     | -       | -      | 12          | 6           | 2        | 1     | 2     | 1     | 2     | 1     | 1
ALM-AZUCAR-LED-1KG  | 920.00  | 30     | -       | -      | 10          | 10          | 2        | 2     | 1     | 2     | 2     | 2     | 1
ALM-HARINA-BLF-1KG  | 1050.00 | 20     | -       | -      | 10          | 5           | 1        | 1     | 2     | 1     | 1     | 1     | 2
ALM-OREO-118        | 780.00  | 36     | -       | -      | 24          | 12          | 4        | 3     | 5     | 4     | 3     | 6     | 5
ALM-TERRA-VAR-390   | 1690.00 | 12     | -       | -      | 6           | 6           | 1        | 1     | -     | 2     | 1     | 1     | 1
LAC-LECHE-LS-1L     | 1050.00 | 36     | 1090.00 | 24     | 30          | 30          | 6        | 7     | 8     | 7     | 6     | 8     | 9
LAC-YOGUR-LS-900    | 1550.00 | 18     | -       | -      | 12          | 6           | 2        | 1     | 2     | 2     | 3     | 2     | 1
LAC-MANTECA-LS-200  | 1790.00 | 12     | -       | -      | 8           | 4           | 1        | 1     | 1     | 1     | 1     | 1     | 1
LAC-DDL-LS-400      | 1890.00 | 12     | -       | -      | 6           | 4           | 1        | -     | 1     | 1     | 1     | -     | 1
LAC-QUESO-CREM-KG   | 6450.00 | 8.000  | -       | -      | 4.000       | 4.000       | 0.650    | 0.480 | 0.720 | 0.550 | 0.810 | 0.900 | 0.640
LIM-LAVAND-AYU-1L   | 720.00  | 24     | -       | -      | 12          | 6           | 2        | 1     | 2     | 1     | 2     | 1     | 2
LIM-DETERG-MAG-500  | 1250.00 | 24     | -       | -      | 12          | 6           | 1        | 2     | 1     | 1     | 2     | 1     | 1
LIM-SKIP-3L         | 7800.00 | 8      | -       | -      | 4           | 2           | -        | 1     | -     | 1     | 1     | -     | 1
PER-SHAMPOO-SED-340 | 2250.00 | 12     | -       | -      | 6           | 3           | 1        | -     | 1     | 1     | 2     | -     | 1
PER-COLGATE-90      | 1190.00 | 24     | -       | -      | 12          | 6           | 1        | 2     | 1     | 1     | 1     | 2     | 1
PER-HIGIENOL-4      | 1550.00 | 24     | -       | -      | 12          | 6           | 2        | 2     | 3     | 2     | 2     | 3     | 2
VER-BANANA-KG       | 1150.00 | 18.000 | 1180.00 | 9.000  | 12.000      | 15.000      | 3.250    | 2.800 | 3.100 | 2.450 | 3.600 | 4.100 | 3.900
VER-TOMATE-KG       | 1500.00 | 15.000 | -       | -      | 8.000       | 7.000       | 1.850    | 2.100 | 1.600 | 2.300 | 2.450 | 1.950 | 2.200
VER-PAPA-KG         | 520.00  | 50.000 | -       | -      | 25.000      | 15.000      | 3.400    | 4.150 | 3.800 | 4.600 | 5.200 | 6.350 | 4.900
VER-MANZANA-KG      | 1450.00 | 16.000 | -       | -      | 8.000       | 6.000       | 1.200    | 0.950 | 1.400 | 1.100 | 1.650 | 1.300 | 1.250
PAN-FRANCES-KG      | 1600.00 | 8.000  | 1650.00 | 8.000  | 8.000       | 8.000       | 2.300    | 1.950 | 2.450 | 1.200 | 2.600 | 3.100 | 2.300
CAR-PICADA-KG       | 4800.00 | 10.000 | -       | -      | 6.000       | 4.000       | 1.250    | 0.980 | 1.500 | 1.100 | 1.350 | 1.800 | 1.420
CAR-MILANESA-KG     | 8300.00 | 6.000  | -       | -      | 4.000       | 2.000       | 0.750    | 0.600 | 0.900 | 0.850 | 1.100 | 0.950 | 0.850
";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // A SQLite file path (the default), or a PostgreSQL URL: the same store either way.
    let target = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "inventario-demo.db".to_owned());
    let (url, key_path, shown) =
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            let server = target.split('@').next_back().unwrap_or_default();
            let shown = format!(
                "PostgreSQL {}",
                server.split('?').next().unwrap_or_default()
            );
            (
                target.clone(),
                "inventario-demo-postgres.key".to_owned(),
                shown,
            )
        } else {
            (
                format!("sqlite://{target}?mode=rwc"),
                format!("{target}.key"),
                target.clone(),
            )
        };
    let master = demo_master_key(&key_path)?;
    let inv = Inventory::open(&url, master, "quickstart").await?;
    let today = inv.today();
    println!(
        "inventario-core quickstart: {shown}, actor {}, today {today}",
        inv.actor()
    );

    // --- catalogue: look up first, create only what is missing ------------------------------
    let mut created = 0;
    let deposito = location(&inv, "DEPOSITO", "Depósito (trastienda)", &mut created).await?;
    let salon = location(&inv, "SALON", "Salón de ventas", &mut created).await?;
    let suppliers = load_suppliers(&inv, &mut created).await?;
    let products = load_products(&inv, &suppliers, &mut created).await?;
    println!(
        "catalogue: 2 locations, {} suppliers, {} products ({created} created now)",
        suppliers.len(),
        products.len()
    );

    // --- a week of movements ------------------------------------------------------------------
    let mut tally = record_week(&inv, &products, &suppliers, deposito.id, salon.id, today).await?;

    // --- suppliers, purchase orders, the shop floor, prices -----------------------------------
    supplier_assignment(&inv).await?;
    let products = inv.products(false).await?; // fresh: average costs changed with the receipts
    let suppliers = inv.suppliers().await?;
    purchase_orders(&inv, &products, &suppliers, deposito.id, today, &mut tally).await?;
    let floor = FloorSetup {
        receiving: deposito.id,
        back_store: deposito.id,
        sales_floor: salon.id,
    };
    shop_floor(&inv, &products, &floor, &mut tally).await?;
    // Repricing comes after every receipt of the run, so that a second run prices from the same
    // average costs and finds the prices unchanged.
    let products = inv.products(false).await?;
    repricing(&inv, &products, today).await?;

    heading("MOVEMENTS");
    println!(
        "movements: {} new, {} replayed (already recorded by an earlier run)",
        tally.new, tally.replayed
    );

    // --- reports ------------------------------------------------------------------------------
    let products = inv.products(false).await?; // fresh: costs and prices changed above
    let suppliers = inv.suppliers().await?;
    print_stock(&inv, &products).await?;
    print_critical(&inv, &products, today).await?;
    print_reorder(&inv, &products, &suppliers, today).await?;
    print_value(&inv, &suppliers).await?;

    print_customer(&inv).await?;

    let report = inv.verify_ledger(None).await?;
    heading("LEDGER CHECK");
    println!(
        "{} balances, {} ledger rows replayed: {}",
        report.balances_checked,
        report.movements_checked,
        if report.is_consistent() {
            "consistent"
        } else {
            "INCONSISTENT"
        }
    );
    for d in &report.discrepancies {
        println!(
            "  {} at {}: ledger {}, balance {} (broken at seq {:?})",
            d.product, d.location, d.ledger_on_hand, d.balance_on_hand, d.broken_at_seq
        );
    }
    inv.close().await;
    if !report.is_consistent() {
        return Err("the ledger does not replay to the balances".into());
    }
    Ok(())
}

// --- catalogue ------------------------------------------------------------------------------

async fn location(inv: &Inventory, code: &str, name: &str, created: &mut usize) -> Res<Location> {
    if let Some(existing) = inv.location_by_code(code).await? {
        return Ok(existing);
    }
    *created += 1;
    Ok(inv.create_location(NewLocation::new(code, name)).await?)
}

/// Suppliers by code.
async fn load_suppliers(inv: &Inventory, created: &mut usize) -> Res<BTreeMap<String, Supplier>> {
    let mut out = BTreeMap::new();
    for f in rows(SUPPLIERS, 8)? {
        let supplier = match inv.supplier_by_code(f[0]).await? {
            Some(existing) => existing,
            None => {
                let mut new = NewSupplier::new(f[0], f[1]);
                new.trade_name = Some(f[2].to_owned());
                new.tax_condition = Some("RESPONSABLE_INSCRIPTO".to_owned());
                new.payment_terms_days = Some(f[3].parse()?);
                new.direct_brands = list(f[4]);
                new.distributed_brands = list(f[5]);
                new.categories = list(f[6]);
                new.is_default = yes(f[7])?;
                *created += 1;
                inv.create_supplier(new).await?
            }
        };
        out.insert(supplier.code.clone(), supplier);
    }
    Ok(out)
}

/// Products by SKU. The missing ones are created in one all-or-nothing call.
async fn load_products(
    inv: &Inventory,
    suppliers: &BTreeMap<String, Supplier>,
    created: &mut usize,
) -> Res<BTreeMap<String, Product>> {
    let mut out = BTreeMap::new();
    let mut missing = Vec::new();
    for f in rows(CATALOGUE, 13)? {
        let sku = Sku::parse(f[0])?;
        if let Some(existing) = inv.product_by_sku(&sku).await? {
            out.insert(sku.as_str().to_owned(), existing);
            continue;
        }
        let mut p = NewProduct::new(sku, f[1], f[6].parse::<Money>()?);
        p.brand = opt(f[2]).map(str::to_owned);
        p.category = Some(f[3].to_owned());
        p.unit = f[4].parse::<UnitOfMeasure>()?;
        p.barcode = opt(f[5]).map(Barcode::parse).transpose()?;
        p.min_stock = f[7].parse::<Quantity>()?;
        p.max_stock = opt(f[8]).map(str::parse::<Quantity>).transpose()?;
        p.reorder_point = opt(f[9]).map(str::parse::<Quantity>).transpose()?;
        p.pack_multiple = f[10].parse::<Quantity>()?;
        p.perishable = yes(f[11])?;
        let supplier = suppliers
            .get(f[12])
            .ok_or_else(|| format!("{}: unknown supplier {}", f[0], f[12]))?;
        p.supplier = Some(supplier.id);
        missing.push(p);
    }
    if !missing.is_empty() {
        *created += missing.len();
        for product in inv.create_products(missing).await? {
            out.insert(product.sku.as_str().to_owned(), product);
        }
    }
    Ok(out)
}

// --- the week -------------------------------------------------------------------------------

/// How many requests wrote rows, and how many were answered from an earlier run.
#[derive(Default)]
struct Tally {
    new: usize,
    replayed: usize,
}

impl Tally {
    fn add(&mut self, recorded: &Recorded) {
        if recorded.replayed {
            self.replayed += 1;
        } else {
            self.new += 1;
        }
    }
}

/// Records the week: one `record_movements` batch per day (all or nothing), plus the day's
/// one-off events with `record`.
async fn record_week(
    inv: &Inventory,
    products: &BTreeMap<String, Product>,
    suppliers: &BTreeMap<String, Supplier>,
    deposito: LocationId,
    salon: LocationId,
    today: NaiveDate,
) -> Res<Tally> {
    let supplier_codes: HashMap<SupplierId, &str> = suppliers
        .values()
        .map(|s| (s.id, s.code.as_str()))
        .collect();
    let product = |sku: &str| {
        products
            .get(sku)
            .ok_or_else(|| format!("{sku} is not in the catalogue"))
    };
    let week = rows(WEEK, 14)?;
    let mut tally = Tally::default();
    let mut by_key: HashMap<String, Recorded> = HashMap::new();

    heading("THE WEEK");
    for day in 1..=7u32 {
        let date = today
            .checked_sub_days(Days::new(u64::from(7 - day)))
            .ok_or("date out of range")?;
        let mut batch = Vec::new();
        for f in &week {
            let p = product(f[0])?;
            let supplier = p.supplier.and_then(|s| supplier_codes.get(&s)).copied();
            // Morning: receipts into the back store, then the sales floor is stocked.
            let (cost, received, to_salon) = match day {
                1 => (f[1], f[2], f[5]),
                5 => (f[3], f[4], f[6]),
                _ => ("-", "-", "-"),
            };
            if let (Some(cost), Some(quantity)) = (opt(cost), opt(received)) {
                batch.push(
                    MovementRequest::receipt(
                        p.id,
                        deposito,
                        quantity.parse()?,
                        cost.parse::<UnitCost>()?,
                    )
                    .reference(format!("REMITO-{}-D{day}", supplier.unwrap_or("SN")))
                    .idempotency_key(key(day, "receipt", f[0]))
                    .occurred_at(at(date, 8, 30)?),
                );
            }
            if let Some(quantity) = opt(to_salon) {
                batch.push(
                    MovementRequest::transfer(p.id, deposito, salon, quantity.parse()?)
                        .idempotency_key(key(day, "transfer", f[0]))
                        .occurred_at(at(date, 9, 0)?),
                );
            }
            // Evening: the till's daily close.
            if let Some(quantity) = opt(f[6 + day as usize]) {
                batch.push(
                    MovementRequest::sale(p.id, salon, quantity.parse()?)
                        .reference(format!("CIERRE-CAJA-D{day}"))
                        .idempotency_key(key(day, "sale", f[0]))
                        .occurred_at(at(date, 21, 0)?),
                );
            }
        }
        let recorded = inv.record_movements(&batch).await?;
        let new = recorded.iter().filter(|r| !r.replayed).count();
        for (request, result) in batch.iter().zip(recorded) {
            tally.add(&result);
            if let Some(key) = &request.idempotency_key {
                by_key.insert(key.clone(), result);
            }
        }
        println!(
            "day {day} ({date}): {:>3} movements in one batch ({new} new)",
            batch.len()
        );

        // One-off events of the day, each its own transaction.
        let event = match day {
            3 => Some((
                "2 Yogurísimo past their date in the SALON fridge: loss (expired)",
                MovementRequest::loss(
                    product("LAC-YOGUR-LS-900")?.id,
                    salon,
                    "2".parse()?,
                    LossReason::Expired,
                )
                .idempotency_key(key(day, "loss", "LAC-YOGUR-LS-900"))
                .occurred_at(at(date, 19, 0)?),
            )),
            6 => {
                let sold = by_key
                    .get(&key(5, "sale", "PER-SHAMPOO-SED-340"))
                    .and_then(|r| r.movements.first())
                    .ok_or("the day-5 shampoo sale was not recorded")?;
                Some((
                    "a customer brings back 1 Sedal sold on day 5, unopened: customer return",
                    MovementRequest::customer_return(
                        product("PER-SHAMPOO-SED-340")?.id,
                        salon,
                        "1".parse()?,
                        Some(sold.id),
                    )
                    .reference("NC-B-0002-00000417")
                    .idempotency_key(key(day, "return", "PER-SHAMPOO-SED-340"))
                    .occurred_at(at(date, 17, 15)?),
                ))
            }
            7 => Some((
                "weekly count of sugar in DEPOSITO finds 8 (10 expected): adjustment",
                MovementRequest::count(
                    product("ALM-AZUCAR-LED-1KG")?.id,
                    deposito,
                    "8".parse()?,
                    "Conteo semanal del depósito: faltan 2 paquetes",
                )
                .idempotency_key(key(day, "count", "ALM-AZUCAR-LED-1KG"))
                .occurred_at(at(date, 7, 45)?),
            )),
            _ => None,
        };
        if let Some((what, request)) = event {
            let recorded = inv.record(request).await?;
            tally.add(&recorded);
            println!(
                "           + {what}{}",
                if recorded.replayed { " (replayed)" } else { "" }
            );
        }
    }
    Ok(tally)
}

/// A deterministic idempotency key: the same request gets the same key on every run.
fn key(day: u32, what: &str, sku: &str) -> String {
    format!("quickstart:day{day}:{what}:{sku}")
}

/// `hour:minute` on `date` in Buenos Aires, never later than now (today's close may not have
/// happened yet). `occurred_at` is not part of the idempotency fingerprint, so a run on another
/// day replays the same requests.
fn at(date: NaiveDate, hour: u32, minute: u32) -> Res<DateTime<Utc>> {
    let local = date
        .and_hms_opt(hour, minute, 0)
        .ok_or("invalid time of day")?;
    let instant = Buenos_Aires
        .from_local_datetime(&local)
        .single()
        .ok_or("ambiguous local time")?
        .with_timezone(&Utc);
    Ok(instant.min(Utc::now()))
}

// --- suppliers, purchase orders, the shop floor, prices ------------------------------------

/// Product names (and categories) to find a supplier for.
const ASSIGNMENTS: [(&str, Option<&str>); 6] = [
    ("Coca Cola", None),
    ("Galletitas Oreo", None),
    ("Leche La Serenísima 1L", None),
    ("Cerveza", Some("bebida alcoholica")),
    ("Conserva de tomate", None),
    ("", None),
];

/// Loads the legacy suppliers the quickstart lacks, then asks which supplier each name goes to.
///
/// The quickstart's own suppliers already use six legacy codes (CO, Q, LV, TER, LS, FR) and MAX;
/// `load_legacy_suppliers` creates only the missing codes (BC, FA, ACE, MU, GA) and never
/// replaces the default, so MAX stays the quickstart's wholesaler. A second run creates none.
async fn supplier_assignment(inv: &Inventory) -> Res<()> {
    heading("SUPPLIER ASSIGNMENT");
    let created = inv.load_legacy_suppliers().await?;
    let codes: Vec<&str> = created.iter().map(|s| s.code.as_str()).collect();
    println!(
        "legacy suppliers: {} created now{}",
        created.len(),
        if codes.is_empty() {
            String::new()
        } else {
            format!(" ({})", codes.join(", "))
        }
    );
    println!(
        "{:<26} {:<20} {:<4} {:>10}  {:<10} MATCHED",
        "NAME", "CATEGORY", "SUPP", "CONFIDENCE", "MATCH"
    );
    for (name, category) in ASSIGNMENTS {
        let shown = format!("{name:?}");
        match inv.assign_supplier(name, category).await? {
            Some((_, a)) => println!(
                "{:<26} {:<20} {:<4} {:>10}  {:<10} {}",
                shown,
                category.unwrap_or("-"),
                a.supplier_code,
                a.confidence,
                a.kind.code(),
                a.matched.as_deref().unwrap_or("(default supplier)")
            ),
            None => println!(
                "{:<26} {:<20} no supplier (nothing matched and there is no default)",
                shown,
                category.unwrap_or("-")
            ),
        }
    }
    Ok(())
}

/// Drafts one order per supplier from the reorder suggestions, sends one (Terrabusi's, whose
/// Oreo the shop floor moves next) and receives half of each of its lines into DEPOSITO.
///
/// Re-runnable: drafting leaves out what is already on open orders, so a second run drafts
/// nothing; and once an order has been (partly) received, no order is sent or received again:
/// every receipt against an order is a new movement (its key counts the line's receipts), so
/// receiving again would add stock on every run.
async fn purchase_orders(
    inv: &Inventory,
    products: &[Product],
    suppliers: &[Supplier],
    deposito: LocationId,
    today: NaiveDate,
    tally: &mut Tally,
) -> Res<()> {
    let by_id: HashMap<_, _> = products.iter().map(|p| (p.id, p)).collect();
    let code_of = |id: SupplierId| {
        suppliers
            .iter()
            .find(|s| s.id == id)
            .map_or("?", |s| s.code.as_str())
    };
    heading("PURCHASE ORDERS");
    let drafted = inv.draft_orders(today).await?;
    println!(
        "draft_orders({today}): {} new drafts, {} suggestions without a supplier",
        drafted.orders.len(),
        drafted.unassigned.len()
    );
    for o in &drafted.orders {
        println!(
            "  drafted {:<22} {:<4} {} lines",
            o.number,
            code_of(o.supplier),
            o.lines.len()
        );
    }

    let orders = inv.orders(None).await?; // newest first
    let received = orders.iter().find(|o| {
        matches!(
            o.status,
            OrderStatus::PartiallyReceived | OrderStatus::Received
        )
    });
    let handled = match received {
        Some(order) => {
            println!(
                "{} was sent and received by an earlier run ({}): not sent or received again; its receipts:",
                order.number, order.status
            );
            let filter = HistoryFilter {
                kind: Some(MovementKind::Receipt),
                reference: Some(order.number.clone()),
                ..HistoryFilter::default()
            };
            let page = inv.history(&filter, None, 100).await?;
            for m in page.items.iter().rev() {
                print_movement(m, &by_id, "DEPOSITO", " (earlier run)");
            }
            Some(order.clone())
        }
        None => {
            // Oldest first: an order an interrupted run sent, else Terrabusi's draft, else any.
            let pick = orders
                .iter()
                .rev()
                .find(|o| o.status == OrderStatus::Sent)
                .or_else(|| {
                    orders
                        .iter()
                        .rev()
                        .find(|o| o.status == OrderStatus::Draft && code_of(o.supplier) == "TER")
                })
                .or_else(|| orders.iter().rev().find(|o| o.status == OrderStatus::Draft));
            match pick {
                Some(order) => {
                    Some(send_and_receive_half(inv, order, &by_id, deposito, tally).await?)
                }
                None => {
                    println!("no order to send");
                    None
                }
            }
        }
    };
    if let Some(order) = &handled {
        println!("{} is now {}", order.number, order.status);
    }

    println!("orders, oldest first:");
    for order in inv.orders(None).await?.iter().rev() {
        print_order(order, code_of(order.supplier), &by_id)?;
    }
    Ok(())
}

/// Sends `order` (unless an earlier, interrupted run did) and receives half of each line,
/// rounded down to whole units for products sold by `unidad`.
async fn send_and_receive_half(
    inv: &Inventory,
    order: &PurchaseOrder,
    by_id: &HashMap<ProductId, &Product>,
    deposito: LocationId,
    tally: &mut Tally,
) -> Res<PurchaseOrder> {
    let order = if order.status == OrderStatus::Draft {
        let sent = inv.send_order(order.id).await?;
        println!("sent {}: {}", sent.number, sent.status);
        sent
    } else {
        order.clone()
    };
    let mut lines = Vec::new();
    for line in &order.lines {
        let p = by_id.get(&line.product).ok_or("unknown product")?;
        let half = if p.unit.allows_fractions() {
            line.quantity.milli() / 2
        } else {
            line.quantity.milli() / 2000 * 1000
        };
        if half > 0 {
            lines.push(LineReceipt {
                line: line.id,
                quantity: Quantity::from_milli(half),
                unit_cost: None,
            });
        }
    }
    let receipt = inv.receive_order(order.id, deposito, &lines).await?;
    println!(
        "received half of each line into DEPOSITO: {} receipt movements",
        receipt.recorded.len()
    );
    for recorded in &receipt.recorded {
        tally.add(recorded);
        for m in &recorded.movements {
            print_movement(m, by_id, "DEPOSITO", "");
        }
    }
    Ok(receipt.order)
}

fn print_movement(m: &Movement, by_id: &HashMap<ProductId, &Product>, location: &str, note: &str) {
    let (sku, unit) = by_id
        .get(&m.product)
        .map_or(("?", UnitOfMeasure::Unidad), |p| (p.sku.as_str(), p.unit));
    println!(
        "  movement #{:<5} {:<12} {:<20} {:<9} {:>8} @ {:>10}  balance {:>8}  key {}{note}",
        m.id.0,
        m.kind.code(),
        sku,
        location,
        qty(m.delta, unit),
        m.unit_cost.to_string(),
        qty(m.after, unit),
        m.idempotency_key.as_deref().unwrap_or("-")
    );
}

fn print_order(
    order: &PurchaseOrder,
    supplier: &str,
    by_id: &HashMap<ProductId, &Product>,
) -> Res<()> {
    let mut estimate = Money::ZERO;
    for line in &order.lines {
        let cost = line.expected_unit_cost.value_of(line.quantity)?;
        estimate = estimate.checked_add(cost).ok_or("money overflow")?;
    }
    println!(
        "  {:<22} {:<4} {:<18} {:>18}",
        order.number,
        supplier,
        order.status.code(),
        estimate.to_ars_string()
    );
    for line in &order.lines {
        let p = by_id.get(&line.product).ok_or("unknown product")?;
        println!(
            "     {:<20} {:<35} ordered {:>7}  received {:>7} {:<6} @ {}",
            p.sku.as_str(),
            p.name,
            qty(line.quantity, p.unit),
            qty(line.received, p.unit),
            p.unit.code(),
            line.expected_unit_cost
        );
    }
    Ok(())
}

/// Commands as staff type them, each with a deterministic idempotency key so that a second run
/// replays the movement instead of recording it again. The third is refused (two products match
/// "Coca Cola") and writes nothing.
///
/// No order command ("Pedir Coca Cola x 6") here: orders carry no idempotency key and add to the
/// supplier's open draft, so each run would grow the draft.
const FLOOR_COMMANDS: [(&str, &str); 3] = [
    (
        "Dejé 4 bananas del mercado central",
        "quickstart:floor:receipt:VER-BANANA-KG",
    ),
    (
        "Saqué 6 Oreo para el salón",
        "quickstart:floor:transfer:ALM-OREO-118",
    ),
    (
        "/salida \"Coca Cola\" 3",
        "quickstart:floor:transfer:coca-cola",
    ),
];

async fn shop_floor(
    inv: &Inventory,
    products: &[Product],
    floor: &FloorSetup,
    tally: &mut Tally,
) -> Res<()> {
    let by_id: HashMap<_, _> = products.iter().map(|p| (p.id, p)).collect();
    let locations: HashMap<_, _> = inv
        .locations()
        .await?
        .into_iter()
        .map(|l| (l.id, l.code))
        .collect();
    heading("SHOP FLOOR");
    for (text, key) in FLOOR_COMMANDS {
        println!("> {text}");
        match inv.run_command(text, floor, Some(key)).await {
            Ok(FloorOutcome::Moved(recorded)) => {
                tally.add(&recorded);
                let note = if recorded.replayed { " (replayed)" } else { "" };
                for m in &recorded.movements {
                    let location = locations.get(&m.location).map_or("?", String::as_str);
                    print_movement(m, &by_id, location, note);
                }
            }
            Ok(FloorOutcome::Ordered(order)) => {
                println!("  added to draft order {}", order.number);
            }
            Err(inventario_core::Error::Command(refusal)) => {
                println!("  refused, nothing recorded: {refusal}");
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(())
}

/// Reprices the drinks from their average cost with the full engine's default tables, in CABA,
/// for today (so no inflation applies: reference and target dates are the same).
async fn repricing(inv: &Inventory, products: &[Product], today: NaiveDate) -> Res<()> {
    let by_id: HashMap<_, _> = products.iter().map(|p| (p.id, p)).collect();
    let tables = PricingTables::default();
    heading("REPRICING");
    println!(
        "bebidas from average cost, CABA, {today}: cost × seasonal {} × regional {} × markup {} \
         (clamped to {}–{} × cost; minimum margin 12 %)",
        tables.seasonal_factor(Some("bebidas"), today),
        tables.regions.factor(Region::Caba),
        tables.markup(Some("bebidas")),
        tables.min_factor,
        tables.max_factor
    );
    let request = Repricing {
        scope: RepriceScope::Category("bebidas".to_owned()),
        base: RepriceBase::AverageCost,
        region: Region::Caba,
        reference_date: today,
        target_date: today,
        force_below_margin: false,
    };
    let report = inv.reprice(&request, &FullEngine { tables }).await?;
    let name = |id| by_id.get(&id).map_or("?", |p| p.name.as_str());
    for r in &report.repriced {
        let clamp = r.clamp.map_or(String::new(), |c| {
            format!("  (clamped to the {} bound {})", c.bound.code(), c.limit)
        });
        println!(
            "  {:<20} {:<35} {:>10} → {:>10}{clamp}",
            r.sku.as_str(),
            name(r.product),
            r.old_price.to_string(),
            r.new_price.to_string()
        );
    }
    for (product, sku, error) in &report.refused {
        println!(
            "  {:<20} {:<35} refused: {error}",
            sku.as_str(),
            name(*product)
        );
    }
    for (product, sku) in &report.without_cost {
        println!(
            "  {:<20} {:<35} no cost to price from",
            sku.as_str(),
            name(*product)
        );
    }
    println!(
        "repriced: {}, clamped: {}, refused: {}, without cost: {}, unchanged: {}",
        report.repriced.len(),
        report.repriced.iter().filter(|r| r.clamp.is_some()).count(),
        report.refused.len(),
        report.without_cost.len(),
        report.unchanged
    );
    Ok(())
}

// --- reports --------------------------------------------------------------------------------

async fn print_stock(inv: &Inventory, products: &[Product]) -> Res<()> {
    let mut by_sku: BTreeMap<&str, (Quantity, Quantity)> = BTreeMap::new();
    let rows = inv.stock(None, None).await?;
    for row in &rows {
        let entry = by_sku.entry(row.sku.as_str()).or_default();
        match row.location_code.as_str() {
            "DEPOSITO" => entry.0 = row.on_hand,
            "SALON" => entry.1 = row.on_hand,
            _ => {}
        }
    }
    heading("STOCK BY PRODUCT AND LOCATION");
    println!(
        "{:<20} {:<35} {:<6} {:>9} {:>9} {:>9}",
        "SKU", "PRODUCT", "UNIT", "DEPOSITO", "SALON", "TOTAL"
    );
    for p in products {
        let (deposito, salon) = by_sku.get(p.sku.as_str()).copied().unwrap_or_default();
        let total = deposito.checked_add(salon).ok_or("quantity overflow")?;
        println!(
            "{:<20} {:<35} {:<6} {:>9} {:>9} {:>9}",
            p.sku.as_str(),
            p.name,
            p.unit.code(),
            qty(deposito, p.unit),
            qty(salon, p.unit),
            qty(total, p.unit)
        );
    }
    Ok(())
}

async fn print_critical(inv: &Inventory, products: &[Product], today: NaiveDate) -> Res<()> {
    let units: HashMap<_, _> = products.iter().map(|p| (p.id, p.unit)).collect();
    let critical = inv.critical_products(today).await?;
    heading(&format!(
        "CRITICAL PRODUCTS ({today}, {} factor {})",
        Season::of(today).code(),
        SeasonalFactors::default().on(today)
    ));
    println!(
        "{:<20} {:<35} {:>9} {:>9} {:>9}  URGENCY",
        "SKU", "PRODUCT", "ON HAND", "THRESHOLD", "DEFICIT"
    );
    for c in &critical {
        let unit = units
            .get(&c.product)
            .copied()
            .unwrap_or(UnitOfMeasure::Unidad);
        println!(
            "{:<20} {:<35} {:>9} {:>9} {:>9}  {}",
            c.sku.as_str(),
            c.name,
            qty(c.on_hand, unit),
            c.shortage.threshold.to_string(),
            c.shortage.deficit.to_string(),
            c.shortage.urgency.code()
        );
    }
    println!("{} critical products", critical.len());
    Ok(())
}

async fn print_reorder(
    inv: &Inventory,
    products: &[Product],
    suppliers: &[Supplier],
    today: NaiveDate,
) -> Res<()> {
    let by_id: HashMap<_, _> = products.iter().map(|p| (p.id, p)).collect();
    heading("REORDER SUGGESTIONS BY SUPPLIER (cost estimated at average cost)");
    let groups = inv.reorder_suggestions(today).await?;
    if groups.is_empty() {
        println!("nothing to reorder: what is missing is already on open orders (PURCHASE ORDERS)");
    }
    for group in groups {
        let supplier = group
            .supplier
            .and_then(|id| suppliers.iter().find(|s| s.id == id));
        let mut estimate = Money::ZERO;
        for line in &group.lines {
            let p = by_id.get(&line.product).ok_or("unknown product")?;
            let cost = p.average_cost.value_of(line.quantity)?;
            estimate = estimate.checked_add(cost).ok_or("money overflow")?;
        }
        println!(
            "{:<4} {:<48} {:>18}",
            supplier.map_or("-", |s| s.code.as_str()),
            supplier.map_or("(no supplier)", |s| s.legal_name.as_str()),
            estimate.to_ars_string()
        );
        for line in &group.lines {
            let p = by_id.get(&line.product).ok_or("unknown product")?;
            println!(
                "     {:<20} {:<35} on hand {:>7}  order {:>7} {}",
                p.sku.as_str(),
                p.name,
                qty(line.on_hand, p.unit),
                qty(line.quantity, p.unit),
                p.unit.code()
            );
        }
    }
    Ok(())
}

async fn print_value(inv: &Inventory, suppliers: &[Supplier]) -> Res<()> {
    heading("STOCK VALUE (weighted-average cost)");
    for s in inv.stock_by_supplier().await? {
        let supplier = s
            .supplier
            .and_then(|id| suppliers.iter().find(|x| x.id == id));
        println!(
            "{:<4} {:<48} {:>2} products {:>16}",
            supplier.map_or("-", |x| x.code.as_str()),
            supplier.map_or("(no supplier)", |x| x.legal_name.as_str()),
            s.products,
            s.value.to_ars_string()
        );
    }
    let value = inv.stock_value().await?;
    println!("{:<65} {:>16}", "TOTAL", value.total.to_ars_string());
    Ok(())
}

fn heading(title: &str) {
    println!("\n== {title} ==");
}

/// Whole units as they are; weighed goods with their three decimals (`3.250`).
fn qty(q: Quantity, unit: UnitOfMeasure) -> String {
    if !unit.allows_fractions() {
        return q.to_string();
    }
    let sign = if q.is_negative() { "-" } else { "" };
    let milli = q.milli().unsigned_abs();
    format!("{sign}{}.{:03}", milli / 1000, milli % 1000)
}

// --- the tables above -----------------------------------------------------------------------

/// The rows of a `|`-separated table, skipping blank lines and `#` comments.
fn rows(table: &str, columns: usize) -> Res<Vec<Vec<&str>>> {
    let mut out = Vec::new();
    for line in table.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        if fields.len() != columns {
            return Err(format!("expected {columns} columns in {line:?}").into());
        }
        out.push(fields);
    }
    Ok(out)
}

/// `-` means "not set".
fn opt(field: &str) -> Option<&str> {
    (field != "-").then_some(field)
}

fn yes(field: &str) -> Res<bool> {
    match field {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(format!("expected yes or no, found {other:?}").into()),
    }
}

fn list(field: &str) -> Vec<String> {
    opt(field)
        .map(|f| f.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default()
}

/// The master key: `INVENTARIO_MASTER_KEY` (or `INVENTARIO_MASTER_PASSPHRASE`) when set; otherwise,
/// for this demo only, a random key kept in `<db>.key` beside the database (readable by its
/// owner only), so that a second run opens the same store. A real deployment keeps the key out
/// of the database's directory (a secrets manager, an environment variable).
fn demo_master_key(key_path: &str) -> Result<MasterSecret, Box<dyn Error>> {
    match MasterSecret::from_env() {
        Ok(secret) => return Ok(secret),
        Err(_) if std::env::var_os("INVENTARIO_MASTER_KEY").is_some() => {
            return Err("INVENTARIO_MASTER_KEY is set but is not a usable key".into())
        }
        Err(_) => {}
    }
    if let Ok(hex) = std::fs::read_to_string(key_path) {
        return Ok(MasterKey::from_hex(&hex)?.into());
    }
    let key = MasterKey::generate();
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    std::io::Write::write_all(&mut file.open(key_path)?, key.to_hex().as_bytes())?;
    println!("no INVENTARIO_MASTER_KEY: created a demo key in {key_path}");
    Ok(key.into())
}

/// A customer with personal data: sealed under their own key, found again by DNI through a blind
/// index, decrypted on request. The database file never holds the DNI, name or email in clear.
async fn print_customer(inv: &Inventory) -> Res<()> {
    heading("CUSTOMER (personal data stored only encrypted)");
    let dni = IdentityDocument::Dni(Dni::parse("29.876.543")?);
    let found = inv.find_customer_by_document(&dni).await?;
    let customer = match found.into_iter().next() {
        Some(c) => c,
        None => {
            inv.create_customer(NewCustomer {
                customer: Customer {
                    code: "C0001".to_owned(),
                    kind: CustomerKind::Persona,
                    price_list: PriceList::General,
                    credit_limit: "50000.00".parse()?,
                    discount_percent: "5.00".parse()?,
                },
                identity: CustomerIdentity {
                    names: "Mariela".to_owned(),
                    surname: Some("Quiroga".to_owned()),
                    document: Some(dni),
                    phone: Some("+54 9 261 555-0199".to_owned()),
                    email: Some("mariela.quiroga@example.com".to_owned()),
                    address: None,
                },
            })
            .await?
        }
    };
    let by_email = inv
        .find_customer_by_email("Mariela.Quiroga@EXAMPLE.com")
        .await?;
    let identity = inv
        .customer_identity(customer.id)
        .await?
        .ok_or("customer vanished")?;
    println!(
        "{} found by DNI and by email ({} match): {} {}, {}",
        customer.customer.code,
        by_email.len(),
        identity.names,
        identity.surname.unwrap_or_default(),
        identity.email.unwrap_or_default()
    );
    Ok(())
}
