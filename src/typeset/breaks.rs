//! Line breaking: where a paragraph's lines end, as text. Shaping and bidi come
//! after (see `shape`), so that a line's order is taken from its whole paragraph.

/// A digit of the scripts our texts hold: Latin, Persian, Arabic-Indic (a cheap
/// test; `char::is_numeric` looks up every other script's numbers).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '\u{06F0}'..='\u{06F9}' | '\u{0660}'..='\u{0669}')
}

fn ends_in_digit(w: &str) -> bool {
    w.chars().next_back().is_some_and(is_digit)
}

fn starts_with_digit(w: &str) -> bool {
    w.chars().next().is_some_and(is_digit)
}

/// A separator standing alone between words: a dash, a slash, a bar or a bullet.
fn is_separator(w: &str) -> bool {
    matches!(w, "—" | "–" | "-" | "/" | "|" | "•")
}

/// Whether a line may end after `w`, by choice, when one must end: after a
/// separator or a word that closes a clause (not after a label's colon, which
/// belongs with what follows it).
fn ends_clause(w: &str) -> bool {
    is_separator(w) || w.ends_with(['،', '؛', ',', ';', '.'])
}

/// The words of a paragraph, bound where a line must not break: a number kept with
/// the words on either side of it («خوشه ۶۰ هزار», «شماره ۱ قم», «مورخ
/// ۱۴۰۲/۰۹/۲۹»), a short phrase in brackets kept whole («(خوشه ۹۰ هزار تومانی)»), and
/// a separator («—») kept at the end of the line before it, never at a line's start.
pub(super) fn bound(para: &str) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let words: Vec<&str> = para.split(' ').filter(|w| !w.is_empty()).collect();
    // Where each bracketed phrase of up to five words ends.
    let mut closes = vec![None; words.len()];
    for (i, w) in words.iter().enumerate() {
        if w.starts_with('(') && !w.contains(')') {
            let end = words[i + 1..].iter().take(4).position(|w| w.contains(')'));
            closes[i] = end.map(|e| i + 1 + e);
        }
    }
    let mut open_until = None;
    for (i, word) in words.iter().enumerate() {
        let inside = open_until.is_some_and(|end| i <= end);
        match units.last_mut() {
            Some(last)
                if inside
                    || ends_in_digit(last)
                    || starts_with_digit(word)
                    || is_separator(word) =>
            {
                last.push(' ');
                last.push_str(word);
            }
            _ => units.push(word.to_string()),
        }
        if !inside && let Some(end) = closes[i] {
            open_until = Some(end);
        }
    }
    units
}

/// The lines of one paragraph, as text: at spaces (never at a ZWNJ, which joins a
/// word, nor beside a number, see [`bound`]), and inside a word only when the word
/// alone is too wide.
/// `measure` gives a text's width on one line, in points.
pub(super) fn break_paragraph(
    para: &str,
    max_width: f32,
    measure: impl Fn(&str) -> f32,
) -> Vec<String> {
    // Words are measured once each and summed with the space between them; shaping
    // does not join across a space, so the sum is the line's width.
    let space = measure(" ");
    let mut lines: Vec<String> = Vec::new();
    {
        let mut current = String::new();
        // Where, in `current`, a space joins two units: the only places to break it.
        let mut joins: Vec<usize> = Vec::new();
        let mut width = 0.0;
        let mut units = bound(para);
        units.reverse();
        while let Some(unit) = units.pop() {
            let word = unit.as_str();
            let w = measure(word);
            // A number bound to its words that does not fit a line alone: it breaks
            // at its spaces after all.
            if w > max_width && word.contains(' ') {
                // Its words, a separator still kept with the word before it (unless
                // the two are the whole unit and too wide together).
                let mut parts: Vec<String> = Vec::new();
                for part in word.split(' ') {
                    match parts.last_mut() {
                        Some(last) if is_separator(part) => {
                            last.push(' ');
                            last.push_str(part);
                        }
                        _ => parts.push(part.to_string()),
                    }
                }
                if parts.len() == 1 {
                    parts = word.split(' ').map(str::to_string).collect();
                }
                units.extend(parts.into_iter().rev());
                continue;
            }
            if current.is_empty() && w <= max_width {
                current.push_str(word);
                width = w;
                continue;
            }
            if !current.is_empty() && width + space + w <= max_width {
                joins.push(current.len());
                current.push(' ');
                current.push_str(word);
                width += space + w;
                continue;
            }
            if !current.is_empty() {
                // Rather after a separator or a clause («قم،», «— »), when the line
                // keeps most of its width: then the next line starts a phrase.
                let cut = joins
                    .iter()
                    .copied()
                    .rfind(|&at| ends_clause(current[..at].rsplit(' ').next().unwrap_or("")))
                    .filter(|&at| measure(&current[..at]) >= 0.7 * max_width);
                if let Some(at) = cut {
                    lines.push(current[..at].to_string());
                    current = current[at + 1..].to_string();
                    joins.retain(|&j| j > at);
                    joins.iter_mut().for_each(|j| *j -= at + 1);
                    width = measure(&current);
                    units.push(unit);
                    continue;
                }
                lines.push(current.clone());
                current.clear();
                joins.clear();
            }
            if w <= max_width {
                current.push_str(word);
                width = w;
                continue;
            }
            // A word wider than the line: at its hyphens if it has any
            // («Abdolhosseinzadeh-|Tabatabaei»), the hyphen kept at the end of the line.
            if word.contains('-') && !word.starts_with('-') {
                let mut parts: Vec<String> = Vec::new();
                for piece in word.split_inclusive('-') {
                    parts.push(piece.to_string());
                }
                if parts.len() > 1 {
                    // Each piece is placed as a word of its own, without a space.
                    let mut first = true;
                    for piece in parts {
                        let pw = measure(&piece);
                        if !first && width + pw <= max_width {
                            current.push_str(&piece);
                            width += pw;
                        } else {
                            if !current.is_empty() {
                                lines.push(std::mem::take(&mut current));
                                joins.clear();
                            }
                            current = piece;
                            width = pw;
                        }
                        first = false;
                    }
                    if width <= max_width {
                        continue;
                    }
                    // A piece still too wide: broken between characters below.
                    let rest = std::mem::take(&mut current);
                    joins.clear();
                    units.push(rest);
                    continue;
                }
            }
            // Otherwise between characters.
            for ch in word.chars() {
                let mut candidate = current.clone();
                candidate.push(ch);
                if !current.is_empty() && measure(&candidate) > max_width {
                    lines.push(current.clone());
                    joins.clear();
                    current = ch.to_string();
                } else {
                    current = candidate;
                }
            }
            width = measure(&current);
        }
        lines.push(current.clone());
    }
    no_lone_last_word(&mut lines, max_width, &measure);
    lines
}

/// Whether `rest` begins with what must stay with the word before it (a number, a
/// separator).
fn starts_bound(rest: &str) -> bool {
    let first = rest.split(' ').next().unwrap_or("");
    is_separator(first) || starts_with_digit(first)
}

/// A last line of one word takes the word before it too, when that fits and leaves
/// the line before with two words or more (a title never ends «… / مهارتی»).
fn no_lone_last_word(lines: &mut [String], max_width: f32, measure: &impl Fn(&str) -> f32) {
    let [.., before, last] = lines else { return };
    if last.contains(' ') || before.matches(' ').count() < 2 {
        return;
    }
    let Some(at) = before.rfind(' ') else { return };
    let (keep, moved) = (&before[..at], &before[at + 1..]);
    let splits_brackets = moved.contains(')') && !moved.contains('(');
    if ends_in_digit(keep)
        || starts_bound(moved)
        || starts_bound(last)
        || ends_clause(moved)
        || splits_brackets
    {
        return;
    }
    let joined = format!("{moved} {last}");
    if measure(&joined) <= max_width {
        *last = joined;
        before.truncate(at);
    }
}

#[cfg(test)]
mod tests {
    use super::{bound, break_paragraph};

    /// A character a point: widths anyone can count.
    fn count(t: &str) -> f32 {
        t.chars().count() as f32
    }

    #[test]
    fn a_separator_ends_a_line_and_never_starts_one() {
        let header =
            "کد دفتر: ۳۷-۱۲۳۴ — تلفن: ۰۲۵-۳۲۹۱-۰۰۰۰ — نشانی: قم، بلوار امین، کوچه ۱۲، پلاک ۸";
        for w in 20..90 {
            let lines = break_paragraph(header, w as f32, count);
            assert_eq!(lines.join(" "), header, "{w}");
            for l in &lines {
                assert!(!l.starts_with('—') && !l.starts_with('،'), "{w}: {lines:?}");
                assert!(count(l) <= w as f32, "{w}: {lines:?}");
            }
        }
        // Where a line must end in the address, after its comma, not inside a name.
        let lines = break_paragraph("نشانی: قم، بلوار امین، کوچه ۱۲، پلاک ۸", 24.0, count);
        assert_eq!(lines, ["نشانی: قم، بلوار امین،", "کوچه ۱۲، پلاک ۸"]);
    }

    #[test]
    fn a_short_bracketed_phrase_is_kept_whole() {
        assert_eq!(
            bound("نان سنگک‌پز (خوشه ۹۰ هزار تومانی)"),
            ["نان", "سنگک‌پز", "(خوشه ۹۰ هزار تومانی)"]
        );
        let text = "نان سنگک‌پز (خوشه ۹۰ هزار تومانی)";
        for w in 22..40 {
            let lines = break_paragraph(text, w as f32, count);
            assert!(
                lines.iter().any(|l| l.contains("(خوشه ۹۰ هزار تومانی)")),
                "{w}: {lines:?}"
            );
        }
        // Too wide for any line: it breaks at its spaces after all.
        let lines = break_paragraph(text, 12.0, count);
        assert!(lines.iter().all(|l| count(l) <= 12.0), "{lines:?}");
    }

    #[test]
    fn a_titles_last_word_is_not_left_alone() {
        let title = "رسید ثبت‌نام آزمون مهارتی";
        // «رسید ثبت‌نام آزمون» fits 18, and «مهارتی» would be alone below it.
        let lines = break_paragraph(title, 18.0, count);
        assert_eq!(lines, ["رسید ثبت‌نام", "آزمون مهارتی"]);
        // Two words on the line before: nothing to take.
        assert_eq!(break_paragraph("الف ب ج", 5.0, count), ["الف ب", "ج"]);
    }
}
