//! An applicant row: the checks of the letter and of Iranian forms, each failure with
//! a stable code, the field, and a message in Persian and English. Pure: the caller
//! hands in already-normalised text and the day's tariff schedule and exam stage.

use serde::{Deserialize, Serialize};

use super::calendar::ExamStage;
use super::jalali::JalaliDate;
use super::mobile::Prefixes;
use super::tariff::Schedule;
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

pub(super) fn reject(code: &'static str, field: &'static str, fa: String, en: String) -> Rejection {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
