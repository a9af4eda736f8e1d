//! The desk's rules that are not about one applicant's row: which program and stage
//! a batch is for, when entry cards may be issued, who counts as finally passed, and
//! the rejections the batch commands share.

use anyhow::{Result, anyhow, bail};

use super::book::Registration;
use crate::core::applicant::Rejection;
use crate::core::calendar::{Calendar, ExamStage, Program};
use crate::core::jalali::JalaliDate;
use crate::core::problem::Problem;
use crate::core::tariff::Tariffs;
use crate::core::text::{fold_key, to_persian_digits};
use crate::input::BadRow;

/// The exam program: `--program`, or the calendar's only one.
pub fn program<'a>(calendar: &'a Calendar, code: Option<&str>) -> Result<&'a Program> {
    let known = || {
        calendar
            .programs
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match code {
        Some(c) => calendar
            .program(c)
            .ok_or_else(|| anyhow!("unknown program \"{c}\": the calendar has {}", known())),
        None if calendar.programs.len() == 1 => Ok(&calendar.programs[0]),
        None => bail!(
            "the calendar has several programs ({}): give --program",
            known()
        ),
    }
}

/// The exam stage a row registers for: its `exam_stage` column, or the stage whose
/// portal registration is open on the service date.
pub fn registration_stage<'a>(
    program: &'a Program,
    date: JalaliDate,
    column: &str,
) -> Result<&'a ExamStage, Rejection> {
    if column.trim().is_empty() {
        return program
            .stages
            .iter()
            .find(|s| s.portal_registration.contains(date))
            .ok_or_else(|| Rejection {
                code: "registration_closed",
                field: "exam_stage",
                message_fa: format!(
                    "در {} ثبت‌نام هیچ مرحله‌ای از «{}» باز نیست",
                    date.to_fa_digits(),
                    program.name_fa
                ),
                message_en: format!(
                    "no stage of program \"{}\" is open for registration on {date}",
                    program.code
                ),
            });
    }
    let digits: String = column.chars().filter(char::is_ascii_digit).collect();
    digits
        .parse::<u32>()
        .ok()
        .and_then(|n| program.stages.iter().find(|s| s.number == n))
        .ok_or_else(|| Rejection {
            code: "exam_stage_unknown",
            field: "exam_stage",
            message_fa: format!("مرحله «{column}» در تقویم آزمون نیست"),
            message_en: format!(
                "exam stage \"{column}\" is not in the calendar of \"{}\"",
                program.code
            ),
        })
}

/// The day a sheet is checked as if registered on, when no service date is given:
/// today when a stage takes registrations (paper forms and the portal both open),
/// else the nearest such day of the nearest stage. Returns the day and why it was
/// chosen.
pub fn registration_day(program: &Program, today: JalaliDate) -> (JalaliDate, String) {
    // The days a stage takes registrations: its paper and portal windows together.
    let open = |s: &ExamStage| {
        let (p, q) = (s.paper_registration, s.portal_registration);
        let first = match (p.first, q.first) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let last = match (p.last, q.last) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        crate::core::calendar::Window { first, last }
    };
    if let Some(s) = program.stages.iter().find(|s| open(s).contains(today)) {
        return (
            today,
            format!(
                "today, {today}, when stage {} takes registrations ({})",
                s.number,
                open(s)
            ),
        );
    }
    let nearest = program
        .stages
        .iter()
        .filter_map(|s| {
            let w = open(s);
            let day = match (w.first, w.last) {
                (Some(f), _) if today < f => f,
                (_, Some(l)) if today > l => l,
                _ => return None,
            };
            Some((day.days_until(today).abs(), day, s, w))
        })
        .min_by_key(|(gap, ..)| *gap);
    match nearest {
        Some((_, day, s, w)) => (
            day,
            format!(
                "{day}, {} day stage {} takes registrations ({w}; today, {today}, is outside it)",
                if Some(day) == w.first {
                    "the first"
                } else {
                    "the last"
                },
                s.number,
            ),
        ),
        None => (today, format!("today, {today}")),
    }
}

/// The stage whose entry cards are issued on `date`; with `number`, that stage,
/// which must be in its window. Outside every window nothing is done.
pub fn card_stage(program: &Program, number: Option<u32>, date: JalaliDate) -> Result<&ExamStage> {
    let stage = match number {
        Some(n) => program
            .stages
            .iter()
            .find(|s| s.number == n)
            .ok_or_else(|| anyhow!("program \"{}\" has no stage {n}", program.code))?,
        None => match program.stages.iter().find(|s| s.entry_card.contains(date)) {
            Some(s) => s,
            None => {
                let windows: Vec<String> = program
                    .stages
                    .iter()
                    .map(|s| format!("stage {}: {}", s.number, s.entry_card))
                    .collect();
                bail!(
                    "entry cards are not issued on {date}: the entry-card windows are {} / در تاریخ {} کارت ورود به جلسه صادر نمی‌شود",
                    windows.join(", "),
                    date.to_fa_digits()
                )
            }
        },
    };
    if !stage.entry_card.contains(date) {
        let fa = |d: Option<JalaliDate>| d.map(|d| d.to_fa_digits()).unwrap_or_default();
        bail!(
            "entry cards of stage {} are issued {}, not on {date} / کارت ورود به جلسه {} فقط از {} تا {} صادر می‌شود",
            stage.number,
            stage.entry_card,
            stage.name_fa,
            fa(stage.entry_card.first),
            fa(stage.entry_card.last)
        );
    }
    Ok(stage)
}

/// Results that mean a final pass, as TVTO's lists and clerks write them.
const PASSED: &[&str] = &[
    "قبول نهایی",
    "قبول",
    "پذیرفته",
    "passed",
    "pass",
    "final pass",
    "accepted",
];

/// Whether an exam result is a final pass: only then is the certificate fee due.
pub fn is_final_pass(result: &str) -> bool {
    let key = fold_key(result);
    PASSED.iter().any(|p| fold_key(p) == key)
}

pub fn not_passed(result: &str) -> Rejection {
    Rejection {
        code: "not_passed",
        field: "result",
        message_fa: format!(
            "نتیجه «{result}» قبولی نهایی نیست: هزینه گواهینامه فقط از قبول‌شدگان نهایی گرفته می‌شود"
        ),
        message_en: format!(
            "result \"{result}\" is not a final pass: only those who passed pay for the certificate"
        ),
    }
}

/// The letter's order of steps for the certificate fee: it is charged only after the
/// stage's written exam (the calendar's date; for a stage the calendar no longer
/// lists, the one on the registration), and only to an applicant registered before
/// the service date.
pub fn certificate_day(
    calendar: &Calendar,
    reg: &Registration,
    date: JalaliDate,
) -> Result<(), Rejection> {
    let exam = calendar
        .program(&reg.program)
        .and_then(|p| p.stages.iter().find(|s| s.number == reg.exam_stage))
        .map_or(reg.receipt.exam.written_exam, |s| s.written_exam);
    if date <= exam {
        return Err(Rejection {
            code: "before_written_exam",
            field: "date",
            message_fa: format!(
                "هزینه گواهینامه پس از آزمون کتبی ({}) گرفته می‌شود، نه در {}",
                exam.to_fa_digits(),
                date.to_fa_digits()
            ),
            message_en: format!(
                "the certificate fee is charged after the written exam of {exam}, not on {date}"
            ),
        });
    }
    if reg.receipt.date >= date {
        return Err(Rejection {
            code: "registered_after",
            field: "date",
            message_fa: format!(
                "ثبت‌نام این متقاضی ({}) پیش از {} نیست",
                reg.receipt.date.to_fa_digits(),
                date.to_fa_digits()
            ),
            message_en: format!(
                "the applicant registered on {}, not before {date}",
                reg.receipt.date
            ),
        });
    }
    Ok(())
}

/// An applicant with no registration (for `stage`, when given) in this ledger.
pub fn not_registered(stage: Option<&ExamStage>) -> Rejection {
    let (fa, en) = match stage {
        Some(s) => (
            format!("این متقاضی برای {} ثبت‌نام نکرده است", s.name_fa),
            format!("not registered for stage {} in this ledger", s.number),
        ),
        None => (
            "این متقاضی در این دفتر ثبت‌نام نکرده است".into(),
            "not registered in this ledger".into(),
        ),
    };
    Rejection {
        code: "not_registered",
        field: "national_id",
        message_fa: fa,
        message_en: en,
    }
}

/// A checked national ID (ten digits) as a number, to remember it in little room.
pub fn id_key(national_id: &str) -> u64 {
    national_id.parse().unwrap_or(u64::MAX)
}

/// The stderr line of a run that accepted national IDs of ten equal digits: where
/// they are, so the clerk checks each against the applicant's card.
pub fn equal_digit_summary(rows: &[(std::sync::Arc<str>, u64)]) -> String {
    let mut files: Vec<(&str, Vec<u64>)> = Vec::new();
    for (file, line) in rows {
        match files.iter_mut().find(|(f, _)| *f == &**file) {
            Some((_, lines)) => lines.push(*line),
            None => files.push((file, vec![*line])),
        }
    }
    let places: Vec<String> = files
        .iter()
        .map(|(f, lines)| format!("{f} {}", crate::core::text::line_list(lines)))
        .collect();
    format!(
        "national_id_equal_digits: {} national ID{} of ten equal digits accepted on {}: such IDs are issued in rare cases; check each against the applicant's card / {} کد ملی با ده رقم یکسان پذیرفته شد؛ هر یک را با کارت ملی متقاضی بسنجید",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        places.join("; "),
        crate::core::text::to_persian_digits(&rows.len().to_string())
    )
}

/// A national ID that came earlier in the same batch.
pub fn duplicate_in_batch(first_line: u64) -> Rejection {
    Rejection {
        code: "duplicate_in_batch",
        field: "national_id",
        message_fa: format!(
            "این کد ملی در سطر {} همین فهرست هم آمده است",
            to_persian_digits(&first_line.to_string())
        ),
        message_en: format!("the same national ID is on line {first_line} of this batch"),
    }
}

/// A national ID recorded for the same step with another person's details: not a
/// duplicate (nothing of the recorded receipt is this row's), and not charged.
pub fn national_id_other_person(
    number: &str,
    differences: &[(&'static str, String, String)],
) -> Rejection {
    let en: Vec<String> = differences
        .iter()
        .map(|(f, recorded, given)| format!("{f} \"{recorded}\" there, \"{given}\" here"))
        .collect();
    let fa: Vec<String> = differences
        .iter()
        .map(|(f, recorded, given)| {
            let name = match *f {
                "first_name" => "نام",
                "last_name" => "نام خانوادگی",
                "father_name" => "نام پدر",
                _ => "تاریخ تولد",
            };
            format!(
                "{name} در دفتر «{}» و اینجا «{}»",
                to_persian_digits(recorded),
                to_persian_digits(given)
            )
        })
        .collect();
    Rejection {
        code: "national_id_other_person",
        field: differences.first().map_or("national_id", |d| d.0),
        message_fa: format!(
            "این کد ملی با رسید {} برای کس دیگری ثبت شده است: {}؛ کد ملی یا مشخصات را بررسی کنید",
            to_persian_digits(number),
            fa.join("، ")
        ),
        message_en: format!(
            "this national ID is recorded on receipt {number} for another person: {}; check the national ID or the details",
            en.join(", ")
        ),
    }
}

/// An applicant whose result rows disagree: `rows` are each row's line and result.
pub fn results_conflict(rows: &[(u64, String)]) -> Rejection {
    let en: Vec<String> = rows
        .iter()
        .map(|(line, r)| format!("line {line} \"{r}\""))
        .collect();
    let fa: Vec<String> = rows
        .iter()
        .map(|(line, r)| format!("سطر {} «{r}»", to_persian_digits(&line.to_string())))
        .collect();
    Rejection {
        code: "results_conflict",
        field: "result",
        message_fa: format!(
            "نتیجه‌های این متقاضی با هم نمی‌خوانند ({})؛ هیچ‌کدام ثبت نشد: نتیجهٔ درست را یک بار بنویسید",
            fa.join("، ")
        ),
        message_en: format!(
            "this applicant's results disagree ({}); none was charged: give the true result once",
            en.join(", ")
        ),
    }
}

/// A row the sheet reader could not take apart.
pub fn malformed(bad: &BadRow) -> Rejection {
    Rejection {
        code: bad.code,
        field: bad.field,
        message_fa: bad.fa.clone(),
        message_en: bad.en.clone(),
    }
}

/// The office code receipts are numbered under; a dry run can do without one.
pub fn office_code(code: Option<&str>, dry_run: bool) -> Result<String> {
    match code {
        // It names receipt files and the ledger's receipts, and is a field of the
        // proof line every QR code carries: one spelling, nothing that leaves a
        // directory or splits a field. A code from the ledger is checked here too.
        Some(code) => Ok(crate::core::office::normalize_code(code)?),
        None if dry_run => Ok(String::new()),
        None => bail!(
            "the office code is not set: give --office-code, PISHKHAN_OFFICE_CODE or a --config file with `code` (receipt numbers are kept per office) / کد دفتر تعیین نشده است"
        ),
    }
}

/// Every day on which the calendar has the office charge something should be priced
/// by a tariff schedule. A day that is not cannot be charged (the commands refuse it
/// with a clear message), so this is a warning, not an error.
pub fn unpriced_days(t: &Tariffs, c: &Calendar) -> Vec<Problem> {
    let mut out = Vec::new();
    for p in &c.programs {
        for s in &p.stages {
            for (field, w) in [
                ("portal_registration", &s.portal_registration),
                ("entry_card", &s.entry_card),
            ] {
                let (Some(first), Some(last)) = (w.first, w.last) else {
                    continue;
                };
                let unpriced: Vec<_> = (0..=first.days_until(last))
                    .filter_map(|n| first.add_days(n))
                    .filter(|d| t.schedule_on(*d).is_err())
                    .collect();
                if let (Some(a), Some(b)) = (unpriced.first(), unpriced.last()) {
                    out.push(Problem::warning(
                        format!("program \"{}\" stage {} {field}", p.code, s.number),
                        format!(
                            "{} day(s) of the window {w}, {a}–{b}, fall under no tariff schedule: nothing can be charged on them",
                            unpriced.len()
                        ),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> Calendar {
        Calendar::parse(include_str!("../../calendar.toml"))
            .0
            .unwrap()
    }

    #[test]
    fn final_pass_spelled_loosely() {
        assert!(is_final_pass("قبول نهايي"));
        assert!(is_final_pass(" Passed "));
        assert!(!is_final_pass("مردود"));
        assert!(!is_final_pass(""));
    }

    #[test]
    fn the_registration_day_of_a_sheet_checked_without_a_date() {
        let cal = calendar();
        let p = program(&cal, None).unwrap();
        let d = |s| JalaliDate::parse(s).unwrap();
        assert_eq!(registration_day(p, d("1402/11/01")).0, d("1402/11/01"));
        // Paper forms close before 1402/11/10: the last day for both is 1402/11/09.
        let (day, why) = registration_day(p, d("1405/09/06"));
        assert_eq!(day, d("1402/11/09"));
        assert!(
            why.contains("the last day stage 4 takes registrations"),
            "{why}"
        );
        assert_eq!(registration_day(p, d("1402/01/01")).0, d("1402/10/25"));
    }

    #[test]
    fn entry_cards_only_in_their_window() {
        let cal = calendar();
        let p = program(&cal, None).unwrap();
        let d = |s| JalaliDate::parse(s).unwrap();
        assert_eq!(card_stage(p, None, d("1402/11/24")).unwrap().number, 4);
        let e = card_stage(p, None, d("1402/11/26"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("1402/11/24–1402/11/25"), "{e}");
        assert!(card_stage(p, Some(4), d("1402/11/23")).is_err());
        assert!(card_stage(p, Some(9), d("1402/11/24")).is_err());
    }
}
