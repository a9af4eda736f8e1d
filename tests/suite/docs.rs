//! The documents as a reader sees them: text through pdftotext, structure through
//! qpdf and pdffonts, size, determinism, and many applicants in one file.

use std::path::Path;
use std::process::Command;

use pishkhan::core::calendar::Calendar;
use pishkhan::core::jalali::JalaliDate;
use pishkhan::core::money::Unit;
use pishkhan::core::office::Office;
use pishkhan::core::tariff::{Selection, Stage, Tariffs};
use pishkhan::desk::{Applicant, Exam, Receipt};
use pishkhan::docs::{Doc, Slip};
use pishkhan::typeset::PageSize;

/// Documents that must lay out.
fn render(docs: &[Doc], size: PageSize) -> Vec<u8> {
    pishkhan::docs::render(docs, size).expect("the documents fit their paper")
}

const SIZES: [PageSize; 4] = [
    PageSize::A5,
    PageSize::A4,
    PageSize::Roll80,
    PageSize::Roll58,
];

pub(crate) fn receipt(kind: Stage, date: &str, stage: Stage, first_name: &str) -> Receipt {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let tariffs = Tariffs::parse(&read("tariffs.toml")).0.unwrap();
    let calendar = Calendar::parse(&read("calendar.toml")).0.unwrap();
    let office = Office::parse(&read("examples/office.toml")).0.unwrap();
    let program = calendar.program("hcb").unwrap();
    let date = JalaliDate::parse(date).unwrap();
    let schedule = tariffs.schedule_on(date).unwrap();
    let cluster = schedule.find_cluster("60000").unwrap();
    let q = schedule
        .quote(Selection::One(stage), Some(cluster), 1)
        .unwrap();
    Receipt {
        kind,
        office: office.into(),
        number: "1402-000123".into(),
        date,
        time: "10:42".into(),
        applicant: Applicant {
            first_name: first_name.into(),
            last_name: "احمدی‌نژاد".into(),
            father_name: "محمدرضا".into(),
            national_id: "0012345679".into(),
            mobile: "09123456789".into(),
            trade: "قالی‌باف دستباف".into(),
            cluster: cluster.name_fa.clone(),
        },
        exam: Exam {
            program: program.name_fa.clone().into(),
            stage: program.stages[0].name_fa.clone().into(),
            written_exam: program.stages[0].written_exam,
            time: Some("08:30".into()),
            venue: Some("مرکز شماره ۱ قم".into()),
        },
        lines: q.lines.into(),
        office_total: q.office_total,
        tvto_total: q.tvto_total,
        grand_total: q.grand_total,
        unit: Unit::Toman,
        approvals: schedule.approvals.clone().into(),
        schedule_id: schedule.id.as_str().into(),
        hash: "3b870224510cb5db".into(),
        signed: None,
    }
}

/// `r` signed as with an office key: its proof line a `PK2` line, longer, its code
/// larger.
pub(crate) fn signed(mut r: Receipt) -> Receipt {
    let proof = pishkhan::desk::proof::Proof::of(&r).unwrap();
    let key = pishkhan::desk::keys::OfficeKey::from_seed([9; 32]);
    r.signed = Some(pishkhan::desk::proof::Signed::sign(proof, "0012345679", &key).text());
    r
}

fn registration() -> Receipt {
    receipt(
        Stage::Registration,
        "1402/10/26",
        Stage::Registration,
        "زهرا",
    )
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} is needed (scripts/test installs poppler-utils and qpdf): {e}")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Writes the PDF and returns pdftotext's text, bidi embedding controls removed.
fn text_of(pdf: &[u8]) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = run(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", path.to_str().unwrap(), "-"],
    )
    .chars()
    .filter(|c| !('\u{202A}'..='\u{202E}').contains(c))
    .collect();
    (dir, path, text)
}

/// Each part is in the text, where a line break may stand for a space (a narrow roll
/// wraps what a sheet keeps on one line).
fn assert_contains(text: &str, parts: &[&str]) {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for p in parts {
        assert!(flat.contains(p), "{p:?} missing from:\n{text}");
    }
}

/// As [`assert_contains`], but on a 58 mm roll, where a table cell wraps over lines
/// that pdftotext interleaves with the cells beside it, each word of a part alone.
fn assert_contains_on(size: PageSize, text: &str, parts: &[&str]) {
    if size != PageSize::Roll58 {
        return assert_contains(text, parts);
    }
    for p in parts {
        for w in p.split_whitespace() {
            assert!(text.contains(w), "{w:?} of {p:?} missing from:\n{text}");
        }
    }
}

#[test]
fn registration_receipt_text() {
    for size in SIZES {
        let (_d, _p, text) = text_of(&render(&[Doc::Receipt(registration())], size));
        assert_contains_on(
            size,
            &text,
            &[
                "رسید ثبت‌نام آزمون مهارتی",
                // pdftotext moves the space after a number that a Persian word
                // follows (its simplified bidi): the words are checked, not the gap.
                "دفتر پیشخوان خدمات دولت",
                "۱۲۳۴",
                "بلوار امین",
                "پلاک",
                "۳۷-۱۲۳۴",
                "۱۴۰۲-۰۰۰۱۲۳",
                "۱۴۰۲/۱۰/۲۶",
                "سه‌شنبه",
                "زهرا احمدی‌نژاد",
                "۰۰۱۲۳۴۵۶۷۹",
                "۰۹۱۲۳۴۵۶۷۸۹",
                "احراز هویت متقاضی براساس مدارک",
                "۳٬۹۰۰",
                "۴٬۶۸۰",
                "۲۴٬۸۹۹",
                "۱۵٬۰۰۰",
                "۴۸٬۴۷۹",
                "۶۰٬۰۰۰",
                "۱۰۸٬۴۷۹",
                "صد و هشت هزار و چهارصد و هفتاد و نه تومان",
                "هزینه صدور گواهینامه در این مرحله دریافت نمی‌شود",
                "۵۶۵۴",
                "۱۷۳۴۲۸",
                "۱۴۰۲-۳۱/۵۹۳۳",
                "مرحله ۴",
            ],
        );
        assert!(
            !text.contains("۱۰۰٬۰۰۰"),
            "no certificate fee at registration:\n{text}"
        );
        assert!(
            !text
                .chars()
                .any(|c| ('\u{FB50}'..='\u{FEFF}').contains(&c) || c == '\u{FFFD}')
        );
    }
}

#[test]
fn exam_slip_text() {
    let slip = Slip {
        receipt: receipt(Stage::Card, "1402/11/24", Stage::Card, "زهرا"),
    };
    for size in SIZES {
        let (_d, _p, text) = text_of(&render(&[Doc::Slip(slip.clone())], size));
        assert_contains_on(
            size,
            &text,
            &[
                "برگ اعلام زمان آزمون",
                "زهرا احمدی‌نژاد",
                "۰۰۱۲۳۴۵۶۷۹",
                "پنجشنبه",
                "۱۴۰۲/۱۱/۲۶",
                "۰۸:۳۰",
                "مرکز شماره",
                "چاپ برگ اعلام زمان آزمون با تأیید متقاضی",
                "۲٬۸۰۰",
                "امضا و اثر انگشت متقاضی",
            ],
        );
    }
}

#[test]
fn certificate_receipt_text() {
    let r = receipt(Stage::Certificate, "1403/01/20", Stage::Certificate, "زهرا");
    let (_d, _p, text) = text_of(&render(&[Doc::Receipt(r)], PageSize::A5));
    assert_contains(
        &text,
        &[
            "رسید پرداخت هزینه گواهینامه",
            "چاپ و ارائه گواهینامه",
            "۵٬۵۱۷",
            "۲۰٬۵۱۷",
            "۱۰۰٬۰۰۰",
            "۱۲۰٬۵۱۷",
        ],
    );
    assert!(!text.contains("دریافت نمی‌شود"));
    // The letter's service numbers 6 and 7; TVTO's fee unnumbered.
    let numbered = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert!(numbered("۱۵٬۰۰۰").contains(&"۶".to_string()), "{text}");
    assert!(numbered("۵٬۵۱۷").contains(&"۷".to_string()), "{text}");
    // One digit alone on the line: the quantity, and no row number beside it.
    let digits = |tokens: Vec<String>| {
        tokens
            .iter()
            .filter(|t| t.chars().count() == 1 && t.chars().all(|c| ('۰'..='۹').contains(&c)))
            .count()
    };
    assert_eq!(digits(numbered("۵٬۵۱۷")), 2, "row 7 and quantity 1");
    assert_eq!(
        digits(numbered("هزینه صدور گواهینامه")),
        1,
        "quantity 1 only"
    );
}

#[test]
fn valid_small_subset_pdfs() {
    let docs = [
        Doc::Receipt(registration()),
        Doc::Slip(Slip {
            receipt: receipt(Stage::Card, "1402/11/24", Stage::Card, "زهرا"),
        }),
        Doc::Receipt(receipt(
            Stage::Certificate,
            "1403/01/20",
            Stage::Certificate,
            "زهرا",
        )),
    ];
    for size in SIZES {
        for doc in &docs {
            let pdf = render(std::slice::from_ref(doc), size);
            assert!(pdf.len() <= 30 * 1024, "{size:?}: {} bytes", pdf.len());
            let (_d, path, _) = text_of(&pdf);
            let path = path.to_str().unwrap();
            run("qpdf", &["--check", path]);
            let fonts = run("pdffonts", &[path]);
            let rows: Vec<&str> = fonts.lines().skip(2).collect();
            // Regular and Bold for the template's text, and for the applicant's data
            // what the template's subsets lack.
            assert!((2..=4).contains(&rows.len()), "{fonts}");
            for row in rows {
                assert!(
                    row.contains("+Vazirmatn-Regular ") || row.contains("+Vazirmatn-Bold "),
                    "{row}"
                );
                assert!(
                    row.as_bytes()[6] == b'+' && row.contains("CID TrueType"),
                    "{row}"
                );
                assert!(row.contains(" yes yes "), "embedded, subset: {row}");
            }
            let info = run("pdfinfo", &[path]);
            assert!(info.contains("Pages:           1"), "{info}");
        }
    }
}

#[test]
fn same_receipt_same_bytes() {
    for size in SIZES {
        let a = render(&[Doc::Receipt(registration())], size);
        let b = render(&[Doc::Receipt(registration())], size);
        assert_eq!(a, b, "{size:?}");
    }
    // Different content, different document id.
    let other = receipt(
        Stage::Registration,
        "1402/10/26",
        Stage::Registration,
        "مریم",
    );
    assert_ne!(
        render(&[Doc::Receipt(other)], PageSize::A5),
        render(&[Doc::Receipt(registration())], PageSize::A5)
    );
}

#[test]
fn many_applicants_one_file_one_subset() {
    let names = ["زهرا", "محمدحسین", "فاطمه", "علی", "مریم"];
    let docs: Vec<Doc> = names
        .iter()
        .map(|n| {
            Doc::Receipt(receipt(
                Stage::Registration,
                "1402/10/26",
                Stage::Registration,
                n,
            ))
        })
        .collect();
    let pdf = render(&docs, PageSize::A5);
    let (_d, path, text) = text_of(&pdf);
    let path = path.to_str().unwrap();
    assert!(run("pdfinfo", &[path]).contains("Pages:           5"));
    // The subsets are shared by all pages: no more of them than for one page.
    let fonts = run("pdffonts", &[path]);
    let (_d1, one, _) = text_of(&render(&docs[..1], PageSize::A5));
    let fonts_one = run("pdffonts", &[one.to_str().unwrap()]);
    assert_eq!(
        fonts.lines().count(),
        fonts_one.lines().count(),
        "one subset per font and role for all pages: {fonts}"
    );
    for n in names {
        assert!(text.contains(&format!("{n} احمدی‌نژاد")), "{n}");
    }
    // Far smaller than five separate files: the fonts are shared.
    assert!(pdf.len() < 2 * render(&[Doc::Receipt(registration())], PageSize::A5).len());
}

#[test]
fn roll_grows_with_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(
        &path,
        render(&[Doc::Receipt(registration())], PageSize::Roll80),
    )
    .unwrap();
    let info = run("pdfinfo", &[path.to_str().unwrap()]);
    let size = info.lines().find(|l| l.starts_with("Page size:")).unwrap();
    // 80 mm wide (226.77 pt), and taller than wide: the whole receipt on one strip.
    let w: f32 = size.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!((w - 226.77).abs() < 0.01, "{size}");
    let h: f32 = size.split_whitespace().nth(4).unwrap().parse().unwrap();
    assert!(h > 500.0 && h < 2000.0, "{size}");
}

/// The length of a roll document's strip, in millimetres.
fn roll_mm(doc: Doc, size: PageSize) -> f32 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, render(&[doc], size)).unwrap();
    let info = run("pdfinfo", &[path.to_str().unwrap()]);
    let size = info.lines().find(|l| l.starts_with("Page size:")).unwrap();
    let h: f32 = size.split_whitespace().nth(4).unwrap().parse().unwrap();
    h / 72.0 * 25.4
}

#[test]
fn roll_documents_spend_little_paper() {
    // The example applicant's documents, the same with long names and signed, each on
    // at most the paper the roll layouts were made for: the receipt in 250 mm on 58
    // and 200 on 80 (the first rolls took 359 and 292 mm, 382 mm on 58 with long
    // names, 327 mm for the certificate receipt), the others in proportion.
    let slip = |r: Receipt| Doc::Slip(Slip { receipt: r });
    let card = || receipt(Stage::Card, "1402/11/24", Stage::Card, "زهرا");
    let cert = || receipt(Stage::Certificate, "1403/01/20", Stage::Certificate, "زهرا");
    let long = |mut r: Receipt| {
        r.applicant.first_name = "سیده فاطمه‌زهرا السادات".into();
        r.applicant.last_name = "میرحسینی‌طباطبایی‌زاده اصفهانی".into();
        r.applicant.father_name = "سیدمحمدعلی".into();
        r
    };
    let cases = [
        ("receipt", Doc::Receipt(registration()), 250.0, 200.0),
        ("slip", slip(card()), 205.0, 165.0),
        ("certificate", Doc::Receipt(cert()), 220.0, 180.0),
        (
            "long receipt",
            Doc::Receipt(long(registration())),
            250.0,
            200.0,
        ),
        ("long slip", slip(long(card())), 215.0, 170.0),
        (
            "signed receipt",
            Doc::Receipt(signed(registration())),
            250.0,
            200.0,
        ),
        ("signed slip", slip(signed(card())), 225.0, 175.0),
        (
            "signed certificate",
            Doc::Receipt(signed(cert())),
            235.0,
            190.0,
        ),
    ];
    for (what, doc, most58, most80) in cases {
        let doc = || match &doc {
            Doc::Receipt(r) => Doc::Receipt(r.clone()),
            Doc::Slip(s) => Doc::Slip(s.clone()),
        };
        let (mm58, mm80) = (
            roll_mm(doc(), PageSize::Roll58),
            roll_mm(doc(), PageSize::Roll80),
        );
        assert!(mm58 <= most58, "{what} on 58 mm: {mm58:.0} mm > {most58}");
        assert!(mm80 <= most80, "{what} on 80 mm: {mm80:.0} mm > {most80}");
        eprintln!("{what}: {mm58:.0} mm on 58, {mm80:.0} mm on 80");
    }
}

#[test]
fn a_long_report_pages_with_numbers() {
    use pishkhan::core::money::Money;
    use pishkhan::core::tariff::{Kind, Stage};
    use pishkhan::desk::audit::{Charged, ChargedLine};
    use pishkhan::desk::report::{Head, Report};
    use pishkhan::docs::render_report;
    use std::sync::Arc;
    let rial = |n: i64| Money::from_rial(n).unwrap();
    let line = |kind: Kind, code: &str, name: &str, unit: i64, quantity: u64| ChargedLine {
        line_no: 1,
        row: Some(1),
        code: Arc::from(code),
        name_fa: Arc::from(name),
        receipt_kind: None,
        kind,
        quantity,
        unit: rial(unit),
        amount: rial(unit * quantity as i64),
        schedule_id: Arc::from("qom-1402"),
    };
    // Sixty days, one receipt a day, the office's revenue growing day by day.
    let from = JalaliDate::parse("1402/10/01").unwrap();
    let to = from.add_days(59).unwrap();
    let mut report = Report::new(from, to, [("l1".to_string(), 1)].into());
    for i in 0..60 {
        let lines = [
            line(
                Kind::Office,
                "l1",
                "احراز هویت متقاضی براساس مدارک",
                484_790,
                i + 1,
            ),
            line(Kind::Tvto, "fee", "هزینه آزمون", 600_000, 1),
        ];
        let office = rial(484_790 * (i as i64 + 1));
        report
            .receipt(&Charged {
                number: "1402-000001",
                office_code: "37-1234",
                kind: Stage::Registration,
                national_id: "0012345679",
                program: "hcb",
                exam_stage: 4,
                date: from.add_days(i as i64).unwrap(),
                schedule_id: "qom-1402",
                cluster: "c60",
                office_total: office,
                tvto_total: rial(600_000),
                grand_total: office.checked_add(rial(600_000)).unwrap(),
                lines: &lines,
            })
            .unwrap();
    }
    report.heads.push(Head {
        office_code: "37-1234".into(),
        year: 1402,
        number: "1402-000060".into(),
        hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
    });
    let (_d, path, text) = text_of(&render_report(&report, Some("دفتر نمونه")).unwrap());
    // Sixty days: a bar a week, each month named where it starts, a y-axis from 0.
    for part in [
        "نمودار درآمد هفتگی دفتر",
        "دی ۱۴۰۲",
        "بهمن ۱۴۰۲",
        "۱۰/۸",
        "۱۱/۲۶",
    ] {
        assert!(text.contains(part), "{part} in the chart: {text}");
    }
    assert!(!text.contains("نمودار درآمد روزانه"), "{text}");
    assert!(
        text.contains("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
        "the chain head, whole, for the guild: {text}"
    );
    let path = path.to_str().unwrap();
    let info = run("pdfinfo", &[path]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 2, "{info}");
    run("qpdf", &["--check", path]);
    let labels: Vec<String> = text
        .lines()
        .filter(|l| l.contains("صفحه"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(labels.len(), pages, "{labels:?}");
    let fa = |n: usize| -> String {
        n.to_string()
            .chars()
            .map(|c| char::from_u32(0x06F0 + c.to_digit(10).unwrap()).unwrap())
            .collect()
    };
    for (i, l) in labels.iter().enumerate() {
        assert!(
            l.contains(&fa(i + 1)) && l.contains(&fa(pages)) && l.contains("از"),
            "{l}"
        );
    }
    assert!(
        text.contains("۱۴۰۲/۱۱/۳۰"),
        "the last day is in the daily table"
    );
    // Every page opens with the running heading: the office, the period, its number.
    for p in 1..=pages {
        let (n, layout) = (p.to_string(), "-layout");
        let page = run("pdftotext", &[layout, "-f", &n, "-l", &n, path, "-"]);
        let first = page.lines().find(|l| !l.trim().is_empty()).unwrap();
        let first: String = first
            .chars()
            .filter(|c| !('\u{200E}'..='\u{2069}').contains(c))
            .collect();
        // pdftotext loses a space beside a number: compared without spaces.
        let first: String = first.split_whitespace().collect();
        for part in [
            "گزارش درآمد دفتر نمونه",
            "۱۴۰۲/۱۰/۰۱",
            "۱۴۰۲/۱۱/۳۰",
            &format!("صفحه {} از {}", fa(p), fa(pages)),
        ] {
            let part: String = part.split_whitespace().collect();
            assert!(
                first.contains(&part),
                "page {p} starts with {part}: {first}"
            );
        }
    }
    // The daily table ends in a total row: 1 + 2 + … + 60 times 48,479 toman for the
    // office, 60 times 60,000 for the organisation: the totals of the service lines.
    let total_rows = text
        .lines()
        .filter(|l| l.contains("۸۸٬۷۱۶٬۵۷۰") && l.contains("۳٬۶۰۰٬۰۰۰") && l.contains("۹۲٬۳۱۶٬۵۷۰"))
        .count();
    assert_eq!(total_rows, 1, "{text}");
    assert!(
        text.contains("۹۲٬۳۱۶٬۵۷۰\n") || text.matches("۹۲٬۳۱۶٬۵۷۰").count() >= 2,
        "{text}"
    );
    // No text under 7.5 pt, and what is under 8.5 pt (the chart's labels) is black.
    let (mut size, mut color, mut small) = (0.0, vec![0.0; 3], 0);
    for Op { op, args, .. } in operators(Path::new(path)) {
        match op.as_str() {
            "Tf" => size = args[0],
            "rg" => color = args,
            "TJ" => {
                assert!(size >= 7.5, "text at {size} pt");
                assert!(size >= 8.5 || color == [0.0; 3], "{size} pt in {color:?}");
                small += usize::from(size < 8.5);
            }
            _ => {}
        }
    }
    // The chart's day and axis labels, the month names and the chain head.
    assert!(small >= 15, "{small} small texts");
}

#[test]
fn an_sms_keeps_the_facts_and_shortens_a_long_name() {
    use pishkhan::docs::{SMS_LIMIT, sms_text};
    let units = |s: &str| s.encode_utf16().count();
    let office = "دفتر پیشخوان خدمات دولت ۱۲۳۴ قم";
    let facts = [
        "پنجشنبه ۱۴۰۲/۱۱/۲۶",
        "ساعت ۰۸:۳۰",
        "مرکز شماره ۱ قم",
        office,
    ];
    // Short, long (80 characters) and very long names.
    for first in [
        "زهرا",
        "سیده فاطمه‌زهرا السادات میرحسینی‌طباطبایی‌زاده اصفهانی",
        &"ب".repeat(300),
    ] {
        let mut r = receipt(Stage::Card, "1402/11/24", Stage::Card, first);
        r.applicant.last_name = "میرحسینی‌طباطبایی‌زاده‌های قمی اصل".into();
        let sms = sms_text(&r);
        assert!(units(&sms.text) <= SMS_LIMIT, "{}", sms.text);
        assert!(sms.parts <= 2, "{sms:?}");
        assert_eq!(
            sms.parts,
            if units(&sms.text) <= 70 {
                1
            } else {
                units(&sms.text).div_ceil(67)
            }
        );
        for f in facts {
            assert!(sms.text.contains(f), "{f} in {}", sms.text);
        }
    }
    // A short name stays whole.
    let r = receipt(Stage::Card, "1402/11/24", Stage::Card, "زهرا");
    assert!(sms_text(&r).text.starts_with(
        "زهرا احمدی‌نژاد عزیز، آزمون کتبی شما پنجشنبه ۱۴۰۲/۱۱/۲۶ ساعت ۰۸:۳۰ در مرکز شماره ۱ قم"
    ));
    // The digit rule: a name as typed, a Latin venue's digits Latin.
    let mut r = receipt(Stage::Card, "1402/11/24", Stage::Card, "حسین (2)");
    r.exam.venue = Some("Qom TVTO Center No. 3".into());
    let sms = sms_text(&r).text;
    assert!(
        sms.contains("حسین (2)")
            && sms.contains("Qom TVTO Center No. 3")
            && sms.contains("ساعت ۰۸:۳۰"),
        "{sms}"
    );
    // Absurdly long venue and office: still two parts, the date and time kept.
    let mut r = receipt(Stage::Card, "1402/11/24", Stage::Card, "زهرا");
    r.exam.venue = Some("مرکز ".repeat(40));
    let sms = sms_text(&r);
    assert!(sms.parts <= 2 && sms.text.contains("ساعت ۰۸:۳۰"), "{sms:?}");
}

#[test]
fn pdfs_say_their_language_direction_and_date() {
    for size in [PageSize::A5, PageSize::Roll80] {
        let (_d, path, _text) = text_of(&render(&[Doc::Receipt(registration())], size));
        let path = path.to_str().unwrap();
        let catalog = run("qpdf", &["--show-object=1", path]);
        for part in [
            "/Lang (fa-IR)",
            "/Direction /R2L",
            "/DisplayDocTitle true",
            "/Metadata",
        ] {
            assert!(catalog.contains(part), "{part}: {catalog}");
        }
        assert_eq!(
            catalog.contains("/PrintScaling /None"),
            size == PageSize::Roll80,
            "only a roll asks not to be scaled: {catalog}"
        );
        // 1402/10/26 10:42 in Iran is 2024-01-16 07:12 UTC: the receipt's own time.
        let info = run("pdfinfo", &["-isodates", path]);
        assert!(
            info.contains("2024-01-16T07:12:00Z") || info.contains("2024-01-16T10:42:00+03:30"),
            "{info}"
        );
        let xmp = run("pdfinfo", &["-meta", path]);
        for part in [
            "<xmp:CreateDate>2024-01-16T10:42:00+03:30</xmp:CreateDate>",
            "<rdf:li>fa-IR</rdf:li>",
            "رسید ثبت‌نام آزمون مهارتی 1402-000123",
        ] {
            assert!(xmp.contains(part), "{part}: {xmp}");
        }
    }
}

#[test]
fn a_second_reader_finds_text_for_every_glyph() {
    // pdfminer.six prints `(cid:N)` for a glyph the ToUnicode map leaves out: marks
    // such as the tanween of «لطفاً» once were.
    let dir = tempfile::tempdir().unwrap();
    for size in [PageSize::A4, PageSize::A5, PageSize::Roll80] {
        for (name, doc) in [
            ("receipt", Doc::Receipt(registration())),
            (
                "slip",
                Doc::of(receipt(Stage::Card, "1402/11/24", Stage::Card, "زهرا")),
            ),
            (
                "certificate",
                Doc::Receipt(receipt(
                    Stage::Certificate,
                    "1403/01/20",
                    Stage::Certificate,
                    "زهرا",
                )),
            ),
        ] {
            let path = dir.path().join(format!("{name}-{size:?}.pdf"));
            std::fs::write(&path, render(&[doc], size)).unwrap();
            let text = run(
                "python3",
                &[
                    "-c",
                    "import sys; from pdfminer.high_level import extract_text; print(extract_text(sys.argv[1]))",
                    path.to_str().unwrap(),
                ],
            );
            assert!(!text.contains("(cid:"), "{name} {size:?}: {text}");
            assert!(!text.trim().is_empty());
        }
    }
}

/// The operators of every page's content stream, each with the numbers before it.
/// The content streams' operators with their operands; a rectangle (`re`) already
/// in page coordinates, through the transformations (`cm`) in force, which are
/// kept as `q`/`Q` save and restore them. `scaled` says a transformation is.
fn operators(pdf: &Path) -> Vec<Op> {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.pdf");
    run(
        "qpdf",
        &[
            "--qdf",
            "--object-streams=disable",
            pdf.to_str().unwrap(),
            plain.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&plain).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    // qpdf's QDF form marks each page's content stream.
    let contents: String = text
        .split("%% Contents for page")
        .skip(1)
        .map(|part| {
            let start = part.find("stream").unwrap() + "stream".len();
            let end = part[start..].find("endstream").unwrap();
            part[start..start + end].to_string()
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!contents.is_empty());
    let mut out = Vec::new();
    let mut operands = Vec::new();
    let identity = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let (mut ctm, mut saved) = (identity, Vec::new());
    for token in contents.split_ascii_whitespace() {
        match token.parse::<f32>() {
            Ok(n) => operands.push(n),
            Err(_) => {
                if token.chars().all(|c| c.is_ascii_alphabetic() || c == '*') {
                    let mut args = std::mem::take(&mut operands);
                    match token {
                        "q" => saved.push(ctm),
                        "Q" => ctm = saved.pop().unwrap_or(identity),
                        "cm" if args.len() == 6 => {
                            let [a, b, c, d, e, f] = args[..] else {
                                unreachable!()
                            };
                            let m = ctm;
                            ctm = [
                                a * m[0] + b * m[2],
                                a * m[1] + b * m[3],
                                c * m[0] + d * m[2],
                                c * m[1] + d * m[3],
                                e * m[0] + f * m[2] + m[4],
                                e * m[1] + f * m[3] + m[5],
                            ];
                        }
                        "re" if args.len() >= 4 => {
                            let n = args.len();
                            let [x, y, w, h] = [args[n - 4], args[n - 3], args[n - 2], args[n - 1]];
                            let at = |x: f32, y: f32| {
                                (
                                    ctm[0] * x + ctm[2] * y + ctm[4],
                                    ctm[1] * x + ctm[3] * y + ctm[5],
                                )
                            };
                            let ((x0, y0), (x1, y1)) = (at(x, y), at(x + w, y + h));
                            args.truncate(n - 4);
                            args.extend([x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs()]);
                        }
                        _ => {}
                    }
                    out.push(Op {
                        op: token.to_string(),
                        args,
                        scaled: ctm != identity,
                    });
                } else {
                    operands.clear();
                }
            }
        }
    }
    out
}

/// An operator of a content stream (see [`operators`]).
struct Op {
    op: String,
    args: Vec<f32>,
    /// Drawn under a transformation (a QR code's grid is).
    scaled: bool,
}

#[test]
fn thermal_rolls_print_black_large_and_inside_the_printable_width() {
    let mm = 72.0 / 25.4;
    let long = "سیده فاطمه‌زهرا السادات میرحسینی‌طباطبایی‌زاده اصفهانی نژاد قمی";
    for (size, paper, printable) in [
        (PageSize::Roll80, 80.0 * mm, 72.0 * mm),
        (PageSize::Roll58, 58.0 * mm, 48.0 * mm),
    ] {
        let (left, right) = ((paper - printable) / 2.0, (paper + printable) / 2.0);
        for (name, doc) in [
            (
                "receipt",
                Doc::Receipt(receipt(
                    Stage::Registration,
                    "1402/10/26",
                    Stage::Registration,
                    long,
                )),
            ),
            (
                "slip",
                Doc::of(receipt(Stage::Card, "1402/11/24", Stage::Card, long)),
            ),
            (
                "certificate",
                Doc::Receipt(receipt(
                    Stage::Certificate,
                    "1403/01/20",
                    Stage::Certificate,
                    long,
                )),
            ),
        ] {
            let what = format!("{name} on {size:?}");
            let (_d, path, _text) = text_of(&render(&[doc], size));
            let ops = operators(&path);
            for Op { op, args, scaled } in &ops {
                match op.as_str() {
                    "rg" | "RG" if args.len() >= 3 => assert!(
                        args[args.len() - 3..].iter().all(|c| *c == 0.0),
                        "{what}: grey {op} {args:?}"
                    ),
                    "Tf" => assert!(*args.last().unwrap() >= 7.5, "{what}: text at {args:?} pt"),
                    // Black (above), and only the QR code's modules: no shaded rows.
                    "f" | "F" | "B" | "b" | "f*" | "B*" if !scaled => {
                        panic!("{what}: a fill ({op})")
                    }
                    "re" if args.len() >= 4 => {
                        let [x, _, w, _] = args[args.len() - 4..] else {
                            unreachable!()
                        };
                        assert!(
                            x >= left && x + w <= right,
                            "{what}: box {args:?} outside {left}–{right}"
                        );
                    }
                    "m" | "l" if args.len() >= 2 => {
                        let x = args[args.len() - 2];
                        assert!(
                            x >= left && x <= right,
                            "{what}: rule at x={x} outside {left}–{right}"
                        );
                    }
                    _ => {}
                }
            }
            assert!(ops.iter().any(|o| o.op == "Tf"), "{what}: no text?");
            // Every word inside the printable width, as a reader finds it.
            let bbox = run("pdftotext", &["-bbox", path.to_str().unwrap(), "-"]);
            let mut words = 0;
            for line in bbox.lines().filter(|l| l.trim_start().starts_with("<word")) {
                let attr = |k: &str| -> f32 {
                    let i = line.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
                    line[i..].split('"').next().unwrap().parse().unwrap()
                };
                assert!(
                    attr("xMin") >= left - 0.01 && attr("xMax") <= right + 0.01,
                    "{what}: {line}"
                );
                words += 1;
            }
            assert!(words > 50, "{what}: {words} words");
            let catalog = run("qpdf", &["--show-object=1", path.to_str().unwrap()]);
            assert!(catalog.contains("/PrintScaling /None"), "{what}: {catalog}");
        }
    }
}

#[test]
fn amounts_line_up_in_their_columns() {
    for size in SIZES {
        for doc in [
            Doc::Receipt(registration()),
            Doc::Receipt(receipt(
                Stage::Certificate,
                "1403/01/20",
                Stage::Certificate,
                "زهرا",
            )),
        ] {
            let (_d, path, _text) = text_of(&render(&[doc], size));
            let bbox = run("pdftotext", &["-bbox", path.to_str().unwrap(), "-"]);
            // Grouped amounts (۱۰۸٬۴۷۹): their right edges.
            let mut edges: Vec<f32> = bbox
                .lines()
                .filter(|l| l.trim_start().starts_with("<word"))
                .filter_map(|l| {
                    let word = l.split('>').nth(1)?.split('<').next()?;
                    let amount = word.contains('٬')
                        && word.chars().all(|c| c == '٬' || ('۰'..='۹').contains(&c));
                    let i = l.find("xMax=\"")? + 6;
                    amount.then(|| l[i..].split('"').next().unwrap().parse().unwrap())
                })
                .collect();
            edges.sort_by(f32::total_cmp);
            assert!(edges.len() >= 4, "{size:?}: {edges:?}");
            // Columns: edges more than 3 pt apart. A receipt has two columns of
            // amounts on a sheet (unit price, amount), one on a roll.
            let mut columns: Vec<Vec<f32>> = Vec::new();
            for e in edges {
                match columns.last_mut() {
                    Some(c) if e - c[0] <= 3.0 => c.push(e),
                    _ => columns.push(vec![e]),
                }
            }
            let expected = if size.is_roll() { 1 } else { 2 };
            assert_eq!(columns.len(), expected, "{size:?}: {columns:?}");
            for c in &columns {
                let spread = c.last().unwrap() - c[0];
                assert!(
                    spread <= 0.5,
                    "{size:?}: right edges {c:?} differ by {spread} pt"
                );
            }
        }
    }
}

/// Every word a reader finds and every box and rule the page draws, as
/// (left, top, right, bottom) in points from the page's top left corner.
fn drawn(path: &Path) -> (f32, f32, Vec<(String, [f32; 4])>) {
    let bbox = run("pdftotext", &["-bbox", path.to_str().unwrap(), "-"]);
    let attr = |line: &str, k: &str| -> f32 {
        let i = line.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
        line[i..].split('"').next().unwrap().parse().unwrap()
    };
    let page = bbox
        .lines()
        .find(|l| l.trim_start().starts_with("<page"))
        .unwrap();
    let (w, h) = (attr(page, "width"), attr(page, "height"));
    let mut out: Vec<(String, [f32; 4])> = bbox
        .lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let word = l.split('>').nth(1).unwrap().split('<').next().unwrap();
            (
                word.to_string(),
                [
                    attr(l, "xMin"),
                    attr(l, "yMin"),
                    attr(l, "xMax"),
                    attr(l, "yMax"),
                ],
            )
        })
        .collect();
    // Content-stream y runs up from the bottom.
    for Op { op, args, .. } in operators(path) {
        match op.as_str() {
            "re" if args.len() >= 4 => {
                let [x, y, bw, bh] = args[args.len() - 4..] else {
                    unreachable!()
                };
                out.push(("box".into(), [x, h - y - bh, x + bw, h - y]));
            }
            "m" | "l" if args.len() >= 2 => {
                let [x, y] = args[args.len() - 2..] else {
                    unreachable!()
                };
                out.push(("rule".into(), [x, h - y, x, h - y]));
            }
            _ => {}
        }
    }
    (w, h, out)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 10, ..Default::default() })]

    /// Long Persian, Latin and mixed names, trades and venues: on every paper every
    /// word, box and rule stays inside the safe area (5 mm from a sheet's edges; a
    /// roll's printable width).
    #[test]
    fn everything_stays_inside_the_safe_area(
        first in proptest::collection::vec(proptest::sample::select(WORDS), 1..8),
        last in proptest::collection::vec(proptest::sample::select(WORDS), 1..6),
        trade in proptest::collection::vec(proptest::sample::select(WORDS), 1..8),
        venue in proptest::collection::vec(proptest::sample::select(WORDS), 1..12),
    ) {
        let mm = 72.0 / 25.4;
        let mut r = receipt(Stage::Registration, "1402/10/26", Stage::Registration, &first.join(" "));
        r.applicant.last_name = last.join(" ");
        r.applicant.trade = trade.join(" ");
        r.exam.venue = Some(venue.join(" "));
        // Signed, as with an office key: the longest proof line, the densest code.
        let r = signed(r);
        let mut card = r.clone();
        card.kind = Stage::Card;
        let mut cert = r.clone();
        cert.kind = Stage::Certificate;
        let dir = tempfile::tempdir().unwrap();
        for size in SIZES {
            for (name, doc) in [("receipt", Doc::Receipt(r.clone())), ("slip", Doc::of(card.clone())), ("certificate", Doc::Receipt(cert.clone()))] {
                let path = dir.path().join(format!("{name}.pdf"));
                std::fs::write(&path, render(&[doc], size)).unwrap();
                let (w, h, things) = drawn(&path);
                let (left, right, top, bottom) = match size {
                    PageSize::Roll80 => ((w - 72.0 * mm) / 2.0, (w + 72.0 * mm) / 2.0, 0.0, h),
                    PageSize::Roll58 => ((w - 48.0 * mm) / 2.0, (w + 48.0 * mm) / 2.0, 0.0, h),
                    _ => (5.0 * mm, w - 5.0 * mm, 5.0 * mm, h - 5.0 * mm),
                };
                for (what, [x0, y0, x1, y1]) in &things {
                    proptest::prop_assert!(
                        *x0 >= left - 0.01 && *x1 <= right + 0.01 && *y0 >= top - 0.01 && *y1 <= bottom + 0.01,
                        "{name} on {size:?}: {what} at {:?} outside [{left}, {top}, {right}, {bottom}]",
                        [x0, y0, x1, y1]
                    );
                }
            }
        }
    }
}

/// Words for generated names, trades and venues: Persian, Latin, with digits.
const WORDS: &[&str] = &[
    "سیده",
    "فاطمه‌زهرا",
    "میرحسینی‌طباطبایی‌زاده",
    "محمدحسین",
    "قالی‌باف",
    "دستباف",
    "(خوشه",
    "۶۰",
    "هزار",
    "تومانی)",
    "مرکز",
    "آموزش",
    "فنی",
    "و",
    "حرفه‌ای",
    "شماره",
    "۱",
    "قم،",
    "بلوار",
    "امین",
    "Konstantinopoulos",
    "Maria-Elena",
    "Qom",
    "TVTO",
    "Center",
    "No.",
    "3",
    "Abdolhosseinzadeh-Tabatabaei",
];

#[test]
fn a_long_latin_name_shrinks_before_it_breaks() {
    let word = "Konstantinopoulosgiannakopoulou";
    let mut r = registration();
    r.applicant.first_name = "Maria".into();
    r.applicant.last_name = word.into();
    let mut card = r.clone();
    card.kind = Stage::Card;
    for size in SIZES {
        for doc in [Doc::Receipt(r.clone()), Doc::of(card.clone())] {
            let (_d, _p, text) = text_of(&render(&[doc], size));
            assert!(text.contains(word), "{size:?}: the name broke: {text}");
        }
    }
}

#[test]
fn columns_are_sized_by_what_they_hold() {
    // A long Latin name beside a short national code on a sheet: its column takes
    // the room, and the name keeps the size of the other values (the body size, at
    // most 1 pt less). A trade with its cluster phrase keeps the phrase on one line.
    let word = "Konstantinopoulosgiannakopoulouzade";
    let mut r = registration();
    r.applicant.first_name = "Maria".into();
    r.applicant.last_name = word.into();
    r.applicant.trade = "نان سنگک‌پز".into();
    for size in [PageSize::A5, PageSize::A4] {
        let (_d, path, _) = text_of(&render(&[Doc::Receipt(r.clone())], size));
        let (_, _, words) = drawn(&path);
        // pdftotext -bbox gives a right-to-left word's letters in visual order.
        let visual = |w: &str| w.chars().rev().collect::<String>();
        let height = |w: &str| {
            let found = words.iter().find(|(t, _)| *t == w || *t == visual(w));
            let [_, top, _, bottom] = found.unwrap_or_else(|| panic!("{w} on {size:?}")).1;
            bottom - top
        };
        // Boxes scale with the type: one point of a 8.5 pt body is 1/8.5 of it.
        let body = if size == PageSize::A5 { 8.5 } else { 10.5 };
        let (name, father) = (height(word), height("محمدرضا"));
        assert!(
            name >= father * (body - 1.0) / body - 0.01,
            "{size:?}: {name} against {father}"
        );
        // The phrase on one line: its four words share a top.
        let tops: Vec<f32> = ["هشوخ(", "۶۰", "رازه", ")یناموت"]
            .iter()
            .map(|w| {
                let found = words.iter().find(|(t, _)| t == w);
                found
                    .unwrap_or_else(|| panic!("{w} on {size:?}: {words:?}"))
                    .1[1]
            })
            .collect();
        assert!(
            tops.iter().all(|t| (t - tops[0]).abs() < 0.5),
            "{size:?}: {tops:?}"
        );
    }
}

#[test]
fn a_very_long_name_wraps_and_its_labels_do_not() {
    // An 80-character name and a long Latin last name take the room they can; the
    // labels beside them still stand on one line each.
    let mut r = registration();
    r.applicant.first_name = "سیده فاطمه‌زهرا السادات میرحسینی‌طباطبایی‌زاده اصفهانی نژاد قمی".into();
    r.applicant.last_name = "Abdolhosseinzadeh-Tabatabaei".into();
    for size in [PageSize::A5, PageSize::A4] {
        let (_d, path, _) = text_of(&render(&[Doc::Receipt(r.clone())], size));
        let (_, _, words) = drawn(&path);
        // «نام و نام خانوادگی» and «تاریخ آزمون کتبی», as -bbox reads them (visual
        // order): each label's words one after another, on one line.
        for label in [
            &["یگداوناخ", "مان", "و", "مان"][..],
            &["یبتک", "نومزآ", "خیرات"],
        ] {
            let at = words
                .windows(label.len())
                .find(|w| w.iter().zip(label).all(|((t, _), l)| t == l))
                .unwrap_or_else(|| panic!("{label:?} on one line, in order, on {size:?}"));
            let tops: Vec<f32> = at.iter().map(|(_, b)| b[1]).collect();
            assert!(
                tops.iter().all(|t| (t - tops[0]).abs() < 0.5),
                "{size:?}: {label:?} {tops:?}"
            );
        }
    }
}

/// A field as long as a sheet accepts (1 KB), made of `WORDS` from `start` on.
fn kilobyte(start: usize) -> String {
    let mut s = String::new();
    for w in WORDS.iter().cycle().skip(start) {
        if s.len() + w.len() + 1 > 1024 {
            break;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(w);
    }
    s
}

#[test]
fn a_document_too_long_for_one_sheet_flows_onto_a_second() {
    let mut r = registration();
    r.applicant.first_name = kilobyte(0);
    r.applicant.last_name = kilobyte(3);
    r.applicant.father_name = kilobyte(5);
    r.applicant.trade = kilobyte(7);
    r.applicant.cluster = kilobyte(11);
    r.exam.venue = Some(kilobyte(9));
    let mut card = r.clone();
    card.kind = Stage::Card;
    let mm = 72.0 / 25.4;
    for size in SIZES {
        for (name, doc) in [
            ("receipt", Doc::Receipt(r.clone())),
            ("slip", Doc::of(card.clone())),
        ] {
            let (_d, path, text) = text_of(&render(&[doc], size));
            let info = run("pdfinfo", &[path.to_str().unwrap()]);
            let pages: usize = info
                .lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            let (w, h, things) = drawn(&path);
            let (left, right, top, bottom) = if size.is_roll() {
                let p = if size == PageSize::Roll80 { 72.0 } else { 48.0 } * mm;
                ((w - p) / 2.0, (w + p) / 2.0, 0.0, h)
            } else {
                (5.0 * mm, w - 5.0 * mm, 5.0 * mm, h - 5.0 * mm)
            };
            for (what, [x0, y0, x1, y1]) in &things {
                assert!(
                    *x0 >= left - 0.01
                        && *x1 <= right + 0.01
                        && *y0 >= top - 0.01
                        && *y1 <= bottom + 0.01,
                    "{name} on {size:?}: {what} at {:?} outside the safe area",
                    [x0, y0, x1, y1]
                );
            }
            // A block moved to the next sheet leaves nothing behind in the
            // structure: every letter tagged once.
            let tagged: String = run("pdfinfo", &["-struct-text", path.to_str().unwrap()])
                .lines()
                .filter(|l| l.trim_start().starts_with('"'))
                .collect();
            assert_eq!(letters(&tagged), letters(&text), "{name} on {size:?}");
            if size.is_roll() {
                // A roll grows: one page, however long.
                assert_eq!(pages, 1, "{name} on {size:?}");
                continue;
            }
            assert!(pages >= 2, "{name} on {size:?}: {pages} pages");
            // Each sheet numbered; the next ones say whose they are; the signature
            // boxes whole on the last.
            let fa = |n: usize| pishkhan::core::text::to_persian_digits(&n.to_string());
            let sheets: Vec<&str> = text.split('\u{c}').collect();
            for (i, sheet) in sheets[..pages].iter().enumerate() {
                // Spaces removed: pdftotext moves them about beside digits.
                let tight: String = sheet.split_whitespace().collect();
                let label = format!("صفحه{}از{}", fa(i + 1), fa(pages));
                assert!(tight.contains(&label), "{name} on {size:?}: no {label}");
                if i > 0 {
                    assert_contains(sheet, &["ادامهٔ", "۱۴۰۲-۰۰۰۱۲۳"]);
                }
            }
            // The code on the last sheet reads at 100 dpi, its quiet zone clear of
            // the page number under it.
            let png = path.with_file_name("last");
            let page = pages.to_string();
            let made = Command::new("pdftoppm")
                .args(["-r", "100", "-png", "-singlefile", "-f", &page, "-l", &page])
                .arg(&path)
                .arg(&png)
                .status()
                .unwrap();
            assert!(made.success());
            let read = Command::new("zbarimg")
                .args(["-q", "--raw"])
                .arg(png.with_extension("png"))
                .output()
                .unwrap();
            let read = String::from_utf8_lossy(&read.stdout);
            assert!(
                read.starts_with("PK1|"),
                "{name} on {size:?}: read {read:?}"
            );
            let last = sheets[pages - 1];
            let signs: &[&str] = if name == "slip" {
                &["امضا و اثر انگشت متقاضی", "مهر و امضای دفتر پیشخوان"]
            } else {
                &["امضای متقاضی", "مهر و امضای دفتر پیشخوان"]
            };
            assert_contains(last, signs);
        }
    }
}

#[test]
fn a_document_that_cannot_fit_any_sheet_is_refused_not_printed_cut() {
    // A name taller than a whole sheet in its cell (far past what a sheet accepts).
    let mut r = registration();
    r.applicant.first_name = "محمد ".repeat(3000);
    for size in [PageSize::A5, PageSize::A4] {
        let err = pishkhan::docs::render(&[Doc::Receipt(r.clone())], size).unwrap_err();
        assert!(
            err.to_string().contains("outside the printable area"),
            "{err}"
        );
        let msg = pishkhan::docs::unfit(&r.number, &err);
        assert!(
            msg.contains("receipt 1402-000123 does not fit the paper"),
            "{msg}"
        );
        assert!(msg.contains("رسید ۱۴۰۲-۰۰۰۱۲۳ در کاغذ جا نمی‌شود"), "{msg}");
    }
    // A roll grows: it fits, however long.
    pishkhan::docs::render(&[Doc::Receipt(r)], PageSize::Roll80).unwrap();
}

/// The characters of a text, whitespace and bidi controls left out, sorted: the same
/// for two readings of one page whatever order each gives.
fn letters(text: &str) -> Vec<char> {
    let mut v: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && !('\u{200E}'..='\u{2069}').contains(c) && *c != '"')
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn every_document_is_tagged_with_paragraphs_and_tables() {
    let mut card = registration();
    card.kind = Stage::Card;
    for size in SIZES {
        for (name, doc, tables) in [
            ("receipt", Doc::Receipt(registration()), 2),
            ("slip", Doc::of(card.clone()), 1),
        ] {
            let (_d, path, _) = text_of(&render(&[doc], size));
            let p = path.to_str().unwrap();
            assert!(run("pdfinfo", &[p]).contains("Tagged:          yes"));
            let tree = run("pdfinfo", &["-struct", p]);
            let roles: Vec<&str> = tree
                .lines()
                .map(|l| l.split_whitespace().next().unwrap_or(""))
                .collect();
            assert_eq!(roles[0], "Document", "{name} on {size:?}:\n{tree}");
            let count = |r: &str| roles.iter().filter(|x| **x == r).count();
            assert_eq!(count("Table"), tables, "{name} on {size:?}:\n{tree}");
            assert!(count("P") >= 8, "{name} on {size:?}:\n{tree}");
            assert!(
                count("TD") + count("TH") > count("TR") && count("TH") >= 2,
                "{name} on {size:?}:\n{tree}"
            );
            // Every letter on the page belongs to a paragraph or a cell: the tree's
            // text holds the same characters as the page's.
            let tagged = run("pdfinfo", &["-struct-text", p]);
            let tagged: String = tagged
                .lines()
                .filter(|l| l.trim_start().starts_with('"'))
                .collect();
            let page = run("pdftotext", &["-enc", "UTF-8", p, "-"]);
            assert_eq!(letters(&tagged), letters(&page), "{name} on {size:?}");
        }
    }
}

/// Each paragraph's and cell's role and `/ActualText` in the structure tree, in
/// document order, as pdfminer.six (a reader apart from poppler) finds them.
fn actual_texts(pdf: &Path) -> Vec<(String, Option<String>)> {
    const WALK: &str = r#"
import sys
from pdfminer.pdfparser import PDFParser
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text
doc = PDFDocument(PDFParser(open(sys.argv[1], "rb")))
def walk(e):
    e = resolve1(e)
    if not isinstance(e, dict):
        return
    role = e["S"].name
    if role in ("P", "TD", "TH"):
        a = e.get("ActualText")
        print(role + "\t" + (decode_text(resolve1(a)) if a is not None else "-"))
    kids = resolve1(e.get("K"))
    for k in kids if isinstance(kids, list) else [kids]:
        walk(k)
walk(resolve1(doc.catalog["StructTreeRoot"])["K"])
"#;
    run("python3", &["-c", WALK, pdf.to_str().unwrap()])
        .lines()
        .map(|l| {
            let (role, text) = l.split_once('\t').unwrap();
            (role.to_string(), (text != "-").then(|| text.to_string()))
        })
        .collect()
}

#[test]
fn tags_carry_the_logical_text_and_header_cells_are_th() {
    // Right-to-left glyphs are drawn in visual order, as text extractors (pdftotext,
    // a viewer's copy) expect; a reader that follows the tags gets each element's
    // text in logical order from its /ActualText.
    let mut card = registration();
    card.kind = Stage::Card;
    let persian = |t: &str| t.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
    for size in SIZES {
        for (name, doc) in [
            ("receipt", Doc::Receipt(registration())),
            ("slip", Doc::of(card.clone())),
        ] {
            let (_d, path, _) = text_of(&render(&[doc], size));
            let tags = actual_texts(&path);
            let at = |role: &str, text: &str| {
                tags.iter()
                    .any(|(r, a)| r == role && a.as_deref() == Some(text))
            };
            let what = format!("{name} on {size:?}: {tags:?}");
            assert!(at("TD", "زهرا احمدی‌نژاد"), "{what}");
            assert!(at("TH", "نام و نام خانوادگی"), "{what}");
            if name == "receipt" {
                assert!(at("TD", "قالی‌باف دستباف (خوشه ۶۰ هزار تومانی)"), "{what}");
                let row = (!size.is_roll()).then_some("ردیف");
                for head in ["شرح خدمت", "مبلغ (تومان)"].into_iter().chain(row) {
                    assert!(at("TH", head), "{head}: {what}");
                }
                assert!(at("P", "تاریخ: سه‌شنبه ۱۴۰۲/۱۰/۲۶ — ساعت ۱۰:۴۲"), "{what}");
            }
            // The same elements as poppler reads them, in glyph order: each one with
            // Persian letters has an /ActualText of the same letters.
            let tree = run("pdfinfo", &["-struct-text", path.to_str().unwrap()]);
            let drawn: Vec<&str> = tree
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with('"') || *l == "(No content?)")
                .collect();
            assert_eq!(drawn.len(), tags.len(), "{what}\n{tree}");
            for (glyphs, (role, actual)) in drawn.iter().zip(&tags) {
                if persian(glyphs) {
                    let actual = actual
                        .as_deref()
                        .unwrap_or_else(|| panic!("{role} {glyphs}: {what}"));
                    assert_eq!(letters(actual), letters(glyphs), "{role} {glyphs}: {what}");
                }
            }
        }
    }
}

#[test]
fn a_print_run_has_no_structure_tree_but_the_same_pages() {
    use pishkhan::docs::Combined;
    let docs = [
        Doc::Receipt(registration()),
        Doc::of({
            let mut c = registration();
            c.kind = Stage::Card;
            c
        }),
    ];
    let mut run_pdf = Combined::new("run", PageSize::A5).print_run();
    for d in &docs {
        run_pdf.push(d).unwrap();
    }
    let (_d1, plain, plain_text) = text_of(&run_pdf.finish());
    let (_d2, tagged, tagged_text) = text_of(&render(&docs, PageSize::A5));
    assert!(run("pdfinfo", &[plain.to_str().unwrap()]).contains("Tagged:          no"));
    assert!(run("pdfinfo", &[tagged.to_str().unwrap()]).contains("Tagged:          yes"));
    assert_eq!(plain_text, tagged_text);
    run("qpdf", &["--check", plain.to_str().unwrap()]);
}

/// The words `pdftotext -bbox` reads off a PDF: text, left, right and top, in points.
fn words_of(pdf: &[u8]) -> Vec<(String, f32, f32, f32)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let html = run("pdftotext", &["-bbox", path.to_str().unwrap(), "-"]);
    let attr = |line: &str, name: &str| -> f32 {
        let at = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[at..].split('"').next().unwrap().parse().unwrap()
    };
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let text = l.split('>').nth(1).unwrap().split('<').next().unwrap();
            let text = text
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
            (text, attr(l, "xMin"), attr(l, "xMax"), attr(l, "yMin"))
        })
        .collect()
}

#[test]
fn a_wrapped_mixed_venue_and_trade_keep_their_comma_and_bracket_in_place() {
    let mut r = receipt(Stage::Card, "1402/11/24", Stage::Card, "زهرا");
    r.exam.venue = Some("Qom TVTO Center No. 3, Amin Blvd".into());
    r.applicant.trade = "قالی‌بافی (Persian carpet, level 2)".into();
    for size in [PageSize::Roll80, PageSize::Roll58] {
        let words = words_of(&render(&[Doc::Slip(Slip { receipt: r.clone() })], size));
        // Each printed line's words left to right, as the eye sees them.
        let mut lines: Vec<(f32, Vec<(f32, String)>)> = Vec::new();
        for (t, left, _, top) in &words {
            match lines.iter_mut().find(|(y, _)| (y - top).abs() < 1.0) {
                Some((_, l)) => l.push((*left, t.clone())),
                None => lines.push((*top, vec![(*left, t.clone())])),
            }
        }
        let seen: Vec<String> = lines
            .into_iter()
            .map(|(_, mut l)| {
                l.sort_by(|a, b| a.0.total_cmp(&b.0));
                l.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join(" ")
            })
            .collect();
        let line_of = |w: &str| {
            seen.iter()
                .find(|l| l.contains(w))
                .unwrap_or_else(|| panic!("{w} on {size:?}: {seen:#?}"))
        };
        // The comma stays at the right of its Latin word, wherever the text wraps.
        assert!(line_of("No.").contains("No. 3,"), "{size:?}: {seen:#?}");
        assert!(line_of("carpet").contains("carpet,"), "{size:?}: {seen:#?}");
        // In a right-to-left paragraph the Latin run sits between its brackets: the
        // closing one at its left, the opening one at its right beside «قالی‌بافی»
        // (pdftotext reads each bracket as the character it stands for).
        // Whole or broken anywhere: «(» at the right of «Persian», «)» at the left
        // of «level 2».
        let (first, last) = (line_of("Persian"), line_of("level"));
        let opening = first
            .find('(')
            .is_some_and(|at| at > first.find("Persian").unwrap());
        let closing = last
            .find(')')
            .is_some_and(|at| at < last.find("level").unwrap());
        assert!(opening && closing, "{size:?}: {seen:#?}");
        assert!(!first.contains(")Persian(") && first.matches('(').count() == 1);
        // A line may end after a clause's comma, but none starts with one.
        assert!(
            !seen.iter().any(|l| l.starts_with(',') || l.trim() == ","),
            "{size:?}: {seen:#?}"
        );
    }
}

#[test]
fn signature_boxes_stand_side_by_side_where_a_stamp_fits() {
    // On an 80 mm roll the code takes the left and the boxes stand one under the
    // other at its right, each with its 32 mm for a stamp; on 58 mm the code's words
    // are at its right and the boxes side by side under both.
    for (size, side_by_side) in [
        (PageSize::A5, true),
        (PageSize::A4, true),
        (PageSize::Roll80, false),
        (PageSize::Roll58, true),
    ] {
        let words = words_of(&render(&[Doc::Receipt(registration())], size));
        // The first word of each label as pdftotext reads it (visual order).
        let top_of = |w: &str| {
            words
                .iter()
                .rev()
                .find(|(t, ..)| t == w)
                .unwrap_or_else(|| panic!("{w} on {size:?}"))
                .3
        };
        let (office, applicant) = (top_of("رهم"), top_of("یضاقتم"));
        assert_eq!(
            (office - applicant).abs() < 1.0,
            side_by_side,
            "{size:?}: {office} {applicant}"
        );
        // The code's label: under the code, level with the boxes on an 80 mm roll;
        // beside the code, above the boxes, on 58 mm.
        let code = top_of("ٔهنیزمر");
        if size == PageSize::Roll80 {
            assert!(
                code > office && code > applicant,
                "{size:?}: {code} {office}"
            );
        }
        if size == PageSize::Roll58 {
            assert!(code < office, "{size:?}: {code} {office}");
        }
    }
}
