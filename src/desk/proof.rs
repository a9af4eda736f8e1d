//! What a printed receipt can prove: its office, number, date, totals and the start
//! of its chain hash, as one short versioned line (`PK1|…`), and which of those a
//! recorded receipt disagrees with. Pure: the ledger hands in what it recorded.

use super::charge::Receipt;
use crate::core::jalali::JalaliDate;
use crate::core::money::Money;

/// The version tag that starts every proof line.
pub const TAG: &str = "PK1";

/// How many hex digits of the chain hash a proof carries.
pub const PREFIX_LEN: usize = 16;

/// A receipt's facts as a proof line carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    pub office: String,
    /// `1402-000123`.
    pub number: String,
    pub date: JalaliDate,
    pub office_total: Money,
    pub tvto_total: Money,
    /// The first [`PREFIX_LEN`] hex digits of the receipt's chain hash, lowercase.
    pub hash_prefix: String,
}

impl Proof {
    /// What a recorded receipt's documents prove; `None` until the ledger has given
    /// it a number and a place in its chain (or for a receipt recorded before the
    /// chain, which has none).
    pub fn of(r: &Receipt) -> Option<Proof> {
        if r.number.is_empty() || r.hash.len() != PREFIX_LEN {
            return None;
        }
        Some(Proof {
            office: r.office.code.clone()?,
            number: r.number.clone(),
            date: r.date,
            office_total: r.office_total,
            tvto_total: r.tvto_total,
            hash_prefix: r.hash.clone(),
        })
    }

    /// `PK1|37-1234|1402-000001|1402/10/26|484790|600000|5e0b…`: totals in rial,
    /// integers, so nothing is lost to rounding.
    pub fn text(&self) -> String {
        format!(
            "{TAG}|{}|{}|{}|{}|{}|{}",
            self.office,
            self.number,
            self.date,
            self.office_total.rial(),
            self.tvto_total.rial(),
            self.hash_prefix
        )
    }

    /// Reads a proof line; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Proof, String> {
        let parts: Vec<&str> = text.trim().split('|').collect();
        if parts.first() != Some(&TAG) {
            return Err(format!("it does not start with {TAG}|"));
        }
        let [_, office, number, date, office_total, tvto_total, hash] = parts[..] else {
            return Err(format!(
                "it has {} fields where a {TAG} proof has 7",
                parts.len()
            ));
        };
        let money = |name: &str, v: &str| {
            v.parse::<i64>()
                .ok()
                .and_then(|r| Money::from_rial(r).ok())
                .ok_or_else(|| format!("{name} \"{v}\" is not an amount in rial"))
        };
        let valid_number = number.split_once('-').is_some_and(|(y, s)| {
            y.len() == 4 && s.len() == 6 && (y.to_owned() + s).bytes().all(|b| b.is_ascii_digit())
        });
        if !valid_number {
            return Err(format!("receipt_no \"{number}\" is not like 1402-000123"));
        }
        if hash.len() != PREFIX_LEN || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("hash \"{hash}\" is not {PREFIX_LEN} hex digits"));
        }
        Ok(Proof {
            office: office.to_string(),
            number: number.to_string(),
            date: JalaliDate::parse(date).map_err(|e| format!("date: {}", e.message_en()))?,
            office_total: money("office_total", office_total)?,
            tvto_total: money("tvto_total", tvto_total)?,
            hash_prefix: hash.to_ascii_lowercase(),
        })
    }

    /// The fields in which `recorded` differs from this proof, by their names in the
    /// proof line.
    pub fn differences(&self, recorded: &Proof) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.office != recorded.office {
            out.push("office");
        }
        if self.number != recorded.number {
            out.push("receipt_no");
        }
        if self.date != recorded.date {
            out.push("date");
        }
        if self.office_total != recorded.office_total {
            out.push("office_total");
        }
        if self.tvto_total != recorded.tvto_total {
            out.push("tvto_total");
        }
        if self.hash_prefix != recorded.hash_prefix {
            out.push("hash");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof() -> Proof {
        Proof {
            office: "37-1234".into(),
            number: "1402-000001".into(),
            date: JalaliDate::parse("1402/10/26").unwrap(),
            office_total: Money::from_rial(484_790).unwrap(),
            tvto_total: Money::from_rial(600_000).unwrap(),
            hash_prefix: "5e0b1c2d3e4f5a6b".into(),
        }
    }

    #[test]
    fn a_proof_line_round_trips_and_names_what_differs() {
        let p = proof();
        let text = p.text();
        assert_eq!(
            text,
            "PK1|37-1234|1402-000001|1402/10/26|484790|600000|5e0b1c2d3e4f5a6b"
        );
        assert_eq!(Proof::parse(&text).unwrap(), p);
        let changed = Proof::parse(&text.replace("484790", "484791")).unwrap();
        assert_eq!(changed.differences(&p), ["office_total"]);
        let changed = Proof::parse(&text.replace("1402/10/26", "1402/10/27")).unwrap();
        assert_eq!(changed.differences(&p), ["date"]);
    }

    #[test]
    fn bad_proof_lines_say_why() {
        for (text, why) in [
            ("hello", "does not start with PK1|"),
            ("PK1|37-1234|1402-000001", "3 fields"),
            (
                "PK1|37-1234|1402-1|1402/10/26|1|2|5e0b1c2d3e4f5a6b",
                "receipt_no",
            ),
            (
                "PK1|37-1234|1402-000001|1402/13/26|1|2|5e0b1c2d3e4f5a6b",
                "date",
            ),
            (
                "PK1|37-1234|1402-000001|1402/10/26|x|2|5e0b1c2d3e4f5a6b",
                "office_total",
            ),
            ("PK1|37-1234|1402-000001|1402/10/26|1|2|zz", "hash"),
        ] {
            let e = Proof::parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
