//! Every command line README.md and the pages of `docs/` show, and every example of
//! `pishkhan <command> --help`, run as written in a scratch copy of the repository, in order, each
//! exiting as the text says: `# exit N` beside it (README) or in the comment above
//! it (help); 0 when nothing is said.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::root;

/// A command as the text shows it, and the exit code the text gives it.
#[derive(Debug)]
struct Example {
    line: String,
    exit: i32,
}

/// `# exit N` in a comment: N.
fn exit_in(comment: &str) -> Option<i32> {
    let rest = comment.split("exit ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The command lines of a Markdown page: every line of a ```sh block, and `$ ` lines of
/// any block; `cargo run --release --` becomes the built binary. `scripts/` and other
/// `cargo` lines are the test and build tooling itself, run by CI, not here.
fn readme_examples(text: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    let mut pending = String::new();
    for raw in text.lines() {
        let line = raw.trim_end();
        if let Some(lang) = line.strip_prefix("```") {
            block = match block {
                Some(_) => None,
                None => Some(lang.trim().to_string()),
            };
            continue;
        }
        let Some(lang) = &block else { continue };
        let command = match line.strip_prefix("$ ") {
            Some(c) => c,
            None if lang == "sh" && !line.trim().is_empty() && !line.starts_with('#') => line,
            None => continue,
        };
        let (command, exit) = match command.split_once(" #") {
            Some((c, comment)) => (c.trim_end(), exit_in(comment).unwrap_or(0)),
            None => (command, 0),
        };
        if let Some(head) = command.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        let full = format!("{pending}{command}");
        pending.clear();
        let full = match full.strip_prefix("cargo run --release -- ") {
            Some(args) => format!("pishkhan {args}"),
            None => full,
        };
        if full.starts_with("scripts/") || full.starts_with("cargo ") {
            continue;
        }
        out.push(Example { line: full, exit });
    }
    out
}

/// The examples of one `--help`: the lines starting with `pishkhan` after
/// "Examples:", joined across `\`, each with the exit its comment line gives.
fn help_examples(help: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let Some((_, rest)) = help.split_once("Examples:\n") else {
        return out;
    };
    let mut exit = 0;
    let mut pending: Option<String> = None;
    for line in rest.lines() {
        let t = line.trim();
        if t.is_empty() && pending.is_none() {
            break;
        }
        if let Some(comment) = t.strip_prefix('#') {
            exit = exit_in(comment).unwrap_or(0);
            continue;
        }
        let part = match (&mut pending, t.starts_with("pishkhan ")) {
            (Some(p), _) => {
                p.push(' ');
                p.push_str(t.trim_end_matches('\\').trim());
                if t.ends_with('\\') {
                    continue;
                }
                pending.take().unwrap()
            }
            (None, true) if t.ends_with('\\') => {
                pending = Some(t.trim_end_matches('\\').trim().to_string());
                continue;
            }
            (None, true) => t.to_string(),
            (None, false) => continue,
        };
        out.push(Example { line: part, exit });
        exit = 0;
    }
    out
}

/// A scratch copy of what a fresh clone has that the examples use.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["tariffs.toml", "calendar.toml", "README.md"] {
        std::fs::copy(root().join(f), dir.path().join(f)).unwrap();
    }
    copy_dir(&root().join("examples"), &dir.path().join("examples"));
    copy_dir(&root().join("web"), &dir.path().join("web"));
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("pishkhan")
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs each example in `dir`, in order, through `sh`; every failure is listed.
fn run_all(dir: &Path, examples: &[Example]) {
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    for e in examples {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&e.line)
            .current_dir(dir)
            .env("PATH", &path);
        cmd.env("HOME", dir);
        for (key, _) in std::env::vars() {
            if key.starts_with("PISHKHAN_") {
                cmd.env_remove(key);
            }
        }
        let out = cmd.output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if code != e.exit || stderr.contains("panicked") {
            failures.push(format!(
                "{}\n  exited {code}, the text says {}\n  stderr: {}",
                e.line,
                e.exit,
                stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_readme_command_runs_as_written() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let examples = readme_examples(&text);
    // The first command of the page, and at least one of each command's.
    assert!(
        examples[0]
            .line
            .starts_with("pishkhan register examples/applicants.csv")
            && examples[0].exit == 1,
        "{examples:?}"
    );
    // One day at the desk: each step of the letter's way, and the checks of it.
    for c in [
        "register", "card", "certify", "status", "report", "audit", "verify",
    ] {
        assert!(
            examples.iter().any(|e| e.line == format!("pishkhan {c}")
                || e.line.starts_with(&format!("pishkhan {c} "))),
            "no {c} example in README.md"
        );
    }
    let dir = scratch();
    run_all(dir.path(), &examples);
    // What the examples wrote is where the page says.
    for f in [
        "receipts/37-1234_1402-000001.pdf",
        "slips/37-1234_1402-000014.pdf",
        "certs",
        "fix-these.csv",
        "sms.csv",
        "report.pdf",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
}

/// The pages of `docs/`, in the order their examples run: the guide's commands start
/// from a fresh copy where the README's first command has run (the guide shows it),
/// and the other pages go on from there.
const DOCS: &[&str] = &[
    "docs/guide.md",
    "docs/ledger.md",
    "docs/documents.md",
    "docs/architecture.md",
];

#[test]
fn every_docs_command_runs_as_written() {
    // Every page of docs/ is in the list, so none goes unrun.
    let mut pages: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .flatten()
        .map(|e| format!("docs/{}", e.file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".md"))
        .collect();
    pages.sort();
    let mut listed: Vec<String> = DOCS.iter().map(|p| p.to_string()).collect();
    listed.sort();
    assert_eq!(pages, listed, "a page of docs/ whose commands are not run");

    let mut examples = Vec::new();
    for page in DOCS {
        examples.extend(readme_examples(
            &std::fs::read_to_string(root().join(page)).unwrap(),
        ));
    }
    assert!(
        examples[0]
            .line
            .starts_with("pishkhan register examples/applicants.csv"),
        "the guide starts where the README does: {examples:?}"
    );
    for c in [
        "register", "card", "certify", "status", "report", "audit", "verify", "fee", "check", "key",
    ] {
        assert!(
            examples.iter().any(|e| e.line == format!("pishkhan {c}")
                || e.line.starts_with(&format!("pishkhan {c} "))),
            "no {c} example in docs/"
        );
    }
    let dir = scratch();
    run_all(dir.path(), &examples);
    for f in [
        "receipts/37-1234_1402-000001.pdf",
        "slips/37-1234_1402-000014.pdf",
        "sms.csv",
        "report.pdf",
        "lines.csv",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
}

#[test]
fn every_help_example_runs_as_written() {
    let dir = scratch();
    let mut examples = Vec::new();
    for c in [
        "register",
        "card",
        "certify",
        "status",
        "report",
        "audit",
        "verify",
        "fee",
        "check",
        "completions",
        "",
    ] {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("pishkhan"));
        if !c.is_empty() {
            cmd.arg(c);
        }
        let out = cmd.arg("--help").output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        let found = help_examples(&help);
        assert!(!found.is_empty(), "no examples in `pishkhan {c} --help`");
        examples.extend(found);
    }
    run_all(dir.path(), &examples);
}

#[test]
fn examples_are_read_as_written() {
    let readme = "```sh\ncargo run --release -- fee   # exit 2: why\nscripts/test\n```\n\n```\n$ pishkhan check\nout\n```\n";
    let e = readme_examples(readme);
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].line.as_str(), e[0].exit), ("pishkhan fee", 2));
    assert_eq!((e[1].line.as_str(), e[1].exit), ("pishkhan check", 0));
    let help = "Usage: x\n\nExamples:\n  # one (exit 1: so)\n  pishkhan a \\\n      --b c\n  pishkhan d\n      what d does\n\nMore.\n";
    let e = help_examples(help);
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].line.as_str(), e[0].exit), ("pishkhan a --b c", 1));
    assert_eq!((e[1].line.as_str(), e[1].exit), ("pishkhan d", 0));
}
