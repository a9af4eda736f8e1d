//! The ledger's schema, and bringing a ledger of an older schema up to date.

use std::path::Path;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OptionalExtension};

/// Version 1 kept each receipt as a JSON document and each line's names; version 2
/// keeps a receipt's fields in columns and what receipts share in `parts`; version 3
/// adds the ledger's identity to `meta`, each receipt's chain `hash` and the chain
/// heads.
pub const SCHEMA_VERSION: i64 = 3;

pub(super) const TABLES: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- What many receipts print alike, stored once: the office's identity, the exam
-- (program, stage, written-exam day), the tariff's approvals, a service line's
-- names. JSON bodies.
CREATE TABLE parts (
    id   INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('office', 'exam', 'approvals', 'line')),
    body TEXT NOT NULL,
    UNIQUE (kind, body)
);
"#;

/// The head of each office's chain per Jalali year: the last receipt's number and
/// hash. It, not the receipts still present, decides the next number, so a number
/// is never issued twice, even after a receipt is removed by hand.
pub(super) const CHAIN_TABLE: &str = r#"
CREATE TABLE chain (
    office_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    hash        BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (office_code, year)
) WITHOUT ROWID;
"#;

/// The signed proof line of each receipt an office signed (`PK2|…`), made with the
/// first one. It is no part of the chain (the signature covers the chain hash's
/// start): kept so that a reprint prints the same line without the key.
pub(super) const PROOFS_TABLE: &str = r#"
CREATE TABLE IF NOT EXISTS proofs (
    receipt_id INTEGER PRIMARY KEY REFERENCES receipts (id),
    line       TEXT NOT NULL CHECK (line LIKE 'PK2|%')
);
"#;

/// The receipts table; the migration builds it under another name first.
pub(super) fn receipts_table(name: &str) -> String {
    format!(
        r#"
CREATE TABLE {name} (
    id           INTEGER PRIMARY KEY,
    office_code  TEXT NOT NULL,
    year         INTEGER NOT NULL,          -- Jalali year of the service date
    seq          INTEGER NOT NULL,          -- 1, 2, … per office and year, no gaps
    number       TEXT GENERATED ALWAYS AS (printf('%d-%06d', year, seq)) VIRTUAL,  -- 1402-000123
    kind         TEXT NOT NULL CHECK (kind IN ('registration', 'card', 'certificate')),
    national_id  TEXT NOT NULL,
    program      TEXT NOT NULL,
    exam_stage   INTEGER NOT NULL,
    service_date TEXT NOT NULL,             -- Jalali YYYY/MM/DD
    time         TEXT NOT NULL,             -- HH:MM, Iran time
    schedule_id  TEXT NOT NULL,
    office_total INTEGER NOT NULL,          -- rial
    tvto_total   INTEGER NOT NULL,          -- rial
    grand_total  INTEGER NOT NULL,          -- rial
    -- As printed, so that a reprint is identical: the applicant then, the exam's
    -- time and venue, the currency shown, and the parts shared with other receipts.
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    father_name  TEXT NOT NULL,
    mobile       TEXT NOT NULL,
    trade        TEXT NOT NULL,
    cluster      TEXT NOT NULL,
    exam_time    TEXT,
    venue        TEXT,
    currency     TEXT NOT NULL CHECK (currency IN ('toman', 'rial')),
    office       INTEGER NOT NULL REFERENCES parts (id),
    exam         INTEGER NOT NULL REFERENCES parts (id),
    approvals    INTEGER NOT NULL REFERENCES parts (id),
    -- The applicant's own record, as declared at registration (and only there).
    birth_date      TEXT,                   -- Jalali YYYY/MM/DD
    gender          TEXT CHECK (gender IN ('male', 'female')),
    military_status TEXT,
    -- SHA-256 of the previous receipt's hash (same office and year) and this one's
    -- canonical bytes; see chain.rs. Last, where version 2's ledgers gain it.
    hash         BLOB,
    CHECK ((kind = 'registration') = (birth_date IS NOT NULL AND gender IS NOT NULL AND military_status IS NOT NULL)),
    UNIQUE (office_code, year, seq),        -- the number is year-seq: found through this
    UNIQUE (national_id, program, exam_stage, kind),
    UNIQUE (id, kind)                       -- what each line's receipt_kind refers to
);"#
    )
}

/// The lines table; the migration builds it under another name first.
pub(super) fn lines_table(name: &str) -> String {
    format!(
        r#"
CREATE TABLE {name} (
    receipt_id  INTEGER NOT NULL,
    -- The kind of the line's receipt, kept true by the foreign key below, so that a
    -- CHECK can refuse what the letter forbids: the certificate fee is collected
    -- only after a final pass, on a certificate receipt, whatever code writes here.
    receipt_kind TEXT NOT NULL,
    line_no     INTEGER NOT NULL,
    code        TEXT NOT NULL CHECK (code <> 'certificate-fee' OR receipt_kind = 'certificate'),
    name        INTEGER NOT NULL REFERENCES parts (id),  -- its Persian and English names
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit        INTEGER NOT NULL CHECK (unit >= 0),   -- rial
    amount      INTEGER NOT NULL CHECK (amount = unit * quantity),
    kind        TEXT NOT NULL CHECK (kind IN ('office', 'tvto')),
    schedule_id TEXT NOT NULL,
    row         INTEGER,                              -- the letter's row; none for TVTO fees
    PRIMARY KEY (receipt_id, line_no),
    FOREIGN KEY (receipt_id, receipt_kind) REFERENCES receipts (id, kind)
) WITHOUT ROWID;"#
    )
}

pub(super) const INDEXES_AND_VIEWS: &str = r#"
CREATE INDEX receipts_by_date ON receipts (service_date);
-- Each applicant as last registered.
CREATE VIEW applicants AS
SELECT national_id, first_name, last_name, father_name, birth_date, gender, military_status, mobile
FROM receipts r
WHERE kind = 'registration'
  AND id = (SELECT MAX(id) FROM receipts WHERE national_id = r.national_id AND kind = 'registration');
-- Every charged line with its names, for people and spreadsheets reading the ledger.
CREATE VIEW charged_lines AS
SELECT l.receipt_id, l.line_no, l.row, l.code,
       json_extract(p.body, '$.name_fa') AS name_fa, json_extract(p.body, '$.name_en') AS name_en,
       l.quantity, l.unit, l.amount, l.kind, l.schedule_id
FROM receipt_lines l JOIN parts p ON p.id = l.name;
"#;

/// The schema version a ledger says it has.
pub(super) fn version(conn: &Connection, path: &Path) -> Result<i64> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .with_context(|| format!("{} is not a pishkhan ledger", path.display()))?;
    match v.and_then(|v| v.parse::<i64>().ok()) {
        Some(v @ 1..=SCHEMA_VERSION) => Ok(v),
        Some(v) => bail!(
            "the ledger {} has schema version {v}; this pishkhan reads versions up to {SCHEMA_VERSION}",
            path.display()
        ),
        None => bail!("{} is not a pishkhan ledger", path.display()),
    }
}
