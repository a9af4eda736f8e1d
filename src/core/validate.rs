//! A row judged: every rule of the letter and of Iranian forms applied to an
//! applicant row, each failure with its code, field and messages. Pure.

use super::applicant::{
    Applicant, Context, Gender, MILITARY_ACCEPTED, MILITARY_REFUSED, Rejection, RowInput,
    check_mobile, check_name, check_national_id, reject,
};
use super::jalali::JalaliDate;
use super::mobile::no_operator_messages;
use super::tariff::Cluster;
use super::text::{fold_key, to_persian_digits};

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
                "فرم کاغذی در {} پس از مهلت ثبت‌نام دستی (تا {}) است",
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
                "ثبت‌نام {} در {} باز نیست (از {} تا {})",
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
    use crate::core::mobile::Prefixes;
    use crate::core::tariff::Tariffs;

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
