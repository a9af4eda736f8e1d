//! One module per subcommand, and what they share: loading the configuration files
//! (the only file reading the core's values go through), the service date, the
//! output format and writing to stdout.

mod batch;
pub mod card;
pub mod certify;
pub mod check;
pub mod fee;
pub mod register;
pub mod report;
pub mod status;
mod table;

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::CommandFactory;

use crate::cli::{Cli, Command, Common, Format};
use crate::core::calendar::Calendar;
use crate::core::jalali::JalaliDate;
use crate::core::office::Office;
use crate::core::problem::Problem;
use crate::core::tariff::Tariffs;

/// Exit codes of PRODUCT.md.
pub const EXIT_OK: u8 = 0;
pub const EXIT_REJECTED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let common = &cli.common;
    match cli.command {
        Command::Fee(args) => fee::run(common, &args),
        Command::Check(args) => check::run(common, &args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "pishkhan", &mut out);
            emit(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Register(args) => register::run(common, &args),
        Command::Card(args) => card::run(common, &args),
        Command::Certify(args) => certify::run(common, &args),
        Command::Status { national_id } => status::run(common, &national_id),
        Command::Report(args) => report::run(common, &args),
    }
}

/// The service date: `--date`, else today in Iran.
pub fn service_date(common: &Common) -> Result<JalaliDate> {
    match common.date {
        Some(d) => Ok(d),
        None => JalaliDate::today_in_iran()
            .ok_or_else(|| anyhow!("the system clock is outside the supported years; give --date")),
    }
}

/// The output format: `--format`, else a table on a terminal and CSV in a pipe.
pub fn output_format(common: &Common) -> Format {
    common.format.unwrap_or(if io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Csv
    })
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

/// The office's identity: the config file, if any, overridden by flags and environment.
pub fn load_office(common: &Common) -> Result<Office> {
    let base = match &common.config {
        Some(path) => load("office config", path, Office::parse)?,
        None => Office::default(),
    };
    Ok(base.overridden_by(office_overrides(common)))
}

/// The office fields given as flags or environment variables.
pub fn office_overrides(common: &Common) -> Office {
    Office {
        name: common.office_name.clone(),
        code: common.office_code.clone(),
        address: common.office_address.clone(),
        phone: common.office_phone.clone(),
        extra_military_statuses: Vec::new(),
    }
}

/// Writes to stdout; a closed pipe (`pishkhan … | head`) is not an error.
pub fn emit(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}
