//! What runs write, apart from the desk that decides it. For the charging commands
//! (register, card, certify), as the desk settles each group of rows: one result
//! line per input row on stdout, receipt PDFs (rendered on every core), one combined
//! PDF, the rejects file and SMS rows; and the report's renderings ([`report`]) and
//! the terminal table ([`table`]).
//!
//! A group arrives only after its transaction has committed, and its result lines are
//! printed only after its PDFs are on the disk: the group's files are written under
//! temporary names, synced at once, renamed, and the directory synced. An output that
//! fails is given up (the rest of the batch is still recorded, every row still gets
//! its result line) and reported at the end, for exit code 3: a re-run writes it.

pub mod fee;
mod pdfs;
pub mod registry;
mod rejects;
pub mod report;
mod results;
mod sms;
pub mod summary;
pub mod table;
mod writer;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use crate::core::mobile::Prefixes;
use crate::core::text::fa_grouped;
use crate::desk::batch::{Entry, Sink};
use crate::files::{self, Growing};
use crate::typeset::PageSize;
use writer::Writer;

/// How rows of data are printed: a table for people, CSV or JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    Table,
    Csv,
    Json,
}

/// A receipt's file name: office code and number, so that two offices' receipts
/// never share one (`37-1234_1402-000001.pdf`).
pub fn receipt_file(office_code: &str, number: &str) -> String {
    format!("{office_code}_{number}.pdf")
}

/// What a run writes.
pub struct Spec {
    /// The office whose ledger records the run; receipt files carry it in their name.
    pub office_code: String,
    pub format: DataFormat,
    /// The result rows as a workbook too.
    pub results: Option<PathBuf>,
    /// One PDF per receipt, named by office code and number.
    pub out: Option<PathBuf>,
    /// All documents of the run in one PDF.
    pub combined: Option<PathBuf>,
    /// The rejected rows as the clerk wrote them, with the reasons.
    pub rejects: Option<PathBuf>,
    /// `mobile,operator,message,parts` rows for an SMS gateway.
    pub sms: Option<PathBuf>,
    /// Whose mobile is whose: the SMS file names each one's operator.
    pub mobiles: Arc<Prefixes>,
    pub paper: PageSize,
    /// The combined PDF's title.
    pub title: String,
}

/// The outputs of a run, written on a thread of their own as groups settle.
pub struct Outputs {
    groups: Option<mpsc::SyncSender<(Vec<Entry>, bool)>>,
    writer: Option<JoinHandle<Vec<String>>>,
    wants_documents: bool,
}

impl Outputs {
    /// Removes what killed runs left behind, then starts writing.
    pub fn start(spec: Spec) -> Outputs {
        for dir in [&spec.out].into_iter().flatten().cloned().chain(
            [&spec.combined, &spec.rejects, &spec.sms]
                .into_iter()
                .flatten()
                .map(|p| files::dir_of(p)),
        ) {
            files::remove_stale_temps(&dir);
        }
        let wants_documents = spec.out.is_some() || spec.combined.is_some() || spec.sms.is_some();
        let mut writer = Writer::new(spec);
        // Two groups in flight: one being printed while the next is rendered.
        let (tx, rx) = mpsc::sync_channel(1);
        let thread = std::thread::spawn(move || writer.run(rx));
        Outputs {
            groups: Some(tx),
            writer: Some(thread),
            wants_documents,
        }
    }

    /// Waits for everything to be written; returns what could not be.
    pub fn finish(mut self) -> Vec<String> {
        self.groups = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(failed)) => failed,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Vec::new(),
        }
    }
}

impl Sink for Outputs {
    fn wants_documents(&self) -> bool {
        self.wants_documents
    }

    fn settled(&mut self, entries: Vec<Entry>, recorded: bool) {
        if let Some(tx) = &self.groups {
            // The writer only stops early by panicking, which `finish` passes on.
            let _ = tx.send((entries, recorded));
        }
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        self.groups = None;
        if let Some(t) = self.writer.take() {
            let _ = t.join();
        }
    }
}

/// An output given up, and why.
pub(crate) struct Failure {
    what: String,
    why: String,
}

/// One CSV record, with its line ending.
pub(crate) fn csv_line<I, S>(cells: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .buffer_capacity(512)
        .from_writer(Vec::with_capacity(256));
    w.write_record(cells).expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) gets a
/// leading apostrophe, which spreadsheets show as text and pishkhan's reader drops.
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// A file of rows written as groups settle, put in place when the run ends. The
/// first failure gives it up.
pub(crate) struct Appended {
    path: PathBuf,
    file: Result<Growing, String>,
}

impl Appended {
    fn new(path: PathBuf, head: &[u8]) -> Appended {
        let file = Growing::create(&path)
            .and_then(|mut g| g.writer().write_all(head).map(|()| g))
            .map_err(|e| format!("cannot write beside {}: {e}", path.display()));
        Appended { path, file }
    }

    fn append(&mut self, bytes: &[u8]) {
        if let Ok(g) = &mut self.file
            && let Err(e) = g.writer().write_all(bytes)
        {
            let why = e.to_string();
            if let Ok(g) = std::mem::replace(&mut self.file, Err(why)) {
                g.abandon();
            }
        }
    }

    fn finish(self) -> Result<(), String> {
        let path = self.path;
        self.file?.finish(&path).map_err(|e| e.to_string())
    }
}

/// What went unwritten, on stderr, English and Persian: the rows are recorded and a
/// re-run writes it.
pub fn report_unwritten(failed: &[String]) {
    for f in failed {
        eprintln!("not written: {f}");
    }
    if !failed.is_empty() {
        eprintln!(
            "the rows above are recorded in the ledger; run the same command again to write what is missing (nothing is charged twice) / ردیف‌ها در دفتر ثبت شده‌اند اما {} خروجی نوشته نشد؛ همین فرمان را دوباره اجرا کنید تا نوشته شود (هیچ مبلغی دوباره گرفته نمی‌شود)",
            fa_grouped(failed.len() as i64)
        );
    }
}
