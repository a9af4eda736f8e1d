//! The options every command shares, and the groups of options several share. Each
//! command's own options and help live beside its code in `cmd/`. The options a
//! desk sets once (the files, the office, the date, the paper, the format, the
//! program, the time) can also come from the environment as `PISHKHAN_<FLAG>`, as
//! each one's help says; what changes from run to run (`--out`, `--strict`,
//! `--dry-run`, `--rejects`, …) is given on the command line only.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::core::jalali::JalaliDate;

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Tariff schedules (the approved fees)
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "PISHKHAN_TARIFFS",
        default_value = "tariffs.toml",
        help_heading = "Common options"
    )]
    pub tariffs: PathBuf,

    /// Exam calendar (programs, stages and their windows)
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "PISHKHAN_CALENDAR",
        default_value = "calendar.toml",
        help_heading = "Common options"
    )]
    pub calendar: PathBuf,

    /// The ledger: SQLite database, the system of record (report: repeat to merge
    /// several offices' ledgers; PISHKHAN_LEDGER takes a colon-separated list)
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "PISHKHAN_LEDGER",
        default_value = "pishkhan.sqlite",
        value_delimiter = ':',
        help_heading = "Common options"
    )]
    pub ledger: Vec<PathBuf>,

    /// Service date, Jalali, Persian or Latin digits [default: PISHKHAN_DATE, else
    /// today in Iran]
    // The environment is read only when a command needs the date (see
    // `Common::date`): a bad PISHKHAN_DATE neither wins over --date nor stops a
    // command that has no use for a date.
    #[arg(long, global = true, value_name = "YYYY/MM/DD",
          value_parser = parse_date, help_heading = "Common options")]
    pub date: Option<JalaliDate>,

    /// The office's identity: a TOML file with name, code, address, phone
    /// [default: the office of the ledger's receipts]
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "PISHKHAN_CONFIG",
        help_heading = "Office"
    )]
    pub config: Option<PathBuf>,

    /// Office name (overrides the config file)
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        env = "PISHKHAN_OFFICE_NAME",
        help_heading = "Office"
    )]
    pub office_name: Option<String>,

    /// Office code (overrides the config file)
    #[arg(
        long,
        global = true,
        value_name = "CODE",
        env = "PISHKHAN_OFFICE_CODE",
        help_heading = "Office"
    )]
    pub office_code: Option<String>,

    /// Office address (overrides the config file)
    #[arg(
        long,
        global = true,
        value_name = "TEXT",
        env = "PISHKHAN_OFFICE_ADDRESS",
        help_heading = "Office"
    )]
    pub office_address: Option<String>,

    /// Office phone (overrides the config file)
    #[arg(
        long,
        global = true,
        value_name = "PHONE",
        env = "PISHKHAN_OFFICE_PHONE",
        help_heading = "Office"
    )]
    pub office_phone: Option<String>,
}

impl Common {
    /// The service date given: `--date`, else `PISHKHAN_DATE`; `None` for today.
    pub fn date(&self) -> anyhow::Result<Option<JalaliDate>> {
        if self.date.is_some() {
            return Ok(self.date);
        }
        match std::env::var("PISHKHAN_DATE") {
            Ok(v) if !v.trim().is_empty() => parse_date(&v)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("PISHKHAN_DATE: {e}")),
            _ => Ok(None),
        }
    }

    /// The one ledger a command that records works on.
    pub fn ledger(&self) -> anyhow::Result<&Path> {
        match self.ledger.as_slice() {
            [one] => Ok(one),
            [] => anyhow::bail!("no --ledger given"),
            _ => anyhow::bail!("only `report` reads several ledgers: give one --ledger"),
        }
    }
}

pub fn parse_date(s: &str) -> Result<JalaliDate, String> {
    JalaliDate::parse(s).map_err(|e| e.to_string())
}

/// `HH:MM`, Persian or Latin digits.
pub fn parse_time(s: &str) -> Result<String, String> {
    let t = crate::core::text::to_ascii_digits(s.trim());
    let ok = t.len() == 5
        && t.as_bytes()[2] == b':'
        && t[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && t[3..].parse::<u8>().is_ok_and(|m| m < 60);
    if ok {
        Ok(t)
    } else {
        Err(format!("expected HH:MM (e.g. 10:42), found \"{s}\""))
    }
}

pub use crate::outputs::DataFormat;

/// Whether standard output is a terminal, decided once per run: it picks the
/// default `--format` of every command and keeps binary files off the screen.
pub fn stdout_is_terminal() -> bool {
    static TERMINAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TERMINAL.get_or_init(|| std::io::IsTerminal::is_terminal(&std::io::stdout()))
}

/// `--format` of a command that prints rows of data.
#[derive(Debug, Clone, Copy, Args)]
pub struct FormatArg {
    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum, env = "PISHKHAN_FORMAT")]
    pub format: Option<DataFormat>,
}

impl FormatArg {
    pub fn get(self) -> DataFormat {
        self.format.unwrap_or(if stdout_is_terminal() {
            DataFormat::Table
        } else {
            DataFormat::Csv
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Paper {
    A5,
    A4,
    Roll80,
    Roll58,
}

impl Paper {
    pub fn size(self) -> crate::typeset::PageSize {
        match self {
            Paper::A5 => crate::typeset::PageSize::A5,
            Paper::A4 => crate::typeset::PageSize::A4,
            Paper::Roll80 => crate::typeset::PageSize::Roll80,
            Paper::Roll58 => crate::typeset::PageSize::Roll58,
        }
    }
}

/// What the charging commands (register, card, certify) share.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Also write the result rows into FILE.xlsx, an Excel workbook, whole at the end
    #[arg(long, value_name = "FILE.xlsx")]
    pub results: Option<PathBuf>,

    /// The sheet of a spreadsheet (.xlsx, .xls, .ods) to read [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Write one PDF per receipt into DIR, named by office code and receipt number (37-1234_1402-000001.pdf)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Write all documents of the run into one multi-page PDF
    #[arg(long, value_name = "FILE")]
    pub combined: Option<PathBuf>,

    /// Paper for documents: A5, A4, or an 80 mm or 58 mm thermal roll (printed in 72 or 48 mm, black only)
    #[arg(long, value_enum, default_value = "a5", env = "PISHKHAN_PAPER")]
    pub paper: Paper,

    /// Record nothing if any row is rejected
    #[arg(long)]
    pub strict: bool,

    /// Check and price only: no ledger writes, no PDFs
    #[arg(long)]
    pub dry_run: bool,

    /// The exam program's code in calendar.toml [default: the only one]
    #[arg(long, value_name = "CODE", env = "PISHKHAN_PROGRAM")]
    pub program: Option<String>,

    /// The time printed on documents, HH:MM [default: now in Iran]
    #[arg(long, value_name = "HH:MM", env = "PISHKHAN_TIME", value_parser = parse_time)]
    pub time: Option<String>,

    /// Print a receipt again from the ledger, identical to the first print (into
    /// --out, --combined, or standard output when it is not a terminal)
    #[arg(long, value_name = "RECEIPT_NO", conflicts_with_all = ["dry_run", "strict"])]
    pub reprint: Option<String>,

    #[command(flatten)]
    pub format: FormatArg,
}
