//! Receipts per second: N registration receipts (default 10,000), each a one-page PDF
//! file, then the same N as one combined PDF. Names and IDs vary per applicant like
//! real data (different glyphs per receipt). Run through scripts/bench-receipts,
//! which also records peak memory and runs the peer tools for comparison.
//!
//!   cargo bench --bench receipts -- [N] [OUT_DIR]

use std::path::PathBuf;
use std::time::Instant;

use pishkhan::core::jalali::JalaliDate;
use pishkhan::core::money::Unit;
use pishkhan::core::office::Office;
use pishkhan::core::tariff::{Selection, Stage, Tariffs};
use pishkhan::docs::{Applicant, Doc, Exam, Receipt, ReceiptKind, render};
use pishkhan::typeset::PageSize;

const FIRST: [&str; 12] = [
    "زهرا",
    "محمد",
    "فاطمه",
    "علی",
    "مریم",
    "حسین",
    "زینب",
    "رضا",
    "معصومه",
    "مهدی",
    "سکینه",
    "امیرحسین",
];
const LAST: [&str; 12] = [
    "احمدی",
    "حسینی‌نژاد",
    "کریمی",
    "رضایی",
    "موسوی",
    "قاسمی",
    "جعفری",
    "صادقی",
    "طاهری‌فر",
    "نوروزی",
    "اکبرزاده",
    "محمدی",
];
const TRADES: [&str; 6] = [
    "قالی‌باف دستباف",
    "نان‌پز سنگک",
    "سفالگر",
    "معرق‌کار چوب",
    "نان‌پز بربری",
    "گلیم‌باف",
];

fn national_id(n: u64) -> String {
    let body = format!("{:09}", (n * 7919 + 12345) % 1_000_000_000);
    let s: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * (10 - i as u32))
        .sum();
    let r = s % 11;
    format!("{body}{}", if r < 2 { r } else { 11 - r })
}

/// CPU time this process has used, in seconds (from /proc: user + system, all
/// threads). On a shared machine it measures the work, where wall time also counts
/// waiting for the CPU.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/schedstat").unwrap_or_default();
    stat.split_whitespace()
        .next()
        .and_then(|ns| ns.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1e9
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let n: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let out = PathBuf::from(
        args.get(1)
            .cloned()
            .unwrap_or_else(|| "target/bench-receipts".into()),
    );
    std::fs::create_dir_all(&out).unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tariffs = Tariffs::parse(&std::fs::read_to_string(root.join("tariffs.toml")).unwrap())
        .0
        .unwrap();
    let office =
        Office::parse(&std::fs::read_to_string(root.join("examples/office.toml")).unwrap())
            .0
            .unwrap();
    let date = JalaliDate::parse("1402/10/26").unwrap();
    let schedule = tariffs.schedule_on(date).unwrap();
    let receipt = |i: u64| {
        let cluster = &schedule.clusters[(i % 2) as usize];
        let q = schedule
            .quote(Selection::One(Stage::Registration), Some(cluster), 1)
            .unwrap();
        Receipt {
            kind: ReceiptKind::Registration,
            office: office.clone(),
            number: format!("1402-{:06}", i + 1),
            date,
            time: format!("{:02}:{:02}", 8 + (i / 60) % 6, i % 60),
            applicant: Applicant {
                first_name: FIRST[(i % 12) as usize].into(),
                last_name: LAST[((i / 12) % 12) as usize].into(),
                father_name: FIRST[((i / 7) % 12) as usize].into(),
                national_id: national_id(i),
                mobile: format!("0912{:07}", (i * 37) % 10_000_000),
                trade: TRADES[(i % 6) as usize].into(),
                cluster: cluster.name_fa.clone(),
            },
            exam: Exam {
                program: "آزمون‌های مهارتی صنایع دستی، فرش و نانوایان".into(),
                stage: "مرحله ۴".into(),
                written_exam: JalaliDate::parse("1402/11/26").unwrap(),
                time: None,
                venue: None,
            },
            lines: q.lines,
            office_total: q.office_total,
            tvto_total: q.tvto_total,
            grand_total: q.grand_total,
            unit: Unit::Toman,
            approvals: schedule.approvals.clone(),
        }
    };

    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut bytes = 0;
    for i in 0..n {
        let pdf = render(&[Doc::Receipt(receipt(i))], PageSize::A5);
        bytes += pdf.len();
        std::fs::write(out.join(format!("1402-{:06}.pdf", i + 1)), pdf).unwrap();
    }
    let (t, c) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    println!(
        "one-file: {n} receipts in {t:.3} s wall ({:.0}/s), {c:.3} s CPU ({:.0}/s on one core), {:.1} KB each",
        n as f64 / t,
        n as f64 / c,
        bytes as f64 / n as f64 / 1024.0
    );

    let (start, cpu) = (Instant::now(), cpu_seconds());
    let docs: Vec<Doc> = (0..n).map(|i| Doc::Receipt(receipt(i))).collect();
    let pdf = render(&docs, PageSize::A5);
    std::fs::write(out.join("combined.pdf"), &pdf).unwrap();
    let (t, c) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    println!(
        "combined: {n} pages in {t:.3} s wall ({:.0}/s), {c:.3} s CPU ({:.0}/s on one core), {:.1} MB",
        n as f64 / t,
        n as f64 / c,
        pdf.len() as f64 / 1e6
    );
}
