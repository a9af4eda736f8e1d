//! Every kind of document on every paper, plain and signed, looks and reads as
//! committed: its 100-dpi render pixel for pixel (as a SHA-256 of `pdftoppm`'s
//! pixels), the text `pdftotext -layout` extracts and the structure tree
//! `pdfinfo -struct-text` reads. Work that should change nothing a reader sees (the
//! receipts' speed) is held to it; a change of layout rewrites the record with
//! `WRITE_LOOKS=1 cargo test looks`, and the diff of tests/fixtures/looks/ shows what
//! changed.

use std::path::Path;
use std::process::Command;

use pishkhan::core::tariff::Stage;
use pishkhan::desk::Receipt;
use pishkhan::docs::{Doc, render};
use pishkhan::typeset::PageSize;
use sha2::{Digest, Sha256};

use super::common::root;
use super::docs::{receipt, signed};

const PAPERS: [(PageSize, &str); 4] = [
    (PageSize::A5, "a5"),
    (PageSize::A4, "a4"),
    (PageSize::Roll80, "roll80"),
    (PageSize::Roll58, "roll58"),
];

/// The three documents of the example applicant.
fn documents() -> [(&'static str, Receipt); 3] {
    [
        (
            "receipt",
            receipt(
                Stage::Registration,
                "1402/10/26",
                Stage::Registration,
                "زهرا",
            ),
        ),
        (
            "slip",
            receipt(Stage::Card, "1402/11/24", Stage::Card, "زهرا"),
        ),
        (
            "certificate",
            receipt(Stage::Certificate, "1403/01/20", Stage::Certificate, "زهرا"),
        ),
    ]
}

fn output(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// What a reader gets of `pdf`: the pixels' hash, the text, the structure.
fn looks(pdf: &Path) -> String {
    let pixels = output(Command::new("pdftoppm").args(["-r", "100"]).arg(pdf));
    let text = output(
        Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(pdf)
            .arg("-"),
    );
    let tags = output(Command::new("pdfinfo").args(["-struct-text"]).arg(pdf));
    format!(
        "pixels at 100 dpi, SHA-256: {}\n--- pdftotext -layout\n{}--- pdfinfo -struct-text\n{}",
        Sha256::digest(&pixels)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        String::from_utf8(text).unwrap(),
        String::from_utf8(tags).unwrap()
    )
}

#[test]
fn every_document_looks_and_reads_as_committed() {
    let dir = root().join("tests/fixtures/looks");
    let write = std::env::var_os("WRITE_LOOKS").is_some();
    if write {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let scratch = tempfile::tempdir().unwrap();
    let mut differ = Vec::new();
    for (kind, r) in documents() {
        for (how, r) in [("", r.clone()), ("-signed", signed(r))] {
            for (size, paper) in PAPERS {
                let name = format!("{kind}-{paper}{how}.txt");
                let pdf = scratch.path().join("doc.pdf");
                let bytes = render(&[Doc::of(r.clone())], size).expect("fits");
                std::fs::write(&pdf, bytes).unwrap();
                let seen = looks(&pdf);
                if write {
                    std::fs::write(dir.join(&name), &seen).unwrap();
                }
                let kept = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
                if kept != seen {
                    // Kept for a look: what this build makes.
                    let to = root().join("target/looks");
                    std::fs::create_dir_all(&to).unwrap();
                    std::fs::write(to.join(&name), &seen).unwrap();
                    differ.push(name);
                }
            }
        }
    }
    assert!(
        differ.is_empty(),
        "these documents no longer look or read as tests/fixtures/looks/ records \
         (this build's are in target/looks/; if the change is meant, run \
         `WRITE_LOOKS=1 cargo test looks`): {differ:?}"
    );
}
