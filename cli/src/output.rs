//! What commands print on stdout: aligned text tables for people, JSON for scripts, and the
//! files that `--out`, `--report` and `--markdown` name.

use std::io::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::exit::{Code, Failure};

/// Writes `text` and a line break to stdout. A closed pipe (`inventario … | head`) is not an
/// error: the reader has what it wanted.
pub(crate) fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::internal(format!("cannot write to stdout: {e}"))),
    }
}

/// Prints a JSON document, pretty-printed.
pub(crate) fn print_json(value: &Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::internal(format!("cannot serialise the result: {e}")))?;
    print(&text)
}

/// Writes `contents` to `path`, replacing the file if it exists.
pub(crate) fn write_file(path: &Path, contents: &str) -> Result<(), Failure> {
    std::fs::write(path, contents)
        .map_err(|e| Failure::io(Code::Internal, "cannot write", path, &e))
}

/// How a column's cells are aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A plain text table: a header line, then one line per row, columns separated by two spaces.
#[derive(Debug)]
pub(crate) struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub(crate) fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are blank, extra cells are dropped).
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether the table has no rows.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as lines of text, without a final line break.
    pub(crate) fn render(&self) -> String {
        let cell = |row: &[String], i: usize| row.get(i).map_or("", String::as_str).to_owned();
        let width = |text: &str| text.chars().count();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|row| width(&cell(row, i)))
                    .chain([width(self.columns[i].0)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<String>| -> String {
            let last = cells.len().saturating_sub(1);
            let mut out = String::new();
            for (i, text) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(width(text));
                if i > 0 {
                    out.push_str("  ");
                }
                match self.columns[i].1 {
                    Align::Right => {
                        out.extend(std::iter::repeat_n(' ', pad));
                        out.push_str(text);
                    }
                    Align::Left => {
                        out.push_str(text);
                        if i != last {
                            out.extend(std::iter::repeat_n(' ', pad));
                        }
                    }
                }
            }
            out
        };
        let mut lines = vec![line(
            self.columns.iter().map(|(h, _)| (*h).to_owned()).collect(),
        )];
        for row in &self.rows {
            lines.push(line(
                (0..self.columns.len()).map(|i| cell(row, i)).collect(),
            ));
        }
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let mut table = Table::new(&[
            ("SKU", Align::Left),
            ("ON HAND", Align::Right),
            ("NAME", Align::Left),
        ]);
        table.row(vec![
            "ALM-YERBA-1KG".into(),
            "21".into(),
            "Yerba mate".into(),
        ]);
        table.row(vec![
            "BEB-COCA".into(),
            "3.5".into(),
            "Coca-Cola 2 L".into(),
        ]);
        assert_eq!(
            table.render(),
            "SKU            ON HAND  NAME\n\
             ALM-YERBA-1KG       21  Yerba mate\n\
             BEB-COCA           3.5  Coca-Cola 2 L"
        );
    }

    #[test]
    fn accented_names_count_as_one_column_per_letter() {
        let mut table = Table::new(&[("NAME", Align::Left), ("N", Align::Right)]);
        table.row(vec!["Salón".into(), "1".into()]);
        table.row(vec!["Deposito".into(), "10".into()]);
        assert_eq!(table.render(), "NAME       N\nSalón      1\nDeposito  10");
    }
}
