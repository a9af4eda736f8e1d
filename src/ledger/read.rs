//! Reading: receipts found, documents rebuilt for reprints, an applicant's receipts.

use std::sync::Arc;

use anyhow::{Result, anyhow};
use rusqlite::{OptionalExtension, params};

use super::{Ledger, chain, date, hash_prefix, line_kind, money, stage, year_seq};
use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, Unit};
use crate::core::office::Office;
use crate::core::tariff::{QuoteLine, Stage};
use crate::desk::book::{Registration, Registry};
use crate::desk::charge::{Applicant, Exam, Found, Key, Receipt};

/// One receipt of an applicant, for `status`.
#[derive(Debug, Clone)]
pub struct ReceiptSummary {
    pub number: String,
    pub kind: Stage,
    pub program: String,
    pub exam_stage: u32,
    pub date: JalaliDate,
    pub time: String,
    pub office_total: Money,
    pub tvto_total: Money,
    pub grand_total: Money,
    /// The mobile the receipt was made out with.
    pub mobile: String,
}

impl Ledger {
    /// Receipt `number`'s full chain hash (64 hex digits), as recorded; `None` when
    /// there is no such receipt, or it has no hash.
    pub fn hash_of(&self, office_code: &str, number: &str) -> Result<Option<String>> {
        let Some((year, seq)) = year_seq(number) else {
            return Ok(None);
        };
        let hash: Option<Option<Vec<u8>>> = self
            .conn
            .prepare_cached(
                "SELECT hash FROM receipts WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .query_row(params![office_code, year, seq], |r| r.get(0))
            .optional()?;
        Ok(hash.flatten().map(|h| chain::hex(&h)))
    }

    /// What receipt `number` of `office_code` can prove, as recorded: its date, totals
    /// and the start of its chain hash (empty when the receipt has none).
    pub fn proof(
        &self,
        office_code: &str,
        number: &str,
    ) -> Result<Option<crate::desk::proof::Proof>> {
        use crate::desk::proof::Proof;
        let Some((year, seq)) = year_seq(number) else {
            return Ok(None);
        };
        let row = self
            .conn
            .prepare_cached(
                "SELECT service_date, office_total, tvto_total, hash FROM receipts
                 WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .query_row(params![office_code, year, seq], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                ))
            })
            .optional()?;
        let Some((date, office, tvto, hash)) = row else {
            return Ok(None);
        };
        Ok(Some(Proof {
            office: office_code.to_string(),
            number: format!("{year}-{seq:06}"),
            date: JalaliDate::parse(&date)
                .map_err(|e| anyhow::anyhow!("receipt {number}: {}", e.message_en()))?,
            office_total: Money::from_rial(office)?,
            tvto_total: Money::from_rial(tvto)?,
            hash_prefix: hash_prefix(&hash.unwrap_or_default()),
        }))
    }

    /// The office this ledger belongs to; for a ledger older than that record, the
    /// offices it holds receipts of.
    pub fn offices(&self) -> Result<Vec<String>> {
        if let Some(code) = self.identity()?.office_code {
            return Ok(vec![code]);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT office_code FROM receipts ORDER BY office_code")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The office's identity as its latest receipt printed it.
    pub fn letterhead(&self, office_code: &str) -> Result<Option<Office>> {
        let part: Option<i64> = self
            .conn
            .query_row(
                "SELECT office FROM receipts WHERE office_code = ?1 ORDER BY id DESC LIMIT 1",
                [office_code],
                |r| r.get(0),
            )
            .optional()?;
        part.map(|id| Ok(Office::clone(&*self.office_part(id)?)))
            .transpose()
    }

    /// The national IDs registered for a program's stage, in the order registered.
    pub fn registered(&self, program: &str, exam_stage: u32) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT national_id FROM receipts WHERE kind = 'registration' AND program = ?1 AND exam_stage = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![program, exam_stage], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every receipt of an applicant, oldest first.
    pub fn receipts_of(&self, national_id: &str) -> Result<Vec<ReceiptSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT number, kind, program, exam_stage, service_date, time, office_total, tvto_total, grand_total, mobile
             FROM receipts WHERE national_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([national_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(ReceiptSummary {
                number: r.get(0)?,
                kind: stage(&r.get::<_, String>(1)?)?,
                program: r.get(2)?,
                exam_stage: r.get(3)?,
                date: date(&r.get::<_, String>(4)?)?,
                time: r.get(5)?,
                office_total: money(r.get(6)?)?,
                tvto_total: money(r.get(7)?)?,
                grand_total: money(r.get(8)?)?,
                mobile: r.get(9)?,
            });
        }
        Ok(out)
    }

    /// The signed proof line kept with receipt `id`, if it was signed.
    pub(super) fn signed_line(&self, id: i64) -> Result<Option<String>> {
        if !self.has_proofs.get() {
            return Ok(None);
        }
        Ok(self
            .conn
            .prepare_cached("SELECT line FROM proofs WHERE receipt_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// A receipt by its row id, as it printed.
    pub(super) fn document_at(&self, id: i64) -> Result<Receipt> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, number, service_date, time, first_name, last_name, father_name, national_id, mobile,
                    trade, cluster, exam_time, venue, currency, office_total, tvto_total, grand_total,
                    office, exam, approvals, schedule_id, hash
             FROM receipts WHERE id = ?1",
        )?;
        let (receipt, parts, (schedule_id, hash)) = stmt.query_row([id], |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    Applicant {
                        first_name: r.get(4)?,
                        last_name: r.get(5)?,
                        father_name: r.get(6)?,
                        national_id: r.get(7)?,
                        mobile: r.get(8)?,
                        trade: r.get(9)?,
                        cluster: r.get(10)?,
                    },
                    (
                        r.get::<_, Option<String>>(11)?,
                        r.get::<_, Option<String>>(12)?,
                    ),
                    r.get::<_, String>(13)?,
                    [r.get::<_, i64>(14)?, r.get(15)?, r.get(16)?],
                ),
                [r.get::<_, i64>(17)?, r.get(18)?, r.get(19)?],
                (r.get::<_, String>(20)?, r.get::<_, Option<Vec<u8>>>(21)?),
            ))
        })?;
        let (kind, number, service_date, time, applicant, (exam_time, venue), currency, totals) =
            receipt;
        let kind = stage(&kind)?;
        let exam = self.exam_part(parts[1])?;
        let mut lines = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT row, code, name, quantity, unit, amount, kind
             FROM receipt_lines WHERE receipt_id = ?1 ORDER BY line_no",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            let names = self.line_part(r.get(2)?)?;
            lines.push(QuoteLine {
                row: r.get(0)?,
                code: r.get(1)?,
                name_fa: names.name_fa,
                name_en: names.name_en,
                stage: kind,
                quantity: r.get::<_, i64>(3)? as u64,
                unit: money(r.get(4)?)?,
                amount: money(r.get(5)?)?,
                kind: line_kind(&r.get::<_, String>(6)?)?,
            });
        }
        Ok(Receipt {
            kind,
            office: self.office_part(parts[0])?,
            number,
            date: date(&service_date)?,
            time: Arc::from(time),
            applicant,
            exam: Exam {
                program: exam.program,
                stage: exam.stage,
                written_exam: exam.written_exam,
                time: exam_time,
                venue,
            },
            lines: lines.into(),
            office_total: money(totals[0])?,
            tvto_total: money(totals[1])?,
            grand_total: money(totals[2])?,
            unit: match currency.as_str() {
                "rial" => Unit::Rial,
                _ => Unit::Toman,
            },
            approvals: self.approvals_part(parts[2])?,
            schedule_id: Arc::from(schedule_id),
            hash: hash_prefix(&hash.unwrap_or_default()),
            signed: self.signed_line(id)?,
        })
    }
}

impl Registry for Ledger {
    fn find(&self, key: Key) -> Result<Option<Found>> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            i64,
            i64,
            i64,
        );
        let row: Option<Row> = self
            .conn
            .prepare_cached(
                "SELECT number, first_name, last_name, father_name, birth_date, office_total, tvto_total, grand_total
                 FROM receipts WHERE national_id = ?1 AND program = ?2 AND exam_stage = ?3 AND kind = ?4",
            )?
            .query_row(
                params![key.national_id, key.program, key.exam_stage, key.kind.as_str()],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                },
            )
            .optional()?;
        let Some((number, first_name, last_name, father_name, birth, office, tvto, grand)) = row
        else {
            return Ok(None);
        };
        let money =
            |rial: i64| Money::from_rial(rial).map_err(|e| anyhow!("receipt {number}: {e}"));
        Ok(Some(Found {
            birth_date: birth.as_deref().and_then(|d| JalaliDate::parse(d).ok()),
            office_total: money(office)?,
            tvto_total: money(tvto)?,
            grand_total: money(grand)?,
            first_name,
            last_name,
            father_name,
            number,
        }))
    }

    fn document(&self, office_code: &str, number: &str) -> Result<Option<Receipt>> {
        // `1402-000123`: year and sequence, the receipts' unique key with the office.
        let Some((year, seq)) = year_seq(number) else {
            return Ok(None);
        };
        let id: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM receipts WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .query_row(params![office_code, year, seq], |r| r.get(0))
            .optional()?;
        id.map(|id| self.document_at(id)).transpose()
    }

    fn registration(
        &self,
        national_id: &str,
        at: Option<(&str, u32)>,
    ) -> Result<Option<Registration>> {
        let row: Option<(i64, String, u32)> = match at {
            Some((program, exam_stage)) => self
                .conn
                .prepare_cached(
                    "SELECT id, program, exam_stage FROM receipts
                     WHERE kind = 'registration' AND national_id = ?1 AND program = ?2 AND exam_stage = ?3",
                )?
                .query_row(params![national_id, program, exam_stage], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?,
            None => self
                .conn
                .prepare_cached(
                    "SELECT id, program, exam_stage FROM receipts
                     WHERE kind = 'registration' AND national_id = ?1 ORDER BY id DESC LIMIT 1",
                )?
                .query_row([national_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?,
        };
        row.map(|(id, program, exam_stage)| {
            Ok(Registration {
                program,
                exam_stage,
                receipt: self.document_at(id)?,
            })
        })
        .transpose()
    }
}
