//! The front the charging commands (register, card, certify) share: their settings
//! worked out once from the arguments ([`Front`], as ripgrep builds its high-level
//! settings once and hands them down), and the batch run through the desk's one
//! recording loop into the run's [`crate::outputs`]. Each command keeps only what is
//! its own: which sheet it reads and what the desk makes of each row.
//!
//! A group arrives only after its transaction has committed, and its result lines are
//! printed only after its PDFs are on the disk: the group's files are written under
//! temporary names, synced at once, renamed, and the directory synced. An output that
//! fails is given up (the rest of the batch is still recorded, every row still gets
//! its result line) and reported at the end, for exit code 3: a re-run writes it.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::fs;

use anyhow::{Context as _, Result, anyhow, bail};

use super::{
    Binary, EXIT_OK, EXIT_REJECTED, EXIT_UNWRITTEN, batch_plan, context, emit_binary, office_for,
    read_ledger,
};
use crate::cli::{BatchArgs, Common};
use crate::core::calendar::Program;
use crate::core::text::fa_grouped;
use crate::desk::batch::{Entry, Mode, Summary};
use crate::desk::book::{Book, NoLedger, Registry};
use crate::desk::context::Context;
use crate::desk::rules;
use crate::ledger::Ledger;
use crate::outputs::{DataFormat, Outputs, Spec};

/// The rows a command hands to the recording loop.
pub type Entries<'a> = Box<dyn Iterator<Item = Result<Entry>> + Send + 'a>;

/// `--reprint RECEIPT_NO`: the receipt printed again, and the command is done.
pub fn reprint_if_asked(common: &Common, b: &BatchArgs) -> Result<Option<ExitCode>> {
    b.reprint
        .as_deref()
        .map(|number| reprint(common, b, number))
        .transpose()
}

/// A charging command's settings, worked out once: the files it may not write over
/// refused, the ledger brought up to date and opened for reading, the desk's context
/// (tariffs, calendar, office, key, date and time), the office that charges, and how
/// the results are printed.
pub struct Front<'a> {
    pub batch: &'a BatchArgs,
    pub ctx: Context,
    pub office_code: String,
    path: &'a Path,
    /// The command's read-only view of the ledger, closed before the writer.
    reader: RefCell<Option<Ledger>>,
    format: DataFormat,
}

impl<'a> Front<'a> {
    /// `sheets` are the files the command reads; `outputs` its own output files
    /// (`--rejects`, `--sms`) beside the batch's.
    pub fn open(
        common: &'a Common,
        batch: &'a BatchArgs,
        sheets: &[&str],
        outputs: &[(&str, Option<&Path>)],
    ) -> Result<Front<'a>> {
        let mut plan = batch_plan(common, batch, sheets)?;
        for (flag, file) in outputs {
            plan.output(flag, *file);
        }
        plan.check()?;
        let path = common.ledger()?;
        if !batch.dry_run {
            // Reading never migrates; a command that records brings the ledger up to date.
            Ledger::bring_up_to_date(path)?;
        }
        let reader = Ledger::open_read_only(path)?;
        let ctx = context(common, batch.time.as_deref(), reader.as_ref())?;
        let office_code = rules::office_code(ctx.office_code(), batch.dry_run)?;
        Ok(Front {
            batch,
            ctx,
            office_code,
            path,
            reader: RefCell::new(reader),
            format: batch.format.get(),
        })
    }

    /// The exam program the run is for (`--program`, or the calendar's only one).
    pub fn program(&self) -> Result<&Program> {
        rules::program(&self.ctx.calendar, self.batch.program.as_deref())
    }

    /// National IDs registered for a program's stage, from the command's view.
    pub fn registered(&self, program: &str, stage: u32) -> Result<Vec<String>> {
        match &*self.reader.borrow() {
            Some(l) => l.registered(program, stage),
            None => Ok(Vec::new()),
        }
    }

    /// Registrations looked up on the checking thread, over a connection of its own.
    pub fn lookup(&self) -> Result<Box<dyn Registry + Send>> {
        Ok(match Ledger::open_read_only(self.path)? {
            Some(l) => Box::new(l),
            None => Box::new(NoLedger),
        })
    }

    /// The run's outputs: the batch's own, and the command's rejects and SMS files.
    /// `title` names the combined PDF.
    pub fn spec(&self, title: &str, rejects: Option<PathBuf>, sms: Option<PathBuf>) -> Spec {
        let b = self.batch;
        Spec {
            office_code: self.office_code.clone(),
            format: self.format,
            results: b.results.clone(),
            out: b.out.clone(),
            combined: b.combined.clone(),
            rejects,
            sms,
            mobiles: self.ctx.mobiles.clone(),
            paper: b.paper.size(),
            title: title.into(),
        }
    }

    /// Charges `entries` into `spec`'s outputs and ends the run: the summary on
    /// stderr, and the exit code. `done` names rows charged before, in English and
    /// Persian. `after` runs once the batch is through, before the summary (the
    /// command's own notes).
    pub fn charge(
        &self,
        entries: Entries<'_>,
        spec: Spec,
        done: (&str, &str),
        after: impl FnOnce(),
    ) -> Result<ExitCode> {
        let reader = self.reader.borrow_mut().take();
        let (summary, unwritten) = charge(self.path, self.batch, reader, entries, spec)?;
        after();
        Ok(batch_end(&summary, &unwritten, done))
    }
}

/// Runs a batch through the desk's recording loop into the run's outputs: recorded
/// in groups, or with `--dry-run` only checked, or with `--strict` all or nothing.
/// The ledger is opened for writing (and created) only here, once the command has
/// read everything it needs; `reader`, the command's own view of it, is closed
/// before the writer, which as the last connection leaves no WAL behind. Returns
/// the summary and what could not be written.
fn charge(
    path: &Path,
    b: &BatchArgs,
    reader: Option<Ledger>,
    entries: Entries<'_>,
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

/// Prints a receipt (or an exam-date slip) again from the ledger, identical to the
/// first print: into `--out`, `--combined`, or standard output. The ledger knows the
/// office when it holds one office's receipts.
pub fn reprint(common: &Common, args: &BatchArgs, number: &str) -> Result<ExitCode> {
    batch_plan(common, args, &[])?.check()?;
    let path = common.ledger()?;
    let ledger = read_ledger(path)?.ok_or_else(|| anyhow!("no ledger at {}", path.display()))?;
    let code = match office_for(common, Some(&ledger))?.code {
        Some(c) => c,
        None => bail!("the ledger {} holds no receipts yet", path.display()),
    };
    let number = crate::core::text::to_ascii_digits(number.trim());
    let doc = ledger.document(&code, &number)?.ok_or_else(|| {
        anyhow!(
            "no receipt {number} of office {code} in {} / رسید {} در دفتر نیست",
            path.display(),
            crate::core::text::to_persian_digits(&number)
        )
    })?;
    let pdf = crate::docs::print(&doc, args.paper.size())
        .map_err(|o| anyhow!(crate::docs::unfit(&number, &o)))?;
    match (&args.out, &args.combined) {
        (Some(dir), _) => {
            // The code names the file: one that breaks the rule (a ledger made by an
            // earlier pishkhan, or received from elsewhere) could lead it out of DIR.
            crate::core::office::normalize_code(&code).map_err(|e| {
                anyhow!("the ledger's office code cannot name a file in {}: {e}; print to --combined FILE or standard output instead", dir.display())
            })?;
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let file = dir.join(crate::outputs::receipt_file(&code, &number));
            crate::files::write_atomic(&file, &pdf)?;
            eprintln!("{}", file.display());
        }
        (None, Some(file)) => crate::files::write_atomic(file, &pdf)?,
        (None, None) => emit_binary(&pdf, Binary::Pdf, "give --out DIR")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The end of a batch: the summary (English and Persian), what went unwritten, and
/// the exit code: 3 when outputs are missing, else 1 when rows were rejected, else 0.
pub fn batch_end(
    summary: &crate::desk::batch::Summary,
    unwritten: &[String],
    done: (&str, &str),
) -> ExitCode {
    let note = if summary.recorded {
        ""
    } else {
        "not recorded: "
    };
    eprintln!("{note}{}", summary.line(done.0, done.1));
    crate::outputs::report_unwritten(unwritten);
    ExitCode::from(if !unwritten.is_empty() {
        EXIT_UNWRITTEN
    } else if summary.rejected > 0 {
        EXIT_REJECTED
    } else {
        EXIT_OK
    })
}
