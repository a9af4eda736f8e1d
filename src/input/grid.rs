//! Applicant sheets as Excel and LibreOffice keep them (.xlsx, .xls, .ods), read with
//! `calamine`: the first sheet or a named one, the header row found among the first
//! ten (offices put a title above it), and each cell made the text the clerk saw:
//! a national ID or mobile that Excel stored as a number gets its leading zero back,
//! a date cell (a Gregorian serial) becomes the Jalali date, text stays as typed.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::Field;
use crate::core::jalali::JalaliDate;

/// A sheet's cells: each row with its row number (from 1, as the spreadsheet shows).
pub struct Grid {
    pub rows: Vec<(u64, Vec<Data>)>,
    /// The sheet's name, for messages.
    pub sheet: String,
}

/// The most a workbook may hold unpacked: an applicant sheet is a few megabytes.
const UNPACKED_MAX: u64 = 256 * 1024 * 1024;
/// The most one part of an .xlsx or .ods may hold unpacked: a 100,000-row sheet's
/// largest part is under 40 MB. A reader holds a part several times over while it
/// parses it (a 250 MB cell took 1.2 GB), so a larger one is refused before.
const PART_MAX: u64 = 64 * 1024 * 1024;
/// The columns kept: an applicant sheet has a dozen.
const WIDTH_MAX: usize = 256;

/// The cells an .xls sheet may declare in its DIMENSIONS record: calamine reserves
/// room for all of them at once (about 40 bytes a cell), and a forged record asks
/// for gigabytes, an allocation that aborts the process rather than fail. Four
/// million is 100,000 rows of 40 columns.
const XLS_CELLS_MAX: usize = 4_000_000;
/// Memory the spreadsheet reader may take, beyond what the process had.
const READ_BUDGET: usize = 512 * 1024 * 1024;

type Failure = (String, String);

fn damaged(why: impl std::fmt::Display) -> Failure {
    (
        format!("the spreadsheet is damaged or not one pishkhan can read: {why}"),
        "صفحه‌گسترده آسیب دیده است یا خوانده نمی‌شود".to_string(),
    )
}

/// Reads sheet `wanted` (or the first) of a workbook.
///
/// Spreadsheet readers trust the sizes a file declares, and a damaged file can make
/// them ask for gigabytes (calamine's .xls reader took 22 GB on a 6 KB file the
/// fuzzer made; a single cell at XFD1048576 makes a sheet of 17 billion cells). So:
/// a zip whose parts unpack to more than 256 MB is refused before it is read; an
/// .xls must first pass `cfb`'s checks of its compound-file structure; an .xlsx is
/// read cell by cell, never as one dense grid; and the whole read runs under a
/// memory limit, so what slips through fails one allocation, not the machine. A
/// reader that panics is an error like any other.
pub fn read(bytes: Vec<u8>, wanted: Option<&str>) -> Result<Grid, Failure> {
    let zip = bytes.starts_with(b"PK");
    if zip {
        check_zip(&bytes)?;
    } else {
        check_cfb(&bytes)?;
    }
    let _budget = crate::memory::Budget::arm(READ_BUDGET);
    // A panic of the reader (calamine's .xls reader indexes past the end of some
    // damaged records) is the file's fault: no message of its own, and no abort.
    // Sheets are opened before any other thread runs, so the hook can be swapped.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let read = std::panic::catch_unwind(move || {
        if zip && let Ok(book) = calamine::open_workbook_from_rs(Cursor::new(&bytes)) {
            return read_xlsx(book, wanted);
        }
        read_any(bytes, wanted)
    });
    std::panic::set_hook(hook);
    read.unwrap_or_else(|_| Err(damaged("its reader stopped")))
}

/// The sizes a zip's central directory declares (which its reader then holds each
/// part to): all of them, and how many parts.
fn check_zip(bytes: &[u8]) -> Result<(), Failure> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    if z.len() > 10_000 {
        return Err(damaged(format!("it has {} parts", z.len())));
    }
    let mut total = 0u64;
    for i in 0..z.len() {
        let f = z.by_index_raw(i).map_err(damaged)?;
        if f.size() > PART_MAX {
            return Err(damaged(format!(
                "its part {} unpacks to {} MB",
                f.name().unwrap_or_default(),
                f.size() / 1024 / 1024
            )));
        }
        total = total.saturating_add(f.size());
    }
    if total > UNPACKED_MAX {
        return Err(damaged(format!("it unpacks to {} MB", total / 1024 / 1024)));
    }
    Ok(())
}

/// An .xls is a compound file: `cfb` checks its sector chains before calamine's own
/// reader, which loops on a broken chain, walks it.
fn check_cfb(bytes: &[u8]) -> Result<(), Failure> {
    let mut c = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(damaged)?;
    let entries: Vec<_> = c
        .walk()
        .map(|e| (e.path().to_path_buf(), e.len()))
        .collect();
    for (path, len) in entries {
        if len > UNPACKED_MAX {
            return Err(damaged(format!(
                "its part {} is {len} bytes",
                path.display()
            )));
        }
        if path
            .to_str()
            .is_some_and(|p| p.ends_with("Workbook") || p.ends_with("Book"))
        {
            // Read the workbook stream whole: a broken chain shows here.
            let mut s = c.open_stream(&path).map_err(damaged)?;
            let mut stream = Vec::new();
            std::io::Read::read_to_end(&mut s, &mut stream).map_err(damaged)?;
            check_dimensions(&stream)?;
        }
    }
    Ok(())
}

/// The records of a BIFF stream from its start, as calamine walks them: type and
/// data, until one runs past the end.
fn records(mut s: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let typ = u16::from_le_bytes([*s.first()?, *s.get(1)?]);
        let len = usize::from(u16::from_le_bytes([*s.get(2)?, *s.get(3)?]));
        let data = s.get(4..4 + len)?;
        s = &s[4 + len..];
        Some((typ, data))
    })
}

/// What each sheet makes calamine allocate at once, read where calamine reads its
/// records (from the offsets the BOUNDSHEET records give, to the sheet's EOF, nested
/// substreams skipped), against [`XLS_CELLS_MAX`]: the room its DIMENSIONS record
/// declares, and the dense grid spanning every cell it holds (one cell at A1 and
/// one at IV65536 make 16 million).
fn check_dimensions(stream: &[u8]) -> Result<(), Failure> {
    let sheets = records(stream)
        .filter(|(typ, data)| *typ == 0x0085 && data.len() >= 4)
        .map(|(_, d)| u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize);
    let too_many = |cells: usize| {
        damaged(format!(
            "a sheet declares {cells} cells, more than the {XLS_CELLS_MAX} pishkhan reads"
        ))
    };
    for pos in sheets {
        let Some(sheet) = stream.get(pos..) else {
            continue;
        };
        // Rows and columns spanned by its cells: (first, last) of each.
        let mut span: Option<[(u32, u32); 2]> = None;
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (typ, data) in records(sheet) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let u16_at = |i: usize| {
                data.get(i..i + 2)
                    .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
            };
            // The cells calamine keeps: number, label, rich string, boolean or
            // error, RK, shared-string label, formula (4 bytes of row and
            // column); MULRK (row, first column, ..., last column).
            let cell = match typ {
                0x0809 if seen_bof => {
                    depth += 1;
                    None
                }
                0x0809 => {
                    seen_bof = true;
                    None
                }
                0x000A => break,
                0x0200 => {
                    let cells = declared_cells(data);
                    if cells > XLS_CELLS_MAX {
                        return Err(too_many(cells));
                    }
                    None
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    u16_at(0).zip(u16_at(2)).map(|(r, c)| (r, c, c))
                }
                0x00BD if data.len() >= 6 => u16_at(0)
                    .zip(u16_at(2))
                    .zip(u16_at(data.len() - 2))
                    .map(|((r, f), l)| (r, f, l)),
                _ => None,
            };
            if let Some((row, first, last)) = cell {
                let s = span.get_or_insert([(row, row), (first, first)]);
                s[0] = (s[0].0.min(row), s[0].1.max(row));
                s[1] = (s[1].0.min(first).min(last), s[1].1.max(first).max(last));
            }
        }
        if let Some([(r0, r1), (c0, c1)]) = span {
            let cells = ((r1 - r0 + 1) as usize).saturating_mul((c1 - c0 + 1) as usize);
            if cells > XLS_CELLS_MAX {
                return Err(too_many(cells));
            }
        }
    }
    Ok(())
}

/// The cells a DIMENSIONS record makes calamine reserve: its rows times its
/// columns, computed as calamine computes them (wrapping where it wraps).
fn declared_cells(r: &[u8]) -> usize {
    let u16_at = |i: usize| u32::from(u16::from_le_bytes([r[i], r[i + 1]]));
    let u32_at = |i: usize| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
    let (first_row, row_end, mut first_col, col_end) = match r.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        _ => return 0,
    };
    if 0xFF < first_col || col_end < first_col {
        first_col = 0;
    }
    if row_end < 1 || col_end < 1 {
        return 1;
    }
    let rows = (row_end - 1).wrapping_sub(first_row).wrapping_add(1) as usize;
    let cols = (col_end - 1).wrapping_sub(first_col).wrapping_add(1) as usize;
    rows.saturating_mul(cols)
}

/// An .xlsx, cell by cell: only the cells that are there take room.
fn read_xlsx(
    mut book: calamine::Xlsx<Cursor<&Vec<u8>>>,
    wanted: Option<&str>,
) -> Result<Grid, Failure> {
    let sheet = pick(&book.sheet_names(), wanted)?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(damaged)?;
    let mut rows: std::collections::BTreeMap<u32, Vec<Data>> = Default::default();
    while let Some(cell) = cells.next_cell().map_err(damaged)? {
        let (r, c) = cell.get_position();
        let c = c as usize;
        if c >= WIDTH_MAX {
            continue;
        }
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        let row = rows.entry(r).or_default();
        if row.len() <= c {
            row.resize(c + 1, Data::Empty);
        }
        row[c] = value;
    }
    Ok(Grid {
        rows: dense(rows),
        sheet,
    })
}

/// Rows with their numbers, the gaps between them as empty rows (a blank line in
/// the sheet), each as wide as the widest.
fn dense(rows: std::collections::BTreeMap<u32, Vec<Data>>) -> Vec<(u64, Vec<Data>)> {
    let width = rows.values().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::with_capacity(rows.len());
    let mut next = rows.keys().next().copied().unwrap_or(0);
    for (r, mut cells) in rows {
        // A few blank rows between two rows are kept (they are counted); a gap of
        // thousands is one.
        for blank in next..r.min(next + 16) {
            out.push((u64::from(blank) + 1, vec![Data::Empty; width]));
        }
        cells.resize(width, Data::Empty);
        out.push((u64::from(r) + 1, cells));
        next = r + 1;
    }
    out
}

fn pick(names: &[String], wanted: Option<&str>) -> Result<String, Failure> {
    match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .cloned()
            .ok_or_else(|| {
                (
                    format!("it has no sheet \"{w}\" (its sheets: {})", names.join(", ")),
                    format!("برگهٔ «{w}» در فایل نیست"),
                )
            }),
        None => names.first().cloned().ok_or_else(|| {
            (
                "it has no sheets".to_string(),
                "فایل هیچ برگه‌ای ندارد".to_string(),
            )
        }),
    }
}

/// An .ods or .xls, through calamine's dense reader (the checks above done).
fn read_any(bytes: Vec<u8>, wanted: Option<&str>) -> Result<Grid, Failure> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        (
            format!("cannot read the spreadsheet: {e}"),
            "صفحه‌گسترده خوانده نشد".to_string(),
        )
    })?;
    let sheet = pick(&book.sheet_names(), wanted)?;
    let range = book.worksheet_range(&sheet).map_err(|e| {
        (
            format!("cannot read its sheet \"{sheet}\": {e}"),
            format!("برگهٔ «{sheet}» خوانده نشد"),
        )
    })?;
    let first = u64::from(range.start().map_or(0, |(r, _)| r));
    let left = range.start().map_or(0, |(_, c)| c) as usize;
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            // Columns left of the used range are empty: keep positions as shown.
            let mut row = vec![Data::Empty; left.min(WIDTH_MAX)];
            row.extend(cells.iter().take(WIDTH_MAX.saturating_sub(left)).cloned());
            (first + i as u64 + 1, row)
        })
        .collect();
    Ok(Grid { rows, sheet })
}

/// What a cell reads as, for a column read as `field`. Returns the text and, for a
/// date cell converted to Jalali, the Gregorian day it held.
pub fn text(cell: &Data, field: Option<Field>) -> (String, Option<String>) {
    match cell {
        Data::Empty => (String::new(), None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), None),
        Data::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.into(), None),
        Data::Error(e) => (format!("#{e:?}"), None),
        Data::Int(n) => (number(*n as f64, field), None),
        Data::Float(f) => (number(*f, field), None),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            let iso = format!("{y:04}-{m:02}-{day:02}");
            match JalaliDate::from_iso(i32::from(y), m, day) {
                Ok(j) => (j.to_string(), Some(iso)),
                Err(_) => (iso, None),
            }
        }
        Data::DateTime(d) => (number(d.as_f64(), field), None),
    }
}

/// A number as the clerk meant it: an ID or a mobile that Excel stored as a number
/// lost its leading zeros, which come back; other numbers as written.
fn number(f: f64, field: Option<Field>) -> String {
    if f.fract() != 0.0 || !(0.0..1e15).contains(&f) {
        return f.to_string();
    }
    let n = f as u64;
    match field {
        Some(Field::NationalId) if n < 10_000_000_000 => format!("{n:010}"),
        // 9121234567 → 09121234567; 989121234567 stays.
        Some(Field::Mobile) if (9_000_000_000..10_000_000_000).contains(&n) => format!("0{n}"),
        _ => n.to_string(),
    }
}
