//! The types of a charge: what one applicant pays at one step of the way, as the
//! ledger records it and the documents print it. Money stays `Money` and each line
//! keeps its kind (the office's revenue or TVTO's money) from pricing to the ledger
//! and back; nothing here knows how it is stored or drawn.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::applicant::Gender;
use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, Unit};
use crate::core::office::Office;
use crate::core::tariff::{Approval, QuoteLine, Stage};

/// Who a document is for, as printed on it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub national_id: String,
    /// `09XXXXXXXXX`.
    pub mobile: String,
    pub trade: String,
    /// The cluster's Persian name, when known.
    pub cluster: String,
}

impl Applicant {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }
}

/// The exam the applicant is registered for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exam {
    pub program: Arc<str>,
    pub stage: Arc<str>,
    pub written_exam: JalaliDate,
    /// As the portal gave them, when known.
    pub time: Option<String>,
    pub venue: Option<String>,
}

/// A receipt: the charged lines of one applicant at one step (`kind`: registration,
/// exam-date slip or certificate), numbered by the ledger. What receipts of a batch
/// print alike (office, exam, lines, approvals) is shared, not copied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub kind: Stage,
    /// The office's identity as printed (name, code, address, phone).
    pub office: Arc<Office>,
    /// e.g. `1402-000123`; empty until the ledger assigns it.
    pub number: String,
    pub date: JalaliDate,
    /// `HH:MM`, Iran time.
    pub time: Arc<str>,
    pub applicant: Applicant,
    pub exam: Exam,
    pub lines: Arc<[QuoteLine]>,
    pub office_total: Money,
    pub tvto_total: Money,
    pub grand_total: Money,
    /// The currency amounts are printed in.
    pub unit: Unit,
    pub approvals: Arc<[Approval]>,
    /// The tariff schedule the lines were priced by, printed beside the QR code.
    #[serde(default)]
    pub schedule_id: Arc<str>,
    /// The first [`PREFIX_LEN`](super::proof::PREFIX_LEN) hex digits of the receipt's
    /// chain hash, which its QR code carries; empty until the ledger records it.
    #[serde(default)]
    pub hash: String,
    /// The signed proof line (`PK2|…`) its documents print instead of the `PK1`
    /// line, when the office signed it; kept in the ledger, so a reprint needs no key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<String>,
}

/// What the ledger keeps of an applicant beyond the receipt, written at registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub birth_date: JalaliDate,
    pub gender: Gender,
    pub military_status: String,
}

/// A charge ready to record: the receipt (number still empty) and where it belongs.
#[derive(Clone, Debug)]
pub struct Charge {
    /// Receipts are numbered per office and Jalali year.
    pub office_code: Arc<str>,
    /// The exam program's code and stage number in the calendar.
    pub program: Arc<str>,
    pub exam_stage: u32,
    /// The applicant's own record, at registration; later steps leave it be.
    pub person: Option<Person>,
    pub receipt: Receipt,
    /// The office's key, when it signs what it prints.
    pub signer: Option<Arc<super::keys::OfficeKey>>,
}

impl Charge {
    /// What an applicant is charged at most once for.
    pub fn key(&self) -> Key<'_> {
        Key {
            national_id: &self.receipt.applicant.national_id,
            program: &self.program,
            exam_stage: self.exam_stage,
            kind: self.receipt.kind,
        }
    }
}

/// An applicant is charged at most once per exam program, stage and step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key<'a> {
    pub national_id: &'a str,
    pub program: &'a str,
    pub exam_stage: u32,
    pub kind: Stage,
}

/// What recording a charge did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded under this new number, with this start of its chain hash.
    New { number: String, hash: String },
    /// Already in the ledger: nothing charged again.
    Duplicate(Found),
}

/// A receipt already recorded under a charge's key, as the ledger holds it: whom it
/// is for and what it charged, so that a row found again is answered with the
/// recorded amounts, and a row of another person on the same national ID is told
/// apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub number: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    /// Recorded at registration only.
    pub birth_date: Option<JalaliDate>,
    pub office_total: Money,
    pub tvto_total: Money,
    pub grand_total: Money,
}

impl Found {
    /// What differs between the recorded person and the charge's, as
    /// `(field, recorded, given)`; empty when they are the same person.
    pub fn differences(&self, charge: &Charge) -> Vec<(&'static str, String, String)> {
        let a = &charge.receipt.applicant;
        let mut out = Vec::new();
        for (field, recorded, given) in [
            ("first_name", &self.first_name, &a.first_name),
            ("last_name", &self.last_name, &a.last_name),
            ("father_name", &self.father_name, &a.father_name),
        ] {
            if recorded != given {
                out.push((field, recorded.clone(), given.clone()));
            }
        }
        if let (Some(recorded), Some(p)) = (self.birth_date, &charge.person)
            && recorded != p.birth_date
        {
            out.push(("birth_date", recorded.to_string(), p.birth_date.to_string()));
        }
        out
    }
}
