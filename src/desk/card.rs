//! The exam-date slip (برگ اعلام زمان آزمون): for an applicant registered for the
//! stage, inside its entry-card window, service line 5, with the exam's time and venue
//! as the portal gave them.

use std::sync::Arc;

use anyhow::Result;

use super::applicants::Applicants;
use super::batch::Entry;
use super::book::Registry;
use super::context::{Context, Priced, Shared};
use super::rules;
use crate::core::applicant::Rejection;
use crate::core::calendar::{ExamStage, Program};
use crate::core::tariff::{Selection, Stage};

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
    program: &'a Program,
    stage: &'a ExamStage,
    priced: Priced,
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
            program,
            stage: rules::card_stage(program, stage, ctx.date)?,
            priced: Priced::from(quote),
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
        let receipt = self.shared.receipt(
            Stage::Card,
            reg.receipt.applicant,
            exam,
            &self.priced,
            reg.receipt.unit,
        );
        let charge =
            self.shared
                .charge(receipt, self.program_code.clone(), self.stage.number, None);
        Ok(Entry::accepted(file, w.line, charge))
    }
}
