//! Strings of Persian digits (a national ID, a mobile, a receipt number, a time:
//! new on every receipt, so never in the shaping cache) set from their characters'
//! own shapes, without shaping each string.
//!
//! Exact for the fonts shipped: the only lookups of theirs that reach a Persian
//! digit are single substitutions (`locl`, `tnum`), which act on one glyph alone,
//! and none reaches the colon; so such a string shapes as its characters each
//! shaped alone, side by side. The tests hold both fonts to that.

use std::rc::Rc;

use super::shape::Run;

/// Whether `text` is Persian digits (U+06F0 to U+06F9), with single colons between
/// them (a time). A colon at an end, or two together, is a run of its own in a
/// right-to-left paragraph: not these.
pub(super) fn is_digits(text: &str) -> bool {
    let digit = |c: char| ('\u{06F0}'..='\u{06F9}').contains(&c);
    text.starts_with(digit)
        && text.ends_with(digit)
        && !text.contains("::")
        && text.chars().all(|c| digit(c) || c == ':')
}

/// `text` (see [`is_digits`]) as one left-to-right run, from `one`: a digit shaped
/// alone.
pub(super) fn compose(text: &str, one: impl Fn(&str) -> Rc<Run>) -> Run {
    // Each digit is two bytes and one glyph.
    let mut glyphs = Vec::with_capacity(text.len() / 2);
    let mut buf = [0u8; 4];
    for (at, c) in text.char_indices() {
        let at = at as u32;
        for g in &one(c.encode_utf8(&mut buf)).glyphs {
            let mut g = g.clone();
            g.text = g.text.start + at..g.text.end + at;
            glyphs.push(g);
        }
    }
    Run {
        rtl: false,
        text: text.to_string(),
        width: glyphs.iter().map(|g| g.advance).sum(),
        glyphs,
    }
}

#[cfg(test)]
mod tests {
    use rustybuzz::ttf_parser::GlyphId;
    use rustybuzz::ttf_parser::gpos::PositioningSubtable;
    use rustybuzz::ttf_parser::gsub::SubstitutionSubtable;

    use super::super::font::FontId;
    use super::super::shape::{Dir, Line, shape_line_as, shaped};
    use super::is_digits;

    const DIGITS: [char; 10] = ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'];

    #[test]
    fn the_fonts_reach_persian_digits_by_single_substitutions_only() {
        for font in FontId::ALL {
            let face = &font.get().face;
            let digits: Vec<GlyphId> = DIGITS
                .iter()
                .map(|c| face.glyph_index(*c).expect("the font has Persian digits"))
                .collect();
            let reaches = |cov: rustybuzz::ttf_parser::opentype_layout::Coverage| {
                digits.iter().any(|g| cov.contains(*g))
            };
            let tables = face.tables();
            assert!(tables.kern.is_none() && tables.kerx.is_none() && tables.morx.is_none());
            let gsub = tables.gsub.expect("GSUB");
            let mut single = 0;
            for lookup in gsub.lookups {
                for i in 0..lookup.subtables.len() {
                    let sub = lookup.subtables.get::<SubstitutionSubtable>(i);
                    let sub = sub.expect("every GSUB subtable reads");
                    if reaches(sub.coverage()) {
                        assert!(matches!(sub, SubstitutionSubtable::Single(_)), "{font:?}");
                        single += 1;
                    }
                }
            }
            // locl and tnum: the test reads the lookups it means to.
            assert!(single >= 2, "{font:?}: {single}");
            let colon = face.glyph_index(':').expect("the font has a colon");
            let reached =
                |cov: rustybuzz::ttf_parser::opentype_layout::Coverage| cov.contains(colon);
            for lookup in gsub.lookups {
                for i in 0..lookup.subtables.len() {
                    let sub = lookup
                        .subtables
                        .get::<SubstitutionSubtable>(i)
                        .expect("reads");
                    assert!(!reached(sub.coverage()), "{font:?}: colon");
                }
            }
            let gpos = tables.gpos.expect("GPOS");
            for lookup in gpos.lookups {
                for i in 0..lookup.subtables.len() {
                    let sub = lookup.subtables.get::<PositioningSubtable>(i);
                    let sub = sub.expect("every GPOS subtable reads");
                    assert!(!reaches(sub.coverage()), "{font:?}");
                    assert!(!reached(sub.coverage()), "{font:?}: colon");
                }
            }
        }
    }

    fn same(a: &Line, b: &Line) -> bool {
        let glyphs = |l: &Line| {
            l.runs
                .iter()
                .flat_map(|r| {
                    r.glyphs
                        .iter()
                        .map(move |g| (r.rtl, g.gid, g.advance, g.dx, g.dy, g.text.clone()))
                })
                .collect::<Vec<_>>()
        };
        a.text == b.text && a.units == b.units && glyphs(a) == glyphs(b)
    }

    #[test]
    fn digit_strings_set_as_rustybuzz_shapes_them_whole() {
        // Every string of up to three digits and colons, every time of day, and
        // longer ones from a fixed pseudo-random stream, in both fonts, both
        // directions, with tabular figures and without.
        let chars: Vec<char> = DIGITS.iter().copied().chain([':']).collect();
        let mut texts: Vec<String> = Vec::new();
        for a in &chars {
            texts.push(a.to_string());
            for b in &chars {
                texts.push(format!("{a}{b}"));
                for c in &chars {
                    texts.push(format!("{a}{b}{c}"));
                }
            }
        }
        for h in 0..24 {
            for m in 0..60 {
                texts.push(crate::core::text::to_persian_digits(&format!(
                    "{h:02}:{m:02}"
                )));
            }
        }
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for len in 4..=20 {
            for _ in 0..20 {
                texts.push(
                    (0..len)
                        .map(|_| {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            chars[(seed % 11) as usize]
                        })
                        .collect(),
                );
            }
        }
        for font in FontId::ALL {
            for dir in [Dir::Ltr, Dir::Rtl] {
                for tabular in [false, true] {
                    for t in texts.iter().filter(|t| is_digits(t)) {
                        let ours = shape_line_as(font, t, dir, tabular);
                        let whole = shaped(font, t, dir, tabular);
                        assert!(same(&ours, &whole), "{font:?} {dir:?} {tabular} {t}");
                    }
                }
            }
        }
        assert!(is_digits("۰۸:۱۳") && is_digits("۱۴۰۲۱۰۲۶۰۰۰۰۰۱"));
        for not in ["", "۱۲:", ":۳۰", "۱::۲", "12", "۱۲/۳", "۱۲ ۳"] {
            assert!(!is_digits(not), "{not}");
        }
    }
}
