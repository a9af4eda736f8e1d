//! Text helpers shared by the core: Persian (۰–۹) and Arabic-Indic (٠–٩) digits in,
//! ASCII for parsing; Persian digits with the Arabic thousands separator out; a folded
//! form of names for matching what people type against what files say.

/// U+066C ARABIC THOUSANDS SEPARATOR, what Persian typesetting uses between groups.
pub const FA_THOUSANDS: char = '\u{066C}';

/// Maps one Persian or Arabic-Indic digit to its ASCII digit; other chars unchanged.
pub fn ascii_digit(c: char) -> char {
    match c {
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        _ => c,
    }
}

/// Replaces Persian and Arabic-Indic digits with ASCII ones.
pub fn to_ascii_digits(s: &str) -> String {
    s.chars().map(ascii_digit).collect()
}

/// Replaces ASCII digits with Persian ones.
pub fn to_persian_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x06F0 + (c as u32 - '0' as u32)).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A value as it is displayed, with Persian digits: `fa(26)` is «۲۶».
pub fn fa(v: impl std::fmt::Display) -> String {
    to_persian_digits(&v.to_string())
}

/// Persian digits in Persian text, Latin digits in Latin text: each run of ASCII
/// digits becomes Persian unless the nearest letter before it (or, with none before,
/// after it) is a Latin one. «مرکز شماره 3» → «مرکز شماره ۳»; «Qom TVTO Center No. 3»
/// stays as it is.
pub fn digits_for_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let latin = |c: &char| c.is_ascii_alphabetic();
    let letter = |c: &&char| c.is_alphabetic();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            let near = chars[..i]
                .iter()
                .rev()
                .find(letter)
                .or_else(|| chars[i + 1..].iter().find(letter));
            if near.is_some_and(latin) {
                out.push(*c);
                continue;
            }
            out.push(char::from_u32(0x06F0 + (*c as u32 - '0' as u32)).unwrap_or(*c));
        } else {
            out.push(*c);
        }
    }
    out
}

/// Bidi controls that sneak in when Persian text is copied around (LRM, RLM, ALM,
/// embeddings, isolates); they carry no meaning in a date or an amount.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Groups the decimal digits of `n` by thousands with `sep`: 71796 → "71,796".
pub fn group_thousands(n: i64, sep: char) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(d);
    }
    out
}

/// Persian digits with the Persian thousands separator: 71796 → "۷۱٬۷۹۶".
pub fn fa_grouped(n: i64) -> String {
    to_persian_digits(&group_thousands(n, FA_THOUSANDS))
}

/// Folds a name for matching: ASCII digits, Arabic ي ى ك as Persian ی ک, lowercase,
/// bidi marks dropped, ZWNJ and runs of spaces as one space, trimmed, and the
/// thousands separators `,` `٬` dropped so that "60,000" matches "60000".
pub fn fold_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match ascii_digit(c) {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            '\u{200C}' => ' ',
            c => c,
        };
        if is_bidi_control(c) || c == ',' || c == FA_THOUSANDS {
            continue;
        }
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out.trim_end().to_string()
}

/// Normalises a field typed into a spreadsheet: Persian and Arabic-Indic digits to
/// ASCII, Arabic ي ى ك to Persian ی ی ک, bidi marks dropped, spaces trimmed and
/// collapsed; ZWNJ kept (it is part of the word), but not at a word's edge.
pub fn normalize_field(s: &str) -> String {
    normalize(s, true, false)
}

/// [`normalize_field`] for free text (trades, venues): the digits stay as the clerk
/// typed them («حسین (۲)»).
pub fn normalize_text(s: &str) -> String {
    normalize(s, false, false)
}

/// [`normalize_text`] for a name, which keeps any control character (a bell, an
/// escape, a bidi override) for validation to reject: a name is not silently changed.
pub fn normalize_name(s: &str) -> String {
    normalize(s, false, true)
}

/// A character no sheet value should hold: C0 controls but tab and line ends (which
/// are spaces here), DEL, C1 controls, and the bidi embeddings, overrides and
/// isolates (which reorder what is printed). The invisible direction marks (LRM, RLM,
/// ALM) that copying from Word leaves are not: they are dropped.
pub fn is_control(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn normalize(s: &str, digits: bool, keep_controls: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = if digits { ascii_digit(c) } else { c };
        let c = match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            c => c,
        };
        if matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}') || (is_control(c) && !keep_controls) {
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out.trim_matches('\u{200C}').to_string()
}

/// "lines 4, 9 and 3 more".
pub fn line_list(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(20).map(u64::to_string).collect();
    let more = lines.len().saturating_sub(20);
    format!(
        "line{} {}{}",
        if lines.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalizes_fields() {
        assert_eq!(
            super::normalize_field("  زهرا   احمدي‌نژاد \u{200F}"),
            "زهرا احمدی\u{200C}نژاد"
        );
        assert_eq!(super::normalize_field("۰۹۱۲ ٣٤٥"), "0912 345");
        assert_eq!(super::normalize_field("\u{200C}علی\u{200C}"), "علی");
        assert_eq!(super::normalize_field("\t"), "");
    }

    use super::*;

    #[test]
    fn folds_names_for_matching() {
        assert_eq!(fold_key("  خوشه  ۶۰٬۰۰۰ "), "خوشه 60000");
        assert_eq!(fold_key("صنايع\u{200C}دستي"), "صنایع دستی");
        assert_eq!(fold_key("Cluster 60,000"), "cluster 60000");
        assert_eq!(fold_key("كارت"), "کارت");
    }

    #[test]
    fn converts_both_digit_families() {
        assert_eq!(to_ascii_digits("۱۴۰۲/۱۱/۲۶"), "1402/11/26");
        assert_eq!(to_ascii_digits("١٤٠٢/١١/٢٦"), "1402/11/26");
        assert_eq!(to_ascii_digits("a۰٩z"), "a09z");
        assert_eq!(to_persian_digits("1402/11/26"), "۱۴۰۲/۱۱/۲۶");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(0, ','), "0");
        assert_eq!(group_thousands(999, ','), "999");
        assert_eq!(group_thousands(1000, ','), "1,000");
        assert_eq!(group_thousands(71796, ','), "71,796");
        assert_eq!(group_thousands(100_000_000, ','), "100,000,000");
        assert_eq!(group_thousands(-48479, ','), "-48,479");
        assert_eq!(fa_grouped(24899), "۲۴٬۸۹۹");
    }

    #[test]
    fn digits_follow_their_words() {
        assert_eq!(digits_for_text("مرکز شماره 3 قم"), "مرکز شماره ۳ قم");
        assert_eq!(
            digits_for_text("Qom TVTO Center No. 3"),
            "Qom TVTO Center No. 3"
        );
        assert_eq!(digits_for_text("12 کوچه"), "۱۲ کوچه");
        assert_eq!(digits_for_text("مرکز Block 7, قم"), "مرکز Block 7, قم");
        assert_eq!(normalize_text("حسین  (۲)"), "حسین (۲)");
        assert_eq!(normalize_field("حسین (۲)"), "حسین (2)");
    }
}
