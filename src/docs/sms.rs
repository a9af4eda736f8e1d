//! The exam-date SMS: who, when, where, from which office, in at most two Persian SMS.
//!
//! Persian SMS are UCS-2: one part holds 70 characters (UTF-16 units); a message of
//! several parts holds 67 in each. Every message keeps the facts (the exam's weekday
//! and date, its time and venue when known, the office's name); a long name is
//! shortened, never the facts.

use crate::core::text::{digits_for_text, to_persian_digits};
use crate::desk::charge::Receipt;

/// Characters in a message of one part.
pub const ONE_PART: usize = 70;
/// Characters in each part of a message of several.
pub const PER_PART: usize = 67;
/// A message is never longer than this many parts.
pub const MAX_PARTS: usize = 2;
/// The longest message: two parts.
pub const SMS_LIMIT: usize = PER_PART * MAX_PARTS;

/// An SMS and the parts it is sent in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sms {
    pub text: String,
    pub parts: usize,
}

/// The length of a message as an SMS gateway counts it: UTF-16 units.
fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The parts a message is sent in.
pub fn parts(text: &str) -> usize {
    match units(text) {
        n if n <= ONE_PART => 1,
        n => n.div_ceil(PER_PART),
    }
}

/// `s` cut to `n` characters, with an ellipsis when cut.
fn shortened(s: &str, n: usize) -> String {
    if units(s) <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    while units(&out) + 1 > n {
        out.pop();
    }
    out.push('…');
    out
}

/// The SMS of an exam-date slip: the fullest wording and name that fit in two parts.
/// Names are tried whole, then the first name, the last name, the last name cut
/// short, none; each in the full wording, then a compact one. Only when the facts
/// alone are over two parts (a venue and office name of a hundred characters) are
/// they cut, each with `…`.
pub fn sms_text(r: &Receipt) -> Sms {
    let e = &r.exam;
    let time = e
        .time
        .as_deref()
        .map(|t| format!(" ساعت {}", to_persian_digits(t)))
        .unwrap_or_default();
    let when = format!(
        "{} {}{time}",
        e.written_exam.weekday().name_fa(),
        e.written_exam.to_fa_digits(),
    );
    // `s` between `pre` and `post`, or nothing when there is no `s`.
    let part = |pre: &str, s: &str, post: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!("{pre}{s}{post}")
        }
    };
    let full = |name: &str, venue: &str, office: &str| {
        format!(
            "{}آزمون کتبی شما {when}{} برگزار می‌شود.{}",
            part("", name, " عزیز، "),
            part(" در ", venue, ""),
            part(" — ", office, "")
        )
    };
    let compact = |name: &str, venue: &str, office: &str| {
        format!(
            "{}آزمون کتبی {when}{}.{}",
            part("", name, "، "),
            part("، ", venue, ""),
            part(" — ", office, "")
        )
    };
    // Persian digits in the facts, Latin ones left in a Latin venue (docs/documents.md's digit
    // rule); the name as typed.
    let venue = digits_for_text(e.venue.as_deref().unwrap_or_default().trim());
    let office = digits_for_text(r.office.name.as_deref().unwrap_or_default().trim());
    let (venue, office) = (venue.as_str(), office.as_str());
    let a = &r.applicant;
    let last = a.last_name.trim();
    // The last name cut to what the compact wording leaves for it.
    let room = SMS_LIMIT.saturating_sub(units(&compact("", venue, office)) + units("، "));
    let short = if room >= 4 {
        shortened(last, room)
    } else {
        String::new()
    };
    let names = [
        a.full_name(),
        a.first_name.trim().to_string(),
        last.to_string(),
        short,
    ];
    let text = names
        .iter()
        .filter(|n| !n.is_empty())
        .chain([&String::new()])
        .flat_map(|n| [full(n, venue, office), compact(n, venue, office)])
        .find(|m| units(m) <= SMS_LIMIT)
        .unwrap_or_else(|| {
            // The facts alone are too long: venue and office share what is left.
            let fixed = units(&compact("", "", ""));
            let room = SMS_LIMIT.saturating_sub(fixed + units("، ") + units(" — "));
            // The venue takes what the office leaves, at least half.
            let v = shortened(venue, room.saturating_sub(units(office).min(room / 2)));
            let o = shortened(office, room.saturating_sub(units(&v)));
            compact("", &v, &o)
        });
    Sms {
        parts: parts(&text),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_follow_ucs2() {
        assert_eq!(parts(&"س".repeat(70)), 1);
        assert_eq!(parts(&"س".repeat(71)), 2);
        assert_eq!(parts(&"س".repeat(134)), 2);
        assert_eq!(parts(&"س".repeat(135)), 3);
    }

    #[test]
    fn shortened_keeps_to_its_room() {
        assert_eq!(shortened("میرحسینی", 20), "میرحسینی");
        let s = shortened("میرحسینی‌طباطبایی‌زاده", 8);
        assert_eq!(units(&s), 8);
        assert!(s.ends_with('…'));
    }
}
