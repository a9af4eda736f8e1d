//! The embedded fonts: Vazirmatn Regular and Bold (OFL, assets/fonts/).

use std::sync::OnceLock;

use rustybuzz::Face;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/Vazirmatn-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/Vazirmatn-Bold.ttf");

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FontId {
    Regular,
    Bold,
}

impl FontId {
    pub const ALL: [FontId; 2] = [FontId::Regular, FontId::Bold];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn get(self) -> &'static Font {
        static FONTS: OnceLock<[Font; 2]> = OnceLock::new();
        &FONTS.get_or_init(|| {
            [
                Font::load(REGULAR, "Vazirmatn-Regular", 400),
                Font::load(BOLD, "Vazirmatn-Bold", 700),
            ]
        })[self.index()]
    }
}

pub struct Font {
    pub data: &'static [u8],
    pub face: Face<'static>,
    pub postscript_name: &'static str,
    pub weight: u16,
    pub units_per_em: f32,
    pub ascender: f32,
    pub descender: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
    /// hmtx advances by glyph id, read once: the PDF writer asks for every glyph.
    advances: Vec<u16>,
}

impl Font {
    fn load(data: &'static [u8], postscript_name: &'static str, weight: u16) -> Font {
        let face = Face::from_slice(data, 0).expect("the embedded font parses");
        let bb = face.global_bounding_box();
        let advances = (0..face.number_of_glyphs())
            .map(|g| {
                face.glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(g))
                    .unwrap_or(0)
            })
            .collect();
        Font {
            advances,
            data,
            postscript_name,
            weight,
            units_per_em: f32::from(face.units_per_em() as u16),
            ascender: f32::from(face.ascender()),
            descender: f32::from(face.descender()),
            cap_height: f32::from(face.capital_height().unwrap_or(face.ascender())),
            bbox: [bb.x_min, bb.y_min, bb.x_max, bb.y_max].map(f32::from),
            face,
        }
    }

    /// The glyph's advance in font units, as the PDF's width table gives it.
    pub fn advance(&self, gid: u16) -> f32 {
        f32::from(self.advances.get(usize::from(gid)).copied().unwrap_or(0))
    }

    /// Font units to points at `size`.
    pub fn scale(&self, size: f32) -> f32 {
        size / self.units_per_em
    }
}
