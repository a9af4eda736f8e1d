//! The page model: what is drawn on a page (glyphs, rules, boxes, a QR code's
//! modules, tags), recorded in points from the top-left corner, and checked
//! against the paper's safe area. Writing it as PDF is [`super::pdf`]'s job.

use std::collections::BTreeMap;

use pdf_writer::Name;

use super::font::FontId;
use super::glyphs::Line;
use super::paper::{Color, Overflow, PageSize, Style};
use super::tags::{TagMark, Tags};

/// A font object of the PDF: a face, for a template's fixed text or for a document's
/// data ([`Style::data`]). Each has its own subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Slot {
    pub(super) font: FontId,
    pub(super) data: bool,
}

impl Slot {
    pub(super) const ALL: [Slot; 4] = [
        Slot::new(FontId::Regular, false),
        Slot::new(FontId::Bold, false),
        Slot::new(FontId::Regular, true),
        Slot::new(FontId::Bold, true),
    ];

    pub(super) const fn new(font: FontId, data: bool) -> Slot {
        Slot { font, data }
    }

    pub(super) fn index(self) -> usize {
        self.font as usize + 2 * self.data as usize
    }

    pub(super) fn name(self) -> Name<'static> {
        const NAMES: [&[u8]; 4] = [b"F1", b"F2", b"F3", b"F4"];
        Name(NAMES[self.index()])
    }
}

/// Glyphs used in each slot, with the text each stands for (first seen wins).
pub(super) type Used = [BTreeMap<u16, String>; 4];

/// The slot a glyph drawn in `slot` comes from: a data glyph that the page's fixed
/// text also uses is drawn from the fixed text's subset, so the data subset holds
/// only what the template lacks.
pub(super) fn drawn_from(used: &Used, slot: Slot, gid: u16) -> Slot {
    let fixed = Slot::new(slot.font, false);
    if slot.data && used[fixed.index()].contains_key(&gid) {
        fixed
    } else {
        slot
    }
}

/// A glyph placed on the page: x and baseline y in points from the top-left corner.
#[derive(Clone, PartialEq)]
pub(super) struct Placed {
    pub(super) gid: u16,
    pub(super) x: f32,
    pub(super) y: f32,
}

#[derive(Clone, PartialEq)]
pub(super) enum Op {
    Text {
        slot: Slot,
        size: f32,
        color: Color,
        glyphs: Vec<Placed>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Color>,
        stroke: Option<(f32, Color)>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Color,
    },
    /// A square grid of black modules (a QR code): `n` by `n` cells of `cell`
    /// points from (x, y), its black modules the rectangles of `path` (in module
    /// units, y down from the grid's top).
    Modules {
        x: f32,
        y: f32,
        cell: f32,
        n: usize,
        path: String,
    },
    /// A table starts (`true`) or ends: the content of a table any of whose cells
    /// holds data goes, rules and labels too, to the page's data stream (its widths
    /// follow its values).
    Part(bool),
    /// A paragraph or a table cell starts: a marked-content sequence (tag, MCID).
    Mark(&'static [u8], i32),
    /// ... and ends.
    EndMark,
}

/// One page, drawn in points from the top-left corner, y growing downwards.
pub struct Page {
    size: PageSize,
    height: f32,
    pub(super) ops: Vec<Op>,
    /// Paragraphs and tables, for the structure tree.
    pub(super) tags: Tags,
    pub(super) used: Used,
    /// Per slot, a bit for each glyph whose text is already in `used`: most glyphs
    /// repeat, and a bit test is cheaper than the map.
    known: [Vec<u64>; 4],
    /// A page that only measures (see [`Page::dry`]).
    dry: bool,
}

impl Page {
    pub fn new(size: PageSize) -> Page {
        Page {
            // A receipt draws some 300 ops: room for them at once.
            ops: Vec::with_capacity(384),
            dry: false,
            ..Page::dry(size)
        }
    }

    /// A page on which text is laid out and heights returned as on any other, but
    /// nothing is drawn or tagged: to learn whether a document fits, cheaply.
    pub fn dry(size: PageSize) -> Page {
        Page {
            size,
            height: size.height().unwrap_or(0.0),
            ops: Vec::new(),
            tags: Tags::default(),
            used: Default::default(),
            known: Default::default(),
            dry: true,
        }
    }

    pub fn size(&self) -> PageSize {
        self.size
    }

    pub fn width(&self) -> f32 {
        self.size.width()
    }

    /// The page height: fixed for cut sheets; for a roll, whatever was last set.
    pub fn height(&self) -> f32 {
        self.height
    }

    /// The smallest text a thermal head prints legibly.
    pub const THERMAL_MIN_SIZE: f32 = 7.5;

    /// The size type of `size` prints at on `paper`: on a thermal roll at least
    /// [`Page::THERMAL_MIN_SIZE`] (small text breaks into dots there).
    pub fn printed_size(paper: PageSize, size: f32) -> f32 {
        if paper.is_roll() {
            size.max(Self::THERMAL_MIN_SIZE)
        } else {
            size
        }
    }

    /// The leading of a thermal roll, where every line is paper.
    pub const ROLL_LEADING: f32 = 1.3;

    /// `style` as this page can print it: on a thermal roll, black (grey breaks into
    /// dots there), at its [`Page::printed_size`] and with lines closer.
    pub fn ink(&self, style: Style) -> Style {
        if self.size.is_roll() {
            Style {
                size: Self::printed_size(self.size, style.size),
                color: Color::BLACK,
                leading: Self::ROLL_LEADING,
                ..style
            }
        } else {
            style
        }
    }

    /// Sets the height of a roll page (ignored on cut sheets).
    pub fn set_roll_height(&mut self, h: f32) {
        if self.size.height().is_none() {
            self.height = h;
        }
    }

    /// Draws a shaped line with its left end at `x` and its baseline at `y`, in the
    /// size and colour of `style` (the line was shaped in its font).
    pub fn draw_line(&mut self, line: &Line, x: f32, y: f32, style: Style) {
        if self.dry {
            return;
        }
        let Style {
            size, color, data, ..
        } = style;
        let font = line.font.get();
        let scale = font.scale(size);
        let slot = Slot::new(line.font, data);
        let used = &mut self.used[slot.index()];
        let known = &mut self.known[slot.index()];
        let mut glyphs = Vec::with_capacity(line.runs.iter().map(|r| r.glyphs.len()).sum());
        let mut pen = 0i32;
        for run in &line.runs {
            for g in &run.glyphs {
                let (word, bit) = (usize::from(g.gid / 64), 1u64 << (g.gid % 64));
                if known.get(word).is_none_or(|w| w & bit == 0) {
                    // First text seen for a glyph wins; an empty one may be filled later.
                    match used.get(&g.gid) {
                        Some(t) if !t.is_empty() => {}
                        Some(_) if g.text.is_empty() => {}
                        _ => {
                            let text = &run.text[g.text.start as usize..g.text.end as usize];
                            used.insert(g.gid, tounicode_text(text, run.rtl));
                        }
                    }
                    if used.get(&g.gid).is_some_and(|t| !t.is_empty()) {
                        if known.len() <= word {
                            known.resize(word + 1, 0);
                        }
                        known[word] |= bit;
                    }
                }
                glyphs.push(Placed {
                    gid: g.gid,
                    x: x + (pen + g.dx) as f32 * scale,
                    y: y - g.dy as f32 * scale,
                });
                pen += g.advance;
            }
        }
        if !glyphs.is_empty() {
            self.ops.push(Op::Text {
                slot,
                size,
                color,
                glyphs,
            });
        }
    }

    pub fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Color>,
        stroke: Option<(f32, Color)>,
    ) {
        if self.dry {
            return;
        }
        // A thermal head has no grey: no fills, black rules.
        let (fill, stroke) = if self.size.is_roll() {
            (None, stroke.map(|(w, _)| (w, Color::BLACK)))
        } else {
            (fill, stroke)
        };
        if fill.is_none() && stroke.is_none() {
            return;
        }
        self.ops.push(Op::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        });
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: Color) {
        if self.dry {
            return;
        }
        let color = if self.size.is_roll() {
            Color::BLACK
        } else {
            color
        };
        self.ops.push(Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            color,
        });
    }

    /// A square grid of modules (a QR code's matrix, `n` by `n`, row by row, `true`
    /// black) with its top-left corner at (x, y), each module `cell` points wide.
    /// Black on every paper; drawn as one path, so no seam shows between modules.
    pub fn modules(&mut self, x: f32, y: f32, cell: f32, n: usize, dark: &[bool]) {
        if self.dry {
            return;
        }
        debug_assert_eq!(dark.len(), n * n, "a square matrix");
        self.ops.push(Op::Modules {
            x,
            y,
            cell,
            n,
            path: module_path(n, dark),
        });
    }

    /// How much is drawn so far, for [`Page::rollback`].
    pub(super) fn mark(&self) -> (usize, TagMark) {
        (self.ops.len(), self.tags.mark())
    }

    /// Takes back what was drawn since `mark` (a block that moves to the next page).
    pub(super) fn rollback(&mut self, (ops, tags): (usize, TagMark)) {
        self.ops.truncate(ops);
        self.tags.rollback(tags);
    }

    /// What is drawn until [`Page::end_tag`] is a paragraph; `data` when it is a
    /// document's own (see [`Style::data`]).
    pub(super) fn begin_paragraph(&mut self, text: &str, data: bool) {
        if self.dry {
            return;
        }
        let mcid = self.tags.paragraph(text, data);
        self.ops.push(Op::Mark(b"P", mcid));
    }

    /// A table starts (or, with `more`, goes on: rows drawn a few at a time).
    pub(super) fn begin_table(&mut self, more: bool) {
        if self.dry {
            return;
        }
        self.tags.table(more);
    }

    /// A table's content starts (`true`) or ends: see [`Op::Part`].
    pub(super) fn part(&mut self, start: bool) {
        if !self.dry {
            self.ops.push(Op::Part(start));
        }
    }

    pub(super) fn begin_row(&mut self) {
        if self.dry {
            return;
        }
        self.tags.row();
    }

    /// What is drawn until [`Page::end_tag`] is the next cell of the current row.
    pub(super) fn begin_cell(&mut self, text: &str, header: bool, data: bool) {
        if self.dry {
            return;
        }
        let mcid = self.tags.cell(text, header, data);
        self.ops
            .push(Op::Mark(if header { b"TH" } else { b"TD" }, mcid));
    }

    pub(super) fn end_tag(&mut self) {
        if self.dry {
            return;
        }
        self.ops.push(Op::EndMark);
    }

    /// The first thing drawn outside the page's safe area, if any. Text is measured
    /// by its glyphs' advances and the font's ascender and descender (as a PDF
    /// reader boxes it); a rule or box by its path, half its stroke either side.
    pub fn overflow(&self) -> Option<Overflow> {
        let mut safe = self.size.safe_area();
        if self.size.is_roll() {
            safe[3] = self.height;
        }
        const EPS: f32 = 0.01;
        let inside = |b: [f32; 4]| {
            b[0] >= safe[0] - EPS
                && b[1] >= safe[1] - EPS
                && b[2] <= safe[2] + EPS
                && b[3] <= safe[3] + EPS
        };
        for op in &self.ops {
            let (what, at) = match op {
                Op::Text {
                    slot, size, glyphs, ..
                } => {
                    let f = slot.font.get();
                    let k = f.scale(*size);
                    let mut b = [
                        f32::INFINITY,
                        f32::INFINITY,
                        f32::NEG_INFINITY,
                        f32::NEG_INFINITY,
                    ];
                    for g in glyphs {
                        b[0] = b[0].min(g.x);
                        b[2] = b[2].max(g.x + f.advance(g.gid) * k);
                        b[1] = b[1].min(g.y - f.ascender * k);
                        b[3] = b[3].max(g.y - f.descender * k);
                    }
                    ("text", b)
                }
                Op::Rect {
                    x, y, w, h, stroke, ..
                } => {
                    let half = stroke.map_or(0.0, |(w, _)| w / 2.0);
                    ("box", [x - half, y - half, x + w + half, y + h + half])
                }
                Op::Line { x1, y1, x2, y2, .. } => {
                    ("rule", [x1.min(*x2), y1.min(*y2), x1.max(*x2), y1.max(*y2)])
                }
                Op::Modules { x, y, cell, n, .. } => {
                    let side = cell * *n as f32;
                    ("code", [*x, *y, x + side, y + side])
                }
                Op::Part(_) | Op::Mark(..) | Op::EndMark => continue,
            };
            if !inside(at) {
                return Some(Overflow { what, at, safe });
            }
        }
        None
    }

    /// Every glyph drawn, as (font, gid, left x, baseline y, advance) in points: for tests
    /// that check nothing is drawn outside its box.
    pub fn glyph_boxes(&self) -> Vec<(FontId, u16, f32, f32, f32)> {
        let mut out = Vec::new();
        for op in &self.ops {
            if let Op::Text {
                slot, size, glyphs, ..
            } = op
            {
                let f = slot.font.get();
                for g in glyphs {
                    out.push((
                        slot.font,
                        g.gid,
                        g.x,
                        g.y,
                        f.advance(g.gid) * f.scale(*size),
                    ));
                }
            }
        }
        out
    }
}

/// The text a glyph's ToUnicode entry gives. Readers (poppler, pdf.js) take the
/// characters of a page in visual order and reverse right-to-left stretches to get
/// logical order, the characters of a multi-character entry included: so a ligature
/// in a right-to-left run (lam-alef, «لا») lists its characters in visual order,
/// and comes back «لا», not «ال».
fn tounicode_text(text: &str, rtl: bool) -> String {
    if rtl && text.chars().nth(1).is_some() {
        text.chars().rev().collect()
    } else {
        text.to_string()
    }
}

/// The rectangles that cover the black modules of an `n` by `n` grid (row by row,
/// `true` black) as path operators, in module units, y down from the top: a run of
/// black modules in a row is one rectangle, as tall as the rows it repeats in. A
/// QR code is some 250 of them, under 1 KB compressed.
fn module_path(n: usize, dark: &[bool]) -> String {
    let mut out = Vec::with_capacity(4096);
    // Each rectangle's line is made on the stack and appended at once.
    let mut rect = |(start, end, top): (u16, u16, u16), row: u16| {
        let mut line = [0u8; 24];
        let mut len = 0;
        for v in [start, top, end - start, row - top] {
            // A code is at most 177 modules across: its numbers from the table.
            let (digits, k) = DECIMAL[usize::from(v)];
            line[len..len + 4].copy_from_slice(&digits);
            len += usize::from(k);
        }
        line[len..len + 3].copy_from_slice(b"re\n");
        out.extend_from_slice(&line[..len + 3]);
    };
    // Runs open since an earlier row, (first column, end, first row), and this
    // row's runs: both in column order, walked side by side.
    let mut open: Vec<(u16, u16, u16)> = Vec::with_capacity(32);
    let mut still = Vec::with_capacity(32);
    let mut runs: Vec<(u16, u16)> = Vec::with_capacity(32);
    for row in 0..=n {
        runs.clear();
        if row < n {
            dark_runs(&dark[row * n..(row + 1) * n], &mut runs);
        }
        let row = row as u16;
        let (mut i, mut j) = (0, 0);
        still.clear();
        while i < open.len() || j < runs.len() {
            match (open.get(i), runs.get(j)) {
                (Some(&o), Some(&r)) if (o.0, o.1) == r => {
                    still.push(o);
                    (i, j) = (i + 1, j + 1);
                }
                (Some(&o), Some(&r)) if o.0 <= r.0 => {
                    rect(o, row);
                    i += 1;
                }
                (Some(&o), None) => {
                    rect(o, row);
                    i += 1;
                }
                (_, Some(&r)) => {
                    still.push((r.0, r.1, row));
                    j += 1;
                }
                (None, None) => unreachable!(),
            }
        }
        std::mem::swap(&mut open, &mut still);
    }
    out.pop();
    String::from_utf8(out).expect("digits and letters")
}

/// The dark runs of a row of modules, (first column, end), in column order.
fn dark_runs(cells: &[bool], runs: &mut Vec<(u16, u16)>) {
    if cells.len() <= 128 {
        // As a bit set, each run found in two instructions: a code's path is made
        // for every receipt, and walking it module by module was a twentieth of one.
        let mut bits = cells
            .iter()
            .enumerate()
            .fold(0u128, |b, (i, &d)| b | (u128::from(d) << i));
        while bits != 0 {
            let start = bits.trailing_zeros();
            let len = (!(bits >> start)).trailing_zeros();
            runs.push((start as u16, (start + len) as u16));
            bits &= match len {
                128 => 0,
                _ => !(((1u128 << len) - 1) << start),
            };
        }
    } else {
        dark_runs_walked(cells, runs);
    }
}

/// [`dark_runs`], module by module: for rows too long for a bit set.
fn dark_runs_walked(cells: &[bool], runs: &mut Vec<(u16, u16)>) {
    let n = cells.len();
    let mut col = 0;
    while col < n {
        // Skip light modules, then take the dark run.
        match cells[col..].iter().position(|&d| d) {
            None => break,
            Some(k) => col += k,
        }
        let start = col;
        col += cells[col..].iter().position(|&d| !d).unwrap_or(n - col);
        runs.push((start as u16, col as u16));
    }
}

/// Each module count a code has (0 to 177, a version 40 code's width), in decimal
/// and a space, and how many bytes that is.
const DECIMAL: [([u8; 4], u8); 178] = {
    let mut table = [([0u8; 4], 0u8); 178];
    let mut v = 0;
    while v < 178 {
        let mut buf = [0u8; 4];
        let len = small(&mut buf, v as u16);
        buf[len] = b' ';
        table[v] = (buf, len as u8 + 1);
        v += 1;
    }
    table
};

/// Writes `v` (under 1,000: a module count) in decimal at the start of `out`;
/// returns how many digits.
const fn small(out: &mut [u8], v: u16) -> usize {
    let digits = [(v / 100) as u8, (v / 10 % 10) as u8, (v % 10) as u8];
    let skip = if v >= 100 {
        0
    } else if v >= 10 {
        1
    } else {
        2
    };
    let mut i = skip;
    while i < 3 {
        out[i - skip] = b'0' + digits[i];
        i += 1;
    }
    3 - skip
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dark_runs_as_bits_are_the_runs_walked() {
        // Rows of every length a bit set takes, and its edges: all dark, all light,
        // a run at either end, and pseudo-random rows.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in (1..=128).chain([129, 177]) {
            let mut rows = vec![vec![true; n], vec![false; n]];
            rows.push((0..n).map(|i| i == 0 || i == n - 1).collect());
            for _ in 0..20 {
                rows.push(
                    (0..n)
                        .map(|_| {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            !seed.is_multiple_of(3)
                        })
                        .collect(),
                );
            }
            for row in rows {
                let (mut fast, mut walked) = (Vec::new(), Vec::new());
                dark_runs(&row, &mut fast);
                dark_runs_walked(&row, &mut walked);
                assert_eq!(fast, walked, "{row:?}");
            }
        }
    }
}
