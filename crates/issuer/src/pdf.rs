//! The certificate as an A4 PDF for people: what it says, laid out as tables, with the QR code
//! (vector modules) on page 1 and the `.jws` attached, so software can verify the PDF itself.
//!
//! The PDF is written here rather than with a PDF library: the layout is fixed, the objects are
//! numbered in a fixed order and every number is printed with fixed precision, so the same
//! certificate always gives the same bytes. Text uses DejaVu Sans (shipped in `fonts/` with its
//! licence), embedded as a subset of just the glyphs used, with a ToUnicode map so that text
//! extraction gives back the names exactly as signed.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::LazyLock;

use goodstanding_verifier::model::Certificate;
use goodstanding_verifier::{SignedCertificate, summary};
use sha2::{Digest as _, Sha256};

use crate::qr;

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const REGULAR_NAME: &str = "DejaVuSans";

/// Glyph and advance of every character below U+0250 (Latin, Latin-1, Latin Extended-A and -B)
/// in the regular font, looked up once per process.
static LATIN_GLYPHS: LazyLock<Vec<Option<(u16, u16)>>> = LazyLock::new(|| {
    let Ok(face) = ttf_parser::Face::parse(REGULAR, 0) else {
        return Vec::new();
    };
    (0..0x250u32)
        .map(|code| {
            char::from_u32(code)
                .and_then(|c| face.glyph_index(c))
                .map(|g| (g.0, face.glyph_hor_advance(g).unwrap_or(0)))
        })
        .collect()
});

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;
const PAGE_WIDTH: f32 = 210.0 * MM;
const PAGE_HEIGHT: f32 = 297.0 * MM;
const MARGIN: f32 = 18.0 * MM;
/// Lowest baseline for body text: below it are the footer and the margin.
const BODY_BOTTOM: f32 = 26.0 * MM;
const QR_MODULE_MM: f32 = 0.55;
const QR_MIN_MM: f32 = 45.0;
const QR_MAX_MM: f32 = 70.0;

/// The scripts the shipped fonts print, for messages and documentation.
pub const SUPPORTED_SCRIPTS: &str = "Latin (with Latin Extended), Greek and Cyrillic";

/// Why a certificate could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// A field has characters the shipped fonts cannot show.
    Unprintable {
        /// The field, as a path such as `subject.full_name`.
        field: String,
        /// The characters, with their code points.
        characters: String,
    },
    /// A shipped font could not be read or subset (a bug, not an input problem).
    Font(String),
    /// The QR text does not fit a QR code.
    Qr(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unprintable { field, characters } => write!(
                f,
                "{field} has characters the certificate fonts cannot print: {characters}; the \
                 fonts cover {SUPPORTED_SCRIPTS}. Nothing was written"
            ),
            Self::Font(e) => write!(f, "font error: {e}"),
            Self::Qr(e) => write!(f, "QR code: {e}"),
        }
    }
}

impl std::error::Error for RenderError {}

/// One embedded font: its glyphs in use, renumbered for the subset.
struct Font {
    face: ttf_parser::Face<'static>,
    data: &'static [u8],
    name: &'static str,
    remapper: subsetter::GlyphRemapper,
    /// Subset glyph id to the character it shows (for the ToUnicode map).
    characters: BTreeMap<u16, char>,
    /// Glyph and advance of the characters below U+0250, if known for this font.
    latin: &'static [Option<(u16, u16)>],
}

impl Font {
    fn load(data: &'static [u8], name: &'static str) -> Result<Self, RenderError> {
        let face =
            ttf_parser::Face::parse(data, 0).map_err(|e| RenderError::Font(e.to_string()))?;
        Ok(Self {
            face,
            data,
            name,
            remapper: subsetter::GlyphRemapper::new(),
            characters: BTreeMap::new(),
            latin: if name == REGULAR_NAME {
                LATIN_GLYPHS.as_slice()
            } else {
                &[]
            },
        })
    }

    fn covers(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// The glyph of `c` and its advance in font units: from a table made once for the Latin
    /// characters (most of every certificate's text, looked up several times each while laying
    /// it out), else from the font's character map.
    fn glyph(&self, c: char) -> Option<(u16, u16)> {
        match self.latin.get(c as usize) {
            Some(known) => *known,
            None => self
                .face
                .glyph_index(c)
                .map(|g| (g.0, self.face.glyph_hor_advance(g).unwrap_or(0))),
        }
    }

    /// Advance of `c` in thousandths of the font size.
    fn advance(&self, c: char) -> f32 {
        let advance = match self.glyph(c) {
            Some((_, advance)) => advance,
            None => self
                .face
                .glyph_hor_advance(ttf_parser::GlyphId(0))
                .unwrap_or(0),
        };
        f32::from(advance) * 1000.0 / f32::from(self.face.units_per_em())
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size / 1000.0
    }

    /// The text as hex glyph ids of the subset, recording every glyph used.
    fn encode(&mut self, text: &str) -> String {
        let mut hex = String::with_capacity(text.len() * 4);
        for c in text.chars() {
            let glyph = self.glyph(c).map_or(0, |(g, _)| g);
            let new = self.remapper.remap(glyph);
            self.characters.entry(new).or_insert(c);
            push_hex4(&mut hex, new);
        }
        hex
    }
}

/// A page's content stream under construction. One font is embedded; bold text is the same
/// glyphs filled and stroked (text rendering mode 2), which saves a second font (about 10 KB a
/// PDF, and its subsetting and compression) and prints and extracts the same.
struct Layout {
    fonts: [Font; 1],
    pages: Vec<String>,
    /// The page being drawn on.
    current: usize,
    y: f32,
    /// The structure tree (PDF/UA): what each piece of content is, in reading order.
    tags: Tags,
}

/// A structure element of the tagged PDF.
struct Element {
    /// The standard structure type: Document, H1, P, Table, TR, TH, TD, Figure...
    kind: &'static str,
    /// The parent element; `None` for the document element (its parent is the tree root).
    parent: Option<usize>,
    kids: Vec<Kid>,
    /// The page its marked content is on (leaf elements draw on one page).
    page: Option<usize>,
    /// Alternative text (the QR code's).
    alt: Option<&'static str>,
    /// For TH: Row or Column.
    scope: Option<&'static str>,
}

enum Kid {
    Element(usize),
    /// A marked-content sequence on the element's page.
    Content(u32),
}

/// The structure tree being built as the page is drawn, and for each page which element each
/// marked-content id belongs to (the ParentTree).
struct Tags {
    elements: Vec<Element>,
    /// Per page: element of each MCID, in MCID order.
    marks: Vec<Vec<usize>>,
}

/// The document element, root of every other.
const DOCUMENT: usize = 0;

impl Tags {
    fn new() -> Self {
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
    fn detached(&mut self, kind: &'static str) -> usize {
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
    fn attach(&mut self, parent: usize, child: usize) {
        self.elements[child].parent = Some(parent);
        self.elements[parent].kids.push(Kid::Element(child));
    }

    /// A new element as the last kid of `parent`.
    fn add(&mut self, parent: usize, kind: &'static str) -> usize {
        let child = self.detached(kind);
        self.attach(parent, child);
        child
    }

    /// A new TH (with its scope) or TD holding `kind`'s content.
    fn cell(&mut self, row: usize, kind: &'static str, scope: Option<&'static str>) -> usize {
        let cell = self.add(row, kind);
        self.elements[cell].scope = scope;
        cell
    }

    /// The next marked-content id on `page`, for content of `element`.
    fn mark(&mut self, page: usize, element: usize) -> u32 {
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
enum Mark {
    In(usize),
    Artifact,
    Pagination,
}

/// Text styles: which font to measure with, and whether to embolden.
const REGULAR_FONT: usize = 0;
const BOLD_FONT: usize = 1;

impl Layout {
    fn page(&mut self) -> &mut String {
        &mut self.pages[self.current]
    }

    /// Opens a marked-content sequence for `mark` on the current page.
    fn begin(&mut self, mark: Mark) {
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

    fn end(&mut self) {
        self.page().push_str("EMC\n");
    }

    fn text(&mut self, mark: Mark, x: f32, y: f32, style: usize, size: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        self.begin(mark);
        let hex = self.fonts[0].encode(text);
        // The rendering mode is part of the graphics state and outlives ET: set it every time.
        let bold = if style == BOLD_FONT {
            format!("2 Tr {:.2} w ", size * 0.035)
        } else {
            "0 Tr ".to_string()
        };
        let _ = writeln!(
            self.page(),
            "BT /F1 {size:.2} Tf {bold}{x:.2} {y:.2} Td <{hex}> Tj ET"
        );
        self.end();
    }

    /// A horizontal rule: decoration, so an artifact.
    fn rule(&mut self, x1: f32, x2: f32, y: f32, gray: f32) {
        let _ = writeln!(
            self.page(),
            "/Artifact BMC\n{gray:.2} G 0.5 w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S 0 G\nEMC"
        );
    }

    /// Splits `text` into lines no wider than `width`, at spaces where possible. Widths are
    /// added up word by word rather than measured again for every candidate line.
    fn wrap(&self, style: usize, size: f32, text: &str, width: f32) -> Vec<String> {
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

    fn new_page(&mut self) {
        self.pages.push(String::new());
        self.current = self.pages.len() - 1;
        self.y = PAGE_HEIGHT - MARGIN - 10.0;
    }

    /// Starts a new page unless `height` more fits above the footer.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < BODY_BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }
}

/// Checks that the shipped fonts can print every character of the certificate.
pub fn check_printable(certificate: &Certificate) -> Result<(), RenderError> {
    let font = Font::load(REGULAR, REGULAR_NAME)?;
    for (field, text) in summary::text_fields(certificate) {
        let mut missing: Vec<char> = text.chars().filter(|&c| !font.covers(c)).collect();
        missing.dedup();
        if !missing.is_empty() {
            let characters = missing
                .iter()
                .map(|c| format!("{c:?} (U+{:04X})", u32::from(*c)))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(RenderError::Unprintable { field, characters });
        }
    }
    Ok(())
}

/// Renders a signed certificate as a PDF. The same certificate always gives the same bytes.
pub fn render(
    certificate: &Certificate,
    signed: &SignedCertificate,
) -> Result<Vec<u8>, RenderError> {
    render_with_qr(certificate, signed, &signed.to_qr_text())
}

/// Renders with `qr_text` as the QR code drawn on page 1, and `signed` attached. Normally the
/// QR text is `signed`'s own ([`render`]); any other text makes the substituted PDF a forger
/// would, which verifiers must catch (and tests need).
pub fn render_with_qr(
    certificate: &Certificate,
    signed: &SignedCertificate,
    qr_text: &str,
) -> Result<Vec<u8>, RenderError> {
    render_edition(certificate, Edition::Signed { signed, qr_text })
}

pub use goodstanding_verifier::summary::DRAFT_MARK;

/// Renders the draft of a certificate for the person it names to check before it is signed:
/// the same layout, with [`DRAFT_MARK`] at the top of every page and "DRAFT" across it, and no
/// QR code, certificate id, signing key or attachment.
pub fn render_draft(certificate: &Certificate) -> Result<Vec<u8>, RenderError> {
    render_edition(certificate, Edition::Draft)
}

/// What is rendered: a signed certificate, or the draft of one.
#[derive(Clone, Copy)]
enum Edition<'a> {
    /// The QR code of `qr_text` drawn, `signed` attached.
    Signed {
        signed: &'a SignedCertificate,
        qr_text: &'a str,
    },
    /// No QR code, no id, no attachment; marked as a draft on every page.
    Draft,
}

fn render_edition(certificate: &Certificate, edition: Edition<'_>) -> Result<Vec<u8>, RenderError> {
    check_printable(certificate)?;
    let mut layout = Layout {
        fonts: [Font::load(REGULAR, REGULAR_NAME)?],
        pages: vec![String::new()],
        current: 0,
        y: PAGE_HEIGHT - MARGIN,
        tags: Tags::new(),
    };
    match edition {
        Edition::Signed { qr_text, .. } => {
            let matrix = qr::encode(qr_text).map_err(|e| RenderError::Qr(format!("{e:?}")))?;
            let (figure, caption, qr_bottom) = draw_qr(&mut layout, &matrix);
            let qr_left = PAGE_WIDTH - MARGIN - qr_size(&matrix);
            // Text stays clear of the QR code's quiet zone (4 modules) and then some.
            let left_width = qr_left - MARGIN - 8.0 * MM;
            draw_heading(&mut layout, certificate, left_width, false);
            // In reading order the QR code and its caption come after the subject block.
            layout.tags.attach(DOCUMENT, figure);
            layout.tags.attach(DOCUMENT, caption);
            layout.y = layout.y.min(qr_bottom - 10.0 * MM);
        }
        Edition::Draft => {
            let banner = layout.tags.add(DOCUMENT, "P");
            layout.text(
                Mark::In(banner),
                MARGIN,
                PAGE_HEIGHT - MARGIN + 2.0,
                BOLD_FONT,
                11.0,
                DRAFT_MARK,
            );
            draw_heading(&mut layout, certificate, PAGE_WIDTH - 2.0 * MARGIN, true);
        }
    }
    for (title, records) in summary::sections(certificate) {
        draw_section(&mut layout, title, &records);
    }
    draw_footers(&mut layout, certificate, edition);
    write_pdf(layout, certificate, edition)
}

fn qr_size(matrix: &qr::QrMatrix) -> f32 {
    (matrix.width() as f32 * QR_MODULE_MM).clamp(QR_MIN_MM, QR_MAX_MM) * MM
}

/// What a screen reader says of the QR code.
const QR_ALT: &str = "QR code holding the whole signed certificate. Scan it with a goodstanding \
                      verifier, or check this PDF with goodstanding verify, to see that the \
                      certificate is genuine, current and not revoked.";

/// Draws the QR code at the top right of page 1; returns its Figure element and its caption's
/// P (neither yet placed in the tree) and the y of the caption.
fn draw_qr(layout: &mut Layout, matrix: &qr::QrMatrix) -> (usize, usize, f32) {
    let size = qr_size(matrix);
    let n = matrix.width();
    let module = size / n as f32;
    let (left, top) = (PAGE_WIDTH - MARGIN - size, PAGE_HEIGHT - MARGIN);
    // In module units (one module = 1), with y growing downwards from the top edge, so that
    // each rectangle is a short `x y w h re`. Dark modules are covered greedily: from the first
    // uncovered one, as far right as the run goes, then down while that whole span is dark.
    let bottom = top - size;
    let figure = layout.tags.detached("Figure");
    layout.tags.elements[figure].alt = Some(QR_ALT);
    layout.begin(Mark::In(figure));
    let mut ops = format!(
        "q 0 g {module:.4} 0 0 {:.4} {left:.3} {top:.3} cm\n",
        -module
    );
    let mut covered = vec![false; n * n];
    for y in 0..n {
        for x in 0..n {
            if covered[y * n + x] || !matrix.is_dark(x, y) {
                continue;
            }
            let mut width = 1;
            while x + width < n && matrix.is_dark(x + width, y) && !covered[y * n + x + width] {
                width += 1;
            }
            let mut height = 1;
            while y + height < n
                && (x..x + width)
                    .all(|c| matrix.is_dark(c, y + height) && !covered[(y + height) * n + c])
            {
                height += 1;
            }
            for row in y..y + height {
                covered[row * n + x..row * n + x + width].fill(true);
            }
            for number in [x, y, width, height] {
                push_decimal(&mut ops, number);
                ops.push(' ');
            }
            ops.push_str("re\n");
        }
    }
    ops.push_str("f Q\n");
    layout.page().push_str(&ops);
    layout.end();
    let caption = layout.tags.detached("P");
    let caption_y = bottom - 4.0 * module - 9.0;
    layout.text(
        Mark::In(caption),
        left,
        caption_y,
        REGULAR_FONT,
        7.5,
        "Scan to verify the signed record.",
    );
    (figure, caption, caption_y)
}

fn draw_heading(layout: &mut Layout, c: &Certificate, width: f32, draft: bool) {
    let x = MARGIN;
    layout.y = PAGE_HEIGHT - MARGIN - 16.0;
    let title = layout.tags.add(DOCUMENT, "H1");
    layout.text(
        Mark::In(title),
        x,
        layout.y,
        BOLD_FONT,
        17.0,
        "Certificate of good standing",
    );
    layout.y -= 14.0;
    let issuer = layout.tags.add(DOCUMENT, "P");
    for line in layout.wrap(
        REGULAR_FONT,
        9.0,
        &format!("Issued by {}", c.issuer.name),
        width,
    ) {
        layout.text(Mark::In(issuer), x, layout.y, REGULAR_FONT, 9.0, &line);
        layout.y -= 11.0;
    }
    layout.y -= 12.0;
    let name = layout.tags.add(DOCUMENT, "P");
    for line in layout.wrap(BOLD_FONT, 14.0, &c.subject.full_name, width) {
        layout.text(Mark::In(name), x, layout.y, BOLD_FONT, 14.0, &line);
        layout.y -= 17.0;
    }
    let s = &c.subject;
    let join = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join("; ")
        }
    };
    let mut rows = vec![
        ("Date of birth", s.date_of_birth.to_string()),
        (
            "Previous names",
            join(s.previous_names.iter().map(ToString::to_string).collect()),
        ),
        (
            "Registrations",
            join(
                s.registrations
                    .iter()
                    .map(|r| format!("{} {}", r.regulator, r.number))
                    .collect(),
            ),
        ),
    ];
    if let Some(role) = &s.role_applied_for {
        rows.push(("Role applied for", role.to_string()));
    }
    rows.extend([
        ("Subject reference", s.reference.to_string()),
        ("Valid from", c.valid_from.to_string()),
        ("Valid until", c.valid_until.to_string()),
        ("Record as at", c.information_as_at.to_string()),
    ]);
    // A draft has neither: it is not signed, and gets its id when it is.
    if !draft {
        rows.extend([
            ("Certificate id", c.id.to_string()),
            ("Signing key", c.issuer.kid.to_string()),
        ]);
    }
    if let Some(old) = &c.supersedes {
        rows.push(("Replaces", format!("certificate {old}, now revoked")));
    }
    let label_width = 33.0 * MM;
    // The subject block is a two-column table: a row header (TH) and its value (TD) per row.
    let table = layout.tags.add(DOCUMENT, "Table");
    for (label, value) in rows {
        let row = layout.tags.add(table, "TR");
        let header = layout.tags.cell(row, "TH", Some("Row"));
        layout.text(Mark::In(header), x, layout.y, BOLD_FONT, 8.0, label);
        let data = layout.tags.cell(row, "TD", None);
        for line in layout.wrap(REGULAR_FONT, 9.0, &value, width - label_width) {
            layout.text(
                Mark::In(data),
                x + label_width,
                layout.y,
                REGULAR_FONT,
                9.0,
                &line,
            );
            layout.y -= 11.5;
        }
    }
    if c.has_pending_appeal() {
        layout.y -= 4.0;
        let appeal = layout.tags.add(DOCUMENT, "P");
        layout.text(
            Mark::In(appeal),
            x,
            layout.y,
            BOLD_FONT,
            9.5,
            "APPEAL PENDING on at least one record below.",
        );
        layout.y -= 12.0;
    }
}

/// Column positions (left edges) and widths of the record tables.
const COLUMNS: [(f32, f32); 3] = [
    (0.0, 27.0 * MM),
    (29.0 * MM, 58.0 * MM),
    (89.0 * MM, 85.0 * MM),
];

/// The record tables' column headers.
const COLUMN_HEADERS: [&str; 3] = ["Date", "Decided by / employer", "Details"];

fn draw_section(layout: &mut Layout, title: &str, records: &[summary::RecordSummary]) {
    let x = MARGIN;
    let right = PAGE_WIDTH - MARGIN;
    layout.ensure(40.0);
    layout.y -= 8.0;
    let heading_element = layout.tags.add(DOCUMENT, "H2");
    // The heading repeated on a following page is an artifact: it was read once already.
    let heading = |layout: &mut Layout, continued: bool| {
        let (text, mark) = if continued {
            (format!("{title} (continued)"), Mark::Artifact)
        } else {
            (title.to_string(), Mark::In(heading_element))
        };
        layout.text(mark, x, layout.y, BOLD_FONT, 11.5, &text);
        layout.y -= 5.0;
        layout.rule(x, right, layout.y, 0.0);
        layout.y -= 11.0;
    };
    heading(layout, false);
    if records.is_empty() {
        let none = layout.tags.add(DOCUMENT, "P");
        layout.text(
            Mark::In(none),
            x,
            layout.y,
            REGULAR_FONT,
            9.0,
            "None recorded.",
        );
        layout.y -= 14.0;
        return;
    }
    let table = layout.tags.add(DOCUMENT, "Table");
    let header_row = layout.tags.add(table, "TR");
    let header_cells: Vec<usize> = (0..COLUMN_HEADERS.len())
        .map(|_| layout.tags.cell(header_row, "TH", Some("Column")))
        .collect();
    let header = |layout: &mut Layout, marks: &[Mark]| {
        for (((left, _), name), mark) in COLUMNS.iter().zip(COLUMN_HEADERS).zip(marks) {
            layout.text(*mark, x + left, layout.y, BOLD_FONT, 8.0, name);
        }
        layout.y -= 12.0;
    };
    let first_marks: Vec<Mark> = header_cells.iter().map(|&c| Mark::In(c)).collect();
    header(layout, &first_marks);
    for record in records {
        let when = layout.wrap(
            REGULAR_FONT,
            8.5,
            &record.when.replace(" to ", " to\u{a0}"),
            COLUMNS[0].1,
        );
        let who = layout.wrap(REGULAR_FONT, 8.5, &record.who, COLUMNS[1].1);
        let mut what = layout.wrap(REGULAR_FONT, 8.5, &record.what, COLUMNS[2].1);
        if record.appeal_pending {
            what.push(String::new());
        }
        let lines = when.len().max(who.len()).max(what.len());
        let height = lines as f32 * 10.5 + 6.0;
        if layout.ensure(height) {
            heading(layout, true);
            header(layout, &[Mark::Artifact; 3]);
        }
        let row = layout.tags.add(table, "TR");
        let cells: Vec<usize> = (0..3).map(|_| layout.tags.cell(row, "TD", None)).collect();
        let top = layout.y;
        for (column, cell) in [when, who].into_iter().enumerate() {
            for (i, line) in cell.iter().enumerate() {
                layout.text(
                    Mark::In(cells[column]),
                    x + COLUMNS[column].0,
                    top - i as f32 * 10.5,
                    REGULAR_FONT,
                    8.5,
                    line,
                );
            }
        }
        for (i, line) in what.iter().enumerate() {
            let y = top - i as f32 * 10.5;
            let mark = Mark::In(cells[2]);
            if record.appeal_pending && i == what.len() - 1 {
                layout.text(mark, x + COLUMNS[2].0, y, BOLD_FONT, 8.5, "APPEAL PENDING");
            } else {
                layout.text(mark, x + COLUMNS[2].0, y, REGULAR_FONT, 8.5, line);
            }
        }
        layout.y = top - lines as f32 * 10.5 - 1.0;
        layout.rule(x, right, layout.y + 6.0, 0.7);
        layout.y -= 5.0;
    }
}

/// How to verify, in every page's footer.
const HOW_TO_VERIFY: &str = "To verify: scan the QR code with a goodstanding verifier, or check \
                             this PDF with `goodstanding verify`; the signed certificate (.jws) \
                             is attached.";

/// What a draft says in its footer instead of how to verify.
const DRAFT_FOOTER: &str = "Shown to the person it names before it is signed. It has no QR code \
                            and no signature: it cannot be verified and is not a certificate.";

/// The footers: the certificate id (a draft: the draft mark) and page number are pagination
/// artifacts on every page; how to verify (a draft: what it is) is read once, at the end, from
/// page 1's footer. A draft also has its mark at the top of every page (read once, on page 1)
/// and "DRAFT" across every page, beneath the text.
fn draw_footers(layout: &mut Layout, c: &Certificate, edition: Edition<'_>) {
    let count = layout.pages.len();
    let draft = matches!(edition, Edition::Draft);
    let id = if draft {
        DRAFT_MARK.to_string()
    } else {
        format!("Certificate {}", c.id)
    };
    let closing = if draft { DRAFT_FOOTER } else { HOW_TO_VERIFY };
    let how = layout.tags.add(DOCUMENT, "P");
    for index in 0..count {
        layout.current = index;
        let y = 15.0 * MM;
        layout.rule(MARGIN, PAGE_WIDTH - MARGIN, y + 10.0, 0.5);
        layout.text(Mark::Pagination, MARGIN, y, REGULAR_FONT, 7.5, &id);
        let page = format!("Page {} of {count}", index + 1);
        let width = layout.fonts[0].width(&page, 7.5);
        layout.text(
            Mark::Pagination,
            PAGE_WIDTH - MARGIN - width,
            y,
            REGULAR_FONT,
            7.5,
            &page,
        );
        let mark = if index == 0 {
            Mark::In(how)
        } else {
            Mark::Pagination
        };
        layout.text(mark, MARGIN, y - 10.0, REGULAR_FONT, 7.0, closing);
        if draft {
            if index > 0 {
                layout.text(
                    Mark::Pagination,
                    MARGIN,
                    PAGE_HEIGHT - MARGIN + 2.0,
                    BOLD_FONT,
                    11.0,
                    DRAFT_MARK,
                );
            }
            draw_watermark(layout, index);
        }
    }
}

/// "DRAFT" in large light grey across the page, beneath everything else on it.
fn draw_watermark(layout: &mut Layout, page: usize) {
    let size = 150.0;
    let word = "DRAFT";
    let hex = layout.fonts[0].encode(word);
    let width = layout.fonts[0].width(word, size);
    // Rotated 45 degrees about the page's centre.
    let (cos, sin) = (
        std::f32::consts::FRAC_1_SQRT_2,
        std::f32::consts::FRAC_1_SQRT_2,
    );
    let (cx, cy) = (PAGE_WIDTH / 2.0, PAGE_HEIGHT / 2.0);
    let (dx, dy) = (width / 2.0, size * 0.35);
    let x = cx - (dx * cos - dy * sin);
    let y = cy - (dx * sin + dy * cos);
    let watermark = format!(
        "/Artifact BMC\nq 0.85 g BT /F1 {size:.2} Tf 0 Tr {cos:.4} {sin:.4} {:.4} {cos:.4} \
         {x:.2} {y:.2} Tm <{hex}> Tj ET Q\nEMC\n",
        -sin
    );
    layout.pages[page].insert_str(0, &watermark);
}

/// Appends `n` in decimal: what `write!(out, "{n}")` writes, without the formatting machinery,
/// which took a tenth of a certificate's time in the QR code's thousands of rectangles.
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

/// Appends `n` as four upper-case hexadecimal digits: what `write!(out, "{n:04X}")` writes.
fn push_hex4(out: &mut String, n: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((n >> shift) & 0xF)]));
    }
}

/// A PDF text string: literal for printable ASCII, otherwise UTF-16BE with a byte-order mark.
fn text_string(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        format!("({escaped})")
    } else {
        let mut hex = String::from("<FEFF");
        for unit in text.encode_utf16() {
            let _ = write!(hex, "{unit:04X}");
        }
        hex.push('>');
        hex
    }
}

/// Writes numbered objects: streams directly into the file, every other object into one
/// compressed object stream (PDF 1.5), located by a cross-reference stream at the end. The
/// structure tree's many small dictionaries compress to a few per cent of their size this way.
struct Writer {
    out: Vec<u8>,
    /// File offsets of the objects written directly.
    offsets: BTreeMap<u32, usize>,
    /// The objects that go into the object stream, by number.
    packed: BTreeMap<u32, String>,
}

impl Writer {
    fn object(&mut self, id: u32, body: &str) {
        self.packed.insert(id, body.to_string());
    }

    fn stream(&mut self, id: u32, dictionary: &str, data: &[u8], compress: bool) {
        self.offsets.insert(id, self.out.len());
        let (data, filter) = match compress.then(|| zlib(data)).flatten() {
            Some(compressed) => (compressed, " /Filter /FlateDecode"),
            None => (data.to_vec(), ""),
        };
        self.out.extend_from_slice(
            format!(
                "{id} 0 obj\n<< {dictionary} /Length {}{filter} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        self.out.extend_from_slice(&data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// Writes the object stream and the cross-reference stream (with the trailer's entries),
    /// and returns the file.
    fn finish(mut self, root: u32, info: u32) -> Vec<u8> {
        let last = self
            .offsets
            .keys()
            .chain(self.packed.keys())
            .max()
            .copied()
            .unwrap_or(0);
        let (object_stream, xref_stream) = (last + 1, last + 2);
        let mut index = String::new();
        let mut bodies = String::new();
        let mut slots = BTreeMap::new();
        for (slot, (id, body)) in self.packed.iter().enumerate() {
            let _ = write!(index, "{id} {} ", bodies.len());
            bodies.push_str(body);
            bodies.push('\n');
            slots.insert(*id, slot);
        }
        let first = index.len();
        let data = format!("{index}{bodies}");
        self.stream(
            object_stream,
            &format!("/Type /ObjStm /N {} /First {first}", self.packed.len()),
            data.as_bytes(),
            true,
        );
        // The file identifier is a hash of the content, so it too is the same every time.
        let id: String = Sha256::digest(&self.out)
            .iter()
            .take(16)
            .map(|b| format!("{b:02X}"))
            .collect();
        let xref_offset = self.out.len();
        self.offsets.insert(xref_stream, xref_offset);
        // Each entry: type (1 byte), offset or object stream (4 bytes), generation or slot (2).
        let mut entries = Vec::with_capacity(7 * (xref_stream as usize + 1));
        for number in 0..=xref_stream {
            let (kind, field, second): (u8, u32, u16) =
                if let Some(offset) = self.offsets.get(&number) {
                    (1, u32::try_from(*offset).unwrap_or(u32::MAX), 0)
                } else if let Some(slot) = slots.get(&number) {
                    (2, object_stream, u16::try_from(*slot).unwrap_or(u16::MAX))
                } else {
                    (0, 0, if number == 0 { 65535 } else { 0 })
                };
            entries.push(kind);
            entries.extend_from_slice(&field.to_be_bytes());
            entries.extend_from_slice(&second.to_be_bytes());
        }
        self.stream(
            xref_stream,
            &format!(
                "/Type /XRef /Size {} /W [1 4 2] /Root {root} 0 R /Info {info} 0 R /ID [<{id}> \
                 <{id}>]",
                xref_stream + 1
            ),
            &entries,
            true,
        );
        self.out
            .extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
        self.out
    }
}

/// zlib (FlateDecode) with libdeflate at level 4. On a certificate's streams (the font subset,
/// the page, the ToUnicode map, the attachment; 60 KB) it takes 344 us and gives 22,223 bytes,
/// against 606 us and 22,822 bytes for zlib-rs at level 4 (the writer before) and 546 us and
/// 21,416 bytes for libdeflate at level 6. Deterministic: the same input gives the same bytes.
/// `None` only if libdeflate fails, which it cannot with a buffer of the size it asks for; the
/// caller then stores the stream uncompressed rather than write a broken one.
/// One compressor per thread, made once: making one allocates and clears half a megabyte, which
/// cost more than compressing a small stream.
fn zlib(data: &[u8]) -> Option<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<libdeflater::Compressor>> =
            const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            *slot = Some(libdeflater::Compressor::new(
                libdeflater::CompressionLvl::new(4).ok()?,
            ));
        }
        let compressor = slot.as_mut()?;
        let mut out = vec![0; compressor.zlib_compress_bound(data.len())];
        let written = compressor.zlib_compress(data, &mut out).ok()?;
        out.truncate(written);
        Some(out)
    })
}

/// Object numbers: fixed, so the output is the same every time.
const CATALOG: u32 = 1;
const PAGES: u32 = 2;
const INFO: u32 = 3;
const FIRST_FONT: u32 = 4;
const OBJECTS_PER_FONT: u32 = 5;
const EMBEDDED_FILE: u32 = 9;
const FILE_SPEC: u32 = 10;
const METADATA: u32 = 11;
const OUTPUT_PROFILE: u32 = 12;
const STRUCT_TREE: u32 = 13;
/// Pages take two objects each (the page and its content); the structure elements follow.
const FIRST_PAGE: u32 = 14;

/// The output intent's ICC profile: sRGB, 632 bytes (made by tools/make_srgb_icc.py).
const SRGB_PROFILE: &[u8] = include_bytes!("../color/sRGB-v2-small.icc");

/// The document's language (BCP 47): the labels and headings are in British English.
const LANGUAGE: &str = "en-GB";

/// Escapes text for XML character data.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XMP metadata packet (ISO 16684-1): what the Info dictionary says, in the same words, and
/// the PDF/A-3B and PDF/UA-1 identification, with the extension schema PDF/A requires for
/// `pdfuaid` (not one of its predefined schemas).
fn xmp(title: &str, author: &str, subject: &str, producer: &str, created: &str) -> String {
    let (title, author, subject) = (xml_escape(title), xml_escape(author), xml_escape(subject));
    let bom = '\u{feff}';
    format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>
<xmp:CreatorTool>goodstanding</xmp:CreatorTool>
<xmp:CreateDate>{created}</xmp:CreateDate>
<pdf:Producer>{producer}</pdf:Producer>
<pdfaid:part>3</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<pdfuaid:part>1</pdfuaid:part>
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"#
    )
}

/// A structure element as a PDF dictionary.
fn element_dictionary(tags: &Tags, index: usize, first_element: u32) -> String {
    let element = &tags.elements[index];
    let parent = element
        .parent
        .map_or(STRUCT_TREE, |p| first_element + p as u32);
    let mut out = format!("<< /S /{} /P {parent} 0 R", element.kind);
    if let Some(page) = element.page {
        let _ = write!(out, " /Pg {} 0 R", FIRST_PAGE + 2 * page as u32);
    }
    if !element.kids.is_empty() {
        out.push_str(" /K [");
        for (i, kid) in element.kids.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            match kid {
                Kid::Element(e) => {
                    let _ = write!(out, "{} 0 R", first_element + *e as u32);
                }
                Kid::Content(mcid) => {
                    let _ = write!(out, "{mcid}");
                }
            }
        }
        out.push(']');
    }
    if let Some(alt) = element.alt {
        let _ = write!(out, " /Alt {}", text_string(alt));
    }
    if let Some(scope) = element.scope {
        let _ = write!(out, " /A << /O /Table /Scope /{scope} >>");
    }
    out.push_str(" >>");
    out
}

fn write_font(writer: &mut Writer, font: &Font, first: u32) -> Result<(), RenderError> {
    let subset = subsetter::subset(font.data, 0, &font.remapper)
        .map_err(|e| RenderError::Font(format!("{e:?}")))?;
    // The subset tag: six capitals from a hash of the glyphs, as PDF 32000 9.6.4 asks.
    let digest = Sha256::digest(format!("{}{:?}", font.name, font.characters).as_bytes());
    let tag: String = digest
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let base = format!("{tag}+{}", font.name);
    let face = &font.face;
    let scale = |v: i16| f32::from(v) * 1000.0 / f32::from(face.units_per_em());
    let bbox = face.global_bounding_box();
    let mut widths = String::new();
    for new in 0..font.remapper.num_gids() {
        let c = font.characters.get(&new).copied().unwrap_or('\0');
        let _ = write!(
            widths,
            "{:.0} ",
            if new == 0 { 0.0 } else { font.advance(c) }
        );
    }
    writer.object(
        first,
        &format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H \
             /DescendantFonts [{} 0 R] /ToUnicode {} 0 R >>",
            first + 1,
            first + 4
        ),
    );
    writer.object(
        first + 1,
        &format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} /CIDSystemInfo << /Registry \
             (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {} 0 R \
             /CIDToGIDMap /Identity /W [0 [{}]] >>",
            first + 2,
            widths.trim_end()
        ),
    );
    writer.object(
        first + 2,
        &format!(
            "<< /Type /FontDescriptor /FontName /{base} /Flags 32 /FontBBox [{:.0} {:.0} {:.0} \
             {:.0}] /ItalicAngle 0 /Ascent {:.0} /Descent {:.0} /CapHeight {:.0} /StemV 80 \
             /FontFile2 {} 0 R >>",
            scale(bbox.x_min),
            scale(bbox.y_min),
            scale(bbox.x_max),
            scale(bbox.y_max),
            scale(face.ascender()),
            scale(face.descender()),
            scale(face.capital_height().unwrap_or(face.ascender())),
            first + 3
        ),
    );
    writer.stream(
        first + 3,
        &format!("/Length1 {}", subset.len()),
        &subset,
        true,
    );
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << \
         /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS \
         def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<_> = font
        .characters
        .iter()
        .filter(|(gid, _)| **gid != 0)
        .collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for (gid, c) in chunk {
            let mut unicode = String::new();
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(unicode, "{unit:04X}");
            }
            let _ = writeln!(cmap, "<{gid:04X}> <{unicode}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    writer.stream(first + 4, "", cmap.as_bytes(), true);
    Ok(())
}

fn write_pdf(
    layout: Layout,
    c: &Certificate,
    edition: Edition<'_>,
) -> Result<Vec<u8>, RenderError> {
    let mut writer = Writer {
        out: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(),
        offsets: BTreeMap::new(),
        packed: BTreeMap::new(),
    };
    let page_count = layout.pages.len() as u32;
    let kids: Vec<String> = (0..page_count)
        .map(|i| format!("{} 0 R", FIRST_PAGE + 2 * i))
        .collect();
    let first_element = FIRST_PAGE + 2 * page_count;
    let attachment = format!("{}.jws", c.id);
    let (title, subject, attached) = match edition {
        Edition::Signed { .. } => (
            format!("Certificate of good standing: {}", c.subject.full_name),
            format!("Certificate {}", c.id),
            format!(
                "/Names << /EmbeddedFiles << /Names [{} {FILE_SPEC} 0 R] >> >> /AF [{FILE_SPEC} \
                 0 R] ",
                text_string(&attachment)
            ),
        ),
        Edition::Draft => (
            format!(
                "DRAFT certificate of good standing: {}",
                c.subject.full_name
            ),
            DRAFT_MARK.to_string(),
            String::new(),
        ),
    };
    let producer = format!("goodstanding {}", env!("CARGO_PKG_VERSION"));
    writer.object(
        CATALOG,
        &format!(
            "<< /Type /Catalog /Pages {PAGES} 0 R {attached}/Metadata {METADATA} 0 R \
             /OutputIntents [<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier \
             (sRGB IEC61966-2.1) /Info (sRGB IEC61966-2.1) /DestOutputProfile {OUTPUT_PROFILE} \
             0 R >>] /MarkInfo << /Marked true >> /StructTreeRoot {STRUCT_TREE} 0 R /Lang \
             ({LANGUAGE}) /ViewerPreferences << /DisplayDocTitle true >> >>"
        ),
    );
    writer.object(
        PAGES,
        &format!(
            "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
            kids.join(" ")
        ),
    );
    let issued = c.issued_at.to_string();
    let pdf_date: String = issued.chars().filter(char::is_ascii_digit).collect();
    writer.object(
        INFO,
        &format!(
            "<< /Title {} /Subject {} /Author {} /Creator (goodstanding) /Producer \
             ({producer}) /CreationDate (D:{pdf_date}Z) >>",
            text_string(&title),
            text_string(&subject),
            text_string(&c.issuer.name),
        ),
    );
    let fonts: Vec<String> = (0..layout.fonts.len() as u32)
        .map(|f| format!("/F{} {} 0 R", f + 1, FIRST_FONT + f * OBJECTS_PER_FONT))
        .collect();
    for (i, font) in layout.fonts.iter().enumerate() {
        write_font(&mut writer, font, FIRST_FONT + i as u32 * OBJECTS_PER_FONT)?;
    }
    if let Edition::Signed { signed, .. } = edition {
        let jws = format!("{}\n", signed.to_compact());
        writer.stream(
            EMBEDDED_FILE,
            &format!(
                "/Type /EmbeddedFile /Subtype /application#2Fjose /Params << /Size {} /CreationDate \
                 (D:{pdf_date}Z) /ModDate (D:{pdf_date}Z) >>",
                jws.len()
            ),
            jws.as_bytes(),
            true,
        );
        writer.object(
            FILE_SPEC,
            &format!(
                "<< /Type /Filespec /F {name} /UF {name} /AFRelationship /Source /Desc (The signed \
                 certificate \\(JWS\\): verify it with the issuer's public key) /EF << /F \
                 {EMBEDDED_FILE} 0 R /UF {EMBEDDED_FILE} 0 R >> >>",
                name = text_string(&attachment)
            ),
        );
    }
    // XMP is not compressed, so that any tool can find and read it.
    let metadata = xmp(&title, &c.issuer.name, &subject, &producer, &issued);
    writer.stream(
        METADATA,
        "/Type /Metadata /Subtype /XML",
        metadata.as_bytes(),
        false,
    );
    writer.stream(OUTPUT_PROFILE, "/N 3", SRGB_PROFILE, true);
    let mut parent_tree = String::new();
    for (page, marks) in layout.tags.marks.iter().enumerate() {
        let refs: Vec<String> = marks
            .iter()
            .map(|e| format!("{} 0 R", first_element + *e as u32))
            .collect();
        let _ = write!(parent_tree, "{page} [{}] ", refs.join(" "));
    }
    writer.object(
        STRUCT_TREE,
        &format!(
            "<< /Type /StructTreeRoot /K [{first_element} 0 R] /ParentTree << /Nums [{}] >> \
             /ParentTreeNextKey {page_count} >>",
            parent_tree.trim_end()
        ),
    );
    for (i, content) in layout.pages.iter().enumerate() {
        let page = FIRST_PAGE + 2 * i as u32;
        writer.object(
            page,
            &format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH:.2} \
                 {PAGE_HEIGHT:.2}] /Resources << /Font << {} >> >> /Contents {} 0 R \
                 /StructParents {i} /Tabs /S >>",
                fonts.join(" "),
                page + 1
            ),
        );
        writer.stream(page + 1, "", content.as_bytes(), true);
    }
    for index in 0..layout.tags.elements.len() {
        writer.object(
            first_element + index as u32,
            &element_dictionary(&layout.tags, index, first_element),
        );
    }
    Ok(writer.finish(CATALOG, INFO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_the_formatter_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 176, 999, 1000, 65_535, usize::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
        for n in [0u16, 1, 0x0A, 0xFF, 0x1234, 0xABCD, u16::MAX] {
            let mut out = String::new();
            push_hex4(&mut out, n);
            assert_eq!(out, format!("{n:04X}"));
        }
    }

    #[test]
    fn a_reused_compressor_gives_the_same_bytes_as_a_new_one() {
        let text = "BT /F1 10.00 Tf 0 Tr 56.69 700.00 Td <0041004200430044> Tj ET\n".repeat(50);
        let first = zlib(text.as_bytes()).unwrap();
        let _other = zlib(b"something else in between");
        assert_eq!(zlib(text.as_bytes()).unwrap(), first);
        let mut fresh = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(4).unwrap());
        let mut out = vec![0; fresh.zlib_compress_bound(text.len())];
        let written = fresh.zlib_compress(text.as_bytes(), &mut out).unwrap();
        assert_eq!(first, out[..written]);
    }
}
