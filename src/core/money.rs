//! Exact money. Amounts are integer rials inside (1 toman = 10 rial), so every sum is
//! exact and a toman amount converts to rial without loss. No floats anywhere.

use std::fmt;
use std::iter::Sum;

use serde::{Deserialize, Serialize};

use super::text::{fa_grouped, group_thousands, to_persian_digits};

/// The largest amount we accept: 10^15 rial, far above any fee, far below i64::MAX,
/// so that counts times prices cannot overflow unnoticed.
pub const MAX_RIAL: i64 = 1_000_000_000_000_000;

/// Serialised as its integer number of rials.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money {
    rial: i64,
}

/// The unit amounts are shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Toman,
    Rial,
}

impl Unit {
    pub fn name_fa(self) -> &'static str {
        match self {
            Unit::Toman => "تومان",
            Unit::Rial => "ریال",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Unit::Toman => "toman",
            Unit::Rial => "rial",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range (more than 10^15 rial or negative)")]
pub struct MoneyRangeError;

impl Money {
    pub const ZERO: Money = Money { rial: 0 };

    pub fn from_rial(rial: i64) -> Result<Self, MoneyRangeError> {
        if (0..=MAX_RIAL).contains(&rial) {
            Ok(Money { rial })
        } else {
            Err(MoneyRangeError)
        }
    }

    pub fn from_toman(toman: i64) -> Result<Self, MoneyRangeError> {
        Self::from_rial(toman.checked_mul(10).ok_or(MoneyRangeError)?)
    }

    pub fn rial(self) -> i64 {
        self.rial
    }

    pub fn is_zero(self) -> bool {
        self.rial == 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyRangeError> {
        Self::from_rial(self.rial.checked_add(other.rial).ok_or(MoneyRangeError)?)
    }

    pub fn checked_mul(self, n: u64) -> Result<Money, MoneyRangeError> {
        let n = i64::try_from(n).map_err(|_| MoneyRangeError)?;
        Self::from_rial(self.rial.checked_mul(n).ok_or(MoneyRangeError)?)
    }

    /// The amount as a plain decimal in `unit`: `71796`, or `7179.6` toman for an
    /// amount that is not a whole number of toman.
    pub fn plain(self, unit: Unit) -> String {
        match unit {
            Unit::Rial => self.rial.to_string(),
            Unit::Toman if self.rial % 10 == 0 => (self.rial / 10).to_string(),
            Unit::Toman => format!("{}.{}", self.rial / 10, self.rial % 10),
        }
    }

    /// The amount as a JSON number in `unit` (exact: at most one decimal place).
    pub fn json(self, unit: Unit) -> serde_json::Value {
        let text = self.plain(unit);
        serde_json::from_str(&text).expect("a plain decimal is valid JSON")
    }

    /// `71,796` (ASCII digits, comma groups).
    pub fn grouped(self, unit: Unit) -> String {
        let (whole, frac) = self.split(unit);
        let mut s = group_thousands(whole, ',');
        if let Some(f) = frac {
            s.push('.');
            s.push_str(&f.to_string());
        }
        s
    }

    /// `۷۱٬۷۹۶` (Persian digits, Arabic thousands separator, `٫` for a decimal).
    pub fn grouped_fa(self, unit: Unit) -> String {
        let (whole, frac) = self.split(unit);
        let mut s = fa_grouped(whole);
        if let Some(f) = frac {
            s.push('\u{066B}');
            s.push_str(&to_persian_digits(&f.to_string()));
        }
        s
    }

    /// The amount in Persian words with its unit: «هفتاد و یک هزار و … تومان».
    pub fn words_fa(self, unit: Unit) -> String {
        match self.split(unit) {
            (whole, None) => format!("{} {}", number_to_words_fa(whole), unit.name_fa()),
            // A fraction of a toman is said in rials, as people do.
            _ => format!("{} {}", number_to_words_fa(self.rial), Unit::Rial.name_fa()),
        }
    }

    fn split(self, unit: Unit) -> (i64, Option<i64>) {
        match unit {
            Unit::Rial => (self.rial, None),
            Unit::Toman if self.rial % 10 == 0 => (self.rial / 10, None),
            Unit::Toman => (self.rial / 10, Some(self.rial % 10)),
        }
    }
}

/// Toman with ASCII grouping, for messages: `71,796 toman`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} toman", self.grouped(Unit::Toman))
    }
}

impl Sum for Money {
    /// Panics on overflow past 10^15 rial, which validated inputs cannot reach.
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| {
            a.checked_add(b).expect("money overflow")
        })
    }
}

const ONES: [&str; 20] = [
    "",
    "یک",
    "دو",
    "سه",
    "چهار",
    "پنج",
    "شش",
    "هفت",
    "هشت",
    "نه",
    "ده",
    "یازده",
    "دوازده",
    "سیزده",
    "چهارده",
    "پانزده",
    "شانزده",
    "هفده",
    "هجده",
    "نوزده",
];
const TENS: [&str; 10] = [
    "",
    "",
    "بیست",
    "سی",
    "چهل",
    "پنجاه",
    "شصت",
    "هفتاد",
    "هشتاد",
    "نود",
];
const HUNDREDS: [&str; 10] = [
    "",
    "صد",
    "دویست",
    "سیصد",
    "چهارصد",
    "پانصد",
    "ششصد",
    "هفتصد",
    "هشتصد",
    "نهصد",
];
const SCALES: [&str; 6] = ["", "هزار", "میلیون", "میلیارد", "تریلیون", "کوادریلیون"];

/// 0 < n < 1000 in words.
fn below_thousand(n: i64) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let (h, rest) = (n / 100, n % 100);
    if h > 0 {
        parts.push(HUNDREDS[h as usize]);
    }
    if rest >= 20 {
        parts.push(TENS[(rest / 10) as usize]);
        if rest % 10 > 0 {
            parts.push(ONES[(rest % 10) as usize]);
        }
    } else if rest > 0 {
        parts.push(ONES[rest as usize]);
    }
    parts.join(" و ")
}

/// A whole number in Persian words, as written on cheques and receipts:
/// 71796 → «هفتاد و یک هزار و هفتصد و نود و شش»; 1000 → «یک هزار».
pub fn number_to_words_fa(n: i64) -> String {
    if n == 0 {
        return "صفر".into();
    }
    if n < 0 {
        return format!("منفی {}", number_to_words_fa(n.unsigned_abs() as i64));
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut parts = Vec::new();
    for (scale, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        let words = below_thousand(group);
        parts.push(match SCALES.get(scale) {
            Some(&"") => words,
            Some(name) => format!("{words} {name}"),
            None => return n.to_string(),
        });
    }
    parts.join(" و ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toman(n: i64) -> Money {
        Money::from_toman(n).unwrap()
    }

    #[test]
    fn words_on_edge_values() {
        let cases = [
            (0, "صفر"),
            (1, "یک"),
            (10, "ده"),
            (11, "یازده"),
            (19, "نوزده"),
            (20, "بیست"),
            (100, "صد"),
            (101, "صد و یک"),
            (110, "صد و ده"),
            (999, "نهصد و نود و نه"),
            (1_000, "یک هزار"),
            (1_001, "یک هزار و یک"),
            (2_800, "دو هزار و هشتصد"),
            (15_000, "پانزده هزار"),
            (24_899, "بیست و چهار هزار و هشتصد و نود و نه"),
            (48_479, "چهل و هشت هزار و چهارصد و هفتاد و نه"),
            (71_796, "هفتاد و یک هزار و هفتصد و نود و شش"),
            (100_000, "صد هزار"),
            (1_000_000, "یک میلیون"),
            (1_000_001, "یک میلیون و یک"),
            (100_000_000, "صد میلیون"),
            (1_000_000_000, "یک میلیارد"),
            (2_030_000_405, "دو میلیارد و سی میلیون و چهارصد و پنج"),
        ];
        for (n, want) in cases {
            assert_eq!(number_to_words_fa(n), want, "{n}");
        }
    }

    #[test]
    fn toman_and_rial() {
        let m = toman(71_796);
        assert_eq!(m.rial(), 717_960);
        assert_eq!(m.plain(Unit::Toman), "71796");
        assert_eq!(m.plain(Unit::Rial), "717960");
        assert_eq!(m.grouped(Unit::Toman), "71,796");
        assert_eq!(m.grouped(Unit::Rial), "717,960");
        assert_eq!(m.grouped_fa(Unit::Toman), "۷۱٬۷۹۶");
        assert_eq!(m.grouped_fa(Unit::Rial), "۷۱۷٬۹۶۰");
        assert_eq!(
            m.words_fa(Unit::Toman),
            "هفتاد و یک هزار و هفتصد و نود و شش تومان"
        );
        assert_eq!(
            m.words_fa(Unit::Rial),
            "هفتصد و هفده هزار و نهصد و شصت ریال"
        );
        assert_eq!(m.json(Unit::Toman), serde_json::json!(71796));
        assert_eq!(m.to_string(), "71,796 toman");
    }

    #[test]
    fn fractions_of_a_toman_stay_exact() {
        let m = Money::from_rial(71_795).unwrap();
        assert_eq!(m.plain(Unit::Toman), "7179.5");
        assert_eq!(m.grouped(Unit::Toman), "7,179.5");
        assert_eq!(m.grouped_fa(Unit::Toman), "۷٬۱۷۹٫۵");
        assert_eq!(
            m.words_fa(Unit::Toman),
            "هفتاد و یک هزار و هفتصد و نود و پنج ریال"
        );
    }

    #[test]
    fn sums_are_exact_and_bounded() {
        let lines = [3_900, 4_680, 24_899, 15_000, 2_800, 15_000, 5_517];
        let total: Money = lines.iter().map(|&t| toman(t)).sum();
        assert_eq!(total, toman(71_796));
        assert_eq!(toman(48_479).checked_mul(1000).unwrap(), toman(48_479_000));
        assert!(Money::from_toman(-1).is_err());
        assert!(Money::from_toman(i64::MAX / 5).is_err());
        assert!(toman(1).checked_mul(u64::MAX).is_err());
        assert!(
            Money::from_rial(MAX_RIAL)
                .unwrap()
                .checked_add(toman(1))
                .is_err()
        );
    }
}
