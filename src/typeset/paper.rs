//! Paper and ink: the sizes pishkhan prints on, their safe areas, colours and text styles.

use super::font::FontId;

/// Paper sizes, in points (1/72 inch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageSize {
    A5,
    A4,
    /// 80 mm thermal roll (72 mm printable): fixed width, height grows with the content.
    Roll80,
    /// 58 mm thermal roll (48 mm printable).
    Roll58,
}

/// A millimetre in points.
pub const MM: f32 = 72.0 / 25.4;
/// The margin of a sheet no printer is asked to print in: 5 mm.
pub const SAFE: f32 = 5.0 * MM;

/// Something drawn outside the page's safe area: the engine refuses the page rather
/// than print it cut.
#[derive(Clone, Debug, PartialEq)]
pub struct Overflow {
    /// "text", "box" or "rule".
    pub what: &'static str,
    /// Where it was drawn: (left, top, right, bottom) in points from the top left.
    pub at: [f32; 4],
    /// The safe area it should have stayed in.
    pub safe: [f32; 4],
}

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mm = |v: f32| v / MM;
        let [l, t, r, b] = self.at.map(mm);
        let [sl, st, sr, sb] = self.safe.map(mm);
        write!(
            f,
            "a {} at ({l:.1}, {t:.1})–({r:.1}, {b:.1}) mm lies outside the printable area ({sl:.1}, {st:.1})–({sr:.1}, {sb:.1}) mm",
            self.what
        )?;
        Ok(())
    }
}

impl std::error::Error for Overflow {}

impl PageSize {
    pub fn width(self) -> f32 {
        match self {
            PageSize::A5 => 148.0 * MM,
            PageSize::A4 => 210.0 * MM,
            PageSize::Roll80 => 80.0 * MM,
            PageSize::Roll58 => 58.0 * MM,
        }
    }

    /// What a printer can print across: the paper less the head's margins.
    pub fn printable_width(self) -> f32 {
        match self {
            PageSize::Roll80 => 72.0 * MM,
            PageSize::Roll58 => 48.0 * MM,
            _ => self.width() - 10.0 * MM,
        }
    }

    /// The dot of a roll's thermal head (203 dpi, 8 dots a millimetre), in points;
    /// `None` for a sheet. What a head prints is whole dots: a grid drawn in them
    /// prints every module the same size.
    pub fn dot(self) -> Option<f32> {
        self.is_roll().then_some(72.0 / 203.0)
    }

    /// A thermal roll: printed by a head of black dots, no grey, no fills.
    pub fn is_roll(self) -> bool {
        self.height().is_none()
    }

    /// Where a printer prints, as (left, top, right, bottom) in points from the top
    /// left corner: 5 mm in from a sheet's edges; a roll's printable width, with no
    /// bottom (`f32::INFINITY`: the page grows with its content).
    pub fn safe_area(self) -> [f32; 4] {
        let side = (self.width() - self.printable_width()) / 2.0;
        match self.height() {
            Some(h) => [side, SAFE, self.width() - side, h - SAFE],
            None => [side, 0.0, self.width() - side, f32::INFINITY],
        }
    }

    /// The fixed height, or `None` for a roll.
    pub fn height(self) -> Option<f32> {
        match self {
            PageSize::A5 => Some(210.0 * MM),
            PageSize::A4 => Some(297.0 * MM),
            PageSize::Roll80 | PageSize::Roll58 => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Color(pub f32, pub f32, pub f32);

impl Color {
    pub const BLACK: Color = Color(0.0, 0.0, 0.0);
    pub const GRAY: Color = Color(0.45, 0.45, 0.45);
    pub const LIGHT: Color = Color(0.92, 0.92, 0.92);
    pub const RULE: Color = Color(0.6, 0.6, 0.6);
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    pub font: FontId,
    pub size: f32,
    pub color: Color,
    /// Text that changes from one document to the next (a name, an ID, a date), as
    /// against the fixed text of a template (see [`Style::data`]).
    pub data: bool,
    /// Tabular figures (see [`Style::tabular`]).
    pub tabular: bool,
    /// Distance between baselines, in ems: [`Style::LEADING`], or closer on a thermal
    /// roll (see `Page::ink`). Vazirmatn's ink runs from 0.34 em below the baseline
    /// (ج) to 0.82 em above it (گ), so 1.3 still leaves a seventh of an em between
    /// lines.
    pub leading: f32,
}

impl Style {
    pub fn regular(size: f32) -> Style {
        Style {
            font: FontId::Regular,
            size,
            color: Color::BLACK,
            data: false,
            tabular: false,
            leading: Style::LEADING,
        }
    }

    pub fn bold(size: f32) -> Style {
        Style {
            font: FontId::Bold,
            size,
            color: Color::BLACK,
            data: false,
            tabular: false,
            leading: Style::LEADING,
        }
    }

    pub fn color(self, color: Color) -> Style {
        Style { color, ..self }
    }

    /// Marks the text as a document's own data. Its glyphs go in a font subset of
    /// their own, so the subset of a template's fixed text is the same on every
    /// document and is built once: only the few glyphs of the data are subset per
    /// document. It looks the same; it is a matter of speed.
    pub fn data(self) -> Style {
        Style { data: true, ..self }
    }

    /// Every digit as wide as the next (the font's `tnum`), for amounts, quantities
    /// and dates in a column: right-aligned, their units line up.
    pub fn tabular(self) -> Style {
        Style {
            tabular: true,
            ..self
        }
    }

    /// The leading of a page: airy enough for a Persian mark over a tall letter.
    pub const LEADING: f32 = 1.55;

    /// Distance between baselines.
    pub fn line_height(&self) -> f32 {
        self.size * self.leading
    }

    /// From the top of a line box to its baseline: 1.12 ems at the page leading, which
    /// leaves 0.3 em over the tallest letter and 0.09 em under the deepest; a closer
    /// leading takes what it saves from above, and its ink sits in the middle.
    pub(super) fn ascent(&self) -> f32 {
        self.size * (1.12 - (Self::LEADING - self.leading))
    }
}
