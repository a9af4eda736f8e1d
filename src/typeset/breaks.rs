//! Line breaking: where a paragraph's lines end, as text. Shaping and bidi come
//! after (see `shape`), so that a line's order is taken from its whole paragraph.

/// The words of a paragraph, a number kept with the words on either side of it
/// («خوشه ۶۰ هزار», «شماره ۱ قم», «مورخ ۱۴۰۲/۰۹/۲۹»): a line never breaks between a
/// number and the word it belongs to.
pub(super) fn bound(para: &str) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let numeric_end = |w: &str| w.chars().next_back().is_some_and(|c| c.is_numeric());
    let numeric_start = |w: &str| w.chars().next().is_some_and(|c| c.is_numeric());
    for word in para.split(' ').filter(|w| !w.is_empty()) {
        match units.last_mut() {
            Some(last) if numeric_end(last) || numeric_start(word) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => units.push(word.to_string()),
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
        let mut width = 0.0;
        let mut units = bound(para);
        units.reverse();
        while let Some(unit) = units.pop() {
            let word = unit.as_str();
            let w = measure(word);
            // A number bound to its words that does not fit a line alone: it breaks
            // at its spaces after all.
            if w > max_width && word.contains(' ') {
                units.extend(word.split(' ').rev().map(str::to_string));
                continue;
            }
            if current.is_empty() && w <= max_width {
                current.push_str(word);
                width = w;
                continue;
            }
            if !current.is_empty() && width + space + w <= max_width {
                current.push(' ');
                current.push_str(word);
                width += space + w;
                continue;
            }
            if !current.is_empty() {
                lines.push(current.clone());
                current.clear();
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
                    current = ch.to_string();
                } else {
                    current = candidate;
                }
            }
            width = measure(&current);
        }
        lines.push(current.clone());
    }
    lines
}
