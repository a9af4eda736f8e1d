//! `pishkhan certify`: after a final pass, lines 6–7 and TVTO's certificate fee, with
//! a certificate receipt. The only command that ever charges the certificate fee.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};

use super::charging::{self, Front};
use crate::cli::{BatchArgs, Common};
use crate::desk::certify::{Certificates, ExamResult};
use crate::desk::rules;
use crate::input::{Field, Sheet, open_source};

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
    if let Some(done) = charging::reprint_if_asked(common, b)? {
        return Ok(done);
    }
    let Some(name) = &args.csv else {
        bail!("give the results CSV (national_id,result)");
    };
    let front = Front::open(common, b, &[name.as_str()], &[])?;
    let mut certificates = Certificates::new(&front.ctx, &front.office_code)?;
    let sheet = Sheet::open_sheet(
        name,
        open_source(name).with_context(|| format!("cannot read {name}"))?,
        None,
        &[
            (Field::NationalId, "national_id", "کد ملی"),
            (Field::Result, "result", "نتیجه"),
        ],
        b.sheet.as_deref(),
    )?;
    let file: Arc<str> = Arc::from(name.as_str());
    let lookup = front.lookup()?;
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
    let spec = front.spec(crate::docs::RUN_TITLES[2], None, None);
    front.charge(
        Box::new(entries),
        spec,
        ("certified before", "پرداخت‌شده از پیش"),
        || {},
    )
}
