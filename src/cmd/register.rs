//! `pishkhan register`: the clerk's daily batch. Each row is checked and priced by the
//! desk, recorded in the ledger under the next receipt number, and answered with a
//! result line; accepted rows get their receipt, rejected rows their reasons.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use clap::ValueEnum;

use super::charging::{self, Front};
use crate::cli::{BatchArgs, Common};
use crate::desk::register::Registrar;
use crate::desk::rules;
use crate::input::{APPLICANT_COLUMNS, Encoding, Sheet, open_source};

const EXAMPLES: &str = "\
Examples:
  # The shipped sheet on a day of stage 4's registration window (exit 1: 7 rows rejected)
  pishkhan register examples/applicants.csv --config examples/office.toml --date 1402/10/26 \\
      --out receipts/
  # Again: nothing is charged twice; the office is the ledger's (exit 1: the same 7 rows)
  pishkhan register examples/applicants.csv --date 1402/10/26 --rejects fix-these.csv \\
      --combined today.pdf
  # Check only, from standard input, one JSON object per row (exit 1)
  pishkhan register - --format json --dry-run --date 1402/10/26 < examples/applicants.csv
  # Another office's day, in its own ledger
  pishkhan register examples/branch.csv --office-code 37-5678 --date 1402/10/27 \\
      --office-name 'دفتر پیشخوان خدمات دولت ۵۶۷۸ قم' --ledger branch.sqlite
  # A receipt again, byte for byte as first printed
  pishkhan register --reprint 1402-000001 --out receipts/

Rows are recorded in groups (up to 2,000 rows or 50 ms, one transaction each) under
the office's next receipt numbers; a group's result lines, receipts and rejects are
written only after it is on the disk. A re-run of the same sheet registers only what
is not there yet: the rest come back as duplicates, not charged again, and a receipt
PDF that an interrupted run did not write is written. Without --config or
--office-code, the office is the one the ledger's receipts belong to.

One result row per input row (CSV in a pipe, a table on a terminal):
  line,national_id,status,receipt_no,office_total,tvto_fee,total,code,message_fa,message_en,file
Exit codes: 0 all rows accepted (or already registered); 1 some rows rejected; 2 usage
or configuration error, nothing processed; 3 rows recorded but some outputs not
written (run the same command again to write them).";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Applicant sheets (CSV, .xlsx, .xls or .ods); - reads standard input
    #[arg(value_name = "CSV", required_unless_present = "reprint")]
    pub csv: Vec<String>,

    /// Write the rejected rows, unchanged, with their reasons: fix and feed back
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// The sheet's encoding [default: UTF-8, or Windows-1256 when the bytes are not UTF-8]
    #[arg(long, value_enum)]
    pub encoding: Option<EncodingArg>,

    #[command(flatten)]
    pub batch: BatchArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "windows-1256")]
    Windows1256,
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let b = &args.batch;
    if let Some(done) = charging::reprint_if_asked(common, b)? {
        return Ok(done);
    }
    if args.csv.iter().filter(|c| *c == "-").count() > 1 {
        bail!("standard input (-) can be read only once");
    }
    let names: Vec<&str> = args.csv.iter().map(String::as_str).collect();
    let front = Front::open(common, b, &names, &[("--rejects", args.rejects.as_deref())])?;
    let mut registrar = Registrar::new(&front.ctx, front.program()?, &front.office_code)?;

    // Every sheet must open (headers, encoding) before any row is processed.
    let encoding = args.encoding.map(|e| match e {
        EncodingArg::Utf8 => Encoding::Utf8,
        EncodingArg::Windows1256 => Encoding::Windows1256,
    });
    let mut sheets = Vec::new();
    let mut stats = Vec::new();
    for name in &args.csv {
        let sheet = Sheet::open_sheet(
            name,
            open_source(name).with_context(|| format!("cannot read {name}"))?,
            encoding,
            APPLICANT_COLUMNS,
            b.sheet.as_deref(),
        )?;
        let why = match (encoding, sheet.encoding) {
            _ if sheet.sheet.is_some() => "",
            (Some(_), _) => " (--encoding)",
            (None, Encoding::Windows1256) => " (the bytes are not UTF-8)",
            (None, Encoding::Utf8) => "",
        };
        eprintln!("{name}: read as {}{why}", sheet.described());
        let file: Arc<str> = Arc::from(name.as_str());
        let headers = sheet.headers.clone();
        stats.push((name.clone(), sheet.stats()));
        let mut rows = sheet.peekable();
        if rows.peek().is_none() {
            eprintln!("{name}: no applicant rows / فایل هیچ سطر متقاضی ندارد");
        }
        sheets.push((file, headers, rows));
    }
    if sheets.iter_mut().all(|(_, _, rows)| rows.peek().is_none()) {
        bail!(
            "{}: no applicant rows, only a header / فایل هیچ سطر متقاضی ندارد",
            args.csv.join(", ")
        );
    }

    let spec = front.spec(crate::docs::RUN_TITLES[0], args.rejects.clone(), None);
    let equal_digits = registrar.equal_digit_rows();
    let entries = sheets
        .into_iter()
        .flat_map(|(file, headers, rows)| rows.map(move |row| (file.clone(), headers.clone(), row)))
        .map(move |(file, headers, row)| Ok(registrar.check(&file, &headers, row)));
    front.charge(
        Box::new(entries),
        spec,
        ("already registered", "تکراری"),
        || {
            for (name, s) in &stats {
                if let Some(line) = s.summary(name) {
                    eprintln!("{line}");
                }
            }
            if let Ok(rows) = equal_digits.lock()
                && !rows.is_empty()
            {
                eprintln!("{}", rules::equal_digit_summary(&rows));
            }
        },
    )
}
