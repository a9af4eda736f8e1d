//! `pishkhan check`: validate the configuration files, change nothing, report every
//! problem with its file and key. Exit 0 without errors (warnings do not fail), 2 with.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::{EXIT_USAGE, emit, office_overrides, output_format, problem_lines, read_text};
use crate::cli::{CheckArgs, Common, Format};
use crate::core::calendar::Calendar;
use crate::core::money::Unit;
use crate::core::office::Office;
use crate::core::problem::Problem;
use crate::core::tariff::Tariffs;

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

pub fn run(common: &Common, args: &CheckArgs) -> Result<ExitCode> {
    let mut reports = Vec::new();

    let (tariffs, problems) = parse_file(&common.tariffs, "tariffs", Tariffs::parse);
    reports.push(FileReport {
        file: common.tariffs.clone(),
        summary: tariffs.as_ref().map(tariffs_summary),
        problems,
    });

    let (calendar, mut problems) = parse_file(&common.calendar, "calendar", Calendar::parse);
    if let (Some(t), Some(c)) = (&tariffs, &calendar) {
        problems.extend(cross_check(t, c));
    }
    let calendar_ok = !problems.iter().any(Problem::is_error);
    reports.push(FileReport {
        file: common.calendar.clone(),
        summary: calendar
            .as_ref()
            .filter(|_| calendar_ok)
            .map(calendar_summary),
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
        ));
    }

    let errors = reports
        .iter()
        .flat_map(|r| &r.problems)
        .filter(|p| p.is_error())
        .count();
    let warnings = reports.iter().flat_map(|r| &r.problems).count() - errors;
    let text = match output_format(common) {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "ok": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "files": reports,
            }))?;
            s.push('\n');
            s
        }
        _ => {
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
    match super::register::check_sheet(common, t, c, path) {
        Ok((rows, problems)) => {
            let mut lines: Vec<&str> = problems
                .iter()
                .filter_map(|p| p.key.split(' ').nth(1))
                .collect();
            lines.dedup();
            FileReport {
                file: path.to_path_buf(),
                summary: Some(format!("{rows} applicant rows, {} rejected", lines.len())),
                problems,
            }
        }
        Err(e) => FileReport {
            file: path.to_path_buf(),
            summary: None,
            problems: vec![Problem::error("", format!("{e:#}"))],
        },
    }
}

fn tariffs_summary(t: &Tariffs) -> String {
    let parts: Vec<String> = t
        .schedules
        .iter()
        .map(|s| {
            let fees: Vec<String> = s.clusters.iter().map(|c| c.exam_fee.grouped(Unit::Toman)).collect();
            format!(
                "schedule {} from {}{}: {} service lines, total {}; exam fee {}; certificate fee {}",
                s.id,
                s.in_force_from,
                s.in_force_until.map(|u| format!(" until {u}")).unwrap_or_default(),
                s.lines.len(),
                s.office_lines_total(),
                fees.join(" or "),
                s.certificate_fee_amount
            )
        })
        .collect();
    parts.join("; ")
}

fn calendar_summary(c: &Calendar) -> String {
    let mut parts = Vec::new();
    for p in &c.programs {
        for s in &p.stages {
            parts.push(format!(
                "program {} stage {}: paper forms until {}, portal registration {}, entry cards {}, written exam {}",
                p.code,
                s.number,
                s.paper_registration.last.map(|d| d.to_string()).unwrap_or_default(),
                s.portal_registration,
                s.entry_card,
                s.written_exam
            ));
        }
    }
    parts.join("; ")
}

/// Every day on which the calendar has the office charge something should be priced
/// by a tariff schedule. A day that is not cannot be charged (the commands refuse it
/// with a clear message), so this is a warning, not an error.
fn cross_check(t: &Tariffs, c: &Calendar) -> Vec<Problem> {
    let mut out = Vec::new();
    for p in &c.programs {
        for s in &p.stages {
            for (field, w) in [
                ("portal_registration", &s.portal_registration),
                ("entry_card", &s.entry_card),
            ] {
                let (Some(first), Some(last)) = (w.first, w.last) else {
                    continue;
                };
                let unpriced: Vec<_> = (0..=first.days_until(last))
                    .filter_map(|n| first.add_days(n))
                    .filter(|d| t.schedule_on(*d).is_err())
                    .collect();
                if let (Some(a), Some(b)) = (unpriced.first(), unpriced.last()) {
                    out.push(Problem::warning(
                        format!("program \"{}\" stage {} {field}", p.code, s.number),
                        format!(
                            "{} day(s) of the window {w}, {a}–{b}, fall under no tariff schedule: nothing can be charged on them",
                            unpriced.len()
                        ),
                    ));
                }
            }
        }
    }
    out
}
