//! The typesetting engine through what a PDF reader sees: poppler's pdftotext,
//! pdffonts and qpdf (installed by scripts/test).

use std::path::Path;
use std::process::Command;

use pishkhan::typeset::{Align, Area, Cell, Dir, Document, FontId, Page, PageSize, Style, Table};

/// A line with lam-alef ligatures (one glyph for «لا»), which must come back in order.
const LIGATURES: &str = "برگ اعلام زمان آزمون — پلاک ۸، سلام";

pub const FIVE_LINES: [&str; 5] = [
    "رسید پرداخت — دفتر پیشخوان خدمات دولت",
    "ثبت نام + چاپ برگ: ۲۴٬۸۹۹ تومان",
    "کد ملی: 0012345679 — شماره همراه ۰۹۱۲۳۴۵۶۷۸۹",
    "آزمون صنایع‌دستی، فرش و نانوایان (مرحله ۴) — تاریخ آزمون کتبی: ۱۴۰۲/۱۱/۲۶",
    "Payment of exam fee (60,000 toman) — پرداخت هزینه آزمون",
];

fn five_line_pdf() -> Vec<u8> {
    let mut page = Page::new(PageSize::A4);
    let w = page.width() - 80.0;
    let mut y = 60.0;
    for line in FIVE_LINES.iter().chain([&LIGATURES]) {
        y += page.text(
            Area::new(40.0, y, w),
            Style::regular(13.0),
            Align::Right,
            Dir::Rtl,
            line,
        ) + 8.0;
    }
    let mut doc = Document::new("five lines");
    doc.push(page).unwrap();
    doc.finish()
}

fn tool(name: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(name)
        .args(args)
        .arg(pdf)
        .args(if name == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| {
            panic!("{name} is needed (scripts/test installs poppler-utils and qpdf): {e}")
        });
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The words, numbers and Latin words of a line: whitespace-separated, with the
/// punctuation around them trimmed (ZWNJ inside a word is kept).
///
/// Why not punctuation: pdftotext rebuilds logical order from the glyphs' positions
/// with its own simplified bidi pass, which files a neutral mark standing between a
/// number and a Persian word (`برگ: ۲۴٬۸۹۹`) with the number's run, whatever the PDF
/// does; words, numbers and their order come back exactly.
fn tokens(line: &str) -> Vec<&str> {
    line.split_whitespace()
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// pdftotext's text with the bidi embedding controls it wraps runs in removed.
fn pdftotext(pdf: &Path) -> String {
    tool("pdftotext", &["-layout", "-enc", "UTF-8"], pdf)
        .chars()
        .filter(|c| !('\u{202A}'..='\u{202E}').contains(c))
        .collect()
}

#[test]
fn five_lines_come_back_intact() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), "five.pdf", &five_line_pdf());
    let text = pdftotext(&pdf);
    for line in FIVE_LINES {
        for token in tokens(line) {
            assert!(
                text.contains(token),
                "token {token:?} missing from:\n{text}"
            );
        }
    }
    for number in [
        "0012345679",
        "۰۹۱۲۳۴۵۶۷۸۹",
        "۲۴٬۸۹۹",
        "۱۴۰۲/۱۱/۲۶",
        "60,000",
    ] {
        assert!(text.contains(number), "{number} in {text}");
    }
    assert!(text.contains("صنایع\u{200C}دستی"), "ZWNJ kept: {text}");
    for word in tokens(LIGATURES) {
        assert!(text.contains(word), "ligature word {word:?} in {text}");
    }
    let bad = |c: char| ('\u{FB50}'..='\u{FEFF}').contains(&c) || c == '\u{FFFD}';
    assert!(
        !text.chars().any(bad),
        "presentation forms or U+FFFD in {text}"
    );
    let first = text.lines().find(|l| l.contains("رسید")).unwrap();
    assert_eq!(
        tokens(first),
        tokens(FIVE_LINES[0]),
        "logical order: {first}"
    );
}

#[test]
fn fonts_are_embedded_subsets_and_the_file_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), "five.pdf", &five_line_pdf());
    let fonts = tool("pdffonts", &[], &pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        let name = row.split_whitespace().next().unwrap();
        assert!(
            name.len() > 7 && name.as_bytes()[6] == b'+',
            "subset tag: {row}"
        );
        assert!(row.contains(" yes yes "), "embedded and subset: {row}");
    }
    tool("qpdf", &["--check"], &pdf);
}

#[test]
fn same_input_same_bytes() {
    assert_eq!(five_line_pdf(), five_line_pdf());
}

#[test]
fn long_text_wraps_inside_its_cell() {
    let long = "محمدحسین عبدالرحیم‌زاده اصفهانی نژاد فرزند غلامرضا از قم و خانواده";
    assert!(long.chars().count() >= 60, "a 60-character name");
    let mut page = Page::new(PageSize::A5);
    let right = page.width() - 30.0;
    // The name is set in Regular, its neighbours in Bold, to tell their glyphs apart.
    let (name_style, other) = (Style::regular(10.0), Style::bold(10.0));
    let mut t = Table::new(vec![30.0, 120.0, 60.0, 80.0]);
    t.row(vec![
        Cell::new("۱", other, Align::Center),
        Cell::new(long, name_style, Align::Right),
        Cell::new("0012345679", other, Align::Center).ltr(),
        Cell::new("۲۴٬۸۹۹", other, Align::Left),
    ]);
    let h = page.table(right, 50.0, &t);
    assert!(
        h > 3.0 * name_style.line_height(),
        "the name wrapped onto several lines: {h}"
    );
    let (cell_left, cell_right) = (right - 30.0 - 120.0, right - 30.0);
    let boxes = page.glyph_boxes();
    let name_glyphs: Vec<_> = boxes.iter().filter(|b| b.0 == FontId::Regular).collect();
    assert!(name_glyphs.len() > 50);
    for (_, _, x, _, adv) in &name_glyphs {
        assert!(
            *x >= cell_left && x + adv <= cell_right + 0.01,
            "glyph at {x}+{adv} leaves [{cell_left}, {cell_right}]"
        );
    }
    // And the neighbours stay out of the name's cell.
    for (_, _, x, _, adv) in boxes.iter().filter(|b| b.0 == FontId::Bold) {
        assert!(
            x + adv <= cell_left + 0.01 || *x >= cell_right - 0.01,
            "neighbour glyph at {x}"
        );
    }
}

/// Writes the five-line sample where a person can look at it (`cargo test -- --ignored`
/// is not used: the file is written by a normal test run into the target dir).
#[test]
fn five_lines_sample_for_eyes() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("five-lines.pdf");
    std::fs::write(&out, five_line_pdf()).unwrap();
}

/// The Bold subsets listed by pdffonts, by name (`TAG+Vazirmatn-Bold`).
fn bold_subsets(pdf: &Path) -> Vec<String> {
    tool("pdffonts", &[], pdf)
        .lines()
        .skip(2)
        .filter_map(|r| r.split_whitespace().next())
        .filter(|n| n.ends_with("Vazirmatn-Bold"))
        .map(str::to_string)
        .collect()
}

fn labelled(value: &str) -> Vec<u8> {
    let mut page = Page::new(PageSize::A5);
    let area = Area::new(20.0, 40.0, page.width() - 40.0);
    let label = Style::bold(12.0);
    page.text(area, label, Align::Right, Dir::Rtl, "نام و نام خانوادگی");
    let area = Area::new(20.0, 70.0, page.width() - 40.0);
    page.text(area, label.data(), Align::Right, Dir::Rtl, value);
    let mut doc = Document::new("data");
    doc.push(page).unwrap();
    doc.finish()
}

#[test]
fn data_text_gets_a_subset_of_only_what_the_template_lacks() {
    let dir = tempfile::tempdir().unwrap();
    // Every glyph of «خانوادگی نام» is in the label: no subset of its own.
    let same = write(dir.path(), "same.pdf", &labelled("خانوادگی نام"));
    assert_eq!(bold_subsets(&same).len(), 1, "{:?}", bold_subsets(&same));
    assert!(pdftotext(&same).contains("خانوادگی نام"));
    // New letters go in a second, small subset; the label's subset is the same
    // (same tag) whatever the data, so it is built once; words whose glyphs come from
    // both subsets read back whole.
    let a = write(dir.path(), "a.pdf", &labelled("زهرا فرهادی‌پور"));
    let b = write(dir.path(), "b.pdf", &labelled("محمدحسین کریمی"));
    let (sa, sb) = (bold_subsets(&a), bold_subsets(&b));
    assert_eq!((sa.len(), sb.len()), (2, 2), "{sa:?} {sb:?}");
    assert_eq!(
        sa[0], sb[0],
        "the label's subset does not change with the data"
    );
    assert_ne!(sa[1], sb[1]);
    assert!(
        pdftotext(&a).contains("زهرا فرهادی\u{200C}پور"),
        "{}",
        pdftotext(&a)
    );
    assert!(
        pdftotext(&b).contains("محمدحسین کریمی"),
        "{}",
        pdftotext(&b)
    );
    tool("qpdf", &["--check"], &a);
}

#[test]
fn the_engine_refuses_a_page_that_draws_outside_its_safe_area() {
    use pishkhan::typeset::{Color, SAFE};
    // Text in the 5 mm margin of a sheet, past a roll's printable width, a rule off
    // the page's foot: each is refused and named.
    let mut text = Page::new(PageSize::A5);
    text.text(
        Area::new(2.0, 100.0, 200.0),
        Style::regular(10.0),
        Align::Left,
        Dir::Rtl,
        "سلام",
    );
    let mut roll = Page::new(PageSize::Roll80);
    let w = roll.width();
    roll.line(1.0, 10.0, w - 1.0, 10.0, 0.6, Color::BLACK);
    roll.set_roll_height(40.0);
    let mut foot = Page::new(PageSize::A4);
    let h = foot.height();
    foot.rect(40.0, h - 30.0, 100.0, 20.0, None, Some((0.6, Color::BLACK)));
    for (page, what) in [(text, "text"), (roll, "rule"), (foot, "box")] {
        let mut doc = Document::new("x");
        let err = doc.push(page).unwrap_err();
        assert_eq!(err.what, what);
        assert_eq!(doc.page_count(), 0);
        assert!(
            err.to_string().contains("outside the printable area"),
            "{err}"
        );
    }
    // Inside: accepted, the bottom 5 mm included.
    let mut ok = Page::new(PageSize::A4);
    let h = ok.height();
    ok.rect(
        SAFE + 1.0,
        h - SAFE - 20.0,
        100.0,
        19.5,
        None,
        Some((0.6, Color::BLACK)),
    );
    Document::new("x").push(ok).unwrap();
}

#[test]
fn a_flow_moves_a_block_whole_and_repeats_a_tables_header() {
    use pishkhan::typeset::Flow;
    let bottom = PageSize::A5.height().unwrap() - 40.0;
    let mut flow = Flow::new(PageSize::A5, 40.0, Some(bottom));
    flow.heading(|page, y| {
        page.text(
            Area::new(40.0, y, 300.0),
            Style::bold(9.0),
            Align::Right,
            Dir::Rtl,
            "ادامه",
        )
    });
    // A table of 60 rows: more than a page holds.
    let mut t = Table::new(vec![100.0, 200.0]);
    t.row(vec![
        Cell::new("ردیف", Style::bold(9.0), Align::Center),
        Cell::new("شرح", Style::bold(9.0), Align::Center),
    ]);
    for i in 0..60 {
        t.row(vec![
            Cell::new(i.to_string(), Style::regular(9.0), Align::Center),
            Cell::new("خدمت", Style::regular(9.0), Align::Right),
        ]);
    }
    flow.table(340.0, &t, 1);
    // A block 100 pt tall that no longer fits moves whole.
    let before = flow.page_count();
    let y = flow.y();
    flow.block(|page, top| {
        page.rect(
            40.0,
            top,
            300.0,
            100.0,
            None,
            Some((0.6, pishkhan::typeset::Color::BLACK)),
        );
        100.0
    });
    let pages = flow.into_pages();
    assert!(pages.len() >= 2);
    if y + 100.0 > bottom {
        assert_eq!(pages.len(), before + 1);
    }
    let mut doc = Document::new("flow");
    for p in pages {
        doc.push(p).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), "flow.pdf", &doc.finish());
    let text = pdftotext(&pdf);
    let sheets: Vec<&str> = text
        .split('\u{c}')
        .filter(|s| !s.trim().is_empty())
        .collect();
    assert!(sheets.len() >= 2, "{text}");
    for (i, s) in sheets.iter().enumerate() {
        // Every page starts the table with its header; the pages after the first
        // with the heading.
        assert!(s.contains("ردیف"), "page {}: {s}", i + 1);
        assert_eq!(s.contains("ادامه"), i > 0, "page {}: {s}", i + 1);
    }
    // All 60 rows, each once.
    for i in 0..60 {
        let n = text
            .split_whitespace()
            .filter(|w| *w == i.to_string())
            .count();
        assert_eq!(n, 1, "row {i}");
    }
}
