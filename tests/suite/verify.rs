//! `pishkhan verify`: a receipt's proof line or number checked against the ledger,
//! genuine and after every kind of tampering.

use crate::common;

use std::path::{Path, PathBuf};

use common::{Office, pishkhan, root, run};

/// The example sheet registered: 13 receipts of office 37-1234.
fn desk() -> Office {
    let desk = Office::new();
    let r = run(desk.register().arg(root().join("examples/applicants.csv")));
    assert_eq!(r.code, 1, "{}", r.stderr);
    desk
}

fn verify(ledger: &Path, what: &str) -> common::Run {
    run(pishkhan()
        .args(["verify", what, "--format", "json", "--ledger"])
        .arg(ledger))
}

/// Which checks failed, of the one receipt checked.
fn failed(r: &common::Run) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["receipts"].as_array().unwrap().len(), 1, "{v}");
    common::failed_checks(&r.stdout, 0)
}

/// A copy of the ledger with `sql` run on it.
fn tampered(desk: &Office, name: &str, sql: &str) -> PathBuf {
    common::tampered(&desk.ledger(), desk.dir.path().join(name), sql)
}

#[test]
fn a_genuine_receipt_verifies_and_a_changed_one_does_not() {
    let desk = desk();
    // The proof line as the ledger gives it.
    let r = verify(&desk.ledger(), "1402-000002");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let proof = v["receipts"][0]["proof"].as_str().unwrap().to_string();
    assert!(
        proof.starts_with("PK1|37-1234|1402-000002|1402/10/26|484790|900000|"),
        "{proof}"
    );
    let r = verify(&desk.ledger(), &proof);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(failed(&r), Vec::<String>::new());

    // One digit changed in the proof: the field is named.
    for (from, to, field) in [
        ("|484790|", "|484791|", "office_total"),
        ("|900000|", "|900001|", "tvto_total"),
        ("|1402/10/26|", "|1402/10/25|", "date"),
    ] {
        let r = verify(&desk.ledger(), &proof.replace(from, to));
        assert_eq!(r.code, 1, "{field}: {}", r.stdout);
        assert_eq!(failed(&r), [field]);
    }
    let mut hash = proof.clone();
    let last = hash.pop().unwrap();
    hash.push(if last == '0' { '1' } else { '0' });
    assert_eq!(failed(&verify(&desk.ledger(), &hash)), ["hash"]);

    // The ledger tampered with: an amount edited (chain broken), the receipt deleted.
    let edited = tampered(
        &desk,
        "edited.sqlite",
        "UPDATE receipt_lines SET unit = unit + 50000, amount = amount + 50000 WHERE receipt_id = 2 AND line_no = 1;
         UPDATE receipts SET office_total = office_total + 50000, grand_total = grand_total + 50000 WHERE id = 2;",
    );
    let r = verify(&edited, &proof);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let f = failed(&r);
    assert!(
        f.contains(&"office_total".to_string()) && f.contains(&"chain".to_string()),
        "{f:?}"
    );
    let deleted = tampered(
        &desk,
        "deleted.sqlite",
        "DELETE FROM receipt_lines WHERE receipt_id = 2; DELETE FROM receipts WHERE id = 2;",
    );
    let r = verify(&deleted, &proof);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(failed(&r), ["receipt_no"]);
}

#[test]
fn what_cannot_be_checked_is_exit_2() {
    let desk = desk();
    let r = verify(&desk.dir.path().join("none.sqlite"), "1402-000001");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no ledger"), "{}", r.stderr);
    let r = verify(&desk.ledger(), "PK1|37-1234|1402-000001");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a proof line"), "{}", r.stderr);
    // Persian digits in a typed receipt number are read as digits.
    let r = verify(&desk.ledger(), "۱۴۰۲-۰۰۰۰۰۱");
    assert_eq!(r.code, 0, "{}", r.stderr);
}
