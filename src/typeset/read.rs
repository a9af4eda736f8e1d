//! Reading back what the engine wrote: a PDF's document information.

/// Entry `key` of a PDF's document information, as [`Document::info`] wrote it
/// (the last one, should the file have been updated since). The information of a
/// PDF this engine wrote is a plain object, not in a compressed stream: found by its
/// key, read as a literal or a UTF-16 hex string.
pub fn info_value(pdf: &[u8], key: &str) -> Option<String> {
    let needle = format!("/{key}");
    let at = memchr::memmem::rfind_iter(pdf, needle.as_bytes()).find(|&i| {
        // The whole name, not the start of a longer one.
        pdf.get(i + needle.len())
            .is_some_and(|b| !b.is_ascii_alphanumeric())
    })?;
    let rest = &pdf[at + needle.len()..];
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &rest[start..];
    match rest.first()? {
        b'(' => {
            let mut out = Vec::new();
            let mut depth = 0;
            let mut bytes = rest[1..].iter();
            while let Some(&b) = bytes.next() {
                match b {
                    b'\\' => match *bytes.next()? {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'\n' => {}
                        c => out.push(c),
                    },
                    b'(' => {
                        depth += 1;
                        out.push(b);
                    }
                    b')' if depth == 0 => break,
                    b')' => {
                        depth -= 1;
                        out.push(b);
                    }
                    _ => out.push(b),
                }
            }
            String::from_utf8(out).ok()
        }
        b'<' => {
            let end = rest.iter().position(|&b| b == b'>')?;
            let hex: Vec<u8> = rest[1..end]
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            let bytes: Vec<u8> = hex
                .chunks(2)
                .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                .collect::<Option<_>>()?;
            let units: Vec<u16> = bytes
                .strip_prefix(&[0xFE, 0xFF])?
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}
