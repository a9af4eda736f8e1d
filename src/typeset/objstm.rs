//! Object streams: the many small objects of a document (font and page dictionaries,
//! the structure tree) written together in compressed streams, found through a
//! compressed cross-reference stream. Written one by one they would add some 8 KB
//! to a 27 KB receipt.
//!
//! Two streams are filled side by side: the document's data (its data font, the
//! structure elements of its names and numbers) and the rest, which on a run's
//! receipts of one template is the same, object numbers and all, and is compressed
//! once (see [`Packer::flush`]).

use std::cell::RefCell;
use std::sync::Arc;

use pdf_writer::{Chunk, Filter, Finish, Name, Pdf, Ref, Settings};

use super::recent::Recent;

/// Objects in a stream at most: a 5,000-page print run's page dictionaries go in a
/// few streams, each a reader can take in at once.
const PER_STREAM: u16 = 1000;

/// Appends `n` in decimal (without the formatting machinery: a print run has a
/// million of these).
pub(super) fn number(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// One object stream being filled.
struct Open {
    id: Ref,
    header: Vec<u8>,
    body: Vec<u8>,
    count: u16,
}

/// Packs objects into object streams and remembers where each went, for the
/// cross-reference stream.
#[derive(Default)]
pub(super) struct Packer {
    /// (object, its stream, its index in the stream).
    entries: Vec<(i32, i32, u16)>,
    /// The streams being filled: the template's, the data's.
    open: [Option<Open>; 2],
}

/// Writes an object stream; the template's is compressed once for each template
/// this thread has written (its bytes compared, the latest first), the data's each
/// time.
fn write(pdf: &mut Pdf, open: Option<Open>, data: bool) {
    thread_local! {
        static PACKED: RefCell<Recent<Vec<u8>, Arc<[u8]>>> = const { RefCell::new(Recent::new(16)) };
    }
    let Some(open) = open else {
        return;
    };
    let first = open.header.len();
    let mut bytes = open.header;
    bytes.extend_from_slice(&open.body);
    let packed: Arc<[u8]> = if data {
        super::deflate::deflate(&bytes).into()
    } else {
        PACKED.with(|p| {
            let mut p = p.borrow_mut();
            p.find(|b| *b == bytes).unwrap_or_else(|| {
                let packed: Arc<[u8]> = super::deflate::deflate(&bytes).into();
                p.keep(bytes, packed.clone());
                packed
            })
        })
    };
    let mut s = pdf.stream(open.id, &packed);
    s.filter(Filter::FlateDecode);
    s.pair(Name(b"Type"), Name(b"ObjStm"));
    s.pair(Name(b"N"), i32::from(open.count));
    s.pair(Name(b"First"), first as i32);
    s.finish();
}

impl Packer {
    /// A chunk of the compact form the packer takes.
    pub fn chunk() -> Chunk {
        Chunk::with_settings(Settings { pretty: false })
    }

    /// Adds object `id`, its value serialised in `body`, to the data's stream when
    /// `data` (it changes with the document), else to the template's.
    pub fn add(
        &mut self,
        pdf: &mut Pdf,
        next: &mut impl FnMut() -> Ref,
        (id, data): (Ref, bool),
        body: &[u8],
    ) {
        let lane = usize::from(data);
        if self.open[lane]
            .as_ref()
            .is_some_and(|o| o.count >= PER_STREAM)
        {
            write(pdf, self.open[lane].take(), data);
        }
        let open = self.open[lane].get_or_insert_with(|| Open {
            id: next(),
            header: Vec::new(),
            body: Vec::new(),
            count: 0,
        });
        number(&mut open.header, id.get() as usize);
        open.header.push(b' ');
        number(&mut open.header, open.body.len());
        open.header.push(b' ');
        open.body.extend_from_slice(body);
        open.body.push(b'\n');
        self.entries.push((id.get(), open.id.get(), open.count));
        open.count += 1;
    }

    /// Adds the one object written in `chunk` (made by [`Packer::chunk`]), to the
    /// data's stream when `data`.
    pub fn add_chunk(
        &mut self,
        pdf: &mut Pdf,
        next: &mut impl FnMut() -> Ref,
        chunk: &Chunk,
        data: bool,
    ) {
        let mut refs = chunk.refs();
        let id = refs.next().expect("a chunk with an object");
        debug_assert!(refs.next().is_none(), "one object a chunk");
        let bytes = chunk.as_bytes();
        let prefix = format!("{} 0 obj\n", id.get());
        let body = bytes
            .strip_prefix(prefix.as_bytes())
            .and_then(|b| b.trim_ascii_end().strip_suffix(b"endobj"))
            .expect("an indirect object as pdf-writer writes it");
        self.add(pdf, next, (id, data), body.trim_ascii_end());
    }

    /// Writes the streams being filled.
    pub fn flush(&mut self, pdf: &mut Pdf) {
        write(pdf, self.open[0].take(), false);
        write(pdf, self.open[1].take(), true);
    }

    /// Rewrites the rows of a cross-reference stream (`[type, field 2, field 3]`,
    /// widths `[1, w, 2]`, `count` rows) so that each packed object, which pdf-writer
    /// knows nothing of and lists as free, points at its object stream (type 2).
    /// Object 0, the head of the free list, then has nothing free to point at.
    pub fn patch_xref(&self, rows: &mut [u8], count: usize) {
        let width = rows.len() / count;
        let w = width - 3;
        let put = |row: &mut [u8], kind: u8, two: u64, three: u16| {
            row[0] = kind;
            row[1..1 + w].copy_from_slice(&two.to_be_bytes()[8 - w..]);
            row[1 + w..].copy_from_slice(&three.to_be_bytes());
        };
        for &(id, stm, index) in &self.entries {
            let at = id as usize * width;
            put(&mut rows[at..at + width], 2, stm as u64, index);
        }
        put(&mut rows[..width], 0, 0, 65535);
        debug_assert!(
            rows.chunks(width).skip(1).all(|r| r[0] != 0),
            "every object written or packed"
        );
    }
}
