//! An applicant row: the checks of the letter and of Iranian forms, each failure with
//! a stable code, the field, and a message in Persian and English. Pure: the caller
//! hands in already-normalised text and the day's tariff schedule and exam stage.

use serde::{Deserialize, Serialize};

use super::calendar::ExamStage;
use super::jalali::JalaliDate;
use super::mobile::{Prefixes, no_operator_messages};
use super::tariff::{Cluster, Schedule};
use super::text::{fold_key, to_persian_digits};

/// Why a row cannot be registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Stable, for scripts: `national_id_checksum`, `mobile_invalid`, …
    pub code: &'static str,
    /// The column the problem is in.
    pub field: &'static str,
    pub message_fa: String,
    pub message_en: String,
}

fn reject(code: &'static str, field: &'static str, fa: String, en: String) -> Rejection {
    Rejection {
        code,
        field,
        message_fa: fa,
        message_en: en,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn parse(s: &str) -> Option<Gender> {
        match fold_key(s).as_str() {
            "مرد" | "آقا" | "male" | "m" | "man" => Some(Gender::Male),
            "زن" | "خانم" | "female" | "f" | "woman" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// Military-service statuses seen on real forms that let a man register (the letter's
/// step 1 asks for the card), and those that do not. Folded forms; extendable by the
/// caller with `extra_accepted`.
pub const MILITARY_ACCEPTED: &[&str] = &[
    "پایان خدمت",
    "کارت پایان خدمت",
    "دارای کارت پایان خدمت",
    "معاف",
    "معاف دائم",
    "معافیت دائم",
    "معاف پزشکی",
    "معافیت پزشکی",
    "معاف کفالت",
    "معافیت کفالت",
    "معاف موقت",
    "معافیت موقت",
    "completed",
    "exempt",
    "permanent exemption",
    "temporary exemption",
];
pub const MILITARY_REFUSED: &[&str] = &[
    "مشمول",
    "غایب",
    "در حال خدمت",
    "liable",
    "absent",
    "serving",
];

/// Checks a national ID (کد ملی): ten digits whose last is the check digit. Eight or
/// nine digits are padded with leading zeros (spreadsheets drop them).
pub fn check_national_id(raw: &str) -> Result<String, Rejection> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if digits.is_empty() {
        return Err(reject(
            "national_id_missing",
            "national_id",
            "کد ملی خالی است".into(),
            "national ID is empty".into(),
        ));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !(8..=10).contains(&digits.len()) {
        return Err(reject(
            "national_id_format",
            "national_id",
            format!("کد ملی «{raw}» باید ۱۰ رقم باشد"),
            format!("national ID \"{raw}\" must be 10 digits"),
        ));
    }
    let id = format!("{digits:0>10}");
    let d: Vec<u32> = id.bytes().map(|b| u32::from(b - b'0')).collect();
    let s: u32 = (0..9).map(|i| d[i] * (10 - i as u32)).sum();
    let r = s % 11;
    let check = if r < 2 { r } else { 11 - r };
    if d[9] != check {
        return Err(reject(
            "national_id_checksum",
            "national_id",
            format!("رقم کنترل کد ملی {} درست نیست", to_persian_digits(&id)),
            format!("national ID {id} fails its check digit"),
        ));
    }
    Ok(id)
}

/// Normalises an Iranian mobile number to `09XXXXXXXXX`: accepts +98, 0098, 98 or 0
/// before the 9, and spaces or dashes inside.
/// A name holds letters (with their marks), spaces, ZWNJ, hyphens, dots, apostrophes,
/// and the digits and brackets a clerk types («حسین (۲)»); it starts with none of
/// `=`, `+`, `-`, `@` (a spreadsheet would take it for a formula), and holds no
/// control character.
pub fn check_name(field: &'static str, fa: &str, value: &str) -> Result<(), Rejection> {
    let code_of = |c: char| format!("U+{:04X}", c as u32);
    if let Some(c) = value.chars().find(|c| crate::core::text::is_control(*c)) {
        return Err(reject(
            "name_control_character",
            field,
            format!("{fa} نویسهٔ کنترلی {} دارد", code_of(c)),
            format!("{field} holds the control character {}", code_of(c)),
        ));
    }
    if let Some(c) = value
        .chars()
        .next()
        .filter(|c| matches!(c, '=' | '+' | '-' | '@'))
    {
        return Err(reject(
            "name_invalid",
            field,
            format!("{fa} نباید با «{c}» آغاز شود"),
            format!("{field} starts with \"{c}\", which a spreadsheet takes for a formula"),
        ));
    }
    let allowed = |c: char| {
        c.is_alphanumeric()
            || matches!(c, ' ' | '\u{200C}' | '-' | '.' | '\'' | '’' | '(' | ')')
            // Arabic-script marks (fatha, shadda, tanween, superscript alef).
            || ('\u{064B}'..='\u{065F}').contains(&c)
            || c == '\u{0670}'
            || c == '\u{0640}'
    };
    if let Some(c) = value.chars().find(|c| !allowed(*c)) {
        return Err(reject(
            "name_invalid",
            field,
            format!("{fa} نویسهٔ «{c}» ({}) دارد که در نام نمی‌آید", code_of(c)),
            format!(
                "{field} holds \"{c}\" ({}): a name holds letters, spaces, ZWNJ, hyphens, dots and apostrophes",
                code_of(c)
            ),
        ));
    }
    Ok(())
}

pub fn check_mobile(raw: &str) -> Result<String, Rejection> {
    let s: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let rest = s
        .strip_prefix("+98")
        .or_else(|| s.strip_prefix("0098"))
        .or_else(|| s.strip_prefix("98").filter(|r| r.len() == 10))
        .or_else(|| s.strip_prefix('0'))
        .unwrap_or(&s);
    if rest.len() == 10 && rest.starts_with('9') && rest.bytes().all(|b| b.is_ascii_digit()) {
        Ok(format!("0{rest}"))
    } else {
        Err(reject(
            "mobile_invalid",
            "mobile",
            format!("شماره همراه «{raw}» معتبر نیست (مثل ۰۹۱۲۳۴۵۶۷۸۹)"),
            format!("mobile \"{raw}\" is not a valid Iranian mobile (09XXXXXXXXX)"),
        ))
    }
}

/// An applicant row after normalisation, before validation.
#[derive(Clone, Debug, Default)]
pub struct RowInput {
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub birth_date: String,
    pub gender: String,
    pub military_status: String,
    pub mobile: String,
    pub trade: String,
    pub cluster: String,
    pub exam_stage: String,
    pub form_date: String,
    /// For `card`: the exam time and venue as the portal gave them.
    pub exam_time: String,
    pub venue: String,
    /// For `certify`: the final result.
    pub result: String,
}

/// A valid applicant, ready to price and record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub birth_date: JalaliDate,
    pub gender: Gender,
    pub military_status: String,
    pub mobile: String,
    pub trade: String,
    pub cluster_code: String,
}

/// What a row is checked against.
pub struct Context<'a> {
    pub service_date: JalaliDate,
    pub schedule: &'a Schedule,
    pub stage: &'a ExamStage,
    pub extra_military: &'a [String],
    /// The mobile prefixes operators use.
    pub mobiles: &'a Prefixes,
}

/// Validates a row. Returns the applicant with the notes the clerk should see on an
/// accepted row (`national_id_equal_digits`), or every problem found.
pub fn validate(
    row: &RowInput,
    ctx: &Context,
) -> Result<(Applicant, Vec<Rejection>), Vec<Rejection>> {
    let mut errors = Vec::new();
    let national_id = check_national_id(&row.national_id)
        .map_err(|e| errors.push(e))
        .ok();
    for (field, value, fa) in [
        ("first_name", &row.first_name, "نام"),
        ("last_name", &row.last_name, "نام خانوادگی"),
    ] {
        if value.trim().is_empty() {
            errors.push(reject(
                "name_missing",
                field,
                format!("{fa} خالی است"),
                format!("{field} is empty"),
            ));
        }
    }
    for (field, value, fa) in [
        ("first_name", &row.first_name, "نام"),
        ("last_name", &row.last_name, "نام خانوادگی"),
        ("father_name", &row.father_name, "نام پدر"),
    ] {
        if let Err(e) = check_name(field, fa, value) {
            errors.push(e);
        }
    }
    let birth_date = match JalaliDate::parse(&row.birth_date) {
        Ok(d) if d >= ctx.service_date => {
            errors.push(reject(
                "birth_date_future",
                "birth_date",
                format!("تاریخ تولد {} باید پیش از امروز باشد", d.to_fa_digits()),
                format!("birth date {d} is not in the past"),
            ));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(reject(
                "birth_date_invalid",
                "birth_date",
                e.message_fa(),
                e.message_en(),
            ));
            None
        }
    };
    let gender = Gender::parse(&row.gender);
    if gender.is_none() {
        errors.push(reject(
            "gender_invalid",
            "gender",
            format!("جنسیت «{}» شناخته نیست: مرد یا زن", row.gender),
            format!(
                "gender \"{}\" is not known: مرد/زن or male/female",
                row.gender
            ),
        ));
    }
    if let (Some(Gender::Male), Some(born)) = (gender, birth_date) {
        // Liable from the year a man turns 18 until the year he turns 50.
        let age = ctx.service_date.year() - born.year();
        if (18..=50).contains(&age) {
            let status = fold_key(&row.military_status);
            let accepted = MILITARY_ACCEPTED.iter().any(|s| fold_key(s) == status)
                || ctx.extra_military.iter().any(|s| fold_key(s) == status);
            if status.is_empty() {
                errors.push(reject(
                    "military_status_required",
                    "military_status",
                    "وضعیت نظام وظیفه برای آقایان ۱۸ تا ۵۰ سال لازم است (کارت پایان خدمت یا معافیت)".into(),
                    "military-service status is required for men aged 18 to 50 (completion or exemption card)".into(),
                ));
            } else if !accepted {
                let refused = MILITARY_REFUSED.iter().any(|s| fold_key(s) == status);
                errors.push(reject(
                    if refused { "military_status_not_eligible" } else { "military_status_unknown" },
                    "military_status",
                    format!(
                        "وضعیت نظام وظیفه «{}» پذیرفته نیست: کارت پایان خدمت یا معافیت لازم است",
                        row.military_status
                    ),
                    format!(
                        "military status \"{}\" is not accepted: a completion or exemption card is needed ({})",
                        row.military_status,
                        MILITARY_ACCEPTED[..6].join(" / ")
                    ),
                ));
            }
        }
    }
    let mobile = check_mobile(&row.mobile)
        .map_err(|e| errors.push(e))
        .ok()
        .filter(|m| {
            let known = ctx.mobiles.operator(m).is_some();
            if !known {
                let (fa, en) = no_operator_messages(&row.mobile, m);
                errors.push(reject("mobile_no_operator", "mobile", fa, en));
            }
            known
        });
    if row.trade.trim().is_empty() {
        errors.push(reject(
            "trade_missing",
            "trade",
            "حرفه خالی است".into(),
            "trade is empty".into(),
        ));
    }
    let cluster: Option<&Cluster> = ctx.schedule.find_cluster(&row.cluster);
    if cluster.is_none() {
        let known: Vec<String> = ctx
            .schedule
            .clusters
            .iter()
            .map(|c| c.exam_fee.plain(super::money::Unit::Toman))
            .collect();
        errors.push(reject(
            "cluster_unknown",
            "cluster",
            format!(
                "خوشه «{}» شناخته نیست ({})",
                row.cluster,
                to_persian_digits(&known.join("، "))
            ),
            format!(
                "cluster \"{}\" is not known: expected {}",
                row.cluster,
                known.join(" or ")
            ),
        ));
    }
    // The paper form before the paper deadline (exclusive), the portal registration
    // on the service date inside its window (inclusive).
    let form_date = if row.form_date.trim().is_empty() {
        Some(ctx.service_date)
    } else {
        match JalaliDate::parse(&row.form_date) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(reject(
                    "form_date_invalid",
                    "form_date",
                    e.message_fa(),
                    e.message_en(),
                ));
                None
            }
        }
    };
    if let Some(d) = form_date
        && !ctx.stage.paper_registration.contains(d)
    {
        let last = ctx
            .stage
            .paper_registration
            .last
            .map(|l| l.to_string())
            .unwrap_or_default();
        errors.push(reject(
            "paper_deadline_passed",
            "form_date",
            format!(
                "فرم کاغذی در {} پس از مهلت ثبت نام دستی (تا {}) است",
                d.to_fa_digits(),
                to_persian_digits(&last)
            ),
            format!("the paper form of {d} is past the paper deadline (last day {last})"),
        ));
    }
    if !ctx.stage.portal_registration.contains(ctx.service_date) {
        let w = ctx.stage.portal_registration;
        errors.push(reject(
            "registration_closed",
            "exam_stage",
            format!(
                "ثبت نام {} در {} باز نیست (از {} تا {})",
                ctx.stage.name_fa,
                ctx.service_date.to_fa_digits(),
                w.first.map(|d| d.to_fa_digits()).unwrap_or_default(),
                w.last.map(|d| d.to_fa_digits()).unwrap_or_default()
            ),
            format!(
                "registration for stage {} is not open on {} (window {w})",
                ctx.stage.number, ctx.service_date
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut notes = Vec::new();
    if let Some(id) = national_id
        .as_deref()
        .filter(|id| id.bytes().all(|b| b == id.as_bytes()[0]))
    {
        notes.push(equal_digits(id));
    }
    Ok((
        Applicant {
            national_id: national_id.expect("no error"),
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            father_name: row.father_name.clone(),
            birth_date: birth_date.expect("no error"),
            gender: gender.expect("no error"),
            military_status: row.military_status.clone(),
            mobile: mobile.expect("no error"),
            trade: row.trade.clone(),
            cluster_code: cluster.expect("no error").code.clone(),
        },
        notes,
    ))
}

/// The note on a national ID of ten equal digits: its check digit holds and such IDs
/// are reportedly issued in rare cases, so it is accepted, but common validators
/// refuse it and a clerk may have typed one digit ten times.
fn equal_digits(id: &str) -> Rejection {
    reject(
        "national_id_equal_digits",
        "national_id",
        format!(
            "کد ملی {} ده رقم یکسان است: پذیرفته شد (چنین کدی به ندرت صادر می‌شود)؛ آن را با کارت ملی متقاضی بسنجید",
            to_persian_digits(id)
        ),
        format!(
            "the national ID {id} is ten equal digits: accepted (such IDs are issued in rare cases); check it against the applicant's card"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::calendar::Calendar;
    use crate::core::tariff::Tariffs;

    #[test]
    fn national_ids() {
        assert_eq!(check_national_id("0012345679").unwrap(), "0012345679");
        assert_eq!(
            check_national_id("12345679").unwrap(),
            "0012345679",
            "leading zeros restored"
        );
        assert_eq!(
            check_national_id("1111111111").unwrap(),
            "1111111111",
            "equal digits: a note only (`validate`)"
        );
        // Digits 4–9 all zero: real IDs that some libraries reject.
        assert_eq!(check_national_id("1230000003").unwrap(), "1230000003");
        for (bad, code) in [
            ("0012345678", "national_id_checksum"),
            ("001234567", "national_id_checksum"),
            ("12345", "national_id_format"),
            ("00123456790", "national_id_format"),
            ("00123x5679", "national_id_format"),
            ("", "national_id_missing"),
        ] {
            assert_eq!(check_national_id(bad).unwrap_err().code, code, "{bad:?}");
        }
    }

    #[test]
    fn mobiles() {
        for ok in [
            "09123456789",
            "+989123456789",
            "00989123456789",
            "989123456789",
            "9123456789",
            "0912 345 6789",
            "0912-345-6789",
        ] {
            assert_eq!(check_mobile(ok).unwrap(), "09123456789", "{ok}");
        }
        for bad in [
            "",
            "0812345678",
            "091234567890",
            "02112345678",
            "0912345678",
            "abc",
        ] {
            assert_eq!(
                check_mobile(bad).unwrap_err().code,
                "mobile_invalid",
                "{bad}"
            );
        }
    }

    fn shipped() -> (Tariffs, Calendar) {
        let t = Tariffs::parse(include_str!("../../tariffs.toml"))
            .0
            .unwrap();
        let c = Calendar::parse(include_str!("../../calendar.toml"))
            .0
            .unwrap();
        (t, c)
    }

    fn good_row() -> RowInput {
        RowInput {
            national_id: "0012345679".into(),
            first_name: "زهرا".into(),
            last_name: "احمدی".into(),
            father_name: "محمد".into(),
            birth_date: "1375/06/01".into(),
            gender: "زن".into(),
            mobile: "09123456789".into(),
            trade: "قالی‌بافی".into(),
            cluster: "60000".into(),
            ..RowInput::default()
        }
    }

    fn check(row: &RowInput, date: &str) -> Result<Applicant, Vec<&'static str>> {
        let (t, c) = shipped();
        let date = JalaliDate::parse(date).unwrap();
        let ctx = Context {
            service_date: date,
            schedule: t.schedule_on(date).unwrap(),
            stage: &c.program("hcb").unwrap().stages[0],
            extra_military: &["معافیت ایثارگری".to_string()],
            mobiles: Prefixes::shipped(),
        };
        validate(row, &ctx)
            .map(|(a, _)| a)
            .map_err(|e| e.iter().map(|r| r.code).collect())
    }

    #[test]
    fn equal_digit_ids_are_accepted_with_a_note() {
        let (t, c) = shipped();
        let date = JalaliDate::parse("1402/10/26").unwrap();
        let ctx = Context {
            service_date: date,
            schedule: t.schedule_on(date).unwrap(),
            stage: &c.program("hcb").unwrap().stages[0],
            extra_military: &[],
            mobiles: Prefixes::shipped(),
        };
        for d in '0'..='9' {
            let row = RowInput {
                national_id: d.to_string().repeat(10),
                ..good_row()
            };
            let (a, notes) = validate(&row, &ctx).unwrap();
            assert_eq!(a.national_id, d.to_string().repeat(10));
            assert_eq!(notes.len(), 1);
            assert_eq!(notes[0].code, "national_id_equal_digits");
            assert!(notes[0].message_en.contains(&a.national_id));
        }
        let (_, notes) = validate(&good_row(), &ctx).unwrap();
        assert!(notes.is_empty());
    }

    #[test]
    fn each_rule_passes_and_fails() {
        let ok = check(&good_row(), "1402/10/26").unwrap();
        assert_eq!(ok.cluster_code, "c60");
        type Edit = fn(&mut RowInput);
        let cases: Vec<(Edit, &str)> = vec![
            (
                |r| r.national_id = "0012345678".into(),
                "national_id_checksum",
            ),
            (|r| r.first_name = " ".into(), "name_missing"),
            (|r| r.last_name = String::new(), "name_missing"),
            (|r| r.birth_date = "1375/13/01".into(), "birth_date_invalid"),
            (|r| r.birth_date = "1402/11/01".into(), "birth_date_future"),
            (|r| r.gender = "x".into(), "gender_invalid"),
            (|r| r.mobile = "0912".into(), "mobile_invalid"),
            (|r| r.mobile = "09061234567".into(), "mobile_no_operator"),
            (|r| r.trade = String::new(), "trade_missing"),
            (|r| r.cluster = "70000".into(), "cluster_unknown"),
            (
                |r| r.form_date = "1402/11/10".into(),
                "paper_deadline_passed",
            ),
            (|r| r.form_date = "1402/07/31".into(), "form_date_invalid"),
            (
                |r| {
                    r.gender = "مرد".into();
                },
                "military_status_required",
            ),
            (
                |r| {
                    r.gender = "male".into();
                    r.military_status = "مشمول".into();
                },
                "military_status_not_eligible",
            ),
            (
                |r| {
                    r.gender = "مرد".into();
                    r.military_status = "نمیدانم".into();
                },
                "military_status_unknown",
            ),
        ];
        for (edit, code) in cases {
            let mut row = good_row();
            edit(&mut row);
            assert_eq!(
                check(&row, "1402/10/26").unwrap_err(),
                vec![code],
                "{row:?}"
            );
        }
        // The form date defaults to the service date: past both deadlines.
        assert_eq!(
            check(&good_row(), "1402/11/11").unwrap_err(),
            vec!["paper_deadline_passed", "registration_closed"]
        );
        assert_eq!(
            check(&good_row(), "1402/10/24").unwrap_err(),
            vec!["registration_closed"]
        );
        // The last paper day and the last portal day are in.
        let mut row = good_row();
        row.form_date = "1402/11/09".into();
        assert!(check(&row, "1402/11/10").is_ok());
    }

    #[test]
    fn military_status_by_age_and_list() {
        let mut man = good_row();
        man.gender = "مرد".into();
        man.military_status = "پایان خدمت".into();
        assert!(check(&man, "1402/10/26").is_ok());
        man.military_status = "معافيت  دائم".into(); // Arabic ي, double space
        assert!(check(&man, "1402/10/26").is_ok());
        man.military_status = "معافیت ایثارگری".into(); // from the extended list
        assert!(check(&man, "1402/10/26").is_ok());
        man.military_status = String::new();
        man.birth_date = "1385/01/01".into(); // turns 17 in 1402: not yet liable
        assert!(check(&man, "1402/10/26").is_ok());
        man.birth_date = "1384/12/29".into(); // turns 18 in 1402: liable
        assert_eq!(
            check(&man, "1402/10/26").unwrap_err(),
            vec!["military_status_required"]
        );
        man.birth_date = "1351/01/01".into(); // turns 51: no longer
        assert!(check(&man, "1402/10/26").is_ok());
    }

    #[test]
    fn all_problems_at_once() {
        let mut row = good_row();
        row.national_id = "123".into();
        row.mobile = "1".into();
        row.cluster = String::new();
        assert_eq!(
            check(&row, "1402/10/26").unwrap_err(),
            vec!["national_id_format", "mobile_invalid", "cluster_unknown"]
        );
    }
}
