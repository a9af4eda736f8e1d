//! The man pages in `docs/man/` are generated from the same clap definitions as
//! `--help` (clap_mangen), so the two never disagree: this test makes them again and
//! fails when a page in the repository differs. `WRITE_MAN=1 cargo test man` writes
//! them anew.

use std::collections::BTreeMap;
use std::path::Path;

use clap::CommandFactory;

use crate::common::root;

/// Every page clap_mangen makes of pishkhan's commands, by file name.
fn generated() -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    clap_mangen::generate_to(pishkhan::cmd::Cli::command(), dir.path()).unwrap();
    pages_in(dir.path())
}

fn pages_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "1"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_man_pages_are_made_from_the_help() {
    let made = generated();
    let dir = root().join("docs/man");
    if std::env::var_os("WRITE_MAN").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, page) in &made {
            std::fs::write(dir.join(name), page).unwrap();
        }
    }
    let kept = pages_in(&dir);
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&kept),
        names(&made),
        "docs/man/ is not the commands' pages: run `WRITE_MAN=1 cargo test man`"
    );
    for (name, page) in &made {
        assert!(
            kept[name] == *page,
            "docs/man/{name} differs from the help: run `WRITE_MAN=1 cargo test man`"
        );
    }
    // One page per command, each with the command's options and its examples.
    for c in [
        "register", "card", "certify", "status", "report", "audit", "verify", "fee", "check", "key",
    ] {
        let page = String::from_utf8(made[&format!("pishkhan-{c}.1")].clone()).unwrap();
        assert!(page.contains(&format!("pishkhan\\-{c}")), "pishkhan-{c}.1");
    }
    let register = String::from_utf8(made["pishkhan-register.1"].clone()).unwrap();
    assert!(register.contains("\\-\\-rejects"), "register's options");
    assert!(register.contains("Examples:"), "register's examples");
}
