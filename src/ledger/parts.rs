//! Parts: what many receipts print alike (the office, the exam, the approvals, a
//! line's names), stored once and read back once per connection.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use rusqlite::{Connection, OptionalExtension, params};

use super::chain::Hash;
use super::{Ledger, chain};
use crate::core::jalali::JalaliDate;
use crate::core::office::Office;
use crate::core::tariff::{Approval, QuoteLine};
use crate::desk::charge::Receipt;

#[derive(Default)]
pub(super) struct PartIds {
    pub(super) office: Vec<(Arc<Office>, Part)>,
    pub(super) exam: Vec<(ExamPart, Part)>,
    pub(super) approvals: Vec<(Arc<[Approval]>, Part)>,
    pub(super) line: Vec<((String, String), Part)>,
}

/// A stored part: its id, and the digest of its body, which the chain covers.
#[derive(Clone)]
pub(super) struct Part {
    pub(super) id: i64,
    pub(super) digest: Hash,
}

#[derive(Default)]
pub(super) struct PartsRead {
    pub(super) office: HashMap<i64, Arc<Office>>,
    pub(super) exam: HashMap<i64, ExamPart>,
    pub(super) approvals: HashMap<i64, Arc<[Approval]>>,
    pub(super) line: HashMap<i64, LineNames>,
}

/// A service line's names, as receipts print them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct LineNames {
    pub(super) name_fa: String,
    pub(super) name_en: String,
}

/// The exam as many receipts print it; the time and venue are each receipt's own.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct ExamPart {
    pub(super) program: Arc<str>,
    pub(super) stage: Arc<str>,
    pub(super) written_exam: JalaliDate,
}

impl Ledger {
    pub(super) fn part_body(&self, id: i64, kind: &str) -> Result<String> {
        self.conn
            .prepare_cached("SELECT body FROM parts WHERE id = ?1 AND kind = ?2")?
            .query_row(params![id, kind], |r| r.get(0))
            .optional()?
            .ok_or_else(|| anyhow!("the ledger has lost part {id} ({kind}) of a receipt"))
    }

    /// A part read back, from this connection's memo or from the ledger.
    pub(super) fn read_part<T: serde::de::DeserializeOwned + Clone>(
        &self,
        id: i64,
        kind: &str,
        slot: fn(&mut PartsRead) -> &mut HashMap<i64, T>,
    ) -> Result<T> {
        if let Some(v) = slot(&mut self.read.borrow_mut()).get(&id) {
            return Ok(v.clone());
        }
        let v: T = serde_json::from_str(&self.part_body(id, kind)?)?;
        slot(&mut self.read.borrow_mut()).insert(id, v.clone());
        Ok(v)
    }

    pub(super) fn office_part(&self, id: i64) -> Result<Arc<Office>> {
        self.read_part(id, "office", |r| &mut r.office)
    }

    pub(super) fn exam_part(&self, id: i64) -> Result<ExamPart> {
        self.read_part(id, "exam", |r| &mut r.exam)
    }

    pub(super) fn approvals_part(&self, id: i64) -> Result<Arc<[Approval]>> {
        self.read_part(id, "approvals", |r| &mut r.approvals)
    }

    pub(super) fn line_part(&self, id: i64) -> Result<LineNames> {
        self.read_part(id, "line", |r| &mut r.line)
    }

    /// The part of a line's names, stored now if they are new. Not through
    /// `stored_part`: that would copy two names for every line to compare them.
    pub(super) fn line_names(&mut self, l: &QuoteLine) -> Result<Part> {
        if let Some((_, part)) = self
            .stored
            .line
            .iter()
            .find(|((fa, en), _)| *fa == l.name_fa && *en == l.name_en)
        {
            return Ok(part.clone());
        }
        let names = LineNames {
            name_fa: l.name_fa.clone(),
            name_en: l.name_en.clone(),
        };
        let part = store_part(&self.conn, "line", &serde_json::to_string(&names)?)?;
        self.stored
            .line
            .push(((names.name_fa, names.name_en), part.clone()));
        Ok(part)
    }

    /// The parts a receipt prints: office, exam, approvals.
    pub(super) fn parts_of(&mut self, r: &Receipt) -> Result<[Part; 3]> {
        let exam = ExamPart {
            program: r.exam.program.clone(),
            stage: r.exam.stage.clone(),
            written_exam: r.exam.written_exam,
        };
        let (conn, memo) = (&self.conn, &mut self.stored);
        Ok([
            stored_part(conn, &mut memo.office, "office", &r.office)?,
            stored_part(conn, &mut memo.exam, "exam", &exam)?,
            stored_part(conn, &mut memo.approvals, "approvals", &r.approvals)?,
        ])
    }

    /// A service date as stored (`YYYY/MM/DD`), made once per date: a batch's
    /// receipts share theirs.
    pub(super) fn date_text(&mut self, d: JalaliDate) -> Arc<str> {
        match &self.date {
            Some((day, text)) if *day == d => text.clone(),
            _ => {
                let text: Arc<str> = Arc::from(d.to_string());
                self.date = Some((d, text.clone()));
                text
            }
        }
    }
}

/// The part with this content, stored now if it is new.
pub(super) fn store_part(conn: &Connection, kind: &str, body: &str) -> Result<Part> {
    conn.prepare_cached("INSERT INTO parts (kind, body) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?
        .execute(params![kind, body])?;
    Ok(Part {
        id: conn
            .prepare_cached("SELECT id FROM parts WHERE kind = ?1 AND body = ?2")?
            .query_row(params![kind, body], |r| r.get(0))?,
        digest: chain::part_digest(body),
    })
}

/// A part, from the connection's memo (a batch's receipts share their parts;
/// `Arc`s compare by address first) or stored now.
pub(super) fn stored_part<T: PartialEq + Clone + serde::Serialize>(
    conn: &Connection,
    memo: &mut Vec<(T, Part)>,
    kind: &str,
    value: &T,
) -> Result<Part> {
    if let Some((_, part)) = memo.iter().find(|(v, _)| v == value) {
        return Ok(part.clone());
    }
    let part = store_part(conn, kind, &serde_json::to_string(value)?)?;
    memo.push((value.clone(), part.clone()));
    Ok(part)
}
