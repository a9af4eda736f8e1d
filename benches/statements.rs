//! Makes the signed monthly statements of many offices, as the guild receives them,
//! for timing `report --statements` and `audit --statements` (scripts/bench-statements):
//! OFFICES offices (default 1,000) × 12 months of 1402, each with the seven service
//! lines and TVTO's two fees, 24 working days and a chain head, signed with a key of
//! its own; and the guild's registry of those keys.
//!
//!   cargo bench --bench statements -- [OFFICES] [OUT_DIR]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use pishkhan::core::jalali::JalaliDate;
use pishkhan::desk::keys::{KeyRegistry, OfficeKey};
use pishkhan::desk::statement::{Day, FORMAT, Head, Line, Statement};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let offices: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let out = PathBuf::from(
        args.get(1)
            .map_or("target/bench-statements", |s| s.as_str()),
    );
    std::fs::create_dir_all(out.join("statements")).unwrap();
    let lines: [(&str, Option<u32>, &str, i64); 9] = [
        ("office", Some(1), "authenticate", 39_000),
        ("office", Some(2), "check-documents", 46_800),
        ("office", Some(3), "register-print", 248_990),
        ("office", Some(4), "pay-exam-fee", 150_000),
        ("office", Some(5), "exam-slip", 28_000),
        ("office", Some(6), "certificate-request", 150_000),
        ("office", Some(7), "certificate-print", 55_170),
        ("tvto", None, "exam-fee", 600_000),
        ("tvto", None, "certificate-fee", 1_000_000),
    ];
    let mut registry = String::new();
    let start = std::time::Instant::now();
    for o in 0..offices {
        let code = format!("37-{:04}", o + 1);
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(o + 1).to_be_bytes());
        let key = OfficeKey::from_seed(seed);
        registry.push_str(&KeyRegistry::line(
            &code,
            &key.public(),
            JalaliDate::parse("1402/01/01").unwrap(),
        ));
        registry.push('\n');
        let mut seq = 0u64;
        for month in 1..=12u8 {
            let count = 20 + (o * 7 + u64::from(month) * 13) % 60;
            let mut st = Statement {
                format: FORMAT.into(),
                office: code.clone(),
                month: format!("1402/{month:02}"),
                receipts: BTreeMap::from([("registration".to_string(), count)]),
                office_total: 0,
                tvto_total: 0,
                lines: Vec::new(),
                days: Vec::new(),
                heads: Vec::new(),
                key: String::new(),
                signature: String::new(),
            };
            for (kind, row, code, unit) in lines {
                let amount = unit * count as i64;
                if kind == "office" {
                    st.office_total += amount;
                } else {
                    st.tvto_total += amount;
                }
                st.lines.push(Line {
                    kind: kind.into(),
                    row,
                    code: code.into(),
                    name_fa: format!("خدمت {code}"),
                    schedule: "qom-1402".into(),
                    unit,
                    count,
                    amount,
                });
            }
            for day in 1..=24u8 {
                st.days.push(Day {
                    date: format!("1402/{month:02}/{day:02}"),
                    office: st.office_total / 24,
                    tvto: st.tvto_total / 24,
                });
            }
            seq += count;
            let mut hash = String::new();
            for b in 0..32u64 {
                write!(hash, "{:02x}", (seq * 31 + b * 7 + o) % 256).unwrap();
            }
            st.heads.push(Head {
                year: 1402,
                number: format!("1402-{seq:06}"),
                hash,
            });
            let st = st.sign(&key);
            std::fs::write(
                out.join(format!("statements/{code}-1402-{month:02}.json")),
                st.to_file(),
            )
            .unwrap();
        }
    }
    std::fs::write(out.join("registry.toml"), registry).unwrap();
    println!(
        "{} statements of {offices} offices in {:.2} s into {}",
        offices * 12,
        start.elapsed().as_secs_f64(),
        out.display()
    );
}
