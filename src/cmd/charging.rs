//! How the charging commands (register, card, certify) run a batch: through the
//! desk's one recording loop into the run's [`crate::outputs`].
//!
//! A group arrives only after its transaction has committed, and its result lines are
//! printed only after its PDFs are on the disk: the group's files are written under
//! temporary names, synced at once, renamed, and the directory synced. An output that
//! fails is given up (the rest of the batch is still recorded, every row still gets
//! its result line) and reported at the end, for exit code 3: a re-run writes it.

use anyhow::Result;

use crate::cli::BatchArgs;
use crate::core::text::fa_grouped;
use crate::desk::batch::{Entry, Mode, Summary};
use crate::desk::book::{Book, NoLedger, Registry};
use crate::ledger::Ledger;
use crate::outputs::{Outputs, Spec};

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
