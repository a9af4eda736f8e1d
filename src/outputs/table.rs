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

/// A table printed a row at a time, for results that stream: every column has a
/// fixed width, the first is the rightmost, and the last (leftmost) wraps onto more
/// lines when its text is longer than its width.
pub struct Columns {
    widths: Vec<usize>,
}

impl Columns {
    pub fn new(widths: &[usize]) -> Self {
        Columns {
            widths: widths.to_vec(),
        }
    }

    /// The header and a rule under it.
    pub fn header(&self, names: &[&str]) -> String {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let total = self.widths.iter().sum::<usize>() + 2 * (self.widths.len() - 1);
        format!("{}{}\n", self.line(&names), "─".repeat(total))
    }

    /// One row, ending in a newline.
    pub fn line(&self, cells: &[String]) -> String {
        let last = self.widths.len() - 1;
        let mut pieces = wrap(&cells[last], self.widths[last]).into_iter();
        let mut out = String::new();
        let mut first = true;
        loop {
            let piece = match pieces.next() {
                Some(p) => p,
                None if first => String::new(),
                None => break,
            };
            let mut row = vec![String::new(); self.widths.len()];
            if first {
                row[..last].clone_from_slice(&cells[..last]);
            }
            row[last] = piece;
            for (i, (cell, w)) in row.iter().zip(&self.widths).enumerate().rev() {
                out.push_str(&" ".repeat(w.saturating_sub(cell.width())));
                out.push_str(cell);
                if i > 0 {
                    out.push_str("  ");
                }
            }
            out.push('\n');
            first = false;
        }
        out
    }
}

/// Words in lines of at most `width` columns (a longer word is a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
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

    #[test]
    fn streamed_rows_keep_their_columns_and_wrap_the_last() {
        let c = Columns::new(&[3, 5, 7]);
        assert_eq!(
            c.line(&["۱".into(), "x".into(), "a b".into()]),
            "    a b      x    ۱\n"
        );
        let wrapped = c.line(&["۲".into(), "y".into(), "aaaa bbbb cc".into()]);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert_eq!(lines, ["   aaaa      y    ۲", "bbbb cc            "]);
    }
}
