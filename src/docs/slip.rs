//! The exam-date slip (برگ اعلام زمان آزمون): tells the applicant when and where the
//! written exam is, what to bring, and takes the applicant's signed confirmation,
//! which the letter's service line 5 («با تأیید متقاضی») charges for.

use super::proof::Block;
use super::{
    Frame, Receipt, fa, fa_text, head, label_width, labelled, pair_line, para, part_gap,
    signature_boxes,
};
use crate::typeset::{Align, Area, Cell, Color, Dir, Flow, Style, Table};

/// The slip's title.
pub const TITLE: &str = "برگ اعلام زمان آزمون";

/// Draws the slip in `f`'s sizes.
pub(super) fn draw(flow: &mut Flow, f: &Frame, r: &Receipt, proof: &Block) {
    let date_line = format!(
        "تاریخ صدور: {} {} — ساعت {}",
        r.date.weekday().name_fa(),
        r.date.to_fa_digits(),
        fa(&r.time)
    );
    head(flow, f, TITLE, r, &date_line);

    let w = f.width;
    let label = Style::regular(f.base * 0.9).color(Color::GRAY);
    // The applicant's values are data; the exam is the same on every slip.
    let (value, exam) = (Style::bold(f.base).data(), Style::bold(f.base));
    let a = &r.applicant;
    let rows = [
        ("نام و نام خانوادگی", a.full_name(), value, false),
        ("نام پدر", a.father_name.clone(), value, false),
        ("کد ملی", fa(&a.national_id), value, true),
        ("حرفه", a.trade.clone(), value, false),
        (
            "آزمون",
            format!("{} — {}", r.exam.program, r.exam.stage),
            exam,
            false,
        ),
    ];
    let pad = f.base * if f.narrow { 0.3 } else { 0.45 };
    let label_w = if f.narrow {
        label_width(f, label, pad, rows.iter().map(|row| row.0))
    } else {
        w * 0.3
    };
    let mut t = Table::new(vec![label_w, w - label_w]);
    t.padding = pad;
    for (l, v, style, ltr) in rows {
        let cell = Cell::new(v, style, Align::Right);
        let cell = if ltr {
            cell.ltr().aligned(Align::Right)
        } else {
            cell
        };
        labelled(
            &mut t,
            f,
            w - label_w,
            Cell::new(l, label, Align::Right),
            cell,
        );
    }
    if !f.narrow {
        t.fit(w, f.paper);
    }
    flow.table(f.right(), &t, 0);
    flow.skip(part_gap(f));

    // The exam date, large, in a box.
    let e = &r.exam;
    let mut lines = vec![format!(
        "تاریخ آزمون کتبی: {} {}",
        e.written_exam.weekday().name_fa(),
        e.written_exam.to_fa_digits()
    )];
    lines.push(match (&e.time, &e.venue) {
        (Some(t), Some(v)) => format!("ساعت {} — محل برگزاری: {}", fa(t), fa_text(v)),
        (Some(t), None) => format!("ساعت {} — محل برگزاری: طبق کارت ورود به جلسه", fa(t)),
        (None, Some(v)) => format!("محل برگزاری: {} — ساعت: طبق کارت ورود به جلسه", fa_text(v)),
        (None, None) => "ساعت و محل برگزاری: طبق کارت ورود به جلسه در پورتال سازمان".into(),
    });
    let big = Style::bold(f.base * 1.35);
    // The hour matters as much as the day: bold when it is known.
    let small = if e.time.is_some() {
        Style::bold(f.base * 1.15)
    } else {
        Style::regular(f.base * 1.05)
    };
    let pad = f.base * 0.8;
    flow.block(|page, y| {
        let inner = Area::new(f.margin + pad, y + pad, w - 2.0 * pad);
        let mut h = page.paragraph(inner, big, Align::Center, Dir::Rtl, &lines[0]);
        let next = Area::new(inner.x, inner.top + h, inner.w);
        h += page.paragraph(next, small, Align::Center, Dir::Rtl, &lines[1]);
        page.rect(
            f.margin,
            y,
            w,
            h + 2.0 * pad,
            None,
            Some((1.2, Color::BLACK)),
        );
        h + 2.0 * pad
    });
    flow.skip(part_gap(f));

    // What to bring, kept with its first item.
    para(flow, f, Style::bold(f.base), "همراه داشته باشید:");
    for item in [
        "• کارت ملی یا شناسنامه عکس‌دار",
        "• کارت ورود به جلسه آزمون (چاپ از پورتال سازمان)",
        "• همین برگ",
        "• لطفاً سی دقیقه پیش از آغاز آزمون در محل برگزاری حاضر شوید.",
    ] {
        para(flow, f, Style::regular(f.base), item);
    }
    flow.skip(f.base * 0.6);

    // The charge for this service, line 5.
    for l in r.lines.iter() {
        flow.block(|page, y| {
            pair_line(
                page,
                f,
                y,
                Style::regular(f.base),
                // The letter's service number, as on every receipt.
                &match l.row {
                    Some(n) => format!("هزینه خدمت ردیف {}: {}", fa(n), l.name_fa),
                    None => format!("هزینه خدمت: {}", l.name_fa),
                },
                &format!("{} {}", l.amount.grouped_fa(r.unit), r.unit.name_fa()),
            )
        });
    }
    flow.skip(f.base * 0.6);
    para(
        flow,
        f,
        Style::regular(f.base).data(),
        &format!(
            "اینجانب {} تاریخ و محل آزمون را دریافت کردم و صحت مشخصات بالا را تأیید می‌کنم.",
            r.applicant.full_name()
        ),
    );
    signature_boxes(
        flow,
        f,
        proof,
        // In the receipt's order: the office on the right.
        &["مهر و امضای دفتر پیشخوان", "امضا و اثر انگشت متقاضی"],
    );
}
