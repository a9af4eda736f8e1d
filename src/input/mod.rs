//! Applicant sheets as clerks save them: CSV in UTF-8 (with or without BOM) or
//! Windows-1256, separated by commas, semicolons or tabs, with English or Persian
//! headers in any order. Rows are streamed: memory does not grow with the file.

use std::io::{self, Cursor, Read};

use encoding_rs::{UTF_8, WINDOWS_1256};
use encoding_rs_io::DecodeReaderBytesBuilder;

use crate::core::applicant::RowInput;
use crate::core::text::{fold_key, normalize_field, normalize_text};

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
}

/// A row the reader could not take apart (wrong number of fields, bad bytes).
pub struct BadRow {
    pub line: u64,
    pub record: csv::StringRecord,
    pub en: String,
    pub fa: String,
}

/// An open sheet: its headers, and an iterator over its rows.
pub struct Sheet {
    pub name: String,
    pub encoding: Encoding,
    pub delimiter: u8,
    pub headers: std::sync::Arc<csv::StringRecord>,
    columns: Vec<Option<Field>>,
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::StringRecord,
    done: bool,
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
        mut source: Box<dyn Read + Send>,
        forced: Option<Encoding>,
        required: &[Required],
    ) -> Result<Sheet, FileError> {
        let err = |en: String, fa: String| FileError {
            file: name.to_string(),
            en,
            fa,
        };
        let mut sample = Vec::with_capacity(SNIFF);
        (&mut source)
            .take(SNIFF as u64)
            .read_to_end(&mut sample)
            .map_err(|e| err(format!("cannot read: {e}"), "فایل خوانده نشد".into()))?;
        let bom = sample.starts_with(&[0xEF, 0xBB, 0xBF]);
        let encoding = forced.unwrap_or_else(|| match std::str::from_utf8(&sample) {
            Ok(_) => Encoding::Utf8,
            // Cut off inside a character at the end of the sample: still UTF-8.
            Err(e) if e.error_len().is_none() => Encoding::Utf8,
            Err(_) if bom => Encoding::Utf8,
            Err(_) => Encoding::Windows1256,
        });
        let body = sample
            .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
            .unwrap_or(&sample);
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(err(
                "the file is empty: expected a header row and applicant rows".into(),
                "فایل خالی است".into(),
            ));
        }
        let delimiter = sniff_delimiter(&sample, encoding);
        let joined: Box<dyn Read + Send> = Box::new(Cursor::new(sample).chain(source));
        let decoded: Box<dyn Read + Send> = Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(match encoding {
                    Encoding::Utf8 => UTF_8,
                    Encoding::Windows1256 => WINDOWS_1256,
                }))
                .bom_override(true)
                .strip_bom(true)
                .build(joined),
        );
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .from_reader(decoded);
        let headers = reader
            .headers()
            .map_err(|e| {
                err(
                    format!("cannot read the header row: {e}"),
                    "سطر عنوان ستون‌ها خوانده نشد".into(),
                )
            })?
            .clone();
        let columns: Vec<Option<Field>> = headers.iter().map(field_of).collect();
        for (i, f) in columns.iter().enumerate() {
            if let Some(f) = f
                && columns[..i].contains(&Some(*f))
            {
                return Err(err(
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
            return Err(err(
                format!(
                    "missing column(s) {} (headers found: {})",
                    en.join(", "),
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
                format!("ستون {} در فایل نیست", fa.join("، ")),
            ));
        }
        Ok(Sheet {
            name: name.to_string(),
            encoding,
            delimiter,
            headers: std::sync::Arc::new(headers),
            columns,
            reader,
            record: csv::StringRecord::new(),
            done: false,
        })
    }
}

impl Iterator for Sheet {
    type Item = Result<Row, BadRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let result = self.reader.read_record(&mut self.record);
            let line = self.reader.position().line();
            match result {
                Ok(false) => return None,
                Ok(true) => {
                    let line = self.record.position().map_or(line, |p| p.line());
                    if self.record.iter().all(|f| f.trim().is_empty()) {
                        continue; // blank line in a spreadsheet export
                    }
                    if self.record.iter().any(|f| f.contains('\u{FFFD}')) {
                        return Some(Err(BadRow {
                            line,
                            record: self.record.clone(),
                            en: "bytes that are not valid UTF-8: if the sheet was saved as Windows-1256, give --encoding windows-1256".into(),
                            fa: "نویسه‌های نامعتبر: اگر فایل با کدگذاری ویندوز-۱۲۵۶ ذخیره شده، ‎--encoding windows-1256 را بدهید".into(),
                        }));
                    }
                    return Some(Ok(self.row(line)));
                }
                Err(e) => {
                    let line = e.position().map_or(line, |p| p.line());
                    let (en, fa) = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => (
                            format!("{len} fields where the header has {expected_len}"),
                            format!(
                                "این سطر {} ستون دارد و سطر عنوان {}",
                                to_fa(*len),
                                to_fa(*expected_len)
                            ),
                        ),
                        _ => (format!("unreadable row: {e}"), "سطر خوانده نشد".into()),
                    };
                    // The stream itself failed: nothing more can be read.
                    self.done = matches!(e.kind(), csv::ErrorKind::Io(_));
                    return Some(Err(BadRow {
                        line,
                        record: self.record.clone(),
                        en,
                        fa,
                    }));
                }
            }
        }
    }
}

fn to_fa(n: u64) -> String {
    crate::core::text::to_persian_digits(&n.to_string())
}

impl Sheet {
    fn row(&self, line: u64) -> Row {
        let mut input = RowInput::default();
        for (value, field) in self.record.iter().zip(&self.columns) {
            let Some(field) = field else { continue };
            // Digits are made ASCII only where they are numbers; in names and trades
            // they stay as typed.
            let value = match field {
                Field::FirstName | Field::LastName | Field::FatherName | Field::Trade => {
                    normalize_text(value)
                }
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
            record: self.record.clone(),
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
            b'\n' if !quoted => break,
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
