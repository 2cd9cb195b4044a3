//! The signed certificate attached to a PDF (feature `pdf`): a goodstanding PDF carries its
//! `.jws` as an embedded file, so software can verify the PDF itself.

use std::fmt;

use lopdf::{Document, Object};

use crate::limits::MAX_COMPACT_LEN;

pub use crate::carrier::PrintedQr;
pub use crate::limits::MAX_PDF_LEN;

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
    /// The PDF is a draft (its Info subject says so): shown to the person it names before
    /// anything was signed, so it carries no certificate.
    Draft,
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
            Self::Draft => f.write_str(crate::verify::DRAFT_EXPLAINED),
        }
    }
}

impl std::error::Error for PdfError {}

/// The attached `.jws` of a certificate PDF: the first embedded file whose name ends in `.jws`.
pub fn attached_certificate(bytes: &[u8]) -> Result<Vec<u8>, PdfError> {
    attachment(&load(bytes)?)
}

/// Parses a PDF, refusing one larger than [`MAX_PDF_LEN`].
fn load(bytes: &[u8]) -> Result<Document, PdfError> {
    if bytes.len() > MAX_PDF_LEN {
        return Err(PdfError::TooLarge);
    }
    Document::load_mem(bytes).map_err(|e| PdfError::Unreadable(e.to_string()))
}

/// The transparency log's proof attached to a certificate PDF (`<id>.tlog-proof`, issue 25), if
/// the PDF has one.
pub fn attached_proof(bytes: &[u8]) -> Result<Option<Vec<u8>>, PdfError> {
    match attached_file(&load(bytes)?, ".tlog-proof", MAX_PROOF_LEN) {
        Ok(proof) => Ok(Some(proof)),
        Err(PdfError::NoAttachment) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Longest proof read from a PDF: a checkpoint note (at most 64 KiB) and 64 hashes.
const MAX_PROOF_LEN: usize = 72 * 1024;

fn attachment(document: &Document) -> Result<Vec<u8>, PdfError> {
    match attached_file(document, ".jws", MAX_COMPACT_LEN + 2) {
        Err(PdfError::NoAttachment) if is_draft(document) => Err(PdfError::Draft),
        other => other,
    }
}

/// Whether the Info dictionary's subject marks the PDF as a draft.
fn is_draft(document: &Document) -> bool {
    document
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|info| document.dereference(info).ok())
        .and_then(|(_, info)| info.as_dict().ok())
        .and_then(|info| info.get(b"Subject").ok())
        .and_then(|subject| subject.as_str().ok())
        .is_some_and(|subject| subject == crate::summary::DRAFT_MARK.as_bytes())
}

/// `object`, or the object it refers to.
fn resolved(document: &Document, object: &Object) -> Option<Object> {
    document.dereference(object).ok().map(|(_, o)| o.clone())
}

/// The first embedded file whose name ends in `suffix`, at most `limit` bytes.
fn attached_file(document: &Document, suffix: &str, limit: usize) -> Result<Vec<u8>, PdfError> {
    let catalog = document
        .catalog()
        .map_err(|e| PdfError::Unreadable(e.to_string()))?;
    let resolve = |object: &Object| resolved(document, object);
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
            .is_some_and(|n| String::from_utf8_lossy(&n).ends_with(suffix));
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
        if stream.content.len() > limit {
            return Err(PdfError::AttachmentTooLarge);
        }
        let content = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        if content.len() > limit {
            return Err(PdfError::AttachmentTooLarge);
        }
        return Ok(content);
    }
    Err(PdfError::NoAttachment)
}

/// Largest page content read when looking for the QR code, in bytes.
const MAX_PAGE_CONTENT: usize = 1024 * 1024;

/// Most pages searched for QR codes: a certificate of 24 records at their longest and 16 QR
/// codes has 10.
const MAX_QR_PAGES: u32 = 16;

/// The QR codes drawn on a goodstanding PDF, as their modules (width, row-major dark modules),
/// read back from the drawing itself, page by page in order. Two drawings are read:
/// - an image mask a code (PDFs issued since December 2026): `q 0 g s 0 0 s x y cm /QRn Do Q`, where `/QRn` is an
///   image XObject of the page (`/ImageMask true /BitsPerComponent 1`, one bit a module, a 0 bit
///   dark, rows padded to whole bytes);
/// - rectangles (PDFs issued before): `q 0 g m 0 0 -m x y cm`, then one `x y w h re` per rectangle of dark
///   modules, then `f Q` (PDFs issued before keep being read).
///
/// Empty if no page has such a drawing (a PDF made or printed again by another program).
pub fn drawn_qr_modules(bytes: &[u8]) -> Result<Vec<(usize, Vec<bool>)>, PdfError> {
    drawn_qr_codes(&load(bytes)?)
}

fn drawn_qr_codes(document: &Document) -> Result<Vec<(usize, Vec<bool>)>, PdfError> {
    let mut codes = Vec::new();
    for (_, page) in document.get_pages().range(1..=MAX_QR_PAGES) {
        let content = document
            .get_page_content_with_limit(*page, MAX_PAGE_CONTENT)
            .map_err(|e| PdfError::Unreadable(e.to_string()))?;
        let content = String::from_utf8_lossy(&content);
        let mut lines = content.lines();
        while let Some(line) = lines.by_ref().find(|l| l.starts_with("q 0 g ")) {
            let code = if line.ends_with(" cm") {
                drawn_code(&mut lines)
            } else if let Some(name) = image_name(line) {
                image_code(document, *page, name)
            } else {
                continue;
            };
            match code {
                Some(code) if codes.len() < crate::parts::MAX_PARTS => codes.push(code),
                _ => return Ok(codes),
            }
        }
    }
    Ok(codes)
}

/// The image a `q 0 g s 0 0 s x y cm /QRn Do Q` line draws: `QRn`.
fn image_name(line: &str) -> Option<&str> {
    let (_, name) = line.strip_suffix(" Do Q")?.rsplit_once(' ')?;
    let name = name.strip_prefix('/')?;
    let number = name.strip_prefix("QR")?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(name)
}

/// Whether `width` is the side of a QR code (versions 1 to 40).
fn is_qr_width(width: usize) -> bool {
    (21..=177).contains(&width) && (width - 17).is_multiple_of(4)
}

/// One QR code drawn as the image mask `name` of `page`.
fn image_code(
    document: &Document,
    page: lopdf::ObjectId,
    name: &str,
) -> Option<(usize, Vec<bool>)> {
    let resolve = |object: &Object| resolved(document, object);
    let resources = document
        .get_dictionary(page)
        .ok()?
        .get(b"Resources")
        .ok()
        .and_then(resolve)?;
    let xobjects = resources
        .as_dict()
        .ok()?
        .get(b"XObject")
        .ok()
        .and_then(resolve)?;
    let image = xobjects
        .as_dict()
        .ok()?
        .get(name.as_bytes())
        .ok()
        .and_then(resolve)?;
    let stream = image.as_stream().ok()?;
    let entry = |key: &[u8]| stream.dict.get(key).ok().and_then(resolve);
    let number = |key: &[u8]| entry(key).and_then(|o| o.as_i64().ok());
    let width = usize::try_from(number(b"Width")?).ok()?;
    if entry(b"Subtype")?.as_name().ok()? != b"Image"
        || !entry(b"ImageMask")?.as_bool().ok()?
        || number(b"BitsPerComponent")? != 1
        || number(b"Height")? != i64::try_from(width).ok()?
        || entry(b"Decode").is_some()
        || !is_qr_width(width)
    {
        return None;
    }
    let row = width.div_ceil(8);
    let bits = match entry(b"Filter") {
        None => stream.content.clone(),
        Some(filter) if filter.as_name().ok()? == b"FlateDecode" => {
            // At most the image's own size is inflated.
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&stream.content, row * width)
                .ok()?
        }
        Some(_) => return None,
    };
    if bits.len() != row * width {
        return None;
    }
    let dark = (0..width * width)
        .map(|i| {
            let (y, x) = (i / width, i % width);
            bits[y * row + x / 8] & (0x80 >> (x % 8)) == 0
        })
        .collect();
    Some((width, dark))
}

/// One QR code's rectangles, up to its `f Q`.
fn drawn_code<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Option<(usize, Vec<bool>)> {
    let mut rectangles = Vec::new();
    for line in lines {
        if line == "f Q" {
            break;
        }
        let numbers: Vec<usize> = line
            .strip_suffix(" re")
            .map(|r| r.split(' ').filter_map(|n| n.parse().ok()).collect())
            .unwrap_or_default();
        let [x, y, w, h] = numbers[..] else {
            return None;
        };
        rectangles.push((x, y, w, h));
    }
    let width = rectangles
        .iter()
        .map(|&(x, _, w, _)| x + w)
        .max()
        .unwrap_or(0);
    let height = rectangles
        .iter()
        .map(|&(_, y, _, h)| y + h)
        .max()
        .unwrap_or(0);
    if width != height || !is_qr_width(width) {
        return None;
    }
    let mut dark = vec![false; width * width];
    for (x, y, w, h) in rectangles {
        for row in y..y + h {
            dark[row * width + x..row * width + x + w].fill(true);
        }
    }
    Some((width, dark))
}

/// The QR text the drawn QR codes hold: the one code's, or the parts joined; `None` if none
/// could be read. Codes that were read but do not join (parts of another certificate, or
/// several whole codes) give an empty text, which holds no certificate: the PDF was altered.
fn drawn_qr_text(document: &Document) -> Option<String> {
    let texts: Vec<String> = drawn_qr_codes(document)
        .ok()?
        .iter()
        .map(|(width, dark)| crate::scan::qr_text_in_modules(*width, dark).ok())
        .collect::<Option<_>>()?;
    match texts.first() {
        Some(first) if crate::parts::is_parts(first) => {
            Some(crate::parts::join(&texts).unwrap_or_default())
        }
        Some(first) if texts.len() == 1 => Some(first.clone()),
        Some(_) => Some(String::new()),
        None => None,
    }
}

/// Verifies a certificate PDF: its attachment, and that the QR code drawn on it holds the same
/// signed certificate. A PDF whose drawn QR code differs is not valid; a draft is not valid
/// either ([`crate::VerifyError::Draft`]).
#[allow(clippy::type_complexity)] // the result, the printed QR code, the proof
pub fn verify_pdf(
    bytes: &[u8],
    trust: &crate::TrustStore,
    now: crate::Timestamp,
) -> Result<
    (
        Result<crate::Verified, crate::VerifyError>,
        PrintedQr,
        Option<Vec<u8>>,
    ),
    PdfError,
> {
    let document = load(bytes)?;
    let jws = match attachment(&document) {
        Err(PdfError::Draft) => {
            return Ok((Err(crate::VerifyError::Draft), PrintedQr::Unread, None));
        }
        other => other?,
    };
    // The transparency log's proof, if attached (issue 25); a damaged one is left to the log
    // check, which refuses it.
    let proof = match attached_file(&document, ".tlog-proof", MAX_PROOF_LEN) {
        Ok(proof) => Some(proof),
        Err(PdfError::NoAttachment) => None,
        Err(_) => Some(Vec::new()),
    };
    let drawn = drawn_qr_text(&document);
    let attached = crate::SignedCertificate::decode(&jws).map(|(signed, _)| signed);
    let comparison = match (&drawn, &attached) {
        (Some(text), Ok(attached)) => match crate::SignedCertificate::decode(text.as_bytes()) {
            Ok((visible, _)) if &visible == attached => PrintedQr::Matches,
            _ => PrintedQr::Differs,
        },
        _ => PrintedQr::Unread,
    };
    let mut result = crate::verify(&jws, trust, now).map(|mut v| {
        v.carrier = crate::Carrier::PdfAttachment;
        v
    });
    if comparison == PrintedQr::Differs
        && !matches!(result, Err(ref e) if e.kind() == crate::ErrorKind::Input)
    {
        result = Err(crate::VerifyError::Substituted);
    }
    Ok((result, comparison, proof))
}
