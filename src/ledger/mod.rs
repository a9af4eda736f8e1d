//! The ledger: an SQLite database, the system of record. Every charged line is a row;
//! receipts have unique, gap-free numbers per office and Jalali year, assigned in the
//! transaction that records them; a unique constraint makes a second charge for the
//! same applicant, exam stage and service impossible. Each receipt is its own
//! transaction, so a crash loses nothing committed and a re-run finds what is done.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::core::tariff::{Kind, QuoteLine};
use crate::docs::{Receipt, ReceiptKind};

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE applicants (
    national_id     TEXT PRIMARY KEY,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    father_name     TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    gender          TEXT NOT NULL,
    military_status TEXT NOT NULL,
    mobile          TEXT NOT NULL
);
CREATE TABLE receipts (
    id           INTEGER PRIMARY KEY,
    office_code  TEXT NOT NULL,
    year         INTEGER NOT NULL,          -- Jalali year of the service date
    seq          INTEGER NOT NULL,          -- 1, 2, … per office and year, no gaps
    number       TEXT NOT NULL,             -- 1402-000123
    kind         TEXT NOT NULL CHECK (kind IN ('registration', 'card', 'certificate')),
    national_id  TEXT NOT NULL REFERENCES applicants (national_id),
    program      TEXT NOT NULL,
    exam_stage   INTEGER NOT NULL,
    service_date TEXT NOT NULL,             -- Jalali YYYY/MM/DD
    service_iso  TEXT NOT NULL,             -- the same day, ISO 8601
    time         TEXT NOT NULL,             -- HH:MM, Iran time
    schedule_id  TEXT NOT NULL,
    office_total INTEGER NOT NULL,          -- rial
    tvto_total   INTEGER NOT NULL,          -- rial
    grand_total  INTEGER NOT NULL,          -- rial
    document     TEXT NOT NULL,             -- the printed receipt, JSON: reprints are identical
    UNIQUE (office_code, year, seq),          -- the number is year-seq: found through this
    UNIQUE (national_id, program, exam_stage, kind)
);
CREATE TABLE receipt_lines (
    receipt_id  INTEGER NOT NULL REFERENCES receipts (id),
    line_no     INTEGER NOT NULL,
    code        TEXT NOT NULL,
    name_fa     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit        INTEGER NOT NULL CHECK (unit >= 0),   -- rial
    amount      INTEGER NOT NULL CHECK (amount = unit * quantity),
    kind        TEXT NOT NULL CHECK (kind IN ('office', 'tvto')),
    schedule_id TEXT NOT NULL,
    PRIMARY KEY (receipt_id, line_no)
) WITHOUT ROWID;
CREATE INDEX receipts_by_date ON receipts (service_date);
-- The letter forbids collecting the certificate fee before a final pass: only a
-- certificate receipt may carry it, whatever code writes the ledger.
CREATE TRIGGER certificate_fee_only_on_certificates
BEFORE INSERT ON receipt_lines
WHEN NEW.code = 'certificate-fee'
 AND (SELECT kind FROM receipts WHERE id = NEW.receipt_id) <> 'certificate'
BEGIN
    SELECT RAISE(ABORT, 'the certificate fee may only be charged on a certificate receipt');
END;
"#;

pub struct Ledger {
    /// Copies the WAL into the database from a thread of its own (see
    /// [`Ledger::checkpoint_in_background`]). Declared first so it stops before
    /// `conn` closes: the last connection to close checkpoints what is left.
    checkpointer: Option<Checkpointer>,
    conn: Connection,
}

/// A thread that checkpoints the WAL while a batch writes, stopped when the ledger
/// is closed.
struct Checkpointer {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What recording a receipt did.
#[derive(Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded under this new number.
    New(String),
    /// Already in the ledger under this number: nothing charged again.
    Duplicate(String),
}

/// A receipt to record. Its number is assigned by the ledger.
pub struct NewReceipt<'a> {
    pub office_code: &'a str,
    pub program: &'a str,
    pub exam_stage: u32,
    pub schedule_id: &'a str,
    /// The applicant's record, written at registration; later stages leave it be.
    pub person: Option<Person<'a>>,
    /// The document as it will print, with an empty number.
    pub document: &'a Receipt,
}

/// What the ledger keeps of an applicant beyond the receipt.
pub struct Person<'a> {
    pub birth_date: &'a str,
    pub gender: &'a str,
    pub military_status: &'a str,
}

/// Charged lines added up for one office, day and priced line (amounts in rial).
#[derive(Debug, Clone)]
pub struct LineSum {
    pub office_code: String,
    pub date: String,
    pub code: String,
    pub name_fa: String,
    pub kind: String,
    pub unit: i64,
    pub schedule_id: String,
    pub quantity: i64,
    pub amount: i64,
}

/// One receipt of an applicant, for `status`.
#[derive(Debug, serde::Serialize)]
pub struct ReceiptSummary {
    pub number: String,
    pub kind: String,
    pub program: String,
    pub exam_stage: u32,
    pub date: String,
    pub time: String,
    /// rial
    pub office_total: i64,
    pub tvto_total: i64,
    pub grand_total: i64,
}

impl Ledger {
    /// Opens the ledger, creating it (and its schema) when it does not exist.
    pub fn open(path: &Path) -> Result<Ledger> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the ledger {}", path.display()))?;
        Self::setup(conn, path)
    }

    /// Opens an existing ledger read-only (for a dry run); `None` when there is none.
    pub fn open_read_only(path: &Path) -> Result<Option<Ledger>> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("cannot open the ledger {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(60))?;
        check_version(&conn, path)?;
        Ok(Some(Ledger {
            conn,
            checkpointer: None,
        }))
    }

    fn setup(conn: Connection, path: &Path) -> Result<Ledger> {
        // Another process may be writing: wait for it rather than fail.
        conn.busy_timeout(Duration::from_secs(60))?;
        // WAL: readers never block the writer; NORMAL: a commit is durable once the
        // process has handed it to the OS (a killed process loses nothing committed).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Each receipt is its own transaction; checkpointing every ~40 MB of WAL
        // instead of 4 MB copies each hot page to the database once, not ten times.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut ledger = Ledger {
            conn,
            checkpointer: None,
        };
        let tx = ledger
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'meta'",
            [],
            |r| r.get::<_, i64>(0),
        )? > 0;
        if !exists {
            tx.execute_batch(SCHEMA)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                [SCHEMA_VERSION.to_string()],
            )?;
        }
        tx.commit()?;
        check_version(&ledger.conn, path)?;
        Ok(ledger)
    }

    /// Starts checkpointing from a thread of its own, for a long batch of commits.
    ///
    /// Each commit appends the pages it changed to the WAL; a checkpoint copies them
    /// into the database and waits for the disk twice (fsync), which on the committing
    /// thread stalls the batch. Here a second connection does the copying and the
    /// waiting, while the batch's own automatic checkpoints find little left to do and
    /// let the WAL start over. Durability is unchanged: every commit is still its own
    /// transaction, synced as before.
    pub fn checkpoint_in_background(&mut self) -> Result<()> {
        if self.checkpointer.is_some() {
            return Ok(());
        }
        // The file as SQLite opened it; without one (a name that is not UTF-8), the
        // batch's own checkpoints do the work, only slower.
        let Some(path) = self.conn.path() else {
            return Ok(());
        };
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .with_context(|| format!("cannot open the ledger {path}"))?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                // PASSIVE: never waits for, nor blocks, the writer; busy means the
                // writer's own checkpoint is running, and the next round will do.
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        self.checkpointer = Some(Checkpointer {
            stop,
            thread: Some(thread),
        });
        Ok(())
    }

    /// The receipt already recorded for this applicant, exam stage and service.
    pub fn find(
        &self,
        national_id: &str,
        program: &str,
        exam_stage: u32,
        kind: ReceiptKind,
    ) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT number FROM receipts WHERE national_id = ?1 AND program = ?2 AND exam_stage = ?3 AND kind = ?4",
                params![national_id, program, exam_stage, kind_name(kind)],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records a receipt in one transaction: the applicant, the next number of the
    /// office's year, the receipt and its lines. An applicant already charged for this
    /// exam stage and service is a duplicate, and nothing is written.
    pub fn record(&mut self, r: &NewReceipt) -> Result<Recorded> {
        let doc = r.document;
        let a = &doc.applicant;
        let kind = kind_name(doc.kind);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Statements are cached on the connection: parsed once per run, not per row.
        let existing: Option<String> = tx
            .prepare_cached(
                "SELECT number FROM receipts WHERE national_id = ?1 AND program = ?2 AND exam_stage = ?3 AND kind = ?4",
            )?
            .query_row(params![a.national_id, r.program, r.exam_stage, kind], |row| row.get(0))
            .optional()?;
        if let Some(number) = existing {
            return Ok(Recorded::Duplicate(number));
        }
        if let Some(person) = &r.person {
            tx.prepare_cached(
            "INSERT INTO applicants (national_id, first_name, last_name, father_name, birth_date, gender, military_status, mobile)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (national_id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
               father_name = excluded.father_name, birth_date = excluded.birth_date, gender = excluded.gender,
               military_status = excluded.military_status, mobile = excluded.mobile",
            )?.execute(params![a.national_id, a.first_name, a.last_name, a.father_name, person.birth_date, person.gender, person.military_status, a.mobile],
        )?;
        }
        let year = doc.date.year();
        let seq: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM receipts WHERE office_code = ?1 AND year = ?2")?
            .query_row(params![r.office_code, year], |row| row.get(0))?;
        let number = format!("{year}-{seq:06}");
        let mut document = doc.clone();
        document.number = number.clone();
        tx.prepare_cached(
            "INSERT INTO receipts (office_code, year, seq, number, kind, national_id, program, exam_stage, service_date,
               service_iso, time, schedule_id, office_total, tvto_total, grand_total, document)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
                r.office_code,
                year,
                seq,
                number,
                kind,
                a.national_id,
                r.program,
                r.exam_stage,
                doc.date.to_string(),
                doc.date.iso_string(),
                doc.time,
                r.schedule_id,
                doc.office_total.rial(),
                doc.tvto_total.rial(),
                doc.grand_total.rial(),
                serde_json::to_string(&document)?,
            ])?;
        let id = tx.last_insert_rowid();
        for (i, l) in doc.lines.iter().enumerate() {
            insert_line(&tx, id, i, l, r.schedule_id)?;
        }
        tx.commit()?;
        Ok(Recorded::New(number))
    }

    /// The registration receipts of a program's stage, in number order.
    pub fn registrations(&self, program: &str, exam_stage: u32) -> Result<Vec<Receipt>> {
        let mut stmt = self.conn.prepare(
            "SELECT document FROM receipts WHERE kind = 'registration' AND program = ?1 AND exam_stage = ?2 ORDER BY id",
        )?;
        let docs = stmt.query_map(params![program, exam_stage], |r| r.get::<_, String>(0))?;
        docs.map(|d| Ok(serde_json::from_str(&d?)?)).collect()
    }

    /// An applicant's latest registration: program, exam stage and the receipt.
    pub fn registration_of(&self, national_id: &str) -> Result<Option<(String, u32, Receipt)>> {
        let row: Option<(String, u32, String)> = self
            .conn
            .query_row(
                "SELECT program, exam_stage, document FROM receipts
                 WHERE kind = 'registration' AND national_id = ?1 ORDER BY id DESC LIMIT 1",
                [national_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        row.map(|(p, s, d)| Ok((p, s, serde_json::from_str(&d)?)))
            .transpose()
    }

    /// Every receipt of an applicant, oldest first.
    pub fn receipts_of(&self, national_id: &str) -> Result<Vec<ReceiptSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT number, kind, program, exam_stage, service_date, time, office_total, tvto_total, grand_total
             FROM receipts WHERE national_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([national_id], |r| {
            Ok(ReceiptSummary {
                number: r.get(0)?,
                kind: r.get(1)?,
                program: r.get(2)?,
                exam_stage: r.get(3)?,
                date: r.get(4)?,
                time: r.get(5)?,
                office_total: r.get(6)?,
                tvto_total: r.get(7)?,
                grand_total: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The receipt as it was printed, for a reprint.
    pub fn document(&self, office_code: &str, number: &str) -> Result<Option<Receipt>> {
        // `1402-000123`: year and sequence, the receipts' unique key.
        let Some((year, seq)) = number
            .split_once('-')
            .and_then(|(y, s)| Some((y.parse::<i64>().ok()?, s.parse::<i64>().ok()?)))
        else {
            return Ok(None);
        };
        let json: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT document FROM receipts WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .query_row(params![office_code, year, seq], |r| r.get(0))
            .optional()?;
        json.map(|j| serde_json::from_str(&j).context("a receipt in the ledger cannot be read"))
            .transpose()
    }

    /// Totals over every receipt line, in rial, by kind: (office, tvto). For checks
    /// that the ledger reconciles with its receipts.
    pub fn totals(&self) -> Result<(i64, i64, i64)> {
        let lines: (i64, i64) = self.conn.query_row(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'office' THEN amount END), 0),
                    COALESCE(SUM(CASE WHEN kind = 'tvto' THEN amount END), 0) FROM receipt_lines",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let receipts: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(grand_total), 0) FROM receipts",
            [],
            |r| r.get(0),
        )?;
        Ok((lines.0, lines.1, receipts))
    }

    /// Charged lines of the period grouped by office, day and priced line: what the
    /// report adds up. Dates are Jalali `YYYY/MM/DD`, which sort as text.
    pub fn line_sums(&self, from: &str, to: &str) -> Result<Vec<LineSum>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.office_code, r.service_date, l.code, l.name_fa, l.kind, l.unit, l.schedule_id,
                    SUM(l.quantity), SUM(l.amount)
             FROM receipts r JOIN receipt_lines l ON l.receipt_id = r.id
             WHERE r.service_date BETWEEN ?1 AND ?2
             GROUP BY r.office_code, r.service_date, l.code, l.name_fa, l.kind, l.unit, l.schedule_id",
        )?;
        let rows = stmt.query_map([from, to], |r| {
            Ok(LineSum {
                office_code: r.get(0)?,
                date: r.get(1)?,
                code: r.get(2)?,
                name_fa: r.get(3)?,
                kind: r.get(4)?,
                unit: r.get(5)?,
                schedule_id: r.get(6)?,
                quantity: r.get(7)?,
                amount: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Receipts of the period by office and kind: (office, kind, count, grand total).
    pub fn receipt_sums(&self, from: &str, to: &str) -> Result<Vec<(String, String, i64, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT office_code, kind, COUNT(*), SUM(grand_total) FROM receipts
             WHERE service_date BETWEEN ?1 AND ?2 GROUP BY office_code, kind",
        )?;
        let rows = stmt.query_map([from, to], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every charged line of the period, for `report --export`.
    pub fn export_lines(
        &self,
        from: &str,
        to: &str,
        mut each: impl FnMut(&[String]) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT r.number, r.service_date, r.service_iso, r.office_code, r.national_id, r.kind, l.line_no, l.code,
                    l.name_fa, l.quantity, l.unit, l.amount, l.kind, l.schedule_id
             FROM receipts r JOIN receipt_lines l ON l.receipt_id = r.id
             WHERE r.service_date BETWEEN ?1 AND ?2 ORDER BY r.office_code, r.year, r.seq, l.line_no",
        )?;
        let mut rows = stmt.query([from, to])?;
        while let Some(r) = rows.next()? {
            let cells: Vec<String> = (0..14)
                .map(|i| match r.get_ref(i) {
                    Ok(rusqlite::types::ValueRef::Integer(n)) => n.to_string(),
                    Ok(rusqlite::types::ValueRef::Text(t)) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                    _ => String::new(),
                })
                .collect();
            each(&cells)?;
        }
        Ok(())
    }

    /// The raw connection, for reports and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn insert_line(
    tx: &rusqlite::Transaction,
    receipt: i64,
    i: usize,
    l: &QuoteLine,
    schedule: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO receipt_lines (receipt_id, line_no, code, name_fa, name_en, quantity, unit, amount, kind, schedule_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
            receipt,
            i as i64 + 1,
            l.code,
            l.name_fa,
            l.name_en,
            l.quantity as i64,
            l.unit.rial(),
            l.amount.rial(),
            match l.kind {
                Kind::Office => "office",
                Kind::Tvto => "tvto",
            },
            schedule
        ])?;
    Ok(())
}

fn kind_name(kind: ReceiptKind) -> &'static str {
    match kind {
        ReceiptKind::Registration => "registration",
        ReceiptKind::Card => "card",
        ReceiptKind::Certificate => "certificate",
    }
}

fn check_version(conn: &Connection, path: &Path) -> Result<()> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .with_context(|| format!("{} is not a pishkhan ledger", path.display()))?;
    match v.and_then(|v| v.parse::<i64>().ok()) {
        Some(SCHEMA_VERSION) => Ok(()),
        Some(v) => bail!(
            "the ledger {} has schema version {v}; this pishkhan reads version {SCHEMA_VERSION}",
            path.display()
        ),
        None => bail!("{} is not a pishkhan ledger", path.display()),
    }
}
