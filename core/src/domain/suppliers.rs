//! Supplier assignment (DOMAIN 6): which supplier a product is ordered from, with what
//! confidence and why.
//!
//! This module owns the matching rules ([`SupplierRules`], built from a stored
//! [`Supplier`] or a [`NewSupplier`]), the assignment itself ([`assign_supplier`]) and the fixture
//! of the 12 legacy mini-market suppliers ([`legacy_suppliers`], [`legacy_rules`]).
//!
//! # Matching
//!
//! The product name, the optional category and every rule entry go through
//! [`normalize`](super::text::normalize) (lower case, no accents, punctuation to spaces), so
//! `"coca-cola"`, `"Coca Cola"` and `"COCA-COLA"` are the same two words and `"té"` matches
//! `"Te"`. Entries match as whole words in sequence ([`find_sequence`]), never as substrings, with a
//! Spanish plural tolerance (`"galletitas"` matches the category `"galletita"`): "Conserva" no
//! longer contains the brand "ser", nor "Aceite" the category "te", nor "Turrón" the category
//! "ron".
//!
//! Precedence, exactly:
//!
//! 1. A supplier any of whose exclude keywords occurs (as a word sequence) in the product name or
//!    in the category takes no part in steps 2 and 3.
//! 2. **Brands** (direct and distributed) are looked for in the product name. If any matches, the
//!    winner is the match with the most words; ties go to a direct brand over a distributed one,
//!    then to the supplier configured first, then to the entry listed first.
//! 3. Otherwise **categories** are looked for in the product name and in the category. The winner
//!    is the match with the most words; ties go to the supplier configured first, then to the
//!    entry listed first.
//! 4. Otherwise the first supplier flagged as default, with confidence 0.50. The default supplier
//!    is the fallback even when its own exclude keywords occur, so the answer is `None` only when
//!    no supplier is default.
//!
//! Ties are not broken by character length: "Salsa de tomate" goes to the supplier of sauces
//! configured before the greengrocer, rather than to whichever word happens to be longer.

use rust_decimal::Decimal;

use super::catalog::{NewSupplier, Supplier};
use super::text::{find_sequence, tokens};

/// The lists one supplier is matched by, as [`assign_supplier`] reads them.
///
/// Entries are kept as written; matching normalises them on the fly, so stored lists need no
/// particular spelling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierRules {
    /// The supplier's code (legacy codes: BC, CO, Q, …).
    pub code: String,
    /// The supplier's name (the legal name of a stored supplier).
    pub name: String,
    /// Brands the supplier sells directly (confidence 0.95).
    pub direct_brands: Vec<String>,
    /// Brands the supplier distributes (confidence 0.90).
    pub distributed_brands: Vec<String>,
    /// Categories the supplier covers (confidence 0.80).
    pub categories: Vec<String>,
    /// Words that, present in the product name or category, rule the supplier out.
    pub exclude_keywords: Vec<String>,
    /// Whether this is the fallback supplier (confidence 0.50).
    pub is_default: bool,
}

impl From<&Supplier> for SupplierRules {
    /// The rules of a stored supplier; its legal name is the name.
    fn from(s: &Supplier) -> SupplierRules {
        SupplierRules {
            code: s.code.clone(),
            name: s.legal_name.clone(),
            direct_brands: s.direct_brands.clone(),
            distributed_brands: s.distributed_brands.clone(),
            categories: s.categories.clone(),
            exclude_keywords: s.exclude_keywords.clone(),
            is_default: s.is_default,
        }
    }
}

impl From<&NewSupplier> for SupplierRules {
    /// The rules of a supplier not stored yet; its legal name is the name.
    fn from(s: &NewSupplier) -> SupplierRules {
        SupplierRules {
            code: s.code.clone(),
            name: s.legal_name.clone(),
            direct_brands: s.direct_brands.clone(),
            distributed_brands: s.distributed_brands.clone(),
            categories: s.categories.clone(),
            exclude_keywords: s.exclude_keywords.clone(),
            is_default: s.is_default,
        }
    }
}

/// Why a supplier was assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// A brand the supplier sells directly is in the name (0.95).
    DirectBrand,
    /// A brand the supplier distributes is in the name (0.90).
    DistributedBrand,
    /// A category of the supplier is in the name or the category (0.80).
    Category,
    /// Nothing matched; the default supplier (0.50).
    Default,
}

impl MatchKind {
    /// The confidence of an assignment of this kind: 0.95, 0.90, 0.80 or 0.50.
    pub fn confidence(self) -> Decimal {
        match self {
            MatchKind::DirectBrand => Decimal::new(95, 2),
            MatchKind::DistributedBrand => Decimal::new(90, 2),
            MatchKind::Category => Decimal::new(80, 2),
            MatchKind::Default => Decimal::new(50, 2),
        }
    }

    /// The legacy `match_type` code: `direct`, `submarca`, `categoria` or `default`.
    pub const fn code(self) -> &'static str {
        match self {
            MatchKind::DirectBrand => "direct",
            MatchKind::DistributedBrand => "submarca",
            MatchKind::Category => "categoria",
            MatchKind::Default => "default",
        }
    }
}

/// The supplier chosen for a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The supplier's code.
    pub supplier_code: String,
    /// 0.95, 0.90, 0.80 or 0.50, from [`MatchKind::confidence`].
    pub confidence: Decimal,
    /// Why.
    pub kind: MatchKind,
    /// The rule entry that matched, as written in the rules; `None` for the default supplier.
    pub matched: Option<String>,
}

/// A rule entry found in the product text.
struct Candidate<'r> {
    supplier: usize,
    kind: MatchKind,
    entry: &'r str,
    words: usize,
}

impl Candidate<'_> {
    /// Ordering key: smaller is better.
    fn rank(&self) -> (core::cmp::Reverse<usize>, u8, usize) {
        let kind = match self.kind {
            MatchKind::DirectBrand => 0,
            MatchKind::DistributedBrand => 1,
            MatchKind::Category => 2,
            MatchKind::Default => 3,
        };
        (core::cmp::Reverse(self.words), kind, self.supplier)
    }
}

/// Chooses the supplier of a product from its name and optional category, following the
/// precedence in the [module documentation](self). Returns `None` only when no rule matches and
/// no supplier is default.
///
/// ```
/// use inventario_core::domain::suppliers::{assign_supplier, legacy_rules, MatchKind};
///
/// let rules = legacy_rules();
/// let coca = assign_supplier(&rules, "Coca Cola", None).unwrap();
/// assert_eq!((coca.supplier_code.as_str(), coca.kind), ("CO", MatchKind::DirectBrand));
/// assert_eq!(coca.confidence.to_string(), "0.95");
///
/// let beer = assign_supplier(&rules, "Cerveza", Some("bebida alcoholica")).unwrap();
/// assert_eq!(beer.supplier_code, "Q"); // the wine cellar excludes "cerveza"
/// ```
pub fn assign_supplier(
    rules: &[SupplierRules],
    product_name: &str,
    category: Option<&str>,
) -> Option<Assignment> {
    let name = tokens(product_name);
    let category = tokens(category.unwrap_or(""));
    let occurs = |entry: &str, in_category_too: bool| -> Option<usize> {
        let needle = tokens(entry);
        let found = find_sequence(&name, &needle).is_some()
            || (in_category_too && find_sequence(&category, &needle).is_some());
        found.then_some(needle.len())
    };

    let mut brands: Vec<Candidate<'_>> = Vec::new();
    let mut categories: Vec<Candidate<'_>> = Vec::new();
    for (index, supplier) in rules.iter().enumerate() {
        if supplier
            .exclude_keywords
            .iter()
            .any(|k| occurs(k, true).is_some())
        {
            continue;
        }
        let lists = [
            (&supplier.direct_brands, MatchKind::DirectBrand),
            (&supplier.distributed_brands, MatchKind::DistributedBrand),
            (&supplier.categories, MatchKind::Category),
        ];
        for (list, kind) in lists {
            let is_category = kind == MatchKind::Category;
            for entry in list {
                if let Some(words) = occurs(entry, is_category) {
                    let candidate = Candidate {
                        supplier: index,
                        kind,
                        entry,
                        words,
                    };
                    if is_category {
                        categories.push(candidate);
                    } else {
                        brands.push(candidate);
                    }
                }
            }
        }
    }

    // `min_by_key` keeps the first of equal keys, so list order breaks the last ties.
    let best = if brands.is_empty() {
        categories.iter().min_by_key(|c| c.rank())
    } else {
        brands.iter().min_by_key(|c| c.rank())
    };
    if let Some(best) = best {
        let supplier = rules.get(best.supplier)?;
        return Some(Assignment {
            supplier_code: supplier.code.clone(),
            confidence: best.kind.confidence(),
            kind: best.kind,
            matched: Some(best.entry.to_owned()),
        });
    }
    rules.iter().find(|s| s.is_default).map(|s| Assignment {
        supplier_code: s.code.clone(),
        confidence: MatchKind::Default.confidence(),
        kind: MatchKind::Default,
        matched: None,
    })
}

/// One legacy supplier: code, name, categories, direct brands, distributed brands, exclusions.
type LegacyRow = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

/// The legacy mini-market configuration, in its configured order. Entries that only differed by
/// accents or a hyphen in the legacy lists (`"la serenisima"`/`"la serenísima"`,
/// `"coca-cola"`/`"coca cola"`, `"té"`/`"te"`, `"yogurisimo"`/`"yogurísimo"`) are kept once, since
/// matching normalises them alike. Additions not in the legacy data are marked.
const LEGACY: [LegacyRow; 12] = [
    (
        "BC",
        "Bodega Cedeira",
        &[
            "vino",
            "fernet",
            "whisky",
            "vodka",
            "ron",
            "licor",
            "champagne",
            "bebida alcoholica",
        ],
        &["bodega cedeira"],
        &[],
        // "vinagre" added: vinegar is not a wine.
        &["cerveza", "beer", "vinagre"],
    ),
    (
        "CO",
        "Coca Cola",
        &["gaseosa", "bebida sin alcohol"],
        &["coca-cola", "cocacola"],
        &[
            "sprite",
            "fanta",
            "aquarius",
            "ades",
            "cepita",
            "monster",
            "schweppes",
        ],
        &[],
    ),
    (
        "Q",
        "Quilmes",
        &["cerveza", "beer"],
        &["quilmes"],
        &[
            "brahma",
            "stella artois",
            "andes",
            "corona",
            "gatorade",
            "glaciar",
            "pepsi",
            "7up",
            "paso de los toros",
            "eco de los andes",
            "red bull",
        ],
        &[],
    ),
    (
        "FA",
        "Fargo",
        &["panificado", "pan", "congelado"],
        &["fargo"],
        &[
            "levite",
            "baggio",
            "natura",
            "luchetti",
            "matarazzo",
            "don vicente",
            "cabrales",
            "arlistan",
            "barfy",
            "friar",
            "granja del sol",
            "veggies",
            "mccain",
            "paulina",
            "ilolay",
            "jet food",
            "paladini",
            "fela",
        ],
        &[],
    ),
    (
        "LS",
        "La Serenísima",
        &["lacteo", "leche", "yogur", "queso"],
        &["la serenísima"],
        &[
            "yogurísimo",
            "ser",
            "casancrem",
            "finlandia",
            "cremon",
            "cindor",
        ],
        &[],
    ),
    (
        "ACE",
        "Aceitumar (MDP)",
        &[
            "fruto seco",
            "semilla",
            "snack",
            "aceite gourmet",
            "especia",
            "salsa",
            "conserva",
        ],
        &["aceitumar"],
        &[
            "chocolart",
            "cris-jor",
            "laur",
            "tau delta",
            "cumana",
            "zoraida",
            "el ruedo",
            "contraviento",
            "sakanashi",
            "shun yuan",
            "healthy boy",
            "marvavic",
            "la delfina",
        ],
        &[],
    ),
    (
        "TER",
        "Terrabusi (Mondelez)",
        &["galletita", "chocolate", "golosina", "chicle", "alfajor"],
        &["terrabusi"],
        &[
            "oreo", "pepitos", "milka", "beldent", "infinit", "rhodesia", "tita",
        ],
        &[],
    ),
    (
        "LV",
        "La Virginia",
        // "mate cocido" added: a La Virginia staple the legacy list lacked.
        &["cafe", "té", "yerba mate", "mate cocido", "infusion"],
        &["la virginia"],
        &[],
        &[],
    ),
    (
        "FR",
        "Frutas y Verduras (Bicho)",
        &[
            "fruta", "verdura", "fresco", "banana", "tomate", "manzana", "lechuga",
        ],
        &["bicho"],
        &[],
        // Added: processed fruit and vegetables are not fresh produce ("Puré de tomate",
        // "Jugo de manzana", "Conserva de tomate").
        &[
            "jugo",
            "pure",
            "pulpa",
            "extracto",
            "mermelada",
            "salsa",
            "conserva",
            "lata",
        ],
    ),
    (
        "MU",
        "Multienvase (MDP)",
        &[
            "envase",
            "descartable",
            "vaso plastico",
            "plato descartable",
        ],
        &["multienvase"],
        &[],
        &[],
    ),
    (
        "GA",
        "Galletitera (MDP)",
        &["galleteria artesanal", "panaderia local"],
        &["galletitera"],
        &[],
        &[],
    ),
    (
        "MAX",
        "Maxiconsumo",
        &["mayorista", "general"],
        &["maxiconsumo"],
        &[],
        &[],
    ),
];

/// The 12 legacy mini-market suppliers (BC, CO, Q, FA, LS, ACE, TER, LV, FR, MU, GA, MAX) in their
/// configured order, ready to be stored; MAX (Maxiconsumo) is the default.
///
/// The brand and category lists come from the legacy configuration. The few additions (exclude
/// keywords of BC and FR, the category "mate cocido" of LV) are marked in the source.
///
/// ```
/// use inventario_core::domain::suppliers::legacy_suppliers;
/// let suppliers = legacy_suppliers();
/// assert_eq!(suppliers.len(), 12);
/// assert!(suppliers.iter().all(|s| s.clone().validate().is_ok()));
/// assert_eq!(suppliers.iter().filter(|s| s.is_default).count(), 1);
/// ```
pub fn legacy_suppliers() -> Vec<NewSupplier> {
    let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    LEGACY
        .iter()
        .map(
            |&(code, name, categories, direct, distributed, exclude)| NewSupplier {
                direct_brands: owned(direct),
                distributed_brands: owned(distributed),
                categories: owned(categories),
                exclude_keywords: owned(exclude),
                is_default: code == "MAX",
                ..NewSupplier::new(code, name)
            },
        )
        .collect()
}

/// The rules of [`legacy_suppliers`], in the same order.
pub fn legacy_rules() -> Vec<SupplierRules> {
    legacy_suppliers().iter().map(SupplierRules::from).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::ids::SupplierId;
    use super::super::text::normalize;
    use super::*;

    fn assign(name: &str, category: Option<&str>) -> Assignment {
        assign_supplier(&legacy_rules(), name, category).unwrap()
    }

    fn expect(name: &str, category: Option<&str>, code: &str, confidence: &str) -> Assignment {
        let a = assign(name, category);
        assert_eq!(
            (a.supplier_code.as_str(), a.confidence.to_string().as_str()),
            (code, confidence),
            "{name:?} / {category:?} → {a:?}"
        );
        a
    }

    fn rules(code: &str) -> SupplierRules {
        SupplierRules {
            code: code.into(),
            name: code.into(),
            direct_brands: vec![],
            distributed_brands: vec![],
            categories: vec![],
            exclude_keywords: vec![],
            is_default: false,
        }
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    // DOMAIN 6 vectors, one test each.

    #[test]
    fn coca_cola_is_co_direct() {
        let a = expect("Coca Cola", None, "CO", "0.95");
        assert_eq!(a.kind, MatchKind::DirectBrand);
        assert_eq!(a.matched.as_deref(), Some("coca-cola"));
    }

    #[test]
    fn galletitas_oreo_is_ter_distributed() {
        let a = expect("Galletitas Oreo", None, "TER", "0.90");
        assert_eq!(a.kind, MatchKind::DistributedBrand);
        assert_eq!(a.matched.as_deref(), Some("oreo"));
    }

    #[test]
    fn vino_tinto_bebida_alcoholica_is_bc_category() {
        let a = expect("Vino tinto", Some("bebida alcoholica"), "BC", "0.80");
        assert_eq!(a.kind, MatchKind::Category);
    }

    #[test]
    fn banana_fruta_is_fr_category() {
        let a = expect("Banana", Some("fruta"), "FR", "0.80");
        assert_eq!(a.kind, MatchKind::Category);
    }

    #[test]
    fn cerveza_quilmes_is_q_direct() {
        let a = expect("Cerveza Quilmes 1L", None, "Q", "0.95");
        assert_eq!(a.kind, MatchKind::DirectBrand);
    }

    #[test]
    fn leche_la_serenisima_is_ls_direct() {
        let a = expect("Leche La Serenísima 1L", None, "LS", "0.95");
        assert_eq!(a.matched.as_deref(), Some("la serenísima"));
    }

    #[test]
    fn yogurisimo_is_ls_distributed() {
        let a = expect("Yogurísimo frutilla", None, "LS", "0.90");
        assert_eq!(a.kind, MatchKind::DistributedBrand);
    }

    #[test]
    fn pepsi_is_q_distributed() {
        expect("Pepsi 2L", None, "Q", "0.90");
    }

    #[test]
    fn salchichas_paladini_is_fa_distributed() {
        expect("Salchichas Paladini", None, "FA", "0.90");
    }

    #[test]
    fn cafe_la_virginia_is_lv_direct() {
        let a = expect("Café La Virginia", None, "LV", "0.95");
        assert_eq!(a.kind, MatchKind::DirectBrand);
    }

    #[test]
    fn cris_jor_mani_is_ace_distributed() {
        let a = expect("Cris-Jor maní", None, "ACE", "0.90");
        assert_eq!(a.matched.as_deref(), Some("cris-jor"));
    }

    #[test]
    fn cerveza_bebida_alcoholica_is_q_because_bc_excludes_it() {
        let a = expect("Cerveza", Some("bebida alcoholica"), "Q", "0.80");
        assert_eq!(a.matched.as_deref(), Some("cerveza"));
    }

    #[test]
    fn conserva_de_tomate_is_not_ls() {
        let a = assign("Conserva de tomate", None);
        assert_ne!(a.supplier_code, "LS");
        assert_eq!(
            (a.supplier_code.as_str(), a.kind),
            ("ACE", MatchKind::Category)
        );
    }

    #[test]
    fn empty_name_is_the_default() {
        let a = expect("", None, "MAX", "0.50");
        assert_eq!((a.kind, a.matched), (MatchKind::Default, None));
    }

    // Legacy bugs.

    #[test]
    fn aceite_and_tomate_do_not_contain_te() {
        assert_ne!(assign("Aceite", None).supplier_code, "LV");
        assert_ne!(assign("Aceite de girasol", None).supplier_code, "LV");
        expect("Aceite", None, "MAX", "0.50");
        expect("Tomate", None, "FR", "0.80");
        expect("Té verde", None, "LV", "0.80");
        expect("Te negro en saquitos", None, "LV", "0.80");
    }

    #[test]
    fn turron_does_not_contain_ron() {
        assert_ne!(assign("Turrón", None).supplier_code, "BC");
        expect("Turrón", None, "MAX", "0.50");
        expect("Turrón", Some("golosina"), "TER", "0.80");
        expect("Ron Havana Club", None, "BC", "0.80");
    }

    #[test]
    fn other_legacy_substrings_no_longer_match() {
        // "ser" inside "conserva", "laur" inside "laurel", "pan" inside "empanadas",
        // "fanta" inside "infanta", "tita" inside "ricotita".
        assert_ne!(assign("Conserva de arvejas", None).supplier_code, "LS");
        assert_ne!(
            assign("Hojas de laurel", None).matched.as_deref(),
            Some("laur")
        );
        assert_ne!(assign("Empanadas de carne", None).supplier_code, "FA");
        assert_ne!(assign("Galletas Infanta", None).supplier_code, "CO");
        expect("Ricotita", None, "MAX", "0.50");
        // But the brand itself still matches.
        expect("Yogur Ser frutilla", None, "LS", "0.90");
    }

    #[test]
    fn exclusions_work() {
        // Without exclusions BC's "bebida alcoholica" (two words) would beat Q's "cerveza".
        let mut no_exclusions = legacy_rules();
        for r in &mut no_exclusions {
            r.exclude_keywords.clear();
        }
        let a = assign_supplier(&no_exclusions, "Cerveza", Some("bebida alcoholica")).unwrap();
        assert_eq!(a.supplier_code, "BC");
        // With them, BC is out, whether the keyword is in the name or the category.
        expect("Cerveza", Some("bebida alcoholica"), "Q", "0.80");
        expect(
            "Cervezas artesanales",
            Some("bebida alcoholica"),
            "Q",
            "0.80",
        );
        expect("Beer IPA", Some("bebida alcoholica"), "Q", "0.80");
        expect("Vinagre de vino", None, "MAX", "0.50");
        expect("Puré de tomate", None, "MAX", "0.50");
        expect("Jugo de manzana Cepita", None, "CO", "0.90");
        // An excluded supplier loses its brands too.
        let mut brewer = rules("X");
        brewer.direct_brands = strings(&["quilmes"]);
        brewer.exclude_keywords = strings(&["sin alcohol"]);
        assert_eq!(
            assign_supplier(&[brewer.clone()], "Quilmes 0.0 sin alcohol", None),
            None
        );
        assert!(assign_supplier(&[brewer], "Quilmes Clásica", None).is_some());
    }

    #[test]
    fn rule_entries_are_normalised_like_the_input() {
        let mut s = rules("S");
        s.direct_brands = strings(&["COCA-COLA"]);
        s.distributed_brands = strings(&["Cris-Jor"]);
        s.categories = strings(&["Té"]);
        let list = [s];
        for (name, kind) in [
            ("coca cola zero", MatchKind::DirectBrand),
            ("Coca-Cola 2,25 L", MatchKind::DirectBrand),
            ("CRIS JOR mani", MatchKind::DistributedBrand),
            ("te en hebras", MatchKind::Category),
            ("TÉ", MatchKind::Category),
        ] {
            let a = assign_supplier(&list, name, None).unwrap();
            assert_eq!(a.kind, kind, "{name}");
        }
        assert_eq!(assign_supplier(&list, "coca", None), None);
        assert_eq!(assign_supplier(&list, "cola", None), None);
    }

    #[test]
    fn multi_word_brands_match_as_a_sequence() {
        expect("Agua Eco de los Andes 2L", None, "Q", "0.90");
        expect("Leche Serenísima", None, "LS", "0.80"); // "la serenisima" needs both words
        expect("Yerba Mate Playadito", None, "LV", "0.80");
        expect("Mate", None, "MAX", "0.50");
        expect("Stella Artois lata", None, "Q", "0.90");
        expect("Stella", None, "MAX", "0.50");
    }

    #[test]
    fn brands_beat_categories() {
        let a = expect("Café La Virginia", None, "LV", "0.95");
        assert_eq!(a.matched.as_deref(), Some("la virginia"));
        // Category "chocolate" of TER loses to the distributed brand "cindor" of LS.
        expect("Cindor chocolate", None, "LS", "0.90");
        // Category of BC ("fernet") loses to a brand of CO.
        expect("Fernet con Coca-Cola", None, "CO", "0.95");
    }

    #[test]
    fn longest_brand_wins_then_direct_then_order() {
        let mut a = rules("A");
        a.distributed_brands = strings(&["granja"]);
        let mut b = rules("B");
        b.distributed_brands = strings(&["granja del sol"]);
        let longest = assign_supplier(&[a.clone(), b.clone()], "Pollo Granja del Sol", None);
        assert_eq!(longest.map(|x| x.supplier_code), Some("B".into()));

        let mut c = rules("C");
        c.distributed_brands = strings(&["sol"]);
        let mut d = rules("D");
        d.direct_brands = strings(&["sol"]);
        let direct = assign_supplier(&[c.clone(), d], "Sol", None).unwrap();
        assert_eq!(
            (direct.supplier_code.as_str(), direct.kind),
            ("D", MatchKind::DirectBrand)
        );

        let mut e = rules("E");
        e.distributed_brands = strings(&["sol"]);
        let first = assign_supplier(&[e, c], "Sol", None).unwrap();
        assert_eq!(first.supplier_code, "E");
    }

    #[test]
    fn longest_category_wins_then_order() {
        expect("Vaso plástico descartable", None, "MU", "0.80");
        // "Salsa" (ACE) and "tomate" (FR) are one word each: the first configured wins (and FR
        // excludes "salsa" anyway).
        expect("Salsa de tomate", None, "ACE", "0.80");
        // "Queso" (LS) and "fresco" (FR): LS is configured first.
        expect("Queso fresco", None, "LS", "0.80");
        let mut a = rules("A");
        a.categories = strings(&["pan"]);
        let mut b = rules("B");
        b.categories = strings(&["pan", "pan lactal"]);
        let x = assign_supplier(&[a, b], "Pan lactal", None).unwrap();
        assert_eq!(
            (x.supplier_code.as_str(), x.matched.as_deref()),
            ("B", Some("pan lactal"))
        );
    }

    #[test]
    fn categories_match_name_or_category_with_plurals() {
        expect("Galletitas", None, "TER", "0.80");
        expect("Bananas", None, "FR", "0.80");
        expect("Manzanas rojas", Some("Frutas"), "FR", "0.80");
        expect("Lavandina", Some("General"), "MAX", "0.80");
        expect("Maní salado", Some("Snacks"), "ACE", "0.80");
        // Brands are looked for in the name only.
        expect("Gaseosa lima", Some("pepsi"), "CO", "0.80");
    }

    #[test]
    fn default_only_when_nothing_matches() {
        expect("Fideos tirabuzón", None, "MAX", "0.50");
        expect("   ", Some(""), "MAX", "0.50");
        let mut only = rules("A");
        only.categories = strings(&["fruta"]);
        assert_eq!(assign_supplier(&[only.clone()], "Detergente", None), None);
        assert_eq!(assign_supplier(&[], "Coca Cola", None), None);
        // The default is the fallback even if it excludes the word.
        let mut fallback = rules("D");
        fallback.is_default = true;
        fallback.exclude_keywords = strings(&["detergente"]);
        let a = assign_supplier(&[only, fallback], "Detergente", None).unwrap();
        assert_eq!(
            (a.supplier_code.as_str(), a.kind),
            ("D", MatchKind::Default)
        );
    }

    #[test]
    fn rules_from_a_stored_supplier() {
        let stored = Supplier {
            id: SupplierId(7),
            code: "CO".into(),
            legal_name: "Coca-Cola FEMSA de Buenos Aires S.A.".into(),
            trade_name: Some("Coca Cola".into()),
            tax_condition: None,
            payment_terms_days: Some(30),
            direct_brands: strings(&["coca-cola"]),
            distributed_brands: strings(&["sprite"]),
            categories: strings(&["gaseosa"]),
            exclude_keywords: strings(&["pepsi"]),
            is_default: false,
            active: true,
        };
        let r = SupplierRules::from(&stored);
        assert_eq!(r.code, "CO");
        assert_eq!(r.name, "Coca-Cola FEMSA de Buenos Aires S.A.");
        assert_eq!(r.direct_brands, ["coca-cola"]);
        assert_eq!(r.distributed_brands, ["sprite"]);
        assert_eq!(r.categories, ["gaseosa"]);
        assert_eq!(r.exclude_keywords, ["pepsi"]);
        assert!(!r.is_default);
        assert_eq!(
            assign_supplier(&[r], "Sprite 1.5L", None).map(|a| a.kind),
            Some(MatchKind::DistributedBrand)
        );
    }

    #[test]
    fn confidences_and_codes() {
        let kinds = [
            MatchKind::DirectBrand,
            MatchKind::DistributedBrand,
            MatchKind::Category,
            MatchKind::Default,
        ];
        let shown: Vec<String> = kinds.iter().map(|k| k.confidence().to_string()).collect();
        assert_eq!(shown, ["0.95", "0.90", "0.80", "0.50"]);
        let codes: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
        assert_eq!(codes, ["direct", "submarca", "categoria", "default"]);
    }

    #[test]
    fn legacy_fixture_is_complete_and_valid() {
        let suppliers = legacy_suppliers();
        let codes: Vec<&str> = suppliers.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(
            codes,
            ["BC", "CO", "Q", "FA", "LS", "ACE", "TER", "LV", "FR", "MU", "GA", "MAX"]
        );
        let defaults: Vec<&str> = suppliers
            .iter()
            .filter(|s| s.is_default)
            .map(|s| s.code.as_str())
            .collect();
        assert_eq!(defaults, ["MAX"]);
        for s in &suppliers {
            assert_eq!(s.clone().validate().as_ref(), Ok(s), "{}", s.code);
            assert!(
                !s.direct_brands.is_empty() && !s.categories.is_empty(),
                "{}",
                s.code
            );
            for list in [
                &s.direct_brands,
                &s.distributed_brands,
                &s.categories,
                &s.exclude_keywords,
            ] {
                let mut seen: Vec<String> = list.iter().map(|e| normalize(e)).collect();
                assert!(seen.iter().all(|e| !e.is_empty()), "{}", s.code);
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), list.len(), "duplicate entries in {}", s.code);
            }
        }
        let rules = legacy_rules();
        assert_eq!(rules.len(), 12);
        assert_eq!(rules[4].name, "La Serenísima");
    }

    proptest! {
        #[test]
        fn always_assigns_with_the_legacy_fixture(name in any::<String>(), cat in proptest::option::of(any::<String>())) {
            let a = assign_supplier(&legacy_rules(), &name, cat.as_deref());
            prop_assert!(a.is_some());
        }

        #[test]
        fn assignment_ignores_case_accents_and_punctuation(idx in 0usize..6) {
            let names = ["Coca Cola", "Galletitas Oreo", "Leche La Serenísima 1L", "Café La Virginia", "Cris-Jor maní", "Pepsi 2L"];
            let name = names[idx];
            let plain = assign(name, None);
            let shouted = assign(&name.to_uppercase().replace(' ', " - "), None);
            prop_assert_eq!(plain, shouted);
        }
    }
}
