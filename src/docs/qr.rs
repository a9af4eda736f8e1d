//! The QR code of a proof line.

use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::{EcLevel, bits, ec};

/// A QR code's matrix: `n` by `n` modules, row by row, `true` black.
pub struct Code {
    pub n: usize,
    pub dark: Vec<bool>,
}

/// The QR code of `text`, error correction M (15 % of it may be lost to a stain or
/// a fold); `None` only for a text too long for any QR code. Its mask is the one of
/// eight with the least penalty by the standard's rules (ISO/IEC 18004 §7.8.3), as
/// a scanner reads best, scored on bit sets (the crate's own choice cost about a
/// millisecond a receipt, eight times the rest of the code). The codewords go
/// where the crate's canvas puts them, found once per size (see [`Blank`]):
/// drawing them on a canvas for each code was half of its time.
pub fn code(text: &str) -> Option<Code> {
    let bits = bits::encode_auto(text.as_bytes(), EcLevel::M).ok()?;
    let version = bits.version();
    let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).ok()?;
    let n = version.width() as usize;
    if n + 8 <= 128 {
        // The symbol under its best mask, as the bit sets scored it.
        let rows = best_mask(version, n, &data, &ec).rows;
        let dark = (0..n * n)
            .map(|i| rows[i / n] >> (i % n + 4) & 1 == 1)
            .collect();
        return Some(Code { n, dark });
    }
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let best = {
        // Beyond version 27, never a proof line: each mask applied and counted.
        MASKS
            .iter()
            .min_by_key(|p| {
                let mut c = canvas.clone();
                c.apply_mask(**p);
                let g: Vec<u8> = dark_of(c).into_iter().map(u8::from).collect();
                penalty_plain(&g, n)
            })
            .copied()
            .unwrap_or(MaskPattern::Checkerboard)
    };
    canvas.apply_mask(best);
    Some(Code {
        n,
        dark: dark_of(canvas),
    })
}

fn dark_of(c: Canvas) -> Vec<bool> {
    c.into_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect()
}

/// The eight masks of a QR code.
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

/// A symbol as bit sets: each row and each column, bit `x + 4` for module `x`
/// (four light modules either side, as the quiet zone is).
#[derive(Clone)]
struct Lines {
    rows: Vec<u128>,
    cols: Vec<u128>,
}

impl Lines {
    fn of(n: usize, dark: impl Fn(usize, usize) -> bool) -> Lines {
        let mut l = Lines {
            rows: vec![0; n],
            cols: vec![0; n],
        };
        for y in 0..n {
            for x in 0..n {
                if dark(x, y) {
                    l.rows[y] |= 1 << (x + 4);
                    l.cols[x] |= 1 << (y + 4);
                }
            }
        }
        l
    }
}

/// What each mask does to a symbol of one size: the data modules it inverts, and
/// its format bits (the rest of the symbol is the same under every mask).
struct Masking {
    flip: Lines,
    format: Lines,
}

/// A symbol of one size with no data in it, and where its data goes: the same for
/// every code of that size, so made once.
struct Blank {
    /// The function patterns' dark modules (finders, timing, alignment, version).
    fixed: Lines,
    /// Where each bit of the codewords goes, in order: (column, row).
    slots: Vec<(u8, u8)>,
    /// Each mask's [`Masking`], in the standard's order.
    maskings: Vec<Masking>,
}

thread_local! {
    /// Per symbol width, its [`Blank`].
    static BLANKS: std::cell::RefCell<Vec<(usize, std::rc::Rc<Blank>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl Blank {
    /// The crate's own symbol, read once: where it draws `bits` bits of codewords
    /// is found by drawing, for each bit of a bit's index, the codewords whose bits
    /// are dark where that index bit is set.
    fn of(version: qrcode::Version, n: usize, bits: usize) -> Blank {
        let mut empty = Canvas::new(version, EcLevel::M);
        empty.draw_all_functional_patterns();
        let mut index = vec![0usize; n * n];
        let mut drawn = vec![false; n * n];
        let width = usize::BITS - bits.leading_zeros();
        for b in 0..width {
            let words: Vec<u8> = (0..bits / 8)
                .map(|w| (0..8).fold(0u8, |byte, j| byte << 1 | ((w * 8 + j) >> b & 1) as u8))
                .collect();
            let mut c = empty.clone();
            c.draw_data(&words, &[]);
            for y in 0..n {
                for x in 0..n {
                    if let Module::Unmasked(color) = c.get(x as i16, y as i16) {
                        drawn[y * n + x] = true;
                        if color == qrcode::Color::Dark {
                            index[y * n + x] |= 1 << b;
                        }
                    }
                }
            }
        }
        let mut slots = vec![(0u8, 0u8); bits / 8 * 8];
        for (i, _) in drawn.iter().enumerate().filter(|(_, d)| **d) {
            slots[index[i]] = ((i % n) as u8, (i / n) as u8);
        }
        // A symbol with no data, masked, is dark where the mask inverts a data module
        // and where its format bits are dark.
        let data = |x: usize, y: usize| drawn[y * n + x];
        let fixed = |x: usize, y: usize| empty.get(x as i16, y as i16).is_dark();
        let maskings = MASKS
            .iter()
            .map(|p| {
                let mut masked = empty.clone();
                masked.apply_mask(*p);
                let dark = |x: usize, y: usize| masked.get(x as i16, y as i16).is_dark();
                Masking {
                    flip: Lines::of(n, |x, y| data(x, y) && dark(x, y)),
                    format: Lines::of(n, |x, y| !data(x, y) && dark(x, y) && !fixed(x, y)),
                }
            })
            .collect();
        Blank {
            fixed: Lines::of(n, fixed),
            slots,
            maskings,
        }
    }
}

/// The symbol of codewords `data` then `ec` under the mask of least penalty.
fn best_mask(version: qrcode::Version, n: usize, data: &[u8], ec: &[u8]) -> Lines {
    let bits = 8 * (data.len() + ec.len());
    let blank = BLANKS.with(|cache| {
        if let Some((_, b)) = cache.borrow().iter().find(|(w, _)| *w == n) {
            return b.clone();
        }
        let b = std::rc::Rc::new(Blank::of(version, n, bits));
        cache.borrow_mut().push((n, b.clone()));
        b
    });
    debug_assert_eq!(blank.slots.len(), bits, "a size's codewords are as many");
    let mut base = blank.fixed.clone();
    for (byte, slots) in data.iter().chain(ec).zip(blank.slots.chunks_exact(8)) {
        for (j, &(x, y)) in slots.iter().enumerate() {
            if byte >> (7 - j) & 1 == 1 {
                base.rows[usize::from(y)] |= 1 << (x + 4);
                base.cols[usize::from(x)] |= 1 << (y + 4);
            }
        }
    }
    let mut masked = base.clone();
    let mut best = (u32::MAX, base.clone());
    let mut narrow = Narrow::default();
    for m in &blank.maskings {
        for i in 0..n {
            masked.rows[i] = (base.rows[i] ^ m.flip.rows[i]) | m.format.rows[i];
            masked.cols[i] = (base.cols[i] ^ m.flip.cols[i]) | m.format.cols[i];
        }
        let score = penalty(&masked, n, &mut narrow);
        // The first of equal penalties, in the standard's order of masks.
        if score < best.0 {
            best = (score, masked.clone());
        }
    }
    best.1
}

/// The standard's penalty of a masked symbol `n` wide: runs of five or more alike,
/// 2×2 blocks alike, finder-like 1:1:3:1:1 patterns with four light modules beside
/// them, and a share of dark away from half.
fn penalty(l: &Lines, n: usize, narrow: &mut Narrow) -> u32 {
    if n + 8 <= 64 {
        // A proof line's code (version 9 at most) with its quiet zone fits 64 bits:
        // the same count on words half as wide.
        let Narrow { rows, cols } = narrow;
        for (to, from) in [(&mut *rows, &l.rows), (&mut *cols, &l.cols)] {
            to.clear();
            to.extend(from.iter().map(|&x| x as u64));
        }
        penalty_of(rows, cols, n)
    } else {
        penalty_of(&l.rows, &l.cols, n)
    }
}

/// Room for a code's lines as 64-bit words, kept across the eight masks' counts.
#[derive(Default)]
struct Narrow {
    rows: Vec<u64>,
    cols: Vec<u64>,
}

/// A line of modules as bits, for [`penalty_of`]: `u64` or `u128`.
trait Bits:
    Copy
    + PartialEq
    + std::ops::BitAnd<Output = Self>
    + std::ops::BitOr<Output = Self>
    + std::ops::BitXor<Output = Self>
    + std::ops::Not<Output = Self>
    + std::ops::Shl<usize, Output = Self>
    + std::ops::Shr<usize, Output = Self>
{
    fn ones(self) -> u32;
    /// The low `k` bits set (`k` under the type's width).
    fn low(k: usize) -> Self;
}

impl Bits for u64 {
    fn ones(self) -> u32 {
        self.count_ones()
    }
    fn low(k: usize) -> u64 {
        (1 << k) - 1
    }
}

impl Bits for u128 {
    fn ones(self) -> u32 {
        self.count_ones()
    }
    fn low(k: usize) -> u128 {
        (1 << k) - 1
    }
}

/// [`penalty`] on rows and columns of bits (bit `x + 4` for module `x`).
fn penalty_of<T: Bits>(rows: &[T], cols: &[T], n: usize) -> u32 {
    // Bit j of a mask below stands for the module at bit j of a line; all bit-parallel.
    let inside = T::low(n) << 4;
    // Where a window of eleven (from bit j) may start: all of it within the line
    // and its four light modules either side.
    let windows = T::low(n - 2);
    let finder = 0b101_1101u32;
    let mut score = 0u32;
    for &line in rows.iter().chain(cols) {
        // Runs: bit j where modules j..j+4 are alike and inside. A run of L ≥ 5
        // scores L − 2: its L − 4 such bits, plus 2 at its start.
        let alike = !(line ^ (line >> 1)) & (inside >> 1) & inside;
        let five = alike & (alike >> 1) & (alike >> 2) & (alike >> 3);
        score += five.ones() + 2 * (five & !(five << 1)).ones();
        // 1011101 with four light modules after it, or before it.
        let (mut after, mut before) = (windows, windows);
        for j in 0..11 {
            let bit = line >> j;
            after = after
                & if j < 7 && finder >> j & 1 == 1 {
                    bit
                } else {
                    !bit
                };
            before = before
                & if j >= 4 && finder >> (j - 4) & 1 == 1 {
                    bit
                } else {
                    !bit
                };
        }
        score += 40 * (after.ones() + before.ones());
    }
    for y in 0..n - 1 {
        let (a, b) = (rows[y], rows[y + 1]);
        let same = !(a ^ b) & !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & (inside >> 1) & inside;
        score += 3 * same.ones();
    }
    let dark: u32 = rows.iter().map(|r| r.ones()).sum();
    let percent = dark as usize * 100 / (n * n);
    score + 10 * (percent.abs_diff(50) / 5) as u32
}

/// [`penalty`] module by module, on a grid row by row (1 dark).
fn penalty_plain(g: &[u8], n: usize) -> u32 {
    let at = |x: usize, y: usize, rows: bool| if rows { g[y * n + x] } else { g[x * n + y] };
    let mut score = 0u32;
    for rows in [true, false] {
        for y in 0..n {
            let mut run = 1;
            for x in 1..n {
                if at(x, y, rows) == at(x - 1, y, rows) {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += run - 2;
                    }
                    run = 1;
                }
            }
            if run >= 5 {
                score += run - 2;
            }
            let cell = |x: isize| {
                if x < 0 || x >= n as isize {
                    0
                } else {
                    at(x as usize, y, rows)
                }
            };
            for x in -4..n as isize + 4 - 10 {
                let w: u32 = (0..11).map(|k| u32::from(cell(x + k)) << k).sum();
                score += 40 * (u32::from(w == 0b101_1101) + u32::from(w == 0b101_1101 << 4));
            }
        }
    }
    for y in 0..n - 1 {
        for x in 0..n - 1 {
            let v = g[y * n + x];
            if g[y * n + x + 1] == v && g[(y + 1) * n + x] == v && g[(y + 1) * n + x + 1] == v {
                score += 3;
            }
        }
    }
    let dark = g.iter().filter(|&&v| v == 1).count();
    let percent = dark * 100 / (n * n);
    score + 10 * (percent.abs_diff(50) / 5) as u32
}

#[cfg(test)]
mod tests {
    use super::{Lines, MASKS, Narrow, dark_of, penalty, penalty_plain};
    use qrcode::canvas::Canvas;
    use qrcode::{EcLevel, bits, ec};

    fn unmasked(text: &str) -> (Canvas, usize) {
        let bits = bits::encode_auto(text.as_bytes(), EcLevel::M).unwrap();
        let version = bits.version();
        let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).unwrap();
        let mut canvas = Canvas::new(version, EcLevel::M);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ec);
        (canvas, version.width() as usize)
    }

    #[test]
    fn the_mask_chosen_has_the_least_penalty_of_the_eight() {
        for text in [
            "PK1|37-1234|1402-000001|1402/10/26|484790|600000|3b870224510cb5db",
            "PK1|37-1234|1402-000002|1402/10/26|484790|900000|0f1e2d3c4b5a6978",
            "PK2|37-1234-QOM-TVTO-HANDICRAFTS-X99|1402-999999|1402/12/29|9999999|9999999|0123456789abcdef|QWERTYUIOPASDFGHJKLZXCVBNMqwertyuiopasdfghjklzxcvbnm0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn",
        ] {
            let ours = super::code(text).unwrap();
            let n = ours.n;
            let grid = |d: Vec<bool>| d.into_iter().map(u8::from).collect::<Vec<u8>>();
            let chosen = penalty_plain(&grid(ours.dark), n);
            // Every mask applied in full by the crate, and counted module by module.
            let scores: Vec<u32> = MASKS
                .iter()
                .map(|p| {
                    let mut c = unmasked(text).0;
                    c.apply_mask(*p);
                    penalty_plain(&grid(dark_of(c)), n)
                })
                .collect();
            assert_eq!(Some(&chosen), scores.iter().min(), "{text}: {scores:?}");
        }
    }

    #[test]
    fn the_symbol_is_the_crates_own_under_the_mask_chosen() {
        // The bit sets' symbol against the crate's, masked in full, for the same
        // mask: found as the one whose symbol it is, and the one of least penalty.
        // Texts of every length to 800 characters, seven apart: every size of
        // code from version 1 to past 20, whose data is placed as found once a size.
        let long = "PK2|37-1234-QOM|1402-000007|1402/10/26|484790|900000|0123456789abcdef|QWERTYUIOPASDFGHJKLZXCVBNMqwertyuiopasdfghjklzxcvbnm0123456789ABCDEFGHIJKL".repeat(6);
        let texts =
            ["PK1|37-1234|1402-000001|1402/10/26|484790|600000|3b870224510cb5db".to_string()]
                .into_iter()
                .chain((1..800).step_by(7).map(|k| long[..k].to_string()));
        let mut sizes = std::collections::BTreeSet::new();
        for text in texts {
            let text = text.as_str();
            let ours = super::code(text).unwrap();
            sizes.insert(ours.n);
            let theirs: Vec<Vec<bool>> = MASKS
                .iter()
                .map(|p| {
                    let mut c = unmasked(text).0;
                    c.apply_mask(*p);
                    dark_of(c)
                })
                .collect();
            assert!(theirs.contains(&ours.dark), "{text}");
        }
        assert!(sizes.len() >= 20, "{sizes:?}");
    }

    #[test]
    fn the_bit_set_penalty_counts_as_the_plain_one() {
        // Grids of every kind of run, block and finder-like pattern: a fixed
        // pseudo-random stream, and real codes.
        let mut seed = 0x2545F4914F6CDD1Du64;
        for n in [21, 25, 37, 57] {
            for density in [1, 2, 3] {
                let g: Vec<u8> = (0..n * n)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        u8::from(seed % 4 < density)
                    })
                    .collect();
                let lines = Lines::of(n, |x, y| g[y * n + x] == 1);
                assert_eq!(
                    penalty(&lines, n, &mut Narrow::default()),
                    penalty_plain(&g, n),
                    "{n} {density}"
                );
            }
        }
        let (canvas, n) =
            unmasked("PK1|37-1234|1402-000001|1402/10/26|484790|600000|3b870224510cb5db");
        for p in MASKS {
            let mut c = canvas.clone();
            c.apply_mask(p);
            let g: Vec<u8> = dark_of(c).into_iter().map(u8::from).collect();
            let lines = Lines::of(n, |x, y| g[y * n + x] == 1);
            assert_eq!(
                penalty(&lines, n, &mut Narrow::default()),
                penalty_plain(&g, n),
                "{p:?}"
            );
        }
    }
}
