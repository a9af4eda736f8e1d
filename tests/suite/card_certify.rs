//! `card`, `certify` and `status`: the rest of an applicant's way, end to end.

use crate::common;

use common::{Office, nid, pishkhan, run};

const NAMES: [&str; 5] = ["مریم", "زهرا", "فاطمه", "سارا", "لیلا"];

impl Office {
    /// Registers five applicants on 1402/10/26.
    fn with_five(&self) {
        let mut rows = vec!["national_id,first_name,last_name,father_name,birth_date,gender,military_status,mobile,trade,cluster".to_string()];
        for (i, name) in (1..=5u64).zip(NAMES) {
            rows.push(format!(
                "{},{name},کریمی,علی,1375/06/01,زن,,0912000000{i},قالی‌بافی,60000",
                nid(i)
            ));
        }
        let csv = self.file("reg.csv", &(rows.join("\n") + "\n"));
        let r = run(self.cmd("register", "1402/10/26").arg(csv));
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
}

fn results(stdout: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(stdout.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_way_through_the_office() {
    let o = Office::new();
    o.with_five();
    let slips = o.path("slips");
    let sms = o.path("sms.csv");

    // Entry cards only inside their window: 1402/11/24–1402/11/25.
    for day in ["1402/11/23", "1402/11/26"] {
        let r = run(o.cmd("card", day).arg("--out").arg(&slips));
        assert_eq!(r.code, 2, "{day}");
        assert!(r.stderr.contains("1402/11/24–1402/11/25"), "{}", r.stderr);
    }
    assert!(!slips.exists());

    let r = run(o
        .cmd("card", "1402/11/24")
        .arg("--out")
        .arg(&slips)
        .arg("--sms")
        .arg(&sms));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = results(&r.stdout);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| &r[2] == "accepted" && &r[4] == "2800"));
    assert_eq!(
        o.sql("SELECT SUM(amount) FROM receipt_lines WHERE code = 'exam-slip'"),
        5 * 28_000
    );
    assert_eq!(std::fs::read_dir(&slips).unwrap().count(), 5);

    // The slip: name, national ID, the written exam's weekday and date.
    let first = slips.join(format!("37-1234_{}.pdf", &rows[0][3]));
    let text = std::process::Command::new("pdftotext")
        .arg(&first)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let id_fa: String = nid(1)
        .chars()
        .map(|c| char::from_u32(0x06F0 + c.to_digit(10).unwrap()).unwrap())
        .collect();
    for part in [
        "برگ اعلام زمان آزمون",
        "مریم",
        "کریمی",
        &id_fa,
        "پنجشنبه",
        "۱۴۰۲/۱۱/۲۶",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }

    // SMS rows: one per applicant, a valid mobile, a message within two Persian SMS.
    let sms_text = std::fs::read_to_string(&sms).unwrap();
    let mut rdr = csv::Reader::from_reader(sms_text.as_bytes());
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["mobile", "operator", "message", "parts"]
    );
    let sms_rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(sms_rows.len(), 5);
    for row in &sms_rows {
        let mobile = &row[0];
        assert!(
            mobile.len() == 11
                && mobile.starts_with("09")
                && mobile.bytes().all(|b| b.is_ascii_digit())
        );
        // The sheet's mobiles are all 0912: the operator the table gives 0912.
        assert!(mobile.starts_with("0912"), "{mobile}");
        assert_eq!(&row[1], "Hamrah-e Avval");
        let units = row[2].encode_utf16().count();
        assert!(units <= 134, "{}", &row[2]);
        let parts = if units <= 70 { 1 } else { units.div_ceil(67) };
        assert_eq!(row[3].parse::<usize>().unwrap(), parts, "{row:?}");
        assert!(row[2].contains("پنجشنبه ۱۴۰۲/۱۱/۲۶"), "{}", &row[2]);
    }

    // A second card run charges nothing new.
    let r = run(&mut o.cmd("card", "1402/11/25"));
    assert_eq!(r.code, 0);
    assert!(results(&r.stdout).iter().all(|r| &r[2] == "duplicate"));
    assert_eq!(
        o.sql("SELECT COUNT(*) FROM receipts WHERE kind = 'card'"),
        5
    );

    // certify: 3 passed, 1 failed, 1 unknown.
    let results_csv = format!(
        "کد ملی,نتیجه\n{},قبول نهایی\n{},passed\n{},قبول نهایی\n{},مردود\n{},قبول نهایی\n",
        nid(1),
        nid(2),
        nid(3),
        nid(4),
        nid(999)
    );
    let f = o.file("results.csv", &results_csv);
    let receipts = o.path("certificates");
    let r = run(o
        .cmd("certify", "1402/12/10")
        .arg(&f)
        .arg("--out")
        .arg(&receipts));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = results(&r.stdout);
    let statuses: Vec<(&str, &str)> = rows.iter().map(|r| (&r[2], &r[7])).collect();
    assert_eq!(
        statuses,
        [
            ("accepted", ""),
            ("accepted", ""),
            ("accepted", ""),
            ("rejected", "not_passed"),
            ("rejected", "not_registered")
        ]
    );
    assert_eq!(
        o.sql("SELECT SUM(amount) FROM receipt_lines l JOIN receipts r ON r.id = l.receipt_id WHERE r.kind = 'certificate' AND l.kind = 'office'"),
        3 * (15_000 + 5_517) * 10
    );
    assert_eq!(
        o.sql("SELECT SUM(amount) FROM receipt_lines WHERE code = 'certificate-fee'"),
        3 * 100_000 * 10
    );
    assert_eq!(std::fs::read_dir(&receipts).unwrap().count(), 3);

    // A second certify charges nothing.
    let r = run(o.cmd("certify", "1402/12/11").arg(&f));
    assert_eq!(r.code, 1);
    assert_eq!(
        results(&r.stdout)
            .iter()
            .filter(|r| &r[2] == "duplicate")
            .count(),
        3
    );
    assert_eq!(
        o.sql("SELECT COUNT(*) FROM receipts WHERE kind = 'certificate'"),
        3
    );

    // No path but certify ever charged the certificate fee.
    assert_eq!(
        o.sql("SELECT COUNT(*) FROM receipt_lines l JOIN receipts r ON r.id = l.receipt_id WHERE l.code = 'certificate-fee' AND r.kind <> 'certificate'"),
        0
    );
    let conn = rusqlite::Connection::open(o.path("ledger.sqlite")).unwrap();
    let forced = conn.execute(
        "INSERT INTO receipt_lines (receipt_id, receipt_kind, line_no, code, name, quantity, unit, amount, kind, schedule_id)
         SELECT id, kind, 99, 'certificate-fee', office, 1, 1000000, 1000000, 'tvto', 'qom-1402' FROM receipts WHERE kind = 'registration' LIMIT 1",
        [],
    );
    assert!(
        forced
            .as_ref()
            .is_err_and(|e| e.to_string().contains("certificate-fee")),
        "the ledger itself refuses the certificate fee at registration: {forced:?}"
    );

    // status: the whole way of applicant 1.
    let status = |id: &str| {
        let mut c = pishkhan();
        c.args(["status", id])
            .arg("--ledger")
            .arg(o.path("ledger.sqlite"));
        c
    };
    let r = run(status(&nid(1)).args(["--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let kinds: Vec<&str> = v["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["registration", "card", "certificate"]);
    assert_eq!(v["receipts"][0]["grand_total"], "108479");
    assert_eq!(v["receipts"][2]["tvto_total"], "100000");
    let r = run(&mut status(&nid(999)));
    assert_eq!(r.code, 1);

    // A slip reprints identically.
    let number = rows_number(&o);
    let again = o.path("again");
    let r = run(o
        .cmd("card", "1402/11/25")
        .args(["--reprint", &number])
        .arg("--out")
        .arg(&again));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read(slips.join(format!("37-1234_{number}.pdf"))).unwrap(),
        std::fs::read(again.join(format!("37-1234_{number}.pdf"))).unwrap()
    );
}

fn rows_number(o: &Office) -> String {
    rusqlite::Connection::open(o.path("ledger.sqlite"))
        .unwrap()
        .query_row(
            "SELECT number FROM receipts WHERE kind = 'card' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_csv_of_portal_times_and_unregistered_applicants() {
    let o = Office::new();
    o.with_five();
    let f = o.file(
        "times.csv",
        format!(
            "national_id,exam_time,venue\n{},08:30,مرکز شماره ۱\n{},10:00,\n",
            nid(2),
            nid(77)
        ),
    );
    let sms = o.path("sms.csv");
    let r = run(o.cmd("card", "1402/11/24").arg(&f).arg("--sms").arg(&sms));
    assert_eq!(r.code, 1);
    let rows = results(&r.stdout);
    assert_eq!((&rows[0][2], &rows[1][7]), ("accepted", "not_registered"));
    let text = std::fs::read_to_string(&sms).unwrap();
    assert!(
        text.contains("ساعت ۰۸:۳۰") && text.contains("مرکز شماره ۱"),
        "{text}"
    );
    // --strict records nothing when a row fails; --dry-run never does.
    let o2 = Office::new();
    o2.with_five();
    let f2 = o2.file(
        "times.csv",
        format!("national_id\n{}\n{}\n", nid(2), nid(77)),
    );
    assert_eq!(
        run(o2.cmd("card", "1402/11/24").arg(&f2).arg("--strict")).code,
        1
    );
    assert_eq!(run(o2.cmd("card", "1402/11/24").arg("--dry-run")).code, 0);
    assert_eq!(
        o2.sql("SELECT COUNT(*) FROM receipts WHERE kind = 'card'"),
        0
    );
}
