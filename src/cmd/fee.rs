//! `pishkhan fee`: price services by the schedule in force on the service date,
//! without recording anything.

use std::process::ExitCode;

use anyhow::Result;
use clap::ValueEnum;
use serde_json::{Value, json};

use super::{emit, load_tariffs, service_date};
use crate::cli::{Common, DataFormat, FormatArg};
use crate::core::jalali::JalaliDate;
use crate::core::money::Unit;
use crate::core::tariff::{Kind, Quote, Schedule, Selection, Stage};
use crate::core::text::fa_grouped;
use crate::outputs::table::Table;

const EXAMPLES: &str = "\
Examples:
  pishkhan fee --stage all --date 1402/10/26
      the letter's table: lines 1–7, total 71,796 toman
  pishkhan fee --stage registration --cluster 90000 --date 1402/10/26 --format csv
      lines 1–4 (48,479) plus the 90,000 exam fee for TVTO: 138,479
  pishkhan fee --stage certificate --count 3 --rial --date 1402/12/10
      lines 6–7 and the certificate fee for three applicants, in rial

The certificate fee is TVTO money paid only after a final pass: it never appears in
the registration stage.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Which stage's services to price
    #[arg(long, value_enum, default_value = "all", env = "PISHKHAN_STAGE")]
    pub stage: StageArg,

    /// The trade's exam cluster: its exam fee (60000, 90000), code or name
    #[arg(long, value_name = "CLUSTER", env = "PISHKHAN_CLUSTER")]
    pub cluster: Option<String>,

    /// Number of applicants
    #[arg(long, value_name = "N", default_value_t = 1, env = "PISHKHAN_COUNT",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub count: u64,

    /// Show amounts in rial instead of toman (1 toman = 10 rial)
    #[arg(long, env = "PISHKHAN_RIAL")]
    pub rial: bool,

    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    Registration,
    Card,
    Certificate,
    All,
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    let format = args.format.get();
    let tariffs = load_tariffs(common)?;
    let date = service_date(common)?;
    let schedule = tariffs.schedule_on(date)?;
    let cluster = match &args.cluster {
        Some(q) => Some(schedule.find_cluster(q).ok_or_else(|| {
            let known: Vec<String> = schedule
                .clusters
                .iter()
                .map(|c| format!("{} ({}, {})", c.exam_fee.plain(Unit::Toman), c.code, c.name_en))
                .collect();
            anyhow::anyhow!(
                "unknown cluster \"{q}\" in schedule \"{}\": expected one of {} / خوشه «{q}» شناخته نیست",
                schedule.id,
                known.join(", ")
            )
        })?),
        None => None,
    };
    let selection = match args.stage {
        StageArg::Registration => Selection::One(Stage::Registration),
        StageArg::Card => Selection::One(Stage::Card),
        StageArg::Certificate => Selection::One(Stage::Certificate),
        StageArg::All => Selection::All,
    };
    let quote = schedule.quote(selection, cluster, args.count)?;
    let unit = if args.rial { Unit::Rial } else { Unit::Toman };
    let view = View {
        date,
        schedule,
        stage: args.stage,
        cluster: cluster.map(|c| c.code.as_str()),
        count: args.count,
        quote: &quote,
        unit,
    };
    let text = match format {
        DataFormat::Json => {
            let mut s = serde_json::to_string_pretty(&view.json())?;
            s.push('\n');
            s
        }
        DataFormat::Csv => view.csv()?,
        DataFormat::Table => {
            if cluster.is_none() && selection.includes(Stage::Registration) {
                eprintln!(
                    "note: the exam fee (TVTO money) depends on the trade's cluster; add --cluster {} to include it",
                    schedule
                        .clusters
                        .iter()
                        .map(|c| c.exam_fee.plain(Unit::Toman))
                        .collect::<Vec<_>>()
                        .join("|")
                );
            }
            view.table()
        }
    };
    emit(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

struct View<'a> {
    date: JalaliDate,
    schedule: &'a Schedule,
    stage: StageArg,
    cluster: Option<&'a str>,
    count: u64,
    quote: &'a Quote,
    unit: Unit,
}

fn stage_name(stage: StageArg) -> &'static str {
    match stage {
        StageArg::Registration => "registration",
        StageArg::Card => "card",
        StageArg::Certificate => "certificate",
        StageArg::All => "all",
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Office => "office",
        Kind::Tvto => "tvto",
    }
}

impl View<'_> {
    fn json(&self) -> Value {
        let u = self.unit;
        let s = self.schedule;
        let lines: Vec<Value> = self
            .quote
            .lines
            .iter()
            .map(|l| {
                json!({
                    "row": l.row,
                    "code": l.code,
                    "name_fa": l.name_fa,
                    "name_en": l.name_en,
                    "stage": l.stage.as_str(),
                    "kind": kind_name(l.kind),
                    "quantity": l.quantity,
                    "unit": l.unit.json(u),
                    "amount": l.amount.json(u),
                })
            })
            .collect();
        json!({
            "date": self.date.to_string(),
            "date_iso": self.date.iso_string(),
            "weekday": self.date.weekday().name_en(),
            "schedule": {
                "id": s.id,
                "title_fa": s.title_fa,
                "in_force_from": s.in_force_from.to_string(),
                "in_force_until": s.in_force_until.map(|d| d.to_string()),
                "approvals": s.approvals,
            },
            "stage": stage_name(self.stage),
            "cluster": self.cluster,
            "count": self.count,
            "currency": u.name_en(),
            "lines": lines,
            "office_total": self.quote.office_total.json(u),
            "tvto_total": self.quote.tvto_total.json(u),
            "grand_total": self.quote.grand_total.json(u),
            "grand_total_words_fa": self.quote.grand_total.words_fa(u),
        })
    }

    /// One row per line, then the totals as rows of kind `total`: a file that a
    /// spreadsheet or a script reads without special cases.
    fn csv(&self) -> Result<String> {
        let u = self.unit;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "row", "code", "name_fa", "name_en", "stage", "kind", "quantity", "unit", "amount",
            "currency",
        ])?;
        for l in &self.quote.lines {
            w.write_record([
                l.row.map(|r| r.to_string()).unwrap_or_default(),
                l.code.clone(),
                l.name_fa.clone(),
                l.name_en.clone(),
                l.stage.as_str().into(),
                kind_name(l.kind).into(),
                l.quantity.to_string(),
                l.unit.plain(u),
                l.amount.plain(u),
                u.name_en().into(),
            ])?;
        }
        for (code, fa, en, amount) in self.totals() {
            w.write_record([
                "",
                code,
                fa,
                en,
                "",
                "total",
                "",
                "",
                &amount.plain(u),
                u.name_en(),
            ])?;
        }
        Ok(String::from_utf8(w.into_inner()?)?)
    }

    fn totals(
        &self,
    ) -> [(
        &'static str,
        &'static str,
        &'static str,
        crate::core::money::Money,
    ); 3] {
        let q = self.quote;
        [
            (
                "office_total",
                "جمع سهم دفتر",
                "Office total",
                q.office_total,
            ),
            (
                "tvto_total",
                "وجوه سازمان فنی و حرفه‌ای (جدا از سهم دفتر)",
                "TVTO money (apart)",
                q.tvto_total,
            ),
            ("grand_total", "جمع کل", "Grand total", q.grand_total),
        ]
    }

    fn table(&self) -> String {
        let u = self.unit;
        let s = self.schedule;
        let mut out = format!(
            "تعرفه «{}» ({}) — تاریخ خدمت {} ({}) — مبالغ به {}\n",
            s.id,
            s.title_fa,
            self.date.to_fa_digits(),
            self.date.long_fa(),
            u.name_fa()
        );
        let refs: Vec<String> = s
            .approvals
            .iter()
            .map(|a| format!("{} ({})", a.number, a.date.to_fa_digits()))
            .collect();
        if !refs.is_empty() {
            out.push_str(&format!("مستندات: {}\n", refs.join("، ")));
        }
        out.push('\n');
        let mut t = Table::new(&["ردیف", "شرح خدمت", "تعداد", "مبلغ واحد", "مبلغ", "سهم"]);
        for l in &self.quote.lines {
            t.row(vec![
                l.row.map(|r| fa_grouped(i64::from(r))).unwrap_or_default(),
                l.name_fa.clone(),
                fa_grouped(l.quantity as i64),
                l.unit.grouped_fa(u),
                l.amount.grouped_fa(u),
                match l.kind {
                    Kind::Office => "دفتر".into(),
                    Kind::Tvto => "سازمان".into(),
                },
            ]);
        }
        t.rule();
        for (code, fa, _, amount) in self.totals() {
            // The letter's own table has no TVTO money; a row of zero would only confuse.
            if code == "tvto_total" && amount.is_zero() {
                continue;
            }
            t.row(vec![
                String::new(),
                fa.into(),
                String::new(),
                String::new(),
                amount.grouped_fa(u),
                String::new(),
            ]);
        }
        out.push_str(&t.render());
        out.push_str(&format!(
            "به حروف: {}\n",
            self.quote.grand_total.words_fa(u)
        ));
        out
    }
}
