//! Strings of Persian digits (a national ID, a mobile, a receipt number, a time:
//! new on every receipt, so never in the shaping cache) set from their characters'
//! own shapes, without shaping each string.
//!
//! Exact for the fonts shipped: the only lookups of theirs that reach a Persian
//! digit are single substitutions (`locl`, `tnum`), which act on one glyph alone,
//! and none reaches the colon; so such a string shapes as its characters each
//! shaped alone, side by side. The tests hold both fonts to that.

use std::rc::Rc;

use super::glyphs::Run;

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

    /// Every string of up to three Persian digits and colons, every time of day,
    /// and 400 numbers of 4 to 19 digits.
    fn texts() -> Vec<String> {
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
                texts.push(format!("{h:02}:{m:02}"));
            }
        }
        for k in 0..400u64 {
            let n = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 10u64.pow(4 + (k % 16) as u32);
            texts.push(format!("{n:0w$}", w = 4 + (k % 16) as usize));
        }
        texts
            .into_iter()
            .map(|t| crate::core::text::to_persian_digits(&t))
            .filter(|t| is_digits(t))
            .collect()
    }

    /// `text` shaped by rustybuzz as a left-to-right run is: (glyph, advance,
    /// offsets, cluster) of each glyph.
    fn shaped(font: FontId, text: &str, tabular: bool) -> Vec<(u32, i32, i32, i32, u32)> {
        let mut buf = rustybuzz::UnicodeBuffer::new();
        buf.push_str(text);
        buf.set_direction(rustybuzz::Direction::LeftToRight);
        buf.set_flags(rustybuzz::BufferFlags::PRESERVE_DEFAULT_IGNORABLES);
        buf.guess_segment_properties();
        let tnum = rustybuzz::Feature::new(rustybuzz::ttf_parser::Tag::from_bytes(b"tnum"), 1, ..);
        let features = if tabular { vec![tnum] } else { vec![] };
        let out = rustybuzz::shape(&font.get().face, &features, buf);
        out.glyph_infos()
            .iter()
            .zip(out.glyph_positions())
            .map(|(i, p)| (i.glyph_id, p.x_advance, p.x_offset, p.y_offset, i.cluster))
            .collect()
    }

    #[test]
    fn a_string_of_digits_shapes_as_its_characters_side_by_side() {
        // What `compose` relies on, asked of rustybuzz itself, in both fonts, with
        // tabular figures and without.
        let texts = texts();
        assert!(texts.len() > 2_000 && texts.iter().any(|t| t.contains(':')));
        for font in FontId::ALL {
            for tabular in [false, true] {
                for t in &texts {
                    let side_by_side: Vec<_> = t
                        .char_indices()
                        .flat_map(|(at, c)| {
                            let one = shaped(font, &c.to_string(), tabular);
                            one.into_iter()
                                .map(move |(g, a, x, y, cl)| (g, a, x, y, cl + at as u32))
                        })
                        .collect();
                    assert_eq!(
                        side_by_side,
                        shaped(font, t, tabular),
                        "{font:?} {tabular} {t}"
                    );
                }
            }
        }
        assert!(is_digits("۰۸:۱۳") && is_digits("۱۴۰۲۱۰۲۶۰۰۰۰۰۱"));
        for not in ["", "۱۲:", ":۳۰", "۱::۲", "12", "۱۲/۳", "۱۲ ۳"] {
            assert!(!is_digits(not), "{not}");
        }
    }
}
