//! Jalali (Solar Hijri) dates: a thin wrapper over `icu_calendar`'s Persian calendar.
//!
//! All arithmetic and leap-year knowledge comes from icu_calendar (verified against
//! `jdatetime` on every day 1300–1500, see ENGINEERING.md); this module adds parsing of
//! the ways clerks write dates, Persian formatting, and errors that say what is wrong.

use std::fmt;

use icu_calendar::cal::Persian;
use icu_calendar::types::RataDie;
use icu_calendar::{Date, Iso};

use super::text::{ascii_digit, is_bidi_control, to_persian_digits};

/// Years we accept. The calendar library is right far beyond this, but a year outside
/// it is, at a counter office, a typo (1042 for 1402) rather than a real date.
pub const MIN_YEAR: i32 = 1300;
pub const MAX_YEAR: i32 = 1500;

/// Iran has kept UTC+03:30 all year since 2022: the one offset of the whole crate.
pub const IRAN_OFFSET_SECS: i64 = 3 * 3600 + 30 * 60;
/// Rata Die (days since 0001-01-01 ISO, counting that day as 1) of 1970-01-01.
const UNIX_EPOCH_RD: i64 = 719_163;

pub const MONTHS_FA: [&str; 12] = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
];

pub const MONTHS_EN: [&str; 12] = [
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
];

/// A valid Jalali date. Field order makes the derived ordering chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JalaliDate {
    year: i32,
    month: u8,
    day: u8,
}

/// Days of the week, Saturday first as on an Iranian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weekday {
    Saturday,
    Sunday,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
}

impl Weekday {
    pub fn name_fa(self) -> &'static str {
        match self {
            Weekday::Saturday => "شنبه",
            Weekday::Sunday => "یکشنبه",
            Weekday::Monday => "دوشنبه",
            Weekday::Tuesday => "سه‌شنبه",
            Weekday::Wednesday => "چهارشنبه",
            Weekday::Thursday => "پنجشنبه",
            Weekday::Friday => "جمعه",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
        }
    }
}

/// Why a date was refused. Display gives English, then Persian.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error(
        "invalid date \"{input}\": expected YYYY/MM/DD (e.g. 1402/11/26) / تاریخ نامعتبر «{input}»: قالب درست سال/ماه/روز است (مثل ۱۴۰۲/۱۱/۲۶)"
    )]
    Syntax { input: String },
    #[error(
        "invalid date \"{input}\": year {year} is outside {MIN_YEAR}–{MAX_YEAR} / تاریخ نامعتبر «{input}»: سال {year} خارج از بازه ۱۳۰۰ تا ۱۵۰۰ است"
    )]
    Year { input: String, year: i32 },
    #[error(
        "invalid date \"{input}\": there is no month {month}, months run 1–12 / تاریخ نامعتبر «{input}»: ماه {month} وجود ندارد (ماه‌ها ۱ تا ۱۲)"
    )]
    Month { input: String, month: u32 },
    #[error("invalid date \"{input}\": {} / تاریخ نامعتبر «{input}»: {}", day_reason_en(*.year, *.month, *.day), day_reason_fa(*.year, *.month, *.day))]
    Day {
        input: String,
        year: i32,
        month: u8,
        day: u32,
    },
    #[error(
        "invalid ISO date \"{input}\": expected YYYY-MM-DD, a real day, between Jalali years {MIN_YEAR} and {MAX_YEAR}"
    )]
    Iso { input: String },
}

impl DateError {
    /// The English half of the message (Display gives "English / Persian").
    pub fn message_en(&self) -> String {
        let s = self.to_string();
        s.split_once(" / ")
            .map_or(s.clone(), |(en, _)| en.to_string())
    }

    /// The Persian half of the message.
    pub fn message_fa(&self) -> String {
        let s = self.to_string();
        s.split_once(" / ")
            .map_or(s.clone(), |(_, fa)| fa.to_string())
    }
}

fn day_reason_en(year: i32, month: u8, day: u32) -> String {
    if day == 0 {
        return "there is no day 0, days start at 1".into();
    }
    let len = month_length(year, month);
    let name = MONTHS_EN[usize::from(month - 1)];
    if month == 12 {
        let leap = if is_leap_year(year) {
            "a leap year"
        } else {
            "not a leap year"
        };
        format!("{name} {year} has {len} days ({year} is {leap})")
    } else {
        format!("{name} has {len} days")
    }
}

fn day_reason_fa(year: i32, month: u8, day: u32) -> String {
    if day == 0 {
        return "روز صفر وجود ندارد".into();
    }
    let len = month_length(year, month);
    let name = MONTHS_FA[usize::from(month - 1)];
    let text = if month == 12 {
        let leap = if is_leap_year(year) {
            "کبیسه است"
        } else {
            "کبیسه نیست"
        };
        format!("{name} {year} {len} روز دارد (سال {year} {leap})")
    } else {
        format!("{name} {len} روز دارد")
    };
    to_persian_digits(&text)
}

/// Whether Esfand of `year` has 30 days.
pub fn is_leap_year(year: i32) -> bool {
    Date::try_new_persian(year, 12, 30).is_ok()
}

/// Days in a month of a year (month 1–12).
pub fn month_length(year: i32, month: u8) -> u8 {
    match month {
        1..=6 => 31,
        7..=11 => 30,
        _ if is_leap_year(year) => 30,
        _ => 29,
    }
}

impl JalaliDate {
    /// A date from its numbers, checked.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, DateError> {
        let input = format!("{year:04}/{month:02}/{day:02}");
        Self::checked(&input, year, u32::from(month), u32::from(day))
    }

    fn checked(input: &str, year: i32, month: u32, day: u32) -> Result<Self, DateError> {
        let input = input.to_string();
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(DateError::Year { input, year });
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::Month { input, month });
        }
        let month = month as u8;
        if day == 0 || day > u32::from(month_length(year, month)) {
            return Err(DateError::Day {
                input,
                year,
                month,
                day,
            });
        }
        let day = day as u8;
        // icu_calendar is the authority; month_length agrees with it by construction.
        Date::try_new_persian(year, month, day).map_err(|_| DateError::Day {
            input: input.clone(),
            year,
            month,
            day: u32::from(day),
        })?;
        Ok(JalaliDate { year, month, day })
    }

    /// Parses `1402/11/26`, `1402-11-26`, `1402.11.26`, with ASCII, Persian or
    /// Arabic-Indic digits, one- or two-digit month and day, surrounding spaces and
    /// stray bidi marks ignored.
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let cleaned: String = input
            .chars()
            .filter(|c| !is_bidi_control(*c))
            .map(ascii_digit)
            .collect();
        let cleaned = cleaned.trim();
        let syntax = || DateError::Syntax {
            input: input.trim().to_string(),
        };
        let parts: Vec<&str> = cleaned.split(['/', '-', '.']).collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(syntax());
        };
        let all_digits = |s: &str, max: usize| {
            !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
        };
        if y.len() != 4 || !all_digits(y, 4) || !all_digits(m, 2) || !all_digits(d, 2) {
            return Err(syntax());
        }
        let (year, month, day) = (
            y.parse().map_err(|_| syntax())?,
            m.parse().map_err(|_| syntax())?,
            d.parse().map_err(|_| syntax())?,
        );
        Self::checked(input.trim(), year, month, day)
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    fn icu(self) -> Date<Persian> {
        Date::try_new_persian(self.year, self.month, self.day)
            .expect("JalaliDate is validated on construction")
    }

    fn from_icu(date: Date<Persian>) -> Option<Self> {
        let year = date.year().extended_year();
        let month = date.month().ordinal;
        let day = date.day_of_month().0;
        (MIN_YEAR..=MAX_YEAR)
            .contains(&year)
            .then_some(JalaliDate { year, month, day })
    }

    /// A day number: consecutive days differ by one (Rata Die).
    pub fn day_number(self) -> i64 {
        self.icu().to_rata_die().to_i64_date()
    }

    /// The date `n` days later (earlier for negative `n`); `None` outside the range.
    pub fn add_days(self, n: i64) -> Option<Self> {
        let rd = self.day_number().checked_add(n)?;
        Self::from_icu(Date::from_rata_die(RataDie::new(rd), Persian))
    }

    /// Days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: JalaliDate) -> i64 {
        other.day_number() - self.day_number()
    }

    /// The Gregorian (ISO 8601) date as (year, month, day).
    pub fn to_iso(self) -> (i32, u8, u8) {
        let iso = self.icu().to_calendar(Iso);
        (
            iso.year().extended_year(),
            iso.month().ordinal,
            iso.day_of_month().0,
        )
    }

    /// `2024-02-15`.
    pub fn iso_string(self) -> String {
        let (y, m, d) = self.to_iso();
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// The Jalali date of a Gregorian day.
    pub fn from_iso(year: i32, month: u8, day: u8) -> Result<Self, DateError> {
        let input = format!("{year:04}-{month:02}-{day:02}");
        let iso = Date::try_new_iso(year, month, day).map_err(|_| DateError::Iso {
            input: input.clone(),
        })?;
        Self::from_icu(iso.to_calendar(Persian)).ok_or(DateError::Iso { input })
    }

    /// Parses an ISO 8601 calendar date `YYYY-MM-DD`.
    pub fn parse_iso(input: &str) -> Result<Self, DateError> {
        let err = || DateError::Iso {
            input: input.to_string(),
        };
        let s = input.trim();
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, DateError> {
            let part = &s[r];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| err())
            } else {
                Err(err())
            }
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if m > 12 || d > 31 {
            return Err(err());
        }
        Self::from_iso(y as i32, m as u8, d as u8)
    }

    /// A Jalali month, `1402/11` (any digit family, `/` or `-`): its first and last day.
    pub fn parse_month(input: &str) -> Result<(JalaliDate, JalaliDate), DateError> {
        let cleaned: String = input
            .chars()
            .filter(|c| !is_bidi_control(*c))
            .map(ascii_digit)
            .collect();
        let syntax = || DateError::Syntax {
            input: input.trim().to_string(),
        };
        let (y, m) = cleaned.trim().split_once(['/', '-']).ok_or_else(syntax)?;
        if y.len() != 4
            || m.is_empty()
            || m.len() > 2
            || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(syntax());
        }
        let (year, month): (i32, u32) = (
            y.parse().map_err(|_| syntax())?,
            m.parse().map_err(|_| syntax())?,
        );
        let first = Self::checked(input.trim(), year, month, 1)?;
        let last = JalaliDate::new(year, first.month, month_length(year, first.month))?;
        Ok((first, last))
    }

    /// The date in Iran at a given instant (seconds since the Unix epoch).
    pub fn in_iran_at_unix(seconds: i64) -> Option<Self> {
        let days = (seconds + IRAN_OFFSET_SECS).div_euclid(86_400);
        Self::from_icu(Date::from_rata_die(
            RataDie::new(UNIX_EPOCH_RD + days),
            Persian,
        ))
    }

    pub fn weekday(self) -> Weekday {
        // Rata Die 1 (0001-01-01) was a Monday, so RD ≡ 0 (mod 7) is a Sunday.
        match self.day_number().rem_euclid(7) {
            0 => Weekday::Sunday,
            1 => Weekday::Monday,
            2 => Weekday::Tuesday,
            3 => Weekday::Wednesday,
            4 => Weekday::Thursday,
            5 => Weekday::Friday,
            _ => Weekday::Saturday,
        }
    }

    pub fn month_name_fa(self) -> &'static str {
        MONTHS_FA[usize::from(self.month - 1)]
    }

    pub fn month_name_en(self) -> &'static str {
        MONTHS_EN[usize::from(self.month - 1)]
    }

    /// `۱۴۰۲/۱۱/۲۶`.
    pub fn to_fa_digits(self) -> String {
        to_persian_digits(&self.to_string())
    }

    /// `پنجشنبه ۲۶ بهمن ۱۴۰۲`.
    pub fn long_fa(self) -> String {
        format!(
            "{} {} {} {}",
            self.weekday().name_fa(),
            to_persian_digits(&self.day.to_string()),
            self.month_name_fa(),
            to_persian_digits(&self.year.to_string())
        )
    }

    /// `Thursday 26 Bahman 1402`.
    pub fn long_en(self) -> String {
        format!(
            "{} {} {} {}",
            self.weekday().name_en(),
            self.day,
            self.month_name_en(),
            self.year
        )
    }
}

/// `1402/11/26`, ASCII digits: the form used in files and machine output.
impl fmt::Display for JalaliDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }
}

/// Serialised as `"1402/11/26"`, the form files and the ledger use.
impl serde::Serialize for JalaliDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for JalaliDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        JalaliDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for JalaliDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> JalaliDate {
        JalaliDate::parse(s).unwrap()
    }

    #[test]
    fn letter_dates_map_to_their_gregorian_days() {
        let cases = [
            ("1402/10/11", "2024-01-01", Weekday::Monday),
            ("1402/10/25", "2024-01-15", Weekday::Monday),
            ("1402/11/10", "2024-01-30", Weekday::Tuesday),
            ("1402/11/24", "2024-02-13", Weekday::Tuesday),
            ("1402/11/25", "2024-02-14", Weekday::Wednesday),
            ("1402/11/26", "2024-02-15", Weekday::Thursday),
            ("1402/09/29", "2023-12-20", Weekday::Wednesday),
            ("1402/10/05", "2023-12-26", Weekday::Tuesday),
        ];
        for (jalali, iso, weekday) in cases {
            let date = d(jalali);
            assert_eq!(date.iso_string(), iso, "{jalali}");
            assert_eq!(date.weekday(), weekday, "{jalali}");
            assert_eq!(JalaliDate::parse_iso(iso).unwrap(), date, "{iso}");
        }
    }

    #[test]
    fn nowruz_and_leap_years() {
        assert_eq!(d("1403/01/01").iso_string(), "2024-03-20");
        assert_eq!(d("1404/01/01").iso_string(), "2025-03-21");
        assert_eq!(d("1403/12/30").iso_string(), "2025-03-20");
        assert!(JalaliDate::parse("1402/12/30").is_err());
        assert!(JalaliDate::parse("1404/12/30").is_err());
        assert!(JalaliDate::parse("1399/12/30").is_ok());
        let leaps: Vec<i32> = (1390..=1410).filter(|y| is_leap_year(*y)).collect();
        assert_eq!(leaps, vec![1391, 1395, 1399, 1403, 1408]);
    }

    #[test]
    fn parses_every_digit_family_and_separator() {
        let want = JalaliDate::new(1402, 11, 26).unwrap();
        for s in [
            "1402/11/26",
            "1402-11-26",
            "1402.11.26",
            "۱۴۰۲/۱۱/۲۶",
            "١٤٠٢/١١/٢٦",
            " 1402/11/26 ",
            "\u{200F}۱۴۰۲/۱۱/۲۶",
        ] {
            assert_eq!(JalaliDate::parse(s).unwrap(), want, "{s:?}");
        }
        assert_eq!(d("1402/1/5"), JalaliDate::new(1402, 1, 5).unwrap());
    }

    #[test]
    fn rejects_invalid_dates_with_the_reason() {
        let msg = |s: &str| JalaliDate::parse(s).unwrap_err().to_string();
        assert!(msg("1402/12/30").contains("Esfand 1402 has 29 days (1402 is not a leap year)"));
        assert!(msg("1402/12/30").contains("اسفند ۱۴۰۲ ۲۹ روز دارد"));
        assert!(msg("1402/13/01").contains("no month 13"));
        assert!(msg("1402/07/31").contains("Mehr has 30 days"));
        assert!(msg("1402/00/10").contains("no month 0"));
        assert!(msg("1402/11/00").contains("no day 0"));
        assert!(msg("1042/11/26").contains("year 1042 is outside 1300–1500"));
        for bad in [
            "",
            "1402",
            "1402/11",
            "02/11/26",
            "1402/11/26/1",
            "1402/x/26",
            "1402//26",
            "14021126",
            "1402/111/2",
        ] {
            assert!(
                matches!(JalaliDate::parse(bad), Err(DateError::Syntax { .. })),
                "{bad:?}"
            );
        }
        assert!(msg("1402/13/01").contains("1402/13/01"), "names the input");
    }

    #[test]
    fn months() {
        assert_eq!(
            JalaliDate::parse_month("1402/11").unwrap(),
            (d("1402/11/01"), d("1402/11/30"))
        );
        assert_eq!(
            JalaliDate::parse_month("۱۴۰۳/۱۲").unwrap().1,
            d("1403/12/30")
        );
        assert_eq!(
            JalaliDate::parse_month("1402-12").unwrap().1,
            d("1402/12/29")
        );
        assert!(
            JalaliDate::parse_month("1402/13")
                .unwrap_err()
                .to_string()
                .contains("no month 13")
        );
        assert!(JalaliDate::parse_month("1402").is_err());
        assert!(JalaliDate::parse_month("1402/11/01").is_err());
    }

    #[test]
    fn formats_in_persian() {
        let date = d("1402/11/26");
        assert_eq!(date.long_fa(), "پنجشنبه ۲۶ بهمن ۱۴۰۲");
        assert_eq!(date.long_en(), "Thursday 26 Bahman 1402");
        assert_eq!(date.to_fa_digits(), "۱۴۰۲/۱۱/۲۶");
        assert_eq!(date.to_string(), "1402/11/26");
        assert_eq!(d("1402/12/01").long_fa(), "سه‌شنبه ۱ اسفند ۱۴۰۲");
    }

    #[test]
    fn today_uses_iran_time() {
        // 2024-02-14T20:29:59Z is 23:59:59 in Tehran; one second later is the next day.
        let before = 1_707_942_599;
        assert_eq!(
            JalaliDate::in_iran_at_unix(before).unwrap(),
            d("1402/11/25")
        );
        assert_eq!(
            JalaliDate::in_iran_at_unix(before + 1).unwrap(),
            d("1402/11/26")
        );
        assert_eq!(JalaliDate::in_iran_at_unix(0).unwrap(), d("1348/10/11"));
    }

    #[test]
    fn day_arithmetic() {
        assert_eq!(d("1402/12/29").add_days(1).unwrap(), d("1403/01/01"));
        assert_eq!(d("1403/12/29").add_days(1).unwrap(), d("1403/12/30"));
        assert_eq!(d("1402/10/25").days_until(d("1402/11/10")), 15);
        assert_eq!(d("1401/10/25").days_until(d("1402/11/10")), 380);
        assert!(d("1300/01/01").add_days(-1).is_none());
    }

    #[test]
    fn every_day_1300_to_1500_is_consecutive() {
        // Walk the whole supported range one day at a time: numbers must be gap-free,
        // month lengths must match the calendar, and ISO must round-trip.
        let mut date = d("1300/01/01");
        let mut count = 0;
        loop {
            count += 1;
            let (y, m, dd) = date.to_iso();
            assert_eq!(JalaliDate::from_iso(y, m, dd).unwrap(), date);
            let Some(next) = date.add_days(1) else { break };
            assert_eq!(next.day_number(), date.day_number() + 1);
            if next.month() != date.month() {
                assert_eq!(date.day(), month_length(date.year(), date.month()));
                assert_eq!(next.day(), 1);
            } else {
                assert_eq!(next.day(), date.day() + 1);
            }
            date = next;
        }
        assert_eq!(
            date,
            JalaliDate::new(1500, 12, month_length(1500, 12)).unwrap()
        );
        let leaps = (1300..=1500).filter(|y| is_leap_year(*y)).count();
        assert_eq!(count, 201 * 365 + leaps);
    }
}
