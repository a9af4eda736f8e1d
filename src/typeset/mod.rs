//! A small Persian typesetting engine: shaping (rustybuzz), bidi (unicode-bidi),
//! wrapping, alignment and tables, written to PDF with subset fonts (pdf-writer,
//! subsetter). It knows nothing of applicants or receipts.
//!
//! ```no_run
//! use pishkhan::typeset::{Align, Area, Dir, Document, Page, PageSize, Style};
//! let mut page = Page::new(PageSize::A5);
//! let area = Area::new(20.0, 20.0, page.width() - 40.0);
//! page.text(area, Style::bold(14.0), Align::Right, Dir::Rtl, "رسید پرداخت");
//! let mut doc = Document::new("رسید");
//! doc.push(page).expect("everything inside the safe area");
//! let pdf: Vec<u8> = doc.finish();
//! ```

mod breaks;
mod content;
mod deflate;
mod digits;
mod embed;
mod flow;
mod font;
mod glyphs;
mod layout;
mod objstm;
mod ops;
mod page;
mod paper;
mod pdf;
mod read;
mod recent;
mod shape;
mod tags;

pub use flow::Flow;
pub use font::FontId;
pub use glyphs::Line;
pub use layout::{Align, Area, Cell, Row, Table};
pub use page::Page;
pub use paper::{Color, MM, Overflow, PageSize, SAFE, Style};
pub use pdf::Document;
pub use read::info_value;
pub use shape::{Dir, measure, shape_line, wrap};
