//! The fee report of a period: a pure function of what is handed in, receipt by
//! receipt ([`Report::receipt`], from ledgers verified whole) or statement by
//! statement ([`Report::statement`], signed months), folded into per-line, per-day and
//! per-office sums with the office's revenue and TVTO's money apart. The renderers
//! (terminal, CSV, JSON, workbook, PDF) draw this value; none adds anything up.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::audit::Charged;
use super::statement::Statement;
use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, MoneyRangeError};
use crate::core::tariff::{Kind, Stage};

/// One row of the per-line table: one service line at one unit price under one
/// schedule (a line priced under two schedules is two rows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The letter's row, for the order of the table; none for TVTO fees.
    pub row: Option<u32>,
    pub code: String,
    pub name_fa: String,
    pub kind: Kind,
    pub schedule_id: String,
    pub unit: Money,
    pub count: u64,
    pub amount: Money,
}

/// Office revenue and TVTO money, added up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub office: Money,
    pub tvto: Money,
}

/// Office revenue, TVTO money and their sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub office: Money,
    pub tvto: Money,
    pub grand: Money,
}

impl Totals {
    pub fn add(&mut self, kind: Kind, amount: Money) -> Result<(), MoneyRangeError> {
        match kind {
            Kind::Office => self.office = self.office.checked_add(amount)?,
            Kind::Tvto => self.tvto = self.tvto.checked_add(amount)?,
        }
        Ok(())
    }

    pub fn split(self) -> Result<Split, MoneyRangeError> {
        Ok(Split {
            office: self.office,
            tvto: self.tvto,
            grand: self.office.checked_add(self.tvto)?,
        })
    }
}

/// The last receipt of an office's year: what the guild keeps to detect a rewrite.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Head {
    pub office_code: String,
    pub year: i64,
    /// The last receipt's number, `1402-000123`.
    pub number: String,
    /// Its hash, 64 hex digits.
    pub hash: String,
}

/// A priced line's place in the report: kind, the letter's row, code, unit, schedule.
type LineKey = (Kind, u32, Arc<str>, Money, Arc<str>);

/// Why a statement cannot be added.
#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    #[error("a receipt kind \"{0}\" pishkhan does not know")]
    ReceiptKind(String),
    #[error("a line kind \"{0}\" pishkhan does not know")]
    LineKind(String),
    #[error("{0}")]
    Amount(String),
    #[error("{0}")]
    Date(String),
}

impl From<MoneyRangeError> for StatementError {
    fn from(e: MoneyRangeError) -> Self {
        StatementError::Amount(e.to_string())
    }
}

/// The report of a period: what the receipts or statements handed in add up to.
#[derive(Clone, Debug)]
pub struct Report {
    pub from: JalaliDate,
    pub to: JalaliDate,
    /// The letter's row of each line code, to list lines in its order.
    rows: BTreeMap<String, u32>,
    /// Office lines first, then TVTO's; each by the letter's row, code, unit, schedule.
    lines: BTreeMap<LineKey, Line>,
    /// The days that had a charge.
    pub days: BTreeMap<JalaliDate, Totals>,
    pub offices: BTreeMap<String, Totals>,
    pub total: Totals,
    /// Receipts by step.
    pub counts: BTreeMap<Stage, u64>,
    /// Each ledger's (or statement's) chain heads.
    pub heads: Vec<Head>,
}

impl Report {
    /// An empty report of `from`–`to` (inclusive); `rows` gives each line code's row
    /// in the letter.
    pub fn new(from: JalaliDate, to: JalaliDate, rows: BTreeMap<String, u32>) -> Report {
        Report {
            from,
            to,
            rows,
            lines: BTreeMap::new(),
            days: BTreeMap::new(),
            offices: BTreeMap::new(),
            total: Totals::default(),
            counts: BTreeMap::new(),
            heads: Vec::new(),
        }
    }

    /// The rows of the per-line table, in the letter's order, office lines first.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.values()
    }

    /// Receipts of step `kind`.
    pub fn count(&self, kind: Stage) -> u64 {
        self.counts.get(&kind).copied().unwrap_or(0)
    }

    /// The line of `key`, made when first seen.
    fn line(
        &mut self,
        kind: Kind,
        code: &str,
        name_fa: &str,
        unit: Money,
        schedule: &str,
        row: Option<u32>,
    ) -> &mut Line {
        let row = self.rows.get(code).copied().or(row);
        let key = (
            kind,
            row.unwrap_or(u32::MAX),
            Arc::from(code),
            unit,
            Arc::from(schedule),
        );
        self.lines.entry(key).or_insert_with(|| Line {
            row,
            code: code.to_string(),
            name_fa: name_fa.to_string(),
            kind,
            schedule_id: schedule.to_string(),
            unit,
            count: 0,
            amount: Money::ZERO,
        })
    }

    /// Adds one receipt, when it is of the period.
    pub fn receipt(&mut self, c: &Charged) -> Result<(), MoneyRangeError> {
        if c.date < self.from || c.date > self.to {
            return Ok(());
        }
        *self.counts.entry(c.kind).or_default() += 1;
        for l in c.lines {
            let line = self.line(l.kind, &l.code, &l.name_fa, l.unit, &l.schedule_id, None);
            line.count += l.quantity;
            line.amount = line.amount.checked_add(l.amount)?;
            self.days.entry(c.date).or_default().add(l.kind, l.amount)?;
            match self.offices.get_mut(c.office_code) {
                Some(t) => t.add(l.kind, l.amount)?,
                None => {
                    let mut t = Totals::default();
                    t.add(l.kind, l.amount)?;
                    self.offices.insert(c.office_code.to_string(), t);
                }
            }
            self.total.add(l.kind, l.amount)?;
        }
        Ok(())
    }

    /// Adds one office's signed month, as its ledger's receipts would, heads included.
    pub fn statement(&mut self, s: &Statement) -> Result<(), StatementError> {
        let money =
            |rial: i64| Money::from_rial(rial).map_err(|e| StatementError::Amount(e.to_string()));
        for (kind, n) in &s.receipts {
            let stage =
                Stage::parse(kind).ok_or_else(|| StatementError::ReceiptKind(kind.clone()))?;
            *self.counts.entry(stage).or_default() += n;
        }
        let mut office = Totals::default();
        for l in &s.lines {
            let kind =
                Kind::parse(&l.kind).ok_or_else(|| StatementError::LineKind(l.kind.clone()))?;
            let (unit, amount) = (money(l.unit)?, money(l.amount)?);
            let line = self.line(kind, &l.code, &l.name_fa, unit, &l.schedule, l.row);
            line.count += l.count;
            line.amount = line.amount.checked_add(amount)?;
            office.add(kind, amount)?;
            self.total.add(kind, amount)?;
        }
        for d in &s.days {
            let date =
                JalaliDate::parse(&d.date).map_err(|e| StatementError::Date(e.message_en()))?;
            let t = self.days.entry(date).or_default();
            t.add(Kind::Office, money(d.office)?)?;
            t.add(Kind::Tvto, money(d.tvto)?)?;
        }
        let t = self.offices.entry(s.office.clone()).or_default();
        t.add(Kind::Office, office.office)?;
        t.add(Kind::Tvto, office.tvto)?;
        for h in &s.heads {
            self.heads.push(Head {
                office_code: s.office.clone(),
                year: h.year,
                number: h.number.clone(),
                hash: h.hash.clone(),
            });
        }
        Ok(())
    }

    /// Every day of the period, those without a charge at zero.
    pub fn every_day(&self) -> Result<Vec<(JalaliDate, Split)>, MoneyRangeError> {
        let mut days = Vec::new();
        let mut d = Some(self.from);
        while let Some(day) = d.filter(|d| *d <= self.to) {
            let t = self.days.get(&day).copied().unwrap_or_default();
            days.push((day, t.split()?));
            d = day.add_days(1);
        }
        Ok(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::audit::ChargedLine;

    fn line(code: &str, kind: Kind, unit: i64, quantity: u64, schedule: &str) -> ChargedLine {
        ChargedLine {
            line_no: 1,
            row: None,
            code: Arc::from(code),
            name_fa: Arc::from(code),
            receipt_kind: None,
            kind,
            quantity,
            unit: Money::from_rial(unit).unwrap(),
            amount: Money::from_rial(unit * quantity as i64).unwrap(),
            schedule_id: Arc::from(schedule),
        }
    }

    fn charged<'a>(
        office: &'a str,
        date: &str,
        kind: Stage,
        lines: &'a [ChargedLine],
    ) -> Charged<'a> {
        let total = |k: Kind| {
            lines
                .iter()
                .filter(|l| l.kind == k)
                .fold(Money::ZERO, |a, l| a.checked_add(l.amount).unwrap())
        };
        Charged {
            number: "1402-000001",
            office_code: office,
            kind,
            national_id: "0012345679",
            program: "hcb",
            exam_stage: 4,
            date: JalaliDate::parse(date).unwrap(),
            schedule_id: "s",
            cluster: "c60",
            office_total: total(Kind::Office),
            tvto_total: total(Kind::Tvto),
            grand_total: total(Kind::Office).checked_add(total(Kind::Tvto)).unwrap(),
            lines,
        }
    }

    fn month() -> Report {
        let (from, to) = JalaliDate::parse_month("1402/10").unwrap();
        Report::new(
            from,
            to,
            [("l1".to_string(), 1), ("l2".to_string(), 2)].into(),
        )
    }

    fn rial(n: i64) -> Money {
        Money::from_rial(n).unwrap()
    }

    #[test]
    fn receipts_fold_into_lines_days_offices_and_counts() {
        let mut r = month();
        let a = [
            line("l2", Kind::Office, 100, 1, "s"),
            line("fee", Kind::Tvto, 600, 1, "s"),
        ];
        let b = [line("l1", Kind::Office, 50, 2, "s")];
        let later = [line("l1", Kind::Office, 70, 1, "t")];
        r.receipt(&charged("A", "1402/10/26", Stage::Registration, &a))
            .unwrap();
        r.receipt(&charged("A", "1402/10/26", Stage::Card, &b))
            .unwrap();
        r.receipt(&charged("B", "1402/10/30", Stage::Registration, &later))
            .unwrap();
        // Outside the month: passed over.
        r.receipt(&charged("A", "1402/11/01", Stage::Registration, &a))
            .unwrap();

        // Office lines by the letter's row, then TVTO's; one row per unit and schedule.
        let rows: Vec<(&str, u64, Money, &str)> = r
            .lines()
            .map(|l| (l.code.as_str(), l.count, l.amount, l.schedule_id.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("l1", 2, rial(100), "s"),
                ("l1", 1, rial(70), "t"),
                ("l2", 1, rial(100), "s"),
                ("fee", 1, rial(600), "s")
            ]
        );
        assert_eq!(
            r.total.split().unwrap(),
            Split {
                office: rial(270),
                tvto: rial(600),
                grand: rial(870)
            }
        );
        assert_eq!(
            (
                r.count(Stage::Registration),
                r.count(Stage::Card),
                r.count(Stage::Certificate)
            ),
            (2, 1, 0)
        );
        assert_eq!(
            r.offices["A"],
            Totals {
                office: rial(200),
                tvto: rial(600)
            }
        );
        assert_eq!(
            r.offices["B"],
            Totals {
                office: rial(70),
                tvto: Money::ZERO
            }
        );
        let days = r.every_day().unwrap();
        assert_eq!(days.len(), 30, "Dey 1402 has 30 days");
        assert_eq!(days[25].0.to_string(), "1402/10/26");
        assert_eq!(days[25].1.grand, rial(800));
        assert_eq!(days[29].1.grand, rial(70));
        assert_eq!(days[0].1, Split::default());
    }

    #[test]
    fn a_statement_adds_up_as_its_receipts_would() {
        let a = [
            line("l2", Kind::Office, 100, 1, "s"),
            line("fee", Kind::Tvto, 600, 1, "s"),
        ];
        let mut from_receipts = month();
        from_receipts
            .receipt(&charged("A", "1402/10/26", Stage::Registration, &a))
            .unwrap();

        let mut b = crate::desk::statement::Builder::new("A", "1402/10").unwrap();
        b.receipt(&charged("A", "1402/10/26", Stage::Registration, &a));
        let statement = b.finish(|_| Some("0".repeat(64)));
        let mut from_statement = month();
        from_statement.statement(&statement).unwrap();

        assert_eq!(
            from_statement.lines().collect::<Vec<_>>(),
            from_receipts.lines().collect::<Vec<_>>()
        );
        assert_eq!(from_statement.total, from_receipts.total);
        assert_eq!(from_statement.days, from_receipts.days);
        assert_eq!(from_statement.offices, from_receipts.offices);
        assert_eq!(from_statement.counts, from_receipts.counts);

        let mut bad = statement.clone();
        bad.lines[0].kind = "other".into();
        assert!(matches!(
            month().statement(&bad),
            Err(StatementError::LineKind(_))
        ));
    }

    #[test]
    fn sums_past_the_range_of_money_are_errors_not_wraps() {
        let mut r = month();
        let big = [line(
            "l1",
            Kind::Office,
            crate::core::money::MAX_RIAL,
            1,
            "s",
        )];
        r.receipt(&charged("A", "1402/10/01", Stage::Registration, &big))
            .unwrap();
        assert!(
            r.receipt(&charged("A", "1402/10/02", Stage::Registration, &big))
                .is_err()
        );
    }
}
