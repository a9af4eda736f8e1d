//! The monthly fee report as an A4 PDF: a header with the office and the period, the
//! service-line table with the office's revenue and TVTO's money apart, receipt
//! counts, a bar chart of daily office revenue, the per-day and per-office tables, and
//! a running heading on every page: the office, the period and «صفحه ۱ از ۲».

use crate::core::jalali::JalaliDate;
use crate::core::money::{Money, MoneyRangeError, Unit};
use crate::core::tariff::Kind;
use crate::core::tariff::Stage;
use crate::core::text::{fa_grouped, to_persian_digits};
use crate::desk::report::{Report, Split};
use crate::typeset::{
    Align, Area, Cell, Color, Dir, Document, Flow, Overflow, PageSize, Style, Table,
};

/// Why the report could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Overflow(#[from] Overflow),
    #[error("{0}")]
    Money(#[from] MoneyRangeError),
}

const MARGIN: f32 = 42.0;
/// The running heading's band at the top of every page.
const HEAD: f32 = 26.0;

fn toman(m: Money) -> String {
    m.grouped_fa(Unit::Toman)
}

/// Between the margins.
// The A4 width multiplied out before dividing, as the report was first laid out:
// `210.0 * MM` rounds differently in f32 and would move a box by 0.01 pt.
const WIDTH: f32 = 210.0 * 72.0 / 25.4 - 2.0 * MARGIN;

/// A row of `first` and the office's revenue, TVTO's money and their total.
fn split_row(first: Cell, s: &Split, style: Style) -> Vec<Cell> {
    let amount = |m: Money| Cell::new(toman(m), style.tabular(), Align::Right);
    vec![first, amount(s.office), amount(s.tvto), amount(s.grand)]
}

/// A paragraph across the page, kept whole.
fn text(f: &mut Flow, style: Style, align: Align, text: &str) {
    f.block(|page, y| page.paragraph(Area::new(MARGIN, y, WIDTH), style, align, Dir::Rtl, text));
}

/// A table under a shaded header, which starts every page the table runs onto; the
/// last `shade_last` rows shaded (totals).
fn table(f: &mut Flow, widths: &[f32], header: &[&str], rows: Vec<Vec<Cell>>, shade_last: usize) {
    let style = Style::bold(9.0);
    let mut t = Table::new(widths.to_vec());
    t.shaded_row(
        header
            .iter()
            .map(|h| Cell::new(*h, style, Align::Center).header())
            .collect(),
        Color::LIGHT,
    );
    let n = rows.len();
    for (i, cells) in rows.into_iter().enumerate() {
        if i + shade_last >= n {
            t.shaded_row(cells, Color::LIGHT);
        } else {
            t.row(cells);
        }
    }
    f.table(MARGIN + WIDTH, &t, 1);
    f.skip(10.0);
}

/// The report of `r` as an A4 PDF; `office_name` heads it when it is one office's.
pub fn render_report(r: &Report, office_name: Option<&str>) -> Result<Vec<u8>, ReportError> {
    let days = r.every_day()?;
    let total = r.total.split()?;
    let height = PageSize::A4.height().expect("A4 is cut");
    let mut f = Flow::new(PageSize::A4, MARGIN + HEAD, Some(height - MARGIN));
    let w = WIDTH;
    let body = Style::regular(9.0);
    let strong = Style::bold(9.0);

    text(
        &mut f,
        Style::bold(16.0),
        Align::Center,
        "گزارش درآمد دفتر پیشخوان خدمات دولت",
    );
    if let Some(name) = office_name {
        text(&mut f, Style::bold(11.0), Align::Center, name);
    }
    let whole_month = r.from.day() == 1
        && r.to.add_days(1).is_none_or(|d| d.day() == 1)
        && r.from.month() == r.to.month();
    let period = if whole_month {
        format!(
            "{} {}",
            r.from.month_name_fa(),
            to_persian_digits(&r.from.year().to_string())
        )
    } else {
        format!("از {} تا {}", r.from.to_fa_digits(), r.to.to_fa_digits())
    };
    text(
        &mut f,
        Style::regular(11.0),
        Align::Center,
        &format!("دوره: {period} — مبالغ به تومان"),
    );
    f.skip(8.0);

    if r.lines().next().is_none() {
        text(
            &mut f,
            strong,
            Align::Right,
            "در این دوره هیچ مبلغی دریافت نشده است.",
        );
    }
    let mut rows: Vec<Vec<Cell>> = r
        .lines()
        .map(|l| {
            vec![
                Cell::new(
                    l.row
                        .map(|n| to_persian_digits(&n.to_string()))
                        .unwrap_or_default(),
                    body,
                    Align::Center,
                ),
                Cell::new(
                    if l.kind == Kind::Tvto {
                        format!("{} (سازمان)", l.name_fa)
                    } else {
                        l.name_fa.clone()
                    },
                    body,
                    Align::Right,
                ),
                Cell::new(l.schedule_id.clone(), body, Align::Center).ltr(),
                Cell::new(toman(l.unit), body.tabular(), Align::Right),
                Cell::new(fa_grouped(l.count as i64), body.tabular(), Align::Center),
                Cell::new(toman(l.amount), body.tabular(), Align::Right),
            ]
        })
        .collect();
    for (label, v) in [
        ("درآمد دفتر", total.office),
        (
            "وجوه سازمان آموزش فنی و حرفه‌ای (جدا از درآمد دفتر)",
            total.tvto,
        ),
        ("جمع کل", total.grand),
    ] {
        rows.push(vec![
            Cell::new(label, strong, Align::Right).span(5).header(),
            Cell::new(toman(v), strong.tabular(), Align::Right),
        ]);
    }
    table(
        &mut f,
        &[w * 0.06, w * 0.46, w * 0.12, w * 0.12, w * 0.08, w * 0.16],
        &["ردیف", "شرح", "جدول تعرفه", "مبلغ واحد", "تعداد", "مبلغ"],
        rows,
        3,
    );
    text(
        &mut f,
        body,
        Align::Right,
        &format!(
            "ثبت‌نام: {} نفر — برگ اعلام زمان آزمون: {} — گواهینامه: {}",
            fa_grouped(r.count(Stage::Registration) as i64),
            fa_grouped(r.count(Stage::Card) as i64),
            fa_grouped(r.count(Stage::Certificate) as i64)
        ),
    );
    f.skip(10.0);
    chart(&mut f, &days);

    let mut day_rows: Vec<Vec<Cell>> = days
        .iter()
        .filter(|(_, s)| !s.grand.is_zero())
        .map(|(d, s)| {
            let day = format!("{} {}", d.weekday().name_fa(), d.to_fa_digits());
            split_row(Cell::new(day, body, Align::Right), s, body)
        })
        .collect();
    if !day_rows.is_empty() {
        let label = Cell::new("جمع", strong, Align::Right).header();
        day_rows.push(split_row(label, &total, strong));
        text(&mut f, strong, Align::Right, "درآمد روزانه");
        table(
            &mut f,
            &[w * 0.34, w * 0.22, w * 0.22, w * 0.22],
            &["روز", "درآمد دفتر", "وجوه سازمان", "جمع"],
            day_rows,
            1,
        );
    }
    if r.offices.len() > 1 {
        text(&mut f, strong, Align::Right, "به تفکیک دفتر");
        let rows = r
            .offices
            .iter()
            .map(|(code, t)| {
                let office = Cell::new(to_persian_digits(code), body, Align::Center);
                Ok(split_row(office, &t.split()?, body))
            })
            .collect::<Result<_, MoneyRangeError>>()?;
        table(
            &mut f,
            &[w * 0.34, w * 0.22, w * 0.22, w * 0.22],
            &["کد دفتر", "درآمد دفتر", "وجوه سازمان", "جمع"],
            rows,
            0,
        );
    }

    if !r.heads.is_empty() {
        text(
            &mut f,
            strong,
            Align::Right,
            "سر زنجیره دفترها (برای نگهداری: دفتری که بعدها بازنویسی شود به این رسیدها نمی‌رسد)",
        );
        let small = Style::regular(7.5);
        let rows = r
            .heads
            .iter()
            .map(|h| {
                vec![
                    Cell::new(to_persian_digits(&h.office_code), body, Align::Center),
                    Cell::new(to_persian_digits(&h.year.to_string()), body, Align::Center),
                    Cell::new(to_persian_digits(&h.number), body, Align::Center),
                    Cell::new(h.hash.clone(), small, Align::Center),
                ]
            })
            .collect();
        table(
            &mut f,
            &[w * 0.13, w * 0.09, w * 0.16, w * 0.62],
            &["کد دفتر", "سال", "آخرین رسید", "SHA-256"],
            rows,
            0,
        );
    }

    // The running heading, now that the page count is known.
    let n = f.page_count();
    let what = match office_name {
        Some(name) => format!("گزارش درآمد {name} — {period}"),
        None => format!("گزارش درآمد دفاتر — {period}"),
    };
    let head = Style::regular(8.5).color(Color::GRAY);
    let mut doc = Document::new(&format!("گزارش درآمد {period}"));
    for (i, mut page) in f.into_pages().into_iter().enumerate() {
        let label = format!(
            "صفحه {} از {}",
            to_persian_digits(&(i + 1).to_string()),
            to_persian_digits(&n.to_string())
        );
        let area = Area::new(MARGIN, MARGIN, w);
        page.text(area, head, Align::Right, Dir::Rtl, &what);
        page.text(area, head, Align::Left, Dir::Rtl, &label);
        let rule = MARGIN + head.line_height() + 2.0;
        page.line(MARGIN, rule, MARGIN + w, rule, 0.4, Color::RULE);
        doc.push(page)?;
    }
    Ok(doc.finish())
}

/// Bars of daily office revenue, the first day on the right.
fn chart(f: &mut Flow, days: &[(JalaliDate, Split)]) {
    if days.is_empty() {
        return;
    }
    let (h, label_h) = (150.0, 14.0);
    // A bar a day up to a month; over that, a bar a week (its first day's date
    // under it), or 60 labels would run into one another.
    let weekly = days.len() > 31;
    let bars: Vec<(JalaliDate, Money)> = if weekly {
        days.chunks(7)
            .map(|week| {
                let sum = week
                    .iter()
                    .try_fold(Money::ZERO, |a, (_, s)| a.checked_add(s.office))
                    .unwrap_or(Money::ZERO);
                (week[0].0, sum)
            })
            .collect()
    } else {
        days.iter().map(|(d, s)| (*d, s.office)).collect()
    };
    let title = Style::bold(9.0);
    let title_text = if weekly {
        "نمودار درآمد هفتگی دفتر (تومان)"
    } else {
        "نمودار درآمد روزانه دفتر (تومان)"
    };
    let max = bars.iter().map(|b| b.1).max().unwrap_or(Money::ZERO);
    let (top_toman, ticks) = axis(max.rial() / 10);
    let axis_w = 46.0;
    let w = WIDTH - axis_w;
    let slot = w / bars.len() as f32;
    let right = MARGIN + w;
    // The title and the chart kept together.
    f.block(|page, y| {
        let title_h = page.paragraph(
            Area::new(MARGIN, y, WIDTH),
            title,
            Align::Right,
            Dir::Rtl,
            title_text,
        );
        // Month names sit above the bars.
        let top = y + title_h + 10.0;
        let base = top + h;
        let small = Style::regular(7.5);
        // The y-axis, on the right where time starts, with its scale.
        page.line(right, top, right, base, 0.6, Color::BLACK);
        for k in 0..=ticks {
            let y = base - h * k as f32 / ticks as f32;
            let value = Money::from_toman(top_toman * k / ticks).unwrap_or(Money::ZERO);
            if k > 0 {
                page.line(MARGIN, y, right, y, 0.3, Color::LIGHT);
            }
            page.line(right, y, right + 3.0, y, 0.6, Color::BLACK);
            page.text(
                Area::new(right + 5.0, y - 5.0, axis_w - 5.0),
                small.tabular(),
                Align::Left,
                Dir::Rtl,
                &toman(value),
            );
        }
        page.line(MARGIN, base, right, base, 0.8, Color::BLACK);
        // Bar heights are drawing, not money: a float ratio is fine here.
        let scale = (top_toman * 10) as f32;
        let mut month = None;
        for (i, (first, value)) in bars.iter().enumerate() {
            let x = right - (i as f32 + 1.0) * slot;
            let bh = h * (value.rial() as f32 / scale);
            if !value.is_zero() {
                page.rect(
                    x + slot * 0.15,
                    base - bh,
                    slot * 0.7,
                    bh,
                    Some(Color(0.22, 0.42, 0.62)),
                    None,
                );
            }
            let label = if weekly {
                format!("{}/{}", first.month(), first.day())
            } else {
                first.day().to_string()
            };
            page.text(
                Area::new(x, base + 2.0, slot),
                small.tabular(),
                Align::Center,
                Dir::Rtl,
                &to_persian_digits(&label),
            );
            // A new month: a rule at its start and its name.
            if month != Some((first.year(), first.month())) {
                if month.is_some() {
                    page.line(x + slot, top - 8.0, x + slot, base, 0.6, Color::GRAY);
                }
                page.text(
                    Area::new(MARGIN, top - 10.0, x + slot - MARGIN - 2.0),
                    small,
                    Align::Right,
                    Dir::Rtl,
                    &format!(
                        "{} {}",
                        first.month_name_fa(),
                        to_persian_digits(&first.year().to_string())
                    ),
                );
                month = Some((first.year(), first.month()));
            }
        }
        base + label_h + 12.0 - y
    });
}

/// The y-axis for a largest bar of `max` toman: its top and its number of steps, the
/// top a round figure just above the bar (1.1 million gets 1,250,000 in five steps of
/// 250,000, not 2,000,000): the lowest top that a step of 1, 2, 2.5 or 5 times a power
/// of ten reaches in at most five steps.
fn axis(max: i64) -> (i64, i64) {
    let max = max.max(1);
    let mut power = 1i64;
    while power * 10 <= max {
        power *= 10;
    }
    // The lowest top any step reaches in five steps or fewer (the smaller step on
    // a tie); steps from a tenth of the largest bar's power of ten up.
    [power / 10, power]
        .into_iter()
        .flat_map(|k| [k, 2 * k, 5 * k / 2, 5 * k])
        .chain([10 * power])
        .filter(|step| *step > 0)
        .filter_map(|step| {
            let n = (max + step - 1) / step;
            (n <= 5).then_some((n * step, n, step))
        })
        .min_by_key(|(top, _, step)| (*top, *step))
        .map(|(top, n, _)| (top, n))
        .unwrap_or((10 * power, 1))
}

#[cfg(test)]
mod tests {
    use super::axis;

    #[test]
    fn the_axis_ends_at_a_round_figure_just_above_the_largest_bar() {
        assert_eq!(axis(1_100_000), (1_250_000, 5));
        assert_eq!(axis(1_000_000), (1_000_000, 5));
        assert_eq!(axis(48_479), (50_000, 5));
        assert_eq!(axis(2_424), (2_500, 5));
        assert_eq!(axis(1), (1, 1));
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(7), (8, 4));
        assert_eq!(axis(630_227), (750_000, 3));
        for max in [1, 9, 11, 99, 101, 12_345, 999_999, 1_000_001, 29_088_999] {
            let (top, steps) = axis(max);
            assert!(top >= max && (1..=5).contains(&steps), "{max}");
            // Less than one step above the bar.
            assert!(top - max < top / steps, "{max}: {top}");
        }
    }
}
