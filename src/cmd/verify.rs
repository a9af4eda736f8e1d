//! `pishkhan verify`: does a receipt's proof line (`PK1|…`) or number agree with the
//! ledger? The receipt must be there, with the same office, date, totals and chain
//! hash, and the ledger's chain must verify.

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::ValueEnum;
use serde_json::json;

use super::{EXIT_USAGE, emit};
use crate::cli::Common;
use crate::core::text::to_ascii_digits;
use crate::desk::proof::{Proof, TAG};
use crate::ledger::Ledger;

const EXAMPLES: &str = "\
Examples:
  pishkhan verify 1402-000001 --format json
  # A proof line with a made-up hash (exit 1: the hash does not match)
  pishkhan verify 'PK1|37-1234|1402-000001|1402/10/26|484790|600000|5e0b1c2d3e4f5a6b'

Checks a receipt against the ledger: that it is there, that its office, date and
totals are what the proof line says, that its chain hash starts with the proof's
16 hex digits, and that the ledger's hash chain verifies whole. Exit 0 when all of
it holds, 1 when the receipt does not match (the field is named), 2 when it cannot
be checked (no ledger, a line that is not a proof, an office the ledger lacks).";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A proof line (PK1|office|receipt_no|date|office_total|tvto_total|hash) or a receipt number
    pub what: String,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: VerifyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Text,
    Json,
}

/// One thing checked, and whether it held.
struct Check {
    what: &'static str,
    held: bool,
    detail: String,
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let path = common.ledger()?;
    let Some(ledger) = Ledger::open_read_only(path)? else {
        eprintln!(
            "pishkhan: no ledger at {} / دفتری در این مسیر نیست",
            path.display()
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    };
    let what = to_ascii_digits(args.what.trim());
    let claimed = if what.starts_with(TAG) {
        match Proof::parse(&what) {
            Ok(p) => Some(p),
            Err(why) => {
                eprintln!("pishkhan: not a proof line: {why} / این متن رسید نیست");
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        }
    } else {
        None
    };
    let office = match (&claimed, common.office_code.clone()) {
        (Some(p), _) => p.office.clone(),
        (None, Some(code)) => code,
        (None, None) => match ledger.offices()?.as_slice() {
            [one] => one.clone(),
            _ => {
                eprintln!(
                    "pishkhan: which office? give --office-code (the ledger holds several or none)"
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        },
    };
    let number = claimed.as_ref().map_or(what.clone(), |p| p.number.clone());
    let recorded = ledger.proof(&office, &number)?;
    let mut checks = vec![Check {
        what: "receipt_no",
        held: recorded.is_some(),
        detail: format!("receipt {number} of office {office} in {}", path.display()),
    }];
    if let Some(rec) = &recorded {
        if let Some(p) = &claimed {
            let differs = p.differences(rec);
            for (field, said, has) in [
                ("office", p.office.clone(), rec.office.clone()),
                ("date", p.date.to_string(), rec.date.to_string()),
                (
                    "office_total",
                    p.office_total.rial().to_string(),
                    rec.office_total.rial().to_string(),
                ),
                (
                    "tvto_total",
                    p.tvto_total.rial().to_string(),
                    rec.tvto_total.rial().to_string(),
                ),
                ("hash", p.hash_prefix.clone(), rec.hash_prefix.clone()),
            ] {
                checks.push(Check {
                    what: field,
                    held: !differs.contains(&field),
                    detail: format!("proof {said}, ledger {has}"),
                });
            }
        }
        // The chain up to the receipt (and past it): a ledger rewritten since the
        // receipt printed no longer fits.
        let verified = ledger.verify(|_| Ok(()))?;
        let first = verified.findings.first();
        checks.push(Check {
            what: "chain",
            held: verified.findings.is_empty() && !rec.hash_prefix.is_empty(),
            detail: match first {
                Some(f) => format!("{}: {}", f.code, f.message_en),
                None if rec.hash_prefix.is_empty() => "the receipt has no hash".into(),
                None => format!("{} receipts, hash chain whole", verified.receipts),
            },
        });
    }
    let held = checks.iter().all(|c| c.held);
    let text = match args.format {
        VerifyFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({
                "verified": held,
                "office": office,
                "receipt_no": number,
                "proof": recorded.as_ref().map(Proof::text),
                "checks": checks.iter().map(|c| json!({"check": c.what, "held": c.held, "detail": c.detail})).collect::<Vec<_>>(),
            }))
            .map_err(|e| anyhow!(e))?
        ),
        VerifyFormat::Text => {
            let mut out = String::new();
            for c in &checks {
                out.push_str(&format!(
                    "{} {:<12} {}\n",
                    if c.held { "ok " } else { "NO " },
                    c.what,
                    c.detail
                ));
            }
            let failed: Vec<&str> = checks.iter().filter(|c| !c.held).map(|c| c.what).collect();
            out.push_str(&if held {
                "the receipt is what the ledger recorded / رسید با دفتر می‌خواند\n".to_string()
            } else {
                format!(
                    "the receipt does not match the ledger: {} / رسید با دفتر نمی‌خواند\n",
                    failed.join(", ")
                )
            });
            out
        }
    };
    emit(text.as_bytes())?;
    Ok(if held {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
