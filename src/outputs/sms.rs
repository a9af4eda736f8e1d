//! The SMS file of a card run: one row per applicant with a slip, with the
//! mobile's operator.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use super::*;
use crate::core::mobile::Prefixes;
use crate::core::text::to_persian_digits;
use crate::docs;

/// `mobile,operator,message,parts` rows for an SMS gateway: the operator the mobile's
/// prefix was allocated to, empty when no operator uses it (a mobile registered
/// before pishkhan knew the operators), which is said on stderr.
pub(crate) struct Sms {
    pub(crate) path: PathBuf,
    pub(crate) file: Appended,
    pub(crate) mobiles: Arc<Prefixes>,
    pub(crate) no_operator: Vec<String>,
}

impl Sms {
    pub(crate) fn new(path: PathBuf, mobiles: Arc<Prefixes>) -> Sms {
        Sms {
            file: Appended::new(
                path.clone(),
                &csv_line(["mobile", "operator", "message", "parts"]),
            ),
            path,
            mobiles,
            no_operator: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, mobile: &str, sms: &docs::Sms) {
        let operator = match self.mobiles.operator(mobile) {
            Some(o) => o.name.as_str(),
            None => {
                self.no_operator.push(mobile.to_string());
                ""
            }
        };
        self.file.append(&csv_line([
            safe_cell(mobile),
            safe_cell(operator),
            safe_cell(&sms.text),
            sms.parts.to_string(),
        ]));
    }

    pub(crate) fn finish(self) -> Result<(), String> {
        if !self.no_operator.is_empty() {
            let shown: Vec<&str> = self
                .no_operator
                .iter()
                .take(20)
                .map(String::as_str)
                .collect();
            eprintln!(
                "mobile_no_operator: no mobile operator uses the prefix of {} in {} ({}{}): their SMS will not arrive; call them / پیش‌شمارهٔ {} شمارهٔ همراه در فایل پیامک از آنِ هیچ اپراتوری نیست؛ با آنان تماس بگیرید",
                self.no_operator.len(),
                self.path.display(),
                shown.join(", "),
                if self.no_operator.len() > 20 {
                    ", …"
                } else {
                    ""
                },
                to_persian_digits(&self.no_operator.len().to_string()),
            );
        }
        self.file.finish()
    }
}
