//! Renders one of each document in each paper size into examples/, from the shipped
//! tariffs.toml, calendar.toml and examples/office.toml. Run through
//! `scripts/make-examples`, which also renders the PNGs.

use std::path::Path;

use pishkhan::core::calendar::Calendar;
use pishkhan::core::jalali::JalaliDate;
use pishkhan::core::money::Unit;
use pishkhan::core::office::Office;
use pishkhan::core::tariff::{Selection, Stage, Tariffs};
use pishkhan::desk::{Applicant, Exam, Receipt};
use pishkhan::docs::{Doc, Slip, render};
use pishkhan::typeset::PageSize;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let tariffs = Tariffs::parse(&read("tariffs.toml"))
        .0
        .expect("tariffs.toml is valid");
    let calendar = Calendar::parse(&read("calendar.toml"))
        .0
        .expect("calendar.toml is valid");
    let office = Office::parse(&read("examples/office.toml"))
        .0
        .expect("office.toml is valid");
    let stage = &calendar.program("hcb").unwrap().stages[0];
    let program = &calendar.program("hcb").unwrap().name_fa;

    let applicant = Applicant {
        first_name: "زهرا".into(),
        last_name: "احمدی‌نژاد".into(),
        father_name: "محمدرضا".into(),
        national_id: "0012345679".into(),
        mobile: "09123456789".into(),
        trade: "قالی‌باف دستباف".into(),
        cluster: String::new(),
    };
    let receipt = |kind: Stage, date: &str, time: &str, number: &str, selection: Selection| {
        let date = JalaliDate::parse(date).unwrap();
        let schedule = tariffs.schedule_on(date).unwrap();
        let cluster = schedule.find_cluster("60000").unwrap();
        let quote = schedule.quote(selection, Some(cluster), 1).unwrap();
        let mut applicant = applicant.clone();
        applicant.cluster = cluster.name_fa.clone();
        Receipt {
            kind,
            office: office.clone().into(),
            number: number.into(),
            date,
            time: time.into(),
            applicant,
            exam: Exam {
                program: program.clone().into(),
                stage: stage.name_fa.clone().into(),
                written_exam: stage.written_exam,
                time: Some("08:30".into()),
                venue: Some("مرکز آموزش فنی و حرفه‌ای شماره ۱ قم، بلوار امین".into()),
            },
            lines: quote.lines.into(),
            office_total: quote.office_total,
            tvto_total: quote.tvto_total,
            grand_total: quote.grand_total,
            unit: Unit::Toman,
            approvals: schedule.approvals.clone().into(),
            schedule_id: schedule.id.as_str().into(),
            hash: "3b870224510cb5db".into(),
            signed: None,
        }
    };
    let registration = receipt(
        Stage::Registration,
        "1402/10/26",
        "10:42",
        "1402-000123",
        Selection::One(Stage::Registration),
    );
    let card = receipt(
        Stage::Card,
        "1402/11/24",
        "09:15",
        "1402-000871",
        Selection::One(Stage::Card),
    );
    let certificate = receipt(
        Stage::Certificate,
        "1403/01/20",
        "11:05",
        "1403-000042",
        Selection::One(Stage::Certificate),
    );

    for (size, name) in [
        (PageSize::A5, "a5"),
        (PageSize::A4, "a4"),
        (PageSize::Roll80, "roll80"),
        (PageSize::Roll58, "roll58"),
    ] {
        for (doc, kind) in [
            (Doc::Receipt(registration.clone()), "receipt"),
            (
                Doc::Slip(Slip {
                    receipt: card.clone(),
                }),
                "slip",
            ),
            (Doc::Receipt(certificate.clone()), "certificate"),
        ] {
            let path = root.join(format!("examples/{kind}-{name}.pdf"));
            std::fs::write(&path, render(&[doc], size).expect("fits")).unwrap();
            println!("{}", path.display());
        }
    }
    applicants_xlsx(root);
}

/// examples/applicants.xlsx: the 20 applicants of examples/applicants.csv as an
/// office keeps them in Excel: a title above the header, national IDs and mobiles that
/// Excel took for numbers (their leading zeros lost), a birth date typed as an Excel
/// date, the rest as typed.
fn applicants_xlsx(root: &Path) {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let csv = std::fs::read_to_string(root.join("examples/applicants.csv")).unwrap();
    let mut book = Workbook::new();
    // A fixed creation date: the same file on every run.
    let made = ExcelDateTime::from_ymd(2024, 1, 16).unwrap();
    book.set_properties(&DocProperties::new().set_creation_datetime(&made));
    let sheet = book.add_worksheet();
    sheet.set_name("متقاضیان").unwrap();
    sheet.set_right_to_left(true);
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_string_with_format(
            0,
            0,
            "فهرست متقاضیان آزمون مهارتی — دفتر پیشخوان ۱۲۳۴ قم",
            &bold,
        )
        .unwrap();
    let mut lines = csv.trim_start_matches('\u{FEFF}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string_with_format(2, c as u16, *h, &bold)
            .unwrap();
    }
    for (r, line) in lines.enumerate() {
        let row = 3 + r as u32;
        for (c, v) in line.split(',').enumerate() {
            let col = c as u16;
            let digits = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
            match header[c] {
                // Excel keeps a typed ID or mobile as a number: its zeros go.
                "کد ملی" if digits && v.len() <= 10 => {
                    sheet
                        .write_number(row, col, v.parse::<f64>().unwrap())
                        .unwrap();
                }
                "تلفن همراه" if digits && v.len() == 11 && v.starts_with("09") => {
                    sheet
                        .write_number(row, col, v.parse::<f64>().unwrap())
                        .unwrap();
                }
                // The second applicant's birth date typed as a date.
                "تاریخ تولد" if r == 1 => {
                    let (y, m, d) = JalaliDate::parse(v).unwrap().to_iso();
                    let when = ExcelDateTime::from_ymd(y as u16, m, d).unwrap();
                    sheet
                        .write_datetime_with_format(row, col, &when, &date)
                        .unwrap();
                }
                _ => {
                    sheet.write_string(row, col, v).unwrap();
                }
            }
        }
    }
    let path = root.join("examples/applicants.xlsx");
    book.save(&path).unwrap();
    println!("{}", path.display());
}
