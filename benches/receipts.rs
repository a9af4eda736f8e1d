//! Receipts per second: N registration receipts (default 10,000), each a one-page PDF
//! file, then the same N as one combined PDF. Names and IDs vary per applicant like
//! real data (different glyphs per receipt). With PEER_JSON (the data file of
//! ../shared/bench-peers) the applicants and office are the peers' own. Run through
//! scripts/bench-receipts, which also records peak memory and runs the peers.
//!
//!   cargo bench --bench receipts -- [N] [OUT_DIR] [PEER_JSON]
//!
//! With SIGN=1 each receipt is signed as with an office key (its PK2 line made and
//! signed per receipt, inside the timing): the cost of signing.

use std::path::PathBuf;
use std::time::Instant;

use pishkhan::core::jalali::JalaliDate;
use pishkhan::core::money::Unit;
use pishkhan::core::office::Office;
use pishkhan::core::tariff::{Selection, Stage, Tariffs};
use pishkhan::desk::{Applicant, Exam, Receipt};
use pishkhan::docs::{Combined, Doc, render};
use pishkhan::typeset::PageSize;

// The allocator of pishkhan's binary (src/main.rs): the benchmark times what ships.
// With glibc's, malloc and free took a tenth of a receipt's time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The same name lists as ../shared/bench-peers, picked pseudo-randomly: names are
// set in Bold, so their variety decides how often a Bold subset repeats.
const FIRST: [&str; 30] = [
    "علی",
    "محمد",
    "حسین",
    "رضا",
    "مهدی",
    "امیر",
    "سعید",
    "حمید",
    "مرتضی",
    "جواد",
    "مصطفی",
    "ابوالفضل",
    "فاطمه",
    "زهرا",
    "مریم",
    "معصومه",
    "سمیه",
    "نرگس",
    "لیلا",
    "الهام",
    "سارا",
    "نازنین",
    "پریسا",
    "شیرین",
    "طاهره",
    "کبری",
    "منیژه",
    "فرزانه",
    "یاسمن",
    "کوثر",
];
const LAST: [&str; 30] = [
    "محمدی",
    "حسینی",
    "احمدی",
    "رضایی",
    "موسوی",
    "کریمی",
    "جعفری",
    "صادقی",
    "رحیمی",
    "هاشمی",
    "قاسمی",
    "نوری",
    "عباسی",
    "اکبری",
    "طاهری",
    "فرهادی",
    "یزدانی",
    "شریفی",
    "کاظمی",
    "اصفهانی",
    "تبریزی",
    "کرمانی",
    "میرزایی",
    "سلطانی",
    "بهرامی",
    "کریمی‌نژاد",
    "عبداللهی",
    "نیک‌پور",
    "خسروی",
    "قلی‌زاده",
];
const TRADES: [&str; 6] = [
    "قالی‌بافی",
    "گلیم‌بافی",
    "نان سنگک‌پز",
    "نان بربری‌پز",
    "سفالگری",
    "معرق‌کاری چوب",
];

/// A pseudo-random pick, fixed by `i` and `salt`.
fn pick(i: u64, salt: u64, n: usize) -> usize {
    let x = (i.wrapping_add(salt) ^ 0x9E37_79B9_7F4A_7C15).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    ((x >> 29) % n as u64) as usize
}

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

/// CPU time this process has used, in seconds: user + system of all its threads,
/// from /proc/self/stat (in clock ticks, 100 a second on Linux). On a shared machine it
/// measures the work, where wall time also counts waiting for the CPU.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this too, without
    // it: then a ten-receipt smoke run in a temporary directory is enough.
    let all: Vec<String> = std::env::args().skip(1).collect();
    let benching = all.iter().any(|a| a == "--bench");
    let args: Vec<String> = all.into_iter().filter(|a| a != "--bench").collect();
    let default_n = if benching { 10_000 } else { 10 };
    let n: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(default_n);
    let scratch = tempfile::tempdir().unwrap();
    let out = match args.get(1) {
        Some(dir) => PathBuf::from(dir),
        None if benching => PathBuf::from("target/bench-receipts"),
        None => scratch.path().to_path_buf(),
    };
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
    // The peers' data, when given: their applicants and office, our receipt.
    let peer: Option<serde_json::Value> = args
        .get(2)
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap());
    let n = match &peer {
        Some(v) => n.min(v["applicants"].as_array().unwrap().len() as u64),
        None => n,
    };
    let mut office = office;
    if let Some(v) = &peer {
        office.name = v["common"]["office_name"].as_str().map(str::to_string);
        office.code = v["common"]["office_code"].as_str().map(str::to_string);
    }
    let receipt = |i: u64| {
        let cluster = &schedule.clusters[(i % 2) as usize];
        let q = schedule
            .quote(Selection::One(Stage::Registration), Some(cluster), 1)
            .unwrap();
        Receipt {
            kind: Stage::Registration,
            office: office.clone().into(),
            number: format!("1402-{:06}", i + 1),
            date,
            time: format!("{:02}:{:02}", 8 + (i / 60) % 6, i % 60).into(),
            applicant: Applicant {
                first_name: FIRST[pick(i, 1, 30)].into(),
                last_name: LAST[pick(i, 2, 30)].into(),
                father_name: FIRST[pick(i, 3, 12)].into(),
                national_id: national_id(i),
                mobile: format!("0912{:07}", (i * 37) % 10_000_000),
                trade: TRADES[pick(i, 4, 6)].into(),
                cluster: cluster.name_fa.clone(),
            },
            exam: Exam {
                program: "آزمون‌های مهارتی صنایع دستی، فرش و نانوایان".into(),
                stage: "مرحله ۴".into(),
                written_exam: JalaliDate::parse("1402/11/26").unwrap(),
                time: None,
                venue: None,
            },
            lines: q.lines.into(),
            office_total: q.office_total,
            tvto_total: q.tvto_total,
            grand_total: q.grand_total,
            unit: Unit::Toman,
            approvals: schedule.approvals.clone().into(),
            schedule_id: schedule.id.as_str().into(),
            hash: format!("{:016x}", (i + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            signed: None,
        }
    };
    let key = (std::env::var("SIGN").as_deref() == Ok("1"))
        .then(|| pishkhan::desk::keys::OfficeKey::from_seed([1; 32]));
    let receipt = |i: u64| {
        let mut r = receipt(i);
        if let Some(v) = &peer {
            let a = &v["applicants"][i as usize];
            let s = |k: &str| a[k].as_str().unwrap().to_string();
            let fee = a["exam_fee"].as_i64().unwrap().to_string();
            let cluster = schedule.find_cluster(&fee).unwrap();
            let q = schedule
                .quote(Selection::One(Stage::Registration), Some(cluster), 1)
                .unwrap();
            r.number = s("receipt_no");
            r.time = s("time").into();
            r.applicant.first_name = s("first_name");
            r.applicant.last_name = s("last_name");
            r.applicant.national_id = s("national_id");
            r.applicant.mobile = s("mobile");
            r.applicant.trade = s("trade");
            r.applicant.cluster = cluster.name_fa.clone();
            (r.lines, r.office_total, r.tvto_total, r.grand_total) =
                (q.lines.into(), q.office_total, q.tvto_total, q.grand_total);
        }
        if let Some(key) = &key {
            let proof = pishkhan::desk::proof::Proof::of(&r).expect("numbered");
            let id = r.applicant.national_id.clone();
            r.signed = Some(pishkhan::desk::proof::Signed::sign(proof, &id, key).text());
        }
        r
    };

    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut bytes = 0;
    for i in 0..n {
        let pdf = render(&[Doc::Receipt(receipt(i))], PageSize::A5).expect("fits");
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

    // The same one-file receipts on every core: receipts are independent, and
    // Typst's bundle export, the fastest peer, uses both cores too.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (start, cpu) = (Instant::now(), cpu_seconds());
    std::thread::scope(|s| {
        for t in 0..threads {
            let (receipt, out) = (&receipt, &out);
            s.spawn(move || {
                for i in (t as u64..n).step_by(threads) {
                    let pdf = render(&[Doc::Receipt(receipt(i))], PageSize::A5).expect("fits");
                    std::fs::write(out.join(format!("p{:06}.pdf", i + 1)), pdf).unwrap();
                }
            });
        }
    });
    let (t, c) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    println!(
        "one-file on {threads} cores: {n} receipts in {t:.3} s wall ({:.0}/s), {c:.3} s CPU ({:.0}/s per core)",
        n as f64 / t,
        n as f64 / c
    );

    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut book = Combined::new("receipts", PageSize::A5).print_run();
    for i in 0..n {
        book.push(&Doc::Receipt(receipt(i))).expect("fits");
    }
    let pdf = book.finish();
    std::fs::write(out.join("combined.pdf"), &pdf).unwrap();
    let (t, c) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    println!(
        "combined: {n} pages in {t:.3} s wall ({:.0}/s), {c:.3} s CPU ({:.0}/s on one core), {:.1} MB",
        n as f64 / t,
        n as f64 / c,
        pdf.len() as f64 / 1e6
    );
}
