//! The one recording loop of `register`, `card` and `certify`: each input row, checked
//! and priced by the command's rules, becomes an [`Entry`]; accepted entries are
//! recorded in the ledger in groups, one transaction per group; each group goes to the
//! [`Sink`] (result lines, receipt PDFs, rejects, SMS) only after it has committed, so
//! nothing is ever reported that the ledger could lose.
//!
//! A group closes at [`GROUP_ROWS`] rows or [`GROUP_WAIT`] after its first row,
//! whichever comes first: one commit (and one wait for the disk) per group instead of
//! per row, while a slow sheet still sees its rows committed and reported promptly.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::book::{Book, Registry};
use super::charge::{Charge, Found, Receipt, Recorded};
use crate::core::applicant::Rejection;
use crate::core::money::Money;

/// Rows in a group at most. Large, because a commit writes every page the group
/// touched once, and rows with random national IDs touch pages all over the unique
/// index: the fewer the commits, the fewer times each page is written. Small enough
/// to hold in memory, and to render, in about a second.
pub const GROUP_ROWS: usize = 2000;

/// How long a group waits for more rows after its first.
pub const GROUP_WAIT: Duration = Duration::from_millis(50);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Accepted,
    Rejected,
    Duplicate,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Duplicate => "duplicate",
        }
    }

    pub fn name_fa(self) -> &'static str {
        match self {
            Status::Accepted => "پذیرفته",
            Status::Rejected => "رد",
            Status::Duplicate => "تکراری",
        }
    }
}

/// The result of one input row.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub file: Arc<str>,
    pub line: u64,
    pub national_id: String,
    pub status: Status,
    pub receipt_no: String,
    pub office_total: Money,
    pub tvto_fee: Money,
    pub total: Money,
    pub problems: Vec<Rejection>,
}

impl Outcome {
    /// A checked row's problems as `check` lists them, keyed by line and field: a
    /// rejected row's reasons as errors, an accepted row's notes (a date cell made
    /// Jalali, an equal-digit national ID) as warnings.
    pub fn as_problems(&self) -> Vec<crate::core::problem::Problem> {
        use crate::core::problem::Problem;
        let o = self;
        let refused = o.status == Status::Rejected;
        o.problems
            .iter()
            .map(|p| {
                let key = if p.field.is_empty() {
                    format!("line {}", o.line)
                } else {
                    format!("line {} {}", o.line, p.field)
                };
                if refused {
                    Problem::row(key, p.code, &p.message_en, &p.message_fa)
                } else {
                    Problem::warning(key, format!("{}: {}", p.code, p.message_en))
                }
            })
            .collect()
    }
}

impl Outcome {
    pub fn code(&self) -> String {
        self.problems
            .iter()
            .map(|p| p.code)
            .collect::<Vec<_>>()
            .join(";")
    }

    pub fn message_fa(&self) -> String {
        self.problems
            .iter()
            .map(|p| p.message_fa.as_str())
            .collect::<Vec<_>>()
            .join("؛ ")
    }

    pub fn message_en(&self) -> String {
        self.problems
            .iter()
            .map(|p| p.message_en.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A row as the clerk wrote it, kept for the rejects file.
#[derive(Clone, Debug)]
pub struct Raw {
    pub headers: Arc<csv::StringRecord>,
    pub record: csv::StringRecord,
}

/// One input row on its way through the desk.
#[derive(Debug)]
pub struct Entry {
    pub outcome: Outcome,
    /// What to record, when the row was accepted (boxed: entries are moved from
    /// thread to thread, a receipt is large).
    pub charge: Option<Box<Charge>>,
    /// The row as written, when it was rejected.
    pub raw: Option<Raw>,
    /// The receipt as recorded (or as recorded before, for a duplicate), for the
    /// documents; set when the sink wants documents.
    pub document: Option<Box<Receipt>>,
}

impl Entry {
    pub fn rejected(
        file: &Arc<str>,
        line: u64,
        national_id: &str,
        problems: Vec<Rejection>,
        raw: Option<Raw>,
    ) -> Entry {
        Entry {
            outcome: Outcome {
                file: file.clone(),
                line,
                national_id: national_id.to_string(),
                status: Status::Rejected,
                receipt_no: String::new(),
                office_total: Money::ZERO,
                tvto_fee: Money::ZERO,
                total: Money::ZERO,
                problems,
            },
            charge: None,
            raw,
            document: None,
        }
    }

    pub fn accepted(file: &Arc<str>, line: u64, charge: Charge) -> Entry {
        let r = &charge.receipt;
        Entry {
            outcome: Outcome {
                file: file.clone(),
                line,
                national_id: r.applicant.national_id.clone(),
                status: Status::Accepted,
                receipt_no: String::new(),
                office_total: r.office_total,
                tvto_fee: r.tvto_total,
                total: r.grand_total,
                problems: Vec::new(),
            },
            charge: Some(Box::new(charge)),
            raw: None,
            document: None,
        }
    }
}

/// Where settled entries go: result lines, documents, rejects, SMS.
pub trait Sink {
    /// Whether entries should carry their documents (receipt PDFs, SMS texts).
    fn wants_documents(&self) -> bool;

    /// Entries whose fate is settled, in input order. When `recorded`, the accepted
    /// ones are in the ledger (their transaction has committed); otherwise (a dry run,
    /// a refused `--strict` batch) nothing is. An output that fails is the sink's to
    /// report at its end: the batch goes on.
    fn settled(&mut self, entries: Vec<Entry>, recorded: bool);
}

/// How a batch is recorded.
pub enum Mode<'a> {
    /// Each group in a transaction of its own.
    Record(&'a mut dyn Book),
    /// Every row is checked first; all are recorded in one transaction, and only if
    /// none was rejected. The ledger is opened for writing only then.
    Strict {
        check: &'a dyn Registry,
        open: Box<dyn FnOnce() -> Result<Box<dyn Book>> + 'a>,
    },
    /// Nothing is recorded; rows already recorded come back as duplicates.
    DryRun(&'a dyn Registry),
}

/// What a batch did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub accepted: u64,
    pub rejected: u64,
    pub duplicates: u64,
    pub office: Money,
    pub tvto: Money,
    /// Whether the accepted rows are in the ledger.
    pub recorded: bool,
}

impl Summary {
    fn count(&mut self, entries: &[Entry]) -> Result<()> {
        for e in entries {
            match e.outcome.status {
                Status::Accepted => {
                    self.accepted += 1;
                    self.office = self.office.checked_add(e.outcome.office_total)?;
                    self.tvto = self.tvto.checked_add(e.outcome.tvto_fee)?;
                }
                Status::Rejected => self.rejected += 1,
                Status::Duplicate => self.duplicates += 1,
            }
        }
        Ok(())
    }

    /// The summary line, English then Persian; `done` names the duplicates
    /// ("already registered", «تکراری»).
    pub fn line(&self, done_en: &str, done_fa: &str) -> String {
        let fa = |n: u64| crate::core::text::fa_grouped(n as i64);
        let toman = crate::core::money::Unit::Toman;
        format!(
            "accepted {}, rejected {}, {done_en} {}; office fees {}, TVTO money {} / پذیرفته {}، رد شده {}، {done_fa} {}؛ سهم دفتر {} تومان، وجوه سازمان {} تومان",
            self.accepted,
            self.rejected,
            self.duplicates,
            self.office,
            self.tvto,
            fa(self.accepted),
            fa(self.rejected),
            fa(self.duplicates),
            self.office.grouped_fa(toman),
            self.tvto.grouped_fa(toman),
        )
    }
}

/// Runs the batch: pulls entries (checked on a thread of their own, so checking the
/// next rows overlaps recording the last), records them as `mode` says, hands each
/// settled group to `sink`. An error (of the ledger, or reading the rows) stops the
/// batch: groups already handed to the sink are recorded, the rest is not, and a
/// re-run completes it.
pub fn record(
    entries: impl Iterator<Item = Result<Entry>> + Send,
    mode: Mode,
    sink: &mut dyn Sink,
) -> Result<Summary> {
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Vec<Result<Entry>>>(4 * GROUP_ROWS / HANDFUL);
        let producer = s.spawn(move || {
            // Rows go over in handfuls: one hand-over per row would cost more than
            // checking it. A handful waits at most HANDFUL_WAIT for its last row.
            let mut hand = Vec::with_capacity(HANDFUL);
            let mut since = Instant::now();
            for e in entries {
                let stop = e.is_err();
                hand.push(e);
                if hand.len() >= HANDFUL || stop || since.elapsed() >= HANDFUL_WAIT {
                    if tx.send(std::mem::take(&mut hand)).is_err() || stop {
                        return; // the recorder stopped, or the rows did
                    }
                    since = Instant::now();
                }
            }
            let _ = tx.send(hand);
        });
        let mut rows = Rows {
            rx,
            hand: Default::default(),
            error: None,
        };
        let summary = run(&mut rows, mode, sink);
        drop(rows);
        if let Err(panic) = producer.join() {
            std::panic::resume_unwind(panic);
        }
        summary
    })
}

/// Rows handed from the checking thread to the recorder at a time, at most.
const HANDFUL: usize = 64;
const HANDFUL_WAIT: Duration = Duration::from_millis(5);

/// The checked rows as they come, in groups.
struct Rows {
    rx: mpsc::Receiver<Vec<Result<Entry>>>,
    /// What came in the last handful and is not in a group yet.
    hand: std::collections::VecDeque<Result<Entry>>,
    /// Why the rows stopped early, once they have.
    error: Option<anyhow::Error>,
}

impl Rows {
    /// The next group: up to `GROUP_ROWS` entries, or what came within `GROUP_WAIT`
    /// of the first. Empty when the rows are done (or failed: see `error`).
    fn next_group(&mut self) -> Vec<Entry> {
        let mut group = Vec::new();
        let deadline = Instant::now() + GROUP_WAIT;
        while group.len() < GROUP_ROWS && self.error.is_none() {
            match self.hand.pop_front() {
                Some(Ok(e)) => group.push(e),
                Some(Err(e)) => self.error = Some(e),
                None => {
                    let next = if group.is_empty() {
                        self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
                    } else {
                        self.rx
                            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    };
                    match next {
                        Ok(hand) => self.hand.extend(hand),
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                    }
                }
            }
        }
        group
    }

    /// An error that stopped the rows, after the groups before it were settled.
    fn finish(&mut self) -> Result<()> {
        self.error.take().map_or(Ok(()), Err)
    }
}

fn run(rows: &mut Rows, mode: Mode, sink: &mut dyn Sink) -> Result<Summary> {
    let mut summary = Summary::default();
    match mode {
        Mode::Record(book) => {
            summary.recorded = true;
            loop {
                let mut group = rows.next_group();
                if group.is_empty() {
                    break;
                }
                record_group(book, &mut group)?;
                with_documents(&*book, &mut group, sink.wants_documents())?;
                summary.count(&group)?;
                sink.settled(group, true);
            }
        }
        Mode::DryRun(registry) => loop {
            let mut group = rows.next_group();
            if group.is_empty() {
                break;
            }
            find_duplicates(registry, &mut group)?;
            summary.count(&group)?;
            sink.settled(group, false);
        },
        Mode::Strict { check, open } => {
            // Check everything first; keep the entries (their charges included) until
            // the batch is known to be clean.
            let mut all = Vec::new();
            loop {
                let mut group = rows.next_group();
                if group.is_empty() {
                    break;
                }
                find_duplicates(check, &mut group)?;
                all.append(&mut group);
            }
            rows.finish()?;
            let refused = all.iter().any(|e| e.outcome.status == Status::Rejected);
            if refused {
                summary.count(&all)?;
                for chunk in chunks(all) {
                    sink.settled(chunk, false);
                }
            } else {
                let mut book = open()?;
                // Found before: recorded now, or found again under the lock.
                for e in &mut all {
                    if e.outcome.status == Status::Duplicate {
                        e.outcome.status = Status::Accepted;
                        e.outcome.receipt_no.clear();
                    }
                }
                record_group(book.as_mut(), &mut all)?;
                summary.recorded = true;
                summary.count(&all)?;
                for mut chunk in chunks(all) {
                    with_documents(book.as_ref(), &mut chunk, sink.wants_documents())?;
                    sink.settled(chunk, true);
                }
            }
        }
    }
    rows.finish()?;
    Ok(summary)
}

/// Records the group's charges in one transaction; rolls back on any error.
fn record_group(book: &mut dyn Book, group: &mut [Entry]) -> Result<()> {
    if !group.iter().any(|e| e.charge.is_some()) {
        return Ok(());
    }
    book.begin()?;
    let recorded = group.iter_mut().try_for_each(|e| {
        let Some(charge) = &mut e.charge else {
            return Ok(());
        };
        match book.record(charge)? {
            Recorded::New { number, hash } => {
                // The receipt as recorded: its documents print its number and proof,
                // signed when the office has a key, and kept with it.
                charge.receipt.number.clone_from(&number);
                charge.receipt.hash = hash;
                if let (Some(key), Some(proof)) =
                    (&charge.signer, super::proof::Proof::of(&charge.receipt))
                {
                    let national_id = charge.receipt.applicant.national_id.clone();
                    let line = super::proof::Signed::sign(proof, &national_id, key).text();
                    book.keep_proof(&charge.office_code, &number, &line)?;
                    charge.receipt.signed = Some(line);
                }
                e.outcome.receipt_no = number;
            }
            Recorded::Duplicate(found) => found_before(e, found),
        }
        Ok::<_, anyhow::Error>(())
    });
    match recorded.and_then(|_| book.commit()) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = book.rollback();
            Err(e)
        }
    }
}

/// A dry run's (or a strict batch's first pass's) view of the ledger: accepted rows
/// already recorded are duplicates.
fn find_duplicates(registry: &dyn Registry, group: &mut [Entry]) -> Result<()> {
    for e in group {
        if let Some(charge) = &e.charge
            && let Some(found) = registry.find(charge.key())?
        {
            found_before(e, found);
        }
    }
    Ok(())
}

/// An entry whose key the ledger already holds: a duplicate answered with the
/// recorded receipt's number and amounts, never the row's; or, when the recorded
/// receipt is another person's, a rejection that names what the ledger holds.
fn found_before(e: &mut Entry, found: Found) {
    let Some(charge) = &e.charge else { return };
    let differences = found.differences(charge);
    let o = &mut e.outcome;
    if differences.is_empty() {
        o.status = Status::Duplicate;
        o.office_total = found.office_total;
        o.tvto_fee = found.tvto_total;
        o.total = found.grand_total;
        o.receipt_no = found.number;
    } else {
        o.status = Status::Rejected;
        o.receipt_no.clear();
        (o.office_total, o.tvto_fee, o.total) = (Money::ZERO, Money::ZERO, Money::ZERO);
        o.problems.push(super::rules::national_id_other_person(
            &found.number,
            &differences,
        ));
        e.charge = None;
    }
}

/// The documents of a settled group: a new receipt as recorded (its number and hash
/// set),
/// a duplicate's as the ledger has it. Charges are dropped once they are documents.
fn with_documents(registry: &dyn Registry, group: &mut [Entry], wanted: bool) -> Result<()> {
    for e in group {
        let charge = e.charge.take();
        if !wanted {
            continue;
        }
        match (e.outcome.status, charge) {
            (Status::Accepted, Some(c)) => e.document = Some(Box::new(c.receipt)),
            (Status::Duplicate, Some(c)) => {
                e.document = registry
                    .document(&c.office_code, &e.outcome.receipt_no)?
                    .map(Box::new);
            }
            _ => {}
        }
    }
    Ok(())
}

/// A strict batch's entries, handed on in groups like any other batch's.
fn chunks(all: Vec<Entry>) -> impl Iterator<Item = Vec<Entry>> {
    let mut all = all.into_iter().peekable();
    std::iter::from_fn(move || {
        all.peek()?;
        Some(all.by_ref().take(GROUP_ROWS).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: u64, close: bool) -> (Rows, Option<mpsc::SyncSender<Vec<Result<Entry>>>>) {
        let (tx, rx) = mpsc::sync_channel(n as usize + 1);
        let file: Arc<str> = Arc::from("t.csv");
        for i in 0..n {
            tx.send(vec![Ok(Entry::rejected(&file, i, "", Vec::new(), None))])
                .unwrap();
        }
        let rows = Rows {
            rx,
            hand: Default::default(),
            error: None,
        };
        (rows, (!close).then_some(tx))
    }

    #[test]
    fn groups_close_at_their_size_and_at_the_end() {
        let (mut r, _) = rows(GROUP_ROWS as u64 + 3, true);
        assert_eq!(r.next_group().len(), GROUP_ROWS);
        assert_eq!(r.next_group().len(), 3);
        assert!(r.next_group().is_empty());
        assert!(r.finish().is_ok());
    }

    #[test]
    fn a_group_closes_after_its_wait() {
        // The sender stays open: only the wait can close the group.
        let (mut r, tx) = rows(1, false);
        let start = Instant::now();
        assert_eq!(r.next_group().len(), 1);
        assert!(start.elapsed() >= GROUP_WAIT);
        drop(tx);
    }

    #[test]
    fn rows_that_fail_end_the_batch_after_the_rows_before() {
        let (mut r, tx) = rows(2, false);
        let tx = tx.unwrap();
        tx.send(vec![Err(anyhow::anyhow!("disk gone"))]).unwrap();
        assert_eq!(r.next_group().len(), 2);
        assert!(r.next_group().is_empty());
        assert_eq!(r.finish().unwrap_err().to_string(), "disk gone");
    }
}
