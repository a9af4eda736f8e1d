//! The whole ledger read in order, receipt by receipt with its lines, in two
//! sequential scans merged (receipts by id, lines by receipt and line number): for
//! the chain (building it in a migration, verifying it) and for what is added up
//! from it (audits, reports). Nothing here is kept beyond one receipt.

use anyhow::Result;
use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;

use std::sync::Arc;

use super::chain::{Fields, Hash, LineFields, part_digest};

/// One line as stored. Its texts come from a small set (codes, kinds, schedules):
/// shared, not copied for every line.
pub(super) struct Line {
    pub receipt_id: i64,
    pub receipt_kind: Arc<str>,
    pub line_no: i64,
    pub code: Arc<str>,
    pub name: i64,
    pub quantity: i64,
    pub unit: i64,
    pub amount: i64,
    pub kind: Arc<str>,
    pub schedule_id: Arc<str>,
    pub row: Option<i64>,
}

/// A shared part as stored, and its digest for the chain.
pub(super) struct Part {
    pub body: String,
    pub digest: Hash,
}

/// Every part by id.
pub(super) type Parts = HashMap<i64, Part>;

/// What a missing part enters the chain as (the chain then fails to verify).
const MISSING: Hash = [0; 32];

/// The same text once: the few distinct values of a column (a handful of codes,
/// kinds, schedules), found by their bytes, so only a new one is checked as UTF-8.
#[derive(Default)]
struct Interner(Vec<(Box<[u8]>, Arc<str>)>);

impl Interner {
    fn get(&mut self, b: &[u8]) -> Result<Arc<str>> {
        if let Some((_, a)) = self.0.iter().find(|(k, _)| **k == *b) {
            return Ok(a.clone());
        }
        let a: Arc<str> = Arc::from(std::str::from_utf8(b)?);
        self.0.push((Box::from(b), a.clone()));
        Ok(a)
    }
}

/// One receipt as stored, with its lines.
pub(super) struct Stored<'a> {
    pub id: i64,
    pub fields: Fields<'a>,
    pub lines: &'a [Line],
    pub hash: Option<&'a [u8]>,
}

/// Every part's body by id: the few shared parts (offices, exams, approvals, line
/// names) that receipts refer to.
pub(super) fn bodies(conn: &Connection) -> Result<Parts> {
    let mut stmt = conn.prepare("SELECT id, body FROM parts")?;
    let rows = stmt.query_map([], |r| {
        let body: String = r.get(1)?;
        Ok((
            r.get(0)?,
            Part {
                digest: part_digest(&body),
                body,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Line {
    /// What the chain covers of the line; `bodies` gives its names.
    pub fn fields<'a>(&'a self, bodies: &'a Parts) -> LineFields<'a> {
        LineFields {
            line_no: self.line_no,
            code: &self.code,
            names: bodies.get(&self.name).map_or(&MISSING, |p| &p.digest),
            quantity: self.quantity,
            unit: self.unit,
            amount: self.amount,
            kind: &self.kind,
            schedule_id: &self.schedule_id,
            row: self.row,
        }
    }
}

/// Calls `each` for every receipt in id order. Returns the receipt ids that lines
/// refer to but no receipt has.
pub(super) fn walk(
    conn: &Connection,
    bodies: &Parts,
    mut each: impl FnMut(&Stored) -> Result<()>,
) -> Result<Vec<i64>> {
    let mut receipts = conn.prepare(
        "SELECT id, office_code, year, seq, kind, national_id, program, exam_stage, service_date, time,
                schedule_id, office_total, tvto_total, grand_total, first_name, last_name, father_name,
                mobile, trade, cluster, exam_time, venue, currency, office, exam, approvals,
                birth_date, gender, military_status, hash
         FROM receipts ORDER BY id",
    )?;
    let mut lines = conn.prepare(
        "SELECT receipt_id, receipt_kind, line_no, code, name, quantity, unit, amount, kind, schedule_id, row
         FROM receipt_lines ORDER BY receipt_id, line_no",
    )?;
    let mut line_rows = lines.query([])?;
    let mut texts: [Interner; 4] = Default::default();
    let mut next_line = || -> Result<Option<Line>> {
        let Some(l) = line_rows.next()? else {
            return Ok(None);
        };
        let mut text =
            |t: usize, i: usize| -> Result<Arc<str>> { texts[t].get(l.get_ref(i)?.as_bytes()?) };
        Ok(Some(Line {
            receipt_id: l.get(0)?,
            receipt_kind: text(0, 1)?,
            line_no: l.get(2)?,
            code: text(1, 3)?,
            name: l.get(4)?,
            quantity: l.get(5)?,
            unit: l.get(6)?,
            amount: l.get(7)?,
            kind: text(2, 8)?,
            schedule_id: text(3, 9)?,
            row: l.get(10)?,
        }))
    };
    let mut pending = next_line()?;
    let mut orphans = Vec::new();
    let mut buf: Vec<Line> = Vec::new();
    let mut rows = receipts.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        buf.clear();
        while let Some(l) = pending.take() {
            if l.receipt_id > id {
                pending = Some(l);
                break;
            }
            if l.receipt_id < id {
                if orphans.last() != Some(&l.receipt_id) {
                    orphans.push(l.receipt_id);
                }
            } else {
                buf.push(l);
            }
            pending = next_line()?;
        }
        let text = |i: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str()?) };
        let opt =
            |i: usize| -> rusqlite::Result<Option<&str>> { Ok(r.get_ref(i)?.as_str_or_null()?) };
        let part = |i: usize| -> rusqlite::Result<&Hash> {
            Ok(bodies
                .get(&r.get::<_, i64>(i)?)
                .map_or(&MISSING, |p| &p.digest))
        };
        let stored = Stored {
            id,
            fields: Fields {
                office_code: text(1)?,
                year: r.get(2)?,
                seq: r.get(3)?,
                kind: text(4)?,
                national_id: text(5)?,
                program: text(6)?,
                exam_stage: r.get(7)?,
                service_date: text(8)?,
                time: text(9)?,
                schedule_id: text(10)?,
                totals: [r.get(11)?, r.get(12)?, r.get(13)?],
                names: [text(14)?, text(15)?, text(16)?],
                mobile: text(17)?,
                trade: text(18)?,
                cluster: text(19)?,
                exam_time: opt(20)?,
                venue: opt(21)?,
                currency: text(22)?,
                parts: [part(23)?, part(24)?, part(25)?],
                birth_date: opt(26)?,
                gender: opt(27)?,
                military_status: opt(28)?,
            },
            lines: &buf,
            hash: r.get_ref(29)?.as_blob_or_null()?,
        };
        each(&stored)?;
    }
    while let Some(l) = pending.take() {
        if orphans.last() != Some(&l.receipt_id) {
            orphans.push(l.receipt_id);
        }
        pending = next_line()?;
    }
    Ok(orphans)
}
