//! `pishkhan certify`: after a final pass, lines 6–7 and TVTO's certificate fee, with
//! a certificate receipt. The only command that ever charges the certificate fee.

use std::collections::HashSet;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::batch::{Charge, Outcome, Status, duplicate_in_batch, office_code, record_charges};
use super::register::{now_in_iran, reprint};
use super::{load_office, load_tariffs, service_date};
use crate::cli::{CertifyArgs, Common};
use crate::core::applicant::{Rejection, check_national_id};
use crate::core::tariff::{Selection, Stage};
use crate::core::text::fold_key;
use crate::docs::{Receipt, ReceiptKind};
use crate::input::{Field, Sheet, open_source};
use crate::ledger::Ledger;

/// Results that mean a final pass, folded.
const PASSED: &[&str] = &[
    "قبول نهایی",
    "قبول",
    "پذیرفته",
    "passed",
    "pass",
    "final pass",
    "accepted",
];

pub fn run(common: &Common, args: &CertifyArgs) -> Result<ExitCode> {
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
    let Some(name) = &args.csv else {
        bail!("give the results CSV (national_id,result)");
    };
    let tariffs = load_tariffs(common)?;
    let date = service_date(common)?;
    let schedule = tariffs.schedule_on(date)?;
    let office_code = office_code(&office, b.dry_run)?;
    let time = b.time.clone().unwrap_or_else(now_in_iran);
    let sheet = Sheet::open_with(
        name,
        open_source(name)?,
        None,
        &[
            (Field::NationalId, "national_id", "کد ملی"),
            (Field::Result, "result", "نتیجه"),
        ],
    )?;
    let ledger = Ledger::open_read_only(common.ledger()?)?;
    let quote = schedule.quote(Selection::One(Stage::Certificate), None, 1)?;
    let mut seen = HashSet::new();
    let mut charges = Vec::new();
    for row in sheet {
        let (line, input) = match row {
            Ok(r) => (r.line, r.input),
            Err(bad) => {
                let r = Rejection {
                    code: "row_malformed",
                    field: "",
                    message_fa: bad.fa,
                    message_en: bad.en,
                };
                charges.push(rejected(name, bad.line, "", r));
                continue;
            }
        };
        let id = match check_national_id(&input.national_id) {
            Ok(id) => id,
            Err(r) => {
                charges.push(rejected(name, line, &input.national_id, r));
                continue;
            }
        };
        if !seen.insert(id.clone()) {
            let r = duplicate_in_batch(None);
            charges.push(rejected(name, line, &id, r));
            continue;
        }
        let registration = ledger
            .as_ref()
            .map(|l| l.registration_of(&id))
            .transpose()?
            .flatten();
        let Some((program, stage, reg)) = registration else {
            let r = Rejection {
                code: "not_registered",
                field: "national_id",
                message_fa: "این متقاضی در این دفتر ثبت نام نکرده است".into(),
                message_en: "not registered in this ledger".into(),
            };
            charges.push(rejected(name, line, &id, r));
            continue;
        };
        if !PASSED
            .iter()
            .any(|p| fold_key(p) == fold_key(&input.result))
        {
            let r = Rejection {
                code: "not_passed",
                field: "result",
                message_fa: format!(
                    "نتیجه «{}» قبولی نهایی نیست: هزینه گواهینامه فقط از قبول‌شدگان نهایی گرفته می‌شود",
                    input.result
                ),
                message_en: format!(
                    "result \"{}\" is not a final pass: only those who passed pay for the certificate",
                    input.result
                ),
            };
            charges.push(rejected(name, line, &id, r));
            continue;
        }
        let duplicate = ledger
            .as_ref()
            .map(|l| l.find(&id, &program, stage, ReceiptKind::Certificate))
            .transpose()?
            .flatten();
        let receipt = Receipt {
            kind: ReceiptKind::Certificate,
            office: office.clone(),
            number: String::new(),
            date,
            time: time.clone(),
            applicant: reg.applicant.clone(),
            exam: reg.exam.clone(),
            lines: quote.lines.clone(),
            office_total: quote.office_total,
            tvto_total: quote.tvto_total,
            grand_total: quote.grand_total,
            unit: reg.unit,
            approvals: schedule.approvals.clone(),
        };
        charges.push(Charge {
            outcome: Outcome {
                file: name.clone(),
                line,
                national_id: id.clone(),
                status: if duplicate.is_some() {
                    Status::Duplicate
                } else {
                    Status::Accepted
                },
                receipt_no: duplicate.unwrap_or_default(),
                office_total: quote.office_total,
                tvto_fee: quote.tvto_total,
                total: quote.grand_total,
                problems: Vec::new(),
            },
            receipt: Some(receipt),
            program,
            exam_stage: stage,
            schedule_id: schedule.id.clone(),
        });
    }
    drop(ledger);
    Ok(record_charges(common, b, &office_code, charges)?.0)
}

fn rejected(file: &str, line: u64, national_id: &str, r: Rejection) -> Charge {
    Charge {
        outcome: Outcome::rejected(file, line, national_id, vec![r]),
        receipt: None,
        program: String::new(),
        exam_stage: 0,
        schedule_id: String::new(),
    }
}
