//! `pishkhan status NATIONAL_ID`: one applicant's way through the office so far.

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use serde_json::json;

use super::table::Table;
use super::{EXIT_REJECTED, emit, output_format};
use crate::cli::{Common, Format};
use crate::core::applicant::check_national_id;
use crate::core::money::{Money, Unit};
use crate::core::text::{fa_grouped, normalize_field, to_persian_digits};
use crate::ledger::Ledger;

pub fn run(common: &Common, national_id: &str) -> Result<ExitCode> {
    let id = check_national_id(&normalize_field(national_id))
        .map_err(|r| anyhow!("{} / {}", r.message_en, r.message_fa))?;
    let ledger = Ledger::open_read_only(common.ledger()?)?
        .ok_or_else(|| anyhow!("no ledger at {}", common.ledger[0].display()))?;
    let receipts = ledger.receipts_of(&id)?;
    let toman = |rial: i64| {
        Money::from_rial(rial)
            .map(|m| m.plain(Unit::Toman))
            .unwrap_or_default()
    };
    let text = match output_format(common) {
        Format::Json => {
            let rows: Vec<_> = receipts
                .iter()
                .map(|r| {
                    json!({"receipt_no": r.number, "kind": r.kind, "program": r.program, "exam_stage": r.exam_stage,
                           "date": r.date, "time": r.time, "office_total": toman(r.office_total),
                           "tvto_total": toman(r.tvto_total), "grand_total": toman(r.grand_total)})
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({"national_id": id, "receipts": rows}))?
            )
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "national_id",
                "receipt_no",
                "kind",
                "program",
                "exam_stage",
                "date",
                "time",
                "office_total",
                "tvto_total",
                "grand_total",
            ])?;
            for r in &receipts {
                w.write_record([
                    id.clone(),
                    r.number.clone(),
                    r.kind.clone(),
                    r.program.clone(),
                    r.exam_stage.to_string(),
                    r.date.clone(),
                    r.time.clone(),
                    toman(r.office_total),
                    toman(r.tvto_total),
                    toman(r.grand_total),
                ])?;
            }
            String::from_utf8(w.into_inner().map_err(|e| anyhow!("{e}"))?)?
        }
        _ => {
            let mut t = Table::new(&[
                "مرحله",
                "شماره رسید",
                "تاریخ",
                "سهم دفتر",
                "وجوه سازمان",
                "جمع",
            ]);
            for r in &receipts {
                let step = match r.kind.as_str() {
                    "registration" => "ثبت نام",
                    "card" => "برگ اعلام زمان آزمون",
                    _ => "گواهینامه",
                };
                t.row(vec![
                    step.into(),
                    to_persian_digits(&r.number),
                    format!(
                        "{} {}",
                        to_persian_digits(&r.date),
                        to_persian_digits(&r.time)
                    ),
                    fa_grouped(r.office_total / 10),
                    fa_grouped(r.tvto_total / 10),
                    fa_grouped(r.grand_total / 10),
                ]);
            }
            format!("کد ملی {} — مبالغ به تومان\n{}", id, t.render())
        }
    };
    if receipts.is_empty() {
        eprintln!(
            "{id}: no receipt in {} / این کد ملی در دفتر ثبت نشده است",
            common.ledger[0].display()
        );
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    emit(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
