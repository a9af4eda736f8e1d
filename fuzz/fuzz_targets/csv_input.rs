//! Any bytes through the applicant-sheet path: encoding sniffing, CSV parsing, the
//! spreadsheet reader (seeded with .xlsx, .xls and .ods files), header
//! matching, normalisation and row validation. It must never panic.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pishkhan::core::applicant::Context;
use pishkhan::core::validate::validate;
use pishkhan::core::calendar::Calendar;
use pishkhan::core::jalali::JalaliDate;
use pishkhan::core::tariff::Tariffs;
use pishkhan::input::Sheet;

fn shipped() -> &'static (Tariffs, Calendar) {
    static FILES: OnceLock<(Tariffs, Calendar)> = OnceLock::new();
    FILES.get_or_init(|| {
        (
            Tariffs::parse(include_str!("../../tariffs.toml")).0.unwrap(),
            Calendar::parse(include_str!("../../calendar.toml")).0.unwrap(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (tariffs, calendar) = shipped();
    let date = JalaliDate::new(1402, 10, 26).unwrap();
    let ctx = Context {
        service_date: date,
        schedule: tariffs.schedule_on(date).unwrap(),
        stage: &calendar.programs[0].stages[0],
        extra_military: &[],
        mobiles: pishkhan::core::mobile::Prefixes::shipped(),
    };
    let Ok(sheet) = Sheet::open("fuzz.csv", Box::new(Cursor::new(data.to_vec())), None) else {
        return;
    };
    for row in sheet.take(1000) {
        if let Ok(row) = row {
            let _ = validate(&row.input, &ctx);
        }
    }
});
