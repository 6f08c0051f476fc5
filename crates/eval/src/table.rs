//! A minimal left/right aligned text table for the human-readable reports.

use std::fmt;

/// A text table: a header row and data rows, first column left-aligned, the rest right-aligned.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings.
    pub fn new<S: ToString>(header: &[S]) -> Self {
        Table {
            header: header.iter().map(ToString::to_string).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (shorter rows are padded with blanks).
    pub fn row(&mut self, cells: Vec<String>) -> &mut Self {
        self.rows.push(cells);
        self
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cols = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let mut width = vec![0usize; cols];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in row.iter().enumerate() {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, row: &[String]| -> fmt::Result {
            for (i, w) in width.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                if i == 0 {
                    write!(f, "  {cell:<w$}")?;
                } else {
                    write!(f, "  {cell:>w$}")?;
                }
            }
            writeln!(f)
        };
        line(f, &self.header)?;
        let total: usize = width.iter().map(|w| w + 2).sum();
        writeln!(f, "  {}", "-".repeat(total.saturating_sub(2)))?;
        for row in &self.rows {
            line(f, row)?;
        }
        Ok(())
    }
}

/// Formats an optional ratio as a percentage with `decimals` decimals, `-` when absent.
pub fn pct(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(
        || "-".to_string(),
        |x| format!("{:.*}%", decimals, x * 100.0),
    )
}

/// Formats an optional number with `decimals` decimals, `-` when absent.
pub fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.decimals$}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(&["name", "n"]);
        t.row(vec!["a".into(), "100".into()]);
        t.row(vec!["long".into(), "2".into()]);
        let s = t.to_string();
        assert_eq!(s, "  name    n\n  ---------\n  a     100\n  long    2\n");
        assert_eq!(pct(Some(0.12345), 1), "12.3%");
        assert_eq!(num(None, 2), "-");
    }
}
