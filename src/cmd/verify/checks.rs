//! The checks of `verify`: what a proof line, a receipt number or a PDF claims, and
//! each claim held against the ledger (its record, its chain, the document it
//! prints) or, for a signed line, against the guild's registry of keys.

use std::cell::OnceCell;
use std::path::Path;

use anyhow::Result;

use super::{Check, Checked, Claims, File};
use crate::core::text::to_ascii_digits;
use crate::desk::book::Registry;
use crate::desk::keys::KeyRegistry;
use crate::desk::proof::{Proof, SIGNED_TAG, Signed, TAG};
use crate::ledger::Ledger;

/// The largest PDF `verify` reads: a print run of many thousand receipts is tens of
/// megabytes; a larger file is not one of ours, and is not read into memory.
pub(super) const PDF_MAX: u64 = 256 * 1024 * 1024;

/// A proof line: signed (`PK2`), with its facts, or plain (`PK1`).
pub(super) fn parse_line(line: &str) -> Result<(Proof, Option<Signed>), String> {
    if line.starts_with(SIGNED_TAG) {
        let s = Signed::parse(line)?;
        Ok((s.proof.clone(), Some(s)))
    } else {
        Proof::parse(line).map(|p| (p, None))
    }
}

/// A signed line checked by the registry alone: whose key signed it, whether the
/// office may sign with it on the receipt's date, and whether the signature holds.
pub(super) fn signature_checks(s: &Signed, registry: &KeyRegistry) -> Vec<Check> {
    let p = &s.proof;
    let entry = registry.entry(&s.fingerprint);
    let key = match registry.accepts(&p.office, &s.fingerprint, p.date) {
        Ok(e) => Check {
            what: "key",
            held: true,
            detail: format!(
                "key {} of office {}{} in the registry, from {}{}",
                e.fingerprint,
                e.office,
                e.name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                e.from,
                e.until.map(|u| format!(" until {u}")).unwrap_or_default()
            ),
        },
        Err(why) => Check {
            what: "key",
            held: false,
            detail: format!(
                "key {} for office {} on {}: {why}",
                s.fingerprint, p.office, p.date
            ),
        },
    };
    let signature = match entry {
        Some(e) => {
            let held = s.verifies(&e.public);
            Check {
                what: "signature",
                held,
                detail: if held {
                    "the line is exactly what the key signed".into()
                } else {
                    "the line is not what the key signed: a character of it was changed".into()
                },
            }
        }
        None => Check {
            what: "signature",
            held: false,
            detail: "no key of this fingerprint to check it with".into(),
        },
    };
    vec![key, signature]
}

/// What `what` asks to check: a PDF's proof lines, a typed proof line, or a number.
/// The error says why it cannot be checked.
pub(super) fn claims(what: &str) -> Result<Claims, String> {
    let file = Path::new(what);
    if what.to_ascii_lowercase().ends_with(".pdf") || file.is_file() {
        let len = std::fs::metadata(file)
            .map_err(|e| format!("cannot read {what}: {e} / پرونده خوانده نشد"))?
            .len();
        if len > PDF_MAX {
            return Err(format!(
                "{what} is {} MB, larger than any receipt or print run ({} MB at most): not read / این پرونده بزرگ‌تر از آن است که رسید باشد",
                len / 1024 / 1024,
                PDF_MAX / 1024 / 1024
            ));
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(
                std::fs::File::open(file)
                    .map_err(|e| format!("cannot read {what}: {e} / پرونده خوانده نشد"))?,
                PDF_MAX + 1,
            ),
            &mut bytes,
        )
        .map_err(|e| format!("cannot read {what}: {e} / پرونده خوانده نشد"))?;
        if bytes.len() as u64 > PDF_MAX {
            return Err(format!(
                "{what} is larger than {} MB: not read",
                PDF_MAX / 1024 / 1024
            ));
        }
        let claimed = crate::docs::read_claims(&bytes)
            .map_err(|why| format!("{what}: {why} / این پرونده رسید چاپ‌شدهٔ پیشخوان نیست"))?;
        let proofs = claimed
            .proofs
            .split_whitespace()
            .map(|l| parse_line(l).map_err(|why| format!("{what}: a proof that is not one: {why}")))
            .collect::<Result<Vec<_>, _>>()?;
        if proofs.is_empty() {
            return Err(format!("{what} holds an empty receipt proof"));
        }
        let file = File {
            bytes,
            layout: claimed.layout,
            title: claimed.title,
        };
        return Ok(Claims::Proofs(proofs, Some(file)));
    }
    let what = to_ascii_digits(what.trim());
    if what.starts_with(TAG) || what.starts_with(SIGNED_TAG) {
        return parse_line(&what)
            .map(|p| Claims::Proofs(vec![p], None))
            .map_err(|why| format!("not a proof line: {why} / این متن رمزینهٔ رسید نیست"));
    }
    Ok(Claims::Number(what))
}

/// Checks receipt `number` of `office` against the ledger, and against `claimed`
/// when a proof line was given.
pub(super) fn check(
    ledger: &Ledger,
    path: &Path,
    office: String,
    number: String,
    claimed: Option<Proof>,
    chain: &OnceCell<(bool, String)>,
) -> Result<Checked> {
    let recorded = ledger.proof(&office, &number)?;
    let document = ledger.document(&office, &number)?;
    let whom = document
        .as_ref()
        .map(|d| (d.applicant.national_id.clone(), d.applicant.full_name()));
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
        // The whole chain, the receipt's part of it included: a ledger rewritten
        // since the receipt printed no longer fits. Walked once for all receipts.
        let (whole, detail) = match chain.get() {
            Some(c) => c.clone(),
            None => {
                let verified = ledger.verify(|_| Ok(()))?;
                let c = match verified.findings.first() {
                    Some(f) => (false, format!("{}: {}", f.code, f.message_en)),
                    None => (
                        true,
                        format!("{} receipts, hash chain whole", verified.receipts),
                    ),
                };
                chain.get_or_init(|| c).clone()
            }
        };
        checks.push(Check {
            what: "chain",
            held: whole && !rec.hash_prefix.is_empty(),
            detail: if whole && rec.hash_prefix.is_empty() {
                "the receipt has no hash".into()
            } else {
                detail
            },
        });
    }
    Ok(Checked {
        office,
        number,
        whom,
        document,
        recorded,
        checks,
    })
}

/// A receipt's checks as lines of text, and the verdict in English and Persian.
pub(super) fn text(c: &Checked) -> String {
    let mut out = String::new();
    if let Some((id, name)) = &c.whom {
        out.push_str(&format!("    for          {id} {name}\n"));
    }
    for k in &c.checks {
        out.push_str(&format!(
            "{} {:<12} {}\n",
            if k.held { "ok " } else { "NO " },
            k.what,
            k.detail
        ));
    }
    let failed: Vec<&str> = c
        .checks
        .iter()
        .filter(|k| !k.held)
        .map(|k| k.what)
        .collect();
    let by_ledger = c.checks.iter().any(|k| k.what == "receipt_no");
    out.push_str(&if !by_ledger && failed.is_empty() {
        format!(
            "receipt {} is what office {} signed with a key of the registry / رسید را همان دفتر امضا کرده است\n",
            c.number, c.office
        )
    } else if !by_ledger {
        format!(
            "receipt {} is not proven by its signature: {} / امضای رسید درست نیست\n",
            c.number,
            failed.join(", ")
        )
    } else if failed.is_empty() {
        format!(
            "receipt {} is what the ledger recorded / رسید با دفتر می‌خواند\n",
            c.number
        )
    } else {
        format!(
            "receipt {} does not match the ledger: {} / رسید با دفتر نمی‌خواند\n",
            c.number,
            failed.join(", ")
        )
    });
    out
}
