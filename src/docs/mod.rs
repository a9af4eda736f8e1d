//! The office's documents, built on the typesetting engine: the registration receipt
//! (رسید ثبت نام), the exam-date slip (برگ اعلام زمان آزمون) and the certificate receipt.
//! Each applicant gets one page; many applicants make one multi-page PDF that shares
//! one font subset. Everything printed comes from the values handed in: no clock.

mod receipt;
mod report;
mod slip;
mod sms;

use crate::core::office::Office;
use crate::core::tariff::Stage;
use crate::core::text::to_persian_digits;
use crate::desk::charge::Receipt;
use crate::typeset::{Align, Area, Color, Dir, Document, Page, PageSize, Style};

pub use report::{ReportDoc, ReportLine, Split, render_report};
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

/// Renders documents as one PDF, one page each.
pub fn render(docs: &[Doc], size: PageSize) -> Vec<u8> {
    let mut pdf = Combined::new(&docs.first().map(title).unwrap_or_default(), size);
    for doc in docs {
        pdf.push(doc);
    }
    pdf.finish()
}

/// A recorded receipt's own PDF, as it prints: the exam-date slip for a card receipt.
/// The same bytes as `render` of `Doc::of` the receipt.
pub fn print(r: &Receipt, size: PageSize) -> Vec<u8> {
    render(&[Doc::of(r.clone())], size)
}

/// Many documents in one PDF, added one at a time: each page is laid out and
/// compressed as it comes, so a day's batch does not pile up in memory.
pub struct Combined {
    pdf: Document,
    size: PageSize,
}

impl Combined {
    pub fn new(title: &str, size: PageSize) -> Combined {
        let mut pdf = Document::new(title);
        if size.is_roll() {
            pdf.print_actual_size();
        }
        Combined { pdf, size }
    }

    pub fn push(&mut self, doc: &Doc) {
        if self.pdf.page_count() == 0 {
            // The document was made when its first receipt was.
            let r = match doc {
                Doc::Receipt(r) => r,
                Doc::Slip(s) => &s.receipt,
            };
            let (y, mo, d) = r.date.to_iso();
            let (h, mi) = r
                .time
                .split_once(':')
                .and_then(|(h, m)| Some((h.parse().ok()?, m.parse().ok()?)))
                .unwrap_or((0, 0));
            self.pdf.created(y as u16, mo.into(), d.into(), h, mi);
        }
        // A sheet's content must end inside its safe area (5 mm from the edge): long
        // values wrap, and if the page still runs over, the type is set smaller, down
        // to a floor. A roll grows with its content.
        let mut scale = 1.0;
        let page = loop {
            let mut page = Page::new(self.size);
            let bottom = match doc {
                Doc::Receipt(r) => receipt::draw(&mut page, r, scale),
                Doc::Slip(s) => slip::draw(&mut page, &s.receipt, scale),
            };
            let fits = bottom <= page.height() - SAFE;
            if self.size.is_roll() || fits || scale <= MIN_SCALE {
                break page;
            }
            scale -= 0.06;
        };
        self.pdf.push(page);
    }

    /// A recorded receipt as it prints: the exam-date slip for a card receipt.
    pub fn add(&mut self, r: &Receipt) {
        self.push(&Doc::of(r.clone()));
    }

    pub fn is_empty(&self) -> bool {
        self.pdf.page_count() == 0
    }

    pub fn finish(self) -> Vec<u8> {
        self.pdf.finish()
    }
}

/// The margin no printer is asked to print in: 5 mm.
pub const SAFE: f32 = 5.0 * 72.0 / 25.4;
/// The smallest a sheet's type is set to make a document fit: 70 % of its size.
const MIN_SCALE: f32 = 0.7;

/// Sizes and margins per paper.
pub(crate) struct Frame {
    pub margin: f32,
    pub base: f32,
    pub narrow: bool,
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
        match size {
            PageSize::A4 => Frame {
                margin: 42.0,
                base: 10.5,
                narrow: false,
            },
            PageSize::A5 => Frame {
                margin: 26.0,
                base: 8.5,
                narrow: false,
            },
            // Inside the printable width, with half a millimetre to spare on each
            // side; text no smaller than a thermal head prints (see `Page::ink`).
            PageSize::Roll80 | PageSize::Roll58 => Frame {
                margin: (size.width() - size.printable_width()) / 2.0 + 0.5 * 72.0 / 25.4,
                base: 7.5,
                narrow: true,
            },
        }
    }

    pub fn width(&self, page: &Page) -> f32 {
        page.width() - 2.0 * self.margin
    }

    pub fn area(&self, page: &Page, top: f32) -> Area {
        Area::new(self.margin, top, self.width(page))
    }
}

/// Persian digits for numbers inside Persian text.
pub(crate) fn fa(s: &str) -> String {
    to_persian_digits(s)
}

/// Free text (a venue, an address): Persian digits in Persian words, Latin digits
/// left in Latin ones (README's digit rule).
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
    let width = f.width(page);
    let area = |y| Area::new(f.margin, y, width);
    let a = area(y);
    y += page.paragraph(a, Style::bold(f.base * 1.7), Align::Center, Dir::Rtl, title);
    let name = office.name.as_deref().unwrap_or("دفتر پیشخوان خدمات دولت");
    let a = area(y);
    y += page.paragraph(a, Style::bold(f.base * 1.2), Align::Center, Dir::Rtl, name);
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
/// number on the right and `date_line` on the left. Returns the y below it.
pub(crate) fn head(page: &mut Page, f: &Frame, title: &str, r: &Receipt, date_line: &str) -> f32 {
    let mut y = header(page, f, f.margin, title, &r.office);
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
    y + f.base * 0.5
}

/// A thin full-width rule. Returns the y below it.
pub(crate) fn rule(page: &mut Page, f: &Frame, y: f32) -> f32 {
    let x2 = page.width() - f.margin;
    page.line(f.margin, y, x2, y, 0.6, Color::RULE);
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
    let a = f.area(page, y);
    if f.narrow {
        // Too narrow for two: one under the other, each wrapped to the width.
        let h = page.paragraph(a, style, Align::Right, Dir::Rtl, right);
        let a = f.area(page, y + h);
        return h + page.paragraph(a, style, Align::Right, Dir::Rtl, left);
    }
    page.text(a, style, Align::Right, Dir::Rtl, right);
    page.text(a, style, Align::Left, Dir::Rtl, left)
}

/// Signature boxes side by side (one under the other on a roll), labels inside at
/// the top. Returns the y below them.
pub(crate) fn signature_boxes(page: &mut Page, f: &Frame, top: f32, labels: &[&str]) -> f32 {
    let w = f.width(page);
    let gap = f.base;
    let h = f.base * 7.0;
    let style = Style::regular(f.base * 0.9).color(Color::GRAY);
    if f.narrow {
        let mut y = top;
        for label in labels {
            page.rect(f.margin, y, w, h, None, Some((0.6, Color::RULE)));
            page.text(
                Area::new(f.margin + 4.0, y + 2.0, w - 8.0),
                style,
                Align::Right,
                Dir::Rtl,
                label,
            );
            y += h + gap;
        }
        return y;
    }
    let n = labels.len() as f32;
    let bw = (w - gap * (n - 1.0)) / n;
    for (i, label) in labels.iter().enumerate() {
        // The first label is on the right.
        let x = page.width() - f.margin - (i as f32 + 1.0) * bw - i as f32 * gap;
        page.rect(x, top, bw, h, None, Some((0.6, Color::RULE)));
        page.text(
            Area::new(x + 4.0, top + 2.0, bw - 8.0),
            style,
            Align::Right,
            Dir::Rtl,
            label,
        );
    }
    top + h + gap
}

/// Ends the page: a roll is cut just below the content.
pub(crate) fn finish_page(page: &mut Page, f: &Frame, bottom: f32) -> f32 {
    page.set_roll_height(bottom + f.margin);
    bottom
}
