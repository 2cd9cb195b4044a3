//! The certificate as an A4 PDF for people: what it says, laid out as tables, with the QR code
//! (vector modules) on page 1 and the `.jws` attached, so software can verify the PDF itself.
//!
//! The PDF is written here rather than with a PDF library: the layout is fixed, the objects are
//! numbered in a fixed order and every number is printed with fixed precision, so the same
//! certificate always gives the same bytes. Text uses DejaVu Sans (shipped in `fonts/` with its
//! licence), embedded as a subset of just the glyphs used, with a ToUnicode map so that text
//! extraction gives back the names exactly as signed.
//!
//! | module | owns |
//! |---|---|
//! | `fonts` | the embedded font: glyphs, widths, subsetting |
//! | `layout` | page geometry, lines, table rows, page breaks, the structure tree (tags) |
//! | `page` | what is drawn: QR code, heading, record tables, footers, draft watermark |
//! | `syntax` | the PDF objects: numbers, strings, streams, fonts, XMP, structure tree, attachment |

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::sync::{Arc, LazyLock};

use goodstanding_verifier::lists::IssuingBody;
use goodstanding_verifier::model::Certificate;
use goodstanding_verifier::{SignedCertificate, summary};
use sha2::{Digest as _, Sha256};

use crate::qr;

mod fonts;
mod layout;
mod page;
mod syntax;
#[cfg(test)]
mod tests;

use fonts::*;
use layout::*;
use page::*;
use syntax::*;

/// The words that mark a draft (see [`render_draft`]).
pub use goodstanding_verifier::summary::DRAFT_MARK;

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

/// Checks that the shipped fonts can print every character of the certificate.
pub fn check_printable(certificate: &Certificate) -> Result<(), RenderError> {
    check_printable_texts(summary::text_fields(certificate))
}

/// Checks that the shipped fonts can print each (field, text).
fn check_printable_texts(
    texts: impl IntoIterator<Item = (String, String)>,
) -> Result<(), RenderError> {
    let font = Font::load(REGULAR, REGULAR_NAME)?;
    for (field, text) in texts {
        // Right-to-left text would print backwards: as good as not covered (rule 10).
        let mut missing: Vec<char> = text
            .chars()
            .filter(|&c| !font.covers(c) || crate::validate::is_right_to_left(c))
            .collect();
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
    render_for(certificate, signed, qr_text, None)
}

/// As [`render_with_qr`], printing beside the issuer's name its address and where certificates
/// are checked, as the trust list names them for the signing key (`body`, trust list version
/// 2). The same certificate and body always give the same bytes.
pub fn render_for(
    certificate: &Certificate,
    signed: &SignedCertificate,
    qr_text: &str,
    body: Option<&IssuingBody>,
) -> Result<Vec<u8>, RenderError> {
    render_logged(certificate, signed, qr_text, body, None)
}

/// As [`render_for`], with the certificate's `c2sp.org/tlog-proof` (its inclusion in the
/// transparency log, issue 25) attached as `<id>.tlog-proof` beside the `.jws`. The same JWS,
/// body and proof always give the same bytes.
pub fn render_logged(
    certificate: &Certificate,
    signed: &SignedCertificate,
    qr_text: &str,
    body: Option<&IssuingBody>,
    proof: Option<&str>,
) -> Result<Vec<u8>, RenderError> {
    if let Some(body) = body {
        check_printable_texts([
            ("issuer.name".to_string(), body.name.to_string()),
            ("issuer.address".to_string(), body.address.to_string()),
            ("issuer.check_url".to_string(), body.check_url.to_string()),
        ])?;
    }
    render_edition(
        certificate,
        Edition::Signed {
            signed,
            qr_text,
            body,
            proof,
        },
    )
}

/// Renders the draft of a certificate for the person it names to check before it is signed:
/// the same layout, with [`DRAFT_MARK`] at the top of every page and "DRAFT" across it, and no
/// QR code, certificate id, signing key or attachment.
pub fn render_draft(certificate: &Certificate) -> Result<Vec<u8>, RenderError> {
    render_edition(certificate, Edition::Draft)
}

/// What is rendered: a signed certificate, or the draft of one.
#[derive(Clone, Copy)]
enum Edition<'a> {
    /// The QR code of `qr_text` drawn, `signed` attached (and the log's proof, if given).
    Signed {
        signed: &'a SignedCertificate,
        qr_text: &'a str,
        body: Option<&'a IssuingBody>,
        proof: Option<&'a str>,
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
        images: Vec::new(),
    };
    // A QR text too long for one code is printed as several, after everything else.
    let mut qr_parts = Vec::new();
    match edition {
        Edition::Signed { qr_text, body, .. }
            if qr_text.len() > goodstanding_verifier::parts::MAX_SYMBOL_CHARACTERS =>
        {
            let parts = goodstanding_verifier::parts::split(qr_text).ok_or_else(|| {
                RenderError::Qr(format!(
                    "{} characters do not fit {} QR codes",
                    qr_text.len(),
                    goodstanding_verifier::parts::MAX_PARTS
                ))
            })?;
            for part in &parts {
                qr_parts.push(qr::encode(part).map_err(|e| RenderError::Qr(format!("{e:?}")))?);
            }
            draw_heading(
                &mut layout,
                certificate,
                PAGE_WIDTH - 2.0 * MARGIN,
                false,
                body,
            );
            let notice = layout.tags.add(DOCUMENT, "P");
            layout.y -= 4.0;
            let text = qr_parts_notice(parts.len());
            for line in layout.wrap(BOLD_FONT, 9.5, &text, PAGE_WIDTH - 2.0 * MARGIN) {
                layout.text(Mark::In(notice), MARGIN, layout.y, BOLD_FONT, 9.5, &line);
                layout.y -= 12.0;
            }
        }
        Edition::Signed { qr_text, body, .. } => {
            let matrix = qr::encode(qr_text).map_err(|e| RenderError::Qr(format!("{e:?}")))?;
            let (figure, caption, qr_bottom) = draw_qr(&mut layout, &matrix);
            let qr_left = PAGE_WIDTH - MARGIN - qr_size(&matrix);
            // Text stays clear of the QR code's quiet zone (4 modules) and then some.
            let left_width = qr_left - MARGIN - 8.0 * MM;
            draw_heading(&mut layout, certificate, left_width, false, body);
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
            draw_heading(
                &mut layout,
                certificate,
                PAGE_WIDTH - 2.0 * MARGIN,
                true,
                None,
            );
        }
    }
    for (title, records) in summary::sections(certificate, certificate.issued_at.date()) {
        draw_section(&mut layout, title, &records);
    }
    draw_coverage(&mut layout, certificate);
    if !qr_parts.is_empty() {
        draw_qr_parts(&mut layout, &qr_parts);
    }
    draw_footers(&mut layout, certificate, edition);
    write_pdf(layout, certificate, edition)
}
