//! Who a later step (exam-date slip, certificate) is for: a valid national ID, once
//! in the batch, registered in this ledger.

use rustc_hash::FxHashMap;

use anyhow::Result;

use super::book::{Registration, Registry};
use super::rules;
use crate::core::applicant::{Rejection, check_national_id};
use crate::core::calendar::ExamStage;

/// The national IDs a run has met, with the line each came on first.
#[derive(Default)]
pub struct Applicants {
    /// By the national ID's number (ten digits fit a u64): a million-row sheet's
    /// IDs take 16 MB, not 60.
    seen: FxHashMap<u64, u64>,
}

impl Applicants {
    /// The registration of the applicant on `line` (for `program`'s `stage`, or the
    /// latest), or why the row is rejected, with the national ID to report it under.
    pub fn registered(
        &mut self,
        registry: &dyn Registry,
        line: u64,
        national_id: &str,
        at: Option<(&str, &ExamStage)>,
    ) -> Result<Result<Registration, (String, Rejection)>> {
        let id = match check_national_id(national_id) {
            Ok(id) => id,
            Err(r) => return Ok(Err((national_id.to_string(), r))),
        };
        let key = rules::id_key(&id);
        if let Some(first) = self.seen.get(&key) {
            return Ok(Err((id, rules::duplicate_in_batch(*first))));
        }
        self.seen.insert(key, line);
        let found = registry.registration(&id, at.map(|(p, s)| (p, s.number)))?;
        Ok(found.ok_or_else(|| (id, rules::not_registered(at.map(|(_, s)| s)))))
    }
}
