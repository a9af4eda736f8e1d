//! A plain-text table for the terminal, laid out for right-to-left reading: the first
//! column is drawn on the right and every cell is aligned to its right edge, as on a
//! Persian form. Widths count terminal columns (ZWNJ and marks take none).

use unicode_width::UnicodeWidthStr;

pub struct Table {
    header: Vec<String>,
    rows: Vec<Row>,
}

enum Row {
    Cells(Vec<String>),
    Rule,
}

impl Table {
    /// Columns in reading order: the first is the rightmost.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(Row::Cells(cells));
    }

    pub fn rule(&mut self) {
        self.rows.push(Row::Rule);
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            if let Row::Cells(cells) = row {
                for (w, c) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(c.width());
                }
            }
        }
        let total = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate().rev() {
                out.push_str(&" ".repeat(w - cell.width()));
                out.push_str(cell);
                if i > 0 {
                    out.push_str("  ");
                }
            }
            out.push('\n');
            out
        };
        let mut out = line(&self.header);
        out.push_str(&"─".repeat(total));
        out.push('\n');
        for row in &self.rows {
            match row {
                Row::Cells(cells) => out.push_str(&line(cells)),
                Row::Rule => {
                    out.push_str(&"─".repeat(total));
                    out.push('\n');
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_column_is_rightmost_and_cells_align_right() {
        let mut t = Table::new(&["ردیف", "خدمت", "مبلغ"]);
        t.row(vec!["۱".into(), "ثبت\u{200C}نام".into(), "۳٬۹۰۰".into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], " مبلغ    خدمت  ردیف");
        assert_eq!(lines[2], "۳٬۹۰۰  ثبت\u{200C}نام     ۱");
    }
}
