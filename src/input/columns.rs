//! The sheet's columns: the fields pishkhan reads, the headers (English and Persian,
//! as clerks write them) that name each, and the check that every needed one is there.

use crate::core::text::fold_key;

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
pub(super) const ALIASES: &[(Field, &[&str])] = &[
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

pub(super) fn field_of(header: &str) -> Option<Field> {
    let key = fold_key(header).replace('_', " ");
    ALIASES
        .iter()
        .find(|(_, names)| names.iter().any(|n| fold_key(n) == key))
        .map(|(f, _)| *f)
}

/// At most this many header names in a message.
pub(super) const SHOWN_HEADERS: usize = 20;

/// Header names for a message: the first 20, and how many more.
pub(super) fn header_list(headers: &csv::StringRecord) -> String {
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

/// The field each header names; an error when two name one field or a `required`
/// one is missing.
pub(super) fn check_columns(
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
