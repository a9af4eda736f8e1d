//! An office's signed monthly statement: what the office charged in a month (receipts
//! by kind, office and TVTO totals, each service line by schedule, each day) and
//! where its hash chain stood at the month's end, signed with the office's key. No
//! applicant's personal data: the guild can keep and add up statements without ever
//! holding any. A pure function of the ledger's receipts (fed one at a time, as the
//! ledger's walk gives them), so a statement made again from an unchanged ledger is
//! the same, byte for byte, and one from a changed ledger is not.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};

use super::audit::Charged;
use super::keys::{KeyRegistry, OfficeKey};
use crate::core::jalali::JalaliDate;
use crate::core::tariff::Kind;

/// The format and its version, first in every statement.
pub const FORMAT: &str = "pishkhan-statement/1";

/// One service line of the month.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Line {
    /// `office` or `tvto`.
    pub kind: String,
    /// The letter's row; none for TVTO fees.
    pub row: Option<u32>,
    pub code: String,
    pub name_fa: String,
    pub schedule: String,
    /// Rial.
    pub unit: i64,
    pub count: u64,
    /// Rial.
    pub amount: i64,
}

/// One day's totals, rial.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub date: String,
    pub office: i64,
    pub tvto: i64,
}

/// Where a year's chain stood at the month's end: its last receipt then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub year: i64,
    pub number: String,
    /// The receipt's chain hash, 64 hex digits.
    pub hash: String,
}

/// A monthly statement; `key` and `signature` are empty until it is signed. Fields
/// are written in this order, compact: the signed bytes are the statement written
/// with an empty signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub format: String,
    pub office: String,
    /// `1402/10`.
    pub month: String,
    /// Receipts by kind: registration, card, certificate.
    pub receipts: BTreeMap<String, u64>,
    /// Rial.
    pub office_total: i64,
    /// Rial.
    pub tvto_total: i64,
    pub lines: Vec<Line>,
    pub days: Vec<Day>,
    pub heads: Vec<Head>,
    /// The signing key's fingerprint.
    pub key: String,
    pub signature: String,
}

/// What differs between a statement and another (recomputed from a ledger), the
/// first thing found, said in a few words.
pub type Difference = String;

impl Statement {
    /// The bytes signed.
    fn message(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.signature.clear();
        serde_json::to_vec(&unsigned).expect("a statement is plain data")
    }

    /// Signs the statement with `key`.
    pub fn sign(mut self, key: &OfficeKey) -> Statement {
        self.key = key.public().fingerprint();
        self.signature.clear();
        self.signature = B64.encode(key.sign(&self.message()));
        self
    }

    /// The file: one line of JSON and a line end.
    pub fn to_file(&self) -> String {
        format!(
            "{}\n",
            serde_json::to_string(self).expect("a statement is plain data")
        )
    }

    pub fn parse(text: &str) -> Result<Statement, String> {
        let s: Statement =
            serde_json::from_str(text).map_err(|e| format!("not a statement: {e}"))?;
        if s.format != FORMAT {
            return Err(format!("format \"{}\" is not {FORMAT}", s.format));
        }
        Ok(s)
    }

    /// The month's last day, the date its key must be valid on.
    pub fn last_day(&self) -> Result<JalaliDate, String> {
        JalaliDate::parse_month(&self.month)
            .map(|(_, to)| to)
            .map_err(|e| format!("month \"{}\": {}", self.month, e.message_en()))
    }

    /// Whether the registry holds the signer as the office's key on the month's last
    /// day, and the signature is that key's over these bytes.
    pub fn check_signature(&self, registry: &KeyRegistry) -> Result<(), String> {
        let entry = registry
            .accepts(&self.office, &self.key, self.last_day()?)
            .map_err(|why| format!("key {}: {why}", self.key))?;
        let sig: [u8; 64] = B64
            .decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("the signature is not 64 bytes of base64")?;
        if !entry.public.verifies(&self.message(), &sig) {
            return Err("the signature does not hold: the statement was changed after it was signed, or signed by another key".into());
        }
        Ok(())
    }

    /// The first thing in which `recomputed` (the same office and month, from a
    /// ledger) differs from this statement; the signature aside.
    pub fn differs_from(&self, recomputed: &Statement) -> Option<Difference> {
        let (a, b) = (self, recomputed);
        if a.receipts != b.receipts {
            return Some(format!(
                "receipts by kind: stated {:?}, ledger {:?}",
                a.receipts, b.receipts
            ));
        }
        if (a.office_total, a.tvto_total) != (b.office_total, b.tvto_total) {
            return Some(format!(
                "totals: stated office {} tvto {}, ledger office {} tvto {} (rial)",
                a.office_total, a.tvto_total, b.office_total, b.tvto_total
            ));
        }
        if a.lines != b.lines {
            let at = a.lines.iter().zip(&b.lines).position(|(x, y)| x != y);
            return Some(match at {
                Some(i) => format!("line {} ({})", a.lines[i].code, a.lines[i].schedule),
                None => "the service lines".into(),
            });
        }
        if a.days != b.days {
            let at = a.days.iter().zip(&b.days).find(|(x, y)| x != y);
            return Some(match at {
                Some((x, _)) => format!("the day {}", x.date),
                None => "the days".into(),
            });
        }
        None
    }
}

/// A statement made from a ledger's receipts, fed in order.
pub struct Builder {
    office: String,
    month: String,
    from: JalaliDate,
    to: JalaliDate,
    receipts: BTreeMap<String, u64>,
    office_total: i64,
    tvto_total: i64,
    lines: BTreeMap<(String, u32, String, i64, String), Line>,
    days: BTreeMap<JalaliDate, (i64, i64)>,
    /// The last receipt of each year dated up to the month's end: its number.
    heads: BTreeMap<i64, String>,
}

impl Builder {
    /// `month` is `1402/10`; receipts of other offices and months are passed over.
    pub fn new(office: &str, month: &str) -> Result<Builder, String> {
        let (from, to) = JalaliDate::parse_month(month).map_err(|e| e.message_en())?;
        Ok(Builder {
            office: office.to_string(),
            month: format!("{:04}/{:02}", from.year(), from.month()),
            from,
            to,
            receipts: BTreeMap::new(),
            office_total: 0,
            tvto_total: 0,
            lines: BTreeMap::new(),
            days: BTreeMap::new(),
            heads: BTreeMap::new(),
        })
    }

    pub fn receipt(&mut self, c: &Charged) {
        if c.office_code != self.office || c.date > self.to {
            return;
        }
        // Numbers rise with recording: the last one seen is the head.
        if let Some((year, _)) = c.number.split_once('-')
            && let Ok(year) = year.parse()
        {
            self.heads.insert(year, c.number.to_string());
        }
        if c.date < self.from {
            return;
        }
        *self
            .receipts
            .entry(c.kind.as_str().to_string())
            .or_default() += 1;
        for l in c.lines {
            let kind = match l.kind {
                Kind::Office => "office",
                Kind::Tvto => "tvto",
            };
            let amount = l.amount.rial();
            let key = (
                kind.to_string(),
                l.row.unwrap_or(u32::MAX),
                l.code.to_string(),
                l.unit.rial(),
                l.schedule_id.to_string(),
            );
            let line = self.lines.entry(key).or_insert_with(|| Line {
                kind: kind.into(),
                row: l.row,
                code: l.code.to_string(),
                name_fa: l.name_fa.to_string(),
                schedule: l.schedule_id.to_string(),
                unit: l.unit.rial(),
                count: 0,
                amount: 0,
            });
            line.count += l.quantity;
            line.amount += amount;
            let day = self.days.entry(c.date).or_default();
            match l.kind {
                Kind::Office => {
                    self.office_total += amount;
                    day.0 += amount;
                }
                Kind::Tvto => {
                    self.tvto_total += amount;
                    day.1 += amount;
                }
            }
        }
    }

    /// The numbers of the month-end heads, for the ledger to give their hashes.
    pub fn head_numbers(&self) -> Vec<String> {
        self.heads.values().cloned().collect()
    }

    /// The statement, unsigned; `hash_of` gives a head receipt's full chain hash.
    pub fn finish(self, hash_of: impl Fn(&str) -> Option<String>) -> Statement {
        Statement {
            format: FORMAT.into(),
            office: self.office,
            month: self.month,
            receipts: self.receipts,
            office_total: self.office_total,
            tvto_total: self.tvto_total,
            lines: self.lines.into_values().collect(),
            days: self
                .days
                .into_iter()
                .map(|(d, (office, tvto))| Day {
                    date: d.to_string(),
                    office,
                    tvto,
                })
                .collect(),
            heads: self
                .heads
                .into_iter()
                .map(|(year, number)| Head {
                    year,
                    hash: hash_of(&number).unwrap_or_default(),
                    number,
                })
                .collect(),
            key: String::new(),
            signature: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_statement_holds_until_a_byte_of_it_changes() {
        let key = OfficeKey::from_seed([5; 32]);
        let s = Builder::new("37-1234", "1402/10")
            .unwrap()
            .finish(|_| None)
            .sign(&key);
        let registry = KeyRegistry::parse(&KeyRegistry::line(
            "37-1234",
            &key.public(),
            JalaliDate::parse("1402/01/01").unwrap(),
        ))
        .unwrap();
        let back = Statement::parse(&s.to_file()).unwrap();
        assert_eq!(back, s);
        back.check_signature(&registry).unwrap();
        let edited = Statement::parse(
            &s.to_file()
                .replace("\"office_total\":0", "\"office_total\":1"),
        )
        .unwrap();
        assert!(
            edited
                .check_signature(&registry)
                .unwrap_err()
                .contains("does not hold")
        );
        let other = KeyRegistry::parse(&KeyRegistry::line(
            "37-5678",
            &key.public(),
            JalaliDate::parse("1402/01/01").unwrap(),
        ))
        .unwrap();
        assert!(s.check_signature(&other).unwrap_err().contains("37-5678"));
    }
}
