//! `pishkhan certify`: after a final pass, lines 6–7 and TVTO's certificate fee, with
//! a certificate receipt. The only command that ever charges the certificate fee.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};

use super::charging;
use super::{batch_end, context, reprint};
use crate::cli::{BatchArgs, Common};
use crate::desk::book::{NoLedger, Registry};
use crate::desk::certify::{Certificates, ExamResult};
use crate::desk::rules;
use crate::input::{Field, Sheet, open_source};
use crate::ledger::Ledger;
use crate::outputs::Spec;

const EXAMPLES: &str = "\
Examples:
  # Three passed, one failed (exit 1: the one who failed pays nothing)
  pishkhan certify examples/results.csv --date 1402/12/10 --out certs/
  # A certificate receipt again
  pishkhan certify --reprint 1402-000027 --out certs/

The CSV has national_id (کد ملی) and result (نتیجه: قبول نهایی / passed, or anything
else). Only an applicant registered in this ledger who finally passed is charged lines
6–7 and TVTO's certificate fee; this is the only command that ever charges the
certificate fee, and a second run is a duplicate, not a second charge. Exit codes as
for register.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// national_id,result rows
    #[arg(value_name = "CSV", required_unless_present = "reprint")]
    pub csv: Option<String>,

    #[command(flatten)]
    pub batch: BatchArgs,
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let b = &args.batch;
    if let Some(number) = &b.reprint {
        return reprint(common, b, number);
    }
    let Some(name) = &args.csv else {
        bail!("give the results CSV (national_id,result)");
    };
    super::batch_plan(common, b, &[name.as_str()])?.check()?;
    let path = common.ledger()?;
    if !b.dry_run {
        // Reading never migrates; a command that records brings the ledger up to date.
        Ledger::bring_up_to_date(path)?;
    }
    let reader = Ledger::open_read_only(path)?;
    let ctx = context(common, b.time.as_deref(), reader.as_ref())?;
    let office_code = rules::office_code(ctx.office_code(), b.dry_run)?;
    let mut certificates = Certificates::new(&ctx, &office_code)?;
    let sheet = Sheet::open_sheet(
        name,
        open_source(name).with_context(|| format!("cannot read {name}"))?,
        None,
        &[
            (Field::NationalId, "national_id", "کد ملی"),
            (Field::Result, "result", "نتیجه"),
        ],
        args.batch.sheet.as_deref(),
    )?;
    let file: Arc<str> = Arc::from(name.as_str());
    // Registrations are looked up on the checking thread, over a connection of its own.
    let lookup: Box<dyn Registry + Send> = match Ledger::open_read_only(path)? {
        Some(l) => Box::new(l),
        None => Box::new(NoLedger),
    };
    // The whole sheet first (one row per examinee): rows that disagree are found
    // before any is charged.
    let rows: Vec<_> = sheet
        .map(|row| match row {
            Ok(r) => Ok(ExamResult {
                line: r.line,
                national_id: r.input.national_id,
                result: r.input.result,
            }),
            Err(bad) => Err((bad.line, rules::malformed(&bad))),
        })
        .collect();
    certificates.see_all(&rows);
    let entries = rows
        .into_iter()
        .map(move |row| certificates.check(&file, lookup.as_ref(), row));
    let spec = Spec {
        office_code: office_code.clone(),
        format: b.format.get(),
        results: b.results.clone(),
        out: b.out.clone(),
        combined: b.combined.clone(),
        rejects: None,
        sms: None,
        mobiles: ctx.mobiles.clone(),
        paper: b.paper.size(),
        title: crate::docs::RUN_TITLES[2].into(),
    };
    let (summary, unwritten) = charging::charge(path, b, reader, Box::new(entries), spec)?;
    Ok(batch_end(
        &summary,
        &unwritten,
        ("certified before", "پرداخت‌شده از پیش"),
    ))
}
