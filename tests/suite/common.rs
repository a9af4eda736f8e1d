//! Helpers for the CLI tests: run the real binary from the repo root with a clean
//! environment, so the shipped tariffs.toml and calendar.toml are the defaults.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command as Process;

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

pub const HEADER: &str = "national_id,first_name,last_name,father_name,birth_date,gender,military_status,mobile,trade,cluster";

pub fn good_row(n: u64) -> String {
    format!(
        "{},زهرا,احمدی,محمد,1375/06/01,زن,,09123456789,قالی‌بافی,60000",
        nid(n)
    )
}

pub fn sheet(rows: &[String]) -> String {
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

/// `register` on a day of stage 4's registration window, for office 37-1234.
const REGISTER: [&str; 7] = [
    "register",
    "--date",
    "1402/10/26",
    "--time",
    "10:00",
    "--office-code",
    "37-1234",
];

/// A scratch office: a folder of its own, its ledger in it, and the commands of
/// office 37-1234 run on that ledger. The one fixture of the tests.
pub struct Office {
    pub dir: tempfile::TempDir,
}

impl Office {
    pub fn new() -> Office {
        Office {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn ledger(&self) -> PathBuf {
        self.path("ledger.sqlite")
    }
    /// The README's first command on this office's ledger: the example sheet of
    /// office 37-1234 (signed with the demonstration key) on 1402/10/26 at 10:42, its
    /// receipts into `receipts/` (exit 1: 7 rows are rejected). The folder.
    pub fn example_day(&self) -> PathBuf {
        let out = self.path("receipts");
        let r = run(pishkhan()
            .args([
                "register",
                "examples/applicants.csv",
                "--config",
                "examples/office.toml",
            ])
            .args(["--date", "1402/10/26", "--time", "10:42", "--out"])
            .arg(&out)
            .arg("--ledger")
            .arg(self.ledger()));
        assert_eq!(r.code, 1, "{}", r.stderr);
        out
    }
    /// A file of the office's folder, written now.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    /// `command` of office 37-1234 on `date` at 09:00, on this office's ledger.
    pub fn cmd(&self, command: &str, date: &str) -> Command {
        let mut c = pishkhan();
        c.args([command, "--date", date, "--time", "09:00"])
            .args(["--office-code", "37-1234"])
            .args(["--office-name", "دفتر پیشخوان نمونه"])
            .arg("--ledger")
            .arg(self.ledger());
        c
    }
    /// `register` of standard input on the example's day, on this office's ledger.
    pub fn register(&self) -> assert_cmd::Command {
        let mut c = pishkhan();
        c.args(REGISTER)
            .args(["--office-name", "دفتر پیشخوان ۱۲۳۴"])
            .arg("--ledger")
            .arg(self.ledger());
        c
    }
    /// The same command as a plain process, for tests that kill it or race two.
    pub fn process(&self) -> Process {
        let mut c = Process::new(assert_cmd::cargo::cargo_bin("pishkhan"));
        c.args(REGISTER).arg("--ledger").arg(self.ledger());
        c
    }

    /// Waits (up to a minute) until `query` on the ledger counts more than 0: for
    /// killing a run once part of it is recorded.
    pub fn wait_for(&self, query: &str) {
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(60) {
            std::thread::sleep(std::time::Duration::from_millis(10));
            // Never creating it: the run being watched makes the ledger.
            let n = rusqlite::Connection::open_with_flags(
                self.ledger(),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .and_then(|c| c.query_row(query, [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0);
            if n > 0 {
                return;
            }
        }
    }

    pub fn sql(&self, q: &str) -> i64 {
        let conn = rusqlite::Connection::open_with_flags(
            self.ledger(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
        )
        .unwrap();
        conn.query_row(q, [], |r| r.get(0)).unwrap()
    }

    /// The ledger's promises: each applicant once, numbers 1..n without a gap, and the
    /// lines adding up to the receipts.
    pub fn assert_consistent(&self, n: i64) {
        assert_eq!(self.sql("SELECT COUNT(*) FROM receipts"), n);
        assert_eq!(
            self.sql("SELECT COUNT(DISTINCT national_id) FROM receipts"),
            n
        );
        assert_eq!(self.sql("SELECT MIN(seq) FROM receipts"), 1);
        assert_eq!(self.sql("SELECT MAX(seq) FROM receipts"), n);
        assert_eq!(self.sql("SELECT COUNT(DISTINCT number) FROM receipts"), n);
        assert_eq!(
            self.sql("SELECT SUM(amount) FROM receipt_lines"),
            self.sql("SELECT SUM(grand_total) FROM receipts")
        );
        assert_eq!(
            self.sql("SELECT SUM(grand_total) FROM receipts"),
            n * 1_084_790
        );
    }
}

pub fn results(stdout: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(stdout.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

/// A PDF file that was written whole: its header, its end-of-file marker.
pub fn is_whole_pdf(path: &Path) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes.starts_with(b"%PDF-") && bytes.trim_ascii_end().ends_with(b"%%EOF")
}

/// The checks `pishkhan verify --format json` found failing, of its `receipt`th
/// receipt.
pub fn failed_checks(stdout: &str, receipt: usize) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    v["receipts"][receipt]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["held"] == false)
        .map(|c| c["check"].as_str().unwrap().to_string())
        .collect()
}

/// A copy of `ledger` at `copy` with `sql` run on it, as a hand edit would.
pub fn tampered(ledger: &Path, copy: PathBuf, sql: &str) -> PathBuf {
    std::fs::copy(ledger, &copy).unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn.execute_batch(sql).unwrap();
    copy
}

/// A directory and the files in it made read-only, for root too: modes 0444/0555,
/// and `chattr +i` where modes do not stop the user (root). Writable again when
/// dropped. Panics when the directory stays writable: a test of read-only storage
/// must have some.
pub struct ReadOnly(Vec<PathBuf>);

impl ReadOnly {
    pub fn seal(dir: &Path) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.push(dir.to_path_buf());
        for p in &paths {
            let mode = if p.is_dir() { 0o555 } else { 0o444 };
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let probe = dir.join("probe");
        if std::fs::File::create(&probe).is_ok() {
            let _ = std::fs::remove_file(&probe);
            for p in &paths {
                let _ = Process::new("chattr").arg("+i").arg(p).status();
            }
        }
        let sealed = ReadOnly(paths);
        assert!(
            std::fs::File::create(&probe).is_err(),
            "{} could not be made read-only (chattr needs e2fsprogs and an ext file system)",
            dir.display()
        );
        sealed
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        for p in self.0.iter().rev() {
            let _ = Process::new("chattr").arg("-i").arg(p).status();
            let mode = if p.is_dir() { 0o755 } else { 0o644 };
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
        }
    }
}
