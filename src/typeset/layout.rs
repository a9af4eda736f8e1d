//! Layout on a page: aligned and wrapped text in a box, and tables whose first
//! column is on the right (or left, for left-to-right tables).

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use super::breaks::bound;
use super::font::FontId;
use super::glyphs::Line;
use super::page::Page;
use super::paper::{Color, PageSize, Style};
use super::shape::{Dir, cache_insert, measure, shape_line_as, wrap_as};

/// A horizontal band of the page: from `x` to `x + w`, starting at `top`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub x: f32,
    pub top: f32,
    pub w: f32,
}

impl Area {
    pub fn new(x: f32, top: f32, w: f32) -> Area {
        Area { x, top, w }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Right,
    Left,
    Center,
}

impl Page {
    fn place(&mut self, line: &Line, x: f32, w: f32, top: f32, style: Style, align: Align) {
        let lw = line.width(style.size);
        let left = match align {
            Align::Right => x + w - lw,
            Align::Left => x,
            Align::Center => x + (w - lw) / 2.0,
        };
        self.draw_line(line, left, top + style.ascent(), style);
    }

    /// One line of text in `area`, not wrapped. Returns the height used.
    pub fn text(&mut self, area: Area, style: Style, align: Align, dir: Dir, text: &str) -> f32 {
        let style = self.ink(style);
        let line = shape_line_as(style.font, text, dir, style.tabular);
        self.begin_paragraph(text, style.data);
        self.place(&line, area.x, area.w, area.top, style, align);
        self.end_tag();
        style.line_height()
    }

    /// Text wrapped to the width of `area`. Returns the height used.
    pub fn paragraph(
        &mut self,
        area: Area,
        style: Style,
        align: Align,
        dir: Dir,
        text: &str,
    ) -> f32 {
        let style = self.fitted(self.ink(style), text, area.w, dir);
        let lines = wrap_as(
            style.font,
            style.size,
            text,
            area.w,
            dir,
            (style.tabular, style.data),
        );
        self.begin_paragraph(text, style.data);
        for (i, line) in lines.iter().enumerate() {
            let top = area.top + i as f32 * style.line_height();
            self.place(line, area.x, area.w, top, style, align);
        }
        self.end_tag();
        lines.len() as f32 * style.line_height()
    }

    /// `style`, smaller when a word of `text` is wider than `avail` (a long Latin name
    /// in a narrow cell or line): shrunk to fit, by 1 pt at most (and never below what the page
    /// can print), before the word is broken between letters.
    fn fitted(&self, style: Style, text: &str, avail: f32, dir: Dir) -> Style {
        // Most cells fit on one line; that line is shaped once and drawn from the
        // cache, so only a cell that wraps has its words measured.
        if !text.contains('\n') && measure(style.font, style.size, text, dir) <= avail {
            return style;
        }
        let widest = text
            .split_whitespace()
            .map(|w| measure(style.font, style.size, w, dir))
            .fold(0.0, f32::max);
        if widest <= avail || widest <= 0.0 {
            return style;
        }
        let size = (style.size * avail / widest).max(style.size - 1.0);
        self.ink(Style { size, ..style })
    }

    /// Draws a table with its reading-start edge at `x` (the right edge for an RTL
    /// table, the left for LTR), top at `top`. Returns the height used.
    pub fn table(&mut self, x: f32, top: f32, table: &Table) -> f32 {
        self.table_rows(x, top, table, 0..table.rows.len())
    }

    /// Draws the rows `rows` of `table` as [`Page::table`] draws them all.
    pub fn table_rows(
        &mut self,
        x: f32,
        top: f32,
        table: &Table,
        rows: std::ops::Range<usize>,
    ) -> f32 {
        if rows.is_empty() {
            return 0.0;
        }
        let pad = table.padding;
        let mut y = top;
        // Rows after the first go on the table drawn just before (see `Flow::table`).
        self.begin_table(rows.start > 0);
        self.part(true);
        for row in &table.rows[rows] {
            self.begin_row();
            // Lay out every cell first: the row is as tall as its tallest cell.
            let mut cells = Vec::new();
            let mut col = 0;
            for cell in &row.cells {
                let span = cell.span.max(1).min(table.widths.len() - col);
                let w: f32 = table.widths[col..col + span].iter().sum();
                let offset: f32 = table.widths[..col].iter().sum();
                let left = match table.dir {
                    Dir::Rtl => x - offset - w,
                    Dir::Ltr => x + offset,
                };
                let style = self.fitted(self.ink(cell.style), &cell.text, w - 2.0 * pad, cell.dir);
                let lines = wrap_as(
                    style.font,
                    style.size,
                    &cell.text,
                    w - 2.0 * pad,
                    cell.dir,
                    (style.tabular, style.data),
                );
                let h = lines.len() as f32 * style.line_height();
                cells.push((left, w, lines, cell, style, h));
                col += span;
            }
            let row_h = cells.iter().map(|c| c.5).fold(0.0, f32::max) + 2.0 * pad;
            for (left, w, lines, cell, style, h) in &cells {
                if let Some(fill) = row.fill {
                    self.rect(*left, y, *w, row_h, Some(fill), None);
                }
                if let Some(stroke) = table.border {
                    self.rect(*left, y, *w, row_h, None, Some((0.5, stroke)));
                }
                // Vertically centred in the row.
                let mut line_top = y + (row_h - h) / 2.0;
                self.begin_cell(&cell.text, cell.header, style.data);
                for line in lines {
                    self.place(
                        line,
                        left + pad,
                        w - 2.0 * pad,
                        line_top,
                        *style,
                        cell.align,
                    );
                    line_top += style.line_height();
                }
                self.end_tag();
            }
            y += row_h;
        }
        self.part(false);
        y - top
    }
}

/// A cell's text's widest line and widest unbreakable unit (see `bound`; none in an
/// empty text), in font units. A template's cells (labels) are measured once per
/// thread; data is not kept.
fn extent(cell: &Cell) -> (i32, Option<i32>) {
    type Key = (FontId, bool, Dir, Box<str>);
    thread_local! {
        static EXTENTS: RefCell<FxHashMap<Key, (i32, Option<i32>)>> = RefCell::new(Default::default());
    }
    let s = cell.style;
    let measure = || {
        let units = |t: &str| shape_line_as(s.font, t, cell.dir, s.tabular).units;
        let (mut widest, mut unit) = (0, None);
        for line in cell.text.split('\n') {
            widest = widest.max(units(line));
            for u in bound(line) {
                unit = unit.max(Some(units(&u)));
            }
        }
        (widest, unit)
    };
    if s.data {
        return measure();
    }
    let key: Key = (s.font, s.tabular, cell.dir, cell.text.as_str().into());
    if let Some(hit) = EXTENTS.with(|e| e.borrow().get(&key).copied()) {
        return hit;
    }
    let found = measure();
    EXTENTS.with(|e| cache_insert(&mut e.borrow_mut(), key, found));
    found
}

pub struct Cell {
    pub text: String,
    pub style: Style,
    pub align: Align,
    pub dir: Dir,
    /// How many columns the cell covers.
    pub span: usize,
    /// A header cell (a column's or a row's label), tagged `TH`.
    pub header: bool,
}

impl Cell {
    pub fn new(text: impl Into<String>, style: Style, align: Align) -> Cell {
        Cell {
            text: text.into(),
            style,
            align,
            dir: Dir::Rtl,
            span: 1,
            header: false,
        }
    }

    /// This cell labels its column or row.
    pub fn header(self) -> Cell {
        Cell {
            header: true,
            ..self
        }
    }

    pub fn span(self, span: usize) -> Cell {
        Cell { span, ..self }
    }

    pub fn ltr(self) -> Cell {
        Cell {
            dir: Dir::Ltr,
            ..self
        }
    }

    pub fn aligned(self, align: Align) -> Cell {
        Cell { align, ..self }
    }
}

pub struct Row {
    pub cells: Vec<Cell>,
    pub fill: Option<Color>,
}

pub struct Table {
    /// Column widths in reading order: the first is the rightmost in an RTL table.
    pub widths: Vec<f32>,
    pub rows: Vec<Row>,
    pub dir: Dir,
    pub padding: f32,
    pub border: Option<Color>,
}

impl Table {
    pub fn new(widths: Vec<f32>) -> Table {
        Table {
            widths,
            rows: Vec::new(),
            dir: Dir::Rtl,
            padding: 3.0,
            border: Some(Color::RULE),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(Row { cells, fill: None });
    }

    pub fn shaded_row(&mut self, cells: Vec<Cell>, fill: Color) {
        self.rows.push(Row {
            cells,
            fill: Some(fill),
        });
    }

    pub fn width(&self) -> f32 {
        self.widths.iter().sum()
    }

    /// Sizes the columns from what they hold, to `total` in all (the automatic
    /// table layout of CSS): each column's least width is its widest unbreakable
    /// unit (a word, or a phrase kept whole such as «(خوشه ۹۰ هزار تومانی)»), its
    /// most its longest text on one line. When every column can have its most,
    /// the room left is shared in proportion; otherwise each column gets its least
    /// and the rest fills the columns that need least more first, so that labels
    /// and short values stay on one line and the longest text wraps. Cells spanning columns
    /// take what their columns get. Measured as `paper` prints the type.
    pub fn fit(&mut self, total: f32, paper: PageSize) {
        let n = self.widths.len();
        let (mut least, mut most) = (vec![0.0f32; n], vec![0.0f32; n]);
        for row in &self.rows {
            let mut col = 0;
            for cell in &row.cells {
                let span = cell.span.max(1);
                if span == 1 && col < n {
                    let s = cell.style;
                    let (widest, unit) = extent(cell);
                    let k = s.font.get().scale(Page::printed_size(paper, s.size));
                    // Wrapping sums words and spaces, which may come a hair wider
                    // than the line shaped whole.
                    most[col] = most[col].max(widest as f32 * k + 2.0 * self.padding + 1.0);
                    if let Some(unit) = unit {
                        least[col] = least[col].max(unit as f32 * k + 2.0 * self.padding);
                    }
                }
                col += span;
            }
        }
        let (sum_least, sum_most) = (least.iter().sum::<f32>(), most.iter().sum::<f32>());
        self.widths = if sum_most <= total {
            most.iter()
                .map(|m| m * total / sum_most.max(0.01))
                .collect()
        } else if sum_least <= total {
            // The room above the least goes first to the columns that need little
            // more to be on one line (labels, a national code), the rest to the one
            // that needs most (a long name), which wraps.
            let mut widths = least.clone();
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| (most[a] - least[a]).total_cmp(&(most[b] - least[b])));
            let mut room = total - sum_least;
            for c in order {
                let more = (most[c] - least[c]).min(room);
                widths[c] += more;
                room -= more;
            }
            widths
        } else {
            least.iter().map(|l| l * total / sum_least).collect()
        };
    }
}
