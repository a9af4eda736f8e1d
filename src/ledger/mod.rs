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
mod open;
mod parts;
mod read;
mod record;
mod schema;
mod verify;

use open::has_table;
use parts::{PartIds, PartsRead};

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use rusqlite::{Connection, OpenFlags};

use crate::core::jalali::JalaliDate;
use crate::core::money::Money;
use crate::core::tariff::{Kind, Stage};
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

impl Ledger {
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

    /// The raw connection, for tests and inspection.
    pub fn connection(&self) -> &Connection {
        &self.conn
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
