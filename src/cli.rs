//! The command line: every subcommand, its options and its help text with examples.
//! Each common option can also come from the environment as `PISHKHAN_<FLAG>`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::jalali::JalaliDate;

const ABOUT: &str = "The TVTO exam-registration desk of a government counter office \
(دفتر پیشخوان خدمات دولت): validated registrations, exact receipts, exam-date slips, \
a ledger and the monthly fee report.";

const EXAMPLES: &str = "\
Examples:
  pishkhan fee --stage all --date 1402/10/26          the letter's tariff table, total 71,796 toman
  pishkhan fee --stage registration --cluster 60000   what one applicant pays at registration
  pishkhan check                                      check tariffs.toml and calendar.toml
  pishkhan completions bash > /etc/bash_completion.d/pishkhan

Exit codes: 0 all rows accepted; 1 some rows rejected (the rest were processed);
2 usage or configuration error (nothing processed).";

#[derive(Debug, Parser)]
#[command(
    name = "pishkhan",
    version,
    about = ABOUT,
    after_help = EXAMPLES,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

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

    /// Service date, Jalali, Persian or Latin digits [default: today in Iran]
    #[arg(long, global = true, value_name = "YYYY/MM/DD", env = "PISHKHAN_DATE",
          value_parser = parse_date, help_heading = "Common options")]
    pub date: Option<JalaliDate>,

    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(
        long,
        global = true,
        value_enum,
        env = "PISHKHAN_FORMAT",
        help_heading = "Common options"
    )]
    pub format: Option<Format>,

    /// The office's identity: a TOML file with name, code, address, phone
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

    /// Paper for documents: A5, A4 or an 80 mm thermal roll
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "a5",
        env = "PISHKHAN_PAPER",
        help_heading = "Common options"
    )]
    pub paper: Paper,

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
    /// The one ledger a command that records works on.
    pub fn ledger(&self) -> anyhow::Result<&std::path::Path> {
        match self.ledger.as_slice() {
            [one] => Ok(one),
            [] => anyhow::bail!("no --ledger given"),
            _ => anyhow::bail!("only `report` reads several ledgers: give one --ledger"),
        }
    }
}

fn parse_date(s: &str) -> Result<JalaliDate, String> {
    JalaliDate::parse(s).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Paper {
    A5,
    A4,
    Roll80,
}

impl Paper {
    pub fn size(self) -> crate::typeset::PageSize {
        match self {
            Paper::A5 => crate::typeset::PageSize::A5,
            Paper::A4 => crate::typeset::PageSize::A4,
            Paper::Roll80 => crate::typeset::PageSize::Roll80,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Pdf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register the day's applicants from a CSV sheet: validate, price, record, print receipts
    #[command(after_help = "\
Examples:
  pishkhan register examples/applicants.csv --config examples/office.toml --out receipts/
  pishkhan register today.csv --rejects fix-these.csv --combined today.pdf
  pishkhan register - --format json --dry-run < today.csv
  pishkhan register --reprint 1402-000123 --out receipts/

Each accepted applicant is recorded in the ledger on its own, under the next receipt
number of the office's year; a re-run of the same sheet registers only what is not
there yet (the rest come back as duplicates, not charged again). One result row per
input row on stdout:
  line,national_id,status,receipt_no,office_total,tvto_fee,total,code,message_fa,message_en,file
Exit codes: 0 all rows accepted (or already registered); 1 some rows rejected; 2 usage
or configuration error, nothing processed.")]
    Register(RegisterArgs),

    /// Price services without recording anything: the approved tariff
    #[command(after_help = "\
Examples:
  pishkhan fee --stage all --date 1402/10/26
      the letter's table: lines 1–7, total 71,796 toman
  pishkhan fee --stage registration --cluster 90000 --date 1402/10/26 --format csv
      lines 1–4 (48,479) plus the 90,000 exam fee for TVTO: 138,479
  pishkhan fee --stage certificate --count 3 --rial
      lines 6–7 and the certificate fee for three applicants, in rial

The certificate fee is TVTO money paid only after a final pass: it never appears in
the registration stage.")]
    Fee(FeeArgs),

    /// Issue exam-date slips (entry cards) for registered applicants and charge line 5
    #[command(after_help = "\
Examples:
  pishkhan card --date 1402/11/24 --out slips/ --sms sms.csv
  pishkhan card portal-times.csv --date 1402/11/24 --combined slips.pdf
  pishkhan card --reprint 1402-000871 --out slips/

Without a CSV, every applicant registered for the stage gets a slip; a CSV of
national_id (and exam_time, venue as the portal gave them) picks some. The service
date must be inside the stage's entry-card window. Line 5 is charged once per
applicant: a second run is a duplicate, not a second charge.")]
    Card(CardArgs),

    /// Collect the certificate fee from applicants who finally passed
    #[command(after_help = "\
Examples:
  pishkhan certify results.csv --out receipts/

The CSV has national_id and result (قبول نهایی / passed, or anything else). Only a
registered applicant who passed is charged lines 6–7 and TVTO's certificate fee; this
is the only command that ever charges the certificate fee.")]
    Certify(CertifyArgs),

    /// Show one applicant's way through the office: registration, slip, certificate
    #[command(after_help = "\
Examples:
  pishkhan status 0012345679
  pishkhan status ۰۰۱۲۳۴۵۶۷۹ --format json")]
    Status {
        /// The applicant's national ID
        national_id: String,
    },

    /// The monthly fee report: office revenue and TVTO money apart
    #[command(after_help = "\
Examples:
  pishkhan report --month 1402/11
  pishkhan report --from 1402/10/25 --to 1402/11/30 --format json
  pishkhan report --month ۱۴۰۲/۱۱ --ledger office-a.sqlite --ledger office-b.sqlite
  pishkhan report --month 1402/11 --export lines.csv

Per service line, per day and per office: the office's revenue, and the TVTO money it
collected (exam fee by cluster, certificate fee) apart. The report checks itself: its
grand total must equal the sum of the period's receipts. --format pdf writes an A4
report (tables, a chart of daily office revenue, page numbers) to standard output.")]
    Report(ReportArgs),

    /// Check tariffs.toml, calendar.toml and the office config; change nothing
    #[command(after_help = "\
Examples:
  pishkhan check
  pishkhan check --tariffs next-year.toml --format json

Lists every problem with its file and key. Exit 0 when there is no error (warnings
do not fail), 2 otherwise.")]
    Check(CheckArgs),

    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  pishkhan completions bash > ~/.local/share/bash-completion/completions/pishkhan
  pishkhan completions zsh  > ~/.zfunc/_pishkhan
  pishkhan completions fish > ~/.config/fish/completions/pishkhan.fish")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// Applicant sheets (CSV); - reads standard input
    #[arg(value_name = "CSV", required_unless_present = "reprint")]
    pub csv: Vec<String>,

    /// Write one receipt PDF per accepted applicant into DIR, named by receipt number
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,

    /// Write all receipts of the batch into one multi-page PDF
    #[arg(long, value_name = "FILE")]
    pub combined: Option<std::path::PathBuf>,

    /// Write the rejected rows, unchanged, with their reasons: fix and feed back
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<std::path::PathBuf>,

    /// Record nothing if any row is rejected
    #[arg(long)]
    pub strict: bool,

    /// Validate and price only: no ledger writes, no PDFs
    #[arg(long)]
    pub dry_run: bool,

    /// The sheet's encoding [default: UTF-8, or Windows-1256 when the bytes are not UTF-8]
    #[arg(long, value_enum)]
    pub encoding: Option<EncodingArg>,

    /// The exam program's code in calendar.toml [default: the only one]
    #[arg(long, value_name = "CODE", env = "PISHKHAN_PROGRAM")]
    pub program: Option<String>,

    /// The time printed on receipts, HH:MM [default: now in Iran]
    #[arg(long, value_name = "HH:MM", env = "PISHKHAN_TIME", value_parser = parse_time)]
    pub time: Option<String>,

    /// Print a receipt again from the ledger, identical to the first print
    #[arg(long, value_name = "RECEIPT_NO", conflicts_with_all = ["csv", "dry_run", "strict", "rejects"])]
    pub reprint: Option<String>,
}

fn parse_time(s: &str) -> Result<String, String> {
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

/// What `card` and `certify` share with `register`.
#[derive(Debug, Args)]
pub struct BatchOutput {
    /// Write one PDF per applicant into DIR, named by receipt number
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,

    /// Write all documents of the run into one multi-page PDF
    #[arg(long, value_name = "FILE")]
    pub combined: Option<std::path::PathBuf>,

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

    /// Print a document again from the ledger, identical to the first print
    #[arg(long, value_name = "RECEIPT_NO", conflicts_with_all = ["dry_run", "strict"])]
    pub reprint: Option<String>,
}

#[derive(Debug, Args)]
pub struct CardArgs {
    /// National IDs to issue slips for (with exam_time, venue) [default: everyone registered]
    #[arg(value_name = "CSV")]
    pub csv: Option<String>,

    /// The exam stage's number [default: the stage whose entry-card window holds the date]
    #[arg(long, value_name = "N")]
    pub stage: Option<u32>,

    /// Write mobile,message rows for an SMS gateway
    #[arg(long, value_name = "FILE")]
    pub sms: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub batch: BatchOutput,
}

#[derive(Debug, Args)]
pub struct CertifyArgs {
    /// national_id,result rows
    #[arg(value_name = "CSV", required_unless_present = "reprint")]
    pub csv: Option<String>,

    #[command(flatten)]
    pub batch: BatchOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "windows-1256")]
    Windows1256,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    Registration,
    Card,
    Certificate,
    All,
}

#[derive(Debug, Args)]
pub struct FeeArgs {
    /// Which stage's services to price
    #[arg(long, value_enum, default_value = "all", env = "PISHKHAN_STAGE")]
    pub stage: StageArg,

    /// The trade's exam cluster: its exam fee (60000, 90000), code or name
    #[arg(long, value_name = "CLUSTER", env = "PISHKHAN_CLUSTER")]
    pub cluster: Option<String>,

    /// Number of applicants
    #[arg(long, value_name = "N", default_value_t = 1, env = "PISHKHAN_COUNT",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub count: u64,

    /// Show amounts in rial instead of toman (1 toman = 10 rial)
    #[arg(long, env = "PISHKHAN_RIAL")]
    pub rial: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
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
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also check an applicant sheet as `register --dry-run` would, recording nothing
    #[arg(long, value_name = "CSV")]
    pub applicants: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
