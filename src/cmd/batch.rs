//! What every batch command shares (register, card, certify): one result row per input
//! row on stdout, the rejects file, files that appear whole or not at all, and cells
//! a spreadsheet cannot mistake for formulas.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde_json::json;

use crate::cli::Format;
use crate::core::applicant::Rejection;
use crate::core::money::{Money, Unit};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Accepted,
    Rejected,
    Duplicate,
}

/// The result of one input row.
pub struct Outcome {
    pub file: String,
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
    pub fn rejected(file: &str, line: u64, national_id: &str, problems: Vec<Rejection>) -> Outcome {
        Outcome {
            file: file.to_string(),
            line,
            national_id: national_id.to_string(),
            status: Status::Rejected,
            receipt_no: String::new(),
            office_total: Money::ZERO,
            tvto_fee: Money::ZERO,
            total: Money::ZERO,
            problems,
        }
    }

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

/// Result rows on stdout, as they come: CSV, or one JSON object per line.
pub enum Results {
    Csv(Box<csv::Writer<io::StdoutLock<'static>>>),
    Json(io::BufWriter<io::StdoutLock<'static>>),
}

impl Results {
    pub fn new(format: Format) -> Result<Results> {
        let stdout = io::stdout().lock();
        if format == Format::Json {
            return Ok(Results::Json(io::BufWriter::new(stdout)));
        }
        let mut w = csv::Writer::from_writer(stdout);
        w.write_record([
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
        ])?;
        Ok(Results::Csv(Box::new(w)))
    }

    pub fn write(&mut self, o: &Outcome) -> Result<()> {
        let status = match o.status {
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Duplicate => "duplicate",
        };
        let toman = |m: Money| m.plain(Unit::Toman);
        let written = match self {
            Results::Json(out) => {
                let v = json!({
                    "line": o.line,
                    "national_id": o.national_id,
                    "status": status,
                    "receipt_no": o.receipt_no,
                    "office_total": o.office_total.json(Unit::Toman),
                    "tvto_fee": o.tvto_fee.json(Unit::Toman),
                    "total": o.total.json(Unit::Toman),
                    "code": o.code(),
                    "message_fa": o.message_fa(),
                    "message_en": o.message_en(),
                    "file": o.file,
                });
                serde_json::to_writer(&mut *out, &v)
                    .map_err(io::Error::from)
                    .and_then(|_| out.write_all(b"\n"))
            }
            Results::Csv(w) => w
                .write_record([
                    o.line.to_string(),
                    safe_cell(&o.national_id),
                    status.into(),
                    o.receipt_no.clone(),
                    toman(o.office_total),
                    toman(o.tvto_fee),
                    toman(o.total),
                    o.code(),
                    safe_cell(&o.message_fa()),
                    safe_cell(&o.message_en()),
                    safe_cell(&o.file),
                ])
                .map_err(io::Error::from),
        };
        quiet_pipe(written)
    }

    pub fn finish(self) -> Result<()> {
        quiet_pipe(match self {
            Results::Csv(mut w) => w.flush(),
            Results::Json(mut w) => w.flush(),
        })
    }
}

/// A reader that stopped reading (`| head`) is not an error; the batch goes on.
fn quiet_pipe(r: io::Result<()>) -> Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) gets a
/// leading apostrophe, which spreadsheets show as text and pishkhan's reader drops.
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Writes a file so that it appears whole or not at all: a temporary file in the same
/// directory, synced, then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The rejects file: the clerk's rows as she wrote them, with the reasons after them,
/// in UTF-8 with a BOM so that Excel shows the Persian. Written as the rows come into
/// a temporary file beside the target, renamed when the batch ends. The header is the
/// first sheet's; rows of a sheet with other headers come under their own header line.
pub struct Rejects {
    w: csv::Writer<io::BufWriter<tempfile::NamedTempFile>>,
    header: Option<csv::StringRecord>,
}

impl Rejects {
    pub fn new(path: &Path) -> Result<Rejects> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        tmp.write_all("\u{FEFF}".as_bytes())?;
        Ok(Rejects {
            w: csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(io::BufWriter::new(tmp)),
            header: None,
        })
    }

    pub fn push(
        &mut self,
        headers: &csv::StringRecord,
        record: &csv::StringRecord,
        o: &Outcome,
    ) -> Result<()> {
        if self.header.as_ref() != Some(headers) {
            let mut h: Vec<String> = headers.iter().map(safe_cell).collect();
            h.extend(["code", "message_fa", "message_en"].map(String::from));
            self.w.write_record(&h)?;
            self.header = Some(headers.clone());
        }
        let mut cells: Vec<String> = record.iter().map(safe_cell).collect();
        cells.resize(headers.len().max(cells.len()), String::new());
        cells.extend([o.code(), o.message_fa(), o.message_en()]);
        self.w.write_record(&cells)?;
        Ok(())
    }

    pub fn finish(self, path: &Path) -> Result<()> {
        let tmp = self
            .w
            .into_inner()
            .map_err(|e| anyhow!("{e}"))?
            .into_inner()
            .map_err(|e| anyhow!("{e}"))?;
        tmp.as_file().sync_all()?;
        tmp.persist(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

/// The office code receipts are numbered under; a dry run can do without one.
pub fn office_code(office: &crate::core::office::Office, dry_run: bool) -> Result<String> {
    match office.code.clone().filter(|c| !c.trim().is_empty()) {
        Some(code) => Ok(code),
        None if dry_run => Ok(String::new()),
        None => anyhow::bail!(
            "the office code is not set: give --office-code, PISHKHAN_OFFICE_CODE or a --config file with `code` (receipt numbers are kept per office) / کد دفتر تعیین نشده است"
        ),
    }
}

/// A national ID that came earlier in the same batch.
pub fn duplicate_in_batch(first_line: Option<u64>) -> Rejection {
    let (fa, en) = match first_line {
        Some(n) => (
            format!(
                "این کد ملی در سطر {} همین فهرست هم آمده است",
                crate::core::text::to_persian_digits(&n.to_string())
            ),
            format!("the same national ID is on line {n} of this batch"),
        ),
        None => (
            "این کد ملی در همین فهرست دوباره آمده است".into(),
            "the same national ID is on an earlier line of this batch".into(),
        ),
    };
    Rejection {
        code: "duplicate_in_batch",
        field: "national_id",
        message_fa: fa,
        message_en: en,
    }
}

/// One applicant of a `card` or `certify` run, checked and priced: the outcome so
/// far, and the receipt to record when accepted.
pub struct Charge {
    pub outcome: Outcome,
    pub receipt: Option<crate::docs::Receipt>,
    pub program: String,
    pub exam_stage: u32,
    pub schedule_id: String,
}

/// Records the accepted charges (unless a dry run, or `--strict` with a rejection),
/// writes their documents and one result row each, prints the summary. Returns the
/// exit code and the receipts newly recorded.
pub fn record_charges(
    common: &crate::cli::Common,
    args: &crate::cli::BatchOutput,
    office_code: &str,
    charges: Vec<Charge>,
) -> Result<(std::process::ExitCode, Vec<crate::docs::Receipt>)> {
    use crate::docs::{self, Combined, Doc};
    use crate::ledger::{Ledger, NewReceipt, Recorded};

    let format = super::output_format(common);
    if format == Format::Pdf {
        anyhow::bail!("results are csv or json; documents go to --out DIR or --combined FILE");
    }
    let rejected = charges
        .iter()
        .filter(|c| c.outcome.status == Status::Rejected)
        .count();
    let strict_stop = args.strict && rejected > 0;
    let record = !args.dry_run && !strict_stop;
    let mut ledger = if record {
        Some(Ledger::open(common.ledger()?)?)
    } else {
        None
    };
    if let (Some(dir), true) = (&args.out, record) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let size = common.paper.size();
    let mut combined = Combined::new("pishkhan", size);
    let mut results = Results::new(format)?;
    let mut new = Vec::new();
    let (mut accepted, mut duplicates) = (0u64, 0u64);
    let (mut office_sum, mut tvto_sum) = (Money::ZERO, Money::ZERO);
    for mut c in charges {
        if let (Some(l), Some(receipt), Status::Accepted) =
            (ledger.as_mut(), &c.receipt, c.outcome.status)
        {
            match l.record(&NewReceipt {
                office_code,
                program: &c.program,
                exam_stage: c.exam_stage,
                schedule_id: &c.schedule_id,
                person: None,
                document: receipt,
            })? {
                Recorded::New(n) => c.outcome.receipt_no = n,
                Recorded::Duplicate(n) => {
                    c.outcome.status = Status::Duplicate;
                    c.outcome.receipt_no = n;
                }
            }
        }
        if let (Some(l), false) = (
            ledger.as_ref(),
            c.outcome.status == Status::Rejected || c.outcome.receipt_no.is_empty(),
        ) {
            let doc = l
                .document(office_code, &c.outcome.receipt_no)?
                .ok_or_else(|| {
                    anyhow!("receipt {} vanished from the ledger", c.outcome.receipt_no)
                })?;
            if let Some(dir) = &args.out {
                let path = dir.join(format!("{}.pdf", c.outcome.receipt_no));
                if c.outcome.status == Status::Accepted || !path.exists() {
                    write_atomic(&path, &docs::render(&[Doc::of(doc.clone())], size))?;
                }
            }
            if args.combined.is_some() {
                combined.push(&Doc::of(doc.clone()));
            }
            if c.outcome.status == Status::Accepted {
                new.push(doc);
            }
        }
        match c.outcome.status {
            Status::Accepted => {
                accepted += 1;
                office_sum = office_sum.checked_add(c.outcome.office_total)?;
                tvto_sum = tvto_sum.checked_add(c.outcome.tvto_fee)?;
            }
            Status::Duplicate => duplicates += 1,
            Status::Rejected => {}
        }
        results.write(&c.outcome)?;
    }
    results.finish()?;
    if let (Some(path), false) = (&args.combined, combined.is_empty()) {
        write_atomic(path, &combined.finish())?;
    }
    if strict_stop {
        eprintln!("--strict: {rejected} row(s) rejected; nothing was recorded / هیچ چیز ثبت نشد");
    }
    eprintln!(
        "{}accepted {accepted}, rejected {rejected}, already done {duplicates}; office fees {office_sum}, TVTO money {tvto_sum}",
        if record { "" } else { "not recorded: " },
    );
    let code = if rejected > 0 {
        std::process::ExitCode::from(super::EXIT_REJECTED)
    } else {
        std::process::ExitCode::SUCCESS
    };
    Ok((code, new))
}
