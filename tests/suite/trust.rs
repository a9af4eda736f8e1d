//! A ledger the guild can trust: every tampering an inspector tried is caught by
//! `audit` and by `report` (exit 2, naming the receipt or the file), a file that is
//! not this office's ledger is never written to, and `certify` keeps the letter's
//! order of steps.

use crate::common;

use std::path::{Path, PathBuf};

use common::{Office, Run, good_row, pishkhan, run, sheet};
use rusqlite::Connection;

/// A ledger of 20 registrations of office 37-1234 on 1402/10/26.
fn ledger() -> Office {
    let desk = Office::new();
    let csv = desk.file("a.csv", sheet(&(1..=20).map(good_row).collect::<Vec<_>>()));
    let r = run(desk.register().arg(&csv));
    assert_eq!(r.code, 0, "{}", r.stderr);
    desk
}

/// A copy of the desk's ledger with `sql` run on it, as a hand edit would.
fn tampered(desk: &Office, name: &str, sql: &str) -> PathBuf {
    common::tampered(&desk.ledger(), desk.dir.path().join(name), sql)
}

fn audit(path: &Path) -> Run {
    run(pishkhan().arg("audit").arg("--ledger").arg(path))
}

fn report(paths: &[&Path]) -> Run {
    let mut c = pishkhan();
    c.args(["report", "--month", "1402/10", "--format", "json"]);
    for p in paths {
        c.arg("--ledger").arg(p);
    }
    run(&mut c)
}

/// `audit` and `report` both exit 2 and name `what`; neither changes the file.
fn caught(path: &Path, what: &[&str]) {
    let before = std::fs::read(path).unwrap();
    let a = audit(path);
    assert_eq!(a.code, 2, "audit: {}{}", a.stdout, a.stderr);
    let r = report(&[path]);
    assert_eq!(r.code, 2, "report: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "nothing reported: {}", r.stdout);
    for w in what {
        assert!(
            a.stdout.contains(w) || a.stderr.contains(w),
            "audit names {w}: {}{}",
            a.stdout,
            a.stderr
        );
        assert!(r.stderr.contains(w), "report names {w}: {}", r.stderr);
    }
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file is left as it was"
    );
}

#[test]
fn an_untouched_ledger_audits_clean_and_reports_its_chain_head() {
    let desk = ledger();
    let a = audit(&desk.ledger());
    assert_eq!(a.code, 0, "{}{}", a.stdout, a.stderr);
    assert!(
        a.stdout
            .contains("20 receipts, 100 lines: everything holds"),
        "{}",
        a.stdout
    );
    let head: String = Connection::open(desk.ledger())
        .unwrap()
        .query_row("SELECT hex(hash) FROM receipts WHERE seq = 20", [], |r| {
            r.get(0)
        })
        .unwrap();
    let head = head.to_lowercase();
    assert!(
        a.stdout.contains(&format!(
            "chain head of 37-1234 in 1402: 1402-000020 {head}"
        )),
        "{}",
        a.stdout
    );
    let r = report(&[&desk.ledger()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("1402-000020 {head}")),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["chain_heads"][0]["hash"], head.as_str());
    assert_eq!(v["chain_heads"][0]["number"], "1402-000020");

    // The identity of the ledger.
    let a = run(pishkhan()
        .args(["audit", "--format", "json", "--ledger"])
        .arg(desk.ledger()));
    let v: serde_json::Value = serde_json::from_str(&a.stdout).unwrap();
    let l = &v["ledgers"][0];
    assert_eq!(l["office_code"], "37-1234");
    assert_eq!(l["schema_version"], 3);
    assert_eq!(l["ledger_id"].as_str().unwrap().len(), 32);
    assert_eq!(v["ok"], true);
}

#[test]
fn a_compensating_move_is_caught() {
    let desk = ledger();
    // 10,000 toman from receipt 2's last office line to receipt 3's, every total
    // kept consistent.
    let path = tampered(
        &desk,
        "moved.sqlite",
        "UPDATE receipt_lines SET unit = unit - 100000, amount = amount - 100000 WHERE receipt_id = 2 AND line_no = 4;
         UPDATE receipts SET office_total = office_total - 100000, grand_total = grand_total - 100000 WHERE id = 2;
         UPDATE receipt_lines SET unit = unit + 100000, amount = amount + 100000 WHERE receipt_id = 3 AND line_no = 4;
         UPDATE receipts SET office_total = office_total + 100000, grand_total = grand_total + 100000 WHERE id = 3;",
    );
    caught(
        &path,
        &[
            "receipt 1402-000002: it does not fit the hash chain",
            "receipt 1402-000003: it does not fit the hash chain",
        ],
    );
    let a = audit(&path);
    assert!(a.stdout.contains("[not_the_tariff]"), "{}", a.stdout);
}

#[test]
fn an_amount_changed_consistently_everywhere_is_caught() {
    let desk = ledger();
    let path = tampered(
        &desk,
        "changed.sqlite",
        "UPDATE receipt_lines SET unit = unit + 50000, amount = amount + 50000 WHERE receipt_id = 7 AND line_no = 1;
         UPDATE receipts SET office_total = office_total + 50000, grand_total = grand_total + 50000 WHERE id = 7;",
    );
    caught(&path, &["receipt 1402-000007", "[chain_broken]"]);
    let a = audit(&path);
    assert!(
        a.stdout.contains("receipt 1402-000007: line 1 (") && a.stdout.contains("[not_the_tariff]"),
        "{}",
        a.stdout
    );
}

#[test]
fn a_deleted_receipt_is_caught() {
    let desk = ledger();
    // With its lines left behind, and with them gone too.
    let path = tampered(&desk, "gap.sqlite", "DELETE FROM receipts WHERE seq = 5;");
    caught(
        &path,
        &[
            "receipt 1402-000005 of office 37-1234 is missing",
            "[lines_without_receipt]",
        ],
    );
    let path = tampered(
        &desk,
        "gap2.sqlite",
        "DELETE FROM receipt_lines WHERE receipt_id = 5; DELETE FROM receipts WHERE seq = 5;",
    );
    caught(&path, &["receipt 1402-000005 of office 37-1234 is missing"]);
}

#[test]
fn a_deleted_last_receipt_is_caught_and_its_number_never_issued_again() {
    let desk = ledger();
    let conn = Connection::open(desk.ledger()).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; DELETE FROM receipt_lines WHERE receipt_id = 20; DELETE FROM receipts WHERE seq = 20;",
    )
    .unwrap();
    drop(conn);
    caught(&desk.ledger(), &["1402-000020", "[number_missing]"]);
    // The next registration takes 21: the chain head, not what is left, decides.
    let r = run(desk
        .register()
        .args(["--format", "csv"])
        .arg(desk.file("b.csv", sheet(&[good_row(21)]))));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(",accepted,1402-000021,"), "{}", r.stdout);
    caught(
        &desk.ledger(),
        &["receipt 1402-000020 of office 37-1234 is missing"],
    );
}

/// `register` refuses the file (exit 2, naming it) and leaves it as it was.
fn refused_for_writing(desk: &Office, path: &Path, office: &str, what: &str) {
    let before = std::fs::read(path).unwrap();
    let r = run(pishkhan()
        .args(["register", "--date", "1402/10/26", "--office-code", office])
        .arg("--ledger")
        .arg(path)
        .arg(desk.file("c.csv", sheet(&[good_row(30)]))));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&path.display().to_string()),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(what), "{what}: {}", r.stderr);
    assert!(
        r.stdout.is_empty(),
        "no row was answered as recorded: {}",
        r.stdout
    );
    assert_eq!(std::fs::read(path).unwrap(), before, "left as it was");
}

#[test]
fn files_that_are_not_this_offices_ledger_are_refused_and_left_alone() {
    let desk = ledger();
    let zero = desk.file("zero.sqlite", "");
    refused_for_writing(&desk, &zero, "37-1234", "the file is empty");
    caught(&zero, &["zero.sqlite", "not a pishkhan ledger"]);

    let foreign = desk.dir.path().join("foreign.sqlite");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');")
        .unwrap();
    refused_for_writing(&desk, &foreign, "37-1234", "not a pishkhan ledger");
    caught(&foreign, &["foreign.sqlite", "not a pishkhan ledger"]);

    // Random bytes over two pages of the b-trees.
    let damaged = desk.dir.path().join("damaged.sqlite");
    std::fs::copy(desk.ledger(), &damaged).unwrap();
    let mut bytes = std::fs::read(&damaged).unwrap();
    let mut x: u32 = 2_463_534_242;
    for b in &mut bytes[3 * 4096..5 * 4096] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    refused_for_writing(&desk, &damaged, "37-1234", "damaged.sqlite");
    caught(&damaged, &["damaged.sqlite"]);

    // Another office's ledger.
    refused_for_writing(
        &desk,
        &desk.ledger(),
        "99-9999",
        "belongs to office 37-1234",
    );
}

#[test]
fn the_same_ledger_twice_or_two_ledgers_of_one_office_are_refused() {
    let desk = ledger();
    let copy = desk.dir.path().join("copy.sqlite");
    std::fs::copy(desk.ledger(), &copy).unwrap();
    for r in [
        report(&[&desk.ledger(), &copy]),
        run(pishkhan()
            .arg("audit")
            .arg("--ledger")
            .arg(desk.ledger())
            .arg("--ledger")
            .arg(&copy)),
    ] {
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        let text = format!("{}{}", r.stdout, r.stderr);
        assert!(
            text.contains("ledger.sqlite")
                && text.contains("copy.sqlite")
                && text.contains("the same ledger"),
            "{text}"
        );
    }
    // A second ledger made for the same office.
    let other = Office::new();
    let r = run(other
        .register()
        .arg(other.file("x.csv", sheet(&[good_row(40)]))));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = report(&[&desk.ledger(), &other.ledger()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("both hold office 37-1234"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_receipt_of_another_office_slipped_in_is_caught() {
    let desk = ledger();
    let path = tampered(
        &desk,
        "office.sqlite",
        "UPDATE receipts SET office_code = '99-9999' WHERE seq = 20;",
    );
    caught(
        &path,
        &[
            "receipt 1402-000020: it is a receipt of office 99-9999, in the ledger of office 37-1234",
        ],
    );
}

#[test]
fn certify_keeps_the_letters_order_of_steps() {
    let desk = ledger();
    let results = desk.file(
        "results.csv",
        format!("national_id,result\n{},قبول نهایی\n", common::nid(1)),
    );
    let certify = |date: &str| {
        run(pishkhan()
            .args(["certify", "--date", date, "--format", "csv", "--ledger"])
            .arg(desk.ledger())
            .arg(&results))
    };
    // Stage 4's written exam is on 1402/11/26: not on that day, nor before.
    for date in ["1402/10/27", "1402/11/26"] {
        let r = certify(date);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stdout.contains("before_written_exam")
                && r.stdout.contains("after the written exam of 1402/11/26"),
            "{}",
            r.stdout
        );
    }
    assert_eq!(
        desk.sql("SELECT COUNT(*) FROM receipts WHERE kind = 'certificate'"),
        0
    );
    let r = certify("1402/11/27");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(",accepted,1402-000021,"), "{}", r.stdout);
    assert_eq!(audit(&desk.ledger()).code, 0);
}

#[test]
fn a_certificate_back_dated_before_its_registration_is_an_audit_finding() {
    let desk = ledger();
    let r = run(pishkhan()
        .args(["certify", "--date", "1402/12/01", "--ledger"])
        .arg(desk.ledger())
        .arg(desk.file(
            "r.csv",
            format!("national_id,result\n{},قبول نهایی\n", common::nid(2)),
        )));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Registered on 1402/10/26; the certificate moved before it by hand. The chain
    // catches the edit, the desk's rules the order.
    let path = tampered(
        &desk,
        "backdated.sqlite",
        "UPDATE receipts SET service_date = '1402/10/20' WHERE kind = 'certificate';",
    );
    caught(&path, &["receipt 1402-000021", "[chain_broken]"]);
    let a = audit(&path);
    assert!(
        a.stdout
            .contains("receipt 1402-000021: the certificate of applicant")
            && a.stdout.contains("[out_of_order]"),
        "{}",
        a.stdout
    );
}
