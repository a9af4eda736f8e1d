//! A page in two content streams: the template's (labels, rules, notes), the same on
//! every receipt of a cluster and so compressed once per run, then the data's; its
//! small objects likewise in two object streams. A print run's pages share one
//! template stream, and no document's bytes depend on what was drawn before it.

use pishkhan::core::tariff::Stage;
use pishkhan::desk::Receipt;
use pishkhan::docs::{Combined, Doc, render};
use pishkhan::typeset::PageSize;

use crate::docs::{receipt, signed};

const SIZES: [PageSize; 4] = [
    PageSize::A5,
    PageSize::A4,
    PageSize::Roll80,
    PageSize::Roll58,
];

fn applicant(name: &str, number: &str, national_id: &str) -> Receipt {
    let mut r = receipt(Stage::Registration, "1402/10/26", Stage::Registration, name);
    r.number = number.into();
    r.applicant.national_id = national_id.into();
    r
}

/// Each page's content streams: object number and decompressed bytes.
fn contents(pdf: &[u8]) -> Vec<Vec<(u32, Vec<u8>)>> {
    let doc = lopdf::Document::load_mem(pdf).expect("a PDF lopdf reads");
    doc.get_pages()
        .values()
        .map(|page| {
            doc.get_page_contents(*page)
                .into_iter()
                .map(|id| {
                    let stream = doc.get_object(id).unwrap().as_stream().unwrap();
                    (id.0, stream.decompressed_content().unwrap())
                })
                .collect()
        })
        .collect()
}

/// The object streams of a PDF as pishkhan writes them
/// (`<</Length N/Filter/FlateDecode/Type/ObjStm…>>`), their compressed bytes.
fn object_streams(pdf: &[u8]) -> Vec<&[u8]> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = pdf[at..].windows(7).position(|w| w == b"/ObjStm") {
        let i = at + i;
        let dict = pdf[..i]
            .windows(9)
            .rposition(|w| w == b"<</Length")
            .unwrap();
        let digits: String = pdf[dict + 10..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|b| *b as char)
            .collect();
        let start = i + pdf[i..].windows(7).position(|w| w == b"stream\n").unwrap() + 7;
        found.push(&pdf[start..start + digits.parse::<usize>().unwrap()]);
        at = start;
    }
    found
}

#[test]
fn receipts_of_a_cluster_share_their_template_objects() {
    // The fonts of the template and the structure elements of its labels, object
    // numbers and all, in one object stream; the data's in another.
    for size in SIZES {
        let [a, b] = [
            applicant("زهرا", "1402-000001", "0012345679"),
            applicant("محمدحسین", "1402-000002", "4310000090"),
        ]
        .map(|r| render(&[Doc::Receipt(signed(r))], size).unwrap());
        let (a, b) = (object_streams(&a), object_streams(&b));
        assert_eq!((a.len(), b.len()), (2, 2), "{size:?}");
        assert_eq!(a[0], b[0], "{size:?}");
        assert_ne!(a[1], b[1], "{size:?}");
    }
}

#[test]
fn receipts_of_a_cluster_share_their_template_stream() {
    for size in SIZES {
        for sign in [false, true] {
            let docs = [
                applicant("زهرا", "1402-000001", "0012345679"),
                applicant("محمدحسین", "1402-000002", "4310000090"),
            ]
            .map(|r| if sign { signed(r) } else { r });
            let [a, b] = docs.map(|r| contents(&render(&[Doc::Receipt(r)], size).unwrap()));
            let what = format!("{size:?}, signed {sign}");
            assert_eq!((a.len(), a[0].len(), b[0].len()), (1, 2, 2), "{what}");
            assert_eq!(a[0][0].1, b[0][0].1, "the same template: {what}");
            assert_ne!(a[0][1].1, b[0][1].1, "each its own data: {what}");
            // The template draws text, rules and marked content; the data holds the
            // code's modules.
            let template = String::from_utf8_lossy(&a[0][0].1);
            assert!(
                template.contains(" TJ") && template.contains("BDC"),
                "{what}"
            );
            assert!(
                String::from_utf8_lossy(&a[0][1].1).contains(" re\n"),
                "{what}"
            );
        }
    }
}

#[test]
fn a_print_run_writes_its_template_once() {
    let names = ["زهرا", "محمدحسین", "فاطمه", "علی", "مریم", "سیدابوالفضل"];
    let mut run = Combined::new("receipts", PageSize::A5).print_run();
    for (i, name) in names.iter().enumerate() {
        let r = applicant(name, &format!("1402-{:06}", i + 1), "0012345679");
        run.push(&Doc::Receipt(r)).unwrap();
    }
    let pages = contents(&run.finish());
    assert_eq!(pages.len(), names.len());
    let templates: Vec<u32> = pages.iter().map(|p| p[0].0).collect();
    assert!(
        templates.iter().all(|t| *t == templates[0]),
        "{templates:?}"
    );
    let data: std::collections::BTreeSet<u32> = pages.iter().map(|p| p[1].0).collect();
    assert_eq!(data.len(), names.len(), "each page its own data");
}

#[test]
fn bytes_do_not_depend_on_what_was_drawn_before() {
    // Each thread keeps its templates, fonts, wrapped lines and sizes tried: a
    // document drawn first in a fresh thread, and after others in another, is the
    // same file.
    let first = applicant("زهرا", "1402-000001", "0012345679");
    let fresh = |r: Receipt, size: PageSize| {
        std::thread::spawn(move || render(&[Doc::Receipt(r)], size).unwrap())
            .join()
            .unwrap()
    };
    for size in SIZES {
        for sign in [false, true] {
            let r = if sign {
                signed(first.clone())
            } else {
                first.clone()
            };
            let alone = fresh(r.clone(), size);
            let after = std::thread::spawn(move || {
                let long = "سیده فاطمه‌زهرا السادات میرحسینی‌طباطبایی‌زاده اصفهانی";
                for other in [
                    applicant("محمدحسین", "1402-000002", "4310000090"),
                    applicant(long, "1402-000003", "0012345679"),
                    signed(applicant("مریم", "1402-000004", "0012345679")),
                ] {
                    for s in SIZES {
                        render(&[Doc::Receipt(other.clone())], s).unwrap();
                    }
                }
                render(&[Doc::Receipt(r)], size).unwrap()
            })
            .join()
            .unwrap();
            assert!(alone == after, "{size:?}, signed {sign}");
        }
    }
}
