//! The Jalali calendar against an independent reference (Python's jdatetime, see
//! scripts/gen_jalali_fixture.py), and a property test of the ISO round trip.

use pishkhan::core::jalali::{JalaliDate, month_length};
use proptest::prelude::*;

#[test]
fn agrees_with_jdatetime() {
    let fixture = include_str!("../fixtures/jalali_jdatetime.csv");
    let mut checked = 0;
    for line in fixture.lines().skip(1) {
        let [jalali, iso, weekday] = line.split(',').collect::<Vec<_>>()[..] else {
            panic!("bad fixture line {line}");
        };
        let date = JalaliDate::parse(jalali).unwrap();
        assert_eq!(date.iso_string(), iso, "{jalali}");
        assert_eq!(date.weekday().name_en(), weekday, "{jalali}");
        assert_eq!(JalaliDate::parse_iso(iso).unwrap(), date, "{iso}");
        checked += 1;
    }
    assert!(checked > 2000, "fixture too small: {checked}");
}

proptest! {
    #[test]
    fn jalali_iso_jalali_round_trips(year in 1300i32..=1500, month in 1u8..=12, day_seed in 0u8..31) {
        let day = day_seed % month_length(year, month) + 1;
        let date = JalaliDate::new(year, month, day).unwrap();
        let iso = date.iso_string();
        prop_assert_eq!(JalaliDate::parse_iso(&iso).unwrap(), date);
        let (y, m, d) = date.to_iso();
        prop_assert_eq!(JalaliDate::from_iso(y, m, d).unwrap(), date);
        // Formatting and parsing agree too, in every digit family.
        prop_assert_eq!(JalaliDate::parse(&date.to_string()).unwrap(), date);
        prop_assert_eq!(JalaliDate::parse(&date.to_fa_digits()).unwrap(), date);
    }

    #[test]
    fn parsing_never_panics(s in "\\PC{0,16}") {
        let _ = JalaliDate::parse(&s);
        let _ = JalaliDate::parse_iso(&s);
    }

    #[test]
    fn bad_days_are_refused(year in 1300i32..=1500, month in 1u8..=12, extra in 1u32..40) {
        let day = u32::from(month_length(year, month)) + extra;
        let s = format!("{year}/{month}/{day}");
        prop_assert!(JalaliDate::parse(&s).is_err());
    }
}
