//! Office keys and signed receipts: a key made and guarded, documents that carry a
//! signed proof line, and a guild that checks one from a scanned QR code with the
//! registry alone.

use crate::common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Office, pishkhan, run};

/// An office with a key, a config naming it, and the guild's registry holding it.
struct Signing {
    office: Office,
}

impl Signing {
    fn new() -> Signing {
        let s = Signing {
            office: Office::new(),
        };
        let r = run(pishkhan()
            .args(["key", "new", "--out"])
            .arg(s.path("office.key")));
        assert_eq!(r.code, 0, "{}", r.stderr);
        s.office_code("37-1234");
        s
    }
    /// The office's config under `code`, and the guild's registry holding its key.
    fn office_code(&self, code: &str) {
        fs::write(
            self.path("office.toml"),
            format!("name = \"دفتر پیشخوان ۱۲۳۴\"\ncode = \"{code}\"\nkey = \"office.key\"\n"),
        )
        .unwrap();
        let r = run(pishkhan()
            .arg("--config")
            .arg(self.path("office.toml"))
            .args(["key", "show", "--date", "1402/10/01"]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        fs::write(self.path("registry.toml"), &r.stdout).unwrap();
    }
    fn path(&self, name: &str) -> PathBuf {
        self.office.path(name)
    }
    fn register(&self, paper: &str) -> common::Run {
        run(pishkhan()
            .args([
                "register",
                "examples/applicants.csv",
                "--date",
                "1402/10/26",
            ])
            .args(["--time", "10:42", "--paper", paper, "--config"])
            .arg(self.path("office.toml"))
            .arg("--ledger")
            .arg(self.office.ledger())
            .arg("--out")
            .arg(self.path(paper)))
    }
    /// `verify LINE --keys registry.toml`, with no ledger.
    fn offline(&self, line: &str, registry: &Path) -> common::Run {
        run(pishkhan()
            .args(["verify", "--format", "json", line, "--keys"])
            .arg(registry)
            .arg("--ledger")
            .arg(self.path("no-ledger-here.sqlite")))
    }
}

/// The text of every QR code zbarimg finds in `png`.
fn scan(png: &Path) -> Vec<String> {
    let out = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(png)
        .output()
        .expect("zbarimg is needed (scripts/test installs zbar-tools)");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Renders page 1 of `pdf` at `dpi` (one bit per dot with `mono`) and scans it.
fn scanned(pdf: &Path, dpi: u32, mono: bool) -> Vec<String> {
    let stem = pdf.with_extension(format!("{dpi}{}", if mono { "m" } else { "" }));
    let mut c = Command::new("pdftoppm");
    c.args(["-r", &dpi.to_string(), "-f", "1", "-l", "1", "-singlefile"]);
    c.arg(if mono { "-mono" } else { "-png" });
    let ok = c.arg(pdf).arg(&stem).status().unwrap().success();
    assert!(ok);
    scan(&stem.with_extension(format!(
        "{}{}",
        stem.extension().unwrap().to_str().unwrap(),
        if mono { ".pbm" } else { ".png" }
    )))
}

#[test]
fn a_signed_receipts_scanned_code_verifies_offline_on_every_paper() {
    let s = Signing::new();
    for paper in ["a5", "a4", "roll80", "roll58"] {
        let r = s.register(paper);
        assert_eq!(r.code, 1, "{paper}: {}", r.stderr);
        let pdf = s.path(paper).join("37-1234_1402-000003.pdf");
        // A modest office scanner's 100 dpi, a better one's 150.
        let mut reads = vec![(100, false), (150, false)];
        if paper.starts_with("roll") {
            reads.push((203, true));
        }
        for (dpi, mono) in reads {
            let codes = scanned(&pdf, dpi, mono);
            assert_eq!(codes.len(), 1, "{paper} at {dpi} dpi: {codes:?}");
            let line = &codes[0];
            assert!(
                line.starts_with("PK2|37-1234|1402-000003|1402/10/26|"),
                "{line}"
            );
            let r = s.offline(line, &s.path("registry.toml"));
            assert_eq!(r.code, 0, "{paper} {dpi}: {}{}", r.stdout, r.stderr);
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            assert_eq!(
                v["receipts"][0]["national_id"], "3865827624",
                "whom it is for"
            );
        }
    }
}

#[test]
fn a_changed_digit_another_offices_key_or_an_expired_key_fail() {
    let s = Signing::new();
    assert_eq!(s.register("a5").code, 1);
    let pdf = s.path("a5").join("37-1234_1402-000001.pdf");
    let line = pishkhan::typeset::info_value(&fs::read(&pdf).unwrap(), "PishkhanProof").unwrap();
    assert_eq!(s.offline(&line, &s.path("registry.toml")).code, 0);

    // One digit of the amount changed.
    let forged = line.replacen("|484790|", "|484799|", 1);
    let r = s.offline(&forged, &s.path("registry.toml"));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(common::failed_checks(&r.stdout, 0), ["signature"]);
    // The national ID changed: another person's receipt.
    let forged = line.replacen("|9080590479|", "|4390120395|", 1);
    assert_eq!(
        common::failed_checks(&s.offline(&forged, &s.path("registry.toml")).stdout, 0),
        ["signature"]
    );

    let registry = fs::read_to_string(s.path("registry.toml")).unwrap();
    // The key registered to another office.
    let other = s.path("other.toml");
    fs::write(&other, registry.replace("37-1234", "37-5678")).unwrap();
    let r = s.offline(&line, &other);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(common::failed_checks(&r.stdout, 0), ["key"]);
    assert!(r.stdout.contains("office 37-5678's"), "{}", r.stdout);
    // Replaced before the receipt's date.
    let expired = s.path("expired.toml");
    fs::write(
        &expired,
        registry.replace(" }", ", until = \"1402/10/20\" }"),
    )
    .unwrap();
    let r = s.offline(&line, &expired);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(common::failed_checks(&r.stdout, 0), ["key"]);
    assert!(r.stdout.contains("until 1402/10/20"), "{}", r.stdout);
    // Not yet valid.
    let early = s.path("early.toml");
    fs::write(&early, registry.replace("1402/10/01", "1402/11/01")).unwrap();
    assert_eq!(s.offline(&line, &early).code, 1);
    // A key the registry does not hold.
    let empty = s.path("empty.toml");
    fs::write(&empty, "").unwrap();
    assert_eq!(
        common::failed_checks(&s.offline(&line, &empty).stdout, 0),
        ["key", "signature"]
    );

    // A PK1 line cannot be checked without the ledger.
    let pk1 = "PK1|37-1234|1402-000001|1402/10/26|484790|600000|5e0b1c2d3e4f5a6b";
    let r = s.offline(pk1, &s.path("registry.toml"));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not signed"), "{}", r.stderr);
    // With the ledger too, every check runs, and the name is named.
    let r = run(pishkhan()
        .args(["verify", &line, "--keys"])
        .arg(s.path("registry.toml"))
        .arg("--ledger")
        .arg(s.path("ledger.sqlite")));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("زهرا") && r.stdout.contains("ok  signature"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_signed_receipt_reprints_the_same_bytes_without_the_key() {
    let s = Signing::new();
    assert_eq!(s.register("roll80").code, 1);
    let first = fs::read(s.path("roll80").join("37-1234_1402-000002.pdf")).unwrap();
    // The key gone from the config, even from the disk: the ledger keeps the line.
    fs::remove_file(s.path("office.key")).unwrap();
    let again = s.path("again.pdf");
    let r = run(pishkhan()
        .args([
            "register",
            "--reprint",
            "1402-000002",
            "--paper",
            "roll80",
            "--combined",
        ])
        .arg(&again)
        .arg("--ledger")
        .arg(s.path("ledger.sqlite")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(fs::read(&again).unwrap() == first, "the reprint differs");
    // And verify compares the document itself.
    let r = run(pishkhan()
        .args(["verify"])
        .arg(&again)
        .arg("--ledger")
        .arg(s.path("ledger.sqlite")));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_key_is_made_private_never_overwritten_and_refused_when_others_can_read_it() {
    let s = Signing::new();
    let key = s.path("office.key");
    let mode = fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let bytes = fs::read(&key).unwrap();
    let r = run(pishkhan().args(["key", "new", "--out"]).arg(&key));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("never overwritten"), "{}", r.stderr);
    assert!(fs::read(&key).unwrap() == bytes);

    for (mode, refused) in [(0o640, true), (0o604, true), (0o400, false)] {
        fs::set_permissions(&key, fs::Permissions::from_mode(mode)).unwrap();
        let r = s.register("a5");
        if refused {
            assert_eq!(r.code, 2, "{mode:o}: {}", r.stderr);
            assert!(r.stderr.contains("can be read by others"), "{}", r.stderr);
            assert!(!s.path("ledger.sqlite").exists(), "nothing recorded");
        } else {
            assert_eq!(r.code, 1, "{mode:o}: {}", r.stderr);
        }
    }
    // A missing or damaged key: refused before anything.
    fs::write(
        s.path("office.toml"),
        "code = \"37-5678\"\nkey = \"missing.key\"\n",
    )
    .unwrap();
    let r = run(pishkhan()
        .args([
            "register",
            "examples/applicants.csv",
            "--date",
            "1402/10/26",
            "--config",
        ])
        .arg(s.path("office.toml"))
        .arg("--ledger")
        .arg(s.path("other.sqlite")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!s.path("other.sqlite").exists());
}

#[test]
fn the_longest_signed_line_reads_at_100_dpi_on_every_kind_and_paper() {
    // The densest code a receipt can carry: a signed line (PK2) of an office code as
    // long as allowed (32 characters), for the dearest cluster, on a registration
    // receipt, an exam-date slip and a certificate receipt, for the longest name.
    let s = Signing::new();
    let code = "37-1234-QOM-TVTO-HANDICRAFTS-X99";
    assert_eq!(code.len(), 32);
    s.office_code(code);
    let nid = common::nid(7);
    let sheet = s.path("sheet.csv");
    fs::write(
        &sheet,
        format!(
            "national_id,first_name,last_name,father_name,birth_date,gender,military_status,mobile,trade,cluster\r\n\
             {nid},سیده فاطمه‌زهرا السادات,میرحسینی‌طباطبایی‌زاده,علی,1375/06/01,زن,,09120000007,نان سنگک‌پز,90000\r\n"
        ),
    )
    .unwrap();
    let results = s.path("results.csv");
    fs::write(&results, format!("کد ملی,نتیجه\n{nid},قبول نهایی\n")).unwrap();
    for paper in ["a5", "a4", "roll80", "roll58"] {
        let out = s.path(&format!("long-{paper}"));
        for (command, date, input) in [
            ("register", "1402/10/26", Some(&sheet)),
            ("card", "1402/11/24", None),
            ("certify", "1402/12/10", Some(&results)),
        ] {
            let mut c = pishkhan();
            c.args([command, "--date", date, "--time", "23:59", "--paper", paper]);
            c.arg("--config").arg(s.path("office.toml"));
            c.arg("--ledger").arg(s.path(&format!("{paper}.sqlite")));
            if let Some(f) = input {
                c.arg(f);
            }
            let r = run(c.arg("--out").arg(&out));
            assert_eq!(r.code, 0, "{command} on {paper}: {}", r.stderr);
        }
        for seq in 1..=3 {
            let pdf = out.join(format!("{code}_1402-{seq:06}.pdf"));
            let mut reads = vec![(100, false)];
            if paper.starts_with("roll") {
                reads.push((203, true));
            }
            for (dpi, mono) in reads {
                let codes = scanned(&pdf, dpi, mono);
                let what = format!("receipt {seq} on {paper} at {dpi} dpi");
                assert_eq!(codes.len(), 1, "{what}: {codes:?}");
                assert!(
                    codes[0].starts_with(&format!("PK2|{code}|1402-{seq:06}|")),
                    "{what}: {}",
                    codes[0]
                );
                let r = s.offline(&codes[0], &s.path("registry.toml"));
                assert_eq!(r.code, 0, "{what}: {}{}", r.stdout, r.stderr);
            }
        }
    }
}
