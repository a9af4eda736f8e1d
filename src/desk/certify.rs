//! The certificate fee, after a final pass: lines 6–7 and TVTO's certificate fee,
//! for an applicant registered in this ledger before the service date, charged only
//! after the stage's written exam. The only step that ever charges it.

use std::sync::Arc;

use anyhow::Result;

use super::applicants::Applicants;
use super::batch::Entry;
use super::book::Registry;
use super::context::{Context, Priced, Shared};
use super::rules;
use rustc_hash::FxHashMap;

use crate::core::applicant::{Rejection, check_national_id};
use crate::core::calendar::Calendar;
use crate::core::jalali::JalaliDate;
use crate::core::tariff::{Selection, Stage};

/// One row of the results sheet.
#[derive(Clone, Debug, Default)]
pub struct ExamResult {
    pub line: u64,
    pub national_id: String,
    pub result: String,
}

/// Checks and prices the certificate fees of one run.
pub struct Certificates {
    priced: Priced,
    shared: Shared,
    applicants: Applicants,
    calendar: Calendar,
    date: JalaliDate,
    /// Applicants whose rows in the sheet disagree (a pass and a fail), with the
    /// lines and results: none of their rows is charged.
    conflicting: FxHashMap<u64, Vec<(u64, String)>>,
}

impl Certificates {
    pub fn new(ctx: &Context, office_code: &str) -> Result<Self> {
        let schedule = ctx.schedule()?;
        let quote = schedule.quote(Selection::One(Stage::Certificate), None, 1)?;
        Ok(Certificates {
            priced: Priced::from(quote),
            shared: ctx.shared(schedule, office_code),
            applicants: Applicants::default(),
            calendar: ctx.calendar.clone(),
            date: ctx.date,
            conflicting: FxHashMap::default(),
        })
    }

    /// Reads the whole sheet before any row is checked: an applicant with rows that
    /// disagree (passed on one, failed on another) is charged by none of them, since
    /// which one is true is for the clerk to find out, not the order of the rows.
    pub fn see_all(&mut self, rows: &[Result<ExamResult, (u64, Rejection)>]) {
        let mut by_id: FxHashMap<u64, Vec<(u64, String)>> = FxHashMap::default();
        for r in rows.iter().flatten() {
            if let Ok(id) = check_national_id(&r.national_id) {
                by_id
                    .entry(rules::id_key(&id))
                    .or_default()
                    .push((r.line, r.result.clone()));
            }
        }
        by_id.retain(|_, rows| {
            let passed = rows.iter().filter(|(_, r)| rules::is_final_pass(r)).count();
            passed > 0 && passed < rows.len()
        });
        self.conflicting = by_id;
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
        if let Ok(id) = check_national_id(&row.national_id)
            && let Some(rows) = self.conflicting.get(&rules::id_key(&id))
        {
            return Ok(reject(rules::results_conflict(rows), &id));
        }
        let reg = match self
            .applicants
            .registered(registry, row.line, &row.national_id, None)?
        {
            Ok(reg) => reg,
            Err((id, r)) => return Ok(reject(r, &id)),
        };
        let id = reg.receipt.applicant.national_id.clone();
        if let Err(r) = rules::certificate_day(&self.calendar, &reg, self.date) {
            return Ok(reject(r, &id));
        }
        if !rules::is_final_pass(&row.result) {
            return Ok(reject(rules::not_passed(&row.result), &id));
        }
        let receipt = self.shared.receipt(
            Stage::Certificate,
            reg.receipt.applicant,
            reg.receipt.exam,
            &self.priced,
            reg.receipt.unit,
        );
        let charge = self
            .shared
            .charge(receipt, Arc::from(reg.program), reg.exam_stage, None);
        Ok(Entry::accepted(file, row.line, charge))
    }
}
