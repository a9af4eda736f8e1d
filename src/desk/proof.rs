//! What a printed receipt can prove: its office, number, date, totals and the start
//! of its chain hash, as one short versioned line (`PK1|…`), and which of those a
//! recorded receipt disagrees with. Pure: the ledger hands in what it recorded.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use super::charge::Receipt;
use super::keys::{OfficeKey, PublicKey};
use crate::core::jalali::JalaliDate;
use crate::core::money::Money;

/// The version tag that starts every proof line.
pub const TAG: &str = "PK1";

/// The version tag of a signed proof line.
pub const SIGNED_TAG: &str = "PK2";

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

/// A proof signed by the office: the `PK1` facts, whom the receipt is for (the
/// national ID), the key's fingerprint, and an Ed25519 signature over the exact bytes
/// of the line before it:
/// `PK2|37-1234|1402-000001|1402/10/26|484790|600000|5e0b…|0012345679|b061…|<sig>`,
/// the signature in unpadded URL-safe base64 (86 characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub proof: Proof,
    pub national_id: String,
    pub fingerprint: String,
    pub signature: [u8; 64],
}

impl Signed {
    /// `proof` of the receipt for `national_id`, signed with `key`.
    pub fn sign(proof: Proof, national_id: &str, key: &OfficeKey) -> Signed {
        let mut s = Signed {
            proof,
            national_id: national_id.to_string(),
            fingerprint: key.public().fingerprint(),
            signature: [0; 64],
        };
        s.signature = key.sign(s.message().as_bytes());
        s
    }

    /// The bytes signed: the line up to its signature.
    pub fn message(&self) -> String {
        let p = &self.proof;
        format!(
            "{SIGNED_TAG}|{}|{}|{}|{}|{}|{}|{}|{}",
            p.office,
            p.number,
            p.date,
            p.office_total.rial(),
            p.tvto_total.rial(),
            p.hash_prefix,
            self.national_id,
            self.fingerprint
        )
    }

    pub fn text(&self) -> String {
        format!("{}|{}", self.message(), B64.encode(self.signature))
    }

    /// Reads a signed line; the error says what is wrong with it. Whether the
    /// signature holds is [`Signed::verifies`]'s to say.
    pub fn parse(text: &str) -> Result<Signed, String> {
        let text = text.trim();
        let Some(rest) = text
            .strip_prefix(SIGNED_TAG)
            .and_then(|r| r.strip_prefix('|'))
        else {
            return Err(format!("it does not start with {SIGNED_TAG}|"));
        };
        let parts: Vec<&str> = rest.split('|').collect();
        let [
            office,
            number,
            date,
            ot,
            tt,
            hash,
            national_id,
            fingerprint,
            sig,
        ] = parts[..]
        else {
            return Err(format!(
                "it has {} fields where a {SIGNED_TAG} proof has 10",
                parts.len() + 1
            ));
        };
        let proof = Proof::parse(&format!("{TAG}|{office}|{number}|{date}|{ot}|{tt}|{hash}"))?;
        if national_id.len() != 10 || !national_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("national_id \"{national_id}\" is not ten digits"));
        }
        if fingerprint.len() != 16 || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "fingerprint \"{fingerprint}\" is not 16 hex digits"
            ));
        }
        let signature: [u8; 64] = B64
            .decode(sig)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| "signature is not 64 bytes of base64".to_string())?;
        Ok(Signed {
            proof,
            national_id: national_id.to_string(),
            fingerprint: fingerprint.to_ascii_lowercase(),
            signature,
        })
    }

    /// Whether the signature is `key`'s over this line's bytes.
    pub fn verifies(&self, key: &PublicKey) -> bool {
        key.fingerprint() == self.fingerprint
            && key.verifies(self.message().as_bytes(), &self.signature)
    }
}

/// The line a receipt's documents print: its signed line when the office signed
/// it, else its `PK1` line; `None` before the ledger has numbered it.
pub fn line_of(r: &Receipt) -> Option<String> {
    r.signed.clone().or_else(|| Proof::of(r).map(|p| p.text()))
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
    fn a_signed_line_round_trips_and_any_change_breaks_it() {
        let key = OfficeKey::from_seed([3; 32]);
        let s = Signed::sign(proof(), "0012345679", &key);
        let text = s.text();
        assert!(
            text.starts_with(
                "PK2|37-1234|1402-000001|1402/10/26|484790|600000|5e0b1c2d3e4f5a6b|0012345679|"
            ),
            "{text}"
        );
        let back = Signed::parse(&text).unwrap();
        assert_eq!(back, s);
        assert!(back.verifies(&key.public()));
        let other = OfficeKey::from_seed([4; 32]).public();
        assert!(!back.verifies(&other));
        for (from, to) in [
            ("484790", "484791"),
            ("0012345679", "0012345687"),
            ("1402/10/26", "1402/10/27"),
        ] {
            let changed = Signed::parse(&text.replacen(from, to, 1)).unwrap();
            assert!(!changed.verifies(&key.public()), "{from} -> {to}");
        }
        assert!(Signed::parse("PK2|37-1234").unwrap_err().contains("fields"));
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
