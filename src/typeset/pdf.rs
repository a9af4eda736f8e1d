//! Pages record what is drawn; `Document::finish` writes the PDF.
//!
//! Fonts are written as CID fonts (Type0 / CIDFontType2, Identity-H) holding a subset
//! of the glyphs the document uses, with a ToUnicode map from each glyph to the text
//! it stands for, so copy and paste and `pdftotext` give back the real characters.
//! Nothing comes from the clock: the same pages give the same bytes.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use pdf_writer::types::Direction;
use pdf_writer::{Date, Filter, Finish, Name, Pdf, Rect, Ref, Settings, TextStr, XRefFilter};

use super::content::page_content;
use super::deflate::deflate;
use super::embed::{hash_glyphs, write_font};
use super::font::FontId;
use super::objstm::Packer;
use super::page::{Page, Slot, Used, drawn_from};
use super::paper::Overflow;
use super::tags::{self, Elem};

/// Feeds `bytes` to `h`, length first, so that no two sequences of fields hash alike.
fn hash_bytes(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// compressed when it is pushed (glyph ids serve as CIDs, mapped to the subset's
/// glyphs by a CIDToGIDMap), so a many-page document holds only compressed pages.
pub struct Document {
    title: String,
    pages: Vec<WrittenPage>,
    used: Used,
    /// SHA-256 of the title and each page's compressed content: the document id.
    /// A specified hash, not the standard library's `DefaultHasher`, whose algorithm
    /// may change with the compiler: a reprint must be the same bytes whatever
    /// pishkhan build made it.
    hash: Sha256,
    /// When the document was made, in Iran time (UTC+03:30): year, month, day, hour,
    /// minute, Gregorian. From the document's own content (a receipt's date and
    /// time), never the clock, so that the bytes stay the same.
    created: Option<[u16; 5]>,
    /// Ask viewers to print at actual size: a thermal roll must not be scaled.
    actual_size: bool,
    /// With a structure tree (see [`Document::untagged`]).
    tagged: bool,
    /// Entries of the document information beyond title, producer and date.
    info: Vec<(String, String)>,
}

struct WrittenPage {
    width: f32,
    height: f32,
    /// Its template's content stream, compressed, which the pages of a print run
    /// that draw the same template share (see [`page_content`]).
    fixed: Option<Arc<[u8]>>,
    /// Its own content stream, drawn over the template's, compressed.
    data: Option<Vec<u8>>,
    elems: Vec<Elem>,
}

impl Document {
    pub fn new(title: &str) -> Document {
        let mut hash = Sha256::new();
        hash_bytes(&mut hash, title.as_bytes());
        Document {
            title: title.to_string(),
            pages: Vec::new(),
            used: Default::default(),
            hash,
            created: None,
            actual_size: false,
            tagged: true,
            info: Vec::new(),
        }
    }

    /// Sets an entry of the document information (`key`, a PDF name of letters
    /// and digits, to `value`), which [`info_value`] reads back.
    pub fn info(&mut self, key: &str, value: &str) {
        debug_assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()));
        self.info.retain(|(k, _)| k != key);
        self.info.push((key.to_string(), value.to_string()));
    }

    /// The date and time the document states it was made (Iran time, Gregorian).
    pub fn created(&mut self, year: u16, month: u16, day: u16, hour: u16, minute: u16) {
        self.created = Some([year, month, day, hour, minute]);
    }

    /// Viewers are asked to print at actual size (`/PrintScaling /None`).
    pub fn print_actual_size(&mut self) {
        self.actual_size = true;
    }

    /// No structure tree: for a print run of thousands of pages bound for the
    /// printer, where it would add two fifths to the file and a quarter to the time
    /// (each page's tree is some hundred small objects).
    pub fn untagged(&mut self) {
        self.tagged = false;
    }

    /// Adds a page, or refuses it when something on it lies outside its safe area.
    pub fn push(&mut self, page: Page) -> Result<(), Overflow> {
        self.push_all(vec![page])
    }

    /// Adds a document's pages, or none of them when any has something outside its
    /// safe area: a document is never added in part.
    pub fn push_all(&mut self, pages: Vec<Page>) -> Result<(), Overflow> {
        if let Some(o) = pages.iter().find_map(Page::overflow) {
            return Err(o);
        }
        for page in pages {
            self.add(page);
        }
        Ok(())
    }

    /// Writes and compresses a page already checked.
    fn add(&mut self, mut page: Page) {
        // Data glyphs move to the subset they are drawn from (see `drawn_from`).
        for font in FontId::ALL {
            let data = Slot::new(font, true);
            let mine = std::mem::take(&mut page.used[data.index()]);
            for (gid, text) in mine {
                let to = drawn_from(&page.used, data, gid);
                let e = page.used[to.index()].entry(gid).or_default();
                if e.is_empty() {
                    *e = text;
                }
            }
        }
        let content = page_content(&page, self.tagged);
        let (width, height) = (page.width(), page.height());
        for (all, mine) in self.used.iter_mut().zip(page.used) {
            for (gid, text) in mine {
                let e = all.entry(gid).or_default();
                if e.is_empty() {
                    *e = text;
                }
            }
        }
        let fixed = content.fixed;
        let data = (!content.data.is_empty() || fixed.is_none()).then(|| deflate(&content.data));
        // A document id from the content, not the clock: same input, same bytes. The
        // compressed streams stand for it (each ends with its content's checksum) and
        // are a fifth of its size to hash.
        for s in fixed.as_deref().into_iter().chain(data.as_deref()) {
            hash_bytes(&mut self.hash, s);
        }
        self.pages.push(WrittenPage {
            width,
            height,
            fixed,
            data,
            elems: if self.tagged {
                page.tags.elems
            } else {
                Vec::new()
            },
        });
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Writes the PDF.
    pub fn finish(self) -> Vec<u8> {
        let mut alloc = Ref::new(1);
        let mut next = || alloc.bump();
        let catalog_id = next();
        let tree_id = next();
        let info_id = next();

        // Streams are written as they are; every other object goes in an object
        // stream (see `objstm`).
        // Room for what is known (the pages' content) and the rest of a receipt (its
        // fonts and structure, some 20 KB): the file is not copied as it grows.
        let known: usize = self
            .pages
            .iter()
            .map(|p| p.fixed.as_ref().map_or(0, |f| f.len()) + p.data.as_ref().map_or(0, Vec::len))
            .sum();
        let mut pdf =
            Pdf::with_settings_and_capacity(Settings { pretty: false }, known + 32 * 1024);
        let mut packer = Packer::default();
        let mut fonts: Vec<(Slot, Ref)> = Vec::new();
        for slot in Slot::ALL {
            if self.used[slot.index()].is_empty() {
                continue;
            }
            let type0 = next();
            write_font(
                &mut pdf,
                &mut next,
                &mut packer,
                type0,
                slot,
                &self.used[slot.index()],
            );
            fonts.push((slot, type0));
        }

        let mut page_ids = Vec::new();
        // A print run's pages share their template's stream: written once, found by
        // its bytes. A page's own stream is its own.
        let mut templates: FxHashMap<&[u8], Ref> = FxHashMap::default();
        for (i, page) in self.pages.iter().enumerate() {
            let page_id = next();
            page_ids.push(page_id);
            let mut contents = Vec::with_capacity(2);
            if let Some(fixed) = &page.fixed {
                contents.push(*templates.entry(fixed).or_insert_with(|| {
                    let id = next();
                    pdf.stream(id, fixed).filter(Filter::FlateDecode);
                    id
                }));
            }
            if let Some(data) = &page.data {
                let id = next();
                pdf.stream(id, data).filter(Filter::FlateDecode);
                contents.push(id);
            }
            let mut c = Packer::chunk();
            let mut p = c.page(page_id);
            p.media_box(Rect::new(0.0, 0.0, page.width, page.height));
            p.parent(tree_id);
            match contents[..] {
                [one] => p.contents(one),
                _ => p.contents_array(contents.iter().copied()),
            };
            // The page's key in the structure's parent tree.
            if self.tagged {
                p.struct_parents(i as i32);
            }
            let mut res = p.resources();
            let mut font_dict = res.fonts();
            for (slot, type0) in &fonts {
                font_dict.pair(slot.name(), *type0);
            }
            font_dict.finish();
            res.finish();
            p.finish();
            packer.add_chunk(&mut pdf, &mut next, &c, false);
        }
        let mut c = Packer::chunk();
        c.pages(tree_id)
            .kids(page_ids.iter().copied())
            .count(page_ids.len() as i32);
        packer.add_chunk(&mut pdf, &mut next, &c, false);
        let struct_root = self.tagged.then(|| {
            let structure: Vec<(Ref, &[Elem])> = page_ids
                .iter()
                .zip(&self.pages)
                .map(|(id, p)| (*id, &p.elems[..]))
                .collect();
            tags::write_tree(&mut pdf, &mut next, &structure, &mut packer)
        });
        let xmp_id = next();
        let xmp = xmp(&self.title, self.created);
        pdf.metadata(xmp_id, xmp.as_bytes());
        // The catalog and the document information stay plain objects: pdf-writer
        // names them in the trailer as it writes them.
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(tree_id);
        // Persian documents: a reader reads the language, a viewer lays out
        // spreads right to left and shows the title.
        catalog.lang(TextStr("fa-IR"));
        catalog.metadata(xmp_id);
        // Tagged: paragraphs and tables that a reader (or a screen reader) can follow.
        if let Some(root) = struct_root {
            catalog.pair(Name(b"StructTreeRoot"), root);
            catalog.mark_info().marked(true);
        }
        let mut prefs = catalog.viewer_preferences();
        prefs.direction(Direction::R2L).display_doc_title(true);
        if self.actual_size {
            prefs.pair(Name(b"PrintScaling"), Name(b"None"));
        }
        prefs.finish();
        catalog.finish();
        let mut info = pdf.document_info(info_id);
        info.title(TextStr(&self.title)).producer(TextStr(PRODUCER));
        for (key, value) in &self.info {
            info.pair(Name(key.as_bytes()), TextStr(value));
        }
        if let Some([y, mo, d, h, mi]) = self.created {
            info.creation_date(
                Date::new(y)
                    .month(mo as u8)
                    .day(d as u8)
                    .hour(h as u8)
                    .minute(mi as u8)
                    .second(0)
                    .utc_offset_hour(3)
                    .utc_offset_minute(30),
            );
        }
        info.finish();
        packer.flush(&mut pdf);

        let mut h = self.hash;
        for used in &self.used {
            hash_glyphs(&mut h, used);
        }
        let id: Vec<u8> = h.finalize()[..16].to_vec();
        pdf.set_file_id((id.clone(), id));
        // A cross-reference stream, the last object: only it can point into the
        // object streams that hold the structure tree.
        let xref_id = next();
        let count = xref_id.get() as usize + 1;
        pdf.finish_with_xref_stream_and_filter(xref_id, |rows| {
            let mut rows = rows.to_vec();
            packer.patch_xref(&mut rows, count);
            (deflate(&rows), XRefFilter::Single(Filter::FlateDecode))
        })
    }
}

const PRODUCER: &str = concat!("pishkhan ", env!("CARGO_PKG_VERSION"));
/// The document's XMP metadata: title, language, producer and, when known, the date
/// it was made.
fn xmp(title: &str, created: Option<[u16; 5]>) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let date = created
        .map(|[y, mo, d, h, mi]| {
            let at = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00+03:30");
            format!("<xmp:CreateDate>{at}</xmp:CreateDate><xmp:ModifyDate>{at}</xmp:ModifyDate><xmp:MetadataDate>{at}</xmp:MetadataDate>")
        })
        .unwrap_or_default();
    format!(
        concat!(
            "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>",
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
            "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" ",
            "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">",
            "<dc:format>application/pdf</dc:format>",
            "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>",
            "<dc:language><rdf:Bag><rdf:li>fa-IR</rdf:li></rdf:Bag></dc:language>",
            "{date}<xmp:CreatorTool>{producer}</xmp:CreatorTool><pdf:Producer>{producer}</pdf:Producer>",
            "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"r\"?>"
        ),
        title = esc(title),
        date = date,
        producer = PRODUCER,
    )
}
