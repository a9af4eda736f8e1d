//! Verifying a ledger as it stands: the hash chain of every office and year,
//! gap-free numbers up to the chain head, lines that belong to a receipt. One pass
//! over the journal; each receipt is handed on (as the desk's [`Charged`]) to what
//! adds it up or checks the desk's rules.

use std::sync::Arc;
use std::sync::mpsc;

use anyhow::Result;

use rustc_hash::FxHashMap as HashMap;

use super::chain::{self, Hash};
use super::journal::{self, Stored};
use super::{Ledger, line_kind};
use crate::core::jalali::JalaliDate;
use crate::core::money::Money;
use crate::core::tariff::Stage;
use crate::core::text::fa;
use crate::desk::audit::{Charged, ChargedLine, Finding};

pub use crate::desk::report::Head;

/// What verifying a ledger found.
#[derive(Debug, Default)]
pub struct Verified {
    pub findings: Vec<Finding>,
    /// Per office and year, in that order.
    pub heads: Vec<Head>,
    pub receipts: u64,
    pub lines: u64,
}

fn number(year: i64, seq: i64) -> String {
    format!("{year}-{seq:06}")
}

/// Receipts whose hashes are checked together.
const BATCH: usize = 512;

/// The canonical bytes of some receipts, one after the other, each with where it ends,
/// its stored hash and its number (year, sequence).
struct Batch {
    bytes: Vec<u8>,
    receipts: Vec<(usize, Hash, (i64, i64))>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            bytes: Vec::with_capacity(BATCH * 1024),
            receipts: Vec::with_capacity(BATCH),
        }
    }
}

/// One office's year, as verified so far.
struct Link {
    seq: i64,
    /// The hash the next receipt follows: the last receipt's stored hash (a changed
    /// receipt is one finding, not one for every receipt after it).
    hash: Hash,
}

impl Ledger {
    /// Reads every receipt in order, verifying the chain, and hands each on to
    /// `each` (an error from it stops the walk).
    pub fn verify(&self, each: impl FnMut(&Charged) -> Result<()>) -> Result<Verified> {
        // Each receipt's hash is checked against the stored hash of the one before
        // it, so the hashes can be taken apart from the walk: on a second thread,
        // while the walk reads on.
        let (batches, hashing) = mpsc::sync_channel::<Batch>(4);
        let (mut out, broken) = std::thread::scope(|scope| {
            let hasher = scope.spawn(move || {
                let mut broken = Vec::new();
                for b in hashing {
                    let mut start = 0;
                    for (end, stored, at) in b.receipts {
                        if chain::digest(&b.bytes[start..end]) != stored {
                            broken.push(at);
                        }
                        start = end;
                    }
                }
                broken
            });
            let walked = self.walk_chain(batches, each);
            let broken = hasher.join().expect("the hashing thread does not panic");
            walked.map(|out| (out, broken))
        })?;
        for (year, seq) in broken {
            out.findings.push(Finding::new(
                Some(&number(year, seq)),
                "chain_broken",
                "it does not fit the hash chain: it (or its lines) was changed after it was recorded".into(),
                "این رسید در زنجیره نمی‌نشیند: خودش یا سطرهایش پس از ثبت تغییر کرده است".into(),
            ));
        }
        out.findings.sort_by(|a, b| {
            a.receipt
                .is_none()
                .cmp(&b.receipt.is_none())
                .then(a.receipt.cmp(&b.receipt))
        });
        Ok(out)
    }

    /// The walk of [`Ledger::verify`]; the receipts whose hash must be checked go to
    /// `hashing` in batches.
    fn walk_chain(
        &self,
        hashing: mpsc::SyncSender<Batch>,
        mut each: impl FnMut(&Charged) -> Result<()>,
    ) -> Result<Verified> {
        let conn = &self.conn;
        let bodies = journal::bodies(conn)?;
        let mut names: HashMap<i64, Arc<str>> = HashMap::default();
        // Per office and year; a ledger has one or a few.
        let mut links: Vec<((String, i64), Link)> = Vec::new();
        let mut out = Verified::default();
        let mut lines: Vec<ChargedLine> = Vec::new();
        let mut date_memo: Option<(String, JalaliDate)> = None;
        let mut batch = Batch::new();
        // A ledger belongs to one office (older ledgers of several say none).
        let office = self.identity()?.office_code;
        let orphans = journal::walk(conn, &bodies, |r: &Stored| {
            let f = &r.fields;
            let no = number(f.year, f.seq);
            let n = Some(no.as_str());
            out.receipts += 1;
            if let Some(o) = office.as_deref().filter(|o| *o != f.office_code) {
                out.findings.push(Finding::new(
                    n,
                    "other_office",
                    format!(
                        "it is a receipt of office {}, in the ledger of office {o}",
                        f.office_code
                    ),
                    format!("رسید دفتر {} در دفتر {} است", fa(f.office_code), fa(o)),
                ));
            }
            out.lines += r.lines.len() as u64;
            let i = match links
                .iter()
                .position(|((o, y), _)| o == f.office_code && *y == f.year)
            {
                Some(i) => i,
                None => {
                    links.push((
                        (f.office_code.to_string(), f.year),
                        Link {
                            seq: 0,
                            hash: chain::genesis(f.office_code, f.year),
                        },
                    ));
                    links.len() - 1
                }
            };
            let link = &mut links[i].1;
            let follows = f.seq == link.seq + 1;
            if f.seq > link.seq + 1 {
                let missing = if f.seq == link.seq + 2 {
                    number(f.year, link.seq + 1)
                } else {
                    format!(
                        "{}…{}",
                        number(f.year, link.seq + 1),
                        number(f.year, f.seq - 1)
                    )
                };
                out.findings.push(Finding::new(
                    n,
                    "number_missing",
                    format!("receipt {missing} of office {} is missing before it: removed from the ledger", f.office_code),
                    format!("رسید {} پیش از این رسید در دفتر نیست (حذف شده است)", fa(&missing)),
                ));
            } else if !follows {
                out.findings.push(Finding::new(
                    n,
                    "number_out_of_order",
                    format!(
                        "it comes after receipt {}: numbers must rise one by one",
                        number(f.year, link.seq)
                    ),
                    "شماره رسیدها به ترتیب نیست".into(),
                ));
            }
            let lines_of = || r.lines.iter().map(|l| l.fields(&bodies));
            let next = match r.hash.and_then(|h| <Hash>::try_from(h).ok()) {
                Some(stored) => {
                    // After a gap the link to the receipt before is unknown: the gap
                    // is the finding.
                    if follows {
                        chain::canonical(&mut batch.bytes, &link.hash, f, lines_of());
                        batch
                            .receipts
                            .push((batch.bytes.len(), stored, (f.year, f.seq)));
                    }
                    stored
                }
                None => {
                    out.findings.push(Finding::new(
                        n,
                        "hash_missing",
                        "it has no chain hash: it was not recorded by pishkhan".into(),
                        "این رسید در زنجیره نیست: پیشخوان آن را ثبت نکرده است".into(),
                    ));
                    chain::hash(&link.hash, f, lines_of())
                }
            };
            *link = Link {
                seq: f.seq.max(link.seq),
                hash: next,
            };
            if batch.receipts.len() >= BATCH {
                // A closed channel means the hasher is gone; the join tells why.
                let _ = hashing.send(std::mem::replace(&mut batch, Batch::new()));
            }
            // The desk's view of it.
            let mut bad = |what: &str| {
                out.findings.push(Finding::new(
                    n,
                    "unreadable",
                    format!("it holds {what}"),
                    "مقداری نامعتبر در این رسید است".into(),
                ))
            };
            let Some(kind) = Stage::parse(f.kind) else {
                bad(&format!("an unknown kind \"{}\"", f.kind));
                return Ok(());
            };
            let date = match &date_memo {
                Some((text, d)) if text == f.service_date => *d,
                _ => match JalaliDate::parse(f.service_date) {
                    Ok(d) => {
                        date_memo = Some((f.service_date.to_string(), d));
                        d
                    }
                    Err(_) => {
                        bad(&format!("an invalid date \"{}\"", f.service_date));
                        return Ok(());
                    }
                },
            };
            let money = |rial: i64| Money::from_rial(rial).ok();
            let Some([office_total, tvto_total, grand_total]) = f
                .totals
                .map(money)
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .and_then(|v| <[Money; 3]>::try_from(v).ok())
            else {
                bad("an amount out of range");
                return Ok(());
            };
            lines.clear();
            for l in r.lines {
                let (Some(unit), Some(amount), Ok(kind)) =
                    (money(l.unit), money(l.amount), line_kind(&l.kind))
                else {
                    bad(&format!(
                        "line {} with an amount out of range or an unknown kind",
                        l.line_no
                    ));
                    return Ok(());
                };
                let name_fa = match names.get(&l.name) {
                    Some(n) => n.clone(),
                    None => {
                        let n: Arc<str> = bodies
                            .get(&l.name)
                            .and_then(|b| {
                                serde_json::from_str::<super::parts::LineNames>(&b.body).ok()
                            })
                            .map_or(Arc::from(""), |n| Arc::from(n.name_fa));
                        names.insert(l.name, n.clone());
                        n
                    }
                };
                lines.push(ChargedLine {
                    line_no: l.line_no as u32,
                    row: l.row.map(|r| r as u32),
                    code: l.code.clone(),
                    name_fa,
                    receipt_kind: Stage::parse(&l.receipt_kind),
                    kind,
                    quantity: l.quantity.max(0) as u64,
                    unit,
                    amount,
                    schedule_id: l.schedule_id.clone(),
                });
            }
            each(&Charged {
                number: &no,
                office_code: f.office_code,
                kind,
                national_id: f.national_id,
                program: f.program,
                exam_stage: f.exam_stage as u32,
                date,
                schedule_id: f.schedule_id,
                cluster: f.cluster,
                office_total,
                tvto_total,
                grand_total,
                lines: &lines,
            })
        })?;
        let _ = hashing.send(batch);
        for id in orphans {
            out.findings.push(Finding::new(
                None,
                "lines_without_receipt",
                format!("charged lines of receipt #{id} remain, but the receipt is not in the ledger: it was removed"),
                "سطرهایی از رسیدی حذف‌شده در دفتر مانده است".into(),
            ));
        }
        links.sort_by(|a, b| a.0.cmp(&b.0));
        self.check_heads(&links, &mut out)?;
        out.heads = links
            .iter()
            .map(|((office, year), l)| Head {
                office_code: office.clone(),
                year: *year,
                number: number(*year, l.seq),
                hash: chain::hex(&l.hash),
            })
            .collect();
        Ok(out)
    }

    /// The heads in `chain` against the receipts: a head past the last receipt
    /// means receipts were removed from the end.
    fn check_heads(&self, links: &[((String, i64), Link)], out: &mut Verified) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT office_code, year, seq, hash FROM chain ORDER BY office_code, year")?;
        let heads: Vec<(String, i64, i64, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut seen = 0;
        for (office, year, seq, hash) in &heads {
            let (last, last_hash) = match links
                .iter()
                .find(|((o, y), _)| o == office && y == year)
                .map(|(_, l)| l)
            {
                Some(l) => {
                    seen += 1;
                    (l.seq, Some(l.hash))
                }
                None => (0, None),
            };
            let head_no = number(*year, *seq);
            if *seq > last {
                let missing = if *seq == last + 1 {
                    head_no.clone()
                } else {
                    format!("{}…{head_no}", number(*year, last + 1))
                };
                out.findings.push(Finding::new(
                    Some(&head_no),
                    "number_missing",
                    format!("receipt {missing} of office {office} was issued but is not in the ledger: removed"),
                    format!("رسید {} صادر شده ولی در دفتر نیست (حذف شده است)", fa(&missing)),
                ));
            } else if *seq < last || last_hash.map(|h| h[..] != hash[..]).unwrap_or(true) {
                out.findings.push(Finding::new(
                    Some(&number(*year, last)),
                    "head_differs",
                    format!("the chain head of office {office} in {year} says {head_no}, which does not match the last receipt"),
                    "سر زنجیره با آخرین رسید نمی‌خواند".into(),
                ));
            }
        }
        if seen < links.len() {
            for ((office, year), l) in links {
                if !heads.iter().any(|(o, y, _, _)| o == office && y == year) {
                    out.findings.push(Finding::new(
                        Some(&number(*year, l.seq)),
                        "head_missing",
                        format!("the ledger has no chain head for office {office} in {year}"),
                        "سر زنجیره این سال در دفتر نیست".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// SQLite's own check of the file: `ok`, or what is wrong.
    pub fn integrity(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(if rows == ["ok"] { Vec::new() } else { rows })
    }
}
