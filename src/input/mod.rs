//! Applicant sheets as clerks save them: CSV in UTF-8 (with or without BOM) or
//! Windows-1256, separated by commas, semicolons or tabs, with English or Persian
//! headers in any order. Rows are streamed: memory does not grow with the file.

mod columns;
mod grid;
mod records;
mod rows;
mod sniff;

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use columns::{APPLICANT_COLUMNS, Field, Required};
use columns::{check_columns, field_of};
use records::Records;
pub use records::{FIELD_MAX, ROW_MAX};
pub use sniff::Encoding;
use sniff::{Kind, SNIFF, decode, guess_encoding, kind_of, sniff_delimiter};

use crate::core::applicant::{Rejection, RowInput};
use crate::core::text::normalize_field;
use crate::core::text::{line_list, to_persian_digits};

/// A problem with a whole file: nothing in it is processed.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {en} / {fa}")]
pub struct FileError {
    pub file: String,
    pub en: String,
    pub fa: String,
}

impl FileError {
    fn new(file: &str, en: String, fa: String) -> FileError {
        FileError {
            file: file.to_string(),
            en,
            fa,
        }
    }
}

/// One data row: its line in the file, the normalised fields, and the record as read
/// (for the rejects file, which gives the clerk her own row back).
pub struct Row {
    pub line: u64,
    pub input: RowInput,
    pub record: csv::StringRecord,
    /// What the reading changed that the clerk should know (`date_converted`).
    pub notes: Vec<Rejection>,
}

/// A row the reader could not take apart (a quote left open, the wrong number of
/// fields, bytes that are not text, a field or row over the limits).
pub struct BadRow {
    pub line: u64,
    pub record: csv::StringRecord,
    /// `row_malformed`, `encoding_invalid`, `field_too_long` or `row_too_long`.
    pub code: &'static str,
    /// The field at fault, when it is one pishkhan reads.
    pub field: &'static str,
    pub en: String,
    pub fa: String,
}

/// An open sheet: its headers, and an iterator over its rows.
pub struct Sheet {
    pub name: String,
    pub encoding: Encoding,
    pub delimiter: u8,
    pub headers: std::sync::Arc<csv::StringRecord>,
    /// For a spreadsheet: the sheet read, and the row its header is on.
    pub sheet: Option<(String, u64)>,
    columns: Vec<Option<Field>>,
    source: Source,
    /// What the reading passed over or cleaned, for the summary (shared: the sheet
    /// is consumed by the run).
    stats: Arc<Stats>,
    done: bool,
}

/// Where a sheet's records come from.
enum Source {
    Csv(Records<Box<dyn Read + Send>>),
    /// A spreadsheet's rows, read whole, as text, each with its notes.
    Grid(std::collections::VecDeque<(records::Raw, Vec<Rejection>)>),
}

/// What reading a sheet passed over or cleaned.
#[derive(Debug, Default)]
pub struct Stats {
    /// Blank lines, skipped.
    pub blanks: AtomicU64,
    /// Lines whose free text (a trade, a venue) had control characters, removed
    /// (`control_characters_removed`); names with them are rejected instead.
    pub cleaned: std::sync::Mutex<Vec<u64>>,
    /// Spreadsheet rows with a date cell (a Gregorian serial) read as Jalali.
    pub dates: std::sync::Mutex<Vec<u64>>,
}

impl Stats {
    /// A line for stderr, or nothing when there is nothing to say.
    pub fn summary(&self, file: &str) -> Option<String> {
        let blanks = self.blanks.load(Ordering::Relaxed);
        let cleaned = self.cleaned.lock().map(|c| c.clone()).unwrap_or_default();
        let mut parts = Vec::new();
        if blanks > 0 {
            parts.push(format!(
                "{blanks} blank line{} skipped / {} سطر خالی نادیده گرفته شد",
                if blanks == 1 { "" } else { "s" },
                crate::core::text::fa(blanks)
            ));
        }
        if !cleaned.is_empty() {
            parts.push(format!(
                "control_characters_removed: control characters taken out of free text on {} / نویسه‌های کنترلی از متن حذف شد",
                line_list(&cleaned)
            ));
        }
        let dates = self.dates.lock().map(|c| c.clone()).unwrap_or_default();
        if !dates.is_empty() {
            parts.push(format!(
                "date_converted: Excel date cells (Gregorian) read as Jalali dates on {} / تاریخ‌های میلادی اکسل به شمسی خوانده شد",
                line_list(&dates)
            ));
        }
        (!parts.is_empty()).then(|| format!("{file}: {}", parts.join("; ")))
    }
}

impl Sheet {
    /// Opens an applicant sheet. `forced` overrides the encoding guess.
    pub fn open(
        name: &str,
        source: Box<dyn Read + Send>,
        forced: Option<Encoding>,
    ) -> Result<Sheet, FileError> {
        Self::open_with(name, source, forced, APPLICANT_COLUMNS)
    }

    /// Opens a sheet that must have the `required` columns.
    pub fn open_with(
        name: &str,
        source: Box<dyn Read + Send>,
        forced: Option<Encoding>,
        required: &[Required],
    ) -> Result<Sheet, FileError> {
        Self::open_sheet(name, source, forced, required, None)
    }

    /// Opens a CSV sheet, or sheet `sheet` (by default the first) of a spreadsheet,
    /// that must have the `required` columns.
    pub fn open_sheet(
        name: &str,
        mut source: Box<dyn Read + Send>,
        forced: Option<Encoding>,
        required: &[Required],
        sheet: Option<&str>,
    ) -> Result<Sheet, FileError> {
        let err = |en, fa| FileError::new(name, en, fa);
        let mut sample = Vec::with_capacity(SNIFF);
        (&mut source)
            .take(SNIFF as u64)
            .read_to_end(&mut sample)
            .map_err(|e| err(format!("cannot read: {e}"), "فایل خوانده نشد".into()))?;
        match kind_of(&sample) {
            Kind::Text => {}
            Kind::Zip | Kind::Ole => {
                let mut all = sample;
                source
                    .read_to_end(&mut all)
                    .map_err(|e| err(format!("cannot read: {e}"), "فایل خوانده نشد".into()))?;
                return Self::open_grid(name, all, required, sheet);
            }
            Kind::Binary => {
                return Err(err(
                    "this is not a CSV or spreadsheet file (it holds binary data): expected an applicant sheet saved as CSV, .xlsx, .xls or .ods".into(),
                    "این فایل CSV یا صفحه‌گسترده نیست".into(),
                ));
            }
        }
        let bom = sample.starts_with(&[0xEF, 0xBB, 0xBF]);
        let encoding = forced.unwrap_or_else(|| {
            if bom {
                Encoding::Utf8
            } else {
                guess_encoding(&sample)
            }
        });
        if bom {
            sample.drain(..3);
        }
        if sample.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(err(
                "the file is empty: expected a header row and applicant rows".into(),
                "فایل خالی است".into(),
            ));
        }
        let delimiter = sniff_delimiter(&sample, encoding);
        let mut records = Records::new(source, sample, delimiter);
        let read_err =
            |e: std::io::Error| err(format!("cannot read: {e}"), "فایل خوانده نشد".into());
        // The header: the first line with something on it.
        let header = loop {
            match records.next_record().map_err(read_err)? {
                None => {
                    return Err(err(
                        "the file is empty: expected a header row and applicant rows".into(),
                        "فایل خالی است".into(),
                    ));
                }
                Some(r) if r.is_blank() => continue,
                Some(r) => break r,
            }
        };
        if let Some(p) = header.problem {
            let en = match p {
                records::Problem::OpenQuote => "its header row has a quote left open".to_string(),
                records::Problem::FieldTooLong(_) | records::Problem::RowTooLong => format!(
                    "its header row (line {}) is over {} KB: this is not an applicant sheet",
                    header.line,
                    records::ROW_MAX / 1024
                ),
            };
            return Err(err(en, "سطر عنوان ستون‌ها خوانده نشد".into()));
        }
        let mut names = Vec::with_capacity(header.fields.len());
        for f in &header.fields {
            match decode(f, encoding) {
                Some(s) => names.push(s),
                None => {
                    return Err(err(
                        "its header row has bytes that are not UTF-8: if the sheet was saved as Windows-1256, give --encoding windows-1256".into(),
                        "سطر عنوان ستون‌ها نویسهٔ نامعتبر دارد".into(),
                    ));
                }
            }
        }
        let headers = csv::StringRecord::from(names);
        records.expected = Some(headers.len());
        let columns =
            check_columns(&headers, required, header.line).map_err(|(en, fa)| err(en, fa))?;
        Ok(Sheet {
            name: name.to_string(),
            encoding,
            delimiter,
            headers: std::sync::Arc::new(headers),
            sheet: None,
            columns,
            source: Source::Csv(records),
            stats: Arc::new(Stats::default()),
            done: false,
        })
    }

    /// A spreadsheet: the header row is the first of the first ten with every
    /// `required` column; rows are numbered as the spreadsheet shows them.
    fn open_grid(
        name: &str,
        bytes: Vec<u8>,
        required: &[Required],
        sheet: Option<&str>,
    ) -> Result<Sheet, FileError> {
        let err = |en, fa| FileError::new(name, en, fa);
        let g = grid::read(bytes, sheet).map_err(|(en, fa)| err(en, fa))?;
        let names_of = |cells: &[calamine::Data]| -> Vec<String> {
            cells
                .iter()
                .map(|c| normalize_field(&grid::text(c, None).0))
                .collect()
        };
        let found = |names: &[String]| {
            required
                .iter()
                .filter(|(f, _, _)| names.iter().any(|n| field_of(n) == Some(*f)))
                .count()
        };
        let candidates = || g.rows.iter().take(10).map(|(_, cells)| names_of(cells));
        let best = candidates()
            .position(|names| found(&names) == required.len())
            .or_else(|| {
                candidates()
                    .enumerate()
                    .max_by_key(|(i, names)| (found(names), usize::MAX - i))
                    .map(|(i, _)| i)
            });
        let Some(at) = best else {
            return Err(err(
                format!(
                    "its sheet \"{}\" is empty: expected a header row and applicant rows",
                    g.sheet
                ),
                "برگهٔ صفحه‌گسترده خالی است".into(),
            ));
        };
        let header_line = g.rows[at].0;
        let headers = csv::StringRecord::from(names_of(&g.rows[at].1));
        let columns =
            check_columns(&headers, required, header_line).map_err(|(en, fa)| err(en, fa))?;
        let stats = Arc::new(Stats::default());
        let mut rows = std::collections::VecDeque::new();
        for (line, cells) in g.rows.into_iter().skip(at + 1) {
            let mut raw = records::Raw {
                line,
                ..Default::default()
            };
            let mut bytes = 0;
            let mut notes = Vec::new();
            for (i, cell) in cells.iter().enumerate() {
                let field = columns.get(i).copied().flatten();
                let (text, date) = grid::text(cell, field);
                if let Some(iso) = date {
                    notes.push(Rejection {
                        code: "date_converted",
                        field: field.map_or("", Field::name),
                        message_fa: format!(
                            "تاریخ میلادی اکسل {} به تاریخ شمسی {} برگردانده شد",
                            to_persian_digits(&iso),
                            to_persian_digits(&text)
                        ),
                        message_en: format!("the Excel date {iso} was read as {text}"),
                    });
                }
                bytes += text.len();
                if text.len() > records::FIELD_MAX && raw.problem.is_none() {
                    raw.problem = Some(records::Problem::FieldTooLong(i));
                }
                raw.fields.push(text.into_bytes());
            }
            if bytes > records::ROW_MAX && raw.problem.is_none() {
                raw.problem = Some(records::Problem::RowTooLong);
            }
            if !notes.is_empty()
                && let Ok(mut d) = stats.dates.lock()
            {
                d.push(line);
            }
            rows.push_back((raw, notes));
        }
        Ok(Sheet {
            name: name.to_string(),
            encoding: Encoding::Utf8,
            delimiter: b',',
            headers: Arc::new(headers),
            sheet: Some((g.sheet, header_line)),
            columns,
            source: Source::Grid(rows),
            stats,
            done: false,
        })
    }

    /// How the sheet is read, for stderr: "UTF-8, separated by commas", or "sheet
    /// «متقاضیان» of a spreadsheet, its header on row 3".
    pub fn described(&self) -> String {
        if let Some((sheet, row)) = &self.sheet {
            return format!("sheet \"{sheet}\" of a spreadsheet, its header on row {row}");
        }
        let sep = match self.delimiter {
            b';' => "semicolons",
            b'\t' => "tabs",
            _ => "commas",
        };
        format!("{}, separated by {sep}", self.encoding.name())
    }

    /// What the reading passed over or cleaned, filled in as rows are read.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }
}

impl Iterator for Sheet {
    type Item = Result<Row, BadRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let next = match &mut self.source {
                Source::Csv(records) => records.next_record().map(|r| r.map(|r| (r, Vec::new()))),
                Source::Grid(rows) => Ok(rows.pop_front()),
            };
            let (raw, notes) = match next {
                Ok(Some(r)) => r,
                Ok(None) => return None,
                Err(e) => {
                    // The stream itself failed: nothing more can be read.
                    self.done = true;
                    return Some(Err(BadRow {
                        line: 0,
                        record: csv::StringRecord::new(),
                        code: "row_malformed",
                        field: "",
                        en: format!("the file could not be read on: {e}"),
                        fa: "ادامهٔ فایل خوانده نشد".into(),
                    }));
                }
            };
            if raw.is_blank() {
                self.stats.blanks.fetch_add(1, Ordering::Relaxed);
                continue; // blank line in a spreadsheet export
            }
            return Some(self.take_raw(raw).map(|mut row| {
                row.notes.extend(notes);
                row
            }));
        }
    }
}

/// Opens a file, or standard input for `-`.
pub fn open_source(name: &str) -> io::Result<Box<dyn Read + Send>> {
    if name == "-" {
        Ok(Box::new(io::stdin()))
    } else {
        Ok(Box::new(std::fs::File::open(name)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1256;
    use std::io::Cursor;

    fn open(bytes: &[u8]) -> Result<Sheet, FileError> {
        Sheet::open("t.csv", Box::new(Cursor::new(bytes.to_vec())), None)
    }

    const HEADER_FA: &str =
        "کد ملی,نام,نام خانوادگی,نام پدر,تاریخ تولد,جنسیت,وضعیت نظام وظیفه,تلفن همراه,حرفه,خوشه";

    #[test]
    fn persian_headers_bom_and_normalisation() {
        let text = format!(
            "\u{FEFF}{HEADER_FA}\n۱۲۳۴۵۶۷۹,زهرا ,  احمدي‌نژاد,علي,۱۳۷۵/۰۶/۰۱,زن,,+98 912 345 6789,قالي‌بافي,٦٠٠٠٠\n"
        );
        let mut sheet = open(text.as_bytes()).unwrap();
        assert_eq!(sheet.encoding, Encoding::Utf8);
        let row = sheet.next().unwrap().ok().unwrap();
        assert_eq!(row.line, 2);
        let r = row.input;
        assert_eq!(r.national_id, "12345679");
        assert_eq!(r.first_name, "زهرا");
        assert_eq!(r.last_name, "احمدی\u{200C}نژاد", "Arabic ي → ی, ZWNJ kept");
        assert_eq!(r.birth_date, "1375/06/01");
        assert_eq!(r.mobile, "+98 912 345 6789");
        assert_eq!(r.cluster, "60000");
        assert!(sheet.next().is_none());
    }

    #[test]
    fn windows_1256_semicolons_any_order() {
        // Windows-1256 has no Persian ی: such files carry the Arabic ي.
        let text = "mobile;trade;cluster;gender;birth_date;last_name;first_name;national_id;note\n09123456789;قالي‌بافي;90000;زن;1375/06/01;كريمي;مريم;0012345679;x\n";
        let (bytes, _, bad) = WINDOWS_1256.encode(text);
        assert!(!bad);
        let mut sheet = open(&bytes).unwrap();
        assert_eq!(sheet.encoding, Encoding::Windows1256);
        assert_eq!(sheet.delimiter, b';');
        let r = sheet.next().unwrap().ok().unwrap().input;
        assert_eq!(r.last_name, "کریمی");
        assert_eq!(r.first_name, "مریم");
        assert_eq!(r.national_id, "0012345679");
        assert_eq!(r.trade, "قالی\u{200C}بافی");
    }

    #[test]
    fn tabs_and_missing_columns() {
        let sheet = open(
            b"national_id\tfirst_name\tlast_name\tbirth_date\tgender\tmobile\ttrade\tcluster\n",
        )
        .unwrap();
        assert_eq!(sheet.delimiter, b'\t');
        let e = open("کد ملی,نام\n1,2\n".as_bytes()).err().unwrap();
        assert!(
            e.en.contains(
                "missing column(s) last_name, birth_date, gender, mobile, trade, cluster"
            ),
            "{}",
            e.en
        );
        assert!(e.fa.contains("نام خانوادگی"), "{}", e.fa);
    }

    #[test]
    fn malformed_input() {
        assert!(open(b"").err().unwrap().en.contains("empty"));
        assert!(
            open(b"\xEF\xBB\xBF\n\n")
                .err()
                .unwrap()
                .en
                .contains("empty")
        );
        let garbage: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(open(&garbage).is_err());
        let text = format!(
            "{HEADER_FA}\n1,2,3\n0012345679,a,b,c,1375/01/01,زن,,09123456789,t,60000\n\"unterminated,a,b\n"
        );
        let mut sheet = open(text.as_bytes()).unwrap();
        let bad = sheet.next().unwrap().err().unwrap();
        assert_eq!(bad.line, 2);
        assert!(
            bad.en.contains("3 fields where the header has 10"),
            "{}",
            bad.en
        );
        assert!(sheet.next().unwrap().is_ok());
        assert!(sheet.next().unwrap().is_err(), "unterminated quote");
        assert!(sheet.next().is_none());
    }
}
