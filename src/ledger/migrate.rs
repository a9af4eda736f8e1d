//! Making the schema in a new ledger, and bringing an older one up to date.
//!
//! Version 2 to 3: the ledger's identity in `meta` and the hash chain, built over
//! the receipts as they stand (see [`from_v2`]).
//!
//! Version 1 to 2: each receipt's JSON document becomes columns and shared parts,
//! each line's names a shared part, and the applicant's record moves onto the
//! registration receipt (`applicants` becomes a view). It runs in one transaction,
//! with foreign keys off; it checks them, and that every receipt and line came
//! through, before it commits.

use std::path::Path;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OptionalExtension, params};

use std::collections::HashMap;

use super::chain::{Hash, genesis, hash};
use super::schema::{
    CHAIN_TABLE, INDEXES_AND_VIEWS, SCHEMA_VERSION, TABLES, lines_table, receipts_table, version,
};
use crate::desk::charge::Receipt;

/// Makes the schema and the identity of a new ledger of office `office_code`.
pub(super) fn create(conn: &Connection, office_code: &str) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    conn.execute_batch(TABLES)?;
    conn.execute_batch(CHAIN_TABLE)?;
    conn.execute_batch(&receipts_table("receipts"))?;
    conn.execute_batch(&lines_table("receipt_lines"))?;
    conn.execute_batch(INDEXES_AND_VIEWS)?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('office_code', ?2)",
        params![SCHEMA_VERSION.to_string(), office_code],
    )?;
    identify(conn)?;
    conn.execute_batch("COMMIT")?;
    Ok(())
}

/// Gives the ledger a random id and its creation time, unless it has them.
fn identify(conn: &Connection) -> Result<()> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    let clock = crate::desk::Clock::now();
    let at = format!(
        "{} {}",
        clock.date().map(|d| d.to_string()).unwrap_or_default(),
        clock.time()
    );
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('ledger_id', ?1), ('created_at', ?2) ON CONFLICT DO NOTHING",
        params![super::chain::hex(&id), at],
    )?;
    Ok(())
}

/// Brings an older ledger up to date, in one transaction that holds the write lock
/// (two processes cannot both do it).
pub(super) fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    // A migration rebuilds tables that others refer to: foreign keys are checked
    // once at its end instead (this pragma has no effect inside a transaction).
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let done = (|| {
        let from = version(conn, path)?;
        if from == 1 {
            from_v1(conn).with_context(|| {
                format!("cannot bring the ledger {} to version 2", path.display())
            })?;
        }
        if from <= 2 {
            from_v2(conn).with_context(|| {
                format!("cannot bring the ledger {} to version 3", path.display())
            })?;
        }
        Ok(())
    })();
    match done.and_then(|()| Ok(conn.execute_batch("COMMIT")?)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Version 2 to 3: the ledger's identity (its office when it holds one office's
/// receipts), and the hash chain built over the receipts as they are, in number
/// order; from here on, a change to them shows.
pub(super) fn from_v2(conn: &Connection) -> Result<()> {
    let has_hash: i64 = conn.query_row(
        "SELECT COUNT(*) FROM pragma_table_info('receipts') WHERE name = 'hash'",
        [],
        |r| r.get(0),
    )?;
    if has_hash == 0 {
        conn.execute_batch("ALTER TABLE receipts ADD COLUMN hash BLOB")?;
    }
    conn.execute_batch(CHAIN_TABLE)?;
    let bodies = super::journal::bodies(conn)?;
    let mut heads: HashMap<(String, i64), (i64, Hash)> = HashMap::new();
    let mut hashes = Vec::new();
    super::journal::walk(conn, &bodies, |r| {
        let f = &r.fields;
        let head = heads
            .entry((f.office_code.to_string(), f.year))
            .or_insert_with(|| (0, genesis(f.office_code, f.year)));
        let h = hash(&head.1, f, r.lines.iter().map(|l| l.fields(&bodies)));
        *head = (f.seq, h);
        hashes.push((r.id, h));
        Ok(())
    })?;
    let mut set = conn.prepare("UPDATE receipts SET hash = ?2 WHERE id = ?1")?;
    for (id, h) in &hashes {
        set.execute(params![id, &h[..]])?;
    }
    for ((office, year), (seq, h)) in &heads {
        conn.execute(
            "INSERT INTO chain (office_code, year, seq, hash) VALUES (?1, ?2, ?3, ?4)",
            params![office, year, seq, &h[..]],
        )?;
    }
    // A chain made over receipts already there proves nothing about them before this
    // moment: said in the ledger (each time, kept), and by `audit` on every run.
    if !hashes.is_empty() {
        let clock = crate::desk::Clock::now();
        let note = format!(
            "{} {}: over {} receipts",
            clock.date().map(|d| d.to_string()).unwrap_or_default(),
            clock.time(),
            hashes.len()
        );
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('chain_made_by_migration', ?1)
             ON CONFLICT (key) DO UPDATE SET value = value || '; ' || excluded.value",
            [note],
        )?;
    }
    let offices: Vec<String> = conn
        .prepare("SELECT DISTINCT office_code FROM receipts")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if let [one] = offices.as_slice() {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('office_code', ?1) ON CONFLICT DO NOTHING",
            [one],
        )?;
    }
    identify(conn)?;
    conn.execute(
        "UPDATE meta SET value = '3' WHERE key = 'schema_version'",
        [],
    )?;
    Ok(())
}

pub(super) fn from_v1(conn: &Connection) -> Result<()> {
    let count = |table: &str| -> Result<i64> {
        Ok(conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
    };
    let (receipts, lines) = (count("receipts")?, count("receipt_lines")?);
    // `parts` is new; `meta` stays as it is.
    let parts_table = TABLES
        .split_once("CREATE TABLE parts")
        .map(|(_, rest)| format!("CREATE TABLE parts{rest}"))
        .expect("the schema declares parts");
    conn.execute_batch(&parts_table)?;
    conn.execute_batch(&receipts_table("receipts_v2"))?;
    conn.execute_batch(&lines_table("receipt_lines_v2"))?;

    let part = |kind: &str, body: String| -> Result<i64> {
        conn.prepare_cached(
            "INSERT INTO parts (kind, body) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![kind, body])?;
        Ok(conn
            .prepare_cached("SELECT id FROM parts WHERE kind = ?1 AND body = ?2")?
            .query_row(params![kind, body], |r| r.get(0))?)
    };
    let mut old = conn.prepare(
        "SELECT id, office_code, year, seq, number, kind, national_id, program, exam_stage, service_date,
                service_iso, time, schedule_id, office_total, tvto_total, grand_total, document
         FROM receipts ORDER BY id",
    )?;
    let mut rows = old.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let (number, document): (String, String) = (r.get(4)?, r.get(16)?);
        let doc: Receipt = serde_json::from_str(&document)
            .map_err(|e| anyhow::anyhow!("receipt {number} cannot be read: {e}"))?;
        let mut office = crate::core::office::Office::clone(&doc.office);
        office.extra_military_statuses.clear();
        office.extra_mobile_prefixes = Default::default();
        let office = part("office", serde_json::to_string(&office)?)?;
        let exam = part(
            "exam",
            serde_json::to_string(&serde_json::json!({
                "program": doc.exam.program,
                "stage": doc.exam.stage,
                "written_exam": doc.exam.written_exam,
            }))?,
        )?;
        let approvals = part("approvals", serde_json::to_string(&doc.approvals)?)?;
        let a = &doc.applicant;
        let kind: String = r.get(5)?;
        // Version 1 kept one record per applicant: it goes on the registration.
        let person: Option<(String, String, String)> = if kind == "registration" {
            conn.prepare_cached(
                "SELECT birth_date, gender, military_status FROM applicants WHERE national_id = ?1",
            )?
            .query_row([&a.national_id], |p| Ok((p.get(0)?, p.get(1)?, p.get(2)?)))
            .optional()?
        } else {
            None
        };
        conn.prepare_cached(
            "INSERT INTO receipts_v2 (id, office_code, year, seq, kind, national_id, program, exam_stage,
               service_date, time, schedule_id, office_total, tvto_total, grand_total,
               first_name, last_name, father_name, mobile, trade, cluster, exam_time, venue, currency,
               office, exam, approvals, birth_date, gender, military_status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
               ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
        )?
        .execute(params![
            id,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            kind,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, String>(9)?,
            r.get::<_, String>(11)?,
            r.get::<_, String>(12)?,
            r.get::<_, i64>(13)?,
            r.get::<_, i64>(14)?,
            r.get::<_, i64>(15)?,
            a.first_name,
            a.last_name,
            a.father_name,
            a.mobile,
            a.trade,
            a.cluster,
            doc.exam.time,
            doc.exam.venue,
            doc.unit.name_en(),
            office,
            exam,
            approvals,
            person.as_ref().map(|p| &p.0),
            person.as_ref().map(|p| &p.1),
            person.as_ref().map(|p| &p.2),
        ])?;
        // The ledger's own lines, with the letter's row from the document.
        let mut lines = conn.prepare_cached(
            "SELECT line_no, code, name_fa, name_en, quantity, unit, amount, kind, schedule_id
             FROM receipt_lines WHERE receipt_id = ?1 ORDER BY line_no",
        )?;
        let mut lines = lines.query([id])?;
        while let Some(l) = lines.next()? {
            let line_no: i64 = l.get(0)?;
            let names = serde_json::json!({"name_fa": l.get::<_, String>(2)?, "name_en": l.get::<_, String>(3)?});
            let name = part("line", serde_json::to_string(&names)?)?;
            let row = doc.lines.get(line_no as usize - 1).and_then(|d| d.row);
            conn.prepare_cached(
                "INSERT INTO receipt_lines_v2 (receipt_id, receipt_kind, line_no, code, name, quantity, unit, amount, kind, schedule_id, row)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                id,
                kind,
                line_no,
                l.get::<_, String>(1)?,
                name,
                l.get::<_, i64>(4)?,
                l.get::<_, i64>(5)?,
                l.get::<_, i64>(6)?,
                l.get::<_, String>(7)?,
                l.get::<_, String>(8)?,
                row,
            ])?;
        }
    }
    drop(rows);
    drop(old);
    conn.execute_batch(
        "DROP TRIGGER certificate_fee_only_on_certificates;
         DROP TABLE receipt_lines;
         DROP TABLE receipts;
         DROP TABLE applicants;
         ALTER TABLE receipts_v2 RENAME TO receipts;
         ALTER TABLE receipt_lines_v2 RENAME TO receipt_lines;",
    )?;
    conn.execute_batch(INDEXES_AND_VIEWS)?;
    conn.execute(
        "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
        [],
    )?;
    if (count("receipts")?, count("receipt_lines")?) != (receipts, lines) {
        bail!("receipts or lines were lost on the way; nothing was changed");
    }
    let broken: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        bail!("{broken} row(s) would refer to nothing; nothing was changed");
    }
    Ok(())
}
