//! The office's identity, printed on every receipt: from a small TOML file, each
//! field overridable by a flag or environment variable.

use serde::{Deserialize, Serialize};

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
}

impl Office {
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
}
