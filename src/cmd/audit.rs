//! `pishkhan audit`: is the ledger what pishkhan recorded? SQLite's integrity check,
//! the hash chain and gap-free numbers (the ledger's own checks), then the desk's
//! rules over every receipt (see `desk::audit`). Every finding names its receipt.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::ValueEnum;
use serde_json::json;

use super::{EXIT_USAGE, emit, load_tariffs};
use crate::cli::Common;
use crate::core::text::{fa_grouped, to_persian_digits};
use crate::desk::audit::{Auditor, Finding, Ledgers};
use crate::desk::statement::{Builder, Statement};
use crate::ledger::{Identity, Ledger, Verified};

const EXAMPLES: &str = "\
Examples:
  pishkhan audit
  pishkhan audit --ledger pishkhan.sqlite --ledger branch.sqlite --format json

Checks each ledger whole: SQLite's integrity check; the hash chain of every office
and year (a receipt or line changed after it was recorded no longer fits); numbers
without gaps up to the chain head (a removed receipt shows, even the last one);
each receipt's lines adding up to its totals; every amount the tariff schedule's
in force on the receipt's date; the certificate fee only on certificate receipts;
each applicant charged at most once per stage and service; registration before the
slip before the certificate. Prints each finding with its receipt number and exits
2 if there is any; otherwise prints each chain head and the counts and exits 0.
Keep the chain heads: a ledger rewritten later will not end in them.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The office's signed monthly statements (files, or folders of *.json): each
    /// must be signed by a key of the registry, and the ledger must still be what
    /// each stated (its chain heads, its month's totals)
    #[arg(long, value_name = "FILE|DIR", num_args = 1.., requires = "keys")]
    pub statements: Vec<std::path::PathBuf>,

    /// The guild's registry of office keys, for --statements
    #[arg(long, value_name = "REGISTRY")]
    pub keys: Option<std::path::PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: AuditFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
}

/// One ledger audited.
struct Audited {
    identity: Identity,
    verified: Verified,
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let tariffs = load_tariffs(common)?;
    // Statements first: one that cannot be read stops the audit before it starts.
    let (screened, statements) = match &args.keys {
        Some(keys) => {
            let registry = super::oversight::load_registry(keys)?;
            super::oversight::screen(
                super::oversight::read_statements(&args.statements)?,
                &registry,
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let mut statement_findings = screened;
    let mut all: Vec<(&Path, Audited)> = Vec::new();
    let mut seen = Ledgers::default();
    for path in &common.ledger {
        let ledger =
            super::read_ledger(path)?.ok_or_else(|| anyhow!("no ledger at {}", path.display()))?;
        let offices = ledger.offices()?;
        let mut builders = super::oversight::builders_for(&offices, &statements);
        let mut audited = audit(&ledger, &tariffs, &mut builders)
            .with_context(|| format!("cannot audit {}", path.display()))?;
        statement_findings.extend(super::oversight::against_ledger(&ledger, path, builders)?);
        drop(ledger);
        let name = path.display().to_string();
        audited
            .verified
            .findings
            .extend(seen.add(&name, &audited.identity.ledger_id, &offices));
        all.push((path.as_path(), audited));
    }
    let clean = all.iter().all(|(_, a)| a.verified.findings.is_empty());
    let text = match args.format {
        AuditFormat::Json => {
            let ledgers: Vec<_> = all
                .iter()
                .map(|(path, a)| {
                    json!({
                        "ledger": path.display().to_string(),
                        "ledger_id": a.identity.ledger_id,
                        "office_code": a.identity.office_code,
                        "created_at": a.identity.created_at,
                        "schema_version": a.identity.schema_version,
                        "chain_made_by_migration": a.identity.chain_made_by_migration,
                        "receipts": a.verified.receipts,
                        "lines": a.verified.lines,
                        "heads": a.verified.heads,
                        "findings": a.verified.findings,
                    })
                })
                .collect();
            let mut doc = json!({"ok": clean && statement_findings.is_empty(), "ledgers": ledgers});
            if args.keys.is_some() {
                doc["statements"] = json!({
                    "checked": statements.len(),
                    "findings": statement_findings,
                });
            }
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        AuditFormat::Text => {
            let mut out: String = all.iter().map(|(p, a)| text(p, a)).collect();
            for f in &statement_findings {
                out.push_str(&format!("statements: {f}\n"));
            }
            if args.keys.is_some() {
                out.push_str(&if statement_findings.is_empty() {
                    format!(
                        "statements: {} signed by their offices' keys, and the ledgers still hold what each states / صورت‌حساب‌ها درست‌اند\n",
                        statements.len()
                    )
                } else {
                    format!(
                        "statements: {} finding(s) / صورت‌حساب‌ها با دفتر نمی‌خوانند\n",
                        statement_findings.len()
                    )
                });
            }
            out
        }
    };
    emit(text.as_bytes())?;
    // The ledger itself not as recorded: 2, as ever; its statements failing: 1.
    Ok(if !clean {
        ExitCode::from(EXIT_USAGE)
    } else if !statement_findings.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every check over one ledger, read as one snapshot.
/// `builders` recompute the office's signed statements in the same walk.
fn audit(
    ledger: &Ledger,
    tariffs: &crate::core::tariff::Tariffs,
    builders: &mut [(&std::path::PathBuf, &Statement, Builder)],
) -> Result<Audited> {
    ledger.snapshot()?;
    let identity = ledger.identity()?;
    let damage = ledger.integrity()?;
    let mut auditor = Auditor::new(tariffs);
    let mut verified = ledger.verify(|c| {
        auditor.receipt(c);
        for (_, _, b) in builders.iter_mut() {
            b.receipt(c);
        }
        Ok(())
    })?;
    let mut findings: Vec<Finding> = damage
        .into_iter()
        .map(|d| {
            Finding::new(
                None,
                "sqlite_integrity",
                format!("SQLite's integrity check: {d}"),
                "فایل دفتر آسیب دیده است".into(),
            )
        })
        .collect();
    findings.append(&mut verified.findings);
    findings.extend(auditor.finish());
    verified.findings = findings;
    Ok(Audited { identity, verified })
}

fn text(path: &Path, a: &Audited) -> String {
    let id = &a.identity;
    let v = &a.verified;
    let mut out = format!(
        "{}: office {}, ledger {}, made {}, schema {}\n",
        path.display(),
        id.office_code.as_deref().unwrap_or("(none yet)"),
        id.ledger_id,
        id.created_at,
        id.schema_version
    );
    if let Some(m) = &id.chain_made_by_migration {
        out.push_str(&format!(
            "{}: note: its hash chain was made by a migration ({m}): the chain proves nothing of those receipts before then; statements signed before it, or chain heads kept elsewhere, do / زنجیرهٔ این دفتر را ارتقای نسخه ساخته است\n",
            path.display()
        ));
    }
    for f in &v.findings {
        out.push_str(&format!("{}: {f}\n", path.display()));
    }
    for h in &v.heads {
        out.push_str(&format!(
            "{}: chain head of {} in {}: {} {}\n",
            path.display(),
            h.office_code,
            h.year,
            h.number,
            h.hash
        ));
    }
    let (n, l) = (v.receipts as i64, v.lines as i64);
    out.push_str(&if v.findings.is_empty() {
        format!(
            "{}: {n} receipts, {l} lines: everything holds / {} رسید و {} سطر: همه درست است\n",
            path.display(),
            fa_grouped(n),
            fa_grouped(l)
        )
    } else {
        format!(
            "{}: {} finding(s) in {n} receipts, {l} lines / {} مورد نادرست\n",
            path.display(),
            v.findings.len(),
            to_persian_digits(&v.findings.len().to_string())
        )
    });
    out
}
