//! One result line per input row on stdout (CSV, JSON lines or a table), and the
//! same rows as a workbook for `--results`.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Result;
use serde_json::json;

use super::table::Columns;
use super::*;
use crate::core::money::Unit;
use crate::core::text::to_persian_digits;
use crate::desk::batch::{Outcome, Status};

/// Result lines on stdout, as groups settle: CSV, JSON lines, or a table.
pub(crate) struct Results {
    /// The rows kept for `--results FILE.xlsx`, and where they go.
    pub(crate) workbook: Option<(PathBuf, Vec<Outcome>)>,
    pub(crate) out: io::BufWriter<io::Stdout>,
    pub(crate) format: DataFormat,
    pub(crate) table: Columns,
    /// Why stdout failed, when it did; a closed pipe (`| head`) is not a failure.
    pub(crate) broken: Option<String>,
    pub(crate) closed: bool,
}

pub(crate) const HEADER: [&str; 11] = [
    "line",
    "national_id",
    "status",
    "receipt_no",
    "office_total",
    "tvto_fee",
    "total",
    "code",
    "message_fa",
    "message_en",
    "file",
];

impl Results {
    pub(crate) fn new(format: DataFormat, workbook: Option<PathBuf>) -> Results {
        let mut r = Results {
            workbook: workbook.map(|p| (p, Vec::new())),
            out: io::BufWriter::new(io::stdout()),
            format,
            table: Columns::new(&[5, 10, 7, 11, 9, 50]),
            broken: None,
            closed: false,
        };
        let head = match format {
            DataFormat::Csv => csv_line(HEADER),
            DataFormat::Json => Vec::new(),
            DataFormat::Table => r
                .table
                .header(&[
                    "سطر",
                    "کد ملی",
                    "وضعیت",
                    "شماره رسید",
                    "مبلغ (تومان)",
                    "توضیح",
                ])
                .into_bytes(),
        };
        r.put(&head);
        r
    }

    pub(crate) fn write(&mut self, o: &Outcome) {
        if let Some((_, rows)) = &mut self.workbook {
            rows.push(o.clone());
        }
        let toman = |m: crate::core::money::Money| m.plain(Unit::Toman);
        let bytes = match self.format {
            DataFormat::Csv => csv_line([
                o.line.to_string(),
                safe_cell(&o.national_id),
                o.status.as_str().into(),
                o.receipt_no.clone(),
                toman(o.office_total),
                toman(o.tvto_fee),
                toman(o.total),
                o.code(),
                safe_cell(&o.message_fa()),
                safe_cell(&o.message_en()),
                safe_cell(&o.file),
            ]),
            DataFormat::Json => {
                let mut v = serde_json::to_vec(&json!({
                    "line": o.line,
                    "national_id": o.national_id,
                    "status": o.status.as_str(),
                    "receipt_no": o.receipt_no,
                    "office_total": o.office_total.json(Unit::Toman),
                    "tvto_fee": o.tvto_fee.json(Unit::Toman),
                    "total": o.total.json(Unit::Toman),
                    "code": o.code(),
                    "message_fa": o.message_fa(),
                    "message_en": o.message_en(),
                    "file": &*o.file,
                }))
                .expect("plain values serialise");
                v.push(b'\n');
                v
            }
            DataFormat::Table => self
                .table
                .line(&[
                    to_persian_digits(&o.line.to_string()),
                    o.national_id.clone(),
                    o.status.name_fa().into(),
                    to_persian_digits(&o.receipt_no),
                    if o.status == Status::Rejected {
                        String::new()
                    } else {
                        o.total.grouped_fa(Unit::Toman)
                    },
                    o.message_fa(),
                ])
                .into_bytes(),
        };
        self.put(&bytes);
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) {
        if self.closed || self.broken.is_some() {
            return;
        }
        if let Err(e) = self.out.write_all(bytes) {
            self.fail(e);
        }
    }

    pub(crate) fn flush(&mut self) {
        if !self.closed
            && self.broken.is_none()
            && let Err(e) = self.out.flush()
        {
            self.fail(e);
        }
    }

    pub(crate) fn fail(&mut self, e: io::Error) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            self.closed = true; // the reader stopped reading; the batch goes on
        } else {
            self.broken = Some(e.to_string());
        }
    }
}

/// The result rows as a right-to-left workbook: the columns of `--format csv`, line
/// numbers and amounts (toman) as numbers, the rest as text (an ID keeps its zeros).
pub(crate) fn results_xlsx(rows: &[Outcome]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("نتیجه")?;
    ws.set_right_to_left(true);
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.#");
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    // Toman as numbers: an amount to a tenth of a toman is exact in a double.
    let toman = |m: crate::core::money::Money| m.rial() as f64 / 10.0;
    for (i, o) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, o.line as f64)?;
        ws.write_string(r, 1, &o.national_id)?;
        ws.write_string(r, 2, o.status.as_str())?;
        ws.write_string(r, 3, &o.receipt_no)?;
        ws.write_number_with_format(r, 4, toman(o.office_total), &money)?;
        ws.write_number_with_format(r, 5, toman(o.tvto_fee), &money)?;
        ws.write_number_with_format(r, 6, toman(o.total), &money)?;
        ws.write_string(r, 7, o.code())?;
        ws.write_string(r, 8, o.message_fa())?;
        ws.write_string(r, 9, o.message_en())?;
        ws.write_string(r, 10, &*o.file)?;
    }
    ws.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}
