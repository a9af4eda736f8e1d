//! What a sheet is before it is read: its kind (text or workbook), its encoding and
//! its delimiter, guessed from its first bytes.

use encoding_rs::WINDOWS_1256;

/// How many bytes are looked at to guess the encoding and the delimiter.
pub(super) const SNIFF: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1256,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1256 => "Windows-1256",
        }
    }
}

/// What the first bytes of a file say it is.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    /// A zip archive: .xlsx or .ods.
    Zip,
    /// An OLE compound file: .xls.
    Ole,
    Binary,
}

pub(super) fn kind_of(sample: &[u8]) -> Kind {
    if sample.starts_with(b"PK\x03\x04") {
        return Kind::Zip;
    }
    if sample.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Kind::Ole;
    }
    // Text has few control bytes (tab and line ends aside), NUL among them: a stray
    // one is a damaged cell, for its row to answer for, while binary data and UTF-16
    // have them everywhere.
    let controls = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        .count();
    if controls * 50 > sample.len() {
        return Kind::Binary;
    }
    Kind::Text
}

/// The encoding of a sample that is not all valid UTF-8: Windows-1256 when it reads
/// as Persian or Arabic text that way and has next to no valid multi-byte UTF-8;
/// otherwise UTF-8 with a few bad bytes (their rows are rejected, the rest read).
pub(super) fn guess_encoding(sample: &[u8]) -> Encoding {
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut rest = sample;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                valid += std::str::from_utf8(good)
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                match e.error_len() {
                    Some(n) => {
                        invalid += 1;
                        rest = &bad[n..];
                    }
                    // Cut off inside a character at the end of the sample.
                    None => break,
                }
            }
        }
    }
    if invalid == 0 || valid >= 10 * invalid {
        return Encoding::Utf8;
    }
    let (text, _) = WINDOWS_1256.decode_without_bom_handling(sample);
    let high: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
    let arabic = high
        .iter()
        .filter(|c| ('\u{0600}'..='\u{06FF}').contains(*c))
        .count();
    if !high.is_empty() && arabic * 2 >= high.len() {
        Encoding::Windows1256
    } else {
        Encoding::Utf8
    }
}

/// A field's text, or `None` when its bytes are not text in `encoding`.
pub(super) fn decode(bytes: &[u8], encoding: Encoding) -> Option<String> {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_string),
        Encoding::Windows1256 => Some(
            WINDOWS_1256
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        ),
    }
}

/// The delimiter of the header line: the most frequent of `,` `;` tab outside quotes.
pub(super) fn sniff_delimiter(sample: &[u8], encoding: Encoding) -> u8 {
    let _ = encoding; // all three delimiters are ASCII in both encodings
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in sample
        .iter()
        .skip_while(|b| **b == 0xEF || **b == 0xBB || **b == 0xBF)
    {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}
