//! Shaping: text in logical order to positioned glyphs in visual order.
//!
//! Each paragraph goes through the Unicode bidi algorithm (`unicode-bidi`) once, and
//! each of its lines is reordered from the paragraph's levels (UAX #9, rules L1–L2
//! per line) into directional runs in visual order, so a comma or a bracket where a
//! mixed text wraps takes the direction its paragraph gives it. Each run is shaped by
//! `rustybuzz` (HarfBuzz) in its own direction, which picks the joined contextual
//! forms, mirrors brackets in right-to-left runs and applies kerning. Shaped runs and
//! paragraphs are cached: receipts repeat the same labels thousands of times.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;
use std::str::FromStr;

use rustc_hash::FxHashMap;
use rustybuzz::{Direction, Feature, Language, Script, ShapePlan, UnicodeBuffer};
use unicode_bidi::{Level, ParagraphBidiInfo};

use super::breaks;
use super::digits;
use super::font::FontId;
use super::glyphs::{Glyph, Line, Run};
use crate::core::text::is_bidi_control;

/// The base direction of a paragraph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    Rtl,
    Ltr,
}

/// Shaped runs by face, direction and figures (tabular or not), then text: looked up by `&str`, with no key
/// to allocate, under a fast hash (the keys are our own text, not an attacker's).
type Cache<T> = RefCell<[FxHashMap<Box<str>, Rc<T>>; 8]>;

thread_local! {
    static CACHE: Cache<Run> = RefCell::new(Default::default());
    static PARAGRAPHS: Cache<Vec<Rc<Line>>> = RefCell::new(Default::default());
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
    cache.with(|c| cache_insert(&mut c.borrow_mut()[i], text.into(), v.clone()));
}

/// Keeps `value` in a cache of text laid out before, which starts afresh when full:
/// a run's fixed text is a few hundred entries, and a thread is not kept for ever.
pub(super) fn cache_insert<K: std::hash::Hash + Eq, V>(
    map: &mut FxHashMap<K, V>,
    key: K,
    value: V,
) {
    if map.len() >= CACHE_LIMIT {
        map.clear();
    }
    map.insert(key, value);
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
    if digits::is_digits(text) {
        let run = digits::compose(text, |d| shape_run(font, d, false, tabular));
        return Line::new(font, text.to_string(), vec![Rc::new(run)]);
    }
    shaped(font, text, dir, tabular)
}

/// A line shaped whole by rustybuzz, in its bidi runs.
pub(super) fn shaped(font: FontId, text: &str, dir: Dir, tabular: bool) -> Line {
    if dir == Dir::Rtl && single_rtl_run(text) {
        return Line::new(
            font,
            text.to_string(),
            vec![shape_run(font, text, true, tabular)],
        );
    }
    let bidi = ParagraphBidiInfo::new(text, Some(level_of(dir)));
    shape_in_paragraph(font, text, &bidi, 0..text.len(), tabular)
}

fn level_of(dir: Dir) -> Level {
    match dir {
        Dir::Rtl => Level::rtl(),
        Dir::Ltr => Level::ltr(),
    }
}

/// The line `range` of a paragraph whose bidi levels are resolved (`bidi`): its
/// runs in visual order by the paragraph's levels, each shaped in its direction.
fn shape_in_paragraph(
    font: FontId,
    para: &str,
    bidi: &ParagraphBidiInfo,
    range: Range<usize>,
    tabular: bool,
) -> Line {
    // Bidi controls (marks, embeddings, isolates) have done their work once the runs
    // are known; they are never drawn.
    let shape = |range: Range<usize>, rtl: bool| {
        let part = &para[range];
        if part.chars().any(is_bidi_control) {
            let clean: String = part.chars().filter(|c| !is_bidi_control(*c)).collect();
            shape_run(font, &clean, rtl, tabular)
        } else {
            shape_run(font, part, rtl, tabular)
        }
    };
    let runs: Vec<Rc<Run>> = if !bidi.has_rtl() {
        vec![shape(range.clone(), false)]
    } else {
        let (levels, runs) = bidi.visual_runs(range.clone());
        runs.into_iter()
            .filter(|r| !r.is_empty())
            .map(|r| {
                let rtl = levels[r.start].is_rtl();
                shape(r, rtl)
            })
            .collect()
    };
    Line::new(font, para[range].to_string(), runs)
}

/// A paragraph's lines shaped: each from the paragraph's bidi levels when its
/// directions are mixed (resolving each line alone would give a neutral at a line's
/// end the paragraph's direction instead of its neighbours'), otherwise each line on
/// its own, from the cache. `lines` are the paragraph's words broken into lines.
fn shape_paragraph(
    font: FontId,
    para: &str,
    lines: &[String],
    dir: Dir,
    tabular: bool,
) -> Vec<Rc<Line>> {
    let alone = || {
        lines
            .iter()
            .map(|l| shape_line_as(font, l, dir, tabular))
            .collect()
    };
    // Most texts fit one line: nothing to resolve across lines, nothing to build.
    if lines.len() < 2 {
        return alone();
    }
    // The words as the lines hold them: one space between words.
    let norm = para
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if dir == Dir::Rtl && single_rtl_run(&norm) {
        return alone();
    }
    // The same paragraph broken the same way (a footnote, an approval) repeats on
    // every receipt: its lines are kept, keyed by the paragraph and its breaks.
    let slot = slot_of(font, dir == Dir::Rtl, tabular);
    let key = format!("{norm}\u{1}{}", lines.join("\n"));
    if let Some(done) = cached(&PARAGRAPHS, slot, &key) {
        return done.as_ref().clone();
    }
    let done = paragraph_lines(font, &norm, lines, dir, tabular).unwrap_or_else(alone);
    remember(&PARAGRAPHS, slot, &key, &Rc::new(done.clone()));
    done
}

/// [`shape_paragraph`]'s lines from the paragraph's levels (`norm`: its words one
/// space apart); `None` when each line may be shaped alone, or the lines are not
/// the paragraph's words in order.
fn paragraph_lines(
    font: FontId,
    norm: &str,
    lines: &[String],
    dir: Dir,
    tabular: bool,
) -> Option<Vec<Rc<Line>>> {
    let bidi = ParagraphBidiInfo::new(norm, Some(level_of(dir)));
    if dir == Dir::Ltr && !bidi.has_rtl() {
        // One left-to-right run: each line alone is the same.
        return None;
    }
    // Each line's place in the paragraph: lines follow one another, a space or
    // nothing (a word broken inside) between them.
    let mut ranges = Vec::with_capacity(lines.len());
    let mut at = 0;
    for l in lines {
        if norm[at..].starts_with(' ') && !l.starts_with(' ') {
            at += 1;
        }
        if !norm[at..].starts_with(l.as_str()) {
            return None;
        }
        ranges.push(at..at + l.len());
        at += l.len();
    }
    Some(
        ranges
            .into_iter()
            .map(|r| Rc::new(shape_in_paragraph(font, norm, &bidi, r, tabular)))
            .collect(),
    )
}

/// Width of `text` on one line, in points.
pub fn measure(font: FontId, size: f32, text: &str, dir: Dir) -> f32 {
    shape_line(font, text, dir).width(size)
}

/// [`wrap`], with tabular figures when `tabular`; `data` (a name, a number) is
/// not kept for the next document, which rarely repeats it.
pub fn wrap_as(
    font: FontId,
    size: f32,
    text: &str,
    max_width: f32,
    dir: Dir,
    (tabular, data): (bool, bool),
) -> Vec<Rc<Line>> {
    if tabular {
        // Figures are short: one line unless the text has words to break at.
        let one = shape_line_as(font, text, dir, true);
        if one.width(size) <= max_width || !text.contains(' ') {
            return vec![one];
        }
    }
    wrap_shaped(font, size, text, max_width, dir, (tabular, !data))
}

/// Breaks `text` into lines no wider than `max_width` points: at spaces (never at a
/// ZWNJ, which joins a word, nor beside a number: see `breaks`), and inside a word
/// only when the word alone is too wide. Explicit newlines start a new line.
pub fn wrap(font: FontId, size: f32, text: &str, max_width: f32, dir: Dir) -> Vec<Rc<Line>> {
    wrap_shaped(font, size, text, max_width, dir, (false, true))
}

/// Wrapped texts by face, size, width, direction, figures and text. A receipt's
/// labels, notes and approvals are wrapped the same at the same width on every
/// receipt: breaking them measures every candidate line, a tenth of a receipt's time.
type WrapKey = (FontId, u32, u32, Dir, bool, Box<str>);

thread_local! {
    static WRAPPED: RefCell<FxHashMap<WrapKey, Rc<[Rc<Line>]>>> = RefCell::new(Default::default());
}

/// Breaks `text` into lines (see [`wrap`]); kept for the next document when `keep`.
fn wrap_shaped(
    font: FontId,
    size: f32,
    text: &str,
    max_width: f32,
    dir: Dir,
    (tabular, keep): (bool, bool),
) -> Vec<Rc<Line>> {
    let key = || -> WrapKey {
        let bits = (size.to_bits(), max_width.to_bits());
        (font, bits.0, bits.1, dir, tabular, text.into())
    };
    if keep && let Some(hit) = WRAPPED.with(|w| w.borrow().get(&key()).cloned()) {
        return hit.to_vec();
    }
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let broken = breaks::break_paragraph(para, max_width, |t| measure(font, size, t, dir));
        lines.extend(shape_paragraph(font, para, &broken, dir, tabular));
    }
    if keep {
        WRAPPED.with(|w| cache_insert(&mut w.borrow_mut(), key(), lines.as_slice().into()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_strings_come_out_as_shaped_whole() {
        // The short way (`digits`) against rustybuzz on the whole string, through
        // the bidi pass, in both directions: times, IDs, receipt numbers.
        let texts = [
            "۰۸:۱۳",
            "۲۳:۵۹",
            "۰",
            "۱۲",
            "۰۰۱۲۳۴۵۶۷۸",
            "۰۹۱۲۳۴۵۶۷۸۹",
            "۱۴۰۲۱۰۲۶۰۰۰۰۰۱",
        ];
        for font in FontId::ALL {
            for dir in [Dir::Ltr, Dir::Rtl] {
                for tabular in [false, true] {
                    for t in texts {
                        assert!(digits::is_digits(t));
                        let (ours, whole) = (
                            shape_line_as(font, t, dir, tabular),
                            shaped(font, t, dir, tabular),
                        );
                        let glyphs = |l: &Line| {
                            let g = l.runs.iter().flat_map(|r| {
                                r.glyphs
                                    .iter()
                                    .map(|g| (r.rtl, g.gid, g.advance, g.dx, g.dy, g.text.clone()))
                            });
                            g.collect::<Vec<_>>()
                        };
                        assert_eq!((&ours.text, ours.units), (&whole.text, whole.units), "{t}");
                        assert_eq!(
                            glyphs(&ours),
                            glyphs(&whole),
                            "{font:?} {dir:?} {tabular} {t}"
                        );
                    }
                }
            }
        }
    }

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
            breaks::bound("قالی‌باف (خوشه ۶۰ هزار تومانی)"),
            ["قالی‌باف", "(خوشه ۶۰ هزار تومانی)"]
        );
        assert_eq!(breaks::bound("شماره ۱ قم"), ["شماره ۱ قم"]);
        assert_eq!(
            breaks::bound("مورخ ۱۴۰۲/۰۹/۲۹ اداره"),
            ["مورخ ۱۴۰۲/۰۹/۲۹ اداره"]
        );
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

    /// Each line of `text` wrapped at `w` against the unicode-bidi crate's paragraph
    /// API: the paragraph's levels, each line reordered on its own range.
    fn lines_match_the_paragraph(text: &str, dir: Dir, w: f32) -> Vec<Rc<Line>> {
        let lines = wrap(FontId::Regular, 8.0, text, w, dir);
        let bidi = ParagraphBidiInfo::new(text, Some(level_of(dir)));
        let mut at = 0;
        for l in &lines {
            if text[at..].starts_with(' ') {
                at += 1;
            }
            let range = at..at + l.text.len();
            assert_eq!(&text[range.clone()], l.text, "{text:?} at {w}");
            let (levels, runs) = bidi.visual_runs(range.clone());
            let want: Vec<(&str, bool)> = runs
                .iter()
                .filter(|r| !r.is_empty())
                .map(|r| (&text[r.clone()], levels[r.start].is_rtl()))
                .collect();
            let got: Vec<(&str, bool)> = l.runs.iter().map(|r| (r.text.as_str(), r.rtl)).collect();
            assert_eq!(got, want, "{text:?} at {w}: line {:?}", l.text);
            at = range.end;
        }
        lines
    }

    #[test]
    fn a_wrapped_mixed_text_keeps_its_paragraphs_directions() {
        for text in [
            "Qom TVTO Center No. 3, Amin Blvd",
            "قالی‌بافی (Persian carpet, level 2)",
            "مرکز آموزش فنی و حرفه‌ای Qom Center, Amin Blvd، قم",
            "نان سنگک‌پز (خوشه ۹۰ هزار تومانی)",
        ] {
            let full = measure(FontId::Regular, 8.0, text, Dir::Rtl);
            for step in 2..=12 {
                lines_match_the_paragraph(text, Dir::Rtl, full * step as f32 / 12.0);
            }
        }
        // The venue in a sentence, broken after «3,»: the comma stays after the 3 in
        // the Latin run, as when the text is on one line; resolved alone, the line
        // would give it the paragraph's direction and set it apart at the far left.
        let text = "محل آزمون: Qom TVTO Center No. 3, Amin Blvd";
        let head = "محل آزمون: Qom TVTO Center No. 3,";
        let w = measure(FontId::Regular, 8.0, head, Dir::Rtl) + 0.5;
        let lines = lines_match_the_paragraph(text, Dir::Rtl, w);
        assert_eq!(lines[0].text, head);
        let visual: Vec<&str> = lines[0].runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(visual, ["Qom TVTO Center No. 3,", "محل آزمون: "]);
        let alone = shape_line(FontId::Regular, head, Dir::Rtl);
        let alone: Vec<&str> = alone.runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            alone,
            [",", "Qom TVTO Center No. 3", "محل آزمون: "],
            "the old way"
        );
        // The trade broken after «carpet,»: the comma with «carpet», the bracket
        // opening at the right, mirrored by its right-to-left run. (Six words in
        // brackets are too many to keep whole.)
        let text = "قالی‌بافی (Persian carpet, the weaving level 2)";
        let w = measure(FontId::Regular, 8.0, "قالی‌بافی (Persian carpet,", Dir::Rtl) + 0.5;
        let lines = lines_match_the_paragraph(text, Dir::Rtl, w);
        let visual: Vec<(&str, bool)> = lines[0]
            .runs
            .iter()
            .map(|r| (r.text.as_str(), r.rtl))
            .collect();
        assert_eq!(visual, [("Persian carpet,", false), ("قالی‌بافی (", true)]);
    }
}
