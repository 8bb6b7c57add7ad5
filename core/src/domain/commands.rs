//! Shop-floor commands (DOMAIN 6): what staff type, in Spanish, turned into an order or a stock
//! movement for an existing product.
//!
//! This module owns the two steps and their errors:
//!
//! 1. [`parse_command`] reads the text alone: the [`Intent`] (order, receipt, stock out), the
//!    product as typed, the [`Quantity`] and, for movements, where the goods come from or go to.
//! 2. [`resolve_command`] (with [`find_product`]) turns the product text into one existing
//!    [`Product`] by SKU, barcode or name, and checks the quantity against its unit. A command is
//!    never keyed by free text: an unknown or ambiguous product is refused.
//!
//! Every refusal is a [`CommandError`] that carries a suggestion in Spanish (`probá: "Pedir Coca
//! Cola x 6"`, or the closest product names).
//!
//! # What the parser understands
//!
//! - **Orders**: `Pedir|Pedí|Anotar|Necesito|Traer|Falta|Faltan|Reponer|Comprar <producto>
//!   [x N]`, and `Agregar a la lista: <producto> [x N]`. Without a quantity an order is for 1.
//! - **Receipts**: `Dejé|Ingreso|Traje|Sumar|Recibí|Llegaron N <producto> [del|desde <origen>]
//!   [para|al|hacia <destino>]`.
//! - **Stock out**: `Saqué|Sacar|Llevo|Retiro|Descontar N <producto> [para|al|hacia <destino>]
//!   [del|desde <origen>]`; the destination defaults to `"local"`.
//! - **Slash commands**: `/entrada "<producto>" N ["<origen>"]`, `/salida "<producto>" N
//!   ["<destino>"]`, `/pedido "<producto>" [N]`; quotes may be omitted around a product with no
//!   numbers.
//!
//! Quantities: `x 6`, `x6`, `×6`, a number right after the verb (`Dejé 4 bananas`), or a number
//! followed by a unit (`6 unidades`, `2,5 kg`); decimals take a comma or a point (`2,5` = `2.5`,
//! up to 3 decimals; no thousands separators). When several are present, `x N` (the last one)
//! wins, then the number after the verb, then `N <unit>`. Movements need an explicit quantity;
//! zero and negative quantities are refused.
//!
//! Origins and destinations are introduced by `del`/`desde` and `para`/`al`/`hacia`, never by a
//! bare `de`, so "Dulce de leche" stays one product. A product whose name contains `del` ("Granja
//! del Sol") must be quoted in a slash command to be received with an origin.

use super::catalog::{Location, Product};
use super::ids::{LocationId, ProductId};
use super::text::{find_sequence, normalize, same_word, tokens};
use super::values::{Barcode, Quantity, Sku};

/// What a command asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intent {
    /// Add the product to the next purchase order \[pedido\].
    Order,
    /// Goods came in: a receipt movement.
    Receipt,
    /// Goods went out of the shop's stock: a stock-out movement.
    StockOut,
}

/// A command as read from the text, before the product is looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedCommand {
    /// What is asked for.
    pub intent: Intent,
    /// The product as typed (case and accents kept), never empty.
    pub product_text: String,
    /// How much; always above zero.
    pub quantity: Quantity,
    /// Where the goods come from, as typed (`"ecuador"`, `"Distribuidor"`).
    pub origin: Option<String>,
    /// Where the goods go, as typed; `"local"` for a stock out that names none.
    pub destination: Option<String>,
}

/// A command whose product exists: ready to become an order line or a movement request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedCommand {
    /// What is asked for.
    pub intent: Intent,
    /// The product.
    pub product: ProductId,
    /// How much; above zero and whole for products sold by `unidad`.
    pub quantity: Quantity,
    /// Where the goods come from.
    pub origin: Option<String>,
    /// Where the goods go.
    pub destination: Option<String>,
}

/// Why a command was refused. Messages are in Spanish, for the person who typed the command, and
/// every variant says what to try instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The text is not a command the parser knows.
    #[error("no entendí el comando; {suggestion}")]
    Unparseable {
        /// Examples of commands that work.
        suggestion: String,
    },
    /// The command names no product.
    #[error("falta el producto; {suggestion}")]
    MissingProduct {
        /// The same command with a product.
        suggestion: String,
    },
    /// A receipt or stock out without a quantity (only orders default to 1).
    #[error("falta la cantidad; {suggestion}")]
    MissingQuantity {
        /// The same command with a quantity.
        suggestion: String,
    },
    /// A quantity of zero.
    #[error("la cantidad tiene que ser mayor que cero; {suggestion}")]
    ZeroQuantity {
        /// The same command with a quantity of 1.
        suggestion: String,
    },
    /// A negative quantity, one with more than 3 decimals, or one too large.
    #[error("{text:?} no es una cantidad válida; {suggestion}")]
    InvalidQuantity {
        /// The quantity as typed.
        text: String,
        /// How to write a quantity.
        suggestion: String,
    },
    /// A fractional quantity of a product sold by `unidad`.
    #[error("{product} se vende por unidad y la cantidad tiene que ser entera; {suggestion}")]
    FractionalQuantity {
        /// The product's name.
        product: String,
        /// The nearest whole quantities.
        suggestion: String,
    },
    /// No product has that SKU, barcode or name.
    #[error("no encontré el producto {text:?}; {suggestion}")]
    UnknownProduct {
        /// The product as typed.
        text: String,
        /// The closest product names, or how else to name the product.
        suggestion: String,
    },
    /// Several products fit the text equally well.
    #[error(
        "{text:?} puede ser {}; escribí el nombre completo o el SKU",
        .candidates.join(" o ")
    )]
    Ambiguous {
        /// The product as typed.
        text: String,
        /// The products that fit, as `Name (SKU)`.
        candidates: Vec<String>,
    },
    /// A stock out names a destination that is no location of the shop.
    #[error("no encontré el destino {text:?}; {suggestion}")]
    UnknownDestination {
        /// The destination as typed.
        text: String,
        /// The shop's locations.
        suggestion: String,
    },
    /// An order for a product that no supplier covers (and no default supplier exists).
    #[error("{product} no tiene proveedor; {suggestion}")]
    NoSupplier {
        /// The product's name.
        product: String,
        /// What to do instead.
        suggestion: String,
    },
    /// The product exists but is inactive: it takes no orders nor movements.
    #[error("{name} está dado de baja; {suggestion}")]
    InactiveProduct {
        /// The product's name.
        name: String,
        /// What to do instead.
        suggestion: String,
    },
}

impl CommandError {
    /// What to try instead, as shown after the error message.
    pub fn suggestion(&self) -> String {
        match self {
            CommandError::Unparseable { suggestion }
            | CommandError::MissingProduct { suggestion }
            | CommandError::MissingQuantity { suggestion }
            | CommandError::ZeroQuantity { suggestion }
            | CommandError::InvalidQuantity { suggestion, .. }
            | CommandError::FractionalQuantity { suggestion, .. }
            | CommandError::UnknownProduct { suggestion, .. }
            | CommandError::InactiveProduct { suggestion, .. }
            | CommandError::UnknownDestination { suggestion, .. }
            | CommandError::NoSupplier { suggestion, .. } => suggestion.clone(),
            CommandError::Ambiguous { candidates, .. } => {
                format!("probá con uno de: {}", candidates.join(", "))
            }
        }
    }
}

/// The examples offered when nothing could be read.
const EXAMPLES: &str = "probá: \"Pedir Coca Cola x 6\", \"Dejé 4 bananas del proveedor\" o \
                        \"Saqué 2 Oreo para el kiosco\"";
/// The examples offered for an unknown slash command.
const SLASH_EXAMPLES: &str = "probá: /entrada \"Coca Cola\" 10 \"Distribuidor\", /salida \"Oreo\" \
                              3 o /pedido \"Coca Cola\" 6";
/// How to write a quantity.
const QUANTITY_HELP: &str = "usá un número mayor que cero, con coma o punto para los decimales \
                             (hasta 3), como \"Dejé 2,5 kg de tomate\"";
/// The destination of a stock out that names none (legacy default).
const DEFAULT_DESTINATION: &str = "local";

/// The location a stock out goes to: the sales floor for the default destination `"local"`,
/// else the location whose code or name matches the text (articles ignored: "el kiosco" finds
/// a location named "Kiosco").
///
/// ```
/// use inventario_core::domain::commands::resolve_destination;
/// use inventario_core::domain::{Location, LocationId};
///
/// let kiosco = Location { id: LocationId(3), code: "KIOSCO".into(), name: "Kiosco de la esquina".into(),
///     negative_stock_allowed: false, capacity: None };
/// let floor = LocationId(2);
/// assert_eq!(resolve_destination("el kiosco", &[kiosco.clone()], floor)?, LocationId(3));
/// assert_eq!(resolve_destination("local", &[kiosco.clone()], floor)?, floor);
/// assert!(resolve_destination("la luna", &[kiosco], floor).is_err());
/// # Ok::<(), inventario_core::domain::commands::CommandError>(())
/// ```
pub fn resolve_destination(
    text: &str,
    locations: &[Location],
    sales_floor: LocationId,
) -> Result<LocationId, CommandError> {
    const ARTICLES: [&str; 4] = ["el", "la", "los", "las"];
    let words = |s: &str| -> Vec<String> {
        tokens(s)
            .into_iter()
            .filter(|w| !ARTICLES.contains(&w.as_str()))
            .collect()
    };
    let wanted = words(text);
    if wanted == words(DEFAULT_DESTINATION) {
        return Ok(sales_floor);
    }
    let matches = |l: &&Location| {
        words(&l.code) == wanted
            || words(&l.name) == wanted
            || find_sequence(&words(&l.name), &wanted).is_some()
    };
    match locations.iter().filter(matches).collect::<Vec<_>>()[..] {
        [only] => Ok(only.id),
        _ => {
            let known: Vec<&str> = locations.iter().map(|l| l.code.as_str()).collect();
            Err(CommandError::UnknownDestination {
                text: text.to_owned(),
                suggestion: format!("los destinos posibles son: local, {}", known.join(", ")),
            })
        }
    }
}

/// Reads a shop-floor command. The product is not looked up: see [`resolve_command`].
///
/// ```
/// use inventario_core::domain::commands::{parse_command, Intent};
///
/// let order = parse_command("Pedir Coca Cola x 6")?;
/// assert_eq!((order.intent, order.product_text.as_str()), (Intent::Order, "Coca Cola"));
/// assert_eq!(order.quantity.to_string(), "6");
///
/// let receipt = parse_command("Dejé 4 bananas del ecuador")?;
/// assert_eq!(receipt.intent, Intent::Receipt);
/// assert_eq!(receipt.origin.as_deref(), Some("ecuador"));
///
/// let err = parse_command("hola que tal").unwrap_err();
/// assert!(err.to_string().contains("Pedir Coca Cola x 6"));
/// # Ok::<(), inventario_core::domain::commands::CommandError>(())
/// ```
pub fn parse_command(text: &str) -> Result<ParsedCommand, CommandError> {
    let text = text.trim();
    if text.starts_with('/') {
        parse_slash(text)
    } else {
        parse_natural(text)
    }
}

/// How a command was written, for suggestions in the same style.
#[derive(Clone, Copy)]
enum Style {
    Natural,
    Slash,
}

/// The pieces of a command before their checks.
struct Draft<'a> {
    intent: Intent,
    style: Style,
    verb: &'a str,
    product: String,
    quantity: Option<&'a str>,
    origin: Option<String>,
    destination: Option<String>,
}

fn parse_natural(text: &str) -> Result<ParsedCommand, CommandError> {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !normalize(w).is_empty() || w.contains('×'))
        .collect();
    let Some((&verb, rest)) = words.split_first() else {
        return Err(unparseable(EXAMPLES));
    };
    let Some(mut intent) = intent_of_verb(&normalize(verb)) else {
        return Err(unparseable(EXAMPLES));
    };
    let (rest, to_list) = skip_list_filler(rest);
    if to_list {
        intent = Intent::Order;
    }
    let (quantity, rest) = take_quantity(rest);
    let (product, origin, destination) = match intent {
        Intent::Order => (rest, Vec::new(), Vec::new()),
        Intent::Receipt | Intent::StockOut => split_places(&rest),
    };
    finish(Draft {
        intent,
        style: Style::Natural,
        verb: verb.trim_end_matches([':', ',']),
        product: clean_phrase(&product.join(" ")),
        quantity,
        origin: non_empty(clean_phrase(&origin.join(" "))),
        destination: non_empty(clean_phrase(&destination.join(" "))),
    })
}

fn parse_slash(text: &str) -> Result<ParsedCommand, CommandError> {
    let items = lex(text);
    let Some((command, args)) = items.split_first() else {
        return Err(unparseable(SLASH_EXAMPLES));
    };
    let name = command.text.trim_start_matches('/');
    let name = name.split('@').next().unwrap_or(name);
    let intent = match normalize(name).as_str() {
        "entrada" | "ingreso" | "recepcion" => Intent::Receipt,
        "salida" | "retiro" => Intent::StockOut,
        "pedido" | "pedir" | "falta" => Intent::Order,
        _ => return Err(unparseable(SLASH_EXAMPLES)),
    };

    // The product: one quoted item, or the unquoted words before the quantity.
    let mut index = 0;
    let product = match args.first() {
        Some(first) if first.quoted => {
            index = 1;
            first.text.clone()
        }
        _ => {
            let mut words = Vec::new();
            while let Some(item) = args.get(index) {
                if item.quoted || quantity_word(&item.text).is_some() || is_times(&item.text) {
                    break;
                }
                words.push(item.text.as_str());
                index += 1;
            }
            words.join(" ")
        }
    };

    // The quantity: `N`, `x N`, `xN`, optionally followed by a unit word.
    let mut quantity = None;
    if let Some(item) = args.get(index).filter(|i| !i.quoted) {
        let (word, skip) = match args.get(index + 1) {
            Some(next) if is_times(&item.text) => (next.text.as_str(), 2),
            _ => (item.text.as_str(), 1),
        };
        if let Some((number, attached_unit)) = quantity_word(word) {
            quantity = Some(number);
            index += skip;
            let unit_follows = args
                .get(index)
                .is_some_and(|u| !u.quoted && is_unit(&u.text));
            if !attached_unit && unit_follows {
                index += 1;
            }
        }
    }

    let place: Vec<&str> = args
        .get(index..)
        .unwrap_or_default()
        .iter()
        .map(|i| i.text.as_str())
        .collect();
    let place = non_empty(clean_phrase(&place.join(" ")));
    let (origin, destination) = match intent {
        Intent::Order => (None, None),
        Intent::Receipt => (place, None),
        Intent::StockOut => (None, place),
    };
    finish(Draft {
        intent,
        style: Style::Slash,
        verb: command.text.as_str(),
        product: clean_phrase(&product),
        quantity,
        origin,
        destination,
    })
}

/// Checks the pieces and builds the command.
fn finish(draft: Draft<'_>) -> Result<ParsedCommand, CommandError> {
    let with = |product: &str, quantity: &str| example(&draft, product, quantity);
    if draft.product.is_empty() {
        return Err(CommandError::MissingProduct {
            suggestion: format!("probá: {}", with("Coca Cola", "6")),
        });
    }
    let quantity = match draft.quantity {
        None if draft.intent == Intent::Order => Quantity::from_milli(1_000),
        None => {
            return Err(CommandError::MissingQuantity {
                suggestion: format!("probá: {}", with(&draft.product, "4")),
            })
        }
        Some(text) => {
            let invalid = || CommandError::InvalidQuantity {
                text: text.to_owned(),
                suggestion: QUANTITY_HELP.to_owned(),
            };
            if text.starts_with('-') {
                return Err(invalid());
            }
            let quantity: Quantity = text.replace(',', ".").parse().map_err(|_| invalid())?;
            if quantity.is_zero() {
                return Err(CommandError::ZeroQuantity {
                    suggestion: format!("probá: {}", with(&draft.product, "1")),
                });
            }
            quantity
        }
    };
    let destination = match draft.intent {
        Intent::StockOut => draft
            .destination
            .or_else(|| Some(DEFAULT_DESTINATION.to_owned())),
        Intent::Order | Intent::Receipt => draft.destination,
    };
    Ok(ParsedCommand {
        intent: draft.intent,
        product_text: draft.product,
        quantity,
        origin: draft.origin,
        destination,
    })
}

/// The command as the user wrote it, with another product or quantity, in quotes.
fn example(draft: &Draft<'_>, product: &str, quantity: &str) -> String {
    let verb = draft.verb;
    match (draft.style, draft.intent) {
        (Style::Slash, _) => format!("{verb} \"{product}\" {quantity}"),
        (Style::Natural, Intent::Order) => format!("\"{verb} {product} x {quantity}\""),
        (Style::Natural, _) => format!("\"{verb} {quantity} {product}\""),
    }
}

fn unparseable(examples: &str) -> CommandError {
    CommandError::Unparseable {
        suggestion: examples.to_owned(),
    }
}

/// The intent of a normalised first word.
fn intent_of_verb(verb: &str) -> Option<Intent> {
    match verb {
        "pedir" | "pedi" | "pido" | "anotar" | "anota" | "anote" | "necesito" | "necesitamos"
        | "traer" | "traeme" | "falta" | "faltan" | "agregar" | "agrega" | "agregame"
        | "reponer" | "comprar" => Some(Intent::Order),
        "deje" | "ingreso" | "ingresar" | "ingresaron" | "traje" | "trajeron" | "sumar"
        | "sume" | "recibi" | "recibimos" | "llego" | "llegaron" | "entraron" => {
            Some(Intent::Receipt)
        }
        "saque" | "sacar" | "sacamos" | "llevo" | "lleve" | "retiro" | "retire" | "descontar"
        | "desconte" => Some(Intent::StockOut),
        _ => None,
    }
}

/// Skips "a la lista", "a lista", "al pedido" or "a la lista de compras" after the verb; the
/// flag says whether one was there (which makes "sumar" an order).
fn skip_list_filler<'a, 'w>(words: &'w [&'a str]) -> (&'w [&'a str], bool) {
    let keys: Vec<String> = words.iter().take(5).map(|w| normalize(w)).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let skip = match keys.as_slice() {
        ["a", "la", "lista", "de", "compras" | "pedidos", ..] => 5,
        ["a", "la", "lista", ..] => 3,
        ["a", "lista", ..] | ["al", "pedido" | "listado", ..] => 2,
        _ => 0,
    };
    (words.get(skip..).unwrap_or_default(), skip > 0)
}

/// Finds the quantity among the words (see the module documentation for the precedence) and
/// returns its number as typed and the other words.
fn take_quantity<'a>(words: &[&'a str]) -> (Option<&'a str>, Vec<&'a str>) {
    // 1. The last "x N", "× N", "xN".
    for (i, &word) in words.iter().enumerate().rev() {
        if is_times(word) {
            if let Some((number, attached)) = words.get(i + 1).and_then(|w| quantity_word(w)) {
                let unit_follows = words.get(i + 2).is_some_and(|u| is_unit(u));
                let end = if !attached && unit_follows {
                    i + 3
                } else {
                    i + 2
                };
                return (Some(number), without(words, i, end));
            }
        } else if let Some((number, _)) = strip_times(word).and_then(quantity_word) {
            return (Some(number), without(words, i, i + 1));
        }
    }
    // 2. A number right after the verb: "Dejé 4 bananas", "Dejé 2,5 kg de tomate".
    if let Some((number, attached)) = words.first().and_then(|w| quantity_word(w)) {
        let mut end = 1;
        if !attached && words.get(end).is_some_and(|u| is_unit(u)) {
            end += 1;
        }
        let joiner = words
            .get(end)
            .is_some_and(|w| matches!(normalize(w).as_str(), "de" | "x") || is_times(w));
        if joiner && words.len() > end + 1 {
            end += 1;
        }
        return (Some(number), without(words, 0, end));
    }
    // 3. "N unidades", "N kg" anywhere.
    for (i, word) in words.iter().enumerate() {
        if let Some((number, false)) = quantity_word(word) {
            if words.get(i + 1).is_some_and(|u| is_unit(u)) {
                return (Some(number), without(words, i, i + 2));
            }
        }
    }
    (None, words.to_vec())
}

fn without<'a>(words: &[&'a str], start: usize, end: usize) -> Vec<&'a str> {
    words
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < start || *i >= end)
        .map(|(_, w)| *w)
        .collect()
}

/// A quantity written as one word: the number as typed and whether a unit was attached
/// (`"6"`, `"2,5"`, `"2,5kg"`, `"6u"`, `"-3"`). A number followed by anything else (`"2L"`,
/// `"7up"`) is part of a product name.
fn quantity_word(word: &str) -> Option<(&str, bool)> {
    let word = word
        .trim_start_matches('(')
        .trim_end_matches([',', '.', ';', ':', '!', '?', ')']);
    let (number, suffix) = split_number(word)?;
    if suffix.is_empty() {
        Some((number, false))
    } else if ATTACHED_UNITS.contains(&normalize(suffix).as_str()) {
        Some((number, true))
    } else {
        None
    }
}

/// Splits a leading number (`-`? digits, then optionally `,` or `.` and digits) from the rest.
fn split_number(word: &str) -> Option<(&str, &str)> {
    let bytes = word.as_bytes();
    let digits_from = |start: usize| {
        bytes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
            + start
    };
    let start = usize::from(bytes.first() == Some(&b'-'));
    let mut end = digits_from(start);
    if end == start {
        return None;
    }
    let separator = matches!(bytes.get(end), Some(b',' | b'.'));
    if separator && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end = digits_from(end + 1);
    }
    Some((word.get(..end)?, word.get(end..)?))
}

/// Units that may follow a number as a separate word.
const UNITS: &[&str] = &[
    "unidad", "unidades", "u", "un", "uni", "ud", "uds", "kg", "kgs", "kilo", "kilos", "g", "gr",
    "grs", "gramo", "gramos", "l", "lt", "lts", "litro", "litros", "ml", "m", "metro", "metros",
];
/// Units that may be glued to a number (`2,5kg`, `6u`); litres are not, so `2L` stays part of a
/// product name such as "Pepsi 2L".
const ATTACHED_UNITS: &[&str] = &[
    "u", "un", "uds", "unidades", "kg", "kgs", "kilo", "kilos", "g", "gr", "grs",
];

fn is_unit(word: &str) -> bool {
    UNITS.contains(&normalize(word).as_str())
}

fn is_times(word: &str) -> bool {
    matches!(word, "x" | "X" | "×")
}

fn strip_times(word: &str) -> Option<&str> {
    word.strip_prefix(['x', 'X', '×'])
}

/// Splits movement words into product, origin (`del`, `desde`) and destination (`para`, `al`,
/// `hacia`). The product keeps at least its first word; each of origin and destination starts at
/// its first marker and runs to the next marker of the other kind.
fn split_places<'a>(words: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>, Vec<&'a str>) {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Slot {
        Product,
        Origin,
        Destination,
    }
    let mut parts: [Vec<&str>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut used = [true, false, false];
    let mut slot = Slot::Product;
    for (i, &word) in words.iter().enumerate() {
        let marker = match normalize(word).as_str() {
            "del" | "desde" => Some(Slot::Origin),
            "para" | "al" | "hacia" => Some(Slot::Destination),
            _ => None,
        };
        if let Some(next) = marker.filter(|&m| i > 0 && !used[m as usize]) {
            slot = next;
            used[next as usize] = true;
            continue;
        }
        parts[slot as usize].push(word);
    }
    let [product, origin, destination] = parts;
    (product, origin, destination)
}

/// Trims spaces, surrounding quotes and trailing punctuation.
fn clean_phrase(s: &str) -> String {
    let quotes = ['"', '“', '”', '«', '»'];
    s.trim()
        .trim_matches(quotes)
        .trim_end_matches([':', ',', ';', '.', '!', '?'])
        .trim_start_matches([':', ','])
        .trim_matches(quotes)
        .trim()
        .to_owned()
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// One item of a slash command: a word, or a quoted phrase.
struct Item {
    text: String,
    quoted: bool,
}

/// Splits on spaces, keeping `"…"`, `“…”` and `«…»` together; an unclosed quote runs to the end.
fn lex(s: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut in_quote = false;
    for c in s.chars() {
        if in_quote {
            if matches!(c, '"' | '”' | '“' | '»') {
                items.push(Item {
                    text: std::mem::take(&mut current),
                    quoted: true,
                });
                in_quote = false;
            } else {
                current.push(c);
            }
        } else if matches!(c, '"' | '“' | '”' | '«') || c.is_whitespace() {
            if !current.is_empty() {
                items.push(Item {
                    text: std::mem::take(&mut current),
                    quoted: false,
                });
            }
            in_quote = !c.is_whitespace();
        } else {
            current.push(c);
        }
    }
    if in_quote || !current.is_empty() {
        items.push(Item {
            text: current,
            quoted: in_quote,
        });
    }
    items
}

/// Looks up a parsed command's product and checks the quantity against the product's unit.
///
/// ```
/// use inventario_core::domain::commands::{parse_command, resolve_command, CommandError};
/// # use inventario_core::domain::{Product, ProductId};
/// # use inventario_core::domain::values::{Quantity, Sku, UnitCost, UnitOfMeasure};
/// # fn product(id: i64, sku: &str, name: &str) -> Product {
/// #     Product { id: ProductId(id), sku: Sku::parse(sku).unwrap(), name: name.into(),
/// #         description: None, category: None, brand: None, unit: UnitOfMeasure::Unidad,
/// #         barcode: None, sale_price: "1000".parse().unwrap(), wholesale_price: None,
/// #         min_stock: Quantity::ZERO, max_stock: None, reorder_point: None,
/// #         pack_multiple: Quantity::from_milli(1000), perishable: false, supplier: None,
/// #         active: true, average_cost: UnitCost::ZERO }
/// # }
/// let products = [product(1, "BEB-COCA-2L", "Coca Cola 2L"), product(2, "GAL-OREO", "Galletitas Oreo")];
///
/// let order = resolve_command(parse_command("Pedir Coca Cola x 6")?, &products)?;
/// assert_eq!(order.product, ProductId(1));
///
/// let unknown = resolve_command(parse_command("Pedir Sprite x 6")?, &products);
/// assert!(matches!(unknown, Err(CommandError::UnknownProduct { .. })));
/// # Ok::<(), CommandError>(())
/// ```
pub fn resolve_command(
    parsed: ParsedCommand,
    products: &[Product],
) -> Result<ResolvedCommand, CommandError> {
    let product = find_product(&parsed.product_text, products)?;
    if !product.unit.allows_fractions() && !parsed.quantity.is_whole() {
        let below = parsed.quantity.milli().div_euclid(1_000);
        let suggestion = if below > 0 {
            format!("probá con {below} o {}", below.saturating_add(1))
        } else {
            "probá con 1".to_owned()
        };
        return Err(CommandError::FractionalQuantity {
            product: product.name.clone(),
            suggestion,
        });
    }
    Ok(ResolvedCommand {
        intent: parsed.intent,
        product: product.id,
        quantity: parsed.quantity,
        origin: parsed.origin,
        destination: parsed.destination,
    })
}

/// Words left out of a name query: articles and prepositions ("dulce de leche" finds
/// "Dulce Leche").
const STOP_WORDS: &[&str] = &[
    "de", "del", "la", "el", "los", "las", "y", "con", "en", "a", "al", "para", "por", "un", "una",
];
/// Unit words glued to a preceding number when comparing names ("2 L" is "2l").
const SIZE_UNITS: &[&str] = &[
    "l", "lt", "lts", "ml", "cc", "cm3", "kg", "kgs", "g", "gr", "grs", "m", "u", "un",
];
/// How many names an error lists at most.
const MAX_LISTED: usize = 5;

/// Finds the one product `text` names, in this order:
///
/// 1. the product whose SKU is `text` (trimmed, upper-cased);
/// 2. the product whose barcode is `text`;
/// 3. by name: the products whose name and brand words contain every word of `text` (articles
///    and prepositions left out; accents, case and punctuation ignored; `banana` and `bananas`
///    the same word; `2 L` the same as `2L`). One such product wins. Among several, the one whose
///    name has no word beyond those of `text` wins if it is unique; otherwise the answer is
///    [`CommandError::Ambiguous`] with the candidates.
///
/// Inactive products are never chosen: naming one is [`CommandError::InactiveProduct`]. Nothing
/// found is [`CommandError::UnknownProduct`], with the closest names as the suggestion.
pub fn find_product<'p>(text: &str, products: &'p [Product]) -> Result<&'p Product, CommandError> {
    let chosen = |p: &'p Product| -> Result<&'p Product, CommandError> {
        if p.active {
            Ok(p)
        } else {
            Err(CommandError::InactiveProduct {
                name: p.name.clone(),
                suggestion: "reactivalo o elegí otro producto".to_owned(),
            })
        }
    };
    if let Ok(sku) = Sku::parse(text) {
        if let Some(p) = products.iter().find(|p| p.sku == sku) {
            return chosen(p);
        }
    }
    if let Ok(barcode) = Barcode::parse(text.trim()) {
        if let Some(p) = products
            .iter()
            .find(|p| p.barcode.as_ref() == Some(&barcode))
        {
            return chosen(p);
        }
    }

    let query = query_words(text);
    let containing: Vec<(&Product, usize)> = if query.is_empty() {
        Vec::new()
    } else {
        products
            .iter()
            .filter_map(|p| {
                let words = product_words(p);
                let all = query.iter().all(|q| words.iter().any(|w| same_word(q, w)));
                all.then(|| (p, extra_words(&name_words(p), &query)))
            })
            .collect()
    };
    let active: Vec<(&Product, usize)> = containing
        .iter()
        .filter(|(p, _)| p.active)
        .copied()
        .collect();
    match active.as_slice() {
        [] => {
            if let Some(&(inactive, _)) = containing.first() {
                return chosen(inactive);
            }
            Err(CommandError::UnknownProduct {
                text: text.trim().to_owned(),
                suggestion: closest(&query, products),
            })
        }
        [(only, _)] => Ok(*only),
        several => {
            let exact: Vec<(&Product, usize)> = several
                .iter()
                .filter(|(_, extra)| *extra == 0)
                .copied()
                .collect();
            if let [(only, _)] = exact.as_slice() {
                return Ok(*only);
            }
            let mut listed = if exact.is_empty() {
                several.to_vec()
            } else {
                exact
            };
            listed.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.name.cmp(&b.0.name)));
            Err(CommandError::Ambiguous {
                text: text.trim().to_owned(),
                candidates: listed
                    .iter()
                    .take(MAX_LISTED)
                    .map(|(p, _)| format!("{} ({})", p.name, p.sku))
                    .collect(),
            })
        }
    }
}

/// The words of a query, without articles and prepositions (unless that leaves nothing).
fn query_words(text: &str) -> Vec<String> {
    let words = glue_sizes(tokens(text));
    let content: Vec<String> = words
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    if content.is_empty() {
        words
    } else {
        content
    }
}

fn name_words(p: &Product) -> Vec<String> {
    glue_sizes(tokens(&p.name))
        .into_iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// The words a product can be named by: its name and its brand.
fn product_words(p: &Product) -> Vec<String> {
    let mut words = glue_sizes(tokens(&p.name));
    words.extend(glue_sizes(tokens(p.brand.as_deref().unwrap_or(""))));
    words
}

/// How many words of the name the query does not mention.
fn extra_words(name: &[String], query: &[String]) -> usize {
    name.iter()
        .filter(|w| !query.iter().any(|q| same_word(q, w)))
        .count()
}

/// Joins a number and the unit after it: `["2", "l"]` → `["2l"]`.
fn glue_sizes(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for word in words {
        let after_number = out
            .last()
            .is_some_and(|last| !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()));
        match out.last_mut() {
            Some(last) if after_number && SIZE_UNITS.contains(&word.as_str()) => {
                last.push_str(&word);
            }
            _ => out.push(word),
        }
    }
    out
}

/// The suggestion for an unknown product: up to three active products sharing the most words
/// with the query (a typo of one letter counts), or how else to name the product.
fn closest(query: &[String], products: &[Product]) -> String {
    let mut scored: Vec<(usize, usize, &Product)> = products
        .iter()
        .filter(|p| p.active)
        .filter_map(|p| {
            let words = product_words(p);
            let shared = query
                .iter()
                .filter(|q| words.iter().any(|w| similar_word(q, w)))
                .count();
            (shared > 0).then(|| (shared, extra_words(&name_words(p), query), p))
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then_with(|| a.2.name.cmp(&b.2.name))
    });
    let names: Vec<String> = scored
        .iter()
        .take(3)
        .map(|(_, _, p)| format!("\"{}\"", p.name))
        .collect();
    match names.as_slice() {
        [] => "revisá el nombre, o usá el SKU o el código de barras".to_owned(),
        [one] => format!("¿quisiste decir {one}?"),
        [init @ .., last] => format!("¿quisiste decir {} o {last}?", init.join(", ")),
    }
}

/// [`same_word`], a prefix of at least 4 letters, or one edit apart for words of 4+ letters.
fn similar_word(a: &str, b: &str) -> bool {
    if same_word(a, b) {
        return true;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.min(lb) < 4 {
        return false;
    }
    a.starts_with(b) || b.starts_with(a) || one_edit_apart(a, b)
}

/// Whether one insertion, deletion or substitution turns `a` into `b`.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    let short_rest = short.get(prefix..).unwrap_or_default();
    let long_rest = long.get(prefix..).unwrap_or_default();
    if short.len() == long.len() {
        short_rest.get(1..).unwrap_or_default() == long_rest.get(1..).unwrap_or_default()
    } else {
        short_rest == long_rest.get(1..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::values::{UnitCost, UnitOfMeasure};

    fn parse(text: &str) -> ParsedCommand {
        parse_command(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn qty(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    fn check(
        text: &str,
        intent: Intent,
        product: &str,
        quantity: &str,
        origin: Option<&str>,
        destination: Option<&str>,
    ) {
        let p = parse(text);
        assert_eq!(p.intent, intent, "{text}");
        assert_eq!(p.product_text, product, "{text}");
        assert_eq!(p.quantity, qty(quantity), "{text}");
        assert_eq!(p.origin.as_deref(), origin, "{text}");
        assert_eq!(p.destination.as_deref(), destination, "{text}");
    }

    // DOMAIN 6 examples, one test each.

    #[test]
    fn pedir_coca_cola_x_6() {
        check(
            "Pedir Coca Cola x 6",
            Intent::Order,
            "Coca Cola",
            "6",
            None,
            None,
        );
    }

    #[test]
    fn falta_sprite_lima_limon() {
        check(
            "Falta Sprite lima limón",
            Intent::Order,
            "Sprite lima limón",
            "1",
            None,
            None,
        );
    }

    #[test]
    fn necesito_bananas_x_5() {
        check(
            "Necesito bananas x 5",
            Intent::Order,
            "bananas",
            "5",
            None,
            None,
        );
    }

    #[test]
    fn agregar_a_la_lista_fideos_x_4() {
        check(
            "agregar a la lista: fideos x 4",
            Intent::Order,
            "fideos",
            "4",
            None,
            None,
        );
    }

    #[test]
    fn deje_4_bananas_del_ecuador() {
        check(
            "Dejé 4 bananas del ecuador",
            Intent::Receipt,
            "bananas",
            "4",
            Some("ecuador"),
            None,
        );
    }

    #[test]
    fn ingreso_12_coca_cola_del_distribuidor() {
        check(
            "Ingreso 12 Coca Cola del distribuidor",
            Intent::Receipt,
            "Coca Cola",
            "12",
            Some("distribuidor"),
            None,
        );
    }

    #[test]
    fn saque_6_productos_para_el_kiosco() {
        check(
            "Saqué 6 productos para el kiosco",
            Intent::StockOut,
            "productos",
            "6",
            None,
            Some("el kiosco"),
        );
    }

    #[test]
    fn slash_entrada() {
        check(
            "/entrada \"Coca Cola\" 10 \"Distribuidor\"",
            Intent::Receipt,
            "Coca Cola",
            "10",
            Some("Distribuidor"),
            None,
        );
    }

    #[test]
    fn slash_salida_defaults_to_local() {
        check(
            "/salida \"Oreo\" 3",
            Intent::StockOut,
            "Oreo",
            "3",
            None,
            Some("local"),
        );
    }

    #[test]
    fn zero_quantity_is_refused_with_a_suggestion() {
        let err = parse_command("Pedir Coca Cola x 0").unwrap_err();
        assert_eq!(
            err,
            CommandError::ZeroQuantity {
                suggestion: "probá: \"Pedir Coca Cola x 1\"".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "la cantidad tiene que ser mayor que cero; probá: \"Pedir Coca Cola x 1\""
        );
        let err = parse_command("Dejé 0 bananas").unwrap_err();
        assert_eq!(err.suggestion(), "probá: \"Dejé 1 bananas\"");
        let err = parse_command("/salida \"Oreo\" 0").unwrap_err();
        assert_eq!(err.suggestion(), "probá: /salida \"Oreo\" 1");
        assert!(matches!(
            parse_command("Dejé 0,000 kg de tomate"),
            Err(CommandError::ZeroQuantity { .. })
        ));
    }

    #[test]
    fn unparseable_text_is_refused_with_examples() {
        for text in ["hola que tal", "", "   ", "Coca Cola x 6", "¿?", "6"] {
            let err = parse_command(text).unwrap_err();
            assert!(
                matches!(&err, CommandError::Unparseable { suggestion } if suggestion.contains("Pedir Coca Cola x 6")),
                "{text:?}: {err:?}"
            );
        }
        let err = parse_command("/borrar todo").unwrap_err();
        assert!(
            err.suggestion().contains("/entrada \"Coca Cola\" 10"),
            "{err}"
        );
        assert!(err
            .to_string()
            .starts_with("no entendí el comando; probá: "));
    }

    // Quantities.

    #[test]
    fn quantity_forms() {
        check(
            "Pedir Coca Cola x6",
            Intent::Order,
            "Coca Cola",
            "6",
            None,
            None,
        );
        check(
            "Pedir Coca Cola X 6",
            Intent::Order,
            "Coca Cola",
            "6",
            None,
            None,
        );
        check(
            "Pedir Coca Cola ×6",
            Intent::Order,
            "Coca Cola",
            "6",
            None,
            None,
        );
        check(
            "Pedir Coca Cola 6 unidades",
            Intent::Order,
            "Coca Cola",
            "6",
            None,
            None,
        );
        check(
            "Necesito 3 Coca Cola",
            Intent::Order,
            "Coca Cola",
            "3",
            None,
            None,
        );
        check(
            "Pedir Pepsi 2L x 6",
            Intent::Order,
            "Pepsi 2L",
            "6",
            None,
            None,
        );
        check("Pedir Pepsi 2L", Intent::Order, "Pepsi 2L", "1", None, None);
        check("Pedir 7up x 12", Intent::Order, "7up", "12", None, None);
        check(
            "Pedir fideos x 4.",
            Intent::Order,
            "fideos",
            "4",
            None,
            None,
        );
        // The last "x N" wins.
        check(
            "Pedir Fernet x 750 x 6",
            Intent::Order,
            "Fernet x 750",
            "6",
            None,
            None,
        );
    }

    #[test]
    fn weighed_goods_take_decimals_with_comma_or_point() {
        check(
            "Dejé 2,5 kg de tomate",
            Intent::Receipt,
            "tomate",
            "2.5",
            None,
            None,
        );
        check(
            "Dejé 2.5 kg de tomate",
            Intent::Receipt,
            "tomate",
            "2.5",
            None,
            None,
        );
        check(
            "Dejé 2,5kg de tomate",
            Intent::Receipt,
            "tomate",
            "2.5",
            None,
            None,
        );
        check(
            "Dejé 3,250 bananas",
            Intent::Receipt,
            "bananas",
            "3.25",
            None,
            None,
        );
        check(
            "Necesito tomate 1,5 kg",
            Intent::Order,
            "tomate",
            "1.5",
            None,
            None,
        );
        check(
            "Necesito tomate x 1,5 kg",
            Intent::Order,
            "tomate",
            "1.5",
            None,
            None,
        );
    }

    #[test]
    fn bad_quantities_are_refused() {
        for text in [
            "Saqué -3 productos",
            "Dejé 1,2345 kg de tomate",
            "Pedir Coca x -1",
        ] {
            let err = parse_command(text).unwrap_err();
            assert!(
                matches!(&err, CommandError::InvalidQuantity { suggestion, .. } if suggestion.contains("2,5 kg")),
                "{text}: {err:?}"
            );
        }
        let huge = format!("Dejé {} bananas", "9".repeat(40));
        assert!(matches!(
            parse_command(&huge),
            Err(CommandError::InvalidQuantity { .. })
        ));
    }

    #[test]
    fn movements_need_a_quantity() {
        let err = parse_command("Dejé bananas del ecuador").unwrap_err();
        assert_eq!(
            err,
            CommandError::MissingQuantity {
                suggestion: "probá: \"Dejé 4 bananas\"".into()
            }
        );
        assert!(matches!(
            parse_command("/entrada \"Coca Cola\""),
            Err(CommandError::MissingQuantity { .. })
        ));
        check(
            "/pedido \"Coca Cola\"",
            Intent::Order,
            "Coca Cola",
            "1",
            None,
            None,
        );
    }

    #[test]
    fn a_product_is_required() {
        for text in [
            "Pedir x 6",
            "Falta",
            "Dejé 4",
            "/entrada \"\" 3",
            "/salida 3",
        ] {
            assert!(
                matches!(
                    parse_command(text),
                    Err(CommandError::MissingProduct { .. })
                ),
                "{text}"
            );
        }
    }

    // Verbs, fillers, places.

    #[test]
    fn verbs_ignore_case_and_accents() {
        check(
            "PEDIR Coca Cola x 6",
            Intent::Order,
            "Coca Cola",
            "6",
            None,
            None,
        );
        check(
            "Deje 4 bananas",
            Intent::Receipt,
            "bananas",
            "4",
            None,
            None,
        );
        check(
            "saque 2 Oreo",
            Intent::StockOut,
            "Oreo",
            "2",
            None,
            Some("local"),
        );
        check("Falta: yerba", Intent::Order, "yerba", "1", None, None);
        check("Traje 10 Oreo", Intent::Receipt, "Oreo", "10", None, None);
        check(
            "Llevo 3 Oreo al kiosco",
            Intent::StockOut,
            "Oreo",
            "3",
            None,
            Some("kiosco"),
        );
        check(
            "Sumar a la lista leche x 2",
            Intent::Order,
            "leche",
            "2",
            None,
            None,
        );
        check("Sumar 2 leche", Intent::Receipt, "leche", "2", None, None);
    }

    #[test]
    fn places() {
        check(
            "Saqué 6 Coca Cola del depósito para el kiosco",
            Intent::StockOut,
            "Coca Cola",
            "6",
            Some("depósito"),
            Some("el kiosco"),
        );
        check(
            "Ingreso 4 tomates del mercado del centro",
            Intent::Receipt,
            "tomates",
            "4",
            Some("mercado del centro"),
            None,
        );
        check(
            "Dejé 3 dulce de leche desde el distribuidor",
            Intent::Receipt,
            "dulce de leche",
            "3",
            Some("el distribuidor"),
            None,
        );
        // Orders keep "del" in the product.
        check(
            "Falta Granja del Sol",
            Intent::Order,
            "Granja del Sol",
            "1",
            None,
            None,
        );
        check(
            "/entrada \"Granja del Sol\" 5 proveedor nuevo",
            Intent::Receipt,
            "Granja del Sol",
            "5",
            Some("proveedor nuevo"),
            None,
        );
    }

    #[test]
    fn slash_command_variants() {
        check(
            "/salida Oreo 3",
            Intent::StockOut,
            "Oreo",
            "3",
            None,
            Some("local"),
        );
        check(
            "/salida “Oreo” 3 “Kiosco”",
            Intent::StockOut,
            "Oreo",
            "3",
            None,
            Some("Kiosco"),
        );
        check(
            "/entrada@inventario_bot \"Coca Cola\" x 10",
            Intent::Receipt,
            "Coca Cola",
            "10",
            None,
            None,
        );
        check(
            "/entrada \"Tomate\" 2,5 kg \"Mercado\"",
            Intent::Receipt,
            "Tomate",
            "2.5",
            Some("Mercado"),
            None,
        );
        check(
            "/pedido Coca Cola 6",
            Intent::Order,
            "Coca Cola",
            "6",
            None,
            None,
        );
        // An unclosed quote runs to the end: the number is part of the product.
        assert!(matches!(
            parse_command("/entrada \"Coca Cola 10"),
            Err(CommandError::MissingQuantity { .. })
        ));
    }

    // Resolution.

    fn product(id: i64, sku: &str, name: &str) -> Product {
        Product {
            id: ProductId(id),
            sku: Sku::parse(sku).unwrap(),
            name: name.into(),
            description: None,
            category: None,
            brand: None,
            unit: UnitOfMeasure::Unidad,
            barcode: None,
            sale_price: "1000".parse().unwrap(),
            wholesale_price: None,
            min_stock: Quantity::ZERO,
            max_stock: None,
            reorder_point: None,
            pack_multiple: Quantity::from_milli(1000),
            perishable: false,
            supplier: None,
            active: true,
            average_cost: UnitCost::ZERO,
        }
    }

    fn catalog() -> Vec<Product> {
        let mut banana = product(3, "VER-BANANA", "Banana Ecuador");
        banana.unit = UnitOfMeasure::Kg;
        let mut tomate = product(4, "VER-TOMATE", "Tomate Perita");
        tomate.unit = UnitOfMeasure::Kg;
        let mut oreo = product(2, "GAL-OREO", "Galletitas Oreo 118g");
        oreo.barcode = Some(Barcode::parse("7622300489434").unwrap());
        let mut yerba = product(8, "INF-YERBA", "Yerba Playadito 1kg");
        yerba.active = false;
        let mut leche = product(9, "LAC-LECHE", "Leche Entera 1L");
        leche.brand = Some("La Serenísima".into());
        vec![
            product(1, "BEB-COCA-2L", "Coca Cola 2 L"),
            oreo,
            banana,
            tomate,
            product(5, "FID-MATA", "Fideos Matarazzo Tirabuzón"),
            product(6, "BEB-SPRITE", "Sprite Lima Limón 1,5L"),
            product(7, "BEB-COCA-ZERO", "Coca Cola Zero 2 L"),
            yerba,
            leche,
            product(10, "DUL-LECHE", "Dulce Leche Colonial"),
        ]
    }

    fn resolve(text: &str) -> Result<ResolvedCommand, CommandError> {
        resolve_command(parse(text), &catalog())
    }

    fn resolves_to(text: &str, id: i64) {
        match resolve(text) {
            Ok(r) => assert_eq!(r.product, ProductId(id), "{text}"),
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn resolution_by_name_with_plurals() {
        resolves_to("Necesito bananas x 5", 3);
        resolves_to("Dejé 4 bananas del ecuador", 3);
        resolves_to("Falta Sprite lima limón", 6);
        resolves_to("agregar a la lista: fideos x 4", 5);
        resolves_to("/salida \"Oreo\" 3", 2);
        resolves_to("Dejé 2,5 kg de tomate", 4);
        resolves_to("Pedir tomates x 3", 4);
        resolves_to("Pedir dulce de leche x 2", 10);
        resolves_to("Pedir leche la serenisima x 2", 9);
        resolves_to("Pedir Coca Cola 2L x 6", 1);
        resolves_to("Pedir coca-cola 2 l x 6", 1);
        let r = resolve("Dejé 4 bananas del ecuador").unwrap();
        assert_eq!(
            (r.intent, r.quantity, r.origin.as_deref()),
            (Intent::Receipt, qty("4"), Some("ecuador"))
        );
    }

    #[test]
    fn resolution_by_sku_and_barcode() {
        resolves_to("Pedir gal-oreo x 2", 2);
        resolves_to("/entrada BEB-COCA-ZERO 10", 7);
        resolves_to("/entrada \"7622300489434\" 10", 2);
    }

    #[test]
    fn ambiguous_names_list_the_candidates() {
        let err = resolve("Pedir Coca Cola x 6").unwrap_err();
        assert_eq!(
            err,
            CommandError::Ambiguous {
                text: "Coca Cola".into(),
                candidates: vec![
                    "Coca Cola 2 L (BEB-COCA-2L)".into(),
                    "Coca Cola Zero 2 L (BEB-COCA-ZERO)".into()
                ],
            }
        );
        assert!(err
            .to_string()
            .contains("Coca Cola 2 L (BEB-COCA-2L) o Coca Cola Zero"));
        assert!(err.suggestion().starts_with("probá con uno de: "));
        // A name with no extra words beats the others.
        resolves_to("Pedir Coca Cola 2 L x 6", 1);
        resolves_to("Pedir Coca Cola Zero x 6", 7);
    }

    #[test]
    fn unknown_products_are_refused_with_the_closest_names() {
        let err = resolve("Ingreso 12 Coca Light del distribuidor").unwrap_err();
        assert_eq!(
            err,
            CommandError::UnknownProduct {
                text: "Coca Light".into(),
                suggestion: "¿quisiste decir \"Coca Cola 2 L\" o \"Coca Cola Zero 2 L\"?".into(),
            }
        );
        let typo = resolve("Pedir Bananna x 2").unwrap_err();
        assert_eq!(typo.suggestion(), "¿quisiste decir \"Banana Ecuador\"?");
        let nothing = resolve("Saqué 6 productos para el kiosco").unwrap_err();
        assert_eq!(
            nothing,
            CommandError::UnknownProduct {
                text: "productos".into(),
                suggestion: "revisá el nombre, o usá el SKU o el código de barras".into(),
            }
        );
        assert!(nothing
            .to_string()
            .starts_with("no encontré el producto \"productos\""));
        // Never keyed by free text, even with an empty catalogue.
        assert!(matches!(
            resolve_command(parse("Pedir Coca Cola x 6"), &[]),
            Err(CommandError::UnknownProduct { .. })
        ));
    }

    #[test]
    fn inactive_products_are_refused() {
        let err = resolve("Pedir yerba playadito x 3").unwrap_err();
        assert!(
            matches!(err, CommandError::InactiveProduct { ref name, .. } if name == "Yerba Playadito 1kg")
        );
        assert!(matches!(
            resolve("/entrada INF-YERBA 3"),
            Err(CommandError::InactiveProduct { .. })
        ));
    }

    #[test]
    fn fractional_quantities_need_a_weighed_product() {
        let err = resolve("Pedir Galletitas Oreo x 2,5").unwrap_err();
        assert_eq!(
            err,
            CommandError::FractionalQuantity {
                product: "Galletitas Oreo 118g".into(),
                suggestion: "probá con 2 o 3".into()
            }
        );
        let err = resolve("Pedir Galletitas Oreo x 0,5").unwrap_err();
        assert_eq!(err.suggestion(), "probá con 1");
        let ok = resolve("Dejé 2,5 kg de banana").unwrap();
        assert_eq!(ok.quantity, qty("2.5"));
    }

    #[test]
    fn helpers() {
        assert_eq!(split_number("2,5kg"), Some(("2,5", "kg")));
        assert_eq!(split_number("-3"), Some(("-3", "")));
        assert_eq!(split_number("6."), Some(("6", ".")));
        assert_eq!(split_number("abc"), None);
        assert_eq!(split_number("-"), None);
        assert_eq!(quantity_word("2L"), None);
        assert_eq!(quantity_word("6u"), Some(("6", true)));
        assert!(one_edit_apart("bananna", "banana"));
        assert!(one_edit_apart("banano", "banana"));
        assert!(!one_edit_apart("banana", "manzana"));
        assert_eq!(glue_sizes(tokens("Coca Cola 2 L")), ["coca", "cola", "2l"]);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = parse_command(&s);
        }

        #[test]
        fn parse_never_panics_on_command_like_text(
            s in "(Pedir|Dejé|Saqué|/entrada|/salida|/pedido|agregar a la lista:|Falta) ?[a-zA-Zé ,.:x×\"“”0-9-]{0,30}"
        ) {
            if let Ok(p) = parse_command(&s) {
                prop_assert!(p.quantity.is_positive());
                prop_assert!(!p.product_text.is_empty());
                let _ = resolve_command(p, &catalog());
            }
        }

        #[test]
        fn order_quantities_round_trip(n in 1u32..100_000, name in "P[a-z]{1,11}( [A-Za-z]{2,12})?") {
            let p = parse_command(&format!("Pedir {name} x {n}")).unwrap();
            prop_assert_eq!(p.quantity, Quantity::from_units(i64::from(n)).unwrap());
            prop_assert_eq!(p.product_text, name);
        }
    }
}
