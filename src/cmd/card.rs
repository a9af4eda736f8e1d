//! `pishkhan card`: the exam-date slip (برگ اعلام زمان آزمون) for registered
//! applicants, inside the stage's entry-card window: service line 5, charged once,
//! and SMS rows telling each applicant when and where the written exam is.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};

use super::charging::{self, Front};
use crate::cli::{BatchArgs, Common};
use crate::desk::card::{Slips, Wanted};
use crate::desk::rules;
use crate::input::{Field, Sheet, open_source};

const EXAMPLES: &str = "\
Examples:
  # Slips for the applicants the portal gave a time and venue, with SMS rows
  pishkhan card examples/portal-times.csv --date 1402/11/24 --out slips/ --sms sms.csv
  # Then everyone registered for the stage; those above are not charged again
  pishkhan card --date 1402/11/24 --combined slips.pdf --sms sms.csv
  # A slip again
  pishkhan card --reprint 1402-000014 --out slips/

Without a CSV, every applicant registered for the stage gets a slip; a CSV of
national_id (and exam_time, venue as the portal gave them) picks some. The service
date must be inside the stage's entry-card window. Line 5 is charged once per
applicant: a second run is a duplicate, not a second charge. --sms lists every
applicant of the run who has a slip, new or issued before, so a second run gives the
whole list again. Exit codes as for register.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// National IDs to issue slips for (with exam_time, venue) [default: everyone registered]
    #[arg(value_name = "CSV")]
    pub csv: Option<String>,

    /// The exam stage's number [default: the stage whose entry-card window holds the date]
    #[arg(long, value_name = "N")]
    pub stage: Option<u32>,

    /// Write mobile,message rows for an SMS gateway
    #[arg(long, value_name = "FILE")]
    pub sms: Option<PathBuf>,

    #[command(flatten)]
    pub batch: BatchArgs,
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let b = &args.batch;
    if let Some(done) = charging::reprint_if_asked(common, b)? {
        return Ok(done);
    }
    let names: Vec<&str> = args.csv.iter().map(String::as_str).collect();
    let front = Front::open(common, b, &names, &[("--sms", args.sms.as_deref())])?;
    let program = front.program()?;
    let mut slips = Slips::new(&front.ctx, program, args.stage, &front.office_code)?;

    // Who gets a slip: the CSV's national IDs, or everyone registered for the stage.
    let (file, wanted): (Arc<str>, Vec<_>) = match &args.csv {
        Some(name) => {
            let sheet = Sheet::open_sheet(
                name,
                open_source(name).with_context(|| format!("cannot read {name}"))?,
                None,
                &[(Field::NationalId, "national_id", "کد ملی")],
                b.sheet.as_deref(),
            )?;
            let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
            let rows = sheet
                .map(|row| match row {
                    Ok(r) => Ok(Wanted {
                        line: r.line,
                        national_id: r.input.national_id.clone(),
                        exam_time: some(&r.input.exam_time),
                        venue: some(&r.input.venue),
                    }),
                    Err(bad) => Err((bad.line, rules::malformed(&bad))),
                })
                .collect();
            (Arc::from(name.as_str()), rows)
        }
        None => {
            let rows = front
                .registered(&program.code, slips.stage().number)?
                .into_iter()
                .enumerate()
                .map(|(i, national_id)| {
                    Ok(Wanted {
                        line: i as u64 + 1,
                        national_id,
                        ..Wanted::default()
                    })
                })
                .collect();
            (Arc::from("ledger"), rows)
        }
    };

    let lookup = front.lookup()?;
    let spec = front.spec(crate::docs::RUN_TITLES[1], None, args.sms.clone());
    let entries = wanted
        .into_iter()
        .map(move |w| slips.check(&file, lookup.as_ref(), w));
    front.charge(
        Box::new(entries),
        spec,
        ("slips issued before", "صادرشده از پیش"),
        || {},
    )
}
