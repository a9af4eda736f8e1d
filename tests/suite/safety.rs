//! What a tired clerk or a stranger's file can do to the books: output paths that
//! name the ledger or a sheet, another person on a registered national ID, office
//! codes that would leave `--out` or make a second office, ledgers on read-only
//! storage, reprints that must stay the same bytes, and the smaller edges.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Office, nid, pishkhan, results, root, run};

/// A clerk's sheet of `n` applicants (national IDs from `nid(1..=n)`).
fn sheet(n: u64) -> String {
    let mut s = String::from(common::HEADER);
    for i in 1..=n {
        s.push_str(&format!(
            "\n{},مریم,کریمی,علی,1375/06/01,زن,,09120000001,قالی‌بافی,60000",
            nid(i)
        ));
    }
    s.push('\n');
    s
}

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// What a ledger holds: every row of its tables, in order.
fn content(ledger: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(ledger, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut out = Vec::new();
    for table in ["meta", "parts", "receipts", "receipt_lines", "chain"] {
        let mut s = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let n = s.column_count();
        let rows = s
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        out.extend(rows.map(|r| format!("{table}: {}", r.unwrap())));
    }
    out
}

/// An office with the example's ledger: 5 applicants registered on 1402/10/26.
fn office_with_ledger() -> (Office, PathBuf) {
    let o = Office::new();
    let csv = o.file("day.csv", sheet(5));
    let r = run(o.cmd("register", "1402/10/26").arg(&csv));
    assert_eq!(r.code, 0, "{}", r.stderr);
    (o, csv)
}

#[test]
fn an_output_that_is_the_ledger_or_a_sheet_is_refused_before_anything() {
    let (o, _) = office_with_ledger();
    let ledger = o.ledger();
    let more = o.file("more.csv", sheet(8));
    std::os::unix::fs::symlink(&ledger, o.path("link.sqlite")).unwrap();
    fs::hard_link(&ledger, o.path("hard.sqlite")).unwrap();
    let dotted = o.dir.path().join(".").join("ledger.sqlite");
    let wal = PathBuf::from(format!("{}-wal", ledger.display()));
    let cases: Vec<(&str, Vec<String>, PathBuf, &str)> = vec![
        (
            "register",
            vec!["--results".into()],
            ledger.clone(),
            "the ledger",
        ),
        (
            "register",
            vec!["--rejects".into()],
            o.path("link.sqlite"),
            "the ledger",
        ),
        (
            "register",
            vec!["--combined".into()],
            o.path("hard.sqlite"),
            "the ledger",
        ),
        (
            "register",
            vec!["--results".into()],
            dotted.clone(),
            "the ledger",
        ),
        ("register", vec!["--rejects".into()], wal.clone(), "-wal"),
        (
            "register",
            vec!["--rejects".into()],
            more.clone(),
            "the sheet",
        ),
        (
            "register",
            vec!["--combined".into()],
            more.clone(),
            "the sheet",
        ),
        (
            "register",
            vec!["--results".into()],
            o.path("./more.csv"),
            "the sheet",
        ),
    ];
    let before = snapshot(o.dir.path());
    for (command, flag, path, names) in &cases {
        let r = run(o.cmd(command, "1402/10/27").arg(&more).args(flag).arg(path));
        assert_eq!(
            r.code,
            2,
            "{command} {flag:?} {}: {}",
            path.display(),
            r.stderr
        );
        assert!(
            r.stderr.contains("is the same file as") && r.stderr.contains(names),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("مسیر خروجی"), "Persian too: {}", r.stderr);
        assert!(
            snapshot(o.dir.path()) == before,
            "{flag:?}: nothing changed"
        );
    }
    // Two outputs of one run that are one file.
    let r = run(o
        .cmd("register", "1402/10/27")
        .arg(&more)
        .arg("--rejects")
        .arg(o.path("x.csv"))
        .arg("--combined")
        .arg(o.dir.path().join("sub/../x.csv")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    // --out a file; --out where a receipt's name is the ledger's.
    let r = run(o
        .cmd("register", "1402/10/27")
        .arg(&more)
        .arg("--out")
        .arg(&ledger));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a directory"), "{}", r.stderr);
    assert!(snapshot(o.dir.path()) == before);

    // card --sms, report --out and --export.
    let r = run(o.cmd("card", "1402/11/24").arg("--sms").arg(&ledger));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for flag in ["--out", "--export"] {
        let r = run(pishkhan()
            .args(["report", "--month", "1402/10", "--ledger"])
            .arg(&ledger)
            .arg(flag)
            .arg(o.path("link.sqlite")));
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
    }
    let r = run(pishkhan()
        .args(["report", "--month", "1402/10", "--ledger"])
        .arg(&ledger)
        .arg("--out")
        .arg(o.path("r.csv"))
        .arg("--export")
        .arg(o.dir.path().join("./r.csv")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    // A reprint into the ledger.
    let r = run(o
        .cmd("register", "1402/10/27")
        .args(["--reprint", "1402-000001", "--combined"])
        .arg(&ledger));
    assert_eq!(r.code, 2, "{}", r.stderr);
    // The guild's registry published over the ledger, through a link to it.
    let r = run(pishkhan()
        .args(["key", "registry", "examples/registry.toml", "--ledger"])
        .arg(&ledger)
        .arg("--out")
        .arg(o.path("link.sqlite")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(snapshot(o.dir.path()) == before, "the books as they were");

    // The ledger still whole, and a right path still works.
    let r = run(pishkhan().arg("audit").arg("--ledger").arg(&ledger));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("5 receipts"), "{}", r.stdout);
    let r = run(o
        .cmd("register", "1402/10/27")
        .arg(&more)
        .arg("--results")
        .arg(o.path("results.xlsx")));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn another_person_on_a_registered_national_id_is_rejected_and_a_duplicate_shows_the_recorded_amounts()
 {
    let (o, _) = office_with_ledger();
    let header = common::HEADER;
    // The same national ID, another person (name, birth date), another cluster.
    let other = o.file(
        "other.csv",
        format!(
            "{header}\n{},سارا,کریمی,علی,1370/01/01,زن,,09350000000,نان سنگک‌پز,90000\n",
            nid(1)
        ),
    );
    let before = content(&o.ledger());
    let r = run(o
        .cmd("register", "1402/10/27")
        .args(["--format", "csv", "--rejects"])
        .arg(o.path("rejects.csv"))
        .arg(&other));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let row = &results(&r.stdout)[0];
    assert_eq!(&row[2], "rejected");
    assert_eq!(&row[7], "national_id_other_person");
    assert!(
        row[9].contains("1402-000001")
            && row[9].contains("first_name \"مریم\" there, \"سارا\" here")
            && row[9].contains("birth_date \"1375/06/01\" there, \"1370/01/01\" here"),
        "{}",
        &row[9]
    );
    assert!(row[8].contains("برای کس دیگری"), "{}", &row[8]);
    assert_eq!((&row[4], &row[5], &row[6]), ("0", "0", "0"));
    let after = content(&o.ledger());
    let changed: Vec<_> = after.iter().filter(|r| !before.contains(r)).collect();
    assert!(changed.is_empty(), "nothing recorded: {changed:?}");
    let rejects = fs::read_to_string(o.path("rejects.csv")).unwrap();
    assert!(rejects.contains("سارا") && rejects.contains("national_id_other_person"));

    // The same person with another cluster: a duplicate, with what the ledger holds
    // (108,479 toman), not the row's price (138,479).
    let same = o.file(
        "same.csv",
        format!(
            "{header}\n{},مریم,کریمی,علی,1375/06/01,زن,,09350000000,نان سنگک‌پز,90000\n",
            nid(1)
        ),
    );
    let r = run(o
        .cmd("register", "1402/10/27")
        .args(["--format", "csv"])
        .arg(&same));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let row = &results(&r.stdout)[0];
    assert_eq!(
        (&row[2], &row[3], &row[4], &row[5], &row[6]),
        ("duplicate", "1402-000001", "48479", "60000", "108479")
    );
    // A dry run and a strict run say the same.
    for flag in ["--dry-run", "--strict"] {
        let r = run(o
            .cmd("register", "1402/10/27")
            .args(["--format", "csv", flag])
            .arg(&other));
        assert_eq!(r.code, 1, "{flag}: {}", r.stderr);
        assert_eq!(&results(&r.stdout)[0][7], "national_id_other_person");
    }
    assert!(content(&o.ledger()) == before);
}

#[test]
fn bad_office_codes_are_refused_before_any_file_and_one_office_has_one_spelling() {
    let scratch = tempfile::tempdir().unwrap();
    let o = Office::new();
    let csv = o.file("day.csv", sheet(2));
    let long = "9".repeat(300);
    let escape = format!("{}_x", env!("CARGO_TARGET_TMPDIR"));
    for code in [
        "../../evil",
        "/etc/passwd",
        escape.as_str(),
        "a/b",
        long.as_str(),
        "37\u{2010}1234",
        "37-\u{200C}1234",
        "37 1234",
        "",
    ] {
        for dry in [false, true] {
            let mut c = pishkhan();
            c.args(["register", "--date", "1402/10/26", "--office-code", code])
                .arg("--ledger")
                .arg(o.ledger())
                .arg("--out")
                .arg(scratch.path().join("out"))
                .arg(&csv);
            if dry {
                c.arg("--dry-run");
            }
            let r = run(&mut c);
            assert_eq!(r.code, 2, "{code:?} dry={dry}: {}", r.stderr);
            assert!(
                r.stderr.contains("1–32 ASCII letters, digits and '-'"),
                "{}",
                r.stderr
            );
            assert!(r.stdout.is_empty(), "no row was processed: {}", r.stdout);
        }
    }
    assert!(!o.ledger().exists(), "no ledger made");
    assert_eq!(fs::read_dir(scratch.path()).unwrap().count(), 0, "no --out");
    assert!(!Path::new("/etc/passwd_1402-000001.pdf").exists());
    assert!(!Path::new(&format!("{escape}_1402-000001.pdf")).exists());

    // Persian digits and spaces around it are the office 37-1234 itself.
    let out = scratch.path().join("receipts");
    let r = run(o
        .cmd("register", "1402/10/26")
        .arg("--out")
        .arg(&out)
        .arg(&csv));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for code in ["۳۷-۱۲۳۴", "37-1234 ", "٣٧-١٢٣٤"] {
        let r = run(pishkhan()
            .args(["register", "--date", "1402/10/26", "--office-code", code])
            .arg("--ledger")
            .arg(o.ledger())
            .arg(&csv));
        assert_eq!(r.code, 0, "{code:?}: {}", r.stderr);
        assert!(r.stderr.contains("already registered 2"), "{}", r.stderr);
    }
    assert_eq!(o.sql("SELECT COUNT(DISTINCT office_code) FROM receipts"), 1);
    // Its receipt verifies from its own proof, whichever digits the code is typed in.
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["37-1234_1402-000001.pdf", "37-1234_1402-000002.pdf"]
    );
    let r = run(pishkhan()
        .args([
            "verify",
            "--office-code",
            "۳۷-۱۲۳۴",
            "1402-000001",
            "--ledger",
        ])
        .arg(o.ledger()));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_ledger_whose_stored_code_breaks_the_rule_is_read_but_names_no_file_out_of_its_directory() {
    let (o, _) = office_with_ledger();
    // A ledger received from elsewhere, or made by an earlier pishkhan.
    let bad = common::tampered(
        &o.ledger(),
        o.path("bad.sqlite"),
        "UPDATE receipts SET office_code = '../../evil';
         UPDATE chain SET office_code = '../../evil';
         UPDATE meta SET value = '../../evil' WHERE key = 'office_code';
         UPDATE parts SET body = replace(body, '37-1234', '../../evil') WHERE kind = 'office';",
    );
    // `out/../../evil_…` would land in the office's own scratch directory.
    let out = o.path("a/out");
    fs::create_dir_all(&out).unwrap();
    let r = run(pishkhan()
        .args(["register", "--reprint", "1402-000001", "--out"])
        .arg(&out)
        .arg("--ledger")
        .arg(&bad));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot name a file"), "{}", r.stderr);
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0);
    assert!(!o.path("evil_1402-000001.pdf").exists());
    // Read commands read it, and say so.
    let r = run(pishkhan()
        .args(["status", "--format", "csv", &nid(1), "--ledger"])
        .arg(&bad));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("1402-000001"), "{}", r.stdout);
    assert!(r.stderr.contains("breaks today's rule"), "{}", r.stderr);
    // A write command refuses it.
    let r = run(pishkhan()
        .args(["register", "--date", "1402/10/27", "--ledger"])
        .arg(&bad)
        .arg(o.file("one.csv", sheet(6))));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot be used"), "{}", r.stderr);
}

#[test]
fn read_commands_answer_from_a_read_only_ledger_and_change_nothing() {
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = scratch.path().join("cd");
    fs::create_dir(&dir).unwrap();
    let ledger = dir.join("pishkhan.sqlite");
    let (o, _) = office_with_ledger();
    fs::copy(o.ledger(), &ledger).unwrap();
    let ro = common::ReadOnly::seal(&dir);
    let bytes = fs::read(&ledger).unwrap();
    let listing = snapshot(&dir);

    let id = nid(3);
    let answers = [
        (vec!["audit"], "5 receipts"),
        (
            vec!["report", "--month", "1402/10", "--format", "csv"],
            "grand_total",
        ),
        (vec!["verify", "1402-000005"], "is what the ledger recorded"),
        (
            vec!["status", "--format", "csv", &id],
            "1402-000003,registration",
        ),
    ];
    for (args, expect) in answers {
        let r = run(pishkhan().args(&args).arg("--ledger").arg(&ledger));
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains(expect), "{args:?}: {}", r.stdout);
        assert!(!r.stderr.contains("not a pishkhan ledger"), "{}", r.stderr);
    }
    let pdf = scratch.path().join("again.pdf");
    let r = run(pishkhan()
        .args(["register", "--reprint", "1402-000002", "--combined"])
        .arg(&pdf)
        .arg("--ledger")
        .arg(&ledger));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(common::is_whole_pdf(&pdf));
    assert!(
        fs::read(&ledger).unwrap() == bytes,
        "the ledger's bytes unchanged"
    );
    assert!(snapshot(&dir) == listing, "no file made beside it");

    // A command that records says the ledger cannot be written there, naming it, in
    // English and Persian, and records nothing.
    let day = scratch.path().join("day.csv");
    fs::write(&day, sheet(8)).unwrap();
    let r = run(pishkhan()
        .args(["register", "--date", "1402/10/26", "--time", "09:00"])
        .args(["--office-code", "37-1234", "--out"])
        .arg(scratch.path().join("out"))
        .arg(&day)
        .arg("--ledger")
        .arg(&ledger));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "the ledger {} cannot be written where it is",
            ledger.display()
        )) && r.stderr.contains("نوشتنی نیست"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("readonly database"), "{}", r.stderr);
    assert!(fs::read(&ledger).unwrap() == bytes, "nothing recorded");
    assert!(snapshot(&dir) == listing, "no file made beside it");
    drop(ro);

    // Where it can be written, reading leaves no WAL, no migration, no checkpoint:
    // a WAL left by a killed run stays as it was found.
    let copy = scratch.path().join("copy.sqlite");
    fs::copy(&ledger, &copy).unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.execute("INSERT INTO meta (key, value) VALUES ('probe', '1')", [])
        .unwrap();
    let main_then = fs::read(&copy).unwrap();
    let wal = PathBuf::from(format!("{}-wal", copy.display()));
    let wal_then = fs::read(&wal).unwrap();
    assert!(!wal_then.is_empty());
    // The writer "dies": its WAL stays (a forgotten connection never checkpoints).
    std::mem::forget(conn);
    let r = run(pishkhan().arg("audit").arg("--ledger").arg(&copy));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(fs::read(&copy).unwrap() == main_then, "no checkpoint");
    assert!(fs::read(&wal).unwrap() == wal_then, "the WAL as found");
}

#[test]
fn a_receipt_reprints_byte_for_byte_as_the_committed_reference() {
    // Made once by `register examples/applicants.csv --config examples/office.toml
    // --date 1402/10/26 --time 10:42 --out receipts/` (signed with the demonstration
    // key: Ed25519 signatures are deterministic); a pishkhan built by any Rust must
    // print the same bytes (the document id and font tags come from SHA-256).
    let reference =
        fs::read(root().join("tests/fixtures/reprint-37-1234_1402-000001.pdf")).unwrap();
    let o = Office::new();
    let out = o.example_day();
    let first = fs::read(out.join("37-1234_1402-000001.pdf")).unwrap();
    assert!(
        first == reference,
        "the batch's receipt differs from the reference"
    );
    let again = o.path("again.pdf");
    let r = run(pishkhan()
        .args(["register", "--reprint", "1402-000001", "--combined"])
        .arg(&again)
        .arg("--ledger")
        .arg(o.ledger()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        fs::read(&again).unwrap() == reference,
        "the reprint differs"
    );
}

#[test]
fn a_bad_pishkhan_date_neither_wins_over_date_nor_stops_commands_without_one() {
    let (o, _) = office_with_ledger();
    let r = run(pishkhan().env("PISHKHAN_DATE", "garbage").args([
        "fee",
        "--stage",
        "all",
        "--date",
        "1402/10/26",
        "--format",
        "csv",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("exam-slip"), "{}", r.stdout);
    for args in [
        vec!["audit"],
        vec!["report", "--month", "1402/10", "--format", "csv"],
    ] {
        let r = run(pishkhan()
            .env("PISHKHAN_DATE", "garbage")
            .args(&args)
            .arg("--ledger")
            .arg(o.ledger()));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    // Where the date is needed and none is given, the bad one is named.
    let r = run(pishkhan()
        .env("PISHKHAN_DATE", "garbage")
        .args(["fee", "--stage", "all"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PISHKHAN_DATE"), "{}", r.stderr);
}

#[test]
fn results_that_disagree_charge_no_certificate() {
    let (o, _) = office_with_ledger();
    let results_csv = o.file(
        "results.csv",
        format!(
            "national_id,result\n{},قبول نهایی\n{},قبول نهایی\n{},مردود\n",
            nid(1),
            nid(2),
            nid(1)
        ),
    );
    let r = run(o
        .cmd("certify", "1402/12/10")
        .args(["--format", "csv"])
        .arg(&results_csv));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = results(&r.stdout);
    assert_eq!((&rows[0][2], &rows[0][7]), ("rejected", "results_conflict"));
    assert_eq!((&rows[2][2], &rows[2][7]), ("rejected", "results_conflict"));
    assert!(
        rows[0][9].contains("line 2") && rows[0][9].contains("line 4"),
        "{}",
        &rows[0][9]
    );
    assert_eq!(&rows[1][2], "accepted");
    assert_eq!(
        o.sql("SELECT COUNT(*) FROM receipts WHERE kind = 'certificate'"),
        1
    );
}

#[test]
fn a_nul_byte_in_one_name_rejects_that_row_not_the_sheet() {
    let o = Office::new();
    let mut text = sheet(3);
    text = text.replacen("مریم", "مر\0یم", 1);
    let csv = o.path("nul.csv");
    fs::write(&csv, text).unwrap();
    let r = run(o
        .cmd("register", "1402/10/26")
        .args(["--format", "csv"])
        .arg(&csv));
    assert!(r.code <= 1, "{}", r.stderr);
    let rows = results(&r.stdout);
    assert_eq!(rows.len(), 3, "every row answered: {}", r.stderr);
    assert!(rows[1..].iter().all(|r| &r[2] == "accepted"));
    assert!(
        rows[0][7].contains("control_characters_removed") || &rows[0][2] == "rejected",
        "{:?}",
        rows[0]
    );
}

#[test]
fn a_workbook_with_a_huge_cell_is_refused_in_little_memory() {
    use std::io::{Read, Write};
    let o = Office::new();
    // The example workbook with a 250 MB shared string: about a megabyte zipped.
    let src = fs::read(root().join("examples/applicants.xlsx")).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(src)).unwrap();
    let path = o.path("huge.xlsx");
    let mut zout = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        zout.start_file(name.as_str(), opts).unwrap();
        if name == "xl/sharedStrings.xml" {
            let text = String::from_utf8(body).unwrap();
            let (head, tail) = text.split_once("<t>").unwrap();
            zout.write_all(head.as_bytes()).unwrap();
            zout.write_all(b"<t>").unwrap();
            let chunk = vec![b'a'; 1 << 20];
            for _ in 0..250 {
                zout.write_all(&chunk).unwrap();
            }
            zout.write_all(tail.as_bytes()).unwrap();
        } else {
            zout.write_all(&body).unwrap();
        }
    }
    zout.finish().unwrap();
    assert!(fs::metadata(&path).unwrap().len() < 4 << 20);
    let r = run(o.cmd("register", "1402/10/26").arg("--dry-run").arg(&path));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("unpacks to 250 MB"), "{}", r.stderr);
}

#[test]
fn verify_reads_no_huge_file_echoes_no_escape_and_exits_as_its_help_says() {
    let (o, _) = office_with_ledger();
    // A 3 GB sparse file named like a receipt.
    let big = o.path("big.pdf");
    fs::File::create(&big).unwrap().set_len(3 << 30).unwrap();
    let r = run(pishkhan()
        .arg("verify")
        .arg(&big)
        .arg("--ledger")
        .arg(o.ledger()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("larger than any receipt"), "{}", r.stderr);
    // Another office's proof line cannot be checked here: 2, as the help says.
    let line = "PK1|37-5678|1402-000001|1402/10/26|484790|600000|5e0b1c2d3e4f5a6b";
    let r = run(pishkhan()
        .args(["verify", line, "--ledger"])
        .arg(o.ledger()));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("holds no receipts of it"), "{}", r.stderr);
    // A terminal escape in what is checked is shown, not obeyed.
    let line = "PK1|37-1234\u{1b}[2J|1402-000001|1402/10/26|484790|600000|5e0b1c2d3e4f5a6b";
    let r = run(pishkhan()
        .args(["verify", line, "--ledger"])
        .arg(o.ledger()));
    assert!(
        !r.stdout.contains('\u{1b}') && !r.stderr.contains('\u{1b}'),
        "{r:?}",
        r = r.stderr
    );
    let name = o.path("\u{1b}[31mred.pdf");
    fs::write(&name, b"not a pdf").unwrap();
    let r = run(pishkhan()
        .arg("verify")
        .arg(&name)
        .arg("--ledger")
        .arg(o.ledger()));
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
    assert!(r.stderr.contains("\\u{1b}"), "{}", r.stderr);
}

#[test]
fn check_csv_guards_a_file_name_against_spreadsheet_formulas() {
    let o = Office::new();
    let csv = o.file("=1+1.csv", sheet(1).replace("09120000001", "0912"));
    let r = run(pishkhan()
        .current_dir(o.dir.path())
        .arg("--tariffs")
        .arg(root().join("tariffs.toml"))
        .arg("--calendar")
        .arg(root().join("calendar.toml"))
        .args([
            "check",
            "--format",
            "csv",
            "--date",
            "1402/10/26",
            "--applicants",
            "=1+1.csv",
        ]));
    assert!(
        r.stdout.contains("\n'=1+1.csv,"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    drop(csv);
}

#[test]
fn a_file_with_only_a_meta_table_is_refused_untouched() {
    let o = Office::new();
    let path = o.ledger();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         INSERT INTO meta VALUES ('schema_version', '3');",
    )
    .unwrap();
    drop(conn);
    let before = fs::read(&path).unwrap();
    let r = run(o
        .cmd("register", "1402/10/26")
        .arg(o.file("a.csv", sheet(1))));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a pishkhan ledger"), "{}", r.stderr);
    assert!(fs::read(&path).unwrap() == before, "not switched to WAL");
    let r = run(pishkhan().arg("audit").arg("--ledger").arg(&path));
    assert_eq!(r.code, 2);
    assert!(fs::read(&path).unwrap() == before);
}

#[test]
fn a_ledger_of_a_persian_digit_office_code_is_read_and_its_receipts_verify() {
    // Made by the pishkhan before office codes had one spelling, with
    // `--office-code ۳۷-۱۲۳۴` on the example day.
    let o = Office::new();
    let ledger = o.path("legacy.sqlite");
    fs::copy(
        root().join("tests/fixtures/ledger-persian-code.sqlite"),
        &ledger,
    )
    .unwrap();
    let bytes = fs::read(&ledger).unwrap();
    let r = run(pishkhan().arg("audit").arg("--ledger").arg(&ledger));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("13 receipts"), "{}", r.stdout);
    assert!(
        r.stderr.contains("today is spelled \"37-1234\""),
        "{}",
        r.stderr
    );
    // Its QR code's line, as scanned off the paper (Persian digits in the office).
    let r = run(pishkhan()
        .args(["verify", "1402-000013", "--format", "json", "--ledger"])
        .arg(&ledger));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let line = v["receipts"][0]["proof"].as_str().unwrap().to_string();
    assert!(line.starts_with("PK1|۳۷-۱۲۳۴|1402-000013|"), "{line}");
    let r = run(pishkhan().args(["verify", &line, "--ledger"]).arg(&ledger));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run(pishkhan()
        .args([
            "verify",
            "--office-code",
            "37-1234",
            "1402-000001",
            "--ledger",
        ])
        .arg(&ledger));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(fs::read(&ledger).unwrap() == bytes, "read, not changed");
    // Recording in it would continue its numbers under another spelling: refused,
    // saying what to do.
    let r = run(pishkhan()
        .args([
            "register",
            "--date",
            "1402/10/27",
            "--office-code",
            "37-1234",
            "--ledger",
        ])
        .arg(&ledger)
        .arg(o.file("one.csv", sheet(1))));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("record new receipts in a new ledger"),
        "{}",
        r.stderr
    );
    assert_eq!(
        rusqlite::Connection::open(&ledger)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM receipts", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        13
    );
}
