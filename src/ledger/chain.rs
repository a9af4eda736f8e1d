//! The hash chain: each receipt's `hash` is SHA-256 over the previous receipt's hash
//! (of the same office and Jalali year) and the receipt's canonical bytes, so that a
//! receipt changed, removed or slipped in after the fact no longer fits the chain.
//!
//! Canonical bytes: every field in a fixed order, each written as a netstring
//! (`<byte length>:<UTF-8 bytes>,`; numbers in decimal; an absent value as `~`), the
//! receipt's fields first, then each line's. A shared part (office, exam, approvals,
//! a line's names) enters as the SHA-256 of its stored JSON body (32 raw bytes, as a
//! netstring): hashed once per part, not once per receipt. The first receipt of an
//! office and year follows [`genesis`]. docs/ledger.md states the same, for anyone who wants to check a ledger
//! with other tools.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// What the first receipt of an office and year follows.
pub fn genesis(office_code: &str, year: i64) -> Hash {
    let mut c = Canon(Vec::new());
    c.text("pishkhan-chain-v1");
    c.text(office_code);
    c.int(year);
    c.finish()
}

/// A receipt as stored, the fields its hash covers.
pub struct Fields<'a> {
    pub office_code: &'a str,
    pub year: i64,
    pub seq: i64,
    pub kind: &'a str,
    pub national_id: &'a str,
    pub program: &'a str,
    pub exam_stage: i64,
    pub service_date: &'a str,
    pub time: &'a str,
    pub schedule_id: &'a str,
    pub totals: [i64; 3],
    pub names: [&'a str; 3],
    pub mobile: &'a str,
    pub trade: &'a str,
    pub cluster: &'a str,
    pub exam_time: Option<&'a str>,
    pub venue: Option<&'a str>,
    pub currency: &'a str,
    /// The digests of its office, exam and approvals parts ([`part_digest`]).
    pub parts: [&'a Hash; 3],
    pub birth_date: Option<&'a str>,
    pub gender: Option<&'a str>,
    pub military_status: Option<&'a str>,
}

/// A line as stored, the fields its receipt's hash covers.
pub struct LineFields<'a> {
    pub line_no: i64,
    pub code: &'a str,
    /// The digest of its names part.
    pub names: &'a Hash,
    pub quantity: i64,
    pub unit: i64,
    pub amount: i64,
    pub kind: &'a str,
    pub schedule_id: &'a str,
    pub row: Option<i64>,
}

/// The hash of a receipt that follows `prev`.
pub fn hash<'a>(prev: &Hash, r: &Fields, lines: impl IntoIterator<Item = LineFields<'a>>) -> Hash {
    let mut buf = Vec::with_capacity(1024);
    canonical(&mut buf, prev, r, lines);
    digest(&buf)
}

/// SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// Appends what the hash of a receipt that follows `prev` is taken over: `prev`,
/// then the receipt's canonical bytes.
pub fn canonical<'a>(
    buf: &mut Vec<u8>,
    prev: &Hash,
    r: &Fields,
    lines: impl IntoIterator<Item = LineFields<'a>>,
) {
    let mut c = Canon(std::mem::take(buf));
    c.0.reserve(1024);
    c.0.extend_from_slice(prev);
    c.text(r.office_code);
    c.int(r.year);
    c.int(r.seq);
    c.text(r.kind);
    c.text(r.national_id);
    c.text(r.program);
    c.int(r.exam_stage);
    c.text(r.service_date);
    c.text(r.time);
    c.text(r.schedule_id);
    for t in r.totals {
        c.int(t);
    }
    for n in r.names {
        c.text(n);
    }
    c.text(r.mobile);
    c.text(r.trade);
    c.text(r.cluster);
    c.opt(r.exam_time);
    c.opt(r.venue);
    c.text(r.currency);
    for p in r.parts {
        c.bytes(p);
    }
    c.opt(r.birth_date);
    c.opt(r.gender);
    c.opt(r.military_status);
    for l in lines {
        c.int(l.line_no);
        c.text(l.code);
        c.bytes(l.names);
        c.int(l.quantity);
        c.int(l.unit);
        c.int(l.amount);
        c.text(l.kind);
        c.text(l.schedule_id);
        match l.row {
            Some(row) => c.int(row),
            None => c.absent(),
        }
    }
    *buf = c.0;
}

/// What a shared part enters the chain as: the SHA-256 of its stored body.
pub fn part_digest(body: &str) -> Hash {
    Sha256::digest(body.as_bytes()).into()
}

/// A hash as lowercase hex, as printed and kept by the guild.
pub fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Canonical bytes, gathered and then hashed at once (SHA-256 is fastest on a
/// whole buffer, not field by field).
struct Canon(Vec<u8>);

impl Canon {
    #[inline]
    fn bytes(&mut self, b: &[u8]) {
        match b.len() {
            // Most fields are short: their length is one digit.
            n @ 0..=9 => self.0.push(b'0' + n as u8),
            n => self
                .0
                .extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        }
        self.0.push(b':');
        self.0.extend_from_slice(b);
        self.0.push(b',');
    }

    fn finish(self) -> Hash {
        digest(&self.0)
    }

    fn text(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn int(&mut self, n: i64) {
        let mut buf = itoa::Buffer::new();
        self.text(buf.format(n));
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.absent(),
        }
    }

    fn absent(&mut self) {
        self.0.push(b'~');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netstrings_keep_fields_apart() {
        let mut a = Canon(Vec::new());
        a.text("ab");
        a.text("c");
        let mut b = Canon(Vec::new());
        b.text("a");
        b.text("bc");
        assert_ne!(a.finish(), b.finish());
        let mut none = Canon(Vec::new());
        none.opt(None);
        let mut empty = Canon(Vec::new());
        empty.opt(Some(""));
        assert_ne!(none.finish(), empty.finish());
    }

    #[test]
    fn genesis_is_per_office_and_year() {
        assert_ne!(genesis("37-1234", 1402), genesis("37-1234", 1403));
        assert_ne!(genesis("37-1234", 1402), genesis("37-1235", 1402));
        // sha256 of the netstrings, checkable with any tool:
        // printf '17:pishkhan-chain-v1,7:37-1234,4:1402,' | sha256sum
        assert_eq!(
            hex(&genesis("37-1234", 1402)),
            hex(&Sha256::digest(b"17:pishkhan-chain-v1,7:37-1234,4:1402,"))
        );
    }
}
