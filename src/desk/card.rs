//! The exam-date slip (برگ اعلام زمان آزمون): for an applicant registered for the
//! stage, inside its entry-card window, service line 5, with the exam's time and venue
//! as the portal gave them.

use std::sync::Arc;

use anyhow::Result;

use super::applicants::Applicants;
use super::batch::Entry;
use super::book::Registry;
use super::charge::{Charge, Receipt};
use super::context::{Context, Shared};
use super::rules;
use crate::core::applicant::Rejection;
use crate::core::calendar::{ExamStage, Program};
use crate::core::tariff::{Quote, QuoteLine, Selection, Stage};

/// One applicant asked for: a row of the portal's CSV, or a registration.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub line: u64,
    pub national_id: String,
    pub exam_time: Option<String>,
    pub venue: Option<String>,
}

/// Checks and prices the slips of one run.
pub struct Slips<'a> {
    ctx: &'a Context,
    program: &'a Program,
    stage: &'a ExamStage,
    quote: Quote,
    lines: Arc<[QuoteLine]>,
    shared: Shared,
    program_code: Arc<str>,
    applicants: Applicants,
}

impl<'a> Slips<'a> {
    /// Entry cards of `stage` (`--stage`, or the stage whose window holds the date).
    pub fn new(
        ctx: &'a Context,
        program: &'a Program,
        stage: Option<u32>,
        office_code: &str,
    ) -> Result<Self> {
        let schedule = ctx.schedule()?;
        let quote = schedule.quote(Selection::One(Stage::Card), None, 1)?;
        Ok(Slips {
            ctx,
            program,
            stage: rules::card_stage(program, stage, ctx.date)?,
            lines: Arc::from(quote.lines.as_slice()),
            quote,
            shared: ctx.shared(schedule, office_code),
            program_code: Arc::from(program.code.as_str()),
            applicants: Applicants::default(),
        })
    }

    pub fn stage(&self) -> &ExamStage {
        self.stage
    }

    /// One applicant as an entry: the slip to charge, or why not.
    pub fn check(
        &mut self,
        file: &Arc<str>,
        registry: &dyn Registry,
        wanted: Result<Wanted, (u64, Rejection)>,
    ) -> Result<Entry> {
        let w = match wanted {
            Ok(w) => w,
            Err((line, r)) => return Ok(Entry::rejected(file, line, "", vec![r], None)),
        };
        let at = Some((self.program.code.as_str(), self.stage));
        let reg = match self
            .applicants
            .registered(registry, w.line, &w.national_id, at)?
        {
            Ok(reg) => reg,
            Err((id, r)) => return Ok(Entry::rejected(file, w.line, &id, vec![r], None)),
        };
        let mut exam = reg.receipt.exam;
        exam.time = w.exam_time.or(exam.time);
        exam.venue = w.venue.or(exam.venue);
        let q = &self.quote;
        let receipt = Receipt {
            kind: Stage::Card,
            office: self.shared.office.clone(),
            number: String::new(),
            date: self.ctx.date,
            time: self.shared.time.clone(),
            applicant: reg.receipt.applicant,
            exam,
            lines: self.lines.clone(),
            office_total: q.office_total,
            tvto_total: q.tvto_total,
            grand_total: q.grand_total,
            unit: reg.receipt.unit,
            approvals: self.shared.approvals.clone(),
        };
        Ok(Entry::accepted(
            file,
            w.line,
            Charge {
                office_code: self.shared.office_code.clone(),
                program: self.program_code.clone(),
                exam_stage: self.stage.number,
                schedule_id: self.shared.schedule_id.clone(),
                person: None,
                receipt,
            },
        ))
    }
}
