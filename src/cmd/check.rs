//! `pishkhan check`: validate the configuration files, change nothing, report every
//! problem with its file and key. Exit 0 without errors (warnings do not fail), 2 with.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde::Serialize;

use super::{EXIT_USAGE, emit, output_format, problem_lines, read_text};
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

fn parse_file<T>(path: &Path, what: &str, parse: fn(&str) -> (Option<T>, Vec<Problem>)) -> (Option<T>, Vec<Problem>) {
    match read_text(what, path) {
        Ok(text) => parse(&text),
        Err(e) => (None, vec![Problem::error("", format!("{e:#}"))]),
    }
}

pub fn run(common: &Common, args: &CheckArgs) -> Result<ExitCode> {
    if let Some(path) = &args.applicants {
        bail!(
            "checking an applicant sheet ({}) arrives with `register` (issue #4); nothing was checked",
            path.display()
        );
    }
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
        summary: calendar.as_ref().filter(|_| calendar_ok).map(calendar_summary),
        problems,
    });

    if let Some(path) = &common.config {
        let (office, problems) = parse_file(path, "office config", Office::parse);
        reports.push(FileReport {
            file: path.clone(),
            summary: office.map(|o| {
                format!(
                    "office {} ({})",
                    o.name.unwrap_or_default(),
                    o.code.unwrap_or_default()
                )
            }),
            problems,
        });
    }

    let errors = reports.iter().flat_map(|r| &r.problems).filter(|p| p.is_error()).count();
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
                    s.push_str(&format!("{}: ok: {summary}\n", r.file.display()));
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

/// Every day on which the calendar has the office charge something must be priced
/// by a tariff schedule.
fn cross_check(t: &Tariffs, c: &Calendar) -> Vec<Problem> {
    let mut out = Vec::new();
    for p in &c.programs {
        for s in &p.stages {
            let key = format!("program \"{}\" stage {}", p.code, s.number);
            let days = [
                ("portal_registration", s.portal_registration.first),
                ("portal_registration", s.portal_registration.last),
                ("entry_card", s.entry_card.first),
                ("entry_card", s.entry_card.last),
            ];
            for (field, day) in days {
                if let Some(day) = day
                    && let Err(e) = t.schedule_on(day)
                {
                    out.push(Problem::error(format!("{key} {field}"), e.to_string()));
                }
            }
        }
    }
    out.dedup();
    out
}
