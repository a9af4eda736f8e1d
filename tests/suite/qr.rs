//! The QR code on every receipt, slip and certificate receipt, read by an
//! independent decoder (zbarimg, from Debian's zbar-tools) off the rendered page,
//! against what the ledger recorded; and `pishkhan verify` given the PDF itself.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Office, failed_checks, nid, pishkhan, run};
use rusqlite::Connection;

const PAPERS: [&str; 4] = ["a5", "a4", "roll80", "roll58"];

impl Office {
    fn on_paper(&self, command: &str, date: &str, paper: &str) -> assert_cmd::Command {
        let mut c = self.cmd(command, date);
        c.args(["--paper", paper]);
        c
    }

    /// Two applicants registered, their exam-date slips and one certificate
    /// receipt: every kind of document on `paper`, each in its own PDF under
    /// `docs/`.
    fn every_kind(&self, paper: &str) -> PathBuf {
        let out = self.path("docs");
        let mut rows = vec!["national_id,first_name,last_name,father_name,birth_date,gender,military_status,mobile,trade,cluster".to_string()];
        for (i, name) in [
            (1u64, "مریم"),
            (2, "سیده فاطمه‌زهرا السادات میرحسینی‌طباطبایی"),
        ] {
            rows.push(format!(
                "{},{name},کریمی,علی,1375/06/01,زن,,0912000000{i},قالی‌بافی,60000",
                nid(i)
            ));
        }
        let sheet = self.path("reg.csv");
        std::fs::write(&sheet, rows.join("\r\n") + "\r\n").unwrap();
        for (command, date, input) in [
            ("register", "1402/10/26", Some(sheet)),
            ("card", "1402/11/24", None),
            ("certify", "1402/12/10", {
                let f = self.path("results.csv");
                std::fs::write(&f, format!("کد ملی,نتیجه\n{},قبول نهایی\n", nid(1))).unwrap();
                Some(f)
            }),
        ] {
            let mut c = self.on_paper(command, date, paper);
            if let Some(f) = input {
                c.arg(f);
            }
            let r = run(c.arg("--out").arg(&out));
            assert_eq!(r.code, 0, "{command} on {paper}: {}", r.stderr);
        }
        out
    }

    /// Each receipt's proof line as the ledger's own columns make it, by file name.
    fn recorded(&self) -> Vec<(String, String, String)> {
        let conn = Connection::open(self.ledger()).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT office_code, year, seq, kind, service_date, office_total, tvto_total, lower(hex(hash))
                 FROM receipts ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |r| {
            let (office, year, seq): (String, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let hash: String = r.get(7)?;
            Ok((
                format!("{office}_{year}-{seq:06}.pdf"),
                r.get::<_, String>(3)?,
                format!(
                    "PK1|{office}|{year}-{seq:06}|{}|{}|{}|{}",
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    &hash[..16]
                ),
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }
}

/// What zbarimg reads off `pdf`'s first page rendered at `dpi` (`mono`: one bit a
/// pixel, as a thermal head prints).
fn decoded(pdf: &Path, dpi: u32, mono: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("page");
    let mut render = Command::new("pdftoppm");
    render.args(["-r", &dpi.to_string(), "-f", "1", "-l", "1", "-singlefile"]);
    render.arg(if mono { "-mono" } else { "-png" });
    let status = render.arg(pdf).arg(&stem).status().unwrap();
    assert!(status.success(), "pdftoppm {}", pdf.display());
    let image = stem.with_extension(if mono { "pbm" } else { "png" });
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(&image)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The side of the QR code drawn on `pdf`'s first page, in mm: the module grid's
/// scale (its `cm`) times its width in modules, from the content stream.
fn qr_side_mm(pdf: &Path) -> f32 {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.pdf");
    let status = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(pdf)
        .arg(&plain)
        .status()
        .unwrap();
    assert!(status.success());
    let text = String::from_utf8_lossy(&std::fs::read(&plain).unwrap()).into_owned();
    let at = text.find(" cm\n").expect("a module grid");
    let head = &text[text[..at].rfind('\n').unwrap() + 1..at];
    let cell: f32 = head.split(' ').next().unwrap().parse().unwrap();
    let body = &text[at..at + text[at..].find("\nf\n").unwrap()];
    let mut width = 0.0f32;
    for line in body.lines().filter(|l| l.ends_with(" re")) {
        let n: Vec<f32> = line
            .split(' ')
            .take(4)
            .map(|v| v.parse().unwrap())
            .collect();
        width = width.max(n[0] + n[2]);
    }
    cell * width * 25.4 / 72.0
}

#[test]
fn every_document_on_every_paper_carries_the_ledgers_proof_in_its_qr_code() {
    for paper in PAPERS {
        let office = Office::new();
        let docs = office.every_kind(paper);
        let recorded = office.recorded();
        let kinds: Vec<&str> = recorded.iter().map(|(_, k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "registration",
                "registration",
                "card",
                "card",
                "certificate"
            ],
            "{paper}"
        );
        for (file, kind, proof) in &recorded {
            let pdf = docs.join(file);
            let what = format!("{kind} {file} on {paper}");
            // A modest office scanner's 100 dpi, a better one's 150.
            for dpi in [100, 150] {
                assert_eq!(
                    decoded(&pdf, dpi, false),
                    std::slice::from_ref(proof),
                    "{what} at {dpi} dpi"
                );
            }
            if paper.starts_with("roll") {
                // As a 203-dpi thermal head prints it: black dots, no grey.
                assert_eq!(
                    decoded(&pdf, 203, true),
                    std::slice::from_ref(proof),
                    "{what}"
                );
            }
            // At least 20 mm; on a sheet, modules of three 100-dpi dots or more.
            let side = qr_side_mm(&pdf);
            let range = match paper {
                "a4" => 28.0..40.0,
                "a5" => 25.0..36.0,
                _ => 24.0..36.0,
            };
            assert!(range.contains(&side), "{what}: {side} mm");
            // The same line in the PDF's document information, and the schedule
            // it was priced by in its text.
            let info = Command::new("pdfinfo")
                .arg("-custom")
                .arg(&pdf)
                .output()
                .unwrap();
            let info = String::from_utf8(info.stdout).unwrap();
            assert!(
                info.lines()
                    .any(|l| l == format!("PishkhanProof:   {proof}")),
                "{what}: {info}"
            );
            let text = Command::new("pdftotext")
                .arg(&pdf)
                .arg("-")
                .output()
                .unwrap();
            let text = String::from_utf8(text.stdout).unwrap();
            assert!(text.contains("qom-1402"), "{what}: {text}");
            // (Beside the code on a 58 mm roll, the words wrap.)
            let flat = text
                .replace(|c| ('\u{202A}'..='\u{202E}').contains(&c), "")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(flat.contains("رمزینهٔ اصالت رسید"), "{what}: {text}");
            // The receipt's PDF verifies against the ledger.
            let r = run(pishkhan()
                .arg("verify")
                .arg(&pdf)
                .arg("--ledger")
                .arg(office.ledger()));
            assert_eq!(r.code, 0, "{what}: {}{}", r.stdout, r.stderr);
        }
    }
}

#[test]
fn a_reprint_carries_the_same_qr_code_and_a_print_run_every_proof() {
    let office = Office::new();
    let docs = office.every_kind("a5");
    let recorded = office.recorded();
    // A reprint is the first print, byte for byte, QR code and all.
    let (file, _, _) = &recorded[0];
    let again = office.path("again.pdf");
    let r = run(office
        .on_paper("register", "1402/10/26", "a5")
        .args(["--reprint", "1402-000001", "--combined"])
        .arg(&again));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(docs.join(file)).unwrap()
    );

    // A print run of many receipts holds every proof; verify checks each.
    let run_pdf = office.path("run.pdf");
    let sheet = office.path("more.csv");
    let mut rows = vec!["national_id,first_name,last_name,father_name,birth_date,gender,military_status,mobile,trade,cluster".to_string()];
    for i in 10..13u64 {
        rows.push(format!(
            "{},مینا,کریمی,علی,1375/06/01,زن,,0912000000{},قالی‌بافی,60000",
            nid(i),
            i % 10
        ));
    }
    std::fs::write(&sheet, rows.join("\n") + "\n").unwrap();
    let r = run(office
        .on_paper("register", "1402/10/27", "a5")
        .arg(&sheet)
        .arg("--combined")
        .arg(&run_pdf));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(pishkhan()
        .args(["verify", "--format", "json", "--ledger"])
        .arg(office.ledger())
        .arg(&run_pdf));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let numbers: Vec<&str> = v["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["receipt_no"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["1402-000006", "1402-000007", "1402-000008"]);
}

#[test]
fn verify_says_which_field_of_a_receipt_pdf_the_ledger_disagrees_with() {
    let office = Office::new();
    let docs = office.every_kind("roll80");
    let recorded = office.recorded();
    let (file, _, _) = &recorded[1];
    let pdf = docs.join(file);
    let verify = |ledger: &Path, what: &Path| {
        run(pishkhan()
            .args(["verify", "--format", "json", "--ledger"])
            .arg(ledger)
            .arg(what))
    };
    let failed = |r: &common::Run| failed_checks(&r.stdout, 0);
    assert_eq!(verify(&office.ledger(), &pdf).code, 0);

    // The ledger rewritten after the receipt printed: its TVTO money edited.
    let edited = common::tampered(
        &office.ledger(),
        office.path("edited.sqlite"),
        "UPDATE receipts SET tvto_total = tvto_total - 10, grand_total = grand_total - 10 WHERE seq = 2",
    );
    let r = verify(&edited, &pdf);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // And the file is no longer what the ledger prints.
    assert_eq!(failed(&r), ["tvto_total", "chain", "document"]);

    // The PDF's proof changed by one digit: the field is named.
    let bytes = std::fs::read(&pdf).unwrap();
    let find = |what: &[u8], from: usize| {
        from + bytes[from..]
            .windows(what.len())
            .position(|w| w == what)
            .unwrap()
    };
    let date_at = find(b"|1402/10/26|", find(b"/PishkhanProof(", 0)) + "|1402/10/2".len();
    let mut forged = bytes.clone();
    forged[date_at] = b'7';
    let forged_pdf = office.path("forged.pdf");
    std::fs::write(&forged_pdf, &forged).unwrap();
    let r = verify(&office.ledger(), &forged_pdf);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(failed(&r), ["date", "document"]);

    // What cannot be checked: a PDF without a proof, a file that is not a PDF.
    let report = office.path("report.pdf");
    let r = run(pishkhan()
        .args(["report", "--month", "1402/10", "--format", "pdf", "--out"])
        .arg(&report)
        .arg("--ledger")
        .arg(office.ledger()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = verify(&office.ledger(), &report);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("holds no receipt proof"), "{}", r.stderr);
    let r = verify(&office.ledger(), &office.path("reg.csv"));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not a PDF"), "{}", r.stderr);
}

#[test]
fn codes_of_many_proof_lines_all_read_back() {
    // The mask is fixed, not chosen per code: every one of these must still read.
    // Offices, numbers, dates, totals and hashes of many lengths and digits.
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..300u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let office = ["37-1234", "1", "21-98765", "0912-3456-78"][(i % 4) as usize];
        let line = format!(
            "PK1|{office}|{}-{:06}|{}/{:02}/{:02}|{}|{}|{:016x}",
            1400 + i % 6,
            x % 1_000_000,
            1400 + i % 6,
            1 + x % 12,
            1 + (x >> 8) % 29,
            (x >> 16) % 100_000_000,
            [0, 600_000, 900_000, 1_000_000][(i % 4) as usize],
            x
        );
        let code = pishkhan::docs::qr_code(&line).unwrap();
        // A plain bitmap, three pixels a module, the quiet zone around it.
        let (n, px, quiet) = (code.n, 3, 4);
        let side = (n + 2 * quiet) * px;
        let mut pbm = format!("P1\n{side} {side}\n").into_bytes();
        for y in 0..side {
            for x in 0..side {
                let (r, c) = (
                    (y / px) as isize - quiet as isize,
                    (x / px) as isize - quiet as isize,
                );
                let dark = (0..n as isize).contains(&r)
                    && (0..n as isize).contains(&c)
                    && code.dark[r as usize * n + c as usize];
                pbm.push(if dark { b'1' } else { b'0' });
            }
            pbm.push(b'\n');
        }
        let path = dir.path().join(format!("{i:03}.pbm"));
        std::fs::write(&path, pbm).unwrap();
        lines.push((path, line));
    }
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .args(lines.iter().map(|(p, _)| p))
        .output()
        .unwrap();
    let read: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let want: Vec<String> = lines.into_iter().map(|(_, l)| l).collect();
    assert_eq!(read, want);
}

#[test]
fn an_office_code_that_would_break_the_proof_line_is_refused() {
    let office = Office::new();
    let sheet = office.file(
        "reg.csv",
        format!(
            "national_id,first_name,last_name,father_name,birth_date,gender,military_status,mobile,trade,cluster\n{},مریم,کریمی,علی,1375/06/01,زن,,09120000001,قالی‌بافی,60000\n",
            nid(1)
        ),
    );
    let r = run(pishkhan()
        .args([
            "register",
            "--date",
            "1402/10/26",
            "--office-code",
            "37|1234",
            "--ledger",
        ])
        .arg(office.ledger())
        .arg(&sheet));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("\"37|1234\" cannot be used: it holds '|'"),
        "{}",
        r.stderr
    );
    assert!(!office.ledger().exists());
}
