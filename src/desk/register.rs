//! Registration: an applicant row validated, priced by the schedule in force (lines
//! 1–4 and the cluster's exam fee for TVTO, never the certificate fee) and made into a
//! charge.

use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex};

use anyhow::Result;

use super::batch::{Entry, Raw};
use super::charge::{Applicant, Exam, Person};
use super::context::{Context, Priced, Shared};
use super::rules;
use crate::core::applicant::Context as RowContext;
use crate::core::calendar::Program;
use crate::core::money::Unit;
use crate::core::tariff::{Schedule, Selection, Stage};
use crate::core::validate::validate;
use crate::input::{BadRow, Row};

/// Rows of a run by file and line, filled as the run goes.
pub type Noted = Arc<Mutex<Vec<(Arc<str>, u64)>>>;

/// Checks and prices the rows of one batch; remembers the batch's national IDs.
pub struct Registrar<'a> {
    ctx: &'a Context,
    schedule: &'a Schedule,
    program: &'a Program,
    shared: Shared,
    program_code: Arc<str>,
    /// Each cluster's priced lines and totals, made once.
    quotes: Vec<(String, Priced)>,
    /// Each stage's program and stage names as printed.
    exams: Vec<(u32, Arc<str>, Arc<str>)>,
    /// By the national ID's number (ten digits fit a u64): a million-row sheet's
    /// IDs take 16 MB, not 60.
    seen: FxHashMap<u64, u64>,
    /// The rows accepted with a national ID of ten equal digits, by file and line,
    /// for the run to list on stderr.
    equal_digits: Noted,
}

impl<'a> Registrar<'a> {
    pub fn new(ctx: &'a Context, program: &'a Program, office_code: &str) -> Result<Self> {
        let schedule = ctx.schedule()?;
        let mut quotes = Vec::new();
        for c in &schedule.clusters {
            let q = schedule.quote(Selection::One(Stage::Registration), Some(c), 1)?;
            quotes.push((c.code.clone(), Priced::from(q)));
        }
        let name: Arc<str> = Arc::from(program.name_fa.as_str());
        Ok(Registrar {
            ctx,
            schedule,
            program,
            shared: ctx.shared(schedule, office_code),
            program_code: Arc::from(program.code.as_str()),
            quotes,
            exams: program
                .stages
                .iter()
                .map(|s| (s.number, name.clone(), Arc::from(s.name_fa.as_str())))
                .collect(),
            seen: FxHashMap::default(),
            equal_digits: Arc::default(),
        })
    }

    /// Where the rows accepted with a national ID of ten equal digits are listed (the
    /// list fills as rows are checked).
    pub fn equal_digit_rows(&self) -> Noted {
        self.equal_digits.clone()
    }

    /// One row of `file` (whose header row is `headers`) as an entry: a charge to
    /// record, or the reasons it cannot be.
    pub fn check(
        &mut self,
        file: &Arc<str>,
        headers: &Arc<csv::StringRecord>,
        row: Result<Row, BadRow>,
    ) -> Entry {
        let raw = |record: csv::StringRecord| {
            Some(Raw {
                headers: headers.clone(),
                record,
            })
        };
        let mut row = match row {
            Ok(r) => r,
            Err(bad) => {
                let r = rules::malformed(&bad);
                return Entry::rejected(file, bad.line, "", vec![r], raw(bad.record));
            }
        };
        let rejected = |problems, row: Row| {
            Entry::rejected(
                file,
                row.line,
                &row.input.national_id,
                problems,
                raw(row.record),
            )
        };
        let stage =
            match rules::registration_stage(self.program, self.ctx.date, &row.input.exam_stage) {
                Ok(s) => s,
                Err(r) => return rejected(vec![r], row),
            };
        let row_ctx = RowContext {
            service_date: self.ctx.date,
            schedule: self.schedule,
            stage,
            extra_military: &self.ctx.office.extra_military_statuses,
            mobiles: &self.ctx.mobiles,
        };
        let (applicant, notes) = match validate(&row.input, &row_ctx) {
            Ok(a) => a,
            Err(problems) => return rejected(problems, row),
        };
        if notes.iter().any(|n| n.code == "national_id_equal_digits")
            && let Ok(mut e) = self.equal_digits.lock()
        {
            e.push((file.clone(), row.line));
        }
        let key = rules::id_key(&applicant.national_id);
        if let Some(first) = self.seen.get(&key) {
            return rejected(vec![rules::duplicate_in_batch(*first)], row);
        }
        self.seen.insert(key, row.line);
        let cluster = self
            .schedule
            .clusters
            .iter()
            .find(|c| c.code == applicant.cluster_code)
            .expect("validated cluster");
        let (_, priced) = self
            .quotes
            .iter()
            .find(|(code, _)| *code == cluster.code)
            .expect("every cluster is priced");
        let (_, program_name, stage_name) = self
            .exams
            .iter()
            .find(|(n, _, _)| *n == stage.number)
            .expect("every stage is named");
        let receipt = self.shared.receipt(
            Stage::Registration,
            Applicant {
                first_name: applicant.first_name,
                last_name: applicant.last_name,
                father_name: applicant.father_name,
                national_id: applicant.national_id,
                mobile: applicant.mobile,
                trade: applicant.trade,
                cluster: cluster.name_fa.clone(),
            },
            Exam {
                program: program_name.clone(),
                stage: stage_name.clone(),
                written_exam: stage.written_exam,
                time: None,
                venue: None,
            },
            priced,
            Unit::Toman,
        );
        let person = Person {
            birth_date: applicant.birth_date,
            gender: applicant.gender,
            military_status: applicant.military_status,
        };
        let charge = self.shared.charge(
            receipt,
            self.program_code.clone(),
            stage.number,
            Some(person),
        );
        let mut entry = Entry::accepted(file, row.line, charge);
        // An accepted row says what reading it changed (a date cell made Jalali) and
        // what the clerk should look at again (an ID of ten equal digits).
        entry.outcome.problems = std::mem::take(&mut row.notes);
        entry.outcome.problems.extend(notes);
        // Kept for the rejects file, should the ledger hold another person's receipt
        // under this national ID.
        entry.raw = raw(row.record);
        entry
    }
}
