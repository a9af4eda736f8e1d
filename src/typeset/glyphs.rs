//! What shaping makes: glyphs in font units, in runs of one direction, in lines
//! ready to draw.

use std::ops::Range;
use std::rc::Rc;

use super::font::FontId;

/// One glyph of a shaped run, in font units.
#[derive(Clone, Debug)]
pub struct Glyph {
    pub gid: u16,
    pub advance: i32,
    pub dx: i32,
    pub dy: i32,
    /// The logical text this glyph stands for (empty for the 2nd+ glyph of a cluster).
    pub text: Range<u32>,
}

/// A run shaped in one direction; glyphs in visual (left-to-right) order.
pub struct Run {
    pub rtl: bool,
    pub text: String,
    pub glyphs: Vec<Glyph>,
    pub width: i32,
}

/// A line ready to draw: its runs in visual order.
pub struct Line {
    pub font: FontId,
    /// The line's text in logical order.
    pub text: String,
    pub runs: Vec<Rc<Run>>,
    /// Width in font units.
    pub units: i32,
}

impl Line {
    /// The line of `text` made of `runs` (in visual order), as wide as they are.
    pub fn new(font: FontId, text: String, runs: Vec<Rc<Run>>) -> Line {
        let units = runs.iter().map(|r| r.width).sum();
        Line {
            font,
            text,
            runs,
            units,
        }
    }

    /// Width in points at `size`.
    pub fn width(&self, size: f32) -> f32 {
        self.units as f32 * self.font.get().scale(size)
    }
}
