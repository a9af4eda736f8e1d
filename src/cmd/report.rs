//! `pishkhan report`: the fees of a period, over one ledger or several merged. Per
//! service line (a line priced under two schedules is two rows), per day and per
//! office; the office's revenue and TVTO's money apart. The totals are checked against
//! the receipts before anything is printed.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use serde_json::json;

use super::batch::{safe_cell, write_atomic};
use super::table::Table;
use super::{emit, load_office, load_tariffs, output_format};
use crate::cli::{Common, Format, ReportArgs};
use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, Unit};
use crate::core::text::{fa_grouped, to_persian_digits};
use crate::docs;
use crate::ledger::Ledger;

/// One row of the per-line table. Amounts in rial.
#[derive(Clone, Debug, Default)]
struct Line {
    row: u32,
    code: String,
    name_fa: String,
    kind: String,
    schedule_id: String,
    unit: i64,
    count: i64,
    amount: i64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    office: i64,
    tvto: i64,
}

impl Totals {
    fn add(&mut self, kind: &str, amount: i64) {
        if kind == "office" {
            self.office += amount;
        } else {
            self.tvto += amount;
        }
    }
    fn grand(&self) -> i64 {
        self.office + self.tvto
    }
}

#[derive(Default)]
struct Report {
    from: String,
    to: String,
    lines: BTreeMap<(u8, u32, String, i64, String), Line>,
    days: BTreeMap<String, Totals>,
    offices: BTreeMap<String, Totals>,
    total: Totals,
    /// Receipts by kind: registration, card, certificate.
    counts: BTreeMap<String, i64>,
}

pub fn run(common: &Common, args: &ReportArgs) -> Result<ExitCode> {
    let (from, to) = match (&args.month, args.from, args.to) {
        (Some(m), _, _) => JalaliDate::parse_month(m)?,
        (None, Some(f), Some(t)) if f <= t => (f, t),
        (None, Some(f), Some(t)) => bail!("--from {f} is after --to {t}"),
        _ => bail!("give --month YYYY/MM, or --from and --to"),
    };
    let tariffs = load_tariffs(common)?;
    // The letter's row of each code, to list lines in its order.
    let rows: BTreeMap<&str, u32> = tariffs
        .schedules
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| (l.code.as_str(), l.row)))
        .collect();
    let mut report = Report {
        from: from.to_string(),
        to: to.to_string(),
        ..Report::default()
    };
    let mut ledgers = Vec::new();
    for path in &common.ledger {
        let ledger = Ledger::open_read_only(path)?
            .ok_or_else(|| anyhow!("no ledger at {}", path.display()))?;
        let mut receipts_total: BTreeMap<String, i64> = BTreeMap::new();
        for (office, kind, count, total) in ledger.receipt_sums(&report.from, &report.to)? {
            *report.counts.entry(kind).or_default() += count;
            *receipts_total.entry(office).or_default() += total;
        }
        let mut lines_total: BTreeMap<String, i64> = BTreeMap::new();
        for s in ledger.line_sums(&report.from, &report.to)? {
            *lines_total.entry(s.office_code.clone()).or_default() += s.amount;
            let office_first = u8::from(s.kind != "office");
            let row = rows.get(s.code.as_str()).copied().unwrap_or(u32::MAX);
            let key = (
                office_first,
                row,
                s.code.clone(),
                s.unit,
                s.schedule_id.clone(),
            );
            let line = report.lines.entry(key).or_insert_with(|| Line {
                row,
                code: s.code.clone(),
                name_fa: s.name_fa.clone(),
                kind: s.kind.clone(),
                schedule_id: s.schedule_id.clone(),
                unit: s.unit,
                ..Line::default()
            });
            line.count += s.quantity;
            line.amount += s.amount;
            report
                .days
                .entry(s.date.clone())
                .or_default()
                .add(&s.kind, s.amount);
            report
                .offices
                .entry(s.office_code.clone())
                .or_default()
                .add(&s.kind, s.amount);
            report.total.add(&s.kind, s.amount);
        }
        // The report checks itself: the lines of each office add up to its receipts.
        if lines_total != receipts_total {
            bail!(
                "{}: the charged lines ({:?}) do not add up to the receipts ({:?}) in {}–{}: the ledger is inconsistent, nothing is reported",
                path.display(),
                lines_total,
                receipts_total,
                report.from,
                report.to
            );
        }
        ledgers.push(ledger);
    }
    if let Some(path) = &args.export {
        export(&ledgers, &report, path)?;
    }
    let text = match output_format(common) {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report.json())?),
        Format::Csv => report.csv()?,
        Format::Table => report.table(),
        Format::Pdf => {
            let office_name = match report.offices.len() {
                0 | 1 => load_office(common)?.name,
                _ => None,
            };
            emit(&docs::render_report(&report.doc(from, to, office_name)))?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    emit(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Toman, as plain text (exact: a rial amount not divisible by ten keeps its decimal).
fn toman(rial: i64) -> String {
    Money::from_rial(rial).map_or_else(|_| format!("{rial} rial"), |m| m.plain(Unit::Toman))
}

fn toman_json(rial: i64) -> serde_json::Value {
    Money::from_rial(rial).map_or(serde_json::Value::Null, |m| m.json(Unit::Toman))
}

impl Report {
    fn doc(
        &self,
        from: JalaliDate,
        to: JalaliDate,
        office_name: Option<String>,
    ) -> docs::ReportDoc {
        let mut days = Vec::new();
        let mut d = Some(from);
        while let Some(day) = d.filter(|d| *d <= to) {
            let t = self.days.get(&day.to_string()).copied().unwrap_or_default();
            days.push((day, t.office, t.tvto));
            d = day.add_days(1);
        }
        let count = |k: &str| self.counts.get(k).copied().unwrap_or(0);
        docs::ReportDoc {
            office_name,
            from,
            to,
            lines: self
                .lines
                .values()
                .map(|l| docs::ReportLine {
                    row: (l.row != u32::MAX).then_some(l.row),
                    name_fa: l.name_fa.clone(),
                    schedule: l.schedule_id.clone(),
                    unit: l.unit,
                    count: l.count,
                    amount: l.amount,
                    tvto: l.kind != "office",
                })
                .collect(),
            office_total: self.total.office,
            tvto_total: self.total.tvto,
            counts: [count("registration"), count("card"), count("certificate")],
            days,
            offices: if self.offices.len() > 1 {
                self.offices
                    .iter()
                    .map(|(c, t)| (c.clone(), t.office, t.tvto))
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    fn json(&self) -> serde_json::Value {
        let line = |l: &Line| {
            json!({"code": l.code, "name_fa": l.name_fa, "kind": l.kind, "schedule": l.schedule_id,
                   "unit": toman_json(l.unit), "count": l.count, "amount": toman_json(l.amount)})
        };
        let totals = |t: &Totals| json!({"office_total": toman_json(t.office), "tvto_total": toman_json(t.tvto), "grand_total": toman_json(t.grand())});
        json!({
            "from": self.from,
            "to": self.to,
            "currency": "toman",
            "office_lines": self.lines.values().filter(|l| l.kind == "office").map(line).collect::<Vec<_>>(),
            "tvto_lines": self.lines.values().filter(|l| l.kind != "office").map(line).collect::<Vec<_>>(),
            "office_total": toman_json(self.total.office),
            "tvto_total": toman_json(self.total.tvto),
            "grand_total": toman_json(self.total.grand()),
            "receipts": {
                "registration": self.counts.get("registration").copied().unwrap_or(0),
                "card": self.counts.get("card").copied().unwrap_or(0),
                "certificate": self.counts.get("certificate").copied().unwrap_or(0),
            },
            "days": self.days.iter().map(|(d, t)| {
                let mut v = totals(t);
                v["date"] = json!(d);
                v
            }).collect::<Vec<_>>(),
            "offices": self.offices.iter().map(|(o, t)| {
                let mut v = totals(t);
                v["office_code"] = json!(o);
                v
            }).collect::<Vec<_>>(),
        })
    }

    /// One CSV for Excel (UTF-8 with a BOM): a `section` column tells the tables apart.
    fn csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer("\u{FEFF}".as_bytes().to_vec());
        w.write_record([
            "section",
            "key",
            "name_fa",
            "kind",
            "schedule",
            "unit",
            "count",
            "amount",
            "office_total",
            "tvto_total",
            "grand_total",
        ])?;
        for l in self.lines.values() {
            w.write_record([
                "line",
                &l.code,
                &safe_cell(&l.name_fa),
                &l.kind,
                &l.schedule_id,
                &toman(l.unit),
                &l.count.to_string(),
                &toman(l.amount),
                "",
                "",
                "",
            ])?;
        }
        for (section, map) in [("day", &self.days), ("office", &self.offices)] {
            for (k, t) in map {
                w.write_record([
                    section,
                    &safe_cell(k),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    &toman(t.office),
                    &toman(t.tvto),
                    &toman(t.grand()),
                ])?;
            }
        }
        for (kind, n) in &self.counts {
            w.write_record([
                "receipts",
                kind,
                "",
                "",
                "",
                "",
                &n.to_string(),
                "",
                "",
                "",
                "",
            ])?;
        }
        w.write_record([
            "total",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            &toman(self.total.office),
            &toman(self.total.tvto),
            &toman(self.total.grand()),
        ])?;
        Ok(String::from_utf8(
            w.into_inner().map_err(|e| anyhow!("{e}"))?,
        )?)
    }

    fn table(&self) -> String {
        let fa_rial = |r: i64| fa_grouped(r / 10);
        let mut out = format!(
            "گزارش درآمد دفتر از {} تا {} — مبالغ به تومان\n\n",
            to_persian_digits(&self.from),
            to_persian_digits(&self.to)
        );
        if self.lines.is_empty() {
            out.push_str("در این دوره هیچ مبلغی دریافت نشده است. (no charges in this period)\n");
        }
        let mut t = Table::new(&[
            "ردیف",
            "شرح خدمت",
            "جدول تعرفه",
            "مبلغ واحد",
            "تعداد",
            "مبلغ",
        ]);
        for l in self.lines.values() {
            t.row(vec![
                if l.row == u32::MAX {
                    String::new()
                } else {
                    to_persian_digits(&l.row.to_string())
                },
                l.name_fa.clone(),
                l.schedule_id.clone(),
                fa_rial(l.unit),
                fa_grouped(l.count),
                fa_rial(l.amount),
            ]);
        }
        t.rule();
        for (label, v) in [
            ("درآمد دفتر", self.total.office),
            ("وجوه سازمان فنی و حرفه‌ای (جدا)", self.total.tvto),
            ("جمع کل", self.total.grand()),
        ] {
            t.row(vec![
                String::new(),
                label.into(),
                String::new(),
                String::new(),
                String::new(),
                fa_rial(v),
            ]);
        }
        out.push_str(&t.render());
        let count = |k: &str| fa_grouped(self.counts.get(k).copied().unwrap_or(0));
        out.push_str(&format!(
            "\nثبت نام: {} — برگ اعلام زمان آزمون: {} — گواهینامه: {}\n\n",
            count("registration"),
            count("card"),
            count("certificate")
        ));
        out.push_str(&totals_table("تاریخ", &self.days));
        if self.offices.len() > 1 {
            out.push('\n');
            out.push_str(&totals_table("کد دفتر", &self.offices));
        }
        out
    }
}

/// Office revenue, TVTO money and their sum per key (day or office), for the terminal.
fn totals_table(key: &str, rows: &BTreeMap<String, Totals>) -> String {
    let fa_rial = |r: i64| fa_grouped(r / 10);
    let mut t = Table::new(&[key, "درآمد دفتر", "وجوه سازمان", "جمع"]);
    for (k, v) in rows {
        t.row(vec![
            to_persian_digits(k),
            fa_rial(v.office),
            fa_rial(v.tvto),
            fa_rial(v.grand()),
        ]);
    }
    t.render()
}

/// Every charged line of the period, one CSV row each: the stable format for
/// spreadsheets and databases (UTF-8 with a BOM, amounts in toman).
fn export(ledgers: &[Ledger], report: &Report, path: &std::path::Path) -> Result<()> {
    let mut w = csv::Writer::from_writer("\u{FEFF}".as_bytes().to_vec());
    w.write_record([
        "receipt_no",
        "date",
        "date_iso",
        "office_code",
        "national_id",
        "receipt_kind",
        "line_no",
        "code",
        "name_fa",
        "quantity",
        "unit_toman",
        "amount_toman",
        "kind",
        "schedule",
    ])?;
    for l in ledgers {
        l.export_lines(&report.from, &report.to, |c| {
            let unit = c[10].parse().map(toman).unwrap_or_default();
            let amount = c[11].parse().map(toman).unwrap_or_default();
            let cells = [
                c[0].clone(),
                c[1].clone(),
                c[2].clone(),
                safe_cell(&c[3]),
                safe_cell(&c[4]),
                c[5].clone(),
                c[6].clone(),
                c[7].clone(),
                safe_cell(&c[8]),
                c[9].clone(),
                unit,
                amount,
                c[12].clone(),
                c[13].clone(),
            ];
            w.write_record(&cells)?;
            Ok(())
        })?;
    }
    write_atomic(path, &w.into_inner().map_err(|e| anyhow!("{e}"))?)
}
