//! Font embedding: a subset of the glyphs a document uses, as a CID font with its
//! ToUnicode map and CIDToGIDMap.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::OnceLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use sha2::{Digest, Sha256};

use super::deflate::deflate;
use super::font::FontId;
use super::objstm::Packer;
use super::page::Slot;
use super::recent::Recent;

/// Feeds a subset's glyph ids to `h`, in order, count first.
pub(super) fn hash_glyphs(h: &mut Sha256, used: &BTreeMap<u16, String>) {
    h.update((used.len() as u64).to_be_bytes());
    for gid in used.keys() {
        h.update(gid.to_be_bytes());
    }
}

/// text, compressed: the subset, its ToUnicode map and its CIDToGIDMap.
struct FontFiles {
    subset_len: usize,
    subset: Vec<u8>,
    to_unicode: Vec<u8>,
    cid_to_gid: Vec<u8>,
}

/// The font's streams for `used`. Those of a template's fixed text (labels, service
/// names) are the same on every receipt, so they are kept by glyphs and text (the
/// map compared, not copied into a key); a document's data (names, IDs) rarely
/// repeats, and is not.
fn font_files(slot: Slot, used: &BTreeMap<u16, String>) -> Rc<FontFiles> {
    type Used = (FontId, BTreeMap<u16, String>);
    thread_local! {
        static FILES: RefCell<Recent<Used, Rc<FontFiles>>> = const { RefCell::new(Recent::new(64)) };
    }
    if slot.data {
        return Rc::new(make_font_files(slot.font, used));
    }
    let hit = FILES.with(|c| c.borrow_mut().find(|(f, u)| *f == slot.font && u == used));
    if let Some(hit) = hit {
        return hit;
    }
    let files = Rc::new(make_font_files(slot.font, used));
    FILES.with(|c| {
        c.borrow_mut()
            .keep((slot.font, used.clone()), files.clone())
    });
    files
}

fn make_font_files(id: FontId, used: &BTreeMap<u16, String>) -> FontFiles {
    // CIDs are the font's own glyph ids; the map says where each is in the subset.
    let mut remapper = subsetter::GlyphRemapper::new();
    for gid in used.keys() {
        remapper.remap(*gid);
    }
    let subset = subsetter::subset(source(id), 0, &remapper).expect("the embedded font subsets");
    let mut cmap = UnicodeCmap::new(
        Name(b"Custom"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    for (gid, text) in used {
        if !text.is_empty() {
            cmap.pair_with_multiple(*gid, text.chars());
        }
    }
    let max = used.keys().next_back().copied().unwrap_or(0);
    // Zero (.notdef) but where a glyph is used: a lookup for each of those only.
    let mut map = vec![0u8; 2 * (usize::from(max) + 1)];
    for gid in used.keys() {
        let at = 2 * usize::from(*gid);
        map[at..at + 2].copy_from_slice(&remapper.get(*gid).unwrap_or(0).to_be_bytes());
    }
    FontFiles {
        subset_len: subset.len(),
        subset: deflate(&subset),
        to_unicode: deflate(&cmap.finish()),
        cid_to_gid: deflate(&map),
    }
}

/// The font subsets are cut from: the embedded font without its `name` and `post`
/// tables (glyph names), which a PDF's CID font never reads (PDF 2.0, 9.9: it needs
/// `head`, `hhea`, `loca`, `maxp`, `glyf`, `hmtx`, and `cvt `, `fpgm` and `prep`
/// when present): about a kilobyte per subset, and the subsetter spends nothing on
/// them.
fn source(id: FontId) -> &'static [u8] {
    static SOURCES: [OnceLock<Vec<u8>>; 2] = [OnceLock::new(), OnceLock::new()];
    SOURCES[id as usize].get_or_init(|| without_tables(id.get().data, &[b"name", b"post"]))
}

/// A TrueType font without the tables in `drop`, its checksums made right again.
fn without_tables(font: &[u8], drop: &[&[u8; 4]]) -> Vec<u8> {
    let u16_at = |i: usize| u16::from_be_bytes([font[i], font[i + 1]]);
    let u32_at = |i: usize| u32::from_be_bytes([font[i], font[i + 1], font[i + 2], font[i + 3]]);
    let checksum = |data: &[u8]| {
        data.chunks(4).fold(0u32, |sum, c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            sum.wrapping_add(u32::from_be_bytes(w))
        })
    };
    let tables: Vec<([u8; 4], &[u8])> = (0..usize::from(u16_at(4)))
        .map(|i| {
            let r = 12 + 16 * i;
            let (off, len) = (u32_at(r + 8) as usize, u32_at(r + 12) as usize);
            (
                font[r..r + 4].try_into().expect("four bytes"),
                &font[off..off + len],
            )
        })
        .filter(|(tag, _)| !drop.contains(&tag))
        .collect();
    let n = tables.len() as u16;
    let entry_selector = 15 - n.leading_zeros() as u16;
    let search_range = 16u16 << entry_selector;
    let mut out = Vec::with_capacity(font.len());
    out.extend_from_slice(&font[..4]);
    for v in [n, search_range, entry_selector, n * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &tables {
        let mut sum = checksum(data);
        if tag == b"head" && data.len() >= 12 {
            // checkSumAdjustment counts as zero in the sums (it is a whole aligned
            // word, so it is taken out of the sum); it is set at the end.
            sum = sum.wrapping_sub(u32::from_be_bytes(data[8..12].try_into().expect("4")));
            head_at = Some(offset);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&sum.to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for (tag, data) in &tables {
        out.extend_from_slice(data);
        if tag == b"head" && data.len() >= 12 {
            let at = out.len() - data.len();
            out[at + 8..at + 12].fill(0);
        }
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

pub(super) fn write_font(
    pdf: &mut Pdf,
    next: &mut impl FnMut() -> Ref,
    packer: &mut Packer,
    type0: Ref,
    slot: Slot,
    used: &BTreeMap<u16, String>,
) {
    let font = slot.font.get();
    let cid_id = next();
    let descriptor_id = next();
    let file_id = next();
    let cmap_id = next();
    let cid_map_id = next();

    let files = font_files(slot, used);

    // Subset tag: six capitals from the glyph set, as PDF readers expect (`sub yes`).
    let mut h = Sha256::new();
    hash_glyphs(&mut h, used);
    let digest = h.finalize();
    let mut n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let tag: String = (0..6)
        .map(|_| {
            let c = (b'A' + (n % 26) as u8) as char;
            n /= 26;
            c
        })
        .collect();
    let base = format!("{tag}+{}", font.postscript_name);

    // A data font's dictionaries (its widths) change with the document.
    let mut c = Packer::chunk();
    c.type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);
    packer.add_chunk(pdf, next, &c, slot.data);

    let scale = 1000.0 / font.units_per_em;
    let mut c = Packer::chunk();
    let mut cid = c.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(base.as_bytes()))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        })
        .font_descriptor(descriptor_id)
        .default_width(0.0)
        .cid_to_gid_map_stream(cid_map_id);
    {
        // Widths by CID, in runs of consecutive glyph ids.
        let mut w = cid.widths();
        let gids: Vec<u16> = used.keys().copied().collect();
        let mut i = 0;
        while i < gids.len() {
            let mut j = i + 1;
            while j < gids.len() && gids[j] == gids[j - 1] + 1 {
                j += 1;
            }
            w.consecutive(
                gids[i],
                gids[i..j]
                    .iter()
                    .map(|g| (font.advance(*g) * scale).round()),
            );
            i = j;
        }
    }
    cid.finish();
    packer.add_chunk(pdf, next, &c, slot.data);

    let [x0, y0, x1, y1] = font.bbox.map(|v| v * scale);
    let mut c = Packer::chunk();
    c.font_descriptor(descriptor_id)
        .name(Name(base.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(font.ascender * scale)
        .descent(font.descender * scale)
        .cap_height(font.cap_height * scale)
        .stem_v(if font.weight >= 700 { 140.0 } else { 80.0 })
        .weight(font.weight)
        .font_file2(file_id);
    packer.add_chunk(pdf, next, &c, slot.data);

    pdf.stream(file_id, &files.subset)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), files.subset_len as i32);

    pdf.stream(cmap_id, &files.to_unicode)
        .filter(Filter::FlateDecode);
    pdf.stream(cid_map_id, &files.cid_to_gid)
        .filter(Filter::FlateDecode);
}
