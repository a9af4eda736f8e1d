//! The proof block of every receipt and slip: a QR code of the receipt's proof line
//! (`PK1|office|number|date|office_total|tvto_total|hash`), the tariff schedule it
//! was priced under, and the proof line itself in print, for whoever has no reader.
//! `pishkhan verify` checks the line against the office's ledger.

use qrcode::{EcLevel, QrCode};

use super::{Frame, Receipt, fa_text};
use crate::desk::proof::Proof;
use crate::typeset::{Align, Area, Dir, Flow, PageSize, Style};

const MM: f32 = 72.0 / 25.4;

/// The smallest side of the code: 20 mm, which a phone reads from a hand's length.
const MIN_SIDE: f32 = 20.0 * MM;

/// The clear margin a reader needs around the code, in modules.
const QUIET: f32 = 4.0;

/// A receipt's QR code: its matrix, `n` by `n`, row by row, `true` black.
pub(crate) struct Code {
    pub n: usize,
    pub dark: Vec<bool>,
}

/// The QR code of `text`, error correction M (15 % of it may be lost to a stain or
/// a fold). `None` only for a text too long for any QR code.
pub(crate) fn code(text: &str) -> Option<Code> {
    let qr = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let dark = qr
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some(Code {
        n: qr.width(),
        dark,
    })
}

/// A module's side on `size`: the code at least [`MIN_SIDE`] across; on a roll, a
/// whole number of the head's dots.
fn cell(size: PageSize, n: usize) -> f32 {
    let least = MIN_SIDE / n as f32;
    match size.dot() {
        Some(dot) => (least / dot).ceil() * dot,
        None => least,
    }
}

/// `v` on the head's dot grid (unchanged on a sheet).
fn snapped(size: PageSize, v: f32) -> f32 {
    match size.dot() {
        Some(dot) => (v / dot).round() * dot,
        None => v,
    }
}

/// Draws the proof block: on a sheet the code at the right with its words to its
/// left; on a roll the code centred with its words under it. A receipt not yet in
/// a ledger's chain (a dry run's) has no proof: only its schedule is printed.
pub(super) fn draw(flow: &mut Flow, f: &Frame, r: &Receipt) {
    let size = flow.page().size();
    let proof = Proof::of(r).map(|p| p.text());
    let matrix = proof.as_deref().and_then(code);
    let label = Style::bold(f.base * 0.9);
    let small = Style::regular(f.base * 0.8);
    // An identifier, Latin digits in its Latin words (README's digit rule).
    let schedule = format!(
        "تعرفهٔ اعمال‌شده: جدول \u{2066}{}\u{2069}",
        fa_text(&r.schedule_id)
    );
    let how = "متن رمزینه با دفتر ثبت این دفتر پیشخوان تطبیق داده می‌شود.";
    flow.block(|page, top| {
        let Some(m) = &matrix else {
            return page.paragraph(f.area(top), small, Align::Right, Dir::Rtl, &schedule);
        };
        let cell = cell(size, m.n);
        let side = cell * m.n as f32;
        let quiet = QUIET * cell;
        let text_lines = |page: &mut crate::typeset::Page, area: Area, align: Align| {
            let mut y = area.top;
            y += page.paragraph(
                Area::new(area.x, y, area.w),
                label,
                align,
                Dir::Rtl,
                "رمزینهٔ اصالت رسید",
            );
            y += page.paragraph(
                Area::new(area.x, y, area.w),
                small,
                align,
                Dir::Rtl,
                &schedule,
            );
            y += page.paragraph(Area::new(area.x, y, area.w), small, align, Dir::Rtl, how);
            y - area.top
        };
        if f.narrow {
            // Centred, with its quiet zone clear above and below.
            let x = snapped(size, f.margin + (f.width - side) / 2.0);
            let y = snapped(size, top + quiet);
            page.modules(x, y, cell, m.n, m.dark.clone());
            let below = y + side + quiet;
            below - top + text_lines(page, f.area(below), Align::Center)
        } else {
            // Right to left: the code first, at the right edge, its words beside it.
            let x = f.right() - side;
            let y = top + quiet.min(f.base);
            page.modules(x, y, cell, m.n, m.dark.clone());
            let words = Area::new(f.margin, y, x - quiet - f.margin);
            let h = text_lines(page, words, Align::Right);
            (y - top) + side.max(h) + quiet.min(f.base)
        }
    });
}
