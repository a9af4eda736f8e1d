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
    /// quiet zone the space above it, and its words to its left from `top + gap`.
    /// Returns the width taken, the gap to the boxes included, and the bottom of the
    /// ink (the quiet zone under the code is the paper's blank margin, if last).
    pub fn beside(&self, page: &mut Page, f: &Frame, top: f32, gap: f32) -> (f32, f32) {
        let styles = Self::styles(f);
        let widest = self
            .words
            .iter()
            .zip(styles)
            .map(|(w, s)| measure(s.font, s.size, w, Dir::Rtl))
            .fold(0.0, f32::max);
        // What wrapping measures may round a hair wider.
        let widest = (widest + 1.0).min(f.width * 0.3);
        let mut taken = widest + f.base;
        let mut bottom = top;
        if let Some(m) = &self.code {
            let cell = cell(page.size(), m.n);
            let (side, quiet) = (cell * m.n as f32, QUIET * cell);
            let x = f.margin + widest + quiet;
            // Clear of the sentence above by its whole quiet zone.
            page.modules(x, top + quiet.max(gap), cell, m.n, &m.dark);
            taken = widest + quiet + side + quiet.max(f.base);
            bottom = top + quiet.max(gap) + side;
        }
        let mut y = top + gap;
        for (w, s) in self.words.iter().zip(styles) {
            y += page.paragraph(Area::new(f.margin, y, widest), s, Align::Right, Dir::Rtl, w);
        }
        (taken, bottom.max(y))
    }

    /// On an 80 mm roll, the width the code and its words take at the left of the
    /// signature boxes, the gap to them included: the code with the quiet zone at its
    /// right (the one at its left is the roll's blank margin), or 30 % of the frame
    /// for the words.
    pub fn left_width(&self, size: PageSize, f: &Frame) -> f32 {
        self.code_width(size).max(f.width * 0.3 + f.base)
    }

    /// The code's side and quiet zone on `size`, if there is a code.
    fn geometry(&self, size: PageSize) -> Option<(f32, f32)> {
        self.code.as_ref().map(|m| {
            let cell = cell(size, m.n);
            (cell * m.n as f32, QUIET * cell)
        })
    }

    /// The code and the quiet zone at its right (0 without a code).
    fn code_width(&self, size: PageSize) -> f32 {
        self.geometry(size)
            .map_or(0.0, |(side, quiet)| side + quiet)
    }

    /// On a roll wide enough, at the left of the signature boxes from `top`: the
    /// code at the frame's left edge, its quiet zone clear. Returns the bottom of
    /// the quiet zone under it (`top` if there is no code).
    /// (A roll's module is at most 1 mm, the code at least 21 modules across 20 mm:
    /// its quiet zone, 4 mm at most, fits the 4.5 mm of an 80 mm roll's margin.)
    pub fn code_left(&self, page: &mut Page, f: &Frame, top: f32) -> f32 {
        self.code_at(page, top, |_| f.margin).1
    }

    /// The words, each of the three on a line of its own, centred in `w` from `x`,
    /// from `top`, if they fit there above `bottom`. Returns whether they were drawn.
    pub fn words_if_above(
        &self,
        page: &mut Page,
        f: &Frame,
        (x, w): (f32, f32),
        top: f32,
        bottom: f32,
    ) -> bool {
        let styles = Self::styles(f).map(|s| page.ink(s));
        let fits = self
            .words
            .iter()
            .zip(styles)
            .all(|(t, s)| measure(s.font, s.size, t, Dir::Rtl) + 1.0 <= w);
        let h: f32 = styles.iter().map(|s| s.line_height()).sum();
        if !fits || top + h > bottom {
            return false;
        }
        let mut y = top;
        for (t, s) in self.words.iter().zip(styles) {
            y += page.text(Area::new(x, y, w), s, Align::Center, Dir::Rtl, t);
        }
        true
    }

    /// The words centred in `w` from `x`, from `top`. Returns their bottom.
    pub fn words_under(&self, page: &mut Page, f: &Frame, top: f32, x: f32, w: f32) -> f32 {
        let [label, small, _] = Self::styles(f);
        let y = top
            + page.paragraph(
                Area::new(x, top, w),
                label,
                Align::Center,
                Dir::Rtl,
                &self.words[0],
            );
        let schedule = format!("{} {}", self.words[1], self.words[2]);
        y + page.paragraph(
            Area::new(x, y, w),
            small,
            Align::Center,
            Dir::Rtl,
            &schedule,
        )
    }

    /// The code from `top` (after its quiet zone) at the left edge `x(side)` gives,
    /// both snapped to the head's dots. Returns the code's top and the bottom of its
    /// quiet zone (`top` twice without a code).
    fn code_at(&self, page: &mut Page, top: f32, x: impl Fn(f32) -> f32) -> (f32, f32) {
        let size = page.size();
        let Some(m) = &self.code else {
            return (top, top);
        };
        let cell = cell(size, m.n);
        let (side, quiet) = (cell * m.n as f32, QUIET * cell);
        let at = snapped(size, top + quiet);
        page.modules(snapped(size, x(side)), at, cell, m.n, &m.dark);
        (at, at + side + quiet)
    }

    /// On a roll, above the signature boxes from `top`: the code centred, its quiet
    /// zone clear, its words under it. Returns the bottom.
    pub fn above(&self, page: &mut Page, f: &Frame, top: f32) -> f32 {
        let (_, y) = self.code_at(page, top, |side| f.margin + (f.width - side) / 2.0);
        self.words_under(page, f, y, f.margin, f.width) + f.base * 0.4
    }

    /// Whether the code leaves its words a column at its right (see
    /// [`Block::words_right`]) where each word fits: where it is not a long signed
    /// line on a 58 mm roll.
    pub fn leaves_words_room(&self, size: PageSize, f: &Frame) -> bool {
        let code = self.code_width(size);
        let widest = self
            .words
            .iter()
            .zip(Self::styles(f))
            .flat_map(|(w, s)| {
                let size = Page::printed_size(size, s.size);
                w.split(' ')
                    .map(move |w| measure(s.font, size, w, Dir::Rtl))
            })
            .fold(0.0, f32::max);
        f.width - code >= widest + 1.0
    }

    /// On a narrow roll, above the signature boxes from `top`: the code at the left
    /// edge of the frame (the roll's blank margin, wider than the quiet zone, clear at
    /// its left), its words at its right from its top. Returns the bottom.
    pub fn words_right(&self, page: &mut Page, f: &Frame, top: f32) -> f32 {
        let size = page.size();
        let (mut y, bottom) = self.code_at(page, top, |_| f.margin);
        let x = match self.geometry(size) {
            Some((side, quiet)) => snapped(size, f.margin) + side + quiet,
            None => f.margin,
        };
        let w = f.right() - x;
        for (words, s) in self.words.iter().zip(Self::styles(f)) {
            y += page.paragraph(Area::new(x, y, w), s, Align::Right, Dir::Rtl, words);
        }
        bottom.max(y)
    }
}
