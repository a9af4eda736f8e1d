//! `verify RECEIPT.pdf` checks the document, not only the proof line in it: each
//! forgery a tester made of a genuine receipt fails, and every answer names whom the
//! receipt is for, so a genuine code copied onto another person's paper shows.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Office, pishkhan, run};

/// The example day registered in a scratch office, with receipts in `receipts/`.
struct Day {
    office: Office,
}

impl Day {
    fn new() -> Day {
        let office = Office::new();
        office.example_day();
        Day { office }
    }
    fn receipt(&self, n: u32) -> PathBuf {
        self.path(&format!("receipts/37-1234_1402-{n:06}.pdf"))
    }
    fn path(&self, name: &str) -> PathBuf {
        self.office.path(name)
    }
    fn verify(&self, what: &Path) -> common::Run {
        run(pishkhan()
            .args(["verify", "--format", "json", "--ledger"])
            .arg(self.office.ledger())
            .arg(what))
    }
}

/// The proof line a PDF carries in its document information.
fn proof_of(pdf: &Path) -> String {
    let bytes = fs::read(pdf).unwrap();
    pishkhan::typeset::info_value(&bytes, "PishkhanProof").unwrap()
}

#[test]
fn a_genuine_receipt_verifies_as_a_document_and_names_its_applicant() {
    let day = Day::new();
    let r = day.verify(&day.receipt(1));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let receipt = &v["receipts"][0];
    assert_eq!(receipt["national_id"], "9080590479");
    assert_eq!(receipt["name"], "زهرا احمدی‌نژاد");
    assert!(common::failed_checks(&r.stdout, 0).is_empty());
    let checks: Vec<&str> = receipt["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert!(checks.contains(&"document"), "{checks:?}");
}

#[test]
fn a_receipt_with_another_drawn_over_it_fails() {
    let day = Day::new();
    // Receipt 2's page laid over receipt 1's: another name and amount on the paper,
    // receipt 1's genuine proof in its information.
    let forged = day.path("drawn-over.pdf");
    let s = Command::new("qpdf")
        .arg(day.receipt(1))
        .arg("--overlay")
        .arg(day.receipt(2))
        .arg("--")
        .arg(&forged)
        .status()
        .expect("qpdf is needed (scripts/test installs it)");
    assert!(s.success());
    assert_eq!(proof_of(&forged), proof_of(&day.receipt(1)));
    let r = day.verify(&forged);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(common::failed_checks(&r.stdout, 0), ["document"]);
    assert!(
        r.stdout
            .contains("this file is not the receipt the ledger prints")
    );
    // Rewritten by another program, even unchanged in content: not the ledger's file.
    let rewritten = day.path("rewritten.pdf");
    assert!(
        Command::new("qpdf")
            .arg(day.receipt(1))
            .arg(&rewritten)
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(day.verify(&rewritten).code, 1);
}

#[test]
fn another_programs_pdf_carrying_a_genuine_proof_fails() {
    use lopdf::{Dictionary, Object, Stream, dictionary};
    let day = Day::new();
    let proof = proof_of(&day.receipt(3));
    let mut doc = lopdf::Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(
        Dictionary::new(),
        b"BT /F1 24 Tf 72 700 Td (Paid in full: 1 toman) Tj ET".to_vec(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 420.into(), 595.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info = doc.add_object(dictionary! {
        "PishkhanProof" => Object::string_literal(proof.as_str()),
        "PishkhanLayout" => Object::string_literal(pishkhan::docs::LAYOUT),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let forged = day.path("other-tool.pdf");
    doc.save(&forged).unwrap();
    assert_eq!(proof_of(&forged), proof);
    let r = day.verify(&forged);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(common::failed_checks(&r.stdout, 0), ["document"]);
}

#[test]
fn a_text_file_and_a_proof_after_the_end_are_refused() {
    let day = Day::new();
    let proof = proof_of(&day.receipt(4));
    // A text file that starts like a PDF and holds a genuine proof.
    let text = day.path("text.pdf");
    fs::write(
        &text,
        format!("%PDF-1.7\n/PishkhanProof ({proof})\n%%EOF\n"),
    )
    .unwrap();
    let r = day.verify(&text);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("not a readable PDF"), "{}", r.stderr);
    // Another receipt with receipt 4's proof hidden after its end.
    let mut bytes = fs::read(day.receipt(5)).unwrap();
    bytes.extend_from_slice(format!("\n/PishkhanProof ({proof})\n").as_bytes());
    let after = day.path("after-eof.pdf");
    fs::write(&after, &bytes).unwrap();
    let r = day.verify(&after);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("after its last %%EOF"), "{}", r.stderr);
    // The same, closed with a %%EOF of its own: an update appended.
    bytes.extend_from_slice(b"%%EOF\n");
    fs::write(&after, &bytes).unwrap();
    let r = day.verify(&after);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_genuine_code_on_another_persons_paper_names_the_true_applicant() {
    let day = Day::new();
    // What the QR code of receipt 6 says, scanned off a fake receipt made out to
    // someone else: verify answers with whom the receipt is really for.
    let line = proof_of(&day.receipt(6));
    let r = run(pishkhan()
        .args(["verify", &line, "--ledger"])
        .arg(day.path("ledger.sqlite")));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let first = r.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("    for ") && first.contains(char::is_numeric),
        "{first}"
    );
    let csv = fs::read_to_string(common::root().join("examples/applicants.csv")).unwrap();
    let id = first.split_whitespace().nth(1).unwrap();
    assert_eq!(id.len(), 10);
    assert!(
        csv.contains(&pishkhan::core::text::to_persian_digits(id)) || csv.contains(id),
        "{id} is an applicant of the day"
    );
}

#[test]
fn a_receipt_printed_before_layouts_were_named_is_checked_by_its_proof_and_says_so() {
    let day = Day::new();
    // An earlier pishkhan wrote no /PishkhanLayout: made here by renaming the key.
    let bytes = fs::read(day.receipt(7)).unwrap();
    let at = bytes
        .windows(15)
        .position(|w| w == b"/PishkhanLayout")
        .unwrap();
    let mut old = bytes.clone();
    old[at + 1..at + 15].copy_from_slice(b"XishkhanLayout");
    let path = day.path("old.pdf");
    fs::write(&path, &old).unwrap();
    let r = day.verify(&path);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("checked by its proof line only"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_receipt_of_an_earlier_layout_is_checked_by_its_proof_and_says_which_layout() {
    // Receipt 1 of the example day as printed by the pishkhan of layout 2, kept
    // byte for byte: genuine, but this build prints it differently.
    let day = Day::new();
    let old = common::root().join("tests/fixtures/layout2-37-1234_1402-000001.pdf");
    let r = day.verify(&old);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "printed in layout 2 by an earlier pishkhan (this one prints layout {}): checked by its proof line only",
            pishkhan::docs::LAYOUT
        )),
        "{}",
        r.stdout
    );
    // The receipt this build prints is checked as a document.
    let r = day.verify(&day.receipt(1));
    assert!(
        r.stdout.contains(&format!(
            "byte for byte, what the ledger prints (layout {})",
            pishkhan::docs::LAYOUT
        )),
        "{}",
        r.stdout
    );
}
