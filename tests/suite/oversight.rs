//! The guild's oversight: offices sign their months, and the guild checks a ledger
//! against its statements and adds statements up into the province's report, with
//! no ledger and no applicant's data.

use crate::common;

use std::fs;
use std::path::PathBuf;

use common::{pishkhan, run, tampered};

/// Two offices with keys, a day's registrations each in 1402/10, the guild's
/// registry of both keys, and each office's signed statement of 1402/10 in `st/`.
struct Province {
    dir: tempfile::TempDir,
}

impl Province {
    fn new() -> Province {
        let p = Province {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir(p.path("st")).unwrap();
        let mut registry = String::new();
        for (office, sheet, date) in [
            ("37-1234", "examples/applicants.csv", "1402/10/26"),
            ("37-5678", "examples/branch.csv", "1402/10/27"),
        ] {
            let key = p.path(&format!("{office}.key"));
            assert_eq!(
                run(pishkhan().args(["key", "new", "--out"]).arg(&key)).code,
                0
            );
            let config = p.path(&format!("{office}.toml"));
            fs::write(
                &config,
                format!("name = \"دفتر {office}\"\ncode = \"{office}\"\nkey = \"{office}.key\"\n"),
            )
            .unwrap();
            let r = run(pishkhan()
                .args([
                    "register", sheet, "--date", date, "--time", "09:00", "--config",
                ])
                .arg(&config)
                .arg("--ledger")
                .arg(p.ledger(office)));
            assert!(r.code <= 1, "{}", r.stderr);
            let r = run(pishkhan()
                .args(["key", "show", "--date", "1402/01/01", "--config"])
                .arg(&config));
            registry.push_str(&r.stdout);
            let r = run(pishkhan()
                .args([
                    "report", "--month", "1402/10", "--format", "csv", "--config",
                ])
                .arg(&config)
                .arg("--ledger")
                .arg(p.ledger(office))
                .arg("--statement")
                .arg(p.path(&format!("st/{office}-1402-10.json"))));
            assert_eq!(r.code, 0, "{}", r.stderr);
        }
        fs::write(p.path("registry.toml"), registry).unwrap();
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn ledger(&self, office: &str) -> PathBuf {
        self.path(&format!("{office}.sqlite"))
    }
    fn statement(&self, office: &str) -> PathBuf {
        self.path(&format!("st/{office}-1402-10.json"))
    }
    /// A copy of 37-1234's ledger changed by `sql`, its chain then dropped and its
    /// schema set back, and brought up to date by a command that records (a certify
    /// run that charges nothing): pishkhan's own migration hashes it all afresh, as
    /// chain.rs does. A read command will not do it.
    fn rebuilt(&self, name: &str, sql: &str) -> PathBuf {
        let path = tampered(
            &self.ledger("37-1234"),
            self.path(name),
            &format!(
                "{sql}
                 DELETE FROM proofs;
                 UPDATE receipts SET hash = NULL;
                 DROP TABLE chain;
                 UPDATE meta SET value = '2' WHERE key = 'schema_version';"
            ),
        );
        let r = self.audit(&path, &[]);
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("schema version 2"), "{}", r.stderr);
        let results = self.path("results.csv");
        fs::write(&results, "national_id,result\n0000000000,مردود\n").unwrap();
        let r = run(pishkhan()
            .args([
                "certify",
                "--date",
                "1402/10/28",
                "--office-code",
                "37-1234",
            ])
            .arg("--ledger")
            .arg(&path)
            .arg(&results));
        assert_eq!(r.code, 1, "{}", r.stderr);
        path
    }

    fn audit(&self, ledger: &std::path::Path, statements: &[PathBuf]) -> common::Run {
        let mut c = pishkhan();
        c.arg("audit").arg("--ledger").arg(ledger);
        if !statements.is_empty() {
            c.arg("--keys")
                .arg(self.path("registry.toml"))
                .arg("--statements");
            c.args(statements);
        }
        run(&mut c)
    }
}

#[test]
fn a_statement_holds_no_personal_data_and_an_unchanged_ledger_passes() {
    let p = Province::new();
    let text = fs::read_to_string(p.statement("37-1234")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "pishkhan-statement/1");
    assert_eq!(v["office"], "37-1234");
    assert_eq!(v["month"], "1402/10");
    assert_eq!(v["receipts"]["registration"], 13);
    // 13 registrations: 13 × 48,479 toman office, 7 × 60,000 + 6 × 90,000 toman TVTO.
    assert_eq!(v["office_total"], 13 * 484_790);
    assert_eq!(v["heads"][0]["number"], "1402-000013");
    let csv = fs::read_to_string(common::root().join("examples/applicants.csv")).unwrap();
    for row in csv.lines().skip(1).take(5) {
        let name = row.split(',').nth(1).unwrap();
        assert!(!text.contains(name), "a name in the statement: {name}");
    }
    assert!(!text.contains("9080590479") && !text.contains("۹۰۸۰۵۹۰۴۷۹"));
    let r = p.audit(&p.ledger("37-1234"), &[p.statement("37-1234")]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("statements: 1 signed"), "{}", r.stdout);
}

#[test]
fn removing_the_last_receipts_passes_audit_alone_but_not_the_statement() {
    let p = Province::new();
    // Delete receipt 1402-000013 and set the chain's head back: no hashing needed.
    let cut = tampered(
        &p.ledger("37-1234"),
        p.path("cut.sqlite"),
        "DELETE FROM receipt_lines WHERE receipt_id = (SELECT id FROM receipts WHERE seq = 13);
         DELETE FROM proofs WHERE receipt_id = (SELECT id FROM receipts WHERE seq = 13);
         DELETE FROM receipts WHERE seq = 13;
         UPDATE chain SET seq = 12, hash = (SELECT hash FROM receipts WHERE seq = 12);",
    );
    let r = p.audit(&cut, &[]);
    assert_eq!(r.code, 0, "the limit of audit alone: {}", r.stdout);
    assert!(r.stdout.contains("12 receipts"), "{}", r.stdout);
    let r = p.audit(&cut, &[p.statement("37-1234")]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("receipt 1402-000013, the chain's head at the end of 1402/10")
            && r.stdout.contains("is no longer in the ledger"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_chain_rebuilt_over_a_changed_ledger_passes_audit_alone_but_not_the_statement() {
    let p = Province::new();
    // Receipt 5 removed and the later ones renumbered.
    let rebuilt = p.rebuilt(
        "rebuilt.sqlite",
        "DELETE FROM receipt_lines WHERE receipt_id = (SELECT id FROM receipts WHERE seq = 5);
         DELETE FROM proofs WHERE receipt_id = (SELECT id FROM receipts WHERE seq = 5);
         DELETE FROM receipts WHERE seq = 5;
         UPDATE receipts SET seq = seq - 1 WHERE seq > 5;",
    );
    let r = p.audit(&rebuilt, &[]);
    assert_eq!(
        r.code, 0,
        "audit alone finds nothing: {}{}",
        r.stdout, r.stderr
    );
    // But it says, on every run, that a migration made the chain, over how much.
    assert!(
        r.stdout
            .contains("its hash chain was made by a migration (")
            && r.stdout.contains(": over 12 receipts)"),
        "{}",
        r.stdout
    );
    let r = p.audit(&rebuilt, &[p.statement("37-1234")]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("1402-000013") && r.stdout.contains("1402/10"),
        "names the month and the receipt: {}",
        r.stdout
    );
}

#[test]
fn an_amount_changed_and_the_chain_rebuilt_passes_audit_alone_but_not_the_statement() {
    let p = Province::new();
    // Receipt 1 (a 60,000-toman cluster) made a 90,000-toman one, line and totals
    // alike, as a receipt of that cluster is; then the chain rebuilt by pishkhan's
    // own migration, every hash recomputed as chain.rs does.
    let changed = p.rebuilt(
        "changed.sqlite",
        "CREATE TEMP TABLE big AS SELECT * FROM receipts WHERE tvto_total = 900000 LIMIT 1;
         UPDATE receipt_lines SET (code, name, unit, amount) =
           (SELECT l.code, l.name, l.unit, l.amount FROM receipt_lines l, big
             WHERE l.receipt_id = big.id AND l.kind = 'tvto')
         WHERE receipt_id = (SELECT id FROM receipts WHERE seq = 1) AND kind = 'tvto';
         UPDATE receipts SET (tvto_total, grand_total, cluster) =
           (SELECT tvto_total, grand_total, cluster FROM big)
         WHERE seq = 1;",
    );
    let r = p.audit(&changed, &[]);
    assert_eq!(r.code, 0, "audit alone: {}{}", r.stdout, r.stderr);
    let r = p.audit(&changed, &[p.statement("37-1234")]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("receipt 1402-000013, the chain's head at the end of 1402/10")
            && r.stdout.contains("has another hash now"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("totals: stated"), "{}", r.stdout);
}

#[test]
fn forged_foreign_duplicate_and_missing_statements_are_refused_and_named() {
    let p = Province::new();
    let text = fs::read_to_string(p.statement("37-1234")).unwrap();
    // An edited statement: one rial more.
    let edited = p.path("edited.json");
    fs::write(
        &edited,
        text.replacen("\"office_total\":6302270", "\"office_total\":6302280", 1),
    )
    .unwrap();
    assert_ne!(fs::read_to_string(&edited).unwrap(), text);
    let r = p.audit(&p.ledger("37-1234"), std::slice::from_ref(&edited));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("statement_signature"), "{}", r.stdout);
    // Signed with the other office's key: 37-5678's statement relabelled as 37-1234's
    // fails its signature; a registry that gives 37-1234's key to another office
    // refuses the genuine statement.
    let registry = fs::read_to_string(p.path("registry.toml")).unwrap();
    let swapped = p.path("swapped.toml");
    fs::write(
        &swapped,
        registry
            .replace("\"37-1234\"", "\"X\"")
            .replace("\"37-5678\"", "\"37-1234\"")
            .replace("\"X\"", "\"37-5678\""),
    )
    .unwrap();
    let r = run(pishkhan()
        .args(["audit", "--ledger"])
        .arg(p.ledger("37-1234"))
        .arg("--keys")
        .arg(&swapped)
        .arg("--statements")
        .arg(p.statement("37-1234")));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("office 37-5678's"), "{}", r.stdout);
    // The same statement twice.
    let again = p.path("again.json");
    fs::copy(p.statement("37-1234"), &again).unwrap();
    let r = p.audit(&p.ledger("37-1234"), &[p.statement("37-1234"), again]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("statement_duplicate"), "{}", r.stdout);
    // 1402/10 and 1402/12 but no 1402/11.
    let december = p.path("1402-12.json");
    let r = run(pishkhan()
        .args([
            "report", "--month", "1402/12", "--format", "csv", "--config",
        ])
        .arg(p.path("37-1234.toml"))
        .arg("--ledger")
        .arg(p.ledger("37-1234"))
        .arg("--statement")
        .arg(&december));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = p.audit(&p.ledger("37-1234"), &[p.statement("37-1234"), december]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("no statement for 1402/11"),
        "{}",
        r.stdout
    );

    // The province's report refuses them too, naming the file, and sums nothing.
    let r = run(pishkhan()
        .args([
            "report",
            "--month",
            "1402/10",
            "--format",
            "csv",
            "--statements",
        ])
        .arg(p.statement("37-5678"))
        .arg(&edited)
        .arg("--keys")
        .arg(p.path("registry.toml")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("edited.json") && r.stdout.is_empty(),
        "{}",
        r.stderr
    );
}

#[test]
fn the_report_from_statements_is_the_report_from_the_ledgers_to_the_rial() {
    let p = Province::new();
    for format in ["json", "csv"] {
        let from_ledgers = run(pishkhan()
            .args([
                "report", "--month", "1402/10", "--format", format, "--ledger",
            ])
            .arg(p.ledger("37-1234"))
            .arg("--ledger")
            .arg(p.ledger("37-5678")));
        assert_eq!(from_ledgers.code, 0, "{}", from_ledgers.stderr);
        let from_statements = run(pishkhan()
            .args([
                "report",
                "--month",
                "1402/10",
                "--format",
                format,
                "--statements",
            ])
            .arg(p.path("st"))
            .arg("--keys")
            .arg(p.path("registry.toml"))
            .args(["--ledger", "/nonexistent/no-ledger.sqlite"]));
        assert_eq!(from_statements.code, 0, "{}", from_statements.stderr);
        assert_eq!(from_statements.stdout, from_ledgers.stdout, "{format}");
        assert!(
            from_statements
                .stderr
                .contains("2 signed statement(s) of 1402/10")
        );
    }
}
