//! What is drawn on the pages of a certificate: the QR code, the heading, a table per list of
//! records, the footers and, on a draft, the watermark.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn qr_size(matrix: &qr::QrMatrix) -> f32 {
    (matrix.width() as f32 * QR_MODULE_MM).clamp(QR_MIN_MM, QR_MAX_MM) * MM
}

/// What a screen reader says of the QR code.
pub(super) const QR_ALT: &str = "QR code holding the whole signed certificate. Scan it with a goodstanding \
                      verifier, or check this PDF with goodstanding verify, to see that the \
                      certificate is genuine, current and not revoked.";

/// Draws the QR code at the top right of page 1; returns its Figure element and its caption's
/// P (neither yet placed in the tree) and the y of the caption.
pub(super) fn draw_qr(layout: &mut Layout, matrix: &qr::QrMatrix) -> (usize, usize, f32) {
    let size = qr_size(matrix);
    draw_qr_at(
        layout,
        matrix,
        (PAGE_WIDTH - MARGIN - size, PAGE_HEIGHT - MARGIN),
        QR_ALT,
        "Scan to verify the signed record.",
    )
}

/// What a screen reader says of one of several QR codes.
pub(super) const QR_PART_ALT: &str = "One of the QR codes that together hold the whole signed \
                      certificate. Scan all of them with a goodstanding verifier, or check this \
                      PDF with goodstanding verify, to see that the certificate is genuine, \
                      current and not revoked.";

/// The sentence on page 1 of a certificate printed with several QR codes.
pub(super) fn qr_parts_notice(count: usize) -> String {
    format!(
        "The signed record is too long for one QR code: it is printed as {count} QR codes on \
         the last page. Scan them all together."
    )
}

/// Draws a certificate's QR codes when there are several (the parts of its QR text), from a
/// new page on, two a row, each captioned with its number: after everything else, so that one
/// photo or scan of that page holds them all.
pub(super) fn draw_qr_parts(layout: &mut Layout, matrices: &[qr::QrMatrix]) {
    let count = matrices.len();
    layout.new_page();
    let heading = layout.tags.add(DOCUMENT, "H2");
    draw_heading_line(
        layout,
        Mark::In(heading),
        &format!("The signed record, in {count} QR codes"),
    );
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let intro = layout.tags.add(DOCUMENT, "P");
    let text = format!(
        "Scan all {count} codes: together they hold the signed certificate. A goodstanding \
         verifier reads them from one photo or scan of this page, or one after another with \
         the camera."
    );
    for line in layout.wrap(REGULAR_FONT, 9.0, &text, width) {
        layout.text(Mark::In(intro), MARGIN, layout.y, REGULAR_FONT, 9.0, &line);
        layout.y -= 11.0;
    }
    layout.y -= 6.0 * MM;
    let column_width = width / 2.0;
    let size = matrices.iter().map(qr_size).fold(0.0, f32::max);
    for (index, matrix) in matrices.iter().enumerate() {
        let column = index % 2;
        if column == 0 {
            layout.ensure(size + 14.0 * MM);
        }
        let left = MARGIN + column as f32 * column_width + (column_width - size) / 2.0;
        let caption_text = format!("Part {} of {count}", index + 1);
        let top = layout.y;
        let (figure, caption, caption_y) =
            draw_qr_at(layout, matrix, (left, top), QR_PART_ALT, &caption_text);
        layout.tags.attach(DOCUMENT, figure);
        layout.tags.attach(DOCUMENT, caption);
        if column == 1 || index + 1 == count {
            layout.y = caption_y - 10.0 * MM;
        } else {
            layout.y = top;
        }
    }
}

/// Draws `matrix` with its top left corner at `(left, top)` and a caption under it; returns
/// its Figure element and its caption's P (neither yet placed in the tree) and the y of the
/// caption.
fn draw_qr_at(
    layout: &mut Layout,
    matrix: &qr::QrMatrix,
    (left, top): (f32, f32),
    alt: &'static str,
    caption_text: &str,
) -> (usize, usize, f32) {
    let size = qr_size(matrix);
    let n = matrix.width();
    let module = size / n as f32;
    // One image a code (an image mask, one bit a module), scaled to its size: a few hundred
    // bytes to compress, where rectangles drawn module by module took tens of kilobytes of
    // content and most of a certificate's rendering time. Without /Interpolate, viewers paint
    // each module as a sharp square.
    let bottom = top - size;
    let figure = layout.tags.detached("Figure");
    layout.tags.elements[figure].alt = Some(alt);
    layout.begin(Mark::In(figure));
    // An image mask paints its 0 samples: dark modules are 0, light ones and each row's
    // padding 1.
    let bits: Vec<u8> = matrix.packed_rows().into_iter().map(|b| !b).collect();
    let name = layout.images.len();
    layout.images.push(QrImage {
        page: layout.current,
        width: n,
        bits,
    });
    let ops = format!("q 0 g {size:.4} 0 0 {size:.4} {left:.3} {bottom:.3} cm /QR{name} Do Q\n");
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
        caption_text,
    );
    (figure, caption, caption_y)
}

pub(super) fn draw_heading(
    layout: &mut Layout,
    c: &Certificate,
    width: f32,
    draft: bool,
    body: Option<&IssuingBody>,
) {
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
    // The issuer as the trust list names it for the key, with its address and where its
    // certificates are checked, when the list names it (version 2).
    let issued_by = match body {
        Some(body) => format!(
            "Issued by {}, {}. Check certificates at {}",
            body.name, body.address, body.check_url
        ),
        None => format!("Issued by {}", c.issuer.name),
    };
    for line in layout.wrap(REGULAR_FONT, 9.0, &issued_by, width) {
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
        ("Valid from", summary::uk_time_in_words(c.valid_from)),
        ("Valid until", summary::uk_time_in_words(c.valid_until)),
        ("Record as at", summary::date_in_words(c.information_as_at)),
    ]);
    if let Some(level) = c.disclosure_level {
        rows.push(("Disclosure level", level.label().to_string()));
    }
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
pub(super) const COLUMNS: [(f32, f32); 3] = [
    (0.0, 27.0 * MM),
    (29.0 * MM, 58.0 * MM),
    (89.0 * MM, 85.0 * MM),
];

/// The record tables' column headers.
pub(super) const COLUMN_HEADERS: [&str; 3] = ["Date", "Decided by / employer", "Details"];

/// A section heading (H2 text) and the rule under it, across the page.
fn draw_heading_line(layout: &mut Layout, mark: Mark, text: &str) {
    layout.text(mark, MARGIN, layout.y, BOLD_FONT, 11.5, text);
    layout.y -= 5.0;
    layout.rule(MARGIN, PAGE_WIDTH - MARGIN, layout.y, 0.0);
    layout.y -= 11.0;
}

/// What the certificate covers and what "None recorded" means (rule 12), after the records.
pub(super) fn draw_coverage(layout: &mut Layout, c: &Certificate) {
    let x = MARGIN;
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    layout.ensure(40.0);
    layout.y -= 8.0;
    let heading = layout.tags.add(DOCUMENT, "H2");
    draw_heading_line(layout, Mark::In(heading), "What this certificate covers");
    for paragraph in summary::coverage(c) {
        // A paragraph is kept on one page: each structure element lies on the page it marks.
        let lines = layout.wrap(REGULAR_FONT, 8.0, &paragraph, width);
        layout.ensure(10.0 * lines.len() as f32 + 2.0);
        let element = layout.tags.add(DOCUMENT, "P");
        for line in lines {
            layout.text(Mark::In(element), x, layout.y, REGULAR_FONT, 8.0, &line);
            layout.y -= 10.0;
        }
        layout.y -= 3.0;
    }
}

pub(super) fn draw_section(layout: &mut Layout, title: &str, records: &[summary::RecordSummary]) {
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
        draw_heading_line(layout, mark, &text);
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
pub(super) const HOW_TO_VERIFY: &str = "To verify: scan the QR code with a goodstanding verifier, or check \
                             this PDF with `goodstanding verify`; the signed certificate (.jws) \
                             is attached.";

/// What a draft says in its footer instead of how to verify.
pub(super) const DRAFT_FOOTER: &str = "Shown to the person it names before it is signed. It has no QR code \
                            and no signature: it cannot be verified and is not a certificate.";

/// The footers: the certificate id (a draft: the draft mark) and page number are pagination
/// artifacts on every page; how to verify (a draft: what it is) is read once, at the end, from
/// page 1's footer. A draft also has its mark at the top of every page (read once, on page 1)
/// and "DRAFT" across every page, beneath the text.
pub(super) fn draw_footers(layout: &mut Layout, c: &Certificate, edition: Edition<'_>) {
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
pub(super) fn draw_watermark(layout: &mut Layout, page: usize) {
    let size = 150.0;
    let word = "DRAFT";
    let string = layout.fonts[0].encode(word);
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
         {x:.2} {y:.2} Tm {string} Tj ET Q\nEMC\n",
        -sin
    );
    layout.pages[page].insert_str(0, &watermark);
}
