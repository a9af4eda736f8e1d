//! `fee`'s answer, a quote of the schedule in force, as a table, CSV or JSON.

use anyhow::Result;
use serde_json::{Value, json};

use super::table::Table;
use crate::core::jalali::JalaliDate;
use crate::core::money::Unit;
use crate::core::tariff::{Kind, Quote, Schedule};
use crate::core::text::fa_grouped;

/// A quote as `fee` shows it.
pub struct QuoteView<'a> {
    pub date: JalaliDate,
    pub schedule: &'a Schedule,
    /// The stage asked for, as `--stage` names it.
    pub stage: &'static str,
    pub cluster: Option<&'a str>,
    pub count: u64,
    pub quote: &'a Quote,
    pub unit: Unit,
}

impl QuoteView<'_> {
    pub fn json(&self) -> Value {
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
                    "kind": l.kind.as_str(),
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
            "stage": self.stage,
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
    pub fn csv(&self) -> Result<String> {
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
                l.kind.as_str().into(),
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

    pub fn table(&self) -> String {
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
