//! `pishkhan fee`: price services by the schedule in force on the service date,
//! without recording anything.

use std::process::ExitCode;

use anyhow::Result;
use clap::ValueEnum;

use super::{emit, load_tariffs, service_date};
use crate::cli::{Common, DataFormat, FormatArg};
use crate::core::money::Unit;
use crate::core::tariff::{Selection, Stage};
use crate::outputs::fee::QuoteView;

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
    let view = QuoteView {
        date,
        schedule,
        stage: stage_name(args.stage),
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

fn stage_name(stage: StageArg) -> &'static str {
    match stage {
        StageArg::Registration => "registration",
        StageArg::Card => "card",
        StageArg::Certificate => "certificate",
        StageArg::All => "all",
    }
}
