//! The exam-date SMS: who, when, where, from which office, within two concatenated
//! Persian (UCS-2) messages.

use crate::core::text::to_persian_digits;
use crate::desk::charge::Receipt;

/// SMS text stays within two concatenated Persian (UCS-2) messages.
pub const SMS_LIMIT: usize = 140;

/// The SMS of an exam-date slip. Parts are dropped from the end (office, then venue)
/// until it fits.
pub fn sms_text(r: &Receipt) -> String {
    let e = &r.exam;
    let when = format!(
        "{} {}{}",
        e.written_exam.weekday().name_fa(),
        e.written_exam.to_fa_digits(),
        e.time
            .as_deref()
            .map(|t| format!(" ساعت {}", to_persian_digits(t)))
            .unwrap_or_default()
    );
    let head = format!("{} عزیز، آزمون کتبی شما {when}", r.applicant.full_name());
    let venue = e
        .venue
        .as_deref()
        .map(|v| format!(" در {v}"))
        .unwrap_or_default();
    let office = r
        .office
        .name
        .as_deref()
        .map(|n| format!(" — {n}"))
        .unwrap_or_default();
    for candidate in [
        format!("{head}{venue} برگزار می‌شود.{office}"),
        format!("{head}{venue} برگزار می‌شود."),
        format!("{head} برگزار می‌شود.{office}"),
        format!("{head} برگزار می‌شود."),
    ] {
        if candidate.chars().count() <= SMS_LIMIT {
            return to_persian_digits(&candidate);
        }
    }
    to_persian_digits(&head.chars().take(SMS_LIMIT).collect::<String>())
}
