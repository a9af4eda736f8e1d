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
    /// table runs onto.
    pub fn table(&mut self, x: f32, table: &Table, header: usize) {
        let n = table.rows.len();
        let header = header.min(n);
        if header == n {
            self.block(|page, y| page.table(x, y, table));
            return;
        }
        for i in header..n {
            self.block_on(|page, y, fresh| {
                let h = if i == header || fresh {
                    page.table_rows(x, y, table, 0..header)
                } else {
                    0.0
                };
                h + page.table_rows(x, y + h, table, i..i + 1)
            });
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Page::new(self.size));
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
