//! The ledger's schema: a ledger of the first schema (each receipt a JSON document),
//! made by the pishkhan of that time, is brought to the second when opened, losing
//! nothing: the same receipts, lines and numbers, reprints byte for byte.

use crate::common;

use std::path::Path;

use common::{pishkhan, root, run};
use pishkhan::desk::Receipt;
use pishkhan::desk::book::Registry;
use pishkhan::ledger::{Ledger, SCHEMA_VERSION};
use rusqlite::Connection;

/// `(table, column, type, not null, primary key)` of every table, for comparing
/// schemas.
fn columns(path: &Path) -> Vec<(String, String, String, bool, i64)> {
    let conn = Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo('{t}')"
            ))
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((t.clone(), r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

/// receipt id, line no, code, quantity, unit, amount, kind, schedule
type LineRow = (i64, i64, String, i64, i64, i64, String, String);

fn lines(conn: &Connection) -> Vec<LineRow> {
    conn.prepare(
        "SELECT receipt_id, line_no, code, quantity, unit, amount, kind, schedule_id
         FROM receipt_lines ORDER BY receipt_id, line_no",
    )
    .unwrap()
    .query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// One more applicant registered into the ledger at `path`, on 1402/10/27.
fn register_one(dir: &Path, path: &Path) -> common::Run {
    let csv = dir.join("one.csv");
    std::fs::write(
        &csv,
        format!("{}\n{}\n", common::HEADER, common::good_row(42)),
    )
    .unwrap();
    let r = run(pishkhan()
        .args([
            "register",
            "--date",
            "1402/10/27",
            "--format",
            "csv",
            "--ledger",
        ])
        .arg(path)
        .arg(&csv));
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

#[test]
fn a_first_schema_ledger_is_brought_to_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    std::fs::copy(root().join("tests/fixtures/ledger-v1.sqlite"), &path).unwrap();

    // What version 1 holds: each receipt's printed document, and its lines.
    let conn = Connection::open(&path).unwrap();
    let v1: Vec<(String, String, Receipt)> = conn
        .prepare("SELECT office_code, number, document FROM receipts ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            let doc: String = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, serde_json::from_str(&doc).unwrap()))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let v1_lines = lines(&conn);
    let v1_person: (String, String, String) = conn
        .query_row(
            "SELECT birth_date, gender, military_status FROM applicants WHERE national_id = '4390120395'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    drop(conn);
    assert_eq!(v1.len(), 28, "13 registrations, 13 slips, 2 certificates");

    brought_up_to_date_by_recording_only(&path, 1);
    let r = run(pishkhan()
        .args(["status", "9080590479", "--format", "json", "--ledger"])
        .arg(&path));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("1402-000027"), "{}", r.stdout);

    let ledger = Ledger::open_read_only(&path).unwrap().unwrap();
    for (office, number, doc) in &v1 {
        let now = ledger.document(office, number).unwrap().unwrap();
        // As printed then, and now with what its QR code proves: the schedule it
        // was priced by and the start of the chain hash the migration gave it.
        assert_eq!(&*now.schedule_id, "qom-1402", "{number}");
        assert_eq!(now.hash.len(), 16, "{number}");
        let mut then = doc.clone();
        then.schedule_id = now.schedule_id.clone();
        then.hash = now.hash.clone();
        assert_eq!(now, then, "{number}");
    }
    let conn = ledger.connection();
    let version: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION.to_string());
    assert_eq!(lines(conn), v1_lines, "every line as it was");
    let person: (String, String, String) = conn
        .query_row(
            "SELECT birth_date, gender, military_status FROM applicants WHERE national_id = '4390120395'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        person, v1_person,
        "the applicant's record, now on the registration"
    );
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let broken: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    drop(ledger);

    // The same schema as a ledger made new.
    let fresh = dir.path().join("new.sqlite");
    drop(Ledger::open(&fresh, "37-1234").unwrap());
    assert_eq!(columns(&path), columns(&fresh));

    // A reprint is the first print, byte for byte, with the QR code of what the
    // ledger proves (version 1 printed none).
    let (office, number, doc) = &v1[13];
    let mut doc = doc.clone();
    let now = Ledger::open_read_only(&path)
        .unwrap()
        .unwrap()
        .document(office, number)
        .unwrap()
        .unwrap();
    (doc.schedule_id, doc.hash) = (now.schedule_id, now.hash);
    let out = dir.path().join("again");
    let r = run(pishkhan()
        .args([
            "card",
            "--reprint",
            number,
            "--office-code",
            office,
            "--ledger",
        ])
        .arg(&path)
        .arg("--out")
        .arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read(out.join(format!("37-1234_{number}.pdf"))).unwrap(),
        pishkhan::docs::print(&doc, pishkhan::typeset::PageSize::A5).unwrap()
    );

    // Numbering goes on from where version 1 stopped.
    let r = register_one(dir.path(), &path);
    assert!(r.stdout.contains(",accepted,1402-000029,"), "{}", r.stdout);
}

#[test]
fn the_certificate_fee_only_on_a_certificate_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.sqlite");
    std::fs::copy(root().join("tests/fixtures/ledger-v1.sqlite"), &path).unwrap();
    drop(Ledger::open(&path, "37-1234").unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    let add = |kind: &str| {
        conn.execute(
            "INSERT INTO receipt_lines (receipt_id, receipt_kind, line_no, code, name, quantity, unit, amount, kind, schedule_id)
             SELECT id, ?1, 99, 'certificate-fee', (SELECT MIN(id) FROM parts WHERE kind = 'line'), 1, 1000000, 1000000, 'tvto', 'qom-1402'
             FROM receipts WHERE kind = 'registration' LIMIT 1",
            [kind],
        )
    };
    let e = add("registration").unwrap_err().to_string();
    assert!(e.contains("CHECK"), "{e}");
    let e = add("certificate").unwrap_err().to_string();
    assert!(
        e.contains("FOREIGN KEY"),
        "a line cannot lie about its receipt: {e}"
    );
}

/// Every row of `table` as values, its first `n` columns (all when `None`).
fn rows(conn: &Connection, table: &str, n: Option<usize>) -> Vec<Vec<rusqlite::types::Value>> {
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
        .unwrap();
    let n = n.unwrap_or(stmt.column_count());
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_second_schema_ledger_gains_its_identity_and_hash_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.sqlite");
    std::fs::copy(root().join("tests/fixtures/ledger-v2.sqlite"), &path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let receipts = rows(&conn, "receipts", None);
    let lines = rows(&conn, "receipt_lines", None);
    drop(conn);
    assert_eq!(
        receipts.len(),
        19,
        "13 registrations, 3 slips, 3 certificates"
    );

    // Reading it changes nothing; a command that records brings it up to date, and
    // an audit then finds it whole.
    brought_up_to_date_by_recording_only(&path, 2);
    let r = run(pishkhan().arg("audit").arg("--ledger").arg(&path));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("19 receipts, 77 lines: everything holds"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("office 37-1234"), "{}", r.stdout);

    let ledger = Ledger::open_read_only(&path).unwrap().unwrap();
    let id = ledger.identity().unwrap();
    assert_eq!(id.schema_version, SCHEMA_VERSION);
    assert_eq!(id.office_code.as_deref(), Some("37-1234"));
    assert_eq!(id.ledger_id.len(), 32);
    assert!(!id.created_at.is_empty());
    let conn = ledger.connection();
    let width = receipts[0].len();
    assert_eq!(
        rows(conn, "receipts", Some(width)),
        receipts,
        "every receipt as it was"
    );
    assert_eq!(
        rows(conn, "receipt_lines", None),
        lines,
        "every line as it was"
    );
    let hashed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM receipts WHERE length(hash) = 32",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hashed, 19);
    let head: (i64, Vec<u8>) = conn
        .query_row("SELECT seq, hash FROM chain", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let last: Vec<u8> = conn
        .query_row("SELECT hash FROM receipts WHERE seq = 19", [], |r| r.get(0))
        .unwrap();
    assert_eq!(head, (19, last));
    drop(ledger);

    // The same schema as a ledger made new.
    let fresh = dir.path().join("new.sqlite");
    drop(Ledger::open(&fresh, "37-1234").unwrap());
    assert_eq!(columns(&path), columns(&fresh));

    // Numbering and the chain go on.
    let r = register_one(dir.path(), &path);
    assert!(r.stdout.contains(",accepted,1402-000020,"), "{}", r.stdout);
    let r = run(pishkhan().arg("audit").arg("--ledger").arg(&path));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// A ledger of schema `version`: a command that reads it (`status`) leaves it as it
/// is and says what brings it up to date; a dry run does not; `register` does (the
/// example day, all recorded before: nothing charged).
fn brought_up_to_date_by_recording_only(path: &std::path::Path, version: i64) {
    let before = std::fs::read(path).unwrap();
    let r = run(pishkhan()
        .args(["status", "9080590479", "--format", "json", "--ledger"])
        .arg(path));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("schema version {version}"))
            && r.stderr.contains("register, card or certify"),
        "{}",
        r.stderr
    );
    assert!(
        std::fs::read(path).unwrap() == before,
        "not changed by reading"
    );
    for dry in [true, false] {
        let mut c = pishkhan();
        c.args([
            "register",
            "examples/applicants.csv",
            "--date",
            "1402/10/26",
        ])
        .args(["--office-code", "37-1234", "--ledger"])
        .arg(path);
        if dry {
            c.arg("--dry-run");
        }
        let r = run(&mut c);
        if dry {
            assert_eq!(r.code, 2, "a dry run does not migrate: {}", r.stderr);
            assert!(std::fs::read(path).unwrap() == before);
        } else {
            assert_eq!(r.code, 1, "{}", r.stderr);
            assert!(r.stderr.contains("accepted 0, rejected 7"), "{}", r.stderr);
        }
    }
}
