//! The exam calendar: programs, their stages (مرحله), and each stage's windows for
//! paper forms, portal registration and entry cards, and its written-exam day.
//!
//! A window's bounds say whether they include their day: `from`/`until` include it,
//! `after`/`before` do not, so «تا قبل از ۱۴۰۲/۱۱/۱۰» is written `before = "1402/11/10"`.

use std::collections::HashSet;

use serde::Deserialize;

use super::jalali::JalaliDate;
use super::problem::{Problem, from_toml_error};

/// A window longer than this is almost certainly a typo in a year.
pub const MAX_WINDOW_DAYS: i64 = 365;

/// A span of days; either end may be open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First day inside the window.
    pub first: Option<JalaliDate>,
    /// Last day inside the window.
    pub last: Option<JalaliDate>,
}

impl Window {
    pub fn contains(&self, d: JalaliDate) -> bool {
        self.first.is_none_or(|f| f <= d) && self.last.is_none_or(|l| d <= l)
    }

    /// Days in the window, when both ends are closed.
    pub fn days(&self) -> Option<i64> {
        Some(self.first?.days_until(self.last?) + 1)
    }
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let end = |d: Option<JalaliDate>| d.map_or("…".to_string(), |d| d.to_string());
        write!(f, "{}–{}", end(self.first), end(self.last))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamStage {
    pub number: u32,
    pub name_fa: String,
    /// Paper forms (ثبت‌نام دستی); the letter gives only a deadline.
    pub paper_registration: Window,
    /// Registration on the TVTO portal (ثبت‌نام متقاضیان).
    pub portal_registration: Window,
    /// Entry cards / exam-date slips (دریافت کارت ورود به جلسه).
    pub entry_card: Window,
    pub written_exam: JalaliDate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub code: String,
    pub name_fa: String,
    pub name_en: String,
    pub source: String,
    pub stages: Vec<ExamStage>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    pub programs: Vec<Program>,
}

impl Calendar {
    /// Parses and checks a calendar file: the calendar when there is no error, and
    /// every problem found (errors and warnings) in either case.
    pub fn parse(src: &str) -> (Option<Calendar>, Vec<Problem>) {
        let raw: RawFile = match toml::from_str(src) {
            Ok(r) => r,
            Err(e) => return (None, vec![from_toml_error(src, &e)]),
        };
        let mut problems = Vec::new();
        if raw.program.is_empty() {
            problems.push(Problem::error(
                "program",
                "no [[program]] in the file: at least one exam program is needed",
            ));
        }
        let mut codes = HashSet::new();
        let mut programs = Vec::new();
        for (i, rp) in raw.program.into_iter().enumerate() {
            let key = if rp.code.trim().is_empty() {
                problems.push(Problem::error(
                    format!("program[{}]", i + 1),
                    "code is empty",
                ));
                format!("program[{}]", i + 1)
            } else {
                format!("program \"{}\"", rp.code)
            };
            if !rp.code.trim().is_empty() && !codes.insert(rp.code.clone()) {
                problems.push(Problem::error(&key, "duplicate program code"));
            }
            let mut numbers = HashSet::new();
            let mut stages = Vec::new();
            for rs in rp.stage {
                let skey = format!("{key} stage {}", rs.number);
                if !numbers.insert(rs.number) {
                    problems.push(Problem::error(&skey, "duplicate stage number"));
                }
                if let Some(s) = check_stage(&skey, rs, &mut problems) {
                    stages.push(s);
                }
            }
            if stages.is_empty() && numbers.is_empty() {
                problems.push(Problem::error(&key, "no [[program.stage]]"));
            }
            stages.sort_by_key(|s| s.number);
            programs.push(Program {
                code: rp.code,
                name_fa: rp.name_fa,
                name_en: rp.name_en,
                source: rp.source,
                stages,
            });
        }
        let ok = !problems.iter().any(Problem::is_error);
        (ok.then_some(Calendar { programs }), problems)
    }

    pub fn program(&self, code: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.code == code)
    }

    /// The stages whose portal registration is open on `date`.
    pub fn registration_open_on(
        &self,
        date: JalaliDate,
    ) -> impl Iterator<Item = (&Program, &ExamStage)> {
        self.programs.iter().flat_map(move |p| {
            p.stages
                .iter()
                .filter(move |s| s.portal_registration.contains(date))
                .map(move |s| (p, s))
        })
    }
}

fn check_stage(key: &str, rs: RawStage, problems: &mut Vec<Problem>) -> Option<ExamStage> {
    let before = problems.iter().filter(|p| p.is_error()).count();
    let paper = window(
        key,
        "paper_registration",
        &rs.paper_registration,
        false,
        problems,
    );
    let portal = window(
        key,
        "portal_registration",
        &rs.portal_registration,
        true,
        problems,
    );
    let card = window(key, "entry_card", &rs.entry_card, true, problems);
    let exam = JalaliDate::parse(&rs.written_exam)
        .map_err(|e| problems.push(Problem::error(format!("{key} written_exam"), e.to_string())))
        .ok();
    if let (Some(portal), Some(card)) = (portal, card)
        && let (Some(closes), Some(opens)) = (portal.last, card.first)
        && opens <= closes
    {
        problems.push(Problem::error(
            format!("{key} entry_card"),
            format!("entry cards open on {opens}, before portal registration closes on {closes}"),
        ));
    }
    if let (Some(card), Some(exam)) = (card, exam) {
        if card.first.is_some_and(|f| exam < f) {
            problems.push(Problem::error(
                format!("{key} written_exam"),
                format!("the written exam on {exam} is before the entry-card window {card}"),
            ));
        } else if card.last.is_some_and(|l| exam <= l) {
            problems.push(Problem::warning(
                format!("{key} written_exam"),
                format!("the written exam on {exam} falls inside the entry-card window {card}"),
            ));
        }
    }
    if let (Some(paper), Some(portal)) = (paper, portal)
        && let (Some(p), Some(q)) = (paper.last, portal.last)
        && p > q
    {
        problems.push(Problem::warning(
            format!("{key} paper_registration"),
            format!("paper forms are taken until {p}, after portal registration closes on {q}"),
        ));
    }
    if problems.iter().filter(|p| p.is_error()).count() > before {
        return None;
    }
    Some(ExamStage {
        number: rs.number,
        name_fa: rs.name_fa,
        paper_registration: paper?,
        portal_registration: portal?,
        entry_card: card?,
        written_exam: exam?,
    })
}

/// Checks one window's bounds and turns them into first and last days.
fn window(
    key: &str,
    field: &str,
    rw: &RawWindow,
    needs_start: bool,
    problems: &mut Vec<Problem>,
) -> Option<Window> {
    let wkey = format!("{key} {field}");
    let errors_before = problems.iter().filter(|p| p.is_error()).count();
    let mut bound = |name: &str, v: &Option<String>| {
        v.as_deref().and_then(|s| {
            JalaliDate::parse(s)
                .map_err(|e| problems.push(Problem::error(format!("{wkey}.{name}"), e.to_string())))
                .ok()
        })
    };
    let (from, after, until, before) = (
        bound("from", &rw.from),
        bound("after", &rw.after),
        bound("until", &rw.until),
        bound("before", &rw.before),
    );
    if rw.from.is_some() && rw.after.is_some() {
        problems.push(Problem::error(
            &wkey,
            "give `from` (inclusive) or `after` (exclusive), not both",
        ));
    }
    if rw.until.is_some() && rw.before.is_some() {
        problems.push(Problem::error(
            &wkey,
            "give `until` (inclusive) or `before` (exclusive), not both",
        ));
    }
    if rw.until.is_none() && rw.before.is_none() {
        problems.push(Problem::error(
            &wkey,
            "no end: give `until` (inclusive) or `before` (exclusive)",
        ));
    }
    if needs_start && rw.from.is_none() && rw.after.is_none() {
        problems.push(Problem::error(
            &wkey,
            "no start: give `from` (inclusive) or `after` (exclusive)",
        ));
    }
    if problems.iter().filter(|p| p.is_error()).count() > errors_before {
        return None;
    }
    // An exclusive bound is the day after (or before) it; at the edge of the
    // supported years that day does not exist.
    let first = from.or_else(|| after.and_then(|d| d.add_days(1)));
    let last = until.or_else(|| before.and_then(|d| d.add_days(-1)));
    if (after.is_some() && first.is_none()) || (before.is_some() && last.is_none()) {
        problems.push(Problem::error(
            &wkey,
            "bound at the edge of the supported years",
        ));
        return None;
    }
    let w = Window { first, last };
    if let (Some(f), Some(l)) = (first, last)
        && f > l
    {
        problems.push(Problem::error(
            &wkey,
            format!(
                "bounds out of order: the window would run from {f} to {l}, which holds no day"
            ),
        ));
        return None;
    }
    if let Some(days) = w.days().filter(|d| *d > MAX_WINDOW_DAYS) {
        problems.push(Problem::warning(
            &wkey,
            format!("the window {w} spans {days} days, more than a year: is a year mistyped?"),
        ));
    }
    Some(w)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    program: Vec<RawProgram>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    code: String,
    #[serde(default)]
    name_fa: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    stage: Vec<RawStage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    number: u32,
    #[serde(default)]
    name_fa: String,
    paper_registration: RawWindow,
    portal_registration: RawWindow,
    entry_card: RawWindow,
    written_exam: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    from: Option<String>,
    after: Option<String>,
    until: Option<String>,
    before: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../calendar.toml");

    fn d(s: &str) -> JalaliDate {
        JalaliDate::parse(s).unwrap()
    }

    fn stage4(c: &Calendar) -> &ExamStage {
        &c.program("hcb").unwrap().stages[0]
    }

    #[test]
    fn shipped_stage_4_is_the_letters() {
        let (c, problems) = Calendar::parse(SHIPPED);
        assert!(problems.is_empty(), "{problems:?}");
        let c = c.unwrap();
        let s = stage4(&c);
        assert_eq!(s.number, 4);
        // «تا قبل از ۱۴۰۲/۱۱/۱۰»: the last paper day is the 9th.
        assert!(s.paper_registration.contains(d("1402/11/09")));
        assert!(!s.paper_registration.contains(d("1402/11/10")));
        assert_eq!(s.paper_registration.last, Some(d("1402/11/09")));
        assert!(!s.portal_registration.contains(d("1402/10/24")));
        assert!(s.portal_registration.contains(d("1402/10/25")));
        assert!(s.portal_registration.contains(d("1402/11/10")));
        assert!(!s.portal_registration.contains(d("1402/11/11")));
        assert!(!s.entry_card.contains(d("1402/11/23")));
        assert!(s.entry_card.contains(d("1402/11/24")));
        assert!(s.entry_card.contains(d("1402/11/25")));
        assert!(!s.entry_card.contains(d("1402/11/26")));
        assert_eq!(s.written_exam, d("1402/11/26"));
        assert_eq!(s.written_exam.iso_string(), "2024-02-15");
        assert_eq!(c.registration_open_on(d("1402/10/26")).count(), 1);
        assert_eq!(c.registration_open_on(d("1402/11/11")).count(), 0);
    }

    fn problems_of(src: &str) -> (bool, Vec<Problem>) {
        let (c, p) = Calendar::parse(src);
        (c.is_some(), p)
    }

    #[test]
    fn the_printed_1401_start_is_flagged() {
        let src = SHIPPED.replace("from = \"1402/10/25\"", "from = \"1401/10/25\"");
        let (ok, problems) = problems_of(&src);
        assert!(ok, "a warning does not fail");
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        assert!(!p.is_error());
        assert_eq!(p.key, "program \"hcb\" stage 4 portal_registration");
        assert!(
            p.message.contains("1401/10/25–1402/11/10 spans 381 days"),
            "{p}"
        );
    }

    #[test]
    fn order_problems_are_errors() {
        let cases = [
            (
                ("until = \"1402/11/10\"", "until = \"1402/10/20\""),
                "portal_registration",
                "bounds out of order",
            ),
            (
                ("from = \"1402/11/24\"", "from = \"1402/11/05\""),
                "entry_card",
                "before portal registration closes on 1402/11/10",
            ),
            (
                (
                    "written_exam = \"1402/11/26\"",
                    "written_exam = \"1402/11/20\"",
                ),
                "written_exam",
                "before the entry-card window",
            ),
            (
                (
                    "written_exam = \"1402/11/26\"",
                    "written_exam = \"1402/11/31\"",
                ),
                "written_exam",
                "Bahman has 30 days",
            ),
        ];
        for ((from, to), field, text) in cases {
            let (ok, problems) = problems_of(&SHIPPED.replace(from, to));
            assert!(!ok, "{to}");
            assert!(
                problems.iter().any(|p| p.is_error()
                    && p.key == format!("program \"hcb\" stage 4 {field}")
                    && p.message.contains(text)),
                "{to}: {problems:#?}"
            );
        }
    }

    #[test]
    fn bounds_must_be_unambiguous() {
        let src = SHIPPED.replace(
            "before = \"1402/11/10\"",
            "before = \"1402/11/10\", until = \"1402/11/09\"",
        );
        let (ok, problems) = problems_of(&src);
        assert!(!ok);
        assert!(problems[0].message.contains("not both"), "{problems:?}");
        let src = SHIPPED.replace("entry_card = { from = \"1402/11/24\", ", "entry_card = { ");
        let (ok, problems) = problems_of(&src);
        assert!(!ok);
        assert!(problems[0].message.contains("no start"), "{problems:?}");
    }

    #[test]
    fn several_programs_and_stages_fit() {
        let extra = r#"
[[program.stage]]
number = 5
name_fa = "مرحله ۵"
paper_registration = { before = "1403/02/10" }
portal_registration = { after = "1403/01/24", until = "1403/02/10" }
entry_card = { from = "1403/02/24", until = "1403/02/25" }
written_exam = "1403/02/27"

[[program]]
code = "other"
name_fa = "آزمون دیگر"
[[program.stage]]
number = 1
paper_registration = { before = "1403/02/10" }
portal_registration = { from = "1403/01/25", until = "1403/02/10" }
entry_card = { from = "1403/02/24", until = "1403/02/25" }
written_exam = "1403/02/26"
"#;
        let (c, problems) = Calendar::parse(&format!("{SHIPPED}{extra}"));
        assert!(problems.is_empty(), "{problems:?}");
        let c = c.unwrap();
        assert_eq!(c.program("hcb").unwrap().stages.len(), 2);
        let s5 = &c.program("hcb").unwrap().stages[1];
        assert_eq!(s5.portal_registration.first, Some(d("1403/01/25")));
        assert_eq!(c.registration_open_on(d("1403/02/01")).count(), 2);
    }
}
