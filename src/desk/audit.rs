//! The desk's rules, checked over every receipt a ledger holds: what `audit` adds to
//! the ledger's own checks (integrity, the hash chain, gap-free numbers). Pure: the
//! ledger hands each receipt over as a [`Charged`], in number order.
//!
//! - each receipt's lines add up to its totals, and each amount is unit × quantity;
//! - every amount is the tariff schedule's in force on the receipt's date;
//! - the certificate fee only on certificate receipts;
//! - each applicant charged at most once per exam stage and service;
//! - the letter's order: registration, then the slip, then the certificate.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use crate::core::jalali::JalaliDate;
use crate::core::money::Money;
use crate::core::tariff::{Kind, Stage, Tariffs};
use crate::core::text::fa;

/// A receipt as the ledger holds it, for checking.
pub struct Charged<'a> {
    pub number: &'a str,
    pub office_code: &'a str,
    pub kind: Stage,
    pub national_id: &'a str,
    pub program: &'a str,
    pub exam_stage: u32,
    pub date: JalaliDate,
    pub schedule_id: &'a str,
    pub cluster: &'a str,
    pub office_total: Money,
    pub tvto_total: Money,
    pub grand_total: Money,
    pub lines: &'a [ChargedLine],
}

/// One charged line of a [`Charged`] receipt.
#[derive(Clone, Debug)]
pub struct ChargedLine {
    pub line_no: u32,
    /// The letter's row; none for TVTO fees.
    pub row: Option<u32>,
    pub code: Arc<str>,
    pub name_fa: Arc<str>,
    /// The kind of receipt the line says it is on.
    pub receipt_kind: Option<Stage>,
    pub kind: Kind,
    pub quantity: u64,
    pub unit: Money,
    pub amount: Money,
    pub schedule_id: Arc<str>,
}

/// Something a ledger should not hold, with the receipt it is about.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The receipt's number, when the finding is about one.
    pub receipt: Option<String>,
    /// Stable, for scripts: `chain_broken`, `number_missing`, `totals_differ`, …
    pub code: &'static str,
    pub message_en: String,
    pub message_fa: String,
}

impl Finding {
    pub fn new(receipt: Option<&str>, code: &'static str, en: String, fa: String) -> Finding {
        Finding {
            receipt: receipt.map(str::to_string),
            code,
            message_en: en,
            message_fa: fa,
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(n) = &self.receipt {
            write!(f, "receipt {n}: ")?;
        }
        write!(
            f,
            "{} [{}] / {}",
            self.message_en, self.code, self.message_fa
        )
    }
}

/// What a receipt must hold on its own: lines that add up to its totals, each line
/// unit × quantity, on the receipt it says, and the certificate fee only on a
/// certificate receipt. Checked by `report` as well as `audit`.
pub fn consistent(c: &Charged, out: &mut Vec<Finding>) {
    let n = Some(c.number);
    let (mut office, mut tvto) = (Some(Money::ZERO), Some(Money::ZERO));
    for l in c.lines {
        let sum = match l.kind {
            Kind::Office => &mut office,
            Kind::Tvto => &mut tvto,
        };
        *sum = sum.and_then(|s| s.checked_add(l.amount).ok());
        if Money::from_rial(l.unit.rial().saturating_mul(l.quantity as i64)).ok() != Some(l.amount)
        {
            out.push(Finding::new(
                n,
                "line_amount",
                format!(
                    "line {} is {} × {} but says {}",
                    l.line_no, l.unit, l.quantity, l.amount
                ),
                format!(
                    "مبلغ سطر {} با مبلغ واحد ضربدر تعداد نمی‌خواند",
                    fa(l.line_no)
                ),
            ));
        }
        if l.receipt_kind != Some(c.kind) {
            out.push(Finding::new(
                n,
                "line_on_other_receipt",
                format!(
                    "line {} says it is on a {} receipt, but the receipt is a {} receipt",
                    l.line_no,
                    l.receipt_kind.map_or("unknown", Stage::as_str),
                    c.kind.as_str()
                ),
                format!("سطر {} به نوع دیگری از رسید تعلق دارد", fa(l.line_no)),
            ));
        }
        if &*l.code == "certificate-fee" && c.kind != Stage::Certificate {
            out.push(Finding::new(
                n,
                "certificate_fee_elsewhere",
                format!(
                    "the certificate fee is charged on a {} receipt: it belongs only on a certificate receipt, after a final pass",
                    c.kind.as_str()
                ),
                "هزینه گواهینامه فقط پس از قبولی نهایی و روی رسید گواهینامه گرفته می‌شود".into(),
            ));
        }
    }
    let grand = office.zip(tvto).and_then(|(o, t)| o.checked_add(t).ok());
    if office != Some(c.office_total) || tvto != Some(c.tvto_total) || grand != Some(c.grand_total)
    {
        let show = |m: Option<Money>| m.map_or("out of range".to_string(), |m| m.to_string());
        out.push(Finding::new(
            n,
            "totals_differ",
            format!(
                "its lines add up to office {} and TVTO {}, but it says office {}, TVTO {}, total {}",
                show(office),
                show(tvto),
                c.office_total,
                c.tvto_total,
                c.grand_total
            ),
            "جمع سطرهای رسید با جمع‌های آن برابر نیست".into(),
        ));
    }
}

/// The ledgers of one report or audit: each given once, and one office's receipts in
/// one ledger only (a second is a copy or a rewrite).
#[derive(Default)]
pub struct Ledgers {
    /// By ledger id, and by office code: the name (path) it came from.
    ids: HashMap<String, String>,
    offices: HashMap<String, String>,
}

impl Ledgers {
    /// The ledger `name`, with its id and offices; a finding naming both when it was
    /// given before, or holds an office another one holds.
    pub fn add(&mut self, name: &str, ledger_id: &str, offices: &[String]) -> Option<Finding> {
        if let Some(other) = self.ids.insert(ledger_id.to_string(), name.to_string()) {
            return Some(Finding::new(
                None,
                "same_ledger",
                format!("{other} and {name} are the same ledger (id {ledger_id})"),
                "یک دفتر دو بار داده شده است".into(),
            ));
        }
        for office in offices {
            if let Some(other) = self.offices.insert(office.clone(), name.to_string()) {
                return Some(Finding::new(
                    None,
                    "two_ledgers_one_office",
                    format!(
                        "{other} and {name} both hold office {office}'s receipts: one office keeps one ledger, so one of them is a copy or a rewrite"
                    ),
                    "دو دفتر برای یک دفتر پیشخوان".into(),
                ));
            }
        }
        None
    }
}

/// The steps an applicant took for one exam stage: each step's first receipt (its
/// date and place in the ledger), and every service charged, with its receipt. Kept
/// small: one of these for every applicant of the ledger.
#[derive(Default)]
struct Steps {
    taken: [Option<(JalaliDate, u32)>; 3],
    services: Vec<(u16, u32)>,
}

/// Checks every receipt of a ledger against the desk's rules.
pub struct Auditor<'t> {
    tariffs: &'t Tariffs,
    /// By national ID, program and exam stage.
    steps: HashMap<(Box<str>, u16, u32), Steps>,
    /// Every receipt's number, by its place in the ledger.
    numbers: Vec<Box<str>>,
    /// Programs and service codes, numbered.
    programs: Vec<Box<str>>,
    codes: Vec<Arc<str>>,
    findings: Vec<Finding>,
}

/// The number of `s` in `list`, added if new.
fn index_of<T: AsRef<str>>(list: &mut Vec<T>, s: &str, make: impl FnOnce() -> T) -> u16 {
    match list.iter().position(|x| x.as_ref() == s) {
        Some(i) => i as u16,
        None => {
            list.push(make());
            (list.len() - 1) as u16
        }
    }
}

impl<'t> Auditor<'t> {
    pub fn new(tariffs: &'t Tariffs) -> Auditor<'t> {
        Auditor {
            tariffs,
            steps: HashMap::default(),
            numbers: Vec::new(),
            programs: Vec::new(),
            codes: Vec::new(),
            findings: Vec::new(),
        }
    }

    /// One receipt, in number order.
    pub fn receipt(&mut self, c: &Charged) {
        consistent(c, &mut self.findings);
        self.priced(c);
        let at = self.numbers.len() as u32;
        self.numbers.push(Box::from(c.number));
        let program = index_of(&mut self.programs, c.program, || Box::from(c.program));
        let key = (Box::from(c.national_id), program, c.exam_stage);
        let steps = self.steps.entry(key).or_default();
        let slot = &mut steps.taken[step(c.kind)];
        match slot {
            Some((_, first)) => {
                let first = &self.numbers[*first as usize];
                self.findings.push(Finding::new(
                    Some(c.number),
                    "charged_twice",
                    format!(
                        "applicant {} was already charged for the {} step of {} stage {} on receipt {first}",
                        c.national_id,
                        c.kind.as_str(),
                        c.program,
                        c.exam_stage
                    ),
                    format!(
                        "از این متقاضی برای همین مرحله پیش‌تر با رسید {} وجه گرفته شده است",
                        fa(first)
                    ),
                ))
            }
            None => *slot = Some((c.date, at)),
        }
        for l in c.lines {
            let code = index_of(&mut self.codes, &l.code, || l.code.clone());
            match steps.services.iter().find(|(k, _)| *k == code) {
                Some(&(_, first)) if first != at => {
                    let first = &self.numbers[first as usize];
                    self.findings.push(Finding::new(
                        Some(c.number),
                        "service_charged_twice",
                        format!(
                            "service {} was already charged to applicant {} for {} stage {} on receipt {first}",
                            l.code, c.national_id, c.program, c.exam_stage
                        ),
                        format!(
                            "این خدمت پیش‌تر با رسید {} از همین متقاضی گرفته شده است",
                            fa(first)
                        ),
                    ));
                }
                Some(_) => {}
                None => steps.services.push((code, at)),
            }
        }
    }

    /// Every line at the price of the schedule in force on the receipt's date, and
    /// every office line of the step there.
    fn priced(&mut self, c: &Charged) {
        let n = Some(c.number);
        let schedule = match self.tariffs.schedule_on(c.date) {
            Ok(s) => s,
            Err(e) => {
                self.findings.push(Finding::new(
                    n,
                    "no_schedule",
                    e.to_string(),
                    format!(
                        "در تاریخ {} هیچ جدول تعرفه‌ای معتبر نیست",
                        c.date.to_fa_digits()
                    ),
                ));
                return;
            }
        };
        let wrong = |what: String| {
            Finding::new(
                n,
                "not_the_tariff",
                format!("{what} (schedule {} in force on {})", schedule.id, c.date),
                format!(
                    "مبلغ با جدول تعرفه {} که در {} معتبر است نمی‌خواند",
                    schedule.id,
                    c.date.to_fa_digits()
                ),
            )
        };
        if c.schedule_id != schedule.id {
            self.findings.push(wrong(format!(
                "it was priced under schedule {}",
                c.schedule_id
            )));
        }
        for l in c.lines {
            let price = match l.kind {
                Kind::Office => schedule
                    .lines_of(c.kind)
                    .find(|s| *s.code == *l.code)
                    .map(|s| s.price),
                Kind::Tvto
                    if *l.code == *schedule.exam_fee.code && c.kind == Stage::Registration =>
                {
                    schedule.find_cluster(c.cluster).map(|k| k.exam_fee)
                }
                Kind::Tvto if *l.code == *schedule.certificate_fee.code => {
                    Some(schedule.certificate_fee_amount)
                }
                Kind::Tvto => None,
            };
            match price {
                None => self.findings.push(wrong(format!(
                    "line {} ({}) is not a service of the {} step",
                    l.line_no,
                    l.code,
                    c.kind.as_str()
                ))),
                Some(p) if p != l.unit || l.quantity != 1 => self.findings.push(wrong(format!(
                    "line {} ({}) charges {} × {}, the tariff is {} × 1",
                    l.line_no, l.code, l.unit, l.quantity, p
                ))),
                Some(_) => {}
            }
        }
        for s in schedule.lines_of(c.kind) {
            if !c.lines.iter().any(|l| *l.code == *s.code) {
                self.findings
                    .push(wrong(format!("service {} of the step is missing", s.code)));
            }
        }
    }

    /// The findings, with the order of steps checked now that every receipt is known.
    pub fn finish(mut self) -> Vec<Finding> {
        let mut order = Vec::new();
        for ((id, program, stage), s) in &self.steps {
            let [reg, card, cert] = &s.taken;
            // Earlier: by date, then by place in the ledger.
            let before = |earlier: &Option<(JalaliDate, u32)>, later: &(JalaliDate, u32)| {
                earlier.is_some_and(|e| e < *later)
            };
            let program = &self.programs[*program as usize];
            let mut wrong = |at: &(JalaliDate, u32), this: &str, first: &str| {
                order.push((
                    at.1,
                    out_of_order(
                        &self.numbers[at.1 as usize],
                        at.0,
                        id,
                        program,
                        *stage,
                        this,
                        first,
                    ),
                ))
            };
            if let Some(c) = card
                && !before(reg, c)
            {
                wrong(c, "slip", "registration");
            }
            if let Some(c) = cert {
                if !before(reg, c) {
                    wrong(c, "certificate", "registration");
                }
                if card.is_some() && !before(card, c) {
                    wrong(c, "certificate", "slip");
                }
            }
        }
        order.sort_by_key(|(at, _)| *at);
        self.findings.extend(order.into_iter().map(|(_, f)| f));
        self.findings
    }
}

fn step(kind: Stage) -> usize {
    match kind {
        Stage::Registration => 0,
        Stage::Card => 1,
        Stage::Certificate => 2,
    }
}

fn out_of_order(
    number: &str,
    date: JalaliDate,
    id: &str,
    program: &str,
    stage: u32,
    this: &str,
    first: &str,
) -> Finding {
    Finding::new(
        Some(number),
        "out_of_order",
        format!(
            "the {this} of applicant {id} ({program} stage {stage}) on {date} has no {first} before it"
        ),
        "ترتیب مراحل نامه رعایت نشده است: ثبت‌نام، سپس برگ اعلام زمان آزمون، سپس گواهینامه".into(),
    )
}
