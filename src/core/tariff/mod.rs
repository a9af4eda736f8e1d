//! Tariff schedules: the office's approved fee per service line, and TVTO's fees that
//! the office collects on the applicant's behalf. Several dated schedules follow one
//! another; a service is priced by the schedule in force on its service date.

mod load;

use serde::{Deserialize, Serialize};

use super::jalali::JalaliDate;
use super::money::{Money, MoneyRangeError};
use super::text::fold_key;

/// When in an applicant's way through the office a fee is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Lines 1–4 and the exam fee: at registration.
    Registration,
    /// Line 5: the exam-date slip (entry card).
    Card,
    /// Lines 6–7 and the certificate fee: only after a final pass.
    Certificate,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Registration, Stage::Card, Stage::Certificate];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Registration => "registration",
            Stage::Card => "card",
            Stage::Certificate => "certificate",
        }
    }

    pub fn name_fa(self) -> &'static str {
        match self {
            Stage::Registration => "ثبت‌نام",
            Stage::Card => "اعلام زمان آزمون",
            Stage::Certificate => "صدور گواهینامه",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s.trim())
    }
}

/// Whose money a line is: the office's revenue, or TVTO's, collected on its behalf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Office,
    Tvto,
}

impl Kind {
    /// `office` or `tvto`, as ledgers, statements and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Office => "office",
            Kind::Tvto => "tvto",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Office, Kind::Tvto]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLine {
    /// The row number in the approving letter's table.
    pub row: u32,
    /// Stable across schedules: ledgers and reports key on it.
    pub code: String,
    pub name_fa: String,
    pub name_en: String,
    pub price: Money,
    pub stage: Stage,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub code: String,
    pub name_fa: String,
    pub name_en: String,
    pub exam_fee: Money,
}

/// A fee TVTO sets and the office collects for it (exam fee, certificate fee).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TvtoFee {
    pub code: &'static str,
    pub name_fa: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub kind: String,
    pub number: String,
    pub date: JalaliDate,
    pub issuer_fa: String,
    pub issuer_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub id: String,
    pub title_fa: String,
    pub title_en: String,
    pub in_force_from: JalaliDate,
    /// Last day in force, when the file says so; otherwise until the next schedule.
    pub in_force_until: Option<JalaliDate>,
    pub declared_total: Option<Money>,
    pub approvals: Vec<Approval>,
    pub lines: Vec<ServiceLine>,
    pub exam_fee: TvtoFee,
    pub clusters: Vec<Cluster>,
    pub certificate_fee: TvtoFee,
    pub certificate_fee_amount: Money,
}

/// Which stages to price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    One(Stage),
    /// Every office line: the approving letter's whole table.
    All,
}

impl Selection {
    pub fn includes(self, stage: Stage) -> bool {
        match self {
            Selection::One(s) => s == stage,
            Selection::All => true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// The letter's row for office lines; none for TVTO fees.
    pub row: Option<u32>,
    pub code: String,
    pub name_fa: String,
    pub name_en: String,
    pub stage: Stage,
    pub quantity: u64,
    pub unit: Money,
    pub amount: Money,
    pub kind: Kind,
}

/// Priced lines with the office's money and TVTO's apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    pub lines: Vec<QuoteLine>,
    pub office_total: Money,
    pub tvto_total: Money,
    pub grand_total: Money,
}

impl Schedule {
    /// The office lines of one stage, in the letter's order.
    pub fn lines_of(&self, stage: Stage) -> impl Iterator<Item = &ServiceLine> {
        self.lines.iter().filter(move |l| l.stage == stage)
    }

    /// Sum of every office line: what the letter prints as its total.
    pub fn office_lines_total(&self) -> Money {
        self.lines.iter().map(|l| l.price).sum()
    }

    /// Finds a cluster by its code, its exam fee (`60000`, `60,000`, `۶۰٬۰۰۰`) or its
    /// Persian or English name, spelled loosely.
    pub fn find_cluster(&self, query: &str) -> Option<&Cluster> {
        let key = fold_key(query);
        let key = key
            .strip_suffix(" toman")
            .or_else(|| key.strip_suffix(" تومان"))
            .unwrap_or(&key);
        if key.is_empty() {
            return None;
        }
        let by_name = self.clusters.iter().find(|c| {
            fold_key(&c.code) == key || fold_key(&c.name_fa) == key || fold_key(&c.name_en) == key
        });
        by_name.or_else(|| {
            let toman: i64 = key.parse().ok()?;
            let fee = Money::from_toman(toman).ok()?;
            let mut hits = self.clusters.iter().filter(|c| c.exam_fee == fee);
            let hit = hits.next()?;
            // An amount shared by two clusters says nothing: ask for the name.
            hits.next().is_none().then_some(hit)
        })
    }

    /// Prices `count` applicants for the selected stages.
    ///
    /// Office lines: every line of the selected stages. TVTO money: the exam fee of
    /// `cluster` when registration is selected and the cluster is known; the
    /// certificate fee when the certificate stage alone is selected, or with `All`
    /// when a cluster is given (one applicant's whole way). With `All` and no cluster
    /// this is the letter's own table, whose total is office money only. The
    /// certificate fee is never part of a registration quote.
    pub fn quote(
        &self,
        selection: Selection,
        cluster: Option<&Cluster>,
        count: u64,
    ) -> Result<Quote, MoneyRangeError> {
        let mut lines = Vec::new();
        for stage in Stage::ALL {
            if !selection.includes(stage) {
                continue;
            }
            for l in self.lines_of(stage) {
                lines.push(QuoteLine {
                    row: Some(l.row),
                    code: l.code.clone(),
                    name_fa: l.name_fa.clone(),
                    name_en: l.name_en.clone(),
                    stage,
                    quantity: count,
                    unit: l.price,
                    amount: l.price.checked_mul(count)?,
                    kind: Kind::Office,
                });
            }
        }
        let tvto_line = |fee: &TvtoFee, names: (String, String), stage, unit: Money| {
            Ok::<_, MoneyRangeError>(QuoteLine {
                row: None,
                code: fee.code.to_string(),
                name_fa: names.0,
                name_en: names.1,
                stage,
                quantity: count,
                unit,
                amount: unit.checked_mul(count)?,
                kind: Kind::Tvto,
            })
        };
        if let Some(c) = cluster.filter(|_| selection.includes(Stage::Registration)) {
            let name = (
                format!("{} ({})", self.exam_fee.name_fa, c.name_fa),
                format!("{} ({})", self.exam_fee.name_en, c.name_en),
            );
            lines.push(tvto_line(
                &self.exam_fee,
                name,
                Stage::Registration,
                c.exam_fee,
            )?);
        }
        let certificate = match selection {
            Selection::One(s) => s == Stage::Certificate,
            Selection::All => cluster.is_some(),
        };
        if certificate {
            lines.push(tvto_line(
                &self.certificate_fee,
                (
                    self.certificate_fee.name_fa.clone(),
                    self.certificate_fee.name_en.clone(),
                ),
                Stage::Certificate,
                self.certificate_fee_amount,
            )?);
        }
        let total = |kind| {
            lines
                .iter()
                .filter(|l| l.kind == kind)
                .try_fold(Money::ZERO, |a, l| a.checked_add(l.amount))
        };
        let office_total = total(Kind::Office)?;
        let tvto_total = total(Kind::Tvto)?;
        Ok(Quote {
            grand_total: office_total.checked_add(tvto_total)?,
            lines,
            office_total,
            tvto_total,
        })
    }
}

/// The schedules of a tariffs file, in date order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tariffs {
    pub schedules: Vec<Schedule>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "no tariff schedule was in force on {date}: the earliest, \"{first_id}\", starts on {first_from} / در تاریخ {date_fa} هیچ جدول تعرفه‌ای نافذ نبود"
    )]
    BeforeAll {
        date: JalaliDate,
        date_fa: String,
        first_id: String,
        first_from: JalaliDate,
    },
    #[error(
        "no tariff schedule was in force on {date}: \"{id}\" ended on {until} and none follows / در تاریخ {date_fa} هیچ جدول تعرفه‌ای نافذ نبود"
    )]
    Ended {
        date: JalaliDate,
        date_fa: String,
        id: String,
        until: JalaliDate,
    },
}

impl Tariffs {
    /// The schedule in force on `date`.
    pub fn schedule_on(&self, date: JalaliDate) -> Result<&Schedule, ScheduleError> {
        let date_fa = date.to_fa_digits();
        let Some(s) = self
            .schedules
            .iter()
            .rev()
            .find(|s| s.in_force_from <= date)
        else {
            let first = &self.schedules[0];
            return Err(ScheduleError::BeforeAll {
                date,
                date_fa,
                first_id: first.id.clone(),
                first_from: first.in_force_from,
            });
        };
        match s.in_force_until {
            Some(until) if until < date => Err(ScheduleError::Ended {
                date,
                date_fa,
                id: s.id.clone(),
                until,
            }),
            _ => Ok(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../tariffs.toml");

    fn shipped() -> Tariffs {
        let (t, problems) = Tariffs::parse(SHIPPED);
        assert!(problems.is_empty(), "{problems:?}");
        t.unwrap()
    }

    fn date(s: &str) -> JalaliDate {
        JalaliDate::parse(s).unwrap()
    }

    fn toman(n: i64) -> Money {
        Money::from_toman(n).unwrap()
    }

    #[test]
    fn shipped_schedule_is_the_letters() {
        let t = shipped();
        let s = t.schedule_on(date("1402/10/26")).unwrap();
        let prices: Vec<(u32, i64)> = s
            .lines
            .iter()
            .map(|l| (l.row, l.price.rial() / 10))
            .collect();
        assert_eq!(
            prices,
            vec![
                (1, 3900),
                (2, 4680),
                (3, 24899),
                (4, 15000),
                (5, 2800),
                (6, 15000),
                (7, 5517)
            ]
        );
        assert_eq!(s.office_lines_total(), toman(71_796));
        assert_eq!(s.declared_total, Some(toman(71_796)));
        assert_eq!(s.lines[2].name_fa, "ثبت نام + چاپ برگ");
        assert_eq!(s.certificate_fee_amount, toman(100_000));
        let numbers: Vec<&str> = s.approvals.iter().map(|a| a.number.as_str()).collect();
        assert_eq!(numbers, vec!["5654", "173428", "1402-31/5933"]);
    }

    #[test]
    fn registration_quote_never_has_the_certificate_fee() {
        let t = shipped();
        let s = t.schedule_on(date("1402/10/26")).unwrap();
        for fee in ["60000", "90000"] {
            let c = s.find_cluster(fee).unwrap();
            let q = s
                .quote(Selection::One(Stage::Registration), Some(c), 1)
                .unwrap();
            let rows: Vec<Option<u32>> = q.lines.iter().map(|l| l.row).collect();
            assert_eq!(rows, vec![Some(1), Some(2), Some(3), Some(4), None]);
            assert_eq!(q.office_total, toman(48_479));
            assert_eq!(q.tvto_total, c.exam_fee);
            assert!(q.lines.iter().all(|l| l.code != "certificate-fee"));
        }
        let c90 = s.find_cluster("90,000").unwrap();
        let q = s
            .quote(Selection::One(Stage::Registration), Some(c90), 1)
            .unwrap();
        assert_eq!(q.grand_total, toman(138_479));
    }

    #[test]
    fn all_stages_is_the_letters_table() {
        let t = shipped();
        let s = t.schedule_on(date("1402/10/26")).unwrap();
        let q = s.quote(Selection::All, None, 1).unwrap();
        assert_eq!(q.lines.len(), 7);
        assert_eq!(q.grand_total, toman(71_796));
        assert_eq!(q.tvto_total, Money::ZERO);
        let c = s.find_cluster("60000").unwrap();
        let q = s.quote(Selection::All, Some(c), 2).unwrap();
        assert_eq!(q.office_total, toman(2 * 71_796));
        assert_eq!(q.tvto_total, toman(2 * 160_000));
    }

    #[test]
    fn certificate_and_card_quotes() {
        let t = shipped();
        let s = t.schedule_on(date("1402/11/30")).unwrap();
        let q = s
            .quote(Selection::One(Stage::Certificate), None, 3)
            .unwrap();
        assert_eq!(q.office_total, toman(3 * (15_000 + 5_517)));
        assert_eq!(q.tvto_total, toman(300_000));
        let q = s.quote(Selection::One(Stage::Card), None, 5).unwrap();
        assert_eq!(q.grand_total, toman(14_000));
    }

    #[test]
    fn finds_clusters_loosely() {
        let t = shipped();
        let s = &t.schedules[0];
        for q in ["60000", "60,000", "۶۰٬۰۰۰", "٦٠٠٠٠", "60000 toman", "c60"] {
            assert_eq!(
                s.find_cluster(q).map(|c| c.code.as_str()),
                Some("c60"),
                "{q}"
            );
        }
        assert_eq!(s.find_cluster(&s.clusters[1].name_fa).unwrap().code, "c90");
        assert!(s.find_cluster("70000").is_none());
        assert!(s.find_cluster("").is_none());
    }

    #[test]
    fn a_date_before_every_schedule_is_an_error() {
        let t = shipped();
        let err = t.schedule_on(date("1401/01/01")).unwrap_err().to_string();
        assert!(
            err.contains("no tariff schedule was in force on 1401/01/01"),
            "{err}"
        );
        assert!(err.contains("1402/10/11"), "{err}");
    }

    fn with_second_schedule(first_until: &str, second_from: &str) -> String {
        let second = SHIPPED
            .split("[[schedule]]")
            .nth(1)
            .unwrap()
            .replace("id = \"qom-1402\"", "id = \"qom-1403\"")
            .replace(
                "in_force_from = \"1402/10/11\"",
                &format!("in_force_from = \"{second_from}\""),
            )
            .replace("toman = 24899", "toman = 29899")
            .replace("declared_total = 71796", "declared_total = 76796");
        let first = SHIPPED.replace(
            "in_force_from = \"1402/10/11\"",
            &format!("in_force_from = \"1402/10/11\"\nin_force_until = \"{first_until}\""),
        );
        format!("{first}\n[[schedule]]{second}")
    }

    #[test]
    fn several_schedules_price_by_service_date() {
        let src = with_second_schedule("1402/12/29", "1403/01/01");
        let (t, problems) = Tariffs::parse(&src);
        assert!(problems.is_empty(), "{problems:?}");
        let t = t.unwrap();
        assert_eq!(t.schedule_on(date("1402/12/29")).unwrap().id, "qom-1402");
        assert_eq!(t.schedule_on(date("1403/01/01")).unwrap().id, "qom-1403");
        let s = t.schedule_on(date("1403/05/01")).unwrap();
        let q = s
            .quote(Selection::One(Stage::Registration), None, 1)
            .unwrap();
        assert_eq!(q.office_total, toman(53_479));
    }

    #[test]
    fn overlapping_schedules_and_gaps() {
        let (t, problems) = Tariffs::parse(&with_second_schedule("1403/01/05", "1403/01/01"));
        assert!(t.is_none());
        assert!(
            problems.iter().any(|p| p.is_error()
                && p.key == "schedule \"qom-1403\""
                && p.message.contains("overlaps schedule \"qom-1402\"")),
            "{problems:?}"
        );
        let (t, problems) = Tariffs::parse(&with_second_schedule("1402/12/20", "1403/01/01"));
        let t = t.expect("a gap is only a warning");
        assert!(
            problems
                .iter()
                .any(|p| !p.is_error() && p.message.contains("gap"))
        );
        let err = t.schedule_on(date("1402/12/25")).unwrap_err().to_string();
        assert!(err.contains("ended on 1402/12/20"), "{err}");
    }

    #[test]
    fn reports_every_problem_with_its_key() {
        let src = SHIPPED
            .replace("toman = 3900", "toman = 0")
            .replace("stage = \"card\"", "stage = \"entry\"")
            .replace("code = \"check-documents\"", "code = \"authenticate\"")
            .replace("date = \"1402/09/29\"", "date = \"1402/09/31\"");
        let (t, problems) = Tariffs::parse(&src);
        assert!(t.is_none());
        let has = |key: &str, text: &str| {
            problems
                .iter()
                .any(|p| p.is_error() && p.key == key && p.message.contains(text))
        };
        assert!(
            has(
                "schedule \"qom-1402\" line \"authenticate\" toman",
                "must be positive, found 0"
            ),
            "{problems:#?}"
        );
        assert!(
            has(
                "schedule \"qom-1402\" line \"exam-slip\" stage",
                "unknown stage \"entry\""
            ),
            "{problems:#?}"
        );
        assert!(
            has(
                "schedule \"qom-1402\" line \"authenticate\"",
                "duplicate code"
            ),
            "{problems:#?}"
        );
        assert!(
            has("schedule \"qom-1402\" approval[1] date", "Azar has 30 days"),
            "{problems:#?}"
        );
    }

    #[test]
    fn declared_total_must_match() {
        let src = SHIPPED.replace("toman = 5517", "toman = 5518");
        let (t, problems) = Tariffs::parse(&src);
        assert!(t.is_none());
        let p = problems.iter().find(|p| p.is_error()).unwrap();
        assert_eq!(p.key, "schedule \"qom-1402\" declared_total");
        assert!(
            p.message.contains("71,797") && p.message.contains("71,796"),
            "{p}"
        );
    }

    #[test]
    fn syntax_errors_give_the_line() {
        let (t, problems) = Tariffs::parse("[[schedule]]\nid = \n");
        assert!(t.is_none());
        assert!(problems[0].key.starts_with("line 2"), "{problems:?}");
        let (_, problems) = Tariffs::parse("[[schedule]]\nidd = \"x\"\n");
        assert!(problems[0].message.contains("idd"), "{problems:?}");
    }
}
