//! The proof of every receipt and slip, printed with its signature boxes: a QR code
//! of the receipt's proof line (`PK1|office|number|date|office_total|tvto_total|hash`)
//! and beside it the tariff schedule the receipt was priced under. `pishkhan
//! verify` checks the line against the office's ledger.

use super::qr::{Code, code};
use super::{Frame, Receipt, fa_text};
use crate::typeset::{Align, Area, Dir, MM, Page, PageSize, Style, measure};

/// The smallest side of the code: 20 mm, which a phone reads from a hand's length.
/// Codes on sheets are larger (see [`cell`]).
const MIN_SIDE: f32 = 20.0 * MM;

/// The clear margin a reader needs around the code, in modules.
const QUIET: f32 = 4.0;

/// A module's side on `size`: the code at least [`MIN_SIDE`] across; on a sheet, a
/// module at least three dots of a 100-dpi scan (more on A4, which has the room), so
/// a modest scanner or a phone at arm's length reads it; on a roll, a whole number
/// of the head's dots, six at the least (0.75 mm).
fn cell(size: PageSize, n: usize) -> f32 {
    let least = MIN_SIDE / n as f32;
    let cell = match (size, size.dot()) {
        (_, Some(dot)) => (least.max(0.74 * MM) / dot).ceil() * dot,
        (PageSize::A4, None) => least.max(0.85 * MM),
        (_, None) => least.max(0.76 * MM),
    };
    // Up to the ten-thousandth of a point the content stream writes.
    (cell * 1e4).ceil() / 1e4
}

/// `v` on the head's dot grid (unchanged on a sheet).
fn snapped(size: PageSize, v: f32) -> f32 {
    match size.dot() {
        Some(dot) => (v / dot).round() * dot,
        None => v,
    }
}

/// What a document prints of its proof: the code, when the ledger has given the
/// receipt its number and place in the chain, and its words.
pub(super) struct Block {
    code: Option<Code>,
    words: [String; 3],
}

impl Block {
    pub fn of(r: &Receipt) -> Block {
        Block {
            code: crate::desk::proof::line_of(r).and_then(|l| code(&l)),
            words: [
                "رمزینهٔ اصالت رسید".into(),
                "تعرفهٔ اعمال‌شده:".into(),
                // An identifier: Latin digits in its Latin words (the digit rule).
                format!("جدول \u{2066}{}\u{2069}", fa_text(&r.schedule_id)),
            ],
        }
    }

    fn styles(f: &Frame) -> [Style; 3] {
        let small = Style::regular(f.base * 0.8);
        [Style::bold(f.base * 0.9), small, small]
    }

    /// On a sheet, at the left of the signature boxes' row from `top`: the code, its
    /// words to its left. Returns the width taken, the gap to the boxes included,
    /// and the bottom.
    pub fn beside(&self, page: &mut Page, f: &Frame, top: f32) -> (f32, f32) {
        let styles = Self::styles(f);
        let widest = self
            .words
            .iter()
            .zip(styles)
            .map(|(w, s)| measure(s.font, s.size, w, Dir::Rtl))
            .fold(0.0, f32::max);
        // What wrapping measures may round a hair wider.
        let widest = (widest + 1.0).min(f.width * 0.3);
        let gap = f.base;
        let mut taken = widest + gap;
        let mut bottom = top;
        if let Some(m) = &self.code {
            let cell = cell(page.size(), m.n);
            let (side, quiet) = (cell * m.n as f32, QUIET * cell);
            let x = f.margin + widest + quiet;
            // Clear of the sentence above by its whole quiet zone.
            page.modules(x, top + quiet, cell, m.n, &m.dark);
            taken = widest + quiet + side + quiet.max(gap);
            bottom = top + quiet + side + quiet;
        }
        let mut y = top;
        for (w, s) in self.words.iter().zip(styles) {
            y += page.paragraph(Area::new(f.margin, y, widest), s, Align::Right, Dir::Rtl, w);
        }
        (taken, bottom.max(y))
    }

    /// The width the code takes on a roll with its quiet zone on either side (0
    /// without a code).
    pub fn roll_width(&self, size: PageSize) -> f32 {
        self.code
            .as_ref()
            .map_or(0.0, |m| cell(size, m.n) * (m.n as f32 + 2.0 * QUIET))
    }

    /// On a roll wide enough, at the left of the signature boxes from `top`: the
    /// code, its quiet zone clear, its words under it. Returns the width taken and
    /// the bottom.
    pub fn left(&self, page: &mut Page, f: &Frame, top: f32) -> (f32, f32) {
        let size = page.size();
        let taken = self.roll_width(size);
        let mut y = top;
        if let Some(m) = &self.code {
            let cell = cell(size, m.n);
            let quiet = QUIET * cell;
            let x = snapped(size, f.margin + quiet);
            let at = snapped(size, top + quiet);
            page.modules(x, at, cell, m.n, &m.dark);
            y = at + cell * m.n as f32 + quiet;
        }
        let [label, small, _] = Self::styles(f);
        let area = Area::new(f.margin, y, taken.max(f.width * 0.3));
        y += page.paragraph(area, label, Align::Center, Dir::Rtl, &self.words[0]);
        let schedule = format!("{} {}", self.words[1], self.words[2]);
        let area = Area::new(f.margin, y, area.w);
        y += page.paragraph(area, small, Align::Center, Dir::Rtl, &schedule);
        (area.w, y)
    }

    /// On a roll, above the signature boxes from `top`: the code centred, its quiet
    /// zone clear, its words under it. Returns the bottom.
    pub fn above(&self, page: &mut Page, f: &Frame, top: f32) -> f32 {
        let size = page.size();
        let mut y = top;
        if let Some(m) = &self.code {
            let cell = cell(size, m.n);
            let (side, quiet) = (cell * m.n as f32, QUIET * cell);
            let x = snapped(size, f.margin + (f.width - side) / 2.0);
            let at = snapped(size, top + quiet);
            page.modules(x, at, cell, m.n, &m.dark);
            y = at + side + quiet;
        }
        let [label, small, _] = Self::styles(f);
        y += page.paragraph(f.area(y), label, Align::Center, Dir::Rtl, &self.words[0]);
        let schedule = format!("{} {}", self.words[1], self.words[2]);
        y += page.paragraph(f.area(y), small, Align::Center, Dir::Rtl, &schedule);
        y + f.base * 0.6
    }
}
