//! Iranian mobile numbers and the operators their prefixes were allocated to: the table
//! pishkhan ships (`assets/mobile-prefixes.csv`, compiled in, with its sources and
//! date in its header), and the prefixes an office adds for allocations made after it
//! (`extra_mobile_prefixes` in the office config). Pure: the table is text in the
//! binary, the office's prefixes come from its parsed config.

use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::text::{to_ascii_digits, to_persian_digits};

/// The shipped table, as text.
pub const TABLE: &str = include_str!("../../assets/mobile-prefixes.csv");

/// The day the shipped table was made (2026-12-03; its sources are named in its
/// header).
pub const TABLE_DATE: &str = "1405/09/12";

/// A prefix and the operator its numbers were allocated to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    /// `0912`: four to seven digits.
    pub prefix: String,
    /// The operator's name in Latin letters (`Hamrah-e Avval`); empty when an office
    /// added the prefix without naming one.
    pub name: String,
    /// Its Persian name (`همراه اول`); may be empty likewise.
    pub name_fa: String,
}

impl Operator {
    /// The Persian name, or what the clerk should read when there is none.
    pub fn shown_fa(&self) -> &str {
        if self.name_fa.is_empty() {
            "افزودهٔ دفتر"
        } else {
            &self.name_fa
        }
    }

    /// The Latin name, or what to read when there is none.
    pub fn shown(&self) -> &str {
        if self.name.is_empty() {
            "added by the office"
        } else {
            &self.name
        }
    }
}

/// The prefixes mobile operators use: a number belongs to the operator of the longest
/// prefix it starts with, and to none when no prefix matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefixes {
    /// Longest prefix first, so the first match is the most precise.
    entries: Vec<Operator>,
}

impl Prefixes {
    /// The shipped table (parsed once; a test holds it parses).
    pub fn shipped() -> &'static Prefixes {
        static SHIPPED: OnceLock<Prefixes> = OnceLock::new();
        SHIPPED.get_or_init(|| parse_table(TABLE).expect("the shipped prefix table parses"))
    }

    /// The shipped table with an office's prefixes; an office's prefix that is in the
    /// table already takes the office's operator name when it gives one.
    pub fn with_extra(extra: &ExtraPrefixes) -> Prefixes {
        let mut entries = Prefixes::shipped().entries.clone();
        for (prefix, name) in &extra.0 {
            match entries.iter_mut().find(|e| e.prefix == *prefix) {
                Some(_) if name.is_empty() => {}
                Some(e) => {
                    (e.name, e.name_fa) = (name.clone(), name.clone());
                }
                None => entries.push(Operator {
                    prefix: prefix.clone(),
                    name: name.clone(),
                    name_fa: name.clone(),
                }),
            }
        }
        entries.sort_by(|a, b| {
            b.prefix
                .len()
                .cmp(&a.prefix.len())
                .then(a.prefix.cmp(&b.prefix))
        });
        Prefixes { entries }
    }

    /// The operator of a normalised mobile (`09XXXXXXXXX`), if any uses its prefix.
    pub fn operator(&self, mobile: &str) -> Option<&Operator> {
        self.entries.iter().find(|e| mobile.starts_with(&e.prefix))
    }

    /// Every prefix, longest first.
    pub fn entries(&self) -> &[Operator] {
        &self.entries
    }
}

/// The shipped table's rows: `prefix,operator,operator_fa,…`, after `#` comments.
fn parse_table(text: &str) -> Result<Prefixes, String> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut entries = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| e.to_string())?;
        let prefix = normalize_prefix(&row[0]).map_err(|e| format!("row {}: {e}", i + 1))?;
        entries.push(Operator {
            prefix,
            name: row[1].to_string(),
            name_fa: row[2].to_string(),
        });
    }
    entries.sort_by(|a, b| {
        b.prefix
            .len()
            .cmp(&a.prefix.len())
            .then(a.prefix.cmp(&b.prefix))
    });
    Ok(Prefixes { entries })
}

/// A prefix as an office writes it (Persian digits, spaces around it) in the one
/// spelling numbers are matched by: `09` and two to five more ASCII digits.
pub fn normalize_prefix(raw: &str) -> Result<String, String> {
    let p = to_ascii_digits(raw.trim());
    if p.len() >= 4 && p.len() <= 7 && p.starts_with("09") && p.bytes().all(|b| b.is_ascii_digit())
    {
        Ok(p)
    } else {
        Err(format!(
            "the mobile prefix {raw:?} is not 4 to 7 digits starting with 09 (e.g. \"0906\") / پیش‌شمارهٔ همراه «{raw}» باید ۴ تا ۷ رقم و با ۰۹ آغاز شود (مثل «۰۹۰۶»)"
        ))
    }
}

/// The message of a mobile no operator uses: its prefix, and the two ways on.
pub fn no_operator_messages(raw: &str, mobile: &str) -> (String, String) {
    let prefix = &mobile[..4.min(mobile.len())];
    (
        format!(
            "پیش‌شمارهٔ {} در شمارهٔ همراه «{raw}» از آنِ هیچ اپراتوری نیست (فهرست {}): شماره را از متقاضی دوباره بپرسید؛ اگر این پیش‌شماره تازه واگذار شده، آن را در extra_mobile_prefixes تنظیمات دفتر بیفزایید",
            to_persian_digits(prefix),
            to_persian_digits(TABLE_DATE)
        ),
        format!(
            "mobile \"{raw}\": no mobile operator uses the prefix {prefix} (table of {TABLE_DATE}); ask the applicant for the number again, or, if {prefix} was allocated since, add it to extra_mobile_prefixes in the office config"
        ),
    )
}

/// The prefixes an office adds, each with the operator's name (empty when not given):
/// in the config either a list, `extra_mobile_prefixes = ["0906"]`, or a table,
/// `[extra_mobile_prefixes]` then `"0906" = "Samantel"`. Checked as it is read, so a
/// config that loads holds only prefixes in their one spelling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtraPrefixes(pub Vec<(String, String)>);

impl ExtraPrefixes {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ExtraPrefixes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (p, name) in &self.0 {
            m.serialize_entry(p, name)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for ExtraPrefixes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Extra;
        impl<'de> Visitor<'de> for Extra {
            type Value = ExtraPrefixes;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a list of mobile prefixes (extra_mobile_prefixes = [\"0906\"]) or a table of prefix = operator name",
                )
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ExtraPrefixes, A::Error> {
                let mut out = Vec::new();
                while let Some(p) = seq.next_element::<String>()? {
                    out.push((
                        normalize_prefix(&p).map_err(de::Error::custom)?,
                        String::new(),
                    ));
                }
                Ok(ExtraPrefixes(out))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExtraPrefixes, A::Error> {
                let mut out = Vec::new();
                while let Some((p, name)) = map.next_entry::<String, String>()? {
                    out.push((
                        normalize_prefix(&p).map_err(de::Error::custom)?,
                        name.trim().to_string(),
                    ));
                }
                Ok(ExtraPrefixes(out))
            }
        }
        d.deserialize_any(Extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_date_is_the_day_it_was_made() {
        let made = crate::core::jalali::JalaliDate::parse_iso("2026-12-03").unwrap();
        assert_eq!(made.to_string(), TABLE_DATE);
        assert!(TABLE.contains("Made 2026-12-03 (1405/09/12)"));
    }

    #[test]
    fn the_shipped_table_parses_and_finds_operators() {
        let t = Prefixes::shipped();
        assert_eq!(t.entries().len(), 40);
        let op = |m: &str| t.operator(m).map(|o| o.name.as_str());
        assert_eq!(op("09123456789"), Some("Hamrah-e Avval"));
        assert_eq!(op("09351234567"), Some("Irancell"));
        assert_eq!(op("09211234567"), Some("RighTel"));
        assert_eq!(op("09981234567"), Some("Shatel Mobile"));
        assert_eq!(op("09991234567"), Some("Aptel"));
        assert_eq!(op("09061234567"), None);
        assert_eq!(op("09401234567"), None);
        assert_eq!(t.operator("09121234567").unwrap().name_fa, "همراه اول");
    }

    #[test]
    fn an_office_adds_prefixes_of_any_length() {
        let extra = ExtraPrefixes(vec![
            ("0906".into(), String::new()),
            ("094012".into(), "Samantel".into()),
            ("0912".into(), String::new()),
        ]);
        let t = Prefixes::with_extra(&extra);
        assert_eq!(
            t.operator("09061234567").unwrap().shown(),
            "added by the office"
        );
        assert_eq!(t.operator("09401234567").unwrap().name, "Samantel");
        assert!(t.operator("09409234567").is_none());
        // A prefix the table has keeps the table's name when the office gives none.
        assert_eq!(t.operator("09121234567").unwrap().name, "Hamrah-e Avval");
    }

    #[test]
    fn prefixes_have_one_spelling() {
        assert_eq!(normalize_prefix(" ۰۹۰۶ ").unwrap(), "0906");
        assert_eq!(normalize_prefix("0940123").unwrap(), "0940123");
        for bad in ["906", "0806", "09", "09x6", "09012345", "", "0906-"] {
            assert!(normalize_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn both_config_forms_read() {
        #[derive(Debug, Deserialize)]
        struct C {
            extra_mobile_prefixes: ExtraPrefixes,
        }
        let list: C = toml::from_str("extra_mobile_prefixes = [\"۰۹۰۶\", \"09401\"]").unwrap();
        assert_eq!(
            list.extra_mobile_prefixes.0,
            vec![
                ("0906".into(), String::new()),
                ("09401".into(), String::new())
            ]
        );
        let table: C =
            toml::from_str("[extra_mobile_prefixes]\n\"0906\" = \"Samantel\"\n").unwrap();
        assert_eq!(
            table.extra_mobile_prefixes.0,
            vec![("0906".into(), "Samantel".into())]
        );
        let e = toml::from_str::<C>("extra_mobile_prefixes = [\"906\"]").unwrap_err();
        assert!(e.to_string().contains("4 to 7 digits"), "{e}");
        let e = toml::from_str::<C>("extra_mobile_prefixes = 906").unwrap_err();
        assert!(e.to_string().contains("a list of mobile prefixes"), "{e}");
    }
}
