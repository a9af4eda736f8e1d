//! The ledger: an SQLite database, the system of record. Every charged line is a row;
//! receipts have unique, gap-free numbers per office and Jalali year, assigned in the
//! transaction that records them; a unique constraint makes a second charge for the
//! same applicant, exam stage and step impossible. A receipt keeps what it printed
//! (the applicant's details then, the exam's time and venue), and what many receipts
//! print alike (the office's identity, the exam, the tariff's approvals) is stored
//! once in `parts`, so a reprint is identical and a receipt costs little to record.
//!
//! The desk records through [`Book`] in transactions of many receipts; a commit is on
//! the disk (`synchronous = FULL`) before the desk reports any of its rows.
//!
//! A ledger belongs to one office and says who it is in `meta` ([`Identity`]); a file
//! that is not such a ledger is never written to. Each receipt carries its place in a
//! hash chain ([`chain`]), whose head per office and year decides the next number;
//! [`Ledger::verify`] walks the whole ledger in one pass and checks it.

pub mod chain;
mod journal;
mod migrate;
mod schema;
mod verify;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, Unit};
use crate::core::office::Office;
use crate::core::tariff::{Approval, Kind, QuoteLine, Stage};
use crate::desk::book::{Book, Registration, Registry};
use crate::desk::charge::{Applicant, Charge, Exam, Found, Key, Receipt, Recorded};
use chain::Hash;

pub use schema::SCHEMA_VERSION;
pub use verify::{Head, Verified};

pub struct Ledger {
    /// Copies the WAL into the database from a thread of its own (see
    /// [`Ledger::checkpoint_in_background`]). Declared first so it stops before
    /// `conn` closes: the last connection to close checkpoints what is left.
    checkpointer: Option<Checkpointer>,
    conn: Connection,
    /// The private copy a read-only ledger with a WAL is read from, removed after
    /// `conn` closes (see [`private_copy`]).
    _copy: Option<tempfile::TempDir>,
    /// Ids of parts this connection has stored or read, by content. Cleared on a
    /// rollback, which may take back a part stored in it.
    stored: PartIds,
    /// Parts read back for documents, by id.
    read: RefCell<PartsRead>,
    /// The chain head (last number and hash) of each office and year, inside the
    /// open transaction (which holds the write lock, so no one else takes one);
    /// written to `chain` at the commit.
    heads: HashMap<(Arc<str>, i32), (i64, Hash)>,
    /// The last service date written, as text.
    date: Option<(JalaliDate, Arc<str>)>,
    /// Whether the ledger has the `proofs` table (signed proof lines), which a
    /// ledger gains with its first signed receipt.
    has_proofs: std::cell::Cell<bool>,
}

#[derive(Default)]
struct PartIds {
    office: Vec<(Arc<Office>, Part)>,
    exam: Vec<(ExamPart, Part)>,
    approvals: Vec<(Arc<[Approval]>, Part)>,
    line: Vec<((String, String), Part)>,
}

/// A stored part: its id, and the digest of its body, which the chain covers.
#[derive(Clone)]
struct Part {
    id: i64,
    digest: Hash,
}

#[derive(Default)]
struct PartsRead {
    office: HashMap<i64, Arc<Office>>,
    exam: HashMap<i64, ExamPart>,
    approvals: HashMap<i64, Arc<[Approval]>>,
    line: HashMap<i64, LineNames>,
}

/// A service line's names, as receipts print them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct LineNames {
    name_fa: String,
    name_en: String,
}

/// The exam as many receipts print it; the time and venue are each receipt's own.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct ExamPart {
    program: Arc<str>,
    stage: Arc<str>,
    written_exam: JalaliDate,
}

/// Each connection is used by one thread at a time (rusqlite's `Connection` is not
/// `Sync`), so SQLite need not lock a mutex on every call: with it, reading a ledger
/// whole spent an eighth of its time there.
const READ_WRITE: OpenFlags =
    OpenFlags::SQLITE_OPEN_READ_WRITE.union(OpenFlags::SQLITE_OPEN_NO_MUTEX);
const READ_ONLY: OpenFlags =
    OpenFlags::SQLITE_OPEN_READ_ONLY.union(OpenFlags::SQLITE_OPEN_NO_MUTEX);

/// Pages of WAL that wake the background checkpointer (about 16 MB).
const CHECKPOINT_PAGES: i32 = 4_000;

/// A thread that checkpoints the WAL while a batch writes, stopped when the ledger
/// is closed.
struct Checkpointer {
    stop: std::sync::mpsc::SyncSender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let _ = self.stop.send(false);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One receipt of an applicant, for `status`.
#[derive(Debug, Clone)]
pub struct ReceiptSummary {
    pub number: String,
    pub kind: Stage,
    pub program: String,
    pub exam_stage: u32,
    pub date: JalaliDate,
    pub time: String,
    pub office_total: Money,
    pub tvto_total: Money,
    pub grand_total: Money,
    /// The mobile the receipt was made out with.
    pub mobile: String,
}

impl Ledger {
    /// Opens the ledger of office `office_code` for writing, creating it when no file
    /// is there and bringing an older schema up to date. A file that is empty, not a
    /// pishkhan ledger, damaged, or another office's ledger is refused and left as it
    /// is.
    pub fn open(path: &Path, office_code: &str) -> Result<Ledger> {
        // What a run killed while making a ledger left beside it.
        crate::files::remove_stale_temps(&crate::files::dir_of(path));
        if !path.exists() {
            create(path, office_code)
                .with_context(|| format!("cannot create the ledger {}", path.display()))?;
        }
        let conn = Connection::open_with_flags(path, READ_WRITE)
            .with_context(|| format!("cannot open the ledger {}", path.display()))?;
        // Another process may be writing: wait for it rather than fail.
        conn.busy_timeout(Duration::from_secs(60))?;
        // Before anything writes to it (setting WAL mode would).
        refuse_if_foreign(&conn, path)?;
        let damage: String = conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(|e| damaged(path, &e.to_string()))?;
        if damage != "ok" {
            return Err(damaged(path, &damage));
        }
        // WAL: readers never block the writer. FULL: a commit is on the disk before
        // it returns, so nothing reported can be lost, even to a power cut; the desk
        // commits a group of rows at a time, so this is one wait per group.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Checkpointing every ~40 MB of WAL instead of 4 MB copies each hot page to
        // the database once, not ten times.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        conn.pragma_update(None, "cache_size", -8192)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        migrate::migrate(&conn, path)?;
        bind_office(&conn, path, office_code)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Ledger::over(conn))
    }

    /// Opens an existing ledger for reading; `None` when there is none. Reading never
    /// changes a ledger in any way: no WAL switch, no migration, no checkpoint, and
    /// it works where the ledger cannot be written (a read-only mount, a directory
    /// the user cannot write, a copy on a CD). A ledger of an older schema is refused,
    /// saying that a write command brings it up to date.
    pub fn open_read_only(path: &Path) -> Result<Option<Ledger>> {
        if !path.exists() {
            return Ok(None);
        }
        let (conn, copy) = read_connection(path)?;
        refuse_if_foreign(&conn, path)?;
        match schema::version(&conn, path)? {
            SCHEMA_VERSION => Ok(Some(Ledger {
                _copy: copy,
                ..Ledger::over(conn)
            })),
            old => bail!(
                "the ledger {} has schema version {old}, older than this pishkhan's {SCHEMA_VERSION}; reading never changes a ledger, so it was left as it is: run a command that records (register, card or certify) on it once, where it can be written, to bring it up to date / دفتر نسخهٔ قدیمی دارد و دست نخورد: یک بار با فرمان ثبت به‌روز می‌شود",
                path.display()
            ),
        }
    }

    /// Brings the ledger at `path`, if there is one, to this pishkhan's schema, for a
    /// command that records. A file that is not a pishkhan ledger is left as it is.
    pub fn bring_up_to_date(path: &Path) -> Result<()> {
        if !path.exists() {
            return Ok(());
        }
        let conn = Connection::open_with_flags(path, READ_WRITE)
            .with_context(|| format!("cannot open the ledger {} for writing", path.display()))?;
        conn.busy_timeout(Duration::from_secs(60))?;
        refuse_if_foreign(&conn, path)?;
        if schema::version(&conn, path)? == SCHEMA_VERSION {
            return Ok(());
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate::migrate(&conn, path)
    }

    /// Who the ledger is: its id, office, creation time and schema version.
    pub fn identity(&self) -> Result<Identity> {
        let get = |key: &str| -> Result<Option<String>> {
            Ok(self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?)
        };
        Ok(Identity {
            ledger_id: get("ledger_id")?.unwrap_or_default(),
            office_code: get("office_code")?,
            created_at: get("created_at")?.unwrap_or_default(),
            schema_version: get("schema_version")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            chain_made_by_migration: get("chain_made_by_migration")?,
        })
    }

    fn over(conn: Connection) -> Ledger {
        let has_proofs = has_table(&conn, "proofs").unwrap_or(false);
        Ledger {
            checkpointer: None,
            conn,
            _copy: None,
            stored: PartIds::default(),
            read: RefCell::new(PartsRead::default()),
            heads: HashMap::new(),
            date: None,
            has_proofs: std::cell::Cell::new(has_proofs),
        }
    }

    /// Checkpoints from a thread of its own, for a long batch of commits.
    ///
    /// Each commit appends the pages it changed to the WAL; a checkpoint copies them
    /// into the database and waits for the disk, which on the committing thread
    /// stalls the batch. Here, once the WAL holds [`CHECKPOINT_PAGES`] pages, a commit
    /// wakes a second connection to copy them while the batch goes on. Durability is
    /// unchanged: every commit is in the WAL, on the disk, before it returns.
    pub fn checkpoint_in_background(&mut self) -> Result<()> {
        if self.checkpointer.is_some() {
            return Ok(());
        }
        // The file as SQLite opened it; without one (a name that is not UTF-8), the
        // batch's own automatic checkpoints do the work, only slower.
        let Some(path) = self.conn.path() else {
            return Ok(());
        };
        let conn = Connection::open_with_flags(path, READ_WRITE)
            .with_context(|| format!("cannot open the ledger {path}"))?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<bool>(1);
        let thread = std::thread::spawn(move || {
            // true: checkpoint; false: the batch is over. PASSIVE never waits for,
            // nor blocks, the writer.
            while let Ok(true) = woken.recv() {
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        });
        let hook = wake.clone();
        // This replaces SQLite's own automatic checkpoint on this connection.
        self.conn
            .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
                if pages >= CHECKPOINT_PAGES {
                    // Already awake: this commit's pages go with the running checkpoint's
                    // next round.
                    let _ = hook.try_send(true);
                }
                if pages >= 4 * CHECKPOINT_PAGES {
                    // The other thread has fallen far behind: help it here (PASSIVE).
                    // Whatever this
                    // checkpoint meets (the other one running: busy), the commit that
                    // called the hook has succeeded, and an error here would say it had not.
                    let _ = wal.checkpoint();
                }
                Ok(())
            }))?;
        self.checkpointer = Some(Checkpointer {
            stop: wake,
            thread: Some(thread),
        });
        Ok(())
    }

    /// From now on, every read sees one state of the ledger, whatever commits in
    /// between: a read transaction, ended when the ledger is closed. For a report
    /// whose sums must agree with each other while a batch records.
    pub fn snapshot(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN")?;
        Ok(())
    }

    /// Receipt `number`'s full chain hash (64 hex digits), as recorded; `None` when
    /// there is no such receipt, or it has no hash.
    pub fn hash_of(&self, office_code: &str, number: &str) -> Result<Option<String>> {
        let Some((year, seq)) = year_seq(number) else {
            return Ok(None);
        };
        let hash: Option<Option<Vec<u8>>> = self
            .conn
            .prepare_cached(
                "SELECT hash FROM receipts WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .query_row(params![office_code, year, seq], |r| r.get(0))
            .optional()?;
        Ok(hash.flatten().map(|h| chain::hex(&h)))
    }

    /// What receipt `number` of `office_code` can prove, as recorded: its date, totals
    /// and the start of its chain hash (empty when the receipt has none).
    pub fn proof(
        &self,
        office_code: &str,
        number: &str,
    ) -> Result<Option<crate::desk::proof::Proof>> {
        use crate::desk::proof::Proof;
        let Some((year, seq)) = year_seq(number) else {
            return Ok(None);
        };
        let row = self
            .conn
            .prepare_cached(
                "SELECT service_date, office_total, tvto_total, hash FROM receipts
                 WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .query_row(params![office_code, year, seq], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                ))
            })
            .optional()?;
        let Some((date, office, tvto, hash)) = row else {
            return Ok(None);
        };
        Ok(Some(Proof {
            office: office_code.to_string(),
            number: format!("{year}-{seq:06}"),
            date: JalaliDate::parse(&date)
                .map_err(|e| anyhow::anyhow!("receipt {number}: {}", e.message_en()))?,
            office_total: Money::from_rial(office)?,
            tvto_total: Money::from_rial(tvto)?,
            hash_prefix: hash_prefix(&hash.unwrap_or_default()),
        }))
    }

    /// The office this ledger belongs to; for a ledger older than that record, the
    /// offices it holds receipts of.
    pub fn offices(&self) -> Result<Vec<String>> {
        if let Some(code) = self.identity()?.office_code {
            return Ok(vec![code]);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT office_code FROM receipts ORDER BY office_code")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The office's identity as its latest receipt printed it.
    pub fn letterhead(&self, office_code: &str) -> Result<Option<Office>> {
        let part: Option<i64> = self
            .conn
            .query_row(
                "SELECT office FROM receipts WHERE office_code = ?1 ORDER BY id DESC LIMIT 1",
                [office_code],
                |r| r.get(0),
            )
            .optional()?;
        part.map(|id| Ok(Office::clone(&*self.office_part(id)?)))
            .transpose()
    }

    /// The national IDs registered for a program's stage, in the order registered.
    pub fn registered(&self, program: &str, exam_stage: u32) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT national_id FROM receipts WHERE kind = 'registration' AND program = ?1 AND exam_stage = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![program, exam_stage], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every receipt of an applicant, oldest first.
    pub fn receipts_of(&self, national_id: &str) -> Result<Vec<ReceiptSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT number, kind, program, exam_stage, service_date, time, office_total, tvto_total, grand_total, mobile
             FROM receipts WHERE national_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([national_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(ReceiptSummary {
                number: r.get(0)?,
                kind: stage(&r.get::<_, String>(1)?)?,
                program: r.get(2)?,
                exam_stage: r.get(3)?,
                date: date(&r.get::<_, String>(4)?)?,
                time: r.get(5)?,
                office_total: money(r.get(6)?)?,
                tvto_total: money(r.get(7)?)?,
                grand_total: money(r.get(8)?)?,
                mobile: r.get(9)?,
            });
        }
        Ok(out)
    }

    /// The signed proof line kept with receipt `id`, if it was signed.
    fn signed_line(&self, id: i64) -> Result<Option<String>> {
        if !self.has_proofs.get() {
            return Ok(None);
        }
        Ok(self
            .conn
            .prepare_cached("SELECT line FROM proofs WHERE receipt_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// A receipt by its row id, as it printed.
    fn document_at(&self, id: i64) -> Result<Receipt> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, number, service_date, time, first_name, last_name, father_name, national_id, mobile,
                    trade, cluster, exam_time, venue, currency, office_total, tvto_total, grand_total,
                    office, exam, approvals, schedule_id, hash
             FROM receipts WHERE id = ?1",
        )?;
        let (receipt, parts, (schedule_id, hash)) = stmt.query_row([id], |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    Applicant {
                        first_name: r.get(4)?,
                        last_name: r.get(5)?,
                        father_name: r.get(6)?,
                        national_id: r.get(7)?,
                        mobile: r.get(8)?,
                        trade: r.get(9)?,
                        cluster: r.get(10)?,
                    },
                    (
                        r.get::<_, Option<String>>(11)?,
                        r.get::<_, Option<String>>(12)?,
                    ),
                    r.get::<_, String>(13)?,
                    [r.get::<_, i64>(14)?, r.get(15)?, r.get(16)?],
                ),
                [r.get::<_, i64>(17)?, r.get(18)?, r.get(19)?],
                (r.get::<_, String>(20)?, r.get::<_, Option<Vec<u8>>>(21)?),
            ))
        })?;
        let (kind, number, service_date, time, applicant, (exam_time, venue), currency, totals) =
            receipt;
        let kind = stage(&kind)?;
        let exam = self.exam_part(parts[1])?;
        let mut lines = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT row, code, name, quantity, unit, amount, kind
             FROM receipt_lines WHERE receipt_id = ?1 ORDER BY line_no",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            let names = self.line_part(r.get(2)?)?;
            lines.push(QuoteLine {
                row: r.get(0)?,
                code: r.get(1)?,
                name_fa: names.name_fa,
                name_en: names.name_en,
                stage: kind,
                quantity: r.get::<_, i64>(3)? as u64,
                unit: money(r.get(4)?)?,
                amount: money(r.get(5)?)?,
                kind: line_kind(&r.get::<_, String>(6)?)?,
            });
        }
        Ok(Receipt {
            kind,
            office: self.office_part(parts[0])?,
            number,
            date: date(&service_date)?,
            time: Arc::from(time),
            applicant,
            exam: Exam {
                program: exam.program,
                stage: exam.stage,
                written_exam: exam.written_exam,
                time: exam_time,
                venue,
            },
            lines: lines.into(),
            office_total: money(totals[0])?,
            tvto_total: money(totals[1])?,
            grand_total: money(totals[2])?,
            unit: match currency.as_str() {
                "rial" => Unit::Rial,
                _ => Unit::Toman,
            },
            approvals: self.approvals_part(parts[2])?,
            schedule_id: Arc::from(schedule_id),
            hash: hash_prefix(&hash.unwrap_or_default()),
            signed: self.signed_line(id)?,
        })
    }

    fn part_body(&self, id: i64, kind: &str) -> Result<String> {
        self.conn
            .prepare_cached("SELECT body FROM parts WHERE id = ?1 AND kind = ?2")?
            .query_row(params![id, kind], |r| r.get(0))
            .optional()?
            .ok_or_else(|| anyhow!("the ledger has lost part {id} ({kind}) of a receipt"))
    }

    /// A part read back, from this connection's memo or from the ledger.
    fn read_part<T: serde::de::DeserializeOwned + Clone>(
        &self,
        id: i64,
        kind: &str,
        slot: fn(&mut PartsRead) -> &mut HashMap<i64, T>,
    ) -> Result<T> {
        if let Some(v) = slot(&mut self.read.borrow_mut()).get(&id) {
            return Ok(v.clone());
        }
        let v: T = serde_json::from_str(&self.part_body(id, kind)?)?;
        slot(&mut self.read.borrow_mut()).insert(id, v.clone());
        Ok(v)
    }

    fn office_part(&self, id: i64) -> Result<Arc<Office>> {
        self.read_part(id, "office", |r| &mut r.office)
    }

    fn exam_part(&self, id: i64) -> Result<ExamPart> {
        self.read_part(id, "exam", |r| &mut r.exam)
    }

    fn approvals_part(&self, id: i64) -> Result<Arc<[Approval]>> {
        self.read_part(id, "approvals", |r| &mut r.approvals)
    }

    fn line_part(&self, id: i64) -> Result<LineNames> {
        self.read_part(id, "line", |r| &mut r.line)
    }

    /// The part of a line's names, stored now if they are new. Not through
    /// `stored_part`: that would copy two names for every line to compare them.
    fn line_names(&mut self, l: &QuoteLine) -> Result<Part> {
        if let Some((_, part)) = self
            .stored
            .line
            .iter()
            .find(|((fa, en), _)| *fa == l.name_fa && *en == l.name_en)
        {
            return Ok(part.clone());
        }
        let names = LineNames {
            name_fa: l.name_fa.clone(),
            name_en: l.name_en.clone(),
        };
        let part = store_part(&self.conn, "line", &serde_json::to_string(&names)?)?;
        self.stored
            .line
            .push(((names.name_fa, names.name_en), part.clone()));
        Ok(part)
    }

    /// The parts a receipt prints: office, exam, approvals.
    fn parts_of(&mut self, r: &Receipt) -> Result<[Part; 3]> {
        let exam = ExamPart {
            program: r.exam.program.clone(),
            stage: r.exam.stage.clone(),
            written_exam: r.exam.written_exam,
        };
        let (conn, memo) = (&self.conn, &mut self.stored);
        Ok([
            stored_part(conn, &mut memo.office, "office", &r.office)?,
            stored_part(conn, &mut memo.exam, "exam", &exam)?,
            stored_part(conn, &mut memo.approvals, "approvals", &r.approvals)?,
        ])
    }

    /// A service date as stored (`YYYY/MM/DD`), made once per date: a batch's
    /// receipts share theirs.
    fn date_text(&mut self, d: JalaliDate) -> Arc<str> {
        match &self.date {
            Some((day, text)) if *day == d => text.clone(),
            _ => {
                let text: Arc<str> = Arc::from(d.to_string());
                self.date = Some((d, text.clone()));
                text
            }
        }
    }

    /// The chain head of an office and year: the last number issued and its hash.
    /// A number is never issued twice: the head counts what was issued even when a
    /// receipt has since been removed, and the receipts count when the head is lost.
    fn head(&self, office_code: &str, year: i32) -> Result<(i64, Hash)> {
        let head: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM chain WHERE office_code = ?1 AND year = ?2")?
            .query_row(params![office_code, year], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let max: i64 = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(MAX(seq), 0) FROM receipts WHERE office_code = ?1 AND year = ?2",
            )?
            .query_row(params![office_code, year], |r| r.get(0))?;
        Ok(match head {
            Some((seq, hash)) => (
                seq.max(max),
                hash.try_into()
                    .unwrap_or_else(|_| chain::genesis(office_code, year as i64)),
            ),
            None => (max, chain::genesis(office_code, year as i64)),
        })
    }

    /// The raw connection, for tests and inspection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// The part with this content, stored now if it is new.
fn store_part(conn: &Connection, kind: &str, body: &str) -> Result<Part> {
    conn.prepare_cached("INSERT INTO parts (kind, body) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
        .execute(params![kind, body])?;
    Ok(Part {
        id: conn
            .prepare_cached("SELECT id FROM parts WHERE kind = ?1 AND body = ?2")?
            .query_row(params![kind, body], |r| r.get(0))?,
        digest: chain::part_digest(body),
    })
}

/// A part, from the connection's memo (a batch's receipts share their parts;
/// `Arc`s compare by address first) or stored now.
fn stored_part<T: PartialEq + Clone + serde::Serialize>(
    conn: &Connection,
    memo: &mut Vec<(T, Part)>,
    kind: &str,
    value: &T,
) -> Result<Part> {
    if let Some((_, part)) = memo.iter().find(|(v, _)| v == value) {
        return Ok(part.clone());
    }
    let part = store_part(conn, kind, &serde_json::to_string(value)?)?;
    memo.push((value.clone(), part.clone()));
    Ok(part)
}

/// Makes a new ledger under a temporary name beside `path`, then puts it in place
/// whole: a run killed while making it leaves no half-made ledger, only a temporary
/// file that the next run removes.
fn create(path: &Path, office_code: &str) -> Result<()> {
    let dir = crate::files::dir_of(path);
    let tmp = crate::files::temp_name(&dir);
    let made = (|| -> Result<()> {
        let conn = Connection::open(&tmp)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate::create(&conn, office_code)?;
        // Closing the only connection copies the WAL in and removes it.
        conn.close().map_err(|(_, e)| e)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        // A link never replaces: if another run made the ledger meanwhile, theirs stays.
        match std::fs::hard_link(&tmp, path) {
            // A file system without links: a rename, which could only replace a
            // ledger made in the same instant.
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists && !path.exists() => {
                std::fs::rename(&tmp, path)?
            }
            _ => {}
        }
        crate::files::sync_dir(&dir)?;
        Ok(())
    })();
    let _ = std::fs::remove_file(&tmp);
    made
}

/// A connection that only reads `path`, and leaves it as it was found.
///
/// Where the ledger and its directory can be written, the connection is a
/// read-write one that only queries (`query_only`): SQLite then removes the WAL
/// files it made when it closes, which a read-only connection cannot. A WAL already
/// there (a batch running, or one killed) is left as found: no checkpoint on close.
/// Where they cannot be written, a ledger without a WAL is opened immutable (no
/// lock files to create); one with a WAL is read as SQLite allows, else from a
/// private copy of both files.
fn read_connection(path: &Path) -> Result<(Connection, Option<tempfile::TempDir>)> {
    use rusqlite::config::DbConfig;
    let cannot = |e: rusqlite::Error| anyhow!("cannot open the ledger {}: {e}", path.display());
    let wal = companion(path, "-wal");
    let wal_in_use = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let mut copy = None;
    let conn = if writable(path) && writable(&crate::files::dir_of(path)) {
        let conn = Connection::open_with_flags(path, READ_WRITE).map_err(cannot)?;
        if wal_in_use {
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        }
        conn.pragma_update(None, "query_only", true)?;
        conn
    } else if !wal.exists() {
        Connection::open_with_flags(
            uri(path, "immutable=1")?,
            READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(cannot)?
    } else {
        let plain = Connection::open_with_flags(path, READ_ONLY).and_then(|c| {
            c.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))
                .map(|()| c)
        });
        match plain {
            Ok(c) => c,
            Err(_) => {
                let (c, dir) = private_copy(path)?;
                copy = Some(dir);
                c
            }
        }
    };
    conn.busy_timeout(Duration::from_secs(60))?;
    Ok((conn, copy))
}

/// `path` with `suffix` appended (`pishkhan.sqlite-wal`).
fn companion(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// Whether this process may write `path` (permissions, a read-only mount, an
/// immutable file or directory all say no).
fn writable(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok()
}

/// A `file:` URI of `path` with `query`, its special characters escaped.
fn uri(path: &Path, query: &str) -> Result<String> {
    let abs = std::path::absolute(path)?;
    let mut out = String::from("file:");
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.push('?');
    out.push_str(query);
    Ok(out)
}

/// A read-only ledger with a WAL that SQLite cannot read in place: the ledger and
/// its WAL copied into a private directory, read there, removed with the ledger.
fn private_copy(path: &Path) -> Result<(Connection, tempfile::TempDir)> {
    let dir = tempfile::tempdir().context("cannot make a private copy of a read-only ledger")?;
    let copy = dir.path().join("ledger.sqlite");
    std::fs::copy(path, &copy)
        .with_context(|| format!("cannot read the ledger {}", path.display()))?;
    std::fs::copy(companion(path, "-wal"), companion(&copy, "-wal"))
        .with_context(|| format!("cannot read the ledger's WAL beside {}", path.display()))?;
    let conn = Connection::open_with_flags(&copy, READ_WRITE)?;
    conn.pragma_update(None, "query_only", true)?;
    // Reading the schema reads the WAL into the connection's index.
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))?;
    Ok((conn, dir))
}

/// Refuses a file that is not a pishkhan ledger (empty, not SQLite, or another
/// program's database) before anything is written to it.
fn refuse_if_foreign(conn: &Connection, path: &Path) -> Result<()> {
    let not_ours = |why: &str| {
        anyhow!(
            "{} is not a pishkhan ledger ({why}); it was left as it is: give the path of the office's ledger, or a path where no file exists for a new one / این فایل دفتر پیشخوان نیست و دست نخورد",
            path.display()
        )
    };
    if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(not_ours("the file is empty"));
    }
    if !has_table(conn, "meta").map_err(|e| not_ours(&e.to_string()))? {
        return Err(not_ours("it has no pishkhan tables"));
    }
    let version = schema::version(conn, path).map_err(|e| not_ours(&format!("{e:#}")))?;
    // Every version has receipts and their lines; version 2 adds parts, 3 the chain.
    let needed: &[&str] = match version {
        1 => &["receipts", "receipt_lines"],
        2 => &["receipts", "receipt_lines", "parts"],
        _ => &["receipts", "receipt_lines", "parts", "chain"],
    };
    for table in needed {
        if !has_table(conn, table).map_err(|e| not_ours(&e.to_string()))? {
            return Err(not_ours(&format!(
                "it has no `{table}` table, which a version {version} ledger has"
            )));
        }
    }
    Ok(())
}

/// Whether the database has a table of this name.
fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

fn damaged(path: &Path, what: &str) -> anyhow::Error {
    anyhow!(
        "the ledger {} is damaged ({what}); nothing was written to it. Restore it from a backup, and run `pishkhan audit` on it / دفتر آسیب دیده است و چیزی در آن ثبت نشد",
        path.display()
    )
}

/// Binds a ledger to its office on first use, and refuses any other office.
fn bind_office(conn: &Connection, path: &Path, office_code: &str) -> Result<()> {
    let bound: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'office_code'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match bound {
        Some(c) if c == office_code => Ok(()),
        // Stored by an earlier pishkhan in another spelling (Persian digits, a space):
        // the chain and the numbers are under that spelling, which cannot be
        // rewritten without rewriting every hash, nor continued under today's.
        Some(c) if crate::core::office::normalize_code(&c).is_ok_and(|n| n == office_code) => {
            bail!(
                "the ledger {} keeps office {office_code}'s receipts under the code \"{c}\", stored before office codes had one spelling: it can still be read (audit, report, verify, status, --reprint) but not recorded in; record new receipts in a new ledger (--ledger NEW.sqlite) / کد دفتر در این دفتر به نگارش قدیمی ثبت شده است: برای ثبت تازه دفتر جدیدی بسازید",
                path.display()
            )
        }
        Some(c) => bail!(
            "the ledger {} belongs to office {c}, not {office_code}: each office keeps a ledger of its own (give another --ledger) / این دفتر از آنِ دفتر {c} است",
            path.display()
        ),
        None => {
            let others: Vec<String> = conn
                .prepare("SELECT DISTINCT office_code FROM receipts WHERE office_code <> ?1")?
                .query_map([office_code], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if !others.is_empty() {
                bail!(
                    "the ledger {} holds receipts of office {}: each office keeps a ledger of its own (give another --ledger)",
                    path.display(),
                    others.join(", ")
                );
            }
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('office_code', ?1) ON CONFLICT DO NOTHING",
                [office_code],
            )?;
            Ok(())
        }
    }
}

/// Who a ledger is, from its `meta`.
#[derive(Clone, Debug)]
pub struct Identity {
    /// 32 hex digits, random, given when the ledger was made (or brought to version 3).
    pub ledger_id: String,
    pub office_code: Option<String>,
    /// Jalali date and time in Iran.
    pub created_at: String,
    pub schema_version: i64,
    /// When a migration made the hash chain over receipts already recorded, and
    /// over how many (each time, `; `-separated).
    pub chain_made_by_migration: Option<String>,
}

impl Registry for Ledger {
    fn find(&self, key: Key) -> Result<Option<Found>> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            i64,
            i64,
            i64,
        );
        let row: Option<Row> = self
            .conn
            .prepare_cached(
                "SELECT number, first_name, last_name, father_name, birth_date, office_total, tvto_total, grand_total
                 FROM receipts WHERE national_id = ?1 AND program = ?2 AND exam_stage = ?3 AND kind = ?4",
            )?
            .query_row(
                params![key.national_id, key.program, key.exam_stage, key.kind.as_str()],
                |r| {
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
                },
            )
            .optional()?;
        let Some((number, first_name, last_name, father_name, birth, office, tvto, grand)) = row
        else {
            return Ok(None);
        };
        let money =
            |rial: i64| Money::from_rial(rial).map_err(|e| anyhow!("receipt {number}: {e}"));
        Ok(Some(Found {
            birth_date: birth.as_deref().and_then(|d| JalaliDate::parse(d).ok()),
            office_total: money(office)?,
            tvto_total: money(tvto)?,
            grand_total: money(grand)?,
            first_name,
            last_name,
            father_name,
            number,
        }))
    }

    fn document(&self, office_code: &str, number: &str) -> Result<Option<Receipt>> {
        // `1402-000123`: year and sequence, the receipts' unique key with the office.
        let Some((year, seq)) = year_seq(number) else {
            return Ok(None);
        };
        let id: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM receipts WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .query_row(params![office_code, year, seq], |r| r.get(0))
            .optional()?;
        id.map(|id| self.document_at(id)).transpose()
    }

    fn registration(
        &self,
        national_id: &str,
        at: Option<(&str, u32)>,
    ) -> Result<Option<Registration>> {
        let row: Option<(i64, String, u32)> = match at {
            Some((program, exam_stage)) => self
                .conn
                .prepare_cached(
                    "SELECT id, program, exam_stage FROM receipts
                     WHERE kind = 'registration' AND national_id = ?1 AND program = ?2 AND exam_stage = ?3",
                )?
                .query_row(params![national_id, program, exam_stage], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?,
            None => self
                .conn
                .prepare_cached(
                    "SELECT id, program, exam_stage FROM receipts
                     WHERE kind = 'registration' AND national_id = ?1 ORDER BY id DESC LIMIT 1",
                )?
                .query_row([national_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?,
        };
        row.map(|(id, program, exam_stage)| {
            Ok(Registration {
                program,
                exam_stage,
                receipt: self.document_at(id)?,
            })
        })
        .transpose()
    }
}

impl Book for Ledger {
    fn begin(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    fn keep_proof(&mut self, office_code: &str, number: &str, line: &str) -> Result<()> {
        let (year, seq) = year_seq(number).ok_or_else(|| anyhow!("no receipt {number}"))?;
        if !self.has_proofs.get() {
            self.conn.execute_batch(schema::PROOFS_TABLE)?;
            self.has_proofs.set(true);
        }
        self.conn
            .prepare_cached(
                "INSERT INTO proofs (receipt_id, line)
                 SELECT id, ?4 FROM receipts WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .execute(params![office_code, year, seq, line])?;
        Ok(())
    }

    fn record(&mut self, charge: &Charge) -> Result<Recorded> {
        // Found before anything is stored (a part of its own, say): a row already
        // recorded, or another person's on the same national ID, leaves the ledger
        // exactly as it was.
        if let Some(found) = self.find(charge.key())? {
            return Ok(Recorded::Duplicate(found));
        }
        let doc = &charge.receipt;
        let a = &doc.applicant;
        let year = doc.date.year();
        let key = (charge.office_code.clone(), year);
        let (last, prev) = match self.heads.get(&key) {
            Some(head) => *head,
            None => self.head(&charge.office_code, year)?,
        };
        let seq = last + 1;
        let number = format!("{year}-{seq:06}");
        let parts = self.parts_of(doc)?;
        let date = self.date_text(doc.date);
        let person = charge.person.as_ref();
        let birth_date = person.map(|p| p.birth_date.to_string());
        let gender = person.map(|p| match p.gender {
            crate::core::applicant::Gender::Male => "male",
            crate::core::applicant::Gender::Female => "female",
        });
        let names = doc
            .lines
            .iter()
            .map(|l| self.line_names(l))
            .collect::<Result<Vec<Part>>>()?;
        let receipt_kind = doc.kind.as_str();
        let numbers: Vec<(i64, i64, i64, i64, &str)> = doc
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    i as i64 + 1,
                    l.quantity as i64,
                    l.unit.rial(),
                    l.amount.rial(),
                    kind_name(l.kind),
                )
            })
            .collect();
        let fields = chain::Fields {
            office_code: &charge.office_code,
            year: year as i64,
            seq,
            kind: receipt_kind,
            national_id: &a.national_id,
            program: &charge.program,
            exam_stage: charge.exam_stage as i64,
            service_date: &date,
            time: &doc.time,
            schedule_id: &charge.receipt.schedule_id,
            totals: [
                doc.office_total.rial(),
                doc.tvto_total.rial(),
                doc.grand_total.rial(),
            ],
            names: [&a.first_name, &a.last_name, &a.father_name],
            mobile: &a.mobile,
            trade: &a.trade,
            cluster: &a.cluster,
            exam_time: doc.exam.time.as_deref(),
            venue: doc.exam.venue.as_deref(),
            currency: doc.unit.name_en(),
            parts: [&parts[0].digest, &parts[1].digest, &parts[2].digest],
            birth_date: birth_date.as_deref(),
            gender,
            military_status: person.map(|p| p.military_status.as_str()),
        };
        let hash = chain::hash(
            &prev,
            &fields,
            doc.lines.iter().zip(&names).zip(&numbers).map(
                |((l, name), &(line_no, quantity, unit, amount, kind))| chain::LineFields {
                    line_no,
                    code: &l.code,
                    names: &name.digest,
                    quantity,
                    unit,
                    amount,
                    kind,
                    schedule_id: &charge.receipt.schedule_id,
                    row: l.row.map(i64::from),
                },
            ),
        );
        // An applicant already charged for this step is the unique key's conflict:
        // nothing is written, and the receipt recorded before is the answer.
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO receipts (office_code, year, seq, kind, national_id, program, exam_stage,
                   service_date, time, schedule_id, office_total, tvto_total, grand_total,
                   first_name, last_name, father_name, mobile, trade, cluster, exam_time, venue, currency,
                   office, exam, approvals, birth_date, gender, military_status, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                   ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)
                 ON CONFLICT (national_id, program, exam_stage, kind) DO NOTHING",
            )?
            .execute(params![
                charge.office_code,
                year,
                seq,
                receipt_kind,
                a.national_id,
                charge.program,
                charge.exam_stage,
                date,
                doc.time,
                charge.receipt.schedule_id,
                doc.office_total.rial(),
                doc.tvto_total.rial(),
                doc.grand_total.rial(),
                a.first_name,
                a.last_name,
                a.father_name,
                a.mobile,
                a.trade,
                a.cluster,
                doc.exam.time,
                doc.exam.venue,
                doc.unit.name_en(),
                parts[0].id,
                parts[1].id,
                parts[2].id,
                birth_date,
                gender,
                person.map(|p| p.military_status.as_str()),
                &hash[..],
            ])?;
        if inserted == 0 {
            self.heads.insert(key, (last, prev));
            let found = self
                .find(charge.key())?
                .ok_or_else(|| anyhow!("receipt {number} was neither recorded nor found"))?;
            return Ok(Recorded::Duplicate(found));
        }
        self.heads.insert(key, (seq, hash));
        let id = self.conn.last_insert_rowid();
        // All the receipt's lines in one statement.
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(doc.lines.len() * 11);
        for ((l, name), (line_no, quantity, unit, amount, kind)) in
            doc.lines.iter().zip(&names).zip(&numbers)
        {
            values.extend([
                &id as &dyn rusqlite::ToSql,
                &receipt_kind,
                line_no,
                &l.code,
                &name.id,
                quantity,
                unit,
                amount,
                kind,
                &charge.receipt.schedule_id,
                &l.row,
            ]);
        }
        self.conn
            .prepare_cached(&insert_lines_sql(doc.lines.len()))?
            .execute(values.as_slice())?;
        Ok(Recorded::New {
            number,
            hash: hash_prefix(&hash),
        })
    }

    fn commit(&mut self) -> Result<()> {
        // The heads go with the receipts: in the same transaction.
        for ((office, year), (seq, hash)) in self.heads.drain() {
            self.conn
                .prepare_cached(
                    "INSERT INTO chain (office_code, year, seq, hash) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (office_code, year) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                )?
                .execute(params![office, year, seq, &hash[..]])?;
        }
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        // Numbers and parts taken in the transaction are gone with it.
        self.heads.clear();
        self.stored = PartIds::default();
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        // The proofs table, if the transaction made it.
        self.has_proofs
            .set(has_table(&self.conn, "proofs").unwrap_or(false));
        Ok(())
    }
}

/// `INSERT` of `n` lines at once.
fn insert_lines_sql(n: usize) -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    format!(
        "INSERT INTO receipt_lines (receipt_id, receipt_kind, line_no, code, name, quantity, unit, amount, kind, schedule_id, row) VALUES {}",
        vec![row; n].join(", ")
    )
}

pub(crate) fn kind_name(kind: Kind) -> &'static str {
    kind.as_str()
}

fn line_kind(s: &str) -> Result<Kind> {
    match Kind::parse(s) {
        Some(k) => Ok(k),
        None => bail!("the ledger has a line of unknown kind \"{s}\""),
    }
}

fn stage(s: &str) -> Result<Stage> {
    Stage::parse(s).ok_or_else(|| anyhow!("the ledger has a receipt of unknown kind \"{s}\""))
}

fn money(rial: i64) -> Result<Money> {
    Money::from_rial(rial)
        .map_err(|_| anyhow!("the ledger holds an amount out of range: {rial} rial"))
}

fn date(s: &str) -> Result<JalaliDate> {
    JalaliDate::parse(s).map_err(|e| anyhow!("the ledger holds an invalid date: {e}"))
}

/// The start of a chain hash that documents print and proofs carry (empty for a
/// receipt recorded before the chain).
fn hash_prefix(hash: &[u8]) -> String {
    chain::hex(&hash[..hash.len().min(crate::desk::proof::PREFIX_LEN / 2)])
}

/// `1402-000123` as its year and sequence: with the office, a receipt's unique key.
fn year_seq(number: &str) -> Option<(i64, i64)> {
    let (y, s) = number.split_once('-')?;
    Some((y.parse().ok()?, s.parse().ok()?))
}
