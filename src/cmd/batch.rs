//! What the charging commands (register, card, certify) write as the desk settles
//! each group of rows: one result line per input row on stdout, receipt PDFs
//! (rendered on every core), one combined PDF, the rejects file and SMS rows.
//!
//! A group arrives only after its transaction has committed, and its result lines are
//! printed only after its PDFs are on the disk: the group's files are written under
//! temporary names, synced at once, renamed, and the directory synced. An output that
//! fails is given up (the rest of the batch is still recorded, every row still gets
//! its result line) and reported at the end, for exit code 3: a re-run writes it.

use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::table::Columns;
use crate::cli::BatchArgs;
use crate::cli::DataFormat;
use crate::core::mobile::Prefixes;
use crate::core::money::Unit;
use crate::core::text::{fa_grouped, to_persian_digits};
use crate::desk::Receipt;
use crate::desk::batch::{Entry, Outcome, Raw, Sink, Status};
use crate::desk::batch::{Mode, Summary};
use crate::desk::book::{Book, NoLedger, Registry};
use crate::docs::{self, Combined};
use crate::files::{self, Growing};
use crate::ledger::Ledger;
use crate::typeset::PageSize;

/// Runs a batch through the desk's recording loop into the run's outputs: recorded
/// in groups, or with `--dry-run` only checked, or with `--strict` all or nothing.
/// The ledger is opened for writing (and created) only here, once the command has
/// read everything it needs; `reader`, the command's own view of it, is closed
/// before the writer, which as the last connection leaves no WAL behind. Returns
/// the summary and what could not be written.
pub fn charge(
    path: &std::path::Path,
    b: &BatchArgs,
    reader: Option<Ledger>,
    entries: Box<dyn Iterator<Item = Result<Entry>> + Send + '_>,
    mut spec: Spec,
) -> Result<(Summary, Vec<String>)> {
    if b.dry_run {
        // Nothing is recorded: there are no documents to print or send.
        (spec.out, spec.combined, spec.sms) = (None, None, None);
    }
    let mut ledger = if b.dry_run || b.strict {
        None
    } else {
        let mut l = Ledger::open(path, &spec.office_code)?;
        l.checkpoint_in_background()?;
        Some(l)
    };
    let office_code = spec.office_code.clone();
    let mut outputs = Outputs::start(spec);
    let registry: &dyn Registry = match &reader {
        Some(l) => l,
        None => &NoLedger,
    };
    let mode = match &mut ledger {
        Some(l) => Mode::Record(l),
        None if b.dry_run => Mode::DryRun(registry),
        None => Mode::Strict {
            check: registry,
            open: Box::new(
                move || Ok(Box::new(Ledger::open(path, &office_code)?) as Box<dyn Book>),
            ),
        },
    };
    let recorded = crate::desk::batch::record(entries, mode, &mut outputs);
    drop(reader);
    drop(ledger);
    // What was settled is written even when the batch stopped on an error.
    let unwritten = outputs.finish();
    let summary = recorded?;
    if b.strict && !b.dry_run && !summary.recorded {
        eprintln!(
            "--strict: {} row(s) rejected; nothing was recorded / {} سطر رد شد و هیچ چیز ثبت نشد",
            summary.rejected,
            fa_grouped(summary.rejected as i64)
        );
    }
    Ok((summary, unwritten))
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
struct Failure {
    what: String,
    why: String,
}

struct Writer {
    office_code: String,
    results: Results,
    pdfs: Option<Pdfs>,
    combined: Option<(PathBuf, Combined)>,
    rejects: Option<Rejects>,
    sms: Option<Sms>,
    failed: Vec<Failure>,
    progress: Option<ProgressBar>,
    next_group: u64,
}

/// A group whose documents are being rendered.
struct Pending {
    id: u64,
    entries: Vec<Entry>,
    /// Temporary and final names of the group's PDFs.
    pdfs: Vec<(PathBuf, PathBuf)>,
    sms: Vec<(String, docs::Sms)>,
}

impl Writer {
    fn new(spec: Spec) -> Writer {
        let progress = io::stderr().is_terminal().then(|| {
            let p = ProgressBar::new_spinner();
            p.set_style(
                ProgressStyle::with_template("{spinner} {pos} rows {msg}").expect("valid template"),
            );
            p
        });
        Writer {
            office_code: spec.office_code,
            results: Results::new(spec.format, spec.results),
            pdfs: spec.out.map(|dir| Pdfs::start(dir, spec.paper)),
            combined: spec
                .combined
                .map(|p| (p, Combined::new(&spec.title, spec.paper).print_run())),
            rejects: spec.rejects.map(Rejects::new),
            sms: spec.sms.map(|p| Sms::new(p, spec.mobiles.clone())),
            failed: Vec::new(),
            progress,
            next_group: 0,
        }
    }

    fn run(&mut self, groups: mpsc::Receiver<(Vec<Entry>, bool)>) -> Vec<String> {
        let mut pending = VecDeque::new();
        loop {
            // Start rendering the next group before finishing this one.
            while pending.len() < 2 {
                let next = if pending.is_empty() {
                    groups.recv().ok()
                } else {
                    groups.try_recv().ok()
                };
                match next {
                    Some((entries, recorded)) => pending.push_back(self.start(entries, recorded)),
                    None => break,
                }
            }
            match pending.pop_front() {
                Some(p) => self.finish_group(p),
                None => break,
            }
        }
        self.finish()
    }

    /// Hands a group's documents to the renderers, the combined PDF and the SMS.
    fn start(&mut self, mut entries: Vec<Entry>, recorded: bool) -> Pending {
        let id = self.next_group;
        self.next_group += 1;
        let mut p = Pending {
            id,
            entries: Vec::new(),
            pdfs: Vec::new(),
            sms: Vec::new(),
        };
        for e in &mut entries {
            let Some(doc) = e.document.take() else {
                continue;
            };
            if self.sms.is_some() {
                p.sms
                    .push((doc.applicant.mobile.clone(), docs::sms_text(&doc)));
            }
            if !recorded {
                continue;
            }
            if let Some((path, c)) = &mut self.combined
                && let Err(o) = c.add(&doc)
            {
                // A combined PDF without one of the run's documents would mislead.
                self.failed.push(Failure {
                    what: format!("the combined PDF {}", path.display()),
                    why: docs::unfit(&doc.number, &o),
                });
                self.combined = None;
            }
            if let Some(pdfs) = self.pdfs.as_mut().filter(|p| p.broken.is_none()) {
                let target = pdfs
                    .dir
                    .join(receipt_file(&self.office_code, &e.outcome.receipt_no));
                // A duplicate's PDF only when a stopped run did not write it.
                if e.outcome.status == Status::Accepted || !target.exists() {
                    let tmp = files::temp_name(&pdfs.dir);
                    pdfs.render(id, *doc, tmp.clone());
                    p.pdfs.push((tmp, target));
                }
            }
        }
        p.entries = entries;
        p
    }

    /// Puts a group's PDFs in place, then writes its rejects, SMS and result lines.
    fn finish_group(&mut self, p: Pending) {
        if let Some(pdfs) = &mut self.pdfs
            && let Err(why) = pdfs.put_in_place(p.id, &p.pdfs)
        {
            let line = p.entries.first().map_or(0, |e| e.outcome.line);
            self.failed.push(Failure {
                what: format!(
                    "receipt PDFs in {} (from line {line} of the sheet on)",
                    pdfs.dir.display()
                ),
                why,
            });
        }
        if let Some(r) = &mut self.rejects {
            for e in &p.entries {
                if let (Status::Rejected, Some(raw)) = (e.outcome.status, &e.raw) {
                    r.push(raw, &e.outcome);
                }
            }
        }
        if let Some(s) = &mut self.sms {
            for (mobile, text) in &p.sms {
                s.push(mobile, text);
            }
        }
        for e in &p.entries {
            self.results.write(&e.outcome);
        }
        self.results.flush();
        if let Some(bar) = &self.progress {
            bar.inc(p.entries.len() as u64);
        }
    }

    fn finish(&mut self) -> Vec<String> {
        if let Some(bar) = self.progress.take() {
            bar.finish_and_clear();
        }
        if let Some(pdfs) = self.pdfs.take() {
            pdfs.stop();
        }
        if let Some((path, c)) = self.combined.take()
            && !c.is_empty()
            && let Err(e) = files::write_atomic(&path, &c.finish())
        {
            self.failed.push(Failure {
                what: format!("the combined PDF {}", path.display()),
                why: format!("{e:#}"),
            });
        }
        if let Some(r) = self.rejects.take() {
            let path = r.path.clone();
            if let Err(why) = r.finish() {
                self.failed.push(Failure {
                    what: format!("the rejects file {}", path.display()),
                    why,
                });
            }
        }
        if let Some(s) = self.sms.take() {
            let path = s.path.clone();
            if let Err(why) = s.finish() {
                self.failed.push(Failure {
                    what: format!("the SMS file {}", path.display()),
                    why,
                });
            }
        }
        if let Some((path, rows)) = self.results.workbook.take()
            && let Err(why) = results_xlsx(&rows)
                .map_err(|e| e.to_string())
                .and_then(|b| files::write_atomic(&path, &b).map_err(|e| format!("{e:#}")))
        {
            self.failed.push(Failure {
                what: format!("the results workbook {}", path.display()),
                why,
            });
        }
        if let Some(why) = self.results.broken.take() {
            self.failed.push(Failure {
                what: "result lines on standard output".into(),
                why,
            });
        }
        self.failed
            .iter()
            .map(|f| format!("{}: {}", f.what, f.why))
            .collect()
    }
}

/// Receipt PDFs rendered on every core: each worker keeps its own font subsets and
/// shaping caches for the whole run.
struct Pdfs {
    dir: PathBuf,
    jobs: Option<mpsc::Sender<Job>>,
    done: mpsc::Receiver<(u64, Result<(), String>)>,
    /// Results of groups not yet put in place.
    early: HashMap<u64, Vec<Result<(), String>>>,
    workers: Vec<JoinHandle<()>>,
    /// Why the PDFs were given up, once they have been.
    broken: Option<String>,
    made_dir: bool,
}

struct Job {
    group: u64,
    doc: Receipt,
    tmp: PathBuf,
}

impl Pdfs {
    fn start(dir: PathBuf, paper: PageSize) -> Pdfs {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let (report, done) = mpsc::channel();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = (0..cores)
            .map(|_| {
                let (queue, report) = (queue.clone(), report.clone());
                std::thread::spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        let written = docs::print(&job.doc, paper)
                            .map_err(|o| docs::unfit(&job.doc.number, &o))
                            .and_then(|pdf| {
                                fs::OpenOptions::new()
                                    .write(true)
                                    .create_new(true)
                                    .open(&job.tmp)
                                    .and_then(|mut f| f.write_all(&pdf))
                                    .map_err(|e| format!("{}: {e}", job.tmp.display()))
                            });
                        if report.send((job.group, written)).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        Pdfs {
            dir,
            jobs: Some(jobs),
            done,
            early: HashMap::new(),
            workers,
            broken: None,
            made_dir: false,
        }
    }

    fn render(&mut self, group: u64, doc: Receipt, tmp: PathBuf) {
        if !self.made_dir {
            self.made_dir = true;
            if let Err(e) = fs::create_dir_all(&self.dir) {
                self.broken = Some(format!("cannot create {}: {e}", self.dir.display()));
            }
        }
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job { group, doc, tmp });
        }
    }

    /// Waits for a group's PDFs, makes their bytes durable with one sync, renames
    /// them into place and syncs the directory. On any failure the group's temporary
    /// files go, and so do the PDFs of the rest of the run.
    fn put_in_place(&mut self, group: u64, files: &[(PathBuf, PathBuf)]) -> Result<(), String> {
        if files.is_empty() {
            return Ok(());
        }
        let mut results = self.early.remove(&group).unwrap_or_default();
        while results.len() < files.len() {
            match self.done.recv() {
                Ok((g, r)) if g == group => results.push(r),
                Ok((g, r)) => self.early.entry(g).or_default().push(r),
                Err(_) => results.push(Err("the PDF renderers stopped".into())),
            }
        }
        let mut done = results.into_iter().collect::<Result<(), String>>();
        if let Some(why) = &self.broken {
            done = Err(why.clone());
        }
        if done.is_ok() {
            let tmps: Vec<PathBuf> = files.iter().map(|(t, _)| t.clone()).collect();
            done = files::sync_files_in(&self.dir, &tmps)
                .and_then(|()| files.iter().try_for_each(|(t, f)| fs::rename(t, f)))
                .and_then(|()| files::sync_dir(&self.dir))
                .map_err(|e| format!("{}: {e}", self.dir.display()));
        }
        if let Err(why) = &done {
            for (t, _) in files {
                let _ = fs::remove_file(t);
            }
            self.broken.get_or_insert_with(|| why.clone());
        }
        done
    }

    fn stop(mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// Result lines on stdout, as groups settle: CSV, JSON lines, or a table.
struct Results {
    /// The rows kept for `--results FILE.xlsx`, and where they go.
    workbook: Option<(PathBuf, Vec<Outcome>)>,
    out: io::BufWriter<io::Stdout>,
    format: DataFormat,
    table: Columns,
    /// Why stdout failed, when it did; a closed pipe (`| head`) is not a failure.
    broken: Option<String>,
    closed: bool,
}

const HEADER: [&str; 11] = [
    "line",
    "national_id",
    "status",
    "receipt_no",
    "office_total",
    "tvto_fee",
    "total",
    "code",
    "message_fa",
    "message_en",
    "file",
];

impl Results {
    fn new(format: DataFormat, workbook: Option<PathBuf>) -> Results {
        let mut r = Results {
            workbook: workbook.map(|p| (p, Vec::new())),
            out: io::BufWriter::new(io::stdout()),
            format,
            table: Columns::new(&[5, 10, 7, 11, 9, 50]),
            broken: None,
            closed: false,
        };
        let head = match format {
            DataFormat::Csv => csv_line(HEADER),
            DataFormat::Json => Vec::new(),
            DataFormat::Table => r
                .table
                .header(&[
                    "سطر",
                    "کد ملی",
                    "وضعیت",
                    "شماره رسید",
                    "مبلغ (تومان)",
                    "توضیح",
                ])
                .into_bytes(),
        };
        r.put(&head);
        r
    }

    fn write(&mut self, o: &Outcome) {
        if let Some((_, rows)) = &mut self.workbook {
            rows.push(o.clone());
        }
        let toman = |m: crate::core::money::Money| m.plain(Unit::Toman);
        let bytes = match self.format {
            DataFormat::Csv => csv_line([
                o.line.to_string(),
                safe_cell(&o.national_id),
                o.status.as_str().into(),
                o.receipt_no.clone(),
                toman(o.office_total),
                toman(o.tvto_fee),
                toman(o.total),
                o.code(),
                safe_cell(&o.message_fa()),
                safe_cell(&o.message_en()),
                safe_cell(&o.file),
            ]),
            DataFormat::Json => {
                let mut v = serde_json::to_vec(&json!({
                    "line": o.line,
                    "national_id": o.national_id,
                    "status": o.status.as_str(),
                    "receipt_no": o.receipt_no,
                    "office_total": o.office_total.json(Unit::Toman),
                    "tvto_fee": o.tvto_fee.json(Unit::Toman),
                    "total": o.total.json(Unit::Toman),
                    "code": o.code(),
                    "message_fa": o.message_fa(),
                    "message_en": o.message_en(),
                    "file": &*o.file,
                }))
                .expect("plain values serialise");
                v.push(b'\n');
                v
            }
            DataFormat::Table => self
                .table
                .line(&[
                    to_persian_digits(&o.line.to_string()),
                    o.national_id.clone(),
                    o.status.name_fa().into(),
                    to_persian_digits(&o.receipt_no),
                    if o.status == Status::Rejected {
                        String::new()
                    } else {
                        o.total.grouped_fa(Unit::Toman)
                    },
                    o.message_fa(),
                ])
                .into_bytes(),
        };
        self.put(&bytes);
    }

    fn put(&mut self, bytes: &[u8]) {
        if self.closed || self.broken.is_some() {
            return;
        }
        if let Err(e) = self.out.write_all(bytes) {
            self.fail(e);
        }
    }

    fn flush(&mut self) {
        if !self.closed
            && self.broken.is_none()
            && let Err(e) = self.out.flush()
        {
            self.fail(e);
        }
    }

    fn fail(&mut self, e: io::Error) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            self.closed = true; // the reader stopped reading; the batch goes on
        } else {
            self.broken = Some(e.to_string());
        }
    }
}

/// The result rows as a right-to-left workbook: the columns of `--format csv`, line
/// numbers and amounts (toman) as numbers, the rest as text (an ID keeps its zeros).
fn results_xlsx(rows: &[Outcome]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("نتیجه")?;
    ws.set_right_to_left(true);
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.#");
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    // Toman as numbers: an amount to a tenth of a toman is exact in a double.
    let toman = |m: crate::core::money::Money| m.rial() as f64 / 10.0;
    for (i, o) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, o.line as f64)?;
        ws.write_string(r, 1, &o.national_id)?;
        ws.write_string(r, 2, o.status.as_str())?;
        ws.write_string(r, 3, &o.receipt_no)?;
        ws.write_number_with_format(r, 4, toman(o.office_total), &money)?;
        ws.write_number_with_format(r, 5, toman(o.tvto_fee), &money)?;
        ws.write_number_with_format(r, 6, toman(o.total), &money)?;
        ws.write_string(r, 7, o.code())?;
        ws.write_string(r, 8, o.message_fa())?;
        ws.write_string(r, 9, o.message_en())?;
        ws.write_string(r, 10, &*o.file)?;
    }
    ws.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// One CSV record, with its line ending.
fn csv_line<I, S>(cells: I) -> Vec<u8>
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
struct Appended {
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

/// The rejects file: the clerk's rows as she wrote them, with the reasons after them,
/// in UTF-8 with a BOM so that Excel shows the Persian. The header is the first
/// sheet's; rows of a sheet with other headers come under their own header line.
struct Rejects {
    path: PathBuf,
    to: RejectsTo,
    header: Option<Arc<csv::StringRecord>>,
}

/// A rejects file is CSV, appended row by row, or, named `.xlsx`, an Excel workbook
/// written whole at the end (the rows kept until then).
enum RejectsTo {
    Csv(Appended),
    Xlsx(Vec<Vec<String>>),
}

impl Rejects {
    fn new(path: PathBuf) -> Rejects {
        let xlsx = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        Rejects {
            to: if xlsx {
                RejectsTo::Xlsx(Vec::new())
            } else {
                RejectsTo::Csv(Appended::new(path.clone(), "\u{FEFF}".as_bytes()))
            },
            path,
            header: None,
        }
    }

    fn push(&mut self, raw: &Raw, o: &Outcome) {
        // A workbook's cells are text, never formulas: they need no guarding.
        let xlsx = matches!(self.to, RejectsTo::Xlsx(_));
        let cell = |s: &str| if xlsx { s.to_string() } else { safe_cell(s) };
        let mut lines = Vec::new();
        if self.header.as_ref() != Some(&raw.headers) {
            let mut h: Vec<String> = raw.headers.iter().map(cell).collect();
            h.extend(["code", "message_fa", "message_en"].map(String::from));
            lines.push(h);
            self.header = Some(raw.headers.clone());
        }
        let mut cells: Vec<String> = raw.record.iter().map(cell).collect();
        cells.resize(raw.headers.len().max(cells.len()), String::new());
        cells.extend([o.code(), o.message_fa(), o.message_en()]);
        lines.push(cells);
        for line in lines {
            match &mut self.to {
                RejectsTo::Csv(file) => file.append(&csv_line(&line)),
                RejectsTo::Xlsx(rows) => rows.push(line),
            }
        }
    }

    fn finish(self) -> Result<(), String> {
        match self.to {
            RejectsTo::Csv(file) => file.finish(),
            RejectsTo::Xlsx(rows) => {
                rejects_xlsx(&rows)
                    .map_err(|e| format!("{e}"))
                    .and_then(|bytes| {
                        files::write_atomic(&self.path, &bytes).map_err(|e| format!("{e:#}"))
                    })
            }
        }
    }
}

/// The rejected rows as a right-to-left workbook, every cell text (an ID keeps its
/// zeros), the header bold and frozen: ready to fix and feed back.
fn rejects_xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("ردشده‌ها")?;
    ws.set_right_to_left(true);
    let bold = Format::new().set_bold();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if r == 0 {
                ws.write_string_with_format(0, c as u16, v, &bold)?;
            } else {
                ws.write_string(r as u32, c as u16, v)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// `mobile,operator,message,parts` rows for an SMS gateway: the operator the mobile's
/// prefix was allocated to, empty when no operator uses it (a mobile registered
/// before pishkhan knew the operators), which is said on stderr.
struct Sms {
    path: PathBuf,
    file: Appended,
    mobiles: Arc<Prefixes>,
    no_operator: Vec<String>,
}

impl Sms {
    fn new(path: PathBuf, mobiles: Arc<Prefixes>) -> Sms {
        Sms {
            file: Appended::new(
                path.clone(),
                &csv_line(["mobile", "operator", "message", "parts"]),
            ),
            path,
            mobiles,
            no_operator: Vec::new(),
        }
    }

    fn push(&mut self, mobile: &str, sms: &docs::Sms) {
        let operator = match self.mobiles.operator(mobile) {
            Some(o) => o.name.as_str(),
            None => {
                self.no_operator.push(mobile.to_string());
                ""
            }
        };
        self.file.append(&csv_line([
            safe_cell(mobile),
            safe_cell(operator),
            safe_cell(&sms.text),
            sms.parts.to_string(),
        ]));
    }

    fn finish(self) -> Result<(), String> {
        if !self.no_operator.is_empty() {
            let shown: Vec<&str> = self
                .no_operator
                .iter()
                .take(20)
                .map(String::as_str)
                .collect();
            eprintln!(
                "mobile_no_operator: no mobile operator uses the prefix of {} in {} ({}{}): their SMS will not arrive; call them / پیش‌شمارهٔ {} شمارهٔ همراه در فایل پیامک از آنِ هیچ اپراتوری نیست؛ با آنان تماس بگیرید",
                self.no_operator.len(),
                self.path.display(),
                shown.join(", "),
                if self.no_operator.len() > 20 {
                    ", …"
                } else {
                    ""
                },
                to_persian_digits(&self.no_operator.len().to_string()),
            );
        }
        self.file.finish()
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
