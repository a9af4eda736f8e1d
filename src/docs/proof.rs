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

    /// On an 80 mm roll, the width the code and its words take at the left of the
    /// signature boxes: the code with its quiet zone either side, or 30 % of the
    /// frame for the words.
    pub fn left_width(&self, size: PageSize, f: &Frame) -> f32 {
        let code = self
            .code
            .as_ref()
            .map_or(0.0, |m| cell(size, m.n) * (m.n as f32 + 2.0 * QUIET));
        code.max(f.width * 0.3)
    }

    /// On a roll wide enough, at the left of the signature boxes from `top`: the
    /// code, its quiet zone clear, its words under it. Returns the bottom.
    pub fn left(&self, page: &mut Page, f: &Frame, top: f32) -> f32 {
        let w = self.left_width(page.size(), f);
        self.on_roll(page, f, top, w, |_, quiet| f.margin + quiet)
    }

    /// On a roll, above the signature boxes from `top`: the code centred, its quiet
    /// zone clear, its words under it. Returns the bottom.
    pub fn above(&self, page: &mut Page, f: &Frame, top: f32) -> f32 {
        let x = |side, _| f.margin + (f.width - side) / 2.0;
        self.on_roll(page, f, top, f.width, x) + f.base * 0.6
    }

    /// The code from `top` at the left edge `x(side, quiet)` gives (snapped to the
    /// head's dots), then its words centred in `w` from the frame's left. Returns
    /// the bottom.
    fn on_roll(
        &self,
        page: &mut Page,
        f: &Frame,
        top: f32,
        w: f32,
        x: impl Fn(f32, f32) -> f32,
    ) -> f32 {
        let size = page.size();
        let mut y = top;
        if let Some(m) = &self.code {
            let cell = cell(size, m.n);
            let (side, quiet) = (cell * m.n as f32, QUIET * cell);
            let at = snapped(size, top + quiet);
            page.modules(snapped(size, x(side, quiet)), at, cell, m.n, &m.dark);
            y = at + side + quiet;
        }
        let [label, small, _] = Self::styles(f);
        y += page.paragraph(
            Area::new(f.margin, y, w),
            label,
            Align::Center,
            Dir::Rtl,
            &self.words[0],
        );
        let schedule = format!("{} {}", self.words[1], self.words[2]);
        y + page.paragraph(
            Area::new(f.margin, y, w),
            small,
            Align::Center,
            Dir::Rtl,
            &schedule,
        )
    }
}
