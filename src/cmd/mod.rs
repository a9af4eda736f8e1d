//! The command line: one module per subcommand, each with its options, help and
//! examples beside its code, turning arguments into a call of the desk and its
//! results into output. What they share lives here: loading the configuration files,
//! settling the run's [`Context`], writing to stdout, and the exit codes.

pub mod audit;
pub mod card;
pub mod certify;
mod charging;
pub mod check;
pub mod fee;
pub mod key;
mod oversight;
pub mod register;
pub mod report;
pub mod status;
pub mod verify;

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{CommandFactory, Parser, Subcommand};

use crate::cli::{BatchArgs, Common};
use crate::core::calendar::Calendar;
use crate::core::jalali::JalaliDate;
use crate::core::mobile::Prefixes;
use crate::core::office::Office;
use crate::core::problem::Problem;
use crate::core::tariff::Tariffs;
use crate::desk::book::Registry;
use crate::desk::{Clock, Context};
use crate::ledger::Ledger;

/// Exit codes.
pub const EXIT_OK: u8 = 0;
/// Some rows were rejected; the rest were processed.
pub const EXIT_REJECTED: u8 = 1;
/// A usage or configuration error: nothing was processed.
pub const EXIT_USAGE: u8 = 2;
/// Rows were recorded, but some outputs (PDFs, rejects, SMS) could not be written.
pub const EXIT_UNWRITTEN: u8 = 3;

const ABOUT: &str = "The TVTO exam-registration desk of a government counter office \
(دفتر پیشخوان خدمات دولت): validated registrations, exact receipts, exam-date slips, \
a ledger and the monthly fee report.";

const EXAMPLES: &str = "\
Examples:
  # The letter's tariff table, total 71,796 toman
  pishkhan fee --stage all --date 1402/10/26
  # What one applicant pays at registration
  pishkhan fee --stage registration --cluster 60000 --date 1402/10/26
  # Check tariffs.toml and calendar.toml
  pishkhan check

Exit codes: 0 all rows accepted; 1 some rows rejected (the rest were processed);
2 usage or configuration error (nothing processed); 3 rows recorded, but some
outputs (PDFs, rejects, SMS) not written: run the same command again to write them.";

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register the day's applicants from a sheet: validate, price, record, print receipts
    Register(register::Args),
    /// Price services without recording anything: the approved tariff
    Fee(fee::Args),
    /// Issue exam-date slips (entry cards) for registered applicants and charge line 5
    Card(card::Args),
    /// Collect the certificate fee from applicants who finally passed
    Certify(certify::Args),
    /// Show one applicant's way through the office: registration, slip, certificate
    Status(status::Args),
    /// The monthly fee report: office revenue and TVTO money apart
    Report(report::Args),
    /// Check a ledger whole: integrity, hash chain, numbering, tariffs, order of steps
    Audit(audit::Args),
    /// Check one receipt (its proof line or number) against the ledger
    Verify(verify::Args),
    /// Check tariffs.toml, calendar.toml, the office config and a sheet; change nothing
    Check(check::Args),
    /// The office's signing key: make one, or show its line for the guild's registry
    Key(key::Args),
    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  pishkhan completions bash > pishkhan.bash
  pishkhan completions zsh > _pishkhan
  pishkhan completions fish > pishkhan.fish

Put the file where your shell looks for completions, e.g.
~/.local/share/bash-completion/completions/pishkhan for bash.")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let common = &cli.common;
    match cli.command {
        Command::Register(args) => register::run(common, &args),
        Command::Fee(args) => fee::run(common, &args),
        Command::Card(args) => card::run(common, &args),
        Command::Certify(args) => certify::run(common, &args),
        Command::Status(args) => status::run(common, &args),
        Command::Report(args) => report::run(common, &args),
        Command::Audit(args) => audit::run(common, &args),
        Command::Verify(args) => verify::run(common, &args),
        Command::Check(args) => check::run(common, &args),
        Command::Key(args) => key::run(common, &args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "pishkhan", &mut out);
            emit(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads a configuration file as UTF-8 (a BOM is allowed).
pub fn read_text(what: &str, path: &Path) -> Result<String> {
    let bytes = fs::read(path)
        .with_context(|| format!("cannot read the {what} file {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "the {what} file {} is not UTF-8 (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(text
        .strip_prefix('\u{FEFF}')
        .map(str::to_string)
        .unwrap_or(text))
}

/// Problems of one file as lines `FILE: severity: key: message`.
pub fn problem_lines(path: &Path, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {p}\n", path.display()))
        .collect()
}

/// Loads a configuration file through its parser; errors stop the command (exit 2),
/// warnings go to stderr.
fn load<T>(what: &str, path: &Path, parse: fn(&str) -> (Option<T>, Vec<Problem>)) -> Result<T> {
    let text = read_text(what, path)?;
    let (value, problems) = parse(&text);
    let warnings: Vec<Problem> = problems.iter().filter(|p| !p.is_error()).cloned().collect();
    eprint!("{}", problem_lines(path, &warnings));
    match value {
        Some(v) => Ok(v),
        None => {
            let errors: Vec<Problem> = problems.into_iter().filter(Problem::is_error).collect();
            bail!(
                "the {what} file {} cannot be used:\n{}(run `pishkhan check` to see every problem)",
                path.display(),
                problem_lines(path, &errors)
            )
        }
    }
}

pub fn load_tariffs(common: &Common) -> Result<Tariffs> {
    load("tariffs", &common.tariffs, Tariffs::parse)
}

pub fn load_calendar(common: &Common) -> Result<Calendar> {
    load("calendar", &common.calendar, Calendar::parse)
}

/// The office's identity: the config file, if any, overridden by flags and
/// environment; its code in its one spelling, or an error (exit 2) before anything
/// is opened or written.
pub fn load_office(common: &Common) -> Result<Office> {
    let mut base = match &common.config {
        Some(path) => load("office config", path, Office::parse)?,
        None => Office::default(),
    };
    // The key file is named relative to the config file.
    if let (Some(key), Some(config)) = (&base.key, &common.config) {
        base.key = Some(
            crate::files::dir_of(config)
                .join(key)
                .to_string_lossy()
                .into_owned(),
        );
    }
    let office = base.overridden_by(office_overrides(common));
    let from = if common.office_code.is_some() {
        "--office-code (or PISHKHAN_OFFICE_CODE)".to_string()
    } else {
        match &common.config {
            Some(p) => format!("`code` in {}", p.display()),
            None => "the office".into(),
        }
    };
    office.normalized().map_err(|e| anyhow!("{from}: {e}"))
}

/// The office's signing key, when its config names one: read and checked (exit 2
/// when it is missing, unreadable, not a key, or readable by others).
pub fn office_key(office: &Office) -> Result<Option<crate::desk::keys::OfficeKey>> {
    office
        .key
        .as_deref()
        .map(|k| crate::keyfile::load(Path::new(k)))
        .transpose()
}

/// Opens a ledger for a command that only reads it (never changing it); says on
/// stderr when its receipts carry an office code that breaks the rule of
/// [`crate::core::office::normalize_code`] (made by an earlier pishkhan), which is
/// still read as it is.
pub fn read_ledger(path: &Path) -> Result<Option<Ledger>> {
    let ledger = Ledger::open_read_only(path)?;
    if let Some(l) = &ledger {
        warn_stored_codes(path, &l.offices()?);
    }
    Ok(ledger)
}

fn warn_stored_codes(path: &Path, codes: &[String]) {
    for code in codes {
        match crate::core::office::normalize_code(code) {
            Ok(c) if c == *code => {}
            Ok(c) => eprintln!(
                "{}: warning: the ledger's receipts carry the office code \"{code}\", which today is spelled \"{c}\"; read as it is (it can be read, not recorded in)",
                path.display()
            ),
            Err(e) => eprintln!(
                "{}: warning: the ledger's receipts carry an office code that breaks today's rule; read as it is: {e}",
                path.display()
            ),
        }
    }
}

/// The office fields given as flags or environment variables.
pub fn office_overrides(common: &Common) -> Office {
    Office {
        name: common.office_name.clone(),
        code: common.office_code.clone(),
        address: common.office_address.clone(),
        phone: common.office_phone.clone(),
        extra_military_statuses: Vec::new(),
        extra_mobile_prefixes: Default::default(),
        key: None,
    }
}

/// The office as given, or, when no code is given, the office the ledger's receipts
/// belong to (what is given still wins).
fn office_for(common: &Common, ledger: Option<&Ledger>) -> Result<Office> {
    let given = load_office(common)?;
    if given.code.as_deref().is_some_and(|c| !c.trim().is_empty()) {
        return Ok(given);
    }
    let Some(l) = ledger else { return Ok(given) };
    match l.offices()?.as_slice() {
        [one] => Ok(l.letterhead(one)?.unwrap_or_default().overridden_by(given)),
        [] => Ok(given),
        many => bail!(
            "the ledger holds receipts of several offices ({}): give --office-code",
            many.join(", ")
        ),
    }
}

/// The service date: `--date`, else today in Iran.
pub fn service_date(common: &Common) -> Result<JalaliDate> {
    match common.date()? {
        Some(d) => Ok(d),
        None => Clock::now()
            .date()
            .ok_or_else(|| anyhow!("the system clock is outside the supported years; give --date")),
    }
}

/// The settings of a run, settled once: the files, the office, the service date
/// (`--date`, else today in Iran) and the time (`time`, else now), from one reading
/// of the clock.
pub fn context(common: &Common, time: Option<&str>, ledger: Option<&Ledger>) -> Result<Context> {
    let clock = Clock::now();
    let date = match common.date()? {
        Some(d) => d,
        None => clock.date().ok_or_else(|| {
            anyhow!("the system clock is outside the supported years; give --date")
        })?,
    };
    let office = office_for(common, ledger)?;
    let key = office_key(&office)?.map(std::sync::Arc::new);
    Ok(Context {
        tariffs: load_tariffs(common)?,
        calendar: load_calendar(common)?,
        date,
        time: time.map_or_else(|| clock.time(), str::to_string),
        key,
        mobiles: std::sync::Arc::new(Prefixes::with_extra(&office.extra_mobile_prefixes)),
        office,
    })
}

/// The files every command may read (tariffs, calendar, office config, the
/// ledgers), to check a run's outputs against with [`crate::paths::Plan::check`].
pub fn plan(common: &Common) -> crate::paths::Plan {
    let mut plan = crate::paths::Plan::default();
    plan.input("--tariffs", &common.tariffs)
        .input("--calendar", &common.calendar);
    if let Some(c) = &common.config {
        plan.input("--config", c);
    }
    for l in &common.ledger {
        plan.ledger(l);
    }
    plan
}

/// A charging command's plan: its sheets and the outputs of [`BatchArgs`]. The
/// office's identity is checked here too, before the ledger is touched.
pub fn batch_plan(
    common: &Common,
    args: &BatchArgs,
    sheets: &[&str],
) -> Result<crate::paths::Plan> {
    // The office's identity and its key, refused before the ledger is touched.
    office_key(&load_office(common)?)?;
    let mut plan = plan(common);
    for s in sheets {
        plan.input("the sheet", Path::new(s));
    }
    plan.output("--results", args.results.as_deref())
        .output("--combined", args.combined.as_deref())
        .receipts_dir("--out", args.out.as_deref());
    Ok(plan)
}

/// Writes to stdout; a closed pipe (`pishkhan … | head`) is not an error.
pub fn emit(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// Writes a PDF to stdout, never to a terminal.
pub fn emit_pdf(pdf: &[u8], instead: &str) -> Result<()> {
    if io::stdout().is_terminal() {
        bail!(
            "a PDF is not for the terminal: redirect it (… > file.pdf) or {instead} / فایل PDF را در پایانه چاپ نمی‌کنیم: آن را در فایلی بنویسید"
        );
    }
    emit(pdf)
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
        (None, None) => emit_pdf(&pdf, "give --out DIR")?,
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
