//! Helpers for the CLI tests: run the real binary from the repo root with a clean
//! environment, so the shipped tariffs.toml and calendar.toml are the defaults.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn pishkhan() -> Command {
    let mut cmd = Command::cargo_bin("pishkhan").unwrap();
    cmd.current_dir(root());
    for (key, _) in std::env::vars() {
        if key.starts_with("PISHKHAN_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}

/// A copy of a shipped file with `from` replaced by `to`, in `dir`.
pub fn edited_copy(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join(name)).unwrap();
    assert!(text.contains(from), "{name} has no {from:?}");
    let path = dir.join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

/// A valid national ID (check digit computed) made from `n`.
pub fn nid(n: u64) -> String {
    let body = format!("{:09}", n % 1_000_000_000);
    let s: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * (10 - i as u32))
        .sum();
    let r = s % 11;
    format!("{body}{}", if r < 2 { r } else { 11 - r })
}
