//! The registration and certificate receipts: who paid what, the office's money and
//! TVTO's apart, the total in figures and in words, and the tariff's approvals.

use super::proof::Block;
use super::{
    Frame, Receipt, fa, head, label_width, labelled, ltr, para, part_gap, signature_boxes,
};
use crate::core::money::Money;
use crate::core::tariff::{Kind, Stage};
use crate::typeset::{Align, Cell, Color, Flow, Style, Table};

/// The title printed on a receipt of each step.
pub fn title_fa(kind: Stage) -> &'static str {
    match kind {
        Stage::Registration => "رسید ثبت‌نام آزمون مهارتی",
        Stage::Card => "رسید برگ اعلام زمان آزمون",
        Stage::Certificate => "رسید پرداخت هزینه گواهینامه",
    }
}

/// «هزینه صدور گواهینامه در این مرحله دریافت نمی‌شود»: the letter forbids it at registration.
pub const NO_CERTIFICATE_FEE: &str = "هزینه صدور گواهینامه در این مرحله دریافت نمی‌شود.";

/// Draws the receipt in `f`'s sizes.
pub(super) fn draw(flow: &mut Flow, f: &Frame, r: &Receipt, proof: &Block) {
    let date_line = format!(
        "تاریخ: {} {} — ساعت {}",
        r.date.weekday().name_fa(),
        r.date.to_fa_digits(),
        fa(&r.time)
    );
    head(flow, f, title_fa(r.kind), r, &date_line);
    flow.table(f.right(), &applicant_table(f, r), 0);
    flow.skip(part_gap(f));
    flow.table(f.right(), &lines_table(f, r), 1);
    flow.skip(f.base * 0.6);
    para(
        flow,
        f,
        Style::bold(f.base),
        &format!("مبلغ کل به حروف: {}", r.grand_total.words_fa(r.unit)),
    );
    if r.kind == Stage::Registration {
        para(flow, f, Style::bold(f.base), NO_CERTIFICATE_FEE);
    }
    if !r.tvto_total.is_zero() {
        // On a roll without what its table's heading just said.
        let text = if f.narrow {
            "وجوه سازمان با کارت متقاضی در پورتال سازمان پرداخت شده و درآمد دفتر نیست."
        } else {
            "وجوه سازمان آموزش فنی و حرفه‌ای به نام متقاضی و با کارت او در پورتال سازمان پرداخت شده و درآمد دفتر نیست."
        };
        para(flow, f, Style::regular(f.base * 0.9), text);
    }
    if !r.approvals.is_empty() {
        para(
            flow,
            f,
            Style::regular(f.base * 0.9),
            &approvals(r, f.narrow),
        );
    }
    signature_boxes(
        flow,
        f,
        proof,
        &["مهر و امضای دفتر پیشخوان", "امضای متقاضی"],
    );
}

fn applicant_table(f: &Frame, r: &Receipt) -> Table {
    let w = f.width;
    let label = Style::regular(f.base * 0.9).color(Color::GRAY);
    // The applicant's values are data; the exam is the same on every receipt.
    let value = Style::bold(f.base).data();
    let exam_style = Style::bold(f.base);
    let a = &r.applicant;
    let national_id = fa(&a.national_id);
    let exam = format!("{} — {}", r.exam.program, r.exam.stage);
    let written = format!(
        "{} {}",
        r.exam.written_exam.weekday().name_fa(),
        r.exam.written_exam.to_fa_digits()
    );
    // A trade whose name already gives its cluster («… (خوشه ۹۰ هزار تومانی)») is
    // not followed by it again.
    let cluster = if a.cluster.is_empty() || a.trade.contains(a.cluster.as_str()) {
        a.trade.clone()
    } else {
        format!("{} ({})", a.trade, a.cluster)
    };
    let pairs: Vec<(&str, String, bool)> = vec![
        ("نام و نام خانوادگی", a.full_name(), false),
        ("کد ملی", national_id, true),
        ("نام پدر", a.father_name.clone(), false),
        ("تلفن همراه", fa(&a.mobile), false),
        ("حرفه و خوشه", cluster, false),
        ("تاریخ آزمون کتبی", written, false),
    ];
    let mut t;
    if f.narrow {
        let pad = f.base * 0.15;
        let labels = pairs.iter().map(|(l, _, _)| *l);
        let label_w = label_width(f, label, pad, labels);
        t = Table::new(vec![label_w, w - label_w]);
        t.padding = pad;
        for (l, v, ltr) in pairs {
            let cell = Cell::new(v, value, Align::Right);
            let cell = if ltr { cell.ltr() } else { cell };
            labelled(
                &mut t,
                f,
                w - label_w,
                Cell::new(l, label, Align::Right),
                cell,
            );
        }
        labelled(
            &mut t,
            f,
            w - label_w,
            Cell::new("آزمون", label, Align::Right),
            Cell::new(exam, exam_style, Align::Right),
        );
    } else {
        t = Table::new(vec![w * 0.17, w * 0.33, w * 0.17, w * 0.33]);
        for pair in pairs.chunks(2) {
            let mut cells = Vec::new();
            for (l, v, ltr) in pair {
                cells.push(Cell::new(*l, label, Align::Right).header());
                let cell = Cell::new(v.clone(), value, Align::Right);
                cells.push(if *ltr {
                    cell.ltr().aligned(Align::Right)
                } else {
                    cell
                });
            }
            t.row(cells);
        }
        t.row(vec![
            Cell::new("آزمون", label, Align::Right).header(),
            Cell::new(exam, exam_style, Align::Right).span(3),
        ]);
        t.padding = f.base * 0.35;
        // A long name or trade takes the room a short national code leaves.
        t.fit(w, f.paper);
    }
    t
}

fn lines_table(f: &Frame, r: &Receipt) -> Table {
    let w = f.width;
    let u = r.unit.name_fa();
    let head = Style::bold(f.base * 0.95);
    let body = Style::regular(f.base);
    let strong = Style::bold(f.base);
    let money = |m: Money| m.grouped_fa(r.unit);
    let narrow = f.narrow;
    // Columns: row, service, quantity, unit price, amount; on a roll, the service
    // (its row number before it) and the amount, sized by what they hold.
    let widths = if narrow {
        vec![w * 0.7, w * 0.3]
    } else {
        vec![w * 0.07, w * 0.50, w * 0.09, w * 0.17, w * 0.17]
    };
    let cols = widths.len();
    let mut t = Table::new(widths);
    t.padding = f.base * if narrow { 0.15 } else { 0.35 };
    let mut header = Vec::new();
    if !narrow {
        header.push(Cell::new("ردیف", head, Align::Center).header());
    }
    header.push(Cell::new("شرح خدمت", head, Align::Center).header());
    if !narrow {
        header.push(Cell::new("تعداد", head, Align::Center).header());
        header.push(Cell::new(format!("مبلغ واحد ({u})"), head, Align::Center).header());
    }
    header.push(Cell::new(format!("مبلغ ({u})"), head, Align::Center).header());
    t.shaded_row(header, Color::LIGHT);

    // Office lines carry the letter's service number (1–4, 5, 6–7), whatever the
    // step; TVTO's money has rows of its own, unnumbered, so that its fee is never
    // read as one of the letter's services.
    let line_row = |t: &mut Table, l: &crate::core::tariff::QuoteLine| {
        let mut cells = Vec::new();
        if narrow {
            let mut name = match l.row {
                Some(n) => format!("{}. {}", fa(n), l.name_fa),
                None => l.name_fa.clone(),
            };
            if l.quantity > 1 {
                name = format!("{name} (× {})", fa(l.quantity));
            }
            cells.push(Cell::new(name, body, Align::Right));
        } else {
            cells.push(Cell::new(
                l.row.map(fa).unwrap_or_default(),
                body,
                Align::Center,
            ));
            cells.push(Cell::new(l.name_fa.clone(), body, Align::Right));
            cells.push(Cell::new(fa(l.quantity), body.tabular(), Align::Center));
            cells.push(Cell::new(money(l.unit), body.tabular(), Align::Right));
        }
        cells.push(Cell::new(money(l.amount), body.tabular(), Align::Right));
        t.row(cells);
    };
    let total_row = |t: &mut Table, label: &str, m: Money, style: Style, fill: Option<Color>| {
        let cells = vec![
            Cell::new(label, style, Align::Right).span(cols - 1),
            Cell::new(money(m), style.tabular(), Align::Right),
        ];
        match fill {
            Some(c) => t.shaded_row(cells, c),
            None => t.row(cells),
        }
    };

    for l in r.lines.iter().filter(|l| l.kind == Kind::Office) {
        line_row(&mut t, l);
    }
    total_row(&mut t, "جمع سهم دفتر پیشخوان", r.office_total, strong, None);
    let tvto: Vec<_> = r.lines.iter().filter(|l| l.kind == Kind::Tvto).collect();
    if !tvto.is_empty() {
        t.shaded_row(
            vec![
                Cell::new(
                    "وجوه دریافتی برای سازمان آموزش فنی و حرفه‌ای (جدا از سهم دفتر)",
                    head,
                    Align::Right,
                )
                .span(cols),
            ],
            Color::LIGHT,
        );
        for l in tvto {
            line_row(&mut t, l);
        }
        total_row(&mut t, "جمع وجوه سازمان", r.tvto_total, strong, None);
    }
    total_row(
        &mut t,
        "جمع کل پرداختی",
        r.grand_total,
        Style::bold(f.base * 1.1),
        Some(Color::LIGHT),
    );
    if narrow {
        t.fit(w, f.paper);
    }
    t
}

/// The tariff's approvals as one footnote. On a roll, in fewer words: the place the
/// issuers share («استان قم») said once, no «شماره» before a number and its date
/// in brackets after it, not «مورخ».
fn approvals(r: &Receipt, short: bool) -> String {
    let issuers: Vec<&str> = r.approvals.iter().map(|a| a.issuer_fa.as_str()).collect();
    // The last words every issuer ends with, if they leave each issuer a name.
    let common = if short {
        let words: Vec<Vec<&str>> = issuers.iter().map(|i| i.split(' ').collect()).collect();
        let mut k = 0;
        while words.iter().all(|w| w.len() > k + 2)
            && words
                .iter()
                .all(|w| w[w.len() - 1 - k] == words[0][words[0].len() - 1 - k])
        {
            k += 1;
        }
        words[0][words[0].len() - k..].join(" ")
    } else {
        String::new()
    };
    let refs: Vec<String> = r
        .approvals
        .iter()
        .map(|a| {
            let issuer = a
                .issuer_fa
                .strip_suffix(common.as_str())
                .unwrap_or(&a.issuer_fa);
            let (issuer, number) = (issuer.trim_end(), ltr(&a.number));
            let date = a.date.to_fa_digits();
            if short {
                format!("{issuer} {number} ({date})")
            } else {
                format!("{issuer} شماره {number} مورخ {date}")
            }
        })
        .collect();
    if common.is_empty() {
        format!("تعرفه مصوب: {}", refs.join("؛ "))
    } else {
        format!("تعرفه مصوب {common}: {}", refs.join("؛ "))
    }
}
