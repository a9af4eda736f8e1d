//! The QR code of a proof line, its mask chosen by the standard's penalty rule
//! (ISO/IEC 18004 §7.8.3): of the eight masks, the one whose matrix has the fewest
//! long runs, 2×2 blocks, finder look-alikes and the least imbalance of dark and
//! light reads best off a poor print or scan.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{EcLevel, bits, ec};

/// A QR code's matrix: `n` by `n` modules, row by row, `true` black.
pub struct Code {
    pub n: usize,
    pub dark: Vec<bool>,
}

const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The QR code of `text`, error correction M (15 % of it may be lost to a stain or
/// a fold), with the mask of least penalty; `None` only for a text too long for any
/// QR code.
pub fn code(text: &str) -> Option<Code> {
    let bits = bits::encode_auto(text.as_bytes(), EcLevel::M).ok()?;
    let version = bits.version();
    let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).ok()?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let n = version.width() as usize;
    // The crate's own chooser scores with boxed closures (0.6 ms a code); this
    // scorer reads plain booleans.
    MASKS
        .iter()
        .map(|mask| {
            let mut c = canvas.clone();
            c.apply_mask(*mask);
            let dark: Vec<bool> = c
                .into_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            (penalty(&dark, n), dark)
        })
        .min_by_key(|(p, _)| *p)
        .map(|(_, dark)| Code { n, dark })
}

/// The standard's penalty of an `n`×`n` matrix: N1 3 + (k − 5) for each run of
/// k ≥ 5 same-coloured modules in a row or column; N2 3 for each 2×2 block of one
/// colour; N3 40 for each 1:1:3:1:1 pattern with four light modules on one side
/// (outside the matrix counts as light); N4 10 for each whole 5 % the dark share
/// is off one half.
pub fn penalty(dark: &[bool], n: usize) -> u32 {
    let at = |x: usize, y: usize, across: bool| {
        if across {
            dark[y * n + x]
        } else {
            dark[x * n + y]
        }
    };
    let mut score = 0u32;
    const FINDER: [bool; 7] = [true, false, true, true, true, false, true];
    for across in [true, false] {
        for line in 0..n {
            let cell = |i: usize| at(i, line, across);
            // N1: runs.
            let mut run = 1;
            for i in 1..=n {
                if i < n && cell(i) == cell(i - 1) {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += 3 + (run - 5);
                    }
                    run = 1;
                }
            }
            // N3: finder look-alikes.
            let light = |from: isize, to: isize| {
                (from..to).all(|i| i < 0 || i >= n as isize || !cell(i as usize))
            };
            for i in 0..n.saturating_sub(6) {
                if (0..7).all(|k| cell(i + k) == FINDER[k]) {
                    let i = i as isize;
                    if light(i - 4, i) || light(i + 7, i + 11) {
                        score += 40;
                    }
                }
            }
        }
    }
    // N2: blocks.
    for y in 0..n - 1 {
        for x in 0..n - 1 {
            let c = dark[y * n + x];
            if dark[y * n + x + 1] == c
                && dark[(y + 1) * n + x] == c
                && dark[(y + 1) * n + x + 1] == c
            {
                score += 3;
            }
        }
    }
    // N4: balance.
    let share = dark.iter().filter(|d| **d).count() * 100 / dark.len();
    score + 10 * (share.abs_diff(50) / 5) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_penalty_counts_each_rule_of_the_standard() {
        // 5×5 all light: N1 3 per row and column (10 runs of 5); N2 16 blocks of 3;
        // N4 50 % off → 100.
        assert_eq!(penalty(&[false; 25], 5), 10 * 3 + 16 * 3 + 100);
        // A checkerboard: no runs, no blocks, balanced enough (13 of 25 dark: 52 %).
        let board: Vec<bool> = (0..25).map(|i| (i / 5 + i % 5) % 2 == 0).collect();
        assert_eq!(penalty(&board, 5), 0);
        // One row holding the finder look-alike, light beyond it on both sides: 40
        // for the row; the columns hold no pattern. Built 11 wide.
        let n = 11;
        let mut m: Vec<bool> = (0..n * n).map(|i| (i / n + i % n) % 2 == 0).collect();
        let row = [
            false, false, true, false, true, true, true, false, true, false, false,
        ];
        m[5 * n..6 * n].copy_from_slice(&row);
        let base: Vec<bool> = (0..n * n).map(|i| (i / n + i % n) % 2 == 0).collect();
        assert!(penalty(&m, n) >= penalty(&base, n) + 40);
    }

    #[test]
    fn the_chosen_mask_has_the_least_penalty() {
        let line = "PK1|37-1234|1402-000001|14021026|48479|60000|3b870224510cb5db";
        let chosen = code(line).unwrap();
        let least = penalty(&chosen.dark, chosen.n);
        let bits = bits::encode_auto(line.as_bytes(), EcLevel::M).unwrap();
        let version = bits.version();
        let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).unwrap();
        for mask in MASKS {
            let mut c = Canvas::new(version, EcLevel::M);
            c.draw_all_functional_patterns();
            c.draw_data(&data, &ec);
            c.apply_mask(mask);
            let dark: Vec<bool> = c
                .into_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            assert!(penalty(&dark, chosen.n) >= least);
        }
    }
}
