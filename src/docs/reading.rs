//! Reading one of our PDFs back, as `pishkhan verify` must: what it claims (its
//! proof lines and layout, from the document information found by a real PDF
//! parser), refusing a file that claims several things at once or carries anything
//! after its end; and whether it is, byte for byte, what the ledger prints.

use super::{Combined, Doc, LAYOUT_KEY, PROOF_KEY, RUN_TITLES, print};
use crate::desk::charge::Receipt;
use crate::typeset::PageSize;

/// What a PDF says of itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimed {
    /// The proof lines, separated by spaces, as written.
    pub proofs: String,
    /// The layout it was printed in; none from a pishkhan before layouts were named.
    pub layout: Option<String>,
    /// Its title, which says whether it is one receipt or which command's print run.
    pub title: Option<String>,
}

/// The proof lines and layout a PDF's document information holds. The error says
/// why the file is not one of ours to check: not a PDF, not readable as one, bytes
/// after its last `%%EOF` (an update appended, or something hidden), no proof, or
/// proofs that disagree (another one in an earlier or hidden part of the file).
pub fn read_claims(pdf: &[u8]) -> Result<Claimed, String> {
    if !pdf.starts_with(b"%PDF-") {
        return Err("it is not a PDF".into());
    }
    let end = memchr::memmem::rfind(pdf, b"%%EOF").ok_or("it has no %%EOF: not a whole PDF")?;
    if !pdf[end + 5..].iter().all(u8::is_ascii_whitespace) {
        return Err(format!(
            "it has {} bytes after its last %%EOF, which pishkhan never writes",
            pdf.len() - end - 5
        ));
    }
    let doc =
        lopdf::Document::load_mem(pdf).map_err(|e| format!("it is not a readable PDF ({e})"))?;
    if memchr::memmem::find_iter(pdf, b"%%EOF").count() > 1 {
        return Err("it was updated after it was written (it has several %%EOF)".into());
    }
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(|o| o.as_reference())
        .and_then(|id| doc.get_dictionary(id))
        .map_err(|_| {
            format!("it has no document information, so no receipt proof (/{PROOF_KEY})")
        })?;
    let text = |key: &str| -> Option<String> {
        let o = info.get(key.as_bytes()).ok()?;
        let bytes = o.as_str().ok()?;
        // A title is UTF-16 (with its byte-order mark) when it is not ASCII.
        match bytes.strip_prefix(&[0xFE, 0xFF]) {
            Some(utf16) => String::from_utf16(
                &utf16
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect::<Vec<_>>(),
            )
            .ok(),
            None => String::from_utf8(bytes.to_vec()).ok(),
        }
    };
    let proofs = text(PROOF_KEY).ok_or_else(|| {
        format!(
            "it holds no receipt proof (/{PROOF_KEY}): not a pishkhan receipt, or printed before receipts carried one"
        )
    })?;
    // Every proof anywhere in the file (an unused object, a stream) must be this one.
    let needle = format!("/{PROOF_KEY}");
    let count = memchr::memmem::find_iter(pdf, needle.as_bytes()).count();
    if count != 1 {
        return Err(format!(
            "it holds {count} receipt proofs where pishkhan writes one: which one is true cannot be told"
        ));
    }
    Ok(Claimed {
        proofs,
        layout: text(LAYOUT_KEY),
        title: text("Title"),
    })
}

/// Whether `pdf` is exactly what the ledger prints for `receipts`, in this order: a
/// receipt's own PDF, or a print run (`--combined`) of any charging command, on any
/// paper. Only what its `title` can be is made again: a receipt's own PDF, or the
/// print run of that title.
pub fn is_reprint(pdf: &[u8], receipts: &[Receipt], title: Option<&str>) -> bool {
    let papers = [
        PageSize::A5,
        PageSize::A4,
        PageSize::Roll80,
        PageSize::Roll58,
    ];
    let runs: Vec<&str> = RUN_TITLES
        .into_iter()
        .filter(|t| title.is_none_or(|given| given == *t))
        .collect();
    for size in papers {
        if let [one] = receipts
            && (title.is_none() || runs.is_empty())
            && print(one, size).is_ok_and(|p| p == pdf)
        {
            return true;
        }
        for &title in &runs {
            let mut run = Combined::new(title, size).print_run();
            if receipts
                .iter()
                .all(|r| run.push(&Doc::of(r.clone())).is_ok())
                && run.finish() == pdf
            {
                return true;
            }
        }
    }
    false
}
