//! Opening a ledger: creating it, binding it to its office, refusing a file that is
//! not a ledger (or another office's), and reading one that is not writable.

use std::path::Path;
use std::time::Duration;

use super::{Identity, Ledger, READ_ONLY, READ_WRITE, SCHEMA_VERSION, migrate, schema};
use anyhow::{Context, Result, anyhow, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

impl Ledger {
    /// Opens the ledger of office `office_code` for writing, creating it when no file
    /// is there and bringing an older schema up to date. A file that is empty, not a
    /// pishkhan ledger, damaged, or another office's ledger is refused and left as it
    /// is.
    pub fn open(path: &Path, office_code: &str) -> Result<Ledger> {
        refuse_if_unwritable(path)?;
        // What a run killed while making a ledger left beside it.
        crate::files::remove_stale_temps(&crate::files::dir_of(path));
        if !path.exists() {
            create(path, office_code)
                .with_context(|| format!("cannot create the ledger {}", path.display()))?;
        }
        let conn = Connection::open_with_flags(path, READ_WRITE)
            .with_context(|| format!("cannot open the ledger {}", path.display()))?;
        // Another process may be writing: wait for it rather than fail.
        conn.busy_timeout(Duration::from_secs(60))?;
        // Before anything writes to it (setting WAL mode would).
        refuse_if_foreign(&conn, path)?;
        let damage: String = conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(|e| damaged(path, &e.to_string()))?;
        if damage != "ok" {
            return Err(damaged(path, &damage));
        }
        // WAL: readers never block the writer. FULL: a commit is on the disk before
        // it returns, so nothing reported can be lost, even to a power cut; the desk
        // commits a group of rows at a time, so this is one wait per group.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Checkpointing every ~40 MB of WAL instead of 4 MB copies each hot page to
        // the database once, not ten times.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        conn.pragma_update(None, "cache_size", -8192)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        migrate::migrate(&conn, path)?;
        bind_office(&conn, path, office_code)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Ledger::over(conn))
    }

    /// Opens an existing ledger for reading; `None` when there is none. Reading never
    /// changes a ledger in any way: no WAL switch, no migration, no checkpoint, and
    /// it works where the ledger cannot be written (a read-only mount, a directory
    /// the user cannot write, a copy on a CD). A ledger of an older schema is refused,
    /// saying that a write command brings it up to date.
    pub fn open_read_only(path: &Path) -> Result<Option<Ledger>> {
        if !path.exists() {
            return Ok(None);
        }
        let (conn, copy) = read_connection(path)?;
        refuse_if_foreign(&conn, path)?;
        match schema::version(&conn, path)? {
            SCHEMA_VERSION => Ok(Some(Ledger {
                _copy: copy,
                ..Ledger::over(conn)
            })),
            old => bail!(
                "the ledger {} has schema version {old}, older than this pishkhan's {SCHEMA_VERSION}; reading never changes a ledger, so it was left as it is: run a command that records (register, card or certify) on it once, where it can be written, to bring it up to date / دفتر نسخهٔ قدیمی دارد و دست نخورد: یک بار با فرمان ثبت به‌روز می‌شود",
                path.display()
            ),
        }
    }

    /// Brings the ledger at `path`, if there is one, to this pishkhan's schema, for a
    /// command that records. A file that is not a pishkhan ledger is left as it is.
    pub fn bring_up_to_date(path: &Path) -> Result<()> {
        if !path.exists() {
            return Ok(());
        }
        refuse_if_unwritable(path)?;
        let conn = Connection::open_with_flags(path, READ_WRITE)
            .with_context(|| format!("cannot open the ledger {} for writing", path.display()))?;
        conn.busy_timeout(Duration::from_secs(60))?;
        refuse_if_foreign(&conn, path)?;
        if schema::version(&conn, path)? == SCHEMA_VERSION {
            return Ok(());
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate::migrate(&conn, path)
    }

    /// Who the ledger is: its id, office, creation time and schema version.
    pub fn identity(&self) -> Result<Identity> {
        let get = |key: &str| -> Result<Option<String>> {
            Ok(self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?)
        };
        Ok(Identity {
            ledger_id: get("ledger_id")?.unwrap_or_default(),
            office_code: get("office_code")?,
            created_at: get("created_at")?.unwrap_or_default(),
            schema_version: get("schema_version")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            chain_made_by_migration: get("chain_made_by_migration")?,
        })
    }
}

/// Makes a new ledger under a temporary name beside `path`, then puts it in place
/// whole: a run killed while making it leaves no half-made ledger, only a temporary
/// file that the next run removes.
pub(super) fn create(path: &Path, office_code: &str) -> Result<()> {
    let dir = crate::files::dir_of(path);
    let tmp = crate::files::temp_name(&dir);
    let made = (|| -> Result<()> {
        let conn = Connection::open(&tmp)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate::create(&conn, office_code)?;
        // Closing the only connection copies the WAL in and removes it.
        conn.close().map_err(|(_, e)| e)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        // A link never replaces: if another run made the ledger meanwhile, theirs stays.
        match std::fs::hard_link(&tmp, path) {
            // A file system without links: a rename, which could only replace a
            // ledger made in the same instant.
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists && !path.exists() => {
                std::fs::rename(&tmp, path)?
            }
            _ => {}
        }
        crate::files::sync_dir(&dir)?;
        Ok(())
    })();
    let _ = std::fs::remove_file(&tmp);
    made
}

/// A connection that only reads `path`, and leaves it as it was found.
///
/// Where the ledger and its directory can be written, the connection is a
/// read-write one that only queries (`query_only`): SQLite then removes the WAL
/// files it made when it closes, which a read-only connection cannot. A WAL already
/// there (a batch running, or one killed) is left as found: no checkpoint on close.
/// Where they cannot be written, a ledger without a WAL is opened immutable (no
/// lock files to create); one with a WAL is read as SQLite allows, else from a
/// private copy of both files.
pub(super) fn read_connection(path: &Path) -> Result<(Connection, Option<tempfile::TempDir>)> {
    use rusqlite::config::DbConfig;
    let cannot = |e: rusqlite::Error| anyhow!("cannot open the ledger {}: {e}", path.display());
    let wal = companion(path, "-wal");
    let wal_in_use = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let mut copy = None;
    let conn = if writable(path) && writable(&crate::files::dir_of(path)) {
        let conn = Connection::open_with_flags(path, READ_WRITE).map_err(cannot)?;
        if wal_in_use {
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        }
        conn.pragma_update(None, "query_only", true)?;
        conn
    } else if !wal.exists() {
        Connection::open_with_flags(
            uri(path, "immutable=1")?,
            READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(cannot)?
    } else {
        let plain = Connection::open_with_flags(path, READ_ONLY).and_then(|c| {
            c.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))
                .map(|()| c)
        });
        match plain {
            Ok(c) => c,
            Err(_) => {
                let (c, dir) = private_copy(path)?;
                copy = Some(dir);
                c
            }
        }
    };
    conn.busy_timeout(Duration::from_secs(60))?;
    Ok((conn, copy))
}

/// `path` with `suffix` appended (`pishkhan.sqlite-wal`).
pub(super) fn companion(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// Refuses to record in a ledger that cannot be written where it is (a read-only
/// file, folder or disk, an immutable file): said so, naming it, before SQLite
/// fails half-way with «attempt to write a readonly database» or, unable to make its
/// WAL beside it, calls the office's ledger «not a pishkhan ledger». The ledger's
/// folder must be writable too, for the WAL and for a new ledger.
fn refuse_if_unwritable(path: &Path) -> Result<()> {
    let dir = crate::files::dir_of(path);
    if (path.exists() && !writable(path)) || (dir.exists() && !writable(&dir)) {
        bail!(
            "the ledger {} cannot be written where it is (a read-only file, folder or disk): nothing was recorded; make it and its folder writable, or record where they are / دفتر در این مسیر نوشتنی نیست و چیزی ثبت نشد",
            path.display()
        );
    }
    Ok(())
}

/// Whether this process may write `path` (permissions, a read-only mount, an
/// immutable file or directory all say no).
pub(super) fn writable(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok()
}

/// A `file:` URI of `path` with `query`, its special characters escaped.
pub(super) fn uri(path: &Path, query: &str) -> Result<String> {
    let abs = std::path::absolute(path)?;
    let mut out = String::from("file:");
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.push('?');
    out.push_str(query);
    Ok(out)
}

/// A read-only ledger with a WAL that SQLite cannot read in place: the ledger and
/// its WAL copied into a private directory, read there, removed with the ledger.
pub(super) fn private_copy(path: &Path) -> Result<(Connection, tempfile::TempDir)> {
    let dir = tempfile::tempdir().context("cannot make a private copy of a read-only ledger")?;
    let copy = dir.path().join("ledger.sqlite");
    std::fs::copy(path, &copy)
        .with_context(|| format!("cannot read the ledger {}", path.display()))?;
    std::fs::copy(companion(path, "-wal"), companion(&copy, "-wal"))
        .with_context(|| format!("cannot read the ledger's WAL beside {}", path.display()))?;
    let conn = Connection::open_with_flags(&copy, READ_WRITE)?;
    conn.pragma_update(None, "query_only", true)?;
    // Reading the schema reads the WAL into the connection's index.
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))?;
    Ok((conn, dir))
}

/// Refuses a file that is not a pishkhan ledger (empty, not SQLite, or another
/// program's database) before anything is written to it.
pub(super) fn refuse_if_foreign(conn: &Connection, path: &Path) -> Result<()> {
    let not_ours = |why: &str| {
        anyhow!(
            "{} is not a pishkhan ledger ({why}); it was left as it is: give the path of the office's ledger, or a path where no file exists for a new one / این فایل دفتر پیشخوان نیست و دست نخورد",
            path.display()
        )
    };
    if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(not_ours("the file is empty"));
    }
    if !has_table(conn, "meta").map_err(|e| not_ours(&e.to_string()))? {
        return Err(not_ours("it has no pishkhan tables"));
    }
    let version = schema::version(conn, path).map_err(|e| not_ours(&format!("{e:#}")))?;
    // Every version has receipts and their lines; version 2 adds parts, 3 the chain.
    let needed: &[&str] = match version {
        1 => &["receipts", "receipt_lines"],
        2 => &["receipts", "receipt_lines", "parts"],
        _ => &["receipts", "receipt_lines", "parts", "chain"],
    };
    for table in needed {
        if !has_table(conn, table).map_err(|e| not_ours(&e.to_string()))? {
            return Err(not_ours(&format!(
                "it has no `{table}` table, which a version {version} ledger has"
            )));
        }
    }
    Ok(())
}

/// Whether the database has a table of this name.
pub(super) fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

pub(super) fn damaged(path: &Path, what: &str) -> anyhow::Error {
    anyhow!(
        "the ledger {} is damaged ({what}); nothing was written to it. Restore it from a backup, and run `pishkhan audit` on it / دفتر آسیب دیده است و چیزی در آن ثبت نشد",
        path.display()
    )
}

/// Binds a ledger to its office on first use, and refuses any other office.
pub(super) fn bind_office(conn: &Connection, path: &Path, office_code: &str) -> Result<()> {
    let bound: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'office_code'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match bound {
        Some(c) if c == office_code => Ok(()),
        // Stored by an earlier pishkhan in another spelling (Persian digits, a space):
        // the chain and the numbers are under that spelling, which cannot be
        // rewritten without rewriting every hash, nor continued under today's.
        Some(c) if crate::core::office::normalize_code(&c).is_ok_and(|n| n == office_code) => {
            bail!(
                "the ledger {} keeps office {office_code}'s receipts under the code \"{c}\", stored before office codes had one spelling: it can still be read (audit, report, verify, status, --reprint) but not recorded in; record new receipts in a new ledger (--ledger NEW.sqlite) / کد دفتر در این دفتر به نگارش قدیمی ثبت شده است: برای ثبت تازه دفتر جدیدی بسازید",
                path.display()
            )
        }
        Some(c) => bail!(
            "the ledger {} belongs to office {c}, not {office_code}: each office keeps a ledger of its own (give another --ledger) / این دفتر از آنِ دفتر {c} است",
            path.display()
        ),
        None => {
            let others: Vec<String> = conn
                .prepare("SELECT DISTINCT office_code FROM receipts WHERE office_code <> ?1")?
                .query_map([office_code], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if !others.is_empty() {
                bail!(
                    "the ledger {} holds receipts of office {}: each office keeps a ledger of its own (give another --ledger)",
                    path.display(),
                    others.join(", ")
                );
            }
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('office_code', ?1) ON CONFLICT DO NOTHING",
                [office_code],
            )?;
            Ok(())
        }
    }
}
