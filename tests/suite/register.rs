//! `pishkhan register` through the real binary: the clerk's batch, its quirks, its
//! exit codes, and the ledger's promises under crashes and concurrent runs.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{HEADER, Office, good_row, nid, pishkhan, results, root, run, sheet};

fn statuses(stdout: &str) -> Vec<(String, String)> {
    results(stdout)
        .iter()
        .map(|r| (r[2].to_string(), r[7].to_string()))
        .collect()
}

#[test]
fn the_shipped_example() {
    let desk = Office::new();
    let out = desk.dir.path().join("receipts");
    let r = run(desk
        .register()
        .arg(root().join("examples/applicants.csv"))
        .arg("--out")
        .arg(&out));
    assert_eq!(r.code, 1, "some rows rejected: {}", r.stderr);
    let rows = results(&r.stdout);
    assert_eq!(rows.len(), 20);
    let accepted: Vec<&str> = rows
        .iter()
        .filter(|r| &r[2] == "accepted")
        .map(|r| &r[3])
        .collect();
    let want: Vec<String> = (1..=13).map(|n| format!("1402-{n:06}")).collect();
    assert_eq!(accepted, want);
    let codes: Vec<&str> = rows
        .iter()
        .filter(|r| &r[2] == "rejected")
        .map(|r| &r[7])
        .collect();
    assert_eq!(
        codes,
        [
            "national_id_checksum",
            "military_status_required",
            "mobile_invalid",
            "birth_date_invalid",
            "military_status_not_eligible",
            "cluster_unknown",
            "duplicate_in_batch"
        ]
    );
    // Amounts to the toman.
    let line3 = &rows[1];
    assert_eq!(
        (&line3[4], &line3[5], &line3[6]),
        ("48479", "90000", "138479")
    );
    assert_eq!(&rows[12][1], "0029615453", "leading zeros restored");
    assert!(r.stderr.contains("accepted 13, rejected 7"), "{}", r.stderr);
    assert_eq!(
        desk.sql("SELECT SUM(office_total) FROM receipts"),
        13 * 484_790
    );
    for n in &want {
        assert!(out.join(format!("37-1234_{n}.pdf")).exists(), "{n}");
    }
    let text = Command::new("pdftotext")
        .arg(out.join("37-1234_1402-000001.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("زهرا") && text.contains("۹۰۸۰۵۹۰۴۷۹"),
        "{text}"
    );
}

#[test]
fn a_rerun_charges_nothing_again() {
    let desk = Office::new();
    let csv = desk.file("a.csv", sheet(&(1..=5).map(good_row).collect::<Vec<_>>()));
    assert_eq!(run(desk.register().arg(&csv)).code, 0);
    let r = run(desk.register().arg(&csv));
    assert_eq!(r.code, 0, "duplicates are not rejections");
    let rows = results(&r.stdout);
    assert!(rows.iter().all(|r| &r[2] == "duplicate"));
    assert_eq!(&rows[4][3], "1402-000005", "points at its receipt");
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 5);
}

/// The WAL is checkpointed from a second connection during a batch; when the run
/// ends, everything is in the database file and no WAL is left behind.
#[test]
fn a_finished_batch_leaves_everything_in_the_database() {
    let desk = Office::new();
    let csv = big_sheet(&desk, "big.csv", 1, 1500);
    assert_eq!(run(desk.register().arg(&csv)).code, 0);
    let wal = desk.dir.path().join("ledger.sqlite-wal");
    assert!(!wal.exists(), "WAL left behind: {wal:?}");
    desk.assert_consistent(1500);
}

#[test]
fn every_quirk_of_a_real_sheet() {
    let desk = Office::new();
    // Persian headers, semicolons, Windows-1256 (Arabic ي ك, ASCII digits), stripped zeros.
    let text = format!(
        "کد ملي;نام;نام خانوادگي;نام پدر;تاريخ تولد;جنسيت;وضعيت نظام وظيفه;تلفن همراه;حرفه;خوشه\n{};مريم;كريمي;علي;1375/06/01;زن;;09123456789;قالي‌بافي;60000\n",
        nid(1_234_567).trim_start_matches('0')
    );
    let (bytes, _, bad) = encoding_rs::WINDOWS_1256.encode(&text);
    assert!(!bad);
    let f1256 = desk.file("w.csv", &bytes);
    let r = run(desk.register().arg(&f1256));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("read as Windows-1256"), "{}", r.stderr);
    assert_eq!(&results(&r.stdout)[0][1], nid(1_234_567).as_str());
    // UTF-8 with a BOM, Persian and Arabic-Indic digits, tabs, +98.
    let digits = |s: &str, zero: u32| -> String {
        s.chars()
            .map(|c| {
                c.to_digit(10)
                    .map_or(c, |d| char::from_u32(zero + d).unwrap())
            })
            .collect()
    };
    let id = nid(7_654_321);
    let text = format!(
        "\u{FEFF}national_id\tfirst_name\tlast_name\tfather_name\tbirth_date\tgender\tmobile\ttrade\tcluster\n{}\tعلي\tرضايي\tحسين\t{}\tزن\t+98 912 345 6789\tسفالگري\t٦٠٬٠٠٠\n",
        digits(&id, 0x06F0),
        digits("1370/01/01", 0x0660)
    );
    let r = run(desk.register().arg(desk.file("t.csv", text)));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(&results(&r.stdout)[0][1], id.as_str());
    let conn = rusqlite::Connection::open(desk.ledger()).unwrap();
    let (name, mobile): (String, String) = conn
        .query_row(
            "SELECT first_name || ' ' || last_name, mobile FROM applicants WHERE national_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(name, "علی رضایی", "Arabic letters made Persian");
    assert_eq!(mobile, "09123456789");
}

#[test]
fn exit_codes() {
    let desk = Office::new();
    let good = desk.file("good.csv", sheet(&[good_row(1)]));
    assert_eq!(run(desk.register().arg(&good)).code, 0);
    let mixed = desk.file(
        "mixed.csv",
        sheet(&[good_row(2), good_row(3).replace("09123456789", "0912")]),
    );
    assert_eq!(run(desk.register().arg(&mixed)).code, 1);
    let no_mobile = desk.file(
        "cols.csv",
        "national_id,first_name,last_name,birth_date,gender,trade,cluster\n",
    );
    let before = desk.sql("SELECT COUNT(*) FROM receipts");
    let r = run(desk.register().arg(&good).arg(&no_mobile));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("missing column(s) mobile"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("cols.csv"),
        "names the file: {}",
        r.stderr
    );
    assert_eq!(
        desk.sql("SELECT COUNT(*) FROM receipts"),
        before,
        "nothing processed"
    );
    assert_eq!(
        run(desk.register().arg(&good).args(["--date", "1402/12/30"])).code,
        2
    );
    assert_eq!(
        run(desk.register().arg(desk.dir.path().join("nope.csv"))).code,
        2
    );
    // No office code: a new ledger cannot know it...
    let r = run(pishkhan()
        .args(["register", "--date", "1402/10/26"])
        .arg("--ledger")
        .arg(desk.dir.path().join("new.sqlite"))
        .arg(&good));
    assert_eq!(r.code, 2, "no office code");
    assert!(r.stderr.contains("office code"), "{}", r.stderr);
    // ...a ledger with one office's receipts does.
    let r = run(pishkhan()
        .args(["register", "--date", "1402/10/26"])
        .arg("--ledger")
        .arg(desk.ledger())
        .arg(desk.file("next.csv", sheet(&[good_row(9)]))));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        desk.sql("SELECT COUNT(DISTINCT office_code) FROM receipts"),
        1
    );
}

#[test]
fn strict_records_nothing_when_a_row_fails() {
    let desk = Office::new();
    let bad = desk.file(
        "b.csv",
        sheet(&[good_row(1), good_row(2).replace(",زن,", ",x,")]),
    );
    let r = run(desk.register().arg("--strict").arg(&bad));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("nothing was recorded"), "{}", r.stderr);
    assert_eq!(
        statuses(&r.stdout)[1],
        ("rejected".into(), "gender_invalid".into())
    );
    assert!(!desk.ledger().exists(), "not even a ledger was made");
    let good = desk.file("g.csv", sheet(&[good_row(1), good_row(2)]));
    assert_eq!(run(desk.register().arg("--strict").arg(&good)).code, 0);
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 2);
    // From standard input too (it is read twice).
    let stdin = sheet(&[good_row(3)]);
    let r = run(desk.register().args(["--strict", "-"]).write_stdin(stdin));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 3);
}

#[test]
fn dry_run_touches_nothing() {
    let desk = Office::new();
    let out = desk.dir.path().join("pdfs");
    let f = desk.file(
        "a.csv",
        sheet(&[good_row(1), good_row(2).replace("60000", "70000")]),
    );
    let r = run(desk
        .register()
        .arg("--dry-run")
        .arg(&f)
        .arg("--out")
        .arg(&out)
        .args(["--format", "json"]));
    assert_eq!(r.code, 1);
    assert!(!desk.ledger().exists() && !out.exists());
    let first: serde_json::Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["status"], "accepted");
    assert_eq!(first["receipt_no"], "");
    assert_eq!(first["total"], 108479);
    let second: serde_json::Value = serde_json::from_str(r.stdout.lines().nth(1).unwrap()).unwrap();
    assert_eq!(second["code"], "cluster_unknown");
    assert_eq!(second["line"], 3);
}

#[test]
fn rejects_round_trip() {
    let desk = Office::new();
    let rows = vec![
        good_row(1),
        good_row(2).replace("09123456789", "0912123"),
        good_row(3).replace(",60000", ",70000"),
        format!("=1+2,{}", good_row(4).split_once(',').unwrap().1),
    ];
    let rejects = desk.dir.path().join("fix-me.csv");
    let r = run(desk
        .register()
        .arg(desk.file("a.csv", sheet(&rows)))
        .arg("--rejects")
        .arg(&rejects));
    assert_eq!(r.code, 1);
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert!(text.starts_with('\u{FEFF}'), "BOM for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(lines[0], format!("{HEADER},code,message_fa,message_en"));
    assert_eq!(lines.len(), 4, "three rejected rows: {text}");
    assert!(lines[1].starts_with(&format!(
        "{},زهرا,احمدی,محمد,1375/06/01,زن,,0912123,",
        nid(2)
    )));
    assert!(
        lines[3].starts_with("'=1+2,"),
        "formula made safe: {}",
        lines[3]
    );
    assert!(r.stdout.contains(",'=1+2,"), "results too: {}", r.stdout);
    // The clerk fixes the three rows and feeds the file back.
    let fixed = text
        .replace(",0912123,", ",09121234567,")
        .replace(",70000,", ",90000,")
        .replace("'=1+2", &nid(4));
    let r = run(desk.register().arg(desk.file("fixed.csv", fixed)));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        statuses(&r.stdout)
            .iter()
            .filter(|s| s.0 == "accepted")
            .count(),
        3
    );
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 4);
}

#[test]
fn malformed_files_fail_clearly() {
    let desk = Office::new();
    let garbage: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (name, bytes, text) in [
        (
            "garbage.bin",
            garbage,
            "this is not a CSV or spreadsheet file",
        ),
        ("empty.csv", Vec::new(), "empty"),
        (
            "header.csv",
            format!("{HEADER}\n").into_bytes(),
            "no applicant rows",
        ),
    ] {
        let r = run(desk.register().arg(desk.file(name, bytes)));
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(name) && r.stderr.contains(text),
            "{name}: {}",
            r.stderr
        );
    }
    let text = format!(
        "{HEADER}\n{}\n{},extra\n\"unterminated,{}\n",
        good_row(1),
        good_row(2),
        good_row(3)
    );
    let r = run(desk.register().arg(desk.file("rows.csv", text)));
    assert_eq!(r.code, 1);
    let rows = results(&r.stdout);
    assert_eq!(&rows[0][2], "accepted");
    assert_eq!((&rows[1][0], &rows[1][7]), ("3", "row_malformed"));
    assert!(
        rows[1][9].contains("11 fields where the header has 10"),
        "{:?}",
        rows[1]
    );
    assert_eq!((&rows[2][0], &rows[2][7]), ("4", "row_malformed"));
    assert!(rows[2][9].contains("never closed"), "{:?}", rows[2]);
}

fn big_sheet(desk: &Office, name: &str, from: u64, n: u64) -> PathBuf {
    desk.file(
        name,
        sheet(&(from..from + n).map(good_row).collect::<Vec<_>>()),
    )
}

#[test]
fn a_killed_batch_completes_on_rerun() {
    let desk = Office::new();
    // Rows are committed 2,000 at a time, and recording runs at most four groups
    // ahead of the PDFs: six groups, so the kill lands before the end.
    let n: i64 = 12_000;
    let csv = big_sheet(&desk, "big.csv", 1, n as u64);
    let out = desk.dir.path().join("receipts");
    let mut child = desk
        .process()
        .arg("--out")
        .arg(&out)
        .arg(&csv)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once part of the batch is in the ledger.
    desk.wait_for("SELECT COUNT(*) FROM receipts");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = desk.sql("SELECT COUNT(*) FROM receipts");
    assert!(partial > 0 && partial < n, "killed mid-batch: {partial}");
    let r = run(desk.register().arg(&csv).arg("--out").arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = results(&r.stdout);
    assert_eq!(
        rows.iter().filter(|r| &r[2] == "duplicate").count() as i64,
        partial
    );
    assert_eq!(
        rows.iter().filter(|r| &r[2] == "accepted").count() as i64,
        n - partial
    );
    desk.assert_consistent(n);
    // Every receipt has its PDF, including one the kill may have cut off.
    assert_eq!(
        std::fs::read_dir(&out)
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pdf"))
            .count() as i64,
        n
    );
}

#[test]
fn two_runs_at_once_on_one_ledger() {
    let desk = Office::new();
    let a = big_sheet(&desk, "a.csv", 1, 600);
    let b = big_sheet(&desk, "b.csv", 100_000, 600);
    // Create the ledger first so both runs open the same one.
    assert_eq!(
        run(desk.register().arg(big_sheet(&desk, "c.csv", 900_000, 1))).code,
        0
    );
    let spawn = |f: &Path| {
        desk.process()
            .arg(f)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (ca, cb) = (spawn(&a), spawn(&b));
    let (oa, ob) = (
        ca.wait_with_output().unwrap(),
        cb.wait_with_output().unwrap(),
    );
    assert!(
        oa.status.success(),
        "{}",
        String::from_utf8_lossy(&oa.stderr)
    );
    assert!(
        ob.status.success(),
        "{}",
        String::from_utf8_lossy(&ob.stderr)
    );
    let numbers = |o: &std::process::Output| -> Vec<String> {
        results(&String::from_utf8(o.stdout.clone()).unwrap())
            .iter()
            .map(|r| r[3].to_string())
            .collect()
    };
    let (na, nb) = (numbers(&oa), numbers(&ob));
    assert_eq!((na.len(), nb.len()), (600, 600));
    assert!(na.iter().all(|n| !nb.contains(n)), "distinct numbers");
    desk.assert_consistent(1201);
}

#[test]
fn the_office_can_extend_the_military_statuses() {
    let desk = Office::new();
    let man = format!(
        "{},علی,رضایی,حسین,1370/01/01,مرد,معافیت ایثارگری,09121234567,سفالگری,60000",
        nid(77)
    );
    let csv = desk.file("m.csv", sheet(&[man]));
    let r = run(desk.register().arg(&csv));
    assert_eq!(statuses(&r.stdout)[0].1, "military_status_unknown");
    let config = desk.file(
        "office.toml",
        "name = \"دفتر ۱\"\ncode = \"37-1\"\nextra_military_statuses = [\"معافيت ايثارگري\"]\n",
    );
    let r = run(desk.register().arg("--config").arg(&config).arg(&csv));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(statuses(&r.stdout)[0].0, "accepted");
}

#[test]
fn digits_in_a_name_stay_as_typed_numbers_are_made_plain() {
    let desk = Office::new();
    // Persian digits in the name and the national ID, Latin ones in a Latin name.
    let persian_id: String = nid(7)
        .chars()
        .map(|c| char::from_u32(0x06F0 + c.to_digit(10).unwrap()).unwrap())
        .collect();
    let rows = [
        good_row(7)
            .replacen(&nid(7), &persian_id, 1)
            .replacen(",زهرا,", ",حسین (۲),", 1),
        good_row(8).replacen(",زهرا,", ",Maria 2,", 1),
    ];
    let r = run(desk.register().arg(desk.file("d.csv", sheet(&rows))));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let conn = rusqlite::Connection::open(desk.ledger()).unwrap();
    let names: Vec<(String, String)> = conn
        .prepare("SELECT national_id, first_name FROM receipts ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        names,
        [
            (nid(7), "حسین (۲)".to_string()),
            (nid(8), "Maria 2".to_string())
        ]
    );
}
