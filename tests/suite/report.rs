//! `pishkhan report` over ledgers with known registrations, slips and certificates,
//! across two months and two tariff schedules.

use crate::common;

use std::path::{Path, PathBuf};

use common::{nid, pishkhan, root, run};
use serde_json::Value;

/// The shipped tariffs, plus a second schedule from 1402/11/25 in which the exam
/// slip (line 5) costs 3,000 toman instead of 2,800.
fn two_schedules(dir: &Path) -> PathBuf {
    let shipped = std::fs::read_to_string(root().join("tariffs.toml")).unwrap();
    let second = shipped
        .split("[[schedule]]")
        .nth(1)
        .unwrap()
        .replace("id = \"qom-1402\"", "id = \"qom-1402b\"")
        .replace(
            "in_force_from = \"1402/10/11\"",
            "in_force_from = \"1402/11/25\"",
        )
        .replace("toman = 2800", "toman = 3000")
        .replace("declared_total = 71796", "declared_total = 71996");
    let first = shipped.replace(
        "in_force_from = \"1402/10/11\"",
        "in_force_from = \"1402/10/11\"\nin_force_until = \"1402/11/24\"",
    );
    let path = dir.join("tariffs.toml");
    std::fs::write(&path, format!("{first}\n[[schedule]]{second}")).unwrap();
    path
}

struct Ledger {
    path: PathBuf,
    tariffs: PathBuf,
    code: &'static str,
}

impl Ledger {
    fn cmd(&self, args: &[&str], date: &str) -> assert_cmd::Command {
        let mut c = pishkhan();
        c.args(args)
            .args([
                "--date",
                date,
                "--time",
                "09:00",
                "--office-code",
                self.code,
            ])
            .arg("--tariffs")
            .arg(&self.tariffs)
            .arg("--ledger")
            .arg(&self.path);
        c
    }
}

/// Registers `ids` on 1402/10/26 (60,000 cluster for odd, 90,000 for even).
fn register(l: &Ledger, dir: &Path, ids: &[u64]) {
    let mut text =
        "national_id,first_name,last_name,birth_date,gender,mobile,trade,cluster\n".to_string();
    for i in ids {
        let cluster = if i % 2 == 1 { 60000 } else { 90000 };
        text.push_str(&format!(
            "{},سارا,کریمی,1375/06/01,زن,09121234567,قالی‌بافی,{cluster}\n",
            nid(*i)
        ));
    }
    let csv = dir.join(format!("reg-{}.csv", l.code));
    std::fs::write(&csv, text).unwrap();
    let r = run(l.cmd(&["register"], "1402/10/26").arg(&csv));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

fn ids_csv(dir: &Path, name: &str, header: &str, rows: &[String]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    p
}

/// Office A: 3 registrations (1402/10/26), slips for 2 on 1402/11/24 (old price) and 1
/// on 1402/11/25 (new price), 1 certificate on 1402/12/10.
fn office_a(dir: &Path) -> Ledger {
    let l = Ledger {
        path: dir.join("a.sqlite"),
        tariffs: two_schedules(dir),
        code: "37-1234",
    };
    register(&l, dir, &[1, 2, 3]);
    let first_two = ids_csv(dir, "c1.csv", "national_id", &[nid(1), nid(2)]);
    assert_eq!(run(l.cmd(&["card"], "1402/11/24").arg(&first_two)).code, 0);
    let third = ids_csv(dir, "c2.csv", "national_id", &[nid(3)]);
    assert_eq!(run(l.cmd(&["card"], "1402/11/25").arg(&third)).code, 0);
    let passed = ids_csv(
        dir,
        "p.csv",
        "national_id,result",
        &[format!("{},passed", nid(1))],
    );
    assert_eq!(run(l.cmd(&["certify"], "1402/12/10").arg(&passed)).code, 0);
    l
}

fn report(ledgers: &[&Ledger], month: &str) -> Value {
    let mut c = pishkhan();
    c.args(["report", "--month", month, "--format", "json"])
        .arg("--tariffs")
        .arg(&ledgers[0].tariffs);
    for l in ledgers {
        c.arg("--ledger").arg(&l.path);
    }
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn every_figure_of_a_month_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let a = office_a(dir.path());

    let v = report(&[&a], "1402/11");
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("1402/11/01"), Some("1402/11/30"))
    );
    let lines = v["office_lines"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        2,
        "line 5 under two schedules is two rows: {v}"
    );
    assert_eq!(
        (
            &lines[0]["schedule"],
            &lines[0]["unit"],
            &lines[0]["count"],
            &lines[0]["amount"]
        ),
        (
            &Value::from("qom-1402"),
            &Value::from(2800),
            &Value::from(2),
            &Value::from(5600)
        )
    );
    assert_eq!(
        (
            &lines[1]["schedule"],
            &lines[1]["unit"],
            &lines[1]["count"],
            &lines[1]["amount"]
        ),
        (
            &Value::from("qom-1402b"),
            &Value::from(3000),
            &Value::from(1),
            &Value::from(3000)
        )
    );
    assert_eq!(v["office_total"], 8600);
    assert_eq!(v["tvto_total"], 0);
    assert_eq!(v["grand_total"], 8600);
    assert_eq!(
        v["receipts"],
        serde_json::json!({"registration": 0, "card": 3, "certificate": 0})
    );
    let days: Vec<(String, i64)> = v["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["grand_total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("1402/11/24".to_string(), 5600),
            ("1402/11/25".to_string(), 3000)
        ]
    );

    // The registration month: office lines 1–4 × 3, exam fees by cluster apart.
    let v = report(&[&a], "1402/10");
    assert_eq!(v["office_total"], 3 * 48479);
    let tvto: Vec<(i64, i64)> = v["tvto_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["unit"].as_i64().unwrap(), l["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(tvto, [(60000, 2), (90000, 1)]);
    assert_eq!(v["tvto_total"], 210000);
    assert_eq!(v["grand_total"], 3 * 48479 + 210000);
    // The certificate month: lines 6–7 and the certificate fee.
    let v = report(&[&a], "1402/12");
    assert_eq!(
        (v["office_total"].as_i64(), v["tvto_total"].as_i64()),
        (Some(20517), Some(100000))
    );

    // CSV for Excel: a BOM, and the same figures.
    let r = run(pishkhan()
        .args(["report", "--month", "۱۴۰۲/۱۱", "--format", "csv"])
        .arg("--tariffs")
        .arg(&a.tariffs)
        .arg("--ledger")
        .arg(&a.path));
    assert!(r.stdout.starts_with('\u{FEFF}'));
    assert!(
        r.stdout.contains(
            "line,exam-slip,چاپ برگ اعلام زمان آزمون با تأیید متقاضی,office,qom-1402,2800,2,5600,,,"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "line,exam-slip,چاپ برگ اعلام زمان آزمون با تأیید متقاضی,office,qom-1402b,3000,1,3000,,,"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("day,1402/11/25,,,,,,,3000,0,3000"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("total,,,,,,,,8600,0,8600"),
        "{}",
        r.stdout
    );
    // The table: Persian digits.
    let r = run(pishkhan()
        .args(["report", "--month", "1402/11", "--format", "table"])
        .arg("--tariffs")
        .arg(&a.tariffs)
        .arg("--ledger")
        .arg(&a.path));
    for part in [
        "۱۴۰۲/۱۱/۰۱",
        "۸٬۶۰۰",
        "۵٬۶۰۰",
        "۳٬۰۰۰",
        "برگ اعلام زمان آزمون: ۳",
    ] {
        assert!(r.stdout.contains(part), "{part} in {}", r.stdout);
    }

    // The PDF: an A4 report a reader can extract, with the month's name and page numbers.
    let pdf = dir.path().join("report.pdf");
    let bytes = {
        let o = pishkhan()
            .args([
                "report",
                "--month",
                "1402/11",
                "--format",
                "pdf",
                "--office-name",
                "دفتر نمونه",
            ])
            .arg("--tariffs")
            .arg(&a.tariffs)
            .arg("--ledger")
            .arg(&a.path)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    std::fs::write(&pdf, &bytes).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text: String = String::from_utf8(text.stdout)
        .unwrap()
        .chars()
        .filter(|c| !('\u{202A}'..='\u{202E}').contains(c))
        .collect();
    for part in [
        "گزارش درآمد دفتر پیشخوان",
        "دفتر نمونه",
        "بهمن",
        "۱۴۰۲",
        "۵٬۶۰۰",
        "۳٬۰۰۰",
        "۸٬۶۰۰",
        "qom-1402b",
        "صفحه",
        "از",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let check = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(check.status.success());

    // --export: every charged line of the period.
    let export = dir.path().join("lines.csv");
    let r = run(pishkhan()
        .args([
            "report",
            "--from",
            "1402/10/01",
            "--to",
            "1402/12/29",
            "--format",
            "json",
            "--export",
        ])
        .arg(&export)
        .arg("--tariffs")
        .arg(&a.tariffs)
        .arg("--ledger")
        .arg(&a.path));
    assert_eq!(r.code, 0);
    let text = std::fs::read_to_string(&export).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(
        rows.len(),
        3 * 5 + 3 + 3,
        "15 registration lines, 3 slips, 3 certificate lines"
    );
    assert!(
        rows[0].starts_with("1402-000001,1402/10/26,2024-01-16,37-1234,"),
        "{}",
        rows[0]
    );
    let sum: f64 = rows
        .iter()
        .map(|r| r.split(',').nth(11).unwrap().parse::<f64>().unwrap())
        .sum();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(sum as i64, v["grand_total"].as_i64().unwrap());
}

#[test]
fn merging_offices_and_edge_cases() {
    let dir = tempfile::tempdir().unwrap();
    let a = office_a(dir.path());
    let b = Ledger {
        path: dir.path().join("b.sqlite"),
        tariffs: a.tariffs.clone(),
        code: "37-9999",
    };
    register(&b, dir.path(), &[10, 11]);
    let (ra, rb, both) = (
        report(&[&a], "1402/10"),
        report(&[&b], "1402/10"),
        report(&[&a, &b], "1402/10"),
    );
    assert_eq!(
        both["grand_total"].as_i64().unwrap(),
        ra["grand_total"].as_i64().unwrap() + rb["grand_total"].as_i64().unwrap()
    );
    let offices: Vec<(&str, i64)> = both["offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["office_code"].as_str().unwrap(),
                o["grand_total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        offices,
        [
            ("37-1234", ra["grand_total"].as_i64().unwrap()),
            ("37-9999", rb["grand_total"].as_i64().unwrap())
        ]
    );

    // An empty month says so, with zero totals.
    let v = report(&[&a], "1402/08");
    assert_eq!(
        (
            v["grand_total"].as_i64(),
            v["office_lines"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let r = run(pishkhan()
        .args(["report", "--month", "1402/08", "--format", "table"])
        .arg("--ledger")
        .arg(&a.path));
    assert!(
        r.stdout.contains("no charges in this period"),
        "{}",
        r.stdout
    );
    // A month that does not exist.
    let r = run(pishkhan()
        .args(["report", "--month", "1402/13"])
        .arg("--ledger")
        .arg(&a.path));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("1402/13") && r.stderr.contains("no month 13"),
        "{}",
        r.stderr
    );
    // A ledger whose lines no longer add up to its receipts is refused, loudly.
    let conn = rusqlite::Connection::open(&a.path).unwrap();
    conn.execute(
        "UPDATE receipts SET grand_total = grand_total + 10 WHERE seq = 1",
        [],
    )
    .unwrap();
    let r = run(pishkhan()
        .args(["report", "--month", "1402/10"])
        .arg("--ledger")
        .arg(&a.path));
    assert_eq!(r.code, 2);
    for part in [
        "receipt 1402-000001: its lines add up to",
        "[totals_differ]",
        "[chain_broken]",
        "nothing is reported",
    ] {
        assert!(r.stderr.contains(part), "{part}: {}", r.stderr);
    }
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}
