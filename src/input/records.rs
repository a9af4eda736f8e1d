//! CSV records taken from raw bytes, each with the physical line it starts on.
//!
//! Written for the sheets clerks really have, which the `csv` crate's reader got
//! wrong: a line ends at LF, CRLF or a lone CR (Excel on Windows, old Macs), and the
//! line of a record is counted in physical lines whatever its endings, blank lines and
//! quoted cells spanning lines (the `csv` crate's `Position::line` is off by one per
//! record on CRLF files). A quote left open does not swallow the rest of the sheet: a
//! quoted cell that spans lines and then grows past a field's limit, runs to the end
//! of the file, or leaves its record with the wrong number of fields is taken as an
//! open quote; its first line is a malformed row and reading goes on at the line
//! after it. A field over [`FIELD_MAX`] or a row over [`ROW_MAX`] is not kept: the
//! rest of its line is skipped, so memory stays flat on any input.

use std::io::Read;

/// The longest field kept, in bytes.
pub const FIELD_MAX: usize = 1024;
/// The longest row kept, in bytes.
pub const ROW_MAX: usize = 16 * 1024;

/// Why a record was not taken whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A quote left open: only the record's first line is given.
    OpenQuote,
    /// Field number `.0` (from 0) is over [`FIELD_MAX`].
    FieldTooLong(usize),
    RowTooLong,
}

/// A record as bytes: the physical line it starts on and its fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Raw {
    pub line: u64,
    pub fields: Vec<Vec<u8>>,
    pub problem: Option<Problem>,
}

impl Raw {
    /// A line with nothing in it but delimiters and spaces.
    pub fn is_blank(&self) -> bool {
        self.problem.is_none()
            && self
                .fields
                .iter()
                .all(|f| f.iter().all(|b| b.is_ascii_whitespace()))
    }
}

pub struct Records<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// The physical line of the byte at `pos`.
    line: u64,
    delimiter: u8,
    /// Fields a record must have, once the header is read.
    pub expected: Option<usize>,
}

enum State {
    Start,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the field's end, or the first of `""`.
    QuoteInQuoted,
}

impl<R: Read> Records<R> {
    /// Records of `src`, whose first `buf` bytes were already read (a sniffed sample).
    pub fn new(src: R, buf: Vec<u8>, delimiter: u8) -> Records<R> {
        Records {
            src,
            buf,
            pos: 0,
            eof: false,
            line: 1,
            delimiter,
            expected: None,
        }
    }

    /// The byte at `pos + ahead`, reading more when needed; `None` at the end.
    fn peek(&mut self, ahead: usize) -> std::io::Result<Option<u8>> {
        while self.pos + ahead >= self.buf.len() && !self.eof {
            let mut chunk = [0u8; 64 * 1024];
            let n = self.src.read(&mut chunk)?;
            if n == 0 {
                self.eof = true;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        Ok(self.buf.get(self.pos + ahead).copied())
    }

    /// Drops what is read, keeping the buffer small.
    fn compact(&mut self) {
        if self.pos > 64 * 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Steps over a line end at `pos` (CR, LF or CRLF), counting the line. Returns
    /// whether there was one.
    fn line_end(&mut self) -> std::io::Result<bool> {
        match self.peek(0)? {
            Some(b'\n') => self.pos += 1,
            Some(b'\r') => {
                self.pos += 1;
                if self.peek(0)? == Some(b'\n') {
                    self.pos += 1;
                }
            }
            _ => return Ok(false),
        }
        self.line += 1;
        Ok(true)
    }

    /// Skips to just after the end of the current physical line. Nothing of it is
    /// kept: a 50 MB line passes through a 64 KB buffer.
    fn skip_line(&mut self) -> std::io::Result<()> {
        loop {
            if self.pos >= self.buf.len() {
                self.compact_all();
                if !self.fill()? {
                    return Ok(());
                }
            }
            let rest = &self.buf[self.pos..];
            match memchr::memchr2(b'\n', b'\r', rest) {
                Some(n) => {
                    self.pos += n;
                    self.line_end()?;
                    return Ok(());
                }
                None => self.pos = self.buf.len(),
            }
        }
    }

    /// Drops everything read.
    fn compact_all(&mut self) {
        self.buf.drain(..self.pos);
        self.pos = 0;
    }

    /// Reads more input onto the end of the buffer; false at the end.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let at = self.buf.len();
        self.buf.resize(at + 64 * 1024, 0);
        let n = loop {
            match self.src.read(&mut self.buf[at..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r,
            }
        };
        let n = n.inspect_err(|_| self.buf.truncate(at))?;
        self.buf.truncate(at + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// The next record, or `None` at the end of the input.
    pub fn next_record(&mut self) -> std::io::Result<Option<Raw>> {
        self.compact();
        if self.peek(0)?.is_none() {
            return Ok(None);
        }
        let (start, start_line) = (self.pos, self.line);
        let mut raw = Raw {
            line: start_line,
            ..Raw::default()
        };
        let mut field = Vec::new();
        let mut row_bytes = 0;
        let mut state = State::Start;
        // A quoted field has spanned a line end.
        let mut spanned = false;
        loop {
            if self.pos >= self.buf.len() && !self.fill()? {
                // The end of the input.
                if matches!(state, State::Quoted) {
                    return self.open_quote(start, start_line);
                }
                raw.fields.push(field);
                return self.finish(raw, spanned, start, start_line);
            }
            let b = self.buf[self.pos];
            let before = field.len();
            match state {
                State::Start | State::Unquoted | State::QuoteInQuoted
                    if b == b'\n' || b == b'\r' =>
                {
                    self.line_end()?;
                    raw.fields.push(field);
                    return self.finish(raw, spanned, start, start_line);
                }
                State::Start | State::Unquoted | State::QuoteInQuoted if b == self.delimiter => {
                    self.pos += 1;
                    row_bytes += 1;
                    raw.fields.push(std::mem::take(&mut field));
                    state = State::Start;
                    continue;
                }
                State::Start if b == b'"' => {
                    self.pos += 1;
                    state = State::Quoted;
                    continue;
                }
                State::Quoted if b == b'"' => {
                    self.pos += 1;
                    state = State::QuoteInQuoted;
                    continue;
                }
                State::QuoteInQuoted if b == b'"' => {
                    // `""`: one quote in the field.
                    self.pos += 1;
                    field.push(b'"');
                    state = State::Quoted;
                }
                State::Quoted if b == b'\n' || b == b'\r' => {
                    // A line break inside a quoted cell is part of it.
                    let at = self.pos;
                    self.line_end()?;
                    field.extend_from_slice(&self.buf[at..self.pos]);
                    spanned = true;
                }
                State::Quoted => {
                    // Up to the next quote or line end, at once.
                    let rest = &self.buf[self.pos..];
                    let n = memchr::memchr3(b'"', b'\n', b'\r', rest).unwrap_or(rest.len());
                    field.extend_from_slice(&rest[..n]);
                    self.pos += n;
                }
                State::Start | State::Unquoted | State::QuoteInQuoted => {
                    // Up to the next delimiter or line end, at once. Text after a
                    // closing quote is kept, as spreadsheets read it.
                    let rest = &self.buf[self.pos..];
                    let n = memchr::memchr3(self.delimiter, b'\n', b'\r', rest)
                        .unwrap_or(rest.len())
                        .max(1);
                    field.extend_from_slice(&rest[..n]);
                    self.pos += n;
                    state = State::Unquoted;
                }
            }
            row_bytes += field.len() - before;
            if field.len() > FIELD_MAX || row_bytes > ROW_MAX {
                if spanned {
                    return self.open_quote(start, start_line);
                }
                let problem = if field.len() > FIELD_MAX {
                    Problem::FieldTooLong(raw.fields.len())
                } else {
                    Problem::RowTooLong
                };
                // What was read so far of the line, cut short, and none of the rest.
                field.truncate(64);
                raw.fields.push(field);
                raw.problem = Some(problem);
                self.skip_line()?;
                return Ok(Some(raw));
            }
        }
    }

    /// A record with the number of fields the header has, or, after a quoted cell
    /// that spanned lines, an open quote.
    fn finish(
        &mut self,
        raw: Raw,
        spanned: bool,
        start: usize,
        start_line: u64,
    ) -> std::io::Result<Option<Raw>> {
        if spanned && self.expected.is_some_and(|n| n != raw.fields.len()) {
            return self.open_quote(start, start_line);
        }
        Ok(Some(raw))
    }

    /// The record starting at `start` has a quote left open: gives its first line, as
    /// fields split at the delimiter without regard to quotes, and goes back to read
    /// on from the line after it.
    fn open_quote(&mut self, start: usize, start_line: u64) -> std::io::Result<Option<Raw>> {
        self.pos = start;
        self.line = start_line;
        let mut end = start;
        while end < self.buf.len() && self.buf[end] != b'\n' && self.buf[end] != b'\r' {
            end += 1;
        }
        let first = &self.buf[start..end];
        let fields = first
            .split(|b| *b == self.delimiter)
            .map(|f| f[..f.len().min(FIELD_MAX)].to_vec())
            .collect();
        self.pos = end;
        self.line_end()?;
        Ok(Some(Raw {
            line: start_line,
            fields,
            problem: Some(Problem::OpenQuote),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8]) -> Vec<Raw> {
        let mut r = Records::new(std::io::Cursor::new(text.to_vec()), Vec::new(), b',');
        r.expected = Some(3);
        let mut out = Vec::new();
        while let Some(raw) = r.next_record().unwrap() {
            out.push(raw);
        }
        out
    }

    fn lines(text: &[u8]) -> Vec<(u64, Vec<String>, Option<Problem>)> {
        all(text)
            .into_iter()
            .map(|r| {
                (
                    r.line,
                    r.fields
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect(),
                    r.problem,
                )
            })
            .collect()
    }

    #[test]
    fn every_line_ending_gives_the_same_lines() {
        let lf = b"a,b,c\n1,2,3\n\n4,\"x\ny\",6\n7,8,9\n".to_vec();
        let crlf: Vec<u8> = String::from_utf8(lf.clone())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes();
        let cr: Vec<u8> = String::from_utf8(lf.clone())
            .unwrap()
            .replace('\n', "\r")
            .into_bytes();
        for (name, text) in [("LF", lf), ("CRLF", crlf), ("CR", cr)] {
            let got = lines(&text);
            let starts: Vec<u64> = got.iter().map(|r| r.0).collect();
            // Header 1, row 2, blank 3, a cell over lines 4–5, row 6.
            assert_eq!(starts, [1, 2, 3, 4, 6], "{name}");
            let cell: Vec<&str> = got[3].1[1]
                .split(['\r', '\n'])
                .filter(|l| !l.is_empty())
                .collect();
            assert_eq!(cell, ["x", "y"], "{name}");
            assert_eq!(got[4].1, ["7", "8", "9"], "{name}");
            assert!(all(&text)[2].is_blank());
        }
    }

    #[test]
    fn quotes_doubled_and_text_after_a_quote() {
        let got = lines(b"\"a \"\"b\"\"\",\"\",c\n");
        assert_eq!(got[0].1, ["a \"b\"", "", "c"]);
        // A missing final line end.
        assert_eq!(lines(b"1,2,3")[0].1, ["1", "2", "3"]);
    }

    #[test]
    fn an_open_quote_costs_its_own_line_only() {
        let text = b"h1,h2,h3\n1,\"open,3\n4,5,6\n7,8,9\n10,11,12\n";
        let got = lines(text);
        let starts: Vec<u64> = got.iter().map(|r| r.0).collect();
        assert_eq!(starts, [1, 2, 3, 4, 5]);
        assert_eq!(got[1].2, Some(Problem::OpenQuote));
        assert_eq!(got[2].1, ["4", "5", "6"]);
        assert_eq!(got[4].1, ["10", "11", "12"]);
        // Closed a few lines on, with the wrong number of fields.
        let text = b"h1,h2,h3\n1,\"open,3\n4,5\"\n7,8,9\n";
        let got = lines(text);
        assert_eq!(got[1].2, Some(Problem::OpenQuote));
        assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    }

    #[test]
    fn long_fields_and_rows_are_cut_and_skipped() {
        let mut text = b"h1,h2,h3\n1,".to_vec();
        text.extend(std::iter::repeat_n(b'x', 5_000_000));
        text.extend_from_slice(b",3\n4,5,6\n");
        let got = all(&text);
        assert_eq!(got[1].problem, Some(Problem::FieldTooLong(1)));
        assert_eq!(got[1].line, 2);
        assert_eq!(got[2].line, 3);
        assert_eq!(got[2].fields, [b"4".to_vec(), b"5".to_vec(), b"6".to_vec()]);
        let row: Vec<u8> = std::iter::repeat_n(b"abcdefghi,".as_slice(), 2000)
            .flatten()
            .copied()
            .collect();
        let mut text = row;
        text.extend_from_slice(b"\n1,2,3\n");
        let got = all(&text);
        assert_eq!(got[0].problem, Some(Problem::RowTooLong));
        assert_eq!(got[1].line, 2);
    }
}
