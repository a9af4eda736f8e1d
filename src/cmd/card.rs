//! `pishkhan card`: the exam-date slip (برگ اعلام زمان آزمون) for registered
//! applicants, inside the stage's entry-card window: service line 5, charged once,
//! and SMS rows telling each applicant when and where the written exam is.

use std::collections::HashSet;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};

use super::batch::{
    Charge, Outcome, Status, duplicate_in_batch, office_code, record_charges, safe_cell,
    write_atomic,
};
use super::register::{now_in_iran, pick_program, reprint};
use super::{load_calendar, load_office, load_tariffs, service_date};
use crate::cli::{CardArgs, Common};
use crate::core::applicant::{Rejection, check_national_id};
use crate::core::calendar::{ExamStage, Program};
use crate::core::jalali::JalaliDate;
use crate::core::money::Money;
use crate::core::tariff::{Selection, Stage};
use crate::core::text::to_persian_digits;
use crate::docs::{Receipt, ReceiptKind};
use crate::input::{Field, Sheet, open_source};
use crate::ledger::Ledger;

/// SMS text stays within two concatenated Persian (UCS-2) messages.
pub const SMS_LIMIT: usize = 140;

pub fn run(common: &Common, args: &CardArgs) -> Result<ExitCode> {
    let b = &args.batch;
    let office = load_office(common)?;
    if let Some(number) = &b.reprint {
        return reprint(
            common,
            b.out.as_deref(),
            b.combined.as_deref(),
            &office,
            number,
        );
    }
    let tariffs = load_tariffs(common)?;
    let calendar = load_calendar(common)?;
    let date = service_date(common)?;
    let schedule = tariffs.schedule_on(date)?;
    let program = pick_program(&calendar, b.program.as_deref())?;
    let stage = card_stage(program, args.stage, date)?;
    let office_code = office_code(&office, b.dry_run)?;
    let time = b.time.clone().unwrap_or_else(now_in_iran);
    let ledger = Ledger::open_read_only(common.ledger()?)?;

    // Who gets a slip: the CSV's national IDs, or everyone registered for the stage.
    struct Wanted {
        file: String,
        line: u64,
        national_id: String,
        exam_time: Option<String>,
        venue: Option<String>,
        problem: Option<Rejection>,
    }
    let mut wanted = Vec::new();
    match &args.csv {
        Some(name) => {
            let sheet = Sheet::open_with(
                name,
                open_source(name)?,
                None,
                &[(Field::NationalId, "national_id", "کد ملی")],
            )?;
            for row in sheet {
                wanted.push(match row {
                    Ok(r) => {
                        let id = check_national_id(&r.input.national_id);
                        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
                        Wanted {
                            file: name.clone(),
                            line: r.line,
                            national_id: id
                                .as_ref()
                                .map_or(r.input.national_id.clone(), |i| i.clone()),
                            exam_time: some(&r.input.exam_time),
                            venue: some(&r.input.venue),
                            problem: id.err(),
                        }
                    }
                    Err(bad) => Wanted {
                        file: name.clone(),
                        line: bad.line,
                        national_id: String::new(),
                        exam_time: None,
                        venue: None,
                        problem: Some(Rejection {
                            code: "row_malformed",
                            field: "",
                            message_fa: bad.fa,
                            message_en: bad.en,
                        }),
                    },
                });
            }
        }
        None => {
            for (i, r) in ledger
                .as_ref()
                .map(|l| l.registrations(&program.code, stage.number))
                .transpose()?
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                wanted.push(Wanted {
                    file: "ledger".into(),
                    line: i as u64 + 1,
                    national_id: r.applicant.national_id,
                    exam_time: None,
                    venue: None,
                    problem: None,
                });
            }
        }
    }

    let quote = schedule.quote(Selection::One(Stage::Card), None, 1)?;
    let mut seen = HashSet::new();
    let mut charges = Vec::new();
    for w in wanted {
        let reject = |r: Rejection| Outcome::rejected(&w.file, w.line, &w.national_id, vec![r]);
        let registration = match (&w.problem, &ledger) {
            (Some(p), _) => Err(p.clone()),
            _ if !seen.insert(w.national_id.clone()) => Err(duplicate_in_batch(None)),
            (None, Some(l)) => registered(l, &w.national_id, &program.code, stage),
            (None, None) => Err(not_registered(stage)),
        };
        let reg = match registration {
            Ok(r) => r,
            Err(r) => {
                charges.push(Charge {
                    outcome: reject(r),
                    receipt: None,
                    program: program.code.clone(),
                    exam_stage: stage.number,
                    schedule_id: schedule.id.clone(),
                });
                continue;
            }
        };
        let mut exam = reg.exam.clone();
        exam.time = w.exam_time.or(exam.time);
        exam.venue = w.venue.or(exam.venue);
        let receipt = Receipt {
            kind: ReceiptKind::Card,
            office: office.clone(),
            number: String::new(),
            date,
            time: time.clone(),
            applicant: reg.applicant.clone(),
            exam,
            lines: quote.lines.clone(),
            office_total: quote.office_total,
            tvto_total: quote.tvto_total,
            grand_total: quote.grand_total,
            unit: reg.unit,
            approvals: schedule.approvals.clone(),
        };
        let duplicate = ledger
            .as_ref()
            .map(|l| {
                l.find(
                    &w.national_id,
                    &program.code,
                    stage.number,
                    ReceiptKind::Card,
                )
            })
            .transpose()?
            .flatten();
        charges.push(Charge {
            outcome: Outcome {
                file: w.file.clone(),
                line: w.line,
                national_id: w.national_id.clone(),
                status: if duplicate.is_some() {
                    Status::Duplicate
                } else {
                    Status::Accepted
                },
                receipt_no: duplicate.unwrap_or_default(),
                office_total: quote.office_total,
                tvto_fee: Money::ZERO,
                total: quote.grand_total,
                problems: Vec::new(),
            },
            receipt: Some(receipt),
            program: program.code.clone(),
            exam_stage: stage.number,
            schedule_id: schedule.id.clone(),
        });
    }
    drop(ledger);
    let (code, new) = record_charges(common, b, &office_code, charges)?;
    if let Some(path) = &args.sms {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["mobile", "message"])?;
        for r in &new {
            w.write_record([safe_cell(&r.applicant.mobile), safe_cell(&sms_text(r))])?;
        }
        write_atomic(path, &w.into_inner().map_err(|e| anyhow!("{e}"))?)?;
    }
    Ok(code)
}

/// The stage whose entry cards are issued on `date`; with `--stage`, that stage,
/// which must be in its window. Outside every window nothing is done (exit 2).
fn card_stage(program: &Program, number: Option<u32>, date: JalaliDate) -> Result<&ExamStage> {
    let windows = || {
        program
            .stages
            .iter()
            .map(|s| format!("stage {}: {}", s.number, s.entry_card))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let stage = match number {
        Some(n) => program
            .stages
            .iter()
            .find(|s| s.number == n)
            .ok_or_else(|| anyhow!("program \"{}\" has no stage {n}", program.code))?,
        None => match program.stages.iter().find(|s| s.entry_card.contains(date)) {
            Some(s) => s,
            None => bail!(
                "entry cards are not issued on {date}: the entry-card windows are {} / در تاریخ {} کارت ورود به جلسه صادر نمی‌شود",
                windows(),
                date.to_fa_digits()
            ),
        },
    };
    if !stage.entry_card.contains(date) {
        bail!(
            "entry cards of stage {} are issued {}, not on {date} / کارت ورود به جلسه {} فقط از {} تا {} صادر می‌شود",
            stage.number,
            stage.entry_card,
            stage.name_fa,
            stage
                .entry_card
                .first
                .map(|d| d.to_fa_digits())
                .unwrap_or_default(),
            stage
                .entry_card
                .last
                .map(|d| d.to_fa_digits())
                .unwrap_or_default()
        );
    }
    Ok(stage)
}

fn not_registered(stage: &ExamStage) -> Rejection {
    Rejection {
        code: "not_registered",
        field: "national_id",
        message_fa: format!("این متقاضی برای {} ثبت نام نکرده است", stage.name_fa),
        message_en: format!("not registered for stage {} in this ledger", stage.number),
    }
}

fn registered(
    l: &Ledger,
    national_id: &str,
    program: &str,
    stage: &ExamStage,
) -> Result<Receipt, Rejection> {
    let number = l
        .find(
            national_id,
            program,
            stage.number,
            ReceiptKind::Registration,
        )
        .ok()
        .flatten()
        .ok_or_else(|| not_registered(stage))?;
    let office = l.connection().query_row(
        "SELECT office_code FROM receipts WHERE number = ?1",
        [&number],
        |r| r.get::<_, String>(0),
    );
    office
        .ok()
        .and_then(|code| l.document(&code, &number).ok().flatten())
        .ok_or_else(|| not_registered(stage))
}

/// The SMS: who, when, where, from which office, within two Persian messages. Parts
/// are dropped from the end (office, then venue) until it fits.
pub fn sms_text(r: &Receipt) -> String {
    let e = &r.exam;
    let when = format!(
        "{} {}{}",
        e.written_exam.weekday().name_fa(),
        e.written_exam.to_fa_digits(),
        e.time
            .as_deref()
            .map(|t| format!(" ساعت {}", to_persian_digits(t)))
            .unwrap_or_default()
    );
    let head = format!("{} عزیز، آزمون کتبی شما {when}", r.applicant.full_name());
    let venue = e
        .venue
        .as_deref()
        .map(|v| format!(" در {v}"))
        .unwrap_or_default();
    let office = r
        .office
        .name
        .as_deref()
        .map(|n| format!(" — {n}"))
        .unwrap_or_default();
    for candidate in [
        format!("{head}{venue} برگزار می‌شود.{office}"),
        format!("{head}{venue} برگزار می‌شود."),
        format!("{head} برگزار می‌شود.{office}"),
        format!("{head} برگزار می‌شود."),
    ] {
        if candidate.chars().count() <= SMS_LIMIT {
            return to_persian_digits(&candidate);
        }
    }
    to_persian_digits(&head.chars().take(SMS_LIMIT).collect::<String>())
}
