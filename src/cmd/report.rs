//! `pishkhan report`: the fees of a period, over one ledger or several merged. Per
//! service line (a line priced under two schedules is two rows), per day and per
//! office; the office's revenue and TVTO's money apart. The report is a pure function
//! of the ledgers' receipts ([`Report::receipt`]), each ledger verified whole (hash
//! chain, numbering, totals) before anything is printed; the table, CSV, JSON and
//! PDF are renderings of it.

use std::collections::BTreeMap;
use std::process::ExitCode;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;
use serde_json::json;

use super::batch::safe_cell;
use super::table::Table;
use super::{emit, emit_pdf, load_office, load_tariffs};
use crate::cli::{Common, parse_date};
use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, MoneyRangeError, Unit};
use crate::core::tariff::{Kind, Stage};
use crate::core::text::{fa_grouped, to_persian_digits};
use crate::desk::audit::{self, Charged, Ledgers};
use crate::docs::{self, Split};
use crate::files::Growing;
use crate::ledger::{Head, kind_name};

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

/// One row of the per-line table.
#[derive(Clone, Debug)]
struct Line {
    /// The letter's row, for the order of the table; none for TVTO fees.
    row: Option<u32>,
    code: String,
    name_fa: String,
    kind: Kind,
    schedule_id: String,
    unit: Money,
    count: u64,
    amount: Money,
}

/// Office revenue and TVTO money, added up.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    office: Money,
    tvto: Money,
}

impl Totals {
    fn add(&mut self, kind: Kind, amount: Money) -> Result<(), MoneyRangeError> {
        match kind {
            Kind::Office => self.office = self.office.checked_add(amount)?,
            Kind::Tvto => self.tvto = self.tvto.checked_add(amount)?,
        }
        Ok(())
    }

    fn split(self) -> Result<Split, MoneyRangeError> {
        Ok(Split {
            office: self.office,
            tvto: self.tvto,
            grand: self.office.checked_add(self.tvto)?,
        })
    }
}

/// A priced line's place in the report: kind, the letter's row, code, unit, schedule.
type LineKey = (Kind, u32, Arc<str>, Money, Arc<str>);

/// The report of a period: what the ledgers' sums add up to.
struct Report {
    from: JalaliDate,
    to: JalaliDate,
    /// The letter's row of each line code, to list lines in its order.
    rows: BTreeMap<String, u32>,
    /// Office lines first, then TVTO's; each by the letter's row, code, unit, schedule.
    lines: BTreeMap<LineKey, Line>,
    days: BTreeMap<JalaliDate, Totals>,
    offices: BTreeMap<String, Totals>,
    total: Totals,
    /// Receipts by step.
    counts: BTreeMap<Stage, u64>,
    /// Each ledger's chain heads, verified.
    heads: Vec<Head>,
}

impl Report {
    fn new(from: JalaliDate, to: JalaliDate, rows: BTreeMap<String, u32>) -> Report {
        Report {
            from,
            to,
            rows,
            lines: BTreeMap::new(),
            days: BTreeMap::new(),
            offices: BTreeMap::new(),
            total: Totals::default(),
            counts: BTreeMap::new(),
            heads: Vec::new(),
        }
    }

    /// Adds one receipt, when it is of the period.
    fn receipt(&mut self, c: &Charged) -> Result<()> {
        if c.date < self.from || c.date > self.to {
            return Ok(());
        }
        *self.counts.entry(c.kind).or_default() += 1;
        for l in c.lines {
            let row = self.rows.get(&*l.code).copied();
            let key = (
                l.kind,
                row.unwrap_or(u32::MAX),
                l.code.clone(),
                l.unit,
                l.schedule_id.clone(),
            );
            let line = self.lines.entry(key).or_insert_with(|| Line {
                row,
                code: l.code.to_string(),
                name_fa: l.name_fa.to_string(),
                kind: l.kind,
                schedule_id: l.schedule_id.to_string(),
                unit: l.unit,
                count: 0,
                amount: Money::ZERO,
            });
            line.count += l.quantity;
            line.amount = line.amount.checked_add(l.amount)?;
            self.days.entry(c.date).or_default().add(l.kind, l.amount)?;
            match self.offices.get_mut(c.office_code) {
                Some(t) => t.add(l.kind, l.amount)?,
                None => {
                    let mut t = Totals::default();
                    t.add(l.kind, l.amount)?;
                    self.offices.insert(c.office_code.to_string(), t);
                }
            }
            self.total.add(l.kind, l.amount)?;
        }
        Ok(())
    }

    fn count(&self, kind: Stage) -> u64 {
        self.counts.get(&kind).copied().unwrap_or(0)
    }
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let (from, to) = match (&args.month, args.from, args.to) {
        (Some(m), _, _) => JalaliDate::parse_month(m)?,
        (None, Some(f), Some(t)) if f <= t => (f, t),
        (None, Some(f), Some(t)) => bail!("--from {f} is after --to {t}"),
        _ => bail!("give --month YYYY/MM, or --from and --to"),
    };
    let format = args
        .format
        .unwrap_or(if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
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
        sign_statement(common, month, file)?;
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
    let mut export = args.export.as_deref().map(Export::start).transpose()?;
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
        add_statement(report, s).with_context(|| format!("{}", file.display()))?;
        for h in &s.heads {
            report.heads.push(Head {
                office_code: s.office.clone(),
                year: h.year,
                number: h.number.clone(),
                hash: h.hash.clone(),
            });
        }
    }
    eprintln!(
        "{summed} signed statement(s) of {month} (of {} read and checked)",
        kept.len()
    );
    Ok(())
}

/// One office's signed month, added into the report as its ledger's receipts would.
fn add_statement(report: &mut Report, s: &crate::desk::statement::Statement) -> Result<()> {
    let money = |rial: i64| Money::from_rial(rial).map_err(|e| anyhow::anyhow!("{e}"));
    for (kind, n) in &s.receipts {
        let stage = match kind.as_str() {
            "registration" => Stage::Registration,
            "card" => Stage::Card,
            "certificate" => Stage::Certificate,
            other => bail!("a receipt kind \"{other}\" pishkhan does not know"),
        };
        *report.counts.entry(stage).or_default() += n;
    }
    let mut office = Totals::default();
    for l in &s.lines {
        let kind = match l.kind.as_str() {
            "office" => Kind::Office,
            "tvto" => Kind::Tvto,
            other => bail!("a line kind \"{other}\" pishkhan does not know"),
        };
        let row = report.rows.get(&l.code).copied().or(l.row);
        let key = (
            kind,
            row.unwrap_or(u32::MAX),
            Arc::from(l.code.as_str()),
            money(l.unit)?,
            Arc::from(l.schedule.as_str()),
        );
        let line = report.lines.entry(key).or_insert_with(|| Line {
            row,
            code: l.code.clone(),
            name_fa: l.name_fa.clone(),
            kind,
            schedule_id: l.schedule.clone(),
            unit: Money::ZERO,
            count: 0,
            amount: Money::ZERO,
        });
        line.unit = money(l.unit)?;
        line.count += l.count;
        line.amount = line.amount.checked_add(money(l.amount)?)?;
        office.add(kind, money(l.amount)?)?;
        report.total.add(kind, money(l.amount)?)?;
    }
    for d in &s.days {
        let date = JalaliDate::parse(&d.date).map_err(|e| anyhow::anyhow!("{e}"))?;
        let t = report.days.entry(date).or_default();
        t.add(Kind::Office, money(d.office)?)?;
        t.add(Kind::Tvto, money(d.tvto)?)?;
    }
    let t = report.offices.entry(s.office.clone()).or_default();
    t.add(Kind::Office, office.office)?;
    t.add(Kind::Tvto, office.tvto)?;
    Ok(())
}

/// The report in `format`, to --out or standard output.
fn print(common: &Common, args: &Args, format: ReportFormat, report: &Report) -> Result<ExitCode> {
    let (bytes, binary) = match format {
        ReportFormat::Json => (
            format!("{}\n", serde_json::to_string_pretty(&json(report)?)?).into_bytes(),
            false,
        ),
        ReportFormat::Csv => (csv(report)?.into_bytes(), false),
        ReportFormat::Table => (table(report)?.into_bytes(), false),
        ReportFormat::Xlsx => (xlsx(report)?, true),
        ReportFormat::Pdf => {
            let office_name = match report.offices.len() {
                0 | 1 => load_office(common)?.name,
                _ => None,
            };
            let doc = docs::render_report(&pdf(report, office_name)?).map_err(|o| {
                anyhow::anyhow!("گزارش در کاغذ جا نمی‌شود / the report does not fit A4: {o}")
            })?;
            (doc, true)
        }
    };
    match &args.out {
        Some(path) => crate::files::write_atomic(path, &bytes)?,
        None if binary => emit_pdf(&bytes, "give --out FILE")?,
        None => emit(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The office's signed statement of `month`, from its one ledger, into `file`.
fn sign_statement(common: &Common, month: &str, file: &std::path::Path) -> Result<()> {
    let path = common.ledger()?;
    let key = super::office_key(&load_office(common)?)?.ok_or_else(|| {
        anyhow::anyhow!("a statement is signed with the office's key: give `key` in --config (see `pishkhan key new`)")
    })?;
    let ledger = super::read_ledger(path)?
        .ok_or_else(|| anyhow::anyhow!("no ledger at {}", path.display()))?;
    ledger.snapshot()?;
    let office = match ledger.offices()?.as_slice() {
        [one] => one.clone(),
        _ => bail!(
            "a statement is one office's: the ledger {} holds none or several",
            path.display()
        ),
    };
    let statement = super::oversight::statement_of(&ledger, path, &office, month)?.sign(&key);
    // The month's statement goes into the folder the office keeps them in.
    let dir = crate::files::dir_of(file);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    crate::files::write_atomic(file, statement.to_file().as_bytes())?;
    eprintln!(
        "{}: the statement of office {office} for {}, signed with key {}",
        file.display(),
        statement.month,
        statement.key
    );
    Ok(())
}

/// The report as an Excel workbook, right to left: a summary (the period, the totals,
/// the receipts by step and each ledger's chain head), then the lines, the days and
/// the offices, each with a frozen header and amounts as numbers (toman, thousands
/// separated) whose totals are the report's.
fn xlsx(r: &Report) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook, Worksheet};
    // Amounts go into the workbook as numbers, which Excel keeps as doubles: a toman
    // amount (at most a tenth of a toman) under 2^53 is held exactly.
    let toman = |m: Money| m.rial() as f64 / 10.0;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.#");
    let count = Format::new().set_num_format("#,##0");
    let mut book = Workbook::new();
    let start = |name: &str, header: &[&str]| -> Result<Worksheet> {
        let mut ws = Worksheet::new();
        ws.set_name(name)?;
        ws.set_right_to_left(true);
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
            ws.set_column_width(c as u16, if c == 1 { 44 } else { 16 })?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(ws)
    };
    let total = r.total.split()?;

    // The summary.
    let mut ws = start("خلاصه", &["", ""])?;
    let mut row = 0;
    let mut pair =
        |ws: &mut Worksheet, label: &str, value: Option<f64>, text: Option<&str>| -> Result<()> {
            ws.write_string_with_format(row, 0, label, &bold)?;
            match (value, text) {
                (Some(v), _) => ws.write_number_with_format(row, 1, v, &money)?,
                (None, Some(t)) => ws.write_string(row, 1, t)?,
                (None, None) => ws,
            };
            row += 1;
            Ok(())
        };
    pair(&mut ws, "گزارش درآمد دفتر پیشخوان (تومان)", None, None)?;
    pair(&mut ws, "از", None, Some(&r.from.to_string()))?;
    pair(&mut ws, "تا", None, Some(&r.to.to_string()))?;
    pair(&mut ws, "درآمد دفتر", Some(toman(total.office)), None)?;
    pair(
        &mut ws,
        "وجوه سازمان آموزش فنی و حرفه‌ای",
        Some(toman(total.tvto)),
        None,
    )?;
    pair(&mut ws, "جمع کل", Some(toman(total.grand)), None)?;
    for (stage, n) in &r.counts {
        ws.write_string_with_format(row, 0, stage.name_fa(), &bold)?;
        ws.write_number_with_format(row, 1, *n as f64, &count)?;
        row += 1;
    }
    if !r.heads.is_empty() {
        row += 1;
        for (c, h) in ["سر زنجیره: کد دفتر", "سال", "آخرین رسید", "SHA-256"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(row, c as u16, *h, &bold)?;
        }
        for h in &r.heads {
            row += 1;
            ws.write_string(row, 0, &h.office_code)?;
            ws.write_number(row, 1, h.year as f64)?;
            ws.write_string(row, 2, &h.number)?;
            ws.write_string(row, 3, &h.hash)?;
        }
    }
    ws.set_column_width(0, 36)?;
    ws.set_column_width(3, 70)?;
    book.push_worksheet(ws);

    // Lines.
    let mut ws = start(
        "ردیف‌ها",
        &[
            "ردیف",
            "شرح خدمت",
            "نوع",
            "جدول تعرفه",
            "مبلغ واحد",
            "تعداد",
            "مبلغ",
        ],
    )?;
    let mut row = 0;
    for l in r.lines.values() {
        row += 1;
        if let Some(n) = l.row {
            ws.write_number(row, 0, f64::from(n))?;
        }
        ws.write_string(row, 1, &l.name_fa)?;
        ws.write_string(row, 2, kind_name(l.kind))?;
        ws.write_string(row, 3, &l.schedule_id)?;
        ws.write_number_with_format(row, 4, toman(l.unit), &money)?;
        ws.write_number_with_format(row, 5, l.count as f64, &count)?;
        ws.write_number_with_format(row, 6, toman(l.amount), &money)?;
    }
    for (label, m) in [
        ("درآمد دفتر", total.office),
        ("وجوه سازمان", total.tvto),
        ("جمع کل", total.grand),
    ] {
        row += 1;
        ws.write_string_with_format(row, 1, label, &bold)?;
        ws.write_number_with_format(row, 6, toman(m), &money)?;
    }
    book.push_worksheet(ws);

    // Days and offices.
    let split_sheet = |name: &str,
                       first: &str,
                       rows: &mut dyn Iterator<Item = (String, &Totals)>|
     -> Result<Worksheet> {
        let mut ws = start(name, &[first, "درآمد دفتر", "وجوه سازمان", "جمع"])?;
        for (i, (key, t)) in rows.enumerate() {
            let (row, s) = (i as u32 + 1, t.split()?);
            ws.write_string(row, 0, &key)?;
            ws.write_number_with_format(row, 1, toman(s.office), &money)?;
            ws.write_number_with_format(row, 2, toman(s.tvto), &money)?;
            ws.write_number_with_format(row, 3, toman(s.grand), &money)?;
        }
        Ok(ws)
    };
    let mut days = r.days.iter().map(|(d, t)| (d.to_string(), t));
    book.push_worksheet(split_sheet("روزها", "روز", &mut days)?);
    let mut offices = r.offices.iter().map(|(o, t)| (o.clone(), t));
    book.push_worksheet(split_sheet("دفترها", "کد دفتر", &mut offices)?);
    Ok(book.save_to_buffer()?)
}

/// Findings printed by a report that refuses a ledger.
const SHOWN: usize = 20;

/// Verifies and adds up each ledger in turn, one at a time: memory does not grow
/// with their number. Any finding, a ledger given twice, or two ledgers of one office
/// stop the report.
fn read_ledgers(
    paths: &[std::path::PathBuf],
    report: &mut Report,
    mut export: Option<&mut Export>,
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
                    to_persian_digits(&(findings.len() - SHOWN).to_string())
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

fn pdf(r: &Report, office_name: Option<String>) -> Result<docs::ReportDoc> {
    let mut days = Vec::new();
    let mut d = Some(r.from);
    while let Some(day) = d.filter(|d| *d <= r.to) {
        let t = r.days.get(&day).copied().unwrap_or_default();
        days.push((day, t.split()?));
        d = day.add_days(1);
    }
    Ok(docs::ReportDoc {
        office_name,
        from: r.from,
        to: r.to,
        lines: r
            .lines
            .values()
            .map(|l| docs::ReportLine {
                row: l.row,
                name_fa: l.name_fa.clone(),
                schedule: l.schedule_id.clone(),
                unit: l.unit,
                count: l.count,
                amount: l.amount,
                kind: l.kind,
            })
            .collect(),
        total: r.total.split()?,
        counts: [
            r.count(Stage::Registration),
            r.count(Stage::Card),
            r.count(Stage::Certificate),
        ],
        days,
        heads: r
            .heads
            .iter()
            .map(|h| {
                (
                    h.office_code.clone(),
                    h.year,
                    h.number.clone(),
                    h.hash.clone(),
                )
            })
            .collect(),
        offices: if r.offices.len() > 1 {
            r.offices
                .iter()
                .map(|(c, t)| Ok((c.clone(), t.split()?)))
                .collect::<Result<_>>()?
        } else {
            Vec::new()
        },
    })
}

fn toman_json(m: Money) -> serde_json::Value {
    m.json(Unit::Toman)
}

fn json(r: &Report) -> Result<serde_json::Value> {
    let line = |l: &Line| {
        json!({"code": l.code, "name_fa": l.name_fa, "kind": kind_name(l.kind), "schedule": l.schedule_id,
               "unit": toman_json(l.unit), "count": l.count, "amount": toman_json(l.amount)})
    };
    let totals = |t: &Totals| -> Result<serde_json::Value> {
        let s = t.split()?;
        Ok(
            json!({"office_total": toman_json(s.office), "tvto_total": toman_json(s.tvto), "grand_total": toman_json(s.grand)}),
        )
    };
    let keyed = |key: &str, k: String, t: &Totals| -> Result<serde_json::Value> {
        let mut v = totals(t)?;
        v[key] = json!(k);
        Ok(v)
    };
    let total = r.total.split()?;
    Ok(json!({
        "from": r.from.to_string(),
        "to": r.to.to_string(),
        "currency": "toman",
        "office_lines": r.lines.values().filter(|l| l.kind == Kind::Office).map(line).collect::<Vec<_>>(),
        "tvto_lines": r.lines.values().filter(|l| l.kind == Kind::Tvto).map(line).collect::<Vec<_>>(),
        "office_total": toman_json(total.office),
        "tvto_total": toman_json(total.tvto),
        "grand_total": toman_json(total.grand),
        "receipts": {
            "registration": r.count(Stage::Registration),
            "card": r.count(Stage::Card),
            "certificate": r.count(Stage::Certificate),
        },
        "days": r.days.iter().map(|(d, t)| keyed("date", d.to_string(), t)).collect::<Result<Vec<_>>>()?,
        "offices": r.offices.iter().map(|(o, t)| keyed("office_code", o.clone(), t)).collect::<Result<Vec<_>>>()?,
        "chain_heads": r.heads,
    }))
}

/// One CSV for Excel (UTF-8 with a BOM): a `section` column tells the tables apart.
fn csv(r: &Report) -> Result<String> {
    let toman = |m: Money| m.plain(Unit::Toman);
    let mut w = csv::Writer::from_writer("\u{FEFF}".as_bytes().to_vec());
    w.write_record([
        "section",
        "key",
        "name_fa",
        "kind",
        "schedule",
        "unit",
        "count",
        "amount",
        "office_total",
        "tvto_total",
        "grand_total",
    ])?;
    for l in r.lines.values() {
        w.write_record([
            "line",
            &l.code,
            &safe_cell(&l.name_fa),
            kind_name(l.kind),
            &l.schedule_id,
            &toman(l.unit),
            &l.count.to_string(),
            &toman(l.amount),
            "",
            "",
            "",
        ])?;
    }
    // Office revenue, TVTO money and their sum, under a section and a key.
    let totals = |w: &mut csv::Writer<Vec<u8>>, section: &str, key: &str, t: &Totals| {
        let s = t.split()?;
        let cells = [section, &safe_cell(key), "", "", "", "", "", ""];
        w.write_record(cells.iter().map(|c| c.to_string()).chain([
            toman(s.office),
            toman(s.tvto),
            toman(s.grand),
        ]))?;
        Ok::<_, anyhow::Error>(())
    };
    for (d, t) in &r.days {
        totals(&mut w, "day", &d.to_string(), t)?;
    }
    for (o, t) in &r.offices {
        totals(&mut w, "office", o, t)?;
    }
    for (kind, n) in &r.counts {
        w.write_record([
            "receipts",
            kind.as_str(),
            "",
            "",
            "",
            "",
            &n.to_string(),
            "",
            "",
            "",
            "",
        ])?;
    }
    totals(&mut w, "total", "", &r.total)?;
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow!("{e}"))?,
    )?)
}

fn table(r: &Report) -> Result<String> {
    let toman = |m: Money| m.grouped_fa(Unit::Toman);
    let mut out = format!(
        "گزارش درآمد دفتر از {} تا {} — مبالغ به تومان\n\n",
        r.from.to_fa_digits(),
        r.to.to_fa_digits()
    );
    if r.lines.is_empty() {
        out.push_str("در این دوره هیچ مبلغی دریافت نشده است. (no charges in this period)\n");
    }
    let mut t = Table::new(&[
        "ردیف",
        "شرح خدمت",
        "جدول تعرفه",
        "مبلغ واحد",
        "تعداد",
        "مبلغ",
    ]);
    for l in r.lines.values() {
        t.row(vec![
            l.row
                .map(|n| to_persian_digits(&n.to_string()))
                .unwrap_or_default(),
            l.name_fa.clone(),
            l.schedule_id.clone(),
            toman(l.unit),
            fa_grouped(l.count as i64),
            toman(l.amount),
        ]);
    }
    t.rule();
    let total = r.total.split()?;
    for (label, v) in [
        ("درآمد دفتر", total.office),
        ("وجوه سازمان فنی و حرفه‌ای (جدا)", total.tvto),
        ("جمع کل", total.grand),
    ] {
        t.row(vec![
            String::new(),
            label.into(),
            String::new(),
            String::new(),
            String::new(),
            toman(v),
        ]);
    }
    out.push_str(&t.render());
    out.push_str(&format!(
        "\nثبت نام: {} — برگ اعلام زمان آزمون: {} — گواهینامه: {}\n\n",
        fa_grouped(r.count(Stage::Registration) as i64),
        fa_grouped(r.count(Stage::Card) as i64),
        fa_grouped(r.count(Stage::Certificate) as i64)
    ));
    let days: BTreeMap<String, Totals> =
        r.days.iter().map(|(d, t)| (d.to_fa_digits(), *t)).collect();
    out.push_str(&totals_table("تاریخ", &days)?);
    if r.offices.len() > 1 {
        out.push('\n');
        out.push_str(&totals_table("کد دفتر", &r.offices)?);
    }
    // What the guild keeps: a ledger rewritten later will not end in these.
    for h in &r.heads {
        out.push_str(&format!(
            "\nسر زنجیره دفتر {} در سال {}: رسید {} (chain head {} {})\n",
            to_persian_digits(&h.office_code),
            to_persian_digits(&h.year.to_string()),
            to_persian_digits(&h.number),
            h.number,
            h.hash
        ));
    }
    Ok(out)
}

/// Office revenue, TVTO money and their sum per key (day or office), for the terminal.
fn totals_table(key: &str, rows: &BTreeMap<String, Totals>) -> Result<String> {
    let toman = |m: Money| m.grouped_fa(Unit::Toman);
    let mut t = Table::new(&[key, "درآمد دفتر", "وجوه سازمان", "جمع"]);
    for (k, v) in rows {
        let s = v.split()?;
        t.row(vec![
            to_persian_digits(k),
            toman(s.office),
            toman(s.tvto),
            toman(s.grand),
        ]);
    }
    Ok(t.render())
}

/// Every charged line of the period, one CSV row each: the stable format for
/// spreadsheets and databases (UTF-8 with a BOM, amounts in toman). Written as the
/// ledgers are read, under a temporary name, and put in place only when every
/// ledger has verified.
struct Export {
    w: csv::Writer<Growing>,
}

impl Export {
    fn start(path: &Path) -> Result<Export> {
        let mut file =
            Growing::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        file.write_all("\u{FEFF}".as_bytes())?;
        let mut w = csv::Writer::from_writer(file);
        w.write_record([
            "receipt_no",
            "date",
            "date_iso",
            "office_code",
            "national_id",
            "receipt_kind",
            "line_no",
            "code",
            "name_fa",
            "quantity",
            "unit_toman",
            "amount_toman",
            "kind",
            "schedule",
        ])?;
        Ok(Export { w })
    }

    fn receipt(&mut self, c: &Charged, from: JalaliDate, to: JalaliDate) -> Result<()> {
        if c.date < from || c.date > to {
            return Ok(());
        }
        let toman = |m: Money| m.plain(Unit::Toman);
        for l in c.lines {
            self.w.write_record([
                c.number,
                &c.date.to_string(),
                &c.date.iso_string(),
                &safe_cell(c.office_code),
                &safe_cell(c.national_id),
                c.kind.as_str(),
                &l.line_no.to_string(),
                &l.code,
                &safe_cell(&l.name_fa),
                &l.quantity.to_string(),
                &toman(l.unit),
                &toman(l.amount),
                kind_name(l.kind),
                &l.schedule_id,
            ])?;
        }
        Ok(())
    }

    /// The temporary file, with everything the writer held.
    fn file(self) -> Result<Growing> {
        self.w.into_inner().map_err(|e| anyhow!("{}", e.error()))
    }

    fn abandon(self) {
        if let Ok(f) = self.file() {
            f.abandon();
        }
    }

    fn finish(self, path: &Path) -> Result<()> {
        self.file()?
            .finish(path)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}
