//! The page geometry and the layout engine: text set in lines and table rows, pages broken,
//! and the structure tree (PDF/UA tags) built as the content is drawn.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Points per millimetre.
pub(super) const MM: f32 = 72.0 / 25.4;

pub(super) const PAGE_WIDTH: f32 = 210.0 * MM;

pub(super) const PAGE_HEIGHT: f32 = 297.0 * MM;

pub(super) const MARGIN: f32 = 18.0 * MM;

/// Lowest baseline for body text: below it are the footer and the margin.
pub(super) const BODY_BOTTOM: f32 = 26.0 * MM;

pub(super) const QR_MODULE_MM: f32 = 0.55;

pub(super) const QR_MIN_MM: f32 = 45.0;

pub(super) const QR_MAX_MM: f32 = 70.0;

/// A page's content stream under construction. One font is embedded; bold text is the same
/// glyphs filled and stroked (text rendering mode 2), which saves a second font (about 10 KB a
/// PDF, and its subsetting and compression) and prints and extracts the same.
pub(super) struct Layout {
    pub(super) fonts: [Font; 1],
    pub(super) pages: Vec<String>,
    /// The page being drawn on.
    pub(super) current: usize,
    pub(super) y: f32,
    /// The structure tree (PDF/UA): what each piece of content is, in reading order.
    pub(super) tags: Tags,
    /// The QR codes, each drawn as a 1-bit image (an image mask) on its page.
    pub(super) images: Vec<QrImage>,
}

/// A QR code's modules as an image mask: one bit a module, rows padded to whole bytes, a 0
/// bit painted in the fill colour (dark) and a 1 bit left unpainted (light).
pub(super) struct QrImage {
    /// The page it is drawn on.
    pub(super) page: usize,
    /// Modules a side.
    pub(super) width: usize,
    /// The rows, top first.
    pub(super) bits: Vec<u8>,
}

/// A structure element of the tagged PDF.
pub(super) struct Element {
    /// The standard structure type: Document, H1, P, Table, TR, TH, TD, Figure...
    pub(super) kind: &'static str,
    /// The parent element; `None` for the document element (its parent is the tree root).
    pub(super) parent: Option<usize>,
    pub(super) kids: Vec<Kid>,
    /// The page its marked content is on (leaf elements draw on one page).
    pub(super) page: Option<usize>,
    /// Alternative text (the QR code's).
    pub(super) alt: Option<&'static str>,
    /// For TH: Row or Column.
    pub(super) scope: Option<&'static str>,
}

pub(super) enum Kid {
    Element(usize),
    /// A marked-content sequence on the element's page.
    Content(u32),
}

/// The structure tree being built as the page is drawn, and for each page which element each
/// marked-content id belongs to (the ParentTree).
pub(super) struct Tags {
    pub(super) elements: Vec<Element>,
    /// Per page: element of each MCID, in MCID order.
    pub(super) marks: Vec<Vec<usize>>,
}

/// The document element, root of every other.
pub(super) const DOCUMENT: usize = 0;

impl Tags {
    pub(super) fn new() -> Self {
        Self {
            elements: vec![Element {
                kind: "Document",
                parent: None,
                kids: Vec::new(),
                page: None,
                alt: None,
                scope: None,
            }],
            marks: vec![Vec::new()],
        }
    }

    /// A new element, not yet placed in the tree.
    pub(super) fn detached(&mut self, kind: &'static str) -> usize {
        self.elements.push(Element {
            kind,
            parent: None,
            kids: Vec::new(),
            page: None,
            alt: None,
            scope: None,
        });
        self.elements.len() - 1
    }

    /// Places `child` as the last kid of `parent`.
    pub(super) fn attach(&mut self, parent: usize, child: usize) {
        self.elements[child].parent = Some(parent);
        self.elements[parent].kids.push(Kid::Element(child));
    }

    /// A new element as the last kid of `parent`.
    pub(super) fn add(&mut self, parent: usize, kind: &'static str) -> usize {
        let child = self.detached(kind);
        self.attach(parent, child);
        child
    }

    /// A new TH (with its scope) or TD holding `kind`'s content.
    pub(super) fn cell(
        &mut self,
        row: usize,
        kind: &'static str,
        scope: Option<&'static str>,
    ) -> usize {
        let cell = self.add(row, kind);
        self.elements[cell].scope = scope;
        cell
    }

    /// The next marked-content id on `page`, for content of `element`.
    pub(super) fn mark(&mut self, page: usize, element: usize) -> u32 {
        while self.marks.len() <= page {
            self.marks.push(Vec::new());
        }
        let mcid = self.marks[page].len() as u32;
        self.marks[page].push(element);
        self.elements[element].kids.push(Kid::Content(mcid));
        self.elements[element].page = Some(page);
        mcid
    }
}

/// What drawn content is: part of a structure element, or an artifact (decoration, or
/// pagination repeated on every page) that assistive technology skips.
#[derive(Clone, Copy)]
pub(super) enum Mark {
    In(usize),
    Artifact,
    Pagination,
}

impl Layout {
    pub(super) fn page(&mut self) -> &mut String {
        &mut self.pages[self.current]
    }

    /// Opens a marked-content sequence for `mark` on the current page.
    pub(super) fn begin(&mut self, mark: Mark) {
        let opening = match mark {
            Mark::In(element) => {
                let mcid = self.tags.mark(self.current, element);
                format!(
                    "/{} <</MCID {mcid}>> BDC\n",
                    self.tags.elements[element].kind
                )
            }
            Mark::Artifact => "/Artifact BMC\n".to_string(),
            Mark::Pagination => {
                "/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n".to_string()
            }
        };
        self.page().push_str(&opening);
    }

    pub(super) fn end(&mut self) {
        self.page().push_str("EMC\n");
    }

    pub(super) fn text(&mut self, mark: Mark, x: f32, y: f32, style: usize, size: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        self.begin(mark);
        let string = self.fonts[0].encode(text);
        // The rendering mode is part of the graphics state and outlives ET: set it every time.
        let bold = if style == BOLD_FONT {
            format!("2 Tr {:.2} w ", size * 0.035)
        } else {
            "0 Tr ".to_string()
        };
        let _ = writeln!(
            self.page(),
            "BT /F1 {size:.2} Tf {bold}{x:.2} {y:.2} Td {string} Tj ET"
        );
        self.end();
    }

    /// A horizontal rule: decoration, so an artifact.
    pub(super) fn rule(&mut self, x1: f32, x2: f32, y: f32, gray: f32) {
        let _ = writeln!(
            self.page(),
            "/Artifact BMC\n{gray:.2} G 0.5 w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S 0 G\nEMC"
        );
    }

    /// Splits `text` into lines no wider than `width`, at spaces where possible. Widths are
    /// added up word by word rather than measured again for every candidate line.
    pub(super) fn wrap(&self, style: usize, size: f32, text: &str, width: f32) -> Vec<String> {
        // The stroke widens emboldened glyphs slightly: leave room for it.
        let width = if style == BOLD_FONT {
            width * 0.96
        } else {
            width
        };
        let font = &self.fonts[0];
        let space = font.width(" ", size);
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in text.split(' ') {
            let word_width = font.width(word, size);
            let joined = if line.is_empty() {
                word_width
            } else {
                line_width + space + word_width
            };
            if joined <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_width = joined;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            if word_width <= width {
                line.push_str(word);
                line_width = word_width;
                continue;
            }
            // A word wider than the column is broken between characters.
            for c in word.chars() {
                let advance = font.advance(c) * size / 1000.0;
                if line_width + advance > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                line.push(c);
                line_width += advance;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(String::new());
        self.current = self.pages.len() - 1;
        self.y = PAGE_HEIGHT - MARGIN - 10.0;
    }

    /// Starts a new page unless `height` more fits above the footer.
    pub(super) fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < BODY_BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }
}
