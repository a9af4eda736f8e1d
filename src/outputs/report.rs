//! The fee report's renderings: a table for the terminal, one CSV for Excel, JSON, a
//! workbook, and every charged line as CSV (`--export`); the PDF is `docs::report`'s.
//! Each draws the desk's [`Report`]; none adds anything up.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use serde_json::json;

use super::safe_cell;
use super::table::Table;
use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, Unit};
use crate::core::tariff::{Kind, Stage};
use crate::core::text::{fa_grouped, to_persian_digits};
use crate::desk::audit::Charged;
use crate::desk::report::{Line, Report, Totals};
use crate::files::Growing;

/// The report as an Excel workbook, right to left: a summary (the period, the totals,
/// the receipts by step and each ledger's chain head), then the lines, the days and
/// the offices, each with a frozen header and amounts as numbers (toman, thousands
/// separated) whose totals are the report's.
pub fn xlsx(r: &Report) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook, Worksheet};
    // Amounts go into the workbook as numbers, which Excel keeps as doubles: a toman
    // amount (at most a tenth of a toman) under 2^53 is held exactly.
    let toman = |m: Money| m.rial() as f64 / 10.0;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.#");
    let count = Format::new().set_num_format("#,##0");
    let mut book = Workbook::new();
    let start = |name: &str, header: &[&str]| -> Result<Worksheet> {
        let mut ws = Worksheet::new();
        ws.set_name(name)?;
        ws.set_right_to_left(true);
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
            ws.set_column_width(c as u16, if c == 1 { 44 } else { 16 })?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(ws)
    };
    let total = r.total.split()?;

    // The summary.
    let mut ws = start("خلاصه", &["", ""])?;
    let mut row = 0;
    let mut pair =
        |ws: &mut Worksheet, label: &str, value: Option<f64>, text: Option<&str>| -> Result<()> {
            ws.write_string_with_format(row, 0, label, &bold)?;
            match (value, text) {
                (Some(v), _) => ws.write_number_with_format(row, 1, v, &money)?,
                (None, Some(t)) => ws.write_string(row, 1, t)?,
                (None, None) => ws,
            };
            row += 1;
            Ok(())
        };
    pair(&mut ws, "گزارش درآمد دفتر پیشخوان (تومان)", None, None)?;
    pair(&mut ws, "از", None, Some(&r.from.to_string()))?;
    pair(&mut ws, "تا", None, Some(&r.to.to_string()))?;
    pair(&mut ws, "درآمد دفتر", Some(toman(total.office)), None)?;
    pair(
        &mut ws,
        "وجوه سازمان آموزش فنی و حرفه‌ای",
        Some(toman(total.tvto)),
        None,
    )?;
    pair(&mut ws, "جمع کل", Some(toman(total.grand)), None)?;
    for (stage, n) in &r.counts {
        ws.write_string_with_format(row, 0, stage.name_fa(), &bold)?;
        ws.write_number_with_format(row, 1, *n as f64, &count)?;
        row += 1;
    }
    if !r.heads.is_empty() {
        row += 1;
        for (c, h) in ["سر زنجیره: کد دفتر", "سال", "آخرین رسید", "SHA-256"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(row, c as u16, *h, &bold)?;
        }
        for h in &r.heads {
            row += 1;
            ws.write_string(row, 0, &h.office_code)?;
            ws.write_number(row, 1, h.year as f64)?;
            ws.write_string(row, 2, &h.number)?;
            ws.write_string(row, 3, &h.hash)?;
        }
    }
    ws.set_column_width(0, 36)?;
    ws.set_column_width(3, 70)?;
    book.push_worksheet(ws);

    // Lines.
    let mut ws = start(
        "ردیف‌ها",
        &[
            "ردیف",
            "شرح خدمت",
            "نوع",
            "جدول تعرفه",
            "مبلغ واحد",
            "تعداد",
            "مبلغ",
        ],
    )?;
    let mut row = 0;
    for l in r.lines() {
        row += 1;
        if let Some(n) = l.row {
            ws.write_number(row, 0, f64::from(n))?;
        }
        ws.write_string(row, 1, &l.name_fa)?;
        ws.write_string(row, 2, l.kind.as_str())?;
        ws.write_string(row, 3, &l.schedule_id)?;
        ws.write_number_with_format(row, 4, toman(l.unit), &money)?;
        ws.write_number_with_format(row, 5, l.count as f64, &count)?;
        ws.write_number_with_format(row, 6, toman(l.amount), &money)?;
    }
    for (label, m) in [
        ("درآمد دفتر", total.office),
        ("وجوه سازمان", total.tvto),
        ("جمع کل", total.grand),
    ] {
        row += 1;
        ws.write_string_with_format(row, 1, label, &bold)?;
        ws.write_number_with_format(row, 6, toman(m), &money)?;
    }
    book.push_worksheet(ws);

    // Days and offices.
    let split_sheet = |name: &str,
                       first: &str,
                       rows: &mut dyn Iterator<Item = (String, &Totals)>|
     -> Result<Worksheet> {
        let mut ws = start(name, &[first, "درآمد دفتر", "وجوه سازمان", "جمع"])?;
        for (i, (key, t)) in rows.enumerate() {
            let (row, s) = (i as u32 + 1, t.split()?);
            ws.write_string(row, 0, &key)?;
            ws.write_number_with_format(row, 1, toman(s.office), &money)?;
            ws.write_number_with_format(row, 2, toman(s.tvto), &money)?;
            ws.write_number_with_format(row, 3, toman(s.grand), &money)?;
        }
        Ok(ws)
    };
    let mut days = r.days.iter().map(|(d, t)| (d.to_string(), t));
    book.push_worksheet(split_sheet("روزها", "روز", &mut days)?);
    let mut offices = r.offices.iter().map(|(o, t)| (o.clone(), t));
    book.push_worksheet(split_sheet("دفترها", "کد دفتر", &mut offices)?);
    Ok(book.save_to_buffer()?)
}

fn toman_json(m: Money) -> serde_json::Value {
    m.json(Unit::Toman)
}

pub fn json(r: &Report) -> Result<serde_json::Value> {
    let line = |l: &Line| {
        json!({"code": l.code, "name_fa": l.name_fa, "kind": l.kind.as_str(), "schedule": l.schedule_id,
               "unit": toman_json(l.unit), "count": l.count, "amount": toman_json(l.amount)})
    };
    let totals = |t: &Totals| -> Result<serde_json::Value> {
        let s = t.split()?;
        Ok(
            json!({"office_total": toman_json(s.office), "tvto_total": toman_json(s.tvto), "grand_total": toman_json(s.grand)}),
        )
    };
    let keyed = |key: &str, k: String, t: &Totals| -> Result<serde_json::Value> {
        let mut v = totals(t)?;
        v[key] = json!(k);
        Ok(v)
    };
    let total = r.total.split()?;
    Ok(json!({
        "from": r.from.to_string(),
        "to": r.to.to_string(),
        "currency": "toman",
        "office_lines": r.lines().filter(|l| l.kind == Kind::Office).map(line).collect::<Vec<_>>(),
        "tvto_lines": r.lines().filter(|l| l.kind == Kind::Tvto).map(line).collect::<Vec<_>>(),
        "office_total": toman_json(total.office),
        "tvto_total": toman_json(total.tvto),
        "grand_total": toman_json(total.grand),
        "receipts": {
            "registration": r.count(Stage::Registration),
            "card": r.count(Stage::Card),
            "certificate": r.count(Stage::Certificate),
        },
        "days": r.days.iter().map(|(d, t)| keyed("date", d.to_string(), t)).collect::<Result<Vec<_>>>()?,
        "offices": r.offices.iter().map(|(o, t)| keyed("office_code", o.clone(), t)).collect::<Result<Vec<_>>>()?,
        "chain_heads": r.heads,
    }))
}

/// One CSV for Excel (UTF-8 with a BOM): a `section` column tells the tables apart.
pub fn csv(r: &Report) -> Result<String> {
    let toman = |m: Money| m.plain(Unit::Toman);
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
    for l in r.lines() {
        w.write_record([
            "line",
            &l.code,
            &safe_cell(&l.name_fa),
            l.kind.as_str(),
            &l.schedule_id,
            &toman(l.unit),
            &l.count.to_string(),
            &toman(l.amount),
            "",
            "",
            "",
        ])?;
    }
    // Office revenue, TVTO money and their sum, under a section and a key.
    let totals = |w: &mut csv::Writer<Vec<u8>>, section: &str, key: &str, t: &Totals| {
        let s = t.split()?;
        let cells = [section, &safe_cell(key), "", "", "", "", "", ""];
        w.write_record(cells.iter().map(|c| c.to_string()).chain([
            toman(s.office),
            toman(s.tvto),
            toman(s.grand),
        ]))?;
        Ok::<_, anyhow::Error>(())
    };
    for (d, t) in &r.days {
        totals(&mut w, "day", &d.to_string(), t)?;
    }
    for (o, t) in &r.offices {
        totals(&mut w, "office", o, t)?;
    }
    for (kind, n) in &r.counts {
        w.write_record([
            "receipts",
            kind.as_str(),
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
    totals(&mut w, "total", "", &r.total)?;
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow!("{e}"))?,
    )?)
}

pub fn table(r: &Report) -> Result<String> {
    let toman = |m: Money| m.grouped_fa(Unit::Toman);
    let mut out = format!(
        "گزارش درآمد دفتر از {} تا {} — مبالغ به تومان\n\n",
        r.from.to_fa_digits(),
        r.to.to_fa_digits()
    );
    if r.lines().next().is_none() {
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
    for l in r.lines() {
        t.row(vec![
            l.row
                .map(|n| to_persian_digits(&n.to_string()))
                .unwrap_or_default(),
            l.name_fa.clone(),
            l.schedule_id.clone(),
            toman(l.unit),
            fa_grouped(l.count as i64),
            toman(l.amount),
        ]);
    }
    t.rule();
    let total = r.total.split()?;
    for (label, v) in [
        ("درآمد دفتر", total.office),
        ("وجوه سازمان فنی و حرفه‌ای (جدا)", total.tvto),
        ("جمع کل", total.grand),
    ] {
        t.row(vec![
            String::new(),
            label.into(),
            String::new(),
            String::new(),
            String::new(),
            toman(v),
        ]);
    }
    out.push_str(&t.render());
    out.push_str(&format!(
        "\nثبت‌نام: {} — برگ اعلام زمان آزمون: {} — گواهینامه: {}\n\n",
        fa_grouped(r.count(Stage::Registration) as i64),
        fa_grouped(r.count(Stage::Card) as i64),
        fa_grouped(r.count(Stage::Certificate) as i64)
    ));
    let days: BTreeMap<String, Totals> =
        r.days.iter().map(|(d, t)| (d.to_fa_digits(), *t)).collect();
    out.push_str(&totals_table("تاریخ", &days)?);
    if r.offices.len() > 1 {
        out.push('\n');
        out.push_str(&totals_table("کد دفتر", &r.offices)?);
    }
    // What the guild keeps: a ledger rewritten later will not end in these.
    for h in &r.heads {
        out.push_str(&format!(
            "\nسر زنجیره دفتر {} در سال {}: رسید {} (chain head {} {})\n",
            to_persian_digits(&h.office_code),
            to_persian_digits(&h.year.to_string()),
            to_persian_digits(&h.number),
            h.number,
            h.hash
        ));
    }
    Ok(out)
}

/// Office revenue, TVTO money and their sum per key (day or office), for the terminal.
fn totals_table(key: &str, rows: &BTreeMap<String, Totals>) -> Result<String> {
    let toman = |m: Money| m.grouped_fa(Unit::Toman);
    let mut t = Table::new(&[key, "درآمد دفتر", "وجوه سازمان", "جمع"]);
    for (k, v) in rows {
        let s = v.split()?;
        t.row(vec![
            to_persian_digits(k),
            toman(s.office),
            toman(s.tvto),
            toman(s.grand),
        ]);
    }
    Ok(t.render())
}

/// Every charged line of the period, one CSV row each: the stable format for
/// spreadsheets and databases (UTF-8 with a BOM, amounts in toman). Written as the
/// ledgers are read, under a temporary name, and put in place only when every
/// ledger has verified.
pub struct Export {
    w: csv::Writer<Growing>,
}

impl Export {
    pub fn start(path: &Path) -> Result<Export> {
        let mut file =
            Growing::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        file.write_all("\u{FEFF}".as_bytes())?;
        let mut w = csv::Writer::from_writer(file);
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
        Ok(Export { w })
    }

    pub fn receipt(&mut self, c: &Charged, from: JalaliDate, to: JalaliDate) -> Result<()> {
        if c.date < from || c.date > to {
            return Ok(());
        }
        let toman = |m: Money| m.plain(Unit::Toman);
        for l in c.lines {
            self.w.write_record([
                c.number,
                &c.date.to_string(),
                &c.date.iso_string(),
                &safe_cell(c.office_code),
                &safe_cell(c.national_id),
                c.kind.as_str(),
                &l.line_no.to_string(),
                &l.code,
                &safe_cell(&l.name_fa),
                &l.quantity.to_string(),
                &toman(l.unit),
                &toman(l.amount),
                l.kind.as_str(),
                &l.schedule_id,
            ])?;
        }
        Ok(())
    }

    /// The temporary file, with everything the writer held.
    fn file(self) -> Result<Growing> {
        self.w.into_inner().map_err(|e| anyhow!("{}", e.error()))
    }

    pub fn abandon(self) {
        if let Ok(f) = self.file() {
            f.abandon();
        }
    }

    pub fn finish(self, path: &Path) -> Result<()> {
        self.file()?
            .finish(path)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}
