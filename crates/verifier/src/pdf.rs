//! The signed certificate attached to a PDF (feature `pdf`): a goodstanding PDF carries its
//! `.jws` as an embedded file, so software can verify the PDF itself.

use std::fmt;

use lopdf::{Document, Object};

use crate::limits::MAX_COMPACT_LEN;

/// Largest PDF read, in bytes: a certificate PDF is about 40 KB.
pub const MAX_PDF_LEN: usize = 4 * 1024 * 1024;

/// Whether `bytes` look like a PDF (`%PDF-` at the start).
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// Why no certificate could be taken from a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// The PDF is larger than a certificate PDF can be.
    TooLarge,
    /// The file is not a readable PDF.
    Unreadable(String),
    /// The PDF has no attached `.jws`.
    NoAttachment,
    /// The attachment is larger than any certificate.
    AttachmentTooLarge,
}

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "PDF larger than {MAX_PDF_LEN} bytes; not a certificate"),
            Self::Unreadable(e) => write!(f, "not a readable PDF ({e})"),
            Self::NoAttachment => f.write_str(
                "this PDF has no signed certificate (.jws) attached; it may have been printed or \
                 re-saved by a program that drops attachments: scan its QR code instead",
            ),
            Self::AttachmentTooLarge => {
                f.write_str("the attached file is too large to be a certificate")
            }
        }
    }
}

impl std::error::Error for PdfError {}

/// The attached `.jws` of a certificate PDF: the first embedded file whose name ends in `.jws`.
pub fn attached_certificate(bytes: &[u8]) -> Result<Vec<u8>, PdfError> {
    if bytes.len() > MAX_PDF_LEN {
        return Err(PdfError::TooLarge);
    }
    let document = Document::load_mem(bytes).map_err(|e| PdfError::Unreadable(e.to_string()))?;
    let catalog = document
        .catalog()
        .map_err(|e| PdfError::Unreadable(e.to_string()))?;
    let resolve = |object: &Object| -> Option<Object> {
        document.dereference(object).ok().map(|(_, o)| o.clone())
    };
    let names = catalog
        .get(b"Names")
        .ok()
        .and_then(resolve)
        .ok_or(PdfError::NoAttachment)?;
    let files = names
        .as_dict()
        .ok()
        .and_then(|d| d.get(b"EmbeddedFiles").ok())
        .and_then(resolve)
        .ok_or(PdfError::NoAttachment)?;
    let list = files
        .as_dict()
        .ok()
        .and_then(|d| d.get(b"Names").ok())
        .and_then(resolve)
        .ok_or(PdfError::NoAttachment)?;
    let list = list.as_array().map_err(|_| PdfError::NoAttachment)?;
    for pair in list.chunks(2) {
        let [name, spec] = pair else { continue };
        let is_jws = resolve(name)
            .and_then(|n| n.as_str().ok().map(<[u8]>::to_vec))
            .is_some_and(|n| String::from_utf8_lossy(&n).ends_with(".jws"));
        if !is_jws {
            continue;
        }
        let stream = resolve(spec)
            .and_then(|s| {
                s.as_dict()
                    .ok()
                    .and_then(|d| d.get(b"EF").ok())
                    .and_then(resolve)
            })
            .and_then(|ef| {
                ef.as_dict()
                    .ok()
                    .and_then(|d| d.get(b"F").ok())
                    .and_then(resolve)
            })
            .ok_or(PdfError::NoAttachment)?;
        let stream = stream.as_stream().map_err(|_| PdfError::NoAttachment)?;
        // The declared length caps the work before anything is inflated.
        if stream.content.len() > MAX_COMPACT_LEN {
            return Err(PdfError::AttachmentTooLarge);
        }
        let content = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        if content.len() > MAX_COMPACT_LEN + 2 {
            return Err(PdfError::AttachmentTooLarge);
        }
        return Ok(content);
    }
    Err(PdfError::NoAttachment)
}
