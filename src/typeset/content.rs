//! A page's content stream: its ops as PDF operators, with marked content for tags.

use std::cell::RefCell;
use std::sync::Arc;

use super::deflate::deflate;
use super::ops::Ops;
use super::page::{Op, Page, drawn_from};
use super::paper::Color;
use super::recent::Recent;

/// A page's content in two streams: what the document's template draws (labels,
/// rules, notes), the same on every receipt of a cluster, and its data (the
/// applicant's values, the tables they size, the code), drawn over it. The first is
/// written and compressed once per run (see [`fixed_stream`]); only the second is
/// new on each receipt.
pub(super) struct Content {
    /// Compressed; `None` when the page has no template.
    pub fixed: Option<Arc<[u8]>>,
    pub data: Vec<u8>,
}

pub(super) fn page_content(page: &Page, tagged: bool) -> Content {
    // A marked-content sequence (a paragraph, a cell) goes whole to one stream: to
    // the data when anything in it is. So does a table, whole (see `Op::Part`).
    let mut data = vec![false; page.ops.len()];
    let (mut mark, mut part) = (None, None);
    let widen = |data: &mut [bool], from: Option<usize>, to: usize| {
        if let Some(s) = from
            && data[s..to].contains(&true)
        {
            data[s..=to].fill(true);
        }
    };
    for (i, op) in page.ops.iter().enumerate() {
        match op {
            Op::Mark(..) => mark = Some(i),
            Op::EndMark => widen(&mut data, mark.take(), i),
            Op::Part(true) => part = Some(i),
            Op::Part(false) => widen(&mut data, part.take(), i),
            Op::Text { slot, .. } => data[i] = slot.data,
            Op::Modules { .. } => data[i] = true,
            Op::Rect { .. } | Op::Line { .. } => {}
        }
    }
    let ops = |want: bool| {
        page.ops
            .iter()
            .zip(&data)
            .filter(move |(op, d)| **d == want && !matches!(op, Op::Part(_)))
            .map(|(op, _)| op)
    };
    Content {
        fixed: fixed_stream(page, ops(false), tagged),
        data: stream(page, ops(true), tagged),
    }
}

/// A template drawn before: the page's height, its tagging and its ops.
type Drawn = (f32, bool, Vec<Op>);

/// The template's stream, compressed, made once for each template a thread draws:
/// the ops are compared (cheaper than writing them), the latest first.
fn fixed_stream<'a>(
    page: &Page,
    ops: impl Iterator<Item = &'a Op> + Clone,
    tagged: bool,
) -> Option<Arc<[u8]>> {
    thread_local! {
        // A run's templates are few: a tariff's clusters on a paper's sizes.
        static DRAWN: RefCell<Recent<Drawn, Arc<[u8]>>> = const { RefCell::new(Recent::new(16)) };
    }
    let n = ops.clone().count();
    if n == 0 {
        return None;
    }
    let height = page.height();
    let hit = DRAWN.with(|d| {
        d.borrow_mut().find(|(h, t, drawn)| {
            *h == height && *t == tagged && drawn.len() == n && drawn.iter().eq(ops.clone())
        })
    });
    if hit.is_some() {
        return hit;
    }
    let packed: Arc<[u8]> = deflate(&stream(page, ops.clone(), tagged)).into();
    let drawn = (height, tagged, ops.cloned().collect());
    DRAWN.with(|d| d.borrow_mut().keep(drawn, packed.clone()));
    Some(packed)
}

fn stream<'a>(page: &Page, ops: impl Iterator<Item = &'a Op>, tagged: bool) -> Vec<u8> {
    let h = page.height();
    // A receipt's content is about 16 KB: no regrowing on the way.
    let mut c = Ops::with_capacity(20 * 1024);
    // Rules and boxes are decoration (artifacts), not content: consecutive ones share
    // one artifact sequence.
    let mut artifact = false;
    let mut bytes = Vec::new();
    for op in ops {
        // The QR code too: the proof it encodes is in the document information.
        let drawing =
            tagged && matches!(op, Op::Rect { .. } | Op::Line { .. } | Op::Modules { .. });
        if drawing && !artifact {
            c.name(b"Artifact").op(b"BMC");
        } else if !drawing && artifact {
            c.op(b"EMC");
        }
        artifact = drawing;
        match op {
            // Not in a stream: `page_content` leaves them out.
            Op::Part(_) => {}
            Op::Mark(..) | Op::EndMark if !tagged => {}
            Op::Mark(tag, mcid) => c.bdc(tag, *mcid),
            Op::EndMark => c.op(b"EMC"),
            Op::Rect {
                x,
                y,
                w,
                h: rh,
                fill,
                stroke,
            } => {
                c.op(b"q");
                if let Some(Color(r, g, b)) = fill {
                    c.rgb(*r, *g, *b).op(b"rg");
                }
                if let Some((width, Color(r, g, b))) = stroke {
                    c.rgb(*r, *g, *b).op(b"RG");
                    c.at(*width).op(b"w");
                }
                c.at(*x).at(h - y - rh).at(*w).at(*rh).op(b"re");
                c.op(match (fill, stroke) {
                    (Some(_), Some(_)) => b"B",
                    (Some(_), None) => b"f",
                    _ => b"S",
                });
                c.op(b"Q");
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color: Color(r, g, b),
            } => {
                c.op(b"q");
                c.rgb(*r, *g, *b).op(b"RG");
                c.at(*width).op(b"w");
                c.at(*x1).at(h - y1).op(b"m");
                c.at(*x2).at(h - y2).op(b"l");
                c.op(b"S");
                c.op(b"Q");
            }
            Op::Modules {
                x, y, cell, path, ..
            } => {
                c.op(b"q");
                c.rgb(0.0, 0.0, 0.0).op(b"rg");
                // In module units, y down from the grid's top.
                c.real(*cell, 4).int(0).int(0).real(-*cell, 4);
                c.at(*x).at(h - y).op(b"cm");
                c.raw(path.as_bytes());
                c.op(b"f");
                c.op(b"Q");
            }
            Op::Text {
                slot,
                size,
                color: Color(r, g, b),
                glyphs,
            } => {
                let f = slot.font.get();
                let scale = f.scale(*size);
                let slot_of = |gid: u16| drawn_from(&page.used, *slot, gid);
                c.op(b"BT");
                c.rgb(*r, *g, *b).op(b"rg");
                // One text-matrix move per baseline or font change; between glyphs, a
                // TJ adjustment moves from where the width table puts the next glyph
                // to where shaping put it.
                let mut font = None;
                let mut i = 0;
                while i < glyphs.len() {
                    let (y, s) = (glyphs[i].y, slot_of(glyphs[i].gid));
                    if font != Some(s) {
                        c.name(s.name().0).real(*size, 3).op(b"Tf");
                        font = Some(s);
                    }
                    c.int(1).int(0).int(0).int(1);
                    c.at(glyphs[i].x).at(h - y).op(b"Tm");
                    c.tj_start();
                    let mut expected = glyphs[i].x;
                    bytes.clear();
                    while i < glyphs.len() && glyphs[i].y == y && slot_of(glyphs[i].gid) == s {
                        let g = &glyphs[i];
                        // In thousandths of an em; a tenth is far below a device pixel.
                        let adjust = ((expected - g.x) * 1000.0 / size * 10.0).round() / 10.0;
                        if adjust != 0.0 {
                            if !bytes.is_empty() {
                                c.tj_glyphs(&bytes);
                                bytes.clear();
                            }
                            c.tj_adjust(adjust);
                        }
                        bytes.extend_from_slice(&g.gid.to_be_bytes());
                        expected = g.x + f.advance(g.gid) * scale;
                        i += 1;
                    }
                    if !bytes.is_empty() {
                        c.tj_glyphs(&bytes);
                    }
                    c.tj_end();
                }
                c.op(b"ET");
            }
        }
    }
    if artifact {
        c.op(b"EMC");
    }
    c.finish()
}
