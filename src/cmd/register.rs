//! `pishkhan register`: the clerk's daily batch. Validate each row, price it by the
//! schedule in force, record it in the ledger under the next receipt number, print
//! its receipt; give every row a result and every rejected row its reasons.

use std::collections::HashMap;
use std::fs;
use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};

use super::batch::{
    Outcome, Rejects, Results, Status, duplicate_in_batch, office_code, write_atomic,
};
use super::{
    EXIT_REJECTED, emit, load_calendar, load_office, load_tariffs, output_format, service_date,
};
use crate::cli::{Common, EncodingArg, Format, RegisterArgs};
use crate::core::applicant::{Applicant, Context as RowContext, Gender, Rejection, validate};
use crate::core::calendar::{Calendar, ExamStage, Program};
use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, Unit};
use crate::core::office::Office;
use crate::core::tariff::{Schedule, Selection, Stage};
use crate::docs::{self, Doc, Exam, Receipt, ReceiptKind};
use crate::input::{Encoding, Sheet, open_source};
use crate::ledger::{Ledger, NewReceipt, Person, Recorded};

pub fn run(common: &Common, args: &RegisterArgs) -> Result<ExitCode> {
    let office = load_office(common)?;
    if let Some(number) = &args.reprint {
        return reprint(
            common,
            args.out.as_deref(),
            args.combined.as_deref(),
            &office,
            number,
        );
    }
    let tariffs = load_tariffs(common)?;
    let calendar = load_calendar(common)?;
    let date = service_date(common)?;
    let schedule = tariffs.schedule_on(date)?;
    let program = pick_program(&calendar, args.program.as_deref())?;
    let office_code = office_code(&office, args.dry_run)?;
    let time = match &args.time {
        Some(t) => t.clone(),
        None => now_in_iran(),
    };
    let encoding = args.encoding.map(|e| match e {
        EncodingArg::Utf8 => Encoding::Utf8,
        EncodingArg::Windows1256 => Encoding::Windows1256,
    });
    if args.csv.iter().filter(|c| *c == "-").count() > 1 {
        bail!("standard input (-) can be read only once");
    }
    // Standard input can be read once; --strict reads the batch twice: keep a copy.
    let spool = if args.strict && args.csv.iter().any(|c| c == "-") {
        let mut tmp = tempfile::NamedTempFile::new()?;
        io::copy(&mut io::stdin().lock(), &mut tmp)?;
        Some(tmp)
    } else {
        None
    };
    let source_of = |name: &str| -> Result<Box<dyn io::Read>> {
        match (&spool, name) {
            (Some(tmp), "-") => Ok(Box::new(fs::File::open(tmp.path())?)),
            _ => open_source(name).with_context(|| format!("cannot read {name}")),
        }
    };
    // Every sheet must open (headers, encoding) before any row is processed.
    let mut sheets = Vec::new();
    for name in &args.csv {
        let sheet = Sheet::open(name, source_of(name)?, encoding)?;
        let why = match (encoding, sheet.encoding) {
            (Some(_), _) => " (--encoding)",
            (None, Encoding::Windows1256) => " (the bytes are not UTF-8)",
            (None, Encoding::Utf8) => "",
        };
        let sep = match sheet.delimiter {
            b';' => "semicolons",
            b'\t' => "tabs",
            _ => "commas",
        };
        eprintln!(
            "{name}: read as {}{why}, separated by {sep}",
            sheet.encoding.name()
        );
        sheets.push(sheet);
    }

    let batch = Batch {
        date,
        time,
        schedule,
        program,
        office: &office,
        office_code: &office_code,
        extra_military: office.extra_military_statuses.clone(),
    };

    if args.strict {
        // First pass: check everything, record nothing.
        let mut seen = HashMap::new();
        let ledger = Ledger::open_read_only(common.ledger()?)?;
        let mut rejected = 0;
        for sheet in sheets.drain(..) {
            let name = sheet.name.clone();
            for row in sheet {
                if batch.check(row, &mut seen, ledger.as_ref(), &name).0.status == Status::Rejected
                {
                    rejected += 1;
                }
            }
        }
        if rejected > 0 {
            eprintln!(
                "--strict: {rejected} row(s) rejected; nothing was recorded / {} سطر رد شد و هیچ چیز ثبت نشد",
                crate::core::text::to_persian_digits(&rejected.to_string())
            );
            // Report the rows as a dry run would.
            return process(
                common,
                args,
                &batch,
                reopen(args, encoding, &source_of)?,
                None,
            );
        }
        sheets = reopen(args, encoding, &source_of)?;
    }
    let ledger = if args.dry_run {
        None
    } else {
        let mut ledger = Ledger::open(common.ledger()?)?;
        ledger.checkpoint_in_background()?;
        Some(ledger)
    };
    process(common, args, &batch, sheets, ledger)
}

fn reopen(
    args: &RegisterArgs,
    encoding: Option<Encoding>,
    source_of: &dyn Fn(&str) -> Result<Box<dyn io::Read>>,
) -> Result<Vec<Sheet>> {
    args.csv
        .iter()
        .map(|name| Ok(Sheet::open(name, source_of(name)?, encoding)?))
        .collect()
}

/// What every row of the batch shares.
struct Batch<'a> {
    date: JalaliDate,
    time: String,
    schedule: &'a Schedule,
    program: &'a Program,
    office: &'a Office,
    office_code: &'a str,
    extra_military: Vec<String>,
}

type Checked = (Outcome, Option<(Applicant, Receipt, u32)>);

impl Batch<'_> {
    /// Validates and prices one row; `seen` holds the batch's national IDs so far.
    fn check(
        &self,
        row: Result<crate::input::Row, crate::input::BadRow>,
        seen: &mut HashMap<String, u64>,
        ledger: Option<&Ledger>,
        file: &str,
    ) -> Checked {
        let row = match row {
            Ok(r) => r,
            Err(bad) => {
                let o = Outcome::rejected(
                    file,
                    bad.line,
                    "",
                    vec![Rejection {
                        code: "row_malformed",
                        field: "",
                        message_fa: bad.fa,
                        message_en: bad.en,
                    }],
                );
                return (o, None);
            }
        };
        let stage = match self.stage_for(&row.input.exam_stage) {
            Ok(s) => s,
            Err(r) => {
                return (
                    Outcome::rejected(file, row.line, &row.input.national_id, vec![r]),
                    None,
                );
            }
        };
        let ctx = RowContext {
            service_date: self.date,
            schedule: self.schedule,
            stage,
            extra_military: &self.extra_military,
        };
        let applicant = match validate(&row.input, &ctx) {
            Ok((a, _warnings)) => a,
            Err(problems) => {
                return (
                    Outcome::rejected(file, row.line, &row.input.national_id, problems),
                    None,
                );
            }
        };
        if let Some(first) = seen.get(&applicant.national_id) {
            let r = duplicate_in_batch(Some(*first));
            return (
                Outcome::rejected(file, row.line, &applicant.national_id, vec![r]),
                None,
            );
        }
        seen.insert(applicant.national_id.clone(), row.line);
        let cluster = self
            .schedule
            .clusters
            .iter()
            .find(|c| c.code == applicant.cluster_code)
            .expect("validated cluster");
        let quote = self
            .schedule
            .quote(Selection::One(Stage::Registration), Some(cluster), 1)
            .expect("one applicant's fees are far below the money limit");
        let receipt = Receipt {
            kind: ReceiptKind::Registration,
            office: self.office.clone(),
            number: String::new(),
            date: self.date,
            time: self.time.clone(),
            applicant: docs::Applicant {
                first_name: applicant.first_name.clone(),
                last_name: applicant.last_name.clone(),
                father_name: applicant.father_name.clone(),
                national_id: applicant.national_id.clone(),
                mobile: applicant.mobile.clone(),
                trade: applicant.trade.clone(),
                cluster: cluster.name_fa.clone(),
            },
            exam: Exam {
                program: self.program.name_fa.clone(),
                stage: stage.name_fa.clone(),
                written_exam: stage.written_exam,
                time: None,
                venue: None,
            },
            lines: quote.lines,
            office_total: quote.office_total,
            tvto_total: quote.tvto_total,
            grand_total: quote.grand_total,
            unit: Unit::Toman,
            approvals: self.schedule.approvals.clone(),
        };
        let mut outcome = Outcome {
            file: file.to_string(),
            line: row.line,
            national_id: applicant.national_id.clone(),
            status: Status::Accepted,
            receipt_no: String::new(),
            office_total: receipt.office_total,
            tvto_fee: receipt.tvto_total,
            total: receipt.grand_total,
            problems: Vec::new(),
        };
        if let Some(l) = ledger
            && let Ok(Some(number)) = l.find(
                &applicant.national_id,
                &self.program.code,
                stage.number,
                ReceiptKind::Registration,
            )
        {
            outcome.status = Status::Duplicate;
            outcome.receipt_no = number;
        }
        (outcome, Some((applicant, receipt, stage.number)))
    }

    /// The exam stage of a row: its `exam_stage` column, or the stage whose portal
    /// registration is open on the service date.
    fn stage_for(&self, column: &str) -> Result<&ExamStage, Rejection> {
        let stages = &self.program.stages;
        if column.trim().is_empty() {
            return stages
                .iter()
                .find(|s| s.portal_registration.contains(self.date))
                .ok_or_else(|| Rejection {
                    code: "registration_closed",
                    field: "exam_stage",
                    message_fa: format!(
                        "در {} ثبت نام هیچ مرحله‌ای از «{}» باز نیست",
                        self.date.to_fa_digits(),
                        self.program.name_fa
                    ),
                    message_en: format!(
                        "no stage of program \"{}\" is open for registration on {}",
                        self.program.code, self.date
                    ),
                });
        }
        let digits: String = column.chars().filter(char::is_ascii_digit).collect();
        digits
            .parse::<u32>()
            .ok()
            .and_then(|n| stages.iter().find(|s| s.number == n))
            .ok_or_else(|| Rejection {
                code: "exam_stage_unknown",
                field: "exam_stage",
                message_fa: format!("مرحله «{column}» در تقویم آزمون نیست"),
                message_en: format!(
                    "exam stage \"{column}\" is not in the calendar of \"{}\"",
                    self.program.code
                ),
            })
    }
}

fn process(
    common: &Common,
    args: &RegisterArgs,
    batch: &Batch,
    sheets: Vec<Sheet>,
    mut ledger: Option<Ledger>,
) -> Result<ExitCode> {
    let format = output_format(common);
    if format == Format::Pdf {
        bail!("register prints csv or json results; receipts go to --out DIR or --combined FILE");
    }
    let record = ledger.is_some() && !args.dry_run;
    let read_only = if record {
        None
    } else {
        Ledger::open_read_only(common.ledger()?)?
    };
    if let Some(dir) = &args.out
        && record
    {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let size = common.paper.size();
    let mut results = Results::new(format)?;
    let mut rejects = args.rejects.as_deref().map(Rejects::new).transpose()?;
    let mut combined = docs::Combined::new("رسیدهای ثبت نام", size);
    let mut seen = HashMap::new();
    let (mut accepted, mut rejected, mut duplicates) = (0u64, 0u64, 0u64);
    let (mut office_sum, mut tvto_sum) = (Money::ZERO, Money::ZERO);
    let progress = if io::stderr().is_terminal() {
        let p = ProgressBar::new_spinner();
        p.set_style(
            ProgressStyle::with_template("{spinner} {pos} rows {msg}").expect("valid template"),
        );
        Some(p)
    } else {
        None
    };

    let mut empty = Vec::new();
    for sheet in sheets {
        let name = sheet.name.clone();
        let headers = sheet.headers.clone();
        let mut rows = 0u64;
        for row in sheet {
            rows += 1;
            let record_of_row = match &row {
                Ok(r) => r.record.clone(),
                Err(b) => b.record.clone(),
            };
            // When recording, `Ledger::record` finds duplicates inside its transaction;
            // asking the ledger first as well would be a second query per row.
            let (mut outcome, priced) = batch.check(row, &mut seen, read_only.as_ref(), &name);
            if let (Some((applicant, receipt, stage)), Status::Accepted) = (&priced, outcome.status)
                && let Some(l) = ledger.as_mut().filter(|_| record)
            {
                let recorded = l.record(&NewReceipt {
                    office_code: batch.office_code,
                    program: &batch.program.code,
                    exam_stage: *stage,
                    schedule_id: &batch.schedule.id,
                    person: Some(Person {
                        birth_date: &applicant.birth_date.to_string(),
                        gender: match applicant.gender {
                            Gender::Male => "male",
                            Gender::Female => "female",
                        },
                        military_status: &applicant.military_status,
                    }),
                    document: receipt,
                })?;
                match recorded {
                    Recorded::New(n) => outcome.receipt_no = n,
                    Recorded::Duplicate(n) => {
                        outcome.status = Status::Duplicate;
                        outcome.receipt_no = n;
                    }
                }
            }
            // Receipts: new ones, and any already recorded whose file is missing (a
            // run stopped between the ledger and the disk).
            let wants_pdf = args.out.is_some() || args.combined.is_some();
            if record && wants_pdf && outcome.status != Status::Rejected {
                let doc = ledger
                    .as_ref()
                    .expect("recording")
                    .document(batch.office_code, &outcome.receipt_no)?
                    .ok_or_else(|| {
                        anyhow!("receipt {} vanished from the ledger", outcome.receipt_no)
                    })?;
                if let Some(dir) = &args.out {
                    let path = dir.join(format!("{}.pdf", outcome.receipt_no));
                    if outcome.status == Status::Accepted || !path.exists() {
                        write_atomic(&path, &docs::render(&[Doc::of(doc.clone())], size))?;
                    }
                }
                if args.combined.is_some() {
                    combined.push(&Doc::of(doc));
                }
            }
            match outcome.status {
                Status::Accepted => {
                    accepted += 1;
                    office_sum = office_sum.checked_add(outcome.office_total)?;
                    tvto_sum = tvto_sum.checked_add(outcome.tvto_fee)?;
                }
                Status::Duplicate => duplicates += 1,
                Status::Rejected => {
                    rejected += 1;
                    if let Some(r) = rejects.as_mut() {
                        r.push(&headers, &record_of_row, &outcome)?;
                    }
                }
            }
            results.write(&outcome)?;
            if let Some(p) = &progress {
                p.inc(1);
            }
        }
        if rows == 0 {
            empty.push(name);
        }
    }
    if accepted + rejected + duplicates == 0 {
        bail!(
            "{}: no applicant rows, only a header / فایل هیچ سطر متقاضی ندارد",
            empty.join(", ")
        );
    }
    for name in &empty {
        eprintln!("{name}: no applicant rows");
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    results.finish()?;
    if let (Some(path), Some(r)) = (&args.rejects, rejects) {
        r.finish(path)?;
    }
    if let Some(path) = &args.combined
        && !combined.is_empty()
    {
        write_atomic(path, &combined.finish())?;
    }
    eprintln!(
        "{}accepted {accepted}, rejected {rejected}, already registered {duplicates}; office fees {}, TVTO money {} / پذیرفته {}، رد شده {}، تکراری {}",
        if record { "" } else { "dry run: " },
        office_sum,
        tvto_sum,
        fa_n(accepted),
        fa_n(rejected),
        fa_n(duplicates)
    );
    Ok(if rejected > 0 {
        ExitCode::from(EXIT_REJECTED)
    } else {
        ExitCode::SUCCESS
    })
}

fn fa_n(n: u64) -> String {
    crate::core::text::fa_grouped(n as i64)
}

/// Checks an applicant sheet as `register --dry-run` would, recording nothing: for
/// `pishkhan check --applicants`. Returns the number of rows and one problem per
/// rejected row (`line N field`, code and reasons); rows already in the ledger are fine.
pub fn check_sheet(
    common: &Common,
    tariffs: &crate::core::tariff::Tariffs,
    calendar: &Calendar,
    path: &Path,
) -> Result<(u64, Vec<crate::core::problem::Problem>)> {
    let date = service_date(common)?;
    let office = load_office(common)?;
    let batch = Batch {
        date,
        time: String::new(),
        schedule: tariffs.schedule_on(date)?,
        program: pick_program(calendar, None)?,
        office: &office,
        office_code: "",
        extra_military: office.extra_military_statuses.clone(),
    };
    let name = path.display().to_string();
    let sheet = Sheet::open(&name, open_source(&name)?, None)?;
    let ledger = Ledger::open_read_only(common.ledger()?)?;
    let mut seen = HashMap::new();
    let (mut rows, mut problems) = (0, Vec::new());
    for row in sheet {
        rows += 1;
        let (o, _) = batch.check(row, &mut seen, ledger.as_ref(), &name);
        for p in &o.problems {
            let key = if p.field.is_empty() {
                format!("line {}", o.line)
            } else {
                format!("line {} {}", o.line, p.field)
            };
            problems.push(crate::core::problem::Problem::error(
                key,
                format!("{}: {} / {}", p.code, p.message_en, p.message_fa),
            ));
        }
    }
    Ok((rows, problems))
}

pub fn pick_program<'a>(calendar: &'a Calendar, code: Option<&str>) -> Result<&'a Program> {
    match code {
        Some(c) => calendar.program(c).ok_or_else(|| {
            let known: Vec<&str> = calendar.programs.iter().map(|p| p.code.as_str()).collect();
            anyhow!(
                "unknown program \"{c}\": the calendar has {}",
                known.join(", ")
            )
        }),
        None if calendar.programs.len() == 1 => Ok(&calendar.programs[0]),
        None => {
            let known: Vec<&str> = calendar.programs.iter().map(|p| p.code.as_str()).collect();
            bail!(
                "the calendar has several programs ({}): give --program",
                known.join(", ")
            )
        }
    }
}

/// HH:MM in Iran (UTC+03:30).
pub fn now_in_iran() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let local = (secs + 12_600).rem_euclid(86_400);
    format!("{:02}:{:02}", local / 3600, local % 3600 / 60)
}

/// Prints a receipt (or an exam-date slip) again from the ledger, identical to the
/// first print: into `out`, or `combined`, or standard output.
pub fn reprint(
    common: &Common,
    out: Option<&Path>,
    combined: Option<&Path>,
    office: &Office,
    number: &str,
) -> Result<ExitCode> {
    let code = office
        .code
        .as_deref()
        .ok_or_else(|| anyhow!("the office code is not set: give --office-code or --config"))?;
    let ledger = Ledger::open_read_only(common.ledger()?)?
        .ok_or_else(|| anyhow!("no ledger at {}", common.ledger[0].display()))?;
    let number = crate::core::text::to_ascii_digits(number);
    let doc = ledger.document(code, &number)?.ok_or_else(|| {
        anyhow!(
            "no receipt {number} of office {code} in {}",
            common.ledger[0].display()
        )
    })?;
    let pdf = docs::render(&[Doc::of(doc)], common.paper.size());
    match (out, combined) {
        (Some(dir), _) => {
            fs::create_dir_all(dir)?;
            let path = dir.join(format!("{number}.pdf"));
            write_atomic(&path, &pdf)?;
            eprintln!("{}", path.display());
        }
        (None, Some(path)) => write_atomic(path, &pdf)?,
        (None, None) => emit(&pdf)?,
    }
    Ok(ExitCode::SUCCESS)
}
