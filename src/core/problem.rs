//! A problem found in a configuration file: where it is and what is wrong.

use std::fmt;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be used.
    Error,
    /// The file can be used, but something looks wrong to a careful reader.
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    /// Where in the file, as a readable path: `schedule "qom-1402" line "exam-slip" stage`.
    pub key: String,
    pub message: String,
    /// For a row of a sheet: the rejection's stable code, and its message in each
    /// language (`message` then holds both).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_fa: Option<String>,
}

impl Problem {
    pub fn error(key: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            key: key.into(),
            message: message.into(),
            code: None,
            message_en: None,
            message_fa: None,
        }
    }

    /// A rejected row of a sheet: `key` is `line N field`.
    pub fn row(key: String, code: &'static str, en: &str, fa: &str) -> Self {
        Problem {
            code: Some(code),
            message_en: Some(en.to_string()),
            message_fa: Some(fa.to_string()),
            ..Problem::error(key, format!("{en} / {fa}"))
        }
    }

    pub fn warning(key: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(key, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if !self.key.is_empty() {
            write!(f, "{sev}: {}: ", self.key)?;
        } else {
            write!(f, "{sev}: ")?;
        }
        if let Some(code) = self.code {
            write!(f, "{code}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// A TOML syntax or shape error as a problem, with its line and column.
pub fn from_toml_error(src: &str, err: &toml::de::Error) -> Problem {
    let place = err.span().map(|span| {
        let before = &src[..span.start.min(src.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {col}")
    });
    Problem::error(place.unwrap_or_default(), err.message().trim().to_string())
}
