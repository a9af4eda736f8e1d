//! The QR code of a proof line.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{EcLevel, bits, ec};

/// A QR code's matrix: `n` by `n` modules, row by row, `true` black.
pub struct Code {
    pub n: usize,
    pub dark: Vec<bool>,
}

/// The QR code of `text`, error correction M (15 % of it may be lost to a stain or
/// a fold); `None` only for a text too long for any QR code.
///
/// The mask is fixed (pattern 000, the checkerboard) instead of the best of eight by
/// the standard's penalty scores: choosing it cost about 1 ms a receipt in the
/// receipts benchmark (twice a receipt's time), and a decoder reads any mask. The
/// tests read every document at 100 dpi and codes of many proof lines.
pub fn code(text: &str) -> Option<Code> {
    let bits = bits::encode_auto(text.as_bytes(), EcLevel::M).ok()?;
    let version = bits.version();
    let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).ok()?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    canvas.apply_mask(MaskPattern::Checkerboard);
    let dark = canvas
        .into_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some(Code {
        n: version.width() as usize,
        dark,
    })
}
