//! Loading a tariffs file: the TOML's shape, and every problem in it reported with
//! its place (dates, stages and amounts are checked here, not by serde, so one run
//! tells them all).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use super::{Approval, Cluster, Schedule, ServiceLine, Stage, Tariffs, TvtoFee};
use crate::core::jalali::JalaliDate;
use crate::core::money::Money;
use crate::core::problem::{Problem, from_toml_error};

impl Tariffs {
    /// Parses and checks a tariffs file. Returns the tariffs when there is no error,
    /// and every problem found (errors and warnings) in either case.
    pub fn parse(src: &str) -> (Option<Tariffs>, Vec<Problem>) {
        let raw: RawFile = match toml::from_str(src) {
            Ok(r) => r,
            Err(e) => return (None, vec![from_toml_error(src, &e)]),
        };
        let mut problems = Vec::new();
        let mut schedules = Vec::new();
        if raw.schedule.is_empty() {
            problems.push(Problem::error(
                "schedule",
                "no [[schedule]] in the file: at least one tariff schedule is needed",
            ));
        }
        let mut ids = HashSet::new();
        for (i, rs) in raw.schedule.into_iter().enumerate() {
            let key = if rs.id.trim().is_empty() {
                format!("schedule[{}]", i + 1)
            } else {
                format!("schedule \"{}\"", rs.id)
            };
            if rs.id.trim().is_empty() {
                problems.push(Problem::error(&key, "id is empty"));
            } else if !ids.insert(rs.id.clone()) {
                problems.push(Problem::error(&key, "duplicate schedule id"));
            }
            if let Some(s) = check_schedule(&key, rs, &mut problems) {
                schedules.push(s);
            }
        }
        schedules.sort_by_key(|s| s.in_force_from);
        check_sequence(&schedules, &mut problems);
        let ok = !problems.iter().any(Problem::is_error);
        (ok.then_some(Tariffs { schedules }), problems)
    }
}

fn check_schedule(key: &str, rs: RawSchedule, problems: &mut Vec<Problem>) -> Option<Schedule> {
    let before = problems.iter().filter(|p| p.is_error()).count();
    let date = |field: &str, value: &str, problems: &mut Vec<Problem>| {
        JalaliDate::parse(value)
            .map_err(|e| problems.push(Problem::error(format!("{key} {field}"), e.to_string())))
            .ok()
    };
    let from = date("in_force_from", &rs.in_force_from, problems);
    let until = match &rs.in_force_until {
        Some(v) => date("in_force_until", v, problems),
        None => None,
    };
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        problems.push(Problem::error(
            format!("{key} in_force_until"),
            format!("ends on {u}, before it starts on {f}"),
        ));
    }
    let money = |field: String, toman: i64, problems: &mut Vec<Problem>| {
        if toman <= 0 {
            problems.push(Problem::error(
                field,
                format!("amount must be positive, found {toman}"),
            ));
            return None;
        }
        Money::from_toman(toman)
            .map_err(|e| problems.push(Problem::error(field, format!("{toman}: {e}"))))
            .ok()
    };
    let mut approvals = Vec::new();
    for (i, ra) in rs.approval.into_iter().enumerate() {
        let akey = format!("{key} approval[{}]", i + 1);
        if let Some(d) = date(&format!("approval[{}] date", i + 1), &ra.date, problems) {
            if let Some(f) = from
                && d > f
            {
                problems.push(Problem::warning(
                    &akey,
                    format!(
                        "approval {} is dated {d}, after the schedule comes into force on {f}",
                        ra.number
                    ),
                ));
            }
            approvals.push(Approval {
                kind: ra.kind,
                number: ra.number,
                date: d,
                issuer_fa: ra.issuer_fa,
                issuer_en: ra.issuer_en,
            });
        }
    }
    if approvals.is_empty() {
        problems.push(Problem::warning(
            key,
            "no [[schedule.approval]]: receipts will cite no approving letter",
        ));
    }
    let mut lines = Vec::new();
    let (mut codes, mut rows) = (HashSet::new(), HashSet::new());
    for (i, rl) in rs.line.into_iter().enumerate() {
        let lkey = if rl.code.trim().is_empty() {
            format!("{key} line[{}]", i + 1)
        } else {
            format!("{key} line \"{}\"", rl.code)
        };
        if rl.code.trim().is_empty() {
            problems.push(Problem::error(&lkey, "code is empty"));
        } else if !codes.insert(rl.code.clone()) {
            problems.push(Problem::error(
                &lkey,
                "duplicate code: each service line needs its own",
            ));
        }
        if !rows.insert(rl.row) {
            problems.push(Problem::error(
                format!("{lkey} row"),
                format!("duplicate row {}", rl.row),
            ));
        }
        for (field, v) in [("name_fa", &rl.name_fa), ("name_en", &rl.name_en)] {
            if v.trim().is_empty() {
                problems.push(Problem::error(format!("{lkey} {field}"), "is empty"));
            }
        }
        let stage = Stage::parse(&rl.stage);
        if stage.is_none() {
            problems.push(Problem::error(
                format!("{lkey} stage"),
                format!(
                    "unknown stage \"{}\": expected registration, card or certificate",
                    rl.stage
                ),
            ));
        }
        let price = money(format!("{lkey} toman"), rl.toman, problems);
        if let (Some(stage), Some(price)) = (stage, price) {
            lines.push(ServiceLine {
                row: rl.row,
                code: rl.code,
                name_fa: rl.name_fa,
                name_en: rl.name_en,
                price,
                stage,
            });
        }
    }
    lines.sort_by_key(|l| l.row);
    for stage in [Stage::Registration, Stage::Card, Stage::Certificate] {
        if !lines.iter().any(|l| l.stage == stage) {
            problems.push(Problem::warning(
                key,
                format!("no service line for the {} stage", stage.as_str()),
            ));
        }
    }
    let declared_total = match rs.declared_total {
        Some(t) => money(format!("{key} declared_total"), t, problems),
        None => None,
    };
    if let Some(declared) = declared_total
        && problems.iter().filter(|p| p.is_error()).count() == before
    {
        let sum: Money = lines.iter().map(|l| l.price).sum();
        if sum != declared {
            problems.push(Problem::error(
                format!("{key} declared_total"),
                format!(
                    "the service lines add up to {}, but the declared total is {}",
                    sum.grouped(crate::core::money::Unit::Toman),
                    declared.grouped(crate::core::money::Unit::Toman)
                ),
            ));
        }
    }
    let mut clusters = Vec::new();
    let mut cluster_codes = HashSet::new();
    let mut fees: BTreeMap<Money, Vec<String>> = BTreeMap::new();
    for (i, rc) in rs.exam_fee.clusters.into_iter().enumerate() {
        let ckey = format!("{key} exam_fee.clusters[{}]", i + 1);
        if rc.code.trim().is_empty() {
            problems.push(Problem::error(&ckey, "code is empty"));
        } else if !cluster_codes.insert(rc.code.clone()) {
            problems.push(Problem::error(
                &ckey,
                format!("duplicate cluster code \"{}\"", rc.code),
            ));
        }
        if let Some(fee) = money(format!("{ckey} toman"), rc.toman, problems) {
            fees.entry(fee).or_default().push(rc.code.clone());
            clusters.push(Cluster {
                code: rc.code,
                name_fa: rc.name_fa,
                name_en: rc.name_en,
                exam_fee: fee,
            });
        }
    }
    if clusters.is_empty() {
        problems.push(Problem::error(
            format!("{key} exam_fee.clusters"),
            "no cluster: at least one exam fee is needed",
        ));
    }
    for (fee, codes) in fees.iter().filter(|(_, c)| c.len() > 1) {
        problems.push(Problem::warning(
            format!("{key} exam_fee.clusters"),
            format!(
                "clusters {} share the exam fee {fee}: they can only be chosen by name",
                codes.join(", ")
            ),
        ));
    }
    let certificate_fee_amount = money(
        format!("{key} certificate_fee toman"),
        rs.certificate_fee.toman,
        problems,
    );
    if problems.iter().filter(|p| p.is_error()).count() > before {
        return None;
    }
    Some(Schedule {
        id: rs.id,
        title_fa: rs.title_fa,
        title_en: rs.title_en,
        in_force_from: from?,
        in_force_until: until,
        declared_total,
        approvals,
        lines,
        exam_fee: TvtoFee {
            code: "exam-fee",
            name_fa: rs.exam_fee.name_fa,
            name_en: rs.exam_fee.name_en,
        },
        clusters,
        certificate_fee: TvtoFee {
            code: "certificate-fee",
            name_fa: rs.certificate_fee.name_fa,
            name_en: rs.certificate_fee.name_en,
        },
        certificate_fee_amount: certificate_fee_amount?,
    })
}

/// Schedules in date order must not overlap; a gap between them leaves days on
/// which nothing can be priced, which is worth a warning.
fn check_sequence(schedules: &[Schedule], problems: &mut Vec<Problem>) {
    for pair in schedules.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let key = format!("schedule \"{}\"", b.id);
        if a.in_force_from == b.in_force_from {
            problems.push(Problem::error(
                key,
                format!(
                    "overlaps schedule \"{}\": both come into force on {}",
                    a.id, a.in_force_from
                ),
            ));
            continue;
        }
        let Some(until) = a.in_force_until else {
            continue;
        };
        if until >= b.in_force_from {
            problems.push(Problem::error(
                key,
                format!(
                    "overlaps schedule \"{}\": it comes into force on {} while \"{}\" runs until {until}",
                    a.id, b.in_force_from, a.id
                ),
            ));
        } else if until.add_days(1) != Some(b.in_force_from) {
            problems.push(Problem::warning(
                key,
                format!(
                    "gap after schedule \"{}\" (ends {until}): no tariff is in force until {}",
                    a.id, b.in_force_from
                ),
            ));
        }
    }
}

// The file's shape. Dates, stages and amounts are checked above, not by serde, so
// that one run reports every problem with its place.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    schedule: Vec<RawSchedule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    id: String,
    #[serde(default)]
    title_fa: String,
    #[serde(default)]
    title_en: String,
    in_force_from: String,
    in_force_until: Option<String>,
    declared_total: Option<i64>,
    #[serde(default)]
    approval: Vec<RawApproval>,
    #[serde(default)]
    line: Vec<RawLine>,
    exam_fee: RawExamFee,
    certificate_fee: RawCertificateFee,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApproval {
    kind: String,
    number: String,
    date: String,
    #[serde(default)]
    issuer_fa: String,
    #[serde(default)]
    issuer_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    row: u32,
    code: String,
    name_fa: String,
    name_en: String,
    toman: i64,
    stage: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExamFee {
    name_fa: String,
    name_en: String,
    #[serde(default)]
    clusters: Vec<RawCluster>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    code: String,
    name_fa: String,
    name_en: String,
    toman: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCertificateFee {
    name_fa: String,
    name_en: String,
    toman: i64,
}
