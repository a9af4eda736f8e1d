//! The certificate fee, after a final pass: lines 6–7 and TVTO's certificate fee,
//! for an applicant registered in this ledger. The only step that ever charges it.

use std::sync::Arc;

use anyhow::Result;

use super::applicants::Applicants;
use super::batch::Entry;
use super::book::Registry;
use super::charge::{Charge, Receipt};
use super::context::{Context, Shared};
use super::rules;
use crate::core::applicant::Rejection;
use crate::core::tariff::{Quote, QuoteLine, Selection, Stage};

/// One row of the results sheet.
#[derive(Clone, Debug, Default)]
pub struct ExamResult {
    pub line: u64,
    pub national_id: String,
    pub result: String,
}

/// Checks and prices the certificate fees of one run.
pub struct Certificates<'a> {
    ctx: &'a Context,
    quote: Quote,
    lines: Arc<[QuoteLine]>,
    shared: Shared,
    applicants: Applicants,
}

impl<'a> Certificates<'a> {
    pub fn new(ctx: &'a Context, office_code: &str) -> Result<Self> {
        let schedule = ctx.schedule()?;
        let quote = schedule.quote(Selection::One(Stage::Certificate), None, 1)?;
        Ok(Certificates {
            ctx,
            lines: Arc::from(quote.lines.as_slice()),
            quote,
            shared: ctx.shared(schedule, office_code),
            applicants: Applicants::default(),
        })
    }

    /// One result row as an entry: the certificate fee to charge, or why not.
    pub fn check(
        &mut self,
        file: &Arc<str>,
        registry: &dyn Registry,
        row: Result<ExamResult, (u64, Rejection)>,
    ) -> Result<Entry> {
        let row = match row {
            Ok(r) => r,
            Err((line, r)) => return Ok(Entry::rejected(file, line, "", vec![r], None)),
        };
        let reject = |r: Rejection, id: &str| Entry::rejected(file, row.line, id, vec![r], None);
        let reg = match self
            .applicants
            .registered(registry, row.line, &row.national_id, None)?
        {
            Ok(reg) => reg,
            Err((id, r)) => return Ok(reject(r, &id)),
        };
        let id = reg.receipt.applicant.national_id.clone();
        if !rules::is_final_pass(&row.result) {
            return Ok(reject(rules::not_passed(&row.result), &id));
        }
        let q = &self.quote;
        let receipt = Receipt {
            kind: Stage::Certificate,
            office: self.shared.office.clone(),
            number: String::new(),
            date: self.ctx.date,
            time: self.shared.time.clone(),
            applicant: reg.receipt.applicant,
            exam: reg.receipt.exam,
            lines: self.lines.clone(),
            office_total: q.office_total,
            tvto_total: q.tvto_total,
            grand_total: q.grand_total,
            unit: reg.receipt.unit,
            approvals: self.shared.approvals.clone(),
        };
        Ok(Entry::accepted(
            file,
            row.line,
            Charge {
                office_code: self.shared.office_code.clone(),
                program: Arc::from(reg.program),
                exam_stage: reg.exam_stage,
                schedule_id: self.shared.schedule_id.clone(),
                person: None,
                receipt,
            },
        ))
    }
}
