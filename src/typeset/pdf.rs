//! Pages record what is drawn; `Document::finish` writes the PDF.
//!
//! Fonts are written as CID fonts (Type0 / CIDFontType2, Identity-H) holding a subset
//! of the glyphs the document uses, with a ToUnicode map from each glyph to the text
//! it stands for, so copy and paste and `pdftotext` give back the real characters.
//! Nothing comes from the clock: the same pages give the same bytes.

use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use pdf_writer::types::{CidFontType, Direction, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Date, Filter, Finish, Name, Pdf, Rect, Ref, Settings, Str, TextStr, XRefFilter};

use super::deflate::deflate;
use super::font::FontId;
use super::layout::Style;
use super::objstm::Packer;
use super::ops::Ops;
use super::shape::Line;
use super::tags::{self, Elem, TagMark, Tags};

/// Paper sizes, in points (1/72 inch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageSize {
    A5,
    A4,
    /// 80 mm thermal roll (72 mm printable): fixed width, height grows with the content.
    Roll80,
    /// 58 mm thermal roll (48 mm printable).
    Roll58,
}

const MM: f32 = 72.0 / 25.4;
/// The margin of a sheet no printer is asked to print in: 5 mm.
pub const SAFE: f32 = 5.0 * MM;

/// Something drawn outside the page's safe area: the engine refuses the page rather
/// than print it cut.
#[derive(Clone, Debug, PartialEq)]
pub struct Overflow {
    /// "text", "box" or "rule".
    pub what: &'static str,
    /// Where it was drawn: (left, top, right, bottom) in points from the top left.
    pub at: [f32; 4],
    /// The safe area it should have stayed in.
    pub safe: [f32; 4],
}

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mm = |v: f32| v / MM;
        let [l, t, r, b] = self.at.map(mm);
        let [sl, st, sr, sb] = self.safe.map(mm);
        write!(
            f,
            "a {} at ({l:.1}, {t:.1})–({r:.1}, {b:.1}) mm lies outside the printable area ({sl:.1}, {st:.1})–({sr:.1}, {sb:.1}) mm",
            self.what
        )?;
        Ok(())
    }
}

impl std::error::Error for Overflow {}

impl PageSize {
    pub fn width(self) -> f32 {
        match self {
            PageSize::A5 => 148.0 * MM,
            PageSize::A4 => 210.0 * MM,
            PageSize::Roll80 => 80.0 * MM,
            PageSize::Roll58 => 58.0 * MM,
        }
    }

    /// What a printer can print across: the paper less the head's margins.
    pub fn printable_width(self) -> f32 {
        match self {
            PageSize::Roll80 => 72.0 * MM,
            PageSize::Roll58 => 48.0 * MM,
            _ => self.width() - 10.0 * MM,
        }
    }

    /// The dot of a roll's thermal head (203 dpi, 8 dots a millimetre), in points;
    /// `None` for a sheet. What a head prints is whole dots: a grid drawn in them
    /// prints every module the same size.
    pub fn dot(self) -> Option<f32> {
        self.is_roll().then_some(72.0 / 203.0)
    }

    /// A thermal roll: printed by a head of black dots, no grey, no fills.
    pub fn is_roll(self) -> bool {
        self.height().is_none()
    }

    /// Where a printer prints, as (left, top, right, bottom) in points from the top
    /// left corner: 5 mm in from a sheet's edges; a roll's printable width, with no
    /// bottom (`f32::INFINITY`: the page grows with its content).
    pub fn safe_area(self) -> [f32; 4] {
        let side = (self.width() - self.printable_width()) / 2.0;
        match self.height() {
            Some(h) => [side, SAFE, self.width() - side, h - SAFE],
            None => [side, 0.0, self.width() - side, f32::INFINITY],
        }
    }

    /// The fixed height, or `None` for a roll.
    pub fn height(self) -> Option<f32> {
        match self {
            PageSize::A5 => Some(210.0 * MM),
            PageSize::A4 => Some(297.0 * MM),
            PageSize::Roll80 | PageSize::Roll58 => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Color(pub f32, pub f32, pub f32);

impl Color {
    pub const BLACK: Color = Color(0.0, 0.0, 0.0);
    pub const GRAY: Color = Color(0.45, 0.45, 0.45);
    pub const LIGHT: Color = Color(0.92, 0.92, 0.92);
    pub const RULE: Color = Color(0.6, 0.6, 0.6);
}

/// A font object of the PDF: a face, for a template's fixed text or for a document's
/// data ([`Style::data`]). Each has its own subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Slot {
    font: FontId,
    data: bool,
}

impl Slot {
    const ALL: [Slot; 4] = [
        Slot::new(FontId::Regular, false),
        Slot::new(FontId::Bold, false),
        Slot::new(FontId::Regular, true),
        Slot::new(FontId::Bold, true),
    ];

    const fn new(font: FontId, data: bool) -> Slot {
        Slot { font, data }
    }

    fn index(self) -> usize {
        self.font as usize + 2 * self.data as usize
    }

    fn name(self) -> Name<'static> {
        const NAMES: [&[u8]; 4] = [b"F1", b"F2", b"F3", b"F4"];
        Name(NAMES[self.index()])
    }
}

/// Glyphs used in each slot, with the text each stands for (first seen wins).
type Used = [BTreeMap<u16, String>; 4];

/// The slot a glyph drawn in `slot` comes from: a data glyph that the page's fixed
/// text also uses is drawn from the fixed text's subset, so the data subset holds
/// only what the template lacks.
fn drawn_from(used: &Used, slot: Slot, gid: u16) -> Slot {
    let fixed = Slot::new(slot.font, false);
    if slot.data && used[fixed.index()].contains_key(&gid) {
        fixed
    } else {
        slot
    }
}

/// A glyph placed on the page: x and baseline y in points from the top-left corner.
struct Placed {
    gid: u16,
    x: f32,
    y: f32,
}

enum Op {
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
    /// A paragraph or a table cell starts: a marked-content sequence (tag, MCID).
    Mark(&'static [u8], i32),
    /// ... and ends.
    EndMark,
}

/// One page, drawn in points from the top-left corner, y growing downwards.
pub struct Page {
    size: PageSize,
    height: f32,
    ops: Vec<Op>,
    /// Paragraphs and tables, for the structure tree.
    tags: Tags,
    used: Used,
    /// Per slot, a bit for each glyph whose text is already in `used`: most glyphs
    /// repeat, and a bit test is cheaper than the map.
    known: [Vec<u64>; 4],
}

impl Page {
    pub fn new(size: PageSize) -> Page {
        Page {
            size,
            height: size.height().unwrap_or(0.0),
            ops: Vec::new(),
            tags: Tags::default(),
            used: Default::default(),
            known: Default::default(),
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

    /// `style` as this page can print it: on a thermal roll, black and at least
    /// [`Page::THERMAL_MIN_SIZE`] (grey and small text break into dots there).
    pub fn ink(&self, style: Style) -> Style {
        if self.size.is_roll() {
            Style {
                size: style.size.max(Self::THERMAL_MIN_SIZE),
                color: Color::BLACK,
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

    /// What is drawn until [`Page::end_tag`] is a paragraph.
    pub(super) fn begin_paragraph(&mut self) {
        let mcid = self.tags.paragraph();
        self.ops.push(Op::Mark(b"P", mcid));
    }

    /// A table starts (or, with `more`, goes on: rows drawn a few at a time).
    pub(super) fn begin_table(&mut self, more: bool) {
        self.tags.table(more);
    }

    pub(super) fn begin_row(&mut self) {
        self.tags.row();
    }

    /// What is drawn until [`Page::end_tag`] is the next cell of the current row.
    pub(super) fn begin_cell(&mut self) {
        let mcid = self.tags.cell();
        self.ops.push(Op::Mark(b"TD", mcid));
    }

    pub(super) fn end_tag(&mut self) {
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
                Op::Mark(..) | Op::EndMark => continue,
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

/// Feeds `bytes` to `h`, length first, so that no two sequences of fields hash alike.
fn hash_bytes(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// Feeds a subset's glyph ids to `h`, in order, count first.
fn hash_glyphs(h: &mut Sha256, used: &BTreeMap<u16, String>) {
    h.update((used.len() as u64).to_be_bytes());
    for gid in used.keys() {
        h.update(gid.to_be_bytes());
    }
}

/// A PDF document: pages that share one subset of each font. A page is written and
/// compressed when it is pushed (glyph ids serve as CIDs, mapped to the subset's
/// glyphs by a CIDToGIDMap), so a many-page document holds only compressed pages.
pub struct Document {
    title: String,
    pages: Vec<WrittenPage>,
    used: Used,
    /// SHA-256 of the title and each page's compressed content: the document id.
    /// A specified hash, not the standard library's `DefaultHasher`, whose algorithm
    /// may change with the compiler: a reprint must be the same bytes whatever
    /// pishkhan build made it.
    hash: Sha256,
    /// When the document was made, in Iran time (UTC+03:30): year, month, day, hour,
    /// minute, Gregorian. From the document's own content (a receipt's date and
    /// time), never the clock, so that the bytes stay the same.
    created: Option<[u16; 5]>,
    /// Ask viewers to print at actual size: a thermal roll must not be scaled.
    actual_size: bool,
    /// With a structure tree (see [`Document::untagged`]).
    tagged: bool,
    /// Entries of the document information beyond title, producer and date.
    info: Vec<(String, String)>,
}

struct WrittenPage {
    width: f32,
    height: f32,
    content: Vec<u8>,
    elems: Vec<Elem>,
}

impl Document {
    pub fn new(title: &str) -> Document {
        let mut hash = Sha256::new();
        hash_bytes(&mut hash, title.as_bytes());
        Document {
            title: title.to_string(),
            pages: Vec::new(),
            used: Default::default(),
            hash,
            created: None,
            actual_size: false,
            tagged: true,
            info: Vec::new(),
        }
    }

    /// Sets an entry of the document information (`key`, a PDF name of letters
    /// and digits, to `value`), which [`info_value`] reads back.
    pub fn info(&mut self, key: &str, value: &str) {
        debug_assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()));
        self.info.retain(|(k, _)| k != key);
        self.info.push((key.to_string(), value.to_string()));
    }

    /// The date and time the document states it was made (Iran time, Gregorian).
    pub fn created(&mut self, year: u16, month: u16, day: u16, hour: u16, minute: u16) {
        self.created = Some([year, month, day, hour, minute]);
    }

    /// Viewers are asked to print at actual size (`/PrintScaling /None`).
    pub fn print_actual_size(&mut self) {
        self.actual_size = true;
    }

    /// No structure tree: for a print run of thousands of pages bound for the
    /// printer, where it would add two fifths to the file and a quarter to the time
    /// (each page's tree is some hundred small objects).
    pub fn untagged(&mut self) {
        self.tagged = false;
    }

    /// Adds a page, or refuses it when something on it lies outside its safe area.
    pub fn push(&mut self, page: Page) -> Result<(), Overflow> {
        self.push_all(vec![page])
    }

    /// Adds a document's pages, or none of them when any has something outside its
    /// safe area: a document is never added in part.
    pub fn push_all(&mut self, pages: Vec<Page>) -> Result<(), Overflow> {
        if let Some(o) = pages.iter().find_map(Page::overflow) {
            return Err(o);
        }
        for page in pages {
            self.add(page);
        }
        Ok(())
    }

    /// Writes and compresses a page already checked.
    fn add(&mut self, mut page: Page) {
        // Data glyphs move to the subset they are drawn from (see `drawn_from`).
        for font in FontId::ALL {
            let data = Slot::new(font, true);
            let mine = std::mem::take(&mut page.used[data.index()]);
            for (gid, text) in mine {
                let to = drawn_from(&page.used, data, gid);
                let e = page.used[to.index()].entry(gid).or_default();
                if e.is_empty() {
                    *e = text;
                }
            }
        }
        let content = page_content(&page, self.tagged);
        for (all, mine) in self.used.iter_mut().zip(page.used) {
            for (gid, text) in mine {
                let e = all.entry(gid).or_default();
                if e.is_empty() {
                    *e = text;
                }
            }
        }
        let content = deflate(&content);
        // A document id from the content, not the clock: same input, same bytes. The
        // compressed stream stands for it (it ends with the content's checksum) and
        // is a fifth of its size to hash.
        hash_bytes(&mut self.hash, &content);
        self.pages.push(WrittenPage {
            width: page.size.width(),
            height: page.height,
            content,
            elems: if self.tagged {
                page.tags.elems
            } else {
                Vec::new()
            },
        });
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Writes the PDF.
    pub fn finish(self) -> Vec<u8> {
        let mut alloc = Ref::new(1);
        let mut next = || alloc.bump();
        let catalog_id = next();
        let tree_id = next();
        let info_id = next();

        // Streams are written as they are; every other object goes in an object
        // stream (see `objstm`).
        let mut pdf = Pdf::with_settings(Settings { pretty: false });
        let mut packer = Packer::default();
        let mut fonts: Vec<(Slot, Ref)> = Vec::new();
        for slot in Slot::ALL {
            if self.used[slot.index()].is_empty() {
                continue;
            }
            let type0 = next();
            write_font(
                &mut pdf,
                &mut next,
                &mut packer,
                type0,
                slot,
                &self.used[slot.index()],
            );
            fonts.push((slot, type0));
        }

        let mut page_ids = Vec::new();
        for (i, page) in self.pages.iter().enumerate() {
            let page_id = next();
            let content_id = next();
            page_ids.push(page_id);
            pdf.stream(content_id, &page.content)
                .filter(Filter::FlateDecode);
            let mut c = Packer::chunk();
            let mut p = c.page(page_id);
            p.media_box(Rect::new(0.0, 0.0, page.width, page.height));
            p.parent(tree_id);
            p.contents(content_id);
            // The page's key in the structure's parent tree.
            if self.tagged {
                p.struct_parents(i as i32);
            }
            let mut res = p.resources();
            let mut font_dict = res.fonts();
            for (slot, type0) in &fonts {
                font_dict.pair(slot.name(), *type0);
            }
            font_dict.finish();
            res.finish();
            p.finish();
            packer.add_chunk(&mut pdf, &mut next, &c);
        }
        let mut c = Packer::chunk();
        c.pages(tree_id)
            .kids(page_ids.iter().copied())
            .count(page_ids.len() as i32);
        packer.add_chunk(&mut pdf, &mut next, &c);
        let struct_root = self.tagged.then(|| {
            let structure: Vec<(Ref, &[Elem])> = page_ids
                .iter()
                .zip(&self.pages)
                .map(|(id, p)| (*id, &p.elems[..]))
                .collect();
            tags::write_tree(&mut pdf, &mut next, &structure, &mut packer)
        });
        let xmp_id = next();
        let xmp = xmp(&self.title, self.created);
        pdf.metadata(xmp_id, xmp.as_bytes());
        // The catalog and the document information stay plain objects: pdf-writer
        // names them in the trailer as it writes them.
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(tree_id);
        // Persian documents: a reader reads the language, a viewer lays out
        // spreads right to left and shows the title.
        catalog.lang(TextStr("fa-IR"));
        catalog.metadata(xmp_id);
        // Tagged: paragraphs and tables that a reader (or a screen reader) can follow.
        if let Some(root) = struct_root {
            catalog.pair(Name(b"StructTreeRoot"), root);
            catalog.mark_info().marked(true);
        }
        let mut prefs = catalog.viewer_preferences();
        prefs.direction(Direction::R2L).display_doc_title(true);
        if self.actual_size {
            prefs.pair(Name(b"PrintScaling"), Name(b"None"));
        }
        prefs.finish();
        catalog.finish();
        let mut info = pdf.document_info(info_id);
        info.title(TextStr(&self.title)).producer(TextStr(PRODUCER));
        for (key, value) in &self.info {
            info.pair(Name(key.as_bytes()), TextStr(value));
        }
        if let Some([y, mo, d, h, mi]) = self.created {
            info.creation_date(
                Date::new(y)
                    .month(mo as u8)
                    .day(d as u8)
                    .hour(h as u8)
                    .minute(mi as u8)
                    .second(0)
                    .utc_offset_hour(3)
                    .utc_offset_minute(30),
            );
        }
        info.finish();
        packer.flush(&mut pdf);

        let mut h = self.hash;
        for used in &self.used {
            hash_glyphs(&mut h, used);
        }
        let id: Vec<u8> = h.finalize()[..16].to_vec();
        pdf.set_file_id((id.clone(), id));
        // A cross-reference stream, the last object: only it can point into the
        // object streams that hold the structure tree.
        let xref_id = next();
        let count = xref_id.get() as usize + 1;
        pdf.finish_with_xref_stream_and_filter(xref_id, |rows| {
            let mut rows = rows.to_vec();
            packer.patch_xref(&mut rows, count);
            (deflate(&rows), XRefFilter::Single(Filter::FlateDecode))
        })
    }
}

const PRODUCER: &str = concat!("pishkhan ", env!("CARGO_PKG_VERSION"));

/// Entry `key` of a PDF's document information, as [`Document::info`] wrote it
/// (the last one, should the file have been updated since). The information of a
/// PDF this engine wrote is a plain object, not in a compressed stream: found by its
/// key, read as a literal or a UTF-16 hex string.
pub fn info_value(pdf: &[u8], key: &str) -> Option<String> {
    let needle = format!("/{key}");
    let at = memchr::memmem::rfind_iter(pdf, needle.as_bytes()).find(|&i| {
        // The whole name, not the start of a longer one.
        pdf.get(i + needle.len())
            .is_some_and(|b| !b.is_ascii_alphanumeric())
    })?;
    let rest = &pdf[at + needle.len()..];
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &rest[start..];
    match rest.first()? {
        b'(' => {
            let mut out = Vec::new();
            let mut depth = 0;
            let mut bytes = rest[1..].iter();
            while let Some(&b) = bytes.next() {
                match b {
                    b'\\' => match *bytes.next()? {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'\n' => {}
                        c => out.push(c),
                    },
                    b'(' => {
                        depth += 1;
                        out.push(b);
                    }
                    b')' if depth == 0 => break,
                    b')' => {
                        depth -= 1;
                        out.push(b);
                    }
                    _ => out.push(b),
                }
            }
            String::from_utf8(out).ok()
        }
        b'<' => {
            let end = rest.iter().position(|&b| b == b'>')?;
            let hex: Vec<u8> = rest[1..end]
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            let bytes: Vec<u8> = hex
                .chunks(2)
                .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                .collect::<Option<_>>()?;
            let units: Vec<u16> = bytes
                .strip_prefix(&[0xFE, 0xFF])?
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// The document's XMP metadata: title, language, producer and, when known, the date
/// it was made.
fn xmp(title: &str, created: Option<[u16; 5]>) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let date = created
        .map(|[y, mo, d, h, mi]| {
            let at = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00+03:30");
            format!("<xmp:CreateDate>{at}</xmp:CreateDate><xmp:ModifyDate>{at}</xmp:ModifyDate><xmp:MetadataDate>{at}</xmp:MetadataDate>")
        })
        .unwrap_or_default();
    format!(
        concat!(
            "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>",
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
            "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" ",
            "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">",
            "<dc:format>application/pdf</dc:format>",
            "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>",
            "<dc:language><rdf:Bag><rdf:li>fa-IR</rdf:li></rdf:Bag></dc:language>",
            "{date}<xmp:CreatorTool>{producer}</xmp:CreatorTool><pdf:Producer>{producer}</pdf:Producer>",
            "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"r\"?>"
        ),
        title = esc(title),
        date = date,
        producer = PRODUCER,
    )
}

/// The streams of an embedded font that depend only on the glyphs it holds and their
/// text, compressed: the subset, its ToUnicode map and its CIDToGIDMap.
struct FontFiles {
    subset_len: usize,
    subset: Vec<u8>,
    to_unicode: Vec<u8>,
    cid_to_gid: Vec<u8>,
}

/// The font's streams for `used`. Those of a template's fixed text (labels, service
/// names) are the same on every receipt, so they are cached by glyphs and text; a
/// document's data (names, IDs) rarely repeats, and is not.
fn font_files(slot: Slot, used: &BTreeMap<u16, String>) -> Rc<FontFiles> {
    type Key = (FontId, Vec<(u16, String)>);
    thread_local! {
        static FILES: RefCell<HashMap<Key, Rc<FontFiles>>> = RefCell::new(HashMap::new());
    }
    if slot.data {
        return Rc::new(make_font_files(slot.font, used));
    }
    let key: Key = (
        slot.font,
        used.iter().map(|(g, t)| (*g, t.clone())).collect(),
    );
    if let Some(hit) = FILES.with(|c| c.borrow().get(&key).cloned()) {
        return hit;
    }
    let files = Rc::new(make_font_files(slot.font, used));
    FILES.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 64 {
            c.clear();
        }
        c.insert(key, files.clone());
    });
    files
}

fn make_font_files(id: FontId, used: &BTreeMap<u16, String>) -> FontFiles {
    // CIDs are the font's own glyph ids; the map says where each is in the subset.
    let mut remapper = subsetter::GlyphRemapper::new();
    for gid in used.keys() {
        remapper.remap(*gid);
    }
    let subset = subsetter::subset(id.get().data, 0, &remapper).expect("the embedded font subsets");
    let subset = without_tables(&subset, &[b"name", b"post"]);
    let mut cmap = UnicodeCmap::new(
        Name(b"Custom"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    for (gid, text) in used {
        if !text.is_empty() {
            cmap.pair_with_multiple(*gid, text.chars());
        }
    }
    let max = used.keys().next_back().copied().unwrap_or(0);
    let map: Vec<u8> = (0..=max)
        .flat_map(|cid| remapper.get(cid).unwrap_or(0).to_be_bytes())
        .collect();
    FontFiles {
        subset_len: subset.len(),
        subset: deflate(&subset),
        to_unicode: deflate(&cmap.finish()),
        cid_to_gid: deflate(&map),
    }
}

/// A TrueType font without the tables in `drop`, its checksums made right again. The
/// subset keeps `name` and `post` (glyph names), which a PDF's CID font never reads
/// (PDF 2.0, 9.9: it needs `head`, `hhea`, `loca`, `maxp`, `glyf`, `hmtx`, and `cvt `,
/// `fpgm` and `prep` when present): about a kilobyte per font.
fn without_tables(font: &[u8], drop: &[&[u8; 4]]) -> Vec<u8> {
    let u16_at = |i: usize| u16::from_be_bytes([font[i], font[i + 1]]);
    let u32_at = |i: usize| u32::from_be_bytes([font[i], font[i + 1], font[i + 2], font[i + 3]]);
    let checksum = |data: &[u8]| {
        data.chunks(4).fold(0u32, |sum, c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            sum.wrapping_add(u32::from_be_bytes(w))
        })
    };
    let tables: Vec<([u8; 4], &[u8])> = (0..usize::from(u16_at(4)))
        .map(|i| {
            let r = 12 + 16 * i;
            let (off, len) = (u32_at(r + 8) as usize, u32_at(r + 12) as usize);
            (
                font[r..r + 4].try_into().expect("four bytes"),
                &font[off..off + len],
            )
        })
        .filter(|(tag, _)| !drop.contains(&tag))
        .collect();
    let n = tables.len() as u16;
    let entry_selector = 15 - n.leading_zeros() as u16;
    let search_range = 16u16 << entry_selector;
    let mut out = Vec::with_capacity(font.len());
    out.extend_from_slice(&font[..4]);
    for v in [n, search_range, entry_selector, n * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &tables {
        let mut sum = checksum(data);
        if tag == b"head" && data.len() >= 12 {
            // checkSumAdjustment counts as zero in the sums (it is a whole aligned
            // word, so it is taken out of the sum); it is set at the end.
            sum = sum.wrapping_sub(u32::from_be_bytes(data[8..12].try_into().expect("4")));
            head_at = Some(offset);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&sum.to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for (tag, data) in &tables {
        out.extend_from_slice(data);
        if tag == b"head" && data.len() >= 12 {
            let at = out.len() - data.len();
            out[at + 8..at + 12].fill(0);
        }
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

fn write_font(
    pdf: &mut Pdf,
    next: &mut impl FnMut() -> Ref,
    packer: &mut Packer,
    type0: Ref,
    slot: Slot,
    used: &BTreeMap<u16, String>,
) {
    let font = slot.font.get();
    let cid_id = next();
    let descriptor_id = next();
    let file_id = next();
    let cmap_id = next();
    let cid_map_id = next();

    let files = font_files(slot, used);

    // Subset tag: six capitals from the glyph set, as PDF readers expect (`sub yes`).
    let mut h = Sha256::new();
    hash_glyphs(&mut h, used);
    let digest = h.finalize();
    let mut n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let tag: String = (0..6)
        .map(|_| {
            let c = (b'A' + (n % 26) as u8) as char;
            n /= 26;
            c
        })
        .collect();
    let base = format!("{tag}+{}", font.postscript_name);

    let mut c = Packer::chunk();
    c.type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);
    packer.add_chunk(pdf, next, &c);

    let scale = 1000.0 / font.units_per_em;
    let mut c = Packer::chunk();
    let mut cid = c.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(base.as_bytes()))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        })
        .font_descriptor(descriptor_id)
        .default_width(0.0)
        .cid_to_gid_map_stream(cid_map_id);
    {
        // Widths by CID, in runs of consecutive glyph ids.
        let mut w = cid.widths();
        let gids: Vec<u16> = used.keys().copied().collect();
        let mut i = 0;
        while i < gids.len() {
            let mut j = i + 1;
            while j < gids.len() && gids[j] == gids[j - 1] + 1 {
                j += 1;
            }
            w.consecutive(
                gids[i],
                gids[i..j]
                    .iter()
                    .map(|g| (font.advance(*g) * scale).round()),
            );
            i = j;
        }
    }
    cid.finish();
    packer.add_chunk(pdf, next, &c);

    let [x0, y0, x1, y1] = font.bbox.map(|v| v * scale);
    let mut c = Packer::chunk();
    c.font_descriptor(descriptor_id)
        .name(Name(base.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(font.ascender * scale)
        .descent(font.descender * scale)
        .cap_height(font.cap_height * scale)
        .stem_v(if font.weight >= 700 { 140.0 } else { 80.0 })
        .weight(font.weight)
        .font_file2(file_id);
    packer.add_chunk(pdf, next, &c);

    pdf.stream(file_id, &files.subset)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), files.subset_len as i32);

    pdf.stream(cmap_id, &files.to_unicode)
        .filter(Filter::FlateDecode);
    pdf.stream(cid_map_id, &files.cid_to_gid)
        .filter(Filter::FlateDecode);
}

fn page_content(page: &Page, tagged: bool) -> Vec<u8> {
    let h = page.height();
    // A receipt's content is about 16 KB: no regrowing on the way.
    let mut c = Ops::with_capacity(20 * 1024);
    // Rules and boxes are decoration (artifacts), not content: consecutive ones share
    // one artifact sequence.
    let mut artifact = false;
    let mut bytes = Vec::new();
    for op in &page.ops {
        // The QR code too: the proof it encodes is in the document information.
        let drawing =
            tagged && matches!(op, Op::Rect { .. } | Op::Line { .. } | Op::Modules { .. });
        if drawing && !artifact {
            c.name(b"Artifact").op(b"BMC");
        } else if !drawing && artifact {
            c.op(b"EMC");
        }
        artifact = drawing;
        match op {
            Op::Mark(..) | Op::EndMark if !tagged => {}
            Op::Mark(tag, mcid) => c.bdc(tag, *mcid),
            Op::EndMark => c.op(b"EMC"),
            Op::Rect {
                x,
                y,
                w,
                h: rh,
                fill,
                stroke,
            } => {
                c.op(b"q");
                if let Some(Color(r, g, b)) = fill {
                    c.rgb(*r, *g, *b).op(b"rg");
                }
                if let Some((width, Color(r, g, b))) = stroke {
                    c.rgb(*r, *g, *b).op(b"RG");
                    c.at(*width).op(b"w");
                }
                c.at(*x).at(h - y - rh).at(*w).at(*rh).op(b"re");
                c.op(match (fill, stroke) {
                    (Some(_), Some(_)) => b"B",
                    (Some(_), None) => b"f",
                    _ => b"S",
                });
                c.op(b"Q");
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color: Color(r, g, b),
            } => {
                c.op(b"q");
                c.rgb(*r, *g, *b).op(b"RG");
                c.at(*width).op(b"w");
                c.at(*x1).at(h - y1).op(b"m");
                c.at(*x2).at(h - y2).op(b"l");
                c.op(b"S");
                c.op(b"Q");
            }
            Op::Modules {
                x, y, cell, path, ..
            } => {
                c.op(b"q");
                c.rgb(0.0, 0.0, 0.0).op(b"rg");
                // In module units, y down from the grid's top.
                c.real(*cell, 4).int(0).int(0).real(-*cell, 4);
                c.at(*x).at(h - y).op(b"cm");
                c.raw(path.as_bytes());
                c.op(b"f");
                c.op(b"Q");
            }
            Op::Text {
                slot,
                size,
                color: Color(r, g, b),
                glyphs,
            } => {
                let f = slot.font.get();
                let scale = f.scale(*size);
                let slot_of = |gid: u16| drawn_from(&page.used, *slot, gid);
                c.op(b"BT");
                c.rgb(*r, *g, *b).op(b"rg");
                // One text-matrix move per baseline or font change; between glyphs, a
                // TJ adjustment moves from where the width table puts the next glyph
                // to where shaping put it.
                let mut font = None;
                let mut i = 0;
                while i < glyphs.len() {
                    let (y, s) = (glyphs[i].y, slot_of(glyphs[i].gid));
                    if font != Some(s) {
                        c.name(s.name().0).real(*size, 3).op(b"Tf");
                        font = Some(s);
                    }
                    c.int(1).int(0).int(0).int(1);
                    c.at(glyphs[i].x).at(h - y).op(b"Tm");
                    c.tj_start();
                    let mut expected = glyphs[i].x;
                    bytes.clear();
                    while i < glyphs.len() && glyphs[i].y == y && slot_of(glyphs[i].gid) == s {
                        let g = &glyphs[i];
                        // In thousandths of an em; a tenth is far below a device pixel.
                        let adjust = ((expected - g.x) * 1000.0 / size * 10.0).round() / 10.0;
                        if adjust != 0.0 {
                            if !bytes.is_empty() {
                                c.tj_glyphs(&bytes);
                                bytes.clear();
                            }
                            c.tj_adjust(adjust);
                        }
                        bytes.extend_from_slice(&g.gid.to_be_bytes());
                        expected = g.x + f.advance(g.gid) * scale;
                        i += 1;
                    }
                    if !bytes.is_empty() {
                        c.tj_glyphs(&bytes);
                    }
                    c.tj_end();
                }
                c.op(b"ET");
            }
        }
    }
    if artifact {
        c.op(b"EMC");
    }
    c.finish()
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
            len += small(&mut line[len..], v);
            line[len] = b' ';
            len += 1;
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
            let cells = &dark[row * n..(row + 1) * n];
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

/// Writes `v` (under 1,000: a module count) in decimal at the start of `out`;
/// returns how many digits.
fn small(out: &mut [u8], v: u16) -> usize {
    let digits = [(v / 100) as u8, (v / 10 % 10) as u8, (v % 10) as u8];
    let skip = if v >= 100 {
        0
    } else if v >= 10 {
        1
    } else {
        2
    };
    for (o, d) in out.iter_mut().zip(&digits[skip..]) {
        *o = b'0' + d;
    }
    3 - skip
}
