//! Recording: receipts written in the desk's transactions, each on the chain of its
//! office and year.

use anyhow::{Result, anyhow};
use rusqlite::{OptionalExtension, params};

use super::chain::Hash;
use super::parts::{Part, PartIds};
use super::{Ledger, chain, has_table, hash_prefix, kind_name, schema, year_seq};
use crate::desk::book::{Book, Registry};
use crate::desk::charge::{Charge, Recorded};

impl Ledger {
    /// The chain head of an office and year: the last number issued and its hash.
    /// A number is never issued twice: the head counts what was issued even when a
    /// receipt has since been removed, and the receipts count when the head is lost.
    pub(super) fn head(&self, office_code: &str, year: i32) -> Result<(i64, Hash)> {
        let head: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM chain WHERE office_code = ?1 AND year = ?2")?
            .query_row(params![office_code, year], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let max: i64 = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(MAX(seq), 0) FROM receipts WHERE office_code = ?1 AND year = ?2",
            )?
            .query_row(params![office_code, year], |r| r.get(0))?;
        Ok(match head {
            Some((seq, hash)) => (
                seq.max(max),
                hash.try_into()
                    .unwrap_or_else(|_| chain::genesis(office_code, year as i64)),
            ),
            None => (max, chain::genesis(office_code, year as i64)),
        })
    }
}

impl Book for Ledger {
    fn begin(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    fn keep_proof(&mut self, office_code: &str, number: &str, line: &str) -> Result<()> {
        let (year, seq) = year_seq(number).ok_or_else(|| anyhow!("no receipt {number}"))?;
        if !self.has_proofs.get() {
            self.conn.execute_batch(schema::PROOFS_TABLE)?;
            self.has_proofs.set(true);
        }
        self.conn
            .prepare_cached(
                "INSERT INTO proofs (receipt_id, line)
                 SELECT id, ?4 FROM receipts WHERE office_code = ?1 AND year = ?2 AND seq = ?3",
            )?
            .execute(params![office_code, year, seq, line])?;
        Ok(())
    }

    fn record(&mut self, charge: &Charge) -> Result<Recorded> {
        // Found before anything is stored (a part of its own, say): a row already
        // recorded, or another person's on the same national ID, leaves the ledger
        // exactly as it was.
        if let Some(found) = self.find(charge.key())? {
            return Ok(Recorded::Duplicate(found));
        }
        let doc = &charge.receipt;
        let a = &doc.applicant;
        let year = doc.date.year();
        let key = (charge.office_code.clone(), year);
        let (last, prev) = match self.heads.get(&key) {
            Some(head) => *head,
            None => self.head(&charge.office_code, year)?,
        };
        let seq = last + 1;
        let number = format!("{year}-{seq:06}");
        let parts = self.parts_of(doc)?;
        let date = self.date_text(doc.date);
        let person = charge.person.as_ref();
        let birth_date = person.map(|p| p.birth_date.to_string());
        let gender = person.map(|p| match p.gender {
            crate::core::applicant::Gender::Male => "male",
            crate::core::applicant::Gender::Female => "female",
        });
        let names = doc
            .lines
            .iter()
            .map(|l| self.line_names(l))
            .collect::<Result<Vec<Part>>>()?;
        let receipt_kind = doc.kind.as_str();
        let numbers: Vec<(i64, i64, i64, i64, &str)> = doc
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    i as i64 + 1,
                    l.quantity as i64,
                    l.unit.rial(),
                    l.amount.rial(),
                    kind_name(l.kind),
                )
            })
            .collect();
        let fields = chain::Fields {
            office_code: &charge.office_code,
            year: year as i64,
            seq,
            kind: receipt_kind,
            national_id: &a.national_id,
            program: &charge.program,
            exam_stage: charge.exam_stage as i64,
            service_date: &date,
            time: &doc.time,
            schedule_id: &charge.receipt.schedule_id,
            totals: [
                doc.office_total.rial(),
                doc.tvto_total.rial(),
                doc.grand_total.rial(),
            ],
            names: [&a.first_name, &a.last_name, &a.father_name],
            mobile: &a.mobile,
            trade: &a.trade,
            cluster: &a.cluster,
            exam_time: doc.exam.time.as_deref(),
            venue: doc.exam.venue.as_deref(),
            currency: doc.unit.name_en(),
            parts: [&parts[0].digest, &parts[1].digest, &parts[2].digest],
            birth_date: birth_date.as_deref(),
            gender,
            military_status: person.map(|p| p.military_status.as_str()),
        };
        let hash = chain::hash(
            &prev,
            &fields,
            doc.lines.iter().zip(&names).zip(&numbers).map(
                |((l, name), &(line_no, quantity, unit, amount, kind))| chain::LineFields {
                    line_no,
                    code: &l.code,
                    names: &name.digest,
                    quantity,
                    unit,
                    amount,
                    kind,
                    schedule_id: &charge.receipt.schedule_id,
                    row: l.row.map(i64::from),
                },
            ),
        );
        // An applicant already charged for this step is the unique key's conflict:
        // nothing is written, and the receipt recorded before is the answer.
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO receipts (office_code, year, seq, kind, national_id, program, exam_stage,
                   service_date, time, schedule_id, office_total, tvto_total, grand_total,
                   first_name, last_name, father_name, mobile, trade, cluster, exam_time, venue, currency,
                   office, exam, approvals, birth_date, gender, military_status, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                   ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)
                 ON CONFLICT (national_id, program, exam_stage, kind) DO NOTHING",
            )?
            .execute(params![
                charge.office_code,
                year,
                seq,
                receipt_kind,
                a.national_id,
                charge.program,
                charge.exam_stage,
                date,
                doc.time,
                charge.receipt.schedule_id,
                doc.office_total.rial(),
                doc.tvto_total.rial(),
                doc.grand_total.rial(),
                a.first_name,
                a.last_name,
                a.father_name,
                a.mobile,
                a.trade,
                a.cluster,
                doc.exam.time,
                doc.exam.venue,
                doc.unit.name_en(),
                parts[0].id,
                parts[1].id,
                parts[2].id,
                birth_date,
                gender,
                person.map(|p| p.military_status.as_str()),
                &hash[..],
            ])?;
        if inserted == 0 {
            self.heads.insert(key, (last, prev));
            let found = self
                .find(charge.key())?
                .ok_or_else(|| anyhow!("receipt {number} was neither recorded nor found"))?;
            return Ok(Recorded::Duplicate(found));
        }
        self.heads.insert(key, (seq, hash));
        let id = self.conn.last_insert_rowid();
        // All the receipt's lines in one statement.
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(doc.lines.len() * 11);
        for ((l, name), (line_no, quantity, unit, amount, kind)) in
            doc.lines.iter().zip(&names).zip(&numbers)
        {
            values.extend([
                &id as &dyn rusqlite::ToSql,
                &receipt_kind,
                line_no,
                &l.code,
                &name.id,
                quantity,
                unit,
                amount,
                kind,
                &charge.receipt.schedule_id,
                &l.row,
            ]);
        }
        self.conn
            .prepare_cached(&insert_lines_sql(doc.lines.len()))?
            .execute(values.as_slice())?;
        Ok(Recorded::New {
            number,
            hash: hash_prefix(&hash),
        })
    }

    fn commit(&mut self) -> Result<()> {
        // The heads go with the receipts: in the same transaction.
        for ((office, year), (seq, hash)) in self.heads.drain() {
            self.conn
                .prepare_cached(
                    "INSERT INTO chain (office_code, year, seq, hash) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (office_code, year) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                )?
                .execute(params![office, year, seq, &hash[..]])?;
        }
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    fn rollback(&mut self) -> Result<()> {
        // Numbers and parts taken in the transaction are gone with it.
        self.heads.clear();
        self.stored = PartIds::default();
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        // The proofs table, if the transaction made it.
        self.has_proofs
            .set(has_table(&self.conn, "proofs").unwrap_or(false));
        Ok(())
    }
}

/// `INSERT` of `n` lines at once.
pub(super) fn insert_lines_sql(n: usize) -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    format!(
        "INSERT INTO receipt_lines (receipt_id, receipt_kind, line_no, code, name, quantity, unit, amount, kind, schedule_id, row) VALUES {}",
        vec![row; n].join(", ")
    )
}
