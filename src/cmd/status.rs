//! `pishkhan status NATIONAL_ID`: one applicant's way through the office so far.

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use serde_json::json;

use super::{EXIT_REJECTED, emit};
use crate::cli::{Common, DataFormat, FormatArg};
use crate::core::applicant::check_national_id;
use crate::core::mobile::Prefixes;
use crate::core::money::Unit;
use crate::core::tariff::Stage;
use crate::core::text::{normalize_field, to_persian_digits};
use crate::outputs::table::Table;

const EXAMPLES: &str = "\
Examples:
  pishkhan status 9080590479
  pishkhan status ۹۰۸۰۵۹۰۴۷۹ --format json
  # Not in the ledger (exit 1)
  pishkhan status 0012345679

Exit 1 when the ledger has no receipt of the applicant.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The applicant's national ID
    pub national_id: String,

    #[command(flatten)]
    pub format: FormatArg,
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let id = check_national_id(&normalize_field(&args.national_id))
        .map_err(|r| anyhow!("{} / {}", r.message_en, r.message_fa))?;
    let path = common.ledger()?;
    let ledger =
        super::read_ledger(path)?.ok_or_else(|| anyhow!("no ledger at {}", path.display()))?;
    let receipts = ledger.receipts_of(&id)?;
    if receipts.is_empty() {
        eprintln!(
            "{id}: no receipt in {} / این کد ملی در دفتر ثبت نشده است",
            path.display()
        );
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    // The operator of each receipt's mobile, by the shipped table and the office's
    // own prefixes; none for a mobile registered before pishkhan knew the operators.
    let mobiles = Prefixes::with_extra(&super::load_office(common)?.extra_mobile_prefixes);
    let operator = |m: &str| mobiles.operator(m);
    let toman = |m: crate::core::money::Money| m.plain(Unit::Toman);
    let text = match args.format.get() {
        DataFormat::Json => {
            let rows: Vec<_> = receipts
                .iter()
                .map(|r| {
                    json!({"receipt_no": r.number, "kind": r.kind.as_str(), "program": r.program,
                           "exam_stage": r.exam_stage, "date": r.date.to_string(), "time": r.time,
                           "office_total": toman(r.office_total), "tvto_total": toman(r.tvto_total),
                           "grand_total": toman(r.grand_total), "mobile": r.mobile,
                           "operator": operator(&r.mobile).map(|o| o.name.as_str())})
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({"national_id": id, "receipts": rows}))?
            )
        }
        DataFormat::Csv => {
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
                "mobile",
                "operator",
            ])?;
            for r in &receipts {
                w.write_record([
                    id.clone(),
                    r.number.clone(),
                    r.kind.as_str().into(),
                    r.program.clone(),
                    r.exam_stage.to_string(),
                    r.date.to_string(),
                    r.time.clone(),
                    toman(r.office_total),
                    toman(r.tvto_total),
                    toman(r.grand_total),
                    r.mobile.clone(),
                    operator(&r.mobile).map_or("", |o| o.name.as_str()).into(),
                ])?;
            }
            String::from_utf8(w.into_inner().map_err(|e| anyhow!("{e}"))?)?
        }
        DataFormat::Table => {
            let mut t = Table::new(&[
                "مرحله",
                "شماره رسید",
                "تاریخ",
                "تلفن همراه",
                "اپراتور",
                "سهم دفتر",
                "وجوه سازمان",
                "جمع",
            ]);
            for r in &receipts {
                let step = match r.kind {
                    Stage::Registration => "ثبت‌نام",
                    Stage::Card => "برگ اعلام زمان آزمون",
                    Stage::Certificate => "گواهینامه",
                };
                t.row(vec![
                    step.into(),
                    to_persian_digits(&r.number),
                    format!("{} {}", r.date.to_fa_digits(), to_persian_digits(&r.time)),
                    to_persian_digits(&r.mobile),
                    operator(&r.mobile).map_or("—", |o| o.shown_fa()).into(),
                    r.office_total.grouped_fa(Unit::Toman),
                    r.tvto_total.grouped_fa(Unit::Toman),
                    r.grand_total.grouped_fa(Unit::Toman),
                ]);
            }
            format!("کد ملی {} — مبالغ به تومان\n{}", id, t.render())
        }
    };
    emit(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
