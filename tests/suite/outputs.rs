//! Outputs that never contradict the ledger: a batch killed at any moment has
//! recorded every row it reported, with its receipt; a re-run completes it; outputs
//! that cannot be written give exit 3 with every recorded row still answered; files
//! get the usual mode; temporary files of killed runs go; PDFs never go to a terminal.

use crate::common;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use common::{Office, good_row, is_whole_pdf, pishkhan, results, run, sheet};

/// A small pseudo-random source, seeded from the clock: each run kills at other
/// moments; the seed is in every failure message.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let t = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Rng(t | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The complete lines a killed run printed (the last may have been cut).
fn reported(log: &Path) -> Vec<csv::StringRecord> {
    let text = fs::read_to_string(log).unwrap_or_default();
    let whole = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    results(whole)
}

fn temps_in(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(".pishkhan-") || n.starts_with(".tmp"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pdfs_in(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                .collect()
        })
        .unwrap_or_default()
}

/// Every row a run reported as recorded is in the ledger under that number, for
/// that applicant, and its receipt PDF is in `out`, whole; no PDF in `out` is half.
fn assert_reported_is_recorded(desk: &Office, log: &Path, out: &Path, seed: u64) {
    let rows = reported(log);
    if !desk.ledger().exists() {
        assert!(rows.is_empty(), "seed {seed}: reported without a ledger");
        return;
    }
    // Read-only: a test must never make the ledger the run under test makes.
    let conn = rusqlite::Connection::open_with_flags(
        desk.ledger(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    for row in rows {
        if &row[2] == "rejected" {
            continue;
        }
        let found: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM receipts WHERE number = ?1 AND national_id = ?2",
                [&row[3], &row[1]],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 1, "seed {seed}: reported but not recorded: {row:?}");
        let pdf = out.join(format!("37-1234_{}.pdf", &row[3]));
        assert!(
            is_whole_pdf(&pdf),
            "seed {seed}: reported without its receipt: {pdf:?}"
        );
    }
    for pdf in pdfs_in(out) {
        assert!(is_whole_pdf(&pdf), "seed {seed}: half a PDF: {pdf:?}");
    }
}

#[test]
fn a_batch_killed_anywhere_loses_nothing_it_reported() {
    let desk = Office::new();
    let n = 20_000;
    let csv = desk.file("big.csv", sheet(&(1..=n).map(good_row).collect::<Vec<_>>()));
    let out = desk.dir.path().join("receipts");
    let mut rng = Rng::new();
    let seed = rng.0;
    // SIGKILL at random moments: starting up, creating the ledger, recording,
    // rendering and syncing PDFs; each run goes on from where the last stopped.
    for round in 0..5u64 {
        let log = desk.dir.path().join(format!("round{round}.csv"));
        let mut child = desk
            .process()
            .arg("--out")
            .arg(&out)
            .arg(&csv)
            .stdout(File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = if round == 0 {
            rng.below(60)
        } else {
            200 + rng.below(2500)
        };
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert_reported_is_recorded(&desk, &log, &out, seed);
    }
    let r = run(desk.register().arg("--out").arg(&out).arg(&csv));
    assert_eq!(r.code, 0, "seed {seed}: {}", r.stderr);
    let rows = results(&r.stdout);
    assert_eq!(rows.len() as u64, n);
    assert!(
        rows.iter()
            .all(|r| &r[2] == "accepted" || &r[2] == "duplicate"),
        "seed {seed}"
    );
    // Each row once, numbers 1..n without a gap, lines adding up.
    desk.assert_consistent(n as i64);
    // One whole PDF per receipt, and nothing temporary left.
    let pdfs = pdfs_in(&out);
    assert_eq!(pdfs.len() as u64, n, "seed {seed}");
    assert!(pdfs.iter().all(|p| is_whole_pdf(p)), "seed {seed}");
    for p in pdfs.iter().step_by(2_000) {
        let check = Command::new("qpdf").arg("--check").arg(p).output().unwrap();
        assert!(check.status.success(), "seed {seed}: {p:?}");
    }
    assert_eq!(temps_in(&out), Vec::<PathBuf>::new(), "seed {seed}");
    assert_eq!(
        temps_in(desk.dir.path()),
        Vec::<PathBuf>::new(),
        "seed {seed}"
    );
}

/// `card` over a ledger of `n` registrations.
fn card(desk: &Office) -> assert_cmd::Command {
    let mut c = pishkhan();
    c.args(["card", "--date", "1402/11/24", "--time", "09:00"])
        .arg("--ledger")
        .arg(desk.ledger());
    c
}

#[test]
fn card_sms_killed_and_rerun_lists_everyone() {
    let desk = Office::new();
    // Six groups of 2,000: recording runs at most four ahead of the PDFs, so the kill
    // lands before the end.
    let n = 12_000;
    let csv = desk.file("reg.csv", sheet(&(1..=n).map(good_row).collect::<Vec<_>>()));
    assert_eq!(run(desk.register().arg(&csv)).code, 0);
    let sms = desk.dir.path().join("sms.csv");
    let slips = desk.dir.path().join("slips");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("pishkhan"))
        .args([
            "card",
            "--date",
            "1402/11/24",
            "--time",
            "09:00",
            "--ledger",
        ])
        .arg(desk.ledger())
        .arg("--out")
        .arg(&slips)
        .arg("--sms")
        .arg(&sms)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once part of the slips are in the ledger.
    desk.wait_for("SELECT COUNT(*) FROM receipts WHERE kind = 'card'");
    child.kill().unwrap();
    child.wait().unwrap();
    let carded = desk.sql("SELECT COUNT(*) FROM receipts WHERE kind = 'card'");
    assert!(carded > 0 && carded < n as i64, "killed mid-run: {carded}");
    assert!(!sms.exists(), "the SMS file appears whole or not at all");
    // The re-run lists everyone: the slips issued before the kill and the rest.
    for _ in 0..2 {
        let r = run(card(&desk).arg("--sms").arg(&sms));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let text = fs::read_to_string(&sms).unwrap();
        let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len() as u64, n, "one SMS row per applicant");
        assert!(
            rows.iter()
                .all(|r| &r[1] == "Hamrah-e Avval" && r[2].contains("۱۴۰۲/۱۱/۲۶"))
        );
    }
    assert_eq!(
        desk.sql("SELECT COUNT(*) FROM receipts WHERE kind = 'card'"),
        n as i64
    );
    assert_eq!(temps_in(desk.dir.path()), Vec::<PathBuf>::new());
}

/// A directory no one can write in, root included: chmod is enough for anyone but
/// root; for root, `chattr +i` where the file system has it; failing both, a
/// directory under /proc, where no one creates anything. Writable again when dropped.
struct ReadOnlyDir(PathBuf);

impl ReadOnlyDir {
    fn new(path: PathBuf) -> ReadOnlyDir {
        use std::os::unix::fs::PermissionsExt;
        fs::create_dir_all(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o555)).unwrap();
        // Whether a new file can be made there (and unmade).
        let writable = |p: &Path| {
            let probe = p.join("probe");
            let made = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&probe)
                .is_ok();
            if made {
                fs::remove_file(&probe).unwrap();
            }
            made
        };
        if writable(&path) {
            let _ = Command::new("chattr").arg("+i").arg(&path).status();
        }
        let dir = ReadOnlyDir(path);
        if writable(&dir.0) {
            drop(dir);
            return ReadOnlyDir(PathBuf::from("/proc/self/pishkhan-out"));
        }
        dir
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn outputs_that_cannot_be_written_exit_3_with_every_row_answered() {
    let desk = Office::new();
    // Beside the build, on the checkout's file system (a tmpfs has no chattr).
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let ro = ReadOnlyDir::new(scratch.path().join("ro"));
    let mut rows: Vec<String> = (1..=50).map(good_row).collect();
    let csv = desk.file("a.csv", sheet(&rows));
    let r = run(desk.register().arg("--out").arg(&ro.0).arg(&csv));
    assert_eq!(r.code, 3, "{}", r.stderr);
    let out = results(&r.stdout);
    assert_eq!(out.len(), 50, "every recorded row has its result line");
    assert!(
        out.iter()
            .all(|r| &r[2] == "accepted" && r[3].starts_with("1402-"))
    );
    assert!(
        r.stderr.contains("not written: receipt PDFs in") && r.stderr.contains("again"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("دوباره"), "Persian too: {}", r.stderr);
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 50);
    // A rejects file that cannot be written: 3 wins over 1.
    rows.push(good_row(99).replace("09123456789", "0912"));
    let csv = desk.file("b.csv", sheet(&rows));
    let r = run(desk
        .register()
        .arg("--rejects")
        .arg(ro.0.join("fix.csv"))
        .arg(&csv));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(results(&r.stdout).len(), 51);
    assert!(r.stderr.contains("the rejects file"), "{}", r.stderr);
    // Where it can write, the same command writes what was missing, charging nothing.
    drop(ro);
    let out = desk.dir.path().join("receipts");
    let r = run(desk
        .register()
        .arg("--out")
        .arg(&out)
        .arg(desk.dir.path().join("a.csv")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(results(&r.stdout).iter().all(|r| &r[2] == "duplicate"));
    assert_eq!(pdfs_in(&out).len(), 50);
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 50);
}

#[test]
fn files_have_the_usual_mode_and_temporary_ones_go() {
    use std::os::unix::fs::PermissionsExt;
    let desk = Office::new();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // What any program's new file gets under this umask (0644 under 022).
    let usual = desk.file("usual", "");
    let out = desk.dir.path().join("receipts");
    fs::create_dir_all(&out).unwrap();
    // Left by killed runs (no such process), and one of a run still going (pid 1).
    let dead = [
        out.join(".pishkhan-2147483646-3.tmp"),
        desk.dir.path().join(".pishkhan-2147483646-4.tmp"),
    ];
    let live = out.join(".pishkhan-1-0.tmp");
    for p in dead.iter().chain([&live]) {
        fs::write(p, "x").unwrap();
    }
    let csv = desk.file(
        "a.csv",
        sheet(&[good_row(1), good_row(2).replace(",زن,", ",x,")]),
    );
    let rejects = desk.dir.path().join("fix.csv");
    let combined = desk.dir.path().join("day.pdf");
    let r = run(desk
        .register()
        .arg(&csv)
        .arg("--out")
        .arg(&out)
        .arg("--rejects")
        .arg(&rejects)
        .arg("--combined")
        .arg(&combined));
    assert_eq!(r.code, 1, "{}", r.stderr);
    for p in [out.join("37-1234_1402-000001.pdf"), rejects, combined] {
        assert_eq!(mode(&p), mode(&usual), "{p:?}");
    }
    assert!(
        dead.iter().all(|p| !p.exists()),
        "killed runs' temporary files go"
    );
    assert!(live.exists(), "a running run's stays");
}

#[test]
fn strict_from_standard_input_writes_nothing_to_the_temporary_directory() {
    let desk = Office::new();
    let tmp = tempfile::tempdir().unwrap();
    let r = run(desk
        .register()
        .args(["--strict", "-"])
        .env("TMPDIR", tmp.path())
        .write_stdin(sheet(&[good_row(1), good_row(2)])));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 2);
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

/// Runs a command line on a terminal (a pseudo-terminal from `script`).
fn on_a_terminal(dir: &Path, line: &str) -> (i32, String) {
    let bin = assert_cmd::cargo::cargo_bin("pishkhan");
    let out = Command::new("script")
        .args(["-qec", &format!("{} {line}", bin.display()), "/dev/null"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn no_pdf_is_written_to_a_terminal() {
    let desk = Office::new();
    let csv = desk.file("a.csv", sheet(&[good_row(1)]));
    assert_eq!(run(desk.register().arg(&csv)).code, 0);
    let root = common::root();
    let ledger = desk.ledger();
    let ledger = ledger.display();
    for line in [
        format!("register --reprint 1402-000001 --ledger {ledger}"),
        format!("report --month 1402/10 --format pdf --ledger {ledger}"),
    ] {
        let (code, text) = on_a_terminal(&root, &line);
        assert_eq!(code, 2, "{line}: {text}");
        assert!(text.contains("redirect"), "{line}: {text}");
        assert!(
            text.contains("a PDF is not for the terminal"),
            "{line}: {text}"
        );
        assert!(!text.contains("%PDF"), "{line}");
    }
    // A workbook is named as what it is, and kept off the screen too.
    let line = format!("report --month 1402/10 --format xlsx --ledger {ledger}");
    let (code, text) = on_a_terminal(&root, &line);
    assert_eq!(code, 2, "{line}: {text}");
    assert!(
        text.contains("a workbook is not for the terminal") && text.contains("file.xlsx"),
        "{line}: {text}"
    );
    assert!(!text.contains("PK\u{3}\u{4}"), "{line}");
    // On a terminal, results are a table.
    let (code, text) = on_a_terminal(
        &root,
        &format!(
            "register --date 1402/10/26 --ledger {ledger} {}",
            csv.display()
        ),
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("شماره رسید") && text.contains("تکراری"),
        "{text}"
    );
}

#[test]
fn format_table_wherever_format_is_offered() {
    let desk = Office::new();
    let csv = desk.file("a.csv", sheet(&[good_row(1), good_row(2)]));
    let r = run(desk.register().arg(&csv).args(["--format", "table"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("پذیرفته") && r.stdout.contains("۱۴۰۲-۰۰۰۰۰۱"));
    let results_csv = desk.file(
        "r.csv",
        format!("national_id,result\n{},passed\n", common::nid(1)),
    );
    let ledger = desk.ledger();
    let with_ledger = |args: &[&str]| {
        let mut c = pishkhan();
        c.args(args).arg("--ledger").arg(&ledger);
        c
    };
    for (args, code, want) in [
        (
            vec!["card", "--date", "1402/11/24", "--format", "table"],
            0,
            "پذیرفته",
        ),
        (
            vec![
                "certify",
                results_csv.to_str().unwrap(),
                "--date",
                "1402/12/10",
                "--format",
                "table",
            ],
            0,
            "پذیرفته",
        ),
        (
            vec!["status", &common::nid(1), "--format", "table"],
            0,
            "گواهینامه",
        ),
        (
            vec!["report", "--month", "1402/11", "--format", "table"],
            0,
            "جمع کل",
        ),
        (
            vec!["fee", "--date", "1402/10/26", "--format", "table"],
            0,
            "جمع کل",
        ),
        (vec!["check", "--format", "table"], 0, "check: 0 errors"),
    ] {
        let r = run(&mut with_ledger(&args));
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains(want), "{args:?}: {}", r.stdout);
    }
    // Offered only where it means something.
    for args in [
        vec!["status", "0012345679", "--format", "pdf"],
        vec!["fee", "--format", "pdf"],
        vec!["fee", "--paper", "a4"],
        vec!["status", "0012345679", "--paper", "a4"],
        vec!["completions", "bash", "--format", "json"],
    ] {
        let r = run(&mut with_ledger(&args));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
    }
}

#[test]
fn every_summary_line_has_its_persian_half() {
    let desk = Office::new();
    let csv = desk.file("a.csv", sheet(&[good_row(1)]));
    let r = run(desk.register().arg(&csv));
    assert!(r.stderr.contains("/ پذیرفته ۱، رد شده ۰"), "{}", r.stderr);
    let r = run(&mut card(&desk));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("/ پذیرفته ۱، رد شده ۰"), "{}", r.stderr);
    let results_csv = desk.file(
        "r.csv",
        format!("national_id,result\n{},passed\n", common::nid(1)),
    );
    let r = run(pishkhan()
        .args(["certify", "--date", "1402/12/10", "--ledger"])
        .arg(desk.ledger())
        .arg(&results_csv));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("/ پذیرفته ۱، رد شده ۰") && r.stderr.contains("سهم دفتر ۲۰٬۵۱۷ تومان"),
        "{}",
        r.stderr
    );
}

/// A manager's report while the clerk's batch records: each report reads one state
/// of the ledger, so its lines always add up to its receipts.
#[test]
fn a_report_during_a_batch_sees_one_state_of_the_ledger() {
    let desk = Office::new();
    assert_eq!(
        run(desk
            .register()
            .arg(desk.file("one.csv", sheet(&[good_row(1)]))))
        .code,
        0
    );
    let csv = desk.file(
        "big.csv",
        sheet(&(2..=30_001).map(good_row).collect::<Vec<_>>()),
    );
    let mut child = desk
        .process()
        .arg(&csv)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // (receipts, grand total in toman) of every report during the batch.
    let mut seen: Vec<(u64, u64)> = Vec::new();
    while child.try_wait().unwrap().is_none() {
        let r = run(pishkhan()
            .args([
                "report", "--month", "1402/10", "--format", "json", "--ledger",
            ])
            .arg(desk.ledger()));
        assert_eq!(
            r.code,
            0,
            "report {} during the batch: {}",
            seen.len(),
            r.stderr
        );
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        seen.push((
            v["receipts"]["registration"].as_u64().unwrap(),
            v["grand_total"].as_u64().unwrap(),
        ));
    }
    assert!(child.wait().unwrap().success());
    assert!(
        seen.len() >= 3,
        "only {} reports ran during the batch",
        seen.len()
    );
    // Commits add receipts in id order: a committed state is the first n receipts.
    for (n, total) in &seen {
        let prefix = desk.sql(&format!(
            "SELECT COALESCE(SUM(grand_total), 0) / 10 FROM receipts WHERE id <= {n}"
        ));
        assert_eq!(*total, prefix as u64, "{n} receipts: {seen:?}");
    }
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 30_001);
}
