//! `pishkhan verify`: does a receipt agree with the ledger? Given its proof line
//! (`PK1|…`, the text of its QR code), its number, or its PDF (whose document
//! information holds the proof line of each document in it), the receipt must be in
//! the ledger with the same office, date, totals and chain hash, and the ledger's
//! chain must verify.

use std::cell::OnceCell;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::ValueEnum;
use serde_json::json;

use super::{EXIT_USAGE, emit};
use crate::cli::Common;
use crate::core::text::to_ascii_digits;
use crate::desk::proof::{Proof, Signed, TAG};

mod checks;
mod document;

use checks::{check, claims, signature_checks, text};
use document::document_check;

const EXAMPLES: &str = "\
Examples:
  pishkhan verify 1402-000001 --format json
  # A proof line with a made-up hash (exit 1: the hash does not match)
  pishkhan verify 'PK1|37-1234|1402-000001|1402/10/26|484790|600000|5e0b1c2d3e4f5a6b'
  # A receipt's PDF: the proof line of every document in it
  pishkhan verify receipts/37-1234_1402-000001.pdf

Checks a receipt against the ledger: that it is there, that its office, date and
totals are what the proof line says, that its chain hash starts with the proof's
16 hex digits, and that the ledger's hash chain verifies whole. Exit 0 when all of
it holds, 1 when a receipt does not match (the field is named), 2 when it cannot
be checked (no ledger, a line that is not a proof, a PDF without one or larger than
256 MB, an office the ledger holds no receipts of).";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A proof line (PK1|office|receipt_no|date|office_total|tvto_total|hash), a
    /// receipt number, or a receipt's PDF
    pub what: String,

    /// The guild's registry of office keys: check signed (PK2) lines by their
    /// signature, with or without the ledger
    #[arg(long, value_name = "REGISTRY")]
    pub keys: Option<std::path::PathBuf>,

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
#[derive(Clone)]
struct Check {
    what: &'static str,
    held: bool,
    detail: String,
}

/// A receipt as it was claimed, and what checking it found.
struct Checked {
    office: String,
    number: String,
    /// Whom the receipt is for: national ID and name (the name only from the ledger).
    whom: Option<(String, String)>,
    /// The receipt as the ledger holds it, read once for every check that needs it.
    document: Option<crate::desk::Receipt>,
    /// The proof line the ledger gives for the receipt, when it has it.
    recorded: Option<Proof>,
    checks: Vec<Check>,
}

impl Checked {
    fn held(&self) -> bool {
        self.checks.iter().all(|c| c.held)
    }
}

/// What is to be checked: a receipt number, or proof lines (one typed, or those of
/// a PDF, with the file itself when it names its layout).
enum Claims {
    Number(String),
    Proofs(Vec<(Proof, Option<Signed>)>, Option<File>),
}

/// A PDF to compare, byte for byte, with what the ledger prints.
struct File {
    bytes: Vec<u8>,
    /// The layout it says it has; none from a pishkhan before layouts were named.
    layout: Option<String>,
    /// Its title: one receipt's, or a print run's.
    title: Option<String>,
}

/// Why nothing can be checked: said, exit 2.
fn cannot(why: String) -> Result<ExitCode> {
    eprintln!("pishkhan: {}", visible(&why));
    Ok(ExitCode::from(EXIT_USAGE))
}

/// Text from outside (a file name, a proof line's fields) made safe to print on a
/// terminal: control characters, terminal escapes among them, shown escaped.
fn visible(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let keep = c == '\n' || !(c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c));
            let shown: Vec<char> = if keep {
                vec![c]
            } else {
                c.escape_unicode().collect()
            };
            shown
        })
        .collect()
}

/// The ledger's spelling of `claimed`: the same code, or one that differs only in its
/// digits (Persian or Latin) or surrounding spaces, as an earlier pishkhan stored it.
fn office_in(offices: &[String], claimed: &str) -> Option<String> {
    let plain = |c: &str| to_ascii_digits(c.trim());
    offices
        .iter()
        .find(|o| *o == claimed)
        .or_else(|| offices.iter().find(|o| plain(o) == plain(claimed)))
        .cloned()
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let registry = match &args.keys {
        Some(p) => Some(super::oversight::load_registry(p)?),
        None => None,
    };
    let path = common.ledger()?;
    let claims = match claims(&args.what) {
        Ok(c) => c,
        Err(why) => return cannot(why),
    };
    let ledger = match (&registry, path.exists()) {
        // Without the office's ledger: signed lines by their signatures alone.
        (Some(_), false) => None,
        _ => match super::read_ledger(path)? {
            Some(l) => Some(l),
            None => {
                return cannot(format!(
                    "no ledger at {} / دفتری در این مسیر نیست",
                    path.display()
                ));
            }
        },
    };
    let Some(ledger) = ledger else {
        let registry = registry.as_ref().expect("offline only with a registry");
        let Claims::Proofs(claims, _) = claims else {
            return cannot("a receipt number needs the ledger: give the proof line (the text of the QR code) or --ledger".into());
        };
        let mut checked = Vec::new();
        for (p, s) in claims {
            let Some(s) = s else {
                return cannot(format!(
                    "receipt {} is not signed ({TAG}): it needs the ledger / رسید امضا ندارد و بدون دفتر بررسی نمی‌شود",
                    p.number
                ));
            };
            checked.push(Checked {
                office: p.office.clone(),
                number: p.number.clone(),
                whom: Some((s.national_id.clone(), String::new())),
                document: None,
                recorded: None,
                checks: signature_checks(&s, registry),
            });
        }
        return answer(args, "", &checked);
    };
    let chain = OnceCell::new();
    let offices = ledger.offices()?;
    let checked = match claims {
        Claims::Number(number) => {
            let office = match common.office_code.as_deref() {
                Some(code) => match office_in(&offices, code) {
                    Some(o) => o,
                    None => {
                        return cannot(format!(
                            "the ledger {} holds no receipts of office {code} / این دفتر رسیدی از این کد دفتر ندارد",
                            path.display()
                        ));
                    }
                },
                None => match offices.as_slice() {
                    [one] => one.clone(),
                    _ => {
                        return cannot(
                            "which office? give --office-code (the ledger holds several or none)"
                                .into(),
                        );
                    }
                },
            };
            vec![check(&ledger, path, office, number, None, &chain)?]
        }
        Claims::Proofs(proofs, file) => {
            let mut checked = Vec::new();
            for (mut p, signed) in proofs {
                // Another office's receipt cannot be checked against this ledger.
                let Some(office) = office_in(&offices, &p.office) else {
                    return cannot(format!(
                        "receipt {} is of office {}, and the ledger {} holds no receipts of it: give that office's ledger / این رسید از دفتر دیگری است",
                        p.number,
                        p.office,
                        path.display()
                    ));
                };
                p.office.clone_from(&office);
                let mut c = check(&ledger, path, office, p.number.clone(), Some(p), &chain)?;
                if let Some(s) = &signed {
                    // Whom the line says it is for, against the ledger.
                    let said = c.whom.as_ref().map(|w| &w.0);
                    c.checks.push(Check {
                        what: "national_id",
                        held: said == Some(&s.national_id),
                        detail: format!(
                            "proof {}, ledger {}",
                            s.national_id,
                            said.map_or("none", |v| v)
                        ),
                    });
                    if let Some(r) = &registry {
                        c.checks.extend(signature_checks(s, r));
                    }
                }
                checked.push(c);
            }
            if let Some(file) = file {
                let document = document_check(&checked, &file);
                for c in &mut checked {
                    c.checks.push(document.clone());
                }
            }
            checked
        }
    };
    answer(args, &path.display().to_string(), &checked)
}

/// Prints what was checked; exit 0 when all of it held, 1 when not.
fn answer(args: &Args, ledger: &str, checked: &[Checked]) -> Result<ExitCode> {
    let held = checked.iter().all(Checked::held);
    let text = match args.format {
        VerifyFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({
                "verified": held,
                "ledger": ledger,
                "receipts": checked.iter().map(|c| json!({
                    "office": c.office,
                    "receipt_no": c.number,
                    "national_id": c.whom.as_ref().map(|w| &w.0),
                    "name": c.whom.as_ref().map(|w| &w.1),
                    "verified": c.held(),
                    "proof": c.recorded.as_ref().map(Proof::text),
                    "checks": c.checks.iter().map(|c| json!({"check": c.what, "held": c.held, "detail": c.detail})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }))
            .map_err(|e| anyhow!(e))?
        ),
        VerifyFormat::Text => visible(&checked.iter().map(text).collect::<String>()),
    };
    emit(text.as_bytes())?;
    Ok(if held {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
