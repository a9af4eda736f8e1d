//! The shape of the code, as the desk layer promises it: the ledger does not know how
//! documents are drawn, commands do not import each other, and one recording loop
//! serves every command that charges.

mod common;

use std::path::Path;

fn source(path: &str) -> String {
    std::fs::read_to_string(common::root().join(path)).unwrap()
}

fn files_under(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![common::root().join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(common::root()).unwrap();
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_ledger_does_not_know_documents() {
    for f in files_under("src/ledger") {
        let text = source(&f);
        assert!(
            !text.contains("crate::docs") && !text.contains("crate::typeset"),
            "{f} uses the documents"
        );
    }
}

#[test]
fn the_desk_knows_neither_storage_nor_drawing_nor_the_command_line() {
    for f in files_under("src/desk") {
        let text = source(&f);
        for other in [
            "crate::ledger",
            "crate::docs",
            "crate::typeset",
            "crate::cmd",
            "crate::cli",
        ] {
            assert!(!text.contains(other), "{f} uses {other}");
        }
    }
}

#[test]
fn commands_do_not_import_each_other() {
    let commands = [
        "register", "card", "certify", "status", "report", "fee", "check", "audit", "verify", "key",
    ];
    for c in commands {
        let text = source(&format!("src/cmd/{c}.rs"));
        for other in commands.iter().filter(|o| **o != c) {
            for path in [format!("super::{other}"), format!("cmd::{other}")] {
                assert!(!text.contains(&path), "src/cmd/{c}.rs uses {path}");
            }
        }
    }
}

#[test]
fn one_recording_loop_serves_every_charging_command() {
    // The loop: desk::batch::record, the only code that begins a ledger transaction.
    for f in files_under("src") {
        let text = source(&f);
        if f != "src/desk/batch.rs" && !f.starts_with("src/ledger/") {
            assert!(!text.contains(".begin()"), "{f} opens a transaction");
            assert!(!text.contains(".commit()"), "{f} commits");
        }
        if f != "src/cmd/charging.rs" && f != "src/desk/batch.rs" {
            assert!(!text.contains("batch::record("), "{f} runs its own loop");
        }
    }
    // Each charging command hands its checked rows to it, through cmd/charging.rs.
    for c in ["register", "card", "certify"] {
        let text = source(&format!("src/cmd/{c}.rs"));
        assert!(text.contains("charging::charge("), "src/cmd/{c}.rs");
    }
    assert!(source("src/cmd/charging.rs").contains("crate::desk::batch::record("));
    assert!(Path::new(&common::root().join("src/desk/batch.rs")).exists());
}
