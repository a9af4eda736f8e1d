//! The rejects file: the clerk's rejected rows as she wrote them, with the reasons,
//! as CSV or a workbook.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use super::*;
use crate::desk::batch::{Outcome, Raw};
use crate::files::{self};

/// The rejects file: the clerk's rows as she wrote them, with the reasons after them,
/// in UTF-8 with a BOM so that Excel shows the Persian. The header is the first
/// sheet's; rows of a sheet with other headers come under their own header line.
pub(crate) struct Rejects {
    pub(crate) path: PathBuf,
    pub(crate) to: RejectsTo,
    pub(crate) header: Option<Arc<csv::StringRecord>>,
}

/// A rejects file is CSV, appended row by row, or, named `.xlsx`, an Excel workbook
/// written whole at the end (the rows kept until then).
pub(crate) enum RejectsTo {
    Csv(Appended),
    Xlsx(Vec<Vec<String>>),
}

impl Rejects {
    pub(crate) fn new(path: PathBuf) -> Rejects {
        let xlsx = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        Rejects {
            to: if xlsx {
                RejectsTo::Xlsx(Vec::new())
            } else {
                RejectsTo::Csv(Appended::new(path.clone(), "\u{FEFF}".as_bytes()))
            },
            path,
            header: None,
        }
    }

    pub(crate) fn push(&mut self, raw: &Raw, o: &Outcome) {
        // A workbook's cells are text, never formulas: they need no guarding.
        let xlsx = matches!(self.to, RejectsTo::Xlsx(_));
        let cell = |s: &str| if xlsx { s.to_string() } else { safe_cell(s) };
        let mut lines = Vec::new();
        if self.header.as_ref() != Some(&raw.headers) {
            let mut h: Vec<String> = raw.headers.iter().map(cell).collect();
            h.extend(["code", "message_fa", "message_en"].map(String::from));
            lines.push(h);
            self.header = Some(raw.headers.clone());
        }
        let mut cells: Vec<String> = raw.record.iter().map(cell).collect();
        cells.resize(raw.headers.len().max(cells.len()), String::new());
        cells.extend([o.code(), o.message_fa(), o.message_en()]);
        lines.push(cells);
        for line in lines {
            match &mut self.to {
                RejectsTo::Csv(file) => file.append(&csv_line(&line)),
                RejectsTo::Xlsx(rows) => rows.push(line),
            }
        }
    }

    pub(crate) fn finish(self) -> Result<(), String> {
        match self.to {
            RejectsTo::Csv(file) => file.finish(),
            RejectsTo::Xlsx(rows) => {
                rejects_xlsx(&rows)
                    .map_err(|e| format!("{e}"))
                    .and_then(|bytes| {
                        files::write_atomic(&self.path, &bytes).map_err(|e| format!("{e:#}"))
                    })
            }
        }
    }
}

/// The rejected rows as a right-to-left workbook, every cell text (an ID keeps its
/// zeros), the header bold and frozen: ready to fix and feed back.
pub(crate) fn rejects_xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("ردشده‌ها")?;
    ws.set_right_to_left(true);
    let bold = Format::new().set_bold();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if r == 0 {
                ws.write_string_with_format(0, c as u16, v, &bold)?;
            } else {
                ws.write_string(r as u32, c as u16, v)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}
