//! Applicant sheets as clerks save them: CSV in UTF-8 (with or without BOM) or
//! Windows-1256, separated by commas, semicolons or tabs, with English or Persian
//! headers in any order. Rows are streamed: memory does not grow with the file.

mod grid;
mod records;

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::WINDOWS_1256;

use records::Records;
pub use records::{FIELD_MAX, ROW_MAX};

use crate::core::applicant::{Rejection, RowInput};
use crate::core::text::{fold_key, normalize_field, normalize_name, normalize_text};
use crate::core::text::{line_list, to_persian_digits};

/// How many bytes are looked at to guess the encoding and the delimiter.
const SNIFF: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1256,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1256 => "Windows-1256",
        }
    }
}

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

/// The columns pishkhan reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    NationalId,
    FirstName,
    LastName,
    FatherName,
    BirthDate,
    Gender,
    MilitaryStatus,
    Mobile,
    Trade,
    Cluster,
    ExamStage,
    FormDate,
    ExamTime,
    Venue,
    Result,
}

impl Field {
    /// The field's name in results and rejects.
    pub fn name(self) -> &'static str {
        match self {
            Field::NationalId => "national_id",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::FatherName => "father_name",
            Field::BirthDate => "birth_date",
            Field::Gender => "gender",
            Field::MilitaryStatus => "military_status",
            Field::Mobile => "mobile",
            Field::Trade => "trade",
            Field::Cluster => "cluster",
            Field::ExamStage => "exam_stage",
            Field::FormDate => "form_date",
            Field::ExamTime => "exam_time",
            Field::Venue => "venue",
            Field::Result => "result",
        }
    }
}

/// Header spellings, folded (`fold_key`, then `_` as a space).
const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::NationalId,
        &[
            "national id",
            "nationalid",
            "nid",
            "کد ملی",
            "کدملی",
            "شماره ملی",
        ],
    ),
    (
        Field::FirstName,
        &["first name", "firstname", "name", "نام"],
    ),
    (
        Field::LastName,
        &[
            "last name",
            "lastname",
            "surname",
            "family name",
            "نام خانوادگی",
            "نام خانوادگي",
        ],
    ),
    (
        Field::FatherName,
        &["father name", "fathers name", "father", "نام پدر"],
    ),
    (
        Field::BirthDate,
        &["birth date", "birthdate", "date of birth", "تاریخ تولد"],
    ),
    (Field::Gender, &["gender", "sex", "جنسیت"]),
    (
        Field::MilitaryStatus,
        &[
            "military status",
            "military",
            "وضعیت نظام وظیفه",
            "نظام وظیفه",
            "وضعیت خدمت",
        ],
    ),
    (
        Field::Mobile,
        &[
            "mobile",
            "mobile number",
            "phone",
            "تلفن همراه",
            "شماره همراه",
            "موبایل",
            "همراه",
        ],
    ),
    (
        Field::Trade,
        &["trade", "profession", "حرفه", "رشته", "نام حرفه"],
    ),
    (
        Field::Cluster,
        &["cluster", "exam fee", "خوشه", "هزینه آزمون"],
    ),
    (
        Field::ExamStage,
        &["exam stage", "stage", "مرحله", "مرحله آزمون"],
    ),
    (
        Field::FormDate,
        &[
            "form date",
            "paper form date",
            "تاریخ فرم",
            "تاریخ فرم کاغذی",
        ],
    ),
    (
        Field::ExamTime,
        &["exam time", "time", "ساعت", "ساعت آزمون"],
    ),
    (
        Field::Venue,
        &["venue", "exam venue", "محل", "محل آزمون", "محل برگزاری"],
    ),
    (
        Field::Result,
        &[
            "result",
            "exam result",
            "نتیجه",
            "نتیجه آزمون",
            "وضعیت قبولی",
        ],
    ),
];

/// A column a sheet must have: the field, its English and Persian names.
pub type Required = (Field, &'static str, &'static str);

/// The columns of an applicant sheet (`register`).
pub const APPLICANT_COLUMNS: &[Required] = &[
    (Field::NationalId, "national_id", "کد ملی"),
    (Field::FirstName, "first_name", "نام"),
    (Field::LastName, "last_name", "نام خانوادگی"),
    (Field::BirthDate, "birth_date", "تاریخ تولد"),
    (Field::Gender, "gender", "جنسیت"),
    (Field::Mobile, "mobile", "تلفن همراه"),
    (Field::Trade, "trade", "حرفه"),
    (Field::Cluster, "cluster", "خوشه"),
];

fn field_of(header: &str) -> Option<Field> {
    let key = fold_key(header).replace('_', " ");
    ALIASES
        .iter()
        .find(|(_, names)| names.iter().any(|n| fold_key(n) == key))
        .map(|(f, _)| *f)
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
                to_fa(blanks)
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

/// At most this many header names in a message.
const SHOWN_HEADERS: usize = 20;

/// Header names for a message: the first 20, and how many more.
fn header_list(headers: &csv::StringRecord) -> String {
    let shown: Vec<String> = headers
        .iter()
        .take(SHOWN_HEADERS)
        .map(|h| h.chars().take(40).collect())
        .collect();
    let more = headers.len().saturating_sub(SHOWN_HEADERS);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// What the first bytes of a file say it is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Text,
    /// A zip archive: .xlsx or .ods.
    Zip,
    /// An OLE compound file: .xls.
    Ole,
    Binary,
}

fn kind_of(sample: &[u8]) -> Kind {
    if sample.starts_with(b"PK\x03\x04") {
        return Kind::Zip;
    }
    if sample.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Kind::Ole;
    }
    // Text has few control bytes (tab and line ends aside), NUL among them: a stray
    // one is a damaged cell, for its row to answer for, while binary data and UTF-16
    // have them everywhere.
    let controls = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        .count();
    if controls * 50 > sample.len() {
        return Kind::Binary;
    }
    Kind::Text
}

/// The encoding of a sample that is not all valid UTF-8: Windows-1256 when it reads
/// as Persian or Arabic text that way and has next to no valid multi-byte UTF-8;
/// otherwise UTF-8 with a few bad bytes (their rows are rejected, the rest read).
fn guess_encoding(sample: &[u8]) -> Encoding {
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut rest = sample;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                valid += std::str::from_utf8(good)
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                match e.error_len() {
                    Some(n) => {
                        invalid += 1;
                        rest = &bad[n..];
                    }
                    // Cut off inside a character at the end of the sample.
                    None => break,
                }
            }
        }
    }
    if invalid == 0 || valid >= 10 * invalid {
        return Encoding::Utf8;
    }
    let (text, _) = WINDOWS_1256.decode_without_bom_handling(sample);
    let high: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
    let arabic = high
        .iter()
        .filter(|c| ('\u{0600}'..='\u{06FF}').contains(*c))
        .count();
    if !high.is_empty() && arabic * 2 >= high.len() {
        Encoding::Windows1256
    } else {
        Encoding::Utf8
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

/// The field each header names; an error when two name one field or a `required`
/// one is missing.
fn check_columns(
    headers: &csv::StringRecord,
    required: &[Required],
    line: u64,
) -> Result<Vec<Option<Field>>, (String, String)> {
    let columns: Vec<Option<Field>> = headers.iter().map(field_of).collect();
    for (i, f) in columns.iter().enumerate() {
        if let Some(f) = f
            && columns[..i].contains(&Some(*f))
        {
            return Err((
                format!(
                    "two columns are read as the same field: \"{}\"",
                    &headers[i]
                ),
                format!("دو ستون یک معنا دارند: «{}»", &headers[i]),
            ));
        }
    }
    let missing: Vec<&Required> = required
        .iter()
        .filter(|(f, _, _)| !columns.contains(&Some(*f)))
        .collect();
    if !missing.is_empty() {
        let en: Vec<&str> = missing.iter().map(|m| m.1).collect();
        let fa: Vec<&str> = missing.iter().map(|m| m.2).collect();
        return Err((
            format!(
                "missing column(s) {} (headers found on line {line}: {})",
                en.join(", "),
                header_list(headers)
            ),
            format!("ستون {} در فایل نیست", fa.join("، ")),
        ));
    }
    Ok(columns)
}

/// A field's text, or `None` when its bytes are not text in `encoding`.
fn decode(bytes: &[u8], encoding: Encoding) -> Option<String> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_string),
        Encoding::Windows1256 => Some(
            WINDOWS_1256
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        ),
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

impl Sheet {
    fn take_raw(&self, raw: records::Raw) -> Result<Row, BadRow> {
        let line = raw.line;
        // The row as the clerk wrote it, for the rejects file.
        let lossy = |raw: &records::Raw| {
            csv::StringRecord::from(
                raw.fields
                    .iter()
                    .map(|f| match self.encoding {
                        Encoding::Utf8 => String::from_utf8_lossy(f).into_owned(),
                        Encoding::Windows1256 => decode(f, self.encoding).unwrap_or_default(),
                    })
                    .collect::<Vec<_>>(),
            )
        };
        let column = |i: usize| self.headers.get(i).unwrap_or("").to_string();
        let field = |i: usize| {
            self.columns
                .get(i)
                .copied()
                .flatten()
                .map_or("", Field::name)
        };
        let bad = |code, field: &'static str, en: String, fa: String| BadRow {
            line,
            record: lossy(&raw),
            code,
            field,
            en,
            fa,
        };
        match raw.problem {
            Some(records::Problem::OpenQuote) => {
                return Err(bad(
                    "row_malformed",
                    "",
                    "a quote (\") is opened and never closed on this line: the rows after it were read on their own".into(),
                    "گیومه‌ای (\") در این سطر باز شده و بسته نشده است".into(),
                ));
            }
            Some(records::Problem::FieldTooLong(i)) => {
                return Err(bad(
                    "field_too_long",
                    field(i),
                    format!(
                        "column \"{}\" is over {} bytes: no value of an applicant sheet is that long",
                        column(i),
                        records::FIELD_MAX
                    ),
                    format!("ستون «{}» بیش از حد بلند است", column(i)),
                ));
            }
            Some(records::Problem::RowTooLong) => {
                return Err(bad(
                    "row_too_long",
                    "",
                    format!("the row is over {} KB", records::ROW_MAX / 1024),
                    "این سطر بیش از حد بلند است".into(),
                ));
            }
            None => {}
        }
        if raw.fields.len() != self.headers.len() {
            let (len, expected) = (raw.fields.len() as u64, self.headers.len() as u64);
            return Err(bad(
                "row_malformed",
                "",
                format!("{len} fields where the header has {expected}"),
                format!(
                    "این سطر {} ستون دارد و سطر عنوان {}",
                    to_fa(len),
                    to_fa(expected)
                ),
            ));
        }
        let mut record = csv::StringRecord::with_capacity(
            raw.fields.iter().map(Vec::len).sum(),
            raw.fields.len(),
        );
        for (i, f) in raw.fields.iter().enumerate() {
            let text = match self.encoding {
                Encoding::Utf8 => std::str::from_utf8(f).ok().map(std::borrow::Cow::Borrowed),
                Encoding::Windows1256 => Some(WINDOWS_1256.decode_without_bom_handling(f).0),
            };
            match text {
                Some(s) => record.push_field(&s),
                None => {
                    return Err(bad(
                        "encoding_invalid",
                        field(i),
                        format!(
                            "column \"{}\" has bytes that are not UTF-8 (the rest of the sheet is UTF-8): retype the value",
                            column(i)
                        ),
                        format!(
                            "ستون «{}» نویسهٔ نامعتبر دارد؛ مقدار را دوباره تایپ کنید",
                            column(i)
                        ),
                    ));
                }
            }
        }
        Ok(self.row(line, record))
    }
}

fn to_fa(n: u64) -> String {
    crate::core::text::to_persian_digits(&n.to_string())
}

impl Sheet {
    fn row(&self, line: u64, record: csv::StringRecord) -> Row {
        let mut input = RowInput::default();
        let mut notes = Vec::new();
        for (value, field) in record.iter().zip(&self.columns) {
            let Some(field) = field else { continue };
            // Control characters are taken out of free text, and the row says so;
            // a name keeps them, for validation to reject it.
            if !matches!(
                field,
                Field::FirstName | Field::LastName | Field::FatherName
            ) && value.chars().any(crate::core::text::is_control)
            {
                notes.push(Rejection {
                    code: "control_characters_removed",
                    field: field.name(),
                    message_fa: format!("نویسه‌های کنترلی از «{}» حذف شد", field.name()),
                    message_en: format!("control characters were taken out of {}", field.name()),
                });
                if let Ok(mut c) = self.stats.cleaned.lock()
                    && c.last() != Some(&line)
                {
                    c.push(line);
                }
            }
            // Digits are made ASCII only where they are numbers; in names and trades
            // they stay as typed.
            let value = match field {
                // Names keep control characters, for validation to reject.
                Field::FirstName | Field::LastName | Field::FatherName => normalize_name(value),
                Field::Trade => normalize_text(value),
                _ => normalize_field(value),
            };
            let slot = match field {
                Field::NationalId => &mut input.national_id,
                Field::FirstName => &mut input.first_name,
                Field::LastName => &mut input.last_name,
                Field::FatherName => &mut input.father_name,
                Field::BirthDate => &mut input.birth_date,
                Field::Gender => &mut input.gender,
                Field::MilitaryStatus => &mut input.military_status,
                Field::Mobile => &mut input.mobile,
                Field::Trade => &mut input.trade,
                Field::Cluster => &mut input.cluster,
                Field::ExamStage => &mut input.exam_stage,
                Field::FormDate => &mut input.form_date,
                Field::ExamTime => &mut input.exam_time,
                Field::Venue => &mut input.venue,
                Field::Result => &mut input.result,
            };
            *slot = value;
        }
        Row {
            line,
            input,
            record,
            notes,
        }
    }
}

/// The delimiter of the header line: the most frequent of `,` `;` tab outside quotes.
fn sniff_delimiter(sample: &[u8], encoding: Encoding) -> u8 {
    let _ = encoding; // all three delimiters are ASCII in both encodings
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in sample
        .iter()
        .skip_while(|b| **b == 0xEF || **b == 0xBB || **b == 0xBF)
    {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
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
