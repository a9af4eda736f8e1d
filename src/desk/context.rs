//! What every row of a batch shares, settled once before the first row: the tariffs,
//! the calendar, the office, the service date and the time printed on documents, the
//! last two from a single reading of the clock.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::charge::{Applicant, Charge, Exam, Person, Receipt};
use crate::core::calendar::Calendar;
use crate::core::jalali::{IRAN_OFFSET_SECS, JalaliDate};
use crate::core::mobile::Prefixes;
use crate::core::money::{Money, Unit};
use crate::core::office::Office;
use crate::core::tariff::{Approval, Quote, QuoteLine, Schedule, ScheduleError, Stage, Tariffs};

/// The settings of one run of a command.
#[derive(Clone, Debug)]
pub struct Context {
    pub tariffs: Tariffs,
    pub calendar: Calendar,
    /// The office: its identity, and the military statuses it accepts beyond the
    /// built-in ones.
    pub office: Office,
    /// The service date.
    pub date: JalaliDate,
    /// `HH:MM`, Iran time, printed on documents and kept in the ledger.
    pub time: String,
    /// The office's signing key, when its config names one.
    pub key: Option<Arc<super::keys::OfficeKey>>,
    /// The mobile prefixes operators use: the shipped table and the office's own.
    pub mobiles: Arc<Prefixes>,
}

impl Context {
    /// The tariff schedule in force on the service date.
    pub fn schedule(&self) -> Result<&Schedule, ScheduleError> {
        self.tariffs.schedule_on(self.date)
    }

    /// The office's identity as documents print it (without its settings).
    pub fn letterhead(&self) -> Office {
        Office {
            extra_military_statuses: Vec::new(),
            extra_mobile_prefixes: Default::default(),
            key: None,
            ..self.office.clone()
        }
    }

    /// What every charge of this run priced by `schedule` shares, made once.
    pub fn shared(&self, schedule: &Schedule, office_code: &str) -> Shared {
        Shared {
            office: Arc::new(self.letterhead()),
            office_code: Arc::from(office_code),
            schedule_id: Arc::from(schedule.id.as_str()),
            approvals: Arc::from(schedule.approvals.as_slice()),
            date: self.date,
            time: Arc::from(self.time.as_str()),
            signer: self.key.clone(),
        }
    }

    /// The office code receipts are numbered under, when set.
    pub fn office_code(&self) -> Option<&str> {
        self.office.code.as_deref().filter(|c| !c.trim().is_empty())
    }
}

/// What every charge of a run shares: each receipt holds a reference, not a copy.
#[derive(Clone, Debug)]
pub struct Shared {
    pub office: Arc<crate::core::office::Office>,
    pub office_code: Arc<str>,
    pub schedule_id: Arc<str>,
    pub approvals: Arc<[Approval]>,
    pub date: JalaliDate,
    pub time: Arc<str>,
    pub signer: Option<Arc<super::keys::OfficeKey>>,
}

impl Shared {
    /// A receipt of this run: `kind`'s, for `applicant` at `exam`, priced as `priced`,
    /// in `unit`; its number is the ledger's to give.
    pub fn receipt(
        &self,
        kind: Stage,
        applicant: Applicant,
        exam: Exam,
        priced: &Priced,
        unit: Unit,
    ) -> Receipt {
        Receipt {
            kind,
            office: self.office.clone(),
            number: String::new(),
            date: self.date,
            time: self.time.clone(),
            applicant,
            exam,
            lines: priced.lines.clone(),
            office_total: priced.office_total,
            tvto_total: priced.tvto_total,
            grand_total: priced.grand_total,
            unit,
            approvals: self.approvals.clone(),
            schedule_id: self.schedule_id.clone(),
            hash: String::new(),
            signed: None,
        }
    }

    /// The charge of `receipt` for a program's exam stage.
    pub fn charge(
        &self,
        receipt: Receipt,
        program: Arc<str>,
        exam_stage: u32,
        person: Option<Person>,
    ) -> Charge {
        Charge {
            office_code: self.office_code.clone(),
            program,
            exam_stage,
            person,
            receipt,
            signer: self.signer.clone(),
        }
    }
}

/// Priced lines and their totals, made once for every receipt priced alike.
#[derive(Clone, Debug)]
pub struct Priced {
    pub lines: Arc<[QuoteLine]>,
    pub office_total: Money,
    pub tvto_total: Money,
    pub grand_total: Money,
}

impl From<Quote> for Priced {
    fn from(q: Quote) -> Priced {
        Priced {
            lines: Arc::from(q.lines),
            office_total: q.office_total,
            tvto_total: q.tvto_total,
            grand_total: q.grand_total,
        }
    }
}

/// One reading of the clock, for a whole run: every document of a batch carries the
/// same date and time, even across midnight.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Seconds since the Unix epoch.
    pub unix: i64,
}

impl Clock {
    pub fn now() -> Clock {
        let unix = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        Clock { unix }
    }

    /// Today in Iran; `None` outside the years the calendar supports.
    pub fn date(self) -> Option<JalaliDate> {
        JalaliDate::in_iran_at_unix(self.unix)
    }

    /// `HH:MM` in Iran.
    pub fn time(self) -> String {
        let local = (self.unix + IRAN_OFFSET_SECS).rem_euclid(86_400);
        format!("{:02}:{:02}", local / 3600, local % 3600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reading_gives_date_and_time_in_iran() {
        // 2024-02-14 20:45:00 UTC is 00:15 on 1402/11/26 in Iran (UTC+03:30).
        let c = Clock {
            unix: 1_707_943_500,
        };
        assert_eq!(c.time(), "00:15");
        assert_eq!(c.date().unwrap().to_string(), "1402/11/26");
    }
}
