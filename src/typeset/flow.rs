//! Pages filled top to bottom: a block that would run past the page's bottom moves
//! whole to a new page, and a table breaks between its rows with its header rows
//! repeated. What does not fit even on a page of its own is left for
//! [`Document::push`](super::Document::push) to refuse.

use super::layout::Table;
use super::page::Page;
use super::paper::PageSize;

/// Draws a block at a y and returns its height.
type Heading = Box<dyn FnMut(&mut Page, f32) -> f32>;

pub struct Flow {
    size: PageSize,
    pages: Vec<Page>,
    y: f32,
    /// Where content starts on every page.
    top: f32,
    /// How far down content may go; `None`: one page that grows (a roll) or a trial
    /// that measures the document without breaking it.
    bottom: Option<f32>,
    /// Drawn at the top of every page after the first.
    heading: Option<Heading>,
    /// Measuring only, on dry pages (see [`Page::dry`]).
    dry: bool,
}

impl Flow {
    pub fn new(size: PageSize, top: f32, bottom: Option<f32>) -> Flow {
        Flow {
            size,
            pages: vec![Page::new(size)],
            y: top,
            top,
            bottom,
            heading: None,
            dry: false,
        }
    }

    /// A flow of dry pages: the same heights and breaks, nothing drawn.
    pub fn dry(size: PageSize, top: f32, bottom: Option<f32>) -> Flow {
        Flow {
            pages: vec![Page::dry(size)],
            dry: true,
            ..Flow::new(size, top, bottom)
        }
    }

    /// What every following page starts with (e.g. «ادامهٔ رسید …»).
    pub fn heading(&mut self, draw: impl FnMut(&mut Page, f32) -> f32 + 'static) {
        self.heading = Some(Box::new(draw));
    }

    /// Where the next block goes.
    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn skip(&mut self, dy: f32) {
        self.y += dy;
    }

    pub fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a flow has a page")
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Draws a block kept whole: `draw` gets the page and the block's top and returns
    /// its height. Drawn where the last block ended, or, when it would run past the
    /// bottom of a page that holds something already, at the top of a new page.
    pub fn block(&mut self, mut draw: impl FnMut(&mut Page, f32) -> f32) {
        self.block_on(|page, y, _| draw(page, y));
    }

    /// [`Flow::block`], telling `draw` whether it starts a new page.
    fn block_on(&mut self, mut draw: impl FnMut(&mut Page, f32, bool) -> f32) {
        let y = self.y;
        let page = self.pages.last_mut().expect("a flow has a page");
        let mark = page.mark();
        let h = draw(page, y, false);
        match self.bottom {
            Some(bottom) if y + h > bottom && y > self.top + 0.01 => {
                page.rollback(mark);
                self.new_page();
                let y = self.y;
                self.y += draw(self.page(), y, true);
            }
            _ => self.y += h,
        }
    }

    /// A table with its reading-start edge at `x`, broken between rows where the page
    /// ends; its first `header` rows go with the first row and start every page the
    /// table runs onto. No row is left alone: the first two and the last two rows
    /// are kept together (a table of three rows or fewer is kept whole).
    pub fn table(&mut self, x: f32, table: &Table, header: usize) {
        let n = table.rows.len();
        let header = header.min(n);
        if n - header <= 3 {
            self.block(|page, y| page.table(x, y, table));
            return;
        }
        // Rows at a time: two (three when three are left) where a page's part of
        // the table starts, else one, or the last two together.
        let take = |start: bool, left: usize| match (start, left) {
            (true, 3) => 3,
            (true, _) | (false, 2) => 2,
            _ => 1,
        };
        let mut i = header;
        while i < n {
            let mut drawn = 0;
            self.block_on(|page, y, fresh| {
                let start = i == header || fresh;
                drawn = take(start, n - i).min(n - i);
                let h = if start {
                    page.table_rows(x, y, table, 0..header)
                } else {
                    0.0
                };
                h + page.table_rows(x, y + h, table, i..i + drawn)
            });
            i += drawn;
        }
    }

    fn new_page(&mut self) {
        self.pages.push(if self.dry {
            Page::dry(self.size)
        } else {
            Page::new(self.size)
        });
        self.y = self.top;
        if let Some(heading) = &mut self.heading {
            let page = self.pages.last_mut().expect("a page");
            self.y += heading(page, self.top);
        }
    }

    pub fn into_pages(self) -> Vec<Page> {
        self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{Align, Cell, Table};
    use super::super::paper::{PageSize, Style};
    use super::super::tags::Elem;
    use super::Flow;

    #[test]
    fn no_table_row_is_left_alone_on_a_page() {
        for n in [4, 5, 9] {
            let mut t = Table::new(vec![100.0, 100.0]);
            let cell = |s: &str| Cell::new(s, Style::regular(9.0), Align::Right);
            t.row(vec![cell("روز").header(), cell("جمع").header()]);
            for i in 0..n {
                t.row(vec![cell(&i.to_string()), cell("۱۰۰")]);
            }
            // Every page end from room for the header and two rows (some 60 pt) down
            // to the whole table.
            for bottom in (110..400).step_by(2) {
                let mut f = Flow::new(PageSize::A4, 40.0, Some(bottom as f32));
                f.skip(5.0);
                f.table(300.0, &t, 1);
                let mut body = 0;
                for page in f.into_pages() {
                    for e in &page.tags.elems {
                        if let Elem::Table(rows) = e {
                            // Each page's part repeats the header row.
                            let here = rows.len() - 1;
                            assert!(here >= 2, "{n} rows, bottom {bottom}: {here} alone");
                            body += here;
                        }
                    }
                }
                assert_eq!(body, n, "bottom {bottom}");
            }
        }
    }
}
