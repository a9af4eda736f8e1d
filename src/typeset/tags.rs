//! The logical structure of pages, for a tagged PDF: paragraphs and tables (rows of
//! cells), each paragraph or cell one marked-content sequence on its page. Written as
//! a structure tree in object streams (see `objstm`).

use pdf_writer::{Pdf, Ref};

use super::objstm::{Packer, number};

/// An element of a page's structure.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Elem {
    /// A paragraph: its marked content.
    P(Marked),
    /// Rows of cells.
    Table(Vec<Vec<Marked>>),
}

/// A paragraph's or a cell's marked content: its id (MCID), whether it is a header
/// cell (`TH`), and its logical text when a reader could not get it from the glyphs.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Marked {
    pub mcid: i32,
    pub header: bool,
    /// A document's own text (a name, a number), not its template's.
    pub data: bool,
    pub actual: Option<Box<str>>,
}

/// The text a reader should take for `text` as drawn: right-to-left letters are
/// drawn in visual order (as PDF text extractors expect to reorder them), so a
/// reader that follows the drawing order through the tags gets them backwards.
/// Such a text carries its logical order as the element's `/ActualText`.
fn actual_text(text: &str) -> Option<Box<str>> {
    let rtl = |c: char| matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FEFC}');
    let control = crate::core::text::is_bidi_control;
    if !text.chars().any(rtl) {
        return None;
    }
    Some(if text.chars().any(control) {
        text.chars()
            .filter(|c| !control(*c))
            .collect::<String>()
            .into()
    } else {
        text.into()
    })
}

/// A page's elements as they are drawn.
#[derive(Clone, Debug, Default)]
pub(super) struct Tags {
    pub elems: Vec<Elem>,
    next: i32,
}

/// How far the tags had got, for taking back a block (see `Page::rollback`).
#[derive(Clone, Copy, Debug)]
pub(super) struct TagMark {
    elems: usize,
    rows: usize,
    next: i32,
}

impl Tags {
    /// A paragraph of `text` starts; returns its MCID.
    pub fn paragraph(&mut self, text: &str, data: bool) -> i32 {
        let mcid = self.take();
        self.elems.push(Elem::P(Marked {
            mcid,
            header: false,
            data,
            actual: actual_text(text),
        }));
        mcid
    }

    /// A table starts, or, when `more` and the last element is a table, goes on (a
    /// table drawn a few rows at a time).
    pub fn table(&mut self, more: bool) {
        if !(more && matches!(self.elems.last(), Some(Elem::Table(_)))) {
            self.elems.push(Elem::Table(Vec::new()));
        }
    }

    pub fn row(&mut self) {
        if let Some(Elem::Table(rows)) = self.elems.last_mut() {
            rows.push(Vec::new());
        }
    }

    /// The next cell of the current row starts (a header cell when `header`);
    /// returns its MCID.
    pub fn cell(&mut self, text: &str, header: bool, data: bool) -> i32 {
        let mcid = self.take();
        if let Some(Elem::Table(rows)) = self.elems.last_mut()
            && let Some(row) = rows.last_mut()
        {
            row.push(Marked {
                mcid,
                header,
                data,
                actual: actual_text(text),
            });
        }
        mcid
    }

    fn take(&mut self) -> i32 {
        self.next += 1;
        self.next - 1
    }

    pub fn mark(&self) -> TagMark {
        TagMark {
            elems: self.elems.len(),
            rows: match self.elems.last() {
                Some(Elem::Table(rows)) => rows.len(),
                _ => 0,
            },
            next: self.next,
        }
    }

    pub fn rollback(&mut self, m: TagMark) {
        self.elems.truncate(m.elems);
        if let Some(Elem::Table(rows)) = self.elems.last_mut() {
            rows.truncate(m.rows);
        }
        self.next = m.next;
    }
}

fn r(out: &mut Vec<u8>, id: Ref) {
    number(out, id.get() as usize);
    out.extend_from_slice(b" 0 R");
}

fn refs(out: &mut Vec<u8>, ids: impl Iterator<Item = Ref>) {
    out.push(b'[');
    for (i, id) in ids.enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        r(out, id);
    }
    out.push(b']');
}

/// A text string: UTF-16BE after its byte-order mark, as a literal.
fn text_string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"(\xFE\xFF".as_slice());
    let mut units = [0u16; 2];
    for c in text.chars() {
        for u in c.encode_utf16(&mut units) {
            for b in u.to_be_bytes() {
                if matches!(b, b'(' | b')' | b'\\' | b'\r') {
                    out.push(b'\\');
                }
                out.push(b);
            }
        }
    }
    out.push(b')');
}

/// A structure element: its role, parent, page, kids (an MCID or elements) and the
/// text it stands for, if given.
fn elem(
    out: &mut Vec<u8>,
    role: &[u8],
    parent: Ref,
    page: Option<Ref>,
    kids: Kids,
    actual: Option<&str>,
) {
    out.extend_from_slice(b"<</S/");
    out.extend_from_slice(role);
    out.extend_from_slice(b"/P ");
    r(out, parent);
    if let Some(text) = actual {
        out.extend_from_slice(b"/ActualText");
        text_string(out, text);
    }
    if let Some(page) = page {
        out.extend_from_slice(b"/Pg ");
        r(out, page);
    }
    out.extend_from_slice(b"/K");
    match kids {
        Kids::Mcid(m) => {
            out.push(b' ');
            number(out, m as usize);
        }
        Kids::Elems(ids) => refs(out, ids.iter().copied()),
    }
    out.extend_from_slice(b">>");
}

enum Kids<'a> {
    Mcid(i32),
    Elems(&'a [Ref]),
}

/// Writes the structure tree of `pages` (each page's id and elements) and returns
/// its root. A Document element holds every page's paragraphs and tables; the parent
/// tree leads from each page's MCIDs back to their elements (page `i` is key `i`).
pub(super) fn write_tree(
    pdf: &mut Pdf,
    next: &mut impl FnMut() -> Ref,
    pages: &[(Ref, &[Elem])],
    packer: &mut Packer,
) -> Ref {
    let root = next();
    let document = next();
    let mut top = Vec::new();
    let mut parents = Vec::new();
    let mut o = Vec::with_capacity(256);
    let mut owners: Vec<(i32, Ref)> = Vec::new();
    let mut ids = Vec::new();
    for &(page, elems) in pages {
        // The element of each MCID, by MCID (they are numbered in drawing order).
        owners.clear();
        for e in elems {
            let id = next();
            top.push(id);
            match e {
                Elem::P(m) => {
                    let actual = m.actual.as_deref();
                    elem(
                        &mut o,
                        b"P",
                        document,
                        Some(page),
                        Kids::Mcid(m.mcid),
                        actual,
                    );
                    packer.add(pdf, next, (id, m.data), &o);
                    o.clear();
                    owners.push((m.mcid, id));
                }
                Elem::Table(rows) => {
                    let mut row_ids = Vec::with_capacity(rows.len());
                    for cells in rows {
                        let row = next();
                        ids.clear();
                        for m in cells {
                            let cell = next();
                            let role: &[u8] = if m.header { b"TH" } else { b"TD" };
                            let (kids, actual) = (Kids::Mcid(m.mcid), m.actual.as_deref());
                            elem(&mut o, role, row, Some(page), kids, actual);
                            packer.add(pdf, next, (cell, m.data), &o);
                            o.clear();
                            owners.push((m.mcid, cell));
                            ids.push(cell);
                        }
                        elem(&mut o, b"TR", id, Some(page), Kids::Elems(&ids), None);
                        packer.add(pdf, next, (row, false), &o);
                        o.clear();
                        row_ids.push(row);
                    }
                    let kids = Kids::Elems(&row_ids);
                    elem(&mut o, b"Table", document, Some(page), kids, None);
                    packer.add(pdf, next, (id, false), &o);
                    o.clear();
                }
            }
        }
        owners.sort_unstable_by_key(|(mcid, _)| *mcid);
        let array = next();
        refs(&mut o, owners.iter().map(|(_, id)| *id));
        packer.add(pdf, next, (array, false), &o);
        o.clear();
        parents.push(array);
    }
    elem(&mut o, b"Document", root, None, Kids::Elems(&top), None);
    packer.add(pdf, next, (document, false), &o);
    o.clear();
    o.extend_from_slice(b"<</Type/StructTreeRoot/K ");
    r(&mut o, document);
    o.extend_from_slice(b"/ParentTree<</Nums[");
    for (i, array) in parents.iter().enumerate() {
        number(&mut o, i);
        o.push(b' ');
        r(&mut o, *array);
        o.push(b' ');
    }
    o.extend_from_slice(b"]>>/ParentTreeNextKey ");
    number(&mut o, parents.len());
    o.extend_from_slice(b">>");
    packer.add(pdf, next, (root, false), &o);
    root
}
