//! The office's identity, printed on every receipt: from a small TOML file, each
//! field overridable by a flag or environment variable.

use serde::{Deserialize, Serialize};

use super::mobile::ExtraPrefixes;
use super::problem::{Problem, from_toml_error};

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// e.g. «دفتر پیشخوان خدمات دولت کد ۱۲۳۴ قم».
    pub name: Option<String>,
    /// The office's code as the ICT directorate issued it.
    pub code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Military-service statuses this office accepts beyond the built-in list
    /// (`core::applicant::MILITARY_ACCEPTED`), as they appear on its forms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_military_statuses: Vec<String>,
    /// Mobile prefixes allocated after pishkhan's table was made (see
    /// `core::mobile::ExtraPrefixes`).
    #[serde(default, skip_serializing_if = "ExtraPrefixes::is_empty")]
    pub extra_mobile_prefixes: ExtraPrefixes,
    /// The office's signing key file, relative to the config file (see
    /// `pishkhan key new`); never printed, never in the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// The longest office code: codes the ICT directorate issues are a few characters
/// (`37-1234`); the bound keeps a receipt's file name and QR code short.
pub const CODE_MAX: usize = 32;

/// Why an office code cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the office code \"{shown}\" cannot be used: {why}. An office code is 1–{CODE_MAX} ASCII letters, digits and '-' (e.g. 37-1234); Persian digits are read as Latin ones and spaces around it are dropped / کد دفتر «{shown}» پذیرفته نیست: کد دفتر ۱ تا ۳۲ نویسه از حروف لاتین، رقم و «-» است"
)]
pub struct CodeError {
    /// The code as given, with control characters and invisible marks made visible.
    pub shown: String,
    pub why: String,
}

/// The office code as receipts, file names, QR codes and the ledger hold it: Persian
/// and Arabic-Indic digits made ASCII and surrounding spaces dropped, then nothing but
/// ASCII letters, digits and `-`, 1 to [`CODE_MAX`] characters. One spelling per
/// office: `۳۷-۱۲۳۴` and `37-1234 ` are the office 37-1234, while a Unicode dash or
/// a ZWNJ, which print alike but would make another office, are refused, and so is
/// anything that could lead a receipt's file name out of its directory (`/`, `..`).
pub fn normalize_code(raw: &str) -> Result<String, CodeError> {
    let code = super::text::to_ascii_digits(raw.trim());
    let fail = |why: String| CodeError {
        shown: {
            // Long codes shown by their start: the message stays one line.
            let mut s: String = raw.chars().take(40).flat_map(char::escape_debug).collect();
            if raw.chars().count() > 40 {
                s.push('…');
            }
            s
        },
        why,
    };
    if code.is_empty() {
        return Err(fail("it is empty".into()));
    }
    if let Some(c) = code
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(fail(format!(
            "it holds {} (U+{:04X})",
            if c.is_control() || !c.is_alphanumeric() && !c.is_ascii_punctuation() {
                format!("{:?}", c)
            } else {
                format!("'{c}'")
            },
            c as u32
        )));
    }
    let n = code.chars().count();
    if n > CODE_MAX {
        return Err(fail(format!("it is {n} characters long")));
    }
    Ok(code)
}

impl Office {
    /// The office with its code in the one spelling [`normalize_code`] gives; an
    /// unusable code is an error.
    pub fn normalized(mut self) -> Result<Office, CodeError> {
        self.code = match self.code.as_deref() {
            Some(c) => Some(normalize_code(c)?),
            None => None,
        };
        Ok(self)
    }

    pub fn parse(src: &str) -> (Option<Office>, Vec<Problem>) {
        match toml::from_str::<Office>(src) {
            Ok(o) => (Some(o), Vec::new()),
            Err(e) => (None, vec![from_toml_error(src, &e)]),
        }
    }

    /// Fields of `over` that are set replace ours.
    pub fn overridden_by(self, over: Office) -> Office {
        Office {
            name: over.name.or(self.name),
            code: over.code.or(self.code),
            address: over.address.or(self.address),
            phone: over.phone.or(self.phone),
            extra_military_statuses: [self.extra_military_statuses, over.extra_military_statuses]
                .concat(),
            extra_mobile_prefixes: ExtraPrefixes(
                [self.extra_mobile_prefixes.0, over.extra_mobile_prefixes.0].concat(),
            ),
            key: over.key.or(self.key),
        }
    }

    /// What a receipt would miss.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        for (key, v) in [("name", &self.name), ("code", &self.code)] {
            if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
                out.push(Problem::warning(
                    key,
                    format!("the office {key} is not set: receipts need it"),
                ));
            }
        }
        for (prefix, _) in &self.extra_mobile_prefixes.0 {
            if let Some(op) = super::mobile::Prefixes::shipped()
                .entries()
                .iter()
                .find(|e| prefix.starts_with(&e.prefix))
            {
                out.push(Problem::warning(
                    "extra_mobile_prefixes",
                    format!(
                        "{prefix} is already allocated in pishkhan's table (under {}, {}): the line is not needed",
                        op.prefix, op.name
                    ),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_overrides() {
        let (o, problems) = Office::parse("name = \"دفتر ۱\"\ncode = \"1234\"\n");
        assert!(problems.is_empty());
        let o = o.unwrap().overridden_by(Office {
            code: Some("5678".into()),
            ..Office::default()
        });
        assert_eq!(o.name.as_deref(), Some("دفتر ۱"));
        assert_eq!(o.code.as_deref(), Some("5678"));
        let (o, problems) = Office::parse("nam = \"x\"\n");
        assert!(o.is_none() && problems[0].message.contains("nam"));
        assert_eq!(Office::default().problems().len(), 2);
    }

    #[test]
    fn office_codes_have_one_spelling() {
        for same in [
            "37-1234",
            "۳۷-۱۲۳۴",
            "٣٧-١٢٣٤",
            " 37-1234 ",
            "37-1234\t",
            "A-12b",
        ] {
            let c = normalize_code(same).unwrap();
            assert!(c == "37-1234" || c == "A-12b", "{same:?} gave {c:?}");
        }
        for bad in [
            "",
            "  ",
            "../../evil",
            "/etc/passwd",
            "a/b",
            "a\\b",
            "37\u{2010}1234",
            "37-\u{200C}1234",
            "37 1234",
            "37|1234",
            "37-1234\u{1b}[31m",
            ".",
            "..x",
            &"9".repeat(33),
        ] {
            let e = normalize_code(bad).unwrap_err();
            assert!(e.to_string().contains("1–32 ASCII letters"), "{e}");
        }
        assert_eq!(normalize_code(&"9".repeat(32)).unwrap().len(), 32);
        let e = normalize_code("37\u{2010}1234").unwrap_err();
        assert!(e.why.contains("U+2010"), "{}", e.why);
    }
}
