//! Text normalisation shared by supplier matching ([`super::suppliers`]) and the shop-floor
//! command parser ([`super::commands`]).
//!
//! This module owns the one definition of "the same words" the domain uses: [`normalize`]
//! (lower-case, accents stripped, punctuation to spaces, spaces collapsed), [`tokens`], the
//! singular/plural tolerance of [`same_word`], and whole-token sequence search
//! ([`find_sequence`]). Substring matching is deliberately absent: the legacy system matched
//! substrings and sent "Conserva" to a dairy because of "ser" (DOMAIN 6).

/// Lower-cases `s`, strips accents (`á`→`a`, `ñ`→`n`, `ü`→`u`, …), turns every character that
/// is not a letter or a digit (punctuation such as `-`, `/`, `.`, `,`, quotes, symbols) into a
/// space, collapses runs of spaces and trims.
///
/// Combining accents (as in decomposed `e\u{301}`) are dropped rather than spaced, so decomposed
/// and precomposed text normalise alike. The result is idempotent: `normalize(normalize(s)) ==
/// normalize(s)`.
///
/// ```
/// use inventario_core::domain::text::normalize;
/// assert_eq!(normalize("  Leche La Serenísima 1L "), "leche la serenisima 1l");
/// assert_eq!(normalize("Coca-Cola"), "coca cola");
/// assert_eq!(normalize("Té / Café, \"Ñandú\"..."), "te cafe nandu");
/// ```
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        let c = fold_accent(c);
        if c.is_alphanumeric() && is_stable(c) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    out
}

/// The words of `s` after [`normalize`]: never empty strings, never containing spaces.
///
/// ```
/// use inventario_core::domain::text::tokens;
/// assert_eq!(tokens("Cris-Jor maní"), ["cris", "jor", "mani"]);
/// assert!(tokens(" ¡!  ").is_empty());
/// ```
pub fn tokens(s: &str) -> Vec<String> {
    normalize(s)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether two normalised words are the same word, tolerating a Spanish plural: equal, or one
/// is the other plus `s` or `es` (`banana`/`bananas`, `limon`/`limones`).
///
/// The singular must have at least 3 characters, so short function words stay distinct
/// (`la`/`las`, `de`/`des`, `te`/`tes`).
///
/// ```
/// use inventario_core::domain::text::same_word;
/// assert!(same_word("bananas", "banana"));
/// assert!(same_word("limon", "limones"));
/// assert!(!same_word("la", "las"));
/// assert!(!same_word("ser", "conserva"));
/// ```
pub fn same_word(a: &str, b: &str) -> bool {
    a == b || is_plural_of(a, b) || is_plural_of(b, a)
}

fn is_plural_of(plural: &str, singular: &str) -> bool {
    if singular.chars().count() < 3 {
        return false;
    }
    plural
        .strip_prefix(singular)
        .is_some_and(|suffix| suffix == "s" || suffix == "es")
}

/// Where `needle` occurs in `haystack` as a contiguous run of whole words (compared with
/// [`same_word`]): the index of the first occurrence, or `None`. An empty needle never occurs.
///
/// ```
/// use inventario_core::domain::text::{find_sequence, tokens};
/// let name = tokens("Leche La Serenísima 1L");
/// assert_eq!(find_sequence(&name, &tokens("la serenisima")), Some(1));
/// assert_eq!(find_sequence(&tokens("Conserva de tomate"), &tokens("ser")), None);
/// ```
pub fn find_sequence<H: AsRef<str>, N: AsRef<str>>(haystack: &[H], needle: &[N]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|window| {
        window
            .iter()
            .zip(needle)
            .all(|(h, n)| same_word(h.as_ref(), n.as_ref()))
    })
}

/// Maps the accented Latin letters of Spanish (and their Portuguese, French and German
/// neighbours, which appear in brand names) to their base letter. Input is already lower case.
fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Combining diacritical marks (U+0300–U+036F), as left by decomposed accents.
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Whether `c` lower-cases to itself, so that normalising twice changes nothing. A handful of
/// exotic characters do not (their lower case is several characters); they count as punctuation.
fn is_stable(c: char) -> bool {
    let mut lower = c.to_lowercase();
    lower.next() == Some(c) && lower.next().is_none()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn lower_cases_and_strips_accents() {
        assert_eq!(normalize("ÁÉÍÓÚ áéíóú Ññ Üü"), "aeiou aeiou nn uu");
        assert_eq!(normalize("Yogurísimo"), "yogurisimo");
        assert_eq!(normalize("TURRÓN"), "turron");
        assert_eq!(normalize("té"), "te");
        assert_eq!(normalize("Limón"), "limon");
        assert_eq!(normalize("Crème brûlée"), "creme brulee");
    }

    #[test]
    fn decomposed_accents_normalise_like_precomposed() {
        assert_eq!(normalize("cafe\u{301}"), normalize("café"));
        assert_eq!(normalize("n\u{303}andu\u{301}"), "nandu");
    }

    #[test]
    fn punctuation_becomes_spaces() {
        assert_eq!(normalize("coca-cola"), "coca cola");
        assert_eq!(normalize("cris-jor"), "cris jor");
        assert_eq!(normalize("a/b.c,d\"e'f"), "a b c d e f");
        assert_eq!(
            normalize("agregar a la lista: fideos"),
            "agregar a la lista fideos"
        );
        assert_eq!(normalize("(MDP)"), "mdp");
        assert_eq!(normalize("¡Hola!¿Qué?"), "hola que");
        assert_eq!(normalize("2,5 kg"), "2 5 kg");
    }

    #[test]
    fn collapses_and_trims_spaces() {
        assert_eq!(normalize("  a \t\n b   c  "), "a b c");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" - / . "), "");
    }

    #[test]
    fn keeps_digits_and_letters_together() {
        assert_eq!(normalize("7UP 1,5L"), "7up 1 5l");
        assert_eq!(tokens("Pepsi 2L"), ["pepsi", "2l"]);
    }

    #[test]
    fn tokens_split_words() {
        assert_eq!(
            tokens("Leche La Serenísima 1L"),
            ["leche", "la", "serenisima", "1l"]
        );
        assert_eq!(tokens("coca-cola"), ["coca", "cola"]);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn plural_tolerance() {
        assert!(same_word("bananas", "banana"));
        assert!(same_word("banana", "bananas"));
        assert!(same_word("tomates", "tomate"));
        assert!(same_word("limones", "limon"));
        assert!(same_word("panes", "pan"));
        assert!(same_word("galletitas", "galletita"));
        assert!(!same_word("la", "las"));
        assert!(!same_word("te", "tes"));
        assert!(!same_word("banana", "bananass"));
        assert!(!same_word("ron", "turron"));
        assert!(!same_word("te", "aceite"));
    }

    #[test]
    fn sequences_match_whole_words_only() {
        let name = tokens("Leche La Serenísima 1L");
        assert_eq!(find_sequence(&name, &tokens("la serenisima")), Some(1));
        assert_eq!(find_sequence(&name, &tokens("serenisima la")), None);
        assert_eq!(find_sequence(&tokens("Aceite"), &tokens("te")), None);
        assert_eq!(find_sequence(&tokens("Tomate"), &tokens("té")), None);
        assert_eq!(find_sequence(&tokens("Turrón"), &tokens("ron")), None);
        assert_eq!(find_sequence(&tokens("Té verde"), &tokens("té")), Some(0));
        assert_eq!(find_sequence(&tokens("x"), &Vec::<String>::new()), None);
        assert_eq!(find_sequence(&tokens("coca"), &tokens("coca cola")), None);
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(s in any::<String>()) {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn normalize_is_idempotent_on_spanish_text(s in "[ a-zA-ZáéíóúÁÉÍÓÚñÑüÜ0-9,.:;¡!¿?\"'/-]{0,40}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
            prop_assert!(once.chars().all(|c| c == ' ' || c.is_ascii_lowercase() || c.is_ascii_digit()));
        }

        #[test]
        fn tokens_are_clean(s in any::<String>()) {
            for t in tokens(&s) {
                prop_assert!(!t.is_empty() && !t.contains(' '));
                prop_assert_eq!(normalize(&t), t.clone());
            }
        }
    }
}
