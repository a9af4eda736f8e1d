//! The settings every command starts from, read and checked once: the tariffs, the
//! calendar, the office (its config, the command line, the ledger's identity) and
//! its key, the service date, and the files a run may not write over.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};

use crate::cli::{BatchArgs, Common};
use crate::core::calendar::Calendar;
use crate::core::jalali::JalaliDate;
use crate::core::mobile::Prefixes;
use crate::core::office::Office;
use crate::core::problem::Problem;
use crate::core::tariff::Tariffs;
use crate::desk::{Clock, Context};
use crate::ledger::Ledger;

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
pub fn office_for(common: &Common, ledger: Option<&Ledger>) -> Result<Office> {
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
