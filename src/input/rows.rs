//! A sheet's rows: raw records turned into applicant rows, or into rows refused
//! with the reason.

use encoding_rs::WINDOWS_1256;

use super::sniff::decode;
use super::{BadRow, Encoding, Field, Row, Sheet, records};
use crate::core::applicant::{Rejection, RowInput};
use crate::core::text::{normalize_field, normalize_name, normalize_text};

impl Sheet {
    pub(super) fn take_raw(&self, raw: records::Raw) -> Result<Row, BadRow> {
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
                    crate::core::text::fa(len),
                    crate::core::text::fa(expected)
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

impl Sheet {
    pub(super) fn row(&self, line: u64, record: csv::StringRecord) -> Row {
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
