//! The office's documents, built on the typesetting engine: the registration receipt
//! (رسید ثبت‌نام), the exam-date slip (برگ اعلام زمان آزمون) and the certificate receipt.
//! Each applicant gets one page; many applicants make one multi-page PDF that shares
//! one font subset. Everything printed comes from the values handed in: no clock.

mod proof;
mod qr;
mod reading;
mod receipt;
mod report;
mod slip;
mod sms;

use crate::core::office::Office;
use crate::core::tariff::Stage;
pub(crate) use crate::core::text::fa;
use crate::core::text::to_persian_digits;
use crate::desk::charge::Receipt;
use crate::typeset::{
    Align, Area, Cell, Color, Dir, Document, Flow, MM, Overflow, Page, PageSize, SAFE, Style,
    Table, measure,
};
use proof::Block;

pub use qr::{Code, code as qr_code};
pub use reading::{Claimed, is_reprint, read_claims};
pub use report::{ReportError, render_report};
pub use sms::{SMS_LIMIT, Sms, sms_text};

/// The exam-date slip, handed over with the applicant's confirmation; it charges
/// service line 5, whose receipt data it carries.
#[derive(Clone, Debug)]
pub struct Slip {
    pub receipt: Receipt,
}

pub enum Doc {
    Receipt(Receipt),
    Slip(Slip),
}

impl Doc {
    /// The document a receipt prints as: the exam-date slip for a card receipt.
    pub fn of(receipt: Receipt) -> Doc {
        match receipt.kind {
            Stage::Card => Doc::Slip(Slip { receipt }),
            _ => Doc::Receipt(receipt),
        }
    }
}

/// A document's title: what it is and its number.
fn title(doc: &Doc) -> String {
    match doc {
        Doc::Receipt(r) => format!("{} {}", receipt::title_fa(r.kind), r.number),
        Doc::Slip(s) => format!("برگ اعلام زمان آزمون {}", s.receipt.number),
    }
}

/// Renders documents as one PDF, one page each (two for a document too long for one
/// sheet), or says what could not be laid out inside the paper.
pub fn render(docs: &[Doc], size: PageSize) -> Result<Vec<u8>, Overflow> {
    let mut pdf = Combined::new(&docs.first().map(title).unwrap_or_default(), size);
    for doc in docs {
        pdf.push(doc)?;
    }
    Ok(pdf.finish())
}

/// What to tell the clerk when receipt `number`'s document cannot be laid out
/// inside the paper (nothing was written for it).
pub fn unfit(number: &str, o: &Overflow) -> String {
    format!(
        "رسید {} در کاغذ جا نمی‌شود / the document of receipt {number} does not fit the paper: {o}",
        to_persian_digits(number)
    )
}

/// A recorded receipt's own PDF, as it prints: the exam-date slip for a card receipt.
/// The same bytes as `render` of `Doc::of` the receipt.
pub fn print(r: &Receipt, size: PageSize) -> Result<Vec<u8>, Overflow> {
    render(&[Doc::of(r.clone())], size)
}

/// Many documents in one PDF, added one at a time: each page is laid out and
/// compressed as it comes, so a day's batch does not pile up in memory.
pub struct Combined {
    pdf: Document,
    size: PageSize,
    /// The proof lines of the documents, for the document information.
    proofs: String,
}

/// The document information entry that holds the proof lines of a PDF's
/// documents (separated by spaces), which `pishkhan verify` reads.
pub const PROOF_KEY: &str = "PishkhanProof";

/// The document information entry that says which layout of pishkhan's documents a
/// PDF has. A PDF naming this layout must be, byte for byte, what the ledger
/// reprints; one naming an older layout, or none, was printed by an earlier pishkhan,
/// whose layout this build cannot make again, and is checked by its proof lines only.
/// Raised whenever documents print differently (3: bidi per paragraph, QR codes
/// sized to their room, logical text in the tags; 4: roll layouts made for rolls,
/// tables and the signature row of a sheet closer; 5: the same pages in two content
/// streams, the template's then the data's, so that a run compresses its template
/// once and a print run's pages share it).
pub const LAYOUT_KEY: &str = "PishkhanLayout";
pub const LAYOUT: &str = "5";

/// The titles of print runs (`--combined`) of each charging command.
pub const RUN_TITLES: [&str; 3] = [
    "رسیدهای ثبت‌نام",
    "برگ‌های اعلام زمان آزمون",
    "رسیدهای پرداخت هزینه گواهینامه",
];

impl Combined {
    pub fn new(title: &str, size: PageSize) -> Combined {
        let mut pdf = Document::new(title);
        if size.is_roll() {
            pdf.print_actual_size();
        }
        Combined {
            pdf,
            size,
            proofs: String::new(),
        }
    }

    /// A print run: no structure tree (see `Document::untagged`); each receipt's
    /// own PDF has one.
    pub fn print_run(mut self) -> Combined {
        self.pdf.untagged();
        self
    }

    /// Adds a document's pages; a document that cannot be laid out inside the paper
    /// adds nothing.
    pub fn push(&mut self, doc: &Doc) -> Result<(), Overflow> {
        let r = match doc {
            Doc::Receipt(r) => r,
            Doc::Slip(s) => &s.receipt,
        };
        let pages = lay_out(doc, self.size);
        if self.pdf.page_count() == 0 {
            // The document was made when its first receipt was.
            let (y, mo, d) = r.date.to_iso();
            let (h, mi) = r
                .time
                .split_once(':')
                .and_then(|(h, m)| Some((h.parse().ok()?, m.parse().ok()?)))
                .unwrap_or((0, 0));
            self.pdf.created(y as u16, mo.into(), d.into(), h, mi);
        }
        // Checked whole: a document that does not fit adds no page.
        self.pdf.push_all(pages)?;
        if let Some(line) = crate::desk::proof::line_of(r) {
            if !self.proofs.is_empty() {
                self.proofs.push(' ');
            }
            self.proofs.push_str(&line);
        }
        Ok(())
    }

    /// A recorded receipt as it prints: the exam-date slip for a card receipt.
    pub fn add(&mut self, r: &Receipt) -> Result<(), Overflow> {
        self.push(&Doc::of(r.clone()))
    }

    pub fn is_empty(&self) -> bool {
        self.pdf.page_count() == 0
    }

    pub fn finish(mut self) -> Vec<u8> {
        if !self.proofs.is_empty() {
            self.pdf.info(PROOF_KEY, &self.proofs);
            self.pdf.info(LAYOUT_KEY, LAYOUT);
        }
        self.pdf.finish()
    }
}

/// A document's pages. A sheet's content must end inside its safe area (5 mm from the
/// edge): long values wrap; if the page still runs over, the type is set smaller,
/// down to a floor; if it still does not fit, the document flows onto a second
/// sheet, the signature boxes kept whole, each sheet numbered. A roll grows with
/// its content.
fn lay_out(doc: &Doc, size: PageSize) -> Vec<Page> {
    // The proof's code is made once, whatever sizes the document is tried at.
    let receipt = match doc {
        Doc::Receipt(r) => r,
        Doc::Slip(s) => &s.receipt,
    };
    let proof = proof::Block::of(receipt);
    let draw = |flow: &mut Flow, f: &Frame| match doc {
        Doc::Receipt(r) => receipt::draw(flow, f, r, &proof),
        Doc::Slip(s) => slip::draw(flow, f, &s.receipt, &proof),
    };
    let Some(height) = size.height() else {
        let f = Frame::of(size);
        let mut flow = Flow::new(size, ROLL_END, None);
        draw(&mut flow, &f);
        let bottom = flow.y() + ROLL_END;
        let mut pages = flow.into_pages();
        pages[0].set_roll_height(bottom);
        return pages;
    };
    // The type sizes tried, largest first; the largest that fits is the one. A
    // batch's documents of one kind mostly fit at the same size: that one is drawn
    // first, and only measured dry at the larger sizes, which its document may
    // still fit (a shorter name): the same choice, without drawing every try.
    let key = (usize::from(size == PageSize::A4), kind_of(doc));
    let guess = FITTED.with(|f| f.get()[key.0][key.1]);
    for (i, scale) in scales().enumerate() {
        let f = Frame::of(size).scaled(scale);
        if i != guess {
            let mut dry = Flow::dry(size, f.margin, None);
            draw(&mut dry, &f);
            if dry.y() > height - SAFE {
                continue;
            }
        }
        let mut flow = Flow::new(size, f.margin, None);
        draw(&mut flow, &f);
        if flow.y() <= height - SAFE {
            FITTED.with(|f| {
                let mut seen = f.get();
                seen[key.0][key.1] = i;
                f.set(seen);
            });
            return flow.into_pages();
        }
        debug_assert_eq!(i, guess, "a dry flow measures as a drawn one");
    }
    let f = Frame::of(size).scaled(MIN_SCALE);
    let number = Style::regular(f.base * 0.9);
    // A line and the font's descent below it.
    let band = number.size * 2.0;
    // The code's quiet zone (4 modules of at most 0.95 mm) clear of the page number
    // under it, when the code ends a sheet: a block's height stops at its ink.
    let mut flow = Flow::new(size, f.margin, Some(height - SAFE - band - 4.0 * MM));
    let continued = format!("ادامهٔ {} — شماره {}", title_of(doc), ltr(&number_of(doc)));
    let (margin, w) = (f.margin, f.width);
    let heading = Style::bold(f.base);
    flow.heading(move |page, y| {
        let a = Area::new(margin, y, w);
        page.paragraph(a, heading, Align::Right, Dir::Rtl, &continued) + heading.size
    });
    draw(&mut flow, &f);
    let mut pages = flow.into_pages();
    let n = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        let label = format!("صفحه {} از {}", fa(i + 1), fa(n));
        let a = Area::new(f.margin, height - SAFE - band, f.width);
        page.text(a, number, Align::Center, Dir::Rtl, &label);
    }
    pages
}

/// The type sizes a sheet's document is tried at: its own, then 6 % smaller at a time
/// down to [`MIN_SCALE`].
fn scales() -> impl Iterator<Item = f32> {
    std::iter::successors(Some(1.0f32), |s| Some(s - 0.06)).take_while(|s| *s >= MIN_SCALE - 0.001)
}

thread_local! {
    /// Per sheet (A5, A4) and kind of document, the index in [`scales`] of the size
    /// the last document fitted at: where the next one starts.
    static FITTED: std::cell::Cell<[[usize; 4]; 2]> = const { std::cell::Cell::new([[0; 4]; 2]) };
}

/// The kind of document, for [`FITTED`].
fn kind_of(doc: &Doc) -> usize {
    match doc {
        Doc::Receipt(r) => match r.kind {
            Stage::Registration => 0,
            Stage::Card => 1,
            Stage::Certificate => 2,
        },
        Doc::Slip(_) => 3,
    }
}

fn title_of(doc: &Doc) -> &'static str {
    match doc {
        Doc::Receipt(r) => receipt::title_fa(r.kind),
        Doc::Slip(_) => slip::TITLE,
    }
}

fn number_of(doc: &Doc) -> String {
    match doc {
        Doc::Receipt(r) => r.number.clone(),
        Doc::Slip(s) => s.receipt.number.clone(),
    }
}

/// The blank paper at either end of a roll document: little, as the printer feeds
/// its own between the head and the cutter.
const ROLL_END: f32 = 2.0 * MM;

/// The smallest a sheet's type is set to make a document fit: 70 % of its size.
const MIN_SCALE: f32 = 0.7;

/// Sizes and margins per paper.
#[derive(Clone, Copy)]
pub(crate) struct Frame {
    pub margin: f32,
    pub base: f32,
    pub narrow: bool,
    /// Between the margins.
    pub width: f32,
    pub paper: PageSize,
}

impl Frame {
    /// The frame with its type at `k` of its size (margins as they are).
    pub fn scaled(self, k: f32) -> Frame {
        Frame {
            base: self.base * k,
            ..self
        }
    }

    pub fn of(size: PageSize) -> Frame {
        let (margin, base, narrow) = match size {
            PageSize::A4 => (42.0, 10.5, false),
            PageSize::A5 => (26.0, 8.5, false),
            // Inside the printable width, with half a millimetre to spare on each
            // side; text no smaller than a thermal head prints (see `Page::ink`).
            PageSize::Roll80 | PageSize::Roll58 => (
                (size.width() - size.printable_width()) / 2.0 + 0.5 * MM,
                7.5,
                true,
            ),
        };
        Frame {
            margin,
            base,
            narrow,
            width: size.width() - 2.0 * margin,
            paper: size,
        }
    }

    /// The right edge of the content: where a right-to-left table starts.
    pub fn right(&self) -> f32 {
        self.margin + self.width
    }

    pub fn area(&self, top: f32) -> Area {
        Area::new(self.margin, top, self.width)
    }
}

/// On a roll, the width of a label column that holds each of `labels` on one line
/// (the values wrap instead), at most 45 % of the frame: as `style` prints there.
pub(crate) fn label_width<'a>(
    f: &Frame,
    style: Style,
    pad: f32,
    labels: impl Iterator<Item = &'a str>,
) -> f32 {
    let size = Page::printed_size(f.paper, style.size);
    let widest = labels
        .map(|l| measure(style.font, size, l, Dir::Rtl))
        .fold(0.0, f32::max);
    (widest + 2.0 * pad + 1.0).min(f.width * 0.45)
}

/// A label and its value as a row of a two-column table whose value column is
/// `value_w` wide. On a roll, where type cannot shrink below what the head prints, a
/// value with a word wider than its column gets a row of its own across the table,
/// under its label, rather than be broken between letters.
pub(crate) fn labelled(t: &mut Table, f: &Frame, value_w: f32, label: Cell, value: Cell) {
    let avail = value_w - 2.0 * t.padding;
    let widest = value
        .text
        .split_whitespace()
        .map(|w| measure(value.style.font, value.style.size, w, value.dir))
        .fold(0.0, f32::max);
    let label = label.header();
    if f.narrow && widest > avail {
        t.row(vec![label.span(2)]);
        t.row(vec![value.span(2)]);
    } else {
        t.row(vec![label, value]);
    }
}

/// The space between a document's parts: less on a roll, where it is paper.
pub(crate) fn part_gap(f: &Frame) -> f32 {
    f.base * if f.narrow { 0.6 } else { 1.0 }
}

/// A paragraph across the frame, kept whole on one page.
pub(crate) fn para(flow: &mut Flow, f: &Frame, style: Style, text: &str) {
    flow.block(|page, y| page.paragraph(f.area(y), style, Align::Right, Dir::Rtl, text));
}

/// Free text (a venue, an address): Persian digits in Persian words, Latin digits
/// left in Latin ones (the digit rule of docs/documents.md).
pub(crate) fn fa_text(s: &str) -> String {
    crate::core::text::digits_for_text(s)
}

/// An identifier (receipt number, phone, letter number) in Persian digits, kept in
/// left-to-right order inside Persian text by a bidi isolate: otherwise the bidi
/// algorithm turns `025-3291-0000` into `0000-3291-025` after a Persian word.
pub(crate) fn ltr(s: &str) -> String {
    format!("\u{2066}{}\u{2069}", to_persian_digits(s))
}

/// The office header: title, office name, code, phone and address. Returns the y
/// below it.
pub(crate) fn header(page: &mut Page, f: &Frame, top: f32, title: &str, office: &Office) -> f32 {
    let mut y = top;
    let area = |y| f.area(y);
    let a = area(y);
    // On a roll, sizes that keep a title and a usual office name on one line each.
    let (title_k, name_k) = if f.narrow { (1.55, 1.1) } else { (1.7, 1.2) };
    y += page.paragraph(
        a,
        Style::bold(f.base * title_k),
        Align::Center,
        Dir::Rtl,
        title,
    );
    let name = office.name.as_deref().unwrap_or("دفتر پیشخوان خدمات دولت");
    let a = area(y);
    y += page.paragraph(
        a,
        Style::bold(f.base * name_k),
        Align::Center,
        Dir::Rtl,
        name,
    );
    let mut details = Vec::new();
    if let Some(code) = &office.code {
        details.push(format!("کد دفتر: {}", ltr(code)));
    }
    if let Some(phone) = &office.phone {
        details.push(format!("تلفن: {}", ltr(phone)));
    }
    if let Some(address) = &office.address {
        details.push(format!("نشانی: {address}"));
    }
    if !details.is_empty() {
        let a = area(y);
        y += page.paragraph(
            a,
            Style::regular(f.base * 0.9).color(Color::GRAY),
            Align::Center,
            Dir::Rtl,
            &details.join(" — "),
        );
    }
    y + f.base * 0.4
}

/// The top of a document: the office header under `title`, a rule, then the receipt
/// number on the right and `date_line` on the left.
pub(crate) fn head(flow: &mut Flow, f: &Frame, title: &str, r: &Receipt, date_line: &str) {
    flow.block(|page, top| {
        let mut y = header(page, f, top, title, &r.office);
        y = rule(page, f, y);
        // The number, date and time change with every receipt: data.
        y += pair_line(
            page,
            f,
            y,
            Style::bold(f.base).data(),
            &format!("شماره رسید: {}", ltr(&r.number)),
            date_line,
        );
        y + f.base * if f.narrow { 0.3 } else { 0.5 } - top
    });
}

/// A thin full-width rule. Returns the y below it.
pub(crate) fn rule(page: &mut Page, f: &Frame, y: f32) -> f32 {
    page.line(f.margin, y, f.right(), y, 0.6, Color::RULE);
    y + f.base * 0.6
}

/// Two texts on one line: one at the right edge, one at the left. Returns the height.
pub(crate) fn pair_line(
    page: &mut Page,
    f: &Frame,
    y: f32,
    style: Style,
    right: &str,
    left: &str,
) -> f32 {
    let a = f.area(y);
    if f.narrow {
        // Too narrow for two: one under the other, each wrapped to the width.
        let h = page.paragraph(a, style, Align::Right, Dir::Rtl, right);
        let a = f.area(y + h);
        return h + page.paragraph(a, style, Align::Right, Dir::Rtl, left);
    }
    page.text(a, style, Align::Right, Dir::Rtl, right);
    page.text(a, style, Align::Left, Dir::Rtl, left)
}

/// Signature boxes, labels inside at the top, kept together on one page with the
/// receipt's proof. On a sheet the boxes stand side by side, the QR code and its words
/// at their left. On an 80 mm roll (with a plain proof line) the code stands at the
/// left with its words under it, the boxes one under the other at its right, each
/// keeping its [`STAMP`] for a stamp. On a 58 mm roll the code's words are at its right
/// (under it when a long signed line leaves them no room) and the boxes side by side
/// under both: paper is what a roll spends.
fn signature_boxes(flow: &mut Flow, f: &Frame, proof: &Block, labels: &[&str]) {
    // Clear of the text above; where the code comes first, its quiet zone is.
    let gap = f.base * 0.8;
    flow.block(|page, top| {
        if f.narrow {
            let left = proof.left_width(page.size(), f);
            let rest = f.width - left;
            if rest >= STAMP {
                let code = proof.code_left(page, f, top + gap);
                let end = boxes(page, f, top + gap, labels, rest, true);
                // The words under the boxes where a tall code leaves them room
                // there, else under the code.
                let column = (f.right() - rest, rest);
                let below = if proof.words_if_above(page, f, column, end + f.base * 0.6, code) {
                    code
                } else {
                    proof.words_under(page, f, code, f.margin, left) + f.base * 0.6
                };
                return end.max(below) - top;
            }
            // A long signed line's code leaves its words no column: they go under it.
            let y = if proof.leaves_words_room(page.size(), f) {
                proof.words_right(page, f, top) + f.base * 0.6
            } else {
                proof.above(page, f, top)
            };
            return boxes(page, f, y, labels, f.width, false) - top;
        }
        let (taken, bottom) = proof.beside(page, f, top, gap);
        boxes(page, f, top + gap, labels, f.width - taken, false).max(bottom) - top
    });
}

/// The least width of a box beside the code on a roll: room for most of a stamp.
const STAMP: f32 = 28.0 * MM;

/// The boxes in the `w` at the right of the frame, from `top`: side by side, or
/// `stacked` one under the other (where the first, the stamp's, is the taller).
/// Returns the y below them.
fn boxes(page: &mut Page, f: &Frame, top: f32, labels: &[&str], w: f32, stacked: bool) -> f32 {
    let gap = f.base;
    // On a roll a little lower: a signature and most of a stamp still fit.
    let h = f.base * if f.narrow { 6.5 } else { 7.0 };
    let style = Style::regular(f.base * 0.9).color(Color::GRAY);
    let n = labels.len() as f32;
    let mut y = top;
    for (i, label) in labels.iter().enumerate() {
        let (x, bw, bh) = if stacked {
            let bh = if i == 0 { h } else { h * 0.7 };
            (f.right() - w, w, bh)
        } else {
            // The first label is on the right.
            let bw = (w - gap * (n - 1.0)) / n;
            (f.right() - (i as f32 + 1.0) * bw - i as f32 * gap, bw, h)
        };
        page.rect(x, y, bw, bh, None, Some((0.6, Color::RULE)));
        // A label too long for a narrow box wraps inside it.
        let a = Area::new(x + 4.0, y + 2.0, bw - 8.0);
        page.paragraph(a, style, Align::Right, Dir::Rtl, label);
        if stacked {
            y += bh + gap;
        }
    }
    // The boxes end the document: no gap after them.
    if stacked { y - gap } else { top + h }
}
