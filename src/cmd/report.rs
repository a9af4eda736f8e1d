//! `pishkhan report`: the fees of a period, over one ledger or several merged. Per
//! service line (a line priced under two schedules is two rows), per day and per
//! office; the office's revenue and TVTO's money apart. The report is a pure function
//! of the ledgers' receipts ([`Report::receipt`]), each ledger verified whole (hash
//! chain, numbering, totals) before anything is printed; the table, CSV, JSON and
//! PDF are renderings of it.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;

use super::{Binary, emit, emit_binary, load_office, load_tariffs};
use crate::cli::{Common, parse_date};
use crate::core::jalali::JalaliDate;
use crate::core::text::fa;
use crate::desk::audit::{self, Ledgers};
use crate::desk::report::Report;
use crate::docs;
use crate::outputs::report as render;

const EXAMPLES: &str = "\
Examples:
  pishkhan report --month 1402/10
  pishkhan report --from 1402/10/25 --to 1402/11/30 --format json
  pishkhan report --month ۱۴۰۲/۱۰ --ledger pishkhan.sqlite --ledger branch.sqlite
  pishkhan report --month 1402/10 --export lines.csv
  pishkhan report --month 1402/10 --format pdf > report.pdf

Per service line, per day and per office: the office's revenue, and the TVTO money it
collected (exam fee by cluster, certificate fee) apart. Before anything is printed,
each ledger is verified whole (hash chain, numbers without gaps, lines adding up to
each receipt's totals): any finding stops the report (exit 2, run `pishkhan audit`),
as do a ledger given twice and two ledgers of one office. Each ledger's chain head is
printed on stderr (and in the table and JSON): keep them. --format pdf writes an A4
report (tables, a chart of office revenue by day or by week, page numbers) to standard output,
which must not be a terminal.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A Jalali month, 1402/11
    #[arg(long, value_name = "YYYY/MM", conflicts_with_all = ["from", "to"], required_unless_present_all = ["from", "to"])]
    pub month: Option<String>,

    /// First day of the period
    #[arg(long, value_name = "YYYY/MM/DD", value_parser = parse_date, requires = "to")]
    pub from: Option<JalaliDate>,

    /// Last day of the period
    #[arg(long, value_name = "YYYY/MM/DD", value_parser = parse_date, requires = "from")]
    pub to: Option<JalaliDate>,

    /// Also write every charged line of the period as CSV
    #[arg(long, value_name = "FILE")]
    pub export: Option<std::path::PathBuf>,

    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum, env = "PISHKHAN_FORMAT")]
    pub format: Option<ReportFormat>,

    /// Write the report into FILE (whole or not at all) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,

    /// Also write the office's signed statement of --month into FILE (needs the
    /// office's key; one ledger of one office)
    #[arg(long, value_name = "FILE", requires = "month")]
    pub statement: Option<std::path::PathBuf>,

    /// The report of --month from offices' signed statements (files, or folders of
    /// *.json) instead of ledgers: the guild's, with no ledger and no personal data
    #[arg(long, value_name = "FILE|DIR", num_args = 1.., requires_all = ["keys", "month"], conflicts_with_all = ["statement", "export"])]
    pub statements: Vec<std::path::PathBuf>,

    /// The guild's registry of office keys, for --statements
    #[arg(long, value_name = "REGISTRY")]
    pub keys: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Csv,
    Json,
    Pdf,
    /// An Excel workbook (summary, lines, days, offices), for `--out FILE`.
    Xlsx,
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let (from, to) = match (&args.month, args.from, args.to) {
        (Some(m), _, _) => JalaliDate::parse_month(m)?,
        (None, Some(f), Some(t)) if f <= t => (f, t),
        (None, Some(f), Some(t)) => bail!("--from {f} is after --to {t}"),
        _ => bail!("give --month YYYY/MM, or --from and --to"),
    };
    let format = args.format.unwrap_or(if crate::cli::stdout_is_terminal() {
        ReportFormat::Table
    } else {
        ReportFormat::Csv
    });
    let mut plan = super::plan(common);
    plan.output("--export", args.export.as_deref())
        .output("--out", args.out.as_deref())
        .output("--statement", args.statement.as_deref())
        .check()?;
    if let (Some(file), Some(month)) = (&args.statement, &args.month) {
        super::oversight::sign_statement(common, month, file)?;
    }
    let tariffs = load_tariffs(common)?;
    let rows = tariffs
        .schedules
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| (l.code.clone(), l.row)))
        .collect();
    let mut report = Report::new(from, to, rows);
    if let Some(keys) = args.keys.as_deref().filter(|_| !args.statements.is_empty()) {
        from_statements(&args.statements, keys, &mut report)?;
        return print(common, args, format, &report);
    }
    let mut export = args
        .export
        .as_deref()
        .map(render::Export::start)
        .transpose()?;
    let read = read_ledgers(&common.ledger, &mut report, export.as_mut());
    match (read, export, &args.export) {
        (Err(e), Some(export), _) => {
            export.abandon();
            return Err(e);
        }
        (Ok(()), Some(export), Some(path)) => export.finish(path)?,
        (read, _, _) => read?,
    }
    print(common, args, format, &report)
}

/// The month from signed statements: each one's signature checked against the
/// registry; a forged, unsigned, duplicate statement, or one of another month, is
/// refused and named, never summed (exit 2, nothing reported).
fn from_statements(
    paths: &[std::path::PathBuf],
    keys: &std::path::Path,
    report: &mut Report,
) -> Result<()> {
    let registry = super::oversight::load_registry(keys)?;
    let read = super::oversight::read_statements(paths)?;
    let month = format!("{:04}/{:02}", report.from.year(), report.from.month());
    let (findings, kept) = super::oversight::screen(read, &registry);
    // Missing months are another report's concern: one month is summed here.
    let refused: Vec<_> = findings
        .iter()
        .filter(|f| f.code != "statement_missing")
        .collect();
    for f in &refused {
        eprintln!("{f}");
    }
    if !refused.is_empty() {
        bail!(
            "{} statement(s) refused: nothing is reported / صورت‌حساب نادرست در میان است و گزارشی داده نشد",
            refused.len()
        );
    }
    // A folder may hold every month's: the asked month's are summed.
    let mut summed = 0;
    for (file, s) in kept.iter().filter(|(_, s)| s.month == month) {
        summed += 1;
        report
            .statement(s)
            .with_context(|| format!("{}", file.display()))?;
    }
    eprintln!(
        "{summed} signed statement(s) of {month} (of {} read and checked)",
        kept.len()
    );
    Ok(())
}

/// The report in `format`, to --out or standard output.
fn print(common: &Common, args: &Args, format: ReportFormat, report: &Report) -> Result<ExitCode> {
    let (bytes, binary) = match format {
        ReportFormat::Json => (
            format!(
                "{}\n",
                serde_json::to_string_pretty(&render::json(report)?)?
            )
            .into_bytes(),
            None,
        ),
        ReportFormat::Csv => (render::csv(report)?.into_bytes(), None),
        ReportFormat::Table => (render::table(report)?.into_bytes(), None),
        ReportFormat::Xlsx => (render::xlsx(report)?, Some(Binary::Workbook)),
        ReportFormat::Pdf => {
            let office_name = match report.offices.len() {
                0 | 1 => load_office(common)?.name,
                _ => None,
            };
            let doc = docs::render_report(report, office_name.as_deref()).map_err(|o| {
                anyhow::anyhow!("گزارش در کاغذ جا نمی‌شود / the report does not fit A4: {o}")
            })?;
            (doc, Some(Binary::Pdf))
        }
    };
    match &args.out {
        Some(path) => crate::files::write_atomic(path, &bytes)?,
        None => match binary {
            Some(what) => emit_binary(&bytes, what, "give --out FILE")?,
            None => emit(&bytes)?,
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// Findings printed by a report that refuses a ledger.
const SHOWN: usize = 20;

/// Verifies and adds up each ledger in turn, one at a time: memory does not grow
/// with their number. Any finding, a ledger given twice, or two ledgers of one office
/// stop the report.
fn read_ledgers(
    paths: &[std::path::PathBuf],
    report: &mut Report,
    mut export: Option<&mut render::Export>,
) -> Result<()> {
    let mut seen = Ledgers::default();
    for path in paths {
        // One ledger at a time, closed before the next: memory does not grow with
        // their number.
        let ledger =
            super::read_ledger(path)?.ok_or_else(|| anyhow!("no ledger at {}", path.display()))?;
        // The chain, the sums and the export from one state of the ledger, though a
        // batch may be recording meanwhile.
        ledger.snapshot()?;
        let id = ledger.identity()?;
        if let Some(f) = seen.add(
            &path.display().to_string(),
            &id.ledger_id,
            &ledger.offices()?,
        ) {
            bail!("{}; nothing is reported / {}", f.message_en, f.message_fa);
        }
        let mut findings = Vec::new();
        let verified = ledger
            .verify(|c| {
                audit::consistent(c, &mut findings);
                report.receipt(c)?;
                if let Some(e) = &mut export {
                    e.receipt(c, report.from, report.to)?;
                }
                Ok(())
            })
            .with_context(|| format!("cannot read the ledger {}", path.display()))?;
        findings.splice(0..0, verified.findings);
        if !findings.is_empty() {
            // The first ones; `audit` lists them all.
            for f in findings.iter().take(SHOWN) {
                eprintln!("{}: {f}", path.display());
            }
            if findings.len() > SHOWN {
                eprintln!(
                    "{}: … and {} more / و {} مورد دیگر",
                    path.display(),
                    findings.len() - SHOWN,
                    fa(findings.len() - SHOWN)
                );
            }
            bail!(
                "{}: {} finding(s): the ledger is not as pishkhan recorded it; nothing is reported. `pishkhan audit --ledger {}` tells more / دفتر دست خورده است و گزارشی داده نشد",
                path.display(),
                findings.len(),
                path.display()
            );
        }
        for h in &verified.heads {
            eprintln!(
                "{}: ledger {}, chain head of office {} in {}: {} {}",
                path.display(),
                id.ledger_id,
                h.office_code,
                h.year,
                h.number,
                h.hash
            );
        }
        report.heads.extend(verified.heads);
    }
    Ok(())
}
