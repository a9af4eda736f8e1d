//! `pishkhan fee`, through the real binary.

use crate::common;

use common::{pishkhan, run};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let r = run(pishkhan().args(["fee", "--format", "json"]).args(args));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn codes(v: &Value) -> Vec<&str> {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect()
}

#[test]
fn all_stages_reproduce_the_letters_table() {
    let v = json(&["--stage", "all", "--date", "1402/10/26"]);
    assert_eq!(v["date"], "1402/10/26");
    assert_eq!(v["date_iso"], "2024-01-16");
    assert_eq!(v["schedule"]["id"], "qom-1402");
    assert_eq!(v["currency"], "toman");
    let lines = v["lines"].as_array().unwrap();
    let amounts: Vec<i64> = lines
        .iter()
        .map(|l| l["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [3900, 4680, 24899, 15000, 2800, 15000, 5517]);
    let first = &lines[0];
    assert_eq!(first["name_fa"], "احراز هویت متقاضی براساس مدارک");
    assert_eq!(
        first["name_en"],
        "Authenticate the applicant from documents"
    );
    assert_eq!(first["quantity"], 1);
    assert_eq!(first["unit"], 3900);
    assert_eq!(first["kind"], "office");
    assert_eq!(v["office_total"], 71796);
    assert_eq!(v["tvto_total"], 0);
    assert_eq!(v["grand_total"], 71796);
    assert_eq!(
        v["grand_total_words_fa"],
        "هفتاد و یک هزار و هفتصد و نود و شش تومان"
    );
    let refs: Vec<&str> = v["schedule"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["5654", "173428", "1402-31/5933"]);
}

#[test]
fn rial_multiplies_by_ten() {
    let v = json(&["--stage", "all", "--date", "1402/10/26", "--rial"]);
    assert_eq!(v["currency"], "rial");
    assert_eq!(v["grand_total"], 717960);
    assert_eq!(v["lines"][2]["amount"], 248990);
    assert_eq!(
        v["grand_total_words_fa"],
        "هفتصد و هفده هزار و نهصد و شصت ریال"
    );
}

#[test]
fn registration_with_a_90000_cluster_as_csv() {
    let r = run(pishkhan().args([
        "fee",
        "--stage",
        "registration",
        "--cluster",
        "90000",
        "--date",
        "1402/10/26",
        "--format",
        "csv",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rdr = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let get = |code: &str| {
        rows.iter()
            .find(|row| &row[1] == code)
            .unwrap_or_else(|| panic!("no {code} in\n{}", r.stdout))
            .clone()
    };
    let office: Vec<&str> = rows
        .iter()
        .filter(|row| &row[5] == "office")
        .map(|row| &row[0])
        .collect();
    assert_eq!(office, ["1", "2", "3", "4"]);
    assert_eq!(&get("exam-fee")[5], "tvto");
    assert_eq!(&get("exam-fee")[8], "90000");
    assert_eq!(&get("office_total")[8], "48479");
    assert_eq!(&get("tvto_total")[8], "90000");
    assert_eq!(&get("grand_total")[8], "138479");
    assert!(!r.stdout.contains("certificate"), "{}", r.stdout);
}

#[test]
fn registration_never_carries_the_certificate_fee() {
    for cluster in ["60000", "۶۰٬۰۰۰", "c60", "90,000", "c90"] {
        let v = json(&[
            "--stage",
            "registration",
            "--cluster",
            cluster,
            "--date",
            "1402/10/26",
        ]);
        assert_eq!(
            codes(&v),
            [
                "authenticate",
                "check-documents",
                "register-print",
                "pay-exam-fee",
                "exam-fee"
            ]
        );
        assert_eq!(v["office_total"], 48479, "{cluster}");
    }
    let v = json(&[
        "--stage",
        "registration",
        "--cluster",
        "60000",
        "--date",
        "1402/10/26",
    ]);
    assert_eq!(v["tvto_total"], 60000);
    assert_eq!(v["grand_total"], 108479);
    assert_eq!(v["lines"][4]["kind"], "tvto");
}

#[test]
fn card_and_certificate_stages_and_counts() {
    let v = json(&["--stage", "card", "--count", "5", "--date", "1402/11/24"]);
    assert_eq!(codes(&v), ["exam-slip"]);
    assert_eq!(v["lines"][0]["quantity"], 5);
    assert_eq!(v["grand_total"], 14000);
    let v = json(&[
        "--stage",
        "certificate",
        "--count",
        "3",
        "--date",
        "1402/12/10",
    ]);
    assert_eq!(
        codes(&v),
        ["pay-certificate-fee", "certificate", "certificate-fee"]
    );
    assert_eq!(v["office_total"], 3 * (15000 + 5517));
    assert_eq!(v["tvto_total"], 300000);
    assert_eq!(v["grand_total"], 361551);
}

#[test]
fn a_date_before_every_schedule_is_refused() {
    let r = run(pishkhan().args(["fee", "--date", "1401/01/01"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no tariff schedule was in force on 1401/01/01"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn invalid_dates_name_the_input_and_the_reason() {
    let cases = [
        ("1402/12/30", "Esfand 1402 has 29 days"),
        ("1402/13/01", "no month 13"),
        ("1402/07/31", "Mehr has 30 days"),
        ("1402/00/10", "no month 0"),
        ("1402/11", "expected YYYY/MM/DD"),
        ("tomorrow", "expected YYYY/MM/DD"),
        ("۱۴۰۲/۱۲/۳۰", "Esfand 1402 has 29 days"),
    ];
    for (date, reason) in cases {
        let r = run(pishkhan().args(["fee", "--date", date]));
        assert_eq!(r.code, 2, "{date}");
        assert!(r.stderr.contains(date), "{date}: {}", r.stderr);
        assert!(r.stderr.contains(reason), "{date}: {}", r.stderr);
        let r = run(pishkhan().arg("fee").env("PISHKHAN_DATE", date));
        assert_eq!(r.code, 2, "PISHKHAN_DATE={date}");
        assert!(r.stderr.contains(reason), "{date}: {}", r.stderr);
    }
}

#[test]
fn persian_and_arabic_digits_in_the_date() {
    for date in ["۱۴۰۲/۱۰/۲۶", "١٤٠٢/١٠/٢٦", "1402-10-26"] {
        let v = json(&["--date", date]);
        assert_eq!(v["date"], "1402/10/26", "{date}");
    }
}

#[test]
fn settings_come_from_the_environment() {
    let r = run(pishkhan()
        .arg("fee")
        .env("PISHKHAN_DATE", "1402/10/26")
        .env("PISHKHAN_FORMAT", "json")
        .env("PISHKHAN_STAGE", "registration")
        .env("PISHKHAN_CLUSTER", "90000")
        .env("PISHKHAN_RIAL", "true")
        .env("PISHKHAN_TARIFFS", common::root().join("tariffs.toml")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["grand_total"], 1384790);
    // A flag beats the environment.
    let r = run(pishkhan()
        .args(["fee", "--date", "1402/10/26", "--format", "json"])
        .env("PISHKHAN_DATE", "1401/01/01"));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn unknown_cluster_lists_the_known_ones() {
    let r = run(pishkhan().args([
        "fee",
        "--stage",
        "registration",
        "--cluster",
        "70000",
        "--date",
        "1402/10/26",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown cluster \"70000\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("60000 (c60") && r.stderr.contains("90000 (c90"),
        "{}",
        r.stderr
    );
}

#[test]
fn table_is_persian_with_grouped_digits() {
    let r = run(pishkhan().args([
        "fee",
        "--stage",
        "registration",
        "--cluster",
        "60000",
        "--date",
        "1402/10/26",
        "--format",
        "table",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    assert!(out.contains("سه‌شنبه ۲۶ دی ۱۴۰۲"), "{out}");
    assert!(
        out.contains("۲۴٬۸۹۹") && out.contains("۴۸٬۴۷۹") && out.contains("۱۰۸٬۴۷۹"),
        "{out}"
    );
    assert!(
        out.contains("به حروف: صد و هشت هزار و چهارصد و هفتاد و نه تومان"),
        "{out}"
    );
    // The table is right-aligned: every line, header, rows, rules and totals, has the
    // same display width, so the amount columns line up.
    use unicode_width::UnicodeWidthStr;
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.contains("ردیف"))
        .take_while(|l| !l.starts_with("به حروف"))
        .collect();
    assert_eq!(table.len(), 1 + 1 + 5 + 1 + 3, "{out}");
    let widths: Vec<usize> = table.iter().map(|l| l.width()).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{out}");
}

#[test]
fn csv_is_the_default_in_a_pipe() {
    let r = run(pishkhan().args(["fee", "--date", "1402/10/26"]));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("row,code,name_fa,name_en,stage,kind,quantity,unit,amount,currency\n")
    );
}

#[test]
fn count_is_bounded_and_pdf_is_refused() {
    let r = run(pishkhan().args(["fee", "--count", "0", "--date", "1402/10/26"]));
    assert_eq!(r.code, 2);
    let r = run(pishkhan().args(["fee", "--format", "pdf", "--date", "1402/10/26"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("pdf"));
}

#[test]
fn a_broken_tariffs_file_stops_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::edited_copy(dir.path(), "tariffs.toml", "toman = 5517", "toman = 5518");
    let r = run(pishkhan()
        .args(["fee", "--date", "1402/10/26"])
        .arg("--tariffs")
        .arg(&path));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&path.display().to_string()),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("71,797") && r.stderr.contains("71,796"),
        "{}",
        r.stderr
    );
    let r = run(pishkhan().args([
        "fee",
        "--tariffs",
        "/nonexistent/t.toml",
        "--date",
        "1402/10/26",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("cannot read the tariffs file /nonexistent/t.toml"),
        "{}",
        r.stderr
    );
}
