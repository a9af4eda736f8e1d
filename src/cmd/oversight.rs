//! What the commands share for the guild's oversight: the registry of office keys,
//! signed monthly statements written from a ledger, read from files and folders,
//! and checked against a ledger (`audit --statements`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};

use crate::cli::Common;
use crate::desk::audit::Finding;
use crate::desk::keys::KeyRegistry;
use crate::desk::statement::{Builder, Statement};
use crate::ledger::Ledger;

/// The guild's registry, or why it cannot be used (exit 2).
pub fn load_registry(path: &Path) -> Result<KeyRegistry> {
    let text = super::read_text("key registry", path)?;
    KeyRegistry::parse(&text).map_err(|problems| {
        anyhow!(
            "the key registry {} cannot be used:\n{}",
            path.display(),
            super::problem_lines(path, &problems)
        )
    })
}

/// The month's statement of the ledger's office, unsigned: made from the ledger as
/// it is now (one snapshot), which must verify whole.
pub fn statement_of(ledger: &Ledger, path: &Path, office: &str, month: &str) -> Result<Statement> {
    let mut builder = Builder::new(office, month).map_err(|e| anyhow!("--month: {e}"))?;
    let verified = ledger.verify(|c| {
        builder.receipt(c);
        Ok(())
    })?;
    if let Some(f) = verified.findings.first() {
        bail!(
            "{}: {f}: the ledger is not as pishkhan recorded it; no statement is signed (`pishkhan audit` tells more)",
            path.display()
        );
    }
    let hashes: BTreeMap<String, String> = builder
        .head_numbers()
        .into_iter()
        .filter_map(|n| Some((n.clone(), ledger.hash_of(office, &n).ok()??)))
        .collect();
    Ok(builder.finish(|n| hashes.get(n).cloned()))
}

/// Statements from files and folders (every `*.json` in a folder, sorted), each with
/// the file it came from.
pub fn read_statements(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Statement)>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read the folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    files
        .into_iter()
        .map(|f| {
            let text = super::read_text("statement", &f)?;
            let s = Statement::parse(&text).map_err(|e| anyhow!("{}: {e}", f.display()))?;
            Ok((f, s))
        })
        .collect()
}

/// Statements that cannot stand with the others: each signature against the
/// registry, two of one office and month, a month missing between two of an
/// office's. Returns the findings and the statements that passed.
pub fn screen(
    statements: Vec<(PathBuf, Statement)>,
    registry: &KeyRegistry,
) -> (Vec<Finding>, Vec<(PathBuf, Statement)>) {
    let mut findings = Vec::new();
    let mut kept: Vec<(PathBuf, Statement)> = Vec::new();
    // Each office and month's first statement, by its place in `kept`.
    let mut first: std::collections::HashMap<(String, String), usize> = Default::default();
    for (file, s) in statements {
        let name = file.display();
        if let Err(why) = s.check_signature(registry) {
            findings.push(Finding::new(
                None,
                "statement_signature",
                format!(
                    "{name}: the statement of office {} for {}: {why}",
                    s.office, s.month
                ),
                format!("امضای صورت‌حساب ماه {} درست نیست", s.month),
            ));
            continue;
        }
        if let Some((other, _)) = first
            .get(&(s.office.clone(), s.month.clone()))
            .map(|&i| &kept[i])
        {
            findings.push(Finding::new(
                None,
                "statement_duplicate",
                format!(
                    "{name}: a second statement of office {} for {} (the first is {})",
                    s.office,
                    s.month,
                    other.display()
                ),
                format!("صورت‌حساب ماه {} دو بار آمده است", s.month),
            ));
            continue;
        }
        first.insert((s.office.clone(), s.month.clone()), kept.len());
        kept.push((file, s));
    }
    // Months in a row for each office: a gap is a month the office did not account for.
    let mut by_office: BTreeMap<&str, Vec<(i32, u8)>> = BTreeMap::new();
    for (_, s) in &kept {
        if let Ok(last) = s.last_day() {
            by_office
                .entry(&s.office)
                .or_default()
                .push((last.year(), last.month()));
        }
    }
    for (office, mut months) in by_office {
        months.sort();
        for w in months.windows(2) {
            let next = if w[0].1 == 12 {
                (w[0].0 + 1, 1)
            } else {
                (w[0].0, w[0].1 + 1)
            };
            if next != w[1] {
                findings.push(Finding::new(
                    None,
                    "statement_missing",
                    format!(
                        "office {office}: no statement for {:04}/{:02}, between {:04}/{:02} and {:04}/{:02}",
                        next.0, next.1, w[0].0, w[0].1, w[1].0, w[1].1
                    ),
                    format!("صورت‌حساب ماه {:04}/{:02} نیامده است", next.0, next.1),
                ));
            }
        }
    }
    (findings, kept)
}

/// The statements about `offices` (a ledger's), each with a builder to recompute
/// it from that ledger's receipts in the same walk as the audit's.
pub fn builders_for<'s>(
    offices: &[String],
    statements: &'s [(PathBuf, Statement)],
) -> Vec<(&'s PathBuf, &'s Statement, Builder)> {
    statements
        .iter()
        .filter(|(_, s)| offices.contains(&s.office))
        .filter_map(|(f, s)| Some((f, s, Builder::new(&s.office, &s.month).ok()?)))
        .collect()
}

/// A ledger against an office's signed statements, each recomputed from the ledger:
/// every stated chain head must be in the ledger with its hash, and each month must
/// be what was signed. A ledger changed after a statement was signed (a receipt
/// removed, an amount changed with every later hash recomputed) fails here, named by
/// month and receipt.
pub fn against_ledger(
    ledger: &Ledger,
    path: &Path,
    recomputed: Vec<(&PathBuf, &Statement, Builder)>,
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for (file, stated, builder) in recomputed {
        let mut hashes = BTreeMap::new();
        for n in builder.head_numbers() {
            if let Some(h) = ledger.hash_of(&stated.office, &n)? {
                hashes.insert(n, h);
            }
        }
        let recomputed = builder.finish(|n| hashes.get(n).cloned());
        let mut head_moved = false;
        for head in &stated.heads {
            let now = ledger.hash_of(&stated.office, &head.number)?;
            if now.as_deref() != Some(head.hash.as_str()) {
                head_moved = true;
                findings.push(Finding::new(
                    Some(&head.number),
                    "statement_head",
                    format!(
                        "{}: {}: receipt {}, the chain's head at the end of {} as signed ({}…), {}",
                        path.display(),
                        file.display(),
                        head.number,
                        stated.month,
                        head.hash.get(..16).unwrap_or_default(),
                        if now.is_some() {
                            "has another hash now: the ledger was rewritten after the statement was signed"
                        } else {
                            "is no longer in the ledger: receipts were removed after the statement was signed"
                        },
                    ),
                    format!(
                        "رسید {} که در صورت‌حساب ماه {} آمده در دفتر نیست یا تغییر کرده است",
                        head.number, stated.month
                    ),
                ));
            }
        }
        let what = stated.differs_from(&recomputed).or_else(|| {
            (!head_moved && recomputed.heads != stated.heads).then(|| {
                format!(
                    "the chain's heads at the month's end: signed {}, ledger {}",
                    heads(&stated.heads),
                    heads(&recomputed.heads)
                )
            })
        });
        if let Some(what) = what {
            findings.push(Finding::new(
                recomputed.heads.last().map(|h| h.number.as_str()),
                "statement_differs",
                format!(
                    "{}: {}: {} of office {} is not what the ledger holds now: {what}",
                    path.display(),
                    file.display(),
                    stated.month,
                    stated.office
                ),
                format!("صورت‌حساب ماه {} با دفتر نمی‌خواند", stated.month),
            ));
        }
    }
    Ok(findings)
}

fn heads(h: &[crate::desk::statement::Head]) -> String {
    h.iter()
        .map(|h| h.number.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The office's signed statement of `month`, from its one ledger, into `file`.
pub fn sign_statement(common: &Common, month: &str, file: &Path) -> Result<()> {
    let path = common.ledger()?;
    let key = super::office_key(&super::load_office(common)?)?.ok_or_else(|| {
        anyhow!("a statement is signed with the office's key: give `key` in --config (see `pishkhan key new`)")
    })?;
    let ledger =
        super::read_ledger(path)?.ok_or_else(|| anyhow!("no ledger at {}", path.display()))?;
    ledger.snapshot()?;
    let office = match ledger.offices()?.as_slice() {
        [one] => one.clone(),
        _ => bail!(
            "a statement is one office's: the ledger {} holds none or several",
            path.display()
        ),
    };
    let statement = statement_of(&ledger, path, &office, month)?.sign(&key);
    // The month's statement goes into the folder the office keeps them in.
    let dir = crate::files::dir_of(file);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    crate::files::write_atomic(file, statement.to_file().as_bytes())?;
    eprintln!(
        "{}: the statement of office {office} for {}, signed with key {}",
        file.display(),
        statement.month,
        statement.key
    );
    Ok(())
}
