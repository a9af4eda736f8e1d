//! Shaping: text in logical order to positioned glyphs in visual order.
//!
//! Each line goes through the Unicode bidi algorithm (`unicode-bidi`) to find its
//! directional runs in visual order; each run is shaped by `rustybuzz` (HarfBuzz) in
//! its own direction, which picks the joined contextual forms, mirrors brackets in
//! right-to-left runs and applies kerning. Shaped runs are cached: receipts repeat
//! the same labels thousands of times.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;
use std::str::FromStr;

use rustc_hash::FxHashMap;
use rustybuzz::{Direction, Feature, Language, Script, ShapePlan, UnicodeBuffer};
use unicode_bidi::{Level, ParagraphBidiInfo};

use super::font::FontId;
use crate::core::text::is_bidi_control;

/// The base direction of a paragraph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    Rtl,
    Ltr,
}

/// One glyph of a shaped run, in font units.
#[derive(Clone, Debug)]
pub struct Glyph {
    pub gid: u16,
    pub advance: i32,
    pub dx: i32,
    pub dy: i32,
    /// The logical text this glyph stands for (empty for the 2nd+ glyph of a cluster).
    pub text: Range<u32>,
}

/// A run shaped in one direction; glyphs in visual (left-to-right) order.
pub struct Run {
    pub rtl: bool,
    pub text: String,
    pub glyphs: Vec<Glyph>,
    pub width: i32,
}

/// A line ready to draw: its runs in visual order.
pub struct Line {
    pub font: FontId,
    /// The line's text in logical order.
    pub text: String,
    pub runs: Vec<Rc<Run>>,
    /// Width in font units.
    pub units: i32,
}

impl Line {
    /// Width in points at `size`.
    pub fn width(&self, size: f32) -> f32 {
        self.units as f32 * self.font.get().scale(size)
    }
}

/// Shaped runs by face, direction and figures (tabular or not), then text: looked up by `&str`, with no key
/// to allocate, under a fast hash (the keys are our own text, not an attacker's).
type Cache<T> = RefCell<[FxHashMap<Box<str>, Rc<T>>; 8]>;

thread_local! {
    static CACHE: Cache<Run> = RefCell::new(Default::default());
}
const CACHE_LIMIT: usize = 4_000;

fn cached<T>(
    cache: &'static std::thread::LocalKey<Cache<T>>,
    i: usize,
    text: &str,
) -> Option<Rc<T>> {
    cache.with(|c| c.borrow()[i].get(text).cloned())
}

fn remember<T>(cache: &'static std::thread::LocalKey<Cache<T>>, i: usize, text: &str, v: &Rc<T>) {
    cache.with(|c| {
        let map = &mut c.borrow_mut()[i];
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(text.into(), v.clone());
    });
}

/// Face, right to left, script, tabular figures.
type PlanKey = (FontId, bool, Script, bool);

thread_local! {
    static PLANS: RefCell<HashMap<PlanKey, Rc<ShapePlan>>> = RefCell::new(HashMap::new());
}

/// The shaping plan for a face, direction and script (the language is Persian for
/// right-to-left runs, none otherwise), with the font's tabular figures (`tnum`: every
/// digit as wide as the next, so that amounts line up in a column) or not. Building
/// one costs more than shaping a label.
fn plan(font: FontId, rtl: bool, script: Script, tabular: bool) -> Rc<ShapePlan> {
    PLANS.with(|p| {
        p.borrow_mut()
            .entry((font, rtl, script, tabular))
            .or_insert_with(|| {
                let (direction, language) = if rtl {
                    let fa = Language::from_str("fa").expect("valid language tag");
                    (Direction::RightToLeft, Some(fa))
                } else {
                    (Direction::LeftToRight, None)
                };
                Rc::new(ShapePlan::new(
                    &font.get().face,
                    direction,
                    // The buffer reports no script (digits only) as UNKNOWN.
                    (script != rustybuzz::script::UNKNOWN).then_some(script),
                    language.as_ref(),
                    if tabular { &TNUM[..] } else { &[] },
                ))
            })
            .clone()
    })
}

/// The `tnum` feature over the whole run.
const TNUM: [Feature; 1] = [Feature {
    tag: rustybuzz::ttf_parser::Tag::from_bytes(b"tnum"),
    value: 1,
    start: 0,
    end: u32::MAX,
}];

/// The cache slot of a face, direction and figures.
fn slot_of(font: FontId, rtl: bool, tabular: bool) -> usize {
    font.index() * 4 + rtl as usize * 2 + tabular as usize
}

fn shape_run(font: FontId, text: &str, rtl: bool, tabular: bool) -> Rc<Run> {
    let slot = slot_of(font, rtl, tabular);
    if let Some(run) = cached(&CACHE, slot, text) {
        return run;
    }
    let mut buf = UnicodeBuffer::new();
    buf.push_str(text);
    buf.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    if rtl {
        buf.set_language(Language::from_str("fa").expect("valid language tag"));
    }
    // Keep the font's own glyph for ZWNJ (instead of the space glyph HarfBuzz hides it
    // behind), so that the ToUnicode map gives it back as U+200C, not a space.
    buf.set_flags(rustybuzz::BufferFlags::PRESERVE_DEFAULT_IGNORABLES);
    buf.guess_segment_properties();
    let face = &font.get().face;
    let plan = plan(font, rtl, buf.script(), tabular);
    let out = rustybuzz::shape_with_plan(face, &plan, buf);
    let infos = out.glyph_infos();
    let positions = out.glyph_positions();
    // Cluster values are byte offsets; a cluster's text runs to the next larger one.
    let mut starts: Vec<u32> = infos.iter().map(|i| i.cluster).collect();
    starts.sort_unstable();
    starts.dedup();
    let end_of = |c: u32| {
        let i = starts.partition_point(|&s| s <= c);
        starts.get(i).copied().unwrap_or(text.len() as u32)
    };
    let mut seen = std::collections::HashSet::new();
    let mut glyphs: Vec<Glyph> = infos
        .iter()
        .zip(positions)
        .map(|(info, pos)| Glyph {
            gid: info.glyph_id as u16,
            advance: pos.x_advance,
            dx: pos.x_offset,
            dy: pos.y_offset,
            text: info.cluster..end_of(info.cluster),
        })
        .collect();
    // The first glyph of a cluster in logical order carries its text; but when a
    // cluster has a glyph for each of its characters (a letter and its marks, as in
    // «لطفاً»), each glyph carries its own, so that a mark maps to itself in the
    // PDF's ToUnicode rather than to nothing.
    let logical: Vec<usize> = if rtl {
        (0..glyphs.len()).rev().collect()
    } else {
        (0..glyphs.len()).collect()
    };
    let mut clusters: Vec<(u32, Vec<usize>)> = Vec::new();
    for &i in &logical {
        let start = glyphs[i].text.start;
        match clusters.iter_mut().find(|(s, _)| *s == start) {
            Some((_, members)) => members.push(i),
            None => clusters.push((start, vec![i])),
        }
    }
    let mut own = vec![false; glyphs.len()];
    for (_, members) in clusters.iter().filter(|(_, m)| m.len() > 1) {
        let range = glyphs[members[0]].text.clone();
        let chars: Vec<(usize, char)> = text[range.start as usize..range.end as usize]
            .char_indices()
            .collect();
        if chars.len() == members.len() {
            for (&i, &(at, c)) in members.iter().zip(&chars) {
                let from = range.start + at as u32;
                glyphs[i].text = from..from + c.len_utf8() as u32;
                own[i] = true;
            }
        }
    }
    for i in logical {
        if !own[i] && !seen.insert(glyphs[i].text.start) {
            glyphs[i].text = glyphs[i].text.start..glyphs[i].text.start;
        }
    }
    let width = glyphs.iter().map(|g| g.advance).sum();
    let run = Rc::new(Run {
        rtl,
        text: text.to_string(),
        glyphs,
        width,
    });
    remember(&CACHE, slot, text, &run);
    run
}

thread_local! {
    static LINES: Cache<Line> = RefCell::new(Default::default());
}

/// Shapes one line (no line breaks inside) with base direction `dir`.
pub fn shape_line(font: FontId, text: &str, dir: Dir) -> Rc<Line> {
    shape_line_as(font, text, dir, false)
}

/// [`shape_line`], with tabular figures when `tabular`.
pub fn shape_line_as(font: FontId, text: &str, dir: Dir, tabular: bool) -> Rc<Line> {
    let slot = slot_of(font, dir == Dir::Rtl, tabular);
    if let Some(line) = cached(&LINES, slot, text) {
        return line;
    }
    let line = Rc::new(shape_uncached(font, text, dir, tabular));
    remember(&LINES, slot, text, &line);
    line
}

/// Whether every character of `text` resolves to one right-to-left run in an RTL
/// paragraph: Arabic-script letters and marks, spaces, ZWNJ and neutral punctuation;
/// no digits, no Latin, no bidi controls. Most labels are; they skip the bidi pass.
fn single_rtl_run(text: &str) -> bool {
    text.chars().all(|c| match c {
        ' ' | '\u{200C}' | '\u{200D}' | '،' | '؛' | '؟' | '«' | '»' | '.' | ':' | '—' | '–' | '-' | '+' | '/' | '•' => true,
        '\u{0600}'..='\u{06FF}' => !matches!(c, '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' | '\u{066B}' | '\u{066C}' | '\u{061C}'),
        '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' => true,
        _ => false,
    }) && text.chars().any(|c| ('\u{0620}'..='\u{06FF}').contains(&c))
}

fn shape_uncached(font: FontId, text: &str, dir: Dir, tabular: bool) -> Line {
    if dir == Dir::Rtl && single_rtl_run(text) {
        let run = shape_run(font, text, true, tabular);
        return Line {
            font,
            text: text.to_string(),
            units: run.width,
            runs: vec![run],
        };
    }
    let level = match dir {
        Dir::Rtl => Level::rtl(),
        Dir::Ltr => Level::ltr(),
    };
    let bidi = ParagraphBidiInfo::new(text, Some(level));
    // Bidi controls (marks, embeddings, isolates) have done their work once the runs
    // are known; they are never drawn.
    let shape = |range: std::ops::Range<usize>, rtl: bool| {
        let part = &text[range];
        if part.chars().any(is_bidi_control) {
            let clean: String = part.chars().filter(|c| !is_bidi_control(*c)).collect();
            shape_run(font, &clean, rtl, tabular)
        } else {
            shape_run(font, part, rtl, tabular)
        }
    };
    let runs: Vec<Rc<Run>> = if !bidi.has_rtl() {
        vec![shape(0..text.len(), false)]
    } else {
        let (levels, runs) = bidi.visual_runs(0..text.len());
        runs.into_iter()
            .filter(|r| !r.is_empty())
            .map(|r| {
                let rtl = levels[r.start].is_rtl();
                shape(r, rtl)
            })
            .collect()
    };
    let units = runs.iter().map(|r| r.width).sum();
    Line {
        font,
        text: text.to_string(),
        runs,
        units,
    }
}

/// Width of `text` on one line, in points.
pub fn measure(font: FontId, size: f32, text: &str, dir: Dir) -> f32 {
    shape_line(font, text, dir).width(size)
}

/// [`wrap`], with tabular figures when `tabular`.
pub fn wrap_as(
    font: FontId,
    size: f32,
    text: &str,
    max_width: f32,
    dir: Dir,
    tabular: bool,
) -> Vec<Rc<Line>> {
    if !tabular {
        return wrap(font, size, text, max_width, dir);
    }
    // Figures are short: one line unless the text has words to break at.
    let one = shape_line_as(font, text, dir, true);
    if one.width(size) <= max_width || !text.contains(' ') {
        return vec![one];
    }
    wrap(font, size, text, max_width, dir)
        .iter()
        .map(|l| shape_line_as(font, &l.text, dir, true))
        .collect()
}

/// The words of a paragraph, a number kept with the words on either side of it
/// («خوشه ۶۰ هزار», «شماره ۱ قم», «مورخ ۱۴۰۲/۰۹/۲۹»): a line never breaks between a
/// number and the word it belongs to.
fn bound(para: &str) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let numeric_end = |w: &str| w.chars().next_back().is_some_and(|c| c.is_numeric());
    let numeric_start = |w: &str| w.chars().next().is_some_and(|c| c.is_numeric());
    for word in para.split(' ').filter(|w| !w.is_empty()) {
        match units.last_mut() {
            Some(last) if numeric_end(last) || numeric_start(word) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => units.push(word.to_string()),
        }
    }
    units
}

/// Breaks `text` into lines no wider than `max_width` points: at spaces (never at a
/// ZWNJ, which joins a word, nor beside a number, see [`bound`]), and inside a word
/// only when the word alone is too wide. Explicit newlines start a new line.
pub fn wrap(font: FontId, size: f32, text: &str, max_width: f32, dir: Dir) -> Vec<Rc<Line>> {
    // Words are measured once each and summed with the space between them; shaping
    // does not join across a space, so the sum is the line's width.
    let space = measure(font, size, " ", dir);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut current = String::new();
        let mut width = 0.0;
        let mut units = bound(para);
        units.reverse();
        while let Some(unit) = units.pop() {
            let word = unit.as_str();
            let w = measure(font, size, word, dir);
            // A number bound to its words that does not fit a line alone: it breaks
            // at its spaces after all.
            if w > max_width && word.contains(' ') {
                units.extend(word.split(' ').rev().map(str::to_string));
                continue;
            }
            if current.is_empty() && w <= max_width {
                current.push_str(word);
                width = w;
                continue;
            }
            if !current.is_empty() && width + space + w <= max_width {
                current.push(' ');
                current.push_str(word);
                width += space + w;
                continue;
            }
            if !current.is_empty() {
                lines.push(shape_line(font, &current, dir));
                current.clear();
            }
            if w <= max_width {
                current.push_str(word);
                width = w;
                continue;
            }
            // A word wider than the line: at its hyphens if it has any
            // («Abdolhosseinzadeh-|Tabatabaei»), the hyphen kept at the end of the line.
            if word.contains('-') && !word.starts_with('-') {
                let mut parts: Vec<String> = Vec::new();
                for piece in word.split_inclusive('-') {
                    parts.push(piece.to_string());
                }
                if parts.len() > 1 {
                    // Each piece is placed as a word of its own, without a space.
                    let mut first = true;
                    for piece in parts {
                        let pw = measure(font, size, &piece, dir);
                        if !first && width + pw <= max_width {
                            current.push_str(&piece);
                            width += pw;
                        } else {
                            if !current.is_empty() {
                                lines.push(shape_line(font, &current, dir));
                            }
                            current = piece;
                            width = pw;
                        }
                        first = false;
                    }
                    if width <= max_width {
                        continue;
                    }
                    // A piece still too wide: broken between characters below.
                    let rest = std::mem::take(&mut current);
                    units.push(rest);
                    continue;
                }
            }
            // Otherwise between characters.
            for ch in word.chars() {
                let mut candidate = current.clone();
                candidate.push(ch);
                if !current.is_empty() && measure(font, size, &candidate, dir) > max_width {
                    lines.push(shape_line(font, &current, dir));
                    current = ch.to_string();
                } else {
                    current = candidate;
                }
            }
            width = measure(font, size, &current, dir);
        }
        lines.push(shape_line(font, &current, dir));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gids(line: &Line) -> Vec<u16> {
        line.runs
            .iter()
            .flat_map(|r| r.glyphs.iter().map(|g| g.gid))
            .collect()
    }

    #[test]
    fn persian_letters_join() {
        // The same letter takes different glyphs in isolated and joined positions.
        let isolated = gids(&shape_line(FontId::Regular, "ب", Dir::Rtl));
        let joined = gids(&shape_line(FontId::Regular, "ببب", Dir::Rtl));
        assert_eq!(joined.len(), 3);
        assert!(!joined.contains(&isolated[0]), "{isolated:?} {joined:?}");
        assert_ne!(joined[0], joined[1]);
    }

    #[test]
    fn mixed_line_runs_in_visual_order() {
        let line = shape_line(FontId::Regular, "کد ملی: 0012345679 — شماره", Dir::Rtl);
        let texts: Vec<&str> = line.runs.iter().map(|r| r.text.as_str()).collect();
        // Visual order, left to right: the last logical Persian word comes first.
        assert!(texts.first().unwrap().contains("شماره"), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("0012345679")), "{texts:?}");
        assert!(texts.last().unwrap().contains("کد ملی"), "{texts:?}");
    }

    #[test]
    fn isolated_runs_keep_their_order_and_controls_are_not_drawn() {
        // Without the isolate, "025-3291-0000" after Persian text would read backwards.
        let line = shape_line(
            FontId::Regular,
            "تلفن: \u{2066}025-3291-0000\u{2069}",
            Dir::Rtl,
        );
        let texts: Vec<&str> = line.runs.iter().map(|r| r.text.as_str()).collect();
        assert!(texts.contains(&"025-3291-0000"), "{texts:?}");
        assert!(
            line.runs
                .iter()
                .all(|r| r.glyphs.iter().all(|g| g.gid != 0)),
            "no .notdef"
        );
    }

    #[test]
    fn wraps_at_spaces_and_keeps_zwnj_words_whole() {
        let text = "آزمون‌های صنایع‌دستی، فرش و نانوایان در دفتر پیشخوان خدمات دولت";
        let width = measure(FontId::Regular, 10.0, "آزمون‌های صنایع‌دستی،", Dir::Rtl) + 1.0;
        let lines = wrap(FontId::Regular, 10.0, text, width, Dir::Rtl);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(l.width(10.0) <= width + 0.01);
            let t: String = l.runs.iter().map(|r| r.text.as_str()).collect();
            assert!(
                !t.starts_with('\u{200C}') && !t.ends_with('\u{200C}'),
                "{t:?}"
            );
        }
        let long = "ب".repeat(80);
        let lines = wrap(FontId::Regular, 10.0, &long, 100.0, Dir::Rtl);
        assert!(lines.len() > 1 && lines.iter().all(|l| l.width(10.0) <= 100.01));
    }

    #[test]
    fn a_number_stays_with_its_words() {
        assert_eq!(
            bound("قالی‌باف (خوشه ۶۰ هزار تومانی)"),
            ["قالی‌باف", "(خوشه ۶۰ هزار", "تومانی)"]
        );
        assert_eq!(bound("شماره ۱ قم"), ["شماره ۱ قم"]);
        assert_eq!(bound("مورخ ۱۴۰۲/۰۹/۲۹ اداره"), ["مورخ ۱۴۰۲/۰۹/۲۹ اداره"]);
        // At every width, no line ends or starts beside «۶۰» unless the whole
        // «(خوشه ۶۰ هزار» cannot fit a line.
        let text = "حرفه و خوشه: قالی‌باف دستباف (خوشه ۶۰ هزار تومانی)";
        let unit = measure(FontId::Regular, 10.0, "(خوشه ۶۰ هزار", Dir::Rtl);
        for w in (40..200).step_by(5) {
            let lines = wrap(FontId::Regular, 10.0, text, w as f32, Dir::Rtl);
            for l in &lines {
                let t = l.text.trim();
                if unit <= w as f32 {
                    assert!(!t.ends_with("۶۰") && !t.starts_with("۶۰"), "{w}: {t:?}");
                    assert!(!t.starts_with("هزار"), "{w}: {t:?}");
                }
            }
        }
    }

    #[test]
    fn a_long_latin_word_breaks_at_its_hyphen() {
        let head = measure(FontId::Regular, 10.0, "Abdolhosseinzadeh-", Dir::Ltr);
        let lines = wrap(
            FontId::Regular,
            10.0,
            "Abdolhosseinzadeh-Tabatabaei",
            head + 2.0,
            Dir::Ltr,
        );
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Abdolhosseinzadeh-", "Tabatabaei"]);
    }
}
