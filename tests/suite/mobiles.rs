//! What the real world knows of national IDs and mobiles: IDs of ten equal digits are
//! accepted with a note; a mobile is judged by the operator its prefix belongs to, by
//! the shipped table (checked against its two public sources) and the office's own
//! prefixes; the SMS file and `status` name the operator.

use crate::common;

use std::collections::BTreeMap;

use common::{Office, nid, pishkhan, results, root, run};

/// The shipped table, read here apart from pishkhan: prefix → (operator, operator_fa,
/// persian_tools, libphonenumber).
fn table() -> BTreeMap<String, [String; 4]> {
    let text = std::fs::read_to_string(root().join("assets/mobile-prefixes.csv")).unwrap();
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut rdr = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        rdr.headers().unwrap(),
        vec![
            "prefix",
            "operator",
            "operator_fa",
            "persian_tools",
            "libphonenumber",
            "note"
        ]
    );
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                [
                    r[1].to_string(),
                    r[2].to_string(),
                    r[3].to_string(),
                    r[4].to_string(),
                ],
            )
        })
        .collect()
}

const HEADER: &str = "national_id,first_name,last_name,father_name,birth_date,gender,military_status,mobile,trade,cluster";

fn row(id: &str, mobile: &str) -> String {
    format!("{id},زهرا,احمدی,محمد,1375/06/01,زن,,{mobile},قالی‌بافی,60000")
}

fn sheet(rows: &[String]) -> String {
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

#[test]
fn the_ten_equal_digit_national_ids_are_accepted_with_their_note() {
    let o = Office::new();
    let ids: Vec<String> = ('0'..='9').map(|d| d.to_string().repeat(10)).collect();
    let rows: Vec<String> = ids.iter().map(|id| row(id, "09123456789")).collect();
    let csv = o.file("equal.csv", sheet(&rows));

    let r = run(o.cmd("register", "1402/10/26").arg(&csv));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let res = results(&r.stdout);
    assert_eq!(res.len(), 10);
    for (i, (line, id)) in res.iter().zip(&ids).enumerate() {
        assert_eq!(&line[0], (i + 2).to_string(), "{line:?}");
        assert_eq!(&line[1], id);
        assert_eq!(&line[2], "accepted");
        assert_eq!(&line[6], "108479", "the fee of a registration: {line:?}");
        assert_eq!(&line[7], "national_id_equal_digits");
        assert!(line[8].contains("ده رقم یکسان"), "{}", &line[8]);
        assert!(
            line[9].contains(&format!("the national ID {id} is ten equal digits")),
            "{}",
            &line[9]
        );
    }
    assert_eq!(
        o.sql("SELECT COUNT(*) FROM receipts WHERE kind = 'registration'"),
        10
    );
    // Listed on stderr with their lines, in English and Persian.
    let csv_name = csv.display().to_string();
    assert!(
        r.stderr.contains(&format!(
            "national_id_equal_digits: 10 national IDs of ten equal digits accepted on {csv_name} lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("۱۰ کد ملی با ده رقم یکسان"),
        "{}",
        r.stderr
    );

    // `check --applicants` lists them as warnings: exit 0.
    let r = run(pishkhan()
        .args(["check", "--date", "1402/10/26", "--applicants"])
        .arg(&csv));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for (i, id) in ids.iter().enumerate() {
        assert!(
            r.stdout.contains(&format!(
                "warning: line {} national_id: national_id_equal_digits: the national ID {id}",
                i + 2
            )),
            "{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.contains("10 applicant rows, 0 rejected"),
        "{}",
        r.stdout
    );
}

#[test]
fn every_prefix_0900_to_0999_is_judged_as_the_shipped_table_says() {
    let t = table();
    assert_eq!(t.len(), 40, "40 prefixes have an operator");
    let o = Office::new();
    let prefixes: Vec<String> = (0..100).map(|i| format!("09{i:02}")).collect();
    let rows: Vec<String> = prefixes
        .iter()
        .enumerate()
        .map(|(i, p)| row(&nid(7000 + i as u64), &format!("{p}1234567")))
        .collect();
    let csv = o.file("prefixes.csv", sheet(&rows));
    let r = run(o.cmd("register", "1402/10/26").arg("--dry-run").arg(&csv));
    assert_eq!(r.code, 1, "rejected rows: exit 1\n{}", r.stderr);
    let res = results(&r.stdout);
    assert_eq!(res.len(), 100);
    let mut accepted = 0;
    for (line, p) in res.iter().zip(&prefixes) {
        if t.contains_key(p) {
            accepted += 1;
            assert_eq!(&line[2], "accepted", "{p}: {line:?}");
            assert_eq!(&line[7], "", "{p}: {line:?}");
        } else {
            assert_eq!(&line[2], "rejected", "{p}: {line:?}");
            assert_eq!(&line[7], "mobile_no_operator", "{p}: {line:?}");
            assert!(
                line[9].contains(&format!("no mobile operator uses the prefix {p}"))
                    && line[9].contains("extra_mobile_prefixes"),
                "{}",
                &line[9]
            );
            let fa_prefix: String = p
                .chars()
                .map(|c| char::from_u32(0x06F0 + c.to_digit(10).unwrap()).unwrap())
                .collect();
            assert!(line[8].contains(&fa_prefix), "{}", &line[8]);
        }
    }
    assert_eq!(accepted, 40);
    // The prefixes the issue named as belonging to no operator, and those it did not.
    for (p, ok) in [
        ("0906", false),
        ("0909", false),
        ("0924", false),
        ("0929", false),
        ("0940", false),
        ("0942", false),
        ("0989", false),
        ("0997", false),
        ("0900", true),
        ("0912", true),
        ("0921", true),
        ("0941", true),
        ("0998", true),
        ("0999", true),
    ] {
        assert_eq!(t.contains_key(p), ok, "{p}");
    }

    // However it is written: +98, spaces, Persian digits.
    let rows = [
        row(&nid(8001), "+98 906 123 4567"),
        row(&nid(8002), "۰۹۰۶۱۲۳۴۵۶۷"),
        row(&nid(8003), "+98 935 123 4567"),
    ];
    let csv = o.file("written.csv", sheet(&rows));
    let r = run(o.cmd("register", "1402/10/26").arg("--dry-run").arg(&csv));
    let res = results(&r.stdout);
    assert_eq!(
        res.iter().map(|l| l[7].to_string()).collect::<Vec<_>>(),
        ["mobile_no_operator", "mobile_no_operator", ""]
    );
    assert!(res[0][9].contains("\"+98 906 123 4567\""), "{}", &res[0][9]);
}

/// What the sources themselves say, from `scripts/mobile-prefix-sources`.
fn sources() -> BTreeMap<String, (String, String)> {
    let out = std::process::Command::new(root().join("scripts/mobile-prefix-sources"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), (r[1].to_string(), r[2].to_string()))
        })
        .collect()
}

#[test]
fn the_table_agrees_with_its_two_public_sources() {
    let t = table();
    let s = sources();
    assert_eq!(s.len(), 100);
    let english = |fa: &str| match fa {
        "همراه اول" => "Hamrah-e Avval",
        "ایرانسل" => "Irancell",
        "رایتل" => "RighTel",
        "تالیا" => "Taliya",
        "شاتل موبایل" => "Shatel Mobile",
        "آپتل" => "Aptel",
        other => panic!("an operator the test does not know: {other}"),
    };
    let mut only_one = Vec::new();
    let mut named_apart = Vec::new();
    for (p, (pt, lp)) in &s {
        let allocated = !pt.is_empty() || !lp.is_empty();
        assert_eq!(
            t.contains_key(p),
            allocated,
            "{p}: sources say {pt:?} / {lp:?}"
        );
        let Some([op, op_fa, t_pt, t_lp]) = t.get(p) else {
            continue;
        };
        // Each source's column is what that source says.
        assert_eq!((t_pt, t_lp), (pt, lp), "{p}");
        // The operator: persian-tools' name when it has one, else libphonenumber's.
        if pt.is_empty() {
            assert!(op.starts_with(lp.as_str()), "{p}: {op} / {lp}");
            only_one.push(p.clone());
        } else {
            assert_eq!(op_fa, pt, "{p}");
            assert_eq!(op, english(pt), "{p}");
            if lp.is_empty() {
                only_one.push(p.clone());
                continue;
            }
            // Where both name one operator, they name the same one.
            let lp_name = match lp.as_str() {
                "IR-MCI" => "Hamrah-e Avval",
                "Rightel" => "RighTel",
                other => other,
            };
            if lp_name != op {
                named_apart.push(p.clone());
            }
        }
    }
    // The disagreements docs/guide.md lists, and no others.
    assert_eq!(only_one, ["0931", "0934", "0941"]);
    assert_eq!(named_apart, ["0932", "0995", "0998", "0999"]);
}

/// An office config with extra prefixes.
fn config(o: &Office, extra: &str) -> std::path::PathBuf {
    o.file(
        "office.toml",
        format!("name = \"دفتر پیشخوان نمونه\"\ncode = \"37-1234\"\n{extra}"),
    )
}

/// `register` on a day of the window, with the office config `cfg`.
fn register_with(o: &Office, cfg: &std::path::Path) -> assert_cmd::Command {
    let mut c = o.cmd("register", "1402/10/26");
    c.arg("--config").arg(cfg);
    c
}

#[test]
fn a_prefix_the_office_adds_is_accepted_and_a_bad_one_refused() {
    let o = Office::new();
    let csv = o.file(
        "new.csv",
        sheet(&[
            row(&nid(1), "09061234567"),
            row(&nid(2), "09401234567"),
            row(&nid(3), "09409234567"),
        ]),
    );
    // Without the config: both new prefixes are rejected.
    let r = run(o.cmd("register", "1402/10/26").arg("--dry-run").arg(&csv));
    let codes: Vec<String> = results(&r.stdout)
        .iter()
        .map(|l| l[7].to_string())
        .collect();
    assert_eq!(codes, ["mobile_no_operator"; 3]);

    // A list, in Persian digits, and a table with an operator's name.
    for extra in [
        "extra_mobile_prefixes = [\"۰۹۰۶\", \"09401\"]\n",
        "[extra_mobile_prefixes]\n\"0906\" = \"\"\n\"09401\" = \"Samantel\"\n",
    ] {
        let cfg = config(&o, extra);
        let r = run(register_with(&o, &cfg).arg("--dry-run").arg(&csv));
        let res = results(&r.stdout);
        let status: Vec<&str> = res.iter().map(|l| l.get(2).unwrap()).collect();
        assert_eq!(status, ["accepted", "accepted", "rejected"], "{extra}");
        assert!(res[2][9].contains("the prefix 0940"), "{}", &res[2][9]);
    }

    // A prefix the table has already: `check` says the line is not needed.
    let cfg = config(&o, "extra_mobile_prefixes = [\"09123\"]\n");
    let r = run(pishkhan().arg("check").arg("--config").arg(&cfg));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "warning: extra_mobile_prefixes: 09123 is already allocated in pishkhan's table (under 0912, Hamrah-e Avval)"
        ),
        "{}",
        r.stdout
    );

    // A prefix that is not one: exit 2 naming the file, line and what is expected;
    // nothing is made.
    for bad in [
        "extra_mobile_prefixes = [\"906\"]\n",
        "extra_mobile_prefixes = [\"0906x\"]\n",
        "extra_mobile_prefixes = \"0906\"\n",
    ] {
        let cfg = config(&o, bad);
        let r = run(register_with(&o, &cfg).arg(&csv));
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert!(
            r.stderr.contains("office.toml") && r.stderr.contains("line 3"),
            "{bad}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("4 to 7 digits starting with 09")
                || r.stderr.contains("a list of mobile prefixes"),
            "{bad}: {}",
            r.stderr
        );
        assert!(!o.ledger().exists(), "{bad}: nothing is made");
        // `check` names the same problem.
        let r = run(pishkhan().arg("check").arg("--config").arg(&cfg));
        assert_eq!(r.code, 2, "{bad}: {}", r.stdout);
        assert!(r.stdout.contains("line 3"), "{bad}: {}", r.stdout);
    }
}

#[test]
fn the_sms_file_and_status_name_each_mobiles_operator() {
    let o = Office::new();
    let people = [
        (nid(11), "09121234567", "Hamrah-e Avval", "همراه اول"),
        (nid(12), "09351234567", "Irancell", "ایرانسل"),
        (nid(13), "09211234567", "RighTel", "رایتل"),
        (nid(14), "09981234567", "Shatel Mobile", "شاتل موبایل"),
        (nid(15), "09991234567", "Aptel", "آپتل"),
        (nid(16), "09311234567", "MTCE (Spadan)", "اسپادان"),
        (nid(17), "09061234567", "Samantel", "Samantel"),
        (nid(18), "09071234567", "", "افزودهٔ دفتر"),
    ];
    let rows: Vec<String> = people.iter().map(|(id, m, _, _)| row(id, m)).collect();
    let csv = o.file("reg.csv", sheet(&rows));
    let cfg = config(
        &o,
        "[extra_mobile_prefixes]\n\"0906\" = \"Samantel\"\n\"0907\" = \"\"\n",
    );
    let r = run(register_with(&o, &cfg).arg(&csv));
    assert_eq!(r.code, 0, "{}", r.stderr);

    let sms = o.path("sms.csv");
    let r = run(o
        .cmd("card", "1402/11/24")
        .arg("--config")
        .arg(&cfg)
        .arg("--sms")
        .arg(&sms));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&sms).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["mobile", "operator", "message", "parts"]
    );
    let got: Vec<(String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    let want: Vec<(String, String)> = people
        .iter()
        .map(|(_, m, op, _)| (m.to_string(), op.to_string()))
        .collect();
    assert_eq!(got, want);
    assert!(!r.stderr.contains("mobile_no_operator"), "{}", r.stderr);

    // `status` shows it, in each format.
    for (id, mobile, op, op_fa) in &people {
        let r = run(pishkhan()
            .arg("status")
            .arg("--ledger")
            .arg(o.ledger())
            .arg("--config")
            .arg(&cfg)
            .args([id.as_str(), "--format", "json"]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        for receipt in v["receipts"].as_array().unwrap() {
            assert_eq!(receipt["mobile"], *mobile);
            assert_eq!(receipt["operator"], *op);
        }
        let r = run(pishkhan()
            .arg("status")
            .arg("--ledger")
            .arg(o.ledger())
            .arg("--config")
            .arg(&cfg)
            .args([id.as_str(), "--format", "table"]));
        assert!(r.stdout.contains(op_fa), "{}", r.stdout);
    }

    // Without the office's prefixes (a mobile registered under them, a config that
    // no longer has them): the SMS row keeps its place with no operator, and stderr
    // says whom to call.
    let sms2 = o.path("sms2.csv");
    let r = run(o.cmd("card", "1402/11/24").arg("--sms").arg(&sms2));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&sms2).unwrap();
    assert!(text.contains("09061234567,,"), "{text}");
    assert!(text.contains("09071234567,,"), "{text}");
    assert!(
        r.stderr
            .contains("mobile_no_operator: no mobile operator uses the prefix of 2 in")
            && r.stderr.contains("09061234567, 09071234567"),
        "{}",
        r.stderr
    );
    let r = run(pishkhan()
        .arg("status")
        .arg("--ledger")
        .arg(o.ledger())
        .args([people[6].0.as_str(), "--format", "csv"]));
    assert!(
        r.stdout.lines().nth(1).unwrap().ends_with(",09061234567,"),
        "{}",
        r.stdout
    );
}
