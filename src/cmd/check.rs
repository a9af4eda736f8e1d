//! `pishkhan check`: validate the configuration files, change nothing, report every
//! problem with its file and key. Exit 0 without errors (warnings do not fail), 2 with.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use serde::Serialize;

use super::{
    EXIT_USAGE, emit, load_office, office_overrides, problem_lines, read_text, service_date,
};
use crate::cli::{Common, DataFormat};
use crate::core::calendar::Calendar;
use crate::core::mobile::Prefixes;
use crate::core::office::Office;
use crate::core::problem::Problem;
use crate::core::tariff::Tariffs;
use crate::desk::Context;
use crate::desk::register::Registrar;
use crate::desk::rules;
use crate::input::{APPLICANT_COLUMNS, Sheet, open_source};
use crate::outputs::summary;

const EXAMPLES: &str = "\
Examples:
  pishkhan check
  pishkhan check --format json
  # The shipped sheet (exit 2: 7 of its rows would be rejected)
  pishkhan check --applicants examples/applicants.csv --date 1402/10/26

Lists every problem with its file and key. Exit 0 when there is no error (warnings
do not fail), 2 otherwise. --applicants checks a sheet as `register --dry-run` would,
one problem per reason with its line and column; without --date, as on a day of the
stage's registration window (today when it is open), and it says which.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Also check an applicant sheet as `register --dry-run` would, recording nothing
    #[arg(long, value_name = "CSV")]
    pub applicants: Option<PathBuf>,

    /// The sheet of a spreadsheet --applicants to read [default: the first]
    #[arg(long, value_name = "NAME", requires = "applicants")]
    pub sheet: Option<String>,

    /// Output format [default: table]
    #[arg(long, value_enum, env = "PISHKHAN_FORMAT")]
    pub format: Option<DataFormat>,
}

#[derive(Serialize)]
struct FileReport {
    file: PathBuf,
    /// What the file holds, when it can be used.
    summary: Option<String>,
    problems: Vec<Problem>,
}

fn parse_file<T>(
    path: &Path,
    what: &str,
    parse: fn(&str) -> (Option<T>, Vec<Problem>),
) -> (Option<T>, Vec<Problem>) {
    match read_text(what, path) {
        Ok(text) => parse(&text),
        Err(e) => (None, vec![Problem::error("", format!("{e:#}"))]),
    }
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let mut reports = Vec::new();

    let (tariffs, problems) = parse_file(&common.tariffs, "tariffs", Tariffs::parse);
    reports.push(FileReport {
        file: common.tariffs.clone(),
        summary: tariffs.as_ref().map(summary::tariffs),
        problems,
    });

    let (calendar, mut problems) = parse_file(&common.calendar, "calendar", Calendar::parse);
    if let (Some(t), Some(c)) = (&tariffs, &calendar) {
        problems.extend(rules::unpriced_days(t, c));
    }
    let calendar_ok = !problems.iter().any(Problem::is_error);
    reports.push(FileReport {
        file: common.calendar.clone(),
        summary: calendar
            .as_ref()
            .filter(|_| calendar_ok)
            .map(summary::calendar),
        problems,
    });

    // The office identity as commands will see it: the config file under the flags
    // and environment variables that override it.
    let overrides = office_overrides(common);
    if common.config.is_some() || overrides != Office::default() {
        let (base, mut problems) = match &common.config {
            Some(path) => parse_file(path, "office config", Office::parse),
            None => (Some(Office::default()), Vec::new()),
        };
        let office = base.map(|b| b.overridden_by(overrides));
        if let Some(o) = &office {
            problems.extend(o.problems());
        }
        reports.push(FileReport {
            file: common
                .config
                .clone()
                .unwrap_or_else(|| PathBuf::from("(office flags)")),
            summary: office.map(|o| {
                let field = |v: Option<String>| v.unwrap_or_else(|| "-".into());
                format!(
                    "office name {}, code {}, address {}, phone {}",
                    field(o.name),
                    field(o.code),
                    field(o.address),
                    field(o.phone)
                )
            }),
            problems,
        });
    }

    if let Some(path) = &args.applicants {
        reports.push(applicants_report(
            common,
            tariffs.as_ref(),
            calendar.as_ref(),
            path,
            args.sheet.as_deref(),
        ));
    }

    let errors = reports
        .iter()
        .flat_map(|r| &r.problems)
        .filter(|p| p.is_error())
        .count();
    let warnings = reports.iter().flat_map(|r| &r.problems).count() - errors;
    // A list of problems reads the same on a terminal and in a log: the table (text)
    // unless asked otherwise.
    let text = match args.format.unwrap_or(DataFormat::Table) {
        DataFormat::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "ok": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "files": reports,
            }))?;
            s.push('\n');
            s
        }
        DataFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "file",
                "severity",
                "key",
                "code",
                "message_en",
                "message_fa",
            ])?;
            for r in &reports {
                for p in &r.problems {
                    // A file name or a message quoting a cell could read as a formula.
                    use crate::outputs::safe_cell;
                    w.write_record([
                        safe_cell(&r.file.display().to_string()),
                        if p.is_error() { "error" } else { "warning" }.into(),
                        safe_cell(&p.key),
                        p.code.unwrap_or_default().into(),
                        safe_cell(&p.message_en.clone().unwrap_or_else(|| p.message.clone())),
                        safe_cell(&p.message_fa.clone().unwrap_or_default()),
                    ])?;
                }
            }
            String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?
        }
        DataFormat::Table => {
            let mut s = String::new();
            for r in &reports {
                if let Some(summary) = &r.summary {
                    let ok = if r.problems.iter().any(Problem::is_error) {
                        ""
                    } else {
                        "ok: "
                    };
                    s.push_str(&format!("{}: {ok}{summary}\n", r.file.display()));
                }
                s.push_str(&problem_lines(&r.file, &r.problems));
            }
            s.push_str(&format!(
                "check: {errors} error{}, {warnings} warning{}\n",
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" }
            ));
            s
        }
    };
    emit(text.as_bytes())?;
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_USAGE)
    })
}

/// An applicant sheet checked as `register --dry-run` would: one problem per reason.
fn applicants_report(
    common: &Common,
    t: Option<&Tariffs>,
    c: Option<&Calendar>,
    path: &Path,
    sheet: Option<&str>,
) -> FileReport {
    let (Some(t), Some(c)) = (t, c) else {
        return FileReport {
            file: path.to_path_buf(),
            summary: None,
            problems: vec![Problem::error(
                "",
                "not checked: tariffs.toml and calendar.toml must be valid first",
            )],
        };
    };
    match check_sheet(common, t, c, path, sheet) {
        Ok((summary, problems)) => FileReport {
            file: path.to_path_buf(),
            summary: Some(summary),
            problems,
        },
        Err(e) => FileReport {
            file: path.to_path_buf(),
            summary: None,
            problems: vec![Problem::error("", format!("{e:#}"))],
        },
    }
}

/// The sheet's rows through the desk's registration checks, recording nothing.
/// Without `--date` the rows are checked as on a day of the registration window.
fn check_sheet(
    common: &Common,
    tariffs: &Tariffs,
    calendar: &Calendar,
    path: &Path,
    wanted: Option<&str>,
) -> Result<(String, Vec<Problem>)> {
    let program = rules::program(calendar, None)?;
    let (date, why) = match common.date()? {
        Some(d) => (d, None),
        None => {
            let (d, why) = rules::registration_day(program, service_date(common)?);
            (d, Some(why))
        }
    };
    let office = load_office(common)?;
    let ctx = Context {
        tariffs: tariffs.clone(),
        calendar: calendar.clone(),
        date,
        time: String::new(),
        key: None,
        mobiles: std::sync::Arc::new(Prefixes::with_extra(&office.extra_mobile_prefixes)),
        office,
    };
    let mut registrar = Registrar::new(&ctx, program, "")?;
    let name = path.display().to_string();
    let sheet = Sheet::open_sheet(
        &name,
        open_source(&name).with_context(|| format!("cannot read {name}"))?,
        None,
        APPLICANT_COLUMNS,
        wanted,
    )?;
    let file: Arc<str> = Arc::from(name.as_str());
    let headers = sheet.headers.clone();
    let (mut rows, mut rejected, mut problems) = (0, 0, Vec::new());
    for row in sheet {
        rows += 1;
        let o = registrar.check(&file, &headers, row).outcome;
        rejected += usize::from(o.status == crate::desk::batch::Status::Rejected);
        problems.extend(o.as_problems());
    }
    let as_of = match why {
        Some(why) => format!(" (no --date: checked as on {why})"),
        None => String::new(),
    };
    Ok((
        format!("{rows} applicant rows, {rejected} rejected{as_of}"),
        problems,
    ))
}
